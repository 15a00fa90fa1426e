"""Restricted report types need a Restricted Data Token, under strict auth, as Amazon documents.

Amazon (Tokens API use case guide, "Restricted operations" and "Restricted report types";
Reports: "The getReportDocument operation is considered a restricted operation only when a
restricted report type is specified. When calling the createRestrictedDataToken operation to get
an RDT for the getReportDocument operation, the specified restricted resource can contain only a
specific path, not a generic path."). Of the types the mock produces, Unshipped Orders
(GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING) and the Order Report
(GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING) are on Amazon's list; the all-orders and pending-orders
reports are not.

What Amazon answers, as its developers report it: getReportDocument of such a report with an LWA
token is 403 ``{"code": "Unauthorized", "message": "Access to requested resource is denied."}``
(double-break/spapi-php#53); createRestrictedDataToken with a Reports path that is not such a
document is 400 ``InvalidInput`` "Invalid or unsupported document ID found"
(amzn/selling-partner-api-models#1595, #2781, jlevers/selling-partner-api#662).

Before: any token read any report document, strict auth or not. All through a socket; the real
python-amazon-sp-api client too.
"""

from __future__ import annotations

import gzip
import uuid

import httpx
import pytest

from spapi_mock.config import Config
from spapi_mock.testing import background_server

from support import TEST_FIXTURES
from support.http import US, CheckedClient
from support.orders import new_order
from support.reference import validator_for
from support.sdk import CLIENT_ID, CLIENT_SECRET, loopback_only, mock_lwa_client_class, python_sp_api_client

REPORTS = "/reports/2021-06-30"
UNSHIPPED = "GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING"
ORDER_REPORT = "GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING"
PENDING = "GET_FLAT_FILE_PENDING_ORDERS_DATA"
ALL_BY_DATE = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
UNSHIPPED_ORDER = "111-0000000-0000001"  # Unshipped, MFN, in tests/data/orders
DENIED = {"code": "Unauthorized", "message": "Access to requested resource is denied."}
UNSUPPORTED = {"code": "InvalidInput", "message": "Invalid or unsupported document ID found"}


@pytest.fixture(scope="module")
def server():
    config = Config(fixtures_dir=TEST_FIXTURES, strict_auth=True, validate_responses=True)
    with loopback_only(), background_server(config) as running:
        yield running


@pytest.fixture(scope="module")
def http(server):
    with httpx.Client(base_url=server.base_url, timeout=60) as raw:
        yield CheckedClient(raw)


def token(http, seller: str = "A1MOCKSELLER00") -> dict:
    form = {"grant_type": "refresh_token", "refresh_token": f"Atzr|spapi-mock|{seller}", "client_id": "a", "client_secret": "s"}
    answer = http.post("/auth/o2/token", token=False, data=form)
    assert answer.status_code == 200, answer.text
    return {"x-amz-access-token": answer.json()["access_token"]}


def rdt_request(http, headers: dict, *paths: str):
    resources = [{"method": "GET", "path": path} for path in paths]
    return http.post(
        "/tokens/2021-03-01/restrictedDataToken", token=False, headers=headers, json={"restrictedResources": resources}
    )


def rdt(http, headers: dict, *paths: str) -> dict:
    answer = rdt_request(http, headers, *paths)
    assert answer.status_code == 200, answer.text
    return {"x-amz-access-token": answer.json()["restrictedDataToken"]}


def document_id(http, headers: dict, report_type: str) -> str:
    """A DONE report of this type, made with a plain LWA token as seller software does; its document id."""
    if report_type == ORDER_REPORT:  # produced only on a schedule, of paid orders placed in its day
        new_order(http, 1)
        now = http.get("/_mock/clock").json()["now"]
        spec = {"reportType": report_type, "marketplaceIds": [US], "period": "P1D", "nextReportCreationTime": now}
        made = http.post(f"{REPORTS}/schedules", token=False, headers=headers, json=spec)
        assert made.status_code == 201, made.text
        assert http.post("/_mock/reports/process").status_code == 200
        listed = http.get(f"{REPORTS}/reports", token=False, headers=headers, params={"reportTypes": report_type}).json()
        report = listed["reports"][0]
    else:
        made = http.post(
            f"{REPORTS}/reports", token=False, headers=headers, json={"reportType": report_type, "marketplaceIds": [US]}
        )
        assert made.status_code == 202, made.text
        assert http.post("/_mock/reports/process").status_code == 200
        report = http.get(f"{REPORTS}/reports/{made.json()['reportId']}", token=False, headers=headers).json()
    assert report["processingStatus"] == "DONE", report
    return report["reportDocumentId"]


def download(document: dict) -> bytes:
    content = httpx.get(document["url"], timeout=30).content
    return gzip.decompress(content) if document.get("compressionAlgorithm") == "GZIP" else content


