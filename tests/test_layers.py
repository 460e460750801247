"""Layers: backward passes agree with central differences; dtypes; parameters; bad input."""

import warnings

import numpy as np
import pytest

from helpers.gradcheck import check_layer_grads
from helpers.layers import Layer, Linear, ReLU, Sequential, Sigmoid, Tanh, mlp

TOL = 1e-7  # relative error allowed between backward() and central differences (float64)


def data(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def away_from_zero(shape, seed=0, gap=0.1):
    """Inputs with |x| >= gap, so that no central difference straddles ReLU's kink."""
    X = data(shape, seed)
    return np.where(X >= 0, X + gap, X - gap)


# ---- backward agrees with central differences ----

def test_linear_backward_matches_central_differences_for_W_b_and_input():
    layer = Linear(4, 3, rng=1, dtype=np.float64)
    errors = check_layer_grads(layer, data((5, 4)))
    assert set(errors) == {"W", "b", "input"}
    assert max(errors.values()) < TOL


def test_relu_backward_matches_central_differences_away_from_the_kink():
    errors = check_layer_grads(ReLU(), away_from_zero((6, 5)))
    assert errors["input"] < TOL


def test_sigmoid_backward_matches_central_differences():
    assert check_layer_grads(Sigmoid(), 3 * data((6, 5)))["input"] < TOL


def test_tanh_backward_matches_central_differences():
    assert check_layer_grads(Tanh(), 2 * data((6, 5)))["input"] < TOL


def test_sequential_backward_matches_central_differences():
    model = Sequential(Linear(3, 4, rng=0, dtype=np.float64), Tanh(),
                       Linear(4, 2, rng=1, dtype=np.float64), Sigmoid())
    errors = check_layer_grads(model, data((5, 3)))
    assert set(errors) == {"0.W", "0.b", "2.W", "2.b", "input"}
    assert max(errors.values()) < TOL


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
def test_mlp_backward_matches_central_differences(activation):
    model = mlp([3, 5, 4, 2], activation, seed=2, dtype=np.float64)
    errors = check_layer_grads(model, data((6, 3), seed=3))
    assert max(errors.values()) < TOL


def test_a_wrong_linear_backward_is_caught():
    class ForgetsBias(Linear):
        def backward(self, dY, *, input_grad=True):
            dX = super().backward(dY, input_grad=input_grad)
            self.grads["b"][...] = dY.mean(axis=0)  # wrong: db is a sum over examples
            return dX

    errors = check_layer_grads(ForgetsBias(4, 3, dtype=np.float64), data((5, 4)))
    assert errors["b"] > 0.1
    assert errors["W"] < TOL


def test_a_wrong_activation_backward_is_caught():
    class SigmoidWithoutChainRule(Sigmoid):
        def backward(self, dY):
            return self.Y * (1 - self.Y)  # wrong: forgets to multiply by dY

    assert check_layer_grads(SigmoidWithoutChainRule(), data((4, 3)))["input"] > 0.1


# ---- dtypes ----

def test_float32_is_the_default_and_is_kept_through_forward_and_backward():
    model = mlp([3, 4, 2])
    X = data((5, 3)).astype(np.float32)
    Y = model(X)
    dX = model.backward(np.ones_like(Y))
    assert {p.dtype for p in model.params.values()} == {np.dtype(np.float32)}
    assert {g.dtype for g in model.grads.values()} == {np.dtype(np.float32)}
    assert Y.dtype == np.float32 and dX.dtype == np.float32


@pytest.mark.parametrize("layer", [ReLU(), Sigmoid(), Tanh()])
def test_activations_keep_the_dtype_of_their_input(layer):
    for dtype in (np.float32, np.float64):
        X = data((3, 2)).astype(dtype)
        assert layer(X).dtype == dtype
        assert layer.backward(np.ones_like(X)).dtype == dtype


def test_float64_on_request():
    model = mlp([3, 4, 2], dtype=np.float64)
    Y = model(data((5, 3)))
    assert Y.dtype == np.float64
    assert model.backward(np.ones_like(Y)).dtype == np.float64
    assert {g.dtype for g in model.grads.values()} == {np.dtype(np.float64)}


# ---- parameters, gradients, initialisation ----

def test_linear_weights_are_uniform_within_one_over_sqrt_n_in_as_in_pytorch():
    layer = Linear(100, 50, rng=0)
    bound = 1 / np.sqrt(100)
    assert layer.params["W"].shape == (100, 50) and layer.params["b"].shape == (50,)
    assert np.abs(layer.params["W"]).max() <= bound
    assert np.abs(layer.params["b"]).max() <= bound
    assert np.abs(layer.params["W"]).max() > 0.9 * bound  # really spread over the interval


def test_the_same_seed_gives_the_same_weights():
    a, b = mlp([4, 3, 2], seed=7), mlp([4, 3, 2], seed=7)
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])
    assert not np.array_equal(a.params["0.W"], mlp([4, 3, 2], seed=8).params["0.W"])


def test_linear_computes_X_W_plus_b():
    layer = Linear(2, 1, dtype=np.float64)
    layer.params["W"][...] = [[2.0], [3.0]]
    layer.params["b"][...] = [1.0]
    np.testing.assert_array_equal(layer(np.array([[1.0, 1.0], [0.0, 2.0]])), [[6.0], [7.0]])


