"""Fixtures of the HTTP tests that need an app of their own, or more in the session's app."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import yaml

from support import DATA
from support.http import CheckedClient, make_app, over_a_socket, seller_token


@pytest.fixture(scope="module")
def http():
    """A fresh app per module: the feed and report tests place orders, move the clock and queue
    jobs, which the session's shared app (``client``) must not see, nor one module the other's."""
    with make_app().test_client() as raw:
        yield CheckedClient(raw)


@pytest.fixture(scope="module")
def live_http():
    """A fresh app per module, as ``http``, reached through a real socket."""
    with over_a_socket(make_app()) as client:
        yield client


@dataclass(frozen=True)
class OtherSeller:
    seller_id: str
    order_id: str  # one of its orders, Unshipped, in the US marketplace
    token: dict  # the x-amz-access-token header that acts for it


@pytest.fixture(scope="session")
def other_seller(client) -> OtherSeller:
    """A second seller's orders (tests/data/other-seller) loaded into the session's app: a test
    that another seller's order is never shown proves it only when that order is there."""
    data = yaml.safe_load((DATA / "other-seller" / "orders.yaml").read_text(encoding="utf-8"))
    loaded = client.post("/_mock/fixtures", json=data)
    assert loaded.status_code == 200, loaded.text
    seller = OtherSeller(data["seller"], data["orders"][0]["order"]["AmazonOrderId"], seller_token(client, data["seller"]))
    # Its own token reads it: the order really is in the store, under that seller.
    mine = client.get(f"/orders/v0/orders/{seller.order_id}", token=False, headers=seller.token)
    assert mine.status_code == 200, mine.text
    return seller
