"""Notebook 04b's figures: what one gradient costs, counted and timed.

Each ``plot_*`` function takes ``ax=None`` (a new figure) and returns the axes. The lines are
named by labels written next to their right ends, not by a legend, so no label ever covers a
line; the axes carry their units.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import ticker

from ..lab.backprop_cost import cost_counts
from ..plots import COLORS, PALETTE

# method: (short label, colour); finite differences and forward mode nearly coincide, so forward
# mode is dashed and the two labels are pushed apart
STYLES = {"path_sum": ("sum over every path", COLORS["sgd"]),
          "finite_differences": ("finite differences", PALETTE[1]),
          "forward_mode": ("forward mode", COLORS["momentum"]),
          "backprop": ("backprop", COLORS["gd"]),
          "forward": ("one forward pass", COLORS["curve"])}
DASHED = {"forward_mode"}


def _count_label(value, _position=None) -> str:
    """10 -> "10", 1000 -> "1k", 1e6 -> "1M" (a count on a log axis)."""
    for size, suffix in ((1e6, "M"), (1e3, "k")):
        if value >= size:
            return f"{value / size:g}{suffix}"
    return f"{value:g}"


def _seconds_label(value, _position=None) -> str:
    """1e-4 -> "0.1 ms", 1e-2 -> "10 ms", 1 -> "1 s", 100 -> "100 s"."""
    return f"{value * 1e3:g} ms" if value < 0.1 else f"{value:g} s"


def _end_label(ax, x, y, text, color, dy_points=0.0):
    """Write ``text`` just right of the point (x, y), nudged up by ``dy_points``."""
    ax.annotate(text, (x, y), xytext=(8, dy_points), textcoords="offset points", va="center",
                ha="left", color=color, fontsize=10, weight="bold")


def plot_counts(depths, measured, width, ax=None):
    """Multiply-adds for one gradient against depth (log y), one line per method.

    measured: {"path_sum": [...], "finite_differences": [...], "forward_mode": [...],
    "backprop": [...]} counted at ``depths`` (dots; any subset); lines are the formulas of
    ``cost_counts(width, depth)``.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 4.2), layout="constrained")
    grid = np.arange(min(depths), max(depths) + 1)
    formula = [cost_counts(width, d) for d in grid]
    last = grid[-1]
    ends = {key: float(formula[-1][key]) for key in ("path_sum", "finite_differences",
                                                      "forward_mode", "backprop")}
    close = abs(np.log10(ends["finite_differences"] / ends["forward_mode"])) < 0.4
    nudge = {"finite_differences": 7.0 if close else 0.0,
             "forward_mode": -7.0 if close else 0.0}
    for key, end in ends.items():
        label, color = STYLES[key]
        ax.plot(grid, [float(c[key]) for c in formula], "--" if key in DASHED else "-",
                color=color, lw=1.6)
        if key in measured:
            ax.plot(depths, measured[key], "o", color=color, ms=6)
        _end_label(ax, last, end, label, color, nudge.get(key, 0.0))
    ax.text(0.02, 0.97, "lines: formulas   dots: counted while computing", transform=ax.transAxes,
            va="top", ha="left", fontsize=9, color="0.35")
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(ticker.LogLocator(base=10, numticks=12))
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(_count_label))
    ax.yaxis.set_minor_formatter(ticker.NullFormatter())
    ax.set_xticks(grid)
    ax.set_xlim(grid[0] - 0.3, last + 0.35 * (last - grid[0]) + 1.0)
    ax.spines["bottom"].set_bounds(grid[0], last)
    ax.set_xlabel(f"depth L (number of Linear layers, each {width} wide)")
    ax.set_ylabel("multiply-adds for one gradient\n(count, log scale)")
    return ax


