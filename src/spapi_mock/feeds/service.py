"""The Feeds API's backend: feed documents, feeds, and the runner that processes them.

Documents and feeds are store documents of their own kinds, per seller. A feed's status moves on
the mock clock through the backend's transactions (``Transaction.settle`` starts a queued feed
and ends a processed one); once a feed starts, the runner applies its messages in a thread of its
own, a chunk of messages per transaction, so the server keeps answering while a large feed runs,
and the feed records how far it got with each chunk, so a restart resumes it without applying a
message twice. ``process_now`` runs a seller's queued feeds to the end at once, for tests whose
clock is frozen.

A document's contents are a file (``store/contents``), its record names it. createFeed fixes
the document its feed reads: the record then lists the feed, and its upload URL refuses new
contents (``document_urls`` says why), so getFeedDocument always shows what the feed processed.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO, NamedTuple

from spapi_mock.domain import feeds, jobs, marketplaces
from spapi_mock.domain.exceptions import RuleViolation, Unknown
from spapi_mock.domain.jobs import ProcessingTiming, is_running
from spapi_mock.feeds import formats, processing, results
from spapi_mock.kernel.dates import parse_iso, to_wire
from spapi_mock.kernel.turns import taking_turns
from spapi_mock.marketplace.backend import Backend
from spapi_mock.marketplace.document_urls import DocumentUrls
from spapi_mock.marketplace.job_runner import JobRunner, resume_unfinished, run_now
from spapi_mock.store.contents import ContentWriter
from spapi_mock.store.indexes import FeedDocumentIndex, FeedIndex

DOCUMENTS = FeedDocumentIndex.table
# Messages applied per transaction: few enough that the write of a chunk (which holds the GIL: about
# 6 ms for 100 acknowledgements) keeps the server's threads waiting little, enough that the feed is
# not one durable write (an fsync) per message.
CHUNK = 50


class DocumentRequest(NamedTuple):
    """One createFeedDocument, checked and given its id (``Feeds.document_request``)."""

    seller_id: str
    document_id: str
    content_type: str
    base_url: str


class UnknownFeed(Unknown):
    def __init__(self, feed_id: str) -> None:
        super().__init__(f"Feed {feed_id} not found.")


class UnknownFeedDocument(Unknown):
    def __init__(self, document_id: str) -> None:
        super().__init__(f"Feed document {document_id} not found.")


class Feeds:
    def __init__(self, backend: Backend, timing: ProcessingTiming | None = None, url_secret: bytes | None = None) -> None:
        self.backend = backend
        self.timing = timing or ProcessingTiming()
        self.urls = DocumentUrls("feeds", backend.clock, url_secret)
        self._runner = JobRunner("feed", self._process, self._fail)
        self.submit, self.run = self._runner.submit, self._runner.run

    def start(self) -> None:
        """A feed that started before a restart and was not finished goes on where it stopped."""
        resume_unfinished(self.backend, FeedIndex.table, self._runner)

    # -- documents -----------------------------------------------------------------------------

    def create_document(self, seller_id: str, content_type: str, base_url: str) -> dict:
        """createFeedDocument: a document to upload to, and its presigned PUT URL."""
        return self.create_documents([self.document_request(seller_id, content_type, base_url)])[0]

    def document_request(self, seller_id: str, content_type: str, base_url: str) -> DocumentRequest:
        """A createFeedDocument checked (RuleViolation if it cannot be made) and given its id,
        not yet written."""
        if not content_type.strip():
            raise RuleViolation("Invalid contentType: give the content type of the feed, e.g. text/xml; charset=UTF-8.")
        return DocumentRequest(seller_id, _document_id(), content_type, base_url)

    def create_documents(self, requests: Sequence[DocumentRequest]) -> list[dict]:
        """The records of several createFeedDocuments in one durable store write (with --db,
        one fsync for all: requests that arrive together wait for one disk write, not for a
        queue of them), and their answers in the same order."""
        self.backend.keep_all(
            DOCUMENTS,
            [lambda now, r=r: _document_record(r.seller_id, r.document_id, r.content_type, now, "input") for r in requests],
        )
        return [
            {
                "feedDocumentId": r.document_id,
                "url": self.urls.presign(r.base_url, r.seller_id, r.document_id, "PUT", r.content_type),
            }
            for r in requests
        ]

    def document(self, seller_id: str, document_id: str, base_url: str, content_encoding_header: bool = False) -> dict:
        """getFeedDocument: where to download a document (an upload, or a processing report).
        A GZIP document's URL answers with ``Content-Encoding: gzip`` if the client asked for it
        (``enableContentEncodingUrlHeader``); the mock's own documents are never compressed."""
        doc = self._document(seller_id, document_id)
        gzipped = doc.get("compressionAlgorithm") == "GZIP"
        encoding = "gzip" if gzipped and content_encoding_header else ""
        answer = {
            "feedDocumentId": document_id,
            "url": self.urls.presign(base_url, seller_id, document_id, "GET", encoding=encoding),
        }
        if gzipped:
            answer["compressionAlgorithm"] = "GZIP"
        return answer

    def check_upload(self, seller_id: str, document_id: str) -> None:
        """Whether a PUT to the document's presigned URL (already checked) may give its contents."""
        _check_uploadable(self._document(seller_id, document_id))

    def new_contents(self) -> ContentWriter:
        """A file to receive a document's contents as they arrive (``upload`` keeps it)."""
        return self.backend.store.contents.writer()

    def upload(self, seller_id: str, document_id: str, content_type: str, contents: ContentWriter) -> None:
        """The PUT to a presigned URL (already checked): the document's contents, received into
        ``contents``. Refused once a feed was created from the document (see ``create_feed``)."""
        file = contents.finish()
        with self.backend.transaction(seller_id) as tx:
            doc = tx.stored.feed_documents.get(seller_id, document_id)
            if doc is None:
                raise UnknownFeedDocument(document_id)
            _check_uploadable(doc)
            tx.keep(DOCUMENTS, {**doc, "file": file, "size": contents.size, "uploadedTime": to_wire(tx.now)})

    def open_contents(self, seller_id: str, document_id: str) -> tuple[BinaryIO, int, str] | None:
        """(the contents, opened; their size; their content type), or None if nothing was
        uploaded yet."""
        store = self.backend.reading()
        return store.open_contents(store.feed_documents.get(seller_id, document_id))

    # -- feeds ---------------------------------------------------------------------------------

    def create_feed(self, seller_id: str, spec: dict) -> dict:
        """createFeed: the feed is queued; processing starts when the clock says."""
        marketplaces.require_known(spec["marketplaceIds"])
        if not spec["feedType"].strip():
            raise RuleViolation("Invalid feedType: give the feed's type, e.g. POST_ORDER_ACKNOWLEDGEMENT_DATA.")
        document_id = spec["inputFeedDocumentId"]
        with self.backend.transaction(seller_id) as tx:
            doc = tx.stored.feed_documents.get(seller_id, document_id)
            if doc is None or doc.get("purpose") != "input":
                raise RuleViolation(
                    f"Invalid inputFeedDocumentId: {document_id} is not a document createFeedDocument gave this seller."
                )
            if "file" not in doc:
                raise RuleViolation(
                    f"Invalid inputFeedDocumentId: nothing was uploaded to document {document_id}; "
                    "PUT its contents to its url first."
                )
            feed_id = tx.next_id(FeedIndex.table)
            tx.put_feed(feeds.new_feed(seller_id, feed_id, spec, tx.now, self.timing))
            # The feed reads the document as it is now: its upload URL takes no new contents.
            tx.keep(DOCUMENTS, {**doc, "feedIds": [*doc.get("feedIds", []), feed_id]})
        return {"feedId": feed_id}

    def feed(self, seller_id: str, feed_id: str) -> dict:
        feed = self.backend.reading().feeds.get(seller_id, feed_id)
        if feed is None:
            raise UnknownFeed(feed_id)
        return feed

    def cancel_feed(self, seller_id: str, feed_id: str) -> None:
        with self.backend.transaction(seller_id) as tx:
            feed = tx.feed(seller_id, feed_id)
            if feed is None:
                raise UnknownFeed(feed_id)
            tx.put_feed(feeds.cancel(feed, tx.now))

    def find_feeds(self, seller_id: str, query: dict, after: list | None, size: int) -> tuple[list[dict], list | None]:
        """A page of the seller's feeds, newest first, that match getFeeds' filters; and the
        (createdTime, feed id) of its last one if more follow."""
        return self.backend.reading().feeds.find(seller_id, query.get("feedTypes"), query, after, size)

    def process_now(self, seller_id: str | None = None) -> list[dict]:
        """Run every queued or unfinished feed (of one seller, or of all) to its end now."""
        return run_now(self.backend, FeedIndex.table, self._runner, seller_id)

    # -- processing ----------------------------------------------------------------------------

    def _process(self, key: tuple[str, str]) -> None:
        seller_id, feed_id = key
        store = self.backend.reading()
        feed = store.feeds.get(seller_id, feed_id)
        if not is_running(feed):
            return
        document = store.feed_documents.get(seller_id, feed["inputFeedDocumentId"])
        reading = read_feed(feed, lambda: store.read_contents(document), document["size"])
        while reading.messages is not None and feed["next_message"] < len(reading.messages):
            with self.backend.transaction(seller_id) as tx:
                feed = tx.feed(seller_id, feed_id)
                if not is_running(feed):
                    return  # the seller was reset meanwhile
                feed = apply_messages(tx, feed, reading.messages, CHUNK)
            # Each chunk leaves index entries and keys behind as it frees the ones they replace,
            # which keeps the collector's count of new objects low: it let them pile up for
            # dozens of chunks and then walked them all at once, holding the GIL 4-6 ms (a
            # getOrder's p99 while a feed ran). Collected a chunk at a time, each walk is short.
            gc.collect(0)
        with self.backend.transaction(seller_id) as tx:
            feed = tx.feed(seller_id, feed_id)
            if is_running(feed):
                conclude(tx, feed, reading)

    def _fail(self, key: tuple[str, str], why: str) -> None:
        """Processing raised (its transaction rolled back): the feed ends FATAL, its processing
        report saying why, and the seller's next feeds go on."""
        seller_id, feed_id = key
        with self.backend.transaction(seller_id) as tx:
            feed = tx.feed(seller_id, feed_id)
            if is_running(feed):
                conclude(tx, processing.failed(feed, why), FeedReading(None, None, fatal=True))

    # -- internals -----------------------------------------------------------------------------

    def _document(self, seller_id: str, document_id: str) -> dict:
        doc = self.backend.reading().feed_documents.get(seller_id, document_id)
        if doc is None:
            raise UnknownFeedDocument(document_id)
        return doc


