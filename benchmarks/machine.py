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


def describe() -> list[str]:
    """Lines describing the machine, for the top of the report."""
    physical = physical_cores()
    cores = f"{os.cpu_count()} logical"
    if physical:
        cores += f", {physical} physical"
    env = ", ".join(f"{name}={os.environ[name]}" for name in BLAS_ENV_VARS if name in os.environ)
    try:
        load = "load average {:.2f}, {:.2f}, {:.2f} (1, 5, 15 min) at the start".format(
            *os.getloadavg())
    except OSError:
        load = "load average unknown"
    return [
        f"CPU: {cpu_model()}; {cores} cores; {platform.system()} {platform.release()}",
        f"BLAS: {_blas_text()}",
        f"BLAS environment: {env or 'none of ' + ', '.join(BLAS_ENV_VARS) + ' set'}",
        f"Python {platform.python_version()} ({sys.executable}); numpy {np.__version__}; "
        f"torch {torch_version()}",
        f"Machine load: {load}",
    ]
