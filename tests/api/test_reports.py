"""Reports API 2021-06-30 through HTTP, as seller software reads its orders from reports: request
a report, wait for it, download its document (gzipped or not) and parse it as a user would, with
Python's csv module and pandas. Every 2xx and error body is held to Amazon's reports model by the
client (support/http.py).
"""

from __future__ import annotations

import csv
import gzip
import io

from support.http import US, s3_path
from support.orders import MISTAKE, advance, new_order
from support.tools import tool_missing

REPORTS = "/reports/2021-06-30"
UNSHIPPED = "GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING"
ALL_BY_DATE = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
ALL_BY_UPDATE = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
PENDING = "GET_FLAT_FILE_PENDING_ORDERS_DATA"


# -- helpers -----------------------------------------------------------------------------------


def report(http, report_type: str, **spec) -> tuple[dict, bytes, dict]:
    """Request a report, produce it now, and download it: (the report, its contents, the document)."""
    created = http.post(f"{REPORTS}/reports", json={"reportType": report_type, "marketplaceIds": [US], **spec})
    assert created.status_code == 202, created.text
    assert http.post("/_mock/reports/process").status_code == 200
    done = http.get(f"{REPORTS}/reports/{created.json()['reportId']}").json()
    assert done["processingStatus"] in ("DONE", "FATAL"), done
    document = http.get(f"{REPORTS}/documents/{done['reportDocumentId']}").json()
    answer = http.get(s3_path(document["url"]), token=False)
    assert answer.status_code == 200, answer.text
    content = gzip.decompress(answer.content) if document.get("compressionAlgorithm") == "GZIP" else answer.content
    return done, content, document


def rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8")), dialect="excel-tab"))


# -- the order reports -------------------------------------------------------------------------


def test_the_unshipped_orders_report_carries_the_buyers_cancellation_request_until_the_seller_cancels(http):
    order_id, items = new_order(http, 1, 2)
    advance(http, "1h")
    answer = http.post(
        f"/_mock/orders/{order_id}/actions", json={"action": "buyer_request_cancellation", "reason": MISTAKE, "items": [items[0]]}
    )
    assert answer.status_code == 200, answer.text
    done, content, document = report(http, UNSHIPPED, reportOptions={"mockCompression": "GZIP"})
    assert document["compressionAlgorithm"] == "GZIP" and done["processingStatus"] == "DONE"
    mine = {row["order-item-id"]: row for row in rows(content) if row["order-id"] == order_id}
    assert (mine[items[0]]["is-buyer-requested-cancellation"], mine[items[0]]["buyer-requested-cancel-reason"]) == (
        "true",
        MISTAKE,
    )
    assert (mine[items[1]]["is-buyer-requested-cancellation"], mine[items[1]]["buyer-requested-cancel-reason"]) == ("false", "")
    assert mine[items[1]]["quantity-to-ship"] == "2" and mine[items[0]]["purchase-date"].endswith("+00:00")
    assert (
        http.post(f"/_mock/orders/{order_id}/actions", json={"action": "seller_cancel", "reason": "BuyerCanceled"}).status_code
        == 200
    )
    _, after, document = report(http, UNSHIPPED, reportOptions={"mockCompression": "NONE"})
    assert "compressionAlgorithm" not in document
    assert order_id not in {row["order-id"] for row in rows(after)}
    _, everything, _ = report(http, ALL_BY_UPDATE)
    statuses = {row["order-status"] for row in rows(everything) if row["amazon-order-id"] == order_id}
    assert statuses == {"Cancelled"}


def test_a_pending_order_is_in_the_pending_report_and_in_no_other(http):
    pending, _ = new_order(http, 1, status="Pending")
    _, content, _ = report(http, PENDING)
    assert pending in {row["order-id"] for row in rows(content)}
    _, unshipped, _ = report(http, UNSHIPPED)
    assert pending not in {row["order-id"] for row in rows(unshipped)}
    paid, _ = new_order(http, 1)
    assert paid not in {row["order-id"] for row in rows(report(http, PENDING)[1])}


def test_the_all_orders_report_selects_by_purchase_date_and_reads_with_pandas(http):
    try:
        import pandas as pd
    except ImportError:
        tool_missing("pandas is not installed (pip install -e '.[test]' brings it)")
    order_id, _ = new_order(http, 1, channel="AFN")
    _, content, _ = report(http, ALL_BY_DATE)
    frame = pd.read_csv(io.BytesIO(content), sep="\t", dtype=str, keep_default_na=False)
    assert list(frame.columns)[:5] == [
        "amazon-order-id",
        "merchant-order-id",
        "purchase-date",
        "last-updated-date",
        "order-status",
    ]
    mine = frame[frame["amazon-order-id"] == order_id]
    assert list(mine["fulfillment-channel"]) == ["Amazon"] and list(mine["item-status"]) == ["Unshipped"]
    old = http.get("/_mock/clock").json()["now"][:4]
    _, nothing, _ = report(http, ALL_BY_DATE, dataStartTime="2001-01-01T00:00:00Z", dataEndTime="2001-01-02T00:00:00Z")
    assert rows(nothing) == [] and old != "2001"


