"""Train a network in a background thread and steer it while it runs (skip this file: it is
machinery; deep dive D5 shows what to do with it).

A kernel runs one cell at a time, so a training loop in a cell would hold back every button press.
``Trainer.start`` runs the loop in a thread instead (numpy's matrix products release Python's
global lock, so the kernel stays free for widgets); ``set``, ``pause``, ``resume`` and ``stop``
steer it from the kernel's thread. The rules that keep it correct:

- one lock, ``trainer.lock``, is held by a step from its forward pass to its update and taken by
  every read from another thread (``snapshot``, ``evaluate``): no one reads half-written weights;
- at most one trainer trains: building or starting one pauses any other that runs, so re-running
  a cell never leaves an old thread training behind the new one;
- ``pause`` and ``stop`` wait a bounded time, and say so (False and a message) if the thread has
  not ended by then: it ends after the step it is in;
- the model and the data are checked when the Trainer is built, with one forward and backward
  pass; a failure in the thread ends the run with status "failed" and the error in ``message``;
  a blow-up is judged by the package's one rule, ``helpers.gd.blew_up``;
- this module is the one owner of the BLAS thread count: the first Trainer sets it to one for
  the process, for good (threadpoolctl). Two threads each running a multi-threaded BLAS on a
  laptop's few cores wait on each other, and these small products are faster on one thread.

The kernel's interrupt button does not reach the training thread (Python delivers signals to the
main thread only, and the kernel's handlers are left alone): use ``stop`` or ``stop_all``.
"""

from __future__ import annotations

import math
import threading
import time
import weakref
from dataclasses import dataclass

import numpy as np

from helpers.gd import blew_up
from helpers.kit.checks import check_fraction, check_int, check_positive, check_rng
from helpers.layers import Layer, linear_layers
from helpers.losses import SoftmaxCrossEntropy
from helpers.optim import SGD
from helpers.train import BLOWUP_WINDOW, check_data, evaluate

