"""The store: indexed lookups, whole-document replacement, and a file that survives restarts."""

from __future__ import annotations

import itertools
import json
import os
import re
import threading

import pytest

from spapi_mock.errors import from_exception
from spapi_mock.store import file as store_file
from spapi_mock.store.database import LAST_UPDATE_DATE, PURCHASE_DATE, Store, read_tables
from spapi_mock.store.file import StoreFileError

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
    store = Store()
    store.replace_all(
        [
            doc("3", "2025-01-03T00:00:00Z"),
            doc("1", "2025-01-01T00:00:00Z"),
            doc("2b", "2025-01-02T00:00:00Z"),
            doc("2a", "2025-01-02T00:00:00Z"),
        ]
    )
    assert ids(store.orders.scan("S1", PURCHASE_DATE, "2025-01-01T00:00:00Z", "2025-01-02T00:00:00Z", [US])) == ["1", "2a", "2b"]
    assert ids(
        store.orders.scan(
            "S1", PURCHASE_DATE, "2025-01-01T00:00:00Z", "2025-12-31T00:00:00Z", [US], after=("2025-01-02T00:00:00Z", "2a")
        )
    ) == ["2b", "3"]
    assert ids(store.orders.scan("S2", PURCHASE_DATE, "2025-01-01T00:00:00Z", "2025-12-31T00:00:00Z", [US])) == []


def test_scan_merges_marketplaces_over_many_chunks_in_order():
    store = Store()
    store.replace_all(
        [doc(f"{n:04d}", f"2025-01-01T00:{n // 60:02d}:{n % 60:02d}Z", marketplace=US if n % 3 else CA) for n in range(700)]
    )
    window = ("S1", PURCHASE_DATE, "2025-01-01T00:00:00Z", "2025-01-02T00:00:00Z")
    assert ids(store.orders.scan(*window, [US, CA])) == [f"{n:04d}" for n in range(700)]
    assert ids(store.orders.scan(*window, [CA])) == [f"{n:04d}" for n in range(0, 700, 3)]
    after = ("2025-01-01T00:05:00Z", "0300")
    assert ids(store.orders.scan(*window, [US, CA], after=after)) == [f"{n:04d}" for n in range(301, 700)]


def test_get_is_per_seller():
    store = Store()
    store.replace_all([doc("1", "2025-01-01T00:00:00Z", seller="S1")])
    assert store.orders.get("S1", "1")["order"]["AmazonOrderId"] == "1"
    assert store.orders.get("S2", "1") is None
    assert store.orders.get("S1", "2") is None


def test_put_replaces_a_document_whole_and_moves_it_in_the_indexes():
    store = Store()
    store.replace_all(
        [doc("1", "2025-01-01T00:00:00Z", SellerOrderId="A", BuyerInfo={"BuyerEmail": "x@y"}), doc("2", "2025-01-02T00:00:00Z")]
    )
    store.put(doc("1", "2025-01-01T00:00:00Z", updated="2025-02-01T00:00:00Z", SellerOrderId="B"))
    assert "BuyerInfo" not in store.orders.get("S1", "1")["order"]
    assert ids(store.orders.scan("S1", LAST_UPDATE_DATE, "2025-01-15T00:00:00Z", "2025-03-01T00:00:00Z", [US])) == ["1"]
    assert ids(store.orders.scan("S1", LAST_UPDATE_DATE, "2025-01-01T00:00:00Z", "2025-01-10T00:00:00Z", [US])) == ["2"]
    assert store.orders.ids_for_seller_order_id("S1", "A") == set()
    assert store.orders.ids_for_seller_order_id("S1", "B") == {"1"}
    assert store.orders.ids_for_buyer_email("S1", "x@y") == set()
    store.put(doc("3", "2025-01-03T00:00:00Z"))
    assert store.orders.count("S1") == 3 and store.orders.count() == 3


