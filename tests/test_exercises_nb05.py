"""The exercises of notebooks 05a and 05b: each solution passes, each diagnosed mistake gets its
hint, and every exercise sits in the part whose topic it tests."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from helpers import exercises
from helpers.exercises import nb05

ROOT = Path(__file__).resolve().parents[1]
PARTS = {
    "05a_training_a_network_on_mnist": ["updates_per_epoch", "accuracy_from_logits",
                                        "accuracy_in_batches"],
    "05b_experiments_on_mnist": ["confusion_matrix_counts", "fit_update_cost"],
}


def _solutions(stem):
    spec = importlib.util.spec_from_file_location(f"solutions_{stem}",
                                                  ROOT / "solutions" / f"{stem}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CASES = [(stem, name) for stem, names in PARTS.items() for name in names]


@pytest.mark.parametrize(("stem", "name"), CASES)
def test_the_solution_passes_every_time(stem, name):
    solution = getattr(_solutions(stem), name)
    for _ in range(20):  # the cases are partly random
        ok, feedback = exercises.run_check(name, solution)
        assert ok, feedback


@pytest.mark.parametrize(("stem", "names"), PARTS.items())
def test_each_part_checks_exactly_its_own_exercises(stem, names):
    cells = json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text())["cells"]
    checked = [line.split('"')[1] for cell in cells if cell["cell_type"] == "code"
               for line in "".join(cell["source"]).splitlines() if line.startswith("check(")]
    assert checked == names
    text = "".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown")
    assert f"solutions/{stem}.py" in text


def test_the_stubs_get_the_unfinished_hint():
    def stub(*args):
        raise NotImplementedError

    for _, name in CASES:
        ok, feedback = exercises.run_check(name, stub)
        assert not ok and "NotImplementedError" in feedback


# ---- fit_update_cost: the new exercise of 05b ----------------------------------------------------

def _polyfit(B, t, weights=None):
    slope, intercept = np.polyfit(B, t, 1, w=weights)
    return intercept, slope


def _relative_polyfit(B, t):
    return _polyfit(B, t, 1 / np.asarray(t, dtype=float))


def _weighted_means(B, t):
    w = 1 / np.asarray(t, dtype=float) ** 2  # weights on the squared residuals
    B_mean, t_mean = np.average(B, weights=w), np.average(t, weights=w)
    c = np.sum(w * (B - B_mean) * (t - t_mean)) / np.sum(w * (B - B_mean) ** 2)
    return t_mean - c * B_mean, c


@pytest.mark.parametrize("right", [_relative_polyfit, _weighted_means],
                         ids=["polyfit-w", "weighted-means"])
def test_fit_accepts_right_answers_written_differently(right):
    for _ in range(10):
        ok, feedback = exercises.run_check("fit_update_cost", right)
        assert ok, feedback


def test_a_plain_fit_of_the_measured_times_gives_a_negative_overhead():
    # why the exercise asks for relative errors: the largest batch rules a plain fit
    overhead, _ = _polyfit(nb05.MEASURED_SIZES, nb05.MEASURED_MS)
    assert overhead < 0
    solution = _solutions("05b_experiments_on_mnist").fit_update_cost
    overhead, per_example = solution(nb05.MEASURED_SIZES, nb05.MEASURED_MS)
    assert overhead > 0 and 4 < overhead / per_example < 64  # in the measured batch sizes


def test_fit_recovers_an_exact_line():
    solution = _solutions("05b_experiments_on_mnist").fit_update_cost
    overhead, per_example = solution(np.array([1, 10, 100]), 0.2 + 0.03 * np.array([1, 10, 100]))
    assert overhead == pytest.approx(0.2) and per_example == pytest.approx(0.03)


BUGGY = {
    "plain": lambda B, t: _polyfit(B, t),
    "weighted_twice": lambda B, t: _polyfit(B, t, 1 / np.asarray(t) ** 2),
    "swapped": lambda B, t: _relative_polyfit(B, t)[::-1],
    "through_origin": lambda B, t: (0.0, float(np.sum(B / t) / np.sum((B / t) ** 2))),
    "two_ends": lambda B, t: (t[0] - (t[-1] - t[0]) / (B[-1] - B[0]) * B[0],
                              (t[-1] - t[0]) / (B[-1] - B[0])),
    "mean_per_example": lambda B, t: (0.0, float(np.mean(t / B))),
}


def test_every_fit_mistake_has_a_buggy_function_here():
    assert set(BUGGY) == set(exercises.mistakes("fit_update_cost"))


@pytest.mark.parametrize("mistake", sorted(BUGGY))
def test_a_fit_mistake_gets_the_hint_that_names_it(mistake):
    hint = exercises.mistakes("fit_update_cost")[mistake]
    for _ in range(5):
        ok, feedback = exercises.run_check("fit_update_cost", BUGGY[mistake])
        assert not ok and feedback == hint


@pytest.mark.parametrize(("returned", "named"), [
    (3.0, "the number 3.0"), (np.zeros(7), "(7,)"), ("seven", "'seven'"), (None, "None"),
    ((float("nan"), 0.1), "NaN")])
def test_fit_names_what_came_back_instead_of_two_numbers(returned, named):
    ok, feedback = exercises.run_check("fit_update_cost", lambda B, t: returned)
    assert not ok and named in feedback


def test_fit_hints_never_give_the_fitted_numbers():
    ok, feedback = exercises.run_check("fit_update_cost", lambda B, t: (1.0, 0.05))
    assert not ok
    overhead, per_example = _relative_polyfit(nb05.MEASURED_SIZES, nb05.MEASURED_MS)
    for value in (overhead, per_example):
        assert f"{value:.3g}" not in feedback and f"{value:.2g}" not in feedback


def test_fit_cases_change_between_calls_but_start_the_same():
    calls = [[], []]
    for seen in calls:
        exercises.run_check("fit_update_cost", lambda B, t, seen=seen: (
            seen.append((tuple(B), tuple(t))) or _relative_polyfit(B, t)))
    assert calls[0][0] == calls[1][0] and calls[0] != calls[1]
    assert len(calls[0]) >= 5
