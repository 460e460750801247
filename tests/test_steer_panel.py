"""The steering panel on the panel contract: a pure ``compute`` from the trainer's history, frames
drawn only by the thread that runs the event loop (the kernel's), controls that steer the run,
and no thread left behind."""

from __future__ import annotations

import asyncio
import threading
import time

import numpy as np
import pytest
from support import run_in_own_loop

from helpers.data import load_mnist
from helpers.layers import mlp
from helpers.steer import Trainer, active_threads, stop_all
from helpers.steer_panel import SteeringPanel, compute, history_figure


@pytest.fixture(scope="module")
def digits():
    data = load_mnist("sample", verbose=False)
    return data.X_train[:1000], data.y_train[:1000]


def new_trainer(digits, **kw):
    return Trainer(mlp([784, 32, 10], seed=0), *digits, **kw)


@pytest.fixture(autouse=True)
def no_thread_left():
    yield
    stop_all()
    assert active_threads() == []


def _wait(predicate, timeout=30.0):
    start = time.perf_counter()
    while not predicate():
        assert time.perf_counter() - start < timeout, "timed out"
        time.sleep(0.005)


def test_compute_is_numbers_and_a_message(digits):
    trainer = new_trainer(digits, lr=0.01)
    state = compute(trainer, digits[0][:64], 0.01, 64, 0.9)
    assert state["message"].startswith("ready · step 0 · epoch 0.00 · lr 0.01")
    assert state["log"] == ["none yet"] and state["hints"] == ["no steps yet"]
    trainer.run(30)
    trainer.set(lr=0.05)
    trainer.run(5)
    state = compute(trainer, digits[0][:64], 0.05, 128, 0.9)  # batch size moved, not applied
    assert len(state["steps"]) == 35 and np.all(np.isfinite(state["losses"]))
    assert state["ratios"].shape == (7, 2) and state["grad_norms"].shape == (7, 2)
    assert set(state["dead"]) == set(state["hist"]) == {"ReLU 1"}
    assert state["marks"] == [(30, "lr 0.05")]
    assert state["log"] == ["step 30: lr 0.01 → 0.05",
                            "queued: batch_size → 128 (applies at the next step)"]
    assert state["hints"] == ["all in the healthy range"]
    shares, edges = state["hist"]["ReLU 1"]
    assert shares.sum() == pytest.approx(1.0) and len(edges) == len(shares) + 1


def test_controls_steer_the_run_and_mark_the_change(digits):
    panel = SteeringPanel(new_trainer(digits, lr=0.01), num_epochs=50)
    assert panel.image.value[:4] == b"\x89PNG" and "ready" in panel.message_text
    panel.start_button.click()
    assert panel.trainer.running
    panel.lr_slider.value = 0.1
    _wait(lambda: panel.trainer.changes)
    panel.pause_button.click()
    assert panel.trainer.status == "paused" and active_threads() == []
    assert panel.message_text.startswith("paused · step ")
    assert "lr 0.01 → 0.1" in panel.change_log.value
    step = panel.trainer.changes[0].step
    marks = panel.artists["marks"][0].get_xdata()
    assert list(marks[:2]) == [step, step]
    assert panel.artists["mark_texts"][0].get_text() == "lr 0.1"
    panel.stop_button.click()
    assert panel.trainer.status == "stopped" and "stopped" in panel.message_text
    panel.epoch_button.click()  # one more epoch of a stopped run: said, not raised
    assert "build a new trainer" in panel.message_text
    panel.close()


def test_a_change_while_paused_is_listed_as_queued(digits):
    panel = SteeringPanel(new_trainer(digits), num_epochs=1)
    panel.batch_slider.value = 128
    assert "queued: batch_size → 128" in panel.change_log.value
    panel.trainer.run(1)
    assert panel.trainer.batch_size == 128
    panel.close()



def test_the_training_thread_asks_for_frames_that_the_loop_thread_draws(digits):
    panel = SteeringPanel(new_trainer(digits), num_epochs=1000, redraw_every=0.2)
    drawn_by = []
    draw = panel.draw

    def recording_draw(artists, state):
        drawn_by.append(threading.current_thread())
        return draw(artists, state)

    panel.draw = recording_draw

    async def run():
        frames = {panel.image.value}
        panel.start_button.click()  # on the loop's thread, as in a kernel
        start = time.perf_counter()
        while len(frames) < 4:  # new frames arrive while the run goes on, nobody asks
            assert time.perf_counter() - start < 60, "no new frames"
            frames.add(panel.image.value)
            await asyncio.sleep(0.01)
        assert panel.trainer.running
        panel.lr_slider.value = 0.05
        while "lr 0.02 → 0.05" not in panel.change_log.value:  # a change brings a frame
            assert time.perf_counter() - start < 60, "the change never reached the log"
            await asyncio.sleep(0.01)

    loop_thread = run_in_own_loop(run())
    assert set(drawn_by) == {loop_thread}
    assert panel.frames.blits > 0  # most frames redraw only the curves
    panel.close()
    assert active_threads() == [] and panel.trainer.status == "stopped"


def test_a_new_panel_stops_the_old_one(digits):
    old = SteeringPanel(new_trainer(digits), num_epochs=50)
    old.start_button.click()
    assert old.trainer.running
    new = SteeringPanel(new_trainer(digits))  # what re-running the cell does
    assert old.trainer.status == "stopped" and active_threads() == []
    new.close()


def test_the_history_figure_draws_every_artist(digits):
    trainer = new_trainer(digits)
    trainer.run(20)
    fig = history_figure(trainer, digits[0][:64])
    assert not [a for a in fig.findobj() if a.get_animated()]
    loss_line = fig.axes[0].lines[0]
    assert len(loss_line.get_xdata()) == 20


def test_a_run_that_blows_up_says_so_in_red(digits):
    panel = SteeringPanel(new_trainer(digits, lr=10.0), num_epochs=5)
    panel.start_button.click()
    panel.trainer.wait(30)
    panel.refresh()
    assert panel.trainer.status == "blew up"
    assert "lower the learning rate" in panel.message_text and "#b3470a" in panel.message.value
    panel.close()
