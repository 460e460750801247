"""Notebook 07's topic: the heavy ball and Adam as loops, diagonal preconditioning, the fair race,
the optimizer panel and the exercises, checked the way a learner meets them."""

import math
from types import SimpleNamespace

import numpy as np
import pytest
from support import assert_blit_matches_full_redraw, load_solution

from helpers import exercises
from helpers.gd import minimize
from helpers.objectives import QuadraticBowl
from helpers.optim import SGD
from helpers.topics import optimizers as opt

# a learner never sees an overflow warning (a library's deprecation warning never shows)
pytestmark = pytest.mark.filterwarnings("error", "ignore::DeprecationWarning")

SOLUTION = load_solution("optimizers")


# ---- the measurements ------------------------------------------------------------------------

def test_minimize_takes_the_steps_of_the_heavy_ball_loop():
    bowl, x, buf = QuadraticBowl(kappa=25), np.array([-1.8, 1.2]), np.zeros(2)
    path = [x]
    for _ in range(100):
        buf = 0.7 * buf + bowl.grad(x)
        x = x - 0.03 * buf
        path.append(x)
    traj = minimize(bowl, (-1.8, 1.2), "momentum", lr=0.03, num_steps=100, momentum=0.7)
    assert np.array_equal(traj.xs, np.array(path))


def test_keras_velocity_form_takes_the_buffer_forms_steps_at_a_constant_lr():
    bowl = QuadraticBowl(kappa=25)
    x, v = np.array([-1.8, 1.2]), np.zeros(2)
    p, g = x.copy(), np.zeros(2)
    sgd = SGD([(p, g)], lr=0.01, momentum=0.9)
    for _ in range(100):
        v = 0.9 * v - 0.01 * bowl.grad(x)
        x = x + v
        g[...] = bowl.grad(p)
        sgd.step()
        assert np.abs(x - p).max() < 1e-12


def test_the_turned_bowl_is_the_bowl_in_other_coordinates():
    """Same curvatures, start turned with it: the same loss at the start, GD takes as many steps."""
    flat, turned = opt.make_objective("bowl"), opt.make_objective("turned bowl")
    start = {land: np.array(opt.X0[land]) for land in ("bowl", "turned bowl")}
    assert turned.f(start["turned bowl"]) == pytest.approx(flat.f(start["bowl"]))
    lr = flat.best_lr()
    assert (opt.run("bowl", "gd", lr, num_steps=1000).converged_at
            == opt.run("turned bowl", "gd", lr, num_steps=1000).converged_at == 134)


@pytest.mark.parametrize("optimizer", ["rmsprop", "adam"])
def test_per_coordinate_scaling_rounds_only_the_axes_aligned_bowl(optimizer):
    assert opt.preconditioned_kappa("bowl", optimizer, 0.03, 50) < 2.5
    assert 24 < opt.preconditioned_kappa("turned bowl", optimizer, 0.03, 50) < 27


def test_preconditioned_kappa_of_a_scalar_divisor_is_the_bowls_kappa():
    """From a start on the turned bowl's steep direction the gradient is (g, −g): after Adam's
    first step √v̂ is |g| in both coordinates, and dividing by one number leaves κ = 25."""
    start = (1.0, -1.0)
    assert np.allclose(np.abs(QuadraticBowl(kappa=25, angle_deg=45).grad(np.array(start))), 25)
    saved, opt.X0["turned bowl"] = opt.X0["turned bowl"], start
    try:
        assert opt.preconditioned_kappa("turned bowl", "adam", 0.01, 1) == pytest.approx(25.0)
    finally:
        opt.X0["turned bowl"] = saved


def test_the_turned_bowl_costs_rmsprop_and_adam_over_1_5_times_the_steps_but_not_gd():
    settings = {"gd": QuadraticBowl(kappa=25).best_lr(), "rmsprop": 0.03, "adam": 0.03}
    steps = {(land, n): opt.run(land, n, lr, num_steps=1000).converged_at
             for land in ("bowl", "turned bowl") for n, lr in settings.items()}
    assert steps["bowl", "gd"] == steps["turned bowl", "gd"]
    for name in ("rmsprop", "adam"):
        assert steps["turned bowl", name] > 3 * steps["bowl", name]


def test_at_lr_0_1_the_turn_costs_adam_only_about_a_fifth():
    """07 §2's aside: with a larger lr Adam's own momentum, not the curvature, sets its pace."""
    flat, turned = (opt.run(land, "adam", 0.1, num_steps=1000).converged_at
                    for land in ("bowl", "turned bowl"))
    assert 1.1 < turned / flat < 1.3


