"""The store's file on disk: a log of changes, appended to, read back at start, compacted.

A ``--db`` file holds UTF-8 JSON lines::

    {"spapi-mock-store": 2}                                          the header
    {"snapshot": true, "put": {"orders": {"1": {...}, "2": {...}}}}  the state at the last compaction
    {"put": {"orders": {"17": {...}}, "meta": {...}}, "drop": {"orders": ["5"]}}   one line per change

Tables and document ids are TinyDB's (``{table: {doc id: document}}``), so every line, the
snapshot's included, is a change to the same kind of data, whatever kinds of document the
store holds.

Why a log: rewriting the whole file on every change made one order written into a 20k-order
store cost 6-15 s. A change is now one line, written with one ``write`` and made durable with
one ``fsync`` before it is acknowledged, so it costs what the change costs. A crash in the
middle of a line leaves a last line without its newline: the change was never acknowledged, and
the next start drops it (and cuts it off the file, so the next line does not run into it).

Compaction writes the current state to a temporary file, fsyncs it and renames it over the log,
so the file always loads. It runs at start when the log has grown past ``COMPACT_RATIO`` times
the snapshot, and in a background thread when a change makes it so; changes go on meanwhile,
and the ones appended during the compaction are copied after the snapshot before the rename.

An older store file (one TinyDB JSON object, written whole) is read and rewritten in this form
when it is opened.
"""

from __future__ import annotations

import base64
import fcntl
import glob
import itertools
import json
import logging
import os
import re
import tempfile
import threading
from collections.abc import Iterator

import orjson

from spapi_mock.kernel.turns import taking_turns
from spapi_mock.store.packing import Packer

FORMAT = 4
# Format 2 held snapshot documents as JSON objects; a format-3 snapshot holds each as its JSON
# text with its index entry beside it, which start-up reads eight times faster; a format-4 one
# holds each as the store packs it (base64, the packing dictionary on a line before them), so
# that neither writing nor reading it compresses every document again. Changes are the same in
# all, so an older file is read and appended to as it is.
READABLE_FORMATS = (2, 3, 4)
HEADER = {"spapi-mock-store": FORMAT}
# Compact once the changes appended since the snapshot are this many times its size (and at
# least COMPACT_MIN_BYTES): the file stays within a small multiple of the state, and a start
# reads little that a compaction would have folded away.
COMPACT_RATIO = 1.0
COMPACT_MIN_BYTES = 4 * 1024 * 1024
# Documents per snapshot line: a 100k-order state in lines of about 1.5 MB, not one of 300 MB.
SNAPSHOT_CHUNK = 500
READ_BUFFER_BYTES = 8 * 1024 * 1024

Tables = dict[str, dict[str, dict]]
log = logging.getLogger("spapi_mock.store")


class StoreFileError(Exception):
    """A store file the server cannot use (at start: the command says why and exits 2) or could
    not write (the request answers 503 saying why; the state is as before it)."""


class StoredForm:
    """How the tables in memory hold documents: as they are read, by default. The store keeps
    them packed (``store_packing``) and says so with a form of its own."""

    def stored(self, table: str, docs: dict[str, object], index: dict | None, long_digits: bool) -> dict[str, object]:
        """What the tables hold for these documents of one line (``index``: the line's index
        entries for the table, if it has them; ``long_digits``: whether the line has a run of
        digits orjson might misread, see ``_encode``)."""
        return {doc_id: _as_document(value) for doc_id, value in docs.items()}

    def snapshot(self, table: str, items: list[tuple[str, object]]) -> dict:
        """The snapshot line holding these documents of the table."""
        return {"snapshot": True, "put": {table: dict(items)}}

    def snapshot_line(self, table: str, items: list[tuple[str, object]]) -> bytes:
        """``snapshot`` as the bytes of its line."""
        return _encode(self.snapshot(table, items))

    def snapshot_head(self) -> list[dict]:
        """The snapshot lines before the documents' (what reading them needs)."""
        return []

    def adopt_packer(self, packer: dict) -> None:
        """Read the packed documents that follow with this line's packing dictionary."""
        self._reader().adopt(base64.b64decode(packer["dictionary"], validate=True))

    def stored_packed(self, table: str, docs: dict[str, str], index: dict | None) -> dict[str, object]:
        """``stored`` for documents as the store packs them (base64)."""
        reader = self._reader()
        return {doc_id: reader.unpack(unpacked(reader, value)) for doc_id, value in docs.items()}

    def _reader(self) -> Packer:
        if not hasattr(self, "_packer_for_reading"):
            self._packer_for_reading = Packer()
        return self._packer_for_reading


