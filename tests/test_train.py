"""The training loop: it learns, it records, it stops cleanly, and it checks its arguments."""

import math
import subprocess
import sys
import warnings

import numpy as np
import pytest

from helpers.layers import Linear, mlp
from helpers.losses import MSELoss, SoftmaxCrossEntropy
from helpers.optim import SGD
from helpers.schedules import StepLR
from helpers.train import History, evaluate, train


def blobs(n_per_class=30, seed=0):
    """Three well separated clusters in 2-D: X (90, 2) float32, y (90,) labels 0..2."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    X = np.concatenate([c + 0.5 * rng.standard_normal((n_per_class, 2)) for c in centres])
    y = np.repeat(np.arange(3), n_per_class)
    return X.astype(np.float32), y


def fit(num_epochs=20, lr=0.1, batch_size=10, seed=0, **kwargs):
    X, y = blobs()
    model = mlp([2, 16, 3], seed=seed)
    optimizer = SGD(model.parameters(), lr=lr, momentum=0.9)
    history = train(model, SoftmaxCrossEntropy(), optimizer, X, y, batch_size=batch_size,
                    num_epochs=num_epochs, progress=False, **kwargs)
    return model, history


# ---- it learns ----

def test_training_drives_the_loss_down_to_full_training_accuracy():
    model, history = fit()
    X, y = blobs()
    assert history.status == "ok"
    assert history.epoch_loss[-1] < history.epoch_loss[0] / 10
    assert history.epoch_acc[-1] == 1.0
    assert evaluate(model, X, y)[1] == 1.0


def test_mse_regression_finds_the_line():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (100, 1))
    y = 2 * X + 1  # slope 2, intercept 1
    model = Linear(1, 1, dtype=np.float64)
    history = train(model, MSELoss(), SGD(model.parameters(), lr=0.1), X, y, batch_size=10,
                    num_epochs=50, progress=False)
    assert model.params["W"][0, 0] == pytest.approx(2.0, abs=1e-6)
    assert model.params["b"][0] == pytest.approx(1.0, abs=1e-6)
    assert math.isnan(history.epoch_acc[-1])  # accuracy means nothing for regression


# ---- what it records ----

def test_history_has_one_entry_per_step_and_per_epoch():
    _, history = fit(num_epochs=3, batch_size=20)  # 90 examples: 5 steps per epoch
    assert history.num_steps == len(history.step_loss) == 15
    assert history.examples_seen == [20, 40, 60, 80, 90, 110, 130, 150, 170, 180,
                                     200, 220, 240, 260, 270]
    assert len(history.epoch_loss) == len(history.epoch_acc) == len(history.wall_time) == 3
    assert history.test_acc == []
    assert all(isinstance(loss, float) for loss in history.step_loss)


def test_wall_time_is_increasing_seconds():
    _, history = fit(num_epochs=3)
    assert 0 < history.wall_time[0] <= history.wall_time[1] <= history.wall_time[2]


def test_test_set_is_evaluated_after_every_epoch():
    X_test, y_test = blobs(seed=1)
    _, history = fit(num_epochs=4, X_test=X_test, y_test=y_test)
    assert len(history.test_acc) == len(history.test_loss) == 4
    assert history.test_acc[-1] == 1.0
    assert "test accuracy 100.0%" in history.message


def test_the_same_seed_gives_the_same_history():
    _, a = fit(num_epochs=2)
    _, b = fit(num_epochs=2)
    assert a.step_loss == b.step_loss


def test_a_different_seed_shuffles_differently():
    _, a = fit(num_epochs=1)
    X, y = blobs()
    model = mlp([2, 16, 3])
    b = train(model, SoftmaxCrossEntropy(), SGD(model.parameters(), lr=0.1, momentum=0.9), X, y,
              batch_size=10, seed=1, progress=False)
    assert a.step_loss != b.step_loss


def test_float64_models_train_in_float64():
    X, y = blobs()
    model = mlp([2, 4, 3], dtype=np.float64)
    train(model, SoftmaxCrossEntropy(), SGD(model.parameters(), lr=0.1), X, y, progress=False)
    assert {p.dtype for p in model.params.values()} == {np.dtype(np.float64)}


def test_float64_data_does_not_turn_a_float32_model_into_float64():
    X, y = blobs()
    model = mlp([2, 4, 3])
    train(model, SoftmaxCrossEntropy(), SGD(model.parameters(), lr=0.1), X.astype(np.float64),
          y, progress=False)
    assert {p.dtype for p in model.params.values()} == {np.dtype(np.float32)}


def test_a_schedule_is_stepped_once_per_update_step():
    X, y = blobs()
    model = mlp([2, 4, 3])
    optimizer = SGD(model.parameters(), lr=0.1)
    schedule = StepLR(optimizer, step_size=5, gamma=0.5)
    train(model, SoftmaxCrossEntropy(), optimizer, X, y, batch_size=10, num_epochs=2,
          schedule=schedule, progress=False)  # 18 steps
    assert optimizer.lr == schedule.lr_at(18) == 0.1 * 0.5**3


# ---- callbacks ----

def test_callbacks_run_every_log_every_steps_and_at_each_epoch_end():
    calls = []
    fit(num_epochs=2, callbacks=[lambda h: calls.append((h.num_steps, len(h.epoch_loss)))],
        log_every=4)  # 9 steps per epoch
    assert calls == [(4, 0), (8, 0), (9, 1), (12, 1), (16, 1), (18, 2)]


def test_a_callback_returning_false_stops_training():
    _, history = fit(num_epochs=5, callbacks=[lambda h: False], log_every=3)
    assert history.num_steps == 3
    assert history.status == "ok"
    assert history.message == "Training stopped by a callback after step 3 (epoch 1)."


# ---- divergence ----

def test_too_large_a_learning_rate_stops_with_a_message_and_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, history = fit(num_epochs=20, lr=1e4)
    assert history.status == "diverged"
    assert history.message.startswith("Training stopped at step ")
    assert "The learning rate 10000.0 is too large for this model; try a smaller one." in (
        history.message)
    assert all(math.isfinite(loss) for loss in history.step_loss)


def test_the_divergence_message_names_the_step_and_epoch():
    _, history = fit(num_epochs=20, lr=1e4)
    step = history.num_steps + 1
    epoch = (step - 1) // 9 + 1
    assert f"at step {step} (epoch {epoch}): the loss became " in history.message


def test_callbacks_see_the_divergence():
    statuses = []
    fit(num_epochs=20, lr=1e4, callbacks=[lambda h: statuses.append(h.status)], log_every=1000)
    assert statuses[-1] == "diverged"


# ---- progress bar ----

def test_progress_false_prints_nothing(capsys):
    fit(num_epochs=1)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_progress_bar_is_shown_unless_TQDM_DISABLE_is_set():
    code = ("import numpy as np; from helpers.layers import mlp; from helpers.optim import SGD;"
            "from helpers.losses import SoftmaxCrossEntropy; from helpers.train import train;"
            "m = mlp([2, 3]); train(m, SoftmaxCrossEntropy(), SGD(m.parameters(), lr=0.1),"
            "np.zeros((4, 2)), np.array([0, 1, 2, 0]), batch_size=2)")
    env = {"PATH": "", "TQDM_DISABLE": "1"}
    quiet = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    shown = subprocess.run([sys.executable, "-c", code], env={"PATH": ""}, capture_output=True,
                           text=True)
    assert quiet.returncode == shown.returncode == 0
    assert quiet.stderr == ""
    assert "2/2" in shown.stderr


# ---- evaluate ----

def test_evaluate_returns_mean_loss_and_accuracy():
    model = Linear(2, 2, dtype=np.float64)
    model.params["W"][...] = np.eye(2)  # logits = X
    model.params["b"][...] = 0
    X = np.array([[2.0, 0.0], [0.0, 1.0], [3.0, 0.0]])
    y = np.array([0, 1, 1])
    loss, acc = evaluate(model, X, y)
    expected = (math.log(math.exp(2) + 1) - 2 + math.log(1 + math.e) - 1
                + math.log(math.exp(3) + 1) - 0) / 3
    assert loss == pytest.approx(expected, rel=1e-14)
    assert acc == pytest.approx(2 / 3)


def test_evaluate_uses_mse_for_float_targets():
    model = Linear(1, 1, dtype=np.float64)
    model.params["W"][...] = 1.0
    model.params["b"][...] = 0.0
    loss, acc = evaluate(model, np.array([[1.0], [2.0]]), np.array([[1.0], [4.0]]))
    assert loss == 2.0 and math.isnan(acc)


def test_history_defaults_are_empty():
    history = History()
    assert history.step_loss == [] and history.status == "ok" and history.num_steps == 0


# ---- bad input ----

def train_args(**changes):
    X, y = blobs()
    model = mlp([2, 4, 3])
    args = dict(model=model, loss_fn=SoftmaxCrossEntropy(),
                optimizer=SGD(model.parameters(), lr=0.1), X=X, y=y, progress=False)
    args.update(changes)
    return args


def test_batch_size_above_the_number_of_examples_is_refused():
    with pytest.raises(ValueError, match="batch_size must be an integer from 1 to 90; got 100"):
        train(**train_args(batch_size=100))


def test_X_and_y_row_mismatch_is_refused():
    with pytest.raises(ValueError, match=r"X.shape=\(90, 2\) and y.shape=\(89,\)"):
        train(**train_args(y=blobs()[1][:89]))


def test_X_columns_must_match_the_first_linear_layer():
    with pytest.raises(ValueError, match=r"X has shape \(90, 5\) but the model's first Linear "
                                         r"layer expects 2 columns \(its W has shape \(2, 4\)\)"):
        train(**train_args(X=np.zeros((90, 5))))


def test_negative_num_epochs_is_refused():
    with pytest.raises(ValueError, match="num_epochs must be an integer >= 1; got -1"):
        train(**train_args(num_epochs=-1))


def test_labels_must_be_classes_the_model_can_output():
    with pytest.raises(ValueError, match="y must hold class labels from 0 to 2; got .* 0 to 3"):
        train(**train_args(y=np.repeat([0, 1, 3], 30)))


def test_negative_labels_are_refused():
    with pytest.raises(ValueError, match="got labels from -1 to 2"):
        train(**train_args(y=np.repeat([0, -1, 2], 30)))


def test_float_labels_are_refused_for_cross_entropy():
    with pytest.raises(TypeError, match="y must be a 1-D array of integer class labels"):
        train(**train_args(y=np.repeat([0.0, 1.0, 2.0], 30)))


def test_X_with_nan_is_refused():
    X = blobs()[0].copy()
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="X must hold only finite numbers"):
        train(**train_args(X=X))


def test_mse_targets_must_match_the_output_width():
    model = Linear(1, 1)
    with pytest.raises(ValueError, match=r"y must have shape \(4, 1\) to match"):
        train(model, MSELoss(), SGD(model.parameters(), lr=0.1), np.zeros((4, 1)), np.zeros(4),
              progress=False)


def test_the_optimizer_must_be_an_optimizer():
    with pytest.raises(TypeError, match="optimizer must be an Optimizer"):
        train(**train_args(optimizer="sgd"))


def test_the_model_must_be_a_layer():
    with pytest.raises(TypeError, match="model must be a Layer"):
        train(**train_args(model=lambda X: X))


def test_X_test_needs_y_test():
    with pytest.raises(ValueError, match="X_test and y_test must be given together"):
        train(**train_args(X_test=np.zeros((3, 2))))


def test_log_every_must_be_positive():
    with pytest.raises(ValueError, match="log_every must be an integer >= 1; got 0"):
        train(**train_args(log_every=0))


def test_seed_must_be_an_integer_or_a_generator():
    with pytest.raises(TypeError, match="seed must be a numpy Generator"):
        train(**train_args(seed=1.5))


def test_callbacks_must_be_functions():
    with pytest.raises(TypeError, match=r"callbacks\[0\] must be a function"):
        train(**train_args(callbacks=["plot"]))


def test_evaluate_checks_the_columns_of_X():
    with pytest.raises(ValueError, match=r"X has shape \(3, 4\)"):
        evaluate(mlp([2, 3]), np.zeros((3, 4)), np.array([0, 1, 2]))


# ---- issue 11: one notion of "blew up", and named errors ----

@pytest.fixture(scope="module")
def digits():
    from helpers.data import load_mnist

    data = load_mnist("sample", verbose=False)
    return data.X_train[:600], data.y_train[:600]


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "nesterov", "rmsprop", "adam"])
@pytest.mark.parametrize("lr", [1e3, 1e6])
def test_a_run_whose_loss_blew_up_is_not_reported_as_trained(digits, optimizer, lr):
    from helpers.optim import make_optimizer

    X, y = digits
    model = mlp([784, 32, 10])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = train(model, SoftmaxCrossEntropy(), make_optimizer(optimizer, model.parameters(),
                                                                     lr=lr),
                        X, y, batch_size=16, num_epochs=2, progress=False)
    assert history.status in ("blew_up", "diverged")
    assert not history.message.startswith("Trained")
    assert "too large" in history.message
    assert history.num_steps < 2 * len(X) // 16  # stopped early, not after two full epochs


def test_the_blow_up_message_says_from_what_to_what(digits):
    X, y = digits
    model = mlp([784, 32, 10])
    history = train(model, SoftmaxCrossEntropy(), SGD(model.parameters(), lr=1e3), X, y,
                    batch_size=16, progress=False)
    assert history.status == "blew_up"
    assert "the loss blew up, from about 2.3" in history.message


def test_one_bad_example_at_batch_size_one_is_not_a_blow_up():
    _, history = fit(num_epochs=3, lr=0.1, batch_size=1)
    assert history.status == "ok"  # the blow-up is judged on a mean over >= 64 examples


def test_an_optimizer_of_another_model_is_refused():
    X, y = blobs()
    model, other = mlp([2, 16, 3], seed=0), mlp([2, 16, 3], seed=1)
    with pytest.raises(ValueError, match="optimizer must be built on this model's parameters"):
        train(model, SoftmaxCrossEntropy(), SGD(other.parameters(), lr=0.1), X, y,
              progress=False)


def test_a_missing_optimizer_is_named():
    X, y = blobs()
    with pytest.raises(TypeError, match="optimizer must be an Optimizer"):
        train(mlp([2, 16, 3]), SoftmaxCrossEntropy(), None, X, y, progress=False)


def test_callbacks_that_are_not_functions_are_named():
    with pytest.raises(TypeError, match="callbacks must be a function"):
        fit(num_epochs=1, callbacks=5)


def test_float_labels_are_called_labels_not_targets():
    X, y = blobs()
    with pytest.raises(TypeError, match="y must be a 1-D array of integer class labels"):
        evaluate(mlp([2, 16, 3]), X, y.astype(float))


def test_a_model_wrecked_by_an_earlier_run_is_not_blamed_on_the_lr():
    model, history = fit(num_epochs=20, lr=1e4)
    assert history.status == "diverged"
    X, y = blobs()
    model.params["0.W"][...] = np.nan  # what a run that overflowed leaves behind
    again = train(model, SoftmaxCrossEntropy(), SGD(model.parameters(), lr=0.01), X, y,
                  progress=False)
    assert again.status == "diverged" and "build the model again" in again.message
    assert "learning rate" not in again.message
