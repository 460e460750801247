"""The (lr, β) map of heavy-ball momentum: measured steps against the predicted rate."""

import numpy as np
import pytest

from helpers.lab.momentum_map import best_point, momentum_map
from helpers.theory import effective_lr

LRS = np.geomspace(0.005, 0.5, 30)
BETAS = np.linspace(0.0, 0.95, 30)


@pytest.fixture(scope="module")
def clean():
    return momentum_map(25.0, LRS, BETAS, tol=1e-3, max_steps=600)


def test_runs_grow_exactly_where_the_predicted_rate_exceeds_one(clean):
    rate, unstable = clean["rate"], clean["rate"] > 1.001
    assert np.isinf(clean["steps"][unstable]).all()
    assert (clean["final_distance"][unstable] > 1).all()  # farther than at the start
    assert not clean["diverged"][rate < 0.999].any()
    assert np.isfinite(clean["steps"][rate < 0.97]).all()


def test_measured_steps_follow_the_predicted_rate(clean):
    ok = np.isfinite(clean["steps"]) & (clean["rate"] < 0.97)
    ratio = clean["steps"][ok] / clean["predicted_steps"][ok]
    assert 0.85 < np.median(ratio) < 1.05
    assert np.percentile(ratio, 95) < 1.2


def test_the_best_grid_point_is_next_to_the_optimal_pair(clean):
    beta, lr, _ = best_point(clean)
    root = 5.0  # √κ
    beta_star, lr_star = ((root - 1) / (root + 1)) ** 2, (2 / (root + 1)) ** 2
    assert abs(beta - beta_star) < 0.1 and abs(np.log(lr / lr_star)) < 0.25


def test_noise_moves_the_best_choice_to_a_smaller_effective_step():
    quiet = momentum_map(25.0, LRS, BETAS, tol=1e-2, max_steps=400)
    noisy = momentum_map(25.0, LRS, BETAS, tol=1e-2, max_steps=400, noise=0.2, num_runs=16)
    beta_q, lr_q, _ = best_point(quiet)
    beta_n, lr_n, _ = best_point(noisy)
    assert effective_lr(lr_n, beta_n) < 0.3 * effective_lr(lr_q, beta_q)
    assert np.all(noisy["final_distance"][np.isfinite(noisy["final_distance"])] > 0)


@pytest.mark.parametrize("kwargs", [{"kappa": 0.5}, {"lrs": [-0.1]}, {"betas": [1.0]},
                                    {"tol": 0.0}, {"max_steps": 0}, {"noise": -1.0}])
def test_bad_arguments_are_named(kwargs):
    args = {"kappa": 10.0, "lrs": [0.1], "betas": [0.5], **kwargs}
    with pytest.raises((ValueError, TypeError)):
        momentum_map(args.pop("kappa"), args.pop("lrs"), args.pop("betas"), **args)
