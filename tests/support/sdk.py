"""Shared pieces of the SDK client tests: pointing the two Python SP-API SDKs at a local
spapi-mock, a guard that keeps every connection on this machine, and the fixture files read
back as the oracle of what the clients must see.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import yaml

from spapi_mock.kernel.dates import parse_fixture_date
from spapi_mock.marketplace.fixtures import DEFAULT_SELLER_ID

# Dummy Login with Amazon credentials: the mock issues a token for any of them.
CLIENT_ID = "amzn1.application-oa2-client.spapimock"
CLIENT_SECRET = "spapi-mock-client-secret"

Job = TypeVar("Job")


def refresh_token(label: str) -> str:
    """A refresh token of its own for each client: python-amazon-sp-api caches access tokens
    process-wide by refresh token, so two clients sharing one would share what they were issued."""
    return f"Atzr|{label}-{uuid.uuid4().hex}"


def until_done(read: Callable[[], Job], status: Callable[[Job], str]) -> Job:
    """A feed or report polled as seller software polls it, until it has ended, which must be DONE.
    The servers of these tests run their jobs in well under a second; ten seconds leaves room for
    a loaded machine."""
    for _ in range(100):
        job = read()
        if status(job) in ("DONE", "FATAL", "CANCELLED"):
            break
        time.sleep(0.1)
    assert status(job) == "DONE", job
    return job


# --- amzn-sp-api (Amazon's own SDK, package ``spapi``) --------------------------------------


def amzn_sp_api_client(base_url: str, refresh_token: str):
    """An ``SPAPIClient`` that exchanges its refresh token at the mock and calls the mock.

    ``SPAPIClient(config, oauth_endpoint=..., endpoint=...)`` takes both URLs as arguments.
    The constructor already posts to the token endpoint, so the mock must be running.
    """
    from spapi import SPAPIClient, SPAPIConfig

    config = SPAPIConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, refresh_token=refresh_token, region="NA")
    return SPAPIClient(config, oauth_endpoint=f"{base_url}/auth/o2/token", endpoint=base_url)


def amzn_orders_api(client):
    from spapi import OrdersV0Api  # spapi.api.orders_v0.orders_v0_api.OrdersV0Api

    return OrdersV0Api(client.api_client)


def amzn_orders_2026_apis(client):
    """Orders v2026-01-01 of amzn-sp-api: (SearchOrdersApi, GetOrderApi), one class per operation
    (``spapi.api.orders_v2026_01_01``), on the same ``api_client`` as the v0 one."""
    from spapi import GetOrderApi, SearchOrdersApi

    return SearchOrdersApi(client.api_client), GetOrderApi(client.api_client)


# --- python-amazon-sp-api (package ``sp_api``) -----------------------------------------------


def mock_lwa_client_class(base_url: str):
    """An ``AccessTokenClient`` that posts to the mock's ``/auth/o2/token``.

    python-amazon-sp-api builds the LWA URL as ``scheme + host + path`` from class attributes
    (``https://`` + ``api.amazon.com`` + ``/auth/o2/token``) and has no setting or environment
    variable for it, but every client takes ``auth_token_client_class=``: a subclass that only
    changes ``scheme`` and ``host`` is the smallest supported change.
    """
    from sp_api.auth import AccessTokenClient

    parts = urlsplit(base_url)
    return type("MockAccessTokenClient", (AccessTokenClient,), {"scheme": f"{parts.scheme}://", "host": parts.netloc})


def python_sp_api_client(api: str, base_url: str, refresh_token: str):
    """One of python-amazon-sp-api's clients (``Orders``, ``Feeds``, ``Reports``...) pointed at the mock.

    The SP-API endpoint comes from the ``Marketplaces`` enum (fixed Amazon hosts; ``AWS_ENV=SANDBOX``
    only switches to Amazon's sandbox), and 2.1 has no ``endpoint`` argument; ``Client.endpoint``
    is a plain attribute read on every request, so it is set after construction.
    """
    import sp_api.api
    from sp_api.base import Marketplaces

    client = getattr(sp_api.api, api)(
        Marketplaces.US,
        credentials={"refresh_token": refresh_token, "lwa_app_id": CLIENT_ID, "lwa_client_secret": CLIENT_SECRET},
        auth_token_client_class=mock_lwa_client_class(base_url),
    )
    client.endpoint = base_url
    return client


def python_sp_api_orders(base_url: str, refresh_token: str):
    """python-amazon-sp-api's Orders (v0) client pointed at the mock."""
    return python_sp_api_client("Orders", base_url, refresh_token)


# --- network guard ---------------------------------------------------------------------------


@dataclass
class NetworkLog:
    """Every name lookup and connection made while the guard was on, and what it refused."""

    lookups: list[str] = field(default_factory=list)
    connections: list[tuple[str, int]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def mark(self) -> tuple[int, int]:
        with self._lock:
            return len(self.lookups), len(self.connections)

    def since(self, mark: tuple[int, int]) -> tuple[list[str], list[tuple[str, int]]]:
        with self._lock:
            return self.lookups[mark[0] :], self.connections[mark[1] :]


class NetworkBlocked(AssertionError):
    """Raised instead of reaching a host other than this machine."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@contextmanager
def loopback_only() -> Iterator[NetworkLog]:
    """Record every DNS lookup and TCP connect in this process; refuse any not to loopback.

    Both SDKs (requests/urllib3 and httpx) resolve with ``socket.getaddrinfo`` and connect with
    ``socket.socket.connect``, so patching those two sees all their traffic.
    """
    log = NetworkLog()
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guarded_getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host)
        allowed = is_loopback(name)
        with log._lock:
            log.lookups.append(name)
            if not allowed:
                log.refused.append(f"lookup {name}")
        if not allowed:
            raise NetworkBlocked(f"name lookup of {name!r}: only loopback is allowed in these tests")
        return real_getaddrinfo(host, *args, **kwargs)

    def check(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host, port = address[0], address[1]
            allowed = is_loopback(host)
            with log._lock:
                log.connections.append((host, port))
                if not allowed:
                    log.refused.append(f"connect {host}:{port}")
            if not allowed:
                raise NetworkBlocked(f"connection to {host}:{port}: only loopback is allowed in these tests")

    def guarded_connect(sock, address):
        check(sock, address)
        return real_connect(sock, address)

    def guarded_connect_ex(sock, address):
        check(sock, address)
        return real_connect_ex(sock, address)

    socket.getaddrinfo = guarded_getaddrinfo
    socket.socket.connect = guarded_connect
    socket.socket.connect_ex = guarded_connect_ex
    try:
        yield log
    finally:
        socket.getaddrinfo = real_getaddrinfo
        socket.socket.connect = real_connect
        socket.socket.connect_ex = real_connect_ex


# --- the fixture files as oracle -------------------------------------------------------------


@dataclass(frozen=True)
class FixtureOrder:
    order_id: str
    marketplace_id: str
    purchase_date: datetime
    # (OrderItemId, IsBuyerRequestedCancel, BuyerCancelReason or None), in file order.
    items: tuple[tuple[str, str, str | None], ...]

    @property
    def item_ids(self) -> list[str]:
        return [item_id for item_id, _, _ in self.items]

    @property
    def requested(self) -> list[tuple[str, str, str | None]]:
        return [item for item in self.items if item[1] == "true"]

    @property
    def not_requested(self) -> list[tuple[str, str, str | None]]:
        return [item for item in self.items if item[1] != "true"]


def read_fixture_orders(directory: Path, now: datetime, seller_id: str = DEFAULT_SELLER_ID) -> list[FixtureOrder]:
    """The orders the fixture files give ``seller_id``, read straight from the YAML/JSON.

    Relative dates are resolved against ``now`` (the server resolves them against its own
    start time, a few seconds earlier).
    """
    orders = []
    for path in sorted(directory.iterdir()):
        if path.suffix not in (".yaml", ".yml", ".json") or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        if (data.get("seller") or DEFAULT_SELLER_ID) != seller_id:
            continue
        for record in data["orders"]:
            order = record["order"]
            items = []
            for item in record["items"]:
                flag = item.get("BuyerRequestedCancel") or {}
                requested = "true" if flag.get("IsBuyerRequestedCancel") == "true" else "false"
                items.append(
                    (str(item["OrderItemId"]), requested, flag.get("BuyerCancelReason") if requested == "true" else None)
                )
            purchase = order["PurchaseDate"]
            purchase = parse_fixture_date(purchase if isinstance(purchase, str) else purchase.isoformat(), now)
            orders.append(FixtureOrder(order["AmazonOrderId"], order["MarketplaceId"], purchase, tuple(items)))
    return orders


def listable(
    orders: list[FixtureOrder], now: datetime, lag: timedelta = timedelta(minutes=2), slack: timedelta = timedelta(minutes=1)
):
    """(ids getOrders must list, ids it may or may not list) for a window ending at the lag.

    getOrders hides the last two minutes; orders placed within ``slack`` of that edge may fall
    either side of it, as the server's clock and ours differ by the time between the two reads.
    """
    edge = now - lag
    surely = {o.order_id for o in orders if o.purchase_date <= edge - slack}
    maybe = {o.order_id for o in orders if edge - slack < o.purchase_date <= edge + slack}
    return surely, maybe
