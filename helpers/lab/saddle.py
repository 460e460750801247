"""Notebook 02b, saddle points: where GD stalls, why, and how long it stays.

At a saddle point the gradient is zero but the Hessian has eigenvalues of both signs: along the
eigenvector of the positive one the saddle is a minimum (GD is pulled in), along the negative
one a maximum (GD is pushed out). Near the saddle each eigen-direction moves on its own, as on
the bowl:  c_i ← (1 − lr·λ_i)·c_i.  With λ_neg < 0 the factor 1 + lr·|λ_neg| is larger than 1,
so an offset δ along that direction grows geometrically and reaches a distance r after about

    ln(r/δ) / ln(1 + lr·|λ_neg|)  ≈  ln(r/δ) / (lr·|λ_neg|)  steps.

Started exactly on the stable line (δ = 0) GD never leaves: it converges to the saddle. Any
perturbation, or the noise of a mini-batch gradient, sets it free, and the time spent near the
saddle grows only like the logarithm of 1/perturbation.

- ``gd_paths``                GD (optionally with gradient noise) from many starts at once
- ``hessian_eigenvalues``     the eigenvalues of ∇²f at a point, smallest first
- ``steps_near_saddle``       measured: iterates within ``radius`` of the saddle, per start offset
- ``steps_near_saddle_noisy`` measured: the same started on the stable line, with gradient noise
- ``predicted_steps_near_saddle`` and ``predicted_steps_per_decade``: the formula above

The objectives are ``helpers.objectives.Saddle`` and ``helpers.objectives.SaddleBetweenMinima``.
"""

from __future__ import annotations

import math

import numpy as np

from ..validate import (
    check_array,
    check_int,
    check_lr,
    check_numbers,
    check_objective,
    check_point,
    check_positive_number,
    check_seed,
)

LR = 0.1  # the step size of every run of the section
X_START = 1.0  # runs start at (X_START, offset): on the stable line, nudged off it by the offset
RADIUS = 0.5  # "near the saddle": within this distance of it
FAR = 1e6  # a run this far from the saddle has left for good (and stops, before it overflows)


def _check_saddle_objective(objective):
    check_objective(objective, dim=2)
    if not callable(getattr(objective, "hessian", None)) or not hasattr(objective, "saddle"):
        raise TypeError(f"objective must be a 2-D objective with a saddle, such as Saddle() or "
                        f"SaddleBetweenMinima(); got {objective!r}")


def gd_paths(objective, starts, lr: float = LR, num_steps: int = 100, *, noise: float = 0.0,
             seed: int = 0) -> np.ndarray:
    """GD from every start at once: x ← x − lr·(∇f(x) + noise·ξ), ξ ~ N(0, I) fresh each step.

    starts: (R, 2) or (2,) start points; noise: the standard deviation of the error added to each
    gradient component (0: plain GD; > 0: like a mini-batch gradient). Returns the iterates,
    shape (num_steps + 1, R, 2) (or (num_steps + 1, 2) for one start).
    """
    _check_saddle_objective(objective)
    x = check_array("starts", starts).astype(float)
    one = x.shape == (2,)
    if not one and (x.ndim != 2 or x.shape[1] != 2):
        raise ValueError(f"starts must be one point of shape (2,) or R points of shape (R, 2); "
                         f"got shape {x.shape}")
    x = x[None, :] if one else x
    lr = check_lr(lr)
    num_steps = check_int("num_steps", num_steps, low=0)
    noise = check_positive_number("noise", noise, allow_zero=True)
    rng = np.random.default_rng(check_seed(seed))
    xs = np.empty((num_steps + 1, *x.shape))
    xs[0] = x
    for t in range(num_steps):
        x = _step(objective, x, lr, noise, rng)
        xs[t + 1] = x
    return xs[:, 0] if one else xs


def _step(objective, x, lr, noise, rng):
    """One GD step for every run; a run farther than FAR from the saddle stays where it is."""
    grad = objective.grad(x)
    if noise > 0:
        grad = grad + noise * rng.standard_normal(x.shape)
    far = np.linalg.norm(x - objective.saddle, axis=-1, keepdims=True) > FAR
    return np.where(far, x, x - lr * grad)  # f = x² − y² has no bottom: stop before overflow


def hessian_eigenvalues(objective, x) -> np.ndarray:
    """The eigenvalues of ∇²f(x), smallest first: mixed signs at a saddle, all > 0 at a minimum."""
    _check_saddle_objective(objective)
    x = check_point("x", x, dim=2)
    return np.linalg.eigvalsh(objective.hessian(x))


