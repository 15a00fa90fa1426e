"""The store's in-memory indexes: one per kind of document, each answering that kind's reads.

TinyDB answers queries by scanning every document and copies each one it returns, so reads
never go through it: each kind keeps its documents by (seller, id) and whatever ordered
indexes its API's reads need, so a page costs what it reads, not the size of the store.

A kind is one class here: its TinyDB table, its key, and hooks that add a document to its own
indexes and take it out. The store keeps every kind's index in step with its table.
"""

from __future__ import annotations

import heapq
import sys
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterator
from itertools import chain, islice
from operator import itemgetter
from typing import NamedTuple

from sortedcontainers import SortedList

from spapi_mock.domain import finances, jobs
from spapi_mock.domain import reports as report_rules
from spapi_mock.store.packing import Packer

# The two date orders getOrders can select on.
PURCHASE_DATE = "PurchaseDate"
LAST_UPDATE_DATE = "LastUpdateDate"
_HIGHEST = "\uffff"
# Keys read under the lock at a time by a scan: a few first (a page of one order, a searchOrders
# over every marketplace, needs two), then more.
_SCAN_FIRST_CHUNK = 8
_SCAN_CHUNK = 64
# Keys read at a time by a pass over many (a report): each chunk starts a range per marketplace
# and merges them, which in chunks of 64 was a tenth of a pass; 512 keys hold the lock ~0.3 ms.
_PASS_CHUNK = 512
# A scan over this many marketplaces or more reads a seller-wide list when it covers them all.
_ACROSS_MIN_MARKETPLACES = 4

Key = tuple[str, str]
# An entry starts with its key: (seller id, document id).
_KEY, _SELLER, _DOC_ID = itemgetter(0, 1), itemgetter(0), itemgetter(1)


class KindIndex:
    """Documents of one kind by (seller id, document id), kept packed (``store_packing``), with
    the TinyDB id each is stored under and its index entry.

    An entry is what the kind's indexes need of a document, taken from it once when it is
    stored (it starts with the key): the indexes never unpack a document, and a document is
    taken out of them by its entry. The documents ``get`` returns are shared with other
    readers: callers read them and never change them (the store replaces documents whole).
    """

    table: str
    # Raised whenever ``entry`` changes, so that entries a store file holds from before are
    # recomputed from their documents rather than trusted.
    ENTRY_VERSION = 1
    # Unpacked documents kept for readers that come back to the same few (a client polling
    # one order): a get of one of them costs a dict lookup, not a decompression and a parse.
    RECENT = 512

    def __init__(self, lock: threading.RLock, packer: Packer) -> None:
        self._lock = lock
        self._packer = packer
        self._by_seller: dict[str, dict[str, bytes]] = {}
        self._entries: dict[Key, tuple[str, tuple]] = {}
        self._recent: OrderedDict[Key, tuple[bytes, dict]] = OrderedDict()
        # Guards ``_recent`` alone: a read must not wait for the store's lock, which a commit
        # holds while it packs, writes and syncs its change (a getOrder waited for a feed's chunks).
        self._recent_lock = threading.Lock()
        # (due time, seller id, document id) of documents the clock will next change by itself
        # (kinds with such documents keep it).
        self._by_due = SortedList()

    def key(self, doc: dict) -> Key:
        raise NotImplementedError

    def entry(self, doc: dict) -> tuple:
        """What this kind's indexes need of a document: its key first, then what the kind adds."""
        return self.key(doc)

    def entry_from_json(self, value) -> tuple | None:
        """An entry as a store file holds it (a JSON list), or None if it is not one."""
        if isinstance(value, list) and len(value) >= 2 and all(isinstance(part, str) or part is None for part in value):
            return tuple(value)
        return None

    # -- reading -------------------------------------------------------------------------------

    def get(self, seller_id: str, doc_id: str) -> dict | None:
        """The seller's document with this id, or None."""
        packed = self._by_seller.get(seller_id, {}).get(doc_id)
        if packed is None:
            return None
        key = (seller_id, doc_id)
        with self._recent_lock:
            recent = self._recent.get(key)
            if recent is not None and recent[0] is packed:
                self._recent.move_to_end(key)
                return recent[1]
        doc = self._packer.unpack(packed)
        with self._recent_lock:
            self._recent[key] = (packed, doc)
            if len(self._recent) > self.RECENT:
                self._recent.popitem(last=False)
        return doc

    def _unpacked(self, seller_id: str, doc_id: str) -> dict | None:
        """``get`` without keeping the document among the recently read."""
        packed = self._by_seller.get(seller_id, {}).get(doc_id)
        return None if packed is None else self._packer.unpack(packed)

    def docs(self, seller_id: str | None = None) -> list[dict]:
        """Every document of this kind, or a seller's (each unpacked: for small sets and tools)."""
        return list(self.each(seller_id))

    def each(self, seller_id: str | None = None) -> Iterator[dict]:
        """Every document of this kind, or a seller's, unpacked one at a time (a pass over a
        large store holds one document at a time, not all of them)."""
        for seller, doc_id in self.keys(seller_id):
            packed = self._by_seller.get(seller, {}).get(doc_id)
            if packed is not None:
                yield self._packer.unpack(packed)

    def count(self, seller_id: str | None = None) -> int:
        with self._lock:
            if seller_id is not None:
                return len(self._by_seller.get(seller_id, ()))
            return len(self._entries)

    def sellers(self) -> list[str]:
        with self._lock:
            return sorted(seller for seller, docs in self._by_seller.items() if docs)

    def keys(self, seller_id: str | None = None) -> list[Key]:
        with self._lock:
            if seller_id is None:
                return list(self._entries)
            return [(seller_id, doc_id) for doc_id in self._by_seller.get(seller_id, ())]

    def entries(self) -> list[tuple[Key, tuple]]:
        """(key, entry) of every document, in the order they were stored."""
        with self._lock:
            return [(key, entry) for key, (_, entry) in self._entries.items()]

    def packed(self, key: Key) -> bytes:
        return self._by_seller[key[0]][key[1]]

    def next_due(self) -> tuple[str, str, str] | None:
        """(due time, seller id, document id) of the document due first, or None."""
        with self._lock:
            return self._by_due[0] if self._by_due else None

    def due_until(self, until: str) -> list[tuple[str, str, str]]:
        """(due time, seller id, document id) of every document due at or before ``until``, earliest first."""
        with self._lock:
            return list(self._by_due.irange(maximum=(until, _HIGHEST)))

    def stored_id(self, key: Key) -> str | None:
        """The TinyDB document id the document is stored under, or None."""
        found = self._entries.get(key)
        return found[0] if found else None

    # -- keeping in step with the table (the store calls these under its lock) ------------------

    def clear(self) -> None:
        """Forget every document (before ``load`` makes a new state the whole table)."""
        # The constructor is where each kind says what its indexes are.
        type(self).__init__(self, self._lock, self._packer)

    def load(self, table: dict[str, tuple[bytes, tuple]]) -> None:
        """Index a whole table of (packed document, entry) at once (at start): a step over every
        document at a time, not every step for one document (which was a fifth of a 100k-order
        start)."""
        held = table.values()
        entries = [entry for _, entry in held]
        keys = list(map(_KEY, entries))
        self._entries.update(zip(keys, zip(table, entries, strict=True), strict=True))
        sellers = set(map(_SELLER, entries))
        if len(sellers) == 1:
            (seller_id,) = sellers
            packed = [packed for packed, _ in held]
            self._by_seller.setdefault(seller_id, {}).update(zip(map(_DOC_ID, entries), packed, strict=True))
        else:
            for (seller_id, doc_id), (packed, _) in zip(keys, held, strict=True):
                self._by_seller.setdefault(seller_id, {})[doc_id] = packed
        self._load_indexes(entries)

    def put(self, stored_id: str, packed: bytes, entry: tuple) -> None:
        seller_id, doc_id = key = entry[0], entry[1]
        old = self._entries.get(key)
        self._by_seller.setdefault(seller_id, {})[doc_id] = packed
        self._entries[key] = (stored_id, entry)
        if old is None:
            self._add_to_indexes(entry)
        elif old[1] != entry:
            self._reindex(old[1], entry)

    def _reindex(self, old: tuple, new: tuple) -> None:
        """A stored document's entry changed from ``old`` to ``new``."""
        self._remove_from_indexes(old)
        self._add_to_indexes(new)

    def drop(self, key: Key) -> None:
        seller_id, doc_id = key
        old = self._entries.pop(key, None)
        if old is not None:
            del self._by_seller[seller_id][doc_id]
            self._remove_from_indexes(old[1])

    # Each kind's own indexes, kept from entries.
    def _load_indexes(self, entries: list[tuple]) -> None:
        for entry in entries:
            self._add_to_indexes(entry)

    def _add_to_indexes(self, entry: tuple) -> None:
        pass

    def _remove_from_indexes(self, entry: tuple) -> None:
        pass


