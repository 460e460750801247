"""Notebook 02a's panel: GD on the quadratic bowl or Rosenbrock, driven by κ, lr and the steps.

The panel contract (``helpers.widgets.Panel``): ``compute`` (pure: the run, the theory and the
message), ``make_figure`` (what never changes; the path and curves are ``animated``), ``draw``
(updates only those; new contours or bands redraw in full). The run and what predicts it come
from ``helpers.lab.gd_2d``, the contours, the loss-gap axes and the strip's bands from
``helpers.figures.gd_2d``.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..figures.gd_2d import (
    draw_contours,
    draw_stable_band,
    gap_axes,
    path_title,
    update_gap_axes,
)
from ..lab.gd_2d import LANDSCAPES, run_on_landscape
from ..plots import lr_strip
from ..text import plural
from ..widgets import Panel, dropdown, lr_slider, selection_slider

LR_MIN, LR_MAX = 1e-4, 3.0  # the lr slider's range: Rosenbrock needs ~1e-3, a round bowl ~1
STRIP_XLIM = (LR_MIN / 1.15, LR_MAX * 1.15)  # a little beyond the slider, so its ends show
NUM_STEPS_OPTIONS = (10, 20, 50, 100, 200, 500, 1000, 2000)


def compute(landscape="bowl", kappa=10.0, lr=0.15, num_steps=50):
    """The panel's state: ``lab.gd_2d.run_on_landscape`` (the path, the loss gaps, the
    eigenvalues, the stable limits and the theory; see there) plus the message and its level."""
    state = run_on_landscape(landscape, kappa, lr, num_steps)
    state["message"], state["level"] = _message(state)
    return state


def _message(s):
    lr, T = s["lr"], len(s["xs"]) - 1
    gap = s["gaps"][-1]
    if s["landscape"] == "bowl":
        limit = s["max_stable_lr"]
        head = f"κ = {s['kappa']:.3g}, lr = {lr:.3g}"
        if s["diverged_at"] is not None:
            return (f"{head} > 2/λ_max = {limit:.3g}: the steep direction grows ×"
                    f"{abs(s['factors'][-1]):.3g} per step; diverged after "
                    f"{plural(s['diverged_at'], 'step')} (run stopped)."), "error"
        if s["on_edge"]:
            return (f"{head} = 2/λ_max: the steep direction flips sign with factor −1 for ever "
                    f"(the edge of stability); f − f* = {gap:.3g} after {T} steps."), "warn"
        if lr > limit:
            return (f"{head} > 2/λ_max = {limit:.3g}: the steep direction grows ×"
                    f"{abs(s['factors'][-1]):.3g} per step; diverging (f − f* = {gap:.3g} "
                    f"after {T} steps)."), "error"
        f_slow, f_steep = s["factors"][0], s["factors"][-1]
        zig = " flipping sign each step: the zig-zag" if f_steep < 0 else ""
        text = (f"{head} < 2/λ_max = {limit:.3g}: stable. Per step the shallow direction "
                f"shrinks ×{abs(f_slow):.4g}, the steep one ×{abs(f_steep):.4g}{zig}. "
                f"Best fixed step 2/(λ_min + λ_max) = {s['best_lr']:.3g}.")
        if s["converged_at"] is not None:
            steps = plural(s["converged_at"], "step")
            return f"{text} Converged (f − f* ≤ 1e-10) after {steps}.", "ok"
        return f"{text} After {T} steps f − f* = {gap:.3g}.", "warn"
    lo, hi = s["band"]
    head = (f"Rosenbrock, lr = {lr:.3g}: the stable limit 2/λ_max(∇²f) is "
            f"{s['max_stable_lr']:.3g} at the start, {s['limit_at_min']:.3g} at the minimum")
    if s["diverged_at"] is not None:
        return f"{head}; diverged after {plural(s['diverged_at'], 'step')} (run stopped).", "error"
    x, y = s["xs"][-1]
    dist = float(np.hypot(x - 1.0, y - 1.0))
    if lr > s["limit_at_min"]:
        return (f"{head}. lr is too large to settle at the minimum: after {T} steps GD bounces "
                f"across the valley near x_1 = {s['x_settled']:.2f}, where the local limit on the "
                f"valley floor is {s['limit_settled']:.3g}; f − f* = {gap:.3g}."), "warn"
    if s["converged_at"] is not None:
        steps = plural(s["converged_at"], "step")
        return f"{head}. Converged (f − f* ≤ 1e-10) after {steps}.", "ok"
    return (f"{head}. Crawling along the curved valley: after {T} steps GD is at "
            f"({x:.2f}, {y:.2f}), still {dist:.3g} from the minimum (1, 1); "
            f"f − f* = {gap:.3g}."), "warn"


def make_figure():
    """The figure: contours with the path, f − f* on a log axis, and the lr strip. Returns
    (fig, artists); the contours and the strip's bands are drawn by ``draw`` (they change with
    the landscape and κ)."""
    fig = Figure(figsize=(7.0, 4.8))
    grid = fig.add_gridspec(2, 2, height_ratios=[3.0, 0.42], width_ratios=[1.25, 1.0],
                            hspace=0.62, wspace=0.42, left=0.1, right=0.97, top=0.94,
                            bottom=0.1)
    ax_c, ax_f = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    ax_lr = fig.add_subplot(grid[1, :])
    art = {"ax_c": ax_c, "ax_f": ax_f, "ax_lr": ax_lr, "contours_for": None, "bands_for": None,
           "bands": [], **gap_axes(ax_f)}
    art["lr_now"] = lr_strip(ax_lr, STRIP_XLIM)
    return fig, art


def draw(art, state):
    """Update the moving artists from ``compute``'s state. Returns True when the contours or
    the bands were drawn again (a new landscape or κ: a full redraw)."""
    full = False
    if art["contours_for"] != (state["landscape"], state["kappa"]):
        art.update(draw_contours(art["ax_c"], state["landscape"], state["kappa"], state["view"]))
        art["contours_for"] = (state["landscape"], state["kappa"])
        full = True
    xs = state["xs"]
    art["path"].set_data(xs[:, 0], xs[:, 1])
    art["start"].set_data(xs[:1, 0], xs[:1, 1])
    art["title_c"].set_text(path_title(state))
    update_gap_axes(art["ax_f"], art, state)
    if art["bands_for"] != (state["landscape"], state["band"]):
        for artist in art["bands"]:
            artist.remove()
        art["bands"] = draw_stable_band(art["ax_lr"], state, art["lr_now"])
        art["bands_for"] = (state["landscape"], state["band"])
        lines = [art["measured"]] + ([art["theory"]] if state["landscape"] == "bowl" else [])
        art["ax_f"].legend(handles=lines, loc="upper right", fontsize=7.5)
        full = True
    lr = min(max(state["lr"], STRIP_XLIM[0]), STRIP_XLIM[1])
    art["lr_now"].set_data([lr, lr], [0, 1.0])
    return full


def make_panel(landscape="bowl", kappa=10.0, lr=0.15, num_steps=50):
    """The 2-D panel: "landscape" (bowl / Rosenbrock), "kappa" (log, 1 … 100), "lr" (log),
    "num_steps". Choosing Rosenbrock greys out κ and sets lr to 0.001 (its scale). A new κ
    draws new contours, so κ and the steps redraw on release; lr follows the hand."""
    release = {"continuous_update": False}
    controls = {
        "landscape": dropdown(list(LANDSCAPES), landscape, description="landscape"),
        "kappa": lr_slider(kappa, min=1.0, max=100.0, description="condition κ", **release),
        "lr": lr_slider(lr, min=LR_MIN, max=LR_MAX),
        "num_steps": selection_slider(NUM_STEPS_OPTIONS, num_steps, description="steps",
                                      **release),
    }
    panel = Panel(controls, compute, make_figure, draw)

    def on_landscape(change):
        rosen = change["new"] == "Rosenbrock"
        controls["kappa"].disabled = rosen
        with panel.hold_refresh():  # one redraw for both changes
            controls["lr"].value = 0.001 if rosen else 0.15  # each landscape's own scale of lr
            controls["num_steps"].value = 2000 if rosen else 50

    controls["landscape"].observe(on_landscape, names="value")
    controls["kappa"].disabled = landscape == "Rosenbrock"
    return panel
