"""The mistakes a learner can actually make from a notebook, and what they are told.

Each test makes one mistake the way a learner would (issue 23's list: pixels left as 0-255,
labels as floats, an MNIST whose images and labels disagree, a NaN learning rate, an empty
data set, wrong shapes, widths that do not chain, an optimizer built on another model, huge
inputs, a runaway num_steps, the stop button) and checks that the message names the cause
and the fix, not merely that something raised.
"""

import math
import warnings

import numpy as np
import pytest

from helpers.gd import run_gd
from helpers.kit.data import MNIST, load_mnist
from helpers.layers import Linear, ReLU, Sequential, mlp
from helpers.losses import MSELoss, SoftmaxCrossEntropy
from helpers.objectives import Parabola
from helpers.optim import SGD, Adam
from helpers.train import evaluate, train


@pytest.fixture(scope="module")
def digits():
    mnist = load_mnist("sample")
    return mnist.X_train[:200], mnist.y_train[:200]


def train_mnist(X, y, lr=0.1, model=None, **kwargs):
    model = model or mlp([784, 16, 10])
    return train(model, SoftmaxCrossEntropy(), SGD(model.parameters(), lr=lr), X, y,
                 progress=False, **kwargs)


def message(error_type, call, *args, **kwargs) -> str:
    with pytest.raises(error_type) as info:
        call(*args, **kwargs)
    return str(info.value)


# ---- the data ----

def test_pixels_left_as_uint8_0_to_255_are_refused_with_the_scaling(digits):
    X, y = digits
    text = message(ValueError, train_mnist, (X * 255).astype(np.uint8), y)
    assert text == ("X holds values up to 255 (uint8): the pixels must be scaled to [0, 1]: "
                    "use X / 255")


def test_pixels_as_floats_times_255_as_keras_returns_them_are_refused(digits):
    X, y = digits
    text = message(ValueError, train_mnist, X * np.float32(255), y)
    assert "X holds values up to 255 (float32)" in text and "use X / 255" in text


def test_unscaled_validation_pixels_are_named_as_validation(digits):
    X, y = digits
    text = message(ValueError, train_mnist, X, y, X_val=X * 255, y_val=y)
    assert text.startswith("X_val holds values up to 255") and text.endswith("use X_val / 255")


def test_images_not_flattened_are_refused_with_the_reshape(digits):
    X, y = digits
    text = message(ValueError, train_mnist, X.reshape(-1, 28, 28), y)
    assert text == ("X must hold one example per row, shape (N, n_features); got shape "
                    "(200, 28, 28): use X.reshape(len(X), -1)")


def test_labels_as_floats_are_refused_with_astype_int(digits):
    X, y = digits
    text = message(TypeError, train_mnist, X, y.astype(float))
    assert text.startswith("y holds floats (float64") and text.endswith("use y.astype(int)")


def test_labels_counted_from_1_are_refused_with_the_range_the_model_has(digits):
    X, y = digits
    text = message(ValueError, train_mnist, X, y + 1)
    assert text == ("y must hold labels from 0 to 9 (the model has 10 outputs); got labels "
                    "from 1 to 10")


def test_an_mnist_whose_600_images_have_500_labels_is_refused_not_cut(digits):
    X, y = digits
    text = message(ValueError, MNIST, np.zeros((600, 784), np.float32), np.zeros(500, int),
                   X, y, "sample", "a hand-made set")
    assert "X_train.shape=(600, 784) and y_train.shape=(500,)" in text
    text = message(ValueError, train_mnist, np.zeros((600, 784), np.float32), y[:100].repeat(5))
    assert text == ("X and y must hold one row per example; got X.shape=(600, 784) and "
                    "y.shape=(500,)")


def test_an_empty_data_set_is_refused(digits):
    X, y = digits
    text = message(ValueError, train_mnist, X[:0], y[:0])
    assert text == "X must hold at least one example; got shape (0, 784)"


def test_a_nan_pixel_is_named_with_where_it_is(digits):
    X, y = digits
    X = X.copy()
    X[3, 100] = np.nan
    assert message(ValueError, train_mnist, X, y).startswith(
        "X must hold only finite numbers; X[3, 100] is")


def test_inputs_of_1e300_are_blamed_not_the_weights_or_the_learning_rate():
    X = np.full((20, 3), 1e300)
    y = np.arange(20) % 2
    for dtype in (np.float32, np.float64):
        model = mlp([3, 8, 2], dtype=dtype)
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)  # no overflow warning before the message
            text = message(ValueError, train, model, SoftmaxCrossEntropy(),
                           SGD(model.parameters(), lr=0.1), X, y, progress=False)
        assert text.startswith("X holds values up to 1e+300 in size")
        assert "scale the inputs" in text and "learning rate" not in text


