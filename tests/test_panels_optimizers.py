"""Notebooks 06a-06c: optimizer paths on the bowl and Rosenbrock, the best momentum, the panel."""

import re

import numpy as np
import pytest

from helpers.data import MNIST, load_mnist
from helpers.lab import optimizers as opt
from helpers.objectives import QuadraticBowl
from helpers.optim import SGD
from helpers.panels import optimizers as opt_panel

# Any warning (overflow, invalid value, ...) fails the test: a learner must never see one.
pytestmark = pytest.mark.filterwarnings("error")


# ---- compute -------------------------------------------------------------------------------------

def test_default_state_has_the_path_the_losses_and_gd_for_reference():
    state = opt_panel.compute()
    assert state["xs"].shape == (101, 2) and state["gaps"].shape == (101,)
    assert state["ref_xs"].shape == (101, 2)
    assert np.allclose(state["xs"][0], opt.X0["bowl"])
    assert state["message"].startswith("Momentum:")
    assert "Plain GD at the same lr" in state["message"]


def test_the_panel_opens_where_momentum_clearly_beats_gd_at_the_same_lr():
    state = opt_panel.compute()
    assert (state["kappa"], state["lr"], state["momentum"]) == (25.0, 0.03, 0.7)
    assert state["status"] == "converged" and state["ref_status"] == "converging"
    assert state["ref_gaps"][-1] > 1e6 * state["gaps"][-1]
    assert state["level"] == "ok" and "Momentum wins" in state["message"]


def test_on_the_opening_bowl_beta_0_9_is_too_much():
    """β = 0.9 spirals at √0.9 per step: slower than β = 0.7 at the same lr."""
    heavy = opt_panel.compute("momentum", 0.03, 0.9, "bowl", 25.0, 100)
    assert heavy["status"] == "converging"
    assert heavy["gaps"][-1] > 1e3 * opt_panel.compute()["gaps"][-1]


@pytest.mark.parametrize(("args", "verdict"), [
    (("momentum", 0.05, 0.9, "bowl", 10.0, 100), "Plain GD at the same lr is ahead"),
    (("momentum", 0.03, 0.5, "bowl", 25.0, 100), "times higher, at"),
    (("momentum", 0.07, 0.5, "bowl", 25.0, 300), "Momentum is faster here"),
    (("adam", 0.1, 0.9, "bowl", 10.0, 300), "Adam is not faster here"),
    (("momentum", 0.1, 0.9, "bowl", 25.0, 100), "Plain GD at the same lr: diverg"),
])
def test_the_message_says_who_is_ahead_of_gd(args, verdict):
    assert verdict in opt_panel.compute(*args)["message"]


@pytest.mark.parametrize("landscape", opt.LANDSCAPES)
@pytest.mark.parametrize("optimizer", opt.RACE)
def test_each_optimizer_at_its_suggested_lr_makes_progress(landscape, optimizer):
    lr = opt.SUGGESTED_LR[landscape][optimizer]
    state = opt_panel.compute(optimizer, lr, 0.9, landscape, 10.0, 500)
    assert state["status"] in ("converged", "converging")
    slow = (landscape, optimizer) == ("rosenbrock", "gd")  # GD crawls along the curved valley
    assert state["gaps"][-1] < state["gaps"][0] / (2 if slow else 10)
    assert np.all(np.isfinite(state["gaps"])) and np.all(state["gaps"] > 0)


def test_gd_has_no_reference_path_and_says_momentum_does_nothing():
    state = opt_panel.compute("gd", 0.1)
    assert state["ref_xs"] is None and state["ref_gaps"] is None
    assert "momentum slider does nothing" in state["message"]


def test_too_large_a_learning_rate_says_diverged_after_n_steps():
    state = opt_panel.compute("momentum", 2.0, 0.9, "rosenbrock", 10.0, 100)
    assert state["status"] == "diverged" and state["level"] == "error"
    assert re.search(r"Diverged after \d+ step", state["message"])
    assert "Try lr" in state["message"]
    assert len(state["xs"]) == state["diverged_at"]  # the iterates up to the blow-up


