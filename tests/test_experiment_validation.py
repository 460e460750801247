"""Validation digits, the test digits scored once, the final recipe, AdaGrad's step and AdamW's
decay (notebooks 05 and 06), on real MNIST digits from the offline sample."""

import numpy as np
import pytest

from helpers import experiment
from helpers.data import MNIST, load_mnist
from helpers.lab import mnist
from helpers.lab import optimizers as opt
from helpers.train import evaluate

pytestmark = pytest.mark.filterwarnings("error")


@pytest.fixture(scope="module")
def sample():
    return load_mnist("sample", verbose=False)


@pytest.fixture(scope="module")
def split(sample):
    return experiment.split_validation(sample)


@pytest.fixture(scope="module")
def small(sample):
    """1,000 training digits (200 of them split off for validation) and 300 test digits."""
    return experiment.split_validation(MNIST(sample.X_train[:1000], sample.y_train[:1000],
                                             sample.X_test[:300], sample.y_test[:300], "sample",
                                             "1,000/300 digits of the sample"))


# ---- split_validation ---------------------------------------------------------------------------

def test_800_validation_digits_80_of_each_class_none_of_them_trained_on(sample, split):
    assert split.X_val.shape == (800, 784) and split.X_train.shape == (3200, 784)
    assert np.bincount(split.y_val).tolist() == [80] * 10
    trained = {row.tobytes() for row in split.X_train}
    assert not any(row.tobytes() in trained for row in split.X_val)
    assert split.X_test is sample.X_test  # the test digits are left alone
    assert "800 of the training digits kept for validation" in split.description


def test_the_same_seed_gives_the_same_split_and_another_seed_another(sample, split):
    again = experiment.split_validation(sample, seed=0)
    other = experiment.split_validation(sample, seed=1)
    assert np.array_equal(again.y_val, split.y_val) and np.array_equal(again.X_val, split.X_val)
    assert not np.array_equal(other.X_val, split.X_val)
    assert experiment.split_validation(split) is split  # already split: nothing changes


def test_a_small_training_set_keeps_a_fifth_for_validation(sample):
    part = experiment.split_validation(MNIST(sample.X_train[:500], sample.y_train[:500],
                                             sample.X_test, sample.y_test, "sample", "500"))
    assert len(part.y_val) == 100 and len(part.y_train) == 400


def test_split_validation_refuses_what_it_cannot_split(sample):
    with pytest.raises(TypeError, match="data must be an MNIST"):
        experiment.split_validation(np.zeros((4, 784)))
    with pytest.raises(ValueError, match="n_val"):
        experiment.split_validation(sample, n_val=4000)


# ---- run_experiment and compare_on_mnist never look at the test digits -------------------------

def _without_test_digits(data):
    """The same digits with the test images replaced by NaN: any use of them would show."""
    return experiment.SplitMNIST(data.X_train, data.y_train, np.full_like(data.X_test, np.nan),
                                 data.y_test, data.source, data.description,
                                 X_val=data.X_val, y_val=data.y_val)


def test_run_experiment_reports_validation_accuracy_without_touching_the_test_digits(small):
    result = experiment.run_experiment(_without_test_digits(small), hidden=32, num_epochs=2)
    assert result["status"] == "ok" and "test_acc" not in result
    assert result["val_acc"] == evaluate(result["model"], small.X_val, small.y_val)[1]
    assert result["history"].test_acc[-1] == result["val_acc"]  # per epoch, on validation
    assert result["message"].startswith("Validation accuracy")


def test_run_experiment_splits_unsplit_data_itself(sample):
    part = MNIST(sample.X_train[:500], sample.y_train[:500], sample.X_test, sample.y_test,
                 "sample", "500")
    result = experiment.run_experiment(part, hidden=16, num_epochs=1, batch_size=50)
    assert result["num_steps"] == 8  # 400 training digits left, in batches of 50


def test_compare_on_mnist_compares_on_validation_digits(small):
    results = opt.compare_on_mnist(_without_test_digits(small),
                                   [{"optimizer": "sgd", "lr": 0.1},
                                    {"optimizer": "adamw", "lr": 0.003, "weight_decay": 0.1}],
                                   hidden=16, num_epochs=2)
    assert all(0.5 < r["val_acc"] <= 1 and "test_acc" not in r for r in results)


# ---- final_exam and the recipe ------------------------------------------------------------------

