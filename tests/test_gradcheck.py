"""Gradient checking: central differences are accurate, leave their input as it was, and tell
a right backward pass from a wrong one (helpers/gradcheck.py)."""

import numpy as np
import pytest

from helpers.gradcheck import check_layer_grads, numerical_grad, relative_error
from helpers.layers import Linear, Tanh, mlp


def test_numerical_grad_of_a_known_function_is_its_gradient():
    x = np.array([[0.3, -1.2], [2.0, 0.5]])
    numeric = numerical_grad(lambda v: np.sum(np.sin(v) * v**2), x)
    np.testing.assert_allclose(numeric, np.cos(x) * x**2 + 2 * x * np.sin(x), rtol=1e-8)


def test_numerical_grad_restores_x_bit_for_bit():
    x = np.random.default_rng(0).standard_normal(7) * 1e3
    before = x.copy()
    numerical_grad(lambda v: float(np.sum(v**3)), x)
    np.testing.assert_array_equal(x, before)


def test_numerical_grad_refuses_float32_with_the_reason():
    with pytest.raises(TypeError, match=r"x must be a float64 array \(central differences need "
                                        r"float64\); got ndarray float32"):
        numerical_grad(np.sum, np.zeros(3, np.float32))


def test_relative_error_is_zero_for_equal_arrays_and_symmetric():
    a, b = np.array([1.0, 2.0]), np.array([1.0, 2.1])
    assert relative_error(a, a) == 0.0 and relative_error(np.zeros(2), np.zeros(2)) == 0.0
    assert relative_error(a, b) == relative_error(b, a) == pytest.approx(0.1 / (np.sqrt(5)
                                                                              + np.sqrt(5.41)))


def test_check_layer_grads_names_every_parameter_and_the_input():
    errors = check_layer_grads(mlp([3, 4, 2], "tanh", dtype=np.float64),
                               np.random.default_rng(1).standard_normal((5, 3)))
    assert set(errors) == {"0.W", "0.b", "2.W", "2.b", "input"}
    assert max(errors.values()) < 1e-7


def test_check_layer_grads_sees_a_backward_that_forgets_the_chain_rule():
    class TanhWithoutDY(Tanh):
        def backward(self, dY):
            return 1 - self.Y**2  # wrong: dY · (1 − Y²)

    errors = check_layer_grads(TanhWithoutDY(), np.random.default_rng(2).standard_normal((4, 3)))
    assert errors["input"] > 0.1


def test_check_layer_grads_refuses_a_float32_model_and_says_how_to_build_one():
    with pytest.raises(TypeError, match=r"build the model with dtype=np.float64 .*\['W', 'b'\]"):
        check_layer_grads(Linear(3, 2), np.zeros((2, 3)))


def test_float32_is_too_coarse_for_central_differences():
    # why the check insists on float64: the same layer in float32 looks wrong
    layer64 = Linear(4, 3, rng=0, dtype=np.float64)
    X = np.random.default_rng(3).standard_normal((5, 4))
    R = np.random.default_rng(4).standard_normal((5, 3))
    as32 = layer64.params["W"].astype(np.float32)
    coarse = np.zeros((4, 3))
    for i in np.ndindex(as32.shape):  # a float32 central difference, by hand
        plus, minus = as32.copy(), as32.copy()
        plus[i] += np.float32(1e-6)
        minus[i] -= np.float32(1e-6)
        coarse[i] = (np.sum((X.astype(np.float32) @ plus) * R)
                     - np.sum((X.astype(np.float32) @ minus) * R)) / 2e-6
    assert relative_error(coarse, X.T @ R) > 1e-3
    assert check_layer_grads(layer64, X)["W"] < 1e-7
