"""Solutions to the exercises of notebook 02a (valleys and the condition number)."""

import numpy as np


def best_lr_bowl(lam_min, lam_max):
    """lr with |1 − lr·λ_min| = |1 − lr·λ_max|, i.e. 1 − lr·λ_min = lr·λ_max − 1."""
    return 2.0 / (lam_min + lam_max)


def contraction_factor(kappa):
    """|1 − lr·λ_min| at lr = 2/(λ_min + λ_max), with λ_max = κ·λ_min: (κ − 1)/(κ + 1)."""
    return (kappa - 1.0) / (kappa + 1.0)


def max_stable_lr(A):
    """Largest lr for which GD on f(x) = ½ xᵀAx does not blow up; A (d, d) symmetric, positive.

    Along each eigen-direction of A a step multiplies the distance by 1 − lr·λ; the steepest
    direction (the largest eigenvalue) leaves |1 − lr·λ| ≤ 1 first.
    """
    lam_max = np.linalg.eigvalsh(A).max()  # eigenvalues of a symmetric matrix
    return 2.0 / lam_max
