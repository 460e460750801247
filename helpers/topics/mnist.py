"""Notebook 06: a 784-128-10 network trained on MNIST by mini-batch SGD, and what it shows.

Measurements: ``run_experiment`` (one run of the default configuration ``DEFAULTS``, or of any
settings), ``sampling_gaps`` (shuffled epochs against draws with replacement),
``batch_size_study`` (each batch size at its own learning rate, at one budget of examples),
``confusion_matrix`` and ``most_confident_mistakes``. Figures: ``plot_runs`` (training loss and
validation accuracy per epoch), ``plot_confusion``. The panel: ``train_panel`` (a Train button,
live curves and a table of runs). Every accuracy here is on validation digits: the test digits
are scored once, in notebook 08.
"""

from __future__ import annotations

import html
import math
import time

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from helpers.batches import epoch_order
from helpers.kit.blit import decade_above, decade_below, step_above
from helpers.kit.checks import check_int
from helpers.kit.data import MNIST
from helpers.kit.plots import COLORS, PALETTE, plain_log_axis
from helpers.kit.text import plural
from helpers.kit.widgets import (
    SLIDER_LAYOUT,
    Panel,
    batch_size_slider,
    dropdown,
    int_slider,
    lr_slider,
    selection_slider,
)
from helpers.layers import mlp
from helpers.losses import SoftmaxCrossEntropy, softmax
from helpers.optim import OPTIMIZERS, SGD, make_optimizer
from helpers.train import evaluate, train

DEFAULTS = {"lr": 0.1, "batch_size": 16, "num_epochs": 7, "hidden": 128, "optimizer": "sgd"}
HIDDEN_OPTIONS = (16, 32, 64, 128, 256, 512)
LEVELS = {"ok": "ok", "stuck": "warn"}  # History.status -> message level; any other: "error"
FEW_UPDATES = 20  # a run with fewer updates is told so

# ---- measurements --------------------------------------------------------------------------


def _check_data(data) -> MNIST:
    if not isinstance(data, MNIST) or data.X_val is None:
        raise TypeError("data must be MNIST with validation digits: "
                        "split_validation(load_mnist(...), n_val=800, seed=0)")
    return data


def run_experiment(data, *, lr=0.1, batch_size=16, num_epochs=7, hidden=128, optimizer="sgd",
                   seed=0, n_train=None, per_epoch=True, callbacks=(), log_every=50) -> dict:
    """Train a fresh 784-``hidden``-10 ReLU network with ``optimizer`` and say how it went.

    data: ``split_validation(load_mnist(...))``; n_train: train on the first n_train training
    digits (None: all). per_epoch: score the validation digits after every epoch (False: only
    at the end, and ``seconds`` is training time alone). Returns the settings and "history",
    "model", "train_loss", "train_acc" (final weights, on the training digits), "val_acc",
    "seconds", "num_steps", "status", "message", "level".
    """
    data = _check_data(data)
    n = len(data.y_train) if n_train is None else check_int("n_train", n_train, low=1,
                                                            high=len(data.y_train))
    X, y = data.X_train[:n], data.y_train[:n]
    model = mlp([784, hidden, 10], seed=seed)
    opt = make_optimizer(optimizer, model.parameters(), lr=lr)
    val = {"X_val": data.X_val, "y_val": data.y_val} if per_epoch else {}
    history = train(model, SoftmaxCrossEntropy(), opt, X, y, batch_size=batch_size,
                    num_epochs=num_epochs, seed=seed, callbacks=callbacks, log_every=log_every,
                    progress=False, **val)
    train_loss, train_acc = evaluate(model, X, y)
    val_acc = evaluate(model, data.X_val, data.y_val)[1]
    message = history.message
    if history.status in ("ok", "stuck") and history.num_steps < FEW_UPDATES:
        few = plural(history.num_steps, "update")
        message += f" {few} {'is' if history.num_steps == 1 else 'are'} too few to learn much: " \
                   "try a smaller batch or more epochs."
    return {"lr": lr, "batch_size": batch_size, "num_epochs": num_epochs, "hidden": hidden,
            "optimizer": optimizer, "seed": seed, "n_train": n, "history": history,
            "model": model, "train_loss": train_loss, "train_acc": train_acc, "val_acc": val_acc,
            "seconds": history.wall_time[-1] if history.wall_time else math.nan,
            "num_steps": history.num_steps, "status": history.status,
            "message": message, "level": LEVELS.get(history.status, "error")}


