"""A generated set's first load, as the server does it (parsed with its dates resolved in place,
checked, built and given its money by worker processes, then stored), against the same set made
the plain way: each file parsed, each record's dates found by walking it, each document built and
its financial history made in this process, one after another. Every order and event of the store
must be what the plain way makes."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from spapi_mock.domain import finances, lifecycle, order_factory
from spapi_mock.domain.policy import Policy
from spapi_mock.kernel.clock import Clock
from spapi_mock.kernel.dates import parse_fixture_date, to_wire
from spapi_mock.marketplace import fixtures
from spapi_mock.marketplace.backend import Backend
from spapi_mock.marketplace.fixtures import fixture_files, load_fixture_data
from spapi_mock.store.database import Store
from spapi_mock.tools.fixture_generator import generate_fixture_set

AT = datetime(2026, 3, 10, 9, 30, 15, 250000, tzinfo=UTC)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reference")
    generate_fixture_set(out, 2500, seed=26, sellers=2, progress=False, orders_per_file=600)
    return out


def plainly(directory: Path, policy: Policy, monkeypatch) -> tuple[list[dict], list[dict]]:
    orders, events = [], []
    # Every date read by the general reading, none the quick way.
    monkeypatch.setattr(order_factory, "_wire_date", lambda text, now: to_wire(parse_fixture_date(text, now)))
    # Every line's money worked out afresh, none taken from a line alike.
    monkeypatch.setattr(finances, "_whole_line_targets", lambda item, *where: finances._line_targets(item, *where, None))
    for path in fixture_files(directory):
        for doc in load_fixture_data(json.loads(path.read_text(encoding="utf-8")), AT, str(path)):
            doc = lifecycle.refresh_due(doc, policy)
            orders.append(doc)
            events += finances.history(doc, AT, policy)
    # As a store gives them back: read from their JSON text.
    return orjson.loads(orjson.dumps(orders)), orjson.loads(orjson.dumps(events))


def loaded(directory: Path, policy: Policy) -> tuple[list[dict], list[dict]]:
    store = Store(None)
    Backend(store, Clock(lambda: AT), policy, directory, "A1MOCKSELLER00").start()
    return [[store.index(table).get(*key) for key, _ in store.index(table).entries()] for table in ("orders", "financial_events")]


def test_a_set_loaded_by_workers_is_what_the_plain_way_makes(generated, monkeypatch, in_workers):
    monkeypatch.setenv("SPAPI_MOCK_CACHE_DIR", "off")
    policy = Policy()
    orders, events = loaded(generated, policy)
    expected_orders, expected_events = plainly(generated, policy, monkeypatch)
    assert len(orders) == 2500 and len(events) > 1000
    same(orders, expected_orders, _order_key)
    same(events, expected_events, _event_key)


def test_workers_hand_back_their_rows_packed_once_the_store_knows_its_dictionary(generated, monkeypatch, in_workers, tmp_path):
    # The store learns its dictionary from its first thousand documents (in the first file of
    # 600 orders); the files sent after that come back packed by the workers, and read back as
    # the plain way makes them (the test above).
    monkeypatch.setenv("SPAPI_MOCK_CACHE_DIR", "off")
    packed_by = tmp_path / "packed_by"
    pack_rows = Store.pack_rows

    def noted(self, rows, dictionary):
        with packed_by.open("a") as out:
            out.write(f"{os.getpid()} {sum(table == 'orders' for table, *_ in rows)}\n")
        return pack_rows(self, rows, dictionary)

    monkeypatch.setattr(Store, "pack_rows", noted)
    orders, _ = loaded(generated, Policy())
    noted_lines = [line.split() for line in packed_by.read_text().splitlines()]
    assert str(os.getpid()) not in {pid for pid, _ in noted_lines}
    # Files 3 to 5 at least (the second was sent before the dictionary was known).
    assert sum(int(count) for _, count in noted_lines) >= 2500 - 2 * 600
    assert len(orders) == 2500


def test_a_set_loaded_in_one_process_is_what_the_plain_way_makes(generated, monkeypatch):
    monkeypatch.setenv("SPAPI_MOCK_CACHE_DIR", "off")
    monkeypatch.setattr(fixtures, "forks_safely", lambda: False)
    policy = Policy()
    orders, events = loaded(generated, policy)
    expected_orders, expected_events = plainly(generated, policy, monkeypatch)
    same(orders, expected_orders, _order_key)
    same(events, expected_events, _event_key)


def same(got: list[dict], expected: list[dict], key) -> None:
    """The same documents, the first that differs shown (a diff of thousands takes pytest minutes)."""
    got, expected = sorted(got, key=key), sorted(expected, key=key)
    assert [key(doc) for doc in got] == [key(doc) for doc in expected]
    differ = next(((a, b) for a, b in zip(got, expected, strict=True) if a != b), None)
    assert differ is None, differ


def _order_key(doc: dict) -> tuple:
    return doc["seller_id"], doc["order"]["AmazonOrderId"]


def _event_key(doc: dict) -> tuple:
    return doc["seller_id"], doc["eventId"]
