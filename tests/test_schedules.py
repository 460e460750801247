"""Learning-rate schedules: lr_at is the formula, and step() moves the optimizer's lr along it
(helpers/schedules.py). tests/test_torch_golden.py checks both against torch.optim.lr_scheduler."""

import math

import numpy as np
import pytest

from helpers.optim import SGD
from helpers.schedules import CosineAnnealingLR, StepLR


def optimizer(lr=0.1):
    x = np.zeros(2)
    return SGD([(x, np.zeros(2))], lr=lr)


def test_step_lr_multiplies_by_gamma_every_step_size_steps():
    schedule = StepLR(optimizer(), step_size=3, gamma=0.5)
    assert [schedule.lr_at(t) for t in range(8)] == [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025,
                                                     0.025]


def test_cosine_goes_from_lr_down_to_eta_min_in_T_max_steps_then_climbs_back():
    schedule = CosineAnnealingLR(optimizer(), T_max=10, eta_min=0.01)
    assert schedule.lr_at(0) == 0.1
    assert schedule.lr_at(5) == pytest.approx((0.1 + 0.01) / 2, rel=1e-15)
    assert schedule.lr_at(10) == pytest.approx(0.01, rel=1e-15)
    assert schedule.lr_at(15) == pytest.approx(schedule.lr_at(5), rel=1e-15)  # as torch does
    lrs = [schedule.lr_at(t) for t in range(11)]
    assert all(a > b for a, b in zip(lrs, lrs[1:]))


@pytest.mark.parametrize("make", [lambda opt: StepLR(opt, step_size=2, gamma=0.3),
                                  lambda opt: CosineAnnealingLR(opt, T_max=7)])
def test_each_step_sets_the_optimizer_lr_to_lr_at_the_step_count(make):
    opt = optimizer(0.2)
    schedule = make(opt)
    assert schedule.base_lr == 0.2 and opt.lr == schedule.lr_at(0)
    for t in range(1, 10):
        assert schedule.step() == opt.lr == schedule.lr_at(t)
    assert schedule.t == 9


def test_lr_at_is_a_pure_formula_of_t():
    schedule = CosineAnnealingLR(optimizer(), T_max=20)
    before = schedule.lr_at(7)
    for _ in range(5):
        schedule.step()
    assert schedule.lr_at(7) == before
    assert schedule.lr_at(20) == 0.0 and math.isclose(schedule.lr_at(40), 0.1)


def test_repr_shows_the_settings():
    assert repr(StepLR(optimizer(), step_size=5)) == "StepLR(step_size=5, gamma=0.1)"
    assert repr(CosineAnnealingLR(optimizer(), 9)) == "CosineAnnealingLR(T_max=9, eta_min=0.0)"


@pytest.mark.parametrize("make, words", [
    (lambda opt: StepLR(opt, step_size=0), "step_size must be an integer >= 1; got 0"),
    (lambda opt: StepLR(opt, step_size=2, gamma=-1), "gamma must be a positive finite number"),
    (lambda opt: CosineAnnealingLR(opt, T_max=2.5), "T_max must be an integer; got 2.5"),
])
def test_a_bad_setting_is_named(make, words):
    with pytest.raises((ValueError, TypeError)) as info:
        make(optimizer())
    assert words in str(info.value)
