"""Losses: the values of their formulas, gradients that agree with central differences, and
softmax cross-entropy that stays finite for any logits (helpers/losses.py)."""

import math
import warnings

import numpy as np
import pytest

from helpers.gradcheck import numerical_grad
from helpers.losses import MSELoss, SoftmaxCrossEntropy, accuracy, softmax


def data(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# ---- mean squared error ----

def test_mse_is_the_mean_of_the_squared_differences():
    assert MSELoss().forward(np.array([[1.0], [3.0]]), np.array([[0.0], [1.0]])) == 2.5


def test_mse_gradient_matches_central_differences():
    y_hat, y = data((5, 3)), data((5, 3), seed=1)
    loss_fn = MSELoss()
    loss_fn.forward(y_hat, y)
    grad = loss_fn.backward()  # before the differences: each forward keeps its own state
    np.testing.assert_allclose(grad, 2 * (y_hat - y) / y.size, rtol=1e-15)
    numeric = numerical_grad(lambda z: loss_fn.forward(z, y), y_hat.copy())
    np.testing.assert_allclose(grad, numeric, rtol=1e-7)


def test_mse_refuses_a_column_against_a_flat_target_instead_of_broadcasting():
    # (B, 1) − (B,) would silently broadcast to (B, B): a loss of the wrong thing
    with pytest.raises(ValueError, match=r"y_hat.shape=\(4, 1\) and y.shape=\(4,\) "
                                         r"\(e.g. y.reshape\(-1, 1\)\)"):
        MSELoss().forward(np.zeros((4, 1)), np.zeros(4))


# ---- softmax cross-entropy ----

def test_cross_entropy_is_log_sum_exp_minus_the_true_logit():
    logits = np.array([[2.0, 0.0, -1.0], [0.5, 0.5, 3.0]])
    y = np.array([0, 1])
    expected = np.mean([math.log(sum(math.exp(z) for z in row)) - row[k]
                        for row, k in zip(logits, y)])
    assert SoftmaxCrossEntropy().forward(logits, y) == pytest.approx(expected, rel=1e-15)


def test_cross_entropy_gradient_is_softmax_minus_onehot_over_B_and_matches_differences():
    logits, y = 3 * data((6, 4)), np.array([0, 3, 1, 1, 2, 0])
    loss_fn = SoftmaxCrossEntropy()
    loss_fn.forward(logits, y)
    grad = loss_fn.backward()
    np.testing.assert_allclose(grad, (softmax(logits) - np.eye(4)[y]) / 6, rtol=1e-12)
    numeric = numerical_grad(lambda z: loss_fn.forward(z, y), logits.copy())
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-10)


def test_backward_does_not_change_what_forward_kept():
    loss_fn = SoftmaxCrossEntropy()
    loss_fn.forward(data((3, 4)), np.array([0, 1, 2]))
    first = loss_fn.backward()
    np.testing.assert_array_equal(loss_fn.backward(), first)  # callable twice, same answer


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_of_logits_1e4_is_finite_exact_and_silent(dtype):
    logits = np.array([[1e4, 0.0, 0.0], [1e4, 0.0, 0.0], [-1e4, -1e4, 0.0]], dtype=dtype)
    loss_fn = SoftmaxCrossEntropy()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow in exp
        loss = loss_fn.forward(logits, np.array([0, 1, 2]))
        grad = loss_fn.backward()
    # row 0: right with certainty (loss 0); row 1: wrong by 1e4 (loss 1e4); row 2: loss ≈ 0
    assert loss == pytest.approx(1e4 / 3, rel=1e-6)
    assert np.isfinite(grad).all()
    np.testing.assert_allclose(grad[1], np.array([1.0, -1.0, 0.0]) / 3, atol=1e-7)


def test_softmax_rows_sum_to_one_and_ignore_a_shift():
    z = data((4, 5)) * 10
    p = softmax(z)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(softmax(z + 1000.0), p, rtol=1e-12)
    assert np.all(p > 0)


def test_accuracy_is_the_fraction_of_rows_whose_largest_logit_is_the_label():
    logits = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    assert accuracy(logits, np.array([0, 1, 1, 0])) == 0.5
