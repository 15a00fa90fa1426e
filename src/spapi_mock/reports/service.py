"""The Reports API's backend: reports, schedules, their documents, and the runner that produces them.

Reports, schedules and report documents are store documents of their own kinds, per seller. A
report's status moves on the mock clock through the backend's transactions (``Transaction.settle``
starts a queued report, ends a produced one, and fires a due schedule); once a report starts,
the runner produces its contents from the store in a thread of its own, in one transaction, so
the contents are the state at one moment. ``process_now`` produces a seller's queued reports at
once, for tests whose clock is frozen.

A report document is gzipped (``compressionAlgorithm: GZIP``) when it is 1 MB or more, or when
the request's reportOptions say ``mockCompression: GZIP`` (``NONE`` never compresses), so that
clients exercise their decompression path on demand.
"""

from __future__ import annotations

import gzip
import re
import uuid
from typing import BinaryIO

from spapi_mock.domain import jobs, marketplaces, reports
from spapi_mock.domain.exceptions import RuleViolation, Unknown
from spapi_mock.domain.jobs import ProcessingTiming, is_running
from spapi_mock.kernel.dates import to_wire
from spapi_mock.marketplace.backend import Backend
from spapi_mock.marketplace.document_urls import DocumentUrls
from spapi_mock.marketplace.job_runner import JobRunner, resume_unfinished, run_now
from spapi_mock.reports import formats
from spapi_mock.store.database import LAST_UPDATE_DATE, PURCHASE_DATE, Store
from spapi_mock.store.indexes import ReportDocumentIndex, ReportIndex, ReportScheduleIndex

REPORTS, SCHEDULES, DOCUMENTS = ReportIndex.table, ReportScheduleIndex.table, ReportDocumentIndex.table
GZIP_FROM_BYTES = 1024 * 1024
# gzip's fastest level: its default (9) was a third of a 100k-order report (1.6 s of CPU for 40 MB;
# 0.4 s at 1), for a document a third smaller, downloaded from a local mock. Any level reads back alike.
GZIP_LEVEL = 1
# Amazon's Order Reports page (developer-docs.amazon.com/sp-api/docs/report-type-values-order)
# says of its first category, the order reports, "The reports are canceled if no eligible data is
# found": of the types the mock produces, Unshipped Orders and the (scheduled) Order Report. A
# report of these with no row ends CANCELLED with no document. The order tracking reports (all
# orders, flat and XML) and the pending orders report say no such thing: empty, they are DONE
# with their header alone.
CANCELLED_WHEN_EMPTY = frozenset({formats.UNSHIPPED, formats.ORDER_REPORT})
_REPORT_TYPE = re.compile(r"^[A-Z][A-Z0-9_]{2,}$")


class UnknownReport(Unknown):
    def __init__(self, report_id: str) -> None:
        super().__init__(f"Report {report_id} not found.")


class UnknownSchedule(Unknown):
    def __init__(self, schedule_id: str) -> None:
        super().__init__(f"Report schedule {schedule_id} not found.")


class UnknownReportDocument(Unknown):
    def __init__(self, document_id: str) -> None:
        super().__init__(f"Report document {document_id} not found.")


