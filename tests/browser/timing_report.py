"""pytest hooks that print the browser test's timings at the end of the run.

Tests record timings with ``record_property("timing:<what>", seconds)``; pytest-xdist ships
those properties with each report to the controlling process, where these hooks collect and
print them. Under xdist the controller only loads the conftest files of its start-up paths, so
``tests/conftest.py`` must register this module (``pytest_plugins = ["browser.timing_report"]``);
``tests/browser/conftest.py`` registers it too, for runs of that folder alone. Registering it
twice is harmless: reports are kept by test id and the summary is printed once.
"""

from __future__ import annotations

PREFIX = "timing:"
_PRINTED = "_browser_timings_printed"
# Test id -> [(label, seconds), ...], in the order the tests finished.
_RESULTS: dict[str, list[tuple[str, float]]] = {}


def pytest_runtest_logreport(report):
    timings = [(name[len(PREFIX):], value) for name, value in report.user_properties
               if isinstance(name, str) and name.startswith(PREFIX)]
    if not timings or report.when != "call":
        return
    _RESULTS[report.nodeid] = timings


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if getattr(config, _PRINTED, False) or not _RESULTS:
        return
    setattr(config, _PRINTED, True)
    tr = terminalreporter
    tr.write_sep("=", "browser test timings (seconds)")
    for nodeid, timings in _RESULTS.items():
        name = nodeid.split("::", 1)[-1]
        tr.write_line(f"{name}: " + ", ".join(f"{label} {value:.2f}" for label, value in timings))
    by_label: dict[str, list[float]] = {}
    for timings in _RESULTS.values():
        for label, value in timings:
            by_label.setdefault(label, []).append(value)
    summary = ", ".join(
        f"{label} median {sorted(vals)[len(vals) // 2]:.2f} max {max(vals):.2f} (n={len(vals)})"
        for label, vals in by_label.items()
    )
    tr.write_line(f"overall: {summary}")
