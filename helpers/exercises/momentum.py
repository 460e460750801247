"""Exercises of deep dive D2 (momentum in depth): the rate of the 2×2 iteration, and a count.

- ``momentum_rate``:    the larger |root| of z² − (1 + β − lr·λ) z + β, on one eigen-direction
- ``heavy_ball_steps``: run momentum on a bowl and count the steps to a tolerance (or None)
"""

from __future__ import annotations

import math

import numpy as np

from helpers.topics.momentum import best_pair

from . import Mistake, as_number, exercise, log_uniform, read_step_count, run_cases


def _rate(lr, beta, lam, *, how="right"):
    """The larger |z|; ``how`` gives the common wrong attempts."""
    b = 1 + beta - lr * lam  # z² − b z + β = 0
    disc = b * b - 4 * beta
    if how == "gd":
        return abs(1 - lr * lam)
    if disc < 0:  # complex pair: |z|² = z·z̄ = β
        return beta if how == "beta" else math.sqrt(beta)
    root = math.sqrt(disc)
    if how == "signed":
        return (b + root) / 2
    if how == "smaller":
        return (abs(b) - root) / 2
    return (abs(b) + root) / 2


RATE_MISTAKES = {
    "beta": Mistake("for complex roots you returned β: it is |z|² (the product z·z̄) that "
                    "equals β, not |z|.", lambda *case: _rate(*case, how="beta")),
    "gd": Mistake("that is plain GD's rate |1 − lr·λ|: momentum's polynomial has β in it.",
                  lambda *case: _rate(*case, how="gd")),
    "signed": Mistake("right while lr·λ < 1 + β; beyond, both real roots are negative, and the "
                      "rate is the larger of their absolute values.",
                      lambda *case: _rate(*case, how="signed")),
    "smaller": Mistake("with real roots you returned the smaller |z|: the slower of the two "
                       "sets the rate.", lambda *case: _rate(*case, how="smaller")),
}


def _rate_cases(rng):
    beta = float(rng.uniform(0.05, 0.95))
    lam = log_uniform(rng, 0.5, 50)
    return [(0.01, 0.7, 1.0),  # real roots: the direction creeps in
            (log_uniform(rng, 0.001, 4.0) / lam, beta, lam),
            (0.1, 0.81, 10.0),  # inside the band: complex roots
            (0.25, 0.25, 1.0),  # critical damping: a double root
            (1.0, 0.5, 2.95),  # lr·λ past 1 + β: both roots negative
            (0.1, 0.5, 40.0),  # past 2(1 + β): diverges, a rate above 1
            (0.5, 0.0, 3.0)]  # β = 0: plain GD


@exercise("momentum_rate", RATE_MISTAKES)
def _check_momentum_rate(fn):
    run_cases(fn, _rate_cases(np.random.default_rng()), answer=_rate, read=as_number,
              label=lambda lr, beta, lam: f"for lr = {lr:.4g}, beta = {beta:.4g}, lam = {lam:.4g}",
              mistakes=RATE_MISTAKES,
              pointer=lambda case, out, expected: (
                  f"for lr = {case[0]:.4g}, beta = {case[1]:.4g}, lam = {case[2]:.4g} (lr·λ = "
                  f"{case[0] * case[2]:.4g}) your rate is too "
                  f"{'large' if out > expected else 'small'}; find out first whether the roots "
                  "are real or complex there."))
    return True, ("√β across the whole band of complex roots, larger outside it: momentum's "
                  "rate stops depending on the curvature where the path swings.")


def _heavy_ball(kappa, lr, mu, tol, max_steps, *, how="right"):
    """Steps of momentum on ½(x1² + κ·x2²) from (1, 1) until |x_t| ≤ tol; inf if not by max_steps.

    Python floats (a diverging run overflows to inf quietly); ``how``: the wrong attempts.
    """
    x, buf = [1.0, 1.0], [0.0, 0.0]
    for t in range(max_steps + 1):
        size = x[0] ** 2 + x[1] ** 2 if how == "squared" else math.hypot(*x)
        if (size < tol if how == "strict" else size <= tol) and not (how == "after" and t == 0):
            return t + (how == "one_more")
        if t == max_steps - (how == "misses_last"):
            break
        for i, lam in enumerate((1.0, kappa)):
            g = (2 if how == "no_half" else 1) * lam * x[i]  # ∂f/∂x_i = λ·x_i
            mu_used = 0.0 if how == "no_momentum" else mu
            new_buf = mu_used * buf[i] + ((1 - mu) * g if how == "dampened" else g)
            x[i] -= lr * (buf[i] if how == "old_buffer" else new_buf)
            buf[i] = new_buf
    return max_steps if how == "cap_count" else math.inf


