"""What the dashboard reads, over HTTP: the seller's orders (``GET /_mock/orders``), one order
with its items and history (``GET /_mock/orders/{orderId}``), and the page itself
(``GET /_mock/dashboard``). The same operations from Python, HttpControl on a server and
LocalControl on its store file, answer the same JSON.

An app of this module's own (test fixtures, frozen clock, responses held to the control spec by
Connexion): the tests here move its clock and change its orders. The page in a real browser is
tests/test_dashboard_browser.py.
"""

from __future__ import annotations

import re
from importlib import resources as package_files
from urllib.parse import quote

import pytest

from spapi_mock.control import ControlError, HttpControl, LocalControl
from spapi_mock.kernel import resources
from spapi_mock.traffic.specs import CONTROL_SPEC

from support import TEST_FIXTURES
from support.http import CheckedClient, make_app, seller_token
from support.live_server import live_server

SELLER = "A1MOCKSELLER00"
OTHER_SELLER = "A2OTHERSELLER9"
FLAGGED = "111-0000000-0000001"  # Unshipped MFN; its kettle is flagged "No longer needed"
UNFLAGGED = "111-0000000-0000002"  # Shipped AFN


@pytest.fixture(scope="module")
def app():
    return make_app()


@pytest.fixture(scope="module")
def client(app):
    with app.test_client() as raw:
        yield CheckedClient(raw)


@pytest.fixture
def seller(client, request):
    """A seller of the test's own, holding a copy of the test fixtures' orders."""
    seller_id = "dash-" + re.sub(r"[^A-Za-z0-9]", "-", request.node.name)[:50]
    assert client.post("/_mock/sellers", json={"sellerId": seller_id}).status_code == 201
    yield seller_id
    client.request("DELETE", f"/_mock/sellers/{seller_id}")


