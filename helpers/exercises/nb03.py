"""Exercises of notebooks 03a and 03b (from GD to SGD): a mini-batch gradient and its noise,
epochs, and SGD with a batch that grows.

03a:
- ``minibatch_gradient``:      the gradient of the mean squared error over the rows ``idx`` only
- ``minibatch_variance``:      the variance of a mean over B distinct examples out of N
- ``batch_size_for_variance``: the 1/B law turned round: the smallest batch that is quiet enough
03b:
- ``never_drawn_fraction``:    the expected fraction of examples N draws with replacement miss
- ``growing_batch_sgd``:       SGD whose batch size changes from epoch to epoch (shuffled epochs)
"""

from __future__ import annotations

import math

import numpy as np

from . import Hint, Mistake, as_array, as_number, call, close, exercise, run_cases


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
    large = (X * 1e3, y * 1e3, w, np.sort(batch))
    fit = (X, X @ w, w, batch)  # y = X w: the residual, and so the gradient, is 0
    fixed = (np.sin(np.arange(30.0)).reshape(10, 3), np.linspace(-1, 2, 10),
             np.array([0.5, -1.0, 0.25]), np.array([5, 2, 7, 4]))
    return [fixed, (X, y, w, batch), (X, y, w, one), (X, y, w, rng.permutation(n)), large, fit]


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
    return True, ("σ²/B · (N − B)/(N − 1): σ² for one example, 0 for the whole data set, "
                  "about σ²/B for a small batch.")


NEVER_DRAWN_MISTAKES = {
    "limit": Mistake("1/e is the limit for large N; for a small N work it out exactly "
                     "(N = 2 by hand: four equally likely pairs of draws).",
                     lambda n: float(np.exp(-1.0))),
    "one_draw_hit": Mistake("that is one draw's chance of hitting a given example; you need all "
                            "N draws to miss it.", lambda n: 1 / n),
    "one_draw_miss": Mistake("that is one draw's chance of missing a given example; all N draws "
                             "must miss it.", lambda n: 1 - 1 / n),
    "drawn": Mistake("that is the fraction drawn at least once; the never-drawn ones are asked "
                     "for.", lambda n: 1 - (1 - 1 / n) ** n),
}


@exercise("never_drawn_fraction", NEVER_DRAWN_MISTAKES)
def _check_never_drawn_fraction(fn):
    rng = np.random.default_rng()
    cases = [(3,), *[(int(rng.integers(4, 1000)),) for _ in range(2)], (2,), (1,), (100_000,)]
    run_cases(fn, cases, answer=lambda n: (1 - 1 / n) ** n,  # each draw misses with prob. 1 − 1/N
              read=as_number, label=lambda n: f"for N = {n}", mistakes=NEVER_DRAWN_MISTAKES,
              pointer=lambda case, out, expected: (
                  f"for N = {case[0]} the fraction is off; work out N = 2 by hand (four equally "
                  "likely pairs of draws) and compare."))
    return True, "(1 − 1/N)^N: 0.25 for N = 2, about 0.366 for N = 200, tending to 1/e ≈ 0.368."


def _smallest_batch(sigma2, n, target):
    # σ²/B · (N − B)/(N − 1) ≤ t  ⇔  B ≥ σ² N / (t (N − 1) + σ²); the variance falls as B grows
    return max(1, math.ceil(sigma2 * n / (target * (n - 1) + sigma2)))


BATCH_FOR_VARIANCE_MISTAKES = {
    "no_fpc": Mistake("that batch would be right for draws with replacement; a batch holds "
                      "distinct examples, and a large batch is quieter than the 1/B law says. "
                      "Check a target of 0: only the whole data set has no noise at all.",
                      lambda sigma2, n, t: min(n, max(1, math.ceil(sigma2 / t))) if t > 0 else n),
    "floor": Mistake("your batch is one example too small: its variance is still above the "
                     "target. Round the other way.",
                     lambda sigma2, n, t: max(1, math.ceil(sigma2 * n / (t * (n - 1) + sigma2))
                                          - 1)),
    "std": Mistake("you treated the target as a standard deviation; it is a variance.",
                   lambda sigma2, n, t: _smallest_batch(sigma2, n, t**2)),
}


