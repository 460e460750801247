"""Notebook 05, SGD on MNIST: one experiment as a pure function, the Train panel, the measurements.

The network is the notebook's 784-H-10 multilayer perceptron (ReLU, softmax cross-entropy),
trained by ``helpers.train.train``. What lives here:

- ``run_experiment``        one training run from its settings: history, model, final numbers and a
                            plain verdict (``"ok"``, ``"blew_up"``, ``"diverged"``); no widgets
- ``batch_size_sweep``      batch sizes 1 … N measured: updates and seconds per epoch, accuracy
                            after a fixed number of epochs and after a fixed wall-clock budget
- ``confusion_matrix``, ``most_confident_mistakes``: what the trained network gets wrong
- ``plot_confusion_matrix``, ``show_weight_images``, ``plot_runs``: the figures
- ``TrainingPanel`` / ``make_panel()``: sliders, a Train button, a progress bar, a live figure and a
  table with one row per run, so runs with the same seed can be compared side by side.

The default settings (``DEFAULTS``) are the notebook's default configuration: on the offline
sample (4,000 training digits) they reach about 93% test accuracy in about a second.
"""

from __future__ import annotations

import contextlib
import html
import math
import time

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from ..data import MNIST
from ..gd import blew_up
from ..layers import Layer, mlp
from ..losses import SoftmaxCrossEntropy, softmax
from ..optim import OPTIMIZERS, make_optimizer
from ..plots import COLORS, PALETTE, figure_png, plain_log_ticks
from ..train import BLOWUP_WINDOW, History, evaluate, train
from ..validate import (
    check_array,
    check_batch_size,
    check_choice,
    check_int,
    check_ints,
    check_labels,
    check_lr,
    check_positive_number,
    check_same_length,
    check_seed,
)
from ..widgets import batch_size_slider, dropdown, int_slider, lr_slider, message_html

DEFAULTS = {"lr": 0.1, "batch_size": 16, "num_epochs": 7, "hidden": 128, "optimizer": "sgd"}
HIDDEN_OPTIONS = (16, 32, 64, 128, 256, 512)
N_CLASSES = 10
CHANCE_ACCURACY = 1 / N_CLASSES
# blowing up: helpers.gd.blew_up with its factor (5× the first loss), judged on the loss
# averaged over BLOWUP_WINDOW examples (several updates if B < 64), as helpers.train.train does
WORSE_FACTOR = 1.5  # a final training loss this many times the first loss: the run went wrong
ROSE_FACTOR = 1.05  # a final training loss this many times the first one: the loss went up
FEW_UPDATES = 20  # fewer updates than this are too few to learn from
LARGE_LR = 1.0  # a learning rate from here up is not "too small"
# run k gets colour k: Okabe–Ito without its yellow (too pale on white) until run 8
RUN_COLORS = [c for c in PALETTE[1:] if c != "#F0E442"] + [PALETTE[0], "#F0E442"]


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


def subset(data, n_train: int):
    """The same data with only the first ``n_train`` training digits (the test set unchanged)."""
    _check_mnist(data)
    n_train = check_int("n_train", n_train, low=1, high=len(data.X_train))
    return MNIST(data.X_train[:n_train], data.y_train[:n_train], data.X_test, data.y_test,
                 data.source, f"{data.description}; first {n_train:,} training digits")


def compare_sampling(data, *, lr=DEFAULTS["lr"], batch_size=DEFAULTS["batch_size"],
                     num_epochs: int = 4, hidden=DEFAULTS["hidden"], seed: int = 0) -> dict:
    """Shuffle-every-epoch against drawing the examples with replacement, same budget.

    "shuffle": each epoch visits every training digit once (``helpers.train.train``);
    "replacement": each epoch trains on N digits drawn at random with replacement, so some come
    twice and others not at all. Same network, seed, lr, batch size and number of updates.
    Returns {"shuffle": row, "replacement": row}, each row a dict with ``train_loss``,
    ``train_acc``, ``test_acc`` and ``never_seen`` (mean fraction of the digits an epoch missed).
    """
    _check_mnist(data)
    lr = check_lr(lr)
    num_epochs = check_int("num_epochs", num_epochs, low=1)
    n = len(data.X_train)
    batch_size = check_batch_size(batch_size, n)
    rows = {}
    with one_blas_thread():
        for sampling in ("shuffle", "replacement"):
            rows[sampling] = _train_sampled(data, sampling, n, lr=lr, batch_size=batch_size,
                                            num_epochs=num_epochs, hidden=hidden, seed=seed)
    return rows


