"""The code stays ruff-clean (DESIGN §4) and the suite itself runs on any clone; CI runs this like any other test."""

from __future__ import annotations

import os
import subprocess
import sys

from support import PROJECT_ROOT as ROOT


def test_ruff_finds_nothing():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "src", "tests", "bench"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_suite_collects_on_a_clone_without_amazons_models(tmp_path):
    """Outside CI, a clone without ../shared/reference skips the oracle tests; collecting them
    must not fail (a skip while collecting would end the whole run)."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "SPAPI_MOCK_REQUIRE_REFERENCE")}
    env["SPAPI_MOCK_REFERENCE_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-n", "0", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "error" not in result.stdout.splitlines()[-1], result.stdout[-500:]
