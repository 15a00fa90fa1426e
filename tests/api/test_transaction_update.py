"""TRANSACTION_UPDATE through a real socket, as seller software meets it: a subscription made
with the Notifications API, an order shipped and refunded as the seller does it, the mock clock
moved past the posting delay, and the notification read from the built-in inbox.

From Amazon's documents: "The TRANSACTION_UPDATE notification is sent whenever there is a new
transaction posted to the seller's account" (so nothing before posting, one per transaction,
nothing again when it is released), and every body validates against
``TransactionUpdateNotification.json``. Amazon says events post "within 48 hours"; the mock's
default posting delay is 48 hours.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from spapi_mock.config import Config
from spapi_mock.kernel.dates import parse_iso, to_wire
from spapi_mock.testing import MockSeller, background_server

from support.notifications import US, assert_valid, paid_order, subscribe

TRANSACTION_UPDATE = "TRANSACTION_UPDATE"


@pytest.fixture(scope="module")
def server():
    with background_server(Config()) as running:
        yield running


@pytest.fixture
def seller(server):
    seller = MockSeller.create(server, seed="empty")
    yield seller
    seller.close()


def recorded(seller: MockSeller) -> tuple[list[dict], int]:
    """The seller's TRANSACTION_UPDATEs: (delivered bodies, how many still wait for delivery)."""
    answer = seller.control.notifications(seller.seller_id, TRANSACTION_UPDATE)
    return [entry["body"] for entry in answer["notifications"]], answer["pending"]


def delivered(seller: MockSeller, count: int) -> list[dict]:
    deadline = time.monotonic() + 10
    while len((found := recorded(seller))[0]) < count or found[1]:
        assert time.monotonic() < deadline, found
        time.sleep(0.05)
    return found[0]


def body_of(notification: dict) -> dict:
    return notification["Payload"]["TransactionUpdateNotification"]


def test_a_shipment_notifies_once_when_it_posts_and_a_refund_once_when_it_posts(seller):
    order_id, _ = paid_order(seller, 2)
    subscription_id = subscribe(seller, TRANSACTION_UPDATE)
    shipped_at = seller.freeze_clock()
    seller.apply(order_id, "confirm_shipment")
    seller.advance_clock("47h")
    # Not posted yet: nothing recorded at all.
    assert recorded(seller) == ([], 0)

    seller.advance_clock("2h")
    (shipment,) = delivered(seller, 1)
    assert_valid(shipment)
    body = body_of(shipment)
    assert body["RelatedIdentifiers"] == [{"RelatedIdentifierName": "OrderId", "RelatedIdentifierValue": order_id}]
    assert body["TransactionType"] == "Shipment"
    assert body["SellingPartnerMetadata"] == {"SellingPartnerId": seller.seller_id, "MarketplaceId": US, "AccountType": "PAYABLE"}
    # Posted 48 hours after the shipment: the notification's time is the posting's.
    assert body["PostedDate"] == shipment["EventTime"] == _plus_48h(shipped_at)
    assert body["TotalAmount"]["CurrencyCode"] == "USD"
    assert 0 < body["TotalAmount"]["CurrencyAmount"] < 2 * 19.99
    assert shipment["NotificationMetadata"]["SubscriptionId"] == subscription_id

    # Released and settled later: no new transaction, no new notification.
    seller.advance_clock("30d")
    time.sleep(0.2)
    assert len(delivered(seller, 1)) == 1

    seller.apply(order_id, "refund", quantity=1)
    seller.advance_clock("49h")
    first, refund = delivered(seller, 2)
    assert first == shipment
    assert_valid(refund)
    assert body_of(refund)["TransactionType"] == "Refund"
    assert body_of(refund)["RelatedIdentifiers"] == body["RelatedIdentifiers"]
    # A refund takes money back from the seller.
    assert body_of(refund)["TotalAmount"]["CurrencyAmount"] < 0


def test_an_order_cancelled_before_shipping_never_notifies(seller):
    order_id, _ = paid_order(seller, 1)
    subscribe(seller, TRANSACTION_UPDATE)
    seller.apply(order_id, "seller_cancel", reason="NoInventory")
    seller.advance_clock("3d")
    time.sleep(0.2)
    assert recorded(seller) == ([], 0)


def test_without_a_subscription_nothing_is_recorded(seller):
    order_id, _ = paid_order(seller, 1)
    seller.apply(order_id, "confirm_shipment")
    seller.advance_clock("3d")
    assert recorded(seller) == ([], 0)
    subscribe(seller, TRANSACTION_UPDATE)
    seller.advance_clock("3d")
    # The transaction was posted before the subscription: it is not sent afterwards.
    time.sleep(0.2)
    assert recorded(seller) == ([], 0)


def _plus_48h(wire: str) -> str:
    return to_wire(parse_iso(wire) + timedelta(hours=48))
