"""Start JupyterLab on the course: what `make lab` runs.

It starts the same way on a laptop, on a remote machine reached by ssh and as root in a container:

- by default it listens on 127.0.0.1 only, so the course is not open to the network; it keeps
  Jupyter's token, and the address it prints carries it;
- it uses port 8888, or the next free port when 8888 is taken (by another Jupyter, say);
- it adds ``--allow-root`` when run as root, and ``--no-browser`` when there is no screen here to
  open a browser on (then you open the printed address yourself);
- it prints the address to open, then becomes the JupyterLab server: Control-C stops it as usual.

Usage (from any folder)::

    python scripts/lab.py                  # start JupyterLab on notebooks/00_index.ipynb
    python scripts/lab.py --print-command  # print the exact command it would run; start nothing
    python scripts/lab.py --no-browser     # never try to open a browser
    python scripts/lab.py --ip 0.0.0.0     # listen on every network interface (e.g. in a container)

It needs only the standard library and JupyterLab, and runs on Linux, macOS and Windows
(``python scripts\\lab.py`` there, from the environment the course is installed in).
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK = "notebooks/00_index.ipynb"  # the page the course opens on, relative to REPO
FIRST_PORT = 8888  # Jupyter's usual port; the next free one is used when it is taken


def port_is_free(ip: str, port: int) -> bool:
    """True if a server could listen on ``ip:port`` now (bound the way Jupyter binds)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        if os.name != "nt":  # as Tornado does: a port whose old connections linger is free
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((ip, port))
        except OSError:
            return False
    return True


def choose_port(ip: str, first: int = FIRST_PORT, tries: int = 20) -> int:
    """``first`` if it is free, else the next free port after it, else any free port."""
    for port in range(first, first + tries):
        if port_is_free(ip, port):
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((ip, 0))
        return sock.getsockname()[1]


def can_open_browser(environ: dict[str, str], platform: str = sys.platform) -> bool:
    """True if Jupyter can open a browser that the learner sees.

    BROWSER set: the learner (or an editor such as VS Code) chose one. An ssh session: the
    learner's browser is on another computer. macOS and Windows always have a browser; Linux needs
    a graphical session (DISPLAY for X11, WAYLAND_DISPLAY for Wayland).
    """
    if environ.get("BROWSER"):
        return True
    if environ.get("SSH_CONNECTION") or environ.get("SSH_CLIENT"):
        return False
    if platform == "darwin" or platform == "win32":
        return True
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


def is_root() -> bool:
    """True when running as root (JupyterLab then refuses to start without --allow-root)."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def lab_command(
    ip: str, port: int, token: str, open_browser: bool, as_root: bool
) -> tuple[dict[str, str], list[str]]:
    """The JupyterLab command: ``(env, argv)``, ``env`` being the variables to set for it.

    The token goes in JUPYTER_TOKEN, not on the command line, where other users of the machine
    could read it (with ``ps``).
    """
    env = {"JUPYTER_TOKEN": token}
    argv = [
        sys.executable, "-m", "jupyter", "lab", str(REPO / NOTEBOOK),
        f"--ServerApp.root_dir={REPO}",
        f"--ServerApp.ip={ip}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",  # the port was chosen free: the printed address stays right
        # Startup chatter would bury the address printed above it: warnings and errors only.
        "--ServerApp.log_level=WARN", "--LabApp.log_level=WARN",
    ]
    if not open_browser:
        argv.append("--no-browser")
    if as_root:
        argv.append("--allow-root")
    return env, argv


def course_url(ip: str, port: int, token: str) -> str:
    """The address of the course's first notebook, token included."""
    host = "127.0.0.1" if ip in ("0.0.0.0", "", "*") else ip
    return f"http://{host}:{port}/lab/tree/{NOTEBOOK}?token={token}"


def ssh_tunnel_hint(environ: dict[str, str], port: int) -> str | None:
    """In an ssh session, the command that brings the server's port to the learner's computer."""
    connection = environ.get("SSH_CONNECTION", "").split()  # client_ip client_port server_ip port
    if len(connection) != 4:
        return None
    server_ip, ssh_port = connection[2], connection[3]
    port_option = "" if ssh_port == "22" else f"-p {ssh_port} "
    user = environ.get("USER") or environ.get("LOGNAME") or "you"
    return f"ssh -N -L {port}:127.0.0.1:{port} {port_option}{user}@{server_ip}"


def main(args: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Start JupyterLab on the course.")
    parser.add_argument("--print-command", action="store_true",
                        help="print the exact command that would run, and start nothing")
    parser.add_argument("--no-browser", action="store_true", help="never open a browser")
    parser.add_argument("--ip", default="127.0.0.1",
                        help="IPv4 address to listen on (default 127.0.0.1: this computer only)")
    options = parser.parse_args(args)

    port = choose_port(options.ip)
    token = secrets.token_hex(24)
    open_browser = can_open_browser(os.environ) and not options.no_browser
    env, argv = lab_command(options.ip, port, token, open_browser, is_root())

    if options.print_command:
        words = [f"{name}={value}" for name, value in env.items()] + argv
        print(subprocess.list2cmdline(words) if os.name == "nt" else shlex.join(words))
        return

    url = course_url(options.ip, port, token)
    if open_browser:
        print("JupyterLab opens the course in your browser. If it does not, open this address:")
    else:
        print("Open this address in your browser (JupyterLab needs a few seconds to start):")
    print(f"    {url}")
    if port != FIRST_PORT:
        print(f"(Port {FIRST_PORT} is taken, so this server uses port {port}.)")
    hint = ssh_tunnel_hint(os.environ, port)
    if hint:
        print("You reached this machine over ssh. On your own computer, first run")
        print(f"    {hint}")
        print("and then open the address above there.")
    print("Stop JupyterLab with Control-C, twice, in this terminal.", flush=True)
    if os.name == "nt":  # Windows has no exec: run the server as a child and wait for it
        sys.exit(subprocess.call(argv, env={**os.environ, **env}))
    os.execve(argv[0], argv, {**os.environ, **env})  # becomes the server: same process, signals


if __name__ == "__main__":
    main()
