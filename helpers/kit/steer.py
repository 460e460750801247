"""Train a network in a background thread and steer it: pause, resume, one more epoch, stop,
and change the learning rate, batch size and momentum between two steps.

Why a thread: a notebook kernel runs one thing at a time, so a training loop in a cell would
hold back every button press until it ends. numpy's matrix products release Python's global
lock (the GIL), so a training thread leaves the kernel free to handle widget events within
milliseconds (measured in the notebook).

Safety rules, all enforced here:
- one training loop per model: starting a trainer stops any other trainer of the same model;
- the thread lives only while steps are being taken: ``pause`` and ``stop`` end it (and wait);
- re-running a cell that builds a new trainer stops the old one (it holds the same model), and
  an interrupt of the kernel (the stop button) stops every trainer (``stop_all``).

Settings changes are queued and applied at the start of the next step, each logged as a
``Change(step, name, old, new)``: the step it first applied to.
"""

from __future__ import annotations

import math
import signal
import threading
import time
from dataclasses import dataclass

import numpy as np

from helpers import diagnostics
from helpers.batches import as_rng
from helpers.losses import MSELoss, SoftmaxCrossEntropy
from helpers.optim import SGD
from helpers.timing import one_blas_thread
from helpers.validate import (
    check_array,
    check_batch_size,
    check_fraction,
    check_int,
    check_labels,
    check_lr,
    check_positive_number,
    check_same_length,
)

YIELD_SECONDS = 0.002  # pause of the training thread after each step (see _train_until_halted)
_TRAINERS: dict[int, Trainer] = {}  # id(model) -> the trainer that may train it
_REGISTRY_LOCK = threading.Lock()


@dataclass(frozen=True)
class Change:
    """A setting changed by the learner: ``name`` went from ``old`` to ``new`` at ``step``."""

    step: int
    name: str
    old: float
    new: float

    def __str__(self) -> str:
        return f"step {self.step}: {self.name} {self.old:.3g} → {self.new:.3g}"


