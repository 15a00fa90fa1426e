"""The control plane's operations, performed on a backend in this process.

``LocalControl`` is the service behind every way of reaching the control plane: the HTTP
handlers call it on the server's own services, ``HttpControl`` mirrors it over HTTP, and the
command line calls either. Its methods are the ones ``control/operations.py`` declares; it
returns the JSON documents the HTTP API answers and raises ControlError with the SP-API error's
status, code and message, so code written against it works against a server too.

``LocalControl.open("state.json")`` acts on a store file without a server (what
``spapi-mock scenario run --db`` uses).
"""

from __future__ import annotations

import copy
import functools
import gzip
from collections.abc import Callable
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from spapi_mock import __version__
from spapi_mock.config import Config
from spapi_mock.control import actions, money, scenarios
from spapi_mock.control.client import ControlError
from spapi_mock.control.operations import OPERATIONS
from spapi_mock.domain import feeds as feed_rules
from spapi_mock.domain import reports as report_rules
from spapi_mock.domain.exceptions import RuleViolation
from spapi_mock.domain.orders import buyer_requested_cancel
from spapi_mock.errors import from_exception
from spapi_mock.feeds.service import Feeds
from spapi_mock.kernel.clock import Clock
from spapi_mock.kernel.dates import parse_duration, parse_fixture_date
from spapi_mock.marketplace.backend import Backend
from spapi_mock.notifications.inbox import Inbox
from spapi_mock.reports.service import Reports
from spapi_mock.runtime import Services, build_services
from spapi_mock.traffic.faults import FaultError
from spapi_mock.views import orders_v0 as v0_views

# How many orders ``orders()`` lists unless told (the control spec's default for listOrders).
DEFAULT_ORDERS_LIMIT = 100
# Order fields every stored order has (the fixture loader and the order factory require them).
_SUMMARY_FIELDS = ("AmazonOrderId", "OrderStatus", "MarketplaceId", "PurchaseDate", "LastUpdateDate")
# The dashboard: one page of HTML, CSS and JavaScript shipped in the package, served as it is.
DASHBOARD_PAGE = "control/dashboard.html"
T = TypeVar("T")


