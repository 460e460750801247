"""Deep dive D2's topic: the heavy ball's 2×2 iteration, its eigenvalues, the best pair, the
(lr, β) map, the two forms of momentum and the exercises, each against a formula or a run."""

import math

import numpy as np
import pytest
from support import load_solution

from helpers import exercises
from helpers.gd import minimize
from helpers.objectives import QuadraticBowl
from helpers.optim import SGD
from helpers.schedules import StepLR
from helpers.topics import momentum as mom

pytestmark = pytest.mark.filterwarnings("error", "ignore::DeprecationWarning")

SOLUTION = load_solution("momentum")
GRID = [(lr_lam, beta) for lr_lam in np.geomspace(1e-3, 4, 23) for beta in (0.0, 0.25, 0.5, 0.9)]


# ---- the 2×2 iteration and its eigenvalues ---------------------------------------------------

@pytest.mark.parametrize(("lr_lam", "beta"), GRID)
def test_the_rate_is_the_largest_eigenvalue_modulus_of_the_matrix(lr_lam, beta):
    eig = np.abs(np.linalg.eigvals(mom.momentum_matrix(lr_lam / 4, beta, 4.0))).max()
    assert mom.momentum_rate(lr_lam / 4, beta, 4.0) == pytest.approx(eig, rel=1e-6)


def test_powers_of_the_matrix_are_the_heavy_ball_loop():
    M, y, buf, pair = mom.momentum_matrix(0.03, 0.7, 25.0), 1.0, 0.0, np.array([1.0, 1.0])
    for _ in range(40):
        buf = 0.7 * buf + 25.0 * y
        y = y - 0.03 * buf
        pair = M @ pair
        assert pair[0] == pytest.approx(y, abs=1e-12)


@pytest.mark.parametrize("beta", [0.1, 0.5, 0.81, 0.99])
def test_inside_the_band_the_rate_is_root_beta_whatever_the_curvature(beta):
    low, high = (1 - math.sqrt(beta)) ** 2, (1 + math.sqrt(beta)) ** 2
    inside = np.linspace(low, high, 50)[1:-1]
    assert np.allclose(mom.momentum_rate(inside, beta, 1.0), math.sqrt(beta), rtol=1e-12)
    assert mom.momentum_rate(low * 0.9, beta, 1.0) > math.sqrt(beta)  # creeping
    assert mom.momentum_rate(high * 1.01, beta, 1.0) > math.sqrt(beta)  # past the band


@pytest.mark.parametrize("beta", [0.25, 0.5, 0.9])
def test_critical_damping_is_a_double_root_and_the_edge_is_2_1_plus_beta(beta):
    for lr_lam in ((1 - math.sqrt(beta)) ** 2, (1 + math.sqrt(beta)) ** 2):
        z = np.linalg.eigvals(mom.momentum_matrix(lr_lam, beta, 1.0))
        assert abs(z[0] - z[1]) < 1e-6 and abs(abs(z[0]) - math.sqrt(beta)) < 1e-6
    assert mom.momentum_rate(2 * (1 + beta), beta, 1.0) == pytest.approx(1.0)
    assert mom.momentum_rate(2 * (1 + beta) * 1.001, beta, 1.0) > 1


@pytest.mark.parametrize("kappa", [4.0, 25.0, 100.0, 1000.0])
def test_the_best_pair_puts_both_ends_at_critical_damping(kappa):
    lr, beta = mom.best_pair(1.0, kappa)
    assert lr * 1.0 == pytest.approx((1 - math.sqrt(beta)) ** 2)
    assert lr * kappa == pytest.approx((1 + math.sqrt(beta)) ** 2)
    assert mom.bowl_rate(lr, beta, (1.0, kappa)) == pytest.approx(math.sqrt(beta))
    for other in (0.9 * beta, 1.1 * beta):  # any other β at lr* is slower
        assert mom.bowl_rate(lr, other, (1.0, kappa)) > math.sqrt(beta)


# ---- runs of the heavy ball ------------------------------------------------------------------

def test_the_vectorised_runs_are_helpers_sgd_runs():
    lrs, betas = np.array([0.01, 0.05, 0.1]), np.array([0.0, 0.5, 0.9])
    d = mom.heavy_ball_distances(lrs, betas, (1.0, 25.0), (1.0, 1.0), 60)
    for k, (lr, beta) in enumerate(zip(lrs, betas)):
        traj = minimize(QuadraticBowl(kappa=25), (1.0, 1.0), "momentum", lr=lr, num_steps=60,
                        momentum=beta)
        np.testing.assert_allclose(d[: len(traj.xs), k], np.linalg.norm(traj.xs, axis=1),
                                   rtol=1e-10, atol=1e-300)


def test_steps_to_tol_is_the_first_step_within_tol_and_inf_for_never():
    d = np.array([[2.0, 2.0, 2.0], [1.0, 3.0, 0.5], [0.5, 4.0, 0.1]])
    assert mom.steps_to_tol(d, 0.5).tolist() == [2.0, math.inf, 1.0]
    assert mom.steps_to_tol(d, 2.0).tolist() == [0.0, 0.0, 0.0]


