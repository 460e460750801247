"""The fragility check really nudges: in a kernel started as `make fragility` starts them, the
floats the notebooks start from are one unit in the last place away from the plain ones.

`make fragility` copies tests/fragility/nudge_startup.py into a temporary IPYTHONDIR and runs
every notebook under nbval with HELPERS_NUDGE=up, then down. If the startup file stopped
working (a renamed function, a module imported under another name), the check would compare
un-nudged runs and could never fail: these tests would catch that.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.notebook

STARTUP = Path(__file__).resolve().parent / "fragility" / "nudge_startup.py"
PROBE = """
import json
import numpy as np
from helpers.kit.data import load_mnist
from helpers.layers import mlp
from helpers.objectives import DoubleWell, LeastSquares, Rosenbrock
data = load_mnist("sample")
print(json.dumps({
    "pixels": data.X_train[0][data.X_train[0] > 0][:5].tolist(),
    "zeros": int(np.sum(data.X_train == 0)),
    "weights": mlp([4, 3, 2], seed=0).params["0.W"].ravel().tolist(),
    "w_min": LeastSquares(np.arange(1.0, 7.0).reshape(3, 2), np.array([1.0, 2, 4])).w_min.tolist(),
    "slopes": DoubleWell(n_examples=5).c.tolist(),
    "valley": [Rosenbrock().a, Rosenbrock().b],
}))
"""


def run_in_kernel(tmp_path: Path, direction: str | None) -> dict:
    """What the probe prints in a kernel started with the fragility check's startup file."""
    from jupyter_client.manager import start_new_kernel

    ipython_dir = tmp_path / f"ipython-{direction}"
    (ipython_dir / "profile_default" / "startup").mkdir(parents=True)
    shutil.copy(STARTUP, ipython_dir / "profile_default" / "startup" / "00-nudge.py")
    env = {**os.environ, "IPYTHONDIR": str(ipython_dir), "HELPERS_MNIST_SOURCE": "sample"}
    env.pop("HELPERS_NUDGE", None)
    if direction:
        env["HELPERS_NUDGE"] = direction
    manager, client = start_new_kernel(kernel_name="python3", env=env,
                                       extra_arguments=[], startup_timeout=60)
    printed = []
    try:
        reply = client.execute_interactive(
            PROBE, timeout=60, output_hook=lambda msg: printed.append(
                msg["content"].get("text", "")) if msg["msg_type"] == "stream" else None)
        assert reply["content"]["status"] == "ok", reply["content"]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    return json.loads("".join(printed))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("fragility")
    return {direction: run_in_kernel(tmp_path, direction) for direction in (None, "up", "down")}


@pytest.mark.parametrize("direction", ["up", "down"])
def test_every_positive_pixel_moves_one_float32_step(runs, direction):
    plain = np.array(runs[None]["pixels"], dtype=np.float32)
    nudged = np.array(runs[direction]["pixels"], dtype=np.float32)
    toward = np.float32(np.inf) if direction == "up" else np.float32(0)
    assert np.array_equal(nudged, np.nextafter(plain, toward))
    assert runs[direction]["zeros"] == runs[None]["zeros"]  # the background stays exactly 0


@pytest.mark.parametrize("direction", ["up", "down"])
def test_initial_weights_regression_data_slopes_and_the_valley_move(runs, direction):
    for key in ("weights", "w_min", "slopes", "valley"):
        plain, nudged = np.array(runs[None][key]), np.array(runs[direction][key])
        assert plain.shape == nudged.shape and not np.array_equal(plain, nudged), key
        assert np.allclose(plain, nudged, rtol=1e-6, atol=0), key  # by a last-bit amount only


def test_without_the_variable_nothing_is_nudged(runs):
    from helpers.kit.data import load_mnist
    from helpers.layers import mlp

    data = load_mnist("sample")
    assert runs[None]["pixels"] == data.X_train[0][data.X_train[0] > 0][:5].tolist()
    assert runs[None]["weights"] == mlp([4, 3, 2], seed=0).params["0.W"].ravel().tolist()