def ok(response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def sp_api_error(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"errors"} and len(body["errors"]) == 1, body
    return body["errors"][0]


def listed(client, seller_id: str, **params) -> dict:
    return ok(client.get("/_mock/orders", params={"sellerId": seller_id, **params}))


def act(client, seller_id: str, order_id: str, action: str, **args) -> dict:
    return ok(client.post(f"/_mock/orders/{order_id}/actions", params={"sellerId": seller_id}, json={"action": action, **args}))


# -- GET /_mock/orders ------------------------------------------------------------------------


def test_the_order_list_is_every_order_of_the_seller_most_recently_updated_first(client, seller):
    body = listed(client, seller)
    assert body["sellerId"] == seller
    orders = body["orders"]
    assert body["count"] == len(orders) == 10
    keys = [(o["LastUpdateDate"], o["AmazonOrderId"]) for o in orders]
    assert keys == sorted(keys, reverse=True) and len(set(keys)) == len(keys)


def test_each_summary_says_what_getorder_and_getorderitems_say(client, seller):
    headers = seller_token(client, seller)
    for summary in listed(client, seller)["orders"]:
        order_id = summary["AmazonOrderId"]
        order = ok(client.get(f"/orders/v0/orders/{order_id}", headers=headers))["payload"]
        items = ok(client.get(f"/orders/v0/orders/{order_id}/orderItems", headers=headers))["payload"]["OrderItems"]
        flags = [item["BuyerRequestedCancel"] for item in items]
        requested = [flag for flag in flags if flag["IsBuyerRequestedCancel"] == "true"]
        assert summary == {
            "AmazonOrderId": order_id,
            "OrderStatus": order["OrderStatus"],
            "FulfillmentChannel": order["FulfillmentChannel"],
            "SalesChannel": order["SalesChannel"],
            "MarketplaceId": order["MarketplaceId"],
            "PurchaseDate": order["PurchaseDate"],
            "LastUpdateDate": order["LastUpdateDate"],
            "NumberOfItemsShipped": order["NumberOfItemsShipped"],
            "NumberOfItemsUnshipped": order["NumberOfItemsUnshipped"],
            "orderItems": len(items),
            "buyerRequestedCancel": bool(requested),
            "buyerCancelReasons": list(dict.fromkeys(flag["BuyerCancelReason"] for flag in requested)),
        }, order_id


def test_the_summary_shows_the_buyers_request_and_the_order_moves_to_the_top(client, seller):
    before = {o["AmazonOrderId"]: o for o in listed(client, seller)["orders"]}
    assert before[FLAGGED]["buyerRequestedCancel"] is True
    assert before[FLAGGED]["buyerCancelReasons"] == ["No longer needed"]
    assert before[FLAGGED]["FulfillmentChannel"] == "MFN" and before[FLAGGED]["SalesChannel"] == "Amazon.com"
    assert before[UNFLAGGED]["buyerRequestedCancel"] is False and before[UNFLAGGED]["buyerCancelReasons"] == []
    assert before[UNFLAGGED]["FulfillmentChannel"] == "AFN"

    # The second item is asked for too, with another reason: each reason once, in item order.
    act(client, seller, FLAGGED, "buyer_request_cancellation", reason="Found it cheaper", items=["10000000000012"])
    after = listed(client, seller)
    top = after["orders"][0]
    assert top["AmazonOrderId"] == FLAGGED
    assert top["LastUpdateDate"] == ok(client.get("/_mock/clock"))["now"] > before[FLAGGED]["LastUpdateDate"]
    assert top["buyerCancelReasons"] == ["No longer needed", "Found it cheaper"]

    act(client, seller, FLAGGED, "seller_cancel", reason="BuyerCanceled")
    top = listed(client, seller)["orders"][0]
    assert (top["AmazonOrderId"], top["OrderStatus"], top["NumberOfItemsUnshipped"]) == (FLAGGED, "Canceled", 0)
    # The flag stays: the buyer did ask.
    assert top["buyerRequestedCancel"] is True


def test_limit_keeps_the_most_recently_updated_orders(client, seller):
    everything = listed(client, seller)["orders"]
    three = listed(client, seller, limit=3)
    assert three["count"] == 10
    assert three["orders"] == everything[:3]
    assert listed(client, seller, limit=1000)["orders"] == everything


def test_an_order_placed_for_a_new_seller_is_listed_for_it_alone(client, seller):
    assert listed(client, "dash-nobody") == {"sellerId": "dash-nobody", "count": 0, "orders": []}
    placed = client.post("/_mock/orders", params={"sellerId": "dash-newcomer"}, json={"items": [{"SellerSKU": "KETTLE-1"}]})
    assert placed.status_code == 201, placed.text
    try:
        order_id = placed.json()["order"]["AmazonOrderId"]
        newcomer = listed(client, "dash-newcomer")
        assert [o["AmazonOrderId"] for o in newcomer["orders"]] == [order_id] and newcomer["count"] == 1
        assert newcomer["orders"][0]["OrderStatus"] == "Pending"
        assert order_id not in {o["AmazonOrderId"] for o in listed(client, seller)["orders"]}
        assert sp_api_error(client.get(f"/_mock/orders/{order_id}", params={"sellerId": seller}), 404)["code"] == "NotFound"
    finally:
        client.request("DELETE", "/_mock/sellers/dash-newcomer")


def test_the_default_seller_is_listed_without_a_seller_id(client):
    body = ok(client.get("/_mock/orders"))
    assert body["sellerId"] == SELLER and body["count"] == len(body["orders"]) == 10


@pytest.mark.parametrize(
    "params, message",
    [
        ({"limit": 0}, "Invalid limit: 0 is less than the minimum of 1."),
        ({"limit": 1001}, "Invalid limit: 1001 is greater than the maximum of 1000."),
        ({"limit": "ten"}, "Invalid limit"),
        ({"sellerId": ""}, "Invalid sellerId"),
    ],
)
def test_bad_list_parameters_are_invalid_input(client, params, message):
    error = sp_api_error(client.get("/_mock/orders", params=params), 400)
    assert error["code"] == "InvalidInput" and error["message"].startswith(message), error


# -- GET /_mock/orders/{orderId} --------------------------------------------------------------


def test_an_order_is_shown_as_the_v0_api_shows_it_with_its_history_oldest_first(client, seller):
    act(client, seller, FLAGGED, "buy_shipping_label")
    client.post("/_mock/clock/advance", json={"by": "1h"})
    act(client, seller, FLAGGED, "confirm_shipment")
    body = ok(client.get(f"/_mock/orders/{FLAGGED}", params={"sellerId": seller}))
    assert set(body) == {"sellerId", "order", "items", "history"} and body["sellerId"] == seller

    headers = seller_token(client, seller)
    assert body["order"] == ok(client.get(f"/orders/v0/orders/{FLAGGED}", headers=headers))["payload"]
    assert body["items"] == ok(client.get(f"/orders/v0/orders/{FLAGGED}/orderItems", headers=headers))["payload"]["OrderItems"]

    history = body["history"]
    assert [event["event"] for event in history] == ["Placed", "ShippingLabelPurchased", "ShipmentConfirmed"]
    assert [event["at"] for event in history] == sorted(event["at"] for event in history)
    placed, label, shipped = history
    assert placed == {"at": body["order"]["PurchaseDate"], "event": "Placed", "status": "Unshipped"}
    assert shipped["status"] == "Shipped" and shipped["at"] == body["order"]["LastUpdateDate"] > label["at"]
    assert shipped["items"] and shipped["package"]


def test_a_buyer_message_is_in_the_history_though_the_order_does_not_change(client, seller):
    before = ok(client.get(f"/_mock/orders/{FLAGGED}", params={"sellerId": seller}))
    act(client, seller, FLAGGED, "buyer_message", text="Please cancel, <b>wrong</b> size")
    after = ok(client.get(f"/_mock/orders/{FLAGGED}", params={"sellerId": seller}))
    assert after["order"] == before["order"]
    assert after["history"][:-1] == before["history"]
    now = ok(client.get("/_mock/clock"))["now"]
    assert after["history"][-1] == {"at": now, "event": "BuyerMessage", "text": "Please cancel, <b>wrong</b> size"}


def test_a_pending_order_hides_what_the_v0_api_hides(client, seller):
    placed = client.post("/_mock/orders", params={"sellerId": seller}, json={"items": [{"SellerSKU": "KETTLE-1"}]}).json()
    body = ok(client.get(f"/_mock/orders/{placed['order']['AmazonOrderId']}", params={"sellerId": seller}))
    assert body["order"]["OrderStatus"] == "Pending"
    assert "OrderTotal" not in body["order"] and "ShippingAddress" not in body["order"]
    assert all("ItemPrice" not in item for item in body["items"])
    assert [event["event"] for event in body["history"]] == ["Placed"]


@pytest.mark.parametrize(
    "order_id, seller_id",
    [
        ("111-9999999-9999999", SELLER),
        # Another seller's order is no order of this seller's.
        (FLAGGED, OTHER_SELLER),
    ],
)
def test_an_unknown_order_is_not_found_in_the_sp_api_envelope(client, order_id, seller_id):
    response = client.get(f"/_mock/orders/{quote(order_id)}", params={"sellerId": seller_id})
    assert sp_api_error(response, 404) == {"code": "NotFound", "message": f"Order {order_id} not found.", "details": ""}


def test_a_line_break_in_the_order_id_is_invalid_input(client):
    error = sp_api_error(client.get("/_mock/orders/a%0Ab"), 400)
    assert error["code"] == "InvalidInput"


# -- GET /_mock/dashboard ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def page(client) -> str:
    response = client.get("/_mock/dashboard")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    return response.text


def test_the_dashboard_is_one_html_page_served_as_shipped(client, page):
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert page == package_files.files("spapi_mock").joinpath("control", "dashboard.html").read_text(encoding="utf-8")


def test_the_dashboard_with_a_trailing_slash_is_redirected_with_its_query(client):
    response = client.get("/_mock/dashboard/?sellerId=x&poll=0", follow_redirects=False)
    assert response.status_code in (301, 302, 307, 308), response.text
    assert response.headers["location"].endswith("/_mock/dashboard?sellerId=x&poll=0")


def test_loading_the_dashboard_is_not_an_sp_api_request_in_the_journal(client):
    before = ok(client.get("/_mock/journal"))["count"]
    client.get("/_mock/dashboard")
    assert ok(client.get("/_mock/journal"))["count"] == before


def test_the_dashboard_needs_nothing_from_outside_the_mock(page):
    # No CDN, font or image: every src and href is this page's own or a data: URL.
    for attribute in re.findall(r"""\b(?:src|href)\s*=\s*["']([^"']*)""", page):
        assert attribute.startswith("data:"), attribute
    assert "@import" not in page and "url(" not in page
    assert not re.search(r"https?://", page)


def test_the_dashboard_writes_data_as_text_never_as_html(page):
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in page, sink


def test_the_dashboard_reads_the_threshold_from_the_api(page):
    assert not re.search(r"(?<![\d.])(0\.025|2\.5)(?!\d)", page)


def test_every_call_the_dashboard_makes_is_a_declared_control_operation(page):
    spec = resources.openapi_spec(CONTROL_SPEC)["paths"]
    calls = re.findall(r"""api\("([A-Z]+)", [`"]([^`"?]+)""", page)
    assert len(calls) >= 10, calls
    for method, path in calls:
        pattern = re.sub(r"\\\$\\\{[^}]*\\}", "[^/]+", re.escape(path))
        declared = [
            p for p, item in spec.items() if method.lower() in item and re.fullmatch(pattern, re.sub(r"\{[^}]+\}", "x", p))
        ]
        assert declared, (method, path)


def test_the_dashboard_shows_the_sellers_notifications_and_sends_a_test_one(page):
    # The Notifications panel: subscriptions (type, destination, filter), the inbox with what
    # is still to deliver, and "send a test notification" (what users ask Amazon for).
    calls = set(re.findall(r"""api\("([A-Z]+)", [`"]([^`"?]+)""", page))
    assert {("GET", "/notifications/subscriptions"), ("GET", "/notifications"), ("POST", "/notifications/test")} <= calls
    for testid in ("subscriptions-body", "notifications-body", "send-test-notification", "notifications-count"):
        assert f'"{testid}"' in page, testid


def test_the_order_detail_shows_the_orders_money(page):
    # Its financial events (pending ones too) and totals, read from getOrderFinances.
    calls = set(re.findall(r"""api\("([A-Z]+)", [`"]([^`"?]+)""", page))
    assert ("GET", "/orders/${encodeURIComponent(selected)}/finances") in calls
    for testid in ("order-money", "money-body", "money-row", "money-totals"):
        assert f'"{testid}"' in page, testid


# -- from Python: HttpControl on a server, LocalControl on its store file ----------------------


def test_http_and_local_control_answer_the_same_json(network, tmp_path):
    db = tmp_path / "state.json"
    with live_server("--fixtures", str(TEST_FIXTURES), "--db", str(db), tmp_dir=tmp_path) as server:
        remote = HttpControl(server.base_url)
        remote.freeze_clock()
        order_id = remote.run_scenario("buyer-requests-cancellation")["orders"]["order"]
        over_http = (remote.orders(), remote.orders(SELLER, limit=2), remote.order(order_id), remote.order(FLAGGED, SELLER))
        with pytest.raises(ControlError) as http_error:
            remote.order("111-9999999-9999999")
    local = LocalControl.open(db, fixtures_dir=TEST_FIXTURES)
    try:
        in_process = (local.orders(), local.orders(SELLER, limit=2), local.order(order_id), local.order(FLAGGED, SELLER))
        with pytest.raises(ControlError) as local_error:
            local.order("111-9999999-9999999")
        with pytest.raises(ControlError) as bad_limit:
            local.orders(limit=0)
    finally:
        local.close()
    assert in_process == over_http
    listing, two, detail, _ = over_http
    assert listing["orders"][0]["AmazonOrderId"] == order_id and listing["count"] == 11 and len(two["orders"]) == 2
    assert listing["orders"][0]["buyerCancelReasons"] == ["Order Created By Mistake"]
    assert [e["event"] for e in detail["history"]] == ["Placed", "PaymentAuthorized", "BuyerRequestedCancel", "Canceled"]
    for error in (http_error.value, local_error.value):
        assert (error.status, error.code, error.message) == (404, "NotFound", "Order 111-9999999-9999999 not found.")
    assert (bad_limit.value.status, bad_limit.value.code) == (400, "InvalidInput")
