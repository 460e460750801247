"""Self-checking exercises: ``check(name, fn)`` says right or wrong without giving the answer away.

Each notebook registers its exercises in a module of this package (``nb01.py``, ``nb02.py``, ...)
with the ``@exercise(name, mistakes)`` decorator. A checker receives the learner's function and
returns ``(ok, feedback)``. It runs the function on several cases: a fixed one first, some drawn
at random on every call (so neither a constant nor an answer tuned to one case passes) and fixed
edge cases (zero, a batch of one, ties, large values). On the first case the function gets
wrong it stops with a hint:

- the function raised, returned None, the wrong kind or shape of thing, or NaN: say what came back;
- its output is what a common wrong attempt gives (a ``Mistake``: wrong sign, off by a factor 2,
  sum instead of mean, ...): name that mistake;
- otherwise: say which quantity is off on which case, without the formula.

The solutions live in ``solutions/`` at the top of the repository; ``tests/test_exercises.py``
runs every checker against its solution and against each diagnosed mistake.
"""

from __future__ import annotations

import importlib
import math
import pkgutil
import traceback
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

_CHECKERS: dict = {}
_MISTAKES: dict = {}

STUB_HINT = "replace `raise NotImplementedError` with your code and run the cell again."


class Hint(Exception):
    """Raised inside a checker to stop it with this feedback for the learner."""


@dataclass(frozen=True)
class Mistake:
    """A common wrong attempt: ``wrong(*case)`` is what it returns on a case; ``hint`` names it.

    ``wrong`` is None for a mistake the checker finds another way (e.g. changing an argument).
    """

    hint: str
    wrong: Callable | None


def exercise(name: str, mistakes: dict | None = None):
    """Register ``checker(fn) -> (ok, feedback)`` under ``name``, with its diagnosed mistakes."""

    def register(checker):
        if name in _CHECKERS:
            raise ValueError(f"exercise name {name!r} is registered twice")
        _CHECKERS[name] = checker
        _MISTAKES[name] = dict(mistakes or {})
        return checker

    return register


def _load_all() -> None:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


def names() -> list[str]:
    """Every registered exercise name."""
    _load_all()
    return sorted(_CHECKERS)


def mistakes(name: str) -> dict[str, str]:
    """The mistakes exercise ``name`` recognises: {short id: the hint that names it}."""
    _load_all()
    if name not in _MISTAKES:
        raise ValueError(f"name must be one of {sorted(_MISTAKES)}; got {name!r}")
    return {key: mistake.hint for key, mistake in _MISTAKES[name].items()}


def run_check(name: str, fn) -> tuple[bool, str]:
    """Run one exercise's checker on ``fn``: (ok, feedback). Never raises for ``fn``'s bugs."""
    _load_all()
    if name not in _CHECKERS:
        raise ValueError(f"name must be one of {sorted(_CHECKERS)}; got {name!r}")
    if not callable(fn):
        return False, f"pass your function itself (e.g. check({name!r}, my_function)); got {fn!r}"
    try:
        return _CHECKERS[name](fn)
    except Hint as hint:
        return False, str(hint)
    except Exception as exc:  # something the function returned could not be used at all
        return False, (f"what your function returned could not be checked "
                       f"({type(exc).__name__}: {exc}).")


def check(name: str, fn) -> None:
    """Check the learner's ``fn`` for exercise ``name`` and print the verdict.

    Returns None, so that the cell shows the verdict only (``run_check`` gives it as a value).
    """
    ok, feedback = run_check(name, fn)
    print(("Correct! " if ok else "Not yet: ") + feedback)


# ---------------------------------------------------------------------------------------------
# Running the learner's function and reading what it returned


def describe(out) -> str:
    """A short description of a returned value, for a hint: ``None``, ``an array of shape (3,)``."""
    if out is None:
        return "None"
    if isinstance(out, np.ndarray):
        if out.dtype.kind not in "biuf":
            kind = {"U": "text", "S": "bytes", "O": "Python objects", "c": "complex numbers"}
            return f"an array of shape {out.shape} holding {kind.get(out.dtype.kind, out.dtype)}"
        return f"an array of shape {out.shape}" if out.ndim else describe(out.item())
    if isinstance(out, (int, float, np.number)) and not isinstance(out, bool):
        text = repr(out.item() if isinstance(out, np.number) else out)
        return f"the number {text}" if len(text) <= 40 else f"a {len(text)}-digit number"
    if isinstance(out, (tuple, list)):
        return f"a {type(out).__name__} of {len(out)} item{'s' if len(out) != 1 else ''}"
    if isinstance(out, str):
        return f"the text {out[:30]!r}"
    text = repr(out)
    return text if len(text) <= 40 else f"a {type(out).__name__}"


def call(fn, args: tuple, where: str, copy: bool = True):
    """``fn(*args)`` on copies of the arrays in ``args``; its exceptions become a ``Hint``."""
    if copy:
        args = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)
    try:
        return fn(*args)
    except Hint:
        raise
    except NotImplementedError:
        raise Hint(STUB_HINT) from None
    except Exception as exc:
        code = getattr(fn, "__code__", None)
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if code is not None and f.filename == code.co_filename]
        line = f", line {frames[-1].lineno}" if frames else ""
        raise Hint(f"{where} your function raised {type(exc).__name__}: {exc}{line}.") from None