class OrderIndex(KindIndex):
    """Orders: per seller and marketplace by purchase date and by last update (getOrders), by
    due time of their next automatic change, by SellerOrderId and by buyer email (searches).

    Orders are keyed by seller and order id: each seller is its own marketplace of test data, so
    two sellers seeded from the same fixtures hold the same order ids without seeing each other.
    An order's entry is (seller id, order id, marketplace id, PurchaseDate, LastUpdateDate,
    due_at, SellerOrderId, buyer email in lower case).
    """

    table = "orders"

    def __init__(self, lock: threading.RLock, packer: Packer) -> None:
        super().__init__(lock, packer)
        # (seller id, marketplace id) → (date, order id) keys, in order.
        self._by_date: dict[str, dict[Key, SortedList]] = {
            PURCHASE_DATE: defaultdict(SortedList),
            LAST_UPDATE_DATE: defaultdict(SortedList),
        }
        # seller id → (the marketplaces it covers, the seller's keys in all of them), built the
        # first time a scan needs it and kept up to date from then on: searchOrders without
        # marketplaceIds looks in every marketplace, and started and merged 23 ranges a page. It
        # holds the per-marketplace lists' own key tuples (a pointer a key).
        self._across: dict[str, dict[str, tuple[set[str], SortedList]]] = {PURCHASE_DATE: {}, LAST_UPDATE_DATE: {}}
        # A SellerOrderId or buyer email is nearly always one order's: kept as its id, and as a
        # set only when several orders share it (a set per order cost 200 bytes an order).
        self._by_seller_order_id: dict[Key, str | set[str]] = {}
        self._by_buyer_email: dict[Key, str | set[str]] = {}

    def key(self, doc: dict) -> Key:
        return doc["seller_id"], doc["order"]["AmazonOrderId"]

    def entry(self, doc: dict) -> tuple:
        order = doc["order"]
        email = (order.get("BuyerInfo") or {}).get("BuyerEmail")
        return (
            sys.intern(doc["seller_id"]),
            sys.intern(order["AmazonOrderId"]),
            sys.intern(order["MarketplaceId"]),
            order[PURCHASE_DATE],
            order[LAST_UPDATE_DATE],
            doc.get("due_at"),
            order.get("SellerOrderId") or None,
            email.lower() if email else None,
        )

    def entry_from_json(self, value) -> tuple | None:
        # Checked part by part, not through the generic check: 100k of these at every start.
        if type(value) is not list or len(value) != 8:
            return None
        seller_id, order_id, marketplace_id, purchased, updated, due_at, seller_order_id, email = value
        if not (type(seller_id) is str and type(order_id) is str and type(marketplace_id) is str):
            return None
        if not (type(purchased) is str and type(updated) is str):
            return None
        if not ((due_at is None or type(due_at) is str) and (seller_order_id is None or type(seller_order_id) is str)):
            return None
        if not (email is None or type(email) is str):
            return None
        return (
            sys.intern(seller_id),
            sys.intern(order_id),
            sys.intern(marketplace_id),
            purchased,
            updated,
            due_at,
            seller_order_id,
            email,
        )

    @staticmethod
    def entries_of(sellers, order_ids, marketplaces, purchased, updated, due, seller_order_ids, emails) -> list[tuple]:
        """Entries from their parts as columns, known to be well formed (interned as ``entry``
        does): a whole batch in one pass, at start (``marketplace/fixture_cache``)."""
        intern = sys.intern
        return list(
            zip(
                map(intern, sellers),
                map(intern, order_ids),
                map(intern, marketplaces),
                purchased,
                updated,
                due,
                seller_order_ids,
                emails,
                strict=True,
            )
        )

    # -- reading -------------------------------------------------------------------------------

    def marketplaces(self, seller_id: str) -> list[str]:
        """The marketplaces in which the seller has orders."""
        with self._lock:
            return sorted({mp for (seller, mp), keys in self._by_date[PURCHASE_DATE].items() if seller == seller_id and keys})

    def scan(
        self,
        seller_id: str,
        by: str,
        since: str,
        until: str,
        marketplace_ids: list[str],
        after: Key | None = None,
        recent: bool = True,
    ) -> Iterator[dict]:
        """A seller's orders in the marketplaces whose ``by`` date lies in [since, until],
        ascending by (date, order id); ``recent=False`` for a pass over many (a report), which
        would only push the few a client comes back to out of the recently read.

        ``after`` is the (date, order id) key of the last order already returned: paging
        resumes strictly after it, so no order is repeated or skipped. Keys are read in small
        chunks under the lock, so a page costs what it reads, not the size of the store; the
        index is kept per marketplace (getOrders always names them), so other marketplaces'
        orders are never read; a scan over all of the seller's (four or more) reads one list.
        """
        cursor = after if after is not None and after >= (since, "") else None
        size = _SCAN_FIRST_CHUNK
        wanted = frozenset(marketplace_ids) if len(marketplace_ids) >= _ACROSS_MIN_MARKETPLACES else None
        while True:
            with self._lock:
                ranges = []
                # Decided under the lock each chunk: an order placed meanwhile in a marketplace
                # not asked for makes the seller-wide list unusable for this scan.
                across = self._across_index(seller_id, by, wanted) if wanted is not None else None
                for index in [across] if across is not None else self._indexes(seller_id, by, marketplace_ids):
                    if cursor is None:
                        ranges.append(index.irange(minimum=(since, ""), maximum=(until, _HIGHEST)))
                    else:
                        ranges.append(index.irange(minimum=cursor, maximum=(until, _HIGHEST), inclusive=(False, True)))
                # An order is in one marketplace: the union's keys are distinct, and merging the
                # sorted ranges yields its first keys without sorting every range's chunk (a
                # search over 23 marketplaces sorted 1,400 keys to keep 64).
                chunk: list[Key] = list(islice(ranges[0] if len(ranges) == 1 else heapq.merge(*ranges), size))
            read = self.get if recent else self._unpacked
            for _, order_id in chunk:
                doc = read(seller_id, order_id)
                if doc is not None:  # dropped since the chunk was read
                    yield doc
            if len(chunk) < size:
                return
            cursor = chunk[-1]
            size = _SCAN_CHUNK if recent else _PASS_CHUNK

    def _indexes(self, seller_id: str, by: str, marketplace_ids: list[str]) -> list[SortedList]:
        found = (self._by_date[by].get((seller_id, marketplace_id)) for marketplace_id in marketplace_ids)
        return [index for index in found if index]

    def _across_index(self, seller_id: str, by: str, wanted: frozenset[str]) -> SortedList | None:
        """The seller's keys in every marketplace as one list, when ``wanted`` names every
        marketplace the seller has orders in (else None); built here the first time."""
        found = self._across[by].get(seller_id)
        if found is None:
            lists = [(mp, keys) for (seller, mp), keys in self._by_date[by].items() if seller == seller_id]
            filled = [mp for mp, keys in lists if keys]
            if len(filled) < _ACROSS_MIN_MARKETPLACES or not wanted.issuperset(filled):
                return None
            found = {mp for mp, _ in lists}, SortedList(chain.from_iterable(keys for _, keys in lists))
            self._across[by][seller_id] = found
        marketplaces, keys = found
        return keys if wanted.issuperset(marketplaces) else None

    def _add_across(self, by: str, seller_id: str, marketplace_id: str, key: Key) -> None:
        found = self._across[by].get(seller_id)
        if found is not None:
            found[0].add(marketplace_id)
            found[1].add(key)

    def _discard_across(self, by: str, seller_id: str, key: Key) -> None:
        found = self._across[by].get(seller_id)
        if found is not None:
            found[1].discard(key)

    def latest(self, seller_id: str, limit: int) -> list[dict]:
        """The seller's ``limit`` most recently updated orders, latest first (ties by order id,
        highest first)."""
        with self._lock:
            indexes = [keys for (seller, _), keys in self._by_date[LAST_UPDATE_DATE].items() if seller == seller_id]
            newest = list(islice(heapq.merge(*(reversed(keys) for keys in indexes), reverse=True), limit))
        return [doc for doc in (self.get(seller_id, order_id) for _, order_id in newest) if doc is not None]

    def ids_for_seller_order_id(self, seller_id: str, seller_order_id: str) -> set[str]:
        with self._lock:
            return _ids(self._by_seller_order_id.get((seller_id, seller_order_id)))

    def ids_for_buyer_email(self, seller_id: str, email: str) -> set[str]:
        with self._lock:
            return _ids(self._by_buyer_email.get((seller_id, email.lower())))

    # -- its indexes ---------------------------------------------------------------------------

    def _load_indexes(self, entries: list[tuple]) -> None:
        # Sorting once is much faster than 100k insertions into sorted lists.
        purchase: dict[Key, list] = defaultdict(list)
        updated: dict[Key, list] = defaultdict(list)
        due = []
        for seller_id, order_id, marketplace_id, purchased, last_updated, due_at, _, _ in entries:
            partition = (seller_id, marketplace_id)
            purchase[partition].append((purchased, order_id))
            updated[partition].append((last_updated, order_id))
            if due_at:
                due.append((due_at, seller_id, order_id))
        for lookup, part in ((self._by_seller_order_id, 6), (self._by_buyer_email, 7)):
            having = [entry for entry in entries if entry[part]]
            _remember_all(lookup, [(entry[0], entry[part]) for entry in having], list(map(_DOC_ID, having)))
        for partition, keys in purchase.items():
            self._by_date[PURCHASE_DATE][partition] = SortedList(keys)
        for partition, keys in updated.items():
            self._by_date[LAST_UPDATE_DATE][partition] = SortedList(keys)
        self._by_due.update(due)

    def _add_to_indexes(self, entry: tuple) -> None:
        seller_id, order_id, marketplace_id, purchased, last_updated, due_at = entry[:6]
        partition = (seller_id, marketplace_id)
        for by, key in ((PURCHASE_DATE, (purchased, order_id)), (LAST_UPDATE_DATE, (last_updated, order_id))):
            self._by_date[by][partition].add(key)
            self._add_across(by, seller_id, marketplace_id, key)
        if due_at:
            self._by_due.add((due_at, seller_id, order_id))
        self._add_to_lookups(entry)

    def _remove_from_indexes(self, entry: tuple) -> None:
        seller_id, order_id, marketplace_id, purchased, last_updated, due_at = entry[:6]
        partition = (seller_id, marketplace_id)
        for by, key in ((PURCHASE_DATE, (purchased, order_id)), (LAST_UPDATE_DATE, (last_updated, order_id))):
            self._by_date[by][partition].discard(key)
            self._discard_across(by, seller_id, key)
        if due_at:
            self._by_due.discard((due_at, seller_id, order_id))
        self._remove_from_lookups(entry)

    def _reindex(self, old: tuple, new: tuple) -> None:
        """Only the indexes whose part of the entry changed: an order changed by a feed message
        keeps its marketplace and purchase date and often its due time (a sorted list's discard
        and add each were a fifth of a feed chunk's write, which holds the GIL from readers)."""
        if old[:3] != new[:3]:
            super()._reindex(old, new)
            return
        seller_id, order_id, marketplace_id = new[:3]
        partition = (seller_id, marketplace_id)
        for position, by in ((3, PURCHASE_DATE), (4, LAST_UPDATE_DATE)):
            if old[position] != new[position]:
                key = (new[position], order_id)
                self._by_date[by][partition].discard((old[position], order_id))
                self._by_date[by][partition].add(key)
                self._discard_across(by, seller_id, (old[position], order_id))
                self._add_across(by, seller_id, marketplace_id, key)
        if old[5] != new[5]:
            if old[5]:
                self._by_due.discard((old[5], seller_id, order_id))
            if new[5]:
                self._by_due.add((new[5], seller_id, order_id))
        if old[6:] != new[6:]:
            self._remove_from_lookups(old)
            self._add_to_lookups(new)

    def _remove_from_lookups(self, entry: tuple) -> None:
        seller_id, order_id, seller_order_id, email = entry[0], entry[1], entry[6], entry[7]
        if seller_order_id:
            _forget(self._by_seller_order_id, (seller_id, seller_order_id), order_id)
        if email:
            _forget(self._by_buyer_email, (seller_id, email), order_id)

    def _add_to_lookups(self, entry: tuple) -> None:
        seller_id, order_id, seller_order_id, email = entry[0], entry[1], entry[6], entry[7]
        if seller_order_id:
            _remember(self._by_seller_order_id, (seller_id, seller_order_id), order_id)
        if email:
            _remember(self._by_buyer_email, (seller_id, email), order_id)


