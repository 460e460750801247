"""The exercises of notebooks 08a and 08b: each checker accepts its solution, rejects wrong
answers with the hint that names the mistake, and never recites the answer.

The solutions are read from solutions/08a_*.py and 08b_*.py. tests/test_exercises.py runs the
same properties over every exercise of the course and takes the buggy versions and the formulas
of the two new exercises from SHARED_BUGGY and SHARED_FORMULAS below.
"""

import math
import re

import numpy as np
import pytest
from support import load_solution as _load

from helpers import exercises

NAMES = ["he_std", "predicted_gradient_ratio", "dropout_forward_backward",
         "early_stopping_epochs"]




_A = _load("08a_initialisation")
_B = _load("08b_overfitting_and_regularisation")
SOLUTION = {"he_std": _A.he_std, "predicted_gradient_ratio": _A.predicted_gradient_ratio,
            "dropout_forward_backward": _B.dropout_forward_backward,
            "early_stopping_epochs": _B.early_stopping_epochs}


# ---- learners' functions with one mistake each, written as a learner would write them

def _ratio_squared(depth, fan_in, std, slope_sq):
    return (fan_in * std**2 * slope_sq) ** (depth - 1)


def _early(val_loss, patience, *, ties=False, late=0, zero_based=False, keep_last=False,
           global_min=False):
    best, best_epoch = math.inf, 0
    for epoch, loss in enumerate(val_loss, start=1):
        if loss < best or (ties and loss == best):
            best, best_epoch = loss, epoch
        if epoch - best_epoch >= patience + late:
            break
    stop = epoch
    if keep_last:
        best_epoch = stop
    if global_min:
        best_epoch = int(np.argmin(val_loss)) + 1
    return (stop - 1, best_epoch - 1) if zero_based else (stop, best_epoch)


SHARED_BUGGY = {
    "predicted_gradient_ratio": {
        "variance": _ratio_squared,
        "depth_not_gaps": lambda d, n, s, q: math.sqrt(n * s * s * q) ** d,
        "no_slope": lambda d, n, s, q: math.sqrt(n * s**2) ** (d - 1),
        "std_not_variance": lambda d, n, s, q: (n * s * q) ** ((d - 1) / 2),
    },
    "early_stopping_epochs": {
        "zero_based": lambda v, p: _early(v, p, zero_based=True),
        "keeps_last": lambda v, p: _early(v, p, keep_last=True),
        "one_late": lambda v, p: _early(v, p, late=1),
        "one_early": lambda v, p: _early(v, p, late=-1),
        "ties_improve": lambda v, p: _early(v, p, ties=True),
        "global_min": lambda v, p: _early(v, p, global_min=True),
    },
}
BUGGY = SHARED_BUGGY
ALTERNATIVES = {
    "predicted_gradient_ratio": lambda d, n, s, q: math.exp((d - 1) / 2 * math.log(n * s * s * q)),
    "early_stopping_epochs": lambda v, p: list(_early(v, p)),
}
SHARED_FORMULAS = {
    "predicted_gradient_ratio": ["(depth - 1) / 2", "(depth − 1)/2", "** ((depth", "fan_in * std"],
    "early_stopping_epochs": ["epoch - best_epoch >= patience", ">= patience", "< best"],
}
FORMULAS = SHARED_FORMULAS


@pytest.mark.parametrize("name", NAMES)
def test_the_solution_passes_on_many_calls(name):
    for _ in range(20):
        ok, feedback = exercises.run_check(name, SOLUTION[name])
        assert ok, feedback


@pytest.mark.parametrize("name", list(ALTERNATIVES))
def test_a_right_answer_written_differently_passes(name):
    for _ in range(10):
        ok, feedback = exercises.run_check(name, ALTERNATIVES[name])
        assert ok, feedback


@pytest.mark.parametrize("name", list(BUGGY))
def test_every_diagnosed_mistake_has_a_buggy_function_here(name):
    assert set(BUGGY[name]) == set(exercises.mistakes(name))


