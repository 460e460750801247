"""Notebook run time and memory: every notebook top to bottom in a fresh kernel (nbclient).

Each run starts a new ``python3`` kernel (the venv's python when run from the venv), executes
every cell, and appends one extra cell, the probe, which prints the kernel's peak resident
memory. Run time:

- wall: from asking for a fresh kernel to the end of the notebook's last cell (kernel start
  included, shutdown not), what "Restart kernel and run all" costs a learner;
- cells: the sum of the cells' own execution times (nbclient's per-cell timing metadata).

Peak memory: the kernel's own high-water mark of resident memory, read inside the kernel by the
probe cell: ``VmHWM`` from ``/proc/self/status`` on Linux. The operating system keeps this peak,
so no short-lived one is missed (polling with psutil could miss one between two samples). Not
``getrusage(RUSAGE_SELF).ru_maxrss``: on Linux that survives fork + exec, so a kernel started by
a big process (this benchmark, after its PyTorch runs) reports its parent's peak (measured: a
kernel started from a 640 MB process reported 636 MB, VmHWM 11 MB). Elsewhere (macOS) the
probe falls back to ru_maxrss. It includes the Python interpreter, ipykernel and the shared
libraries; a bare kernel's peak is measured too, for comparison.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from pathlib import Path

from .report import Section, fmt_seconds, median, skipped, verdict

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
EACH_TARGET_SECONDS = 20.0
ALL_TARGET_SECONDS = 180.0
MEMORY_TARGET_BYTES = 1e9
MEMORY_NOTEBOOK = "06_*.ipynb"  # the MNIST experiments
PROBE_TAG = "BENCHMARK-PROBE "
PROBE = f"""\
import json as _json, os as _os, resource as _resource, sys as _sys
def _vm_hwm_bytes():
    try:
        with open("/proc/self/status") as _status:
            for _line in _status:
                if _line.startswith("VmHWM:"):
                    return int(_line.split()[1]) * 1024
    except OSError:
        return None
_peak = _vm_hwm_bytes()
if _peak is None:  # no /proc (macOS): ru_maxrss, in bytes there
    _peak = _resource.getrusage(_resource.RUSAGE_SELF).ru_maxrss
_sources = sorted({{str(v.source) for v in list(globals().values())
                   if type(v).__name__.endswith("MNIST") and hasattr(v, "source")}})
print({PROBE_TAG!r} + _json.dumps({{
    "peak_rss_bytes": _peak,
    "executable": _sys.executable, "pid": _os.getpid(), "mnist_sources": _sources}}))
"""


def notebook_paths(directory: Path = NOTEBOOK_DIR) -> list[Path]:
    """The course's notebooks in order (NN_name.ipynb, or NNa_..., NNb_... for the parts of a
    topic), checkpoints excluded."""
    return sorted(p for p in directory.glob("[0-9D][0-9]_*.ipynb") if p.is_file())


def _timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _cell_seconds(cell) -> float:
    timing = cell.get("metadata", {}).get("execution", {})
    if "iopub.execute_input" not in timing or "shell.execute_reply" not in timing:
        return 0.0
    return (_timestamp(timing["shell.execute_reply"])
            - _timestamp(timing["iopub.execute_input"])).total_seconds()


def _probe_result(cell) -> dict:
    for output in cell.get("outputs", []):
        for line in output.get("text", "").splitlines():
            if line.startswith(PROBE_TAG):
                return json.loads(line[len(PROBE_TAG):])
    return {}


def run_notebook(path: Path | None, timeout: int = 600) -> dict:
    """Run one notebook (None: an empty one) in a fresh kernel; return its timings and memory.

    {"wall": seconds, "cells": seconds, "peak_rss_bytes": int or None, "executable": str,
     "mnist_sources": sources of the MNIST objects left in the notebook ("full", "sample"),
     "error": None or the first line of the error}
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    if path is None:
        nb, folder = nbformat.v4.new_notebook(), NOTEBOOK_DIR
    else:
        nb, folder = nbformat.read(path, as_version=4), path.parent
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}})
    started = datetime.now(timezone.utc)
    start = time.perf_counter()
    error = None
    try:
        client.execute()
    except CellExecutionError as exc:
        error = str(exc).strip().splitlines()[-1][:200] if str(exc).strip() else repr(exc)
    except Exception as exc:  # noqa: BLE001 - a dead kernel or a timeout is a result too
        error = f"{type(exc).__name__}: {exc}"[:200]
    probe_cell = nb.cells[-1]
    probe = _probe_result(probe_cell)
    timing = probe_cell.get("metadata", {}).get("execution", {})
    if "iopub.execute_input" in timing:  # kernel start + every cell, without the shutdown
        wall = (_timestamp(timing["iopub.execute_input"]) - started).total_seconds()
    else:
        wall = time.perf_counter() - start
    return {"wall": wall, "cells": sum(_cell_seconds(c) for c in nb.cells[:-1]),
            "peak_rss_bytes": probe.get("peak_rss_bytes"), "executable": probe.get("executable"),
            "mnist_sources": probe.get("mnist_sources", []), "error": error}


