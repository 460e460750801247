"""Predictions: the formulas that notebooks 06 and 07 compare their measurements with.

SGD as diffusion (notebook 07b). A step of SGD on a 1-D loss F,

    x ← x − lr·(F'(x) + ξ),   ξ: the mini-batch noise, mean 0, variance s² = σ²/B · (N − B)/(N − 1),

moves x by −lr·F'(x) plus a random kick of variance lr²·s². Over a "time" τ = lr·t (t steps) the
drift adds up to −F'(x)·τ and the kicks to a variance lr·s²·τ: this is Langevin dynamics,
dx = −F'(x) dτ + √T dW, with the **temperature** T = lr·s² = σ² × the noise scale. Its long-run
distribution is the Gibbs density p(x) ∝ exp(−2F(x)/T), and Kramers' law gives the mean time to
cross a barrier of height ΔF from a minimum: τ ≈ 2π/√(F''(a)·|F''(b)|) · exp(2ΔF/T).

Heavy-ball momentum (notebook 06). On a quadratic with curvature λ, x_{t+1} = (1 + β − lr·λ)x_t
− β·x_{t−1}: the error shrinks per step by the larger root modulus of z² − (1 + β − lr·λ)z + β.
"""

from __future__ import annotations

import math

import numpy as np

from .validate import check_int, check_number, check_positive_number


def _numbers(name: str, value, *, low: float | None = None, above: float | None = None,
             below: float | None = None) -> np.ndarray:
    """A number or an array of finite numbers (>= low, > above, < below): a float array."""
    if value is None or isinstance(value, (str, bytes, bool)):
        raise TypeError(f"{name} must be a number or an array of numbers; got {value!r}")
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or an array of numbers; got {value!r}") from None
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must hold finite numbers; got {value!r}")
    if low is not None and np.any(array < low):
        raise ValueError(f"{name} must be >= {low:g}; got {value!r}")
    if above is not None and np.any(array <= above):
        raise ValueError(f"{name} must be > {above:g}; got {value!r}")
    if below is not None and np.any(array >= below):
        raise ValueError(f"{name} must be < {below:g}; got {value!r}")
    return array


# ---- SGD as diffusion -------------------------------------------------------------------------


def sgd_temperature(lr, batch_size, n_examples: int, sigma2: float):
    """T = lr · σ²/B · (N − B)/(N − 1): the temperature of SGD with the noise of B of N examples.

    lr, batch_size: numbers or arrays (broadcast); sigma2: the variance of one example's gradient
    around the full gradient. T is the variance the kicks add per unit of time lr·t.
    """
    n_examples = check_int("n_examples", n_examples, low=2)
    sigma2 = check_positive_number("sigma2", sigma2)
    lr = _numbers("lr", lr, above=0)
    batch_size = _numbers("batch_size", batch_size, low=1)
    if np.any(batch_size > n_examples):
        raise ValueError(f"batch_size must be from 1 to n_examples = {n_examples}; got "
                         f"{batch_size}")
    T = lr * sigma2 / batch_size * (n_examples - batch_size) / (n_examples - 1)
    return float(T) if T.ndim == 0 else T


def gibbs_share_deep(well, temperature, *, num: int = 4001, span: float = 2.5) -> float:
    """Long-run share of runs in the deep basin: ∫ over the deep side of exp(−2F/T), normalised.

    well: a ``DoubleWell`` (deep_min, barrier, shallow_min, f). The integral runs over
    [−span, span] on ``num`` points (the density is negligible beyond |x| = 2.5 for T up to ~5).
    """
    T = check_positive_number("temperature", temperature)
    x = np.linspace(-span, span, num)
    energy = 2 * (well.f(x) - well.f_min) / T  # >= 0, so exp(−energy) <= 1: no overflow
    density = np.exp(-energy)
    deep_side = (x < well.barrier) if well.deep_min < well.barrier else (x > well.barrier)
    return float(density[deep_side].sum() / density.sum())  # the grid step cancels


def curvature(well, x: float) -> float:
    """F''(x) of a ``DoubleWell``: 12x² − 4."""
    x = check_number("x", x)
    return 12.0 * x * x - 4.0


