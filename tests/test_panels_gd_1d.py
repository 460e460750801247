"""Notebook 01's panel and measurements: GD on f(x) = a·x², driven headless like a learner would."""

import math

import numpy as np
import pytest
from ipywidgets import FloatLogSlider

from helpers import gd
from helpers.gd import run_gd
from helpers.lab import gd_1d
from helpers.lab.gd_1d import REGIMES, regime
from helpers.objectives import Parabola
from helpers.panels.gd_1d import compute, make_panel

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# What Chromium actually sent at the slider's 0.5 and 1.0 notches (measured with JupyterLab 4.6,
# ipywidgets 8.1.9): base**exponent computed in the browser misses by a few ulps.
BROWSER_HALF = 0.5000000000000007
BROWSER_ONE = 1.0000000000000013


# Any warning (overflow, invalid value, ...) fails the test: a learner must never see one.
pytestmark = pytest.mark.filterwarnings("error")


@pytest.fixture
def panel():
    return make_panel()


def slider_grid(slider):
    """Every value a log slider can take: base**(min + k·step), k = 0, 1, …"""
    count = int(math.floor((slider.max - slider.min) / slider.step + 1e-9))
    return slider.base ** (slider.min + slider.step * np.arange(count + 1))


# ----- the panel's controls ---------------------------------------------------------------------


def test_panel_has_the_three_named_controls(panel):
    assert list(panel.controls) == ["lr", "x0", "num_steps"]


def test_lr_control_is_a_log_slider_labelled_learning_rate(panel):
    slider = panel.controls["lr"]
    assert isinstance(slider, FloatLogSlider)
    assert slider.description == "learning rate"


def test_lr_slider_spans_roughly_0_001_to_1_5(panel):
    slider = panel.controls["lr"]
    assert slider.base**slider.min == pytest.approx(0.001, rel=0.05)
    assert slider.base**slider.max == pytest.approx(1.5)


def test_lr_slider_grid_contains_exactly_one_half_and_one(panel):
    grid = slider_grid(panel.controls["lr"])
    assert np.min(np.abs(grid - 0.5)) < 1e-15
    assert np.min(np.abs(grid - 1.0)) < 1e-15


def test_default_log10_slider_grid_misses_one_half():
    """Why the panel's slider has base 2: with base 10 and step 0.01, 0.5 is not reachable."""
    from helpers.widgets import lr_slider

    grid = slider_grid(lr_slider(0.1, min=1e-3, max=1.5))
    assert np.min(np.abs(grid - 0.5)) > 1e-3


def test_every_regime_is_reachable_on_the_slider(panel):
    grid = slider_grid(panel.controls["lr"])
    assert {regime(lr) for lr in grid} == set(REGIMES)


def test_panel_starts_with_a_figure_and_a_message(panel):
    assert bytes(panel.image.value).startswith(PNG_SIGNATURE)
    assert panel.state["regime"] == "monotone convergence"
    assert "lr = 0.1" in panel.message_text


# ----- moving the sliders -----------------------------------------------------------------------


def test_end_of_lr_slider_diverges_and_says_so(panel):
    before = panel.image.value
    slider = panel.controls["lr"]
    slider.value = slider.base**slider.max  # what the End key sends
    assert panel.state["regime"] == "divergence"
    assert panel.state["status"] == "diverged"
    assert "diverg" in panel.message_text.lower()
    assert panel.image.value != before


def test_start_of_lr_slider_converges_slowly_and_says_so(panel):
    slider = panel.controls["lr"]
    slider.value = slider.base**slider.min
    assert panel.state["regime"] == "monotone convergence"
    assert "more than the 20 given" in panel.message_text
    assert "slow" in panel.message_text


def test_browser_value_at_the_one_notch_gives_exact_pure_oscillation(panel):
    panel.controls["lr"].value = BROWSER_ONE
    state = panel.state
    assert state["lr"] == 1.0
    assert state["regime"] == "pure oscillation"
    assert list(state["xs"]) == [-3.0, 3.0] * 10 + [-3.0]
    assert "pure oscillation" in panel.message_text


def test_browser_value_at_the_half_notch_gives_the_exact_one_step_jump(panel):
    panel.controls["lr"].value = BROWSER_HALF
    state = panel.state
    assert state["lr"] == 0.5
    assert state["regime"] == "one-step jump"
    assert state["xs"][1] == 0.0 and np.all(state["xs"][1:] == 0.0)


def test_without_snapping_the_browser_value_is_not_exactly_periodic():
    """The reason for ``snap_lr``: a few ulps above 1 the iterates creep away from ±3."""
    xs = run_gd(Parabola(), -3.0, BROWSER_ONE, 20).xs
    assert not np.all(np.abs(xs) == 3.0)


def test_snapping_leaves_a_nearby_but_distinct_lr_alone():
    assert gd_1d.snap_lr(0.501) == 0.501
    assert regime(0.501) == "oscillating convergence"
    assert regime(0.499) == "monotone convergence"
    assert regime(1.001) == "divergence"


def test_oscillating_convergence_flips_sign_and_shrinks(panel):
    panel.controls["lr"].value = 0.8
    xs = panel.state["xs"]
    assert panel.state["regime"] == "oscillating convergence"
    assert np.all(np.sign(xs[1:]) == -np.sign(xs[:-1]))
    assert np.all(np.abs(xs[1:]) < np.abs(xs[:-1]))


def test_lr_just_above_one_is_diverging_before_it_blows_up(panel):
    panel.controls["lr"].value = 1.02
    assert panel.state["regime"] == "divergence"
    assert panel.state["status"] == "diverging"
    assert panel.state["diverged_at"] is None
    assert "diverging" in panel.message_text


