"""Solutions to the exercises of notebook 06 (momentum and Adam)."""

import math

import numpy as np


def sgd_momentum_step(p, g, buf, lr, momentum):
    """One step of SGD with momentum, torch's form: returns (new p, new buf)."""
    buf = momentum * buf + g  # buf ← μ·buf + g: a running sum of past gradients
    p = p - lr * buf  # p ← p − lr·buf
    return p, buf


def optimal_momentum(kappa):
    """β* = ((√κ − 1)/(√κ + 1))² for a quadratic with condition number κ."""
    root = math.sqrt(kappa)
    return ((root - 1) / (root + 1)) ** 2


def adam_step(p, g, m, v, t, lr, beta1, beta2, eps):
    """One step of Adam at step t (from 1): returns (new p, new m, new v)."""
    m = beta1 * m + (1 - beta1) * g  # running mean of g
    v = beta2 * v + (1 - beta2) * g**2  # running mean of g²
    m_hat = m / (1 - beta1**t)  # bias corrections: m and v start at 0
    v_hat = v / (1 - beta2**t)
    p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return p, m, v


def heavy_ball_steps(kappa, lr, momentum, tol, max_steps):
    """Steps of SGD with momentum (exercise 1's form, buffer from 0) on f = ½(x1² + κ·x2²),
    from x = (1, 1), until |x_t| ≤ tol for the first time; None if not within max_steps."""
    lam = np.array([1.0, kappa])  # the curvatures: ∇f = lam * x
    x, buf = np.array([1.0, 1.0]), np.zeros(2)
    for t in range(max_steps + 1):
        if np.linalg.norm(x) <= tol:
            return t
        x, buf = sgd_momentum_step(x, lam * x, buf, lr, momentum)
    return None
