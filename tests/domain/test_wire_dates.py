"""The one wire form of a timestamp: Amazon's ``2024-01-15T08:23:11Z`` (UTC, whole seconds, Z),
for a time in UTC or any other offset, on every year the mock takes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from spapi_mock.kernel.dates import EARLIEST_DATE, LATEST_DATE, parse_iso, to_wire


@pytest.mark.parametrize(
    ("at", "wire"),
    [
        (datetime(2024, 1, 15, 8, 23, 11, 999999, tzinfo=UTC), "2024-01-15T08:23:11Z"),  # seconds cut, not rounded
        (datetime(2024, 1, 15, 8, 23, 11, tzinfo=timezone.utc), "2024-01-15T08:23:11Z"),  # noqa: UP017 (the other spelling)
        (datetime(2024, 1, 15, 1, 0, 0, tzinfo=timezone(timedelta(hours=5, minutes=30))), "2024-01-14T19:30:00Z"),
        (datetime(2024, 12, 31, 23, 0, 0, tzinfo=timezone(timedelta(hours=-2))), "2025-01-01T01:00:00Z"),
        (EARLIEST_DATE, "0002-01-01T00:00:00Z"),  # four digits of year, as ISO 8601 writes them
        (datetime(999, 9, 9, 9, 9, 9, tzinfo=UTC), "0999-09-09T09:09:09Z"),
        (LATEST_DATE, "9998-12-31T23:59:59Z"),
    ],
)
def test_a_time_on_the_wire_is_utc_to_the_second_with_a_z(at, wire):
    assert to_wire(at) == wire
    assert to_wire(parse_iso(wire)) == wire
