"""Exercise of deep dive D4 (initialisation and regularisation).

- ``predicted_gradient_ratio``: the first/last gradient ratio that the per-layer factor
  n·σ²·E[f'²] predicts for a network of a given depth
"""

from __future__ import annotations

import numpy as np

from . import Hint, Mistake, as_number, exercise, log_uniform, run_cases

# ---- what the per-layer factor predicts for the whole network ---------------------------------


def _ratio(depth, fan_in, std, slope_sq):
    return (fan_in * std**2 * slope_sq) ** ((depth - 1) / 2)


def _log(value):
    return float(np.log(value))


RATIO_MISTAKES = {
    "variance": Mistake("that is how much the gradient's mean square changes; the ratio "
                        "compares norms, and a norm grows like the square root of a mean square.",
                        lambda d, n, s, q: _log((n * s**2 * q) ** (d - 1))),
    "depth_not_gaps": Mistake("count the layers the gradient passes on its way from the last "
                              "layer's weights to the first layer's: check depth = 2, where it "
                              "passes only one.",
                              lambda d, n, s, q: _log((n * s**2 * q) ** (d / 2))),
    "no_slope": Mistake("the activation's slope multiplies the gradient too, at every layer it "
                        "passes: slope_sq must appear in the factor.",
                        lambda d, n, s, q: _log((n * s**2) ** ((d - 1) / 2))),
    "std_not_variance": Mistake("std is the standard deviation of the weights; the factor per "
                                "layer uses their variance.",
                                lambda d, n, s, q: _log((n * s * q) ** ((d - 1) / 2))),
}


def _read_positive_log(out, where, case):
    value = as_number(out, where)
    if value <= 0:
        raise Hint(f"{where} a ratio of two norms is positive; your function returned "
                   f"{'zero' if value == 0 else 'a negative number'}.")
    return _log(value)


@exercise("predicted_gradient_ratio", RATIO_MISTAKES)
def _check_predicted_gradient_ratio(fn):
    rng = np.random.default_rng()
    random = [(int(rng.integers(3, 31)), int(rng.integers(2, 1000)),
               log_uniform(rng, 0.005, 1.0), float(rng.uniform(0.05, 1.0))) for _ in range(3)]
    edges = [(2, 64, 0.1, 0.5),                       # one layer between last and first
             (20, 64, float(np.sqrt(2 / 64)), 0.5),   # He for ReLU: the factor is exactly 1
             (11, 100, 0.3, 1.0)]                     # a factor above 1: it explodes
    cases = [(20, 64, float(1 / np.sqrt(3 * 64)), 0.5), *random, *edges]
    run_cases(fn, cases, answer=lambda *case: _log(_ratio(*case)), read=_read_positive_log,
              label=lambda d, n, s, q: (f"for depth = {d}, fan_in = {n}, std = {s:.3g}, "
                                        f"slope_sq = {q:.3g}"),
              mistakes=RATIO_MISTAKES, tol=1e-7,
              pointer=lambda case, out, expected: (
                  f"for depth = {case[0]}, fan_in = {case[1]}, std = {case[2]:.3g}, "
                  f"slope_sq = {case[3]:.3g} your ratio is "
                  f"{'too large' if out > expected else 'too small'}: each layer the gradient "
                  "passes multiplies its mean square by the same factor."))
    return True, ("the factor compounds: a factor of 1/6 per layer in mean square is a factor "
                  "√(1/6) ≈ 0.41 per layer in norm, and 19 layers of it make 4·10⁻⁸.")
