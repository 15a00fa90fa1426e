"""The Feeds API's backend: feed documents, feeds, and the runner that processes them.

Documents and feeds are store documents of their own kinds, per seller. A feed's status moves on
the mock clock through the backend's transactions (``Transaction.settle`` starts a queued feed
and ends a processed one); once a feed starts, the runner applies its messages in a thread of its
own, a chunk of messages per transaction, so the server keeps answering while a large feed runs,
and the feed records how far it got with each chunk, so a restart resumes it without applying a
message twice. ``process_now`` runs a seller's queued feeds to the end at once, for tests whose
clock is frozen.
"""

from __future__ import annotations

import base64
import logging
import queue
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from . import feed_formats, feed_processing, feed_reports
from .backend import Backend
from .dates import parse_iso, to_wire
from .document_urls import PREFIX, DocumentUrls
from .domain import feeds
from .domain.exceptions import RuleViolation, Unknown
from .domain.feeds import FeedStatus, FeedTiming
from .marketplaces import BY_ID as MARKETPLACES
from .store_indexes import FeedDocumentIndex

log = logging.getLogger("spapi_mock.feeds")

DOCUMENTS = FeedDocumentIndex.table
# Messages applied per transaction: small enough that other requests are not held up long (getOrder's
# p99 while a 10,000-message feed runs: 20 ms at 100, 36 ms at 250), large enough that the feed is
# not one write per message (bench/feed_processing.py: 2,500 messages/s either way).
CHUNK = 100
FIRST_FEED_ID = 50_000_000_000


class UnknownFeed(Unknown):
    def __init__(self, feed_id: str) -> None:
        super().__init__(f"Feed {feed_id} not found.")


class UnknownFeedDocument(Unknown):
    def __init__(self, document_id: str) -> None:
        super().__init__(f"Feed document {document_id} not found.")


