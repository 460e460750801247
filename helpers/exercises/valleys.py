"""Exercises of notebook 02 (valleys and the condition number).

- ``max_stable_lr``: the largest stable learning rate of GD on ½ xᵀAx for any (turned) A
"""

from __future__ import annotations

import numpy as np

from . import Mistake, as_number, exercise, log_uniform, run_cases


def _turned(eigenvalues, rng):
    """A symmetric matrix with these eigenvalues and random eigen-directions (not the axes)."""
    Q, _ = np.linalg.qr(rng.standard_normal((len(eigenvalues), len(eigenvalues))))
    return Q @ np.diag(eigenvalues) @ Q.T


def _eigenvalues(A):
    return np.linalg.eigvalsh(A)  # ascending


MISTAKES = {
    "diagonal": Mistake("you read the curvatures off the diagonal of A; for a turned bowl the "
                        "curvatures along its own directions are the eigenvalues of A.",
                        lambda A: 2.0 / float(np.max(np.diag(A)))),
    "shallow": Mistake("that is the limit of the shallowest direction, but the steepest one "
                       "blows up first (np.linalg.eigvalsh sorts the eigenvalues from small to "
                       "large).", lambda A: 2.0 / float(_eigenvalues(A)[0])),
    "half": Mistake("your limit is 2 times too small: along an eigen-direction GD on ½ xᵀAx "
                    "multiplies the distance by 1 − lr·λ; ask when that stays within ±1.",
                    lambda A: 1.0 / float(_eigenvalues(A)[-1])),
    "best_lr": Mistake("that is the best fixed step of section 3, not the largest stable one; "
                       "stable steps go further.",
                       lambda A: 2.0 / float(_eigenvalues(A)[0] + _eigenvalues(A)[-1])),
}


def _cases(rng):
    fixed = np.array([[5.5, 4.5], [4.5, 5.5]])  # eigenvalues 1 and 10, the valley along (1, −1)
    lo = log_uniform(rng, 0.1, 10)
    random = [_turned([lo, lo * log_uniform(rng, 2, 1000)], rng),
              _turned(np.sort(rng.uniform(0.5, 20, 3)), rng)]  # three variables
    return [(fixed,), *[(A,) for A in random],
            (np.diag([2.0, 50.0]),),  # not turned: the diagonal holds the eigenvalues
            (np.array([[3.0, 0.0], [0.0, 3.0]]),),  # a round bowl, κ = 1
            (_turned([1e-3, 1e3], rng),)]


def _label(A):
    if np.array_equal(A, np.round(A, 1)):  # a matrix of the statement: short enough to show
        return f"for A = {A.tolist()}"
    return f"for a random turned {A.shape[0]}×{A.shape[0]} matrix A"


@exercise("max_stable_lr", MISTAKES)
def _check_max_stable_lr(fn):
    run_cases(fn, _cases(np.random.default_rng()),
              answer=lambda A: 2.0 / float(_eigenvalues(A)[-1]),
              read=lambda out, where, case: as_number(out, where), label=_label,
              mistakes=MISTAKES, tol=1e-7,
              pointer=lambda case, out, expected: (
                  f"{_label(*case)} your step is too {'large' if out > expected else 'small'}: "
                  "run GD just below and just above it and see which run grows."))
    return True, ("the steepest direction decides, however the bowl is turned: it is the 1-D "
                  "rule 2/f'' applied to the largest eigenvalue.")
