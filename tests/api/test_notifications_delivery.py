"""Notifications delivered to the built-in inbox, through a real socket, as seller software and
its tests see them: a subscription made with the Notifications API (a grantless token for the
destination, the seller's for the subscription), a change made as the seller or the buyer makes
it, and the notification read back from the inbox with ``spapi_mock.testing``.

What is expected comes from Amazon's documents: every body validates against Amazon's payload
schema (``OrderChangeNotification.json``, ``Feed-``/``ReportProcessingFinishedNotification.json``);
a buyer's cancellation request is ``OrderChangeType`` ``BuyerRequestedChange`` with
``ChangeReason`` "Buyer Requested Cancel" (Amazon's example) and the requested item's
``IsBuyerRequestedCancel`` true (a boolean, unlike Orders v0); an ``eventFilter`` whose
``orderChangeTypes`` leaves a type out is not sent that type (Amazon's "Event filters").
"""

from __future__ import annotations

import threading
import time
import uuid

import httpx
import pytest

from spapi_mock.config import Config
from spapi_mock.control.client import ControlError
from spapi_mock.testing import MockSeller, background_server

from support.notifications import US, assert_valid, cancellation_feed, change_of, paid_order, subscribe, token
from support.orders import MISTAKE

REPORTS = "/reports/2021-06-30"


@pytest.fixture(scope="module")
def server():
    with background_server(Config()) as running:
        yield running


@pytest.fixture
def seller(server):
    seller = MockSeller.create(server, seed="empty")
    yield seller
    seller.close()


# -- what notifies ----------------------------------------------------------------------------------


def test_a_buyer_cancellation_request_is_one_order_change_naming_the_item_and_the_reason(seller):
    order_id, (first, second) = paid_order(seller, 1, 2)
    subscription_id = subscribe(seller, "ORDER_CHANGE")
    seller.advance_clock("31m")
    seller.apply(order_id, "buyer_request_cancellation", reason=MISTAKE, items=[first])
    notification = seller.wait_for_notification("ORDER_CHANGE")
    assert_valid(notification)
    assert seller.notifications() == [notification]  # exactly one
    change = change_of(notification)
    assert change["AmazonOrderId"] == order_id and change["SellerId"] == seller.seller_id
    assert change["OrderChangeType"] == "BuyerRequestedChange"
    assert change["OrderChangeTrigger"]["ChangeReason"] == "Buyer Requested Cancel"
    flags = {item["OrderItemId"]: item["IsBuyerRequestedCancel"] for item in change["Summary"]["OrderItems"]}
    assert flags == {first: True, second: False}
    # The Summary is what getOrder shows at that moment.
    order = seller.control.order(order_id, seller.seller_id)["order"]
    assert change["Summary"]["OrderStatus"] == order["OrderStatus"] == "Unshipped"
    assert change["OrderChangeTrigger"]["TimeOfOrderChange"] == order["LastUpdateDate"] == notification["EventTime"]
    assert notification["NotificationMetadata"]["SubscriptionId"] == subscription_id
    uuid.UUID(notification["NotificationMetadata"]["NotificationId"])


def test_the_cancellation_feed_notifies_the_status_change_and_its_own_end_in_event_time_order(seller):
    order_id, items = paid_order(seller, 1)
    subscribe(seller, "ORDER_CHANGE")
    subscribe(seller, "FEED_PROCESSING_FINISHED")
    seller.advance_clock("31m")
    seller.apply(order_id, "buyer_request_cancellation", reason=MISTAKE)
    assert change_of(seller.wait_for_notification("ORDER_CHANGE"))["OrderChangeType"] == "BuyerRequestedChange"
    assert seller.clear_notifications() == 1
    feed_id = cancellation_feed(seller, order_id, items)
    seller.control.process_feeds(seller.seller_id)
    finished = seller.wait_for_notification("FEED_PROCESSING_FINISHED")
    everything = seller.notifications()
    assert len(everything) == 2
    for notification in everything:
        assert_valid(notification)
    status_change, feed_end = everything
    assert change_of(status_change)["OrderChangeType"] == "OrderStatusChange"
    assert change_of(status_change)["Summary"]["OrderStatus"] == "Canceled"
    assert feed_end == finished
    body = finished["payload"]["feedProcessingFinishedNotification"]
    assert (body["feedId"], body["feedType"], body["processingStatus"]) == (feed_id, "POST_ORDER_ACKNOWLEDGEMENT_DATA", "DONE")
    assert body["sellerId"] == seller.seller_id and body["resultFeedDocumentId"]
    assert status_change["EventTime"] <= feed_end["eventTime"]


