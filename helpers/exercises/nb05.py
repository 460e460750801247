"""Exercises of notebook 05 (SGD on MNIST): counting updates, accuracy, the confusion matrix.

- ``updates_per_epoch``:       how many updates one epoch of mini-batches makes
- ``accuracy_from_logits``:    the fraction of rows whose largest score is the true class
- ``confusion_matrix_counts``: C[i, j] = number of digits of class i predicted as j
"""

from __future__ import annotations

import math

import numpy as np

from . import close, exercise, number_hint


@exercise("updates_per_epoch")
def _check_updates_per_epoch(fn):
    cases = [(4000, 16), (4000, 64), (4000, 1), (4000, 4000), (10, 4), (60_000, 128), (7, 10)]
    for n_examples, batch_size in cases:
        expected = math.ceil(n_examples / batch_size)
        out = fn(n_examples, batch_size)
        problem = number_hint(out)
        if problem:
            return False, problem
        if close(out, expected):
            continue
        if close(out, n_examples // batch_size):
            return False, (f"with {n_examples} examples and batches of {batch_size}, the last, "
                           "smaller batch is an update too: round up, not down.")
        if close(out, n_examples / batch_size):
            return False, "an epoch makes a whole number of updates: round the quotient up."
        if close(out, n_examples * batch_size) or close(out, batch_size / n_examples):
            return False, "divide the number of examples by the batch size."
        return False, (f"for {n_examples} examples and batch size {batch_size} the count is off; "
                       "check batch size 1 (one update per example) and the full batch (one).")
    return True, ("⌈N / B⌉: N updates for B = 1, one for the full batch, and a smaller last "
                  "batch when B does not divide N.")


@exercise("accuracy_from_logits")
def _check_accuracy_from_logits(fn):
    rng = np.random.default_rng(5)
    n, k = 20, 10
    y = rng.integers(0, k, size=n)
    logits = rng.standard_normal((n, k))
    # make exactly 13 of the 20 rows right: their largest logit is the true class
    right = rng.permutation(n)[:13]
    logits[right, y[right]] = logits[right].max(axis=1) + 1.0
    wrong_rows = np.setdiff1d(np.arange(n), right)
    for i in wrong_rows:
        logits[i, (y[i] + 1) % k] = logits[i].max() + 1.0
    expected = 13 / 20
    out = fn(logits.copy(), y.copy())
    problem = number_hint(out)
    if problem:
        return False, problem
    if close(out, 13):
        return False, "that is the number of correct rows: divide by the number of examples."
    if close(out, 100 * expected):
        return False, "return a fraction from 0 to 1, not a percentage."
    if close(out, 1 - expected):
        return False, "that is the error rate: count the rows where the prediction IS the label."
    if not close(out, expected):
        return False, ("take the predicted class of each row (the column of its largest logit, "
                       "argmax along axis=1) and compare it with y.")
    # softmax does not change the argmax: probabilities must give the same answer
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    if not close(fn(probs, y.copy()), expected):
        return False, "probabilities (softmax of the logits) should give the same accuracy."
    return True, "the argmax of each row against the label, averaged: 13 of 20 rows, 0.65."


@exercise("confusion_matrix_counts")
def _check_confusion_matrix_counts(fn):
    y_true = np.array([0, 0, 1, 1, 1, 2, 2, 2, 2, 1])
    y_pred = np.array([0, 1, 1, 1, 2, 2, 2, 0, 2, 1])
    expected = np.zeros((3, 3), dtype=int)
    for t, p in zip(y_true, y_pred):
        expected[t, p] += 1
    out = fn(y_true.copy(), y_pred.copy(), 3)
    if out is None:
        return False, "your function returned None: return a (num_classes, num_classes) array."
    try:
        arr = np.asarray(out, dtype=float)
    except (TypeError, ValueError):
        return False, f"return an array of counts; got {type(out).__name__}."
    if arr.shape != (3, 3):
        return False, f"with 3 classes return a 3×3 array; got shape {arr.shape}."
    if close(arr, expected.T):
        return False, "rows should be the TRUE classes and columns the predictions (transpose)."
    if close(arr.sum(), 1.0) or close(arr.sum(axis=1), np.ones(3)):
        return False, "count the examples (integers), do not turn them into fractions."
    if not close(arr, expected):
        return False, ("C[i, j] counts the examples whose true class is i and whose predicted "
                       "class is j; the counts add up to the number of examples.")
    rng = np.random.default_rng(1)
    y_true, y_pred = rng.integers(0, 10, 500), rng.integers(0, 10, 500)
    big = np.zeros((10, 10), dtype=int)
    np.add.at(big, (y_true, y_pred), 1)
    if not close(np.asarray(fn(y_true, y_pred, 10), dtype=float), big):
        return False, "right on the small example but not on 500 random labels of 10 classes."
    return True, "true classes down, predictions across; the diagonal holds the correct ones."
