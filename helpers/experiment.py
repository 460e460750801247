"""The MNIST experiment of notebooks 05 and 06: train a fresh network, and say how it went.

``run_experiment`` trains a 784-hidden-10 network with one optimizer and reports the settings,
the history, the final loss and validation accuracy, and a verdict in words ("ok", "blew_up",
"diverged", with a message a learner can act on). Notebook 05's panel and notebook 06's optimizer
comparison both run it.

Every comparison, choice and early stop is made on a **validation set**, 800 digits split off
the training digits (``split_validation``); the test digits are scored once, at the very end
(``final_exam``). ``RECIPE`` and ``run_recipe`` are the final recipe of notebook 06.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from .data import MNIST, stratified_split
from .gd import blew_up
from .layers import mlp
from .losses import SoftmaxCrossEntropy
from .optim import OPTIMIZERS, make_optimizer
from .schedules import CosineAnnealingLR
from .timing import one_blas_thread  # the notebooks call experiment.one_blas_thread() too
from .train import BLOWUP_WINDOW, History, evaluate, train
from .validate import check_batch_size, check_choice, check_int, check_lr, check_seed

DEFAULTS = {"lr": 0.1, "batch_size": 16, "num_epochs": 7, "hidden": 128, "optimizer": "sgd"}


N_CLASSES = 10


N_VAL = 800  # validation digits split off the training digits (a fifth of the sample's 4,000)




# the final recipe (notebook 06): what the course taught, on the network of notebook 05
RECIPE = {
    "optimizer": "momentum",  # heavy-ball SGD, beta = 0.9
    "lr": 0.05,
    "momentum": 0.9,
    "weight_decay": 5e-4,  # L2 weight decay (SGD: the same as decoupled decay)
    "schedule": "cosine",  # half a cosine from lr down to 0 over max_epochs
    "batch_size": 32,
    "hidden": 128,
    "max_epochs": 10,
    "patience": 4,  # early stopping: stop after this many epochs without a better val accuracy
}


CHANCE_ACCURACY = 1 / N_CLASSES


# blowing up: helpers.gd.blew_up with its factor (5× the first loss), judged on the loss
# averaged over BLOWUP_WINDOW examples (several updates if B < 64), as helpers.train.train does
WORSE_FACTOR = 1.5  # a final training loss this many times the first loss: the run went wrong


ROSE_FACTOR = 1.05  # a final training loss this many times the first one: the loss went up


FEW_UPDATES = 20  # fewer updates than this are too few to learn from


LARGE_LR = 1.0  # a learning rate from here up is not "too small"


@dataclass(repr=False)
class SplitMNIST(MNIST):
    """An ``MNIST`` whose training digits were split in two: X_train, y_train to learn from,
    X_val (n_val, 784), y_val (n_val,) to compare and choose on; X_test, y_test kept for the end.
    """

    X_val: np.ndarray = None
    y_val: np.ndarray = None

    def __repr__(self) -> str:
        return (f"{super().__repr__()[:-1]}, X_val: {self.X_val.dtype} {self.X_val.shape}, "
                f"y_val: {self.y_val.dtype} {self.y_val.shape})")


def split_validation(data, n_val: int | None = None, seed: int = 0) -> SplitMNIST:
    """Split ``n_val`` validation digits off the training digits, each class in proportion.

    data: an ``MNIST`` (from ``helpers.data.load_mnist``). n_val: N_VAL (800) by default, or a
    fifth of the training digits when there are fewer than 5 × 800. Returns a ``SplitMNIST``:
    the other training digits as X_train, y_train, the split-off ones as X_val, y_val, the test
    digits unchanged. The same ``seed`` gives the same split; already split data are returned
    as they are.
    """
    _check_mnist(data)
    seed = check_seed(seed)
    if n_val is not None:
        n_val = check_int("n_val", n_val, low=1, high=len(data.y_train) - 1)
    if has_validation(data):
        return data
    if n_val is None:
        n_val = min(N_VAL, max(1, len(data.y_train) // 5))
    train_idx, val_idx = stratified_split(data.y_train, n_val, seed)
    return SplitMNIST(data.X_train[train_idx], data.y_train[train_idx], data.X_test, data.y_test,
                      data.source, f"{data.description}; {len(val_idx):,} of the training digits "
                      f"kept for validation (seed {seed})",
                      X_val=data.X_train[val_idx], y_val=data.y_train[val_idx])


def has_validation(data) -> bool:
    """True if ``data`` carries a validation set (X_val, y_val)."""
    return getattr(data, "X_val", None) is not None


def final_exam(model, data) -> float:
    """The test accuracy of ``model`` on ``data``'s test digits: call it once, at the very end.

    Every choice before (learning rate, optimizer, schedule, when to stop) is made on the
    validation digits; the test digits then say how well the chosen network does on digits
    nothing was chosen on.
    """
    _check_mnist(data)
    with np.errstate(all="ignore"):
        return float(evaluate(model, data.X_test, data.y_test)[1])


def build_model(hidden: int, seed: int = 0):
    """The notebook's network: mlp([784, hidden, 10]) with ReLU, float32, weights from ``seed``."""
    hidden = check_int("hidden", hidden, low=1)
    return mlp([784, hidden, N_CLASSES], activation="relu", seed=seed)


