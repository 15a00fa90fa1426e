"""Fast unit tests of the order lifecycle rules (DESIGN.md section 1), with no HTTP.

Every action is run through ``apply`` or ``refused``, which also check that the document given
is left exactly as it was: readers of the store may hold it while an action runs.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime, timedelta
from functools import cache

import pytest

from spapi_mock.domain import lifecycle, order_factory
from spapi_mock.domain.exceptions import FixtureError, RuleViolation
from spapi_mock.domain.model import TRANSITIONS, OrderStatus
from spapi_mock.domain.policy import Policy
from spapi_mock.kernel.dates import parse_iso, to_wire
from spapi_mock.marketplace.fixtures import build_document, load_fixture_file

from support import PROJECT_ROOT
from support.reference import reference_model

PLACED = datetime(2025, 6, 15, 12, 0, 0, tzinfo=UTC)
LATER = PLACED + timedelta(hours=2)
SELLER = "A1MOCKSELLER00"
US = "ATVPDKIKX0DER"
DE = "A1PA6795UKMFR9"
POLICY = Policy()
# An order placed at PLACED ships by SHIP_BY; Amazon cancels it if still unshipped 7 days later
# (DESIGN.md section 1, rule 8): these dates are written out, never asked of lifecycle.due_at.
SHIP_BY = "2025-06-17T12:00:00Z"
AUTO_CANCEL_AT = "2025-06-24T12:00:00Z"
DEFAULT_FIXTURES = PROJECT_ROOT / "fixtures" / "default"
REGULATED_ORDER = "112-8306889-0912791"


# -- helpers -----------------------------------------------------------------------------------


def make_doc(status: str = "Unshipped", items: list[dict] | None = None, at: datetime = PLACED, **order_fields) -> dict:
    """A stored document for a new order placed at ``at``, checked by the fixture loader."""
    if status == "PendingAvailability":
        # The factory's own "PreOrder" is not in Amazon's enum (see the xfail below).
        order_fields.setdefault("OrderType", "Preorder")
    spec = {"order": {"OrderStatus": status, **order_fields}, "items": items}
    order_id = order_factory.order_id(SELLER, order_fields.get("MarketplaceId", US), to_wire(at), 0)
    return build_document(order_factory.new_order_record(spec, order_id, at), SELLER, at, "test")


def two_items() -> dict:
    """An Unshipped order of one item at 19.99 and two of another at 15.00 each."""
    return make_doc(items=[{}, {"QuantityOrdered": 2, "ItemPrice": {"CurrencyCode": "USD", "Amount": "30.00"}}])


def ids(doc: dict) -> list[str]:
    return [item["OrderItemId"] for item in doc["items"]]


def apply(action, doc: dict, *args, **kwargs) -> dict:
    before = copy.deepcopy(doc)
    new = action(doc, *args, **kwargs)
    assert doc == before, f"{action.__name__} changed the document it was given"
    assert new is not doc
    return new


def refused(action, doc: dict, *args, **kwargs) -> str:
    before = copy.deepcopy(doc)
    with pytest.raises(RuleViolation) as caught:
        action(doc, *args, **kwargs)
    assert doc == before, f"{action.__name__} changed the document it refused"
    return str(caught.value)


def shipment(doc: dict, lines: list[tuple[str, int]] | None = None, *, reference: str = "1", **overrides) -> dict:
    """Amazon's confirmShipment body; ``lines`` default to every open quantity."""
    if lines is None:
        lines = [(i["OrderItemId"], i["QuantityOrdered"] - i["QuantityShipped"]) for i in doc["items"]]
        lines = [(item_id, quantity) for item_id, quantity in lines if quantity > 0]
    package = {
        "packageReferenceId": reference,
        "carrierCode": "UPS",
        "trackingNumber": f"1Z999AA1{reference}",
        "shipDate": to_wire(LATER),
        "orderItems": [{"orderItemId": item_id, "quantity": quantity} for item_id, quantity in lines],
    }
    package.update(overrides.pop("package", {}))
    return {"marketplaceId": doc["order"]["MarketplaceId"], "packageDetail": package, **overrides}


def ship_all(doc: dict, at: datetime = LATER) -> dict:
    return apply(lifecycle.confirm_shipment, doc, at, POLICY, shipment(doc))


def in_status(status: str) -> dict:
    """A document in ``status``, reached the way a real order reaches it."""
    if status in ("Pending", "PendingAvailability", "Unshipped"):
        return make_doc(status)
    if status == "Shipped":
        return ship_all(make_doc())
    if status == "PartiallyShipped":
        doc = two_items()
        return apply(lifecycle.confirm_shipment, doc, LATER, POLICY, shipment(doc, [(ids(doc)[0], 1)]))
    if status == "Canceled":
        return apply(lifecycle.buyer_cancel, make_doc(), PLACED + timedelta(minutes=5), POLICY)
    raise AssertionError(status)


def last_event(doc: dict) -> dict:
    return doc["history"][-1]


def flags(doc: dict) -> list[dict]:
    return [item["BuyerRequestedCancel"] for item in doc["items"]]


def requested(doc: dict, at: datetime = LATER, reason: str = "Order Created By Mistake", items=None) -> dict:
    return apply(lifecycle.request_cancellation, doc, at, POLICY, reason, items)


@cache
def _regulated_fixture() -> dict:
    docs = load_fixture_file(DEFAULT_FIXTURES / "na.yaml", PLACED)
    return next(doc for doc in docs if doc["order"]["AmazonOrderId"] == REGULATED_ORDER)


def regulated_doc() -> dict:
    """The default fixtures' regulated (pet prescription) order, Unshipped and awaiting verification."""
    return copy.deepcopy(_regulated_fixture())


def verification(**update) -> dict:
    return {"regulatedOrderVerificationStatus": {"externalReviewerId": "reviewer-7", **update}}


# -- payment -----------------------------------------------------------------------------------


def test_authorize_payment_moves_pending_to_unshipped():
    doc = make_doc("Pending")
    new = apply(lifecycle.authorize_payment, doc, LATER, POLICY)
    assert new["order"]["OrderStatus"] == "Unshipped"
    assert new["order"]["LastUpdateDate"] == to_wire(LATER)
    assert last_event(new) == {"at": to_wire(LATER), "event": "PaymentAuthorized", "status": "Unshipped"}
    # Only now can Amazon's automatic cancellation clock start, from a ship-by date counted
    # from the authorization (two hours after purchase here).
    assert new["order"]["LatestShipDate"] == to_wire(LATER + timedelta(days=2))
    assert new["due_at"] == to_wire(LATER + timedelta(days=2) + POLICY.auto_cancel_after)


def test_authorize_payment_of_a_preorder_says_to_release_it_first():
    message = refused(lifecycle.authorize_payment, make_doc("PendingAvailability"), LATER, POLICY)
    assert "is PendingAvailability" in message and "release_preorder" in message


@pytest.mark.parametrize("status", ["Unshipped", "PartiallyShipped", "Shipped", "Canceled"])
def test_authorize_payment_is_refused_once_payment_is_past(status):
    doc = in_status(status)
    message = refused(lifecycle.authorize_payment, doc, LATER, POLICY)
    assert message.startswith(f"Order {doc['order']['AmazonOrderId']} is {status}: only a Pending order")


def test_release_preorder_moves_to_pending_and_then_payment_can_be_authorized():
    released = apply(lifecycle.release_preorder, make_doc("PendingAvailability"), LATER, POLICY)
    assert released["order"]["OrderStatus"] == "Pending"
    assert last_event(released)["event"] == "PreorderReleased"
    assert apply(lifecycle.authorize_payment, released, LATER, POLICY)["order"]["OrderStatus"] == "Unshipped"


@pytest.mark.parametrize("status", ["Pending", "Unshipped"])
def test_release_preorder_is_only_for_preorders(status):
    assert "only a PendingAvailability (pre-order) order can be released" in refused(
        lifecycle.release_preorder, make_doc(status), LATER, POLICY
    )


@pytest.mark.parametrize("status", ["Pending", "PendingAvailability"])
def test_declined_payment_is_an_amazon_cancellation_that_does_not_count(status):
    new = apply(lifecycle.decline_payment, make_doc(status), LATER, POLICY)
    assert new["order"]["OrderStatus"] == "Canceled"
    record = new["cancellations"][-1]
    assert (record["by"], record["reason"], record["counts_against_seller"]) == ("AMAZON", "PaymentNotAuthorized", False)
    assert "OrderTotal" not in new["order"]


def test_payment_cannot_be_declined_once_authorized():
    assert "only an order waiting for payment" in refused(lifecycle.decline_payment, make_doc("Unshipped"), LATER, POLICY)


# -- payment: late authorization and the 21-day limit -------------------------------------------
#
# Amazon's Seller Central help, "Pending orders" (G40571): "our payment and order detail
# verification processes can potentially extend order processing times for as long as 21 days"
# and "You won't be able to confirm shipment of an order until the order status changes from
# Pending to Unshipped"; "The Order Process" (G200200040): when payment is verified Amazon
# changes the status to Unshipped and sends the buyer an order confirmation with the estimated
# delivery date, and "An order gets canceled if payment authorization does not succeed".


