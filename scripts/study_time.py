"""How long a notebook takes a learner: the estimate that notebook 00's table states.

    python scripts/study_time.py notebooks/*.ipynb

The model, in minutes: reading at 110 words a minute (text and code comments alike are read
slowly in a technical text), half a minute to run and read each code cell, one more minute per
figure, five per panel (sliders to try) and eight per exercise. It is an estimate, not a
measurement with learners; the test suite checks that 00 states it and that no notebook is
estimated above 60 minutes.
"""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path

WORDS_PER_MINUTE = 110
MINUTES = {"code cell": 0.5, "figure": 1.0, "panel": 5.0, "exercise": 8.0}
_PANEL = re.compile(r"^\s*(\w+_)?panel\s*$|make_\w*panel\(|\bPanel\(", re.M)
_EXERCISE = re.compile(r"^check\(", re.M)


def counts(path) -> dict:
    """The counts the estimate uses: words, code cells, figures, panels, exercises."""
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    found = {"words": 0, "code cell": 0, "figure": 0, "panel": 0, "exercise": 0}
    for cell in cells:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            found["words"] += len(source.split())
        elif cell["cell_type"] == "code":
            found["code cell"] += 1
            images = sum("image/png" in out.get("data", {}) for out in cell.get("outputs", []))
            found["figure"] += images
            found["panel"] += bool(_PANEL.search(source))
            found["exercise"] += len(_EXERCISE.findall(source))
    return found


def minutes(path) -> int:
    """Estimated minutes for reading, running every cell, trying the panels, doing the exercises,
    rounded up to 5."""
    found = counts(path)
    total = found["words"] / WORDS_PER_MINUTE + sum(MINUTES[k] * found[k] for k in MINUTES)
    return 5 * math.ceil(total / 5)


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(f"{minutes(name):4d} min  {Path(name).name}  {counts(name)}")
