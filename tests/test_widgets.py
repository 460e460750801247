"""The shared sliders and the Panel, driven headless the way a learner drives them in a browser."""

import asyncio
import io
import math
import warnings

import numpy as np
import pytest
from matplotlib.figure import Figure
from support import run_in_own_loop

from helpers import widgets

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def make_square_panel():
    """A toy panel: y = lr·x², refusing lr above 1 with a ValueError."""

    def compute(lr, steps):
        if lr > 1:
            raise ValueError(f"lr must be at most 1 here; got {lr}")
        x = np.linspace(-1, 1, steps)
        return {"x": x, "y": lr * x**2, "message": f"lr = {lr:g}", "level": "ok"}

    def make_figure():
        fig = Figure(figsize=(4, 3))
        ax = fig.add_subplot()
        ax.set_xlim(-1, 1)
        ax.set_ylim(0, 1)
        (line,) = ax.plot([], [], animated=True)
        return fig, {"ax": ax, "line": line}

    def draw(artists, state):
        artists["line"].set_data(state["x"], state["y"])
        if state["y"].max() < 0.05:  # zoom in: new limits, so a full redraw
            artists["ax"].set_ylim(0, 0.05)
        else:
            artists["ax"].set_ylim(0, 1)

    controls = {
        "lr": widgets.lr_slider(0.1),
        "steps": widgets.int_slider(5, 2, 50, description="steps"),
    }
    return widgets.Panel(controls, compute, make_figure, draw)


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


def test_sliders_follow_the_hand_unless_asked_otherwise():
    assert widgets.lr_slider(0.1).continuous_update is True
    assert widgets.batch_size_slider(8).continuous_update is True
    assert widgets.int_slider(3, 1, 5, description="n").continuous_update is True
    assert widgets.lr_slider(0.1, continuous_update=False).continuous_update is False


def png_pixels(png: bytes) -> np.ndarray:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGB"), dtype=int)


def test_a_blitted_frame_shows_what_a_full_redraw_shows():
    """No ghost of the previous line: a frame drawn over the stored background is the picture a
    full redraw of the same state gives."""
    panel = make_square_panel()
    panel.controls["lr"].value = 0.9
    panel.controls["lr"].value = 0.5  # same limits: blitted
    assert panel.last_frame_full is False
    blitted = png_pixels(panel.image.value)
    panel.refresh(full=True)
    assert panel.last_frame_full is True
    assert np.abs(blitted - png_pixels(panel.image.value)).max() <= 2


def test_new_axes_limits_redraw_the_whole_figure():
    panel = make_square_panel()
    panel.controls["lr"].value = 0.5
    assert panel.last_frame_full is False
    panel.controls["lr"].value = 0.01  # draw zooms the y axis in
    assert panel.last_frame_full is True


def test_limits_seen_before_are_blitted_and_look_the_same_as_a_full_redraw():
    """Dragging back and forth: the second visit to the zoomed-out limits reuses their stored
    background, and the frame is the picture a full redraw gives (ticks of the right limits)."""
    panel = make_square_panel()
    panel.controls["lr"].value = 0.5
    panel.controls["lr"].value = 0.01  # zoom in: new limits, full redraw
    panel.controls["lr"].value = 0.6  # back to limits seen before
    assert panel.last_frame_full is False
    blitted = png_pixels(panel.image.value)
    panel.refresh(full=True)
    assert np.abs(blitted - png_pixels(panel.image.value)).max() <= 2


def test_a_full_redraw_forgets_the_stored_backgrounds():
    """draw() returning True (a legend changed) makes every stored background stale."""
    panel = make_square_panel()
    panel.controls["lr"].value = 0.01
    panel.controls["lr"].value = 0.5
    panel.frames.png(full=True)
    assert len(panel.frames.backgrounds) == 1
    panel.controls["lr"].value = 0.01
    assert panel.last_frame_full is True


def test_savefig_still_draws_the_moving_artists():
    panel = make_square_panel()
    panel.controls["lr"].value = 0.8
    buffer = io.BytesIO()
    panel.fig.savefig(buffer, format="png")
    still = png_pixels(buffer.getvalue())
    differ = np.abs(still - png_pixels(panel.image.value)).max(axis=2) > 2
    # the same picture, up to a few pixels where the line crosses the axes' spines (a frame
    # draws the moving line last, on top of them)
    assert differ.mean() < 1e-3



def test_slider_moves_during_a_frame_are_folded_into_one_frame():
    """In a kernel (a running event loop) a burst of slider values gives one frame, with the
    last value; a headless test without a loop gets every frame at once (tested above)."""
    panel = make_square_panel()
    computed = []
    compute = panel.compute
    panel.compute = lambda **values: computed.append(values["lr"]) or compute(**values)

    async def drag():
        for lr in (0.2, 0.3, 0.4, 0.5):
            panel.controls["lr"].value = lr
        assert computed == []  # nothing drawn yet: the frame is scheduled
        await asyncio.sleep(0.05)

    run_in_own_loop(drag())
    assert computed == [0.5]
    assert panel.message_text == "lr = 0.5"
