"""Solutions to the exercises of notebook 04 (epochs, batch size and the noise ball)."""

import numpy as np


def never_drawn_fraction(n_examples):
    """Expected fraction of N examples that N draws with replacement never pick."""
    return (1 - 1 / n_examples) ** n_examples  # each draw misses a given example with 1 − 1/N


def growing_batch_sgd(X, y, w0, lr, batch_sizes, seed):
    """Mini-batch SGD on mean((X w − y)²), epoch e with batch size ``batch_sizes[e]``.

    X (N, d), y (N,), w0 (d,); batch_sizes: one entry per epoch; seed: an int. Each epoch
    shuffles the N indices and cuts them into batches (the last may be smaller).
    Returns the final w, shape (d,).
    """
    rng = np.random.default_rng(seed)  # once: every epoch draws a new order from it
    w = np.array(w0, dtype=float)  # a copy: w0 stays as it was
    n = len(X)
    for batch_size in batch_sizes:  # one epoch per entry
        order = rng.permutation(n)  # every example exactly once per epoch
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]  # the last batch holds what is left over
            X_b, y_b = X[idx], y[idx]
            w = w - lr * 2 * X_b.T @ (X_b @ w - y_b) / len(idx)  # (2/B) X_Bᵀ (X_B w − y_B)
    return w