# -- processing, in a transaction (the runner's, or a scenario's) --------------------------------


@dataclass
class FeedReading:
    """A feed's document as processing reads it: its messages (None if it is refused whole or not
    an order feed), or the result that says why not."""

    messages: list | None
    merchant: str | None
    refusal: dict | None = None  # the one result of a document refused whole, or not modelled
    fatal: bool = False


def read_feed(feed: dict, content: Callable[[], bytes], size: int) -> FeedReading:
    """The feed's document (``content`` reads it, ``size`` bytes), as processing reads it: a
    document of a feed type not modelled is never read."""
    feed_type = feed["feedType"]
    if not formats.is_order_feed(feed_type):
        received = (
            f"spapi-mock received this {feed_type} feed ({size} bytes) but does not model this feed type: nothing was changed."
        )
        return FeedReading(None, None, _result("Warning", processing.IGNORED, received))
    parsed = formats.parse(feed_type, content())
    if parsed.fatal:
        return FeedReading(None, parsed.merchant, _result("Error", parsed.fatal_code, parsed.fatal), fatal=True)
    return FeedReading(parsed.messages, parsed.merchant)


def apply_messages(tx, feed: dict, messages: list, limit: int | None = None) -> dict:
    """Apply the feed's next messages (up to ``limit``) in the transaction; the feed as it
    records them (kept in the transaction too)."""
    start = feed["next_message"]
    chunk = messages[start : start + limit] if limit else messages[start:]
    results: list[dict] = []
    failed = 0
    # The server's threads get a turn before each message rather than after the interpreter's
    # switch interval (5 ms, a getOrder's p50 while a feed ran).
    for message in taking_turns(chunk):
        outcome = processing.apply(tx, message, feed)
        results += outcome
        failed += any(result["code"] == "Error" for result in outcome)
    return tx.put_feed(feeds.record(feed, start + len(chunk), results, len(chunk) - failed))


