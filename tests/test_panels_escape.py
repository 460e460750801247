"""Notebooks 07a and 07b: the double-well experiments and panel (SGD noise, escaping, sliders)."""

import math
import warnings

import numpy as np
import pytest

from helpers.batches import random_batches
from helpers.lab import escape
from helpers.lab.escape import (
    gradient_noise,
    make_well,
    noise_scale,
    run_sgd,
    sweep,
)
from helpers.panels import escape as escape_panel
from helpers.panels.escape import compute, make_panel

N = escape.N_EXAMPLES


# Any warning (overflow, invalid value, ...) fails the test: a learner must never see one.
pytestmark = pytest.mark.filterwarnings("error")


@pytest.fixture(scope="module")
def well():
    return make_well()


# --- the noise scale and the batches ------------------------------------------------------------

def test_noise_scale_is_lr_for_one_example_and_zero_for_the_full_batch():
    assert noise_scale(0.1, 1, N) == pytest.approx(0.1)
    assert noise_scale(0.1, N, N) == 0.0
    assert noise_scale(0.2, 32, N) == pytest.approx(0.2 / 32 * 32 / 63)


def test_noise_scale_depends_on_lr_over_batch_size_for_small_batches():
    assert noise_scale(0.02, 2, 10**6) == pytest.approx(noise_scale(0.01, 1, 10**6), rel=1e-5)


@pytest.mark.parametrize("batch_size", [1, 2, 5, 8, 9, 32, 63, 64])
def test_every_batch_holds_distinct_valid_examples(batch_size):
    idx = random_batches(N, batch_size, (50, 20), np.random.default_rng(0))
    assert idx.shape == (50, 20, batch_size)
    assert idx.min() >= 0 and idx.max() < N
    ordered = np.sort(idx, axis=-1)
    assert not np.any(ordered[..., 1:] == ordered[..., :-1])


@pytest.mark.parametrize("batch_size", [1, 4, 16])
def test_every_example_is_drawn_equally_often(batch_size):
    idx = random_batches(N, batch_size, (20000,), np.random.default_rng(1))
    counts = np.bincount(idx.ravel(), minlength=N)
    expected = 20000 * batch_size / N
    assert np.all(np.abs(counts - expected) < 5 * math.sqrt(expected))


def test_batch_gradient_variance_follows_the_finite_population_law(well):
    noise = gradient_noise(well, [1, 4, 32, 48, N], num_draws=20000, seed=0)
    assert noise["sigma2"] == pytest.approx(escape.NOISE**2)
    measured, predicted = noise["measured"][:-1], noise["without_replacement"][:-1]
    np.testing.assert_allclose(measured, predicted, rtol=0.05)
    assert noise["measured"][-1] < 1e-20  # the full batch: no noise at all


# --- run_sgd --------------------------------------------------------------------------------------

def test_full_batch_gradient_descent_never_leaves_the_shallow_minimum(well):
    runs = run_sgd(well, 0.05, N, 2000, num_runs=3)
    np.testing.assert_allclose(runs.x_final, well.shallow_min, atol=1e-9)
    assert runs.fraction("escaped") == 0.0


def test_full_batch_gradient_descent_slides_into_the_basin_it_starts_in(well):
    right = run_sgd(well, 0.05, N, 500, num_runs=1, x0=0.2)
    left = run_sgd(well, 0.05, N, 500, num_runs=1, x0=-0.1)
    assert right.x_final[0] == pytest.approx(well.shallow_min)
    assert left.x_final[0] == pytest.approx(well.deep_min)


def test_small_batches_escape_the_shallow_minimum(well):
    runs = run_sgd(well, 0.0125, 1, 1000, num_runs=200, seed=0)
    assert 0.5 < runs.fraction("escaped") <= 1.0
    assert runs.fraction("diverged") == 0.0


def test_escaping_grows_with_the_noise_scale(well):
    runs = run_sgd(well, np.array([0.003, 0.006, 0.012, 0.024]), 1, 1000, num_runs=200)
    assert np.all(np.diff(runs.fraction("escaped")) > 0)


