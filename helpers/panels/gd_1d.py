"""Notebook 01's panel: GD on f(x) = a·x² driven by the learning rate, the start and the steps.

The panel contract (``helpers.widgets.Panel``): ``compute`` (pure: the numbers and the message),
``make_figure`` (what never changes; the artists that do are ``animated``), ``draw`` (updates
only those). The measurements behind it are in ``helpers.lab.gd_1d``.

Why the learning-rate slider has base 2: a log slider moves its exponent in fixed steps, so only
the values base**(min + k·step) can be reached. With base 2, min = −10 and step = 1/32, both
0.5 = 2**−1 and 1 = 2**0 are on the grid (with base 10 and step 0.01, 0.5 never is). The browser
computes base**exponent itself, so a value can arrive a few ulps off; ``snap_lr`` absorbs that.
"""

from __future__ import annotations

import functools
import math
import numbers

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..blit import decade_above, decade_below, step_above
from ..figures.gd_1d import REGIME_COLORS
from ..gd import run_gd
from ..lab.gd_1d import contraction_factor, predicted_steps, regime, snap_lr
from ..objectives import Parabola
from ..plots import COLORS, lr_strip, plain_log_ticks
from ..validate import check_int, check_positive_number
from ..widgets import Panel, float_slider, int_slider, lr_slider

LR_MIN, LR_MAX = 2.0**-10, 1.5  # the slider's range: 0.000977 … 1.5
LR_LOG2_STEP = 1 / 32  # slider notch in log2(lr): 0.5 and 1.0 lie on the grid −10 + k/32
STRIP_XLIM = (LR_MIN / 1.15, LR_MAX * 1.15)  # a little beyond the slider, so its ends show
WINDOWS = (0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0)  # half-widths of the parabola plot (× 1.15)



def _check_x0(x0) -> float:
    if isinstance(x0, bool) or not isinstance(x0, numbers.Real) or not math.isfinite(x0):
        raise ValueError(f"x0 must be a finite number; got {x0!r}")
    return float(x0)


def compute(lr=0.1, x0=-3.0, num_steps=20, a=1.0):
    """Run GD on f(x) = a·x² and describe it: the state the 1-D panel draws.

    lr > 0 (snapped to 1/(2a) or 1/a within 1e-9, see ``snap_lr``); x0: start; num_steps ≥ 0.
    Returns a dict: xs (T+1,) iterates (T < num_steps if the run blew up and was stopped),
    t (T+1,), theory (num_steps+1,) x0·r^t, r, regime, status and diverged_at (from
    ``helpers.gd``), max_deviation (largest |x_{t+1} − r·x_t| / |x_t|), steps_needed
    (predicted steps to |x| ≤ 1e-6·|x0|), the regime boundaries lr_jump = 1/(2a) and
    max_stable_lr = 1/a, message and level.
    """
    a = check_positive_number("a", a)
    lr = snap_lr(lr, a)
    x0 = _check_x0(x0)
    num_steps = check_int("num_steps", num_steps, low=0)
    traj = run_gd(Parabola(a), x0, lr, num_steps)
    xs = traj.xs
    r = contraction_factor(lr, a)
    name = regime(lr, a)
    with np.errstate(over="ignore"):
        theory = x0 * r ** np.arange(num_steps + 1)
    nonzero = xs[:-1] != 0
    deviation = np.abs(xs[1:] - r * xs[:-1])[nonzero] / np.abs(xs[:-1][nonzero])
    state = {
        "lr": lr,
        "x0": x0,
        "num_steps": num_steps,
        "a": a,
        "xs": xs,
        "t": np.arange(len(xs)),
        "theory": theory,
        "r": r,
        "regime": name,
        "status": traj.status,
        "diverged_at": traj.diverged_at,
        "max_deviation": float(deviation.max()) if deviation.size else 0.0,
        "steps_needed": predicted_steps(lr, a),
        "lr_jump": 0.5 / a,
        "max_stable_lr": 1.0 / a,
    }
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



def _window(xs, x0):
    """Half-width of the parabola plot: covers the iterates, at most 4× the start's reach,
    rounded up to one of ``WINDOWS`` (so it stays put while a slider moves a little)."""
    reach = max(abs(x0), 0.5)
    return 1.15 * step_above(min(max(float(np.max(np.abs(xs))), reach), 4 * reach), WINDOWS)


