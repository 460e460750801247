"""Optimizers: each update rule against the formula written out by hand, in place, on the
gradient stored beside the parameter (helpers/optim.py). tests/test_torch_golden.py checks
the same rules against PyTorch."""

import numpy as np
import pytest

from helpers.layers import mlp
from helpers.optim import OPTIMIZERS, SGD, Adam, AdamW, RMSProp, make_optimizer

NUM_STEPS = 12


def gradient(p):
    """A non-linear gradient, so that a wrong update changes the whole path."""
    return 1.5 * p + 0.3 * np.sin(3 * p) - 0.2


def start():
    return np.random.default_rng(0).standard_normal((3, 2))


def run(make, num_steps=NUM_STEPS):
    """The parameters after each step of the optimizer ``make([(p, g)])``."""
    p = start()
    g = np.zeros_like(p)
    opt = make([(p, g)])
    path = []
    for _ in range(num_steps):
        g[...] = gradient(p)
        opt.step()
        path.append(p.copy())
    return np.array(path)


def by_hand(update, num_steps=NUM_STEPS):
    """The same path from ``update(p, g, state, t) -> p`` written out in numpy."""
    p, state, path = start(), {}, []
    for t in range(1, num_steps + 1):
        p = update(p, gradient(p), state, t)
        path.append(p.copy())
    return np.array(path)


def assert_same_path(make, update):
    np.testing.assert_allclose(run(make), by_hand(update), rtol=1e-13, atol=1e-15)


# ---- each rule, written out ----

def test_sgd_is_p_minus_lr_g():
    assert_same_path(lambda ps: SGD(ps, lr=0.1), lambda p, g, s, t: p - 0.1 * g)


def test_sgd_with_weight_decay_adds_weight_decay_times_p_to_the_gradient():
    assert_same_path(lambda ps: SGD(ps, lr=0.1, weight_decay=0.05),
                     lambda p, g, s, t: p - 0.1 * (g + 0.05 * p))


def heavy_ball(p, g, s, t, momentum=0.9, lr=0.05, nesterov=False):
    s["buf"] = g if t == 1 else momentum * s["buf"] + g  # buf_1 = g_1 (torch)
    return p - lr * (g + momentum * s["buf"] if nesterov else s["buf"])


def test_sgd_momentum_is_the_heavy_ball_with_the_buffer_starting_at_g():
    assert_same_path(lambda ps: SGD(ps, lr=0.05, momentum=0.9), heavy_ball)


def test_nesterov_steps_along_g_plus_momentum_times_the_new_buffer():
    assert_same_path(lambda ps: SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
                     lambda p, g, s, t: heavy_ball(p, g, s, t, nesterov=True))


def test_rmsprop_divides_by_the_root_of_a_running_mean_of_g_squared():
    def update(p, g, s, t, alpha=0.9, lr=0.01, eps=1e-6):
        s["v"] = alpha * s.get("v", 0.0) + (1 - alpha) * g**2
        return p - lr * g / (np.sqrt(s["v"]) + eps)

    assert_same_path(lambda ps: RMSProp(ps, lr=0.01, alpha=0.9, eps=1e-6), update)


def adam(p, g, s, t, lr=0.05, b1=0.8, b2=0.99, eps=1e-6, weight_decay=0.0, decoupled=False):
    if decoupled:
        p = p - lr * weight_decay * p
    else:
        g = g + weight_decay * p
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g**2
    m_hat, v_hat = s["m"] / (1 - b1**t), s["v"] / (1 - b2**t)  # bias correction, t from 1
    return p - lr * m_hat / (np.sqrt(v_hat) + eps)


def test_adam_is_momentum_over_the_root_of_v_both_bias_corrected():
    assert_same_path(lambda ps: Adam(ps, lr=0.05, betas=(0.8, 0.99), eps=1e-6), adam)


def test_adam_weight_decay_is_l2_in_the_gradient():
    assert_same_path(lambda ps: Adam(ps, lr=0.05, betas=(0.8, 0.99), eps=1e-6,
                                     weight_decay=0.1),
                     lambda p, g, s, t: adam(p, g, s, t, weight_decay=0.1))


def test_adamw_shrinks_the_weights_by_lr_times_weight_decay_before_adams_step():
    assert_same_path(lambda ps: AdamW(ps, lr=0.05, betas=(0.8, 0.99), eps=1e-6,
                                      weight_decay=0.2),
                     lambda p, g, s, t: adam(p, g, s, t, weight_decay=0.2, decoupled=True))