def _promises(doc: dict) -> dict[str, str]:
    return {name: doc["order"][name] for name in lifecycle.PROMISE_DATES}


def test_a_late_authorization_leaves_the_seller_the_orders_full_handling_time():
    """Payment authorized 10 days after purchase (Amazon allows up to 21): the ship-by and
    delivery dates count from the authorization, so the seller has the 2 days to ship that
    the order promised, and Amazon's automatic cancellation is 7 days after that, not at once."""
    doc = make_doc("Pending")
    assert _promises(doc) == {
        "EarliestShipDate": "2025-06-15T12:00:00Z",
        "LatestShipDate": "2025-06-17T12:00:00Z",
        "EarliestDeliveryDate": "2025-06-18T12:00:00Z",
        "LatestDeliveryDate": "2025-06-22T12:00:00Z",
    }
    authorized_at = PLACED + timedelta(days=10)
    new = apply(lifecycle.authorize_payment, doc, authorized_at, POLICY)
    assert _promises(new) == {
        "EarliestShipDate": "2025-06-25T12:00:00Z",
        "LatestShipDate": "2025-06-27T12:00:00Z",
        "EarliestDeliveryDate": "2025-06-28T12:00:00Z",
        "LatestDeliveryDate": "2025-07-02T12:00:00Z",
    }
    assert new["due_at"] == "2025-07-04T12:00:00Z"
    assert new["due_at"] > to_wire(authorized_at)
    shipped = apply(lifecycle.confirm_shipment, new, authorized_at + timedelta(days=1), POLICY, shipment(new))
    assert shipped["order"]["OrderStatus"] == "Shipped" and shipped["due_at"] is None


def test_an_authorization_at_purchase_moves_no_date():
    doc = make_doc("Pending")
    assert _promises(apply(lifecycle.authorize_payment, doc, PLACED, POLICY)) == _promises(doc)


def test_a_released_preorder_waits_for_payment_from_its_release():
    """A pre-order's promises are about its release, not its purchase: only the time payment
    took after the release moves them, and the 21 days count from the release."""
    doc = make_doc("PendingAvailability", LatestShipDate="2025-07-17T12:00:00Z")
    released_at = PLACED + timedelta(days=30)
    released = apply(lifecycle.release_preorder, doc, released_at, POLICY)
    assert lifecycle.due_at(released, POLICY) == to_wire(released_at + timedelta(days=21))
    new = apply(lifecycle.authorize_payment, released, released_at + timedelta(days=1), POLICY)
    assert new["order"]["LatestShipDate"] == "2025-07-18T12:00:00Z"
    assert "awaiting_payment_since" not in new


def test_a_payment_never_authorized_is_cancelled_after_21_days_at_no_cost_to_the_seller():
    doc = make_doc("Pending")
    due = lifecycle.due_at(doc, POLICY)
    assert due == to_wire(PLACED + timedelta(days=21))
    new = apply(lifecycle.apply_due, doc, parse_iso(due), POLICY)
    assert new["order"]["OrderStatus"] == "Canceled"
    assert new["order"]["LastUpdateDate"] == due
    record = new["cancellations"][-1]
    assert (record["by"], record["reason"], record["counts_against_seller"], record["at"]) == (
        "AMAZON",
        "PaymentNotAuthorized",
        False,
        due,
    )
    assert new["due_at"] is None
    assert "is Canceled" in refused(lifecycle.authorize_payment, new, parse_iso(due), POLICY)


def test_the_time_allowed_for_payment_is_policy():
    assert lifecycle.due_at(make_doc("Pending"), Policy(payment_authorization_timeout=timedelta(days=3))) == to_wire(
        PLACED + timedelta(days=3)
    )


def test_what_comes_due_on_an_order_waiting_to_ship_is_the_automatic_cancellation():
    doc = make_doc(LatestShipDate=SHIP_BY)
    assert lifecycle.due_at(doc, POLICY) == AUTO_CANCEL_AT
    new = apply(lifecycle.apply_due, doc, parse_iso(AUTO_CANCEL_AT), POLICY)
    assert new["order"]["OrderStatus"] == "Canceled"
    record = new["cancellations"][-1]
    assert (record["by"], record["reason"], record["counts_against_seller"], record["at"]) == (
        "AMAZON",
        "ShipmentNotConfirmedInTime",
        True,
        AUTO_CANCEL_AT,
    )


# -- buyer self-cancel -------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["Pending", "Unshipped"])
def test_buyer_cancels_inside_the_window_at_no_cost_to_the_seller(status):
    doc = make_doc(status, items=[{"QuantityOrdered": 2}, {}])
    at = PLACED + timedelta(minutes=29, seconds=59)
    new = apply(lifecycle.buyer_cancel, doc, at, POLICY)
    order = new["order"]
    assert order["OrderStatus"] == "Canceled"
    assert "OrderTotal" not in order
    assert [item["QuantityOrdered"] for item in new["items"]] == [0, 0]
    assert (order["NumberOfItemsShipped"], order["NumberOfItemsUnshipped"]) == (0, 0)
    assert order["LastUpdateDate"] == to_wire(at)
    record = new["cancellations"][-1]
    assert record["by"] == "BUYER" and record["counts_against_seller"] is False
    assert record["items"] == {ids(doc)[0]: 2, ids(doc)[1]: 1}
    assert last_event(new)["event"] == "Canceled" and last_event(new)["by"] == "BUYER"
    assert new["due_at"] is None


@pytest.mark.parametrize("after", [timedelta(minutes=30), timedelta(days=3)])
def test_buyer_cannot_self_cancel_once_the_window_closed(after):
    message = refused(lifecycle.buyer_cancel, make_doc(), PLACED + after, POLICY)
    assert "window closed at 2025-06-15T12:30:00Z" in message
    assert "30 minutes after purchase" in message and "request_cancellation" in message


def test_buyer_cancels_a_preorder_at_any_time_before_release():
    new = apply(lifecycle.buyer_cancel, make_doc("PendingAvailability"), PLACED + timedelta(days=40), POLICY)
    assert new["order"]["OrderStatus"] == "Canceled"
    assert new["cancellations"][-1]["counts_against_seller"] is False


@pytest.mark.parametrize("status", ["Shipped", "PartiallyShipped"])
def test_buyer_cannot_cancel_what_has_shipped(status):
    message = refused(lifecycle.buyer_cancel, in_status(status), PLACED + timedelta(minutes=1), POLICY)
    assert "return it for a refund" in message


def test_the_self_cancel_window_is_policy():
    doc = make_doc()
    five = Policy(buyer_self_cancel_window=timedelta(minutes=5))
    at = PLACED + timedelta(minutes=6)
    message = refused(lifecycle.buyer_cancel, doc, at, five)
    assert "closed at 2025-06-15T12:05:00Z (5 minutes after purchase)" in message
    # Under the default 30 minutes the same moment is still inside the window, both ways round.
    assert apply(lifecycle.buyer_cancel, doc, at, POLICY)["order"]["OrderStatus"] == "Canceled"
    refused(lifecycle.request_cancellation, doc, at, POLICY, "Changed my mind")
    assert flags(apply(lifecycle.request_cancellation, doc, at, five, "Changed my mind"))[0]["IsBuyerRequestedCancel"] == "true"


# -- buyer cancellation request ----------------------------------------------------------------


@pytest.mark.parametrize("after", [timedelta(0), timedelta(minutes=29, seconds=59)])
def test_no_request_inside_the_window_the_buyer_cancels_directly(after):
    message = refused(lifecycle.request_cancellation, make_doc(), PLACED + after, POLICY, "Order Created By Mistake")
    assert "until 2025-06-15T12:30:00Z" in message and "buyer_cancel" in message


def test_a_formal_request_flags_every_item_and_moves_last_update_date():
    doc = two_items()
    at = PLACED + timedelta(minutes=30)
    new = requested(doc, at)
    assert flags(new) == [{"IsBuyerRequestedCancel": "true", "BuyerCancelReason": "Order Created By Mistake"}] * 2
    assert new["order"]["OrderStatus"] == "Unshipped"
    assert new["order"]["LastUpdateDate"] == to_wire(at) != doc["order"]["LastUpdateDate"]
    assert new["cancel_requests"] == [
        {"at": to_wire(at), "formal": True, "reason": "Order Created By Mistake", "items": sorted(ids(doc))}
    ]
    assert last_event(new)["event"] == "BuyerRequestedCancel"


def test_a_request_for_some_items_flags_only_those():
    doc = two_items()
    new = requested(doc, reason="Found a better price", items=[ids(doc)[1]])
    assert flags(new) == [
        {"IsBuyerRequestedCancel": "false"},
        {"IsBuyerRequestedCancel": "true", "BuyerCancelReason": "Found a better price"},
    ]
    assert new["cancel_requests"][-1]["items"] == [ids(doc)[1]]


def test_a_request_needs_a_reason():
    assert "needs a reason" in refused(lifecycle.request_cancellation, make_doc(), LATER, POLICY, "  ")


def test_a_request_names_only_items_of_the_order():
    message = refused(lifecycle.request_cancellation, make_doc(), LATER, POLICY, "Changed my mind", ["99999999999999"])
    assert "has no item 99999999999999" in message


