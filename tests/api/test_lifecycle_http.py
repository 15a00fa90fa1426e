"""Every lifecycle rule of DESIGN.md section 1, driven through HTTP as a client would.

Orders are placed and moved through the control plane (``/_mock/orders``, ``/_mock/orders/{id}/
actions``, ``/_mock/clock``) or through Amazon's own write operations (confirmShipment,
updateShipmentStatus, updateVerificationStatus); what happened is observed only through the
Orders v0 reads a seller's software uses (getOrders, getOrder, getOrderItems, getOrderAddress,
getOrderRegulatedInfo), every 200 body held to Amazon's model by CheckedClient.

Each test gets a marketplace of its own: a fresh app on an empty store (or the built-in
fixtures where a test needs them), with the clock frozen at 2025-06-15T12:00:00Z.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from spapi_mock.kernel import resources
from spapi_mock.kernel.dates import parse_iso, to_wire

from support.http import FROZEN_AT, US, CheckedClient, make_app

T0 = to_wire(FROZEN_AT)
LAG = timedelta(minutes=2)  # getOrders never shows the last two minutes
REASON = "Order Created By Mistake"
REGULATED_ORDER = "112-8306889-0912791"  # in the built-in fixtures: verification Pending
OTHER_SELLER = "A2LIFECYCLETEST"


# -- a client of the mock -----------------------------------------------------------------------


def at(delta: timedelta) -> str:
    return to_wire(FROZEN_AT + delta)


class Market:
    """The mock as a seller's software and a test script see it, over HTTP only."""

    def __init__(self, client: CheckedClient) -> None:
        self.http = client

    # control plane

    def place(self, order: dict | None = None, items: list[dict] | None = None, seller: str | None = None, **extra) -> dict:
        body = {"order": order or {}, **({"items": items} if items is not None else {}), **extra}
        response = self.http.post("/_mock/orders", json=body, params=_seller(seller))
        assert response.status_code == 201, response.text
        return response.json()

    def placed_unshipped(self, items: list[dict] | None = None, seller: str | None = None, **order) -> dict:
        """An order placed and paid for at once (the buyer's 30 minutes start now)."""
        return self.place({"OrderStatus": "Unshipped", **order}, items, seller)

    def act(self, order_id: str, action: str, seller: str | None = None, **args):
        return self.http.post(f"/_mock/orders/{order_id}/actions", json={"action": action, **args}, params=_seller(seller))

    def do(self, order_id: str, action: str, seller: str | None = None, **args) -> dict:
        response = self.act(order_id, action, seller, **args)
        assert response.status_code == 200, response.text
        return response.json()

    def advance(self, by: str) -> dict:
        response = self.http.post("/_mock/clock/advance", json={"by": by})
        assert response.status_code == 200, response.text
        return response.json()

    def set_clock(self, when: str) -> dict:
        response = self.http.post("/_mock/clock/set", json={"at": when})
        assert response.status_code == 200, response.text
        return response.json()

    def now(self) -> str:
        return self.http.get("/_mock/clock").json()["now"]

    def rate(self, seller: str | None = None) -> dict:
        response = self.http.get("/_mock/cancellation-rate", params={"marketplaceId": US, **_seller(seller)})
        assert response.status_code == 200, response.text
        (rate,) = response.json()["rates"]
        return rate

    # Orders v0

    def order(self, order_id: str) -> dict:
        response = self.http.get(f"/orders/v0/orders/{order_id}")
        assert response.status_code == 200, response.text
        return response.json()["payload"]

    def items(self, order_id: str) -> list[dict]:
        response = self.http.get(f"/orders/v0/orders/{order_id}/orderItems")
        assert response.status_code == 200, response.text
        return response.json()["payload"]["OrderItems"]

    def address(self, order_id: str) -> dict:
        response = self.http.get(f"/orders/v0/orders/{order_id}/address")
        assert response.status_code == 200, response.text
        return response.json()["payload"]

    def updated(self, after: str, before: str | None = None) -> dict:
        """getOrders with LastUpdatedAfter (and LastUpdatedBefore): the payload."""
        params = {"MarketplaceIds": US, "LastUpdatedAfter": after, **({"LastUpdatedBefore": before} if before else {})}
        response = self.http.get("/orders/v0/orders", params=params)
        assert response.status_code == 200, response.text
        return response.json()["payload"]

    def updated_ids(self, after: str, before: str | None = None) -> list[str]:
        return [o["AmazonOrderId"] for o in self.updated(after, before)["Orders"]]

    def confirm(self, order_id: str, lines: list[tuple[str, int]], *, reference: str = "1", **request):
        package = {
            "packageReferenceId": reference,
            "carrierCode": "UPS",
            "carrierName": "UPS",
            "shippingMethod": "Ground",
            "trackingNumber": f"1Z999AA1012345678{reference}",
            "shipDate": self.now(),
            "orderItems": [{"orderItemId": item_id, "quantity": quantity} for item_id, quantity in lines],
        }
        package.update(request.pop("packageDetail", {}))
        body = {"marketplaceId": US, "packageDetail": package, **request}
        return self.http.post(f"/orders/v0/orders/{order_id}/shipmentConfirmation", json=body)

    def pickup(self, order_id: str, status: str, **request):
        body = {"marketplaceId": US, "shipmentStatus": status, **request}
        return self.http.post(f"/orders/v0/orders/{order_id}/shipment", json=body)

    def verify(self, order_id: str, **update):
        body = {"regulatedOrderVerificationStatus": {"externalReviewerId": "reviewer-7", **update}}
        return self.http.request("PATCH", f"/orders/v0/orders/{order_id}/regulatedInfo", json=body)


def _seller(seller: str | None) -> dict:
    return {"sellerId": seller} if seller else {}


def oid(created: dict) -> str:
    return created["order"]["AmazonOrderId"]


def item_ids(created: dict) -> list[str]:
    return [item["OrderItemId"] for item in created["items"]]


