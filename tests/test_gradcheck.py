"""Gradient checking: central differences, the relative error, and the whole-model check."""

import numpy as np
import pytest

from helpers.gradcheck import check_layer_grads, numerical_grad, relative_error
from helpers.layers import Linear, ReLU, mlp
from helpers.losses import SoftmaxCrossEntropy


def test_numerical_grad_of_sum_of_sines_is_the_cosine():
    x = np.linspace(-2, 2, 7)
    grad = numerical_grad(lambda z: np.sum(np.sin(z)), x)
    np.testing.assert_allclose(grad, np.cos(x), rtol=0, atol=1e-9)


def test_numerical_grad_is_exact_up_to_rounding_for_a_quadratic():
    # central differences have no truncation error for polynomials of degree <= 2
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    np.testing.assert_allclose(numerical_grad(lambda z: np.sum(z**2), x), 2 * x, atol=1e-8)


def test_numerical_grad_restores_x_exactly():
    x = np.random.default_rng(0).standard_normal((3, 4))
    before = x.copy()
    numerical_grad(lambda z: np.sum(np.exp(z)), x)
    np.testing.assert_array_equal(x, before)


def test_numerical_grad_restores_x_when_f_raises():
    x = np.array([1.0, 2.0])

    def f(z):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        numerical_grad(f, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_numerical_grad_works_on_a_0d_array():
    assert numerical_grad(lambda z: float(z) ** 3, np.array(2.0)) == pytest.approx(12.0)


def test_numerical_grad_can_perturb_an_array_that_f_reads_elsewhere():
    layer = Linear(2, 1, dtype=np.float64)
    X = np.array([[1.0, 2.0]])
    grad = numerical_grad(lambda _: layer(X).sum(), layer.params["W"])
    np.testing.assert_allclose(grad, X.T, atol=1e-9)  # d(XW)/dW = X^T


def test_numerical_grad_refuses_float32():
    with pytest.raises(TypeError, match="x must be a float64 numpy array"):
        numerical_grad(np.sum, np.zeros(3, np.float32))


def test_relative_error_is_the_norm_of_the_difference_over_the_sum_of_norms():
    assert relative_error([1.0, 0.0], [0.0, 1.0]) == pytest.approx(np.sqrt(2) / 2, rel=1e-15)
    assert relative_error([3.0, 4.0], [3.0, 4.0]) == 0.0


def test_relative_error_of_two_zero_arrays_is_zero():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0


def test_relative_error_needs_equal_shapes():
    with pytest.raises(ValueError, match=r"a and b must have the same shape; got \(2,\) and \(3"):
        relative_error(np.zeros(2), np.zeros(3))


def test_check_layer_grads_names_every_parameter_and_the_input():
    model = mlp([3, 4, 2], dtype=np.float64)
    errors = check_layer_grads(model, np.random.default_rng(0).standard_normal((5, 3)))
    assert list(errors) == ["0.W", "0.b", "2.W", "2.b", "input"]


def test_check_layer_grads_with_a_loss_function():
    rng = np.random.default_rng(0)
    model = mlp([3, 4, 3], "tanh", dtype=np.float64)
    errors = check_layer_grads(model, rng.standard_normal((6, 3)), rng.integers(0, 3, 6),
                               SoftmaxCrossEntropy())
    assert max(errors.values()) < 1e-7


def test_check_layer_grads_catches_a_relu_that_forgets_its_mask():
    class LeakyMistake(ReLU):
        def backward(self, dY):
            return dY  # wrong: passes the gradient through where X < 0 too

    errors = check_layer_grads(LeakyMistake(), np.array([[1.0, -1.0], [-2.0, 0.5]]))
    assert errors["input"] > 0.1


def test_check_layer_grads_refuses_a_float32_model():
    with pytest.raises(TypeError, match="build the model with dtype=np.float64"):
        check_layer_grads(mlp([2, 2]), np.zeros((1, 2)))


def test_check_layer_grads_needs_y_with_a_loss_function():
    with pytest.raises(ValueError, match="y must be given when loss_fn is given"):
        check_layer_grads(mlp([2, 2], dtype=np.float64), np.zeros((1, 2)),
                          loss_fn=SoftmaxCrossEntropy())
