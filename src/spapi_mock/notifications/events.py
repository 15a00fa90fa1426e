"""What notifies: the events one committing transaction carries, read from what it changed.

Every path that changes an order or a job (control-plane actions, scenarios, the clock's
automatic cancellations, the Orders write operations, feeds, report schedules) ends in one
``Transaction.commit`` in ``marketplace/backend.py``; the outbox (``notifications/outbox.py``)
is handed the transaction there, before the store write, and asks this module what it carries.
So there is one place that knows what notifies, and no path can change an order unnoticed.

Each change of an order (each ``Transaction.put``, from the order as it stood before it) notifies
when it moves the order's status (``OrderStatusChange``; a new order counts, from no status) and
for each formal buyer cancellation request it adds (``BuyerRequestedChange``, the items flagged):
an order moved twice in one transaction (a scenario's steps share one commit) notifies twice, as
Amazon sends one notification per change, each with its own EventTime. A feed or report notifies
when it reaches DONE, FATAL or CANCELLED (once per commit: only its end notifies). A financial
event (``financial_events``) notifies TRANSACTION_UPDATE when it is posted: stored PENDING (or
not stored yet) before the transaction, posted after it; the clock posts it, so the
notification's time is the event's ``postedAt``.

The ORDER_CHANGE Summary is built from getOrder's and getOrderItems' views of the order as that
change left it (``views/orders_v0``), so it matches what the API showed at that moment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from spapi_mock.domain import finances, jobs
from spapi_mock.domain import notification_payloads as payloads
from spapi_mock.domain.notification_payloads import Metadata
from spapi_mock.kernel.dates import parse_iso
from spapi_mock.store.indexes import FeedIndex, FinancialEventIndex, ReportIndex
from spapi_mock.views import orders_v0

if TYPE_CHECKING:
    from spapi_mock.marketplace.backend import Transaction

# The kinds of job that notify when they end, and what they notify.
JOB_TYPES = {FeedIndex.table: payloads.FEED_PROCESSING_FINISHED, ReportIndex.table: payloads.REPORT_PROCESSING_FINISHED}


@dataclass(frozen=True)
class Event:
    """One thing that notifies: its type, when it happened, what an ORDER_CHANGE eventFilter
    selects on, and how its payload is built once a subscription's metadata is known."""

    seller_id: str
    notification_type: str
    at: datetime
    build: Callable[[Metadata], dict]
    change_type: str | None = None
    marketplace_id: str | None = None
    # The order an ORDER_CHANGE is of (what aggregation holds back per), and the order's status
    # or the job's processingStatus it shows.
    order_id: str | None = None
    status: str | None = None


def of_transaction(tx: Transaction, watched: Callable[[str, str], bool] | None = None) -> list[Event]:
    """What the transaction's commit notifies, earliest first (changes made at one time in the
    order made): every change of an order and every job that ended. ``watched(seller id,
    notification type)`` skips what nobody subscribed to (a clock move changes thousands)."""
    store = tx.backend.store
    found: list[Event] = []
    for (seller_id, order_id), previous, after in tx.order_puts:
        if watched is None or watched(seller_id, payloads.ORDER_CHANGE):
            before = previous if previous is not None else store.orders.get(seller_id, order_id)
            found += order_events(before, after)
    for (table, seller_id, doc_id), after in tx.jobs.items():
        if table in JOB_TYPES and (watched is None or watched(seller_id, JOB_TYPES[table])):
            found += job_events(table, store.index(table).get(seller_id, doc_id), after, tx.now)
        elif table == FinancialEventIndex.table and (watched is None or watched(seller_id, payloads.TRANSACTION_UPDATE)):
            found += transaction_events(store.index(table).get(seller_id, doc_id), after)
    found.sort(key=lambda event: event.at)
    return found


