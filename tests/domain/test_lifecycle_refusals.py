"""Lifecycle refusals a seller's software shows its user, word for word, and a buyer's message
recorded on any order document (mutation testing found each could change unnoticed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spapi_mock.domain import lifecycle, order_factory
from spapi_mock.domain.exceptions import RuleViolation
from spapi_mock.domain.policy import Policy
from spapi_mock.kernel.dates import to_wire
from spapi_mock.marketplace.fixtures import build_document, load_fixture_file

from support import PROJECT_ROOT

PLACED = datetime(2025, 6, 15, 12, 0, 0, tzinfo=UTC)
SELLER = "A1MOCKSELLER00"
US = "ATVPDKIKX0DER"
ORDER_ID = "111-0000000-0000001"


def make_doc(**order_fields) -> dict:
    spec = {"order": {"OrderStatus": "Unshipped", **order_fields}}
    return build_document(order_factory.new_order_record(spec, ORDER_ID, PLACED), SELLER, PLACED, "test")


def refusal(action, *args) -> str:
    with pytest.raises(RuleViolation) as caught:
        action(*args)
    return str(caught.value)


def test_an_amazon_fulfilled_order_is_never_confirmed_by_the_seller():
    """Amazon ships an AFN order itself; confirmShipment is for the seller's own (MFN) shipments."""
    doc = make_doc(FulfillmentChannel="AFN")
    request = {
        "marketplaceId": US,
        "packageDetail": {
            "packageReferenceId": "1",
            "carrierCode": "UPS",
            "trackingNumber": "1Z1",
            "shipDate": to_wire(PLACED + timedelta(hours=1)),
            "orderItems": [{"orderItemId": doc["items"][0]["OrderItemId"], "quantity": 1}],
        },
    }
    assert refusal(lifecycle.confirm_shipment, doc, PLACED + timedelta(hours=1), Policy(), request) == (
        f"Order {ORDER_ID} is Unshipped: it is fulfilled by Amazon (AFN); only the seller's own (MFN) shipments are confirmed."
    )


def test_inside_the_self_cancel_window_a_request_is_refused_saying_the_buyer_cancels_directly():
    message = refusal(lifecycle.request_cancellation, make_doc(), PLACED + timedelta(minutes=10), Policy(), "Changed my mind")
    assert message == (
        f"Order {ORDER_ID} is Unshipped: until 2025-06-15T12:30:00Z (30 minutes after purchase) the buyer cancels "
        "directly (buyer_cancel), without a request."
    )


def test_a_buyers_message_is_recorded_even_on_a_document_kept_without_a_history():
    """A document given without its history (the model requires one, but a rule must not fail
    on it) starts one with the message."""
    doc = make_doc()
    del doc["history"]
    new = lifecycle.message_cancellation(doc, PLACED + timedelta(hours=1), Policy(), "cancel please")
    assert new["history"] == [{"at": "2025-06-15T13:00:00Z", "event": "BuyerMessage", "text": "cancel please"}]
    assert "history" not in doc


# -- what a confirmed shipment records (Amazon's confirmShipment packageDetail) -----------------


def confirmation(doc: dict, **package) -> dict:
    detail = {
        "packageReferenceId": "1",
        "carrierCode": "Other",
        "trackingNumber": "TRACK-1",
        "shipDate": "2025-06-15T12:00:00Z",
        "orderItems": [{"orderItemId": doc["items"][0]["OrderItemId"], "quantity": 1}],
    }
    detail.update(package)
    return {"marketplaceId": US, "packageDetail": detail}


def test_a_confirmed_package_keeps_every_field_amazon_gave_and_the_label_is_used():
    labelled = lifecycle.buy_shipping_label(make_doc(), PLACED + timedelta(minutes=40), Policy())
    request = confirmation(labelled, carrierName="Local Courier", shippingMethod="Next Day", shipDate="2025-06-15T14:00:00+01:00")
    new = lifecycle.confirm_shipment(labelled, PLACED + timedelta(hours=1), Policy(), request)
    item_id = labelled["items"][0]["OrderItemId"]
    assert new["packages"] == [
        {
            "packageReferenceId": "1",
            "carrierCode": "Other",
            "carrierName": "Local Courier",
            "shippingMethod": "Next Day",
            "trackingNumber": "TRACK-1",
            "shipDate": "2025-06-15T13:00:00Z",
            "items": {item_id: 1},
        }
    ]
    # The label bought for the shipment is used: the seller could buy another for a next package.
    assert new["shipping_label"] is False
    assert new["history"][-1] == {
        "at": "2025-06-15T13:00:00Z",
        "event": "ShipmentConfirmed",
        "status": "Shipped",
        "package": "1",
        "items": {item_id: 1},
    }


