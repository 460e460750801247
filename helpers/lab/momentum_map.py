"""Notebook 06b's (lr, β) map: heavy-ball momentum on the quadratic bowl, over a grid of both.

``momentum_map`` runs heavy-ball momentum (the ``SGD(momentum=β)`` of ``helpers.optim``) on the
bowl f(x) = ½(λ_min x₁² + λ_max x₂²) for every (β, lr) of a grid at once, optionally with
mini-batch-like gradient noise, and counts the steps until the distance to the minimum has shrunk
by the factor ``tol`` (as notebooks 01 and 02 count them).
``helpers.theory.momentum_rate`` predicts the same map from the roots of the recurrence.
"""

from __future__ import annotations

import numpy as np

from ..theory import momentum_rate, steps_from_rate
from ..validate import check_int, check_positive_number

START = (1.0, 1.0)  # both eigen-directions excited, so the slower one always shows
BLOWUP = 1e8  # |x_t| above this times |x_0|: the run diverged


def momentum_map(kappa: float, lrs, betas, *, tol: float = 1e-3, max_steps: int = 600,
                 noise: float = 0.0, num_runs: int = 1, seed: int = 0) -> dict:
    """Steps until |x_t| < tol·|x₀| for heavy-ball momentum at every (β, lr) of a grid.

    kappa: the bowl's condition number (λ_min = 1, λ_max = κ). lrs (L,), betas (M,): the grid.
    noise: standard deviation of the noise added to each gradient coordinate at every step (as a
    mini-batch gradient would bring); num_runs: runs per grid point, averaged (f is the mean over
    runs; the distance is the root-mean-square over the runs). Returns a dict with "steps" (M, L)
    float (inf: not within max_steps or diverged), "diverged" (M, L) bool, "final_distance"
    (M, L) the mean of |x_t|/|x₀| over the last fifth of the steps (the noise floor),
    "rate" (M, L) the predicted worst contraction per step (``theory.momentum_rate``) and
    "predicted_steps" (M, L) from it, plus the inputs.
    """
    kappa = check_positive_number("kappa", kappa)
    if kappa < 1:
        raise ValueError(f"kappa must be >= 1 (λ_max / λ_min); got {kappa!r}")
    lrs, betas = np.asarray(lrs, dtype=float), np.asarray(betas, dtype=float)
    if lrs.ndim != 1 or betas.ndim != 1 or np.any(lrs <= 0) or np.any((betas < 0) | (betas >= 1)):
        raise ValueError("lrs must be a 1-D array of positive numbers and betas a 1-D array in "
                         f"[0, 1); got lrs={lrs!r}, betas={betas!r}")
    tol = check_positive_number("tol", tol)
    max_steps = check_int("max_steps", max_steps, low=1)
    noise = check_positive_number("noise", noise, allow_zero=True)
    num_runs = check_int("num_runs", num_runs, low=1)
    lam = np.array([1.0, kappa])  # the bowl's curvatures
    lr = lrs[None, :, None, None]  # (1, L, 1, 1): broadcast against x of shape (M, L, R, 2)
    beta = betas[:, None, None, None]
    x = np.broadcast_to(np.array(START), (len(betas), len(lrs), num_runs, 2)).copy()
    buf = np.zeros_like(x)
    d0 = float(np.sqrt(np.sum(np.array(START) ** 2)))
    rng = np.random.default_rng(seed)
    steps = np.full((len(betas), len(lrs)), np.inf)
    diverged = np.zeros(steps.shape, dtype=bool)
    tail = []
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, max_steps + 1):
            g = lam * x  # the gradient of ½ Σ λᵢ xᵢ²
            if noise:
                g = g + noise * rng.standard_normal(x.shape)
            buf = beta * buf + g  # buf_t = β buf_{t−1} + g_t (buf_1 = g_1)
            x = x - lr * buf
            d = np.sqrt(np.sum(x * x, axis=-1).mean(axis=-1)) / d0  # (M, L): |x_t|/|x_0|
            blown = ~(d < BLOWUP)  # NaN counts as blown up
            diverged |= blown
            x[blown] = 0.0  # freeze diverged runs (they stay marked as diverged)
            buf[blown] = 0.0
            reached = (d < tol) & np.isinf(steps) & ~diverged
            steps[reached] = t
            if t > 0.8 * max_steps:
                tail.append(np.where(diverged, np.inf, d))
    steps[diverged] = np.inf
    rate = momentum_rate(np.broadcast_to(lrs, steps.shape), np.broadcast_to(betas[:, None],
                                                                          steps.shape), lam)
    return {
        "steps": steps, "diverged": diverged, "final_distance": np.mean(tail, axis=0),
        "rate": rate, "predicted_steps": steps_from_rate(rate, 1.0, tol),
        "lrs": lrs, "betas": betas, "kappa": kappa, "tol": tol, "noise": noise,
        "max_steps": max_steps,
    }


def best_point(result: dict) -> tuple[float, float, float]:
    """(β, lr, steps) of the grid point with the fewest steps (ties: the smaller β, then lr)."""
    steps = result["steps"]
    if not np.isfinite(steps).any():
        return float("nan"), float("nan"), float("inf")
    i, j = np.unravel_index(np.argmin(steps), steps.shape)
    return float(result["betas"][i]), float(result["lrs"][j]), float(steps[i, j])


def closest_point(result: dict) -> tuple[float, float, float]:
    """(β, lr, distance) of the pair whose runs end closest to the minimum (mean over the last
    fifth of the steps and over the runs: smooth even with noise)."""
    final = np.where(np.isfinite(result["final_distance"]), result["final_distance"], np.inf)
    i, j = np.unravel_index(np.argmin(final), final.shape)
    return float(result["betas"][i]), float(result["lrs"][j]), float(final[i, j])
