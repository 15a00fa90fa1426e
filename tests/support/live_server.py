"""Start the real ``spapi-mock serve`` command on a free port, as a user would."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from support import PROJECT_ROOT as ROOT

# How long a server may take to answer after it is started: it only ends a start that hangs,
# however loaded the machine (a start has taken over 30 s with the suite running beside it).
START_TIMEOUT = 300.0


def copy_checkout(destination: Path) -> Path:
    """A copy of this repository as a new clone would have it (tracked and new files, no venv)."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    for name in listed:
        if (ROOT / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, destination / name)
    return destination


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    def __init__(self, process: subprocess.Popen, port: int, log: Path) -> None:
        self.process = process
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def live_server(*args: str, tmp_dir: Path, timeout: float = START_TIMEOUT, env: dict | None = None) -> Iterator[LiveServer]:
    """Run ``python -m spapi_mock serve --port P *args`` (``env`` added to the environment)
    until the block ends. It is waited for until it answers; ``timeout`` only ends a start that
    hangs, however loaded the machine."""
    port = free_port()
    command = [sys.executable, "-m", "spapi_mock", "serve", "--port", str(port), *args]
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    with serving(command, port, tmp_dir / f"server-{port}.log", env=environment, timeout=timeout) as server:
        yield server


@contextmanager
def serving(
    command: list[str], port: int, log: Path, *, env: dict, cwd: Path | None = None, timeout: float = START_TIMEOUT
) -> Iterator[LiveServer]:
    """Run a ``serve`` command that listens on ``port`` (with exactly ``env``) until the block
    ends, its output in ``log``; stopped as a user stops it, killed if it does not stop."""
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = LiveServer(process, port, log)
    try:
        wait_until_up(server, timeout)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_up(server: LiveServer, timeout: float) -> None:
    """Until the server answers its health check. The server listens before it loads its store,
    so once a connection is accepted the request simply waits for the answer: only refused
    connections (the process has not bound its port yet) are retried."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"spapi-mock exited with {server.process.returncode}:\n{server.output()}")
        try:
            requests.get(server.base_url + "/_mock/health", timeout=(1, max(1.0, deadline - time.monotonic())))
            return
        except requests.ConnectionError:
            time.sleep(0.05)
        except requests.Timeout:
            break
    raise RuntimeError(f"spapi-mock did not answer within {timeout}s:\n{server.output()}")
