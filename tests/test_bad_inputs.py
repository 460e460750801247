"""Every public function and class of ``helpers``, called with bad values the way a careless learner
would: each call must raise a ValueError or TypeError whose message names the argument. Never
another exception type, never a warning, never a silent NaN.

``SWEPT`` holds, per public name, a call with good arguments and the bad values to try for each
argument. ``SKIPPED`` and ``ELSEWHERE`` hold the names that are not swept here, each with its
reason. ``test_every_public_name_is_swept_or_skipped`` finds the public names by introspection, so a
new public function without an entry fails it.
"""

from __future__ import annotations

import importlib
import math
import pkgutil
import warnings

import numpy as np
import pytest

import helpers
import helpers.figures
import helpers.lab
import helpers.panels

# ---- bad values, by the kind of argument --------------------------------------------------------

POSITIVE = [None, "1", math.nan, math.inf, -1.0, 0.0, True]  # a positive finite number
NONNEG = [None, "1", math.nan, math.inf, -1.0, True]  # a finite number >= 0
NUMBER = [None, "1", math.nan, math.inf, True]  # any finite number
COUNT = [None, "3", 2.5, 0, -1, True]  # an integer >= 1
COUNT0 = [None, "3", 2.5, -1, True]  # an integer >= 0
SEED = ["0", -1, 1.5, True]  # an integer >= 0 (None is allowed where it means a fixed seed)
FRACTION = [None, "0.5", math.nan, -0.1, 1.0, True]  # a number in [0, 1)
FUNCTION = [None, 5, "f"]  # a callable
FLAG = [None, "yes", 2]  # True or False
CHOICE = [None, "no-such-name", 3]  # one of a fixed set of names
ARRAY_2D = [None, "abc", [[math.nan, 1.0]], np.ones(3), np.ones((2, 2, 2))]
LABELS = [None, "abc", [0.0, 1.0], [[0, 1]], [-1, 0], [0, 99]]  # integer class labels 0..k-1


def _rng():
    return np.random.default_rng(0)


# ---- good arguments: small, fast objects -------------------------------------------------------

def model():
    from helpers.layers import mlp

    return mlp([4, 8, 3])


def model64():
    from helpers.layers import mlp

    return mlp([4, 5, 3], dtype=np.float64)


X4 = _rng().standard_normal((12, 4)).astype(np.float32)
Y3 = np.arange(12) % 3


def opt_for(net):
    from helpers.optim import SGD

    return SGD(net.parameters(), lr=0.1)


def point():
    x = np.array([1.0, 2.0])
    return [(x, np.zeros_like(x))]


def sgd():
    from helpers.optim import SGD

    return SGD(point(), lr=0.1)


_MNIST = {}


def mnist_data():
    """A few hundred digits of the offline sample: enough for every MNIST entry point."""
    if not _MNIST:
        from helpers.data import load_mnist
        from helpers.experiment import split_validation
        from helpers.lab.mnist import subset

        _MNIST["data"] = subset(split_validation(load_mnist("sample", verbose=False)), 200)
    return _MNIST["data"]


def mnist_model():
    from helpers.layers import mlp

    return mlp([784, 8, 10])


def raw_mnist():
    """A few hundred digits of the offline sample, with no validation split yet."""
    from helpers.data import load_mnist
    from helpers.lab.mnist import subset

    return subset(load_mnist("sample", verbose=False), 200)


def trained_run():
    from helpers.lab.sgd import run_sgd
    from helpers.objectives import LeastSquares, make_regression

    X, y, _ = make_regression(40, 2)
    return run_sgd(LeastSquares(X, y), 0.05, 4, 2)


# ---- the table: name -> (call, good arguments, {argument: bad values}) -------------------------
# call(**kwargs) is made once per bad value, with the good arguments and that one value replaced.
# "good" is a function returning the good arguments, so every call gets fresh objects.

def entry(call, good, bad):
    return {"call": call, "good": good, "bad": bad}


def _cls(path):
    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(f"helpers.{module}"), name)


def _objectives():
    from helpers.objectives import LeastSquares, Parabola, QuadraticBowl

    return {
        "objectives.Parabola": entry(Parabola, dict, {"a": POSITIVE}),
        "objectives.QuadraticBowl": entry(QuadraticBowl, dict, {
            "kappa": POSITIVE + [0.5], "lam_min": POSITIVE, "angle_deg": NUMBER}),
        "objectives.Rosenbrock": entry(_cls("objectives.Rosenbrock"), dict,
                                       {"a": NUMBER, "b": POSITIVE}),
        "objectives.DoubleWell": entry(_cls("objectives.DoubleWell"), dict, {
            "n_examples": COUNT + [1], "tilt": NUMBER + [1.6, -5.0], "noise": NONNEG,
            "seed": SEED}),
        "objectives.Saddle": entry(_cls("objectives.Saddle"), dict,
                                   {"a": POSITIVE, "b": POSITIVE}),
        "objectives.SaddleBetweenMinima": entry(_cls("objectives.SaddleBetweenMinima"), dict,
                                                {"a": POSITIVE}),
        "objectives.LeastSquares": entry(LeastSquares, lambda: {"X": X4, "y": X4[:, 0]}, {
            "X": ARRAY_2D + [np.ones((0, 4))], "y": [None, "abc", [math.nan] * 12, np.ones(5)]}),
        "objectives.make_regression": entry(_cls("objectives.make_regression"), dict, {
            "n": COUNT, "d": COUNT, "noise": NONNEG, "seed": SEED}),
    }


def _gd():
    from helpers.gd import minimize, run_gd, sgd
    from helpers.objectives import LeastSquares, Parabola, Rosenbrock, make_regression

    gd_good = lambda: {"objective": Parabola(), "x0": 1.0, "lr": 0.1, "num_steps": 5}  # noqa: E731
    return {
        "gd.run_gd": entry(run_gd, gd_good, {
            "objective": [None, 5, "parabola"], "x0": [None, "a", math.nan, math.inf, 1e200],
            "lr": POSITIVE, "num_steps": COUNT0, "tol": POSITIVE, "blowup": POSITIVE}),
        "gd.minimize": entry(minimize, lambda: {**gd_good(), "optimizer": "adam"}, {
            "objective": [None, 5], "x0": [None, "a", math.nan, 1e200], "optimizer": CHOICE,
            "lr": POSITIVE, "num_steps": COUNT0, "eps": POSITIVE, "betas": [None, (0.9,), 0.9]}),
        "gd.run_gd (2-D)": entry(run_gd, lambda: {"objective": Rosenbrock(), "x0": [0.0, 0.0],
                                                  "lr": 1e-3, "num_steps": 3},
                                 {"x0": [[1.0], [1.0, 2.0, 3.0], 1.0]}),
        "gd.sgd": entry(sgd, lambda: {"objective": LeastSquares(*make_regression(20, 2)[:2]),
                                      "w0": [0.0, 0.0], "lr": 0.05, "batch_size": 4,
                                      "num_epochs": 2}, {
            "objective": [None, 5, Parabola()], "w0": [None, "a", [math.nan, 0.0], [0.0]],
            "lr": POSITIVE, "batch_size": COUNT + [21], "num_epochs": COUNT, "seed": SEED}),
    }


def _layers():
    from helpers.layers import Linear, ReLU, Sequential, Sigmoid, Tanh, check_dtype, mlp

    def backward_of(build, forward_X=None):
        def call(dY):
            layer = build()
            if forward_X is not None:
                layer.forward(forward_X)
            return layer.backward(dY)
        return call

    X = np.ones((3, 4), dtype=np.float32)
    return {
        "layers.check_dtype": entry(check_dtype, lambda: {"dtype": np.float32},
                                    {"dtype": [None, "int8", int, "nonsense", 3]}),
        "layers.Linear": entry(Linear, lambda: {"n_in": 4, "n_out": 2}, {
            "n_in": COUNT, "n_out": COUNT, "rng": SEED + ["seed"], "dtype": [np.int32, "x"]}),
        "layers.Linear forward": entry(lambda X: Linear(4, 2).forward(X), lambda: {"X": X},
                                       {"X": [None, "abc", np.ones(4), np.ones((3, 5)),
                                              np.array([["a"] * 4])]}),
        "layers.Linear backward": entry(backward_of(lambda: Linear(4, 2), X),
                                        lambda: {"dY": np.ones((3, 2), np.float32)},
                                        {"dY": [None, np.ones((3, 3)), np.ones((2, 2)),
                                                np.ones(2)]}),
        "layers.ReLU": entry(lambda X: ReLU().forward(X), lambda: {"X": X}, {"X": [None, "abc"]}),
        "layers.Sigmoid": entry(lambda X: Sigmoid().forward(X), lambda: {"X": X},
                                {"X": [None, "abc"]}),
        "layers.Tanh": entry(lambda X: Tanh().forward(X), lambda: {"X": X}, {"X": [None, "abc"]}),
        "layers.Sequential": entry(lambda layer: Sequential(Linear(4, 2), layer),
                                   lambda: {"layer": ReLU()},
                                   {"layer": [None, 5, "relu", np.ones(3)]}),
        "layers.mlp": entry(mlp, lambda: {"sizes": [4, 3]}, {
            "sizes": [None, 5, [4], [4, 0], [4, 2.5], "ab"], "activation": CHOICE,
            "seed": SEED, "dtype": [np.int64, None]}),
    }


def _losses():
    from helpers.losses import MSELoss, SoftmaxCrossEntropy, accuracy, softmax

    logits = np.eye(3)
    return {
        "losses.MSELoss": entry(lambda y_hat, y: MSELoss().forward(y_hat, y),
                                lambda: {"y_hat": np.ones((3, 1)), "y": np.ones((3, 1))}, {
                                    "y_hat": [None, "abc", np.ones(3), np.ones((0, 1))],
                                    "y": [None, np.ones(3), np.ones((3, 2))]}),
        "losses.SoftmaxCrossEntropy": entry(
            lambda logits, y: SoftmaxCrossEntropy().forward(logits, y),
            lambda: {"logits": logits, "y": [0, 1, 2]},
            {"logits": [None, "abc", np.ones(3), np.ones((3, 0)), np.ones((2, 3))],
             "y": LABELS + [[]]}),
        "losses.softmax": entry(softmax, lambda: {"logits": logits},
                                {"logits": [None, "abc", [[math.inf, 0.0]], [[math.nan]],
                                            np.ones((2, 0))]}),
        "losses.accuracy": entry(accuracy, lambda: {"logits_or_probs": logits, "y": [0, 1, 2]}, {
            "logits_or_probs": [None, "abc", np.ones(3), np.ones((0, 3))],
            "y": LABELS + [[5, 6, 7], [-1, 1, 2], []]}),
    }


