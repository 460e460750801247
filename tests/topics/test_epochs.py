"""Notebook 04, epochs, batch size and the noise ball: helpers.topics.epochs, its panel, the claims
behind 04's estimates, and the exercises never_drawn_fraction and growing_batch_sgd."""

import numpy as np
import pytest
from support import assert_blit_matches_full_redraw, load_solution

from helpers import exercises
from helpers.topics import epochs, sgd

pytestmark = pytest.mark.filterwarnings("error", "ignore::DeprecationWarning")
SOLUTION = load_solution("epochs")
LRS, BATCH_SIZES = [0.003, 0.01, 0.03, 0.1], [1, 4, 20, 100]  # 04 §3's grid


@pytest.fixture(scope="module")
def problem():
    return sgd.make_problem()


# ---- the noise ball --------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_noise_ball_follows_lr_sigma2_over_4b(problem, seed):
    # 04 §3: "within about a fifth", the largest step on single examples about 1.4 times higher
    ball = epochs.noise_ball(problem, LRS, BATCH_SIZES, seed=seed)
    ratio = ball["measured"] / ball["predicted"]
    assert 1.25 < ratio[-1, 0] < 1.6, ratio
    ratio[-1, 0] = 1.0
    assert np.all((ratio > 0.8) & (ratio < 1.25)), ratio
    # the prediction's answer: a four times smaller batch, a four times larger ball (log-nearest)
    growth = np.exp(np.mean(np.log(ball["measured"][:, 0] / ball["measured"][:, 1])))
    assert 2 * np.sqrt(2) < growth < 8


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_shuffled_epochs_make_the_ball_smaller_by_up_to_hundreds(problem, seed):
    drawn = epochs.noise_ball(problem, LRS, BATCH_SIZES, seed=seed)["measured"]
    shuffled = epochs.noise_ball(problem, LRS, BATCH_SIZES, replacement=False, seed=seed)
    shrink = drawn / shuffled["measured"]
    assert shrink.min() > 0.9 and 100 < shrink.max() < 1000
    assert shrink[0, -1] == shrink.max()  # the smallest lr/B


def test_the_noise_ball_prediction_is_lr_sigma2_over_4b(problem):
    ball = epochs.noise_ball(problem, [0.01], [5], num_updates=4, num_runs=1)
    sigma2 = problem.sample_grads(problem.w_min).var(axis=0).sum()
    assert ball["predicted"][0, 0] == pytest.approx(0.01 * sigma2 / 20)


def test_epoch_means_average_the_updates_of_each_epoch(problem):
    run = sgd.run_sgd(problem, 0.1, 100, 3)  # 2 updates per epoch
    epoch, means = epochs.epoch_means(run)
    np.testing.assert_array_equal(epoch, [1, 2, 3])
    np.testing.assert_allclose(means, run.excess[1:].reshape(3, 2).mean(axis=1))


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_decaying_lr_ends_below_both_constant_ones(problem, seed):
    # 04 §4: the constants level off, the decaying rate keeps falling (5 runs, epoch 60)
    last = {}
    for key, decay, lr in (("0.1", 0.0, 0.1), ("0.01", 0.0, 0.01), ("decay", 1.0, 0.1)):
        run = sgd.run_sgd(problem, lr, 1, 60, num_runs=5, seed=seed, lr_decay=decay)
        last[key] = np.median(epochs.epoch_means(run)[1][-1])
    assert last["decay"] < last["0.01"] / 3 < last["0.1"] / 30
    assert last["0.1"] / last["decay"] > 100  # "a few hundredths of the constant-lr 0.1 ball"


# ---- the panel -------------------------------------------------------------------------------

def _extreme(slider, end):
    return slider.base ** getattr(slider, end) if hasattr(slider, "base") else (
        slider.options[0 if end == "min" else -1] if hasattr(slider, "options")
        else getattr(slider, end))


def test_the_panel_opens_at_batch_size_4_where_the_noise_shows():
    panel = epochs.batch_size_panel()
    assert set(panel.controls) == {"batch_size", "lr", "num_epochs"}
    assert panel.controls["batch_size"].value == 4 and "Noisy" in panel.message_text


@pytest.mark.parametrize("name, end, words", [
    ("batch_size", "min", "Batch size 1: 200 updates per epoch"),
    ("batch_size", "max", "the full batch"),
    ("lr", "min", "still falling smoothly"),
    ("lr", "max", "Diverged"),
    ("num_epochs", "min", "50 in all"),
    ("num_epochs", "max", "500 in all"),
])
def test_every_slider_at_either_end_gives_a_plain_message(name, end, words):
    panel = epochs.batch_size_panel()
    panel.controls[name].value = _extreme(panel.controls[name], end)
    assert words in panel.message_text
    if words == "Diverged":
        assert panel.state["level"] == "error"
        assert len(panel.artists["sgd", "epochs", "x"].get_xdata()) == 1  # an × at the blow-up


def test_full_batch_gd_past_its_edge_is_called_diverging():
    panel = epochs.batch_size_panel(batch_size=200, lr=1.1)
    assert panel.message_text.startswith("Diverging") and panel.state["level"] == "error"


