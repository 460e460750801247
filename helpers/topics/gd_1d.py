"""01 Gradient descent: GD on f(x) = (a/2)·x², its five regimes, and the steps a tolerance costs.

On ``Parabola(a)`` (f'' = a) a GD step is  x ← x − lr·a·x = r·x,  r = 1 − lr·a: monotone
convergence below lr = 1/a, a one-step jump at 1/a, oscillating convergence up to the edge
2/a = 2/f'', pure oscillation at it, divergence beyond (``REGIMES``). Text C's x² is a = 2.

Sections: measurements (``regime``, ``run_on_parabola``, ``steps_to_shrink``, ``predicted_steps``),
figures (``parabola_axes``, ``distance_axes``: shared by the static figures and the panel), the
panel (``parabola_panel``).
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from helpers.gd import run_gd
from helpers.kit.blit import decade_above, decade_below, step_above
from helpers.kit.checks import check_int, check_number, check_positive
from helpers.kit.plots import COLORS, lr_strip, plain_log_ticks
from helpers.kit.text import plural
from helpers.kit.widgets import Panel, float_slider, int_slider, lr_slider
from helpers.objectives import Parabola

A = 2.0  # text C's f(x) = x² is Parabola(a=2): f'' = 2
REGIMES = ("monotone convergence", "one-step jump", "oscillating convergence",
           "pure oscillation", "divergence")
SNAP_RTOL = 1e-9  # lr·a this close (relative) to 1 or 2 counts as exactly 1 or 2


# ---- measurements --------------------------------------------------------------------------------

def snap_lr(lr: float, a: float = A) -> float:
    """lr, or exactly 1/a or 2/a when lr is within a relative 1e-9 of one of them.

    A slider's value is computed in the browser as base**exponent and can miss 0.5 by an ulp;
    at lr = 0.5000000000000007 the iterates on x² are not exactly 0. Nothing further away moves.
    """
    for special in (1.0 / a, 2.0 / a):
        if abs(lr - special) <= SNAP_RTOL * special:
            return special
    return lr


def regime(lr: float, a: float = A) -> str:
    """The regime (one of ``REGIMES``) of GD on (a/2)·x² at learning rate lr, from lr·a."""
    s = snap_lr(lr, a) * a  # 1 − r
    if s == 1.0:
        return "one-step jump"
    if s == 2.0:
        return "pure oscillation"
    return REGIMES[0] if s < 1 else REGIMES[2] if s < 2 else REGIMES[4]


def run_on_parabola(lr: float, x0: float = -3.0, num_steps: int = 20, a: float = A) -> dict:
    """One ``run_gd`` on Parabola(a) beside its theory x_t = r^t·x0, r = 1 − lr·a.

    Returns a dict: xs (T+1,) iterates (T = num_steps; fewer if the run blew up and was
    stopped), t (T+1,), theory (num_steps+1,), r, regime, status, diverged_at (``run_gd``'s),
    steps_needed (predicted steps to |x| ≤ 1e-6·|x0|), and lr (snapped), x0, num_steps, a.
    """
    lr = snap_lr(lr, a)
    traj = run_gd(Parabola(a), x0, lr, num_steps)
    xs = traj.xs
    if traj.diverged_at is None and len(xs) < num_steps + 1:  # stopped at a fixed point: x_t = x*
        xs = np.concatenate([xs, np.full(num_steps + 1 - len(xs), xs[-1])])
    r = 1.0 - lr * a
    with np.errstate(over="ignore"):
        theory = x0 * r ** np.arange(num_steps + 1)
    return {"xs": xs, "t": np.arange(len(xs)), "theory": theory, "r": r, "regime": regime(lr, a),
            "status": traj.status, "diverged_at": traj.diverged_at,
            "steps_needed": float(predicted_steps(lr, a)), "lr": lr, "x0": x0,
            "num_steps": num_steps, "a": a}


def steps_to_shrink(objective, x0, lrs, *, shrink: float = 1e-6, max_steps: int = 20_000):
    """Measured GD steps until |x_t − x*| ≤ shrink·|x0 − x*|, one run per learning rate.

    objective: ``grad`` vectorised over leading axes, and ``x_min`` (Parabola, QuadraticBowl).
    x0: float or (d,) start, not the minimum; lrs: (R,) learning rates, all R runs step together.
    Returns (R,) floats: the first such t, inf where a run did not get there in max_steps.
    """
    lrs = np.asarray(lrs, dtype=float)
    x_min = np.asarray(objective.x_min, dtype=float)
    x = np.broadcast_to(np.asarray(x0, dtype=float), lrs.shape + x_min.shape).copy()
    lr = lrs.reshape(lrs.shape + (1,) * x_min.ndim)
    axes = tuple(range(1, x.ndim))

    def distance(x):
        return np.sqrt(np.sum((x - x_min) ** 2, axis=axes))

    d0 = distance(x)
    steps = np.full(lrs.shape, np.inf)
    active = np.ones(lrs.shape, dtype=bool)
    for t in range(1, max_steps + 1):
        x = x - lr * objective.grad(x)  # x_{t+1} = x_t − lr·∇f(x_t), every run at once
        d = distance(x)
        done = active & (d <= shrink * d0)
        steps[done] = t
        active &= ~done & (d <= 1e6 * d0)  # a run 10^6 times further out has diverged
        if not active.any():
            break
        x[~active] = x_min  # park the finished runs, so that none overflows
    return steps


def predicted_steps(lrs, a: float = A, shrink: float = 1e-6):
    """Steps x_t = r^t·x0 needs to reach |x_t| ≤ shrink·|x0|: ceil(ln shrink / ln|r|).

    lrs: float or (R,) learning rates (each snapped). 1 where r = 0; inf where |r| ≥ 1.
    """
    lrs = np.vectorize(snap_lr)(np.asarray(lrs, dtype=float), a)
    r = np.abs(1.0 - lrs * a)
    with np.errstate(divide="ignore", invalid="ignore"):
        steps = np.ceil(math.log(shrink) / np.log(r) - 1e-9)
    return np.where(r == 0, 1.0, np.where(r >= 1, np.inf, steps))


# ---- figures -------------------------------------------------------------------------------------

REGIME_COLORS = dict(zip(REGIMES, [COLORS["stable"], "#000000", "#56B4E9", "#CC79A7",
                                   COLORS["unstable"]]))
WINDOWS = (0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0)  # half-widths of the parabola plot (× 1.15)
DECADES_BELOW = (1, 3, 10, 30, 100, 300)  # the |x_t| axis bottom moves by these decades only


def parabola_axes(ax, a: float = A, *, animated: bool = False, legend: bool = True) -> dict:
    """Set up ``ax`` for the iterates on (a/2)·x²; returns the artists ``show_iterates`` moves."""
    kw = {"animated": animated}
    art = {"ax_f": ax}
    (art["curve"],) = ax.plot([], [], color=COLORS["curve"], lw=1.5, label="f(x)", **kw)
    (art["path"],) = ax.plot([], [], "-o", color=COLORS["gd"], lw=0.8, ms=4, label="x_t", **kw)
    (art["start"],) = ax.plot([], [], "s", color=COLORS["gd"], ms=7, label="x_0", **kw)
    art["outside"] = ax.text(0.5, 0.8, "", transform=ax.transAxes, ha="center", fontsize=8, **kw)
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    if legend:
        ax.legend(loc="upper center", fontsize=8, ncol=3, handlelength=1.2)
    return art


def show_iterates(art, xs, x0, a: float = A) -> None:
    """Put the iterates xs (T+1,) on the axes ``parabola_axes`` made; the window moves in steps."""
    reach = max(abs(x0), 0.5)
    w = 1.15 * step_above(min(max(float(np.max(np.abs(xs))), reach), 4 * reach), WINDOWS)
    grid = np.linspace(-w, w, 300)
    art["curve"].set_data(grid, 0.5 * a * grid**2)
    art["path"].set_data(xs, 0.5 * a * xs**2)
    art["start"].set_data([x0], [0.5 * a * x0**2])
    outside = int(np.sum(np.abs(xs) > w))
    art["outside"].set_text(f"{outside} later iterates are\noutside this window" if outside else "")
    art["ax_f"].set_xlim(-w, w)
    art["ax_f"].set_ylim(-0.025 * a * w**2, 0.65 * a * w**2)


def distance_axes(ax, *, animated: bool = False, legend: bool = True) -> dict:
    """Set up ``ax`` for |x_t| on a log axis; returns the artists ``show_distance`` moves."""
    kw = {"animated": animated}
    art = {"ax_t": ax}
    (art["theory"],) = ax.plot([], [], "-", color=COLORS["theory"], lw=2.5, alpha=0.7,
                               label="theory |x_0|·|r|^t", **kw)
    (art["measured"],) = ax.plot([], [], "o", color=COLORS["gd"], ms=3.5, label="measured |x_t|",
                                 **kw)
    (art["zeros"],) = ax.plot([], [], "x", color=COLORS["gd"], ms=6, label="x_t = 0 exactly", **kw)
    art["stopped"] = ax.text(0.97, 0.04, "", transform=ax.transAxes, ha="right", fontsize=8,
                             color=COLORS["unstable"], **kw)
    ax.set_yscale("log")
    plain_log_ticks(ax.yaxis, minor_ticks=False)
    ax.set_xlabel("step t")
    ax.set_ylabel("|x_t| (log scale)")
    if legend:
        ax.legend(loc="upper right", fontsize=8)
    return art


def show_distance(art, state) -> None:
    """Put |x_t| and its theory (a ``run_on_parabola`` state) on the axes ``distance_axes`` made."""
    ax, t, absx = art["ax_t"], state["t"], np.abs(state["xs"])
    positive = absx[absx > 0]
    top = decade_above(10 * (positive.max() if positive.size else 1.0))  # room for the legend
    bottom = decade_below(min(positive.min() / 3 if positive.size else 1e-2, top / 100),
                          DECADES_BELOW)
    art["measured"].set_data(t[absx > 0], positive)
    art["zeros"].set_data(t[absx == 0], np.full(int(np.sum(absx == 0)), bottom * 1.5))
    theory = np.abs(state["theory"])
    art["theory"].set_data(np.arange(len(theory)), np.where(theory > 0, theory, np.nan))
    stopped = state["diverged_at"]
    art["stopped"].set_text(f"diverged:\nrun stopped at step {stopped}" if stopped else "")
    ax.set_xlim(-0.5, 10 * math.ceil(max(state["num_steps"], 1) / 10) + 0.5)
    ax.set_ylim(bottom, top)


def plot_regimes(lrs, x0: float = -3.0, num_steps: int = 8, axes=None):
    """One column per learning rate of ``lrs``: the iterates on x² above, |x_t| below.
    axes: a (2, len(lrs)) array of axes, or None for a new figure. Returns the axes."""
    if axes is None:
        _, axes = plt.subplots(2, len(lrs), figsize=(9.0, 4.4), layout="constrained")
    for lr, ax_f, ax_t in zip(lrs, axes[0], axes[1]):
        state = run_on_parabola(lr, x0, num_steps)
        art = {**parabola_axes(ax_f, legend=False), **distance_axes(ax_t, legend=False)}
        color = REGIME_COLORS[state["regime"]]
        for name in ("path", "start", "measured", "zeros"):
            art[name].set_color(color)
        show_iterates(art, state["xs"], x0)
        show_distance(art, state)
        ax_f.set_title(f"lr = {lr:g}, r = {state['r']:+.1f}\n{state['regime']}", fontsize=9)
        if np.any(state["xs"] == 0):
            ax_t.text(0.97, 0.15, "×: x_t = 0 exactly", transform=ax_t.transAxes, ha="right",
                      fontsize=8)
        for ax in (ax_f, ax_t):
            ax.tick_params(labelsize=8)
            ax.set_ylabel(ax.get_ylabel() if ax in axes[:, 0] else "")
    return axes


def regime_bands(ax, lo: float, hi: float, alpha: float) -> list:
    """Colour the lr axis of ``ax`` from lo to hi by regime of GD on x² (edges at 0.5 and 1);
    returns legend handles for the three bands."""
    bands = [(REGIMES[0], lo, 0.5), (REGIMES[2], 0.5, 1.0), (REGIMES[4], 1.0, hi)]
    for name, left, right in bands:
        ax.axvspan(left, right, color=REGIME_COLORS[name], alpha=alpha, lw=0)
    return [Patch(color=REGIME_COLORS[name], alpha=alpha, label=name) for name, _, _ in bands]


def plot_steps(lrs, steps, predicted, budget: int, axes=None):
    """Steps to shrink |x| by 10⁶ against lr (log and linear lr axes), measured and predicted.
    lrs, steps, predicted: (R,); budget: a step budget drawn as a line. Returns the two axes."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(8.5, 3.6), width_ratios=[1.3, 1],
                               layout="constrained")
    finite = np.isfinite(steps)
    for ax, scale in zip(axes, ["log", "linear"]):
        bands = regime_bands(ax, lrs.min(), lrs.max(), alpha=0.2)
        ax.plot(lrs[finite][::5], steps[finite][::5], "o", mfc="none", color=COLORS["gd"], ms=4,
                label="measured (every 5th lr)")
        ax.plot(lrs[finite], predicted[finite], "-", color="black", lw=1,
                label="predicted ⌈ln 1e-6 / ln|1 − 2·lr|⌉")
        ax.axhline(budget, color="black", ls="--", lw=1, label=f"a budget of {budget} steps")
        ax.plot([0.5], [1], "*", color="black", ms=10, label="lr = 0.5: one step")
        ax.text(1.03, 2000, "never:\n|r| ≥ 1", fontsize=8)
        ax.set_xscale(scale)
        ax.set_yscale("log")
        ax.set_ylim(0.7, 2e4)
        ax.set_xlim(lrs.min() if scale == "log" else 0, lrs.max())
        ax.set_xlabel(f"learning rate lr ({scale} scale)")
        plain_log_ticks(ax.yaxis, minor_ticks=False)
    plain_log_ticks(axes[0].xaxis, minor_ticks=False)
    axes[0].set_ylabel("steps to shrink |x| by 10⁶ (log scale)")
    axes[0].set_title("steps needed on f(x) = x²", fontsize=10)
    axes[0].legend(handles=axes[0].get_legend_handles_labels()[0] + bands, fontsize=7,
                   loc="lower left")
    axes[1].set_title("linear lr axis: symmetric about lr = 0.5", fontsize=10)
    return axes


