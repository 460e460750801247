"""Notebook 04b's cost measurements (helpers.lab.backprop_cost, helpers.figures.backprop_cost)."""

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
    timing = cost.time_gradient([8, 6, 3], batch_size=4, repeats=3, fd_max_entries=20,
                                fd_runs=2)
    assert timing["params"] == 9 * 6 + 7 * 3
    assert not timing["fd_measured"] and timing["fd_entries"] == 10  # 20 entries over 2 runs
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


def _timings():
    """Four made-up time_gradient results, the last three scaled up from 1,000 entries."""
    rows = [(682, 1.3e-4, 2.3e-4, 0.23, 0.18, True),
            (3_466, 1.6e-4, 3.3e-4, 1.5, 1.4, False),
            (26_122, 3.7e-4, 9.3e-4, 33.0, 30.0, False),
            (85_002, 9.3e-4, 2.6e-3, 221.0, 232.0, False)]
    return [{"params": p, "forward": f, "backprop": b, "finite_differences": fd,
             "forward_mode": fm, "fd_measured": full, "fd_entries": p if full else 1_000}
            for p, f, b, fd, fm, full in rows]


def test_the_cost_figures_name_their_lines_without_a_legend():
    depths = list(range(2, 10))
    counted = {key: [cost.cost_counts(3, d)[key] for d in depths]
               for key in ("path_sum", "finite_differences", "forward_mode", "backprop")}
    for ax, names in ((cost_figures.plot_counts(depths, counted, 3),
                       ("sum over every path", "finite differences", "forward mode", "backprop")),
                      (cost_figures.plot_times(_timings()),
                       ("finite differences", "forward mode", "backprop", "one forward pass"))):
        assert ax.get_legend() is None  # a legend could cover a line; labels sit beside them
        texts = [t.get_text() for t in ax.texts]
        assert all(name in texts for name in names), texts
    plt.close("all")


def test_the_time_figure_has_units_on_its_ticks_and_states_the_ratio():
    ax = cost_figures.plot_times(_timings())
    ax.figure.canvas.draw()
    low, high = ax.get_ylim()
    labels = [t.get_text() for t, value in zip(ax.get_yticklabels(), ax.get_yticks())
              if t.get_text() and low <= value <= high]  # the ticks a reader sees
    assert labels and all(label.endswith((" s", " ms")) for label in labels), labels
    assert len(labels) <= 5  # few ticks: every other decade
    ratio = [t.get_text() for t in ax.texts if "times" in t.get_text()]
    assert ratio and "85,000" in ratio[0]  # 2.21e2 / 2.6e-3 = 85,000 to two digits
    plt.close("all")


def test_the_labels_of_the_two_close_lines_do_not_overlap():
    depths = list(range(2, 10))
    ax = cost_figures.plot_counts(depths, {}, 3)
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    boxes = {t.get_text(): t.get_window_extent(renderer) for t in ax.texts}
    assert not boxes["finite differences"].overlaps(boxes["forward mode"])
    plt.close("all")
