"""Losses: values by hand, gradients against central differences, stability, bad input."""

import math
import warnings

import numpy as np
import pytest

from helpers.gradcheck import numerical_grad, relative_error
from helpers.losses import MSELoss, SoftmaxCrossEntropy, accuracy, softmax

TOL = 1e-7


def loss_grad_error(loss_fn, y_hat, y):
    """Relative error between loss_fn.backward() and central differences at y_hat."""
    loss_fn.forward(y_hat, y)
    analytic = loss_fn.backward()
    numeric = numerical_grad(lambda z: loss_fn.forward(z, y), y_hat.copy())
    return relative_error(analytic, numeric)


# ---- MSELoss ----

def test_mse_is_the_mean_of_squared_differences_over_all_elements():
    y_hat = np.array([[1.0, 2.0], [3.0, 4.0]])
    y = np.array([[1.0, 0.0], [0.0, 4.0]])
    assert MSELoss().forward(y_hat, y) == (0 + 4 + 9 + 0) / 4


def test_mse_gradient_is_two_times_the_difference_over_the_size():
    loss_fn = MSELoss()
    loss_fn.forward(np.array([[3.0], [1.0]]), np.array([[1.0], [1.0]]))
    np.testing.assert_array_equal(loss_fn.backward(), [[2 * 2 / 2], [0.0]])


def test_mse_backward_matches_central_differences():
    rng = np.random.default_rng(0)
    assert loss_grad_error(MSELoss(), rng.standard_normal((5, 3)),
                           rng.standard_normal((5, 3))) < TOL


def test_mse_refuses_shapes_that_would_broadcast():
    with pytest.raises(ValueError, match=r"y_hat.shape=\(4, 1\) and y.shape=\(4,\)"):
        MSELoss().forward(np.zeros((4, 1)), np.zeros(4))


# ---- SoftmaxCrossEntropy ----

def test_cross_entropy_is_minus_log_of_the_true_class_probability():
    logits = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    y = np.array([2, 0])
    p_true_0 = math.exp(3) / (math.exp(1) + math.exp(2) + math.exp(3))
    expected = (-math.log(p_true_0) - math.log(1 / 3)) / 2
    assert SoftmaxCrossEntropy().forward(logits, y) == pytest.approx(expected, rel=1e-14)


def test_cross_entropy_gradient_is_softmax_minus_onehot_over_n():
    loss_fn = SoftmaxCrossEntropy()
    loss_fn.forward(np.zeros((2, 4)), np.array([1, 3]))
    expected = (np.full((2, 4), 0.25) - np.array([[0, 1, 0, 0], [0, 0, 0, 1]])) / 2
    np.testing.assert_allclose(loss_fn.backward(), expected, rtol=1e-15)


def test_cross_entropy_backward_matches_central_differences():
    rng = np.random.default_rng(1)
    logits, y = 3 * rng.standard_normal((6, 4)), rng.integers(0, 4, 6)
    assert loss_grad_error(SoftmaxCrossEntropy(), logits, y) < TOL


def test_cross_entropy_is_finite_and_silent_for_extreme_logits():
    logits = np.array([[1e4, 0.0, -1e4], [-1e4, 1e4, 0.0]], dtype=np.float32)
    loss_fn = SoftmaxCrossEntropy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = loss_fn.forward(logits, np.array([0, 2]))
        grad = loss_fn.backward()
    assert loss == pytest.approx((0 + 1e4) / 2)  # row 1: log-sum-exp 1e4 minus logit 0
    assert np.all(np.isfinite(grad))
    np.testing.assert_allclose(grad, [[0, 0, 0], [0, 0.5, -0.5]], atol=1e-7)


def test_cross_entropy_keeps_float32():
    loss_fn = SoftmaxCrossEntropy()
    loss = loss_fn.forward(np.zeros((3, 2), np.float32), np.array([0, 1, 1]))
    assert isinstance(loss, float)
    assert loss_fn.backward().dtype == np.float32


def test_cross_entropy_backward_can_be_called_twice():
    loss_fn = SoftmaxCrossEntropy()
    loss_fn.forward(np.zeros((2, 3)), np.array([0, 1]))
    np.testing.assert_array_equal(loss_fn.backward(), loss_fn.backward())


def test_cross_entropy_rejects_float_labels():
    with pytest.raises(TypeError, match="y must be a 1-D array of integer class labels"):
        SoftmaxCrossEntropy().forward(np.zeros((2, 3)), np.array([0.0, 1.0]))


def test_cross_entropy_rejects_labels_beyond_the_number_of_classes():
    with pytest.raises(ValueError, match="y must hold class labels from 0 to 2; got .* to 3"):
        SoftmaxCrossEntropy().forward(np.zeros((2, 3)), np.array([0, 3]))


def test_cross_entropy_rejects_one_dimensional_logits():
    with pytest.raises(ValueError, match=r"logits must have shape \(n_examples, n_classes\)"):
        SoftmaxCrossEntropy().forward(np.zeros(3), np.array([0]))


def test_cross_entropy_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="logits and y must have the same number of rows"):
        SoftmaxCrossEntropy().forward(np.zeros((3, 2)), np.array([0, 1]))


# ---- softmax and accuracy ----

def test_softmax_rows_are_probabilities_even_for_huge_logits():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        probs = softmax(np.array([[1000.0, 1000.0], [-1000.0, 0.0], [1.0, 2.0]]))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(probs[0], [0.5, 0.5])
    np.testing.assert_allclose(probs[2], np.exp([1, 2]) / np.exp([1, 2]).sum(), rtol=1e-15)


def test_accuracy_is_the_fraction_of_rows_whose_largest_score_is_the_label():
    scores = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.3, 0.7]])
    assert accuracy(scores, np.array([0, 1, 1, 0])) == 0.5


def test_accuracy_rejects_float_labels():
    with pytest.raises(TypeError, match="y must be a 1-D array of integer class labels"):
        accuracy(np.zeros((2, 2)), np.array([0.5, 1.0]))


def test_negative_labels_are_refused_not_wrapped_around():
    with pytest.raises(ValueError, match="labels from 0 to 2; got labels from -1"):
        SoftmaxCrossEntropy().forward(np.zeros((2, 3)), np.array([-1, 0]))


# ---- issue 11: labels are checked by accuracy too; backward before forward is named ----

@pytest.mark.parametrize(("y", "error", "pattern"), [
    ([5, 6, 7], ValueError, r"y must hold class labels from 0 to 2; got labels from 5 to 7"),
    ([-1, 1, 2], ValueError, r"y must hold class labels from 0 to 2; got labels from -1 to 2"),
    ([0.0, 1.0, 2.0], TypeError, "y must be a 1-D array of integer class labels"),
])
def test_accuracy_checks_labels_like_the_loss(y, error, pattern):
    with pytest.raises(error, match=pattern):
        accuracy(np.eye(3), y)
    with pytest.raises(error, match=pattern):
        SoftmaxCrossEntropy().forward(np.eye(3), y)


def test_accuracy_of_nothing_is_an_error_not_nan():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="y must hold at least one label"):
            accuracy(np.zeros((0, 3)), np.zeros(0, dtype=int))


@pytest.mark.parametrize("loss_fn", [SoftmaxCrossEntropy(), MSELoss()])
def test_backward_before_forward_says_so(loss_fn):
    with pytest.raises(RuntimeError, match=r"call forward\(y_hat, y\) before backward\(\)"):
        loss_fn.backward()


def test_softmax_of_infinite_logits_is_named_not_nan():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="logits must hold only finite numbers"):
            softmax([[math.inf, 0.0]])
