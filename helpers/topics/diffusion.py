"""Deep dive D3, noise, escape and diffusion: when does SGD's noise carry it out of a minimum?

On ``helpers.objectives.DoubleWell`` (a deep minimum near −1, a shallow one near +1; a batch
gradient is F'(x) plus the batch mean of the slopes cᵢ). Measurements (pure numpy, many runs
at once): ``run_escapes``, the shares escaped at equal time, and the theory of SGD as diffusion
(temperature, Gibbs share, Kramers' time). Figures: landscape, paths, shares, escape curves,
Gibbs. The panel: 100 runs for a batch size, lr, seed and number of steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from helpers.batches import random_batches
from helpers.kit.blit import step_above
from helpers.kit.checks import check_int
from helpers.kit.plots import COLORS, PALETTE, plain_log_ticks
from helpers.kit.text import plural
from helpers.kit.widgets import Panel, batch_size_slider, int_slider, lr_slider
from helpers.objectives import DoubleWell

BOUND = 3.0  # a run with |x| > BOUND has diverged: it is stopped, its final x is NaN

# ---- measurements ------------------------------------------------------------------------------


def make_well() -> DoubleWell:
    """The deep dive's double well: N = 64 examples, tilt 0.3, slopes cᵢ of spread σ = 8."""
    return DoubleWell(n_examples=64, tilt=0.3, noise=8.0, seed=0)


def noise_scale(lr, batch_size, n_examples: int):
    """lr/B · (N − B)/(N − 1): the variance the kicks add per unit of time lr·t, per unit σ²
    (batches of B distinct examples out of N; 0 for the full batch). Numbers or arrays."""
    return lr / batch_size * (n_examples - batch_size) / (n_examples - 1)


def temperature(lr, batch_size, n_examples: int, sigma2: float):
    """SGD's temperature T = σ² · lr/B · (N − B)/(N − 1) (σ²: one example's gradient variance)."""
    return sigma2 * noise_scale(lr, batch_size, n_examples)


def deep_side(well, x):
    """True where x lies on the deep minimum's side of the barrier (False for NaN)."""
    with np.errstate(invalid="ignore"):
        return x < well.barrier if well.deep_min < well.barrier else x > well.barrier


def gibbs_share_deep(well, T: float) -> float:
    """The long-run share in the deep basin: the Gibbs density exp(−2F/T) over the deep side of
    the barrier, divided by its integral on [−2.5, 2.5] (negligible beyond, for T up to ~5)."""
    x = np.linspace(-2.5, 2.5, 4001)
    density = np.exp(-2 * (well.f(x) - well.f_min) / T)  # <= 1: no overflow
    return float(density[deep_side(well, x)].sum() / density.sum())  # the grid step cancels


def kramers_escape_time(well, T: float) -> float:
    """Kramers' mean time (in units of lr·steps) to leave the shallow minimum a over the
    barrier b: 2π/√(F''(a)·|F''(b)|) · exp(2ΔF/T), ΔF = F(b) − F(a); inf if it overflows."""
    a, b = well.shallow_min, well.barrier
    with np.errstate(over="ignore"):
        wait = np.exp(2 * float(well.f(b) - well.f(a)) / T)
    curvatures = (12 * a * a - 4) * abs(12 * b * b - 4)  # F''(x) = 12x² − 4
    return float(2 * math.pi / math.sqrt(curvatures) * wait)


