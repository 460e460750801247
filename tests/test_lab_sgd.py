"""helpers.lab.sgd on MNIST: text B's "repeats lead to overfitting", measured on a network."""

import dataclasses

import numpy as np
import pytest

from helpers.data import load_mnist
from helpers.experiment import split_validation
from helpers.lab import sgd
from helpers.lab.mnist import subset

pytestmark = pytest.mark.filterwarnings("error")


@pytest.fixture(scope="module")
def digits():
    return split_validation(subset(load_mnist("sample", verbose=False), 1000))


@pytest.fixture(scope="module")
def small_gap(digits):
    return sgd.sampling_gap_on_mnist(digits, n_train=120, num_epochs=3, seeds=(0, 1), hidden=16)


def test_the_gap_has_one_row_per_seed_and_one_column_per_epoch(small_gap):
    assert list(small_gap["epochs"]) == [1, 2, 3]
    for sampling in ("shuffle", "replacement"):
        rows = small_gap[sampling]
        for key in ("train_loss", "val_loss", "train_acc", "val_acc", "loss_gap", "acc_gap"):
            assert rows[key].shape == (2, 3)
            assert np.all(np.isfinite(rows[key]))
        np.testing.assert_allclose(rows["acc_gap"], rows["train_acc"] - rows["val_acc"])
        np.testing.assert_allclose(rows["loss_gap"], rows["val_loss"] - rows["train_loss"])


def test_the_two_samplings_and_the_seeds_give_different_runs(small_gap):
    shuffle, replacement = small_gap["shuffle"], small_gap["replacement"]
    assert not np.allclose(shuffle["train_loss"], replacement["train_loss"])
    assert not np.allclose(shuffle["train_loss"][0], shuffle["train_loss"][1])


def test_the_same_seed_repeats_the_measurement(digits, small_gap):
    again = sgd.sampling_gap_on_mnist(digits, n_train=120, num_epochs=3, seeds=(0, 1), hidden=16)
    np.testing.assert_array_equal(again["replacement"]["val_acc"],
                                  small_gap["replacement"]["val_acc"])


def test_training_lowers_the_training_loss(small_gap):
    for sampling in ("shuffle", "replacement"):
        loss = small_gap[sampling]["train_loss"]
        assert np.all(loss[:, -1] < loss[:, 0])


def test_the_test_digits_are_never_used(digits):
    blind = dataclasses.replace(digits, X_test=np.full_like(digits.X_test, np.nan))
    result = sgd.sampling_gap_on_mnist(blind, n_train=60, num_epochs=1, seeds=(0,), hidden=8)
    assert np.all(np.isfinite(result["shuffle"]["val_loss"]))


def test_data_without_a_validation_set_is_split_first():
    raw = subset(load_mnist("sample", verbose=False), 500)
    result = sgd.sampling_gap_on_mnist(raw, n_train=50, num_epochs=1, seeds=(0,), hidden=8)
    assert result["n_train"] == 50


@pytest.mark.parametrize(("arg", "value"), [("data", None), ("n_train", 0),
                                            ("num_epochs", 0), ("seeds", [-1]), ("lr", 0.0),
                                            ("batch_size", 0)])
def test_bad_arguments_get_a_named_error(digits, arg, value):
    kwargs = {"data": digits, "n_train": 50, "num_epochs": 1, "seeds": (0,), "hidden": 8,
              arg: value}
    with pytest.raises((TypeError, ValueError), match=arg):
        sgd.sampling_gap_on_mnist(**kwargs)


def test_a_run_gives_the_curves_a_panel_plots():
    run = sgd.run_sgd(sgd.make_problem(40), 0.05, 4, 2)
    curves = run.curves()
    assert len(curves["epochs"]) == len(curves["updates"]) == len(curves["excess_loss"])
    assert curves["final_excess"] == run.excess_loss[-1]
    assert curves["status"] == run.status


def test_the_gap_figure_draws_a_line_and_a_band_per_sampling(small_gap):
    import matplotlib.pyplot as plt

    from helpers.figures import sgd as sgd_figures

    ax = sgd_figures.plot_sampling_gap(small_gap)
    assert len(ax.lines) == 2 and len(ax.collections) == 2
    np.testing.assert_allclose(ax.lines[0].get_ydata(),
                               100 * small_gap["shuffle"]["acc_gap"].mean(axis=0))
    plt.close("all")
