"""Solutions to the exercises of deep dive D2 (momentum in depth)."""

import math

import numpy as np


def momentum_rate(lr, beta, lam):
    """The larger |z| of z² − (1 + β − lr·λ) z + β = 0: the heavy ball's rate on curvature λ."""
    b = 1 + beta - lr * lam
    disc = b * b - 4 * beta
    if disc < 0:  # a complex pair: |z|² = z·z̄ = β
        return math.sqrt(beta)
    return (abs(b) + math.sqrt(disc)) / 2  # real roots: the larger absolute value


def heavy_ball_steps(kappa, lr, momentum, tol, max_steps):
    """Steps of SGD with momentum (buffer form, buffer from 0) on f = ½(x1² + κ·x2²),
    from x = (1, 1), until |x_t| ≤ tol for the first time; None if not within max_steps."""
    lam = np.array([1.0, kappa])  # the curvatures: ∇f = lam * x
    x, buf = np.array([1.0, 1.0]), np.zeros(2)
    for t in range(max_steps + 1):
        if np.linalg.norm(x) <= tol:
            return t
        if t < max_steps:
            buf = momentum * buf + lam * x  # buf ← μ·buf + g
            x = x - lr * buf
    return None
