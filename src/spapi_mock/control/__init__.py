"""The control plane from Python: the same operations over HTTP or on a store in this process.

``HttpControl("http://127.0.0.1:8080")`` drives a running server; ``LocalControl`` drives a
backend directly, either one an app already holds (tests) or one opened on a store file
(``LocalControl.open("state.json")``, what ``spapi-mock scenario run --db`` uses). Both return
the JSON documents the HTTP API returns, and both raise ControlError with the SP-API error's
code and message. Every operation is declared once, in ``operations.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from spapi_mock.control.client import ControlError, HttpControl

if TYPE_CHECKING:
    from spapi_mock.control.service import DEFAULT_ORDERS_LIMIT, LocalControl

__all__ = ["DEFAULT_ORDERS_LIMIT", "ControlError", "HttpControl", "LocalControl"]


def __getattr__(name: str):
    # LocalControl brings the whole backend with it; a client of a running server, and the
    # command line's --help, should not pay for that.
    if name in ("LocalControl", "DEFAULT_ORDERS_LIMIT"):
        from spapi_mock.control import service

        return getattr(service, name)
    raise AttributeError(name)
