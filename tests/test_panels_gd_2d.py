"""Notebook 02a's panel and measurements (the bowl, the condition number) and 02b's Rosenbrock."""

import math
import warnings

import numpy as np
import pytest
from ipywidgets import FloatLogSlider

from helpers import gd
from helpers.lab import gd_2d
from helpers.objectives import QuadraticBowl, Rosenbrock
from helpers.panels.gd_2d import compute, make_panel

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# Any warning (overflow, invalid value, ...) fails the test: a learner must never see one.
pytestmark = pytest.mark.filterwarnings("error")


@pytest.fixture(scope="module")
def panel():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return make_panel()


@pytest.fixture
def fresh(panel):
    """The shared panel, reset to its defaults (building a panel costs a render)."""
    panel.controls["landscape"].value = "bowl"
    panel.controls["kappa"].value = 10.0
    panel.controls["lr"].value = 0.15
    panel.controls["num_steps"].value = 50
    return panel


# ----- the panel's controls ---------------------------------------------------------------------


def test_panel_has_its_named_controls(fresh):
    assert list(fresh.controls) == ["landscape", "kappa", "lr", "num_steps"]
    assert list(fresh.controls["landscape"].options) == ["bowl", "Rosenbrock"]


def test_kappa_is_a_log_slider_from_1_to_100(fresh):
    slider = fresh.controls["kappa"]
    assert isinstance(slider, FloatLogSlider)
    assert slider.base**slider.min == pytest.approx(1.0)
    assert slider.base**slider.max == pytest.approx(100.0)


def test_lr_is_a_log_slider_labelled_learning_rate(fresh):
    slider = fresh.controls["lr"]
    assert isinstance(slider, FloatLogSlider)
    assert slider.description == "learning rate"


def test_default_is_a_stable_zig_zag(fresh):
    state = fresh.state
    assert bytes(fresh.image.value).startswith(PNG_SIGNATURE)
    assert state["eigenvalues"] == (1.0, 10.0)
    assert state["max_stable_lr"] == pytest.approx(0.2)
    assert state["best_lr"] == pytest.approx(2 / 11)
    steep = state["xs"][:10, 1]
    assert np.all(np.sign(steep[1:]) == -np.sign(steep[:-1]))  # across the valley, every step
    assert "stable" in fresh.message_text and "zig-zag" in fresh.message_text


# ----- moving the sliders -----------------------------------------------------------------------


def test_lr_just_above_the_limit_diverges_and_names_the_limit(fresh):
    fresh.controls["lr"].value = 0.21
    assert fresh.state["status"] in ("diverging", "diverged")
    assert "> 2/λ_max = 0.2" in fresh.message_text
    assert "diverg" in fresh.message_text


def test_largest_lr_diverges_and_stops_the_run(fresh):
    fresh.controls["lr"].value = 3.0
    assert fresh.state["status"] == "diverged"
    assert fresh.state["diverged_at"] == len(fresh.state["xs"])
    assert "diverged after" in fresh.message_text


def test_smallest_lr_crawls(fresh):
    fresh.controls["lr"].value = 1e-4
    fresh.controls["num_steps"].value = 2000
    assert fresh.state["status"] == "converging"
    assert len(fresh.state["xs"]) == 2001


@pytest.mark.parametrize("kappa", [1.0, 100.0])
def test_kappa_extremes(fresh, kappa):
    fresh.controls["kappa"].value = kappa
    assert fresh.state["eigenvalues"] == (1.0, kappa)
    assert fresh.state["max_stable_lr"] == pytest.approx(2 / kappa)


def test_round_bowl_at_its_best_lr_lands_in_one_step(fresh):
    fresh.controls["kappa"].value = 1.0
    fresh.controls["lr"].value = 1.0
    assert fresh.state["converged_at"] == 1
    assert "after 1 step." in fresh.message_text


