"""Notebook 04's figures: what a gradient costs, counted and timed.

Each ``plot_*`` function takes ``ax=None`` (a new figure) and returns the axes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import ticker

from ..lab.backprop_cost import cost_counts
from ..plots import COLORS, PALETTE


def plot_counts(depths, measured, width, ax=None):
    """Arithmetic for one gradient against depth (log y): path sum, finite differences, forward
    mode, backprop.

    measured: {"path_sum": [...], ...} counted at ``depths`` (dots); lines are the formulas of
    ``cost_counts``.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 4.2), layout="constrained")
    grid = np.arange(min(depths), max(depths) + 1)
    formula = [cost_counts(width, d) for d in grid]
    styles = {"path_sum": ("sum over every path", COLORS["sgd"]),
              "finite_differences": ("finite differences (2 forward passes per parameter)",
                                     PALETTE[1]),
              "forward_mode": ("forward mode (1 tangent pass per parameter)", COLORS["momentum"]),
              "backprop": ("backprop (forward + backward)", COLORS["gd"])}
    for key, (label, color) in styles.items():
        ax.plot(grid, [float(c[key]) for c in formula], "-", color=color, lw=1.2)
        ax.plot([], [], "s", color=color, ms=7, label=label)
        if key in measured:
            ax.plot(depths, measured[key], "o", color=color, ms=6)
    ax.plot([], [], "-", color=COLORS["theory"], label="lines: formulas (cost_counts)")
    ax.plot([], [], "o", color=COLORS["theory"], label="dots: counted while computing")
    ax.set_yscale("log")
    ax.set_xlabel(f"depth L (number of Linear layers, width {width})")
    ax.set_ylabel("multiplications for one gradient\n(log scale)")
    ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    ax.legend()
    return ax


def plot_times(results, ax=None):
    """Seconds for one gradient against the parameter count P (log-log).

    results: ``time_gradient`` dicts. Finite-difference and forward-mode times scaled up from a
    subset of the entries are drawn as hollow circles.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 4.2), layout="constrained")
    params = np.array([r["params"] for r in results])
    measured = np.array([r["fd_measured"] for r in results])
    fd_label, fm_label = "finite differences", "forward mode"
    if not measured.all():
        entries = min(r["fd_entries"] for r in results if not r["fd_measured"])
        fd_label += f"\n(hollow: timed on {entries:,} entries, scaled to P)"
    sampled = ("finite_differences", "forward_mode")
    for key, label, color in (("finite_differences", fd_label, PALETTE[1]),
                              ("forward_mode", fm_label, COLORS["momentum"]),
                              ("backprop", "backprop (forward + backward)", COLORS["gd"]),
                              ("forward", "one forward pass", COLORS["curve"])):
        if not all(key in r for r in results):
            continue
        values = np.array([r[key] for r in results])
        full = measured if key in sampled else np.ones(len(values), dtype=bool)
        ax.plot(params, values, "-", color=color, lw=1.2, label=label)
        ax.plot(params[full], values[full], "o", color=color, ms=6)
        ax.plot(params[~full], values[~full], "o", mfc="white", color=color, ms=6)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("number of parameters P (log scale)")
    ax.set_ylabel("seconds for one gradient (log scale)")
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 0.22), fontsize=9)
    return ax

