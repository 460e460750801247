"""Notebook 03b's panel: one mini-batch SGD run next to full-batch GD, same lr, same epochs.

The panel contract (``helpers.widgets.Panel``): ``compute`` (pure: the runs and the message),
``make_figure`` (what never changes; the lines that do are ``animated``), ``draw`` (updates
only those). The measurements behind it are in ``helpers.lab.sgd``.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from matplotlib.figure import Figure

from ..blit import decade_above, decade_below
from ..figures.sgd import _label_panel_axes, _log_ticks
from ..lab.sgd import EXCESS_FLOOR, N_EXAMPLES, SGDRun, _check_problem, default_problem, run_sgd
from ..plots import COLORS, plain_log_ticks
from ..text import plural
from ..validate import check_batch_size
from ..widgets import Panel, batch_size_slider, int_slider, lr_slider


def compute(batch_size, lr, num_epochs=5, *, problem=None, seed=0):
    """The panel's state: the chosen mini-batch run and full-batch GD, plus a message.

    Returns {"gd": curves, "sgd": curves, "message", "level", "batch_size", "lr",
    "num_epochs", "n_examples", "updates_per_epoch"}; curves = {"epochs", "updates",
    "excess_loss", "status", "diverged_at", "final_excess"} (x and y of the plotted lines).
    """
    problem = default_problem() if problem is None else problem
    _check_problem(problem)
    n = problem.n_examples
    batch_size = check_batch_size(batch_size, n)
    gd = run_sgd(problem, lr, n, num_epochs, seed=seed)
    sgd = run_sgd(problem, lr, batch_size, num_epochs, seed=seed)
    per_epoch = math.ceil(n / batch_size)
    state = {
        "gd": gd.curves(), "sgd": sgd.curves(), "batch_size": batch_size, "lr": float(lr),
        "num_epochs": num_epochs, "n_examples": n, "updates_per_epoch": per_epoch,
    }
    state["message"], state["level"] = _message(gd, sgd, n, per_epoch, num_epochs)
    return state


def _message(gd: SGDRun, sgd: SGDRun, n, per_epoch, num_epochs):
    """One or two plain sentences on what the run did, and a level for the message colour."""
    b, lr = sgd.batch_size, sgd.lr
    updates = plural(per_epoch, "update")
    excess = sgd.excess_loss
    if sgd.status == "diverged":
        return (f"Diverged after {plural(sgd.diverged_at, 'update')} "
                f"(epoch {sgd.epochs[-1]:.2f}): with "
                f"batch size {b}, learning rate {lr:.3g} is too large; the run was stopped "
                "there. Lower the learning rate."), "error"
    if sgd.status == "diverging":
        path = (f"grew from {excess[0]:.3g} to {excess[-1]:.3g}" if excess[-1] > excess[0] else
                f"fell to {excess.min():.3g}, then grew back to {excess[-1]:.3g}")
        updates_done = plural(sgd.num_updates, "update")
        return (f"Diverging: with batch size {b} the excess loss {path} in "
                f"{updates_done}; learning rate {lr:.3g} is too large."), "error"
    if b == n:
        return (f"Batch size {n} = the full batch: plain gradient descent, {updates} per epoch "
                f"and no noise. After {plural(gd.num_updates, 'update')} the excess loss is "
                f"{_excess_text(excess[-1])}."), "info"
    epochs = "1 epoch" if num_epochs == 1 else f"{num_epochs} epochs"
    gd_note = {"diverged": "full-batch GD diverged at this learning rate",
               "diverging": "full-batch GD diverges at this learning rate"}.get(
        gd.status, f"full-batch GD after the same {epochs}: {_excess_text(gd.excess_loss[-1])}")
    kind = "pure SGD, one example per update" if b == 1 else f"{b} examples per update"
    head = f"Batch size {b} ({kind}): {updates} per epoch, {sgd.num_updates} in all. "
    # the tail of the run: its last epoch, or its second half when there is only one epoch
    tail_start = max(num_epochs - 1, num_epochs / 2)
    last = excess[sgd.epochs > tail_start]
    where = "in the last epoch" if num_epochs > 1 else "in the second half of the epoch"
    if last.max() > 3 * last.min():
        return head + (f"The loss is noisy: {where} it wanders between "
                       f"{last.min():.2g} and {last.max():.2g} instead of settling "
                       f"({gd_note})."), "ok"
    return head + (f"Excess loss {excess[-1]:.2g} and still falling smoothly: at this learning "
                   f"rate the noise is small next to the way still to go ({gd_note})."), "ok"


def _excess_text(value: float) -> str:
    return f"below {EXCESS_FLOOR:g}, converged" if value <= EXCESS_FLOOR else f"{value:.2g}"


def make_figure():
    """The figure: excess loss vs epochs (examples processed) and vs number of updates.
    Returns (fig, artists): per axes and run ("gd", "sgd") its line and its × marker."""
    fig = Figure(figsize=(8.0, 3.7))
    fig.subplots_adjust(left=0.115, right=0.98, bottom=0.14, top=0.84, wspace=0.08)
    ax_epochs, ax_updates = fig.subplots(1, 2, sharey=True)
    art = {"ax_epochs": ax_epochs, "ax_updates": ax_updates}
    for ax, x_key in ((ax_epochs, "epochs"), (ax_updates, "updates")):
        ax.set_yscale("log")
        plain_log_ticks(ax.yaxis, minor_ticks=False)  # 1e-5, 0.01, 100: no mathtext (fast)
        ax.grid(True, alpha=0.3)
        for key, label in (("gd", "full batch (GD)"), ("sgd", "mini-batch")):
            color = COLORS[key]
            marker = "o" if key == "gd" else None  # GD: one dot per update, one per epoch
            (art[key, x_key],) = ax.plot([], [], color=color, lw=1.2, marker=marker, ms=3,
                                         label=label, animated=True)
            (art[key, x_key, "diverged"],) = ax.plot([], [], "x", color=color, ms=9, mew=2,
                                                     animated=True)
    _label_panel_axes(ax_epochs, ax_updates, N_EXAMPLES)
    # one legend above both axes, where no curve can hide under it; draw() names the batch size
    art["legend"] = fig.legend(handles=[art["gd", "epochs"], art["sgd", "epochs"]],
                               loc="upper center", ncols=2, frameon=False)
    art["legend"].set_animated(True)
    return fig, art


def draw(art, state):
    """Update the lines from ``state``; a diverged run ends in an ×. The axes limits move in
    whole decades (the bottom in steps of 10^-4), and the updates axis always spans batch size
    1's updates, so dragging the batch size or lr seldom moves them."""
    values = []
    for x_key in ("epochs", "updates"):
        for key in ("gd", "sgd"):
            curves = state[key]
            x, y = curves[x_key], curves["excess_loss"]
            if x_key == "updates":  # log x axis: start at the first update
                x, y = x[1:], y[1:]
            art[key, x_key].set_data(x, y)
            values.append(y)
            done = curves["status"] == "diverged" and len(x)
            art[key, x_key, "diverged"].set_data(x[-1:] if done else [], y[-1:] if done else [])
    art["ax_epochs"].set_xlim(0, state["num_epochs"])
    x_high = max(state["num_epochs"] * state["n_examples"], 10) * 1.25  # batch size 1's end
    art["ax_updates"].set_xlim(0.8, x_high)
    _log_ticks(art["ax_updates"].xaxis, 0.8, x_high)
    finite = np.concatenate(values)
    if len(finite):
        # in big steps: the noisy mini-batch curve moves by decades from one batch size to the next
        low = decade_below(max(finite.min() / 3, EXCESS_FLOOR), ladder=(1, 4, 8, 12))
        high = decade_above(finite.max() * 3)
        art["ax_epochs"].set_ylim(low, high)
        _log_ticks(art["ax_epochs"].yaxis, low, high)
    art["legend"].get_texts()[1].set_text(f"batch size {state['batch_size']}")


def make_panel(batch_size=4, lr=0.1, num_epochs=5):
    """The panel of notebook 03b: batch size (1 … N), learning rate and epochs, vs full-batch GD.

    It opens at batch size 4, where the noise shows (at the full batch the two curves coincide).
    """
    problem = default_problem()
    controls = {
        "batch_size": batch_size_slider(problem.n_examples, value=batch_size),
        "lr": lr_slider(value=lr, min=1e-3, max=1.5),
        # a new number of epochs rescales the axes (a full redraw): on release
        "num_epochs": int_slider(num_epochs, 1, 10, description="epochs",
                                 continuous_update=False),
    }
    return Panel(controls, functools.partial(compute, problem=problem), make_figure, draw)