def test_diverging_runs_never_reach_the_tolerance():
    d = mom.heavy_ball_distances(np.array([0.5]), np.array([0.5]), (1.0, 25.0), (1.0, 1.0), 300)
    assert np.isinf(d[-1]).all() and np.isinf(mom.steps_to_tol(d, 1e-3)).all()


def test_the_measured_rate_of_a_run_is_the_formulas_in_the_band():
    """D2 §2 prints runs between 0.498 and 0.505 against √β = 0.5."""
    lr_lam = np.union1d(np.geomspace(1e-3, 2.6, 40), np.linspace(2.3, 2.6, 7))
    runs = mom.measured_rate(mom.heavy_ball_distances(lr_lam, 0.25, [1.0], [1.0], 400))
    band = (lr_lam > 0.25) & (lr_lam < 2.25)
    assert np.all(np.abs(runs[band] - 0.5) < 0.01)
    creeping = lr_lam < 0.2
    assert np.allclose(runs[creeping], mom.momentum_rate(lr_lam[creeping], 0.25, 1.0), rtol=0.01)


@pytest.mark.parametrize("kappa", [10.0, 100.0, 1000.0])
def test_the_best_measured_beta_sits_just_above_beta_star_and_beats_gd_by_about_root_kappa(kappa):
    lr, beta_star = mom.best_pair(1.0, kappa)
    betas = np.round(np.arange(0, 0.995, 0.005), 3)
    steps = mom.steps_to_tol(mom.heavy_ball_distances(lr, betas, [1, kappa], [1, 1], 3000), 1e-6)
    gd = mom.steps_to_tol(mom.heavy_ball_distances(2 / (1 + kappa), 0.0, [1, kappa], [1, 1],
                                                   30_000), 1e-6)
    best = betas[np.argmin(steps)]
    assert beta_star < best <= beta_star + 0.011
    assert 0.85 * math.sqrt(kappa) < gd / steps.min() < math.sqrt(kappa)


def test_the_map_follows_the_predicted_rate():
    result = mom.momentum_map(25.0, np.geomspace(0.005, 0.5, 70), np.linspace(0.0, 0.95, 70))
    assert np.isinf(result["steps"][result["rate"] > 1.001]).all()
    assert np.isfinite(result["steps"][result["rate"] < 0.97]).all()
    ok = np.isfinite(result["steps"]) & (result["rate"] < 0.97)
    ratio = result["steps"][ok] / result["predicted_steps"][ok]
    assert 0.9 < np.median(ratio) < 1.0 and np.percentile(ratio, 5) > 0.7
    i, j = np.unravel_index(np.argmin(result["steps"]), result["steps"].shape)
    lr_star, beta_star = mom.best_pair(1.0, 25.0)
    assert abs(result["lrs"][j] / lr_star - 1) < 0.1 and abs(result["betas"][i] - beta_star) < 0.05


# ---- the two forms of momentum ---------------------------------------------------------------

def _two_forms(lrs, beta=0.9):
    bowl, x0 = QuadraticBowl(kappa=25), np.array([-1.8, 1.2])
    x_b, b, x_v, v, paths = x0, np.zeros(2), x0, np.zeros(2), ([x0], [x0])
    for lr in lrs:
        b = beta * b + bowl.grad(x_b)
        x_b = x_b - lr * b
        v = beta * v - lr * bowl.grad(x_v)
        x_v = x_v + v
        paths[0].append(x_b)
        paths[1].append(x_v)
    return np.array(paths[0]), np.array(paths[1])


