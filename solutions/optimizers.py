"""Solutions to the exercises of notebook 07 (momentum and Adam)."""

import numpy as np


def adam_step(p, g, m, v, t, lr, beta1, beta2, eps):
    """One step of Adam at step t (from 1): returns (new p, new m, new v)."""
    m = beta1 * m + (1 - beta1) * g  # running mean of g
    v = beta2 * v + (1 - beta2) * g**2  # running mean of g²
    m_hat = m / (1 - beta1**t)  # bias corrections: m and v start at 0
    v_hat = v / (1 - beta2**t)
    p = p - lr * m_hat / (np.sqrt(v_hat) + eps)  # eps outside the root
    return p, m, v


def rmsprop_path(a, x0, lr, alpha, eps, num_steps):
    """RMSProp on f(x) = ½·a·x² from x0, v from 0: the points x_0, …, x_T, shape (T + 1,)."""
    x, v = x0, 0.0
    path = [x]
    for _ in range(num_steps):
        g = a * x  # f'(x)
        v = alpha * v + (1 - alpha) * g**2  # moving average of g²
        x = x - lr * g / (np.sqrt(v) + eps)
        path.append(x)
    return np.array(path)
