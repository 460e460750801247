"""Notebook 03, from GD to SGD: mini-batch runs on linear regression and the noise of a gradient.

The problem is linear regression with the mean squared error (``helpers.objectives.LeastSquares``):
N = 200 examples, two weights. Pure functions for the notebook's measurements:

- ``run_sgd``                one run of mini-batch SGD (batch size 1 … N, with or without replacement)
- ``minibatch_gradients``     many mini-batch gradients at one fixed w (the gradient is a statistic)
- ``gradient_variance``       their variance against the batch size, with the 1/B law and the
                              finite-population correction (N − B)/(N − 1)
- ``unseen_fraction``         how many examples an epoch drawn with replacement never visits
- ``noise_ball``              where SGD with a constant learning rate ends up: a ball around w*

and the panel: ``compute_sgd_panel`` (pure) + ``make_panel()`` (batch size, learning rate, epochs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from matplotlib import ticker
from matplotlib.figure import Figure

from ..batches import as_rng, minibatches
from ..objectives import LeastSquares, make_regression
from ..plots import COLORS
from ..validate import check_batch_size, check_int, check_lr, check_positive_number
from ..widgets import Panel, batch_size_slider, int_slider, lr_slider

N_EXAMPLES = 200
W0 = np.array([-3.0, 3.0])  # the start of every run: far from the minimum, so curves span decades
EXCESS_FLOOR = 1e-12  # excess losses are clipped here before a log plot


def make_problem(n: int = N_EXAMPLES, d: int = 2, noise: float = 0.5, seed: int = 0):
    """The notebook's regression problem: ``LeastSquares`` on ``make_regression(n, d, noise, seed)``."""
    X, y, _ = make_regression(n=n, d=d, noise=noise, seed=seed)
    return LeastSquares(X, y)


@dataclass
class SGDRun:
    """One run of mini-batch SGD.

    ws: (T+1, d) weights after 0 … T updates; losses: (T+1,) full-data loss f(w_t);
    examples: (T+1,) examples processed before w_t; epochs = examples / N.
    status: "ok"; "diverging" (the loss ended higher than it started) or "diverged" (it blew
    up and the run stopped at update ``diverged_at``).
    """

    ws: np.ndarray
    losses: np.ndarray
    examples: np.ndarray
    epochs: np.ndarray
    batch_size: int
    lr: float
    status: str
    diverged_at: int | None
    excess_loss: np.ndarray  # (T+1,) f(w_t) − f(w*), clipped at EXCESS_FLOOR for log plots

    @property
    def num_updates(self) -> int:
        return len(self.ws) - 1


def run_sgd(problem, batch_size, lr, num_epochs, *, w0=None, replacement=False, seed=0,
            lr_decay=0.0, blowup=1e6):
    """Mini-batch SGD  w ← w − lr·ĝ_B(w)  for ``num_epochs`` epochs.

    problem: a ``LeastSquares``; batch_size: 1 … N (N = full batch = plain GD).
    replacement=False: each epoch is a shuffled pass that visits every example once;
    replacement=True: each batch is drawn independently, uniformly with replacement.
    lr_decay: the learning rate in epoch e is lr / (1 + lr_decay·e) (0: constant).
    Stops (status "diverged") when |w − w*|² grows past ``blowup`` times its start.
    Returns an ``SGDRun``.
    """
    n = problem.n_examples
    batch_size = check_batch_size(batch_size, n)
    lr = check_lr(lr)
    num_epochs = check_int("num_epochs", num_epochs, low=1)
    lr_decay = check_positive_number("lr_decay", lr_decay, allow_zero=True)
    rng = as_rng(seed, "seed")
    w = np.array(W0 if w0 is None else w0, dtype=float)
    limit = blowup * max(float((w - problem.w_min) @ (w - problem.w_min)), 1.0)
    ws, sizes = [w.copy()], [0]
    diverged_at = None
    # A too-large lr makes w overflow: we detect it and stop, so silence numpy's warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(num_epochs):
            lr_epoch = lr / (1.0 + lr_decay * epoch)
            if replacement:
                stream = rng.integers(0, n, size=n)
                batches = (stream[s : s + batch_size] for s in range(0, n, batch_size))
            else:
                batches = minibatches(n, batch_size, rng)
            for idx in batches:
                w = w - lr_epoch * problem.grad(w, idx)  # ĝ_B = (2/B) X_Bᵀ (X_B w − y_B)
                gap = w - problem.w_min
                if not gap @ gap < limit:  # also catches NaN
                    diverged_at = len(ws)
                    break
                ws.append(w)
                sizes.append(len(idx))
            if diverged_at is not None:
                break
    ws = np.array(ws)
    losses = problem.f(ws)  # the full-data loss at every iterate, in one product
    examples = np.cumsum(sizes)
    excess = np.maximum(losses - problem.f_min, EXCESS_FLOOR)
    if diverged_at is not None:
        status = "diverged"
    else:
        status = "diverging" if excess[-1] > excess[0] else "ok"
    return SGDRun(ws, losses, examples, examples / n, batch_size, lr, status, diverged_at, excess)


