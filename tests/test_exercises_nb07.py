"""The exercises of notebooks 07a and 07b: each solution passes, each diagnosed mistake is named,
and what the statements promise the learner holds.

``tests/test_exercises.py`` runs the checks every exercise of the course must pass; this file adds
the ones specific to 07a and 07b, above all for ``lr_for_mean_wait``, the exercise of 07b that
asks the learner to invert Kramers' law.
"""

import re
from pathlib import Path

import numpy as np
import pytest
from support import load_solution as _load

from helpers import exercises
from helpers.lab.escape import make_well, run_sgd
from helpers.theory import kramers_escape_time, sgd_temperature

PARTS = {"07a_does_noise_help_escape": ["sgd_noise_scale", "fraction_in_deep_basin",
                                        "first_escape_step"],
         "07b_sgd_as_diffusion": ["escaped_by_step", "lr_for_mean_wait"]}




SOLUTION = {name: getattr(_load(stem), name) for stem, names in PARTS.items() for name in names}
ALL = sorted(SOLUTION)


def _notebook_text(stem):
    return (Path(__file__).resolve().parents[1] / "notebooks" / f"{stem}.ipynb").read_text(
        encoding="utf-8")


@pytest.mark.parametrize("stem, names", PARTS.items())
def test_each_part_checks_exactly_its_own_exercises(stem, names):
    checked = re.findall(r'check\(\\"(\w+)\\"', _notebook_text(stem))
    assert checked == names


@pytest.mark.parametrize("name", ALL)
def test_the_solution_passes_on_many_calls(name):
    for _ in range(10):
        ok, feedback = exercises.run_check(name, SOLUTION[name])
        assert ok, feedback


@pytest.mark.parametrize("name", ALL)
def test_the_unfinished_stub_gets_the_stub_hint(name):
    def stub(*args):
        raise NotImplementedError

    assert exercises.run_check(name, stub) == (False, exercises.STUB_HINT)


# ---- lr_for_mean_wait -------------------------------------------------------------------------

def _bisect(wait, low=1e-3, high=1.0, target=1000):
    for _ in range(80):
        mid = np.sqrt(low * high)
        low, high = (mid, high) if wait(mid) > target else (low, mid)
    return float(np.sqrt(low * high))


def _lr_with(temperature=None, steps=True):
    """A learner's lr_for_mean_wait with one step done another way."""
    def fn(well, wait_steps, batch_size, sigma2):
        def wait(lr):
            T = (temperature(lr, batch_size, well.n_examples, sigma2) if temperature
                 else sgd_temperature(lr, batch_size, well.n_examples, sigma2))
            tau = kramers_escape_time(well, T)
            return tau / lr if steps == "divide" or steps is True else (
                tau * lr if steps == "multiply" else tau)
        return _bisect(wait, target=wait_steps)
    return fn


BUGGY = {
    "time_not_steps": _lr_with(steps=False),
    "times_lr": _lr_with(steps="multiply"),
    "no_batch": _lr_with(temperature=lambda lr, b, n, s2: lr * s2),
    "with_replacement": _lr_with(temperature=lambda lr, b, n, s2: lr * s2 / b),
}


def test_every_mistake_of_lr_for_mean_wait_has_a_buggy_function_here():
    assert set(BUGGY) == set(exercises.mistakes("lr_for_mean_wait"))


@pytest.mark.parametrize("mistake", sorted(BUGGY))
def test_a_mistake_in_lr_for_mean_wait_gets_the_hint_that_names_it(mistake):
    for _ in range(3):
        ok, feedback = exercises.run_check("lr_for_mean_wait", BUGGY[mistake])
        assert not ok
        assert feedback == exercises.mistakes("lr_for_mean_wait")[mistake]


def test_a_learner_who_uses_a_library_root_finder_passes_too():
    right = _lr_with()
    for _ in range(5):
        ok, feedback = exercises.run_check("lr_for_mean_wait", right)
        assert ok, feedback


def test_a_constant_or_a_rough_answer_fails_without_giving_the_answer_away():
    ok, feedback = exercises.run_check("lr_for_mean_wait", lambda *args: 0.0104)
    assert not ok and "0.0103" not in feedback and "0.0104" not in feedback
    rough = lambda *args: SOLUTION["lr_for_mean_wait"](*args) * 1.01  # noqa: E731
    ok, feedback = exercises.run_check("lr_for_mean_wait", rough)
    assert not ok and "is off" in feedback


@pytest.mark.parametrize("returned, named", [("seven", "'seven'"), (np.zeros(7), "(7,)"),
                                             (None, "None"), (float("nan"), "nan")])
def test_lr_for_mean_wait_names_what_came_back_instead_of_a_number(returned, named):
    ok, feedback = exercises.run_check("lr_for_mean_wait", lambda *args: returned)
    assert not ok and named in feedback


def test_the_kramers_wait_at_the_solution_is_the_wait_asked_for():
    well = make_well()
    lr = SOLUTION["lr_for_mean_wait"](well, 2000, 1, 64.0)
    wait = kramers_escape_time(well, sgd_temperature(lr, 1, 64, 64.0)) / lr
    assert wait == pytest.approx(2000, rel=1e-6)


def test_runs_at_that_lr_escape_a_little_less_often_than_kramers_says():
    # what 07b's exercise asks the learner to find: over seeds 0, 1, 2 the share escaped by the
    # mean wait is near 1 − 1/e ≈ 0.63, and below it (the runs start at the very bottom of the well)
    well = make_well()
    lr = SOLUTION["lr_for_mean_wait"](well, 2000, 1, 64.0)
    shares = [run_sgd(well, lr, 1, 2000, num_runs=300, seed=seed).fraction("escaped")
              for seed in range(3)]
    assert 0.45 < np.mean(shares) < 1 - np.exp(-1)


# Picked up by tests/test_exercises.py, which runs its general checks on every exercise.
SHARED_BUGGY = {"lr_for_mean_wait": BUGGY}
SHARED_FORMULAS = {"lr_for_mean_wait": ["kramers_escape_time(well, T) / lr", "/ lr",
                                        "(N − B)/(N − 1)"]}