def test_a_report_type_the_mock_does_not_produce_ends_fatal_saying_so(http):
    done, content, _ = report(http, "GET_MERCHANT_LISTINGS_ALL_DATA")
    assert done["processingStatus"] == "FATAL" and b"does not produce GET_MERCHANT_LISTINGS_ALL_DATA" in content


def test_report_requests_are_checked(http):
    for spec, says in (
        ({"reportType": "orders please", "marketplaceIds": [US]}, "is not a report type"),
        ({"reportType": UNSHIPPED, "marketplaceIds": ["NOPE"]}, "NOPE"),
        ({"reportType": UNSHIPPED, "marketplaceIds": [US], "dataEndTime": "2999-01-01T00:00:00Z"}, "after now"),
        ({"reportType": UNSHIPPED, "marketplaceIds": [US], "reportOptions": {"mockCompression": "ZIP"}}, "mockCompression"),
    ):
        answer = http.post(f"{REPORTS}/reports", json=spec)
        assert answer.status_code == 400 and says in answer.json()["errors"][0]["message"], answer.text


# -- the report's life, listing, schedules -------------------------------------------------------


def test_a_report_is_queued_then_done_on_the_clock_and_only_a_queued_one_can_be_cancelled(http):
    first = http.post(f"{REPORTS}/reports", json={"reportType": PENDING, "marketplaceIds": [US]}).json()["reportId"]
    assert http.get(f"{REPORTS}/reports/{first}").json()["processingStatus"] == "IN_QUEUE"
    second = http.post(f"{REPORTS}/reports", json={"reportType": PENDING, "marketplaceIds": [US]}).json()["reportId"]
    assert http.delete(f"{REPORTS}/reports/{second}").status_code == 200
    advance(http, "2s")
    http.post("/_mock/reports/process")  # waits for the runner the clock started
    advance(http, "1m")
    done = http.get(f"{REPORTS}/reports/{first}").json()
    assert done["processingStatus"] == "DONE" and done["reportDocumentId"]
    assert http.get(f"{REPORTS}/reports/{second}").json()["processingStatus"] == "CANCELLED"
    refused = http.delete(f"{REPORTS}/reports/{first}")
    assert refused.status_code == 400 and "only a report that is IN_QUEUE" in refused.json()["errors"][0]["message"]
    assert http.get(f"{REPORTS}/reports/1").status_code == 404


def test_get_reports_filters_pages_and_wants_its_next_token_alone(http):
    ids = [
        http.post(
            f"{REPORTS}/reports", json={"reportType": "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE", "marketplaceIds": [US]}
        ).json()["reportId"]
        for _ in range(3)
    ]
    first = http.get(
        f"{REPORTS}/reports", params={"reportTypes": "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE", "pageSize": 2}
    ).json()
    assert [r["reportId"] for r in first["reports"]] == ids[::-1][:2] and first["nextToken"]
    rest = http.get(f"{REPORTS}/reports", params={"nextToken": first["nextToken"]}).json()
    assert [r["reportId"] for r in rest["reports"]] == ids[:1]
    assert http.get(f"{REPORTS}/reports", params={"nextToken": first["nextToken"], "reportTypes": "X"}).status_code == 400
    assert http.get(f"{REPORTS}/reports").status_code == 400
    assert (
        http.get(
            f"{REPORTS}/reports", params={"reportTypes": "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE", "processingStatuses": "DONE"}
        ).json()["reports"]
        == []
    )


def test_a_schedule_with_period_pt1h_creates_24_reports_over_24_hours(http):
    start = http.get("/_mock/clock").json()["now"]
    created = http.post(
        f"{REPORTS}/schedules",
        json={"reportType": ALL_BY_UPDATE, "marketplaceIds": [US], "period": "PT1H", "nextReportCreationTime": start},
    )
    assert created.status_code == 201, created.text
    schedule_id = created.json()["reportScheduleId"]
    before = len(http.get("/_mock/reports", params={"limit": 1000}).json()["reports"])
    advance(http, "24h")
    listed = http.get("/_mock/reports", params={"limit": 1000}).json()
    made = [r for r in listed["reports"] if r.get("reportScheduleId") == schedule_id]
    # One at nextReportCreationTime (the start, made before the advance), then one each hour of the 24.
    assert len(made) == 25 and len(listed["reports"]) - before == 24
    schedule = http.get(f"{REPORTS}/schedules/{schedule_id}").json()
    assert schedule["period"] == "PT1H" and schedule["nextReportCreationTime"] > start
    assert [
        s["reportScheduleId"]
        for s in http.get(f"{REPORTS}/schedules", params={"reportTypes": ALL_BY_UPDATE}).json()["reportSchedules"]
    ] == [schedule_id]
    assert http.delete(f"{REPORTS}/schedules/{schedule_id}").status_code == 200
    assert http.get(f"{REPORTS}/schedules/{schedule_id}").status_code == 404
    advance(http, "2h")
    assert (
        len(
            [
                r
                for r in http.get("/_mock/reports", params={"limit": 1000}).json()["reports"]
                if r.get("reportScheduleId") == schedule_id
            ]
        )
        == 25
    )
    bad = http.post(f"{REPORTS}/schedules", json={"reportType": ALL_BY_UPDATE, "marketplaceIds": [US], "period": "PT7M"})
    assert bad.status_code == 400


