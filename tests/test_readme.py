"""The README's Python snippets run as written against a real server."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from live_server import live_server

README = Path(__file__).resolve().parents[1] / "README.md"
SNIPPETS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with live_server(tmp_dir=tmp_path_factory.mktemp("readme")) as running:
        yield running


def test_the_readme_has_python_snippets():
    assert len(SNIPPETS) >= 2


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[f"snippet{n}" for n in range(len(SNIPPETS))])
def test_snippet_runs(server, snippet, tmp_path):
    script = tmp_path / "snippet.py"
    script.write_text(snippet.replace("127.0.0.1:8080", f"127.0.0.1:{server.port}"))
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    # Every snippet reads the buyer's cancellation request of the README's example order
    # (fixtures/default/na.yaml), as the string "true" with its reason.
    assert "true" in result.stdout and "Order Created By Mistake" in result.stdout, result.stdout
