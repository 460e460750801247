"""Small pieces several test files share (not a test module: pytest collects only test_*.py)."""

from __future__ import annotations

import asyncio
import importlib.util
import io
import threading
from pathlib import Path

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = REPO / "solutions"
NOTEBOOKS = REPO / "notebooks"


def load_solution(topic: str):
    """The module solutions/<topic>.py, e.g. load_solution("gd_1d")."""
    stem = topic[:-3] if topic.endswith(".py") else topic
    spec = importlib.util.spec_from_file_location(f"solutions_{stem}", SOLUTIONS / f"{stem}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pixels(png: bytes) -> np.ndarray:
    """A PNG as an (height, width, channels) uint8 array."""
    return np.asarray(Image.open(io.BytesIO(png)))


def set_controls(panel, **values) -> None:
    """Move several of a panel's controls at once (one frame), as a learner would one by one."""
    with panel.hold_refresh():
        for name, value in values.items():
            panel.controls[name].value = value


def assert_blit_matches_full_redraw(panel, settings) -> None:
    """For each dict of control values in ``settings``: move the controls, and check that the
    frame the learner sees (blitted over a stored background where the limits allow) is, pixel
    for pixel, the frame a full redraw gives. A panel whose draw() changes an artist that is not
    animated, or draws animated artists in the wrong order, fails here."""
    assert panel.frames.full_redraws >= 1
    blits_before = panel.frames.blits
    for values in settings:
        set_controls(panel, **values)
        shown = pixels(panel.image.value)
        panel.show(panel.state, full=True)  # the same state, drawn whole
        full = pixels(panel.image.value)
        assert shown.shape == full.shape
        differ = np.any(shown != full, axis=-1)
        assert not differ.any(), (f"after {values}: {int(differ.sum())} pixels of the shown frame "
                                  "differ from a full redraw (a non-animated artist changed?)")
    assert len(settings) < 2 or panel.frames.blits > blits_before, "no frame was ever blitted"


def run_in_own_loop(coro) -> threading.Thread:
    """asyncio.run(coro) in a thread of its own, as a kernel runs its loop (a loop that another
    test left running in this thread, such as sync Playwright's, cannot get in the way); re-raise
    what the coroutine raised. Returns the loop's thread."""
    errors = []

    def target():
        try:
            asyncio.run(coro)
        except BaseException as exc:  # noqa: BLE001 - handed back to the test's thread
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return thread
