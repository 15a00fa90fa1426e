"""The README's Python snippets run as written against a real server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from live_server import live_server

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = README.read_text(encoding="utf-8")
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, re.S)
# A block that starts "# test_<name>.py" is a test file for the pytest plugin; the rest are scripts.
TEST_FILES = [block for block in PYTHON_BLOCKS if re.match(r"# test_\w+\.py", block)]
SNIPPETS = [block for block in PYTHON_BLOCKS if block not in TEST_FILES]
DEMO = next(block for block in re.findall(r"```sh\n(.*?)```", TEXT, re.S) if block.startswith("# demo"))
SCENARIO_EXAMPLE = next(block for block in re.findall(r"```yaml\n(.*?)```", TEXT, re.S) if "steps:" in block)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with live_server(tmp_dir=tmp_path_factory.mktemp("readme")) as running:
        yield running


def test_the_readme_has_python_snippets():
    assert len(SNIPPETS) >= 2 and TEST_FILES


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[f"snippet{n}" for n in range(len(SNIPPETS))])
def test_snippet_runs(server, snippet, tmp_path):
    script = tmp_path / "snippet.py"
    script.write_text(snippet.replace("127.0.0.1:8080", f"127.0.0.1:{server.port}"))
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    # Every snippet reads the buyer's cancellation request of the README's example order
    # (fixtures/default/na.yaml), as the string "true" with its reason.
    assert "true" in result.stdout and "Order Created By Mistake" in result.stdout, result.stdout


@pytest.mark.parametrize("test_file", TEST_FILES, ids=[re.match(r"# (test_\w+)", b).group(1) for b in TEST_FILES])
def test_plugin_test_file_passes_under_pytest(test_file, tmp_path):
    name = re.match(r"# (test_\w+\.py)", test_file).group(1)
    (tmp_path / name).write_text(test_file)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    tests = len(re.findall(r"^def test_", test_file, re.M))
    assert result.returncode == 0 and f"{tests} passed" in result.stdout, result.stdout + result.stderr


def test_the_two_minute_demo_runs_as_written(tmp_path):
    # A fresh server: the demo moves the clock and cancels orders.
    with live_server(tmp_dir=tmp_path) as server:
        venv_bin = tmp_path / ".venv" / "bin"
        venv_bin.mkdir(parents=True)
        (venv_bin / "spapi-mock").symlink_to(Path(sys.executable).parent / "spapi-mock")
        script = DEMO.replace("127.0.0.1:8080", f"127.0.0.1:{server.port}")
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "SPAPI_MOCK_URL": server.base_url},
        )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert '"IsBuyerRequestedCancel":"true","BuyerCancelReason":"Order Created By Mistake"' in out
    assert '"IsBuyerRequestedCancel":"false"' in out
    assert "Unshipped" in out and "Shipped" in out
    assert "BREACHED" in out, out


def test_the_scenario_example_runs():
    from spapi_mock.control import LocalControl

    from conftest import make_app

    backend = make_app().app.extensions["spapi_mock"].backend
    result = LocalControl(backend).run_inline_scenario(yaml.safe_load(SCENARIO_EXAMPLE))
    assert result["log"][-1].startswith("6. confirm_shipment: refused as expected")
    order = backend.store.get(backend.default_seller_id, result["orders"]["order"])["order"]
    assert order["OrderStatus"] == "Canceled"