def test_reports_are_throttled_journalled_and_kept_per_seller(http):
    report_id = http.post(f"{REPORTS}/reports", json={"reportType": PENDING, "marketplaceIds": [US]}).json()["reportId"]
    form = {
        "grant_type": "refresh_token",
        "refresh_token": "Atzr|spapi-mock|A2OTHERSELLER",
        "client_id": "a",
        "client_secret": "b",
    }
    other = {"x-amz-access-token": http.post("/auth/o2/token", token=False, data=form).json()["access_token"]}
    assert http.get(f"{REPORTS}/reports/{report_id}", token=False, headers=other).status_code == 404
    assert http.request("PUT", "/_mock/throttling", json={"mode": "amazon"}).status_code == 200
    try:
        statuses = [http.get(f"{REPORTS}/reports/{report_id}").status_code for _ in range(16)]
        assert statuses == [200] * 15 + [429]  # getReport's burst is 15
    finally:
        assert http.request("PUT", "/_mock/throttling", json={"mode": "off"}).status_code == 200
    journal = http.get("/_mock/journal", params={"operation": "getReport"}).json()["requests"]
    assert journal[-1]["status"] == 429


def test_the_xml_all_orders_report_validates_against_its_schema_and_says_cancelled(http):
    from lxml import etree

    from spapi_mock.kernel import resources

    order_id, items = new_order(http, 1, 2)
    assert (
        http.post(f"/_mock/orders/{order_id}/actions", json={"action": "seller_cancel", "reason": "NoInventory"}).status_code
        == 200
    )
    _, content, _ = report(http, "GET_XML_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL")
    schema = etree.XMLSchema(etree.parse(str(resources.package_file("reports/schemas/all-orders-report.xsd"))))
    root = etree.fromstring(content)
    assert schema.validate(root), schema.error_log.last_error
    (order,) = [o for o in root.iterfind("Message/Order") if o.findtext("AmazonOrderID") == order_id]
    assert order.findtext("OrderStatus") == "Cancelled"
    assert [line.findtext("AmazonOrderItemCode") for line in order.iterfind("OrderItem")] == items
    assert {line.findtext("ItemStatus") for line in order.iterfind("OrderItem")} == {"Cancelled"}


def test_the_order_report_is_produced_only_on_a_schedule_with_its_optional_columns(http):
    refused = http.post(
        f"{REPORTS}/reports", json={"reportType": "GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING", "marketplaceIds": [US]}
    )
    assert refused.status_code == 400 and "only on a schedule" in refused.json()["errors"][0]["message"]
    order_id, items = new_order(http, 1)
    advance(http, "1h")
    http.post(f"/_mock/orders/{order_id}/actions", json={"action": "buyer_request_cancellation", "reason": MISTAKE})
    now = http.get("/_mock/clock").json()["now"]
    spec = {
        "reportType": "GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING",
        "marketplaceIds": [US],
        "period": "P1D",
        "nextReportCreationTime": now,
    }
    schedule_id = http.post(f"{REPORTS}/schedules", json=spec).json()["reportScheduleId"]
    # At nextReportCreationTime (now) the schedule creates its report; process-now produces it.
    assert http.post("/_mock/reports/process").status_code == 200
    (made,) = [
        r
        for r in http.get("/_mock/reports", params={"limit": 1000}).json()["reports"]
        if r.get("reportScheduleId") == schedule_id
    ]
    document = http.get(f"{REPORTS}/documents/{made['reportDocumentId']}").json()
    body = http.get(s3_path(document["url"]), token=False).content
    table = rows(gzip.decompress(body) if document.get("compressionAlgorithm") else body)
    (row,) = [r for r in table if r["order-id"] == order_id]
    assert row["is-buyer-requested-cancellation"] == "true" and row["buyer-requested-cancel-reason"] == MISTAKE
    assert list(table[0])[-5:] == [
        "is-business-order",
        "purchase-order-number",
        "price-designation",
        "is-buyer-requested-cancellation",
        "buyer-requested-cancel-reason",
    ]


def test_a_report_documents_url_expires_after_five_minutes_of_the_mock_clock(http):
    created = http.post(f"{REPORTS}/reports", json={"reportType": PENDING, "marketplaceIds": [US]}).json()
    http.post("/_mock/reports/process")
    done = http.get(f"{REPORTS}/reports/{created['reportId']}").json()
    path = s3_path(http.get(f"{REPORTS}/documents/{done['reportDocumentId']}").json()["url"])
    assert http.get(path, token=False).status_code == 200
    put = http.put(path, content=b"x", token=False)
    assert put.status_code == 403 and b"SignatureDoesNotMatch" in put.content
    advance(http, "5m")
    expired = http.get(path, token=False)
    assert expired.status_code == 403 and b"<Message>Request has expired</Message>" in expired.content
