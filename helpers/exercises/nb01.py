"""Exercises of notebook 01 (gradient descent in 1-D): one GD step, and the stable learning rates.

- ``gd_step``:         one gradient-descent step on f(x) = x²
- ``stable_lr_bound``: the largest learning rate for which GD on f(x) = a·x² does not diverge
"""

from __future__ import annotations

import numpy as np

from . import Mistake, as_number, exercise, log_uniform, run_cases

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