def _train_sampled(data, sampling, n, *, lr, batch_size, num_epochs, hidden, seed) -> dict:
    """One run of ``compare_sampling``: "shuffle" or "replacement"."""
    model = build_model(hidden, seed)
    opt = make_optimizer("sgd", model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    missed = []
    for _ in range(check_int("num_epochs", num_epochs, low=1)):
        if sampling == "shuffle":
            idx = np.arange(n)  # train() shuffles: every digit exactly once
        else:
            idx = rng.integers(0, n, size=n)  # N draws with replacement
        missed.append(1 - len(np.unique(idx)) / n)
        train(model, SoftmaxCrossEntropy(), opt, data.X_train[idx], data.y_train[idx],
              batch_size=batch_size, num_epochs=1, seed=rng, progress=False)
    train_loss, train_acc = evaluate(model, data.X_train, data.y_train)
    _, test_acc = evaluate(model, data.X_test, data.y_test)
    return {"train_loss": train_loss, "train_acc": train_acc, "test_acc": test_acc,
            "never_seen": float(np.mean(missed))}


# ---- the batch-size measurement ----------------------------------------------------------------

def batch_size_sweep(data, batch_sizes, *, n_train: int | None = None, lr: float = 0.1,
                     hidden: int = 128, num_epochs: int = 1, budget_seconds: float = 0.15,
                     optimizer: str = "sgd", seed: int = 0) -> list[dict]:
    """Train once per batch size and measure what a batch size buys.

    data: an ``MNIST``; only its first ``n_train`` training digits are used (all if None), so
    that an epoch of batch size 1 stays short. batch_sizes: each from 1 to n_train.
    Each run trains a fresh network (same seed, same lr) until it has done ``num_epochs``
    epochs AND spent ``budget_seconds`` of wall-clock time, and records:
    ``updates_per_epoch`` = ceil(n_train / batch_size); ``seconds_per_update`` (mean training
    time of an update, test evaluations left out) and ``seconds_per_epoch`` (that × updates);
    ``acc_epochs``: test accuracy after ``num_epochs`` epochs (deterministic);
    ``acc_budget``, ``steps_in_budget``: test accuracy and updates done when the budget ran out
    (these depend on the machine and on how busy it is).
    Returns one dict per batch size, in the order given.
    """
    _check_mnist(data)
    lr = check_lr(lr)
    optimizer = check_choice("optimizer", optimizer, OPTIMIZERS)
    budget_seconds = check_positive_number("budget_seconds", budget_seconds)
    num_epochs = check_int("num_epochs", num_epochs, low=1)
    if isinstance(batch_sizes, (str, bytes)) or not np.iterable(batch_sizes):
        raise TypeError(f"batch_sizes must be a list of batch sizes, e.g. [1, 16, 256]; got "
                        f"{batch_sizes!r}")
    n = len(data.X_train) if n_train is None else check_int(
        "n_train", n_train, low=1, high=len(data.X_train))
    X_train, y_train = data.X_train[:n], data.y_train[:n]
    sizes = check_ints("batch_sizes", batch_sizes, low=1, high=n)
    rows = []
    with one_blas_thread():
        for b in sizes:
            rows.append(_measure_batch_size(data, X_train, y_train, b, lr=lr, hidden=hidden,
                                            num_epochs=num_epochs, budget_seconds=budget_seconds,
                                            optimizer=optimizer, seed=seed))
    return rows


def _measure_batch_size(data, X_train, y_train, batch_size, *, lr, hidden, num_epochs,
                        budget_seconds, optimizer, seed) -> dict:
    """One run of ``batch_size_sweep``: train until both marks are passed, measure at each.

    The clock counts training only: the test evaluations (after each epoch and at the budget)
    are timed and left out, so that a full-batch update is not charged for them.
    """
    model = build_model(hidden, seed)
    opt = make_optimizer(optimizer, model.parameters(), lr=lr)
    clock = {"start": time.perf_counter(), "last_step": None, "evaluating": 0.0, "evals": 0}
    found = {}

    def watch(history):
        # called after every update and again after each epoch's test evaluation
        now = time.perf_counter()
        if len(history.test_acc) > clock["evals"]:  # the epoch-end call: charge the evaluation
            clock["evaluating"] += now - clock["last_step"]
            clock["evals"] = len(history.test_acc)
        else:
            clock["last_step"] = now
            training = now - clock["start"] - clock["evaluating"]
            found["training_seconds"], found["steps"] = training, history.num_steps
            if "acc_budget" not in found and training >= budget_seconds:
                found["steps_in_budget"] = history.num_steps
                found["acc_budget"] = evaluate(model, data.X_test, data.y_test)[1]
                clock["evaluating"] += time.perf_counter() - now
        return not ("acc_budget" in found and len(history.test_acc) >= num_epochs)

    epochs_cap = num_epochs + 10_000  # the callback stops the run well before this
    history = train(model, SoftmaxCrossEntropy(), opt, X_train, y_train, batch_size=batch_size,
                    num_epochs=epochs_cap, seed=seed, X_test=data.X_test, y_test=data.y_test,
                    callbacks=(watch,), progress=False, log_every=1)
    if history.status != "ok":
        raise ValueError(f"lr={lr!r} is too large for batch size {batch_size}: {history.message}")
    updates_per_epoch = math.ceil(len(X_train) / batch_size)
    seconds_per_update = found["training_seconds"] / found["steps"]
    return {
        "batch_size": batch_size,
        "updates_per_epoch": updates_per_epoch,
        "seconds_per_update": seconds_per_update,
        "seconds_per_epoch": seconds_per_update * updates_per_epoch,
        "acc_epochs": history.test_acc[num_epochs - 1],
        "acc_budget": found["acc_budget"],
        "steps_in_budget": found["steps_in_budget"],
        "status": history.status,
    }


# ---- what the network gets wrong --------------------------------------------------------------

def predict(model, X) -> np.ndarray:
    """Predicted classes (n,) of ``model`` for images X (n, 784)."""
    _check_model(model)
    X = check_array("X", X, ndim=2)
    return np.asarray(model.forward(np.asarray(X, dtype=np.float32))).argmax(axis=1)


def confusion_matrix(y_true, y_pred, num_classes: int = N_CLASSES) -> np.ndarray:
    """Counts C[i, j] of examples of true class i predicted as j: (num_classes, num_classes)."""
    num_classes = check_int("num_classes", num_classes, low=1)
    y_true = check_labels("y_true", y_true, num_classes)
    y_pred = check_labels("y_pred", y_pred, num_classes)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must be 1-D and of the same length; got shapes "
                         f"{y_true.shape} and {y_pred.shape}")
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)  # one count per (true, predicted) pair
    return counts


