"""spapi-mock inside your own tests: a server on a free port in this process, and a seller of
one's own on it for each test.

The pytest plugin (``spapi_mock.pytest_plugin``) is built from these two pieces; they work
from any other test framework too::

    with background_server() as server:
        seller = MockSeller.create(server)
        ...  # point an SDK at seller.base_url / seller.token_url with seller.refresh_token
        seller.close()
"""

from __future__ import annotations

import itertools
import os
import socket
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spapi_mock.config import Config
from spapi_mock.control import HttpControl

# Any non-empty LWA client credentials are accepted; these make journal entries easy to read.
CLIENT_ID = "amzn1.application-oa2-client.spapi-mock"
CLIENT_SECRET = "spapi-mock-secret"

_seller_numbers = itertools.count(1)


@dataclass
class MockServer:
    """A running spapi-mock server: started here (``services`` set) or reached by URL."""

    base_url: str
    services: Any = None  # the in-process server's Services; None for a server elsewhere

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/auth/o2/token"

    @property
    def control(self) -> HttpControl:
        return HttpControl(self.base_url)


@contextmanager
def background_server(config: Config | None = None) -> Iterator[MockServer]:
    """Serve a fresh mock on a free loopback port from a thread of this process."""
    with warnings.catch_warnings():
        # Connexion's imports warn about its own dependencies; nothing a test author can act on.
        warnings.simplefilter("ignore")
        from spapi_mock.http.app import create_app

        app = create_app(config or Config())
    with serving(app) as base_url:
        yield MockServer(base_url, app.services)


@contextmanager
def serving(app) -> Iterator[str]:
    """An app made by ``create_app`` served on a free loopback port from a thread of this
    process, by the server ``spapi-mock serve`` runs (``http/server``): its base URL. The app's
    services are stopped afterwards."""
    from spapi_mock.http.server import HttpServer

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    port = sock.getsockname()[1]
    server = HttpServer(app, sock)
    thread = threading.Thread(target=server.run, name="spapi-mock", daemon=True)
    thread.start()
    try:
        while not server.started.wait(0.01):
            if not thread.is_alive():
                raise RuntimeError("spapi-mock's server thread stopped before it started serving")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
        thread.join(10)
        sock.close()
        app.services.stop()