def _optim():
    from helpers.optim import SGD, AdaGrad, Adam, AdamW, Optimizer, RMSProp, make_optimizer

    params = [None, 5, "params", [np.ones(2)], [(np.ones(2), np.ones(3))],
              [(np.ones(2, int), np.ones(2, int))], [([1.0], [0.0])]]
    return {
        "optim.Optimizer": entry(Optimizer, lambda: {"params": point(), "lr": 0.1},
                                 {"params": params, "lr": POSITIVE}),
        "optim.SGD": entry(SGD, lambda: {"params": point(), "lr": 0.1}, {
            "params": params, "lr": POSITIVE, "momentum": FRACTION, "dampening": FRACTION[:-2],
            "weight_decay": NONNEG, "nesterov": FLAG}),
        "optim.RMSProp": entry(RMSProp, lambda: {"params": point()}, {
            "lr": POSITIVE, "alpha": FRACTION, "eps": POSITIVE, "weight_decay": NONNEG,
            "momentum": FRACTION}),
        "optim.AdaGrad": entry(AdaGrad, lambda: {"params": point()}, {
            "params": params, "lr": POSITIVE, "lr_decay": NONNEG, "weight_decay": NONNEG,
            "initial_accumulator_value": NONNEG, "eps": POSITIVE}),
        "optim.AdamW": entry(AdamW, lambda: {"params": point()}, {
            "params": params, "lr": POSITIVE, "betas": [None, 0.9, (0.9,), (1.0, 0.9)],
            "eps": POSITIVE, "weight_decay": NONNEG}),
        "optim.Adam": entry(Adam, lambda: {"params": point()}, {
            "lr": POSITIVE, "betas": [None, 0.9, (0.9,), (1.0, 0.9), (0.9, math.nan)],
            "eps": POSITIVE, "weight_decay": NONNEG}),
        "optim.make_optimizer": entry(make_optimizer,
                                      lambda: {"name": "adam", "params": point(), "lr": 0.1},
                                      {"name": CHOICE, "lr": POSITIVE, "momentum": FRACTION,
                                       "params": params}),
    }


def _schedules():
    from helpers.schedules import (
        CosineAnnealingLR,
        ExponentialLR,
        LinearWarmup,
        Schedule,
        StepLR,
        WarmupCosine,
        lr_curve,
    )

    not_an_optimizer = [None, 5, "sgd"]
    return {
        "schedules.Schedule": entry(Schedule, lambda: {"optimizer": sgd()},
                                    {"optimizer": not_an_optimizer}),
        "schedules.StepLR": entry(StepLR, lambda: {"optimizer": sgd(), "step_size": 2}, {
            "optimizer": not_an_optimizer, "step_size": COUNT, "gamma": POSITIVE}),
        "schedules.ExponentialLR": entry(ExponentialLR, lambda: {"optimizer": sgd(), "gamma": 0.9},
                                         {"optimizer": not_an_optimizer, "gamma": POSITIVE}),
        "schedules.CosineAnnealingLR": entry(
            CosineAnnealingLR, lambda: {"optimizer": sgd(), "T_max": 10},
            {"optimizer": not_an_optimizer, "T_max": COUNT, "eta_min": NONNEG}),
        "schedules.LinearWarmup": entry(
            LinearWarmup, lambda: {"optimizer": sgd(), "warmup_steps": 3},
            {"optimizer": not_an_optimizer, "warmup_steps": COUNT,
             "start_factor": [None, "1", math.nan, 0.0, -0.5, 1.5, True]}),
        "schedules.WarmupCosine": entry(
            WarmupCosine, lambda: {"optimizer": sgd(), "warmup_steps": 3, "total_steps": 10},
            {"optimizer": not_an_optimizer, "warmup_steps": COUNT, "total_steps": COUNT + [3],
             "start_factor": [None, 0.0, 1.5], "eta_min": NONNEG}),
        "schedules.lr_curve": entry(
            lr_curve, lambda: {"schedule": ExponentialLR(sgd(), gamma=0.9), "num_steps": 5},
            {"schedule": [None, 5, sgd()], "num_steps": COUNT0}),
        "schedules.lr_curve (gamma > 1)": entry(
            lambda gamma: lr_curve(ExponentialLR(sgd(), gamma=gamma), 2000), lambda: {"gamma": 0.9},
            {"gamma": [2.0, 1e10]}),
        "schedules.StepLR (gamma > 1)": entry(
            lambda gamma: lr_curve(StepLR(sgd(), step_size=1, gamma=gamma), 2000),
            lambda: {"gamma": 0.9}, {"gamma": [2.0]}),
    }


def _gradcheck():
    from helpers.gradcheck import check_layer_grads, numerical_grad, relative_error

    return {
        "gradcheck.numerical_grad": entry(
            numerical_grad, lambda: {"f": lambda x: float(np.sum(x**2)), "x": np.ones(2)},
            {"f": FUNCTION + [lambda x: x], "x": [None, [1.0], np.ones(2, np.float32),
                                                  np.array([math.nan])],
             "eps": POSITIVE}),
        "gradcheck.relative_error": entry(
            relative_error, lambda: {"a": np.ones(2), "b": np.ones(2)},
            {"a": [None, "abc", [math.nan, 1.0], np.ones(3)], "b": [None, [math.inf, 1.0]]}),
        "gradcheck.check_layer_grads": entry(
            check_layer_grads, lambda: {"model": model64(), "X": np.ones((2, 4))},
            {"model": [None, 5, model()], "X": [None, "abc", np.ones((2, 4), np.float32)],
             "loss_fn": [5, "mse"], "eps": POSITIVE, "seed": SEED}),
    }


def _batches():
    from helpers.batches import (
        as_rng,
        epoch_order,
        iterate_minibatches,
        minibatches,
        random_batches,
    )

    return {
        "batches.as_rng": entry(as_rng, lambda: {"rng": 0}, {"rng": SEED + [None, "x"]}),
        "batches.minibatches": entry(minibatches, lambda: {"n_examples": 10, "batch_size": 3,
                                                           "rng": 0},
                                     {"n_examples": COUNT, "batch_size": COUNT + [11],
                                      "rng": SEED + [None]}),
        "batches.iterate_minibatches": entry(
            iterate_minibatches, lambda: {"X": X4, "y": Y3, "batch_size": 4, "rng": 0},
            {"X": ARRAY_2D, "y": [None, "abc", Y3[:5]], "batch_size": COUNT + [13],
             "rng": SEED}),
        "batches.epoch_order": entry(epoch_order, lambda: {"n_examples": 10, "rng": 0},
                                     {"n_examples": COUNT, "rng": SEED + [None],
                                      "num_runs": COUNT[1:], "replacement": FLAG}),
        "batches.random_batches": entry(
            random_batches, lambda: {"n_examples": 10, "batch_size": 2, "shape": (3,), "rng": 0},
            {"rng": SEED + [None, "x", 1.5], "n_examples": COUNT, "batch_size": COUNT + [11],
             "shape": [None, "ab", (-1,)], "replacement": FLAG}),
    }


def _train():
    from helpers.losses import MSELoss, SoftmaxCrossEntropy
    from helpers.train import evaluate, train

    def train_good():
        net = model()
        return {"model": net, "loss_fn": SoftmaxCrossEntropy(), "optimizer": opt_for(net),
                "X": X4, "y": Y3, "progress": False, "batch_size": 4}

    return {
        "train.train": entry(train, train_good, {
            "model": [None, 5], "loss_fn": [None, 5, "mse"],
            "optimizer": [None, 5, "sgd", opt_for(model()), sgd()],
            "X": ARRAY_2D + [np.ones((12, 5)), np.ones((0, 4))],
            "y": LABELS + [Y3.astype(float), Y3[:5]], "batch_size": COUNT + [13],
            "num_epochs": COUNT, "seed": SEED + [None], "log_every": COUNT,
            "callbacks": [5, "cb", [5]], "schedule": [5, "cosine"],
            "X_test": [np.ones((3, 5))], "y_test": [[0.5, 1.5]]}),
        "train.evaluate": entry(evaluate, lambda: {"model": model(), "X": X4, "y": Y3}, {
            "model": [None, 5], "X": ARRAY_2D, "y": LABELS + [Y3.astype(float)],
            "loss_fn": [5, MSELoss()]}),
    }


def _validate():
    from helpers import validate as v

    return {
        "validate.check_positive_number": entry(
            lambda value: v.check_positive_number("value", value), lambda: {"value": 1.0},
            {"value": POSITIVE}),
        "validate.check_lr": entry(v.check_lr, lambda: {"lr": 0.1}, {"lr": POSITIVE}),
        "validate.check_int": entry(lambda value: v.check_int("value", value, low=1),
                                    lambda: {"value": 1}, {"value": COUNT}),
        "validate.check_batch_size": entry(lambda batch_size: v.check_batch_size(batch_size, 10),
                                           lambda: {"batch_size": 2},
                                           {"batch_size": COUNT + [11]}),
        "validate.check_fraction": entry(lambda value: v.check_fraction("value", value),
                                         lambda: {"value": 0.5}, {"value": FRACTION}),
        "validate.check_choice": entry(lambda value: v.check_choice("value", value, ["a", "b"]),
                                       lambda: {"value": "a"}, {"value": CHOICE}),
        "validate.check_array": entry(lambda value: v.check_array("value", value, ndim=2),
                                      lambda: {"value": np.ones((2, 2))}, {"value": ARRAY_2D}),
        "validate.check_same_length": entry(lambda y: v.check_same_length(np.ones(3), y),
                                            lambda: {"y": np.ones(3)}, {"y": [np.ones(2)]}),
        "validate.check_number": entry(lambda value: v.check_number("value", value),
                                       lambda: {"value": 1.0}, {"value": NUMBER}),
        "validate.check_seed": entry(v.check_seed, lambda: {"seed": 0}, {"seed": SEED + [None]}),
        "validate.check_callable": entry(lambda value: v.check_callable("value", value),
                                         lambda: {"value": print}, {"value": FUNCTION}),
        "validate.check_numbers": entry(lambda values: v.check_numbers("values", values,
                                                                       positive=True),
                                        lambda: {"values": [0.1, 1.0]},
                                        {"values": [None, "abc", [], [0.0], [math.nan],
                                                    [[1.0]], [True]]}),
        "validate.check_ints": entry(lambda values: v.check_ints("values", values, low=1),
                                     lambda: {"values": [1, 2]},
                                     {"values": [None, 5, "12", [], [0], [1.5], [True]]}),
        "validate.check_objective": entry(v.check_objective, lambda: {"objective": _bowl()},
                                          {"objective": [None, 5, "bowl"]}),
        "validate.check_point": entry(lambda x: v.check_point("x", x, dim=2),
                                      lambda: {"x": [0.0, 1.0]},
                                      {"x": [None, "ab", True, [0.0], [math.nan, 0.0]]}),
        "validate.check_flag": entry(lambda value: v.check_flag("value", value),
                                     lambda: {"value": True}, {"value": FLAG + [1]}),
        "validate.check_labels": entry(lambda y: v.check_labels("y", y, 3), lambda: {"y": [0, 2]},
                                       {"y": LABELS + [[]]}),
    }


