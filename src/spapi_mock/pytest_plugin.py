"""pytest fixtures for testing seller software against spapi-mock.

Installed with the package (the ``pytest11`` entry point), so ``pip install spapi-mock`` is all
a project needs:

- ``spapi_mock``: a seller of the test's own, on one server for the whole session. It starts
  with a copy of the fixture orders (``@pytest.mark.spapi_mock(seed="empty")`` for none) and sells
  where they are (``@pytest.mark.spapi_mock(marketplaces=["A1PA6795UKMFR9"])`` adds more); the
  seller, its journal and faults are gone after the test, and the clock, throttling and auth
  modes are put back.
- ``spapi_mock_server``: that session server (``base_url``, ``token_url``, ``control``).

The server runs in a thread of the test process on a free port, so any HTTP client, SDKs
included, can reach it. ``--spapi-mock-url URL`` (or the ``spapi_mock_url`` ini option) uses a
server that is already running instead, such as a CI service container.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

# Importing the mock waits until a test asks for it: this module is loaded in every pytest run
# of an environment where spapi-mock is installed.
if TYPE_CHECKING:
    from spapi_mock.testing import MockSeller, MockServer


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("spapi-mock")
    group.addoption("--spapi-mock-url", metavar="URL", help="use this running spapi-mock server instead of starting one")
    parser.addini("spapi_mock_url", "use this running spapi-mock server instead of starting one")
    parser.addini("spapi_mock_fixtures", "directory of fixture files the session server starts from (default: built-in)")
    parser.addini("spapi_mock_scenarios", "directory of your own scenario files for the session server")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "spapi_mock(seed='default'|'empty', marketplaces=[ids]): how the test's spapi-mock seller starts (default: the "
        "fixture orders) and the marketplaces it sells in besides those of its orders",
    )


@pytest.fixture(scope="session")
def spapi_mock_server(pytestconfig: pytest.Config) -> Iterator[MockServer]:
    from spapi_mock.config import Config
    from spapi_mock.testing import MockServer, background_server

    url = pytestconfig.getoption("spapi_mock_url") or pytestconfig.getini("spapi_mock_url")
    if url:
        yield MockServer(url.rstrip("/"))
        return

    config = Config(
        fixtures_dir=_ini_path(pytestconfig, "spapi_mock_fixtures"), scenarios_dir=_ini_path(pytestconfig, "spapi_mock_scenarios")
    )
    with background_server(config) as server:
        yield server


@pytest.fixture
def spapi_mock(spapi_mock_server: MockServer, request: pytest.FixtureRequest) -> Iterator[MockSeller]:
    from spapi_mock.testing import MockSeller

    marker = request.node.get_closest_marker("spapi_mock")
    options = marker.kwargs if marker else {}
    seller = MockSeller.create(
        spapi_mock_server, seed=options.get("seed", "default"), marketplace_ids=options.get("marketplaces")
    )
    yield seller
    seller.close()


def _ini_path(config: pytest.Config, name: str) -> Path | None:
    value = config.getini(name)
    return config.rootpath / value if value else None
