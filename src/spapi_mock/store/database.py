"""The store: every kind of document the mock holds, the only module that touches TinyDB.

TinyDB holds the state, one table per kind of document (``orders`` now; feeds, reports and
subscriptions are more kinds), plus ``meta`` for small named records such as the clock. Its
storage here keeps the tables in memory and, with ``--db FILE``, makes every change durable as
one line appended to the file (``store_file``). Documents are held packed, a few hundred bytes
each (``store_packing``), and unpacked when read. Reads go through each kind's index
(``store_indexes``), never through TinyDB's scans.

An order document is version-neutral, so that every API version can be derived from it
without reshaping (``domain/model.py`` types it)::

    {"seller_id": "A1...", "order": {v0 Order fields}, "items": [{v0 OrderItem fields}],
     "address": {BuyerCompanyName, DeliveryPreferences}, "regulated": {...} | None,
     "history": [{"at", "event", ...}]}

Writers replace whole documents (never mutate one a reader may hold), and every change goes
through one lock and is one ``commit``: documents of any kind, what it drops and the named
records beside them land together or not at all, so a crash leaves the state before the change
or after it, never half of it.

Feed and report documents hold their contents in files (``store_contents``), their records the
file's name (``file``) and ``size``: a change that replaces or drops a record removes the file it
named once written; one that cannot be written removes the files it brought. A store written
before then, with contents in the records, has them moved to files when it is opened.
"""

from __future__ import annotations

import base64
import itertools
import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import BinaryIO

from tinydb import TinyDB
from tinydb.storages import Storage

from spapi_mock.kernel.turns import taking_turns
from spapi_mock.store.contents import Contents
from spapi_mock.store.file import (
    AS_READ,
    StoredForm,
    StoreFile,
    Tables,
    apply,
    copy_of,
    decode_text,
    encode_change,
    has_long_digits,
    read_tables,
    unpacked,
)
from spapi_mock.store.indexes import (
    LAST_UPDATE_DATE,
    PURCHASE_DATE,
    DestinationIndex,
    FeedDocumentIndex,
    FeedIndex,
    FinancialEventIndex,
    Key,
    KindIndex,
    NotificationIndex,
    OrderIndex,
    ReportDocumentIndex,
    ReportIndex,
    ReportScheduleIndex,
    SubscriptionIndex,
)
from spapi_mock.store.packing import Packer

__all__ = ["LAST_UPDATE_DATE", "PURCHASE_DATE", "Store", "read_tables"]

META_TABLE = "meta"
# Kinds whose documents have contents: each record names its file in ``contents`` (``file``).
DOCUMENT_TABLES = (FeedDocumentIndex.table, ReportDocumentIndex.table)


# Documents a commit packs, or indexes, before it offers the GIL to other threads (see commit).
_BETWEEN_TURNS = 10


class PackedForm(StoredForm):
    """Documents of the kinds held packed in the tables, each with its index entry:
    ``(packed document, entry)``; named records as they are.

    A snapshot line holds each document as its JSON text, with its entry beside it, so start-up
    packs and indexes a document without building it (43 µs an order became 6).
    """

    def __init__(self, packer: Packer, kinds: dict[str, KindIndex]) -> None:
        self._packer = packer
        self._kinds = kinds

    def stored(self, table: str, docs: dict[str, object], index: dict | None, long_digits: bool) -> dict[str, object]:
        kind = self._kinds.get(table)
        if kind is None:
            return super().stored(table, docs, index, long_digits)
        entries = (index or {}).get("entries") if (index or {}).get("version") == kind.ENTRY_VERSION else None
        held = {}
        for doc_id, value in docs.items():
            if isinstance(value, str):
                text = value.encode("utf-8")
                entry = kind.entry_from_json(entries.get(doc_id)) if isinstance(entries, dict) else None
                exact = long_digits and has_long_digits(text)  # searching every text took 47 µs each
                held[doc_id] = (self._packer.pack_text(text, exact), entry or kind.entry(decode_text(text)))
            else:
                held[doc_id] = (self._packer.pack(value), kind.entry(value))
        return held

    def snapshot(self, table: str, items: list[tuple[str, object]]) -> dict:
        kind = self._kinds.get(table)
        if kind is None:
            return super().snapshot(table, items)
        return {
            "snapshot": True,
            "packed": {table: {doc_id: base64.b64encode(packed).decode("ascii") for doc_id, (packed, _) in items}},
            "index": {table: {"version": kind.ENTRY_VERSION, "entries": {doc_id: entry for doc_id, (_, entry) in items}}},
        }

    def snapshot_line(self, table: str, items: list[tuple[str, object]]) -> bytes:
        # Packed documents and their entries hold no number: orjson writes the line, and reads
        # it back exactly (how a document's JSON is read is its packing's first byte).
        if table in self._kinds:
            return encode_change(self.snapshot(table, items))
        return super().snapshot_line(table, items)

    def snapshot_head(self) -> list[dict]:
        dictionary = self._packer.dictionary()
        return [] if dictionary is None else [{"snapshot": True, "packer": {"dictionary": base64.b64encode(dictionary).decode()}}]

    def adopt_packer(self, packer: dict) -> None:
        self._packer.adopt(base64.b64decode(packer["dictionary"], validate=True))

    def stored_packed(self, table: str, docs: dict[str, str], index: dict | None) -> dict[str, object]:
        kind = self._kinds.get(table)
        if kind is None:
            return super().stored_packed(table, docs, index)
        entries = (index or {}).get("entries") if (index or {}).get("version") == kind.ENTRY_VERSION else None
        held = {}
        for doc_id, value in docs.items():
            packed = unpacked(self._packer, value)
            entry = kind.entry_from_json(entries.get(doc_id)) if isinstance(entries, dict) else None
            held[doc_id] = (packed, entry or kind.entry(self._packer.unpack(packed)))
        return held