def order_events(before: dict | None, after: dict) -> list[Event]:
    """What one change of an order notifies, earliest first."""
    seller_id, order = after["seller_id"], after["order"]
    view, items = orders_v0.order(after), orders_v0.order_items(after)
    found: list[Event] = []

    def event(change_type: str, reason: str, at: str) -> Event:
        def build(metadata: Metadata) -> dict:
            return payloads.order_change(seller_id, view, items, change_type, reason, at, parse_iso(at), metadata)

        return Event(
            seller_id,
            payloads.ORDER_CHANGE,
            parse_iso(at),
            build,
            change_type,
            order["MarketplaceId"],
            order["AmazonOrderId"],
            order["OrderStatus"],
        )

    known = len((before or {}).get("cancel_requests") or [])
    for request in (after.get("cancel_requests") or [])[known:]:
        if request.get("formal"):
            found.append(event(payloads.BUYER_REQUESTED_CHANGE, payloads.BUYER_REQUESTED_CANCEL, request["at"]))
    if before is None or before["order"]["OrderStatus"] != order["OrderStatus"]:
        found.append(event(payloads.ORDER_STATUS_CHANGE, payloads.ORDER_STATUS_CHANGED, order["LastUpdateDate"]))
    return sorted(found, key=lambda e: e.at)


def job_events(table: str, before: dict | None, after: dict, now: datetime) -> list[Event]:
    """FEED_PROCESSING_FINISHED or REPORT_PROCESSING_FINISHED of a feed or report that ended in
    this change (scheduled reports too: the schedule's report is a report like any other)."""
    if table not in JOB_TYPES:
        return []
    ended = after["processingStatus"] in jobs.ENDED
    if not ended or (before is not None and before["processingStatus"] in jobs.ENDED):
        return []
    seller_id = after["seller_id"]
    at = parse_iso(after["processingEndTime"]) if after.get("processingEndTime") else now
    if table == FeedIndex.table:
        kind = payloads.FEED_PROCESSING_FINISHED

        def build(metadata: Metadata) -> dict:
            return payloads.feed_processing_finished(seller_id, _ended_wire(after, "resultFeedDocumentId"), at, metadata)

    else:
        kind = payloads.REPORT_PROCESSING_FINISHED

        def build(metadata: Metadata) -> dict:
            return payloads.report_processing_finished(seller_id, _ended_wire(after, "reportDocumentId"), at, metadata)

    return [Event(seller_id, kind, at, build, status=after["processingStatus"])]


def transaction_events(before: dict | None, after: dict) -> list[Event]:
    """TRANSACTION_UPDATE of a financial event this change posted (once: a later release or
    deferral of a posted event is no new transaction)."""
    if after["status"] == finances.PENDING or (before is not None and before["status"] != finances.PENDING):
        return []

    def build(metadata: Metadata) -> dict:
        return payloads.transaction_update(after, metadata)

    return [
        Event(
            after["seller_id"],
            payloads.TRANSACTION_UPDATE,
            parse_iso(after["postedAt"]),
            build,
            marketplace_id=after["marketplaceId"],
            order_id=after["orderId"],
            status=after["status"],
        )
    ]


def _ended_wire(job: dict, document: str) -> dict:
    # A document is named only by a job that has one to give (Amazon's getFeed / getReport).
    shown = {name: job[name] for name in ("feedId", "feedType", "reportId", "reportType", "processingStatus") if name in job}
    if job["processingStatus"] in (jobs.JobStatus.DONE, jobs.JobStatus.FATAL) and job.get(document):
        shown[document] = job[document]
    return shown


def selects(subscription: dict, event: Event) -> bool:
    """Whether an ORDER_CHANGE subscription's ``processingDirective.eventFilter`` lets the event
    through: its ``orderChangeTypes`` and ``marketplaceIds``, each when given (Amazon: a filter
    left out selects everything)."""
    if event.notification_type != payloads.ORDER_CHANGE:
        return True
    found = (subscription.get("processingDirective") or {}).get("eventFilter") or {}
    change_types = found.get("orderChangeTypes")
    if change_types and event.change_type not in change_types:
        return False
    marketplaces = found.get("marketplaceIds")
    return not (marketplaces and event.marketplace_id not in marketplaces)