def _makes_progress(state):
    return (state["status"] not in ("diverged", "diverging")
            and state["gaps"][-1] < state["gaps"][0] / 10)


@pytest.mark.parametrize("kappa", [100.0, 1000.0])
@pytest.mark.parametrize("momentum", [0.5, 0.9])
@pytest.mark.parametrize("optimizer", opt.RACE)
def test_suggested_lr_on_a_steep_bowl_converges(optimizer, momentum, kappa):
    lr = opt.suggest_lr("bowl", optimizer, kappa, momentum)
    assert _makes_progress(opt_panel.compute(optimizer, lr, momentum, "bowl", kappa, 1000))


@pytest.mark.parametrize("kappa", [100.0, 1000.0])
@pytest.mark.parametrize("lr", [0.05, 0.15, opt_panel.LR_MAX, "just above the limit"])
@pytest.mark.parametrize("optimizer", opt.RACE)
def test_the_divergence_hint_is_a_smaller_lr_that_converges(optimizer, lr, kappa):
    if lr == "just above the limit":  # the formula's value would be within 10% of this lr
        lr = 1.05 * min(opt.max_stable_lr("bowl", optimizer, kappa, 0.9), 1.0)
    state = opt_panel.compute(optimizer, lr, 0.9, "bowl", kappa, 100)
    if optimizer in ("rmsprop", "adam"):  # steps of about lr: no blow-up on this bowl
        assert state["status"] not in ("diverged", "diverging")
        assert "Try lr" not in state["message"]
        return
    assert state["status"] == "diverged"
    suggested = float(re.search(r"Try lr ≈ ([0-9.e+-]+)\.", state["message"]).group(1))
    assert suggested < 0.9 * lr
    rerun = opt_panel.compute(optimizer, suggested, 0.9, "bowl", kappa, 100)
    assert rerun["status"] not in ("diverged", "diverging")
    assert rerun["gaps"][-1] < rerun["gaps"][0]
    assert _makes_progress(opt_panel.compute(optimizer, suggested, 0.9, "bowl", kappa, 1000))


def test_adaptive_growth_is_not_called_endless_and_the_messages_agree():
    short = opt_panel.compute("adam", 2.0, 0.99, "rosenbrock", 10.0, 10)
    assert short["status"] == "diverging"
    assert "grew" in short["message"] and "keep growing" not in short["message"]
    long = opt_panel.compute("adam", 2.0, 0.99, "rosenbrock", 10.0, 1000)
    assert "Still converging" in long["message"]
    assert "larger learning rate" not in long["message"]  # lr is at the slider's end


def test_a_tiny_change_in_the_loss_is_printed_with_enough_digits():
    state = opt_panel.compute("gd", 1e-4, 0.9, "bowl", 1.0, 10)
    start, end = re.search(r"fell from (\S+) to (\S+)\.", state["message"]).groups()
    assert start != end and float(end) < float(start)


def test_larger_lr_is_offered_only_below_the_stability_limit():
    slow = opt_panel.compute("gd", 1e-4, 0.9, "rosenbrock", 10.0, 100)
    assert "larger learning rate" in slow["message"]
    near_limit = opt_panel.compute("gd", 0.0019, 0.9, "bowl", 1000.0, 10)
    assert near_limit["status"] == "converging"
    assert "larger learning rate" not in near_limit["message"]


def test_heavy_ball_on_the_bowl_beats_gd_at_the_tuned_lr():
    bowl = QuadraticBowl(kappa=100.0)
    lr = opt.optimal_momentum_lr(*bowl.eigenvalues)
    tuned = opt.run_optimizer("bowl", "momentum", lr, opt.optimal_momentum(100.0), 100.0, 400)
    gd = opt.run_optimizer("bowl", "gd", bowl.best_lr(), 0.0, 100.0, 400)
    assert tuned.status == "converged" and gd.status == "converging"


