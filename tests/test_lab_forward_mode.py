"""Notebook 04b's forward mode (helpers.lab.forward_mode) and the multiply-add counter in Linear."""

import numpy as np
import pytest

from helpers.gradcheck import numerical_grad, relative_error
from helpers.lab import forward_mode as fm
from helpers.layers import MULTIPLY_ADDS, Linear, ReLU, Sequential, mlp
from helpers.losses import MSELoss, SoftmaxCrossEntropy

pytestmark = pytest.mark.filterwarnings("error")


def backprop_grads(model, X, y, loss_fn):
    out = model.forward(X)
    if loss_fn is None:
        model.backward(np.ones_like(out))
    else:
        loss_fn.forward(out, y)
        model.backward(loss_fn.backward())
    return {name: grad.copy() for name, grad in model.grads.items()}


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
@pytest.mark.parametrize("loss", ["cross-entropy", "mse", "output"])
def test_forward_mode_gives_backprops_gradient(activation, loss):
    rng = np.random.default_rng(4)
    model = mlp([5, 7, 6, 3], activation, seed=2, dtype=np.float64)
    X = rng.standard_normal((4, 5))
    loss_fn, y = {"cross-entropy": (SoftmaxCrossEntropy(), rng.integers(0, 3, size=4)),
                  "mse": (MSELoss(), rng.standard_normal((4, 3))),
                  "output": (None, None)}[loss]
    by_forward_mode, _ = fm.forward_mode_gradient(model, X, y, loss_fn)
    by_backprop = backprop_grads(model, X, y, loss_fn)
    assert set(by_forward_mode) == set(by_backprop)
    for name in by_backprop:
        np.testing.assert_allclose(by_forward_mode[name], by_backprop[name], rtol=0, atol=1e-10)


def test_one_tangent_pass_is_a_directional_derivative():
    rng = np.random.default_rng(0)
    model = mlp([3, 4, 2], "tanh", seed=0, dtype=np.float64)
    X = rng.standard_normal((2, 3))
    direction = {name: rng.standard_normal(p.shape) for name, p in model.params.items()}
    _, dY = fm.jvp(model, X, direction)
    flat = np.concatenate([p.ravel() for p in model.params.values()])
    d = np.concatenate([direction[n].ravel() for n in model.params])
    base = {n: p.copy() for n, p in model.params.items()}

    def output_along(t):
        offset = 0
        for name, p in model.params.items():
            p[...] = base[name] + t[0] * d[offset:offset + p.size].reshape(p.shape)
            offset += p.size
        return float(model.forward(X)[1, 0])

    numerical = numerical_grad(output_along, np.zeros(1))
    assert relative_error(dY[1:, 0], numerical) < 1e-8
    assert flat.size == 4 * 3 + 4 + 2 * 4 + 2


@pytest.mark.parametrize("sizes, batch", [([5, 7, 6, 3], 4), ([3, 3, 3, 3, 1], 1), ([2, 1], 3)])
def test_the_multiply_adds_counted_while_computing_are_the_formulas(sizes, batch):
    model = mlp(sizes, "tanh", dtype=np.float64)
    X = np.ones((batch, sizes[0]))
    _, counted = fm.forward_mode_gradient(model, X)
    assert counted == fm.count_forward_mode(sizes, batch)


def test_forward_mode_costs_a_pass_per_parameter_backprop_one():
    sizes = [10, 10, 10, 1]
    model = mlp(sizes, "tanh", dtype=np.float64)
    X = np.ones((1, 10))
    MULTIPLY_ADDS.reset()
    model.forward(X)
    one_forward = MULTIPLY_ADDS.forward
    model.backward(np.ones((1, 1)))
    backprop = MULTIPLY_ADDS.total
    _, forward_mode = fm.forward_mode_gradient(model, X)
    params = sum(p.size for p in model.params.values())
    assert backprop == 3 * one_forward
    assert params * one_forward < forward_mode < 3 * params * one_forward


def test_linear_counts_its_multiply_adds():
    layer = Linear(4, 3, dtype=np.float64)
    MULTIPLY_ADDS.reset()
    layer.forward(np.ones((5, 4)))
    assert MULTIPLY_ADDS.forward == 5 * 4 * 3 and MULTIPLY_ADDS.backward == 0
    layer.backward(np.ones((5, 3)))
    assert MULTIPLY_ADDS.backward == 2 * 5 * 4 * 3
    layer.backward(np.ones((5, 3)), input_grad=False)  # dW only
    assert MULTIPLY_ADDS.backward == 3 * 5 * 4 * 3
    MULTIPLY_ADDS.reset()
    assert MULTIPLY_ADDS.total == 0


def test_a_layer_forward_mode_cannot_walk_is_refused():
    class Odd(ReLU):
        pass

    model = Sequential(Linear(2, 2, dtype=np.float64), Odd(), Linear(2, 1, dtype=np.float64))
    with pytest.raises(TypeError, match="Sequential of Linear"):
        fm.forward_mode_gradient(model, np.ones((1, 2)))
    with pytest.raises(ValueError, match="tangents"):
        fm.jvp(mlp([2, 2]), np.ones((1, 2)), {"9.W": np.ones((2, 2))})
    with pytest.raises(ValueError, match="targets"):
        fm.forward_mode_gradient(mlp([2, 2]), np.ones((1, 2)), None, MSELoss())


@pytest.mark.parametrize("width, depth", [(2, 2), (3, 4), (3, 6)])
def test_notebook_4s_counts_are_counted_while_computing_and_equal_the_formulas(width, depth):
    from helpers.lab import backprop_cost as cost

    run = cost.counted_gradients(width, depth, np.linspace(-1, 1, width), seed=1)
    formulas = cost.cost_counts(width, depth)
    for method in ("path_sum", "finite_differences", "forward_mode", "backprop"):
        assert run["counted"][method] == formulas[method], method
    one_forward = cost.count_multiply_adds([width] * depth + [1])["forward"]
    assert run["counted"]["backprop"] == 3 * one_forward
    for method in ("path_sum", "forward_mode"):
        assert relative_error(run["grads"][method], run["grads"]["backprop"]) < 1e-12
    assert relative_error(run["grads"]["finite_differences"], run["grads"]["backprop"]) < 1e-6
