"""An order change carries the time it was made at, in Amazon's form (UTC, whole seconds, Z),
whichever times the rules are applied at and in whatever order: ``lifecycle`` writes a time once
per datetime object it is given (a feed chunk applies every message at one), never a time it was
given before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from spapi_mock.domain import lifecycle, order_factory
from spapi_mock.domain.policy import Policy
from spapi_mock.marketplace.fixtures import build_document

PLACED = datetime(2025, 6, 15, 12, 0, 0, tzinfo=UTC)


def _order(number: int) -> dict:
    spec = {"order": {"OrderStatus": "Unshipped"}}
    record = order_factory.new_order_record(spec, f"111-0000000-{number:07d}", PLACED)
    return build_document(record, "A1MOCKSELLER00", PLACED, "test")


def test_each_change_carries_its_own_time_as_amazon_writes_it():
    policy = Policy()
    first = datetime(2025, 6, 15, 13, 30, 15, 999_999, tzinfo=UTC)
    second = datetime(2025, 6, 15, 17, 0, 0, tzinfo=timezone(timedelta(hours=2)))  # 15:00 UTC
    third = datetime(2025, 6, 15, 13, 30, 15, tzinfo=UTC)  # equal to first but for its microseconds: another object
    times = [first, first, second, first, third, second, second]
    expected = {
        id(first): "2025-06-15T13:30:15Z",
        id(second): "2025-06-15T15:00:00Z",
        id(third): "2025-06-15T13:30:15Z",
    }
    for number, at in enumerate(times):
        doc = lifecycle.acknowledge(_order(number), at, policy, f"ERP-{number}")
        wanted = expected[id(at)]
        assert doc["acknowledged_at"] == wanted
        assert doc["history"][-1]["at"] == wanted
        assert doc["order"]["LastUpdateDate"] == wanted
        cancelled = lifecycle.seller_cancel(doc, at + timedelta(minutes=1), policy, "NoInventory")
        assert cancelled["history"][-1]["at"] == wanted[:-6] + f"{int(wanted[-6:-4]) + 1:02d}" + wanted[-4:]