def error_of(response, status: int = 400, code: str = "InvalidInput") -> str:
    """The one SP-API error of a refused request, held to the envelope; its message."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"errors"}, body
    (error,) = body["errors"]
    assert set(error) == {"code", "message", "details"}, error
    assert error["code"] == code, error
    assert error["message"], error
    return error["message"]


@pytest.fixture
def market(tmp_path):
    """A fresh marketplace on an empty store."""
    app = make_app(fixtures_dir=tmp_path)
    with app.test_client() as raw:
        yield Market(CheckedClient(raw))


@pytest.fixture(scope="module")
def refusals(tmp_path_factory):
    """One marketplace shared by tests of refused requests: they place orders but never move the clock."""
    app = make_app(fixtures_dir=tmp_path_factory.mktemp("refusals"))
    with app.test_client() as raw:
        yield Market(CheckedClient(raw))


@pytest.fixture
def fixtures_market():
    """A fresh marketplace on the built-in fixtures."""
    app = make_app(fixtures_dir=resources.default_fixtures_dir())
    with app.test_client() as raw:
        yield Market(CheckedClient(raw))


# -- rule 1: Pending ------------------------------------------------------------------------------


def test_a_new_order_is_pending_and_hides_prices_and_address(market):
    created = market.place(items=[{}, {"QuantityOrdered": 2, "IsGift": "true"}])
    order_id = oid(created)
    order = market.order(order_id)
    assert order["OrderStatus"] == "Pending"
    assert "OrderTotal" not in order
    assert "ShippingAddress" not in order
    items = market.items(order_id)
    assert [i["OrderItemId"] for i in items] == item_ids(created)
    for item in items:
        for hidden in ("ItemPrice", "ItemTax", "ShippingPrice", "ShippingTax", "PromotionDiscount", "IsGift", "PromotionIds"):
            assert hidden not in item, (hidden, item)
    address = market.address(order_id)
    assert address["AmazonOrderId"] == order_id
    assert "ShippingAddress" not in address
    # getOrders shows the same withheld view.
    market.advance("3m")
    (listed,) = market.updated(at(-timedelta(hours=1)))["Orders"]
    assert listed == market.order(order_id)


def test_a_pending_order_cannot_be_confirmed_as_shipped_or_cancelled_by_the_seller(market):
    created = market.place()
    order_id = oid(created)
    response = market.confirm(order_id, [(item_ids(created)[0], 1)])
    message = error_of(response)
    assert "Pending" in message
    assert response.headers.get("x-amzn-RequestId")
    assert "Pending" in error_of(market.act(order_id, "seller_cancel", reason="NoInventory"))
    assert "Pending" in error_of(market.act(order_id, "buy_shipping_label"))
    order = market.order(order_id)
    assert order["OrderStatus"] == "Pending"
    assert order["LastUpdateDate"] == T0
    assert market.items(order_id)[0]["QuantityShipped"] == 0


# -- rule 2: payment authorized -------------------------------------------------------------------


def test_authorized_payment_makes_the_order_unshipped_and_shows_prices_and_address(market):
    created = market.place(items=[{}, {"QuantityOrdered": 2}])
    order_id = oid(created)
    market.advance("4m")
    market.do(order_id, "authorize_payment")
    order = market.order(order_id)
    assert order["OrderStatus"] == "Unshipped"
    assert order["OrderTotal"] == {"CurrencyCode": "USD", "Amount": "59.97"}
    assert (order["NumberOfItemsShipped"], order["NumberOfItemsUnshipped"]) == (0, 3)
    assert order["LastUpdateDate"] == at(timedelta(minutes=4))
    prices = [item["ItemPrice"] for item in market.items(order_id)]
    assert prices == [{"CurrencyCode": "USD", "Amount": "19.99"}, {"CurrencyCode": "USD", "Amount": "39.98"}]
    assert all(item["IsGift"] == "false" for item in market.items(order_id))
    assert market.address(order_id)["ShippingAddress"]["CountryCode"] == "US"
    # Payment is authorized once.
    assert "Unshipped" in error_of(market.act(order_id, "authorize_payment"))


def test_a_declined_payment_cancels_a_pending_order_at_no_cost_to_the_seller(market):
    order_id = oid(market.place())
    market.advance("1h")
    market.do(order_id, "decline_payment")
    assert market.order(order_id)["OrderStatus"] == "Canceled"
    assert market.rate()["sellerCancelledOrders"] == 0


# -- rule 3: the buyer's self-cancel window -------------------------------------------------------


@pytest.mark.parametrize("status", ["Pending", "Unshipped"])
def test_the_buyer_cancels_within_thirty_minutes(market, status):
    order_id = oid(market.place({"OrderStatus": status}))
    market.advance("10m")
    market.do(order_id, "buyer_cancel")
    order = market.order(order_id)
    assert order["OrderStatus"] == "Canceled"
    assert order["LastUpdateDate"] == at(timedelta(minutes=10))
    assert (order["NumberOfItemsShipped"], order["NumberOfItemsUnshipped"]) == (0, 0)
    rate = market.rate()
    assert (rate["sellerCancelledOrders"], rate["orders"]) == (0, 1)


def test_after_thirty_minutes_the_buyer_can_no_longer_cancel_directly(market):
    order_id = oid(market.placed_unshipped())
    market.advance("31m")
    message = error_of(market.act(order_id, "buyer_cancel"))
    assert "window" in message and "30 minutes" in message
    assert at(timedelta(minutes=30)) in message
    order = market.order(order_id)
    assert order["OrderStatus"] == "Unshipped"
    assert order["LastUpdateDate"] == T0


def test_within_thirty_minutes_there_is_no_request_to_make(market):
    order_id = oid(market.placed_unshipped())
    market.advance("10m")
    message = error_of(market.act(order_id, "buyer_request_cancellation", reason=REASON))
    assert "buyer_cancel" in message
    assert all(i["BuyerRequestedCancel"] == {"IsBuyerRequestedCancel": "false"} for i in market.items(order_id))


# -- rule 4: the buyer's formal cancellation request ---------------------------------------------


def test_a_poller_sees_the_buyers_cancellation_request(market):
    """The flow seller software depends on: poll getOrders by LastUpdatedAfter, then read the items."""
    created = market.place(items=[{}, {"QuantityOrdered": 2}, {}])
    order_id = oid(created)
    first, second, third = item_ids(created)
    market.advance("5m")
    market.do(order_id, "authorize_payment")

    # The seller's poller picks the paid order up...
    market.advance("3m")
    poll = market.updated(at(-timedelta(hours=1)))
    assert [o["AmazonOrderId"] for o in poll["Orders"]] == [order_id]
    assert poll["LastUpdatedBefore"] == at(timedelta(minutes=8) - LAG)
    watermark = poll["LastUpdatedBefore"]

    # ...and, polling on from where it stopped, sees nothing new while nothing happens.
    market.advance("30m")
    quiet = market.updated(watermark)
    assert [o["AmazonOrderId"] for o in quiet["Orders"]] == []
    watermark = quiet["LastUpdatedBefore"]

    # Two hours after purchase the buyer asks to cancel two of the three lines.
    market.advance("1h22m")
    requested_at = at(timedelta(hours=2))
    market.do(order_id, "buyer_request_cancellation", reason=REASON, items=[first, second])
    # Within the two-minute lag the change is not listed yet...
    market.advance("1m")
    assert market.updated_ids(watermark) == []
    # ...and then it is, with the request time as LastUpdateDate.
    market.advance("2m")
    poll = market.updated(watermark)
    (listed,) = poll["Orders"]
    assert listed["AmazonOrderId"] == order_id
    assert listed["LastUpdateDate"] == requested_at
    assert listed["OrderStatus"] == "Unshipped"  # only the seller can cancel now
    assert watermark < requested_at <= poll["LastUpdatedBefore"]

    flags = {item["OrderItemId"]: item["BuyerRequestedCancel"] for item in market.items(order_id)}
    assert flags == {
        first: {"IsBuyerRequestedCancel": "true", "BuyerCancelReason": REASON},
        second: {"IsBuyerRequestedCancel": "true", "BuyerCancelReason": REASON},
        third: {"IsBuyerRequestedCancel": "false"},
    }
    # A string, as in Amazon's model, never a JSON boolean.
    assert all(isinstance(flag["IsBuyerRequestedCancel"], str) for flag in flags.values())
    # The buyer cannot cancel directly any more.
    assert "window" in error_of(market.act(order_id, "buyer_cancel"))


def test_a_request_without_items_flags_every_item(market):
    created = market.placed_unshipped(items=[{}, {}])
    order_id = oid(created)
    market.advance("45m")
    market.do(order_id, "buyer_request_cancellation", reason="Shipping time too long")
    items = market.items(order_id)
    assert [i["BuyerRequestedCancel"] for i in items] == [
        {"IsBuyerRequestedCancel": "true", "BuyerCancelReason": "Shipping time too long"}
    ] * 2


def test_a_request_needs_a_reason(market):
    order_id = oid(market.placed_unshipped())
    market.advance("45m")
    assert "reason" in error_of(market.act(order_id, "buyer_request_cancellation"))
    assert "reason" in error_of(market.act(order_id, "buyer_request_cancellation", reason=""))


def test_a_cancellation_asked_for_by_message_sets_no_flag_and_is_no_update(market):
    order_id = oid(market.placed_unshipped())
    market.advance("45m")
    market.do(order_id, "buyer_message", text="Please cancel, I ordered the wrong size.")
    market.advance("5m")
    order = market.order(order_id)
    assert order["LastUpdateDate"] == T0
    assert order["OrderStatus"] == "Unshipped"
    assert market.items(order_id)[0]["BuyerRequestedCancel"] == {"IsBuyerRequestedCancel": "false"}
    assert market.updated_ids(at(timedelta(minutes=1))) == []
    # So a BuyerCanceled cancellation on the strength of a message counts against the seller.
    market.do(order_id, "seller_cancel", reason="BuyerCanceled")
    assert market.rate()["sellerCancelledOrders"] == 1


# -- rule 5: the seller cancels ------------------------------------------------------------------


def test_buyer_canceled_in_answer_to_a_formal_request_does_not_count(market):
    order_id = oid(market.placed_unshipped())
    market.advance("1h")
    market.do(order_id, "buyer_request_cancellation", reason=REASON)
    before = market.rate()
    market.advance("1h")
    market.do(order_id, "seller_cancel", reason="BuyerCanceled")
    order = market.order(order_id)
    assert order["OrderStatus"] == "Canceled"
    assert order["LastUpdateDate"] == at(timedelta(hours=2))
    after = market.rate()
    assert after["sellerCancelledOrders"] == before["sellerCancelledOrders"] == 0
    assert after["orders"] == before["orders"] == 1


def test_no_inventory_counts_against_the_seller(market):
    order_id = oid(market.placed_unshipped())
    other = oid(market.placed_unshipped())
    market.advance("1h")
    before = market.rate()
    market.do(order_id, "seller_cancel", reason="NoInventory")
    assert market.order(order_id)["OrderStatus"] == "Canceled"
    after = market.rate()
    assert (before["sellerCancelledOrders"], after["sellerCancelledOrders"]) == (0, 1)
    assert after["orders"] == 2
    assert market.order(other)["OrderStatus"] == "Unshipped"


def test_no_inventory_counts_even_when_the_buyer_asked(market):
    order_id = oid(market.placed_unshipped())
    market.advance("1h")
    market.do(order_id, "buyer_request_cancellation", reason=REASON)
    market.do(order_id, "seller_cancel", reason="NoInventory")
    assert market.rate()["sellerCancelledOrders"] == 1


def test_buyer_canceled_without_a_request_counts(market):
    order_id = oid(market.placed_unshipped())
    market.advance("1h")
    market.do(order_id, "seller_cancel", reason="BuyerCanceled")
    assert market.rate()["sellerCancelledOrders"] == 1


def test_the_seller_cannot_cancel_once_a_label_exists(market):
    order_id = oid(market.placed_unshipped())
    market.advance("1h")
    market.do(order_id, "buy_shipping_label")
    message = error_of(market.act(order_id, "seller_cancel", reason="NoInventory"))
    assert "label" in message
    assert market.order(order_id)["OrderStatus"] == "Unshipped"
    assert market.rate()["sellerCancelledOrders"] == 0


@pytest.mark.parametrize("shipped", ["some", "all"])
def test_the_seller_cannot_cancel_once_shipped(market, shipped):
    created = market.placed_unshipped(items=[{}, {}])
    order_id = oid(created)
    lines = [(i, 1) for i in item_ids(created)][: 1 if shipped == "some" else 2]
    market.advance("1h")
    assert market.confirm(order_id, lines).status_code == 204
    status = market.order(order_id)["OrderStatus"]
    assert status == ("PartiallyShipped" if shipped == "some" else "Shipped")
    message = error_of(market.act(order_id, "seller_cancel", reason="NoInventory"))
    assert status in message and "return" in message
    assert market.order(order_id)["OrderStatus"] == status


def test_the_seller_gives_a_known_reason(market):
    order_id = oid(market.placed_unshipped())
    message = error_of(market.act(order_id, "seller_cancel", reason="ChangedMyMind"))
    assert "reason" in message and "NoInventory" in message
    assert "reason" in error_of(market.act(order_id, "seller_cancel"))


# -- rule 6: partial cancellation -----------------------------------------------------------------


def test_part_of_an_order_is_cancelled_and_the_rest_ships(market):
    created = market.placed_unshipped(items=[{}, {"QuantityOrdered": 3}])
    order_id = oid(created)
    first, second = item_ids(created)
    market.advance("1h")
    market.do(order_id, "seller_cancel", reason="NoInventory", items=[first, {"orderItemId": second, "quantity": 1}])
    order = market.order(order_id)
    assert order["OrderStatus"] == "Unshipped"
    assert (order["NumberOfItemsShipped"], order["NumberOfItemsUnshipped"]) == (0, 2)
    assert order["OrderTotal"]["Amount"] == "39.98"  # two of the second line are left
    quantities = {i["OrderItemId"]: (i["QuantityOrdered"], i["QuantityShipped"]) for i in market.items(order_id)}
    assert quantities == {first: (0, 0), second: (2, 0)}
    # A partial cancellation counts once.
    assert market.rate()["sellerCancelledOrders"] == 1

    market.advance("1h")
    assert market.confirm(order_id, [(second, 2)]).status_code == 204
    order = market.order(order_id)
    assert order["OrderStatus"] == "Shipped"
    assert (order["NumberOfItemsShipped"], order["NumberOfItemsUnshipped"]) == (2, 0)
    assert order["LastUpdateDate"] == at(timedelta(hours=2))
    # Nothing of the cancelled line can ship.
    assert "Shipped" in error_of(market.confirm(order_id, [(first, 1)], reference="2"))


def test_a_partial_answer_to_a_partial_request_does_not_count(market):
    created = market.placed_unshipped(items=[{}, {}])
    order_id = oid(created)
    first, second = item_ids(created)
    market.advance("1h")
    market.do(order_id, "buyer_request_cancellation", reason=REASON, items=[first])
    market.do(order_id, "seller_cancel", reason="BuyerCanceled", items=[first])
    order = market.order(order_id)
    assert order["OrderStatus"] == "Unshipped"
    assert (order["NumberOfItemsShipped"], order["NumberOfItemsUnshipped"]) == (0, 1)
    assert market.rate()["sellerCancelledOrders"] == 0
    assert market.confirm(order_id, [(second, 1)]).status_code == 204
    assert market.order(order_id)["OrderStatus"] == "Shipped"


# -- rule 7: shipment ----------------------------------------------------------------------------


def test_confirm_shipment_answers_as_amazon_does_and_ships_in_parts(market):
    created = market.placed_unshipped(items=[{}, {"QuantityOrdered": 2}])
    order_id = oid(created)
    first, second = item_ids(created)
    market.advance("1h")
    response = market.confirm(order_id, [(first, 1), (second, 1)])
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert "content-type" not in response.headers
    assert response.headers.get("x-amzn-RequestId")
    assert response.headers.get("x-amzn-RateLimit-Limit") == "2"
    order = market.order(order_id)
    assert order["OrderStatus"] == "PartiallyShipped"
    assert (order["NumberOfItemsShipped"], order["NumberOfItemsUnshipped"]) == (2, 1)
    assert order["LastUpdateDate"] == at(timedelta(hours=1))
    shipped = {i["OrderItemId"]: i["QuantityShipped"] for i in market.items(order_id)}
    assert shipped == {first: 1, second: 1}

    market.advance("1d")
    assert market.confirm(order_id, [(second, 1)], reference="2").status_code == 204
    order = market.order(order_id)
    assert order["OrderStatus"] == "Shipped"
    assert (order["NumberOfItemsShipped"], order["NumberOfItemsUnshipped"]) == (3, 0)
    assert order["LastUpdateDate"] == at(timedelta(days=1, hours=1))
    # And once shipped there is nothing left to confirm.
    assert "Shipped" in error_of(market.confirm(order_id, [(second, 1)], reference="3"))


def test_confirm_shipment_is_refused_for_a_cancelled_order(market):
    created = market.placed_unshipped()
    order_id = oid(created)
    market.advance("10m")
    market.do(order_id, "buyer_cancel")
    message = error_of(market.confirm(order_id, [(item_ids(created)[0], 1)]))
    assert "Canceled" in message
    assert market.order(order_id)["OrderStatus"] == "Canceled"


def test_confirm_shipment_refuses_what_does_not_fit_the_order(market):
    created = market.placed_unshipped(items=[{"QuantityOrdered": 2}])
    order_id = oid(created)
    (item,) = item_ids(created)
    cases = [
        (market.confirm(order_id, [(item, 1)], marketplaceId="A1PA6795UKMFR9"), ["marketplaceId", "A1PA6795UKMFR9"]),
        (market.confirm(order_id, [("00000000000000", 1)]), ["orderItemId", "00000000000000"]),
        (market.confirm(order_id, [(item, 3)]), ["quantity", item]),
        (market.confirm(order_id, [(item, 0)]), ["quantity", item]),
        (market.confirm(order_id, [], packageDetail={"orderItems": []}), ["orderItems"]),
    ]
    for response, fragments in cases:
        message = error_of(response)
        assert all(fragment in message for fragment in fragments), (fragments, message)
    order = market.order(order_id)
    assert (order["OrderStatus"], order["LastUpdateDate"], order["NumberOfItemsShipped"]) == ("Unshipped", T0, 0)


def test_confirm_shipment_of_an_unknown_order_is_not_found(refusals):
    error_of(refusals.confirm("999-0000000-0000000", [("1", 1)]), 404, "NotFound")


def test_a_package_is_confirmed_once(market):
    created = market.placed_unshipped(items=[{}, {}])
    order_id = oid(created)
    first, second = item_ids(created)
    assert market.confirm(order_id, [(first, 1)], reference="7").status_code == 204
    assert "packageReferenceId" in error_of(market.confirm(order_id, [(second, 1)], reference="7"))


def _without_carrier_code(body: dict) -> None:
    del body["packageDetail"]["carrierCode"]


def _quantity_in_words(body: dict) -> None:
    body["packageDetail"]["orderItems"][0]["quantity"] = "one"


def _without_marketplace(body: dict) -> None:
    del body["marketplaceId"]


def _ship_date_in_words(body: dict) -> None:
    body["packageDetail"]["shipDate"] = "tomorrow"


@pytest.mark.parametrize(
    "spoil, field",
    [
        (_without_carrier_code, "packageDetail.carrierCode"),
        (_quantity_in_words, "quantity"),
        (_without_marketplace, "marketplaceId"),
        (_ship_date_in_words, "shipDate"),
    ],
    ids=["no carrierCode", "quantity 'one'", "no marketplaceId", "shipDate 'tomorrow'"],
)
def test_a_malformed_confirm_shipment_body_is_invalid_input_naming_the_field(refusals, spoil, field):
    created = refusals.placed_unshipped()
    order_id = oid(created)
    body = {
        "marketplaceId": US,
        "packageDetail": {
            "packageReferenceId": "1",
            "carrierCode": "UPS",
            "trackingNumber": "1Z999AA10123456784",
            "shipDate": T0,
            "orderItems": [{"orderItemId": item_ids(created)[0], "quantity": 1}],
        },
    }
    spoil(body)
    response = refusals.http.post(f"/orders/v0/orders/{order_id}/shipmentConfirmation", json=body)
    assert field in error_of(response)
    assert refusals.order(order_id)["OrderStatus"] == "Unshipped"


@pytest.mark.parametrize(
    "content", [b"not json", b'{"marketplaceId": ', b"[]", b"null"], ids=["text", "truncated", "array", "null"]
)
def test_a_confirm_shipment_body_that_is_not_a_json_object_is_invalid_input(refusals, content):
    order_id = oid(refusals.placed_unshipped())
    response = refusals.http.post(
        f"/orders/v0/orders/{order_id}/shipmentConfirmation", content=content, headers={"content-type": "application/json"}
    )
    message = error_of(response)
    assert "JSON" in message or "body" in message, message
    assert refusals.order(order_id)["OrderStatus"] == "Unshipped"


def test_an_afn_order_is_not_confirmed_by_the_seller(market):
    created = market.placed_unshipped(FulfillmentChannel="AFN")
    assert "AFN" in error_of(market.confirm(oid(created), [(item_ids(created)[0], 1)]))


def test_easy_ship_pickup_statuses_through_update_shipment_status(market):
    created = market.placed_unshipped(items=[{}, {}], EasyShipShipmentStatus="PendingSchedule")
    order_id = oid(created)
    assert market.order(order_id)["EasyShipShipmentStatus"] == "PendingSchedule"

    market.advance("1h")
    response = market.pickup(order_id, "ReadyForPickup")
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert response.headers.get("x-amzn-RequestId")
    assert response.headers.get("x-amzn-RateLimit-Limit") == "5"
    order = market.order(order_id)
    assert (order["EasyShipShipmentStatus"], order["OrderStatus"]) == ("PendingPickUp", "Unshipped")
    assert order["LastUpdateDate"] == at(timedelta(hours=1))
    # Ready for pickup means a label exists: the seller can no longer cancel.
    assert "label" in error_of(market.act(order_id, "seller_cancel", reason="NoInventory"))

    market.advance("2h")
    assert market.pickup(order_id, "RefusedPickup").status_code == 204
    assert market.order(order_id)["EasyShipShipmentStatus"] == "PendingSchedule"

    market.advance("1d")
    assert market.pickup(order_id, "PickedUp").status_code == 204
    order = market.order(order_id)
    assert (order["EasyShipShipmentStatus"], order["OrderStatus"]) == ("PickedUp", "Shipped")
    assert (order["NumberOfItemsShipped"], order["NumberOfItemsUnshipped"]) == (2, 0)
    assert order["LastUpdateDate"] == at(timedelta(days=1, hours=3))


def test_update_shipment_status_is_only_for_easy_ship_orders(market):
    order_id = oid(market.placed_unshipped())
    message = error_of(market.pickup(order_id, "ReadyForPickup"))
    assert "Easy Ship" in message
    order = market.order(order_id)
    assert "EasyShipShipmentStatus" not in order
    assert order["LastUpdateDate"] == T0


def test_update_shipment_status_refuses_an_unknown_status(market):
    order_id = oid(market.placed_unshipped(EasyShipShipmentStatus="PendingSchedule"))
    assert "shipmentStatus" in error_of(market.pickup(order_id, "Teleported"))
    assert "marketplaceId" in error_of(market.pickup(order_id, "PickedUp", marketplaceId="A1PA6795UKMFR9"))
    assert market.order(order_id)["EasyShipShipmentStatus"] == "PendingSchedule"


def test_update_verification_status_approves_a_regulated_order(fixtures_market):
    market = fixtures_market
    before = market.http.get(f"/orders/v0/orders/{REGULATED_ORDER}/regulatedInfo").json()["payload"]
    assert before["RegulatedOrderVerificationStatus"]["Status"] == "Pending"
    assert "ReviewDate" not in before["RegulatedOrderVerificationStatus"]
    market.advance("1h")
    response = market.verify(REGULATED_ORDER, status="Approved")
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert response.headers.get("x-amzn-RequestId")
    assert response.headers.get("x-amzn-RateLimit-Limit") == "0.5"
    info = market.http.get(f"/orders/v0/orders/{REGULATED_ORDER}/regulatedInfo")
    assert info.status_code == 200
    status = info.json()["payload"]["RegulatedOrderVerificationStatus"]
    assert status["Status"] == "Approved"
    assert status["ReviewDate"] == at(timedelta(hours=1))
    assert status["ExternalReviewerId"] == "reviewer-7"
    assert status["RequiresMerchantAction"] is False
    assert market.order(REGULATED_ORDER)["LastUpdateDate"] == at(timedelta(hours=1))
    # A decided verification does not change again.
    assert "Approved" in error_of(market.verify(REGULATED_ORDER, status="Rejected", rejectionReasonId="pets_rx_sc_other"))


def test_update_verification_status_rejects_with_one_of_the_orders_reasons(fixtures_market):
    market = fixtures_market
    message = error_of(market.verify(REGULATED_ORDER, status="Rejected", rejectionReasonId="made_up"))
    assert "rejectionReasonId" in message and "pets_rx_sc_other" in message
    assert "externalReviewerId" in error_of(
        market.http.request(
            "PATCH", f"/orders/v0/orders/{REGULATED_ORDER}/regulatedInfo", json={"regulatedOrderVerificationStatus": {}}
        )
    )
    assert market.verify(REGULATED_ORDER, status="Rejected", rejectionReasonId="pets_rx_sc_no_vcpr").status_code == 204
    status = market.http.get(f"/orders/v0/orders/{REGULATED_ORDER}/regulatedInfo").json()["payload"][
        "RegulatedOrderVerificationStatus"
    ]
    assert status["Status"] == "Rejected"
    assert status["RejectionReason"]["RejectionReasonId"] == "pets_rx_sc_no_vcpr"
    assert status["ReviewDate"] == T0


def test_update_verification_status_of_an_order_without_regulated_items_is_refused(market):
    order_id = oid(market.placed_unshipped())
    assert "regulated" in error_of(market.verify(order_id, status="Approved"))


# -- rule 8: automatic cancellation ----------------------------------------------------------------


def _ship_by_tomorrow(market: Market, seller: str | None = None) -> tuple[str, str]:
    """An Unshipped MFN order that must ship by tomorrow; (its id, Amazon's cancellation deadline)."""
    latest_ship = at(timedelta(days=1))
    order_id = oid(market.placed_unshipped(seller=seller, LatestShipDate=latest_ship))
    return order_id, to_wire(parse_iso(latest_ship) + timedelta(days=7))


def test_amazon_cancels_an_order_not_shipped_within_seven_days_of_its_ship_by_date(market):
    order_id, deadline = _ship_by_tomorrow(market)
    assert deadline == at(timedelta(days=8))
    market.advance("7d23h59m59s")
    assert market.order(order_id)["OrderStatus"] == "Unshipped"
    market.advance("2s")
    assert market.now() == at(timedelta(days=8, seconds=1))
    order = market.order(order_id)
    assert order["OrderStatus"] == "Canceled"
    # Cancelled at the deadline, not when someone happened to look.
    assert order["LastUpdateDate"] == deadline
    assert (order["NumberOfItemsShipped"], order["NumberOfItemsUnshipped"]) == (0, 0)
    market.advance("3m")
    assert order_id in market.updated_ids(at(timedelta(days=7)))


def test_automatic_cancellation_through_clock_set(market):
    order_id, deadline = _ship_by_tomorrow(market)
    market.set_clock(to_wire(parse_iso(deadline) - timedelta(seconds=1)))
    assert market.order(order_id)["OrderStatus"] == "Unshipped"
    market.set_clock(at(timedelta(days=30)))
    order = market.order(order_id)
    assert (order["OrderStatus"], order["LastUpdateDate"]) == ("Canceled", deadline)


def test_a_shipped_order_is_not_cancelled_automatically(market):
    created = market.placed_unshipped(LatestShipDate=at(timedelta(days=1)))
    order_id = oid(created)
    market.advance("2d")
    assert market.confirm(order_id, [(item_ids(created)[0], 1)]).status_code == 204
    market.advance("30d")
    order = market.order(order_id)
    assert (order["OrderStatus"], order["LastUpdateDate"]) == ("Shipped", at(timedelta(days=2)))


def test_what_a_partially_shipped_order_has_not_shipped_is_cancelled_automatically(market):
    created = market.placed_unshipped(items=[{}, {}], LatestShipDate=at(timedelta(days=1)))
    order_id = oid(created)
    first, second = item_ids(created)
    market.advance("1d")
    assert market.confirm(order_id, [(first, 1)]).status_code == 204
    market.advance("8d")
    order = market.order(order_id)
    # What shipped stays shipped; nothing is left to ship.
    assert (order["OrderStatus"], order["LastUpdateDate"]) == ("Shipped", at(timedelta(days=8)))
    assert (order["NumberOfItemsShipped"], order["NumberOfItemsUnshipped"]) == (1, 0)
    quantities = {i["OrderItemId"]: (i["QuantityOrdered"], i["QuantityShipped"]) for i in market.items(order_id)}
    assert quantities == {first: (1, 1), second: (0, 0)}
    assert market.rate()["sellerCancelledOrders"] == 1


def test_automatic_cancellation_counts_against_the_seller(market):
    order_id, deadline = _ship_by_tomorrow(market)
    assert market.rate()["sellerCancelledOrders"] == 0
    market.advance("8d1m")
    assert market.order(order_id)["OrderStatus"] == "Canceled"
    # Placed eight days ago, it is counted in the window its cancellation happened in.
    rate = market.rate()
    assert rate["windowStart"] > market.order(order_id)["PurchaseDate"]
    assert (rate["sellerCancelledOrders"], rate["orders"], rate["breached"]) == (1, 1, True)


def test_a_payment_authorized_10_days_late_restarts_the_ship_by_clock(market):
    """Amazon's Seller Central, "Pending orders" (G40571): payment and order verification "can
    potentially extend order processing times for as long as 21 days", and "You won't be able
    to confirm shipment of an order until the order status changes from Pending to Unshipped".
    So the seller's time to ship starts at the authorization: the order keeps its 2-day handling
    time, it can be shipped, and only a deadline the seller really misses is cancelled."""
    created = market.place()
    order_id = oid(created)
    placed = market.order(order_id)
    assert (placed["EarliestShipDate"], placed["LatestShipDate"]) == (T0, at(timedelta(days=2)))
    market.advance("10d")
    assert market.order(order_id)["OrderStatus"] == "Pending"
    market.do(order_id, "authorize_payment")
    market.advance("1s")
    order = market.order(order_id)
    assert order["OrderStatus"] == "Unshipped"
    assert (order["EarliestShipDate"], order["LatestShipDate"]) == (at(timedelta(days=10)), at(timedelta(days=12)))
    assert (order["EarliestDeliveryDate"], order["LatestDeliveryDate"]) == (at(timedelta(days=13)), at(timedelta(days=17)))
    v2026 = market.http.get(f"/orders/2026-01-01/orders/{order_id}", params={"includedData": "FULFILLMENT"})
    assert v2026.status_code == 200, v2026.text
    assert v2026.json()["order"]["fulfillment"]["shipByWindow"]["latestDateTime"] == at(timedelta(days=12))
    market.advance("1d")
    assert market.confirm(order_id, [(item_ids(created)[0], 1)]).status_code == 204
    order = market.order(order_id)
    assert (order["OrderStatus"], order["LastUpdateDate"]) == ("Shipped", at(timedelta(days=11, seconds=1)))
    assert market.rate()["sellerCancelledOrders"] == 0


def test_after_a_late_authorization_a_missed_deadline_still_counts(market):
    order_id = oid(market.place())
    market.advance("10d")
    market.do(order_id, "authorize_payment")
    # The new ship-by date is day 12; Amazon cancels 7 days after it, on day 19.
    market.set_clock(at(timedelta(days=19) - timedelta(seconds=1)))
    assert market.order(order_id)["OrderStatus"] == "Unshipped"
    market.advance("2s")
    order = market.order(order_id)
    assert (order["OrderStatus"], order["LastUpdateDate"]) == ("Canceled", at(timedelta(days=19)))
    assert market.rate()["sellerCancelledOrders"] == 1


# -- rule 9: the cancellation rate -----------------------------------------------------------------


def test_the_cancellation_rate_and_its_threshold(market):
    seller = OTHER_SELLER
    ids = [oid(market.placed_unshipped(seller=seller)) for _ in range(40)]
    # AFN orders are neither seller-cancelled nor counted among all orders.
    market.placed_unshipped(seller=seller, FulfillmentChannel="AFN")
    market.advance("1h")
    rate = market.rate(seller)
    assert rate == {
        "sellerId": seller,
        "marketplaceId": US,
        "windowStart": at(timedelta(hours=1) - timedelta(days=7)),
        "windowEnd": at(timedelta(hours=1)),
        "sellerCancelledOrders": 0,
        "orders": 40,
        "rate": 0.0,
        "threshold": 0.025,
        "breached": False,
    }
    # Excluded: a formal request answered with BuyerCanceled.
    market.do(ids[0], "buyer_request_cancellation", seller, reason=REASON)
    market.do(ids[0], "seller_cancel", seller, reason="BuyerCanceled")
    assert market.rate(seller)["sellerCancelledOrders"] == 0
    # One seller cancellation in forty is 2.5%: reaching the threshold is already a breach.
    market.do(ids[1], "seller_cancel", seller, reason="PricingError")
    rate = market.rate(seller)
    assert (rate["sellerCancelledOrders"], rate["orders"], rate["rate"], rate["breached"]) == (1, 40, 0.025, True)
    # One more order brings it just below.
    market.placed_unshipped(seller=seller)
    rate = market.rate(seller)
    assert (rate["sellerCancelledOrders"], rate["orders"], rate["rate"], rate["breached"]) == (1, 41, 0.0244, False)
    # The default seller's marketplace is untouched.
    assert market.rate()["orders"] == 0


def test_the_rate_window_rolls_forward(market):
    order_id = oid(market.placed_unshipped())
    kept = oid(market.placed_unshipped())
    market.advance("1h")
    market.do(order_id, "seller_cancel", reason="NoInventory")
    assert (market.rate()["sellerCancelledOrders"], market.rate()["orders"]) == (1, 2)
    # Seven days after purchase the orders leave the window; the cancellation, an hour later, not yet.
    market.set_clock(at(timedelta(days=7, seconds=1)))
    rate = market.rate()
    assert (rate["sellerCancelledOrders"], rate["orders"]) == (1, 1)
    market.set_clock(at(timedelta(days=7, hours=1, seconds=1)))
    rate = market.rate()
    assert (rate["sellerCancelledOrders"], rate["orders"], rate["breached"]) == (0, 0, False)
    assert market.order(kept)["OrderStatus"] == "Unshipped"


# -- rule 10: every change is an update --------------------------------------------------------------


def _easy_ship(market: Market) -> str:
    return oid(market.placed_unshipped(EasyShipShipmentStatus="PendingSchedule"))


REGULATED = {
    "RequiresDosageLabel": False,
    "RegulatedInformation": {
        "Fields": [{"FieldId": "pets_rx_scName", "FieldLabel": "Pet name", "FieldType": "Text", "FieldValue": "Biscuit"}]
    },
    "RegulatedOrderVerificationStatus": {
        "Status": "Pending",
        "RequiresMerchantAction": True,
        "ValidRejectionReasons": [{"RejectionReasonId": "pets_rx_sc_other", "RejectionReasonDescription": "Not approved"}],
        "ValidVerificationDetails": [{"VerificationDetailType": "prescriptionDetail", "ValidVerificationStatuses": ["Approved"]}],
    },
}


def _confirm_endpoint(market: Market, order_id: str) -> None:
    item = market.items(order_id)[0]["OrderItemId"]
    assert market.confirm(order_id, [(item, 1)]).status_code == 204


# name: (how to place the order, how to change it; the test changes it ten minutes after purchase)
CHANGES = {
    "authorize_payment": (lambda m: oid(m.place()), lambda m, o: m.do(o, "authorize_payment")),
    "decline_payment": (lambda m: oid(m.place()), lambda m, o: m.do(o, "decline_payment")),
    "release_preorder": (
        lambda m: oid(m.place({"OrderStatus": "PendingAvailability"})),
        lambda m, o: m.do(o, "release_preorder"),
    ),
    "buyer_cancel": (lambda m: oid(m.place()), lambda m, o: m.do(o, "buyer_cancel")),
    "buyer_request_cancellation": (
        lambda m: oid(m.placed_unshipped()),
        lambda m, o: (m.advance("25m"), m.do(o, "buyer_request_cancellation", reason=REASON)),
    ),
    "seller_cancel": (lambda m: oid(m.placed_unshipped()), lambda m, o: m.do(o, "seller_cancel", reason="NoInventory")),
    "seller_cancel of some items": (
        lambda m: oid(m.placed_unshipped(items=[{}, {}])),
        lambda m, o: m.do(o, "seller_cancel", reason="NoInventory", items=[m.items(o)[0]["OrderItemId"]]),
    ),
    "buy_shipping_label": (lambda m: oid(m.placed_unshipped()), lambda m, o: m.do(o, "buy_shipping_label")),
    "confirm_shipment action": (lambda m: oid(m.placed_unshipped()), lambda m, o: m.do(o, "confirm_shipment")),
    "confirmShipment": (lambda m: oid(m.placed_unshipped()), _confirm_endpoint),
    "update_shipment_status action": (_easy_ship, lambda m, o: m.do(o, "update_shipment_status", status="ReadyForPickup")),
    "updateShipmentStatus": (_easy_ship, lambda m, o: m.pickup(o, "PickedUp")),
    "update_verification_status action": (
        lambda m: oid(m.place({"OrderStatus": "Unshipped"}, regulated=REGULATED)),
        lambda m, o: m.do(o, "update_verification_status", status="Approved"),
    ),
    "updateVerificationStatus": (
        lambda m: oid(m.place({"OrderStatus": "Unshipped"}, regulated=REGULATED)),
        lambda m, o: m.verify(o, status="Approved"),
    ),
}


@pytest.mark.parametrize("name", list(CHANGES))
def test_every_change_moves_last_update_date_and_is_seen_by_a_poller(market, name):
    place, change = CHANGES[name]
    order_id = place(market)
    before = market.order(order_id)
    market.advance("10m")
    change(market, order_id)
    changed_at = market.now()
    assert changed_at > T0
    after = market.order(order_id)
    assert after != before
    assert after["LastUpdateDate"] == changed_at
    market.advance("3m")
    assert market.updated_ids(changed_at) == [order_id]
    assert market.updated_ids(T0, to_wire(parse_iso(changed_at) - timedelta(seconds=1))) == []


def test_the_automatic_cancellation_is_an_update_at_its_deadline(market):
    order_id, deadline = _ship_by_tomorrow(market)
    market.advance("10d")
    assert market.updated_ids(deadline) == [order_id]
    assert market.updated_ids(T0, to_wire(parse_iso(deadline) - timedelta(seconds=1))) == []


def test_a_refused_action_is_no_update(market):
    order_id = oid(market.place())
    market.advance("1h")
    error_of(market.act(order_id, "seller_cancel", reason="NoInventory"))
    error_of(market.confirm(order_id, [(market.items(order_id)[0]["OrderItemId"], 1)]))
    assert market.order(order_id)["LastUpdateDate"] == T0


# -- the clock ------------------------------------------------------------------------------------------


def test_the_clock_endpoints(market):
    http = market.http
    assert http.get("/_mock/clock").json() == {"now": T0, "frozen": True}
    assert market.advance("1d2h30m") == {"now": at(timedelta(days=1, hours=2, minutes=30)), "frozen": True}
    assert market.advance("PT31M") == {"now": at(timedelta(days=1, hours=3, minutes=1)), "frozen": True}
    assert market.set_clock("2025-07-01T00:00:00Z") == {"now": "2025-07-01T00:00:00Z", "frozen": True}
    assert market.set_clock("now+1h") == {"now": "2025-07-01T01:00:00Z", "frozen": True}
    frozen = http.post("/_mock/clock/freeze", json={"at": "2025-07-02T00:00:00Z"})
    assert frozen.status_code == 200 and frozen.json() == {"now": "2025-07-02T00:00:00Z", "frozen": True}
    running = http.post("/_mock/clock/unfreeze")
    assert running.status_code == 200
    assert running.json()["frozen"] is False
    assert running.json()["now"] >= "2025-07-02T00:00:00Z"
    state = http.get("/_mock/clock").json()
    assert state["frozen"] is False and state["now"] >= "2025-07-02T00:00:00Z"
    # Time runs on from there, and freezing stops it where it stands.
    again = http.post("/_mock/clock/freeze", json={})
    assert again.status_code == 200 and again.json()["frozen"] is True
    assert again.json()["now"] >= state["now"]
    assert http.get("/_mock/clock").json() == again.json()


@pytest.mark.parametrize("path, status", [("/_mock/clock/freeze", 200), ("/_mock/orders", 201)])
def test_optional_control_bodies_may_be_left_out(market, path, status):
    response = market.http.post(path)
    assert response.status_code == status, response.text


@pytest.mark.parametrize(
    "path, body",
    [
        ("/_mock/clock/set", {"at": "2025-06-15T11:59:59Z"}),
        ("/_mock/clock/set", {"at": "now-1d"}),
        ("/_mock/clock/freeze", {"at": "2025-06-01T00:00:00Z"}),
    ],
)
def test_the_clock_does_not_move_backwards(refusals, path, body):
    message = error_of(refusals.http.post(path, json=body))
    assert "forward" in message and T0 in message
    assert refusals.now() == T0


@pytest.mark.parametrize("by", ["forever", "-5m", "5 minutes", "", "P"])
def test_a_bad_duration_is_refused_naming_it(refusals, by):
    message = error_of(refusals.http.post("/_mock/clock/advance", json={"by": by}))
    assert "by" in message
    assert refusals.now() == T0


def test_bad_clock_requests_are_refused_naming_the_field(refusals):
    assert "at" in error_of(refusals.http.post("/_mock/clock/set", json={"at": "garbage"}))
    assert "at" in error_of(refusals.http.post("/_mock/clock/set", json={}))
    assert "by" in error_of(refusals.http.post("/_mock/clock/advance", json={"by": 5}))
    assert "when" in error_of(refusals.http.post("/_mock/clock/advance", json={"by": "5m", "when": "now"}))
    assert refusals.now() == T0


# -- control plane errors --------------------------------------------------------------------------------


def test_an_unknown_order_is_not_found(refusals):
    message = error_of(refusals.act("999-0000000-0000000", "authorize_payment"), 404, "NotFound")
    assert "999-0000000-0000000" in message


def test_another_sellers_order_is_not_found(market):
    order_id = oid(market.place(seller=OTHER_SELLER))
    error_of(market.act(order_id, "authorize_payment"), 404, "NotFound")
    error_of(market.http.get(f"/orders/v0/orders/{order_id}"), 404, "NotFound")
    assert market.do(order_id, "authorize_payment", OTHER_SELLER)["order"]["OrderStatus"] == "Unshipped"


@pytest.mark.parametrize(
    "body, fragments",
    [
        ({"action": "teleport"}, ["action", "teleport"]),
        ({}, ["action"]),
        ({"action": "seller_cancel", "reason": "Nope"}, ["reason", "Nope"]),
        ({"action": "seller_cancel"}, ["reason"]),
        ({"action": "seller_cancel", "reason": "NoInventory", "note": "x"}, ["note"]),
        ({"action": "seller_cancel", "reason": "NoInventory", "items": "all"}, ["items"]),
        ({"action": "seller_cancel", "reason": "NoInventory", "items": [{"orderItemId": "x", "quantity": 0}]}, ["quantity"]),
        ({"action": "buyer_request_cancellation", "reason": 7}, ["reason"]),
        ({"action": "update_shipment_status", "status": "Lost"}, ["status", "Lost"]),
        ({"action": "confirm_shipment", "codCollectionMethod": "Cash"}, ["codCollectionMethod"]),
    ],
    ids=lambda v: None if isinstance(v, list) else str(v.get("action", "no action")) + "-" + "-".join(sorted(v)),
)
def test_bad_action_requests_are_invalid_input_naming_the_field(refusals, body, fragments):
    order_id = oid(refusals.placed_unshipped())
    response = refusals.http.post(f"/_mock/orders/{order_id}/actions", json=body)
    message = error_of(response)
    assert all(fragment in message for fragment in fragments), (fragments, message)
    assert refusals.order(order_id)["LastUpdateDate"] == T0


def test_an_action_on_an_item_the_order_does_not_have_is_refused(refusals):
    order_id = oid(refusals.placed_unshipped())
    message = error_of(refusals.act(order_id, "seller_cancel", reason="NoInventory", items=["00000000000000"]))
    assert "00000000000000" in message


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({"order": {"OrderStatus": "Shipped"}}, "Shipped"),
        ({"order": {"MarketplaceId": "XX"}}, "XX"),
        ({"items": []}, "items"),
        ({"items": [{"QuantityOrdered": 0}]}, "QuantityOrdered"),
        ({"ordr": {}}, "ordr"),
    ],
)
def test_bad_new_orders_are_invalid_input(refusals, body, fragment):
    message = error_of(refusals.http.post("/_mock/orders", json=body))
    assert fragment in message


