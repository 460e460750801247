"""Notebooks 07a and 07b's figures: the landscape, paths, gradient noise, escape tables and times.

Each ``plot_*`` function takes ``ax=None`` (a new figure) and returns the axes.
``make_runs_figure`` and ``draw_runs`` are the figure of 07b's panel (``helpers.panels.escape``).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, NullLocator

from ..blit import step_above
from ..lab.escape import BOUND
from ..plots import COLORS, PALETTE, plain_log_ticks
from ..theory import gibbs_share_deep, sgd_temperature


def _plain_ticks(axis, ticks):
    """Ticks of a log axis at ``ticks``, labelled 0.003, 0.01, … in plain numbers, no minor ones."""
    axis.set_ticks(ticks, [f"{t:g}" for t in ticks])
    axis.set_minor_locator(NullLocator())


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
    ax.set_xticks(b, [str(v) for v in b])
    ax.minorticks_off()
    plain_log_ticks(ax.yaxis, minor_ticks=False)
    ax.set_xlabel("batch size B (log scale)")
    ax.set_ylabel("variance of the batch gradient (log scale)")
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
    colors = [PALETTE[k] for k in (1, 2, 3, 7, 5, 6, 0)]  # no yellow: too pale on white
    for i, batch_size in enumerate(table["batch_size"]):
        style = {"color": colors[i % len(colors)], "marker": "o", "ms": 4,
                 "label": f"B = {batch_size}"}
        axes[0].semilogx(table["lr"][i], table[key][i], **style)
        axes[1].semilogx(table["noise_scale"][i], table[key][i], **style)
    _plain_ticks(axes[0].xaxis, [0.003, 0.01, 0.03, 0.1, 0.3])
    axes[0].set_xlabel("learning rate lr (log scale)")
    axes[1].set_xlabel("noise scale lr/B · (N − B)/(N − 1) (log scale)")
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
                label="from shallow: escaped")
    ax.semilogx(g, shallow.fraction("in_deep"), "s-", color=COLORS["stable"], ms=4,
                label="from shallow: deep at the end")
    ax.semilogx(g, deep.fraction("in_deep"), "^--", color=COLORS["gd"], ms=4,
                label="from deep: deep at the end")
    ax.semilogx(g, shallow.fraction("diverged"), "x:", color=COLORS["curve"], ms=6,
                label="diverged (|x| > 3)")
    _plain_ticks(ax.xaxis, [0.001, 0.003, 0.01, 0.03, 0.1])
    ax.set_xlabel("noise scale lr/B · (N − B)/(N − 1) (log scale)")
    ax.set_ylabel("share of runs")
    ax.set_ylim(-0.03, 1.03)
    ax.set_title("Where the runs are after the last step")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(0.0, 0.5))
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
    _plain_ticks(ax.xaxis, [0.001, 0.003, 0.01, 0.03, 0.1])
    _plain_ticks(ax.yaxis, [0.02, 0.05, 0.1, 0.2, 0.5, 1])
    ax.set_xlabel("noise scale lr/B · (N − B)/(N − 1) (log scale)")
    ax.set_ylabel("mean final loss − F(deep minimum) (log scale)")
    ax.set_title("How far above the deep minimum the runs end")
    ax.legend(fontsize=8)
    return axes


ESCAPE_COLORS = (PALETTE[5], PALETTE[1], PALETTE[3])  # one colour per learning rate, both parts


def _label_ends(ax, x, ys, labels, colors, *, min_gap, log=False):
    """Write each label just right of x at its line's last value y, nudged apart so that no two
    are closer than min_gap (in log10 units when ``log``)."""
    ys = np.log10(ys) if log else np.asarray(ys, dtype=float)
    placed = {}
    for i in np.argsort(ys):
        placed[i] = ys[i] if not placed else max(ys[i], max(placed.values()) + min_gap)
    for i, y in placed.items():
        ax.text(x, 10**y if log else y, labels[i], color=colors[i], fontsize=8.5, va="center",
                clip_on=False)


def plot_escape_curves(escaped, ax=None, *, kramers=None):
    """Share of runs escaped by step t, one colour per learning rate: the median over seeds as a
    line, their range as a band, and Kramers' prediction 1 − exp(−t/τ) dashed if given.

    escaped: {lr: (seeds, T + 1) shares}; kramers: {lr: mean wait τ in steps} or None.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 3.8), layout="constrained")
    ends, labels, colors = [], [], []
    for (lr, shares), color in zip(escaped.items(), ESCAPE_COLORS):
        steps = np.arange(shares.shape[1])
        ax.fill_between(steps, shares.min(axis=0), shares.max(axis=0), color=color, alpha=0.25,
                        lw=0)
        ax.plot(steps, np.median(shares, axis=0), color=color, lw=1.8)
        if kramers is not None:
            ax.plot(steps, 1 - np.exp(-steps / kramers[lr]), "--", color=color, lw=1.2)
        ends.append(float(np.median(shares[:, -1])))
        labels.append(f"lr = {lr}")
        colors.append(color)
    _label_ends(ax, steps[-1] * 1.02, np.array(ends), labels, colors, min_gap=0.07)
    ax.plot([], [], color="#555555", lw=1.8, label=f"measured: median of {len(shares)} seeds "
            "(band: their range)")
    if kramers is not None:
        ax.plot([], [], "--", color="#555555", lw=1.2, label="Kramers: 1 − exp(−t/τ)")
    ax.set_xlim(0, steps[-1])
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("step t")
    ax.set_ylabel("share of runs escaped by step t")
    ax.set_title("Escaping takes time")
    ax.legend(fontsize=8, loc="upper left")
    return ax