class LocalControl:
    """The control plane of a backend in this process."""

    def __init__(self, backend: Backend, scenarios_dir: Path | None = None, services: Services | None = None) -> None:
        self.backend = backend
        self.scenarios_dir = scenarios_dir
        # Throttling, faults, the journal and auth belong to a server's services.
        self.services = services

    @functools.cached_property
    def feed_desk(self) -> Feeds:
        # A backend without a server's services gets its own, which runs feeds in the caller's
        # thread when asked to process them (building it wires nothing into the backend).
        return self.services.feeds if self.services is not None else Feeds(self.backend)

    @functools.cached_property
    def report_desk(self) -> Reports:
        return self.services.reports if self.services is not None else Reports(self.backend)

    @classmethod
    def of(cls, services: Services) -> LocalControl:
        return cls(services.backend, services.config.scenarios_dir, services)

    @classmethod
    def open(cls, db_path: str | Path, fixtures_dir: str | Path | None = None, scenarios_dir: Path | None = None) -> LocalControl:
        """A backend on a store file (created from the fixtures if it is new or empty)."""
        config = Config(
            db_path=Path(db_path), fixtures_dir=Path(fixtures_dir) if fixtures_dir else None, scenarios_dir=scenarios_dir
        )
        return cls.of(build_services(config, Clock()).start())

    def close(self) -> None:
        if self.services is not None:
            self.services.stop()
        else:
            self.backend.store.close()

    # -- the server ----------------------------------------------------------------------------

    def index(self) -> dict:
        """Where the control plane's parts are: what the start-up banner points to."""
        return {
            "name": "spapi-mock control plane",
            "version": __version__,
            "docs": "/_mock/ui/",
            "dashboard": "/_mock/dashboard",
            "health": "/_mock/health",
            "operations": sorted(_operation_paths()),
        }

    def health(self) -> dict:
        """Up and ready: answered once the store is loaded, as a container's health check wants."""
        store = self.backend.reading()
        return {
            "status": "ok",
            "version": __version__,
            "orders": store.orders.count(),
            "sellers": len(store.orders.sellers()),
            "store": store.path or "memory",
            "clock": self.backend.clock_state(),
        }

    def dashboard_page(self) -> str:
        # Read on every request, so an edited page shows on reload; it is a few kilobytes.
        return resources.files("spapi_mock").joinpath(DASHBOARD_PAGE).read_text(encoding="utf-8")

    # -- the clock -----------------------------------------------------------------------------

    def clock(self) -> dict:
        return self.backend.clock_state()

    def freeze_clock(self, at: str | None = None) -> dict:
        return self._guard(lambda: self.backend.freeze_clock(self._instant(at) if at else None))

    def unfreeze_clock(self) -> dict:
        return self.backend.unfreeze_clock()

    def set_clock(self, at: str) -> dict:
        return self._guard(lambda: self.backend.set_clock(self._instant(at)))

    def advance_clock(self, by: str) -> dict:
        return self._guard(lambda: self.backend.advance_clock(_duration(by)))

    # -- the store -----------------------------------------------------------------------------

    def reset(self, seller_id: str | None = None) -> dict:
        """The whole server back as it started (orders, sellers, clock, journal, faults,
        throttling and auth modes), or one seller's orders, journal, faults and buckets."""
        if self.services is not None:
            return {"orders": self._guard(lambda: self.services.reset(seller_id))}
        return {"orders": self._guard(lambda: self.backend.reset(seller_id))}

    def load_fixtures(self, data: dict, replace: bool = False) -> dict:
        return self._guard(lambda: {"orders": self.backend.load_fixtures(data, replace=replace)})

    def orders(self, seller_id: str | None = None, limit: int = DEFAULT_ORDERS_LIMIT) -> dict:
        """The seller's most recently updated orders, latest first, as one-line summaries."""
        if limit < 1:
            raise ControlError(400, "InvalidInput", f"Invalid limit: {limit} is less than the minimum of 1.")
        seller = self._seller(seller_id)
        count, docs = self.backend.recent_orders(seller, limit)
        return {"sellerId": seller, "count": count, "orders": [_order_summary(doc) for doc in docs]}

    def order(self, order_id: str, seller_id: str | None = None) -> dict:
        """The order and its items as the v0 API shows them, and its history, oldest first."""
        seller = self._seller(seller_id)
        doc = self._guard(lambda: self.backend.order(seller, order_id))
        history = sorted(copy.deepcopy(doc.get("history") or []), key=lambda event: event["at"])
        return {"sellerId": seller, **v0_views.order_with_items(doc), "history": history}

    def order_finances(self, order_id: str, seller_id: str | None = None) -> dict:
        """The order's money: every financial event (pending ones too, which no API shows yet)
        with its status and times, settlement group, items and total, and the order's totals."""
        seller = self._seller(seller_id)
        doc = self._guard(lambda: self.backend.order(seller, order_id))
        records = self.backend.reading().financial_events.of_order(seller, order_id)
        events = [{name: value for name, value in record.items() if name != "seller_id"} for record in records]
        return {
            "sellerId": seller,
            "orderId": order_id,
            "orderStatus": doc["order"]["OrderStatus"],
            "currency": records[0]["currency"] if records else (doc["order"].get("OrderTotal") or {}).get("CurrencyCode"),
            "events": events,
            "totals": money.totals(records),
        }

    def feeds(self, seller_id: str | None = None, limit: int = DEFAULT_ORDERS_LIMIT) -> dict:
        """The seller's feeds, newest first: status, times, documents, and each message's outcome."""
        if limit < 1:
            raise ControlError(400, "InvalidInput", f"Invalid limit: {limit} is less than the minimum of 1.")
        seller = self._seller(seller_id)
        feeds = self.backend.reading().feeds
        entries = feeds.newest_first(seller)
        shown = [feeds.get(*entry.key) for entry in entries[:limit]]
        return {"sellerId": seller, "count": len(entries), "feeds": [_feed_summary(feed) for feed in shown]}

    def process_feeds(self, seller_id: str | None = None) -> dict:
        """Run the seller's queued and unfinished feeds to their end now, whatever the clock."""
        seller = self._seller(seller_id)
        return {"sellerId": seller, "feeds": [_feed_summary(feed) for feed in self.feed_desk.process_now(seller)]}

    def reports(self, seller_id: str | None = None, limit: int = DEFAULT_ORDERS_LIMIT) -> dict:
        """The seller's reports, newest first, with their documents, and the seller's schedules."""
        if limit < 1:
            raise ControlError(400, "InvalidInput", f"Invalid limit: {limit} is less than the minimum of 1.")
        seller = self._seller(seller_id)
        store = self.backend.reading()
        entries = store.reports.newest_first(seller)
        shown = [store.reports.get(*entry.key) for entry in entries[:limit]]
        schedules = [store.report_schedules.get(*entry.key) for entry in store.report_schedules.newest_first(seller)]
        return {
            "sellerId": seller,
            "count": len(entries),
            "reports": [report_rules.wire(report) for report in shown],
            "schedules": [report_rules.wire_schedule(s) for s in schedules if s["processingStatus"] == report_rules.ACTIVE],
        }

    def report_document(self, report_id: str, seller_id: str | None = None) -> str:
        """A produced report's contents, as text (decompressed): what the dashboard links to."""
        seller = self._seller(seller_id)
        report = self._guard(lambda: self.report_desk.report(seller, report_id))
        if not report.get("reportDocumentId"):
            raise ControlError(404, "NotFound", f"Report {report_id} has no document yet: it is {report['processingStatus']}.")
        content, _ = self.report_desk.download(seller, report["reportDocumentId"])
        if content[:2] == b"\x1f\x8b":
            content = gzip.decompress(content)
        return content.decode("utf-8")

    def process_reports(self, seller_id: str | None = None) -> dict:
        """Produce the seller's queued reports now, whatever the clock."""
        seller = self._seller(seller_id)
        produced = self.report_desk.process_now(seller)
        return {"sellerId": seller, "count": len(produced), "reports": [report_rules.wire(r) for r in produced], "schedules": []}

    def create_order(self, spec: dict | None = None, seller_id: str | None = None) -> dict:
        return self._guard(lambda: v0_views.order_with_items(self.backend.place_order(self._seller(seller_id), spec or {})))

    def apply(self, order_id: str, action: str, /, seller_id: str | None = None, **args: Any) -> dict:
        """One lifecycle action (``actions``) with its arguments, e.g. ``reason="NoInventory"``."""
        seller = self._seller(seller_id)
        return self._guard(lambda: v0_views.order_with_items(self.backend.change(seller, order_id, actions.rule(action, args))))

    def list_actions(self) -> dict:
        return actions.catalogue()

    # -- scenarios -----------------------------------------------------------------------------

    def list_scenarios(self) -> dict:
        return {"scenarios": [s.summary() for s in scenarios.list_scenarios(self.scenarios_dir)]}

    def run_scenario(self, name: str, seller_id: str | None = None) -> dict:
        return self._guard(lambda: scenarios.run(self.backend, scenarios.find(name, self.scenarios_dir), seller_id).as_dict())

    def run_inline_scenario(self, scenario: dict | list, seller_id: str | None = None) -> dict:
        return self._guard(lambda: scenarios.run(self.backend, scenarios.parse(scenario), seller_id).as_dict())

    def cancellation_rate(self, seller_id: str | None = None, marketplace_ids: list[str] | None = None) -> dict:
        rates = self.backend.cancellation_rates(self._seller(seller_id), marketplace_ids or None)
        return {"rates": [rate.as_dict() for rate in rates]}

    # -- sellers -------------------------------------------------------------------------------

    def sellers(self) -> dict:
        return {"sellers": self.backend.sellers()}

    def create_seller(
        self,
        seller_id: str | None = None,
        seed: str = "default",
        refresh_token: str | None = None,
        marketplace_ids: list[str] | None = None,
    ) -> dict:
        return self._guard(lambda: self.backend.create_seller(seller_id, seed, refresh_token, marketplace_ids))

    def delete_seller(self, seller_id: str) -> dict:
        orders = self._guard(lambda: self.backend.delete_seller(seller_id))
        if self.services is not None:
            self.services.forget(seller_id)
        return {"sellerId": seller_id, "orders": orders}

    # -- client-testing realism (a server's) ---------------------------------------------------

    def throttling(self) -> dict:
        return self._server().throttle.state()

    def set_throttling(self, mode: str, factor: float | None = None) -> dict:
        throttle = self._server().throttle
        try:
            throttle.configure(mode, factor)
        except ValueError as exc:
            raise ControlError(400, "InvalidInput", f"{exc}.") from None
        return throttle.state()

    def faults(self, seller_id: str | None = None) -> dict:
        return {"faults": [fault.as_dict() for fault in self._server().faults.all(seller_id)]}

    def add_fault(self, **spec: Any) -> dict:
        try:
            return self._server().faults.add(spec).as_dict()
        except FaultError as exc:
            raise ControlError(400, "InvalidInput", f"Invalid fault: {exc}.") from None

    def clear_faults(self, seller_id: str | None = None) -> dict:
        return {"cleared": self._server().faults.clear(seller_id)}

    def delete_fault(self, fault_id: str) -> dict:
        if not self._server().faults.remove(fault_id):
            raise ControlError(404, "NotFound", f"Fault {fault_id} not found.")
        return {"cleared": 1}

    def journal(
        self, operation: str | None = None, order_id: str | None = None, seller_id: str | None = None, limit: int | None = None
    ) -> dict:
        requests = self._server().journal.find(operation, order_id, seller_id, limit)
        return {"count": len(requests), "requests": requests}

    def clear_journal(self, operation: str | None = None, order_id: str | None = None, seller_id: str | None = None) -> dict:
        return {"cleared": self._server().journal.clear(operation, order_id, seller_id)}

    def notifications(self, seller_id: str | None = None, notification_type: str | None = None) -> dict:
        """The seller's delivered notifications (the built-in inbox), oldest first, and how many
        still wait for the delivery worker."""
        seller = self._seller(seller_id)
        inbox = self._inbox()
        found = inbox.notifications(seller, notification_type)
        waiting = inbox.undelivered(seller)
        return {
            "sellerId": seller,
            "count": len(found),
            "pending": len(waiting),
            "notifications": found,
            # Those not delivered yet, with their failed sends: an SQS endpoint down shows here.
            "undelivered": waiting,
        }

    def wait_for_notification(
        self, notification_type: str | None = None, timeout: float = 10.0, seller_id: str | None = None
    ) -> dict:
        """The seller's first delivered notification (of a type), once one has arrived; 404 if
        none arrives within ``timeout`` seconds."""
        seller = self._seller(seller_id)
        return self._guard(lambda: self._inbox().wait_for(seller, notification_type, float(timeout)))

    def clear_notifications(self, seller_id: str | None = None, notification_type: str | None = None) -> dict:
        return {"cleared": self._inbox().clear(self._seller(seller_id), notification_type)}

    def send_test_notification(self, subscription_id: str, seller_id: str | None = None) -> dict:
        """An ORDER_CHANGE of the seller's latest order for one of its ORDER_CHANGE
        subscriptions, through the outbox like any other (what users ask Amazon for)."""
        return self._guard(lambda: self._inbox().send_test(self._seller(seller_id), subscription_id))

    def auth(self) -> dict:
        tokens = self._server().access_tokens
        return {"strict": tokens.strict, "accessTokenTtlSeconds": int(tokens.ttl.total_seconds())}

    def set_auth(self, strict: bool) -> dict:
        self._server().access_tokens.strict = bool(strict)
        return self.auth()

    # -- internals -----------------------------------------------------------------------------

    def _server(self) -> Services:
        if self.services is None:
            raise ControlError(
                400, "InvalidInput", "Throttling, faults, the journal, auth and notifications belong to a running server."
            )
        return self.services

    def _inbox(self) -> Inbox:
        # The outbox is a server's (or an opened store's): its worker delivers to the inbox.
        return Inbox(self.backend, self._server().outbox)

    def notification_subscriptions(self, seller_id: str | None = None) -> dict:
        """The seller's Notifications API subscriptions (every type, with its id) and the
        application's destinations: what the API itself shows one type or one id at a time."""
        seller = self._seller(seller_id)
        store = self.backend.reading()
        found = sorted(store.subscriptions.docs(seller), key=lambda doc: (doc["notificationType"], doc["payloadVersion"]))
        subscriptions = [{name: value for name, value in doc.items() if name != "seller_id"} for doc in found]
        return {"sellerId": seller, "subscriptions": subscriptions, "destinations": store.destinations.all()}

    def _seller(self, seller_id: str | None) -> str:
        return seller_id or self.backend.default_seller_id

    def _instant(self, value: str) -> datetime:
        try:
            return parse_fixture_date(value, self.backend.now())
        except ValueError as exc:
            raise RuleViolation(f"Invalid at: {exc}.") from None

    @staticmethod
    def _guard(call: Callable[[], T]) -> T:
        # The same errors, codes and messages as the HTTP control plane answers.
        try:
            return call()
        except Exception as exc:
            error = from_exception(exc)
            if error is None:
                raise
            raise ControlError(error.status, error.code, error.message) from None


