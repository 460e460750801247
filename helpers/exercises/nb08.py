"""Exercises of notebooks 08a and 08b that need a computation, not only a formula.

- ``predicted_gradient_ratio`` (08a): the first/last gradient ratio that the per-layer factor
  n·σ²·E[f'²] predicts for a network of a given depth, compared with the measured one
- ``early_stopping_epochs`` (08b): from a validation-loss curve and a patience, the epoch at which
  early stopping stops and the epoch whose weights it keeps

(He's scale and dropout, the other two exercises of 08, live in ``initialisation.py``.)
"""

from __future__ import annotations

import numpy as np

from . import Hint, Mistake, as_array, as_number, exercise, log_uniform, run_cases

# ---- 08a: what the per-layer factor predicts for the whole network -----------------------------


def _ratio(depth, fan_in, std, slope_sq):
    return (fan_in * std**2 * slope_sq) ** ((depth - 1) / 2)


def _log(value):
    return float(np.log(value))


RATIO_MISTAKES = {
    "variance": Mistake("that is how much the gradient's variance changes; the ratio compares "
                        "norms, and a norm grows like the square root of a variance.",
                        lambda d, n, s, q: _log((n * s**2 * q) ** (d - 1))),
    "depth_not_gaps": Mistake("count the layers the gradient passes on its way from the last "
                              "layer's weights to the first layer's: check depth = 2, where it "
                              "passes only one.",
                              lambda d, n, s, q: _log((n * s**2 * q) ** (d / 2))),
    "no_slope": Mistake("the activation's slope multiplies the gradient too, at every layer it "
                        "passes: slope_sq must appear in the factor.",
                        lambda d, n, s, q: _log((n * s**2) ** ((d - 1) / 2))),
    "std_not_variance": Mistake("std is the standard deviation of the weights; the factor per "
                                "layer uses their variance.",
                                lambda d, n, s, q: _log((n * s * q) ** ((d - 1) / 2))),
}


def _read_positive_log(out, where, case):
    value = as_number(out, where)
    if value <= 0:
        raise Hint(f"{where} a ratio of two norms is positive; your function returned "
                   f"{'zero' if value == 0 else 'a negative number'}.")
    return _log(value)


@exercise("predicted_gradient_ratio", RATIO_MISTAKES)
def _check_predicted_gradient_ratio(fn):
    rng = np.random.default_rng()
    random = [(int(rng.integers(3, 31)), int(rng.integers(2, 1000)),
               log_uniform(rng, 0.005, 1.0), float(rng.uniform(0.05, 1.0))) for _ in range(3)]
    edges = [(2, 64, 0.1, 0.5),                       # one layer between last and first
             (20, 64, float(np.sqrt(2 / 64)), 0.5),   # He for ReLU: the factor is exactly 1
             (11, 100, 0.3, 1.0)]                     # a factor above 1: it explodes
    cases = [(20, 64, float(1 / np.sqrt(3 * 64)), 0.5), *random, *edges]
    run_cases(fn, cases, answer=lambda *case: _log(_ratio(*case)), read=_read_positive_log,
              label=lambda d, n, s, q: (f"for depth = {d}, fan_in = {n}, std = {s:.3g}, "
                                        f"slope_sq = {q:.3g}"),
              mistakes=RATIO_MISTAKES, tol=1e-7,
              pointer=lambda case, out, expected: (
                  f"for depth = {case[0]}, fan_in = {case[1]}, std = {case[2]:.3g}, "
                  f"slope_sq = {case[3]:.3g} your ratio is "
                  f"{'too large' if out > expected else 'too small'}: each layer the gradient "
                  "passes multiplies its variance by the same factor."))
    return True, ("the factor compounds: a factor of 1/6 per layer in variance is a factor "
                  "√(1/6) ≈ 0.41 per layer in norm, and 19 layers of it make 4·10⁻⁸.")


# ---- 08b: early stopping, read off a validation-loss curve ---------------------------------------


def _early_stopping(val_loss, patience):
    best_epoch = 1
    for epoch in range(1, len(val_loss) + 1):
        if val_loss[epoch - 1] < val_loss[best_epoch - 1]:
            best_epoch = epoch
        if epoch - best_epoch >= patience:
            return np.array([epoch, best_epoch], dtype=float)
    return np.array([len(val_loss), best_epoch], dtype=float)


