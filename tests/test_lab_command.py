"""`make lab` starts JupyterLab anywhere: as root, with no display, with port 8888 taken.

`make lab` runs scripts/lab.py with the Python of .venv (the first test reads that from
`make -n lab`). The other tests run the same script with the Python running the tests, so they
pass from any environment that has the course installed: its dry run (``--print-command``) for
the flags, and the script itself for a real JupyterLab server on 127.0.0.1, which the test then
opens at the address it printed and stops.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from browser.labserver import _parent_death_signal

REPO = Path(__file__).resolve().parent.parent
FIRST_PORT = 8888  # the port `make lab` tries first
TIMEOUT = 60  # seconds: the longest any step may take (the server starts in about 3 s)
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0

# What decides whether a browser can open, what the learner may have set for Jupyter, and
# PYTHONUNBUFFERED, which a learner's terminal does not set (and which would hide lost output).
_SCREEN_AND_JUPYTER_VARIABLES = ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER", "SSH_CONNECTION",
                                 "SSH_CLIENT", "JUPYTER_TOKEN", "JUPYTER_PORT", "LAB_ARGS",
                                 "PYTHONUNBUFFERED")


def make_lab_command() -> list[str]:
    """The command `make lab` runs (the last line `make -n lab` prints), as an argument list."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "LAB_ARGS")}
    dry_run = subprocess.run(["make", "-n", "--no-print-directory", "lab"], cwd=REPO, env=env,
                             capture_output=True, text=True, timeout=TIMEOUT, check=True)
    return shlex.split(dry_run.stdout.strip().splitlines()[-1])


def lab_command() -> list[str]:
    """scripts/lab.py run by the Python running the tests (the course is installed there)."""
    return [sys.executable, str(REPO / "scripts" / "lab.py")]


def headless_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    """This process's environment as on a machine with no screen, plus ``variables``; every
    Jupyter folder in ``tmp_path``, so the server neither reads nor writes the user's settings."""
    env = {k: v for k, v in os.environ.items() if k not in _SCREEN_AND_JUPYTER_VARIABLES}
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR",
                 "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR", "IPYTHONDIR"):
        env[name] = str(tmp_path / name.lower())
    env.update(variables)
    return env


