"""D1 Curved valleys and saddle points: where the stable step changes, and where GD lingers.

Near a point x any smooth f looks like a bowl with A = ∇²f(x), so GD's local limit there is
2/λ_max(∇²f(x)) (notebook 02's rule). On Rosenbrock's bent valley that limit changes along the
floor, and GD at too large an lr stops where it has fallen to lr. At a saddle point the gradient
is zero and the Hessian has eigenvalues of both signs: along the negative one an offset δ grows
by 1 + lr·|λ_neg| per step, so GD leaves after about ln(r/δ)/ln(1 + lr·|λ_neg|) steps.

Sections: measurements (``gd_runs``, ``local_limit``, ``floor_limits``, ``rosenbrock_stall``,
``hessian_eigenvalues``, ``steps_near_saddle``, ``steps_near_saddle_noisy`` and the formulas
``predicted_steps_near_saddle``, ``predicted_steps_per_decade``), figures (``plot_crawl``,
``plot_floor_limits``, ``plot_landscape``, ``plot_distance``, ``plot_steps_near_saddle``).
No panel: the deep dive's runs are long, and the figures show them whole.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from helpers.kit.plots import COLORS, plain_log_ticks, plot_contours, plot_loss_curves, plot_path
from helpers.objectives import Rosenbrock

ROSENBROCK_X0 = np.array([-1.2, 1.0])  # the classic start, on the far side of the bent valley
LR = 0.1  # the step size of the saddle runs
X_START = 1.0  # saddle runs start at (X_START, offset): on the stable line, nudged off it
RADIUS = 0.5  # "near the saddle": within this distance of it
FAR = 1e6  # a run this far out has left for good; it stops there (x² − y² has no bottom)


# ---- measurements --------------------------------------------------------------------------------

def gd_runs(objective, starts, lrs, num_steps: int, *, noise: float = 0.0, seed: int = 0):
    """GD from R starts (or at R learning rates) at once: x ← x − lr·(∇f(x) + noise·ξ).

    starts: (R, 2) or (2,); lrs: a float or (R,); ξ ~ N(0, I), fresh at every step (noise 0:
    plain GD; > 0: a gradient with an error, like a mini-batch one). Returns the iterates,
    (num_steps + 1, R, 2), or (num_steps + 1, 2) when starts is one point and lrs one number.
    """
    one = np.ndim(starts) == 1 and np.ndim(lrs) == 0
    lrs = np.atleast_1d(np.asarray(lrs, dtype=float))[:, None]
    x = np.array(np.broadcast_to(starts, np.broadcast_shapes(np.shape(starts), (len(lrs), 2))),
                 dtype=float)
    rng = np.random.default_rng(seed)
    xs = np.empty((num_steps + 1, *x.shape))
    xs[0] = x
    for t in range(num_steps):
        grad = objective.grad(x)
        if noise > 0:
            grad = grad + noise * rng.standard_normal(x.shape)
        far = np.linalg.norm(x, axis=-1, keepdims=True) > FAR
        x = np.where(far, x, x - lrs * grad)
        xs[t + 1] = x
    return xs[:, 0] if one else xs


def local_limit(objective, x) -> float:
    """2/λ_max(∇²f(x)): the largest lr for which GD is stable near x, where f looks quadratic."""
    return float(2.0 / np.linalg.eigvalsh(objective.hessian(np.asarray(x, dtype=float))).max())


def floor_limits(along, objective=None):
    """The local limit at the points (x, x²) of Rosenbrock's valley floor; along (n,) -> (n,)."""
    objective = objective or Rosenbrock()
    hessians = np.array([objective.hessian((u, u**2)) for u in np.ravel(along)])  # (n, 2, 2)
    return 2.0 / np.linalg.eigvalsh(hessians)[:, -1]


def rosenbrock_stall(lrs, *, num_steps: int = 10_000, tail: int = 200) -> dict:
    """Where GD on Rosenbrock from ROSENBROCK_X0 settles at each of (R,) lrs, all run at once.

    Returns a dict: x_mean (R, 2) the mean of the last ``tail`` iterates, spread (R, 2) their
    standard deviation, limit_there (R,) the local limit at the floor point (x̄, x̄²).
    """
    last = gd_runs(Rosenbrock(), ROSENBROCK_X0, np.asarray(lrs, dtype=float), num_steps)[-tail:]
    x_mean = last.mean(axis=0)
    return {"x_mean": x_mean, "spread": last.std(axis=0), "limit_there": floor_limits(x_mean[:, 0])}


def hessian_eigenvalues(objective, x) -> np.ndarray:
    """The eigenvalues of ∇²f(x), smallest first: mixed signs at a saddle, all > 0 at a minimum."""
    return np.linalg.eigvalsh(objective.hessian(np.asarray(x, dtype=float)))


