"""Notebook 07's figures: the landscape, paths, gradient noise, escape tables and times.

Each ``plot_*`` function takes ``ax=None`` (a new figure) and returns the axes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..plots import COLORS, PALETTE


def mark_minima(well, ax, *, vertical=True, labels=True):
    """Dashed lines at the deep minimum, the barrier and the shallow minimum."""
    line = ax.axvline if vertical else ax.axhline
    marks = (("deep minimum", well.deep_min, COLORS["stable"], "--"),
             ("barrier", well.barrier, COLORS["theory"], "--"),
             ("shallow minimum", well.shallow_min, COLORS["curve"], ":"))
    for name, value, color, style in marks:
        line(value, color=color, lw=1.2, ls=style, label=name if labels else None)


def plot_landscape(well, ax=None, *, num_examples=10, x_range=(-2.0, 2.0)):
    """F(x) in black over a few per-example losses ℓᵢ(x) in grey; minima and barrier marked."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 4.8), layout="constrained")
    grid = np.linspace(*x_range, 400)
    picks = np.linspace(0, well.n_examples - 1, num_examples).astype(int)
    order = np.argsort(well.c)[picks]  # from the most negative slope cᵢ to the most positive
    curves = well.sample_losses(grid, np.broadcast_to(order, (len(grid), len(order))))
    for j in range(len(order)):
        ax.plot(grid, curves[:, j], color=COLORS["theory"], lw=0.8, alpha=0.7,
                label="loss of one example ℓᵢ(x)" if j == 0 else None)
    ax.plot(grid, well.f(grid), color=COLORS["curve"], lw=2.5, label="full loss F(x) = mean ℓᵢ(x)")
    for name, value, color in (("deep minimum", well.deep_min, COLORS["stable"]),
                               ("shallow minimum", well.shallow_min, COLORS["unstable"])):
        ax.plot(value, well.f(value), "o", color=color, ms=9, label=name, zorder=3)
    ax.plot(well.barrier, well.f(well.barrier), "^", color=COLORS["theory"], ms=9,
            label="barrier (local maximum)", zorder=3)
    ax.set_ylim(-4, 6)
    ax.set_xlim(*x_range)
    ax.set_xlabel("parameter x")
    ax.set_ylabel("loss")
    ax.set_title("One full loss, averaged from per-example losses that disagree")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=8, ncol=3)
    return ax


def plot_paths(paths, well, ax=None, *, gd_path=None, title=None):
    """x_t against step t for a few SGD runs (and a GD run), with the two basins marked."""
    if ax is None:
        _, ax = plt.subplots(figsize=(8.5, 3.6), layout="constrained")
    steps = np.arange(len(paths))
    for j in range(paths.shape[1]):
        ax.plot(steps, paths[:, j], color=PALETTE[[6, 1, 7, 2][j % 4]], lw=0.8,
                label=f"SGD run {j + 1}")
    if gd_path is not None:
        ax.plot(np.arange(len(gd_path)), gd_path, color=COLORS["gd"], lw=2.5,
                label="full-batch GD")
    mark_minima(well, ax, vertical=False)
    ax.set_ylim(-2.0, 2.0)
    ax.set_xlabel("step t")
    ax.set_ylabel("parameter $x_t$")
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    return ax


def plot_gradient_noise(noise, ax=None):
    """Measured variance of the mini-batch gradient against B, with σ²/B and the corrected law."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 3.8))
    b = noise["batch_size"]
    shown = noise["measured"] > 1e-12  # B = N: zero up to rounding, off a log axis
    ax.loglog(b[shown], noise["measured"][shown], "o", color=COLORS["sgd"], ms=7,
              label="measured (20,000 batches each)")
    ax.loglog(b, noise["with_replacement"], "--", color=COLORS["theory"],
              label="σ²/B (draws with replacement)")
    fine = np.arange(1, b.max())
    n = b.max()
    ax.loglog(fine, noise["sigma2"] / fine * (n - fine) / (n - 1), color=COLORS["curve"], lw=1,
              label="σ²/B · (N − B)/(N − 1) (distinct examples)")
    ax.set_xlabel("batch size B")
    ax.set_ylabel("variance of the batch gradient")
    ax.set_title(f"Gradient noise against batch size (N = {n}; B = N has none)")
    ax.legend(fontsize=8)
    return ax


def plot_heatmap(table, key="escaped", ax=None, *, title=None, cmap="viridis"):
    """A heatmap of ``table[key]`` (from ``sweep``): batch size down, learning rate across."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 4.0))
    values = table[key]
    image = ax.imshow(values, origin="lower", cmap=cmap, vmin=0, vmax=1, aspect="auto")
    lrs = table["lr"][0]
    ax.set_xticks(range(len(lrs)), [f"{v:.3g}" for v in lrs], rotation=45, fontsize=8)
    ax.set_yticks(range(len(table["batch_size"])), [str(b) for b in table["batch_size"]])
    for (i, j), value in np.ndenumerate(values):
        label = "0" if value == 0 else ("1" if value == 1 else f"{value:.2f}".lstrip("0"))
        label = "<.01" if 0 < value < 0.005 else label
        ax.text(j, i, label, ha="center", va="center",
                fontsize=7, color="white" if value < 0.6 else "black")
    ax.set_xlabel("learning rate lr")
    ax.set_ylabel("batch size B")
    ax.grid(False)
    if title:
        ax.set_title(title)
    ax.figure.colorbar(image, ax=ax, fraction=0.05, label="share of runs")
    return ax


