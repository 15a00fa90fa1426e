"""A feed's life on the mock clock, and what a seller may do to it.

A feed moves as every job does (``domain/jobs.py``): queued, in progress, then DONE or FATAL.

A feed document is the stored feed: Amazon's Feed fields, plus what the mock needs to run it
(when it starts and ends, how far processing got, the outcome of each message so far).
"""

from __future__ import annotations

import copy
from datetime import datetime

from spapi_mock.domain.exceptions import RuleViolation
from spapi_mock.domain.jobs import JobStatus, ProcessingTiming
from spapi_mock.kernel.dates import to_wire


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
        "processingStatus": JobStatus.IN_QUEUE.value,
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


def cancel(feed: dict, now: datetime) -> dict:
    """cancelFeed: only a feed still in the queue can be cancelled."""
    if feed["processingStatus"] != JobStatus.IN_QUEUE:
        raise RuleViolation(
            f"Feed {feed['feedId']} cannot be cancelled: it is {feed['processingStatus']}, and only a feed that is "
            "IN_QUEUE can be."
        )
    new = copy.deepcopy(feed)
    new["processingStatus"] = JobStatus.CANCELLED.value
    new["cancelled_at"] = to_wire(now)
    return new


def record(feed: dict, next_message: int, results: list[dict], successful: int) -> dict:
    """Progress: messages up to ``next_message`` applied, with these outcomes."""
    new = copy.copy(feed)
    new["next_message"] = next_message
    new["results"] = feed["results"] + results
    summary = dict(feed["summary"])
    summary["processed"] = next_message
    summary["successful"] += successful
    # Amazon counts messages with an error or a warning, not results: one message may warn twice.
    summary["errors"] += len({result["message"] for result in results if result["code"] == "Error"})
    summary["warnings"] += len({result["message"] for result in results if result["code"] == "Warning"})
    new["summary"] = summary
    return new


def processed(feed: dict, result_document_id: str, fatal: bool) -> dict:
    """Every message applied (or the document refused whole): the feed ends when its time comes."""
    new = copy.copy(feed)
    new["processed"] = True
    new["fatal"] = fatal
    new["resultFeedDocumentId"] = result_document_id
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
    if feed["processingStatus"] in (JobStatus.DONE, JobStatus.FATAL) and feed.get("resultFeedDocumentId"):
        out["resultFeedDocumentId"] = feed["resultFeedDocumentId"]
    return out