def test_file_store_keeps_state_across_restarts_as_a_log_of_json_lines(tmp_path):
    path = tmp_path / "state.json"
    store = Store(str(path))
    store.replace_all([doc("1", "2025-01-01T00:00:00Z")])
    store.put(doc("2", "2025-01-02T00:00:00Z", seller="S2"))
    store.close()
    lines = path.read_bytes().splitlines()
    assert json.loads(lines[0]) == {"spapi-mock-store": 4}
    # Replacing everything writes a snapshot (each document as the store packs it); a change, a line.
    records = [json.loads(line) for line in lines[1:]]
    (snapshot,) = [record for record in records if record.get("snapshot") and "orders" in record.get("packed", {})]
    assert set(snapshot["packed"]["orders"]) == {"1"}
    assert read_tables(str(path))["orders"]["1"] == doc("1", "2025-01-01T00:00:00Z")
    assert records[-1]["put"]["orders"] == {"2": doc("2", "2025-01-02T00:00:00Z", seller="S2")}
    assert len(read_tables(str(path))["orders"]) == 2
    again = Store(str(path))
    assert again.orders.get("S2", "2") is not None and again.orders.sellers() == ["S1", "S2"]
    assert ids(again.orders.scan("S1", PURCHASE_DATE, "2025-01-01T00:00:00Z", "2025-01-09T00:00:00Z", [US])) == ["1"]
    assert not list(tmp_path.glob(".spapi-mock-*.tmp"))  # no temporary file left behind


def test_readers_see_whole_documents_while_a_writer_replaces_them():
    store = Store()
    store.replace_all([doc(f"{n:03d}", f"2025-01-01T00:{n // 60:02d}:{n % 60:02d}Z", version=0) for n in range(200)])
    failures: list[str] = []
    stop = threading.Event()
    readers = 4
    # Every reader stops half-way through its first scan until the writer has made its first
    # write, so reads and writes overlap whatever the scheduler does; each first scan then holds
    # orders from before that write and from after it.
    half_way = threading.Barrier(readers + 1, timeout=30)
    first_write = threading.Event()
    first_scans: list[set[int]] = []

    def writer() -> None:
        try:
            half_way.wait()
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
                first_write.set()
        except Exception as exc:  # reported below, not lost in the thread
            failures.append(f"writer: {exc!r}")
        finally:
            stop.set()

    def reader() -> None:
        first = True
        try:
            while first or not stop.is_set():
                seen = []
                for d in store.orders.scan("S1", PURCHASE_DATE, "2025-01-01T00:00:00Z", "2025-01-02T00:00:00Z", [US]):
                    seen.append(d)
                    if first and len(seen) == 100:
                        half_way.wait()
                        if not first_write.wait(30):
                            failures.append("the writer could not write while a scan was under way")
                if len(seen) != 200:
                    failures.append(f"scan saw {len(seen)} orders")
                for d in seen:
                    if d["items"] and d["items"][0]["version"] != d["order"]["version"]:
                        failures.append("an order and its items from different writes")
                if first:
                    first_scans.append({d["order"]["version"] for d in seen})
                    first = False
        except Exception as exc:
            failures.append(f"reader: {exc!r}")

    threads = [threading.Thread(target=reader, daemon=True) for _ in range(readers)]
    threads.append(threading.Thread(target=writer, daemon=True))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a reader or the writer did not finish"
    assert not failures, failures[:3]
    assert len(first_scans) == readers and all(0 in versions and max(versions) > 0 for versions in first_scans), first_scans
    assert store.orders.get("S1", "007")["order"]["version"] == 59


def test_two_sellers_hold_the_same_order_id_without_seeing_each_other(tmp_path):
    store = Store(str(tmp_path / "state.json"))
    store.put_many([doc("1", "2025-01-01T00:00:00Z", seller="S1"), doc("1", "2025-01-02T00:00:00Z", seller="S2")])
    store.put(doc("1", "2025-01-01T00:00:00Z", seller="S1", OrderStatus="Shipped"))
    assert store.orders.get("S1", "1")["order"]["OrderStatus"] == "Shipped"
    assert "OrderStatus" not in store.orders.get("S2", "1")["order"]
    store.replace_seller("S1", [doc("9", "2025-01-03T00:00:00Z", seller="S1")])
    store.close()
    again = Store(str(tmp_path / "state.json"))
    assert again.orders.get("S1", "1") is None and again.orders.get("S1", "9") is not None
    assert again.orders.get("S2", "1")["order"]["PurchaseDate"] == "2025-01-02T00:00:00Z"


