"""The exercises of notebooks 04a and 04b: right answers pass, each known mistake gets its hint.

The solutions are read from solutions/04a_*.py and solutions/04b_*.py. Every checker draws part
of its cases afresh on each call, so the solution is run many times.
"""


import numpy as np
import pytest
from support import load_solution as _load

from helpers import exercises
from helpers.exercises import STUB_HINT, run_check
from helpers.lab.backprop_cost import count_multiply_adds

PARTS = {"04a_the_chain_rule_and_gradient_checking.py":
         ["linear_backward", "gradient_check_error", "two_layer_grads"],
         "04b_the_cost_of_a_gradient_and_softmax.py": ["softmax_ce_grad", "gradient_costs"]}




SOLUTION = {name: getattr(_load(file_name), name)
            for file_name, names in PARTS.items() for name in names}
NAMES = sorted(SOLUTION)
exercises.names()  # loads every checker module
# every mistake a checker can name from what the function returns: (exercise, mistake id)
MISTAKES = [(name, key) for name in NAMES
            for key, mistake in exercises._MISTAKES[name].items() if mistake.wrong is not None]


def test_each_part_has_its_exercises_registered():
    registered = set(exercises.names())
    assert set(NAMES) <= registered


@pytest.mark.parametrize("name", NAMES)
def test_the_solution_passes_on_many_calls(name):
    for _ in range(20):
        ok, feedback = run_check(name, SOLUTION[name])
        assert ok, feedback


@pytest.mark.parametrize("name", NAMES)
def test_the_stub_gets_the_stub_hint(name):
    def stub(*args):
        raise NotImplementedError

    assert run_check(name, stub) == (False, STUB_HINT)


@pytest.mark.parametrize("name", NAMES)
def test_a_function_returning_none_gets_a_plain_hint(name):
    ok, feedback = run_check(name, lambda *args: None)
    assert not ok and "None" in feedback


@pytest.mark.parametrize("name, key", MISTAKES)
def test_each_known_mistake_gets_its_own_hint(name, key):
    mistake = exercises._MISTAKES[name][key]
    for _ in range(5):  # on fresh random cases each time
        ok, feedback = run_check(name, mistake.wrong)
        assert not ok and feedback == mistake.hint, (key, feedback)


def test_gradient_costs_agrees_with_the_counter_of_section_4():
    rng = np.random.default_rng(0)
    for _ in range(10):
        sizes = [int(n) for n in rng.integers(1, 30, size=int(rng.integers(2, 6)))]
        batch_size = int(rng.integers(1, 50))
        counts = count_multiply_adds(sizes, batch_size)
        assert SOLUTION["gradient_costs"](sizes, batch_size) == (
            counts["backprop"], counts["finite_differences"])


def test_the_finite_difference_ratio_does_not_depend_on_the_batch():
    ratios = {b: np.divide(*SOLUTION["gradient_costs"]([784, 128, 10], b)[::-1])
              for b in (1, 64)}
    assert ratios[1] == pytest.approx(ratios[64]) == pytest.approx(2 * 101_770 / 3)


def test_a_wrong_count_on_one_network_only_is_caught():
    right = SOLUTION["gradient_costs"]

    def only_right_for_the_fixed_case(sizes, batch_size):
        return right([784, 128, 10], 32)  # the answer of the first case, whatever is asked

    ok, feedback = run_check("gradient_costs", only_right_for_the_fixed_case)
    assert not ok and "off" in feedback


# gradient_costs written wrong the way a learner would (for tests/test_exercises.py's BUGGY too)
def _forward(sizes, batch_size):
    return batch_size * sum(n_in * n_out for n_in, n_out in zip(sizes, sizes[1:]))


def _params(sizes):
    return sum((n_in + 1) * n_out for n_in, n_out in zip(sizes, sizes[1:]))


GRADIENT_COSTS_BUGGY = {
    "no_biases": lambda s, b: (3 * _forward(s, b),
                               2 * sum(i * o for i, o in zip(s, s[1:])) * _forward(s, b)),
    "backward_once": lambda s, b: (2 * _forward(s, b), 2 * _params(s) * _forward(s, b)),
    "forward_only": lambda s, b: (_forward(s, b), 2 * _params(s) * _forward(s, b)),
    "one_pass_per_parameter": lambda s, b: (3 * _forward(s, b), _params(s) * _forward(s, b)),
    "no_batch": lambda s, b: (3 * _forward(s, 1), 2 * _params(s) * _forward(s, 1)),
    "skip_first_dX": lambda s, b: (3 * _forward(s, b) - b * s[0] * s[1],
                                   2 * _params(s) * _forward(s, b)),
}


def test_every_gradient_costs_mistake_has_a_buggy_function():
    assert set(GRADIENT_COSTS_BUGGY) == set(exercises.mistakes("gradient_costs"))


@pytest.mark.parametrize("key", sorted(GRADIENT_COSTS_BUGGY))
def test_a_learner_style_gradient_costs_mistake_gets_its_hint(key):
    for _ in range(5):
        ok, feedback = run_check("gradient_costs", GRADIENT_COSTS_BUGGY[key])
        assert not ok and feedback == exercises.mistakes("gradient_costs")[key]


def test_no_gradient_costs_hint_gives_the_counts_away():
    def off(sizes, batch_size):
        backprop, differences = SOLUTION["gradient_costs"](sizes, batch_size)
        return backprop + 1, differences * 1.01

    for wrong in (off, *GRADIENT_COSTS_BUGGY.values()):
        ok, feedback = run_check("gradient_costs", wrong)
        assert not ok
        right = SOLUTION["gradient_costs"]([784, 128, 10], 32)
        for number in right:
            assert f"{number}" not in feedback and f"{number:,}" not in feedback, feedback
        for formula in ("3 * forward", "2 * params", "2P", "(n_in + 1)", "3F"):
            assert formula not in feedback, feedback


# Picked up by tests/test_exercises.py, which runs its general checks on every exercise.
SHARED_BUGGY = {"gradient_costs": GRADIENT_COSTS_BUGGY}
SHARED_FORMULAS = {"gradient_costs": ["3 * forward", "2 * params", "2P", "(n_in + 1)", "3F"]}
