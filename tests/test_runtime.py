"""One place assembles a mock (``runtime``): constructors keep what they are given and nothing
more, ``Services.start`` loads and wires. Before this rule, building a Feeds service over a
running backend replaced the server's feed runner (the bug commit 7cfd60f fixed by hand)."""

from __future__ import annotations

import threading

import pytest

from spapi_mock.config import Config
from spapi_mock.control.service import LocalControl
from spapi_mock.feeds.service import Feeds
from spapi_mock.kernel.clock import Clock
from spapi_mock.reports.service import Reports
from spapi_mock.runtime import build_services

pytestmark = pytest.mark.unit


def _threads() -> set[str]:
    return {thread.name for thread in threading.enumerate()}


def test_building_a_mock_loads_nothing_and_starts_nothing():
    before = _threads()
    services = build_services(Config(), Clock())
    assert services.store.is_empty()
    assert services.backend.job_runners == {}
    assert _threads() <= before
    services.start()
    assert services.store.orders.count() > 0  # the built-in fixtures, seeded by start
    services.stop()


def test_a_second_feeds_or_reports_service_over_a_running_backend_replaces_nothing():
    services = build_services(Config(), Clock()).start()
    backend = services.backend
    runners = dict(backend.job_runners)
    timing = backend.report_timing
    assert set(runners) == {"feeds", "reports"} and runners["feeds"] == services.feeds.submit

    Feeds(backend)
    Reports(backend)
    other = LocalControl(backend)  # a control plane without the server's services builds its own desks
    assert other.feed_desk is not services.feeds and other.report_desk is not services.reports

    assert backend.job_runners == runners and backend.report_timing is timing
    services.stop()
