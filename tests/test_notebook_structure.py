"""Every notebook of the course has the same skeleton and is stored executed.

The tests run on the notebooks present in notebooks/ (one test per notebook and property), so a
notebook is covered as soon as it lands. The order of the series is the order in which the index,
00_index.ipynb, links the notebooks; previous/next links must follow it. A topic too long for one
sitting is split into parts that share its number: 03a_..., 03b_... (the sections number on).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import nbformat
import pytest

FOLDER = Path(__file__).resolve().parents[1] / "notebooks"
INDEX = "00_index.ipynb"
NAME = re.compile(r"^(\d\d)([a-z]?)_[a-z0-9]+(?:_[a-z0-9]+)*\.ipynb$")
LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+?\.ipynb)(?:#[^)\s]*)?\)")
NOTEBOOKS = sorted(path.name for path in FOLDER.glob("*.ipynb"))


@cache
def _read(name: str):
    return nbformat.read(FOLDER / name, as_version=4)


def _number(name: str) -> int:
    return int(name[:2])


def _key(name: str) -> tuple[int, str]:
    """(number, part letter): 03b_x.ipynb -> (3, "b"); 01_x.ipynb -> (1, "")."""
    match = NAME.match(name)
    return int(match.group(1)), match.group(2)


def _markdown(nb) -> list[str]:
    return [cell.source for cell in nb.cells if cell.cell_type == "markdown"]


def _nav_lines(source: str) -> list[str]:
    """Lines holding a previous (←) or next (→) link to a notebook."""
    return [line for line in source.splitlines()
            if any("←" in label or "→" in label for label, _ in LINK.findall(line))]


def _is_nav_only(cell) -> bool:
    lines = [line.strip() for line in cell.source.splitlines() if line.strip()]
    return cell.cell_type == "markdown" and bool(lines) and all(
        line == "---" or _nav_lines(line) for line in lines)


def _prev_next(line: str) -> tuple[str | None, str | None]:
    """The targets of the ← and → links of a navigation line (None when absent)."""
    links = LINK.findall(line)
    prev = [target for label, target in links if "←" in label]
    nxt = [target for label, target in links if "→" in label]
    return (prev[0] if prev else None), (nxt[0] if nxt else None)


@cache
def _series() -> list[str]:
    """The notebooks the index lists (outside its navigation lines), in the order it lists them."""
    if INDEX not in NOTEBOOKS:
        return []
    found = []
    for source in _markdown(_read(INDEX)):
        for line in source.splitlines():
            if _nav_lines(line):
                continue
            for _, target in LINK.findall(line):
                if target not in found:
                    found.append(target)
    return found


def _waiting(target: str) -> bool:
    """True for a notebook the index lists that has not been written yet."""
    return target in _series() and not (FOLDER / target).exists()


notebooks = pytest.mark.parametrize("name", NOTEBOOKS)


def test_navigation_lines_are_read_as_previous_and_next():
    line = "[← 01 One](01_one.ipynb) | [Index](00_index.ipynb) | [Next: 03 Three →](03_three.ipynb)"
    assert _prev_next(line) == ("01_one.ipynb", "03_three.ipynb")
    assert _prev_next("[Next: 01 One →](01_one.ipynb)") == (None, "01_one.ipynb")
    assert _nav_lines("| 01 | [One](01_one.ipynb) | table row |") == []


# --- names and order ----------------------------------------------------------------------------

def test_there_is_an_index():
    assert INDEX in NOTEBOOKS, f"notebooks/ has no {INDEX}"


@notebooks
def test_file_name_follows_the_pattern(name):
    assert NAME.match(name), (
        f"{name} is not named NN_snake_case.ipynb (or NNa_..., NNb_... for the parts of a topic)"
    )


def test_no_two_notebooks_share_a_number_and_part():
    keys = [_key(name) for name in NOTEBOOKS if NAME.match(name)]
    assert len(keys) == len(set(keys)), f"numbers used twice in {NOTEBOOKS}"


def test_parts_of_a_number_are_a_b_c_without_gaps():
    for number in {_number(name) for name in NOTEBOOKS if NAME.match(name)}:
        parts = sorted(_key(name)[1] for name in NOTEBOOKS
                       if NAME.match(name) and _number(name) == number)
        if parts != [""]:
            expected = [chr(ord("a") + k) for k in range(len(parts))]
            assert parts == expected, (
                f"notebook {number:02d} must be one file or parts {expected}; found parts {parts}"
            )


def test_numbers_are_contiguous_from_00():
    numbers = sorted(_number(name) for name in NOTEBOOKS if NAME.match(name))
    missing = sorted(set(range(max(numbers, default=-1) + 1)) - set(numbers))
    assert not missing, (
        "notebook numbers must run 00, 01, 02, ... without gaps; missing: "
        + ", ".join(f"{n:02d}" for n in missing)
        + f" (the index lists: {', '.join(_series())})"
    )


def test_the_index_lists_the_series_in_order_from_00():
    series = _series()
    assert series, "the index links no notebooks"
    assert all(NAME.match(name) for name in series), f"badly named links in the index: {series}"
    assert [_key(name) for name in series] == sorted(_key(name) for name in series), (
        f"the index must list 00, 01, 02a, 02b, ... in order; it lists {series}"
    )
    numbers = [_number(name) for name in series]
    assert sorted(set(numbers)) == list(range(max(numbers) + 1)), (
        f"the index must list 00, 01, 02, ... without gaps; it lists {series}"
    )


@notebooks
def test_the_index_links_to_the_notebook(name):
    assert name in _series(), f"{INDEX} has no link to {name}"


# --- skeleton -----------------------------------------------------------------------------------

@notebooks
def test_kernelspec_is_python3(name):
    assert _read(name).metadata.get("kernelspec", {}).get("name") == "python3"


@notebooks
def test_opens_with_a_title(name):
    cells = _read(name).cells
    first = next((cell for cell in cells if not _is_nav_only(cell)), None)
    assert first is not None and first.cell_type == "markdown", f"{name}: no title cell"
    assert first.source.startswith("# "), (
        f"{name}: the first cell (after a navigation line) must start with a '# ' title; "
        f"it starts with {first.source[:40]!r}"
    )


@notebooks
def test_has_a_summary_section(name):
    headings = [line for source in _markdown(_read(name)) for line in source.splitlines()]
    assert any(re.match(r"^#{2,3} Summary\b", line) for line in headings), (
        f"{name}: no '## Summary' section"
    )


@notebooks
def test_has_an_exercises_section(name):
    if name == INDEX:
        pytest.skip("the index has no exercises")
    headings = [line for source in _markdown(_read(name)) for line in source.splitlines()]
    assert any(re.match(r"^#{2,3} Exercises\b", line) for line in headings), (
        f"{name}: no '## Exercises' section"
    )


@notebooks
def test_has_navigation_at_the_top_and_the_bottom(name):
    cells = _read(name).cells
    top = [line for cell in cells[:2] if cell.cell_type == "markdown"
           for line in _nav_lines(cell.source)]
    bottom = _nav_lines(cells[-1].source) if cells[-1].cell_type == "markdown" else []
    assert top, f"{name}: no previous/next links in the first two cells"
    assert bottom, f"{name}: the last cell holds no previous/next links"
    assert _prev_next(top[0]) == _prev_next(bottom[-1]), (
        f"{name}: the links at the top ({top[0]!r}) and bottom ({bottom[-1]!r}) differ"
    )
    if name != INDEX:
        assert f"]({INDEX})" in top[0] and f"]({INDEX})" in bottom[-1], (
            f"{name}: the navigation lines must link to the index"
        )


@notebooks
def test_previous_and_next_are_the_neighbours_in_order(name):
    cells = _read(name).cells
    top = [line for cell in cells[:2] if cell.cell_type == "markdown"
           for line in _nav_lines(cell.source)]
    if not top:
        pytest.fail(f"{name}: no navigation line at the top")
    series = _series()
    if name not in series:
        pytest.fail(f"{name} is not listed in the index")
    at = series.index(name)
    expected = (series[at - 1] if at > 0 else None,
                series[at + 1] if at + 1 < len(series) else None)
    prev, nxt = _prev_next(top[0])
    if prev is None and expected[0] == INDEX:  # for 01 the line's Index link is the previous one
        prev = INDEX
    assert (prev, nxt) == expected, (
        f"{name}: previous/next should be {expected}; the links point at {_prev_next(top[0])}"
    )


@notebooks
def test_links_to_notebooks_point_at_files_that_exist(name):
    targets = {target for source in _markdown(_read(name)) for _, target in LINK.findall(source)}
    broken = sorted(target for target in targets if not (FOLDER / target).exists())
    waiting = [target for target in broken if _waiting(target)]
    broken = [target for target in broken if target not in waiting]
    assert not broken, f"{name} links to notebooks that do not exist: {broken}"
    if waiting:
        pytest.skip(f"{name} links to {waiting}, listed in the index but not written yet")


# --- stored executed, plain Python --------------------------------------------------------------

@notebooks
def test_is_stored_executed_top_to_bottom(name):
    counts = [cell.execution_count for cell in _read(name).cells if cell.cell_type == "code"]
    assert None not in counts, (
        f"{name}: {counts.count(None)} code cell(s) were never run; store it executed top to bottom"
    )
    assert all(b > a for a, b in zip(counts, counts[1:])) and (not counts or counts[0] >= 1), (
        f"{name}: execution counts {counts} are not increasing: run it top to bottom in a fresh "
        "kernel"
    )


@notebooks
def test_has_no_error_outputs(name):
    errors = [(index, output.get("ename")) for index, cell in enumerate(_read(name).cells)
              if cell.cell_type == "code" for output in cell.get("outputs", [])
              if output.output_type == "error"]
    assert not errors, f"{name}: cells with errors (cell index, exception): {errors}"


@notebooks
def test_does_not_touch_sys_path(name):
    cells = [index for index, cell in enumerate(_read(name).cells)
             if cell.cell_type == "code" and "sys.path" in cell.source]
    assert not cells, (
        f"{name}: cells {cells} use sys.path; import helpers as the installed package "
        "(pip install -e .)"
    )


# --- a learner's path: predict first, then exercises with a checker ------------------------------

def _code(name: str) -> str:
    return "\n".join(cell.source for cell in _read(name).cells if cell.cell_type == "code")


@notebooks
def test_asks_for_a_prediction_before_a_measurement_reveals_it(name):
    if name == INDEX:
        pytest.skip("the index has no measurement")
    code = _code(name)
    asked = re.findall(r"^(\w+) = predict\(", code, re.M)
    assert asked, f"{name}: no predict-first question (helpers.predict.predict)"
    for guess in asked:
        assert re.search(rf"\b{guess}\.reveal\(", code), (
            f"{name}: the prediction {guess!r} is never revealed by a measurement")


@notebooks
def test_has_an_exercise_with_a_checker(name):
    if name == INDEX:
        pytest.skip("the index has no exercises")
    assert re.search(r'^check\("\w+", ', _code(name), re.M), (
        f"{name}: no exercise checked with helpers.exercises.check")


def test_every_registered_exercise_is_asked_in_a_notebook():
    from helpers import exercises

    asked = {found for name in NOTEBOOKS
             for found in re.findall(r'^check\("(\w+)", ', _code(name), re.M)}
    assert set(exercises.names()) <= asked, (
        f"exercises with a checker that no notebook asks: {sorted(set(exercises.names()) - asked)}")
