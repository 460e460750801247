"""Optimizers: steps computed by hand on f(x) = x^2, torch.optim agreement, bad input.

The hand-computed cases minimise f(x) = x^2 (gradient 2x) from x = 1 in float64; the expected
iterates are written out from the update formulas, not produced by the classes under test.
"""

import math

import numpy as np
import pytest

from helpers.layers import mlp
from helpers.optim import SGD, AdaGrad, Adam, AdamW, Optimizer, RMSProp, make_optimizer

EXACT = 1e-12


def run(make, num_steps, x0=1.0):
    """Minimise f(x) = x^2 from x0 with make([(x, g)]); return the iterates x_1..x_num_steps."""
    x = np.array([x0])
    g = np.zeros_like(x)
    opt = make([(x, g)])
    xs = []
    for _ in range(num_steps):
        g[...] = 2 * x  # f'(x) = 2x
        opt.step()
        xs.append(x[0])
    return xs


# ---- SGD ----

def test_sgd_steps_against_the_negative_gradient():
    # x <- x - lr * 2x = 0.8 x
    xs = run(lambda p: SGD(p, lr=0.1), 3)
    np.testing.assert_allclose(xs, [0.8, 0.64, 0.512], rtol=0, atol=EXACT)


def test_momentum_buffer_starts_as_the_first_gradient():
    # step 1: g = 2, buf = g = 2 (no 0.9 * 0 + ...), x = 1 - 0.1 * 2 = 0.8, like plain SGD
    assert run(lambda p: SGD(p, lr=0.1, momentum=0.9), 1) == pytest.approx([0.8], abs=EXACT)


def test_momentum_steps_follow_the_velocity():
    # g2 = 1.6, buf2 = 0.9 * 2 + 1.6 = 3.4, x2 = 0.8 - 0.34 = 0.46
    # g3 = 0.92, buf3 = 0.9 * 3.4 + 0.92 = 3.98, x3 = 0.46 - 0.398 = 0.062
    xs = run(lambda p: SGD(p, lr=0.1, momentum=0.9), 3)
    np.testing.assert_allclose(xs, [0.8, 0.46, 0.062], rtol=0, atol=EXACT)


def test_dampening_scales_the_new_gradient_but_not_the_first():
    # buf1 = g1 = 2, x1 = 0.8; g2 = 1.6, buf2 = 0.9 * 2 + (1 - 0.5) * 1.6 = 2.6, x2 = 0.54
    xs = run(lambda p: SGD(p, lr=0.1, momentum=0.9, dampening=0.5), 2)
    np.testing.assert_allclose(xs, [0.8, 0.54], rtol=0, atol=EXACT)


def test_nesterov_steps_along_gradient_plus_momentum_times_buffer():
    # step 1: buf = 2, d = 2 + 0.9 * 2 = 3.8, x1 = 1 - 0.38 = 0.62
    # step 2: g = 1.24, buf = 0.9 * 2 + 1.24 = 3.04, d = 1.24 + 0.9 * 3.04 = 3.976, x2 = 0.2224
    xs = run(lambda p: SGD(p, lr=0.1, momentum=0.9, nesterov=True), 2)
    np.testing.assert_allclose(xs, [0.62, 0.2224], rtol=0, atol=EXACT)


def test_weight_decay_adds_wd_times_the_parameter_to_the_gradient():
    # d1 = 2 + 0.1 * 1 = 2.1, x1 = 0.79; d2 = 1.58 + 0.079 = 1.659, x2 = 0.6241
    xs = run(lambda p: SGD(p, lr=0.1, weight_decay=0.1), 2)
    np.testing.assert_allclose(xs, [0.79, 0.6241], rtol=0, atol=EXACT)


def test_weight_decay_leaves_the_stored_gradient_alone():
    x, g = np.array([1.0]), np.array([2.0])
    SGD([(x, g)], lr=0.1, weight_decay=0.5).step()
    assert g[0] == 2.0


