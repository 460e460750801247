"""A description of the machine the benchmarks ran on: CPU, cores, BLAS, versions, load.

threadpoolctl (optional extra ``bench``) tells which BLAS numpy really loaded and with how many
threads; without it the BLAS comes from ``numpy.show_config`` and the thread count is unknown.
"""

from __future__ import annotations

import os
import platform
import sys

import numpy as np

# Environment variables that change how BLAS libraries pick kernels or threads; reported, never set.
BLAS_ENV_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                 "MKL_NUM_THREADS")


def cpu_model() -> str:
    """The CPU's marketing name, from /proc/cpuinfo on Linux, else from platform."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def blas_info() -> list[dict]:
    """numpy's BLAS libraries as threadpoolctl sees them (empty list without threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return [info for info in threadpool_info() if info.get("user_api") == "blas"]


def blas_threads() -> int | None:
    """Number of threads numpy's BLAS uses (None when threadpoolctl is not installed)."""
    infos = blas_info()
    return infos[0]["num_threads"] if infos else None


def _blas_text() -> str:
    infos = blas_info()
    if infos:
        return "; ".join(
            f"{info.get('internal_api')} {info.get('version')} "
            f"({info.get('architecture') or 'unknown arch'}, {info.get('num_threads')} threads, "
            f"{info.get('threading_layer')})"
            for info in infos
        )
    try:  # numpy >= 1.25 without threadpoolctl
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version')} (threads unknown: no threadpoolctl)"
    except Exception:  # noqa: BLE001 - the description is best effort
        return "unknown (install threadpoolctl: pip install -e '.[bench]')"


def torch_version() -> str:
    """torch's version, or 'not installed'."""
    try:
        import torch
    except ImportError:
        return "not installed"
    return torch.__version__


def physical_cores() -> int | None:
    """Number of physical cores (psutil), None when unknown."""
    try:
        import psutil
    except ImportError:
        return None
    return psutil.cpu_count(logical=False)


def load_average() -> tuple[float, float, float] | None:
    """The operating system's 1, 5 and 15 minute load averages (None where unknown)."""
    try:
        return os.getloadavg()
    except (OSError, AttributeError):
        return None


def load_line(load, when: str) -> str:
    """'Machine load at the start: load average 0.12, 0.30, 0.25 (1, 5, 15 min)'."""
    if load is None:
        return f"Machine load {when}: unknown"
    return "Machine load {}: load average {:.2f}, {:.2f}, {:.2f} (1, 5, 15 min)".format(
        when, *load)


def busy_warning(start, end) -> str | None:
    """A warning when other processes were using the CPU, else None.

    start, end: 1-minute load averages before and after the run (None: unknown). Busy means
    more than half the cores loaded at the start, or at the end more than 1.5 x the cores
    (the benchmark itself then accounts for up to one load per core).
    """
    cores = os.cpu_count() or 1
    busy_start = start is not None and start > cores / 2
    busy_end = end is not None and end > 1.5 * cores
    if not (busy_start or busy_end):
        return None
    seen = max(load for load in (start, end) if load is not None)
    return (f"**Warning: the machine was busy** (1-minute load average up to {seen:.1f} "
            f"on {cores} cores): other processes shared the CPU, so these timings are not "
            "representative. Run again on a quiet machine.")


def describe() -> list[str]:
    """Lines describing the machine, for the top of the report."""
    physical = physical_cores()
    cores = f"{os.cpu_count()} logical"
    if physical:
        cores += f", {physical} physical"
    env = ", ".join(f"{name}={os.environ[name]}" for name in BLAS_ENV_VARS if name in os.environ)
    return [
        f"CPU: {cpu_model()}; {cores} cores; {platform.system()} {platform.release()}",
        f"BLAS: {_blas_text()}",
        f"BLAS environment: {env or 'none of ' + ', '.join(BLAS_ENV_VARS) + ' set'}",
        f"Python {platform.python_version()} ({sys.executable}); numpy {np.__version__}; "
        f"torch {torch_version()}",
        load_line(load_average(), "at the start"),
    ]
