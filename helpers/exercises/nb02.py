"""Exercises of notebooks 02a and 02b (gradient descent in 2-D).

02a, valleys and the condition number:

- ``best_lr_bowl``:       the best fixed learning rate for a bowl with eigenvalues λ_min, λ_max
- ``contraction_factor``: how much GD at that learning rate shrinks the error per step, from κ
- ``max_stable_lr``:      the largest stable learning rate of GD on ½ xᵀAx for any (turned) A

02b, Rosenbrock and saddle points:

- ``rosenbrock_stall_point``: where on Rosenbrock's valley floor GD at a given lr stops, from the
  local limit 2/λ_max(∇²f), or None when lr is small enough to reach the minimum
"""

from __future__ import annotations

import math

import numpy as np

from . import Mistake, as_number, exercise, log_uniform, run_cases

BEST_LR_MISTAKES = {
    "edge": Mistake("that is the edge of stability: there the steep direction oscillates for "
                    "ever. The best step is smaller.", lambda lo, hi: 2.0 / hi),
    "steep_only": Mistake("that settles the steep direction in one step but leaves the shallow "
                          "one slow: balance how fast the two directions shrink.",
                          lambda lo, hi: 1.0 / hi),
    "shallow_only": Mistake("that settles the shallow direction in one step, but there the steep "
                            "direction diverges.", lambda lo, hi: 1.0 / lo),
    "half": Mistake("your step is 2 times too small: there the shallow direction shrinks more "
                    "slowly than it could.", lambda lo, hi: 1.0 / (lo + hi)),
    "grows": Mistake("your step grows with the curvatures, but a steeper bowl needs a smaller "
                     "step.", lambda lo, hi: (lo + hi) / 2.0),
}


@exercise("best_lr_bowl", BEST_LR_MISTAKES)
def _check_best_lr_bowl(fn):
    rng = np.random.default_rng()
    random = [tuple(sorted(log_uniform(rng, 0.01, 100) for _ in range(2))) for _ in range(3)]
    cases = [(1.0, 10.0), *random, (0.5, 0.5), (2.0, 100.0), (1e-3, 1e3)]  # (0.5, 0.5): a tie
    run_cases(fn, cases, answer=lambda lo, hi: 2.0 / (lo + hi),
              read=as_number, label=lambda lo, hi: f"for λ_min = {lo:.4g}, λ_max = {hi:.4g}",
              mistakes=BEST_LR_MISTAKES,
              pointer=lambda case, out, expected: (
                  f"for λ_min = {case[0]:.4g}, λ_max = {case[1]:.4g} your step is too "
                  f"{'large' if out > expected else 'small'}: at the best fixed step the shallow "
                  "and the steep direction shrink by the same factor."))
    return True, "2/(λ_min + λ_max): both directions shrink by the same factor."


CONTRACTION_MISTAKES = {
    "steep_lr": Mistake("that is the factor at lr = 1/λ_max, not at the best lr (there it is "
                        "smaller).", lambda k: 1.0 - 1.0 / k),
    "sign": Mistake("wrong sign: give the size of the factor, a positive number.",
                    lambda k: -(k - 1.0) / (k + 1.0)),
    "squared": Mistake("you squared the factor: that is how fast the loss shrinks, not the "
                       "distance to x*.", lambda k: ((k - 1.0) / (k + 1.0)) ** 2),
    "root_kappa": Mistake("your value uses √κ: that is the rate of GD with the best momentum, "
                          "not of plain GD.",
                          lambda k: (math.sqrt(k) - 1.0) / (math.sqrt(k) + 1.0)),
}


@exercise("contraction_factor", CONTRACTION_MISTAKES)
def _check_contraction_factor(fn):
    rng = np.random.default_rng()
    cases = [(10.0,), *[(log_uniform(rng, 1.5, 1e4),) for _ in range(3)], (1.0,), (3.0,), (1e6,)]
    run_cases(fn, cases, answer=lambda k: (k - 1.0) / (k + 1.0),
              read=as_number, label=lambda k: f"for κ = {k:.4g}", mistakes=CONTRACTION_MISTAKES,
              pointer=lambda case, out, expected: (
                  f"for κ = {case[0]:.4g} the factor is off; put the best lr into the factor "
                  "|1 − lr·λ_min| of the shallow direction and write λ_max = κ·λ_min."))
    return True, "(κ − 1)/(κ + 1): 0 for a round bowl, close to 1 (slow) for a narrow valley."


def _turned(eigenvalues, rng):
    """A symmetric matrix with these eigenvalues and random eigen-directions (not the axes)."""
    Q, _ = np.linalg.qr(rng.standard_normal((len(eigenvalues), len(eigenvalues))))
    return Q @ np.diag(eigenvalues) @ Q.T


def _eigenvalues(A):
    return np.linalg.eigvalsh(A)  # ascending


MAX_STABLE_MISTAKES = {
    "diagonal": Mistake("you read the curvatures off the diagonal of A; for a turned bowl the "
                        "curvatures along its own directions are the eigenvalues of A.",
                        lambda A: 2.0 / float(np.max(np.diag(A)))),
    "shallow": Mistake("that is the limit of the shallowest direction, but the steepest one "
                       "blows up first (np.linalg.eigvalsh sorts the eigenvalues from small to "
                       "large).", lambda A: 2.0 / float(_eigenvalues(A)[0])),
    "half": Mistake("your limit is 2 times too small: along an eigen-direction GD on ½ xᵀAx "
                    "multiplies the distance by 1 − lr·λ; ask when that stays within ±1.",
                    lambda A: 1.0 / float(_eigenvalues(A)[-1])),
    "best_lr": Mistake("that is the best fixed step of section 3, not the largest stable one; "
                       "stable steps go further.",
                       lambda A: 2.0 / float(_eigenvalues(A)[0] + _eigenvalues(A)[-1])),
}


