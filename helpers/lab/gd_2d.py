"""Notebooks 02a and 02b, GD in 2-D: narrow valleys, the condition number, the largest stable step.

On the quadratic bowl f(x) = ½ xᵀA x (``helpers.objectives.QuadraticBowl``) GD moves each
eigen-direction of A on its own:  c_i ← (1 − lr·λ_i)·c_i.  So GD is stable while lr < 2/λ_max,
the best fixed step is lr* = 2/(λ_min + λ_max) (both factors equal (κ − 1)/(κ + 1) in size), and
the steps needed grow like κ. On the Rosenbrock function the curvature, and with it the largest
stable step 2/λ_max(∇²f(x)), changes from place to place.

Pure functions for the notebook's measurements:

- ``run_on_landscape``    one GD run on the bowl or Rosenbrock with its theory: what the panel shows
- ``hessian`` / ``max_stable_lr_at``   curvature and 2/λ_max(∇²f) at a point (bowl, Rosenbrock)
- ``helpers.gd.steps_to_tolerance``  steps to shrink |x − x*| by ``tol``, many lr at once
- ``worst_case_steps``    the same from the worst start (an eigen-direction), for many lr
- ``steps_vs_kappa``      the same on bowls of many condition numbers, at a step-size rule
- ``predicted_steps``     ceil(ln tol / ln ρ) with ρ = max_i |1 − lr·λ_i|
- ``rosenbrock_stall``    where GD on Rosenbrock ends up for a given lr, and the local limit there
- ``gradient_cost``       measured time of f, ∇f and a finite-difference gradient (least squares)

The panel is ``helpers.panels.gd_2d``.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from ..gd import TOL, _check_tol, run_gd, steps_to_tolerance
from ..gradcheck import numerical_grad
from ..objectives import LeastSquares, QuadraticBowl, Rosenbrock, make_regression
from ..timing import seconds
from ..validate import (
    check_choice,
    check_int,
    check_ints,
    check_lr,
    check_numbers,
    check_point,
    check_positive_number,
)

BOWL_X0 = np.array([-1.8, 0.9])  # start of the bowl runs: off both axes, so both directions move


ROSENBROCK_X0 = np.array([-1.2, 1.0])  # the classic start, on the far side of the curved valley


LANDSCAPES = ("bowl", "Rosenbrock")  # the choice of valley, named "landscape" in 02a and 06

VIEW = {"bowl": ((-2.0, 2.0), (-1.2, 1.2)), "Rosenbrock": ((-2.0, 2.0), (-1.0, 3.0))}

EDGE_RTOL = 1e-9  # lr within this (relative) of 2/λ_max is "on the edge"


def make_objective(landscape="bowl", kappa=10.0):
    """The panel's objective: ``QuadraticBowl(kappa)`` (λ_min = 1, on the axes) or Rosenbrock."""
    check_choice("landscape", landscape, LANDSCAPES)
    return QuadraticBowl(kappa=kappa) if landscape == "bowl" else Rosenbrock()


def hessian(objective, x):
    """∇²f at x (shape (2,)) for a ``QuadraticBowl`` (A everywhere) or a ``Rosenbrock``."""
    x = check_point("x", x, dim=2)
    if isinstance(objective, (QuadraticBowl, Rosenbrock)):
        return objective.hessian(x)
    raise TypeError(f"objective must be a QuadraticBowl or a Rosenbrock; got {objective!r}")


def max_stable_lr_at(objective, x) -> float:
    """2/λ_max(∇²f(x)): the largest lr for which GD is stable near x (where f looks quadratic)."""
    return float(2.0 / np.linalg.eigvalsh(hessian(objective, x)).max())


def valley_floor_limits(xs_along, objective=None):
    """2/λ_max(∇²f) at the points (x, x²) of Rosenbrock's valley floor; xs_along: (n,) -> (n,)."""
    objective = Rosenbrock() if objective is None else objective
    xs_along = check_numbers("xs_along", xs_along)
    return np.array([max_stable_lr_at(objective, (u, u**2)) for u in np.ravel(xs_along)])


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


