"""The exercises of notebooks 06a-06c: each checker accepts its solution, names each common
mistake, and never recites the answer. (tests/test_exercises.py runs the checks every exercise
shares; these are the ones written for 06a's RMSProp run and 06c's AdamW step.)"""


import numpy as np
import pytest
from support import load_solution as _load

from helpers import exercises
from helpers.optim import AdamW

A = _load("06a_momentum_and_adam")
B = _load("06b_the_best_momentum_and_keras")
C = _load("06c_optimizers_on_mnist_and_schedules")
SOLVED = {"sgd_momentum_step": A.sgd_momentum_step, "adam_step": C.adam_step,
          "rmsprop_path": A.rmsprop_path, "optimal_momentum": B.optimal_momentum,
          "heavy_ball_steps": B.heavy_ball_steps, "adamw_step": C.adamw_step}


@pytest.mark.parametrize("name", sorted(SOLVED))
def test_the_solution_passes_every_time(name):
    for _ in range(20):  # some cases are random: every draw must accept the solution
        ok, feedback = exercises.run_check(name, SOLVED[name])
        assert ok, feedback


def test_notebook_06_has_exactly_these_exercises():
    from helpers.exercises import nb06

    registered = {name for name in exercises.names()
                  if exercises._CHECKERS[name].__module__ == nb06.__name__}
    assert registered == set(SOLVED)


# ---- rmsprop_path (06a) -----------------------------------------------------------------------

def _rmsprop(a, x0, lr, alpha, eps, num_steps, *, sqrt=np.sqrt, weight=None, old_v=False,
             drop_start=False, sign=1.0):
    """A learner's loop, right or with one mistake."""
    x, v, path = x0, 0.0, [x0]
    for _ in range(num_steps):
        g = a * x
        v_new = alpha * v + ((1 - alpha) if weight is None else weight) * g * g
        x = x - sign * lr * g / (sqrt(v if old_v else v_new) + eps)
        v = v_new
        path.append(x)
    return np.array(path[1:] if drop_start else path)


@pytest.mark.parametrize(("mistake", "buggy"), [
    ("no_sqrt", lambda *c: _rmsprop(*c, sqrt=lambda v: v)),
    ("full_weight", lambda *c: _rmsprop(*c, weight=1.0)),
    ("old_v", lambda *c: _rmsprop(*c, old_v=True)),
    ("uphill", lambda *c: _rmsprop(*c, sign=-1.0)),
])
def test_rmsprop_mistakes_get_their_hint(mistake, buggy):
    for _ in range(5):
        ok, feedback = exercises.run_check("rmsprop_path", buggy)
        assert not ok and feedback == exercises.mistakes("rmsprop_path")[mistake]


def test_rmsprop_every_mistake_is_tested_here():
    assert set(exercises.mistakes("rmsprop_path")) == {"no_sqrt", "full_weight", "old_v",
                                                        "uphill"}


def test_rmsprop_path_without_the_start_gets_a_shape_hint():
    ok, feedback = exercises.run_check("rmsprop_path", lambda *c: _rmsprop(*c, drop_start=True))
    assert not ok and "shape (51,)" in feedback and "x_0 first" in feedback


def test_rmsprop_written_with_a_list_of_floats_passes():
    def with_math(a, x0, lr, alpha, eps, num_steps):
        import math
        xs, v = [float(x0)], 0.0
        for _ in range(num_steps):
            g = a * xs[-1]
            v = alpha * v + (1 - alpha) * g**2
            xs.append(xs[-1] - lr * g / (math.sqrt(v) + eps))
        return xs  # a list is fine

    for _ in range(10):
        ok, feedback = exercises.run_check("rmsprop_path", with_math)
        assert ok, feedback


def test_rmsprop_a_wrong_path_is_located_without_giving_the_formula():
    def late_error(a, x0, lr, alpha, eps, num_steps):
        path = A.rmsprop_path(a, x0, lr, alpha, eps, num_steps)
        path[-1] += 1.0
        return path

    ok, feedback = exercises.run_check("rmsprop_path", late_error)
    assert not ok and "off from x_50" in feedback
    assert "√v" not in feedback and "sqrt" not in feedback


