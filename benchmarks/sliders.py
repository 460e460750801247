"""Slider latency, kernel side: a frame while a slider is dragged, and a full redraw, same run.

For each panel of the course (``helpers.topics.<topic>.<factory>()``, at its defaults):

- **drag**: every slider that follows the hand (``continuous_update=True``) is dragged: many
  small consecutive moves, one notch at a time, away from its default and back, as a hand does.
  Each move is timed from ``control.value = v`` to the return of that assignment: outside a
  kernel the panel's observer runs synchronously (compute, draw, PNG bytes, widgets updated), so
  that is the time a frame costs. A move that changes the axes limits is a full redraw and counts
  too (the panel decides, as it would for a learner);
- **full redraw**: ``panel.refresh(full=True)`` at the default values: compute, draw and the
  whole figure rendered again (what every frame cost before blitting);
- **jump**: every control (menus included) set to values spread over its range and back, as
  with a key press (Home, End) or a click on the track.

The targets (reported, never asserted): a drag frame at most 50 ms, and at most 0.2× the full
redraw of the same panel in the same run.
"""

from __future__ import annotations

import importlib
import math
import time

import numpy as np

from .report import Section, fmt_ratio, fmt_seconds, median, verdict

# notebook -> the panel's factory in helpers.topics (the panels that need no data set)
PANELS = {"01": "gd_1d.parabola_panel", "02": "valleys.bowl_panel",
          "04": "epochs.batch_size_panel", "05": "backprop.graph_panel",
          "07": "optimizers.optimizer_panel", "D3": "diffusion.escape_panel"}
TARGET_SECONDS = 0.050  # a drag frame: room for 20 frames a second
TARGET_RATIO = 0.2  # a drag frame against a full redraw of the same panel


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


def drag_values(control, n_moves: int, reach: int = 8) -> list:
    """n_moves values of a slider one notch apart: away from its value by up to ``reach`` notches
    and back, again and again (a triangle wave, kept inside the slider's range).

    Returns [] for a control that is not a slider following the hand.
    """
    if not getattr(control, "continuous_update", False) or not hasattr(control, "value"):
        return []
    options = getattr(control, "_options_values", None)
    if options is not None:  # selection slider: its options are the notches
        options = list(options)
        grid, start = options, options.index(control.value)
    elif hasattr(control, "min") and hasattr(control, "step") and control.step:
        if hasattr(control, "base"):  # FloatLogSlider: notches of the exponent
            exponent = math.log(control.value, control.base)
            k = np.arange(-reach, reach + 1)
            grid = [control.base ** (exponent + control.step * j) for j in k]
            low, high = control.base**control.min, control.base**control.max
        else:
            k = np.arange(-reach, reach + 1)
            grid = [control.value + control.step * j for j in k]
            low, high = control.min, control.max
        grid = [type(control.value)(v) for v in grid if low <= v <= high]
        start = min(range(len(grid)), key=lambda i: abs(grid[i] - control.value))
    else:
        return []
    if len(grid) < 2:
        return []
    period = 2 * reach
    steps = [(j % period) if (j % period) <= reach else period - (j % period)
             for j in range(1, n_moves + 1)]  # 1, 2, ..., reach, reach-1, ..., 0, 1, ...
    direction = 1 if start + reach < len(grid) else -1
    return [grid[min(max(start + direction * s, 0), len(grid) - 1)] for s in steps]


def _timed_set(panel, control, value) -> tuple[float, bool] | None:
    """Set one control; return (seconds, whether the frame was a full redraw), or None when the
    panel showed a message instead of a new figure (compute said no) or nothing changed."""
    if value == control.value:
        return None
    image_before, full_before = panel.image.value, panel.frames.full_redraws
    start = time.perf_counter()
    control.value = value
    seconds = time.perf_counter() - start
    if panel.image.value is image_before:
        return None
    return seconds, panel.frames.full_redraws > full_before


