"""Notebook 03, stochastic gradient descent: the mini-batch gradient is a statistic, and SGD runs.

Measurements (pure numpy): the regression problem (``make_problem``), mini-batch gradients at one
fixed point and their variance against the batch size, and ``run_sgd``, the SGD loop of notebook
03 §4 for many runs and learning rates at once (notebook 04 and its panel use it too).
Figures: the variance law, and runs per example processed and per update (``plot_runs``; its
axes come from ``run_axes``, which the batch-size panel of notebook 04 uses as well).
"""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np

from helpers.batches import epoch_order, random_batches
from helpers.gd import BLOWUP_FACTOR
from helpers.kit.plots import COLORS, plain_log_ticks
from helpers.objectives import LeastSquares, make_regression

N_EXAMPLES = 200
KAPPA = 20.0  # the condition number the features are scaled for: a valley, not a round bowl
W0 = np.array([-3.0, 3.0])  # every run starts here, far from the minimum
EXCESS_FLOOR = 1e-12  # excess losses are drawn no lower than this on a log axis

# ---- measurements ------------------------------------------------------------------------------


def make_problem(n: int = N_EXAMPLES, kappa: float = KAPPA, seed: int = 0) -> LeastSquares:
    """The notebooks' regression problem: ``make_regression(n, 2, noise=0.5, seed)`` with the
    second feature scaled by 1/√kappa, so that the loss is a valley of condition number ≈ kappa."""
    X, y, w_true = make_regression(n=n, d=2, noise=0.5, seed=seed)
    scales = np.array([1.0, kappa**-0.5])
    y = y - X @ w_true + (X * scales) @ w_true  # the same noise, on the scaled features
    return LeastSquares(X * scales, y)


def curvatures(problem) -> np.ndarray:
    """The eigenvalues (λmin, …, λmax) of the loss's Hessian 2XᵀX/N, the same everywhere."""
    return np.linalg.eigvalsh(2 * problem.X.T @ problem.X / problem.n_examples)


def minibatch_gradients(problem, w, batch_size: int, num_batches: int, *, seed=0,
                        replacement: bool = False) -> np.ndarray:
    """``num_batches`` mini-batch gradients at the fixed point w (d,): shape (num_batches, d)."""
    per_example = problem.sample_grads(w)  # (N, d): ∇ℓᵢ(w) = 2 (xᵢ·w − yᵢ) xᵢ
    idx = random_batches(problem.n_examples, batch_size, num_batches,
                         np.random.default_rng(seed), replacement=replacement)
    return per_example[idx].mean(axis=1)  # ĝ_B = the mean of ∇ℓᵢ over the batch


def predicted_variance(sigma2, n_examples: int, batch_size, *, replacement: bool = False):
    """Variance of a mean of B of N numbers of variance σ²: σ²/B, times (N − B)/(N − 1) when
    the B are distinct (0 at B = N). batch_size may be an array (a smooth curve)."""
    b = np.asarray(batch_size, dtype=float)
    return sigma2 / b if replacement else sigma2 / b * (n_examples - b) / (n_examples - 1)


def gradient_variance(problem, w, batch_sizes, *, num_batches: int = 2000, seed=0) -> dict:
    """The total variance (summed over components) of ĝ_B at w, measured with ``num_batches``
    batches of distinct examples per batch size, and predicted. Returns arrays over
    ``batch_sizes``: "batch_size", "measured", "predicted"; and "sigma2" (one example's)."""
    sigma2 = float(problem.sample_grads(w).var(axis=0).sum())
    measured = [minibatch_gradients(problem, w, b, num_batches, seed=seed + i).var(axis=0).sum()
                for i, b in enumerate(batch_sizes)]
    return {"batch_size": np.asarray(batch_sizes), "measured": np.array(measured),
            "predicted": predicted_variance(sigma2, problem.n_examples, np.asarray(batch_sizes)),
            "sigma2": sigma2, "n_examples": problem.n_examples}