def _ids(found: str | set[str] | None) -> set[str]:
    if found is None:
        return set()
    return {found} if isinstance(found, str) else set(found)


def _remember(lookup: dict[Key, str | set[str]], key: Key, order_id: str) -> None:
    found = lookup.get(key)
    if found is None or found == order_id:
        lookup[key] = order_id
    elif isinstance(found, str):
        lookup[key] = {found, order_id}
    else:
        found.add(order_id)


def _remember_all(lookup: dict[Key, str | set[str]], keys: list[Key], ids: list[str]) -> None:
    """``_remember`` of each key and id in turn: into an empty lookup at once when no key
    repeats (nearly always: a SellerOrderId or buyer email is one order's, an order has an event
    or two), else the ids of keys that repeat gathered as ``_remember`` does (a call a key took
    0.3 s of a 100k-order start)."""
    if lookup:
        for key, doc_id in zip(keys, ids, strict=True):
            _remember(lookup, key, doc_id)
        return
    lookup.update(zip(keys, ids, strict=True))
    if len(lookup) == len(keys):
        return
    # A key that repeats with another id holds, after the update, an id other than one of its pairs'.
    repeated = {key for key, doc_id in zip(keys, ids, strict=True) if lookup[key] != doc_id}
    gathered: dict[Key, str | set[str]] = {}
    for key, doc_id in zip(keys, ids, strict=True):
        if key in repeated:
            _remember(gathered, key, doc_id)
    lookup.update(gathered)