AS_READ = StoredForm()


def unpacked(packer: Packer, value: object) -> bytes:
    """A packed document of a snapshot line, checked readable (ValueError if not)."""
    packed = base64.b64decode(value, validate=True) if isinstance(value, str) else b""
    if not packer.readable(packed):
        raise ValueError("a packed document that cannot be read (no dictionary, or not packed)")
    return packed


def _as_document(value):
    # A format-3 snapshot holds a document as its JSON text.
    return decode_text(value.encode("utf-8")) if isinstance(value, str) else value


def decode_text(text: bytes):
    """A JSON text read back exactly (an integer beyond 64 bits stays an integer)."""
    return json.loads(text) if has_long_digits(text) else _decode(text)


def has_long_digits(text: bytes) -> bool:
    """Whether orjson might read the text back inexactly (see ``_encode``)."""
    return _LONG_DIGITS.search(text) is not None


def apply(tables: Tables, record: dict, form: StoredForm = AS_READ, long_digits: bool = True) -> None:
    """Apply one change (a log line) to the tables: its drops, then its puts."""
    for table, doc_ids in (record.get("drop") or {}).items():
        docs = tables.get(table)
        for doc_id in doc_ids:
            if docs is not None:
                docs.pop(doc_id, None)
    index = record.get("index") or {}
    if "packer" in record:
        form.adopt_packer(record["packer"])
    for table, docs in (record.get("packed") or {}).items():
        tables.setdefault(table, {}).update(form.stored_packed(table, docs, index.get(table)))
    for table, docs in (record.get("put") or {}).items():
        tables.setdefault(table, {}).update(form.stored(table, docs, index.get(table), long_digits))


def encode_change(record: dict) -> bytes:
    """An appended change's line. Its documents are whole, never JSON texts (as a snapshot's
    are), so orjson reads back exactly what orjson writes (it refuses to write an integer it
    could not read): no search for long numbers. A quarter of a feed's processing was the
    standard library writing these lines."""
    try:
        return orjson.dumps(record) + b"\n"
    except TypeError:  # an integer beyond 64 bits, or a key that is not a string
        return _encode(record)


def _encode(record: dict) -> bytes:
    line = json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    # orjson reads a line twice as fast, but turns an integer beyond 64 bits into a float: a
    # line with a long number (or what may be one, in a string) starts with a space,
    # which JSON allows, and is read by the standard library instead.
    return (b" " + line if has_long_digits(line) else line) + b"\n"


def _decode(line: bytes):
    if line[:1] != b" ":
        try:
            return orjson.loads(line)
        except orjson.JSONDecodeError:
            pass  # NaN and the like, which the standard library writes and reads
    return json.loads(line)


# A number of 19 digits or more: a number starts after ":", "," or "[" (and spaces). Digits in a
# string need not be read by the standard library, and an event id's 32 hex characters often hold
# a run of 19 (a 100k-order snapshot had 83 of its 200 lines read by the standard library, a
# third of start-up); a string holding ":" then 19 digits still counts, which is only slower.
_LONG_DIGITS = re.compile(rb"[:,\[]\s*-?\d{19}")


