"""Exercises of notebooks 08a and 08b: He's scale (08a) and dropout (08b).

- ``he_std``:                   the standard deviation that keeps a ReLU layer's signal level
- ``dropout_forward_backward``: inverted dropout, forward and backward, with a given keep-mask
"""

from __future__ import annotations

import numpy as np

from . import Mistake, as_arrays, as_number, exercise, run_cases


def _he(fan_in):
    return float(np.sqrt(2 / fan_in))


HE_MISTAKES = {
    "variance": Mistake("that is the variance of the weights; the function must return their "
                        "standard deviation.", lambda fan_in: 2 / fan_in),
    "no_two": Mistake("that scale suits a layer whose activation keeps the whole signal; a ReLU "
                      "sets half of its inputs to zero, and the scale must make up for that "
                      "lost half.", lambda fan_in: float(np.sqrt(1 / fan_in))),
    "sqrt_outside": Mistake("the square root must cover the whole ratio: check fan_in = 4, "
                            "where the standard deviation is exactly √2/2.",
                            lambda fan_in: float(np.sqrt(2) / fan_in)),
}


@exercise("he_std", HE_MISTAKES)
def _check_he_std(fn):
    rng = np.random.default_rng()
    random = [(int(rng.integers(2, 5000)),) for _ in range(3)]
    run_cases(fn, [(64,), *random, (1,), (784,), (4,), (10**6,)], answer=_he, read=as_number,
              label=lambda fan_in: f"for fan_in = {fan_in}", mistakes=HE_MISTAKES,
              pointer=lambda case, out, expected: (
                  f"for fan_in = {case[0]} the value is off: a ReLU layer with fan_in inputs "
                  "must keep the variance of its output equal to that of its input."))
    return True, ("He's scale: a ReLU halves the signal's power and fan_in weights add it up "
                  "again, so the variance of a weight is 2 over fan_in.")


def _dropout(X, dY, keep, p):
    scale = keep / (1 - p)
    return [X * scale, dY * scale]


DROPOUT_MISTAKES = {
    "no_rescale": Mistake("in training mode the output must have the same expected value as in "
                          "evaluation mode (where Y = X): the kept entries must be scaled up.",
                          lambda X, dY, keep, p: [X * keep, dY * keep]),
    "divide_by_p": Mistake("you scaled by the probability of dropping; scale by the probability "
                           "of keeping.",
                           lambda X, dY, keep, p: [X * keep / p, dY * keep / p]),
    "times_keep_prob": Mistake("multiplying by the keep probability makes the training-mode "
                               "output smaller on average, not equal: the kept entries must be "
                               "scaled up.",
                               lambda X, dY, keep, p: [X * keep * (1 - p), dY * keep * (1 - p)]),
    "forward_only": Mistake("the forward pass is right, but the backward pass must multiply by "
                            "the same factor as the forward pass: Y is a constant times X for "
                            "each entry.",
                            lambda X, dY, keep, p: [X * keep / (1 - p), dY * keep]),
    "inverted_mask": Mistake("keep is True for the entries that survive; you zeroed those and "
                             "kept the others.",
                             lambda X, dY, keep, p: _dropout(X, dY, ~keep, p)),
}


def _dropout_cases(rng):
    def case(B, n, p, keep=None):
        X = rng.standard_normal((B, n))
        dY = rng.standard_normal((B, n))
        if keep is None:
            keep = rng.random((B, n)) >= p
        return (X, dY, keep, p)

    fixed = np.random.default_rng(8)
    first = (fixed.standard_normal((4, 5)), fixed.standard_normal((4, 5)),
             fixed.random((4, 5)) >= 0.25, 0.25)
    B, n = (int(v) for v in rng.integers(1, 12, size=2))
    random = [case(B, n, float(rng.uniform(0.05, 0.9))) for _ in range(2)]
    edges = [case(1, 6, 0.5), case(3, 4, 0.0, np.ones((3, 4), dtype=bool)),
             case(2, 3, 0.8, np.zeros((2, 3), dtype=bool))]
    return [first, *random, *edges]


@exercise("dropout_forward_backward", DROPOUT_MISTAKES)
def _check_dropout(fn):
    rng = np.random.default_rng()
    run_cases(fn, _dropout_cases(rng), answer=_dropout,
              read=lambda out, where, case: as_arrays(out, {"Y": case[0].shape,
                                                            "dX": case[0].shape}, where),
              label=lambda X, dY, keep, p: f"for X of shape {X.shape}, p = {p:.3g}",
              mistakes=DROPOUT_MISTAKES,
              pointer=lambda case, out, expected: (
                  "Y is right but dX is off: each entry of dX is dY times the derivative of "
                  "that entry of Y with respect to X." if np.allclose(out[0], expected[0])
                  else f"for X of shape {case[0].shape}, p = {case[3]:.3g}, Y is off: a kept "
                  "entry is scaled so that the mean of Y over many masks equals X, and a "
                  "dropped entry is 0."))
    return True, ("inverted dropout: the kept entries are scaled up in training, so at "
                  "evaluation time the layer is simply the identity; the backward pass reuses "
                  "the same mask and factor.")
