"""Exercises of notebooks 09a and 09b: diagnostics, the lr they point to, power iteration.

09a (steering a network):
- ``update_ratio``:   ||W_after - W_before|| / ||W_before||, the size of a step against the weights
- ``dead_fraction``:  the share of ReLU units that are 0 for every example of a batch
- ``lr_for_update_ratio``: the learning rate at which one plain SGD step has a given update ratio
09b (edge of stability):
- ``top_eigenvalue``: power iteration with a matrix-vector product, as with Hessian-vector products
"""

from __future__ import annotations

import numpy as np

from . import Mistake, as_number, exercise, run_cases


def _ratio(before, after):
    return np.linalg.norm(after - before) / np.linalg.norm(before)


RATIO_MISTAKES = {
    "after": Mistake("divide by the size of the weights BEFORE the step, not after it.",
                     lambda b, a: np.linalg.norm(a - b) / np.linalg.norm(a)),
    "difference_of_norms": Mistake("that compares the sizes of the two matrices; a step that "
                                   "only turns the weights would get 0. Take the size of the "
                                   "change itself.",
                                   lambda b, a: (np.linalg.norm(a) - np.linalg.norm(b))
                                   / np.linalg.norm(b)),
    "per_weight": Mistake("one norm for the whole step and one for the whole matrix, not a "
                          "ratio per weight averaged.",
                          lambda b, a: float(np.mean(np.abs(a - b) / np.abs(b)))),
    "squared": Mistake("use the norms themselves, not their squares.",
                       lambda b, a: _ratio(b, a) ** 2),
}


def _ratio_cases(rng):
    first = np.array([[0.5, -1.0, 0.25], [2.0, 0.1, -0.3]])
    step = np.array([[0.01, 0.0, -0.02], [0.0, 0.03, 0.0]])
    random = []
    for _ in range(3):
        shape = tuple(int(n) for n in rng.integers(1, 30, 2))
        before = rng.standard_normal(shape)
        random.append((before, before + rng.standard_normal(shape) * rng.uniform(1e-4, 0.1)))
    turn = np.array([[1.0, 0.0], [0.0, 1.0]])
    return [(first, first + step), *random, (turn, turn @ np.array([[0.6, -0.8], [0.8, 0.6]])),
            (first, first.copy()), (1e4 * first, 1e4 * (first + step)), (first, 3 * first)]


def _shape(a) -> str:
    return " × ".join(map(str, a.shape))


@exercise("update_ratio", RATIO_MISTAKES)
def _check_update_ratio(fn):
    run_cases(fn, _ratio_cases(np.random.default_rng()), answer=_ratio, read=as_number,
              label=lambda b, a: f"for weights of shape {_shape(b)}",
              mistakes=RATIO_MISTAKES,
              pointer=lambda case, out, expected: (
                  f"for weights of shape {_shape(case[0])} the ratio is off; check a step of 0 "
                  "(ratio 0) and a step that doubles every weight (ratio 1)."))
    return True, "a ratio near 1e-3 per step is the usual sign of a healthy learning rate."


def _dead(out):
    return float(np.mean(np.all(out == 0, axis=0)))


DEAD_MISTAKES = {
    "zero_entries": Mistake("that is the share of outputs that are 0; a unit is dead only if "
                            "it is 0 for EVERY example of the batch.",
                            lambda out: float(np.mean(out == 0))),
    "rows": Mistake("you looked at rows, which are examples; a unit is a column.",
                    lambda out: float(np.mean(np.all(out == 0, axis=1)))),
    "count": Mistake("return a share between 0 and 1, not a count.",
                     lambda out: float(np.sum(np.all(out == 0, axis=0)))),
    "any_zero": Mistake("a unit that is 0 for some examples is alive, just inactive for them; "
                        "it is dead when it is 0 for all of them.",
                        lambda out: float(np.mean(np.any(out == 0, axis=0)))),
}


def _dead_cases(rng):
    first = np.array([[0.0, 1.2, 0.0, 0.0, 0.3], [0.0, 0.0, 0.7, 0.0, 0.0],
                      [0.0, 0.4, 0.0, 0.0, 0.0]])
    random = []
    for _ in range(3):
        b, n = int(rng.integers(2, 40)), int(rng.integers(2, 60))
        z = rng.standard_normal((b, n)) + rng.uniform(-2.5, 0.5, n)  # some units mostly < 0
        random.append((np.maximum(z, 0),))
    return [(first,), *random, (np.zeros((4, 3)),), (np.array([[0.0, 0.5, 0.0, 2.0]]),),
            (np.ones((3, 6)),), (np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 0.0]]),)]


@exercise("dead_fraction", DEAD_MISTAKES)
def _check_dead_fraction(fn):
    run_cases(fn, _dead_cases(np.random.default_rng()), answer=_dead, read=as_number,
              label=lambda out: f"for a batch of {out.shape[0]} examples and {out.shape[1]} units",
              mistakes=DEAD_MISTAKES,
              pointer=lambda case, out, expected: (
                  f"for a batch of {case[0].shape[0]} examples and {case[0].shape[1]} units the "
                  "share is off; try it by hand on a 2 × 2 output."))
    return True, "a dead unit passes no gradient back, so nothing can revive it."


def _power(matvec, v0, num_iters):
    v = v0 / np.linalg.norm(v0)
    for _ in range(num_iters):
        hv = matvec(v)
        v = hv / np.linalg.norm(hv)
    return float(v @ matvec(v))


def _last_norm(matvec, v0, num_iters):
    v = v0 / np.linalg.norm(v0)
    for _ in range(num_iters):
        hv = matvec(v)
        v = hv / np.linalg.norm(hv)
    return float(np.linalg.norm(matvec(v)))


