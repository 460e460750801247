"""Notebook 02b's saddle points (the saddles of helpers.objectives, helpers.lab.saddle, figures)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers.figures import saddle as saddle_figures
from helpers.gradcheck import numerical_grad
from helpers.lab import saddle
from helpers.objectives import Saddle, SaddleBetweenMinima

pytestmark = pytest.mark.filterwarnings("error")

OBJECTIVES = [Saddle(), Saddle(a=0.5, b=2.0), SaddleBetweenMinima(), SaddleBetweenMinima(a=3.0)]


@pytest.mark.parametrize("objective", OBJECTIVES, ids=repr)
def test_the_gradient_is_the_derivative_of_f(objective):
    for point in ([0.3, -0.7], [1.2, 0.4], [-0.5, 1.5]):
        x = np.array(point)
        numerical = numerical_grad(lambda p: float(objective.f(p)), x.copy())
        np.testing.assert_allclose(objective.grad(x), numerical, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("objective", OBJECTIVES, ids=repr)
def test_the_hessian_is_the_derivative_of_the_gradient(objective):
    x = np.array([0.4, -0.3])
    eps = 1e-6
    columns = [(objective.grad(x + eps * e) - objective.grad(x - eps * e)) / (2 * eps)
               for e in np.eye(2)]
    np.testing.assert_allclose(objective.hessian(x), np.stack(columns, axis=1), atol=1e-7)


def test_the_gradient_vanishes_at_the_saddle_and_the_minima_only_there_f_is_lowest():
    landscape = SaddleBetweenMinima()
    for point in [landscape.saddle, *landscape.minima]:
        assert np.array_equal(landscape.grad(point), [0.0, 0.0])
    assert landscape.f(landscape.minima).tolist() == [0.0, 0.0] < [landscape.f(landscape.saddle)]


def test_the_hessian_has_mixed_signs_at_the_saddle_and_positive_ones_at_the_minima():
    assert saddle.hessian_eigenvalues(Saddle(), [0, 0]).tolist() == [-2.0, 2.0]
    landscape = SaddleBetweenMinima()
    assert saddle.hessian_eigenvalues(landscape, [0, 0]).tolist() == [-1.0, 2.0]
    for minimum in landscape.minima:
        assert saddle.hessian_eigenvalues(landscape, minimum).tolist() == [2.0, 2.0]


@pytest.mark.parametrize("objective", [Saddle(), SaddleBetweenMinima()], ids=repr)
def test_gd_on_the_stable_line_stalls_at_the_saddle_and_a_nudge_sets_it_free(objective):
    on_line = saddle.gd_paths(objective, [1.0, 0.0], num_steps=300)
    assert np.linalg.norm(on_line[-1]) < 1e-12  # converged to the saddle, not a minimum
    nudged = saddle.gd_paths(objective, [1.0, 1e-6], num_steps=300)
    assert abs(nudged[-1, 1]) > 0.5  # gone along the direction of negative curvature
    noisy = saddle.gd_paths(objective, [1.0, 0.0], num_steps=300, noise=0.01, seed=3)
    assert abs(noisy[-1, 1]) > 0.5


def test_the_landscape_sends_gd_to_the_minimum_on_the_side_of_the_nudge():
    landscape = SaddleBetweenMinima()
    ends = saddle.gd_paths(landscape, [[1.0, 1e-4], [1.0, -1e-4]], num_steps=400)[-1]
    np.testing.assert_allclose(ends, [[0.0, 1.0], [0.0, -1.0]], atol=1e-8)


def test_time_near_the_saddle_matches_the_formula_on_the_pure_saddle():
    offsets = 10.0 ** -np.arange(1, 13)
    measured = saddle.steps_near_saddle(Saddle(), offsets)
    predicted = saddle.predicted_steps_near_saddle(Saddle(), offsets)
    assert np.all(np.abs(measured - predicted) <= 1)


@pytest.mark.parametrize("objective", [Saddle(), SaddleBetweenMinima()], ids=repr)
def test_each_factor_ten_smaller_nudge_adds_the_predicted_steps(objective):
    offsets = 10.0 ** -np.arange(2, 13)
    measured = saddle.steps_near_saddle(objective, offsets)
    slope = np.polyfit(-np.log10(offsets), measured, 1)[0]
    assert slope == pytest.approx(saddle.predicted_steps_per_decade(objective), rel=0.01)
    assert saddle.steps_near_saddle(objective, [0.0], num_steps=500)[0] > 450  # never leaves


def test_smaller_gradient_noise_keeps_gd_near_the_saddle_longer():
    noisy = saddle.steps_near_saddle_noisy(SaddleBetweenMinima(), [1e-1, 1e-4, 1e-8], runs=20)
    assert noisy[0] < noisy[1] < noisy[2]


def test_an_objective_without_a_saddle_is_refused():
    from helpers.objectives import QuadraticBowl

    with pytest.raises(TypeError, match="saddle"):
        saddle.steps_near_saddle(QuadraticBowl(), [0.1])


def test_the_figures_draw():
    landscape = SaddleBetweenMinima()
    paths = {"nudged": saddle.gd_paths(landscape, [1.0, 1e-3], num_steps=50)}
    assert saddle_figures.plot_landscape(landscape, paths) is not None
    distance = {"nudged": np.linalg.norm(paths["nudged"], axis=1)}
    assert saddle_figures.plot_distance(distance, radius=0.5) is not None
    offsets = np.array([1e-2, 1e-4])
    ax = saddle_figures.plot_steps_near_saddle(
        offsets, saddle.steps_near_saddle(landscape, offsets),
        saddle.predicted_steps_near_saddle(landscape, offsets))
    assert len(ax.get_legend().get_texts()) == 2
    plt.close("all")