def test_the_action_catalogue_lists_every_action(refusals):
    response = refusals.http.get("/_mock/actions")
    assert response.status_code == 200
    names = [a["name"] for a in response.json()["actions"]]
    assert set(names) >= {
        "authorize_payment",
        "buyer_cancel",
        "buyer_request_cancellation",
        "buyer_message",
        "seller_cancel",
        "buy_shipping_label",
        "confirm_shipment",
        "update_shipment_status",
        "update_verification_status",
    }


def test_a_payment_never_authorized_is_cancelled_after_21_days_and_not_held_against_the_seller(market):
    """Seller Central, "The Order Process" (G200200040): "An order gets canceled if payment
    authorization does not succeed", after verification that can last "as long as 21 days";
    "Cancellation Rate" (G200285210): pending orders that are cancelled are not included.
    Amazon's own cancellation for a missed ship-by date, at the same moment, would read (1, 1)."""
    order_id = oid(market.place())
    market.advance("20d23h59m59s")
    assert market.order(order_id)["OrderStatus"] == "Pending"
    market.advance("1d1s")
    order = market.order(order_id)
    assert (order["OrderStatus"], order["LastUpdateDate"]) == ("Canceled", at(timedelta(days=21)))
    assert (order["NumberOfItemsShipped"], order["NumberOfItemsUnshipped"]) == (0, 0)
    # Cancelled at day 21, inside the rate's window (days 15 to 22): still not the seller's.
    rate = market.rate()
    assert (rate["sellerCancelledOrders"], rate["orders"], rate["breached"]) == (0, 0, False)
    assert "is Canceled" in error_of(market.act(order_id, "authorize_payment"))
    market.advance("3m")
    assert order_id in market.updated_ids(at(timedelta(days=21)))


def test_a_misspelt_action_argument_is_named(market):
    order_id = market.placed_unshipped()["order"]["AmazonOrderId"]
    response = market.act(order_id, "seller_cancel", reasn="NoInventory")
    assert response.status_code == 400
    assert "reasn" in response.json()["errors"][0]["message"]
