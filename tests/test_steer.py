"""The background trainer: settings act at the next step, no thread is left (the panel:
tests/test_steer_panel.py)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from helpers.data import load_mnist
from helpers.layers import mlp
from helpers.steer import Change, Trainer, active_threads, stop_all


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


def test_a_new_lr_is_used_from_the_next_step_on(digits):
    trainer = new_trainer(digits, lr=0.01, momentum=0.0)
    trainer.run(3)
    trainer.set(lr=0.2)
    assert trainer.optimizer.lr == 0.01  # queued, not applied yet
    W = trainer.model.layers[0].params["W"]
    before = W.copy()
    trainer.step()
    grad = trainer.model.layers[0].grads["W"]
    np.testing.assert_allclose(W, before - 0.2 * grad, rtol=1e-5, atol=1e-7)  # p -= lr g
    assert trainer.lrs[-2:] == [0.01, 0.2]
    assert trainer.changes == [Change(3, "lr", 0.01, 0.2)]


def test_batch_size_and_momentum_change_at_the_next_step(digits):
    trainer = new_trainer(digits, batch_size=16, momentum=0.0)
    trainer.step()
    trainer.set(batch_size=100, momentum=0.5)
    position = trainer.position
    trainer.step()
    assert trainer.position - position == 100
    assert trainer.optimizer.momentum == 0.5
    assert {c.name for c in trainer.changes} == {"batch_size", "momentum"}


def test_a_bad_setting_is_refused_with_its_name(digits):
    trainer = new_trainer(digits)
    with pytest.raises(ValueError, match="lr"):
        trainer.set(lr=-1)
    with pytest.raises(ValueError, match="setting must be"):
        trainer.set(learning_rate=0.1)


def test_background_training_takes_a_change_mid_run(digits):
    trainer = new_trainer(digits, lr=0.01)
    trainer.start(num_epochs=20)
    while len(trainer.steps) < 20:
        time.sleep(0.005)
    trainer.set(lr=0.05)
    while not trainer.changes:
        time.sleep(0.005)
    step = trainer.changes[0].step
    assert step >= 20 and trainer.running
    while len(trainer.steps) < step + 5:
        time.sleep(0.005)
    trainer.stop()
    assert trainer.lrs[step - 1] == 0.01 and trainer.lrs[step] == 0.05
    assert active_threads() == []


def test_pause_resume_and_stop_leave_no_thread(digits):
    trainer = new_trainer(digits)
    trainer.start(num_epochs=50)
    time.sleep(0.05)
    trainer.pause()
    assert trainer.status == "paused" and active_threads() == []
    steps = len(trainer.steps)
    time.sleep(0.05)
    assert len(trainer.steps) == steps  # paused means no step
    trainer.resume()
    assert trainer.running
    while len(trainer.steps) < steps + 5:
        time.sleep(0.005)
    trainer.stop()
    assert trainer.status == "stopped" and active_threads() == []
    trainer.resume()  # a stopped run stays stopped
    assert not trainer.running


def test_one_more_epoch_trains_one_more_epoch(digits):
    trainer = new_trainer(digits, batch_size=100)
    trainer.start(num_epochs=1)
    trainer.wait(30)
    assert trainer.status == "finished" and trainer.epoch == pytest.approx(1.0)
    trainer.more_epochs(1)
    trainer.wait(30)
    assert trainer.epoch == pytest.approx(2.0) and len(trainer.steps) == 20
    assert active_threads() == []


def test_a_second_trainer_on_the_same_model_stops_the_first(digits):
    first = new_trainer(digits)
    first.start(num_epochs=50)
    second = Trainer(first.model, *digits)  # what re-running the cell does
    assert first.status == "stopped" and not first.running
    second.start(num_epochs=50)
    assert len(active_threads()) == 1
    with pytest.raises(RuntimeError, match="pause"):
        second.step()  # no second loop on a model that trains in the background
    second.stop()


def test_a_huge_lr_stops_the_run_with_a_message(digits):
    trainer = new_trainer(digits, lr=10.0, momentum=0.9)
    trainer.start(num_epochs=5)
    trainer.wait(30)
    assert trainer.status == "blew up" and "lower the learning rate" in trainer.message
    assert active_threads() == []


def test_the_kernel_thread_waits_far_less_than_a_step_while_a_thread_trains(digits):
    # the measurement notebook 09a makes to choose a thread over a loop that yields
    from helpers.steer import measure_latency

    trainer = Trainer(mlp([784, 64, 10], seed=0), *digits)
    latency = measure_latency(trainer)
    # a loop that held the interpreter would make the kernel wait for whole stretches of
    # training (seconds); the numbers themselves go to the notebook and the browser report
    assert latency["thread_median"] < 0.05
    assert active_threads() == [] and trainer.status == "paused"


def test_the_scripted_jump_of_notebook_09a_kills_the_hidden_units():
    data = load_mnist("sample", verbose=False)
    trainer = Trainer(mlp([784, 64, 10], seed=0), data.X_train, data.y_train, lr=0.02,
                      momentum=0.9, seed=0)
    trainer.run(300)
    assert trainer.hints() == []
    trainer.set(lr=1.5, momentum=0.0)
    trainer.run(100)
    hints = trainer.hints()
    assert len(hints) == 1 and "of the units of ReLU 1 are dead" in hints[0]


def test_the_kernels_stop_button_stops_training_idle_or_busy():
    # in a real kernel: an interrupt while no cell runs, and one during a cell
    import threading

    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3")
    seen = []

    def run(code):
        reply = kc.execute_interactive(code, timeout=60, output_hook=lambda m: seen.append(
            m["content"].get("text", "")) if m["msg_type"] == "stream" else None)
        return reply["content"]["status"]

    try:
        run("from helpers.data import load_mnist\nfrom helpers.layers import mlp\n"
            "from helpers.steer import Trainer, active_threads\n"
            "d = load_mnist('sample', verbose=False)\n"
            "t = Trainer(mlp([784, 64, 10]), d.X_train, d.y_train); t.start(num_epochs=1000)")
        time.sleep(0.5)
        run("print(len(active_threads()), t.status)")
        km.interrupt_kernel()  # the kernel is idle: ipykernel ignores SIGINT then
        time.sleep(1.0)
        run("print(len(active_threads()), t.status)")
        run("t = Trainer(mlp([784, 64, 10]), d.X_train, d.y_train); t.start(num_epochs=1000)")
        threading.Timer(0.5, km.interrupt_kernel).start()
        assert run("import time; time.sleep(5)") == "error"  # KeyboardInterrupt in the cell
        run("print(len(active_threads()), t.status)")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert [s.strip() for s in seen] == ["1 running", "0 stopped", "0 stopped"]
