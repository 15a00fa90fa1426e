"""Moving the clock years ahead under a report schedule, through a real socket.

Amazon keeps reports for a limited time: "Reports are retained for a maximum of 90 days" (the
Reports model, getReports' createdSince), so a PT1H schedule leaves at most 90 × 24 reports
however far the clock moves, the older ones gone with their documents; and the schedule's next
creation time is where its period puts it. No wall-clock figure is asserted here: the time and
memory a 10-year move costs are bench/clock_advance.py's to print.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from spapi_mock.kernel.dates import parse_iso, to_wire
from spapi_mock.testing import MockSeller, background_server

from support.http import US, CheckedClient, seller_token

REPORTS = "/reports/2021-06-30"
ALL_BY_DATE = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
RETENTION = timedelta(days=90)  # Amazon's figure, written here, not read from the code


@pytest.fixture(scope="module")
def http():
    """A seller with no orders (each report is produced at once), on a frozen clock."""
    with background_server() as server:
        seller = MockSeller.create(server, seed="empty")
        with httpx.Client(base_url=server.base_url, timeout=600) as raw:
            client = SellerClient(raw, seller_token(CheckedClient(raw), seller.seller_id), seller.seller_id)
            assert client.post("/_mock/clock/freeze", json={}).status_code == 200
            yield client
            # The runner produces the reports a move created: let it finish before the server stops.
            assert client.post("/_mock/reports/process", params={"sellerId": client.seller_id}).status_code == 200


class SellerClient(CheckedClient):
    """Every request with the seller's own access token."""

    def __init__(self, raw, token: dict, seller_id: str) -> None:
        super().__init__(raw)
        self.token, self.seller_id = token, seller_id

    def request(self, method: str, url: str, **kwargs):
        return super().request(method, url, **{**kwargs, "headers": {**self.token, **kwargs.get("headers", {})}})


def all_reports(http) -> list[dict]:
    found, params = [], {"reportTypes": ALL_BY_DATE, "pageSize": 100}
    while True:
        page = http.get(f"{REPORTS}/reports", params=params)
        assert page.status_code == 200, page.text
        found += page.json()["reports"]
        if not page.json().get("nextToken"):
            return found
        params = {"nextToken": page.json()["nextToken"]}


def test_ten_years_under_an_hourly_schedule_keep_90_days_of_reports_and_the_schedule_on_time(http):
    start = http.get("/_mock/clock").json()["now"]
    spec = {"reportType": ALL_BY_DATE, "marketplaceIds": [US], "period": "PT1H", "nextReportCreationTime": start}
    schedule_id = http.post(f"{REPORTS}/schedules", json=spec).json()["reportScheduleId"]
    assert http.post("/_mock/clock/advance", json={"by": "1d"}).status_code == 200
    first_day = all_reports(http)
    assert len(first_day) == 25  # at start, then each hour up to and including now
    oldest = first_day[-1]["reportId"]

    moved = http.post("/_mock/clock/advance", json={"by": "3650d"})
    assert moved.status_code == 200, moved.text
    now = parse_iso(moved.json()["now"])
    assert now == parse_iso(start) + timedelta(days=3651)
    schedule = http.get(f"{REPORTS}/schedules/{schedule_id}").json()
    assert schedule["nextReportCreationTime"] == to_wire(now + timedelta(hours=1))

    kept = all_reports(http)
    hourly = RETENTION // timedelta(hours=1)
    assert hourly <= len(kept) <= hourly + 1
    created = sorted(parse_iso(report["createdTime"]) for report in kept)
    assert now - RETENTION <= created[0] and created[-1] == now
    assert all(later - earlier == timedelta(hours=1) for earlier, later in zip(created, created[1:], strict=False))
    assert {report["reportScheduleId"] for report in kept} == {schedule_id}
    assert http.get(f"{REPORTS}/reports/{oldest}").status_code == 404
    ids = [int(report["reportId"]) for report in kept]
    assert min(ids) > int(oldest), "an expired report's id is never given again"
    assert http.delete(f"{REPORTS}/schedules/{schedule_id}").status_code == 200


def test_a_report_expires_90_days_after_it_was_created_with_its_document(http):
    created = http.post(f"{REPORTS}/reports", json={"reportType": ALL_BY_DATE, "marketplaceIds": [US]})
    report_id = created.json()["reportId"]
    assert http.post("/_mock/reports/process", params={"sellerId": http.seller_id}).status_code == 200
    document_id = http.get(f"{REPORTS}/reports/{report_id}").json()["reportDocumentId"]
    assert http.post("/_mock/clock/advance", json={"by": "89d23h59m"}).status_code == 200
    assert http.get(f"{REPORTS}/reports/{report_id}").status_code == 200
    assert http.get(f"{REPORTS}/documents/{document_id}").status_code == 200
    assert http.post("/_mock/clock/advance", json={"by": "1m"}).status_code == 200
    assert http.get(f"{REPORTS}/reports/{report_id}").status_code == 404
    assert http.get(f"{REPORTS}/documents/{document_id}").status_code == 404
