"""The predictions of helpers.theory, checked on cases with known answers."""

import math

import numpy as np
import pytest

from helpers.objectives import DoubleWell
from helpers.theory import (
    gibbs_share_deep,
    harmonic_variance,
    kramers_escape_time,
    momentum_noise_floor,
    momentum_rate,
    sgd_temperature,
    steps_from_rate,
)


def test_temperature_is_lr_times_the_batch_noise():
    assert sgd_temperature(0.01, 1, 64, 64.0) == pytest.approx(0.64)
    assert sgd_temperature(0.01, 64, 64, 64.0) == 0.0  # the full batch has no noise
    assert sgd_temperature(0.02, 2, 64, 64.0) == pytest.approx(0.64 * 62 / 63)  # lr/B kept


def test_the_discrete_harmonic_variance_is_the_fixed_point_of_the_recurrence():
    k, lr, s2 = 3.0, 0.1, 5.0
    v = 0.0
    for _ in range(2000):  # Var[x_{t+1}] = (1 − lr k)² Var[x_t] + lr² s²
        v = (1 - lr * k) ** 2 * v + lr**2 * s2
    assert harmonic_variance(k, lr * s2, lr) == pytest.approx(v, rel=1e-12)
    assert harmonic_variance(k, lr * s2) == pytest.approx(lr * s2 / (2 * k))  # Gibbs, lr → 0


def _mean_first_passage(well, T, start, end, num=20001):
    """Exact mean time for dx = −F' dτ + √T dW to go from start to end (end on the deep side)."""
    D = T / 2
    x = np.linspace(min(end, start) - 0.0, max(start, 2.5), num)  # reflecting at x = 2.5
    dx = x[1] - x[0]
    F = well.f(x) - well.f(well.shallow_min)
    inner = np.cumsum(np.exp(-F / D)[::-1])[::-1] * dx  # ∫_y^2.5 e^{−F/D}
    integrand = np.exp(F / D) * inner / D
    inside = (x >= end) & (x <= start)
    return float(integrand[inside].sum() * dx)


@pytest.mark.parametrize("T", [0.08, 0.12])
def test_kramers_matches_the_exact_passage_time_at_low_temperature(T):
    well = DoubleWell(n_examples=64, tilt=0.3, noise=8.0)
    exact = _mean_first_passage(well, T, well.shallow_min, well.deep_min)
    assert kramers_escape_time(well, T) == pytest.approx(exact, rel=0.1)


def test_kramers_time_grows_as_exp_of_twice_the_barrier_over_T():
    well = DoubleWell(n_examples=64, tilt=0.3, noise=8.0)
    height = well.f(well.barrier) - well.f(well.shallow_min)
    ratio = kramers_escape_time(well, 0.2) / kramers_escape_time(well, 0.4)
    assert ratio == pytest.approx(math.exp(2 * height / 0.2 - 2 * height / 0.4))


def test_gibbs_shares():
    assert gibbs_share_deep(DoubleWell(tilt=0.0, noise=1.0), 0.5) == pytest.approx(0.5, abs=1e-3)
    tilted = DoubleWell(tilt=0.3, noise=1.0)
    assert gibbs_share_deep(tilted, 0.01) > 0.999  # cold: everything in the deep well
    assert 0.5 < gibbs_share_deep(tilted, 5.0) < 0.7  # hot: nearly even


def test_momentum_rate_matches_the_scalar_recurrence():
    for lr, beta, lam in [(0.1, 0.5, 3.0), (0.05, 0.0, 10.0), (0.3, 0.9, 1.0), (0.5, 0.2, 3.0)]:
        x_prev, x = 1.0, 1.0 - lr * lam  # first step of heavy ball from rest
        xs = [x_prev, x]
        for _ in range(400):
            x_prev, x = x, (1 + beta - lr * lam) * x - beta * x_prev
            xs.append(x)
        size = np.abs(np.array(xs))
        measured = (np.max(size[-50:]) / np.max(size[-250:-200])) ** (1 / 200)
        assert momentum_rate(lr, beta, [lam]) == pytest.approx(measured, rel=2e-2)


def test_momentum_rate_at_the_optimum_is_the_square_root_of_beta():
    kappa = 100.0
    root = math.sqrt(kappa)
    beta = ((root - 1) / (root + 1)) ** 2
    lr = (2 / (root + 1)) ** 2
    assert momentum_rate(lr, beta, [1.0, kappa]) == pytest.approx(math.sqrt(beta))
    assert momentum_rate(lr, 0.0, [1.0, kappa]) > 1  # without momentum lr* is unstable
    assert steps_from_rate(0.5, 1.0, 1e-3) == pytest.approx(math.log(1e-3) / math.log(0.5))
    assert steps_from_rate(1.0, 1.0, 1e-3) == math.inf


@pytest.mark.parametrize("call", [
    lambda: sgd_temperature(0.1, 0, 64, 1.0), lambda: sgd_temperature(-0.1, 1, 64, 1.0),
    lambda: momentum_rate(0.1, 1.0, [1.0]), lambda: momentum_rate(0.1, 0.5, [-1.0]),
    lambda: harmonic_variance(1.0, 1.0, lr=2.0), lambda: gibbs_share_deep(DoubleWell(), 0.0),
])
def test_bad_arguments_raise_named_errors(call):
    with pytest.raises((ValueError, TypeError)):
        call()


def test_the_noise_floor_of_momentum_is_the_noise_ball_with_the_effective_step():
    from helpers.lab.momentum_map import START, momentum_map

    lrs, betas = np.array([0.005, 0.02]), np.array([0.0, 0.8])
    result = momentum_map(25.0, lrs, betas, max_steps=3000, noise=0.1, num_runs=64)
    lr, beta = np.meshgrid(lrs, betas)
    predicted = momentum_noise_floor(lr, beta, [1.0, 25.0], 0.1) / np.sum(np.square(START))
    measured = result["final_distance"] ** 2  # |x|²/|x0|², averaged over the last steps
    np.testing.assert_allclose(measured, predicted, rtol=0.2)
