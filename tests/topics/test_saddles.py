"""Deep dive D1's topic: Rosenbrock's changing local limit and where GD stalls, saddle points and
the time GD spends near one, and the exercise; the claims the notebook prints as estimates are
checked here over seeds, and the chaotic-looking runs it prints plainly are checked to survive a
one-ulp nudge of their start."""

import math

import numpy as np
import pytest
from support import load_solution

from helpers import exercises
from helpers.gd import run_gd
from helpers.objectives import Rosenbrock, Saddle, SaddleBetweenMinima
from helpers.topics import saddles
from helpers.topics.saddles import ROSENBROCK_X0

STALL_LRS = np.array([0.0021, 0.0025, 0.003, 0.004, 0.005])  # the notebook's table
SEEDS = [0, 1, 2]


def _nudged(x, direction):
    return np.nextafter(np.asarray(x, dtype=float), direction * np.inf)


# ---- Rosenbrock ----------------------------------------------------------------------------------

def test_the_local_limit_falls_steadily_from_the_bend_to_the_minimum():
    limits = saddles.floor_limits(np.linspace(0.0, 1.0, 201))
    assert np.all(np.diff(limits) < 0)
    assert limits[0] == pytest.approx(0.01) and limits[-1] == pytest.approx(0.001997, abs=1e-6)
    np.testing.assert_allclose(saddles.floor_limits([-0.5]), saddles.floor_limits([0.5]))


def test_gd_runs_takes_the_steps_of_run_gd_exactly():
    lrs = np.array([0.001, 0.003])
    many = saddles.gd_runs(Rosenbrock(), ROSENBROCK_X0, lrs, 500)
    for i, lr in enumerate(lrs):
        np.testing.assert_array_equal(many[:, i], run_gd(Rosenbrock(), ROSENBROCK_X0, lr, 500).xs)


def test_gd_stops_where_the_local_limit_has_fallen_to_its_lr():
    stalls = saddles.rosenbrock_stall(STALL_LRS)
    np.testing.assert_allclose(stalls["limit_there"], STALL_LRS, rtol=0.01)
    assert np.all(stalls["spread"][:, 1] > 1e-3)  # bouncing across the valley, not at rest
    solution = load_solution("saddles").rosenbrock_stall_point
    predicted = [solution(lr) for lr in STALL_LRS]
    np.testing.assert_allclose(stalls["x_mean"][:, 0], predicted, atol=2e-3)


def test_below_the_limit_at_the_minimum_gd_gets_there():
    traj = run_gd(Rosenbrock(), ROSENBROCK_X0, 0.0019, 15_000)
    assert traj.status == "converged" and traj.converged_at == 13_966


@pytest.mark.parametrize("direction", [1, -1])
def test_the_printed_stall_table_survives_a_one_ulp_nudge_of_the_start(direction, monkeypatch):
    def table():
        s = saddles.rosenbrock_stall(STALL_LRS)
        return [f"{x:.3f} {dy:.3f} {limit:.4f}" for (x, _), (_, dy), limit
                in zip(s["x_mean"], s["spread"], s["limit_there"])]

    printed = table()
    monkeypatch.setattr(saddles, "ROSENBROCK_X0", _nudged(ROSENBROCK_X0, direction))
    assert table() == printed


@pytest.mark.parametrize("direction", [1, -1])
def test_the_printed_crawl_counts_survive_a_one_ulp_nudge_of_the_start(direction):
    def counts(x0):
        xs = run_gd(Rosenbrock(), x0, 0.001, 20_000).xs
        to_min = np.linalg.norm(xs - 1.0, axis=1)
        return [int(np.argmax(to_min < d)) for d in [0.5, 0.1, 0.01, 0.001]]

    assert counts(_nudged(ROSENBROCK_X0, direction)) == counts(ROSENBROCK_X0) == [
        2194, 5686, 11329, 17082]


# ---- saddle points -------------------------------------------------------------------------------

def test_the_hessian_tells_the_saddle_from_the_minima():
    landscape = SaddleBetweenMinima()
    assert saddles.hessian_eigenvalues(landscape, (0, 0)).tolist() == [-1.0, 2.0]
    assert saddles.hessian_eigenvalues(landscape, (0, 1)).tolist() == [2.0, 2.0]
    assert saddles.hessian_eigenvalues(Saddle(), (0, 0)).tolist() == [-2.0, 2.0]


def test_on_the_stable_line_gd_converges_to_the_saddle_and_nudged_it_leaves():
    landscape = SaddleBetweenMinima()
    on_line = saddles.gd_runs(landscape, [1.0, 0.0], 0.1, 150)[-1]
    nudged = saddles.gd_runs(landscape, [1.0, 1e-6], 0.1, 150)[-1]
    assert np.linalg.norm(on_line) < 1e-14 and nudged[1] == pytest.approx(0.873, abs=1e-3)


def test_the_helper_takes_the_plain_loops_noisy_steps_exactly():
    landscape, rng, x = SaddleBetweenMinima(), np.random.default_rng(0), np.array([1.0, 0.0])
    for _ in range(150):
        x = x - 0.1 * (landscape.grad(x) + 0.01 * rng.standard_normal(2))
    np.testing.assert_array_equal(
        saddles.gd_runs(landscape, [1.0, 0.0], 0.1, 150, noise=0.01, seed=0)[-1], x)