def test_a_package_may_ship_at_the_moment_of_purchase_but_not_before():
    doc = make_doc()
    new = lifecycle.confirm_shipment(doc, PLACED, Policy(), confirmation(doc, shipDate="2025-06-15T12:00:00Z"))
    assert new["packages"][0]["shipDate"] == "2025-06-15T12:00:00Z"
    assert refusal(lifecycle.confirm_shipment, doc, PLACED, Policy(), confirmation(doc, shipDate="2025-06-15T11:59:59Z")) == (
        "Invalid shipDate: 2025-06-15T11:59:59Z is before the order's PurchaseDate 2025-06-15T12:00:00Z."
    )


def test_a_package_without_a_readable_ship_date_or_without_items_is_refused_saying_why():
    doc = make_doc()
    assert refusal(lifecycle.confirm_shipment, doc, PLACED, Policy(), confirmation(doc, shipDate="tomorrow")) == (
        "Invalid shipDate: 'tomorrow' is not an ISO 8601 date, e.g. 2024-01-15T08:23:11Z."
    )
    assert refusal(lifecycle.confirm_shipment, doc, PLACED, Policy(), confirmation(doc, orderItems=[])) == (
        "Invalid packageDetail.orderItems: a package must contain at least one item."
    )


# -- what a cancellation records ---------------------------------------------------------------


def test_a_buyers_cancellation_answers_no_request_and_its_reason_is_in_the_history():
    at = PLACED + timedelta(minutes=5)
    doc = make_doc()
    new = lifecycle.buyer_cancel(doc, at, Policy(), "Changed my mind")
    assert new["cancellations"] == [
        {
            "at": "2025-06-15T12:05:00Z",
            "by": "BUYER",
            "reason": "Changed my mind",
            "items": {doc["items"][0]["OrderItemId"]: 1},
            "answers_buyer_request": False,
            "counts_against_seller": False,
        }
    ]
    assert new["history"][-1] == {
        "at": "2025-06-15T12:05:00Z",
        "event": "Canceled",
        "status": "Canceled",
        "by": "BUYER",
        "reason": "Changed my mind",
    }


def test_amazons_cancellation_of_a_labelled_order_leaves_no_label_and_answers_no_request():
    """Amazon cancels an order not shipped 7 days after its ship-by date even if a label was
    bought; the order then has nothing to ship and no label in use."""
    labelled = lifecycle.buy_shipping_label(make_doc(), PLACED + timedelta(hours=1), Policy())
    assert labelled["shipping_label"] is True
    new = lifecycle.apply_due(labelled, PLACED + timedelta(days=9), Policy())
    assert new["order"]["OrderStatus"] == "Canceled" and new["shipping_label"] is False
    assert new["cancellations"][-1]["answers_buyer_request"] is False
    assert new["cancellations"][-1]["counts_against_seller"] is True


def test_a_fixture_order_without_a_total_or_a_cancellation_list_can_be_cancelled():
    """OrderTotal is optional in Amazon's model (a fixture may leave it out), and a document
    given without its cancellations starts the list."""
    spec = {"order": {"OrderStatus": "Unshipped"}, "items": [{}, {}]}
    record = order_factory.new_order_record(spec, ORDER_ID, PLACED)
    del record["order"]["OrderTotal"]
    doc = build_document(record, SELLER, PLACED, "test")
    first, second = (item["OrderItemId"] for item in doc["items"])
    partly = lifecycle.seller_cancel(doc, PLACED + timedelta(hours=1), Policy(), "NoInventory", [first])
    assert "OrderTotal" not in partly["order"] and partly["items"][0]["ItemPrice"]["Amount"] == "0.00"
    del doc["cancellations"]
    whole = lifecycle.seller_cancel(doc, PLACED + timedelta(hours=1), Policy(), "NoInventory")
    assert whole["order"]["OrderStatus"] == "Canceled" and "OrderTotal" not in whole["order"]
    assert [record["items"] for record in whole["cancellations"]] == [{first: 1, second: 1}]


