"""Gradient checking: compare a backward pass with central differences.

The derivative of a scalar function f along one entry x_i of an array is approximately
    (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)        (error of order eps^2)
Doing this for every entry is slow (two evaluations of f per entry) but needs no calculus, so
it is the standard test of a hand-written backward pass. Use float64: in float32 the rounding
error of f swamps the difference for any useful eps.
"""

from __future__ import annotations

import numpy as np

from helpers.layers import Layer
from helpers.validate import check_array, check_positive_number, check_seed


def numerical_grad(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of the scalar f at the float64 array x.

    f: called as f(x) with x perturbed IN PLACE one entry at a time, returns a number; f may
    ignore its argument and read x another way (e.g. a layer's weights). x: float64 array of
    any shape, restored exactly afterwards. Returns an array shaped like x.
    """
    if not callable(f):
        raise TypeError(f"f must be a function returning a number; got {type(f).__name__}")
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError(
            f"x must be a float64 numpy array (central differences need float64); got "
            f"{type(x).__name__} {getattr(x, 'dtype', '')}".rstrip()
        )
    eps = check_positive_number("eps", eps)
    check_array("x", x)  # finite: a NaN in x would make every difference NaN
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        try:
            x[i] = old + eps
            f_plus = _number(f(x))
            x[i] = old - eps
            f_minus = _number(f(x))
        finally:
            x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)  # df/dx_i ~ (f(x + eps) - f(x - eps)) / 2eps
    return grad


def _number(value) -> float:
    """What f returned, as a float; f must return one number."""
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"f must return a number (a scalar loss); it returned "
                        f"{type(value).__name__} {np.shape(value)}") from None


def relative_error(a, b) -> float:
    """Norm-wise relative error ||a - b|| / max(||a|| + ||b||, tiny), a float from 0 to 1.

    The 2-norm over all entries; 0 when a and b are both all zeros. Below about 1e-7 in
    float64 means a backward pass agrees with central differences.
    """
    a = check_array("a", a).astype(float)  # a NaN (a broken backward pass) is named here
    b = check_array("b", b).astype(float)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape; got {a.shape} and {b.shape}")
    scale = max(np.linalg.norm(a) + np.linalg.norm(b), np.finfo(float).tiny)
    return float(np.linalg.norm(a - b) / scale)


def check_layer_grads(model, X, y=None, loss_fn=None, *, eps: float = 1e-6,
                      seed: int = 0) -> dict[str, float]:
    """Relative error between backward() and central differences, for every parameter and X.

    model: a Layer (Linear, Sequential, ...) built with dtype=np.float64; X: (n, n_in) float64.
    Loss: loss_fn.forward(model(X), y) if loss_fn is given, else sum(model(X) * R) with a fixed
    random R (so that dL/dY = R), which tests a layer on its own.
    Returns {"<param name>": error, ..., "input": error}; names as in model.params, e.g. "0.W".
    """
    if not isinstance(model, Layer):
        raise TypeError(f"model must be a Layer (Linear, Sequential, ...); "
                        f"got {type(model).__name__}")
    X = check_array("X", X)
    if X.dtype != np.float64:
        raise TypeError(f"X must be float64 for a gradient check; got {X.dtype}")
    for name, param in model.params.items():
        if param.dtype != np.float64:
            raise TypeError(
                f"model parameter {name!r} is {param.dtype}; build the model with "
                "dtype=np.float64 for a gradient check"
            )
    if loss_fn is not None and not (hasattr(loss_fn, "forward") and hasattr(loss_fn, "backward")):
        raise TypeError(f"loss_fn must be a loss such as MSELoss() or None; got {loss_fn!r}")
    if loss_fn is not None and y is None:
        raise ValueError("y must be given when loss_fn is given")
    eps = check_positive_number("eps", eps)
    seed = check_seed(seed)
    X = X.copy()  # perturbed in place below
    Y = model.forward(X)
    R = np.random.default_rng(seed).standard_normal(np.shape(Y))

    def loss() -> float:
        if loss_fn is None:
            return float(np.sum(model.forward(X) * R))  # L = sum(Y * R), so dL/dY = R
        return loss_fn.forward(model.forward(X), y)

    # Analytic gradients: one forward and one backward pass.
    loss()
    dY = R if loss_fn is None else loss_fn.backward()
    dX = model.backward(dY)
    analytic = {name: grad.copy() for name, grad in model.grads.items()}

    errors = {}
    for name, param in model.params.items():
        errors[name] = relative_error(analytic[name], numerical_grad(lambda _: loss(), param, eps))
    errors["input"] = relative_error(dX, numerical_grad(lambda _: loss(), X, eps))
    return errors
