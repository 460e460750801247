"""Notebook 02b's saddle-point figures: the landscape with GD's paths, and the time near the saddle.

Each ``plot_*`` function takes ``ax=None`` (a new figure) and returns the axes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..plots import COLORS, plain_log_ticks


def plot_landscape(objective, paths, ax=None, *, xlim=(-2.4, 1.3), ylim=(-1.5, 1.5)):
    """Contours of a 2-D objective, its saddle (x) and minima (*), and GD paths on top.

    paths: {label: iterates of shape (T+1, 2)}; each path is drawn in its own colour, its start
    as a square and its end as a large dot.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(4.6, 4.6), layout="constrained")
    u, v = np.meshgrid(np.linspace(*xlim, 200), np.linspace(*ylim, 200))
    z = objective.f(np.stack([u, v], axis=-1))
    inner = z[np.abs(u - objective.saddle[0]) <= 1.2]  # levels that show the saddle's region
    levels = np.linspace(inner.min(), inner.max(), 16)[1:-1]
    ax.contour(u, v, z, levels=levels, colors=COLORS["theory"], linewidths=0.7)
    ax.plot(*objective.saddle, "X", color="black", ms=10, label="saddle", zorder=3)
    for minimum in getattr(objective, "minima", []):
        ax.plot(*minimum, "*", color="black", ms=13, zorder=4)
    if hasattr(objective, "minima"):
        ax.plot([], [], "*", color="black", ms=13, label="minima")
    colors = [COLORS["gd"], COLORS["sgd"], COLORS["momentum"], COLORS["nesterov"]]
    for (label, xs), color in zip(paths.items(), colors):
        xs = np.asarray(xs)
        ax.plot(xs[:, 0], xs[:, 1], "-", lw=1.4, color=color, label=label)
        ax.plot(*xs[0], "s", color=color, ms=6)
        ax.plot(*xs[-1], "o", color=color, ms=8, mec="white", zorder=5)
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    ax.set_xlabel("x (Hessian eigenvalue > 0: pulled in)")
    ax.set_ylabel("y (eigenvalue < 0: pushed out)")
    ax.set_aspect("equal")
    ax.legend(loc="upper left", fontsize=8, framealpha=0.9)
    return ax


def plot_distance(paths, ax=None, *, radius=None):
    """Distance to the saddle against the step (log y): in, a plateau, out.

    paths: {label: distances to the saddle at steps 0, 1, ...}.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5.0, 3.6), layout="constrained")
    colors = [COLORS["gd"], COLORS["sgd"], COLORS["momentum"], COLORS["nesterov"]]
    for (label, distance), color in zip(paths.items(), colors):
        ax.plot(np.maximum(distance, 1e-16), "-", color=color, lw=1.4, label=label)
    if radius is not None:
        ax.axhline(radius, color=COLORS["theory"], ls=":", lw=1.5,
                   label=f"distance {radius:g}: 'near the saddle' below")
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("distance to the saddle (log scale)")
    ax.legend(fontsize=8)
    return ax


def plot_steps_near_saddle(offsets, measured, predicted, ax=None, *, noise_offsets=None,
                           noisy=None):
    """Steps spent near the saddle against the size of the perturbation (log x).

    offsets, measured: the start offsets δ and the measured steps (dots); predicted: the formula
    at the same δ (line). noise_offsets, noisy (optional): lr·noise, the perturbation each noisy
    gradient step adds, and the median steps measured with that noise (squares).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5.0, 3.6), layout="constrained")
    ax.plot(offsets, predicted, "-", color="black", lw=1,
            label="formula: ln(r/δ)/ln(1 + lr·|λ_neg|) − steps to arrive")
    ax.plot(offsets, measured, "o", color=COLORS["gd"], ms=6,
            label="measured: one start, offset δ from the stable line")
    if noisy is not None:
        ax.plot(noise_offsets, noisy, "s", mfc="none", color=COLORS["sgd"], ms=7,
                label="measured: on the line, noisy gradient\n"
                      "(δ = lr·noise per step; median of runs)")
    ax.set_xscale("log")
    plain_log_ticks(ax.xaxis, minor_ticks=False)
    ax.invert_xaxis()
    ax.set_xlabel("perturbation δ (log scale, smaller to the right)")
    ax.set_ylabel("steps near the saddle")
    ax.legend(fontsize=8, loc="upper left")
    return ax