def test_a_shipped_order_cannot_have_cancellation_requested():
    message = refused(lifecycle.request_cancellation, in_status("Shipped"), LATER, POLICY, "Changed my mind")
    assert "is Shipped" in message and "must return it for a refund" in message


def test_a_cancellation_asked_for_in_a_message_sets_no_flag_and_is_no_update():
    doc = make_doc()
    new = apply(lifecycle.message_cancellation, doc, LATER, POLICY, "pls cancel, bought twice")
    assert flags(new) == [{"IsBuyerRequestedCancel": "false"}]
    assert new["order"] == doc["order"]
    assert new["cancel_requests"] == [{"at": to_wire(LATER), "formal": False, "reason": "pls cancel, bought twice", "items": []}]
    assert last_event(new)["event"] == "BuyerMessage"
    # Informal, so cancelling in answer to it is the seller's own cancellation.
    cancelled = apply(lifecycle.seller_cancel, new, LATER, POLICY, "BuyerCanceled")
    assert cancelled["cancellations"][-1]["counts_against_seller"] is True


# -- seller cancellation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "why"),
    [
        ("Pending", "payment is not yet authorized"),
        ("PendingAvailability", "payment is not yet authorized"),
        ("Shipped", "the buyer must return it for a refund"),
        ("PartiallyShipped", "the buyer must return it for a refund"),
        ("Canceled", "only Unshipped orders can be cancelled by the seller."),
    ],
)
def test_the_seller_cancels_only_unshipped_orders(status, why):
    doc = in_status(status)
    message = refused(lifecycle.seller_cancel, doc, LATER, POLICY, "NoInventory")
    assert message.startswith(f"Order {doc['order']['AmazonOrderId']} is {status}: only Unshipped orders can be cancelled")
    assert why in message


def test_the_seller_must_give_a_known_reason():
    message = refused(lifecycle.seller_cancel, make_doc(), LATER, POLICY, "OutOfStock")
    assert "Invalid cancel reason 'OutOfStock'" in message and "NoInventory" in message


def test_buyer_canceled_in_answer_to_a_formal_request_does_not_count():
    new = apply(lifecycle.seller_cancel, requested(make_doc()), LATER, POLICY, "BuyerCanceled")
    assert new["order"]["OrderStatus"] == "Canceled"
    record = new["cancellations"][-1]
    assert record["by"] == "MERCHANT"
    assert record["answers_buyer_request"] is True and record["counts_against_seller"] is False


def test_buyer_canceled_without_a_request_counts_against_the_seller():
    record = apply(lifecycle.seller_cancel, make_doc(), LATER, POLICY, "BuyerCanceled")["cancellations"][-1]
    assert record["answers_buyer_request"] is False and record["counts_against_seller"] is True


def test_no_inventory_counts_even_when_the_buyer_asked_to_cancel():
    record = apply(lifecycle.seller_cancel, requested(make_doc()), LATER, POLICY, "NoInventory")["cancellations"][-1]
    assert record["reason"] == "NoInventory" and record["counts_against_seller"] is True


def test_answering_a_request_for_one_item_by_cancelling_the_whole_order_counts():
    doc = two_items()
    asked = requested(doc, items=[ids(doc)[0]])
    record = apply(lifecycle.seller_cancel, asked, LATER, POLICY, "BuyerCanceled")["cancellations"][-1]
    assert record["counts_against_seller"] is True


def test_partial_cancellation_then_shipping_the_rest():
    doc = two_items()
    assert doc["order"]["OrderTotal"]["Amount"] == "49.99"
    first, second = ids(doc)
    partly = apply(lifecycle.seller_cancel, doc, LATER, POLICY, "NoInventory", [first])
    order = partly["order"]
    assert order["OrderStatus"] == "Unshipped"
    assert [item["QuantityOrdered"] for item in partly["items"]] == [0, 2]
    assert partly["items"][0]["ItemPrice"]["Amount"] == "0.00"
    assert order["OrderTotal"] == {"CurrencyCode": "USD", "Amount": "30.00"}
    assert (order["NumberOfItemsShipped"], order["NumberOfItemsUnshipped"]) == (0, 2)
    assert partly["cancellations"][-1]["items"] == {first: 1}
    assert last_event(partly)["event"] == "ItemsCanceled"
    # What is left still has to ship in time: 7 days after the ship-by date the order came with.
    assert partly["due_at"] == to_wire(parse_iso(doc["order"]["LatestShipDate"]) + timedelta(days=7))

    shipped = apply(lifecycle.confirm_shipment, partly, LATER, POLICY, shipment(partly))
    assert shipped["order"]["OrderStatus"] == "Shipped"
    assert (shipped["order"]["NumberOfItemsShipped"], shipped["order"]["NumberOfItemsUnshipped"]) == (2, 0)
    assert shipped["packages"][-1]["items"] == {second: 2}
    assert shipped["order"]["OrderTotal"]["Amount"] == "30.00"


def test_cancelling_part_of_a_line_charges_only_what_is_left():
    doc = make_doc(
        items=[
            {
                "QuantityOrdered": 3,
                "ItemPrice": {"CurrencyCode": "USD", "Amount": "30.00"},
                "ItemTax": {"CurrencyCode": "USD", "Amount": "2.40"},
                "PromotionDiscount": {"CurrencyCode": "USD", "Amount": "3.00"},
            }
        ],
        OrderTotal={"CurrencyCode": "USD", "Amount": "29.40"},
    )
    item_id = ids(doc)[0]
    new = apply(lifecycle.seller_cancel, doc, LATER, POLICY, "NoInventory", [{"orderItemId": item_id, "quantity": 1}])
    item = new["items"][0]
    assert item["QuantityOrdered"] == 2
    assert (item["ItemPrice"]["Amount"], item["ItemTax"]["Amount"], item["PromotionDiscount"]["Amount"]) == (
        "20.00",
        "1.60",
        "2.00",
    )
    # 10.00 of price and 0.80 of tax leave, and so does 1.00 of the discount.
    assert new["order"]["OrderTotal"]["Amount"] == "19.60"
    assert new["order"]["NumberOfItemsUnshipped"] == 2


def test_a_partial_answer_to_a_partial_request_does_not_count():
    doc = two_items()
    second = ids(doc)[1]
    new = apply(lifecycle.seller_cancel, requested(doc, items=[second]), LATER, POLICY, "BuyerCanceled", [second])
    assert new["order"]["OrderStatus"] == "Unshipped"
    assert new["cancellations"][-1]["counts_against_seller"] is False
    assert [item["QuantityOrdered"] for item in new["items"]] == [1, 0]


def test_the_seller_cannot_cancel_more_than_is_open():
    doc = make_doc()
    message = refused(lifecycle.seller_cancel, doc, LATER, POLICY, "NoInventory", [{"orderItemId": ids(doc)[0], "quantity": 2}])
    assert "cannot cancel 2; only 1 of it is neither shipped nor cancelled" in message


def test_once_a_label_is_bought_the_seller_cannot_cancel():
    labelled = apply(lifecycle.buy_shipping_label, make_doc(), LATER, POLICY)
    assert labelled["shipping_label"] is True
    assert last_event(labelled)["event"] == "ShippingLabelPurchased"
    assert labelled["order"]["LastUpdateDate"] == to_wire(LATER)
    message = refused(lifecycle.seller_cancel, labelled, LATER, POLICY, "NoInventory")
    assert "shipping label has been bought" in message
    assert "already exists" in refused(lifecycle.buy_shipping_label, labelled, LATER, POLICY)


# -- confirmShipment ---------------------------------------------------------------------------


def test_confirming_every_item_ships_the_order():
    doc = two_items()
    request = shipment(doc, reference="PKG-1")
    sent = copy.deepcopy(request)
    new = apply(lifecycle.confirm_shipment, doc, LATER, POLICY, request)
    assert request == sent
    order = new["order"]
    assert order["OrderStatus"] == "Shipped"
    assert [item["QuantityShipped"] for item in new["items"]] == [1, 2]
    assert (order["NumberOfItemsShipped"], order["NumberOfItemsUnshipped"]) == (3, 0)
    assert order["LastUpdateDate"] == to_wire(LATER)
    package = new["packages"][-1]
    assert (package["packageReferenceId"], package["carrierCode"], package["trackingNumber"]) == ("PKG-1", "UPS", "1Z999AA1PKG-1")
    assert package["shipDate"] == to_wire(LATER)
    assert last_event(new)["event"] == "ShipmentConfirmed"
    # A shipped order is out of reach of the automatic cancellation.
    assert lifecycle.due_at(doc, POLICY) == to_wire(parse_iso(doc["order"]["LatestShipDate"]) + timedelta(days=7))
    assert new["due_at"] is None