class Feeds:
    def __init__(self, backend: Backend, timing: FeedTiming | None = None, url_secret: bytes | None = None) -> None:
        self.backend = backend
        self.store = backend.store
        self.timing = timing or FeedTiming()
        self.urls = DocumentUrls(url_secret)
        self._claims: dict[tuple[str, str], threading.Event] = {}
        self._claims_lock = threading.Lock()
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._worker: threading.Thread | None = None
        backend.feed_runner = self.submit
        # A feed that started before a restart and was not finished goes on where it stopped.
        unfinished = [
            entry[:2]
            for seller in self.store.feeds.sellers()
            for entry in self.store.feeds.newest_first(seller)
            if entry[4] == FeedStatus.IN_PROGRESS and not self.store.feeds.get(*entry[:2]).get("processed")
        ]
        if unfinished:
            self.submit(unfinished)

    # -- documents -----------------------------------------------------------------------------

    def create_document(self, seller_id: str, content_type: str, base_url: str) -> dict:
        """createFeedDocument: a document to upload to, and its presigned PUT URL."""
        if not content_type.strip():
            raise RuleViolation("Invalid contentType: give the content type of the feed, e.g. text/xml; charset=UTF-8.")
        document_id = _document_id()
        now = self.backend.clock.now()
        with self.backend.transaction(seller_id) as tx:
            tx.keep(DOCUMENTS, _document_record(seller_id, document_id, content_type, now, "input"))
        url = self.urls.presign(base_url, _path(seller_id, document_id), "PUT", content_type, now)
        return {"feedDocumentId": document_id, "url": url}

    def document(self, seller_id: str, document_id: str, base_url: str) -> dict:
        """getFeedDocument: where to download a document (an upload, or a processing report)."""
        self.backend.settle()
        self._document(seller_id, document_id)
        url = self.urls.presign(base_url, _path(seller_id, document_id), "GET", "", self.backend.clock.now())
        return {"feedDocumentId": document_id, "url": url}

    def upload(self, seller_id: str, document_id: str, content_type: str, body: bytes) -> None:
        """The PUT to a presigned URL (already checked): the document's contents."""
        doc = dict(self._document(seller_id, document_id))
        if doc.get("purpose") != "input":
            raise RuleViolation("A processing report cannot be replaced.")
        try:
            doc["content"], doc["encoding"] = body.decode("utf-8"), "text"
        except UnicodeDecodeError:
            doc["content"], doc["encoding"] = base64.b64encode(body).decode("ascii"), "base64"
        doc["uploadedTime"] = to_wire(self.backend.clock.now())
        doc["size"] = len(body)
        with self.backend.transaction(seller_id) as tx:
            tx.keep(DOCUMENTS, doc)

    def download(self, seller_id: str, document_id: str) -> tuple[bytes, str] | None:
        """(the contents, their content type), or None if nothing was uploaded yet."""
        doc = self.store.feed_documents.get(seller_id, document_id)
        if doc is None or "content" not in doc:
            return None
        return _content(doc), doc["contentType"]

    def signed_document(self, method: str, path: str, query: str, content_type: str):
        """(seller id, document id, S3's error or None) for a request to a presigned URL."""
        seller_id, _, document_id = path[len(PREFIX) + len("feeds/") :].partition("/")
        error = self.urls.check(method, path, query, content_type, self.backend.clock.now())
        return seller_id, document_id, error

    # -- feeds ---------------------------------------------------------------------------------

    def create_feed(self, seller_id: str, spec: dict) -> dict:
        """createFeed: the feed is queued; processing starts when the clock says."""
        unknown = [mp for mp in spec["marketplaceIds"] if mp not in MARKETPLACES]
        if unknown:
            raise RuleViolation(
                f"Invalid marketplaceIds: {', '.join(unknown)} {_is_not(len(unknown), 'a marketplace', 'marketplaces')}."
            )
        if not spec["feedType"].strip():
            raise RuleViolation("Invalid feedType: give the feed's type, e.g. POST_ORDER_ACKNOWLEDGEMENT_DATA.")
        document_id = spec["inputFeedDocumentId"]
        doc = self.store.feed_documents.get(seller_id, document_id)
        if doc is None or doc.get("purpose") != "input":
            raise RuleViolation(
                f"Invalid inputFeedDocumentId: {document_id} is not a document createFeedDocument gave this seller."
            )
        if "content" not in doc:
            raise RuleViolation(
                f"Invalid inputFeedDocumentId: nothing was uploaded to document {document_id}; PUT its contents to its url first."
            )
        with self.backend.transaction(seller_id) as tx:
            feed_id = next_feed_id(tx)
            tx.put_feed(feeds.new_feed(seller_id, feed_id, spec, tx.now, self.timing))
        return {"feedId": feed_id}

    def feed(self, seller_id: str, feed_id: str) -> dict:
        self.backend.settle()
        feed = self.store.feeds.get(seller_id, feed_id)
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
        self.backend.settle()
        types = set(query.get("feedTypes") or ())
        marketplaces = set(query.get("marketplaceIds") or ())
        statuses = set(query.get("processingStatuses") or ())
        since, until = query["createdSince"], query["createdUntil"]
        found: list[tuple] = []
        for entry in self.store.feeds.newest_first(seller_id):
            key = [entry[2], entry[1]]
            if after is not None and key >= after:
                continue
            if not since <= entry[2] <= until:
                continue
            if types and entry[3] not in types:
                continue
            if statuses and entry[4] not in statuses:
                continue
            if marketplaces and not marketplaces & set(entry[6].split(",")):
                continue
            found.append(entry)
            if len(found) > size:
                break
        more = len(found) > size
        page = [self.store.feeds.get(*entry[:2]) for entry in found[:size]]
        return page, ([found[size - 1][2], found[size - 1][1]] if more else None)

    def process_now(self, seller_id: str | None = None) -> list[dict]:
        """Run every queued or unfinished feed (of one seller, or of all) to its end now,
        whatever the clock says; the feeds, as they end."""
        keys = [
            entry[:2]
            for seller in ([seller_id] if seller_id else self.store.feeds.sellers())
            for entry in reversed(self.store.feeds.newest_first(seller))
            if entry[4] in (FeedStatus.IN_QUEUE, FeedStatus.IN_PROGRESS)
        ]
        for key in keys:
            with self.backend.transaction(key[0]) as tx:
                feed = tx.feed(*key)
                if feed["processingStatus"] == FeedStatus.IN_QUEUE:
                    tx.put_feed(feeds.start(feed, tx.now))
            self.run(key)
            with self.backend.transaction(key[0]) as tx:
                feed = tx.feed(*key)
                if feed["processingStatus"] == FeedStatus.IN_PROGRESS:
                    tx.put_feed(feeds.finish(feed, tx.now))
        return [self.store.feeds.get(*key) for key in keys]

    # -- processing ----------------------------------------------------------------------------

    def submit(self, keys: list[tuple[str, str]]) -> None:
        """Feeds whose processing began: the runner thread applies their messages."""
        for key in keys:
            self._queue.put(tuple(key))
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._work, name="feed-runner", daemon=True)
            self._worker.start()

    def _work(self) -> None:
        while True:
            try:
                key = self._queue.get(timeout=5)
            except queue.Empty:
                return
            try:
                self.run(key)
            except Exception:  # a bug must not stop the runner: the feed stays IN_PROGRESS, logged
                log.exception("feed %s of seller %s could not be processed", key[1], key[0])

    def run(self, key: tuple[str, str]) -> None:
        """Apply a started feed's messages, unless another thread already does (then wait for it)."""
        with self._claims_lock:
            running = self._claims.get(key)
            if running is None:
                self._claims[key] = threading.Event()
        if running is not None:
            running.wait()
            return
        try:
            self._process(key)
        finally:
            with self._claims_lock:
                self._claims.pop(key).set()

    def _process(self, key: tuple[str, str]) -> None:
        seller_id, feed_id = key
        feed = self.store.feeds.get(seller_id, feed_id)
        if not _still_running(feed):
            return
        reading = read_feed(feed, _content(self.store.feed_documents.get(seller_id, feed["inputFeedDocumentId"])))
        while reading.messages is not None and feed["next_message"] < len(reading.messages):
            with self.backend.transaction(seller_id) as tx:
                feed = tx.feed(seller_id, feed_id)
                if not _still_running(feed):
                    return  # the seller was reset meanwhile
                feed = apply_messages(tx, feed, reading.messages, CHUNK)
        with self.backend.transaction(seller_id) as tx:
            feed = tx.feed(seller_id, feed_id)
            if _still_running(feed):
                conclude(tx, feed, reading)

    # -- internals -----------------------------------------------------------------------------

    def _document(self, seller_id: str, document_id: str) -> dict:
        doc = self.store.feed_documents.get(seller_id, document_id)
        if doc is None:
            raise UnknownFeedDocument(document_id)
        return doc