class StoreFile:
    """One process's hold on a store file: its lock, its append handle, its compactions."""

    def __init__(self, path: str, form: StoredForm = AS_READ) -> None:
        self.path = os.path.abspath(path)
        self._form = form
        directory, name = os.path.split(self.path)
        self._directory = directory or "."
        self._temp_prefix = f".spapi-mock-{name}."
        self._fd: int | None = None
        self._lock_file = _lock(self.path)
        # Appends and the end of a compaction exclude each other; nothing else here needs to.
        self._append_lock = threading.Lock()
        self._compaction: threading.Thread | None = None
        try:
            self._remove_leftovers()
            self.tables = self._open()
        except BaseException:
            self.close()
            raise

    # -- opening -------------------------------------------------------------------------------

    def _remove_leftovers(self) -> None:
        # A compaction killed before its rename leaves its temporary file; the lock says this
        # process alone owns the store, so any such file of this store is a leftover.
        pattern = os.path.join(glob.escape(self._directory), glob.escape(self._temp_prefix) + "*.tmp")
        for leftover in glob.glob(pattern):
            os.unlink(leftover)

    def _open(self) -> Tables:
        """The state the file holds, with the file ready for appending."""
        if not os.path.lexists(self.path):
            if not os.access(self._directory, os.W_OK):
                raise StoreFileError(f"{self.path}: cannot create the store: its directory is not writable")
            self._rewrite({})
            return {}
        tables, good_end, snapshot_bytes = _load(self.path, form=self._form)
        if good_end is None:
            self._rewrite(tables)
            log.warning("%s: converted to the append-only store format", self.path)
            return tables
        self._open_for_append(good_end)
        self._snapshot_bytes = snapshot_bytes
        if self._log_bytes() > self._compact_threshold():
            self._start_compaction(copy_of(tables), self._end)
        return tables

    def _open_for_append(self, good_end: int) -> None:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND)
        except OSError as exc:
            raise StoreFileError(f"{self.path}: cannot be opened for writing: {exc.strerror}") from None
        try:
            if os.fstat(fd).st_size != good_end:
                os.ftruncate(fd, good_end)
                os.fsync(fd)
        except OSError as exc:
            os.close(fd)
            raise StoreFileError(f"{self.path}: cannot be opened for writing: {exc.strerror}") from None
        self._fd = fd
        self._end = good_end

    # -- changing ------------------------------------------------------------------------------

    def append(self, record: dict) -> None:
        """Make one change durable: one line, one fsync. If it cannot be written the file is
        left as it was and StoreFileError says why."""
        line = encode_change(record)
        with self._append_lock:
            if self._fd is None:
                raise StoreFileError(f"{self.path}: the store is closed")
            try:
                self._write_line(line)
            except OSError as exc:
                self._undo_partial_write()
                raise StoreFileError(
                    f"{self.path}: the change could not be written ({exc.strerror}); nothing was changed"
                ) from None
            self._end += len(line)

    def wants_compaction(self) -> bool:
        return self._compaction is None and self._log_bytes() > self._compact_threshold()

    def compact_in_background(self, tables: Tables) -> None:
        """Fold the log into a snapshot of ``tables``, the state after the last append: the
        caller holds off appends while it calls this (its lock), not while the compaction runs."""
        self._start_compaction(tables, self._end)

    def _write_line(self, line: bytes) -> None:
        view = memoryview(line)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        os.fsync(self._fd)

    def _undo_partial_write(self) -> None:
        try:
            os.ftruncate(self._fd, self._end)
        except OSError:
            # The file may now end in a torn line that the next start drops; nothing more may
            # be appended after it.
            os.close(self._fd)
            self._fd = None

    def replace(self, tables: Tables) -> None:
        """Write ``tables`` as the whole state now (TinyDB's whole-database write)."""
        self.wait_for_compaction()
        with self._append_lock:
            self._rewrite(tables)

    # -- compacting ----------------------------------------------------------------------------

    def _log_bytes(self) -> int:
        return self._end - self._snapshot_bytes

    def _compact_threshold(self) -> float:
        return max(COMPACT_MIN_BYTES, COMPACT_RATIO * self._snapshot_bytes)

    def _start_compaction(self, tables: Tables, mark: int) -> None:
        self._compaction = threading.Thread(target=self._compact, args=(tables, mark), name="store-compaction", daemon=True)
        self._compaction.start()

    def _compact(self, tables: Tables, mark: int) -> None:
        tmp = None
        try:
            tmp, size = self._write_snapshot(tables)
            with self._append_lock:
                # The changes appended while the snapshot was written follow it.
                with open(self.path, "rb") as source, open(tmp, "ab") as target:
                    source.seek(mark)
                    tail = source.read(self._end - mark)
                    target.write(tail)
                    target.flush()
                    os.fsync(target.fileno())
                self._install(tmp, size, size + len(tail))
        except OSError as exc:
            log.warning("%s: compaction failed (%s); the log keeps growing until the next try", self.path, exc.strerror)
            self._snapshot_bytes = self._end  # next try once the log has grown as much again
            if tmp is not None and os.path.exists(tmp):
                os.unlink(tmp)
        finally:
            self._compaction = None

    def wait_for_compaction(self) -> None:
        compaction = self._compaction
        if compaction is not None:
            compaction.join()

    def _rewrite(self, tables: Tables) -> None:
        """Replace the file by a snapshot of ``tables`` (the caller excludes appends)."""
        try:
            tmp, size = self._write_snapshot(tables)
            self._install(tmp, size, size)
        except OSError as exc:
            raise StoreFileError(f"{self.path}: the store could not be written ({exc.strerror}); nothing was changed") from None

    def _write_snapshot(self, tables: Tables) -> tuple[str, int]:
        """A complete, synced temporary file holding ``tables``; (its path, its size)."""
        fd, tmp = tempfile.mkstemp(prefix=self._temp_prefix, suffix=".tmp", dir=self._directory)
        size = 0
        try:
            with os.fdopen(fd, "wb") as handle:
                for line in _snapshot_lines(tables, self._form):
                    handle.write(line)
                    size += len(line)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            os.unlink(tmp)
            raise
        return tmp, size

    def _install(self, tmp: str, snapshot_bytes: int, size: int) -> None:
        """Rename the complete temporary file over the store and append to it from now on."""
        os.replace(tmp, self.path)
        _fsync_directory(self._directory)
        old, self._fd = self._fd, os.open(self.path, os.O_RDWR | os.O_APPEND)
        if old is not None:
            os.close(old)
        self._end = size
        self._snapshot_bytes = snapshot_bytes

    def close(self) -> None:
        self.wait_for_compaction()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._lock_file is not None:
            self._lock_file.close()  # closing the file releases its lock
            self._lock_file = None


