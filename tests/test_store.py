"""The store: indexed lookups, whole-document replacement, and a file that survives restarts."""

from __future__ import annotations

import json
import os
import re

import pytest

from spapi_mock.errors import StoreFileError
from spapi_mock.store import LAST_UPDATE_DATE, PURCHASE_DATE, OrderStore

US, CA = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"


def doc(order_id: str, purchased: str, updated: str | None = None, seller: str = "S1", marketplace: str = US, **order) -> dict:
    return {
        "seller_id": seller,
        "order": {
            "AmazonOrderId": order_id,
            "PurchaseDate": purchased,
            "LastUpdateDate": updated or purchased,
            "MarketplaceId": marketplace,
            **order,
        },
        "items": [],
        "address": {},
        "regulated": None,
        "history": [],
    }


def ids(docs) -> list[str]:
    return [d["order"]["AmazonOrderId"] for d in docs]


def test_scan_returns_a_window_in_date_then_id_order_and_resumes_after_a_key():
    store = OrderStore()
    store.replace_all(
        [
            doc("3", "2025-01-03T00:00:00Z"),
            doc("1", "2025-01-01T00:00:00Z"),
            doc("2b", "2025-01-02T00:00:00Z"),
            doc("2a", "2025-01-02T00:00:00Z"),
        ]
    )
    assert ids(store.scan("S1", PURCHASE_DATE, "2025-01-01T00:00:00Z", "2025-01-02T00:00:00Z", [US])) == ["1", "2a", "2b"]
    assert ids(
        store.scan(
            "S1", PURCHASE_DATE, "2025-01-01T00:00:00Z", "2025-12-31T00:00:00Z", [US], after=("2025-01-02T00:00:00Z", "2a")
        )
    ) == ["2b", "3"]
    assert ids(store.scan("S2", PURCHASE_DATE, "2025-01-01T00:00:00Z", "2025-12-31T00:00:00Z", [US])) == []


def test_scan_merges_marketplaces_over_many_chunks_in_order():
    store = OrderStore()
    store.replace_all(
        [doc(f"{n:04d}", f"2025-01-01T00:{n // 60:02d}:{n % 60:02d}Z", marketplace=US if n % 3 else CA) for n in range(700)]
    )
    window = ("S1", PURCHASE_DATE, "2025-01-01T00:00:00Z", "2025-01-02T00:00:00Z")
    assert ids(store.scan(*window, [US, CA])) == [f"{n:04d}" for n in range(700)]
    assert ids(store.scan(*window, [CA])) == [f"{n:04d}" for n in range(0, 700, 3)]
    after = ("2025-01-01T00:05:00Z", "0300")
    assert ids(store.scan(*window, [US, CA], after=after)) == [f"{n:04d}" for n in range(301, 700)]


def test_get_is_per_seller():
    store = OrderStore()
    store.replace_all([doc("1", "2025-01-01T00:00:00Z", seller="S1")])
    assert store.get("S1", "1")["order"]["AmazonOrderId"] == "1"
    assert store.get("S2", "1") is None
    assert store.get("S1", "2") is None


def test_put_replaces_a_document_whole_and_moves_it_in_the_indexes():
    store = OrderStore()
    store.replace_all(
        [doc("1", "2025-01-01T00:00:00Z", SellerOrderId="A", BuyerInfo={"BuyerEmail": "x@y"}), doc("2", "2025-01-02T00:00:00Z")]
    )
    store.put(doc("1", "2025-01-01T00:00:00Z", updated="2025-02-01T00:00:00Z", SellerOrderId="B"))
    assert "BuyerInfo" not in store.get("S1", "1")["order"]
    assert ids(store.scan("S1", LAST_UPDATE_DATE, "2025-01-15T00:00:00Z", "2025-03-01T00:00:00Z", [US])) == ["1"]
    assert ids(store.scan("S1", LAST_UPDATE_DATE, "2025-01-01T00:00:00Z", "2025-01-10T00:00:00Z", [US])) == ["2"]
    assert store.order_ids_for_seller_order_id("S1", "A") == set()
    assert store.order_ids_for_seller_order_id("S1", "B") == {"1"}
    assert store.order_ids_for_buyer_email("S1", "x@y") == set()
    store.put(doc("3", "2025-01-03T00:00:00Z"))
    assert store.count("S1") == 3 and store.count() == 3


