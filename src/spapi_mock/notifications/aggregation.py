"""ORDER_CHANGE aggregation: a subscription's ``processingDirective.eventFilter.aggregationSettings``.

Amazon's model (notifications.json, ``AggregationTimePeriod``, values FiveMinutes and TenMinutes)
says: "if FiveMinutes is the value chosen, and 50 price updates occur for an ASIN within 5
minutes, Amazon will send only two notifications; one for the first event, and then a
subsequent notification 5 minutes later with the final end state of the data. The 48 interim
events will be dropped." ORDER_CHANGE is one of the two types that take it (with
ANY_OFFER_CHANGED); its payload is consolidated at the order level, so an order is what a
window is kept per here, as an ASIN is for offers.

So, per subscription and order, on the mock clock: an event with no window open goes at once
and opens one for the period; the events inside that window are coalesced into one held record
(its NotificationId kept as it is replaced), the last event's notification, released when the
window ends (``notBefore``, mock time: the delivery worker holds it until the clock reaches it).
A held record is a pending record of the ``notifications`` table like any other, so a restart
keeps it. An event inside a window whose held record is already due (the worker may be sending
it) goes at once, opening a new window, rather than changing what is being sent.

Each record of an aggregating subscription carries ``aggregation: {orderId, windowEnd}``; a held
one also ``notBefore`` (its windowEnd).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from spapi_mock.kernel.dates import parse_iso, to_wire
from spapi_mock.store.database import Store
from spapi_mock.store.indexes import NotificationIndex

# Amazon's AggregationTimePeriod values, and how long each holds an order's later events back.
PERIODS = {"FiveMinutes": timedelta(minutes=5), "TenMinutes": timedelta(minutes=10)}
HOLD, COALESCE, NOW = "hold", "coalesce", "now"


def period_of(subscription: dict) -> timedelta | None:
    """The subscription's aggregation period, or None when it sends every event at once."""
    event_filter = (subscription.get("processingDirective") or {}).get("eventFilter") or {}
    settings = event_filter.get("aggregationSettings") or {}
    return PERIODS.get(settings.get("aggregationTimePeriod"))


def is_held(doc: dict, now: datetime) -> bool:
    """A record the worker must not send before the mock clock reaches its ``notBefore``."""
    return bool(doc.get("notBefore")) and parse_iso(doc["notBefore"]) > now


class Windows:
    """The aggregation windows one commit sees: the store's records, and the ones this commit
    makes (not yet in the store)."""

    def __init__(self, store: Store, now: datetime) -> None:
        self.store = store
        self.now = now
        # (subscription id, order id) → the latest record this commit made for them.
        self._made: dict[tuple[str, str], dict] = {}

    def decide(self, seller_id: str, subscription_id: str, order_id: str, at: datetime, period: timedelta) -> tuple[str, dict]:
        """What an event at ``at`` becomes: (NOW, fields) sent at once opening a window; (HOLD,
        fields) a new record held to the window's end; (COALESCE, the held record) replacing it."""
        latest = self._latest(seller_id, subscription_id, order_id, at, period)
        if latest is not None:
            window_end = parse_iso(latest["aggregation"]["windowEnd"])
            if latest["status"] == NotificationIndex.PENDING and is_held(latest, self.now):
                return COALESCE, latest
            if not latest.get("notBefore") and window_end > at:
                fields = {"aggregation": latest["aggregation"], "notBefore": latest["aggregation"]["windowEnd"]}
                return HOLD, fields
        return NOW, {"aggregation": {"orderId": order_id, "windowEnd": to_wire(at + period)}}

    def made(self, subscription_id: str, doc: dict) -> None:
        """A record this commit writes for an aggregating subscription."""
        self._made[(subscription_id, doc["aggregation"]["orderId"])] = doc

    def _latest(self, seller_id: str, subscription_id: str, order_id: str, at: datetime, period: timedelta) -> dict | None:
        made = self._made.get((subscription_id, order_id))
        if made is not None:
            return made
        # A record first recorded a period before the event belongs to a window closed by then,
        # and so does every one recorded before it: the look back stops there.
        horizon = at - period
        for doc in self.store.notifications.newest_first(seller_id):
            if parse_iso(doc["recordedAt"]) < horizon:
                return None
            aggregation = doc.get("aggregation") or {}
            if doc["subscriptionId"] == subscription_id and aggregation.get("orderId") == order_id:
                return doc
        return None
