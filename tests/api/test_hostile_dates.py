"""Every date field of every API, given dates at the ends of the calendar, through a real socket.

Years 1 and 9999, with and without offsets east and west of UTC, with fractions, and date-only, in
every date the Orders (v0 and 2026-01-01), Feeds and Reports APIs take: query parameters, request
bodies, feed messages (XML and flat file), and the control plane's clock. Each answer is a 400
naming its field or a correct answer, never a 5xx; and once the runners have settled, no feed or
report is left IN_QUEUE or IN_PROGRESS, and no schedule waits for a time the clock cannot reach.
"""

from __future__ import annotations

import httpx
import pytest

from spapi_mock.config import Config
from spapi_mock.testing import background_server

from support import TEST_FIXTURES
from support.http import US, CheckedClient, s3_path
from support.orders import new_order

FEEDS, REPORTS = "/feeds/2021-06-30", "/reports/2021-06-30"
UNSHIPPED = "GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING"
REGULATED_ORDER = "112-8306889-0912791"  # in the test fixtures, with regulated items
EDGES = (
    "0001-01-01T00:00:00+01:00",
    "0001-01-01T00:00:00-01:00",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00.000001Z",
    "0001-01-01",
    "9999-12-31T23:59:59-01:00",
    "9999-12-31T23:59:59+01:00",
    "9999-12-31T23:59:59.999999Z",
    "9999-12-31T23:59:59.5+14:00",
    "9999-12-31",
    "0002-01-01T00:00:00Z",
    "9998-12-31T23:59:59Z",
)
V0_DATES = (
    "CreatedAfter",
    "CreatedBefore",
    "LastUpdatedAfter",
    "LastUpdatedBefore",
    "EarliestDeliveryDateBefore",
    "EarliestDeliveryDateAfter",
    "LatestDeliveryDateBefore",
    "LatestDeliveryDateAfter",
)
V2026_DATES = ("createdAfter", "createdBefore", "lastUpdatedAfter", "lastUpdatedBefore")


@pytest.fixture(scope="module")
def http():
    with background_server(Config(fixtures_dir=TEST_FIXTURES)) as server:
        with httpx.Client(base_url=server.base_url, timeout=60) as raw:
            yield CheckedClient(raw)


def answers(http, order_id: str, item_id: str, date: str):
    """(what was sent, the response) for the date in each field that takes one."""
    yield from _queries(http, date)
    yield from _bodies(http, order_id, item_id, date)
    yield from _feeds(http, order_id, item_id, date)
    for path in ("/_mock/clock/freeze", "/_mock/clock/set"):
        yield f"{path} at", http.post(path, json={"at": date})


def _queries(http, date: str):
    for api, types in ((FEEDS, {"feedTypes": "POST_ORDER_FULFILLMENT_DATA"}), (REPORTS, {"reportTypes": UNSHIPPED})):
        for name in ("createdSince", "createdUntil"):
            yield f"{api} {name}", http.get(f"{api}/{api.split('/')[1]}", params={**types, name: date})
    for name in V0_DATES:
        window = {} if name in ("CreatedAfter", "LastUpdatedAfter") else {"CreatedAfter": "2020-01-01T00:00:00Z"}
        if name == "LastUpdatedBefore":
            window = {"LastUpdatedAfter": "2020-01-01T00:00:00Z"}
        yield f"getOrders {name}", http.get("/orders/v0/orders", params={"MarketplaceIds": US, **window, name: date})
    for name in V2026_DATES:
        window = {
            "createdBefore": {"createdAfter": "2020-01-01T00:00:00Z"},
            "lastUpdatedBefore": {"lastUpdatedAfter": "2020-01-01T00:00:00Z"},
        }
        params = {"marketplaceIds": US, **window.get(name, {}), name: date}
        yield f"searchOrders {name}", http.get("/orders/2026-01-01/orders", params=params)


