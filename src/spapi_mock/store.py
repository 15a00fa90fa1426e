"""The fixture store: the only module that touches TinyDB.

Each order is one TinyDB document, version-neutral so that every API version can be derived
from it without reshaping::

    {"seller_id": "A1...", "order": {v0 Order fields}, "items": [{v0 OrderItem fields}],
     "address": {BuyerCompanyName, DeliveryPreferences}, "regulated": {...} | None,
     "history": [{"at", "event", ...}]}

TinyDB answers queries by scanning every document, and copies each document it returns, so
reads never go through it: indexes kept beside it ((seller, order id) → stored document, and
per seller and marketplace the orders sorted by purchase date and by last update) give getOrders
a page at a cost that does not grow with the store. TinyDB holds the state and writes it.

Orders are keyed by seller and order id: each seller is its own marketplace of test data, so
two sellers seeded from the same fixtures hold the same order ids without seeing each other.

Writers replace whole documents (never mutate one a reader may hold), and every write goes
through one lock, so Connexion's request threads see whole orders only. Each change (orders
and the small records beside them, such as the clock) is one write of the file, so a crash
leaves the state before the change or after it, never half of it.
"""

from __future__ import annotations

import fcntl
import glob
import json
import os
import tempfile
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import islice

from sortedcontainers import SortedList
from tinydb import TinyDB
from tinydb.storages import MemoryStorage, Storage

from .errors import StoreFileError

ORDERS_TABLE = "orders"
META_TABLE = "meta"
# The two date orders getOrders can select on.
PURCHASE_DATE = "PurchaseDate"
LAST_UPDATE_DATE = "LastUpdateDate"
_HIGHEST = "\uffff"
_SCAN_CHUNK = 64