# -- reading -------------------------------------------------------------------------------------


def read_tables(path: str) -> Tables:
    """The state a store file holds, read without taking it over (for inspection and tests).

    A torn last line is dropped as a start would drop it; anything else wrong raises
    StoreFileError.
    """
    return _load(path, writable=False, form=StoredForm())[0]


def copy_of(tables: Tables) -> Tables:
    """A copy of the state to snapshot: documents are replaced whole, never changed, so copying
    the tables copies the state."""
    return {table: dict(docs) for table, docs in tables.items()}


def _load(path: str, writable: bool = True, form: StoredForm = AS_READ) -> tuple[Tables, int | None, int]:
    """(the tables, the end of the last whole line, the snapshot's size in bytes) of a store
    file; the end is None for a file of the earlier whole-JSON format."""
    _check_usable(path, writable)
    with open(path, "rb") as handle:
        first = handle.readline()
    file_format = _format_of(first, path)
    if file_format is None:
        tables = {}
        apply(tables, {"put": _read_whole_object(path)}, form)
        return tables, None, 0
    tables: Tables = {}
    end = snapshot_end = 0
    for number, line, torn in _lines(path):
        if torn:
            log.warning(
                "%s: its last change was cut short (line %d, %d bytes): it was never acknowledged and is dropped",
                path,
                number,
                len(line),
            )
            break
        if number > 1:
            try:
                record = _decode(line)
            except (ValueError, UnicodeDecodeError) as exc:
                raise StoreFileError(f"{path}: line {number} of the store is damaged ({exc})") from None
            if not isinstance(record, dict):
                raise StoreFileError(f"{path}: line {number} of the store is not a change")
            try:
                apply(tables, record, form, long_digits=line[:1] == b" ")
            except (ValueError, KeyError, TypeError) as exc:
                raise StoreFileError(f"{path}: line {number} of the store is damaged ({exc})") from None
        # An older format's snapshot counts as log, so that a large one is compacted into
        # this format (and starts faster from then on).
        if number == 1 or (record.get("snapshot") and file_format == FORMAT):
            snapshot_end = end + len(line)
        end += len(line)
    return tables, end, snapshot_end


