"""What every response looks like on the wire: headers, JSON, error envelopes, auth."""

from __future__ import annotations

import json
import uuid

import pytest

from support.http import US

ORDER = "111-0000000-0000001"
READS = {
    "getOrders": (f"/orders/v0/orders?CreatedAfter=2025-06-01&MarketplaceIds={US}", "0.0167"),
    "getOrder": (f"/orders/v0/orders/{ORDER}", "0.5"),
    "getOrderBuyerInfo": (f"/orders/v0/orders/{ORDER}/buyerInfo", "0.5"),
    "getOrderAddress": (f"/orders/v0/orders/{ORDER}/address", "0.5"),
    "getOrderItems": (f"/orders/v0/orders/{ORDER}/orderItems", "0.5"),
    "getOrderItemsBuyerInfo": (f"/orders/v0/orders/{ORDER}/orderItems/buyerInfo", "0.5"),
    "getOrderRegulatedInfo": ("/orders/v0/orders/111-0000000-0000007/regulatedInfo", "0.5"),
}


@pytest.mark.parametrize("operation", READS)
def test_success_carries_request_id_rate_limit_and_compact_json(client, operation):
    url, rate = READS[operation]
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-amzn-RateLimit-Limit"] == rate
    uuid.UUID(response.headers["x-amzn-RequestId"])
    assert response.text == json.dumps(response.json(), separators=(",", ":"), ensure_ascii=False)
    assert "errors" not in response.json()


def test_request_ids_are_unique(client):
    ids = {client.get(READS["getOrder"][0]).headers["x-amzn-RequestId"] for _ in range(5)}
    assert len(ids) == 5


@pytest.mark.parametrize(
    "method, url, status, code",
    [
        ("GET", "/orders/v0/orders/111-0000000-0000404", 404, "NotFound"),
        ("GET", "/orders/v0/nothing-here", 404, "NotFound"),
        ("GET", "/", 404, "NotFound"),
        ("DELETE", f"/orders/v0/orders/{ORDER}", 405, "MethodNotAllowed"),
        ("PUT", "/orders/v0/orders", 405, "MethodNotAllowed"),
        ("GET", "/orders/v0/orders", 400, "InvalidInput"),
    ],
)
def test_errors_are_sp_api_envelopes_with_a_request_id_and_no_rate_limit(client, method, url, status, code):
    response = client.request(method, url)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["errors"][0]["code"] == code and body["errors"][0]["message"]
    assert "x-amzn-RequestId" in response.headers
    assert "x-amzn-RateLimit-Limit" not in response.headers


def test_missing_access_token_is_403_unauthorized_as_amazon_says_it(client):
    response = client.get(f"/orders/v0/orders/{ORDER}", token=False)
    assert response.status_code == 403
    (error,) = response.json()["errors"]
    assert (error["code"], error["message"]) == ("Unauthorized", "Access to requested resource is denied.")
    # Amazon's details are empty; the mock's say what it saw (issue 23, item 12).
    assert "no access token" in error["details"]
    assert "x-amzn-RequestId" in response.headers


def test_blank_access_token_is_refused_too(client):
    response = client.get(f"/orders/v0/orders/{ORDER}", headers={"x-amz-access-token": " "})
    assert response.status_code == 403


@pytest.mark.parametrize("as_json", [False, True])
def test_token_endpoint_exchanges_a_refresh_token(client, as_json):
    fields = {
        "grant_type": "refresh_token",
        "refresh_token": "Atzr|abc",
        "client_id": "amzn1.application-oa2-client.x",
        "client_secret": "s",
    }
    response = client.post("/auth/o2/token", json=fields) if as_json else client.post("/auth/o2/token", data=fields)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert body["refresh_token"] == "Atzr|abc"
    assert body["access_token"].startswith("Atza|")
    order = client.get(f"/orders/v0/orders/{ORDER}", headers={"x-amz-access-token": body["access_token"]})
    assert order.status_code == 200


def test_token_endpoint_client_credentials_grant(client):
    fields = {
        "grant_type": "client_credentials",
        "scope": "sellingpartnerapi::notifications",
        "client_id": "a",
        "client_secret": "b",
    }
    body = client.post("/auth/o2/token", data=fields).json()
    assert body["access_token"].startswith("Atza|") and "refresh_token" not in body


@pytest.mark.parametrize(
    "fields, status, error",
    [
        ({"grant_type": "password", "client_id": "a", "client_secret": "b"}, 400, "unsupported_grant_type"),
        ({"refresh_token": "r", "client_id": "a", "client_secret": "b"}, 400, "invalid_request"),
        ({"grant_type": "refresh_token", "client_id": "a", "client_secret": "b"}, 400, "invalid_request"),
        ({"grant_type": "refresh_token", "refresh_token": "r", "client_secret": "b"}, 400, "invalid_request"),
        ({"grant_type": "refresh_token", "refresh_token": "r", "client_id": "a"}, 401, "invalid_client"),
        ({"grant_type": "client_credentials", "client_id": "a", "client_secret": "b"}, 400, "invalid_scope"),
    ],
)
def test_token_endpoint_answers_oauth_errors(client, fields, status, error):
    response = client.post("/auth/o2/token", data=fields)
    assert response.status_code == status
    assert response.json()["error"] == error and response.json()["error_description"]


def test_token_endpoint_refuses_a_body_that_is_not_json(client):
    response = client.post("/auth/o2/token", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert "errors" in response.json() or "error" in response.json()


def test_swagger_ui_serves_our_spec(client):
    spec = client.get("/openapi.json", token=False)
    assert spec.status_code == 200
    assert "/orders/v0/orders/{orderId}/orderItems" in spec.json()["paths"]


def test_an_unexpected_failure_is_a_500_envelope_without_a_stack_trace(monkeypatch):
    from support.http import make_app

    app = make_app()
    store = app.services.store

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(store.orders, "get", broken)
    with app.test_client() as raw:
        response = raw.get(f"/orders/v0/orders/{ORDER}", headers={"x-amz-access-token": "t"})
    assert response.status_code == 500
    assert response.json()["errors"][0]["code"] == "InternalFailure"
    assert "disk on fire" not in response.text and "Traceback" not in response.text
    assert "x-amzn-RequestId" in response.headers
