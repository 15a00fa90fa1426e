"""Node.js and the packages of the README's JS quick starts (``examples/js``)."""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
from pathlib import Path

from support import PROJECT_ROOT
from support.tools import tool_missing

EXAMPLES = PROJECT_ROOT / "examples" / "js"
NODE, NPM = shutil.which("node"), shutil.which("npm")


def why_node_cannot_run_the_snippets() -> str | None:
    if not (NODE and NPM):
        return "the Node SDK quick starts need node and npm on PATH (.ci/run installs them)"
    # @sp-api-sdk's code needs Node 20 (Node 18 cannot even parse it), as package.json says.
    engines = json.loads((EXAMPLES / "package.json").read_text(encoding="utf-8"))["engines"]["node"]
    version = subprocess.run([NODE, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    if int(version.lstrip("v").split(".")[0]) < int(engines.removeprefix(">=")):
        return f"the Node SDK quick starts need Node.js {engines} (examples/js/package.json), found {version}"
    return None


def install_node_modules() -> Path:
    """``examples/js/node_modules`` as the lock file says (``npm ci`` when missing or older)."""
    reason = why_node_cannot_run_the_snippets()
    if reason:
        tool_missing(reason)
    lock_file = EXAMPLES / "package-lock.json"
    installed = EXAMPLES / "node_modules" / ".package-lock.json"  # npm ci writes it last
    with open(EXAMPLES / "package.json") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)  # one npm ci at a time, across concurrent pytest runs
        if not installed.exists() or installed.stat().st_mtime < lock_file.stat().st_mtime:
            result = subprocess.run(
                [NPM, "ci", "--no-audit", "--no-fund"], cwd=EXAMPLES, capture_output=True, text=True, timeout=600
            )
            assert result.returncode == 0, result.stdout + result.stderr
    return EXAMPLES / "node_modules"
