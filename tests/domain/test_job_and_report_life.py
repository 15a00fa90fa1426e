"""Fast unit tests of a job's life (domain/jobs.py: feeds and reports alike) and of a report's
and a report schedule's (domain/reports.py), with no HTTP: every field they keep and every
refusal word for word.

From Amazon's Feeds and Reports models: processingStatus IN_QUEUE → IN_PROGRESS → DONE, FATAL or
CANCELLED (CANCELLED also "an automatic cancellation if there is no data to return"); only an
IN_QUEUE report can be cancelled; getFeeds/getReports' createdSince "must be no more than 90
days" before now and reports are "retained for a maximum of 90 days"; createReport's
dataStartTime/dataEndTime; a ReportSchedule's period is one of Amazon's ISO 8601 durations.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spapi_mock.domain import jobs, reports
from spapi_mock.domain.exceptions import RuleViolation

NOW = datetime(2025, 3, 31, 12, 0, tzinfo=UTC)
SPEC = {"reportType": "GET_FLAT_FILE_PENDING_ORDERS_DATA", "marketplaceIds": ["ATVPDKIKX0DER"]}
TIMING = jobs.ProcessingTiming(queued=timedelta(seconds=10), processing=timedelta(seconds=20))


def refusal(action, *args) -> str:
    with pytest.raises(RuleViolation) as caught:
        action(*args)
    return str(caught.value)


# -- a job -------------------------------------------------------------------------------------


def test_processing_timing_defaults_and_bounds():
    assert (jobs.ProcessingTiming().queued, jobs.ProcessingTiming().processing) == (timedelta(seconds=2), timedelta(seconds=3))
    for name in ("queued", "processing"):
        assert getattr(jobs.ProcessingTiming(**{name: timedelta(0)}), name) == timedelta(0)
        assert getattr(jobs.ProcessingTiming(**{name: timedelta(days=1)}), name) == timedelta(days=1)
        for bad in (timedelta(microseconds=-1), timedelta(days=1, microseconds=1)):
            with pytest.raises(ValueError) as caught:
                jobs.ProcessingTiming(**{name: bad})
            assert str(caught.value) == f"{name} time must be between 0 and 1 day, not {bad}"


def job(status: str, **fields) -> dict:
    return {
        "processingStatus": status,
        "starts_at": "2025-03-31T12:00:10Z",
        "ends_at": "2025-03-31T12:00:30Z",
        **fields,
    }


def test_a_job_is_due_to_start_then_to_end_once_processed_then_to_expire():
    assert jobs.due_at(job("IN_QUEUE")) == "2025-03-31T12:00:10Z"
    assert jobs.due_at(job("IN_PROGRESS")) is None
    assert jobs.due_at(job("IN_PROGRESS", processed=False)) is None
    assert jobs.due_at(job("IN_PROGRESS", processed=True)) == "2025-03-31T12:00:30Z"
    for status in ("DONE", "FATAL", "CANCELLED"):
        assert jobs.due_at(job(status, processed=True)) is None
        assert jobs.due_at(job(status, expires_at="2025-06-29T12:00:00Z")) == "2025-06-29T12:00:00Z"
    assert jobs.due_at(job("SOMETHING", expires_at="x")) is None


def test_a_job_is_running_while_in_progress_and_not_yet_processed():
    assert jobs.is_running(job("IN_PROGRESS")) is True
    assert jobs.is_running(job("IN_PROGRESS", processed=True)) is False
    assert jobs.is_running(job("IN_QUEUE")) is False
    assert jobs.is_running(job("DONE")) is False
    assert jobs.is_running(None) is False


def test_a_job_starts_and_ends_no_earlier_than_it_started():
    queued = job("IN_QUEUE", nested={"kept": [1]})
    started = jobs.start(queued, NOW + timedelta(seconds=10))
    assert started == {**queued, "processingStatus": "IN_PROGRESS", "processingStartTime": "2025-03-31T12:00:10Z"}
    assert queued["processingStatus"] == "IN_QUEUE" and "processingStartTime" not in queued
    started["nested"]["kept"].append(2)
    assert queued["nested"] == {"kept": [1]}, "start changed the job it was given"
    # Started exactly when it was due to end: the end stays; started later: it moves to the start.
    assert jobs.start(queued, NOW + timedelta(seconds=30))["ends_at"] == "2025-03-31T12:00:30Z"
    assert jobs.start(queued, NOW + timedelta(seconds=31))["ends_at"] == "2025-03-31T12:00:31Z"


def test_a_job_ends_done_fatal_or_cancelled_when_it_found_no_data():
    running = job("IN_PROGRESS", processingStartTime="2025-03-31T12:00:10Z", processed=True)
    done = jobs.finish(running, NOW + timedelta(seconds=30))
    assert done == {**running, "processingStatus": "DONE", "processingEndTime": "2025-03-31T12:00:30Z"}
    assert running["processingStatus"] == "IN_PROGRESS" and "processingEndTime" not in running
    assert jobs.finish({**running, "fatal": True}, NOW)["processingStatus"] == "FATAL"
    assert jobs.finish({**running, "fatal": False}, NOW)["processingStatus"] == "DONE"
    assert jobs.finish({**running, "no_data": True}, NOW)["processingStatus"] == "CANCELLED"
    assert jobs.finish({**running, "no_data": True, "fatal": True}, NOW)["processingStatus"] == "CANCELLED"
    # A clock that stands before the start (set back) never ends a job before it started.
    assert jobs.finish(running, NOW)["processingEndTime"] == "2025-03-31T12:00:10Z"


def test_the_created_window_defaults_to_the_90_days_kept_and_is_checked():
    assert jobs.created_window(NOW, None, None, "feeds") == ("2024-12-31T12:00:00Z", "2025-03-31T12:00:00Z")
    assert jobs.created_window(NOW, "2024-12-31T12:00:00Z", "2024-12-31T12:00:00Z", "feeds") == (
        "2024-12-31T12:00:00Z",
        "2024-12-31T12:00:00Z",
    )
    assert jobs.created_window(NOW, "", "", "feeds") == ("2024-12-31T12:00:00Z", "2025-03-31T12:00:00Z")
    assert refusal(jobs.created_window, NOW, "2024-12-31T11:59:59Z", None, "reports") == (
        "Invalid createdSince: 2024-12-31T11:59:59Z is more than 90 days before now (2025-03-31T12:00:00Z); "
        "reports are kept for 90 days."
    )
    assert refusal(jobs.created_window, NOW, "2025-03-01T00:00:00Z", "2025-02-28T23:59:59Z", "feeds") == (
        "Invalid createdUntil: 2025-02-28T23:59:59Z is before createdSince 2025-03-01T00:00:00Z."
    )
    assert refusal(jobs.created_window, NOW, None, "2025-02-30", "feeds").startswith("Invalid createdUntil: '2025-02-30' ")
    assert refusal(jobs.created_window, NOW, "soon", None, "feeds") == (
        "Invalid createdSince: 'soon' is not an ISO 8601 date, e.g. 2024-01-15T08:23:11Z."
    )


# -- a report ----------------------------------------------------------------------------------


def test_a_new_report_keeps_amazons_fields_and_what_the_clock_needs():
    spec = {**SPEC, "reportOptions": {"ShowSalesChannel": "true"}, "dataStartTime": "2025-03-01T00:00:00+01:00"}
    report = reports.new_report("S1", "R1", spec, NOW, TIMING, "SCHED1")
    assert report == {
        "seller_id": "S1",
        "reportId": "R1",
        "reportType": "GET_FLAT_FILE_PENDING_ORDERS_DATA",
        "marketplaceIds": ["ATVPDKIKX0DER"],
        "dataStartTime": "2025-02-28T23:00:00Z",
        "dataEndTime": "2025-03-31T12:00:00Z",
        "createdTime": "2025-03-31T12:00:00Z",
        "processingStatus": "IN_QUEUE",
        "starts_at": "2025-03-31T12:00:10Z",
        "ends_at": "2025-03-31T12:00:30Z",
        "processed": False,
        "expires_at": "2025-06-29T12:00:00Z",
        "reportOptions": {"ShowSalesChannel": "true"},
        "reportScheduleId": "SCHED1",
    }
    assert report["marketplaceIds"] is not spec["marketplaceIds"] and report["reportOptions"] is not spec["reportOptions"]
    plain = reports.new_report("S1", "R1", {**SPEC, "reportOptions": {}}, NOW, TIMING)
    assert "reportOptions" not in plain and "reportScheduleId" not in plain
    assert (plain["dataStartTime"], plain["dataEndTime"]) == ("2025-03-01T12:00:00Z", "2025-03-31T12:00:00Z")


def test_a_report_may_end_now_and_start_where_it_ends_but_no_later():
    report = reports.new_report(
        "S1", "R1", {**SPEC, "dataStartTime": "2025-03-31T12:00:00Z", "dataEndTime": "2025-03-31T12:00:00Z"}, NOW, TIMING
    )
    assert report["dataStartTime"] == report["dataEndTime"] == "2025-03-31T12:00:00Z"
    assert refusal(reports.new_report, "S1", "R1", {**SPEC, "dataEndTime": "2025-03-31T12:00:01Z"}, NOW, TIMING) == (
        "Invalid dataEndTime: 2025-03-31T12:00:01Z is after now (2025-03-31T12:00:00Z)."
    )
    spec = {**SPEC, "dataStartTime": "2025-03-02T00:00:01Z", "dataEndTime": "2025-03-02T00:00:00Z"}
    assert refusal(reports.new_report, "S1", "R1", spec, NOW, TIMING) == (
        "Invalid dataStartTime: 2025-03-02T00:00:01Z is after dataEndTime 2025-03-02T00:00:00Z."
    )
    assert refusal(reports.new_report, "S1", "R1", {**SPEC, "dataStartTime": "March"}, NOW, TIMING) == (
        "Invalid dataStartTime: 'March' is not an ISO 8601 date, e.g. 2024-01-15T08:23:11Z."
    )
    # A date range with no end given ends now; an empty one is as good as none.
    assert reports.new_report("S1", "R1", {**SPEC, "dataEndTime": ""}, NOW, TIMING)["dataEndTime"] == "2025-03-31T12:00:00Z"


def test_a_schedule_that_cannot_fire_makes_a_report_that_says_why():
    schedule = reports.new_schedule("S1", "SCHED1", {**SPEC, "period": "P1D", "reportOptions": {"a": "b"}}, NOW)
    report = reports.failed_report("S1", "R9", schedule, NOW, TIMING, "the store is full")
    assert report == {
        "seller_id": "S1",
        "reportId": "R9",
        "reportType": "GET_FLAT_FILE_PENDING_ORDERS_DATA",
        "marketplaceIds": ["ATVPDKIKX0DER"],
        "dataStartTime": "2025-03-31T12:00:00Z",
        "dataEndTime": "2025-03-31T12:00:00Z",
        "createdTime": "2025-03-31T12:00:00Z",
        "processingStatus": "IN_QUEUE",
        "starts_at": "2025-03-31T12:00:10Z",
        "ends_at": "2025-03-31T12:00:30Z",
        "processed": False,
        "expires_at": "2025-06-29T12:00:00Z",
        "reportScheduleId": "SCHED1",
        "failure": "The report schedule SCHED1 could not create this report (the store is full).",
    }


def test_only_a_queued_report_can_be_cancelled():
    report = reports.new_report("S1", "R1", SPEC, NOW, TIMING)
    assert reports.cancel(report, NOW) == {**report, "processingStatus": "CANCELLED"}
    assert report["processingStatus"] == "IN_QUEUE"
    for status in ("IN_PROGRESS", "DONE", "FATAL", "CANCELLED"):
        assert refusal(reports.cancel, {**report, "processingStatus": status}, NOW) == (
            f"Report R1 cannot be cancelled: it is {status}, and only a report that is IN_QUEUE can be."
        )


def test_a_produced_report_has_its_document_or_none_when_it_found_no_data():
    report = reports.new_report("S1", "R1", SPEC, NOW, TIMING)
    assert reports.produced(report, "DOC1", False) == {**report, "processed": True, "fatal": False, "reportDocumentId": "DOC1"}
    assert reports.produced(report, "DOC1", True)["fatal"] is True
    assert reports.found_no_data(report) == {**report, "processed": True, "fatal": False, "no_data": True}
    assert report["processed"] is False


def test_a_reports_wire_form_is_amazons_report():
    report = reports.new_report("S1", "R1", SPEC, NOW, TIMING)
    assert reports.wire(report) == {
        "reportId": "R1",
        "reportType": "GET_FLAT_FILE_PENDING_ORDERS_DATA",
        "marketplaceIds": ["ATVPDKIKX0DER"],
        "dataStartTime": "2025-03-01T12:00:00Z",
        "dataEndTime": "2025-03-31T12:00:00Z",
        "createdTime": "2025-03-31T12:00:00Z",
        "processingStatus": "IN_QUEUE",
    }
    ended = {
        **report,
        "reportScheduleId": "SCHED1",
        "processingStartTime": "2025-03-31T12:00:10Z",
        "processingEndTime": "2025-03-31T12:00:30Z",
        "reportDocumentId": "DOC1",
    }
    for status in ("DONE", "FATAL"):
        assert reports.wire({**ended, "processingStatus": status}) == {
            **reports.wire(report),
            "processingStatus": status,
            "reportScheduleId": "SCHED1",
            "processingStartTime": "2025-03-31T12:00:10Z",
            "processingEndTime": "2025-03-31T12:00:30Z",
            "reportDocumentId": "DOC1",
        }
    for status in ("IN_PROGRESS", "CANCELLED"):
        assert "reportDocumentId" not in reports.wire({**ended, "processingStatus": status})
    assert "reportDocumentId" not in reports.wire({**ended, "processingStatus": "DONE", "reportDocumentId": None})


# -- a schedule --------------------------------------------------------------------------------


def test_a_new_schedule_keeps_amazons_fields_and_starts_active():
    spec = {**SPEC, "period": "PT84H", "nextReportCreationTime": "2025-04-01T00:00:00Z", "reportOptions": {"a": "b"}}
    schedule = reports.new_schedule("S1", "SCHED1", spec, NOW)
    assert schedule == {
        "seller_id": "S1",
        "reportScheduleId": "SCHED1",
        "reportType": "GET_FLAT_FILE_PENDING_ORDERS_DATA",
        "marketplaceIds": ["ATVPDKIKX0DER"],
        "period": "PT84H",
        "nextReportCreationTime": "2025-04-01T00:00:00Z",
        "createdTime": "2025-03-31T12:00:00Z",
        "processingStatus": "ACTIVE",
        "reportOptions": {"a": "b"},
    }
    assert schedule["reportOptions"] is not spec["reportOptions"] and schedule["marketplaceIds"] is not spec["marketplaceIds"]
    plain = reports.new_schedule("S1", "SCHED1", {**SPEC, "period": "P1D"}, NOW)
    assert plain["nextReportCreationTime"] == "2025-03-31T12:00:00Z" and "reportOptions" not in plain
    assert reports.schedule_due_at(plain) == "2025-03-31T12:00:00Z"
    cancelled = reports.cancel_schedule(plain)
    assert cancelled == {**plain, "processingStatus": "CANCELLED"} and plain["processingStatus"] == "ACTIVE"
    assert reports.schedule_due_at(cancelled) is None


def test_a_schedules_period_is_one_of_amazons():
    assert refusal(reports.new_schedule, "S1", "1", {**SPEC, "period": "PT7M"}, NOW) == (
        "Invalid period: 'PT7M' is not one of PT5M, PT15M, PT30M, PT1H, PT2H, PT4H, PT8H, PT12H, P1D, P2D, P3D, PT84H, "
        "P7D, P14D, P15D, P18D, P30D, P1M."
    )


def test_a_schedule_may_start_up_to_five_minutes_ago_and_never_out_of_the_clocks_reach():
    five_ago = {**SPEC, "period": "P1D", "nextReportCreationTime": "2025-03-31T11:55:00Z"}
    assert reports.new_schedule("S1", "1", five_ago, NOW)["nextReportCreationTime"] == "2025-03-31T11:55:00Z"
    too_early = {**five_ago, "nextReportCreationTime": "2025-03-31T11:54:59Z"}
    assert refusal(reports.new_schedule, "S1", "1", too_early, NOW) == (
        "Invalid nextReportCreationTime: 2025-03-31T11:54:59Z is more than 5 minutes before now (2025-03-31T12:00:00Z)."
    )
    never = {**five_ago, "nextReportCreationTime": "3000-01-01T00:00:00Z"}
    assert refusal(reports.new_schedule, "S1", "1", never, NOW) == (
        "Invalid nextReportCreationTime: 3000-01-01T00:00:00Z is outside the mock clock's range, "
        "2000-01-01T00:00:00Z to 2999-12-31T23:59:59Z."
    )
    assert refusal(reports.new_schedule, "S1", "1", {**five_ago, "nextReportCreationTime": "x"}, NOW) == (
        "Invalid nextReportCreationTime: 'x' is not an ISO 8601 date, e.g. 2024-01-15T08:23:11Z."
    )


def test_a_schedule_fires_over_its_last_period_and_moves_on_by_one():
    schedule = reports.new_schedule("S1", "SCHED1", {**SPEC, "period": "P1M", "reportOptions": {"a": "b"}}, NOW)
    spec, moved = reports.fire(schedule)
    # From 31 March the month before starts on 28 February, the month's last day; the next is 30 April.
    assert spec == {
        "reportType": "GET_FLAT_FILE_PENDING_ORDERS_DATA",
        "marketplaceIds": ["ATVPDKIKX0DER"],
        "dataEndTime": "2025-03-31T12:00:00Z",
        "dataStartTime": "2025-02-28T12:00:00Z",
        "reportOptions": {"a": "b"},
    }
    assert moved == {**schedule, "nextReportCreationTime": "2025-04-30T12:00:00Z"}
    assert schedule["nextReportCreationTime"] == "2025-03-31T12:00:00Z"
    spec, moved = reports.fire(reports.new_schedule("S1", "SCHED1", {**SPEC, "period": "PT2H"}, NOW))
    assert (spec["dataStartTime"], spec["dataEndTime"], "reportOptions" in spec) == (
        "2025-03-31T10:00:00Z",
        "2025-03-31T12:00:00Z",
        False,
    )
    assert moved["nextReportCreationTime"] == "2025-03-31T14:00:00Z"


def test_a_schedule_skips_to_its_first_time_at_or_after_a_moment_as_firing_would():
    hourly = reports.new_schedule("S1", "1", {**SPEC, "period": "PT1H"}, NOW)
    assert reports.skip_to(hourly, NOW)["nextReportCreationTime"] == "2025-03-31T12:00:00Z"
    assert reports.skip_to(hourly, NOW - timedelta(days=1))["nextReportCreationTime"] == "2025-03-31T12:00:00Z"
    assert reports.skip_to(hourly, NOW + timedelta(hours=3))["nextReportCreationTime"] == "2025-03-31T15:00:00Z"
    assert reports.skip_to(hourly, NOW + timedelta(hours=3, seconds=1))["nextReportCreationTime"] == "2025-03-31T16:00:00Z"
    assert reports.skip_to(hourly, NOW + timedelta(minutes=1))["nextReportCreationTime"] == "2025-03-31T13:00:00Z"
    monthly = reports.new_schedule("S1", "1", {**SPEC, "period": "P1M"}, datetime(2025, 1, 31, 12, tzinfo=UTC))
    # 31 January, then 28 February, then 28 March: each month from the last.
    assert reports.skip_to(monthly, datetime(2025, 2, 28, 12, tzinfo=UTC))["nextReportCreationTime"] == "2025-02-28T12:00:00Z"
    assert reports.skip_to(monthly, datetime(2025, 3, 1, tzinfo=UTC))["nextReportCreationTime"] == "2025-03-28T12:00:00Z"
    assert reports.skip_to(monthly, datetime(2025, 1, 1, tzinfo=UTC)) == monthly
    daily = reports.new_schedule("S1", "1", {**SPEC, "period": "P1D"}, NOW)
    assert reports.skip_to(daily, NOW + timedelta(days=2, hours=1))["nextReportCreationTime"] == "2025-04-03T12:00:00Z"


def test_a_schedules_wire_form_is_amazons_report_schedule():
    schedule = reports.new_schedule("S1", "SCHED1", {**SPEC, "period": "P1D", "reportOptions": {"a": "b"}}, NOW)
    assert reports.wire_schedule(schedule) == {
        "reportScheduleId": "SCHED1",
        "reportType": "GET_FLAT_FILE_PENDING_ORDERS_DATA",
        "marketplaceIds": ["ATVPDKIKX0DER"],
        "period": "P1D",
        "nextReportCreationTime": "2025-03-31T12:00:00Z",
        "reportOptions": {"a": "b"},
    }
    assert "reportOptions" not in reports.wire_schedule({**schedule, "reportOptions": {}})


@pytest.mark.parametrize(
    ("period", "at", "backwards", "length"),
    [
        ("PT5M", NOW, False, timedelta(minutes=5)),
        ("PT1H", NOW, True, timedelta(hours=1)),
        ("PT12H", NOW, False, timedelta(hours=12)),
        ("P3D", NOW, False, timedelta(days=3)),
        ("P30D", NOW, True, timedelta(days=30)),
        ("PT1H30M", NOW, False, timedelta(minutes=90)),
        # A month is a calendar month: the same day, or the month's last when it is shorter.
        ("P1M", datetime(2025, 1, 15, tzinfo=UTC), False, timedelta(days=31)),
        ("P1M", datetime(2025, 1, 31, tzinfo=UTC), False, timedelta(days=28)),
        ("P1M", datetime(2024, 1, 31, tzinfo=UTC), False, timedelta(days=29)),
        ("P1M", datetime(2025, 3, 31, tzinfo=UTC), True, timedelta(days=31)),
        ("P1M", datetime(2024, 3, 30, tzinfo=UTC), True, timedelta(days=30)),
        ("P1M", datetime(2025, 12, 15, tzinfo=UTC), False, timedelta(days=31)),
        ("P1M", datetime(2025, 1, 15, tzinfo=UTC), True, timedelta(days=31)),
        ("P1M", datetime(2025, 11, 30, tzinfo=UTC), False, timedelta(days=30)),
        ("P2M", datetime(2025, 1, 31, tzinfo=UTC), False, timedelta(days=59)),
        ("P2M", datetime(2025, 1, 31, tzinfo=UTC), True, timedelta(days=62)),
        ("P13M", datetime(2025, 1, 1, tzinfo=UTC), False, timedelta(days=396)),
    ],
)
def test_a_periods_length_from_a_moment(period, at, backwards, length):
    assert reports.period_length(period, at, backwards=backwards) == length


def test_a_period_amazon_does_not_write_is_refused():
    for period in ("P1Y", "P", "1D", "P1DT1H", "p1d"):
        assert refusal(reports.period_length, period, NOW) == f"Invalid period: {period!r}."


def test_a_monthly_schedule_skips_month_by_month_from_its_own_day():
    monthly = reports.new_schedule("S1", "1", {**SPEC, "period": "P1M"}, datetime(2025, 1, 31, 12, tzinfo=UTC))
    # 31 January, 28 February, 28 March, 28 April: never 28 days at a time (that would be 25 April).
    assert reports.skip_to(monthly, datetime(2025, 4, 1, tzinfo=UTC))["nextReportCreationTime"] == "2025-04-28T12:00:00Z"


def test_a_fixed_period_schedule_skips_any_distance_in_one_step(monkeypatch):
    """A clock moved years ahead must not walk a five-minute schedule one period at a time
    (a clock move under PT1H was quadratic before): one period length, however far."""
    lengths = []
    length = reports.period_length

    def counted(*args, **kwargs):
        lengths.append(args)
        return length(*args, **kwargs)

    monkeypatch.setattr(reports, "period_length", counted)
    every_five = reports.new_schedule("S1", "1", {**SPEC, "period": "PT5M"}, NOW)
    moved = reports.skip_to(every_five, NOW + timedelta(days=3650, minutes=1))
    assert moved["nextReportCreationTime"] == "2035-03-29T12:05:00Z"
    assert len(lengths) == 1