def sampling_gaps(data, seeds=(0, 1, 2), *, n_train=1000, num_epochs=20, lr=0.1,
                  batch_size=16, hidden=128) -> dict:
    """Train on the first n_train digits with every epoch a shuffle, or n_train draws with
    replacement (repeats allowed, some digits left out), same seeds and settings.

    Returns {"shuffle": {"train_acc": (S,), "val_acc": (S,)}, "replacement": {...}}, fractions
    after the last epoch, one entry per seed.
    """
    data = _check_data(data)
    X, y = data.X_train[:n_train], data.y_train[:n_train]
    result = {}
    for name, replacement in (("shuffle", False), ("replacement", True)):
        accs = []
        for seed in seeds:
            model, rng = mlp([784, hidden, 10], seed=seed), np.random.default_rng(seed)
            opt = SGD(model.parameters(), lr=lr)
            for _ in range(num_epochs):
                order = epoch_order(n_train, rng, replacement=replacement)
                train(model, SoftmaxCrossEntropy(), opt, X[order], y[order],
                      batch_size=batch_size, num_epochs=1, seed=rng, progress=False)
            accs.append((evaluate(model, X, y)[1], evaluate(model, data.X_val, data.y_val)[1]))
        result[name] = dict(zip(("train_acc", "val_acc"), np.array(accs).T))
    return result


def batch_size_study(data, batch_sizes=(1, 10, 100, 1000), lrs=(0.01, 0.03, 0.1, 0.3, 1.0, 3.0),
                     seeds=(0, 1, 2), *, n_train=1000, num_epochs=4, hidden=128) -> dict:
    """Every batch size at every lr of one grid, at the same budget of num_epochs · n_train
    examples; each batch size's lr is then chosen by the mean TRAINING loss over the random seeds.

    Returns arrays indexed [batch size, lr, seed]: "train_loss" (inf where the run blew up),
    "val_acc", "seconds" (training alone; NaN where the run stopped early); and "best" (one lr
    index per batch size), "updates" (per run), "examples" (the budget), "batch_sizes", "lrs".
    """
    data = _check_data(data)
    shape = (len(batch_sizes), len(lrs), len(seeds))
    loss, acc, seconds = np.full(shape, np.inf), np.zeros(shape), np.full(shape, np.nan)
    for idx in np.ndindex(shape):
        b, lr, seed = batch_sizes[idx[0]], lrs[idx[1]], seeds[idx[2]]
        run = run_experiment(data, lr=lr, batch_size=b, num_epochs=num_epochs, hidden=hidden,
                             seed=seed, n_train=n_train, per_epoch=False)
        if math.isfinite(run["train_loss"]):
            loss[idx] = run["train_loss"]
        acc[idx] = run["val_acc"]
        if run["status"] in ("ok", "stuck"):
            seconds[idx] = run["seconds"]
    return {"batch_sizes": list(batch_sizes), "lrs": list(lrs), "seeds": list(seeds),
            "train_loss": loss, "val_acc": acc, "seconds": seconds,
            "best": loss.mean(axis=2).argmin(axis=1),  # an optimisation question: training loss
            "updates": [math.ceil(n_train / b) * num_epochs for b in batch_sizes],
            "examples": n_train * num_epochs}


def confusion_matrix(y_true, y_pred, num_classes: int = 10) -> np.ndarray:
    """Counts C[i, j] of the examples of true class i predicted as j: (num_classes, num_classes)."""
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return counts


def most_confident_mistakes(model, X, y, k: int = 10) -> dict:
    """The k wrong predictions with the highest softmax probability, most confident first:
    {"index": rows of X, "predicted", "true", "confidence"}, each (k,)."""
    probs = softmax(model.forward(X))
    predicted = probs.argmax(axis=1)
    wrong = np.flatnonzero(predicted != y)
    order = wrong[np.argsort(-probs[wrong, predicted[wrong]], kind="stable")][:k]
    return {"index": order, "predicted": predicted[order], "true": y[order],
            "confidence": probs[order, predicted[order]]}


# ---- figures -------------------------------------------------------------------------------

RUN_COLORS = [c for c in PALETTE[1:] if c != "#F0E442"] + [PALETTE[0]]  # no pale yellow


def smoothed_loss(history, n_train: int):
    """(epochs (k,), loss (k,)): the batch losses averaged over about a tenth of an epoch."""
    if not history.step_loss:
        return np.zeros(0), np.zeros(0)
    window = max(1, round(n_train / history.examples_seen[0] / 10))  # a tenth of an epoch
    window = min(window, len(history.step_loss))  # a run stopped early: at least one point
    k = len(history.step_loss) // window
    loss = np.asarray(history.step_loss[: k * window], dtype=float).reshape(k, window)
    seen = np.asarray(history.examples_seen[window - 1: k * window: window], dtype=float)
    return seen / n_train, loss.mean(axis=1)


