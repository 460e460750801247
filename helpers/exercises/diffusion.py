"""Exercises of deep dive D3 (noise, escape and diffusion).

- ``fraction_in_deep_basin``: which side of the barrier the final positions of many runs are on
  (a diverged run, NaN, counts as a run that is not in the deep basin)
- ``lr_for_mean_wait``:       the learning rate at which Kramers' law predicts a given mean wait
  (to a relative precision of 1e-6; None when no lr in [0.001, 1] gives it)
"""

from __future__ import annotations

import math

import numpy as np

from ..kit.text import plural
from ..objectives import DoubleWell
from ..topics.diffusion import deep_side, kramers_escape_time, temperature
from . import Hint, Mistake, as_number, call, exercise, log_uniform, run_cases


def _share(x, well, side=deep_side):
    return float(np.mean(side(well, x)))


BASIN_MISTAKES = {
    "count": Mistake("that is a count: return a share between 0 and 1 of the runs.",
                     lambda x, well: float(np.sum(deep_side(well, x)))),
    "assume_left": Mistake("with a negative tilt the deep minimum is on the right: find the "
                           "deep side from well.deep_min, do not assume it is on the left.",
                           lambda x, well: _share(x, well, lambda w, v: v < w.barrier)),
    "shallow": Mistake("that is the share in the shallow basin; the deep one is asked for.",
                       lambda x, well: _share(x, well, lambda w, v: ~deep_side(w, v)
                                              & np.isfinite(v))),
    "nan_deep": Mistake("a run that diverged (NaN) is not in the deep basin: you counted it as "
                        "if it were (1 minus the share on the shallow side?).",
                        lambda x, well: 1 - _share(x, well, lambda w, v: ~deep_side(w, v)
                                                   & np.isfinite(v))),
    "drop_nan": Mistake("you left the diverged runs (NaN) out of the count of runs: they are "
                        "runs too, just not in the deep basin; divide by all of them.",
                        lambda x, well: _share(x[np.isfinite(x)], well)
                        if np.isfinite(x).any() else 0.0),
    "split_at_0": Mistake("the two basins meet at the top of the barrier, well.barrier, which "
                          "is not exactly at x = 0.",
                          lambda x, well: _share(x, well, lambda w, v: (v < 0) if w.deep_min < 0
                                                 else (v > 0))),
    "at_barrier": Mistake("a final x exactly at the barrier is not in the deep basin (the "
                          "exercise says so): compare strictly.",
                          lambda x, well: _share(x, well, lambda w, v: deep_side(w, v)
                                                 | (v == w.barrier))),
}


def _basin_cases(rng):
    right, left = DoubleWell(n_examples=8, tilt=0.3), DoubleWell(n_examples=8, tilt=-0.3)
    first = np.array([-1.3, -0.9, -0.4, 0.02, 0.05, 0.06, 0.3, 0.95, 1.2, np.nan, -0.06, 0.5, 0.7])
    tilted = DoubleWell(n_examples=8, tilt=float(rng.uniform(0.1, 1.2) * rng.choice([-1, 1])))
    random = rng.uniform(-1.6, 1.6, int(rng.integers(5, 60)))
    random[rng.random(len(random)) < 0.2] = np.nan  # some runs diverged
    near = np.array([-0.07, -0.05, -0.02, 0.01, 0.3, -1.0, np.nan])  # around left's barrier
    return [(first, right), (random, tilted), (near, left),
            (np.array([right.barrier, -1.0, 1.0, right.barrier]), right),  # exactly at the top
            (np.array([np.nan, np.nan]), left), (np.array([0.9]), DoubleWell(8, tilt=-1.0))]


@exercise("fraction_in_deep_basin", BASIN_MISTAKES)
def _check_fraction_in_deep_basin(fn):
    run_cases(fn, _basin_cases(np.random.default_rng()), answer=_share, read=as_number,
              label=lambda x, well: f"for {len(x)} runs ({int(np.isnan(x).sum())} diverged) "
                                    f"with tilt = {well.tilt:.3g}",
              mistakes=BASIN_MISTAKES,
              pointer=lambda case, out, expected: (
                  f"for {len(case[0])} runs with tilt = {case[1].tilt:.3g} the share is off; a "
                  "run's basin is the minimum it would roll down to, and a diverged run has "
                  "none."))
    return True, ("you split the runs at the barrier, found the deep side from the minimum, "
                  "and counted diverged runs as runs outside it.")


LOW, HIGH, PRECISION = 1e-3, 1.0, 1e-6


