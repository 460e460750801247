"""Figures of notebooks 08a and 08b: gradient norms layer by layer, training curves, regularisation.

Each ``plot_*`` function takes ``ax=None`` or ``axes=None`` (a new figure) and returns the axes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..plots import COLORS, PALETTE

BAND = (0.1, 10.0)  # a first/last gradient ratio inside this band counts as "level"
_ORDER = (6, 5, 3, 1, 7, 2, 0)  # the palette without its yellow, which is faint on white


_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")  # a second cue where lines overlap


def _color(i: int) -> str:
    return PALETTE[_ORDER[i % len(_ORDER)]]


def _style(i: int) -> dict:
    """Colour, marker and (after the palette runs out) a dashed line for the i-th setting."""
    return {"color": _color(i), "marker": _MARKERS[i % len(_MARKERS)],
            "ls": "-" if i < len(_ORDER) else "--"}


def plot_grad_norms(profiles: dict, ax=None, *, title=None):
    """||dL/dW_l|| against the layer l, one line per setting; profiles: {label: norms (depth,)}."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4.2), layout="constrained")
    for i, (label, norms) in enumerate(profiles.items()):
        layers = np.arange(1, len(norms) + 1)
        ax.plot(layers, norms, **_style(i), ms=4, lw=1.8, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("layer l (1 = next to the input)")
    ax.set_ylabel("gradient norm ||dL/dW_l||")
    ax.set_title(title or "The gradient of each layer at initialisation")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return ax


def plot_ratio_table(table: dict, labels, ax=None):
    """first/last gradient ratio against depth, one line per setting, the level band shaded."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4.2), layout="constrained")
    ax.axhspan(*BAND, color=COLORS["stable"], alpha=0.12, label="within a factor of 10 of 1")
    for i, (label, ratios) in enumerate(zip(labels, table["ratio"])):
        # lines that share the band are told apart by their markers (filled and open)
        ax.plot(table["depths"], ratios, **_style(i), ms=7 if i % 2 else 5, lw=1.8,
                mfc="white" if i % 2 else _color(i), mew=1.5, label=label)
    ax.set_yscale("log")
    ax.set_xticks(table["depths"])
    ax.set_xlabel("depth (number of Linear layers)")
    ax.set_ylabel("||dL/dW_first|| / ||dL/dW_last||")
    ax.set_title("Does the gradient reach the first layer? (median of 3 seeds)")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return ax


def plot_val_accuracy(runs: dict, ax=None, *, title=None):
    """Validation accuracy after each epoch, one line per setting.

    runs: {label: val_acc}, either one run (num_epochs + 1,) or several seeds
    (num_seeds, num_epochs + 1): then the median is drawn with the lowest-to-highest band.
    Runs that blew up (NaN) are named in the legend.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4.0), layout="constrained")
    num_points = np.shape(next(iter(runs.values())))[-1]
    epochs = np.arange(num_points)
    at_chance = 0
    for i, (label, acc) in enumerate(runs.items()):
        acc = 100 * np.atleast_2d(np.asarray(acc, dtype=float))
        finite = np.all(np.isfinite(acc), axis=0)
        if not finite[1:].any():
            ax.plot([], [], **_style(i), ms=4, lw=1.8, label=f"{label} (blew up: no points)")
            continue
        median = np.median(acc[:, finite], axis=0)
        ax.plot(epochs[finite], median, **_style(i), ms=4, lw=1.8, label=label)
        if len(acc) > 1:
            ax.fill_between(epochs[finite], acc[:, finite].min(axis=0),
                            acc[:, finite].max(axis=0), color=_color(i), alpha=0.15, lw=0)
        at_chance += bool(abs(median[-1] - 10) < 2)
    ax.axhline(10, color=COLORS["theory"], ls=":", lw=1.2, label="chance (10 %)")
    if at_chance > 1:
        ax.text(num_points - 1, 15, f"{at_chance} settings on top of each other near 10 %",
                ha="right", va="bottom", fontsize=9, color=COLORS["curve"])
    ax.set_xticks(epochs)
    ax.set_ylim(0, 100)
    ax.set_xlabel("epoch (0 = before training)")
    ax.set_ylabel("validation accuracy (%)")
    ax.set_title(title or "Depth 10, plain SGD: who learns at all?")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return ax


def plot_train_val(curves, axes=None, *, label="", color=None):
    """Training and validation loss (left) and accuracy (right) against the epoch."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
    ax_loss, ax_acc = axes
    epochs = np.arange(1, len(curves.val_loss) + 1)
    color = color or COLORS["sgd"]
    prefix = f"{label}: " if label else ""
    for ax, train, val in ((ax_loss, curves.train_loss, curves.val_loss),
                           (ax_acc, 100 * curves.train_acc, 100 * curves.val_acc)):
        ax.plot(epochs, train, color=color, lw=1.5, ls="--", label=prefix + "training digits")
        ax.plot(epochs, val, color=color, lw=2.2, label=prefix + "validation digits")
    ax_loss.plot(curves.best_epoch, curves.val_loss[curves.best_epoch - 1], "v", ms=9,
                 color=COLORS["curve"], label="lowest validation loss" if not label else None)
    ax_loss.set_ylim(0, None)
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("cross-entropy loss")
    ax_loss.set_title("Loss")
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy (%)")
    ax_acc.set_title("Accuracy")
    for ax in axes:
        ax.legend(fontsize=8)
    return axes


def plot_weight_decay(sweep: dict, axes=None):
    """Validation loss against the epoch for each weight decay (left); final train and
    validation accuracy against the weight decay (right). sweep: {weight_decay: Curves}."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
    ax_curve, ax_acc = axes
    decays = list(sweep)
    for i, wd in enumerate(decays):
        curves = sweep[wd]
        ax_curve.plot(np.arange(1, len(curves.val_loss) + 1), curves.val_loss,
                      color=_color(i), lw=1.8, label=f"weight decay {wd:g}")
    # zoomed in on the part where the runs differ; the first epochs start above the frame
    ax_curve.set_ylim(0.4, 1.3)
    ax_curve.set_xlabel("epoch")
    ax_curve.set_ylabel("validation loss")
    ax_curve.set_title("Validation loss (zoomed: epochs 1–3 start higher)")
    # below the axes: inside, it would cover the first epochs or the curve of λ = 0.1
    ax_curve.legend(fontsize=8, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.17),
                    frameon=False)
    positions = np.arange(len(decays))
    ax_acc.plot(positions, [100 * sweep[wd].train_acc[-1] for wd in decays], "s--",
                color=COLORS["gd"], label="training digits (last epoch)")
    ax_acc.plot(positions, [100 * sweep[wd].val_acc[-1] for wd in decays], "o-",
                color=COLORS["sgd"], lw=2, label="validation digits (last epoch)")
    ax_acc.set_xticks(positions, [f"{wd:g}" for wd in decays])
    ax_acc.set_xlabel("weight decay λ")
    ax_acc.set_ylabel("accuracy (%)")
    ax_acc.set_title("The gap between the two")
    ax_acc.legend(fontsize=8)
    return axes
