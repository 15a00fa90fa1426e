"""Real SDK clients read orders from reports against a live server: python-amazon-sp-api
(``create_report``, ``get_report``, ``get_report_document(download=True)``, its own decompression
and decoding) and amzn-sp-api (``ReportsApi``, downloading from the presigned URL). Each creates an
Unshipped Orders report, polls it to DONE (the server's report times are shortened, the clock
runs), downloads it gzipped and not, and finds the row of the order whose buyer asked to cancel.
"""

from __future__ import annotations

import csv
import gzip
import io

import pytest
import requests

from spapi_mock.kernel import resources

from support.orders import MISTAKE, buyer_requests_cancellation, place
from support.sdk import amzn_sp_api_client, python_sp_api_client, refresh_token, until_done

US = "ATVPDKIKX0DER"
UNSHIPPED = "GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING"
ALL_BY_UPDATE = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
FIXTURES = resources.default_fixtures_dir()
# Reports that are ready within a second, so that a test polls as a seller does without waiting minutes.
SERVE = ("--fixtures", str(FIXTURES), "--report-queue-seconds", "0.2", "--report-processing-seconds", "0.3")


@pytest.fixture(scope="module")
def requested(control):
    """An Unshipped order whose buyer asked to cancel its first item: (order id, first item, second item)."""
    order_id, (first, second) = place(control, 1, 1)
    buyer_requests_cancellation(control, order_id, [first])
    return order_id, first, second


@pytest.fixture(scope="module")
def psa_reports(server):
    client = python_sp_api_client("Reports", server.base_url, refresh_token("reports"))
    yield client
    client.close()


@pytest.fixture(scope="module")
def amzn_reports(server):
    from spapi import ReportsApi

    return ReportsApi(amzn_sp_api_client(server.base_url, refresh_token("reports")).api_client)


def psa_report(reports, report_type: str, **options) -> str:
    """python-amazon-sp-api end to end: the report's contents, decoded by the client itself."""
    spec = {"reportType": report_type, "marketplaceIds": [US]}
    if options:
        spec["reportOptions"] = options
    report_id = reports.create_report(**spec).payload["reportId"]
    report = until_done(lambda: reports.get_report(report_id).payload, lambda job: job["processingStatus"])
    return reports.get_report_document(report["reportDocumentId"], download=True).payload["document"]


def amzn_report(api, report_type: str, **options) -> tuple[str, object]:
    from spapi.models.reports_v2021_06_30 import CreateReportSpecification

    spec = CreateReportSpecification(report_type=report_type, marketplace_ids=[US], report_options=options or None)
    report_id = api.create_report(spec).report_id
    report = until_done(lambda: api.get_report(report_id), lambda job: job.processing_status)
    document = api.get_report_document(report.report_document_id)
    content = requests.get(document.url, timeout=10).content
    if document.compression_algorithm == "GZIP":
        content = gzip.decompress(content)
    return content.decode("utf-8"), document


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text), dialect="excel-tab"))


def flags(text: str, order_id: str) -> dict[str, tuple[str, str]]:
    return {
        row["order-item-id"]: (row["is-buyer-requested-cancellation"], row["buyer-requested-cancel-reason"])
        for row in rows(text)
        if row["order-id"] == order_id
    }


@pytest.mark.parametrize("compression", ["GZIP", "NONE"])
def test_python_sp_api_finds_the_buyers_request_in_the_unshipped_orders_report(psa_reports, requested, compression):
    order_id, first, second = requested
    text = psa_report(psa_reports, UNSHIPPED, mockCompression=compression)
    assert flags(text, order_id) == {first: ("true", MISTAKE), second: ("false", "")}


@pytest.mark.parametrize("compression", ["GZIP", "NONE"])
def test_amzn_sp_api_finds_the_buyers_request_in_the_unshipped_orders_report(amzn_reports, requested, compression):
    order_id, first, second = requested
    text, document = amzn_report(amzn_reports, UNSHIPPED, mockCompression=compression)
    assert (document.compression_algorithm == "GZIP") == (compression == "GZIP")
    assert flags(text, order_id) == {first: ("true", MISTAKE), second: ("false", "")}


def test_after_the_seller_cancels_the_next_reports_say_so_to_both_clients(psa_reports, amzn_reports, control):
    order_id, _ = place(control, 1)
    assert order_id in {row["order-id"] for row in rows(psa_report(psa_reports, UNSHIPPED))}
    control.apply(order_id, "seller_cancel", reason="NoInventory")
    for text in (psa_report(psa_reports, UNSHIPPED), amzn_report(amzn_reports, UNSHIPPED)[0]):
        assert order_id not in {row["order-id"] for row in rows(text)}
    for text in (psa_report(psa_reports, ALL_BY_UPDATE), amzn_report(amzn_reports, ALL_BY_UPDATE)[0]):
        assert {row["order-status"] for row in rows(text) if row["amazon-order-id"] == order_id} == {"Cancelled"}


def test_a_pending_order_is_in_the_pending_report_and_not_the_unshipped_one(psa_reports, amzn_reports, control):
    order_id, _ = place(control, 1, status="Pending")
    assert order_id in {row["order-id"] for row in rows(psa_report(psa_reports, "GET_FLAT_FILE_PENDING_ORDERS_DATA"))}
    assert order_id in {row["order-id"] for row in rows(amzn_report(amzn_reports, "GET_FLAT_FILE_PENDING_ORDERS_DATA")[0])}
    assert order_id not in {row["order-id"] for row in rows(psa_report(psa_reports, UNSHIPPED))}


def test_a_pt1h_schedule_makes_24_reports_over_a_24_hour_advance(amzn_reports, control):
    from spapi.models.reports_v2021_06_30 import CreateReportScheduleSpecification

    start = control.clock()["now"]
    spec = CreateReportScheduleSpecification(
        report_type=ALL_BY_UPDATE, marketplace_ids=[US], period="PT1H", next_report_creation_time=start
    )
    schedule_id = amzn_reports.create_report_schedule(spec).report_schedule_id
    made_before = [r for r in control.reports(limit=1000)["reports"] if r.get("reportScheduleId") == schedule_id]
    control.advance_clock("24h")
    made = [r for r in control.reports(limit=1000)["reports"] if r.get("reportScheduleId") == schedule_id]
    assert len(made) - len(made_before) == 24
    listed = amzn_reports.get_report_schedules(report_types=[ALL_BY_UPDATE]).report_schedules
    assert [s.report_schedule_id for s in listed] == [schedule_id] and listed[0].period == "PT1H"
    amzn_reports.cancel_report_schedule(schedule_id)