def run_all(paths: list[Path], repetitions: int) -> dict[str, list[dict]]:
    """Run every notebook ``repetitions`` times (the series in order each time)."""
    results = {path.name: [] for path in paths}
    for _ in range(repetitions):
        for path in paths:
            results[path.name].append(run_notebook(path))
    return results


def _megabytes(n_bytes) -> str:
    return "-" if n_bytes is None else f"{n_bytes / 1e6:.0f} MB"


def runtime_section(results: dict[str, list[dict]], repetitions: int) -> Section:
    """Section 4 from the runs of ``run_all``."""
    title = "4. Notebook run time (top to bottom, fresh kernel)"
    if not results:
        return skipped(title, f"no notebooks found in {NOTEBOOK_DIR}")
    columns = ["notebook", "wall (kernel start + cells)", "cells", "peak RSS",
               f"< {EACH_TARGET_SECONDS:.0f} s", "status"]
    rows, notes = [], []
    total_wall = total_cells = 0.0
    for name, runs in results.items():
        wall, cells = median(r["wall"] for r in runs), median(r["cells"] for r in runs)
        total_wall += wall
        total_cells += cells
        errors = [r["error"] for r in runs if r["error"]]
        peak = max((r["peak_rss_bytes"] or 0 for r in runs), default=0) or None
        rows.append([name, fmt_seconds(wall), fmt_seconds(cells), _megabytes(peak),
                     verdict(None if errors else wall < EACH_TARGET_SECONDS),
                     f"error: {errors[0]}" if errors else "ok"])
    rows.append([f"all {len(results)}", fmt_seconds(total_wall), fmt_seconds(total_cells), "-",
                 f"< {ALL_TARGET_SECONDS / 60:.0f} min: "
                 f"{verdict(total_wall < ALL_TARGET_SECONDS)}", ""])
    executables = {r["executable"] for runs in results.values() for r in runs if r["executable"]}
    notes += [
        f"Median of {repetitions} run(s) each; 'all' is the sum of the medians. wall: from "
        "asking for a fresh kernel to the end of the last cell (shutdown not included); cells: "
        "the sum of the cells' execution times (nbclient timing metadata).",
        f"Kernel: python3 kernelspec, running {', '.join(sorted(executables)) or 'unknown'}.",
    ]
    return Section(title=title, columns=columns, rows=rows, notes=notes,
                   data={"results": results, "total_wall": total_wall})


def memory_section(results: dict[str, list[dict]] | None = None, repetitions: int = 1) -> Section:
    """Section 5: peak RSS of the MNIST notebook, from ``results`` if it ran there already."""
    title = "5. Memory (peak resident set of the MNIST notebook's kernel)"
    paths = notebook_paths()
    matches = [p for p in paths if p.match(MEMORY_NOTEBOOK)]
    if not matches:
        return skipped(title, f"no notebook {MEMORY_NOTEBOOK} in {NOTEBOOK_DIR} yet")
    path = matches[0]
    runs = (results or {}).get(path.name) or [run_notebook(path) for _ in range(repetitions)]
    baseline = run_notebook(None)
    peaks = [r["peak_rss_bytes"] for r in runs if r["peak_rss_bytes"]]
    errors = [r["error"] for r in runs if r["error"]]
    peak = median(peaks) if peaks else None
    base = baseline["peak_rss_bytes"]
    sources = sorted({source for r in runs for source in r.get("mnist_sources", [])})
    columns = ["notebook", "MNIST data", "peak RSS (median)", "peak RSS (max)", "bare kernel",
               "notebook minus bare kernel", "< 1 GB", "status"]
    extra = None if peak is None or base is None else peak - base
    rows = [[path.name, ", ".join(sources) or "unknown", _megabytes(peak),
             _megabytes(max(peaks, default=None)), _megabytes(base), _megabytes(extra),
             verdict(None if peak is None else peak < MEMORY_TARGET_BYTES),
             f"error: {errors[0]}" if errors else "ok"]]
    notes = [
        "Method: the last cell of the run (appended by the benchmark) reads VmHWM from "
        "/proc/self/status in the kernel: the high-water mark of its resident memory kept by "
        "the operating system, so no short peak is missed (ru_maxrss would report the peak of "
        "the process that started the kernel: it survives fork + exec on Linux).",
        f"{len(runs)} fresh-kernel run(s) of the notebook as stored (its default settings); "
        "bare kernel: a fresh kernel that runs only that cell (interpreter + ipykernel). "
        "1 GB = 10⁹ bytes; MB = 10⁶ bytes.",
        "MNIST data: the source of the MNIST objects the notebook holds at its end ('full' "
        "when the full set is cached or downloadable, else 'sample'); the peak depends on it, "
        "so run `make data` first to measure the full-data case.",
    ]
    return Section(title=title, columns=columns, rows=rows, notes=notes,
                   data={"peak_rss_bytes": peak, "baseline_bytes": base})
