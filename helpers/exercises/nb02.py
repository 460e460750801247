"""Exercises of notebook 02 (gradient descent in 2-D): the best step and the contraction factor.

- ``best_lr_bowl``:       the best fixed learning rate for a bowl with eigenvalues λ_min, λ_max
- ``contraction_factor``: how much GD at that learning rate shrinks the error per step, from κ
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