@dataclass
class MockSeller:
    """A selling partner of one's own on a mock server: its own orders, journal, faults and
    throttle buckets, reached with its own refresh token. Every helper acts for this seller.

    Server-wide settings a test changes through it (the clock, throttling mode, strict auth)
    are put back by ``close()``; the clock only when the server runs in this process, since
    the control plane never moves the clock backwards.
    """

    server: MockServer
    seller_id: str
    refresh_token: str  # acts for this seller at the token endpoint (any client id and secret will do)
    _saved: dict = field(default_factory=dict, repr=False)

    @classmethod
    def create(
        cls, server: MockServer, seed: str = "default", seller_id: str | None = None, marketplace_ids: list[str] | None = None
    ) -> MockSeller:
        """``seed``: ``default`` starts with a copy of the server's fixture orders (same ids),
        ``empty`` with none. ``marketplace_ids``: where it sells (the Sellers API's
        participations, with the marketplaces of its orders)."""
        seller_id = seller_id or f"pytest-{os.getpid()}-{next(_seller_numbers)}"
        created = server.control.create_seller(seller_id, seed=seed, marketplace_ids=marketplace_ids)
        seller = cls(server, seller_id, created["refreshToken"])
        seller._saved = seller._server_settings()
        return seller

    # -- where an SDK client goes --------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The SP-API endpoint."""
        return self.server.base_url

    @property
    def token_url(self) -> str:
        """The Login with Amazon token endpoint."""
        return self.server.token_url

    client_id = CLIENT_ID
    client_secret = CLIENT_SECRET

    @property
    def credentials(self) -> dict:
        """python-amazon-sp-api's ``credentials`` argument."""
        return {"refresh_token": self.refresh_token, "lwa_app_id": self.client_id, "lwa_client_secret": self.client_secret}

    @property
    def control(self) -> HttpControl:
        return self.server.control

    # -- orders and scenarios ------------------------------------------------------------------

    def create_order(self, items: list[dict] | None = None, **order_fields: Any) -> dict:
        """Place an order (``Pending`` unless ``OrderStatus`` says otherwise); the v0 Order."""
        spec = {"order": order_fields, "items": items} if items is not None else {"order": order_fields}
        return self.control.create_order(spec, seller_id=self.seller_id)["order"]

    def apply(self, order_id: str, action: str, /, **args: Any) -> dict:
        """Apply a lifecycle action (``authorize_payment``, ``seller_cancel``, ...); the v0 Order after it."""
        return self.control.apply(order_id, action, seller_id=self.seller_id, **args)["order"]

    def finances(self, order_id: str) -> dict:
        """The order's money: its financial events (``PENDING`` ones too, with their status and
        times) and ``totals`` (charged, refunded, fees, withheld, net; decimal strings)."""
        return self.control.order_finances(order_id, seller_id=self.seller_id)

    def run_scenario(self, scenario: str | dict | list) -> dict:
        """A built-in or ``--scenarios`` name, a file path, or the scenario itself (a dict, or a
        list of steps); the run's ``orders`` (names → ids) and ``log``."""
        if isinstance(scenario, str) and not Path(scenario).is_file():
            return self.control.run_scenario(scenario, seller_id=self.seller_id)
        if isinstance(scenario, str):
            import yaml

            scenario = yaml.safe_load(Path(scenario).read_text(encoding="utf-8"))
        return self.control.run_inline_scenario(scenario, seller_id=self.seller_id)

    def cancellation_rate(self, marketplace_ids: list[str] | None = None) -> list[dict]:
        return self.control.cancellation_rate(self.seller_id, marketplace_ids)["rates"]

    def reset(self) -> int:
        """This seller's orders back to its seed; its journal, faults and buckets emptied."""
        return self.control.reset(self.seller_id)["orders"]

    # -- the clock (shared by every seller of the server) ---------------------------------------

    def now(self) -> str:
        return self.control.clock()["now"]

    def advance_clock(self, by: str) -> str:
        """``"45m"``, ``"2h"``, ``"7d"``, ``"1d2h30m"``; the new mock time."""
        return self.control.advance_clock(by)["now"]

    def freeze_clock(self, at: str | None = None) -> str:
        return self.control.freeze_clock(at)["now"]

    def set_clock(self, at: str) -> str:
        return self.control.set_clock(at)["now"]

    # -- client-testing realism ----------------------------------------------------------------

    def add_fault(self, **spec: Any) -> dict:
        """``add_fault(operation="getOrders", status=503, times=2)``; only this seller's requests."""
        return self.control.add_fault(**{**spec, "sellerId": self.seller_id})

    def clear_faults(self) -> int:
        return self.control.clear_faults(self.seller_id)["cleared"]

    def journal(self, operation: str | None = None, order_id: str | None = None) -> list[dict]:
        """This seller's requests, oldest first."""
        return self.control.journal(operation, order_id, self.seller_id)["requests"]

    def clear_journal(self) -> int:
        return self.control.clear_journal(seller_id=self.seller_id)["cleared"]

    def set_throttling(self, mode: str, factor: float | None = None) -> dict:
        """Server-wide (``off``, ``amazon``, ``scaled``); each seller has its own buckets."""
        return self.control.set_throttling(mode, factor)

    def set_strict_auth(self, strict: bool = True) -> dict:
        """Server-wide: only tokens from the token endpoint, expiring on the mock clock."""
        return self.control.set_auth(strict)

    # -- notifications (the built-in inbox) ---------------------------------------------------

    def notifications(self, notification_type: str | None = None) -> list[dict]:
        """This seller's delivered notifications, oldest first, each as a consumer receives it
        (Amazon's payload schema: ``NotificationMetadata``, ``Payload``...)."""
        answer = self.control.notifications(self.seller_id, notification_type)
        return [entry["body"] for entry in answer["notifications"]]

    def wait_for_notification(self, notification_type: str | None = None, timeout: float = 10.0) -> dict:
        """The first delivered notification (of a type), once it has arrived; ControlError 404
        if none arrives within ``timeout`` seconds."""
        return self.control.wait_for_notification(notification_type, timeout, self.seller_id)["body"]

    def clear_notifications(self, notification_type: str | None = None) -> int:
        return self.control.clear_notifications(self.seller_id, notification_type)["cleared"]

    def send_test_notification(self, subscription_id: str) -> dict:
        """An ORDER_CHANGE of this seller's latest order, sent to one of its subscriptions."""
        return self.control.send_test_notification(subscription_id, self.seller_id)["body"]

    # -- the end of a test ---------------------------------------------------------------------

    def close(self) -> None:
        """Forget this seller (orders, journal, faults, buckets) and put back what it changed
        server-wide."""
        self.control.delete_seller(self.seller_id)
        saved = self._saved
        if self.control.throttling() != saved["throttling"]:
            self.control.set_throttling(saved["throttling"]["mode"], saved["throttling"].get("factor"))
        if self.control.auth()["strict"] != saved["strict"]:
            self.control.set_auth(saved["strict"])
        if self.server.services is not None:
            self.server.services.clock.restore(saved["clock"])

    def _server_settings(self) -> dict:
        services = self.server.services
        return {
            "throttling": self.control.throttling(),
            "strict": self.control.auth()["strict"],
            "clock": services.clock.state() if services is not None else None,
        }