@dataclass
class EscapeRuns:
    """What ``run_escapes`` did, per learning rate and run: arrays (L, R), or (R,) for one lr.
    x_final: NaN for a diverged run; escaped_at: the first step halfway down into the deep
    basin, diverged_at: the step past |x| = BOUND (−1: never); paths: (T+1, k) or None."""

    x_final: np.ndarray
    escaped_at: np.ndarray
    diverged_at: np.ndarray
    in_deep: np.ndarray
    paths: np.ndarray | None

    @property
    def escaped(self) -> np.ndarray:  # reached the deep basin and did not diverge
        return (self.escaped_at >= 0) & (self.diverged_at < 0)

    def share(self, name: str):
        """The share of the runs (last axis): "escaped", "in_deep" or "diverged"."""
        values = self.diverged_at >= 0 if name == "diverged" else getattr(self, name)
        return values.mean(axis=-1)

    def escaped_by(self, num_steps: int) -> np.ndarray:
        """Share of the runs escaped at or before step t, for t = 0 … num_steps: (..., T+1)."""
        t = np.arange(num_steps + 1)
        return (self.escaped[..., None] & (self.escaped_at[..., None] <= t)).mean(axis=-2)


def run_escapes(well, lr, batch_size: int, num_steps, *, num_runs: int = 300, seed=0, x0=None,
                record: int = 0) -> EscapeRuns:
    """``num_runs`` runs of x ← x − lr·(mean of ℓᵢ' over a fresh batch of B distinct examples)
    from x0 (default: the shallow minimum): D3 §2's loop, step for step. lr: a number or (L,)
    learning rates sharing the batches; num_steps: an int or (L,) ints; record: keep x_t of the
    first ``record`` runs (one lr)."""
    n, lrs = well.n_examples, np.atleast_1d(np.asarray(lr, dtype=float))
    steps = np.broadcast_to(num_steps, lrs.shape)[:, None]
    rng = np.random.default_rng(seed)
    x_start = well.shallow_min if x0 is None else x0
    x = np.full((len(lrs), num_runs), float(x_start))
    escaped_at, diverged_at = np.full(x.shape, -1), np.full(x.shape, -1)
    into_deep = 0.5 * (well.barrier + well.deep_min)  # halfway down from the barrier
    paths = np.full((int(steps.max()) + 1, record), float(x_start)) if record else None
    for t in range(1, int(steps.max()) + 1):
        if batch_size == n:  # the full batch: the slopes cᵢ average to zero, plain GD
            grad = well.grad(x)
        else:  # F'(x) + the mean slope of the batch; the L learning rates share the batches
            grad = well.batch_grad(x, random_batches(n, batch_size, num_runs, rng))
        active = (diverged_at < 0) & (t <= steps)
        x = np.where(active, x - lrs[:, None] * grad, x)
        out = active & ~(np.abs(x) <= BOUND)
        diverged_at[out] = t
        x[out] = np.nan
        deeper = (x - into_deep) * (well.deep_min - into_deep) > 0  # past halfway (NaN: no)
        escaped_at[active & ~out & (escaped_at < 0) & deeper] = t
        if record:
            paths[t] = x[0, :record]
    squeeze = (lambda a: a[0]) if np.ndim(lr) == 0 else (lambda a: a)
    return EscapeRuns(squeeze(x), squeeze(escaped_at), squeeze(diverged_at),
                      squeeze(deep_side(well, x)), paths)


def shares_at_equal_time(well, noise_scales, batch_sizes, *, time: float = 10.0,
                         num_runs: int = 300, seeds=(0, 1, 2)) -> np.ndarray:
    """Share of runs that escaped within the time lr·steps = ``time``, each batch size at the
    learning rates that give ``noise_scales`` (G,): shape (len(seeds), len(batch_sizes), G)."""
    out = np.zeros((len(seeds), len(batch_sizes), len(noise_scales)))
    for s, seed in enumerate(seeds):
        for k, b in enumerate(batch_sizes):
            lrs = np.asarray(noise_scales) / noise_scale(1.0, b, well.n_examples)
            runs = run_escapes(well, lrs, b, np.ceil(time / lrs - 1e-9).astype(int),
                               num_runs=num_runs, seed=seed)
            out[s, k] = runs.share("escaped")
    return out


# ---- figures -----------------------------------------------------------------------------------