def setup_run_axes(ax_loss, ax_acc) -> None:
    """Labels of the two axes of ``plot_runs`` (and of the panel), and the line of guessing."""
    plain_log_axis(ax_loss)
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("training loss (log scale)")
    ax_loss.set_title("batch loss, averaged over a tenth of an epoch")
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("validation accuracy (%)")
    ax_acc.set_title("accuracy on the validation digits")
    ax_acc.set_ylim(0, 100)
    ax_acc.axhline(10, color=COLORS["theory"], lw=1, ls="--")
    ax_acc.text(0.02, 12, "guessing", color=COLORS["theory"], fontsize=8,
                transform=ax_acc.get_yaxis_transform())


def run_lines(ax_loss, ax_acc, history, n_train, *, color, label, animated=False, width=1.3):
    """One run's smoothed loss and validation accuracy per epoch; returns the lines."""
    epochs, loss = smoothed_loss(history, n_train)
    acc = 100 * np.asarray(history.val_acc, dtype=float)
    (line_loss,) = ax_loss.plot(epochs, np.clip(loss, 1e-3, 1e6), color=color, lw=width,
                                label=label, marker="o" if len(loss) == 1 else None,
                                animated=animated)
    (line_acc,) = ax_acc.plot(np.arange(1, len(acc) + 1), acc, "o-", color=color, lw=width, ms=3,
                              animated=animated)
    return [line_loss, line_acc]


