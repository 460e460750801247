"""Notebook 03, stochastic gradient descent: helpers.topics.sgd, the claims behind 03's estimates,
and the exercises minibatch_gradient and minibatch_variance."""

import numpy as np
import pytest
from support import load_solution

from helpers import exercises
from helpers.gd import run_gd
from helpers.topics import sgd

# a learner must never see a warning (a library's deprecation warning never reaches the learner)
pytestmark = pytest.mark.filterwarnings("error", "ignore::DeprecationWarning")
SOLUTION = load_solution("sgd")


@pytest.fixture(scope="module")
def problem():
    return sgd.make_problem()


def _by_hand(problem, lr, batch_size, num_epochs, seed):
    """Notebook 03's loop, written out."""
    rng, w, ws = np.random.default_rng(seed), sgd.W0.copy(), [sgd.W0.copy()]
    for _ in range(num_epochs):
        order = rng.permutation(problem.n_examples)
        for start in range(0, problem.n_examples, batch_size):
            w = w - lr * problem.grad(w, order[start:start + batch_size])
            ws.append(w)
    return np.array(ws)


# ---- the problem and the gradient as a statistic ---------------------------------------------

def test_the_problem_is_a_valley_of_condition_number_near_20(problem):
    lam_min, lam_max = sgd.curvatures(problem)
    assert 17 < lam_max / lam_min < 21
    assert problem.f(sgd.W0) - problem.f_min > 10  # far from the minimum: curves span decades