def _operation_paths() -> set[str]:
    return {f"{operation.method} /_mock{operation.path}" for operation in OPERATIONS}


def _feed_summary(feed: dict) -> dict:
    return {
        **feed_rules.wire(feed),
        "inputFeedDocumentId": feed["inputFeedDocumentId"],
        "summary": feed["summary"],
        "results": feed["results"],
    }


def _order_summary(doc: dict) -> dict:
    """One line of the order list: the v0 fields a person scans for, and the buyer's requests."""
    order = doc["order"]
    flags = [buyer_requested_cancel(item) for item in doc["items"]]
    requested = [flag for flag in flags if flag["IsBuyerRequestedCancel"] == "true"]
    return {
        **{name: order[name] for name in _SUMMARY_FIELDS},
        "FulfillmentChannel": order.get("FulfillmentChannel"),
        "SalesChannel": order.get("SalesChannel"),
        "NumberOfItemsShipped": order.get("NumberOfItemsShipped", 0),
        "NumberOfItemsUnshipped": order.get("NumberOfItemsUnshipped", 0),
        "orderItems": len(doc["items"]),
        "buyerRequestedCancel": bool(requested),
        "buyerCancelReasons": list(
            dict.fromkeys(flag["BuyerCancelReason"] for flag in requested if flag.get("BuyerCancelReason"))
        ),
    }


def _duration(text: str):
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise RuleViolation(f"Invalid by: {exc}.") from None
