"""Solutions to the exercises of notebook 09 (steering a network)."""

import numpy as np


def update_ratio(W_before, W_after):
    """||W_after - W_before|| / ||W_before|| (Frobenius norms)."""
    return np.linalg.norm(W_after - W_before) / np.linalg.norm(W_before)


def dead_fraction(relu_output):
    """Share of the units (columns) that are 0 for every example (row)."""
    return float(np.mean(np.all(relu_output == 0, axis=0)))


def top_eigenvalue(matvec, v0, num_iters):
    """Power iteration: v <- Hv / ||Hv||, then the Rayleigh quotient v . Hv."""
    v = v0 / np.linalg.norm(v0)
    for _ in range(num_iters):
        hv = matvec(v)
        v = hv / np.linalg.norm(hv)
    return float(v @ matvec(v))
