"""Benchmarks of the course's code on the machine they run on: ``python -m benchmarks``.

Five sections, each skipped with a note when what it measures does not exist yet:

1. ``training``:  one epoch of a 784-128-10 MLP with helpers, a bare numpy loop and PyTorch;
2. ``hardware``:  GFLOP/s of training at batch size 256 against the measured matmul peak;
3. ``sliders``:   a frame while dragging and a full redraw, panels of 01, 02, 03, 06 and 07;
4. ``notebooks``: each notebook top to bottom in a fresh kernel, and the whole series;
5. ``memory``:    peak resident memory of the MNIST notebook's kernel.

The results are printed and written as markdown to ``benchmarks/results.md``. Benchmarks never
fail on speed; ``tests/test_benchmarks.py`` only checks that a tiny run still works.
"""

from .cli import SECTIONS, Options, main, run

__all__ = ["SECTIONS", "Options", "main", "run"]
