"""Every self-checking exercise accepts right answers, rejects wrong ones, never gives the answer.

For every registered exercise (helpers/exercises/<topic>.py), with its solution
(solutions/<topic>.py, a function of the exercise's name): the solution passes on many calls
(the cases are partly random), a constant answer fails, and a function that raises, returns
None, the wrong kind of thing or NaN gets a plain hint instead of a traceback. Each topic's own
test file (tests/topics/test_<topic>.py) checks that the mistakes a learner would make get the
hints that name them.
"""

from __future__ import annotations

import re
import sys

import numpy as np
import pytest
from support import load_solution

from helpers import exercises

NAMES = exercises.names()


def topic_of(name: str) -> str:
    return sys.modules[exercises._CHECKERS[name].__module__].__name__.rsplit(".", 1)[-1]


def solution(name: str):
    return getattr(load_solution(topic_of(name)), name)


def _copy(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (tuple, list)):
        return type(value)(_copy(v) for v in value)
    return value


class Recorder:
    """Wraps a learner's function; records each call's arguments and the solution's output."""

    def __init__(self, name, fn):
        self.solution, self.fn, self.calls = solution(name), fn, []

    def __call__(self, *args):
        self.calls.append((_copy(args), self.solution(*_copy(args))))
        return self.fn(*args)


def test_there_are_exercises_in_every_topic():
    assert {topic_of(name) for name in NAMES} >= {"gd_1d", "valleys", "sgd", "epochs",
                                                   "backprop", "mnist", "optimizers", "tuning"}


@pytest.mark.parametrize("name", NAMES)
def test_the_solution_passes_on_many_calls(name):
    for _ in range(20):  # the cases are partly random: every draw must accept the solution
        ok, feedback = exercises.run_check(name, solution(name))
        assert ok, feedback


@pytest.mark.parametrize("name", NAMES)
def test_the_first_case_is_fixed_and_others_are_drawn_afresh(name):
    runs = [Recorder(name, solution(name)) for _ in range(2)]
    for run in runs:
        exercises.run_check(name, run)
    first, second = ([re.sub(r" at 0x[0-9a-f]+", "", repr(call), flags=re.I) for call in run.calls]
                     for run in runs)
    assert len(first) >= 4 and first[0] == second[0] and first != second


@pytest.mark.parametrize("name", NAMES)
def test_a_constant_answer_fails(name):
    recorder = Recorder(name, solution(name))
    exercises.run_check(name, recorder)
    constant = recorder.calls[0][1]  # the right answer on the first case, every time
    for _ in range(5):
        ok, feedback = exercises.run_check(name, lambda *args: _copy(constant))
        assert not ok and feedback


@pytest.mark.parametrize("name", NAMES)
def test_a_raising_function_gets_a_plain_hint(name):
    def raises(*args):
        raise ValueError("operands could not be broadcast")

    ok, feedback = exercises.run_check(name, raises)
    assert not ok
    assert "raised ValueError: operands could not be broadcast" in feedback
    assert f"line {raises.__code__.co_firstlineno + 1}" in feedback  # the learner's own line


@pytest.mark.parametrize("name", NAMES)
def test_a_function_returning_none_or_nan_gets_a_plain_hint(name):
    ok, feedback = exercises.run_check(name, lambda *args: None)
    assert not ok and "None" in feedback
    ok, feedback = exercises.run_check(name, lambda *args: float("nan"))
    assert not ok and "nan" in feedback.lower()


@pytest.mark.parametrize("name", NAMES)
def test_the_wrong_kind_of_result_gets_a_hint_naming_it(name):
    ok, feedback = exercises.run_check(name, lambda *args: "seven")
    assert not ok and "'seven'" in feedback


@pytest.mark.parametrize("name", NAMES)
def test_no_hint_of_a_diagnosed_mistake_recites_the_solution_source(name):
    source = [line.strip() for line in
              __import__("inspect").getsource(solution(name)).splitlines()
              if "return" in line and len(line.strip()) > 12]
    for hint in exercises.mistakes(name).values():
        for line in source:
            assert line.removeprefix("return ").strip() not in hint, (name, hint)


def test_the_stub_gets_the_stub_hint():
    def stub(*args):
        raise NotImplementedError

    for name in NAMES:
        ok, feedback = exercises.run_check(name, stub)
        assert not ok and feedback == exercises.STUB_HINT
