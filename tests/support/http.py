"""The app under test in-process, and a client that holds its answers to Amazon's models."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from spapi_mock.config import Config
from spapi_mock.http.app import create_app
from spapi_mock.kernel.clock import Clock
from spapi_mock.testing import serving

from support import TEST_FIXTURES
from support.reference import assert_valid_response

FROZEN_AT = datetime(2025, 6, 15, 12, 0, 0, tzinfo=UTC)
TOKEN = {"x-amz-access-token": "Atza|test-token"}
US = "ATVPDKIKX0DER"
# Paths whose answers are held to Amazon's models (reference.py picks the version's model).
ORDERS_API_PREFIXES = (
    "/orders/v0/",
    "/orders/2026-01-01/",
    "/feeds/2021-06-30/",
    "/reports/2021-06-30/",
    "/notifications/v1/",
    "/sellers/v1/",
    "/finances/v0/",
    "/finances/2024-06-19/",
)


class CheckedClient:
    """An HTTP client for the app under test that holds every 200 body to Amazon's model."""

    def __init__(self, client) -> None:
        self._client = client

    def request(self, method: str, url: str, *, token: bool = True, envelope: bool = True, **kwargs):
        headers = {**(TOKEN if token else {}), **kwargs.pop("headers", {})}
        response = self._client.request(method, url, headers=headers, **kwargs)
        path = urlsplit(str(response.request.url)).path
        if response.status_code in (200, 201, 202) and path.startswith(ORDERS_API_PREFIXES) and response.content:
            assert_valid_response(method, path, response.status_code, response.json())
        if response.status_code >= 400 and path.startswith(
            ("/feeds/2021-06-30/", "/reports/2021-06-30/", "/notifications/v1/", "/sellers/v1/", "/finances/")
        ):
            assert_valid_response(method, path, response.status_code, response.json())
        if envelope and response.status_code >= 400 and path.startswith(ORDERS_API_PREFIXES):
            body = response.json()
            assert set(body) == {"errors"}, body
            for error in body["errors"]:
                # Amazon's sandbox answers omit "details"; the mock's own errors always carry it.
                assert {"code", "message"} <= set(error) <= {"code", "message", "details"} and error["message"], body
        return response

    def get(self, url: str, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs):
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs):
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs):
        return self.request("DELETE", url, **kwargs)


def seller_token(http: CheckedClient, seller_id: str) -> dict:
    """The x-amz-access-token header of a token that acts for the seller, from the LWA
    endpoint as an SDK gets one."""
    form = {
        "grant_type": "refresh_token",
        "refresh_token": f"Atzr|spapi-mock|{seller_id}",
        "client_id": "any",
        "client_secret": "any",
    }
    response = http.post("/auth/o2/token", data=form, token=False)
    assert response.status_code == 200, response.text
    return {"x-amz-access-token": response.json()["access_token"]}


def s3_path(url: str) -> str:
    """A presigned document URL as the in-process client requests it: the app answers its S3 paths
    itself, on whatever host the URL names."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def make_app(fixtures_dir: Path = TEST_FIXTURES, **config):
    clock = Clock()
    clock.freeze(FROZEN_AT)
    settings = {"fixtures_dir": fixtures_dir, "validate_responses": True, **config}
    return create_app(Config(**settings), clock=clock)


@contextmanager
def over_a_socket(app) -> Iterator[CheckedClient]:
    """``app`` served on a free loopback port from a thread of this process, and a checked client
    that reaches it through that socket as any HTTP client would (presigned URLs included: they
    name the address the request reached). The app keeps its clock, so a test still moves time
    itself."""
    import httpx

    with serving(app) as base_url, httpx.Client(base_url=base_url, timeout=120) as raw:
        yield CheckedClient(raw)


def confirm_shipment_body(lines: list[tuple[str, int]], ship_date: str, marketplace_id: str = US) -> dict:
    """Amazon's ConfirmShipmentRequest for (order item id, quantity) lines, as a seller's software sends it."""
    return {
        "marketplaceId": marketplace_id,
        "packageDetail": {
            "packageReferenceId": "1",
            "carrierCode": "UPS",
            "carrierName": "UPS",
            "shippingMethod": "UPS Ground",
            "trackingNumber": "1Z999AA10123456784",
            "shipDate": ship_date,
            "orderItems": [{"orderItemId": item_id, "quantity": quantity} for item_id, quantity in lines],
        },
    }
