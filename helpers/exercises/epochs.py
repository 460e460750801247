"""Exercises of notebook 04 (epochs, batch size and the noise ball).

- ``never_drawn_fraction``: the expected fraction of examples N draws with replacement miss
- ``growing_batch_sgd``:    SGD whose batch size changes from epoch to epoch (shuffled epochs
                            from one generator, a smaller last batch when B does not divide N)
"""

from __future__ import annotations

import numpy as np

from . import Hint, Mistake, as_array, as_number, call, close, exercise, run_cases

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
    return True, "0.25 for N = 2, about 0.366 for N = 200, tending to 1/e ≈ 0.368."


def _sgd(X, y, w0, lr, sizes, seed, *, order="shuffle", last="mean", scale=2.0, sizes_used=None):
    """The right answer (defaults) or one mistake."""
    rng, n, w = np.random.default_rng(seed), len(X), np.array(w0, dtype=float)
    for b in (sizes_used(sizes) if sizes_used else sizes):
        if order == "new_rng":  # a new generator each epoch: the same order every epoch
            rng = np.random.default_rng(seed)
        idx_all = (np.arange(n) if order == "none" else rng.integers(0, n, n)
                   if order == "replace" else rng.permutation(n))
        for start in range(0, n, b):
            idx = idx_all[start:start + b]
            if last == "drop" and len(idx) < b:
                continue
            divide = {"sum": 1, "n": n, "nominal": b}.get(last, len(idx))
            w = w - lr * scale * X[idx].T @ (X[idx] @ w - y[idx]) / divide
    return w


GROWING_BATCH_MISTAKES = {
    "drop_last": Mistake("your epochs leave out the last, smaller batch: when the batch size "
                         "does not divide N, the examples left over still make one batch.",
                         lambda *c: _sgd(*c, last="drop")),
    "nominal_b": Mistake("your last, smaller batch divides by the batch size of the epoch; its "
                         "gradient is the mean over the examples it holds.",
                         lambda *c: _sgd(*c, last="nominal")),
    "sum": Mistake("your steps are batch-size times too long: the batch loss is a mean over the "
                   "batch, so is its gradient.", lambda *c: _sgd(*c, last="sum")),
    "divide_by_n": Mistake("your steps are B/N times too short: a mini-batch gradient averages "
                           "over the batch, not over the whole data set.",
                           lambda *c: _sgd(*c, last="n")),
    "factor_2": Mistake("your steps are half as long as they should be: differentiate the square "
                        "again.", lambda *c: _sgd(*c, scale=1.0)),
    "first_size": Mistake("every epoch of yours uses the first batch size: epoch e must cut its "
                          "order into batches of batch_sizes[e].",
                          lambda *c: _sgd(*c, sizes_used=lambda s: [s[0]] * len(s))),
    "one_epoch": Mistake("your function makes one epoch whatever batch_sizes says: one epoch per "
                         "entry.", lambda *c: _sgd(*c, sizes_used=lambda s: s[:1])),
    "with_replacement": Mistake("in an epoch each example must be used exactly once: shuffle with "
                                "rng.permutation(N), do not draw indices with replacement.",
                                lambda *c: _sgd(*c, order="replace")),
    "no_shuffle": Mistake("your epochs visit the examples in their stored order: draw a new order "
                          "with rng.permutation(N) at the start of every epoch.",
                          lambda *c: _sgd(*c, order="none")),
    "new_rng": Mistake("every epoch of yours visits the examples in the same order: make the "
                       "generator once, before the first epoch, not at the start of each.",
                       lambda *c: _sgd(*c, order="new_rng")),
}
OWN_RNG_HINT = ("two calls with the same seed gave different w: draw the orders from "
                "rng = np.random.default_rng(seed), not from np.random or an unseeded generator.")


def _cases(rng):
    def data(n, d):
        X = rng.standard_normal((n, d))
        return X, X @ rng.standard_normal(d) + 0.3 * rng.standard_normal(n), rng.standard_normal(d)

    seeds = [int(s) for s in rng.integers(2**31, size=4)]
    fixed = (np.sin(np.arange(20.0)).reshape(10, 2), np.linspace(-1.0, 1.0, 10), np.zeros(2), 0.2,
             [3, 4, 10], 0)  # last batches of 1 and 2 examples, then the full batch
    n = int(rng.integers(20, 40))
    return [fixed,
            (*data(n, 3), 0.05, [int(rng.integers(3, 7)), int(rng.integers(7, 13))], seeds[0]),
            (*data(12, 2), 0.1, [4, 4, 6], seeds[1]),  # every batch full
            (*data(n, 2), 0.02, [1, 2, n - 1, n], seeds[2]),  # a last batch of one example
            (*data(9, 2), 0.1, [5], seeds[3])]  # a single epoch


def _label(X, y, w0, lr, sizes, seed):
    return f"for N = {len(X)} examples, batch_sizes = {list(sizes)}, lr = {lr:.3g}"


@exercise("growing_batch_sgd", GROWING_BATCH_MISTAKES)
def _check_growing_batch_sgd(fn):
    def read(out, where, case):
        return as_array(out, (case[0].shape[1],), "w", where)

    def pointer(case, out, expected):
        again = read(call(fn, case, _label(*case) + ":"), _label(*case) + ":", case)
        if not close(again, out, 1e-12):
            return OWN_RNG_HINT
        return (f"{_label(*case)}: your final w is off. Follow the first epoch by hand: which "
                "rows are in each batch, and what is each batch's gradient?")

    run_cases(fn, _cases(np.random.default_rng()), answer=_sgd, read=read, label=_label,
              mistakes=GROWING_BATCH_MISTAKES, pointer=pointer)
    X, y, w0 = np.eye(4), np.arange(4.0), np.ones(4)
    call(fn, (X, y, w0, 0.1, [2, 3], 0), "", copy=False)
    if not np.all(w0 == 1.0):
        raise Hint("your function changed w0 in place: start from a copy, w = np.array(w0, "
                   "dtype=float), so that the caller's starting point stays as it was.")
    return True, ("every example once per epoch, in a new order each time, the last batch the "
                  "mean over the examples left over.")
