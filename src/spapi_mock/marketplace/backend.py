"""The live marketplace: the store, the clock and the policy, with the lifecycle rules applied.

Handlers, the control plane, scenarios and the command line all change state through here, so
an action means the same thing wherever it comes from. Every change runs in a transaction:
it reads through to the store, keeps its changed orders to itself and writes them in one
``put_many`` at the end, so a failure anywhere leaves the store as it was.

Time: whatever became due when the clock moved (Amazon's automatic cancellations) is applied
in due order, each at its own due time, before anything reads or changes the store.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import logging
import secrets
import string
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from spapi_mock.domain import cancellation_rate, finances, jobs, lifecycle, order_factory, reports
from spapi_mock.domain.cancellation_rate import CancellationRate
from spapi_mock.domain.exceptions import RuleViolation, UnknownOrder, UnknownSeller
from spapi_mock.domain.marketplaces import require_known
from spapi_mock.domain.order_search import OrderSearch
from spapi_mock.domain.policy import Policy
from spapi_mock.domain.sellers import REFRESH_TOKEN_PREFIX, SEEDS, SELLER_ID, refresh_token_for
from spapi_mock.kernel import resources
from spapi_mock.kernel.clock import Clock
from spapi_mock.kernel.dates import LATEST_MOCK_TIME, check_mock_time, parse_iso, to_wire
from spapi_mock.marketplace.fixture_cache import FixtureCache, Stale
from spapi_mock.marketplace.fixtures import (
    FixtureError,
    build_document,
    iter_fixture_rows,
    load_fixture_data,
    load_fixture_dir,
)
from spapi_mock.store.database import LAST_UPDATE_DATE, PURCHASE_DATE, Store
from spapi_mock.store.file import StoreFileError
from spapi_mock.store.indexes import (
    FeedIndex,
    FinancialEventIndex,
    JobIndex,
    OrderIndex,
    ReportDocumentIndex,
    ReportIndex,
    ReportScheduleIndex,
)

ORDERS, FEEDS, REPORTS, SCHEDULES = OrderIndex.table, FeedIndex.table, ReportIndex.table, ReportScheduleIndex.table
REPORT_DOCUMENTS = ReportDocumentIndex.table
FINANCES = FinancialEventIndex.table
log = logging.getLogger("spapi_mock.jobs")
# Kinds of work the clock moves on, besides orders.
JOBS = (FEEDS, REPORTS, SCHEDULES)
# Every kind the clock moves: orders, jobs, and financial events (posted, then released).
DUE_KINDS = (ORDERS, *JOBS, FINANCES)
CLOCK_META = "clock"
FIXTURES_META = "fixtures"
SELLERS_META = "sellers"
DUE_TERMS_META = "due-terms"
# The last id numbered per (table, seller), kept once reports expire: a seller whose reports all
# expired numbers on from there, never giving an expired report's id again.
LAST_IDS_META = "last-ids"
# What a store with nothing due is quiet until (a write brings it back).
LATEST_DUE = datetime.max.replace(tzinfo=UTC)
# A lifecycle rule applied to one order: (document, now, policy) → the changed document.
# Hands a runner the (seller id, id) keys of the jobs whose processing began.
JobSubmitter = Callable[[list[tuple[str, str]]], None]
Rule = Callable[[dict, datetime, Policy], dict]


class Outbox(Protocol):
    """What is told of every commit (``notifications/outbox.py``, wired by the runtime: this
    layer may not import it): the documents a transaction's changes add to its own store write,
    and, once written, that it committed."""

    def records(self, tx: Transaction) -> list[tuple[str, dict]]: ...

    def committed(self) -> None: ...


class Backend:
    """Built without touching the store or the clock; ``start`` brings it to now."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        policy: Policy,
        fixtures_dir: Path | None,
        default_seller_id: str,
        report_timing: jobs.ProcessingTiming | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.policy = policy
        self.default_seller_id = default_seller_id
        self._fixtures_dir = fixtures_dir
        self._lock = threading.RLock()
        # Table → called with the (seller id, id) of the feeds or reports whose processing began
        # (the Feeds and Reports APIs' runners apply a feed's messages, produce a report).
        self.job_runners: dict[str, JobSubmitter] = {}
        # Told of every commit, and adds its records to it (the notifications' outbox).
        self.outbox: Outbox | None = None
        # How long the reports a schedule creates queue and take.
        self.report_timing = report_timing or jobs.ProcessingTiming()
        self._started_clock: dict | None = None
        # Nothing is due before this instant (None: not known since the last write). Every
        # write of a kind the clock moves holds ``_lock`` and calls ``_due_changed``.
        self._quiet_until: datetime | None = None

    @property
    def fixtures_dir(self) -> Path:
        # A store file remembers the fixtures it was seeded from, so that a reset without
        # --fixtures goes back to them rather than to the built-in set.
        remembered = (self.store.get_meta(FIXTURES_META) or {}).get("dir")
        return Path(self._fixtures_dir or remembered or resources.default_fixtures_dir())

    def start(self, job_runners: Mapping[str, JobSubmitter] | None = None, outbox: Outbox | None = None) -> None:
        """Bring the marketplace to now: the clock a store file saved, an empty store seeded from
        the fixtures, and whatever became due meanwhile applied (the jobs that starts are handed
        to ``job_runners``, and what it notifies recorded by ``outbox``, so both must be known
        first)."""
        self.job_runners = dict(job_runners or {})
        self.outbox = outbox
        store, clock, policy = self.store, self.clock, self.policy
        saved = store.get_meta(CLOCK_META)
        if saved:
            try:
                clock.restore(saved)
                check_mock_time(clock.now())
            except (ValueError, TypeError) as exc:
                raise StoreFileError(
                    f"{store.path}: the saved clock cannot be used ({exc}); set the clock meta or start a new store"
                ) from None
        # Where a whole reset puts the clock back: as this server started.
        self._started_clock = clock.state()
        if store.is_empty():
            self.reset()
        elif store.get_meta(DUE_TERMS_META) != lifecycle.due_terms(policy):
            # A store file written under other policy numbers (or by an older version): reading
            # every order is worth it only then, at 100k orders it costs seconds.
            self._refresh_due_dates(store.orders.each())
        if store.get_meta(DUE_TERMS_META) != lifecycle.due_terms(policy):
            store.set_meta(DUE_TERMS_META, lifecycle.due_terms(policy))
        self.settle()

    # -- time ----------------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock.now()

    def clock_state(self) -> dict:
        return {"now": to_wire(self.clock.now()), "frozen": self.clock.frozen}

    def freeze_clock(self, at: datetime | None = None) -> dict:
        with self.transaction(None) as tx:
            tx.freeze(at)
        return self.clock_state()

    def unfreeze_clock(self) -> dict:
        with self.transaction(None) as tx:
            tx.unfreeze()
        return self.clock_state()

    def set_clock(self, at: datetime) -> dict:
        with self.transaction(None) as tx:
            tx.set_time(at)
        return self.clock_state()

    def advance_clock(self, delta: timedelta) -> dict:
        with self.transaction(None) as tx:
            tx.advance(delta)
        return self.clock_state()

    def reading(self) -> Store:
        """The store to read from, once whatever became due up to now has been applied: every
        read goes through here, so none sees an order or job a passed deadline should have moved.
        Read only: changes go through ``transaction``."""
        self.settle()
        return self.store

    def settle(self) -> None:
        """Apply what became due up to now."""
        # Every read calls this: while nothing is due, one comparison with the earliest deadline
        # known since the last write.
        quiet_until = self._quiet_until
        if quiet_until is not None and self.clock.now() < quiet_until:
            return
        with self._lock:  # no write between the look and what it concludes
            now = to_wire(self.clock.now())
            due = min(filter(None, (self.store.index(table).next_due() for table in DUE_KINDS)), default=None)
            if due is None or due[0] > now:
                self._quiet_until = _instant(due[0]) if due is not None else LATEST_DUE
                return
        with self.transaction(None) as tx:
            tx.settle()

    def _due_changed(self) -> None:
        """A write may have brought a deadline earlier: the earliest is looked up now, under the
        write's lock, rather than by the next read, which would wait for the lock (while a feed
        ran, the first read after each chunk waited for the whole next chunk)."""
        due = min(filter(None, (self.store.index(table).next_due() for table in DUE_KINDS)), default=None)
        self._quiet_until = _instant(due[0]) if due is not None else LATEST_DUE

    # -- orders --------------------------------------------------------------------------------

    def order(self, seller_id: str, order_id: str) -> dict:
        doc = self.reading().orders.get(seller_id, order_id)
        if doc is None:
            raise UnknownOrder(order_id)
        return doc

    def recent_orders(self, seller_id: str, limit: int) -> tuple[int, list[dict]]:
        """How many orders the seller has, and the ``limit`` most recently updated, latest first
        (ties by order id, highest first)."""
        orders = self.reading().orders
        return orders.count(seller_id), orders.latest(seller_id, limit)

    def change(self, seller_id: str, order_id: str, rule: Rule) -> dict:
        """Apply one rule to one order, in a transaction of its own."""
        with self.transaction(seller_id) as tx:
            return tx.change(order_id, rule)

    def place_order(self, seller_id: str, spec: dict) -> dict:
        with self.transaction(seller_id) as tx:
            return tx.place_order(spec)

    def search_orders(
        self, seller_id: str, search: OrderSearch, size: int, after: tuple[str, str] | None = None
    ) -> tuple[list[dict], tuple[str, str] | None]:
        """One page of the seller's orders that match, in (date, id) order after the key
        ``after``, and the key to resume after if there are more. A page costs what it reads:
        the store's date index gives the window, or an exact-id index narrows it first."""
        page: list[dict] = []
        for doc in self._search_candidates(self.reading(), seller_id, search, after):
            if not search.matches(doc):
                continue
            if len(page) == size:
                last = page[-1]["order"]
                return page, (last[search.by], last["AmazonOrderId"])
            page.append(doc)
        return page, None

    def cancellation_rates(self, seller_id: str, marketplace_ids: list[str] | None = None) -> list[CancellationRate]:
        orders = self.reading().orders
        now = self.clock.now()
        start, end = cancellation_rate.window(now, self.policy)
        rates = []
        for marketplace_id in marketplace_ids or orders.marketplaces(seller_id):
            placed = orders.scan(seller_id, PURCHASE_DATE, start, end, [marketplace_id])
            changed = orders.scan(seller_id, LAST_UPDATE_DATE, start, end, [marketplace_id])
            docs = itertools.chain(placed, changed)
            rates.append(cancellation_rate.compute(docs, seller_id, marketplace_id, now, self.policy))
        return rates

    # -- whole store ---------------------------------------------------------------------------

    def reset(self, seller_id: str | None = None) -> int:
        """The clock back as the server started, every order back to the fixtures it started
        from (dates relative to that clock) and the sellers created since forgotten; or, for one
        seller, its orders back to its seed (the clock is everyone's and stays)."""
        with self._lock:
            if seller_id is not None:
                docs = self._seed_docs(seller_id, self._registry().get(seller_id, {}).get("seed"))
                self.store.replace_seller(seller_id, docs, others=self._money_history(docs, self.clock.now()))
                self._due_changed()
                self.settle()
                return len(docs)
            clock = Clock(self.clock.source)
            clock.restore(self._started_clock)
            meta = {SELLERS_META: {}, CLOCK_META: self._started_clock}
            if self.store.path:
                meta[FIXTURES_META] = {"dir": str(self.fixtures_dir.resolve())}
            self._load_fixtures(clock.now(), meta)
            self._due_changed()
            self.clock.restore(self._started_clock)
            self.settle()
            return self.store.orders.count()

    # -- sellers -------------------------------------------------------------------------------

    def sellers(self) -> list[dict]:
        """Every seller with orders or created through the control plane."""
        registry = self._registry()
        ids = sorted(set(registry) | set(self.store.orders.sellers()) | {self.default_seller_id})
        return [self._seller_summary(seller_id, registry.get(seller_id, {})) for seller_id in ids]

    def create_seller(
        self,
        seller_id: str | None = None,
        seed: str = "default",
        refresh_token: str | None = None,
        marketplace_ids: list[str] | None = None,
    ) -> dict:
        """A new selling partner: its orders (a copy of the default seller's fixtures, or none),
        the refresh token that acts for it and the marketplaces it is set up for (the Sellers
        API's participations, with those its orders are in)."""
        if seed not in SEEDS:
            raise RuleViolation(f"Invalid seed: {seed!r}; expected one of {', '.join(SEEDS)}.")
        require_known(marketplace_ids or [])
        with self._lock:
            registry = self._registry()
            if seller_id is None:
                seller_id = "A" + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(13))
            elif not SELLER_ID.fullmatch(seller_id):
                raise RuleViolation(f"Invalid sellerId {seller_id!r}: use 1 to 64 letters, digits, '.', '_' or '-'.")
            if seller_id in registry or seller_id == self.default_seller_id or self.store.orders.count(seller_id):
                raise RuleViolation(f"Seller {seller_id} already exists: delete it first, or reset it.")
            if refresh_token is not None and refresh_token in self._custom_refresh_tokens(registry):
                raise RuleViolation("That refresh token already belongs to another seller.")
            entry = {"seed": seed, **({"refreshToken": refresh_token} if refresh_token else {})}
            if marketplace_ids:
                entry["marketplaceIds"] = list(dict.fromkeys(marketplace_ids))
            docs = self._seed_docs(seller_id, seed)
            meta = {SELLERS_META: {**registry, seller_id: entry}}
            self.store.replace_seller(seller_id, docs, meta, others=self._money_history(docs, self.clock.now()))
            self._due_changed()
            self.settle()
            return self._seller_summary(seller_id, entry)

    def delete_seller(self, seller_id: str) -> int:
        """Forget a created seller and its orders; how many orders went with it."""
        with self._lock:
            registry = self._registry()
            if seller_id == self.default_seller_id:
                raise RuleViolation(f"Seller {seller_id} is the default seller: reset it instead.")
            count = self.store.orders.count(seller_id)
            if seller_id not in registry and not count:
                raise UnknownSeller(seller_id)
            registry.pop(seller_id, None)
            self.store.replace_seller(seller_id, [], {SELLERS_META: registry})
            return count

    def seller_for_refresh_token(self, refresh_token: str) -> str:
        if refresh_token.startswith(REFRESH_TOKEN_PREFIX) and SELLER_ID.fullmatch(refresh_token[len(REFRESH_TOKEN_PREFIX) :]):
            return refresh_token[len(REFRESH_TOKEN_PREFIX) :]
        return self._custom_refresh_tokens(self._registry()).get(refresh_token, self.default_seller_id)

    def load_fixtures(self, data: Any, *, replace: bool = False, where: str = "fixtures") -> int:
        """Add the orders of a parsed fixture file (replacing those with the same id), or with
        ``replace`` make them the whole store. Nothing is stored unless all of them load."""
        with self._lock:
            docs = load_fixture_data(data, self.clock.now(), where, self.default_seller_id)
            docs = [lifecycle.refresh_due(doc, self.policy) for doc in docs]
            money = self._money_history(docs, self.clock.now())
            if replace:
                self.store.replace_all(docs, others=money)
            else:
                # A reloaded order's money is its new history's, not the old one's as well.
                events = self.store.financial_events
                stale = [
                    (FINANCES, (record["seller_id"], record["eventId"]))
                    for doc in docs
                    for record in events.of_order(doc["seller_id"], doc["order"]["AmazonOrderId"])
                ]
                self.store.commit(put=[(ORDERS, doc) for doc in docs] + money, drop=stale)
            self._due_changed()
            self.settle()
            return len(docs)

    @contextmanager
    def transaction(self, seller_id: str | None) -> Iterator[Transaction]:
        """All changes made through the transaction land together when the block ends, or
        none do if it raises."""
        with self._lock:
            tx = Transaction(self, seller_id)
            tx.settle()
            yield tx
            tx.commit()
        if self.outbox is not None:
            self.outbox.committed()
        for table, started in tx.started.items():
            if started and table in self.job_runners:
                self.job_runners[table](started)

    def keep(self, table: str, make: Callable[[datetime], dict]) -> dict:
        """Store one new document of a kind the clock never changes and no change notifies (a
        feed document's record), made by ``make`` at the clock's time: what became due is
        applied first, as a transaction would, then the document lands in a store write of its
        own, durable before this returns. A transaction's settling, notification records and job
        hand-over would have nothing to do for it (they were most of a createFeedDocument)."""
        return self.keep_all(table, [make])[0]

    def keep_all(self, table: str, makes: Sequence[Callable[[datetime], dict]]) -> list[dict]:
        """``keep`` for several documents at once, in one store write (with ``--db``, one fsync
        for all of them): what several requests waiting together cost one."""
        if table in DUE_KINDS:
            raise ValueError(f"{table} documents change with the clock: write them in a transaction")
        self.settle()
        with self._lock:
            now = self.clock.now()
            docs = [make(now) for make in makes]
            self.store.commit(put=[(table, doc) for doc in docs])
        if self.outbox is not None:
            self.outbox.committed()
        return docs

    # -- internals -----------------------------------------------------------------------------

    def _registry(self) -> dict[str, dict]:
        return dict(self.store.get_meta(SELLERS_META) or {})

    @staticmethod
    def _custom_refresh_tokens(registry: dict[str, dict]) -> dict[str, str]:
        return {entry["refreshToken"]: seller for seller, entry in registry.items() if entry.get("refreshToken")}

    def _seller_summary(self, seller_id: str, entry: dict) -> dict:
        return {
            "sellerId": seller_id,
            "refreshToken": entry.get("refreshToken") or refresh_token_for(seller_id),
            "seed": entry.get("seed", "fixtures"),
            "orders": self.store.orders.count(seller_id),
            "default": seller_id == self.default_seller_id,
            **({"marketplaceIds": entry["marketplaceIds"]} if entry.get("marketplaceIds") else {}),
        }

    def _seed_docs(self, seller_id: str, seed: str | None) -> list[dict]:
        """A seller's starting orders: its seed's, or (a seller of the fixture files) its own there."""
        if seed == "empty":
            return []
        fixtures = load_fixture_dir(self.fixtures_dir, self.clock.now())
        source = self.default_seller_id if seed == "default" else seller_id
        docs = [{**doc, "seller_id": seller_id} for doc in fixtures if doc["seller_id"] == source]
        return [lifecycle.refresh_due(doc, self.policy) for doc in docs]

    def _search_candidates(
        self, store: Store, seller_id: str, search: OrderSearch, after: tuple[str, str] | None
    ) -> Iterator[dict]:
        """Documents in the window in (date, id) order, narrowed first by an exact-id filter."""
        f = search.filters
        ids: set[str] | None = None
        if "AmazonOrderIds" in f:
            ids = set(f["AmazonOrderIds"])
        if "SellerOrderId" in f:
            found = store.orders.ids_for_seller_order_id(seller_id, f["SellerOrderId"])
            ids = found if ids is None else ids & found
        if "BuyerEmail" in f:
            found = store.orders.ids_for_buyer_email(seller_id, f["BuyerEmail"])
            ids = found if ids is None else ids & found
        if ids is None:
            return store.orders.scan(seller_id, search.by, search.since, search.until, sorted(f["MarketplaceIds"]), after)
        keyed = []
        for order_id in ids:
            doc = store.orders.get(seller_id, order_id)
            if doc is None:
                continue
            key = (doc["order"][search.by], order_id)
            if search.since <= key[0] <= search.until and (after is None or key > after):
                keyed.append((key, doc))
        keyed.sort(key=lambda pair: pair[0])
        return (doc for _, doc in keyed)

    def _load_fixtures(self, now: datetime, meta: dict) -> None:
        """The fixture set as the whole store, as loaded at ``now``: from what a load of the same
        set kept (``fixture_cache``), else checked and built, and then kept if it can be."""
        cache = FixtureCache.of(self.fixtures_dir, self.policy)
        if cache is not None:
            try:
                rows = cache.rows(self.store, now)
                if rows is not None:
                    self.store.load_texts(rows, meta)
                    return
            except Stale as exc:
                log.info("fixture set kept in %s not used (%s): loading it", cache.path, exc)
        order_factory.forget_resolved_dates()
        absolute = order_factory.absolute_dates_resolved()
        try:
            # One document at a time into the store, each order with its money: a large set is
            # never held whole as documents.
            rows = iter_fixture_rows(self.fixtures_dir, now, functools.partial(self._rows_with_money, now), self.store)
            self.store.load_rows(rows, meta)
        finally:
            order_factory.forget_resolved_dates()
            finances.forget_worked_out_lines()
        if cache is not None and order_factory.absolute_dates_resolved() == absolute:
            cache.keep(self.store, now)

    def _rows_with_money(self, now: datetime, doc: dict) -> list[tuple]:
        """The store's rows of an order loaded as it stands, due dates set, then of its
        financial events as they are at ``now`` (in a worker process for a large set)."""
        doc = lifecycle.refresh_due(doc, self.policy)
        events = finances.history(doc, now, self.policy)
        return [self.store.row(ORDERS, doc), *(self.store.row(FINANCES, record) for record in events)]

    def _money_history(self, docs: Iterable[dict], now: datetime) -> list[tuple[str, dict]]:
        """The financial events of orders loaded as they stand (fixtures), as they are at ``now``."""
        return [(FINANCES, record) for doc in docs for record in finances.history(doc, now, self.policy)]

    def _refresh_due_dates(self, docs: Iterable[dict]) -> None:
        stale = [doc for doc in docs if doc.get("due_at") != lifecycle.due_at(doc, self.policy)]
        if stale:
            self.store.put_many([lifecycle.refresh_due(doc, self.policy) for doc in stale])
            self._due_changed()