def run_experiment(data, *, lr=DEFAULTS["lr"], batch_size=DEFAULTS["batch_size"],
                   num_epochs=DEFAULTS["num_epochs"], hidden=DEFAULTS["hidden"],
                   optimizer=DEFAULTS["optimizer"], seed: int = 0, schedule=None,
                   callbacks=(), log_every: int = 50, **hyper) -> dict:
    """Train a fresh 784-``hidden``-10 network on ``data`` and say how it went.

    data: an ``MNIST`` from ``helpers.data.load_mnist`` (X_train (N, 784), y_train (N,), ...);
    without a validation set it is split first (``split_validation(data)``: N - 800 to train).
    lr: learning rate; batch_size: 1 … N; num_epochs >= 1; hidden: hidden units;
    optimizer: "sgd", "momentum", "nesterov", "rmsprop", "adam", "adagrad" or "adamw"
    (``hyper`` passes more hyperparameters, e.g. momentum=0.5); seed: weights and shuffling;
    schedule: None or a function ``schedule(optimizer, num_steps) -> Schedule``;
    callbacks, log_every: passed on to ``helpers.train.train`` (cb(history) every log_every steps).
    Returns a dict: the settings, ``history`` (its ``test_acc`` holds the validation accuracy
    after each epoch), ``model``, ``train_loss`` (loss of the final weights on all training
    digits), ``val_acc`` (fraction of the validation digits), ``seconds`` (wall-clock time of
    training), ``num_steps``, ``status`` ("ok", "blew_up" or "diverged"), ``message``, ``level``.
    The test digits are not touched: score the chosen network once with ``final_exam``.
    """
    _check_mnist(data)
    data = split_validation(data)
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
                        X_test=data.X_val, y_test=data.y_val, callbacks=callbacks,
                        progress=False, log_every=log_every, schedule=sched)
        seconds = time.perf_counter() - start
        with np.errstate(all="ignore"):
            train_loss, _ = evaluate(model, data.X_train, data.y_train)
            _, val_acc = evaluate(model, data.X_val, data.y_val)
    result = {
        "lr": lr, "batch_size": batch_size, "num_epochs": num_epochs, "hidden": int(hidden),
        "optimizer": optimizer, "seed": seed, "history": history, "model": model,
        "train_loss": float(train_loss), "val_acc": float(val_acc), "seconds": seconds,
        "num_steps": history.num_steps,
    }
    result.update(_verdict(history, result))
    return result


RECIPE_SCHEDULES = ("constant", "cosine")