def test_file_store_keeps_state_across_restarts_and_is_plain_tinydb_json(tmp_path):
    path = tmp_path / "state.json"
    store = OrderStore(str(path))
    store.replace_all([doc("1", "2025-01-01T00:00:00Z")])
    store.put(doc("2", "2025-01-02T00:00:00Z", seller="S2"))
    store.close()
    on_disk = json.loads(path.read_text())
    assert len(on_disk["orders"]) == 2
    again = OrderStore(str(path))
    assert again.get("S2", "2") is not None and again.sellers() == ["S1", "S2"]
    assert ids(again.scan("S1", PURCHASE_DATE, "2025-01-01T00:00:00Z", "2025-01-09T00:00:00Z", [US])) == ["1"]
    assert not list(tmp_path.glob(".spapi-mock-*.tmp"))  # no temporary file left behind


def test_readers_see_whole_documents_while_a_writer_replaces_them():
    import threading

    store = OrderStore()
    store.replace_all([doc(f"{n:03d}", f"2025-01-01T00:{n // 60:02d}:{n % 60:02d}Z", version=0) for n in range(200)])
    failures: list[str] = []
    stop = threading.Event()

    def writer() -> None:
        for version in range(1, 60):
            batch = [
                doc(
                    f"{n:03d}",
                    f"2025-01-01T00:{n // 60:02d}:{n % 60:02d}Z",
                    f"2025-02-{version % 28 + 1:02d}T00:00:00Z",
                    version=version,
                )
                for n in range(0, 200, 7)
            ]
            for d in batch:
                d["items"] = [{"version": version}]
            store.put_many(batch)
        stop.set()

    def reader() -> None:
        while not stop.is_set():
            seen = list(store.scan("S1", PURCHASE_DATE, "2025-01-01T00:00:00Z", "2025-01-02T00:00:00Z", [US]))
            if len(seen) != 200:
                failures.append(f"scan saw {len(seen)} orders")
            for d in seen:
                if d["items"] and d["items"][0]["version"] != d["order"]["version"]:
                    failures.append("an order and its items from different writes")

    threads = [threading.Thread(target=reader) for _ in range(4)] + [threading.Thread(target=writer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not failures, failures[:3]
    assert store.get("S1", "007")["order"]["version"] == 59


def test_two_sellers_hold_the_same_order_id_without_seeing_each_other(tmp_path):
    store = OrderStore(str(tmp_path / "state.json"))
    store.put_many([doc("1", "2025-01-01T00:00:00Z", seller="S1"), doc("1", "2025-01-02T00:00:00Z", seller="S2")])
    store.put(doc("1", "2025-01-01T00:00:00Z", seller="S1", OrderStatus="Shipped"))
    assert store.get("S1", "1")["order"]["OrderStatus"] == "Shipped"
    assert "OrderStatus" not in store.get("S2", "1")["order"]
    store.replace_seller("S1", [doc("9", "2025-01-03T00:00:00Z", seller="S1")])
    store.close()
    again = OrderStore(str(tmp_path / "state.json"))
    assert again.get("S1", "1") is None and again.get("S1", "9") is not None
    assert again.get("S2", "1")["order"]["PurchaseDate"] == "2025-01-02T00:00:00Z"


def test_orders_and_the_records_beside_them_land_in_one_write_of_the_file(tmp_path, monkeypatch):
    from spapi_mock import store as store_module

    store = OrderStore(str(tmp_path / "state.json"))
    store.set_meta("clock", {"frozen_at": "2025-01-01T00:00:00+00:00"})
    writes = []
    original = store_module.AtomicJSONStorage.write
    monkeypatch.setattr(store_module.AtomicJSONStorage, "write", lambda self, data: (writes.append(1), original(self, data)))
    store.put_many([doc("1", "2025-01-01T00:00:00Z"), doc("2", "2025-01-02T00:00:00Z")], {"clock": {"frozen_at": "X"}})
    store.set_meta("clock", {"frozen_at": "Y"})
    assert len(writes) == 2
    store.close()
    on_disk = json.loads((tmp_path / "state.json").read_text())
    assert [record["value"] for record in on_disk["meta"].values()] == [{"frozen_at": "Y"}]
    assert OrderStore(str(tmp_path / "state.json")).get_meta("clock") == {"frozen_at": "Y"}


def test_a_second_owner_of_a_store_file_is_refused_naming_the_file_and_the_owner(tmp_path):
    """Before: two servers on one --db both started, gave one new order id to two orders, and
    one's acknowledged writes were lost."""
    path = str(tmp_path / "state.json")
    first = OrderStore(path)
    with pytest.raises(
        StoreFileError, match=rf"{re.escape(path)}: the store is in use by another spapi-mock process \(pid {os.getpid()}\)"
    ):
        OrderStore(path)
    first.close()
    OrderStore(path).close()  # free once its owner is gone


@pytest.mark.parametrize(
    "make, complaint",
    [
        (lambda p: p.write_bytes(b""), "is empty (0 bytes)"),
        (lambda p: p.write_text('{"orders": {"1": {'), "not complete JSON"),
        (lambda p: p.write_bytes(b"\xff\xfe\x00binary"), "not text"),
        (lambda p: p.write_text("[1, 2]"), "expected an object of tables"),
        (lambda p: p.mkdir(), "is a directory"),
    ],
    ids=["empty", "truncated", "binary", "wrong-shape", "directory"],
)
def test_an_unusable_store_file_is_named_with_what_is_wrong(tmp_path, make, complaint):
    """Before: a 38-line traceback that never named the file, and a 0-byte file silently re-seeded."""
    path = tmp_path / "state.json"
    make(path)
    with pytest.raises(StoreFileError) as raised:
        OrderStore(str(path))
    assert str(path) in raised.value.message and complaint in raised.value.message
    OrderStore(str(tmp_path / "other.json")).close()  # the failed open left no lock behind on others


def test_a_failed_write_is_a_503_that_changes_nothing(tmp_path, monkeypatch):
    """Before: a full disk or a read-only file answered a bare 500 per write."""
    from spapi_mock import store as store_module

    store = OrderStore(str(tmp_path / "state.json"))
    store.put(doc("1", "2025-01-01T00:00:00Z"))

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store_module.os, "fsync", disk_full)
    with pytest.raises(StoreFileError) as raised:
        store.put(doc("2", "2025-01-02T00:00:00Z"))
    assert raised.value.status == 503 and "No space left on device" in raised.value.message
    assert "nothing was changed" in raised.value.message
    monkeypatch.undo()
    store.close()
    again = OrderStore(str(tmp_path / "state.json"))
    assert again.get(doc("1", "x")["seller_id"], "1") is not None and again.get(doc("2", "x")["seller_id"], "2") is None


def test_a_saved_clock_outside_the_clocks_range_stops_start_up_naming_the_file(tmp_path):
    """Before: a store saved with its clock at 9999-12-31T23:30:00Z answered 500 to every request
    after a restart, for good."""
    from spapi_mock.backend import Backend
    from spapi_mock.clock import Clock
    from spapi_mock.domain.policy import Policy

    path = str(tmp_path / "state.json")
    store = OrderStore(path)
    store.set_meta("clock", {"frozen_at": "9999-12-31T23:30:00+00:00", "offset_seconds": 0})
    with pytest.raises(StoreFileError, match="the saved clock cannot be used.*outside the mock clock's range"):
        Backend(store, Clock(), Policy(), None, "A1MOCKSELLER00")
    store.close()


def test_unit_policy_durations_are_bounded():
    from datetime import timedelta

    from spapi_mock.domain.policy import Policy

    with pytest.raises(ValueError, match="auto_cancel_after must be more than 0 and at most 1095 days"):
        Policy(auto_cancel_after=timedelta(days=100_000))
    with pytest.raises(ValueError, match="cancellation_rate_threshold"):
        Policy(cancellation_rate_threshold=2)
