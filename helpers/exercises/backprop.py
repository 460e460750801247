"""Exercise of notebook 05 (backpropagation).

- ``two_layer_grads``: all four gradients of a tanh network with the mean squared error (BP1–BP4
  with a new activation, on a batch)
"""

from __future__ import annotations

import numpy as np

from . import Mistake, as_arrays, close, exercise, run_cases


def _two_layer(X, Y, W1, b1, W2, b2, *, slope=None, scale=None, factor=2.0, rows=np.sum):
    """The four gradients of L = mean((tanh(X W1 + b1) W2 + b2 − Y)²); keywords: wrong attempts."""
    H = np.tanh(X @ W1 + b1)  # the cached hidden activations
    Y_hat = H @ W2 + b2
    dY_hat = factor * (Y_hat - Y) / (Y.size if scale is None else scale(Y))  # the mean: 1/(n·k)
    dW2, db2 = H.T @ dY_hat, rows(dY_hat, axis=0)
    dH = dY_hat @ W2.T
    dZ = dH * ((1 - H**2) if slope is None else slope(H, X @ W1 + b1))  # tanh' = 1 − tanh²
    return [X.T @ dZ, rows(dZ, axis=0), dW2, db2]


TWO_LAYER_MISTAKES = {
    "sigmoid_slope": Mistake("you used the sigmoid's slope from section 1; this hidden layer is a "
                             "tanh: write the derivative of tanh in terms of its output H.",
                             lambda *case: _two_layer(*case, slope=lambda H, Z: H * (1 - H))),
    "no_slope": Mistake("dL/dW1 and dL/db1 miss the slope of the tanh: the gradient that reaches "
                        "H must go through the activation before it reaches W1.",
                        lambda *case: _two_layer(*case, slope=lambda H, Z: 1.0)),
    "slope_of_z": Mistake("you wrote the tanh's slope with the pre-activation Z where the cached "
                          "output H belongs.",
                          lambda *case: _two_layer(*case, slope=lambda H, Z: 1 - Z**2)),
    "sum": Mistake("your gradients are as large as for the summed squared error: the loss is a "
                   "mean over all the entries of Y, so is every gradient.",
                   lambda *case: _two_layer(*case, scale=lambda Y: 1.0)),
    "mean_over_rows": Mistake("you divided by the number of examples only; the loss averages over "
                              "every entry of Y (all examples and all outputs).",
                              lambda *case: _two_layer(*case, scale=len)),
    "bias_mean": Mistake("your bias gradients are means over the examples: a bias is added to "
                         "every row, so every row's gradient counts in full (the 1/size of the "
                         "loss is already inside).", lambda *case: _two_layer(*case, rows=np.mean)),
    "factor_2": Mistake("all your gradients are half the right ones: differentiate the square "
                        "again.", lambda *case: _two_layer(*case, factor=1.0)),
}


def _two_layer_cases(rng):
    fixed = (np.array([[1.0, -2.0], [0.5, 0.3], [-1.0, 1.0]]), np.array([[0.5], [-0.2], [1.0]]),
             np.array([[0.1, -0.3, 0.2], [0.4, 0.2, -0.5]]), np.array([0.0, 0.1, -0.1]),
             np.array([[0.5], [-0.6], [0.3]]), np.array([0.2]))
    cases = [fixed]
    for n, n_in, n_hidden, n_out in [tuple(int(k) for k in rng.permutation(np.arange(2, 9))[:4]),
                                     (1, 3, 4, 2),  # one example
                                     (6, 2, 5, 3)]:
        cases.append((rng.standard_normal((n, n_in)), rng.standard_normal((n, n_out)),
                      rng.standard_normal((n_in, n_hidden)), 0.5 * rng.standard_normal(n_hidden),
                      rng.standard_normal((n_hidden, n_out)), 0.5 * rng.standard_normal(n_out)))
    return cases


def _two_layer_read(out, where, case):
    _, _, W1, b1, W2, b2 = case
    return as_arrays(out, {"dW1": W1.shape, "db1": b1.shape, "dW2": W2.shape, "db2": b2.shape},
                     where)


def _two_layer_label(X, Y, W1, b1, W2, b2):
    return f"for X {X.shape}, W1 {W1.shape}, W2 {W2.shape}"


def _two_layer_pointer(case, out, expected):
    wrong = [what for what, got, right in zip(("dW1", "db1", "dW2", "db2"), out, expected)
             if not close(got, right)]
    return (f"{_two_layer_label(*case)}: {' and '.join(wrong)} "
            f"{'is' if len(wrong) == 1 else 'are'} off; compare one entry with a central "
            "difference of the loss (section 3).")


@exercise("two_layer_grads", TWO_LAYER_MISTAKES)
def _check_two_layer_grads(fn):
    run_cases(fn, _two_layer_cases(np.random.default_rng()), answer=_two_layer,
              read=_two_layer_read, label=_two_layer_label, mistakes=TWO_LAYER_MISTAKES,
              pointer=_two_layer_pointer, tol=1e-7)
    return True, ("all four gradients agree with central differences: BP1–BP4 with a new local "
                  "slope, on a whole batch.")