def mark_levels(well, ax) -> None:
    """Horizontal lines at the deep minimum, the barrier and the shallow minimum, named."""
    for name, value, style in (("deep min", well.deep_min, "--"), ("barrier", well.barrier, ":"),
                               ("shallow min", well.shallow_min, "--")):
        ax.axhline(value, color=COLORS["theory"], lw=1, ls=style)
        ax.annotate(name, (1.01, value), xycoords=("axes fraction", "data"), va="center",
                    fontsize=8)
    ax.set(ylim=(-BOUND, BOUND), xlabel="step t", ylabel="parameter $x_t$")


def plot_landscape(well, ax=None, *, num_examples: int = 10):
    """F(x) in black over ``num_examples`` per-example losses ℓᵢ(x) in grey, minima marked."""
    ax = ax or plt.subplots(figsize=(6.5, 4.0), layout="constrained")[1]
    grid = np.linspace(-2.0, 2.0, 301)
    picks = np.argsort(well.c)[np.linspace(0, well.n_examples - 1, num_examples).astype(int)]
    for j, i in enumerate(picks):  # from the most negative slope cᵢ to the most positive
        ax.plot(grid, well.sample_losses(grid, np.full((len(grid), 1), i))[:, 0], lw=0.7,
                color=COLORS["theory"], label="the loss of one example, ℓᵢ(x)" if j == 0 else None)
    ax.plot(grid, well.f(grid), color=COLORS["curve"], lw=2.2, label="full loss F(x) = mean ℓᵢ(x)")
    for name, x, marker in (("deep minimum", well.deep_min, "o"), ("barrier", well.barrier, "^"),
                            ("shallow minimum", well.shallow_min, "s")):
        ax.plot(x, well.f(x), marker, color=COLORS["sgd"], ms=7, label=name, zorder=3)
    ax.set(xlim=(-2, 2), ylim=(-4, 6) if num_examples else (-0.6, 4), xlabel="parameter x",
           ylabel="loss")
    if num_examples:  # below the axes, off the curves
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncols=3)
    return ax


def plot_paths(paths, well, ax=None, *, gd_path=None):
    """x_t against t for a few SGD runs (paths (T+1, k)) and a GD run, levels marked."""
    ax = ax or plt.subplots(figsize=(8.0, 3.4), layout="constrained")[1]
    for j in range(paths.shape[1]):
        ax.plot(paths[:, j], color=PALETTE[[6, 1, 7, 2][j % 4]], lw=0.8, label=f"SGD run {j + 1}")
    if gd_path is not None:
        ax.plot(gd_path, color=COLORS["gd"], lw=2.5, label="full-batch GD")
    mark_levels(well, ax)
    ax.set_ylim(-2, 2)
    ax.legend(fontsize=8, ncols=5, loc="lower left")
    return ax


def plot_shares(noise_scales, batch_sizes, shares, n_examples: int, axes=None):
    """Shares escaped (shares (S, K, G): seeds × batch sizes × noise scales) against lr (left)
    and against the noise scale (right): the mean over seeds, bars from lowest to highest."""
    axes = axes if axes is not None else plt.subplots(1, 2, figsize=(10.0, 3.6), sharey=True,
                                                      layout="constrained")[1]
    for k, b in enumerate(batch_sizes):
        mean, low, high = shares[:, k].mean(0), shares[:, k].min(0), shares[:, k].max(0)
        for ax, x in zip(axes, (noise_scales / noise_scale(1.0, b, n_examples), noise_scales)):
            ax.errorbar(x, mean, yerr=(mean - low, high - mean), marker="o", ms=4, capsize=2,
                        color=PALETTE[[6, 5, 3, 7, 1][k % 5]], label=f"B = {b}")
    for ax, name in zip(axes, ("learning rate lr", "noise scale lr/B · (N − B)/(N − 1)")):
        ax.set_xscale("log")
        plain_log_ticks(ax.xaxis, minor_ticks=False)
        ax.set_xlabel(f"{name} (log scale)")
    axes[1].set_xticks(noise_scales, [f"{g:.4f}" for g in noise_scales], fontsize=8)
    axes[0].set_ylabel("share of runs escaped")
    axes[1].legend(fontsize=8)
    return axes


