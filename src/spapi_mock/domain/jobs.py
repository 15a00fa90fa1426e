"""The life of a job on the mock clock: feeds and reports alike.

Amazon queues a feed or a report, processes it, and ends it DONE (a feed's processing report says
each message's outcome; a report has its document) or FATAL (it could not be processed at all); a
job still queued can be cancelled. The mock does the same on its clock: a job waits
``ProcessingTiming.queued`` before it starts, and takes at least ``ProcessingTiming.processing``
to finish, so a client polling getFeed or getReport sees IN_QUEUE, then IN_PROGRESS, then DONE,
as it would at Amazon. The work itself (applying a feed's messages, producing a report) happens
off the serving path between the start and the end, and marks the job ``processed``.

Every job document carries ``processingStatus``, ``createdTime``, ``starts_at``, ``ends_at``
and, once worked on, ``processed`` and ``fatal``; ``domain/feeds.py`` and ``domain/reports.py``
add what each kind holds besides.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from spapi_mock.domain.exceptions import RuleViolation
from spapi_mock.kernel.dates import parse_iso, to_wire


# Amazon's Feeds and Reports models each declare this enum, with the same five values.
class JobStatus(StrEnum):
    IN_QUEUE = "IN_QUEUE"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"
    FATAL = "FATAL"
    CANCELLED = "CANCELLED"


ENDED = (JobStatus.DONE, JobStatus.FATAL, JobStatus.CANCELLED)
# Amazon keeps feeds and reports, and lists them (getFeeds, getReports), for 90 days.
RETENTION = timedelta(days=90)


@dataclass(frozen=True)
class ProcessingTiming:
    """How long a job waits in the queue, and the least time its processing takes."""

    queued: timedelta = timedelta(seconds=2)
    processing: timedelta = timedelta(seconds=3)

    def __post_init__(self) -> None:
        for name in ("queued", "processing"):
            value = getattr(self, name)
            if not timedelta(0) <= value <= timedelta(days=1):
                raise ValueError(f"{name} time must be between 0 and 1 day, not {value}")


def due_at(job: dict) -> str | None:
    """When the clock next moves this job on by itself: a queued feed starts, a processed one
    ends, an ended one that expires goes. None when nothing will happen to it without
    processing (or ever again)."""
    status = job["processingStatus"]
    if status == JobStatus.IN_QUEUE:
        return job["starts_at"]
    if status == JobStatus.IN_PROGRESS and job.get("processed"):
        return job["ends_at"]
    if status in ENDED:
        return job.get("expires_at")  # a job kept for a limited time (a report) goes then
    return None


def is_running(job: dict | None) -> bool:
    """Started, and its work (a feed's messages, a report's document) not yet done."""
    return job is not None and job["processingStatus"] == JobStatus.IN_PROGRESS and not job.get("processed")


def start(job: dict, at: datetime) -> dict:
    """Processing begins (at its scheduled start, or now if it is processed ahead of time)."""
    new = copy.deepcopy(job)
    new["processingStatus"] = JobStatus.IN_PROGRESS.value
    new["processingStartTime"] = to_wire(at)
    if parse_iso(new["ends_at"]) < at:
        new["ends_at"] = to_wire(at)
    return new


def finish(job: dict, at: datetime) -> dict:
    """The job ends DONE, or FATAL if its document could not be processed or produced at all, or
    CANCELLED if it found no data (a report of a type Amazon cancels when empty)."""
    new = copy.copy(job)
    status = JobStatus.CANCELLED if job.get("no_data") else JobStatus.FATAL if job.get("fatal") else JobStatus.DONE
    new["processingStatus"] = status.value
    new["processingEndTime"] = to_wire(max(at, parse_iso(job["processingStartTime"])))
    return new


def created_window(now: datetime, since: str | None, until: str | None, kind: str) -> tuple[str, str]:
    """getFeeds' or getReports' createdSince/createdUntil, defaulted and checked as Amazon's
    models say (``kind``: "feeds" or "reports", for the message)."""
    start = _date("createdSince", since) if since else now - RETENTION
    end = _date("createdUntil", until) if until else now
    if start < now - RETENTION:
        raise RuleViolation(
            f"Invalid createdSince: {to_wire(start)} is more than 90 days before now ({to_wire(now)}); "
            f"{kind} are kept for 90 days."
        )
    if end < start:
        raise RuleViolation(f"Invalid createdUntil: {to_wire(end)} is before createdSince {to_wire(start)}.")
    return to_wire(start), to_wire(end)


def _date(name: str, value: str) -> datetime:
    try:
        return parse_iso(value)
    except ValueError as exc:
        raise RuleViolation(f"Invalid {name}: {exc}.") from None
