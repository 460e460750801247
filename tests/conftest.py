"""Shared pytest set-up: figures render off-screen in the test process.

(The notebooks run in their own kernels under nbval and choose their own backend.)
"""

import matplotlib

matplotlib.use("Agg")

# Under pytest-xdist only the controller loads this file, not tests/browser/conftest.py: register
# the browser test's timing report here so `make test` prints its timings and any skip reason.
pytest_plugins = ["browser.timing_report"]
