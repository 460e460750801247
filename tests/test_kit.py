"""The machinery a learner may skip (helpers/kit/): the Panel contract, blitted frames,
predictions, the estimate marks and the argument checks' messages."""

import asyncio

import numpy as np
import pytest
from matplotlib.figure import Figure
from support import assert_blit_matches_full_redraw, run_in_own_loop, set_controls

from helpers.kit import checks, widgets
from helpers.kit.blit import Frames, decade_above, decade_below, step_above
from helpers.kit.predict import predict
from helpers.kit.text import approx, percent, plural

# ---- a toy panel: y = lr·x², refusing lr > 1 (NotAllowed) and breaking at steps = 13 ----


def toy_panel():
    def compute(lr, steps):
        if lr > 1:
            raise widgets.NotAllowed(f"lr = {lr:g} is above 1, where this toy stops")
        if steps == 13:
            raise ZeroDivisionError("a bug in compute")  # not the learner's doing
        x = np.linspace(-1, 1, steps)
        return {"x": x, "y": lr * x**2, "message": f"lr = {lr:g}", "level": "ok"}

    def make_figure():
        fig = Figure(figsize=(4, 3), dpi=50)
        ax = fig.add_subplot()
        ax.set_xlim(-1, 1)
        ax.set_ylim(0, 1)
        ax.set_title("a static title")
        (line,) = ax.plot([], [], "o-", animated=True)
        text = ax.text(0, 0.5, "", animated=True)
        return fig, {"ax": ax, "line": line, "text": text}

    def draw(artists, state):
        artists["line"].set_data(state["x"], state["y"])
        artists["text"].set_text(state["message"])
        artists["ax"].set_ylim(0, step_above(state["y"].max(), [0.05, 1.0]))  # zooms in

    controls = {"lr": widgets.lr_slider(0.1),
                "steps": widgets.int_slider(5, 2, 50, description="steps")}
    return widgets.Panel(controls, compute, make_figure, draw)


def counting(panel):
    """Wrap the panel's compute to record the values of each call."""
    calls, compute = [], panel.compute
    panel.compute = lambda **values: calls.append(values) or compute(**values)
    return calls


def test_a_panel_draws_its_first_frame_when_built():
    panel = toy_panel()
    assert panel.message_text == "lr = 0.1"
    assert bytes(panel.image.value).startswith(b"\x89PNG\r\n\x1a\n")
    assert panel.frames.full_redraws == 1 and panel.frames.blits == 0


def test_not_allowed_becomes_a_red_message_and_the_figure_keeps_its_picture():
    panel = toy_panel()
    panel.controls["lr"].value = 0.5
    picture, state = panel.image.value, panel.state
    panel.controls["lr"].value = 1.2
    assert panel.message_text == "lr = 1.2 is above 1, where this toy stops"
    assert widgets._LEVEL_COLORS["error"] in panel.message.value
    assert panel.image.value == picture and panel.state is state


def test_any_other_exception_from_compute_propagates_in_a_plain_test():
    panel = toy_panel()
    with pytest.raises(ZeroDivisionError, match="a bug in compute"):
        panel.controls["steps"].value = 13  # a bug is never turned into a learner's message


def test_in_a_kernel_a_bug_in_compute_shows_on_the_panel_instead_of_vanishing():
    panel = toy_panel()

    async def move():
        panel.controls["steps"].value = 13
        await asyncio.sleep(0.05)

    run_in_own_loop(move())
    assert panel.message_text == "ZeroDivisionError: a bug in compute"


def test_hold_refresh_gives_one_frame_for_several_changes():
    panel = toy_panel()
    calls = counting(panel)
    frames_before = panel.frames.full_redraws + panel.frames.blits
    set_controls(panel, lr=0.5, steps=9)
    assert calls == [{"lr": 0.5, "steps": 9}]
    assert panel.frames.full_redraws + panel.frames.blits == frames_before + 1
    assert len(panel.state["x"]) == 9


def test_value_changes_arriving_while_a_frame_is_scheduled_are_coalesced():
    panel = toy_panel()
    calls = counting(panel)

    async def drag():
        for lr in (0.2, 0.3, 0.4, 0.5):
            panel.controls["lr"].value = lr
        assert calls == []  # one frame scheduled, none drawn yet
        await asyncio.sleep(0.05)

    run_in_own_loop(drag())
    assert calls == [{"lr": 0.5, "steps": 5}] and panel.message_text == "lr = 0.5"


# ---- frames: blitting ----

def test_a_blitted_frame_equals_a_full_redraw_pixel_for_pixel():
    assert_blit_matches_full_redraw(toy_panel(), [dict(lr=0.5), dict(lr=0.9), dict(steps=30),
                                                  dict(lr=0.01), dict(lr=0.02), dict(lr=0.7)])


def test_the_pixel_check_fails_a_draw_that_changes_an_artist_that_is_not_animated():
    panel = toy_panel()
    draw = panel.draw

    def draw_and_retitle(artists, state):  # breaks the contract: the title is background
        draw(artists, state)
        artists["ax"].set_title(state["message"])

    panel.draw = draw_and_retitle
    with pytest.raises(AssertionError, match="pixels of the shown frame differ from a full "
                                             "redraw"):
        assert_blit_matches_full_redraw(panel, [dict(lr=0.5), dict(lr=0.9)])


