"""The claims of the three source texts: quoted exactly, listed in the index without verdicts,
and answered in the ledger at the end of the core track.

- Every tested claim opens its section with a box ``> **Claim (text C):** "..."``; the quote is
  the text's own words (checked against the texts when they are on this machine, in
  ../shared/source-texts/; "…" and "[...]" mark what a quote leaves out).
- The index (00) lists every claim with a link to the section that tests it, and no verdict, so
  that no prediction is answered before the learner makes it.
- The ledger at the end of notebook 08 gives the verdict of every claim the index lists, with
  the same link.
- No claim is measured in two places.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
TEXTS = ROOT.parent / "shared" / "source-texts"
TEXT_FILES = {"A": "000_7e1a7b0c85a66d09.txt", "B": "001_302bafac4b8007bb.txt",
              "C": "002_2533ad6cfcc8b7a4.txt"}
CLAIM = re.compile(r'^> \*\*Claim \(text ([ABC])\):\*\* "(.+)"\s*$', re.M)
ROW = re.compile(r'^\| ([ABC]) \| "(.+?)" \| \[[^\]]+\]'
                 r'\(((?:\d\d|D\d)_[a-z0-9_]+\.ipynb)#([^)]+)\) \|(.*)$', re.M)
VERDICT_WORDS = re.compile(r"(?i)\b(holds|wrong|true|false|confirmed|refuted|within limits)\b")


def _markdown(path: Path) -> str:
    return "\n".join(c.source for c in nbformat.read(path, as_version=4).cells
                     if c.cell_type == "markdown")


def boxes() -> list[tuple[str, str, str, str]]:
    """(text, quote, notebook, heading anchor) of every Claim box in the course."""
    found = []
    for path in sorted(NOTEBOOKS.glob("[0-9D]*_*.ipynb")):
        heading = ""
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "markdown":
                continue
            for line in cell.source.splitlines():
                if re.match(r"^#{1,6} ", line):
                    heading = line.lstrip("#").strip().replace("`", "").replace(" ", "-")
                match = CLAIM.match(line)
                if match:
                    found.append((match.group(1), match.group(2), path.name, heading))
    return found


def rows(name: str, section: str) -> list[tuple[str, str, str, str, str]]:
    """(text, quote, notebook, anchor, rest of the row) of the table under ``section``."""
    text = _markdown(NOTEBOOKS / name)
    start = text.find(section)
    assert start >= 0, f"{name} has no {section!r}"
    body = text[start + len(section):]
    end = re.search(r"^## ", body, re.M)
    return [m.groups() for m in ROW.finditer(body[: end.start() if end else None])]


def index_rows():
    return rows("00_index.ipynb", "## The claims the course tests")


def ledger_rows():
    return rows("08_tuning_and_a_final_recipe.ipynb", "## What the measurements said")


LATEX = {"\\exp": "exp", "\\approx": "≈", "\\gamma": "γ", "\\times": "×", "$": ""}


def _normal(text: str) -> str:
    """Whitespace, quotes and the texts' LaTeX (\\exp, \\approx, \\gamma) as a reader sees them."""
    for latex, shown in LATEX.items():
        text = text.replace(latex, shown)
    return re.sub(r"\s+", " ", text.replace("’", "'").replace("“", '"').replace("”", '"')).strip()


@pytest.mark.skipif(not TEXTS.is_dir(), reason="the source texts are not on this machine")
@pytest.mark.parametrize("box", boxes(), ids=lambda b: f"{b[2][:3]}-{b[0]}-{b[1][:30]}")
def test_a_claim_quotes_the_texts_own_words(box):
    letter, quote, _, _ = box
    source = _normal((TEXTS / TEXT_FILES[letter]).read_text(encoding="utf-8"))
    for piece in re.split(r"…|\.\.\.|\[[^\]]*\]", quote):  # cuts and editorial insertions
        piece = _normal(piece).strip(" .,")
        if piece:
            assert piece in source, f"text {letter} does not say {piece!r}"


def test_every_claim_box_is_listed_in_the_index_and_the_ledger():
    listed = {(t, q, n, a) for t, q, n, a, _ in index_rows()}
    answered = {(t, q, n, a) for t, q, n, a, _ in ledger_rows()}
    for box in boxes():
        assert box in listed, f"the index does not list {box}"
        assert box in answered, f"the ledger does not answer {box}"
    assert listed == answered


def test_the_index_lists_the_claims_without_their_verdicts():
    for _, _, _, _, rest in index_rows():
        assert not VERDICT_WORDS.search(rest), f"the index gives away a verdict: {rest!r}"


def test_the_ledger_gives_a_verdict_for_every_claim():
    for letter, quote, _, _, rest in ledger_rows():
        verdict = rest.strip().strip("|").strip()
        assert len(verdict) > 10, f"no verdict for text {letter}'s {quote!r}"


def test_no_claim_is_measured_in_two_places():
    quotes = [(letter, quote) for letter, quote, _, _ in boxes()]
    assert len(quotes) == len(set(quotes)), sorted(q for q in quotes if quotes.count(q) > 1)
