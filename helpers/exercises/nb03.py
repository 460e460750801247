"""Exercises of notebook 03 (from GD to SGD): a mini-batch gradient, its variance, SGD itself.

- ``minibatch_gradient``:   the gradient of the mean squared error over the rows ``idx`` only
- ``minibatch_variance``:   the variance of a mean over B distinct examples out of N
- ``never_drawn_fraction``: the expected fraction of examples N draws with replacement miss
- ``minibatch_sgd``:        the whole SGD loop: shuffled epochs of mini-batch steps
"""

from __future__ import annotations

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


# The probe: with X the identity matrix, example i touches weight i only, and each use of it
# multiplies w[i] − y[i] by (1 − 2·lr/B). After E epochs that use every example exactly once each,
# w is the same whatever the order of the examples: a right answer to compare with exactly.

def _probe(y, w0, lr, b, epochs, *, grad_scale=None, num_epochs=None):
    scale = 2.0 / b if grad_scale is None else grad_scale(b, len(y))
    uses = epochs if num_epochs is None else num_epochs
    return y + (w0 - y) * (1 - lr * scale) ** uses


SGD_WITH_REPLACEMENT_HINT = (
    "your result changes with the batches drawn even where every right epoch gives the same "
    "result: in an epoch each example must be used exactly once (shuffle the indices, then cut "
    "them into batches), not drawn at random with replacement.")
SGD_NO_SHUFFLE_HINT = ("your function gives the same w for two different generators rng: "
                       "shuffle the examples with rng at the start of every epoch.")
SGD_OWN_RNG_HINT = ("two calls with generators made from the same seed gave different w: draw "
                    "the random order from the rng passed in (not from np.random or a new "
                    "generator), so that a run can be repeated.")

MINIBATCH_SGD_MISTAKES = {
    "sum": Mistake("your steps are batch_size times too long: the batch loss is a mean over the "
                   "batch, so is its gradient.",
                   lambda X, y, w0, lr, b, e, rng: _probe(y, w0, lr, b, e,
                                                         grad_scale=lambda b, n: 2.0)),
    "divide_by_n": Mistake("your steps are B/N times too short: a mini-batch gradient averages "
                           "over the batch, not over the whole data set.",
                           lambda X, y, w0, lr, b, e, rng: _probe(y, w0, lr, b, e,
                                                                  grad_scale=lambda b, n: 2 / n)),
    "factor_2": Mistake("your steps are half as long as they should be: differentiate the square "
                        "again.", lambda X, y, w0, lr, b, e, rng: _probe(
                            y, w0, lr, b, e, grad_scale=lambda b, n: 1.0 / b)),
    "one_epoch": Mistake("your function makes one epoch whatever num_epochs says.",
                         lambda X, y, w0, lr, b, e, rng: _probe(y, w0, lr, b, e, num_epochs=1)),
    "with_replacement": Mistake(SGD_WITH_REPLACEMENT_HINT, None),
    "no_shuffle": Mistake(SGD_NO_SHUFFLE_HINT, None),
    "own_rng": Mistake(SGD_OWN_RNG_HINT, None),
}


def _probe_cases(rng):
    fixed_y = np.linspace(-1.0, 1.0, 12)
    cases = [(np.eye(12), fixed_y, np.full(12, 2.0), 0.3, 4, 3)]
    random = (int(rng.integers(2, 7)), int(rng.integers(2, 6)), int(rng.integers(1, 4)))
    for b, m, epochs in [random,
                         (1, int(rng.integers(3, 9)), 2),  # one example per step
                         (int(rng.integers(3, 9)), 1, 2)]:  # the full batch: GD
        n = b * m
        y = rng.standard_normal(n)
        w0 = y + rng.choice([-1, 1], n) * rng.uniform(0.5, 2.0, n)  # w0[i] ≠ y[i]
        cases.append((np.eye(n), y, w0, b * float(rng.uniform(0.05, 0.4)), b, epochs))
    seeds = [0, *rng.integers(2**31, size=len(cases) - 1)]  # the fixed case: a fixed seed
    return [(*case, np.random.default_rng(int(seed))) for case, seed in zip(cases, seeds)]


def _probe_label(X, y, w0, lr, b, epochs, rng):
    return (f"for {len(X)} examples (X the identity matrix), batch_size = {b}, lr = {lr:.3g}, "
            f"num_epochs = {epochs}")


def _read_w(out, where, case):
    return as_array(out, (case[0].shape[1],), "w", where)


def _regression(rng, n, d):
    X = rng.standard_normal((n, d))
    y = X @ (2 * rng.standard_normal(d)) + 0.5 * rng.standard_normal(n)
    return X, y


EXCESS_LOSS_BOUND = 0.05  # SGD's run below ends under 0.011 (300 seeds); the start is near 12


@exercise("minibatch_sgd", MINIBATCH_SGD_MISTAKES)
def _check_minibatch_sgd(fn):
    rng = np.random.default_rng()

    def probe_pointer(case, out, expected):
        again = _read_w(call(fn, (*case[:-1], np.random.default_rng(int(rng.integers(2**31)))),
                             _probe_label(*case) + ":"), _probe_label(*case) + ":", case)
        if not close(again, out, 1e-12):
            raise Hint(SGD_WITH_REPLACEMENT_HINT)
        return (f"{_probe_label(*case)}: your final w is off. Here example i moves w[i] only, so "
                "you can follow one weight by hand: how many times is each example used?")

    run_cases(fn, _probe_cases(rng), answer=lambda X, y, w0, lr, b, e, r: _probe(y, w0, lr, b, e),
              read=_read_w, label=_probe_label,
              mistakes={k: m for k, m in MINIBATCH_SGD_MISTAKES.items() if m.wrong is not None},
              pointer=probe_pointer)

    X, y = _regression(rng, 40, 3)
    seed = int(rng.integers(2**31))
    where = "for 40 random examples, batch_size = 8:"
    runs = [_read_w(call(fn, (X, y, np.zeros(3), 0.05, 8, 2, np.random.default_rng(s)), where),
                    where, (X,)) for s in (seed, seed, seed + 1)]
    if not close(runs[0], runs[1], 1e-12):
        raise Hint(SGD_OWN_RNG_HINT)
    if close(runs[0], runs[2], 1e-12):
        raise Hint(SGD_NO_SHUFFLE_HINT)

    X, y = _regression(rng, 100, 3)
    where = "for 100 noisy examples, batch_size = 16, lr = 0.05, 10 epochs:"
    w = _read_w(call(fn, (X, y, np.zeros(3), 0.05, 16, 10,
                          np.random.default_rng(int(rng.integers(2**31)))), where), where, (X,))
    w_star = np.linalg.lstsq(X, y, rcond=None)[0]
    excess = float(np.mean((X @ w - y) ** 2) - np.mean((X @ w_star - y) ** 2))
    if not excess <= EXCESS_LOSS_BOUND:
        raise Hint(f"{where} the loss of your final w is {excess:.3g} above the least-squares "
                   f"minimum, where SGD gets below {EXCESS_LOSS_BOUND}: check the last, smaller "
                   "batch of each epoch and how w is updated.")
    return True, ("every example once per epoch, in a new order each time: a second run with the "
                  "same seed repeats the first, another seed takes another path to the same "
                  "noise ball.")