@pytest.mark.parametrize("name, mistake", [(n, m) for n in BUGGY for m in BUGGY[n]])
def test_a_mistake_gets_the_hint_that_names_it(name, mistake):
    hint = exercises.mistakes(name)[mistake]
    for piece in FORMULAS[name]:
        assert piece not in hint
    for _ in range(5):
        assert exercises.run_check(name, BUGGY[name][mistake]) == (False, hint)


@pytest.mark.parametrize("name", list(BUGGY))
def test_a_constant_answer_fails(name):
    calls = []

    def record(*args):
        calls.append(SOLUTION[name](*args))
        return calls[-1]

    exercises.run_check(name, record)
    assert len(calls) >= 4
    for _ in range(5):
        ok, feedback = exercises.run_check(name, lambda *args: calls[0])
        assert not ok and feedback


@pytest.mark.parametrize("name", list(BUGGY))
@pytest.mark.parametrize("returned, named", [(None, "None"), ("seven", "'seven'"),
                                             (np.zeros(7), "(7,)"), (float("nan"), "nan")])
def test_the_wrong_kind_of_result_gets_a_plain_hint(name, returned, named):
    ok, feedback = exercises.run_check(name, lambda *args: returned)
    assert not ok
    assert named in (feedback.lower() if named == "nan" else feedback)


@pytest.mark.parametrize("name", list(BUGGY))
def test_the_unfinished_stub_gets_the_stub_hint(name):
    def stub(*args):
        raise NotImplementedError

    assert exercises.run_check(name, stub) == (False, exercises.STUB_HINT)


def test_a_ratio_hint_never_gives_the_number():
    wrong = lambda d, n, s, q: 1.01 * SOLUTION["predicted_gradient_ratio"](d, n, s, q)  # noqa: E731
    ok, feedback = exercises.run_check("predicted_gradient_ratio", wrong)
    assert not ok
    expected = SOLUTION["predicted_gradient_ratio"](20, 64, 1 / math.sqrt(192), 0.5)
    for text in (f"{expected:.3g}", f"{expected:.2g}", f"{expected:g}"):
        assert not re.search(re.escape(text), feedback)


def test_a_negative_ratio_is_named():
    ok, feedback = exercises.run_check("predicted_gradient_ratio", lambda *args: -1.0)
    assert not ok and "positive" in feedback


# ---- what the statements of the exercises promise the learner

def test_the_ratio_for_pytorchs_default_with_relu_at_depth_20_is_a_few_times_1e_minus_8():
    ratio = SOLUTION["predicted_gradient_ratio"](20, 64, 1 / math.sqrt(3 * 64), 0.5)
    assert 1e-8 < ratio < 1e-7  # (1/6)^(19/2) = 4.1e-8


def test_he_predicts_a_level_gradient():
    assert SOLUTION["predicted_gradient_ratio"](20, 64, SOLUTION["he_std"](64), 0.5) == \
        pytest.approx(1.0)


def test_early_stopping_epochs_agree_with_fit():
    from helpers.data import load_mnist
    from helpers.lab import deep
    from helpers.layers import mlp

    mnist = load_mnist("sample", verbose=False)
    X_train, y_train, X_val, y_val = deep.validation_split(mnist.X_train, mnist.y_train, 800)
    X_small, y_small = deep.stratified_subset(X_train, y_train, 100, seed=0)
    plain = deep.fit(mlp([784, 20, 10], seed=0, dtype=np.float64), X_small, y_small,
                     X_val[:200], y_val[:200], num_epochs=25, seed=0)
    early = deep.fit(mlp([784, 20, 10], seed=0, dtype=np.float64), X_small, y_small,
                     X_val[:200], y_val[:200], num_epochs=25, patience=3, seed=0)
    assert early.stop_epoch < 25  # it did stop early: a real comparison
    assert SOLUTION["early_stopping_epochs"](plain.val_loss, 3) == (early.stop_epoch,
                                                                    early.best_epoch)
