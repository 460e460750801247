"""Self-checking exercises: ``check(name, fn)`` says right or wrong without giving the answer away.

Each notebook registers its exercises in a module of this package (``nb01.py``, ``nb02.py``, ...)
with the ``@exercise(name)`` decorator. A checker receives the learner's function and returns
``(ok, feedback)``: it tries the function on inputs whose right outputs it can work out by itself,
and on failure gives a hint, never the solution. The solutions live in ``solutions/`` at the top of
the repository; ``tests/test_exercises.py`` runs every checker against its solution.
"""

from __future__ import annotations

import importlib
import pkgutil
import traceback

_CHECKERS: dict = {}


def exercise(name: str):
    """Register ``checker(fn) -> (ok: bool, feedback: str)`` under ``name``."""

    def register(checker):
        if name in _CHECKERS:
            raise ValueError(f"exercise name {name!r} is registered twice")
        _CHECKERS[name] = checker
        return checker

    return register


def _load_all() -> None:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


def names() -> list[str]:
    """Every registered exercise name."""
    _load_all()
    return sorted(_CHECKERS)


def run_check(name: str, fn) -> tuple[bool, str]:
    """Run one exercise's checker on ``fn``: (ok, feedback). Never raises for ``fn``'s bugs."""
    _load_all()
    if name not in _CHECKERS:
        raise ValueError(f"name must be one of {sorted(_CHECKERS)}; got {name!r}")
    if not callable(fn):
        return False, f"pass your function itself (e.g. check({name!r}, my_function)); got {fn!r}"
    try:
        return _CHECKERS[name](fn)
    except NotImplementedError:
        return False, "replace `raise NotImplementedError` with your code and run the cell again."
    except Exception as exc:  # the learner's function raised: tell them where, not the answer
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return False, f"your function raised {type(exc).__name__}: {exc} (line {where.lineno})."


def check(name: str, fn) -> None:
    """Check the learner's ``fn`` for exercise ``name`` and print the verdict.

    Returns None, so that the cell shows the verdict only (``run_check`` gives it as a value).
    """
    ok, feedback = run_check(name, fn)
    print(("Correct! " if ok else "Not yet: ") + feedback)


def number_hint(out) -> str | None:
    """None when ``out`` is one finite number; otherwise a hint saying what is wrong with it."""
    import numpy as np

    if out is None:
        return "your function returned None: return the result (a number)."
    if isinstance(out, bool) or np.ndim(out) != 0:
        return f"return one number; got {out!r}."
    try:
        value = float(out)
    except (TypeError, ValueError):
        return f"return a number; got {type(out).__name__}."
    if not np.isfinite(value):
        return f"return a finite number; got {value}."
    return None


def close(a, b, tol: float = 1e-9) -> bool:
    """True when two numbers or arrays agree to ``tol`` (relative, with an absolute floor)."""
    import numpy as np

    try:
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=tol, atol=tol))
