"""Exercises of notebooks 04a and 04b (backpropagation, and what a gradient costs).

04a, the chain rule and gradient checking:

- ``linear_backward``:      dL/dX, dL/dW, dL/db of a linear layer Y = X W + b
- ``gradient_check_error``: the relative error between a gradient and central differences
- ``two_layer_grads``:      all four gradients of a tanh network with the mean squared error

04b, the cost of a gradient and softmax:

- ``softmax_ce_grad``:      dL/dZ of the mean softmax cross-entropy over a batch of logits Z
- ``gradient_costs``:       multiply-adds of one gradient by backprop and by finite differences
"""

from __future__ import annotations

import numpy as np

from . import (
    Hint,
    Mistake,
    as_array,
    as_arrays,
    as_number,
    call,
    close,
    describe,
    exercise,
    run_cases,
)


def _linear_grads(X, W, dY):
    return [dY @ W.T, X.T @ dY, dY.sum(axis=0)]  # dX = dY Wᵀ, dW = Xᵀ dY, db = Σ dY


LINEAR_MISTAKES = {
    "db_mean": Mistake("db is a mean over the examples in yours; b is added to every row, so "
                       "every row of dY counts in full (any 1/B is already inside dY).",
                       lambda X, W, dY: [dY @ W.T, X.T @ dY, dY.mean(axis=0)]),
    "dw_mean": Mistake("dW is divided by the batch size in yours; any 1/B is already inside dY.",
                       lambda X, W, dY: [dY @ W.T, X.T @ dY / len(X), dY.sum(axis=0)]),
    "sign": Mistake("your gradients have the wrong sign: backprop passes dY on as it is, "
                    "without a minus.", lambda X, W, dY: [-g for g in _linear_grads(X, W, dY)]),
}


def _linear_cases(rng):
    cases = [(np.sin(np.arange(20.0)).reshape(5, 4), np.cos(np.arange(12.0)).reshape(4, 3),
              np.sin(np.arange(15.0) + 0.5).reshape(5, 3))]
    for n, n_in, n_out in [tuple(int(k) for k in rng.permutation(np.arange(2, 9))[:3]),
                           (1, 3, 2), (5, 2, 7)]:  # distinct sizes, a batch of one
        cases.append((rng.standard_normal((n, n_in)), rng.standard_normal((n_in, n_out)),
                      rng.standard_normal((n, n_out))))
    return cases


def _linear_read(out, where, case):
    X, W, dY = case
    return as_arrays(out, {"dX": X.shape, "dW": W.shape, "db": (W.shape[1],)}, where)


def _linear_pointer(case, out, expected):
    X, W, _ = case
    wrong = [what for what, got, right in zip(("dX", "dW", "db"), out, expected)
             if not close(got, right)]
    return (f"for X of shape {X.shape}, W of shape {W.shape}: {' and '.join(wrong)} "
            f"{'is' if len(wrong) == 1 else 'are'} off; compare one entry with a finite "
            "difference of L = sum(dY * (X @ W + b)), whose gradients are exactly these.")


@exercise("linear_backward", LINEAR_MISTAKES)
def _check_linear_backward(fn):
    run_cases(fn, _linear_cases(np.random.default_rng()), answer=_linear_grads,
              read=_linear_read, label=lambda X, W, dY: f"for X {X.shape}, W {W.shape}",
              mistakes=LINEAR_MISTAKES, pointer=_linear_pointer)
    return True, "dX = dY Wᵀ, dW = Xᵀ dY, db = sum of dY over the examples."


class _Function:
    """f(x) = Σ c·sin(x)·x² with its right gradient and two wrong ones (to be caught)."""

    def __init__(self, c):
        self.c = c

    def f(self, x):
        return float(np.sum(self.c * np.sin(x) * x**2))

    def grad(self, x):
        return self.c * (np.cos(x) * x**2 + 2 * x * np.sin(x))

    def grad_missing_term(self, x):
        return self.c * np.cos(x) * x**2  # the product rule's second term is missing

    def grad_doubled(self, x):
        return 2 * self.grad(x)


