"""Notebook 01's panel: GD on f(x) = a·x² driven by the learning rate, the start and the steps.

The panel contract (``helpers.widgets.Panel``): ``compute`` (pure: the numbers and the message),
``make_figure`` (what never changes; the artists that do are ``animated``), ``draw`` (updates
only those). The run and its theory come from ``helpers.lab.gd_1d``, the axes and the regime
strip from ``helpers.figures.gd_1d``.

Why the learning-rate slider has base 2: a log slider moves its exponent in fixed steps, so only
the values base**(min + k·step) can be reached. With base 2, min = −10 and step = 1/32, both
0.5 = 2**−1 and 1 = 2**0 are on the grid (with base 10 and step 0.01, 0.5 never is). The browser
computes base**exponent itself, so a value can arrive a few ulps off; ``snap_lr`` absorbs that.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from matplotlib.figure import Figure

from ..blit import decade_above, decade_below
from ..figures.gd_1d import distance_axes, draw_regime_bands, iterate_axes, parabola_window
from ..lab.gd_1d import run_on_parabola
from ..plots import lr_strip
from ..validate import check_positive_number
from ..widgets import Panel, float_slider, int_slider, lr_slider

LR_MIN, LR_MAX = 2.0**-10, 1.5  # the slider's range: 0.000977 … 1.5
LR_LOG2_STEP = 1 / 32  # slider notch in log2(lr): 0.5 and 1.0 lie on the grid −10 + k/32
STRIP_XLIM = (LR_MIN / 1.15, LR_MAX * 1.15)  # a little beyond the slider, so its ends show
# The |x_t| axis bottom moves by these decades only (10^-1, 10^-3, 10^-10, ...): a drag across the
# learning rates then seldom needs a new background (a full redraw), and a curve still spans at
# least a third of the axis.
BOTTOM_DECADES = (1, 3, 10, 30, 100, 300)


def compute(lr=0.1, x0=-3.0, num_steps=20, a=1.0):
    """The state the 1-D panel draws: ``lab.gd_1d.run_on_parabola`` (xs, theory, r, regime,
    status, …; see there) plus the message and its level."""
    state = run_on_parabola(lr, x0, num_steps, a)
    state["message"], state["level"] = _message(state)
    return state


def _message(s):
    lr, r, x0, T = s["lr"], s["r"], s["x0"], len(s["xs"]) - 1
    head = f"lr = {lr:.3g}: {s['regime']}."
    if x0 == 0:
        return f"{head} x0 = 0 is the minimum already: the gradient is 0, so GD never moves.", "ok"
    last = f"|x_{T}| = {abs(s['xs'][-1]):.3g}"
    name = s["regime"]
    if name == "one-step jump":
        return (f"{head} lr = 1/(2a), so 1 − 2a·lr = 0: the first step lands exactly on the "
                f"minimum (x_1 = {s['xs'][1] if T else x0:g})."), "ok"
    if name == "pure oscillation":
        return (f"{head} lr = 1/a, so every step multiplies x by −1: x jumps between "
                f"{x0:g} and {-x0:g} for ever."), "warn"
    if name == "divergence":
        growth = f"every step multiplies x by {r:.3g}, so |x| grows"
        if s["diverged_at"] is not None:
            steps = "1 step" if s["diverged_at"] == 1 else f"{s['diverged_at']} steps"
            return (f"{head} lr > 1/a = {s['max_stable_lr']:.3g}: {growth}; diverged after {steps} "
                    f"(run stopped at |x| = {abs(s['xs'][-1]):.3g})."), "error"
        return f"{head} lr > 1/a = {s['max_stable_lr']:.3g}: {growth}; {last}, diverging.", "error"
    needed = s["steps_needed"]
    sign = "keeps its sign" if name == "monotone convergence" else "flips sign every step"
    text = f"{head} Every step multiplies x by {r:.3g}: x {sign} and shrinks; {last}."
    if needed <= T:
        return f"{text} |x| fell below 1e-6·|x0| after {needed:.0f} steps.", "ok"
    slow = " (slow: lr is small)" if name == "monotone convergence" else ""
    return (f"{text} Getting below 1e-6·|x0| needs {needed:,.0f} steps, more than the {T} "
            f"given{slow}."), "warn"


def make_figure(a=1.0):
    """The figure: parabola with iterates, |x_t| on a log axis, and the lr strip with the
    regimes of a·x². Returns (fig, artists): the artists ``draw`` updates, by name."""
    fig = Figure(figsize=(7.0, 4.8))
    grid = fig.add_gridspec(2, 2, height_ratios=[3.0, 0.42], hspace=0.62, wspace=0.3,
                            left=0.085, right=0.985, top=0.94, bottom=0.1)
    ax_f, ax_t = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    ax_lr = fig.add_subplot(grid[1, :])
    art = {"ax_f": ax_f, "ax_t": ax_t, **distance_axes(ax_t), **iterate_axes(ax_f, a)}
    art["lr_now"] = lr_strip(ax_lr, STRIP_XLIM)
    draw_regime_bands(ax_lr, art["lr_now"], 0.5 / a, 1.0 / a)
    return fig, art


def draw(art, state):
    """Update the moving artists from ``compute``'s state (the axes limits move in steps)."""
    ax_f, ax_t = art["ax_f"], art["ax_t"]
    a, xs, x0 = state["a"], state["xs"], state["x0"]
    w = parabola_window(xs, x0)
    grid = np.linspace(-w, w, 300)
    art["curve"].set_data(grid, a * grid**2)
    art["path"].set_data(xs, a * xs**2)
    art["start"].set_data([x0], [a * x0**2])
    outside = int(np.sum(np.abs(xs) > w))
    art["outside"].set_text(f"{outside} later iterates are\noutside this window" if outside else "")
    ax_f.set_xlim(-w, w)
    ax_f.set_ylim(-0.05 * a * w**2, 1.3 * a * w**2)

    t, absx = state["t"], np.abs(xs)
    positive = absx[absx > 0]
    top = decade_above(10 * (positive.max() if positive.size else 1.0))  # room for the legend
    bottom = decade_below(min(positive.min() / 3 if positive.size else 1e-2, top / 100),
                          BOTTOM_DECADES)
    art["measured"].set_data(t[absx > 0], positive)
    art["zeros"].set_data(t[absx == 0], np.full(int(np.sum(absx == 0)), bottom * 1.5))
    theory = np.abs(state["theory"])
    theory = np.where(theory > 0, theory, np.nan)
    art["theory"].set_data(np.arange(len(theory)), theory)
    ax_t.set_xlim(-0.5, 10 * math.ceil(max(state["num_steps"], 1) / 10) + 0.5)
    stopped = state["diverged_at"]
    art["stopped"].set_text(f"diverged: run stopped at step {stopped}" if stopped else "")
    ax_t.set_ylim(bottom, top)
    art["title_t"].set_text(f"|x_t| changes ×{abs(state['r']):.3g} per step")
    lr = min(max(state["lr"], STRIP_XLIM[0]), STRIP_XLIM[1])
    art["lr_now"].set_data([lr, lr], [0, 1.0])


def make_panel(lr=0.1, x0=-3.0, num_steps=20, a=1.0):
    """The 1-D panel: GD on a·x² driven by sliders "lr" (log, base 2), "x0" and "num_steps"."""
    a = check_positive_number("a", a)
    controls = {
        "lr": lr_slider(lr, min=LR_MIN, max=LR_MAX, base=2, step=LR_LOG2_STEP),
        "x0": float_slider(x0, -3.0, 3.0, description="start x0", step=0.1, readout_format=".1f"),
        "num_steps": int_slider(num_steps, 1, 100, description="steps"),
    }
    return Panel(controls, functools.partial(compute, a=a), functools.partial(make_figure, a),
                 draw)