def test_confirming_some_items_partially_ships_then_the_rest_ships():
    doc = two_items()
    first, second = ids(doc)
    partly = apply(lifecycle.confirm_shipment, doc, LATER, POLICY, shipment(doc, [(first, 1), (second, 1)], reference="1"))
    assert partly["order"]["OrderStatus"] == "PartiallyShipped"
    assert [item["QuantityShipped"] for item in partly["items"]] == [1, 1]
    assert (partly["order"]["NumberOfItemsShipped"], partly["order"]["NumberOfItemsUnshipped"]) == (2, 1)
    # What is not shipped yet is still cancelled 7 days after the ship-by date.
    assert partly["due_at"] == to_wire(parse_iso(doc["order"]["LatestShipDate"]) + timedelta(days=7))

    done = apply(lifecycle.confirm_shipment, partly, LATER, POLICY, shipment(partly, [(second, 1)], reference="2"))
    assert done["order"]["OrderStatus"] == "Shipped"
    assert (done["order"]["NumberOfItemsShipped"], done["order"]["NumberOfItemsUnshipped"]) == (3, 0)
    assert [p["packageReferenceId"] for p in done["packages"]] == ["1", "2"]


@cache
def _shipment_refusals() -> dict[str, tuple[dict, dict, str]]:
    """case: (document, request, a fragment the message must contain). Shared: no action changes them."""
    unshipped = two_items()
    first, second = ids(unshipped)
    shipped_once = apply(lifecycle.confirm_shipment, unshipped, LATER, POLICY, shipment(unshipped, [(first, 1)], reference="A"))
    pending = make_doc("Pending")
    cancelled = in_status("Canceled")
    afn = make_doc(FulfillmentChannel="AFN")
    cases = [
        ("pending", pending, shipment(pending), "is Pending: payment is not yet authorized"),
        (
            "cancelled",
            cancelled,
            shipment(cancelled, [(ids(cancelled)[0], 1)]),
            "is Canceled: a cancelled order cannot be shipped",
        ),
        ("afn", afn, shipment(afn), "fulfilled by Amazon (AFN)"),
        ("marketplace", unshipped, {**shipment(unshipped), "marketplaceId": DE}, f"belongs to marketplace {US}, not {DE}"),
        ("unknown item", unshipped, shipment(unshipped, [("12345678901234", 1)]), "has no item 12345678901234"),
        (
            "too many",
            unshipped,
            shipment(unshipped, [(second, 3)]),
            "cannot ship 3; only 2 of it are neither shipped nor cancelled",
        ),
        ("shipped item", shipped_once, shipment(shipped_once, [(first, 1)], reference="B"), "cannot ship 1; only 0"),
        ("same package", shipped_once, shipment(shipped_once, [(second, 1)], reference="A"), "package A was already confirmed"),
        (
            "ship date",
            unshipped,
            shipment(unshipped, package={"shipDate": "2025-06-15T11:59:59Z"}),
            "2025-06-15T11:59:59Z is before the order's PurchaseDate 2025-06-15T12:00:00Z",
        ),
        ("no items", unshipped, shipment(unshipped, []), "at least one item"),
        ("zero", unshipped, shipment(unshipped, [(first, 0)]), "0 is not a positive whole number"),
    ]
    return {name: rest for name, *rest in cases}


SHIPMENT_REFUSALS = [
    "pending",
    "cancelled",
    "afn",
    "marketplace",
    "unknown item",
    "too many",
    "shipped item",
    "same package",
    "ship date",
    "no items",
    "zero",
]


@pytest.mark.parametrize("case", SHIPMENT_REFUSALS)
def test_confirm_shipment_refusals(case):
    doc, body, fragment = _shipment_refusals()[case]
    assert fragment in refused(lifecycle.confirm_shipment, doc, LATER, POLICY, body)


def test_an_already_shipped_order_cannot_be_confirmed_again():
    doc = in_status("Shipped")
    assert "already been confirmed as shipped" in refused(
        lifecycle.confirm_shipment, doc, LATER, POLICY, shipment(doc, [], reference="9")
    )


# -- Easy Ship: updateShipmentStatus -----------------------------------------------------------


def easy_ship() -> dict:
    return make_doc(EasyShipShipmentStatus="PendingSchedule")


def pickup(doc: dict, status: str, **extra) -> dict:
    return {"marketplaceId": doc["order"]["MarketplaceId"], "shipmentStatus": status, **extra}


def test_ready_for_pickup_awaits_the_carrier_and_stops_seller_cancellation():
    doc = easy_ship()
    new = apply(lifecycle.update_shipment_status, doc, LATER, POLICY, pickup(doc, "ReadyForPickup"))
    assert new["order"]["EasyShipShipmentStatus"] == "PendingPickUp"
    assert new["order"]["OrderStatus"] == "Unshipped"
    assert new["order"]["LastUpdateDate"] == to_wire(LATER)
    assert last_event(new)["event"] == "ShipmentStatusUpdated" and last_event(new)["shipmentStatus"] == "ReadyForPickup"
    assert "shipping label" in refused(lifecycle.seller_cancel, new, LATER, POLICY, "NoInventory")


def test_picked_up_ships_every_open_item():
    doc = make_doc(items=[{"QuantityOrdered": 2}, {}], EasyShipShipmentStatus="PendingPickUp")
    new = apply(lifecycle.update_shipment_status, doc, LATER, POLICY, pickup(doc, "PickedUp"))
    assert new["order"]["EasyShipShipmentStatus"] == "PickedUp"
    assert new["order"]["OrderStatus"] == "Shipped"
    assert [item["QuantityShipped"] for item in new["items"]] == [2, 1]
    assert (new["order"]["NumberOfItemsShipped"], new["order"]["NumberOfItemsUnshipped"]) == (3, 0)


def test_picked_up_with_some_items_partially_ships():
    doc = make_doc(items=[{"QuantityOrdered": 2}, {}], EasyShipShipmentStatus="PendingPickUp")
    request = pickup(doc, "PickedUp", orderItems=[{"orderItemId": ids(doc)[1], "quantity": 1}])
    new = apply(lifecycle.update_shipment_status, doc, LATER, POLICY, request)
    assert new["order"]["OrderStatus"] == "PartiallyShipped"
    assert [item["QuantityShipped"] for item in new["items"]] == [0, 1]


def test_a_refused_pickup_must_be_scheduled_again_and_the_seller_may_cancel():
    doc = easy_ship()
    ready = apply(lifecycle.update_shipment_status, doc, LATER, POLICY, pickup(doc, "ReadyForPickup"))
    again = apply(lifecycle.update_shipment_status, ready, LATER, POLICY, pickup(ready, "RefusedPickup"))
    assert again["order"]["EasyShipShipmentStatus"] == "PendingSchedule"
    assert apply(lifecycle.seller_cancel, again, LATER, POLICY, "NoInventory")["order"]["OrderStatus"] == "Canceled"


def test_only_easy_ship_orders_have_a_pickup():
    doc = make_doc()
    assert "not an Easy Ship order" in refused(
        lifecycle.update_shipment_status, doc, LATER, POLICY, pickup(doc, "ReadyForPickup")
    )


def test_pickup_status_is_checked_against_the_marketplace():
    doc = easy_ship()
    request = {**pickup(doc, "ReadyForPickup"), "marketplaceId": DE}
    assert "Invalid marketplaceId" in refused(lifecycle.update_shipment_status, doc, LATER, POLICY, request)


# -- regulated orders: updateVerificationStatus ------------------------------------------------


def test_the_seller_approves_a_regulated_order():
    doc = regulated_doc()
    new = apply(lifecycle.update_verification_status, doc, LATER, POLICY, verification(status="Approved"))
    status = new["regulated"]["RegulatedOrderVerificationStatus"]
    assert status["Status"] == "Approved" and status["RequiresMerchantAction"] is False
    assert (status["ExternalReviewerId"], status["ReviewDate"]) == ("reviewer-7", to_wire(LATER))
    assert "RejectionReason" not in status
    assert new["order"]["LastUpdateDate"] == to_wire(LATER)
    assert (last_event(new)["at"], last_event(new)["event"]) == (to_wire(LATER), "VerificationStatusUpdated")


def test_a_rejection_carries_one_of_the_orders_valid_reasons():
    doc = regulated_doc()
    new = apply(
        lifecycle.update_verification_status,
        doc,
        LATER,
        POLICY,
        verification(status="Rejected", rejectionReasonId="pets_rx_sc_no_vcpr"),
    )
    status = new["regulated"]["RegulatedOrderVerificationStatus"]
    assert status["Status"] == "Rejected"
    assert status["RejectionReason"]["RejectionReasonId"] == "pets_rx_sc_no_vcpr"
    assert status["RejectionReason"]["RejectionReasonDescription"].startswith("Canceled order due to veterinarian")


@pytest.mark.parametrize(
    ("update", "fragment"),
    [
        ({"status": "Rejected"}, "a rejection needs one of the order's ValidRejectionReasons"),
        (
            {"status": "Rejected", "rejectionReasonId": "because"},
            "valid reasons are pets_rx_sc_incorrect_product, pets_rx_sc_no_vcpr",
        ),
        ({"status": "Approved", "rejectionReasonId": "pets_rx_sc_no_vcpr"}, "only when the status is Rejected"),
        ({"status": "Pending"}, "only set Approved or Rejected"),
        ({}, "give a status, verificationDetails, or both"),
    ],
)
def test_invalid_verification_updates_are_refused(update, fragment):
    assert fragment in refused(lifecycle.update_verification_status, regulated_doc(), LATER, POLICY, verification(**update))


