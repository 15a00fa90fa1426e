"""Reports API 2021-06-30 handlers: read the parameters, ask the reports backend, shape the response.

Routes, parameter parsing and request validation come from ``openapi/reports-2021-06-30.yaml``;
the reports themselves live in ``spapi_mock.reports``.
"""

from __future__ import annotations

from typing import Any

from connexion import NoContent

from spapi_mock.domain import reports as report_rules
from spapi_mock.http.handlers.context import base_url, grant, seller_id, services
from spapi_mock.http.handlers.job_lists import list_page
from spapi_mock.traffic.access_tokens import RESTRICTED_REPORT_TYPES

# Every creation time a report can have (wire dates compare as text).
_ALL_TIME = {"createdSince": "0001-01-01T00:00:00Z", "createdUntil": "9999-12-31T23:59:59Z"}


def create_report(body: dict) -> tuple:
    return services().reports.create_report(seller_id(), body), 202


def get_report(reportId: str) -> dict:
    return report_rules.wire(services().reports.report(seller_id(), reportId))


def cancel_report(reportId: str) -> tuple:
    services().reports.cancel_report(seller_id(), reportId)
    return NoContent, 200


def get_reports(**params: Any) -> dict:
    svc = services()
    return list_page("getReports", "reportTypes", params, svc.reports.find_reports, report_rules.wire, "reports")


def get_report_document(reportDocumentId: str, enableContentEncodingUrlHeader: bool | None = None) -> dict:
    svc, seller = services(), seller_id()
    if svc.access_tokens.strict:
        path = f"/reports/2021-06-30/documents/{reportDocumentId}"
        svc.access_tokens.require_rdt_for_report(grant(), restricted_report_type(seller, reportDocumentId), "GET", path)
    return svc.reports.document(seller, reportDocumentId, base_url(), bool(enableContentEncodingUrlHeader))


def restricted_report_type(seller: str, document_id: str) -> str | None:
    """The type of the seller's report of a restricted type whose document this is, or None.
    Reports do not index their documents, so this pages through the seller's reports of the
    restricted types; only strict auth asks (getReportDocument, createRestrictedDataToken)."""
    query = {"reportTypes": sorted(RESTRICTED_REPORT_TYPES), **_ALL_TIME}
    after = None
    while True:
        page, after = services().reports.find_reports(seller, query, after, 100)
        found = next((report["reportType"] for report in page if report.get("reportDocumentId") == document_id), None)
        if found is not None or after is None:
            return found


def create_report_schedule(body: dict) -> tuple:
    return services().reports.create_schedule(seller_id(), body), 201


def get_report_schedules(reportTypes: list[str]) -> dict:
    schedules = services().reports.schedules(seller_id(), reportTypes)
    return {"reportSchedules": [report_rules.wire_schedule(schedule) for schedule in schedules]}


def get_report_schedule(reportScheduleId: str) -> dict:
    return report_rules.wire_schedule(services().reports.schedule(seller_id(), reportScheduleId))


def cancel_report_schedule(reportScheduleId: str) -> tuple:
    services().reports.cancel_schedule(seller_id(), reportScheduleId)
    return NoContent, 200
