"""Notebook 07b's panel: 100 SGD runs on the double well, for a batch size, lr, seed and steps.

The panel contract (``helpers.widgets.Panel``): ``compute`` (pure: the runs and the message),
``make_figure`` (what never changes; the bars, paths and texts that do are ``animated``),
``draw`` (updates only those). The measurements behind it are in ``helpers.lab.escape``, the
drawing in ``helpers.figures.escape``.
"""

from __future__ import annotations

import functools

import numpy as np

from ..figures.escape import draw_runs, make_runs_figure
from ..lab.escape import _check_well, describe_runs, final_histogram, make_well, run_sgd
from ..validate import check_batch_size, check_int, check_lr
from ..widgets import Panel, batch_size_slider, int_slider, lr_slider

PANEL_RUNS = 100  # runs behind the histogram of final positions


PANEL_PATHS = 5  # runs drawn as x_t against t (the first is the one the message is about)


HIST_BINS = np.linspace(-2.0, 2.0, 41)


@functools.cache
def panel_well():
    """The panel's double well (``make_well()``), made once."""
    return make_well()


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
    grid = np.linspace(-2.0, 2.0, 301)
    message, level = describe_runs(runs, well)
    return {
        "grid": grid, "loss": well.f(grid), "bins": HIST_BINS,
        "counts": final_histogram(runs, HIST_BINS),
        "paths": runs.paths, "steps": np.arange(num_steps + 1),
        "escaped": runs.fraction("escaped"), "in_deep": runs.fraction("in_deep"),
        "diverged": runs.fraction("diverged"),
        "escaped_at": int(runs.escaped_at[0]), "crossings": int(runs.crossings[0]),
        "diverged_at": int(runs.diverged_at[0]), "noise_scale": runs.noise_scale,
        "batch_size": batch_size, "lr": lr, "seed": seed, "num_steps": num_steps,
        "num_runs": num_runs, "marks": (well.deep_min, well.barrier, well.shallow_min),
        "message": message, "level": level,
    }


def make_figure():
    """The figure: the landscape with where the runs ended, and x_t against t. Returns
    (fig, artists): the histogram bars, the paths and the texts that ``draw`` updates."""
    return make_runs_figure(panel_well(), HIST_BINS, num_paths=PANEL_PATHS)


def draw(art, state):
    """Update the histogram, the paths and the texts from a state of ``compute``."""
    draw_runs(art, state)


def make_panel(batch_size=1, lr=0.01, seed=0, num_steps=500):
    """The panel of notebook 07b: batch size, learning rate, seed and number of steps.

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
