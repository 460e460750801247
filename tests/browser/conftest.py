"""Fixtures of the browser test: one JupyterLab server and one Chromium for the whole module.

- The browser: ``$CHROMIUM_PATH``, else ``chromium``, ``chromium-browser``, ``google-chrome`` on
  the PATH. None found: the tests are skipped with a one-line reason, unless ``REQUIRE_BROWSER=1``
  (set in CI), which turns that into a failure.
- The server serves a temporary COPY of ``notebooks/`` (the stored notebooks are never touched;
  ``BROWSER_TEST_NOTEBOOKS=/some/folder`` serves another folder instead, for developing this test).
  It is stopped after the last test whatever happens, kernels included.
- Each test gets a fresh page (``lab`` fixture); on failure a screenshot and the browser console
  are saved. Screenshots go to ``test-artifacts/browser/``; the server log too.
- Timings (page load, run-all, slider-to-redraw) are recorded as ``timing:...`` properties and
  printed at the end of the run (``timing_report.py``).
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

from labpage import NotebookPage  # noqa: E402
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


def notebooks_dir() -> Path:
    return Path(os.environ.get("BROWSER_TEST_NOTEBOOKS") or REPO / "notebooks").resolve()


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
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    return ARTIFACTS


@pytest.fixture(scope="session")
def lab_server(chromium_path, artifacts):
    """A JupyterLab server serving a temporary copy of the notebooks (module-wide)."""
    work = Path(tempfile.mkdtemp(prefix="browser-test-"))
    root = work / "course"
    shutil.copytree(notebooks_dir(), root / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    for entry in REPO.iterdir():  # ../helpers, ../solutions ... resolve as in the repository
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
def chromium(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def timing(record_property):
    """``timing(label, seconds)``: print a timing and keep it for the end-of-run summary."""

    def record(label: str, seconds: float) -> None:
        print(f"  timing: {label} {seconds:.2f} s")
        record_property(f"{PREFIX}{label}", round(seconds, 3))

    return record


@pytest.fixture
def lab(request, lab_server, chromium, artifacts, timing):
    """``lab(notebook_name) -> NotebookPage``: opens the notebook in a fresh page of its own."""
    context = chromium.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    console: list[str] = []
    pages: list[NotebookPage] = []
    prefix = re.sub(r"[^\w.-]+", "-", request.node.name.removeprefix("test_")).strip("-")

    def open_notebook(name: str) -> NotebookPage:
        source = notebooks_dir() / name
        if not source.is_file():
            skip_or_fail(f"{name} does not exist yet in {notebooks_dir()}")
        page = context.new_page()
        page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}")
                if msg.type in ("error", "warning") else None)
        page.on("pageerror", lambda exc: console.append(f"pageerror: {exc}"))
        notebook = NotebookPage(page, lab_server, f"notebooks/{name}", artifacts, timing, prefix)
        pages.append(notebook)
        notebook.open()
        return notebook

    try:
        yield open_notebook
    finally:
        if getattr(request.node, "_browser_failed", False):
            for notebook in pages:
                notebook.screenshot("FAILED")
            (artifacts / f"{prefix}-console.txt").write_text("\n".join(console) + "\n")
        context.close()
        lab_server.shutdown_kernels()  # the next test starts from fresh kernels, and memory
