"""Small pieces several test files share (not a test module: pytest collects only test_*.py)."""

from __future__ import annotations

import asyncio
import importlib.util
import threading
from pathlib import Path

SOLUTIONS = Path(__file__).resolve().parents[1] / "solutions"


def load_solution(name: str):
    """The module solutions/<name>.py (``name`` with or without ".py"), e.g. "03a_the_gradient"."""
    stem = name[:-3] if name.endswith(".py") else name
    spec = importlib.util.spec_from_file_location(f"solutions_{stem}", SOLUTIONS / f"{stem}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_in_own_loop(coro) -> threading.Thread:
    """asyncio.run(coro) in a thread of its own, as a kernel runs its loop (a loop that another
    test left running in this thread, such as sync Playwright's, cannot get in the way); re-raise
    what the coroutine raised. Returns the loop's thread."""
    errors = []

    def target():
        try:
            asyncio.run(coro)
        except BaseException as exc:  # noqa: BLE001 - handed back to the test's thread
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return thread
