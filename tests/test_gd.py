"""The gradient-descent runner: the very steps of the loop, and the verdict a learner reads
(helpers/gd.py)."""

import warnings

import numpy as np
import pytest

from helpers.gd import BLOWUP_FACTOR, blew_up, minimize, run_gd
from helpers.objectives import (
    DoubleWell,
    Parabola,
    QuadraticBowl,
    Rosenbrock,
    Saddle,
    SaddleBetweenMinima,
)
from helpers.optim import Adam

# ---- the loop ----

def test_run_gd_takes_the_steps_of_the_plain_loop():
    bowl, lr = QuadraticBowl(kappa=10, angle_deg=30), 0.05
    x, xs = np.array([1.5, -1.0]), [np.array([1.5, -1.0])]
    for _ in range(40):
        x = x - lr * bowl.grad(x)  # the loop notebook 01 writes out
        xs.append(x)
    trajectory = run_gd(bowl, [1.5, -1.0], lr, 40)
    np.testing.assert_array_equal(trajectory.xs, xs)
    np.testing.assert_array_equal(trajectory.losses, [bowl.f(x) for x in xs])
    assert trajectory.num_steps == 40


def test_on_the_parabola_each_step_multiplies_x_by_one_minus_lr_a():
    trajectory = run_gd(Parabola(a=2.0), 1.0, 0.1, 10)
    np.testing.assert_allclose(trajectory.xs, 0.8 ** np.arange(11), rtol=1e-14)


def test_minimize_with_gd_is_run_gd_and_with_momentum_is_the_heavy_ball():
    bowl = QuadraticBowl(kappa=5)
    plain, same = run_gd(bowl, [1.0, 1.0], 0.1, 30), minimize(bowl, [1.0, 1.0], "gd", 0.1, 30)
    np.testing.assert_array_equal(plain.xs, same.xs)
    x, v, xs = np.array([1.0, 1.0]), np.zeros(2), [np.array([1.0, 1.0])]
    for _ in range(30):
        v = 0.8 * v + bowl.grad(x)  # torch's form: v_1 = g_1
        x = x - 0.1 * v
        xs.append(x)
    heavy = minimize(bowl, [1.0, 1.0], "momentum", lr=0.1, num_steps=30, momentum=0.8)
    np.testing.assert_allclose(heavy.xs, xs, rtol=1e-14, atol=1e-16)


def test_minimize_with_adam_takes_the_optimizers_steps():
    rosen = Rosenbrock()
    x, g = np.array([-1.0, 1.0]), np.zeros(2)
    opt, xs = Adam([(x, g)], lr=0.01), [x.copy()]
    for _ in range(50):
        g[...] = rosen.grad(x)
        opt.step()
        xs.append(x.copy())
    trajectory = minimize(rosen, [-1.0, 1.0], "adam", lr=0.01, num_steps=50)
    np.testing.assert_array_equal(trajectory.xs, xs)


# ---- the verdicts ----

@pytest.mark.parametrize("lr, num_steps, status", [
    (0.5, 50, "converged"),    # r = 1 − lr·a = 0: one step to the minimum
    (0.1, 200, "converged"),
    (0.001, 50, "converging"),  # r = 0.998: falling, far from there
    (1.0, 50, "oscillating"),   # r = −1: x jumps between +1 and −1
    (1.05, 5, "diverging"),     # r = −1.1: the loss grows 1.21× a step, not yet past the limit
    (1.05, 100, "diverged"),
    (3.0, 50, "diverged"),      # r = −5
])
def test_the_verdict_names_the_regime_of_lr(lr, num_steps, status):
    assert run_gd(Parabola(), 1.0, lr, num_steps).status == status


def test_a_converged_run_says_when_and_stops_at_a_fixed_point():
    trajectory = run_gd(Parabola(), 1.0, 0.5, 50)
    assert trajectory.converged_at == 1 and trajectory.diverged_at is None
    assert trajectory.num_steps == 2  # x stayed at 0: no point in 48 more identical steps
    assert trajectory.message == "Converged in 1 step: the loss is within 1e-10 of the minimum."


def test_a_diverged_run_stops_without_warnings_and_blames_the_learning_rate():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        trajectory = run_gd(Parabola(), 1.0, 3.0, 1000)
    assert trajectory.diverged_at == 1  # x_1 = −5: loss 25, past 10 × the start's 1
    assert trajectory.num_steps == 0 and np.isfinite(trajectory.losses).all()
    assert "The learning rate 3 is too large here." in trajectory.message