def random_batches(n_examples, batch_size, num_batches, *, replacement=False, seed=0):
    """Index arrays of ``num_batches`` independent mini-batches: shape (num_batches, batch_size).

    replacement=False: each batch holds distinct examples (a slice of a shuffle);
    replacement=True: each index is drawn uniformly, repeats allowed.
    """
    batch_size = check_batch_size(batch_size, n_examples)
    num_batches = check_int("num_batches", num_batches, low=1)
    rng = as_rng(seed, "seed")
    if replacement:
        return rng.integers(0, n_examples, size=(num_batches, batch_size))
    # argsort of random keys = an independent shuffle per row
    return np.argsort(rng.random((num_batches, n_examples)), axis=1)[:, :batch_size]


def minibatch_gradients(problem, w, batch_size, num_batches, *, replacement=False, seed=0):
    """Mini-batch gradients at the fixed point ``w``: shape (num_batches, d), one row per batch."""
    per_example = problem.sample_grads(w)  # (N, d): ∇ℓᵢ(w) = 2 (xᵢ·w − yᵢ) xᵢ
    idx = random_batches(problem.n_examples, batch_size, num_batches,
                         replacement=replacement, seed=seed)
    return per_example[idx].mean(axis=1)  # ĝ_B = mean of ∇ℓᵢ over the batch


def predicted_variance(sigma2, n_examples, batch_size, *, replacement=False):
    """Variance of a mean of B of the N numbers whose (population) variance is ``sigma2``.

    With replacement: σ²/B. Without (distinct examples): σ²/B · (N − B)/(N − 1), which is σ² at
    B = 1 and exactly 0 at B = N (the whole data set: no randomness left).
    """
    b = np.asarray(batch_size, dtype=float)
    if replacement:
        return sigma2 / b
    return sigma2 / b * (n_examples - b) / (n_examples - 1)


def gradient_variance(problem, w, batch_sizes, *, num_batches=2000, replacement=False, seed=0):
    """Measured and predicted total variance (trace of the covariance) of ĝ_B at ``w``.

    Returns a dict of arrays over ``batch_sizes``: "batch_size", "measured", "predicted"
    (with the (N − B)/(N − 1) correction unless ``replacement``), "predicted_no_fpc" (σ²/B),
    plus "sigma2": the per-example variance tr Cov(∇ℓᵢ(w)) and "full_grad".
    """
    batch_sizes = np.array([check_batch_size(b, problem.n_examples) for b in batch_sizes])
    sigma2 = float(problem.sample_grads(w).var(axis=0).sum())
    measured = np.array([
        minibatch_gradients(problem, w, b, num_batches, replacement=replacement,
                            seed=seed + i).var(axis=0).sum()
        for i, b in enumerate(batch_sizes)
    ])
    n = problem.n_examples
    return {
        "batch_size": batch_sizes,
        "measured": measured,
        "predicted": predicted_variance(sigma2, n, batch_sizes, replacement=replacement),
        "predicted_no_fpc": predicted_variance(sigma2, n, batch_sizes, replacement=True),
        "sigma2": sigma2,
        "full_grad": problem.grad(w),
    }


def unseen_fraction(n_examples, num_epochs, *, replacement=True, seed=0):
    """Fraction of the examples that one epoch of N single draws never visits, per epoch: (num_epochs,).

    Without replacement it is 0 every time (a shuffled pass visits each example once); with
    replacement it is about (1 − 1/N)^N ≈ 1/e ≈ 0.368.
    """
    n_examples = check_int("n_examples", n_examples, low=1)
    idx = random_batches(n_examples, n_examples, num_epochs, replacement=replacement, seed=seed)
    seen = np.zeros((num_epochs, n_examples), dtype=bool)
    seen[np.arange(num_epochs)[:, None], idx] = True
    return 1.0 - seen.mean(axis=1)


