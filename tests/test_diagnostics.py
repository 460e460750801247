"""Each diagnostic against a direct computation; each hint from a run made to trigger it."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import diagnostics
from helpers.data import load_mnist
from helpers.layers import mlp
from helpers.steer import Trainer


@pytest.fixture(scope="module")
def digits():
    data = load_mnist("sample", verbose=False)
    return data.X_train, data.y_train


def test_activations_match_the_layers_forward_and_leave_their_caches_alone():
    model = mlp([6, 5, 4, 3], "tanh", seed=1, dtype=np.float64)
    X = np.random.default_rng(0).standard_normal((7, 6))
    model.forward(X[:2])
    cached = model.layers[0].X
    outs = diagnostics.activations(model, X)
    assert model.layers[0].X is cached
    np.testing.assert_allclose(outs[-1], model.forward(X))
    W0, b0 = model.layers[0].params["W"], model.layers[0].params["b"]
    np.testing.assert_allclose(outs[1], np.tanh(X @ W0 + b0))


def test_grad_norm_is_the_frobenius_norm_of_each_weight_gradient():
    model = mlp([4, 3, 2], seed=0, dtype=np.float64)
    model.layers[0].grads["W"][...] = [[3, 0, 0], [0, 4, 0], [0, 0, 0], [0, 0, 12]]
    model.layers[2].grads["W"][...] = 1.0
    np.testing.assert_allclose(diagnostics.grad_norms(model), [13.0, np.sqrt(6)])


def test_update_ratio_is_step_size_over_weight_size():
    model = mlp([4, 3, 2], seed=0, dtype=np.float64)
    before = diagnostics.weights(model)
    model.layers[0].params["W"] *= 1.01  # every weight 1% larger
    model.layers[2].params["W"][0, 0] += 2.0
    ratios = diagnostics.update_ratios(before, model)
    assert ratios[0] == pytest.approx(0.01)
    assert ratios[1] == pytest.approx(2.0 / np.linalg.norm(before[1]))


def test_dead_fraction_counts_units_that_are_zero_for_every_example():
    out = np.array([[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    assert diagnostics.dead_fraction(out) == 0.5  # units 0 and 3


def test_saturated_fraction_and_histograms():
    tanh_out = np.array([[0.995, -0.999, 0.2, 0.0]])
    assert diagnostics.saturated_fraction(tanh_out, "Tanh") == 0.5
    assert diagnostics.saturated_fraction(np.array([[0.005, 0.5]]), "Sigmoid") == 0.5
    model = mlp([5, 4, 3], seed=0, dtype=np.float64)
    X = np.random.default_rng(1).standard_normal((50, 5))
    (name, (counts, edges)), = diagnostics.activation_histograms(model, X, bins=10).items()
    assert name == "ReLU 1" and counts.sum() == 200 and len(edges) == 11


def run_hints(digits, sizes=(784, 64, 10), activation="relu", steps=100, scale=1.0, **settings):
    model = mlp(list(sizes), activation, seed=0)
    model.layers[0].params["W"] *= scale
    trainer = Trainer(model, *digits, **settings)
    trainer.run(steps)
    return trainer.hints()


def test_no_hint_fires_on_the_default_healthy_run(digits):
    trainer = Trainer(mlp([784, 64, 10], seed=0), *digits)  # lr 0.02, momentum 0.9, B = 64
    for _ in range(6):
        trainer.run(50)
        assert trainer.hints() == [], f"step {len(trainer.steps)}"


def test_too_high_a_learning_rate_is_named(digits):
    hints = run_hints(digits, lr=0.5, momentum=0.0)
    assert any("learning rate is probably too high" in h for h in hints), hints


def test_too_low_a_learning_rate_is_named(digits):
    hints = run_hints(digits, lr=1e-5)
    assert any("learning rate is probably too low" in h for h in hints), hints


def test_dead_relus_are_named(digits):
    hints = run_hints(digits, lr=1.0, momentum=0.9)
    assert any("of the units of ReLU 1 are dead" in h for h in hints), hints


def test_saturated_tanh_units_are_named(digits):
    hints = run_hints(digits, activation="tanh", scale=30.0, lr=0.05)
    assert any("of the outputs of Tanh 1 sit at its flat ends" in h for h in hints), hints


def test_a_vanishing_gradient_is_named(digits):
    hints = run_hints(digits, sizes=(784, 32, 32, 32, 32, 32, 10), activation="sigmoid",
                      lr=0.05)
    assert any("the gradient vanishes" in h for h in hints), hints


def test_hints_use_the_median_so_one_odd_step_does_not_fire():
    calm = {"grad_norm": np.array([1.0, 1.0]), "update_ratio": np.array([1e-3, 1e-3]),
            "dead": {"ReLU 1": 0.1}, "saturated": {}}
    odd = calm | {"update_ratio": np.array([0.5, 0.5]), "dead": {"ReLU 1": 0.9}}
    assert diagnostics.hints([calm, calm, odd]) == []
    assert "50% of the weights" in diagnostics.hints([odd, odd, calm])[0]
