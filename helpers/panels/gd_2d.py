"""Notebook 02, GD in 2-D: narrow valleys, the condition number, the largest stable step.

On the quadratic bowl f(x) = ½ xᵀA x (``helpers.objectives.QuadraticBowl``) GD moves each
eigen-direction of A on its own:  c_i ← (1 − lr·λ_i)·c_i.  So GD is stable while lr < 2/λ_max,
the best fixed step is lr* = 2/(λ_min + λ_max) (both factors equal (κ − 1)/(κ + 1) in size), and
the steps needed grow like κ. On the Rosenbrock function the curvature, and with it the largest
stable step 2/λ_max(∇²f(x)), changes from place to place.

Pure functions for the notebook's measurements:

- ``hessian`` / ``local_max_stable_lr``   curvature and 2/λ_max(∇²f) at a point (bowl, Rosenbrock)
- ``steps_to_tolerance``  (from ``gd_1d``) steps to shrink |x − x*| by ``tol``, many lr at once
- ``worst_case_steps``    the same from the worst start (an eigen-direction), for many lr
- ``steps_vs_kappa``      the same on bowls of many condition numbers, at a step-size rule
- ``predicted_steps``     ceil(ln tol / ln ρ) with ρ = max_i |1 − lr·λ_i|
- ``rosenbrock_stall``    where GD on Rosenbrock ends up for a given lr, and the local limit there
- ``gradient_cost``       measured time of f, ∇f and a finite-difference gradient (least squares)

and the panel: ``compute_gd_2d`` (pure) + ``make_panel()`` (objective, κ, learning rate, steps).
"""

from __future__ import annotations

import math
import time

import numpy as np
from ipywidgets import SelectionSlider
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..gd import run_gd
from ..objectives import LeastSquares, QuadraticBowl, Rosenbrock, make_regression
from ..plots import COLORS, plain_log_ticks, plot_contours
from ..validate import (
    check_choice,
    check_int,
    check_ints,
    check_lr,
    check_numbers,
    check_point,
    check_positive_number,
)
from ..widgets import Panel, dropdown, lr_slider
from .gd_1d import setup_lr_strip, steps_to_tolerance

__all__ = [
    "BOWL_X0", "ROSENBROCK_X0", "OBJECTIVES", "hessian", "local_max_stable_lr",
    "steps_to_tolerance", "worst_case_steps", "steps_vs_kappa", "predicted_steps",
    "rosenbrock_stall", "valley_floor_limits", "gradient_cost", "compute_gd_2d", "make_panel",
]

BOWL_X0 = np.array([-1.8, 0.9])  # start of the bowl runs: off both axes, so both directions move
ROSENBROCK_X0 = np.array([-1.2, 1.0])  # the classic start, on the far side of the curved valley
OBJECTIVES = ("bowl", "Rosenbrock")
VIEW = {"bowl": ((-2.0, 2.0), (-1.2, 1.2)), "Rosenbrock": ((-2.0, 2.0), (-1.0, 3.0))}
LR_MIN, LR_MAX = 1e-4, 3.0  # the lr slider's range: Rosenbrock needs ~1e-3, a round bowl ~1
STRIP_XLIM = (LR_MIN / 1.15, LR_MAX * 1.15)  # a little beyond the slider, so its ends show
NUM_STEPS_OPTIONS = (10, 20, 50, 100, 200, 500, 1000, 2000)
TOL = 1e-6  # "converged": |x_t − x*| at most TOL·|x0 − x*|
EDGE_RTOL = 1e-9  # lr within this (relative) of 2/λ_max is "on the edge"
GAP_FLOOR = 1e-30  # f − f* below this is drawn at this value on the log axis


def make_objective(objective="bowl", kappa=10.0):
    """The panel's objective: ``QuadraticBowl(kappa)`` (λ_min = 1, on the axes) or Rosenbrock."""
    check_choice("objective", objective, OBJECTIVES)
    return QuadraticBowl(kappa=kappa) if objective == "bowl" else Rosenbrock()


