"""ORDER_CHANGE aggregation through a real socket, on the mock clock moved by the control plane.

Amazon's model (notifications.json, ``AggregationTimePeriod``): "if FiveMinutes is the value
chosen, and 50 price updates occur for an ASIN within 5 minutes, Amazon will send only two
notifications; one for the first event, and then a subsequent notification 5 minutes later with
the final end state of the data. The 48 interim events will be dropped." ORDER_CHANGE takes
``eventFilter.aggregationSettings``; its notification is of one order, so the window is kept
per order: an order's first change goes at once, its later changes within the period arrive as
one notification when the period ends, with the order's final state; other orders are not held.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest

from spapi_mock.config import Config
from spapi_mock.testing import MockSeller, background_server

from support.notifications import assert_valid, change_of, subscribe


def at(wire: str, minutes: int = 0) -> str:
    moved = datetime.fromisoformat(wire.replace("Z", "+00:00")) + timedelta(minutes=minutes)
    return moved.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def server():
    with background_server(Config()) as running:
        yield running


@pytest.fixture
def seller(server):
    seller = MockSeller.create(server, seed="empty")
    seller.freeze_clock()
    yield seller
    seller.close()


def aggregating(period: str) -> dict:
    """An ORDER_CHANGE processing directive aggregating over ``period``."""
    return {"eventFilter": {"eventFilterType": "ORDER_CHANGE", "aggregationSettings": {"aggregationTimePeriod": period}}}


def delivered_count(seller: MockSeller, count: int, timeout: float = 10.0) -> list[dict]:
    """The seller's delivered notifications once there are ``count`` of them."""
    deadline = time.monotonic() + timeout
    while True:
        found = seller.notifications()
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def stays(seller: MockSeller, count: int, seconds: float = 1.0) -> None:
    """No more than ``count`` notifications arrive in the time the worker takes to deliver."""
    time.sleep(seconds)
    assert len(seller.notifications()) == count


def orders(seller: MockSeller, count: int) -> list[str]:
    """Pending orders placed before anyone subscribed, past the buyer's self-cancel window."""
    ids = [seller.create_order(items=[{"QuantityOrdered": 1}])["AmazonOrderId"] for _ in range(count)]
    seller.advance_clock("31m")
    return ids


def test_an_orders_changes_within_five_minutes_are_two_notifications_the_second_with_its_final_state(seller):
    first, other = orders(seller, 2)
    subscribe(seller, "ORDER_CHANGE", processing_directive=aggregating("FiveMinutes"))
    t0 = seller.now()
    seller.apply(first, "authorize_payment")
    opening = seller.wait_for_notification("ORDER_CHANGE")
    assert change_of(opening)["OrderChangeType"] == "OrderStatusChange"
    assert change_of(opening)["Summary"]["OrderStatus"] == "Unshipped"
    seller.advance_clock("1m")
    seller.apply(first, "buyer_request_cancellation", reason="Order Created By Mistake")
    seller.advance_clock("1m")
    seller.apply(first, "seller_cancel", reason="BuyerCanceled")
    # Another order is not held by the first one's window.
    seller.apply(other, "authorize_payment")
    arrived = delivered_count(seller, 2)
    assert [change_of(n)["AmazonOrderId"] for n in arrived] == [first, other]
    waiting = seller.control.notifications(seller.seller_id)["undelivered"]
    assert len(waiting) == 1 and waiting[0]["notBefore"] == at(t0, 5)
    seller.advance_clock("2m")  # t0 + 4m: still inside the window
    stays(seller, 2)
    seller.advance_clock("1m")  # t0 + 5m: the window ends
    everything = delivered_count(seller, 3)
    assert len(everything) == 3
    # The inbox lists in the order changes were recorded; the held one went last.
    (final,) = [n for n in everything if n["NotificationMetadata"]["NotificationId"] == waiting[0]["notificationId"]]
    assert everything.index(final) == 1
    assert_valid(final)
    change = change_of(final)
    assert change["AmazonOrderId"] == first
    # The final end state: the cancellation, not the interim request (dropped).
    assert change["OrderChangeType"] == "OrderStatusChange" and change["Summary"]["OrderStatus"] == "Canceled"
    assert final["EventTime"] == at(t0, 2)
    assert final["NotificationMetadata"]["PublishTime"] == at(t0, 5)
    stays(seller, 3, 0.5)


def test_ten_minutes_holds_for_ten_and_a_change_after_the_window_goes_at_once(seller):
    (order_id,) = orders(seller, 1)
    subscribe(seller, "ORDER_CHANGE", processing_directive=aggregating("TenMinutes"))
    seller.apply(order_id, "authorize_payment")
    seller.wait_for_notification("ORDER_CHANGE")
    seller.advance_clock("1m")
    seller.apply(order_id, "buyer_request_cancellation", reason="Order Created By Mistake")
    seller.advance_clock("8m")  # 9m: held still
    stays(seller, 1)
    seller.advance_clock("1m")  # 10m
    request = delivered_count(seller, 2)[1]
    assert change_of(request)["OrderChangeType"] == "BuyerRequestedChange"
    # A window ended: the order's next change opens a new one and goes at once.
    seller.advance_clock("1m")
    seller.apply(order_id, "seller_cancel", reason="BuyerCanceled")
    cancelled = delivered_count(seller, 3)
    assert len(cancelled) == 3 and change_of(cancelled[2])["Summary"]["OrderStatus"] == "Canceled"


def test_a_held_notification_survives_a_restart_and_goes_when_the_clock_reaches_its_time(tmp_path):
    config = Config(db_path=tmp_path / "store.json")
    with background_server(config) as running:
        seller = MockSeller.create(running, seed="empty")
        seller.freeze_clock()
        (order_id,) = orders(seller, 1)
        subscribe(seller, "ORDER_CHANGE", processing_directive=aggregating("FiveMinutes"))
        seller.apply(order_id, "authorize_payment")
        seller.wait_for_notification("ORDER_CHANGE")
        seller.advance_clock("1m")
        seller.apply(order_id, "seller_cancel", reason="NoInventory")
        stays(seller, 1, 0.5)
        (held,) = seller.control.notifications(seller.seller_id)["undelivered"]
    with background_server(config) as running:
        again = MockSeller(running, seller.seller_id, seller.refresh_token)
        stays(again, 1, 0.5)  # the restart does not send it early
        again.advance_clock("4m")
        arrived = delivered_count(again, 2)
        assert len(arrived) == 2
        assert arrived[1]["NotificationMetadata"]["NotificationId"] == held["notificationId"]
        assert change_of(arrived[1])["Summary"]["OrderStatus"] == "Canceled"
