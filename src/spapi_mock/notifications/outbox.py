"""The outbox: notifications recorded in the same store write as the change that caused them,
and delivered after commit by one worker.

Wiring, with imports going down: the marketplace layer may not import this package, so the
backend knows only a hook (``Backend.outbox``, anything with ``records(tx)`` and
``committed()``). ``runtime.Services.start`` hands it this ``Outbox`` before the backend first
settles, as it hands the job runners theirs. At every commit the backend asks ``records(tx)``
for the notification records the transaction's changes make (``notifications/events.py``
derives the events; each subscription of the seller to that type that selects it gets one
record, its ``NotificationId`` fixed there) and writes them in the same ``Store.commit`` as the
changes: a crash leaves both or neither. After the commit, ``committed()`` wakes the worker.

A record (table ``notifications``)::

    {"seller_id", "notificationId", "sequence", "status": "pending" | "delivered",
     "notificationType", "subscriptionId", "destinationId", "eventTime", "recordedAt",
     "deliveredAt"?, "body": {the notification as Amazon's schema spells it}}

The worker delivers pending records in ``sequence`` order (so in order per subscription), at
least once: a record is marked delivered only after its delivery, so a restart (or kill -9)
before that delivers it again, with the same NotificationId. For now every destination is the
built-in inbox (``notifications/inbox.py``): delivering is marking the record delivered. The
worker runs in its own thread and only ever takes the store's lock for a write: nothing that
delivers can slow or fail the request that caused it.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from spapi_mock.domain import notification_payloads as payloads
from spapi_mock.kernel.clock import Clock
from spapi_mock.kernel.dates import to_wire
from spapi_mock.notifications import events
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
# How long the worker sleeps between looks when nothing wakes it (a delivery that failed is tried again then).
RETRY_SECONDS = 1.0


class Outbox:
    """Records notifications at commit and delivers them after it, in one worker thread."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
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

        found: list[events.Event] = []
        for (seller_id, order_id), after in tx.changed.items():
            # A change nobody subscribed to costs one lookup (a clock move changes thousands).
            if subscriptions(seller_id, payloads.ORDER_CHANGE):
                found += events.order_events(store.orders.get(seller_id, order_id), after)
        for (table, seller_id, doc_id), after in tx.jobs.items():
            if table in events.JOB_TYPES and subscriptions(seller_id, events.JOB_TYPES[table]):
                found += events.job_events(table, store.index(table).get(seller_id, doc_id), after, tx.now)
        found.sort(key=lambda event: event.at)
        made = [
            (event, subscription)
            for event in found
            for subscription in subscriptions(event.seller_id, event.notification_type)
            if events.selects(subscription, event)
        ]
        sequences = store.notifications.next_sequences(len(made)) if made else []
        return [
            (NOTIFICATIONS, record(event.seller_id, subscription, event.build, sequence, tx.now))
            for (event, subscription), sequence in zip(made, sequences, strict=True)
        ]

    def committed(self) -> None:
        """A transaction committed: the worker looks for pending records."""
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
        """Deliver every pending record, in sequence order; how many were delivered."""
        delivered = 0
        with self.lock:
            while not self._stopping:
                batch = self.store.notifications.pending(BATCH)
                if not batch:
                    break
                at = to_wire(self.clock.now())
                # The built-in inbox: a record is delivered once it says so.
                delivered += self.store.update_present(
                    NOTIFICATIONS, [{**r, "status": DELIVERED, "deliveredAt": at} for r in batch]
                )
        if delivered:
            self.notify_changed()
        return delivered

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
            self._wake.wait(RETRY_SECONDS)
            self._wake.clear()
            if self._stopping:
                return
            try:
                self.deliver_pending()
            except Exception:  # one failed write must not stop delivery: logged, tried again
                log.exception("notifications could not be delivered; trying again in %s s", RETRY_SECONDS)


def record(seller_id: str, subscription: dict, build: Callable[[payloads.Metadata], dict], sequence: str, now: datetime) -> dict:
    """A pending record of one notification for one subscription, its NotificationId fixed here
    so that every delivery of it carries the same one."""
    notification_id = str(uuid.uuid4())
    body = build(payloads.Metadata(APPLICATION_ID, subscription["subscriptionId"], notification_id, now))
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