def test_a_flat_target_for_one_output_is_refused_with_the_reshape():
    model = Linear(1, 1)
    text = message(ValueError, train, model, MSELoss(), SGD(model.parameters(), lr=0.1),
                   np.zeros((4, 1)), np.zeros(4), progress=False)
    assert text.endswith("got (4,) (for one output, y.reshape(-1, 1))")


# ---- the model and the optimizer ----

def test_data_of_another_width_than_the_model_is_named_with_both(digits):
    X, y = digits
    text = message(ValueError, evaluate, mlp([28, 16, 10]), X, y)
    assert text == ("X has 784 columns but the model's first Linear layer takes 28 inputs; "
                    "got X.shape=(200, 784)")


def test_a_model_whose_widths_do_not_chain_is_refused_when_built():
    text = message(ValueError, Sequential, Linear(784, 128), ReLU(), Linear(64, 10))
    assert text == ("layer 2 takes 64 inputs, but the Linear layer before it (layer 0) gives "
                    "128: the widths must chain")


def test_an_optimizer_built_on_another_model_is_refused(digits):
    X, y = digits
    old = mlp([784, 16, 10])
    optimizer = SGD(old.parameters(), lr=0.1)
    model = mlp([784, 16, 10])  # the cell that builds the model was run again
    text = message(ValueError, train, model, SoftmaxCrossEntropy(), optimizer, X, y)
    assert "optimizer must be built on this model's parameters" in text
    assert "(was the model built again after the optimizer?)" in text


def test_an_optimizer_given_the_model_itself_says_to_pass_its_parameters():
    text = message(TypeError, SGD, mlp([4, 2]), lr=0.1)
    assert text.endswith("got a Sequential: pass model.parameters()")


def test_a_loss_class_instead_of_a_loss_says_to_make_one(digits):
    X, y = digits
    model = mlp([784, 16, 10])
    text = message(TypeError, train, model, SoftmaxCrossEntropy, SGD(model.parameters(), lr=0.1),
                   X, y)
    assert text.startswith("loss_fn must be SoftmaxCrossEntropy() or MSELoss(); got <class")


@pytest.mark.parametrize("make", [lambda ps, lr: SGD(ps, lr=lr), lambda ps, lr: Adam(ps, lr=lr),
                                  lambda ps, lr: run_gd(Parabola(), 1.0, lr, 10)])
def test_a_nan_learning_rate_is_refused_before_anything_runs(make):
    text = message(ValueError, make, mlp([4, 2]).parameters(), float("nan"))
    assert text == "lr must be a positive finite number; got nan"


def test_a_batch_larger_than_the_data_set_names_the_range(digits):
    X, y = digits
    assert message(ValueError, train_mnist, X, y, batch_size=256) == (
        "batch_size must be an integer from 1 to 200; got 256")


def test_float64_targets_into_a_float32_model_at_batch_size_1_just_work():
    # issue 23: a hand-written loop with MSELoss against float64 targets, one example a step
    model = mlp([3, 4, 2])
    loss_fn = MSELoss()
    X = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    Y = np.ones((5, 2))  # float64
    for i in range(5):
        loss_fn.forward(model.forward(X[i:i + 1]), Y[i:i + 1])
        model.backward(loss_fn.backward())
    assert all(g.dtype == np.float32 and np.isfinite(g).all() for g in model.grads.values())


# ---- runs that go on too long, or are stopped ----

def test_run_gd_for_a_trillion_steps_is_refused_at_once():
    text = message(ValueError, run_gd, Parabola(), 1.0, 0.1, num_steps=10**12)
    assert text == "num_steps must be an integer from 0 to 1000000; got 1000000000000"


def test_a_learning_rate_far_too_large_ends_in_a_sentence_not_warnings(digits):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        history = train_mnist(X, y, lr=1e3, batch_size=20)
    assert history.status in ("blew_up", "diverged")
    assert history.message.endswith("The learning rate 1000 is too large for this model; try "
                                    "a smaller one.")


def test_the_stop_button_keeps_the_history_and_says_the_weights_are_kept(digits):
    X, y = digits

    def stop_button(history):
        if history.num_steps == 4:
            raise KeyboardInterrupt

    history = train_mnist(X, y, batch_size=20, callbacks=stop_button, log_every=1)
    assert history.status == "interrupted" and history.num_steps == 4
    assert all(math.isfinite(loss) for loss in history.step_loss)
    assert history.message == ("Interrupted after 4 updates: the weights are as they were "
                               "then; the History holds everything up to that point.")
