"""Notebook 01, gradient descent in 1-D: GD on f(x) = a·x², its five regimes and its stable band.

On f(x) = a·x² one GD step is  x ← x − lr·2a·x = (1 − 2a·lr)·x,  so the factor r = 1 − 2a·lr
decides everything. The regimes, by learning rate (``REGIMES``, in this order):

- ``"monotone convergence"``    0 < lr < 1/(2a):      0 < r < 1, x shrinks and keeps its sign
                                (slowly for small lr: r is close to 1);
- ``"one-step jump"``           lr = 1/(2a):          r = 0, x_1 = 0 exactly;
- ``"oscillating convergence"`` 1/(2a) < lr < 1/a:    −1 < r < 0, x flips sign and shrinks;
- ``"pure oscillation"``        lr = 1/a:             r = −1, x jumps between x0 and −x0 for ever;
- ``"divergence"``              lr > 1/a:             r < −1, |x| grows geometrically.

Pure functions for the notebook's measurements:

- ``snap_lr``               lr within a relative 1e-9 of 1/(2a) or 1/a becomes exactly that value
- ``regime``                the regime's name for a learning rate (``regime_map``: for a grid)
- ``steps_to_tolerance``    steps GD needs to shrink |x − x*| by ``tol``, for many lr at once
- ``largest_stable_lr``     the largest lr whose GD run stays bounded, found by bisection on runs

and the panel: ``compute_gd_1d`` (pure) + ``make_panel()`` (learning rate, start point, steps).

Why the learning-rate slider has base 2: a log slider moves its exponent in fixed steps, so only
the values base**(min + k·step) can be reached. With base 10 and step 0.01 (the default
``lr_slider``) 0.5 = 10**(−0.30103…) is never on the grid; with base 2, min = −10 and
step = 1/32, both 0.5 = 2**−1 and 1 = 2**0 are. The browser computes base**exponent itself,
so a value can still arrive a few ulps off; ``snap_lr`` absorbs that (and only that).
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..gd import run_gd
from ..objectives import Parabola
from ..plots import COLORS, plain_log_ticks
from ..validate import (
    check_int,
    check_lr,
    check_numbers,
    check_objective,
    check_point,
    check_positive_number,
)
from ..widgets import Panel, float_slider, int_slider, lr_slider

REGIMES = (
    "monotone convergence",
    "one-step jump",
    "oscillating convergence",
    "pure oscillation",
    "divergence",
)
SNAP_RTOL = 1e-9  # relative distance within which lr counts as exactly 1/(2a) or 1/a
LR_MIN, LR_MAX = 2.0**-10, 1.5  # the slider's range: 0.000977 … 1.5
LR_LOG2_STEP = 1 / 32  # slider notch in log2(lr): 0.5 and 1.0 lie on the grid −10 + k/32
STRIP_XLIM = (LR_MIN / 1.15, LR_MAX * 1.15)  # a little beyond the slider, so its ends show
TOL = 1e-6  # "converged": |x_t − x*| at most TOL·|x0 − x*|
REGIME_COLORS = {
    "monotone convergence": COLORS["stable"],
    "one-step jump": "#000000",
    "oscillating convergence": "#56B4E9",
    "pure oscillation": "#CC79A7",
    "divergence": COLORS["unstable"],
}


def _check_x0(x0) -> float:
    if isinstance(x0, bool) or not isinstance(x0, numbers.Real) or not math.isfinite(x0):
        raise ValueError(f"x0 must be a finite number; got {x0!r}")
    return float(x0)


def snap_lr(lr: float, a: float = 1.0) -> float:
    """lr, or exactly 1/(2a) or 1/a when lr is within a relative ``SNAP_RTOL`` of one of them.

    A slider sends base**exponent computed in the browser, which can miss 0.5 by an ulp;
    at lr = 0.5000000000000001 the iterates are not exactly 0. Anything further away than
    1e-9 (relative) is left alone: a learning rate of 0.501 is oscillating convergence.
    """
    lr = check_lr(lr)
    a = check_positive_number("a", a)
    for special in (0.5 / a, 1.0 / a):
        if abs(lr - special) <= SNAP_RTOL * special:
            return special
    return lr


def regime(lr: float, a: float = 1.0) -> str:
    """The regime of GD on a·x² at learning rate lr (one of ``REGIMES``); lr is snapped first."""
    lr = snap_lr(lr, a)
    a = float(a)
    if lr == 0.5 / a:
        return "one-step jump"
    if lr == 1.0 / a:
        return "pure oscillation"
    if lr < 0.5 / a:
        return "monotone convergence"
    if lr < 1.0 / a:
        return "oscillating convergence"
    return "divergence"


def regime_map(a_values, lrs):
    """Regime index (position in ``REGIMES``) for every (lr, a) pair: an (len(lrs), len(a)) array.

    Built from r = 1 − 2a·lr: r > 0, r = 0, −1 < r < 0, r = −1, r < −1 (with the same 1e-9
    tolerance as ``snap_lr`` for the two single values). For drawing a regime diagram.
    """
    a_values = check_numbers("a_values", a_values, positive=True)[None, :]
    lrs = check_numbers("lrs", lrs, positive=True)[:, None]
    s = 2.0 * a_values * lrs  # 1 − r
    codes = np.full(s.shape, 4)
    codes[s < 2] = 2
    codes[s < 1] = 0
    codes[np.abs(s - 1) <= SNAP_RTOL] = 1
    codes[np.abs(s - 2) <= 2 * SNAP_RTOL] = 3
    return codes


def contraction_factor(lr: float, a: float = 1.0) -> float:
    """r = 1 − 2a·lr, the factor one GD step multiplies x by (exactly 0 or −1 at the special lr)."""
    lr = snap_lr(lr, a)
    name = regime(lr, a)
    if name == "one-step jump":
        return 0.0
    if name == "pure oscillation":
        return -1.0
    return 1.0 - 2.0 * a * lr


def predicted_steps(lr: float, a: float = 1.0, tol: float = TOL) -> float:
    """Steps until |x_t| ≤ tol·|x0| from x_t = r^t·x0: ceil(ln tol / ln|r|); inf if |r| ≥ 1."""
    _check_tol(tol)
    r = abs(contraction_factor(lr, a))
    if r == 0.0:
        return 1.0
    if r >= 1.0:
        return math.inf
    return float(math.ceil(math.log(tol) / math.log(r) - 1e-9))


def _check_tol(tol) -> float:
    """A relative tolerance: a number in (0, 1)."""
    tol = check_positive_number("tol", tol)
    if tol >= 1:
        raise ValueError(f"tol must be a number between 0 and 1 (a fraction of |x0|); got {tol!r}")
    return tol


def steps_to_tolerance(objective, x0, lrs, *, tol: float = TOL, max_steps: int = 20_000):
    """Measured steps of GD until |x_t − x*| ≤ tol·|x0 − x*|, one run per learning rate.

    objective: has ``grad`` vectorised over leading axes and ``x_min`` (Parabola, QuadraticBowl).
    x0: float or (d,) start; lrs: (R,) learning rates. All R runs step together (one array).
    Returns (R,) floats: the first such t, or inf when a run never got there in ``max_steps``
    steps (too slow, oscillating or diverging).
    """
    lrs = check_numbers("lrs", lrs, positive=True)
    check_objective(objective)
    x0 = check_point("x0", x0)
    tol = _check_tol(tol)
    max_steps = check_int("max_steps", max_steps, low=1)
    x_min = np.asarray(objective.x_min, dtype=float)
    x = np.broadcast_to(np.asarray(x0, dtype=float), lrs.shape + x_min.shape).copy()
    lr = lrs.reshape(lrs.shape + (1,) * x_min.ndim)
    axes = tuple(range(1, x.ndim))

    def distance(x):
        return np.sqrt(np.sum((x - x_min) ** 2, axis=axes)) if axes else np.abs(x - x_min)

    d0 = distance(x)
    if np.any(d0 == 0):
        raise ValueError("x0 must differ from the minimum x_min")
    steps = np.full(lrs.shape, np.inf)
    active = np.ones(lrs.shape, dtype=bool)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, max_steps + 1):
            x = x - lr * objective.grad(x)  # x_{t+1} = x_t − lr·∇f(x_t), all runs at once
            d = distance(x)
            done = active & (d <= tol * d0)
            steps[done] = t
            active &= ~done & (d <= 1e6 * d0)  # a run 10^6 times further away has diverged
            if not active.any():
                break
            x[~active] = x_min  # park finished runs so that they never overflow
    return steps


def largest_stable_lr(objective, x0, *, lo: float, hi: float, num_steps: int = 400,
                      iters: int = 45) -> float:
    """The largest lr for which a GD run of ``num_steps`` from ``x0`` does not grow, by bisection.

    "Does not grow": |x_T − x*| ≤ |x_{T/2} − x*| (a run at the edge, |r| = 1, counts as stable),
    and it never blew up. lo must be stable and hi unstable. Each probe is a real ``run_gd``.
    """
    lo, hi = check_lr(lo, "lo"), check_lr(hi, "hi")
    check_objective(objective)
    x0 = check_point("x0", x0)
    num_steps = check_int("num_steps", num_steps, low=2)
    iters = check_int("iters", iters, low=1)
    if not lo < hi:
        raise ValueError(f"lo must be smaller than hi; got lo={lo}, hi={hi}")
    x_min = np.asarray(objective.x_min, dtype=float)

    def stable(lr):
        traj = run_gd(objective, x0, lr, num_steps)
        if traj.diverged_at is not None:
            return False
        d = np.abs(traj.xs - x_min).reshape(len(traj.xs), -1).max(axis=1)
        return bool(d[-1] <= d[num_steps // 2])

    if not stable(lo) or stable(hi):
        raise ValueError(f"need a stable lo and an unstable hi; got lo={lo}, hi={hi}")
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if stable(mid) else (lo, mid)
    return lo


# --------------------------------------------------------------------------------------------
# The panel


def compute_gd_1d(lr=0.1, x0=-3.0, num_steps=20, a=1.0):
    """Run GD on f(x) = a·x² and describe it: the state the 1-D panel draws.

    lr > 0 (snapped to 1/(2a) or 1/a within 1e-9, see ``snap_lr``); x0: start; num_steps ≥ 0.
    Returns a dict: xs (T+1,) iterates (T < num_steps if the run blew up and was stopped),
    t (T+1,), theory (num_steps+1,) x0·r^t, r, regime, status and diverged_at (from
    ``helpers.gd``), max_deviation (largest |x_{t+1} − r·x_t| / |x_t|), steps_needed
    (predicted steps to |x| ≤ 1e-6·|x0|), the regime boundaries lr_jump = 1/(2a) and
    lr_max = 1/a, message and level.
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
        "lr_max": 1.0 / a,
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
            return (f"{head} lr > 1/a = {s['lr_max']:.3g}: {growth}; diverged after {steps} "
                    f"(run stopped at |x| = {abs(s['xs'][-1]):.3g})."), "error"
        return f"{head} lr > 1/a = {s['lr_max']:.3g}: {growth}; {last}, diverging.", "error"
    needed = s["steps_needed"]
    sign = "keeps its sign" if name == "monotone convergence" else "flips sign every step"
    text = f"{head} Every step multiplies x by {r:.3g}: x {sign} and shrinks; {last}."
    if needed <= T:
        return f"{text} |x| fell below 1e-6·|x0| after {needed:.0f} steps.", "ok"
    slow = " (slow: lr is small)" if name == "monotone convergence" else ""
    return (f"{text} Getting below 1e-6·|x0| needs {needed:,.0f} steps, more than the {T} "
            f"given{slow}."), "warn"


