"""The results of a benchmark run as sections of markdown: a title, notes and one table each.

Every measurement module returns a ``Section``; ``render`` joins them, with the machine
description on top, into the text written to ``benchmarks/results.md``.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field


@dataclass
class Section:
    """One part of the report.

    title: heading; columns: table header; rows: table rows (lists of cells, already text);
    notes: lines printed under the table (method, caveats); skipped: a reason when nothing was
    measured (then the table is empty and the reason is shown instead); data: raw numbers for
    other sections and for the tests (not rendered).
    """

    title: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: str | None = None
    data: dict = field(default_factory=dict)

    def to_markdown(self) -> str:
        """The section as markdown: ``## title``, the table (or the skip reason), the notes."""
        lines = [f"## {self.title}", ""]
        if self.skipped:
            lines += [f"Skipped: {self.skipped}", ""]
        if self.rows:
            lines.append("| " + " | ".join(self.columns) + " |")
            lines.append("|" + "|".join("---" for _ in self.columns) + "|")
            lines += ["| " + " | ".join(row) + " |" for row in self.rows]
            lines.append("")
        lines += [f"- {note}" for note in self.notes]
        if self.notes:
            lines.append("")
        return "\n".join(lines)


def skipped(title: str, reason: str) -> Section:
    """A section that measured nothing, with the reason."""
    return Section(title=title, skipped=reason)


def render(machine_lines: list[str], sections: list[Section], header: str) -> str:
    """The whole report: a header line, the machine, then every section."""
    parts = ["# Benchmark results", "", header, "", "## Machine", ""]
    parts += [f"- {line}" for line in machine_lines]
    parts.append("")
    parts += [section.to_markdown() for section in sections]
    return "\n".join(parts).rstrip() + "\n"


def median(values) -> float:
    """Median of the finite values (NaN when there are none)."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return statistics.median(finite) if finite else math.nan


def _three_digits(value: float) -> str:
    """3 significant digits without scientific notation: 4.00, 12.3, 456."""
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:.0f}"


def fmt_seconds(seconds: float) -> str:
    """Seconds with a unit and 3 significant digits: 12.3 s, 456 ms, 7.80 µs."""
    if seconds is None or not math.isfinite(seconds):
        return "-"
    for scale, unit in ((1, "s"), (1e3, "ms"), (1e6, "µs")):
        text = _three_digits(seconds * scale)
        if float(text) >= 1 or unit == "µs":  # 0.9996 s shows as 1.00 s, not 1000 ms
            return f"{text} {unit}"


def fmt_ratio(ratio: float) -> str:
    """A ratio such as 1.18×, or '-' when it could not be measured."""
    if ratio is None or not math.isfinite(ratio):
        return "-"
    return f"{ratio:.2f}×"


def verdict(ok: bool | None) -> str:
    """Table cell for a target: 'yes', 'no' or '-' (not measured)."""
    return "-" if ok is None else ("yes" if ok else "no")
