"""Every self-checking exercise accepts right answers, rejects wrong ones, never gives the answer.

For every registered exercise: the solution passes on many calls (the cases are partly random),
a constant answer fails, each mistake the checker diagnoses gets the hint naming it (and no hint
recites the solution), and a function that raises, returns None, the wrong kind of thing or NaN
gets a plain hint instead of a traceback.
"""

import importlib.util
import math
import re
from pathlib import Path

import numpy as np
import pytest

from helpers import exercises

SOLUTIONS = Path(__file__).resolve().parents[1] / "solutions"


def _solution_functions() -> dict:
    found = {}
    for path in sorted(SOLUTIONS.glob("[0-9][0-9]*_*.py")):
        spec = importlib.util.spec_from_file_location(f"solutions_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for name, value in vars(module).items():
            if callable(value) and not name.startswith("_") and value.__module__ == module.__name__:
                found[name] = value
    return found


SOLUTION_FUNCTIONS = _solution_functions()
NAMES = exercises.names()


def _copy(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (tuple, list)):
        return type(value)(_copy(v) for v in value)
    return value


class Recorder:
    """Wraps a learner function; records each call's arguments and the solution's output."""

    def __init__(self, name, fn):
        self.solution, self.fn, self.calls = SOLUTION_FUNCTIONS[name], fn, []

    def __call__(self, *args):
        self.calls.append((_copy(args), self.solution(*_copy(args))))
        return self.fn(*args)


# ---------------------------------------------------------------------------------------------
# Learners' functions with one common mistake each, written as a learner would write them


def _batch(X, y, idx):
    return X[idx], y[idx], len(idx)


def _mb_sum(X, y, w, idx):
    X_b, y_b, _ = _batch(X, y, idx)
    return 2 * X_b.T @ (X_b @ w - y_b)


def _numeric(f, x, eps, forward=False, no_half=False):
    grad = np.zeros(len(x))
    for i in range(len(x)):
        old = x[i]
        x[i] = old + eps
        f_plus = f(x)
        x[i] = old if forward else old - eps
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (eps if forward or no_half else 2 * eps)
    return grad


def _gc(error, **numeric_kwargs):
    def gradient_check_error(f, grad_f, x, eps=1e-6):
        return error(np.asarray(grad_f(x)), _numeric(f, x, eps, **numeric_kwargs))
    return gradient_check_error


def _gc_changes_x(f, grad_f, x, eps=1e-6):
    a, b = np.asarray(grad_f(x)), np.zeros(len(x))
    for i in range(len(x)):
        x[i] += eps
        f_plus = f(x)
        x[i] -= 2 * eps
        b[i] = (f_plus - f(x)) / (2 * eps)  # x[i] is never put back
    return np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))


def _rel(a, b):
    return np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b))


def _momentum(p, g, buf, lr, mu):
    buf = mu * buf + g
    return p - lr * buf, buf


def _adam(p, g, m, v, t, lr, beta1, beta2, eps, *, correct=True, t_used=None, m_weight=None,
          v_term=None, sqrt=np.sqrt, return_hats=False):
    m = beta1 * m + (1 - beta1 if m_weight is None else m_weight) * g
    v = beta2 * v + (1 - beta2) * (g**2 if v_term is None else v_term(g))
    t_used = t if t_used is None else t_used
    m_hat = m / (1 - beta1**t_used) if correct else m
    v_hat = v / (1 - beta2**t_used) if correct else v
    p = p - lr * m_hat / (sqrt(v_hat) + eps)
    return (p, m_hat, v_hat) if return_hats else (p, m, v)


