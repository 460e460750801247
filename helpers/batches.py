"""Minibatches: shuffle the examples once per epoch and cut them into batches.

One epoch visits every example exactly once, in a random order; the last batch is smaller when
``batch_size`` does not divide the number of examples. Stochastic gradient descent is this loop
with ``batch_size=1``; full-batch gradient descent is ``batch_size=n_examples``.

The package's one sampler: ``minibatches`` (one epoch, cut into batches), ``epoch_order`` (the
order of an epoch, for one run or R runs at once) and ``random_batches`` (independent batches,
each drawn afresh: for measuring the noise of a mini-batch gradient).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from helpers.validate import (
    check_array,
    check_batch_size,
    check_flag,
    check_int,
    check_ints,
    check_same_length,
)


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
    return _batches(epoch_order(n_examples, rng), batch_size)


def epoch_order(n_examples: int, rng, *, num_runs=None, replacement: bool = False) -> np.ndarray:
    """The order in which one epoch visits the examples: (N,) indices, or (R, N) for R runs.

    replacement=False: a fresh shuffle, every example exactly once (what ``minibatches`` cuts);
    replacement=True: N indices drawn uniformly at random, repeats allowed.
    num_runs=R: R independent orders in one array; for R = 1 its row is the very order that
    ``num_runs=None`` (and so ``minibatches``) draws from the same generator state.
    """
    n_examples = check_int("n_examples", n_examples, low=1)
    replacement = check_flag("replacement", replacement)
    rng = as_rng(rng)
    if num_runs is None:
        return rng.integers(0, n_examples, size=n_examples) if replacement else \
            rng.permutation(n_examples)
    runs = check_int("num_runs", num_runs, low=1)
    if replacement:
        return rng.integers(0, n_examples, size=(runs, n_examples))
    return rng.permuted(np.tile(np.arange(n_examples), (runs, 1)), axis=1)  # a shuffle per row


def random_batches(n_examples: int, batch_size: int, shape, rng, *,
                   replacement: bool = False) -> np.ndarray:
    """Independent mini-batches of example indices, each drawn afresh: ints of shape (*shape, B).

    shape: the leading shape, e.g. (num_steps, num_runs) or (num_batches,).
    replacement=False: each batch holds ``batch_size`` distinct examples, a uniform random subset;
    replacement=True: each index is drawn uniformly, repeats allowed.
    (``minibatches`` instead cuts one shuffle into batches: an epoch sees each example once.)
    """
    n_examples = check_int("n_examples", n_examples, low=1)
    batch_size = check_batch_size(batch_size, n_examples)
    shape = tuple(check_ints("shape", np.atleast_1d(shape) if np.ndim(shape) <= 1 else shape,
                             low=1))
    replacement = check_flag("replacement", replacement)
    rng = as_rng(rng)
    if batch_size == 1 or replacement:
        return rng.integers(0, n_examples, size=(*shape, batch_size))
    if batch_size <= 8:
        # draw with replacement and redraw the batches that hold an example twice: what is left
        # is uniform over the sets of B distinct examples (cheap while repeats are rare)
        idx = rng.integers(0, n_examples, size=(math.prod(shape), batch_size))
        redo = np.flatnonzero(_has_repeats(idx))
        while len(redo):
            idx[redo] = rng.integers(0, n_examples, size=(len(redo), batch_size))
            redo = redo[_has_repeats(idx[redo])]
        return idx.reshape(*shape, batch_size)
    # random keys: the B examples with the smallest keys form a uniform random subset
    keys = rng.random((*shape, n_examples))
    return np.argsort(keys, axis=-1)[..., :batch_size]


def _has_repeats(idx: np.ndarray) -> np.ndarray:
    """True for each batch (last axis) that holds some example twice."""
    repeated = np.zeros(idx.shape[:-1], dtype=bool)
    for i in range(idx.shape[-1]):
        for j in range(i + 1, idx.shape[-1]):
            repeated |= idx[..., i] == idx[..., j]
    return repeated


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