def test_a_decided_verification_cannot_change():
    approved = apply(lifecycle.update_verification_status, regulated_doc(), LATER, POLICY, verification(status="Approved"))
    message = refused(
        lifecycle.update_verification_status,
        approved,
        LATER,
        POLICY,
        verification(status="Rejected", rejectionReasonId="pets_rx_sc_other"),
    )
    assert f"Order {REGULATED_ORDER}: verification is already Approved" in message


def test_an_order_without_regulated_items_has_no_verification():
    message = refused(lifecycle.update_verification_status, make_doc(), LATER, POLICY, verification(status="Approved"))
    assert "has no regulated items" in message


# -- automatic cancellation --------------------------------------------------------------------


def test_an_unshipped_mfn_order_is_due_a_week_after_its_latest_ship_date():
    doc = make_doc(LatestShipDate="2025-06-17T12:00:00Z")
    assert lifecycle.due_at(doc, POLICY) == "2025-06-24T12:00:00Z"
    assert lifecycle.due_at(doc, Policy(auto_cancel_after=timedelta(days=30))) == "2025-07-17T12:00:00Z"
    refreshed = apply(lifecycle.refresh_due, doc, POLICY)
    assert refreshed["due_at"] == "2025-06-24T12:00:00Z"


def _without_ship_by_date() -> dict:
    doc = make_doc()
    del doc["order"]["LatestShipDate"]
    return doc


NEVER_DUE = {
    "afn": lambda: make_doc(FulfillmentChannel="AFN"),
    "pre-order": lambda: make_doc("PendingAvailability"),
    "no ship-by date": _without_ship_by_date,
    "shipped": lambda: in_status("Shipped"),
    "cancelled": lambda: in_status("Canceled"),
}


@pytest.mark.parametrize("case", list(NEVER_DUE))
def test_orders_amazon_never_cancels_automatically(case):
    assert lifecycle.due_at(NEVER_DUE[case](), POLICY) is None


def test_automatic_cancellation_is_amazons_and_counts_against_the_seller():
    doc = make_doc(LatestShipDate=SHIP_BY)
    at = parse_iso(AUTO_CANCEL_AT)
    new = apply(lifecycle.auto_cancel, doc, at, POLICY)
    assert new["order"]["OrderStatus"] == "Canceled"
    assert new["order"]["LastUpdateDate"] == to_wire(at)
    record = new["cancellations"][-1]
    assert (record["by"], record["reason"], record["counts_against_seller"]) == ("AMAZON", "ShipmentNotConfirmedInTime", True)
    assert record["at"] == to_wire(at)
    assert new["due_at"] is None


# -- every change is an update -----------------------------------------------------------------


CHANGES = {
    "authorize_payment": ("Pending", lambda d: lifecycle.authorize_payment(d, LATER, POLICY)),
    "release_preorder": ("PendingAvailability", lambda d: lifecycle.release_preorder(d, LATER, POLICY)),
    "decline_payment": ("Pending", lambda d: lifecycle.decline_payment(d, LATER, POLICY)),
    "buyer_cancel": ("Unshipped", lambda d: lifecycle.buyer_cancel(d, PLACED + timedelta(minutes=10), POLICY)),
    "request_cancellation": ("Unshipped", lambda d: lifecycle.request_cancellation(d, LATER, POLICY, "Changed my mind")),
    "seller_cancel": ("Unshipped", lambda d: lifecycle.seller_cancel(d, LATER, POLICY, "NoInventory")),
    "buy_shipping_label": ("Unshipped", lambda d: lifecycle.buy_shipping_label(d, LATER, POLICY)),
    "confirm_shipment": ("Unshipped", lambda d: lifecycle.confirm_shipment(d, LATER, POLICY, shipment(d))),
    "auto_cancel": ("Unshipped", lambda d: lifecycle.auto_cancel(d, LATER, POLICY)),
}


@pytest.mark.parametrize("name", list(CHANGES))
def test_every_change_moves_last_update_date_and_is_recorded(name):
    status, change = CHANGES[name]
    doc = make_doc(status)
    before = copy.deepcopy(doc)
    new = change(doc)
    assert doc == before
    stamp = to_wire(PLACED + timedelta(minutes=10)) if name == "buyer_cancel" else to_wire(LATER)
    assert doc["order"]["LastUpdateDate"] == to_wire(PLACED) != stamp
    assert new["order"]["LastUpdateDate"] == stamp
    assert new["history"][:-1] == doc["history"]
    assert new["history"][-1]["at"] == stamp
    assert new["history"][-1]["status"] == new["order"]["OrderStatus"]


def test_a_clock_set_back_does_not_make_an_order_look_older():
    doc = requested(make_doc(), at=LATER)
    new = apply(lifecycle.seller_cancel, doc, LATER - timedelta(minutes=5), POLICY, "BuyerCanceled")
    assert new["order"]["LastUpdateDate"] == to_wire(LATER)


# -- the status machine: one table the rules read ----------------------------------------------

S = OrderStatus


def reached(status: str, **order_fields) -> dict:
    """A document of three items in ``status``, reached the way a real order reaches it (one
    item shipped when PartiallyShipped)."""
    if status in (S.PENDING, S.PENDING_AVAILABILITY, S.UNSHIPPED):
        return make_doc(status, items=[{}, {}, {}], **order_fields)
    doc = make_doc(items=[{}, {}, {}], **order_fields)
    if status == S.PARTIALLY_SHIPPED:
        return lifecycle.confirm_shipment(doc, LATER, POLICY, shipment(doc, [(ids(doc)[0], 1)]))
    if status == S.SHIPPED:
        return lifecycle.confirm_shipment(doc, LATER, POLICY, shipment(doc))
    if status == S.CANCELED:
        return lifecycle.buyer_cancel(doc, PLACED + timedelta(minutes=5), POLICY)
    raise AssertionError(status)


def _one_open_line(doc: dict) -> list[tuple[str, int]]:
    return [(next(iter(lifecycle.open_quantities(doc)), ids(doc)[0]), 1)]


def _pickup(status: str, lines: list[tuple[str, int]] | None = None) -> dict:
    request = {"marketplaceId": US, "shipmentStatus": status}
    if lines:
        request["orderItems"] = [{"orderItemId": item_id, "quantity": quantity} for item_id, quantity in lines]
    return request


# Each rule the table governs, in every way it can be asked (all items, some, ...).
ASKED = {
    "release_preorder": [lambda d: lifecycle.release_preorder(d, LATER, POLICY)],
    "authorize_payment": [lambda d: lifecycle.authorize_payment(d, LATER, POLICY)],
    "decline_payment": [lambda d: lifecycle.decline_payment(d, LATER, POLICY)],
    "buyer_cancel": [lambda d: lifecycle.buyer_cancel(d, PLACED + timedelta(minutes=5), POLICY)],
    "request_cancellation": [lambda d: lifecycle.request_cancellation(d, LATER, POLICY, "Changed my mind")],
    "message_cancellation": [lambda d: lifecycle.message_cancellation(d, LATER, POLICY)],
    "seller_cancel": [
        lambda d: lifecycle.seller_cancel(d, LATER, POLICY, "NoInventory"),
        lambda d: lifecycle.seller_cancel(d, LATER, POLICY, "NoInventory", [ids(d)[0]]),
    ],
    "buy_shipping_label": [lambda d: lifecycle.buy_shipping_label(d, LATER, POLICY)],
    "confirm_shipment": [
        lambda d: lifecycle.confirm_shipment(d, LATER, POLICY, shipment(d, reference="9")),
        lambda d: lifecycle.confirm_shipment(d, LATER, POLICY, shipment(d, _one_open_line(d), reference="9")),
    ],
    "update_shipment_status": [
        lambda d: lifecycle.update_shipment_status(d, LATER, POLICY, _pickup("ReadyForPickup")),
        lambda d: lifecycle.update_shipment_status(d, LATER, POLICY, _pickup("PickedUp")),
        lambda d: lifecycle.update_shipment_status(d, LATER, POLICY, _pickup("PickedUp", _one_open_line(d))),
    ],
    "acknowledge": [
        lambda d: lifecycle.acknowledge(d, LATER, POLICY),
        lambda d: lifecycle.acknowledge(d, LATER, POLICY, "MO-1", {ids(d)[0]: "line-1"}),
    ],
    "refund": [lambda d: lifecycle.refund(d, LATER, POLICY, ids(d)[0], "CustomerReturn", {"Principal": "-5.00"})],
    "auto_cancel": [lambda d: lifecycle.auto_cancel(d, LATER, POLICY)],
    "expire_payment": [lambda d: lifecycle.expire_payment(d, LATER, POLICY)],
}
REACHABLE = (S.PENDING_AVAILABILITY, S.PENDING, S.UNSHIPPED, S.PARTIALLY_SHIPPED, S.SHIPPED, S.CANCELED)


def test_order_status_is_amazons_enum():
    model = reference_model()
    assert [status.value for status in OrderStatus] == [
        "PendingAvailability",
        "Pending",
        "Unshipped",
        "PartiallyShipped",
        "Shipped",
        "InvoiceUnconfirmed",
        "Canceled",
        "Unfulfillable",
    ]
    assert set(OrderStatus) == set(model["definitions"]["Order"]["properties"]["OrderStatus"]["enum"])