def _forget(lookup: dict[Key, str | set[str]], key: Key, order_id: str) -> None:
    found = lookup.get(key)
    if found == order_id:
        del lookup[key]
    elif isinstance(found, set):
        found.discard(order_id)
        if len(found) == 1:
            lookup[key] = next(iter(found))


class JobEntry(NamedTuple):
    """What a job's indexes and lists need of its document (a tuple: small, and stored as a
    JSON list beside the document in a snapshot)."""

    seller_id: str
    job_id: str
    created: str  # createdTime
    type: str  # feedType or reportType
    status: str  # processingStatus
    due: str | None  # when the clock next moves it
    marketplaces: str  # marketplace ids joined by commas

    @property
    def key(self) -> Key:
        return self.seller_id, self.job_id


class JobIndex(KindIndex):
    """Documents of work the clock moves on (feeds, reports, report schedules): per seller by
    creation time (newest first, as getFeeds and getReports list them), and by when the clock
    next moves each one."""

    id_field: str
    type_field: str
    # A seller's ids of this kind count up from here (Amazon's are long numbers).
    first_id: int

    def __init__(self, lock: threading.RLock, packer: Packer) -> None:
        super().__init__(lock, packer)
        self._by_created: dict[str, SortedList] = defaultdict(SortedList)

    def key(self, doc: dict) -> Key:
        return doc["seller_id"], doc[self.id_field]

    def due_at(self, doc: dict) -> str | None:
        raise NotImplementedError

    def entry(self, doc: dict) -> JobEntry:
        return JobEntry(
            sys.intern(doc["seller_id"]),
            doc[self.id_field],
            doc["createdTime"],
            sys.intern(doc[self.type_field]),
            sys.intern(doc["processingStatus"]),
            self.due_at(doc),
            ",".join(doc["marketplaceIds"]),
        )

    def entry_from_json(self, value) -> JobEntry | None:
        entry = super().entry_from_json(value)
        if entry is None or len(entry) != 7 or None in entry[:5] or entry[6] is None:
            return None
        seller_id, job_id, created, kind, status, due, marketplaces = entry
        return JobEntry(sys.intern(seller_id), job_id, created, sys.intern(kind), sys.intern(status), due, marketplaces)

    def find(self, seller_id: str, types, query: dict, after: list | None, size: int) -> tuple[list[dict], list | None]:
        """A page of the seller's documents, newest first, of these types (all if none) matching
        ``query``'s processingStatuses, marketplaceIds and [createdSince, createdUntil]; and the
        (createdTime, id) of its last one if more follow (getFeeds, getReports)."""
        types = set(types or ())
        marketplaces = set(query.get("marketplaceIds") or ())
        statuses = set(query.get("processingStatuses") or ())
        since, until = query["createdSince"], query["createdUntil"]
        found: list[JobEntry] = []
        for entry in self.newest_first(seller_id):
            if after is not None and [entry.created, entry.job_id] >= after:
                continue
            if not since <= entry.created <= until or (types and entry.type not in types):
                continue
            if statuses and entry.status not in statuses:
                continue
            if marketplaces and not marketplaces & set(entry.marketplaces.split(",")):
                continue
            found.append(entry)
            if len(found) > size:
                break
        page = [self.get(*entry.key) for entry in found[:size]]
        return page, ([found[size - 1].created, found[size - 1].job_id] if len(found) > size else None)

    def newest_first(self, seller_id: str) -> list[JobEntry]:
        """The entries of a seller's documents, newest first (ties by id, highest first)."""
        with self._lock:
            return [self._entries[(seller_id, doc_id)][1] for _, doc_id in reversed(self._by_created.get(seller_id, ()))]

    def _add_to_indexes(self, entry: JobEntry) -> None:
        self._by_created[entry.seller_id].add((entry.created, entry.job_id))
        if entry.due:
            self._by_due.add((entry.due, entry.seller_id, entry.job_id))

    def _remove_from_indexes(self, entry: JobEntry) -> None:
        self._by_created[entry.seller_id].discard((entry.created, entry.job_id))
        if entry.due:
            self._by_due.discard((entry.due, entry.seller_id, entry.job_id))