@pytest.mark.parametrize("num_steps", [10, 2000])
def test_steps_slider_extremes(fresh, num_steps):
    fresh.controls["num_steps"].value = num_steps
    assert len(fresh.state["xs"]) == num_steps + 1


def test_choosing_rosenbrock_greys_out_kappa_and_sets_its_lr(fresh):
    fresh.controls["landscape"].value = "Rosenbrock"
    assert fresh.controls["kappa"].disabled
    assert fresh.controls["lr"].value == pytest.approx(0.001)
    assert fresh.state["landscape"] == "Rosenbrock"
    assert fresh.state["lr"] == pytest.approx(0.001)
    assert "Crawling" in fresh.message_text
    fresh.controls["landscape"].value = "bowl"
    assert not fresh.controls["kappa"].disabled


def test_rosenbrock_with_too_large_an_lr_bounces_in_the_valley(fresh):
    fresh.controls["landscape"].value = "Rosenbrock"
    fresh.controls["lr"].value = 0.004
    assert "too large to settle at the minimum" in fresh.message_text
    assert fresh.state["limit_settled"] == pytest.approx(0.004, rel=0.1)


@pytest.mark.parametrize("lr", [1e-4, 3.0])
def test_rosenbrock_lr_extremes_give_a_message_not_a_traceback(fresh, lr):
    fresh.controls["landscape"].value = "Rosenbrock"
    fresh.controls["lr"].value = lr
    assert fresh.state["lr"] == lr
    assert fresh.message_text.startswith("Rosenbrock, lr =")


# ----- the mathematics ---------------------------------------------------------------------------


@pytest.mark.parametrize(("kappa", "lr"), [(10.0, 0.15), (10.0, 0.19), (50.0, 0.03), (3.0, 0.5)])
def test_measured_loss_follows_the_eigen_direction_theory(kappa, lr):
    state = compute("bowl", kappa, lr, 100)
    np.testing.assert_allclose(state["gaps"], state["theory_gaps"][: len(state["gaps"])],
                               rtol=1e-9, atol=1e-300)


def test_the_edge_of_stability_neither_shrinks_nor_grows_the_steep_direction():
    state = compute("bowl", 10.0, 0.2, 50)
    assert state["on_edge"]
    np.testing.assert_allclose(np.abs(state["xs"][:, 1]), 0.9, rtol=1e-12)


@pytest.mark.parametrize("kappa", [2.0, 10.0, 50.0])
def test_measured_largest_stable_lr_is_2_over_lam_max(kappa):
    from helpers.gd import measure_max_stable_lr

    bowl = QuadraticBowl(kappa)
    measured = measure_max_stable_lr(bowl, gd_2d.BOWL_X0, lo=0.01 / kappa, hi=4.0 / kappa)
    assert measured == pytest.approx(bowl.max_stable_lr(), rel=1e-6)


@pytest.mark.parametrize(("kappa", "angle"), [(10.0, 0.0), (30.0, 25.0)])
def test_fewest_worst_case_steps_are_at_the_best_lr(kappa, angle):
    bowl = QuadraticBowl(kappa, angle_deg=angle)
    lrs = np.sort(np.append(np.linspace(0.5, 1.0, 301) * bowl.max_stable_lr(), bowl.best_lr()))
    steps = gd_2d.worst_case_steps(bowl, lrs, max_steps=5000)  # lr = 2/λ_max never gets there
    assert steps[lrs == bowl.best_lr()][0] == steps.min()
    best = lrs[steps == steps.min()]
    assert np.all(np.abs(best - bowl.best_lr()) < 0.01 * bowl.best_lr())
    predicted = [gd_2d.predicted_steps(bowl.eigenvalues, lr) for lr in lrs]
    assert all(s == p or abs(s - p) <= 1 for s, p in zip(steps, predicted))
    assert steps[-1] == math.inf  # lr = 2/λ_max: the steep direction never shrinks


