"""Notebooks 03a/03b headless: measurements, figures and panel (helpers.lab/figures/panels.sgd)."""


import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers.figures import sgd as sgd_figures
from helpers.gd import run_gd
from helpers.lab import sgd
from helpers.panels import sgd as sgd_panel

# Any warning (overflow, invalid value, ...) fails the test: a learner must never see one.
pytestmark = pytest.mark.filterwarnings("error")


@pytest.fixture(scope="module")
def problem():
    return sgd.default_problem()  # the notebooks' problem: make_problem(kappa=20)


# --- the panel ------------------------------------------------------------------------------

def test_panel_opens_at_a_small_batch_where_the_noise_shows():
    panel = sgd_panel.make_panel()
    assert set(panel.controls) == {"batch_size", "lr", "num_epochs"}
    assert panel.controls["batch_size"].description == "batch size"
    assert panel.controls["lr"].description == "learning rate"
    assert panel.controls["batch_size"].value == 4
    assert "noisy" in panel.message_text
    state = panel.state
    assert not np.array_equal(state["sgd"]["excess_loss"][-5:], state["gd"]["excess_loss"][-5:])


def test_at_the_full_batch_the_two_curves_coincide():
    panel = sgd_panel.make_panel()
    panel.controls["batch_size"].value = sgd.N_EXAMPLES
    state = panel.state
    assert state["updates_per_epoch"] == 1
    assert "full batch" in panel.message_text
    np.testing.assert_array_equal(state["sgd"]["excess_loss"], state["gd"]["excess_loss"])


def test_batch_size_one_gives_a_noisy_curve_and_a_new_figure():
    panel = sgd_panel.make_panel()
    image_before = panel.image.value
    panel.controls["batch_size"].value = 1  # the browser test presses Home on this slider
    state = panel.state
    assert panel.image.value != image_before
    assert state["updates_per_epoch"] == sgd.N_EXAMPLES
    assert len(state["sgd"]["excess_loss"]) == sgd.N_EXAMPLES * state["num_epochs"] + 1
    assert "200 updates per epoch" in panel.message_text
    assert "noisy" in panel.message_text
    last_epoch = state["sgd"]["excess_loss"][-sgd.N_EXAMPLES:]
    assert last_epoch.max() > 10 * last_epoch.min()  # it wanders, it does not settle


@pytest.mark.parametrize("batch_size", [1, 16, sgd.N_EXAMPLES])
def test_the_largest_learning_rate_reports_divergence_without_warnings(batch_size):
    panel = sgd_panel.make_panel(batch_size=batch_size)
    panel.controls["lr"].value = panel.controls["lr"].base ** panel.controls["lr"].max
    assert panel.state["sgd"]["status"] in ("diverged", "diverging")
    assert "Diverg" in panel.message_text
    assert panel.state["level"] == "error"
    assert np.all(np.isfinite(panel.state["sgd"]["excess_loss"]))
    assert panel.image.value  # a figure was still drawn


def test_a_diverged_run_stops_and_marks_the_blow_up(problem):
    run = sgd.run_sgd(problem, 1.5, 1, 5)
    assert run.status == "diverged"
    assert run.diverged_at == len(run.ws) < 100  # stopped long before its 1,000 updates
    assert np.all(np.isfinite(run.ws))
    fig, artists = sgd_panel.make_figure()
    sgd_panel.draw(artists, sgd_panel.compute(1, 1.5, 5))
    cross = artists["sgd", "epochs", "diverged"]
    assert len(cross.get_xdata()) == 1


def test_the_smallest_learning_rate_gives_a_smooth_falling_curve():
    panel = sgd_panel.make_panel(batch_size=1)
    panel.controls["lr"].value = panel.controls["lr"].base ** panel.controls["lr"].min
    excess = panel.state["sgd"]["excess_loss"]
    assert panel.state["sgd"]["status"] == "converging"
    assert excess[-1] < excess[0]
    assert "still falling" in panel.message_text


