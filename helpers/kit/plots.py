"""The figure functions several topics share, and one colour-blind-safe palette (skip this file).

Every function draws onto ``ax`` (a new figure's axes when ``ax=None``) and returns the axes, so a
notebook can compose them: ``ax = plot_contours(bowl); plot_path(traj.xs, ax=ax)``.

Colours come from the Okabe–Ito palette, which stays distinguishable under the common forms of
colour blindness. ``COLORS`` gives each recurring role one colour across the whole series.
"""

from __future__ import annotations

import io
import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import ticker

# Okabe & Ito (2008), "Color Universal Design": black first, then the seven colours.
PALETTE = ["#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"]

# One colour per role, everywhere in the series.
COLORS = {
    "curve": "#000000",  # the function being minimised
    "gd": "#0072B2",  # full-batch gradient descent
    "sgd": "#D55E00",  # stochastic / mini-batch
    "momentum": "#009E73",
    "nesterov": "#CC79A7",
    "rmsprop": "#E69F00",
    "adam": "#56B4E9",
    "theory": "#999999",  # a formula drawn over measurements
    "stable": "#009E73",  # the stable band of learning rates
    "unstable": "#D55E00",
}


def use_style() -> None:
    """Apply the series' figure style: the palette as colour cycle, light grid, readable sizes.

    In a notebook, figures are also stored at twice their pixel density ("retina"), so they stay
    sharp on high-density screens at the same size on the page.
    """
    _inline_retina()
    plt.rcParams.update(
        {
            "axes.prop_cycle": plt.cycler(color=PALETTE[1:] + PALETTE[:1]),
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "figure.figsize": (7.0, 4.0),
            "figure.dpi": 100,
            "font.size": 10,
            "axes.titlesize": 11,
            "legend.frameon": False,
        }
    )


def _inline_retina() -> None:
    """Ask IPython's inline backend for 2× PNGs; outside a notebook there is nothing to do."""
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:
        return
    if get_ipython() is not None:
        set_matplotlib_formats("retina")


