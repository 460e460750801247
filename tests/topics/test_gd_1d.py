"""Notebook 01's topic: GD on f(x) = (a/2)·x², its regimes, the step counts, the panel and the
exercise, checked the way a learner meets them."""

import math

import numpy as np
import pytest
from support import assert_blit_matches_full_redraw, load_solution

from helpers import exercises
from helpers.gd import run_gd
from helpers.objectives import Parabola
from helpers.topics import gd_1d

# What Chromium sent at the lr slider's 0.5 and 1.0 notches (base 2, computed in the browser).
BROWSER_HALF = 0.5000000000000007
BROWSER_ONE = 1.0000000000000013

# a learner never sees an overflow warning (a library's deprecation warning never shows)
pytestmark = pytest.mark.filterwarnings("error", "ignore::DeprecationWarning")


@pytest.fixture
def panel():
    return gd_1d.parabola_panel()


# ---- the measurements ----------------------------------------------------------------------------

def test_text_c_iterates_are_exactly_minus_3_and_3():
    assert run_gd(Parabola(), -3.0, 1.0, 6).xs.tolist() == [-3.0, 3.0] * 3 + [-3.0]


@pytest.mark.parametrize("a", [0.5, 2.0, 10.0])
def test_regime_boundaries_are_one_over_f2_and_two_over_f2(a):
    assert gd_1d.regime(0.99 / a, a) == "monotone convergence"
    assert gd_1d.regime(1.0 / a, a) == "one-step jump"
    assert gd_1d.regime(1.5 / a, a) == "oscillating convergence"
    assert gd_1d.regime(2.0 / a, a) == "pure oscillation"
    assert gd_1d.regime(2.01 / a, a) == "divergence"


