"""No notebook chooses anything by test accuracy: the test digits are scored once, at the end.

The MNIST test digits appear in one code cell of the whole course, the final report of notebook
08. Every code cell of every notebook is parsed. A *test-set quantity* is anything that mentions
``test_acc``, ``X_test`` or ``y_test``, and any variable assigned from one (or filled with one
through ``.append``, ``.setdefault``, ...). A *choice* is a call of ``max``, ``min``, ``sorted``,
``.sort``, ``argmax`` / ``argmin`` or a comparison (``<``, ``>``, ``==``, ...). A choice that
involves a test-set quantity fails the test, unless its line carries FINAL_MARK (the report's
own check that the recipe reached its target).
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
FINAL_MARK = "# the test digits, once"
TEST_WORDS = ("test_acc", "X_test", "y_test")
CHOOSERS = {"max", "min", "sorted", "sort", "argmax", "argmin", "nanargmax", "nanargmin",
            "argsort", "maximum", "minimum", "idxmax", "idxmin", "nlargest", "nsmallest"}
FILLERS = {"append", "extend", "setdefault", "update", "insert", "add"}


def _code(cell_source: str) -> str:
    """The cell as Python: IPython magics and shell lines blanked, line numbers kept."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in cell_source.splitlines())


def _names_in(node) -> set[str]:
    """Every identifier, attribute name and string constant under ``node``."""
    found = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            found.add(sub.id)
        elif isinstance(sub, ast.Attribute):
            found.add(sub.attr)
        elif isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            found.add(sub.value)
    return found


def _mentions_test(node, tainted: set[str]) -> bool:
    names = _names_in(node)
    return bool(names & tainted) or any(word in name for name in names for word in TEST_WORDS)


def _base_name(node):
    """``accs`` for accs.setdefault(k, []).append(x), accs[k].append(x), ..."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _assigned_names(target) -> set[str]:
    return {sub.id for sub in ast.walk(target) if isinstance(sub, ast.Name)}


def _is_choice(node) -> bool:
    if isinstance(node, ast.Compare):
        return True
    if isinstance(node, ast.Call):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        return name in CHOOSERS
    return False


def choices_on_test_digits(code: str, tainted: set[str] | None = None) -> list[tuple[int, str]]:
    """(line number, line) of every choice made with a test-set quantity in ``code``, except on
    lines marked FINAL_MARK. ``tainted`` (names holding test-set quantities) is updated."""
    tainted = set() if tainted is None else tainted
    tree = ast.parse(code)
    lines = code.splitlines()
    hits = []
    for statement in ast.walk(tree):
        if not isinstance(statement, ast.stmt):
            continue
        # taint: names assigned from, or filled with, test-set quantities
        if isinstance(statement, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and \
                statement.value is not None and _mentions_test(statement.value, tainted):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            for target in targets:
                tainted |= _assigned_names(target)
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            call = statement.value
            if getattr(call.func, "attr", None) in FILLERS and any(
                    _mentions_test(arg, tainted) for arg in call.args):
                base = _base_name(call.func)
                if base:
                    tainted.add(base)
    for node in ast.walk(tree):
        if _is_choice(node) and _mentions_test(node, tainted):
            line = lines[node.lineno - 1]
            if FINAL_MARK not in line:
                hits.append((node.lineno, line.strip()))
    return sorted(set(hits))


def _code_cells(path: Path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] == "code":
            source = cell["source"]
            yield index, "".join(source) if isinstance(source, list) else source


# ---- the scanner finds what it should --------------------------------------------------------

@pytest.mark.parametrize("code", [
    'best = max(runs, key=lambda run: run["test_acc"])',
    'ranked = sorted(runs, key=lambda run: run["test_acc"], reverse=True)',
    "i = np.argmax([evaluate(m, data.X_test, data.y_test)[1] for m in models])",
    "acc = evaluate(model, data.X_test, data.y_test)[1]\nif acc > best_acc:\n    best = model",
    'accs = {}\nfor run in runs:\n    accs.setdefault(run["lr"], []).append(run["test_acc"])\n'
    "best_lr = max(accs, key=lambda lr: np.mean(accs[lr]))",
    'print(f"good enough: {result[\'test_acc\'] >= 0.92}")',
])
def test_the_scanner_catches_a_choice_made_on_test_digits(code):
    assert choices_on_test_digits(code), code


@pytest.mark.parametrize("code", [
    'best = max(runs, key=lambda run: run["val_acc"])',
    "print(np.mean(test_accs) >= 0.95)  " + FINAL_MARK,
    'print(f"test accuracy: {test_acc:.0%}")',
    "ratio = max(gain, 0.1)",
])
def test_the_scanner_lets_validation_choices_and_the_final_report_pass(code):
    assert choices_on_test_digits(code) == []


def test_a_marked_line_is_the_only_way_past_the_scanner():
    code = 'best = max(runs, key=lambda run: run["test_acc"])'
    assert choices_on_test_digits(code)
    assert choices_on_test_digits(f"{code}  {FINAL_MARK}") == []


# ---- the notebooks -------------------------------------------------------------------------------

@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_no_notebook_chooses_by_test_accuracy(path):
    tainted: set[str] = set()  # carried from cell to cell, as the kernel carries variables
    hits = []
    for index, source in _code_cells(path):
        for lineno, line in choices_on_test_digits(_code(source), tainted):
            hits.append(f"cell {index}, line {lineno}: {line}")
    assert not hits, (f"{path.name} makes a choice with test-set quantities; choose on the "
                      "validation digits (val_acc) instead:\n" + "\n".join(hits))


def test_the_test_digits_are_used_in_one_cell_of_the_course_in_notebook_08():
    """Printing their shape is not a use; anything else is."""
    uses = [(path.name, index) for path in NOTEBOOKS for index, source in _code_cells(path)
            if any(word in re.sub(r"[\w.]*[Xy]_test\.shape", "", source)
                   for word in ("X_test", "y_test", "final_exam("))]
    assert len(uses) == 1 and uses[0][0].startswith("08_"), (
        f"the test digits must appear in one cell, the final report of 08; found {uses}")