# ---- the panel -----------------------------------------------------------------------------------

# A log slider moves its exponent in notches: base 2 from 2^-10 in notches of 1/32 puts 0.5 = 2^-1
# and 1 = 2^0 (the jump and the edge on x²) on the grid; snap_lr absorbs the browser's last ulps.
LR_MIN, LR_MAX, LR_NOTCH = 2.0**-10, 1.5, 1 / 32
STRIP_XLIM = (LR_MIN / 1.15, LR_MAX * 1.15)


def _compute(lr, x0, num_steps):
    s = run_on_parabola(lr, x0, num_steps)
    s["message"], s["level"] = _message(s)
    return s


def _message(s) -> tuple[str, str]:
    lr, r, x0, T, name = s["lr"], s["r"], s["x0"], len(s["xs"]) - 1, s["regime"]
    head = f"lr = {lr:.3g}: {name}."
    if x0 == 0:
        return f"{head} x0 = 0 is the minimum already: the gradient is 0, so GD never moves.", "ok"
    if name == "one-step jump":
        return (f"{head} lr = 1/f'' = 0.5, so r = 1 − 2·lr = 0: the first step lands exactly on "
                f"the minimum (x_1 = {s['xs'][1]:g})."), "ok"
    if name == "pure oscillation":
        return (f"{head} lr = 2/f'' = 1, so every step multiplies x by −1: x jumps between "
                f"{x0:g} and {-x0:g} for ever."), "warn"
    if name == "divergence":
        grows = f"lr > 2/f'' = 1: every step multiplies x by {r:.3g}, so |x| grows"
        if s["diverged_at"] is not None:
            return (f"{head} {grows}; diverged after {plural(s['diverged_at'], 'step')} (run "
                    f"stopped at |x| = {abs(s['xs'][-1]):.3g})."), "error"
        return f"{head} {grows}; |x_{T}| = {abs(s['xs'][-1]):.3g}, diverging.", "error"
    sign = "keeps its sign" if name == "monotone convergence" else "flips sign every step"
    text = (f"{head} Every step multiplies x by {r:.3g}: x {sign} and shrinks; "
            f"|x_{T}| = {abs(s['xs'][-1]):.3g}.")
    if s["steps_needed"] <= T:
        return f"{text} |x| fell below 1e-6·|x0| after {s['steps_needed']:.0f} steps.", "ok"
    slow = " (slow: lr is small)" if s["steps_needed"] > 100 and lr < 0.5 else ""
    return (f"{text} Getting below 1e-6·|x0| needs {s['steps_needed']:,.0f} steps, more than the "
            f"{T} given{slow}."), "warn"