def test_backgrounds_are_kept_per_axes_limits_so_a_drag_back_and_forth_blits():
    panel = toy_panel()
    frames = panel.frames
    for lr in (0.5, 0.01, 0.6, 0.02, 0.7):  # y limits: 1, 0.05, 1, 0.05, 1
        panel.controls["lr"].value = lr
    assert frames.full_redraws == 2  # one per set of limits: the first frame, the first zoom
    assert frames.blits == 4 and len(frames.backgrounds) == 2
    frames.png(full=True)  # a full redraw forgets the others
    assert len(frames.backgrounds) == 1


def test_frames_keep_at_most_kept_backgrounds(monkeypatch):
    from helpers.kit import blit

    monkeypatch.setattr(blit, "KEPT_BACKGROUNDS", 2)
    fig = Figure(figsize=(2, 2), dpi=30)
    ax = fig.add_subplot()
    frames = Frames(fig)
    for top in (1, 2, 3, 1):
        ax.set_ylim(0, top)
        frames.png()
    assert frames.full_redraws == 4  # limits (0, 1) were dropped as the oldest


def test_limits_move_only_in_coarse_steps():
    assert decade_above(0.023) == 0.1 and decade_above(100.0) == 100.0
    assert decade_below(0.3) == 0.1 and decade_below(2e-7) == 1e-8  # 10^-8 is on the ladder
    assert step_above(0.7, [0.5, 1, 2]) == 1 and step_above(9, [0.5, 1, 2]) == 2


# ---- predict first ----

def test_a_prediction_is_committed_then_revealed():
    guess = predict("Which lr needs the fewest steps?", ["0.1", "0.5", "0.9"])
    guess.commit("0.9")
    assert guess.message == "Committed: 0.9. Run the experiment below."
    assert guess.input.disabled and guess.button.disabled
    guess.reveal("0.5", "lr = 0.5 lands on the minimum in one step.")
    assert guess.is_right() is False
    assert guess.message == ("Not quite. You predicted 0.9; measured: 0.5. lr = 0.5 lands on the "
                             "minimum in one step.")


def test_a_revealed_answer_stays_hidden_until_a_prediction_is_committed():
    guess = predict("Which lr needs the fewest steps?", ["0.1", "0.5"])
    guess.reveal("0.5", "one step")
    assert "0.5" not in guess.message and "one step" not in guess.message
    assert guess.is_right() is None
    guess.input.value = "0.5"
    guess.button.click()
    assert guess.is_right() is True and guess.message.startswith("Right. You predicted 0.5")


def test_a_committed_prediction_cannot_be_changed():
    guess = predict("Pick one", ["a", "b"])
    guess.button.click()  # nothing chosen yet
    assert guess.guess is None and guess.message == "Choose an answer first, then commit it."
    guess.commit("a")
    guess.commit("b")
    assert guess.guess == "a"


def test_a_number_within_the_tolerance_factor_is_right():
    guess = predict("How many steps?", number=True, unit="steps", tolerance=1.5)
    guess.commit(100)
    guess.reveal(140)
    assert guess.is_right() is True
    assert guess.message == "Right. You predicted 100 steps; measured: 140 steps (a factor 1.4 " \
                            "too low)."
    far = predict("How many steps?", number=True)
    far.commit(100)
    far.reveal(151)
    assert far.is_right() is False


# ---- text ----

def test_approx_and_percent_mark_a_number_as_an_estimate():
    assert approx(0.9213, ".2f") == "≈ 0.92"
    assert approx(12345.0) == "≈ 1.2e+04"
    assert percent(0.9213) == "≈ 92%" and percent(0.9213, 1) == "≈ 92.1%"
    assert plural(1, "step") == "1 step" and plural(12000, "step") == "12,000 steps"


# ---- checks: messages name the argument, the value and what is allowed ----

@pytest.mark.parametrize("call, error, message", [
    (lambda: checks.check_positive("lr", -0.1), ValueError,
     "lr must be a positive finite number; got -0.1"),
    (lambda: checks.check_positive("lr", float("nan")), ValueError,
     "lr must be a positive finite number; got nan"),
    (lambda: checks.check_number("lr", "0.1"), TypeError, "lr must be a number; got '0.1' (str)"),
    (lambda: checks.check_number("lr", True), TypeError, "lr must be a number; got True (bool)"),
    (lambda: checks.check_fraction("momentum", 1.0), ValueError,
     "momentum must be a finite number >= 0 and < 1; got 1.0"),
    (lambda: checks.check_int("batch_size", 0, low=1, high=90), ValueError,
     "batch_size must be an integer from 1 to 90; got 0"),
    (lambda: checks.check_int("num_epochs", 2.0, low=1), TypeError,
     "num_epochs must be an integer; got 2.0 (float)"),
    (lambda: checks.check_choice("activation", "gelu", ("relu", "tanh")), ValueError,
     "activation must be one of 'relu', 'tanh'; got 'gelu'"),
    (lambda: checks.check_rng(0.5), TypeError,
     "seed must be an integer seed or a numpy Generator (np.random.default_rng(seed)); got 0.5"),
    (lambda: checks.check_array("X", "pixels"), TypeError,
     "X must be an array of numbers; got str of dtype <U6"),
    (lambda: checks.check_array("X", np.zeros(3), ndim=2), ValueError,
     "X must have 2 dimensions; got shape (3,)"),
    (lambda: checks.check_finite("X", np.array([[0.0, np.inf]])), ValueError,
     "X must hold only finite numbers; X[0, 1] is"),
])
def test_a_check_names_the_argument_the_value_and_what_is_allowed(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert str(info.value).startswith(message)


def test_a_check_returns_the_value_it_accepted():
    assert checks.check_positive("lr", 1) == 1.0 and type(checks.check_int("n", np.int64(3))) is int
    generator = np.random.default_rng(0)
    assert checks.check_rng(generator) is generator
