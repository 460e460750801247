"""Notebook 07's panel: 100 SGD runs on the double well, for a batch size, lr, seed and steps.

The panel contract (``helpers.widgets.Panel``): ``compute`` (pure: the runs and the message),
``make_figure`` (what never changes; the bars, paths and texts that do are ``animated``),
``draw`` (updates only those). The measurements behind it are in ``helpers.lab.escape``.
"""

from __future__ import annotations

import functools

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..blit import step_above
from ..figures.escape import mark_minima
from ..lab.escape import BOUND, _check_well, make_well, run_sgd
from ..plots import COLORS, PALETTE
from ..text import plural
from ..validate import check_batch_size, check_int, check_lr
from ..widgets import Panel, batch_size_slider, int_slider, lr_slider


@functools.cache
def panel_well():
    """The panel's double well (``make_well()``), made once."""
    return make_well()


PANEL_RUNS = 100  # runs behind the histogram of final positions


PANEL_PATHS = 5  # runs drawn as x_t against t (the first is the one the message is about)


HIST_BINS = np.linspace(-2.0, 2.0, 41)


def compute(batch_size=1, lr=0.01, seed=0, num_steps=500, *, well=None,
                   num_runs=PANEL_RUNS):
    """Everything the panel shows, from the slider values; a pure function.

    Runs ``num_runs`` copies of SGD (batch ``batch_size``, learning rate ``lr``) from the shallow
    minimum for ``num_steps`` steps. Returns a dict with the landscape ("grid", "loss"), the
    histogram of final positions ("bins", "counts": share of runs per bin), the paths of the first
    runs ("paths" (T+1, k)), their step axis ("steps"), the shares "escaped", "in_deep",
    "diverged", the first run's "escaped_at"/"crossings"/"diverged_at", "noise_scale",
    "message" and "level".
    """
    well = panel_well() if well is None else well
    _check_well(well)
    num_runs = check_int("num_runs", num_runs, low=1)
    lr = check_lr(lr)
    seed = check_int("seed", seed, low=0)
    num_steps = check_int("num_steps", num_steps, low=1)
    batch_size = check_batch_size(batch_size, well.n_examples)
    runs = run_sgd(well, lr, batch_size, num_steps, num_runs=num_runs, seed=seed,
                   record=min(PANEL_PATHS, num_runs))
    finite = runs.x_final[~runs.diverged]
    counts, _ = np.histogram(np.clip(finite, HIST_BINS[0], HIST_BINS[-1]), bins=HIST_BINS)
    grid = np.linspace(-2.0, 2.0, 301)
    state = {
        "grid": grid, "loss": well.f(grid), "bins": HIST_BINS, "counts": counts / num_runs,
        "paths": runs.paths, "steps": np.arange(num_steps + 1),
        "escaped": runs.fraction("escaped"), "in_deep": runs.fraction("in_deep"),
        "diverged": runs.fraction("diverged"),
        "escaped_at": int(runs.escaped_at[0]), "crossings": int(runs.crossings[0]),
        "diverged_at": int(runs.diverged_at[0]), "noise_scale": runs.noise_scale,
        "batch_size": batch_size, "lr": lr, "seed": seed, "num_steps": num_steps,
        "num_runs": num_runs,
        "marks": (well.deep_min, well.barrier, well.shallow_min),
    }
    state["message"], state["level"] = _message(state, well)
    return state


def _message(state, well):
    """The panel's one sentence about the first run, plus what all the runs did."""
    runs, steps = state["num_runs"], plural(state["num_steps"], "step")
    share = (f"Of {plural(runs, 'run')}: {state['escaped']:.0%} escaped (without diverging), "
             f"{state['in_deep']:.0%} end in the deep basin, {state['diverged']:.0%} diverged.")
    unstable = 2.0 / (12 * well.shallow_min**2 - 4)  # GD is unstable at a minimum if lr > 2/F''
    note = ""
    if state["lr"] > unstable:
        note = (f" Note: lr is above 2/F''(shallow) = {unstable:.3f}, where even without noise a "
                "small push away from the shallow minimum grows instead of dying out.")
    if state["diverged_at"] >= 0:
        return (f"Diverged: at step {state['diverged_at']} the iterate jumped past "
                f"|x| = {BOUND:g}, "
                "where the steep walls throw it further out at every step; the run was stopped. "
                f"{share}{note}"), "error"
    if state["crossings"] >= 2:
        return (f"Noise too strong: the iterate wanders over both basins (it crossed the barrier "
                f"{state['crossings']} times in {steps}). {share}{note}"), "warn"
    if state["crossings"] == 1:
        return (f"Escaped to the deep minimum at step {state['escaped_at']} and stayed there. "
                f"{share}{note}"), "ok"
    if state["batch_size"] == well.n_examples:
        return (f"Stayed in the shallow basin: the full batch (B = {well.n_examples}) is plain "
                f"gradient descent, with no noise to push it out. {share}{note}"), "info"
    return f"Stayed in the shallow basin for all {steps}. {share}{note}", "info"



def make_figure():
    """The figure: the landscape with where the runs ended, and x_t against t. Returns
    (fig, artists): the histogram bars, the paths and the texts that ``draw`` updates."""
    fig = Figure(figsize=(9.0, 3.8), dpi=80)
    ax_land, ax_path = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.2]})
    fig.subplots_adjust(left=0.07, right=0.9, bottom=0.13, top=0.91, wspace=0.42)
    well = panel_well()
    grid = np.linspace(-2.0, 2.0, 301)
    (landscape,) = ax_land.plot(grid, well.f(grid), color=COLORS["curve"], lw=2,
                                label="loss F(x)")
    ax_hist = ax_land.twinx()
    bars = ax_hist.bar(HIST_BINS[:-1], np.zeros(len(HIST_BINS) - 1), width=np.diff(HIST_BINS),
                       align="edge", color=COLORS["sgd"], alpha=0.55, animated=True)
    ax_hist.set_ylabel("share of runs ending here")
    ax_hist.grid(False)
    art = {"ax_hist": ax_hist, "ax_path": ax_path, "bars": list(bars)}
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
                     label="run 1" if j == 0 else ("runs 2-5" if j == 1 else None))[0]
        for j in range(PANEL_PATHS)
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


def draw(art, state):
    """Update the histogram, the paths and the texts from a state of ``compute``."""
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
    art["title"].set_text(f"x_t of {PANEL_PATHS} runs: B = {state['batch_size']}, "
                          f"lr = {state['lr']:.3g}, noise scale {state['noise_scale']:.2g}")


def make_panel(batch_size=1, lr=0.01, seed=0, num_steps=500):
    """The panel of notebook 07: batch size, learning rate, seed and number of steps.

    Each new value runs 100 copies of SGD (about 50 ms), so the sliders redraw when the handle
    is released, not while it is dragged.
    """
    well = panel_well()
    release = {"continuous_update": False}
    controls = {
        "batch_size": batch_size_slider(well.n_examples, value=batch_size, **release),
        "lr": lr_slider(value=lr, min=1e-3, max=0.3, **release),
        "seed": int_slider(seed, 0, 20, description="seed", **release),
        "num_steps": int_slider(num_steps, 50, 1000, step=50, description="steps", **release),
    }
    return Panel(controls, compute, make_figure, draw)
