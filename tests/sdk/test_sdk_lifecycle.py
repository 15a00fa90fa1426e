"""Real SP-API SDK clients see what a scenario did, against the real server.

A test script drives the mock with ``spapi_mock.control.HttpControl`` (place an order, authorize
its payment, move the clock, have the buyer request cancellation), and seller software built on
either Python SDK observes it through the Orders v0 operations: amzn-sp-api (Amazon's own,
``import spapi``) and python-amazon-sp-api (``import sp_api``). Both also confirm shipments through
Amazon's confirmShipment, whose success is an empty 204.

The server is started once for the module, with the built-in fixtures, and its clock frozen, so
that what each test sees depends only on the clock moves it makes itself.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from spapi_mock.control import HttpControl
from spapi_mock.kernel import resources
from spapi_mock.kernel.dates import parse_iso, to_wire

from support.http import confirm_shipment_body
from support.orders import MISTAKE, paid_then_requested
from support.sdk import amzn_orders_api, amzn_sp_api_client, python_sp_api_orders, refresh_token

FIXTURES = resources.default_fixtures_dir()
SERVE = ("--fixtures", str(FIXTURES))
FROZEN_CLOCK = True
US = "ATVPDKIKX0DER"
CONFIRM_SHIPMENT_RATE = "2"


def earlier(instant: str, **delta) -> str:
    return to_wire(parse_iso(instant) - timedelta(**delta))


# --- module fixtures -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def amzn(server, control):
    return amzn_orders_api(amzn_sp_api_client(server.base_url, refresh_token("sdk-lifecycle")))


@pytest.fixture(scope="module")
def psa(server, control):
    orders = python_sp_api_orders(server.base_url, refresh_token("sdk-lifecycle"))
    yield orders
    orders.close()


@pytest.fixture(scope="module")
def requested(control):
    """The scenario, ``paid_then_requested``: (order id, first item id, second item id, request time)."""
    return paid_then_requested(control)


def place_paid_order(control: HttpControl) -> tuple[str, list[tuple[str, int]]]:
    created = control.create_order({"order": {"OrderStatus": "Unshipped"}, "items": [{}, {"QuantityOrdered": 2}]})
    lines = [(item["OrderItemId"], item["QuantityOrdered"]) for item in created["items"]]
    return created["order"]["AmazonOrderId"], lines


# --- the buyer's cancellation request ------------------------------------------------------------


def test_python_sp_api_sees_the_buyers_cancellation_request(psa, requested):
    order_id, first, second, _ = requested
    res = psa.get_order_items(order_id)
    assert res.payload["AmazonOrderId"] == order_id
    flags = {item["OrderItemId"]: item["BuyerRequestedCancel"] for item in res.payload["OrderItems"]}
    assert flags == {
        first: {"IsBuyerRequestedCancel": "true", "BuyerCancelReason": MISTAKE},
        second: {"IsBuyerRequestedCancel": "false"},
    }


def test_amzn_sp_api_sees_the_buyers_cancellation_request(amzn, requested):
    from spapi.models.orders_v0 import BuyerRequestedCancel

    order_id, first, second, _ = requested
    payload = amzn.get_order_items(order_id).payload
    assert payload.amazon_order_id == order_id
    by_id = {item.order_item_id: item.buyer_requested_cancel for item in payload.order_items}
    assert set(by_id) == {first, second}
    assert all(isinstance(flag, BuyerRequestedCancel) for flag in by_id.values())
    # The string "true", as in Amazon's model.
    assert by_id[first].is_buyer_requested_cancel == "true"
    assert by_id[first].buyer_cancel_reason == MISTAKE
    assert by_id[second].is_buyer_requested_cancel == "false"
    assert not by_id[second].buyer_cancel_reason


def test_python_sp_api_polling_get_orders_lists_the_request(psa, control, requested):
    order_id, _, _, requested_at = requested
    res = psa.get_orders(LastUpdatedAfter=earlier(requested_at, seconds=1), MarketplaceIds=[US])
    listed = {o["AmazonOrderId"]: o for o in res.payload["Orders"]}
    assert order_id in listed
    assert listed[order_id]["LastUpdateDate"] == requested_at
    assert listed[order_id]["OrderStatus"] == "Unshipped"
    assert res.payload["LastUpdatedBefore"] == earlier(control.clock()["now"], minutes=2)
    # A poll that ended before the request did not see it.
    before = psa.get_orders(
        LastUpdatedAfter=earlier(requested_at, hours=1), LastUpdatedBefore=earlier(requested_at, seconds=1), MarketplaceIds=[US]
    )
    assert order_id not in {o["AmazonOrderId"] for o in before.payload["Orders"]}


def test_amzn_sp_api_polling_get_orders_lists_the_request(amzn, requested):
    order_id, _, _, requested_at = requested
    payload = amzn.get_orders([US], last_updated_after=earlier(requested_at, seconds=1)).payload
    listed = {o.amazon_order_id: o for o in payload.orders}
    assert order_id in listed
    assert listed[order_id].last_update_date == requested_at
    assert listed[order_id].order_status == "Unshipped"


# --- confirmShipment: Amazon's empty 204 ----------------------------------------------------------


def amzn_confirm_shipment_request(lines: list[tuple[str, int]], ship_date: str):
    """The same request built from amzn-sp-api's models, with shipDate as a datetime (the SDK
    sends ``datetime.isoformat()``: ``+00:00``, not ``Z``)."""
    from spapi.models.orders_v0 import ConfirmShipmentOrderItem, ConfirmShipmentRequest, PackageDetail

    package = PackageDetail(
        package_reference_id="1",
        carrier_code="UPS",
        carrier_name="UPS",
        shipping_method="UPS Ground",
        tracking_number="1Z999AA10123456784",
        ship_date=parse_iso(ship_date),
        order_items=[ConfirmShipmentOrderItem(order_item_id=item_id, quantity=quantity) for item_id, quantity in lines],
    )
    return ConfirmShipmentRequest(package_detail=package, marketplace_id=US)


def test_amzn_sp_api_confirms_a_shipment(amzn, control):
    order_id, lines = place_paid_order(control)
    control.advance_clock("1h")
    now = control.clock()["now"]
    data, status, headers = amzn.confirm_shipment_with_http_info(order_id, amzn_confirm_shipment_request(lines, now))
    assert (data, status) == (None, 204)
    assert headers.get("x-amzn-RequestId")
    assert headers.get("x-amzn-RateLimit-Limit") == CONFIRM_SHIPMENT_RATE
    order = amzn.get_order(order_id).payload
    assert order.order_status == "Shipped"
    assert (order.number_of_items_shipped, order.number_of_items_unshipped) == (3, 0)
    assert order.last_update_date == now


def test_amzn_sp_api_confirm_shipment_plain_call_returns_none(amzn, control):
    order_id, lines = place_paid_order(control)
    assert amzn.confirm_shipment(order_id, confirm_shipment_body(lines[:1], control.clock()["now"])) is None
    assert amzn.get_order(order_id).payload.order_status == "PartiallyShipped"


def test_amzn_sp_api_confirm_shipment_refusal_is_an_api_exception(amzn, control):
    from spapi import ApiException

    order_id, lines = place_paid_order(control)
    too_many = [(item_id, quantity + 1) for item_id, quantity in lines]
    with pytest.raises(ApiException) as caught:
        amzn.confirm_shipment(order_id, confirm_shipment_body(too_many, control.clock()["now"]))
    assert caught.value.status == 400
    (error,) = json.loads(caught.value.body)["errors"]
    assert error["code"] == "InvalidInput"
    assert "quantity" in error["message"]
    assert amzn.get_order(order_id).payload.order_status == "Unshipped"


def test_python_sp_api_confirms_a_shipment(psa, control):
    order_id, lines = place_paid_order(control)
    control.advance_clock("1h")
    now = control.clock()["now"]
    res = psa.confirm_shipment(order_id=order_id, **confirm_shipment_body(lines, now))
    # An empty 204 is not JSON: confirm_shipment's res_no_data path turns it into this payload.
    assert res.errors is None
    assert res.payload == {"status_code": 204}
    assert res.rate_limit == CONFIRM_SHIPMENT_RATE
    assert res.headers["x-amzn-RequestId"]
    assert res.headers.get("x-amzn-RateLimit-Limit") == CONFIRM_SHIPMENT_RATE
    order = psa.get_order(order_id).payload
    assert order["OrderStatus"] == "Shipped"
    assert (order["NumberOfItemsShipped"], order["NumberOfItemsUnshipped"]) == (3, 0)
    assert order["LastUpdateDate"] == now


def test_python_sp_api_confirm_shipment_refusal_raises(psa, control):
    from sp_api.base import SellingApiBadRequestException

    order_id, lines = place_paid_order(control)
    body = confirm_shipment_body(lines, control.clock()["now"])
    del body["packageDetail"]["carrierCode"]
    with pytest.raises(SellingApiBadRequestException) as caught:
        psa.confirm_shipment(order_id=order_id, **body)
    assert caught.value.amzn_code == "InvalidInput"
    assert "packageDetail.carrierCode" in caught.value.message
    assert psa.get_order(order_id).payload["OrderStatus"] == "Unshipped"