def _stop_when(val_loss, patience, *, ties_improve=False, late=0):
    """Variants of the rule, for the mistakes: ties count as improvements, stop `late` later."""
    best_epoch = 1
    for epoch in range(1, len(val_loss) + 1):
        better = val_loss[epoch - 1] <= val_loss[best_epoch - 1] if ties_improve else (
            val_loss[epoch - 1] < val_loss[best_epoch - 1])
        if better:
            best_epoch = epoch
        if epoch - best_epoch >= patience + late:
            return np.array([epoch, best_epoch], dtype=float)
    return np.array([len(val_loss), best_epoch], dtype=float)


EARLY_MISTAKES = {
    "zero_based": Mistake("epochs are counted from 1 here (epoch 1 is the first pass over the "
                          "digits), as fit counts them; yours look counted from 0.",
                          lambda v, p: _early_stopping(v, p) - 1),
    "keeps_last": Mistake("the stop epoch is right, but early stopping keeps the weights of the "
                          "epoch with the lowest validation loss seen so far, not the last "
                          "epoch's.",
                          lambda v, p: np.repeat(_early_stopping(v, p)[0], 2)),
    "one_late": Mistake("you stop one epoch too late: with patience 1, training stops at the "
                        "first epoch that does not improve on the best.",
                        lambda v, p: _stop_when(v, p, late=1)),
    "one_early": Mistake("you stop one epoch too early: patience counts the epochs without "
                         "improvement, and training stops once there have been that many.",
                         lambda v, p: _stop_when(v, p, late=-1)),
    "ties_improve": Mistake("an epoch whose validation loss only equals the best so far is not "
                            "an improvement: only a strictly lower loss resets the count.",
                            lambda v, p: _stop_when(v, p, ties_improve=True)),
    "global_min": Mistake("the kept epoch must be one that was run: take the lowest loss up to "
                          "the stop epoch, not over the whole curve.",
                          lambda v, p: np.array([_early_stopping(v, p)[0],
                                                 np.argmin(v) + 1], dtype=float)),
}


def _curve(rng, n):
    """A validation-loss curve: falls, then rises with noise, rounded (so some ties occur)."""
    epochs = np.arange(1, n + 1)
    turn = rng.uniform(0.1, 0.8) * n
    loss = 0.5 + 1.5 * np.exp(-epochs / rng.uniform(1, 5)) + 0.02 * np.maximum(epochs - turn, 0)
    return np.round(loss + rng.normal(0, 0.03, n), 2)


def _early_cases(rng):
    fixed = (np.array([1.0, 0.8, 0.7, 0.7, 0.75, 0.72, 0.65, 0.66, 0.70, 0.71, 0.73, 0.60]), 3)
    random = [(_curve(rng, int(rng.integers(15, 60))), int(rng.integers(2, 8)))
              for _ in range(3)]
    edges = [(np.linspace(2.0, 0.5, 10), 3),                  # always improves: never stops
             (np.array([0.9, 0.8, 0.85, 0.7, 0.75]), 1),       # patience 1
             (np.full(8, 0.5), 4),                             # flat: only epoch 1 counts
             (np.array([0.6, 0.5, 0.55, 0.56]), 10)]           # patience longer than the run
    return [fixed, *random, *edges]


@exercise("early_stopping_epochs", EARLY_MISTAKES)
def _check_early_stopping(fn):
    rng = np.random.default_rng()
    run_cases(fn, _early_cases(rng), answer=_early_stopping,
              read=lambda out, where, case: as_array(out, (2,), "(stop_epoch, best_epoch)", where),
              label=lambda v, p: f"for a curve of {len(v)} epochs and patience {p}",
              mistakes=EARLY_MISTAKES,
              pointer=lambda case, out, expected: (
                  f"for a curve of {len(case[0])} epochs and patience {case[1]} "
                  + ("the stop epoch is right but the kept epoch is not"
                     if out[0] == expected[0] else "the stop epoch is off")
                  + ": walk through the curve epoch by epoch, keeping the best loss so far and "
                  "the number of epochs since it."))
    return True, ("early stopping: the validation set chooses the number of epochs, and the "
                  "weights of the best epoch are the ones kept.")
