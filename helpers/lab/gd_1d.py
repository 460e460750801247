"""Notebook 01, gradient descent in 1-D: GD on f(x) = a·x², its five regimes and its stable band.

On f(x) = a·x² one GD step is  x ← x − lr·2a·x = (1 − 2a·lr)·x,  so the factor r = 1 − 2a·lr
decides everything. The regimes, by learning rate (``REGIMES``, in this order):

- ``"monotone convergence"``    0 < lr < 1/(2a):      0 < r < 1, x shrinks and keeps its sign
                                (slowly for small lr: r is close to 1);
- ``"one-step jump"``           lr = 1/(2a):          r = 0, x_1 = 0 exactly;
- ``"oscillating convergence"`` 1/(2a) < lr < 1/a:    −1 < r < 0, x flips sign and shrinks;
- ``"pure oscillation"``        lr = 1/a:             r = −1, x jumps between x0 and −x0 for ever;
- ``"divergence"``              lr > 1/a:             r < −1, |x| grows geometrically.

Pure functions:

- ``snap_lr``               lr within a relative 1e-9 of 1/(2a) or 1/a becomes exactly that value
- ``regime``                the regime's name for a learning rate (``regime_map``: for a grid)
- ``contraction_factor``, ``predicted_steps``: r and the steps x_t = r^t·x0 needs
- ``run_on_parabola``       one GD run on a·x² beside its theory x0·r^t: what the panel shows

Measured on runs (shared with notebook 02a, in ``helpers.gd``): ``steps_to_tolerance`` and
``measure_max_stable_lr``. The panel is ``helpers.panels.gd_1d``.

Why the learning-rate slider has base 2: a log slider moves its exponent in fixed steps, so only
the values base**(min + k·step) can be reached. With base 10 and step 0.01 (the default
``lr_slider``) 0.5 = 10**(−0.30103…) is never on the grid; with base 2, min = −10 and
step = 1/32, both 0.5 = 2**−1 and 1 = 2**0 are. The browser computes base**exponent itself,
so a value can still arrive a few ulps off; ``snap_lr`` absorbs that (and only that).
"""

from __future__ import annotations

import math

import numpy as np

from ..gd import TOL, _check_tol, run_gd
from ..objectives import Parabola
from ..validate import check_int, check_lr, check_number, check_numbers, check_positive_number

REGIMES = (
    "monotone convergence",
    "one-step jump",
    "oscillating convergence",
    "pure oscillation",
    "divergence",
)


SNAP_RTOL = 1e-9  # relative distance within which lr counts as exactly 1/(2a) or 1/a


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


def run_on_parabola(lr=0.1, x0=-3.0, num_steps=20, a=1.0) -> dict:
    """Run GD on f(x) = a·x² and set it beside the theory x_t = x0·r^t.

    lr > 0 (snapped to 1/(2a) or 1/a within 1e-9, see ``snap_lr``); x0: start; num_steps ≥ 0.
    Returns a dict: xs (T+1,) iterates (T < num_steps if the run blew up and was stopped),
    t (T+1,), theory (num_steps+1,) x0·r^t, r, regime, status and diverged_at (from
    ``helpers.gd``), max_deviation (largest |x_{t+1} − r·x_t| / |x_t|), steps_needed
    (predicted steps to |x| ≤ 1e-6·|x0|), the regime boundaries lr_jump = 1/(2a) and
    max_stable_lr = 1/a, and the arguments lr, x0, num_steps, a.
    """
    a = check_positive_number("a", a)
    lr = snap_lr(lr, a)
    x0 = check_number("x0", x0)
    num_steps = check_int("num_steps", num_steps, low=0)
    traj = run_gd(Parabola(a), x0, lr, num_steps)
    xs, r = traj.xs, contraction_factor(lr, a)
    with np.errstate(over="ignore"):
        theory = x0 * r ** np.arange(num_steps + 1)
    nonzero = xs[:-1] != 0
    deviation = np.abs(xs[1:] - r * xs[:-1])[nonzero] / np.abs(xs[:-1][nonzero])  # x_{t+1} = r·x_t
    return {
        "lr": lr, "x0": x0, "num_steps": num_steps, "a": a, "xs": xs, "t": np.arange(len(xs)),
        "theory": theory, "r": r, "regime": regime(lr, a), "status": traj.status,
        "diverged_at": traj.diverged_at,
        "max_deviation": float(deviation.max()) if deviation.size else 0.0,
        "steps_needed": predicted_steps(lr, a), "lr_jump": 0.5 / a, "max_stable_lr": 1.0 / a,
    }