def _is_not(count: int, one: str, many: str) -> str:
    return f"is not {one}" if count == 1 else f"are not {many}"


# -- processing, in a transaction (the runner's, or a scenario's) --------------------------------


@dataclass
class FeedReading:
    """A feed's document as processing reads it: its messages (None if it is refused whole or not
    an order feed), or the result that says why not."""

    messages: list | None
    merchant: str | None
    refusal: dict | None = None  # the one result of a document refused whole, or not modelled
    fatal: bool = False


def read_feed(feed: dict, content: bytes) -> FeedReading:
    feed_type = feed["feedType"]
    if not feed_formats.is_order_feed(feed_type):
        received = (
            f"spapi-mock received this {feed_type} feed ({len(content)} bytes) but does not model this feed type: "
            "nothing was changed."
        )
        return FeedReading(None, None, _result("Warning", feed_processing.IGNORED, received))
    parsed = feed_formats.parse(feed_type, content)
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
    for message in chunk:
        outcome = feed_processing.apply(tx, message, feed)
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
    if feed_formats.is_flat(feed["feedType"]):
        body, content_type = feed_reports.flat_report(feed["summary"], feed["results"]), feed_reports.FLAT_CONTENT_TYPE
    else:
        merchant = reading.merchant or seller_id
        body, content_type = (
            feed_reports.xml_report(feed["feedId"], merchant, feed["summary"], feed["results"]),
            feed_reports.XML_CONTENT_TYPE,
        )
    report = _document_record(seller_id, _document_id(), content_type, tx.now, "result")
    report.update(content=body.decode("utf-8"), encoding="text", size=len(body))
    tx.keep(DOCUMENTS, report)
    done = feeds.processed(feed, report["feedDocumentId"], reading.fatal)
    if tx.now >= parse_iso(done["ends_at"]):
        done = feeds.finish(done, tx.now)
    return tx.put_feed(done)