def _time_inside(objective, starts, lr, num_steps, noise, seed, radius) -> np.ndarray:
    """Iterates within ``radius`` of the saddle, per run (R,): GD from starts (R, 2).

    A run is followed until it has come near the saddle and left again (or for num_steps).
    """
    rng = np.random.default_rng(seed)
    x = starts
    count = np.zeros(len(starts), dtype=int)
    entered = np.zeros(len(starts), dtype=bool)
    left = np.zeros(len(starts), dtype=bool)
    for t in range(num_steps + 1):
        near = np.linalg.norm(x - objective.saddle, axis=-1) < radius
        count += near & ~left
        entered |= near
        left |= entered & ~near
        if left.all() or t == num_steps:
            break
        x = _step(objective, x, lr, noise, rng)
    return count


def steps_near_saddle(objective, offsets, *, lr: float = LR, x_start: float = X_START,
                      radius: float = RADIUS, num_steps: int = 2000) -> np.ndarray:
    """Measured: the iterates GD spends within ``radius`` of the saddle, one run per offset.

    Run i starts at (x_start, offsets[i]) relative to the saddle: on the stable line (the x-axis)
    and off it by the offset. Returns integers, shape (len(offsets),); an offset of 0 stays to
    the end (num_steps + 1 iterates less the ones before it arrives).
    """
    _check_saddle_objective(objective)
    offsets = np.array(check_numbers("offsets", offsets), dtype=float)
    x_start = check_positive_number("x_start", x_start)
    radius = check_positive_number("radius", radius)
    lr = check_lr(lr)
    num_steps = check_int("num_steps", num_steps, low=0)
    starts = objective.saddle + np.stack([np.full_like(offsets, x_start), offsets], axis=1)
    return _time_inside(objective, starts, lr, num_steps, 0.0, 0, radius)


def steps_near_saddle_noisy(objective, noises, *, runs: int = 50, lr: float = LR,
                            x_start: float = X_START, radius: float = RADIUS,
                            num_steps: int = 2000, seed: int = 0) -> np.ndarray:
    """Measured: started exactly on the stable line, with gradient noise of each size in ``noises``.

    Returns the median, over ``runs`` runs (seeds seed, seed+1, ...), of the iterates spent within
    ``radius`` of the saddle; shape (len(noises),).
    """
    _check_saddle_objective(objective)
    noises = check_numbers("noises", noises, positive=True)
    runs = check_int("runs", runs, low=1)
    x_start = check_positive_number("x_start", x_start)
    radius = check_positive_number("radius", radius)
    seed = check_seed(seed)
    lr = check_lr(lr)
    num_steps = check_int("num_steps", num_steps, low=0)
    starts = objective.saddle + np.tile([x_start, 0.0], (runs, 1))
    return np.array([np.median(_time_inside(objective, starts, lr, num_steps, noise, seed + i,
                                            radius))
                     for i, noise in enumerate(noises)])


def _curvatures(objective):
    _check_saddle_objective(objective)
    lam_neg, lam_pos = hessian_eigenvalues(objective, objective.saddle)
    if not lam_neg < 0 < lam_pos:
        raise ValueError(f"objective must have a saddle (eigenvalues of both signs) at "
                         f"{objective.saddle}; got eigenvalues {lam_neg:g}, {lam_pos:g}")
    return lam_neg, lam_pos


def predicted_steps_per_decade(objective, lr: float = LR) -> float:
    """Extra steps near the saddle per 10 times smaller perturbation: ln 10 / ln(1 + lr·|λ_neg|)."""
    lam_neg, _ = _curvatures(objective)
    return math.log(10) / math.log1p(check_lr(lr) * abs(lam_neg))


def predicted_steps_near_saddle(objective, offsets, *, lr: float = LR, x_start: float = X_START,
                                radius: float = RADIUS) -> np.ndarray:
    """The formula: steps until the offset has grown to ``radius``, less the steps to arrive.

    Leaving: δ·(1 + lr·|λ_neg|)^t = radius; arriving: x_start·|1 − lr·λ_pos|^t = radius (each
    direction on its own, as on the bowl; exact for ``Saddle``, near the saddle otherwise).
    Returns floats, shape (len(offsets),).
    """
    lam_neg, lam_pos = _curvatures(objective)
    offsets = np.abs(np.array(check_numbers("offsets", offsets, positive=True)))
    lr = check_lr(lr)
    x_start = check_positive_number("x_start", x_start)
    radius = check_positive_number("radius", radius)
    leave = np.log(radius / offsets) / math.log1p(lr * abs(lam_neg))
    arrive = math.log(x_start / radius) / -math.log(abs(1 - lr * lam_pos))
    return leave - arrive
