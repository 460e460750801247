"""Exercises of deep dive D1 (curved valleys and saddle points).

- ``rosenbrock_stall_point``: how far along Rosenbrock's valley floor GD at a given lr gets, from
  the local limit 2/λ_max(∇²f): the x in [0, 1] where that limit has fallen to lr; 1.0 when lr
  is at or below the limit at the minimum, None when lr is above the limit at the bend x = 0
"""

from __future__ import annotations

import math

import numpy as np

from . import Mistake, as_number, exercise, log_uniform, run_cases

# On the valley floor (x, x²) of f = (1 − x)² + 100(y − x²)² the Hessian is
# [[2 + 800x², −400x], [−400x, 200]]; its largest eigenvalue λ ≥ 200 grows with x on 0 ≤ x ≤ 1,
# and λ is an eigenvalue where x² = (λ − 2)(λ − 200)/(800λ) (the characteristic equation is linear
# in x²). The local limit 2/λ falls from 0.01 at x = 0 to LIMIT_AT_MIN at x = 1.
LIMIT_AT_MIN = 2.0 / ((1002.0 + (602.0**2 + 4 * 400.0**2) ** 0.5) / 2)  # 2/λ_max(∇²f(1, 1))
LIMIT_AT_BEND = 0.01  # 2/λ_max(∇²f(0, 0)) = 2/200


def _floor_root(lam):
    """x ≥ 0 where λ_max(∇²f(x, x²)) = lam ≥ 200 (inf for lam < 200: no such point)."""
    return math.sqrt((lam - 2.0) * (lam - 200.0) / (800.0 * lam)) if lam >= 200 else math.inf


def _clip(x):
    return x if math.isinf(x) else min(x, 1.0)  # beyond x = 1 there is nothing left to stop GD


def _stall(lr):
    return _clip(_floor_root(2.0 / lr))


def _stall_diagonal(lr):
    """The root of 2/(∂²f/∂x²) = lr on the floor: 2 + 800x² = 2/lr."""
    x2 = (2.0 / lr - 2.0) / 800.0
    return _clip(math.sqrt(x2)) if x2 >= 0 else math.inf


MISTAKES = {
    "no_two": Mistake("your point is where 1/λ_max equals lr; the local limit of GD is twice "
                      "that (a direction of curvature λ is stable while lr·λ ≤ 2).",
                      lambda lr: _clip(_floor_root(1.0 / lr))),
    "diagonal": Mistake("you used the curvature along x alone (the top-left entry of the "
                        "Hessian); across the bent valley the steepest direction is an "
                        "eigenvector, and its curvature is the largest eigenvalue.",
                        lambda lr: _stall_diagonal(lr)),
    "none_below": Mistake("at or below the limit at the minimum the local limit never falls to "
                          "lr before x = 1: nothing stops GD, and the answer is 1.0, not None.",
                          lambda lr: math.inf if lr <= LIMIT_AT_MIN else _stall(lr)),
    "bend_zero": Mistake("above the limit at the bend (0.01) no point of the floor between the "
                         "bend and the minimum is stable, not even x = 0: return None there.",
                         lambda lr: 0.0 if lr > LIMIT_AT_BEND else _stall(lr)),
}


def _read(out, where, case):
    return math.inf if out is None else as_number(out, where)  # None: no stable point at all


def _cases(rng):
    random = [(log_uniform(rng, 0.0021, 0.009),) for _ in range(3)]
    return [(0.003,), *random,
            (0.0019,), (LIMIT_AT_MIN / 2,),  # below the limit at the minimum: GD gets to x = 1
            (0.00201,),  # just above it: stops a hair short of x = 1
            (0.0095,),  # close to the limit at the bend: stops early, near x = 0.05
            (0.0101,), (0.05,),  # above the limit at the bend: stable nowhere on the floor
            (1.5,)]  # so large that 2/lr < 2: the floor's equation has a root there, but no λ_max


def _pointer(case, out, expected):
    where = f"for lr = {case[0]:.4g}"
    if math.isinf(expected):
        return (f"{where} lr is above the local limit at every point of the floor from the bend "
                "to the minimum; your function returned a point.")
    if math.isinf(out):
        return (f"{where} some point of the floor up to the minimum is stable, but your function "
                "returned None.")
    return (f"{where} your x is too {'large' if out > expected else 'small'}: print the local "
            "limit at your x and compare it with lr.")


@exercise("rosenbrock_stall_point", MISTAKES)
def _check_rosenbrock_stall_point(fn):
    run_cases(fn, _cases(np.random.default_rng()), answer=_stall, read=_read,
              label=lambda lr: f"for lr = {lr:.4g}", mistakes=MISTAKES, tol=1e-4, pointer=_pointer)
    return True, ("the local limit on the floor falls from 0.01 at the bend to 0.002 at the "
                  "minimum, so each lr between them has its own stopping point.")
