"""The exercises of notebooks 09a and 09b: the solutions pass, every diagnosed mistake gets the
hint that names it, and no hint gives the answer away."""

from __future__ import annotations

import numpy as np
import pytest
from support import load_solution as _load

from helpers import exercises

NAMES = {"09a_steering_a_network.py": ["update_ratio", "dead_fraction", "lr_for_update_ratio"],
         "09b_edge_of_stability_and_drawing.py": ["top_eigenvalue"]}




SOLUTION = {name: getattr(_load(file), name) for file, names in NAMES.items() for name in names}


@pytest.mark.parametrize("name", sorted(SOLUTION))
def test_the_solution_passes_every_time(name):
    for _ in range(20):  # the cases are partly random
        ok, feedback = exercises.run_check(name, SOLUTION[name])
        assert ok, feedback


@pytest.mark.parametrize("name", sorted(SOLUTION))
def test_each_diagnosed_mistake_gets_its_hint(name):
    from helpers.exercises import _MISTAKES

    for key, mistake in _MISTAKES[name].items():
        for _ in range(5):
            ok, feedback = exercises.run_check(name, mistake.wrong)
            assert not ok and feedback == mistake.hint, (key, feedback)


def _lr_loop(W, grad_W, target):  # a learner's loop: search the lr that gives the ratio
    lo, hi = 1e-12, 1e12
    for _ in range(200):
        mid = np.sqrt(lo * hi)
        ratio = np.linalg.norm(mid * grad_W) / np.linalg.norm(W)
        lo, hi = (mid, hi) if ratio < target else (lo, mid)
    return np.sqrt(lo * hi)


def test_a_right_answer_found_another_way_passes():
    ok, feedback = exercises.run_check("lr_for_update_ratio", _lr_loop)
    assert ok, feedback


def test_the_lr_hint_says_what_the_learners_lr_does_without_the_answer():
    ok, feedback = exercises.run_check("lr_for_update_ratio", lambda W, g, t: 3 * t)
    assert not ok
    assert "changes weights of shape 2 × 2 by" in feedback and "not 0.001" in feedback
    # the right lr on the first case is 1e-3 · 5 / 0.5 = 0.01
    assert "0.01" not in feedback


def test_a_constant_lr_fails():
    ok, _ = exercises.run_check("lr_for_update_ratio", lambda W, g, t: 0.01)
    assert not ok  # right on the first case only


def test_the_stub_gets_the_plain_hint():
    def stub(*args):
        raise NotImplementedError

    for name in SOLUTION:
        assert exercises.run_check(name, stub) == (False, exercises.STUB_HINT)
