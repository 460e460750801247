"""Every notebook of the course has the same skeleton and is stored executed.

The core track is 01_..., 02_..., ... in order; deep dives are D1_..., D2_..., beside it. The
index, 00_index.ipynb, lists the core track in order and then the deep dives; the core
notebooks' previous/next links follow that order, a deep dive links back to the index. One test
per notebook and property, so a notebook is covered as soon as it lands.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import nbformat
import pytest

FOLDER = Path(__file__).resolve().parents[1] / "notebooks"
INDEX = "00_index.ipynb"
CORE = re.compile(r"^\d\d_[a-z0-9]+(?:_[a-z0-9]+)*\.ipynb$")
DEEP = re.compile(r"^D\d_[a-z0-9]+(?:_[a-z0-9]+)*\.ipynb$")
LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+?\.ipynb)(?:#[^)\s]*)?\)")
NOTEBOOKS = sorted(path.name for path in FOLDER.glob("*.ipynb"))
LESSONS = [name for name in NOTEBOOKS if name != INDEX]

notebooks = pytest.mark.parametrize("name", NOTEBOOKS)
lessons = pytest.mark.parametrize("name", LESSONS)


@cache
def read(name: str):
    return nbformat.read(FOLDER / name, as_version=4)


def markdown(name: str) -> list[str]:
    return [cell.source for cell in read(name).cells if cell.cell_type == "markdown"]


def code(name: str) -> str:
    return "\n".join(cell.source for cell in read(name).cells if cell.cell_type == "code")


def nav_lines(source: str) -> list[str]:
    """Lines with a previous (←) or next (→) link, or a deep dive's "Deep dive" line."""
    return [line for line in source.splitlines()
            if any("←" in label or "→" in label for label, _ in LINK.findall(line))
            or (line.startswith("[Index](00_index.ipynb)") and "Deep dive" in line)]


def prev_next(line: str) -> tuple[str | None, str | None]:
    links = LINK.findall(line)
    prev = [target for label, target in links if "←" in label]
    nxt = [target for label, target in links if "→" in label]
    return (prev[0] if prev else None), (nxt[0] if nxt else None)


@cache
def listed() -> list[str]:
    """The notebooks the index links to (outside its navigation lines), in order."""
    found = []
    for source in markdown(INDEX):
        for line in source.splitlines():
            if not nav_lines(line):
                found += [target for _, target in LINK.findall(line) if target not in found]
    return found


def core_track() -> list[str]:
    return [name for name in listed() if CORE.match(name) and name != INDEX]


# --- names and order ----------------------------------------------------------------------------

def test_the_index_lists_the_core_track_in_order_then_the_deep_dives():
    names = listed()
    core = [n for n in names if CORE.match(n) and n != INDEX]
    deep = [n for n in names if DEEP.match(n)]
    assert core and core == sorted(core), f"the core track, in order: {core}"
    assert [int(n[:2]) for n in core] == list(range(1, len(core) + 1)), core
    assert len(core) <= 8, f"the core track is at most 8 notebooks; the index lists {core}"
    assert names.index(core[-1]) < min((names.index(n) for n in deep), default=len(names))
    assert deep == sorted(deep)


@lessons
def test_the_notebook_is_named_and_listed(name):
    assert CORE.match(name) or DEEP.match(name), f"{name}: NN_snake_case or DN_snake_case"
    assert name in listed(), f"{INDEX} has no link to {name}"


# --- skeleton -----------------------------------------------------------------------------------

@notebooks
def test_kernelspec_is_python3(name):
    assert read(name).metadata.get("kernelspec", {}).get("name") == "python3"


@notebooks
def test_opens_with_navigation_then_a_title(name):
    cells = read(name).cells
    assert cells[0].cell_type == "markdown" and nav_lines(cells[0].source), (
        f"{name}: the first cell must be the navigation line")
    assert cells[1].cell_type == "markdown" and cells[1].source.startswith("# "), (
        f"{name}: the second cell must start with a '# ' title")


@lessons
def test_says_what_the_learner_will_be_able_to_do(name):
    assert "**After this notebook you can**" in read(name).cells[1].source


@pytest.mark.parametrize("name", [n for n in LESSONS if DEEP.match(n)])
def test_a_deep_dive_names_what_it_needs_from_the_core_track(name):
    title = read(name).cells[1].source
    needs = re.search(r"\*\*Needs from the core track:\*\*(.*)", title)
    assert needs and LINK.search(needs.group(1)), f"{name}: 'Needs from the core track:' + links"