@pytest.mark.parametrize(("setting", "pattern"), [
    ({"optimizer": "sgd"}, "optimizer"), ({"landscape": "saddle"}, "landscape"),
    ({"lr": 0.0}, "lr"), ({"momentum": 1.0}, "momentum"), ({"num_steps": 0}, "num_steps"),
])
def test_bad_values_are_named_in_the_error(setting, pattern):
    with pytest.raises(ValueError, match=pattern):
        opt_panel.compute(**setting)


def test_the_momentum_slider_is_adams_beta1():
    assert opt.optimizer_hyper("adam", 0.5) == {"betas": (0.5, 0.999)}
    assert opt.optimizer_hyper("nesterov", 0.5) == {"momentum": 0.5}
    assert opt.optimizer_hyper("rmsprop", 0.5) == {}


# ---- the optimal momentum -----------------------------------------------------------------------

@pytest.mark.parametrize(("kappa", "beta"), [(1.0, 0.0), (4.0, 1 / 9), (100.0, (9 / 11) ** 2)])
def test_optimal_momentum_formula(kappa, beta):
    assert opt.optimal_momentum(kappa) == pytest.approx(beta)


def test_optimal_momentum_lr_formula():
    assert opt.optimal_momentum_lr(1.0, 100.0) == pytest.approx((2 / 11) ** 2)


def test_optimal_momentum_rejects_kappa_below_one():
    with pytest.raises(ValueError, match="kappa"):
        opt.optimal_momentum(0.5)


def test_the_measured_best_momentum_is_near_the_formula():
    sweep = opt.momentum_sweep(100.0, np.round(np.arange(0.5, 0.9, 0.01), 2), num_steps=250)
    assert abs(sweep["beta_best"] - sweep["beta_formula"]) <= 0.03
    assert sweep["steps_best"] < 100
    assert np.isnan(sweep["steps"][0])  # β = 0.5 at this lr: unstable or too slow
    assert opt.gd_steps_to_tolerance(100.0) > 5 * sweep["steps_best"]


def test_keras_velocity_form_equals_the_buffer_form():
    """v ← μv − lr·g; w ← w + v (Keras) gives the iterates of buf ← μ·buf + g; w ← w − lr·buf."""
    bowl = QuadraticBowl(kappa=10.0)
    w_keras, v = np.array([-1.5, 1.0]), np.zeros(2)
    x, g = np.array([-1.5, 1.0]), np.zeros(2)
    sgd = SGD([(x, g)], lr=0.01, momentum=0.9)
    for _ in range(20):
        v = 0.9 * v - 0.01 * bowl.grad(w_keras)
        w_keras = w_keras + v
        g[...] = bowl.grad(x)
        sgd.step()
        assert np.allclose(x, w_keras, rtol=1e-12, atol=1e-15)


# ---- schedules ----------------------------------------------------------------------------------

def test_schedule_curves_start_and_end_where_they_should():
    curves = opt.schedule_curves(0.1, 300)
    assert set(curves) == set(opt.SCHEDULES)
    assert all(c.shape == (300,) for c in curves.values())
    assert np.all(curves["constant"] == 0.1)
    assert curves["step"][0] == pytest.approx(0.1) and curves["step"][-1] == pytest.approx(0.01)
    assert curves["cosine"][0] == pytest.approx(0.1) and curves["cosine"][-1] < 1e-4
    assert curves["warmup"][0] == pytest.approx(0.01) and curves["warmup"][-1] == pytest.approx(0.1)
    assert curves["warmup_cosine"].max() == pytest.approx(0.1)


def test_constant_is_no_schedule_and_unknown_names_are_refused():
    assert opt.make_schedule("constant", opt._LrHolder(0.1), 10) is None
    with pytest.raises(ValueError, match="name"):
        opt.make_schedule("triangle", opt._LrHolder(0.1), 10)


