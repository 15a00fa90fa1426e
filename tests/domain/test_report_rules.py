"""Fast unit tests of the report rules: dates, periods and schedules on the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spapi_mock.domain import jobs, reports
from spapi_mock.domain.exceptions import RuleViolation
from spapi_mock.reports import formats as report_formats

NOW = datetime(2025, 1, 31, 12, 0, tzinfo=UTC)
SPEC = {"reportType": "GET_FLAT_FILE_PENDING_ORDERS_DATA", "marketplaceIds": ["ATVPDKIKX0DER"]}


def test_a_report_covers_the_30_days_before_its_end_unless_told_and_never_the_future():
    report = reports.new_report("S1", "1", SPEC, NOW, jobs.ProcessingTiming())
    assert (report["dataStartTime"], report["dataEndTime"]) == ("2025-01-01T12:00:00Z", "2025-01-31T12:00:00Z")
    with pytest.raises(RuleViolation, match="is after now"):
        reports.new_report("S1", "1", {**SPEC, "dataEndTime": "2025-02-01T00:00:00Z"}, NOW, jobs.ProcessingTiming())
    with pytest.raises(RuleViolation, match="is after dataEndTime"):
        reports.new_report(
            "S1",
            "1",
            {**SPEC, "dataStartTime": "2025-01-31T13:00:00Z", "dataEndTime": "2025-01-31T12:00:00Z"},
            NOW,
            jobs.ProcessingTiming(),
        )


def test_a_month_is_a_calendar_month_and_other_periods_are_fixed():
    assert reports.period_length("P1M", NOW) == timedelta(days=28)  # 31 January → 28 February
    assert reports.period_length("PT84H", NOW) == timedelta(hours=84)
    assert reports.period_length("PT15M", NOW) == timedelta(minutes=15)
    with pytest.raises(RuleViolation, match="Invalid period"):
        reports.new_schedule("S1", "1", {**SPEC, "period": "PT7M"}, NOW)


def test_a_schedule_fires_a_report_over_its_last_period_and_moves_on():
    schedule = reports.new_schedule("S1", "9", {**SPEC, "period": "P1D"}, NOW)
    assert reports.schedule_due_at(schedule) == "2025-01-31T12:00:00Z"
    spec, moved = reports.fire(schedule)
    assert (spec["dataStartTime"], spec["dataEndTime"]) == ("2025-01-30T12:00:00Z", "2025-01-31T12:00:00Z")
    assert moved["nextReportCreationTime"] == "2025-02-01T12:00:00Z"
    assert reports.schedule_due_at(reports.cancel_schedule(moved)) is None
    late = {**SPEC, "period": "P1D", "nextReportCreationTime": "2025-01-31T11:00:00Z"}
    with pytest.raises(RuleViolation, match="more than 5 minutes before now"):
        reports.new_schedule("S1", "9", late, NOW)
    with pytest.raises(RuleViolation, match="outside the mock clock's range"):
        reports.new_schedule("S1", "9", {**late, "nextReportCreationTime": "3000-01-01T00:00:00Z"}, NOW)


def test_only_a_queued_report_can_be_cancelled_and_a_produced_one_ends_when_due():
    report = reports.new_report("S1", "1", SPEC, NOW, jobs.ProcessingTiming())
    assert reports.cancel(report, NOW)["processingStatus"] == "CANCELLED"
    started = jobs.start(report, NOW + timedelta(seconds=2))
    with pytest.raises(RuleViolation, match="it is IN_PROGRESS"):
        reports.cancel(started, NOW)
    produced = reports.produced(started, "doc", fatal=False)
    assert jobs.due_at(produced) == "2025-01-31T12:00:05Z"
    assert reports.wire(jobs.finish(produced, NOW + timedelta(seconds=5)))["reportDocumentId"] == "doc"


def test_the_order_report_is_scheduled_only_and_flat_cells_never_break_a_row():
    assert report_formats.scheduled_only("GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING")
    assert not report_formats.scheduled_only(report_formats.UNSHIPPED)
    assert report_formats._cell("a\tb\nc") == "a b c" and report_formats._cell(True) == "true"
