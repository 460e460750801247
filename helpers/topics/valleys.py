"""02 Valleys and the condition number: GD on the quadratic bowl f(x) = ½ xᵀA x.

GD moves each eigen-direction of A on its own, as on a 1-D parabola of curvature λ_i (notebook
01, f'' = λ_i):  c_i ← (1 − lr·λ_i)·c_i.  So it is stable while lr ≤ 2/λ_max, the best fixed step
is lr* = 2/(λ_min + λ_max) with factor ρ* = (κ − 1)/(κ + 1) per step, and the steps grow like κ.

Sections: measurements (``largest_stable_lr``, ``worst_case_steps``, ``predicted_steps``,
``steps_vs_kappa``, ``run_on_bowl``; vectorised over learning rates or bowls), figures
(``bowl_axes`` and ``gap_axes``, shared by the static figures and the panel; ``plot_runs``,
``plot_steps_vs_lr``, ``plot_steps_vs_kappa``), the panel (``bowl_panel``).
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from helpers.gd import run_gd
from helpers.kit.blit import decade_above, decade_below
from helpers.kit.checks import check_choice, check_number, check_positive
from helpers.kit.plots import COLORS, lr_strip, plain_log_ticks
from helpers.kit.text import plural
from helpers.kit.widgets import Panel, lr_slider, selection_slider
from helpers.objectives import QuadraticBowl
from helpers.topics.gd_1d import steps_to_shrink

BOWL_X0 = np.array([-1.8, 0.9])  # the bowl runs start here: off both axes, both directions move
VIEW = ((-2.0, 2.0), (-1.2, 1.2))  # the box the bowl is drawn on


# ---- measurements --------------------------------------------------------------------------------

def largest_stable_lr(objective, x0, lo: float, hi: float, *, num_steps: int = 1500,
                      probes: int = 16, rounds: int = 8) -> float:
    """The largest lr at which GD from x0 does not grow, measured on real runs.

    Each round runs GD at ``probes`` + 1 learning rates from lo to hi at once; a run is stable if
    |x_T − x*| ≤ |x_{T/2} − x*| (T = num_steps; at the edge, |r| = 1, it stays the same size).
    The bracket then shrinks to the last stable and the first unstable probe. lo must be stable
    and hi unstable; the result is within (hi − lo)/probes**rounds of the edge.
    """
    x_min = np.asarray(objective.x_min, dtype=float)
    for _ in range(rounds):
        lrs = np.linspace(lo, hi, probes + 1)
        lr = lrs.reshape(lrs.shape + (1,) * x_min.ndim)
        x = np.broadcast_to(np.asarray(x0, dtype=float), lrs.shape + x_min.shape).copy()
        with np.errstate(over="ignore", invalid="ignore"):
            for t in range(1, num_steps + 1):
                x = x - lr * objective.grad(x)  # every probe at once
                if t == num_steps // 2:
                    half = np.linalg.norm((x - x_min).reshape(len(lrs), -1), axis=1)
            end = np.linalg.norm((x - x_min).reshape(len(lrs), -1), axis=1)
        first_unstable = int(np.argmax(~(end <= half)))  # "not <=": NaN counts as unstable
        lo, hi = lrs[first_unstable - 1], lrs[first_unstable]
    return float(lo)


def predicted_steps(eigenvalues, lrs, shrink: float = 1e-6):
    """ceil(ln shrink / ln ρ), ρ = max_i |1 − lr·λ_i|: the steps after which |x_t| ≤ shrink·|x_0|
    from ANY start (exact from the worst one). lrs: float or (R,); inf where ρ ≥ 1."""
    lrs = np.asarray(lrs, dtype=float)
    rho = np.max([np.abs(1.0 - lrs * lam) for lam in eigenvalues], axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        steps = np.ceil(math.log(shrink) / np.log(rho) - 1e-9)
    return np.where(rho == 0, 1.0, np.where(rho >= 1, np.inf, steps))


def worst_case_steps(bowl, lrs, *, shrink: float = 1e-6, max_steps: int = 100_000):
    """Measured steps to shrink |x| by ``shrink`` from the WORST start, for each lr of (R,) lrs.

    |x_t|²/|x_0|² = Σ_i w_i (1 − lr·λ_i)^(2t) with weights w_i ≥ 0 summing to 1, so the worst
    start is an eigen-direction of A: GD runs from each eigenvector; the larger count is kept.
    """
    _, Q = np.linalg.eigh(bowl.A)  # A = Q diag(λ) Qᵀ: the columns of Q are the eigen-directions
    return np.maximum(*[steps_to_shrink(bowl, Q[:, i], lrs, shrink=shrink, max_steps=max_steps)
                        for i in range(2)])


def steps_vs_kappa(kappas, rule: str = "best", *, shrink: float = 1e-6, x0=BOWL_X0,
                   max_steps: int = 100_000):
    """Measured steps to |x_t| ≤ shrink·|x_0| on ``QuadraticBowl(kappa)`` for each of (K,) kappas.

    rule: "best" runs at lr = 2/(λ_min + λ_max), "1/lam_max" at lr = 1/λ_max; all K runs step
    together. Returns (steps (K,), lrs (K,)); steps is inf where a run did not get there.
    """
    bowls = [QuadraticBowl(kappa=float(k)) for k in kappas]
    lrs = np.array([b.best_lr() if rule == "best" else 1.0 / b.lam_max for b in bowls])
    A = np.stack([b.A for b in bowls])  # (K, 2, 2)
    x = np.tile(np.asarray(x0, dtype=float), (len(bowls), 1))
    d0 = np.linalg.norm(x, axis=1)
    steps = np.full(len(bowls), np.inf)
    for t in range(1, max_steps + 1):
        x = x - lrs[:, None] * np.einsum("kij,kj->ki", A, x)  # x ← x − lr·A x, every bowl
        done = np.isinf(steps) & (np.linalg.norm(x, axis=1) <= shrink * d0)
        steps[done] = t
        if np.all(np.isfinite(steps)):
            break
    return steps, lrs


EDGE_RTOL = 1e-9  # lr this close (relative) to 2/λ_max counts as on the edge


def run_on_bowl(kappa: float = 10.0, lr: float = 0.15, num_steps: int = 50) -> dict:
    """One ``run_gd`` on QuadraticBowl(kappa) from BOWL_X0, beside its theory.

    Returns a dict: xs (T+1, 2) path, gaps (T+1,) f(x_t) − f*, theory_gaps (num_steps+1,)
    ½ Σ λ_i c_i² (1 − lr·λ_i)^2t, factors (2,) 1 − lr·λ_i (shallow, steep), eigenvalues,
    max_stable_lr, best_lr, on_edge, status, diverged_at, converged_at, kappa, lr, num_steps.
    """
    bowl = QuadraticBowl(kappa=kappa)
    traj = run_gd(bowl, BOWL_X0, lr, num_steps)
    lams, Q = np.linalg.eigh(bowl.A)
    c0 = Q.T @ BOWL_X0  # the start in the eigen-directions
    factors = 1.0 - lr * lams  # c_i(t) = (1 − lr·λ_i)^t c_i(0)
    t = np.arange(num_steps + 1)[:, None]
    with np.errstate(over="ignore", under="ignore"):
        theory = 0.5 * np.sum(lams * c0**2 * factors ** (2 * t), axis=1)
    limit = bowl.max_stable_lr()
    return {"xs": traj.xs, "gaps": traj.losses - bowl.f_min, "theory_gaps": theory,
            "factors": factors, "eigenvalues": tuple(lams), "max_stable_lr": limit,
            "best_lr": bowl.best_lr(), "on_edge": abs(lr - limit) <= EDGE_RTOL * limit,
            "status": traj.status, "diverged_at": traj.diverged_at,
            "converged_at": traj.converged_at, "kappa": kappa, "lr": lr, "num_steps": num_steps}


# ---- figures -------------------------------------------------------------------------------------

GAP_FLOOR = 1e-20  # f − f* below this (rounding, or exactly 0) is drawn at this value


def draw_contours(ax, bowl, *, animated: bool = False, levels: int = 14, num: int = 120):
    """Log-spaced contour lines of the bowl on VIEW; returns the contour set (one artist)."""
    (x0, x1), (y0, y1) = VIEW
    u, v = np.meshgrid(np.linspace(x0, x1, num), np.linspace(y0, y1, num))
    z = bowl.f(np.stack([u, v], axis=-1))
    lv = np.geomspace(max(np.percentile(z, 0.5), 1e-6), z.max(), levels)
    contours = ax.contour(u, v, z, levels=lv, colors=COLORS["theory"], linewidths=0.7)
    contours.set_animated(animated)
    return contours


def bowl_axes(ax, *, animated: bool = False) -> dict:
    """Set up ``ax`` for a path on the bowl (box VIEW, the minimum starred); returns the path
    artists ``show_path`` moves. The contours come from ``draw_contours``."""
    kw = {"animated": animated}
    art = {}
    (art["path"],) = ax.plot([], [], "-o", color=COLORS["gd"], lw=0.9, ms=2.5, **kw)
    (art["start"],) = ax.plot([], [], "s", color=COLORS["gd"], ms=7, **kw)
    ax.plot(0, 0, "*", color=COLORS["curve"], ms=12)
    ax.set_xlim(VIEW[0])
    ax.set_ylim(VIEW[1])
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$ (shallow: λ_min)", labelpad=1)
    ax.set_ylabel("$x_2$ (steep: λ_max)", labelpad=1)
    return art


def show_path(art, xs) -> None:
    """Put the iterates xs (T+1, 2) on the axes ``bowl_axes`` made."""
    art["path"].set_data(xs[:, 0], xs[:, 1])
    art["start"].set_data(xs[:1, 0], xs[:1, 1])


def gap_axes(ax, *, animated: bool = False) -> dict:
    """Set up ``ax`` for f(x_t) − f* on a log axis; returns the artists ``show_gaps`` moves."""
    kw = {"animated": animated}
    art = {"ax_f": ax}
    (art["theory"],) = ax.plot([], [], "--", color="#555555", lw=1.4, zorder=3,
                               label="theory ½ Σ λ_i c_i² (1 − lr·λ_i)^2t", **kw)
    (art["measured"],) = ax.plot([], [], "-o", color=COLORS["gd"], lw=1.0, ms=3,
                                 label="measured f(x_t) − f*", **kw)
    art["note"] = ax.text(0.03, 0.05, "", transform=ax.transAxes, fontsize=8,
                          color=COLORS["unstable"], **kw)
    ax.set_yscale("log")
    plain_log_ticks(ax.yaxis, minor_ticks=False)
    ax.set_xlabel("step t")
    ax.set_ylabel("f(x_t) − f* (log scale)")
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize=7.5, borderaxespad=0.2)
    return art


def show_gaps(art, state) -> None:
    """Put a ``run_on_bowl`` state's loss gaps and theory on the axes ``gap_axes`` made; the
    limits move in decades, so they stay put while lr moves a little."""
    ax, gaps = art["ax_f"], np.maximum(state["gaps"], GAP_FLOOR)
    art["measured"].set_data(np.arange(len(gaps)), gaps)
    art["measured"].set_markevery(max(1, (len(gaps) - 1) // 50))
    theory = np.maximum(state["theory_gaps"], GAP_FLOOR)
    art["theory"].set_data(np.arange(len(theory)), theory)
    top = decade_above(10 * gaps.max())
    ax.set_ylim(decade_below(max(min(gaps.min() / 3, top / 1e3), GAP_FLOOR)), top)
    ax.set_xlim(0, state["num_steps"])
    stopped = state["diverged_at"]
    art["note"].set_text(f"diverged: run stopped at step {stopped}" if stopped else "")


def plot_runs(bowl, trajectories, axes=None):
    """One GD path per axes on the bowl's contours. trajectories: {title: xs (T+1, 2)}."""
    if axes is None:
        _, axes = plt.subplots(1, len(trajectories), figsize=(9, 2.4), layout="constrained")
    for ax, (title, xs) in zip(axes, trajectories.items()):
        draw_contours(ax, bowl, levels=12)
        show_path(bowl_axes(ax), xs)
        ax.set_title(title, fontsize=9)
    return axes


