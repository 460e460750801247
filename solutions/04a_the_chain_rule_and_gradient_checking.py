"""Solutions to the exercises of notebook 04a (the chain rule and gradient checking)."""

import numpy as np


def linear_backward(X, W, dY):
    """Gradients of Y = X W + b: X (B, n_in), W (n_in, n_out), dY (B, n_out) -> (dX, dW, db)."""
    dX = dY @ W.T  # dX = dY Wᵀ
    dW = X.T @ dY  # dW = Xᵀ dY
    db = dY.sum(axis=0)  # b is added to every row
    return dX, dW, db


def gradient_check_error(f, grad_f, x, eps=1e-6):
    """Relative error ||a − b|| / (||a|| + ||b||) between grad_f(x) and central differences."""
    analytic = np.asarray(grad_f(x), dtype=float)
    numeric = np.zeros_like(analytic)
    for i in range(len(x)):
        old = x[i]
        x[i] = old + eps
        f_plus = f(x)
        x[i] = old - eps
        f_minus = f(x)
        x[i] = old  # restore x
        numeric[i] = (f_plus - f_minus) / (2 * eps)
    return np.linalg.norm(analytic - numeric) / (np.linalg.norm(analytic) + np.linalg.norm(numeric))


def two_layer_grads(X, Y, W1, b1, W2, b2):
    """Gradients of L = mean((tanh(X W1 + b1) W2 + b2 − Y)²) over all entries of Y.

    X (n, n_in), Y (n, n_out), W1 (n_in, n_hidden), b1 (n_hidden,), W2 (n_hidden, n_out),
    b2 (n_out,) -> (dW1, db1, dW2, db2), each with the shape of its parameter.
    """
    H = np.tanh(X @ W1 + b1)  # forward: cache the hidden activations
    Y_hat = H @ W2 + b2
    dY_hat = 2 * (Y_hat - Y) / Y.size  # the mean over all n·n_out entries
    dW2 = H.T @ dY_hat  # dL/dW2 = Hᵀ dL/dŶ
    db2 = dY_hat.sum(axis=0)
    dH = dY_hat @ W2.T  # dL/dH, computed once, shared by W1 and b1
    dZ = dH * (1 - H**2)  # tanh'(Z) = 1 − tanh(Z)² = 1 − H²
    dW1 = X.T @ dZ
    db1 = dZ.sum(axis=0)
    return dW1, db1, dW2, db2