EPS = 1e-4  # the checker passes this eps: one-sided differences then stand out clearly


def _central(f, x, eps):
    steps = np.eye(len(x)) * eps
    return np.array([(f(x + h) - f(x - h)) / (2 * eps) for h in steps])


def _forward(f, x, eps):
    return np.array([(f(x + h) - f(x)) / eps for h in np.eye(len(x)) * eps])


def _relative(a, b):
    return np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))


def _error_with(numeric, error):
    """The error a gradient check reports when it builds its gradient with ``numeric``."""
    return lambda f, grad_f, x, eps: float(error(np.asarray(grad_f(x)), numeric(f, x, eps)))


GRADIENT_CHECK_MISTAKES = {
    "forward_difference": Mistake(
        "your error is too large for central differences: it looks like a one-sided "
        "difference, whose error shrinks like eps instead of eps².",
        _error_with(_forward, _relative)),
    "no_half": Mistake(
        "your finite-difference gradient is 2 times too large: check the distance between the "
        "two points you evaluate f at.",
        _error_with(lambda f, x, eps: 2 * _central(f, x, eps), _relative)),
    "absolute": Mistake(
        "that is an absolute error: it grows with the size of the gradients. Make it relative, "
        "so that one threshold works at any scale.",
        _error_with(_central, lambda a, b: np.linalg.norm(a - b))),
    "one_sided_norm": Mistake(
        "your relative error divides by the size of one gradient only; the error asked for "
        "treats the two gradients alike.",
        _error_with(_central, lambda a, b: np.linalg.norm(a - b) / np.linalg.norm(b))),
}
CHANGES_X_HINT = "your function changed x: restore each entry after nudging it."


def _is_right(grad_f):
    return grad_f.__name__ == "grad"


def _gradient_check_cases(rng):
    fixed, x_fixed = _Function(np.ones(4)), np.array([0.3, -1.2, 2.0, 0.7])
    x = rng.uniform(-2, 2, int(rng.integers(3, 7)))
    g = _Function(rng.uniform(0.5, 3, len(x)) * rng.choice([-1, 1], len(x)))
    big = _Function(np.full(1, 1e3))
    one = rng.uniform(0.5, 2, 1)  # a single variable
    return [(fixed.f, fixed.grad, x_fixed, EPS), (fixed.f, fixed.grad_missing_term, x_fixed, EPS),
            (g.f, g.grad, x, EPS), (g.f, g.grad_missing_term, x, EPS),
            (g.f, g.grad_doubled, x, EPS), (big.f, big.grad_missing_term, one, EPS),
            (big.f, big.grad, one, EPS)]


def _expected_error(f, grad_f, x, eps):
    """0 for the right gradient (below 1e-7 passes); the relative error for a wrong one."""
    return 0.0 if _is_right(grad_f) else _relative(np.asarray(grad_f(x)), _central(f, x, eps))


def _gradient_check_label(f, grad_f, x, eps):
    which = "the right gradient" if _is_right(grad_f) else "a wrong gradient"
    return f"for {which} of a function of {len(x)} variable{'s' if len(x) > 1 else ''}"


def _gradient_check_pointer(case, out, expected):
    where = _gradient_check_label(*case)
    if _is_right(case[1]):
        return (f"{where} your error is {out:.2g}, not below 1e-7: check your central "
                "differences.")
    return f"{where} your error is off: check the relative error you compute from the two."


def _read_error(out, where, case):
    value = as_number(out, where)
    if value < 0:
        raise Hint(f"{where} your error is negative; the size of a difference never is.")
    return value


@exercise("gradient_check_error",
          {**GRADIENT_CHECK_MISTAKES, "changes_x": Mistake(CHANGES_X_HINT, None)})