def _bowl():
    from helpers.objectives import QuadraticBowl

    return QuadraticBowl()


def _plots():
    from helpers import plots
    from helpers.objectives import Parabola, QuadraticBowl

    return {
        "plots.plot_curve_path": entry(plots.plot_curve_path,
                                       lambda: {"f": Parabola().f, "xs": [1.0, 0.5]},
                                       {"f": FUNCTION, "xs": [None, "abc", [], [math.nan]],
                                        "x_range": [5, (1.0,), (1.0, math.nan), (2.0, 1.0)]}),
        "plots.plot_contours": entry(plots.plot_contours, lambda: {"objective": QuadraticBowl()},
                                     {"objective": [None, 5, Parabola()],
                                      "xlim": [None, 5, (1.0, math.inf), (2.0, -2.0)],
                                      "levels": COUNT, "num": COUNT}),
        "plots.plot_path": entry(plots.plot_path, lambda: {"xs": np.ones((3, 2))},
                                 {"xs": [None, "abc", np.ones(3), np.ones((3, 3)),
                                         np.ones((0, 2))]}),
        "plots.plot_loss_curves": entry(plots.plot_loss_curves, lambda: {"curves": {"a": [1, 2]}},
                                        {"curves": [None, 5, [1, 2], {"a": "abc"}]}),
        "plots.show_digits": entry(plots.show_digits, lambda: {"images": np.zeros((2, 784))},
                                   {"images": [None, "abc", np.zeros((2, 10)), np.zeros((0, 784))],
                                    "labels": [[1], "ab"], "ncols": COUNT}),
        "plots.plain_log_ticks": entry(plots.plain_log_ticks, lambda: {"axis": _axis()},
                                       {"axis": [None, 5, "y"]}),
        "plots.figure_png": entry(plots.figure_png, lambda: {"fig": _figure()},
                                  {"fig": [None, 5, "fig"], "dpi": POSITIVE[1:]}),
    }


def _axis():
    from matplotlib.figure import Figure

    return Figure().subplots().yaxis


def _figure():
    from matplotlib.figure import Figure

    fig = Figure()
    fig.subplots()
    return fig


def _widgets():
    from helpers import widgets as w

    return {
        "widgets.lr_slider": entry(w.lr_slider, dict, {
            "value": [None, "0.1", math.nan, -1.0, 0.0, 5.0], "min": POSITIVE, "max": POSITIVE}),
        "widgets.batch_size_options": entry(w.batch_size_options, lambda: {"n_examples": 8},
                                            {"n_examples": COUNT}),
        "widgets.batch_size_slider": entry(w.batch_size_slider, lambda: {"n_examples": 8},
                                           {"n_examples": COUNT, "value": [3, "8", 0, 9]}),
        "widgets.int_slider": entry(w.int_slider, lambda: {"value": 2, "min": 1, "max": 5,
                                                           "description": "steps"},
                                    {"value": [None, "2", 2.5, 0, 6], "min": [None, "1", 1.5],
                                     "max": [None, 0]}),
        "widgets.float_slider": entry(w.float_slider,
                                      lambda: {"value": 0.5, "min": 0.0, "max": 1.0,
                                               "description": "x"},
                                      {"value": [None, "0.5", math.nan, -1.0, 2.0],
                                       "min": [None, math.nan, 2.0], "max": [None, math.inf]}),
        "widgets.dropdown": entry(w.dropdown, lambda: {"options": ["a", "b"], "description": "d"},
                                  {"options": [None, 5, []], "value": ["c"]}),
        "widgets.selection_slider": entry(w.selection_slider,
                                          lambda: {"options": [1, 2, 4], "value": 2,
                                                   "description": "n"},
                                          {"options": [None, 5, [], "abc"], "value": [3, None]}),
        "widgets.message_html": entry(w.message_html, lambda: {"text": "hi"},
                                      {"level": CHOICE}),
    }


def _gd_1d():
    from helpers import gd as pg
    from helpers.lab import gd_1d as p
    from helpers.objectives import Parabola
    from helpers.panels import gd_1d as pp

    return {
        "lab.gd_1d.snap_lr": entry(p.snap_lr, lambda: {"lr": 0.1}, {"lr": POSITIVE,
                                                                       "a": POSITIVE}),
        "lab.gd_1d.regime": entry(p.regime, lambda: {"lr": 0.1}, {"lr": POSITIVE,
                                                                     "a": POSITIVE}),
        "lab.gd_1d.regime_map": entry(p.regime_map, lambda: {"a_values": [1.0], "lrs": [0.1]},
                                         {"a_values": [None, "a", [-1.0], [math.nan]],
                                          "lrs": [None, "a", [0.0], [math.inf]]}),
        "lab.gd_1d.contraction_factor": entry(p.contraction_factor, lambda: {"lr": 0.1},
                                                 {"lr": POSITIVE, "a": POSITIVE}),
        "lab.gd_1d.predicted_steps": entry(p.predicted_steps, lambda: {"lr": 0.1},
                                              {"lr": POSITIVE, "a": POSITIVE, "tol": POSITIVE}),
        "gd.steps_to_tolerance": entry(
            pg.steps_to_tolerance, lambda: {"objective": Parabola(), "x0": 1.0, "lrs": [0.1]},
            {"objective": [None, 5], "x0": [None, math.nan, "a"], "lrs": [None, [0.0], [-1.0]],
             "tol": POSITIVE, "max_steps": COUNT}),
        "gd.measure_max_stable_lr": entry(
            pg.measure_max_stable_lr, lambda: {"objective": Parabola(), "x0": 1.0, "lo": 0.5,
                                          "hi": 1.5},
            {"objective": [None, 5], "x0": [None, math.nan], "lo": POSITIVE, "hi": POSITIVE,
             "num_steps": COUNT, "iters": COUNT}),
        "panels.gd_1d.compute": entry(pp.compute, dict, {
            "lr": POSITIVE, "x0": NUMBER, "num_steps": COUNT0, "a": POSITIVE}),
        "lab.gd_1d.run_on_parabola": entry(p.run_on_parabola, dict, {
            "lr": POSITIVE, "x0": NUMBER, "num_steps": COUNT0, "a": POSITIVE}),
    }


def _gd_2d():
    from helpers.lab import gd_2d as p
    from helpers.objectives import Parabola, QuadraticBowl
    from helpers.panels import gd_2d as pp

    return {
        "lab.gd_2d.make_objective": entry(p.make_objective, dict,
                                             {"landscape": CHOICE, "kappa": POSITIVE}),
        "lab.gd_2d.run_on_landscape": entry(p.run_on_landscape, dict, {
            "landscape": CHOICE, "kappa": POSITIVE, "lr": POSITIVE, "num_steps": COUNT0}),
        "lab.gd_2d.hessian": entry(p.hessian, lambda: {"objective": QuadraticBowl(),
                                                          "x": [0.0, 0.0]},
                                      {"objective": [None, 5, Parabola()],
                                       "x": [None, [0.0], [math.nan, 0.0], "ab"]}),
        "lab.gd_2d.max_stable_lr_at": entry(
            p.max_stable_lr_at, lambda: {"objective": QuadraticBowl(), "x": [0.0, 0.0]},
            {"objective": [None, 5], "x": [None, [0.0], [math.nan, 0.0]]}),
        "lab.gd_2d.valley_floor_limits": entry(p.valley_floor_limits,
                                                  lambda: {"xs_along": [0.1, 0.5]},
                                                  {"xs_along": [None, "a", [], [math.nan]],
                                                   "objective": [5, Parabola()]}),
        "lab.gd_2d.predicted_steps": entry(p.predicted_steps,
                                              lambda: {"eigenvalues": (1.0, 10.0), "lr": 0.1},
                                              {"eigenvalues": [None, "ab", [], [-1.0, 1.0]],
                                               "lr": POSITIVE, "tol": POSITIVE}),
        "lab.gd_2d.worst_case_steps": entry(p.worst_case_steps,
                                               lambda: {"bowl": QuadraticBowl(), "lrs": [0.1]},
                                               {"bowl": [None, 5, Parabola()],
                                                "lrs": [None, [0.0], [math.nan]],
                                                "tol": POSITIVE, "max_steps": COUNT}),
        "lab.gd_2d.steps_vs_kappa": entry(p.steps_vs_kappa, lambda: {"kappas": [2.0]},
                                             {"kappas": [None, [0.5], [math.nan]],
                                              "rule": CHOICE, "tol": POSITIVE,
                                              "x0": [[0.0], [math.nan, 0.0]],
                                              "max_steps": COUNT}),
        "lab.gd_2d.rosenbrock_stall": entry(p.rosenbrock_stall,
                                               lambda: {"lr": 1e-3, "num_steps": 50, "tail": 10},
                                               {"lr": POSITIVE, "num_steps": COUNT,
                                                "tail": COUNT + [51],
                                                "x0": [[0.0], [math.nan, 0.0]]}),
        "lab.gd_2d.gradient_cost": entry(p.gradient_cost,
                                            lambda: {"ns": (10,), "ds": (2,), "repeats": 1},
                                            {"ns": [None, [0], [2.5]], "ds": [None, [0]],
                                             "repeats": COUNT, "max_work": COUNT,
                                             "fd_n": COUNT, "fd_max_d": COUNT}),
        "panels.gd_2d.compute": entry(pp.compute, dict, {
            "landscape": CHOICE, "kappa": POSITIVE, "lr": POSITIVE, "num_steps": COUNT0}),
    }