class FeedIndex(JobIndex):
    """Feeds: the clock starts a queued feed and ends a processed one."""

    table, id_field, type_field, first_id = "feeds", "feedId", "feedType", 50_000_000_000

    def due_at(self, doc: dict) -> str | None:
        return jobs.due_at(doc)


class ReportIndex(JobIndex):
    """Reports: the clock starts a queued report and ends a produced one."""

    table, id_field, type_field, first_id = "reports", "reportId", "reportType", 60_000_000_000

    def due_at(self, doc: dict) -> str | None:
        return jobs.due_at(doc)


class ReportScheduleIndex(JobIndex):
    """Report schedules: the clock creates a report at each nextReportCreationTime."""

    table, id_field, type_field, first_id = "report_schedules", "reportScheduleId", "reportType", 70_000_000_000

    def due_at(self, doc: dict) -> str | None:
        return report_rules.schedule_due_at(doc)


class DocumentIndex(KindIndex):
    """Documents behind presigned URLs (feed uploads and processing reports, report contents),
    by seller and document id."""

    id_field: str

    def key(self, doc: dict) -> Key:
        return doc["seller_id"], doc[self.id_field]


class FeedDocumentIndex(DocumentIndex):
    table, id_field = "feed_documents", "feedDocumentId"


class ReportDocumentIndex(DocumentIndex):
    table, id_field = "report_documents", "reportDocumentId"


