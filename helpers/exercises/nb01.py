"""Exercises of notebook 01 (gradient descent in 1-D): one GD step, and the stable learning rates.

- ``gd_step``:         one gradient-descent step on f(x) = x²
- ``stable_lr_bound``: the largest learning rate for which GD on f(x) = a·x² does not diverge
"""

from __future__ import annotations

from . import close, exercise, number_hint


@exercise("gd_step")
def _check_gd_step(fn):
    for x, lr in [(-3.0, 0.1), (2.0, 0.25), (-3.0, 1.0), (0.7, 0.01), (5.0, 0.5)]:
        expected = x - lr * 2 * x  # x − lr·f'(x), f'(x) = 2x
        out = fn(x, lr)
        problem = number_hint(out)
        if problem:
            return False, problem
        if close(out, expected):
            continue
        if close(out, x + lr * 2 * x):
            return False, "your step goes uphill: GD moves against the gradient (subtract it)."
        if close(out, x - lr * x):
            return False, "the derivative of x² is not x: check f'(x) again."
        if close(out, -lr * 2 * x) or close(out, lr * 2 * x):
            return False, "return the new point, not just the change: start from x."
        if close(out, x - 2 * x):
            return False, "the learning rate is missing: it scales the gradient."
        return False, (f"for x = {x}, lr = {lr} the new point is off; a step is "
                       "x_new = x − lr·f'(x).")
    return True, ("one step from x = −3 with lr = 1 lands on 3, as in the seed's example; "
                  "with lr = 0.5 it lands exactly on the minimum.")


@exercise("stable_lr_bound")
def _check_stable_lr_bound(fn):
    for a in [1.0, 2.0, 0.5, 10.0, 0.04]:
        expected = 1.0 / a  # |1 − 2a·lr| ≤ 1  ⇔  lr ≤ 1/a
        out = fn(a)
        problem = number_hint(out)
        if problem:
            return False, problem
        if close(out, expected):
            continue
        if close(out, 2.0 / a):
            return False, ("2/a would be right if the second derivative f'' were a. Write one "
                           "step on a·x² as x_{t+1} = r·x_t and ask when |r| ≤ 1.")
        if close(out, 0.5 / a):
            return False, ("at that lr GD jumps to the minimum in one step; larger steps are "
                           "still stable (they oscillate while they shrink).")
        return False, (f"for a = {a} the bound is off; write one step as x_{{t+1}} = r·x_t and "
                       "ask when |r| ≤ 1.")
    return True, "GD on a·x² stays bounded exactly while lr ≤ 1/a (= 2/f'')."