def test_a_total_without_an_amount_is_left_as_it_is():
    doc = make_doc(OrderTotal={"CurrencyCode": "USD"})
    doc["items"].append({**doc["items"][0], "OrderItemId": "2"})
    partly = lifecycle.seller_cancel(doc, PLACED + timedelta(hours=1), Policy(), "NoInventory", ["2"])
    assert partly["order"]["OrderTotal"] == {"CurrencyCode": "USD"}


def test_yen_stay_whole_when_part_of_a_line_is_cancelled():
    spec = {"order": {"OrderStatus": "Unshipped", "MarketplaceId": "A1VC38T7YXB528"}, "items": [{"QuantityOrdered": 3}]}
    doc = build_document(order_factory.new_order_record(spec, "503-0000000-0000001", PLACED), SELLER, PLACED, "test")
    assert doc["items"][0]["ItemPrice"]["Amount"] == "60"
    item_id = doc["items"][0]["OrderItemId"]
    new = lifecycle.seller_cancel(
        doc, PLACED + timedelta(hours=1), Policy(), "NoInventory", [{"orderItemId": item_id, "quantity": 1}]
    )
    assert new["items"][0]["ItemPrice"] == {"CurrencyCode": "JPY", "Amount": "40"}
    assert new["items"][0]["ItemTax"] == {"CurrencyCode": "JPY", "Amount": "0"}
    assert new["order"]["OrderTotal"] == {"CurrencyCode": "JPY", "Amount": "40"}


def test_an_order_with_nothing_left_to_cancel_says_so():
    """A fixture may load an order as Unshipped whose every unit has shipped: the seller's
    cancellation of 'every open item' finds none."""
    record = order_factory.new_order_record(
        {"order": {"OrderStatus": "Unshipped"}, "items": [{"QuantityShipped": 1}]}, ORDER_ID, PLACED
    )
    doc = build_document(record, SELLER, PLACED, "test")
    assert refusal(lifecycle.seller_cancel, doc, PLACED + timedelta(hours=1), Policy(), "NoInventory") == (
        f"Order {ORDER_ID} is Unshipped: no item is left to cancel."
    )


def test_a_seller_cancellation_names_amazons_reasons_and_refuses_once_a_label_exists():
    doc = make_doc()
    message = refusal(lifecycle.seller_cancel, doc, PLACED + timedelta(hours=1), Policy(), "OutOfStock")
    # The order acknowledgement feed's CancelReason values, in Amazon's order.
    assert message.startswith(
        "Invalid cancel reason 'OutOfStock': use one of NoInventory, ShippingAddressUndeliverable, CustomerExchange, "
        "BuyerCanceled, GeneralAdjustment, CarrierCreditDecision, RiskAssessmentInformationNotValid, "
        "CarrierCoverageFailure, CustomerReturn, MerchandiseNotReceived"
    )
    assert message.endswith(".")
    labelled = lifecycle.buy_shipping_label(doc, PLACED + timedelta(hours=1), Policy())
    assert refusal(lifecycle.seller_cancel, labelled, PLACED + timedelta(hours=2), Policy(), "NoInventory") == (
        f"Order {ORDER_ID} is Unshipped: a shipping label has been bought for it, so the seller can no longer cancel; "
        "void the label or ship it."
    )


def test_every_action_starts_a_history_for_a_document_kept_without_one():
    doc = make_doc()
    del doc["history"]
    new = lifecycle.buy_shipping_label(doc, PLACED + timedelta(hours=1), Policy())
    assert new["history"] == [{"at": "2025-06-15T13:00:00Z", "event": "ShippingLabelPurchased", "status": "Unshipped"}]


def test_a_cancelled_regulated_order_whose_verification_is_updated_still_has_nothing_to_ship():
    """Verification concerns the regulated items whatever the order's status; a Canceled order
    (as a fixture may load it, quantities kept) still reports nothing unshipped."""
    docs = load_fixture_file(PROJECT_ROOT / "fixtures" / "default" / "na.yaml", PLACED)
    doc = next(doc for doc in docs if doc["order"]["AmazonOrderId"] == "112-8306889-0912791")
    doc["order"]["OrderStatus"] = "Canceled"
    update = {"regulatedOrderVerificationStatus": {"externalReviewerId": "reviewer-7", "status": "Approved"}}
    new = lifecycle.update_verification_status(doc, PLACED + timedelta(hours=1), Policy(), update)
    assert new["order"]["NumberOfItemsUnshipped"] == 0 and new["order"]["OrderStatus"] == "Canceled"
