"""End to end: the course's widgets in a real JupyterLab, driven through a real Chromium.

What only a browser can show: that every kind of widget the course uses renders (no "Error
displaying widget", no widget shown as plain text), that a panel follows a mouse drag and a key
press, that Train shows a live run. Each test writes a small scenario notebook that builds what
a learner uses with the course's own functions (nbval already runs the notebooks themselves),
runs it with Restart Kernel and Run All Cells, and acts on it. Fixtures are in
``conftest.py``, page actions in ``labpage.py``; screenshots in ``test-artifacts/browser/``.
"""

from __future__ import annotations

import re

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures report it: a skip, or a failure when REQUIRE_BROWSER=1
    expect = None

pytestmark = pytest.mark.browser

DIVERGED = re.compile(r"diverg", re.I)
PROGRESS_BAR = ".widget-hprogress, .widget-vprogress"  # ipywidgets 8 (tqdm.auto's bar is one)
DATA = ("from helpers.kit.data import load_mnist, split_validation\n"
        "data = split_validation(load_mnist('sample'), n_val=800, seed=0)")


def message_text(output) -> str:
    """The text of the panel's message line(s) in a cell output."""
    return " ".join(output.locator(".panel-message").all_inner_texts()).strip()


def error_messages(output) -> list[str]:
    """Messages a panel shows at the "error" level (``helpers.kit.widgets.message_html``)."""
    from helpers.kit.widgets import message_html

    color = re.search(r"color:\s*([^;\"]+)", message_html("", "error")).group(1).strip()
    return output.locator(".panel-message").evaluate_all(
        "(nodes, color) => nodes.filter(n => n.getAttribute('style').includes(color))"
        ".map(n => n.textContent)", color)


def panel_with_slider(notebook, label: str):
    """The first cell output holding a slider labelled ``label`` and a figure (a Panel)."""
    page = notebook.page
    outputs = notebook.output_with(".widget-slider .widget-label",
                                   has_text=re.compile(re.escape(label), re.I))
    panel = outputs.filter(has=page.locator("img.widget-image")).first
    slider = notebook.slider(panel, label).first
    expect(slider).to_be_visible()
    image = panel.locator("img.widget-image").first
    expect(image).to_have_attribute("src", re.compile(r"\S"))
    return panel, slider, image


def drag_and_check(notebook, timing, panel, slider, image, shown_value):
    """Drag ``slider``'s handle with the mouse for a few seconds; report how well the figure
    kept up; fail unless the final figure's message shows the slider's final value.

    shown_value(message) -> the value the message reports (a string as the readout shows it).
    """
    readout = slider.locator(".widget-readout")
    log = notebook.drag(slider.locator(".noUi-handle"), readout, image)
    values, frames = log["values"], log["frames"]
    assert values, "dragging the handle did not change the slider's value"
    duration = log["released"] - log["pressed"]
    last_change = values[-1][0]
    last_move = max([t for t in log["moves"] if t <= last_change], default=last_change)
    distinct = len({src for _, src in frames})
    timing("drag value changes per second", len(values) / duration, "")
    timing("drag frames per value change", distinct / len(values), "")
    final_frame = frames[-1][0] if frames else float("nan")
    timing("drag last-move-to-final-frame", final_frame - last_move)
    final = readout.inner_text().strip()
    message = message_text(panel)
    shown = shown_value(message)
    assert shown is not None and float(shown) == pytest.approx(float(final), rel=1e-6), (
        f"after the drag the slider reads {final} but the figure's message says: {message!r}")
    assert frames and final_frame >= last_change, "no new figure reached the page after the drag"


GALLERY = [
    DATA + "\nimport numpy as np\n"
    "from helpers.kit.predict import predict\n"
    "from helpers.layers import mlp\n"
    "from helpers.topics import (backprop, deep, diffusion, epochs, gd_1d, mnist, optimizers,"
    " steering, valleys)",
    "gd_1d.parabola_panel()",  # a log slider, an int slider, the message line, the figure
    "valleys.bowl_panel()",
    "epochs.batch_size_panel()",  # a selection slider
    "backprop.graph_panel()",
    "mnist.train_panel(data)",  # buttons, a menu, an output area, a table
    "optimizers.optimizer_panel()",  # menus
    "diffusion.escape_panel()",  # sliders that redraw on release
    "deep.depth_scale_panel(data.X_train[:256], data.y_train[:256])",
    "steering.steering_panel(steering.make_trainer(mlp([784, 32, 10]), data.X_train,"
    " data.y_train))",
    "predict('Which?', ['this one', 'that one'])",  # radio buttons and a button
    "predict('How many steps?', number=True, unit='steps')",  # a number box",
]


def test_every_kind_of_widget_the_course_uses_renders(lab, timing):
    notebook = lab("gallery", GALLERY, run_timeout=180)
    page = notebook.page
    images = page.locator(".jp-Notebook img.widget-image")
    assert images.count() >= 9, f"{images.count()} panel figures rendered, expected 9"
    for kind in (".widget-slider", ".widget-dropdown", ".widget-button", ".widget-radio",
                 ".widget-text"):
        assert page.locator(f".jp-Notebook {kind}").count(), f"no {kind} rendered"
    notebook.screenshot("gallery")