def _first_component(matvec, v0, num_iters):
    v = v0 / np.linalg.norm(v0)
    for _ in range(num_iters):
        hv = matvec(v)
        v = hv / np.linalg.norm(hv)
    return float(matvec(v)[0] / v[0])


EIG_MISTAKES = {
    "norm": Mistake("||Hv|| is the SIZE of the eigenvalue and loses its sign: return the "
                    "Rayleigh quotient of the unit vector.", _last_norm),
    "no_iteration": Mistake("you returned the Rayleigh quotient of the starting vector: "
                            "iterate num_iters times first.",
                            lambda mv, v0, k: float(v0 @ mv(v0) / (v0 @ v0))),
    "first_component": Mistake("one component of Hv over one of v is fragile (it breaks where "
                               "that component is small or 0): use the Rayleigh quotient.",
                               _first_component),
}


def _matrix(rng, n, top):
    """A random symmetric n x n matrix with eigenvalue ``top`` of largest size and a gap."""
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    rest = rng.uniform(-0.6, 0.6, n - 1) * abs(top)
    return (q * np.concatenate([[top], rest])) @ q.T


def _matvec(A):
    def matvec(v):
        return A @ v
    return matvec


def _eig_cases(rng):
    fixed = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 2.0]])
    cases = [(_matvec(fixed), np.array([1.0, 1.0, 1.0]), 60)]
    for top in (rng.uniform(1, 50), -rng.uniform(1, 50), rng.uniform(0.01, 1)):
        n = int(rng.integers(2, 12))
        cases.append((_matvec(_matrix(rng, n, top)), rng.standard_normal(n), 80))
    cases.append((_matvec(np.diag([-5.0, 2.0, 1.0])), np.array([0.0, 1.0, 1.0]) + 0.1, 80))
    cases.append((_matvec(fixed), np.array([1.0, 0.0, 1.0]), 2))  # not converged yet
    cases.append((_matvec(np.array([[2.0]])), np.array([3.0]), 1))
    return cases


@exercise("top_eigenvalue", EIG_MISTAKES)
def _check_top_eigenvalue(fn):
    run_cases(fn, _eig_cases(np.random.default_rng()), answer=_power, read=as_number,
              label=lambda mv, v0, k: f"for a {len(v0)} × {len(v0)} matrix, num_iters = {k}",
              mistakes=EIG_MISTAKES, tol=1e-6,
              pointer=lambda case, out, expected: (
                  f"for a {len(case[1])} × {len(case[1])} matrix with num_iters = {case[2]} the "
                  "eigenvalue is off; try a diagonal matrix, whose eigenvalues you know."))
    return True, ("with matvec = a Hessian-vector product, this is how the sharpness of a network "
                  "is found without ever building its Hessian.")


# ---- 09a: from a gradient to the learning rate that gives a healthy update ratio ---------------

def _lr_for_ratio(W, grad_W, target):
    return target * np.linalg.norm(W) / np.linalg.norm(grad_W)


LR_MISTAKES = {
    "no_weights": Mistake("the ratio compares the step with the size of the weights W: the "
                          "learning rate must grow with it.",
                          lambda W, g, t: t / np.linalg.norm(g)),
    "inverted": Mistake("upside down: a larger gradient means a SMALLER learning rate gives the "
                        "same step.", lambda W, g, t: t * np.linalg.norm(g) / np.linalg.norm(W)),
    "squared": Mistake("use the norms themselves, not their squares.",
                       lambda W, g, t: t * np.linalg.norm(W) ** 2 / np.linalg.norm(g) ** 2),
    "no_target": Mistake("that is the learning rate of a step as large as the weights "
                         "themselves (ratio 1); scale it to the target ratio.",
                         lambda W, g, t: np.linalg.norm(W) / np.linalg.norm(g)),
}


def _lr_cases(rng):
    first = (np.array([[3.0, 0.0], [0.0, 4.0]]), np.array([[0.5, 0.0], [0.0, 0.0]]), 1e-3)
    random = []
    for _ in range(3):
        shape = tuple(int(n) for n in rng.integers(1, 40, 2))
        W = rng.standard_normal(shape) * rng.uniform(0.01, 2)
        random.append((W, rng.standard_normal(shape) * rng.uniform(1e-3, 10),
                       float(10 ** rng.uniform(-5, -1))))
    return [first, *random, (np.ones((1, 1)), np.full((1, 1), 2.0), 0.5),
            (100 * np.ones((5, 3)), 1e-4 * np.ones((5, 3)), 1e-2)]


@exercise("lr_for_update_ratio", LR_MISTAKES)
def _check_lr_for_update_ratio(fn):
    def step_ratio(case, lr):  # what one SGD step with the learner's lr does
        W, g, _ = case
        return np.linalg.norm(lr * g) / np.linalg.norm(W)

    run_cases(fn, _lr_cases(np.random.default_rng()), answer=_lr_for_ratio, read=as_number,
              label=lambda W, g, t: f"for weights of shape {_shape(W)} and a target of {t:.3g}",
              mistakes=LR_MISTAKES, tol=1e-6,
              pointer=lambda case, out, expected: (
                  f"with your learning rate, one step W - lr·grad_W changes weights of shape "
                  f"{_shape(case[0])} by {step_ratio(case, out):.3g} times their size, not "
                  f"{case[2]:.3g}."))
    return True, ("the same gradient asks for a smaller lr when it is large and a larger one when "
                  "it is small: the ratio, not lr itself, is what to keep in range.")