# Where each rule acts and what the order becomes, written from DESIGN.md section 1 (Amazon's
# seller documentation), not read from the code's table: from each status an order can reach,
# the statuses it may end in. Every other status is refused.
EXPECTED_MOVES: dict[str, dict[str, set[str]]] = {
    # A pre-order released becomes an order waiting for payment (1).
    "release_preorder": {"PendingAvailability": {"Pending"}},
    # Payment authorized: Pending → Unshipped (2).
    "authorize_payment": {"Pending": {"Unshipped"}},
    # "An order gets canceled if payment authorization does not succeed" (2), pre-order or not.
    "decline_payment": {"Pending": {"Canceled"}, "PendingAvailability": {"Canceled"}},
    # Never authorized within 21 days: cancelled (2); only a Pending order waits for payment.
    "expire_payment": {"Pending": {"Canceled"}},
    # Inside 30 minutes the buyer cancels an order not yet shipped directly: Canceled (3).
    "buyer_cancel": {"Pending": {"Canceled"}, "PendingAvailability": {"Canceled"}, "Unshipped": {"Canceled"}},
    # A formal request flags items and changes no status (4); nothing shipped can be requested,
    # and a pre-order is cancelled directly until its release.
    "request_cancellation": {"Pending": {"Pending"}, "Unshipped": {"Unshipped"}, "PartiallyShipped": {"PartiallyShipped"}},
    # A message is informal (4): recorded, no status moves, while something is left to cancel.
    "message_cancellation": {
        "Pending": {"Pending"},
        "PendingAvailability": {"PendingAvailability"},
        "Unshipped": {"Unshipped"},
        "PartiallyShipped": {"PartiallyShipped"},
    },
    # Only Unshipped (5); some items (6) or all of them.
    "seller_cancel": {"Unshipped": {"Unshipped", "Canceled"}},
    # A label is bought for what is left to ship; it changes no status.
    "buy_shipping_label": {"Unshipped": {"Unshipped"}, "PartiallyShipped": {"PartiallyShipped"}},
    # All items → Shipped, some → PartiallyShipped (7).
    "confirm_shipment": {"Unshipped": {"PartiallyShipped", "Shipped"}, "PartiallyShipped": {"PartiallyShipped", "Shipped"}},
    # Easy Ship pickups (7): ready or refused leaves the status, picked up ships some or all.
    "update_shipment_status": {
        "Unshipped": {"Unshipped", "PartiallyShipped", "Shipped"},
        "PartiallyShipped": {"PartiallyShipped", "Shipped"},
    },
    # The acknowledgement feed (11) is for an order whose payment is authorized; no status moves.
    "acknowledge": {"Unshipped": {"Unshipped"}, "PartiallyShipped": {"PartiallyShipped"}, "Shipped": {"Shipped"}},
    # A refund (adjustment feed) is money back for what shipped (12); no status moves.
    "refund": {"PartiallyShipped": {"PartiallyShipped"}, "Shipped": {"Shipped"}},
    # Not shipped by the deadline: what is left is cancelled (8), what shipped stays shipped.
    "auto_cancel": {"Unshipped": {"Canceled"}, "PartiallyShipped": {"Shipped"}},
}


def test_the_table_names_only_rules_of_the_lifecycle():
    assert set(TRANSITIONS) == set(ASKED) == set(EXPECTED_MOVES)
    assert all(callable(getattr(lifecycle, name)) for name in TRANSITIONS)


@pytest.mark.parametrize("rule", list(ASKED))
def test_every_move_the_rules_allow_is_made_and_none_other(rule):
    """Driven from every status an order can reach, a rule acts exactly where Amazon's rules say
    and lands only where they say; and what it stores is written as Amazon's plain string."""
    made: dict[str, set[str]] = {}
    for status in REACHABLE:
        for ask in ASKED[rule]:
            doc = reached(status, EasyShipShipmentStatus="PendingSchedule")
            try:
                new = ask(doc)
            except RuleViolation:
                continue
            made.setdefault(status, set()).add(new["order"]["OrderStatus"])
            assert json.dumps(new["order"]["OrderStatus"]) == f'"{new["order"]["OrderStatus"]}"'
    assert made == EXPECTED_MOVES[rule]


def test_the_code_table_says_what_the_rules_do():
    """model.TRANSITIONS is what the rules ask; it must say what Amazon's rules say."""
    declared = {
        rule: {status: set(to) for status, to in TRANSITIONS[rule].moves.items() if status in REACHABLE} for rule in TRANSITIONS
    }
    assert declared == EXPECTED_MOVES


# Why a rule refuses, where Amazon's documents give the reason (DESIGN.md section 1).
EXPECTED_REASONS = {
    ("seller_cancel", "Pending"): "payment is not yet authorized",  # (1), (5)
    ("seller_cancel", "Shipped"): "the buyer must return it",  # (5)
    ("seller_cancel", "PartiallyShipped"): "the buyer must return it",
    ("buyer_cancel", "Shipped"): "the buyer must return it",
    ("request_cancellation", "Shipped"): "the buyer must return it",
    ("confirm_shipment", "Pending"): "payment is not yet authorized",  # (1)
    ("confirm_shipment", "Canceled"): "cancelled",
    ("authorize_payment", "PendingAvailability"): "release",
    ("acknowledge", "Pending"): "payment is not yet authorized",
    ("refund", "Unshipped"): "nothing has shipped",  # (12)
}


@pytest.mark.parametrize(
    ("rule", "status"),
    [(rule, status) for rule in ASKED for status in REACHABLE if status not in EXPECTED_MOVES[rule]],
)
def test_a_rule_refuses_every_other_status_saying_the_orders_status_and_why(rule, status):
    doc = reached(status, EasyShipShipmentStatus="PendingSchedule")
    message = refused(ASKED[rule][0], doc)
    assert message.startswith(f"Order {doc['order']['AmazonOrderId']} is {status}: ")
    assert message.endswith(".") and len(message) > len(f"Order {doc['order']['AmazonOrderId']} is {status}: .") + 10
    assert EXPECTED_REASONS.get((rule, status), "") in message


def test_the_domain_builds_the_document_and_is_given_the_schema_check():
    """The builder lives with the model; the schemas it checks against live in our spec, so the
    caller (the fixture loader) passes the check in, and it sees every part of the record."""
    record = order_factory.new_order_record({"address": {"BuyerCompanyName": "Acme"}}, "111-0000000-0000001", PLACED)
    checked = []
    doc = order_factory.build_document(record, SELLER, PLACED, "test", lambda value, schema, where, field: checked.append(field))
    assert checked == ["order", "items[0]", "address"]
    assert doc == build_document(record, SELLER, PLACED, "test")

    def refuse(value, schema, where, field):
        raise FixtureError(f"{where}: field {field}: no")

    with pytest.raises(FixtureError, match="test \\(111-0000000-0000001\\): field order: no"):
        order_factory.build_document(record, SELLER, PLACED, "test", refuse)


# -- the order factory -------------------------------------------------------------------------


def test_order_ids_are_amazon_shaped_and_repeatable():
    first = order_factory.order_id(SELLER, US, "2025-06-15T12:00:00Z", 0)
    assert re.fullmatch(r"\d{3}-\d{7}-\d{7}", first)
    assert first[:3] in ("111", "112", "113", "114")
    assert order_factory.order_id(SELLER, US, "2025-06-15T12:00:00Z", 0) == first
    others = {order_factory.order_id(SELLER, US, "2025-06-15T12:00:00Z", n) for n in range(1, 50)}
    assert first not in others and len(others) == 49
    assert order_factory.order_id(SELLER, DE, "2025-06-15T12:00:00Z", 0)[:3] in ("302", "303", "304", "305")


def test_a_new_order_defaults_to_a_pending_us_mfn_order():
    record = order_factory.new_order_record({}, "111-0000000-0000001", PLACED)
    order, items = record["order"], record["items"]
    assert (order["OrderStatus"], order["FulfillmentChannel"], order["MarketplaceId"]) == ("Pending", "MFN", US)
    assert (order["SalesChannel"], order["OrderType"], order["ShippingAddress"]["CountryCode"]) == (
        "Amazon.com",
        "StandardOrder",
        "US",
    )
    assert order["PurchaseDate"] == order["LastUpdateDate"] == to_wire(PLACED)
    assert order["LatestShipDate"] == to_wire(PLACED + timedelta(days=2))
    assert len(items) == 1 and items[0]["QuantityOrdered"] == 1 and items[0]["QuantityShipped"] == 0
    assert order["OrderTotal"] == {"CurrencyCode": "USD", "Amount": "19.99"}
    build_document(record, SELLER, PLACED, "test")


def test_a_new_orders_total_is_the_sum_of_its_items():
    spec = {
        "items": [
            {"QuantityOrdered": 3},
            {"ItemPrice": {"CurrencyCode": "USD", "Amount": "10.00"}, "ItemTax": {"CurrencyCode": "USD", "Amount": "0.80"}},
        ]
    }
    record = order_factory.new_order_record(spec, "111-0000000-0000001", PLACED)
    assert record["items"][0]["ItemPrice"]["Amount"] == "59.97"
    assert record["order"]["OrderTotal"]["Amount"] == "70.77"
    assert len({item["OrderItemId"] for item in record["items"]}) == 2