def test_the_forms_agree_at_a_constant_lr_and_part_after_a_drop():
    buffer, velocity = _two_forms([0.03] * 60)
    assert np.abs(buffer - velocity).max() < 1e-12
    buffer, velocity = _two_forms([0.03 * 0.1 ** (t // 20) for t in range(60)])
    assert np.abs(buffer[:21] - velocity[:21]).max() < 1e-12
    step_b, step_v = (np.linalg.norm(np.diff(p, axis=0), axis=1) for p in (buffer, velocity))
    assert step_v[20] > 5 * step_b[20]  # D2 §5: the velocity form coasts on (7.4 times as long)


def test_helpers_sgd_with_a_step_schedule_is_the_buffer_form():
    lrs = [0.03 * 0.1 ** (t // 20) for t in range(60)]
    x, g = np.array([-1.8, 1.2]), np.zeros(2)
    sgd = SGD([(x, g)], lr=0.03, momentum=0.9)
    schedule = StepLR(sgd, step_size=20, gamma=0.1)
    path = [x.copy()]
    for _ in lrs:
        g[...] = QuadraticBowl(kappa=25).grad(x)
        sgd.step()
        schedule.step()
        path.append(x.copy())
    assert np.array_equal(np.array(path), _two_forms(lrs)[0])


# ---- the figures -----------------------------------------------------------------------------

def test_every_figure_function_returns_its_axes():
    import matplotlib.pyplot as plt

    lr_lam = np.geomspace(1e-3, 2.6, 20)
    result = mom.momentum_map(25.0, np.geomspace(0.005, 0.5, 12), np.linspace(0, 0.95, 12))
    axes = [mom.plot_rates(lr_lam, 0.25, mom.momentum_rate(lr_lam, 0.25, 1.0)),
            mom.plot_beta_sweep(np.array([0.1, 0.5]), np.array([np.inf, 40.0]), 0.44, 300),
            mom.plot_momentum_map(result, optimum=mom.best_pair(1.0, 25.0)),
            mom.plot_rate_vs_steps(result),
            mom.plot_two_forms(dict(zip(("a", "b"), _two_forms([0.03] * 30))), drop_at=20)]
    assert all(ax.has_data() for ax in axes)
    plt.close("all")


# ---- the exercises ---------------------------------------------------------------------------

def _rate(lr, beta, lam, how="right"):
    """A learner's momentum_rate, right or with one mistake."""
    b = 1 + beta - lr * lam
    if how == "gd":
        return abs(1 - lr * lam)
    roots = np.roots([1.0, -b, beta])
    if np.iscomplexobj(roots) and abs(roots[0].imag) > 0:
        return beta if how == "beta" else abs(roots[0])
    roots = np.sort(roots.real)
    return {"signed": roots[-1], "smaller": np.abs(roots).min()}.get(how, np.abs(roots).max())


def _heavy_ball(kappa, lr, momentum, tol, max_steps, *, how="right"):
    """A learner's heavy_ball_steps, right or with one mistake."""
    lam = (2.0 if how == "no_half" else 1.0) * np.array([1.0, kappa])
    x, buf = np.array([1.0, 1.0]), np.zeros(2)
    last = max_steps - 1 if how == "misses_last" else max_steps
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(last + 1):
            size = x @ x if how == "squared" else np.linalg.norm(x)
            hit = size < tol if how == "strict" else size <= tol
            if hit and not (how == "after" and t == 0):
                return t + 1 if how == "one_more" else t
            if t == last:
                break
            g = lam * x
            mu = 0.0 if how == "no_momentum" else momentum
            new = mu * buf + ((1 - momentum) * g if how == "dampened" else g)
            x = x - lr * (buf if how == "old_buffer" else new)
            buf = new
    return max_steps if how == "cap_count" else None


SHARED_BUGGY = {  # the buggy versions of D2's exercises, one per diagnosed mistake
    "momentum_rate": {how: (lambda *a, how=how: _rate(*a, how=how))
                      for how in ("beta", "gd", "signed", "smaller")},
    "heavy_ball_steps": {how: (lambda *a, how=how: _heavy_ball(*a, how=how))
                         for how in ("no_momentum", "dampened", "old_buffer", "no_half",
                                     "one_more", "after", "strict", "misses_last", "squared",
                                     "cap_count")},
}
SHARED_FORMULAS = {
    "momentum_rate": ["√(b² − 4β)", "(|b| +", "abs(b) +", "sqrt(beta)", "np.roots"],
    "heavy_ball_steps": ["momentum * buf + g", "μ·buf + g", "x - lr * buf", "x − lr·buf"],
}


@pytest.mark.parametrize("name", sorted(SHARED_BUGGY))
def test_every_diagnosed_mistake_has_a_buggy_version_here(name):
    assert set(SHARED_BUGGY[name]) == set(exercises.mistakes(name))


@pytest.mark.parametrize(("name", "mistake"),
                         [(n, m) for n, table in SHARED_BUGGY.items() for m in table])
def test_each_buggy_version_gets_its_own_hint(name, mistake):
    for _ in range(5):
        ok, feedback = exercises.run_check(name, SHARED_BUGGY[name][mistake])
        assert not ok and feedback == exercises.mistakes(name)[mistake]
        assert not any(piece in feedback for piece in SHARED_FORMULAS[name])


def test_the_heavy_ball_hints_are_all_different():
    hints = list(exercises.mistakes("heavy_ball_steps").values())
    assert len(set(hints)) == len(hints) == 10


@pytest.mark.parametrize("name", sorted(SHARED_BUGGY))
def test_the_solution_passes(name):
    for _ in range(10):
        ok, feedback = exercises.run_check(name, getattr(SOLUTION, name))
        assert ok, feedback


def test_momentum_rate_written_with_numpys_roots_passes():
    for _ in range(5):
        ok, feedback = exercises.run_check("momentum_rate", _rate)
        assert ok, feedback


def test_heavy_ball_steps_written_without_a_buffer_passes():
    def velocity(kappa, lr, momentum, tol, max_steps):
        # x_{t+1} = x_t − lr·g + β(x_t − x_{t−1}), the same method without a buffer
        x, x_prev = np.array([1.0, 1.0]), np.array([1.0, 1.0])
        with np.errstate(over="ignore", invalid="ignore"):
            for t in range(max_steps + 1):
                if math.hypot(*x) <= tol:
                    return t
                x, x_prev = x - lr * np.array([1.0, kappa]) * x + momentum * (x - x_prev), x
        return None

    for _ in range(5):
        ok, feedback = exercises.run_check("heavy_ball_steps", velocity)
        assert ok, feedback
