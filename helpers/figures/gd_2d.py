"""Notebook 02a's figures: the pieces of the bowl and Rosenbrock panel.

- ``draw_contours``     the landscape's contours with an (animated) path, start and title
- ``gap_axes``          f(x_t) − f* on a log axis: the measured and theory lines the panel moves
- ``update_gap_axes``   puts a run's loss gap (and the bowl's theory) on those axes
- ``draw_stable_band``  the stable band of the learning-rate strip, with its legend

The states drawn are those of ``helpers.lab.gd_2d.run_on_landscape``.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Patch

from ..blit import decade_above, decade_below
from ..lab.gd_2d import make_objective
from ..plots import COLORS, plain_log_ticks, plot_contours
from ..text import plural

GAP_FLOOR = 1e-30  # f − f* below this is drawn at this value on the log axis
MOVING = {"animated": True}  # artists a panel updates on every frame (drawn by blitting)


def draw_contours(ax, landscape, kappa, view) -> dict:
    """Clear ``ax`` and draw the contours of the landscape on the box view = (xlim, ylim).
    Returns the animated artists by name: path, start, title_c."""
    ax.cla()
    xlim, ylim = view
    plot_contours(make_objective(landscape, kappa), ax=ax, xlim=xlim, ylim=ylim, levels=14,
                  num=120)
    art = {}
    (art["path"],) = ax.plot([], [], "-o", color=COLORS["gd"], lw=0.9, ms=2.5, label="GD path",
                             **MOVING)
    (art["start"],) = ax.plot([], [], "s", color=COLORS["gd"], ms=7, **MOVING)
    ax.set_xlabel("$x_1$", labelpad=1)
    ax.set_ylabel("$x_2$", labelpad=1)
    art["title_c"] = ax.text(0.5, 1.03, "", transform=ax.transAxes, ha="center", fontsize=10,
                             **MOVING)
    return art


def gap_axes(ax) -> dict:
    """Set up ``ax`` for f(x_t) − f* on a log axis; returns the animated artists by name:
    title_f, theory, measured, stopped (a note on a stopped run or an exact zero)."""
    art = {"title_f": ax.text(0.5, 1.03, "", transform=ax.transAxes, ha="center", fontsize=10,
                              **MOVING)}
    (art["theory"],) = ax.plot([], [], "--", color="#555555", lw=1.4, zorder=3,
                               label="theory ½ Σ λ_i c_i² (1 − lr·λ_i)^2t", **MOVING)
    (art["measured"],) = ax.plot([], [], "-o", color=COLORS["gd"], lw=1.0, ms=3,
                                 label="measured f(x_t) − f*", **MOVING)
    art["stopped"] = ax.text(0.03, 0.05, "", transform=ax.transAxes, fontsize=8,
                             color=COLORS["unstable"], **MOVING)
    ax.set_yscale("log")
    plain_log_ticks(ax.yaxis, minor_ticks=False)
    ax.set_xlabel("step t")
    ax.set_ylabel("f(x_t) − f* (log scale)")
    return art


def update_gap_axes(ax, art, state) -> None:
    """Put the run's gaps (and, for the bowl, the theory) on the axes ``gap_axes`` made; the
    limits move in decades, so they stay put while lr moves a little."""
    gaps = np.maximum(state["gaps"], GAP_FLOOR)
    art["measured"].set_data(np.arange(len(gaps)), gaps)
    theory = state["theory_gaps"]
    if theory is not None:
        art["theory"].set_data(np.arange(len(theory)), np.maximum(theory, GAP_FLOOR))
    else:
        art["theory"].set_data([], [])
    art["theory"].set_visible(theory is not None)
    art["measured"].set_markevery(max(1, (len(gaps) - 1) // 50))
    top = decade_above(10 * gaps.max())
    bottom = decade_below(min(gaps.min() / 3, top / 1e3))
    ax.set_ylim(bottom, top)
    stopped = state["diverged_at"]
    ax.set_xlim(0, stopped or state["num_steps"])  # a stopped run: up to its last step
    zero = np.nonzero(state["gaps"] == 0)[0]
    note, where = "", (0.03, 0.05)
    if stopped:
        note = f"diverged: run stopped at step {stopped}"
    elif zero.size:
        note = f"f − f* = 0 exactly\nfrom step {zero[0]} (drawn at {GAP_FLOOR:g})"
        where = (0.3, 0.5)
    art["stopped"].set_text(note)
    art["stopped"].set_position(where)
    art["title_f"].set_text("loss gap: measured" + (" and theory" if theory is not None else ""))


def path_title(state) -> str:
    """The title over the contours: the landscape and how many steps were drawn."""
    name = "bowl, κ = " + f"{state['kappa']:.3g}" if state["landscape"] == "bowl" else "Rosenbrock"
    stopped = state["diverged_at"]
    kept = (f"diverged after {plural(stopped, 'step')} (run stopped)" if stopped
            else f"{plural(len(state['xs']) - 1, 'step')} of GD")
    return f"{name}: {kept}"


def draw_stable_band(ax, state, lr_now) -> list:
    """The stable band of lr on the strip ``ax`` (made by ``plots.lr_strip``): for the bowl
    lr < 2/λ_max and the best step; for Rosenbrock where lr is stable all along the valley, on
    part of it, nowhere. lr_now: the strip's marker of the current lr, shown in the legend.
    Returns the artists drawn (spans, lines, legend), so that they can be removed."""
    lo, hi = state["band"]
    left, right = ax.get_xlim()
    stable, unstable = COLORS["stable"], COLORS["unstable"]
    if state["landscape"] == "bowl":
        items = [
            ax.axvspan(left, lo, color=stable, alpha=0.35, lw=0, label="stable: lr < 2/λ_max"),
            ax.axvspan(lo, right, color=unstable, alpha=0.45, lw=0, label="diverges"),
            ax.axvline(state["best_lr"], color="#000000", ls=":", lw=1.5,
                       label=f"best 2/(λ_min+λ_max) = {state['best_lr']:.3g}"),
        ]
    else:
        items = [
            ax.axvspan(left, lo, color=stable, alpha=0.35, lw=0,
                       label="stable all along the valley"),
            ax.axvspan(lo, hi, color=COLORS["rmsprop"], alpha=0.45, lw=0,
                       label="stable on part of it"),
            ax.axvspan(hi, right, color=unstable, alpha=0.45, lw=0, label="stable nowhere"),
            ax.axvline(state["limit_at_min"], color="#000000", ls=":", lw=1.5,
                       label=f"limit at the minimum {state['limit_at_min']:.3g}"),
        ]
    handles = [Patch(color=i.get_facecolor(), label=i.get_label()) if i.get_label().startswith(
        ("stable", "diverges", "nowhere")) else i for i in items] + [lr_now]
    legend = ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0),
                       ncol=len(handles), fontsize=7.5, handlelength=1.4, columnspacing=0.9,
                       borderaxespad=0.2)
    return [*items, legend]