def hessian(objective, x):
    """∇²f at x (shape (2,)) for a ``QuadraticBowl`` (A everywhere) or a ``Rosenbrock``."""
    x = check_point("x", x, dim=2)
    if isinstance(objective, QuadraticBowl):
        return objective.A.copy()
    if isinstance(objective, Rosenbrock):
        u, v = np.asarray(x, dtype=float)
        b = objective.b
        # ∂²f/∂x² = 2 − 4b(y − x²) + 8b·x²;  ∂²f/∂x∂y = −4b·x;  ∂²f/∂y² = 2b
        return np.array([[2 - 4 * b * (v - u**2) + 8 * b * u**2, -4 * b * u], [-4 * b * u, 2 * b]])
    raise TypeError(f"objective must be a QuadraticBowl or a Rosenbrock; got {objective!r}")


def local_max_stable_lr(objective, x) -> float:
    """2/λ_max(∇²f(x)): the largest lr for which GD is stable near x (where f looks quadratic)."""
    return float(2.0 / np.linalg.eigvalsh(hessian(objective, x)).max())


def valley_floor_limits(xs_along, objective=None):
    """2/λ_max(∇²f) at the points (x, x²) of Rosenbrock's valley floor; xs_along: (n,) -> (n,)."""
    objective = Rosenbrock() if objective is None else objective
    xs_along = check_numbers("xs_along", xs_along)
    return np.array([local_max_stable_lr(objective, (u, u**2)) for u in np.ravel(xs_along)])


def predicted_steps(eigenvalues, lr, tol=TOL) -> float:
    """ceil(ln tol / ln ρ), ρ = max_i |1 − lr·λ_i|: steps after which |x_t − x*| ≤ tol·|x0 − x*|.

    An upper bound for any start (exact when every direction starts with a share); inf if ρ ≥ 1.
    """
    lr = check_lr(lr)
    eigenvalues = check_numbers("eigenvalues", eigenvalues, positive=True)
    tol = _check_tol(tol)
    rho = max(abs(1.0 - lr * lam) for lam in eigenvalues)
    if rho == 0.0:
        return 1.0
    if rho >= 1.0:
        return math.inf
    return float(math.ceil(math.log(tol) / math.log(rho) - 1e-9))


def _check_tol(tol) -> float:
    """A relative tolerance: a number in (0, 1)."""
    tol = check_positive_number("tol", tol)
    if tol >= 1:
        raise ValueError(f"tol must be a number between 0 and 1 (a fraction of |x0|); got {tol!r}")
    return tol


def worst_case_steps(bowl, lrs, *, tol=TOL, max_steps=100_000):
    """Measured steps to shrink |x| by ``tol`` from the WORST start, for each learning rate.

    |x_t|²/|x_0|² = Σ_i w_i (1 − lr·λ_i)^(2t) with weights w_i ≥ 0 summing to 1, so the worst
    start is an eigen-direction of A. This runs GD from each eigenvector (all lrs at once, via
    ``steps_to_tolerance``) and returns the larger count: (R,) floats, inf if never.
    """
    if not isinstance(bowl, QuadraticBowl):
        raise TypeError(f"bowl must be a QuadraticBowl; got {bowl!r}")
    _, Q = np.linalg.eigh(bowl.A)
    runs = [steps_to_tolerance(bowl, Q[:, i], lrs, tol=tol, max_steps=max_steps) for i in range(2)]
    return np.maximum(*runs)