def kramers_escape_time(well, temperature) -> float:
    """Mean time τ = lr·t to leave the shallow minimum: 2π/√(F''(a)|F''(b)|) · exp(2ΔF/T).

    a: the shallow minimum, b: the barrier top, ΔF = F(b) − F(a). Valid when ΔF is several T/2
    (a rare crossing); returns the time in units of lr·steps, so steps = τ / lr.
    """
    T = check_positive_number("temperature", temperature)
    a, b = well.shallow_min, well.barrier
    height = float(well.f(b) - well.f(a))
    prefactor = 2 * math.pi / math.sqrt(curvature(well, a) * abs(curvature(well, b)))
    return prefactor * math.exp(2 * height / T)


def harmonic_variance(k: float, temperature: float, lr: float = 0.0) -> float:
    """Stationary variance of SGD in a harmonic well F = k x²/2 at temperature T = lr·s².

    Continuous time (lr → 0): T/(2k), the Gibbs variance of exp(−2F/T). The discrete steps
    x ← (1 − lr·k)x − lr·ξ give exactly T/(k(2 − lr·k)): larger by 1/(1 − lr·k/2).
    """
    k = check_positive_number("k", k)
    T = check_positive_number("temperature", temperature)
    lr = check_positive_number("lr", lr, allow_zero=True)
    if lr * k >= 2:
        raise ValueError(f"lr·k must be below 2 for a stable run; got lr={lr!r}, k={k!r}")
    return T / (k * (2 - lr * k))


# ---- heavy-ball momentum on a quadratic -------------------------------------------------------


def momentum_rate(lr, beta, eigenvalues):
    """The worst per-step contraction of heavy-ball momentum over a quadratic's curvatures.

    lr, beta: numbers or arrays of one shape (e.g. a grid); eigenvalues: the curvatures λ.
    For each λ the error follows z² − (1 + β − lr·λ) z + β = 0; the rate is the largest root
    modulus over all λ (< 1: converges, = 1: on the edge, > 1: diverges).
    """
    lr, beta = np.broadcast_arrays(_numbers("lr", lr, above=0),
                                   _numbers("beta", beta, low=0, below=1))
    rate = np.zeros(lr.shape)
    for lam in np.atleast_1d(_numbers("eigenvalues", eigenvalues, above=0)):
        b = 1 + beta - lr * lam  # z² − b z + β = 0
        disc = b * b - 4 * beta
        root = np.sqrt(np.abs(disc))
        real_roots = np.maximum(np.abs(b + root), np.abs(b - root)) / 2
        rate = np.maximum(rate, np.where(disc >= 0, real_roots, np.sqrt(beta)))
    return float(rate) if rate.ndim == 0 else rate


def steps_from_rate(rate, start: float, tol: float):
    """Steps for an error that shrinks by ``rate`` per step to fall from ``start`` to ``tol``.

    rate: a number or an array of numbers >= 0 (1 or more: never, inf steps); start, tol > 0.
    """
    rate = _numbers("rate", rate, low=0)
    start = check_positive_number("start", start)
    tol = check_positive_number("tol", tol)
    with np.errstate(divide="ignore", invalid="ignore"):
        steps = np.where(rate < 1, np.log(tol / start) / np.log(rate), np.inf)
    return float(steps) if steps.ndim == 0 else steps


def momentum_noise_floor(lr, beta, eigenvalues, noise: float):
    """E|x|² where noisy heavy-ball settles on a quadratic: noise² · lr/(1 − β) · Σ 1/(2λ).

    Small-step approximation: each direction is a harmonic well (notebook 07b) in which momentum
    acts like a step lr/(1 − β); noise: the standard deviation added to each gradient coordinate.
    The noise ball of notebook 03, with lr replaced by the effective step lr/(1 − β).
    """
    noise = check_positive_number("noise", noise, allow_zero=True)
    lam = np.atleast_1d(_numbers("eigenvalues", eigenvalues, above=0))
    return noise**2 * effective_lr(lr, beta) * float(np.sum(1 / (2 * lam)))


def effective_lr(lr, beta):
    """lr/(1 − β): the step size momentum settles to when the gradient stays the same."""
    lr = _numbers("lr", lr, above=0)
    result = lr / (1 - _numbers("beta", beta, low=0, below=1))
    return float(result) if result.ndim == 0 else result