def plot_steps_vs_lr(bowl, lrs, worst, from_start, predicted, ax=None):
    """Steps to shrink |x| by 10⁶ against lr on one bowl: worst start, one start, the formula."""
    ax = ax or plt.subplots(figsize=(7, 3.6), layout="constrained")[1]
    finite = np.isfinite(predicted)
    ax.plot(lrs[::6], worst[::6], "o", mfc="none", color=COLORS["gd"], ms=5,
            label="measured, worst start (every 6th lr)")
    ax.plot(lrs[3::6], from_start[3::6], "x", color=COLORS["sgd"], ms=4,
            label="measured, from (−1.8, 0.9) (the lrs in between)")
    ax.plot(lrs[finite], predicted[finite], "-", color="black", lw=1, zorder=3,
            label="predicted ⌈ln 1e-6 / ln ρ(lr)⌉, ρ = max |1 − lr·λ_i|")
    ax.axvline(bowl.best_lr(), color=COLORS["theory"], ls=":", lw=1.5,
               label="lr* = 2/(λ_min + λ_max)")
    ax.axvline(bowl.max_stable_lr(), color=COLORS["unstable"], lw=2, label="2/λ_max (the edge)")
    ax.set_yscale("log")
    plain_log_ticks(ax.yaxis, minor_ticks=False)
    ax.set_xlabel("learning rate lr")
    ax.set_ylabel("steps to shrink |x| by 10⁶ (log scale)")
    ax.legend(fontsize=8, loc="upper center")
    return ax