# ---- RMSProp ----

def test_rmsprop_divides_by_the_root_of_the_running_mean_square():
    lr, alpha, eps = 0.01, 0.9, 1e-8
    g1 = 2.0
    v1 = (1 - alpha) * g1**2
    x1 = 1 - lr * g1 / (math.sqrt(v1) + eps)
    g2 = 2 * x1
    v2 = alpha * v1 + (1 - alpha) * g2**2
    x2 = x1 - lr * g2 / (math.sqrt(v2) + eps)
    xs = run(lambda p: RMSProp(p, lr=lr, alpha=alpha, eps=eps), 2)
    np.testing.assert_allclose(xs, [x1, x2], rtol=0, atol=EXACT)


def test_rmsprop_with_momentum_accumulates_the_scaled_gradient():
    lr, alpha, eps, mu = 0.01, 0.9, 1e-8, 0.5
    g1 = 2.0
    v1 = (1 - alpha) * g1**2
    buf1 = g1 / (math.sqrt(v1) + eps)
    x1 = 1 - lr * buf1
    g2 = 2 * x1
    v2 = alpha * v1 + (1 - alpha) * g2**2
    buf2 = mu * buf1 + g2 / (math.sqrt(v2) + eps)
    x2 = x1 - lr * buf2
    xs = run(lambda p: RMSProp(p, lr=lr, alpha=alpha, eps=eps, momentum=mu), 2)
    np.testing.assert_allclose(xs, [x1, x2], rtol=0, atol=EXACT)


# ---- Adam ----

def test_adam_steps_with_bias_corrected_moments():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    x, m, v, expected = 1.0, 0.0, 0.0, []
    for t in (1, 2, 3):
        g = 2 * x
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        x = x - lr * m_hat / (math.sqrt(v_hat) + eps)
        expected.append(x)
    xs = run(lambda p: Adam(p, lr=lr, betas=(b1, b2), eps=eps), 3)
    np.testing.assert_allclose(xs, expected, rtol=0, atol=EXACT)


def test_adam_first_step_has_size_lr_whatever_the_gradient_scale():
    # bias correction: m_hat = g and v_hat = g^2 at t = 1, so the step is lr * g / |g|
    for scale in (1e-3, 1.0, 1e3):
        x, g = np.array([1.0]), np.array([2.0 * scale])
        Adam([(x, g)], lr=0.1, eps=1e-300).step()  # eps = 0 is refused: 0/0 at g = 0
        assert x[0] == pytest.approx(0.9, abs=EXACT)


def test_adam_weight_decay_is_added_to_the_gradient():
    lr, wd = 0.1, 0.5
    g = 2.0 + wd * 1.0  # g + wd * x at x = 1
    expected = 1 - lr * g / (abs(g) + 1e-8)  # first step: m_hat = g, v_hat = g^2
    xs = run(lambda p: Adam(p, lr=lr, weight_decay=wd), 1)
    assert xs[0] == pytest.approx(expected, abs=EXACT)


# ---- shared behaviour ----

ALL = [
    lambda p: SGD(p, lr=0.1),
    lambda p: SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    lambda p: RMSProp(p, lr=0.01, momentum=0.5),
    lambda p: Adam(p, lr=0.01, weight_decay=0.01),
]


@pytest.mark.parametrize("make", ALL)
def test_parameters_change_in_place_and_keep_float32(make):
    model = mlp([3, 4, 2])
    params_before = [p for p, _ in model.parameters()]
    values_before = [p.copy() for p in params_before]
    for _, grad in model.parameters():
        grad[...] = 1.0
    make(model.parameters()).step()
    for param, before, value_before in zip(model.params.values(), params_before, values_before):
        assert param is before
        assert param.dtype == np.float32
        assert not np.array_equal(param, value_before)