def steps_vs_kappa(kappas, rule="best", *, tol=TOL, x0=None, max_steps=100_000):
    """Measured GD steps to |x_t| ≤ tol·|x0| on ``QuadraticBowl(kappa)`` for each kappa.

    rule: "best" runs at lr = 2/(λ_min + λ_max), "1/lam_max" at lr = 1/λ_max.
    kappas: (K,) condition numbers ≥ 1. All K runs step together.
    Returns (steps (K,), lrs (K,)); steps is inf where a run did not get there.
    """
    check_choice("rule", rule, ("best", "1/lam_max"))
    kappas = check_numbers("kappas", kappas, low=1.0)
    tol = _check_tol(tol)
    max_steps = check_int("max_steps", max_steps, low=1)
    x0 = None if x0 is None else check_point("x0", x0, dim=2)
    bowls = [QuadraticBowl(kappa=float(k)) for k in kappas]
    lrs = np.array([b.best_lr() if rule == "best" else 1.0 / b.lam_max for b in bowls])
    A = np.stack([b.A for b in bowls])  # (K, 2, 2)
    x = np.tile(np.asarray(BOWL_X0 if x0 is None else x0, dtype=float), (len(bowls), 1))
    d0 = np.linalg.norm(x, axis=1)
    steps = np.full(len(bowls), np.inf)
    active = np.ones(len(bowls), dtype=bool)
    for t in range(1, max_steps + 1):
        x = x - lrs[:, None] * np.einsum("kj,kij->ki", x, A)  # x ← x − lr·A x, every bowl
        done = active & (np.linalg.norm(x, axis=1) <= tol * d0)
        steps[done] = t
        active &= ~done
        if not active.any():
            break
    return steps, lrs


def rosenbrock_stall(lr, *, num_steps=5000, tail=200, x0=None):
    """Where GD on Rosenbrock settles at ``lr``: the mean of its last ``tail`` iterates.

    Returns a dict: status (``helpers.gd``), x_mean (2,), spread (std of the tail, (2,)),
    limit_there (2/λ_max of ∇²f at the valley-floor point (x̄, x̄²)), f_end.
    """
    num_steps = check_int("num_steps", num_steps, low=1)
    tail = check_int("tail", tail, low=1, high=num_steps)
    traj = run_gd(Rosenbrock(), ROSENBROCK_X0 if x0 is None else x0, lr, num_steps)
    last = traj.xs[-tail:]
    x_mean = last.mean(axis=0)
    return {
        "status": traj.status,
        "diverged_at": traj.diverged_at,
        "x_mean": x_mean,
        "spread": last.std(axis=0),
        "limit_there": local_max_stable_lr(Rosenbrock(), (x_mean[0], x_mean[0] ** 2)),
        "f_end": float(traj.losses[-1]),
    }


def _fastest(fn, repeats):
    """The shortest of ``repeats`` wall-clock timings of fn() in seconds."""
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _finite_difference_grad(f, w, eps=1e-6):
    """∂f/∂w_i ≈ (f(w + eps e_i) − f(w − eps e_i)) / 2eps for every i: 2·len(w) calls of f."""
    g = np.empty(len(w))
    for i in range(len(w)):
        old = w[i]
        w[i] = old + eps
        f_plus = f(w)
        w[i] = old - eps
        g[i] = (f_plus - f(w)) / (2 * eps)
        w[i] = old
    return g