def _check_gradient_check_error(fn):
    cases = _gradient_check_cases(np.random.default_rng())
    f, grad_f, x, eps = cases[0]
    x_passed = x.copy()
    call(fn, (f, grad_f, x_passed, eps), _gradient_check_label(*cases[0]) + ":", copy=False)
    if not np.array_equal(x_passed, x):
        raise Hint(CHANGES_X_HINT)
    run_cases(fn, cases[1:], answer=_expected_error, read=_read_error, label=_gradient_check_label,
              mistakes=GRADIENT_CHECK_MISTAKES, pointer=_gradient_check_pointer, tol=1e-7)
    return True, ("below 1e-7 for a right gradient, about 0.33 for one 2 times too large, and "
                  "clearly above for one missing a term of the product rule.")


def _softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))  # shifted: no overflow for large logits
    return E / E.sum(axis=1, keepdims=True)


def _onehot(y, k):
    return np.eye(k)[y]


SOFTMAX_CE_MISTAKES = {
    "sum": Mistake("yours is n times too large: the loss is a mean over the n examples, so is "
                   "its gradient.", lambda Z, y: _softmax(Z) - _onehot(y, Z.shape[1])),
    "sign": Mistake("the sign is flipped: raising the true class's logit lowers the loss.",
                    lambda Z, y: (_onehot(y, Z.shape[1]) - _softmax(Z)) / len(y)),
    "probs_only": Mistake("that is the softmax alone: the true class's entry must also account "
                          "for the −log of its own probability.",
                          lambda Z, y: _softmax(Z) / len(y)),
    "sigmoid_slope": Mistake("an extra slope factor p(1 − p) has crept in: differentiate "
                             "log-sum-exp minus the true logit directly, no factor survives.",
                             lambda Z, y: (_softmax(Z) - _onehot(y, Z.shape[1]))
                             * _softmax(Z) * (1 - _softmax(Z)) / len(y)),
}


def _softmax_ce_cases(rng):
    cases = [(np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0]]), np.array([0, 2]))]
    n, k = int(rng.integers(3, 9)), int(rng.integers(2, 7))
    cases.append((rng.standard_normal((n, k)) * 3, rng.integers(0, k, size=n)))
    cases.append((rng.standard_normal((1, 4)), np.array([int(rng.integers(0, 4))])))  # one example
    cases.append((np.zeros((3, 3)), np.array([0, 1, 2])))  # all logits tied
    cases.append((np.array([[1000.0, 0.0, -1000.0], [0.0, 800.0, 1.0]]), np.array([2, 1])))  # huge
    return cases


@exercise("softmax_ce_grad", SOFTMAX_CE_MISTAKES)
def _check_softmax_ce_grad(fn):
    run_cases(fn, _softmax_ce_cases(np.random.default_rng()),
              answer=lambda Z, y: (_softmax(Z) - _onehot(y, Z.shape[1])) / len(y),
              read=lambda out, where, case: as_array(out, case[0].shape, "dL/dZ", where),
              label=lambda Z, y: f"for logits of shape {Z.shape} and labels {y.tolist()}",
              mistakes=SOFTMAX_CE_MISTAKES,
              pointer=lambda case, out, expected: (
                  f"for logits of shape {case[0].shape} your dL/dZ is off; each row should sum "
                  "to 0 (raising every logit of a row by the same amount changes nothing)."))
    return True, ("the probabilities minus the truth, over n; no exponential of the loss "
                  "survives, and huge logits stay finite once the softmax is shifted.")


def _two_layer(X, Y, W1, b1, W2, b2, *, slope=None, scale=None, factor=2.0):
    """The four gradients of L = mean((tanh(X W1 + b1) W2 + b2 − Y)²); keywords: wrong attempts."""
    H = np.tanh(X @ W1 + b1)  # the cached hidden activations
    Y_hat = H @ W2 + b2
    dY_hat = factor * (Y_hat - Y) / (Y.size if scale is None else scale(Y))  # the mean: 1/(n·k)
    dW2, db2 = H.T @ dY_hat, dY_hat.sum(axis=0)
    dH = dY_hat @ W2.T
    dZ = dH * ((1 - H**2) if slope is None else slope(H, X @ W1 + b1))  # tanh' = 1 − tanh²
    return [X.T @ dZ, dZ.sum(axis=0), dW2, db2]


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
    return True, ("all four gradients agree with central differences: the sigmoid network of "
                  "section 1 with a new local slope, on a whole batch.")