def test_learning_rates_in_one_call_share_their_batches(well):
    together = run_sgd(well, np.array([0.01, 0.02]), 2, 300, num_runs=50, seed=3)
    for row, lr in enumerate([0.01, 0.02]):
        alone = run_sgd(well, lr, 2, 300, num_runs=50, seed=3)
        np.testing.assert_array_equal(together.x_final[row], alone.x_final)
        np.testing.assert_array_equal(together.escaped_at[row], alone.escaped_at)


def test_a_run_stops_at_its_own_number_of_steps(well):
    runs = run_sgd(well, np.array([0.01, 0.01]), 1, np.array([5, 400]), num_runs=20, seed=1)
    short = run_sgd(well, 0.01, 1, 5, num_runs=20, seed=1)
    np.testing.assert_array_equal(runs.x_final[0], short.x_final)
    assert not np.array_equal(runs.x_final[0], runs.x_final[1])


def test_divergence_stops_the_run_without_overflow_warnings(well):
    runs = run_sgd(well, 0.3, 1, 200, num_runs=50, record=5)
    assert runs.fraction("diverged") == 1.0
    assert np.all(runs.diverged_at >= 1)
    assert np.all(np.abs(runs.x_final) <= escape.BOUND)
    assert not np.any(runs.in_deep)
    first = runs.diverged_at[0]
    assert np.all(np.isfinite(runs.paths[:first, 0])) and np.all(np.isnan(runs.paths[first:, 0]))


def test_runs_that_diverge_never_count_as_escaped(well):
    runs = run_sgd(well, np.array([0.05, 0.1]), 2, 1000, num_runs=200, seed=0)
    assert not np.any(runs.escaped & runs.diverged)
    assert np.any((runs.escaped_at >= 0) & runs.diverged)  # some got there first, then flew out
    assert runs.fraction("escaped")[1] + runs.fraction("diverged")[1] <= 1 + 1e-12
    table = sweep(well, [0.1], [1], num_steps=1000, num_runs=100)
    assert table["diverged"][0, 0] == 1.0 and table["escaped"][0, 0] == 0.0


def test_runs_never_diverge_below_the_learning_rates_where_the_walls_throw_them_out(well):
    # |x| > 3 is a point of no return for GD when lr > 1/16 (x² > 1 + 1/(2 lr)); smaller learning
    # rates must never get there, so that "diverged" is true whenever it is reported
    runs = run_sgd(well, 1 / 16, 1, 3000, num_runs=300, seed=5)
    assert runs.fraction("diverged") == 0.0


def test_crossings_count_each_move_between_basins(well):
    runs = run_sgd(well, 0.05, 1, 500, num_runs=100, seed=0)
    assert np.all(runs.crossings[runs.escaped] >= 1)
    assert np.all(runs.crossings[~runs.escaped] == 0)
    ends_deep = runs.crossings % 2 == 1
    # a run whose last move was into the deep basin is left of the barrier, unless it is on its
    # way back (between the barrier and halfway down to the shallow minimum)
    assert np.mean(ends_deep == runs.in_deep) > 0.9


def test_escaped_by_is_a_rising_curve_from_zero_to_the_escaped_share(well):
    runs = run_sgd(well, 0.012, 1, 800, num_runs=100, seed=2)
    curve = runs.escaped_by(800)
    assert curve.shape == (801,)
    assert curve[0] == 0.0 and np.all(np.diff(curve) >= 0)
    assert curve[-1] == pytest.approx(runs.fraction("escaped"))


def test_the_learning_rate_decays_geometrically_from_lr_to_lr_end(well):
    lrs = run_sgd(well, 0.03, 1, 2000, num_runs=2, lr_end=0.001).lr_per_step
    assert lrs.shape == (2000,)
    assert lrs[0] == pytest.approx(0.03) and lrs[-1] == pytest.approx(0.001)
    ratios = lrs[1:] / lrs[:-1]
    np.testing.assert_allclose(ratios, ratios[0])
    constant = run_sgd(well, 0.01, 1, 5, num_runs=2).lr_per_step
    np.testing.assert_array_equal(constant, np.full(5, 0.01))
    rows = run_sgd(well, np.array([0.01, 0.02]), 1, 5, num_runs=2, lr_end=0.005).lr_per_step
    np.testing.assert_allclose(rows[:, [0, -1]], [[0.01, 0.005], [0.02, 0.005]])


