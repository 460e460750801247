"""Objective functions: every gradient and Hessian agrees with central differences, and each
landscape has the minima, saddles and curvatures its docstring promises (helpers/objectives.py)."""

import numpy as np
import pytest

from helpers.gradcheck import numerical_grad
from helpers.objectives import (
    MAX_TILT,
    DoubleWell,
    LeastSquares,
    Parabola,
    QuadraticBowl,
    Rosenbrock,
    Saddle,
    SaddleBetweenMinima,
    make_regression,
)

TWO_D = [QuadraticBowl(kappa=8, lam_min=0.5, angle_deg=25), Rosenbrock(), Saddle(a=1.5, b=0.5),
         SaddleBetweenMinima(a=2.0)]
POINTS = np.array([[0.3, -0.7], [-1.2, 0.4], [0.9, 1.1]])


@pytest.mark.parametrize("objective", TWO_D, ids=repr)
def test_gradient_and_hessian_of_each_2d_objective_match_central_differences(objective):
    for x in POINTS:
        numeric = numerical_grad(lambda p: objective.f(p), x.copy())
        np.testing.assert_allclose(objective.grad(x), numeric, rtol=1e-6, atol=1e-8)
        H = np.array([numerical_grad(lambda p, i=i: objective.grad(p)[i], x.copy())
                      for i in range(2)])
        np.testing.assert_allclose(objective.hessian(x), H, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("objective", TWO_D, ids=repr)
def test_2d_objectives_take_a_whole_grid_of_points_at_once(objective):
    grid = np.stack(np.meshgrid(np.linspace(-1, 1, 4), np.linspace(-1, 1, 3)), axis=-1)
    assert objective.f(grid).shape == (3, 4) and objective.grad(grid).shape == (3, 4, 2)
    np.testing.assert_allclose(objective.grad(grid)[1, 2], objective.grad(grid[1, 2]))


@pytest.mark.parametrize("objective", [Parabola(a=3.0), DoubleWell(tilt=0.4)], ids=repr)
def test_1d_objectives_are_vectorised_and_their_gradient_is_the_slope(objective):
    x = np.linspace(-1.5, 1.5, 7)
    h = 1e-6
    np.testing.assert_allclose(objective.grad(x), (objective.f(x + h) - objective.f(x - h))
                               / (2 * h), rtol=1e-6, atol=1e-8)


def test_the_parabola_is_text_cs_x_squared_with_edge_two_over_a():
    assert Parabola().f(3.0) == 9.0  # a = 2 by default: f(x) = x²
    assert Parabola(a=4.0).max_stable_lr() == 0.5


def test_the_bowl_has_the_eigenvalues_and_steps_it_promises():
    bowl = QuadraticBowl(kappa=10, lam_min=0.5, angle_deg=30)
    np.testing.assert_allclose(np.linalg.eigvalsh(bowl.A), [0.5, 5.0], rtol=1e-14)
    valley = np.array([np.cos(np.pi / 6), np.sin(np.pi / 6)])  # the floor, turned by 30°
    np.testing.assert_allclose(bowl.A @ valley, 0.5 * valley, atol=1e-14)
    assert bowl.max_stable_lr() == pytest.approx(2 / 5.0)
    assert bowl.best_lr() == pytest.approx(2 / 5.5)


def test_rosenbrock_has_its_minimum_at_a_a_squared():
    rosen = Rosenbrock(a=1.5)
    np.testing.assert_array_equal(rosen.x_min, [1.5, 2.25])
    assert rosen.f(rosen.x_min) == 0 and not rosen.grad(rosen.x_min).any()


def test_saddle_between_minima_has_two_minima_and_a_saddle_with_mixed_curvature():
    objective = SaddleBetweenMinima(a=1.0)
    for point in [*objective.minima, objective.saddle]:
        assert not objective.grad(point).any()
    assert np.linalg.eigvalsh(objective.hessian(objective.saddle)).tolist() == [-1.0, 2.0]
    assert (np.linalg.eigvalsh(objective.hessian(objective.minima[1])) > 0).all()


def test_double_well_slopes_are_centred_with_the_given_spread():
    well = DoubleWell(n_examples=200, tilt=0.3, noise=1.5, seed=3)
    assert abs(well.c.mean()) < 1e-14 and well.c.std() == pytest.approx(1.5, rel=1e-12)


def test_double_well_has_a_deep_minimum_a_barrier_and_a_shallow_minimum():
    well = DoubleWell(tilt=0.3)
    assert well.deep_min < well.barrier < well.shallow_min  # tilt > 0: the deep well is left
    for x in (well.deep_min, well.barrier, well.shallow_min):
        assert abs(well.grad(x)) < 1e-12
    assert well.f(well.deep_min) < well.f(well.shallow_min)
    mirrored = DoubleWell(tilt=-0.3)
    assert mirrored.deep_min == pytest.approx(-well.deep_min)


def test_a_double_well_batch_gradient_is_the_mean_of_its_examples_gradients():
    well = DoubleWell(seed=1)
    x = np.array([-0.5, 0.2, 1.1])
    idx = np.random.default_rng(0).integers(0, well.n_examples, (3, 16))
    np.testing.assert_allclose(well.batch_grad(x, idx), well.sample_grads(x, idx).mean(axis=1),
                               rtol=1e-13)
    everyone = np.broadcast_to(np.arange(well.n_examples), (3, well.n_examples))
    np.testing.assert_allclose(well.batch_grad(x, everyone), well.grad(x), atol=1e-13)
    np.testing.assert_allclose(well.sample_losses(x, everyone).mean(axis=1), well.f(x),
                               rtol=1e-13)  # the full loss is the mean of the examples' losses
    h = 1e-6
    slopes = (well.sample_losses(x + h, idx) - well.sample_losses(x - h, idx)) / (2 * h)
    np.testing.assert_allclose(slopes, well.sample_grads(x, idx), rtol=1e-6, atol=1e-8)


def test_a_tilt_that_merges_the_wells_is_refused_with_the_limit():
    with pytest.raises(ValueError, match=r"tilt must lie strictly between -1.5396 and 1.5396"):
        DoubleWell(tilt=MAX_TILT)


def test_least_squares_gradient_its_minimum_and_its_mini_batch_gradient():
    X, y, w_true = make_regression(n=50, d=3, noise=0.1, seed=2)
    problem = LeastSquares(X, y)
    w = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(problem.grad(w), numerical_grad(problem.f, w.copy()), rtol=1e-7)
    assert np.abs(problem.grad(problem.w_min)).max() < 1e-12
    np.testing.assert_allclose(problem.w_min, w_true, atol=0.1)
    idx = np.array([3, 7, 7, 20])
    np.testing.assert_allclose(problem.grad(w, idx), problem.sample_grads(w, idx).mean(axis=0),
                               rtol=1e-13)


def test_make_regression_is_seeded_and_shaped():
    X, y, w = make_regression(n=20, d=4, seed=5)
    assert X.shape == (20, 4) and y.shape == (20,) and w.shape == (4,)
    np.testing.assert_array_equal(make_regression(n=20, d=4, seed=5)[1], y)


def test_least_squares_refuses_x_and_y_of_different_lengths():
    with pytest.raises(ValueError, match=r"X.shape=\(5, 2\), y.shape=\(4,\)"):
        LeastSquares(np.zeros((5, 2)), np.zeros(4))
