"""Every self-checking exercise accepts its solution and rejects wrong answers."""

import importlib.util
from pathlib import Path

import pytest

from helpers import exercises

SOLUTIONS = Path(__file__).resolve().parents[1] / "solutions"


def _solution_functions() -> dict:
    found = {}
    for path in sorted(SOLUTIONS.glob("[0-9][0-9]_*.py")):
        spec = importlib.util.spec_from_file_location(f"solutions_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for name, value in vars(module).items():
            if callable(value) and not name.startswith("_") and value.__module__ == module.__name__:
                found[name] = value
    return found


SOLUTION_FUNCTIONS = _solution_functions()
NAMES = exercises.names()


def test_there_are_exercises():
    assert len(NAMES) >= 1


@pytest.mark.parametrize("name", NAMES)
def test_every_exercise_has_a_solution(name):
    assert name in SOLUTION_FUNCTIONS, f"solutions/ has no function named {name!r}"


@pytest.mark.parametrize("name", NAMES)
def test_the_solution_passes_its_check(name):
    ok, feedback = exercises.run_check(name, SOLUTION_FUNCTIONS[name])
    assert ok, feedback


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "wrong",
    [lambda *args, **kwargs: None, lambda *args, **kwargs: 0, lambda *args, **kwargs: 0.0],
    ids=["returns-None", "returns-0", "returns-0.0"],
)
def test_a_wrong_answer_fails_its_check(name, wrong):
    ok, feedback = exercises.run_check(name, wrong)
    assert not ok
    assert feedback  # a hint, not silence


@pytest.mark.parametrize("name", NAMES)
def test_the_unfinished_stub_gets_a_hint_not_a_traceback(name):
    def stub(*args, **kwargs):
        raise NotImplementedError

    ok, feedback = exercises.run_check(name, stub)
    assert not ok
    assert "NotImplementedError" in feedback


def test_check_prints_the_verdict(capsys):
    name = NAMES[0]
    assert exercises.check(name, SOLUTION_FUNCTIONS[name]) is None  # the cell shows only the text
    assert capsys.readouterr().out.startswith("Correct!")
    exercises.check(name, lambda *args: None)
    assert capsys.readouterr().out.startswith("Not yet: ")


def test_an_unknown_exercise_name_is_a_clear_error():
    with pytest.raises(ValueError, match="name must be one of"):
        exercises.check("no_such_exercise", print)
