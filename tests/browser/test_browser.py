"""End to end: the course's notebooks in a real JupyterLab, driven through a real Chromium.

What a learner does and sees: open a notebook, run every cell, drag a slider with the mouse and
move it with the keyboard, press a button; the panels must render (no "Error displaying
widget"), redraw their figure and update their message, and no cell may end in an error. One
server and one browser serve every test of this module (pytest-xdist ``--dist loadscope`` keeps
them on one worker); fixtures are in ``conftest.py``, page actions in ``labpage.py``.
Screenshots: ``test-artifacts/browser/``.
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


def message_text(output) -> str:
    """The text of every HTML widget (the panel's message line) in a cell output."""
    return " ".join(output.locator(".widget-html-content").all_inner_texts()).strip()


def error_messages(output) -> list[str]:
    """Messages a panel shows at the "error" level (``helpers.widgets.message_html``'s colour)."""
    from helpers.widgets import message_html

    color = re.search(r"color:\s*([^;\"]+)", message_html("", "error")).group(1).strip()
    return output.locator(".panel-message").evaluate_all(
        "(nodes, color) => nodes.filter(n => n.getAttribute('style').includes(color))"
        ".map(n => n.textContent)", color)


def assert_no_problems(notebook, state=None):
    problems = notebook.problems(state)
    assert not problems, f"{notebook.path}:\n  " + "\n  ".join(problems)


def open_and_run(lab, name: str):
    """Open ``name``, Restart Kernel and Run All Cells, and check that nothing broke."""
    notebook = lab(name)
    assert_no_problems(notebook, notebook.run_all())
    lab.ran_clean[name] = lab.test_name
    return notebook


def panel_with_slider(notebook, label: str):
    """The first cell output holding a slider labelled ``label`` and a figure (a Panel)."""
    page = notebook.page
    outputs = notebook.output_with(".widget-slider .widget-label",
                                   has_text=re.compile(re.escape(label), re.I))
    panels = outputs.filter(has=page.locator("img.widget-image"))
    if panels.count() == 0:
        raise AssertionError(
            f"no panel with a {label!r} slider and a figure is shown in {notebook.path} "
            f"(widget errors: {notebook.widget_error_texts()}; problems: {notebook.problems()})"
        )
    panel = panels.first
    slider = notebook.slider(panel, label).first
    expect(slider).to_be_visible()
    return panel, slider, panel.locator("img.widget-image").first


def drag_and_check(notebook, timing, panel, slider, image, shown_value):
    """Drag ``slider``'s handle with the mouse for a few seconds; print how well the figure kept
    up; fail unless the final figure's message shows the slider's final value.

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
    print(f"  drag: {len(values)} value changes in {duration:.1f} s, {distinct} frames")
    final = readout.inner_text().strip()
    message = message_text(panel)
    shown = shown_value(message)
    assert shown is not None and float(shown) == pytest.approx(float(final), rel=1e-6), (
        f"after the drag the slider reads {final} but the figure's message says: {message!r}")
    assert frames and final_frame >= last_change, "no new figure reached the page after the drag"


def test_lr_slider_shows_divergence(lab, timing):
    """01: above lr = 1 gradient descent on the parabola diverges, and the panel says so."""
    notebook = open_and_run(lab, "01_gradient_descent_1d.ipynb")
    panel, slider, image = panel_with_slider(notebook, "learning rate")
    expect(image).to_have_attribute("src", re.compile(r"\S"))
    notebook.screenshot("panel-before", panel)

    def lr_in(message):
        found = re.search(r"lr = ([0-9.e+-]+):", message)
        return found and found.group(1)

    drag_and_check(notebook, timing, panel, slider, image, lr_in)
    notebook.screenshot("panel-after-drag", panel)
    message_before = message_text(panel)
    src_before = notebook.image_src(image)

    seconds = notebook.press_on(slider.locator(".noUi-handle"), "End", image)
    timing("slider-to-redraw", seconds)
    expect(panel.locator(".widget-html-content", has_text=DIVERGED).first).to_be_visible()
    notebook.wait_idle()

    lr = float(slider.locator(".widget-readout").inner_text())
    assert lr > 1, f"End should move the learning rate above 1; the readout says {lr}"
    assert notebook.image_src(image) != src_before, "the figure did not change"
    message_after = message_text(panel)
    assert message_after != message_before and DIVERGED.search(message_after), (
        f"message before: {message_before!r}; after: {message_after!r}"
    )
    notebook.screenshot("panel-after", panel)
    assert_no_problems(notebook)


def test_batch_size_slider_runs_from_one_to_the_full_batch(lab, timing):
    """03b: drag the batch size, then jump to the full batch and to one example; the panel
    redraws and says what it ran each time, and nothing breaks."""
    notebook = open_and_run(lab, "03b_epochs_and_the_noise_ball.ipynb")
    panel, slider, image = panel_with_slider(notebook, "batch size")
    readout = slider.locator(".widget-readout")
    notebook.screenshot("panel-before", panel)

    def batch_size_in(message):
        found = re.search(r"batch size (\d+)", message, re.I)
        return found and found.group(1)

    drag_and_check(notebook, timing, panel, slider, image, batch_size_in)
    notebook.screenshot("panel-after-drag", panel)

    for key, expected in (("End", None), ("Home", "1")):
        seconds = notebook.press_on(slider.locator(".noUi-handle"), key, image)
        timing("slider-to-redraw", seconds)
        if expected:
            expect(readout).to_have_text(re.compile(rf"^\s*{expected}\s*$"))
        notebook.wait_idle()
        value = readout.inner_text().strip()
        assert batch_size_in(message_text(panel)) == value, (
            f"{key}: the slider reads {value} but the message says {message_text(panel)!r}")
        notebook.screenshot(f"panel-{key.lower()}", panel)
    assert not error_messages(panel), f"the panel reports an error: {error_messages(panel)}"
    assert_no_problems(notebook)


_RECORDER_JS = r"""
(output) => {
  // Logs every change of the panel's images, of the progress bars and of the table rows.
  const notebook = output.closest(".jp-Notebook");
  const snapshot = () => ({
    images: [...output.querySelectorAll("img.widget-image")].map(img => img.src).join(" "),
    rows: notebook.querySelectorAll(".jp-OutputArea-output table tr").length,
    bars: [...notebook.querySelectorAll(".widget-hprogress, .widget-vprogress")]
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
  window.__trainObserver.observe(notebook, {subtree: true, childList: true, attributes: true,
                                            attributeFilter: ["src", "style"],
                                            characterData: true});
}
"""


def test_train_button_shows_progress_curve_and_table(lab, timing):
    """05b: Train with the defaults: a progress bar moves, the curve redraws live, a row is added.
    """
    notebook = open_and_run(lab, "05b_experiments_on_mnist.ipynb")
    page = notebook.page
    train = re.compile(r"^\s*Train\s*$")
    button = page.locator(".jp-Notebook button", has_text=train).first
    expect(button).to_be_visible()
    panel = notebook.output_with("button", has_text=train).first
    if panel.locator("img.widget-image").count() == 0:
        panel = page.locator(".jp-Notebook")  # the live curve lives in another cell's output
    notebook.screenshot("panel-before", panel)
    page.evaluate(_RECORDER_JS, panel.element_handle())
    before = page.evaluate("window.__trainLog[0]")

    button.click()
    expect(page.locator(".jp-Notebook").locator(PROGRESS_BAR).first).to_be_visible(timeout=30_000)
    notebook.screenshot("training", panel)
    page.wait_for_function(f"window.__trainLog.at(-1).rows > {before['rows']}",
                           timeout=180_000, polling=100)
    notebook.wait_idle(timeout=60)
    log = page.evaluate("window.__trainObserver.disconnect(), window.__trainLog")
    notebook.screenshot("panel-after", panel)

    done = next(entry["t"] for entry in log if entry["rows"] > before["rows"])
    bar_moves = [entry["t"] for entry in log if entry["bars"] != before["bars"]]
    frames = [entry["t"] for entry in log if entry["images"] != before["images"]]
    live = [t for t in frames if t < done]
    timing("click-to-progress", bar_moves[0] if bar_moves else float("nan"))
    timing("click-to-table-row", done)
    print(f"  progress bar changed {len(bar_moves)} times; the figure {len(frames)} times, "
          f"{len(live)} of them before the row appeared")
    assert bar_moves, "no progress bar appeared or moved while training"
    assert frames, "the loss curve never changed"
    assert live, "the loss curve only changed after training: it is not live"
    assert not error_messages(panel), f"the panel reports an error: {error_messages(panel)}"
    assert_no_problems(notebook)


def test_notebook_runs_without_errors(lab, notebook_name):
    """Every notebook: Restart Kernel and Run All Cells ends without an error or broken widget."""
    if notebook_name in lab.ran_clean:  # same check, already done in this session
        print(f"  {notebook_name} already opened and run cleanly by {lab.ran_clean[notebook_name]}")
        return
    notebook = open_and_run(lab, notebook_name)
    notebook.screenshot("after-run-all")
