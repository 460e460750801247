"""Notebooks 03a and 03b: each exercise accepts its solution and names each common mistake."""

import math

import numpy as np
import pytest
from support import load_solution as _load

from helpers import exercises

A = _load("03a_the_gradient_is_a_statistic")
B = _load("03b_epochs_and_the_noise_ball")
NAMES = {"minibatch_gradient": A, "minibatch_variance": A, "batch_size_for_variance": A,
         "never_drawn_fraction": B, "growing_batch_sgd": B}


# ---- learners' attempts, each with one common mistake --------------------------------------

def _variance(s, n, b):
    return s / b * (n - b) / (n - 1)


def _batch_by_search(sigma2, n, target, *, law=_variance):
    """A right answer written differently: try B = 1, 2, … until the variance is low enough."""
    for b in range(1, n + 1):
        if law(sigma2, n, b) <= target:
            return b
    return n


def _sgd(X, y, w0, lr, batch_sizes, rng, *, how=""):
    w = np.array(w0, dtype=float)
    n = len(X)
    fixed = np.arange(n)
    for e, b in enumerate(batch_sizes):
        if how == "one_epoch" and e > 0:
            break
        b = batch_sizes[0] if how == "first_size" else b
        if how == "with_replacement":
            order = rng.integers(0, n, size=n)
        elif how == "no_shuffle":
            order = fixed
        elif how == "own_rng":
            order = np.random.default_rng().permutation(n)
        else:
            order = rng.permutation(n)
        for start in range(0, n, b):
            idx = order[start:start + b]
            g = 2 * X[idx].T @ (X[idx] @ w - y[idx])  # the summed gradient
            scale = {"sum": 1.0, "divide_by_n": 1 / n, "factor_2": 0.5 / len(idx)}.get(
                how, 1 / len(idx))
            w = w - lr * g * scale
    return w


BUGGY = {
    "batch_size_for_variance": {
        "no_fpc": lambda s, n, t: _batch_by_search(s, n, t, law=lambda s, n, b: s / b),
        "floor": lambda s, n, t: max(1, math.floor(s * n / (t * (n - 1) + s))),
        "std": lambda s, n, t: _batch_by_search(s, n, t * t),
    },
    "growing_batch_sgd": {how: (lambda *a, how=how: _sgd(*a, how=how))
                          for how in ("sum", "divide_by_n", "factor_2", "first_size",
                                      "one_epoch", "with_replacement", "no_shuffle", "own_rng")},
}

# read by tests/test_exercises.py, which runs its shared checks on these exercises too
SHARED_BUGGY = BUGGY
SHARED_FORMULAS = {
    "batch_size_for_variance": ["ceil", "σ² N /", "sigma2 * n", "t (N − 1)", "t·(N − 1)"],
    "growing_batch_sgd": ["rng.permutation", "order[start:start + batch_size]", "w - lr *",
                          "2 * X_b.T", "for batch_size in batch_sizes"],
}


@pytest.mark.parametrize("name", NAMES)
def test_the_solution_passes_on_many_calls(name):
    for _ in range(15):
        ok, feedback = exercises.run_check(name, getattr(NAMES[name], name))
        assert ok, feedback


def test_right_answers_written_differently_pass():
    for _ in range(5):
        assert exercises.run_check("batch_size_for_variance", _batch_by_search)[0]
        assert exercises.run_check("growing_batch_sgd", _sgd)[0]


@pytest.mark.parametrize("name", BUGGY)
def test_every_diagnosed_mistake_has_a_buggy_function_here(name):
    assert set(BUGGY[name]) == set(exercises.mistakes(name))


@pytest.mark.parametrize("name, mistake", [(n, m) for n in BUGGY for m in BUGGY[n]])
def test_a_mistake_gets_the_hint_that_names_it(name, mistake):
    for _ in range(5):  # on fresh random cases every time
        ok, feedback = exercises.run_check(name, BUGGY[name][mistake])
        assert not ok
        assert feedback == exercises.mistakes(name)[mistake]


@pytest.mark.parametrize("name", NAMES)
def test_the_unfinished_stub_gets_the_stub_hint(name):
    def stub(*args):
        raise NotImplementedError

    ok, feedback = exercises.run_check(name, stub)
    assert not ok and "NotImplementedError" in feedback


def test_a_constant_batch_size_fails_and_a_fraction_is_refused():
    assert not exercises.run_check("batch_size_for_variance", lambda s, n, t: 32)[0]
    ok, feedback = exercises.run_check("batch_size_for_variance",
                                       lambda s, n, t: s * n / (t * (n - 1) + s))
    assert not ok and "whole" in feedback


@pytest.mark.parametrize("name", BUGGY)
def test_the_hints_do_not_recite_the_formula(name):
    for wrong in BUGGY[name].values():
        ok, feedback = exercises.run_check(name, wrong)
        assert not any(piece in feedback for piece in SHARED_FORMULAS[name]), feedback