def _iterates_near(xs, saddle, radius):
    """Iterates within ``radius`` of the saddle until a run first leaves; (T+1, R, 2) -> (R,)."""
    near = np.linalg.norm(xs - saddle, axis=-1) < radius  # (T+1, R)
    entered = np.logical_or.accumulate(near, axis=0)
    left = np.logical_or.accumulate(entered & ~near, axis=0)
    return np.sum(near & ~left, axis=0)


def steps_near_saddle(objective, offsets, *, lr: float = LR, x_start: float = X_START,
                      radius: float = RADIUS, num_steps: int = 2000) -> np.ndarray:
    """Measured: the iterates GD spends within ``radius`` of the saddle, one run per offset.

    Run i starts at the saddle + (x_start, offsets[i]): on the stable line (the x axis), off it by
    the offset. Returns (len(offsets),) integers; an offset 0 stays to the end.
    """
    offsets = np.asarray(offsets, dtype=float)
    starts = objective.saddle + np.stack([np.full_like(offsets, x_start), offsets], axis=1)
    return _iterates_near(gd_runs(objective, starts, lr, num_steps), objective.saddle, radius)


def steps_near_saddle_noisy(objective, noises, *, runs: int = 50, lr: float = LR,
                            x_start: float = X_START, radius: float = RADIUS,
                            num_steps: int = 2000, seed: int = 0) -> np.ndarray:
    """Measured: started exactly on the stable line, with gradient noise of each size in ``noises``.

    Returns (len(noises),): the median over ``runs`` runs (seed + i for noise i) of the iterates
    spent within ``radius`` of the saddle.
    """
    starts = objective.saddle + np.tile([x_start, 0.0], (runs, 1))
    return np.array([np.median(_iterates_near(
        gd_runs(objective, starts, lr, num_steps, noise=noise, seed=seed + i), objective.saddle,
        radius)) for i, noise in enumerate(noises)])


def predicted_steps_per_decade(objective, lr: float = LR) -> float:
    """Extra steps near the saddle per 10 times smaller offset: ln 10 / ln(1 + lr·|λ_neg|)."""
    lam_neg = hessian_eigenvalues(objective, objective.saddle)[0]
    return math.log(10) / math.log1p(lr * abs(lam_neg))


def predicted_steps_near_saddle(objective, offsets, *, lr: float = LR, x_start: float = X_START,
                                radius: float = RADIUS) -> np.ndarray:
    """The formula: steps until the offset has grown to ``radius``, less the steps to arrive.

    Leaving: δ·(1 + lr·|λ_neg|)^t = radius; arriving: x_start·|1 − lr·λ_pos|^t = radius (each
    direction on its own, as on the bowl; exact for ``Saddle``, near the saddle otherwise).
    """
    lam_neg, lam_pos = hessian_eigenvalues(objective, objective.saddle)
    offsets = np.abs(np.asarray(offsets, dtype=float))
    leave = np.log(radius / offsets) / math.log1p(lr * abs(lam_neg))
    return leave - math.log(x_start / radius) / -math.log(abs(1 - lr * lam_pos))


# ---- figures -------------------------------------------------------------------------------------

