"""Exercises of notebook 04 (backpropagation): two backward passes and a gradient check.

- ``sigmoid_backward``:     dL/dX of a sigmoid layer from dL/dY and its cached output Y
- ``linear_backward``:      dL/dX, dL/dW, dL/db of a linear layer Y = X W + b
- ``gradient_check_error``: the relative error between a gradient and central differences
"""

from __future__ import annotations

import numpy as np

from . import close, exercise, number_hint


def _array_hint(out, shape, what):
    """None when ``out`` is an array of numbers of ``shape``, else a hint."""
    if out is None:
        return f"your function returned None: return {what}, an array of shape {shape}."
    try:
        arr = np.asarray(out, dtype=float)
    except (TypeError, ValueError):
        return f"{what} must be an array of numbers; got {type(out).__name__}."
    if arr.shape != shape:
        return f"{what} must have shape {shape}; got shape {arr.shape}."
    return None


@exercise("sigmoid_backward")
def _check_sigmoid_backward(fn):
    rng = np.random.default_rng(4)
    Z = rng.standard_normal((5, 3)) * 2
    Y = 1 / (1 + np.exp(-Z))
    dY = rng.standard_normal((5, 3))
    expected = dY * Y * (1 - Y)  # dX = dY * σ'(Z), σ'(Z) = Y (1 − Y)
    out = fn(dY.copy(), Y.copy())
    hint = _array_hint(out, (5, 3), "dX")
    if hint:
        return False, hint
    if close(out, expected):
        return True, "dX = dY · Y(1 − Y): the local slope from the cached output, times dY."
    if close(out, Y * (1 - Y)):
        return False, "that is σ'(Z) alone; the chain rule multiplies it by the upstream dY."
    if close(out, dY * Y):
        return False, "the derivative of the sigmoid is Y(1 − Y): the factor (1 − Y) is missing."
    S = 1 / (1 + np.exp(-Y))
    if close(out, dY * S * (1 - S)):
        return False, "Y is already the sigmoid's output: use it as it is, not σ(Y)."
    if close(out, dY @ (Y * (1 - Y)).T) or close(out, (dY * Y) @ np.ones((3, 3))):
        return False, "the sigmoid acts elementwise: multiply elementwise (*), no matrix product."
    return False, "not yet right: each entry of dX is dY times the sigmoid's slope at that entry."


@exercise("linear_backward")
def _check_linear_backward(fn):
    rng = np.random.default_rng(5)
    X, W, dY = rng.standard_normal((6, 4)), rng.standard_normal((4, 3)), rng.standard_normal((6, 3))
    expected = (dY @ W.T, X.T @ dY, dY.sum(axis=0))  # dX = dY Wᵀ, dW = Xᵀ dY, db = Σ dY
    out = fn(X.copy(), W.copy(), dY.copy())
    if out is None:
        return False, "your function returned None: return the tuple (dX, dW, db)."
    if not isinstance(out, (tuple, list)) or len(out) != 3:
        return False, "return three arrays, in this order: dX, dW, db."
    dX, dW, db = out
    for got, shape, what in ((dX, (6, 4), "dX"), (dW, (4, 3), "dW"), (db, (3,), "db")):
        hint = _array_hint(got, shape, what)
        if hint:
            return False, hint + " (each gradient has the shape of what it is the gradient of)"
    if not close(dW, expected[1]):
        return False, ("dW is off: each weight W[i, j] collects X[:, i] times dY[:, j], summed "
                       "over the examples.")
    if not close(db, expected[2]):
        if close(db, dY.mean(axis=0)):
            return False, "db: sum over the examples, not the mean (any 1/n is already in dY)."
        return False, "db is off: b is added to every row, so its gradient adds up dY's rows."
    if not close(dX, expected[0]):
        return False, "dX is off: X[n, i] reaches Y[n, j] through W[i, j] for every j."
    return True, "dX = dY Wᵀ, dW = Xᵀ dY, db = sum of dY over the examples."


def _f(x):
    return float(np.sum(np.sin(x) * x**2))


def _grad_right(x):
    return np.cos(x) * x**2 + 2 * x * np.sin(x)


def _grad_wrong(x):
    return np.cos(x) * x**2  # the product rule's second term is missing


@exercise("gradient_check_error")
def _check_gradient_check_error(fn):
    x = np.array([0.3, -1.2, 2.0, 0.7])
    x_before = x.copy()
    out = fn(_f, _grad_right, x)
    problem = number_hint(out)
    if problem:
        return False, problem
    if not np.array_equal(x, x_before):
        return False, "your function changed x: restore each entry after nudging it."
    out = float(out)
    if not 0 <= out < 1e-7:
        return False, (f"for a correct gradient your error is {out:.2g}; it should be below "
                       "1e-7. Use central differences (f(x + eps·e_i) − f(x − eps·e_i)) / (2 eps) "
                       "and the error ||a − b|| / (||a|| + ||b||).")
    wrong = fn(_f, _grad_wrong, x.copy())
    g_wrong = _grad_wrong(x)
    g_num = np.array([(_f(x + h) - _f(x - h)) / 2e-6 for h in np.eye(len(x)) * 1e-6])
    expected = np.linalg.norm(g_wrong - g_num) / (np.linalg.norm(g_wrong) + np.linalg.norm(g_num))
    if wrong is None or np.ndim(wrong) != 0:
        return False, "return one number (the relative error) for every gradient you check."
    if not close(wrong, expected, tol=1e-4):
        return False, (f"for a wrong gradient your error is {float(wrong):.3g}; use the "
                       "norm-wise relative error ||a − b|| / (||a|| + ||b||).")
    return True, (f"below 1e-7 for the right gradient, {expected:.2f} for one missing a term "
                  "of the product rule.")