def axes_for(ax, figsize=(6.0, 4.0)):
    """``ax`` itself, or the axes of a new figure of ``figsize`` when ``ax`` is None."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def plot_curve_path(f, xs, ax=None, *, x_range=None, color=None, label=None, num=400):
    """A 1-D function with the GD iterates on it: dots at (x_t, f(x_t)) joined in order.

    f: callable, vectorised over x. xs: (T+1,) iterates.
    x_range: (low, high) of the curve; by default it covers the iterates with a margin.
    """
    xs = np.asarray(xs, dtype=float).ravel()
    ax = axes_for(ax)
    if x_range is None:
        reach = max(np.max(np.abs(xs)), 1.0) * 1.15
        x_range = (-reach, reach)
    grid = np.linspace(*x_range, num)
    ax.plot(grid, f(grid), color=COLORS["curve"], lw=1.5, label="f(x)")
    color = color or COLORS["gd"]
    ys = f(xs)
    ax.plot(xs, ys, "-", color=color, lw=0.8, alpha=0.6)
    ax.plot(xs, ys, "o", color=color, ms=4, label=label)
    ax.plot(xs[:1], ys[:1], "s", color=color, ms=7)  # square marks the start
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    return ax


def plot_contours(objective, ax=None, *, xlim=(-2.0, 2.0), ylim=(-2.0, 2.0), levels=20, num=200):
    """Contour lines of a 2-D objective on the box xlim × ylim, log-spaced so valleys show."""
    ax = axes_for(ax, figsize=(5.0, 5.0))
    u, v = np.meshgrid(np.linspace(*xlim, num), np.linspace(*ylim, num))
    z = objective.f(np.stack([u, v], axis=-1))
    f_min = getattr(objective, "f_min", 0.0)
    gap = np.maximum(z - f_min, 1e-12)
    lv = np.geomspace(max(np.percentile(gap, 0.5), 1e-6), gap.max(), levels)
    ax.contour(u, v, gap, levels=lv, colors=COLORS["theory"], linewidths=0.7)
    x_min = getattr(objective, "x_min", None)
    if x_min is not None:
        ax.plot(*np.asarray(x_min), "*", color=COLORS["curve"], ms=12, label="minimum")
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal")
    return ax


def plot_path(xs, ax=None, *, color=None, label=None, marker="o"):
    """A path of 2-D iterates: xs (T+1, 2), drawn as joined dots with the start marked."""
    xs = np.asarray(xs, dtype=float)
    ax = axes_for(ax, figsize=(5.0, 5.0))
    color = color or COLORS["gd"]
    ax.plot(xs[:, 0], xs[:, 1], "-", marker=marker, ms=3, lw=1, color=color, label=label)
    ax.plot(xs[0, 0], xs[0, 1], "s", color=color, ms=7)
    return ax


def plot_loss_curves(curves, ax=None, *, logy=True, xlabel="step", ylabel="loss"):
    """Several loss curves on one axes. curves: {label: (x, y)} or {label: y} (x = 0, 1, ...)."""
    ax = axes_for(ax)
    for i, (label, curve) in enumerate(curves.items()):
        x, y = curve if isinstance(curve, tuple) else (np.arange(len(curve)), curve)
        color = COLORS.get(str(label).lower(), PALETTE[1:][i % 7])
        ax.plot(x, y, color=color, label=str(label), lw=1.3)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if curves:
        ax.legend()
    return ax


def show_digits(images, labels=None, ax=None, *, predictions=None, ncols=10, cmap="gray_r"):
    """A grid of digits tiled into one image, with labels (and predictions) written under each.

    images: (n, 784) or (n, 28, 28) values in [0, 1]. labels, predictions: (n,) ints or None.
    A wrong prediction is written in the 'sgd' colour, as "pred (true)".
    """
    images = np.asarray(images, dtype=float).reshape(-1, 28, 28)
    n = len(images)
    nrows = int(np.ceil(n / ncols))
    ax = axes_for(ax, figsize=(ncols * 0.8, nrows * 0.95))
    pad = 2
    tiles = np.zeros((nrows * (28 + pad), ncols * (28 + pad)))
    for i, img in enumerate(images):
        r, c = divmod(i, ncols)
        tiles[r * (28 + pad) : r * (28 + pad) + 28, c * (28 + pad) : c * (28 + pad) + 28] = img
    ax.imshow(tiles, cmap=cmap, vmin=0, vmax=1)
    for i in range(n):
        r, c = divmod(i, ncols)
        if labels is None:
            continue
        text, color = f"{labels[i]}", COLORS["curve"]
        if predictions is not None:
            text = f"{predictions[i]}" + ("" if predictions[i] == labels[i] else f" ({labels[i]})")
            color = COLORS["curve"] if predictions[i] == labels[i] else COLORS["sgd"]
        ax.text(c * (28 + pad) + 26, r * (28 + pad) + 27, text, ha="right", va="bottom",
                fontsize=8, color=color)
    ax.set_axis_off()
    return ax


def _plain_number(value, _position=None) -> str:
    """A tick label without mathtext: 0.01, 0.5, 2, 1000, and 1e-5, 2e4 beyond that range."""
    if value <= 0 or not np.isfinite(value):
        return f"{value:g}"
    exponent = math.floor(math.log10(value) + 1e-9)
    if -2 <= exponent <= 3:
        return f"{value:g}"
    return f"{value / 10.0**exponent:g}e{exponent}"


def plain_log_ticks(axis, *, minor_ticks: bool = True, keep_ticks: bool = False) -> None:
    """Label a log axis 0.01, 0.1, 1, 10, … 1e-5 in plain text, e.g. ``plain_log_ticks(ax.yaxis)``.

    Matplotlib's default 10ⁿ labels go through its TeX parser, which makes every redraw of a
    slider panel tens of milliseconds slower. ``minor_ticks=False`` also drops the unlabelled
    minor ticks (fewer artists to draw); ``keep_ticks=True`` labels the ticks already set (e.g.
    by ``ax.set_xticks``) instead of placing one per decade.
    """
    if not keep_ticks:
        axis.set_major_locator(ticker.LogLocator(base=10, numticks=8))
    axis.set_major_formatter(ticker.FuncFormatter(_plain_number))
    if minor_ticks:
        axis.set_minor_formatter(ticker.NullFormatter())
    else:
        axis.set_minor_locator(ticker.NullLocator())


def plain_log_axis(ax) -> None:
    """Log-scale y axis labelled in plain text, without minor ticks (see ``plain_log_ticks``)."""
    ax.set_yscale("log")
    plain_log_ticks(ax.yaxis, minor_ticks=False)


def lr_strip(ax, xlim):
    """Turn ``ax`` into a strip along a learning-rate slider's range (log scale); return the
    marker of the current lr, animated (a panel moves it with ``set_data([lr, lr], [0, 1])``)."""
    ax.set_xscale("log")
    plain_log_ticks(ax.xaxis, minor_ticks=False)
    ax.set_xlim(*xlim)
    ax.set_ylim(0, 1)
    ax.set_yticks([])
    ax.grid(False)
    ax.set_xlabel("learning rate lr (log scale, the slider's range)")
    (lr_now,) = ax.plot([], [], "v-", color="#000000", lw=2.5, ms=8, markevery=[1],
                        label="current lr", animated=True)
    return lr_now


def figure_png(fig, dpi=None) -> bytes:
    """Render a figure to PNG bytes (what a panel shows; what the benchmarks time)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi or fig.dpi)
    return buffer.getvalue()