def conclude(tx, feed: dict, reading: FeedReading) -> dict:
    """Write the feed's processing report; the feed ends now if its processing time is up."""
    seller_id = feed["seller_id"]
    if reading.refusal is not None:
        errors = 1 if reading.fatal else 0
        summary = {"processed": 0, "successful": 0, "errors": errors, "warnings": 1 - errors}
        feed = dict(feed, results=[reading.refusal], summary=summary)
    if formats.is_flat(feed["feedType"]):
        body, content_type = results.flat_report(feed["summary"], feed["results"]), results.FLAT_CONTENT_TYPE
    else:
        merchant = reading.merchant or seller_id
        body, content_type = (
            results.xml_report(feed["feedId"], merchant, feed["summary"], feed["results"]),
            results.XML_CONTENT_TYPE,
        )
    report = _document_record(seller_id, _document_id(), content_type, tx.now, "result")
    report.update(file=tx.stored.contents.write(body), size=len(body))
    tx.keep(DOCUMENTS, report)
    done = feeds.processed(feed, report["feedDocumentId"], reading.fatal)
    if tx.now >= parse_iso(done["ends_at"]):
        done = jobs.finish(done, tx.now)
    return tx.put_feed(done)


def submit_in(tx, feed_type: str, marketplace_ids: list[str], content: bytes, content_type: str) -> dict:
    """Upload, create and run a feed to its end inside one transaction (a scenario step): the
    same documents, rules and report as through the API, at the transaction's time."""
    seller_id = tx.seller
    document = _document_record(seller_id, _document_id(), content_type, tx.now, "input")
    document.update(file=tx.stored.contents.write(content), size=len(content))
    spec = {"feedType": feed_type, "marketplaceIds": marketplace_ids, "inputFeedDocumentId": document["feedDocumentId"]}
    feed = jobs.start(
        feeds.new_feed(seller_id, tx.next_id(FeedIndex.table), spec, tx.now, ProcessingTiming(timedelta(0), timedelta(0))), tx.now
    )
    document["feedIds"] = [feed["feedId"]]
    tx.keep(DOCUMENTS, document)
    reading = read_feed(feed, lambda: content, len(content))
    if reading.messages is not None:
        feed = apply_messages(tx, feed, reading.messages)
    return conclude(tx, feed, reading)