def test_parameters_are_the_same_array_objects_as_params_and_grads():
    model = mlp([3, 4, 2])
    pairs = model.parameters()
    assert len(pairs) == 4
    for (param, grad), name in zip(pairs, ["0.W", "0.b", "2.W", "2.b"]):
        assert param is model.params[name]
        assert grad is model.grads[name]
        assert param.shape == grad.shape


def test_backward_overwrites_grads_instead_of_adding_to_them():
    model = mlp([3, 4, 2], dtype=np.float64)
    X, dY = data((5, 3)), data((5, 2), seed=1)
    model(X)
    model.backward(dY)
    first = {name: g.copy() for name, g in model.grads.items()}
    model.backward(dY)
    for name, grad in model.grads.items():
        np.testing.assert_array_equal(grad, first[name])


def test_zero_grad_sets_every_gradient_to_zero_in_place():
    model = mlp([3, 4, 2])
    grads_before = list(model.grads.values())
    model(data((5, 3)).astype(np.float32))
    model.backward(np.ones((5, 2), np.float32))
    model.zero_grad()
    for grad, same in zip(model.grads.values(), grads_before):
        assert grad is same and not grad.any()


def test_input_grad_false_skips_dX_but_fills_the_weight_gradients():
    a, b = mlp([3, 4, 2], dtype=np.float64), mlp([3, 4, 2], dtype=np.float64)
    X, dY = data((5, 3)), data((5, 2), seed=1)
    a(X)
    b(X)
    assert a.backward(dY, input_grad=False) is None
    assert b.backward(dY) is not None
    for name in a.grads:
        np.testing.assert_array_equal(a.grads[name], b.grads[name])


def test_activations_have_no_parameters():
    for layer in (ReLU(), Sigmoid(), Tanh()):
        assert layer.params == {} and layer.parameters() == []


def test_sigmoid_is_finite_and_silent_for_huge_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Y = Sigmoid()(np.array([[-1e4, -50.0, 0.0, 50.0, 1e4]]))
    np.testing.assert_allclose(Y, [[0.0, 1.9287498479639178e-22, 0.5, 1.0, 1.0]], rtol=1e-12)


def test_mlp_puts_an_activation_between_linear_layers_but_not_at_the_end():
    model = mlp([784, 128, 64, 10], "tanh")
    assert [type(layer) for layer in model.layers] == [Linear, Tanh, Linear, Tanh, Linear]
    assert (model.layers[0].n_in, model.layers[-1].n_out) == (784, 10)


def test_repr_shows_the_architecture():
    expected = "Sequential(\n  (0): Linear(3, 4)\n  (1): ReLU()\n  (2): Linear(4, 2)\n)"
    assert repr(mlp([3, 4, 2])) == expected


# ---- bad input ----

def test_X_with_the_wrong_number_of_columns_names_both_shapes():
    expected = r"X must have shape \(n_examples, 3\).*got X.shape=\(5, 4\)"
    with pytest.raises(ValueError, match=expected):
        mlp([3, 4, 2])(np.zeros((5, 4), np.float32))


def test_a_single_example_must_be_a_row():
    with pytest.raises(ValueError, match=r"got X.shape=\(3,\).*use X.reshape\(1, -1\)"):
        Linear(3, 2)(np.zeros(3, np.float32))


def test_mlp_needs_at_least_two_sizes():
    with pytest.raises(ValueError, match="sizes"):
        mlp([784])


def test_mlp_rejects_a_zero_width():
    with pytest.raises(ValueError, match=r"sizes\[1\]"):
        mlp([3, 0, 2])


def test_mlp_rejects_an_unknown_activation():
    with pytest.raises(ValueError, match="activation must be one of 'relu', 'sigmoid', 'tanh'"):
        mlp([3, 2], "softplus")


@pytest.mark.parametrize("dtype", [np.int64, np.float16, "complex128", None])
def test_only_float32_and_float64_are_accepted(dtype):
    with pytest.raises(ValueError, match="dtype must be np.float32 or np.float64"):
        Linear(3, 2, dtype=dtype)


def test_linear_rejects_a_non_integer_size():
    with pytest.raises(TypeError, match="n_in must be an integer"):
        Linear(2.5, 3)


def test_sequential_rejects_something_that_is_not_a_layer():
    with pytest.raises(TypeError, match="layer 1 is"):
        Sequential(Linear(2, 2), np.tanh)


def test_the_base_layer_has_no_forward():
    with pytest.raises(NotImplementedError):
        Layer()(np.zeros((1, 1)))


# ---- issue 11: backward misuse gets a sentence, not an AttributeError or numpy's message ----

@pytest.mark.parametrize("layer", [Linear(3, 2), ReLU(), Sigmoid(), Tanh()])
def test_backward_before_forward_says_so(layer):
    with pytest.raises(RuntimeError, match=r"call forward\(X\) before backward\(dY\)"):
        layer.backward(np.ones((4, 2), dtype=np.float32))


@pytest.mark.parametrize("dY", [np.ones((4, 3)), np.ones((5, 2)), np.ones(2), None])
def test_a_wrong_dY_shape_is_named_with_the_shape_expected(dY):
    layer = Linear(3, 2)
    layer.forward(np.ones((4, 3), dtype=np.float32))
    with pytest.raises(ValueError, match=r"dY must have shape \(4, 2\) \(n_examples, n_out\)"):
        layer.backward(dY)
