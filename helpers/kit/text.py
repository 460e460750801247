"""Small pieces of the sentences the course prints (skip this file).

``approx`` marks a number that comes out of training, or out of any computation that amplifies
rounding, as an estimate: ``approx(0.9213, ".2f")`` is ``"≈ 0.92"``. Its last digits may differ on
another CPU, so the test suite masks every "≈ number" (tests/nbval_sanitize.cfg) and checks the
claim it supports with a tolerance instead.
"""

from __future__ import annotations


def plural(n: int, word: str) -> str:
    """plural(1, "step") -> "1 step"; plural(7, "step") -> "7 steps"."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def approx(value: float, fmt: str = ".2g") -> str:
    """``value`` marked as an estimate: approx(0.9213, ".2f") -> "≈ 0.92"."""
    return f"≈ {value:{fmt}}"


def percent(value: float, digits: int = 0) -> str:
    """A fraction as an estimated percentage: percent(0.9213) -> "≈ 92%"."""
    return f"≈ {100 * value:.{digits}f}%"
