"""Solutions to the exercises of notebook 02 (valleys and the condition number)."""

import numpy as np


def max_stable_lr(A):
    """Largest lr for which GD on f(x) = ½ xᵀAx does not blow up; A (d, d) symmetric, positive.

    Along each eigen-direction of A a step multiplies the distance by 1 − lr·λ; the steepest
    direction (the largest eigenvalue) leaves |1 − lr·λ| <= 1 first: lr <= 2/λ_max.
    """
    lam_max = np.linalg.eigvalsh(A).max()  # eigenvalues of a symmetric matrix
    return 2.0 / lam_max