def test_a_new_order_takes_the_marketplaces_currency():
    record = order_factory.new_order_record({"order": {"MarketplaceId": "A1VC38T7YXB528"}}, "503-0000000-0000001", PLACED)
    assert record["order"]["OrderTotal"] == {"CurrencyCode": "JPY", "Amount": "20"}
    assert record["order"]["SalesChannel"] == "Amazon.co.jp"


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ({"order": {"OrderStatus": "Shipped"}}, "not Shipped; later states are reached through actions"),
        ({"order": {"OrderStatus": "Canceled"}}, "not Canceled"),
        ({"order": {"MarketplaceId": "XNOTAMARKET"}}, "Unknown MarketplaceId 'XNOTAMARKET'"),
        ({"items": []}, "non-empty list"),
        ({"items": [{"QuantityOrdered": 0}]}, "QuantityOrdered must be a positive whole number"),
        ({"shipping": {}}, "Unknown field(s) for a new order: shipping"),
    ],
)
def test_a_new_order_refuses_what_cannot_be_placed(spec, fragment):
    with pytest.raises(RuleViolation) as caught:
        order_factory.new_order_record(spec, "111-0000000-0000001", PLACED)
    assert fragment in str(caught.value)


def test_a_new_regulated_order_says_so():
    regulated = regulated_doc()["regulated"]
    record = order_factory.new_order_record({"regulated": regulated}, "111-0000000-0000001", PLACED)
    assert record["order"]["HasRegulatedItems"] is True and record["regulated"] == regulated


# -- found wrong -------------------------------------------------------------------------------


def test_a_new_preorder_has_amazons_order_type():
    record = order_factory.new_order_record({"order": {"OrderStatus": "PendingAvailability"}}, "111-0000000-0000001", PLACED)
    assert record["order"]["OrderType"] == "Preorder"
    build_document(record, SELLER, PLACED, "test")


def test_a_new_orders_total_deducts_discounts():
    spec = {
        "order": {"OrderStatus": "Unshipped"},
        "items": [{"PromotionDiscount": {"CurrencyCode": "USD", "Amount": "5.00"}}, {}],
    }
    record = order_factory.new_order_record(spec, "111-0000000-0000001", PLACED)
    assert record["order"]["OrderTotal"]["Amount"] == "34.98"
    # The knock-on effect: after cancelling the discounted line, what is left should cost what the other line costs.
    doc = build_document(record, SELLER, PLACED, "test")
    left = lifecycle.seller_cancel(doc, LATER, POLICY, "NoInventory", [ids(doc)[0]])
    assert left["order"]["OrderTotal"]["Amount"] == "19.99"


def test_a_verification_history_entry_keeps_the_order_status():
    new = lifecycle.update_verification_status(regulated_doc(), LATER, POLICY, verification(status="Approved"))
    assert last_event(new)["status"] == new["order"]["OrderStatus"] == "Unshipped"


def test_a_short_self_cancel_window_is_described_truthfully():
    message = refused(
        lifecycle.buyer_cancel, make_doc(), PLACED + timedelta(minutes=1), Policy(buyer_self_cancel_window=timedelta(seconds=45))
    )
    assert "0 minutes" not in message


def test_a_request_on_a_preorder_points_to_buyer_cancel():
    message = refused(lifecycle.request_cancellation, make_doc("PendingAvailability"), LATER, POLICY, "Changed my mind")
    assert "buyer_cancel" in message


# -- what mutation testing showed untested (issue 23, item 25) ---------------------------------


def shipped_two_items() -> dict:
    doc = two_items()
    return apply(lifecycle.confirm_shipment, doc, LATER, POLICY, shipment(doc))


def test_a_refund_is_recorded_with_its_reason_and_amounts_and_changes_no_quantity():
    """The order adjustment feed's Refund (DESIGN.md section 1, rule 12): money back for a shipped
    item; the order stays Shipped and its quantities stay."""
    doc = shipped_two_items()
    first = ids(doc)[0]
    amounts = {"Principal": "-5.00", "Tax": "-0.40"}
    at = LATER + timedelta(days=3)
    new = apply(lifecycle.refund, doc, at, POLICY, first, "CustomerReturn", amounts)
    amounts["Principal"] = "-99.00"  # the caller's mapping is not kept
    assert new["refunds"] == [
        {"at": to_wire(at), "item": first, "reason": "CustomerReturn", "amounts": {"Principal": "-5.00", "Tax": "-0.40"}}
    ]
    assert new["order"]["OrderStatus"] == "Shipped"
    assert new["items"] == doc["items"]
    assert new["order"]["LastUpdateDate"] == to_wire(at)
    assert last_event(new) == {
        "at": to_wire(at),
        "event": "Refunded",
        "status": "Shipped",
        "item": first,
        "reason": "CustomerReturn",
    }
    again = apply(lifecycle.refund, new, at, POLICY, first, "CustomerReturn", {"Principal": "-1.00"})
    assert [refund["amounts"] for refund in again["refunds"]] == [{"Principal": "-5.00", "Tax": "-0.40"}, {"Principal": "-1.00"}]


def test_an_unshipped_item_cannot_be_refunded_even_when_others_shipped():
    doc = two_items()
    first, second = ids(doc)
    partly = apply(lifecycle.confirm_shipment, doc, LATER, POLICY, shipment(doc, [(first, 1)]))
    message = refused(lifecycle.refund, partly, LATER, POLICY, second, "CustomerReturn", {"Principal": "-5.00"})
    assert message == (
        f"Order {doc['order']['AmazonOrderId']} is PartiallyShipped: item {second} has not shipped, "
        "so it cannot be refunded; cancel it instead."
    )
    assert apply(lifecycle.refund, partly, LATER, POLICY, first, "CustomerReturn", {"Principal": "-5.00"})["refunds"]


def test_a_refund_names_an_item_of_the_order_and_what_is_refunded():
    doc = shipped_two_items()
    order_id = doc["order"]["AmazonOrderId"]
    assert refused(lifecycle.refund, doc, LATER, POLICY, "99999999999999", "CustomerReturn", {"Principal": "-5.00"}) == (
        f"Invalid AmazonOrderItemCode: order {order_id} has no item 99999999999999."
    )
    assert refused(lifecycle.refund, doc, LATER, POLICY, ids(doc)[0], "CustomerReturn", {}) == (
        f"A refund of item {ids(doc)[0]} needs ItemPriceAdjustments: say what is refunded."
    )


def test_cod_collection_is_only_for_an_order_paid_cash_on_delivery():
    """codCollectionMethod: "The COD collection method" (ordersV0.json)."""
    doc = make_doc(PaymentMethod="Other")
    message = refused(lifecycle.confirm_shipment, doc, LATER, POLICY, shipment(doc, codCollectionMethod="DirectPayment"))
    assert message == f"Invalid codCollectionMethod: order {doc['order']['AmazonOrderId']} is not paid cash on delivery (COD)."
    cod = make_doc(PaymentMethod="COD")
    new = apply(lifecycle.confirm_shipment, cod, LATER, POLICY, shipment(cod, codCollectionMethod="DirectPayment"))
    assert new["order"]["OrderStatus"] == "Shipped"
    assert apply(lifecycle.confirm_shipment, doc, LATER, POLICY, shipment(doc))["order"]["OrderStatus"] == "Shipped"


@pytest.mark.parametrize("quantity", [1.5, "1", True, 0, -1, 2.0])
def test_a_shipped_quantity_is_a_positive_whole_number(quantity):
    """ConfirmShipmentOrderItem.quantity is an integer (ordersV0.json)."""
    doc = two_items()
    second = ids(doc)[1]
    message = refused(lifecycle.confirm_shipment, doc, LATER, POLICY, shipment(doc, [(second, quantity)]))
    assert message == f"Invalid quantity for item {second}: {quantity!r} is not a positive whole number."


def test_lines_naming_the_same_item_add_up():
    doc = two_items()
    second = ids(doc)[1]
    new = apply(lifecycle.confirm_shipment, doc, LATER, POLICY, shipment(doc, [(second, 1), (second, 1)]))
    assert [item["QuantityShipped"] for item in new["items"]] == [0, 2]
    assert new["packages"][-1]["items"] == {second: 2}
    assert new["order"]["OrderStatus"] == "PartiallyShipped"
    message = refused(lifecycle.confirm_shipment, doc, LATER, POLICY, shipment(doc, [(second, 2), (second, 1)]))
    assert message == (f"Invalid quantity for item {second}: cannot ship 3; only 2 of it are neither shipped nor cancelled.")


def test_the_refusal_of_too_much_counts_one_unit_in_the_singular():
    doc = two_items()
    first = ids(doc)[0]
    message = refused(lifecycle.confirm_shipment, doc, LATER, POLICY, shipment(doc, [(first, 2)]))
    assert message == f"Invalid quantity for item {first}: cannot ship 2; only 1 of it is neither shipped nor cancelled."


def test_a_line_without_a_quantity_takes_what_is_left_of_the_item():
    doc = make_doc(items=[{"QuantityOrdered": 3}])
    (item_id,) = ids(doc)
    new = apply(lifecycle.seller_cancel, doc, LATER, POLICY, "NoInventory", [{"orderItemId": item_id, "quantity": 1}, item_id])
    assert new["cancellations"][-1]["items"] == {item_id: 3}
    assert new["order"]["OrderStatus"] == "Canceled"


