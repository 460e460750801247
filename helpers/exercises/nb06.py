"""Exercises of notebook 06 (momentum and Adam): one step of each, and the best momentum.

- ``sgd_momentum_step``: one step of SGD with momentum in torch's (and helpers') form
- ``optimal_momentum``:  β* = ((√κ − 1)/(√κ + 1))² for a quadratic with condition number κ
- ``adam_step``:         one step of Adam, bias corrections included
"""

from __future__ import annotations

import math

import numpy as np

from . import close, exercise, number_hint


def _arrays(out, count: int, shape) -> tuple[list | None, str | None]:
    """Split ``out`` into ``count`` float arrays of ``shape``, or return a hint."""
    if out is None:
        return None, f"your function returned None: return a tuple of {count} arrays."
    if not isinstance(out, (tuple, list)) or len(out) != count:
        return None, f"return a tuple of {count} arrays (see the docstring of the stub)."
    arrays = []
    for item in out:
        try:
            arr = np.asarray(item, dtype=float)
        except (TypeError, ValueError):
            return None, f"return arrays of numbers; got {type(item).__name__}."
        if arr.shape != shape:
            return None, f"each array should have the shape of p, {shape}; got {arr.shape}."
        arrays.append(arr)
    return arrays, None


@exercise("sgd_momentum_step")
def _check_sgd_momentum_step(fn):
    rng = np.random.default_rng(6)
    shape = (3,)
    cases = [(np.zeros(shape), 0.1, 0.9), (rng.standard_normal(shape), 0.05, 0.5),
             (rng.standard_normal(shape), 0.01, 0.99)]
    for buf, lr, mu in cases:
        p, g = rng.standard_normal(shape), rng.standard_normal(shape)
        buf_new = mu * buf + g  # buf ← μ·buf + g
        p_new = p - lr * buf_new  # p ← p − lr·buf
        arrays, problem = _arrays(fn(p.copy(), g.copy(), buf.copy(), lr, mu), 2, shape)
        if problem:
            return False, problem
        out_p, out_buf = arrays
        if close(out_p, p_new) and close(out_buf, buf_new):
            continue
        if close(out_buf, mu * buf - lr * g):
            return False, ("that buffer is Keras' velocity v ← μ·v − lr·g. Here buf collects "
                           "gradients (buf ← μ·buf + g) and lr is applied when p moves.")
        if close(out_p, p - lr * g):
            return False, "that is a plain GD step: p should move by lr times the NEW buffer."
        if close(out_p, p - lr * (mu * buf + g)) and not close(out_buf, buf_new):
            return False, "p is right; return the new buffer as well, not the old one."
        if close(out_p, p + lr * buf_new):
            return False, "the step goes downhill: subtract lr·buf from p."
        return False, (f"with lr = {lr}, momentum = {mu} the step is off: first the buffer "
                       "(μ·buf + g), then p moves by −lr times it.")
    return True, "buf ← μ·buf + g, then p ← p − lr·buf: torch.optim.SGD's momentum step."


@exercise("optimal_momentum")
def _check_optimal_momentum(fn):
    for kappa in (1.0, 4.0, 100.0, 10_000.0, 37.5):
        root = math.sqrt(kappa)
        expected = ((root - 1) / (root + 1)) ** 2
        out = fn(kappa)
        problem = number_hint(out)
        if problem:
            return False, problem
        if close(out, expected):
            continue
        if close(out, (root - 1) / (root + 1)):
            return False, "that ratio is the contraction per step, √β*: square it."
        if close(out, ((kappa - 1) / (kappa + 1)) ** 2):
            return False, "the formula uses √κ, not κ."
        if close(out, (kappa - 1) / (kappa + 1)):
            return False, ("(κ − 1)/(κ + 1) is plain GD's rate; momentum's β* uses √κ and a "
                           "square.")
        return False, f"for κ = {kappa:g} the value is off; check κ = 1 (β* = 0): no valley."
    return True, "β* = ((√κ − 1)/(√κ + 1))²: 0 for a round bowl, close to 1 for a narrow one."


@exercise("adam_step")
def _check_adam_step(fn):
    rng = np.random.default_rng(7)
    shape = (4,)
    lr, beta1, beta2, eps = 0.01, 0.9, 0.999, 1e-8
    cases = [(np.zeros(shape), np.zeros(shape), 1),
             (0.1 * rng.standard_normal(shape), 0.01 * rng.random(shape) + 1e-3, 5)]
    for m, v, t in cases:
        p, g = rng.standard_normal(shape), rng.standard_normal(shape)
        m_new = beta1 * m + (1 - beta1) * g
        v_new = beta2 * v + (1 - beta2) * g**2
        m_hat, v_hat = m_new / (1 - beta1**t), v_new / (1 - beta2**t)  # bias corrections
        p_new = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        out = fn(p.copy(), g.copy(), m.copy(), v.copy(), t, lr, beta1, beta2, eps)
        arrays, problem = _arrays(out, 3, shape)
        if problem:
            return False, problem
        out_p, out_m, out_v = arrays
        if close(out_p, p_new, 1e-7) and close(out_m, m_new) and close(out_v, v_new):
            continue
        if not close(out_m, m_new):
            return False, "m (the running mean of g) is off: m ← β1·m + (1 − β1)·g."
        if not close(out_v, v_new):
            return False, "v (the running mean of g²) is off: v ← β2·v + (1 − β2)·g²."
        if close(out_p, p - lr * m_new / (np.sqrt(v_new) + eps), 1e-7):
            return False, ("m and v are right; correct their bias first: divide m by 1 − β1^t "
                           "and v by 1 − β2^t (at t = 1 the step is then about lr).")
        if close(out_p, p - lr * m_hat / (v_hat + eps), 1e-7):
            return False, "divide by the square root of v̂ (plus eps), not by v̂."
        return False, (f"at step t = {t} p moves wrongly; p ← p − lr·m̂/(√v̂ + eps) with the "
                       "bias-corrected m̂ and v̂.")
    return True, ("m, v, then the bias-corrected step lr·m̂/(√v̂ + eps): at t = 1 each weight "
                  "moves by about lr, whatever the size of its gradient.")
