"""Exercises of notebook 02 (gradient descent in 2-D): the best step and the contraction factor.

- ``best_lr_bowl``:       the best fixed learning rate for a bowl with eigenvalues λ_min, λ_max
- ``contraction_factor``: how much GD at that learning rate shrinks the error per step, from κ
"""

from __future__ import annotations

from . import close, exercise, number_hint


@exercise("best_lr_bowl")
def _check_best_lr_bowl(fn):
    for lam_min, lam_max in [(1.0, 10.0), (0.5, 0.5), (2.0, 100.0), (0.1, 3.0)]:
        expected = 2.0 / (lam_min + lam_max)  # |1 − lr·λ_min| = |1 − lr·λ_max|
        out = fn(lam_min, lam_max)
        problem = number_hint(out)
        if problem:
            return False, problem
        if close(out, expected):
            continue
        if close(out, 2.0 / lam_max):
            return False, ("2/λ_max is the edge of stability: there the steep direction "
                           "oscillates for ever. The best step is smaller.")
        if close(out, 1.0 / lam_max):
            return False, ("1/λ_max settles the steep direction in one step but leaves the "
                           "shallow one slow. Balance the two factors |1 − lr·λ|.")
        if close(out, 1.0 / lam_min):
            return False, "at 1/λ_min the steep direction diverges; look at |1 − lr·λ_max|."
        return False, (f"for λ = ({lam_min}, {lam_max}) the value is off; choose lr so that "
                       "|1 − lr·λ_min| = |1 − lr·λ_max|.")
    return True, "2/(λ_min + λ_max): both directions shrink by the same factor."


@exercise("contraction_factor")
def _check_contraction_factor(fn):
    for kappa in [10.0, 1.0, 100.0, 3.0]:
        expected = (kappa - 1.0) / (kappa + 1.0)
        out = fn(kappa)
        problem = number_hint(out)
        if problem:
            return False, problem
        if close(out, expected):
            continue
        if close(out, 1.0 - 1.0 / kappa):
            return False, ("1 − 1/κ is the factor at lr = 1/λ_max; at the best lr "
                           "2/(λ_min + λ_max) it is smaller.")
        if close(out, -expected):
            return False, "the size of the factor, please: a positive number."
        if close(out, expected**2):
            return False, "that shrinks the loss; the distance to x* shrinks by its square root."
        return False, (f"for κ = {kappa} the factor is off; put lr = 2/(λ_min + λ_max) into "
                       "|1 − lr·λ_min| and write λ_max = κ·λ_min.")
    return True, "(κ − 1)/(κ + 1): 0 for a round bowl, close to 1 (slow) for a narrow valley."
