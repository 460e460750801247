"""Fixtures of the browser test: one JupyterLab server and one Chromium page for the module.

- The browser: ``$CHROMIUM_PATH``, else ``chromium``, ``chromium-browser``, ``google-chrome`` on
  the PATH, else ``/usr/bin/chromium``. None found (or no Python Playwright): the tests are
  skipped with a one-line reason, unless ``REQUIRE_BROWSER=1`` (set in CI) makes that a failure.
  A notebook a scenario needs that does not exist is handled the same way.
- The server serves a temporary folder that links to the repository (``helpers/`` ...) and holds
  the scenario notebooks the tests write: a few cells that build what a learner uses (a panel,
  the Train button, the drawing pad) with the course's own functions, nothing else, so that a
  scenario does not re-run a whole notebook nbval already ran. It is stopped after the last test
  whatever happens, kernels included.
- JupyterLab is loaded once in one page (``LabBrowser``); each test opens its notebooks in it
  (``lab`` fixture), and afterwards they are closed and their kernels shut down. After a failed
  test the page is saved as a screenshot, the browser console as a text file, and the page is
  replaced by a freshly loaded JupyterLab. Artifacts and the server log: test-artifacts/browser/.
- Timings (page load, notebook open, run-all, slider-to-redraw, ...) are recorded as
  ``timing:...`` properties and printed at the end of the run (``timing_report.py``).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # the helper modules next to this file, whatever the import mode

from labpage import NotebookPage, close_documents, load_lab  # noqa: E402
from labserver import LabServer  # noqa: E402
from timing_report import (  # noqa: E402, F401 - hooks, registered by being here
    PREFIX,
    pytest_runtest_logreport,
    pytest_terminal_summary,
)

REPO = HERE.parents[1]
ARTIFACTS = REPO / "test-artifacts" / "browser"
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # No network on the test machines: without these Chromium stalls on refused connections.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 1000}
# Top-level entries of the repository NOT linked into the served folder.
_NOT_SERVED = {"notebooks", ".git", ".venv", "test-artifacts", "build", "dist"}
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def browser_required() -> bool:
    return os.environ.get("REQUIRE_BROWSER", "").strip().lower() in {"1", "true", "yes", "on"}


def skip_or_fail(reason: str):
    """Skip with ``reason``; a failure instead when REQUIRE_BROWSER=1 (CI)."""
    if browser_required():
        pytest.fail(f"{reason} [REQUIRE_BROWSER=1 makes this a failure]", pytrace=False)
    pytest.skip(reason)


def find_browser() -> tuple[str | None, str]:
    """(path of a Chromium or Chrome, "") or (None, why none was found and how to get one)."""
    how = ("install it (Debian/Ubuntu: sudo apt-get install chromium) or set CHROMIUM_PATH "
           "to a Chromium or Chrome executable")
    env_path = os.environ.get("CHROMIUM_PATH", "").strip()
    if env_path:
        if os.path.isfile(env_path) and os.access(env_path, os.X_OK):
            return env_path, ""
        return None, f"CHROMIUM_PATH={env_path} is not an executable file: {how}"
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found, ""
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium", ""
    return None, f"no Chromium or Chrome found ({', '.join(BROWSER_NAMES)}): {how}"


def pytest_runtest_makereport(item, call):
    """Keep each phase's outcome on the item, so fixtures can react to a failed test."""
    if call.when == "call":
        item._browser_failed = call.excinfo is not None and not call.excinfo.errisinstance(
            pytest.skip.Exception
        )


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path, reason = find_browser()
    if path is None:
        skip_or_fail(reason)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        skip_or_fail("Python Playwright is not installed: pip install -e '.[test]'")
    return path


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in [*ARTIFACTS.glob("*.png"), *ARTIFACTS.glob("*-console.txt")]:
        old.unlink()
    return ARTIFACTS


