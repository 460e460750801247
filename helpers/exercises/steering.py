"""Exercises of deep dive D5 (steering and the edge of stability).

- ``lr_for_update_ratio``: the learning rate at which one plain SGD step has a given update ratio
- ``top_eigenvalue``: power iteration with a matrix-vector product, as with Hessian-vector products
"""

from __future__ import annotations

import numpy as np

from . import Mistake, as_number, exercise, run_cases


def _shape(a) -> str:
    return " × ".join(map(str, a.shape))


# ---- from a gradient to the learning rate that gives a healthy update ratio ---------------------

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


# ---- power iteration --------------------------------------------------------------------------

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


def _unit_only_at_start(matvec, v0, num_iters):
    v = v0 / np.linalg.norm(v0)
    for _ in range(num_iters):
        v = matvec(v)
    return float(v @ matvec(v))


EIG_MISTAKES = {
    "not_unit": Mistake("vᵀHv is the eigenvalue only for a vector v of length 1: normalise v "
                        "after every product (or divide by vᵀv).", _unit_only_at_start),
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
