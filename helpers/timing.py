"""Timing small computations: wall-clock seconds, and BLAS on one thread for steadier numbers."""

from __future__ import annotations

import contextlib
import time

import numpy as np

from helpers.validate import check_callable, check_int


def one_blas_thread():
    """A context in which numpy's matrix products (BLAS) use one thread.

    For small products one thread is faster, and on a busy machine several spin-waiting threads
    are far slower (and their timings jumpy). Without ``threadpoolctl`` this does nothing.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency of the course
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def seconds(fn, repeats: int) -> np.ndarray:
    """Wall-clock seconds of ``repeats`` calls of ``fn()``: (repeats,), for a min or a median.

    The minimum is the run least disturbed by other work on the machine; the median is steadier
    when a single call is short.
    """
    check_callable("fn", fn)
    repeats = check_int("repeats", repeats, low=1)
    times = np.empty(repeats)
    for i in range(repeats):
        start = time.perf_counter()
        fn()
        times[i] = time.perf_counter() - start
    return times
