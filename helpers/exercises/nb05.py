"""Exercises of notebooks 05a and 05b (a network on MNIST): updates, accuracy, mistakes, time.

05a, training a network on MNIST:

- ``updates_per_epoch``:       how many updates one epoch of mini-batches makes
- ``accuracy_from_logits``:    the fraction of rows whose largest score is the true class
- ``accuracy_in_batches``:     the accuracy of a model on a data set it sees a batch at a time

05b, experiments on MNIST:

- ``confusion_matrix_counts``: C[i, j] = number of digits of class i predicted as j
- ``fit_update_cost``:         the time of an update as overhead + B × cost per example, fitted
                               to measured times by least squares
"""

from __future__ import annotations

import numpy as np

from . import Hint, Mistake, as_array, as_arrays, as_number, exercise, log_uniform, run_cases

UPDATES_MISTAKES = {
    "round_down": Mistake("you rounded down: the last, smaller batch is an update too.",
                          lambda n, b: n // b),
    "fraction": Mistake("an epoch makes a whole number of updates; yours is a fraction.",
                        lambda n, b: n / b),
    "nearest": Mistake("you rounded to the nearest whole number: even a last batch of a single "
                       "example makes an update.", lambda n, b: float(np.round(n / b))),
    "one_too_many": Mistake("one update too many when the batch size divides the number of "
                            "examples exactly (check N = B: one batch).", lambda n, b: n // b + 1),
    "product": Mistake("larger batches mean fewer updates per epoch, not more.",
                       lambda n, b: n * b),
}


@exercise("updates_per_epoch", UPDATES_MISTAKES)
def _check_updates_per_epoch(fn):
    rng = np.random.default_rng()
    random = []
    for _ in range(3):
        n = int(rng.integers(1, 100_000))
        random.append((n, int(rng.integers(1, 2 * n + 1))))
    edges = [(4000, 16), (4000, 1), (4000, 4000), (10, 4), (7, 10), (1, 1), (10**9, 3)]
    run_cases(fn, [(4000, 96), *random, *edges], answer=lambda n, b: -(-n // b),
              read=as_number, label=lambda n, b: f"for N = {n} examples, batch size B = {b}",
              mistakes=UPDATES_MISTAKES,
              pointer=lambda case, out, expected: (
                  f"for N = {case[0]} examples and batch size B = {case[1]} the count is off; "
                  "check B = 1 (one update per example) and B = N (one for the whole set)."))
    return True, ("⌈N / B⌉: N updates for B = 1, one for the full batch, and a smaller last "
                  "batch when B does not divide N.")


def _accuracy(logits, y):
    return float(np.mean(np.argmax(logits, axis=1) == y))


ACCURACY_MISTAKES = {
    "count": Mistake("that is the number of correct rows: return a fraction of the rows.",
                     lambda logits, y: float(np.sum(np.argmax(logits, axis=1) == y))),
    "percent": Mistake("that is a percentage: return a fraction from 0 to 1.",
                       lambda logits, y: 100 * _accuracy(logits, y)),
    "error_rate": Mistake("that is the error rate: count the rows where the prediction IS the "
                          "label.", lambda logits, y: 1 - _accuracy(logits, y)),
    "axis": Mistake("you took the largest entry of each column, over the examples: the "
                    "prediction for an example is the largest entry of its row.",
                    lambda logits, y: float(np.mean(np.argmax(logits, axis=0) == y))),
    "ties": Mistake("in a row where several classes share the largest logit you count a hit "
                    "for each of them; the prediction is one class, the first of them (as "
                    "np.argmax picks).",
                    lambda logits, y: float(np.mean(
                        logits[np.arange(len(y)), y] == logits.max(axis=1)))),
}


def _accuracy_cases(rng):
    square = np.array([[2.0, -1.0, 0.5, 0.0], [0.3, 0.1, -2.0, 1.5],
                       [-0.5, 3.0, 0.2, 0.4], [1.0, 0.0, 2.5, -1.0]])
    n, k = int(rng.integers(15, 60)), int(rng.integers(2, 11))
    logits, y = rng.standard_normal((n, k)), rng.integers(0, k, n)
    ties = rng.standard_normal((6, 4))
    ties[:, 3] = ties.max(axis=1) + 1.0  # classes 0 and 3 share the largest logit of every row
    ties[:, 0] = ties[:, 3]
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)  # softmax keeps the argmax: same accuracy
    one = rng.standard_normal((1, 10))
    return [(square, np.array([0, 3, 1, 1])), (logits, y), (probs, y),
            (ties, np.array([3, 3, 0, 3, 1, 2])), (one, np.array([int(np.argmax(one))])),
            (one, np.array([int(np.argmin(one))])), (1e3 * logits, y)]


def _accuracy_pointer(case, out, expected):
    logits = case[0]
    if np.abs(logits).max() > 100:
        return (f"for large logits (up to {np.abs(logits).max():.0f}) the accuracy is off: does "
                "something overflow? The predicted class needs no probabilities.")
    return (f"for logits of shape {logits.shape} the accuracy is off: check the predicted "
            "class of each row and compare it with y.")


@exercise("accuracy_from_logits", ACCURACY_MISTAKES)
def _check_accuracy_from_logits(fn):
    run_cases(fn, _accuracy_cases(np.random.default_rng()), answer=_accuracy, read=as_number,
              label=lambda logits, y: f"for logits of shape {logits.shape}",
              mistakes=ACCURACY_MISTAKES,
              pointer=_accuracy_pointer)
    return True, ("the argmax of each row against the label, averaged: it works on logits and "
                  "on probabilities alike.")


def _confusion(y_true, y_pred, k):
    counts = np.zeros((k, k))
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


CONFUSION_MISTAKES = {
    "transposed": Mistake("your matrix is transposed: rows are the TRUE classes, columns the "
                          "predictions.", lambda t, p, k: _confusion(t, p, k).T),
    "fraction": Mistake("count the examples (whole numbers), do not turn them into fractions.",
                        lambda t, p, k: _confusion(t, p, k) / len(t)),
    "repeats_once": Mistake("each (true, predicted) pair is counted at most once in yours: "
                            "`C[y_true, y_pred] += 1` does not add up repeated pairs.",
                            lambda t, p, k: (_confusion(t, p, k) > 0).astype(float)),
}


def _confusion_cases(rng):
    y_true = np.array([0, 0, 1, 1, 1, 2, 2, 2, 2, 1])
    y_pred = np.array([0, 1, 1, 1, 2, 2, 2, 0, 2, 1])
    n = int(rng.integers(50, 500))
    random = (rng.integers(0, 10, n), rng.integers(0, 10, n), 10)
    unused = (rng.integers(0, 3, 20), rng.integers(0, 3, 20), 5)  # classes 3, 4 never occur
    all_right = np.arange(6) % 3
    return [(y_true, y_pred, 3), random, unused, (np.array([2]), np.array([0]), 4),
            (all_right, all_right.copy(), 3)]


def _confusion_read(out, where, case):
    k = case[2]
    try:
        other_square = np.ndim(out) == 2 and np.shape(out) != (k, k)
    except ValueError:  # a ragged list
        other_square = False
    if other_square:
        return as_array(out, (k, k), f"with {k} classes (even ones that never occur) C", where)
    return as_array(out, (k, k), "C", where)


def _confusion_pointer(case, out, expected):
    i, j = np.argwhere(~np.isclose(out, expected))[0]
    return (f"for {len(case[0])} labels of {case[2]} classes your count C[{i}, {j}] is off: it "
            f"counts the examples of true class {i} predicted as class {j}.")


@exercise("confusion_matrix_counts", CONFUSION_MISTAKES)
def _check_confusion_matrix_counts(fn):
    run_cases(fn, _confusion_cases(np.random.default_rng()), answer=_confusion,
              read=_confusion_read, label=lambda t, p, k: f"for {len(t)} labels of {k} classes",
              mistakes=CONFUSION_MISTAKES, pointer=_confusion_pointer)
    return True, "true classes down, predictions across; the diagonal holds the correct ones."



WHOLE_SET_HINT = ("your function gave predict more than batch_size rows at once: pass the rows "
                  "a batch at a time, so that a large test set never has to go through the "
                  "network in one piece.")


class _Model:
    """A fixed linear classifier; ``predict`` refuses more than ``batch_size`` rows at once."""

    def __init__(self, W, batch_size):
        self.W, self.batch_size = W, batch_size

    def predict(self, X_batch):
        X_batch = np.asarray(X_batch, dtype=float)
        if X_batch.ndim != 2 or X_batch.shape[1] != self.W.shape[0]:
            raise Hint(f"predict takes rows of X (an array of shape (rows, {self.W.shape[0]})); "
                       f"your function gave it an array of shape {X_batch.shape}.")
        if len(X_batch) > self.batch_size:
            raise Hint(WHOLE_SET_HINT)
        return X_batch @ self.W  # logits (rows, k)


def _batches(n, b):
    return [slice(start, start + b) for start in range(0, n, b)]


def _batch_hits(predict, X, y, b, keep=None):
    slices = _batches(len(X), b)
    if keep is not None:
        slices = slices[keep]
    return [np.argmax(predict(X[s]), axis=1) == y[s] for s in slices]


def _accuracy_in_batches(predict, X, y, b):
    return float(np.mean(np.concatenate(_batch_hits(predict, X, y, b))))


IN_BATCHES_MISTAKES = {
    "whole_set": Mistake(WHOLE_SET_HINT, None),
    "mean_of_means": Mistake("you averaged the accuracies of the batches, but the last batch can "
                             "be smaller than the others, and then a mean of the means weighs "
                             "its rows more: every row must count the same.",
                             lambda p, X, y, b: float(np.mean(
                                 [np.mean(hits) for hits in _batch_hits(p, X, y, b)]))),
    "drops_last": Mistake("the rows of the last, smaller batch are missing from yours: when "
                          "batch_size does not divide the number of rows, one more batch is left.",
                          lambda p, X, y, b: _accuracy_in_batches(p, X[:len(X) // b * b],
                                                                  y[:len(X) // b * b], b)),
    "last_batch_only": Mistake("that is the accuracy of the last batch alone: keep a running "
                               "total over all the batches.",
                               lambda p, X, y, b: float(np.mean(
                                   _batch_hits(p, X, y, b, keep=slice(-1, None))[0]))),
    "count": Mistake("that is the number of correct rows: return a fraction of the rows.",
                     lambda p, X, y, b: float(np.sum(np.concatenate(_batch_hits(p, X, y, b))))),
}


def _in_batches_cases(rng):
    cases = []
    # fixed: 10 rows of 3 classes in batches of 4 (4, 4 and 2 rows): rows 0–7 are half right,
    # rows 8 and 9 both right
    X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0], [1.0, 0.2], [0.3, 1.0], [-1.0, -0.5],
                  [0.9, 0.1], [0.2, 0.8], [1.0, -0.3], [0.1, 1.2]])
    W = np.array([[2.0, -1.0, -1.0], [-1.0, 2.0, -1.0]])
    y = np.array([0, 0, 2, 1, 1, 0, 0, 2, 0, 1])
    cases.append((X, y, W, 4))
    for n, b in [(int(rng.integers(20, 200)), int(rng.integers(3, 17))),
                 (int(rng.integers(2, 10)) * 8, 8),  # batch_size divides n
                 (int(rng.integers(5, 30)), 1),  # one row at a time
                 (13, 64),  # one batch holds everything
                 (1, 3)]:  # a single row
        d, k = int(rng.integers(2, 8)), int(rng.integers(2, 11))
        cases.append((rng.standard_normal((n, d)), rng.integers(0, k, n),
                      rng.standard_normal((d, k)), b))
    return [(_Model(W, b).predict, X, y, b) for X, y, W, b in cases]


@exercise("accuracy_in_batches", IN_BATCHES_MISTAKES)
def _check_accuracy_in_batches(fn):
    run_cases(fn, _in_batches_cases(np.random.default_rng()), answer=_accuracy_in_batches,
              read=as_number, label=lambda p, X, y, b: f"for {len(X)} rows and batch_size = {b}",
              mistakes={k: m for k, m in IN_BATCHES_MISTAKES.items() if m.wrong is not None},
              pointer=lambda case, out, expected: (
                  f"for {len(case[1])} rows and batch_size = {case[3]} the accuracy is off: "
                  "check which rows each batch holds, and that every row is counted once."))
    return True, ("the same accuracy as in one pass, with at most batch_size rows in the network "
                  "at a time; a mean of the batch accuracies would be off whenever the last "
                  "batch is smaller.")


# ---- 05b: what an update costs, fitted ----------------------------------------------------------

def _fit(B, t, weights):
    """Weighted least-squares line t ≈ overhead + B · per_example; ``weights`` multiply the
    residuals before they are squared (np.polyfit's convention)."""
    per_example, overhead = np.polyfit(np.asarray(B, dtype=float), np.asarray(t, dtype=float), 1,
                                       w=weights)
    return [np.asarray(overhead), np.asarray(per_example)]


def _relative_fit(B, t):
    """The answer: least squares on the relative errors (overhead + B c − t) / t."""
    return _fit(B, t, 1 / np.asarray(t, dtype=float))


def _through_ends(B, t):
    slope = (t[-1] - t[0]) / (B[-1] - B[0])
    return [np.asarray(t[0] - slope * B[0]), np.asarray(slope)]


def _relative_through_origin(B, t):
    ratio = np.asarray(B, dtype=float) / np.asarray(t, dtype=float)  # minimise Σ (B c / t − 1)²
    return [np.asarray(0.0), np.asarray(np.sum(ratio) / np.sum(ratio**2))]


FIT_MISTAKES = {
    "plain": Mistake("your fit is ruled by the slowest updates: the times span powers of ten, so "
                     "an error of 1 ms matters a lot at B = 1 and hardly at all at B = 1000. "
                     "Count each measurement's error relative to its own time.",
                     lambda B, t: _fit(B, t, None)),
    "weighted_twice": Mistake("you divided by the time twice: the weights of np.polyfit multiply "
                              "each residual BEFORE it is squared, so one division per residual "
                              "is enough.",
                              lambda B, t: _fit(B, t, 1 / np.asarray(t, dtype=float) ** 2)),
    "swapped": Mistake("your two numbers are swapped: return (overhead_ms, ms_per_example), the "
                       "overhead first.", lambda B, t: _relative_fit(B, t)[::-1]),
    "through_origin": Mistake("your line goes through 0: an update of a tiny batch still costs "
                              "time, so fit the overhead too, not only the slope.",
                              _relative_through_origin),
    "two_ends": Mistake("your line goes through the first and the last measurement only: fit "
                        "ALL the measurements, every one counting the same.", _through_ends),
    "mean_per_example": Mistake("you averaged the time per example (t / B): that mixes the "
                                "overhead into the cost of an example. Fit a line to t against "
                                "B instead.",
                                lambda B, t: [np.asarray(0.0),
                                              np.asarray(np.mean(np.asarray(t) / B))]),
}

MEASURED_SIZES = np.array([1, 4, 16, 64, 256, 1000])
MEASURED_MS = np.array([0.26, 0.32, 0.56, 1.57, 7.09, 31.6])  # ms per update, one run of 05b §6


def _fit_cases(rng):
    cases = [(MEASURED_SIZES.copy(), MEASURED_MS.copy())]
    for _ in range(3):  # a random machine: overhead, cost per example, noise
        sizes = np.unique(rng.integers(1, 2000, int(rng.integers(4, 9))))
        while len(sizes) < 3:
            sizes = np.unique(np.append(sizes, rng.integers(1, 2000)))
        overhead, per_example = rng.uniform(0.05, 1.0), log_uniform(rng, 0.003, 0.1)
        noise = 1 + 0.1 * rng.standard_normal(len(sizes))
        cases.append((sizes, np.round((overhead + per_example * sizes) * noise, 6)))
    exact = np.array([2, 8, 32, 128])
    cases.append((exact, 0.5 + 0.02 * exact))  # measurements exactly on a line
    cases.append((np.array([1, 100]), np.array([0.3, 2.0])))  # two points: the line through them
    return cases


def _fit_read(out, where, case):
    return as_arrays(out, {"overhead_ms": (), "ms_per_example": ()}, where)


@exercise("fit_update_cost", FIT_MISTAKES)
def _check_fit_update_cost(fn):
    run_cases(fn, _fit_cases(np.random.default_rng()), answer=_relative_fit, read=_fit_read,
              label=lambda B, t: f"for {len(B)} batch sizes from {B[0]} to {B[-1]}",
              mistakes=FIT_MISTAKES, tol=1e-6,
              pointer=lambda case, out, expected: (
                  f"for {len(case[0])} batch sizes from {case[0][0]} to {case[0][-1]} your line "
                  "is off: it should make the squared relative errors (fitted time minus "
                  "measured time, divided by the measured time) as small as possible, summed "
                  "over all the measurements."))
    return True, ("overhead and cost per example, each measurement counted relative to its own "
                  "size: below B ≈ overhead / cost per example, most of an update's time is "
                  "overhead.")
