"""Feed and report documents as a client fetches them, through a real socket: how long a
presigned URL works, and when a report document comes gzipped.

Amazon's models say of every document URL: "This URL expires after 5 minutes"
(feeds_2021-06-30.json: CreateFeedDocumentResponse.url, FeedDocument.url;
reports_2021-06-30.json: ReportDocument.url). The mock's five minutes are on its own clock, so
the tests move that clock to either side of the end rather than wait.
"""

from __future__ import annotations

import gzip
from datetime import datetime, timedelta

import pytest

from support.http import US, seller_token

FEEDS = "/feeds/2021-06-30"
REPORTS = "/reports/2021-06-30"
XML = "text/xml; charset=UTF-8"
XML_ALL_ORDERS = "GET_XML_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
GZIP_MAGIC = b"\x1f\x8b"
# README: a report document is gzipped "when it is 1 MB or more". Read as 2**20 bytes above and
# as 10**6 below, so that either reading of "1 MB" passes and a threshold much off it does not.
MEBIBYTE, MEGABYTE = 1024 * 1024, 1_000_000


def advance(http, by: str) -> None:
    assert http.post("/_mock/clock/advance", json={"by": by}).status_code == 200


def expired(answer) -> bool:
    body = answer.content
    return answer.status_code == 403 and b"<Code>AccessDenied</Code>" in body and b"Request has expired" in body


def report_document(http, spec: dict, token: dict | None = None, seller_id: str | None = None) -> dict:
    """Request a report, produce it now (the clock is frozen), and getReportDocument."""
    headers = {"token": False, "headers": token} if token else {}
    created = http.post(f"{REPORTS}/reports", json={"marketplaceIds": [US], **spec}, **headers)
    assert created.status_code == 202, created.text
    processed = http.post("/_mock/reports/process", params={"sellerId": seller_id} if seller_id else {})
    assert processed.status_code == 200, processed.text
    report = http.get(f"{REPORTS}/reports/{created.json()['reportId']}", **headers).json()
    assert report["processingStatus"] == "DONE", report
    document = http.get(f"{REPORTS}/documents/{report['reportDocumentId']}", **headers)
    assert document.status_code == 200, document.text
    return document.json()


# -- a URL works until five minutes after it was given, and not after -----------------------------


def test_a_feed_document_upload_url_works_at_4_59_and_is_refused_at_5_01(live_http):
    created = live_http.post(f"{FEEDS}/documents", json={"contentType": XML}).json()
    advance(live_http, "4m59s")
    put = live_http.put(created["url"], content=b"<a/>", headers={"Content-Type": XML}, token=False)
    assert put.status_code == 200, put.text
    advance(live_http, "2s")
    late = live_http.put(created["url"], content=b"<b/>", headers={"Content-Type": XML}, token=False)
    assert expired(late), late.text


def test_a_feed_document_download_url_works_at_4_59_and_is_refused_at_5_01(live_http):
    created = live_http.post(f"{FEEDS}/documents", json={"contentType": XML}).json()
    assert live_http.put(created["url"], content=b"<a/>", headers={"Content-Type": XML}, token=False).status_code == 200
    url = live_http.get(f"{FEEDS}/documents/{created['feedDocumentId']}").json()["url"]
    advance(live_http, "4m59s")
    on_time = live_http.get(url, token=False)
    assert on_time.status_code == 200 and on_time.content == b"<a/>", on_time.text
    advance(live_http, "2s")
    assert expired(late := live_http.get(url, token=False)), late.text


def test_a_report_document_url_works_at_4_59_and_is_refused_at_5_01(live_http):
    url = report_document(live_http, {"reportType": XML_ALL_ORDERS})["url"]
    advance(live_http, "4m59s")
    on_time = live_http.get(url, token=False)
    assert on_time.status_code == 200 and on_time.content.startswith(b"<?xml"), on_time.text
    advance(live_http, "2s")
    assert expired(late := live_http.get(url, token=False)), late.text


# -- a report document of 1 MB or more comes gzipped, a smaller one as it is ---------------------


@pytest.fixture(scope="module")
def big_seller(live_http):
    """A seller of its own whose 600 orders, one a minute from two days ago, make an XML
    all-orders report of more than a mebibyte; loaded in two requests, each well under the
    control plane's 1 MB body limit."""
    seller_id = "A1BIGREPORTSELLER"
    start = datetime.fromisoformat(live_http.get("/_mock/clock").json()["now"].replace("Z", "+00:00")) - timedelta(days=2)
    placed = [
        {
            "order": {
                "AmazonOrderId": f"111-0002100-{n:07d}",
                "PurchaseDate": (start + timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "OrderStatus": "Unshipped",
                "FulfillmentChannel": "MFN",
                "MarketplaceId": US,
            },
            "items": [
                {"ASIN": "B000002100", "OrderItemId": f"{n:07d}{i:07d}", "QuantityOrdered": 1, "QuantityShipped": 0}
                for i in range(10)
            ],
        }
        for n in range(600)
    ]
    for half in (placed[:300], placed[300:]):
        loaded = live_http.post("/_mock/fixtures", json={"seller": seller_id, "orders": half})
        assert loaded.status_code == 200, loaded.text
    return seller_id, seller_token(live_http, seller_id), start


def test_a_report_document_of_1_mb_or_more_is_gzipped_and_a_smaller_one_is_not(live_http, big_seller):
    seller_id, token, start = big_seller

    def fetch(**spec) -> tuple[dict, bytes]:
        document = report_document(live_http, {"reportType": XML_ALL_ORDERS, **spec}, token, seller_id)
        answer = live_http.get(document["url"], token=False)
        assert answer.status_code == 200, answer.text
        return document, answer.content

    document, body = fetch()
    assert document["compressionAlgorithm"] == "GZIP" and body.startswith(GZIP_MAGIC)
    content = gzip.decompress(body)
    assert content.startswith(b"<?xml") and len(content) >= MEBIBYTE
    # The same report over the first orders only, as many as fit just under 10**6 bytes.
    per_order = len(content) / 600
    fitting = int((MEGABYTE - 0.5 * per_order) / per_order) - 1
    until = (start + timedelta(minutes=fitting - 1, seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    small, plain = fetch(dataStartTime=(start - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ"), dataEndTime=until)
    assert "compressionAlgorithm" not in small and plain.startswith(b"<?xml")
    assert 0.9 * MEGABYTE < len(plain) < MEGABYTE, len(plain)