class Reports:
    def __init__(self, backend: Backend, timing: ProcessingTiming | None = None, url_secret: bytes | None = None) -> None:
        self.backend = backend
        self.timing = timing or ProcessingTiming()
        self.urls = DocumentUrls("reports", backend.clock, url_secret)
        self._runner = JobRunner("report", self._produce, self._fail)
        self.submit = self._runner.submit

    def start(self) -> None:
        """A report that started before a restart and was not produced is produced now."""
        resume_unfinished(self.backend, REPORTS, self._runner)

    # -- reports -------------------------------------------------------------------------------

    def create_report(self, seller_id: str, spec: dict) -> dict:
        _check_request(spec)
        if formats.scheduled_only(spec["reportType"]):
            raise RuleViolation(
                f"Invalid reportType: {spec['reportType']} is produced only on a schedule (createReportSchedule), not on request."
            )
        with self.backend.transaction(seller_id) as tx:
            report_id = tx.next_id(REPORTS)
            tx.put_job(REPORTS, reports.new_report(seller_id, report_id, spec, tx.now, self.timing))
        return {"reportId": report_id}

    def report(self, seller_id: str, report_id: str) -> dict:
        report = self.backend.reading().reports.get(seller_id, report_id)
        if report is None:
            raise UnknownReport(report_id)
        return report

    def cancel_report(self, seller_id: str, report_id: str) -> None:
        with self.backend.transaction(seller_id) as tx:
            report = tx.job(REPORTS, seller_id, report_id)
            if report is None:
                raise UnknownReport(report_id)
            tx.put_job(REPORTS, reports.cancel(report, tx.now))

    def find_reports(self, seller_id: str, query: dict, after: list | None, size: int) -> tuple[list[dict], list | None]:
        return self.backend.reading().reports.find(seller_id, query.get("reportTypes"), query, after, size)

    def process_now(self, seller_id: str | None = None) -> list[dict]:
        """Produce every queued or unfinished report (of one seller, or of all) now."""
        return run_now(self.backend, REPORTS, self._runner, seller_id)

    # -- schedules -----------------------------------------------------------------------------

    def create_schedule(self, seller_id: str, spec: dict) -> dict:
        _check_request(spec)
        with self.backend.transaction(seller_id) as tx:
            schedule_id = tx.next_id(SCHEDULES)
            tx.put_job(SCHEDULES, reports.new_schedule(seller_id, schedule_id, spec, tx.now))
        return {"reportScheduleId": schedule_id}

    def schedules(self, seller_id: str, report_types: list[str]) -> list[dict]:
        wanted = set(report_types)
        schedules = self.backend.reading().report_schedules
        entries = schedules.newest_first(seller_id)
        return [schedules.get(*e.key) for e in entries if e.type in wanted and e.status == reports.ACTIVE]

    def schedule(self, seller_id: str, schedule_id: str) -> dict:
        schedule = self.backend.reading().report_schedules.get(seller_id, schedule_id)
        if schedule is None or schedule["processingStatus"] != reports.ACTIVE:
            raise UnknownSchedule(schedule_id)
        return schedule

    def cancel_schedule(self, seller_id: str, schedule_id: str) -> None:
        with self.backend.transaction(seller_id) as tx:
            schedule = tx.job(SCHEDULES, seller_id, schedule_id)
            if schedule is None or schedule["processingStatus"] != reports.ACTIVE:
                raise UnknownSchedule(schedule_id)
            tx.put_job(SCHEDULES, reports.cancel_schedule(schedule))

    # -- documents -----------------------------------------------------------------------------

    def document(self, seller_id: str, document_id: str, base_url: str, content_encoding_header: bool = False) -> dict:
        """getReportDocument. With ``enableContentEncodingUrlHeader`` a GZIP document's URL
        answers with ``Content-Encoding: gzip`` (HTTP clients then decompress it as it arrives);
        without it, the gzip bytes come as they are, as Amazon's do."""
        doc = self.backend.reading().report_documents.get(seller_id, document_id)
        if doc is None:
            raise UnknownReportDocument(document_id)
        encoding = "gzip" if content_encoding_header and doc.get("compressionAlgorithm") == "GZIP" else ""
        answer = {
            "reportDocumentId": document_id,
            "url": self.urls.presign(base_url, seller_id, document_id, "GET", encoding=encoding),
        }
        if doc.get("compressionAlgorithm"):
            answer["compressionAlgorithm"] = doc["compressionAlgorithm"]
        return answer

    def document_report_type(self, seller_id: str, document_id: str) -> str | None:
        """The report type of the seller's document with this id, or None if there is none."""
        doc = self.backend.reading().report_documents.get(seller_id, document_id)
        return doc.get("reportType") if doc is not None else None

    def download(self, seller_id: str, document_id: str) -> tuple[bytes, str] | None:
        """(the contents, whole, as stored; their content type): for the dashboard."""
        store = self.backend.reading()
        doc = store.report_documents.get(seller_id, document_id)
        if doc is None:
            return None
        return store.read_contents(doc), doc["contentType"]

    def open_contents(self, seller_id: str, document_id: str) -> tuple[BinaryIO, int, str] | None:
        """(the contents, opened; their size; their content type), or None."""
        store = self.backend.reading()
        return store.open_contents(store.report_documents.get(seller_id, document_id))

    # -- producing -----------------------------------------------------------------------------

    def _produce(self, key: tuple[str, str]) -> None:
        seller_id, report_id = key
        with self.backend.transaction(seller_id) as tx:
            report = tx.job(REPORTS, seller_id, report_id)
            if not is_running(report):
                return
            report_type = report["reportType"]
            if report.get("failure"):
                _conclude(tx, report, f"{report['failure']}\n".encode(), fatal=True)
                return
            if formats.is_modelled(report_type):
                content, fatal = formats.produce(report_type, _orders(tx.stored, report), tx.now), False
            else:
                why = f"spapi-mock does not produce {report_type} reports; it produces {', '.join(formats.REPORT_TYPES)}.\n"
                content, fatal = why.encode("utf-8"), True
            if report_type in CANCELLED_WHEN_EMPTY and content.count(b"\n") < 2:  # its header row alone
                _conclude(tx, reports.found_no_data(report))
                return
            _conclude(tx, report, content, fatal)

    def _fail(self, key: tuple[str, str], why: str) -> None:
        """Production raised (its transaction rolled back): the report ends FATAL with a document
        that says why, as Amazon's FATAL report may."""
        seller_id, report_id = key
        with self.backend.transaction(seller_id) as tx:
            report = tx.job(REPORTS, seller_id, report_id)
            if is_running(report):
                _conclude(tx, report, f"spapi-mock failed while producing this report ({why}).\n".encode(), fatal=True)