def test_changing_lr_changes_the_next_step():
    x, g = np.array([1.0]), np.array([1.0])
    opt = SGD([(x, g)], lr=0.1)
    opt.step()
    opt.lr = 0.5
    opt.step()
    assert x[0] == pytest.approx(1 - 0.1 - 0.5, abs=EXACT)


def test_zero_grad_sets_gradients_to_zero_in_place():
    x, g = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    opt = SGD([(x, g)], lr=0.1)
    opt.zero_grad()
    assert opt.params[0][1] is g and not g.any()


def test_an_optimizer_moves_a_bare_point():
    x = np.array([-1.5, 2.0])
    g = np.zeros_like(x)
    opt = SGD([(x, g)], lr=0.1, momentum=0.9)
    for _ in range(200):
        g[...] = 2 * x
        opt.step()
    assert np.abs(x).max() < 1e-3  # |x| shrinks by about sqrt(0.9) per step


def test_sgd_repr_shows_hyperparameters():
    opt = SGD([], lr=0.01, momentum=0.9)
    assert repr(opt) == "SGD(lr=0.01, momentum=0.9, nesterov=False, weight_decay=0.0)"


def test_adam_and_rmsprop_repr_show_hyperparameters():
    assert repr(Adam([])) == "Adam(lr=0.001, betas=(0.9, 0.999), eps=1e-08, weight_decay=0.0)"
    assert repr(RMSProp([])) == (
        "RMSProp(lr=0.01, alpha=0.99, eps=1e-08, weight_decay=0.0, momentum=0.0)"
    )


@pytest.mark.parametrize("name, cls, hyper", [
    ("sgd", SGD, {"momentum": 0.0, "nesterov": False}),
    ("momentum", SGD, {"momentum": 0.9, "nesterov": False}),
    ("nesterov", SGD, {"momentum": 0.9, "nesterov": True}),
    ("rmsprop", RMSProp, {"alpha": 0.99}),
    ("adam", Adam, {"betas": (0.9, 0.999)}),
])
def test_make_optimizer_builds_each_named_optimizer(name, cls, hyper):
    opt = make_optimizer(name, [], lr=0.05)
    assert type(opt) is cls and opt.lr == 0.05
    for key, value in hyper.items():
        assert getattr(opt, key) == value


def test_make_optimizer_passes_hyperparameters_on():
    assert make_optimizer("momentum", [], lr=0.1, momentum=0.5).momentum == 0.5


# ---- bad input ----

@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), float("inf")])
def test_lr_must_be_positive_and_finite(lr):
    with pytest.raises(ValueError, match="lr must be a positive finite number"):
        SGD([], lr=lr)


def test_lr_must_be_a_number():
    with pytest.raises(TypeError, match="lr must be a number; got '0.1'"):
        SGD([], lr="0.1")


def test_momentum_must_be_below_one():
    with pytest.raises(ValueError, match=r"momentum must be a number in \[0, 1\); got 1.0"):
        SGD([], lr=0.1, momentum=1.0)


def test_nesterov_needs_momentum():
    with pytest.raises(ValueError, match="nesterov=True needs momentum > 0"):
        SGD([], lr=0.1, nesterov=True)


def test_a_model_instead_of_its_parameters_is_refused():
    with pytest.raises(TypeError, match=r"pass model.parameters\(\)"):
        SGD(mlp([2, 2]), lr=0.1)


def test_a_python_float_cannot_be_a_parameter():
    with pytest.raises(TypeError, match=r"params\[0\] must be a \(param, grad\) pair"):
        SGD([(1.0, 0.0)], lr=0.1)


def test_integer_arrays_cannot_be_parameters():
    with pytest.raises(TypeError, match=r"params\[0\] must hold floats; got param dtype int64"):
        SGD([(np.array([1, 2]), np.zeros(2))], lr=0.1)


def test_param_and_grad_shapes_must_match():
    with pytest.raises(ValueError, match=r"same shape; got \(2,\) and \(3,\)"):
        SGD([(np.zeros(2), np.zeros(3))], lr=0.1)


