"""Notebook 05's figures: the runs of the experiment panel, the confusion matrix, the weights.

Each ``plot_*`` function takes ``ax=None`` (a new figure) and returns the axes.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from ..experiment import CHANCE_ACCURACY, smoothed_loss
from ..plots import COLORS, PALETTE, plain_log_axis
from ..validate import (
    check_int,
)

# run k gets colour k: Okabe–Ito without its yellow (too pale on white) until run 8
RUN_COLORS = [c for c in PALETTE[1:] if c != "#F0E442"] + [PALETTE[0], "#F0E442"]


RUN_KEYS = ("lr", "batch_size", "num_epochs", "hidden", "optimizer", "train_loss", "val_acc",
            "seconds", "status")


def _check_run(run, name: str, keys=RUN_KEYS) -> None:
    """A result of run_experiment: a dict with (at least) the settings and the final numbers."""
    if not isinstance(run, dict) or any(key not in run for key in keys):
        raise TypeError(f"{name} must be a dict like those run_experiment() returns, with keys "
                        f"{', '.join(keys)}; got {run!r:.200}")


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


def plot_runs(fig, runs, n_train: int, *, current=None) -> None:
    """Redraw ``fig`` (two axes): smoothed training loss and validation accuracy against epochs.

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
    ax_acc.set_ylabel("validation accuracy (%)")
    ax_acc.set_title("accuracy on the validation digits")
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