def test_a_batch_of_every_example_gives_the_full_gradient(problem):
    g = sgd.minibatch_gradients(problem, sgd.W0, problem.n_examples, 5)
    np.testing.assert_allclose(g, np.broadcast_to(problem.grad(sgd.W0), g.shape), atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_mean_of_many_batch_gradients_is_the_full_gradient_within_3_standard_errors(
        problem, seed):
    g = sgd.minibatch_gradients(problem, sgd.W0, 10, 20_000, seed=seed)
    z = (g.mean(axis=0) - problem.grad(sgd.W0)) / (g.std(axis=0) / np.sqrt(len(g)))
    assert np.all(np.abs(z) < 3)


def test_predicted_variance_is_sigma2_for_one_example_zero_for_all_and_sigma2_over_b_with_repeats():
    assert sgd.predicted_variance(5.0, 200, 1) == pytest.approx(5.0)
    assert sgd.predicted_variance(5.0, 200, 200) == 0.0
    assert sgd.predicted_variance(5.0, 200, 8, replacement=True) == pytest.approx(5.0 / 8)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_measured_variance_follows_the_finite_population_law(problem, seed):
    # 03 §3: "within about 10 %" and the prediction's answer "about a quarter" for B 4 -> 16
    v = sgd.gradient_variance(problem, sgd.W0, [1, 2, 4, 8, 16, 32, 64, 128, 200], seed=seed)
    ratio = v["measured"][:-1] / v["predicted"][:-1]
    assert np.all((ratio > 0.8) & (ratio < 1.2)), ratio
    assert v["measured"][-1] < 1e-20
    assert 1 / 8 < v["measured"][4] / v["measured"][2] < 1 / 2  # nearest to 1/4 on a log scale


# ---- run_sgd ---------------------------------------------------------------------------------

@pytest.mark.parametrize("batch_size", [1, 16, 64])  # 64: the last batch of an epoch is smaller
def test_run_sgd_takes_the_steps_of_the_loop_written_out(problem, batch_size):
    run = sgd.run_sgd(problem, 0.05, batch_size, 2, seed=3)
    np.testing.assert_allclose(run.ws, _by_hand(problem, 0.05, batch_size, 2, 3), atol=1e-12)
    assert run.examples[-1] == 2 * problem.n_examples


def test_run_sgd_with_the_full_batch_is_plain_gradient_descent(problem):
    run = sgd.run_sgd(problem, 0.1, problem.n_examples, 20)
    np.testing.assert_allclose(run.ws, run_gd(problem, sgd.W0, 0.1, 20).xs, atol=1e-12)
    np.testing.assert_allclose(run.excess, problem.f(run.ws) - problem.f_min, atol=1e-10)


def test_learning_rates_given_together_see_the_same_batches(problem):
    together = sgd.run_sgd(problem, [0.01, 0.1], 4, 2, num_runs=3, seed=7)
    for i, lr in enumerate([0.01, 0.1]):
        alone = sgd.run_sgd(problem, lr, 4, 2, num_runs=3, seed=7)
        np.testing.assert_allclose(together.ws[:, i], alone.ws, atol=1e-12)


def test_a_decaying_learning_rate_divides_lr_by_one_plus_the_epoch(problem):
    run = sgd.run_sgd(problem, 0.2, problem.n_examples, 2, lr_decay=1.0)
    w1 = sgd.W0 - 0.2 * problem.grad(sgd.W0)
    np.testing.assert_allclose(run.ws[2], w1 - 0.1 * problem.grad(w1), atol=1e-12)


def test_a_run_that_blows_up_stops_while_the_others_go_on(problem):
    run = sgd.run_sgd(problem, [0.01, 1.5], 1, 1, num_runs=2)
    assert np.all(run.diverged_at[1] > 0) and np.all(run.diverged_at[0] == -1)
    assert np.all(np.isnan(run.excess[-1, 1])) and np.all(np.isfinite(run.excess[:, 0]))
    assert run.num_updates == problem.n_examples  # the stable runs did their whole epoch
    alone = sgd.run_sgd(problem, 1.5, 1, 5)
    assert alone.num_updates == alone.diverged_at < 10  # everything blew up: stopped early


def test_best_lr_picks_the_lowest_mean_and_never_a_blown_up_lr(problem):
    grid = [0.01, 0.1, 0.5, 2.0]
    lr, means = sgd.best_lr(problem, grid, problem.n_examples, 5, num_runs=2)
    assert means[-1] == np.inf and lr == grid[int(np.argmin(means))] == 0.5


@pytest.mark.slow
def test_the_equal_budget_race_gives_the_verdict_of_03_section_5(problem):
    # 03 §5, as the notebook runs it: per example SGD ends lower at 200 and 2,000 examples, GD at
    # 20,000; by factors far wider than the spread of the 5 reported runs
    grid = 0.001 * 2 ** (np.arange(21) / 2)
    for num_epochs, sgd_lower in ((1, True), (10, True), (100, False)):
        gd = sgd.run_sgd(problem, sgd.best_lr(problem, grid, 200, num_epochs)[0], 200,
                         num_epochs).excess[-1]
        for b in (16, 1):
            lr, _ = sgd.best_lr(problem, grid, b, num_epochs, num_runs=5, seed=0)
            final = sgd.run_sgd(problem, lr, b, num_epochs, num_runs=5, seed=1).excess[-1]
            if sgd_lower:
                assert np.median(final) < gd / 3 and final.max() < gd
            else:
                assert np.median(final) > 30 * gd and final.min() > gd


# ---- figures ---------------------------------------------------------------------------------

def test_plot_runs_draws_a_band_for_a_run_with_several_seeds(problem):
    runs = {"GD": (sgd.run_sgd(problem, 0.5, 200, 3), "k"),
            "SGD": (sgd.run_sgd(problem, 0.05, 8, 3, num_runs=4), "r")}
    axes = sgd.plot_runs(runs)
    for ax in axes:
        assert [line.get_label() for line in ax.get_lines()] == ["GD", "SGD"]
        assert len(ax.collections) == 1  # the band of the 4 SGD runs
    assert axes[1].get_xscale() == "log" and axes[0].get_yscale() == "log"


# ---- exercises -------------------------------------------------------------------------------

def _grad(X, y, w, idx):
    return SOLUTION.minibatch_gradient(X, y, w, idx)


GRADIENT_BUGS = {
    "all_rows": lambda X, y, w, idx: _grad(X, y, w, np.arange(len(X))),
    "first_rows": lambda X, y, w, idx: _grad(X, y, w, np.arange(len(idx))),
    "divide_by_n": lambda X, y, w, idx: 2 * X[idx].T @ (X[idx] @ w - y[idx]) / len(X),
    "sum": lambda X, y, w, idx: 2 * X[idx].T @ (X[idx] @ w - y[idx]),
    "factor_2": lambda X, y, w, idx: X[idx].T @ (X[idx] @ w - y[idx]) / len(idx),
    "sign": lambda X, y, w, idx: 2 * X[idx].T @ (y[idx] - X[idx] @ w) / len(idx),
}
VARIANCE_BUGS = {
    "with_replacement": lambda s, n, b: s / b,
    "n_not_n_minus_1": lambda s, n, b: s / b * (n - b) / n,
    "b_squared": lambda s, n, b: s / b**2 * (n - b) / (n - 1),
    "std": lambda s, n, b: np.sqrt(s / b * (n - b) / (n - 1)),
}


@pytest.mark.parametrize("name, bugs", [("minibatch_gradient", GRADIENT_BUGS),
                                        ("minibatch_variance", VARIANCE_BUGS)])
def test_each_plausible_mistake_gets_the_hint_that_names_it(name, bugs):
    assert set(bugs) == set(exercises.mistakes(name))
    for key, bug in bugs.items():
        ok, feedback = exercises.run_check(name, bug)
        assert not ok and feedback == exercises.mistakes(name)[key], key


@pytest.mark.parametrize("name", ["minibatch_gradient", "minibatch_variance"])
def test_the_solution_passes_and_the_stub_gets_the_stub_hint(name):
    for _ in range(10):
        assert exercises.run_check(name, getattr(SOLUTION, name))[0]

    def stub(*args):
        raise NotImplementedError

    assert exercises.run_check(name, stub) == (False, exercises.STUB_HINT)


def test_a_loop_over_the_batch_is_accepted_too():
    def looped(X, y, w, idx):
        return sum(2 * (X[i] @ w - y[i]) * X[i] for i in idx) / len(idx)

    assert exercises.run_check("minibatch_gradient", looped)[0]
