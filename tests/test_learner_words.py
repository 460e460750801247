"""What a learner reads speaks of the three source texts as "text A", "text B", "text C".

"Seed" means the random seed everywhere in the course, so the texts are never called seeds; and
learner text says nothing about how the course was made (plans, build machines, CI). The scan
covers the notebooks (markdown and code), the docstrings and comments of helpers/, and README.md
for the words about the texts. Each pattern below was found in learner text once; the test keeps
them out.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
MODULES = sorted((ROOT / "helpers").rglob("*.py"))

# The source texts called "seeds" (a random seed is "seed", "seed 0", "seed=", "the same seed").
TEXTS_AS_SEEDS = re.compile(
    r"(?i)\bseeds'|\bseed's\b|\bseed\s+0\d\d\b|\bseed text\b|\bseeds? (says?|writes?|warns?|shows?|"
    r"describes?|tells?|claims?|lists?|adds?|credits?)\b|\bone (of the )?seeds?\b|\bthe seeds\b"
    r"|\bin the seeds\b")
# Words about how the course was built or tested: for the README, not for learners.
IN_HOUSE = re.compile(
    r"(?i)\bcourse plan\b|\bthe plan'?s?\b|\bbuild machine\b|\bmachine that built\b|"
    r"\bwhile writing\b|\bCI\b|\bnbval\b|\bNBVAL_|\bthe writer\b|\bthe lead\b|"
    r"\bthis notebook was built\b|\bstored outputs?\b|\btest suite\b|\bfragility\b|"
    r"\banother CPU\b|\bother CPUs\b")


def _notebook_text(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "\n".join(cell.source for cell in nb.cells)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_name_the_texts_by_letter(path):
    hits = [m.group(0) for m in TEXTS_AS_SEEDS.finditer(_notebook_text(path))]
    assert not hits, f"{path.name} calls the source texts seeds: {hits}; say text A, B or C"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_say_nothing_about_how_they_were_made(path):
    hits = [m.group(0) for m in IN_HOUSE.finditer(_notebook_text(path))]
    assert not hits, f"{path.name} speaks of how the course was built or tested: {hits}"


def test_helpers_and_readme_name_the_texts_by_letter():
    texts = {p.relative_to(ROOT): p.read_text(encoding="utf-8") for p in MODULES}
    texts[Path("README.md")] = (ROOT / "README.md").read_text(encoding="utf-8")
    hits = {str(p): m.group(0) for p, t in texts.items() for m in TEXTS_AS_SEEDS.finditer(t)}
    assert not hits, f"the source texts called seeds: {hits}; say text A, B or C"


def test_the_scan_catches_the_old_wording():
    """The patterns do match the wording they are meant to keep out (so the scan can fail)."""
    for bad in ("the seeds' eq. 5", "One seed says", "seed 000's question", "The seed text starts",
                "another claim of the seeds"):
        assert TEXTS_AS_SEEDS.search(bad), bad
    for good in ("seed 0", "SEED = 0", "the same seed", "random seed 0, 1 and 2", "seed=seed"):
        assert not TEXTS_AS_SEEDS.search(good), good
    assert IN_HOUSE.search("the plan's rule lr = 2/a") and IN_HOUSE.search("# NBVAL_IGNORE_OUTPUT")
    assert IN_HOUSE.search("the stored outputs differ on another CPU")