def noise_ball(problem, lrs, batch_sizes, *, num_epochs=40, tail_epochs=20, seed=0):
    """The average excess loss f(w_t) − f(w*) over the last ``tail_epochs`` epochs of SGD.

    Returns a dict of (len(lrs), len(batch_sizes)) arrays: "measured", "predicted" and the axes
    "lr", "batch_size". Prediction for small lr (w settles in a ball around w*):
        E[f(w) − f(w*)] ≈ lr · σ²_B / 4,   σ²_B = σ²/B · (N − B)/(N − 1),  σ² at w*.
    """
    sigma2 = float(problem.sample_grads(problem.w_min).var(axis=0).sum())
    n = problem.n_examples
    measured = np.zeros((len(lrs), len(batch_sizes)))
    predicted = np.zeros_like(measured)
    for i, lr in enumerate(lrs):
        for j, b in enumerate(batch_sizes):
            run = run_sgd(problem, b, lr, num_epochs, seed=seed + 100 * i + j)
            tail = run.epochs > num_epochs - tail_epochs
            measured[i, j] = np.mean(run.losses[tail] - problem.f_min)
            predicted[i, j] = lr * predicted_variance(sigma2, n, b) / 4
    return {"lr": np.asarray(lrs, dtype=float), "batch_size": np.asarray(batch_sizes),
            "measured": measured, "predicted": predicted, "sigma2": sigma2}


# ---------------------------------------------------------------------------------------------
# The panel: one run at the chosen batch size next to full-batch GD, same lr, same epochs.

def compute_sgd_panel(batch_size, lr, num_epochs=5, *, problem=None, seed=0):
    """The panel's state: the chosen mini-batch run and full-batch GD, plus a message.

    Returns {"gd": curves, "sgd": curves, "message", "level", "batch_size", "lr",
    "num_epochs", "n_examples", "updates_per_epoch"}; curves = {"epochs", "updates",
    "excess_loss", "status", "diverged_at", "final_excess"} (x and y of the plotted lines).
    """
    problem = problem or _default_problem()
    n = problem.n_examples
    batch_size = check_batch_size(batch_size, n)
    gd = run_sgd(problem, n, lr, num_epochs, seed=seed)
    sgd = run_sgd(problem, batch_size, lr, num_epochs, seed=seed)
    per_epoch = math.ceil(n / batch_size)
    state = {
        "gd": _curves(gd), "sgd": _curves(sgd), "batch_size": batch_size, "lr": float(lr),
        "num_epochs": num_epochs, "n_examples": n, "updates_per_epoch": per_epoch,
    }
    state["message"], state["level"] = _message(gd, sgd, n, per_epoch, num_epochs)
    return state


def _curves(run: SGDRun) -> dict:
    return {
        "epochs": run.epochs, "updates": np.arange(run.num_updates + 1),
        "excess_loss": run.excess_loss, "status": run.status, "diverged_at": run.diverged_at,
        "final_excess": float(run.excess_loss[-1]),
    }


def _message(gd: SGDRun, sgd: SGDRun, n, per_epoch, num_epochs):
    """One or two plain sentences on what the run did, and a level for the message colour."""
    b, lr = sgd.batch_size, sgd.lr
    updates = "1 update" if per_epoch == 1 else f"{per_epoch} updates"
    excess = sgd.excess_loss
    if sgd.status == "diverged":
        return (f"Diverged after {sgd.diverged_at} updates (epoch {sgd.epochs[-1]:.2f}): with "
                f"batch size {b}, learning rate {lr:.3g} is too large; the run was stopped "
                "there. Lower the learning rate."), "error"
    if sgd.status == "diverging":
        return (f"Diverging: with batch size {b} the excess loss grew from {excess[0]:.3g} to "
                f"{excess[-1]:.3g} in {sgd.num_updates} updates; learning rate {lr:.3g} is "
                "too large."), "error"
    if b == n:
        return (f"Batch size {n} = the full batch: plain gradient descent, {updates} per epoch "
                f"and no noise. After {num_epochs} epochs ({gd.num_updates} updates) the excess "
                f"loss is {excess[-1]:.2g}."), "info"
    gd_note = {"diverged": "full-batch GD diverged at this learning rate",
               "diverging": "full-batch GD diverges at this learning rate"}.get(
        gd.status, f"full-batch GD after the same {num_epochs} epochs: {gd.excess_loss[-1]:.2g}")
    kind = "pure SGD, one example per update" if b == 1 else f"{b} examples per update"
    head = f"Batch size {b} ({kind}): {updates} per epoch, {sgd.num_updates} in all. "
    last = excess[sgd.epochs > num_epochs - 1]
    if last.max() > 3 * last.min():
        return head + (f"The loss is noisy: in the last epoch it wanders between "
                       f"{last.min():.2g} and {last.max():.2g} instead of settling "
                       f"({gd_note})."), "ok"
    return head + (f"Excess loss {excess[-1]:.2g} and still falling smoothly: at this learning "
                   f"rate the noise is small next to the way still to go ({gd_note})."), "ok"


