"""Notebook 02's panel: GD on the quadratic bowl or Rosenbrock, driven by κ, lr and the steps.

The panel contract (``helpers.widgets.Panel``): ``compute`` (pure: the run, the theory and the
message), ``make_figure`` (what never changes; the path and curves are ``animated``), ``draw``
(updates only those; new contours or bands redraw in full). The measurements behind it are in
``helpers.lab.gd_2d``.
"""

from __future__ import annotations

import functools

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..blit import decade_above, decade_below
from ..gd import run_gd
from ..lab.gd_2d import (
    BOWL_X0,
    EDGE_RTOL,
    LANDSCAPES,
    ROSENBROCK_X0,
    VIEW,
    hessian,
    make_objective,
    max_stable_lr_at,
    predicted_steps,
    valley_floor_limits,
)
from ..plots import COLORS, lr_strip, plain_log_ticks, plot_contours
from ..text import plural
from ..validate import check_choice, check_int, check_lr, check_positive_number
from ..widgets import Panel, dropdown, lr_slider, selection_slider

LR_MIN, LR_MAX = 1e-4, 3.0  # the lr slider's range: Rosenbrock needs ~1e-3, a round bowl ~1


STRIP_XLIM = (LR_MIN / 1.15, LR_MAX * 1.15)  # a little beyond the slider, so its ends show


NUM_STEPS_OPTIONS = (10, 20, 50, 100, 200, 500, 1000, 2000)


GAP_FLOOR = 1e-30  # f − f* below this is drawn at this value on the log axis


def compute(landscape="bowl", kappa=10.0, lr=0.15, num_steps=50):
    """Run GD on the bowl (condition number ``kappa``) or on Rosenbrock; the panel's state.

    Returns a dict: xs (T+1, 2) path, gaps (T+1,) f(x_t) − f*, status / diverged_at /
    converged_at (``helpers.gd``), eigenvalues (of A, or of ∇²f at the start for Rosenbrock),
    max_stable_lr (2/λ_max; for Rosenbrock at the start), best_lr (bowl only, else None),
    factors (bowl: |1 − lr·λ_i| per direction), theory_gaps (bowl: the exact f_t, else None),
    band (lr edges for the strip), message, level.
    """
    check_choice("landscape", landscape, LANDSCAPES)
    kappa = check_positive_number("kappa", kappa)
    lr = check_lr(lr)
    num_steps = check_int("num_steps", num_steps, low=1)
    obj = make_objective(landscape, kappa)
    x0 = BOWL_X0 if landscape == "bowl" else ROSENBROCK_X0
    traj = run_gd(obj, x0, lr, num_steps)
    state = {
        "landscape": landscape, "kappa": kappa, "lr": lr, "num_steps": num_steps,
        "xs": traj.xs, "gaps": traj.losses - obj.f_min, "x_min": np.asarray(obj.x_min),
        "status": traj.status, "diverged_at": traj.diverged_at,
        "converged_at": traj.converged_at, "view": VIEW[landscape],
    }
    if landscape == "bowl":
        state.update(_bowl_facts(obj, x0, lr, num_steps))
    else:
        state.update(_rosenbrock_facts(obj, traj, lr))
    state["message"], state["level"] = _message(state)
    return state


def _bowl_facts(bowl, x0, lr, num_steps):
    lams, Q = np.linalg.eigh(bowl.A)  # A = Q diag(λ) Qᵀ
    c0 = Q.T @ x0  # x0 in the eigen-directions
    limit = bowl.max_stable_lr()
    on_edge = abs(lr - limit) <= EDGE_RTOL * limit
    factors = 1.0 - lr * lams  # c_i(t) = (1 − lr·λ_i)^t c_i(0)
    t = np.arange(num_steps + 1)[:, None]
    with np.errstate(over="ignore", under="ignore"):
        theory = 0.5 * np.sum(lams * c0**2 * factors ** (2 * t), axis=1)  # f_t = ½ Σ λ_i c_i(t)²
    return {
        "eigenvalues": (float(lams[0]), float(lams[-1])),
        "max_stable_lr": limit,
        "best_lr": bowl.best_lr(),
        "on_edge": on_edge,
        "factors": factors,
        "theory_gaps": theory,
        "predicted_steps": predicted_steps(lams, lr),
        "band": (limit, limit),
    }


@functools.cache
def _floor_limits():
    """The largest stable lr along Rosenbrock's valley floor, from the start to x* (221 points)."""
    return valley_floor_limits(np.linspace(ROSENBROCK_X0[0], 1.0, 221))


