"""The gradient-descent runner (helpers.gd) and the objectives it descends (helpers.objectives)."""

import math
import warnings

import numpy as np
import pytest

from helpers.gd import STATUSES, Trajectory, blew_up, minimize, run_gd
from helpers.objectives import (
    DoubleWell,
    LeastSquares,
    Parabola,
    QuadraticBowl,
    Rosenbrock,
    make_regression,
)

# Any warning (overflow, invalid value, ...) fails the test: a learner must never see one.
pytestmark = pytest.mark.filterwarnings("error")


def central_differences(f, x, eps=1e-6):
    """∂f/∂x_i ≈ (f(x + eps·e_i) − f(x − eps·e_i)) / 2eps for a scalar f of an array x."""
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = eps
        grad[i] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


# ----- GD on f(x) = x² --------------------------------------------------------------------------


def test_lr_1_from_minus_3_alternates_exactly_between_minus_3_and_3():
    traj = run_gd(Parabola(), -3.0, lr=1.0, num_steps=10)
    assert list(traj.xs) == [-3.0, 3.0, -3.0, 3.0, -3.0, 3.0, -3.0, 3.0, -3.0, 3.0, -3.0]
    assert traj.status == "oscillating"
    assert traj.diverged_at is None


def test_lr_half_reaches_the_minimum_in_one_step_exactly():
    traj = run_gd(Parabola(), -3.0, lr=0.5, num_steps=5)
    assert traj.xs[1] == 0.0
    assert traj.status == "converged"
    assert traj.converged_at == 1


@pytest.mark.parametrize("lr", [1.1, 1.5, 3.0])
def test_lr_above_1_is_reported_as_diverged_with_the_step(lr):
    traj = run_gd(Parabola(), -3.0, lr=lr, num_steps=200)
    assert traj.status == "diverged"
    assert isinstance(traj.diverged_at, int) and traj.diverged_at >= 1
    assert len(traj.xs) == traj.diverged_at  # the iterate that blew up is not kept
    assert np.all(np.isfinite(traj.xs))
    assert "Diverged after" in traj.message


def test_lr_just_above_1_with_few_steps_is_diverging_not_yet_diverged():
    traj = run_gd(Parabola(), -3.0, lr=1.01, num_steps=20)
    assert traj.status == "diverging"
    assert traj.diverged_at is None
    assert traj.losses[-1] > traj.losses[0]


def test_a_huge_lr_stops_without_overflow_warnings():
    traj = run_gd(Parabola(), -3.0, lr=1e150, num_steps=50)  # warnings are errors here
    assert traj.status == "diverged"
    assert traj.diverged_at == 1


@pytest.mark.parametrize("lr", [0.001, 0.05, 0.3, 0.5, 0.8, 0.99, 1.0, 1.04])
def test_each_step_multiplies_x_by_1_minus_2_lr(lr):
    xs = run_gd(Parabola(), -3.0, lr=lr, num_steps=40).xs
    np.testing.assert_allclose(xs[1:], (1 - 2 * lr) * xs[:-1], rtol=1e-12, atol=1e-300)


def test_small_lr_is_still_converging_after_few_steps():
    traj = run_gd(Parabola(), -3.0, lr=0.001, num_steps=20)
    assert traj.status == "converging"


def test_trajectory_shapes_for_1d_and_2d():
    traj = run_gd(Parabola(), 2.0, 0.1, 7)
    assert isinstance(traj, Trajectory)
    assert traj.xs.shape == (8,) and traj.losses.shape == (8,) and traj.num_steps == 7
    traj = run_gd(QuadraticBowl(), np.array([1.0, 1.0]), 0.1, 7)
    assert traj.xs.shape == (8, 2) and traj.losses.shape == (8,)
    assert traj.status in STATUSES


# ----- gradients against central differences ----------------------------------------------------


@pytest.mark.parametrize("a", [0.5, 1.0, 3.0])
def test_parabola_gradient(a):
    p = Parabola(a)
    for x in [-2.0, 0.3, 1.7]:
        assert p.grad(x) == pytest.approx(central_differences(p.f, x), rel=1e-7)


def test_parabola_is_vectorised():
    p = Parabola(2.0)
    xs = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_array_equal(p.f(xs), 2.0 * xs**2)
    np.testing.assert_array_equal(p.grad(xs), 4.0 * xs)


