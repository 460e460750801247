"""The gradient-descent runner: iterate, keep the whole trajectory, and say what happened.

    x_{t+1} = x_t − lr · ∇f(x_t)

``run_gd`` is that loop and nothing else; ``sgd`` is the same loop with the gradient of a random
mini-batch of examples in place of ∇f (the loop notebook 03 writes out). ``minimize`` runs the
same loop with any optimizer of ``helpers.optim`` (momentum, Nesterov, RMSProp, Adam), so the
notebooks can put them side by side.

Both return a ``Trajectory``: every iterate, every loss, and a verdict a learner can read:

- ``"converged"``   the loss came within ``tol`` of the minimum (``converged_at`` says when);
- ``"converging"``  the loss is falling but has not got there in ``num_steps`` steps;
- ``"oscillating"`` the loss neither falls nor grows: the iterate bounces between the walls;
- ``"diverging"``   the loss grows, but has not yet blown up;
- ``"diverged"``    the loss grew past ``blowup`` times its start (or overflowed): the run stopped
  there, without a flood of overflow warnings (``diverged_at`` says at which step).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .text import plural
from .validate import (
    check_choice,
    check_int,
    check_lr,
    check_numbers,
    check_objective,
    check_point,
    check_positive_number,
)

STATUSES = ("converged", "converging", "oscillating", "diverging", "diverged")
TOL = 1e-6  # "converged" in ``steps_to_tolerance``: |x_t − x*| at most TOL·|x0 − x*|
BLOWUP_FACTOR = 5.0  # a loss 5× its reference has blown up (training: the loss of a blind guess)


def blew_up(loss, reference, factor=BLOWUP_FACTOR) -> bool:
    """Did the loss blow up? The one rule of the whole package, for GD, training and the panels.

    True when ``loss`` is NaN or infinite, or larger than ``factor × reference``.
    reference: a loss > 0 that a healthy run stays below: the loss at the start, or the loss of
    a blind guess (log(n_classes) for a classifier); factor: 5 unless the caller says otherwise
    (``run_gd`` uses its ``blowup`` argument, 1e6 by default, since GD's loss may first rise).
    One comparison, so a training loop can afford it at every step.
    """
    return not loss <= factor * reference  # "not <=" is also True for NaN


@dataclass
class Trajectory:
    """What a run of gradient descent did.

    xs: (T+1, *x0.shape) iterates x_0 … x_T (T < num_steps when the run diverged).
    losses: (T+1,) f(x_t) at each iterate.
    """

    xs: np.ndarray
    losses: np.ndarray
    status: str
    message: str
    diverged_at: int | None = None
    converged_at: int | None = None

    @property
    def num_steps(self) -> int:
        """Steps actually taken (T)."""
        return len(self.xs) - 1

    @property
    def x_final(self) -> np.ndarray:
        return self.xs[-1]


def run_gd(objective, x0, lr, num_steps, *, tol: float = 1e-10, blowup: float = 1e6):
    """Plain gradient descent on ``objective`` from ``x0``: x ← x − lr·∇f(x), ``num_steps`` times.

    objective: has ``f(x)`` and ``grad(x)`` (see ``helpers.objectives``).
    x0: a float (1-D objectives) or an array of shape (d,).
    Returns a ``Trajectory`` with iterates of shape (T+1, *x0.shape).
    """
    lr = check_lr(lr)
    _check_objective(objective)

    def gd_step(x):
        return x - lr * objective.grad(x)

    return _iterate(objective, x0, gd_step, num_steps, tol=tol, blowup=blowup, lr=lr)


def sgd(objective, w0, lr, batch_size, num_epochs, *, seed=0):
    """Plain mini-batch SGD, the loop a learner writes: w ← w − lr·(gradient on a batch).

    objective: a sum over examples with ``n_examples`` and ``grad(w, idx)``, the mean gradient over
    the examples ``idx`` (``helpers.objectives.LeastSquares``); w0: (d,) start; batch_size: 1 … N
    (N: plain gradient descent); each epoch visits every example once, in a fresh random order.
    seed: an integer or a numpy Generator. Returns the weights after every update: (T+1, d).
    The vectorised ``helpers.lab.sgd.run_sgd`` runs this same loop for R runs at once.
    """
    from .batches import as_rng, minibatches  # here: gd.py stands alone for notebook 01

    _check_objective(objective)
    if not hasattr(objective, "n_examples"):
        raise TypeError(f"objective must be a sum over examples with n_examples and grad(w, idx) "
                        f"(e.g. LeastSquares(X, y)); got {objective!r}")
    w = check_point("w0", w0, dim=objective.n_features)
    lr = check_lr(lr)
    num_epochs = check_int("num_epochs", num_epochs, low=1)
    rng = as_rng(seed, "seed")
    ws = [w]
    for _epoch in range(num_epochs):
        for idx in minibatches(objective.n_examples, batch_size, rng):  # a fresh shuffle, cut up
            w = w - lr * objective.grad(w, idx)  # the mean gradient over the batch
            ws.append(w)
    return np.array(ws)


def minimize(
    objective,
    x0,
    optimizer: str = "gd",
    lr: float = 0.1,
    num_steps: int = 100,
    *,
    tol: float = 1e-10,
    blowup: float = 1e6,
    **hyper,
):
    """Run ``num_steps`` steps of ``optimizer`` on ``objective`` from ``x0``.

    optimizer: "gd" (plain GD, same as ``run_gd``), or any name ``helpers.optim.make_optimizer``
    knows ("sgd", "momentum", "nesterov", "rmsprop", "adam"); ``hyper`` passes its
    hyperparameters (``momentum=0.9``, ``betas=(0.9, 0.999)``, ...).
    Returns a ``Trajectory``.
    """
    from .optim import OPTIMIZERS, make_optimizer  # here: gd.py stands alone for notebook 01

    optimizer = check_choice("optimizer", optimizer, ("gd", *OPTIMIZERS))
    if optimizer == "gd":
        if hyper:
            raise ValueError(f"optimizer 'gd' takes no hyperparameters; got {sorted(hyper)}")
        return run_gd(objective, x0, lr, num_steps, tol=tol, blowup=blowup)
    lr = check_lr(lr)
    _check_objective(objective)
    x = _check_x0(objective, x0)  # the optimizer updates this array in place
    g = np.zeros_like(x)
    opt = make_optimizer(optimizer, [(x, g)], lr=lr, **hyper)

    def opt_step(x_current):
        g[...] = objective.grad(x)
        opt.step()
        return x.copy()

    return _iterate(objective, x, opt_step, num_steps, tol=tol, blowup=blowup, lr=lr)


def _iterate(objective, x0, step, num_steps, *, tol, blowup, lr):
    """Apply ``step`` up to ``num_steps`` times, stopping early if the loss blows up."""
    num_steps = check_int("num_steps", num_steps, low=0)
    tol = check_positive_number("tol", tol)
    blowup = check_positive_number("blowup", blowup)
    x = _check_x0(objective, x0)
    f_min = getattr(objective, "f_min", 0.0)
    xs, losses = [x.copy()], [_first_loss(objective, x, x0)]
    gap0 = losses[0] - f_min
    reference = max(gap0, 1.0)
    diverged_at = converged_at = None
    if gap0 <= tol:
        converged_at = 0
    # Overflow is expected when lr is too large: we detect it and stop, so silence numpy's warnings.
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, num_steps + 1):
            x = step(x)
            loss = float(objective.f(x))
            if not np.all(np.isfinite(x)) or blew_up(loss - f_min, reference, blowup):
                diverged_at = t
                break
            xs.append(np.array(x, dtype=float))
            losses.append(loss)
            if converged_at is None and loss - f_min <= tol:
                converged_at = t
    xs, losses = np.array(xs), np.array(losses)
    above_min = losses[-1] - f_min > tol
    stationary = diverged_at is None and _at_stationary_point(objective, xs[-1], tol)
    if stationary and (above_min or not hasattr(objective, "f_min")):
        # Settled where the gradient vanishes but above the global minimum (or on a loss with no
        # minimum): a local minimum, unless the loss curves downwards in some direction.
        converged_at = _settled_at(losses, tol)
        if _lowest_curvature(objective, xs[-1]) < 0:
            message = (
                f"Stalled in {plural(converged_at, 'step')} at a saddle point x = "
                f"{np.array2string(xs[-1], precision=4)} (loss {losses[-1]:.4g}): the gradient "
                "is zero there, but the loss curves downwards in some direction, so the "
                "smallest push would send gradient descent on downhill."
            )
            return Trajectory(xs, losses, "converged", message, None, converged_at)
        message = (
            f"Converged in {plural(converged_at, 'step')} to a local minimum at x = "
            f"{np.array2string(xs[-1], precision=4)} (loss {losses[-1]:.4g}; the lowest possible "
            f"is {f_min:.4g}). Gradient descent cannot see the deeper valley from here."
        )
        return Trajectory(xs, losses, "converged", message, None, converged_at)
    status, message = _verdict(losses - f_min, diverged_at, converged_at, tol, blowup, lr)
    return Trajectory(xs, losses, status, message, diverged_at, converged_at)


def _check_objective(objective) -> None:
    """objective must have f(x) and grad(x), like the classes of helpers.objectives."""
    if not (callable(getattr(objective, "f", None)) and callable(getattr(objective, "grad", None))):
        raise TypeError(f"objective must have f(x) and grad(x) methods (e.g. Parabola()); "
                        f"got {objective!r} ({type(objective).__name__})")


def _check_x0(objective, x0) -> np.ndarray:
    """x0 as a float array: finite, and a point of the objective's space ((2,) for a 2-D one)."""
    try:
        x = np.array(x0, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"x0 must be a number or an array of numbers; got {x0!r}") from None
    if not np.all(np.isfinite(x)):
        raise ValueError(f"x0 must be finite; got {x0!r}")
    dim = getattr(objective, "dim", None)
    if dim is None and hasattr(objective, "n_features"):
        dim = objective.n_features
    if dim is not None and x.shape != (dim,):
        raise ValueError(f"x0 must have shape ({dim},) for {objective!r}; got {x0!r} "
                         f"(shape {x.shape})")
    return x


def _first_loss(objective, x, x0) -> float:
    """f(x0), or a ValueError when x0 is so far out that f(x0) overflows."""
    with np.errstate(over="ignore", invalid="ignore"):
        loss = float(objective.f(x))
    if not np.isfinite(loss):
        raise ValueError(f"x0 is too far out: f(x0) = {loss} is not a finite number; got "
                         f"x0={x0!r}")
    return loss


def _at_stationary_point(objective, x, tol) -> bool:
    """True when the gradient at x is (numerically) zero: |∇f(x)|² <= tol."""
    return float(np.sum(np.square(objective.grad(x)))) <= tol


def _lowest_curvature(objective, x, h: float = 1e-5) -> float:
    """The smallest eigenvalue of the Hessian at x: ``objective.hessian`` if it has one, else
    central differences of the gradient (2·d gradient calls)."""
    x = np.atleast_1d(np.asarray(x, dtype=float))
    if hasattr(objective, "hessian"):
        H = np.atleast_2d(objective.hessian(x.reshape(np.shape(objective.x_min))
                                            if hasattr(objective, "x_min") else x))
    else:
        H = np.empty((x.size, x.size))
        for i in range(x.size):
            step = np.zeros_like(x)
            step[i] = h
            grad = lambda p: np.atleast_1d(objective.grad(p.reshape(np.shape(x)) if x.size > 1
                                                          else p[0]))
            H[:, i] = (grad(x + step) - grad(x - step)) / (2 * h)
        H = (H + H.T) / 2
    return float(np.linalg.eigvalsh(H)[0])


def _settled_at(losses, tol) -> int:
    """The first step from which the loss stays within ``tol`` of its final value."""
    moving = np.nonzero(np.abs(losses - losses[-1]) > tol)[0]
    return int(moving[-1]) + 1 if len(moving) else 0


def _verdict(gaps, diverged_at, converged_at, tol, blowup, lr):
    """Name what happened from the loss gaps f(x_t) − f_min, t = 0 … T."""
    start, end, T = gaps[0], gaps[-1], len(gaps) - 1
    if diverged_at is not None:
        return "diverged", (
            f"Diverged after {plural(diverged_at, 'step')}: the loss grew past {blowup:g}× its "
            f"starting value, so the run was stopped. The learning rate {lr:g} is too large here."
        )
    if converged_at is not None and end <= tol:
        return "converged", (
            f"Converged in {plural(converged_at, 'step')}: loss within {tol:g} of the minimum."
        )
    if T == 0:
        return "converging", "No steps taken yet."
    half = gaps[T // 2]  # compare the end with the middle: what is the loss doing lately?
    if end > half * (1 + 1e-6) and end > start:
        return "diverging", (
            f"Diverging: the loss grew from {start:.3g} to {end:.3g} in {T} steps "
            f"(lr {lr:g} is too large); it will keep growing."
        )
    if end < half * (1 - 1e-6):
        return "converging", (
            f"Still converging after {T} steps: the loss fell from {start:.3g} to {end:.3g}. "
            "More steps, or a larger learning rate, would get closer."
        )
    return "oscillating", (
        f"Oscillating: after {T} steps the loss is {end:.3g}, neither shrinking nor growing "
        f"(it started at {start:.3g})."
    )


# ---- measured on many runs: how many steps, and up to which lr (notebooks 01 and 02) -------------

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


def measure_max_stable_lr(objective, x0, *, lo: float, hi: float, num_steps: int = 400,
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
