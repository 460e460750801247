"""Notebook 01's figures: the colours of the five regimes of GD on a·x², and its panel's pieces.

- ``REGIME_COLORS``       one colour per regime (``helpers.lab.gd_1d.REGIMES``)
- ``parabola_window``     the half-width of the parabola plot, in steps so it stays put
- ``draw_regime_bands``   the regimes along the panel's learning-rate strip, with their legend
- ``iterate_axes``        the parabola with the iterates: the artists the panel moves
- ``distance_axes``       |x_t| on a log axis beside the theory: the artists the panel moves
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Patch

from ..blit import step_above
from ..plots import COLORS, plain_log_ticks

REGIME_COLORS = {
    "monotone convergence": COLORS["stable"],
    "one-step jump": "#000000",
    "oscillating convergence": "#56B4E9",
    "pure oscillation": "#CC79A7",
    "divergence": COLORS["unstable"],
}

WINDOWS = (0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0)  # half-widths of the parabola plot (× 1.15)
MOVING = {"animated": True}  # artists a panel updates on every frame (drawn by blitting)


def parabola_window(xs, x0) -> float:
    """Half-width of the parabola plot: covers the iterates xs (T+1,), at most 4× the start's
    reach, rounded up to one of ``WINDOWS`` (so it stays put while a slider moves a little)."""
    reach = max(abs(x0), 0.5)
    return 1.15 * step_above(min(max(float(np.max(np.abs(xs))), reach), 4 * reach), WINDOWS)


def draw_regime_bands(ax, lr_now, lr_jump, max_stable_lr):
    """The regimes along the lr strip ``ax`` (made by ``plots.lr_strip``), with their legend above
    it; lr_now: the strip's marker of the current lr. Returns ax."""
    lo, hi = ax.get_xlim()
    c = REGIME_COLORS
    for left, right, name, alpha in ((lo, lr_jump, "monotone convergence", 0.35),
                                     (lr_jump, max_stable_lr, "oscillating convergence", 0.45),
                                     (max_stable_lr, hi, "divergence", 0.45)):
        ax.axvspan(min(left, hi), min(right, hi), color=c[name], alpha=alpha, lw=0)
    jump = ax.axvline(lr_jump, color=c["one-step jump"], lw=1.5, ls=":",
                      label=f"one-step jump ({lr_jump:.3g})")
    edge = ax.axvline(max_stable_lr, color=c["pure oscillation"], lw=2.0,
                      label=f"pure osc. ({max_stable_lr:.3g})")
    handles = [
        Patch(color=c["monotone convergence"], alpha=0.35, label="monotone conv."), jump,
        Patch(color=c["oscillating convergence"], alpha=0.45, label="oscillating conv."), edge,
        Patch(color=c["divergence"], alpha=0.45, label="divergence"), lr_now,
    ]
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=6,
              fontsize=7.5, handlelength=1.4, columnspacing=0.9, borderaxespad=0.2)
    return ax


def iterate_axes(ax, a) -> dict:
    """Set up ``ax`` for the iterates on f(x) = a·x²; returns the animated artists by name:
    curve, path, start, outside (a note on iterates beyond the window)."""
    ax.text(0.5, 1.03, f"iterates on f(x) = {a:g}·x²", transform=ax.transAxes, ha="center",
            fontsize=10)
    art = {}
    (art["curve"],) = ax.plot([], [], color=COLORS["curve"], lw=1.5, label="f(x)", **MOVING)
    (art["path"],) = ax.plot([], [], "-o", color=COLORS["gd"], lw=0.8, ms=4, label="x_t",
                             **MOVING)
    (art["start"],) = ax.plot([], [], "s", color=COLORS["gd"], ms=7, label="x_0", **MOVING)
    art["outside"] = ax.text(0.5, 0.8, "", transform=ax.transAxes, ha="center", fontsize=8,
                             **MOVING)
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    ax.legend(loc="upper center", fontsize=8, ncol=3, handlelength=1.2)
    return art


def distance_axes(ax) -> dict:
    """Set up ``ax`` for |x_t| on a log axis; returns the animated artists by name: title_t,
    theory, measured, zeros (iterates exactly 0), stopped (a note on a stopped run)."""
    art = {"title_t": ax.text(0.5, 1.03, "", transform=ax.transAxes, ha="center", fontsize=10,
                              **MOVING)}
    (art["theory"],) = ax.plot([], [], "-", color=COLORS["theory"], lw=2.5, alpha=0.7,
                               label="theory |x0|·|1 − 2a·lr|^t", **MOVING)
    (art["measured"],) = ax.plot([], [], "o", color=COLORS["gd"], ms=3.5,
                                 label="measured |x_t|", **MOVING)
    (art["zeros"],) = ax.plot([], [], "x", color=COLORS["gd"], ms=6, label="x_t = 0 exactly",
                              **MOVING)
    ax.set_yscale("log")
    plain_log_ticks(ax.yaxis, minor_ticks=False)
    ax.set_xlabel("step t")
    ax.set_ylabel("|x_t| (log scale)")
    ax.legend(loc="upper right", fontsize=8)
    # bottom right: empty when |x_t| grows (the only time the note shows), clear of the legend
    art["stopped"] = ax.text(0.97, 0.04, "", transform=ax.transAxes, ha="right", fontsize=8,
                             color=COLORS["unstable"], **MOVING)
    return art