def submit_in(tx, feed_type: str, marketplace_ids: list[str], content: bytes, content_type: str) -> dict:
    """Upload, create and run a feed to its end inside one transaction (a scenario step): the
    same documents, rules and report as through the API, at the transaction's time."""
    seller_id = tx.seller
    document = _document_record(seller_id, _document_id(), content_type, tx.now, "input")
    document.update(content=content.decode("utf-8"), encoding="text", size=len(content))
    tx.keep(DOCUMENTS, document)
    spec = {"feedType": feed_type, "marketplaceIds": marketplace_ids, "inputFeedDocumentId": document["feedDocumentId"]}
    feed = feeds.start(feeds.new_feed(seller_id, next_feed_id(tx), spec, tx.now, FeedTiming(timedelta(0), timedelta(0))), tx.now)
    reading = read_feed(feed, content)
    if reading.messages is not None:
        feed = apply_messages(tx, feed, reading.messages)
    return conclude(tx, feed, reading)


def next_feed_id(tx) -> str:
    taken = [int(entry[1]) for entry in tx.backend.store.feeds.newest_first(tx.seller) if entry[1].isdigit()]
    taken += [int(key[1]) for key in tx.feeds if key[0] == tx.seller and key[1].isdigit()]
    return str(max(taken, default=FIRST_FEED_ID) + 1)


def _still_running(feed: dict | None) -> bool:
    return feed is not None and feed["processingStatus"] == FeedStatus.IN_PROGRESS and not feed.get("processed")


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


def _path(seller_id: str, document_id: str) -> str:
    return f"{PREFIX}feeds/{seller_id}/{document_id}"


def _document_id() -> str:
    # Amazon's look: amzn1.tortuga.4.na.<uuid>.T<suffix>.
    return f"amzn1.tortuga.4.na.{uuid.uuid4()}.T{uuid.uuid4().hex[:13].upper()}"


def _content(doc: dict) -> bytes:
    if doc.get("encoding") == "base64":
        return base64.b64decode(doc["content"])
    return doc["content"].encode("utf-8")


def feed_window(now: datetime, since: str | None, until: str | None) -> tuple[str, str]:
    """getFeeds' createdSince/createdUntil, defaulted and checked as Amazon's model says."""
    try:
        start = parse_iso(since) if since else now - feeds.RETENTION
        end = parse_iso(until) if until else now
    except ValueError as exc:
        raise RuleViolation(f"Invalid createdSince/createdUntil: {exc}.") from None
    if start < now - feeds.RETENTION:
        raise RuleViolation(
            f"Invalid createdSince: {to_wire(start)} is more than 90 days before now ({to_wire(now)}); "
            "feeds are kept for 90 days."
        )
    if end < start:
        raise RuleViolation(f"Invalid createdUntil: {to_wire(end)} is before createdSince {to_wire(start)}.")
    return to_wire(start), to_wire(end)