class LogStorage(Storage):
    """TinyDB storage holding the tables in memory; with a path, each change is appended to the
    store file and the whole state is written only by compactions (and TinyDB's own writes)."""

    def __init__(self, path: str | None = None, form: StoredForm = AS_READ) -> None:
        self._file = StoreFile(path, form) if path else None
        self._tables: Tables = self._file.tables if self._file else {}

    def read(self) -> Tables:
        return self._tables

    def write(self, data: Tables) -> None:
        if self._file is not None:
            self._file.replace(data)
        self._tables = data

    def commit(self, record: dict, stored: dict) -> None:
        """Make one change durable, then apply it (StoreFileError, and nothing applied, if it
        cannot be written): ``record`` as it is written, ``stored`` the same change as the
        tables hold it. The caller holds the store's lock."""
        if self._file is not None:
            self._file.append(record)
        apply(self._tables, stored)
        if self._file is not None and self._file.wants_compaction():
            self._file.compact_in_background(copy_of(self._tables))

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


class Store:
    """Documents of every kind and every seller, with each kind's index, and the named records."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path
        self._lock = threading.RLock()
        # Documents' contents are files, beside the store file or in a temporary directory.
        self.contents = Contents(f"{path}.documents" if path else None)
        self._packer = Packer()
        self.orders = OrderIndex(self._lock, self._packer)
        self.feeds = FeedIndex(self._lock, self._packer)
        self.feed_documents = FeedDocumentIndex(self._lock, self._packer)
        self.reports = ReportIndex(self._lock, self._packer)
        self.report_schedules = ReportScheduleIndex(self._lock, self._packer)
        self.report_documents = ReportDocumentIndex(self._lock, self._packer)
        self.destinations = DestinationIndex(self._lock, self._packer)
        self.subscriptions = SubscriptionIndex(self._lock, self._packer)
        self.notifications = NotificationIndex(self._lock, self._packer)
        self.financial_events = FinancialEventIndex(self._lock, self._packer)
        kinds = (
            self.orders,
            self.feeds,
            self.feed_documents,
            self.reports,
            self.report_schedules,
            self.report_documents,
            self.destinations,
            self.subscriptions,
            self.notifications,
            self.financial_events,
        )
        self._kinds: dict[str, KindIndex] = {index.table: index for index in kinds}
        form = PackedForm(self._packer, self._kinds)
        self._db = TinyDB(path, storage=LogStorage, form=form) if path else TinyDB(storage=LogStorage, form=form)
        tables = self._db.storage.read()
        for table, index in self._kinds.items():
            index.load(tables.get(table, {}))
        self._meta_ids = {record["key"]: doc_id for doc_id, record in tables.get(META_TABLE, {}).items()}
        self._next_ids = {table: max(map(int, docs), default=0) + 1 for table, docs in tables.items()}
        self._move_inline_contents()
        self.contents.sweep({doc["file"] for table in DOCUMENT_TABLES for doc in self._kinds[table].each() if "file" in doc})

    # -- reading -------------------------------------------------------------------------------

    def index(self, table: str) -> KindIndex:
        """The index of one kind of document, by its table's name."""
        return self._kinds[table]

    def is_empty(self) -> bool:
        return not any(index.count() for index in self._kinds.values())

    def get_meta(self, name: str) -> dict | None:
        """A small named record kept beside the documents (e.g. the clock), or None."""
        with self._lock:
            doc_id = self._meta_ids.get(name)
            return dict(self._db.storage.read()[META_TABLE][doc_id]["value"]) if doc_id else None

    # -- writing -------------------------------------------------------------------------------

    def commit(
        self,
        put: Iterable[tuple[str, dict]] = (),
        drop: Iterable[tuple[str, Key]] = (),
        meta: Mapping[str, dict] | None = None,
    ) -> None:
        """One change: ``put`` inserts or replaces (table, document) pairs whole, ``drop`` removes
        (table, key) pairs (a document both dropped and put is put), ``meta`` sets named
        records. All of it lands, or none."""
        with self._lock:
            placed: dict[str, dict[Key, tuple[str, bytes, tuple, dict]]] = {}
            record_put: dict[str, dict[str, dict]] = {}
            stored_put: dict[str, dict[str, object]] = {}
            next_ids = dict(self._next_ids)

            def new_id(table: str) -> str:
                next_ids[table] = next_ids.get(table, 1) + 1
                return str(next_ids[table] - 1)

            # Nothing is changed yet: the server's threads may have the GIL, which packing a feed
            # chunk's orders held for a millisecond or more at a time.
            for table, doc in taking_turns(put, _BETWEEN_TURNS):
                index = self._kinds[table]
                key = index.key(doc)
                stored = placed.setdefault(table, {})
                stored_id = stored[key][0] if key in stored else index.stored_id(key)
                if stored_id is None:
                    stored_id = new_id(table)
                packed = self._packer.pack(doc)
                stored[key] = (stored_id, packed, index.entry(doc), doc)
                record_put.setdefault(table, {})[stored_id] = doc
                stored_put.setdefault(table, {})[stored_id] = stored[key][1:3]
            dropped: list[tuple[str, Key]] = []
            record_drop: dict[str, list[str]] = {}
            for table, key in drop:
                stored_id = self._kinds[table].stored_id(key)
                if stored_id is not None and key not in placed.get(table, {}):
                    dropped.append((table, key))
                    record_drop.setdefault(table, []).append(stored_id)
            meta_ids = dict(self._meta_ids)
            for name, value in (meta or {}).items():
                if name not in meta_ids:
                    meta_ids[name] = new_id(META_TABLE)
                named = {"key": name, "value": value}
                record_put.setdefault(META_TABLE, {})[meta_ids[name]] = named
                stored_put.setdefault(META_TABLE, {})[meta_ids[name]] = named
            record = {"put": record_put, "drop": record_drop} if record_drop else {"put": record_put}
            new_files, old_files = self._files_changed(placed, dropped)
            try:
                self._db.storage.commit(record, {"put": stored_put, "drop": record_drop})
            except BaseException:
                self.contents.remove(new_files)  # written for a change that did not land
                raise
            # Replaced or dropped contents go once their record is gone (a reader holding the file open keeps it).
            self.contents.remove(old_files)
            # Written: now the indexes follow.
            for table, key in dropped:
                self._kinds[table].drop(key)
            for table, stored in placed.items():
                # A feed chunk's index updates held the GIL a millisecond or more. A reader by key
                # never waited for this lock and could always see some of a change before the rest
                # (the interpreter switches threads anywhere); a scan holds the lock and sees it whole.
                for stored_id, packed, entry, _ in taking_turns(stored.values(), _BETWEEN_TURNS):
                    self._kinds[table].put(stored_id, packed, entry)
            self._meta_ids = meta_ids
            self._next_ids = next_ids

    def update_present(self, table: str, docs: Iterable[dict]) -> int:
        """Replace those of ``docs`` still stored, in one change, and how many: one dropped
        meanwhile (a reset, a cleared inbox) stays dropped rather than coming back."""
        with self._lock:
            index = self._kinds[table]
            present = [(table, doc) for doc in docs if index.stored_id(index.key(doc)) is not None]
            if present:
                self.commit(put=present)
            return len(present)

    def put(self, doc: dict) -> None:
        """Insert an order, or replace the stored one with the same seller and order id whole."""
        self.put_many([doc])

    def put_many(self, docs: Iterable[dict], meta: Mapping[str, dict] | None = None) -> None:
        """Insert or replace several orders (and named records beside them) in one change."""
        self.commit(put=[(OrderIndex.table, doc) for doc in docs], meta=meta)

    def replace_all(
        self, docs: Iterable[dict], meta: Mapping[str, dict] | None = None, others: Iterable[tuple[str, dict]] = ()
    ) -> None:
        """Drop every document of every kind and store these orders (and ``others``, documents of
        other kinds as (table, document)) instead, in one change."""
        self.load(itertools.chain(((OrderIndex.table, doc) for doc in docs), others), meta)

    def load(self, put: Iterable[tuple[str, dict]], meta: Mapping[str, dict] | None = None) -> None:
        """Make these (table, document) pairs the whole store, with the named records ``meta``
        set beside those kept, in one change; ``put`` is read once, a document at a time.

        Each document is packed as it comes, so a 100k-order fixture set never exists as
        documents all at once (1.4 GB as one ``commit``, about 250 MB packed). With a store file
        the new state is written as a snapshot replacing the file (one log line of 300 MB took
        as much again to build). If ``put`` raises, nothing has changed.
        """
        self._load(((table, self._packer.pack(doc), self._kinds[table].entry(doc)) for table, doc in put), meta)

    def load_texts(
        self,
        put: Iterable[tuple[str, list[bytes], list[tuple]]],
        meta: Mapping[str, dict] | None = None,
    ) -> None:
        """``load`` from batches of (table, documents' JSON texts as orjson writes them, their
        index entries), no two documents of a table with the same key: a state kept elsewhere
        (``marketplace/fixture_cache``) made the store's without building a document, a batch at
        a time rather than a row at a time."""
        with self._lock:
            columns: dict[str, tuple[list[bytes], list[tuple]]] = {}
            for table, packed, entries in self._packer.pack_batches(put):
                held = columns.setdefault(table, ([], []))
                held[0].extend(packed)
                held[1].extend(entries)
            # Stored ids numbered as ``_load`` numbers distinct keys.
            tables = {
                table: dict(zip(map(str, range(1, len(packed) + 1)), zip(packed, entries, strict=True), strict=False))
                for table, (packed, entries) in columns.items()
            }
            self._install(tables, meta)

    def row(self, table: str, doc: dict) -> tuple[str, bytes, bool, tuple]:
        """What ``load_rows`` takes for one document: (table, its JSON text, whether only the
        standard library reads that back, its index entry). Touches no state, so that other
        processes can make rows for this store (a large fixture set's workers)."""
        return (table, *Packer.text_of(doc), self._kinds[table].entry(doc))

    def load_rows(self, put: Iterable[tuple[str, bytes, bool | None, tuple]], meta: Mapping[str, dict] | None = None) -> None:
        """``load`` from ``row``s, and from ``pack_rows`` of them: the same store as ``load`` of
        the documents."""
        pack = self._packer.pack_text
        self._load(((table, text if stdlib is None else pack(text, stdlib), entry) for table, text, stdlib, entry in put), meta)

    def pack_rows(self, rows: list[tuple[str, bytes, bool, tuple]], dictionary: bytes) -> list[tuple[str, bytes, None, tuple]]:
        """``row``s packed with ``dictionary``, this store's (``packing_dictionary``): what
        ``load_rows`` keeps as they are (marked by None for the text's reader). Touches no state,
        so that the processes making rows pack them too (packing a 100k-order set's rows took
        the loading process 1.6 s of its core, and their texts had to be compressed to be sent)."""
        packed = Packer.with_dictionary(dictionary).pack_texts([(text, stdlib) for _, text, stdlib, _ in rows])
        return [(table, form, None, entry) for (table, _, _, entry), form in zip(rows, packed, strict=True)]

    def packing_dictionary(self) -> bytes | None:
        """The dictionary the store packs documents with, once it has one."""
        return self._packer.dictionary()

    def use_packing_dictionary(self, dictionary: bytes) -> None:
        """Pack with this dictionary (one a store learnt from documents like those to come)
        rather than learning one, if the store has none yet (learning took a fifth of a second
        of a start). ValueError if it is not one."""
        if self._packer.dictionary() is None:
            self._packer.adopt(dictionary)

    def texts(self, table: str) -> Iterator[tuple[bytes, tuple]] | None:
        """(JSON text, index entry) of every document of a kind in the order stored, or None if
        one holds a number only the standard library reads back (``load_texts`` takes orjson's)."""
        index = self._kinds[table]
        with self._lock:
            rows = [(index.packed(key), entry) for key, entry in index.entries()]
        if any(not self._packer.is_orjson(packed) for packed, _ in rows):
            return None
        return ((self._packer.json_text(packed), entry) for packed, entry in rows)

    def _load(self, put: Iterable[tuple[str, bytes, tuple]], meta: Mapping[str, dict] | None) -> None:
        with self._lock:
            tables: dict[str, dict[str, object]] = {}
            ids: dict[str, dict[Key, str]] = {}
            for table, packed, entry in put:
                known = ids.setdefault(table, {})
                stored_id = known.setdefault((entry[0], entry[1]), str(len(known) + 1))
                tables.setdefault(table, {})[stored_id] = (packed, entry)
            self._install(tables, meta)

    def _install(self, tables: dict[str, dict[str, object]], meta: Mapping[str, dict] | None) -> None:
        """Make ``tables`` (documents of some kinds) the whole state, with the named records
        ``meta`` set beside those kept. The caller holds the lock."""
        named = {record["key"]: record["value"] for record in self._db.storage.read().get(META_TABLE, {}).values()}
        named.update(meta or {})
        tables[META_TABLE] = {str(n): {"key": name, "value": value} for n, (name, value) in enumerate(named.items(), 1)}
        old_files = {doc.get("file") for table in DOCUMENT_TABLES for doc in self._kinds[table].each()} - {None}
        self._db.storage.write(tables)
        self.contents.remove(old_files)
        for table, index in self._kinds.items():
            index.clear()
            index.load(tables.get(table, {}))
        self._meta_ids = {record["key"]: doc_id for doc_id, record in tables[META_TABLE].items()}
        self._next_ids = {table: len(docs) + 1 for table, docs in tables.items()}

    def replace_seller(
        self,
        seller_id: str,
        docs: Iterable[dict],
        meta: Mapping[str, dict] | None = None,
        others: Iterable[tuple[str, dict]] = (),
    ) -> None:
        """Drop one seller's documents of every kind and store these orders (and ``others``)
        instead, in one change."""
        with self._lock:
            theirs = [(table, key) for table, index in self._kinds.items() for key in index.keys(seller_id)]
            self.commit(put=[(OrderIndex.table, doc) for doc in docs] + list(others), drop=theirs, meta=meta)

    def set_meta(self, name: str, value: dict) -> None:
        self.commit(meta={name: value})

    def close(self) -> None:
        self._db.close()
        self.contents.close()

    # -- documents' contents -------------------------------------------------------------------

    def open_contents(self, doc: dict | None) -> tuple[BinaryIO, int, str] | None:
        """A feed or report document's contents, opened, with their size and content type; None
        if it has none (nothing uploaded yet, or replaced a moment ago)."""
        if doc is None or "file" not in doc:
            return None
        try:
            return self.contents.open(doc["file"]), doc["size"], doc["contentType"]
        except FileNotFoundError:
            return None

    def read_contents(self, doc: dict) -> bytes:
        """A document's contents, whole (for a feed being parsed, a report shown as text)."""
        return self.contents.read(doc["file"])

    def _files_changed(self, placed: dict, dropped: list[tuple[str, Key]]) -> tuple[set[str], set[str]]:
        """(files the change's documents name that no record named before, files the records it
        replaces or drops named that it no longer names)."""
        named, touched = set(), set()
        for table in DOCUMENT_TABLES:
            for key, (_, _, _, doc) in placed.get(table, {}).items():
                named.add(doc.get("file"))
                touched.add((table, key))
        touched |= {(table, key) for table, key in dropped if table in DOCUMENT_TABLES}
        before = {(self._kinds[table].get(*key) or {}).get("file") for table, key in touched}
        return named - before - {None}, before - named - {None}

    def _move_inline_contents(self) -> None:
        """A store written before documents became files holds their contents in the record:
        each is written to a file and its record changed to name it, in one change."""
        moved = []
        for table in DOCUMENT_TABLES:
            for doc in self._kinds[table].each():
                if "content" in doc:
                    content = _inline_content(table, doc)
                    record = {name: value for name, value in doc.items() if name not in ("content", "encoding")}
                    moved.append((table, {**record, "file": self.contents.write(content), "size": len(content)}))
        if moved:
            self.commit(put=moved)


def _inline_content(table: str, doc: dict) -> bytes:
    # Report documents held base64; feed documents text, or base64 when not UTF-8.
    if table == ReportDocumentIndex.table or doc.get("encoding") == "base64":
        return base64.b64decode(doc["content"])
    return doc["content"].encode("utf-8")