def test_betas_must_be_a_pair_of_fractions():
    with pytest.raises(ValueError, match=r"betas\[1\] must be a number in \[0, 1\)"):
        Adam([], betas=(0.9, 1.5))


def test_make_optimizer_rejects_an_unknown_name():
    expected = ("name must be one of 'sgd', 'momentum', 'nesterov', 'rmsprop', 'adam', 'adagrad', "
                "'adamw'; got 'lbfgs'")
    with pytest.raises(ValueError, match=expected):
        make_optimizer("lbfgs", [], lr=0.1)


def test_make_optimizer_builds_adagrad_and_adamw():
    x = np.zeros(2)
    assert isinstance(make_optimizer("adagrad", [(x, np.zeros(2))], lr=0.1), AdaGrad)
    assert make_optimizer("adamw", [(x, np.zeros(2))], lr=0.1).weight_decay == 0.01


def test_make_optimizer_rejects_an_unknown_hyperparameter():
    with pytest.raises(TypeError, match="'momentum' is not a hyperparameter of optimizer 'adam'"):
        make_optimizer("adam", [], lr=0.1, momentum=0.9)


def test_the_base_optimizer_has_no_step():
    with pytest.raises(NotImplementedError):
        Optimizer([], lr=0.1).step()


# ---- agreement with torch.optim (optional: skipped without torch) ----

TORCH_CASES = {
    "sgd": (SGD, "SGD", {}),
    "momentum": (SGD, "SGD", {"momentum": 0.9}),
    "momentum+dampening": (SGD, "SGD", {"momentum": 0.9, "dampening": 0.3}),
    "nesterov": (SGD, "SGD", {"momentum": 0.9, "nesterov": True}),
    "sgd+weight_decay": (SGD, "SGD", {"momentum": 0.9, "weight_decay": 0.05}),
    "rmsprop": (RMSProp, "RMSprop", {}),
    "rmsprop+momentum+weight_decay": (RMSProp, "RMSprop", {"momentum": 0.5, "weight_decay": 0.05}),
    "adam": (Adam, "Adam", {}),
    "adam+weight_decay": (Adam, "Adam", {"betas": (0.8, 0.99), "weight_decay": 0.05}),
    "adagrad": (AdaGrad, "Adagrad", {}),
    "adagrad+lr_decay+weight_decay": (AdaGrad, "Adagrad", {"lr_decay": 0.01, "weight_decay": 0.05,
                                                          "initial_accumulator_value": 0.1}),
    "adamw": (AdamW, "AdamW", {}),
    "adamw+weight_decay": (AdamW, "AdamW", {"betas": (0.8, 0.99), "weight_decay": 0.2}),
}


def gradient(p, h, c):
    """A gradient that depends on the point non-linearly, so wrong updates change the path."""
    return h * p + c + 0.3 * np.sin(3 * p)


@pytest.mark.parametrize("case", TORCH_CASES)
def test_matches_torch_optim_over_20_steps_in_float64(case):
    torch = pytest.importorskip("torch")
    ours_cls, torch_name, hyper = TORCH_CASES[case]
    rng = np.random.default_rng(0)
    shapes = [(3, 4), (4,)]
    starts = [rng.standard_normal(s) for s in shapes]
    hs = [rng.uniform(0.5, 2.0, s) for s in shapes]
    cs = [rng.standard_normal(s) for s in shapes]

    ours = [(x.copy(), np.zeros_like(x)) for x in starts]
    theirs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in starts]
    opt = ours_cls(ours, lr=0.05, **hyper)
    torch_opt = getattr(torch.optim, torch_name)(theirs, lr=0.05, **hyper)
    for _ in range(20):
        for (p, g), h, c in zip(ours, hs, cs):
            g[...] = gradient(p, h, c)
        opt.step()
        for p, h, c in zip(theirs, hs, cs):
            p.grad = torch.from_numpy(gradient(p.detach().numpy(), h, c))
        torch_opt.step()
    for (p, _), q in zip(ours, theirs):
        np.testing.assert_allclose(p, q.detach().numpy(), rtol=0, atol=1e-10)


