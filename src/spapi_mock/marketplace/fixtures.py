"""Loading fixture files into order documents, refusing any that break a rule.

A fixture file (YAML or JSON) holds ``{seller: ID, orders: [{order, items, address,
regulated}]}`` in Amazon's v0 field names. Dates may be absolute or relative to the clock at
load (``now-3d4h``), so that example queries find data on whatever day they run. Every record
is checked against the schemas of our own spec, with unknown fields refused so that a typo does
not silently drop data; the error names the file, the record and the field.
"""

from __future__ import annotations

import itertools
import json
import logging
import multiprocessing
import os
import pickle
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Protocol

import fastjsonschema
import orjson
import yaml
import zstandard
from jsonschema import Draft4Validator

from spapi_mock.domain import order_factory
from spapi_mock.domain.exceptions import FixtureError
from spapi_mock.domain.model import OrderDocument
from spapi_mock.domain.sellers import DEFAULT_SELLER_ID
from spapi_mock.kernel import resources, schema_accept
from spapi_mock.kernel.schema_accept import Check

log = logging.getLogger("spapi_mock.fixtures")
PROGRESS_EVERY_S = 1.0


def load_fixture_dir(directory: str | Path, now: datetime) -> list[OrderDocument]:
    """Every ``*.yaml``, ``*.yml`` and ``*.json`` file directly in ``directory``; the problems of
    every file are reported together, so that fixing them takes one run."""
    return list(iter_fixture_dir(directory, now))


def iter_fixture_dir(directory: str | Path, now: datetime) -> Iterator[OrderDocument]:
    """``load_fixture_dir`` one document at a time, each file parsed when its turn comes: a
    100k-order set held whole as documents took 1.1 GB, one file of it a tenth of that. The
    problems of every file are raised together after the last document, so a caller keeps
    nothing until the iteration ends."""
    return iter_fixture_rows(directory, now, _itself)


def _itself(doc: OrderDocument) -> list[OrderDocument]:
    return [doc]


# A set this large is checked and built in worker processes, a file each at a time (a 100k-order
# set took 30 s of one core); a smaller one loads in the time it takes to start them.
PARALLEL_MIN_BYTES = 16 * 1024 * 1024
# What a worker is to do, set in it as it starts (forked: a closure need not be sent to it).
_job: tuple[datetime, Callable[[OrderDocument], list], RowPacking | None] | None = None


class RowPacking(Protocol):
    """How the rows a store loads are packed (``store.database.Store``'s): by worker processes,
    once this process knows the dictionary they are packed with."""

    def packing_dictionary(self) -> bytes | None: ...

    def pack_rows(self, rows: list[tuple], dictionary: bytes) -> list[tuple]: ...