def plot_escape_curves(escaped, kramers, ax=None):
    """Share escaped by step t: escaped = {lr: (S, T+1)} (the median over seeds, a band over
    their range), and Kramers' 1 − exp(−t/τ) dashed, kramers = {lr: mean wait in steps}."""
    ax = ax or plt.subplots(figsize=(6.0, 3.8), layout="constrained")[1]
    for (lr, shares), color in zip(escaped.items(), (PALETTE[5], PALETTE[1], PALETTE[3])):
        t = np.arange(shares.shape[1])
        ax.fill_between(t, shares.min(axis=0), shares.max(axis=0), color=color, alpha=0.3, lw=0)
        ax.plot(t, np.median(shares, axis=0), color=color, lw=1.8, label=f"lr = {lr}, measured")
        ax.plot(t, 1 - np.exp(-t / kramers[lr]), "--", color=color, lw=1.2, label="Kramers")
    ax.set(xlabel="step t", ylabel="share of runs escaped by step t", ylim=(0, 1.15))
    ax.legend(fontsize=8, ncols=3, loc="upper left")
    return ax


def plot_gibbs(well, temperatures, from_shallow, from_deep, ax=None):
    """Shares in the deep basin at the end (from either minimum) against T, over Gibbs's."""
    ax = ax or plt.subplots(figsize=(6.0, 3.8), layout="constrained")[1]
    fine = np.geomspace(temperatures[0], temperatures[-1], 100)
    ax.plot(fine, [gibbs_share_deep(well, T) for T in fine], color=COLORS["theory"], lw=2.5,
            label="Gibbs: exp(−2F/T)")
    ax.plot(temperatures, from_shallow, "o", color=COLORS["sgd"], label="measured, from shallow")
    ax.plot(temperatures, from_deep, "s", mfc="none", color=COLORS["gd"],
            label="measured, from deep")
    ax.set_xscale("log")
    plain_log_ticks(ax.xaxis)
    ax.set(xlabel="temperature T = σ² · noise scale (log scale)",
           ylabel="share in the deep basin at the end")
    ax.legend(fontsize=8)
    return ax


# ---- the panel ---------------------------------------------------------------------------------

PANEL_RUNS, PANEL_PATHS, BINS = 100, 5, np.linspace(-2.0, 2.0, 41)


def compute(batch_size: int, lr: float, seed: int, num_steps: int, *, well) -> dict:
    """The panel's state: 100 runs from the shallow minimum, the paths of the first five, the
    histogram of final positions ("counts", shares of all runs per bin), and a message."""
    runs = run_escapes(well, lr, batch_size, num_steps, num_runs=PANEL_RUNS, seed=seed,
                       record=PANEL_PATHS)
    counts = np.histogram(runs.x_final[np.isfinite(runs.x_final)], BINS)[0] / PANEL_RUNS
    state = {"paths": runs.paths, "counts": counts, "diverged": float(runs.share("diverged")),
             "num_steps": num_steps, "title": f"B = {batch_size}, lr = {lr:.3g}, noise scale "
             f"{noise_scale(lr, batch_size, well.n_examples):.2g}"}
    escaped, diverged = int(runs.escaped_at[0]), int(runs.diverged_at[0])  # run 1
    if diverged >= 0:
        head, state["level"] = f"Run 1 diverged at step {diverged} (|x| > {BOUND:g}).", "error"
    elif escaped >= 0:
        end = "stayed there" if runs.in_deep[0] else "ended in the shallow basin again"
        head, state["level"] = f"Run 1 escaped at step {escaped} and {end}.", "ok"
    else:
        why = " (the full batch is plain GD: no noise)" if batch_size == well.n_examples else ""
        head = f"Run 1 stayed in the shallow basin for {plural(num_steps, 'step')}{why}."
        state["level"] = "info"
    state["message"] = (f"{head} Of {PANEL_RUNS} runs: {runs.share('escaped'):.0%} escaped, "
                        f"{runs.share('in_deep'):.0%} end in the deep basin, "
                        f"{state['diverged']:.0%} diverged.")
    return state


