"""The built-in inbox: each seller's delivered notifications, to read, wait on and clear, and
the "send a test notification" that users ask Amazon for.

With no SQS or EventBridge endpoint configured every notification lands here (the delivery
worker of ``notifications/outbox.py`` marks it delivered), so a test asserts on notifications
with nothing else running: the control plane, the command line, ``spapi_mock.testing`` and the
pytest plugin all read it through ``LocalControl``.

A test notification goes through the same outbox as any other: recorded in a transaction of
its own, delivered by the worker, with a NotificationId of its own.
"""

from __future__ import annotations

import time

from spapi_mock.domain import notification_payloads as payloads
from spapi_mock.domain.exceptions import RuleViolation, Unknown
from spapi_mock.marketplace.backend import Backend
from spapi_mock.notifications.outbox import DELIVERED, NOTIFICATIONS, Outbox, record
from spapi_mock.views import orders_v0

# How long one wait may last: a request of the control plane holds a server thread meanwhile.
LONGEST_WAIT_SECONDS = 120.0
# The ChangeReason of a test notification: it names no change of the order.
TEST_CHANGE_REASON = "Test Notification"


class NoNotification(Unknown):
    """Nothing of the kind arrived in the time given (HTTP 404)."""


class Inbox:
    def __init__(self, backend: Backend, outbox: Outbox) -> None:
        self.backend = backend
        self.outbox = outbox

    def notifications(self, seller_id: str, notification_type: str | None = None) -> list[dict]:
        """The seller's delivered notifications (of one type, or all), oldest first."""
        docs = self.backend.store.notifications.of_seller(seller_id)
        return [entry(doc) for doc in docs if doc["status"] == DELIVERED and _of_type(doc, notification_type)]

    def pending(self, seller_id: str) -> int:
        return self.backend.store.notifications.pending_count(seller_id)

    def undelivered(self, seller_id: str) -> list[dict]:
        """The seller's notifications still to deliver, in order, each with its failed attempts
        (``attempts``, ``lastError``, ``nextAttemptAt``) when a send failed."""
        docs = self.backend.store.notifications.of_seller(seller_id)
        return [entry(doc) for doc in docs if doc["status"] != DELIVERED]

    def wait_for(self, seller_id: str, notification_type: str | None, timeout: float) -> dict:
        """The seller's first delivered notification of the type, waiting up to ``timeout``
        seconds for one to arrive."""
        if not 0 <= timeout <= LONGEST_WAIT_SECONDS:
            raise RuleViolation(f"Invalid timeout: {timeout} is not between 0 and {LONGEST_WAIT_SECONDS:g} seconds.")
        deadline = time.monotonic() + timeout
        with self.outbox.changed:
            while True:
                found = self.notifications(seller_id, notification_type)
                if found:
                    return found[0]
                left = deadline - time.monotonic()
                if left <= 0:
                    kind = f"{notification_type} notification" if notification_type else "notification"
                    raise NoNotification(f"No {kind} arrived for seller {seller_id} in {timeout:g} s.")
                self.outbox.changed.wait(left)

    def clear(self, seller_id: str, notification_type: str | None = None) -> int:
        """Forget the seller's notifications (of one type, or all), delivered or not yet."""
        with self.outbox.lock:
            docs = [doc for doc in self.backend.store.notifications.of_seller(seller_id) if _of_type(doc, notification_type)]
            if docs:
                self.backend.store.commit(drop=[(NOTIFICATIONS, (seller_id, doc["notificationId"])) for doc in docs])
        self.outbox.notify_changed()
        return len(docs)

    def send_test(self, seller_id: str, subscription_id: str) -> dict:
        """Record an ORDER_CHANGE for the subscription, of the seller's most recently updated
        order as getOrder shows it, through the outbox."""
        with self.backend.transaction(seller_id) as tx:
            store = tx.stored
            subscription = store.subscriptions.get(seller_id, subscription_id)
            if subscription is None:
                raise Unknown(f"Subscription {subscription_id} of seller {seller_id} not found.")
            if subscription["notificationType"] != payloads.ORDER_CHANGE:
                raise RuleViolation(
                    f"Invalid subscriptionId: test notifications are ORDER_CHANGE, and {subscription_id} "
                    f"is a {subscription['notificationType']} subscription."
                )
            latest = store.orders.latest(seller_id, 1)
            if not latest:
                raise RuleViolation(f"Seller {seller_id} has no order for a test ORDER_CHANGE to describe.")
            doc = latest[0]
            order, items = orders_v0.order(doc), orders_v0.order_items(doc)
            now = tx.now

            def build(metadata: payloads.Metadata) -> dict:
                return payloads.order_change(
                    seller_id, order, items, payloads.ORDER_STATUS_CHANGE, TEST_CHANGE_REASON, None, now, metadata
                )

            (sequence,) = store.notifications.next_sequences(1)
            made = record(seller_id, subscription, build, sequence, now)
            tx.keep(NOTIFICATIONS, made)
        return entry(made)


def entry(doc: dict) -> dict:
    """A notification as the control plane shows it: ``body`` is what a consumer receives."""
    shown = {
        name: doc.get(name)
        for name in ("notificationId", "notificationType", "subscriptionId", "destinationId", "eventTime", "recordedAt")
    }
    # Where it went and how its sends went (outbox.py), when known.
    delivery = {name: doc[name] for name in DELIVERY_FIELDS if name in doc}
    return {**shown, "status": doc["status"], "deliveredAt": doc.get("deliveredAt"), **delivery, "body": doc["body"]}


# ``notBefore``: a record aggregation holds back until then (mock time, notifications/aggregation.py).
DELIVERY_FIELDS = ("deliveredTo", "messageId", "eventId", "attempts", "lastError", "lastAttemptAt", "nextAttemptAt", "notBefore")


def _of_type(doc: dict, notification_type: str | None) -> bool:
    return notification_type is None or doc["notificationType"] == notification_type