def _wrong(how):
    return lambda *case: _heavy_ball(*case, how=how)


HEAVY_BALL_MISTAKES = {
    "no_momentum": Mistake("your counts are those of plain GD: the buffer must carry the past "
                           "gradients from step to step, and x moves along it.",
                           _wrong("no_momentum")),
    "dampened": Mistake("your buffer scales the new gradient by (1 − momentum); here it adds the "
                        "gradient at full size.", _wrong("dampened")),
    "old_buffer": Mistake("x moved with the old buffer: update the buffer first, then move x with "
                          "it.", _wrong("old_buffer")),
    "no_half": Mistake("your gradient is twice too large: f has a ½ in front, so the gradient of "
                       "each term is its curvature times the coordinate.", _wrong("no_half")),
    "one_more": Mistake("one step too many: count the updates, not the points visited (the start "
                        "is not a step).", _wrong("one_more")),
    "after": Mistake("a start already within tol needs 0 steps: check |x| before the first "
                     "update too.", _wrong("after")),
    "strict": Mistake("a run that lands exactly on |x| = tol is within tol: the test is ≤, "
                      "not <.", _wrong("strict")),
    "misses_last": Mistake("a run that gets within tol at step max_steps itself counts: check "
                           "after the last update too.", _wrong("misses_last")),
    "squared": Mistake("you compared |x|² with tol: compare the length |x| itself.",
                       _wrong("squared")),
    "cap_count": Mistake("when the run does not get within tol in max_steps steps, return None, "
                         "not max_steps: a count would say it got there.", _wrong("cap_count")),
}


def _heavy_ball_cases(rng):
    kappa = log_uniform(rng, 2, 50)
    mu = float(rng.uniform(0.3, 0.9))
    random = (kappa, float(rng.uniform(0.3, 0.9)) * 2 * (1 + mu) / kappa, mu, 1e-6, 2000)
    exact = _heavy_ball(10.0, 0.03, 0.5, 1e-6, 2000)  # the first case's count
    return [(10.0, 0.03, 0.5, 1e-6, 2000), random, (25.0, *best_pair(1.0, 25.0), 1e-6, 2000),
            (25.0, 2 / 26, 0.0, 1e-6, 2000),  # momentum 0 is GD, at its best lr
            (10.0, 0.1, 0.5, 2.0, 100),  # the start (length √2) is within tol already
            (10.0, 0.1, 0.5, math.hypot(1.0, 1.0), 100),  # exactly on the boundary |x| = tol
            (10.0, 0.03, 0.5, 1e-6, int(exact)),  # gets there at step max_steps exactly
            (10.0, 0.32, 0.5, 1e-6, 300),  # past 2(1 + momentum)/λ_max: diverges
            (100.0, 0.0198, 0.0, 1e-6, 50)]  # converges, but not within 50 steps


def _heavy_ball_label(kappa, lr, mu, tol, max_steps):
    return (f"for kappa = {kappa:.4g}, lr = {lr:.4g}, momentum = {mu:.3g}, tol = {tol:.3g}, "
            f"max_steps = {max_steps}")


def _heavy_ball_pointer(case, out, expected):
    where = _heavy_ball_label(*case)
    if math.isinf(expected):
        return f"{where}: the run does not get within tol in time, yet you returned a count."
    if math.isinf(out):
        return f"{where}: the run does get within tol in time, but your function returned None."
    return f"{where}: your count is too {'large' if out > expected else 'small'}."


@exercise("heavy_ball_steps", HEAVY_BALL_MISTAKES)
def _check_heavy_ball_steps(fn):
    run_cases(fn, _heavy_ball_cases(np.random.default_rng()), answer=_heavy_ball,
              read=lambda out, where, case: read_step_count(out, where),
              label=_heavy_ball_label, mistakes=HEAVY_BALL_MISTAKES, pointer=_heavy_ball_pointer)
    momentum = _heavy_ball(100.0, *best_pair(1.0, 100.0), 1e-6, 5000)
    plain = _heavy_ball(100.0, 2 / 101, 0.0, 1e-6, 5000)
    return True, (f"at κ = 100, (lr*, β*) needs {momentum:.0f} steps and plain GD at its best lr "
                  f"{plain:.0f}: {plain / momentum:.1f} times fewer (√κ = 10).")