def _instant(due: str) -> datetime | None:
    """The instant a stored due time (wire form, compared as text with the wire form of now)
    falls due; None for a text of another form, compared as text on every read."""
    try:
        at = parse_iso(due)
    except ValueError:
        return None
    return at if to_wire(at) == due else None


class Transaction:
    """A unit of work over the store, with its own view of time until it commits."""

    def __init__(self, backend: Backend, seller_id: str | None) -> None:
        self.backend = backend
        self.seller_id = seller_id
        self.now = backend.clock.now()
        self.frozen = backend.clock.frozen
        self._clock_moved = False
        # (seller id, order id) → the order as this transaction left it.
        self.changed: dict[tuple[str, str], dict] = {}
        # Every change of an order, in the order made: (key, the order as this transaction had
        # it before, or None for the stored one, the order after). The outbox derives one event
        # per change from it (Amazon notifies each), not one per order per commit.
        self.order_puts: list[tuple[tuple[str, str], dict | None, dict]] = []
        # (table, seller id, id) → the feed, report or schedule as this transaction left it.
        self.jobs: dict[tuple[str, str, str], dict] = {}
        # Documents of other kinds to write with the orders: (table, document).
        self.others: list[tuple[str, dict]] = []
        # Table → (seller id, id) of feeds and reports whose processing began: the backend hands
        # them to their runner after commit.
        self.started: dict[str, list[tuple[str, str]]] = {}
        # (table, seller id, id) of documents this transaction removes (reports past retention).
        self.dropped: set[tuple[str, str, str]] = set()
        # (due time, seller id, id, table) of the orders and jobs changed here, as they became
        # due: a heap, so that the next one due costs a log, not a pass over every change (a
        # clock move over years changes thousands). Entries a later change made stale are skipped.
        self._due: list[tuple[str, str, str, str]] = []
        # (table, seller id) → the last id this transaction numbered.
        self._last_ids: dict[tuple[str, str], int] = {}
        # (seller id, order id) → ids of the financial events this transaction made for the order.
        self._money: dict[tuple[str, str], dict[str, None]] = {}

    # -- reading -------------------------------------------------------------------------------

    @property
    def seller(self) -> str:
        """The seller whose orders this transaction reads and places."""
        return self.seller_id or self.backend.default_seller_id

    @property
    def policy(self) -> Policy:
        return self.backend.policy

    @property
    def stored(self) -> Store:
        """The store as this transaction found it, settled: for reads over many orders (a
        report's). An order this transaction changed is read with ``order``."""
        return self.backend.store

    def ids_with_seller_order_id(self, seller_order_id: str) -> set[str]:
        """The seller's order ids that carry this SellerOrderId, changes made here included."""
        found = self.backend.store.orders.ids_for_seller_order_id(self.seller, seller_order_id)
        return found | {key[1] for key, doc in self.changed.items() if doc["order"].get("SellerOrderId") == seller_order_id}

    def order(self, order_id: str) -> dict:
        doc = self._current(self.seller, order_id)
        if doc is None:
            raise UnknownOrder(order_id)
        return doc

    def exists(self, order_id: str) -> bool:
        try:
            self.order(order_id)
        except UnknownOrder:
            return False
        return True

    def money_of(self, order_id: str, seller_id: str | None = None) -> list[dict]:
        """The order's financial events as this transaction has them: stored ones (as changed
        here), then those made here, earliest first."""
        key = (seller_id or self.seller, order_id)
        stored = self.backend.store.financial_events.of_order(*key)
        made = [self.jobs[(FINANCES, key[0], event_id)] for event_id in self._money.get(key, ())]
        return [self.jobs.get((FINANCES, key[0], doc["eventId"]), doc) for doc in stored] + made

    # -- changing ------------------------------------------------------------------------------

    def change(self, order_id: str, rule: Rule) -> dict:
        return self.put(rule(self.order(order_id), self.now, self.backend.policy))

    def place_order(self, spec: dict) -> dict:
        seller_id = self.seller
        given = order_factory.given_order(spec)
        order_id = given.get("AmazonOrderId")
        if order_id is None:
            order_id = self._new_order_id(seller_id, given.get("MarketplaceId", order_factory.US))
        elif self._current(seller_id, order_id) is not None:
            raise RuleViolation(f"Order {order_id} already exists: give another AmazonOrderId, or none to have one made up.")
        record = order_factory.new_order_record(spec, order_id, self.now)
        try:
            doc = build_document(record, seller_id, self.now, f"new order {order_id}")
        except FixtureError as exc:
            raise RuleViolation(str(exc)) from None
        return self.put(lifecycle.refresh_due(doc, self.backend.policy))

    def advance(self, delta: timedelta) -> None:
        if delta < timedelta(0):
            raise RuleViolation("The clock only moves forward: give a positive duration.")
        if delta > LATEST_MOCK_TIME - self.now:
            raise RuleViolation(f"The clock cannot move by {delta.days} days: it would pass {to_wire(LATEST_MOCK_TIME)}.")
        self._move_to(self.now + delta)

    def set_time(self, at: datetime) -> None:
        if at < self.now:
            raise RuleViolation(
                f"The clock only moves forward: {to_wire(at)} is before the current mock time {to_wire(self.now)}."
            )
        self._move_to(at)

    def freeze(self, at: datetime | None = None) -> None:
        self.frozen = True
        self._clock_moved = True
        if at is not None:
            self.set_time(at)

    def unfreeze(self) -> None:
        self.frozen = False
        self._clock_moved = True

    def settle(self) -> None:
        """Apply Amazon's automatic changes due by ``now`` (cancellations for a missed ship-by
        date or a payment never authorized), earliest first, each at its due time; and move the
        feeds, reports and schedules the clock reached."""
        until = to_wire(self.now)
        # What the store holds due by now, read once: the store does not change until commit,
        # and each of these is changed (or dropped) here when its turn comes, so it is passed once.
        stored = list(
            heapq.merge(*([(*key, table) for key in self.backend.store.index(table).due_until(until)] for table in DUE_KINDS))
        )
        position = 0
        while True:
            while position < len(stored) and self._superseded(stored[position]):
                position += 1
            while self._due and self._stale(self._due[0]):
                heapq.heappop(self._due)
            mine = self._due[0] if self._due and self._due[0][0] <= until else None
            theirs = stored[position] if position < len(stored) else None
            if mine is None and theirs is None:
                return
            if theirs is None or (mine is not None and mine < theirs):
                due = heapq.heappop(self._due)
            else:
                due, position = theirs, position + 1
            at, seller_id, order_id, kind = due
            if kind != ORDERS:
                self._move_job(kind, at, seller_id, order_id)
                continue
            doc = self._current(seller_id, order_id)
            # Amazon's own change never predates the order's last one (a fixture may be loaded
            # already overdue, updated after its deadline).
            when = max(parse_iso(at), parse_iso(doc["order"]["LastUpdateDate"]))
            self.put(lifecycle.apply_due(doc, when, self.backend.policy))

    def put_job(self, table: str, doc: dict) -> dict:
        """Keep a changed feed, report or schedule, to be written at commit with the orders."""
        index = self._index(table)
        key = (table, *index.key(doc))
        self.jobs[key] = doc
        self.dropped.discard(key)
        due = index.due_at(doc)
        if due:
            heapq.heappush(self._due, (due, key[1], key[2], table))
        return doc

    def job(self, table: str, seller_id: str, doc_id: str) -> dict | None:
        if (table, seller_id, doc_id) in self.dropped:
            return None
        return self.jobs.get((table, seller_id, doc_id)) or self._index(table).get(seller_id, doc_id)

    def drop(self, table: str, seller_id: str, doc_id: str) -> None:
        """Remove a document (a report past retention, its document) at commit."""
        self.jobs.pop((table, seller_id, doc_id), None)
        self.dropped.add((table, seller_id, doc_id))

    def put_feed(self, feed: dict) -> dict:
        return self.put_job(FEEDS, feed)

    def feed(self, seller_id: str, feed_id: str) -> dict | None:
        return self.job(FEEDS, seller_id, feed_id)

    def next_id(self, table: str, seller_id: str | None = None) -> str:
        """A new numeric id for a seller's feeds, reports or schedules (this transaction's seller
        by default): one past the highest, counting from the kind's first id."""
        seller = seller_id or self.seller
        last = self._last_ids.get((table, seller))
        if last is None:
            index = self._index(table)
            taken = [int(entry.job_id) for entry in index.newest_first(seller) if entry.job_id.isdigit()]
            taken += [int(key[2]) for key in self.jobs if key[:2] == (table, seller) and key[2].isdigit()]
            taken.append(int((self.backend.store.get_meta(LAST_IDS_META) or {}).get(f"{table}/{seller}", 0)))
            last = max(taken, default=index.first_id)
            last = max(last, index.first_id)
        self._last_ids[(table, seller)] = last + 1
        return str(last + 1)

    def keep(self, table: str, doc: dict) -> None:
        """Write a document of another kind with this transaction's orders."""
        self.others.append((table, doc))

    def commit(self) -> None:
        """One write of the changed orders, feeds and other documents and the moved clock, then
        the clock itself."""
        backend = self.backend
        meta = {CLOCK_META: self._clock_state()} if self._clock_moved else {}
        if any(table == REPORTS for table, _, _ in self.dropped):
            last_ids = dict(backend.store.get_meta(LAST_IDS_META) or {})
            for (table, seller), last in self._last_ids.items():
                last_ids[f"{table}/{seller}"] = max(last, int(last_ids.get(f"{table}/{seller}", 0)))
            for table, seller, doc_id in self.dropped:
                if table == REPORTS and doc_id.isdigit():
                    last_ids[f"{table}/{seller}"] = max(int(doc_id), int(last_ids.get(f"{table}/{seller}", 0)))
            meta[LAST_IDS_META] = last_ids
        put = [(ORDERS, doc) for doc in self.changed.values()] + [(key[0], doc) for key, doc in self.jobs.items()] + self.others
        if backend.outbox is not None:
            # What the changes notify lands with them, or not at all.
            put += backend.outbox.records(self)
        drop = [(table, (seller, doc_id)) for table, seller, doc_id in self.dropped]
        if put or drop or meta:
            backend.store.commit(put=put, drop=drop, meta=meta or None)
            backend._due_changed()
        if self._clock_moved:
            backend.clock.restore(meta[CLOCK_META])

    def _clock_state(self) -> dict:
        """The clock as this transaction leaves it, in Clock.state() form."""
        clock = Clock(self.backend.clock.source)
        clock.set(self.now)
        if self.frozen:
            clock.freeze(self.now)
        return clock.state()

    # -- internals -----------------------------------------------------------------------------

    def put(self, doc: dict) -> dict:
        """Keep a changed order, to be written at commit, with the financial events its change
        makes (a shipment charges the buyer, a refund gives money back)."""
        key = (doc["seller_id"], doc["order"]["AmazonOrderId"])
        before = self._current(*key)
        self.order_puts.append((key, self.changed.get(key), doc))
        self.changed[key] = doc
        if finances.may_make_money(before, doc):  # the order's events are read only then
            previous = self.money_of(key[1], key[0])
            for record in finances.money_events(before, doc, self.now, self.backend.policy, previous):
                self.put_job(FINANCES, record)
                self._money.setdefault(key, {})[record["eventId"]] = None
        if doc.get("due_at"):
            heapq.heappush(self._due, (doc["due_at"], *key, ORDERS))
        return doc

    def _current(self, seller_id: str, order_id: str) -> dict | None:
        return self.changed.get((seller_id, order_id)) or self.backend.store.orders.get(seller_id, order_id)

    def _move_to(self, at: datetime) -> None:
        try:
            check_mock_time(at)
        except ValueError as exc:
            raise RuleViolation(f"The clock cannot move there: {exc}.") from None
        self.now = at
        self._clock_moved = True
        self.settle()

    def _superseded(self, due: tuple[str, str, str, str]) -> bool:
        """A stored document due that this transaction has changed or dropped since."""
        _, seller_id, doc_id, table = due
        if table == ORDERS:
            return (seller_id, doc_id) in self.changed
        return (table, seller_id, doc_id) in self.jobs or (table, seller_id, doc_id) in self.dropped

    def _stale(self, due: tuple[str, str, str, str]) -> bool:
        """A change's due time that a later change of the same document replaced."""
        at, seller_id, doc_id, table = due
        if table == ORDERS:
            doc = self.changed.get((seller_id, doc_id))
            return doc is None or doc.get("due_at") != at
        doc = self.jobs.get((table, seller_id, doc_id))
        return doc is None or self._index(table).due_at(doc) != at

    def _move_job(self, table: str, at: str, seller_id: str, doc_id: str) -> None:
        """The clock reached a feed or report (a queued one starts, and its runner is handed it;
        a processed one ends) or a schedule (it creates its report and moves on)."""
        when = parse_iso(at)
        doc = self.job(table, seller_id, doc_id)
        if table == FINANCES:
            self.put_job(table, finances.advance(doc, when))
            return
        if table == SCHEDULES:
            try:
                self._fire(doc, when)
            except Exception as exc:  # a schedule that cannot fire must not stop every read
                log.exception("report schedule %s of seller %s could not fire", doc_id, seller_id)
                self._schedule_failed(doc, when, f"{type(exc).__name__}: {exc}")
            return
        if doc["processingStatus"] in jobs.ENDED:
            # Past retention: the report goes, with its document.
            self.drop(table, seller_id, doc_id)
            if doc.get("reportDocumentId"):
                self.drop(REPORT_DOCUMENTS, seller_id, doc["reportDocumentId"])
            return
        if doc["processingStatus"] == jobs.JobStatus.IN_QUEUE:
            self.put_job(table, jobs.start(doc, when))
            self.started.setdefault(table, []).append((seller_id, doc_id))
        else:
            self.put_job(table, jobs.finish(doc, when))

    def _fire(self, schedule: dict, when: datetime) -> None:
        """The schedule creates its report, unless that report would be past retention by the
        transaction's end (a clock moved years ahead): it then moves on to its first time within
        retention at once, so a long move costs what it keeps, not what it skips."""
        seller_id, schedule_id = schedule["seller_id"], schedule["reportScheduleId"]
        horizon = self.now - jobs.RETENTION
        if when < horizon:
            self.put_job(SCHEDULES, reports.skip_to(schedule, horizon))
            return
        spec, moved = reports.fire(schedule)
        self.put_job(SCHEDULES, moved)
        report_id = self.next_id(REPORTS, seller_id)
        self.put_job(REPORTS, reports.new_report(seller_id, report_id, spec, when, self.backend.report_timing, schedule_id))

    def _schedule_failed(self, schedule: dict, when: datetime, why: str) -> None:
        """The schedule stops, and the report it was to create ends FATAL, its document saying why."""
        seller_id = schedule["seller_id"]
        self.put_job(SCHEDULES, reports.cancel_schedule(schedule))
        report_id = self.next_id(REPORTS, seller_id)
        self.put_job(REPORTS, reports.failed_report(seller_id, report_id, schedule, when, self.backend.report_timing, why))

    def _index(self, table: str) -> JobIndex:
        return self.backend.store.index(table)

    def _new_order_id(self, seller_id: str, marketplace_id: str) -> str:
        sequence = self.backend.store.orders.count(seller_id) + len(self.changed)
        while True:
            candidate = order_factory.order_id(seller_id, marketplace_id, to_wire(self.now), sequence)
            if self._current(seller_id, candidate) is None:
                return candidate
            sequence += 1