@pytest.fixture(scope="session")
def lab_server(chromium_path, artifacts):
    """A JupyterLab server on a temporary folder for the scenario notebooks (session-wide)."""
    work = Path(tempfile.mkdtemp(prefix="browser-test-"))
    root = work / "course"
    (root / "scenarios").mkdir(parents=True)
    for entry in REPO.iterdir():  # helpers, solutions ... resolve as in the repository
        if entry.name not in _NOT_SERVED and not entry.name.startswith("."):
            (root / entry.name).symlink_to(entry)
    server = LabServer(root, work / "jupyter", artifacts / "jupyter-server.log")
    try:
        server.start()
        yield server
    finally:
        server.stop()
        server.close_log()
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="session")
def browser_context(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        # One context for every test: pages share the HTTP cache, so JupyterLab loads faster.
        context = browser.new_context(viewport=VIEWPORT)
        context.set_default_timeout(30_000)
        try:
            yield context
        finally:
            context.close()
            browser.close()


@pytest.fixture
def timing(record_property):
    """``timing(label, value, unit="s")``: print a timing (or a rate, with ``unit=""``) and keep it
    for the end-of-run summary."""

    def record(label: str, value: float, unit: str = "s") -> None:
        print(f"  timing: {label} {value:.2f}" + (f" {unit}" if unit else ""))
        record_property(f"{PREFIX}{label}", round(value, 3))

    return record


class LabBrowser:
    """The one Chromium page showing JupyterLab, shared by the tests (booting Lab takes seconds).

    ``page()`` loads JupyterLab when there is no page yet; ``tidy()`` closes every notebook and
    shuts the kernels down after a test; ``discard()`` drops the page after a failure, so the
    next test starts from a freshly loaded JupyterLab.
    """

    def __init__(self, context, server):
        self.context = context
        self.server = server
        self.console: list[str] = []
        self._page = None

    def page(self):
        """(page, seconds JupyterLab took to load, or None when it was already loaded)."""
        if self._page is not None and not self._page.is_closed():
            return self._page, None
        page = self.context.new_page()
        page.on("console", lambda msg: self.console.append(f"{msg.type}: {msg.text}")
                if msg.type in ("error", "warning") else None)
        page.on("pageerror", lambda exc: self.console.append(f"pageerror: {exc}"))
        self._page = page
        seconds = load_lab(page, self.server)
        close_documents(page)  # the launcher
        return page, seconds

    def tidy(self) -> None:
        if self._page is not None and not self._page.is_closed():
            try:
                close_documents(self._page)
                if self._page.locator(".jp-Dialog").count():
                    self.discard()
            except Exception:  # noqa: BLE001 - a page we cannot tidy is replaced
                self.discard()
        self.server.shutdown_kernels()  # the next test starts from fresh kernels, and memory

    def discard(self) -> None:
        if self._page is not None and not self._page.is_closed():
            self._page.close()
        self._page = None


@pytest.fixture(scope="session")
def lab_browser(lab_server, browser_context):
    return LabBrowser(browser_context, lab_server)


class Lab:
    """``lab(name, cells) -> NotebookPage``: writes a scenario notebook of ``cells`` (code, as
    strings) into the served folder, opens it in JupyterLab and runs it (Restart Kernel and Run
    All Cells), for one test."""

    def __init__(self, request, lab_browser, artifacts, timing):
        self.browser = lab_browser
        self.artifacts = artifacts
        self.timing = timing
        self.test_name = request.node.name
        self.prefix = re.sub(r"[^\w.-]+", "-", self.test_name.removeprefix("test_")).strip("-")
        self.pages: list[NotebookPage] = []
        lab_browser.console.clear()

    def __call__(self, name: str, cells: list[str], run_timeout: float = 120) -> NotebookPage:
        import nbformat

        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
        nb.metadata["kernelspec"] = KERNELSPEC
        nbformat.write(nb, self.browser.server.root_dir / "scenarios" / f"{name}.ipynb")
        page, boot_seconds = self.browser.page()
        if boot_seconds is not None:
            self.timing("page load", boot_seconds)
        notebook = NotebookPage(page, self.browser.server, f"scenarios/{name}.ipynb",
                                self.artifacts, self.timing, self.prefix)
        self.pages.append(notebook)
        notebook.open()
        state = notebook.run_all(timeout=run_timeout)
        problems = notebook.problems(state)
        assert not problems, f"{notebook.path}:\n  " + "\n  ".join(problems)
        return notebook

    def close(self, failed: bool) -> None:
        if failed and self.pages:  # what the page looked like, what the browser complained about
            self.pages[-1].screenshot("FAILED")
            (self.artifacts / f"{self.prefix}-console.txt").write_text(
                "\n".join(self.browser.console) + "\n")
            self.browser.discard()
        self.browser.tidy()


@pytest.fixture
def lab(request, lab_browser, artifacts, timing):
    """A ``Lab`` for this test; afterwards its notebooks are closed and their kernels stopped."""
    lab = Lab(request, lab_browser, artifacts, timing)
    try:
        yield lab
    finally:
        lab.close(failed=getattr(request.node, "_browser_failed", False))
