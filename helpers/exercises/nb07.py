"""Exercises of notebook 07 (escaping local minima): the noise scale, basins, escape times.

- ``sgd_noise_scale``:        lr/B · (N − B)/(N − 1), the quantity that sets how often SGD escapes
- ``fraction_in_deep_basin``: which side of the barrier the final iterates of many runs are on
- ``escaped_by_step``:        the share of runs that have escaped by each step, from escape steps
"""

from __future__ import annotations

import numpy as np

from ..objectives import DoubleWell
from . import close, exercise, number_hint


@exercise("sgd_noise_scale")
def _check_sgd_noise_scale(fn):
    cases = [(0.1, 1, 64), (0.05, 8, 64), (0.2, 32, 64), (0.01, 2, 1000), (0.3, 64, 64)]
    for lr, b, n in cases:
        expected = lr / b * (n - b) / (n - 1)
        out = fn(lr, b, n)
        problem = number_hint(out)
        if problem:
            return False, problem
        if close(out, expected):
            continue
        if close(out, lr / b):
            return False, ("lr/B is the noise scale when examples are drawn with replacement; "
                           "a batch here holds B distinct examples, which shrinks the noise by "
                           "(N − B)/(N − 1). Check B = N: the full batch has no noise at all.")
        if close(out, lr / b * (n - b) / n):
            return False, "nearly: the finite-population factor divides by N − 1, not N."
        if close(out, lr * b * (n - b) / (n - 1)) or close(out, lr * b):
            return False, "a bigger batch averages more examples, so less noise: divide by B."
        if close(out, lr / b**2 * (n - b) / (n - 1)):
            return False, "the variance of a batch mean falls as 1/B, not 1/B²."
        return False, (f"for lr = {lr}, B = {b}, N = {n} the value is off; check B = 1 (answer: "
                       "lr) and B = N (answer: 0).")
    return True, ("lr/B · (N − B)/(N − 1): doubling lr or halving B doubles it, and the full "
                  "batch has none.")


@exercise("fraction_in_deep_basin")
def _check_fraction_in_deep_basin(fn):
    x_final = np.array([-1.3, -0.9, -0.4, 0.02, 0.05, 0.06, 0.3, 0.95, 1.2, 1.0, -0.06, 0.5])
    for tilt in (0.3, -0.3, 1.0):
        well = DoubleWell(n_samples=8, tilt=tilt)
        deep_left = well.deep_min < well.barrier
        deep = (x_final < well.barrier) if deep_left else (x_final > well.barrier)
        expected = deep.mean()
        out = fn(x_final.copy(), well)
        problem = number_hint(out)
        if problem:
            return False, problem
        if close(out, expected):
            continue
        if close(out, deep.sum()):
            return False, "return a share between 0 and 1: divide the count by the number of runs."
        if not deep_left and close(out, np.mean(x_final < well.barrier)):
            return False, ("with a negative tilt the deep minimum is on the right: find the deep "
                           "side from well.deep_min, do not assume it is on the left.")
        if close(out, 1 - expected):
            return False, "that is the share in the shallow basin; the deep one is asked for."
        if close(out, np.mean(x_final < 0)) or close(out, np.mean(x_final > 0)):
            return False, ("the two basins meet at the top of the barrier, well.barrier, which is "
                           "not exactly at x = 0.")
        return False, (f"for tilt = {tilt} the share is off; a run is in the deep basin when it is "
                       "on the same side of well.barrier as well.deep_min.")
    return True, ("you split the runs at the barrier and found the deep side from the minimum, "
                  "whichever way the well tilts.")


@exercise("escaped_by_step")
def _check_escaped_by_step(fn):
    cases = [(np.array([5, -1, 2, 2, 7, -1]), 8), (np.array([-1, -1, 1]), 3),
             (np.array([0, 4, 4, 10]), 10)]
    for escaped_at, num_steps in cases:
        t = np.arange(num_steps + 1)
        hit = (escaped_at[:, None] >= 0) & (escaped_at[:, None] <= t)
        expected = hit.mean(axis=0)
        out = fn(escaped_at.copy(), num_steps)
        if out is None:
            return False, "your function returned None: return an array with one share per step."
        try:
            out = np.asarray(out, dtype=float)
        except (TypeError, ValueError):
            return False, "return an array of numbers."
        if out.shape != expected.shape:
            return False, (f"return one value per step t = 0 … num_steps, so num_steps + 1 = "
                           f"{num_steps + 1} values; got shape {out.shape}.")
        if close(out, expected):
            continue
        if close(out, hit.sum(axis=0)):
            return False, "return shares, not counts: divide by the number of runs."
        if close(out, (escaped_at[:, None] <= t).mean(axis=0)):
            return False, "-1 means the run never escaped: such runs must never be counted."
        strict = (escaped_at[:, None] >= 0) & (escaped_at[:, None] < t)
        if close(out, strict.mean(axis=0)):
            return False, "a run that escaped at step t has escaped by step t: use <=, not <."
        return False, (f"for escape steps {escaped_at.tolist()} the shares are off; at each t "
                       "count the runs with 0 <= escaped_at <= t, then divide by the number of "
                       "runs.")
    return True, "your curve starts at the share escaped at step 0 and never goes down."