def _max_stable_cases(rng):
    fixed = np.array([[5.5, 4.5], [4.5, 5.5]])  # eigenvalues 1 and 10, the valley along (1, 1)
    lo = log_uniform(rng, 0.1, 10)
    random = [_turned([lo, lo * log_uniform(rng, 2, 1000)], rng),
              _turned(np.sort(rng.uniform(0.5, 20, 3)), rng)]  # three variables
    return [(fixed,), *[(A,) for A in random],
            (np.diag([2.0, 50.0]),),  # not turned: the diagonal holds the eigenvalues
            (np.array([[3.0, 0.0], [0.0, 3.0]]),),  # a round bowl, κ = 1
            (_turned([1e-3, 1e3], rng),)]


def _matrix_label(A):
    d = A.shape[0]
    if np.array_equal(A, np.round(A, 1)):  # a matrix of the statement: short enough to show
        return f"for A = {A.tolist()}"
    return f"for a random turned {d}×{d} matrix A"


@exercise("max_stable_lr", MAX_STABLE_MISTAKES)
def _check_max_stable_lr(fn):
    run_cases(fn, _max_stable_cases(np.random.default_rng()),
              answer=lambda A: 2.0 / float(_eigenvalues(A)[-1]), read=as_number,
              label=_matrix_label, mistakes=MAX_STABLE_MISTAKES,
              pointer=lambda case, out, expected: (
                  f"{_matrix_label(*case)} your step is too "
                  f"{'large' if out > expected else 'small'}: run GD just below and just above "
                  "it and see which run grows."), tol=1e-7)
    return True, ("the steepest direction decides, however the bowl is turned: it is the same "
                  "rule as in 1-D, applied to the largest eigenvalue.")


# ---- 02b: where GD stalls on Rosenbrock ----------------------------------------------------------
# On the valley floor (x, x²) of f = (1 − x)² + 100(y − x²)² the Hessian is
# [[2 + 800x², −400x], [−400x, 200]]; its largest eigenvalue λ grows with x on 0 ≤ x ≤ 1, and
# 2/λ = lr has the root x² = (λ − 2)(λ − 200)/(800λ) with λ = 2/lr (the characteristic equation is
# linear in x²). Below the limit at the minimum (x = 1) there is no root: GD gets there.

LIMIT_AT_MIN = 2.0 / ((1002.0 + (602.0**2 + 4 * 400.0**2) ** 0.5) / 2)  # 2/λ_max(∇²f(1, 1))


def _floor_root(lam):
    """x in [0, 1] where the largest eigenvalue of ∇²f(x, x²) equals lam (None if there is none)."""
    x2 = (lam - 2.0) * (lam - 200.0) / (800.0 * lam)
    return math.sqrt(x2) if 0.0 <= x2 <= 1.0 else None


def _stall(lr):
    return _floor_root(2.0 / lr)


def _stall_diagonal(lr):
    """The root of 2/(∂²f/∂x²) = lr on the floor: 2 + 800x² = 2/lr."""
    x2 = (2.0 / lr - 2.0) / 800.0
    return math.sqrt(x2) if 0.0 <= x2 <= 1.0 else None


def _as_inf(x):
    return math.inf if x is None else x


STALL_MISTAKES = {
    "no_two": Mistake("your point is where 1/λ_max equals lr; the local limit of GD is twice "
                      "that (a direction of curvature λ is stable while lr·λ ≤ 2).",
                      lambda lr: _as_inf(_floor_root(1.0 / lr))),
    "diagonal": Mistake("you used the curvature along x alone (the top-left entry of the "
                        "Hessian); across the bent valley the steepest direction is an "
                        "eigenvector, and its curvature is the largest eigenvalue.",
                        lambda lr: _as_inf(_stall_diagonal(lr))),
    "end_not_none": Mistake("below the limit at the minimum itself the local limit never falls "
                            "to lr: GD gets to (1, 1), and the answer is None.",
                            lambda lr: 1.0 if _stall(lr) is None else _stall(lr)),
}


def _read_stall(out, where, case):
    return math.inf if out is None else as_number(out, where)


def _stall_cases(rng):
    random = [(log_uniform(rng, 0.0021, 0.009),) for _ in range(3)]
    return [(0.003,), *random, (0.0019,),  # below the limit at the minimum: GD gets there
            (0.00201,),  # just above it: stops a hair short of x = 1
            (0.0095,),  # close to the limit at the bend x = 0: stops early
            (LIMIT_AT_MIN / 2,)]


@exercise("rosenbrock_stall_point", STALL_MISTAKES)
def _check_rosenbrock_stall_point(fn):
    run_cases(fn, _stall_cases(np.random.default_rng()), answer=lambda lr: _as_inf(_stall(lr)),
              read=_read_stall, label=lambda lr: f"for lr = {lr:.4g}",
              mistakes=STALL_MISTAKES, tol=1e-4,
              pointer=lambda case, out, expected: (
                  f"for lr = {case[0]:.4g} the local limit never falls to lr on the way to the "
                  "minimum, so GD gets there: return None"
                  if math.isinf(expected) and not math.isinf(out) else
                  f"for lr = {case[0]:.4g}: there is a point where the local limit falls to lr, "
                  "but your function returned None." if math.isinf(out) else
                  f"for lr = {case[0]:.4g} your x is too {'large' if out > expected else 'small'}"
                  ": print the local limit at your x and compare it with lr."))
    return True, ("the local limit on the floor falls from 0.01 at the bend to 0.002 at the "
                  "minimum, so each lr between them has its own stopping point.")