_PROBLEM = None


def _default_problem():
    global _PROBLEM
    if _PROBLEM is None:
        _PROBLEM = make_problem()
    return _PROBLEM


def make_figure():
    """The panel's figure: excess loss vs epochs (examples processed) and vs number of updates."""
    fig = Figure(figsize=(8.0, 3.4))
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.15, top=0.91, wspace=0.08)
    ax_epochs, ax_updates = fig.subplots(1, 2, sharey=True)
    plain = ticker.FuncFormatter(lambda v, _: f"{v:g}")  # 1e-05, 0.01, 100: no mathtext (fast)
    for ax in (ax_epochs, ax_updates):
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(plain)
        ax.yaxis.set_minor_locator(ticker.NullLocator())
        ax.grid(True, alpha=0.3)
        for key, label in (("gd", "full batch (GD)"), ("sgd", "mini-batch")):
            color = COLORS[key]
            marker = "o" if key == "gd" else None  # GD: one dot per update, one per epoch
            ax.plot([], [], color=color, lw=1.2, marker=marker, ms=3, label=label, gid=key)
            ax.plot([], [], "x", color=color, ms=9, mew=2, gid=f"{key}-diverged")
    ax_epochs.set_xlabel(f"examples processed, in epochs (1 epoch = N = {N_EXAMPLES})")
    ax_epochs.set_ylabel("excess loss f(w) - f(w*)")
    ax_epochs.set_title("Loss per example processed")
    ax_updates.set_xscale("log")
    ax_updates.xaxis.set_major_formatter(plain)
    ax_updates.xaxis.set_minor_locator(ticker.NullLocator())
    ax_updates.set_xlabel("number of updates t (log scale)")
    ax_updates.set_title("Loss per update step")
    return fig


def draw(fig, state):
    """Update the panel's lines from ``state``; a diverged run ends in an ×."""
    ax_epochs, ax_updates = fig.axes
    b = state["batch_size"]
    labels = {"gd": "full batch (GD)", "sgd": f"batch size {b}"}
    values = []
    for ax, x_key in ((ax_epochs, "epochs"), (ax_updates, "updates")):
        for line in ax.lines:
            key = line.get_gid().split("-")[0]
            curves = state[key]
            x, y = curves[x_key], curves["excess_loss"]
            if x_key == "updates":  # log x axis: start at the first update
                x, y = x[1:], y[1:]
            if line.get_gid().endswith("diverged"):
                done = curves["status"] == "diverged" and len(x)
                line.set_data(x[-1:] if done else [], y[-1:] if done else [])
            else:
                line.set_data(x, y)
                line.set_label(labels[key])
                values.append(y)
        ax.relim()
        ax.autoscale_view()
    ax_epochs.set_xlim(0, state["num_epochs"])
    ax_updates.set_xlim(0.8, max(state["num_epochs"] * state["updates_per_epoch"], 10) * 1.25)
    finite = np.concatenate(values)
    ax_epochs.set_ylim(max(finite.min() / 3, EXCESS_FLOOR), finite.max() * 3)
    ax_epochs.legend(loc="lower left")


def make_panel(batch_size=None, lr=0.1, num_epochs=5):
    """The panel of notebook 03: batch size (1 … N), learning rate and epochs, vs full-batch GD."""
    problem = _default_problem()
    controls = {
        "batch_size": batch_size_slider(problem.n_examples, value=batch_size),
        "lr": lr_slider(value=lr, min=1e-3, max=1.5),
        "num_epochs": int_slider(num_epochs, 1, 10, description="epochs"),
    }
    for control in controls.values():
        control.continuous_update = False
    return Panel(controls, compute_sgd_panel, draw, make_figure())
