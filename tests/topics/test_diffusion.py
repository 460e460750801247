"""Deep dive D3, noise, escape and diffusion: helpers.topics.diffusion, its panel, the claims behind
D3's estimates, and the exercises fraction_in_deep_basin and lr_for_mean_wait."""

import math

import numpy as np
import pytest
from support import assert_blit_matches_full_redraw, load_solution

from helpers import exercises
from helpers.batches import random_batches
from helpers.objectives import DoubleWell
from helpers.topics import diffusion

pytestmark = pytest.mark.filterwarnings("error", "ignore::DeprecationWarning")
SOLUTION = load_solution("diffusion")
N, SIGMA2 = 64, 64.0


@pytest.fixture(scope="module")
def well():
    return diffusion.make_well()


# ---- the runs --------------------------------------------------------------------------------

def test_the_well_has_its_deep_minimum_left_and_slopes_of_spread_8(well):
    assert well.deep_min < well.barrier < well.shallow_min
    assert np.mean(well.c**2) == pytest.approx(SIGMA2)


def test_the_noise_scale_is_lr_for_one_example_and_zero_for_the_full_batch():
    assert diffusion.noise_scale(0.1, 1, N) == pytest.approx(0.1)
    assert diffusion.noise_scale(0.1, N, N) == 0
    assert diffusion.temperature(0.2, 32, N, SIGMA2) == pytest.approx(SIGMA2 * 0.2 / 32 * 32 / 63)


@pytest.mark.parametrize("batch_size", [1, 4])
def test_run_escapes_takes_the_steps_of_the_loop_written_out(well, batch_size):
    rng, x, paths = np.random.default_rng(5), np.full(3, well.shallow_min), []
    for _ in range(200):
        x = x - 0.02 * well.batch_grad(x, random_batches(N, batch_size, 3, rng))
        paths.append(x)
    runs = diffusion.run_escapes(well, 0.02, batch_size, 200, num_runs=3, seed=5, record=3)
    np.testing.assert_allclose(runs.paths[1:], paths, atol=1e-12)


def test_learning_rates_given_together_see_the_same_batches(well):
    together = diffusion.run_escapes(well, np.array([0.005, 0.02]), 2, 300, num_runs=50, seed=1)
    alone = diffusion.run_escapes(well, 0.02, 2, 300, num_runs=50, seed=1)
    np.testing.assert_array_equal(together.escaped_at[1], alone.escaped_at)
    np.testing.assert_allclose(together.x_final[1], alone.x_final)


def test_full_batch_gd_never_leaves_the_shallow_minimum(well):
    runs = diffusion.run_escapes(well, 0.1, N, 1000, num_runs=5)
    np.testing.assert_allclose(runs.x_final, well.shallow_min, atol=1e-9)
    assert runs.share("escaped") == 0


def test_a_diverged_run_is_stopped_nan_and_counted_in_no_basin(well):
    runs = diffusion.run_escapes(well, 0.3, 1, 100, num_runs=20, record=20)
    assert runs.share("diverged") == 1 and np.all(np.isnan(runs.x_final))
    assert runs.share("escaped") == runs.share("in_deep") == 0
    assert np.all(np.isnan(runs.paths[-1]))


def test_escaped_by_counts_runs_at_or_before_each_step():
    runs = diffusion.EscapeRuns(np.zeros(4), np.array([0, 2, -1, 2]), np.array([-1, -1, -1, 1]),
                                np.zeros(4, bool), None)
    np.testing.assert_allclose(runs.escaped_by(3), [0.25, 0.25, 0.5, 0.5])  # run 4 diverged


def test_gibbs_share_is_one_when_cold_and_a_half_for_a_level_well(well):
    assert diffusion.gibbs_share_deep(well, 0.05) > 0.999
    assert diffusion.gibbs_share_deep(DoubleWell(8, tilt=0.0), 1.0) == pytest.approx(0.5, abs=1e-3)
    assert diffusion.gibbs_share_deep(DoubleWell(8, tilt=-0.3), 0.05) > 0.999  # deep side right


def test_kramers_time_is_its_formula_and_infinite_when_it_overflows(well):
    a, b = well.shallow_min, well.barrier
    height = float(well.f(b) - well.f(a))
    prefactor = 2 * math.pi / math.sqrt((12 * a * a - 4) * abs(12 * b * b - 4))
    expected = prefactor * math.exp(2 * height)
    assert diffusion.kramers_escape_time(well, 1.0) == pytest.approx(expected)
    assert diffusion.kramers_escape_time(well, 1e-4) == math.inf


# ---- the claims behind D3's estimates ------------------------------------------------------