def _gradient_costs(sizes, batch_size, *, backward=2, fd_passes=2, biases=True, batch=True,
                    first_dX=True):
    """(backprop, finite differences) multiply-adds of an MLP; keywords: wrong attempts."""
    pairs = list(zip(sizes[:-1], sizes[1:]))
    rows = batch_size if batch else 1
    forward = sum(rows * n_in * n_out for n_in, n_out in pairs)  # X W in every Linear layer
    skipped = 0 if first_dX else rows * sizes[0] * sizes[1]  # dX = dY Wᵀ of the first layer
    params = sum((n_in + biases) * n_out for n_in, n_out in pairs)  # weights (+ biases)
    backprop = forward + backward * forward - skipped  # backward: Xᵀ dY and dY Wᵀ per layer
    return [float(backprop), float(fd_passes * params * forward)]  # 2 forward passes per entry


GRADIENT_COSTS_MISTAKES = {
    "no_biases": Mistake("your finite-difference count leaves out some parameters: every bias is "
                         "nudged too.", lambda s, b: _gradient_costs(s, b, biases=False)),
    "backward_once": Mistake("your backprop count is too small: a Linear layer's backward pass "
                             "does two matrix products, each as large as its forward one, on top "
                             "of the forward pass.",
                             lambda s, b: _gradient_costs(s, b, backward=1)),
    "forward_only": Mistake("your backprop count is one forward pass: backprop adds a backward "
                            "pass through every layer.",
                            lambda s, b: _gradient_costs(s, b, backward=0)),
    "one_pass_per_parameter": Mistake("your finite-difference count is half the right one: "
                                      "central differences evaluate the loss on both sides of "
                                      "each parameter.",
                                      lambda s, b: _gradient_costs(s, b, fd_passes=1)),
    "no_batch": Mistake("your counts do not grow with the batch: every matrix product has one "
                        "row per example.", lambda s, b: _gradient_costs(s, b, batch=False)),
    "skip_first_dX": Mistake("you left out dX of the first layer; section 4 counts both backward "
                             "products in every layer, since Linear computes dX even for the "
                             "input.", lambda s, b: _gradient_costs(s, b, first_dX=False)),
}


def _gradient_costs_cases(rng):
    cases = [([784, 128, 10], 32)]
    depth = int(rng.integers(3, 6))
    cases.append(([int(n) for n in rng.integers(2, 40, size=depth)], int(rng.integers(2, 100))))
    cases.append(([int(rng.integers(2, 20)), int(rng.integers(2, 20))], 1))  # one layer, one row
    cases.append(([5, 4, 3, 2], int(rng.integers(3, 9))))
    cases.append(([3, 1], 7))
    return cases


def _read_costs(out, where, case):
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise Hint(f"{where} return the tuple (backprop, finite_differences); got "
                   f"{describe(out)}.")
    return [as_number(value, where) for value in out]


def _gradient_costs_pointer(case, out, expected):
    sizes, batch_size = case
    which = [what for what, got, right in zip(("backprop", "finite_differences"), out, expected)
             if not close(got, right)]
    return (f"for sizes {sizes} and a batch of {batch_size}: {' and '.join(which)} "
            f"{'is' if len(which) == 1 else 'are'} off; count one layer's forward product by "
            "hand, then build the rest from it.")


@exercise("gradient_costs", GRADIENT_COSTS_MISTAKES)
def _check_gradient_costs(fn):
    run_cases(fn, _gradient_costs_cases(np.random.default_rng()), answer=_gradient_costs,
              read=_read_costs, label=lambda sizes, b: f"for sizes {sizes}, batch of {b}",
              mistakes=GRADIENT_COSTS_MISTAKES, pointer=_gradient_costs_pointer, tol=1e-12)
    return True, ("both counts agree with section 4's counter on every network tried. Now use "
                  "them for the questions below.")
