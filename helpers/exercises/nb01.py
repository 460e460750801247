"""Exercises of notebook 01 (gradient descent in 1-D): one GD step, and the stable learning rates.

- ``gd_step``:            one gradient-descent step on f(x) = x²
- ``stable_lr_bound``:    the largest learning rate for which GD on f(x) = a·x² does not diverge
- ``steps_to_tolerance``: run GD on f(x) = x² and count the steps until |x| ≤ tol (or None)
"""

from __future__ import annotations

import math

import numpy as np

from . import Mistake, as_number, exercise, log_uniform, read_step_count, run_cases

GD_STEP_MISTAKES = {
    "uphill": Mistake("your step goes uphill (wrong sign): gradient descent moves against the "
                      "slope.", lambda x, lr: x + lr * 2 * x),
    "half_slope": Mistake("your step is half as long as it should be: check the derivative of "
                          "x² again.", lambda x, lr: x - lr * x),
    "step_only": Mistake("you returned the change, not the new point: start from x.",
                         lambda x, lr: -lr * 2 * x),
    "no_lr": Mistake("the learning rate is missing: it sets the length of the step.",
                     lambda x, lr: -x),
    "value_not_slope": Mistake("you stepped by the value of f; a step follows the slope "
                               "(the derivative) of f at x.", lambda x, lr: x - lr * x**2),
}


def _gd_step_cases(rng):
    random = [(rng.uniform(-5, 5), rng.uniform(0.01, 0.9)) for _ in range(3)]
    # the bounce −3 → 3, at the minimum, a step onto the minimum, a large x
    edges = [(-3.0, 1.0), (2.0, 0.25), (0.0, 0.3), (-0.7, 0.5), (1e6, 0.1)]
    return [(3.0, 0.1), *random, *edges]


@exercise("gd_step", GD_STEP_MISTAKES)
def _check_gd_step(fn):
    run_cases(fn, _gd_step_cases(np.random.default_rng()),
              answer=lambda x, lr: x - lr * 2 * x,  # x − lr·f'(x), f'(x) = 2x
              read=as_number, label=lambda x, lr: f"for x = {x:.4g}, lr = {lr:.4g}",
              mistakes=GD_STEP_MISTAKES,
              pointer=lambda case, out, expected: (
                  f"for x = {case[0]:.4g}, lr = {case[1]:.4g} the new point is off: check the "
                  "slope of x² at x and which way you move."))
    return True, ("one step from x = −3 with lr = 1 lands on 3, and the next back on −3; with "
                  "lr = 0.5 one step lands exactly on the minimum.")


STABLE_LR_MISTAKES = {
    "twice": Mistake("your bound is 2 times too large: at that lr the steps grow. The second "
                     "derivative of a·x² is not a. Write one step as x_{t+1} = r·x_t and ask "
                     "when |r| ≤ 1.", lambda a: 2.0 / a),
    "one_step": Mistake("your bound is 2 times too small: at that lr GD jumps to the minimum in "
                        "one step, and larger steps still converge (they oscillate while they "
                        "shrink).", lambda a: 0.5 / a),
    "grows_with_a": Mistake("your bound grows with a, but a steeper bowl (larger a) needs a "
                            "smaller step.", lambda a: a),
}


@exercise("stable_lr_bound", STABLE_LR_MISTAKES)
def _check_stable_lr_bound(fn):
    rng = np.random.default_rng()
    cases = [(2.0,), *[(log_uniform(rng, 0.01, 100),) for _ in range(3)], (1.0,), (0.04,), (1e6,)]
    run_cases(fn, cases, answer=lambda a: 1.0 / a,  # |1 − 2a·lr| ≤ 1  ⇔  lr ≤ 1/a
              read=as_number, label=lambda a: f"for a = {a:.4g}", mistakes=STABLE_LR_MISTAKES,
              pointer=lambda case, out, expected: _bound_pointer(case[0], out, expected))
    return True, "GD on a·x² stays bounded exactly while lr ≤ 1/a (= 2/f'')."


