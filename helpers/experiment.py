"""The MNIST experiment of notebooks 05 and 06: train a fresh network, and say how it went.

``run_experiment`` trains a 784-hidden-10 network with one optimizer and reports the settings,
the history, the final loss and accuracy, and a verdict in words ("ok", "blew_up", "diverged",
with a message a learner can act on). Notebook 05's panel and notebook 06's optimizer
comparison both run it.
"""

from __future__ import annotations

import contextlib
import math
import time

import numpy as np

from .data import MNIST
from .gd import blew_up
from .layers import mlp
from .losses import SoftmaxCrossEntropy
from .optim import OPTIMIZERS, make_optimizer
from .train import BLOWUP_WINDOW, History, evaluate, train
from .validate import check_batch_size, check_choice, check_int, check_lr

DEFAULTS = {"lr": 0.1, "batch_size": 16, "num_epochs": 7, "hidden": 128, "optimizer": "sgd"}


N_CLASSES = 10


CHANCE_ACCURACY = 1 / N_CLASSES


# blowing up: helpers.gd.blew_up with its factor (5× the first loss), judged on the loss
# averaged over BLOWUP_WINDOW examples (several updates if B < 64), as helpers.train.train does
WORSE_FACTOR = 1.5  # a final training loss this many times the first loss: the run went wrong


ROSE_FACTOR = 1.05  # a final training loss this many times the first one: the loss went up


FEW_UPDATES = 20  # fewer updates than this are too few to learn from


LARGE_LR = 1.0  # a learning rate from here up is not "too small"


def one_blas_thread():
    """Run numpy's matrix products (BLAS) on one thread, from now on or inside ``with``.

    The products here are small (a batch of 16 × 784 times 784 × 128): splitting them over
    threads costs more than it saves, and on a busy machine two BLAS threads were measured up
    to 30 times slower than one. Without ``threadpoolctl`` (installed with scikit-learn, which
    mlxtend needs) this does nothing.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with mlxtend's scikit-learn
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def build_model(hidden: int, seed: int = 0):
    """The notebook's network: mlp([784, hidden, 10]) with ReLU, float32, weights from ``seed``."""
    hidden = check_int("hidden", hidden, low=1)
    return mlp([784, hidden, N_CLASSES], activation="relu", seed=seed)


def run_experiment(data, *, lr=DEFAULTS["lr"], batch_size=DEFAULTS["batch_size"],
                   num_epochs=DEFAULTS["num_epochs"], hidden=DEFAULTS["hidden"],
                   optimizer=DEFAULTS["optimizer"], seed: int = 0, schedule=None,
                   callbacks=(), log_every: int = 50, **hyper) -> dict:
    """Train a fresh 784-``hidden``-10 network on ``data`` and say how it went.

    data: an ``MNIST`` from ``helpers.data.load_mnist`` (X_train (N, 784), y_train (N,), ...).
    lr: learning rate; batch_size: 1 … N; num_epochs >= 1; hidden: hidden units;
    optimizer: "sgd", "momentum", "nesterov", "rmsprop" or "adam" (``hyper`` passes more
    hyperparameters, e.g. momentum=0.5); seed: weights and shuffling;
    schedule: None or a function ``schedule(optimizer, num_steps) -> Schedule``;
    callbacks, log_every: passed on to ``helpers.train.train`` (cb(history) every log_every steps).
    Returns a dict: the settings, ``history``, ``model``, ``train_loss`` (loss of the final
    weights on all training digits), ``test_acc`` (fraction), ``seconds`` (wall-clock time of
    training), ``num_steps``, ``status`` ("ok", "blew_up" or "diverged"), ``message``, ``level``.
    """
    _check_mnist(data)
    lr = check_lr(lr)
    batch_size = check_batch_size(batch_size, len(data.X_train))
    num_epochs = check_int("num_epochs", num_epochs, low=1)
    optimizer = check_choice("optimizer", optimizer, OPTIMIZERS)
    if schedule is not None and not callable(schedule):
        raise TypeError(f"schedule must be None or a function schedule(optimizer, num_steps); "
                        f"got {schedule!r}")
    model = build_model(hidden, seed)
    opt = make_optimizer(optimizer, model.parameters(), lr=lr, **hyper)
    steps_per_epoch = math.ceil(len(data.X_train) / batch_size)
    sched = None if schedule is None else schedule(opt, steps_per_epoch * num_epochs)
    with one_blas_thread():
        start = time.perf_counter()
        history = train(model, SoftmaxCrossEntropy(), opt, data.X_train, data.y_train,
                        batch_size=batch_size, num_epochs=num_epochs, seed=seed,
                        X_test=data.X_test, y_test=data.y_test, callbacks=callbacks,
                        progress=False, log_every=log_every, schedule=sched)
        seconds = time.perf_counter() - start
        with np.errstate(all="ignore"):
            train_loss, _ = evaluate(model, data.X_train, data.y_train)
            _, test_acc = evaluate(model, data.X_test, data.y_test)
    result = {
        "lr": lr, "batch_size": batch_size, "num_epochs": num_epochs, "hidden": int(hidden),
        "optimizer": optimizer, "seed": seed, "history": history, "model": model,
        "train_loss": float(train_loss), "test_acc": float(test_acc), "seconds": seconds,
        "num_steps": history.num_steps,
    }
    result.update(_verdict(history, result))
    return result