def test_beta_0_7_ends_far_closest_at_lr_0_03():
    """07 §1's prediction: its answer holds by orders of magnitude, not by a last digit."""
    ends = {b: opt.run("bowl", "momentum", 0.03, b, num_steps=100).losses[-1]
            for b in (0.0, 0.5, 0.7, 0.9, 0.99)}
    assert all(ends[0.7] < 1e-6 * end for b, end in ends.items() if b != 0.7)


def _traj(losses, diverged_at=None):
    losses = np.asarray(losses, dtype=float)
    return SimpleNamespace(losses=losses, num_steps=len(losses) - 1, diverged_at=diverged_at)


def test_score_is_the_step_from_which_the_loss_stays_within_tol():
    assert opt.score(_traj([5, 1e-9, 1e-7, 1e-9, 1e-10]), tol=1e-8) == (3, 1e-10)
    assert opt.score(_traj([1e-9, 1e-10]), tol=1e-8) == (0, 1e-10)
    assert opt.score(_traj([5, 1e-9, 1e-7]), tol=1e-8) == (math.inf, 1e-7)  # thrown out again
    assert opt.score(_traj([5, 50], diverged_at=2)) == (math.inf, math.inf)


def _race(**scores):
    return {name: {"score": score} for name, score in scores.items()}


def test_ranking_needs_a_win_on_both_grids_by_more_than_ten_percent():
    a = _race(fast=(10, 0), slow=(100, 0), near=(105, 0), stuck=(math.inf, 0.1),
              worse=(math.inf, 0.5))
    b = _race(fast=(12, 0), slow=(100, 0), near=(108, 0), stuck=(math.inf, 0.2),
              worse=(math.inf, 0.6))
    assert opt.ranking(a, b) == [["fast"], ["slow", "near"], ["stuck"], ["worse"]]
    flip = _race(fast=(10, 0), slow=(30, 0), near=(105, 0), stuck=(math.inf, 0.1),
                 worse=(math.inf, 0.5))  # slow wins on one grid only: tied with near
    assert opt.ranking(a, flip)[1] == ["slow", "near"]


@pytest.fixture(scope="module")
def races():
    return {land: [opt.race(land, lrs) for lrs in (opt.GRID, opt.SHIFTED)]
            for land in ("bowl", "rosenbrock")}


@pytest.mark.slow
def test_the_race_gives_the_rankings_the_notebook_states(races):
    assert opt.ranking(*races["bowl"]) == [["rmsprop"], ["gd", "nesterov"], ["adam", "momentum"]]
    assert opt.ranking(*races["rosenbrock"]) == [["momentum", "adam"], ["nesterov"], ["rmsprop"],
                                                 ["gd"]]
    assert not any(r[n]["on_edge"] for rs in races.values() for r in rs for n in opt.RACE)


@pytest.mark.slow
def test_the_hovering_runs_final_losses_are_in_the_range_the_notebook_prints(races):
    """The two estimates (≈) of the race: RMSProp hovers near f ≈ 0.008, GD is far above it."""
    for r in races["rosenbrock"]:
        assert 0.004 < r["rmsprop"]["score"][1] < 0.015
        assert 0.03 < r["gd"]["score"][1] < 0.3


@pytest.mark.slow
@pytest.mark.parametrize("toward", [np.inf, -np.inf])
def test_the_race_prints_the_same_when_the_start_moves_by_one_ulp(races, toward, monkeypatch):
    """What the race prints outside its estimates does not depend on rounding."""
    nudged = {k: tuple(np.nextafter(np.array(v), toward)) for k, v in opt.X0.items()}
    monkeypatch.setattr(opt, "X0", nudged)
    for land in ("bowl", "rosenbrock"):
        again = [opt.race(land, lrs) for lrs in (opt.GRID, opt.SHIFTED)]
        assert opt.ranking(*again) == opt.ranking(*races[land])
        for old, new in zip(races[land], again):
            masked = [[opt.describe_score(r[n]).split("≈")[0] for n in opt.RACE]
                      for r in (old, new)]
            assert masked[0] == masked[1]
            assert [old[n]["lr"] for n in opt.RACE] == [new[n]["lr"] for n in opt.RACE]


# ---- the figures -----------------------------------------------------------------------------

def test_plot_runs_draws_one_path_and_one_loss_curve_per_run():
    runs = {"a": (opt.run("bowl", "gd", 0.05), "C0"), "b": (opt.run("bowl", "adam", 0.1), "C1")}
    ax_path, ax_loss = opt.plot_runs(runs, "bowl")
    assert [line.get_label() for line in ax_loss.get_lines()] == ["a", "b"]
    assert ax_path.get_xlim() == opt.VIEW["bowl"][0]


# ---- the panel -------------------------------------------------------------------------------

@pytest.fixture
def panel():
    return opt.optimizer_panel()


