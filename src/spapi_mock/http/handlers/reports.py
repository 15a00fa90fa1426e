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
    """The type of the seller's report whose document this is, if that type is restricted."""
    report_type = services().reports.document_report_type(seller, document_id)
    return report_type if report_type in RESTRICTED_REPORT_TYPES else None


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
