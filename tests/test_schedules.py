"""Learning-rate schedules: values by hand, agreement with torch.optim.lr_scheduler, bad input."""

import math

import numpy as np
import pytest

from helpers.optim import SGD
from helpers.schedules import (
    CosineAnnealingLR,
    ExponentialLR,
    LinearWarmup,
    StepLR,
    WarmupCosine,
    lr_curve,
)


def stepped(schedule, num_steps):
    """The optimizer's lr at t = 0 (after construction) and after each of num_steps steps."""
    lrs = [schedule.optimizer.lr]
    for _ in range(num_steps):
        schedule.step()
        lrs.append(schedule.optimizer.lr)
    return lrs


def opt(lr=1.0):
    return SGD([], lr=lr)


# ---- values by hand ----

def test_step_lr_multiplies_by_gamma_every_step_size_steps():
    assert stepped(StepLR(opt(), step_size=3, gamma=0.5), 7) == [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25]


def test_exponential_lr_multiplies_by_gamma_every_step():
    assert stepped(ExponentialLR(opt(), gamma=0.5), 3) == [1, 0.5, 0.25, 0.125]


def test_cosine_goes_from_lr_to_eta_min_in_T_max_steps():
    lrs = stepped(CosineAnnealingLR(opt(), T_max=4, eta_min=0.1), 4)
    c = math.cos(math.pi / 4)
    expected = [1.0, 0.1 + 0.9 * (1 + c) / 2, 0.55, 0.1 + 0.9 * (1 - c) / 2, 0.1]
    np.testing.assert_allclose(lrs, expected, rtol=1e-14)


def test_linear_warmup_rises_from_start_factor_times_lr_to_lr_then_stays():
    lrs = stepped(LinearWarmup(opt(2.0), warmup_steps=4, start_factor=0.2), 6)
    np.testing.assert_allclose(lrs, [0.4, 0.8, 1.2, 1.6, 2.0, 2.0, 2.0], rtol=1e-14)


def test_warmup_cosine_warms_up_then_follows_a_cosine_to_eta_min():
    lrs = stepped(WarmupCosine(opt(), warmup_steps=2, total_steps=6, start_factor=0.5), 6)
    expected = [0.5, 0.75, 1.0, (1 + math.cos(math.pi / 4)) / 2, 0.5,
                (1 - math.cos(math.pi / 4)) / 2, 0.0]
    np.testing.assert_allclose(lrs, expected, rtol=1e-14, atol=1e-15)


# ---- how schedules behave ----

def test_making_a_schedule_sets_the_first_learning_rate():
    optimizer = opt(1.0)
    LinearWarmup(optimizer, warmup_steps=10, start_factor=0.1)
    assert optimizer.lr == pytest.approx(0.1, rel=1e-15)


def test_lr_at_is_pure():
    schedule = StepLR(opt(), step_size=2)
    assert schedule.lr_at(5) == pytest.approx(0.01)
    assert schedule.t == 0 and schedule.optimizer.lr == 1.0


def test_lr_curve_equals_the_rates_set_by_stepping():
    make = lambda: WarmupCosine(opt(0.3), warmup_steps=5, total_steps=20, eta_min=0.01)  # noqa: E731
    curve = lr_curve(make(), 25)
    assert curve.shape == (25,)
    np.testing.assert_array_equal(curve, stepped(make(), 24))


def test_lr_curve_leaves_the_optimizer_alone():
    optimizer = opt(0.5)
    lr_curve(ExponentialLR(optimizer, gamma=0.9), 10)
    assert optimizer.lr == 0.5


def test_step_returns_the_new_learning_rate():
    assert ExponentialLR(opt(), gamma=0.5).step() == 0.5


def test_repr_shows_the_settings():
    assert repr(StepLR(opt(), step_size=3, gamma=0.5)) == "StepLR(step_size=3, gamma=0.5)"


# ---- agreement with torch.optim.lr_scheduler (optional) ----