def _make_figure():
    fig = Figure(figsize=(7.0, 4.8))
    grid = fig.add_gridspec(2, 2, height_ratios=[3.0, 0.42], hspace=0.62, wspace=0.3,
                            left=0.085, right=0.985, top=0.94, bottom=0.1)
    ax_f, ax_t, ax_lr = (fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1]),
                         fig.add_subplot(grid[1, :]))
    ax_f.set_title("iterates on f(x) = x²", fontsize=10)
    art = {**parabola_axes(ax_f, animated=True), **distance_axes(ax_t, animated=True)}
    art["title_t"] = ax_t.text(0.5, 1.03, "", transform=ax_t.transAxes, ha="center", fontsize=10,
                               animated=True)
    art["lr_now"] = lr_now = lr_strip(ax_lr, STRIP_XLIM)
    monotone, oscillating, divergence = regime_bands(ax_lr, *STRIP_XLIM, alpha=0.4)
    jump = ax_lr.axvline(0.5, color=REGIME_COLORS[REGIMES[1]], lw=1.5, ls=":",
                         label="one-step jump (0.5)")
    edge = ax_lr.axvline(1.0, color=REGIME_COLORS[REGIMES[3]], lw=2.0, label="pure osc. (1)")
    ax_lr.legend(handles=[monotone, jump, oscillating, edge, divergence, lr_now],
                 loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=6, fontsize=7.5,
                 handlelength=1.4, columnspacing=0.9, borderaxespad=0.2)
    return fig, art


def _draw(art, state):
    show_iterates(art, state["xs"], state["x0"])
    show_distance(art, state)
    art["title_t"].set_text(f"|x_t| changes ×{abs(state['r']):.3g} per step")
    lr = min(max(state["lr"], STRIP_XLIM[0]), STRIP_XLIM[1])
    art["lr_now"].set_data([lr, lr], [0, 1.0])


def parabola_panel(lr: float = 0.1, x0: float = -3.0, num_steps: int = 20) -> Panel:
    """GD on f(x) = x², driven by sliders "lr" (log scale), "x0" (−3 … 3), "num_steps" (1 … 100)."""
    check_positive("lr", lr)
    check_number("x0", x0, low=-3, high=3)
    check_int("num_steps", num_steps, low=1, high=100)
    controls = {
        "lr": lr_slider(lr, min=LR_MIN, max=LR_MAX, base=2, step=LR_NOTCH),
        "x0": float_slider(x0, -3.0, 3.0, description="start x0", step=0.1, readout_format=".1f"),
        "num_steps": int_slider(num_steps, 1, 100, description="steps"),
    }
    return Panel(controls, _compute, _make_figure, _draw)
