"""Mini-batches: shuffle the examples once per epoch and cut the order into batches.

One epoch visits every example exactly once, in a fresh random order; the last batch is smaller
when ``batch_size`` does not divide the number of examples. ``batch_size=1`` is pure SGD,
``batch_size=n_examples`` full-batch gradient descent.

The package's one sampler: ``minibatches`` (one epoch, cut into batches, for ``train``),
``epoch_order`` (the order of an epoch, for one run or for R runs at once) and ``random_batches``
(independent batches, each drawn afresh: for measuring the noise of a mini-batch gradient).
"""

from __future__ import annotations

import numpy as np


def minibatches(n_examples: int, batch_size: int, rng: np.random.Generator):
    """Yield the index arrays of one epoch: a fresh shuffle from ``rng``, cut into batches.

    Yields int arrays of shape (batch_size,), the last one (n_examples % batch_size,) if not 0.
    """
    order = rng.permutation(n_examples)
    for start in range(0, n_examples, batch_size):
        yield order[start : start + batch_size]


def epoch_order(n_examples: int, rng: np.random.Generator, *, num_runs=None,
                replacement: bool = False) -> np.ndarray:
    """The order in which one epoch visits the examples: (N,) indices, or (R, N) for R runs.

    replacement=False: a shuffle, every example exactly once (what ``minibatches`` cuts up);
    replacement=True: N indices drawn uniformly, repeats allowed.
    """
    shape = n_examples if num_runs is None else (num_runs, n_examples)
    if replacement:
        return rng.integers(0, n_examples, size=shape)
    if num_runs is None:
        return rng.permutation(n_examples)  # the very order minibatches() draws
    return rng.permuted(np.broadcast_to(np.arange(n_examples), shape), axis=1)  # a shuffle per row


def random_batches(n_examples: int, batch_size: int, shape, rng: np.random.Generator, *,
                   replacement: bool = False) -> np.ndarray:
    """Independent mini-batches of example indices, each drawn afresh: ints (*shape, B).

    replacement=False: each batch holds ``batch_size`` distinct examples (a uniform random
    subset); replacement=True: each index drawn uniformly, repeats allowed.
    """
    shape = tuple(np.atleast_1d(shape))
    if batch_size == 1 or replacement:
        return rng.integers(0, n_examples, size=(*shape, batch_size))
    # random keys: the B examples with the smallest keys are a uniform random subset
    keys = rng.random((*shape, n_examples))
    return np.argpartition(keys, batch_size - 1, axis=-1)[..., :batch_size]