def _verdict(history, result) -> dict:
    """Name what happened: "ok", "blew_up" (the loss spiked) or "diverged" (it became NaN/inf).

    Blowing up is judged on the loss averaged over at least BLOWUP_WINDOW examples, so that
    one badly classified example with batch size 1 does not count as a blow-up.
    """
    lr, acc = result["lr"], result["test_acc"]
    at_chance = acc < 2 * CHANCE_ACCURACY
    epochs = plural(result["num_epochs"], "epoch")
    if history.status == "diverged":
        return {"status": "diverged", "level": "error", "message": (
            f"{history.message} Nothing was learnt that can be trusted: test accuracy "
            f"{acc:.1%}.")}
    window = max(1, math.ceil(BLOWUP_WINDOW / result["batch_size"]))
    losses = np.asarray(history.step_loss, dtype=float)
    usable = len(losses) - len(losses) % window
    means = losses[:usable].reshape(-1, window).mean(axis=1) if usable else losses[:1]
    if history.status == "blew_up":  # train stopped it: the last window is the one that blew up
        means = np.append(means, losses[-window:].mean())
    # the baseline is the very first loss, measured before any update (about ln 10)
    first, peak = losses[0], int(np.argmax(means))
    if history.status == "blew_up" or blew_up(means[peak], first) \
            or blew_up(result["train_loss"], first, WORSE_FACTOR):
        ending = ("the network ended no better than guessing"
                  if at_chance else "the network recovered only partly")
        return {"status": "blew_up", "level": "error", "message": (
            f"The loss blew up: from {first:.2f} at the start to {means[peak]:.3g} around "
            f"update {min((peak + 1) * window, len(losses))}, and {ending} ({acc:.1%} test "
            "accuracy). The "
            f"learning rate {lr:g} is too large for {result['optimizer']} here: try one about "
            "10× smaller.")}
    summary = (f"Test accuracy {acc:.1%} after {epochs}, {plural(result['num_steps'], 'update')} "
               f"of batch size {result['batch_size']} (final training loss "
               f"{result['train_loss']:.3f}).")
    if at_chance:
        return {"status": "ok", "level": "warn", "message": (
            f"{summary} That is no better than guessing. {_why_no_progress(first, result)}")}
    return {"status": "ok", "level": "ok", "message": summary}


def _why_no_progress(first, result) -> str:
    """Why a run that did not blow up still ended at chance: lr too large, too few updates, or
    (only if the loss did not go up and lr is not large) lr too small."""
    lr, final, steps = result["lr"], result["train_loss"], result["num_steps"]
    reasons = []
    if final > ROSE_FACTOR * first:
        reasons.append(f"The training loss went up, from {first:.2f} to {final:.2f}: the "
                       f"learning rate {lr:g} is too large for {result['optimizer']} here; try "
                       "one about 10× smaller.")
    if steps < FEW_UPDATES:
        reasons.append(f"{plural(steps, 'update').capitalize()} {'is' if steps == 1 else 'are'} "
                       "too few to learn from: try more epochs or a smaller batch size.")
    if reasons:
        return " ".join(reasons)
    if lr < LARGE_LR:
        return (f"The learning rate {lr:g} is too small to get anywhere in this many updates: "
                "try a larger one or more epochs.")
    return f"The learning rate {lr:g} is large: try one about 10× smaller."


def plural(n: int, word: str) -> str:
    """Count a noun: "1 update", "2 updates", "4,000 updates"."""
    n = check_int("n", n, low=0)
    if not isinstance(word, str):
        raise TypeError(f"word must be a string; got {word!r}")
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _check_mnist(data) -> None:
    if not isinstance(data, MNIST):
        raise TypeError(f"data must be an MNIST from helpers.data.load_mnist(); got "
                        f"{type(data).__name__}")


def smoothed_loss(history, n_train: int, max_points: int = 300):
    """The minibatch loss averaged over windows of about a tenth of an epoch, against epochs.

    Returns (epochs, loss): (m,) arrays, m <= max_points; empty arrays before the first step.
    """
    if not isinstance(history, History):
        raise TypeError(f"history must be the History that train() returned; got {history!r}")
    n_train = check_int("n_train", n_train, low=1)
    max_points = check_int("max_points", max_points, low=1)
    losses = np.asarray(history.step_loss, dtype=float)
    if len(losses) == 0:
        return np.zeros(0), np.zeros(0)
    seen = np.asarray(history.examples_seen, dtype=float)
    steps_per_epoch = max(1, round(n_train / max(seen[0], 1)))
    window = max(1, steps_per_epoch // 10, len(losses) // max_points)
    usable = len(losses) - len(losses) % window if len(losses) >= window else len(losses)
    if usable < window:  # fewer steps than one window: show them as they are
        return seen / n_train, losses
    means = losses[:usable].reshape(-1, window).mean(axis=1)
    return seen[window - 1:usable:window] / n_train, means