@pytest.mark.parametrize("num_epochs", [1, 10])
def test_epoch_slider_extremes(num_epochs):
    panel = sgd_panel.make_panel(batch_size=4)
    panel.controls["num_epochs"].value = num_epochs
    assert panel.state["sgd"]["epochs"][-1] == num_epochs
    assert panel.state["gd"]["updates"][-1] == num_epochs


def test_every_batch_size_option_gives_a_state_and_a_message():
    for b in sgd_panel.make_panel().controls["batch_size"].options:
        state = sgd_panel.compute(b, 0.1, 5)
        assert state["batch_size"] == b
        assert state["updates_per_epoch"] == -(-sgd.N_EXAMPLES // b)
        assert state["message"] and state["level"] == ("info" if b == sgd.N_EXAMPLES else "ok")


def test_full_batch_gd_that_turns_unstable_is_called_diverging():
    # round bowl (κ ≈ 1.1): lr = 1.0 > 1/λ_max(XᵀX/N) ≈ 0.955: the loss first falls, then grows
    state = sgd_panel.compute(sgd.N_EXAMPLES, 1.0, 10, problem=sgd.make_problem())
    assert state["gd"]["status"] == "diverging"
    assert "grew back" in state["message"]


# --- the runs -------------------------------------------------------------------------------

def test_the_full_batch_run_is_plain_gradient_descent(problem):
    run = sgd.run_sgd(problem, 0.1, problem.n_examples, 20)
    reference = run_gd(problem, sgd.W0, 0.1, 20)
    np.testing.assert_allclose(run.ws, reference.xs, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(run.losses, reference.losses, rtol=1e-10)


def test_a_run_counts_examples_and_updates(problem):
    run = sgd.run_sgd(problem, 0.1, 16, 3)
    assert run.num_updates == 3 * 13  # 12 batches of 16 and one of 8 per epoch
    assert run.examples[-1] == 3 * problem.n_examples
    assert run.epochs[-1] == 3


def test_many_runs_at_once_have_the_shapes_of_one_run_times_r(problem):
    run = sgd.run_sgd(problem, 0.05, 4, 2, num_runs=5)
    assert run.ws.shape == (2 * 50 + 1, 5, 2)
    assert run.losses.shape == (2 * 50 + 1, 5)
    assert not np.allclose(run.ws[-1, 0], run.ws[-1, 1])  # independent shuffles


def test_losses_match_the_objective(problem):
    run = sgd.run_sgd(problem, 0.1, 8, 2)
    np.testing.assert_allclose(run.losses, problem.f(run.ws), rtol=1e-10)


def test_a_decaying_learning_rate_gets_closer_than_a_constant_one(problem):
    constant = sgd.run_sgd(problem, 0.1, 1, 20, seed=1)
    decaying = sgd.run_sgd(problem, 0.1, 1, 20, lr_decay=1.0, seed=1)
    assert sgd.epoch_means(decaying)[1][-1] < sgd.epoch_means(constant)[1][-1] / 10


def test_epoch_means_average_each_epoch(problem):
    run = sgd.run_sgd(problem, 0.1, 50, 3)  # 4 updates per epoch
    epochs, means = sgd.epoch_means(run)
    np.testing.assert_array_equal(epochs, [1, 2, 3])
    assert means[0] == pytest.approx(run.excess_loss[1:5].mean())


def test_examples_to_reach_is_none_when_never_reached(problem):
    run = sgd.run_sgd(problem, 0.001, problem.n_examples, 2)
    assert sgd.examples_to_reach(run, 1e-3) is None
    assert sgd.examples_to_reach(run, 1e6) == 0


@pytest.mark.parametrize("bad, match", [(0, "batch_size"), (201, "batch_size")])
def test_bad_batch_size_is_a_clear_error(problem, bad, match):
    with pytest.raises(ValueError, match=match):
        sgd.run_sgd(problem, 0.1, bad, 1)


def test_bad_learning_rate_is_a_clear_error(problem):
    with pytest.raises(ValueError, match="lr"):
        sgd.run_sgd(problem, -0.1, 4, 1)


# --- the gradient as a statistic ------------------------------------------------------------

def test_minibatch_gradients_are_unbiased(problem):
    estimates = sgd.minibatch_gradients(problem, sgd.W0, 10, 20_000)
    std_error = estimates.std(axis=0) / np.sqrt(len(estimates))
    assert np.all(np.abs(estimates.mean(axis=0) - problem.grad(sgd.W0)) < 4 * std_error)


def test_gradient_variance_follows_the_finite_population_law(problem):
    result = sgd.gradient_variance(problem, sgd.W0, [1, 4, 32, 128, 200])
    ratio = result["measured"][:-1] / result["predicted"][:-1]
    assert np.all(np.abs(ratio - 1) < 0.15)
    assert result["measured"][-1] < 1e-20  # the whole data set: no randomness left


def test_predicted_variance_ends():
    assert sgd.predicted_variance(5.0, 200, 1) == pytest.approx(5.0)
    assert sgd.predicted_variance(5.0, 200, 200) == 0
    assert sgd.predicted_variance(5.0, 200, 10, replacement=True) == pytest.approx(0.5)


def test_an_epoch_with_replacement_misses_about_one_in_e():
    counts = sgd.visit_counts(200, 500, replacement=True)
    assert np.mean(counts == 0) == pytest.approx((1 - 1 / 200) ** 200, abs=0.01)
    assert np.all(counts.sum(axis=1) == 200)
    assert np.all(sgd.visit_counts(200, 50, replacement=False) == 1)


def test_the_noise_ball_scales_with_lr_over_b(problem):
    ball = sgd.noise_ball(problem, [0.01, 0.04], [1, 8], num_updates=600, num_runs=8)
    ratio = ball["measured"] / ball["predicted"]
    assert np.all((ratio > 0.5) & (ratio < 2))


def test_make_data_keeps_the_training_set_and_adds_fresh_test_examples(problem):
    train, test = sgd.make_data(kappa=sgd.KAPPA, n_test=300)
    np.testing.assert_array_equal(train.X, problem.X)
    np.testing.assert_array_equal(train.y, problem.y)
    assert test.n_examples == 300
    assert abs(test.f(problem.w_min) - 0.25) < 0.05  # the noise variance 0.5²


def test_kappa_sets_the_condition_number_and_the_best_gd_step():
    assert sgd.condition_number(sgd.make_problem()) < 1.5  # standard-normal features
    valley = sgd.make_problem(kappa=20)
    assert 15 < sgd.condition_number(valley) < 25
    eigenvalues = np.linalg.eigvalsh(2 * valley.X.T @ valley.X / valley.n_examples)
    assert sgd.best_gd_lr(valley) == pytest.approx(2 / eigenvalues.sum())
    # at the best step GD shrinks the distance to w* by (κ − 1)/(κ + 1) along both axes
    run = sgd.run_sgd(valley, sgd.best_gd_lr(valley), valley.n_examples, 30)
    kappa = sgd.condition_number(valley)
    assert run.excess_loss[-1] / run.excess_loss[0] == pytest.approx(
        ((kappa - 1) / (kappa + 1)) ** 60, rel=0.05)
    with pytest.raises(ValueError, match="kappa"):
        sgd.make_problem(kappa=0.5)


def test_the_figures_draw(problem):
    runs = {"GD": sgd.run_sgd(problem, 0.1, 200, 2), "SGD": sgd.run_sgd(problem, 0.1, 1, 2)}
    assert len(sgd_figures.plot_runs(runs)) == 2
    means = {k: sgd.epoch_means(r) for k, r in runs.items()}
    assert sgd_figures.plot_epoch_means(means) is not None
    grads = {b: sgd.minibatch_gradients(problem, sgd.W0, b, 200) for b in (1, 8)}
    assert sgd_figures.plot_gradient_histograms(grads, problem.grad(sgd.W0)) is not None
    assert sgd_figures.plot_variance(sgd.gradient_variance(problem, sgd.W0, [1, 8, 200],
                                                   num_batches=100)) is not None
    ball = sgd.noise_ball(problem, [0.05], [1, 8], num_updates=100, num_runs=2)
    assert sgd_figures.plot_noise_ball(ball, ball) is not None
    plt.close("all")
