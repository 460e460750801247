"""Solutions to the exercises of notebook 06c (optimizers on MNIST, schedules, Adam and AdamW)."""

import numpy as np


def adam_step(p, g, m, v, t, lr, beta1, beta2, eps):
    """One step of Adam at step t (from 1): returns (new p, new m, new v)."""
    m = beta1 * m + (1 - beta1) * g  # running mean of g
    v = beta2 * v + (1 - beta2) * g**2  # running mean of g²
    m_hat = m / (1 - beta1**t)  # bias corrections: m and v start at 0
    v_hat = v / (1 - beta2**t)
    p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return p, m, v


def adamw_step(p, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
    """One step of AdamW at step t (from 1): returns (new p, new m, new v)."""
    p = p * (1 - lr * weight_decay)  # decoupled decay: every weight shrinks by the same factor
    return adam_step(p, g, m, v, t, lr, beta1, beta2, eps)  # then Adam on the plain gradient