def most_confident_mistakes(model, X, y, k: int = 10) -> dict:
    """The k wrong predictions the model was most sure of.

    Returns a dict of arrays, most confident first: ``index`` (rows of X), ``predicted``,
    ``true``, ``confidence`` (softmax probability of the predicted class).
    """
    k = check_int("k", k, low=1)
    _check_model(model)
    y = check_labels("y", y)
    probs = softmax(model.forward(np.asarray(X, dtype=np.float32)))
    check_same_length(probs, y, ("X", "y"))
    predicted = probs.argmax(axis=1)
    wrong = np.flatnonzero(predicted != np.asarray(y))
    confidence = probs[wrong, predicted[wrong]]
    order = wrong[np.argsort(-confidence, kind="stable")][:k]
    return {"index": order, "predicted": predicted[order], "true": np.asarray(y)[order],
            "confidence": probs[order, predicted[order]]}


RUN_KEYS = ("lr", "batch_size", "num_epochs", "hidden", "optimizer", "train_loss", "test_acc",
            "seconds", "status")


def _check_run(run, name: str, keys=RUN_KEYS) -> None:
    """A result of run_experiment: a dict with (at least) the settings and the final numbers."""
    if not isinstance(run, dict) or any(key not in run for key in keys):
        raise TypeError(f"{name} must be a dict like those run_experiment() returns, with keys "
                        f"{', '.join(keys)}; got {run!r:.200}")


