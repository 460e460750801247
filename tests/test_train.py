"""The training loop: the very steps of the hand-written loop, what it records, and how it
ends: "ok", "stopped", "blew_up", "diverged", "stuck" or "interrupted" (helpers/train.py)."""

import math
import warnings

import numpy as np
import pytest

from helpers.batches import minibatches
from helpers.kit.data import load_mnist
from helpers.layers import Linear, mlp
from helpers.losses import MSELoss, SoftmaxCrossEntropy
from helpers.optim import SGD, Adam
from helpers.schedules import StepLR
from helpers.train import History, evaluate, train


def blobs(n_per_class=30, seed=0):
    """Three well separated clusters in 2-D: X (90, 2) float32, y (90,) labels 0..2."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    X = np.concatenate([c + 0.5 * rng.standard_normal((n_per_class, 2)) for c in centres])
    return X.astype(np.float32), np.repeat(np.arange(3), n_per_class)


def fit(num_epochs=5, lr=0.1, batch_size=10, model=None, **kwargs):
    X, y = blobs()
    model = model or mlp([2, 16, 3], seed=0)
    optimizer = SGD(model.parameters(), lr=lr, momentum=0.9)
    history = train(model, SoftmaxCrossEntropy(), optimizer, X, y, batch_size=batch_size,
                    num_epochs=num_epochs, progress=False, **kwargs)
    return model, history


@pytest.fixture(scope="module")
def digits():
    data = load_mnist("sample")
    return data.X_train[:1000], data.y_train[:1000]


# ---- the loop is the hand-written loop ----

def shift_right(X_batch, rng):
    """A transform that uses the training rng: each row shifted by 0 or 1 column."""
    return np.where(rng.random((len(X_batch), 1)) < 0.5, X_batch, np.roll(X_batch, 1, axis=1))


@pytest.mark.parametrize("transform", [None, shift_right])
def test_train_gives_bit_for_bit_the_weights_of_the_hand_written_loop(transform):
    X, y = blobs()
    by_hand, trained = mlp([2, 16, 3], seed=4), mlp([2, 16, 3], seed=4)
    opt, loss_fn = Adam(by_hand.parameters(), lr=0.01), SoftmaxCrossEntropy()
    rng = np.random.default_rng(7)
    losses = []
    for _ in range(3):  # the loop notebook 06 writes out
        for idx in minibatches(len(X), 16, rng):
            X_batch = X[idx] if transform is None else transform(X[idx], rng)
            losses.append(loss_fn.forward(by_hand.forward(X_batch), y[idx]))
            by_hand.backward(loss_fn.backward())
            opt.step()
    history = train(trained, SoftmaxCrossEntropy(), Adam(trained.parameters(), lr=0.01), X, y,
                    batch_size=16, num_epochs=3, seed=7, transform=transform, progress=False)
    assert history.step_loss == losses
    for name in by_hand.params:
        np.testing.assert_array_equal(trained.params[name], by_hand.params[name])


def test_the_transform_sees_every_batch_and_the_model_sees_what_it_returns():
    seen = []

    def blank(X_batch, rng):
        seen.append(len(X_batch))
        return np.zeros_like(X_batch)  # nothing to learn from: the loss cannot fall far

    _, history = fit(num_epochs=2, batch_size=20, transform=blank)
    assert seen == [20, 20, 20, 20, 10] * 2
    assert history.epoch_acc[-1] < 0.5  # blobs are learnt to 100% without the transform


def test_mse_regression_finds_the_line():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (100, 1))
    model = Linear(1, 1, dtype=np.float64)
    history = train(model, MSELoss(), SGD(model.parameters(), lr=0.1), X, 2 * X + 1,
                    batch_size=10, num_epochs=50, progress=False)
    assert model.params["W"][0, 0] == pytest.approx(2.0, abs=1e-6)
    assert model.params["b"][0] == pytest.approx(1.0, abs=1e-6)
    assert math.isnan(history.epoch_acc[-1]) and history.status == "ok"


def test_a_float32_model_stays_float32_with_float64_data():
    X, y = blobs()
    model = mlp([2, 4, 3])
    train(model, SoftmaxCrossEntropy(), SGD(model.parameters(), lr=0.1), X.astype(np.float64),
          y, progress=False)
    assert {p.dtype for p in model.params.values()} == {np.dtype(np.float32)}


# ---- what the History holds ----

def test_history_has_one_entry_per_update_and_per_epoch():
    _, history = fit(num_epochs=3, batch_size=20)  # 90 examples: 5 updates per epoch
    assert history.num_steps == len(history.step_loss) == 15
    assert history.examples_seen[:6] == [20, 40, 60, 80, 90, 110]
    assert history.examples_seen[-1] == 270
    assert len(history.epoch_loss) == len(history.epoch_acc) == len(history.wall_time) == 3
    assert history.val_loss == history.val_acc == []
    assert all(type(loss) is float for loss in history.step_loss)
    assert 0 < history.wall_time[0] <= history.wall_time[1] <= history.wall_time[2]


def test_the_epoch_loss_is_the_mean_over_examples_of_the_batch_losses():
    _, history = fit(num_epochs=1, batch_size=20)  # batches of 20, 20, 20, 20, 10
    weights = np.array([20, 20, 20, 20, 10])
    assert history.epoch_loss[0] == pytest.approx(np.dot(history.step_loss, weights) / 90,
                                                  rel=1e-12)


def test_validation_data_are_scored_after_every_epoch_as_evaluate_scores_them():
    X_val, y_val = blobs(seed=1)
    model, history = fit(num_epochs=4, X_val=X_val, y_val=y_val)
    assert len(history.val_loss) == len(history.val_acc) == 4
    assert (history.val_loss[-1], history.val_acc[-1]) == evaluate(model, X_val, y_val)
    assert history.status == "ok" and history.epoch_acc[-1] == 1.0
    assert history.message == (f"Trained for 4 epochs, 36 updates: last epoch's loss "
                               f"{history.epoch_loss[-1]:.4g}, validation accuracy 100.0%.")


def test_validation_is_scored_with_dropout_off_and_training_goes_on_with_it_on():
    X_val, y_val = blobs(seed=1)
    model, history = fit(num_epochs=2, model=mlp([2, 16, 3], dropout=0.5), X_val=X_val,
                         y_val=y_val)
    assert model.training and all(layer.training for layer in model.layers)
    assert history.val_loss[-1] == evaluate(model, X_val, y_val)[0]  # deterministic: eval mode


def test_a_schedule_is_stepped_once_per_update():
    X, y = blobs()
    model = mlp([2, 4, 3])
    optimizer = SGD(model.parameters(), lr=0.1)
    schedule = StepLR(optimizer, step_size=5, gamma=0.5)
    train(model, SoftmaxCrossEntropy(), optimizer, X, y, batch_size=10, num_epochs=2,
          schedule=schedule, progress=False)  # 9 updates per epoch
    assert schedule.t == 18 and optimizer.lr == schedule.lr_at(18) == 0.1 * 0.5**3


def test_the_same_seed_gives_the_same_run_another_seed_another_order():
    assert fit(num_epochs=2)[1].step_loss == fit(num_epochs=2)[1].step_loss
    assert fit(num_epochs=1)[1].step_loss != fit(num_epochs=1, seed=1)[1].step_loss


def test_progress_false_prints_nothing(capsys):
    fit(num_epochs=1)
    assert capsys.readouterr() == ("", "")


# ---- callbacks ----

def test_callbacks_run_every_log_every_updates_and_at_each_epoch_end():
    calls = []
    fit(num_epochs=2, log_every=4,  # 9 updates per epoch
        callbacks=[lambda h: calls.append((h.num_steps, len(h.epoch_loss)))])
    assert calls == [(4, 0), (8, 0), (9, 1), (12, 1), (16, 1), (18, 2)]


def test_a_callback_returning_false_stops_the_run_with_status_stopped():
    _, history = fit(num_epochs=5, callbacks=lambda h: h.num_steps < 6, log_every=3)
    assert history.num_steps == 6 and history.status == "stopped"
    assert history.message == "Stopped by a callback after update 6 (epoch 1)."


def test_an_interrupted_run_keeps_its_history_and_the_weights_of_that_moment():
    def stop_button(history):
        if history.num_steps == 7:
            raise KeyboardInterrupt  # what the kernel's stop button raises

    interrupted, history = fit(num_epochs=5, callbacks=stop_button, log_every=1)
    assert history.status == "interrupted" and history.num_steps == 7
    assert history.message.startswith("Interrupted after 7 updates: the weights are as they "
                                      "were then")
    stopped, _ = fit(num_epochs=5, callbacks=lambda h: h.num_steps < 7, log_every=1)
    for name in stopped.params:  # the same 7 updates, and nothing more
        np.testing.assert_array_equal(interrupted.params[name], stopped.params[name])


# ---- how a run that goes wrong ends ----

def test_lr_10_on_mnist_blows_up_and_says_so_without_warnings(digits):
    X, y = digits
    model = mlp([784, 32, 10])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        history = train(model, SoftmaxCrossEntropy(), SGD(model.parameters(), lr=10), X, y,
                        batch_size=32, num_epochs=2, progress=False)
    assert history.status == "blew_up" and history.num_steps < 10
    assert "past 10× its start 2.3" in history.message
    assert history.message.endswith("The learning rate 10 is too large for this model; try a "
                                    "smaller one.")


def test_a_loss_that_becomes_nan_is_diverged():
    _, history = fit(lr=1e4, batch_size=10)
    assert history.status == "diverged"
    assert "the loss became nan. The learning rate 10000 is too large" in history.message
    assert all(math.isfinite(loss) for loss in history.step_loss)  # nan is not recorded


def test_one_bad_batch_at_batch_size_one_is_not_a_blow_up():
    _, history = fit(num_epochs=3, lr=0.1, batch_size=1)
    assert history.status == "ok"  # the blow-up is judged on a mean over >= 64 examples


def test_a_run_that_ends_no_better_than_a_blind_guess_is_stuck(digits):
    X, y = digits
    model = mlp([784, 32, 10], init="he")  # starts at a loss of about 2.39, above log 10
    history = train(model, SoftmaxCrossEntropy(), SGD(model.parameters(), lr=1e-5), X, y,
                    batch_size=100, progress=False)
    assert history.status == "stuck"
    assert history.message.endswith("That is no better than a blind guess's loss 2.3: at lr "
                                    "1e-05 the network has not learnt.")


def test_a_run_that_learns_is_ok(digits):
    X, y = digits
    model = mlp([784, 32, 10])
    history = train(model, SoftmaxCrossEntropy(), SGD(model.parameters(), lr=0.1), X, y,
                    batch_size=32, num_epochs=2, progress=False)
    assert history.status == "ok" and history.epoch_acc[-1] > 0.7  # measured 0.76


# ---- evaluate ----

def test_evaluate_returns_the_mean_loss_and_the_accuracy():
    model = Linear(2, 2, dtype=np.float64)
    model.params["W"][...] = np.eye(2)  # logits = X
    model.params["b"][...] = 0
    X, y = np.array([[2.0, 0.0], [0.0, 1.0], [3.0, 0.0]]), np.array([0, 1, 1])
    loss, acc = evaluate(model, X, y)
    expected = (math.log(math.exp(2) + 1) - 2 + math.log(1 + math.e) - 1
                + math.log(math.exp(3) + 1)) / 3
    assert loss == pytest.approx(expected, rel=1e-14) and acc == pytest.approx(2 / 3)


def test_evaluate_uses_mse_for_targets():
    model = Linear(1, 1, dtype=np.float64)
    model.params["W"][...] = 1.0
    model.params["b"][...] = 0.0
    loss, acc = evaluate(model, np.array([[1.0], [2.0]]), np.array([[1.0], [4.0]]))
    assert loss == 2.0 and math.isnan(acc)


def test_a_new_history_is_empty_and_ok():
    history = History()
    assert history.step_loss == [] and history.status == "ok" and history.num_steps == 0


def test_log_every_must_be_a_positive_integer():
    with pytest.raises(ValueError, match="log_every must be an integer >= 1; got 0"):
        fit(num_epochs=1, callbacks=lambda h: None, log_every=0)