def _sgd():
    from helpers.lab import sgd as p
    from helpers.panels import sgd as pp

    problem = lambda: p.make_problem(40, 2)  # noqa: E731
    return {
        "lab.sgd.make_data": entry(p.make_data, lambda: {"n": 20}, {
            "n": COUNT, "d": COUNT, "noise": NONNEG, "n_test": COUNT0[:-1] + [-1], "seed": SEED,
            "kappa": POSITIVE + [0.5]}),
        "lab.sgd.make_problem": entry(p.make_problem, lambda: {"n": 20}, {
            "n": COUNT, "d": COUNT, "noise": NONNEG, "seed": SEED, "kappa": POSITIVE + [0.5]}),
        "lab.sgd.best_gd_lr": entry(p.best_gd_lr, lambda: {"problem": problem()},
                                    {"problem": [None, 5]}),
        "lab.sgd.condition_number": entry(p.condition_number, lambda: {"problem": problem()},
                                          {"problem": [None, 5]}),
        "lab.sgd.run_sgd": entry(p.run_sgd, lambda: {"problem": problem(), "batch_size": 4,
                                                        "lr": 0.05, "num_epochs": 2}, {
            "problem": [None, 5], "batch_size": COUNT + [41], "lr": POSITIVE,
            "num_epochs": COUNT, "w0": ["a", [math.nan, 0.0], [0.0]], "seed": SEED,
            "lr_decay": NONNEG, "num_runs": COUNT[1:], "blowup": POSITIVE,
            "replacement": FLAG}),
        "lab.sgd.examples_to_reach": entry(p.examples_to_reach,
                                              lambda: {"run": trained_run(), "threshold": 0.1},
                                              {"run": [None, 5], "threshold": POSITIVE}),
        "lab.sgd.epoch_means": entry(p.epoch_means, lambda: {"run": trained_run()},
                                        {"run": [None, 5]}),
        "lab.sgd.minibatch_gradients": entry(
            p.minibatch_gradients, lambda: {"problem": problem(), "w": [0.0, 0.0],
                                            "batch_size": 2, "num_batches": 3},
            {"problem": [None, 5], "w": [None, [0.0], [math.nan, 0.0]],
             "batch_size": COUNT + [41], "num_batches": COUNT, "seed": SEED}),
        "lab.sgd.predicted_variance": entry(
            p.predicted_variance, lambda: {"sigma2": 1.0, "n_examples": 10, "batch_size": 2},
            {"sigma2": NONNEG, "n_examples": COUNT, "batch_size": POSITIVE + [11]}),
        "lab.sgd.gradient_variance": entry(
            p.gradient_variance, lambda: {"problem": problem(), "w": [0.0, 0.0],
                                          "batch_sizes": [1, 2], "num_batches": 20},
            {"problem": [None, 5], "w": [None, [0.0]], "batch_sizes": [None, [0], [41]],
             "num_batches": COUNT, "seed": SEED}),
        "lab.sgd.visit_counts": entry(p.visit_counts, lambda: {"n_examples": 10,
                                                                 "num_epochs": 2},
                                         {"n_examples": COUNT, "num_epochs": COUNT,
                                          "seed": SEED}),
        "lab.sgd.noise_ball": entry(p.noise_ball, lambda: {"problem": problem(), "lrs": [0.01],
                                                              "batch_sizes": [2],
                                                              "num_updates": 10, "num_runs": 2},
                                       {"problem": [None, 5], "lrs": [None, [0.0], [math.nan]],
                                        "batch_sizes": [None, [0], [41]],
                                        "num_updates": COUNT, "num_runs": COUNT, "seed": SEED}),
        "panels.sgd.compute": entry(pp.compute,
                                              lambda: {"batch_size": 4, "lr": 0.05,
                                                       "num_epochs": 2},
                                              {"batch_size": COUNT, "lr": POSITIVE,
                                               "num_epochs": COUNT, "problem": [5, "p"],
                                               "seed": SEED}),
    }


def _mnist():
    from helpers import experiment as pe
    from helpers.figures import mnist as pf
    from helpers.lab import mnist as p
    from helpers.panels import mnist as pp

    def trained():
        return pe.build_model(16)

    return {
        "experiment.build_model": entry(pe.build_model, lambda: {"hidden": 4},
                                          {"hidden": COUNT, "seed": SEED}),
        "experiment.run_experiment": entry(
            pe.run_experiment, lambda: {"data": mnist_data(), "num_epochs": 1, "hidden": 8},
            {"data": [None, 5, "sample"], "lr": POSITIVE, "batch_size": COUNT + [201],
             "num_epochs": COUNT, "hidden": COUNT, "optimizer": CHOICE, "seed": SEED,
             "schedule": [5, "cosine"], "callbacks": [5], "log_every": COUNT}),
        "experiment.plural": entry(pe.plural, lambda: {"n": 2, "word": "step"},
                                     {"n": [None, "2", 2.5], "word": [None, 5]}),
        "lab.mnist.subset": entry(p.subset, lambda: {"data": mnist_data(), "n_train": 10},
                                     {"data": [None, 5], "n_train": COUNT + [201]}),
        "lab.mnist.compare_sampling": entry(
            p.compare_sampling, lambda: {"data": mnist_data(), "num_epochs": 1, "hidden": 8},
            {"data": [None, 5], "lr": POSITIVE, "batch_size": COUNT + [201],
             "num_epochs": COUNT, "hidden": COUNT, "seed": SEED}),
        "lab.mnist.batch_size_sweep": entry(
            p.batch_size_sweep, lambda: {"data": mnist_data(), "batch_sizes": [200], "hidden": 4,
                                         "budget_seconds": 1e-3},
            {"data": [None, 5], "batch_sizes": [None, 5, [0], [201], "16"],
             "n_train": COUNT[1:] + [201], "lr": POSITIVE, "hidden": COUNT, "num_epochs": COUNT,
             "budget_seconds": POSITIVE, "optimizer": CHOICE, "seed": SEED}),
        "lab.mnist.predict": entry(p.predict, lambda: {"model": trained(),
                                                          "X": np.zeros((2, 784))},
                                      {"model": [None, 5], "X": [None, "a", np.zeros((2, 5)),
                                                                 np.zeros(784)]}),
        "lab.mnist.confusion_matrix": entry(p.confusion_matrix,
                                               lambda: {"y_true": [0, 1], "y_pred": [1, 1]},
                                               {"y_true": LABELS + [[0, 12], [0.5, 1.0]],
                                                "y_pred": [None, [0], [0, -1], [0, 10]],
                                                "num_classes": COUNT}),
        "lab.mnist.most_confident_mistakes": entry(
            p.most_confident_mistakes, lambda: {"model": trained(), "X": np.zeros((3, 784)),
                                                "y": [0, 1, 2]},
            {"model": [None, 5], "X": [None, np.zeros((3, 5))], "y": LABELS + [[0]],
             "k": COUNT}),
        "experiment.smoothed_loss": entry(
            pe.smoothed_loss, lambda: {"history": _history(), "n_train": 10},
            {"history": [None, 5], "n_train": COUNT, "max_points": COUNT}),
        "figures.mnist.run_label": entry(pf.run_label, lambda: {"number": 1, "run": _run_dict()},
                                        {"number": [None, "1", 0, 1.5], "run": [None, 5, {}]}),
        "figures.mnist.runs_table_html": entry(pf.runs_table_html,
                                               lambda: {"runs": [_run_dict()]},
                                               {"runs": [5, [5], [{}]]}),
        "figures.mnist.show_digit_grid": entry(
            pf.show_digit_grid, lambda: {"images": np.zeros((2, 784)), "captions": ["a", "b"]},
            {"images": [None, "abc", np.ones(3), np.zeros((2, 10))],
             "captions": [None, 5, "ab", ["a"]], "ncols": COUNT}),
        "panels.mnist.TrainingPanel": entry(pp.TrainingPanel, lambda: {"data": mnist_data()},
                                            {"data": [None, 5], "seed": SEED,
                                             "redraw_seconds": NONNEG}),
    }


def _history():
    from helpers.train import History

    return History(step_loss=[2.3, 2.0, 1.5], examples_seen=[4, 8, 12])


def _run_dict():
    return {"lr": 0.1, "batch_size": 16, "num_epochs": 1, "hidden": 8, "optimizer": "sgd",
            "train_loss": 0.5, "val_acc": 0.8, "seconds": 1.0, "status": "ok",
            "history": _history()}


def _optimizers():
    from helpers.lab import optimizers as p
    from helpers.panels import optimizers as pp

    return {
        "lab.optimizers.make_objective": entry(p.make_objective, dict,
                                                  {"landscape": CHOICE, "kappa": POSITIVE}),
        "lab.optimizers.optimizer_hyper": entry(p.optimizer_hyper,
                                                   lambda: {"optimizer": "momentum",
                                                            "momentum": 0.9},
                                                   {"optimizer": CHOICE, "momentum": FRACTION}),
        "lab.optimizers.run_optimizer": entry(p.run_optimizer, lambda: {"num_steps": 5}, {
            "landscape": CHOICE, "optimizer": CHOICE, "lr": POSITIVE, "momentum": FRACTION,
            "kappa": POSITIVE, "num_steps": COUNT0, "x0": ["a", [0.0], [math.nan, 0.0]],
            "tol": POSITIVE}),
        "panels.optimizers.compute": entry(pp.compute, lambda: {"num_steps": 5}, {
            "optimizer": CHOICE, "lr": POSITIVE, "momentum": FRACTION, "landscape": CHOICE,
            "kappa": POSITIVE, "num_steps": COUNT}),
        "lab.optimizers.suggest_lr": entry(p.suggest_lr, dict, {
            "landscape": CHOICE, "optimizer": CHOICE, "kappa": POSITIVE, "momentum": FRACTION}),
        "lab.optimizers.max_stable_lr": entry(p.max_stable_lr, dict, {
            "landscape": CHOICE, "optimizer": CHOICE, "kappa": POSITIVE, "momentum": FRACTION}),
        "lab.optimizers.optimal_momentum": entry(p.optimal_momentum, lambda: {"kappa": 10.0},
                                                    {"kappa": POSITIVE + [0.5]}),
        "lab.optimizers.optimal_momentum_lr": entry(
            p.optimal_momentum_lr, lambda: {"lam_min": 1.0, "lam_max": 10.0},
            {"lam_min": POSITIVE, "lam_max": POSITIVE + [0.5]}),
        "lab.optimizers.momentum_sweep": entry(
            p.momentum_sweep, lambda: {"kappa": 10.0, "betas": [0.5], "num_steps": 10},
            {"kappa": POSITIVE, "betas": [5, [1.0], [math.nan]], "lr": POSITIVE[1:],
             "num_steps": COUNT, "tol": POSITIVE, "x0": [[0.0], [math.nan, 0.0], "a"]}),
        "lab.optimizers.gd_steps_to_tolerance": entry(
            p.gd_steps_to_tolerance, lambda: {"kappa": 10.0, "num_steps": 10},
            {"kappa": POSITIVE, "num_steps": COUNT, "tol": POSITIVE,
             "x0": [[0.0], [math.nan, 0.0]]}),
        "lab.optimizers.make_schedule": entry(
            p.make_schedule, lambda: {"name": "cosine", "optimizer": sgd(), "num_steps": 10},
            {"name": CHOICE, "optimizer": [None, 5], "num_steps": COUNT}),
        "lab.optimizers.schedule_curves": entry(p.schedule_curves,
                                                   lambda: {"lr": 0.1, "num_steps": 10},
                                                   {"lr": POSITIVE, "num_steps": COUNT,
                                                    "names": [None, 5, ["nope"]]}),
        "lab.optimizers.compare_on_mnist": entry(
            p.compare_on_mnist, lambda: {"data": mnist_data(), "hidden": 4, "num_epochs": 1,
                                         "settings": [{"optimizer": "sgd", "lr": 0.1}]},
            {"data": [None, 5], "settings": [None, 5, [5], [{"optimizer": "nope", "lr": 0.1}],
                                             [{"optimizer": "sgd", "lr": -1.0}]],
             "hidden": COUNT, "batch_size": COUNT + [201], "num_epochs": COUNT, "seed": SEED}),
    }