def test_worst_case_steps_bound_the_steps_from_any_start():
    bowl = QuadraticBowl(10.0)
    lrs = np.array([0.05, 0.15, 0.18, 0.19])
    worst = gd_2d.worst_case_steps(bowl, lrs)
    for angle in np.linspace(0, np.pi, 7):
        start = np.array([np.cos(angle), np.sin(angle)])
        assert np.all(gd.steps_to_tolerance(bowl, start, lrs) <= worst)


def test_steps_grow_like_kappa_and_stay_under_the_bound():
    kappas = np.array([1.0, 3.0, 10.0, 30.0, 100.0, 300.0])
    steps, lrs = gd_2d.steps_vs_kappa(kappas, tol=1e-6)
    assert np.all(np.diff(steps) > 0)
    bound = (kappas + 1) / 2 * math.log(1e6)
    assert np.all(steps <= np.ceil(bound))
    predicted = [gd_2d.predicted_steps((1.0, k), lr, 1e-6) for k, lr in zip(kappas, lrs)]
    assert np.all(np.abs(steps - predicted) <= 1)


def test_lr_one_over_lam_max_needs_about_twice_the_steps_of_the_best_lr():
    kappas = np.array([30.0, 100.0])
    best, _ = gd_2d.steps_vs_kappa(kappas)
    naive, _ = gd_2d.steps_vs_kappa(kappas, rule="1/lam_max")
    assert np.all((naive / best > 1.8) & (naive / best < 2.2))


def test_rosenbrock_hessian_matches_differences_of_its_gradient():
    rosen = Rosenbrock()
    for point in [(-1.2, 1.0), (1.0, 1.0), (0.3, -0.5)]:
        x, eps = np.array(point), 1e-6
        numeric = np.stack([(rosen.grad(x + eps * e) - rosen.grad(x - eps * e)) / (2 * eps)
                            for e in np.eye(2)], axis=1)
        np.testing.assert_allclose(gd_2d.hessian(rosen, x), numeric, rtol=1e-6, atol=1e-4)


def test_rosenbrock_local_limit_depends_on_the_place():
    rosen = Rosenbrock()
    assert gd_2d.max_stable_lr_at(rosen, (0.0, 0.0)) == pytest.approx(0.01)
    assert gd_2d.max_stable_lr_at(rosen, (1.0, 1.0)) == pytest.approx(0.0019968, rel=1e-4)
    limits = gd_2d.valley_floor_limits(np.array([-1.0, 0.0, 1.0]))
    assert limits[1] > 4 * limits[0] and limits[0] == pytest.approx(limits[2])


@pytest.mark.parametrize("lr", [0.003, 0.005])
def test_rosenbrock_gd_stalls_where_the_local_limit_equals_lr(lr):
    stall = gd_2d.rosenbrock_stall(lr, num_steps=3000)
    assert stall["status"] != "diverged"
    assert stall["limit_there"] == pytest.approx(lr, rel=0.02)


def test_gradient_cost_rows_have_the_timings():
    rows = gd_2d.gradient_cost(ns=(100, 200), ds=(5, 20), repeats=1, max_work=2000, fd_n=100)
    assert [(r["n"], r["d"]) for r in rows] == [(100, 5), (100, 20), (200, 5)]
    assert rows[0]["fd_seconds"] > 0 and rows[2]["fd_seconds"] is None
    assert all(r["f_seconds"] > 0 and r["grad_seconds"] > 0 for r in rows)


# ----- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"landscape": "valley"}, "landscape"), ({"kappa": 0.5}, "kappa"), ({"kappa": -1.0}, "kappa"),
     ({"lr": 0.0}, "lr"), ({"num_steps": 0}, "num_steps")],
)
def test_bad_input_raises_value_error_naming_the_argument(kwargs, name):
    args = {"landscape": "bowl", "kappa": 10.0, "lr": 0.1, "num_steps": 20} | kwargs
    with pytest.raises(ValueError, match=rf"^{name} must"):
        compute(**args)