def plot_steps_vs_kappa(kappas, curves, ax=None):
    """Steps against κ on log-log axes. curves: {label: (steps (K,), style)}, style a format."""
    ax = ax or plt.subplots(figsize=(7, 3.8), layout="constrained")[1]
    colors = [COLORS["gd"], COLORS["theory"], "black", COLORS["sgd"]]
    for (label, (steps, style)), color in zip(curves.items(), colors):
        ax.plot(kappas, steps, style, color=color, label=label, lw=1.5, ms=5)
    ax.set_xscale("log")
    ax.set_yscale("log")
    plain_log_ticks(ax.xaxis, minor_ticks=False)
    plain_log_ticks(ax.yaxis, minor_ticks=False)
    ax.set_xlabel("condition number κ = λ_max/λ_min (log scale)")
    ax.set_ylabel("steps to shrink |x| by 10⁶ (log scale)")
    ax.legend(fontsize=8)
    return ax


# ---- the panel -----------------------------------------------------------------------------------

LR_MIN, LR_MAX = 1e-3, 3.0  # a round bowl (κ = 1) is stable up to 2; κ = 100 up to 0.02
STRIP_XLIM = (LR_MIN / 1.15, LR_MAX * 1.15)
NUM_STEPS_OPTIONS = (10, 20, 50, 100, 200, 500, 1000)