def _escape():
    from helpers.lab import escape as p
    from helpers.panels import escape as pp

    well = lambda: p.make_well()  # noqa: E731
    return {
        "lab.escape.make_well": entry(p.make_well, dict, {
            "n_examples": COUNT, "tilt": NUMBER + [2.0], "noise": NONNEG, "seed": SEED}),
        "lab.escape.noise_scale": entry(p.noise_scale, lambda: {"lr": 0.1, "batch_size": 2,
                                                                   "n_examples": 64},
                                           {"lr": POSITIVE, "batch_size": COUNT + [65],
                                            "n_examples": COUNT}),
        "lab.escape.run_sgd": entry(p.run_sgd, lambda: {"well": well(), "lr": 0.05,
                                                           "batch_size": 2, "num_steps": 10,
                                                           "num_runs": 3}, {
            "well": [None, 5], "lr": POSITIVE, "batch_size": COUNT + [65], "num_steps": COUNT,
            "num_runs": COUNT, "seed": SEED, "x0": [math.nan, "a"], "lr_end": POSITIVE[1:],
            "record": COUNT0, "bound": POSITIVE}),
        "lab.escape.sweep": entry(p.sweep, lambda: {"well": well(), "lrs": [0.05],
                                                       "batch_sizes": [2], "num_steps": 10,
                                                       "num_runs": 3}, {
            "well": [None, 5], "lrs": [None, [0.0], [math.nan]], "batch_sizes": [None, [0], [65]],
            "num_steps": COUNT, "num_runs": COUNT, "seed": SEED, "time": POSITIVE[1:]}),
        "lab.escape.gradient_noise": entry(p.gradient_noise, lambda: {"well": well(),
                                                                         "batch_sizes": [1, 2],
                                                                         "num_draws": 20},
                                              {"well": [None, 5], "batch_sizes": [None, [0], [65]],
                                               "num_draws": COUNT, "seed": SEED}),
        "panels.escape.compute": entry(pp.compute, lambda: {"num_steps": 20,
                                                                         "num_runs": 5}, {
            "batch_size": COUNT + [65], "lr": POSITIVE, "seed": SEED, "num_steps": COUNT,
            "well": [5, "well"], "num_runs": COUNT}),
    }


def _backprop_cost():
    from helpers.lab import backprop_cost as p

    return {
        "lab.backprop_cost.num_params": entry(p.num_params, lambda: {"sizes": [4, 3]},
                                                 {"sizes": [None, 5, [4], [4, 0], [4, 2.5]]}),
        "lab.backprop_cost.count_multiply_adds": entry(p.count_multiply_adds,
                                                          lambda: {"sizes": [4, 3]},
                                                          {"sizes": [None, [4], [4, -1]],
                                                           "batch_size": COUNT}),
        "lab.backprop_cost.cost_counts": entry(p.cost_counts, lambda: {"width": 4, "depth": 2},
                                                  {"width": COUNT, "depth": COUNT}),
        "lab.backprop_cost.deep_model": entry(p.deep_model, lambda: {"width": 4, "depth": 2},
                                                 {"width": COUNT, "depth": COUNT,
                                                  "activation": CHOICE, "seed": SEED}),
        "lab.backprop_cost.path_sum_gradient": entry(
            p.path_sum_gradient, lambda: {"model": p.deep_model(3, 2), "x": np.ones(3)},
            {"model": [None, 5], "x": [None, "a", np.ones(4), [math.nan] * 3]}),
        "lab.backprop_cost.backprop_first_layer_grad": entry(
            p.backprop_first_layer_grad, lambda: {"model": p.deep_model(3, 2), "x": np.ones(3)},
            {"model": [None, 5], "x": [None, "a", np.ones(4)]}),
        "lab.backprop_cost.counted_gradients": entry(
            p.counted_gradients, lambda: {"width": 2, "depth": 2, "x": np.ones(2)},
            {"width": COUNT, "depth": COUNT, "x": [None, "a", np.ones(3), [math.nan] * 2],
             "seed": SEED}),
        "lab.backprop_cost.time_gradient": entry(
            p.time_gradient, lambda: {"sizes": [4, 3], "batch_size": 2, "repeats": 1},
            {"sizes": [None, [4]], "batch_size": COUNT, "repeats": COUNT,
             "fd_max_entries": COUNT0, "seed": SEED}),
    }


def _saddle():
    from helpers.lab import saddle as p
    from helpers.objectives import QuadraticBowl, SaddleBetweenMinima

    not_a_saddle = [None, 5, QuadraticBowl()]
    return {
        "lab.saddle.gd_paths": entry(p.gd_paths, lambda: {"objective": SaddleBetweenMinima(),
                                                          "starts": [1.0, 0.0], "num_steps": 5},
                                     {"objective": not_a_saddle,
                                      "starts": [None, "a", [math.nan, 0.0], np.ones(3)],
                                      "lr": POSITIVE, "num_steps": COUNT0, "noise": NONNEG,
                                      "seed": SEED}),
        "lab.saddle.hessian_eigenvalues": entry(
            p.hessian_eigenvalues, lambda: {"objective": SaddleBetweenMinima(), "x": [0.0, 0.0]},
            {"objective": not_a_saddle, "x": [None, "a", np.ones(3), [math.nan, 0.0]]}),
        "lab.saddle.steps_near_saddle": entry(
            p.steps_near_saddle, lambda: {"objective": SaddleBetweenMinima(), "offsets": [0.1],
                                          "num_steps": 50},
            {"objective": not_a_saddle, "offsets": [None, "a", [math.nan], []],
             "lr": POSITIVE, "x_start": POSITIVE, "radius": POSITIVE, "num_steps": COUNT0}),
        "lab.saddle.steps_near_saddle_noisy": entry(
            p.steps_near_saddle_noisy, lambda: {"objective": SaddleBetweenMinima(),
                                                "noises": [0.1], "runs": 2, "num_steps": 50},
            {"objective": not_a_saddle, "noises": [None, [0.0], [math.nan]], "runs": COUNT,
             "lr": POSITIVE, "x_start": POSITIVE, "radius": POSITIVE, "num_steps": COUNT0,
             "seed": SEED}),
        "lab.saddle.predicted_steps_per_decade": entry(
            p.predicted_steps_per_decade, lambda: {"objective": SaddleBetweenMinima()},
            {"objective": not_a_saddle, "lr": POSITIVE}),
        "lab.saddle.predicted_steps_near_saddle": entry(
            p.predicted_steps_near_saddle, lambda: {"objective": SaddleBetweenMinima(),
                                                    "offsets": [0.1]},
            {"objective": not_a_saddle, "offsets": [None, [0.0], [math.nan]], "lr": POSITIVE,
             "x_start": POSITIVE, "radius": POSITIVE}),
    }


def _forward_mode():
    from helpers.lab import forward_mode as p
    from helpers.layers import mlp
    from helpers.losses import MSELoss

    net = lambda: mlp([3, 2, 2], "tanh", dtype=np.float64)  # noqa: E731
    return {
        "lab.forward_mode.jvp": entry(p.jvp, lambda: {"model": net(), "X": np.ones((2, 3)),
                                                      "tangents": {"0.W": np.ones((3, 2))}},
                                      {"model": [None, 5], "X": ARRAY_2D + [np.ones((2, 4))],
                                       "tangents": [None, {"9.W": 1.0}]}),
        "lab.forward_mode.forward_mode_gradient": entry(
            p.forward_mode_gradient, lambda: {"model": net(), "X": np.ones((2, 3)),
                                              "y": np.ones((2, 2)), "loss_fn": MSELoss()},
            {"model": [None, 5], "X": ARRAY_2D, "y": [None], "loss_fn": [5, "mse"],
             "max_entries": COUNT[1:]}),
        "lab.forward_mode.count_forward_mode": entry(
            p.count_forward_mode, lambda: {"sizes": [4, 3]},
            {"sizes": [None, [4], [4, 0]], "batch_size": COUNT}),
    }


def _backprop_graph():
    from helpers.lab import backprop_graph as p

    good = lambda: {k: v.copy() for k, v in p.EXAMPLE.items()}  # noqa: E731
    bad = [None, "a", np.ones(5)]
    return {
        "lab.backprop_graph.graph_state": entry(p.graph_state, good, {
            "x": bad, "y": bad, "W1": bad + [[[math.nan, 0.0], [0.0, 0.0]]], "b1": bad,
            "W2": bad, "b2": bad, "lr": NONNEG}),
        "lab.backprop_graph.example_state": entry(p.example_state, dict, {
            "x1": NUMBER, "w": NUMBER, "lr": NONNEG}),
        "panels.backprop_graph.compute": entry(_cls("panels.backprop_graph.compute"), dict, {
            "x1": NUMBER, "w": NUMBER, "lr": NONNEG}),
    }