def number_hint(out) -> str | None:
    """None when ``out`` is one finite number; otherwise a hint saying what came back."""
    if out is None:
        return "your function returned None: return the result (a number)."
    try:
        ndim = np.ndim(out)
    except ValueError:  # a ragged list
        ndim = None
    if isinstance(out, (bool, np.bool_)) or ndim != 0:
        return f"return one number; got {describe(out)}."
    try:
        value = float(out)
    except (TypeError, ValueError, OverflowError):
        return f"return a number; got {describe(out)}."
    if not np.isfinite(value):
        return f"return a finite number; got {value}."
    return None


def as_number(out, where: str, case: tuple = ()) -> float:
    """``out`` as a float, or a ``Hint`` (saying on which case) if it is not one finite number."""
    problem = number_hint(out)
    if problem:
        raise Hint(f"{where} {problem}")
    return float(out)


def as_array(out, shape: tuple, what: str, where: str) -> np.ndarray:
    """``out`` as a float array of ``shape``, or a ``Hint`` naming what came back instead."""
    if out is None:
        raise Hint(f"{where} your function returned None for {what}: return an array of shape "
                   f"{shape}.")
    try:
        arr = np.asarray(out, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise Hint(f"{where} {what} must be an array of numbers; got {describe(out)}.") from None
    if arr.shape != shape:
        got = describe(out if arr.ndim <= 1 else arr)
        if isinstance(out, (list, tuple)) and arr.ndim > 1:
            got = f"a {type(out).__name__} of shape {arr.shape}"
        raise Hint(f"{where} {what} must have shape {shape}; got {got}.")
    if not np.all(np.isfinite(arr)):
        bad = "NaN" if np.any(np.isnan(arr)) else "inf"
        count = int(np.sum(~np.isfinite(arr)))
        raise Hint(f"{where} {what} contains {bad} ({count} of its {arr.size} entries).")
    return arr


def as_arrays(out, shapes: dict, where: str) -> list[np.ndarray]:
    """Split a returned tuple into float arrays of ``shapes`` ({name: shape}, in order)."""
    count = len(shapes)
    order = ", ".join(shapes)
    if not isinstance(out, (tuple, list)) or len(out) != count:
        raise Hint(f"{where} return the tuple ({order}); got {describe(out)}.")
    arrays = []
    for item, (what, shape) in zip(out, shapes.items()):
        try:
            got = np.shape(item)
        except (TypeError, ValueError):
            got = None
        if got != shape and any(got == other for other in shapes.values() if other != shape):
            raise Hint(f"{where} {what} must have shape {shape}, got {got}: return the tuple "
                       f"({order}) in this order, each with the shape of what it belongs to.")
        arrays.append(as_array(item, shape, what, where))
    return arrays


def read_step_count(out, where: str) -> float:
    """A learner's step count: a whole number >= 0, or None for "never" (read as inf)."""
    if out is None:
        return math.inf  # None: "never gets there"
    if isinstance(out, (int, float, np.number)) and not isinstance(out, bool) and np.isposinf(out):
        raise Hint(f"{where} your function returned inf: return None for a run that never gets "
                   "within tol, and otherwise the number of steps.")
    value = as_number(out, where)
    if value < 0 or value != int(value):
        raise Hint(f"{where} return a whole number of steps (or None); yours is "
                   f"{'negative' if value < 0 else 'not a whole number'}.")
    return value


def close(a, b, tol: float = 1e-9) -> bool:
    """True when numbers or arrays (or lists of arrays) agree to ``tol``, relative to b's scale."""
    if isinstance(a, list) or isinstance(b, list):
        return (isinstance(a, list) and isinstance(b, list) and len(a) == len(b)
                and all(close(x, y, tol) for x, y in zip(a, b)))
    try:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return False
    if a.shape != b.shape:
        return False
    scale = max(1.0, float(np.max(np.abs(b), initial=0.0))) if np.all(np.isfinite(b)) else 1.0
    return bool(np.allclose(a, b, rtol=tol, atol=tol * scale))


def run_cases(fn, cases, *, answer, read, label, mistakes, pointer, tol: float = 1e-9) -> None:
    """Run ``fn`` on every case; raise a ``Hint`` at the first case it gets wrong.

    cases:    tuples of arguments; the first is fixed, the others include random and edge cases
    answer:   ``answer(*case)``, the right output (in the form ``read`` gives)
    read:     ``read(out, where, case)`` turns what ``fn`` returned into a number, an array or a
              list of arrays, or raises a ``Hint`` naming what came back
    label:    ``label(*case)``, the case in words for a hint ("for x = 2, lr = 0.25")
    mistakes: {id: Mistake}; one is named when its ``wrong`` agrees with ``fn`` on every case so far
    pointer:  ``pointer(case, out, expected)``, the hint when no known mistake fits
    """
    outs, seen = [], []
    for case in cases:
        where = label(*case)
        out = read(call(fn, case, where + ":"), where + ":", case)
        expected = answer(*case)
        outs.append(out)
        seen.append(case)
        if close(out, expected, tol):
            continue
        for mistake in mistakes.values():
            if all(close(o, mistake.wrong(*c), tol) for o, c in zip(outs, seen)):
                raise Hint(mistake.hint)
        raise Hint(pointer(case, out, expected))


def log_uniform(rng, low: float, high: float) -> float:
    """A random number between ``low`` and ``high``, uniform on a log scale."""
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))