def torch_lrs(torch, make_scheduler, lr, num_steps):
    p = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([p], lr=lr)
    scheduler = make_scheduler(torch.optim.lr_scheduler, optimizer)
    lrs = [optimizer.param_groups[0]["lr"]]
    for _ in range(num_steps):
        optimizer.step()
        scheduler.step()
        lrs.append(optimizer.param_groups[0]["lr"])
    return lrs


TORCH_CASES = {
    "StepLR": (lambda o: StepLR(o, step_size=4, gamma=0.3),
               lambda S, o: S.StepLR(o, step_size=4, gamma=0.3)),
    "ExponentialLR": (lambda o: ExponentialLR(o, gamma=0.9),
                      lambda S, o: S.ExponentialLR(o, gamma=0.9)),
    "CosineAnnealingLR": (lambda o: CosineAnnealingLR(o, T_max=10, eta_min=0.001),
                          lambda S, o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001)),
    "LinearWarmup": (lambda o: LinearWarmup(o, warmup_steps=5, start_factor=0.1),
                     lambda S, o: S.LinearLR(o, start_factor=0.1, total_iters=5)),
    "LinearWarmup default": (lambda o: LinearWarmup(o, warmup_steps=5),
                             lambda S, o: S.LinearLR(o, total_iters=5)),
    "WarmupCosine": (
        lambda o: WarmupCosine(o, warmup_steps=5, total_steps=15, start_factor=0.1, eta_min=0.001),
        lambda S, o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=5),
                                        S.CosineAnnealingLR(o, T_max=10, eta_min=0.001)],
                                    milestones=[5]),
    ),
}


@pytest.mark.parametrize("case", TORCH_CASES)
def test_matches_torch_lr_scheduler_over_30_steps(case):
    torch = pytest.importorskip("torch")
    ours, theirs = TORCH_CASES[case]
    expected = torch_lrs(torch, theirs, 0.1, 30)  # 30 steps: past T_max and past the warm-up
    np.testing.assert_allclose(stepped(ours(opt(0.1)), 30), expected, rtol=1e-12, atol=1e-15)


# ---- bad input ----

def test_step_size_must_be_a_positive_integer():
    with pytest.raises(ValueError, match="step_size must be an integer >= 1; got 0"):
        StepLR(opt(), step_size=0)


def test_gamma_must_be_positive():
    with pytest.raises(ValueError, match="gamma must be a positive finite number; got -0.5"):
        ExponentialLR(opt(), gamma=-0.5)


def test_start_factor_must_be_in_zero_one():
    with pytest.raises(ValueError, match=r"start_factor must be a number in \(0, 1\]; got 0.0"):
        LinearWarmup(opt(), warmup_steps=3, start_factor=0.0)


def test_total_steps_must_exceed_warmup_steps():
    with pytest.raises(ValueError, match="total_steps must be an integer >= 11; got 10"):
        WarmupCosine(opt(), warmup_steps=10, total_steps=10)


def test_lr_at_rejects_a_negative_step():
    with pytest.raises(ValueError, match="t must be an integer >= 0; got -1"):
        StepLR(opt(), step_size=2).lr_at(-1)


def test_a_schedule_needs_an_optimizer():
    with pytest.raises(TypeError, match="optimizer must be an optimizer with an lr attribute"):
        StepLR(0.1, step_size=2)


def test_lr_curve_needs_a_schedule():
    with pytest.raises(TypeError, match="schedule must be a Schedule"):
        lr_curve(opt(), 10)


# ---- issue 11: a growing schedule says when it leaves the floats ----

@pytest.mark.parametrize("make", [lambda opt: ExponentialLR(opt, gamma=2.0),
                                  lambda opt: StepLR(opt, step_size=1, gamma=2.0)])
def test_a_learning_rate_that_outgrows_the_floats_is_a_named_error(make):
    x = np.zeros(1)
    schedule = make(SGD([(x, np.zeros(1))], lr=0.1))
    assert lr_curve(schedule, 1000)[-1] > 1e290  # huge but finite: allowed, as in torch
    with pytest.raises(ValueError, match=r"lr \* gamma\^\d+ is too large for a float at step "
                                         r"t=\d+ \(gamma=2.0 > 1"):
        lr_curve(schedule, 2000)