def run_on_landscape(landscape="bowl", kappa=10.0, lr=0.15, num_steps=50) -> dict:
    """Run GD on the bowl (condition number ``kappa``) or on Rosenbrock, with what predicts it.

    Returns a dict: xs (T+1, 2) path, gaps (T+1,) f(x_t) − f*, x_min, view (the plot's box),
    status / diverged_at / converged_at (``helpers.gd``), eigenvalues (of A, or of ∇²f at the
    start for Rosenbrock), max_stable_lr (2/λ_max; for Rosenbrock at the start), best_lr (bowl
    only, else None), on_edge (lr = 2/λ_max), factors (bowl: 1 − lr·λ_i per direction),
    theory_gaps (bowl: the exact f_t, else None), predicted_steps (bowl), band (lr edges of the
    stable band), and for Rosenbrock the local limits at the minimum, at the end and where the
    last iterates hover (x_settled); plus the arguments.
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
        state.update(_rosenbrock_facts(obj, traj))
    return state


def _bowl_facts(bowl, x0, lr, num_steps):
    lams, Q = np.linalg.eigh(bowl.A)  # A = Q diag(λ) Qᵀ
    c0 = Q.T @ x0  # x0 in the eigen-directions
    limit = bowl.max_stable_lr()
    factors = 1.0 - lr * lams  # c_i(t) = (1 − lr·λ_i)^t c_i(0)
    t = np.arange(num_steps + 1)[:, None]
    with np.errstate(over="ignore", under="ignore"):
        theory = 0.5 * np.sum(lams * c0**2 * factors ** (2 * t), axis=1)  # f_t = ½ Σ λ_i c_i(t)²
    return {
        "eigenvalues": (float(lams[0]), float(lams[-1])), "max_stable_lr": limit,
        "best_lr": bowl.best_lr(), "on_edge": abs(lr - limit) <= EDGE_RTOL * limit,
        "factors": factors, "theory_gaps": theory,
        "predicted_steps": predicted_steps(lams, lr), "band": (limit, limit),
    }


@functools.cache
def _floor_limits():
    """The largest stable lr along Rosenbrock's valley floor, from the start to x* (221 points)."""
    return valley_floor_limits(np.linspace(ROSENBROCK_X0[0], 1.0, 221))


def _rosenbrock_facts(rosen, traj):
    x_settled = float(traj.xs[-50:, 0].mean())  # where the last iterates hover along x_1
    H0 = hessian(rosen, ROSENBROCK_X0)
    return {
        "eigenvalues": tuple(float(v) for v in np.linalg.eigvalsh(H0)),
        "max_stable_lr": max_stable_lr_at(rosen, ROSENBROCK_X0),
        "limit_at_min": max_stable_lr_at(rosen, rosen.x_min),
        "limit_at_end": max_stable_lr_at(rosen, traj.xs[-1]),
        "x_settled": x_settled,
        "limit_settled": max_stable_lr_at(rosen, (x_settled, x_settled**2)),
        "best_lr": None, "on_edge": False, "factors": None, "theory_gaps": None,
        "predicted_steps": None,
        # along the valley floor from the start to the minimum, the local limit spans this range
        "band": (float(_floor_limits().min()), float(_floor_limits().max())),
    }


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
        "limit_there": max_stable_lr_at(Rosenbrock(), (x_mean[0], x_mean[0] ** 2)),
        "f_end": float(traj.losses[-1]),
    }


def _fastest(fn, repeats):
    """The shortest of ``repeats`` wall-clock timings of fn() in seconds."""
    return float(seconds(fn, repeats).min())


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
                "fd_seconds": _fastest(lambda p=problem, w=w: numerical_grad(p.f, w), 1)
                if fd else None,
            })
    return rows

