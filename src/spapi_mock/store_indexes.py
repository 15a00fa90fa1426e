"""The store's in-memory indexes: one per kind of document, each answering that kind's reads.

TinyDB answers queries by scanning every document and copies each one it returns, so reads
never go through it: each kind keeps its documents by (seller, id) and whatever ordered
indexes its API's reads need, so a page costs what it reads, not the size of the store.

A kind is one class here: its TinyDB table, its key, and hooks that add a document to its own
indexes and take it out. The store keeps every kind's index in step with its table.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import islice

from sortedcontainers import SortedList

# The two date orders getOrders can select on.
PURCHASE_DATE = "PurchaseDate"
LAST_UPDATE_DATE = "LastUpdateDate"
_HIGHEST = "\uffff"
_SCAN_CHUNK = 64

Key = tuple[str, str]


class KindIndex:
    """Documents of one kind by (seller id, document id), with the TinyDB id each is stored under.

    Documents are the stored ones, not copies: callers read them and never change them (the
    store replaces documents whole, so a reader's document stays consistent).
    """

    table: str

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._by_seller: dict[str, dict[str, dict]] = {}
        self._doc_ids: dict[Key, str] = {}

    def key(self, doc: dict) -> Key:
        raise NotImplementedError

    # -- reading -------------------------------------------------------------------------------

    def get(self, seller_id: str, doc_id: str) -> dict | None:
        """The seller's document with this id, or None."""
        return self._by_seller.get(seller_id, {}).get(doc_id)

    def docs(self, seller_id: str | None = None) -> list[dict]:
        """Every document of this kind, or a seller's (a snapshot of the list)."""
        with self._lock:
            if seller_id is not None:
                return list(self._by_seller.get(seller_id, {}).values())
            return [doc for docs in self._by_seller.values() for doc in docs.values()]

    def count(self, seller_id: str | None = None) -> int:
        with self._lock:
            if seller_id is not None:
                return len(self._by_seller.get(seller_id, ()))
            return len(self._doc_ids)

    def sellers(self) -> list[str]:
        with self._lock:
            return sorted(seller for seller, docs in self._by_seller.items() if docs)

    def keys(self, seller_id: str | None = None) -> list[Key]:
        with self._lock:
            if seller_id is None:
                return list(self._doc_ids)
            return [(seller_id, doc_id) for doc_id in self._by_seller.get(seller_id, ())]

    def stored_id(self, key: Key) -> str | None:
        """The TinyDB document id the document is stored under, or None."""
        return self._doc_ids.get(key)

    # -- keeping in step with the table (the store calls these under its lock) ------------------

    def load(self, table: dict[str, dict]) -> None:
        """Index a whole table at once (at start)."""
        for stored_id, doc in table.items():
            seller_id, doc_id = key = self.key(doc)
            self._by_seller.setdefault(seller_id, {})[doc_id] = doc
            self._doc_ids[key] = stored_id
        self._load_indexes(table.values())

    def put(self, stored_id: str, doc: dict) -> None:
        seller_id, doc_id = key = self.key(doc)
        docs = self._by_seller.setdefault(seller_id, {})
        old = docs.get(doc_id)
        if old is not None:
            self._remove_from_indexes(old)
        docs[doc_id] = doc
        self._doc_ids[key] = stored_id
        self._add_to_indexes(doc)

    def drop(self, key: Key) -> None:
        seller_id, doc_id = key
        old = self._by_seller.get(seller_id, {}).pop(doc_id, None)
        if old is not None:
            self._remove_from_indexes(old)
            del self._doc_ids[key]

    # Each kind's own indexes.
    def _load_indexes(self, docs: Iterable[dict]) -> None:
        for doc in docs:
            self._add_to_indexes(doc)

    def _add_to_indexes(self, doc: dict) -> None:
        pass

    def _remove_from_indexes(self, doc: dict) -> None:
        pass


def _date_keys(order: dict) -> tuple[Key, Key]:
    order_id = order["AmazonOrderId"]
    return (order[PURCHASE_DATE], order_id), (order[LAST_UPDATE_DATE], order_id)


class OrderIndex(KindIndex):
    """Orders: per seller and marketplace by purchase date and by last update (getOrders), by
    due time of their next automatic change, by SellerOrderId and by buyer email (searches).

    Orders are keyed by seller and order id: each seller is its own marketplace of test data, so
    two sellers seeded from the same fixtures hold the same order ids without seeing each other.
    """

    table = "orders"

    def __init__(self, lock: threading.RLock) -> None:
        super().__init__(lock)
        # (seller id, marketplace id) → (date, order id) keys, in order.
        self._by_date: dict[str, dict[Key, SortedList]] = {
            PURCHASE_DATE: defaultdict(SortedList),
            LAST_UPDATE_DATE: defaultdict(SortedList),
        }
        self._by_seller_order_id: dict[Key, set[str]] = defaultdict(set)
        self._by_buyer_email: dict[Key, set[str]] = defaultdict(set)
        # (due_at, seller id, order id) of orders something will happen to when the clock reaches due_at.
        self._by_due = SortedList()

    def key(self, doc: dict) -> Key:
        return doc["seller_id"], doc["order"]["AmazonOrderId"]

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
        marketplace_ids: Iterable[str],
        after: Key | None = None,
    ) -> Iterator[dict]:
        """A seller's orders in the marketplaces whose ``by`` date lies in [since, until],
        ascending by (date, order id).

        ``after`` is the (date, order id) key of the last order already returned: paging
        resumes strictly after it, so no order is repeated or skipped. Keys are read in small
        chunks under the lock, so a page costs what it reads, not the size of the store; the
        index is kept per marketplace (getOrders always names them), so other marketplaces'
        orders are never read.
        """
        cursor = after if after is not None and after >= (since, "") else None
        while True:
            with self._lock:
                chunk: list[Key] = []
                for marketplace_id in marketplace_ids:
                    index = self._by_date[by].get((seller_id, marketplace_id))
                    if not index:
                        continue
                    if cursor is None:
                        keys = index.irange(minimum=(since, ""), maximum=(until, _HIGHEST))
                    else:
                        keys = index.irange(minimum=cursor, maximum=(until, _HIGHEST), inclusive=(False, True))
                    chunk.extend(islice(keys, _SCAN_CHUNK))
                # The first CHUNK keys of the union are among each index's first CHUNK.
                chunk.sort()
                del chunk[_SCAN_CHUNK:]
                docs = [self._by_seller[seller_id][order_id] for _, order_id in chunk]
            yield from docs
            if len(chunk) < _SCAN_CHUNK:
                return
            cursor = chunk[-1]

    def next_due(self) -> tuple[str, str, str] | None:
        """(due_at, seller id, order id) of the order due first, or None."""
        with self._lock:
            return self._by_due[0] if self._by_due else None

    def due_until(self, until: str) -> list[tuple[str, str, str]]:
        """(due_at, seller id, order id) of every order whose ``due_at`` is at or before ``until``, earliest first."""
        with self._lock:
            return list(self._by_due.irange(maximum=(until, _HIGHEST)))

    def ids_for_seller_order_id(self, seller_id: str, seller_order_id: str) -> set[str]:
        with self._lock:
            return set(self._by_seller_order_id.get((seller_id, seller_order_id), ()))

    def ids_for_buyer_email(self, seller_id: str, email: str) -> set[str]:
        with self._lock:
            return set(self._by_buyer_email.get((seller_id, email.lower()), ()))

    # -- its indexes ---------------------------------------------------------------------------

    def _load_indexes(self, docs: Iterable[dict]) -> None:
        # Sorting once is much faster than 100k insertions into sorted lists.
        purchase: dict[Key, list] = defaultdict(list)
        updated: dict[Key, list] = defaultdict(list)
        for doc in docs:
            p_key, u_key = _date_keys(doc["order"])
            partition = (doc["seller_id"], doc["order"]["MarketplaceId"])
            purchase[partition].append(p_key)
            updated[partition].append(u_key)
            self._add_to_lookups(doc)
        for partition, keys in purchase.items():
            self._by_date[PURCHASE_DATE][partition] = SortedList(keys)
        for partition, keys in updated.items():
            self._by_date[LAST_UPDATE_DATE][partition] = SortedList(keys)

    def _add_to_indexes(self, doc: dict) -> None:
        p_key, u_key = _date_keys(doc["order"])
        partition = (doc["seller_id"], doc["order"]["MarketplaceId"])
        self._by_date[PURCHASE_DATE][partition].add(p_key)
        self._by_date[LAST_UPDATE_DATE][partition].add(u_key)
        self._add_to_lookups(doc)

    def _add_to_lookups(self, doc: dict) -> None:
        if doc.get("due_at"):
            self._by_due.add(_due_key(doc))
        for lookup, key, order_id in self._lookups(doc):
            lookup[key].add(order_id)

    def _remove_from_indexes(self, doc: dict) -> None:
        p_key, u_key = _date_keys(doc["order"])
        partition = (doc["seller_id"], doc["order"]["MarketplaceId"])
        self._by_date[PURCHASE_DATE][partition].discard(p_key)
        self._by_date[LAST_UPDATE_DATE][partition].discard(u_key)
        if doc.get("due_at"):
            self._by_due.discard(_due_key(doc))
        for lookup, key, order_id in self._lookups(doc):
            lookup[key].discard(order_id)

    def _lookups(self, doc: dict) -> list[tuple[dict, Key, str]]:
        """(lookup, its key, order id) for each search lookup the order belongs in."""
        seller_id, order = doc["seller_id"], doc["order"]
        found = []
        if order.get("SellerOrderId"):
            found.append((self._by_seller_order_id, (seller_id, order["SellerOrderId"]), order["AmazonOrderId"]))
        email = (order.get("BuyerInfo") or {}).get("BuyerEmail")
        if email:
            found.append((self._by_buyer_email, (seller_id, email.lower()), order["AmazonOrderId"]))
        return found


def _due_key(doc: dict) -> tuple[str, str, str]:
    return doc["due_at"], doc["seller_id"], doc["order"]["AmazonOrderId"]
