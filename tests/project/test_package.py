"""The package as it would be published: `python -m build` makes an sdist and a wheel that
`twine check --strict` accepts, with what an index page shows (description, readme, classifiers,
keywords, project URLs, license), the version from one place; the wheel installs into a fresh
venv and `spapi-mock serve` from it answers getOrder on the built-in fixtures, run from a
directory that is not the checkout.

The metadata expectations are PyPI's (the core metadata fields an index page is made from), not
read back from pyproject.toml."""

from __future__ import annotations

import email.parser
import os
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
import requests

from support import PROJECT_ROOT as ROOT
from support.live_server import free_port, serving

pytestmark = pytest.mark.slow

VERSION = re.search(r'^__version__ = "([^"]+)"', (ROOT / "src" / "spapi_mock" / "__init__.py").read_text(), re.M).group(1)
# A built-in order (fixtures/default/README.md): US, MFN, Unshipped.
BUILT_IN_ORDER = "111-7439572-9813316"


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


def only(dist: Path, pattern: str) -> Path:
    (found,) = dist.glob(pattern)
    return found


def wheel_metadata(dist: Path) -> email.message.Message:
    with zipfile.ZipFile(only(dist, "*.whl")) as wheel:
        return email.parser.Parser().parsestr(wheel.read(f"spapi_mock-{VERSION}.dist-info/METADATA").decode())


def test_build_makes_an_sdist_and_a_wheel_of_the_one_version(dist):
    assert only(dist, "*.tar.gz").name == f"spapi_mock-{VERSION}.tar.gz"
    assert only(dist, "*.whl").name == f"spapi_mock-{VERSION}-py3-none-any.whl"
    # One place: pyproject.toml reads the version from spapi_mock.__version__ instead of holding a second copy.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" not in project and "version" in project["dynamic"]


def test_twine_check_strict_accepts_both(dist):
    result = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, sorted(dist.iterdir()))],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2, result.stdout


def test_the_metadata_has_what_an_index_page_shows(dist):
    meta = wheel_metadata(dist)
    assert meta["Name"] == "spapi-mock" and meta["Version"] == VERSION
    assert "Selling Partner API" in meta["Summary"]
    # The README is the long description, rendered as Markdown.
    assert meta["Description-Content-Type"] == "text/markdown"
    assert meta.get_payload().lstrip().startswith("# spapi-mock")
    # An index page has no docs/ folder beside it: every link of the long description is absolute.
    targets = re.findall(r"\]\(([^)\s]+)\)", meta.get_payload())
    assert targets and all(target.startswith(("https://", "#")) for target in targets), targets
    assert "https://github.com/spapi-mock/spapi-mock/blob/main/docs/how-to.md" in targets
    assert meta["Requires-Python"] == ">=3.11"
    assert meta["License-Expression"] == "Apache-2.0" and meta["License-File"] == "LICENSE"
    classifiers = meta.get_all("Classifier")
    assert any(c.startswith("Development Status ::") for c in classifiers)
    assert {"Programming Language :: Python :: 3.11", "Topic :: Software Development :: Testing :: Mocking"} <= set(classifiers)
    assert {"amazon", "sp-api", "mock"} <= set(meta["Keywords"].split(","))
    urls = dict(url.split(", ", 1) for url in meta.get_all("Project-URL"))
    assert {"Homepage", "Source", "Issues", "Documentation", "Changelog"} <= set(urls)
    assert all(url.startswith("https://") for url in urls.values())
    # The extras a user is told to install.
    assert {"sdk", "docs", "test"} <= set(meta.get_all("Provides-Extra"))


def test_the_wheel_carries_the_license_specs_and_fixtures(dist):
    with zipfile.ZipFile(only(dist, "*.whl")) as wheel:
        names = set(wheel.namelist())
    assert f"spapi_mock-{VERSION}.dist-info/licenses/LICENSE" in names
    for spec in (ROOT / "openapi").glob("*.yaml"):
        assert f"spapi_mock/_data/openapi/{spec.name}" in names
    for kind in ("default", "scenarios", "sandbox"):
        assert any(name.startswith(f"spapi_mock/_data/fixtures/{kind}/") for name in names), kind
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in names)


def test_the_sdist_carries_the_sources_and_nothing_a_checkout_collects(dist):
    with tarfile.open(only(dist, "*.tar.gz")) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    for needed in (
        "pyproject.toml",
        "README.md",
        "CHANGELOG.md",
        "LICENSE",
        "src/spapi_mock/__init__.py",
        "openapi/control.yaml",
    ):
        assert needed in names, needed
    assert any(name.startswith("fixtures/default/") for name in names)
    collected = [
        name
        for name in names
        if name.startswith((".venv", "site/", "bench/results", "dist/", ".git/", ".ci/node"))
        or "node_modules" in name
        or "__pycache__" in name
        or name.startswith(".")
        and name != ".gitignore"
    ]
    assert collected == [], collected[:20]


def test_the_wheel_installs_into_a_fresh_venv_and_serves_the_built_in_fixtures(dist, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    install = subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "-q", str(only(dist, "*.whl"))],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    # Run from elsewhere, with nothing of the checkout importable: the specs and fixtures come from the wheel.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SPAPI_MOCK_", "PYTHON", "VIRTUAL_ENV"))},
        "SPAPI_MOCK_CACHE_DIR": str(tmp_path / "cache"),
        "PYTHONUNBUFFERED": "1",
    }
    where = subprocess.run(
        [str(bin_dir / "python"), "-c", "from spapi_mock.kernel import resources; print(resources.openapi_dir())"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).resolve().is_relative_to(venv.resolve()), where.stdout
    version = subprocess.run([str(bin_dir / "spapi-mock"), "--version"], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert version.stdout.strip() == f"spapi-mock {VERSION}"

    port = free_port()
    command = [str(bin_dir / "spapi-mock"), "serve", "--port", str(port)]
    with serving(command, port, tmp_path / "serve.log", env=env, cwd=elsewhere) as server:
        answer = requests.get(
            f"{server.base_url}/orders/v0/orders/{BUILT_IN_ORDER}", headers={"x-amz-access-token": "Atza|x"}, timeout=30
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["payload"]["AmazonOrderId"] == BUILT_IN_ORDER
        health = requests.get(f"{server.base_url}/_mock/health", timeout=30).json()
        assert health["version"] == VERSION and health["orders"] > 0