def run_recipe(data, recipe=None, *, seed: int = 0) -> dict:
    """Train the 784-hidden-10 network with ``recipe`` (default ``RECIPE``), stopping early.

    data: an ``MNIST`` (split with ``split_validation`` if it has no validation set).
    recipe: a dict with the keys of ``RECIPE``; the optimizer's own hyperparameters (momentum,
    weight_decay, ...) are passed on to it. The learning rate follows ``schedule`` over
    ``max_epochs``; after every epoch the validation accuracy is measured, and training stops
    once it has not improved for ``patience`` epochs. The weights of the best epoch are kept.
    Returns a dict: ``model`` (best weights), ``history`` (``test_acc``: validation accuracy per
    epoch), ``best_epoch``, ``epochs_run``, ``val_acc`` (at the best epoch), ``seconds``.
    The test digits are not touched: score ``model`` once with ``final_exam``.
    """
    _check_mnist(data)
    data = split_validation(data)
    recipe = dict(RECIPE if recipe is None else recipe)
    missing = [key for key in RECIPE if key not in recipe and key not in ("momentum",
                                                                         "weight_decay")]
    if missing:
        raise ValueError(f"recipe must have the keys of RECIPE; missing: {', '.join(missing)}")
    name, lr = recipe.pop("optimizer"), check_lr(recipe.pop("lr"))
    schedule = check_choice("recipe['schedule']", recipe.pop("schedule"), RECIPE_SCHEDULES)
    batch_size = check_batch_size(recipe.pop("batch_size"), len(data.X_train))
    max_epochs = check_int("recipe['max_epochs']", recipe.pop("max_epochs"), low=1)
    patience = check_int("recipe['patience']", recipe.pop("patience"), low=1)
    model = build_model(recipe.pop("hidden"), seed)
    opt = make_optimizer(name, model.parameters(), lr=lr, **recipe)
    num_steps = math.ceil(len(data.X_train) / batch_size) * max_epochs
    sched = CosineAnnealingLR(opt, T_max=num_steps) if schedule == "cosine" else None
    best = {"acc": -1.0, "epoch": 0, "weights": None}

    def early_stop(history):
        # called every log_every steps and after each epoch: act only on a new epoch's accuracy
        epoch = len(history.test_acc)
        if epoch == 0 or epoch == best.get("seen"):
            return True
        best["seen"] = epoch
        if history.test_acc[-1] > best["acc"]:
            best.update(acc=history.test_acc[-1], epoch=epoch,
                        weights=[p.copy() for p, _ in model.parameters()])
        return epoch - best["epoch"] < patience

    with one_blas_thread():
        start = time.perf_counter()
        history = train(model, SoftmaxCrossEntropy(), opt, data.X_train, data.y_train,
                        batch_size=batch_size, num_epochs=max_epochs, seed=seed,
                        X_test=data.X_val, y_test=data.y_val, callbacks=(early_stop,),
                        progress=False, log_every=num_steps + 1, schedule=sched)
        seconds = time.perf_counter() - start
    if best["weights"] is not None:
        for (p, _), saved in zip(model.parameters(), best["weights"]):
            p[...] = saved
    return {"model": model, "history": history, "best_epoch": best["epoch"],
            "epochs_run": len(history.test_acc), "val_acc": float(best["acc"]),
            "seconds": seconds, "status": history.status}


def _verdict(history, result) -> dict:
    """Name what happened: "ok", "blew_up" (the loss spiked) or "diverged" (it became NaN/inf).

    Blowing up is judged on the loss averaged over at least BLOWUP_WINDOW examples, so that
    one badly classified example with batch size 1 does not count as a blow-up.
    """
    lr, acc = result["lr"], result["val_acc"]
    at_chance = acc < 2 * CHANCE_ACCURACY
    epochs = plural(result["num_epochs"], "epoch")
    if history.status == "diverged":
        return {"status": "diverged", "level": "error", "message": (
            f"{history.message} Nothing was learnt that can be trusted: validation "
            f"accuracy "
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
            f"update {min((peak + 1) * window, len(losses))}, and {ending} ({acc:.1%} validation "
            "accuracy). The "
            f"learning rate {lr:g} is too large for {result['optimizer']} here: try one about "
            "10× smaller.")}
    updates = plural(result["num_steps"], "update")
    summary = (f"Validation accuracy {acc:.1%} after {epochs}, {updates} "
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