def _theory():
    from helpers import theory
    from helpers.objectives import DoubleWell

    well = DoubleWell(n_examples=64, tilt=0.3, noise=8.0)
    return {
        "theory.sgd_temperature": entry(theory.sgd_temperature, lambda: {
            "lr": 0.01, "batch_size": 1, "n_examples": 64, "sigma2": 64.0}, {
            "lr": [None, "1", -1.0, 0.0], "batch_size": [None, 0, 65], "n_examples": COUNT,
            "sigma2": POSITIVE}),
        "theory.gibbs_share_deep": entry(theory.gibbs_share_deep,
                                         lambda: {"well": well, "temperature": 0.5},
                                         {"temperature": POSITIVE}),
        "theory.kramers_escape_time": entry(theory.kramers_escape_time,
                                            lambda: {"well": well, "temperature": 0.5},
                                            {"temperature": POSITIVE}),
        "theory.harmonic_variance": entry(theory.harmonic_variance,
                                          lambda: {"k": 2.0, "temperature": 0.5, "lr": 0.1},
                                          {"k": POSITIVE, "temperature": POSITIVE,
                                           "lr": NONNEG + [1.0]}),
        "theory.momentum_rate": entry(theory.momentum_rate, lambda: {
            "lr": 0.1, "beta": 0.5, "eigenvalues": [1.0, 10.0]}, {
            "lr": [-1.0, 0.0], "beta": [-0.1, 1.0], "eigenvalues": [[-1.0], [0.0]]}),
        "theory.momentum_noise_floor": entry(theory.momentum_noise_floor, lambda: {
            "lr": 0.1, "beta": 0.5, "eigenvalues": [1.0, 10.0], "noise": 0.1}, {
            "noise": NONNEG, "eigenvalues": [[-1.0], [0.0]]}),
        "theory.effective_lr": entry(theory.effective_lr, lambda: {"lr": 0.1, "beta": 0.5},
                                     {"lr": POSITIVE}),
    }


def _predict():
    from helpers.predict import Prediction, predict

    bad = {"question": [None, "", 5], "choices": [["a"], ["a", "a"]],
           "tolerance": [None, "1", math.nan, 1.0, 0.5]}
    return {
        "predict.predict": entry(predict, lambda: {"question": "q?", "choices": ["a", "b"]}, bad),
        "predict.Prediction": entry(Prediction, lambda: {"question": "q?", "choices": ["a", "b"]},
                                    bad),
    }


def _momentum_map():
    from helpers.lab import momentum_map as lab
    from helpers.panels import momentum_map as panel

    return {
        "lab.momentum_map.momentum_map": entry(lab.momentum_map, lambda: {
            "kappa": 10.0, "lrs": [0.05, 0.1], "betas": [0.0, 0.5], "max_steps": 5}, {
            "kappa": POSITIVE + [0.5], "lrs": [None, [-0.1], [[0.1]]], "betas": [[1.0], [-0.1]],
            "tol": POSITIVE, "max_steps": COUNT, "noise": NONNEG, "num_runs": COUNT}),
        "panels.momentum_map.compute": entry(panel.compute, lambda: {"kappa": 4.0, "noise": 0.0},
                                             {"kappa": POSITIVE + [0.5], "noise": NONNEG}),
    }


def _deep():
    from helpers.lab import deep as p
    from helpers.layers import Dropout, Linear, init_std, mlp
    from helpers.panels import deep as pp

    X, y = np.zeros((20, 6)), np.arange(20) % 10
    Xv, yv = np.zeros((10, 6)), np.arange(10)
    small = lambda: mlp([6, 4, 10], seed=0, dtype=np.float64)  # noqa: E731
    digits = lambda: {"X": X, "y": y}  # noqa: E731
    bad_digits = {"X": ARRAY_2D + [np.zeros((3, 6))], "y": LABELS}
    val = {"X_val": ARRAY_2D + [np.zeros((3, 6))], "y_val": LABELS}
    return {
        "layers.init_std": entry(init_std, lambda: {"init": "he", "n_in": 4, "n_out": 2}, {
            "init": [None, "no-such-name", 0.0, -1.0, math.nan, True],
            "n_in": COUNT, "n_out": COUNT}),
        "layers.Linear (init)": entry(Linear, lambda: {"n_in": 4, "n_out": 2, "init": "he"}, {
            "init": [None, "no-such-name", 0.0, math.nan, True]}),
        "layers.mlp (init, dropout)": entry(mlp, lambda: {"sizes": [4, 3, 2]}, {
            "init": [None, "no-such-name", 0.0, True], "dropout": FRACTION}),
        "layers.Dropout": entry(Dropout, lambda: {"p": 0.5}, {
            "p": FRACTION + [1.5], "rng": SEED + ["seed"]}),
        "layers.Dropout forward": entry(lambda X: Dropout(0.5).forward(X),
                                        lambda: {"X": np.ones((3, 4))},
                                        {"X": [None, "abc", np.array([["a"] * 4])]}),
        "layers.Dropout backward": entry(
            lambda dY: (lambda d: (d.forward(np.ones((3, 4))), d.backward(dY)))(Dropout(0.5)),
            lambda: {"dY": np.ones((3, 4))}, {"dY": [None, "abc", np.ones((2, 4))]}),
        "lab.deep.init_label": entry(p.init_label, lambda: {"init": "he"},
                                     {"init": [None, "no-such-name", 0.0, True]}),
        "lab.deep.deep_mlp": entry(p.deep_mlp, lambda: {"depth": 3, "activation": "relu",
                                                        "init": "he"}, {
            "depth": COUNT + [1], "activation": CHOICE, "init": [None, "no-such-name", 0.0],
            "width": COUNT, "seed": SEED}),
        "lab.deep.grad_norms": entry(p.grad_norms, lambda: {"model": small(), **digits()}, {
            "model": [None, 5, Dropout(0.5)], **bad_digits}),
        "lab.deep.grad_norm_profile": entry(p.grad_norm_profile, lambda: {
            "depth": 3, "activation": "relu", "init": "he", **digits()}, {
            "depth": COUNT + [1], "activation": CHOICE, "init": [None, "no-such-name"],
            **bad_digits, "width": COUNT, "seed": SEED}),
        "lab.deep.grad_norm_ratio": entry(p.grad_norm_ratio, lambda: {
            "depth": 3, "activation": "relu", "init": "he", **digits()}, {
            "depth": COUNT + [1], "activation": CHOICE, "init": [None, "no-such-name"],
            **bad_digits, "width": COUNT, "seeds": [None, [], ["0"], [-1]]}),
        "lab.deep.ratio_table": entry(p.ratio_table, lambda: {
            "depths": [2, 3], "settings": [("relu", "he")], **digits()}, {
            "depths": [None, [], [1], ["2"]], "settings": [None, [], ["relu"], "relu"],
            **bad_digits, "seeds": [None, [], [-1]]}),
        "lab.deep.validation_split": entry(p.validation_split, lambda: {**digits(), "n_val": 10}, {
            **bad_digits, "n_val": COUNT + [20], "seed": SEED}),
        "lab.deep.stratified_subset": entry(p.stratified_subset, lambda: {**digits(), "n": 10}, {
            **bad_digits, "n": COUNT + [20], "seed": SEED}),
        "lab.deep.train_deep": entry(p.train_deep, lambda: {
            "depth": 3, "activation": "relu", "init": "he", **digits(), "X_val": Xv,
            "y_val": yv, "num_epochs": 1, "batch_size": 4}, {
            "depth": COUNT + [1], "activation": CHOICE, "init": [None, "no-such-name"],
            **bad_digits, **val, "num_epochs": COUNT, "lr": POSITIVE, "batch_size": COUNT,
            "width": COUNT, "seed": SEED}),
        "lab.deep.fit": entry(p.fit, lambda: {"model": small(), **digits(), "X_val": Xv,
                                             "y_val": yv, "num_epochs": 2, "batch_size": 4}, {
            "model": [None, 5], **bad_digits, **val, "lr": POSITIVE,
            "momentum": [None, "0.9", -0.1, 1.0, math.nan], "weight_decay": NONNEG,
            "num_epochs": COUNT, "batch_size": COUNT, "patience": COUNT[1:], "seed": SEED}),
        "lab.deep.regularisation_summary": entry(p.regularisation_summary, lambda: {
            "curves": p.fit(small(), X, y, Xv, yv, num_epochs=1, batch_size=4)}, {
            "curves": [None, 5, {"val_acc": [1.0]}]}),
        "panels.deep.compute": entry(pp.compute, dict, {
            "activation": CHOICE, "depth": COUNT + [1, 21], "init": [None, "no-such-name", 0.0],
            "seed": SEED}),
        "lab.deep.over_seeds": entry(p.over_seeds, lambda: {"summaries": [{"gap": 0.1}]}, {
            "summaries": [None, [], "abc", [1, 2]]}),
    }


def _validation():
    from helpers import experiment
    from helpers.lab import optimizers as lo

    return {
        "experiment.split_validation": entry(experiment.split_validation, lambda: {
            "data": raw_mnist()}, {"data": [None, 5, "mnist"], "n_val": COUNT[1:] + [10**6],
                                    "seed": SEED}),
        "experiment.final_exam": entry(experiment.final_exam, lambda: {
            "model": mnist_model(), "data": mnist_data()}, {"model": [None, 5],
                                                          "data": [None, 5]}),
        "lab.optimizers.decay_toy": entry(lo.decay_toy, lambda: {"num_steps": 5}, {
            "lr": POSITIVE, "weight_decay": NONNEG, "num_steps": COUNT, "grad_size": POSITIVE}),
        "lab.optimizers.effective_steps_on_bowl": entry(lo.effective_steps_on_bowl, lambda: {
            "num_steps": 5}, {"kappa": POSITIVE, "num_steps": COUNT, "noise": NONNEG,
                              "seed": SEED, "settings": [None, 5, [("no-such", 0.1)]]}),
    }