def _lr_for_wait(well, wait_steps, batch_size, sigma2, *, steps=lambda tau, lr: tau / lr,
                 temp=None):
    """The lr in [LOW, HIGH] at which the wait in steps is wait_steps (None if none is)."""
    def wait(lr):
        T = (temp or temperature)(lr, batch_size, well.n_examples, sigma2)
        return steps(kramers_escape_time(well, T), lr)

    if not wait(HIGH) <= wait_steps <= wait(LOW):  # the wait falls as lr grows
        return None
    low, high = LOW, HIGH
    while high / low > 1 + PRECISION / 10:
        mid = math.sqrt(low * high)  # halve the interval on a log scale
        low, high = (mid, high) if wait(mid) > wait_steps else (low, mid)
    return math.sqrt(low * high)


WAIT_HOW = {  # the mistake: its hint, and what it changes in the right computation
    "time_not_steps": ("kramers_escape_time gives the wait as a time lr·t, not in steps: "
                       "convert it to steps before you compare it with wait_steps.",
                       {"steps": lambda tau, lr: tau}),
    "times_lr": ("the time is lr × steps, so a number of steps is the time divided by lr, not "
                 "multiplied.", {"steps": lambda tau, lr: tau * lr}),
    "no_batch": ("the temperature depends on the batch size too: a batch of B examples has "
                 "less noise than one example.", {"temp": lambda lr, b, n, s2: lr * s2}),
    "with_replacement": ("nearly: a batch holds B distinct examples, so its noise carries the "
                         "finite-population factor as well (check B = N, which has no noise).",
                         {"temp": lambda lr, b, n, s2: lr * s2 / b}),
}
# compared as log(lr / the right lr), the form the checker reads a learner's answer in
WAIT_MISTAKES = {key: Mistake(hint, lambda *c, how=how: _log_ratio(_lr_for_wait(*c, **how), c))
                 for key, (hint, how) in WAIT_HOW.items()}


def _wait_cases(rng):
    well = DoubleWell(n_examples=64, tilt=0.3)  # the well of D3
    cases = [(well, 1000, 1, 64.0), (well, int(rng.integers(2000, 50000)), 4, 64.0),
             (DoubleWell(n_examples=32, tilt=-0.4), 5000, 8, 100.0), (well, 2000, 16, 64.0)]
    while len(cases) < 6:  # random wells whose answer lies well inside [0.001, 1]
        n = int(rng.integers(16, 200))
        case = (DoubleWell(n_examples=n, tilt=float(rng.uniform(0.15, 0.6) * rng.choice([-1, 1]))),
                int(rng.integers(300, 20000)), int(rng.integers(2, n // 4)),
                log_uniform(rng, 10.0, 200.0))
        if 0.003 < (_lr_for_wait(*case) or 0) < 0.3:
            cases.append(case)
    return cases


def _wait_label(well, wait_steps, batch_size, sigma2):
    return (f"for a mean wait of {plural(wait_steps, 'step')}, B = {batch_size}, "
            f"N = {well.n_examples}, σ² = {sigma2:.4g}, tilt = {well.tilt:.3g}")


@exercise("lr_for_mean_wait", WAIT_MISTAKES)
def _check_lr_for_mean_wait(fn):
    def read(out, where, case):  # compared as log(lr / right lr): a relative precision
        return _log_ratio(as_number(out, where, case), case)

    def pointer(case, out, expected):
        if abs(out) < 0.01:
            return (f"{_wait_label(*case)}: your lr is close, but not to the relative precision "
                    f"{PRECISION:g} asked: go on halving until high/low < 1 + {PRECISION:g}.")
        return (f"{_wait_label(*case)}: the learning rate is off: at your lr, compute the wait "
                "in steps that Kramers' law predicts and compare it with wait_steps.")

    run_cases(fn, _wait_cases(np.random.default_rng()), answer=lambda *case: 0.0, read=read,
              label=_wait_label, mistakes=WAIT_MISTAKES, pointer=pointer,
              tol=PRECISION)
    well = DoubleWell(n_examples=64, tilt=0.3)
    for case, why in (((well, 1, 1, 64.0), "shorter than the wait even at lr = 1"),
                      ((well, 10**15, 1, 64.0), "longer than the wait even at lr = 0.001")):
        out = call(fn, case, _wait_label(*case) + ":")
        if out is not None:
            raise Hint(f"{_wait_label(*case)} ({why}) your function returned "
                       f"{out!r}: return None when no lr from {LOW:g} to {HIGH:g} gives the wait.")
    return True, ("at your learning rate Kramers' law predicts the wait you asked for; now run "
                  "it and see how close the runs come.")


def _log_ratio(lr, case):
    right = _lr_for_wait(*case)
    return 10.0 if lr is None or right is None else math.log(lr / right) if lr > 0 else -10.0
