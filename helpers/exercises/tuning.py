"""Exercise of notebook 08 (tuning): a learning-rate search that widens its own grid.

- ``widen_grid``: score a log grid; while the best lr is at an end, score one more beyond it
"""

from __future__ import annotations

import math

import numpy as np

from helpers.kit.text import plural

from . import Hint, Mistake, describe, exercise, log_uniform, run_cases

MAX_CALLS = 300  # a search that scores more learning rates than this is not stopping


class _Score:
    """The checker's score(lr): a peak on a log scale, flat within ``flat`` decades of ``peak``
    (so that neighbours can tie); it counts its calls, so that an endless loop ends in a hint."""

    def __init__(self, peak: float, flat: float = 0.0):
        self.peak, self.flat, self.calls = peak, flat, 0

    def __call__(self, lr):
        self.calls += 1
        if self.calls > MAX_CALLS:
            raise Hint(f"your function scored more than {MAX_CALLS} learning rates without "
                       "returning: does its loop stop once the best lr is no longer at an end?")
        lr = float(lr)
        if not lr > 0:
            raise Hint(f"your function asked for the score of lr = {lr:g}: every lr here is "
                       "positive (divide the smallest by factor, multiply the largest by it).")
        decades = max(0.0, abs(math.log10(lr) - math.log10(self.peak)) - self.flat)
        return 0.95 - 0.02 * decades**2

    def __repr__(self):
        return f"score(peak={self.peak:.6g}, flat={self.flat:g})"


def _widen(score, lrs, factor, *, once=False, tie="smaller", both=False, order="sorted"):
    """The rule, and (by keyword) the common wrong attempts at it."""
    scores = {float(lr): score(lr) for lr in lrs}
    tried = [float(lr) for lr in lrs]
    while True:
        ranked = sorted(scores) if tie == "smaller" else sorted(scores, reverse=True)
        best = max(ranked, key=scores.get)  # the first maximum: the tie rule
        low, high = min(scores), max(scores)
        if best not in (low, high):
            break
        new = [low / factor, high * factor] if both else [low / factor if best == low
                                                          else high * factor]
        for lr in new:
            scores[lr] = score(lr)
            tried.append(lr)
        if once:
            break
    return np.array(sorted(scores) if order == "sorted" else tried)  # an array, as read gives


WIDEN_MISTAKES = {
    "once": Mistake("your grid grew by one lr at most: keep widening while the best lr is still "
                    "at an end (a while loop, not an if).",
                    lambda *case: _widen(*case, once=True)),
    "tie_larger": Mistake("on a tie for the best score your function took the larger lr; the "
                          "exercise says the smaller one counts as best.",
                          lambda *case: _widen(*case, tie="larger")),
    "both_ends": Mistake("you widened both ends at once: add one lr, beyond the end where the "
                         "best lr is, then look again.", lambda *case: _widen(*case, both=True)),
    "unsorted": Mistake("the right learning rates, in the order you scored them: return them "
                        "in increasing order.", lambda *case: _widen(*case, order="tried")),
    "start_only": Mistake("you returned the starting grid as it was: the grid must grow while "
                          "the best lr is at one of its ends.", lambda s, lrs, f: np.array(lrs)),
}


def _grid(low: float, factor: float, n: int) -> list:
    return [low * factor**k for k in range(n)]


def _widen_cases(rng):
    factor = float(rng.choice([2.0, 3.0, 10.0]))
    n = int(rng.integers(2, 6))
    low = log_uniform(rng, 1e-4, 1.0)
    return [
        (_Score(30.0), [0.001, 0.01, 0.1], 10.0),  # the peak far above: three widenings
        (_Score(log_uniform(rng, 1e-6, 1e2)), _grid(low, factor, n), factor),  # anywhere
        (_Score(0.02), [0.01, 0.03, 0.1, 0.3], 3.0),  # inside already: nothing to add
        (_Score(1e-6), [1e-3, 1e-2], 10.0),  # far below, from a grid of two
        (_Score(0.03, flat=0.6), [0.01, 0.1, 1.0], 10.0),  # the low end ties the middle
        (_Score(0.3, flat=0.6), [0.01, 0.1, 1.0], 10.0),  # the top end ties the middle
        (_Score(log_uniform(rng, 1e-3, 10.0)), _grid(log_uniform(rng, 1e-3, 0.1), 2.0, 3), 2.0),
    ]


def _widen_read(out, where, case):
    if isinstance(out, (str, bytes)) or not isinstance(out, (list, tuple, np.ndarray)):
        raise Hint(f"{where} return the list of every lr you scored, in increasing order; got "
                   f"{describe(out)}.")
    try:
        arr = np.asarray(out, dtype=float)
    except (TypeError, ValueError):
        raise Hint(f"{where} return a list of numbers; got {describe(out)}.") from None
    if arr.ndim != 1:
        raise Hint(f"{where} return a flat list of learning rates; got shape {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        raise Hint(f"{where} your list holds {'nan' if np.isnan(arr).any() else 'inf'}.")
    return arr


def _widen_pointer(case, out, expected):
    mine = (f"{plural(len(out), 'lr')}, from {out.min():g} to {out.max():g}" if len(out)
            else "an empty list")
    return (f"{_widen_label(*case)}: the lrs you return ({mine}) are not the ones the rule "
            "scores here: check which lr is best after each new score, and when your loop stops.")


def _widen_label(score, lrs, factor):
    return f"for the start grid [{', '.join(f'{lr:g}' for lr in lrs)}] and factor {factor:g}"


@exercise("widen_grid", WIDEN_MISTAKES)
def _check_widen_grid(fn):
    run_cases(fn, _widen_cases(np.random.default_rng()), answer=_widen, read=_widen_read,
              label=_widen_label, mistakes=WIDEN_MISTAKES, pointer=_widen_pointer, tol=1e-9)
    return True, ("the grid grows, one lr at a time, on the side of the best, until the best "
                  "has a worse neighbour on each side.")