def _conclude(tx, report: dict, content: bytes | None = None, fatal: bool = False) -> None:
    """Keep the report's document (none for a report with no data) and the report as produced;
    it ends now if its processing time is up."""
    done = report
    if content is not None:
        report_type = report["reportType"]
        compression = (report.get("reportOptions") or {}).get("mockCompression")
        kind = formats.content_type(report_type) if not fatal else formats.CONTENT_TYPE
        document = _document(tx.stored, report["seller_id"], report_type, content, kind, compression, tx.now)
        tx.keep(DOCUMENTS, document)
        done = reports.produced(report, document["reportDocumentId"], fatal)
    if to_wire(tx.now) >= done["ends_at"]:
        done = jobs.finish(done, tx.now)
    tx.put_job(REPORTS, done)


def _check_request(spec: dict) -> None:
    report_type = spec["reportType"]
    if not _REPORT_TYPE.match(report_type):
        example = formats.UNSHIPPED
        raise RuleViolation(
            f"Invalid reportType: {report_type!r} is not a report type (capital letters, digits and _, e.g. {example})."
        )
    marketplaces.require_known(spec["marketplaceIds"])
    compression = (spec.get("reportOptions") or {}).get("mockCompression")
    if compression not in (None, "GZIP", "NONE"):
        raise RuleViolation(f"Invalid reportOptions.mockCompression: {compression!r} is neither GZIP nor NONE.")


def _document(
    store: Store, seller_id: str, report_type: str, content: bytes, content_type: str, compression: str | None, now
) -> dict:
    gzipped = compression == "GZIP" or (compression is None and len(content) >= GZIP_FROM_BYTES)
    body = gzip.compress(content, compresslevel=GZIP_LEVEL, mtime=0) if gzipped else content
    doc = {
        "seller_id": seller_id,
        "reportDocumentId": f"amzn1.spdoc.1.4.na.{uuid.uuid4()}.T{uuid.uuid4().hex[:14].upper()}.{uuid.uuid4().int % 10**4}",
        "contentType": content_type,
        # Kept so that strict auth can tell a restricted report's document by its id alone.
        "reportType": report_type,
        "createdTime": to_wire(now),
        "file": store.contents.write(body),
        "size": len(body),
    }
    if gzipped:
        doc["compressionAlgorithm"] = "GZIP"
    return doc


def _orders(store: Store, report: dict):
    """The orders the report covers: by the date it selects on, in its marketplaces and data
    range; or all of the seller's, for reports of the current state."""
    seller_id = report["seller_id"]
    by = formats.date_field(report["reportType"])
    if by is None:
        return (doc for doc in store.orders.each(seller_id) if doc["order"]["MarketplaceId"] in report["marketplaceIds"])
    field = PURCHASE_DATE if by == "PurchaseDate" else LAST_UPDATE_DATE
    return store.orders.scan(
        seller_id, field, report["dataStartTime"], report["dataEndTime"], sorted(report["marketplaceIds"]), recent=False
    )
