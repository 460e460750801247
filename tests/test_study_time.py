"""Study times: the model of scripts/study_time.py counts every part of the work and agrees with
times measured by working through notebooks; no core notebook takes more than an hour, no deep
dive more than 75 minutes, the core track at most 8 hours; the index states the estimates."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "notebooks"
CORE = sorted(p.name for p in FOLDER.glob("[0-9][0-9]_*.ipynb") if p.name != "00_index.ipynb")
DEEP = sorted(p.name for p in FOLDER.glob("D[0-9]_*.ipynb"))

_spec = importlib.util.spec_from_file_location("study_time", ROOT / "scripts" / "study_time.py")
study_time = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(study_time)

# Three notebooks of the earlier course, as they stood when a motivated learner worked through
# them (running every cell, reading every output, doing every exercise and its open parts):
# their counts by this model, and the minutes that took.
MEASURED = {
    "01_gradient_descent_1d": (80, {
        "words": 1449, "inline math": 112, "displayed equation": 3, "output line": 30,
        "code cell": 18, "code line": 139, "figure": 3, "panel": 1, "prediction": 1,
        "checked exercise": 3, "open task": 2}),
    "04b_the_cost_of_a_gradient_and_softmax": (90, {
        "words": 1998, "inline math": 70, "displayed equation": 4, "output line": 37,
        "code cell": 18, "code line": 140, "figure": 3, "panel": 0, "prediction": 1,
        "checked exercise": 2, "open task": 1}),
    "06c_optimizers_on_mnist_and_schedules": (90, {
        "words": 2075, "inline math": 0, "displayed equation": 1, "output line": 35,
        "code cell": 20, "code line": 204, "figure": 5, "panel": 0, "prediction": 1,
        "checked exercise": 2, "open task": 2}),
}


@pytest.mark.parametrize("name", MEASURED)
def test_the_model_agrees_with_measured_times_within_20_percent(name):
    measured, found = MEASURED[name]
    assert abs(study_time.estimate(found) - measured) <= 0.2 * measured


def test_the_model_counts_every_part_of_the_work(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(" ".join(["word"] * 200) + " with $x^2$ and\n$$y = 1$$"),
        nbformat.v4.new_code_cell("x = 1\nprint(x)", outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="1\n2\n")]),
        nbformat.v4.new_code_cell("panel = lr_panel()\npanel"),
        nbformat.v4.new_code_cell('guess = predict("?", ["a", "b"])'),
        nbformat.v4.new_markdown_cell("**Exercise 2 (no checker).** Then use it: compare."),
        nbformat.v4.new_code_cell('check("gd_step", gd_step)'),
    ]
    path = tmp_path / "01_x.ipynb"
    nbformat.write(nb, path)
    found = study_time.counts(path)
    assert found == {"words": 211, "inline math": 1, "displayed equation": 1, "output line": 2,
                     "code cell": 4, "code line": 6, "figure": 0, "panel": 1, "prediction": 1,
                     "checked exercise": 1, "open task": 2}


@pytest.mark.parametrize("name", CORE)
def test_a_core_notebook_takes_at_most_an_hour(name):
    assert study_time.minutes(FOLDER / name) <= 60, study_time.counts(FOLDER / name)


@pytest.mark.parametrize("name", DEEP)
def test_a_deep_dive_takes_at_most_75_minutes(name):
    assert study_time.minutes(FOLDER / name) <= 75, study_time.counts(FOLDER / name)


def test_the_core_track_takes_at_most_8_hours():
    assert sum(study_time.minutes(FOLDER / name) for name in CORE) <= 8 * 60


def index_times() -> dict[str, int]:
    """{notebook file: minutes} from the rows of the index's tables."""
    index = nbformat.read(FOLDER / "00_index.ipynb", as_version=4)
    times = {}
    for cell in index.cells:
        for line in cell.source.splitlines():
            link = re.search(r"\]\(((?:\d\d|D\d)_[a-z0-9_]+\.ipynb)\)", line)
            minutes = re.search(r"\|\s*(\d+) min\s*\|\s*$", line)
            if line.startswith("|") and link and minutes:
                times[link.group(1)] = int(minutes.group(1))
    return times


@pytest.mark.parametrize("name", CORE + DEEP)
def test_the_index_states_the_estimate(name):
    assert index_times().get(name) == study_time.minutes(FOLDER / name)