def test_orders_and_the_records_beside_them_land_in_one_write_of_the_file(tmp_path, monkeypatch):
    from spapi_mock.store.file import StoreFile

    store = Store(str(tmp_path / "state.json"))
    store.set_meta("clock", {"frozen_at": "2025-01-01T00:00:00+00:00"})
    writes = []
    original = StoreFile._write_line
    monkeypatch.setattr(StoreFile, "_write_line", lambda self, line: (writes.append(line), original(self, line)))
    store.put_many([doc("1", "2025-01-01T00:00:00Z"), doc("2", "2025-01-02T00:00:00Z")], {"clock": {"frozen_at": "X"}})
    store.set_meta("clock", {"frozen_at": "Y"})
    assert len(writes) == 2 and set(json.loads(writes[0])["put"]) == {"orders", "meta"}
    store.close()
    on_disk = read_tables(str(tmp_path / "state.json"))
    assert [record["value"] for record in on_disk["meta"].values()] == [{"frozen_at": "Y"}]
    assert Store(str(tmp_path / "state.json")).get_meta("clock") == {"frozen_at": "Y"}


def test_a_second_owner_of_a_store_file_is_refused_naming_the_file_and_the_owner(tmp_path):
    """Before: two servers on one --db both started, gave one new order id to two orders, and
    one's acknowledged writes were lost."""
    path = str(tmp_path / "state.json")
    first = Store(path)
    with pytest.raises(
        StoreFileError, match=rf"{re.escape(path)}: the store is in use by another spapi-mock process \(pid {os.getpid()}\)"
    ):
        Store(path)
    first.close()
    Store(path).close()  # free once its owner is gone


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
        Store(str(path))
    assert str(path) in str(raised.value) and complaint in str(raised.value)
    Store(str(tmp_path / "other.json")).close()  # the failed open left no lock behind on others


def test_a_failed_write_is_a_503_that_changes_nothing(tmp_path, monkeypatch):
    """Before: a full disk or a read-only file answered a bare 500 per write."""
    store = Store(str(tmp_path / "state.json"))
    store.put(doc("1", "2025-01-01T00:00:00Z"))

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store_file.os, "fsync", disk_full)
    with pytest.raises(StoreFileError) as raised:
        store.put(doc("2", "2025-01-02T00:00:00Z"))
    # The client is told to try again later: the store is as it was.
    answered = from_exception(raised.value)
    assert answered.status == 503 and answered.code == "ServiceUnavailable"
    assert "No space left on device" in answered.message and "nothing was changed" in answered.message
    monkeypatch.undo()
    store.close()
    again = Store(str(tmp_path / "state.json"))
    assert again.orders.get("S1", "1") is not None and again.orders.get("S1", "2") is None


def test_a_saved_clock_outside_the_clocks_range_stops_start_up_naming_the_file(tmp_path):
    """Before: a store saved with its clock at 9999-12-31T23:30:00Z answered 500 to every request
    after a restart, for good."""
    from spapi_mock.domain.policy import Policy
    from spapi_mock.kernel.clock import Clock
    from spapi_mock.marketplace.backend import Backend

    path = str(tmp_path / "state.json")
    store = Store(path)
    store.set_meta("clock", {"frozen_at": "9999-12-31T23:30:00+00:00", "offset_seconds": 0})
    with pytest.raises(StoreFileError, match="the saved clock cannot be used.*outside the mock clock's range"):
        Backend(store, Clock(), Policy(), None, "A1MOCKSELLER00").start()
    store.close()


def test_unit_policy_durations_are_bounded():
    from datetime import timedelta

    from spapi_mock.domain.policy import Policy

    with pytest.raises(ValueError, match="auto_cancel_after must be more than 0 and at most 1095 days"):
        Policy(auto_cancel_after=timedelta(days=100_000))
    with pytest.raises(ValueError, match="cancellation_rate_threshold"):
        Policy(cancellation_rate_threshold=2)


