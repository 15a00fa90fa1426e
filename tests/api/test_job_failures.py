"""Feeds and reports that end other than DONE, through a real socket: a message whose date the
calendar cannot hold is that message's error (the others apply); a feed or report whose
processing raises, for any reason, ends FATAL with a document that says why, and the seller's
next work goes on; a schedule that cannot fire stops without stopping the server; and a report of
the types Amazon cancels when empty ends CANCELLED with no document.

Expectations come from Amazon's documents: the Reports model's processingStatus (CANCELLED: "an
automatic cancellation if there is no data to return"; FATAL: a reportDocumentId "might be
present" and then explains why), and the Order Reports page
(developer-docs.amazon.com/sp-api/docs/report-type-values-order): of the order reports,
"The reports are canceled if no eligible data is found".
"""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest
from lxml import etree

import spapi_mock
from spapi_mock.testing import background_server

from support import PROJECT_ROOT as ROOT
from support.http import US, CheckedClient, s3_path
from support.live_server import live_server
from support.orders import new_order

FEEDS, REPORTS = "/feeds/2021-06-30", "/reports/2021-06-30"
XML = "text/xml; charset=UTF-8"
TSV = "text/tab-separated-values; charset=UTF-8"
UNSHIPPED = "GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING"
ALL_BY_DATE = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"


@pytest.fixture(scope="module")
def server():
    with background_server() as running:
        yield running


@pytest.fixture
def http(server):
    with httpx.Client(base_url=server.base_url, timeout=60) as raw:
        yield CheckedClient(raw)


# -- helpers -----------------------------------------------------------------------------------


def submit(http, feed_type: str, content: str, content_type: str) -> str:
    created = http.post(f"{FEEDS}/documents", json={"contentType": content_type})
    assert created.status_code == 201, created.text
    put = http.put(s3_path(created.json()["url"]), content=content, headers={"Content-Type": content_type}, token=False)
    assert put.status_code == 200, put.text
    body = {"feedType": feed_type, "marketplaceIds": [US], "inputFeedDocumentId": created.json()["feedDocumentId"]}
    answer = http.post(f"{FEEDS}/feeds", json=body)
    assert answer.status_code == 202, answer.text
    return answer.json()["feedId"]


def run_feed(http, feed_id: str) -> tuple[dict, bytes]:
    """Process the seller's feeds now; the feed as it ended and its processing report."""
    assert http.post("/_mock/feeds/process").status_code == 200
    feed = http.get(f"{FEEDS}/feeds/{feed_id}").json()
    document = http.get(f"{FEEDS}/documents/{feed['resultFeedDocumentId']}").json()
    return feed, http.get(s3_path(document["url"]), token=False).content