def _variance_for_batch_cases(rng):
    random = []
    for _ in range(3):
        n = int(rng.integers(50, 5000))
        sigma2 = float(rng.uniform(0.5, 500))
        b = int(rng.integers(2, n // 2))  # a target between the variances of b − 1 and b
        t = _variance(sigma2, n, b) + float(rng.uniform(0.2, 0.8)) * (
            _variance(sigma2, n, b - 1) - _variance(sigma2, n, b))
        random.append((sigma2, n, t))
    edges = [(372.0, 200, 400.0),  # above σ²: one example is quiet enough
             (5.0, 100, 0.0),  # no noise at all: only the whole data set
             (50.0, 1000, 0.3),  # a large batch, where the correction matters
             (2.0, 10**6, 0.0013)]  # a huge data set: about σ²/t
    return [(372.0, 200, 10.0), *random, *edges]


@exercise("batch_size_for_variance", BATCH_FOR_VARIANCE_MISTAKES)
def _check_batch_size_for_variance(fn):
    def read(out, where, case):
        value = as_number(out, where, case)
        if value != round(value):
            raise Hint(f"{where} your function returned a number with a fractional part: a "
                       "batch size is a whole number of examples (round it, the right way).")
        return value

    run_cases(fn, _variance_for_batch_cases(np.random.default_rng()), answer=_smallest_batch,
              read=read, label=lambda sigma2, n, t: f"for σ² = {sigma2:.4g}, N = {n}, "
              f"target = {t:.4g}", mistakes=BATCH_FOR_VARIANCE_MISTAKES,
              pointer=lambda case, out, expected: (
                  f"for σ² = {case[0]:.4g}, N = {case[1]}, target = {case[2]:.4g} your batch "
                  "size is not the smallest one whose variance is at most the target: compute "
                  "the variance at your B and at B − 1 and compare."))
    return True, ("the smallest B with σ²/B · (N − B)/(N − 1) ≤ target: halving the target "
                  "doubles the batch, until the correction for distinct examples takes over.")


# The probe: with X the identity matrix, example i touches weight i only, and each use of it in
# epoch e multiplies w[i] − y[i] by (1 − 2·lr/B_e). After epochs that use every example exactly
# once each, w is the same whatever the order of the examples: a right answer to compare with.

def _probe(y, w0, lr, sizes, *, grad_scale=None):
    scale = (lambda b, n: 2.0 / b) if grad_scale is None else grad_scale
    factor = np.prod([1 - lr * scale(b, len(y)) for b in sizes])
    return y + (w0 - y) * factor


SGD_WITH_REPLACEMENT_HINT = (
    "your result changes with the batches drawn even where every right epoch gives the same "
    "result: in an epoch each example must be used exactly once (shuffle the indices, then cut "
    "them into batches), not drawn at random with replacement.")
SGD_NO_SHUFFLE_HINT = ("your function gives the same w for two different generators rng: "
                       "shuffle the examples with rng at the start of every epoch.")
SGD_OWN_RNG_HINT = ("two calls with generators made from the same seed gave different w: draw "
                    "the random order from the rng passed in (not from np.random or a new "
                    "generator), so that a run can be repeated.")

GROWING_BATCH_MISTAKES = {
    "sum": Mistake("your steps are batch-size times too long: the batch loss is a mean over the "
                   "batch, so is its gradient.",
                   lambda X, y, w0, lr, sizes, rng: _probe(y, w0, lr, sizes,
                                                           grad_scale=lambda b, n: 2.0)),
    "divide_by_n": Mistake("your steps are B/N times too short: a mini-batch gradient averages "
                           "over the batch, not over the whole data set.",
                           lambda X, y, w0, lr, sizes, rng: _probe(
                               y, w0, lr, sizes, grad_scale=lambda b, n: 2 / n)),
    "factor_2": Mistake("your steps are half as long as they should be: differentiate the square "
                        "again.", lambda X, y, w0, lr, sizes, rng: _probe(
                            y, w0, lr, sizes, grad_scale=lambda b, n: 1.0 / b)),
    "first_size": Mistake("every epoch of yours uses the first batch size: epoch e must cut its "
                          "order into batches of batch_sizes[e].",
                          lambda X, y, w0, lr, sizes, rng: _probe(y, w0, lr,
                                                                  [sizes[0]] * len(sizes))),
    "one_epoch": Mistake("your function makes one epoch whatever batch_sizes says: one epoch per "
                         "entry.", lambda X, y, w0, lr, sizes, rng: _probe(y, w0, lr, sizes[:1])),
    "with_replacement": Mistake(SGD_WITH_REPLACEMENT_HINT, None),
    "no_shuffle": Mistake(SGD_NO_SHUFFLE_HINT, None),
    "own_rng": Mistake(SGD_OWN_RNG_HINT, None),
}


def _probe_cases(rng):
    fixed_y = np.linspace(-1.0, 1.0, 12)
    cases = [(np.eye(12), fixed_y, np.full(12, 2.0), 0.3, [2, 4, 12])]
    for sizes in ([int(rng.integers(1, 4)), int(rng.integers(4, 9))],  # growing
                  [int(rng.integers(5, 9)), 2, 1],  # shrinking
                  [int(rng.integers(2, 5))] * 2):  # constant: plain mini-batch SGD
        n = math.lcm(*sizes) * int(rng.integers(1, 3))  # every batch full: order-free probe
        y = rng.standard_normal(n)
        w0 = y + rng.choice([-1, 1], n) * rng.uniform(0.5, 2.0, n)  # w0[i] ≠ y[i]
        cases.append((np.eye(n), y, w0, float(rng.uniform(0.05, 0.4)), sizes))
    seeds = [0, *rng.integers(2**31, size=len(cases) - 1)]  # the fixed case: a fixed seed
    return [(*case, np.random.default_rng(int(seed))) for case, seed in zip(cases, seeds)]


def _probe_label(X, y, w0, lr, sizes, rng):
    return (f"for {len(X)} examples (X the identity matrix), batch_sizes = {list(sizes)}, "
            f"lr = {lr:.3g}")


def _read_w(out, where, case):
    return as_array(out, (case[0].shape[1],), "w", where)


def _regression(rng, n, d):
    X = rng.standard_normal((n, d))
    y = X @ (2 * rng.standard_normal(d)) + 0.5 * rng.standard_normal(n)
    return X, y


EXCESS_LOSS_BOUND = 0.05  # the run below ends near 0.001 (300 seeds); the start is near 12


@exercise("growing_batch_sgd", GROWING_BATCH_MISTAKES)
def _check_growing_batch_sgd(fn):
    rng = np.random.default_rng()

    def probe_pointer(case, out, expected):
        again = _read_w(call(fn, (*case[:-1], np.random.default_rng(int(rng.integers(2**31)))),
                             _probe_label(*case) + ":"), _probe_label(*case) + ":", case)
        if not close(again, out, 1e-12):
            raise Hint(SGD_WITH_REPLACEMENT_HINT)
        return (f"{_probe_label(*case)}: your final w is off. Here example i moves w[i] only, so "
                "you can follow one weight by hand: how many times is each example used, and "
                "with which batch size?")

    run_cases(fn, _probe_cases(rng), answer=lambda X, y, w0, lr, sizes, r: _probe(y, w0, lr, sizes),
              read=_read_w, label=_probe_label,
              mistakes={k: m for k, m in GROWING_BATCH_MISTAKES.items() if m.wrong is not None},
              pointer=probe_pointer)

    X, y = _regression(rng, 40, 3)
    seed = int(rng.integers(2**31))
    where = "for 40 random examples, batch_sizes = [4, 8]:"
    runs = [_read_w(call(fn, (X, y, np.zeros(3), 0.05, [4, 8], np.random.default_rng(s)),
                         where), where, (X,)) for s in (seed, seed, seed + 1)]
    if not close(runs[0], runs[1], 1e-12):
        raise Hint(SGD_OWN_RNG_HINT)
    if close(runs[0], runs[2], 1e-12):
        raise Hint(SGD_NO_SHUFFLE_HINT)

    X, y = _regression(rng, 100, 3)
    sizes = [4, 4, 8, 8, 16, 16, 32, 32, 64, 64]
    where = f"for 100 noisy examples, batch_sizes = {sizes}, lr = 0.05:"
    w = _read_w(call(fn, (X, y, np.zeros(3), 0.05, sizes,
                          np.random.default_rng(int(rng.integers(2**31)))), where), where, (X,))
    w_star = np.linalg.lstsq(X, y, rcond=None)[0]
    excess = float(np.mean((X @ w - y) ** 2) - np.mean((X @ w_star - y) ** 2))
    if not excess <= EXCESS_LOSS_BOUND:
        raise Hint(f"{where} the loss of your final w is {excess:.3g} above the least-squares "
                   f"minimum, where SGD gets below {EXCESS_LOSS_BOUND}: check the last, smaller "
                   "batch of each epoch and how w is updated.")
    return True, ("every example once per epoch, in a new order each time, cut into that "
                  "epoch's batch size: a second run with the same seed repeats the first.")