def test_rmsprop_hovers_at_about_half_lr_whatever_the_curvature():
    """What the exercise asks the learner to measure: RMS of x over the last 500 of 3,000 steps."""
    for lr in (0.01, 0.001):
        rms = [np.sqrt(np.mean(A.rmsprop_path(a, 1.0, lr, 0.99, 1e-8, 3000)[-500:] ** 2))
               for a in (1.0, 100.0)]
        assert rms[0] == pytest.approx(rms[1], rel=0.05)  # the hovering itself is chaotic
        assert 0.3 * lr < rms[0] < 0.7 * lr


# ---- adamw_step (06c) -------------------------------------------------------------------------

def _adam(p, g, m, v, t, lr, b1, b2, eps, correct=True):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g**2
    m_hat, v_hat = (m / (1 - b1**t), v / (1 - b2**t)) if correct else (m, v)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


@pytest.mark.parametrize(("mistake", "buggy"), [
    ("l2", lambda p, g, m, v, t, lr, b1, b2, eps, wd: _adam(p, g + wd * p, m, v, t, lr, b1, b2,
                                                            eps)),
    ("no_lr", lambda p, g, m, v, t, lr, b1, b2, eps, wd: _adam(p * (1 - wd), g, m, v, t, lr, b1,
                                                               b2, eps)),
    ("after", lambda p, g, m, v, t, lr, b1, b2, eps, wd: (
        lambda out: (out[0] * (1 - lr * wd), out[1], out[2]))(
        _adam(p, g, m, v, t, lr, b1, b2, eps))),
    ("no_bias_correction", lambda p, g, m, v, t, lr, b1, b2, eps, wd: _adam(
        p * (1 - lr * wd), g, m, v, t, lr, b1, b2, eps, correct=False)),
])
def test_adamw_mistakes_get_their_hint(mistake, buggy):
    for _ in range(5):
        ok, feedback = exercises.run_check("adamw_step", buggy)
        assert not ok and feedback == exercises.mistakes("adamw_step")[mistake]
        assert "1 − lr" not in feedback and "1 - lr" not in feedback


def test_adamw_every_mistake_is_tested_here():
    assert set(exercises.mistakes("adamw_step")) == {"l2", "no_lr", "after",
                                                      "no_bias_correction"}


def test_adamw_step_in_place_passes():
    def in_place(p, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
        p *= 1 - lr * weight_decay
        m *= beta1
        m += (1 - beta1) * g
        v *= beta2
        v += (1 - beta2) * g * g
        p -= lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
        return p, m, v

    for _ in range(10):
        ok, feedback = exercises.run_check("adamw_step", in_place)
        assert ok, feedback


def test_adamw_solution_matches_helpers_optim_over_many_steps():
    rng = np.random.default_rng(0)
    p, m, v = np.ones(3), np.zeros(3), np.zeros(3)
    w, g = np.ones(3), np.zeros(3)
    opt = AdamW([(w, g)], lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1)
    for t in range(1, 51):
        grad = rng.standard_normal(3) * np.array([100.0, 1.0, 0.0])
        p, m, v = C.adamw_step(p, grad, m, v, t, 0.01, 0.9, 0.999, 1e-8, 0.1)
        g[:] = grad
        opt.step()
    assert np.allclose(p, w, rtol=1e-12)


def test_adamw_idle_weight_halves_when_the_formula_says():
    """The exercise's question: (1 − lr·λ)^t < 0.5 from t = 693 on, for lr = 0.01, λ = 0.1."""
    p, m, v = np.array([1.0]), np.zeros(1), np.zeros(1)
    t = 0
    while p[0] >= 0.5:
        t += 1
        p, m, v = C.adamw_step(p, np.zeros(1), m, v, t, 0.01, 0.9, 0.999, 1e-8, 0.1)
    assert t == int(np.ceil(np.log(0.5) / np.log(1 - 0.01 * 0.1)))