class AtomicJSONStorage(Storage):
    """TinyDB storage on a JSON file that is read once and replaced whole on every write.

    TinyDB's JSONStorage parses the file on every read, which would make each request cost the
    size of the store; and it rewrites the file in place, so a crash mid-write corrupts it.
    This one keeps the data in memory and writes a temporary file that is renamed over the old
    one, so the file always holds the last complete state.
    """

    def __init__(self, path: str) -> None:
        self._path = os.path.abspath(path)
        self._data: dict | None = None
        self._lock_file = _lock(self._path)
        try:
            # A write killed before its rename leaves its temporary file; the lock says this
            # process alone owns the store, so any such file of this store is a leftover.
            directory, name = os.path.split(self._path)
            self._temp_prefix = f".spapi-mock-{name}."
            for leftover in glob.glob(os.path.join(glob.escape(directory), glob.escape(self._temp_prefix) + "*.tmp")):
                os.unlink(leftover)
            if os.path.lexists(self._path):
                self._data = _read_store_file(self._path)
            elif not os.access(directory or ".", os.W_OK):
                raise StoreFileError(f"{self._path}: cannot create the store: its directory is not writable")
        except BaseException:
            self.close()
            raise

    def read(self) -> dict | None:
        return self._data

    def write(self, data: dict) -> None:
        directory = os.path.dirname(self._path) or "."
        fd, tmp = tempfile.mkstemp(prefix=self._temp_prefix, suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, separators=(",", ":"))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self._path)
            # Only a state that reached the disk is the state.
            self._data = data
        except BaseException as exc:
            if os.path.exists(tmp):
                os.unlink(tmp)
            if isinstance(exc, OSError):
                # A full disk or a file made read-only: the change is not kept, and the server
                # says so rather than answering a bare 500.
                raise StoreFileError(
                    f"{self._path}: the change could not be written ({exc.strerror}); nothing was changed"
                ) from None
            raise

    def close(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()  # closing the file releases its lock
            self._lock_file = None


def _lock(path: str):
    """An exclusive lock on ``<store>.lock``, holding the owner's pid: two processes writing one
    store each gave the same new order id to different orders, and one's writes were lost."""
    try:
        handle = open(path + ".lock", "a+", encoding="utf-8")
    except OSError as exc:
        raise StoreFileError(f"{path}: cannot lock the store: {exc.strerror}") from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        owner = handle.read().strip() or "unknown"
        handle.close()
        raise StoreFileError(
            f"{path}: the store is in use by another spapi-mock process (pid {owner}); stop it or use another file"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def _read_store_file(path: str) -> dict:
    """The store file's data, or StoreFileError saying what is wrong with it."""
    if os.path.isdir(path):
        raise StoreFileError(f"{path}: is a directory, not a store file")
    if os.path.getsize(path) == 0:
        raise StoreFileError(f"{path}: the store file is empty (0 bytes), perhaps cut short; remove it to start a new store")
    if not os.access(path, os.W_OK):
        raise StoreFileError(f"{path}: the store file is read-only; changes could not be kept")
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except UnicodeDecodeError:
        raise StoreFileError(f"{path}: is not a spapi-mock store (not text)") from None
    except ValueError as exc:
        raise StoreFileError(f"{path}: is not a spapi-mock store (not complete JSON: {exc})") from None
    except OSError as exc:
        raise StoreFileError(f"{path}: cannot be read: {exc.strerror}") from None
    if not isinstance(data, dict) or not all(isinstance(table, dict) for table in data.values()):
        raise StoreFileError(f"{path}: is not a spapi-mock store (expected an object of tables)")
    return data


def _key(doc: dict) -> tuple[str, str]:
    return doc["seller_id"], doc["order"]["AmazonOrderId"]


def _date_keys(doc: dict) -> tuple[tuple[str, str], tuple[str, str]]:
    order = doc["order"]
    order_id = order["AmazonOrderId"]
    return (order[PURCHASE_DATE], order_id), (order[LAST_UPDATE_DATE], order_id)


def _partition(doc: dict) -> tuple[str, str]:
    return doc["seller_id"], doc["order"]["MarketplaceId"]


class OrderStore:
    """Orders of every seller, with the indexes getOrders and the lookups need."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path
        if path:
            self._db = TinyDB(path, storage=AtomicJSONStorage)
        else:
            self._db = TinyDB(storage=MemoryStorage)
        self._table = self._db.table(ORDERS_TABLE, cache_size=0)
        self._meta = self._db.table(META_TABLE, cache_size=0)
        self._lock = threading.RLock()
        self._rebuild_indexes()

    # -- reading -----------------------------------------------------------------------------

    def is_empty(self) -> bool:
        with self._lock:
            return not self._doc_ids

    def count(self, seller_id: str | None = None) -> int:
        with self._lock:
            if seller_id is None:
                return len(self._doc_ids)
            return sum(len(keys) for (seller, _), keys in self._by_date[PURCHASE_DATE].items() if seller == seller_id)

    def sellers(self) -> list[str]:
        with self._lock:
            return sorted({seller for (seller, _), keys in self._by_date[PURCHASE_DATE].items() if keys})

    def marketplaces(self, seller_id: str) -> list[str]:
        """The marketplaces in which the seller has orders."""
        with self._lock:
            return sorted({mp for (seller, mp), keys in self._by_date[PURCHASE_DATE].items() if seller == seller_id and keys})

    def get(self, seller_id: str, order_id: str) -> dict | None:
        """The order document, or None if the seller has no such order.

        The document is the stored one, not a copy: callers read it and never change it
        (writers replace documents whole, so a reader's document stays consistent).
        """
        return self._docs.get((seller_id, order_id))

    def scan(
        self,
        seller_id: str,
        by: str,
        since: str,
        until: str,
        marketplace_ids: Iterable[str],
        after: tuple[str, str] | None = None,
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
                chunk: list[tuple[str, str]] = []
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
                docs = [self._docs[(seller_id, order_id)] for _, order_id in chunk]
            yield from docs
            if len(chunk) < _SCAN_CHUNK:
                return
            cursor = chunk[-1]

    def docs(self, seller_id: str | None = None) -> list[dict]:
        """Every stored document, or a seller's (a snapshot of the list; the documents are the stored ones)."""
        with self._lock:
            if seller_id is None:
                return list(self._docs.values())
            return [doc for (seller, _), doc in self._docs.items() if seller == seller_id]

    def next_due(self) -> tuple[str, str, str] | None:
        """(due_at, seller id, order id) of the order due first, or None."""
        with self._lock:
            return self._by_due[0] if self._by_due else None

    def due_until(self, until: str) -> list[tuple[str, str, str]]:
        """(due_at, seller id, order id) of every order whose ``due_at`` is at or before ``until``, earliest first."""
        with self._lock:
            return list(self._by_due.irange(maximum=(until, _HIGHEST)))

    def order_ids_for_seller_order_id(self, seller_id: str, seller_order_id: str) -> set[str]:
        with self._lock:
            return set(self._by_seller_order_id.get((seller_id, seller_order_id), ()))

    def order_ids_for_buyer_email(self, seller_id: str, email: str) -> set[str]:
        with self._lock:
            return set(self._by_buyer_email.get((seller_id, email.lower()), ()))

    # -- writing -----------------------------------------------------------------------------

    def replace_all(self, docs: list[dict], meta: dict[str, dict] | None = None) -> None:
        """Drop every order and store ``docs`` instead, in one write."""
        with self._lock:
            self._write(put=docs, drop=list(self._docs), meta=meta)

    def replace_seller(self, seller_id: str, docs: list[dict], meta: dict[str, dict] | None = None) -> None:
        """Drop one seller's orders and store ``docs`` instead, in one write."""
        with self._lock:
            self._write(put=docs, drop=[key for key in self._docs if key[0] == seller_id], meta=meta)

    def put(self, doc: dict) -> None:
        """Insert an order, or replace the stored one with the same seller and order id whole."""
        self.put_many([doc])

    def put_many(self, docs: list[dict], meta: dict[str, dict] | None = None) -> None:
        """Insert or replace several orders (and named records beside them) in one write:
        all of them land, or none."""
        with self._lock:
            self._write(put=docs, meta=meta)

    def get_meta(self, key: str) -> dict | None:
        """A small named record kept beside the orders (e.g. the clock), or None."""
        with self._lock:
            record = self._meta_records().get(key)
            return dict(record) if record is not None else None

    def set_meta(self, key: str, value: dict) -> None:
        with self._lock:
            self._write(meta={key: value})

    def close(self) -> None:
        self._db.close()

    def _meta_records(self) -> dict[str, dict]:
        return {record["key"]: record["value"] for record in (self._raw().get(META_TABLE) or {}).values()}

    def _raw(self) -> dict:
        return self._db.storage.read() or {}

    def _write(self, put: list[dict] = (), drop: list[tuple[str, str]] = (), meta: dict[str, dict] | None = None) -> None:
        """One storage write of every change: TinyDB's table API would write once per table
        and per document, and a crash between two writes would keep half a change."""
        data = self._raw()
        orders = dict(data.get(ORDERS_TABLE) or {})
        put_by_key = {_key(doc): dict(doc) for doc in put}
        dropped = {key: self._doc_ids[key] for key in drop if key not in put_by_key and key in self._doc_ids}
        for doc_id in dropped.values():
            orders.pop(str(doc_id), None)
        placed: dict[tuple[str, str], int] = {}
        for key, doc in put_by_key.items():
            doc_id = self._doc_ids.get(key)
            if doc_id is None:
                doc_id = self._next_doc_id
                self._next_doc_id += 1
            placed[key] = doc_id
            orders[str(doc_id)] = doc
        records = dict(data.get(META_TABLE) or {})
        for name, value in (meta or {}).items():
            doc_id = next((doc_id for doc_id, record in records.items() if record.get("key") == name), None)
            records[doc_id or str(max(map(int, records), default=0) + 1)] = {"key": name, "value": value}
        self._db.storage.write({**data, ORDERS_TABLE: orders, META_TABLE: records})
        # TinyDB caches the next id per table; it must read the tables again.
        self._table._next_id = None
        self._meta._next_id = None
        for key in dropped:
            self._unindex(self._docs.pop(key))
            del self._doc_ids[key]
        for key, doc_id in placed.items():
            old = self._docs.get(key)
            if old is not None:
                self._unindex(old)
            self._index(doc_id, put_by_key[key])

    # -- indexes -----------------------------------------------------------------------------

    def _rebuild_indexes(self) -> None:
        self._doc_ids: dict[tuple[str, str], int] = {}
        self._docs: dict[tuple[str, str], dict] = {}
        # (seller id, marketplace id) → (date, order id) keys, in order.
        self._by_date: dict[str, dict[tuple[str, str], SortedList]] = {
            PURCHASE_DATE: defaultdict(SortedList),
            LAST_UPDATE_DATE: defaultdict(SortedList),
        }
        self._by_seller_order_id: dict[tuple[str, str], set[str]] = defaultdict(set)
        self._by_buyer_email: dict[tuple[str, str], set[str]] = defaultdict(set)
        # (due_at, order id) of orders something will happen to when the clock reaches due_at.
        self._by_due = SortedList()
        purchase: dict[tuple[str, str], list] = defaultdict(list)
        updated: dict[tuple[str, str], list] = defaultdict(list)
        # The raw stored dicts, not TinyDB's copies: the id index serves reads from them.
        for doc_id, doc in self._table._read_table().items():
            self._doc_ids[_key(doc)] = int(doc_id)
            self._docs[_key(doc)] = doc
            p_key, u_key = _date_keys(doc)
            purchase[_partition(doc)].append(p_key)
            updated[_partition(doc)].append(u_key)
            self._index_lookups(doc)
        for partition, keys in purchase.items():
            self._by_date[PURCHASE_DATE][partition] = SortedList(keys)
        for partition, keys in updated.items():
            self._by_date[LAST_UPDATE_DATE][partition] = SortedList(keys)
        self._next_doc_id = max(self._doc_ids.values(), default=0) + 1

    def _index(self, doc_id: int, doc: dict) -> None:
        self._doc_ids[_key(doc)] = doc_id
        self._docs[_key(doc)] = doc
        p_key, u_key = _date_keys(doc)
        self._by_date[PURCHASE_DATE][_partition(doc)].add(p_key)
        self._by_date[LAST_UPDATE_DATE][_partition(doc)].add(u_key)
        self._index_lookups(doc)

    def _unindex(self, doc: dict) -> None:
        order = doc["order"]
        p_key, u_key = _date_keys(doc)
        self._by_date[PURCHASE_DATE][_partition(doc)].discard(p_key)
        self._by_date[LAST_UPDATE_DATE][_partition(doc)].discard(u_key)
        if doc.get("due_at"):
            self._by_due.discard((doc["due_at"], doc["seller_id"], order["AmazonOrderId"]))
        if order.get("SellerOrderId"):
            self._by_seller_order_id[(doc["seller_id"], order["SellerOrderId"])].discard(order["AmazonOrderId"])
        email = (order.get("BuyerInfo") or {}).get("BuyerEmail")
        if email:
            self._by_buyer_email[(doc["seller_id"], email.lower())].discard(order["AmazonOrderId"])

    def _index_lookups(self, doc: dict) -> None:
        if doc.get("due_at"):
            self._by_due.add((doc["due_at"], doc["seller_id"], doc["order"]["AmazonOrderId"]))
        order = doc["order"]
        if order.get("SellerOrderId"):
            self._by_seller_order_id[(doc["seller_id"], order["SellerOrderId"])].add(order["AmazonOrderId"])
        email = (order.get("BuyerInfo") or {}).get("BuyerEmail")
        if email:
            self._by_buyer_email[(doc["seller_id"], email.lower())].add(order["AmazonOrderId"])