@pytest.mark.parametrize("angle", [0.0, 30.0, 110.0])
def test_bowl_gradient(angle):
    bowl = QuadraticBowl(kappa=7.0, lam_min=0.5, angle_deg=angle)
    for x in [np.array([1.0, -2.0]), np.array([0.3, 0.4])]:
        np.testing.assert_allclose(bowl.grad(x), central_differences(bowl.f, x), rtol=1e-7)


def test_bowl_works_on_a_grid_of_points():
    bowl = QuadraticBowl(kappa=4.0, angle_deg=20.0)
    grid = np.random.default_rng(0).normal(size=(5, 3, 2))
    assert bowl.f(grid).shape == (5, 3)
    assert bowl.grad(grid).shape == (5, 3, 2)
    np.testing.assert_allclose(bowl.grad(grid)[2, 1], bowl.grad(grid[2, 1]))


def test_rosenbrock_gradient():
    rosen = Rosenbrock()
    for x in [np.array([-1.2, 1.0]), np.array([0.5, 0.1]), np.array([1.0, 1.0])]:
        np.testing.assert_allclose(rosen.grad(x), central_differences(rosen.f, x), rtol=1e-6,
                                   atol=1e-6)
    assert rosen.f(rosen.x_min) == 0.0
    np.testing.assert_array_equal(rosen.grad(rosen.x_min), [0.0, 0.0])


def test_double_well_gradients():
    well = DoubleWell(n_examples=20, seed=1)
    idx = np.array([[0, 3, 7]])

    def sample_loss(z, i):
        return well.sample_losses(np.array([z]), idx)[0, i]

    for x in [-1.3, 0.2, 0.9]:
        assert well.grad(x) == pytest.approx(central_differences(well.f, x), rel=1e-6)
        numeric = [central_differences(lambda z, i=i: sample_loss(z, i), x) for i in range(3)]
        np.testing.assert_allclose(well.sample_grads(np.array([x]), idx)[0], numeric, rtol=1e-6)


def test_least_squares_gradients():
    X, y, _ = make_regression(n=30, d=3, seed=2)
    problem = LeastSquares(X, y)
    w = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(problem.grad(w), central_differences(problem.f, w), rtol=1e-6)
    idx = np.array([1, 4, 9, 20])
    np.testing.assert_allclose(problem.grad(w, idx),
                               central_differences(lambda v: problem.f(v, idx), w), rtol=1e-6)
    np.testing.assert_allclose(problem.sample_grads(w, idx).mean(axis=0), problem.grad(w, idx),
                               rtol=1e-12)
    np.testing.assert_allclose(problem.grad(problem.w_min), 0.0, atol=1e-10)


# ----- the bowl's eigenvalues and step sizes ------------------------------------------------------


@pytest.mark.parametrize(("kappa", "lam_min", "angle"), [(10.0, 1.0, 0.0), (4.0, 0.5, 35.0),
                                                          (1.0, 2.0, 80.0)])
def test_bowl_eigenvalues_and_learning_rates(kappa, lam_min, angle):
    bowl = QuadraticBowl(kappa=kappa, lam_min=lam_min, angle_deg=angle)
    np.testing.assert_allclose(np.linalg.eigvalsh(bowl.A), [lam_min, kappa * lam_min], rtol=1e-12)
    assert bowl.eigenvalues == pytest.approx((lam_min, kappa * lam_min))
    assert bowl.max_stable_lr() == pytest.approx(2 / (kappa * lam_min))
    assert bowl.best_lr() == pytest.approx(2 / (lam_min + kappa * lam_min))


@pytest.mark.parametrize("angle", [0.0, 35.0])
def test_bowl_gd_is_stable_just_below_2_over_lam_max_and_not_above(angle):
    bowl = QuadraticBowl(kappa=10.0, angle_deg=angle)
    x0 = np.array([1.0, 1.0])
    below = run_gd(bowl, x0, 0.99 * bowl.max_stable_lr(), 3000)
    above = run_gd(bowl, x0, 1.01 * bowl.max_stable_lr(), 3000)
    assert below.status in ("converged", "converging")
    assert above.status == "diverged"


def test_parabola_max_stable_lr_is_1_over_a():
    assert Parabola(4.0).max_stable_lr() == 0.25


# ----- DoubleWell -------------------------------------------------------------------------------


def test_double_well_slopes_are_centred_exactly():
    well = DoubleWell(n_examples=200, seed=3)
    assert abs(well.c.mean()) < 1e-15
    assert well.c.std() == pytest.approx(well.noise)


