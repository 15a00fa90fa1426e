"""The live server each SDK test module drives, and its control plane.

One server per module, so that each keeps its orders and its clock to itself, started with the
arguments the module names in ``SERVE`` (shortened feed or report times, strict auth, a debug
log). A module that sets ``FROZEN_CLOCK`` gets its clock stopped before any test runs, so that
what a test sees depends only on the clock moves it makes itself.
"""

from __future__ import annotations

import pytest

from spapi_mock.control import HttpControl

from support.live_server import live_server


@pytest.fixture(scope="module")
def server(request, network, tmp_path_factory):
    name = request.module.__name__.rpartition(".")[2]
    with live_server(*request.module.SERVE, tmp_dir=tmp_path_factory.mktemp(name)) as srv:
        yield srv


@pytest.fixture(scope="module")
def control(request, server):
    control = HttpControl(server.base_url)
    if getattr(request.module, "FROZEN_CLOCK", False):
        assert control.freeze_clock()["frozen"] is True
    return control
