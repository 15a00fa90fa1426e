"""Notifications delivered to a real SQS queue (and an EventBridge bus), read by seller software
with its ordinary boto3 client: a live mock started with ``sqs_endpoint_url`` (``serve
--sqs-endpoint-url``) and moto's standalone server on a socket of its own (support/sqs.py).

What is expected comes from Amazon's documents: the SQS message body is the notification itself,
valid against Amazon's payload schema (``OrderChangeNotification.json``,
``FeedProcessingFinishedNotification.json``); a buyer's cancellation request is a
``BuyerRequestedChange`` with ``ChangeReason`` "Buyer Requested Cancel" naming the requested item
(``IsBuyerRequestedCancel`` true); the NotificationId identifies a notification, so a consumer
recognises a second delivery of one by it (the issue: "none twice under a new id"). An
EventBridge event carries the notification type as ``detail-type`` and the notification as
``detail``, from the partner event source ``aws.partner/sellingpartnerapi.amazon.com/...``
(Amazon's EventBridge workflow: the rule matches that source prefix and the type).
"""

from __future__ import annotations

import json
import time
import uuid

import pytest

from spapi_mock.config import Config
from spapi_mock.testing import MockSeller, MockServer, background_server

from support.live_server import live_server
from support.notifications import assert_valid, cancellation_feed, change_of, destination, paid_order, subscribe
from support.orders import MISTAKE
from support.sqs import Consumer, MotoServer


@pytest.fixture(scope="module")
def moto():
    server = MotoServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def server(moto):
    config = Config(sqs_endpoint_url=moto.url, eventbridge_endpoint_url=moto.url)
    with background_server(config) as running:
        yield running


@pytest.fixture
def seller(server):
    seller = MockSeller.create(server, seed="empty")
    yield seller
    seller.close()


# -- helpers ---------------------------------------------------------------------------------------


def queue(moto: MotoServer) -> Consumer:
    return Consumer(moto, f"orders-{uuid.uuid4().hex[:10]}")


def notification_id(notification: dict) -> str:
    metadata = notification.get("NotificationMetadata") or notification["notificationMetadata"]
    return metadata.get("NotificationId") or metadata["notificationId"]