def _result(code: str, number: int, description: str) -> dict:
    return {"message": "0", "code": code, "number": number, "description": description}


def _document_record(seller_id: str, document_id: str, content_type: str, now: datetime, purpose: str) -> dict:
    return {
        "seller_id": seller_id,
        "feedDocumentId": document_id,
        "contentType": content_type,
        "createdTime": to_wire(now),
        "purpose": purpose,
    }


def _document_id() -> str:
    # Amazon's look: amzn1.tortuga.4.na.<uuid>.T<suffix>: a random (version 4) UUID, then what
    # the first 13 hex digits of another were (12 random, then its version, 4), from one read
    # of the system's randomness instead of two (uuid4 was a tenth of a createFeedDocument).
    raw = bytearray(os.urandom(22))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # RFC 4122 variant
    uuid = raw[:16].hex()
    return f"amzn1.tortuga.4.na.{uuid[:8]}-{uuid[8:12]}-{uuid[12:16]}-{uuid[16:20]}-{uuid[20:]}.T{raw[16:].hex().upper()}4"


def _check_uploadable(doc: dict) -> None:
    if doc.get("purpose") != "input":
        raise RuleViolation("A processing report cannot be replaced.")
    if doc.get("feedIds"):
        raise RuleViolation(
            f"Feed document {doc['feedDocumentId']} was submitted as feed {doc['feedIds'][0]} (createFeed), "
            "which reads it as it was then: its contents can no longer be replaced. "
            "For new contents, create a new feed document."
        )
