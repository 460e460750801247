"""Solutions to the exercises of deep dive D1 (curved valleys and saddle points)."""

import numpy as np


def rosenbrock_local_limit(x):
    """2/λ_max of the Hessian of f = (1 − x)² + 100(y − x²)² at the floor point (x, x²).

    ∂²f/∂x² = 2 − 400(y − x²) + 800x², ∂²f/∂x∂y = −400x, ∂²f/∂y² = 200; on the floor y = x².
    """
    hessian = np.array([[2 + 800 * x**2, -400 * x], [-400 * x, 200.0]])
    return 2.0 / np.linalg.eigvalsh(hessian).max()


def rosenbrock_stall_point(lr):
    """x in [0, 1] on the valley floor where the local limit 2/λ_max falls to lr.

    The limit falls from 0.01 at the bend x = 0 to about 0.002 at the minimum x = 1. Above 0.01
    no point is stable (None); at or below the limit at the minimum GD gets there (1.0).
    """
    if lr > rosenbrock_local_limit(0.0):
        return None
    if lr <= rosenbrock_local_limit(1.0):
        return 1.0
    lo, hi = 0.0, 1.0  # the limit is at least lr at lo, below it at hi
    for _ in range(60):
        mid = (lo + hi) / 2
        if rosenbrock_local_limit(mid) >= lr:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2