@pytest.mark.parametrize("a", [0.5, 2.0, 10.0])
def test_gd_on_the_parabola_multiplies_x_by_one_minus_lr_times_f2(a):
    for lr in [0.1 / a, 0.7 / a, 1.3 / a, 1.9 / a]:
        xs = run_gd(Parabola(a), -3.0, lr, 30).xs
        np.testing.assert_allclose(xs[1:], (1 - lr * a) * xs[:-1], rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("a", [0.5, 2.0, 10.0])
def test_the_edge_is_two_over_f2(a):
    x_min = 3.0 * 1e-3
    steps = gd_1d.steps_to_shrink(Parabola(a), -3.0, np.array([1.999 / a, 2.0 / a, 2.001 / a]),
                                  shrink=1e-3, max_steps=20_000)
    assert math.isfinite(steps[0]) and np.all(np.isinf(steps[1:]))
    assert abs(run_gd(Parabola(a), -3.0, 2.0 / a, 50).xs[-1]) == 3.0 > x_min


def test_steps_to_shrink_equals_single_runs_and_the_formula():
    lrs = np.array([0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 1.0, 1.2])
    steps = gd_1d.steps_to_shrink(Parabola(), -3.0, lrs, shrink=1e-6, max_steps=5000)
    np.testing.assert_array_equal(steps, gd_1d.predicted_steps(lrs, shrink=1e-6))
    for lr, measured in zip(lrs, steps):
        xs = run_gd(Parabola(), -3.0, lr, 2000).xs
        reached = np.nonzero(np.abs(xs) <= 3e-6)[0]
        assert measured == (reached[0] if reached.size else math.inf), lr


def test_steps_are_symmetric_about_lr_one_half():
    steps = gd_1d.steps_to_shrink(Parabola(), -3.0, np.array([0.1, 0.9, 0.25, 0.75]))
    assert steps[0] == steps[1] == 62 and steps[2] == steps[3]


def test_small_learning_rates_need_about_6_9_over_lr_steps():
    lrs = np.array([1e-3, 3e-3, 1e-2])
    steps = gd_1d.steps_to_shrink(Parabola(), -3.0, lrs, shrink=1e-6)
    np.testing.assert_allclose(steps * lrs, np.log(1e6) / 2, rtol=0.01)


def test_a_run_that_stops_at_the_minimum_is_padded_to_num_steps():
    state = gd_1d.run_on_parabola(0.5, -3.0, 20)
    assert len(state["xs"]) == 21 and np.all(state["xs"][1:] == 0.0)


# ---- the panel -----------------------------------------------------------------------------------

def test_the_lr_slider_reaches_one_half_and_one_exactly(panel):
    slider = panel.controls["lr"]
    grid = slider.base ** (slider.min + slider.step * np.arange(400))
    assert np.min(np.abs(grid - 0.5)) < 1e-15 and np.min(np.abs(grid - 1.0)) < 1e-15


def test_the_browser_value_at_the_half_notch_gives_the_exact_one_step_jump(panel):
    panel.controls["lr"].value = BROWSER_HALF
    assert panel.state["regime"] == "one-step jump"
    assert np.all(panel.state["xs"][1:] == 0.0)
    assert "lands exactly on the minimum" in panel.message_text


def test_the_browser_value_at_the_one_notch_gives_exact_pure_oscillation(panel):
    panel.controls["lr"].value = BROWSER_ONE
    assert panel.state["xs"].tolist() == [-3.0, 3.0] * 10 + [-3.0]
    assert "jumps between -3 and 3 for ever" in panel.message_text


def test_the_bottom_of_the_lr_slider_is_slow_and_says_so(panel):
    slider = panel.controls["lr"]
    slider.value = slider.base**slider.min
    assert panel.state["regime"] == "monotone convergence"
    assert "more than the 20 given (slow: lr is small)" in panel.message_text


def test_the_top_of_the_lr_slider_diverges_and_stops_the_run(panel):
    slider = panel.controls["lr"]
    slider.value = slider.base**slider.max
    assert panel.state["status"] == "diverged"
    assert "diverged after 2 steps" in panel.message_text
    assert panel.state["level"] == "error"


def test_just_above_the_edge_the_message_says_diverging(panel):
    panel.controls["lr"].value = 1.02
    assert panel.state["diverged_at"] is None
    assert "diverging" in panel.message_text


@pytest.mark.parametrize(("x0", "words"), [(-3.0, "shrinks"), (3.0, "shrinks"),
                                           (0.0, "never moves")])
def test_the_start_slider_extremes_and_the_minimum(panel, x0, words):
    panel.controls["x0"].value = x0
    assert panel.state["xs"][0] == x0
    assert words in panel.message_text


@pytest.mark.parametrize(("num_steps", "words"), [(1, "more than the 1 given"),
                                                  (100, "after 62 steps")])
def test_the_steps_slider_extremes(panel, num_steps, words):
    panel.controls["num_steps"].value = num_steps
    assert len(panel.state["xs"]) == num_steps + 1
    assert words in panel.message_text


def test_enough_steps_at_a_good_lr_report_the_count(panel):
    panel.controls["lr"].value = 0.3
    panel.controls["num_steps"].value = 100
    assert "fell below 1e-6·|x0| after 16 steps" in panel.message_text
    assert panel.state["level"] == "ok"


@pytest.mark.slow
def test_a_blitted_frame_equals_a_full_redraw_over_drags_of_every_slider(panel):
    lr_top = panel.controls["lr"].base ** panel.controls["lr"].max
    assert_blit_matches_full_redraw(panel, [
        dict(lr=0.11), dict(lr=0.12), dict(lr=0.5), dict(lr=0.8), dict(lr=1.0), dict(lr=1.02),
        dict(lr=lr_top), dict(lr=2**-10), dict(lr=0.3),
        dict(x0=-2.9), dict(x0=0.0), dict(x0=3.0), dict(x0=0.1),
        dict(num_steps=1), dict(num_steps=55), dict(num_steps=100)])


@pytest.mark.parametrize(("kwargs", "name"), [({"lr": 0.0}, "lr"), ({"x0": 4.0}, "x0"),
                                              ({"num_steps": 0}, "num_steps")])
def test_the_panel_factory_names_a_bad_argument(kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name} must"):
        gd_1d.parabola_panel(**kwargs)


# ---- the exercise: gd_steps_to_tol, and the answers a learner might write ------------------------

def _learner(lr, x0, tol, max_steps, *, slope=2, strict=False, last=True, relative=False,
             extra=0, cap=False):
    """The exercise as a learner writes it, with the mistake the keywords switch on."""
    if relative:
        tol = tol * abs(x0)
    x = x0
    for t in range(max_steps + 1 if last else max_steps):
        if (abs(x) < tol) if strict else (abs(x) <= tol):
            return t + extra
        x = x - lr * slope * x
    return max_steps if cap else None


BUGGY = {
    "one_more": lambda *case: _learner(*case, extra=1),
    "one_less": lambda *case: _learner(*case, extra=-1),
    "strict": lambda *case: _learner(*case, strict=True),
    "misses_last": lambda *case: _learner(*case, last=False),
    "relative": lambda *case: _learner(*case, relative=True),
    "cap_count": lambda *case: _learner(*case, cap=True),
    "half_slope": lambda *case: _learner(*case, slope=1),
}


def test_the_solution_passes_on_many_calls():
    solution = load_solution("gd_1d").gd_steps_to_tol
    for _ in range(20):
        ok, feedback = exercises.run_check("gd_steps_to_tol", solution)
        assert ok, feedback


def test_every_diagnosed_mistake_has_a_buggy_learner_here():
    assert set(BUGGY) == set(exercises.mistakes("gd_steps_to_tol"))


@pytest.mark.parametrize("mistake", sorted(BUGGY))
def test_a_buggy_learner_gets_the_hint_that_names_its_mistake(mistake):
    for _ in range(5):
        ok, feedback = exercises.run_check("gd_steps_to_tol", BUGGY[mistake])
        assert not ok
        assert feedback == exercises.mistakes("gd_steps_to_tol")[mistake]


def test_the_checker_has_cases_exactly_on_the_tolerance_and_at_max_steps():
    seen = []
    exercises.run_check("gd_steps_to_tol", lambda *case: seen.append(case) or _learner(*case))
    assert any(_learner(*c, strict=True) != _learner(*c) for c in seen), "nothing on the tolerance"
    assert any(_learner(*c) == c[3] for c in seen), "no case gets there at exactly max_steps"
    assert any(_learner(*c) == 0 and abs(c[1]) == c[2] for c in seen), "no start exactly at tol"
