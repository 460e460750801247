"""Solutions to the exercises of notebook 03 (from GD to SGD)."""

import numpy as np


def minibatch_gradient(X, y, w, idx):
    """Gradient of mean((X w − y)²) over the rows ``idx`` only: shape (d,)."""
    X_b, y_b = X[idx], y[idx]
    residual = X_b @ w - y_b  # ŷ − y on the batch
    return 2 * X_b.T @ residual / len(idx)  # (2/B) X_Bᵀ (X_B w − y_B)


def minibatch_variance(sigma2, n_examples, batch_size):
    """Variance of the mean of ``batch_size`` distinct examples out of ``n_examples``."""
    return sigma2 / batch_size * (n_examples - batch_size) / (n_examples - 1)


def never_drawn_fraction(n_examples):
    """Expected fraction of N examples that N draws with replacement never pick."""
    return (1 - 1 / n_examples) ** n_examples


def minibatch_sgd(X, y, w0, lr, batch_size, num_epochs, rng):
    """Mini-batch SGD on mean((X w − y)²) with shuffled epochs; returns the final w, shape (d,).

    X (N, d), y (N,), w0 (d,); rng: a numpy Generator (np.random.default_rng(seed)).
    Each epoch shuffles the N indices and cuts them into batches (the last may be smaller).
    """
    w = np.array(w0, dtype=float)  # a copy: w0 stays as it was
    n = len(X)
    for _ in range(num_epochs):
        order = rng.permutation(n)  # every example exactly once per epoch
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            w = w - lr * minibatch_gradient(X, y, w, idx)
    return w