@lessons
def test_has_one_setup_cell_then_summary_and_exercises(name):
    headings = [line for source in markdown(name) for line in source.splitlines()
                if line.startswith("#")]
    for wanted in ("## Setup", "## Summary", "## Exercises"):
        assert wanted in headings, f"{name}: no {wanted!r} section"
    assert headings.index("## Setup") < headings.index("## Summary") < headings.index(
        "## Exercises")


@notebooks
def test_navigation_at_the_top_and_the_bottom_agree(name):
    cells = read(name).cells
    top, bottom = nav_lines(cells[0].source), nav_lines(cells[-1].source)
    assert bottom, f"{name}: the last cell holds no navigation line"
    assert prev_next(top[0]) == prev_next(bottom[-1])


@pytest.mark.parametrize("name", [n for n in LESSONS if CORE.match(n)])
def test_core_previous_and_next_are_the_neighbours(name):
    track = core_track()
    at = track.index(name)
    prev, nxt = prev_next(nav_lines(read(name).cells[0].source)[0])
    assert prev == (track[at - 1] if at else None)
    if at + 1 < len(track):
        assert nxt == track[at + 1]


@pytest.mark.parametrize("name", [n for n in LESSONS if DEEP.match(n)])
def test_a_deep_dive_links_back_to_the_index(name):
    assert nav_lines(read(name).cells[0].source)[0].startswith("[Index](00_index.ipynb)")


@notebooks
def test_links_to_notebooks_point_at_files_that_exist(name):
    targets = {target for source in markdown(name) for _, target in LINK.findall(source)}
    assert not sorted(t for t in targets if not (FOLDER / t).exists()), targets


# --- stored executed, plain Python --------------------------------------------------------------

@notebooks
def test_is_stored_executed_top_to_bottom(name):
    counts = [cell.execution_count for cell in read(name).cells if cell.cell_type == "code"]
    assert None not in counts, f"{name}: {counts.count(None)} code cell(s) never ran"
    assert counts == sorted(counts) and len(set(counts)) == len(counts), (
        f"{name}: execution counts {counts}: run it top to bottom in a fresh kernel")


@notebooks
def test_has_no_error_outputs(name):
    errors = [(i, out.get("ename")) for i, cell in enumerate(read(name).cells)
              if cell.cell_type == "code" for out in cell.get("outputs", [])
              if out.output_type == "error"]
    assert not errors, f"{name}: cells with errors (index, exception): {errors}"


@notebooks
def test_imports_helpers_as_the_installed_package(name):
    assert "sys.path" not in code(name)


@notebooks
def test_only_widget_and_timing_cells_are_ignored_by_nbval(name):
    """The tag is for output that legitimately varies, never for hiding a number."""
    for i, cell in enumerate(read(name).cells):
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.cell_type != "code" or "nbval-ignore-output" not in tags:
            continue
        kinds = {out.output_type for out in cell.get("outputs", [])}
        printed = "".join(out.get("text", "") for out in cell.get("outputs", [])
                          if out.output_type == "stream")
        widget = any("application/vnd.jupyter.widget-view+json" in out.get("data", {})
                     for out in cell.get("outputs", []))
        varies = any(word in cell.source for word in ("time", "version("))  # timings, versions
        assert widget or varies or not printed, (
            f"{name} cell {i} is ignored by nbval but prints {printed[:80]!r} ({kinds})")


# --- a learner's path: predict first, then exercises with a checker ------------------------------

@lessons
def test_asks_for_a_prediction_that_a_measurement_reveals(name):
    asked = re.findall(r"^(\w+) = predict\(", code(name), re.M)
    assert asked, f"{name}: no predict-first question"
    for guess in asked:
        assert re.search(rf"\b{guess}\.reveal\(", code(name)), f"{guess!r} is never revealed"


@lessons
def test_has_an_exercise_with_a_checker(name):
    assert re.search(r'^check\("\w+", ', code(name), re.M), f"{name}: no checked exercise"


def test_every_registered_exercise_is_asked_in_a_notebook():
    from helpers import exercises

    asked = {found for name in LESSONS
             for found in re.findall(r'^check\("(\w+)", ', code(name), re.M)}
    assert set(exercises.names()) <= asked, sorted(set(exercises.names()) - asked)