def _window(xs, x0):
    """Half-width of the parabola plot: covers the iterates, at most 4× the start's reach."""
    reach = max(abs(x0), 0.5)
    return 1.15 * min(max(float(np.max(np.abs(xs))), reach), 4 * reach)




def make_figure():
    """The panel's figure: parabola with iterates, |x_t| on a log axis, and the lr strip."""
    fig = Figure(figsize=(7.0, 4.8))
    grid = fig.add_gridspec(2, 2, height_ratios=[3.0, 0.42], hspace=0.62, wspace=0.3,
                            left=0.085, right=0.985, top=0.94, bottom=0.1)
    ax_f, ax_t = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    ax_lr = fig.add_subplot(grid[1, :])
    art = {"axes": (ax_f, ax_t, ax_lr)}
    # titles as plain texts: ax.set_title re-measures the tick labels on every render (~15 ms)
    art["title_f"], art["title_t"] = (
        ax.text(0.5, 1.03, "", transform=ax.transAxes, ha="center", fontsize=10)
        for ax in (ax_f, ax_t)
    )
    (art["curve"],) = ax_f.plot([], [], color=COLORS["curve"], lw=1.5, label="f(x)")
    (art["path"],) = ax_f.plot([], [], "-o", color=COLORS["gd"], lw=0.8, ms=4, label="x_t")
    (art["start"],) = ax_f.plot([], [], "s", color=COLORS["gd"], ms=7, label="x_0")
    art["outside"] = ax_f.text(0.5, 0.8, "", transform=ax_f.transAxes, ha="center", fontsize=8)
    ax_f.set_xlabel("x")
    ax_f.set_ylabel("f(x)")
    ax_f.legend(loc="upper center", fontsize=8, ncol=3, handlelength=1.2)
    (art["theory"],) = ax_t.plot([], [], "-", color=COLORS["theory"], lw=2.5, alpha=0.7,
                                 label="theory |x0|·|1 − 2a·lr|^t")
    (art["measured"],) = ax_t.plot([], [], "o", color=COLORS["gd"], ms=3.5, label="measured |x_t|")
    (art["zeros"],) = ax_t.plot([], [], "x", color=COLORS["gd"], ms=6, label="x_t = 0 exactly")
    ax_t.set_yscale("log")
    plain_log_ticks(ax_t.yaxis, minor_ticks=False)
    ax_t.set_xlabel("step t")
    ax_t.set_ylabel("|x_t| (log scale)")
    ax_t.legend(loc="upper right", fontsize=8)
    # bottom right: empty when |x_t| grows (the only time the note shows), clear of the legend
    art["stopped"] = ax_t.text(0.97, 0.04, "", transform=ax_t.transAxes, ha="right", fontsize=8,
                               color=COLORS["unstable"])
    art["lr_now"] = setup_lr_strip(ax_lr, STRIP_XLIM)
    art["bands"] = []
    art["bands_for"] = None
    return fig, art


