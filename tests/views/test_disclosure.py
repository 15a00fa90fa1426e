"""What Amazon withholds from an order it ships itself. Amazon's model (ordersV0.json,
Address.Phone): "Phone is suppressed for all AFN (fulfilled by Amazon) orders." Before, AFN
orders showed the buyer's phone number in getOrder, getOrderAddress and v2026-01-01's
deliveryAddress."""

from __future__ import annotations

import pytest

from spapi_mock.control import LocalControl
from spapi_mock.kernel import resources

from support.http import CheckedClient, make_app


@pytest.fixture(scope="module")
def market():
    app = make_app(fixtures_dir=resources.default_fixtures_dir())
    with app.test_client() as raw:
        orders = LocalControl.of(app.services).backend.store
        yield CheckedClient(raw), orders


def _with_phone(store, channel: str) -> list[str]:
    return [
        doc["order"]["AmazonOrderId"]
        for doc in store.orders.docs()
        if doc["order"]["FulfillmentChannel"] == channel and (doc["order"].get("ShippingAddress") or {}).get("Phone")
    ]


def test_afn_orders_never_show_the_buyers_phone_and_mfn_orders_do(market):
    client, store = market
    afn, mfn = _with_phone(store, "AFN"), _with_phone(store, "MFN")
    assert afn and mfn, "the built-in fixtures hold AFN and MFN orders with a stored phone"
    delivered_to = 0
    for order_id in afn:
        assert "Phone" not in client.get(f"/orders/v0/orders/{order_id}").json()["payload"].get("ShippingAddress", {})
        assert "Phone" not in client.get(f"/orders/v0/orders/{order_id}/address").json()["payload"].get("ShippingAddress", {})
        v2026 = client.get(f"/orders/2026-01-01/orders/{order_id}", params={"includedData": "RECIPIENT"}).json()["order"]
        delivery = (v2026.get("recipient") or {}).get("deliveryAddress") or {}
        assert "phone" not in delivery, order_id
        delivered_to += bool(delivery.get("city"))
    assert delivered_to, "an AFN order's v2026-01-01 delivery address was read"
    shown = client.get(f"/orders/v0/orders/{mfn[0]}/address").json()["payload"]["ShippingAddress"]
    assert shown["Phone"]


def test_a_shipped_mfn_orders_phone_is_withheld_once_its_latest_delivery_date_has_passed():
    """Amazon's model (Address.Phone): "Phone is suppressed for the shipped MFN (fulfilled by
    seller) order when the current date is past the Latest Delivery Date." Read on the mock clock."""
    app = make_app(fixtures_dir=resources.default_fixtures_dir())
    store = LocalControl.of(app.services).backend.store
    shipped = [
        doc["order"]
        for doc in store.orders.docs()
        if doc["order"]["FulfillmentChannel"] == "MFN"
        and doc["order"]["OrderStatus"] == "Shipped"
        and doc["order"].get("LatestDeliveryDate")
        and (doc["order"].get("ShippingAddress") or {}).get("Phone")
    ]
    assert shipped, "the built-in fixtures hold a shipped MFN order with a phone and a delivery date"
    with app.test_client() as raw:
        client = CheckedClient(raw)
        now = client.get("/_mock/clock").json()["now"]
        ahead = [order for order in shipped if order["LatestDeliveryDate"] > now]
        for order in ahead:  # not yet past its delivery date: the phone is shown
            assert client.get(f"/orders/v0/orders/{order['AmazonOrderId']}/address").json()["payload"]["ShippingAddress"]["Phone"]
        assert client.post("/_mock/clock/advance", json={"by": "60d"}).status_code == 200
        for order in shipped:
            path = f"/orders/v0/orders/{order['AmazonOrderId']}"
            assert "Phone" not in client.get(f"{path}/address").json()["payload"]["ShippingAddress"], path
            assert "Phone" not in client.get(path).json()["payload"]["ShippingAddress"], path


def test_only_orders_amazon_ships_or_will_ship_show_a_shipping_address(market):
    """Amazon's model (Order.ShippingAddress): only for Unshipped, PartiallyShipped, Shipped and
    InvoiceUnconfirmed orders. Before, Canceled orders showed the buyer's address."""
    client, store = market
    canceled = [
        d["order"]["AmazonOrderId"]
        for d in store.orders.docs()
        if d["order"]["OrderStatus"] == "Canceled" and d["order"].get("ShippingAddress")
    ]
    assert canceled, "the built-in fixtures hold a Canceled order with a stored address"
    for order_id in canceled:
        assert "ShippingAddress" not in client.get(f"/orders/v0/orders/{order_id}").json()["payload"]
        assert "ShippingAddress" not in client.get(f"/orders/v0/orders/{order_id}/address").json()["payload"]
