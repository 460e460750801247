"""Exercises of notebook 03 (from GD to SGD): a mini-batch gradient, its variance, an epoch.

- ``minibatch_gradient``:   the gradient of the mean squared error over the rows ``idx`` only
- ``minibatch_variance``:   the variance of a mean over B distinct examples out of N
- ``never_drawn_fraction``: the expected fraction of examples N draws with replacement miss
"""

from __future__ import annotations

import numpy as np

from . import close, exercise, number_hint


def _as_vector(out, d):
    """None when ``out`` is a length-d vector of numbers, else a hint."""
    if out is None:
        return "your function returned None: return the gradient, an array of shape (d,)."
    try:
        arr = np.asarray(out, dtype=float)
    except (TypeError, ValueError):
        return f"return an array of numbers; got {type(out).__name__}."
    if arr.shape != (d,):
        return f"return one number per weight, an array of shape ({d},); got shape {arr.shape}."
    return None


@exercise("minibatch_gradient")
def _check_minibatch_gradient(fn):
    rng = np.random.default_rng(3)
    n, d = 30, 3
    X, y, w = rng.standard_normal((n, d)), rng.standard_normal(n), rng.standard_normal(d)
    full = 2 * X.T @ (X @ w - y) / n
    for idx in (np.array([2, 5, 7, 11]), np.array([4]), np.arange(n)):
        X_b, y_b, b = X[idx], y[idx], len(idx)
        expected = 2 * X_b.T @ (X_b @ w - y_b) / b  # ∇ mean((X_B w − y_B)²)
        out = fn(X.copy(), y.copy(), w.copy(), idx.copy())
        problem = _as_vector(out, d)
        if problem:
            return False, problem
        if close(out, expected):
            continue
        if b < n and close(out, full):
            return False, "use only the rows of the batch (X[idx], y[idx]), not all of X."
        if close(out, expected * b / n):
            return False, "average over the batch: divide by the batch size B, not by N."
        if close(out, expected * b):
            return False, "the loss is a mean over the batch: divide the sum by the batch size."
        if close(out, expected / 2):
            return False, "d/dw (x·w − y)² = 2 (x·w − y) x: the factor 2 is missing."
        if close(out, -expected):
            return False, "the sign is flipped: the residual is ŷ − y = X_B w − y_B."
        return False, (f"for the batch {idx.tolist()[:4]}{'...' if b > 4 else ''} the gradient "
                       "is off; mean over the batch of 2 (xᵢ·w − yᵢ) xᵢ.")
    return True, ("your mini-batch gradient matches on a batch of 4, a single example and the "
                  "full batch (where it is the full gradient).")


@exercise("minibatch_variance")
def _check_minibatch_variance(fn):
    cases = [(2.0, 100, 10), (4.0, 200, 1), (3.0, 50, 25), (1.5, 1000, 64), (4.0, 200, 200)]
    for sigma2, n, b in cases:
        expected = sigma2 / b * (n - b) / (n - 1)
        out = fn(sigma2, n, b)
        problem = number_hint(out)
        if problem:
            return False, problem
        if close(out, expected):
            continue
        if close(out, sigma2 / b):
            return False, ("σ²/B is right for draws with replacement; a batch holds distinct "
                           "examples, which shrinks the variance by a factor (N − B)/(N − 1).")
        if close(out, sigma2 / b * (n - b) / n):
            return False, "nearly: the correction divides by N − 1, not N (check B = 1: σ²)."
        if close(out, sigma2 / b**2 * (n - b) / (n - 1)):
            return False, "the variance of a mean of B terms scales as 1/B, not 1/B²."
        return False, (f"for σ² = {sigma2}, N = {n}, B = {b} the value is off; check B = 1 "
                       "(answer σ²) and B = N (answer 0).")
    return True, ("σ²/B · (N − B)/(N − 1): σ² for one example, 0 for the whole data set, "
                  "about σ²/B for a small batch.")


@exercise("never_drawn_fraction")
def _check_never_drawn_fraction(fn):
    for n in (2, 1, 3, 10, 200, 100_000):
        expected = (1 - 1 / n) ** n  # each draw misses a given example with probability 1 − 1/N
        out = fn(n)
        problem = number_hint(out)
        if problem:
            return False, problem
        if close(out, expected, tol=1e-9):
            continue
        if n < 1000 and close(out, np.exp(-1)):
            return False, ("1/e is the limit for large N; for a small N work it out exactly "
                           "(N = 2: each draw misses a given example half the time).")
        if close(out, 1 / n):
            return False, "that is one draw's chance of hitting an example; you need all N to miss."
        return False, (f"for N = {n} the fraction is off; one draw misses a given example with "
                       "probability 1 − 1/N, and the N draws are independent.")
    return True, "(1 − 1/N)^N: 0.25 for N = 2, about 0.366 for N = 200, tending to 1/e ≈ 0.368."
