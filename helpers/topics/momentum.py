"""Deep dive D2: heavy-ball momentum on a quadratic, one 2×2 iteration per eigen-direction.

On the eigen-direction with curvature λ the buffer form  b_t = β b_{t−1} + λ x_{t−1},
x_t = x_{t−1} − lr b_t  is  x_{t+1} = (1 + β − lr·λ) x_t − β x_{t−1}: the pair (x_t, x_{t−1}) is
multiplied by a 2×2 matrix at every step, and its eigenvalues (the roots of
z² − (1 + β − lr·λ) z + β) set the rate.

Measurements: ``momentum_matrix``, ``momentum_rate`` (the larger |root|), ``bowl_rate`` (the
slowest direction), ``best_pair`` (lr*, β*), ``measured_rate`` (from runs), heavy-ball runs on a
bowl for many settings at once (``heavy_ball_distances``, ``steps_to_tol``, ``momentum_map``).
Figures: ``plot_rates``, ``plot_beta_sweep``, ``plot_momentum_map``, ``plot_rate_vs_steps``,
``plot_two_forms``. No panel: the (lr, β) map is drawn once, predicted and measured.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from helpers.kit.plots import COLORS, plain_log_ticks

BLOWUP = 1e8  # |x_t| above this times |x_0|: the run diverged (it is frozen there)


# ---- measurements --------------------------------------------------------------------------

def momentum_matrix(lr: float, beta: float, lam: float) -> np.ndarray:
    """The (2, 2) matrix M with (x_{t+1}, x_t) = M (x_t, x_{t−1}) on curvature ``lam``."""
    return np.array([[1 + beta - lr * lam, -beta], [1.0, 0.0]])


def momentum_rate(lr, beta, lam):
    """The larger |z| of z² − (1 + β − lr·λ) z + β = 0: the contraction per step on curvature λ.

    lr, beta, lam: numbers or arrays that broadcast. Complex roots (b² < 4β, b = 1 + β − lr·λ)
    have |z| = √β; real ones (|b| ± √(b² − 4β))/2, the larger counts. < 1: converges.
    """
    b = 1 + np.asarray(beta, dtype=float) - np.asarray(lr, dtype=float) * lam
    disc = b * b - 4 * beta
    real = (np.abs(b) + np.sqrt(np.maximum(disc, 0.0))) / 2
    rate = np.where(disc >= 0, real, np.sqrt(beta))
    return float(rate) if rate.ndim == 0 else rate


def bowl_rate(lr, beta, eigenvalues):
    """The rate on a bowl: the slowest of its eigen-directions (the largest momentum_rate)."""
    return np.max([momentum_rate(lr, beta, lam) for lam in eigenvalues], axis=0)


def best_pair(lam_min: float, lam_max: float) -> tuple[float, float]:
    """(lr*, β*) = (4/(√λ_max + √λ_min)², ((√κ − 1)/(√κ + 1))²): both ends at critical damping."""
    root_kappa = np.sqrt(lam_max / lam_min)
    lr_star = 4 / (np.sqrt(lam_max) + np.sqrt(lam_min)) ** 2
    return float(lr_star), float(((root_kappa - 1) / (root_kappa + 1)) ** 2)


def heavy_ball_distances(lr, beta, eigenvalues, x0, num_steps: int) -> np.ndarray:
    """|x_t| of heavy-ball runs on the bowl ½ Σ λᵢ xᵢ², for many settings at once.

    lr, beta: arrays of one shape S (a grid), or numbers; eigenvalues: (d,); x0: (d,) start.
    Returns (num_steps + 1, *S). A run past BLOWUP·|x_0| is frozen there (it diverged).
    """
    lr, beta = np.broadcast_arrays(np.asarray(lr, dtype=float), np.asarray(beta, dtype=float))
    lam, x0 = np.asarray(eigenvalues, dtype=float), np.asarray(x0, dtype=float)
    x = np.broadcast_to(x0, (*lr.shape, len(x0))).copy()
    buf = np.zeros_like(x)
    lr, beta = lr[..., None], beta[..., None]
    d0 = np.linalg.norm(x0)
    out = [np.full(lr.shape[:-1], d0)]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(num_steps):
            buf = beta * buf + lam * x  # b_t = β b_{t−1} + g_t,  g = λ x per eigen-direction
            x = x - lr * buf
            d = np.sqrt(np.sum(x * x, axis=-1))
            blown = ~(d < BLOWUP * d0)  # NaN too
            x[blown], buf[blown] = x0 * BLOWUP, 0.0  # frozen far out
            out.append(np.where(blown, np.inf, d))
    return np.array(out)


def steps_to_tol(distances, tol: float) -> np.ndarray:
    """The first t with distances[t] <= tol (float; inf where never): shape distances.shape[1:]."""
    hit = distances <= tol
    return np.where(hit.any(axis=0), np.argmax(hit, axis=0), np.inf).astype(float)


def measured_rate(distances, window: int = 20, span: int = 200) -> np.ndarray:
    """The contraction per step a run shows: the peak |x| of the last ``window`` steps against
    the peak ``span`` steps earlier, to the power 1/span (peaks: a swinging run crosses 0)."""
    late = distances[-window:].max(axis=0)
    early = distances[-window - span:-span].max(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):  # diverged runs: inf/inf, not drawn
        return (late / early) ** (1 / span)


def momentum_map(kappa: float, lrs, betas, *, shrink: float = 1e-3, max_steps: int = 600) -> dict:
    """Measured and predicted steps to shrink |x| by ``shrink`` on the bowl (λ = 1 and κ) from
    (1, 1), for every (β, lr) of a grid. lrs (L,), betas (M,). Returns {"steps", "rate",
    "predicted_steps"} each (M, L) (inf: never), with "lrs", "betas", "kappa", "shrink",
    "max_steps"."""
    lr, beta = np.meshgrid(np.asarray(lrs, dtype=float), np.asarray(betas, dtype=float))
    start = np.array([1.0, 1.0])
    distances = heavy_ball_distances(lr, beta, (1.0, kappa), start, max_steps)
    rate = bowl_rate(lr, beta, (1.0, kappa))
    with np.errstate(divide="ignore"):
        predicted = np.where(rate < 1, np.log(shrink) / np.log(rate), np.inf)
    return {"steps": steps_to_tol(distances, shrink * np.linalg.norm(start)), "rate": rate,
            "predicted_steps": predicted, "lrs": np.asarray(lrs, dtype=float),
            "betas": np.asarray(betas, dtype=float), "kappa": kappa, "shrink": shrink,
            "max_steps": max_steps}


# ---- figures -------------------------------------------------------------------------------

def _axes(ax, figsize=(6.5, 4.0)):
    return plt.subplots(figsize=figsize)[1] if ax is None else ax


def plot_rates(lr_lam, beta: float, measured=None, ax=None):
    """The rate against lr·λ for one β: the formula, the band of complex roots, the edges.

    lr_lam: (n,) values of lr·λ; measured: (n,) rates measured from runs, or None.
    """
    ax = _axes(ax)
    low, high = (1 - np.sqrt(beta)) ** 2, (1 + np.sqrt(beta)) ** 2
    ax.axvspan(low, high, color=COLORS["momentum"], alpha=0.12,
               label="complex roots: the path swings")
    ax.semilogx(lr_lam, momentum_rate(lr_lam, beta, 1.0), color=COLORS["curve"], lw=1.5,
                label=f"formula, β = {beta:g}")
    ax.semilogx(lr_lam, np.abs(1 - lr_lam), ":", color=COLORS["gd"], lw=1.2,
                label="plain GD (β = 0): |1 − lr·λ|")
    if measured is not None:
        ax.plot(lr_lam, measured, "o", ms=3.5, color=COLORS["momentum"], label="measured (runs)")
    ax.axhline(np.sqrt(beta), color=COLORS["theory"], lw=0.8, ls="--")
    ax.text(lr_lam[0], np.sqrt(beta) + 0.015, "√β", color=COLORS["theory"])
    ax.axvline(2 * (1 + beta), color=COLORS["unstable"], lw=1, ls="--",
               label="2(1 + β): the edge of stability")
    plain_log_ticks(ax.xaxis, minor_ticks=False)
    ax.set_ylim(0, 1.1)
    ax.set_xlabel("lr · λ (log scale)")
    ax.set_ylabel("rate: largest |z| per step")
    ax.legend(fontsize=8, loc="lower left")
    return ax


def plot_beta_sweep(betas, steps, beta_star: float, budget: int, ax=None):
    """Steps to the tolerance against β at lr*, with the formula's β* marked.
    betas, steps: (m,); steps inf where the run did not get there within ``budget``."""
    ax = _axes(ax)
    reached = np.isfinite(steps)
    ax.plot(betas[reached], steps[reached], "o", ms=3, color=COLORS["momentum"],
            label="measured, lr = lr*")
    ax.plot(betas[~reached], np.full((~reached).sum(), budget), "x", ms=4,
            color=COLORS["unstable"], label=f"not within {budget} steps (drawn at {budget})")
    ax.axvline(beta_star, color=COLORS["theory"], ls="--", label=f"formula β* = {beta_star:.3f}")
    ax.set_xlabel("momentum β")
    ax.set_ylabel("steps until |x| ≤ tol")
    ax.set_ylim(0, budget * 1.08)
    ax.legend(fontsize=8, loc="lower left")
    return ax


def plot_momentum_map(result: dict, ax=None, *, optimum=None):
    """Measured steps over (lr, β) as colours; the predicted rate's contours; rate = 1 in red.
    optimum: (lr*, β*) to mark, or None."""
    ax = _axes(ax, (6.5, 4.6))
    lrs, betas = result["lrs"], result["betas"]
    steps = np.where(np.isfinite(result["steps"]), result["steps"], np.nan)
    mesh = ax.pcolormesh(lrs, betas, np.log10(steps), cmap="viridis_r", shading="nearest",
                         vmin=np.log10(5), vmax=np.log10(result["max_steps"]))
    ax.set_facecolor("#dddddd")  # never got there: grey
    contours = ax.contour(lrs, betas, result["rate"], levels=(0.6, 0.8, 0.9, 0.95),
                          colors="white", linewidths=0.8)
    ax.clabel(contours, fmt="%.2g", fontsize=7)
    ax.contour(lrs, betas, result["rate"], levels=[1.0], colors=COLORS["unstable"], linewidths=2)
    if optimum is not None:
        ax.plot(*optimum, "*", color="white", mec="black", ms=14, label="(lr*, β*)")
        ax.legend(fontsize=8, loc="lower right")
    bar = ax.figure.colorbar(mesh, ax=ax)
    ticks = [t for t in (5, 10, 20, 50, 100, 200, 500) if t <= result["max_steps"]]
    bar.set_ticks(np.log10(ticks), labels=[str(t) for t in ticks])
    bar.set_label(f"steps to shrink |x| {1 / result['shrink']:,.0f}-fold (grey: never)")
    ax.set_xscale("log")
    plain_log_ticks(ax.xaxis, minor_ticks=False)
    ax.set_xlabel("learning rate lr (log scale)")
    ax.set_ylabel("momentum β")
    ax.set_title(f"measured steps; white: predicted rate; red: rate = 1 (κ = {result['kappa']:g})",
                 fontsize=10)
    return ax


def plot_rate_vs_steps(result: dict, ax=None):
    """Each grid point: the predicted rate against the rate its measured steps imply."""
    ax = _axes(ax, (4.4, 4.2))
    ok = np.isfinite(result["steps"]) & (result["rate"] < 1)
    implied = result["shrink"] ** (1 / result["steps"][ok])  # shrink = rate^steps
    ax.plot(result["rate"][ok], implied, "o", ms=2, alpha=0.5, color=COLORS["momentum"],
            label="grid points")
    ax.plot([0, 1], [0, 1], "--", color=COLORS["curve"], lw=1, label="measured = predicted")
    ax.set_xlim(0.6, 1)
    ax.set_ylim(0.6, 1)
    ax.set_xlabel("predicted rate (largest |z|)")
    ax.set_ylabel("measured: shrink^(1/steps)")
    ax.legend(fontsize=8, loc="upper left")
    return ax


def plot_two_forms(paths: dict, drop_at: int, ax=None):
    """|x_t| of each form of momentum against the step; the learning-rate drop marked.
    paths: {label: (T+1, d) iterates}."""
    ax = _axes(ax)
    for (label, xs), color, style in zip(paths.items(), (COLORS["gd"], COLORS["sgd"]), ("-", "--")):
        ax.plot(np.linalg.norm(xs, axis=1), style, color=color, lw=1.5, label=label)
    ax.axvline(drop_at, color=COLORS["theory"], lw=1, ls=":", label=f"lr ÷ 10 after step {drop_at}")
    ax.set_ylim(0, None)
    ax.set_xlabel("step t")
    ax.set_ylabel("distance |x_t| to the minimum")
    ax.legend(fontsize=8)
    return ax