def _message(s) -> tuple[str, str]:
    lr, T, gap, limit = s["lr"], len(s["xs"]) - 1, s["gaps"][-1], s["max_stable_lr"]
    (f_slow, f_steep), head = s["factors"], f"κ = {s['kappa']:.3g}, lr = {lr:.3g}"
    if s["diverged_at"] is not None:
        return (f"{head} > 2/λ_max = {limit:.3g}: the steep direction grows ×{abs(f_steep):.3g} "
                f"per step; diverged after {plural(s['diverged_at'], 'step')} (run stopped)."
                ), "error"
    if s["on_edge"]:
        return (f"{head} = 2/λ_max: the steep direction flips sign with factor −1 for ever (the "
                f"edge of stability); f − f* = {gap:.3g} after {T} steps."), "warn"
    if lr > limit:
        return (f"{head} > 2/λ_max = {limit:.3g}: the steep direction grows ×{abs(f_steep):.3g} "
                f"per step; diverging (f − f* = {gap:.3g} after {T} steps)."), "error"
    zig = ", flipping sign each step: the zig-zag" if f_steep < 0 else ""
    text = (f"{head} < 2/λ_max = {limit:.3g}: stable. Per step the shallow direction shrinks "
            f"×{abs(f_slow):.4g}, the steep one ×{abs(f_steep):.4g}{zig}. Best fixed step "
            f"2/(λ_min + λ_max) = {s['best_lr']:.3g}.")
    if s["converged_at"] is not None:
        return f"{text} Converged (f − f* ≤ 1e-10) after {plural(s['converged_at'], 'step')}.", "ok"
    return f"{text} After {T} steps f − f* = {gap:.3g}.", "warn"


