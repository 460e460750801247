"""Notebook 03's figures: runs, epoch means, gradient histograms, variance, the noise ball.

Each ``plot_*`` function takes ``ax=None`` (a new figure) and returns the axes.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import ticker

from ..lab.sgd import predicted_variance
from ..plots import COLORS, PALETTE, plain_log_ticks


def plot_runs(runs, axes=None, *, colors=None):
    """Excess loss of several runs against examples processed (epochs) and against updates.

    runs: {label: SGDRun}; axes: two axes (a new 9 × 3.5 in figure when None); returns the axes.
    """
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(9.0, 3.5), sharey=True, layout="constrained")
    ax_epochs, ax_updates = axes
    palette = colors or [COLORS["gd"], COLORS["sgd"], PALETTE[3], PALETTE[7], PALETTE[1]]
    for (label, run), color in zip(runs.items(), palette):
        style = {"color": color, "lw": 1.1, "label": label}
        if run.num_updates <= 50:  # few updates (full batch): show each as a dot
            style.update(marker="o", ms=3)
        ax_epochs.plot(run.epochs, run.excess_loss, **style)
        ax_updates.plot(np.arange(1, run.num_updates + 1), run.excess_loss[1:], **style)
    for ax in axes:
        ax.set_yscale("log")
        plain_log_ticks(ax.yaxis, minor_ticks=False)
    ax_updates.set_xscale("log")
    plain_log_ticks(ax_updates.xaxis, minor_ticks=False)
    ax_epochs.set_xlabel("examples processed, in epochs (1 epoch = N examples)")
    ax_epochs.set_ylabel("excess loss f(w) - f(w*) (log scale)")
    ax_epochs.set_title("Per example processed")
    ax_updates.set_xlabel("number of updates t (log scale)")
    ax_updates.set_title("Per update step")
    ax_epochs.figure.legend(*ax_epochs.get_legend_handles_labels(), loc="outside lower center",
                            ncols=len(runs))
    return axes


def plot_epoch_means(curves, ax=None):
    """Per-epoch mean excess loss of several runs: curves = {label: epoch_means(run)}."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 4.0), layout="constrained")
    palette = [COLORS["gd"], COLORS["sgd"], PALETTE[3], PALETTE[7], PALETTE[1]]
    for (label, (epochs, means)), color in zip(curves.items(), palette):
        ax.plot(epochs, means, color=color, lw=1.5, label=label)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("excess loss f(w) - f(w*),\nmean over the epoch (log scale)")
    ax.legend()
    return ax


def plot_gradient_histograms(grads, full_grad, ax=None, *, component=0):
    """Histograms of mini-batch gradient estimates (one component), one per batch size.

    grads: {batch_size: (num_batches, d) array}; full_grad: (d,). Returns the axes.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 3.6), layout="constrained")
    values = np.concatenate([g[:, component] for g in grads.values()])
    bins = np.linspace(np.percentile(values, 0.5), np.percentile(values, 99.5), 80)
    palette = [COLORS["sgd"], PALETTE[1], PALETTE[3], PALETTE[5], PALETTE[7]]
    for (b, g), color in zip(grads.items(), palette):
        ax.hist(g[:, component], bins=bins, density=True, histtype="step", lw=1.5, color=color,
                label=f"B = {b}")
    ax.axvline(full_grad[component], color=COLORS["curve"], ls="--", lw=1.2,
               label="full-batch gradient")
    ax.set_xlabel(f"component {component + 1} of the gradient estimate")
    ax.set_ylabel("density (1 / gradient unit)")
    ax.legend()
    return ax


def plot_variance(variance, ax=None, *, with_replacement=None):
    """Measured variance of ĝ_B against B on log-log axes, with σ²/B and σ²/B·(N−B)/(N−1).

    variance: a ``gradient_variance`` result (without replacement); with_replacement: optional
    result drawn with replacement. B = N (variance 0) cannot sit on a log axis and is left out.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 4.0), layout="constrained")
    b = variance["batch_size"]
    n, sigma2 = variance["n_examples"], variance["sigma2"]
    keep = b < n  # at B = N the variance is 0 (up to rounding): no place on a log axis
    grid = np.geomspace(1, b.max(), 200)
    ax.plot(grid, sigma2 / grid, "--", color=COLORS["theory"], label="σ²/B (the 1/B law)")
    keep_grid = grid < n * 0.999
    ax.plot(grid[keep_grid], predicted_variance(sigma2, n, grid[keep_grid]), "-",
            color=COLORS["curve"], lw=1.2, label="σ²/B · (N−B)/(N−1)")
    ax.plot(b[keep], variance["measured"][keep], "o", color=COLORS["sgd"], ms=7,
            label="measured, distinct examples per batch")
    if with_replacement is not None:
        ax.plot(with_replacement["batch_size"], with_replacement["measured"], "s", mfc="none",
                color=COLORS["gd"], ms=8, label="measured, drawn with replacement")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(b)
    plain_log_ticks(ax.xaxis, minor_ticks=False, keep_ticks=True)
    ax.set_xlabel("batch size B (log scale)")
    ax.set_ylabel("variance of the gradient estimate\n(sum over components, log scale)")
    ax.legend()
    return ax