def iter_fixture_rows(
    directory: str | Path, now: datetime, rows: Callable[[OrderDocument], list], packing: RowPacking | None = None
) -> Iterator:
    """``rows(doc)`` of each document ``iter_fixture_dir`` makes, in the same order, with the same
    problems raised after the last. A large set is checked, built and turned into rows by worker
    processes, one file each, when this process can fork safely (no other thread, which might
    hold a lock the workers need) and may run on more than one core; with ``packing``, a worker
    hands back its rows as ``packing.pack_rows`` makes them once ``packing_dictionary()`` is
    known."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FixtureError(f"{directory}: fixture directory not found")
    files = fixture_files(directory)
    workers = min(len(files), len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
    parallel = workers > 1 and forks_safely() and sum(path.stat().st_size for path in files) >= PARALLEL_MIN_BYTES
    seen: dict[str, str] = {}
    problems = order_factory.Problems()
    started = said = time.monotonic()
    with _file_results(files, now, rows, workers if parallel else 0, packing) as results:
        for n, (path, items) in enumerate(zip(files, results, strict=True), 1):
            where = str(path)  # one name a file, not one an order: a 100k set's ids held 15 MB of them
            for order_id, made in items:
                if order_id is None:  # the file's end: its problems, and its absolute dates
                    problem, absolute = made
                    order_factory.count_absolute_dates(absolute)
                    if problem is not None:
                        problems.messages.extend(problem.split("\n"))
                elif order_id in seen:
                    problems.add(f"{path}: order {order_id}: AmazonOrderId is already used in {seen[order_id]}")
                else:
                    seen[order_id] = where
                    yield from made
            if time.monotonic() - said >= PROGRESS_EVERY_S:
                said = time.monotonic()
                orders = f"{len(seen):,}"
                log.info("loading %s: %d of %d files, %s orders (%.1f s)", directory, n, len(files), orders, said - started)
    problems.raise_any()


def forks_safely() -> bool:
    """Whether this process may fork a child that runs our code: not while another thread runs,
    which might hold a lock (logging's, OpenSSL's) the child would then wait on for ever."""
    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


class _file_results:
    """``_file_rows`` of each file in order: made by ``workers`` processes a file at a time, or
    in this one (0) as they are read."""

    def __init__(self, files: list[Path], now: datetime, rows: Callable, workers: int, packing: RowPacking | None) -> None:
        self._files, self._now, self._rows, self._workers, self._packing = files, now, rows, workers, packing
        self._pool = None

    def __enter__(self) -> Iterator:
        if not self._workers:
            return (_file_rows(path, self._now, self._rows) for path in self._files)
        # The validators are compiled once, here, for every worker.
        for name in ("Order", "OrderItem", "OrderAddress", "OrderRegulatedInfo"):
            _compiled(name)
            _accepting(name)
        # An executor, not a multiprocessing.Pool: a worker that dies (killed, out of memory)
        # breaks it and every result waited for says so, where a Pool waited for ever.
        self._pool = ProcessPoolExecutor(
            self._workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_take_job,
            initargs=(self._now, self._rows, self._packing),
        )
        return self._results()

    def _results(self) -> Iterator:
        # Each file is sent once the workers' results before it are taken, so that at most one
        # per worker waits in this process (a file's rows are tens of MB; imap kept them all).
        pending = deque()
        files = iter(self._files)
        for path in itertools.islice(files, self._workers):
            pending.append(self._send(path))
        while pending:
            try:
                chunks = pending.popleft().result()
            except BrokenProcessPool:
                raise FixtureError(
                    "a worker process loading the fixture files ended before its file was done (killed, or out of"
                    " memory?): nothing was loaded"
                ) from None
            yield self._taken(chunks, files, pending)

    def _send(self, path: Path):
        dictionary = self._packing.packing_dictionary() if self._packing is not None else None
        return self._pool.submit(_pooled_file_rows, path, dictionary)

    def _taken(self, chunks: list[tuple[bool, bytes]], files: Iterator[Path], pending: deque) -> Iterator[tuple]:
        # The next file is sent as soon as the rows taken so far taught the store its packing
        # dictionary (the first thousand documents), so that the file comes back packed; at
        # the latest once this file's rows are all taken.
        sent = False
        for rows in _unpacked(chunks):
            if not sent and self._packing is not None and self._packing.packing_dictionary() is not None:
                pending.extend(map(self._send, itertools.islice(files, 1)))
                sent = True
            yield from rows
        if not sent:
            pending.extend(map(self._send, itertools.islice(files, 1)))

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)


def _take_job(now: datetime, rows: Callable, packing: RowPacking | None) -> None:
    global _job
    _job = (now, rows, packing)


# A worker sends a file's results as chunks of this many documents, unpacked in this process one
# chunk at a time. Its rows' texts are packed by the worker once the store's dictionary is known,
# else the chunk is compressed: sent as they were, the results of the file being packed and of
# the next one waiting (tens of MB of small objects each) took the first 100k load's peak from
# about 390 to 540 MiB; packed or compressed, a file waits in a tenth of the memory.
CHUNK_DOCUMENTS = 500


def _pooled_file_rows(path: Path, dictionary: bytes | None) -> list[tuple[bool, bytes]]:
    """The file's ``_file_rows`` as (compressed, pickled) chunks."""
    now, rows, packing = _job
    items = _file_rows(path, now, rows)
    chunks = iter(lambda: list(itertools.islice(items, CHUNK_DOCUMENTS)), [])
    if dictionary is not None:  # sent only with a packing
        return [(False, pickle.dumps(_packed(chunk, packing, dictionary), protocol=pickle.HIGHEST_PROTOCOL)) for chunk in chunks]
    packer = zstandard.ZstdCompressor(level=1)
    return [(True, packer.compress(pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL))) for chunk in chunks]


def _packed(chunk: list[tuple], packing: RowPacking, dictionary: bytes) -> list[tuple]:
    """The chunk with its documents' rows packed, all in one batch."""
    packed = iter(packing.pack_rows([row for order_id, made in chunk if order_id is not None for row in made], dictionary))
    return [(order_id, made if order_id is None else list(itertools.islice(packed, len(made)))) for order_id, made in chunk]


