"""Notebook 06b's (lr, β) map figures: measured steps with the predicted rate drawn over them."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..plots import COLORS

RATE_LEVELS = (0.5, 0.7, 0.8, 0.9, 0.95)


def oscillating(lrs, betas, eigenvalues) -> np.ndarray:
    """(M, L) bool: some eigen-direction has complex or negative roots (the path swings)."""
    lr, beta = np.meshgrid(np.asarray(lrs, float), np.asarray(betas, float))
    swings = np.zeros(lr.shape, dtype=bool)
    for lam in eigenvalues:
        b = 1 + beta - lr * lam  # z² − b z + β = 0
        swings |= (b * b < 4 * beta) | (b < 0)
    return swings


def _finish_axes(ax, handles) -> None:
    """The legend below the map, the log lr axis and the labels both maps share."""
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2,
              fontsize=8, frameon=False)
    ax.set_xscale("log")
    ax.set_xlabel("learning rate lr (log scale)")
    ax.set_ylabel("momentum β")


def plot_momentum_map(result, ax=None, *, optimum=None, title=None):
    """Heat map of the measured steps over (lr, β); predicted rate contours; rate = 1 in red.

    result: ``lab.momentum_map.momentum_map(...)``. optimum: (β*, lr*) to mark, or None.
    Returns (ax, mesh): the QuadMesh of log10(steps); ``steps_colorbar`` labels it in steps.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 4.6))
    lrs, betas = result["lrs"], result["betas"]
    steps = np.where(np.isfinite(result["steps"]), result["steps"], np.nan)
    mesh = ax.pcolormesh(lrs, betas, np.log10(steps), cmap="viridis_r", shading="nearest",
                         vmin=np.log10(5), vmax=np.log10(result["max_steps"]))
    ax.set_facecolor("#eeeeee")  # grid points that never got there: pale grey
    rate = result["rate"]
    contours = ax.contour(lrs, betas, rate, levels=RATE_LEVELS, colors="white", linewidths=0.8)
    ax.clabel(contours, fmt="%.2g", fontsize=7)
    ax.contour(lrs, betas, rate, levels=[1.0], colors=COLORS["unstable"], linewidths=2)
    swing = oscillating(lrs, betas, (1.0, result["kappa"]))
    ax.contour(lrs, betas, swing.astype(float), levels=[0.5], colors="black", linewidths=1,
               linestyles="--")
    ax.text(0.98, 0.5, "diverges", transform=ax.transAxes, ha="right", fontsize=9,
            color=COLORS["unstable"])
    ax.text(0.02, 0.03, "not within\n{} steps".format(result["max_steps"]),
            transform=ax.transAxes, fontsize=8)
    handles = [plt.Line2D([], [], color="0.6", lw=0.8, label="predicted rate (white contours)"),
               plt.Line2D([], [], color=COLORS["unstable"], lw=2, label="predicted rate = 1"),
               plt.Line2D([], [], color="black", ls="--", lw=1,
                          label="above/right of it: the path swings")]
    if optimum is not None:
        handles += ax.plot(optimum[1], optimum[0], "*", color="white", mec="black", ms=14,
                           label="(lr*, β*) of section 4")
    _finish_axes(ax, handles)
    ax.set_title(title or f"steps to shrink the distance {1 / result['tol']:,.0f}-fold, κ = "
                          f"{result['kappa']:g}", fontsize=10)
    return ax, mesh


def plot_rate_vs_steps(result, ax=None):
    """Each grid point: its predicted rate against the rate its measured steps imply."""
    if ax is None:
        _, ax = plt.subplots(figsize=(4.6, 4.2))
    ok = np.isfinite(result["steps"]) & (result["rate"] < 1)
    measured = result["tol"] ** (1 / result["steps"][ok])  # tol = rate^steps
    ax.plot(result["rate"][ok], measured, "o", ms=2.5, color=COLORS["momentum"], alpha=0.6,
            label="grid points")
    ax.plot([0, 1], [0, 1], "--", color="black", lw=1, label="measured = predicted")
    low = max(0.0, float(np.floor(10 * min(measured.min(), result["rate"][ok].min())) / 10))
    ax.set_xlim(low, 1)
    ax.set_ylim(low, 1)
    ax.set_xlabel("predicted rate (largest root modulus)")
    ax.set_ylabel("measured rate, tol^(1/steps)")
    ax.set_title("prediction against measurement", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    return ax


def steps_colorbar(fig, mesh, ax):
    """A colour bar for ``plot_momentum_map``'s mesh, labelled in steps (not log10 steps)."""
    bar = fig.colorbar(mesh, ax=ax)
    ticks = [t for t in (5, 10, 20, 50, 100, 200, 500, 1000, 2000) if
             mesh.norm.vmin <= np.log10(t) <= mesh.norm.vmax]
    bar.set_ticks(np.log10(ticks), labels=[str(t) for t in ticks])
    bar.set_label("steps")
    return bar


def plot_distance_map(result, ax=None, *, optimum=None, best=None):
    """How close the runs end: |x|/|x₀| over the last fifth of the steps, over (lr, β).

    Without noise this is ρ^steps (smallest along the fast ridge); with noise the runs stop in a
    noise ball that grows with lr/(1 − β). optimum, best: (β, lr) pairs to mark, or None.
    Returns (ax, mesh) like ``plot_momentum_map``.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 4.6))
    lrs, betas = result["lrs"], result["betas"]
    final = np.where(np.isfinite(result["final_distance"]), result["final_distance"], np.nan)
    shown = np.log10(np.clip(final, 1e-8, 10))
    low, high = np.nanmin(shown), np.nanpercentile(shown, 95)  # the range the runs actually span
    mesh = ax.pcolormesh(lrs, betas, shown, cmap="magma_r", shading="nearest", vmin=low,
                         vmax=max(high, low + 0.5))
    ax.set_facecolor("#eeeeee")  # diverged: pale grey
    contours = ax.contour(lrs, betas, result["rate"], levels=RATE_LEVELS, colors="0.6",
                          linewidths=0.7)
    ax.clabel(contours, fmt="%.2g", fontsize=7)
    ax.contour(lrs, betas, result["rate"], levels=[1.0], colors=COLORS["unstable"], linewidths=2)
    handles = [plt.Line2D([], [], color="0.6", lw=0.7, label="predicted rate (contours)"),
               plt.Line2D([], [], color=COLORS["unstable"], lw=2, label="predicted rate = 1")]
    if optimum is not None:
        handles += ax.plot(optimum[1], optimum[0], "*", color="white", mec="black", ms=14,
                           label="noise-free optimum (lr*, β*)")
    if best is not None:
        handles += ax.plot(best[1], best[0], "o", color=COLORS["momentum"], mec="black", ms=9,
                           label="closest at the end")
    _finish_axes(ax, handles)
    ax.set_title(f"distance left after {result['max_steps']} steps (log10 of |x|/|x₀|), noise "
                 f"{result['noise']:g}, κ = {result['kappa']:g}", fontsize=10)
    return ax, mesh