def gradient_cost(ns=(1_000, 10_000, 100_000), ds=(10, 30, 100, 300), *, repeats=5,
                  max_work=10**6, fd_n=1_000, fd_max_d=100):
    """Seconds per evaluation of f, ∇f and a central-difference ∇f on least squares (N × d).

    For each (N, d) with N·d ≤ ``max_work``: the fastest of ``repeats`` timings of f(w) and
    grad(w) (the minimum is the least disturbed by other work on the machine); the
    finite-difference gradient (2·d evaluations of f, timed once) only for N = ``fd_n`` and
    d ≤ ``fd_max_d`` (beyond that it takes seconds; its cost is 2d times that of f).
    Returns a list of dicts with n, d, f_seconds, grad_seconds, fd_seconds (or None).
    """
    repeats = check_int("repeats", repeats, low=1)
    ns, ds = check_ints("ns", ns, low=1), check_ints("ds", ds, low=1)
    max_work = check_int("max_work", max_work, low=1)
    fd_n, fd_max_d = check_int("fd_n", fd_n, low=1), check_int("fd_max_d", fd_max_d, low=1)
    rows = []
    for n in ns:
        for d in ds:
            if n * d > max_work:
                continue
            X, y, _ = make_regression(n=n, d=d, seed=0)
            problem, w = LeastSquares(X, y), np.zeros(d)
            fd = n == fd_n and d <= fd_max_d
            rows.append({
                "n": n, "d": d,
                "f_seconds": _fastest(lambda p=problem, w=w: p.f(w), repeats),
                "grad_seconds": _fastest(lambda p=problem, w=w: p.grad(w), repeats),
                "fd_seconds": _fastest(lambda p=problem, w=w: _finite_difference_grad(p.f, w), 1)
                if fd else None,
            })
    return rows


# --------------------------------------------------------------------------------------------
# The panel


def compute_gd_2d(objective="bowl", kappa=10.0, lr=0.15, num_steps=50):
    """Run GD on the bowl (condition number ``kappa``) or on Rosenbrock; the panel's state.

    Returns a dict: xs (T+1, 2) path, gaps (T+1,) f(x_t) − f*, status / diverged_at /
    converged_at (``helpers.gd``), eigenvalues (of A, or of ∇²f at the start for Rosenbrock),
    max_stable_lr (2/λ_max; for Rosenbrock at the start), best_lr (bowl only, else None),
    factors (bowl: |1 − lr·λ_i| per direction), theory_gaps (bowl: the exact f_t, else None),
    band (lr edges for the strip), message, level.
    """
    check_choice("objective", objective, OBJECTIVES)
    kappa = check_positive_number("kappa", kappa)
    lr = check_lr(lr)
    num_steps = check_int("num_steps", num_steps, low=1)
    obj = make_objective(objective, kappa)
    x0 = BOWL_X0 if objective == "bowl" else ROSENBROCK_X0
    traj = run_gd(obj, x0, lr, num_steps)
    state = {
        "objective": objective, "kappa": kappa, "lr": lr, "num_steps": num_steps,
        "xs": traj.xs, "gaps": traj.losses - obj.f_min, "x_min": np.asarray(obj.x_min),
        "status": traj.status, "diverged_at": traj.diverged_at,
        "converged_at": traj.converged_at, "view": VIEW[objective],
    }
    if objective == "bowl":
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


_FLOOR_X = np.linspace(ROSENBROCK_X0[0], 1.0, 221)  # the valley floor from the start to x*
_FLOOR_LIMITS = valley_floor_limits(_FLOOR_X)


def _rosenbrock_facts(rosen, traj, lr):
    x_end = traj.xs[-1]
    x_settled = float(traj.xs[-50:, 0].mean())  # where the last iterates hover along x_1
    H0 = hessian(rosen, ROSENBROCK_X0)
    return {
        "eigenvalues": tuple(float(v) for v in np.linalg.eigvalsh(H0)),
        "max_stable_lr": local_max_stable_lr(rosen, ROSENBROCK_X0),
        "limit_at_min": local_max_stable_lr(rosen, rosen.x_min),
        "limit_at_end": local_max_stable_lr(rosen, x_end),
        "x_settled": x_settled,
        "limit_settled": local_max_stable_lr(rosen, (x_settled, x_settled**2)),
        "best_lr": None,
        "on_edge": False,
        "factors": None,
        "theory_gaps": None,
        "predicted_steps": None,
        # along the valley floor from the start to the minimum, the local limit spans this range
        "band": (float(_FLOOR_LIMITS.min()), float(_FLOOR_LIMITS.max())),
    }


def _steps(n: int) -> str:
    return "1 step" if n == 1 else f"{n} steps"


