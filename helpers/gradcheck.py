"""Gradient checking: compare a backward pass with central differences.

The derivative of a scalar function f along one entry x_i is approximately

    (f(x + eps e_i) − f(x − eps e_i)) / (2 eps)        (error of order eps²)

Two evaluations of f per entry: slow, but it needs no calculus, so it is the standard test of a
hand-written backward pass. Use float64: in float32 the rounding error of f swamps the tiny
differences for any useful eps.
"""

from __future__ import annotations

import numpy as np


def numerical_grad(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of the scalar ``f`` at the float64 array ``x``.

    ``f(x)`` is called with x changed IN PLACE one entry at a time (f may also read x another
    way, e.g. as a layer's weights); x is restored exactly. Returns an array shaped like x.
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError(f"x must be a float64 array (central differences need float64); got "
                        f"{type(x).__name__} {getattr(x, 'dtype', '')}")
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        f_plus = float(f(x))
        x[i] = old - eps
        f_minus = float(f(x))
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a, b) -> float:
    """||a − b|| / (||a|| + ||b||), 0 when both are zero: below ~1e-7 in float64 means agree."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / scale) if scale else 0.0


def check_layer_grads(model, X, y=None, loss_fn=None, *, eps: float = 1e-6,
                      seed: int = 0) -> dict[str, float]:
    """The relative error between backward() and central differences, for every parameter and
    for the input X: {"0.W": error, ..., "input": error}.

    model: a Layer built with dtype=np.float64; X: (B, n_in) float64. The loss is
    loss_fn.forward(model(X), y), or without loss_fn sum(model(X) · R) for a fixed random R
    (then dL/dY = R), which tests a layer on its own.
    """
    bad = [name for name, p in model.params.items() if p.dtype != np.float64]
    if bad or np.asarray(X).dtype != np.float64:
        raise TypeError(f"a gradient check needs float64: build the model with "
                        f"dtype=np.float64 and pass X as float64 (float32: {bad or ['X']})")
    X = np.array(X)  # a copy: perturbed in place below
    R = np.random.default_rng(seed).standard_normal(np.shape(model.forward(X)))

    def loss() -> float:
        if loss_fn is None:
            return float(np.sum(model.forward(X) * R))  # L = Σ Y·R, so dL/dY = R
        return loss_fn.forward(model.forward(X), y)

    loss()  # the analytic gradients: one forward and one backward pass
    dX = model.backward(R if loss_fn is None else loss_fn.backward())
    analytic = {name: grad.copy() for name, grad in model.grads.items()}
    errors = {name: relative_error(analytic[name], numerical_grad(lambda _: loss(), p, eps))
              for name, p in model.params.items()}
    errors["input"] = relative_error(dX, numerical_grad(lambda _: loss(), X, eps))
    return errors
