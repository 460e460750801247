"""Shared pytest set-up: figures render off-screen in the test process.

(The notebooks run in their own kernels under nbval and choose their own backend.)
"""

import matplotlib

matplotlib.use("Agg")
