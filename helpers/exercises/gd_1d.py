"""Exercises of notebook 01 (gradient descent).

- ``gd_steps_to_tol``: run GD on f(x) = x² with a loop and count the steps until |x_t| ≤ tol
  (0 if |x0| ≤ tol already; None if not within max_steps steps, a hit at step max_steps counts)
"""

from __future__ import annotations

import math

import numpy as np

from . import Mistake, exercise, log_uniform, read_step_count, run_cases


def _steps(lr, x0, tol, max_steps, *, slope=2.0, strict=False, last=True):
    """GD steps on x² from x0 until |x_t| ≤ tol (< tol if strict); inf (the checker's None) if
    not by max_steps (by max_steps − 1 unless ``last``)."""
    x = float(x0)  # Python floats: a diverging run overflows to inf quietly, never raises
    for t in range(max_steps + 1 if last else max_steps):
        if abs(x) < tol if strict else abs(x) <= tol:
            return t
        x = x - lr * slope * x
    return math.inf


MISTAKES = {
    "one_more": Mistake("one step too many: count the updates, not the points visited (x0 is "
                        "where GD starts, before any step).", lambda *case: _steps(*case) + 1),
    "one_less": Mistake("one step too few: the count ends with the first step after which "
                        "|x| ≤ tol, that step included.", lambda *case: _steps(*case) - 1),
    "strict": Mistake("a point exactly at distance tol counts as arrived: the test is |x_t| ≤ tol, "
                      "not |x_t| < tol.", lambda *case: _steps(*case, strict=True)),
    "misses_last": Mistake("a run that gets within tol at step max_steps itself has made it: "
                           "check |x_t| after the last allowed step too.",
                           lambda *case: _steps(*case, last=False)),
    "relative": Mistake("you stopped once |x| had shrunk by the factor tol; here tol is a "
                        "distance to the minimum, whatever x0 is.",
                        lambda lr, x0, tol, n: _steps(lr, x0, tol * abs(x0), n)),
    "cap_count": Mistake("when GD does not get within tol in max_steps steps, return None, not "
                         "max_steps: a count would say it got there.",
                         lambda *case: min(_steps(*case), case[3])),
    "half_slope": Mistake("your iterates move half as far per step as GD on x²: check the "
                          "derivative you step with.", lambda *case: _steps(*case, slope=1.0)),
}


def _cases(rng):
    random = []
    for _ in range(3):
        lr, tol = float(rng.uniform(0.02, 0.98)), log_uniform(rng, 1e-8, 1e-2)
        random.append((lr, float(rng.uniform(0.5, 9.5) * rng.choice([-1, 1])), tol, 1000))
    # r = 1 − 2·lr = ±0.5 halves |x| exactly (no rounding), so |x_5| = 3/32 = tol exactly
    edges = [(0.25, 3.0, 3 / 32, 1000),  # lands exactly on the tolerance at step 5
             (0.75, -3.0, 3 / 32, 1000),  # the same, flipping sign every step
             (0.3, 0.5, 0.5, 1000),  # starts exactly at distance tol: no step needed
             (0.25, 3.0, 3 / 1024, 10),  # gets there at step 10 = max_steps exactly
             (0.25, 3.0, 3 / 2048, 10),  # would need step 11: not within max_steps
             (0.9, 3.0, 1e-6, 1000),  # as many steps as lr = 0.1: |r| is the same
             (0.5, -2.0, 1e-9, 1000),  # one step lands exactly on the minimum
             (0.3, 4e-7, 1e-6, 1000),  # already within tol: no step needed
             (1.0, -3.0, 1e-3, 1000),  # pure oscillation: never
             (1.2, 3.0, 1e-3, 1000),  # divergence: never
             (0.001, 3.0, 1e-6, 1000)]  # converges, but needs about 7,600 steps: not by 1000
    return [(0.1, 3.0, 1e-6, 1000), *random, *edges]


def _label(lr, x0, tol, max_steps):
    return f"for lr = {lr:.4g}, x0 = {x0:.4g}, tol = {tol:.4g}, max_steps = {max_steps}"


def _pointer(case, out, expected):
    where = _label(*case)
    if math.isinf(expected):
        return (f"{where}: GD does not get within tol in max_steps steps, so the answer is None; "
                f"your function returned a count.")
    if math.isinf(out):
        return f"{where}: GD does get within tol in time, but your function returned None."
    return (f"{where}: your count is too {'large' if out > expected else 'small'}: print |x_t| "
            "for the first few steps and compare with tol.")


@exercise("gd_steps_to_tol", MISTAKES)
def _check_gd_steps_to_tol(fn):
    run_cases(fn, _cases(np.random.default_rng()), answer=_steps,
              read=lambda out, where, case: read_step_count(out, where),
              label=_label, mistakes=MISTAKES, pointer=_pointer)
    return True, ("your counts are right, boundaries included: lr = 0.1 and lr = 0.9 need the same "
                  "number of steps, lr = 0.5 needs one, and lr ≥ 1 never gets there.")
