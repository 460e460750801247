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


# ---- initialisation schemes: init="pytorch" (the default), "glorot", "he", or a std ----

from helpers.layers import Dropout, init_std  # noqa: E402


def test_the_default_init_is_unchanged_and_is_pytorchs():
    default, named = Linear(50, 40, rng=3), Linear(50, 40, rng=3, init="pytorch")
    assert np.array_equal(default.params["W"], named.params["W"])
    assert np.array_equal(default.params["b"], named.params["b"])
    rng = np.random.default_rng(3)  # W, then b, from U(-1/√n_in, 1/√n_in), as before
    bound = 1 / np.sqrt(50)
    assert np.array_equal(default.params["W"],
                          rng.uniform(-bound, bound, (50, 40)).astype(np.float32))
    assert np.array_equal(mlp([6, 5, 2], seed=4).params["0.W"],
                          mlp([6, 5, 2], seed=4, init="pytorch").params["0.W"])


@pytest.mark.parametrize("init, n_in, n_out, expected", [
    ("pytorch", 400, 300, 1 / np.sqrt(3 * 400)),
    ("glorot", 400, 300, np.sqrt(2 / 700)),
    ("he", 400, 300, np.sqrt(2 / 400)),
    ("he", 100, 1000, np.sqrt(2 / 100)),
    (0.01, 400, 300, 0.01),
    (0.5, 400, 300, 0.5),
])
def test_the_measured_std_of_the_weights_matches_the_scheme(init, n_in, n_out, expected):
    W = Linear(n_in, n_out, rng=0, init=init, dtype=np.float64).params["W"]
    assert init_std(init, n_in, n_out) == pytest.approx(expected)
    assert W.std() == pytest.approx(expected, rel=0.02)  # 120,000 draws: about 0.2 % off
    assert abs(W.mean()) < 0.02 * expected


def test_the_schemes_give_different_scales_in_the_right_order():
    stds = {init: Linear(256, 256, rng=0, init=init).params["W"].std()
            for init in ("pytorch", "glorot", "he")}
    assert stds["pytorch"] < stds["glorot"] < stds["he"]  # 1/√768 < 1/√256 < √2/√256


def test_named_schemes_start_the_bias_at_zero():
    for init in ("glorot", "he", 0.1):
        assert not Linear(5, 4, init=init).params["b"].any()
    assert Linear(5, 4).params["b"].any()  # PyTorch's default draws the bias too


def test_mlp_passes_init_to_every_linear_layer():
    model = mlp([300, 300, 300, 10], init="he", seed=0, dtype=np.float64)
    for name in ("0.W", "2.W"):
        assert model.params[name].std() == pytest.approx(np.sqrt(2 / 300), rel=0.03)


@pytest.mark.parametrize("init, error, match", [
    ("xavier", ValueError, "init must be one of"),
    (0.0, ValueError, "init must be a positive finite number; got 0.0"),
    (-1, ValueError, "init must be a positive finite number"),
    (None, TypeError, r"init must be one of 'pytorch', 'glorot', 'he' or a standard deviation"),
    (True, TypeError, "init must be one of"),
])
def test_a_bad_init_is_named(init, error, match):
    with pytest.raises(error, match=match):
        Linear(3, 2, init=init)
    with pytest.raises(error, match=match):
        mlp([3, 2], init=init)


# ---- Dropout: inverted dropout, train and eval modes ----

def test_dropout_in_eval_mode_is_the_identity_forward_and_backward():
    layer = Dropout(0.5).eval()
    X, dY = data((4, 6)), data((4, 6), seed=1)
    assert np.array_equal(layer.forward(X), X)
    assert np.array_equal(layer.backward(dY), dY)
    assert max(check_layer_grads(layer, X).values()) < TOL


def test_dropout_gradient_check_in_train_mode_with_a_fixed_mask():
    layer = Dropout(0.3)
    layer.fixed_mask = np.random.default_rng(5).random((4, 6)) >= 0.3
    errors = check_layer_grads(layer, data((4, 6)))
    assert errors["input"] < TOL
    Y = layer.forward(data((4, 6)))
    assert np.array_equal(Y == 0, ~layer.fixed_mask)  # dropped entries, and only those, are 0