THREAD_NAME = "helpers training thread"
YIELD_SECONDS = 0.001  # after each step: hands the interpreter to the kernel's thread at once
ENDED = ("stopped", "blew up", "failed")  # a run in one of these states cannot go on
_TRAINERS: weakref.WeakSet = weakref.WeakSet()  # every Trainer alive (a running one is kept alive
_REGISTRY = threading.Lock()  # by its thread), so that a new one can pause the others
_BLAS = []  # the one threadpoolctl limit, kept for the life of the process


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

    model: a classifier of Linear layers, e.g. ``mlp([784, 64, 10])``; X (N, n_in); y (N,) labels;
    lr, batch_size, momentum: the first settings; seed: the order of the batches. diagnose:
    ``diagnose(model, W_before) -> record``, called every ``diagnose_every`` steps right after
    the step, under the lock (W_before: the Linear layers' W before it). History: ``losses`` (per
    step), ``diag_steps``, ``diag``, ``changes``. status: "ready", "running", "paused",
    "finished" (the epochs asked for are done), "stopped", "blew up" or "failed"; ``message``.
    """

    def __init__(self, model, X, y, *, lr=0.02, batch_size=64, momentum=0.9, seed=0,
                 diagnose=None, diagnose_every=5):
        _pause_others(None)  # a cell re-run: the old run must not train on behind this one
        self.X, self.y = _check(model, X, y)
        self.model, self.loss_fn = model, SoftmaxCrossEntropy()
        self.optimizer = SGD(model.parameters(), lr=lr, momentum=momentum)
        self.batch_size = check_int("batch_size", batch_size, low=1, high=len(self.X))
        self.rng = check_rng(seed)
        self.diagnose = diagnose
        self.diagnose_every = check_int("diagnose_every", diagnose_every, low=1)
        self.reference = math.log(linear_layers(model)[-1].params["W"].shape[1])  # blind guess
        self.order, self.position, self.epochs_done, self.target_epochs = None, 0, 0, 0.0
        self.losses, self.diag_steps, self.diag, self.changes = [], [], [], []
        self.status, self.message, self.error = "ready", "", None
        self.listeners = []  # functions listener(trainer), called in the thread after each step
        self.lock = threading.Lock()
        self._pending, self._halt, self._halt_as, self._thread = {}, threading.Event(), "", None
        if not _BLAS:
            from threadpoolctl import threadpool_limits

            _BLAS.append(threadpool_limits(limits=1, user_api="blas"))  # never restored
        with _REGISTRY:
            _TRAINERS.add(self)

    # ---- settings and one step ------------------------------------------------------------

    def set(self, **settings) -> None:
        """Queue new settings (lr, batch_size, momentum); the next step applies them."""
        checks = {"lr": check_positive, "momentum": check_fraction,
                  "batch_size": lambda name, v: check_int(name, v, low=1, high=len(self.X))}
        if not set(settings) <= set(checks):
            raise ValueError(f"settings must be lr, batch_size or momentum; got {list(settings)}")
        checked = {name: checks[name](name, value) for name, value in settings.items()}
        with self.lock:
            self._pending.update(checked)

    def settings(self) -> dict:
        """The settings the next step will use (queued changes included)."""
        with self.lock:
            return {"lr": self.optimizer.lr, "batch_size": self.batch_size,
                    "momentum": self.optimizer.momentum, **self._pending}

    @property
    def epoch(self) -> float:
        """Epochs done so far, with the fraction of the current one."""
        return self.epochs_done + self.position / len(self.X)

    def step(self) -> float:
        """One step here, in this thread, with the newest settings; returns the batch loss."""
        if self.running:
            raise RuntimeError("this trainer is running in the background: pause() it first")
        return self._step()

    def run(self, num_steps: int) -> None:
        """``num_steps`` steps here, in this thread (fewer if the loss blows up)."""
        for _ in range(check_int("num_steps", num_steps, low=0)):
            if self.status in ENDED:
                break
            self.step()

    def _step(self) -> float:
        with self.lock:
            for name, new in self._pending.items():  # settings change between steps only
                owner = self if name == "batch_size" else self.optimizer
                if getattr(owner, name) != new:
                    self.changes.append(Change(len(self.losses), name, getattr(owner, name), new))
                    setattr(owner, name, new)
            self._pending = {}
            if self.order is None or self.position >= len(self.X):
                self.epochs_done += self.order is not None
                self.order, self.position = self.rng.permutation(len(self.X)), 0
            idx = self.order[self.position:self.position + self.batch_size]
            self.position += len(idx)
            step = len(self.losses)
            diagnose = self.diagnose is not None and step % self.diagnose_every == 0
            before = diagnose and [lin.params["W"].copy() for lin in linear_layers(self.model)]
            with np.errstate(all="ignore"):  # a blow-up is reported below, not warned about
                loss = self.loss_fn.forward(self.model.forward(self.X[idx]), self.y[idx])
                self.model.backward(self.loss_fn.backward())
                self.optimizer.step()
                if diagnose:
                    self.diag_steps.append(step)
                    self.diag.append(self.diagnose(self.model, before))
            self.losses.append(loss)
            recent = self.losses[-math.ceil(BLOWUP_WINDOW / self.batch_size):]
            if not math.isfinite(loss) or blew_up(sum(recent) / len(recent), self.reference):
                self.status = "blew up"
                self.message = (f"the loss blew up at step {step} (lr {self.optimizer.lr:g}): "
                                "build a new network and start again with a smaller lr.")
        return loss

    # ---- reading from another thread --------------------------------------------------------

    def snapshot(self) -> dict:
        """Copies of the history (safe to read while the thread trains)."""
        with self.lock:
            return {"losses": list(self.losses), "diag_steps": list(self.diag_steps),
                    "diag": list(self.diag), "changes": list(self.changes)}

    def evaluate(self, X, y) -> tuple[float, float]:
        """(loss, accuracy) of the model on (X, y), between two steps (``helpers.train``)."""
        with self.lock:
            return evaluate(self.model, X, y)

    # ---- in the background --------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, num_epochs: float = 1.0) -> None:
        """Train ``num_epochs`` more epochs in a background thread; returns at once."""
        if self.status in ENDED:
            raise RuntimeError(f"this run has {self.status}; build a new Trainer to start again")
        self.target_epochs = max(self.target_epochs, self.epoch) + check_positive(
            "num_epochs", num_epochs)
        self.resume()

    def resume(self) -> None:
        """Go on training in the background (nothing to do if running, ended or finished)."""
        if self.running or self.status in ENDED:
            return
        if self.epoch >= self.target_epochs:
            self.status = "finished"
            return
        _pause_others(self)
        self._halt.clear()
        self.status = "running"
        self._thread = threading.Thread(target=self._loop, name=THREAD_NAME, daemon=True)
        self._thread.start()

    def pause(self, timeout: float = 2.0) -> bool:
        """Stop the thread after its current step; ``resume`` goes on. True once it has ended."""
        return self._halt_thread("paused", timeout)

    def stop(self, timeout: float = 2.0) -> bool:
        """End the run for good, after the current step. True once the thread has ended."""
        return self._halt_thread("stopped", timeout)

    def wait(self, timeout: float = 60.0) -> bool:
        """Wait up to ``timeout`` seconds for the background run to end; True if it did."""
        thread = self._thread
        if thread is not None:
            thread.join(check_positive("timeout", timeout))
        return not self.running

    def _halt_thread(self, status: str, timeout: float) -> bool:
        self._halt_as = status
        self._halt.set()
        thread = self._thread
        if thread is None or not thread.is_alive():
            if status == "stopped" and self.status not in ENDED:
                self.status = "stopped"
            return True
        if thread is threading.current_thread():  # called by a listener: it ends after this step
            return False
        thread.join(check_positive("timeout", timeout))
        if thread.is_alive():
            self.message = (f"the training thread did not end within {timeout:g} s; it ends "
                            f"after the step it is in (it will be {status} then).")
            return False
        return True

    def _loop(self) -> None:
        try:
            while not self._halt.is_set() and self.epoch < self.target_epochs:
                self._step()
                if self.status == "blew up":
                    break
                for listener in list(self.listeners):
                    listener(self)
                time.sleep(YIELD_SECONDS)
            if self.status == "running":
                self.status = self._halt_as if self._halt.is_set() else "finished"
        except Exception as exc:  # noqa: BLE001 - shown where the run is watched, not elsewhere
            self.status, self.error = "failed", exc
            self.message = (f"training failed at step {len(self.losses)}: "
                            f"{type(exc).__name__}: {exc}")
        for listener in list(self.listeners):  # the last call: the run has ended
            try:
                listener(self)
            except Exception:  # noqa: BLE001 - its status already says how the run ended
                pass

    def __repr__(self) -> str:
        return (f"Trainer({self.status}, step {len(self.losses)}, epoch {self.epoch:.2f}, "
                f"lr={self.optimizer.lr:g}, batch_size={self.batch_size}, "
                f"momentum={self.optimizer.momentum:g})")


def _check(model, X, y):
    """The model and the data of a Trainer, checked once: (X in the model's dtype, y)."""
    linears = linear_layers(model) if isinstance(model, Layer) else []
    if not linears:
        raise TypeError(f"model must be a network of Linear layers, e.g. mlp([784, 64, 10]); "
                        f"got {type(model).__name__}")
    loss_fn = SoftmaxCrossEntropy()
    X, y = check_data(model, loss_fn, X, y)  # train()'s checks, each naming cause and fix
    # one forward and backward pass: a failure shows here, not in the training thread
    loss_fn.forward(model.forward(X[:2]), y[:2])
    model.backward(loss_fn.backward())
    return X, y


def _pause_others(trainer) -> None:
    """Pause every running trainer but ``trainer``: at most one thread trains."""
    with _REGISTRY:
        others = [t for t in _TRAINERS if t is not trainer and t.running]
    for other in others:
        other.pause()


def active_threads() -> list[threading.Thread]:
    """The training threads alive right now (an empty list when nothing trains)."""
    return [t for t in threading.enumerate() if t.name == THREAD_NAME and t.is_alive()]


def stop_all(timeout: float = 2.0) -> bool:
    """Stop every trainer; True when no training thread is left."""
    with _REGISTRY:
        trainers = list(_TRAINERS)
    return all([trainer.stop(timeout) for trainer in trainers])