@dataclass
class SGDRun:
    """What ``run_sgd`` did. ws: (T+1, L, R, d) weights after 0 … T updates (the L axis is
    dropped for a single lr, the R axis for num_runs=None); excess: f(w_t) − f(w*), the same
    shape without d, NaN once a run has blown up; examples: (T+1,) examples processed before
    w_t; diverged_at: the update at which each run blew up, −1 for none (shape (L, R), dropped
    alike)."""

    ws: np.ndarray
    excess: np.ndarray
    examples: np.ndarray
    diverged_at: np.ndarray
    n_examples: int

    @property
    def epochs(self) -> np.ndarray:
        return self.examples / self.n_examples

    @property
    def num_updates(self) -> int:
        return len(self.examples) - 1


def run_sgd(problem, lr, batch_size: int, num_epochs: int, *, num_runs=None, seed=0, w0=W0,
            replacement: bool = False, lr_decay: float = 0.0) -> SGDRun:
    """Mini-batch SGD  w ← w − lr·ĝ_B(w)  on ``problem`` (a LeastSquares) from w0 (d,).

    The loop of notebook 03 §4, for many runs at once: ``num_runs`` R independent runs, and lr
    a number or an array of L learning rates that see the very same batches (so that they differ
    by lr alone). Each epoch: a fresh shuffle per run, cut into batches of ``batch_size`` (the
    last one smaller), or with replacement=True N indices drawn with repeats, cut the same way.
    lr_decay: epoch e uses lr/(1 + lr_decay·e). A run whose loss blows up (helpers.gd.blew_up)
    stops there. With one lr and num_runs=None, the same seed gives the very steps of the loop
    written out in notebook 03.
    """
    X, y, n = problem.X, problem.y, problem.n_examples
    rng = np.random.default_rng(seed)
    lrs = np.atleast_1d(np.asarray(lr, dtype=float))
    runs = 1 if num_runs is None else num_runs
    w = np.broadcast_to(np.asarray(w0, dtype=float), (len(lrs), runs, X.shape[1])).copy()
    gram, w_min = X.T @ X / n, problem.w_min

    def excess(w):  # f(w) − f(w*) = (w − w*)ᵀ (XᵀX/N) (w − w*), exact for least squares
        gap = w - w_min
        return np.sum((gap @ gram) * gap, axis=-1)

    reference = max(float(excess(w).max()), 1.0)
    alive = np.ones((len(lrs), runs), dtype=bool)
    diverged_at = np.full(alive.shape, -1)
    ws, losses, sizes = [w], [excess(w)], [0]
    with np.errstate(over="ignore", invalid="ignore"):  # a blow-up overflows: caught below
        for epoch in range(num_epochs):
            step = lrs[:, None, None] / (1.0 + lr_decay * epoch)
            order = epoch_order(n, rng, num_runs=runs, replacement=replacement)  # (R, N)
            for start in range(0, n, batch_size):
                idx = order[:, start:start + batch_size]  # (R, B): the next batch of each run
                X_b = X[idx]  # (R, B, d)
                X_bT = np.swapaxes(X_b, 1, 2)
                # ĝ_B = (2/B) X_Bᵀ (X_B w − y_B) = (2/B) (X_BᵀX_B w − X_Bᵀy_B): the two products
                # of each batch are shared by the L learning rates;  w ← w − lr·ĝ_B
                gram_b, xy_b = X_bT @ X_b, (X_bT @ y[idx][..., None])[..., 0]  # (R, d, d), (R, d)
                grad = (2.0 / idx.shape[1]) * ((gram_b @ w[..., None])[..., 0] - xy_b)
                w_new = w - step * grad
                e = excess(w_new)
                if not alive.all() or not np.all(e <= BLOWUP_FACTOR * reference):
                    bad = alive & ~(e <= BLOWUP_FACTOR * reference)  # helpers.gd.blew_up's rule
                    diverged_at[bad] = len(ws)
                    alive &= ~bad
                    w_new = np.where(alive[..., None], w_new, w)  # a blown-up run stays put
                    e = np.where(alive, e, np.nan)
                w = w_new
                ws.append(w)
                losses.append(e)
                sizes.append(idx.shape[1])
                if not alive.any():
                    break
            if not alive.any():
                break
    squeeze = tuple(axis for axis, drop in ((1, np.ndim(lr) == 0), (2, num_runs is None)) if drop)
    return SGDRun(np.squeeze(np.array(ws), axis=squeeze), np.squeeze(np.array(losses),
                  axis=squeeze), np.cumsum(sizes), np.squeeze(diverged_at,
                  axis=tuple(a - 1 for a in squeeze)), n)