@pytest.mark.parametrize("cls", [Adam, RMSProp])
def test_eps_zero_is_refused_because_a_zero_gradient_would_give_nan(cls):
    x, g = np.array([1.0]), np.zeros(1)
    with pytest.raises(ValueError, match=r"eps must be a positive finite number \(with eps = 0"):
        cls([(x, g)], lr=0.1, eps=0.0)


# ---- AdaGrad and AdamW: steps by hand ----


def test_adagrad_steps_by_hand():
    from helpers.optim import AdaGrad

    x, g = np.array([1.0, -2.0]), np.zeros(2)
    opt = AdaGrad([(x, g)], lr=0.5, lr_decay=0.1, eps=1e-10)
    total = np.zeros(2)
    expected = x.copy()
    for t in range(1, 6):
        g[...] = 2 * x  # gradient of |x|²
        grad = 2 * expected
        total += grad**2
        expected = expected - 0.5 / (1 + (t - 1) * 0.1) * grad / (np.sqrt(total) + 1e-10)
        opt.step()
        np.testing.assert_allclose(x, expected, rtol=1e-13)


def test_adagrad_step_shrinks_for_good():
    """With a steady gradient the step is lr/sqrt(t): AdaGrad's learning rate decays forever."""
    from helpers.optim import AdaGrad

    x, g = np.zeros(1), np.ones(1)
    opt = AdaGrad([(x, g)], lr=1.0)
    before = x.copy()
    steps = []
    for _ in range(100):
        opt.step()
        steps.append(float(before[0] - x[0]))
        before = x.copy()
    np.testing.assert_allclose(steps, 1 / np.sqrt(np.arange(1, 101)), rtol=1e-9)


def test_adamw_decays_every_weight_by_the_same_factor():
    from helpers.optim import Adam, AdamW

    x, g = np.array([3.0, -1.0]), np.zeros(2)
    y = x.copy()
    adamw = AdamW([(x, g)], lr=0.1, weight_decay=0.5)
    adam = Adam([(y, np.zeros(2))], lr=0.1)  # the same step without decay
    adamw.step()
    adam.step()  # zero gradient: Adam does not move, AdamW only decays
    np.testing.assert_allclose(x, np.array([3.0, -1.0]) * (1 - 0.1 * 0.5), rtol=1e-15)
    np.testing.assert_array_equal(y, [3.0, -1.0])
    assert adamw.weight_decay == 0.5  # restored after the step


def test_adamw_is_not_adam_with_l2():
    from helpers.optim import Adam, AdamW

    start = np.array([2.0, 0.01])
    grads = np.array([10.0, 0.0])
    a, ga = start.copy(), np.zeros(2)
    w, gw = start.copy(), np.zeros(2)
    l2 = Adam([(a, ga)], lr=0.01, weight_decay=1.0)
    decoupled = AdamW([(w, gw)], lr=0.01, weight_decay=1.0)
    for _ in range(20):
        ga[...] = grads
        gw[...] = grads
        l2.step()
        decoupled.step()
    # the weight with no gradient: L2-in-Adam moves it a full lr-sized step per update,
    # AdamW only shrinks it by (1 - lr * wd) per update
    assert abs(w[1] - 0.01 * (1 - 0.01) ** 20) < 1e-12
    assert abs(a[1]) < abs(w[1]) or abs(a[1] - w[1]) > 1e-3


@pytest.mark.parametrize("kwargs", [{"lr_decay": -1.0}, {"eps": 0.0},
                                    {"initial_accumulator_value": -0.1}])
def test_adagrad_bad_arguments_are_named(kwargs):
    from helpers.optim import AdaGrad

    with pytest.raises(ValueError, match=next(iter(kwargs))):
        AdaGrad([(np.zeros(1), np.zeros(1))], lr=0.1, **kwargs)
