"""How long a notebook takes a motivated learner: the estimate that notebook 00 states.

    python scripts/study_time.py notebooks/*.ipynb

It counts every part of the work and gives each a cost in minutes (MINUTES):

- prose with its mathematics: words at 100 a minute, each inline formula a little more, each
  displayed equation a minute;
- printed tables and outputs to read: per line;
- code: per cell run and looked at, and per line of code read;
- figures; panels (sliders to play with); prediction widgets (think, commit, compare);
- exercises: each checked one, and each open part (an exercise without a checker, or a
  "Then use it / compare / measure ..." task), which takes as long again as writing a function.

It was calibrated against the times measured by working through three notebooks of the earlier,
longer course as a motivated learner would (80, 90 and 90 minutes; tests/test_study_time.py keeps
their counts and checks the model against them within 20%). It is an estimate, not a
measurement with many learners.
"""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path

MINUTES = {
    "words": 1 / 100,
    "inline math": 0.04,
    "displayed equation": 1.0,
    "output line": 0.1,
    "code cell": 0.5,
    "code line": 0.04,
    "figure": 1.5,
    "panel": 6.0,
    "prediction": 2.0,
    "checked exercise": 9.0,
    "open task": 7.0,
}
_DISPLAY = re.compile(r"\$\$.*?\$\$", re.S)
_INLINE = re.compile(r"\$[^$\n]+\$")
_OPEN_TASK = re.compile(r"(?i)\(no checker\)|\bthen (use|compare|measure|design|explain|try)\b")
_PANEL = re.compile(r"\b\w*panel\(|\bPanel\(")
_PREDICT = re.compile(r"\bpredict\(")
_CHECK = re.compile(r"^check\(", re.M)
_WIDGET = "application/vnd.jupyter.widget-view+json"


def counts(path) -> dict:
    """The counts the estimate uses (the keys of MINUTES)."""
    found = dict.fromkeys(MINUTES, 0)
    for cell in json.loads(Path(path).read_text(encoding="utf-8"))["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            found["displayed equation"] += len(_DISPLAY.findall(source))
            prose = _DISPLAY.sub(" ", source)
            found["inline math"] += len(_INLINE.findall(prose))
            found["words"] += len(_INLINE.sub(" x ", prose).split())
            found["open task"] += len(_OPEN_TASK.findall(source))
        elif cell["cell_type"] == "code":
            found["code cell"] += 1
            found["code line"] += sum(1 for line in source.splitlines()
                                      if line.strip() and not line.strip().startswith("#"))
            found["panel"] += bool(_PANEL.search(source))
            found["prediction"] += len(_PREDICT.findall(source))
            found["checked exercise"] += len(_CHECK.findall(source))
            for out in cell.get("outputs", []):
                data = out.get("data", {})
                if "image/png" in data:
                    found["figure"] += 1
                elif _WIDGET in data:
                    continue
                else:
                    text = out.get("text", data.get("text/plain", ""))
                    found["output line"] += len("".join(text).splitlines())
    return found


def estimate(found: dict) -> float:
    """Minutes, unrounded, from a dict of counts."""
    return sum(MINUTES[key] * found[key] for key in MINUTES)


def minutes(path) -> int:
    """The estimate for one notebook, rounded up to 5 minutes."""
    return 5 * math.ceil(estimate(counts(path)) / 5)


if __name__ == "__main__":
    total = 0
    for name in sys.argv[1:]:
        total += minutes(name)
        print(f"{minutes(name):4d} min  {Path(name).name}")
    print(f"{total:4d} min  in all ({total / 60:.1f} h)")