def test_double_well_batch_grad_is_the_mean_of_sample_grads():
    well = DoubleWell(n_examples=50, seed=0)
    rng = np.random.default_rng(0)
    x = rng.uniform(-1.5, 1.5, size=6)
    idx = rng.integers(0, 50, size=(6, 8))
    np.testing.assert_allclose(well.batch_grad(x, idx), well.sample_grads(x, idx).mean(axis=1),
                               rtol=1e-12)


def test_double_well_full_batch_gradient_is_the_mean_over_all_samples():
    well = DoubleWell(n_examples=40, seed=5)
    x = np.array([0.7])
    everyone = np.arange(40)[None, :]
    assert well.batch_grad(x, everyone)[0] == pytest.approx(well.grad(0.7), abs=1e-12)


def test_double_well_minima_and_barrier_are_stationary():
    well = DoubleWell(tilt=0.3)
    assert well.deep_min < well.barrier < well.shallow_min
    for x in (well.deep_min, well.barrier, well.shallow_min):
        assert well.grad(x) == pytest.approx(0.0, abs=1e-10)
    assert well.f(well.deep_min) < well.f(well.shallow_min)


# ----- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "name", "error"),
    [
        (lambda: run_gd(Parabola(), -3.0, lr=0.0, num_steps=5), "lr", ValueError),
        (lambda: run_gd(Parabola(), -3.0, lr=-0.1, num_steps=5), "lr", ValueError),
        (lambda: run_gd(Parabola(), -3.0, lr=math.nan, num_steps=5), "lr", ValueError),
        (lambda: run_gd(Parabola(), -3.0, lr=0.1, num_steps=-1), "num_steps", ValueError),
        (lambda: run_gd(Parabola(), -3.0, lr=0.1, num_steps=2.5), "num_steps", TypeError),
        (lambda: run_gd(Parabola(), math.inf, lr=0.1, num_steps=5), "x0", ValueError),
        (lambda: run_gd(Parabola(), -3.0, lr=0.1, num_steps=5, tol=0.0), "tol", ValueError),
        (lambda: Parabola(a=0.0), "a", ValueError),
        (lambda: QuadraticBowl(kappa=0.5), "kappa", ValueError),
        (lambda: QuadraticBowl(lam_min=-1.0), "lam_min", ValueError),
        (lambda: Rosenbrock(b=0.0), "b", ValueError),
        (lambda: DoubleWell(n_examples=1), "n_examples", ValueError),
        (lambda: DoubleWell(noise=-1.0), "noise", ValueError),
        (lambda: LeastSquares(np.ones((3, 2)), np.ones(4)), "X and y", ValueError),
        (lambda: make_regression(n=0), "n", ValueError),
    ],
)
def test_bad_input_raises_an_error_naming_the_argument(call, name, error):
    with pytest.raises(error, match=rf"^{name} "):
        call()


def test_settling_in_a_local_minimum_is_converged_not_oscillating():
    from helpers.objectives import DoubleWell

    well = DoubleWell()
    traj = run_gd(well, 1.6, 0.05, 300)
    assert traj.status == "converged"
    assert "local minimum" in traj.message
    assert abs(traj.x_final - well.shallow_min) < 1e-5


def test_messages_count_one_step_in_the_singular():
    assert run_gd(Parabola(), -3.0, 0.5, 10).message.startswith("Converged in 1 step:")


# ---- issue 11: nothing silent (a named error, or a verdict that blames the right thing) ----

@pytest.mark.parametrize("make", [lambda: QuadraticBowl(angle_deg=math.nan),
                                  lambda: Rosenbrock(a=math.nan), lambda: Rosenbrock(a=math.inf)])
def test_nan_objective_parameters_are_refused_not_blamed_on_the_lr(make):
    with pytest.raises(ValueError, match=r"(angle_deg|a) must be a finite number"):
        make()


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop"])
def test_eps_zero_is_refused_instead_of_a_nan_blamed_on_the_lr(optimizer):
    with pytest.raises(ValueError, match=r"eps must be a positive finite number.*0/0"):
        minimize(Parabola(), 0.0, optimizer, eps=0.0)


def test_a_start_so_far_out_that_f_overflows_is_a_named_error_not_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"x0 is too far out: f\(x0\) = inf"):
            run_gd(Parabola(), 1e200, 0.1, 10)


