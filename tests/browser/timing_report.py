"""pytest hooks that report the browser test at the end of the run: timings, or why it skipped.

Tests record timings with ``record_property("timing:<what>", seconds)``; pytest-xdist ships
those properties with each report to the controlling process, where these hooks collect and
print them. A skipped browser test (no Chromium found) gets its reason printed too, so the
"how to install it" line shows without ``-rs``.

Under xdist the controller only loads the conftest files of its start-up paths, so
``tests/conftest.py`` must register this module (``pytest_plugins = ["browser.timing_report"]``);
``tests/browser/conftest.py`` registers it too, for runs of that folder alone. Registering it
twice is harmless: reports are kept by test id and the summary is printed once.
"""

from __future__ import annotations

import statistics

PREFIX = "timing:"
_PRINTED = "_browser_report_printed"
# Test id -> [(label, seconds), ...], in the order the tests finished.
_RESULTS: dict[str, list[tuple[str, float]]] = {}
# Test id -> why it was skipped (browser tests only).
_SKIPPED: dict[str, str] = {}


def pytest_runtest_logreport(report):
    if report.skipped and "browser" in report.keywords:
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else longrepr
        _SKIPPED[report.nodeid] = str(reason).removeprefix("Skipped: ")
    if report.when != "call":
        return
    timings = [(name[len(PREFIX):], value) for name, value in report.user_properties
               if isinstance(name, str) and name.startswith(PREFIX)]
    if timings:
        _RESULTS[report.nodeid] = timings


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if getattr(config, _PRINTED, False) or not (_RESULTS or _SKIPPED):
        return
    setattr(config, _PRINTED, True)
    tr = terminalreporter
    if _SKIPPED:
        tr.write_sep("=", "browser test skipped")
        reasons: dict[str, int] = {}
        for reason in _SKIPPED.values():
            reasons[reason] = reasons.get(reason, 0) + 1
        for reason, count in reasons.items():
            tr.write_line(f"{count} skipped: {reason}")
    if not _RESULTS:
        return
    tr.write_sep("=", "browser test timings (seconds)")
    for nodeid, timings in _RESULTS.items():
        name = nodeid.split("::", 1)[-1]
        tr.write_line(f"{name}: " + ", ".join(f"{label} {value:.2f}" for label, value in timings))
    by_label: dict[str, list[float]] = {}
    for timings in _RESULTS.values():
        for label, value in timings:
            by_label.setdefault(label, []).append(value)
    tr.write_line("overall: " + ", ".join(
        f"{label} median {statistics.median(vals):.2f} max {max(vals):.2f} (n={len(vals)})"
        for label, vals in by_label.items()
    ))