def test_a_gradient_check_of_dropout_fails_when_the_mask_changes_between_passes():
    errors = check_layer_grads(Dropout(0.5, rng=0), data((4, 6)))
    assert errors["input"] > 0.1  # a fresh mask each forward: the loss is not one function


def test_dropout_in_a_network_passes_the_gradient_check():
    model = mlp([5, 8, 8, 3], "tanh", seed=1, dtype=np.float64, dropout=0.4)
    drops = [layer for layer in model.layers if isinstance(layer, Dropout)]
    assert len(drops) == 2  # after each hidden activation, none after the output
    for i, layer in enumerate(drops):
        layer.fixed_mask = np.random.default_rng(i).random((6, 8)) >= 0.4
    assert max(check_layer_grads(model, data((6, 5))).values()) < TOL


def test_dropout_keeps_the_expected_value_and_drops_about_p():
    X = np.ones((2000, 50))
    Y = Dropout(0.25, rng=0).forward(X)
    assert np.mean(Y == 0) == pytest.approx(0.25, abs=0.01)
    assert set(np.unique(Y)) == {0.0, 1 / 0.75}
    assert Y.mean() == pytest.approx(1.0, abs=0.01)


def test_dropout_draws_a_fresh_mask_each_forward_in_train_mode():
    layer = Dropout(0.5, rng=0)
    X = np.ones((10, 10), dtype=np.float32)
    first, second = layer.forward(X), layer.forward(X)
    assert not np.array_equal(first, second)
    assert first.dtype == np.float32


def test_train_and_eval_switch_every_layer_of_a_sequential():
    model = mlp([4, 6, 2], dropout=0.5)
    assert model.training and all(layer.training for layer in model.layers)
    assert model.eval() is model
    assert not model.training and not any(layer.training for layer in model.layers)
    X = np.ones((3, 4), dtype=np.float32)
    assert np.array_equal(model.forward(X), model.forward(X))  # no dropout in eval mode
    model.train()
    assert all(layer.training for layer in model.layers)


def test_dropout_zero_or_no_dropout_changes_nothing():
    X = data((3, 4))
    assert np.array_equal(Dropout(0.0).forward(X), X)
    plain, with_zero = mlp([4, 5, 2], seed=2), mlp([4, 5, 2], seed=2, dropout=0.0)
    assert len(plain.layers) == len(with_zero.layers) == 3


@pytest.mark.parametrize("p", [1.0, -0.1, 1.5])
def test_a_dropout_probability_outside_0_to_1_is_named(p):
    with pytest.raises(ValueError, match=f"p must be a probability of dropping, .*; got {p}"):
        Dropout(p)
    with pytest.raises(ValueError, match="dropout must be a probability"):
        mlp([3, 2, 2], dropout=p)


def test_train_mode_must_be_a_bool():
    with pytest.raises(TypeError, match="mode must be True or False"):
        Dropout(0.1).train("no")


def test_dropout_backward_before_forward_says_so():
    with pytest.raises(RuntimeError, match=r"Dropout\(p=0.5\): call forward\(X\) before"):
        Dropout(0.5).backward(np.ones((2, 2)))


def test_a_fixed_mask_of_the_wrong_shape_is_named():
    layer = Dropout(0.5)
    layer.fixed_mask = np.ones((2, 2), dtype=bool)
    with pytest.raises(ValueError, match=r"fixed_mask must have the shape of X, \(3, 2\)"):
        layer.forward(np.ones((3, 2)))


def test_dropout_backward_names_a_wrong_dY():
    layer = Dropout(0.5)
    layer.forward(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"dY must have the shape of the last X, \(3, 2\)"):
        layer.backward(np.ones((2, 2)))
    with pytest.raises(TypeError, match="dY must be a numpy array of numbers"):
        layer.backward(None)


def test_init_std_names_a_bad_layer_size():
    with pytest.raises(ValueError, match="n_in must be"):
        init_std("he", 0, 3)
