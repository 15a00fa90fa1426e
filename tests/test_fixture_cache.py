"""A fixture set loaded before is loaded from what that load kept, and is then exactly what
loading it afresh at the new clock makes: every order, event, index entry, stored id and due
time (issue 26: a set served before starts without being checked and parsed again)."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from spapi_mock.domain.policy import Policy
from spapi_mock.kernel.clock import Clock
from spapi_mock.marketplace import fixture_cache, fixtures
from spapi_mock.marketplace.backend import Backend
from spapi_mock.store import packing
from spapi_mock.store.database import Store
from spapi_mock.tools.fixture_generator import generate_fixture_set

KEPT_AT = datetime(2026, 3, 1, 10, 0, 0, 700_000, tzinfo=UTC)
# Not a whole number of settlement periods, nor of days, and the fraction of a second wraps.
LATER = KEPT_AT + timedelta(days=23, hours=5, minutes=7, seconds=11, microseconds=400_000)


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("SPAPI_MOCK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(fixture_cache, "MIN_BYTES", 0)  # the sets here are small
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    generate_fixture_set(out, 400, seed=7, sellers=2, progress=False, orders_per_file=150)
    return out


def handmade(directory: Path, purchase: str = "now-20d") -> Path:
    """Orders the generated set may lack: a Pending one (due when payment runs out), one with
    a cancellation, one shipped and refunded with item dates, every date relative."""
    shipped_item = {
        "ASIN": "B000000002",
        "OrderItemId": "21",
        "QuantityOrdered": 2,
        "QuantityShipped": 2,
        "ItemPrice": {"CurrencyCode": "USD", "Amount": "40.00"},
        "ItemTax": {"CurrencyCode": "USD", "Amount": "3.20"},
        "ScheduledDeliveryStartDate": "now-18d",
        "ScheduledDeliveryEndDate": "now - 17d 4h",
    }
    orders = [
        {
            "order": {
                "AmazonOrderId": "111-0000000-0000001",
                "PurchaseDate": "now-5m",
                "OrderStatus": "Pending",
                "FulfillmentChannel": "MFN",
                "MarketplaceId": "ATVPDKIKX0DER",
            },
            "items": [{"ASIN": "B000000001", "OrderItemId": "11", "QuantityOrdered": 1}],
        },
        {
            "order": {
                "AmazonOrderId": "111-0000000-0000002",
                "PurchaseDate": purchase,
                "LastUpdateDate": "now-19d",
                "LatestShipDate": "now-1d",
                "OrderStatus": "Shipped",
                "FulfillmentChannel": "MFN",
                "MarketplaceId": "ATVPDKIKX0DER",
                "OrderTotal": {"CurrencyCode": "USD", "Amount": "43.20"},
            },
            "items": [shipped_item],
            "refunds": [{"item": "21", "at": "now-2d", "amounts": {"Principal": "20.00"}, "quantity": 1}],
        },
        {
            "order": {
                "AmazonOrderId": "111-0000000-0000003",
                "PurchaseDate": "now-3d",
                "OrderStatus": "Canceled",
                "FulfillmentChannel": "MFN",
                "MarketplaceId": "ATVPDKIKX0DER",
            },
            "items": [{"ASIN": "B000000003", "OrderItemId": "31", "QuantityOrdered": 1}],
            "cancellations": [{"by": "MERCHANT", "reason": "NoInventory", "at": "now-2d23h"}],
        },
        {
            "order": {
                "AmazonOrderId": "111-0000000-0000004",
                "PurchaseDate": "now-40d",
                "LatestShipDate": "now-38d",
                "OrderStatus": "Unshipped",
                "FulfillmentChannel": "MFN",
                "MarketplaceId": "ATVPDKIKX0DER",
            },
            "items": [{"ASIN": "B000000004", "OrderItemId": "41", "QuantityOrdered": 1}],
        },
    ]
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "orders.json").write_text(json.dumps({"orders": orders}))
    return directory


def started(directory: Path, at: datetime, policy: Policy | None = None) -> Store:
    store = Store(None)
    Backend(store, Clock(lambda: at), policy or Policy(), directory, "A1MOCKSELLER00").start()
    return store


def state(store: Store) -> dict:
    """Everything a load leaves, as a reader of the store sees it."""
    out = {}
    for table in ("orders", "financial_events"):
        index = store.index(table)
        out[table] = [(index.stored_id(key), entry, index.get(*key)) for key, entry in index.entries()]
        out[f"{table} due"] = index.due_until("9999")
    out["clock"] = store.get_meta("clock")
    return out


def afresh(directory: Path, at: datetime, monkeypatch, policy: Policy | None = None) -> dict:
    with monkeypatch.context() as patch:
        patch.setenv("SPAPI_MOCK_CACHE_DIR", "off")
        return state(started(directory, at, policy))


def not_built(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("a kept set was checked and built again")

    monkeypatch.setattr(fixtures, "build_document", refuse)


def kept_files(cache_dir: Path) -> list[Path]:
    return sorted((cache_dir / "fixture-sets").glob("*.zst")) if (cache_dir / "fixture-sets").exists() else []


@pytest.mark.parametrize("later", [LATER, KEPT_AT, KEPT_AT + timedelta(days=400, seconds=1), KEPT_AT - timedelta(days=9)])
def test_a_set_loaded_again_is_what_loading_it_afresh_makes(generated, cache_dir, monkeypatch, later):
    fresh = afresh(generated, later, monkeypatch)
    started(generated, KEPT_AT)
    assert len(kept_files(cache_dir)) == 1
    with monkeypatch.context() as patch:
        not_built(patch)
        again = state(started(generated, later))
    assert again == fresh
    assert any(doc.get("refunds") for _, _, doc in again["orders"])  # the set has refund events
    assert {doc["status"] for _, _, doc in again["financial_events"]} >= {"PENDING", "RELEASED"}


def test_pending_cancelled_refunded_orders_and_item_dates_move_with_the_clock(tmp_path, cache_dir, monkeypatch):
    directory = handmade(tmp_path / "set")
    fresh = afresh(directory, LATER, monkeypatch)
    started(directory, KEPT_AT)
    with monkeypatch.context() as patch:
        not_built(patch)
        again = state(started(directory, LATER))
    assert again == fresh
    (_, _, refunded) = next(row for row in again["orders"] if row[2]["order"]["AmazonOrderId"].endswith("0002"))
    assert refunded["items"][0]["ScheduledDeliveryEndDate"] == "2026-03-07T11:07:12Z"  # LATER - 17d4h, its fraction dropped
    assert refunded["refunds"][0]["at"] == "2026-03-22T15:07:12Z"


def test_a_set_with_an_absolute_date_is_not_kept(tmp_path, cache_dir, monkeypatch):
    directory = handmade(tmp_path / "set", purchase="2026-02-01T00:00:00Z")
    started(directory, KEPT_AT)
    started(directory, KEPT_AT)  # the same clock again: its dates resolved before are counted again
    assert kept_files(cache_dir) == []
    assert state(started(directory, LATER)) == afresh(directory, LATER, monkeypatch)


def test_a_changed_file_or_policy_is_loaded_afresh(tmp_path, cache_dir, monkeypatch):
    directory = handmade(tmp_path / "set")
    started(directory, KEPT_AT)
    handmade(directory, purchase="now-21d")
    assert state(started(directory, LATER)) == afresh(directory, LATER, monkeypatch)
    policy = Policy(finance_deferral=timedelta(days=3), settlement_period=timedelta(days=7))
    again = state(started(directory, LATER, policy))
    assert again == afresh(directory, LATER, monkeypatch, policy)
    assert {doc["status"] for _, _, doc in again["financial_events"]} == {"DEFERRED", "DEFERRED_RELEASED"}
    assert len(kept_files(cache_dir)) == 3


def test_a_file_changed_where_its_size_and_times_do_not_show_it_is_loaded_afresh(tmp_path, cache_dir, monkeypatch):
    # A start loads what was kept under the key the files had when they last looked the same,
    # while the content is hashed: the hash decides, not the look.
    directory = handmade(tmp_path / "set")
    started(directory, KEPT_AT)
    (path,) = directory.glob("*.json")
    before = path.stat()
    handmade(directory, purchase="now-21d")  # one character other, in place
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (before.st_size, before.st_mtime_ns, before.st_ino)
    fresh = afresh(directory, LATER, monkeypatch)
    assert state(started(directory, LATER)) == fresh
    assert len(kept_files(cache_dir)) == 2
    with monkeypatch.context() as patch:
        not_built(patch)  # kept again under its new key, and found by it
        assert state(started(directory, LATER)) == fresh


def test_a_damaged_kept_file_is_passed_by(tmp_path, cache_dir, monkeypatch):
    directory = handmade(tmp_path / "set")
    started(directory, KEPT_AT)
    (kept,) = kept_files(cache_dir)
    kept.write_bytes(kept.read_bytes()[:-20])
    assert state(started(directory, LATER)) == afresh(directory, LATER, monkeypatch)


@pytest.mark.parametrize("content", [b"\xff\xfe not text", b"../../elsewhere", b"", b"0" * 63])
def test_a_damaged_key_file_is_passed_by(tmp_path, cache_dir, monkeypatch, content):
    directory = handmade(tmp_path / "set")
    started(directory, KEPT_AT)
    (key_file,) = (cache_dir / "fixture-sets").glob("*.key")
    key_file.write_bytes(content)
    assert state(started(directory, LATER)) == afresh(directory, LATER, monkeypatch)


def test_a_small_set_is_not_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("SPAPI_MOCK_CACHE_DIR", str(tmp_path / "cache"))
    started(handmade(tmp_path / "set"), KEPT_AT)
    assert kept_files(tmp_path / "cache") == []


def test_a_set_loaded_by_workers_is_what_one_process_makes_and_is_kept(generated, cache_dir, monkeypatch, in_workers):
    with monkeypatch.context() as patch:
        patch.setattr(fixtures, "forks_safely", lambda: False)
        alone = afresh(generated, LATER, monkeypatch)
    assert afresh(generated, LATER, monkeypatch) == alone
    started(generated, KEPT_AT)
    with monkeypatch.context() as patch:
        not_built(patch)
        assert state(started(generated, LATER)) == alone


def test_an_absolute_date_a_worker_resolved_keeps_the_set_from_being_kept(
    generated, tmp_path, cache_dir, monkeypatch, in_workers
):
    directory = handmade(tmp_path / "set", purchase="2026-02-01T00:00:00Z")
    (directory / "more.json").write_bytes(sorted(generated.glob("*.json"))[0].read_bytes())
    started(directory, KEPT_AT)
    assert kept_files(cache_dir) == []


def test_a_large_set_is_kept_by_a_child_process_while_the_server_starts(generated, cache_dir, monkeypatch):
    monkeypatch.setattr(fixture_cache, "BACKGROUND_MIN_BYTES", 0)
    monkeypatch.setattr(fixture_cache, "forks_safely", lambda: True)
    forked = []
    real_fork = os.fork

    def fork():
        forked.append(real_fork())
        return forked[-1]

    monkeypatch.setattr(os, "fork", fork)
    fresh = afresh(generated, LATER, monkeypatch)
    started(generated, KEPT_AT)
    fixture_cache.wait_for_keepers()
    assert len(forked) == 1 and forked[0] != 0
    (kept,) = kept_files(cache_dir)
    assert not list(kept.parent.glob(".*.tmp"))
    with monkeypatch.context() as patch:
        not_built(patch)
        assert state(started(generated, LATER)) == fresh


def test_a_set_loaded_again_is_packed_in_batches_with_the_dictionary_its_first_load_learnt(generated, cache_dir, monkeypatch):
    # Sets here are smaller than the thousand documents a store learns its dictionary from.
    monkeypatch.setattr(packing, "TRAIN_AFTER", 100)
    monkeypatch.setattr(fixture_cache, "CHUNK", 37)  # several batches, the last one short
    fresh = afresh(generated, LATER, monkeypatch)
    first = started(generated, KEPT_AT)
    with monkeypatch.context() as patch:
        not_built(patch)
        store = started(generated, LATER)
    assert state(store) == fresh
    packed = [store.index(table).packed(key) for table in ("orders", "financial_events") for key in store.index(table).keys()]
    assert len(packed) > 300
    # Every document packed with the dictionary the first load learnt ("t"), none learnt again.
    assert store.packing_dictionary() == first.packing_dictionary() is not None
    assert {form[:1] for form in packed} == {b"t"}


def test_a_set_kept_without_a_dictionary_is_loaded_again_learning_one(generated, cache_dir, monkeypatch):
    monkeypatch.setattr(packing, "TRAIN_AFTER", 10**6)  # the first load learns none
    started(generated, KEPT_AT)
    monkeypatch.setattr(packing, "TRAIN_AFTER", 100)
    with monkeypatch.context() as patch:
        not_built(patch)
        store = started(generated, LATER)
    assert state(store) == afresh(generated, LATER, monkeypatch)
    assert store.packing_dictionary() is not None