def _lines(path: str) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, the line with its newline, whether it is a torn last line)."""
    # Snapshot lines are a megabyte or more: read through a small buffer, each was put together
    # from hundreds of pieces (a 100k-order store's lines took 0.56 s, 0.18 s with this one).
    with open(path, "rb", buffering=READ_BUFFER_BYTES) as handle:
        number = 0
        for line in handle:
            number += 1
            yield number, line, not line.endswith(b"\n")


def _format_of(first: bytes, path: str) -> int | None:
    """The format the header line names, or None if it is not one (a whole-JSON file)."""
    try:
        header = json.loads(first)
    except UnicodeDecodeError:
        raise StoreFileError(f"{path}: is not a spapi-mock store (not text)") from None
    except ValueError:
        return None
    if not isinstance(header, dict) or "spapi-mock-store" not in header:
        return None
    if header["spapi-mock-store"] not in READABLE_FORMATS:
        raise StoreFileError(
            f"{path}: is a spapi-mock store of format {header['spapi-mock-store']!r}; this version reads up to format {FORMAT}"
        )
    return header["spapi-mock-store"]


def _check_usable(path: str, writable: bool = True) -> None:
    if os.path.isdir(path):
        raise StoreFileError(f"{path}: is a directory, not a store file")
    if os.path.getsize(path) == 0:
        raise StoreFileError(f"{path}: the store file is empty (0 bytes), perhaps cut short; remove it to start a new store")
    if writable and not os.access(path, os.W_OK):
        raise StoreFileError(f"{path}: the store file is read-only; changes could not be kept")


def _read_whole_object(path: str) -> Tables:
    """A store file of an earlier version: one JSON object of tables."""
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


def _snapshot_lines(tables: Tables, form: StoredForm) -> Iterator[bytes]:
    yield _encode(HEADER)
    for line in form.snapshot_head():
        yield encode_change(line)
    for table, docs in tables.items():
        # A compaction runs beside the server on a thread of its own, which would keep the GIL
        # for whole switch intervals (5 ms): the request threads get a turn between lines.
        for chunk in taking_turns(_in_chunks(docs)):
            yield form.snapshot_line(table, chunk)


def _in_chunks(docs: dict) -> Iterator[list]:
    """The table's items, SNAPSHOT_CHUNK at a time (one empty chunk for an empty table): a list of
    every item was tens of thousands of young tuples, which each collection of the youngest
    objects walked while the compaction ran."""
    items = iter(docs.items())
    chunk = list(itertools.islice(items, SNAPSHOT_CHUNK))
    yield chunk
    while chunk := list(itertools.islice(items, SNAPSHOT_CHUNK)):
        yield chunk


def _fsync_directory(directory: str) -> None:
    # The rename itself must survive a power cut, not only the file's contents.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
