"""Small pieces of the sentences the course prints."""

from __future__ import annotations

from helpers.validate import check_int


def plural(n: int, word: str) -> str:
    """A count and its noun: plural(1, "step") -> "1 step", plural(7, "step") -> "7 steps"."""
    n = check_int("n", n, low=0)
    if not isinstance(word, str):
        raise TypeError(f"word must be a string, e.g. \"step\"; got {word!r}")
    if not word:
        raise ValueError("word must be a non-empty string, e.g. \"step\"; got ''")
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
