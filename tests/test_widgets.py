"""The shared sliders and the Panel, driven headless the way a learner drives them in a browser."""

import math
import warnings

import numpy as np
import pytest
from matplotlib.figure import Figure

from helpers import widgets

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def make_square_panel():
    """A toy panel: y = lr·x², refusing lr above 1 with a ValueError."""
    fig = Figure(figsize=(4, 3))
    ax = fig.add_subplot()
    (line,) = ax.plot([], [])

    def compute(lr, steps):
        if lr > 1:
            raise ValueError(f"lr must be at most 1 here; got {lr}")
        x = np.linspace(-1, 1, steps)
        return {"x": x, "y": lr * x**2, "message": f"lr = {lr:g}", "level": "ok"}

    def draw(fig, state):
        line.set_data(state["x"], state["y"])
        ax.relim()
        ax.autoscale_view()

    controls = {
        "lr": widgets.lr_slider(0.1),
        "steps": widgets.int_slider(5, 2, 50, description="steps"),
    }
    return widgets.Panel(controls, compute, draw, fig)


def test_a_panel_draws_once_when_built():
    panel = make_square_panel()
    assert panel.state["message"] == "lr = 0.1"
    assert bytes(panel.image.value).startswith(PNG_SIGNATURE)


def test_moving_a_slider_recomputes_the_state_and_redraws():
    panel = make_square_panel()
    before = panel.image.value
    panel.controls["lr"].value = 0.5
    assert panel.state["y"].max() == pytest.approx(0.5)
    assert panel.message_text == "lr = 0.5"
    assert panel.image.value != before


def test_a_value_the_maths_refuses_becomes_the_message_not_a_traceback():
    panel = make_square_panel()
    panel.controls["lr"].value = 1.2
    assert "lr must be at most 1" in panel.message_text
    assert panel.state["message"] == "lr = 0.1"  # the last good picture stays


def test_render_time_is_recorded():
    panel = make_square_panel()
    panel.controls["steps"].value = 40
    assert 0 < panel.render_seconds < 5


def test_lr_slider_spans_its_range_on_a_log_scale():
    slider = widgets.lr_slider(0.1, min=1e-3, max=1.5)
    assert slider.min == pytest.approx(-3)
    assert slider.max == pytest.approx(math.log10(1.5))
    slider.value = 1.5
    assert slider.value == pytest.approx(1.5)
    assert slider.description == "learning rate"


def test_lr_slider_refuses_a_non_positive_bound():
    with pytest.raises(ValueError, match="min must be a positive finite number; got 0"):
        widgets.lr_slider(0.1, min=0.0)


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, [1]),
        (8, [1, 2, 4, 8]),
        (10, [1, 2, 4, 8, 10]),
        (200, [1, 2, 4, 8, 16, 32, 64, 128, 200]),
    ],
)
def test_batch_size_options_run_from_one_to_the_full_batch(n, expected):
    assert widgets.batch_size_options(n) == expected


def test_batch_size_slider_defaults_to_the_full_batch():
    slider = widgets.batch_size_slider(200)
    assert slider.value == 200
    slider.value = 1
    assert slider.value == 1


def test_batch_size_slider_refuses_a_value_it_cannot_show():
    with pytest.raises(ValueError, match="value must be one of the slider's batch sizes"):
        widgets.batch_size_slider(200, value=3)


def test_no_warnings_while_sliding():
    panel = make_square_panel()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for value in (panel.controls["lr"].min, 0.01, 1.0):
            panel.controls["lr"].value = 10**value if value < 0 else value


def test_hold_refresh_redraws_once_for_several_changes():
    panel = make_square_panel()
    calls = []
    compute = panel.compute
    panel.compute = lambda **values: calls.append(values) or compute(**values)
    with panel.hold_refresh():
        panel.controls["lr"].value = 0.5
        panel.controls["steps"].value = 9
    assert calls == [{"lr": 0.5, "steps": 9}]
    assert len(panel.state["x"]) == 9


def test_lr_slider_with_base_two_has_one_half_and_one_on_its_grid():
    slider = widgets.lr_slider(0.5, min=2**-10, max=1.5, base=2, step=1 / 32)
    grid = 2.0 ** (slider.min + slider.step * np.arange(400))
    assert np.any(grid == 0.5) and np.any(grid == 1.0)


def test_sliders_redraw_on_release_unless_asked_otherwise():
    assert widgets.lr_slider(0.1).continuous_update is False
    assert widgets.batch_size_slider(8).continuous_update is False
    assert widgets.int_slider(3, 1, 5, description="n").continuous_update is False
    assert widgets.lr_slider(0.1, continuous_update=True).continuous_update is True