def make_figure(a=1.0):
    """The figure: parabola with iterates, |x_t| on a log axis, and the lr strip with the
    regimes of a·x². Returns (fig, artists): the artists ``draw`` updates, by name."""
    fig = Figure(figsize=(7.0, 4.8))
    grid = fig.add_gridspec(2, 2, height_ratios=[3.0, 0.42], hspace=0.62, wspace=0.3,
                            left=0.085, right=0.985, top=0.94, bottom=0.1)
    ax_f, ax_t = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    ax_lr = fig.add_subplot(grid[1, :])
    moving = {"animated": True}
    art = {"ax_f": ax_f, "ax_t": ax_t}
    ax_f.text(0.5, 1.03, f"iterates on f(x) = {a:g}·x²", transform=ax_f.transAxes,
              ha="center", fontsize=10)
    art["title_t"] = ax_t.text(0.5, 1.03, "", transform=ax_t.transAxes, ha="center",
                               fontsize=10, **moving)
    (art["curve"],) = ax_f.plot([], [], color=COLORS["curve"], lw=1.5, label="f(x)", **moving)
    (art["path"],) = ax_f.plot([], [], "-o", color=COLORS["gd"], lw=0.8, ms=4, label="x_t",
                               **moving)
    (art["start"],) = ax_f.plot([], [], "s", color=COLORS["gd"], ms=7, label="x_0", **moving)
    art["outside"] = ax_f.text(0.5, 0.8, "", transform=ax_f.transAxes, ha="center", fontsize=8,
                               **moving)
    ax_f.set_xlabel("x")
    ax_f.set_ylabel("f(x)")
    ax_f.legend(loc="upper center", fontsize=8, ncol=3, handlelength=1.2)
    (art["theory"],) = ax_t.plot([], [], "-", color=COLORS["theory"], lw=2.5, alpha=0.7,
                                 label="theory |x0|·|1 − 2a·lr|^t", **moving)
    (art["measured"],) = ax_t.plot([], [], "o", color=COLORS["gd"], ms=3.5,
                                   label="measured |x_t|", **moving)
    (art["zeros"],) = ax_t.plot([], [], "x", color=COLORS["gd"], ms=6, label="x_t = 0 exactly",
                                **moving)
    ax_t.set_yscale("log")
    plain_log_ticks(ax_t.yaxis, minor_ticks=False)
    ax_t.set_xlabel("step t")
    ax_t.set_ylabel("|x_t| (log scale)")
    ax_t.legend(loc="upper right", fontsize=8)
    # bottom right: empty when |x_t| grows (the only time the note shows), clear of the legend
    art["stopped"] = ax_t.text(0.97, 0.04, "", transform=ax_t.transAxes, ha="right", fontsize=8,
                               color=COLORS["unstable"], **moving)
    art["lr_now"] = lr_strip(ax_lr, STRIP_XLIM)
    _draw_bands(ax_lr, art["lr_now"], 0.5 / a, 1.0 / a)
    return fig, art


def _draw_bands(ax, lr_now, lr_jump, max_stable_lr):
    """The regimes along the lr strip, with their legend above it."""
    lo, hi = STRIP_XLIM
    c = REGIME_COLORS
    for left, right, name, alpha in ((lo, lr_jump, "monotone convergence", 0.35),
                                     (lr_jump, max_stable_lr, "oscillating convergence", 0.45),
                                     (max_stable_lr, hi, "divergence", 0.45)):
        ax.axvspan(min(left, hi), min(right, hi), color=c[name], alpha=alpha, lw=0)
    jump = ax.axvline(lr_jump, color=c["one-step jump"], lw=1.5, ls=":",
                      label=f"one-step jump ({lr_jump:.3g})")
    edge = ax.axvline(max_stable_lr, color=c["pure oscillation"], lw=2.0,
                      label=f"pure osc. ({max_stable_lr:.3g})")
    handles = [
        Patch(color=c["monotone convergence"], alpha=0.35, label="monotone conv."), jump,
        Patch(color=c["oscillating convergence"], alpha=0.45, label="oscillating conv."), edge,
        Patch(color=c["divergence"], alpha=0.45, label="divergence"), lr_now,
    ]
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=6,
              fontsize=7.5, handlelength=1.4, columnspacing=0.9, borderaxespad=0.2)


def draw(art, state):
    """Update the moving artists from ``compute``'s state (the axes limits move in steps)."""
    ax_f, ax_t = art["ax_f"], art["ax_t"]
    a, xs, x0 = state["a"], state["xs"], state["x0"]
    w = _window(xs, x0)
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
    bottom = decade_below(min(positive.min() / 3 if positive.size else 1e-2, top / 100))
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