class FinancialEventEntry(NamedTuple):
    """What the Finances API's reads need of a financial event (see ``domain/finances``)."""

    seller_id: str
    event_id: str
    order_id: str
    occurred: str
    posted: str
    released: str
    status: str
    due: str | None
    group_id: str
    group_start: str
    group_end: str
    currency: str

    @property
    def key(self) -> Key:
        return self.seller_id, self.event_id


def _interned_event_entry(
    seller_id, event_id, order_id, occurred, posted, released, status, due, group_id, group_start, group_end, currency
) -> FinancialEventEntry:
    # A group's id and bounds are shared by every event released in it, and an order id by the
    # order's entry: one string each, not one per event (about 25 MB at 100k orders).
    return FinancialEventEntry(
        sys.intern(seller_id),
        event_id,
        sys.intern(order_id),
        occurred,
        posted,
        released,
        sys.intern(status),
        due,
        sys.intern(group_id),
        sys.intern(group_start),
        sys.intern(group_end),
        sys.intern(currency),
    )


_EVENT_ENTRY_PARTS = len(FinancialEventEntry._fields)


class FinancialEventIndex(KindIndex):
    """Financial events, per seller: by order, by posting time (listFinancialEvents,
    listTransactions), by settlement group (listFinancialEventGroups and the group's events), and
    by when the clock next moves each (its posting, its release)."""

    table = "financial_events"

    def __init__(self, lock: threading.RLock, packer: Packer) -> None:
        super().__init__(lock, packer)
        # Most orders have one event: kept as its id, a set only for several (as OrderIndex's lookups).
        self._by_order: dict[Key, str | set[str]] = {}
        self._by_posted: dict[str, SortedList] = defaultdict(SortedList)
        # (seller, group id) → (released, event id) of its released events.
        self._by_group: dict[Key, SortedList] = defaultdict(SortedList)
        # seller → {group id: (currency, start, end)} of groups with a released event.
        self._groups: dict[str, dict[str, tuple[str, str, str]]] = defaultdict(dict)

    def key(self, doc: dict) -> Key:
        return doc["seller_id"], doc["eventId"]

    def due_at(self, doc: dict) -> str | None:
        return finances.due_at(doc)

    def entry(self, doc: dict) -> FinancialEventEntry:
        return _interned_event_entry(
            doc["seller_id"],
            doc["eventId"],
            doc["orderId"],
            doc["occurredAt"],
            doc["postedAt"],
            doc["releasedAt"],
            doc["status"],
            finances.due_at(doc),
            doc["groupId"],
            doc["groupStart"],
            doc["groupEnd"],
            doc["currency"],
        )

    def entry_from_json(self, value) -> FinancialEventEntry | None:
        # Checked part by part, as OrderIndex's: a generic check of each part took half of
        # loading a 100k-order store's events.
        if type(value) is not list or len(value) != _EVENT_ENTRY_PARTS:
            return None
        seller_id, event_id, order_id, occurred, posted, released, status, due, group_id, start, end, currency = value
        if not (type(seller_id) is str and type(event_id) is str and type(order_id) is str and type(occurred) is str):
            return None
        if not (type(posted) is str and type(released) is str and type(status) is str and (due is None or type(due) is str)):
            return None
        if not (type(group_id) is str and type(start) is str and type(end) is str and type(currency) is str):
            return None
        return _interned_event_entry(*value)

    def entry_of(self, *parts: str | None) -> FinancialEventEntry:
        """An entry from its parts, in FinancialEventEntry's order, known to be well formed."""
        return _interned_event_entry(*parts)

    @staticmethod
    def entries_of(
        sellers, event_ids, order_ids, occurred, posted, released, statuses, due, group_ids, starts, ends, currencies
    ) -> list[FinancialEventEntry]:
        """Entries from their parts as columns (in FinancialEventEntry's order), known to be
        well formed (interned as ``entry`` does): a whole batch in one pass, at start."""
        intern = sys.intern
        columns = (
            map(intern, sellers),
            event_ids,
            map(intern, order_ids),
            occurred,
            posted,
            released,
            map(intern, statuses),
            due,
            map(intern, group_ids),
            map(intern, starts),
            map(intern, ends),
            map(intern, currencies),
        )
        return list(map(FinancialEventEntry._make, zip(*columns, strict=True)))

    def of_order(self, seller_id: str, order_id: str) -> list[dict]:
        """Every event of the order, pending ones too, by (occurred, id)."""
        with self._lock:
            entries = [self._entries[(seller_id, doc_id)][1] for doc_id in _ids(self._by_order.get((seller_id, order_id)))]
        entries.sort(key=lambda entry: (entry.occurred, entry.event_id))
        return self._docs(entries)

    def posted(self, seller_id: str, since: str | None = None, until: str | None = None) -> list[dict]:
        """The seller's posted events (any status but PENDING) with since <= postedAt < until,
        by (postedAt, id)."""
        # (postedAt,) sorts before every (postedAt, id): the bounds select by postedAt alone.
        bounds = ((since or "",), (until or _HIGHEST,))
        with self._lock:
            keys = list(self._by_posted.get(seller_id, SortedList()).irange(*bounds, inclusive=(True, False)))
            entries = [self._entries[(seller_id, doc_id)][1] for _, doc_id in keys]
        return self._docs(entry for entry in entries if entry.status != finances.PENDING)

    def groups(self, seller_id: str) -> list[tuple[str, str, str, str]]:
        """(group id, currency, start, end) of the seller's groups with a released event, by start."""
        with self._lock:
            found = [(group_id, *rest) for group_id, rest in self._groups.get(seller_id, {}).items()]
        return sorted(found, key=lambda group: (group[2], group[1], group[0]))

    def in_group(self, seller_id: str, group_id: str) -> list[dict]:
        """The group's released events, by (releasedAt, id)."""
        with self._lock:
            entries = [self._entries[(seller_id, doc_id)][1] for _, doc_id in self._by_group.get((seller_id, group_id), ())]
        return self._docs(entries)

    def _docs(self, entries) -> list[dict]:
        return [doc for doc in (self.get(*entry.key) for entry in entries) if doc is not None]

    def _load_indexes(self, entries: list[FinancialEventEntry]) -> None:
        # Sorting once is much faster than 100k insertions into sorted lists (as OrderIndex).
        posted: dict[str, list] = defaultdict(list)
        grouped: dict[Key, list] = defaultdict(list)
        due = []
        released = finances.RELEASED_STATUSES
        groups = self._groups
        for seller_id, event_id, _, _, posted_at, released_at, status, due_at, group_id, start, end, currency in entries:
            posted[seller_id].append((posted_at, event_id))
            if status in released:
                grouped[(seller_id, group_id)].append((released_at, event_id))
                groups[seller_id][group_id] = (currency, start, end)
            if due_at:
                due.append((due_at, seller_id, event_id))
        _remember_all(self._by_order, [(entry[0], entry[2]) for entry in entries], list(map(_DOC_ID, entries)))
        for seller_id, keys in posted.items():
            self._by_posted[seller_id].update(keys)
        for group, keys in grouped.items():
            self._by_group[group].update(keys)
        self._by_due.update(due)

    def _add_to_indexes(self, entry: FinancialEventEntry) -> None:
        _remember(self._by_order, (entry.seller_id, entry.order_id), entry.event_id)
        self._by_posted[entry.seller_id].add((entry.posted, entry.event_id))
        if entry.status in finances.RELEASED_STATUSES:
            self._by_group[(entry.seller_id, entry.group_id)].add((entry.released, entry.event_id))
            self._groups[entry.seller_id][entry.group_id] = (entry.currency, entry.group_start, entry.group_end)
        if entry.due:
            self._by_due.add((entry.due, entry.seller_id, entry.event_id))

    def _remove_from_indexes(self, entry: FinancialEventEntry) -> None:
        _forget(self._by_order, (entry.seller_id, entry.order_id), entry.event_id)
        self._by_posted[entry.seller_id].discard((entry.posted, entry.event_id))
        group = self._by_group.get((entry.seller_id, entry.group_id))
        if group is not None:
            group.discard((entry.released, entry.event_id))
            if not group:
                del self._by_group[(entry.seller_id, entry.group_id)]
                self._groups[entry.seller_id].pop(entry.group_id, None)
        if entry.due:
            self._by_due.discard((entry.due, entry.seller_id, entry.event_id))


