"""Solutions to the exercises of notebook 06a (momentum and Adam)."""

import numpy as np


def sgd_momentum_step(p, g, buf, lr, momentum):
    """One step of SGD with momentum, torch's form: returns (new p, new buf)."""
    buf = momentum * buf + g  # buf ← μ·buf + g: a running sum of past gradients
    p = p - lr * buf  # p ← p − lr·buf
    return p, buf


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
