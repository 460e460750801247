"""Solutions to the exercises of notebook 06b (the best momentum, and Keras)."""

import math

import numpy as np


def optimal_momentum(kappa):
    """β* = ((√κ − 1)/(√κ + 1))² for a quadratic with condition number κ."""
    root = math.sqrt(kappa)
    return ((root - 1) / (root + 1)) ** 2


def heavy_ball_steps(kappa, lr, momentum, tol, max_steps):
    """Steps of SGD with momentum (buffer form, buffer from 0) on f = ½(x1² + κ·x2²),
    from x = (1, 1), until |x_t| ≤ tol for the first time; None if not within max_steps."""
    lam = np.array([1.0, kappa])  # the curvatures: ∇f = lam * x
    x, buf = np.array([1.0, 1.0]), np.zeros(2)
    for t in range(max_steps + 1):
        if np.linalg.norm(x) <= tol:
            return t
        buf = momentum * buf + lam * x  # buf ← μ·buf + g
        x = x - lr * buf
    return None