# Destinations belong to the application, not to a seller (Amazon: "destinations are
# application-wide"); the store keys every document by seller, so theirs is this one.
APPLICATION = "*application*"


def destination_resource_key(resource: dict) -> str:
    """One string naming where a destination delivers, so that a second destination for the
    same place is found: its SQS queue, or its EventBridge account (Amazon allows one
    EventBridge destination per AWS account)."""
    if "sqs" in resource:
        return "sqs:" + resource["sqs"]["arn"]
    return f"eventBridge:{(resource.get('eventBridge') or {}).get('accountId')}"


class DestinationIndex(KindIndex):
    """Notification destinations (application-wide, under ``APPLICATION``), by id and by the
    place they deliver to. An entry is (APPLICATION, destination id, resource key)."""

    table = "destinations"

    def __init__(self, lock: threading.RLock, packer: Packer) -> None:
        super().__init__(lock, packer)
        self._by_resource: dict[str, str] = {}

    def key(self, doc: dict) -> Key:
        return APPLICATION, doc["destinationId"]

    def entry(self, doc: dict) -> tuple:
        return APPLICATION, doc["destinationId"], destination_resource_key(doc["resource"])

    def get_destination(self, destination_id: str) -> dict | None:
        return self.get(APPLICATION, destination_id)

    def all(self) -> list[dict]:
        """Every destination, by id."""
        return sorted(self.docs(APPLICATION), key=lambda doc: doc["destinationId"])

    def with_resource(self, resource: dict) -> dict | None:
        """The destination that delivers to this resource, or None."""
        with self._lock:
            found = self._by_resource.get(destination_resource_key(resource))
        return self.get(APPLICATION, found) if found else None

    def _add_to_indexes(self, entry: tuple) -> None:
        self._by_resource[entry[2]] = entry[1]

    def _remove_from_indexes(self, entry: tuple) -> None:
        if self._by_resource.get(entry[2]) == entry[1]:
            del self._by_resource[entry[2]]