def _unpacked(chunks: list[tuple[bool, bytes]]) -> Iterator[list[tuple]]:
    """The rows of each chunk, a chunk at a time."""
    reader = zstandard.ZstdDecompressor()
    chunks.reverse()
    while chunks:  # each chunk let go of once unpacked
        compressed, chunk = chunks.pop()
        yield pickle.loads(reader.decompress(chunk) if compressed else chunk)


def _file_rows(path: Path, now: datetime, rows: Callable) -> Iterator[tuple]:
    """(order id, rows of its document) of each document of the file, then (None, (the file's
    problems or None, how many absolute dates it resolved))."""
    before = order_factory.absolute_dates_resolved()
    problem = None
    try:
        for doc in iter_fixture_file(path, now):
            yield doc["order"]["AmazonOrderId"], rows(doc)
    except FixtureError as exc:
        problem = str(exc)
    yield None, (problem, order_factory.absolute_dates_resolved() - before)


def fixture_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml", ".json") and p.is_file())


def load_fixture_file(path: str | Path, now: datetime) -> list[OrderDocument]:
    return list(iter_fixture_file(path, now))


def iter_fixture_file(path: str | Path, now: datetime) -> Iterator[OrderDocument]:
    """The documents of one file, one at a time; its problems raised after the last."""
    path = Path(path)
    resolved = None
    try:
        stat = path.stat()
        if path.suffix == ".json":
            raw = path.read_bytes()
            resolved = _dates_resolved(raw, now)
            data = _parsed_json(raw) if resolved is None else resolved
        elif stat.st_size <= _PARSED_CACHE_MAX_BYTES:
            data = _parsed_yaml(str(path), stat.st_mtime_ns, stat.st_size)
        else:
            data = resources.load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise FixtureError(f"{path}: cannot be parsed: {_one_line(exc)}") from None
    return iter_fixture_data(data, now, str(path), dates_resolved=resolved is not None)


def _parsed_json(raw: bytes) -> Any:
    # orjson parses a generated set twice as fast as the standard library (5 of the 15 s of a
    # 100k-order load); what it refuses (NaN, a BOM) the standard library reads or explains.
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw.decode("utf-8"))


_DATE_NAMES = frozenset(key.encode() for key in order_factory.DATE_FIELDS)
assert all(name.endswith(b"Date") for name in _DATE_NAMES), "a date field the search below would miss"
# Where a key ending in "Date" ends: a literal to search for, many times faster than the names'
# alternation tried at every comma and brace of the text (a fifth of a file's build).
_DATE_KEY_END = re.compile(rb'Date"\s*:')
# A date field's value: a string without escapes.
_PLAIN_STRING = re.compile(rb'\s*"([^"\\]*)"')
# A key with a \u escape, which may spell a date field's name.
_ESCAPED_KEY = re.compile(rb'"(?:[^"\\]|\\.)*\\u(?:[^"\\]|\\.)*"\s*:')
_SPACE = b" \t\n\r\x0b\x0c"


def _dates_resolved(raw: bytes, now: datetime) -> Any | None:
    """A JSON fixture file parsed with its date fields resolved: walking every record to copy it
    and find its dates was a fifth of a large set's load. None when the text is not plain enough
    to be sure each date field was found (a date that is not a string or does not parse, an
    escaped key), or does not parse: the file is then read the usual way, which names each
    problem."""
    if _holds_backslash_u(raw) and _ESCAPED_KEY.search(raw):
        return None
    try:
        data = orjson.loads(raw)
    except ValueError:
        return None
    if _resolved_where_expected(data, raw, now):
        return data
    return _dates_resolved_in_text(raw, now)


def _holds_backslash_u(raw: bytes) -> bool:
    """Whether ``\\u`` is in the text (a \\u escape, or an escaped backslash before a u), looked
    for from its backslashes (a byte the C library finds ten times as fast as the pair): a
    generated file has a few hundred, in escaped quotes, and the pair searched for over all of
    it took 27 ms of each 10,000-order file's build."""
    at = raw.find(b"\\")
    for _ in range(_BACKSLASHES_LOOKED_AT):
        if at < 0:
            return False
        if raw[at + 1 : at + 2] == b"u":
            return True
        at = raw.find(b"\\", at + 1)
    return at >= 0 and raw.find(b"\\u", at) >= 0


# Backslashes looked at one by one before the pair is searched for in the rest of the text.
_BACKSLASHES_LOOKED_AT = 1000


