"""A feed's life on the mock clock, and what a seller may do to it.

Amazon queues a feed, processes it, and ends it DONE (read the processing report for each
message's outcome) or FATAL (the document could not be processed at all); a feed still queued can
be cancelled. The mock does the same on its clock: a feed waits ``ProcessingTiming.queued`` before it
starts, and takes at least ``ProcessingTiming.processing`` to finish, so a client polling getFeed sees
IN_QUEUE, then IN_PROGRESS, then DONE, as it would at Amazon.

A feed document is the stored feed: Amazon's Feed fields, plus what the mock needs to run it
(when it starts and ends, how far processing got, the outcome of each message so far).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from spapi_mock.domain.exceptions import RuleViolation
from spapi_mock.kernel.dates import parse_iso, to_wire


class FeedStatus(StrEnum):
    IN_QUEUE = "IN_QUEUE"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"
    FATAL = "FATAL"
    CANCELLED = "CANCELLED"


ENDED = (FeedStatus.DONE, FeedStatus.FATAL, FeedStatus.CANCELLED)
# Amazon keeps feeds and reports, and lists them (getFeeds, getReports), for 90 days.
RETENTION = timedelta(days=90)


@dataclass(frozen=True)
class ProcessingTiming:
    """How long a feed waits in the queue, and the least time its processing takes."""

    queued: timedelta = timedelta(seconds=2)
    processing: timedelta = timedelta(seconds=3)

    def __post_init__(self) -> None:
        for name in ("queued", "processing"):
            value = getattr(self, name)
            if not timedelta(0) <= value <= timedelta(days=1):
                raise ValueError(f"feed {name} time must be between 0 and 1 day, not {value}")


def new_feed(
    seller_id: str,
    feed_id: str,
    spec: dict,
    now: datetime,
    timing: ProcessingTiming,
) -> dict:
    """The stored feed createFeed makes of its request body."""
    starts = now + timing.queued
    feed = {
        "seller_id": seller_id,
        "feedId": feed_id,
        "feedType": spec["feedType"],
        "marketplaceIds": list(spec["marketplaceIds"]),
        "createdTime": to_wire(now),
        "processingStatus": FeedStatus.IN_QUEUE.value,
        "inputFeedDocumentId": spec["inputFeedDocumentId"],
        "starts_at": to_wire(starts),
        "ends_at": to_wire(starts + timing.processing),
        # Processing: the next message to apply, and the outcome of those applied so far.
        "next_message": 0,
        "processed": False,
        "results": [],
        "summary": {"processed": 0, "successful": 0, "errors": 0, "warnings": 0},
    }
    if spec.get("feedOptions"):
        feed["feedOptions"] = dict(spec["feedOptions"])
    return feed


def due_at(feed: dict) -> str | None:
    """When the clock next moves this feed on by itself: a queued feed starts, a processed one
    ends. None when nothing will happen to it without processing (or ever again)."""
    status = feed["processingStatus"]
    if status == FeedStatus.IN_QUEUE:
        return feed["starts_at"]
    if status == FeedStatus.IN_PROGRESS and feed.get("processed"):
        return feed["ends_at"]
    return None


def cancel(feed: dict, now: datetime) -> dict:
    """cancelFeed: only a feed still in the queue can be cancelled."""
    if feed["processingStatus"] != FeedStatus.IN_QUEUE:
        raise RuleViolation(
            f"Feed {feed['feedId']} cannot be cancelled: it is {feed['processingStatus']}, and only a feed that is "
            "IN_QUEUE can be."
        )
    new = copy.deepcopy(feed)
    new["processingStatus"] = FeedStatus.CANCELLED.value
    new["cancelled_at"] = to_wire(now)
    return new


def start(feed: dict, at: datetime) -> dict:
    """Processing begins (at its scheduled start, or now if it is processed ahead of time)."""
    new = copy.deepcopy(feed)
    new["processingStatus"] = FeedStatus.IN_PROGRESS.value
    new["processingStartTime"] = to_wire(at)
    if parse_iso(new["ends_at"]) < at:
        new["ends_at"] = to_wire(at)
    return new


def record(feed: dict, next_message: int, results: list[dict], successful: int) -> dict:
    """Progress: messages up to ``next_message`` applied, with these outcomes."""
    new = copy.copy(feed)
    new["next_message"] = next_message
    new["results"] = feed["results"] + results
    summary = dict(feed["summary"])
    summary["processed"] = next_message
    summary["successful"] += successful
    summary["errors"] += sum(1 for result in results if result["code"] == "Error")
    summary["warnings"] += sum(1 for result in results if result["code"] == "Warning")
    new["summary"] = summary
    return new


def processed(feed: dict, result_document_id: str, fatal: bool) -> dict:
    """Every message applied (or the document refused whole): the feed ends when its time comes."""
    new = copy.copy(feed)
    new["processed"] = True
    new["fatal"] = fatal
    new["resultFeedDocumentId"] = result_document_id
    return new


def finish(feed: dict, at: datetime) -> dict:
    """The feed ends DONE, or FATAL if its document could not be processed at all."""
    new = copy.copy(feed)
    new["processingStatus"] = (FeedStatus.FATAL if feed.get("fatal") else FeedStatus.DONE).value
    new["processingEndTime"] = to_wire(max(at, parse_iso(feed["processingStartTime"])))
    return new


def wire(feed: dict) -> dict:
    """Amazon's Feed."""
    out = {
        "feedId": feed["feedId"],
        "feedType": feed["feedType"],
        "marketplaceIds": feed["marketplaceIds"],
        "createdTime": feed["createdTime"],
        "processingStatus": feed["processingStatus"],
    }
    for name in ("processingStartTime", "processingEndTime"):
        if feed.get(name):
            out[name] = feed[name]
    if feed["processingStatus"] in (FeedStatus.DONE, FeedStatus.FATAL) and feed.get("resultFeedDocumentId"):
        out["resultFeedDocumentId"] = feed["resultFeedDocumentId"]
    return out


def created_window(now: datetime, since: str | None, until: str | None, kind: str) -> tuple[str, str]:
    """getFeeds' or getReports' createdSince/createdUntil, defaulted and checked as Amazon's
    models say (``kind``: "feeds" or "reports", for the message)."""
    try:
        start = parse_iso(since) if since else now - RETENTION
        end = parse_iso(until) if until else now
    except ValueError as exc:
        raise RuleViolation(f"Invalid createdSince/createdUntil: {exc}.") from None
    if start < now - RETENTION:
        raise RuleViolation(
            f"Invalid createdSince: {to_wire(start)} is more than 90 days before now ({to_wire(now)}); "
            f"{kind} are kept for 90 days."
        )
    if end < start:
        raise RuleViolation(f"Invalid createdUntil: {to_wire(end)} is before createdSince {to_wire(start)}.")
    return to_wire(start), to_wire(end)