class SubscriptionIndex(KindIndex):
    """Notification subscriptions, per seller: by notification type (what a change notifies)
    and by destination (a destination still in use). An entry is (seller id, subscription id,
    notification type, destination id)."""

    table = "subscriptions"

    def __init__(self, lock: threading.RLock, packer: Packer) -> None:
        super().__init__(lock, packer)
        self._by_type: dict[Key, set[str]] = defaultdict(set)
        self._by_destination: dict[str, set[Key]] = defaultdict(set)
        # Subscription ids are UUIDs, unique across sellers: a grantless call names one alone.
        self._seller_of: dict[str, str] = {}

    def key(self, doc: dict) -> Key:
        return doc["seller_id"], doc["subscriptionId"]

    def entry(self, doc: dict) -> tuple:
        return sys.intern(doc["seller_id"]), doc["subscriptionId"], sys.intern(doc["notificationType"]), doc["destinationId"]

    def of_type(self, seller_id: str, notification_type: str) -> list[dict]:
        """The seller's subscriptions to this notification type, by subscription id."""
        with self._lock:
            ids = sorted(self._by_type.get((seller_id, notification_type), ()))
        return [doc for doc in (self.get(seller_id, doc_id) for doc_id in ids) if doc is not None]

    def with_id(self, subscription_id: str) -> dict | None:
        """The subscription with this id, whichever seller's it is, or None."""
        with self._lock:
            seller_id = self._seller_of.get(subscription_id)
        return self.get(seller_id, subscription_id) if seller_id is not None else None

    def using_destination(self, destination_id: str) -> list[Key]:
        """(seller id, subscription id) of every subscription delivering to this destination."""
        with self._lock:
            return sorted(self._by_destination.get(destination_id, ()))

    def _add_to_indexes(self, entry: tuple) -> None:
        seller_id, subscription_id, notification_type, destination_id = entry
        self._by_type[(seller_id, notification_type)].add(subscription_id)
        self._by_destination[destination_id].add((seller_id, subscription_id))
        self._seller_of[subscription_id] = seller_id

    def _remove_from_indexes(self, entry: tuple) -> None:
        seller_id, subscription_id, notification_type, destination_id = entry
        self._by_type[(seller_id, notification_type)].discard(subscription_id)
        self._by_destination[destination_id].discard((seller_id, subscription_id))
        if self._seller_of.get(subscription_id) == seller_id:
            del self._seller_of[subscription_id]


class NotificationIndex(KindIndex):
    """Notifications (the outbox and the built-in inbox in one), per seller, in the order they
    were recorded: a pending one waits for the delivery worker, a delivered one is in the
    seller's inbox. ``sequence`` (a zero-padded number) orders them across sellers and restarts,
    so each subscription's are delivered in the order their changes committed. An entry is
    (seller id, notification id, sequence, status, notification type)."""

    table = "notifications"
    PENDING = "pending"

    def __init__(self, lock: threading.RLock, packer: Packer) -> None:
        super().__init__(lock, packer)
        self._by_sequence: dict[str, SortedList] = defaultdict(SortedList)
        self._pending = SortedList()
        self._highest = 0

    def key(self, doc: dict) -> Key:
        return doc["seller_id"], doc["notificationId"]

    def entry(self, doc: dict) -> tuple:
        return sys.intern(doc["seller_id"]), doc["notificationId"], doc["sequence"], doc["status"], doc["notificationType"]

    def next_sequences(self, count: int) -> list[str]:
        """Sequences for ``count`` new notifications, past every one handed out (the caller
        records them in one change, under the backend's lock)."""
        with self._lock:
            first = self._highest + 1
            self._highest += count
        return [f"{number:016d}" for number in range(first, first + count)]

    def pending(self, limit: int, after: str | None = None) -> list[dict]:
        """The first ``limit`` notifications still to deliver, in sequence order (those past the
        sequence ``after``, when given: the delivery worker walks past a blocked subscription's)."""
        with self._lock:
            start = 0 if after is None else self._pending.bisect_right((after, "\uffff"))
            keys = [(seller_id, doc_id) for _, seller_id, doc_id in self._pending.islice(start, start + limit)]
        return [doc for doc in (self.get(*key) for key in keys) if doc is not None]

    def has_pending(self) -> bool:
        return bool(self._pending)

    def pending_count(self, seller_id: str | None = None) -> int:
        with self._lock:
            return sum(1 for _, seller, _ in self._pending if seller_id is None or seller == seller_id)

    def of_seller(self, seller_id: str) -> list[dict]:
        """The seller's notifications, in sequence order."""
        with self._lock:
            ids = [doc_id for _, doc_id in self._by_sequence.get(seller_id, ())]
        return [doc for doc in (self.get(seller_id, doc_id) for doc_id in ids) if doc is not None]

    def newest_first(self, seller_id: str) -> Iterator[dict]:
        """The seller's notifications, latest recorded first (an aggregation window looks back
        only as far as its period: the caller stops early)."""
        with self._lock:
            ids = [doc_id for _, doc_id in reversed(self._by_sequence.get(seller_id, ()))]
        for doc_id in ids:
            doc = self.get(seller_id, doc_id)
            if doc is not None:
                yield doc

    def _add_to_indexes(self, entry: tuple) -> None:
        seller_id, doc_id, sequence, status, _ = entry
        self._by_sequence[seller_id].add((sequence, doc_id))
        if status == self.PENDING:
            self._pending.add((sequence, seller_id, doc_id))
        if sequence.isdigit():
            self._highest = max(self._highest, int(sequence))

    def _remove_from_indexes(self, entry: tuple) -> None:
        seller_id, doc_id, sequence, status, _ = entry
        self._by_sequence[seller_id].discard((sequence, doc_id))
        self._pending.discard((sequence, seller_id, doc_id))