def best_lr(problem, lrs, batch_size: int, num_epochs: int, *, num_runs: int = 5, seed=0):
    """The lr of the grid ``lrs`` whose ``num_runs`` runs end, on average, with the lowest loss
    after a budget of ``num_epochs`` epochs (a run that blew up counts as +inf). Also returns
    the mean final excess loss per lr, shape (L,)."""
    final = run_sgd(problem, lrs, batch_size, num_epochs, num_runs=num_runs, seed=seed).excess[-1]
    means = np.where(np.isnan(final), np.inf, final).mean(axis=1)
    return float(np.asarray(lrs)[np.argmin(means)]), means


# ---- figures -----------------------------------------------------------------------------------


def plot_variance(variance, ax=None):
    """Measured variance of ĝ_B against B (log-log), with σ²/B and σ²/B·(N − B)/(N − 1).
    variance: a ``gradient_variance`` result; B = N (variance 0) is left off the log axis."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.8), layout="constrained")
    b, n, sigma2 = variance["batch_size"], variance["n_examples"], variance["sigma2"]
    grid = np.geomspace(1, n * 0.999, 300)
    ax.plot(grid, sigma2 / grid, "--", color=COLORS["theory"], label="σ²/B")
    ax.plot(grid, predicted_variance(sigma2, n, grid), color=COLORS["curve"], lw=1.2,
            label="σ²/B · (N − B)/(N − 1)")
    ax.plot(b[b < n], variance["measured"][b < n], "o", color=COLORS["sgd"], ms=6,
            label="measured (2,000 batches each)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(b[b < n])
    plain_log_ticks(ax.xaxis, minor_ticks=False, keep_ticks=True)
    plain_log_ticks(ax.yaxis, minor_ticks=False)
    ax.set_xlabel("batch size B (log scale)")
    ax.set_ylabel("variance of the mini-batch gradient\n(log scale)")
    ax.legend()
    return ax


def run_axes(ax_examples, ax_updates, n_examples: int) -> None:
    """Scales and labels of the two views of runs: excess loss per example processed (in
    epochs) and per update (log scale). ``plot_runs`` and notebook 04's panel draw on them."""
    for ax in (ax_examples, ax_updates):
        ax.set_yscale("log")
        plain_log_ticks(ax.yaxis, minor_ticks=False)
    ax_updates.set_xscale("log")
    plain_log_ticks(ax_updates.xaxis, minor_ticks=False)
    ax_examples.set_xlabel(f"examples processed, in epochs (1 epoch = N = {n_examples})")
    ax_examples.set_ylabel("excess loss f(w) − f(w*) (log scale)")
    ax_examples.set_title("Per example processed")
    ax_updates.set_xlabel("number of updates t (log scale)")
    ax_updates.set_title("Per update")


def plot_runs(runs, axes=None):
    """Excess loss of several runs per example processed and per update.

    runs: {label: (SGDRun, color)}; a run with several seeds (excess (T+1, R)) is drawn as its
    median with a band from the lowest to the highest seed. Returns the two axes.
    """
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10.0, 3.8), sharey=True, layout="constrained")
    run_axes(*axes, next(iter(runs.values()))[0].n_examples)
    for label, (run, color) in runs.items():
        e = np.maximum(run.excess, EXCESS_FLOOR)
        middle = np.median(e, axis=1) if e.ndim == 2 else e
        for ax, x in ((axes[0], run.epochs), (axes[1], np.arange(run.num_updates + 1))):
            keep = slice(0, None) if ax is axes[0] else slice(1, None)  # log x: from update 1
            ax.plot(x[keep], middle[keep], color=color, lw=1.3, label=label,
                    marker="o" if run.num_updates <= 50 else None, ms=3)
            if e.ndim == 2:
                ax.fill_between(x[keep], e[keep].min(axis=1), e[keep].max(axis=1), color=color,
                                alpha=0.25, lw=0)
    axes[0].legend(fontsize=8)
    return axes