def test_the_verdict_messages_say_what_the_loss_did():
    assert run_gd(Parabola(), 1.0, 0.001, 50).message == (
        "Still converging after 50 steps: the loss fell from 1 to 0.819.")  # 0.998¹⁰⁰
    assert run_gd(Parabola(), 1.0, 1.0, 50).message == (
        "Oscillating: after 50 steps the loss is 1, neither shrinking nor growing (it started "
        "at 1).")
    assert "Diverging: the loss grew from 1 to 2.59 in 5 steps" in (
        run_gd(Parabola(), 1.0, 1.05, 5).message)


def test_a_run_that_settles_in_the_shallow_well_is_a_local_minimum():
    well = DoubleWell()
    trajectory = run_gd(well, 1.2, 0.05, 500)
    assert trajectory.status == "converged"
    assert trajectory.xs[-1] == pytest.approx(well.shallow_min, abs=1e-5)
    assert trajectory.message.startswith("Converged to a local minimum at x = 0.9601")
    assert "cannot see the deeper valley" in trajectory.message


@pytest.mark.parametrize("objective", [Saddle(), SaddleBetweenMinima()])
def test_a_run_started_on_the_ridge_stalls_at_the_saddle_and_says_so(objective):
    trajectory = run_gd(objective, [1.0, 0.0], 0.1, 500)
    assert np.abs(trajectory.xs[-1]).max() < 1e-10
    assert trajectory.message.startswith("Stalled at a saddle point x = ")
    assert "curves down in some direction" in trajectory.message


def test_off_the_ridge_the_same_run_reaches_a_minimum():
    trajectory = run_gd(SaddleBetweenMinima(), [1.0, 0.1], 0.1, 500)
    assert trajectory.message.startswith("Converged in ")
    np.testing.assert_allclose(trajectory.xs[-1], [0.0, 1.0], atol=1e-5)


def test_zero_steps_is_a_start_only():
    trajectory = run_gd(Parabola(), 1.0, 0.1, 0)
    assert trajectory.num_steps == 0 and trajectory.message == "No steps taken yet."


# ---- the cap on num_steps, and the start ----

def test_num_steps_of_a_trillion_is_refused_at_once_with_the_range():
    with pytest.raises(ValueError, match=r"num_steps must be an integer from 0 to 1000000; "
                                         r"got 1000000000000"):
        run_gd(Parabola(), 1.0, 0.1, num_steps=10**12)


def test_a_start_that_is_not_finite_is_named():
    with pytest.raises(ValueError, match="x0 must be finite; got nan"):
        run_gd(Parabola(), float("nan"), 0.1, 10)


# ---- the one blow-up rule ----

def test_blew_up_is_nan_inf_or_above_the_factor_times_the_reference():
    assert not blew_up(BLOWUP_FACTOR * 2.0, 2.0)  # at the limit: not yet
    assert blew_up(BLOWUP_FACTOR * 2.0 * (1 + 1e-12), 2.0)
    assert blew_up(float("nan"), 2.0) and blew_up(float("inf"), 2.0)
    assert not blew_up(-1.0, 2.0)


BETAS = (0.0, 0.5, 0.9, 0.95, 0.99)
JUST_BELOW = (0.9, 0.99, 1 - 1e-4, 1 - 1e-6)  # fractions of the edge lr < 2(1 + β)/λmax


@pytest.mark.parametrize("beta", BETAS)
def test_a_healthy_heavy_ball_run_never_swings_past_the_blowup_reference(beta):
    # gd.blew_up's docstring: with momentum β the loss may swing out by up to about
    # 1/(1 − β)² before it falls; the reference allows BLOWUP_FACTOR times that
    allowed = BLOWUP_FACTOR / (1 - beta) ** 2
    worst = 0.0
    for bowl in (QuadraticBowl(kappa=1), QuadraticBowl(kappa=100, angle_deg=30)):
        edge = 2 * (1 + beta) / bowl.lam_max
        for fraction in JUST_BELOW:
            trajectory = minimize(bowl, [2.0, 2.0], "sgd", lr=fraction * edge,
                                  num_steps=1500, momentum=beta)
            assert trajectory.status != "diverged", (bowl, fraction, trajectory.message)
            worst = max(worst, trajectory.losses.max() / trajectory.losses[0])
    assert worst <= allowed
    assert worst * (1 - beta) ** 2 < 0.5 * BLOWUP_FACTOR  # with a margin: measured about 3.7


@pytest.mark.parametrize("beta", [0.5, 0.9, 0.99])
def test_just_past_the_edge_the_heavy_ball_is_stopped_as_diverged(beta):
    bowl = QuadraticBowl(kappa=10)
    trajectory = minimize(bowl, [1.0, 1.0], "momentum", lr=1.01 * 2 * (1 + beta) / bowl.lam_max,
                          num_steps=5000, momentum=beta)
    assert trajectory.status == "diverged" and trajectory.diverged_at < 5000
