"""Measurements of notebooks 08a and 08b (helpers.lab.deep): each printed claim, as a property.

Gradient norms at initialisation on real MNIST digits from the offline sample; short training
runs; overfitting on 300 digits with weight decay, early stopping and dropout.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers.data import load_mnist  # noqa: E402
from helpers.figures import deep as figures  # noqa: E402
from helpers.lab import deep  # noqa: E402
from helpers.layers import Dropout, mlp  # noqa: E402


@pytest.fixture(scope="module")
def digits():
    mnist = load_mnist("sample", verbose=False)
    return deep.validation_split(mnist.X_train, mnist.y_train, 800, seed=0)


@pytest.fixture(scope="module")
def batch(digits):
    X_train, y_train, _, _ = digits
    return X_train[:256], y_train[:256]


def ratio(norms):
    return norms[0] / norms[-1]


# ---- the validation split ----

def test_the_validation_digits_come_from_the_training_digits_stratified_and_fixed():
    mnist = load_mnist("sample", verbose=False)
    X_tr, y_tr, X_val, y_val = deep.validation_split(mnist.X_train, mnist.y_train, 800, seed=0)
    assert len(X_tr) == 3200 and len(X_val) == 800
    assert np.array_equal(np.bincount(y_val), np.full(10, 80))  # stratified: 80 of each digit
    train_rows = {row.tobytes() for row in mnist.X_train}
    assert all(row.tobytes() in train_rows for row in X_val)  # none from the test digits
    assert not {row.tobytes() for row in X_val} & {row.tobytes() for row in X_tr}
    again = deep.validation_split(mnist.X_train, mnist.y_train, 800, seed=0)
    assert np.array_equal(again[3], y_val)


def test_a_stratified_subset_has_the_same_number_of_each_digit(digits):
    X_small, y_small = deep.stratified_subset(digits[0], digits[1], 300, seed=0)
    assert X_small.shape == (300, 784)
    assert np.array_equal(np.bincount(y_small), np.full(10, 30))


# ---- gradients at initialisation ----

def test_grad_norms_gives_one_norm_per_linear_layer(batch):
    model = deep.deep_mlp(7, "relu", "he")
    norms = deep.grad_norms(model, *batch)
    assert norms.shape == (7,) and np.all(norms > 0)
    assert len(deep._linear_layers(model)) == 7


def test_sigmoid_with_the_pytorch_default_loses_the_gradient_by_depth_20(batch):
    norms = deep.grad_norm_profile(20, "sigmoid", "pytorch", *batch)
    assert ratio(norms) < 1e-9  # the notebook: "more than a billion times smaller"
    assert np.all(np.diff(np.log(norms)) > 0)  # smaller at every step back towards the input


def test_sigmoid_with_glorot_still_loses_more_than_a_factor_1e10(batch):
    assert deep.grad_norm_ratio(20, "sigmoid", "glorot", *batch) < 1e-10


@pytest.mark.parametrize("activation, init", [("relu", "he"), ("tanh", "glorot")])
def test_the_matching_scale_keeps_the_ratio_within_a_factor_of_10_at_every_depth(
        batch, activation, init):
    for depth in (2, 5, 10, 15, 20):
        assert 0.1 < deep.grad_norm_ratio(depth, activation, init, *batch) < 10


@pytest.mark.parametrize("activation, bound", [("relu", 1e-4), ("tanh", 1e-2)])
def test_the_pytorch_default_loses_the_gradient_in_deep_relu_and_tanh_networks(
        batch, activation, bound):
    assert deep.grad_norm_ratio(20, activation, "pytorch", *batch) < bound
    assert deep.grad_norm_ratio(2, activation, "pytorch", *batch) > 0.5  # shallow: fine


def test_a_wrong_scale_keeps_relus_ratio_level_but_not_the_size(batch):
    tiny = deep.grad_norm_profile(20, "relu", 0.01, *batch)
    huge = deep.grad_norm_profile(20, "relu", 0.5, *batch)
    good = deep.grad_norm_profile(20, "relu", "he", *batch)
    for norms in (tiny, huge):
        assert 0.1 < ratio(norms) < 10  # level ...
    assert tiny.max() < 1e-15 and huge.min() > 1e6  # ... but vanished or exploded everywhere
    assert 1e-2 < good.min() and good.max() < 10


def test_the_ratio_falls_with_depth_for_the_pytorch_default(batch):
    table = deep.ratio_table([2, 5, 10, 20], [("relu", "pytorch"), ("relu", "he")], *batch,
                             seeds=(0, 1))
    assert table["ratio"].shape == (2, 4)
    assert np.all(np.diff(np.log(table["ratio"][0])) < 0)
    text = deep.format_ratio_table(table, ["relu, PyTorch default", "relu, He"])
    assert "relu, He" in text and len(text.splitlines()) == 3


# ---- what it does to training ----

def test_at_depth_10_only_the_level_settings_leave_chance_in_three_epochs(digits):
    stuck = deep.train_deep(10, "relu", "pytorch", *digits, num_epochs=3, lr=0.1)
    learns = deep.train_deep(10, "relu", "he", *digits, num_epochs=3, lr=0.1)
    assert stuck["status"] == "ok"
    assert np.all(stuck["val_acc"][1:] == 0.1)  # exactly chance: one answer for every digit
    assert learns["val_acc"][-1] > 0.7


def test_a_sigmoid_network_at_depth_10_stays_at_chance(digits):
    for init in ("pytorch", "glorot"):
        result = deep.train_deep(10, "sigmoid", init, *digits, num_epochs=3, lr=0.1)
        assert np.all(result["val_acc"][1:] == 0.1)


def test_tanh_with_glorot_learns_where_the_pytorch_default_does_not(digits):
    glorot = deep.train_deep(10, "tanh", "glorot", *digits, num_epochs=3, lr=0.1)
    default = deep.train_deep(10, "tanh", "pytorch", *digits, num_epochs=3, lr=0.1)
    assert glorot["val_acc"][1] > 0.7
    assert default["val_acc"][-1] < 0.2


def test_too_large_a_scale_blows_up(digits):
    result = deep.train_deep(10, "relu", 0.5, *digits, num_epochs=3, lr=0.1)
    assert result["status"] in ("blew_up", "diverged")
    assert np.isnan(result["val_acc"][-1])


def test_over_three_seeds_the_level_settings_learn_and_the_faded_ones_stay_near_chance(digits):
    # notebook 08a §3: the claims hold for every seed, not only seed 0
    he = deep.train_deep_seeds(10, "relu", "he", *digits, num_epochs=3, lr=0.1)
    tanh = deep.train_deep_seeds(10, "tanh", "pytorch", *digits, num_epochs=3, lr=0.1)
    assert he["val_acc"].shape == (3, 4) and he["status"] == ["ok"] * 3
    assert he["low"][-1] > 0.7
    assert np.all(tanh["high"][1:] < 0.15)  # near chance, though not exactly 10 %
    assert np.allclose(he["median"], np.median(he["val_acc"], axis=0))


def test_train_deep_seeds_marks_blown_up_runs(digits):
    result = deep.train_deep_seeds(10, "relu", 0.5, *digits, seeds=(0,), num_epochs=2, lr=0.1)
    assert result["status"] == ["blew_up"]
    assert np.all(np.isnan(result["median"][1:]))


# ---- overfitting and regularisation on 300 digits ----

@pytest.fixture(scope="module")
def small(digits):
    X_train, y_train, X_val, y_val = digits
    return (*deep.stratified_subset(X_train, y_train, 300, seed=0), X_val, y_val)


def small_mlp(seed=0, dropout=0.0):
    return mlp([784, 100, 10], "relu", seed=seed, dtype=np.float64, dropout=dropout)


@pytest.fixture(scope="module")
def plain(small):
    return deep.fit(small_mlp(), *small, num_epochs=50)


def test_on_300_digits_the_gap_opens_and_the_validation_loss_turns_up(plain):
    s = deep.regularisation_summary(plain)
    assert s["train_acc"] == 1.0 and s["gap"] > 0.1
    assert np.all(plain.train_acc[8:] == 1.0)  # every training digit right from epoch 9 on
    assert plain.best_epoch < 25  # lowest validation loss early ...
    assert plain.val_loss[-1] > plain.val_loss.min() + 0.05  # ... and rising after it
    assert plain.train_loss[-1] < 0.01
    assert s["kept_val_acc"] == plain.val_acc[-1]


def test_weight_decay_lowers_the_validation_loss_and_too_much_underfits(small, plain):
    decayed = deep.fit(small_mlp(), *small, num_epochs=50, weight_decay=0.01)
    too_much = deep.fit(small_mlp(), *small, num_epochs=50, weight_decay=0.1)
    assert decayed.val_loss.min() < plain.val_loss.min() - 0.05
    assert decayed.val_loss[-1] < plain.val_loss[-1] - 0.1
    assert too_much.train_acc[-1] < 0.95  # it can no longer fit its own training digits
    assert too_much.val_acc[-1] < plain.val_acc[-1] - 0.05


def test_early_stopping_stops_after_patience_and_keeps_the_best_epoch(small, plain):
    model = small_mlp()
    early = deep.fit(model, *small, num_epochs=50, patience=10)
    assert early.stop_epoch == early.best_epoch + 10 < 50
    assert early.best_epoch == plain.best_epoch  # the same run up to the stop
    assert early.kept_val_loss == pytest.approx(early.val_loss.min())
    from helpers.train import evaluate  # the kept weights are the best epoch's
    assert evaluate(model, small[2], small[3])[0] == pytest.approx(early.kept_val_loss)
    assert not model.training


def test_dropout_trains_in_train_mode_and_is_measured_in_eval_mode(small):
    model = small_mlp(dropout=0.5)
    curves = deep.fit(model, *small, num_epochs=5)
    assert not model.training  # fit leaves the model ready to predict
    assert any(isinstance(layer, Dropout) for layer in model.layers)
    assert np.all(np.diff(curves.train_loss) < 0.2)  # eval-mode curves: no dropout noise


def test_over_seeds_gives_median_lowest_and_highest():
    out = deep.over_seeds([{"gap": 0.1}, {"gap": 0.3}, {"gap": 0.2}])
    assert out == {"gap": (0.2, 0.1, 0.3)}


def test_more_digits_close_most_of_the_gap(digits, small):
    X_train, y_train, X_val, y_val = digits
    few = deep.regularisation_summary(deep.fit(small_mlp(), *small, num_epochs=10))
    many = deep.regularisation_summary(deep.fit(small_mlp(), X_train, y_train, X_val, y_val,
                                                num_epochs=10))
    assert many["val_acc"] > few["val_acc"] + 0.05
    assert many["gap"] < few["gap"] / 2


# ---- arguments ----

def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="depth must be"):
        deep.deep_mlp(1, "relu", "he")
    with pytest.raises(ValueError, match="init must be one of"):
        deep.deep_mlp(3, "relu", "kaiming")
    with pytest.raises(ValueError, match="activation must be one of"):
        deep.deep_mlp(3, "gelu", "he")
    with pytest.raises(TypeError, match="model must be a Sequential"):
        deep.grad_norms(None, np.zeros((2, 784)), np.arange(2))
    with pytest.raises(ValueError, match="X_val and y_val must have the same number of rows"):
        deep.fit(small_mlp(), np.zeros((4, 784)), np.arange(4), np.zeros((2, 784)),
                 np.arange(3))
    with pytest.raises(TypeError, match="settings must be a list of"):
        deep.ratio_table([2], ["relu"], np.zeros((2, 784)), np.arange(2))
    with pytest.raises(TypeError, match="curves must be the Curves"):
        deep.regularisation_summary({"val_acc": 1})
    with pytest.raises(ValueError, match="patience must be"):
        deep.fit(small_mlp(), np.zeros((4, 784)), np.arange(4), np.zeros((2, 784)),
                 np.arange(2), batch_size=2, patience=0)


def test_init_labels():
    assert [deep.init_label(i) for i in ("pytorch", "glorot", "he", 0.01)] == [
        "PyTorch default", "Glorot", "He", "std 0.01"]


# ---- figures ----

def test_the_figures_draw_what_they_are_given(batch, plain):
    profiles = {"relu, He": deep.grad_norm_profile(5, "relu", "he", *batch)}
    ax = figures.plot_grad_norms(profiles)
    assert np.allclose(ax.lines[0].get_ydata(), profiles["relu, He"])
    table = deep.ratio_table([2, 3], [("relu", "he")], *batch, seeds=(0,))
    ax = figures.plot_ratio_table(table, ["relu, He"])
    assert np.allclose(ax.lines[0].get_ydata(), table["ratio"][0])
    ax = figures.plot_val_accuracy({"a": np.array([0.1, 0.5, np.nan])})
    assert np.allclose(ax.lines[0].get_ydata()[:2], [10, 50])
    seeds = np.array([[0.1, 0.5, 0.7], [0.1, 0.3, 0.9], [0.1, 0.4, 0.8]])
    ax = figures.plot_val_accuracy({"b": seeds, "blew up": np.full((3, 3), np.nan)})
    assert np.allclose(ax.lines[0].get_ydata(), [10, 40, 80])  # the median over seeds
    assert "blew up (blew up: no points)" in [t.get_text() for t in ax.get_legend().get_texts()]
    axes = figures.plot_train_val(plain)
    assert np.allclose(axes[1].lines[1].get_ydata(), 100 * plain.val_acc)
    axes = figures.plot_weight_decay({0.0: plain, 0.01: plain})
    assert len(axes[0].lines) == 2
    plt.close("all")


def test_over_three_seeds_weight_decay_wins_on_loss_and_dropout_is_within_the_spread(small):
    def summary(seed, **options):
        p = options.pop("dropout", 0.0)
        curves = deep.fit(small_mlp(seed=seed, dropout=p), *small, num_epochs=50, seed=seed,
                          **options)
        return deep.regularisation_summary(curves)

    runs = {name: deep.over_seeds([summary(seed, **options) for seed in (0, 1, 2)])
            for name, options in {"none": {}, "decay": {"weight_decay": 0.01},
                                  "dropout": {"dropout": 0.5}}.items()}
    # weight decay: every seed's validation loss below every unregularised seed's
    assert runs["decay"]["kept_val_loss"][2] < runs["none"]["kept_val_loss"][1]
    # ... but no better accuracy
    assert runs["decay"]["kept_val_acc"][0] <= runs["none"]["kept_val_acc"][0]
    # dropout: the highest median accuracy, by a small margin that the seeds' ranges overlap
    # (notebook 08b §8 says so: three seeds cannot tell it from luck)
    assert 0 < runs["dropout"]["kept_val_acc"][0] - runs["none"]["kept_val_acc"][0] < 0.03
    assert runs["dropout"]["kept_val_acc"][1] <= runs["none"]["kept_val_acc"][2]
    for r in runs.values():  # none of them closes the gap
        assert r["gap"][0] > 0.12