def _monitoring():
    """diagnostics, hessian, steer, steer_panel, drawpad, text, timing, theory (tiny inputs)."""
    from helpers import diagnostics as d
    from helpers import drawpad, hessian, steer, steer_panel, text, theory, timing
    from helpers.layers import mlp
    from helpers.losses import SoftmaxCrossEntropy

    X64 = X4.astype(np.float64)
    not_a_model = [None, 5, "mlp", mlp([5, 3])]  # the last one takes 5 inputs, not 4
    batch = ARRAY_2D + [np.ones((3, 5))]
    outputs = ARRAY_2D + [np.ones((3, 0))]
    vector = [None, 5, "v", [np.ones(3)], [np.full((4, 5), math.nan)] + [np.ones(5)] * 3]
    problem = lambda: {"model": model64(), "loss_fn": SoftmaxCrossEntropy(), "X": X64,  # noqa: E731
                       "y": Y3}
    bad_problem = {"model": not_a_model, "loss_fn": [None, 5, "mse"], "X": batch,
                   "y": LABELS + [Y3[:5]]}
    direction = lambda: hessian.random_direction(model64())  # noqa: E731
    trainer = lambda: steer.Trainer(model(), X4, Y3, batch_size=4)  # noqa: E731
    digit = np.zeros((28, 28))
    digit[10:18, 12:16] = 1.0
    images = [None, "abc", np.full((28, 28), math.nan), np.ones(3), np.ones((2, 28, 28)),
              np.full((28, 28), 2.0)]
    strokes = [None, 5, "abc", [[(0.0, math.nan)]], [[(1.0, 2.0, 3.0)]], [[]], [["a", "b"]]]
    return {
        "diagnostics.linear_layers": entry(d.linear_layers, lambda: {"model": model()},
                                           {"model": not_a_model[:3]}),
        "diagnostics.activations": entry(d.activations, lambda: {"model": model(), "X": X4},
                                         {"model": not_a_model, "X": batch}),
        "diagnostics.predict_proba": entry(d.predict_proba, lambda: {"model": model(), "X": X4},
                                           {"model": not_a_model, "X": batch}),
        "diagnostics.hidden_outputs": entry(d.hidden_outputs, lambda: {"model": model(), "X": X4},
                                            {"model": not_a_model, "X": batch}),
        "diagnostics.activation_histograms": entry(d.activation_histograms, lambda: {
            "model": model(), "X": X4}, {"model": not_a_model, "X": batch, "bins": COUNT}),
        "diagnostics.grad_norms": entry(d.grad_norms, lambda: {"model": model()},
                                        {"model": not_a_model[:3]}),
        "diagnostics.weights": entry(d.weights, lambda: {"model": model()},
                                     {"model": not_a_model[:3]}),
        "diagnostics.update_ratios": entry(d.update_ratios, lambda: {
            "before": d.weights(mlp([4, 8, 3])), "model": model()}, {
            "before": [None, 5, "w", [np.ones((4, 8))], [np.full((4, 8), math.nan),
                                                        np.ones((8, 3))]],
            "model": not_a_model}),
        "diagnostics.measure": entry(d.measure, lambda: {
            "model": model(), "X": X4, "before": d.weights(mlp([4, 8, 3]))}, {
            "model": not_a_model, "X": batch, "before": [5, "w", [np.ones((4, 8))]]}),
        "diagnostics.dead_fraction": entry(d.dead_fraction, lambda: {
            "relu_output": np.abs(X4)}, {"relu_output": outputs}),
        "diagnostics.saturated_fraction": entry(d.saturated_fraction, lambda: {
            "output": np.tanh(X4), "kind": "Tanh"}, {"output": outputs, "kind": CHOICE}),
        "hessian.loss_grad_hvp": entry(hessian.loss_grad_hvp, lambda: {
            **problem(), "v": direction()}, {**bad_problem, "v": vector}),
        "hessian.hvp": entry(hessian.hvp, lambda: {**problem(), "v": direction()},
                             {**bad_problem, "v": vector}),
        "hessian.hvp_from_gradients": entry(hessian.hvp_from_gradients, lambda: {
            **problem(), "v": direction()}, {**bad_problem, "v": vector, "eps": POSITIVE}),
        "hessian.loss_and_grad": entry(hessian.loss_and_grad, problem, bad_problem),
        "hessian.dot": entry(hessian.dot, lambda: {"u": direction(), "v": direction()}, {
            "u": vector, "v": vector}),
        "hessian.random_direction": entry(hessian.random_direction, lambda: {"model": model64()},
                                          {"model": [None, 5, "mlp"], "rng": SEED + ["seed"]}),
        "hessian.sharpness": entry(hessian.sharpness, lambda: {**problem(), "num_iters": 3}, {
            **bad_problem, "num_iters": COUNT, "v": vector[1:] + [[np.zeros((4, 5)), np.zeros(5),
                                                             np.zeros((5, 3)), np.zeros(3)]],
            "rng": SEED + ["seed"]}),
        "hessian.gd_with_sharpness": entry(hessian.gd_with_sharpness, lambda: {
            **problem(), "lr": 0.1, "num_steps": 2, "every": 2, "num_iters": 2}, {
            **bad_problem, "lr": POSITIVE, "num_steps": COUNT, "every": COUNT,
            "num_iters": COUNT, "seed": SEED}),
        "steer.Trainer": entry(steer.Trainer, lambda: {"model": model(), "X": X4, "y": Y3,
                                                       "batch_size": 4}, {
            "model": not_a_model, "X": batch + [np.ones((0, 4))], "y": LABELS,
            "lr": POSITIVE, "batch_size": COUNT + [13], "momentum": FRACTION,
            "seed": SEED + ["seed"], "diagnose_every": COUNT, "loss_fn": [5, "mse"]}),
        "steer.measure_latency": entry(steer.measure_latency, lambda: {
            "trainer": trainer(), "num_events": 2, "pause": 0.001}, {
            "trainer": [None, 5, model()], "num_events": COUNT, "pause": POSITIVE}),
        "steer_panel.SteeringPanel": entry(steer_panel.SteeringPanel, lambda: {
            "trainer": trainer()}, {"trainer": [None, 5, model()], "num_epochs": POSITIVE,
                                    "redraw_every": POSITIVE}),
        "drawpad.DrawPad": entry(drawpad.DrawPad, lambda: {"model": mlp([784, 4, 10])}, {
            "model": [5, "mlp", model()], "size": COUNT + [10], "update_every": NONNEG}),
        "drawpad.render_strokes": entry(drawpad.render_strokes, lambda: {
            "strokes": [[(0.0, 0.0), (1.0, 2.0)], [(2.0, 1.0)]]}, {
            "strokes": strokes, "pen": POSITIVE + [2.0]}),
        "drawpad.strokes_to_input": entry(drawpad.strokes_to_input, lambda: {
            "strokes": [[(0.0, 0.0), (1.0, 2.0)]]}, {"strokes": strokes, "pen": POSITIVE}),
        "drawpad.to_mnist": entry(drawpad.to_mnist, lambda: {"image": np.eye(40)}, {
            "image": images[:4] + images[5:]}),
        "drawpad.digit_to_strokes": entry(drawpad.digit_to_strokes, lambda: {"image": digit}, {
            "image": images, "threshold": NUMBER}),
        "drawpad.center_of_mass": entry(drawpad.center_of_mass, lambda: {"image": digit}, {
            "image": images + [np.zeros((28, 28))]}),
        "text.plural": entry(text.plural, lambda: {"n": 2, "word": "step"}, {
            "n": COUNT0, "word": [None, 5, ""]}),
        "theory.curvature": entry(theory.curvature, lambda: {"well": None, "x": 1.0},
                                  {"x": NUMBER}),
        "theory.steps_from_rate": entry(theory.steps_from_rate, lambda: {
            "rate": 0.5, "start": 1.0, "tol": 1e-3}, {
            "rate": [None, "0.5", math.nan, [0.5, math.nan], -0.1, True],
            "start": POSITIVE, "tol": POSITIVE}),
        "timing.seconds": entry(timing.seconds, lambda: {"fn": lambda: None, "repeats": 2}, {
            "fn": FUNCTION, "repeats": COUNT}),
    }


def table() -> dict:
    swept = {}
    for part in (_objectives, _gd, _layers, _losses, _optim, _schedules, _gradcheck, _batches,
                 _train, _validate, _plots, _widgets, _gd_1d, _gd_2d, _sgd, _mnist, _optimizers,
                 _escape, _backprop_cost, _saddle, _forward_mode, _backprop_graph, _theory,
                 _predict, _momentum_map, _deep, _validation,
                 _monitoring):
        swept.update(part())
    return swept


SWEPT = table()

# ---- names not swept here, each with its reason -------------------------------------------------