def plot_gibbs(lrs, from_shallow, from_deep, well, sigma2, ax=None, *, num_runs=300):
    """Share in the deep basin at the end against the noise scale (B = 1): measured from both
    starts, and the long-run Gibbs prediction. from_shallow, from_deep: ``SGDRuns`` over lrs."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 3.9), layout="constrained")
    fine = np.geomspace(lrs[0], lrs[-1], 200)
    ax.plot(fine, [gibbs_share_deep(well, T) for T in sgd_temperature(fine, 1, well.n_examples,
                                                                      sigma2)],
            color=COLORS["theory"], lw=2.5, label="Gibbs prediction from e^(−2F/T)")
    kept = from_shallow.fraction("diverged") < 0.5  # a run that left the well is in no basin
    shallow, deep = from_shallow.fraction("in_deep"), from_deep.fraction("in_deep")
    err = 2 * np.sqrt(np.clip(shallow * (1 - shallow), 1e-4, None) / num_runs)
    ax.errorbar(lrs[kept], shallow[kept], yerr=err[kept], fmt="o", color=COLORS["sgd"], ms=5,
                capsize=2, label="measured, started shallow (±2 s.e.)")
    ax.plot(lrs[kept], deep[kept], "s", mfc="none", color=COLORS["gd"], ms=6,
            label="measured, started deep")
    ax.axvspan(lrs[kept][-1] * 1.2, lrs[-1], color=COLORS["unstable"], alpha=0.15, lw=0)
    ax.text(lrs[kept][-1] * 1.25, 0.9, "runs\ndiverge", fontsize=8)
    ax.axvspan(lrs[0], 0.012, color=COLORS["theory"], alpha=0.15, lw=0)
    ax.text(0.0012, 0.45, "1000 steps too few\nto forget the start", fontsize=8)
    ax.set_xscale("log")
    _plain_ticks(ax.xaxis, [0.001, 0.003, 0.01, 0.03, 0.1])
    ax.set_ylim(-0.03, 1.05)
    ax.set_xlabel("noise scale g = lr (B = 1), log scale")
    ax.set_ylabel("share in the deep basin at the end")
    ax.set_title("Where runs end up: the Gibbs distribution")
    ax.legend(fontsize=8, loc="lower right", bbox_to_anchor=(0.93, 0.08))
    return ax


def plot_schedules(results, well, axes=None):
    """Left: the learning rate of each schedule; right: the mean loss of its runs, step by step.

    results: {label: (runs, lr_per_step)} with ``runs`` from ``run_sgd(..., record=num_runs)``.
    Each line is labelled at its right end, so no legend has to be matched by colour.
    """
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11.0, 3.9), layout="constrained")
    colors = [PALETTE[5], PALETTE[3], PALETTE[6], PALETTE[0]]
    labels, lr_ends, gap_ends = [], [], []
    for i, (label, (runs, lrs)) in enumerate(results.items()):
        color = colors[i % len(colors)]
        steps = np.arange(1, len(lrs) + 1)
        axes[0].plot(steps, lrs, color=color, lw=2)
        gap = np.nanmean(well.f(runs.paths), axis=1) - well.f_min
        # the calm lines on top of the rattling ones, so that none hides under another
        axes[1].plot(np.arange(len(gap)), gap, color=color, lw=1.6 if i != 2 else 1.0,
                     zorder=3 if i != 2 else 2)
        labels.append(label)
        lr_ends.append(lrs[-1])
        gap_ends.append(float(np.mean(gap[-100:])))
    shallow = float(well.f(well.shallow_min) - well.f_min)
    axes[1].axhline(shallow, color=COLORS["theory"], ls=":", lw=1.5, zorder=1)
    axes[1].text(0.99 * len(results[labels[0]][1]), shallow - 0.015,
                 "staying at the shallow minimum", fontsize=8, color="#666666", ha="right",
                 va="top")
    end = len(lrs)
    axes[0].set_yscale("log")
    _plain_ticks(axes[0].yaxis, [0.001, 0.003, 0.01, 0.03])
    _label_ends(axes[0], end * 1.02, lr_ends, labels, colors, min_gap=0.12, log=True)
    _label_ends(axes[1], end * 1.02, np.array(gap_ends), labels, colors, min_gap=0.06)
    axes[0].set_xlim(0, end)
    axes[1].set_xlim(0, end)
    axes[1].set_ylim(0, 1.05)
    axes[0].set_xlabel("step t")
    axes[0].set_ylabel("learning rate (log scale)")
    axes[0].set_title("The four schedules (B = 1)")
    axes[1].set_xlabel("step t")
    axes[1].set_ylabel("mean loss above the deep minimum")
    axes[1].set_title("Mean loss of the runs: lower is better")
    return axes


def make_runs_figure(well, bins, *, num_paths=5):
    """The panel's figure: the landscape with where the runs ended (a histogram over ``bins``),
    and x_t against t for ``num_paths`` runs. Returns (fig, artists): the histogram bars, the
    paths and the texts that ``draw_runs`` updates (all ``animated``)."""
    fig = Figure(figsize=(9.0, 3.8), dpi=80)
    ax_land, ax_path = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.2]})
    fig.subplots_adjust(left=0.07, right=0.9, bottom=0.13, top=0.91, wspace=0.42)
    grid = np.linspace(-2.0, 2.0, 301)
    (landscape,) = ax_land.plot(grid, well.f(grid), color=COLORS["curve"], lw=2,
                                label="loss F(x)")
    ax_hist = ax_land.twinx()
    bars = ax_hist.bar(bins[:-1], np.zeros(len(bins) - 1), width=np.diff(bins),
                       align="edge", color=COLORS["sgd"], alpha=0.55, animated=True)
    ax_hist.set_ylabel("share of runs ending here")
    ax_hist.grid(False)
    art = {"ax_hist": ax_hist, "ax_path": ax_path, "bars": list(bars), "num_paths": num_paths}
    art["diverged_note"] = ax_hist.text(0.5, 0.97, "", transform=ax_hist.transAxes, ha="center",
                                        va="top", fontsize=9, animated=True)
    ax_land.set_xlim(-2, 2)
    ax_land.set_ylim(-0.6, 4.0)
    ax_land.set_xlabel("parameter x")
    ax_land.set_ylabel("loss F(x)")
    ax_land.set_title("Landscape, and where the runs end")
    ax_land.legend([landscape, bars[0]], ["loss F(x)", "final x of the runs"],
                   loc="upper center", fontsize=8, bbox_to_anchor=(0.5, 0.9))
    art["paths"] = [
        ax_path.plot([], [], color=PALETTE[6] if j == 0 else COLORS["theory"],
                     lw=1.4 if j == 0 else 0.6, zorder=3 if j == 0 else 2, animated=True,
                     label="run 1" if j == 0 else (f"runs 2-{num_paths}" if j == 1 else None))[0]
        for j in range(num_paths)
    ]
    (art["diverged_marker"],) = ax_path.plot([], [], "X", color=COLORS["curve"], ms=10,
                                             label="run 1 diverged", zorder=4, animated=True)
    mark_minima(well, ax_path, vertical=False, labels=False)
    for name, value in (("deep min", well.deep_min), ("barrier", well.barrier),
                        ("shallow min", well.shallow_min)):
        ax_path.annotate(name, (1.01, value), xycoords=("axes fraction", "data"), va="center",
                         fontsize=8)
    ax_path.set_ylim(-BOUND, BOUND)
    ax_path.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax_path.set_xlabel("step t")
    ax_path.set_ylabel("parameter $x_t$")
    ax_path.legend(fontsize=8, loc="lower left", ncol=3)
    art["title"] = ax_path.text(0.5, 1.02, "", transform=ax_path.transAxes, ha="center",
                                fontsize=10, animated=True)
    return fig, art


def draw_runs(art, state):
    """Update the histogram, the paths and the texts of ``make_runs_figure`` from a panel state
    ("counts", "diverged", "paths", "steps", "diverged_at", "num_steps", "batch_size", "lr",
    "noise_scale")."""
    counts = state["counts"]
    for bar, height in zip(art["bars"], counts):
        bar.set_height(height)
    art["ax_hist"].set_ylim(0, step_above(1.15 * counts.max(), (0.25, 0.5, 0.75, 1.0, 1.15)))
    diverged = state["diverged"]
    art["diverged_note"].set_text(
        f"{diverged:.0%} of the runs diverged (not shown)" if diverged > 0 else "")
    paths = state["paths"]
    for j, line in enumerate(art["paths"]):
        if j < paths.shape[1]:
            line.set_data(state["steps"], paths[:, j])
        else:
            line.set_data([], [])
    marker = art["diverged_marker"]
    if state["diverged_at"] >= 0:  # at the step it diverged, drawn at its last finite x
        last = state["diverged_at"] - 1
        marker.set_data([state["diverged_at"]], [paths[last, 0]])
    else:
        marker.set_data([], [])
    # when every path shown stopped early, zoom in on the steps before they diverged
    alive = np.flatnonzero(np.any(np.isfinite(paths), axis=1))
    end = max(alive[-1], state["diverged_at"])
    art["ax_path"].set_xlim(0, min(state["num_steps"], max(10, int(1.2 * end) + 1)))
    art["title"].set_text(f"x_t of {art['num_paths']} runs: B = {state['batch_size']}, "
                          f"lr = {state['lr']:.3g}, noise scale {state['noise_scale']:.2g}")