@pytest.mark.parametrize("report_type", [UNSHIPPED, ORDER_REPORT])
def test_a_restricted_reports_document_needs_an_rdt_that_names_it(http, report_type):
    lwa = token(http)
    doc = document_id(http, lwa, report_type)
    path = f"{REPORTS}/documents/{doc}"

    refused = http.get(path, token=False, headers=lwa)  # the client holds the body to Amazon's ErrorList
    assert refused.status_code == 403
    (error,) = refused.json()["errors"]
    assert {k: error[k] for k in ("code", "message")} == DENIED
    assert report_type in error["details"] and "Restricted Data Token" in error["details"] and path in error["details"]

    # An RDT for another document does not open this one; one naming it does.
    other = document_id(http, lwa, report_type)
    assert http.get(path, token=False, headers=rdt(http, lwa, f"{REPORTS}/documents/{other}")).status_code == 403
    named = http.get(path, token=False, headers=rdt(http, lwa, path))
    assert named.status_code == 200 and named.json()["reportDocumentId"] == doc
    assert download(named.json()).startswith(b"order-id\t")


@pytest.mark.parametrize("report_type", [PENDING, ALL_BY_DATE])
def test_an_unrestricted_reports_document_needs_no_rdt(http, report_type):
    lwa = token(http)
    doc = document_id(http, lwa, report_type)
    assert http.get(f"{REPORTS}/documents/{doc}", token=False, headers=lwa).status_code == 200


def test_an_rdt_request_for_a_reports_path_must_name_a_restricted_document_of_the_seller(http):
    lwa = token(http)
    restricted = document_id(http, lwa, UNSHIPPED)
    unrestricted = document_id(http, lwa, PENDING)
    theirs = token(http, f"OTHER-{uuid.uuid4().hex[:8]}")
    tokens_errors = validator_for("ErrorList", "tokens_2021-03-01.json")
    for headers, path in (
        (lwa, f"{REPORTS}/documents/{{reportDocumentId}}"),  # generic: Amazon takes only a specific path
        (lwa, f"{REPORTS}/reports"),
        (lwa, f"{REPORTS}/documents/{unrestricted}"),
        (lwa, f"{REPORTS}/documents/amzn1.spdoc.1.4.na.unknown"),
        (theirs, f"{REPORTS}/documents/{restricted}"),  # a token of another seller
    ):
        refused = rdt_request(http, headers, path)
        assert refused.status_code == 400, path
        assert not list(tokens_errors.iter_errors(refused.json()))
        (error,) = refused.json()["errors"]
        assert {k: error[k] for k in ("code", "message")} == UNSUPPORTED, path
        assert path in error["details"]
    # An order path in the same request is not held to the reports rule.
    assert (
        rdt_request(http, lwa, f"/orders/v0/orders/{UNSHIPPED_ORDER}/address", f"{REPORTS}/documents/{restricted}").status_code
        == 200
    )


def test_outside_strict_auth_any_token_reads_every_document_and_rdt_requests_are_not_checked(http):
    lwa = token(http)
    doc = document_id(http, lwa, UNSHIPPED)
    assert http.put("/_mock/auth", json={"strict": False}).status_code == 200
    try:
        assert http.get(f"{REPORTS}/documents/{doc}", token=False, headers={"x-amz-access-token": "anything"}).status_code == 200
        assert rdt_request(http, lwa, f"{REPORTS}/documents/{{reportDocumentId}}").status_code == 200
    finally:
        assert http.put("/_mock/auth", json={"strict": True}).status_code == 200


def test_python_amazon_sp_api_downloads_the_unshipped_orders_report_with_the_rdt_it_asks_for(server):
    from sp_api.api import Tokens
    from sp_api.auth import access_token_client
    from sp_api.base import Marketplaces
    from sp_api.base.exceptions import SellingApiForbiddenException

    # python-amazon-sp-api caches access tokens process-wide by refresh token, and this one is
    # fixed (the default seller's): a token another strict-auth server of the same process
    # issued would be reused here and refused (seen under mutmut's single-process run).
    access_token_client.cache.clear()
    refresh_token = "Atzr|spapi-mock|A1MOCKSELLER00"  # the default seller, whose fixtures hold an unshipped order
    reports = python_sp_api_client("ReportsV2", server.base_url, refresh_token)
    report_id = reports.create_report(reportType=UNSHIPPED, marketplaceIds=[US]).payload["reportId"]
    server.control.process_reports()
    document = reports.get_report(report_id).payload["reportDocumentId"]
    with pytest.raises(SellingApiForbiddenException) as refused:
        reports.get_report_document(document, download=True)
    assert "restricted report type" in str(refused.value.error)

    credentials = {"refresh_token": refresh_token, "lwa_app_id": CLIENT_ID, "lwa_client_secret": CLIENT_SECRET}
    tokens = Tokens(Marketplaces.US, credentials=credentials, auth_token_client_class=mock_lwa_client_class(server.base_url))
    tokens.endpoint = server.base_url
    path = f"{REPORTS}/documents/{document}"
    restricted = tokens.create_restricted_data_token(restrictedResources=[{"method": "GET", "path": path}])
    reports.restricted_data_token = restricted.payload["restrictedDataToken"]
    downloaded = reports.get_report_document(document, download=True).payload["document"]
    assert UNSHIPPED_ORDER in downloaded and downloaded.startswith("order-id\t")
