"""Layers: every backward pass agrees with central differences, and the shapes, dtypes and
structure a notebook relies on hold (helpers/layers.py)."""

import warnings

import numpy as np
import pytest

from helpers.gradcheck import check_layer_grads, numerical_grad
from helpers.layers import (
    ACTIVATIONS,
    Dropout,
    Linear,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
    init_std,
    linear_layers,
    mlp,
)
from helpers.losses import MSELoss, SoftmaxCrossEntropy

TOL = 1e-7  # relative error allowed between backward() and central differences (float64)
LAYERS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh}


def data(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def away_from_zero(shape, seed=0, gap=0.1):
    """Inputs with |x| >= gap, so that no central difference straddles ReLU's kink."""
    X = data(shape, seed)
    return np.where(X >= 0, X + gap, X - gap)


# ---- backward agrees with central differences (float64) ----

def test_linear_backward_matches_central_differences_for_W_b_and_input():
    errors = check_layer_grads(Linear(4, 3, rng=1, dtype=np.float64), data((5, 4)))
    assert set(errors) == {"W", "b", "input"}
    assert max(errors.values()) < TOL


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
def test_activation_backward_matches_central_differences(name):
    X = away_from_zero((6, 5)) * 2  # for ReLU: no difference straddles the kink
    assert check_layer_grads(LAYERS[name](), X)["input"] < TOL


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
def test_the_activation_table_derivatives_are_those_of_f(name):
    fn = ACTIVATIONS[name]
    x = away_from_zero(40, seed=4) * 2
    h = 1e-6
    df = fn.df(x, fn.f(x)).astype(float)
    np.testing.assert_allclose(df, (fn.f(x + h) - fn.f(x - h)) / (2 * h), rtol=1e-6, atol=1e-9)
    slope = lambda z: fn.df(z, fn.f(z)).astype(float)  # noqa: E731
    np.testing.assert_allclose(fn.d2f(x, fn.f(x)), (slope(x + h) - slope(x - h)) / (2 * h),
                               rtol=1e-5, atol=1e-8)


def test_the_activation_layers_use_the_one_table():
    assert {name: cls.fn for name, cls in LAYERS.items()} == ACTIVATIONS


def test_sequential_backward_matches_central_differences():
    model = Sequential(Linear(3, 4, rng=0, dtype=np.float64), Tanh(),
                       Linear(4, 2, rng=1, dtype=np.float64), Sigmoid())
    errors = check_layer_grads(model, data((5, 3)))
    assert set(errors) == {"0.W", "0.b", "2.W", "2.b", "input"}
    assert max(errors.values()) < TOL


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("loss_fn, y", [(MSELoss(), data((6, 2), seed=5)),
                                        (SoftmaxCrossEntropy(), np.array([0, 1, 1, 0, 1, 0]))])
def test_mlp_with_a_loss_matches_central_differences(activation, loss_fn, y):
    model = mlp([3, 5, 4, 2], activation, seed=2, dtype=np.float64)
    errors = check_layer_grads(model, data((6, 3), seed=3), y, loss_fn)
    assert max(errors.values()) < TOL


def test_dropout_in_evaluation_mode_is_the_identity_and_passes_the_gradient_check():
    layer = Dropout(0.5).eval()
    X = data((4, 6))
    assert layer.forward(X) is X
    assert check_layer_grads(layer, X)["input"] < TOL


def test_dropout_backward_multiplies_by_the_mask_it_drew_forward():
    layer = Dropout(0.3, rng=1)
    X, dY = away_from_zero((50, 40)), data((50, 40), seed=1)
    Y = layer.forward(X)
    kept = Y != 0
    scale = 1 / (1 - 0.3)
    np.testing.assert_array_equal(Y[kept], X[kept] * scale)
    np.testing.assert_array_equal(layer.backward(dY), np.where(kept, dY * scale, 0.0))


def test_dropout_drops_about_p_and_keeps_the_mean():
    Y = Dropout(0.25, rng=0).forward(np.ones((2000, 50)))
    assert np.mean(Y == 0) == pytest.approx(0.25, abs=0.01)
    assert Y.mean() == pytest.approx(1.0, abs=0.01)  # inverted dropout: E[Y] = X


def test_dropout_draws_a_fresh_mask_each_forward_in_training_mode():
    layer = Dropout(0.5, rng=0)
    X = np.ones((10, 10), dtype=np.float32)
    first, second = layer.forward(X), layer.forward(X)
    assert not np.array_equal(first, second)
    assert first.dtype == np.float32


def test_a_gradient_check_catches_a_wrong_backward():
    class MeanBias(Linear):
        def backward(self, dY, *, input_grad=True):
            dX = super().backward(dY, input_grad=input_grad)
            self.grads["b"][...] = dY.mean(axis=0)  # wrong: db is a sum over the rows
            return dX

    errors = check_layer_grads(MeanBias(4, 3, dtype=np.float64), data((5, 4)))
    assert errors["b"] > 0.1 and errors["W"] < TOL


# ---- issue 23: batch size 1, and data of another dtype than the layer ----

def two_rows_float32():
    layer = Linear(3, 2, rng=0)  # float32, the default
    X = data((2, 3)).astype(np.float32)
    dY = data((2, 2), seed=1)  # float64, e.g. from MSELoss against float64 targets
    return layer, X, dY


def test_linear_at_batch_size_1_takes_a_float64_dY_and_sums_to_the_batch_of_2():
    layer, X, dY = two_rows_float32()
    per_row = []
    for i in range(2):
        layer.forward(X[i:i + 1])
        dX = layer.backward(dY[i:i + 1])
        assert dX.shape == (1, 3) and dX.dtype == np.float32
        per_row.append({name: g.copy() for name, g in layer.grads.items()})
    layer.forward(X)
    layer.backward(dY)
    for name, grad in layer.grads.items():
        assert grad.dtype == np.float32
        np.testing.assert_allclose(per_row[0][name] + per_row[1][name], grad, rtol=1e-6)


def test_linear_at_batch_size_1_gives_x_transpose_dy():
    layer, X, dY = two_rows_float32()
    layer.forward(X[:1])
    layer.backward(dY[:1])
    np.testing.assert_allclose(layer.grads["W"], np.outer(X[0], dY[0]), rtol=1e-6)
    np.testing.assert_allclose(layer.grads["b"], dY[0], rtol=1e-6)


@pytest.mark.parametrize("batch_size", [1, 2])
def test_float64_data_into_a_float32_layer_backpropagates(batch_size):
    layer = Linear(3, 2, rng=0)
    X = data((batch_size, 3))  # np.random gives float64
    layer.forward(X)
    layer.backward(np.ones((batch_size, 2)))
    np.testing.assert_allclose(layer.grads["W"], X.T @ np.ones((batch_size, 2)), rtol=1e-6)
    assert layer.grads["W"].dtype == np.float32


# ---- dtypes, parameters, gradients ----

def test_float32_is_the_default_and_is_kept_through_forward_and_backward():
    model = mlp([3, 4, 2])
    Y = model(data((5, 3)).astype(np.float32))
    dX = model.backward(np.ones_like(Y))
    assert {p.dtype for p in model.params.values()} == {np.dtype(np.float32)}
    assert {g.dtype for g in model.grads.values()} == {np.dtype(np.float32)}
    assert Y.dtype == dX.dtype == np.float32


def test_linear_computes_X_W_plus_b():
    layer = Linear(2, 1, dtype=np.float64)
    layer.params["W"][...] = [[2.0], [3.0]]
    layer.params["b"][...] = [1.0]
    np.testing.assert_array_equal(layer(np.array([[1.0, 1.0], [0.0, 2.0]])), [[6.0], [7.0]])


def test_parameters_are_the_very_arrays_of_params_and_grads():
    model = mlp([3, 4, 2])
    pairs = model.parameters()
    assert [name for name in model.params] == ["0.W", "0.b", "2.W", "2.b"]
    for (param, grad), name in zip(pairs, model.params):
        assert param is model.params[name] and grad is model.grads[name]
    assert model.params["0.W"] is model.layers[0].params["W"]  # one array, two names


def test_backward_overwrites_grads_instead_of_adding_to_them():
    model = mlp([3, 4, 2], dtype=np.float64)
    X, dY = data((5, 3)), data((5, 2), seed=1)
    model(X)
    model.backward(dY)
    first = {name: g.copy() for name, g in model.grads.items()}
    model.backward(dY)
    for name, grad in model.grads.items():
        np.testing.assert_array_equal(grad, first[name])


def test_zero_grad_clears_every_gradient_in_place():
    model = mlp([3, 4, 2])
    arrays = list(model.grads.values())
    model(np.ones((5, 3), np.float32))
    model.backward(np.ones((5, 2), np.float32))
    model.zero_grad()
    assert all(g is same and not g.any() for g, same in zip(model.grads.values(), arrays))


def test_input_grad_false_skips_dX_and_fills_the_same_weight_gradients():
    a, b = mlp([3, 4, 2], dtype=np.float64), mlp([3, 4, 2], dtype=np.float64)
    X, dY = data((5, 3)), data((5, 2), seed=1)
    a(X)
    b(X)
    assert a.backward(dY, input_grad=False) is None
    assert b.backward(dY).shape == (5, 3)
    for name in a.grads:
        np.testing.assert_array_equal(a.grads[name], b.grads[name])


def test_sigmoid_is_finite_and_silent_for_huge_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        Y = Sigmoid()(np.array([[-1e4, -50.0, 0.0, 50.0, 1e4]]))
    np.testing.assert_allclose(Y, [[0.0, 1.9287498479639178e-22, 0.5, 1.0, 1.0]], rtol=1e-12)


# ---- Sequential and mlp: the structure ----

def test_sequential_refuses_widths_that_do_not_chain():
    with pytest.raises(ValueError, match=r"layer 2 takes 5 inputs, but the Linear layer before "
                                         r"it \(layer 0\) gives 4: the widths must chain"):
        Sequential(Linear(3, 4), ReLU(), Linear(5, 2))


def test_sequential_checks_the_chain_inside_nested_sequentials():
    with pytest.raises(ValueError, match="the widths must chain"):
        Sequential(Sequential(Linear(3, 4), ReLU()), Linear(6, 2))


def test_sequential_refuses_something_that_is_not_a_layer():
    with pytest.raises(TypeError, match=r"Sequential needs one or more layers .*'ufunc'"):
        Sequential(Linear(2, 2), np.tanh)


def test_mlp_puts_an_activation_between_linear_layers_but_not_after_the_last():
    model = mlp([784, 128, 64, 10], "tanh")
    assert [type(layer) for layer in model.layers] == [Linear, Tanh, Linear, Tanh, Linear]
    assert [lin.params["W"].shape for lin in linear_layers(model)] == [(784, 128), (128, 64),
                                                                        (64, 10)]
    assert repr(mlp([3, 4, 2])) == "Sequential(\n  (0): Linear(3, 4)\n  (1): ReLU()\n  " \
                                   "(2): Linear(4, 2)\n)"


def test_mlp_puts_dropout_after_each_hidden_activation_only():
    model = mlp([5, 8, 8, 3], "relu", dropout=0.4)
    assert [type(layer) for layer in model.layers] == [Linear, ReLU, Dropout, Linear, ReLU,
                                                       Dropout, Linear]
    assert model.layers[2].p == 0.4


def test_mlp_with_one_seed_gives_one_set_of_weights():
    a, b, c = mlp([4, 3, 2], seed=7), mlp([4, 3, 2], seed=7), mlp([4, 3, 2], seed=8)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    assert not np.array_equal(a.params["0.W"], c.params["0.W"])


def test_train_and_eval_switch_every_layer_and_eval_turns_dropout_off():
    model = mlp([4, 6, 2], dropout=0.5)
    assert model.eval() is model and not any(layer.training for layer in model.layers)
    X = np.ones((3, 4), dtype=np.float32)
    assert np.array_equal(model.forward(X), model.forward(X))
    assert all(layer.training for layer in model.train().layers)


# ---- initialisation ----

def test_the_default_init_is_pytorchs_uniform_within_one_over_sqrt_n_in():
    layer = Linear(100, 50, rng=0)
    bound = 1 / np.sqrt(100)
    W, b = layer.params["W"], layer.params["b"]
    assert np.abs(W).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(W).max() > 0.99 * bound  # 5,000 draws fill the interval


@pytest.mark.parametrize("init, expected", [("pytorch", 1 / np.sqrt(3 * 400)),
                                            ("glorot", np.sqrt(2 / 700)),
                                            ("he", np.sqrt(2 / 400)), (0.05, 0.05)])
def test_the_weights_spread_as_the_init_scheme_says(init, expected):
    W = Linear(400, 300, rng=0, init=init, dtype=np.float64).params["W"]
    assert init_std(init, 400, 300) == pytest.approx(expected)
    assert W.std() == pytest.approx(expected, rel=0.02)  # 120,000 draws


def test_named_schemes_start_the_bias_at_zero():
    assert not any(Linear(5, 4, init=init).params["b"].any() for init in ("glorot", "he", 0.1))


def test_a_numerical_gradient_of_a_layer_output_is_its_backward():
    # what notebook 05 does by hand: nudge one weight, watch the loss
    layer = Linear(3, 2, rng=3, dtype=np.float64)
    X, R = data((4, 3)), data((4, 2), seed=9)
    layer.forward(X)
    layer.backward(R)
    numeric = numerical_grad(lambda W: float(np.sum(layer.forward(X) * R)), layer.params["W"])
    np.testing.assert_allclose(layer.grads["W"], numeric, rtol=1e-7)
