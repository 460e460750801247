"""Solutions to the exercises of notebook 09b (edge of stability and drawing)."""

import numpy as np


def top_eigenvalue(matvec, v0, num_iters):
    """Power iteration: v <- Hv / ||Hv||, then the Rayleigh quotient v . Hv."""
    v = v0 / np.linalg.norm(v0)
    for _ in range(num_iters):
        hv = matvec(v)
        v = hv / np.linalg.norm(hv)
    return float(v @ matvec(v))