def _sm(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def _softmax_ce_by_logsumexp(Z, y):
    shift = Z.max(axis=1, keepdims=True)
    log_p = Z - shift - np.log(np.exp(Z - shift).sum(axis=1, keepdims=True))  # log softmax
    return (np.exp(log_p) - np.eye(Z.shape[1])[y]) / len(y)


def _accuracy_ties(logits, y):
    return np.mean(logits[np.arange(len(y)), y] == logits.max(axis=1))


def _confusion_fancy(y_true, y_pred, num_classes):
    counts = np.zeros((num_classes, num_classes), dtype=int)
    counts[y_true, y_pred] += 1  # repeated pairs are counted once
    return counts


def _confusion_fraction(y_true, y_pred, num_classes):
    return SOLUTION_FUNCTIONS["confusion_matrix_counts"](y_true, y_pred, num_classes) / len(y_true)


def _escaped(escaped_at, num_steps, op=np.less_equal, never=False, divide=None):
    t = np.arange(num_steps + 1)
    hit = op(escaped_at[:, None], t) & ((escaped_at[:, None] >= 0) | never)
    return hit.sum(axis=0) / (len(escaped_at) if divide is None else divide(escaped_at))


def _deep_side(x, well):
    return x < well.barrier if well.deep_min < well.barrier else x > well.barrier


# ---- the exercises that need more than a formula: learner-style loops with one mistake each


def _steps_loop(lr, x0, tol, max_steps, *, extra=0, relative=False, cap=False, slope=2.0):
    target = tol * abs(x0) if relative else tol
    x = x0
    for t in range(max_steps + 1):
        if abs(x) <= target:
            return t + extra
        x = x - lr * slope * x
    return max_steps if cap else None


def _steps_closed_form(lr, x0, tol, max_steps):
    if abs(x0) <= tol:
        return 0
    r = abs(1 - 2 * lr)
    if r == 0:
        return 1
    if r >= 1:
        return None
    t = math.ceil(math.log(tol / abs(x0)) / math.log(r))  # |x0|·r^t ≤ tol
    while abs(x0) * r ** (t - 1) <= tol:  # guard against rounding in the logarithms
        t -= 1
    return t if t <= max_steps else None


def _eig_max(A):
    return np.linalg.eigvalsh(A)[-1]


def _heavy_ball_loop(kappa, lr, momentum, tol, max_steps, *, mode="right", extra=0, cap=False):
    x, buf = np.array([1.0, 1.0]), np.zeros(2)
    lam = np.array([1.0, kappa])
    for t in range(max_steps + 1):
        with np.errstate(over="ignore", invalid="ignore"):  # some of these runs diverge
            if np.linalg.norm(x) <= tol:
                return t + extra
        g = lam * x
        if mode == "old_buffer":
            x = x - lr * buf
            buf = momentum * buf + g
            continue
        buf = momentum * buf + ((1 - momentum) * g if mode == "dampened" else g)
        x = x - lr * (g if mode == "no_momentum" else buf)
    return max_steps if cap else None


def _heavy_ball_velocity(kappa, lr, momentum, tol, max_steps):
    # the same method written without a buffer: x_{t+1} = x_t − lr·g + β(x_t − x_{t−1})
    x, x_prev = np.array([1.0, 1.0]), np.array([1.0, 1.0])
    for t in range(max_steps + 1):
        if math.hypot(*x) <= tol:
            return t
        x, x_prev = x - lr * np.array([1.0, kappa]) * x + momentum * (x - x_prev), x
    return None


def _first_escape_loop(paths, well, *, level=None, left=None, never=-1, last=False, shift=0):
    into = (well.barrier + well.deep_min) / 2 if level is None else level(well)
    deep_left = well.deep_min < well.barrier if left is None else left
    steps = []
    for run in np.asarray(paths).T:
        found = never
        for t, x in enumerate(run):
            if (x < into) if deep_left else (x > into):
                found = t + shift
                if not last:
                    break
        steps.append(found)
    return np.array(steps)


def _in_batches(predict, X, y, b, *, how="right"):
    if how == "whole":
        return np.mean(np.argmax(predict(X), axis=1) == y)
    stop = len(X) // b * b if how == "drops_last" else len(X)
    correct, accuracies, seen = 0, [], 0
    for start in range(0, stop, b):
        hits = np.argmax(predict(X[start:start + b]), axis=1) == y[start:start + b]
        correct += hits.sum()
        accuracies.append(hits.mean())
        seen += len(hits)
    if how == "mean_of_means":
        return np.mean(accuracies)
    if how == "last_batch_only":
        return accuracies[-1]
    if how == "count":
        return correct
    return correct / seen


def _two_layer_buggy(X, Y, W1, b1, W2, b2, *, slope="tanh", divide="all", two=2.0):
    Z = X @ W1 + b1
    H = np.tanh(Z)
    n_div = {"all": Y.size, "rows": len(Y), "none": 1}[divide]
    dY = two * (H @ W2 + b2 - Y) / n_div
    dH = dY @ W2.T
    local = {"tanh": 1 - H**2, "sigmoid": H * (1 - H), "none": 1.0, "z": 1 - Z**2}[slope]
    dZ = dH * local
    return X.T @ dZ, dZ.sum(axis=0), H.T @ dY, dY.sum(axis=0)


def _two_layer_per_example(X, Y, W1, b1, W2, b2):
    grads = [np.zeros_like(W1), np.zeros_like(b1), np.zeros_like(W2), np.zeros_like(b2)]
    for x, t in zip(X, Y):  # one example at a time, then the mean over all entries
        h = np.tanh(x @ W1 + b1)
        d_out = 2 * (h @ W2 + b2 - t) / Y.size
        d_z = (W2 @ d_out) * (1 - np.tanh(x @ W1 + b1) ** 2)
        for g, step in zip(grads, (np.outer(x, d_z), d_z, np.outer(h, d_out), d_out)):
            g += step
    return tuple(grads)


def _rmsprop_loop(a, x0, lr, alpha, eps, num_steps, *, sqrt=np.sqrt, weight=None, old_v=False,
                  sign=1.0):
    x, v, path = x0, 0.0, [x0]
    for _ in range(num_steps):
        g = a * x
        v_new = alpha * v + ((1 - alpha) if weight is None else weight) * g * g
        x = x - sign * lr * g / (sqrt(v if old_v else v_new) + eps)
        v = v_new
        path.append(x)
    return np.array(path)


def _adamw_buggy(p, g, m, v, t, lr, b1, b2, eps, wd, *, how):
    if how == "l2":
        return _adam(p, g + wd * p, m, v, t, lr, b1, b2, eps)
    if how == "after":
        new_p, m, v = _adam(p, g, m, v, t, lr, b1, b2, eps)
        return new_p * (1 - lr * wd), m, v
    shrink = 1 - wd if how == "no_lr" else 1 - lr * wd
    return _adam(p * shrink, g, m, v, t, lr, b1, b2, eps, correct=how != "no_bias_correction")


BUGGY = {
    "gd_step": {
        "uphill": lambda x, lr: x + lr * 2 * x,
        "half_slope": lambda x, lr: x - lr * x,
        "step_only": lambda x, lr: -lr * 2 * x,
        "no_lr": lambda x, lr: x - 2 * x,
        "value_not_slope": lambda x, lr: x - lr * x**2,
    },
    "stable_lr_bound": {
        "twice": lambda a: 2 / a,
        "one_step": lambda a: 1 / (2 * a),
        "grows_with_a": lambda a: a,
    },
    "best_lr_bowl": {
        "edge": lambda lo, hi: 2 / hi,
        "steep_only": lambda lo, hi: 1 / hi,
        "shallow_only": lambda lo, hi: 1 / lo,
        "half": lambda lo, hi: 1 / (lo + hi),
        "grows": lambda lo, hi: (lo + hi) / 2,
    },
    "contraction_factor": {
        "steep_lr": lambda k: 1 - 1 / k,
        "sign": lambda k: (1 - k) / (1 + k),
        "squared": lambda k: ((k - 1) / (k + 1)) ** 2,
        "root_kappa": lambda k: (math.sqrt(k) - 1) / (math.sqrt(k) + 1),
    },
    "minibatch_gradient": {
        "all_rows": lambda X, y, w, idx: 2 * X.T @ (X @ w - y) / len(X),
        "first_rows": lambda X, y, w, idx: 2 * X[: len(idx)].T @ (X[: len(idx)] @ w
                                                                   - y[: len(idx)]) / len(idx),
        "divide_by_n": lambda X, y, w, idx: _mb_sum(X, y, w, idx) / len(X),
        "sum": _mb_sum,
        "factor_2": lambda X, y, w, idx: _mb_sum(X, y, w, idx) / 2 / len(idx),
        "sign": lambda X, y, w, idx: -_mb_sum(X, y, w, idx) / len(idx),
    },
    "minibatch_variance": {
        "with_replacement": lambda s, n, b: s / b,
        "n_not_n_minus_1": lambda s, n, b: s / b * (n - b) / n,
        "b_squared": lambda s, n, b: s / b**2 * (n - b) / (n - 1),
        "std": lambda s, n, b: math.sqrt(s / b * (n - b) / (n - 1)),
    },
    "never_drawn_fraction": {
        "limit": lambda n: math.exp(-1),
        "one_draw_hit": lambda n: 1 / n,
        "one_draw_miss": lambda n: 1 - 1 / n,
        "drawn": lambda n: 1 - (1 - 1 / n) ** n,
    },
    "softmax_ce_grad": {
        "sum": lambda Z, y: _sm(Z) - np.eye(Z.shape[1])[y],
        "sign": lambda Z, y: (np.eye(Z.shape[1])[y] - _sm(Z)) / len(y),
        "probs_only": lambda Z, y: _sm(Z) / len(y),
        "sigmoid_slope": lambda Z, y: (_sm(Z) - np.eye(Z.shape[1])[y]) * _sm(Z) * (1 - _sm(Z))
        / len(y),
    },
    "linear_backward": {
        "db_mean": lambda X, W, dY: (dY @ W.T, X.T @ dY, dY.mean(axis=0)),
        "dw_mean": lambda X, W, dY: (dY @ W.T, X.T @ dY / len(X), dY.sum(axis=0)),
        "sign": lambda X, W, dY: (-dY @ W.T, -X.T @ dY, -dY.sum(axis=0)),
    },
    "gradient_check_error": {
        "forward_difference": _gc(_rel, forward=True),
        "no_half": _gc(_rel, no_half=True),
        "absolute": _gc(lambda a, b: np.linalg.norm(a - b)),
        "one_sided_norm": _gc(lambda a, b: np.linalg.norm(a - b) / np.linalg.norm(b)),
        "changes_x": _gc_changes_x,
    },
    "updates_per_epoch": {
        "round_down": lambda n, b: n // b,
        "fraction": lambda n, b: n / b,
        "nearest": lambda n, b: round(n / b),
        "one_too_many": lambda n, b: n // b + 1,
        "product": lambda n, b: n * b,
    },
    "accuracy_from_logits": {
        "count": lambda logits, y: np.sum(np.argmax(logits, axis=1) == y),
        "percent": lambda logits, y: 100 * np.mean(np.argmax(logits, axis=1) == y),
        "error_rate": lambda logits, y: np.mean(np.argmax(logits, axis=1) != y),
        "axis": lambda logits, y: np.mean(np.argmax(logits, axis=0) == y),
        "ties": _accuracy_ties,
    },
    "confusion_matrix_counts": {
        "transposed": lambda t, p, k: SOLUTION_FUNCTIONS["confusion_matrix_counts"](p, t, k),
        "fraction": _confusion_fraction,
        "repeats_once": _confusion_fancy,
    },
    "sgd_momentum_step": {
        "keras": lambda p, g, buf, lr, mu: (p + (mu * buf - lr * g), mu * buf - lr * g),
        "plain_step": lambda p, g, buf, lr, mu: (p - lr * g, mu * buf + g),
        "old_buffer_step": lambda p, g, buf, lr, mu: (p - lr * buf, mu * buf + g),
        "old_buffer_returned": lambda p, g, buf, lr, mu: (_momentum(p, g, buf, lr, mu)[0], buf),
        "uphill": lambda p, g, buf, lr, mu: (p + lr * (mu * buf + g), mu * buf + g),
        "dampened": lambda p, g, buf, lr, mu: (p - lr * (mu * buf + (1 - mu) * g),
                                               mu * buf + (1 - mu) * g),
    },
    "optimal_momentum": {
        "not_squared": lambda k: (math.sqrt(k) - 1) / (math.sqrt(k) + 1),
        "kappa_not_root": lambda k: ((k - 1) / (k + 1)) ** 2,
        "gd_rate": lambda k: (k - 1) / (k + 1),
    },
    "adam_step": {
        "no_bias_correction": lambda *a: _adam(*a, correct=False),
        "bias_correction_t_plus_1": lambda *a: _adam(*a, t_used=a[4] + 1),
        "no_sqrt": lambda *a: _adam(*a, sqrt=lambda v: v),
        "returns_hats": lambda *a: _adam(*a, return_hats=True),
        "m_weights": lambda *a: _adam(*a, m_weight=1.0),
        "v_of_abs_g": lambda *a: _adam(*a, v_term=np.abs),
    },
    "sgd_noise_scale": {
        "with_replacement": lambda lr, b, n: lr / b,
        "n_not_n_minus_1": lambda lr, b, n: lr / b * (n - b) / n,
        "times_b": lambda lr, b, n: lr * b * (n - b) / (n - 1),
        "b_squared": lambda lr, b, n: lr / b**2 * (n - b) / (n - 1),
    },
    "fraction_in_deep_basin": {
        "count": lambda x, well: np.sum(_deep_side(x, well)),
        "assume_left": lambda x, well: np.mean(x < well.barrier),
        "shallow": lambda x, well: np.mean(~_deep_side(x, well)),
        "split_at_0": lambda x, well: np.mean(x < 0) if well.deep_min < 0 else np.mean(x > 0),
    },
    "escaped_by_step": {
        "counts": lambda e, n: _escaped(e, n, divide=lambda e: 1),
        "never_counted": lambda e, n: _escaped(e, n, never=True),
        "strict": lambda e, n: _escaped(e, n, op=np.less),
        "share_of_escaped": lambda e, n: _escaped(e, n, divide=lambda e: np.sum(e >= 0)),
    },
    "steps_to_tolerance": {
        "one_more": lambda *a: _steps_loop(*a, extra=1),
        "one_less": lambda *a: _steps_loop(*a, extra=-1),
        "relative": lambda *a: _steps_loop(*a, relative=True),
        "cap_count": lambda *a: _steps_loop(*a, cap=True),
        "half_slope": lambda *a: _steps_loop(*a, slope=1.0),
    },
    "max_stable_lr": {
        "diagonal": lambda A: 2 / np.max(np.diag(A)),
        "shallow": lambda A: 2 / np.linalg.eigvalsh(A)[0],
        "half": lambda A: 1 / _eig_max(A),
        "best_lr": lambda A: 2 / (np.linalg.eigvalsh(A)[0] + _eig_max(A)),
    },
    "two_layer_grads": {
        "sigmoid_slope": lambda *a: _two_layer_buggy(*a, slope="sigmoid"),
        "no_slope": lambda *a: _two_layer_buggy(*a, slope="none"),
        "slope_of_z": lambda *a: _two_layer_buggy(*a, slope="z"),
        "sum": lambda *a: _two_layer_buggy(*a, divide="none"),
        "mean_over_rows": lambda *a: _two_layer_buggy(*a, divide="rows"),
        "factor_2": lambda *a: _two_layer_buggy(*a, two=1.0),
    },
    "accuracy_in_batches": {
        "whole_set": lambda *a: _in_batches(*a, how="whole"),
        "mean_of_means": lambda *a: _in_batches(*a, how="mean_of_means"),
        "drops_last": lambda *a: _in_batches(*a, how="drops_last"),
        "last_batch_only": lambda *a: _in_batches(*a, how="last_batch_only"),
        "count": lambda *a: _in_batches(*a, how="count"),
    },
    "fit_update_cost": {
        "plain": lambda B, t: tuple(np.polyfit(B, t, 1))[::-1],
        "weighted_twice": lambda B, t: tuple(np.polyfit(B, t, 1, w=1 / t**2))[::-1],
        "swapped": lambda B, t: tuple(np.polyfit(B, t, 1, w=1 / t)),
        "through_origin": lambda B, t: (0.0, float(np.sum(B / t) / np.sum((B / t) ** 2))),
        "two_ends": lambda B, t: (t[0] - (t[-1] - t[0]) / (B[-1] - B[0]) * B[0],
                                  (t[-1] - t[0]) / (B[-1] - B[0])),
        "mean_per_example": lambda B, t: (0.0, float(np.mean(t / B))),
    },
    "lr_for_update_ratio": {
        "no_weights": lambda W, g, t: t / np.linalg.norm(g),
        "inverted": lambda W, g, t: t * np.linalg.norm(g) / np.linalg.norm(W),
        "squared": lambda W, g, t: t * np.linalg.norm(W) ** 2 / np.linalg.norm(g) ** 2,
        "no_target": lambda W, g, t: np.linalg.norm(W) / np.linalg.norm(g),
    },
    "rmsprop_path": {
        "no_sqrt": lambda *a: _rmsprop_loop(*a, sqrt=lambda v: v),
        "full_weight": lambda *a: _rmsprop_loop(*a, weight=1.0),
        "old_v": lambda *a: _rmsprop_loop(*a, old_v=True),
        "uphill": lambda *a: _rmsprop_loop(*a, sign=-1.0),
    },
    "adamw_step": {how: (lambda *a, how=how: _adamw_buggy(*a, how=how))
                   for how in ("l2", "no_lr", "after", "no_bias_correction")},
    "heavy_ball_steps": {
        "no_momentum": lambda *a: _heavy_ball_loop(*a, mode="no_momentum"),
        "dampened": lambda *a: _heavy_ball_loop(*a, mode="dampened"),
        "old_buffer": lambda *a: _heavy_ball_loop(*a, mode="old_buffer"),
        "one_more": lambda *a: _heavy_ball_loop(*a, extra=1),
        "cap_count": lambda *a: _heavy_ball_loop(*a, cap=True),
    },
    "first_escape_step": {
        "argmax_never": lambda p, w: _first_escape_loop(p, w, never=0),
        "barrier": lambda p, w: _first_escape_loop(p, w, level=lambda well: well.barrier),
        "assume_left": lambda p, w: _first_escape_loop(p, w, left=True),
        "last": lambda p, w: _first_escape_loop(p, w, last=True),
        "shifted": lambda p, w: _first_escape_loop(p, w, shift=1),
    },
    "update_ratio": {
        "after": lambda b, a: np.linalg.norm(a - b) / np.linalg.norm(a),
        "difference_of_norms": lambda b, a: np.linalg.norm(a) / np.linalg.norm(b) - 1,
        "per_weight": lambda b, a: np.mean(np.abs((a - b) / b)),
        "squared": lambda b, a: np.sum((a - b) ** 2) / np.sum(b**2),
    },
    "dead_fraction": {
        "zero_entries": lambda out: np.mean(out == 0),
        "rows": lambda out: np.mean([not row.any() for row in out]),
        "count": lambda out: np.sum(out.max(axis=0) == 0),
        "any_zero": lambda out: np.mean(out.min(axis=0) == 0),
    },
    "top_eigenvalue": {
        "norm": lambda mv, v0, k: np.linalg.norm(mv(_power_vector(mv, v0, k))),
        "no_iteration": lambda mv, v0, k: v0 @ mv(v0) / (v0 @ v0),
        "first_component": lambda mv, v0, k: (mv(_power_vector(mv, v0, k))[0]
                                              / _power_vector(mv, v0, k)[0]),
    },
    "he_std": {
        "variance": lambda fan_in: 2 / fan_in,
        "no_two": lambda fan_in: 1 / math.sqrt(fan_in),
        "sqrt_outside": lambda fan_in: math.sqrt(2) / fan_in,
    },
    "dropout_forward_backward": {
        "no_rescale": lambda X, dY, keep, p: (X * keep, dY * keep),
        "divide_by_p": lambda X, dY, keep, p: (np.where(keep, X / p, 0.0),
                                               np.where(keep, dY / p, 0.0)),
        "times_keep_prob": lambda X, dY, keep, p: (X * keep * (1 - p), dY * keep * (1 - p)),
        "forward_only": lambda X, dY, keep, p: (X * keep / (1 - p), dY * keep),
        "inverted_mask": lambda X, dY, keep, p: (X * ~keep / (1 - p), dY * ~keep / (1 - p)),
    },
}


def _power_vector(matvec, v0, num_iters):
    v = v0 / np.linalg.norm(v0)
    for _ in range(num_iters):
        v = matvec(v)
        v = v / np.linalg.norm(v)
    return v


# Pieces of each solution that no hint may recite.
FORMULAS = {
    "gd_step": ["x − lr", "x - lr", "2x", "2·x", "2 * x", "lr·2", "f'(x) = 2"],
    "stable_lr_bound": ["1/a", "1 / a", "2a", "2·a"],
    "best_lr_bowl": ["2/(λ_min + λ_max)", "λ_min + λ_max", "|1 − lr·λ_min| = |1 − lr·λ_max|"],
    "contraction_factor": ["(κ − 1)/(κ + 1)", "κ − 1", "κ - 1"],
    "minibatch_gradient": ["2 (xᵢ·w − yᵢ) xᵢ", "X_B w − y_B", "Xᵀ", "X.T", "X_bᵀ", "2/B"],
    "minibatch_variance": ["(N − B)/(N − 1)", "N − B", "σ²/B ·"],
    "never_drawn_fraction": ["(1 − 1/N)^N", "(1 − 1/N)", "(1 - 1/N)", "1 − 1/N"],
    "linear_backward": ["dY Wᵀ", "Xᵀ dY", "dY @ W.T", "X.T @ dY", "W.T", "Wᵀ"],
    "softmax_ce_grad": ["P − onehot", "p - onehot", "onehot(y)) /", "- 1) / n", "/ len(y)"],
    "gradient_check_error": ["(f(x + eps", "/ (2 eps)", "/ (2·eps)", "2·eps", "||a|| + ||b||"],
    "updates_per_epoch": ["⌈", "ceil", "round up", "-(-"],
    "accuracy_from_logits": ["argmax(logits, axis=1)", "axis=1", "np.mean(", "== y"],
    "confusion_matrix_counts": ["np.add.at", "for true, predicted in zip"],
    "sgd_momentum_step": ["μ·buf + g", "momentum * buf + g", "p − lr·buf", "p - lr * buf"],
    "optimal_momentum": ["((√κ − 1)/(√κ + 1))²", "(√κ − 1)/(√κ + 1)", "√κ − 1"],
    "adam_step": ["1 − β1^t", "1 - beta1**t", "m̂/(√v̂ + eps)", "β1·m + (1 − β1)·g",
                  "β2·v + (1 − β2)·g²", "√v̂ + eps"],
    "sgd_noise_scale": ["(N − B)/(N − 1)", "lr/B ·", "N − B"],
    "fraction_in_deep_basin": ["x_final < well.barrier", "np.mean(x_final", "< well.barrier"],
    "escaped_by_step": ["0 <= escaped_at <= t", "escaped_at <= t", "(escaped_at >= 0)"],
    "steps_to_tolerance": ["x - lr * 2 * x", "x − lr·2x", "abs(x) <= tol", "range(max_steps + 1)",
                           "1 − 2·lr"],
    "max_stable_lr": ["2/λ_max", "2 / λ_max", "2.0 / lam_max", "eigvalsh(A).max()", "2/λ"],
    "two_layer_grads": ["1 − H²", "1 - H**2", "1 - H ** 2", "/ Y.size", "dH * (1", "Hᵀ dL"],
    "accuracy_in_batches": ["correct / len(X)", "correct +=", "/ len(X)"],
    "fit_update_cost": ["lstsq", "w=1/t", "w=1 / t", "1/t", "1 / t", "t[:, None]"],
    "lr_for_update_ratio": ["target * np.linalg.norm(W)", "norm(W) / np.linalg.norm(grad_W)"],
    "rmsprop_path": ["g / (np.sqrt(v) + eps)", "(1 - alpha) * g", "√v + eps", "(1 − α)·g²"],
    "adamw_step": ["1 - lr * weight_decay", "(1 − lr·λ)", "1 − lr·λ", "p * (1 - lr"],
    "heavy_ball_steps": ["momentum * buf + g", "μ·buf + g", "x - lr * buf", "x − lr·buf"],
    "first_escape_step": ["(well.barrier + well.deep_min) / 2", "deep.any(axis=0)",
                          "np.where(deep.any"],
    "update_ratio": ["W_after - W_before", "norm(W_after - W_before) /", "/ np.linalg.norm(W_b"],
    "dead_fraction": ["axis=0", "np.all(", "== 0, axis"],
    "top_eigenvalue": ["hv / np.linalg.norm(hv)", "v @ matvec(v)", "v · Hv"],
    "he_std": ["sqrt(2 / fan_in)", "√(2/fan_in)", "2/fan_in", "2 / fan_in"],
    "dropout_forward_backward": ["/ (1 - p)", "/(1 − p)", "keep / (1", "dY * scale"],
}


def _per_notebook_tables() -> None:
    """Merge the SHARED_BUGGY and SHARED_FORMULAS tables of the per-notebook files
    tests/test_exercises_nb*.py into BUGGY and FORMULAS (exercises added with a topic's parts keep
    their buggy versions next to their own tests)."""
    for path in sorted(Path(__file__).resolve().parent.glob("test_exercises_nb*.py")):
        spec = importlib.util.spec_from_file_location(f"_tables_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for table, extra in ((BUGGY, "SHARED_BUGGY"), (FORMULAS, "SHARED_FORMULAS")):
            for name, value in getattr(module, extra, {}).items():
                assert name not in table, f"{path.name} defines {extra}[{name!r}] twice"
                table[name] = value


_per_notebook_tables()


def _assert_no_formula(name, feedback):
    for piece in FORMULAS[name]:
        assert piece not in feedback, f"the hint recites {piece!r}: {feedback}"


def test_there_are_exercises():
    assert len(NAMES) >= 26


@pytest.mark.parametrize("name", NAMES)
def test_every_exercise_has_a_solution(name):
    assert name in SOLUTION_FUNCTIONS, f"solutions/ has no function named {name!r}"


@pytest.mark.parametrize("name", NAMES)
def test_the_solution_passes_on_many_calls(name):
    for _ in range(20):  # the cases are partly random: every draw must accept the solution
        ok, feedback = exercises.run_check(name, SOLUTION_FUNCTIONS[name])
        assert ok, feedback


@pytest.mark.parametrize("name", NAMES)
def test_the_cases_change_from_call_to_call(name):
    runs = [Recorder(name, SOLUTION_FUNCTIONS[name]) for _ in range(2)]
    for run in runs:
        exercises.run_check(name, run)
    first, second = ([re.sub(r" at 0x[0-9a-f]+", "", repr(call), flags=re.IGNORECASE)
                      for call in run.calls]
                     for run in runs)
    assert len(first) >= 4  # several cases, not one
    assert first[0] == second[0]  # the first case is fixed
    assert first != second  # and some are drawn afresh


@pytest.mark.parametrize("name", NAMES)
def test_a_constant_answer_fails(name):
    recorder = Recorder(name, SOLUTION_FUNCTIONS[name])
    exercises.run_check(name, recorder)
    constant = recorder.calls[0][1]  # the right answer on the first case, every time
    for _ in range(5):
        ok, feedback = exercises.run_check(name, lambda *args: _copy(constant))
        assert not ok
        assert feedback
        _assert_no_formula(name, feedback)


@pytest.mark.parametrize("name", NAMES)
def test_every_diagnosed_mistake_has_a_buggy_function_here(name):
    assert set(BUGGY[name]) == set(exercises.mistakes(name)), name


@pytest.mark.parametrize(
    "name, mistake", [(name, mistake) for name in BUGGY for mistake in BUGGY[name]])
def test_a_mistake_gets_the_hint_that_names_it(name, mistake):
    expected_hint = exercises.mistakes(name)[mistake]
    _assert_no_formula(name, expected_hint)
    for _ in range(5):  # on fresh random cases every time
        ok, feedback = exercises.run_check(name, BUGGY[name][mistake])
        assert not ok
        assert feedback == expected_hint


def _accuracy_stable_softmax(logits, y):
    z = np.exp(logits - logits.max(axis=1, keepdims=True))
    return np.mean(np.argmax(z / z.sum(axis=1, keepdims=True), axis=1) == y)


def _momentum_in_place(p, g, buf, lr, momentum):
    buf *= momentum
    buf += g
    p -= lr * buf
    return p, buf


def _gc_with_copies(f, grad_f, x, eps=1e-6):
    numeric = np.array([(f(x + e) - f(x - e)) / (2 * eps) for e in np.eye(len(x)) * eps])
    analytic = grad_f(x)
    return np.linalg.norm(analytic - numeric) / (np.linalg.norm(analytic)
                                                 + np.linalg.norm(numeric))


def _escaped_loop(escaped_at, num_steps):
    shares = []
    for t in range(num_steps + 1):
        shares.append(sum(1 for s in escaped_at if 0 <= s <= t) / len(escaped_at))
    return shares


# Right answers written differently from the solutions: they must pass too.
ALTERNATIVES = {
    "gd_step": lambda x, lr: (1 - 2 * lr) * x,
    "stable_lr_bound": lambda a: a**-1,
    "updates_per_epoch": lambda n, b: math.ceil(n / b),
    "never_drawn_fraction": lambda n: ((n - 1) / n) ** n,
    "minibatch_gradient": lambda X, y, w, idx: sum(2 * (X[i] @ w - y[i]) * X[i] for i in idx)
    / len(idx),
    "linear_backward": lambda X, W, dY: (np.einsum("bo,io->bi", dY, W),
                                         np.einsum("bi,bo->io", X, dY), dY.sum(axis=0)),
    "gradient_check_error": _gc_with_copies,
    "softmax_ce_grad": _softmax_ce_by_logsumexp,
    "accuracy_from_logits": _accuracy_stable_softmax,
    "confusion_matrix_counts": lambda t, p, k: np.bincount(t * k + p, minlength=k * k)
    .reshape(k, k),
    "sgd_momentum_step": _momentum_in_place,
    "fraction_in_deep_basin": lambda x, well: np.mean(
        np.sign(np.asarray(x) - well.barrier) == np.sign(well.deep_min - well.barrier)),
    "escaped_by_step": _escaped_loop,
    "steps_to_tolerance": _steps_closed_form,
    "max_stable_lr": lambda A: 2 / np.max(np.abs(np.linalg.eigvals(A))),
    "two_layer_grads": _two_layer_per_example,
    "accuracy_in_batches": lambda p, X, y, b: np.mean(np.concatenate(
        [np.argmax(p(X[i:i + b]), axis=1) == y[i:i + b] for i in range(0, len(X), b)])),
    "heavy_ball_steps": _heavy_ball_velocity,
    "first_escape_step": _first_escape_loop,
    "update_ratio": lambda b, a: np.sqrt(np.sum((a - b) ** 2) / np.sum(b**2)),
    "dead_fraction": lambda out: np.mean([not col.any() for col in out.T]),
    "top_eigenvalue": lambda mv, v0, k: (lambda v: (v @ mv(v)) / (v @ v))(
        _power_vector(mv, v0, k)),
    "he_std": lambda fan_in: (2.0 / fan_in) ** 0.5,
    "dropout_forward_backward": lambda X, dY, keep, p: (np.where(keep, X, 0) / (1 - p),
                                                        np.where(keep, dY, 0) / (1 - p)),
}


@pytest.mark.parametrize("name", sorted(ALTERNATIVES))
def test_a_right_answer_written_differently_passes(name):
    for _ in range(10):
        ok, feedback = exercises.run_check(name, ALTERNATIVES[name])
        assert ok, feedback


def _with_nan(value):
    if isinstance(value, (tuple, list)):
        return type(value)(_with_nan(v) for v in value)
    arr = np.array(value, dtype=float)
    arr.flat[0] = np.nan
    return arr if arr.ndim else float(arr)


@pytest.mark.parametrize("name", NAMES)
def test_a_raising_function_gets_a_plain_hint(name):
    def raises(*args):
        raise ValueError("operands could not be broadcast")

    ok, feedback = exercises.run_check(name, raises)
    assert not ok
    assert "raised ValueError: operands could not be broadcast" in feedback
    assert f"line {raises.__code__.co_firstlineno + 1}" in feedback  # the learner's own line


@pytest.mark.parametrize("name", NAMES)
def test_a_function_returning_none_gets_a_plain_hint(name):
    ok, feedback = exercises.run_check(name, lambda *args: None)
    assert not ok
    assert "None" in feedback


@pytest.mark.parametrize("name", NAMES)
def test_a_function_returning_nan_gets_a_plain_hint(name):
    solution = SOLUTION_FUNCTIONS[name]
    for fn in (lambda *args: float("nan"), lambda *args: _with_nan(solution(*args))):
        ok, feedback = exercises.run_check(name, fn)
        assert not ok
        assert "nan" in feedback.lower()


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("returned, named", [("seven", "'seven'"), (np.zeros(7), "(7,)"),
                                             ([1, 2, 3, 4, 5, 6, 7], "7 items")])
def test_the_wrong_kind_of_result_gets_a_hint_naming_it(name, returned, named):
    ok, feedback = exercises.run_check(name, lambda *args: returned)
    assert not ok
    assert named in feedback


def _formats(value: float) -> set[str]:
    return {f"{value:g}", f"{value:.4g}", f"{value:.3g}", f"{value:.2g}", f"{value:.2f}",
            repr(value)}


def _numbers_in(args) -> set[str]:
    found = set()
    for a in args:
        if isinstance(a, (int, float)) and not isinstance(a, bool):
            found |= _formats(float(a)) | {str(a)}
    return found


@pytest.mark.parametrize("name", NAMES)
def test_no_hint_contains_the_expected_number(name):
    solution = SOLUTION_FUNCTIONS[name]
    recorder = Recorder(name, solution)
    exercises.run_check(name, recorder)
    if not all(expected is None or isinstance(expected, (int, float, np.number))
               for _, expected in recorder.calls):
        pytest.skip("the answer is not one number (arrays, tuples: their own tests check hints)")
    wrong_ones = [lambda *args: float(solution(*args)) * 1.01 + 0.01,
                  lambda *args: -float(solution(*args)), *BUGGY[name].values()]
    for wrong in wrong_ones:
        recorder = Recorder(name, wrong)
        ok, feedback = exercises.run_check(name, recorder)
        assert not ok
        for args, expected in recorder.calls:
            if expected is None:  # "never": no number to give away
                continue
            expected = float(expected)
            shown = _formats(expected) - _numbers_in(args) - {str(k) for k in range(11)}
            for text in shown:
                pattern = rf"(?<![\d.\-−]){re.escape(text)}(?![\d])"
                assert not re.search(pattern, feedback), f"{text} (the answer) is in: {feedback}"


def test_the_unfinished_stub_gets_the_same_hint_everywhere():
    def stub(*args, **kwargs):
        raise NotImplementedError

    for name in NAMES:
        assert exercises.run_check(name, stub) == (
            False, "replace `raise NotImplementedError` with your code and run the cell again.")


def test_check_prints_the_verdict(capsys):
    name = NAMES[0]
    assert exercises.check(name, SOLUTION_FUNCTIONS[name]) is None  # the cell shows only the text
    assert capsys.readouterr().out.startswith("Correct!")
    exercises.check(name, lambda *args: None)
    assert capsys.readouterr().out.startswith("Not yet: ")


def test_an_unknown_exercise_name_is_a_clear_error():
    with pytest.raises(ValueError, match="name must be one of"):
        exercises.check("no_such_exercise", print)


# ---- what the statements of the exercises that need thought promise the learner


def test_first_escape_steps_agree_with_the_steps_run_sgd_records():
    from helpers.lab.escape import make_well, run_sgd

    well = make_well()
    runs = run_sgd(well, 0.0125, 1, 1000, num_runs=50, record=50, seed=0)
    steps = SOLUTION_FUNCTIONS["first_escape_step"](runs.paths, well)
    assert np.array_equal(steps, runs.escaped_at)
    assert 0 < np.mean(steps >= 0) < 1  # some runs escape and some do not: a real comparison


def test_momentum_at_its_best_needs_several_times_fewer_steps_than_gd_at_its_best():
    count = SOLUTION_FUNCTIONS["heavy_ball_steps"]
    kappa = 100.0
    gd = count(kappa, 2 / (1 + kappa), 0.0, 1e-6, 5000)
    momentum = count(kappa, 4 / (1 + math.sqrt(kappa)) ** 2,
                     SOLUTION_FUNCTIONS["optimal_momentum"](kappa), 1e-6, 5000)
    assert gd is not None and momentum is not None
    assert gd > 5 * momentum  # the rates per step differ by about √κ = 10


def test_gd_steps_are_symmetric_about_lr_one_half():
    count = SOLUTION_FUNCTIONS["steps_to_tolerance"]
    assert count(0.5, 3.0, 1e-6, 10_000) == 1
    assert count(0.1, 3.0, 1e-6, 10_000) == count(0.9, 3.0, 1e-6, 10_000) == 67
    assert count(1.0, 3.0, 1e-6, 10_000) is None


def test_a_learner_returning_inf_for_never_is_told_to_return_none():
    ok, feedback = exercises.run_check("steps_to_tolerance", lambda *args: math.inf)
    assert not ok
    assert "return None" in feedback


def test_batch_accuracy_that_averages_the_batches_is_caught_even_with_a_right_first_batch():
    def mean_of_means(predict, X, y, batch_size):
        return np.mean([np.mean(np.argmax(predict(X[i:i + batch_size]), axis=1)
                                == y[i:i + batch_size]) for i in range(0, len(X), batch_size)])

    ok, feedback = exercises.run_check("accuracy_in_batches", mean_of_means)
    assert not ok
    assert "mean of the means" in feedback