class Trainer:
    """Mini-batch SGD with momentum on (X, y), one step at a time or in a background thread.

    model: a Sequential (e.g. ``mlp([784, 64, 10])``); X (N, n_in), y (N,) labels;
    lr, batch_size, momentum: the starting settings (``set`` changes them); seed: the batch order;
    diagnose_every: measure the diagnostics every this many steps (``helpers.diagnostics``).
    History, as lists: ``steps``/``losses``/``lrs`` per step, ``diag_steps``/``diag`` per
    measurement, ``changes`` (Change records). ``status``: "ready", "running", "paused",
    "finished" (the epochs asked for are done), "stopped" or "blew up".
    """

    def __init__(self, model, X, y, *, lr: float = 0.02, batch_size: int = 64,
                 momentum: float = 0.9, seed=0, diagnose_every: int = 5, loss_fn=None):
        loss_fn = SoftmaxCrossEntropy() if loss_fn is None else loss_fn
        X, y = _check_data(model, X, y, loss_fn)
        self.model, self.X, self.y, self.loss_fn = model, X, y, loss_fn
        self.batch_size = check_batch_size(batch_size, len(X))
        self.optimizer = SGD(model.parameters(), lr=check_lr(lr),
                             momentum=check_fraction("momentum", momentum))
        self.diagnose_every = check_int("diagnose_every", diagnose_every, low=1)
        self.rng = as_rng(seed, "seed")
        self.order, self.position, self.epochs_done = self.rng.permutation(len(X)), 0, 0
        self.target_epochs = 0.0
        self.steps, self.losses, self.lrs, self.diag_steps, self.diag = [], [], [], [], []
        self.changes: list[Change] = []
        self.status, self.message = "ready", ""
        self.listeners = []  # functions called (from the training thread) after each step
        self._pending: dict[str, float] = {}
        self._lock = threading.Lock()  # guards _pending and the history lists
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None
        self._claim()

    # ---- settings -------------------------------------------------------------------------

    def set(self, **settings) -> None:
        """Queue new settings (lr, batch_size, momentum); they apply from the next step on."""
        checked = {}
        for name, value in settings.items():
            if name == "lr":
                checked[name] = check_lr(value)
            elif name == "batch_size":
                checked[name] = check_batch_size(value, len(self.X))
            elif name == "momentum":
                checked[name] = check_fraction("momentum", value)
            else:
                raise ValueError(f"setting must be lr, batch_size or momentum; got {name!r}")
        with self._lock:
            self._pending.update(checked)

    def settings(self) -> dict:
        """The settings the next step will use (queued changes included)."""
        with self._lock:
            return {"lr": self.optimizer.lr, "batch_size": self.batch_size,
                    "momentum": self.optimizer.momentum, **self._pending}

    def _apply_pending(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
            step = len(self.steps)
            for name, new in pending.items():
                owner = self if name == "batch_size" else self.optimizer
                old = getattr(owner, name)
                if new != old:
                    setattr(owner, name, new)
                    self.changes.append(Change(step, name, old, new))

    # ---- one step -------------------------------------------------------------------------

    @property
    def epoch(self) -> float:
        """Epochs done so far, with the fraction of the current one."""
        return self.epochs_done + self.position / len(self.X)

    def _next_batch(self) -> np.ndarray:
        if self.position >= len(self.X):
            self.order, self.position = self.rng.permutation(len(self.X)), 0
            self.epochs_done += 1
        idx = self.order[self.position:self.position + self.batch_size]
        self.position += len(idx)
        return idx

    def step(self) -> float:
        """One SGD step with the newest settings; returns the batch loss."""
        if self.running:
            raise RuntimeError("this trainer is running in the background: pause() it before "
                               "calling step()")
        return self._step()

    def _step(self) -> float:
        self._apply_pending()
        idx = self._next_batch()
        Xb, yb = self.X[idx], self.y[idx]
        step = len(self.steps)
        diagnose = step % self.diagnose_every == 0
        before = diagnostics._weights(diagnostics._linear_layers(self.model)) if diagnose else None
        with np.errstate(all="ignore"):  # a too-large lr overflows: reported below, not warned
            loss = self.loss_fn.forward(self.model.forward(Xb), yb)
            self.model.backward(self.loss_fn.backward())
            self.optimizer.step()
            record = diagnostics._measure(self.model, Xb, before) if diagnose else None
        with self._lock:
            self.steps.append(step)
            self.losses.append(loss)
            self.lrs.append(self.optimizer.lr)
            if diagnose:
                self.diag_steps.append(step)
                self.diag.append(record)
        if not math.isfinite(loss) or loss > 100 * max(self.losses[0], 1e-3):
            self.status = "blew up"
            self.message = (f"the loss blew up at step {step} (lr = {self.optimizer.lr:g}): "
                            "lower the learning rate and start again.")
        return loss

    def run(self, num_steps: int) -> None:
        """Take ``num_steps`` steps here, in this thread (stops early if the loss blows up)."""
        with one_blas_thread():
            for _ in range(check_int("num_steps", num_steps, low=0)):
                self.step()
                if self.status == "blew up":
                    break

    def snapshot(self) -> dict:
        """Copies of the history lists (safe to read while the training thread appends)."""
        with self._lock:
            return {"steps": list(self.steps), "losses": list(self.losses),
                    "diag_steps": list(self.diag_steps), "diag": list(self.diag),
                    "changes": list(self.changes)}

    def hints(self, last: int = 10) -> list[str]:
        """The diagnostics' hints over the last ``last`` measurements (empty when healthy)."""
        with self._lock:
            records = self.diag[-last:]
        return diagnostics.hints(records)

    # ---- in the background ----------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, num_epochs: float = 1.0) -> None:
        """Train in a background thread until ``num_epochs`` more epochs are done."""
        if self.status in ("stopped", "blew up"):
            raise RuntimeError(f"this run has {self.status}; build a new trainer to start again")
        num_epochs = check_positive_number("num_epochs", num_epochs)
        self.target_epochs = max(self.target_epochs, self.epoch) + num_epochs
        self.resume()

    def more_epochs(self, num_epochs: float = 1.0) -> None:
        """One more epoch (or ``num_epochs``), added to what is planned; resumes training."""
        self.start(num_epochs)

    def resume(self) -> None:
        """Go on training in the background (does nothing if already running or done)."""
        if self.running or self.status in ("stopped", "blew up"):
            return
        if self.epoch >= self.target_epochs:
            self.status = "finished"
            return
        self._claim()
        install_interrupt_stop()
        self._halt.clear()
        self.status = "running"
        self._thread = threading.Thread(target=self._loop, name="helpers.steer training",
                                        daemon=True)
        self._thread.start()

    def pause(self) -> None:
        """Stop after the current step and wait for the thread to end; ``resume`` goes on."""
        self._join()
        if self.status == "running":
            self.status = "paused"

    def stop(self) -> None:
        """End the run for good (after the current step); the thread is gone when this returns."""
        self._join()
        if self.status != "blew up":
            self.status = "stopped"
        with _REGISTRY_LOCK:
            if _TRAINERS.get(id(self.model)) is self:
                del _TRAINERS[id(self.model)]

    def wait(self, timeout: float | None = None) -> None:
        """Block until the background run ends (finished, paused, stopped or blew up)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _join(self) -> None:
        self._halt.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def _loop(self) -> None:
        with one_blas_thread():
            self._train_until_halted()

    def _train_until_halted(self) -> None:
        while not self._halt.is_set() and self.epoch < self.target_epochs:
            self._step()
            for listener in list(self.listeners):
                listener(self)
            if self.status == "blew up":
                return
            # a short sleep hands the GIL to the kernel's threads: each message they handle
            # takes and releases it many times, and would otherwise wait ~5 ms each time
            time.sleep(YIELD_SECONDS)
        if not self._halt.is_set():
            self.status = "finished"
            for listener in list(self.listeners):
                listener(self)

    def _claim(self) -> None:
        """Make this the only trainer of its model: stop any other one."""
        with _REGISTRY_LOCK:
            other = _TRAINERS.get(id(self.model))
            _TRAINERS[id(self.model)] = self
        if other is not None and other is not self:
            other.stop()
            with _REGISTRY_LOCK:
                _TRAINERS[id(self.model)] = self

    def __repr__(self) -> str:
        return (f"Trainer({self.status}, step {len(self.steps)}, epoch {self.epoch:.2f}, "
                f"lr={self.optimizer.lr:g}, batch_size={self.batch_size}, "
                f"momentum={self.optimizer.momentum:g})")


def _check_data(model, X, y, loss_fn) -> tuple[np.ndarray, np.ndarray]:
    """The model, the training data and the loss of a Trainer, checked once; returns X and y."""
    layers = diagnostics.linear_layers(model)  # a TypeError naming model if it is not an MLP
    n_in, n_out = layers[0].params["W"].shape[0], layers[-1].params["W"].shape[1]
    if not isinstance(loss_fn, (SoftmaxCrossEntropy, MSELoss)):
        raise TypeError(f"loss_fn must be SoftmaxCrossEntropy() or MSELoss(); got {loss_fn!r}")
    X = check_array("X", X, ndim=2)
    if X.shape[1] != n_in or len(X) == 0:
        raise ValueError(f"X must hold at least one example with {n_in} columns (the model's "
                         f"inputs); got shape {X.shape}")
    if isinstance(loss_fn, SoftmaxCrossEntropy):
        y = check_labels("y", y, n_classes=n_out)
    else:
        y = check_array("y", y, ndim=2)
    check_same_length(X, y)
    return X, y


def active_threads() -> list[threading.Thread]:
    """The training threads alive right now (an empty list when nothing trains)."""
    return [t for t in threading.enumerate() if t.name == "helpers.steer training" and t.is_alive()]


def stop_all() -> None:
    """Stop every trainer (what an interrupt of the kernel does)."""
    with _REGISTRY_LOCK:
        trainers = list(_TRAINERS.values())
    for trainer in trainers:
        trainer.stop()


# ---- the kernel's stop button ------------------------------------------------------------
# A kernel interrupt is a SIGINT. While a cell runs, it raises KeyboardInterrupt in that cell;
# while the kernel is idle, ipykernel ignores it. Both cases stop every trainer here.

_INSTALLED = False


def install_interrupt_stop() -> None:
    """In an IPython kernel: make an interrupt stop every trainer (safe to call many times)."""
    global _INSTALLED
    if _INSTALLED or threading.current_thread() is not threading.main_thread():
        return
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    _INSTALLED = True

    def after_cell(result) -> None:
        if isinstance(getattr(result, "error_in_exec", None), KeyboardInterrupt):
            stop_all()

    shell.events.register("post_run_cell", after_cell)
    kernel = getattr(shell, "kernel", None)
    if kernel is not None and hasattr(kernel, "saved_sigint_handler"):
        idle_handler = kernel.saved_sigint_handler  # what runs while no cell runs

        def on_interrupt(signum, frame) -> None:
            threading.Thread(target=stop_all, daemon=True).start()  # never join in a handler
            if callable(idle_handler):
                idle_handler(signum, frame)

        # ipykernel puts this handler back after each cell, so it is the idle-time handler
        kernel.saved_sigint_handler = on_interrupt
        if signal.getsignal(signal.SIGINT) is idle_handler:
            signal.signal(signal.SIGINT, on_interrupt)


def measure_latency(trainer: Trainer, *, num_events: int = 40, pause: float = 0.01) -> dict:
    """How long the kernel's thread waits while ``trainer`` trains in the background.

    Stands in for a widget event: the calling thread asks to wake up after ``pause`` seconds,
    ``num_events`` times, while training runs; its extra delay is the time it waited for the
    GIL. Also times single steps: a loop that yields to the kernel only between steps would
    make an event wait up to one step (plus a redraw). Returns seconds:
    {"thread_median", "thread_max", "step_median", "step_max"}.
    """
    if not isinstance(trainer, Trainer):
        raise TypeError(f"trainer must be a Trainer; got {trainer!r:.80} "
                        f"({type(trainer).__name__})")
    num_events = check_int("num_events", num_events, low=1)
    pause = check_positive_number("pause", pause)
    trainer.start(num_epochs=1000)
    late = []
    try:
        for _ in range(num_events):
            start = time.perf_counter()
            time.sleep(pause)
            late.append(time.perf_counter() - start - pause)
    finally:
        trainer.pause()
    durations = []
    for _ in range(num_events):
        start = time.perf_counter()
        trainer.step()
        durations.append(time.perf_counter() - start)
    return {"thread_median": float(np.median(late)), "thread_max": float(np.max(late)),
            "step_median": float(np.median(durations)), "step_max": float(np.max(durations))}
