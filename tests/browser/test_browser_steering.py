"""End to end in Chromium: deep dive D5's steering panel and drawing pad, as a learner uses them.

Steering: start a run in the background, move the learning-rate slider while it trains (the
change is logged, a new frame comes, training goes on), pause and resume, stop.
Drawing: draw a vertical stroke on the pad with the mouse; the network reads the whole stroke
when the button goes up and ranks "1" first. The pad records points while the mouse moves and
reads the drawing once, at the end of the stroke, so a busy kernel delays the answer but never
loses a stroke (before, every mouse event ran a prediction and a dozen widget updates).
"""

from __future__ import annotations

import re
import time

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures report it: a skip, or a failure when REQUIRE_BROWSER=1
    expect = None

pytestmark = pytest.mark.browser

SETUP = """\
from helpers.kit.data import load_mnist, split_validation
from helpers.kit.drawpad import DrawPad
from helpers.layers import mlp
from helpers.topics import steering
mnist = split_validation(load_mnist("sample"), 800, seed=0)"""
STEP = re.compile(r"step (\d+)")


def steps(status) -> int:
    found = STEP.search(status.inner_text())
    return int(found.group(1)) if found else -1


def wait_for(predicate, timeout: float, what: str) -> float:
    """Poll ``predicate`` until it is true; returns the seconds it took."""
    start = time.perf_counter()
    while not predicate():
        if time.perf_counter() - start > timeout:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.01)
    return time.perf_counter() - start


def test_steer_a_run(lab, timing):
    notebook = lab("steer", [SETUP, """\
steering.steering_panel(steering.make_trainer(mlp([784, 64, 10], seed=0), mnist.X_train,
                                              mnist.y_train, lr=0.02), num_epochs=500)"""])
    page = notebook.page
    panel = notebook.output_with("button", has_text=re.compile(r"^\s*Start\s*$")).first

    def button(name):
        return panel.locator("button", has_text=re.compile(rf"^\s*{name}\s*$"))

    status = panel.locator(".panel-message").first
    log = panel.locator(".steer-log")
    image = panel.locator("img.widget-image").first
    expect(image).to_have_attribute("src", re.compile(r"\S"))

    button("Start").click()
    expect(status).to_contain_text("running", timeout=10_000)
    wait_for(lambda: steps(status) >= 50, 30, "50 training steps")
    handle = notebook.slider(panel, "lr").locator(".noUi-handle").first
    handle.focus()
    src_before = notebook.image_src(image)
    pressed = time.perf_counter()
    page.keyboard.press("ArrowRight")
    timing("control-during-training",
           wait_for(lambda: "lr 0.02 →" in log.inner_text(), 10, "the lr change in the log"))
    applied_at = int(re.search(r"step (\d+): lr 0\.02 →", log.inner_text()).group(1))
    wait_for(lambda: notebook.image_src(image) != src_before, 10, "a new frame")
    timing("lr change to a new frame", time.perf_counter() - pressed)
    wait_for(lambda: steps(status) > applied_at + 20, 30, "training after the change")
    notebook.screenshot("steer-after-lr-change", panel)

    button("Pause").click()
    expect(status).to_contain_text("paused", timeout=10_000)
    paused_at = steps(status)
    time.sleep(0.5)
    assert steps(status) == paused_at, "training went on while paused"
    button("Start").click()
    expect(status).to_contain_text("running", timeout=10_000)
    wait_for(lambda: steps(status) > paused_at + 10, 30, "training after resume")
    button("Stop").click()
    expect(status).to_contain_text("stopped", timeout=10_000)
    notebook.screenshot("steer-stopped", panel)
    assert not notebook.problems(), notebook.problems()


def test_draw_a_one(lab, timing):
    notebook = lab("draw", [SETUP, """\
reader = mlp([784, 64, 10], seed=0)
steering.make_trainer(reader, mnist.X_train, mnist.y_train, lr=0.02).run(150)""",
                            "DrawPad(reader)"])
    page = notebook.page
    canvas = page.locator(".drawpad-canvas").first
    canvas.scroll_into_view_if_needed()
    top = page.locator(".drawpad-top").first
    expect(top).to_contain_text("draw a digit")
    box = canvas.bounding_box()
    x = box["x"] + box["width"] / 2
    page.mouse.move(x, box["y"] + 0.15 * box["height"])
    page.mouse.down()
    for k in range(1, 21):
        page.mouse.move(x, box["y"] + (0.15 + 0.7 * k / 20) * box["height"])
    page.mouse.up()
    released = time.perf_counter()
    # the count of strokes says the kernel received the whole stroke, then read it
    expect(top).to_contain_text(re.compile(r"most likely:\s*1\b.*1 stroke"), timeout=30_000)
    timing("stroke to prediction", time.perf_counter() - released)
    notebook.screenshot("drawpad-one", canvas.locator(
        "xpath=ancestor::div[contains(@class, 'jp-OutputArea-output')]").first)
    assert not notebook.problems(), notebook.problems()
