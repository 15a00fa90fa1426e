"""The built-in fixtures are varied enough to demo and test against, seen through the API."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from spapi_mock.domain.marketplaces import BY_ID
from spapi_mock.domain.orders import ORDER_STATUSES

from support.orders import BUILT_IN_MARKETPLACES

MARKETPLACES = BUILT_IN_MARKETPLACES


@pytest.fixture(scope="module")
def all_orders(default_client) -> list[dict]:
    since = (datetime.now(UTC) - timedelta(days=31)).strftime("%Y-%m-%dT%H:%M:%SZ")
    orders, token = [], None
    while True:
        params = {"MarketplaceIds": ",".join(MARKETPLACES)}
        params.update({"NextToken": token} if token else {"CreatedAfter": since})
        response = default_client.get("/orders/v0/orders", params=params)
        assert response.status_code == 200, response.text
        payload = response.json()["payload"]
        orders += payload["Orders"]
        token = payload.get("NextToken")
        if not token:
            return orders


def items_of(client, order_id: str) -> list[dict]:
    items, token = [], None
    while True:
        params = {"NextToken": token} if token else {}
        payload = client.get(f"/orders/v0/orders/{order_id}/orderItems", params=params).json()["payload"]
        items += payload["OrderItems"]
        token = payload.get("NextToken")
        if not token:
            return items


def test_at_least_sixty_orders_placed_in_the_last_month(all_orders):
    assert len(all_orders) >= 60


def test_every_status_both_channels_and_the_major_marketplaces(all_orders):
    assert set(ORDER_STATUSES) <= {o["OrderStatus"] for o in all_orders}
    assert {o["FulfillmentChannel"] for o in all_orders} == {"MFN", "AFN"}
    countries = {BY_ID[o["MarketplaceId"]].country for o in all_orders}
    assert {"US", "CA", "DE", "GB", "JP"} <= countries


def test_special_kinds_of_order_are_present(all_orders):
    kinds = Counter()
    for order in all_orders:
        kinds["easy ship"] += "EasyShipShipmentStatus" in order
        kinds["business"] += bool(order.get("IsBusinessOrder"))
        kinds["prime"] += bool(order.get("IsPrime"))
        kinds["replacement"] += bool(order.get("IsReplacementOrder")) and bool(order.get("ReplacedOrderId"))
        kinds["pre-order"] += order.get("OrderType") == "Preorder"
        kinds["multi-item"] += order["NumberOfItemsShipped"] + order["NumberOfItemsUnshipped"] > 1
    assert all(kinds[k] >= 1 for k in ("easy ship", "business", "prime", "replacement", "pre-order", "multi-item")), kinds


def test_pending_orders_show_no_prices_and_no_address(default_client, all_orders):
    pending = [o for o in all_orders if o["OrderStatus"] == "Pending"]
    assert len(pending) >= 2
    for order in pending:
        assert "OrderTotal" not in order and "ShippingAddress" not in order
        for item in items_of(default_client, order["AmazonOrderId"]):
            assert "ItemPrice" not in item and "ItemTax" not in item


def test_buyer_cancellation_requests_with_reasons_some_on_only_some_items(default_client, all_orders):
    requested, partial = 0, 0
    for order in all_orders:
        if order["OrderStatus"] != "Unshipped":
            continue
        flags = [item["BuyerRequestedCancel"] for item in items_of(default_client, order["AmazonOrderId"])]
        assert all(f["IsBuyerRequestedCancel"] in ("true", "false") for f in flags)
        asked = [f for f in flags if f["IsBuyerRequestedCancel"] == "true"]
        assert all(f.get("BuyerCancelReason") for f in asked)
        requested += bool(asked)
        partial += 0 < len(asked) < len(flags)
    assert requested >= 3 and partial >= 1


def test_a_long_order_needs_next_token_for_its_items(default_client, all_orders):
    longest = max(all_orders, key=lambda o: o["NumberOfItemsShipped"] + o["NumberOfItemsUnshipped"])
    first_page = default_client.get(f"/orders/v0/orders/{longest['AmazonOrderId']}/orderItems").json()["payload"]
    assert len(first_page["OrderItems"]) == 100 and "NextToken" in first_page
    assert len(items_of(default_client, longest["AmazonOrderId"])) > 100


# Each built-in Canceled order and who cancelled it, as fixtures/default/README.md describes it.
CANCELLED = [
    ("112-9812347-9667630", "BUYER", "BuyerCanceled"),  # inside the 30-minute self-cancel window
    ("113-6365141-4704984", "MERCHANT", "BuyerCanceled"),  # answering the buyer's formal request
    ("114-2618003-8576829", "MERCHANT", "NoInventory"),
    ("111-1089853-2452740", "AMAZON", "ShipmentNotConfirmedInTime"),  # 7 days after LatestShipDate
    ("112-9626579-1860336", "AMAZON", "PaymentNotAuthorized"),
    ("202-4589026-9570487", "BUYER", "BuyerCanceled"),
    ("303-7941980-4950156", "MERCHANT", "NoInventory"),
    ("250-6193383-4024965", "AMAZON", "PaymentNotAuthorized"),  # convenience-store payment never made
]


def test_every_built_in_cancelled_order_is_listed_here(all_orders):
    assert sorted(o["AmazonOrderId"] for o in all_orders if o["OrderStatus"] == "Canceled") == sorted(c[0] for c in CANCELLED)


@pytest.mark.parametrize("order_id, by, reason", CANCELLED)
def test_a_built_in_cancelled_order_says_who_cancelled_it_and_why(default_client, order_id, by, reason):
    response = default_client.get(f"/orders/2026-01-01/orders/{order_id}", params={"includedData": "CANCELLATION"})
    assert response.status_code == 200, response.text
    order = response.json()["order"]
    for item in order["orderItems"]:
        assert item["cancellation"]["cancellationExecution"] == {"cancelledBy": by, "cancelReason": reason}, item


def test_the_seller_caused_cancellations_count_once_the_window_reaches_them():
    """At load every seller-caused cancellation lies outside the 7-day window (no marketplace at
    risk); a 14-day window takes in the NoInventory and automatic ones, never the buyer's or the
    answered request."""
    from spapi_mock.config import Config
    from spapi_mock.control import LocalControl
    from spapi_mock.domain.policy import Policy
    from spapi_mock.http.app import create_app

    def seller_cancelled(window: timedelta) -> dict[str, int]:
        backend = create_app(Config(policy=Policy(cancellation_rate_window=window))).services.backend
        rates = LocalControl(backend).cancellation_rate()["rates"]
        return {rate["marketplaceId"]: rate["sellerCancelledOrders"] for rate in rates if rate["sellerCancelledOrders"]}

    assert seller_cancelled(timedelta(days=7)) == {}
    assert seller_cancelled(timedelta(days=14)) == {"ATVPDKIKX0DER": 2, "A1PA6795UKMFR9": 1}
