"""Notebook 06b's (lr, β) map panel: heavy-ball momentum over a grid, for a chosen κ and noise.

The map shows how close the runs end after a fixed budget of steps (``lab.momentum_map``'s
``final_distance``): without noise the fast ridge next to (lr*, β*) wins; with noise the runs stop
in a noise ball that grows with lr/(1 − β), and the winner moves to smaller effective steps.
The panel contract (``helpers.widgets.Panel``): ``compute`` runs ``lab.momentum_map`` (pure),
``make_figure`` makes the axes, ``draw`` draws the map. Every new κ or noise level changes the
whole map and its axis range, so both sliders redraw when the handle is released, and every
frame is a full redraw (``draw`` returns True).
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from ..figures.momentum_map import plot_distance_map
from ..lab.momentum_map import closest_point, momentum_map
from ..theory import effective_lr
from ..validate import check_positive_number
from ..widgets import Panel, float_slider, lr_slider

GRID = 45  # grid points per axis
MAX_STEPS = 300  # the budget: how close does each pair get within it?
RUNS = 16  # runs averaged per grid point when there is noise


def optimum(kappa: float) -> tuple[float, float]:
    """(β*, lr*) of heavy-ball momentum on a bowl with λ_min = 1 and λ_max = κ."""
    root = math.sqrt(kappa)
    return ((root - 1) / (root + 1)) ** 2, (2 / (root + 1)) ** 2


def compute(kappa=25.0, noise=0.0):
    """The map for condition number ``kappa`` and gradient noise ``noise``; the message says
    which pair ends closest to the minimum, against the noise-free optimum (β*, lr*)."""
    kappa = check_positive_number("kappa", kappa)
    if kappa < 1:
        raise ValueError(f"kappa must be >= 1 (λ_max / λ_min); got {kappa!r}")
    noise = check_positive_number("noise", noise, allow_zero=True)
    lrs = np.geomspace(0.05 / kappa, 4.0 / kappa, GRID)  # around 2/κ, where the action is
    betas = np.linspace(0.0, 0.97, GRID)
    result = momentum_map(kappa, lrs, betas, max_steps=MAX_STEPS, noise=noise,
                          num_runs=RUNS if noise else 1)
    beta_star, lr_star = optimum(kappa)
    beta, lr, distance = closest_point(result)
    at_star = result["final_distance"][np.argmin(np.abs(betas - beta_star)),
                                       np.argmin(np.abs(np.log(lrs / lr_star)))]
    message = (f"Closest after {MAX_STEPS} steps: lr = {lr:.3g}, β = {beta:.2f} (effective step "
               f"lr/(1 − β) = {effective_lr(lr, beta):.3g}), {distance:.1e} of the start's "
               f"distance; at the noise-free optimum (lr* = {lr_star:.3g}, β* = {beta_star:.2f}, "
               f"effective step {effective_lr(lr_star, beta_star):.3g}): {at_star:.1e}.")
    return {**result, "optimum": (beta_star, lr_star), "best": (beta, lr), "message": message,
            "level": "ok" if noise == 0 else "info"}


def make_figure():
    fig = Figure(figsize=(7.0, 5.2))
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.11, right=0.97, top=0.93, bottom=0.25)
    return fig, {"ax": ax}


def draw(artists, state) -> bool:
    """Redraw the whole map (it changes everywhere with κ and the noise)."""
    ax = artists["ax"]
    ax.clear()
    plot_distance_map(state, ax, optimum=state["optimum"], best=state["best"])
    return True


def make_panel(kappa=25.0, noise=0.0):
    """The (lr, β) map panel: sliders "kappa" (log) and "noise"; redraws on release."""
    controls = {
        "kappa": lr_slider(kappa, min=1.0, max=1000.0, description="condition κ", step=0.05,
                           continuous_update=False),
        "noise": float_slider(noise, 0.0, 0.5, description="gradient noise", step=0.05,
                              continuous_update=False),
    }
    return Panel(controls, compute, make_figure, draw)