def test_a_decaying_learning_rate_settles_where_a_constant_one_rattles(well):
    constant = run_sgd(well, 0.03, 1, 2000, num_runs=200, seed=4)
    decaying = run_sgd(well, 0.03, 1, 2000, num_runs=200, seed=4, lr_end=0.001)
    assert decaying.fraction("in_deep") > constant.fraction("in_deep")
    gap_decaying = np.mean(decaying.final_loss) - well.f_min
    gap_constant = np.mean(constant.final_loss) - well.f_min
    assert gap_decaying < 0.5 * gap_constant


@pytest.mark.parametrize(
    "kwargs, name",
    [({"batch_size": 0}, "batch_size"), ({"batch_size": N + 1}, "batch_size"),
     ({"lr": -0.1}, "lr"), ({"num_steps": 0}, "num_steps"), ({"num_runs": 0}, "num_runs"),
     ({"lr_end": 0.0}, "lr_end"), ({"x0": 5.0}, "x0")],
)
def test_bad_arguments_are_rejected_by_name(well, kwargs, name):
    args = {"lr": 0.01, "batch_size": 1, "num_steps": 10} | kwargs
    with pytest.raises(ValueError, match=name):
        run_sgd(well, **args)


# --- sweep ---------------------------------------------------------------------------------------

def test_sweep_at_equal_time_gives_each_learning_rate_time_over_lr_steps(well):
    table = sweep(well, [0.01, 0.05], [1, 4], time=2, num_runs=10)
    np.testing.assert_array_equal(table["num_steps"], [[200, 40], [200, 40]])
    assert table["escaped"].shape == (2, 2)
    np.testing.assert_allclose(table["noise_scale"][1], noise_scale(np.array([0.01, 0.05]), 4, N))


def test_sweep_takes_one_row_of_learning_rates_per_batch_size(well):
    table = sweep(well, [[0.01, 0.02], [0.04, 0.08]], [1, 4], num_steps=10, num_runs=5)
    np.testing.assert_array_equal(table["lr"], [[0.01, 0.02], [0.04, 0.08]])


def test_sweep_needs_exactly_one_of_num_steps_and_time(well):
    with pytest.raises(ValueError, match="exactly one"):
        sweep(well, [0.01], [1], num_runs=5)
    with pytest.raises(ValueError, match="exactly one"):
        sweep(well, [0.01], [1], num_steps=10, time=1.0, num_runs=5)


def test_the_formatted_tables_have_a_row_per_batch_size_or_learning_rate(well):
    table = sweep(well, [0.01, 0.02], [1, 2, 4], num_steps=20, num_runs=5)
    assert len(escape.format_table(table).splitlines()) == 1 + 3
    shallow = run_sgd(well, np.array([0.01, 0.1]), 1, 200, num_runs=20)
    deep = run_sgd(well, np.array([0.01, 0.1]), 1, 200, num_runs=20, x0=well.deep_min)
    assert len(escape.format_effects(shallow, deep, well).splitlines()) == 2 + 2


# --- the panel -----------------------------------------------------------------------------------

def _extremes(control):
    if hasattr(control, "options"):
        return [control.options[0], control.options[-1]]
    if control.__class__.__name__ == "FloatLogSlider":
        return [control.base**control.min, control.base**control.max]
    return [control.min, control.max]


@pytest.fixture(scope="module")
def panel():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return make_panel()


def _set(panel, **values):
    defaults = {"batch_size": 1, "lr": 0.01, "seed": 0, "num_steps": 500}
    for name, value in (defaults | values).items():
        panel.controls[name].value = value


def test_the_panel_has_the_four_controls_and_a_first_picture(panel):
    assert set(panel.controls) == {"batch_size", "lr", "seed", "num_steps"}
    assert panel.controls["batch_size"].options[-1] == N
    assert panel.image.value[:4] == b"\x89PNG"
    assert panel.message_text


@pytest.mark.parametrize("name", ["batch_size", "lr", "seed", "num_steps"])
@pytest.mark.parametrize("end", [0, 1], ids=["min", "max"])
def test_every_slider_extreme_gives_a_picture_and_a_plain_message(panel, name, end):
    value = _extremes(panel.controls[name])[end]
    _set(panel, **{name: value})
    state = panel.state
    assert state[name] == pytest.approx(value)  # the state belongs to the values just set
    assert panel.image.value[:4] == b"\x89PNG"
    assert "Traceback" not in panel.message_text and len(panel.message_text) > 20
    assert state["paths"].shape == (state["num_steps"] + 1, escape_panel.PANEL_PATHS)
    assert np.sum(state["counts"]) == pytest.approx(1 - state["diverged"])
    assert np.all(np.isfinite(state["loss"]))