def _message(s):
    lr, T = s["lr"], len(s["xs"]) - 1
    gap = s["gaps"][-1]
    if s["objective"] == "bowl":
        limit = s["max_stable_lr"]
        head = f"κ = {s['kappa']:.3g}, lr = {lr:.3g}"
        if s["diverged_at"] is not None:
            return (f"{head} > 2/λ_max = {limit:.3g}: the steep direction grows ×"
                    f"{abs(s['factors'][-1]):.3g} per step; diverged after "
                    f"{_steps(s['diverged_at'])} (run stopped)."), "error"
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
            return f"{text} Converged (f − f* ≤ 1e-10) after {_steps(s['converged_at'])}.", "ok"
        return f"{text} After {T} steps f − f* = {gap:.3g}.", "warn"
    lo, hi = s["band"]
    head = (f"Rosenbrock, lr = {lr:.3g}: the stable limit 2/λ_max(∇²f) is "
            f"{s['max_stable_lr']:.3g} at the start, {s['limit_at_min']:.3g} at the minimum")
    if s["diverged_at"] is not None:
        return f"{head}; diverged after {_steps(s['diverged_at'])} (run stopped).", "error"
    x, y = s["xs"][-1]
    dist = float(np.hypot(x - 1.0, y - 1.0))
    if lr > s["limit_at_min"]:
        return (f"{head}. lr is too large to settle at the minimum: after {T} steps GD bounces "
                f"across the valley near x_1 = {s['x_settled']:.2f}, where the local limit on the "
                f"valley floor is {s['limit_settled']:.3g}; f − f* = {gap:.3g}."), "warn"
    if s["converged_at"] is not None:
        return f"{head}. Converged (f − f* ≤ 1e-10) after {_steps(s['converged_at'])}.", "ok"
    return (f"{head}. Crawling along the curved valley: after {T} steps GD is at "
            f"({x:.2f}, {y:.2f}), still {dist:.3g} from the minimum (1, 1); "
            f"f − f* = {gap:.3g}."), "warn"


def make_figure():
    """The panel's figure: contours with the path, f − f* on a log axis, and the lr strip."""
    fig = Figure(figsize=(7.0, 4.8))
    grid = fig.add_gridspec(2, 2, height_ratios=[3.0, 0.42], width_ratios=[1.25, 1.0],
                            hspace=0.62, wspace=0.42, left=0.1, right=0.97, top=0.94,
                            bottom=0.1)
    ax_c, ax_f = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    ax_lr = fig.add_subplot(grid[1, :])
    art = {"axes": (ax_c, ax_f, ax_lr), "contours_for": None, "bands_for": None, "bands": []}
    art["title_f"] = ax_f.text(0.5, 1.03, "", transform=ax_f.transAxes, ha="center", fontsize=10)
    (art["theory"],) = ax_f.plot([], [], "--", color="#555555", lw=1.4, zorder=3,
                                 label="theory ½ Σ λ_i c_i² (1 − lr·λ_i)^2t")
    (art["measured"],) = ax_f.plot([], [], "-o", color=COLORS["gd"], lw=1.0, ms=3,
                                   label="measured f(x_t) − f*")
    art["stopped"] = ax_f.text(0.03, 0.05, "", transform=ax_f.transAxes, fontsize=8,
                               color=COLORS["unstable"])
    ax_f.set_yscale("log")
    plain_log_ticks(ax_f.yaxis, minor_ticks=False)
    ax_f.set_xlabel("step t")
    ax_f.set_ylabel("f(x_t) − f* (log scale)")
    art["lr_now"] = setup_lr_strip(ax_lr, STRIP_XLIM)
    return fig, art