def measure_panel(make_panel, n_points: int, repetitions: int, n_moves: int = 40) -> dict:
    """Drag, redraw in full and jump on a fresh panel; return the timings in seconds.

    {"first": make_panel() incl. first render, "drag": [...], "drag_full": moves of a drag
     that redrew in full, "full": [...], "jumps": [...], "compute": [...],
     "dragged": names of the controls dragged, "controls": names moved by jumps,
     "messages_only": moves that showed an error message instead of a new figure}
    """
    start = time.perf_counter()
    panel = make_panel()
    first = time.perf_counter() - start
    compute_times = []
    compute = panel.compute

    def timed_compute(**values):
        begin = time.perf_counter()
        try:
            return compute(**values)
        finally:
            compute_times.append(time.perf_counter() - begin)

    panel.compute = timed_compute
    result = {"first": first, "drag": [], "drag_full": 0, "full": [], "jumps": [],
              "compute": compute_times, "dragged": [], "controls": [], "messages_only": 0}
    for _ in range(repetitions):
        for name, control in panel.controls.items():  # drag
            default = control.value
            values = drag_values(control, n_moves)
            if values and name not in result["dragged"]:
                result["dragged"].append(name)
            for value in values:
                timed = _timed_set(panel, control, value)
                if timed is None:
                    result["messages_only"] += value != control.value
                    continue
                result["drag"].append(timed[0])
                result["drag_full"] += timed[1]
            control.value = default
        for _ in range(3):  # full redraw at the defaults
            begin = time.perf_counter()
            panel.refresh(full=True)
            result["full"].append(time.perf_counter() - begin)
        for name, control in panel.controls.items():  # jumps over the whole range
            default = control.value
            values = sweep_values(control, n_points)
            if values and name not in result["controls"]:
                result["controls"].append(name)
            for value in [*values, default]:
                timed = _timed_set(panel, control, value)
                if timed is None:
                    continue
                result["jumps"].append(timed[0])
    return result


def _p90(values) -> float:
    return float(np.percentile(values, 90)) if values else math.nan


def run(n_points: int = 5, repetitions: int = 3, n_moves: int = 40) -> Section:
    """Measure every panel that exists and return the report section."""
    import matplotlib

    matplotlib.use("Agg")
    if n_points <= 1:  # --quick
        n_moves = 6
    title = "3. Slider latency (slider moved → new PNG, kernel side)"
    columns = ["notebook", "panel", "controls dragged", "drag frames", "drag median",
               "drag 90th percentile", "full redraws in drag", "full redraw", "drag / full",
               "jump median", "compute", "make_panel()",
               f"drag ≤ {TARGET_SECONDS * 1e3:.0f} ms", f"drag / full ≤ {TARGET_RATIO:g}"]
    rows, notes, data = [], [], {}
    for notebook, module_name in PANELS.items():
        try:
            topic, factory = module_name.split(".")
            make_panel = getattr(importlib.import_module(f"helpers.topics.{topic}"), factory)
        except (ImportError, AttributeError) as exc:
            notes.append(f"{notebook} ({module_name}) not measured: {exc}.")
            rows.append([notebook, module_name] + ["-"] * (len(columns) - 3) + ["not written"])
            continue
        try:
            result = measure_panel(make_panel, n_points, repetitions, n_moves)
        except Exception as exc:  # noqa: BLE001 - report a broken panel, measure the others
            notes.append(f"{notebook} ({module_name}) failed: {type(exc).__name__}: {exc}.")
            rows.append([notebook, module_name] + ["-"] * (len(columns) - 3) + ["failed"])
            continue
        data[module_name] = result
        drag, full = result["drag"], median(result["full"])
        drag_median = median(drag) if drag else math.nan
        ratio = drag_median / full if drag and full > 0 else math.nan
        dragged = ", ".join(result["dragged"]) or "none (redraws on release)"
        rows.append([
            notebook, module_name, dragged, str(len(drag)), fmt_seconds(drag_median),
            fmt_seconds(_p90(drag)), str(result["drag_full"]) if drag else "-",
            fmt_seconds(full), fmt_ratio(ratio), fmt_seconds(median(result["jumps"])),
            fmt_seconds(median(result["compute"])), fmt_seconds(result["first"]),
            verdict(None if math.isnan(drag_median) else drag_median <= TARGET_SECONDS),
            verdict(None if math.isnan(ratio) else ratio <= TARGET_RATIO),
        ])
        if result["messages_only"]:
            notes.append(f"{notebook} ({module_name}): {result['messages_only']} move(s) showed "
                         "a message instead of a figure; not counted.")
    notes += [
        f"drag: each slider that follows the hand is moved {n_moves} times, one notch at a time, "
        "up to 8 notches away from its default and back; every move is one frame (compute, "
        "draw, PNG, widgets). Moves that changed the axes limits redraw in full and are "
        "counted too (column \"full redraws in drag\").",
        "full redraw: panel.refresh(full=True) at the default values, the whole figure drawn "
        "again (what every frame cost before blitting). drag / full: the ratio of the medians.",
        f"jump: each control set to {n_points} values from its minimum to its maximum (options "
        "for menus), then back to its default. compute: median of the panel's compute() over "
        f"all moves. {repetitions} repetition(s). Browser transfer and paint are not included "
        "(tests/browser measures a real drag end to end).",
    ]
    return Section(title=title, columns=columns, rows=rows, notes=notes, data=data)
