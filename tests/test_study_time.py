"""The times in the index are the study-time estimate of scripts/study_time.py, and no notebook is
estimated above an hour (a longer topic is split into parts: 03a, 03b, ...)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "notebooks"
NOTEBOOKS = sorted(p.name for p in FOLDER.glob("[0-9][0-9]*.ipynb") if p.name != "00_index.ipynb")
LIMIT_MINUTES = 60

_spec = importlib.util.spec_from_file_location("study_time", ROOT / "scripts" / "study_time.py")
study_time = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(study_time)


def _index_times() -> dict[str, int]:
    """{notebook file: minutes} from the rows of the index's table."""
    index = nbformat.read(FOLDER / "00_index.ipynb", as_version=4)
    times = {}
    for cell in index.cells:
        for line in cell.source.splitlines():
            link = re.search(r"\]\(([0-9][0-9][a-z]?_[a-z0-9_]+\.ipynb)\)", line)
            minutes = re.search(r"\|\s*(\d+) min\s*\|\s*$", line)
            if line.startswith("|") and link and minutes:
                times[link.group(1)] = int(minutes.group(1))
    return times


def test_the_model_counts_words_cells_figures_panels_and_exercises(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(" ".join(["word"] * 220)),  # 2 min of reading
        nbformat.v4.new_code_cell("x = 1"),  # 0.5 min
        nbformat.v4.new_code_cell("panel = make_panel()\npanel"),  # 0.5 + 5 min
        nbformat.v4.new_code_cell('check("stable_lr_bound", stable_lr_bound)'),  # 0.5 + 8 min
    ]
    path = tmp_path / "01_x.ipynb"
    nbformat.write(nb, path)
    assert study_time.counts(path) == {"words": 220, "code cell": 3, "figure": 0, "panel": 1,
                                       "exercise": 1}
    assert study_time.minutes(path) == 20  # 16.5 min, rounded up to 5


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_no_notebook_is_estimated_above_an_hour(name):
    minutes = study_time.minutes(FOLDER / name)
    assert minutes <= LIMIT_MINUTES, (
        f"{name} is estimated at {minutes} min ({study_time.counts(FOLDER / name)}); split it into "
        f"parts at a section break so that each takes at most {LIMIT_MINUTES} min"
    )


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_index_states_the_estimate(name):
    stated = _index_times().get(name)
    minutes = study_time.minutes(FOLDER / name)
    assert stated == minutes, (
        f"00_index.ipynb states {stated} min for {name}; scripts/study_time.py estimates {minutes} "
        "min: update the index's table"
    )