def make_figure(well):
    """Left: the landscape (``plot_landscape``) with a histogram of where the runs end; right:
    x_t of five runs (``mark_levels``). The bars, paths and texts are animated."""
    fig = Figure(figsize=(9.0, 3.8))
    ax_land, ax_path = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.2]})
    fig.subplots_adjust(left=0.07, right=0.9, bottom=0.14, top=0.9, wspace=0.4)
    plot_landscape(well, ax_land, num_examples=0)
    ax_land.set_title("F(x), and where the runs end (bars)", fontsize=10)
    ax_hist = ax_land.twinx()
    ax_hist.set(ylabel="share of runs ending here")
    ax_hist.grid(False)
    art = {"ax_hist": ax_hist, "ax_path": ax_path,
           "bars": ax_hist.bar(BINS[:-1], np.zeros(len(BINS) - 1), width=np.diff(BINS),
                               align="edge", color=COLORS["sgd"], alpha=0.5, animated=True),
           "note": ax_hist.text(0.5, 0.6, "", transform=ax_hist.transAxes, ha="center",
                                fontsize=9, animated=True)}
    mark_levels(well, ax_path)
    art["paths"] = [ax_path.plot([], [], color=PALETTE[6] if j == 0 else COLORS["theory"],
                                 lw=1.4 if j == 0 else 0.6, zorder=3 - (j > 0), animated=True)[0]
                    for j in range(PANEL_PATHS)]
    art["title"] = ax_path.set_title("", fontsize=10)
    art["title"].set_animated(True)
    return fig, art


def draw(art, state):
    """Bars, paths and texts from a state of ``compute``; the x axis follows the steps."""
    for bar, height in zip(art["bars"], state["counts"]):
        bar.set_height(height)
    art["ax_hist"].set_ylim(0, step_above(1.15 * state["counts"].max(), (0.25, 0.5, 1.0, 1.15)))
    art["note"].set_text(f"{state['diverged']:.0%} of the runs diverged (not shown)"
                         if state["diverged"] else "")
    steps = np.arange(len(state["paths"]))
    for j, line in enumerate(art["paths"]):
        line.set_data(steps, state["paths"][:, j])
    seen = np.flatnonzero(np.isfinite(state["paths"]).any(axis=1))[-1]  # all diverged: zoom in
    art["ax_path"].set_xlim(0, state["num_steps"] if seen == len(steps) - 1 else max(10, 2 * seen))
    art["title"].set_text(f"x_t of {PANEL_PATHS} runs (run 1 in orange): {state['title']}")


def escape_panel(batch_size: int = 1, lr: float = 0.01, seed: int = 0,
                 num_steps: int = 500) -> Panel:
    """D3's panel: 100 SGD runs from the shallow minimum. batch_size 1, 2, 4, …, 64 (the full
    batch); lr 0.001 … 0.3; seed 0 … 20; num_steps 50 … 1000. Redrawn on release (a frame runs
    100 × num_steps steps)."""
    well = make_well()
    release = {"continuous_update": False}
    controls = {
        "batch_size": batch_size_slider(well.n_examples, value=batch_size, **release),
        "lr": lr_slider(value=lr, min=1e-3, max=0.3, **release),
        "seed": int_slider(check_int("seed", seed, low=0, high=20), 0, 20, description="seed",
                           **release),
        "num_steps": int_slider(num_steps, 50, 1000, step=50, description="steps", **release),
    }
    return Panel(controls, lambda **values: compute(**values, well=well),
                 lambda: make_figure(well), draw)