def setup_lr_strip(ax, xlim):
    """Turn ``ax`` into a strip along the slider's lr axis (log scale); return the marker line
    that shows the current lr (update it with ``set_data([lr, lr], [0, 1])``)."""
    ax.set_xscale("log")
    plain_log_ticks(ax.xaxis, minor_ticks=False)
    ax.set_xlim(*xlim)
    ax.set_ylim(0, 1)
    ax.set_yticks([])
    ax.grid(False)
    ax.set_xlabel("learning rate lr (log scale, the slider's range)")
    (lr_now,) = ax.plot([], [], "v-", color="#000000", lw=2.5, ms=8, markevery=[1],
                        label="current lr")
    return lr_now


def _draw_bands(ax, art, lr_jump, lr_max):
    for artist in art["bands"]:
        artist.remove()
    lo, hi = STRIP_XLIM
    c = REGIME_COLORS
    spans = [
        ax.axvspan(lo, min(lr_jump, hi), color=c["monotone convergence"], alpha=0.35, lw=0),
        ax.axvspan(min(lr_jump, hi), min(lr_max, hi), color=c["oscillating convergence"],
                   alpha=0.45, lw=0),
        ax.axvspan(min(lr_max, hi), hi, color=c["divergence"], alpha=0.45, lw=0),
        ax.axvline(lr_jump, color=c["one-step jump"], lw=1.5, ls=":"),
        ax.axvline(lr_max, color=c["pure oscillation"], lw=2.0),
    ]
    spans[3].set_label(f"one-step jump ({lr_jump:.3g})")
    spans[4].set_label(f"pure osc. ({lr_max:.3g})")
    handles = [
        Patch(color=c["monotone convergence"], alpha=0.35, label="monotone conv."),
        spans[3],
        Patch(color=c["oscillating convergence"], alpha=0.45, label="oscillating conv."),
        spans[4],
        Patch(color=c["divergence"], alpha=0.45, label="divergence"),
        art["lr_now"],
    ]
    legend = ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0),
                       ncol=6, fontsize=7.5, handlelength=1.4, columnspacing=0.9,
                       borderaxespad=0.2)
    art["bands"] = [*spans, legend]
    art["bands_for"] = (lr_jump, lr_max)