# Where a fixture record holds date fields: its order's and its items' own fields.
_DATE_KEYS = tuple(sorted(order_factory.DATE_FIELDS))
_QUOTED_DATE_NAMES = tuple(b'"' + name + b'"' for name in sorted(_DATE_NAMES))
# A quote ending like a date field's name followed by a space: a key spaced from its colon.
_DATE_QUOTE_SPACED = re.compile(rb'Date"[ \t\n\r]')


def _resolved_where_expected(data: Any, raw: bytes, now: datetime) -> bool:
    """Resolve the date fields of each record's order and items in the parsed file, true if they
    are all its date fields: as many as its text spells a date field's name in quotes (a count in
    C; a key spelt with an escape was ruled out before). False (the data then half resolved, to be
    let go) for a date elsewhere, a name inside a string, or a date that is not a string or does
    not parse. Finding each date in the text, then parsing it, cost twice as much."""
    orders = data.get("orders") if type(data) is dict else None
    if type(orders) is not list:
        return False
    found = 0
    known: dict[str, str] = {}
    resolve = order_factory.date_resolver(now)
    try:
        for record in orders:
            if type(record) is not dict:
                continue
            items = record.get("items")
            for fields in (record.get("order"), *(items if type(items) is list else ())):
                if type(fields) is not dict:
                    continue
                for name in _DATE_KEYS:
                    text = fields.get(name)
                    if text is None:
                        if name in fields:
                            return False
                        continue
                    wire = known.get(text) if text.__class__ is str else None
                    if wire is None:
                        if text.__class__ is not str:
                            return False
                        wire = known[text] = resolve(text)
                    fields[name] = wire
                    found += 1
    except (ValueError, OverflowError):
        return False
    # Every date field's key ends in 'Date"' and is followed by its colon: when no such quote
    # is followed by a space, one count finds every key ending so, and if the dates found are
    # as many, each was one of them (the names counted one by one, a pass over the text each,
    # were a twentieth of a file's build; a buyer named Date is no key).
    if found == raw.count(b'Date":') and _DATE_QUOTE_SPACED.search(raw) is None:
        return True
    return found == sum(raw.count(name) for name in _QUOTED_DATE_NAMES)


