"""A large fixture set loaded before: its documents kept, and moved to the new clock.

Checking and building a 100k-order set (and each order's money) takes tens of seconds; issue 26
asks for a set served before to start in three. Dates in a generated set are relative to the
clock at load (``now-3d``), so the same set loaded later is not the same documents. But when
no date of the set is absolute, every date a document holds was placed by that clock (the
record's dates, what is derived from them: history, due times, an event's posting and release),
each at a whole number of seconds from it, and ``to_wire`` drops the clock's fraction: loaded at
``now``, each is the date it had when kept, moved by the whole seconds between the two clocks.
Nothing else depends on the clock at load but a financial event's status and the settlement
period its release falls in (periods are fixed instants), which are worked out again.

So after a load that resolved no absolute date (``order_factory.absolute_dates_resolved``), the
store's orders and events are kept as their JSON text and index entries, under a key of the
set's content, the policy and the code, with the dictionary the store packed them with; the next
load of it moves the dates in the text and packs each document with that dictionary without
building it, a frame of documents at a time (the store and its indexes take whole frames, the
packer packs one on a thread while the next is made, the next frames are decompressed on another).
Dates are found by their field names (``_DATE_KEYS``); an event's status and group are kept as a
mark and filled in. A set smaller than ``MIN_BYTES`` loads in a
moment and is not kept. Anything unexpected in a kept file (unreadable, another format, a date
moved off the calendar) is a miss, and the set is loaded as if never seen.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import re
import struct
import sys
import threading
from array import array
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from itertools import accumulate, chain
from pathlib import Path

import orjson
import zstandard

from spapi_mock.domain import finances, order_factory
from spapi_mock.domain.policy import Policy
from spapi_mock.kernel import resources
from spapi_mock.kernel.ahead import worked_ahead
from spapi_mock.kernel.dates import EARLIEST_DATE, LATEST_DATE, parse_iso, to_wire
from spapi_mock.marketplace.fixtures import fixture_files, forks_safely
from spapi_mock.store.database import Store
from spapi_mock.store.indexes import FinancialEventIndex, OrderIndex

log = logging.getLogger("spapi_mock.fixtures")

# 2: the store's packing dictionary kept beside the documents, a frame's dates in its head, an
# order's SellerOrderId true when it is the order id; 3: each document's length in its frame's head.
FORMAT = 3
MIN_BYTES = 1 << 20
# A set this large is kept by a child process, after the load, while the server starts.
BACKGROUND_MIN_BYTES = 16 << 20
# The threads that wait for those children (``wait_for_keepers``).
_keepers: list[threading.Thread] = []
# Documents per frame of the file: a load holds one frame at a time, and orders and events take
# turns, so the packer's dictionary (trained on the first thousand documents) learns both.
CHUNK = 500
# Frames decompressed ahead of the one being loaded.
_AHEAD = 2

ORDERS, FINANCES = OrderIndex.table, FinancialEventIndex.table
# Every field of an order or event whose date the clock at load placed, as orjson writes it.
_DATE_KEYS = frozenset(
    key.encode() for key in order_factory.DATE_FIELDS | {"at", "due_at", "occurredAt", "postedAt", "releasedAt"}
)
_DATE = rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
# A string value that is a wire date (the field's name is then checked): a literal first, which
# the regex engine finds quickly.
_DATE_VALUE = re.compile(rb'":"(' + _DATE + rb')"')
# An event's status and group, replaced by a mark in the kept text and filled in at load.
_GROUP = re.compile(rb'"status":"[A-Z_]+","groupId":"[A-Za-z0-9_-]*","groupStart":"' + _DATE + rb'","groupEnd":"' + _DATE + rb'"')
# Never in orjson's text, which escapes control characters: where a date was, where a group was.
_DATE_MARK, _GROUP_MARK = b"\x02", b"\x01"
_NEWLINE = ord("\n")
# What a ``.key`` file holds: the key of a kept set, a SHA-256 in hex.
_KEY = re.compile(rb"[0-9a-f]{64}")
_FILL = b'"status":"%s","groupId":"%s","groupStart":"%s","groupEnd":"%s"'
_EPOCH = datetime(1970, 1, 1)
_DAY = 86400
_EARLIEST_S = int((EARLIEST_DATE.replace(tzinfo=None) - _EPOCH).total_seconds())
_LATEST_S = int((LATEST_DATE.replace(tzinfo=None) - _EPOCH).total_seconds())
_ANCHOR_S = int((finances.SETTLEMENT_ANCHOR.replace(tzinfo=None) - _EPOCH).total_seconds())


def wait_for_keepers() -> None:
    """Wait until every set this process began to keep in the background is kept (or not)."""
    while _keepers:
        _keepers.pop().join()


class Stale(Exception):
    """The kept documents cannot be used (unreadable, or a date moved off the calendar)."""


class FixtureCache:
    """The kept documents of one fixture set under one policy and one version of the code."""

    def __init__(self, directory: Path, policy: Policy, size: int, key: _Key, guess: str) -> None:
        self.directory = directory  # where kept sets are
        self.policy = policy
        self.size = size  # of the set's files, in bytes
        self._key = key  # the hash of the set's content, the policy and the code, being worked out
        self._guess = guess  # of the set's files' names, sizes and times: not a key, a guess at it

    @property
    def path(self) -> Path:
        """Where the set is kept: named by its key (waits until the key is worked out)."""
        return self.directory / f"{self._key.result()}.zst"

    @classmethod
    def of(cls, directory: Path, policy: Policy) -> FixtureCache | None:
        """The cache of the set in ``directory``, or None (caching off, a small set)."""
        base = resources.cache_dir()
        if base is None or not directory.is_dir():
            return None
        files = fixture_files(directory)
        stats = [path.stat() for path in files]
        size = sum(stat.st_size for stat in stats)
        if size < MIN_BYTES:
            return None
        # A load runs the code of these layers only (tests/test_layers.py) and checks records
        # against the Orders spec's schemas; orjson writes the texts.
        code = resources.code_fingerprint(("marketplace", "store", "domain", "kernel"), ("orders-v0.yaml",))
        head = f"{FORMAT}|{code}|orjson {orjson.__version__}|{policy!r}"
        # Hashing a 100k-order set takes 0.2 s of a core: done on threads (it works without the
        # GIL), two files at a time, while a load of the set kept under the key it had when its
        # files last looked the same goes on; that load is used only if the key is the same.
        outside = [
            f"{path.name}|{stat.st_size}|{stat.st_mtime_ns}|{stat.st_ino}" for path, stat in zip(files, stats, strict=True)
        ]
        guess = hashlib.sha256("|".join([head, str(directory.resolve()), *outside]).encode()).hexdigest()
        return cls(base / "fixture-sets", policy, size, _Key(head, files), guess)

    # -- keeping ---------------------------------------------------------------------------------

    def keep(self, store: Store, now: datetime) -> None:
        """Keep the store's orders and events, loaded at ``now`` from this set (a failure to
        write is passed by: the next load builds them again). A large set is kept by a child
        process while this one goes on (keeping 100k orders took 6 s of one core): it sees the
        store as the load left it, and writes a file that is renamed into place only whole."""
        orders, events = store.texts(ORDERS), store.texts(FINANCES)
        if orders is None or events is None:
            return
        dictionary = store.packing_dictionary()
        self._key.result()  # worked out here: a child has none of this process's threads
        if self.size < BACKGROUND_MIN_BYTES or not forks_safely():
            self._write(orders, events, dictionary, now)
            return
        pid = os.fork()
        if pid == 0:
            try:
                # Nothing of the parent's is the child's to hold: not the server's socket, not
                # the store file's lock (a server restarted meanwhile would find them taken).
                os.closerange(3, os.sysconf("SC_OPEN_MAX"))
                self._write(orders, events, dictionary, now)
            finally:
                os._exit(0)
        keeper = threading.Thread(target=os.waitpid, args=(pid, 0), name="fixture-set keeper", daemon=True)
        keeper.start()
        _keepers.append(keeper)

    def _write(self, orders: Iterator, events: Iterator, dictionary: bytes | None, now: datetime) -> None:
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            packer = zstandard.ZstdCompressor(level=1, write_checksum=True)
            seconds, earliest, latest = _Seconds(), [_LATEST_S], [_EARLIEST_S]
            with tmp.open("wb") as out:
                out.write(_MAGIC)
                for table, rows in _taking_turns(orders, events):
                    frame = _kept_frame(table, rows, seconds, earliest, latest)
                    if frame is None:
                        return  # not a document as this module knows them: nothing kept
                    _write_frame(out, packer, frame)
                footer = {"now": to_wire(now), "earliest": earliest[0], "latest": latest[0]}
                if dictionary is not None:
                    footer["dictionary"] = base64.b64encode(dictionary).decode("ascii")
                _write_frame(out, packer, orjson.dumps(footer))
            os.replace(tmp, self.path)
            self._remember_key()
        except OSError as exc:
            log.debug("fixture set not kept in %s: %s", self.path, exc)
        finally:
            tmp.unlink(missing_ok=True)

    # -- loading ---------------------------------------------------------------------------------

    def rows(self, store: Store, now: datetime) -> Iterator[tuple[str, list[bytes], list[tuple]]] | None:
        """Batches of (table, JSON texts, entries) of the kept documents as loaded at ``now``,
        for ``Store.load_texts`` (the store packs them with the dictionary kept beside them, if
        it has none yet); None if nothing is kept. Raises Stale when what is kept cannot be used
        (the caller then loads the set)."""
        guessed = self._guessed()
        if guessed is not None and not (self.directory / f"{guessed}.zst").exists():
            guessed = None
        try:
            data = (self.directory / f"{guessed}.zst" if guessed else self.path).read_bytes()
            return self._checked(self._rows_of(data, store, now), guessed)
        except (OSError, Stale) as exc:
            self._key.result()  # the hash's threads are done before a load that may fork
            if isinstance(exc, Stale):
                raise
            return None

    def _guessed(self) -> str | None:
        """The key the set had when its files last looked as they do now, if it was kept (a
        damaged or foreign ``.key`` file is no key: only a SHA-256 in hex names a kept set)."""
        try:
            text = (self.directory / f"{self._guess}.key").read_bytes().strip()
        except OSError:
            return None
        return text.decode("ascii") if _KEY.fullmatch(text) else None

    def _checked(self, batches: Iterator[tuple], guessed: str | None) -> Iterator[tuple]:
        """``batches``, and then Stale if they were loaded under a guess that the set's key is not."""
        try:
            yield from batches
        finally:
            key = self._key.result()  # whatever happens, the hash's threads are done after
        if guessed is not None and guessed != key:
            raise Stale("the set changed since it was kept")
        if guessed is None:
            self._remember_key()

    def _remember_key(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            (self.directory / f"{self._guess}.key").write_text(self._key.result())
        except OSError as exc:
            log.debug("fixture set key not kept in %s: %s", self.directory, exc)

    def _rows_of(self, data: bytes, store: Store, now: datetime) -> Iterator[tuple]:
        if not data.startswith(_MAGIC):
            raise Stale("not a kept fixture set of this format")
        frames = list(_frames(memoryview(data), len(_MAGIC)))  # views, not copies of 40 MB
        try:
            footer = orjson.loads(zstandard.ZstdDecompressor().decompress(frames.pop()))
            kept_at = int((parse_iso(footer["now"]).replace(tzinfo=None) - _EPOCH).total_seconds())
            earliest, latest = int(footer["earliest"]), int(footer["latest"])
            dictionary = base64.b64decode(footer["dictionary"], validate=True) if "dictionary" in footer else None
        except (IndexError, ValueError, KeyError, TypeError, zstandard.ZstdError):
            raise Stale("not a kept fixture set of this format") from None
        # Every kept date moves by the whole seconds between the two clocks (to_wire drops the
        # fraction of each).
        delta = int((parse_iso(to_wire(now)).replace(tzinfo=None) - _EPOCH).total_seconds()) - kept_at
        if earliest + delta < _EARLIEST_S or latest + delta > _LATEST_S:
            raise Stale("a date moves off the calendar")
        if dictionary is not None:
            try:
                store.use_packing_dictionary(dictionary)
            except ValueError:
                raise Stale("not a packing dictionary") from None
        return self._rows(frames, store, delta, to_wire(now), _Wire((earliest + delta) // _DAY, (latest + delta) // _DAY))

    def _rows(self, frames: list[memoryview], store: Store, delta: int, stamp: str, wire: _Wire) -> Iterator[tuple]:
        # A frame at a time, each step over the whole frame (a pass per row was most of a start).
        orders, events = store.index(ORDERS), store.index(FINANCES)
        groups = _Groups(self.policy)
        # Settlement periods counted as settlement_period counts them (in microseconds).
        period_us = self.policy.settlement_period // timedelta(microseconds=1)
        for payload in _decompressed(frames):
            # The head holds no mark (orjson escapes control characters): the first part of the
            # split is the head, its newline and the text up to the first date.
            parts = payload.split(_DATE_MARK)
            try:
                head, _, parts[0] = parts[0].partition(b"\n")
                frame = orjson.loads(head)
                table, entries, dates, lengths = frame["table"], frame["entries"], frame["dates"], frame["lengths"]
            except (ValueError, KeyError, TypeError):
                raise Stale("a frame is not readable") from None
            try:
                if table == ORDERS:
                    # (seller, order id, marketplace, PurchaseDate, LastUpdateDate, due_at, ...)
                    sellers, ids, marketplaces, purchased, updated, due, seller_order_ids, emails = zip(*entries, strict=True)
                    ids = list(map(sys.intern, ids))
                    seller_order_ids = [own if kept is True else kept for own, kept in zip(ids, seller_order_ids, strict=True)]
                    built = orders.entries_of(
                        sellers,
                        ids,
                        marketplaces,
                        wire.texts(purchased, delta),
                        wire.texts(updated, delta),
                        [None if at is None else wire.one(at + delta) for at in due],
                        seller_order_ids,
                        emails,
                    )
                    fills = None
                elif table == FINANCES:
                    sellers, ids, order_ids, occurred, posted, released, currencies = zip(*entries, strict=True)
                    posted_at = wire.texts(posted, delta)
                    # An event released when posted (no deferral, most of them) holds one string
                    # for both (6 MB at 100k orders).
                    released_at = wire.texts_sharing(released, delta, posted, posted_at)
                    posted = posted_at
                    statuses = [finances.status_between(at, until, stamp) for at, until in zip(posted, released_at, strict=True)]
                    dues = [
                        finances.due_at({"status": status, "postedAt": at, "releasedAt": until})
                        for status, at, until in zip(statuses, posted, released_at, strict=True)
                    ]
                    named = [
                        groups[seller_id, currency, ((kept + delta - _ANCHOR_S) * 1_000_000) // period_us]
                        for seller_id, currency, kept in zip(sellers, currencies, released, strict=True)
                    ]
                    fills = [group[0][status] for status, group in zip(statuses, named, strict=True)]
                    built = events.entries_of(
                        sellers,
                        ids,
                        order_ids,
                        wire.texts(occurred, delta),
                        posted,
                        released_at,
                        statuses,
                        dues,
                        *zip(*(group[1] for group in named), strict=True),
                        currencies,
                    )
                else:
                    raise Stale(f"unknown table {table!r}")
                text = _interleave(parts, wire.many(dates, delta))
            except (ValueError, TypeError, KeyError):  # KeyError: a date outside the kept range
                raise Stale("an entry is not readable") from None
            if fills is not None:
                text = _interleave(text.split(_GROUP_MARK), fills)
                lengths = [length + len(fill) for length, fill in zip(lengths, fills, strict=True)]
            if len(lengths) != len(built):
                raise Stale("a frame's texts and entries differ")
            yield table, _documents(text, lengths), built


def _decompressed(frames: list[memoryview]) -> Iterator[bytes]:
    """Each frame decompressed, the next ones on a thread meanwhile (zstd works without the GIL),
    a few frames ahead, not the whole set at once."""
    reader = zstandard.ZstdDecompressor()  # used by the one thread only: not safe to share
    try:
        yield from worked_ahead(reader.decompress, frames, _AHEAD, "fixture-set reader")
    except zstandard.ZstdError:
        raise Stale("a frame is not readable") from None


class _Key:
    """The hash of a head (the format, the code, the policy) and a set's files' names and
    contents, the files hashed on two threads (hashing works without the GIL)."""

    def __init__(self, head: str, files: list[Path]) -> None:
        self._head, self._files = head, files
        self._hashing = ThreadPoolExecutor(2, thread_name_prefix="fixture-set hash")
        self._digests = [self._hashing.submit(_file_digest, path) for path in files]
        self._value: str | None = None

    def result(self) -> str:
        """The key, once worked out; the hashing threads have ended then (a load that forks
        wants no other thread)."""
        if self._value is None:
            try:
                digest = hashlib.sha256(self._head.encode())
                for path, file_digest in zip(self._files, self._digests, strict=True):
                    digest.update(f"|{path.name}|".encode() + file_digest.result())
            finally:
                self._hashing.shutdown(wait=True)
            self._value = digest.hexdigest()
        return self._value


def _file_digest(path: Path) -> bytes:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").digest()


def _documents(text: bytes, lengths: list[int]) -> zstandard.BufferWithSegments:
    """The documents of a frame's text (one a line), as segments of it found by their lengths:
    the packer reads them there (splitting the text copied each, a tenth of a start's work)."""
    offsets = list(accumulate((length + 1 for length in lengths[:-1]), initial=0))
    if not lengths or offsets[-1] + lengths[-1] != len(text) or any(text[offset - 1] != _NEWLINE for offset in offsets[1:]):
        raise Stale("a frame's texts and their lengths differ")
    return zstandard.BufferWithSegments(text, array("Q", chain.from_iterable(zip(offsets, lengths, strict=True))).tobytes())


def _interleave(parts: list[bytes], fills: list) -> bytes:
    """The parts of a text split at its marks, joined with each mark, in turn, replaced by the
    next of ``fills``."""
    if len(parts) != len(fills) + 1:
        raise Stale("a frame's marks and what fills them differ")
    joined = [b""] * (2 * len(fills) + 1)
    joined[0::2] = parts
    joined[1::2] = fills
    return b"".join(joined)


class _Groups(dict):
    """(seller, currency, settlement period's number) → ({status: the text filling an event's
    mark}, (group id, start, end)) of the group of events released in that period."""

    def __init__(self, policy: Policy) -> None:
        super().__init__()
        self._policy = policy

    def __missing__(self, key: tuple[str, str, int]) -> tuple[dict[str, bytes], tuple[str, str, str]]:
        seller_id, currency, period = key
        start = finances.SETTLEMENT_ANCHOR + period * self._policy.settlement_period
        named = tuple(map(sys.intern, finances.settlement_group(seller_id, currency, start, self._policy)))
        parts = [part.encode() for part in named]
        statuses = (finances.PENDING, finances.DEFERRED, finances.RELEASED, finances.DEFERRED_RELEASED)
        found = self[key] = ({status: _FILL % (status.encode(), *parts) for status in statuses}, named)
        return found


_MAGIC = f"spapi-mock fixture set {FORMAT} {sys.byteorder}\n".encode()


class _Seconds:
    """Wire dates as seconds since 1970 (a day's number kept per day: a set's dates fall on a few
    hundred days, and a dict of every date took 30 MB that stayed with the process)."""

    def __init__(self) -> None:
        self._days: dict[bytes | str, int] = {}

    def of(self, date: bytes | str) -> int:
        day = self._days.get(date[:10])
        if day is None:
            text = date[:10] if isinstance(date, str) else date[:10].decode()
            day = self._days[date[:10]] = (datetime.fromisoformat(text) - _EPOCH).days * _DAY
        return day + int(date[11:13]) * 3600 + int(date[14:16]) * 60 + int(date[17:19])


class _Wire:
    """Seconds since 1970 as wire dates, from a day's text and a time of day's (a load moves a
    million dates: two lookups each rather than a datetime). The days are those from ``first``
    to ``last`` (days since 1970), in plain dicts: a lookup of a dict subclass's is slower."""

    def __init__(self, first: int, last: int) -> None:
        self._days = {day: (_EPOCH + timedelta(days=day)).date().isoformat().encode() + b"T" for day in range(first, last + 1)}
        # Every time of day, second by second, put together from its parts (formatting each of
        # the 86,400 took 50 ms of every start).
        two = [b"%02d" % number for number in range(60)]
        hours_minutes = [hour + b":" + minute + b":" for hour in two[:24] for minute in two]
        seconds = [second + b"Z" for second in two]
        self._times = [hour_minute + second for hour_minute in hours_minutes for second in seconds]
        self._day_texts = {day: text.decode() for day, text in self._days.items()}
        self._time_texts = list(map(bytes.decode, self._times))

    def many(self, seconds: list[int], delta: int) -> list[bytes]:
        days, times = self._days, self._times
        return [days[(t := kept + delta) // _DAY] + times[t % _DAY] for kept in seconds]

    def texts(self, seconds: tuple[int, ...], delta: int) -> list[str]:
        days, times = self._day_texts, self._time_texts
        return [days[(t := kept + delta) // _DAY] + times[t % _DAY] for kept in seconds]

    def texts_sharing(self, seconds: tuple[int, ...], delta: int, others: tuple[int, ...], texts: list[str]) -> list[str]:
        """``texts(seconds, delta)``, each the string of ``texts`` where ``others`` holds the same date."""
        days, times = self._day_texts, self._time_texts
        return [
            text if kept == other else days[(t := kept + delta) // _DAY] + times[t % _DAY]
            for kept, other, text in zip(seconds, others, texts, strict=True)
        ]

    def one(self, seconds: int) -> str:
        return (self._days[seconds // _DAY] + self._times[seconds % _DAY]).decode()


def _kept_frame(table: str, rows: list, seconds: _Seconds, earliest: list[int], latest: list[int]) -> bytes | None:
    """One frame of kept documents: each date under a field the clock placed taken out as its
    seconds (an event's status and group as a mark), the entries' dates as seconds."""
    texts, entries, dates, entry_dates, lengths = [], [], [], [], []
    for text, entry in rows:
        if table == FINANCES:
            text, marks = _GROUP.subn(_GROUP_MARK, text)
            if marks != 1:
                return None
            entry = [
                entry.seller_id,
                entry.event_id,
                entry.order_id,
                *map(seconds.of, (entry.occurred, entry.posted, entry.released)),
                entry.currency,
            ]
        else:
            entry = [
                *entry[:3],
                seconds.of(entry[3]),
                seconds.of(entry[4]),
                None if entry[5] is None else seconds.of(entry[5]),
                # Most orders' SellerOrderId is their order id: kept as true, and loaded as the
                # order id's own string (not a copy of it, made and held for each order).
                True if entry[6] == entry[1] else entry[6],
                *entry[7:],
            ]
        entry_dates += (at for at in entry[3:6] if type(at) is int)
        pieces, at = [], 0
        for match in _DATE_VALUE.finditer(text):
            start = match.start(1)
            opening = text.rfind(b'"', 0, start - 3)
            # The field's name: between the quote that opens it (after "{" or ",") and ":".
            if text[opening + 1 : start - 3] in _DATE_KEYS and text[opening - 1 : opening] in (b"{", b","):
                pieces += (text[at:start], _DATE_MARK)
                dates.append(seconds.of(match.group(1)))
                at = match.end(1)
        pieces.append(text[at:])
        texts.append(b"".join(pieces))
        entries.append(entry)
        # Its length once loaded: each date mark filled by a date's 20 bytes; an event's group
        # mark's filling is added at load.
        marked = (len(pieces) - 1) // 2
        lengths.append(len(texts[-1]) + 19 * marked - (1 if table == FINANCES else 0))
    # The range of every date kept, the entries' with the documents': a load moves each day of it.
    every = dates + entry_dates
    if every:
        earliest[0], latest[0] = min(earliest[0], min(every)), max(latest[0], max(every))
    head = {"table": table, "entries": entries, "dates": dates, "lengths": lengths}
    return orjson.dumps(head) + b"\n" + b"\n".join(texts)


def _taking_turns(orders: Iterator, events: Iterator) -> Iterator[tuple[str, list]]:
    """(table, up to CHUNK rows) of orders and events in turns, each table in its order."""
    sources = {ORDERS: orders, FINANCES: events}
    while sources:
        for table, rows in list(sources.items()):
            chunk = [row for _, row in zip(range(CHUNK), rows, strict=False)]
            if chunk:
                yield table, chunk
            if len(chunk) < CHUNK:
                del sources[table]


def _write_frame(out, packer: zstandard.ZstdCompressor, payload: bytes) -> None:
    compressed = packer.compress(payload)
    out.write(struct.pack("<Q", len(compressed)) + compressed)


def _frames(data: memoryview, at: int) -> Iterator[memoryview]:
    while at < len(data):
        if at + 8 > len(data):
            raise Stale("a frame is cut short")
        size = struct.unpack_from("<Q", data, at)[0]
        if at + 8 + size > len(data):
            raise Stale("a frame is cut short")
        yield data[at + 8 : at + 8 + size]
        at += 8 + size
