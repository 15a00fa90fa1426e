"""Fixtures shared by the whole suite; the helpers they are made from are in ``support/``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from spapi_mock.config import Config
from spapi_mock.http.app import create_app

from support.http import CheckedClient, make_app
from support.node import install_node_modules
from support.reference import FEEDS, ORDERS_2026, ORDERS_V0, REFERENCE_DIR, REPORTS
from support.sdk import loopback_only

# pytester runs the pytest plugin's own tests in a pytest of their own.
pytest_plugins = ["pytester"]
# Directories whose every test drives something outside the test process.
SLOW_DIRECTORIES = {"sdk", "project"}


# Fixtures that build an app: a test using one is an HTTP test, not a unit test.
APP_FIXTURES = {"app", "client", "default_app", "default_client", "http", "live_http", "market"}


# Amazon's published models the suite is held to (support/reference.py).
MODELS = (ORDERS_V0, ORDERS_2026, FEEDS, REPORTS)

# Tests that take half a minute or more (pytest --durations): scheduled first.
LONGEST = frozenset(
    {
        "tests/project/test_package.py::test_the_wheel_installs_into_a_fresh_venv_and_serves_the_built_in_fixtures",
        "tests/test_pytest_plugin.py::test_the_example_projects_install_command_works_as_written",
        "tests/project/test_readme.py::test_the_install_and_serve_command_starts_the_built_in_marketplace",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``slow`` what leaves the process (the SDK and project tests, and every test of a
    module that starts live servers or subprocesses) and ``unit`` what builds no app either:
    ``-m unit`` is the fast subset, ``-m "not slow"`` everything in-process."""
    for item in items:
        module = item.module
        leaves_the_process = any(hasattr(module, name) for name in ("live_server", "subprocess", "sync_playwright"))
        if leaves_the_process or item.path.parent.name in SLOW_DIRECTORIES:
            item.add_marker(pytest.mark.slow)
        elif not APP_FIXTURES & set(getattr(item, "fixturenames", ())) and not hasattr(module, "make_app"):
            item.add_marker(pytest.mark.unit)
    # The longest tests first: started last, a minute-long one kept one worker busy alone at the end.
    items.sort(key=lambda item: item.nodeid not in LONGEST)


@pytest.fixture(scope="session")
def app():
    return make_app(order_items_page_size=2)


@pytest.fixture(scope="session")
def client(app):
    with app.test_client() as raw:
        yield CheckedClient(raw)


@pytest.fixture(scope="session")
def default_app():
    """The built-in fixtures, on the real clock, as `spapi-mock serve` starts."""
    return create_app(Config(validate_responses=True))


@pytest.fixture(scope="session")
def default_client(default_app):
    with default_app.test_client() as raw:
        yield CheckedClient(raw)


@pytest.fixture(scope="module")
def network():
    """No connection leaves this machine while a module's live-server tests run."""
    with loopback_only() as log:
        yield log


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """``examples/js/node_modules`` as its lock file says, installed at most once per session."""
    return install_node_modules()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter):
    """After pytest's own summary, one line naming what was skipped and why: on a clone without
    Amazon's models beside it, most of the suite skips, and ``-ra`` lists that as dozens of lines."""
    yield
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    reasons = Counter(_why_skipped(report) for report in skipped)
    because = "; ".join(f"{count} {reason}" for reason, count in reasons.most_common())
    terminalreporter.write_line(f"{len(skipped)} skipped: {because}", yellow=True, bold=True)


def _why_skipped(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    reason = reason.removeprefix("Skipped: ")
    if "reference model not found" in reason:
        return (
            f"without Amazon's models in {REFERENCE_DIR}: put {', '.join(MODELS)} there from the models/ folder of "
            "github.com/amzn/selling-partner-api-models, or point SPAPI_MOCK_REFERENCE_DIR at a folder holding them"
        )
    return reason


@pytest.fixture
def in_workers(monkeypatch):
    """Every fixture set loaded by worker processes, however small (a large set is, on more than one core)."""
    import os

    from spapi_mock.marketplace import fixtures

    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("workers are used only on more than one core")
    monkeypatch.setattr(fixtures, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(fixtures, "forks_safely", lambda: True)