def _rosenbrock_facts(rosen, traj, lr):
    x_end = traj.xs[-1]
    x_settled = float(traj.xs[-50:, 0].mean())  # where the last iterates hover along x_1
    H0 = hessian(rosen, ROSENBROCK_X0)
    return {
        "eigenvalues": tuple(float(v) for v in np.linalg.eigvalsh(H0)),
        "max_stable_lr": max_stable_lr_at(rosen, ROSENBROCK_X0),
        "limit_at_min": max_stable_lr_at(rosen, rosen.x_min),
        "limit_at_end": max_stable_lr_at(rosen, x_end),
        "x_settled": x_settled,
        "limit_settled": max_stable_lr_at(rosen, (x_settled, x_settled**2)),
        "best_lr": None,
        "on_edge": False,
        "factors": None,
        "theory_gaps": None,
        "predicted_steps": None,
        # along the valley floor from the start to the minimum, the local limit spans this range
        "band": (float(_floor_limits().min()), float(_floor_limits().max())),
    }


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
    moving = {"animated": True}
    art = {"ax_c": ax_c, "ax_f": ax_f, "ax_lr": ax_lr, "contours_for": None, "bands_for": None,
           "bands": []}
    art["title_f"] = ax_f.text(0.5, 1.03, "", transform=ax_f.transAxes, ha="center",
                               fontsize=10, **moving)
    (art["theory"],) = ax_f.plot([], [], "--", color="#555555", lw=1.4, zorder=3,
                                 label="theory ½ Σ λ_i c_i² (1 − lr·λ_i)^2t", **moving)
    (art["measured"],) = ax_f.plot([], [], "-o", color=COLORS["gd"], lw=1.0, ms=3,
                                   label="measured f(x_t) − f*", **moving)
    art["stopped"] = ax_f.text(0.03, 0.05, "", transform=ax_f.transAxes, fontsize=8,
                               color=COLORS["unstable"], **moving)
    ax_f.set_yscale("log")
    plain_log_ticks(ax_f.yaxis, minor_ticks=False)
    ax_f.set_xlabel("step t")
    ax_f.set_ylabel("f(x_t) − f* (log scale)")
    art["lr_now"] = lr_strip(ax_lr, STRIP_XLIM)
    return fig, art


def _draw_contours(art, state):
    ax = art["ax_c"]
    ax.cla()
    obj = make_objective(state["landscape"], state["kappa"])
    xlim, ylim = state["view"]
    plot_contours(obj, ax=ax, xlim=xlim, ylim=ylim, levels=14, num=120)
    (art["path"],) = ax.plot([], [], "-o", color=COLORS["gd"], lw=0.9, ms=2.5, label="GD path",
                             animated=True)
    (art["start"],) = ax.plot([], [], "s", color=COLORS["gd"], ms=7, animated=True)
    ax.set_xlabel("$x_1$", labelpad=1)
    ax.set_ylabel("$x_2$", labelpad=1)
    art["title_c"] = ax.text(0.5, 1.03, "", transform=ax.transAxes, ha="center", fontsize=10,
                             animated=True)
    art["contours_for"] = (state["landscape"], state["kappa"])


def _draw_bands(art, state):
    ax = art["ax_lr"]
    for artist in art["bands"]:
        artist.remove()
    lo, hi = state["band"]
    left, right = STRIP_XLIM
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
        ("stable", "diverges", "nowhere")) else i for i in items] + [art["lr_now"]]
    legend = ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0),
                       ncol=len(handles), fontsize=7.5, handlelength=1.4, columnspacing=0.9,
                       borderaxespad=0.2)
    art["bands"] = [*items, legend]
    art["bands_for"] = (state["landscape"], state["band"])
    lines = [art["measured"]] + ([art["theory"]] if state["landscape"] == "bowl" else [])
    art["ax_f"].legend(handles=lines, loc="upper right", fontsize=7.5)


def draw(art, state):
    """Update the moving artists from ``compute``'s state. Returns True when the contours or
    the bands were drawn again (a new landscape or κ: a full redraw)."""
    full = False
    if art["contours_for"] != (state["landscape"], state["kappa"]):
        _draw_contours(art, state)
        full = True
    xs = state["xs"]
    art["path"].set_data(xs[:, 0], xs[:, 1])
    art["start"].set_data(xs[:1, 0], xs[:1, 1])
    name = "bowl, κ = " + f"{state['kappa']:.3g}" if state["landscape"] == "bowl" else "Rosenbrock"
    stopped = state["diverged_at"]
    kept = (f"diverged after {plural(stopped, 'step')} (run stopped)" if stopped
            else f"{plural(len(xs) - 1, 'step')} of GD")
    art["title_c"].set_text(f"{name}: {kept}")

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
    art["ax_f"].set_ylim(bottom, top)
    art["ax_f"].set_xlim(0, stopped or state["num_steps"])  # a stopped run: up to its last step
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

    if art["bands_for"] != (state["landscape"], state["band"]):
        _draw_bands(art, state)
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
