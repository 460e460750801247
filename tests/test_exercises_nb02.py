"""The exercises of notebooks 02a and 02b: solutions pass, learner-style mistakes get their hint,
and what the statements promise the learner holds when measured."""

import math

import numpy as np
import pytest
from support import load_solution as _load

from helpers import exercises
from helpers.gd import run_gd
from helpers.lab import gd_2d
from helpers.lab.gd_2d import BOWL_X0
from helpers.objectives import QuadraticBowl, Rosenbrock

A = _load("02a_valleys_and_the_condition_number")
B = _load("02b_rosenbrock_and_saddle_points")


# ---- a learner's stall point: bisection on the valley floor, with one mistake each -------------


def _floor_hessian(x):
    return np.array([[2 + 800 * x**2, -400 * x], [-400 * x, 200.0]])  # ∇²f at (x, x²)


def _stall_loop(lr, *, limit=None, none_below=True):
    """Bisection for the x in [0, 1] where limit(x) = lr, written as a learner would."""
    limit = limit or (lambda x: 2 / np.linalg.eigvalsh(_floor_hessian(x)).max())
    if none_below and lr < limit(1.0):
        return None
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if limit(mid) > lr else (lo, mid)
    return (lo + hi) / 2


STALL_BUGGY = {
    "no_two": lambda lr: _stall_loop(lr, limit=lambda x: 1 / np.linalg.eigvalsh(
        _floor_hessian(x)).max()),
    "diagonal": lambda lr: _stall_loop(lr, limit=lambda x: 2 / _floor_hessian(x)[0, 0]),
    "end_not_none": lambda lr: _stall_loop(lr, none_below=False),
}

# Picked up by tests/test_exercises.py, which runs its general checks on every exercise.
SHARED_BUGGY = {"rosenbrock_stall_point": STALL_BUGGY}
SHARED_FORMULAS = {"rosenbrock_stall_point": ["(λ − 2)(λ − 200)", "800λ", "800 * lam", "bisect"]}


def test_the_stall_point_solution_passes_on_many_calls():
    for _ in range(20):
        ok, feedback = exercises.run_check("rosenbrock_stall_point", B.rosenbrock_stall_point)
        assert ok, feedback


def test_a_stall_point_by_the_lab_function_passes_too():
    rosen = Rosenbrock()
    ok, feedback = exercises.run_check("rosenbrock_stall_point", lambda lr: _stall_loop(
        lr, limit=lambda x: gd_2d.max_stable_lr_at(rosen, (x, x**2))))
    assert ok, feedback


def test_every_stall_mistake_has_a_buggy_function_here():
    assert set(STALL_BUGGY) == set(exercises.mistakes("rosenbrock_stall_point"))


@pytest.mark.parametrize("mistake", sorted(STALL_BUGGY))
def test_a_stall_mistake_gets_the_hint_that_names_it(mistake):
    expected = exercises.mistakes("rosenbrock_stall_point")[mistake]
    for _ in range(5):
        ok, feedback = exercises.run_check("rosenbrock_stall_point", STALL_BUGGY[mistake])
        assert not ok
        assert feedback == expected


@pytest.mark.parametrize("wrong", [lambda lr: 0.76, lambda lr: None, lambda lr: 1.0,
                                   lambda lr: math.inf, lambda lr: "0.76"])
def test_a_constant_or_wrong_kind_of_stall_point_fails(wrong):
    ok, feedback = exercises.run_check("rosenbrock_stall_point", wrong)
    assert not ok and feedback


def test_no_stall_hint_gives_the_formula_or_the_answer():
    answer = B.rosenbrock_stall_point(0.003)
    for wrong in [*STALL_BUGGY.values(), lambda lr: 0.5, lambda lr: None]:
        ok, feedback = exercises.run_check("rosenbrock_stall_point", wrong)
        assert not ok
        assert f"{answer:.3g}" not in feedback and f"{answer:.2f}" not in feedback
        assert "800" not in feedback and "bisect" not in feedback


def test_the_first_stall_case_is_fixed_and_the_others_change():
    calls = [[], []]
    for seen in calls:
        exercises.run_check("rosenbrock_stall_point",
                            lambda lr, seen=seen: seen.append(lr) or B.rosenbrock_stall_point(lr))
    assert calls[0][0] == calls[1][0] == 0.003
    assert calls[0] != calls[1] and len(calls[0]) >= 4


# ---- what the statement of the 02b exercise promises --------------------------------------------


def test_the_local_limit_falls_steadily_from_the_bend_to_the_minimum():
    limits = gd_2d.valley_floor_limits(np.linspace(0.0, 1.0, 201))
    assert np.all(np.diff(limits) < 0)
    assert limits[0] == pytest.approx(0.01)
    assert limits[-1] == pytest.approx(0.001997, abs=1e-6)


@pytest.mark.parametrize("lr", [0.0021, 0.003, 0.005])
def test_the_predicted_stall_point_is_where_gd_ends_up(lr):
    measured = gd_2d.rosenbrock_stall(lr, num_steps=10_000)["x_mean"][0]
    assert B.rosenbrock_stall_point(lr) == pytest.approx(measured, abs=2e-3)


def test_below_the_limit_at_the_minimum_gd_gets_there_and_the_answer_is_none():
    assert B.rosenbrock_stall_point(0.0019) is None
    assert run_gd(Rosenbrock(), gd_2d.ROSENBROCK_X0, 0.0019, 15_000).status == "converged"


# ---- 02a: the solutions, and the measurement the max_stable_lr exercise asks for ----------------


@pytest.mark.parametrize("name", ["best_lr_bowl", "contraction_factor", "max_stable_lr"])
def test_the_02a_solutions_pass(name):
    for _ in range(10):
        ok, feedback = exercises.run_check(name, getattr(A, name))
        assert ok, feedback


def test_on_the_turned_bowl_gd_converges_just_below_the_limit_and_grows_just_above():
    bowl = QuadraticBowl(kappa=10, angle_deg=30)
    limit = A.max_stable_lr(bowl.A)
    assert limit == pytest.approx(0.2)
    below = run_gd(bowl, BOWL_X0, 0.99 * limit, 400).xs[-1]
    above = run_gd(bowl, BOWL_X0, 1.01 * limit, 400).xs[-1]
    assert np.linalg.norm(below) < 1e-3 * np.linalg.norm(BOWL_X0)
    assert np.linalg.norm(above) > np.linalg.norm(BOWL_X0)
