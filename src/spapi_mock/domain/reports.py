"""A report's life on the mock clock, and a report schedule's.

A report moves as every job does (``domain/jobs.py``), and ends DONE with a document (or FATAL,
or CANCELLED while still queued); the report's contents are taken from the store when it is produced. A
schedule creates a report of its type each time the clock reaches its ``nextReportCreationTime``,
then moves that time on by its period.

Which report types the mock produces, and which Amazon lets a seller request or only schedule,
is ``reports/formats.py``'s business; these rules only check the request's dates and period.
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta

from spapi_mock.domain.exceptions import RuleViolation
from spapi_mock.domain.jobs import RETENTION, JobStatus, ProcessingTiming
from spapi_mock.kernel.dates import check_mock_time, parse_iso, to_wire

# A date-range report without dataStartTime covers this much before its dataEndTime (the mock's
# reading: Amazon's model says the default is now, which would select nothing).
DEFAULT_RANGE = timedelta(days=30)
ACTIVE = "ACTIVE"
CLOCK_SKEW = timedelta(minutes=5)
PERIODS = (
    "PT5M",
    "PT15M",
    "PT30M",
    "PT1H",
    "PT2H",
    "PT4H",
    "PT8H",
    "PT12H",
    "P1D",
    "P2D",
    "P3D",
    "PT84H",
    "P7D",
    "P14D",
    "P15D",
    "P18D",
    "P30D",
    "P1M",
)
_PERIOD = re.compile(r"^P(?:(\d+)M|(\d+)D|T(?:(\d+)H)?(?:(\d+)M)?)$")


def new_report(
    seller_id: str, report_id: str, spec: dict, now: datetime, timing: ProcessingTiming, schedule_id: str | None = None
) -> dict:
    """The stored report createReport (or a schedule) makes."""
    end = _date(spec, "dataEndTime", now)
    start = _date(spec, "dataStartTime", end - DEFAULT_RANGE)
    if end > now:
        raise RuleViolation(f"Invalid dataEndTime: {to_wire(end)} is after now ({to_wire(now)}).")
    if start > end:
        raise RuleViolation(f"Invalid dataStartTime: {to_wire(start)} is after dataEndTime {to_wire(end)}.")
    starts = now + timing.queued
    report = {
        "seller_id": seller_id,
        "reportId": report_id,
        "reportType": spec["reportType"],
        "marketplaceIds": list(spec["marketplaceIds"]),
        "dataStartTime": to_wire(start),
        "dataEndTime": to_wire(end),
        "createdTime": to_wire(now),
        "processingStatus": JobStatus.IN_QUEUE.value,
        "starts_at": to_wire(starts),
        "ends_at": to_wire(starts + timing.processing),
        "processed": False,
        # Amazon: "Reports are retained for a maximum of 90 days" (getReports' createdSince); the
        # clock removes the report, and its document, then.
        "expires_at": to_wire(now + RETENTION),
    }
    if spec.get("reportOptions"):
        report["reportOptions"] = dict(spec["reportOptions"])
    if schedule_id:
        report["reportScheduleId"] = schedule_id
    return report


def failed_report(seller_id: str, report_id: str, schedule: dict, now: datetime, timing: ProcessingTiming, why: str) -> dict:
    """The report of a schedule that could not fire: it runs as any report and ends FATAL, its
    document saying why (built from nothing but the schedule's own fields and the clock)."""
    spec = {"reportType": schedule["reportType"], "marketplaceIds": schedule["marketplaceIds"], "dataEndTime": to_wire(now)}
    report = new_report(seller_id, report_id, {**spec, "dataStartTime": to_wire(now)}, now, timing, schedule["reportScheduleId"])
    return dict(report, failure=f"The report schedule {schedule['reportScheduleId']} could not create this report ({why}).")


def cancel(report: dict, now: datetime) -> dict:
    if report["processingStatus"] != JobStatus.IN_QUEUE:
        raise RuleViolation(
            f"Report {report['reportId']} cannot be cancelled: it is {report['processingStatus']}, and only a report that is "
            "IN_QUEUE can be."
        )
    return dict(report, processingStatus=JobStatus.CANCELLED.value)


def produced(report: dict, document_id: str, fatal: bool) -> dict:
    return dict(report, processed=True, fatal=fatal, reportDocumentId=document_id)


def found_no_data(report: dict) -> dict:
    """Produced, with nothing to report: it ends CANCELLED, with no document (Amazon's
    processingStatus CANCELLED: "an automatic cancellation if there is no data to return")."""
    return dict(report, processed=True, fatal=False, no_data=True)


def wire(report: dict) -> dict:
    """Amazon's Report."""
    out = {name: report[name] for name in ("reportId", "reportType", "marketplaceIds", "dataStartTime", "dataEndTime")}
    out["createdTime"] = report["createdTime"]
    out["processingStatus"] = report["processingStatus"]
    for name in ("reportScheduleId", "processingStartTime", "processingEndTime"):
        if report.get(name):
            out[name] = report[name]
    if report["processingStatus"] in (JobStatus.DONE, JobStatus.FATAL) and report.get("reportDocumentId"):
        out["reportDocumentId"] = report["reportDocumentId"]
    return out


# -- schedules -----------------------------------------------------------------------------------


def new_schedule(seller_id: str, schedule_id: str, spec: dict, now: datetime) -> dict:
    period = spec["period"]
    if period not in PERIODS:
        raise RuleViolation(f"Invalid period: {period!r} is not one of {', '.join(PERIODS)}.")
    first = _date(spec, "nextReportCreationTime", now)
    # A client's "now" is a little behind the server's: a time slightly past creates a report at once.
    try:
        check_mock_time(first)  # a time the mock clock can never reach would never create a report
    except ValueError as exc:
        raise RuleViolation(f"Invalid nextReportCreationTime: {exc}.") from None
    if first < now - CLOCK_SKEW:
        raise RuleViolation(
            f"Invalid nextReportCreationTime: {to_wire(first)} is more than 5 minutes before now ({to_wire(now)})."
        )
    schedule = {
        "seller_id": seller_id,
        "reportScheduleId": schedule_id,
        "reportType": spec["reportType"],
        "marketplaceIds": list(spec["marketplaceIds"]),
        "period": period,
        "nextReportCreationTime": to_wire(first),
        "createdTime": to_wire(now),
        "processingStatus": ACTIVE,
    }
    if spec.get("reportOptions"):
        schedule["reportOptions"] = dict(spec["reportOptions"])
    return schedule


def schedule_due_at(schedule: dict) -> str | None:
    return schedule["nextReportCreationTime"] if schedule["processingStatus"] == ACTIVE else None


def fire(schedule: dict) -> tuple[dict, dict]:
    """(the request of the report the schedule creates now, the schedule moved to its next time)."""
    at = parse_iso(schedule["nextReportCreationTime"])
    spec = {"reportType": schedule["reportType"], "marketplaceIds": schedule["marketplaceIds"], "dataEndTime": to_wire(at)}
    spec["dataStartTime"] = to_wire(at - period_length(schedule["period"], at, backwards=True))
    if schedule.get("reportOptions"):
        spec["reportOptions"] = schedule["reportOptions"]
    new = dict(schedule, nextReportCreationTime=to_wire(at + period_length(schedule["period"], at)))
    return spec, new


def skip_to(schedule: dict, earliest: datetime) -> dict:
    """The schedule moved on to its first creation time at or after ``earliest``, creating
    nothing on the way: the same times ``fire`` would have reached, in one step for a fixed
    period (a month at a time for P1M)."""
    at = parse_iso(schedule["nextReportCreationTime"])
    period = schedule["period"]
    if at < earliest and "M" in period.split("T")[0]:
        while at < earliest:
            at += period_length(period, at)
    elif at < earliest:
        step = period_length(period, at)
        at += step * -((at - earliest) // step)
    return dict(schedule, nextReportCreationTime=to_wire(at))


def cancel_schedule(schedule: dict) -> dict:
    return dict(schedule, processingStatus="CANCELLED")


def wire_schedule(schedule: dict) -> dict:
    """Amazon's ReportSchedule."""
    out = {
        name: schedule[name] for name in ("reportScheduleId", "reportType", "marketplaceIds", "period", "nextReportCreationTime")
    }
    if schedule.get("reportOptions"):
        out["reportOptions"] = schedule["reportOptions"]
    return out


def period_length(period: str, at: datetime, backwards: bool = False) -> timedelta:
    """The length of an ISO 8601 period from ``at`` (a month is a calendar month)."""
    match = _PERIOD.match(period)
    if match is None:
        raise RuleViolation(f"Invalid period: {period!r}.")
    months, days, hours, minutes = (int(part) if part else 0 for part in match.groups())
    if months:
        # The same day of the month before or after, or that month's last day if it is shorter.
        year, month = divmod(at.month - 1 + (-months if backwards else months), 12)
        year, month = at.year + year, month + 1
        return abs(at.replace(year=year, month=month, day=min(at.day, calendar.monthrange(year, month)[1])) - at)
    return timedelta(days=days, hours=hours, minutes=minutes)


def _date(spec: dict, name: str, default: datetime) -> datetime:
    value = spec.get(name)
    if not value:
        return default
    try:
        return parse_iso(value)
    except ValueError as exc:
        raise RuleViolation(f"Invalid {name}: {exc}.") from None