def _draw_contours(art, state):
    ax = art["axes"][0]
    ax.cla()
    obj = make_objective(state["objective"], state["kappa"])
    xlim, ylim = state["view"]
    plot_contours(obj, ax=ax, xlim=xlim, ylim=ylim, levels=14, num=120)
    (art["path"],) = ax.plot([], [], "-o", color=COLORS["gd"], lw=0.9, ms=2.5, label="GD path")
    (art["start"],) = ax.plot([], [], "s", color=COLORS["gd"], ms=7)
    ax.set_xlabel("$x_1$", labelpad=1)
    ax.set_ylabel("$x_2$", labelpad=1)
    art["title_c"] = ax.text(0.5, 1.03, "", transform=ax.transAxes, ha="center", fontsize=10)
    art["contours_for"] = (state["objective"], state["kappa"])


def _draw_bands(art, state):
    ax = art["axes"][2]
    for artist in art["bands"]:
        artist.remove()
    lo, hi = state["band"]
    left, right = STRIP_XLIM
    stable, unstable = COLORS["stable"], COLORS["unstable"]
    if state["objective"] == "bowl":
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
    art["bands_for"] = (state["objective"], state["band"])
    ax_f = art["axes"][1]
    lines = [art["measured"]] + ([art["theory"]] if state["objective"] == "bowl" else [])
    ax_f.legend(handles=lines, loc="upper right", fontsize=7.5)


def draw(fig, art, state):
    """Update the panel's artists from ``compute_gd_2d``'s state."""
    ax_c, ax_f, ax_lr = art["axes"]
    if art["contours_for"] != (state["objective"], state["kappa"]):
        _draw_contours(art, state)
    xs = state["xs"]
    art["path"].set_data(xs[:, 0], xs[:, 1])
    art["start"].set_data(xs[:1, 0], xs[:1, 1])
    name = "bowl, κ = " + f"{state['kappa']:.3g}" if state["objective"] == "bowl" else "Rosenbrock"
    stopped = state["diverged_at"]
    kept = (f"diverged after {_steps(stopped)} (run stopped)" if stopped
            else f"{_steps(len(xs) - 1)} of GD")
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
    top = 10 * gaps.max()
    bottom = min(gaps.min() / 3, top / 1e3)
    ax_f.set_ylim(bottom, top)
    ax_f.set_xlim(0, stopped or state["num_steps"])  # a stopped run: only up to its last step
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

    if art["bands_for"] != (state["objective"], state["band"]):
        _draw_bands(art, state)
    lr = min(max(state["lr"], STRIP_XLIM[0]), STRIP_XLIM[1])
    art["lr_now"].set_data([lr, lr], [0, 1.0])


def make_panel(objective="bowl", kappa=10.0, lr=0.15, num_steps=50):
    """The 2-D panel: "objective" (bowl / Rosenbrock), "kappa" (log, 1 … 100), "lr" (log),
    "num_steps". Choosing Rosenbrock greys out κ and sets lr to 0.001 (its scale)."""
    fig, art = make_figure()
    controls = {
        "objective": dropdown(list(OBJECTIVES), objective, description="objective"),
        "kappa": lr_slider(kappa, min=1.0, max=100.0, description="condition κ"),
        "lr": lr_slider(lr, min=LR_MIN, max=LR_MAX),
        "num_steps": SelectionSlider(options=list(NUM_STEPS_OPTIONS), value=num_steps,
                                     description="steps", continuous_update=False,
                                     layout={"width": "460px"},
                                     style={"description_width": "110px"}),
    }
    panel = Panel(controls, compute_gd_2d, lambda fig, state: draw(fig, art, state), fig)

    def on_objective(change):
        rosen = change["new"] == "Rosenbrock"
        controls["kappa"].disabled = rosen
        with panel.hold_refresh():  # one redraw for both changes
            controls["lr"].value = 0.001 if rosen else 0.15  # each objective's own scale of lr
            controls["num_steps"].value = 2000 if rosen else 50

    controls["objective"].observe(on_objective, names="value")
    controls["kappa"].disabled = objective == "Rosenbrock"
    return panel