def fulfillment_xml(*orders: tuple[str, str, str]) -> str:
    messages = "".join(
        f"<Message><MessageID>{n}</MessageID><OrderFulfillment><AmazonOrderID>{order_id}</AmazonOrderID>"
        f"<FulfillmentDate>{date}</FulfillmentDate><FulfillmentData><CarrierCode>UPS</CarrierCode>"
        f"<ShipperTrackingNumber>1Z{n}</ShipperTrackingNumber></FulfillmentData>"
        f"<Item><AmazonOrderItemCode>{item}</AmazonOrderItemCode><Quantity>1</Quantity></Item></OrderFulfillment></Message>"
        for n, (order_id, item, date) in enumerate(orders, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:noNamespaceSchemaLocation="amzn-envelope.xsd"><Header><DocumentVersion>1.01</DocumentVersion>'
        "<MerchantIdentifier>M_SELLER</MerchantIdentifier></Header><MessageType>OrderFulfillment</MessageType>"
        f"{messages}</AmazonEnvelope>"
    )


def xml_results(report: bytes) -> tuple[dict, list[dict]]:
    """(the ProcessingSummary counts, each Result's fields) of an XML processing report."""
    root = etree.fromstring(report)
    summary = {child.tag: int(child.text) for child in root.find(".//ProcessingSummary")}
    results = [
        {child.tag: child.text for child in result.iter() if child.text and child.text.strip()} for result in root.iter("Result")
    ]
    return summary, results


def status(http, order_id: str) -> str:
    return http.get(f"/orders/v0/orders/{order_id}").json()["payload"]["OrderStatus"]


def report_now(http, report_type: str, **spec) -> dict:
    created = http.post(f"{REPORTS}/reports", json={"reportType": report_type, "marketplaceIds": [US], **spec})
    assert created.status_code == 202, created.text
    assert http.post("/_mock/reports/process").status_code == 200
    return http.get(f"{REPORTS}/reports/{created.json()['reportId']}").json()


# -- a date the calendar cannot hold, in one message ----------------------------------------------


def test_a_fulfillment_date_of_year_1_is_that_messages_error_and_the_other_message_ships(http):
    bad, bad_items = new_order(http, 1)
    good, good_items = new_order(http, 1)
    now = http.get("/_mock/clock").json()["now"]
    content = fulfillment_xml((bad, bad_items[0], "0001-01-01T00:00:00+01:00"), (good, good_items[0], now))
    feed, report = run_feed(http, submit(http, "POST_ORDER_FULFILLMENT_DATA", content, XML))
    assert feed["processingStatus"] == "DONE"
    summary, results = xml_results(report)
    assert (summary["MessagesProcessed"], summary["MessagesSuccessful"], summary["MessagesWithError"]) == (2, 1, 1)
    (error,) = results
    assert (
        error["MessageID"] == "1" and error["ResultCode"] == "Error" and "0001-01-01T00:00:00+01:00" in error["ResultDescription"]
    )
    assert (status(http, bad), status(http, good)) == ("Unshipped", "Shipped")


def test_a_flat_file_ship_date_past_year_9999_is_that_records_error_and_the_other_record_ships(http):
    bad, bad_items = new_order(http, 1)
    good, good_items = new_order(http, 1)
    now = http.get("/_mock/clock").json()["now"]
    rows = [
        "order-id\torder-item-id\tquantity\tship-date\tcarrier-code\ttracking-number",
        f"{bad}\t{bad_items[0]}\t1\t9999-12-31T23:59:59-01:00\tUPS\t1Z1",
        f"{good}\t{good_items[0]}\t1\t{now}\tUPS\t1Z2",
    ]
    feed, report = run_feed(http, submit(http, "POST_FLAT_FILE_FULFILLMENT_DATA", "\n".join(rows) + "\n", TSV))
    assert feed["processingStatus"] == "DONE"
    lines = report.decode().splitlines()
    assert "\tNumber of records successful\t\t1" in lines
    errors = [line.split("\t") for line in lines if line.startswith(("1\t", "2\t", "3\t"))]
    assert len(errors) == 1 and errors[0][1] == bad and errors[0][4] == "Error" and "9999-12-31" in errors[0][5]
    assert (status(http, bad), status(http, good)) == ("Unshipped", "Shipped")


# -- processing that raises -------------------------------------------------------------------------


def test_a_feed_processed_without_its_schema_file_ends_fatal_and_the_sellers_next_feed_completes(tmp_path):
    """The newcomer's case: the package's feed schema went missing. Served from a copy of the
    package without it."""
    copy = tmp_path / "checkout"
    package = Path(spapi_mock.__file__).resolve().parent  # the package under test, wherever it is
    shutil.copytree(package, copy / "src" / "spapi_mock", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("openapi", "fixtures"):
        (copy / name).symlink_to(ROOT / name)
    (copy / "src" / "spapi_mock" / "feeds" / "schemas" / "order-feeds.xsd").unlink()
    with live_server(tmp_dir=tmp_path, env={"PYTHONPATH": str(copy / "src")}) as running:
        with httpx.Client(base_url=running.base_url, timeout=60) as raw:
            http = CheckedClient(raw)
            order_id, items = new_order(http, 1)
            now = http.get("/_mock/clock").json()["now"]
            broken = submit(http, "POST_ORDER_FULFILLMENT_DATA", fulfillment_xml((order_id, items[0], now)), XML)
            feed, report = run_feed(http, broken)
            assert feed["processingStatus"] == "FATAL"
            summary, (result,) = xml_results(report)
            assert summary["MessagesWithError"] == 1 and result["ResultCode"] == "Error"
            assert "FileNotFoundError" in result["ResultDescription"] and "order-feeds.xsd" in result["ResultDescription"]
            assert status(http, order_id) == "Unshipped"
            rows = f"order-id\torder-item-id\tquantity\tship-date\n{order_id}\t{items[0]}\t1\t{now}\n"
            feed, _ = run_feed(http, submit(http, "POST_FLAT_FILE_FULFILLMENT_DATA", rows, TSV))
            assert feed["processingStatus"] == "DONE" and status(http, order_id) == "Shipped"


def test_a_report_whose_production_raises_ends_fatal_with_a_document_saying_why(http, monkeypatch):
    from spapi_mock.reports import formats

    def broken(*args, **kwargs):
        raise RuntimeError("the report's formatter broke")

    with monkeypatch.context() as patch:
        patch.setattr(formats, "produce", broken)
        failed = report_now(http, ALL_BY_DATE)
    assert failed["processingStatus"] == "FATAL" and failed["reportDocumentId"]
    document = http.get(f"{REPORTS}/documents/{failed['reportDocumentId']}").json()
    assert b"the report's formatter broke" in http.get(s3_path(document["url"]), token=False).content
    assert report_now(http, ALL_BY_DATE)["processingStatus"] == "DONE"


def test_a_schedule_that_cannot_fire_stops_and_its_report_ends_fatal_while_reads_answer(server, http, monkeypatch):
    from spapi_mock.domain import reports

    now = http.get("/_mock/clock").json()["now"]
    spec = {"reportType": ALL_BY_DATE, "marketplaceIds": [US], "period": "PT1H", "nextReportCreationTime": now}
    schedule_id = http.post(f"{REPORTS}/schedules", json=spec).json()["reportScheduleId"]

    def broken(schedule):
        raise ValueError("the schedule is corrupt")

    with monkeypatch.context() as patch:
        patch.setattr(reports, "fire", broken)
        assert http.post("/_mock/clock/advance", json={"by": "1m"}).status_code == 200
        listed = http.get(f"{REPORTS}/reports", params={"reportTypes": ALL_BY_DATE})
    assert listed.status_code == 200
    assert http.get(f"{REPORTS}/schedules/{schedule_id}").status_code == 404
    assert http.post("/_mock/reports/process").status_code == 200
    (made,) = [
        r
        for r in http.get(f"{REPORTS}/reports", params={"reportTypes": ALL_BY_DATE}).json()["reports"]
        if r.get("reportScheduleId") == schedule_id
    ]
    assert made["processingStatus"] == "FATAL"
    document = http.get(f"{REPORTS}/documents/{made['reportDocumentId']}").json()
    assert b"the schedule is corrupt" in http.get(s3_path(document["url"]), token=False).content


# -- no eligible data -------------------------------------------------------------------------------


def test_an_unshipped_orders_report_with_no_eligible_order_is_cancelled_with_no_document(server, http):
    """Amazon's order reports are canceled if no eligible data is found; the order tracking
    reports (all orders) are not, and are DONE with their header alone."""
    from spapi_mock.testing import MockSeller

    empty = MockSeller.create(server, seed="empty")
    try:
        token = {
            "x-amz-access-token": http.post(
                "/auth/o2/token",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": empty.refresh_token,
                    "client_id": "a",
                    "client_secret": "b",
                },
                token=False,
            ).json()["access_token"]
        }
        created = http.post(f"{REPORTS}/reports", json={"reportType": UNSHIPPED, "marketplaceIds": [US]}, headers=token)
        tracked = http.post(f"{REPORTS}/reports", json={"reportType": ALL_BY_DATE, "marketplaceIds": [US]}, headers=token)
        assert http.post("/_mock/reports/process", params={"sellerId": empty.seller_id}).status_code == 200
        cancelled = http.get(f"{REPORTS}/reports/{created.json()['reportId']}", headers=token).json()
        assert cancelled["processingStatus"] == "CANCELLED" and "reportDocumentId" not in cancelled
        assert cancelled["processingEndTime"] >= cancelled["processingStartTime"]
        done = http.get(f"{REPORTS}/reports/{tracked.json()['reportId']}", headers=token).json()
        assert done["processingStatus"] == "DONE" and done["reportDocumentId"]
    finally:
        empty.close()
    order_id, _ = new_order(http, 1)
    found = report_now(http, UNSHIPPED)
    assert found["processingStatus"] == "DONE" and found["reportDocumentId"]