def _bound_pointer(a, out, expected):
    if out <= 0:
        return f"for a = {a:.4g} your bound is not positive, but a learning rate is."
    side = "large" if out > expected else "small"
    return (f"for a = {a:.4g} your bound is too {side}; write one step on a·x² as "
            "x_{t+1} = r·x_t and ask when |r| ≤ 1.")


def _steps(lr, x0, tol, max_steps, slope=2.0):
    """Steps of GD on x² from x0 until |x_t| ≤ tol; inf (the checker's None) if not by max_steps."""
    x = float(x0)  # Python floats: a diverging run overflows to inf quietly, never raises
    for t in range(max_steps + 1):
        if abs(x) <= tol:
            return t
        x = x - lr * slope * x
    return math.inf


STEPS_MISTAKES = {
    "one_more": Mistake("one step too many: count the updates, not the points visited (x0 is "
                        "where GD starts, before any step).", lambda *case: _steps(*case) + 1),
    "one_less": Mistake("one step too few: the count ends with the first step after which "
                        "|x| ≤ tol, that step included.", lambda *case: _steps(*case) - 1),
    "relative": Mistake("you stopped once |x| had shrunk by the factor tol; here tol is a "
                        "distance to the minimum, whatever x0 is.",
                        lambda lr, x0, tol, n: _steps(lr, x0, tol * abs(x0), n)),
    "cap_count": Mistake("when GD does not get within tol in max_steps steps, return None, not "
                         "max_steps: a count would say it got there.",
                         lambda *case: min(_steps(*case), case[3])),
    "half_slope": Mistake("your iterates move half as far per step as GD on x²: check the "
                          "derivative you step with.", lambda *case: _steps(*case, slope=1.0)),
}


def _steps_cases(rng):
    random = []
    for _ in range(3):
        lr, tol = float(rng.uniform(0.02, 0.98)), log_uniform(rng, 1e-8, 1e-2)
        random.append((lr, float(rng.uniform(0.5, 9.5) * rng.choice([-1, 1])), tol, 1000))
    edges = [(0.9, 3.0, 1e-6, 1000),  # as many steps as lr = 0.1: |r| is the same
             (0.5, -2.0, 1e-9, 1000),  # one step lands exactly on the minimum
             (0.3, 4e-7, 1e-6, 1000),  # already within tol: no step needed
             (1.0, -3.0, 1e-3, 1000),  # pure oscillation: never
             (1.2, 3.0, 1e-3, 1000),  # divergence: never
             (0.001, 3.0, 1e-6, 1000)]  # converges, but needs about 7,600 steps: not by 1000
    return [(0.1, 3.0, 1e-6, 1000), *random, *edges]


def _read_steps(out, where, case):
    return read_step_count(out, where)


def _steps_label(lr, x0, tol, max_steps):
    return f"for lr = {lr:.4g}, x0 = {x0:.3g}, tol = {tol:.2g}, max_steps = {max_steps}"


def _steps_pointer(case, out, expected):
    where = _steps_label(*case)
    if math.isinf(expected):
        return (f"{where}: GD does not get within tol in max_steps steps, so the answer is None; "
                f"your function returned a count.")
    if math.isinf(out):
        return f"{where}: GD does get within tol in time, but your function returned None."
    return (f"{where}: your count is too {'large' if out > expected else 'small'}: print |x_t| "
            "for the first few steps and compare with tol.")


@exercise("steps_to_tolerance", STEPS_MISTAKES)
def _check_steps_to_tolerance(fn):
    run_cases(fn, _steps_cases(np.random.default_rng()), answer=_steps, read=_read_steps,
              label=_steps_label, mistakes=STEPS_MISTAKES, pointer=_steps_pointer)
    return True, ("your counts are right: lr = 0.1 and lr = 0.9 need the same number of steps, "
                  "lr = 0.5 needs one, and lr ≥ 1 never gets there.")
