"""Smoke test of ``python -m benchmarks``: a tiny run still produces every table it should.

It checks the shape of the report (sections, columns, rows), never a speed: benchmarks do not
fail on speed. Notebooks and memory are not run here (they take minutes).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def run_benchmarks(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``python -m benchmarks ARGS`` from the repository root, with one BLAS thread.

    Speeds are not checked here; one thread keeps a tiny run quick on a busy machine, where
    BLAS threads waiting for each other can make small matmuls many times slower.
    """
    env = {**os.environ, **{name: "1" for name in THREAD_VARIABLES}}
    return subprocess.run([sys.executable, "-m", "benchmarks", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def tables(markdown: str) -> dict[str, list[list[str]]]:
    """{section title: table rows as lists of cells, header first} from the report."""
    result, title = {}, None
    for line in markdown.splitlines():
        if line.startswith("## "):
            title = line[3:].strip()
            result[title] = []
        elif line.startswith("|") and not line.startswith("|---") and title is not None:
            result[title].append([cell.strip() for cell in line.strip("|").split("|")])
    return result


def section(report: dict, number: str) -> list[list[str]]:
    """The table of the section whose title starts with ``number`` (e.g. "1.")."""
    matches = [rows for title, rows in report.items() if title.startswith(number)]
    assert len(matches) == 1, f"expected one section {number}; got titles {list(report)}"
    return matches[0]


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory) -> tuple[str, dict]:
    output = tmp_path_factory.mktemp("bench") / "results.md"
    done = run_benchmarks("--quick", "--output", str(output))
    assert done.returncode == 0, done.stderr
    assert "crashed" not in done.stdout, done.stdout
    markdown = output.read_text(encoding="utf-8")
    assert markdown == done.stdout.rstrip("\n") + "\n"  # printed and written alike
    return markdown, tables(markdown)


@pytest.mark.slow
def test_quick_run_describes_the_machine(quick_report):
    markdown, _ = quick_report
    for field in ("CPU:", "BLAS:", "BLAS environment:", "numpy", "torch"):
        assert field in markdown


@pytest.mark.slow
def test_training_table_has_every_batch_size_and_implementation(quick_report):
    header, *rows = section(quick_report[1], "1.")
    assert header[:7] == ["batch size", "steps", "helpers", "bare numpy", "PyTorch (CPU)",
                          "helpers / bare", "PyTorch / helpers"]
    assert [row[0] for row in rows] == ["1", "10", "64", "256"]
    assert all(row[2] != "-" and row[3] != "-" for row in rows)  # helpers and numpy measured


@pytest.mark.slow
def test_hardware_table_compares_with_the_matmul_peak(quick_report):
    markdown, report = quick_report
    header, *rows = section(report, "2.")
    assert header[:4] == ["implementation", "seconds per epoch", "GFLOP/s", "fraction of peak"]
    names = [row[0] for row in rows]
    assert names[:2] == ["helpers", "bare numpy"]
    assert names[-1] == "matmuls alone (ceiling)"
    assert "Peak: float32 np.matmul" in markdown


@pytest.mark.slow
def test_slider_table_lists_every_panel_and_measures_each_that_exists(quick_report):
    from benchmarks.sliders import PANELS

    header, *rows = section(quick_report[1], "3.")
    assert header[:9] == ["notebook", "panel", "controls dragged", "drag frames", "drag median",
                          "drag 90th percentile", "full redraws in drag", "full redraw",
                          "drag / full"]
    assert [row[:2] for row in rows] == [list(item) for item in PANELS.items()]
    for row in rows:  # every panel is measured: dragged, or (on release) jumped
        assert row[-1] not in ("failed", "not written"), row
        assert row[4] != "-" or (row[2] == "none (redraws on release)" and row[9] != "-"), row


def test_the_training_benchmark_runs_a_full_epoch_of_helpers_and_of_bare_numpy():
    from benchmarks.training import epoch_helpers, epoch_numpy, make_data

    X, y = make_data(64)
    for epoch in (epoch_helpers, epoch_numpy):
        seconds, loss = epoch(X, y, batch_size=8)
        assert seconds > 0 and 2.0 < loss < 2.6  # about log 10: random labels


def test_unknown_section_is_refused_with_the_allowed_names():
    done = run_benchmarks("--only", "trainig")
    assert done.returncode == 2
    assert "training, hardware, sliders, notebooks, memory" in done.stderr