def plot_collapse(table, axes=None, *, key="escaped"):
    """``table[key]`` against lr (left) and against the noise scale (right), one curve per B."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(9.0, 3.6), sharey=True)
    colors = PALETTE[1:]
    for i, batch_size in enumerate(table["batch_size"]):
        style = {"color": colors[i % 7], "marker": "o", "ms": 4, "label": f"B = {batch_size}"}
        axes[0].semilogx(table["lr"][i], table[key][i], **style)
        axes[1].semilogx(table["noise_scale"][i], table[key][i], **style)
    axes[0].set_xlabel("learning rate lr")
    axes[1].set_xlabel("noise scale lr/B · (N − B)/(N − 1)")
    ticks = table["noise_scale"][0]
    axes[1].set_xticks(ticks, [f"{g:.4f}" for g in ticks], fontsize=8)
    axes[1].minorticks_off()
    axes[0].set_ylabel("share of runs that escaped")
    axes[0].set_title("Against the learning rate")
    axes[1].set_title("Against the noise scale")
    axes[1].legend(fontsize=8)
    return axes


def plot_noise_effects(shallow, deep, well, axes=None):
    """Left: basin shares against the noise scale; right: the final loss above the deep minimum.

    shallow, deep: ``SGDRuns`` over an array of learning rates (B fixed), started in the shallow
    and in the deep minimum.
    """
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10.0, 3.8))
    g = shallow.noise_scale
    ax = axes[0]
    ax.semilogx(g, shallow.fraction("escaped"), "o-", color=COLORS["sgd"], ms=4,
                label="started shallow: ever escaped (not diverged)")
    ax.semilogx(g, shallow.fraction("in_deep"), "s-", color=COLORS["stable"], ms=4,
                label="started shallow: in the deep basin at the end")
    ax.semilogx(g, deep.fraction("in_deep"), "^--", color=COLORS["gd"], ms=4,
                label="started deep: still in the deep basin at the end")
    ax.semilogx(g, shallow.fraction("diverged"), "x:", color=COLORS["curve"], ms=6,
                label="diverged (|x| > 3)")
    ax.set_xlabel("noise scale lr/B · (N − B)/(N − 1)")
    ax.set_ylabel("share of runs")
    ax.set_ylim(-0.03, 1.03)
    ax.set_title("Where the runs are after the last step")
    ax.legend(fontsize=7.5, loc="center left")
    ax = axes[1]
    for runs, color, label in ((shallow, COLORS["sgd"], "started shallow"),
                               (deep, COLORS["gd"], "started deep")):
        kept = np.where(runs.diverged, np.nan, runs.final_loss - well.f_min)
        with np.errstate(invalid="ignore"):
            mean = np.array([np.nanmean(row) if np.any(np.isfinite(row)) else np.nan
                             for row in kept])
        ax.loglog(g, mean, "o-", color=color, ms=4, label=label)
    ax.axhline(well.f(well.shallow_min) - well.f_min, color=COLORS["theory"], ls="--", lw=1.2,
               label="sitting at the shallow minimum")
    ax.set_xlabel("noise scale lr/B · (N − B)/(N − 1)")
    ax.set_ylabel("mean final loss − F(deep minimum)")
    ax.set_title("How far above the deep minimum the runs end")
    ax.legend(fontsize=8)
    return axes


def plot_escape_times(curves, ax=None):
    """Share of runs escaped by step t: curves = {label: (steps, share)}."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.6))
    for i, (label, share) in enumerate(curves.items()):
        ax.plot(np.arange(len(share)), share, color=PALETTE[[6, 5, 3, 1][i % 4]], lw=1.8,
                label=label)
    ax.set_xlabel("step t")
    ax.set_ylabel("share of runs escaped by step t")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("Escape takes time: the longer you run, the more runs have left")
    ax.legend(fontsize=8)
    return ax


def plot_schedules(results, well, axes=None):
    """Left: the learning rate of each schedule; right: the mean loss of its runs, step by step.

    results: {label: (runs, lr_per_step)} with ``runs`` from ``run_sgd(..., record=num_runs)``.
    """
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10.0, 3.8))
    colors = [PALETTE[5], PALETTE[3], PALETTE[6], PALETTE[0]]
    for i, (label, (runs, lrs)) in enumerate(results.items()):
        color = colors[i % len(colors)]
        axes[0].semilogy(np.arange(1, len(lrs) + 1), lrs, color=color, lw=1.8, label=label)
        gap = np.nanmean(well.f(runs.paths), axis=1) - well.f_min
        axes[1].semilogy(np.arange(len(gap)), gap, color=color, lw=1.5, label=label)
    axes[1].axhline(well.f(well.shallow_min) - well.f_min, color=COLORS["theory"], ls="--",
                    lw=1.2, label="sitting at the shallow minimum")
    axes[0].set_xlabel("step t")
    axes[0].set_ylabel("learning rate (log scale)")
    axes[0].set_title("Learning-rate schedules (B = 1)")
    axes[0].legend(fontsize=8)
    axes[1].set_xlabel("step t")
    axes[1].set_ylabel("mean $F(x_t)$ − F(deep minimum) (log)")
    axes[1].set_title("Mean loss of the runs above the deep minimum")
    axes[1].legend(fontsize=8, loc="lower left")
    return axes