def test_the_learning_rate_panel_follows_a_drag_and_reports_divergence(lab, timing):
    """01: drag the learning rate, then press End: past lr = 1 GD diverges, and the panel says
    so with a new figure."""
    notebook = lab("parabola", ["from helpers.topics import gd_1d\ngd_1d.parabola_panel()"])
    panel, slider, image = panel_with_slider(notebook, "learning rate")
    notebook.screenshot("panel-before", panel)

    def lr_in(message):
        found = re.search(r"lr = ([0-9.e+-]+):", message)
        return found and found.group(1)

    drag_and_check(notebook, timing, panel, slider, image, lr_in)
    notebook.screenshot("panel-after-drag", panel)
    before, src_before = message_text(panel), notebook.image_src(image)
    timing("slider-to-redraw", notebook.press_on(slider.locator(".noUi-handle"), "End", image))
    expect(panel.locator(".panel-message", has_text=DIVERGED).first).to_be_visible()
    notebook.wait_idle()
    assert float(slider.locator(".widget-readout").inner_text()) > 1
    assert notebook.image_src(image) != src_before and message_text(panel) != before
    notebook.screenshot("panel-diverged", panel)
    assert not notebook.problems(), notebook.problems()


def test_the_batch_size_panel_runs_from_one_example_to_the_full_batch(lab, timing):
    """04: drag the batch size, then jump to the full batch and to one example; each time the
    message says which batch size it ran."""
    notebook = lab("batch-size", ["from helpers.topics import epochs\nepochs.batch_size_panel()"])
    panel, slider, image = panel_with_slider(notebook, "batch size")
    readout = slider.locator(".widget-readout")

    def batch_size_in(message):
        found = re.search(r"batch size (\d+)", message, re.I)
        return found and found.group(1)

    drag_and_check(notebook, timing, panel, slider, image, batch_size_in)
    for key, expected in (("End", "200"), ("Home", "1")):
        timing("slider-to-redraw", notebook.press_on(slider.locator(".noUi-handle"), key, image))
        expect(readout).to_have_text(re.compile(rf"^\s*{expected}\s*$"))
        notebook.wait_idle()
        assert batch_size_in(message_text(panel)) == expected, message_text(panel)
        notebook.screenshot(f"panel-{key.lower()}", panel)
    assert not error_messages(panel), error_messages(panel)
    assert not notebook.problems(), notebook.problems()


_RECORDER_JS = r"""
(output) => {
  // Logs every change of the panel's images, of the progress bars and of the table rows.
  const snapshot = () => ({
    images: [...output.querySelectorAll("img.widget-image")].map(img => img.src).join(" "),
    rows: output.querySelectorAll("table tr").length,
    bars: [...output.querySelectorAll(".widget-hprogress, .widget-vprogress")]
      .map(bar => (bar.querySelector(".progress-bar") || {style: {}}).style.width || "?")
      .join(" "),
  });
  const start = performance.now();
  let last = snapshot();
  const log = window.__trainLog = [{t: 0, ...last}];
  window.__trainObserver = new MutationObserver(() => {
    const now = snapshot();
    if (now.images !== last.images || now.rows !== last.rows || now.bars !== last.bars) {
      log.push({t: (performance.now() - start) / 1000, ...now});
      last = now;
    }
  });
  window.__trainObserver.observe(output, {subtree: true, childList: true, attributes: true,
                                          attributeFilter: ["src", "style"],
                                          characterData: true});
}
"""


def test_train_shows_progress_a_live_curve_and_a_new_row(lab, timing):
    """06: press Train with the defaults: a progress bar moves, the curve redraws while the
    network trains, and the table of runs gets a row."""
    notebook = lab("train", [DATA, "from helpers.topics import mnist\nmnist.train_panel(data)"])
    page = notebook.page
    train = re.compile(r"^\s*Train\s*$")
    panel = notebook.output_with("button", has_text=train).first
    button = panel.locator("button", has_text=train).first
    notebook.screenshot("panel-before", panel)
    page.evaluate(_RECORDER_JS, panel.element_handle())
    before = page.evaluate("window.__trainLog[0]")
    button.click()
    page.wait_for_function(f"window.__trainLog.at(-1).rows > {before['rows']}",
                           timeout=180_000, polling=100)
    notebook.wait_idle(timeout=60)
    log = page.evaluate("window.__trainObserver.disconnect(), window.__trainLog")
    notebook.screenshot("panel-after", panel)
    done = next(entry["t"] for entry in log if entry["rows"] > before["rows"])
    bar_moves = [entry["t"] for entry in log if entry["bars"] != before["bars"]]
    live = [entry["t"] for entry in log if entry["images"] != before["images"] and
            entry["t"] < done]
    timing("click-to-progress", bar_moves[0] if bar_moves else float("nan"))
    timing("click-to-table-row", done)
    assert bar_moves, "no progress bar appeared or moved while training"
    assert live, "the loss curve only changed after training: it is not live"
    assert not error_messages(panel), error_messages(panel)
    assert not notebook.problems(), notebook.problems()
