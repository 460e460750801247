"""Notebook 08's figures: gradient norms layer by layer, training curves, regularisation.

Each ``plot_*`` function takes ``ax=None`` or ``axes=None`` (a new figure) and returns the axes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..plots import COLORS, PALETTE

BAND = (0.1, 10.0)  # a first/last gradient ratio inside this band counts as "level"
_ORDER = (6, 5, 3, 1, 7, 2, 0)  # the palette without its yellow, which is faint on white


def _color(i: int) -> str:
    return PALETTE[_ORDER[i % len(_ORDER)]]


def plot_grad_norms(profiles: dict, ax=None, *, title=None):
    """||dL/dW_l|| against the layer l, one line per setting; profiles: {label: norms (depth,)}."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4.2), layout="constrained")
    for i, (label, norms) in enumerate(profiles.items()):
        layers = np.arange(1, len(norms) + 1)
        ax.plot(layers, norms, "o-", color=_color(i), ms=4, lw=1.8, label=label)
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
        ax.plot(table["depths"], ratios, "o-", color=_color(i), ms=5, lw=1.8,
                label=label)
    ax.set_yscale("log")
    ax.set_xticks(table["depths"])
    ax.set_xlabel("depth (number of Linear layers)")
    ax.set_ylabel("||dL/dW_first|| / ||dL/dW_last||")
    ax.set_title("Does the gradient reach the first layer? (median of 3 seeds)")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return ax


def plot_val_accuracy(runs: dict, ax=None, *, title=None):
    """Validation accuracy after each epoch; runs: {label: val_acc (num_epochs + 1,)}."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4.0), layout="constrained")
    for i, (label, acc) in enumerate(runs.items()):
        ax.plot(np.arange(len(acc)), 100 * np.asarray(acc), "o-", color=_color(i),
                ms=4, lw=1.8, label=label)
    ax.axhline(10, color=COLORS["theory"], ls=":", lw=1.2, label="chance (10 %)")
    at_chance = [label for label, acc in runs.items()
                 if np.isfinite(acc[-1]) and abs(acc[-1] - 0.1) < 0.01]
    if len(at_chance) > 1:
        ax.text(len(next(iter(runs.values()))) - 1, 13, f"{len(at_chance)} runs on top of each "
                "other at 10 %", ha="right", va="bottom", fontsize=9, color=COLORS["curve"])
    ax.set_xticks(np.arange(len(next(iter(runs.values())))))
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
    ax_curve.set_ylim(0, None)
    ax_curve.set_xlabel("epoch")
    ax_curve.set_ylabel("validation loss")
    ax_curve.set_title("Validation loss")
    ax_curve.legend(fontsize=8)
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
