"""Exercises of notebook 03 (stochastic gradient descent).

- ``minibatch_gradient``: the gradient of the mean squared error over the rows ``idx`` only
- ``minibatch_variance``: the variance of a mean over B distinct examples out of N
"""

from __future__ import annotations

import numpy as np

from . import Mistake, as_array, as_number, exercise, run_cases


def _batch_gradient(X, y, w, idx):
    X_b, y_b = X[idx], y[idx]
    return 2 * X_b.T @ (X_b @ w - y_b) / len(idx)  # ∇ mean((X_B w − y_B)²)


MINIBATCH_GRADIENT_MISTAKES = {
    "all_rows": Mistake("you used every row of X: the batch is only the rows listed in idx.",
                        lambda X, y, w, idx: _batch_gradient(X, y, w, np.arange(len(X)))),
    "first_rows": Mistake("you used the first B rows of X: the batch is the rows listed in idx, "
                          "wherever they are.",
                          lambda X, y, w, idx: _batch_gradient(X, y, w, np.arange(len(idx)))),
    "divide_by_n": Mistake("your gradient is B/N times the right one: the loss averages over "
                           "the batch, not over the whole data set.",
                           lambda X, y, w, idx: _batch_gradient(X, y, w, idx) * len(idx) / len(X)),
    "sum": Mistake("sum instead of mean: the loss is a mean over the batch, so is its gradient.",
                   lambda X, y, w, idx: _batch_gradient(X, y, w, idx) * len(idx)),
    "factor_2": Mistake("your gradient is half the right one: differentiate the square again.",
                        lambda X, y, w, idx: _batch_gradient(X, y, w, idx) / 2),
    "sign": Mistake("the sign is flipped: check which way round you took the residual.",
                    lambda X, y, w, idx: -_batch_gradient(X, y, w, idx)),
}


def _minibatch_cases(rng):
    n, d = int(rng.integers(12, 40)), int(rng.integers(2, 6))
    X, y, w = rng.standard_normal((n, d)), rng.standard_normal(n), rng.standard_normal(d)
    batch = rng.choice(np.arange(4, n), size=4, replace=False)  # never the first rows
    one = rng.choice(np.arange(1, n), size=1)
    fixed = (np.sin(np.arange(30.0)).reshape(10, 3), np.linspace(-1, 2, 10),
             np.array([0.5, -1.0, 0.25]), np.array([5, 2, 7, 4]))
    return [fixed, (X, y, w, batch), (X, y, w, one), (X, y, w, rng.permutation(n)),
            (X * 1e3, y * 1e3, w, np.sort(batch)), (X, X @ w, w, batch)]  # last: a perfect fit


def _idx_text(idx):
    return f"idx = {idx.tolist()}" if len(idx) <= 4 else f"of {len(idx)} rows"


@exercise("minibatch_gradient", MINIBATCH_GRADIENT_MISTAKES)
def _check_minibatch_gradient(fn):
    run_cases(fn, _minibatch_cases(np.random.default_rng()), answer=_batch_gradient,
              read=lambda out, where, case: as_array(out, case[2].shape, "the gradient", where),
              label=lambda X, y, w, idx: f"for the batch {_idx_text(idx)}",
              mistakes=MINIBATCH_GRADIENT_MISTAKES,
              pointer=lambda case, out, expected: (
                  f"for the batch {_idx_text(case[3])} the gradient is off; compare one "
                  "entry with a finite difference of the batch loss."))
    return True, ("your mini-batch gradient matches on a batch of 4, a single example and the "
                  "full batch (where it is the full gradient).")


def _variance(sigma2, n, b):
    return sigma2 / b * (n - b) / (n - 1)


MINIBATCH_VARIANCE_MISTAKES = {
    "with_replacement": Mistake("that is the variance for draws with replacement, but a batch "
                                "holds distinct examples: check B = N, the whole data set, "
                                "where no randomness is left.",
                                lambda sigma2, n, b: sigma2 / b),
    "n_not_n_minus_1": Mistake("nearly: check B = 1, where the answer must be the variance of "
                               "one example.", lambda sigma2, n, b: sigma2 / b * (n - b) / n),
    "b_squared": Mistake("you divided by B twice: averaging B examples divides the variance by "
                         "B once.", lambda sigma2, n, b: _variance(sigma2, n, b) / b),
    "std": Mistake("that is a standard deviation; the variance is asked for.",
                   lambda sigma2, n, b: float(np.sqrt(_variance(sigma2, n, b)))),
}


@exercise("minibatch_variance", MINIBATCH_VARIANCE_MISTAKES)
def _check_minibatch_variance(fn):
    rng = np.random.default_rng()
    random = []
    for _ in range(3):
        n = int(rng.integers(3, 2000))
        random.append((float(rng.uniform(0.1, 10)), n, int(rng.integers(2, n))))
    edges = [(4.0, 200, 1), (4.0, 200, 200), (3.0, 50, 25), (0.0, 100, 10), (1.5, 10**6, 64)]
    run_cases(fn, [(2.0, 100, 10), *random, *edges], answer=_variance, read=as_number,
              label=lambda sigma2, n, b: f"for σ² = {sigma2:.4g}, N = {n}, B = {b}",
              mistakes=MINIBATCH_VARIANCE_MISTAKES,
              pointer=lambda case, out, expected: (
                  f"for σ² = {case[0]:.4g}, N = {case[1]}, B = {case[2]} the value is off; check "
                  "B = 1 (one example) and B = N (the whole data set)."))
    return True, ("σ² for one example, 0 for the whole data set, about σ²/B for a small batch "
                  "of a large data set.")