def printed_command(env: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The JupyterLab command `make lab` would run in ``env``: (variables it sets, arguments)."""
    result = subprocess.run(lab_command() + ["--print-command"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=TIMEOUT, check=True)
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, f"expected one command line, got:\n{result.stdout}"
    words = shlex.split(lines[0])
    variables = {}
    while re.fullmatch(r"[A-Za-z_]\w*=.*", words[0]):  # leading NAME=value, as in a shell
        name, value = words.pop(0).split("=", 1)
        variables[name] = value
    return variables, words


@pytest.fixture
def port_8888_taken():
    """Port 8888 busy on 127.0.0.1 while the test runs: the test listens on it (if something else
    already does, it is busy all the same)."""
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        holder.bind(("127.0.0.1", FIRST_PORT))
        holder.listen()
    except OSError:
        pass
    yield
    holder.close()


def test_make_lab_runs_the_lab_script_with_the_venv_python():
    command = make_lab_command()
    assert command[1:] == ["scripts/lab.py"]
    assert command[0] == ".venv/bin/python"


def test_command_allows_root_exactly_when_run_as_root(tmp_path):
    _, argv = printed_command(headless_env(tmp_path))
    assert ("--allow-root" in argv) == AS_ROOT


def test_command_listens_on_this_computer_only_and_keeps_a_token(tmp_path):
    variables, argv = printed_command(headless_env(tmp_path))
    assert argv[1:4] == ["-m", "jupyter", "lab"]
    assert "--ServerApp.ip=127.0.0.1" in argv
    token = variables["JUPYTER_TOKEN"]
    assert len(token) >= 32, "the token must be long enough not to be guessed"
    # The token is passed in the environment: the command line is visible to every user (ps).
    assert not any(token in word for word in argv)
    assert not any("token=" in word.lower() or "password" in word.lower() for word in argv)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's display variables")
@pytest.mark.parametrize(("variables", "opens_browser"), [
    ({}, False),                                             # a server or container: no screen
    ({"DISPLAY": ":0"}, True),                               # an X11 desktop
    ({"WAYLAND_DISPLAY": "wayland-0"}, True),                # a Wayland desktop
    ({"DISPLAY": "localhost:10.0",                           # ssh -X: the browser would open
      "SSH_CONNECTION": "10.0.0.2 50000 10.0.0.1 22"}, False),  # on the remote machine
    ({"BROWSER": "firefox"}, True),                          # the learner named a browser
])
def test_command_opens_a_browser_only_where_the_learner_can_see_it(tmp_path, variables,
                                                                   opens_browser):
    _, argv = printed_command(headless_env(tmp_path, **variables))
    assert ("--no-browser" not in argv) == opens_browser


def _http_status(url: str) -> int:
    """HTTP status of a GET of ``url``, redirects not followed (a 302 to the login page shows)."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _status_or_none(url: str) -> int | None:
    """HTTP status of ``url``, or None while nothing listens there yet."""
    try:
        return _http_status(url)
    except (OSError, urllib.error.URLError):
        return None


def _stop_process_group(proc: subprocess.Popen) -> bool:
    """Terminate the server's process group, then kill what is left; True once none is left."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=20)
            break
        except subprocess.TimeoutExpired:
            continue
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # any child the server left in its group
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
def test_make_lab_serves_the_course_at_the_printed_address_when_port_8888_is_taken(
        tmp_path, port_8888_taken):
    log_path = tmp_path / "make-lab.log"
    extra = [] if sys.platform.startswith("linux") else ["--no-browser"]  # never a real browser
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            lab_command() + extra, cwd=REPO, env=headless_env(tmp_path),
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=_parent_death_signal(),
        )

    def fail(message: str):
        pytest.fail(f"{message}\n--- output of make lab ---\n{log_path.read_text()}")

    try:
        deadline = time.monotonic() + TIMEOUT
        url = None
        while url is None:
            found = re.search(r"^\s*(http://\S+)\s*$", log_path.read_text(), re.MULTILINE)
            url = found and found.group(1)
            if url is None and (proc.poll() is not None or time.monotonic() > deadline):
                fail("make lab printed no address to open")
            time.sleep(0.1)

        address = urllib.parse.urlsplit(url)
        token = urllib.parse.parse_qs(address.query)["token"][0]
        base = f"{address.scheme}://{address.netloc}"
        assert address.hostname == "127.0.0.1"
        assert address.port != FIRST_PORT, "the address names the port that is taken"
        assert f"Port {FIRST_PORT} is taken" in log_path.read_text()

        while _status_or_none(f"{base}/lab?token={token}") != 200:
            if proc.poll() is not None:
                fail(f"JupyterLab stopped (exit status {proc.returncode})")
            if time.monotonic() > deadline:
                fail(f"JupyterLab did not answer at {base} within {TIMEOUT} s")
            time.sleep(0.25)

        assert _http_status(url) == 200, "the printed address does not open"
        request = urllib.request.Request(f"{base}/api/contents/notebooks/00_index.ipynb",
                                         headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.load(response)["type"] == "notebook"  # the notebook the address names
        assert _http_status(f"{base}/api/status") in (401, 403), "the server lets anyone in"
        assert _http_status(f"{base}/lab?token=not-the-token") == 302  # to the login page

        if Path(f"/proc/{proc.pid}/cmdline").exists():  # Linux: what `ps` shows of the server
            argv = Path(f"/proc/{proc.pid}/cmdline").read_bytes().decode().split("\0")
            assert "--ServerApp.ip=127.0.0.1" in argv
            assert ("--allow-root" in argv) == AS_ROOT
            assert not any(token in word for word in argv)
    finally:
        all_stopped = _stop_process_group(proc)
    assert all_stopped, "a process of the JupyterLab server survived"

