"""The outbox: notifications recorded in the same store write as the change that caused them,
and delivered after commit by one worker.

Wiring, with imports going down: the marketplace layer may not import this package, so the
backend knows only a hook (``Backend.outbox``, anything with ``records(tx)`` and
``committed()``). ``runtime.Services.start`` hands it this ``Outbox`` before the backend first
settles, as it hands the job runners theirs. At every commit the backend asks ``records(tx)``
for the notification records the transaction's changes make (``notifications/events.py``
derives the events; each subscription of the seller to that type that selects it gets one
record, its ``NotificationId`` fixed there) and writes them in the same ``Store.commit`` as the
changes: a crash leaves both or neither. After the commit, ``committed()`` wakes the worker
if anything is pending.

A record (table ``notifications``)::

    {"seller_id", "notificationId", "sequence", "status": "pending" | "delivered",
     "notificationType", "subscriptionId", "destinationId", "eventTime", "recordedAt",
     "attempts"?, "lastError"?, "lastAttemptAt"?, "nextAttemptAt"?,         # after a failed send
     "deliveredAt"?, "deliveredTo"?, "messageId"? | "eventId"?,             # once delivered
     "body": {the notification as Amazon's schema spells it}}

The worker delivers pending records in ``sequence`` order, at least once: a record is marked
delivered only after its delivery, so a restart (or kill -9) before that delivers it again, with
the same NotificationId. Where it goes is ``notifications/delivery.py``'s choice: the
destination's SQS queue or EventBridge bus when the server has an endpoint for that kind, else
the built-in inbox (``notifications/inbox.py``), where delivering is marking it delivered. Every
delivered record stays in the inbox either way, saying where it went (``deliveredTo``): the
inbox is the mock's record of what it sent.

A send that fails leaves the record pending with its ``attempts``, ``lastError`` and
``nextAttemptAt`` (real time, as the back-off is: 1 s doubling to 30 s), and blocks only its own
subscription: the later records of that subscription wait behind it (in order per
subscription), every other subscription's go on. The worker runs in its own thread, sends
outside any lock and takes the store's only for its writes: nothing that delivers, or fails to,
can slow or fail the request that caused it.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from spapi_mock.domain import notification_payloads as payloads
from spapi_mock.kernel.clock import Clock
from spapi_mock.kernel.dates import parse_iso, to_wire
from spapi_mock.notifications import aggregation, events
from spapi_mock.notifications.delivery import INBOX, DeliveryFailed, Senders
from spapi_mock.notifications.service import APPLICATION_ID
from spapi_mock.notifications.subscriptions import subscriptions_of
from spapi_mock.store.database import Store
from spapi_mock.store.indexes import NotificationIndex

if TYPE_CHECKING:
    from spapi_mock.marketplace.backend import Transaction

log = logging.getLogger("spapi_mock.notifications")

NOTIFICATIONS = NotificationIndex.table
PENDING, DELIVERED = NotificationIndex.PENDING, "delivered"
# Records delivered per store write.
BATCH = 100
# How long the worker sleeps between looks when nothing wakes it.
RETRY_SECONDS = 1.0
# A failed send is tried again after a back-off doubling from the first to the longest.
FIRST_BACKOFF_SECONDS = 1.0
LONGEST_BACKOFF_SECONDS = 30.0


def backoff_seconds(attempts: int) -> float:
    """How long to wait after the ``attempts``-th failed attempt."""
    return min(FIRST_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0), LONGEST_BACKOFF_SECONDS)


class Outbox:
    """Records notifications at commit and delivers them after it, in one worker thread."""

    def __init__(self, store: Store, clock: Clock, senders: Senders | None = None) -> None:
        self.store = store
        self.clock = clock
        self.senders = senders or Senders()
        # Subscription id → when (time.monotonic) its failed head may be tried again.
        self._retry_at: dict[str, float] = {}
        self._wake = threading.Event()
        # Held while delivering or clearing, so a cleared record is never marked delivered back.
        self.lock = threading.Lock()
        # Notified after each delivery and clearing: waiters for a notification look again.
        self.changed = threading.Condition()
        self._worker: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._stopping = False

    # -- recording: called by the backend at commit, under its lock ----------------------------

    def records(self, tx: Transaction) -> list[tuple[str, dict]]:
        """The notification records the transaction's changes make, to be written with them.
        A notification that cannot be built is logged and left out: it never fails the change."""
        try:
            return self._records(tx)
        except Exception:
            log.exception("the notifications of a change could not be recorded")
            return []

    def _records(self, tx: Transaction) -> list[tuple[str, dict]]:
        store = tx.backend.store
        subscribed: dict[tuple[str, str], list[dict]] = {}

        def subscriptions(seller_id: str, kind: str) -> list[dict]:
            if (seller_id, kind) not in subscribed:
                subscribed[(seller_id, kind)] = subscriptions_of(store, seller_id, kind)
            return subscribed[(seller_id, kind)]

        # A change nobody subscribed to costs one lookup (a clock move changes thousands).
        found = events.of_transaction(tx, lambda seller_id, kind: bool(subscriptions(seller_id, kind)))
        made = [
            (event, subscription)
            for event in found
            for subscription in subscriptions(event.seller_id, event.notification_type)
            if events.selects(subscription, event)
        ]
        windows = aggregation.Windows(store, tx.now)
        # Notification id → its record: a held one coalesced again replaces the record in place.
        kept: dict[str, dict] = {}
        for event, subscription in made:
            period = aggregation.period_of(subscription)
            if period is None or event.order_id is None:
                (sequence,) = store.notifications.next_sequences(1)
                doc = record(event.seller_id, subscription, event.build, sequence, tx.now)
            else:
                doc = self._aggregated(windows, event, event.order_id, subscription, period, tx.now)
            kept[doc["notificationId"]] = doc
        return [(NOTIFICATIONS, doc) for doc in kept.values()]

    @staticmethod
    def _aggregated(
        windows: aggregation.Windows, event: events.Event, order_id: str, subscription: dict, period: timedelta, now: datetime
    ) -> dict:
        """The record of an event for a subscription with aggregationSettings
        (``notifications/aggregation.py``): sent now, held to its window's end, or replacing the
        held record of its window with the event's final state."""
        subscription_id = subscription["subscriptionId"]
        decision, found = windows.decide(event.seller_id, subscription_id, order_id, event.at, period)
        if decision == aggregation.COALESCE:
            doc = record(
                event.seller_id,
                subscription,
                event.build,
                found["sequence"],
                now,
                notification_id=found["notificationId"],
                publish_at=parse_iso(found["notBefore"]),
            )
            doc.update(aggregation=found["aggregation"], notBefore=found["notBefore"], recordedAt=found["recordedAt"])
        else:
            (sequence,) = windows.store.notifications.next_sequences(1)
            publish_at = parse_iso(found["notBefore"]) if decision == aggregation.HOLD else None
            doc = {**record(event.seller_id, subscription, event.build, sequence, now, publish_at=publish_at), **found}
        windows.made(subscription_id, doc)
        return doc

    def committed(self) -> None:
        """A transaction committed: the worker looks for pending records, if there are any (held
        ones included). A look with none finds nothing to do, and waking a thread for it cost
        every write about 200 us of CPU."""
        if self.store.notifications.has_pending():
            self._wake.set()
        self._ensure_worker()

    # -- delivering ----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the worker, which first delivers what a restart left pending."""
        self._stopping = False
        self.committed()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the worker (what it has not delivered stays pending in the store)."""
        self._stopping = True
        self._wake.set()
        worker = self._worker
        if worker is not None and worker is not threading.current_thread():
            worker.join(timeout)

    def deliver_pending(self) -> int:
        """Deliver every pending record that may go now, in sequence order; how many were
        delivered. A subscription whose head failed (or waits for its back-off) is passed over,
        its later records with it."""
        delivered = 0
        now = time.monotonic()
        blocked = {subscription for subscription, at in self._retry_at.items() if at > now}
        after: str | None = None
        while not self._stopping:
            batch = self.store.notifications.pending(BATCH, after)
            if not batch:
                break
            after = batch[-1]["sequence"]
            done: list[dict] = []
            for doc in batch:
                subscription = doc["subscriptionId"]
                if subscription in blocked:
                    continue
                if aggregation.is_held(doc, self.clock.now()):
                    # Held to its aggregation window's end (mock time); it blocks nothing: the
                    # subscription's other orders go on. A clock move's commit wakes the worker.
                    continue
                destination = self.store.destinations.get_destination(doc.get("destinationId") or "")
                channel = self.senders.channel(destination)
                answer: dict = {}
                if channel != INBOX:
                    try:
                        answer = self.senders.send(destination, doc["body"])
                    except DeliveryFailed as exc:
                        blocked.add(subscription)
                        self._failed(doc, str(exc))
                        continue
                self._retry_at.pop(subscription, None)
                done.append(self._delivered(doc, channel, answer))
            if done:
                with self.lock:
                    delivered += self.store.update_present(NOTIFICATIONS, done)
        if delivered:
            self.notify_changed()
        return delivered

    def _delivered(self, doc: dict, channel: str, answer: dict) -> dict:
        kept = {name: value for name, value in doc.items() if name != "nextAttemptAt"}
        at = to_wire(self.clock.now())
        attempts = doc.get("attempts", 0) + 1
        return {**kept, **answer, "status": DELIVERED, "deliveredAt": at, "deliveredTo": channel, "attempts": attempts}

    def _failed(self, doc: dict, error: str) -> None:
        """Record the failed attempt on the (still pending) record and when the next one is due."""
        attempts = doc.get("attempts", 0) + 1
        wait = backoff_seconds(attempts)
        self._retry_at[doc["subscriptionId"]] = time.monotonic() + wait
        now = datetime.now(UTC)
        failed = {
            **doc,
            "attempts": attempts,
            "lastError": error[:1000],
            "lastAttemptAt": _real_time(now),
            "nextAttemptAt": _real_time(now.timestamp() + wait),
        }
        log.warning(
            "notification %s (subscription %s) not delivered, attempt %d: %s; next attempt in %g s",
            doc["notificationId"],
            doc["subscriptionId"],
            attempts,
            error,
            wait,
        )
        with self.lock:
            self.store.update_present(NOTIFICATIONS, [failed])

    def notify_changed(self) -> None:
        with self.changed:
            self.changed.notify_all()

    def _ensure_worker(self) -> None:
        with self._start_lock:
            if not self._stopping and (self._worker is None or not self._worker.is_alive()):
                self._worker = threading.Thread(target=self._work, name="notifications-outbox", daemon=True)
                self._worker.start()

    def _work(self) -> None:
        while not self._stopping:
            self._wake.wait(self._next_look())
            self._wake.clear()
            if self._stopping:
                return
            try:
                self.deliver_pending()
            except Exception:  # one failed write must not stop delivery: logged, tried again
                log.exception("notifications could not be delivered; trying again in %s s", RETRY_SECONDS)

    def _next_look(self) -> float:
        # The sooner of the regular look and the first back-off that ends.
        waits = [at - time.monotonic() for at in self._retry_at.values()]
        return max(0.0, min([RETRY_SECONDS, *waits]))


def _real_time(when: datetime | float) -> str:
    instant = when if isinstance(when, datetime) else datetime.fromtimestamp(when, UTC)
    return instant.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def record(
    seller_id: str,
    subscription: dict,
    build: Callable[[payloads.Metadata], dict],
    sequence: str,
    now: datetime,
    *,
    notification_id: str | None = None,
    publish_at: datetime | None = None,
) -> dict:
    """A pending record of one notification for one subscription, its NotificationId fixed here
    so that every delivery of it carries the same one (a held record coalesced again keeps its
    own). Its PublishTime is now, or when a held one is released (``publish_at``)."""
    notification_id = notification_id or str(uuid.uuid4())
    metadata = payloads.Metadata(APPLICATION_ID, subscription["subscriptionId"], notification_id, publish_at or now)
    body = build(metadata)
    return {
        "seller_id": seller_id,
        "notificationId": notification_id,
        "sequence": sequence,
        "status": PENDING,
        "notificationType": subscription["notificationType"],
        "subscriptionId": subscription["subscriptionId"],
        "destinationId": subscription.get("destinationId"),
        "eventTime": payloads.event_time(body),
        "recordedAt": to_wire(now),
        "body": body,
    }
