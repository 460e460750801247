"""Minibatches: shuffle the examples once per epoch and cut them into batches.

One epoch visits every example exactly once, in a random order; the last batch is smaller when
``batch_size`` does not divide the number of examples. Stochastic gradient descent is this loop
with ``batch_size=1``; full-batch gradient descent is ``batch_size=n_examples``.
"""

from __future__ import annotations

import numbers

import numpy as np

from helpers.validate import check_array, check_batch_size, check_int, check_same_length


def as_rng(rng, name: str = "rng") -> np.random.Generator:
    """A numpy ``Generator``: ``rng`` itself, or a new one seeded with the integer ``rng``."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        return np.random.default_rng(int(check_int(name, rng, low=0)))
    raise TypeError(
        f"{name} must be a numpy Generator (np.random.default_rng(seed)) or an integer seed; "
        f"got {rng!r} ({type(rng).__name__})"
    )


def minibatches(n_examples: int, batch_size: int, rng):
    """Yield the index arrays of one epoch: a fresh shuffle, cut into consecutive batches.

    n_examples: number of examples N; batch_size: examples per batch, from 1 to N;
    rng: a numpy Generator (each call draws a new order from it) or an integer seed.
    Yields int arrays of shape (batch_size,), the last one (N % batch_size,) if that is not 0.
    """
    n_examples = check_int("n_examples", n_examples, low=1)
    batch_size = check_batch_size(batch_size, n_examples)
    rng = as_rng(rng)
    return _batches(rng.permutation(n_examples), batch_size)


def _batches(order: np.ndarray, batch_size: int):
    # A separate generator, so that minibatches() checks its arguments when it is called,
    # not when the first batch is drawn.
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]


def iterate_minibatches(X, y, batch_size: int, rng):
    """Yield ``(X_batch, y_batch)`` pairs for one epoch, in a shuffled order.

    X: (N, n_features); y: (N,) or (N, n_outputs); batch_size: 1 to N; rng: Generator or seed.
    Yields X_batch (B, n_features) and y_batch (B,) or (B, n_outputs), B = batch_size except
    possibly for the last batch.
    """
    X = check_array("X", X, ndim=2)
    y = check_array("y", y)
    check_same_length(X, y)
    return ((X[idx], y[idx]) for idx in minibatches(len(X), batch_size, rng))