@pytest.mark.slow
def test_at_equal_time_the_noise_scale_decides_the_share_escaped(well):
    # D3 §3: B = 1, 2, 4, 8 within about 0.1 at every noise scale (3 seeds of 300 runs); the
    # prediction's answer "about as often" for B = 4 against B = 1 needs a gap below 0.15
    scales = np.geomspace(0.003, 0.016, 6)
    shares = diffusion.shares_at_equal_time(well, scales, [1, 2, 4, 8]).mean(axis=0)
    assert np.all(shares.max(axis=0) - shares.min(axis=0) < 0.13), shares
    assert np.abs(shares[2] - shares[0]).max() < 0.08
    assert shares[0, 0] < 0.03 and shares[0, -1] > 0.8


@pytest.mark.slow
def test_kramers_predicts_the_share_escaped_by_step_1000_and_the_wait_grows_more_than_7_fold(well):
    lrs = np.array([0.006, 0.008, 0.012])
    escaped = np.array([diffusion.run_escapes(well, lrs, 1, 3000, seed=s).escaped_by(3000)
                        for s in (0, 1, 2)])
    for j, lr in enumerate(lrs):
        wait = diffusion.kramers_escape_time(well, diffusion.temperature(lr, 1, N, SIGMA2)) / lr
        measured = np.median(escaped[:, j, 1000])
        assert 0 < 1 - np.exp(-1000 / wait) - measured < 0.06  # a little above the runs
    assert 0.7 < np.median(escaped[:, 2, 1000]) < 0.85  # lr 0.012: "about three quarters"
    waits = -3000 / np.log(1 - np.median(escaped[:, [0, 2], -1], axis=0))
    assert waits[0] / waits[1] > 10


def test_the_deep_shares_sit_on_the_gibbs_curve_once_the_start_is_forgotten(well):
    lrs = np.geomspace(0.001, 0.1, 11)[6:10]  # T from about 1 to 4
    T = diffusion.temperature(lrs, 1, N, SIGMA2)
    gibbs = np.array([diffusion.gibbs_share_deep(well, t) for t in T])
    for runs in (diffusion.run_escapes(well, lrs, 1, 1000, seed=1),
                 diffusion.run_escapes(well, lrs, 1, 1000, seed=2, x0=well.deep_min)):
        assert np.all(np.abs(runs.share("in_deep") - gibbs) < 0.09)
    assert diffusion.run_escapes(well, 0.1, 1, 1000, seed=1).share("diverged") == 1  # T = 6.4


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_settled_excess_loss_near_a_minimum_is_t_over_4_the_noise_ball(well, seed):
    T = diffusion.temperature(0.002, 1, N, SIGMA2)
    runs = diffusion.run_escapes(well, 0.002, 1, 2000, seed=seed, x0=well.deep_min, record=300)
    settled = np.mean(well.f(runs.paths[1000:]) - well.f(well.deep_min))
    assert settled == pytest.approx(T / 4, rel=0.1)


# ---- the panel -------------------------------------------------------------------------------

@pytest.mark.parametrize("values, words", [
    ({"batch_size": 64}, "the full batch is plain GD"),
    ({"batch_size": 1, "lr": 0.3}, "diverged at step"),
    ({"lr": 0.001}, "stayed in the shallow basin for 500 steps"),
    ({"num_steps": 50}, "for 50 steps"),
    ({"num_steps": 1000, "lr": 0.05, "batch_size": 4}, "escaped at step"),
    ({"seed": 20, "batch_size": 32}, "Of 100 runs: 0% escaped"),
])
def test_the_panel_at_the_ends_of_its_sliders_says_what_happened(values, words):
    panel = diffusion.escape_panel()
    assert all(not c.continuous_update for c in panel.controls.values())  # redrawn on release
    with panel.hold_refresh():
        for name, value in values.items():
            panel.controls[name].value = value
    assert words in panel.message_text


@pytest.mark.slow
def test_a_blitted_frame_equals_a_full_redraw_over_a_drag_of_each_slider():
    panel = diffusion.escape_panel()
    assert_blit_matches_full_redraw(panel, [
        {"batch_size": 2}, {"batch_size": 64}, {"batch_size": 1}, {"lr": 0.3}, {"lr": 0.001},
        {"seed": 20}, {"num_steps": 50}, {"num_steps": 1000}, {"num_steps": 500}])


# ---- exercises -------------------------------------------------------------------------------

def _deep(x, well):
    return (x < well.barrier) if well.deep_min < well.barrier else (x > well.barrier)


