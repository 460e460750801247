"""Notebook 02's topic: GD on the quadratic bowl, its edge 2/λ_max, the best fixed step, steps ∝ κ,
the bowl panel and the exercise."""

import math

import numpy as np
import pytest
from support import assert_blit_matches_full_redraw, load_solution

from helpers import exercises
from helpers.gd import run_gd
from helpers.objectives import QuadraticBowl
from helpers.topics import valleys
from helpers.topics.valleys import BOWL_X0

pytestmark = pytest.mark.filterwarnings("error", "ignore::DeprecationWarning")


@pytest.fixture
def panel():
    return valleys.bowl_panel()


# ---- the measurements ----------------------------------------------------------------------------

def test_each_eigen_direction_shrinks_by_one_minus_lr_times_its_eigenvalue():
    xs = run_gd(QuadraticBowl(kappa=10), BOWL_X0, 0.19, 30).xs
    ratios = xs[1:] / xs[:-1]
    np.testing.assert_allclose(ratios[:, 0], 1 - 0.19 * 1, rtol=1e-12)
    np.testing.assert_allclose(ratios[:, 1], 1 - 0.19 * 10, rtol=1e-12)


@pytest.mark.parametrize("kappa", [1.0, 10.0, 100.0])
def test_the_measured_largest_stable_lr_is_two_over_lam_max(kappa):
    bowl = QuadraticBowl(kappa=kappa)
    measured = valleys.largest_stable_lr(bowl, BOWL_X0, 0.01 / kappa, 4.0 / kappa)
    assert measured == pytest.approx(2 / kappa, rel=1e-6)


def test_the_largest_stable_lr_of_a_turned_bowl_is_set_by_its_eigenvalues_not_its_diagonal():
    bowl = QuadraticBowl(kappa=10, angle_deg=30)
    assert valleys.largest_stable_lr(bowl, BOWL_X0, 0.01, 1.0) == pytest.approx(0.2, rel=1e-6)
    assert 2 / np.max(np.diag(bowl.A)) > 0.2 * 1.1  # the diagonal would promise more


def test_worst_case_steps_equal_the_formula_and_are_fewest_at_the_best_lr():
    bowl = QuadraticBowl(kappa=10)
    lrs = np.sort(np.append(np.linspace(0.02, 0.2, 61), bowl.best_lr()))
    worst = valleys.worst_case_steps(bowl, lrs, max_steps=3000)
    np.testing.assert_array_equal(worst, valleys.predicted_steps(bowl.eigenvalues, lrs))
    assert worst[lrs == bowl.best_lr()][0] == worst.min() == 69
    assert math.isinf(worst[-1])  # lr = 0.2 = 2/λ_max: the steep direction never shrinks


def test_at_the_best_lr_the_steps_grow_in_proportion_to_kappa():
    kappas = np.array([10.0, 100.0, 1000.0])
    steps, lrs = valleys.steps_vs_kappa(kappas, rule="best")
    np.testing.assert_allclose(lrs, 2 / (1 + kappas))
    assert steps.tolist() == [69, 691, 6908]
    assert np.all(steps <= (kappas + 1) / 2 * np.log(1e6))
    naive, _ = valleys.steps_vs_kappa(kappas, rule="1/lam_max")
    assert np.all((naive / steps > 1.8) & (naive / steps < 2.1))


def test_the_panel_state_follows_the_theory_of_the_loss_gap():
    state = valleys.run_on_bowl(10.0, 0.15, 50)
    np.testing.assert_allclose(state["gaps"], state["theory_gaps"], rtol=1e-9, atol=1e-300)


# ---- the panel -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("values", "words", "level"), [
    ({"lr": 1e-3}, "stable", "warn"),
    ({"lr": 3.0}, "diverged after 1 step", "error"),
    ({"lr": 0.21}, "diverged after 14 steps", "error"),
    ({"lr": 0.18}, "the zig-zag", "warn"),
    ({"kappa": 1.0}, "< 2/λ_max = 2: stable", "warn"),
    ({"kappa": 100.0}, "> 2/λ_max = 0.02", "error"),
    ({"num_steps": 10}, "After 10 steps", "warn"),
    ({"num_steps": 1000}, "Converged (f − f* ≤ 1e-10) after", "ok"),
])
def test_every_slider_at_its_extremes_gives_a_plain_message(panel, values, words, level):
    for name, value in values.items():
        panel.controls[name].value = value
    assert words in panel.message_text
    assert panel.state["level"] == level


def test_a_round_bowl_at_lr_one_lands_in_one_step(panel):
    panel.controls["kappa"].value = 1.0
    panel.controls["lr"].value = 1.0
    assert "Converged (f − f* ≤ 1e-10) after 1 step." in panel.message_text


def test_on_the_edge_the_steep_direction_flips_for_ever():
    state = valleys._compute(10.0, 0.2, 50)
    assert "the edge of stability" in state["message"]


@pytest.mark.slow
def test_a_blitted_frame_equals_a_full_redraw_over_drags_of_every_slider(panel):
    assert_blit_matches_full_redraw(panel, [
        dict(lr=0.16), dict(lr=0.17), dict(lr=0.21), dict(lr=3.0), dict(lr=1e-3), dict(lr=0.15),
        dict(kappa=1.0), dict(kappa=30.0), dict(kappa=100.0), dict(kappa=10.0),
        dict(num_steps=10), dict(num_steps=1000), dict(num_steps=50), dict(num_steps=20)])


@pytest.mark.parametrize(("kwargs", "name"), [({"kappa": 0.5}, "kappa"), ({"lr": -1.0}, "lr"),
                                              ({"num_steps": 7}, "num_steps")])
def test_the_panel_factory_names_a_bad_argument(kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name} must"):
        valleys.bowl_panel(**kwargs)


# ---- the exercise: max_stable_lr ----------------------------------------------------------------

def _eig_max(A):
    return np.linalg.eigvalsh(A)[-1]


BUGGY = {
    "diagonal": lambda A: 2 / np.max(np.diag(A)),
    "shallow": lambda A: 2 / np.linalg.eigvalsh(A)[0],
    "half": lambda A: 1 / _eig_max(A),
    "best_lr": lambda A: 2 / (np.linalg.eigvalsh(A)[0] + _eig_max(A)),
}


def test_the_solution_passes_on_many_calls():
    solution = load_solution("valleys").max_stable_lr
    for _ in range(20):
        ok, feedback = exercises.run_check("max_stable_lr", solution)
        assert ok, feedback


def test_every_diagnosed_mistake_has_a_buggy_learner_here():
    assert set(BUGGY) == set(exercises.mistakes("max_stable_lr"))


@pytest.mark.parametrize("mistake", sorted(BUGGY))
def test_a_buggy_learner_gets_the_hint_that_names_its_mistake(mistake):
    for _ in range(5):
        ok, feedback = exercises.run_check("max_stable_lr", BUGGY[mistake])
        assert not ok
        assert feedback == exercises.mistakes("max_stable_lr")[mistake]


def test_on_the_turned_bowl_gd_converges_just_below_the_limit_and_grows_just_above():
    bowl = QuadraticBowl(kappa=10, angle_deg=30)
    limit = load_solution("valleys").max_stable_lr(bowl.A)
    below = run_gd(bowl, BOWL_X0, 0.99 * limit, 400).xs[-1]
    above = run_gd(bowl, BOWL_X0, 1.01 * limit, 400).xs[-1]
    assert np.linalg.norm(below) < 1e-3 * np.linalg.norm(BOWL_X0)
    assert np.linalg.norm(above) > np.linalg.norm(BOWL_X0)