def plot_noise_ball(with_replacement, without_replacement=None, ax=None):
    """Mean excess loss where constant-lr SGD settles, against lr/B, with lr·σ²/(4B)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 4.0), layout="constrained")
    nb = with_replacement
    ratio = nb["lr"][:, None] / nb["batch_size"][None, :]
    grid = np.geomspace(ratio.min(), ratio.max(), 50)
    ax.plot(grid, grid * nb["sigma2"] / 4, "-", color=COLORS["theory"], lw=1.5,
            label="prediction lr·σ²/(4B)")
    ax.plot(ratio.ravel(), nb["measured"].ravel(), "o", color=COLORS["sgd"], ms=6,
            label="measured: batches drawn with replacement")
    if without_replacement is not None:
        ax.plot(ratio.ravel(), without_replacement["measured"].ravel(), "s", mfc="none",
                color=COLORS["gd"], ms=7, label="measured: shuffled epochs")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("learning rate / batch size, lr/B (log scale)")
    ax.set_ylabel("mean excess loss f(w) - f(w*)\nonce settled (log scale)")
    ax.legend()
    return ax



def _label_panel_axes(ax_epochs, ax_updates, n_examples):
    """Labels and scales of the panel's two axes (``helpers.panels.sgd.make_figure``)."""
    ax_epochs.set_xlabel(f"examples processed, in epochs (1 epoch = N = {n_examples})")
    ax_epochs.set_ylabel("excess loss f(w) - f(w*)")
    ax_epochs.set_title("Loss per example processed")
    ax_updates.set_xscale("log")
    plain_log_ticks(ax_updates.xaxis, minor_ticks=False)
    ax_updates.set_xlabel("number of updates t (log scale)")
    ax_updates.set_title("Loss per update step")


def _log_ticks(axis, low, high):
    """Ticks at 1, 2, 5 × 10^k on a log axis spanning less than two decades, else at 10^k."""
    subs = (1.0, 2.0, 5.0) if math.log10(high / low) < 2 else (1.0,)
    axis.set_major_locator(ticker.LogLocator(subs=subs))


def plot_sampling_gap(result, ax=None, *, key="acc_gap"):
    """Train–validation gap per epoch, shuffled epochs against draws with replacement.

    result: what ``helpers.lab.sgd.sampling_gap_on_mnist`` returned; key: "acc_gap" (training
    minus validation accuracy, drawn in points) or "loss_gap". Each way: the mean over the
    seeds as a line, the range over seeds as a band. Returns the axes.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 3.8), layout="constrained")
    scale = 100.0 if key == "acc_gap" else 1.0
    epochs = result["epochs"]
    for sampling, label, color in (("shuffle", "shuffled epochs", COLORS["gd"]),
                                   ("replacement", "drawn with replacement", COLORS["sgd"])):
        gap = scale * result[sampling][key]  # (seeds, epochs)
        ax.plot(epochs, gap.mean(axis=0), color=color, lw=1.6,
                label=f"{label}: mean of {len(gap)} seeds")
        ax.fill_between(epochs, gap.min(axis=0), gap.max(axis=0), color=color, alpha=0.25,
                        lw=0, label=f"{label}: range over seeds")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training − validation accuracy\n(points)" if key == "acc_gap"
                  else "validation − training loss")
    ax.set_xlim(epochs[0], epochs[-1])
    ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    ax.legend()
    return ax
