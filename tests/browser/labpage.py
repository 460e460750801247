"""Driving one notebook in JupyterLab like a learner does, and reading back what happened.

Actions go through the user interface: the Edit and Run menus, the dialog's button, the keyboard
on a slider handle, a mouse click on a button (a notebook is opened with the command that
File > Open and the file browser use). Observations come from the page (what is drawn)
and from JupyterLab's own cell models (``window.jupyterapp``, exposed by the test server), which
say exactly which cell ran and which output is an error.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

# Text a broken widget front end shows instead of the widget.
WIDGET_ERROR_PATTERNS = (
    "Error displaying widget",
    "Error rendering output",
    "Failed to load model class",
    "Could not create a view",
    "Could not create model",
    "model not found",
)

# The plain-text fallback of a widget whose view could not be rendered, e.g.
# "Panel(children=(FloatLogSlider(value=0.1, ..." or "Button(description='Train', ...)".
WIDGET_REPR = re.compile(
    r"^\s*[A-Z]\w*\((children|value|description|options|layout|outputs|style)="
)

# Cells allowed to raise: JupyterLab honours the "raises-exception" tag (run-all goes on after
# them); nbval honours it too, and also the comment marker, which JupyterLab ignores.
RAISES_TAGS = {"raises-exception", "nbval-raises-exception"}
RAISES_COMMENT = "NBVAL_RAISES_EXCEPTION"

# A cell's own outputs (not those nested inside an Output widget).
_TOP_OUTPUT = ".jp-Cell-outputArea > .jp-OutputArea-child > .jp-OutputArea-output"

# Reads the notebook's cell models, the kernel status and the rendered outputs in one go.
_STATE_JS = r"""
(path) => {
  const app = window.jupyterapp;
  if (!app) return {ready: false, reason: "window.jupyterapp is missing"};
  let panel = null;
  for (const w of app.shell.widgets("main")) {
    if (w.context && w.context.path === path) { panel = w; break; }
  }
  if (!panel || !panel.context.isReady || !panel.content.model) {
    return {ready: false, reason: "notebook not open yet"};
  }
  const model = panel.content.model;
  const session = panel.sessionContext.session;
  const cells = [];
  for (let i = 0; i < model.cells.length; i++) {
    const cell = model.cells.get(i);
    const entry = {
      type: cell.type,
      source: cell.sharedModel.getSource(),
      tags: cell.getMetadata("tags") || [],
    };
    if (cell.type === "code") {
      entry.count = cell.executionCount;
      entry.running = cell.executionState === "running";
      entry.outputs = [];
      const view = panel.content.widgets[i];
      const nodes = view ? view.node.querySelectorAll(
        ".jp-Cell-outputArea > .jp-OutputArea-child > .jp-OutputArea-output") : [];
      for (let j = 0; j < cell.outputs.length; j++) {
        const out = cell.outputs.get(j).toJSON();
        const node = nodes[j];
        entry.outputs.push({
          type: out.output_type,
          ename: out.ename || null,
          evalue: out.evalue || null,
          widget: !!(out.data && out.data["application/vnd.jupyter.widget-view+json"]),
          rendered_widget: !!(node && node.querySelector(".jupyter-widgets")),
          text: node ? node.textContent.slice(0, 2000) : "",
        });
      }
    }
    cells.push(entry);
  }
  return {
    ready: true,
    kernel: session && session.kernel ? session.kernel.status : null,
    kernel_name: session && session.kernel ? session.kernel.name : null,
    cells,
  };
}
"""

# Logs, with the page's clock, every pointer move, every change of a slider's readout and every
# new figure image in one panel: what a learner's drag made the page do.
_DRAG_RECORDER_JS = r"""
([readout, image]) => {
  const log = window.__dragLog = {moves: [], values: [], frames: []};
  const now = () => performance.now() / 1000;
  const onMove = () => log.moves.push(now());
  document.addEventListener("pointermove", onMove, true);
  // a value change is a new readout text (a re-render with the same text is not one)
  const values = new MutationObserver(() => {
    const text = readout.textContent.trim();
    const last = log.values[log.values.length - 1];
    if (!last || last[1] !== text) log.values.push([now(), text]);
  });
  values.observe(readout, {subtree: true, childList: true, characterData: true});
  const frames = new MutationObserver(() => log.frames.push([now(), image.src]));
  frames.observe(image, {attributes: true, attributeFilter: ["src"]});
  window.__dragStop = () => {
    document.removeEventListener("pointermove", onMove, true);
    values.disconnect();
    frames.disconnect();
    return log;
  };
}
"""

_WAIT_RUN_JS = r"""
([path, stateJs]) => {
  const state = eval(stateJs)(path);
  if (!state.ready || state.kernel !== "idle") return false;
  let allRan = true;
  let errored = false;
  for (const c of state.cells) {
    if (c.type !== "code") continue;
    if (c.running) return false;
    if (c.source.trim() && c.count === null) allRan = false;
    if (c.outputs.some(o => o.type === "error")) errored = true;
  }
  // Finished: everything ran, or an error stopped the run (the rest stays unrun).
  return allRan || errored;
}
"""


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:100]
    return ""


def _cell_label(source: str) -> str:
    """The first line of a cell that is not a comment (markers like NBVAL_... are comments)."""
    lines = [line for line in source.splitlines() if line.strip()]
    code = [line for line in lines if not line.lstrip().startswith("#")]
    return _first_line("\n".join(code or lines))


def _may_raise(cell: dict) -> bool:
    return bool(RAISES_TAGS & set(cell.get("tags") or [])) or RAISES_COMMENT in cell["source"]


def load_lab(page, server, timeout: float = 90.0) -> float:
    """Load JupyterLab in ``page`` with a fresh workspace; returns the seconds until it is ready."""
    start = time.perf_counter()
    page.goto(server.url("lab", reset=""), wait_until="domcontentloaded", timeout=timeout * 1000)
    page.wait_for_function("() => !!window.jupyterapp", timeout=timeout * 1000, polling=100)
    page.evaluate("async () => { await window.jupyterapp.restored; }")
    page.locator(".jp-LabShell").wait_for(state="visible", timeout=timeout * 1000)
    return time.perf_counter() - start


def close_documents(page) -> None:
    """Close every tab of the main area without saving (the served notebooks are copies)."""
    page.evaluate("""() => {
      for (const widget of [...window.jupyterapp.shell.widgets("main")]) {
        if (widget.context && widget.context.model) widget.context.model.dirty = false;
        widget.dispose();
      }
    }""")


class NotebookPage:
    """One notebook open in JupyterLab (the only document open in that page).

    page: a Playwright page; server: the ``LabServer``; path: the notebook's path under the
    server root (e.g. ``notebooks/01_gradient_descent_1d.ipynb``); artifacts: folder for
    screenshots; record: ``record(label, seconds)`` stores a timing.
    """

    def __init__(self, page, server, path: str, artifacts: Path, record, prefix: str):
        self.page = page
        self.server = server
        self.path = path
        self.artifacts = artifacts
        self.record = record
        self.prefix = prefix

    # ----- observing -------------------------------------------------------------------------

    def state(self) -> dict:
        """Cells (source, tags, execution count, outputs) and the kernel status, from the page."""
        return self.page.evaluate(_STATE_JS, self.path)

    def screenshot(self, name: str, locator=None) -> Path:
        """Save a screenshot of the page (or of ``locator``) as an artifact; returns its path."""
        target = self.artifacts / f"{self.prefix}-{name}.png"
        try:
            if locator is not None:
                locator.scroll_into_view_if_needed(timeout=5000)
                locator.screenshot(path=str(target), timeout=10000)
            else:
                self.page.screenshot(path=str(target), timeout=10000)
        except Exception as exc:  # noqa: BLE001 - a screenshot must never hide the real failure
            print(f"  (screenshot {target.name} failed: {exc})")
        return target

    def widget_error_texts(self) -> list[str]:
        """Widget error messages shown anywhere in the notebook's outputs."""
        texts = self.page.locator(".jp-Notebook .jp-OutputArea-output").evaluate_all(
            "nodes => nodes.map(n => n.textContent)"
        )
        found = []
        for text in texts:
            lower = text.lower()
            hits = [lower.index(pattern.lower()) for pattern in WIDGET_ERROR_PATTERNS
                    if pattern.lower() in lower]
            if hits:
                found.append(_first_line(text[min(hits):]))
        return sorted(set(found))

    def problems(self, state: dict | None = None) -> list[str]:
        """Everything a learner would see as broken after a run: one sentence each."""
        state = state or self.state()
        problems = []
        not_run = []
        for index, cell in enumerate(state["cells"]):
            if cell["type"] != "code":
                continue
            where = f"cell {index} ({_cell_label(cell['source'])!r})"
            if cell["source"].strip() and cell["count"] is None:
                not_run.append(index)
            for out in cell["outputs"]:
                if out["type"] == "error" and not _may_raise(cell):
                    problems.append(f"{where} raised {out['ename']}: {out['evalue']}")
                if out["type"] == "error" and _may_raise(cell) and not (
                    RAISES_TAGS & set(cell["tags"])
                ):
                    problems.append(
                        f"{where} raises on purpose but has only the {RAISES_COMMENT} comment: "
                        "add the cell tag 'raises-exception' so JupyterLab's run-all goes on"
                    )
                if out["widget"] and not out["rendered_widget"]:
                    shown = _first_line(out["text"])
                    hint = (" (the widget front end is missing: is jupyterlab_widgets installed?)"
                            if WIDGET_REPR.match(out["text"] or "") else "")
                    problems.append(f"{where}: a widget did not render; the page shows "
                                    f"{shown!r}{hint}")
                elif not out["widget"] and WIDGET_REPR.match(out["text"] or ""):
                    problems.append(f"{where} shows a widget as text: {_first_line(out['text'])!r}")
        if not_run:
            problems.append(f"code cells {not_run} did not run (run-all stopped early)")
        problems += [f"widget error on the page: {text!r}" for text in self.widget_error_texts()]
        return problems

    # ----- acting ----------------------------------------------------------------------------

    def open(self, timeout: float = 60.0) -> None:
        """Open the notebook in the running JupyterLab (as File > Open does); wait for its kernel.
        """
        start = time.perf_counter()
        self.page.evaluate(
            "async (path) => { await window.jupyterapp.commands.execute("
            "'docmanager:open', {path, factory: 'Notebook'}); }",
            self.path,
        )
        self.page.wait_for_function(
            "([path, js]) => { const s = eval(js)(path); return s.ready && s.kernel === 'idle'; }",
            arg=[self.path, _STATE_JS], timeout=timeout * 1000, polling=100,
        )
        self.page.locator(".jp-Notebook .jp-Cell").first.wait_for(state="visible")
        self.record("notebook open", time.perf_counter() - start)
        dialogs = self.page.locator(".jp-Dialog")
        if dialogs.count():
            raise AssertionError(f"a dialog blocks the notebook: {dialogs.first.inner_text()!r}")

    def menu(self, menu: str, command: str) -> None:
        """Click ``menu`` in the menu bar, then the item that runs ``command``."""
        self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).click()
        self.page.locator(f".lm-Menu-item[data-command='{command}']").click()

    def run_all(self, timeout: float = 90.0) -> dict:
        """Clear all outputs, then Run > Restart Kernel and Run All Cells; wait until it is done.

        Clearing first makes "every code cell has an execution count" mean "ran just now".
        Returns the final state (see ``state``).
        """
        self.menu("Edit", "editmenu:clear-all")
        start = time.perf_counter()
        self.menu("Run", "runmenu:restart-and-run-all")
        dialog = self.page.locator(".jp-Dialog")
        dialog.wait_for(state="visible")
        dialog.locator("button.jp-mod-accept").click()
        dialog.wait_for(state="hidden")
        try:
            self.page.wait_for_function(_WAIT_RUN_JS, arg=[self.path, _STATE_JS],
                                        timeout=timeout * 1000, polling=100)
        except Exception as exc:
            state = self.state()
            cells = state.get("cells", [])
            # queued cells count as running too: the first one is the one executing
            running = [i for i, c in enumerate(cells) if c["type"] == "code" and c["running"]]
            stuck = f"kernel {state.get('kernel')}"
            if running:
                cell = self.page.locator(".jp-Notebook .jp-Cell").nth(running[0])
                cell.scroll_into_view_if_needed()
                stuck = f"stuck in cell {running[0]} ({_cell_label(cells[running[0]]['source'])!r})"
            self.screenshot("run-all-timeout")
            raise AssertionError(
                f"run-all of {self.path} did not finish within {timeout:.0f} s: {stuck}"
            ) from exc
        self.record("run-all", time.perf_counter() - start)
        self.settle_widgets()
        return self.state()

    def settle_widgets(self, timeout: float = 15.0) -> None:
        """Wait until no widget output still says "Loading widget..." (views render after the
        kernel is idle); one that never renders is then reported by ``problems``."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

        try:
            self.page.wait_for_function(
                """() => ![...document.querySelectorAll('.jp-Notebook .jp-OutputArea-output')]
                         .some(node => node.textContent.includes('Loading widget'))""",
                timeout=timeout * 1000, polling=100,
            )
        except PlaywrightTimeoutError:
            pass

    def output_with(self, selector: str, has_text=None):
        """The top-level cell output that contains ``selector`` (optionally with ``has_text``)."""
        inner = self.page.locator(selector, has_text=has_text)
        return self.page.locator(_TOP_OUTPUT, has=inner)

    def slider(self, scope, label: str):
        """The slider in ``scope`` whose description reads ``label`` (case-insensitive)."""
        return scope.locator(".widget-slider").filter(
            has=self.page.locator(".widget-label", has_text=re.compile(re.escape(label), re.I))
        )

    def image_src(self, image) -> str:
        return image.get_attribute("src") or ""

    def press_on(self, handle, key: str, image, timeout: float = 15.0) -> float:
        """Focus a slider handle, press ``key``, wait for ``image`` to redraw; returns seconds."""
        handle.focus()
        old_src = self.image_src(image)
        start = time.perf_counter()
        self.page.keyboard.press(key)
        self.page.wait_for_function("([img, old]) => img.src && img.src !== old",
                                    arg=[image.element_handle(), old_src],
                                    timeout=timeout * 1000, polling="raf")
        return time.perf_counter() - start

    def drag(self, handle, readout, image, *, seconds: float = 4.0, reach: float = 80.0,
             step: float = 3.0, interval: float = 0.05, settle: float = 1.5) -> dict:
        """Drag a slider handle with the mouse: press, small moves back and forth for
        ``seconds`` (``step`` pixels every ``interval`` seconds at most, a steady hand; up to
        ``reach`` pixels from the start, first towards the middle of the track), release away
        from where it started.

        Returns the page's log, in seconds on the page's clock: {"moves": [t, ...],
        "values": [[t, readout text], ...], "frames": [[t, image src], ...], "pressed": t,
        "released": t}. Frames are logged until the kernel is idle and no new frame came for
        ``settle`` seconds.
        """
        page = self.page
        box = handle.bounding_box()
        x0, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        track = handle.locator("xpath=ancestor::div[contains(@class, 'noUi-target')]").first
        middle = track.bounding_box()
        middle = middle["x"] + middle["width"] / 2
        page.mouse.move(x0, y)
        page.evaluate(_DRAG_RECORDER_JS, [readout.element_handle(), image.element_handle()])
        page.mouse.down()
        pressed = page.evaluate("performance.now() / 1000")
        inward = 1.0 if x0 < middle else -1.0
        offset, direction = 0.0, inward
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            if abs(offset + direction * step) > reach:
                direction = -direction
            offset += direction * step
            next_move = time.perf_counter() + interval
            page.mouse.move(x0 + offset, y)
            time.sleep(max(0.0, next_move - time.perf_counter()))
        if inward * offset < reach / 2:  # end away from the start, so the value changed
            page.mouse.move(x0 + inward * reach / 2, y)
        page.mouse.up()
        released = page.evaluate("performance.now() / 1000")
        self.wait_idle()
        count = -1
        while True:  # until no new frame for `settle` seconds
            frames = page.evaluate("window.__dragLog.frames.length")
            if frames == count:
                break
            count = frames
            time.sleep(settle)
            self.wait_idle()
        log = page.evaluate("window.__dragStop()")
        return {**log, "pressed": pressed, "released": released}

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Wait until the kernel has nothing left to do (callbacks of slider moves included)."""
        self.page.wait_for_function(
            "([path, js]) => { const s = eval(js)(path); return s.ready && s.kernel === 'idle'; }",
            arg=[self.path, _STATE_JS], timeout=timeout * 1000, polling=100,
        )