def _dates_resolved_in_text(raw: bytes, now: datetime) -> Any | None:
    """``_dates_resolved`` of a file with dates elsewhere than in orders and items: each found
    in the text and resolved there, then the text parsed."""
    known: dict[bytes, bytes] = {}
    resolve = order_factory.date_resolver(now)
    pieces: list[bytes] = []
    done = 0
    try:
        for key_end in _DATE_KEY_END.finditer(raw):
            ends = key_end.start() + 4
            opening = raw.rfind(b'"', 0, ends)
            if raw[opening + 1 : ends] not in _DATE_NAMES:
                continue
            # A date field's name: a key only after "{" or "," (else its quote may be one inside a
            # string), and its value a plain string, or the file is read the usual way.
            before = opening - 1
            while before >= 0 and raw[before] in _SPACE:
                before -= 1
            value = _PLAIN_STRING.match(raw, key_end.end())
            if before < 0 or raw[before] not in b"{," or value is None:
                return None
            text = value.group(1)
            wire = known.get(text)
            if wire is None:
                wire = known[text] = resolve(text.decode("utf-8")).encode()
            pieces += (raw[done : value.start(1)], wire)
            done = value.end(1)
        pieces.append(raw[done:])
        return orjson.loads(b"".join(pieces))
    except (ValueError, OverflowError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return None


def _one_line(exc: Exception) -> str:
    """A parser's complaint on one line: each problem is one line of the report, and PyYAML's
    messages span four (with a caret under a copy of the line)."""
    mark = getattr(exc, "problem_mark", None)
    if isinstance(exc, yaml.MarkedYAMLError) and mark is not None:
        context = f" ({exc.context})" if exc.context else ""
        return f"line {mark.line + 1}, column {mark.column + 1}: {exc.problem}{context}"
    return " ".join(str(exc).split())


# Parsing YAML is most of the time a server takes to load the built-in fixtures, and a reset or a
# new seller loads them again: a small file is parsed once per version of it (documents are
# built from a copy, so the parsed data is never changed). Large generated sets are JSON.
_PARSED_CACHE_MAX_BYTES = 2 * 1024 * 1024


@lru_cache(maxsize=64)
def _parsed_yaml(path: str, mtime_ns: int, size: int) -> Any:
    return resources.load_yaml(Path(path).read_text(encoding="utf-8"))


def load_fixture_data(data: Any, now: datetime, where: str, default_seller_id: str = DEFAULT_SELLER_ID) -> list[OrderDocument]:
    """The documents of one parsed fixture file (``{seller, orders}``); ``where`` names it in errors."""
    return list(iter_fixture_data(data, now, where, default_seller_id))


def iter_fixture_data(
    data: Any, now: datetime, where: str, default_seller_id: str = DEFAULT_SELLER_ID, dates_resolved: bool = False
) -> Iterator[OrderDocument]:
    """``load_fixture_data`` one document at a time (a document is built only when asked for);
    the file's shape is checked at once, the records' problems raised after the last."""
    if not isinstance(data, dict) or not isinstance(data.get("orders"), list):
        raise FixtureError(f"{where}: expected a mapping with an 'orders' list")
    unknown = set(data) - {"seller", "orders"}
    if unknown:
        raise FixtureError(f"{where}: unknown top-level field(s): {', '.join(sorted(unknown))}")
    seller_id = data.get("seller") or default_seller_id
    if not isinstance(seller_id, str):
        raise FixtureError(f"{where}: field 'seller' must be a string")
    return _documents(data["orders"], seller_id, now, where, dates_resolved)


def _documents(records: list, seller_id: str, now: datetime, where: str, dates_resolved: bool) -> Iterator[OrderDocument]:
    seen: set[str] = set()
    problems = order_factory.Problems()
    for n, record in enumerate(records):
        with problems.collect():
            doc = build_document(record, seller_id, now, f"{where}: order #{n + 1}", dates_resolved)
            order_id = doc["order"]["AmazonOrderId"]
            if order_id in seen:
                raise FixtureError(f"{where}: order {order_id}: AmazonOrderId appears twice")
            seen.add(order_id)
            if not problems.messages:  # after a problem nothing will be kept: only checked
                yield doc
    problems.raise_any()


def build_document(record: Any, seller_id: str, now: datetime, where: str, dates_resolved: bool = False) -> OrderDocument:
    """Check one fixture record against Amazon's model and the order rules, and turn it into a
    store document (the domain builds it; the schemas it is checked against live in our spec).
    ``dates_resolved``: the record's date fields are resolved already and the record is the
    caller's to give up (parsed for this load alone)."""
    return order_factory.build_document(record, seller_id, now, where, _validate, dates_resolved)


UNKNOWN_FIELD = "unknown field (not a field of Amazon's model here; check the spelling)"


def _validate(value: dict, schema_name: str, where: str, prefix: str) -> None:
    # A quick check accepts a record of the usual types (a third of fastjsonschema's time);
    # fastjsonschema, compiled to Python, decides the rest quickly, which keeps start-up short;
    # jsonschema then explains a failure field by field.
    accepts = _accepting(schema_name)
    if accepts is not None and accepts(value):
        return
    try:
        _compiled(schema_name)(value)
        return
    except fastjsonschema.JsonSchemaException:
        pass
    problems = []
    for error in sorted(_validator(schema_name).iter_errors(value), key=lambda e: list(e.absolute_path)):
        field = prefix + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        if error.validator == "required":
            # In the words of the loader's own required check, so that a field is reported once.
            problems += [
                f"{where}: field {field}.{name} is required" for name in error.validator_value if name not in error.instance
            ]
            continue
        if error.validator == "additionalProperties":
            for unknown in sorted(set(error.instance) - set(error.schema.get("properties", {}))):
                problems.append(
                    f"{where}: field {field}.{unknown}: unknown field (not a field of Amazon's model here; check the spelling)"
                )
            continue
        problems.append(f"{where}: field {field}: {error.message}")
    if problems:
        raise FixtureError("\n".join(dict.fromkeys(problems)))


@cache
def _compiled(schema_name: str):
    return fastjsonschema.compile({"$ref": f"#/components/schemas/{schema_name}", "components": {"schemas": _strict_schemas()}})


@cache
def _accepting(schema_name: str) -> Check | None:
    return schema_accept.accepting({"$ref": f"#/components/schemas/{schema_name}"}, _strict_schemas())


@cache
def _validator(schema_name: str) -> Draft4Validator:
    return Draft4Validator({"$ref": f"#/components/schemas/{schema_name}", "components": {"schemas": _strict_schemas()}})


@cache
def _strict_schemas() -> dict:
    return _strict(resources.openapi_spec("orders-v0.yaml")["components"]["schemas"])


def _strict(schema: Any) -> Any:
    """Refuse unknown fields in objects that declare their fields."""
    if isinstance(schema, dict):
        out = {key: _strict(value) for key, value in schema.items()}
        if out.get("type") == "object" and "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_strict(value) for value in schema]
    return schema
