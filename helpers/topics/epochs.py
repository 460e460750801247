"""Notebook 04, epochs, batch size and the noise ball: where SGD at a constant lr settles.

Measurements (pure numpy, on notebook 03's regression problem and its ``run_sgd``): the noise
ball over a grid of learning rates × batch sizes, and per-epoch means of long runs. Figures: the
noise ball against lr/B, and long runs epoch by epoch. The panel: one mini-batch run next to
full-batch GD, for a batch size, a learning rate and a number of epochs.
"""

from __future__ import annotations

import functools
import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from helpers.kit.blit import decade_above, decade_below
from helpers.kit.checks import check_int
from helpers.kit.plots import COLORS, plain_log_ticks
from helpers.kit.text import plural
from helpers.kit.widgets import Panel, batch_size_slider, int_slider, lr_slider
from helpers.topics.sgd import EXCESS_FLOOR, make_problem, run_axes, run_sgd

# ---- measurements ------------------------------------------------------------------------------


def noise_ball(problem, lrs, batch_sizes, *, num_updates: int = 500, num_runs: int = 128,
               replacement: bool = True, seed=0) -> dict:
    """Where constant-lr SGD settles: the mean excess loss over the second half of runs that
    start at the minimum w* and take about ``num_updates`` updates (whole epochs).

    Returns "lr" (L,), "batch_size" (K,), "measured" (L, K), "predicted" (L, K) = lr·σ²/(4B)
    (σ² at w*, summed over components), "sigma2". replacement: batches drawn with repeats (the
    prediction's assumption) or shuffled epochs.
    """
    lrs = np.asarray(lrs, dtype=float)
    sigma2 = float(problem.sample_grads(problem.w_min).var(axis=0).sum())
    measured = np.zeros((len(lrs), len(batch_sizes)))
    for j, b in enumerate(batch_sizes):
        num_epochs = max(2, math.ceil(num_updates / math.ceil(problem.n_examples / b)))
        run = run_sgd(problem, lrs, b, num_epochs, num_runs=num_runs, w0=problem.w_min,
                      replacement=replacement, seed=seed + j)  # all lrs see the same batches
        measured[:, j] = run.excess[len(run.excess) // 2:].mean(axis=(0, 2))
    predicted = lrs[:, None] * sigma2 / (4 * np.asarray(batch_sizes)[None, :])
    return {"lr": lrs, "batch_size": np.asarray(batch_sizes), "measured": measured,
            "predicted": predicted, "sigma2": sigma2}


def epoch_means(run) -> tuple[np.ndarray, np.ndarray]:
    """Mean excess loss over the updates of each epoch: (epochs 1 … E, means (E, ...))."""
    epoch_of_update = np.ceil(run.epochs[1:] - 1e-9).astype(int)  # update t lies in this epoch
    epochs = np.arange(1, epoch_of_update[-1] + 1)
    return epochs, np.array([run.excess[1:][epoch_of_update == e].mean(axis=0) for e in epochs])


# ---- figures -----------------------------------------------------------------------------------


def plot_noise_ball(with_replacement, shuffled=None, ax=None):
    """Settled excess loss against lr/B (log-log), measured, with the prediction lr·σ²/(4B)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.8), layout="constrained")
    ball = with_replacement
    ratio = (ball["lr"][:, None] / ball["batch_size"][None, :]).ravel()
    grid = np.geomspace(ratio.min(), ratio.max(), 50)
    ax.plot(grid, grid * ball["sigma2"] / 4, color=COLORS["theory"], lw=2,
            label="prediction lr·σ²/(4B)")
    ax.plot(ratio, ball["measured"].ravel(), "o", color=COLORS["sgd"], ms=6,
            label="measured: batches drawn with replacement")
    if shuffled is not None:
        ax.plot(ratio, shuffled["measured"].ravel(), "s", mfc="none", color=COLORS["gd"], ms=7,
                label="measured: shuffled epochs")
    ax.set_xscale("log")
    ax.set_yscale("log")
    plain_log_ticks(ax.xaxis, minor_ticks=False)
    plain_log_ticks(ax.yaxis, minor_ticks=False)
    ax.set_xlabel("learning rate / batch size, lr/B (log scale)")
    ax.set_ylabel("excess loss f(w) − f(w*) once settled\n(mean, log scale)")
    ax.legend()
    return ax


def plot_epoch_means(curves, ax=None):
    """Per-epoch mean excess loss of long runs: curves = {label: (epochs, means, color)};
    means (E,) or (E, R) for R runs (drawn as the median and a band over the runs)."""
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 3.8), layout="constrained")
    for label, (epochs, means, color) in curves.items():
        middle = np.median(means, axis=1) if means.ndim == 2 else means
        ax.plot(epochs, middle, color=color, lw=1.6, label=label)
        if means.ndim == 2:
            ax.fill_between(epochs, means.min(axis=1), means.max(axis=1), color=color, alpha=0.2,
                            lw=0)
    ax.set_yscale("log")
    plain_log_ticks(ax.yaxis, minor_ticks=False)
    ax.set_xlabel("epoch")
    ax.set_ylabel("excess loss f(w) − f(w*),\nmean over the epoch (log scale)")
    ax.legend(fontsize=8)
    return ax


# ---- the panel ---------------------------------------------------------------------------------


def compute(batch_size: int, lr: float, num_epochs: int, *, problem, seed: int = 0) -> dict:
    """The panel's state: one run at ``batch_size`` and full-batch GD, same lr and epochs.

    Returns {"gd", "sgd": {"epochs", "updates", "excess", "diverged_at"}, "num_epochs",
    "n_examples", "message", "level"}.
    """
    n = problem.n_examples
    state = {"num_epochs": num_epochs, "n_examples": n, "batch_size": batch_size}
    for key, b in (("gd", n), ("sgd", batch_size)):
        run = run_sgd(problem, lr, b, num_epochs, seed=seed)
        state[key] = {"epochs": run.epochs, "updates": np.arange(run.num_updates + 1),
                      "excess": run.excess, "diverged_at": int(run.diverged_at)}
    state["message"], state["level"] = _message(state, lr)
    return state


def _message(state, lr):
    """One or two plain sentences on what the mini-batch run did, and the message's level."""
    n, b, sgd, gd = state["n_examples"], state["batch_size"], state["sgd"], state["gd"]
    e = sgd["excess"]
    if sgd["diverged_at"] >= 0:
        return (f"Diverged after {plural(sgd['diverged_at'], 'update')}: with batch size {b}, "
                f"learning rate {lr:.3g} is too large, and the run was stopped. Lower the "
                "learning rate."), "error"
    if e[-1] > e[0]:
        return (f"Diverging: with batch size {b} the excess loss grew from {e[0]:.3g} to "
                f"{e[-1]:.3g}; learning rate {lr:.3g} is too large."), "error"
    per_epoch = math.ceil(n / b)
    if b == n:
        return (f"Batch size {n} is the full batch: plain gradient descent, 1 update per epoch "
                f"and no noise. Excess loss after {plural(len(e) - 1, 'update')}: "
                f"{e[-1]:.2g}."), "info"
    head = (f"Batch size {b}: {plural(per_epoch, 'update')} per epoch, {len(e) - 1:,} in all. ")
    gd_end = ("full-batch GD diverges at this learning rate" if gd["diverged_at"] >= 0
              or gd["excess"][-1] > gd["excess"][0]
              else f"full-batch GD ends at {gd['excess'][-1]:.2g}")
    tail = e[sgd["epochs"] > max(state["num_epochs"] - 1, state["num_epochs"] / 2)]
    if tail.max() > 3 * tail.min():
        return head + (f"Noisy: at the end the excess loss wanders between {tail.min():.2g} "
                       f"and {tail.max():.2g} instead of settling ({gd_end})."), "ok"
    return head + (f"Excess loss {e[-1]:.2g}, still falling smoothly: the noise is small next "
                   f"to the way still to go ({gd_end})."), "ok"


def make_figure(n_examples: int):
    """Excess loss per example processed and per update (``sgd.run_axes``), with animated
    lines for GD and the mini-batch run and an × where a run blew up."""
    fig = Figure(figsize=(8.0, 3.7))
    fig.subplots_adjust(left=0.11, right=0.98, bottom=0.14, top=0.82, wspace=0.08)
    ax_examples, ax_updates = fig.subplots(1, 2, sharey=True)
    run_axes(ax_examples, ax_updates, n_examples)
    art = {"axes": (ax_examples, ax_updates)}
    for ax, x_key in ((ax_examples, "epochs"), (ax_updates, "updates")):
        for key, label in (("gd", "full batch (GD)"), ("sgd", "mini-batch")):
            (art[key, x_key],) = ax.plot([], [], color=COLORS[key], lw=1.2, label=label,
                                         marker="o" if key == "gd" else None, ms=3,
                                         animated=True)
            (art[key, x_key, "x"],) = ax.plot([], [], "x", color=COLORS[key], ms=9, mew=2,
                                              animated=True)
    art["legend"] = fig.legend(handles=[art["gd", "epochs"], art["sgd", "epochs"]],
                               loc="upper center", ncols=2)
    art["legend"].set_animated(True)  # its text names the batch size
    return fig, art


def draw(art, state):
    """Move the lines to the state's runs; the axes' limits move in whole decades."""
    values = []
    for key in ("gd", "sgd"):
        run = state[key]
        for x_key, start in (("epochs", 0), ("updates", 1)):  # the log axis starts at update 1
            x, y = run[x_key][start:], np.maximum(run["excess"][start:], EXCESS_FLOOR)
            art[key, x_key].set_data(x, y)
            last = np.flatnonzero(np.isfinite(y))[-1:] if run["diverged_at"] >= 0 else []
            art[key, x_key, "x"].set_data(x[last], y[last])
            values.append(y[np.isfinite(y)])
    ax_examples, ax_updates = art["axes"]
    ax_examples.set_xlim(0, state["num_epochs"])
    ax_updates.set_xlim(0.8, 1.25 * state["num_epochs"] * state["n_examples"])
    finite = np.concatenate(values)
    ax_examples.set_ylim(decade_below(max(finite.min() / 3, EXCESS_FLOOR), ladder=(1, 4, 8, 12)),
                         decade_above(finite.max() * 3))
    art["legend"].get_texts()[1].set_text(f"batch size {state['batch_size']}")


def batch_size_panel(batch_size: int = 4, lr: float = 0.1, num_epochs: int = 5, *,
                     seed: int = 0) -> Panel:
    """Notebook 04's panel: a mini-batch run next to full-batch GD on notebook 03's problem.

    batch_size: one of 1, 2, 4, …, 128, 200; lr from 0.001 to 1.5; num_epochs from 1 to 10.
    It opens at batch size 4, where the noise shows.
    """
    problem = make_problem()
    check_int("num_epochs", num_epochs, low=1, high=10)
    controls = {
        "batch_size": batch_size_slider(problem.n_examples, value=batch_size),
        "lr": lr_slider(value=lr, min=1e-3, max=1.5),
        # a new number of epochs rescales the x axes (a full redraw): on release
        "num_epochs": int_slider(num_epochs, 1, 10, description="epochs",
                                 continuous_update=False),
    }
    compute_state = functools.partial(compute, problem=problem, seed=check_int("seed", seed, low=0))
    return Panel(controls, compute_state, lambda: make_figure(problem.n_examples), draw)