def test_a_line_is_an_item_id_or_an_item_and_quantity():
    doc = two_items()
    order_id = doc["order"]["AmazonOrderId"]
    assert refused(lifecycle.seller_cancel, doc, LATER, POLICY, "NoInventory", [7]) == (
        "Invalid order item 7: give an OrderItemId or {orderItemId, quantity}."
    )
    assert refused(lifecycle.seller_cancel, doc, LATER, POLICY, "NoInventory", ["nope"]) == (
        f"Invalid orderItemId: order {order_id} has no item nope."
    )
    assert refused(lifecycle.seller_cancel, doc, LATER, POLICY, "NoInventory", []) == "No items given to cancel."


@pytest.mark.parametrize(
    ("window", "words"),
    [
        (timedelta(days=1, hours=1, minutes=1, seconds=1), "1 day 1 hour 1 minute 1 second"),
        (timedelta(days=2, hours=2, minutes=2, seconds=2), "2 days 2 hours 2 minutes 2 seconds"),
        (timedelta(hours=1, minutes=30), "1 hour 30 minutes"),
        (timedelta(seconds=59), "59 seconds"),
        (timedelta(milliseconds=500), "0 seconds"),
    ],
)
def test_the_self_cancel_window_is_said_in_words(window, words):
    doc = make_doc()
    closes = to_wire(PLACED + window)
    message = refused(lifecycle.buyer_cancel, doc, PLACED + timedelta(days=3), Policy(buyer_self_cancel_window=window))
    assert message == (
        f"Order {doc['order']['AmazonOrderId']} is Unshipped: the buyer's self-cancel window closed at {closes} "
        f"({words} after purchase); the buyer can now only request cancellation (request_cancellation)."
    )


def test_a_buyer_cancellation_records_its_reason_or_buyer_canceled():
    doc = make_doc()
    at = PLACED + timedelta(minutes=5)
    assert apply(lifecycle.buyer_cancel, doc, at, POLICY)["cancellations"][-1]["reason"] == "BuyerCanceled"
    assert apply(lifecycle.buyer_cancel, doc, at, POLICY, "Order Created By Mistake")["cancellations"][-1]["reason"] == (
        "Order Created By Mistake"
    )


def test_a_message_without_text_is_recorded_as_a_plain_request():
    doc = make_doc()
    new = apply(lifecycle.message_cancellation, doc, LATER, POLICY)
    assert new["cancel_requests"] == [{"at": to_wire(LATER), "formal": False, "reason": "Please cancel my order.", "items": []}]
    assert new["history"] == [*doc["history"], {"at": to_wire(LATER), "event": "BuyerMessage", "text": "Please cancel my order."}]


def test_a_formal_request_is_recorded_with_its_reason_and_items_and_refusals_say_why():
    doc = two_items()
    first = ids(doc)[0]
    new = requested(doc, reason="Changed my mind", items=[first])
    assert last_event(new) == {
        "at": to_wire(LATER),
        "event": "BuyerRequestedCancel",
        "status": "Unshipped",
        "reason": "Changed my mind",
        "items": [first],
    }
    assert refused(lifecycle.request_cancellation, doc, LATER, POLICY, " ") == (
        "A buyer cancellation request needs a reason (BuyerCancelReason), e.g. 'Order Created By Mistake'."
    )
    assert refused(lifecycle.request_cancellation, doc, LATER, POLICY, "Changed my mind", []) == (
        "No items given to request cancellation of."
    )
    preorder = make_doc("PendingAvailability")
    assert refused(lifecycle.request_cancellation, preorder, LATER, POLICY, "Changed my mind").endswith(
        "the buyer cancels a pre-order directly until its release (buyer_cancel), without a request."
    )


def test_acknowledging_names_the_order_and_its_items_for_later_feeds():
    """The acknowledgement feed's MerchantOrderID becomes SellerOrderId; MerchantOrderItemIDs are kept."""
    doc = two_items()
    first, second = ids(doc)
    new = apply(lifecycle.acknowledge, doc, LATER, POLICY, "MO-1", {first: "line-1", second: None})
    assert new["acknowledged_at"] == to_wire(LATER)
    assert new["order"]["SellerOrderId"] == "MO-1"
    assert new["merchant_item_ids"] == {"line-1": first}
    assert last_event(new) == {"at": to_wire(LATER), "event": "Acknowledged", "status": "Unshipped", "merchant_order_id": "MO-1"}
    plain = apply(lifecycle.acknowledge, doc, LATER, POLICY)
    assert "SellerOrderId" not in plain["order"] and "merchant_item_ids" not in plain
    assert last_event(plain) == {"at": to_wire(LATER), "event": "Acknowledged", "status": "Unshipped"}
    assert refused(lifecycle.acknowledge, doc, LATER, POLICY, "MO-1", {"99999999999999": "x"}) == (
        f"Invalid AmazonOrderItemCode: order {doc['order']['AmazonOrderId']} has no item 99999999999999."
    )


def test_a_second_label_is_refused_saying_one_exists():
    labelled = apply(lifecycle.buy_shipping_label, make_doc(), LATER, POLICY)
    assert refused(lifecycle.buy_shipping_label, labelled, LATER, POLICY) == (
        f"Order {labelled['order']['AmazonOrderId']} is Unshipped: a shipping label already exists for it."
    )


def test_a_pickup_adds_to_what_already_shipped_and_leaves_no_label():
    doc = make_doc(items=[{"QuantityOrdered": 2}], EasyShipShipmentStatus="PendingSchedule")
    (item_id,) = ids(doc)
    partly = apply(lifecycle.confirm_shipment, doc, LATER, POLICY, shipment(doc, [(item_id, 1)]))
    ready = apply(lifecycle.update_shipment_status, partly, LATER, POLICY, pickup(partly, "ReadyForPickup"))
    assert ready["shipping_label"] is True
    picked = apply(lifecycle.update_shipment_status, ready, LATER, POLICY, pickup(ready, "PickedUp"))
    assert [item["QuantityShipped"] for item in picked["items"]] == [2]
    assert picked["order"]["OrderStatus"] == "Shipped"
    assert picked["shipping_label"] is False
    lines = [{"orderItemId": item_id, "quantity": 2}]
    assert refused(lifecycle.update_shipment_status, ready, LATER, POLICY, pickup(ready, "PickedUp", orderItems=lines)) == (
        f"Invalid quantity for item {item_id}: cannot ship 2; only 1 of it is neither shipped nor cancelled."
    )


def test_a_pickup_of_an_order_that_is_not_easy_ship_is_refused_saying_why():
    doc = make_doc()
    assert refused(lifecycle.update_shipment_status, doc, LATER, POLICY, pickup(doc, "ReadyForPickup")) == (
        f"Order {doc['order']['AmazonOrderId']} is Unshipped: it is not an Easy Ship order, so Amazon schedules no pickup for it."
    )


def test_verification_details_alone_are_kept_and_the_status_stays():
    doc = regulated_doc()
    details = {"prescriptionDetail": {"prescriptionId": "Rx-1"}}
    new = apply(lifecycle.update_verification_status, doc, LATER, POLICY, verification(verificationDetails=details))
    assert new["verification_details"] == details
    assert new["regulated"]["RegulatedOrderVerificationStatus"]["Status"] == "Pending"
    assert last_event(new)["verification"] == "Pending"
    approved = apply(lifecycle.update_verification_status, doc, LATER, POLICY, verification(status="Approved"))
    assert "verification_details" not in approved and last_event(approved)["verification"] == "Approved"


def test_verification_refusals_say_what_to_give():
    doc = regulated_doc()
    assert refused(lifecycle.update_verification_status, doc, LATER, POLICY, verification()) == (
        "Invalid regulatedOrderVerificationStatus: give a status, verificationDetails, or both."
    )
    assert refused(lifecycle.update_verification_status, doc, LATER, POLICY, verification(status="Rejected")) == (
        "Invalid rejectionReasonId: a rejection needs one of the order's ValidRejectionReasons."
    )
    assert refused(
        lifecycle.update_verification_status, doc, LATER, POLICY, verification(status="Approved", rejectionReasonId="x")
    ) == ("Invalid rejectionReasonId: it is given only when the status is Rejected.")
    no_reasons = copy.deepcopy(doc)
    no_reasons["regulated"]["RegulatedOrderVerificationStatus"]["ValidRejectionReasons"] = []
    assert refused(
        lifecycle.update_verification_status, no_reasons, LATER, POLICY, verification(status="Rejected", rejectionReasonId="x")
    ) == ("Invalid rejectionReasonId 'x': this order's valid reasons are none.")


def test_due_terms_name_what_due_dates_were_computed_under():
    assert lifecycle.due_terms(Policy()) == {
        "rules": 1,
        "payment_authorization_timeout_s": 21 * 86400.0,
        "auto_cancel_after_s": 7 * 86400.0,
    }


def test_a_document_already_due_as_computed_is_given_back_as_it_is():
    doc = lifecycle.refresh_due(make_doc(LatestShipDate=SHIP_BY), POLICY)
    assert doc["due_at"] == AUTO_CANCEL_AT
    assert lifecycle.refresh_due(doc, POLICY) is doc