def wait_until(condition, timeout: float = 60.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{what} not reached in {timeout} s")


# -- SQS -------------------------------------------------------------------------------------------


def test_a_buyer_cancellation_request_reaches_the_queue_as_one_order_change(seller, moto):
    consumer = queue(moto)
    order_id, (first, second) = paid_order(seller, 1, 2)
    subscription_id = subscribe(seller, "ORDER_CHANGE", destination(seller, sqs={"arn": consumer.arn}))
    seller.advance_clock("31m")
    seller.apply(order_id, "buyer_request_cancellation", reason=MISTAKE, items=[first])
    (notification,) = consumer.receive(1)
    assert consumer.receive(1, timeout=1.5) == []  # exactly one
    assert_valid(notification)
    change = change_of(notification)
    assert change["AmazonOrderId"] == order_id and change["SellerId"] == seller.seller_id
    assert change["OrderChangeType"] == "BuyerRequestedChange"
    assert change["OrderChangeTrigger"]["ChangeReason"] == "Buyer Requested Cancel"
    flags = {item["OrderItemId"]: item["IsBuyerRequestedCancel"] for item in change["Summary"]["OrderItems"]}
    assert flags == {first: True, second: False}
    assert notification["NotificationMetadata"]["SubscriptionId"] == subscription_id
    # The inbox keeps what was sent, saying where it went: the very body the queue received.
    (sent,) = seller.control.notifications(seller.seller_id)["notifications"]
    assert sent["body"] == notification
    assert (sent["deliveredTo"], sent["attempts"]) == ("sqs", 1) and sent["messageId"]


def test_the_cancellation_feed_sends_the_status_change_and_its_end_in_event_time_order(seller, moto):
    consumer = queue(moto)
    order_id, items = paid_order(seller, 1)
    to_queue = destination(seller, sqs={"arn": consumer.arn})
    subscribe(seller, "ORDER_CHANGE", to_queue)
    subscribe(seller, "FEED_PROCESSING_FINISHED", to_queue)
    seller.advance_clock("31m")
    seller.apply(order_id, "buyer_request_cancellation", reason=MISTAKE)
    assert change_of(consumer.receive(1)[0])["OrderChangeType"] == "BuyerRequestedChange"
    feed_id = cancellation_feed(seller, order_id, items)
    seller.control.process_feeds(seller.seller_id)
    received = consumer.receive(2)
    assert len(received) == 2
    for notification in received:
        assert_valid(notification)
    by_type = {n.get("NotificationType") or n["notificationType"]: n for n in received}
    status_change, finished = by_type["ORDER_CHANGE"], by_type["FEED_PROCESSING_FINISHED"]
    assert change_of(status_change)["OrderChangeType"] == "OrderStatusChange"
    assert change_of(status_change)["Summary"]["OrderStatus"] == "Canceled"
    body = finished["payload"]["feedProcessingFinishedNotification"]
    assert (body["feedId"], body["processingStatus"]) == (feed_id, "DONE")
    assert status_change["EventTime"] <= finished["eventTime"]


def test_a_queue_that_fails_is_retried_and_holds_back_only_its_own_subscription(seller, moto):
    """A queue that does not exist yet: its subscription's notifications wait, in order, with
    their failed attempts shown; another subscription's queue receives meanwhile; once the queue
    exists every notification arrives, each once, in the order of its changes."""
    name = f"late-{uuid.uuid4().hex[:10]}"  # its queue is made later
    missing_arn = f"arn:aws:sqs:us-east-1:123456789012:{name}"
    working = queue(moto)
    subscribe(seller, "ORDER_CHANGE", destination(seller, sqs={"arn": missing_arn}))
    subscribe(seller, "FEED_PROCESSING_FINISHED", destination(seller, sqs={"arn": working.arn}))
    orders = [paid_order(seller, 1)[0] for _ in range(3)]
    for order_id in orders:
        seller.apply(order_id, "seller_cancel", reason="NoInventory")
    order_id, items = paid_order(seller, 1)
    cancellation_feed(seller, order_id, items)
    seller.control.process_feeds(seller.seller_id)
    # The other subscription is not held back.
    (finished,) = working.receive(1)
    assert finished["notificationType"] == "FEED_PROCESSING_FINISHED"

    def failing() -> list[dict]:
        waiting = seller.control.notifications(seller.seller_id)["undelivered"]
        return waiting if waiting and waiting[0].get("attempts", 0) >= 2 else []

    waiting = wait_until(failing, what="two failed attempts")
    head = waiting[0]
    assert "QueueDoesNotExist" in head["lastError"] or "NonExistentQueue" in head["lastError"], head["lastError"]
    assert head["nextAttemptAt"] and head["status"] == "pending"
    # The ones behind the head were not tried: in order per subscription.
    assert all(entry.get("attempts") is None for entry in waiting[1:])
    assert len(waiting) == 2 * len(orders) + 2  # each order's creation and cancellation

    received = Consumer(moto, name).receive(len(waiting), timeout=90)
    assert [notification_id(n) for n in received] == [entry["notificationId"] for entry in waiting]
    changes = [(change_of(n)["AmazonOrderId"], change_of(n)["Summary"]["OrderStatus"]) for n in received]
    made = [*orders, order_id]
    assert changes == [(o, "Unshipped") for o in orders] + [(o, "Canceled") for o in orders] + [
        (order_id, "Unshipped"),
        (order_id, "Canceled"),
    ], made
    assert seller.control.notifications(seller.seller_id)["undelivered"] == []


def test_an_sqs_outage_loses_nothing_and_sends_nothing_twice_under_a_new_id(seller, moto):
    consumer = queue(moto)
    subscribe(seller, "ORDER_CHANGE", destination(seller, sqs={"arn": consumer.arn}))
    before = paid_order(seller, 1)[0]
    assert len(consumer.receive(1)) == 1
    moto.stop()
    try:
        orders = [before, *(paid_order(seller, 1)[0] for _ in range(3))]
        for order_id in orders:
            seller.apply(order_id, "seller_cancel", reason="NoInventory")
        waiting = wait_until(
            lambda: [e for e in seller.control.notifications(seller.seller_id)["undelivered"] if e.get("attempts")],
            what="a failed attempt",
        )
        assert "Could not connect" in waiting[0]["lastError"] or "Connect" in waiting[0]["lastError"], waiting[0]["lastError"]
    finally:
        moto.start()
    expected = [e["notificationId"] for e in seller.control.notifications(seller.seller_id)["undelivered"]]
    assert len(expected) == 3 + 4  # three new orders, four cancellations
    received = consumer.receive(len(expected), timeout=90)
    received += consumer.receive(1, timeout=2)  # nothing more
    ids = [notification_id(n) for n in received]
    assert sorted(set(ids)) == sorted(expected)
    # A repeat (at least once) would carry the same id; none came here, and none under a new one.
    assert len(ids) == len(expected)


def test_serve_sends_to_the_endpoint_its_environment_names(moto, tmp_path):
    """``spapi-mock serve`` as a container is configured: SPAPI_MOCK_SQS_ENDPOINT_URL is
    --sqs-endpoint-url."""
    consumer = queue(moto)
    env = {"SPAPI_MOCK_SQS_ENDPOINT_URL": moto.url}
    with live_server(tmp_dir=tmp_path, env=env) as running:
        seller = MockSeller.create(MockServer(running.base_url), seed="empty")
        subscribe(seller, "ORDER_CHANGE", destination(seller, sqs={"arn": consumer.arn}))
        order_id, _ = paid_order(seller, 1)
        (notification,) = consumer.receive(1)
    assert_valid(notification)
    assert change_of(notification)["AmazonOrderId"] == order_id


# -- EventBridge -----------------------------------------------------------------------------------


def test_an_eventbridge_destination_gets_one_event_per_notification(seller, moto):
    account = str(uuid.uuid4().int)[:12]
    target = queue(moto)
    events = moto.client("events")
    rule = f"spapi-{uuid.uuid4().hex[:8]}"
    pattern = {"source": [{"prefix": "aws.partner/sellingpartnerapi.amazon.com"}], "detail-type": ["ORDER_CHANGE"]}
    events.put_rule(Name=rule, EventPattern=json.dumps(pattern), State="ENABLED")
    target_arn = target.sqs.get_queue_attributes(QueueUrl=target.url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_targets(Rule=rule, Targets=[{"Id": "queue", "Arn": target_arn}])
    try:
        subscribe(seller, "ORDER_CHANGE", destination(seller, eventBridge={"region": "us-east-1", "accountId": account}))
        order_id, _ = paid_order(seller, 1)
        events_received = target.receive(1)
    finally:
        events.remove_targets(Rule=rule, Ids=["queue"])
        events.delete_rule(Name=rule)
    (event,) = events_received
    assert event["detail-type"] == "ORDER_CHANGE"
    assert event["source"].startswith(f"aws.partner/sellingpartnerapi.amazon.com/{account}/")
    assert_valid(event["detail"])
    assert change_of(event["detail"])["AmazonOrderId"] == order_id
    (sent,) = seller.control.notifications(seller.seller_id)["notifications"]
    assert sent["deliveredTo"] == "eventBridge" and sent["eventId"] == event["id"] and sent["body"] == event["detail"]