def test_compare_on_mnist_uses_the_same_seed_for_every_setting():
    data = load_mnist("sample", verbose=False)
    small = MNIST(data.X_train[:400], data.y_train[:400], data.X_test[:100], data.y_test[:100],
                  "sample", "400/100 digits")
    settings = [{"optimizer": "sgd", "lr": 0.1}, {"optimizer": "sgd", "lr": 0.1},
                {"optimizer": "momentum", "lr": 0.01, "schedule": "cosine"}]
    results = opt.compare_on_mnist(small, settings, hidden=16, num_epochs=1)
    assert results[0]["history"].step_loss == results[1]["history"].step_loss
    assert results[2]["schedule"] == "cosine" and results[2]["status"] == "ok"


# ---- the panel ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def _shared_panel():
    return opt_panel.make_panel()


@pytest.fixture
def panel(_shared_panel):
    """One panel for the module (building one draws contours), reset to its defaults per test."""
    defaults = {"landscape": "bowl", "optimizer": "momentum", "lr": 0.03, "momentum": 0.7,
                "kappa": 25.0, "num_steps": 100}
    for name, value in defaults.items():
        control = _shared_panel.controls[name]
        if control.value != value:
            control.value = value
    return _shared_panel


def test_panel_has_the_controls_the_notebook_names(panel):
    assert list(panel.controls) == ["optimizer", "lr", "momentum", "landscape", "kappa",
                                    "num_steps"]
    # lr and β follow the hand; a new κ (new contours) or number of steps (new axis) waits for
    # the release
    live = {name: c.continuous_update for name, c in panel.controls.items()
            if name not in ("optimizer", "landscape")}
    assert live == {"lr": True, "momentum": True, "kappa": False, "num_steps": False}
    assert list(panel.controls["optimizer"].options) == list(opt.RACE)
    assert panel.state["optimizer"] == "momentum" and panel.image.value


@pytest.mark.parametrize("optimizer", opt.RACE)
def test_choosing_an_optimizer_redraws_its_path(panel, optimizer):
    panel.controls["optimizer"].value = optimizer
    assert panel.state["optimizer"] == optimizer
    line = panel.artists["path"]
    assert np.allclose(line.get_xydata(), panel.state["xs"])
    assert panel.message_text


@pytest.mark.parametrize(("name", "end"), [
    ("lr", "min"), ("lr", "max"), ("momentum", "min"), ("momentum", "max"),
    ("kappa", "min"), ("kappa", "max"), ("num_steps", "min"), ("num_steps", "max"),
])
@pytest.mark.parametrize("landscape", opt.LANDSCAPES)
def test_every_slider_extreme_gives_a_plot_and_a_message(panel, name, end, landscape):
    panel.controls["landscape"].value = landscape
    control = panel.controls[name]
    log = name in ("lr", "kappa")  # log sliders: min and max are exponents
    value = control.base ** getattr(control, end) if log else getattr(control, end)
    control.value = value
    state = panel.state
    assert state[name] == pytest.approx(value)
    assert np.all(np.isfinite(state["xs"])) and np.all(state["gaps"] > 0)
    assert panel.message_text and "Traceback" not in panel.message_text
    if name == "lr" and end == "max":
        assert state["status"] in ("diverged", "diverging")
        assert re.search(r"Diverg", panel.message_text)


def test_changing_the_problem_moves_lr_and_locks_kappa(panel):
    panel.controls["landscape"].value = "rosenbrock"
    assert panel.controls["lr"].value == pytest.approx(opt.SUGGESTED_LR["rosenbrock"]["momentum"])
    assert panel.controls["kappa"].disabled
    assert panel.state["landscape"] == "rosenbrock" and panel.state["status"] != "diverged"
    panel.controls["landscape"].value = "bowl"
    assert not panel.controls["kappa"].disabled


def test_a_diverged_run_zooms_the_loss_axis_onto_its_few_steps(panel):
    panel.controls["landscape"].value = "rosenbrock"
    panel.controls["lr"].value = 2.0
    ax_loss = panel.artists["ax_loss"]
    assert panel.state["diverged_at"] is not None
    assert ax_loss.get_xlim()[1] <= 10
    assert "blew up" in panel.artists["note"].get_text()
