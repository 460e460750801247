"""Solutions to the exercises of deep dive D5 (steering and the edge of stability)."""

import numpy as np


def lr_for_update_ratio(W, grad_W, target):
    """One plain SGD step changes W by lr·||grad_W||; for a ratio `target` to ||W||:
    lr·||grad_W|| / ||W|| = target, so lr = target·||W|| / ||grad_W||."""
    return target * np.linalg.norm(W) / np.linalg.norm(grad_W)


def top_eigenvalue(matvec, v0, num_iters):
    """Power iteration from v0 (any length): v <- Hv / ||Hv||, num_iters times, then the
    Rayleigh quotient vᵀHv of the last unit vector."""
    v = v0 / np.linalg.norm(v0)
    for _ in range(num_iters):
        hv = matvec(v)
        v = hv / np.linalg.norm(hv)
    return float(v @ matvec(v))