def test_largest_lr_with_one_example_per_batch_reports_divergence(panel):
    _set(panel, lr=_extremes(panel.controls["lr"])[1], batch_size=1)
    assert panel.message_text.startswith("Diverged: at step")
    assert panel.state["diverged"] == 1.0
    assert "100% diverged" in panel.message_text
    assert "2/F''(shallow)" in panel.message_text
    assert "0% escaped" in panel.message_text  # diverged runs are not escapes


def test_the_divergence_marker_sits_at_the_divergence_step(panel):
    _set(panel, lr=_extremes(panel.controls["lr"])[1], batch_size=1)
    state = panel.state
    step = state["diverged_at"]
    marker = panel.artists["diverged_marker"]
    np.testing.assert_array_equal(marker.get_xdata(), [step])
    np.testing.assert_array_equal(marker.get_ydata(), [state["paths"][step - 1, 0]])


def test_every_slider_redraws_only_on_release(panel):
    """100 runs per frame (about 50 ms): the panel waits for the handle's release."""
    assert all(control.continuous_update is False for control in panel.controls.values())


def test_messages_use_the_singular_for_one(well):
    message = compute(batch_size=1, lr=0.001, num_steps=1, num_runs=1, well=well)["message"]
    assert "for all 1 step." in message and "Of 1 run:" in message


def test_the_full_batch_stays_in_the_shallow_basin(panel):
    _set(panel, batch_size=N, lr=0.2)
    assert panel.message_text.startswith("Stayed in the shallow basin: the full batch")
    assert panel.state["escaped"] == 0.0


def test_an_escape_is_reported_with_its_step(panel):
    _set(panel, batch_size=2, lr=0.03)
    step = panel.state["escaped_at"]
    assert panel.message_text.startswith(f"Escaped to the deep minimum at step {step} ")
    assert panel.state["crossings"] == 1


def test_strong_noise_is_reported_as_wandering(panel):
    _set(panel, batch_size=1, lr=0.05)
    assert panel.message_text.startswith("Noise too strong: the iterate wanders over both basins")
    assert panel.state["crossings"] >= 2


def test_little_noise_stays(panel):
    _set(panel, batch_size=1, lr=0.001)
    assert panel.message_text.startswith("Stayed in the shallow basin for all 500 steps.")


def test_compute_rejects_a_bad_value_by_name(well):
    with pytest.raises(ValueError, match="lr"):
        compute(batch_size=1, lr=-1.0, well=well)
    with pytest.raises(ValueError, match="batch_size"):
        compute(batch_size=N + 1, lr=0.01, well=well)


# --- the pieces behind the panel: measurement (lab) and drawing (figures) ------------------------

def test_the_histogram_of_final_positions_leaves_out_only_the_diverged_runs(well):
    runs = run_sgd(well, 0.1, 2, 300, num_runs=200, seed=1)
    counts = escape.final_histogram(runs, escape_panel.HIST_BINS)
    assert counts.shape == (len(escape_panel.HIST_BINS) - 1,)
    assert 0 < runs.fraction("diverged") < 1
    assert counts.sum() == pytest.approx(1 - runs.fraction("diverged"))


def test_the_message_comes_from_the_runs_alone(well):
    runs = run_sgd(well, 0.2, N, 100, num_runs=3)
    message, level = escape.describe_runs(runs, well)
    assert message.startswith("Stayed in the shallow basin: the full batch") and level == "info"


def test_the_panel_figure_draws_any_number_of_paths(well):
    from helpers.figures.escape import draw_runs, make_runs_figure

    fig, art = make_runs_figure(well, escape_panel.HIST_BINS, num_paths=3)
    state = compute(batch_size=1, lr=0.02, num_steps=50, num_runs=3, well=well)
    draw_runs(art, state)
    assert len(art["paths"]) == 3
    assert np.array_equal(art["paths"][2].get_ydata(), state["paths"][:, 2])