def test_divergence_stops_the_run_and_keeps_the_iterates_up_to_it(panel):
    panel.controls["lr"].value = 1.5
    state = panel.state
    assert state["diverged_at"] == 10
    assert len(state["xs"]) == 10  # x_0 … x_9; x_10 blew past the limit
    assert "diverged after 10 steps" in panel.message_text


@pytest.mark.parametrize("x0", [-3.0, 3.0])
def test_start_slider_extremes(panel, x0):
    panel.controls["x0"].value = x0
    assert panel.state["xs"][0] == x0
    assert panel.state["xs"][1] == pytest.approx(0.8 * x0)


def test_start_at_the_minimum_never_moves(panel):
    panel.controls["x0"].value = 0.0
    assert np.all(panel.state["xs"] == 0.0)
    assert "never moves" in panel.message_text


@pytest.mark.parametrize("num_steps", [1, 100])
def test_steps_slider_extremes(panel, num_steps):
    panel.controls["num_steps"].value = num_steps
    assert len(panel.state["xs"]) == num_steps + 1


def test_many_steps_at_a_good_lr_report_convergence(panel):
    panel.controls["lr"].value = 0.3
    panel.controls["num_steps"].value = 100
    assert "fell below 1e-6·|x0| after 16 steps" in panel.message_text
    assert panel.state["level"] == "ok"


# ----- the mathematics ---------------------------------------------------------------------------


@pytest.mark.parametrize("lr", [0.001, 0.1, 0.3, 0.7, 0.95, 1.2])
def test_iterates_follow_x_next_equals_1_minus_2lr_times_x(lr):
    state = compute(lr, -3.0, 50)
    xs = state["xs"]
    assert state["r"] == 1 - 2 * lr
    np.testing.assert_allclose(xs[1:], (1 - 2 * lr) * xs[:-1], rtol=1e-12, atol=0)
    assert state["max_deviation"] < 1e-12
    np.testing.assert_allclose(xs, state["theory"][: len(xs)], rtol=1e-12, atol=0)


@pytest.mark.parametrize(
    ("lr", "name"),
    [(0.2, "monotone convergence"), (0.5, "one-step jump"), (0.75, "oscillating convergence"),
     (1.0, "pure oscillation"), (1.25, "divergence")],
)
def test_the_five_regimes_by_learning_rate(lr, name):
    assert regime(lr) == name
    assert compute(lr)["regime"] == name


@pytest.mark.parametrize("a", [0.25, 2.0, 4.0])
def test_regime_boundaries_scale_as_1_over_a(a):
    assert regime(0.5 / a, a) == "one-step jump"
    assert regime(1.0 / a, a) == "pure oscillation"
    assert regime(1.5 / a, a) == "divergence"
    assert regime(1.9 / a, a) == "divergence"  # below 2/a, yet diverging: the bound is 1/a


@pytest.mark.parametrize("a", [0.5, 1.0, 2.0, 4.0])
def test_measured_largest_stable_lr_is_1_over_a_not_2_over_a(a):
    measured = gd.measure_max_stable_lr(Parabola(a), -3.0, lo=0.01 / a, hi=3.0 / a)
    assert measured == pytest.approx(1.0 / a, rel=1e-6)


def test_steps_to_tolerance_matches_single_runs_and_the_formula():
    lrs = np.array([0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 1.0, 1.2])
    steps = gd.steps_to_tolerance(Parabola(), -3.0, lrs, tol=1e-6, max_steps=5000)
    for lr, measured in zip(lrs, steps):
        predicted = gd_1d.predicted_steps(lr, tol=1e-6)
        traj = run_gd(Parabola(), -3.0, lr, 2000)
        reached = np.nonzero(np.abs(traj.xs) <= 1e-6 * 3.0)[0]
        from_run = float(reached[0]) if reached.size else math.inf
        assert measured == predicted or abs(measured - predicted) <= 1, lr
        if measured <= 2000:
            assert measured == from_run, lr
    assert steps[-2] == math.inf and steps[-1] == math.inf  # lr = 1 and lr = 1.2 never get there


def test_steps_are_symmetric_about_one_half():
    """|1 − 2·lr| is the same at lr and 1 − lr: lr = 0.9 is as fast as lr = 0.1."""
    lrs = np.array([0.1, 0.9, 0.25, 0.75])
    steps = gd.steps_to_tolerance(Parabola(), -3.0, lrs)
    assert steps[0] == steps[1] and steps[2] == steps[3]


# ----- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"lr": 0.0}, "lr"), ({"lr": -0.1}, "lr"), ({"lr": math.inf}, "lr"),
     ({"x0": math.nan}, "x0"), ({"num_steps": -1}, "num_steps"), ({"a": 0.0}, "a")],
)
def test_bad_input_raises_value_error_naming_the_argument(kwargs, name):
    args = {"lr": 0.1, "x0": -3.0, "num_steps": 20, "a": 1.0} | kwargs
    with pytest.raises(ValueError, match=rf"^{name} must"):
        compute(**args)


def test_steps_to_tolerance_refuses_bad_learning_rates():
    with pytest.raises(ValueError, match="lrs must"):
        gd.steps_to_tolerance(Parabola(), -3.0, [0.1, -0.1])


def test_regime_map_agrees_with_regime():
    a_values = np.array([0.5, 1.0, 2.0, 4.0])
    lrs = np.array([0.01, 0.125, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0])
    codes = gd_1d.regime_map(a_values, lrs)
    assert codes.shape == (len(lrs), len(a_values))
    for i, lr in enumerate(lrs):
        for j, a in enumerate(a_values):
            assert REGIMES[codes[i, j]] == regime(lr, a), (lr, a)