def test_the_panel_opens_on_section_1s_run(panel):
    state = panel.state
    assert (state["optimizer"], state["landscape"]) == ("momentum", "bowl")
    assert state["traj"].status == "converged" and state["ref"].status == "converging"
    assert panel.message_text.startswith("momentum (β = 0.70): Converged in")


@pytest.mark.parametrize("optimizer", opt.RACE)
@pytest.mark.parametrize("landscape", opt.LANDSCAPES)
def test_every_optimizer_and_landscape_at_the_extremes_gives_a_plain_message(optimizer, landscape):
    for lr in (1e-4, opt.LR_MAX):
        for momentum in (0.0, 0.99):
            state = opt.panel_state(optimizer, lr, momentum, landscape)
            assert state["message"].startswith(opt.NAMES[optimizer])
            assert state["traj"].status in state["message"].lower()  # it says what happened
            assert state["level"] in ("ok", "info", "warn", "error")


def test_lr_at_the_top_says_the_run_blew_up(panel):
    panel.controls["lr"].value = opt.LR_MAX
    assert panel.state["traj"].status == "diverged" and panel.state["level"] == "error"
    assert "Diverged after 1 step" in panel.message_text and "too large" in panel.message_text


def test_beta_0_99_spirals_without_getting_there(panel):
    panel.controls["momentum"].value = 0.99
    assert panel.state["traj"].converged_at is None
    assert "Still converging" in panel.message_text or "Oscillating" in panel.message_text


def test_the_beta_slider_is_said_to_do_nothing_where_it_does_nothing(panel):
    for name in ("gd", "rmsprop"):
        panel.controls["optimizer"].value = name
        assert "β slider does nothing" in panel.message_text
    panel.controls["optimizer"].value = "adam"
    assert panel.message_text.startswith("Adam (β1 = 0.70)")


def test_the_panel_factory_names_a_wrong_argument():
    with pytest.raises(ValueError, match="optimizer"):
        opt.optimizer_panel(optimizer="sgd")
    with pytest.raises(ValueError, match="momentum"):
        opt.optimizer_panel(momentum=1.0)


@pytest.mark.slow
def test_a_blitted_frame_equals_a_full_redraw(panel):
    assert_blit_matches_full_redraw(panel, [
        dict(lr=0.01), dict(lr=0.05), dict(lr=opt.LR_MAX), dict(lr=0.03),  # a drag of lr
        dict(momentum=0.0), dict(momentum=0.5), dict(momentum=0.99),  # a drag of β
        dict(optimizer="adam"), dict(optimizer="gd"), dict(optimizer="rmsprop"),
        dict(landscape="turned bowl"), dict(landscape="bowl"),  # same limits, other contours
        dict(landscape="rosenbrock", optimizer="momentum", lr=0.002, momentum=0.9),
        dict(lr=0.0021), dict(landscape="bowl", lr=0.03, momentum=0.7),
    ])


# ---- the exercises ---------------------------------------------------------------------------

def _adam(p, g, m, v, t, lr, b1, b2, eps, *, correct=True, t_used=None, m_weight=None,
          v_term=None, root=None, hats=False):
    """A learner's Adam step, right or with one mistake."""
    m = b1 * m + (1 - b1 if m_weight is None else m_weight) * g
    v = b2 * v + (1 - b2) * (g**2 if v_term is None else v_term(g))
    t_used = t if t_used is None else t_used
    m_hat, v_hat = (m / (1 - b1**t_used), v / (1 - b2**t_used)) if correct else (m, v)
    p = p - lr * m_hat / (np.sqrt(v_hat) + eps if root is None else root(v_hat, eps))
    return (p, m_hat, v_hat) if hats else (p, m, v)


def _rmsprop(a, x0, lr, alpha, eps, num_steps, *, root=None, weight=None, old_v=False,
             sign=1.0, v_from_g=False, drop_start=False):
    """A learner's RMSProp loop, right or with one mistake."""
    x, v, path = x0, None if v_from_g else 0.0, [x0]
    for _ in range(num_steps):
        g = a * x
        v = g * g if v is None else v
        v_new = alpha * v + ((1 - alpha) if weight is None else weight) * g * g
        used = v if old_v else v_new
        x = x - sign * lr * g / (np.sqrt(used) + eps if root is None else root(used, eps))
        v = v_new
        path.append(x)
    return np.array(path[1:] if drop_start else path)


