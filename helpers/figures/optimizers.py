"""Notebook 06a's optimizer panel, drawn: the path on the contours and the loss against the step.

``make_panel_figure`` draws what never changes and makes the moving artists (``animated``);
``draw_panel`` updates them from the state that ``helpers.panels.optimizers.compute`` returns and
says when the contours or a legend changed (a full redraw).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..blit import decade_above, decade_below
from ..lab.optimizers import LOSS_FLOOR, make_objective
from ..plots import COLORS, plain_log_axis, plot_contours


def make_panel_figure():
    """Contours of the landscape (left, drawn by ``draw_panel``), f − f_min against the step
    (right). Returns (fig, artists)."""
    fig = Figure(figsize=(9.0, 4.0))
    ax_path, ax_loss = fig.subplots(1, 2)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.9, wspace=0.3)
    moving = {"animated": True}
    art = {"ax_path": ax_path, "ax_loss": ax_loss, "contours_for": None, "legends_for": None}
    (art["loss"],) = ax_loss.plot([], [], lw=1.5, **moving)
    (art["ref_loss"],) = ax_loss.plot([], [], "--", color=COLORS["gd"], lw=1, alpha=0.7,
                                      label="plain GD, same lr", **moving)
    art["blowup"] = ax_loss.axvline(0, color=COLORS["unstable"], lw=1, ls=":",
                                    label="blew up here", **moving)
    art["note"] = ax_loss.text(0.5, 0.5, "", transform=ax_loss.transAxes, ha="center",
                               color=COLORS["unstable"], fontsize=11, **moving)
    plain_log_axis(ax_loss)
    ax_loss.set_xlabel("step t")
    ax_loss.set_ylabel("f(x_t) − f_min (log scale)")
    ax_loss.set_title("loss against steps")
    return fig, art


def _draw_contours(art, state):
    """Contours of the chosen landscape, with fresh path artists on them."""
    ax = art["ax_path"]
    ax.clear()
    plot_contours(make_objective(state["landscape"], state["kappa"]), ax=ax,
                  xlim=state["xlim"], ylim=state["ylim"], num=120)
    ax.set_title("path on the contours of f")
    (art["ref_path"],) = ax.plot([], [], "--", color=COLORS["gd"], lw=1, alpha=0.6,
                                 label="plain GD, same lr", animated=True)
    (art["path"],) = ax.plot([], [], "-o", ms=2.5, lw=1.2, label="chosen optimizer",
                             animated=True)
    (art["start"],) = ax.plot([], [], "s", color=COLORS["curve"], ms=6, label="start",
                              animated=True)


def draw_panel(art, state) -> bool:
    """Left: the path (and GD's, dashed) on the contours; right: f − f_min against the step.
    Returns True when the contours or a legend changed (a full redraw)."""
    full = False
    contours_for = (state["landscape"], state["kappa"] if state["landscape"] == "bowl" else None)
    if art["contours_for"] != contours_for:  # contours only change with the landscape
        _draw_contours(art, state)
        art["contours_for"], full = contours_for, True
    xs, ref, gaps, ref_gaps = state["xs"], state["ref_xs"], state["gaps"], state["ref_gaps"]
    art["path"].set_data(xs[:, 0], xs[:, 1])
    art["start"].set_data(xs[:1, 0], xs[:1, 1])
    art["ref_path"].set_data(*((ref[:, 0], ref[:, 1]) if ref is not None else ([], [])))
    art["loss"].set_data(np.arange(len(gaps)), gaps)
    if ref_gaps is not None:
        art["ref_loss"].set_data(np.arange(len(ref_gaps)), ref_gaps)
    art["ref_loss"].set_visible(ref_gaps is not None)
    blew_up = state["diverged_at"] is not None
    art["blowup"].set_visible(blew_up)
    if blew_up:
        art["blowup"].set_xdata([state["diverged_at"]] * 2)
    art["note"].set_text(f"blew up at step {state['diverged_at']}" if blew_up else "")
    shown = [gaps] + ([ref_gaps] if ref_gaps is not None else [])
    low = min(float(np.min(g)) for g in shown)
    high = max(float(np.max(g)) for g in shown)
    art["ax_loss"].set_ylim(decade_below(max(low / 3, LOSS_FLOOR)), decade_above(high * 3))
    # a run that blew up early gets a zoomed axis, so its few steps stay visible
    art["ax_loss"].set_xlim(0, max(10, max(len(g) for g in shown)))
    legends_for = (contours_for, state["optimizer"], ref is not None, blew_up)
    if art["legends_for"] != legends_for:  # legends are background: redraw in full
        _draw_legends(art, state)
        art["legends_for"], full = legends_for, True
    return full


def _draw_legends(art, state):
    ref = state["ref_xs"] is not None
    for line in (art["path"], art["loss"]):
        line.set_color(COLORS[state["optimizer"]])
        line.set_label(state["optimizer"])
    art["ref_path"].set_visible(ref)
    art["ref_path"].set_label("plain GD, same lr" if ref else "_hidden")  # no legend entry
    art["ax_path"].legend(loc="lower right" if state["landscape"] == "bowl" else "lower left",
                          fontsize=8)
    art["ax_loss"].legend(handles=[a for a in (art["loss"], art["ref_loss"], art["blowup"])
                                   if a.get_visible()], fontsize=8, loc="upper right")
