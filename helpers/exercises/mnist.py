"""Exercise of notebook 06 (training a network on MNIST).

- ``softmax_ce_grad``: dL/dZ of the mean softmax cross-entropy over a batch of logits Z
"""

from __future__ import annotations

import numpy as np

from helpers.losses import softmax as _softmax  # shifted: no overflow for large logits

from . import Mistake, as_array, exercise, run_cases


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