# -- the log on disk ---------------------------------------------------------------------------------


def test_a_change_cut_short_by_a_crash_is_dropped_and_the_next_change_does_not_run_into_it(tmp_path, caplog):
    path = tmp_path / "state.json"
    store = Store(str(path))
    store.put(doc("1", "2025-01-01T00:00:00Z"))
    store.close()
    whole = path.read_bytes()
    torn = json.dumps({"put": {"orders": {"2": doc("2", "2025-01-02T00:00:00Z")}}}).encode()
    path.write_bytes(whole + torn[: len(torn) // 2])  # killed in the middle of its line
    again = Store(str(path))
    assert again.orders.get("S1", "1") is not None and again.orders.get("S1", "2") is None
    assert "its last change was cut short" in caplog.text
    again.put(doc("3", "2025-01-03T00:00:00Z"))
    again.close()
    assert path.read_bytes().startswith(whole) and path.read_bytes().endswith(b"\n")
    third = Store(str(path))
    assert sorted(ids(third.orders.docs())) == ["1", "3"]


def test_a_damaged_line_before_the_last_stops_start_up_naming_the_line(tmp_path):
    path = tmp_path / "state.json"
    store = Store(str(path))
    store.put(doc("1", "2025-01-01T00:00:00Z"))
    store.put(doc("2", "2025-01-02T00:00:00Z"))
    store.close()
    lines = path.read_bytes().splitlines(keepends=True)
    lines[-2] = b'{"put": {"orders"\n'
    path.write_bytes(b"".join(lines))
    with pytest.raises(StoreFileError, match=rf"{re.escape(str(path))}: line {len(lines) - 1} of the store is damaged"):
        Store(str(path))


def test_a_store_file_of_the_earlier_whole_json_format_is_converted_when_opened(tmp_path):
    path = tmp_path / "state.json"
    path.write_text(
        json.dumps(
            {
                "orders": {"1": doc("1", "2025-01-01T00:00:00Z"), "7": doc("7", "2025-01-07T00:00:00Z", seller="S2")},
                "meta": {"1": {"key": "clock", "value": {"frozen_at": "2025-01-08T00:00:00+00:00"}}},
            }
        )
    )
    store = Store(str(path))
    assert store.orders.get("S2", "7") is not None and store.get_meta("clock") == {"frozen_at": "2025-01-08T00:00:00+00:00"}
    store.put(doc("8", "2025-01-08T00:00:00Z"))  # a new order takes the next free document id
    store.close()
    assert json.loads(path.read_bytes().splitlines()[0]) == {"spapi-mock-store": 4}
    assert sorted(read_tables(str(path))["orders"]) == ["1", "7", "8"]


def test_a_newer_format_is_refused_rather_than_misread(tmp_path):
    path = tmp_path / "state.json"
    path.write_text('{"spapi-mock-store": 5}\n')
    with pytest.raises(StoreFileError, match="format 5; this version reads up to format 4"):
        Store(str(path))


def test_the_log_is_compacted_in_the_background_and_changes_made_meanwhile_are_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(store_file, "COMPACT_MIN_BYTES", 60_000)
    # The compaction is held while it writes its snapshot and let go once changes have been made
    # meanwhile: what happens during it no longer depends on when its thread is scheduled.
    test_thread, writing, let_go = threading.get_ident(), threading.Event(), threading.Event()
    write_snapshot = store_file.StoreFile._write_snapshot

    def held(self, tables):
        if threading.get_ident() != test_thread:
            writing.set()
            assert let_go.wait(60)
        return write_snapshot(self, tables)

    monkeypatch.setattr(store_file.StoreFile, "_write_snapshot", held)
    path = tmp_path / "state.json"
    store = Store(str(path))
    log = store._db.storage._file  # noqa: SLF001
    store.replace_all([doc(f"{n:03d}", "2025-01-01T00:00:00Z") for n in range(40)])
    versions = itertools.count()

    def change() -> int:
        version = next(versions)
        store.put(doc(f"{version % 40:03d}", "2025-01-01T00:00:00Z", f"2025-02-01T00:00:{version % 60:02d}Z", version=version))
        return path.stat().st_size

    sizes = []
    while log._compaction is None:  # noqa: SLF001  (started by the change that passed the threshold)
        sizes.append(change())
        assert len(sizes) < 1000, f"no compaction started; the log is {sizes[-1]} bytes"
    assert writing.wait(60), "the compaction thread never started writing its snapshot"
    # Changes go on while the compaction writes, appended to the log it has not replaced yet.
    meanwhile = [change() for _ in range(10)]
    assert sizes[-1] < meanwhile[0] < meanwhile[-1]
    let_go.set()
    log.wait_for_compaction()
    # The snapshot (40 orders) and the 10 changes made meanwhile: far shorter than the log it replaced.
    assert path.stat().st_size < meanwhile[-1] / 2, (meanwhile[-1], path.stat().st_size)
    latest = {d["order"]["AmazonOrderId"]: d["order"]["version"] for d in store.orders.docs()}
    last = next(versions) - 1
    assert latest[f"{last % 40:03d}"] == last and len(latest) == 40
    store.close()
    again = Store(str(path))
    assert {d["order"]["AmazonOrderId"]: d["order"]["version"] for d in again.orders.docs()} == latest
    again.close()
    assert not list(tmp_path.glob(".spapi-mock-*.tmp"))


def test_a_compaction_that_fails_keeps_the_log_and_the_state(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(store_file, "COMPACT_MIN_BYTES", 5_000)
    path = tmp_path / "state.json"
    store = Store(str(path))

    def refuse(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store_file.os, "replace", refuse)
    for n in range(40):
        store.put(doc(f"{n:03d}", "2025-01-01T00:00:00Z"))
    store._db.storage._file.wait_for_compaction()  # noqa: SLF001
    assert "compaction failed (No space left on device)" in caplog.text
    monkeypatch.undo()
    store.close()
    assert Store(str(path)).orders.count() == 40
    assert not list(tmp_path.glob(".spapi-mock-*.tmp"))


def test_a_write_that_fails_half_way_is_cut_off_the_file(tmp_path, monkeypatch):
    path = tmp_path / "state.json"
    store = Store(str(path))
    store.put(doc("1", "2025-01-01T00:00:00Z"))
    size = path.stat().st_size
    real_write = os.write

    def half_then_full(fd, data):
        real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store_file.os, "write", half_then_full)
    with pytest.raises(StoreFileError, match="No space left on device"):
        store.put(doc("2", "2025-01-02T00:00:00Z"))
    monkeypatch.undo()
    assert path.stat().st_size == size and store.orders.get("S1", "2") is None
    store.put(doc("3", "2025-01-03T00:00:00Z"))
    store.close()
    assert sorted(ids(Store(str(path)).orders.docs())) == ["1", "3"]


def test_a_left_over_temporary_file_of_a_killed_compaction_is_removed_at_start(tmp_path):
    path = tmp_path / "state.json"
    Store(str(path)).close()
    leftover = tmp_path / ".spapi-mock-state.json.abc123.tmp"
    leftover.write_text('{"spapi-mock-store": 2}\n{"snapshot": true, "put": {"orders": {}}}')
    Store(str(path)).close()
    assert not leftover.exists()


def test_replacing_a_seller_drops_their_documents_and_keeps_others_and_the_meta(tmp_path):
    store = Store(str(tmp_path / "state.json"))
    both = [doc("1", "2025-01-01T00:00:00Z", seller="S1"), doc("2", "2025-01-01T00:00:00Z", seller="S2")]
    store.put_many(both, {"clock": {"a": 1}})
    store.replace_seller("S1", [doc("5", "2025-01-05T00:00:00Z", seller="S1")])
    store.close()
    again = Store(str(tmp_path / "state.json"))
    assert [(d["seller_id"], d["order"]["AmazonOrderId"]) for d in again.orders.docs()] in (
        [("S1", "5"), ("S2", "2")],
        [("S2", "2"), ("S1", "5")],
    )
    assert again.get_meta("clock") == {"a": 1}


def test_numbers_come_back_exactly_however_large(tmp_path):
    """orjson reads the file fast but would turn an integer beyond 64 bits into a float."""
    path = str(tmp_path / "state.json")
    store = Store(path)
    big = doc("1", "2025-01-01T00:00:00Z", Huge=2**70, Long="1" * 25)
    small = doc("2", "2025-01-01T00:00:00Z", Count=7, Ratio=0.5)
    store.put_many([big, small])
    store.close()
    again = Store(path)
    assert again.orders.get("S1", "1")["order"]["Huge"] == 2**70 and isinstance(again.orders.get("S1", "1")["order"]["Huge"], int)
    assert again.orders.get("S1", "2") == small


def _snapshot_lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_bytes().splitlines()[1:] if json.loads(line).get("snapshot")]


def test_a_snapshot_holds_each_document_as_packed_beside_its_index_entry_and_reads_back_exactly(tmp_path, monkeypatch):
    monkeypatch.setattr(store_file, "COMPACT_MIN_BYTES", 0)
    path = tmp_path / "state.json"
    store = Store(str(path))
    orders = [
        doc(f"{n:03d}", f"2025-01-{n % 28 + 1:02d}T00:00:00Z", SellerOrderId=f"S-{n}", BuyerInfo={"BuyerEmail": f"B{n}@x"})
        for n in range(30)
    ]
    orders.append(doc("999", "2025-01-01T00:00:00Z", seller="S2", Huge=2**70, Text='a\u00e9\u4e2d"\\\n'))
    store.put_many(orders)
    store.close()
    Store(str(path)).close()  # the log outgrew the (empty) snapshot: this start compacts it
    (line,) = _snapshot_lines(path)[:1]
    packed = line["packed"]["orders"]
    assert all(isinstance(value, str) for value in packed.values()) and len(packed) == 31
    assert line["index"]["orders"]["version"] == 1 and set(line["index"]["orders"]["entries"]) == set(packed)
    again = Store(str(path))
    assert again.orders.get("S2", "999") == orders[-1] and isinstance(again.orders.get("S2", "999")["order"]["Huge"], int)
    assert again.orders.ids_for_buyer_email("S1", "b7@X") == {"007"}
    assert again.orders.ids_for_seller_order_id("S1", "S-12") == {"012"}
    assert ids(again.orders.scan("S1", PURCHASE_DATE, "2025-01-02T00:00:00Z", "2025-01-02T00:00:00Z", [US])) == ["001", "029"]
    assert sorted(d["order"]["AmazonOrderId"] for d in read_tables(str(path))["orders"].values()) == sorted(ids(orders))


def test_index_entries_a_file_holds_from_another_version_are_recomputed_from_the_documents(tmp_path):
    path = tmp_path / "state.json"
    order = doc("1", "2025-01-05T00:00:00Z", SellerOrderId="X")
    bogus = {"1": ["S9", "nope", US, "1999-01-01T00:00:00Z", "1999-01-01T00:00:00Z", None, None, None]}
    snapshot = {
        "snapshot": True,
        "put": {"orders": {"1": json.dumps(order)}},
        "index": {"orders": {"version": 0, "entries": bogus}},
    }
    path.write_text('{"spapi-mock-store": 3}\n' + json.dumps(snapshot) + "\n")
    store = Store(str(path))
    assert store.orders.get("S1", "1") == order and store.orders.sellers() == ["S1"]
    assert store.orders.ids_for_seller_order_id("S1", "X") == {"1"}
    assert ids(store.orders.scan("S1", PURCHASE_DATE, "2025-01-01T00:00:00Z", "2025-01-09T00:00:00Z", [US])) == ["1"]


def test_a_format_2_file_with_documents_as_objects_is_read_and_appended_to(tmp_path):
    path = tmp_path / "state.json"
    snapshot = {
        "snapshot": True,
        "put": {"orders": {"1": doc("1", "2025-01-01T00:00:00Z"), "2": doc("2", "2025-01-02T00:00:00Z")}},
    }
    path.write_text('{"spapi-mock-store": 2}\n' + json.dumps(snapshot) + "\n")
    store = Store(str(path))
    store.put(doc("3", "2025-01-03T00:00:00Z"))
    store.close()
    again = Store(str(path))
    assert ids(again.orders.scan("S1", PURCHASE_DATE, "2025-01-01T00:00:00Z", "2025-01-09T00:00:00Z", [US])) == ["1", "2", "3"]


def test_unit_documents_are_held_packed_and_unpack_to_what_was_packed():
    from spapi_mock.store.packing import TRAIN_AFTER, Packer

    packer = Packer()
    orders = [
        doc(f"{n:05d}", "2025-01-01T00:00:00Z", BuyerInfo={"BuyerEmail": f"buyer{n}@example.com"})
        for n in range(TRAIN_AFTER + 200)
    ]
    packed = [packer.pack(order) for order in orders]
    assert [packer.unpack(p) for p in packed] == orders
    # After training on the first ones, an order packs to a fraction of its JSON.
    assert len(packed[-1]) * 3 < len(json.dumps(orders[-1])), (len(packed[-1]), len(json.dumps(orders[-1])))
    big = doc("1", "2025-01-01T00:00:00Z", Huge=-(2**80))
    assert packer.unpack(packer.pack(big)) == big and packer.unpack(packer.pack_text(json.dumps(big).encode(), True)) == big


def test_feeds_and_their_documents_survive_a_restart_and_a_compaction(tmp_path, monkeypatch):
    monkeypatch.setattr(store_file, "COMPACT_MIN_BYTES", 0)
    path = tmp_path / "state.json"
    store = Store(str(path))
    feeds = [
        {
            "seller_id": "S1",
            "feedId": str(n),
            "feedType": "POST_ORDER_ACKNOWLEDGEMENT_DATA",
            "marketplaceIds": [US, CA],
            "createdTime": f"2025-01-0{n}T00:00:00Z",
            "processingStatus": "IN_QUEUE",
            "starts_at": f"2025-01-0{n}T00:00:02Z",
        }
        for n in (1, 2)
    ]
    # A document's contents are a file of its own (test_document_store.py), not part of the record.
    document = {"seller_id": "S1", "feedDocumentId": "amzn1.tortuga.x", "contentType": "text/xml", "purpose": "input"}
    store.commit(put=[("feeds", feed) for feed in feeds] + [("feed_documents", document)])
    store.close()
    Store(str(path)).close()  # compacts into a snapshot of every kind
    again = Store(str(path))
    assert [entry[1] for entry in again.feeds.newest_first("S1")] == ["2", "1"]
    assert again.feeds.next_due() == ("2025-01-01T00:00:02Z", "S1", "1")
    assert again.feeds.get("S1", "2") == feeds[1] and again.feed_documents.get("S1", "amzn1.tortuga.x") == document
    snapshot = [json.loads(line) for line in path.read_bytes().splitlines()[1:]]
    assert {table for line in snapshot for table in line.get("index", {})} == {"feeds", "feed_documents"}


def test_a_snapshot_in_many_lines_holds_every_document_once(tmp_path, monkeypatch):
    # Ten orders in lines of three: the last line holds the one left over, and no order is
    # written twice or lost; another table's records come through too.
    monkeypatch.setattr(store_file, "SNAPSHOT_CHUNK", 3)
    path = tmp_path / "state.json"
    store = Store(str(path))
    for n in range(10):
        store.put(doc(f"{n:03d}", f"2025-01-{n + 1:02d}T00:00:00Z"))
    store.close()
    monkeypatch.setattr(store_file, "COMPACT_MIN_BYTES", 1)
    Store(str(path)).close()  # a start compacts a log past the threshold; closing waits for it
    lines = path.read_bytes().splitlines()
    snapshot_orders = [json.loads(line)["packed"]["orders"] for line in lines if b'"packed"' in line]
    assert [len(chunk) for chunk in snapshot_orders] == [3, 3, 3, 1]
    assert sorted(key for chunk in snapshot_orders for key in chunk) == sorted(str(n) for n in range(1, 11))
    again = Store(str(path))
    assert ids(again.orders.scan("S1", PURCHASE_DATE, "2025-01-01T00:00:00Z", "2025-12-31T00:00:00Z", [US])) == [
        f"{n:03d}" for n in range(10)
    ]
