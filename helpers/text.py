"""Small pieces of the sentences the course prints."""

from __future__ import annotations


def plural(n: int, word: str) -> str:
    """A count and its noun: plural(1, "step") -> "1 step", plural(7, "step") -> "7 steps"."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
