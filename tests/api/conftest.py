"""Fixtures of the HTTP tests that need an app of their own."""

from __future__ import annotations

import pytest

from support.http import CheckedClient, make_app


@pytest.fixture(scope="module")
def http():
    """A fresh app per module: the feed and report tests place orders, move the clock and queue
    jobs, which the session's shared app (``client``) must not see, nor one module the other's."""
    with make_app().test_client() as raw:
        yield CheckedClient(raw)
