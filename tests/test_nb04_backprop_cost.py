"""Notebook 04's cost measurements (helpers.lab.backprop_cost, helpers.figures.backprop_cost)."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers.figures import backprop_cost as cost_figures
from helpers.gradcheck import relative_error
from helpers.lab import backprop_cost as cost
from helpers.layers import Linear, ReLU, Sequential, mlp

# Any warning (overflow, invalid value, ...) fails the test: a learner must never see one.
pytestmark = pytest.mark.filterwarnings("error")


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
@pytest.mark.parametrize("width, depth", [(2, 2), (3, 4), (2, 7)])
def test_the_sum_over_paths_gives_the_backprop_gradient(width, depth, activation):
    net = cost.deep_model(width, depth, activation=activation, seed=1)
    x = np.random.default_rng(2).standard_normal(width)
    by_paths, _ = cost.path_sum_gradient(net, x)
    assert relative_error(by_paths, cost.backprop_first_layer_grad(net, x)) < 1e-12


@pytest.mark.parametrize("width, depth", [(2, 2), (3, 5), (4, 4)])
def test_the_path_sum_does_the_multiplications_the_formula_counts(width, depth):
    net = cost.deep_model(width, depth)
    _, multiplications = cost.path_sum_gradient(net, np.ones(width))
    counts = cost.cost_counts(width, depth)
    assert multiplications == counts["path_sum"] == width**depth * (2 * depth - 2)


def test_the_path_count_grows_by_the_width_per_layer():
    for depth in range(2, 8):
        assert cost.cost_counts(3, depth + 1)["paths"] == 3 * cost.cost_counts(3, depth)["paths"]


def test_backprop_costs_three_forward_passes():
    counts = cost.count_multiply_adds([784, 128, 10], batch_size=32)
    assert counts["forward"] == 32 * (784 * 128 + 128 * 10)
    assert counts["backprop"] == 3 * counts["forward"]
    assert counts["params"] == 785 * 128 + 129 * 10


def test_finite_differences_cost_two_forward_passes_per_parameter():
    counts = cost.count_multiply_adds([4, 5, 1])
    assert counts["finite_differences"] == 2 * counts["params"] * counts["forward"]


def test_twenty_layers_numbers_are_exact_integers():
    counts = cost.cost_counts(100, 20)
    assert counts["paths"] == 10**40  # a Python int: no overflow, no rounding
    assert counts["finite_differences"] // counts["backprop"] == 2 * counts["params"] // 3
    assert math.isclose(math.exp(20) / 20, 24_258_259.77, rel_tol=1e-9)  # the seed's arithmetic


def test_path_sum_rejects_a_network_it_cannot_walk():
    net = Sequential(Linear(2, 2, dtype=np.float64), ReLU(), Linear(2, 1, dtype=np.float64))
    with pytest.raises(ValueError, match="Tanh/Sigmoid"):
        cost.path_sum_gradient(net, np.ones(2))
    wide_output = mlp([2, 2, 3], "tanh", dtype=np.float64)
    with pytest.raises(ValueError, match="one"):
        cost.path_sum_gradient(wide_output, np.ones(2))


def test_time_gradient_reports_seconds_and_scales_finite_differences():
    timing = cost.time_gradient([8, 6, 3], batch_size=4, repeats=3, fd_max_entries=20)
    assert timing["params"] == 9 * 6 + 7 * 3
    assert not timing["fd_measured"] and timing["fd_entries"] == 20
    assert 0 < timing["forward"] and 0 < timing["backprop"]
    assert timing["finite_differences"] > timing["backprop"]
    full = cost.time_gradient([3, 2, 2], batch_size=2, repeats=3)
    assert full["fd_measured"] and full["fd_entries"] == full["params"]


def test_the_figures_draw():
    depths = [2, 3]
    measured = {"path_sum": [cost.cost_counts(2, d)["path_sum"] for d in depths]}
    assert cost_figures.plot_counts(depths, measured, 2) is not None
    timings = [cost.time_gradient([4, h, 2], batch_size=2, repeats=2, fd_max_entries=10)
               for h in (2, 8)]
    assert cost_figures.plot_times(timings) is not None
    plt.close("all")