SKIPPED = {
    # containers and base classes: built by the library from checked values, not by a learner
    "gd.Trajectory": "a record that run_gd and minimize fill in",
    "train.History": "a record that train fills in",
    "lab.sgd.SGDRun": "a record that run_sgd fills in",
    "lab.escape.SGDRuns": "a record that run_sgd fills in",
    "layers.Layer": "the abstract base class; its subclasses are swept",
    "gd.blew_up": "the one blow-up rule, called at every step with numbers its callers checked",
    "widgets.Panel": "built by each make_panel from its own widgets (tests/test_widgets.py)",
    # no argument to get wrong
    "plots.use_style": "takes no argument",
    "panels.gd_1d.make_figure": "takes no argument",
    "panels.sgd.make_figure": "takes no argument",
    "panels.escape.make_figure": "takes no argument",
    # draw what a swept compute function returned, into figures a make_figure built
    "plots.lr_strip": "draws into an axes made by a panel's make_figure",
    "panels.gd_1d.draw": "draws the state compute returned",
    "panels.sgd.draw": "draws the state compute returned",
    "panels.escape.draw": "draws the state compute returned",
    "figures.optimizers.draw_panel": "draws the state panels.optimizers.compute returned",
    "figures.mnist.plot_runs": "draws the dicts run_experiment returned",
    "plots.plain_log_axis": "formats an axes of plot_runs",
    "figures.sgd.plot_runs": "draws the runs run_sgd returned",
    "figures.sgd.plot_epoch_means": "draws what epoch_means returned",
    "figures.sgd.plot_gradient_histograms": "draws what minibatch_gradients returned",
    "figures.sgd.plot_variance": "draws what gradient_variance returned",
    "figures.sgd.plot_noise_ball": "draws what noise_ball returned",
    "figures.escape.plot_landscape": "draws a DoubleWell (swept through make_well)",
    "figures.escape.plot_paths": "draws the paths run_sgd recorded",
    "figures.escape.plot_gradient_noise": "draws what gradient_noise returned",
    "figures.escape.plot_heatmap": "draws the table sweep returned",
    "figures.escape.plot_collapse": "draws the table sweep returned",
    "figures.escape.plot_noise_effects": "draws what the notebook's runs returned",
    "figures.escape.plot_escape_curves": "draws what the notebook's runs returned",
    "figures.escape.plot_gibbs": "draws what the notebook's runs returned",
    "lab.sgd.sampling_gap_on_mnist": "trains 6 networks; bad arguments tested in "
                                     "tests/test_lab_sgd.py",
    "figures.sgd.plot_sampling_gap": "draws what sampling_gap_on_mnist returned",
    "lab.deep.train_deep_seeds": "train_deep once per seed (swept as lab.deep.train_deep's); "
                                 "seeds go through check_ints",
    "steer_panel.compute": "reads a Trainer's history; SteeringPanel checks the trainer",
    "steer_panel.make_figure": "sizes from a model SteeringPanel has checked",
    "steer_panel.draw": "draws the state compute returned",
    "steer_panel.history_figure": "draws a Trainer's history (Trainer checks its inputs)",
    "figures.mnist.plot_batch_size_sweep": "draws the rows batch_size_sweep returned",
    "figures.escape.make_runs_figure": "draws a DoubleWell (swept through make_well)",
    "figures.escape.draw_runs": "draws the state panels.escape.compute returned",
    "lab.escape.final_histogram": "reads the SGDRuns run_sgd returned (swept through "
                                  "panels.escape.compute)",
    "lab.escape.describe_runs": "reads the SGDRuns run_sgd returned (swept through "
                                "panels.escape.compute)",
    "figures.gd_1d.draw_regime_bands": "draws into an axes made by a panel's make_figure",
    "figures.gd_2d.draw_contours": "draws into an axes made by a panel's make_figure",
    "figures.gd_1d.iterate_axes": "sets up an axes made by a panel's make_figure",
    "figures.gd_1d.distance_axes": "sets up an axes made by a panel's make_figure",
    "figures.gd_2d.gap_axes": "sets up an axes made by a panel's make_figure",
    "figures.gd_2d.update_gap_axes": "draws the state compute returned",
    "figures.gd_2d.draw_stable_band": "draws the state compute returned",
    "figures.gd_2d.path_title": "a title from the state compute returned",
    "figures.gd_1d.parabola_window": "axis limits from the numbers a swept compute function "
                                     "returned",
    "figures.escape.plot_schedules": "draws what the notebook's runs returned",
    "lab.escape.format_table": "formats the table sweep returned",
    "lab.escape.format_effects": "formats what the notebook's runs returned",
    "figures.backprop_cost.plot_counts": "draws what cost_counts returned",
    "figures.saddle.plot_landscape": "draws a Saddle or SaddleBetweenMinima and gd_paths' paths",
    "figures.saddle.plot_distance": "draws the distances of gd_paths' paths",
    "figures.saddle.plot_steps_near_saddle": "draws what steps_near_saddle returned",
    "figures.backprop_graph.make_graph_figure": "takes no argument",
    "figures.backprop_graph.draw_graph": "draws the state graph_state returned",
    "figures.backprop_graph.plot_graph": "draws the state graph_state returned",
    "layers.MultiplyAddCounter": "takes no argument",
    "figures.backprop_cost.plot_times": "draws what time_gradient returned",
    "figures.mnist.plot_confusion_matrix": "draws what confusion_matrix returned",
    "figures.mnist.show_weight_images": "draws the weights of a trained model",
    # blitting: called by widgets.Panel on the figure a make_figure built, with limits computed
    # from the state a swept compute function returned
    "blit.Frames": "made by widgets.Panel from the figure of a panel's make_figure",
    "blit.animated_artists": "reads the figure of a panel's make_figure",
    "blit.axes_limits": "reads the figure of a panel's make_figure",
    "blit.png_bytes": "encodes the canvas of a panel's figure",
    "blit.decade_above": "axis limits from the numbers a swept compute function returned",
    "blit.decade_below": "axis limits from the numbers a swept compute function returned",
    "blit.step_above": "axis limits from the numbers a swept compute function returned",
    "figures.escape.mark_minima": "draws a DoubleWell (swept through make_well)",
    "lab.sgd.default_problem": "takes no argument",
    "panels.escape.panel_well": "takes no argument",
    "panels.gd_2d.make_figure": "takes no argument",
    "panels.gd_2d.draw": "draws the state compute returned",
    "panels.mnist.make_figure": "takes no argument",
    "panels.mnist.draw": "draws the runs run_experiment returned",
    "figures.optimizers.make_panel_figure": "takes no argument (contours come with a state)",
    "lab.optimizers.run_verdict": "words for a Trajectory; swept via panels.optimizers.compute",
    "lab.optimizers.safer_lr": "its arguments are suggest_lr's and run_optimizer's, swept there",
    # panels: every argument goes to a slider (swept in widgets.*) and to the compute function
    # (swept above); building each panel for each bad value would take minutes
    "panels.gd_1d.make_panel": "arguments swept through compute and the sliders",
    "panels.gd_2d.make_panel": "arguments swept through compute and the sliders",
    "panels.sgd.make_panel": "arguments swept through compute and the sliders",
    "panels.escape.make_panel": "arguments swept through compute and the sliders",
    "panels.backprop_graph.make_panel": "arguments swept through compute and the sliders",
    "panels.backprop_graph.make_figure": "takes no argument",
    "panels.backprop_graph.draw": "draws the state compute returned",
    "panels.optimizers.make_panel": "arguments swept through compute and the sliders",
    "panels.mnist.make_panel": "arguments swept through TrainingPanel",
    "gd.steps_to_tolerance": "gd_1d's function, re-exported: swept as panels.gd_1d's",
        "lab.deep.Curves": "a record that fit fills in",
        "lab.deep.format_ratio_table": "formats the table ratio_table returned",
        "figures.deep.plot_grad_norms": "draws what grad_norm_profile returned",
        "figures.deep.plot_ratio_table": "draws the table ratio_table returned",
        "figures.deep.plot_val_accuracy": "draws what train_deep returned",
        "figures.deep.plot_train_val": "draws the Curves fit returned",
        "figures.deep.plot_weight_decay": "draws the Curves fit returned",
        "panels.deep.make_figure": "takes no argument",
        "panels.deep.panel_batch": "takes no argument",
        "panels.deep.draw": "draws the state compute returned",
        "panels.deep.make_panel": "arguments swept through compute and the sliders",
    "experiment.SplitMNIST": "a record that split_validation fills in",
    "experiment.has_validation": "a yes/no question about any object: every argument is allowed",
    "experiment.run_recipe": "trains for seconds; its settings go through run_experiment's checks",
    "lab.mnist.choice_optimism": "trains 12 networks; its arguments go through run_experiment",
    "lab.optimizers.weight_decay_on_mnist": "trains 9 networks; checked as compare_on_mnist is",
    "lab.momentum_map.best_point": "reads the dict momentum_map returned",
    "lab.momentum_map.closest_point": "reads the dict momentum_map returned",
    "figures.momentum_map.oscillating": "grid and curvatures from a swept momentum_map call",
    "figures.momentum_map.plot_momentum_map": "draws the dict momentum_map returned",
    "figures.momentum_map.plot_distance_map": "draws the dict momentum_map returned",
    "figures.momentum_map.plot_rate_vs_steps": "draws the dict momentum_map returned",
    "figures.momentum_map.steps_colorbar": "labels the mesh plot_momentum_map returned",
    "panels.momentum_map.make_figure": "takes no argument",
    "panels.momentum_map.draw": "draws the state compute returned",
    "panels.momentum_map.make_panel": "arguments swept through compute and the sliders",
    "panels.momentum_map.optimum": "a formula of kappa, which compute checks first",
    # training monitors, threads and widgets
    "diagnostics.hints": "reads the records measure returned",
    "steer.Change": "a record that Trainer fills in",
    "steer.active_threads": "takes no argument",
    "steer.stop_all": "takes no argument",
    "steer.install_interrupt_stop": "takes no argument",
    "drawpad.quick_model": "trains for seconds; its seed goes first to mlp, swept as layers.mlp's",
    "timing.one_blas_thread": "takes no argument",
}

# Covered by their own tests (tests/test_data.py, tests/test_exercises.py), which check the
# download, cache and exercise paths with their own bad inputs.
ELSEWHERE = {
    "data": ["MNISTDownloadError", "CacheFolderError", "MNIST", "parse_idx", "read_idx",
             "default_cache_dir", "fetch_mnist_files", "stratified_split", "load_mnist", "main"],
    "exercises": ["Hint", "Mistake", "exercise", "names", "mistakes", "run_check", "check",
                  "describe", "call", "number_hint", "as_number", "as_array", "as_arrays",
                  "close", "run_cases", "log_uniform", "read_step_count"],
}

MODULES = [m.name for m in pkgutil.iter_modules(helpers.__path__)  # every module of helpers
           if m.name not in ("lab", "figures", "panels")] + [
    f"{package.__name__.removeprefix('helpers.')}.{m.name}"
    for package in (helpers.lab, helpers.figures, helpers.panels)
    for m in pkgutil.iter_modules(package.__path__)]


def public_names() -> set[str]:
    """'module.name' for every public function and class the helpers modules define."""
    names = set()
    for module_name in MODULES:
        module = importlib.import_module(f"helpers.{module_name}")
        exported = getattr(module, "__all__", None)
        if exported is None:
            exported = [n for n, v in vars(module).items() if not n.startswith("_")
                        and callable(v) and getattr(v, "__module__", None) == module.__name__]
        for name in exported:
            if callable(getattr(module, name)):  # constants in __all__ have no arguments
                names.add(f"{module_name}.{name}")
    return names


def test_every_public_name_is_swept_or_skipped():
    covered = {name.split(" ")[0] for name in SWEPT} | set(SKIPPED)  # "gd.run_gd (2-D)"
    covered |= {f"{m}.{n}" for m, names in ELSEWHERE.items() for n in names}
    missing = sorted(public_names() - covered)
    assert not missing, f"public names with no bad-input entry and no skip reason: {missing}"


def test_the_tables_name_only_real_public_names():
    listed = set(SKIPPED) | {f"{m}.{n}" for m, names in ELSEWHERE.items() for n in names}
    unknown = sorted(listed - public_names())
    assert not unknown, f"listed but not public (renamed or removed?): {unknown}"


def _cases():
    for name, spec in SWEPT.items():
        for arg, values in spec["bad"].items():
            for i, value in enumerate(values):
                label = repr(value) if not isinstance(value, np.ndarray) else f"array{value.shape}"
                yield pytest.param(name, arg, i, id=f"{name}-{arg}-{label[:30]}")


def test_the_good_arguments_work():
    """Each entry's good call succeeds, so a bad value is what makes a swept call fail."""
    import matplotlib.pyplot as plt

    failures = []
    for name, spec in SWEPT.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                spec["call"](**spec["good"]())
        except Exception as exc:  # noqa: BLE001 - listed below
            failures.append(f"{name}: {type(exc).__name__}: {exc}")
    plt.close("all")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("name", "arg", "index"), list(_cases()))
def test_a_bad_value_gets_a_named_error(name, arg, index):
    import matplotlib.pyplot as plt

    spec = SWEPT[name]
    value = spec["bad"][arg][index]
    kwargs = {**spec["good"](), arg: value}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning is a silent failure too
        try:
            result = spec["call"](**kwargs)
        except (ValueError, TypeError) as exc:
            message = str(exc)
            assert arg.split("[")[0] in message, (
                f"{name}({arg}={value!r}): the message does not name {arg!r}: {message}")
            return
        finally:
            plt.close("all")
    pytest.fail(f"{name}({arg}={value!r}) raised nothing; it returned {result!r:.200}")