def _check_mnist(data) -> None:
    if not isinstance(data, MNIST):
        raise TypeError(f"data must be an MNIST from helpers.data.load_mnist(); got "
                        f"{type(data).__name__}")


def _check_model(model) -> None:
    if not isinstance(model, Layer):
        raise TypeError(f"model must be a network such as build_model(128); got "
                        f"{type(model).__name__}")


def plot_confusion_matrix(counts, ax=None):
    """Draw a confusion matrix (true class down, predicted across) with the counts written in."""
    counts = np.asarray(counts)
    if ax is None:
        ax = Figure(figsize=(5.0, 4.6)).subplots()
    k = len(counts)
    # colour by the fraction of each true class, so rare mistakes still show
    fraction = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    image = ax.imshow(np.sqrt(fraction), cmap="Blues", vmin=0, vmax=1)
    for i in range(k):
        for j in range(k):
            if counts[i, j]:
                dark = fraction[i, j] > 0.35
                ax.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=8,
                        color="white" if dark else COLORS["curve"])
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.grid(False)
    ax.figure.colorbar(image, ax=ax, label="√(fraction of the true class)", shrink=0.8)
    return ax


def show_weight_images(W, ax=None, *, num=32, ncols=8):
    """The first ``num`` columns of a first-layer weight matrix W (784, H) as 28×28 images.

    Each image shows what one hidden unit responds to: blue pixels raise its input, red lower
    it. Every image has its own symmetric colour scale (its largest |w|).
    """
    W = np.asarray(W, dtype=float)
    num = min(check_int("num", num, low=1), W.shape[1])
    nrows = math.ceil(num / ncols)
    if ax is None:
        ax = Figure(figsize=(ncols * 0.9, nrows * 0.9)).subplots()
    pad = 2
    tiles = np.full((nrows * (28 + pad) - pad, ncols * (28 + pad) - pad), np.nan)
    for unit in range(num):
        r, c = divmod(unit, ncols)
        w = W[:, unit].reshape(28, 28)
        tiles[r * (28 + pad):r * (28 + pad) + 28, c * (28 + pad):c * (28 + pad) + 28] = (
            w / max(np.abs(w).max(), 1e-12))
    # "nearest": one block per weight, as it is (and a PNG a quarter of the size)
    ax.imshow(tiles, cmap="RdBu", vmin=-1, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    return ax


# ---- the runs figure and table ----------------------------------------------------------------

def plain_log_axis(ax) -> None:
    """Log-scale y axis labelled in plain text, without minor ticks (see plots.plain_log_ticks)."""
    ax.set_yscale("log")
    plain_log_ticks(ax.yaxis, minor_ticks=False)


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


def plot_runs(fig, runs, n_train: int, *, current=None) -> None:
    """Redraw ``fig`` (two axes): smoothed training loss and test accuracy against epochs.

    runs: finished run dicts (from ``run_experiment``); current: the running run's
    (label, history), drawn in its own colour with a thicker line.
    """
    ax_loss, ax_acc = fig.axes
    for ax in (ax_loss, ax_acc):
        ax.clear()
    entries = [(run_label(i + 1, r), r["history"]) for i, r in enumerate(runs)]
    if current is not None:
        entries.append(current)
    for i, (label, history) in enumerate(entries):
        color = RUN_COLORS[i % len(RUN_COLORS)]
        width = 2.2 if (current is not None and i == len(entries) - 1) else 1.3
        x, loss = smoothed_loss(history, n_train)
        if len(x):
            # a single point (one full-batch update) gets a marker, or nothing would show
            ax_loss.plot(x, np.clip(loss, 1e-3, 1e6), color=color, lw=width, label=label,
                         marker="o" if len(x) == 1 else None)
        acc = np.asarray(history.test_acc, dtype=float)
        ax_acc.plot(np.arange(1, len(acc) + 1), 100 * acc, "o-", color=color, lw=width, ms=4)
    plain_log_axis(ax_loss)
    ax_loss.set_xlabel("epoch (passes over the training digits)")
    ax_loss.set_ylabel("training loss (log scale)")
    ax_loss.set_title("loss, averaged over a tenth of an epoch")
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("test accuracy (%)")
    ax_acc.set_title("accuracy on the test digits")
    accs = [a for _, h in entries for a in h.test_acc if math.isfinite(a)]
    low = 10 * math.floor(min(accs) * 10 - 0.5) if accs else 0  # zoom in, in steps of 10%
    ax_acc.set_ylim(max(low, 0), 100)
    if low <= 100 * CHANCE_ACCURACY:  # the chance line, when the axis reaches down to it
        ax_acc.axhline(100 * CHANCE_ACCURACY, color=COLORS["theory"], lw=1, ls="--")
        ax_acc.text(0.02, 100 * CHANCE_ACCURACY + 2, "guessing", color=COLORS["theory"],
                    transform=ax_acc.get_yaxis_transform(), fontsize=8)
    if not entries:
        ax_loss.text(0.5, 0.5, "press Train", ha="center", va="center",
                     transform=ax_loss.transAxes, color=COLORS["theory"])
    elif ax_loss.lines:
        ax_loss.legend(fontsize=7, loc="upper right")


def run_label(number: int, run: dict) -> str:
    """A short legend label: "run 2: sgd lr=0.1 B=16 H=128"."""
    number = check_int("number", number, low=1)
    _check_run(run, "run", ("optimizer", "lr", "batch_size", "hidden"))
    return (f"run {number}: {run['optimizer']} lr={run['lr']:.3g} B={run['batch_size']} "
            f"H={run['hidden']}")


TABLE_COLUMNS = ("run", "lr", "batch size", "epochs", "hidden", "optimizer",
                 "final train loss", "test accuracy", "time (s)")


def runs_table_html(runs) -> str:
    """An HTML <table> with one row per run (the best test accuracy in bold); '' if no runs."""
    if isinstance(runs, (str, bytes)) or not np.iterable(runs):
        raise TypeError(f"runs must be a list of run_experiment() results; got {runs!r}")
    for i, run in enumerate(runs):
        _check_run(run, f"runs[{i}]")
    if not runs:
        return ""
    best = max(range(len(runs)), key=lambda i: runs[i]["test_acc"])
    head = "".join(f"<th style='padding:2px 8px'>{c}</th>" for c in TABLE_COLUMNS)
    rows = []
    for i, r in enumerate(runs):
        cells = (i + 1, f"{r['lr']:.3g}", r["batch_size"], r["num_epochs"], r["hidden"],
                 r["optimizer"], f"{r['train_loss']:.3f}", f"{r['test_acc']:.1%}",
                 f"{r['seconds']:.1f}")
        style = "font-weight:bold;" if i == best else ""
        if r["status"] != "ok":
            style += f"color:{COLORS['unstable']};"
        tds = "".join(f"<td style='padding:2px 8px;text-align:right'>{html.escape(str(c))}</td>"
                      for c in cells)
        rows.append(f"<tr style='{style}'>{tds}</tr>")
    return (f"<table class='runs-table' style='border-collapse:collapse;font-size:13px'>"
            f"<tr>{head}</tr>{''.join(rows)}</table>")


# ---- the panel ----------------------------------------------------------------------------------

class TrainingPanel(widgets.VBox):
    """Sliders, a Train button, a progress bar, a live figure and a table of runs.

    data: an ``MNIST``. Each press of Train runs ``run_experiment`` with the sliders' values and
    the same ``seed``, draws the loss and accuracy while it trains, then adds a row to the table.
    Headless use: ``panel.train_button.click()`` trains synchronously; ``panel.runs`` holds the
    finished runs, ``panel.state`` the last one, ``panel.message_text`` its message.
    """

    def __init__(self, data, *, seed: int = 0, redraw_seconds: float = 0.25, **defaults):
        settings = {**DEFAULTS, **defaults}
        _check_mnist(data)
        self.data = data
        self.seed = check_seed(seed)
        self.redraw_seconds = check_positive_number("redraw_seconds", redraw_seconds,
                                                    allow_zero=True)  # 0: every update
        self.runs: list[dict] = []
        self.state: dict | None = None
        self.frames_drawn = 0  # how many times the figure was rendered (the live updates)
        n = len(data.X_train)
        self.controls = {
            "lr": lr_slider(settings["lr"], min=1e-4, max=10.0, continuous_update=False),
            "batch_size": batch_size_slider(n, settings["batch_size"], continuous_update=False),
            "num_epochs": int_slider(settings["num_epochs"], 1, 20, description="epochs",
                                     continuous_update=False),
            "hidden": widgets.SelectionSlider(
                options=HIDDEN_OPTIONS, value=settings["hidden"], description="hidden units",
                continuous_update=False, layout={"width": "460px"},
                style={"description_width": "110px"}),
            "optimizer": dropdown(OPTIMIZERS, settings["optimizer"], description="optimizer"),
        }
        self.train_button = widgets.Button(description="Train", button_style="primary",
                                           icon="play", tooltip="train a new network")
        self.clear_button = widgets.Button(description="Clear runs", tooltip="empty the table")
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="training",
                                            layout={"width": "460px"},
                                            style={"description_width": "110px"})
        self.message = widgets.HTML(value=message_html(
            "Choose the settings and press Train. Every run starts from the same seed."))
        self.fig = Figure(figsize=(9.0, 3.6))
        self.fig.subplots(1, 2)
        self.fig.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.9, wspace=0.28)
        self.image = widgets.Image(format="png", layout={"width": "900px"})
        self.table = widgets.HTML(value="")
        self.train_button.on_click(self._on_train)
        self.clear_button.on_click(self._on_clear)
        buttons = widgets.HBox([self.train_button, self.clear_button])
        super().__init__([*self.controls.values(), buttons, self.progress, self.message,
                          self.image, self.table])
        self._redraw()

    def values(self) -> dict:
        """The current value of every control, by name."""
        return {name: control.value for name, control in self.controls.items()}

    @property
    def message_text(self) -> str:
        """The message as plain text."""
        text = self.message.value
        return html.unescape(text[text.find(">") + 1:text.rfind("</div>")])

    def train(self) -> dict | None:
        """Run one experiment with the current settings; show it live; add it to the table."""
        values = self.values()
        n = len(self.data.X_train)
        steps = math.ceil(n / values["batch_size"]) * values["num_epochs"]
        self.progress.max, self.progress.value = steps, 0
        self.progress.bar_style = ""
        label = run_label(len(self.runs) + 1, values)
        self.message.value = message_html(f"Training {label} ...", "info")
        last = {"time": time.perf_counter(), "cost": 0.0}

        def live(history):
            # every log_every steps and at each epoch end: move the bar, redraw now and then,
            # never spending more than about a third of the time on drawing
            self.progress.value = history.num_steps
            now = time.perf_counter()
            if now - last["time"] >= max(self.redraw_seconds, 2 * last["cost"]):
                self._redraw(current=(label, history))
                last["time"] = time.perf_counter()
                last["cost"] = last["time"] - now

        self._redraw(current=(label, History()))  # the new run appears at once, still empty
        self.train_button.disabled = True
        try:
            result = run_experiment(self.data, seed=self.seed, callbacks=(live,),
                                    log_every=max(1, steps // 50), **values)
        except (ValueError, TypeError) as exc:  # a setting the maths does not allow
            self.message.value = message_html(str(exc), "error")
            return None
        finally:
            self.train_button.disabled = False
        self.progress.value = result["num_steps"]
        bar_styles = {"ok": "success", "warn": "warning"}  # "error": "danger"
        self.progress.bar_style = bar_styles.get(result["level"], "danger")
        self.runs.append(result)
        self.state = result
        self._redraw()
        self.message.value = message_html(
            f"Run {len(self.runs)}: {result['message']}", result["level"])
        self.table.value = runs_table_html(self.runs)
        return result

    def clear(self) -> None:
        """Forget every run: empty table, empty figure."""
        self.runs.clear()
        self.state = None
        self.table.value = ""
        self.progress.value = 0
        self.message.value = message_html("Runs cleared. Press Train to start again.")
        self._redraw()

    def _redraw(self, current=None) -> None:
        plot_runs(self.fig, self.runs, len(self.data.X_train), current=current)
        self.image.value = figure_png(self.fig)
        self.frames_drawn += 1

    def _on_train(self, _button) -> None:
        self.train()

    def _on_clear(self, _button) -> None:
        self.clear()


def make_panel(data=None, **defaults) -> TrainingPanel:
    """The notebook's MNIST experiment panel; ``data`` defaults to the offline sample."""
    if data is None:
        from ..data import load_mnist

        data = load_mnist("sample", verbose=False)
    return TrainingPanel(data, **defaults)
