"""The gradient-descent runner: iterate, keep the whole trajectory, and say what happened.

    x_{t+1} = x_t − lr · ∇f(x_t)

``run_gd`` is that loop (notebook 01 writes it out first); ``minimize`` runs the same loop with
any optimizer of ``helpers.optim``. Both return a ``Trajectory``: every iterate, every loss and a
verdict a learner can read: "converged" (within ``tol`` of the minimum), "converging" (falling,
not there yet), "oscillating" (neither falling nor growing), "diverging" (growing) or "diverged"
(the loss blew up: the run stopped there, without a flood of overflow warnings).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from helpers.kit.checks import check_int, check_positive
from helpers.kit.text import plural

BLOWUP_FACTOR = 10.0


def blew_up(loss, reference) -> bool:
    """The package's one rule for a blow-up, for GD, training and the panels: ``loss`` is NaN or
    inf, or above BLOWUP_FACTOR × ``reference``, the largest loss a healthy run reaches.

    For training that is the untrained model's loss, or a blind guess's if larger (a healthy
    run starts near it and falls). For GD it is the loss at the start; with momentum β the
    iterate may first swing out further, by up to about 1/(1 − β)² in loss (measured on bowls
    up to β = 0.99), so that is the reference then.
    One comparison, so a training loop can afford it at every step.
    """
    return not loss <= BLOWUP_FACTOR * reference  # "not <=" is True for NaN too


@dataclass
class Trajectory:
    """What a run did. xs: (T+1, *x0.shape) iterates x_0 … x_T; losses: (T+1,) f(x_t)."""

    xs: np.ndarray
    losses: np.ndarray
    status: str
    message: str
    diverged_at: int | None = None
    converged_at: int | None = None

    @property
    def num_steps(self) -> int:
        return len(self.xs) - 1


def run_gd(objective, x0, lr: float, num_steps: int, *, tol: float = 1e-10) -> Trajectory:
    """Plain gradient descent on ``objective`` (it has ``f(x)`` and ``grad(x)``) from ``x0`` (a
    float, or an array of shape (d,)): x ← x − lr·∇f(x), ``num_steps`` times."""
    lr = check_positive("lr", lr)
    return _iterate(objective, x0, lambda x: x - lr * objective.grad(x), num_steps, tol, lr, 1.0)


def minimize(objective, x0, optimizer: str = "gd", lr: float = 0.1, num_steps: int = 100, *,
             tol: float = 1e-10, **hyper) -> Trajectory:
    """``num_steps`` steps of ``optimizer`` ("gd", or a name ``helpers.optim.make_optimizer``
    knows: "momentum", "nesterov", "rmsprop", "adam", ...) on ``objective`` from ``x0``;
    ``hyper`` passes its hyperparameters (momentum=0.9, betas=(0.9, 0.999), ...)."""
    if optimizer == "gd" and not hyper:
        return run_gd(objective, x0, lr, num_steps, tol=tol)
    from helpers.optim import make_optimizer

    x = _start(x0)
    g = np.zeros_like(x)
    opt = make_optimizer("sgd" if optimizer == "gd" else optimizer, [(x, g)], lr=lr, **hyper)

    def step(_):
        g[...] = objective.grad(x)  # the optimizer updates x in place
        opt.step()
        return x.copy()

    beta = opt.hyperparameters().get("momentum", 0.0)
    return _iterate(objective, x, step, num_steps, tol, lr, 1 / (1 - beta) ** 2)


def _start(x0) -> np.ndarray:
    x = np.array(x0, dtype=float)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"x0 must be finite; got {x0!r}")
    return x


def _iterate(objective, x0, step, num_steps, tol, lr, swing) -> Trajectory:
    """Apply ``step`` up to ``num_steps`` times; stop early when the loss blows up (past
    BLOWUP_FACTOR × ``swing`` × its start; swing: 1/(1 − β)² with momentum β, else 1)."""
    num_steps = check_int("num_steps", num_steps, low=0, high=10**6)
    x = _start(x0)
    f_min = getattr(objective, "f_min", 0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        xs, losses = [x.copy()], [float(objective.f(x))]
    if not np.isfinite(losses[0]):
        raise ValueError(f"x0 is too far out: f(x0) = {losses[0]}; got x0={x0!r}")
    reference = swing * max(losses[0] - f_min, 1.0)
    diverged_at = converged_at = None
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run overflows: caught below
        for t in range(1, num_steps + 1):
            x = step(x)
            loss = float(objective.f(x))
            if blew_up(loss - f_min, reference) or not np.all(np.isfinite(x)):
                diverged_at = t
                break
            xs.append(np.array(x, dtype=float))
            losses.append(loss)
            if loss - f_min <= tol:
                converged_at = t if converged_at is None else converged_at
                if np.all(xs[-1] == xs[-2]):  # a fixed point: every further step is the same
                    break
    xs, losses = np.array(xs), np.array(losses)
    if losses[0] - f_min <= tol:
        converged_at = 0
    status, message = _verdict(objective, xs, losses - f_min, diverged_at, converged_at, tol, lr)
    return Trajectory(xs, losses, status, message, diverged_at, converged_at)


def _verdict(objective, xs, gaps, diverged_at, converged_at, tol, lr):
    """Name what happened, from the loss gaps f(x_t) − f_min, t = 0 … T."""
    start, end, T = gaps[0], gaps[-1], len(gaps) - 1
    if diverged_at is not None:
        return "diverged", (f"Diverged after {plural(diverged_at, 'step')}: the loss blew up "
                            f"(past {BLOWUP_FACTOR:g}× the most a healthy run reaches), so the "
                            f"run was stopped. The learning rate {lr:g} is too large here.")
    if converged_at is not None and end <= tol and hasattr(objective, "f_min"):
        return "converged", (f"Converged in {plural(converged_at, 'step')}: the loss is within "
                             f"{tol:.0e} of the minimum.".replace("e-0", "e-"))
    stalled = T > 0 and float(np.sum(np.square(objective.grad(xs[-1])))) <= tol
    above = "above the minimum" if hasattr(objective, "f_min") else ""

    if stalled:  # the gradient vanished above the global minimum: a local minimum or a saddle
        where = np.array2string(np.asarray(xs[-1]), precision=4)
        if _lowest_curvature(objective, xs[-1]) < 0:
            return "converged", (f"Stalled at a saddle point x = {where} (loss {end:.4g} "
                                 f"{above}): the gradient is zero, but the loss curves down in "
                                 "some direction.".replace(" ):", "):"))
        return "converged", (f"Converged to a local minimum at x = {where}, {end:.4g} above the "
                             "lowest loss: gradient descent cannot see the deeper valley.")
    if T == 0:
        return "converging", "No steps taken yet."
    half = gaps[T // 2]  # the end against the middle: what is the loss doing lately?
    if end > half * (1 + 1e-6) and end > start:
        return "diverging", (f"Diverging: the loss grew from {start:.3g} to {end:.3g} in "
                             f"{plural(T, 'step')} (lr {lr:g} is too large).")
    if end < half * (1 - 1e-6):
        return "converging", (f"Still converging after {plural(T, 'step')}: the loss fell from "
                              f"{start:.3g} to {end:.3g}.")
    return "oscillating", (f"Oscillating: after {plural(T, 'step')} the loss is {end:.3g}, "
                           f"neither shrinking nor growing (it started at {start:.3g}).")


def _lowest_curvature(objective, x, h: float = 1e-5) -> float:
    """The smallest eigenvalue of the Hessian at x: ``objective.hessian(x)``, or central
    differences of the gradient."""
    x = np.atleast_1d(np.asarray(x, dtype=float))
    if hasattr(objective, "hessian"):
        return float(np.linalg.eigvalsh(np.atleast_2d(objective.hessian(x)))[0])
    steps = h * np.eye(x.size)
    H = np.array([(np.atleast_1d(objective.grad(x + e)) - np.atleast_1d(objective.grad(x - e)))
                  / (2 * h) for e in steps])
    return float(np.linalg.eigvalsh((H + H.T) / 2)[0])