BASIN_BUGS = {
    "count": lambda x, well: np.sum(_deep(x, well)),
    "assume_left": lambda x, well: np.mean(x < well.barrier),
    "shallow": lambda x, well: np.mean(_deep(-x + 2 * well.barrier, well)),
    "nan_deep": lambda x, well: 1 - np.mean(_deep(-x + 2 * well.barrier, well)),
    "drop_nan": lambda x, well: np.mean(_deep(x[~np.isnan(x)], well)) if (~np.isnan(x)).any()
    else 0.0,
    "split_at_0": lambda x, well: np.mean(x < 0) if well.deep_min < 0 else np.mean(x > 0),
    "at_barrier": lambda x, well: np.mean(x <= well.barrier) if well.deep_min < well.barrier
    else np.mean(x >= well.barrier),
}


def _bisect(well, wait_steps, b, s2, *, steps=lambda tau, lr: tau / lr, temp=None, halvings=60):
    temp = temp or diffusion.temperature
    wait = lambda lr: steps(diffusion.kramers_escape_time(well, temp(lr, b, well.n_examples, s2)),  # noqa: E731
                            lr)
    if not wait(1.0) <= wait_steps <= wait(0.001):
        return None
    low, high = 0.001, 1.0
    for _ in range(halvings):
        mid = math.sqrt(low * high)
        low, high = (mid, high) if wait(mid) > wait_steps else (low, mid)
    return math.sqrt(low * high)


WAIT_BUGS = {
    "time_not_steps": lambda *a: _bisect(*a, steps=lambda tau, lr: tau),
    "times_lr": lambda *a: _bisect(*a, steps=lambda tau, lr: tau * lr),
    "no_batch": lambda *a: _bisect(*a, temp=lambda lr, b, n, s2: lr * s2),
    "with_replacement": lambda *a: _bisect(*a, temp=lambda lr, b, n, s2: lr * s2 / b),
}


@pytest.mark.parametrize("name, bugs", [("fraction_in_deep_basin", BASIN_BUGS),
                                        ("lr_for_mean_wait", WAIT_BUGS)])
def test_each_plausible_mistake_gets_the_hint_that_names_it(name, bugs):
    assert set(bugs) == set(exercises.mistakes(name))
    for key, bug in bugs.items():
        for _ in range(3):
            ok, feedback = exercises.run_check(name, bug)
            assert not ok and feedback == exercises.mistakes(name)[key], (key, feedback)


@pytest.mark.parametrize("name", ["fraction_in_deep_basin", "lr_for_mean_wait"])
def test_the_solution_passes_and_the_stub_gets_the_stub_hint(name):
    for _ in range(5):
        assert exercises.run_check(name, getattr(SOLUTION, name))[0]

    def stub(*args):
        raise NotImplementedError

    assert exercises.run_check(name, stub) == (False, exercises.STUB_HINT)


def test_lr_for_mean_wait_asks_for_the_precision_it_states():
    assert exercises.run_check("lr_for_mean_wait", _bisect)[0]  # 60 halvings: far below 1e-6
    ok, feedback = exercises.run_check("lr_for_mean_wait", lambda *a: _bisect(*a, halvings=12))
    assert not ok and "relative precision 1e-06" in feedback
    nearly = lambda *a: None if (lr := _bisect(*a)) is None else lr * (1 + 3e-7)  # noqa: E731
    assert exercises.run_check("lr_for_mean_wait", nearly)[0]


def test_lr_for_mean_wait_returns_none_out_of_range_and_says_so_otherwise(well):
    assert SOLUTION.lr_for_mean_wait(well, 1, 1, SIGMA2) is None  # shorter than at lr = 1
    assert SOLUTION.lr_for_mean_wait(well, 10**15, 1, SIGMA2) is None  # longer than at 0.001
    clipped = lambda well, w, b, s2: _bisect(well, w, b, s2) or 1.0  # noqa: E731
    ok, feedback = exercises.run_check("lr_for_mean_wait", clipped)
    assert not ok and "return None when no lr from 0.001 to 1 gives the wait" in feedback


def test_lr_for_mean_wait_gives_the_wait_asked_for(well):
    lr = SOLUTION.lr_for_mean_wait(well, 2000, 1, SIGMA2)
    wait = diffusion.kramers_escape_time(well, diffusion.temperature(lr, 1, N, SIGMA2)) / lr
    assert wait == pytest.approx(2000, rel=1e-5)


def test_fraction_in_deep_basin_counts_a_diverged_run_as_a_run_outside_the_deep_basin(well):
    x = np.array([-1.0, np.nan, 1.0, well.barrier])
    assert SOLUTION.fraction_in_deep_basin(x, well) == 0.25