def _bodies(http, order_id: str, item_id: str, date: str):
    report = {"reportType": UNSHIPPED, "marketplaceIds": [US]}
    for fields in ({"dataStartTime": date}, {"dataEndTime": date}, {"dataStartTime": date, "dataEndTime": date}):
        yield f"createReport {fields}", http.post(f"{REPORTS}/reports", json={**report, **fields})
    schedule = {**report, "period": "PT1H", "nextReportCreationTime": date}
    yield "createReportSchedule nextReportCreationTime", http.post(f"{REPORTS}/schedules", json=schedule)
    package = {
        "packageReferenceId": date,
        "carrierCode": "UPS",
        "trackingNumber": "1Z1",
        "shipDate": date,
        "orderItems": [{"orderItemId": item_id, "quantity": 1}],
    }
    confirmation = {"marketplaceId": US, "packageDetail": package}
    yield "confirmShipment shipDate", http.post(f"/orders/v0/orders/{order_id}/shipmentConfirmation", json=confirmation)
    details = {"prescriptionDetail": {"expirationDate": date}, "interimStatusDetail": {"statusDateTime": date}}
    for name, detail in details.items():
        status = {"externalReviewerId": "reviewer-7", "status": "Approved", "verificationDetails": {name: detail}}
        body = {"regulatedOrderVerificationStatus": status}
        yield (
            f"updateVerificationStatus {name}",
            http.request("PATCH", f"/orders/v0/orders/{REGULATED_ORDER}/regulatedInfo", json=body),
        )


def _feeds(http, order_id: str, item_id: str, date: str):
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><AmazonEnvelope><Header><DocumentVersion>1.01</DocumentVersion>'
        "<MerchantIdentifier>M</MerchantIdentifier></Header><MessageType>OrderFulfillment</MessageType><Message>"
        f"<MessageID>1</MessageID><OrderFulfillment><AmazonOrderID>{order_id}</AmazonOrderID><FulfillmentDate>{date}"
        f"</FulfillmentDate><Item><AmazonOrderItemCode>{item_id}</AmazonOrderItemCode><Quantity>1</Quantity></Item>"
        "</OrderFulfillment></Message></AmazonEnvelope>"
    )
    flat = f"order-id\torder-item-id\tquantity\tship-date\n{order_id}\t{item_id}\t1\t{date}\n"
    for feed_type, content, content_type in (
        ("POST_ORDER_FULFILLMENT_DATA", xml, "text/xml; charset=UTF-8"),
        ("POST_FLAT_FILE_FULFILLMENT_DATA", flat, "text/tab-separated-values; charset=UTF-8"),
    ):
        document = http.post(f"{FEEDS}/documents", json={"contentType": content_type}).json()
        uploaded = http.put(s3_path(document["url"]), content=content, headers={"Content-Type": content_type}, token=False)
        yield f"{feed_type} upload", uploaded
        body = {"feedType": feed_type, "marketplaceIds": [US], "inputFeedDocumentId": document["feedDocumentId"]}
        yield f"{feed_type} createFeed", http.post(f"{FEEDS}/feeds", json=body)


def test_no_date_at_the_ends_of_the_calendar_answers_5xx_or_leaves_work_unfinished(http):
    order_id, (item_id,) = new_order(http, 1)
    server_errors, unnamed = [], []
    for date in EDGES:
        for sent, answer in answers(http, order_id, item_id, date):
            if answer.status_code >= 500:
                server_errors.append((sent, date, answer.status_code, answer.text))
            elif answer.status_code == 400 and date.startswith(("0001", "9999")) and "Invalid" in answer.text:
                named = sent.split()[-1].split(":")[0].strip("{}'")
                if named in ("upload", "createFeed") or named not in answer.text:
                    unnamed.append((sent, date, answer.text))
    assert server_errors == []
    assert [u for u in unnamed if "createReport" not in u[0]] == []
    # The runners settle: the clock moves past every job's processing time and whatever is left runs now.
    assert http.post("/_mock/clock/advance", json={"by": "1h"}).status_code == 200
    assert http.post("/_mock/feeds/process").status_code == 200
    assert http.post("/_mock/reports/process").status_code == 200
    unfinished = "IN_QUEUE,IN_PROGRESS"
    feeds = http.get(
        f"{FEEDS}/feeds",
        params={"feedTypes": "POST_ORDER_FULFILLMENT_DATA,POST_FLAT_FILE_FULFILLMENT_DATA", "processingStatuses": unfinished},
    )
    reports = http.get(f"{REPORTS}/reports", params={"reportTypes": UNSHIPPED, "processingStatuses": unfinished})
    assert (feeds.status_code, reports.status_code) == (200, 200)
    assert feeds.json()["feeds"] == [] and reports.json()["reports"] == []
    schedules = http.get(f"{REPORTS}/schedules", params={"reportTypes": UNSHIPPED}).json()["reportSchedules"]
    assert all("2000" <= s["nextReportCreationTime"] < "3000" for s in schedules), schedules
    assert http.get("/_mock/health").status_code == 200