SHARED_BUGGY = {  # the buggy versions of notebook 07's exercises, one per diagnosed mistake
    "adam_step": {
        "no_bias_correction": lambda *a: _adam(*a, correct=False),
        "bias_correction_t_plus_1": lambda *a: _adam(*a, t_used=a[4] + 1),
        "no_sqrt": lambda *a: _adam(*a, root=lambda v, eps: v + eps),
        "eps_in_sqrt": lambda *a: _adam(*a, root=lambda v, eps: np.sqrt(v + eps)),
        "returns_hats": lambda *a: _adam(*a, hats=True),
        "m_weights": lambda *a: _adam(*a, m_weight=1.0),
        "v_of_abs_g": lambda *a: _adam(*a, v_term=np.abs),
    },
    "rmsprop_path": {
        "no_sqrt": lambda *a: _rmsprop(*a, root=lambda v, eps: v + eps),
        "eps_in_sqrt": lambda *a: _rmsprop(*a, root=lambda v, eps: np.sqrt(v + eps)),
        "full_weight": lambda *a: _rmsprop(*a, weight=1.0),
        "old_v": lambda *a: _rmsprop(*a, old_v=True),
        "v_from_g": lambda *a: _rmsprop(*a, v_from_g=True),
        "uphill": lambda *a: _rmsprop(*a, sign=-1.0),
    },
}
SHARED_FORMULAS = {  # pieces of the solutions no hint may recite
    "adam_step": ["1 − β1^t", "1 - beta1**t", "m̂/(√v̂ + eps)", "√v̂ + eps", "np.sqrt(v_hat) + eps"],
    "rmsprop_path": ["g / (np.sqrt(v) + eps)", "(1 - alpha) * g", "√v + eps", "(1 − α)·g²"],
}


@pytest.mark.parametrize("name", sorted(SHARED_BUGGY))
def test_every_diagnosed_mistake_has_a_buggy_version_here(name):
    assert set(SHARED_BUGGY[name]) == set(exercises.mistakes(name))


@pytest.mark.parametrize(("name", "mistake"),
                         [(n, m) for n, table in SHARED_BUGGY.items() for m in table])
def test_each_buggy_version_gets_the_hint_that_names_its_mistake(name, mistake):
    for _ in range(5):  # on fresh random cases every time
        ok, feedback = exercises.run_check(name, SHARED_BUGGY[name][mistake])
        assert not ok and feedback == exercises.mistakes(name)[mistake]
        assert not any(piece in feedback for piece in SHARED_FORMULAS[name])


@pytest.mark.parametrize("name", sorted(SHARED_BUGGY))
def test_the_solution_passes(name):
    for _ in range(10):
        ok, feedback = exercises.run_check(name, getattr(SOLUTION, name))
        assert ok, feedback


def test_adam_with_eps_inside_the_root_passes_every_case_but_the_tiny_gradients():
    """The boundary class the old checker missed: eps only matters where gradients are tiny."""
    case = (np.ones(3), np.array([0.3, -0.2, 1.0]), np.zeros(3), np.zeros(3), 1, 0.01, 0.9,
            0.999, 1e-8)
    right, inside = SOLUTION.adam_step(*case), SHARED_BUGGY["adam_step"]["eps_in_sqrt"](*case)
    assert np.allclose(right[0], inside[0], rtol=1e-7)  # ordinary gradients: no difference
    tiny = (*case[:1], 1e-6 * case[1], *case[2:])
    right, inside = SOLUTION.adam_step(*tiny), SHARED_BUGGY["adam_step"]["eps_in_sqrt"](*tiny)
    assert np.abs(right[0] - 1).max() > 50 * np.abs(inside[0] - 1).max()


def test_adam_solution_matches_helpers_optim_over_many_steps():
    from helpers.optim import Adam

    rng = np.random.default_rng(0)
    p, m, v, w, g = np.ones(3), np.zeros(3), np.zeros(3), np.ones(3), np.zeros(3)
    adam = Adam([(w, g)], lr=0.01)
    for t in range(1, 51):
        grad = rng.standard_normal(3) * np.array([100.0, 1.0, 1e-7])
        p, m, v = SOLUTION.adam_step(p, grad, m, v, t, 0.01, 0.9, 0.999, 1e-8)
        g[...] = grad
        adam.step()
    assert np.allclose(p, w, rtol=1e-12)


def test_an_rmsprop_path_wrong_in_another_way_gets_a_pointer_that_mentions_eps():
    def late_error(a, x0, lr, alpha, eps, num_steps):
        path = SOLUTION.rmsprop_path(a, x0, lr, alpha, eps, num_steps)
        path[-1] += 1.0
        return path

    ok, feedback = exercises.run_check("rmsprop_path", late_error)
    assert not ok and "off from x_50" in feedback and "where eps goes" in feedback
    assert not any(piece in feedback for piece in SHARED_FORMULAS["rmsprop_path"])


def test_an_rmsprop_path_without_the_start_gets_a_shape_hint():
    ok, feedback = exercises.run_check("rmsprop_path", lambda *c: _rmsprop(*c, drop_start=True))
    assert not ok and "shape (51,)" in feedback and "x_0 first" in feedback