def plot_crawl(objective, traj, axes=None, *, every: int = 50):
    """GD's path on Rosenbrock (every ``every``-th iterate) and its loss gap on log-log axes."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(8.5, 3.6), layout="constrained")
    plot_contours(objective, ax=axes[0], xlim=(-1.6, 1.6), ylim=(-0.4, 1.6), levels=18)
    plot_path(traj.xs[::every], ax=axes[0], marker=".")
    axes[0].set_title(f"GD path, every {every}th step", fontsize=10)
    steps = np.arange(1, len(traj.losses))
    plot_loss_curves({"gd": (steps, traj.losses[1:] - objective.f_min)}, ax=axes[1],
                     xlabel="step t (log scale)", ylabel="f(x_t) − f* (log scale)")
    axes[1].set_xscale("log")
    for axis in (axes[1].xaxis, axes[1].yaxis):
        plain_log_ticks(axis, minor_ticks=False)
    axes[1].get_legend().remove()
    axes[1].set_title("fast into the valley, then a long crawl", fontsize=10)
    return axes


def plot_floor_limits(along, limits, lrs, stalls, ax=None):
    """The local limit along the valley floor (line) and where GD at each lr ended (dots).
    along, limits: (n,); lrs: (R,); stalls: ``rosenbrock_stall(lrs)``."""
    ax = ax or plt.subplots(figsize=(7, 3.4), layout="constrained")[1]
    ax.plot(along, limits, color=COLORS["curve"], label="local limit 2/λ_max(∇²f) at (x, x²)")
    colors = [COLORS[k] for k in ("adam", "sgd", "momentum", "nesterov", "rmsprop")]
    for lr, x_end, color in zip(lrs, stalls["x_mean"][:, 0], colors):
        ax.axhline(lr, color=color, lw=0.8, ls="--")
        ax.plot(x_end, lr, "o", color=color, ms=7, label=f"GD at lr = {lr} ends here")
    ax.axvline(1.0, color="black", ls=":", lw=1)
    ax.text(1.03, 0.007, "minimum\nx = 1", fontsize=8)
    ax.set_yscale("log")
    plain_log_ticks(ax.yaxis, minor_ticks=False)
    ax.set_xlabel("x along the valley floor y = x²")
    ax.set_ylabel("learning rate (log scale)")
    ax.legend(fontsize=8, loc="lower left", frameon=True, framealpha=0.95)
    return ax


def plot_landscape(objective, paths, ax=None, *, xlim=(-1.3, 1.3), ylim=(-1.5, 1.5)):
    """Contours of a 2-D objective, its saddle (X) and minima (*), and GD paths on top.
    paths: {label: iterates (T+1, 2)}; each path's start is a square, its end a large dot."""
    ax = ax or plt.subplots(figsize=(4.6, 4.6), layout="constrained")[1]
    u, v = np.meshgrid(np.linspace(*xlim, 200), np.linspace(*ylim, 200))
    z = objective.f(np.stack([u, v], axis=-1))
    inner = z[np.abs(u - objective.saddle[0]) <= 1.2]  # levels that show the saddle's region
    ax.contour(u, v, z, levels=np.linspace(inner.min(), inner.max(), 16)[1:-1],
               colors=COLORS["theory"], linewidths=0.7)
    ax.plot(*objective.saddle, "X", color="black", ms=10, label="saddle", zorder=3)
    for i, minimum in enumerate(getattr(objective, "minima", [])):
        ax.plot(*minimum, "*", color="black", ms=13, zorder=4, label=None if i else "minima")
    colors = [COLORS["gd"], COLORS["sgd"], COLORS["momentum"]]
    for (label, xs), color in zip(paths.items(), colors):
        ax.plot(xs[:, 0], xs[:, 1], "-", lw=1.4, color=color, label=label)
        ax.plot(*xs[0], "s", color=color, ms=6)
        ax.plot(*xs[-1], "o", color=color, ms=8, mec="white", zorder=5)
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    ax.set_xlabel("x (Hessian eigenvalue > 0: pulled in)")
    ax.set_ylabel("y (eigenvalue < 0: pushed out)")
    ax.set_aspect("equal")
    ax.legend(loc="upper left", fontsize=8, framealpha=0.9)
    return ax


def plot_distance(distances, ax=None, *, radius=RADIUS):
    """Distance to the saddle against the step (log y). distances: {label: (T+1,) distances}."""
    ax = ax or plt.subplots(figsize=(5.0, 3.6), layout="constrained")[1]
    colors = [COLORS["gd"], COLORS["sgd"], COLORS["momentum"]]
    for (label, d), color in zip(distances.items(), colors):
        ax.plot(np.maximum(d, 1e-16), "-", color=color, lw=1.4, label=label)
    ax.axhline(radius, color=COLORS["theory"], ls=":", lw=1.5,
               label=f"distance {radius:g}: 'near the saddle' below")
    ax.set_yscale("log")
    plain_log_ticks(ax.yaxis, minor_ticks=False)
    ax.set_xlabel("step")
    ax.set_ylabel("distance to the saddle (log scale)")
    ax.legend(fontsize=8)
    return ax


def plot_steps_near_saddle(offsets, measured, predicted, noise_offsets, noisy, ax=None):
    """Steps near the saddle against the perturbation δ (log x, smaller to the right): one start
    per offset (dots), the formula (line), and noisy runs at δ = lr·noise (squares)."""
    ax = ax or plt.subplots(figsize=(6.0, 3.6), layout="constrained")[1]
    ax.plot(offsets, predicted, "-", color="black", lw=1,
            label="formula: ln(r/δ)/ln(1 + lr·|λ_neg|) − steps to arrive")
    ax.plot(offsets, measured, "o", color=COLORS["gd"], ms=6,
            label="measured: one start, offset δ from the stable line")
    ax.plot(noise_offsets, noisy, "s", mfc="none", color=COLORS["sgd"], ms=7,
            label="measured: on the line, noisy gradient\n(δ = lr·noise per step; median of runs)")
    ax.set_xscale("log")
    plain_log_ticks(ax.xaxis, minor_ticks=False)
    ax.invert_xaxis()
    ax.set_xlabel("perturbation δ (log scale, smaller to the right)")
    ax.set_ylabel("steps near the saddle")
    ax.legend(fontsize=8, loc="upper left")
    return ax