@pytest.mark.slow
def test_a_blitted_frame_equals_a_full_redraw_over_a_drag_of_each_slider():
    panel = epochs.batch_size_panel()
    assert_blit_matches_full_redraw(panel, [
        {"batch_size": 1}, {"batch_size": 2}, {"batch_size": 200}, {"batch_size": 8},
        {"lr": 0.05}, {"lr": 0.2}, {"lr": 1.5}, {"lr": 0.001}, {"lr": 0.1},
        {"num_epochs": 1}, {"num_epochs": 10}, {"num_epochs": 5}])


# ---- exercises -------------------------------------------------------------------------------

def _sgd(X, y, w0, lr, sizes, seed, *, drop_last=False, divide=lambda idx, b, n: len(idx),
         order=None, sizes_used=None, scale=2.0, rng_each_epoch=False):
    """A learner's growing_batch_sgd with one mistake."""
    rng, w, n = np.random.default_rng(seed), np.array(w0, dtype=float), len(X)
    for b in sizes_used(sizes) if sizes_used else sizes:
        rng = np.random.default_rng(seed) if rng_each_epoch else rng
        idx_all = order(rng, n) if order else rng.permutation(n)
        for start in range(0, n - n % b if drop_last else n, b):
            idx = idx_all[start:start + b]
            w = w - lr * scale * X[idx].T @ (X[idx] @ w - y[idx]) / divide(idx, b, n)
    return w


GROWING_BUGS = {
    "drop_last": lambda *a: _sgd(*a, drop_last=True),
    "nominal_b": lambda *a: _sgd(*a, divide=lambda idx, b, n: b),
    "sum": lambda *a: _sgd(*a, divide=lambda idx, b, n: 1),
    "divide_by_n": lambda *a: _sgd(*a, divide=lambda idx, b, n: n),
    "factor_2": lambda *a: _sgd(*a, scale=1.0),
    "first_size": lambda *a: _sgd(*a, sizes_used=lambda s: [s[0]] * len(s)),
    "one_epoch": lambda *a: _sgd(*a, sizes_used=lambda s: s[:1]),
    "with_replacement": lambda *a: _sgd(*a, order=lambda rng, n: rng.integers(0, n, n)),
    "no_shuffle": lambda *a: _sgd(*a, order=lambda rng, n: np.arange(n)),
    "new_rng": lambda *a: _sgd(*a, rng_each_epoch=True),
}


NEVER_DRAWN_BUGS = {
    "limit": lambda n: np.exp(-1),
    "one_draw_hit": lambda n: 1 / n,
    "one_draw_miss": lambda n: 1 - 1 / n,
    "drawn": lambda n: 1 - (1 - 1 / n) ** n,
}


@pytest.mark.parametrize("name, bugs", [("growing_batch_sgd", GROWING_BUGS),
                                        ("never_drawn_fraction", NEVER_DRAWN_BUGS)])
def test_each_plausible_mistake_gets_the_hint_that_names_it(name, bugs):
    assert set(bugs) == set(exercises.mistakes(name))
    for key, bug in bugs.items():
        for _ in range(3):  # the cases are partly random
            ok, feedback = exercises.run_check(name, bug)
            assert not ok and feedback == exercises.mistakes(name)[key], (key, feedback)


@pytest.mark.parametrize("name", ["growing_batch_sgd", "never_drawn_fraction"])
def test_the_solution_passes_and_the_stub_gets_the_stub_hint(name):
    for _ in range(10):
        assert exercises.run_check(name, getattr(SOLUTION, name))[0]

    def stub(*args):
        raise NotImplementedError

    assert exercises.run_check(name, stub) == (False, exercises.STUB_HINT)


def test_growing_batch_sgd_accepts_the_package_sampler_and_a_mean_of_per_example_gradients():
    from helpers.batches import minibatches

    def with_sampler(X, y, w0, lr, sizes, seed):
        rng, w = np.random.default_rng(seed), np.array(w0, dtype=float)
        for b in sizes:
            for idx in minibatches(len(X), b, rng):  # rng.permutation, cut into batches
                w = w - lr * np.mean(2 * (X[idx] @ w - y[idx])[:, None] * X[idx], axis=0)
        return w

    assert exercises.run_check("growing_batch_sgd", with_sampler)[0]


def test_growing_batch_sgd_names_a_changed_w0_and_an_unseeded_generator():
    def in_place(X, y, w0, lr, sizes, seed):
        rng, w = np.random.default_rng(seed), w0
        for b in sizes:
            order = rng.permutation(len(X))
            for start in range(0, len(X), b):
                idx = order[start:start + b]
                w -= lr * 2 * X[idx].T @ (X[idx] @ w - y[idx]) / len(idx)
        return w

    ok, feedback = exercises.run_check("growing_batch_sgd", in_place)
    assert not ok and "changed w0 in place" in feedback
    ok, feedback = exercises.run_check(
        "growing_batch_sgd", lambda *a: SOLUTION.growing_batch_sgd(*a[:-1], None))
    assert not ok and "same seed gave different w" in feedback