def test_a_missing_objective_is_named():
    with pytest.raises(TypeError, match="objective must have f"):
        run_gd(None, 1.0, 0.1, 10)


def test_a_start_point_of_the_wrong_dimension_is_named():
    with pytest.raises(ValueError, match=r"x0 must have shape \(2,\)"):
        run_gd(Rosenbrock(), [1.0], 1e-3, 10)


def test_an_unknown_optimizer_is_named_as_the_optimizer():
    with pytest.raises(ValueError, match="optimizer must be one of 'gd', 'sgd'"):
        minimize(Parabola(), 1.0, "lbfgs")


def test_the_double_well_refuses_a_tilt_that_merges_its_wells():
    limit = 8 / (3 * math.sqrt(3))  # 4x − 4x³ peaks at x = 1/√3 with height 8/(3√3)
    well = DoubleWell(tilt=0.99 * limit)
    assert well.deep_min < well.barrier < well.shallow_min  # still two wells and a barrier
    for tilt in (5.0, -limit, limit):
        with pytest.raises(ValueError, match=r"tilt must lie strictly between -1.5396 and 1.5396"):
            DoubleWell(tilt=tilt)


def test_least_squares_needs_at_least_one_example():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="X must have at least one row"):
            LeastSquares(np.ones((0, 2)), np.ones(0))


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_objective_seeds_are_checked_by_name(seed):
    for make in (lambda: DoubleWell(seed=seed), lambda: make_regression(seed=seed)):
        with pytest.raises((TypeError, ValueError), match="seed must be an integer"):
            make()


def test_blew_up_is_one_comparison_that_also_catches_nan_and_inf():
    assert not blew_up(4.9, 1.0)  # factor 5 by default
    assert blew_up(5.1, 1.0)
    assert blew_up(math.nan, 1.0) and blew_up(math.inf, 1.0)
    assert not blew_up(50.0, 1.0, factor=100.0)


def test_run_gd_stops_by_the_shared_blow_up_rule():
    traj = run_gd(Parabola(), 1.0, 1.5, 100, blowup=10.0)  # x multiplies by −2 each step
    assert traj.status == "diverged"
    assert not blew_up(traj.losses[-1] - 0.0, 1.0, 10.0)  # the kept losses stayed below the limit
    assert blew_up(4.0 * traj.losses[-1], 1.0, 10.0)  # the next one (×4) did not


# ---- the plain SGD loop and the vectorised one agree ---------------------------------------------

@pytest.mark.parametrize(("lr", "batch_size"), [(0.05, 1), (0.1, 16), (0.02, 7), (0.1, 200)])
def test_plain_sgd_loop_and_the_vectorised_runs_take_the_same_steps(lr, batch_size):
    from helpers.gd import sgd
    from helpers.lab.sgd import W0, make_problem, run_sgd

    problem = make_problem()
    plain = sgd(problem, W0, lr, batch_size, 3, seed=4)
    one = run_sgd(problem, lr, batch_size, 3, seed=4)
    as_runs = run_sgd(problem, lr, batch_size, 3, seed=4, num_runs=1)
    assert plain.shape == one.ws.shape == (1 + 3 * -(-200 // batch_size), 2)
    np.testing.assert_allclose(one.ws, plain, rtol=0, atol=1e-12)
    np.testing.assert_allclose(as_runs.ws[:, 0], plain, rtol=0, atol=1e-12)


def test_plain_sgd_reaches_the_least_squares_minimum_and_full_batch_is_gd():
    from helpers.gd import sgd
    from helpers.lab.sgd import W0, make_problem

    problem = make_problem()
    ws = sgd(problem, W0, 0.1, problem.n_examples, 50)
    gd = run_gd(problem, W0, 0.1, 50)
    np.testing.assert_allclose(ws, gd.xs, atol=1e-12)  # B = N: every "batch" is the whole set
    noisy = sgd(problem, W0, 0.01, 1, 5, seed=0)
    assert np.linalg.norm(noisy[-1] - problem.w_min) < 0.05 * np.linalg.norm(W0 - problem.w_min)


def test_a_saddle_point_is_named_a_saddle_not_a_minimum():
    from helpers.objectives import Saddle, SaddleBetweenMinima

    for objective in (Saddle(), SaddleBetweenMinima()):
        traj = run_gd(objective, [1.0, 0.0], 0.1, 300)  # on the stable line: into the saddle
        assert "saddle point" in traj.message and "minimum at" not in traj.message