def draw(fig, art, state):
    """Update the panel's artists from ``compute_gd_1d``'s state."""
    ax_f, ax_t, ax_lr = art["axes"]
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
    art["title_f"].set_text(f"iterates on f(x) = {a:g}·x²")

    t, absx = state["t"], np.abs(xs)
    positive = absx[absx > 0]
    top = 10 * (positive.max() if positive.size else 1.0)  # headroom for the legend
    bottom = min(positive.min() / 3 if positive.size else 1e-2, top / 100)
    art["measured"].set_data(t[absx > 0], positive)
    art["zeros"].set_data(t[absx == 0], np.full(int(np.sum(absx == 0)), bottom * 1.5))
    theory = np.abs(state["theory"])
    theory = np.where(theory > 0, theory, np.nan)
    art["theory"].set_data(np.arange(len(theory)), theory)
    ax_t.set_xlim(-0.5, max(state["num_steps"], 1) + 0.5)
    stopped = state["diverged_at"]
    art["stopped"].set_text(f"diverged: run stopped at step {stopped}" if stopped else "")
    ax_t.set_ylim(bottom, top)
    art["title_t"].set_text(f"|x_t| changes ×{abs(state['r']):.3g} per step")

    if art["bands_for"] != (state["lr_jump"], state["lr_max"]):
        _draw_bands(ax_lr, art, state["lr_jump"], state["lr_max"])
    lr = min(max(state["lr"], STRIP_XLIM[0]), STRIP_XLIM[1])
    art["lr_now"].set_data([lr, lr], [0, 1.0])


def make_panel(lr=0.1, x0=-3.0, num_steps=20, a=1.0):
    """The 1-D panel: GD on a·x² driven by sliders "lr" (log, base 2), "x0" and "num_steps"."""
    a = check_positive_number("a", a)
    fig, art = make_figure()
    # base 2 and step 1/32 in log2(lr): 0.5 = 2^-1 and 1.0 = 2^0 lie on the slider's grid
    slider = lr_slider(lr, min=LR_MIN, max=LR_MAX, base=2, step=LR_LOG2_STEP)
    controls = {
        "lr": slider,
        "x0": float_slider(x0, -3.0, 3.0, description="start x0", step=0.1, readout_format=".1f"),
        "num_steps": int_slider(num_steps, 1, 100, description="steps"),
    }

    def compute(lr, x0, num_steps):
        return compute_gd_1d(lr, x0, num_steps, a=a)

    return Panel(controls, compute, lambda fig, state: draw(fig, art, state), fig)