def plot_times(results, ax=None):
    """Seconds for one gradient against the parameter count P (log-log), one line per method.

    results: ``time_gradient`` dicts. Finite-difference and forward-mode times scaled up from a
    subset of the entries are drawn as hollow circles. A double arrow at the largest P marks how
    many times longer finite differences take than backprop.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 4.2), layout="constrained")
    params = np.array([r["params"] for r in results], dtype=float)
    measured = np.array([r["fd_measured"] for r in results])
    sampled = ("finite_differences", "forward_mode")
    values = {key: np.array([r[key] for r in results]) for key in
              ("finite_differences", "forward_mode", "backprop", "forward")
              if all(key in r for r in results)}
    for key, ys in values.items():
        label, color = STYLES[key]
        full = measured if key in sampled else np.ones(len(ys), dtype=bool)
        ax.plot(params, ys, "--" if key in DASHED else "-", color=color, lw=1.6)
        ax.plot(params[full], ys[full], "o", color=color, ms=6)
        ax.plot(params[~full], ys[~full], "o", mfc="white", color=color, ms=6)
    # the two slow methods overlap: name finite differences above-left of its line, forward
    # mode below-right, each near the middle of the line
    middle = len(params) // 2
    for key, factor, ha in (("finite_differences", 3.0, "right"),
                            ("forward_mode", 1 / 3.0, "left")):
        if key in values:
            label, color = STYLES[key]
            ax.text(params[middle], values[key][middle] * factor, label, ha=ha, va="center",
                    color=color, fontsize=10, weight="bold")
    if not measured.all():
        entries = min(r["fd_entries"] for r in results if not r["fd_measured"])
        ax.text(params[0], np.sqrt(values["backprop"][0] * values["finite_differences"][0])
                if "backprop" in values and "finite_differences" in values else 1e-2,
                f"hollow circles: timed on {entries:,} entries,\nthen scaled up to all P",
                ha="left", va="center", fontsize=8.5, color="0.35")
    for key, factor, va in (("backprop", 2.2, "bottom"), ("forward", 1 / 2.2, "top")):
        if key in values:
            label, color = STYLES[key]
            ax.text(params[middle], values[key][middle] * factor, label, ha="center", va=va,
                    color=color, fontsize=10, weight="bold")
    if "finite_differences" in values and "backprop" in values:
        x = params[-1] * 1.6
        low, high = values["backprop"][-1], values["finite_differences"][-1]
        ratio = float(f"{high / low:.2g}")
        ax.annotate("", xy=(x, high), xytext=(x, low),
                    arrowprops={"arrowstyle": "<->", "color": "0.35", "lw": 1.2})
        ax.text(x * 1.2, np.sqrt(low * high),
                f"finite\ndifferences\ntake about\n{ratio:,.0f} times\nas long as\nbackprop",
                ha="left", va="center", fontsize=9, color="0.2")
    ax.set_xscale("log")
    ax.set_yscale("log")
    left, right = params[0] / 1.6, params[-1] * 1.3
    ax.set_xlim(left, params[-1] * 8)
    ax.spines["bottom"].set_bounds(left, right)
    decades = 10.0 ** np.arange(np.floor(np.log10(left)), np.ceil(np.log10(right)) + 1)
    ax.set_xticks([d for d in decades if left <= d <= right])
    ax.set_xticks([k * d for d in decades for k in range(2, 10) if left <= k * d <= right],
                  minor=True)
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.xaxis.set_minor_formatter(ticker.NullFormatter())
    bottom = min(values[key].min() for key in values) / 6
    ax.set_ylim(bottom, max(values[key].max() for key in values) * 3)
    ax.yaxis.set_major_locator(ticker.LogLocator(base=100, numticks=10))
    ax.yaxis.set_minor_locator(ticker.LogLocator(base=10, numticks=20))
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(_seconds_label))
    ax.yaxis.set_minor_formatter(ticker.NullFormatter())
    ax.grid(True, which="minor", axis="y", alpha=0.15)
    ax.set_xlabel("parameters P in the network (log scale)")
    ax.set_ylabel("time for one gradient (log scale)")
    return ax