def test_the_final_exam_is_the_test_accuracy(small):
    result = experiment.run_experiment(small, hidden=32, num_epochs=1)
    exam = experiment.final_exam(result["model"], small)
    assert exam == evaluate(result["model"], small.X_test, small.y_test)[1]


def test_recipe_keeps_the_weights_of_its_best_validation_epoch(small):
    recipe = {**experiment.RECIPE, "hidden": 32, "max_epochs": 6, "patience": 2}
    final = experiment.run_recipe(_without_test_digits(small), recipe)
    val = final["history"].test_acc
    assert final["val_acc"] == max(val) == val[final["best_epoch"] - 1]
    assert evaluate(final["model"], small.X_val, small.y_val)[1] == final["val_acc"]
    assert final["epochs_run"] == 6 or final["epochs_run"] - final["best_epoch"] == 2


def test_early_stopping_stops_once_validation_accuracy_stalls(small):
    # lr so small that nothing improves for long: patience 1 stops at the first stall
    recipe = {**experiment.RECIPE, "hidden": 16, "lr": 1e-6, "max_epochs": 20, "patience": 1}
    final = experiment.run_recipe(small, recipe)
    assert final["epochs_run"] < 20
    assert final["epochs_run"] - final["best_epoch"] == 1


def test_the_recipe_reaches_93_percent_on_the_test_digits_in_under_30_seconds(split):
    final = experiment.run_recipe(split)
    assert final["seconds"] < 30
    assert final["val_acc"] >= 0.92
    assert experiment.final_exam(final["model"], split) >= 0.92


def test_recipe_refuses_an_incomplete_or_wrong_recipe(small):
    with pytest.raises(ValueError, match="missing: patience"):
        experiment.run_recipe(small, {k: v for k, v in experiment.RECIPE.items()
                                      if k != "patience"})
    with pytest.raises(ValueError, match="schedule"):
        experiment.run_recipe(small, {**experiment.RECIPE, "schedule": "triangle"})


# ---- the optimism of a test-set choice --------------------------------------------------------

def test_choosing_on_half_the_test_digits_flatters_the_choice(small):
    result = mnist.choice_optimism(small, lrs=(0.1, 0.3), seeds=(0, 1), hidden=16,
                                     num_epochs=1, n_splits=100)
    assert len(result["settings"]) == 4 and result["chosen"].sum() == 100
    assert result["gaps"].shape == (100,)
    assert result["median_gap"] > 0  # the choice looks better where it was made


# ---- AdaGrad's step and AdamW's decay -----------------------------------------------------------

def test_adagrad_step_only_falls_and_follows_one_over_root_t():
    runs = opt.effective_steps_on_bowl(kappa=25, num_steps=1000, noise=1.0)
    ada = runs["adagrad"]["effective_step"]
    assert np.all(np.diff(ada, axis=0) <= 0)  # the sum of g² never shrinks
    ratio = ada[90:110, 0].mean() / ada[900:1000, 0].mean()
    assert 2.5 < ratio < 4  # about √10
    rms = runs["rmsprop"]["effective_step"]
    assert np.any(np.diff(rms, axis=0) > 0)  # RMSProp's step can grow again


def test_l2_in_adam_wipes_out_the_idle_weight_and_adamw_decays_both_alike():
    toy = opt.decay_toy(lr=0.01, weight_decay=0.1, num_steps=1000, grad_size=100.0)
    busy, idle = toy["adam_l2"][-1]
    assert busy > 0.95 and abs(idle) < 1e-3
    assert toy["adamw"][-1, 1] == pytest.approx(0.999 ** 1000, rel=1e-9)
    assert toy["adamw"][-1, 0] == pytest.approx(0.999 ** 1000, abs=0.02)


def test_weight_decay_on_mnist_measures_idle_and_busy_weights(small):
    rows = opt.weight_decay_on_mnist(small, [
        {"label": "L2", "optimizer": "adam", "lr": 0.003, "weight_decay": 1e-3},
        {"label": "W", "optimizer": "adamw", "lr": 0.003, "weight_decay": 1.0}],
        seeds=(0,), hidden=16, num_epochs=4)
    steps = 4 * 25  # 799 training digits in batches of 32: 25 updates per epoch
    assert rows[0]["idle_norm"][0] < 0.01
    assert rows[1]["idle_norm"][0] == pytest.approx((1 - 0.003) ** steps, rel=1e-5)
    assert all(0.5 < row["val_acc"][0] <= 1 for row in rows)
