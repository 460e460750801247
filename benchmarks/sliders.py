"""Slider latency: from setting a slider's value to the new PNG of the panel's figure.

For each panel (``helpers.panels.<module>.make_panel()``), every control is moved through
several values, extremes included, then back to its default. A move is timed from
``control.value = v`` to the return of that assignment: the panel's observer runs
synchronously (compute, draw, render to PNG bytes, ``panel.image.value`` set), so that is the
kernel-side latency a learner waits for (the browser adds the transfer and the paint).

The time is split, by wrapping the panel's ``compute`` and ``draw``, into compute, draw and
"PNG + widgets" (the rest: ``figure_png`` and the widget updates).
"""

from __future__ import annotations

import importlib
import math
import time

import numpy as np

from .report import Section, fmt_seconds, median, verdict

# notebook -> module of helpers.panels
PANELS = {"01": "gd_1d", "02": "gd_2d", "03": "sgd", "07": "escape"}
TARGET_SECONDS = 0.100


def sweep_values(control, n_points: int) -> list:
    """Up to n_points values of a control, spread from its lowest to its highest, ends included.

    Sliders (int, float, log) use their min and max; menus and selection sliders their options;
    check boxes their other value. Controls of other kinds give [] (not moved).
    """
    values = getattr(control, "_options_values", None)  # selection widgets: the option values
    if values is not None:
        values = list(values)
        picks = np.unique(np.linspace(0, len(values) - 1, n_points).round().astype(int))
        return [values[i] for i in picks]
    if isinstance(getattr(control, "value", None), bool):
        return [not control.value]
    if not (hasattr(control, "min") and hasattr(control, "max")):
        return []
    points = np.linspace(control.min, control.max, n_points)
    if hasattr(control, "base"):  # FloatLogSlider: min and max are exponents
        return [float(control.base**p) for p in points]
    if isinstance(control.value, int):
        return sorted({int(round(p)) for p in points})
    return [float(p) for p in points]


def _timed(function, record: list):
    """function, wrapped so that each call appends its duration in seconds to record."""
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            record.append(time.perf_counter() - start)
    return wrapper


def measure_panel(make_panel, n_points: int, repetitions: int) -> dict:
    """Move every control of a fresh panel; return the timings in seconds.

    {"first": make_panel() incl. first render, "moves": [...], "compute": [...], "draw": [...],
     "render": [panel.render_seconds ...], "messages_only": moves that showed an error message
     instead of a new figure, "controls": names moved}
    """
    start = time.perf_counter()
    panel = make_panel()
    first = time.perf_counter() - start
    compute_times, draw_times = [], []
    panel.compute = _timed(panel.compute, compute_times)
    panel.draw = _timed(panel.draw, draw_times)
    result = {"first": first, "moves": [], "compute": compute_times, "draw": draw_times,
              "render": [], "messages_only": 0, "controls": []}
    for _ in range(repetitions):
        for name, control in panel.controls.items():
            default = control.value
            values = sweep_values(control, n_points)
            if values and name not in result["controls"]:
                result["controls"].append(name)
            for value in [*values, default]:
                if value == control.value:
                    continue
                image_before = panel.image.value
                start = time.perf_counter()
                control.value = value
                seconds = time.perf_counter() - start
                if panel.image.value is image_before:  # compute said no: a message, no figure
                    result["messages_only"] += 1
                    continue
                result["moves"].append(seconds)
                result["render"].append(panel.render_seconds)
    return result


def run(n_points: int = 5, repetitions: int = 3) -> Section:
    """Measure every panel that exists and return the report section."""
    import matplotlib

    matplotlib.use("Agg")
    title = "3. Slider latency (slider moved → new PNG, kernel side)"
    columns = ["notebook", "panel", "controls moved", "moves", "median", "90th percentile",
               "max", "compute", "draw", "PNG + widgets", "make_panel()",
               f"median < {TARGET_SECONDS * 1e3:.0f} ms"]
    rows, notes, data = [], [], {}
    for notebook, module_name in PANELS.items():
        try:
            module = importlib.import_module(f"helpers.panels.{module_name}")
            make_panel = module.make_panel
        except (ImportError, AttributeError) as exc:
            notes.append(f"{notebook} ({module_name}) not measured: {exc}.")
            rows.append([notebook, module_name] + ["-"] * (len(columns) - 3) + ["not written"])
            continue
        try:
            result = measure_panel(make_panel, n_points, repetitions)
        except Exception as exc:  # noqa: BLE001 - report a broken panel, measure the others
            notes.append(f"{notebook} ({module_name}) failed: {type(exc).__name__}: {exc}.")
            rows.append([notebook, module_name] + ["-"] * (len(columns) - 3) + ["failed"])
            continue
        data[module_name] = result
        moves = result["moves"]
        med = median(moves)
        p90 = float(np.percentile(moves, 90)) if moves else math.nan
        compute, draw = median(result["compute"]), median(result["draw"])
        rest = median(result["render"]) - compute - draw
        rows.append([notebook, module_name, ", ".join(result["controls"]), str(len(moves)),
                     fmt_seconds(med), fmt_seconds(p90), fmt_seconds(max(moves, default=math.nan)),
                     fmt_seconds(compute), fmt_seconds(draw), fmt_seconds(rest),
                     fmt_seconds(result["first"]),
                     verdict(None if math.isnan(med) else med < TARGET_SECONDS)])
        if result["messages_only"]:
            notes.append(f"{notebook} ({module_name}): {result['messages_only']} move(s) showed "
                         "a message instead of a figure; not counted.")
    notes += [
        f"Each control is set to {n_points} values from its minimum to its maximum (options "
        f"for menus), then back to its default; {repetitions} sweep(s); medians over all moves.",
        "compute, draw: medians of the panel's compute() and draw(); PNG + widgets: the rest of "
        "Panel.render_seconds (figure_png and the widget updates). Browser transfer and paint "
        "are not included (see tests/browser for an end-to-end check).",
    ]
    return Section(title=title, columns=columns, rows=rows, notes=notes, data=data)
