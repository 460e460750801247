"""Shared pytest set-up: figures render off-screen in the test process.

(The notebooks run in their own kernels under nbval and choose their own backend.)
"""

import asyncio

import matplotlib
import pytest

matplotlib.use("Agg")

# Under pytest-xdist only the controller loads this file, not tests/browser/conftest.py: register
# the browser test's timing report here so `make test` prints its timings and any skip reason.
pytest_plugins = ["browser.timing_report"]


@pytest.fixture(autouse=True)
def _hide_a_loop_left_running_by_playwright(request):
    """Sync Playwright (the browser tests) keeps its event loop marked as running in this thread
    for the rest of the session. A Panel that sees a running loop schedules its frames on it, as
    in a kernel, and that loop would never draw them. Other tests do not see that loop."""
    loop = asyncio._get_running_loop()
    if loop is None or request.node.get_closest_marker("browser"):
        yield
        return
    asyncio._set_running_loop(None)
    try:
        yield
    finally:
        asyncio._set_running_loop(loop)