def _compute(kappa, lr, num_steps):
    state = run_on_bowl(kappa, lr, num_steps)
    state["message"], state["level"] = _message(state)
    return state


def _make_figure():
    fig = Figure(figsize=(7.0, 4.8))
    grid = fig.add_gridspec(2, 2, height_ratios=[3.0, 0.42], width_ratios=[1.25, 1.0],
                            hspace=0.62, wspace=0.42, left=0.1, right=0.97, top=0.88, bottom=0.1)
    ax_c, ax_f, ax_lr = (fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1]),
                         fig.add_subplot(grid[1, :]))
    art = {"ax_c": ax_c, "contours": None, "kappa": None, **bowl_axes(ax_c, animated=True),
           **gap_axes(ax_f, animated=True)}
    art["title_c"] = ax_c.text(0.5, 1.03, "", transform=ax_c.transAxes, ha="center",
                               fontsize=10, animated=True)
    art["lr_now"] = lr_strip(ax_lr, STRIP_XLIM)
    lo, hi = STRIP_XLIM
    art["stable"] = ax_lr.axvspan(lo, 1.0, color=COLORS["stable"], alpha=0.35, lw=0, animated=True)
    art["unstable"] = ax_lr.axvspan(1.0, hi, color=COLORS["unstable"], alpha=0.45, lw=0,
                                    animated=True)
    art["best"] = ax_lr.axvline(0.5, color="#000000", ls=":", lw=1.5, animated=True)
    handles = [Patch(color=COLORS["stable"], alpha=0.35, label="stable: lr < 2/λ_max"),
               Patch(color=COLORS["unstable"], alpha=0.45, label="diverges"),
               Line2D([], [], color="#000000", ls=":", lw=1.5, label="best 2/(λ_min + λ_max)"),
               art["lr_now"]]
    ax_lr.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4,
                 fontsize=7.5, handlelength=1.4, columnspacing=0.9, borderaxespad=0.2)
    return fig, art


def _draw(art, state):
    if art["kappa"] != state["kappa"]:  # a new bowl: new contours (animated, so a blit shows them)
        if art["contours"] is not None:
            art["contours"].remove()
        art["contours"] = draw_contours(art["ax_c"], QuadraticBowl(state["kappa"]), animated=True)
        art["kappa"] = state["kappa"]
    show_path(art, state["xs"])
    show_gaps(art, state)
    stopped = state["diverged_at"]
    done = state["converged_at"]
    kept = (f"diverged after {plural(stopped, 'step')}" if stopped else
            f"converged after {plural(done, 'step')}" if done is not None else
            f"{plural(len(state['xs']) - 1, 'step')} of GD")
    art["title_c"].set_text(f"bowl, κ = {state['kappa']:.3g}: {kept}")
    lo, hi = STRIP_XLIM
    edge = min(state["max_stable_lr"], hi)
    art["stable"].set_x(lo)
    art["stable"].set_width(edge - lo)
    art["unstable"].set_x(edge)
    art["unstable"].set_width(hi - edge)
    art["best"].set_xdata([state["best_lr"]] * 2)
    lr = min(max(state["lr"], lo), hi)
    art["lr_now"].set_data([lr, lr], [0, 1.0])


def bowl_panel(kappa: float = 10.0, lr: float = 0.15, num_steps: int = 50) -> Panel:
    """GD on QuadraticBowl(kappa) from (−1.8, 0.9), driven by sliders "kappa" (log, 1 … 100),
    "lr" (log, 0.001 … 3) and "num_steps" (10 … 1000). κ and the steps apply on release."""
    check_number("kappa", kappa, low=1, high=100)
    check_positive("lr", lr)
    check_choice("num_steps", num_steps, NUM_STEPS_OPTIONS)
    release = {"continuous_update": False}
    controls = {
        "kappa": lr_slider(kappa, min=1.0, max=100.0, description="condition κ", **release),
        "lr": lr_slider(lr, min=LR_MIN, max=LR_MAX),
        "num_steps": selection_slider(NUM_STEPS_OPTIONS, num_steps, description="steps",
                                      **release),
    }
    return Panel(controls, _compute, _make_figure, _draw)