def plot_runs(runs, axes=None):
    """Training loss (left) and validation accuracy (right) of ``run_experiment`` results, per
    epoch; one colour per run. Returns the two axes."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.6), gridspec_kw={"wspace": 0.3})
    setup_run_axes(*axes)
    for i, run in enumerate(runs):
        run_lines(*axes, run["history"], run["n_train"], color=RUN_COLORS[i % len(RUN_COLORS)],
                  label=f"seed {run['seed']}")
    axes[0].legend(fontsize=8)
    axes[1].set_ylim(acc_bottom([a for run in runs for a in run["history"].val_acc]), 100)
    return axes


def acc_bottom(accs) -> float:
    """The bottom of an accuracy axis (%) in a few coarse steps: 80, 50 or 0, below every acc."""
    low = 100 * min(accs, default=0.0)
    return next((b for b in (80, 50) if b <= low - 2), 0)


def plot_confusion(counts, ax=None):
    """A confusion matrix, true digit down, predicted across, the counts written in."""
    if ax is None:
        _, ax = plt.subplots(figsize=(4.6, 4.2))
    share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    ax.imshow(np.sqrt(share), cmap="Blues", vmin=0, vmax=1)  # √: rare mistakes still show
    for (i, j), count in np.ndenumerate(counts):
        if count:
            ax.text(j, i, str(count), ha="center", va="center", fontsize=7,
                    color="white" if share[i, j] > 0.35 else COLORS["curve"])
    ax.set_xticks(range(len(counts)))
    ax.set_yticks(range(len(counts)))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.grid(False)
    return ax


# ---- the panel -----------------------------------------------------------------------------

TABLE_COLUMNS = ("run", "lr", "batch size", "epochs", "hidden", "optimizer", "train loss",
                 "validation accuracy", "seconds")


def runs_table_html(runs) -> str:
    """One row per run (the best validation accuracy in bold); '' for no runs."""
    if not runs:
        return ""
    best = max(range(len(runs)), key=lambda i: runs[i]["val_acc"])
    rows = []
    for i, r in enumerate(runs):
        cells = (i + 1, f"{r['lr']:.3g}", r["batch_size"], r["num_epochs"], r["hidden"],
                 r["optimizer"], f"{r['train_loss']:.3g}", f"{r['val_acc']:.1%}",
                 f"{r['seconds']:.1f}")
        style = ("font-weight:bold;" if i == best else "") + (
            "" if r["status"] == "ok" else f"color:{COLORS['unstable']};")
        rows.append(f"<tr style='{style}'>" + "".join(
            f"<td style='padding:2px 8px;text-align:right'>{html.escape(str(c))}</td>"
            for c in cells) + "</tr>")
    head = "".join(f"<th style='padding:2px 8px'>{c}</th>" for c in TABLE_COLUMNS)
    return (f"<table style='border-collapse:collapse;font-size:13px'><tr>{head}</tr>"
            f"{''.join(rows)}</table>")


def train_panel(data, *, seed: int = 0, **settings) -> Panel:
    """Sliders (lr, batch size, epochs, hidden units, optimizer), a Train button, live curves and
    a table of runs. Every run starts from ``seed``. Headless: ``panel.train()`` trains one run;
    ``panel.runs`` holds the finished ones."""
    data = _check_data(data)
    settings = {**DEFAULTS, **settings}
    n_train = len(data.y_train)
    controls = {
        "lr": lr_slider(settings["lr"], min=1e-3, max=10.0),
        "batch_size": batch_size_slider(n_train, settings["batch_size"]),
        "num_epochs": int_slider(settings["num_epochs"], 1, 10, description="epochs"),
        "hidden": selection_slider(HIDDEN_OPTIONS, settings["hidden"], description="hidden units"),
        "optimizer": dropdown(OPTIMIZERS, settings["optimizer"], description="optimizer"),
    }
    buttons = [widgets.Button(description="Train", button_style="primary", icon="play"),
               widgets.Button(description="Clear runs")]
    progress = widgets.IntProgress(value=0, min=0, max=1, description="training",
                                   layout=SLIDER_LAYOUT)
    table = widgets.HTML()
    runs: list[dict] = []

    def compute(**values):
        return run_experiment(data, seed=seed, **values)

    def frame(message, level="info", current=None, planned=1):
        panel.show({"runs": runs, "current": current, "n_train": n_train, "message": message,
                    "level": level, "max_epochs": max([planned] + [r["num_epochs"] for r in runs])})

    def train_one() -> dict:
        values = panel.values()
        label = _label(len(runs) + 1, values)
        progress.max = math.ceil(n_train / values["batch_size"]) * values["num_epochs"]
        progress.value, last = 0, [time.perf_counter()]

        def live(history):  # every log_every updates and each epoch: the bar; a frame at most 4/s
            progress.value = history.num_steps
            if time.perf_counter() - last[0] > 0.25:
                frame(f"Training {label} ...", current=(label, history),
                      planned=values["num_epochs"])
                last[0] = time.perf_counter()

        buttons[0].disabled = True
        try:
            run = compute(callbacks=(live,), log_every=max(1, progress.max // 50), **values)
        finally:
            buttons[0].disabled = False
        runs.append(run)
        progress.value = run["num_steps"]
        table.value = runs_table_html(runs)
        frame(f"Run {len(runs)}: {run['message']}", run["level"])
        return run

    def clear():
        runs.clear()
        table.value = ""
        frame("Runs cleared. Press Train to start again.")

    panel = Panel(controls, compute, _runs_figure, _runs_draw, extra=(widgets.HBox(buttons),
                  progress), below=(table,), watch=False)
    buttons[0].on_click(lambda _: train_one())
    buttons[1].on_click(lambda _: clear())
    panel.train, panel.runs, panel.train_button, panel.table = train_one, runs, buttons[0], table
    frame("Choose the settings and press Train. Every run starts from the same seed.")
    return panel


def _label(number, values) -> str:
    return (f"run {number}: {values['optimizer']} lr={values['lr']:.3g} "
            f"B={values['batch_size']} H={values['hidden']}")


def _runs_figure():
    fig = Figure(figsize=(11.0, 3.5))
    axes = fig.subplots(1, 2)
    fig.subplots_adjust(left=0.06, right=0.76, bottom=0.15, top=0.9, wspace=0.3)
    setup_run_axes(*axes)
    return fig, {"axes": axes, "lines": [], "legend": None}


def _runs_draw(artists, state) -> None:
    """The last runs as animated lines, the running one thicker; limits in coarse steps."""
    ax_loss, ax_acc = artists["axes"]
    for artist in artists["lines"] + [artists["legend"]] * (artists["legend"] is not None):
        artist.remove()
    entries = [(_label(i + 1, r), r["history"]) for i, r in enumerate(state["runs"])]
    entries += [state["current"]] if state["current"] else []
    artists["lines"] = []
    for i, (label, history) in list(enumerate(entries))[-len(RUN_COLORS):]:  # colour: run number
        width = 2.2 if state["current"] and i == len(entries) - 1 else 1.3
        artists["lines"] += run_lines(ax_loss, ax_acc, history, state["n_train"], label=label,
                                      color=RUN_COLORS[i % len(RUN_COLORS)], animated=True,
                                      width=width)
    losses = [y for line in artists["lines"][0::2] for y in line.get_ydata()]
    ax_loss.set_ylim(decade_below(min(losses, default=0.1)),
                     decade_above(max(losses, default=10)))
    for ax in (ax_loss, ax_acc):
        ax.set_xlim(0, step_above(state["max_epochs"], (1, 2, 5, 10)) + 0.2)
    ax_acc.set_ylim(acc_bottom([a for _, h in entries for a in h.val_acc]), 100)
    artists["legend"] = None
    if entries:
        artists["legend"] = ax_loss.figure.legend(handles=artists["lines"][0::2], fontsize=8,
                                                  loc="center right", frameon=False)
        artists["legend"].set_animated(True)