def test_an_event_filter_without_buyer_requested_change_suppresses_the_request(seller):
    order_id, _ = paid_order(seller, 1)
    directive = {"eventFilter": {"eventFilterType": "ORDER_CHANGE", "orderChangeTypes": ["OrderStatusChange"]}}
    subscribe(seller, "ORDER_CHANGE", processing_directive=directive)
    seller.advance_clock("31m")
    seller.apply(order_id, "buyer_request_cancellation", reason=MISTAKE)
    with pytest.raises(ControlError) as refused:
        seller.wait_for_notification("ORDER_CHANGE", timeout=1.5)
    assert refused.value.status == 404
    # The subscription does deliver what its filter selects.
    seller.apply(order_id, "seller_cancel", reason="BuyerCanceled")
    notification = seller.wait_for_notification("ORDER_CHANGE")
    assert_valid(notification)
    assert [change_of(n)["OrderChangeType"] for n in seller.notifications()] == ["OrderStatusChange"]


def test_each_status_move_a_scenario_makes_is_its_own_order_change_in_order(seller):
    # A scenario's steps land in one commit; Amazon still sends one ORDER_CHANGE per change.
    order = seller.create_order(items=[{"QuantityOrdered": 1}])["AmazonOrderId"]
    subscribe(seller, "ORDER_CHANGE")
    seller.freeze_clock()
    ran = seller.run_scenario(
        [
            {"authorize_payment": {"order": order}},
            {"expect_notification": {"type": "ORDER_CHANGE", "order": order, "status": "Unshipped"}},
            {"advance_clock": "1m"},
            {"confirm_shipment": {"order": order}},
            {"expect_notification": {"type": "ORDER_CHANGE", "order": order, "status": "Shipped"}},
        ]
    )
    assert "sent 1 time(s)" in ran["log"][1] and "sent 1 time(s)" in ran["log"][4]
    deadline = time.monotonic() + 10
    while len(received := seller.notifications()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(received) == 2
    for notification in received:
        assert_valid(notification)
    changes = [change_of(n) for n in received]
    assert [(c["AmazonOrderId"], c["OrderChangeType"], c["Summary"]["OrderStatus"]) for c in changes] == [
        (order, "OrderStatusChange", "Unshipped"),
        (order, "OrderStatusChange", "Shipped"),
    ]
    # Each with the time of its own change: the shipment a minute after the payment.
    first, second = (n["EventTime"] for n in received)
    assert first < second
    assert received[1]["EventTime"] == seller.control.order(order, seller.seller_id)["order"]["LastUpdateDate"]
    assert received[0]["NotificationMetadata"]["NotificationId"] != received[1]["NotificationMetadata"]["NotificationId"]


def test_a_finished_report_notifies(seller):
    subscribe(seller, "REPORT_PROCESSING_FINISHED")
    spec = {"reportType": "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL", "marketplaceIds": [US]}
    created = httpx.post(f"{seller.base_url}{REPORTS}/reports", json=spec, headers=token(seller))
    assert created.status_code == 202, created.text
    seller.control.process_reports(seller.seller_id)
    notification = seller.wait_for_notification("REPORT_PROCESSING_FINISHED")
    assert_valid(notification)
    body = notification["payload"]["reportProcessingFinishedNotification"]
    assert body["reportId"] == created.json()["reportId"] and body["reportType"] == spec["reportType"]
    report = httpx.get(f"{seller.base_url}{REPORTS}/reports/{body['reportId']}", headers=token(seller)).json()
    assert body["processingStatus"] == report["processingStatus"]
    assert body.get("reportDocumentId") == report.get("reportDocumentId")


def test_no_subscription_no_notification_and_the_inbox_is_the_sellers_own(seller, server):
    order_id, _ = paid_order(seller, 1)
    other = MockSeller.create(server, seed="empty")
    try:
        subscribe(other, "ORDER_CHANGE")
        seller.apply(order_id, "seller_cancel", reason="NoInventory")
        other_order, _ = paid_order(other, 1)
        other.wait_for_notification("ORDER_CHANGE")  # its new order
        assert seller.notifications() == []
        assert [change_of(n)["AmazonOrderId"] for n in other.notifications()] == [other_order]
    finally:
        other.close()


# -- the inbox's own operations ---------------------------------------------------------------------


def test_a_test_notification_goes_through_the_outbox_and_validates(seller):
    order_id, _ = paid_order(seller, 1)
    subscription_id = subscribe(seller, "ORDER_CHANGE")
    sent = seller.send_test_notification(subscription_id)
    assert_valid(sent)
    arrived = seller.wait_for_notification("ORDER_CHANGE")
    assert arrived == sent
    assert change_of(arrived)["AmazonOrderId"] == order_id
    assert change_of(arrived)["OrderChangeTrigger"] == {"TimeOfOrderChange": None, "ChangeReason": "Test Notification"}


def test_inbox_filters_by_type_clears_and_refuses_what_it_cannot_do(seller):
    order_id, _ = paid_order(seller, 1)
    subscribe(seller, "ORDER_CHANGE")
    feeds_subscription = subscribe(seller, "FEED_PROCESSING_FINISHED")
    seller.apply(order_id, "seller_cancel", reason="NoInventory")
    seller.wait_for_notification("ORDER_CHANGE")
    assert seller.notifications("FEED_PROCESSING_FINISHED") == []
    listed = seller.control.notifications(seller.seller_id)
    assert (listed["count"], listed["pending"]) == (1, 0)
    assert listed["notifications"][0]["status"] == "delivered"
    with pytest.raises(ControlError) as wrong_type:
        seller.send_test_notification(feeds_subscription)
    assert wrong_type.value.status == 400 and "ORDER_CHANGE" in wrong_type.value.message
    with pytest.raises(ControlError) as unknown:
        seller.send_test_notification(str(uuid.uuid4()))
    assert unknown.value.status == 404
    with pytest.raises(ControlError) as too_long:
        seller.wait_for_notification(timeout=1000)
    assert too_long.value.status == 400 and "timeout" in too_long.value.message
    assert seller.clear_notifications("FEED_PROCESSING_FINISHED") == 0
    assert seller.clear_notifications() == 1
    assert seller.notifications() == []


def test_a_wait_for_a_notification_holds_no_other_request(seller):
    """A test waiting on the inbox while its seller software goes on calling the mock: the wait
    ran on the server's one event loop, so every other request, health included, queued behind it
    until it timed out."""
    started = threading.Event()
    waited: list[httpx.Response] = []

    def wait() -> None:
        started.set()
        waited.append(
            httpx.get(
                f"{seller.base_url}/_mock/notifications/wait",
                params={"sellerId": seller.seller_id, "notificationType": "ORDER_CHANGE", "timeout": 30},
                timeout=60,
            )
        )

    waiter = threading.Thread(target=wait, daemon=True)
    waiter.start()
    started.wait()
    time.sleep(0.3)  # the wait is in the server by now (ordering below holds however long it takes)
    assert httpx.get(f"{seller.base_url}/_mock/health", timeout=60).status_code == 200
    assert waiter.is_alive() and waited == []  # health answered while the wait still waited
    subscribe(seller, "ORDER_CHANGE")
    paid_order(seller, 1)
    waiter.join(60)
    assert waited and waited[0].status_code == 200, waited