@pytest.mark.parametrize("objective", [SaddleBetweenMinima(), Saddle()])
def test_the_time_near_the_saddle_follows_the_formula(objective):
    offsets = 10.0 ** -np.arange(1, 13)
    measured = saddles.steps_near_saddle(objective, offsets)
    predicted = saddles.predicted_steps_near_saddle(objective, offsets)
    assert np.max(np.abs(measured - predicted)) < 2
    slope = np.polyfit(-np.log10(offsets), measured, 1)[0]
    assert slope == pytest.approx(saddles.predicted_steps_per_decade(objective), abs=0.3)


def test_per_decade_the_saddle_costs_24_steps_and_the_pure_saddle_12_6():
    per_decade = saddles.predicted_steps_per_decade
    assert per_decade(SaddleBetweenMinima()) == pytest.approx(24.16, abs=0.01)
    assert per_decade(Saddle()) == pytest.approx(12.63, abs=0.01)


def test_started_exactly_on_the_line_gd_never_leaves():
    assert saddles.steps_near_saddle(SaddleBetweenMinima(), [0.0])[0] == 1997


# ---- the estimates: noisy runs, over seeds ------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS)
def test_a_noisy_run_from_the_line_ends_near_a_minimum(seed):
    end = saddles.gd_runs(SaddleBetweenMinima(), [1.0, 0.0], 0.1, 150, noise=0.01, seed=seed)[-1]
    assert abs(end[0]) < 0.02 and abs(abs(end[1]) - 1) < 0.05
    if seed == 0:  # the run the notebook prints: near (0, -1)
        assert end[1] == pytest.approx(-1.001, abs=0.01)


@pytest.mark.parametrize("seed", SEEDS)
def test_noisy_medians_lie_on_the_formulas_line_at_delta_lr_times_noise(seed):
    landscape, noises = SaddleBetweenMinima(), 10.0 ** -np.arange(0, 11)
    noisy = saddles.steps_near_saddle_noisy(landscape, noises, runs=50, seed=seed)
    predicted = saddles.predicted_steps_near_saddle(landscape, 0.1 * noises)
    assert np.all(np.abs(noisy - predicted) <= 10)
    assert np.polyfit(-np.log10(noises), noisy, 1)[0] == pytest.approx(24.2, abs=1.5)
    if seed == 0:  # the notebook prints ≈ 8, ≈ 130, ≈ 252
        np.testing.assert_allclose(noisy[[0, 5, 10]], [8, 130, 252], atol=3)


# ---- the exercise: rosenbrock_stall_point -------------------------------------------------------

def _floor_hessian(x):
    return np.array([[2 + 800 * x**2, -400 * x], [-400 * x, 200.0]])  # ∇²f at (x, x²)


def _stall_loop(lr, *, limit=None, below=1.0, guard_bend=True):
    """Bisection for the x in [0, 1] where limit(x) = lr, written as a learner would."""
    limit = limit or (lambda x: 2 / np.linalg.eigvalsh(_floor_hessian(x)).max())
    if guard_bend and lr > limit(0.0):
        return None
    if lr <= limit(1.0):
        return below
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if limit(mid) > lr else (lo, mid)
    return (lo + hi) / 2


BUGGY = {
    "no_two": lambda lr: _stall_loop(lr, limit=lambda x: 1 / np.linalg.eigvalsh(
        _floor_hessian(x)).max()),
    "diagonal": lambda lr: _stall_loop(lr, limit=lambda x: 2 / _floor_hessian(x)[0, 0]),
    "none_below": lambda lr: _stall_loop(lr, below=None),
    "bend_zero": lambda lr: _stall_loop(lr, guard_bend=False),
}


def test_the_solution_and_a_bisection_on_the_topic_function_pass():
    rosen = Rosenbrock()
    via_topic = lambda lr: _stall_loop(lr, limit=lambda x: saddles.local_limit(rosen, (x, x**2)))
    for fn in [load_solution("saddles").rosenbrock_stall_point, via_topic]:
        for _ in range(10):
            ok, feedback = exercises.run_check("rosenbrock_stall_point", fn)
            assert ok, feedback


def test_every_diagnosed_mistake_has_a_buggy_learner_here():
    assert set(BUGGY) == set(exercises.mistakes("rosenbrock_stall_point"))


@pytest.mark.parametrize("mistake", sorted(BUGGY))
def test_a_buggy_learner_gets_the_hint_that_names_its_mistake(mistake):
    for _ in range(5):
        ok, feedback = exercises.run_check("rosenbrock_stall_point", BUGGY[mistake])
        assert not ok
        assert feedback == exercises.mistakes("rosenbrock_stall_point")[mistake]


def test_the_checker_tests_both_ends_of_the_valley():
    seen = []
    exercises.run_check("rosenbrock_stall_point", lambda lr: seen.append(lr) or _stall_loop(lr))
    assert any(lr > 0.01 for lr in seen), "no lr above the limit at the bend (answer None)"
    assert any(lr < 0.001997 for lr in seen), "no lr below the limit at the minimum (answer 1.0)"
    solution = load_solution("saddles").rosenbrock_stall_point
    assert solution(0.0101) is None and solution(1.5) is None and solution(0.0019) == 1.0
    assert solution(0.01) == pytest.approx(0.0, abs=1e-6)
    assert math.isclose(solution(0.0019968038374381654), 1.0)
