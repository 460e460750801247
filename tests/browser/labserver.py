"""A throw-away JupyterLab server for the browser test: start, wait until ready, stop.

The server runs the venv's JupyterLab (``sys.executable -m jupyter lab``) on 127.0.0.1 with a free
port and a random token, in its own process group, with every Jupyter folder (config, data,
runtime, Lab settings and workspaces) in a temporary directory, so it neither reads nor writes the
user's Jupyter state. News and update checks are off (the machine may have no network).
``stop()`` shuts the server down politely, then kills its process group and any kernel it
started, whatever state it is in.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

# Lab settings for a quiet, deterministic front end: no news or update toasts.
_LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}

_SERVER_CONFIG = """\
c.ServerApp.open_browser = False
c.ServerApp.terminals_enabled = False
# If the test process dies without cleaning up, the server still goes away by itself.
c.ServerApp.shutdown_no_activity_timeout = 900
c.LabApp.news_url = None
# window.jupyterapp: lets the test read cell models (what JupyterLab's own Galata tests do).
c.LabApp.expose_app_in_browser = True
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"
"""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _parent_death_signal():
    """Linux: a pre-exec hook giving the server SIGTERM when the test process dies (even by
    SIGKILL). Resolved before the fork, so the child only makes one system call."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return lambda: prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


class LabServer:
    """One JupyterLab server serving ``root_dir``; state in ``work_dir``, log in ``log_path``."""

    def __init__(self, root_dir: Path, work_dir: Path, log_path: Path):
        self.root_dir = Path(root_dir)
        self.work_dir = Path(work_dir)
        self.log_path = Path(log_path)
        self.token = secrets.token_hex(16)
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        self._log_file = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str, **query: str) -> str:
        """Address of ``path`` (e.g. ``lab/tree/x.ipynb``) with the token and ``query`` flags."""
        flags = "".join(f"{key}={value}&" if value else f"{key}&" for key, value in query.items())
        return f"{self.base_url}/{path}?{flags}token={self.token}"

    def _env(self) -> dict[str, str]:
        dirs = {name: self.work_dir / name for name in ("config", "data", "runtime", "settings",
                                                        "workspaces", "ipython")}
        for path in dirs.values():
            path.mkdir(parents=True, exist_ok=True)
        (dirs["config"] / "jupyter_server_config.py").write_text(_SERVER_CONFIG)
        for rel, settings in _LAB_SETTINGS.items():
            target = dirs["settings"] / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(settings))
        env = dict(os.environ)
        env.update(
            JUPYTER_CONFIG_DIR=str(dirs["config"]),
            JUPYTER_DATA_DIR=str(dirs["data"]),
            JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
            JUPYTERLAB_SETTINGS_DIR=str(dirs["settings"]),
            JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]),
            IPYTHONDIR=str(dirs["ipython"]),
            PYDEVD_DISABLE_FILE_VALIDATION="1",
        )
        # The kernels' progress bars must show: never inherit a TQDM_DISABLE from the caller.
        env.pop("TQDM_DISABLE", None)
        return env

    def start(self, timeout: float = 90.0) -> None:
        """Start the server; wait until its REST API answers (RuntimeError if it never does)."""
        env = self._env()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        for _attempt in range(3):  # a free port can be taken between the check and the bind
            self.port = free_port()
            cmd = [
                sys.executable, "-m", "jupyter", "lab",
                "--no-browser",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={self.port}",
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={self.root_dir}",
            ]
            if hasattr(os, "geteuid") and os.geteuid() == 0:
                cmd.append("--allow-root")
            self.proc = subprocess.Popen(
                cmd, cwd=self.root_dir, env=env, stdin=subprocess.DEVNULL,
                stdout=self._log_file, stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_parent_death_signal(),
            )
            if self._wait_ready(timeout):
                return
            self.stop()
        raise RuntimeError(f"JupyterLab did not start; see its log: {self.log_path}")

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                self.api("GET", "api/status", timeout=2)
                return True
            except (OSError, urllib.error.URLError):
                time.sleep(0.25)
        return False

    def api(self, method: str, path: str, timeout: float = 10):
        """Call the server's REST API; returns the decoded JSON (or None for an empty answer)."""
        request = urllib.request.Request(
            f"{self.base_url}/{path}", method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Shut down every kernel (so the next notebook opened gets a fresh one)."""
        try:
            for session in self.api("GET", "api/sessions"):
                self.api("DELETE", f"api/sessions/{session['id']}", timeout=30)
            for kernel in self.api("GET", "api/kernels"):
                self.api("DELETE", f"api/kernels/{kernel['id']}", timeout=30)
        except (OSError, urllib.error.URLError):
            pass

    def stop(self) -> None:
        """Stop the server and its kernels; safe to call twice and after a crash."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            try:  # polite: the server shuts its kernels down itself
                self.api("POST", "api/shutdown", timeout=5)
                proc.wait(timeout=15)
            except (OSError, urllib.error.URLError, subprocess.TimeoutExpired):
                pass
        if proc is not None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                if proc.poll() is not None:
                    break
                try:
                    os.killpg(proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    continue
            try:  # children left in the group (the server is gone, the group may not be)
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self._kill_orphan_kernels()

    def close_log(self) -> None:
        """Close the server's log file (after ``stop``)."""
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def _kill_orphan_kernels(self) -> None:
        """Kill kernels of THIS server still alive (found by their connection file's folder)."""
        runtime = str(self.work_dir / "runtime")
        proc_dir = Path("/proc")
        if not proc_dir.is_dir():
            return
        for entry in proc_dir.iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if runtime in cmdline and "kernel" in cmdline:
                try:
                    os.kill(int(entry.name), signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