def test_adams_first_step_has_the_size_of_lr_in_every_coordinate():
    # m̂ / √v̂ = g / |g| at t = 1: the step is lr · sign(g) (up to eps), whatever the scale of g
    p = np.array([1.0, -2.0, 3.0])
    g = np.array([0.01, 5.0, -200.0])
    Adam([(p, g)], lr=0.1).step()
    np.testing.assert_allclose(p, [0.9, -2.1, 3.1], rtol=1e-5)


# ---- what every optimizer does alike ----

@pytest.mark.parametrize("name", OPTIMIZERS)
def test_step_changes_the_parameters_in_place_and_leaves_the_gradient(name):
    model = mlp([3, 4, 2])
    arrays = [p for p, _ in model.parameters()]
    for _, g in model.parameters():
        g[...] = 0.5
    opt = make_optimizer(name, model.parameters(), lr=0.1, weight_decay=0.01)
    before = [p.copy() for p in arrays]
    opt.step()
    assert all(p is q for (p, _), q in zip(model.parameters(), arrays))  # the same arrays
    assert all(not np.array_equal(p, b) for p, b in zip(arrays, before))
    assert all((g == 0.5).all() for _, g in model.parameters())  # weight decay: no trace in g
    assert opt.t == 1


def test_zero_grad_clears_every_gradient():
    model = mlp([3, 4, 2])
    opt = SGD(model.parameters(), lr=0.1)
    for _, g in model.parameters():
        g[...] = 1.0
    opt.zero_grad()
    assert not any(g.any() for _, g in model.parameters())


def test_a_schedule_can_change_lr_between_steps():
    p, g = np.array([1.0]), np.array([1.0])
    opt = SGD([(p, g)], lr=0.1)
    opt.step()
    opt.lr = 0.01
    opt.step()
    assert p[0] == pytest.approx(1 - 0.1 - 0.01)


def test_repr_shows_the_hyperparameters():
    x = np.zeros(2)
    assert repr(SGD([(x, x.copy())], lr=0.1, momentum=0.9)) == (
        "SGD(lr=0.1, momentum=0.9, nesterov=False, weight_decay=0.0)")
    assert repr(Adam([(x, x.copy())])) == (
        "Adam(lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.0)")


def test_make_optimizer_momentum_and_nesterov_mean_beta_0_9_unless_told():
    x = np.zeros(2)
    pairs = [(x, x.copy())]
    assert make_optimizer("momentum", pairs, lr=0.1).hyperparameters()["momentum"] == 0.9
    nesterov = make_optimizer("nesterov", pairs, lr=0.1, momentum=0.5)
    assert (nesterov.momentum, nesterov.nesterov) == (0.5, True)
    assert type(make_optimizer("adamw", pairs, lr=0.1)) is AdamW
    with pytest.raises(ValueError, match="name must be one of 'sgd', 'momentum', 'nesterov', "
                                         "'rmsprop', 'adam', 'adamw'; got 'adagrad'"):
        make_optimizer("adagrad", pairs, lr=0.1)


def test_a_bare_point_is_optimized_in_place():
    x = np.array([-1.5, 2.0])
    g = np.zeros_like(x)
    opt = SGD([(x, g)], lr=0.5)
    for _ in range(50):
        g[...] = 2 * x  # ∇ ||x||²
        opt.step()
    assert np.abs(x).max() < 1e-12  # lr = 0.5 on ||x||²: one step lands on the minimum


@pytest.mark.parametrize("make, words", [
    (lambda ps: SGD(ps, lr=0.1, nesterov=True), "nesterov=True needs momentum > 0"),
    (lambda ps: SGD(ps, lr=0.1, momentum=1.0), "momentum must be a finite number >= 0 and < 1"),
    (lambda ps: Adam(ps, betas=0.9), "betas must be a pair (beta1, beta2)"),
    (lambda ps: RMSProp(ps, eps=0), "eps must be a positive finite number; got 0.0"),
])
def test_a_hyperparameter_out_of_range_is_named(make, words):
    x = np.zeros(2)
    with pytest.raises((ValueError, TypeError)) as info:
        make([(x, x.copy())])
    assert words in str(info.value)


def test_a_point_that_is_a_list_is_refused_with_how_to_make_an_array():
    with pytest.raises(TypeError, match=r"params\[0\] must be a \(param, grad\) pair of float "
                                        r"arrays .*np.array\(\[-1.5, 2.0\]\)"):
        SGD([([1.0, 2.0], [0.0, 0.0])], lr=0.1)
