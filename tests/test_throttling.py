"""Throttling with Amazon's usage plans: a token bucket per seller and operation, on the mock clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from spapi_mock.traffic.throttling import Throttle, UsagePlan

from support.http import US, CheckedClient, make_app

QUOTA_EXCEEDED = {
    "errors": [{"code": "QuotaExceeded", "message": "You exceeded your quota for the requested resource.", "details": ""}]
}
GET_ORDERS = f"/orders/v0/orders?MarketplaceIds={US}&CreatedAfter=2025-01-01T00:00:00Z"
T0 = datetime(2025, 6, 15, 12, tzinfo=UTC)


# --- the buckets, without HTTP ----------------------------------------------------------------


def test_a_bucket_admits_its_burst_then_refills_at_the_rate_of_mock_time():
    throttle = Throttle({"getOrders": UsagePlan(0.0167, 20, "0.0167")}, "amazon")
    assert all(throttle.admit("S1", "getOrders", T0) for _ in range(20))
    assert not throttle.admit("S1", "getOrders", T0)
    # 59 s at 0.0167/s is 0.985 of a request: not yet.
    assert not throttle.admit("S1", "getOrders", T0 + timedelta(seconds=59))
    assert throttle.admit("S1", "getOrders", T0 + timedelta(seconds=61))
    assert not throttle.admit("S1", "getOrders", T0 + timedelta(seconds=61))


def test_buckets_are_per_seller_and_per_operation():
    throttle = Throttle({"getOrder": UsagePlan(0.5, 2), "getOrderItems": UsagePlan(0.5, 2)}, "amazon")
    assert throttle.admit("S1", "getOrder", T0) and throttle.admit("S1", "getOrder", T0)
    assert not throttle.admit("S1", "getOrder", T0)
    assert throttle.admit("S2", "getOrder", T0)
    assert throttle.admit("S1", "getOrderItems", T0)


def test_off_admits_everything_and_scaled_multiplies_rate_and_burst():
    plans = {"getOrders": UsagePlan(0.0167, 20, "0.0167")}
    off = Throttle(plans)
    assert all(off.admit("S1", "getOrders", T0) for _ in range(100))
    scaled = Throttle(plans, "scaled", 0.1)
    assert scaled.plan("getOrders") == UsagePlan(pytest.approx(0.00167), 2)
    assert scaled.admit("S1", "getOrders", T0) and scaled.admit("S1", "getOrders", T0)
    assert not scaled.admit("S1", "getOrders", T0)
    assert scaled.rate_limit_header("getOrders") == "0.00167"
    assert off.rate_limit_header("getOrders") == "0.0167"


def test_switching_mode_refills_every_bucket_and_bad_modes_are_refused():
    throttle = Throttle({"getOrder": UsagePlan(0.5, 1)}, "amazon")
    assert throttle.admit("S1", "getOrder", T0) and not throttle.admit("S1", "getOrder", T0)
    throttle.configure("amazon")
    assert throttle.admit("S1", "getOrder", T0)
    with pytest.raises(ValueError, match="one of off, amazon, scaled"):
        throttle.configure("fast")
    with pytest.raises(ValueError, match="greater than 0"):
        throttle.configure("scaled", 0)


# --- through HTTP ----------------------------------------------------------------------------


@pytest.fixture()
def throttled():
    app = make_app(throttling="amazon")
    with app.test_client() as raw:
        yield CheckedClient(raw), app.services


def test_the_21st_get_orders_in_a_burst_gets_429_with_amazons_body_and_headers(throttled):
    client, _ = throttled
    for n in range(20):
        response = client.get(GET_ORDERS)
        assert response.status_code == 200, (n, response.text)
        assert response.headers["x-amzn-RateLimit-Limit"] == "0.0167"
    refused = client.get(GET_ORDERS)
    assert refused.status_code == 429
    assert refused.json() == QUOTA_EXCEEDED
    assert refused.headers["x-amzn-RateLimit-Limit"] == "0.0167"
    assert refused.headers["x-amzn-RequestId"]
    assert refused.headers["content-type"] == "application/json"


def test_after_429_the_clock_moving_on_lets_the_next_call_through(throttled):
    client, svc = throttled
    for _ in range(20):
        client.get(GET_ORDERS)
    assert client.get(GET_ORDERS).status_code == 429
    svc.backend.advance_clock(timedelta(seconds=30))
    assert client.get(GET_ORDERS).status_code == 429  # half a request refilled
    svc.backend.advance_clock(timedelta(seconds=31))
    assert client.get(GET_ORDERS).status_code == 200
    assert client.get(GET_ORDERS).status_code == 429


def test_another_operation_and_another_seller_have_buckets_of_their_own(throttled):
    client, _ = throttled
    for _ in range(20):
        client.get(GET_ORDERS)
    assert client.get(GET_ORDERS).status_code == 429
    order = client.get("/orders/v0/orders/111-0000000-0000001")
    assert order.status_code == 200 and order.headers["x-amzn-RateLimit-Limit"] == "0.5"
    other = client.post("/auth/o2/token", token=False, data=_token_form("Atzr|spapi-mock|OTHER")).json()["access_token"]
    assert client.get(GET_ORDERS, headers={"x-amz-access-token": other}).status_code == 200


def test_throttling_is_switched_at_run_time_through_the_control_plane(throttled):
    client, _ = throttled
    state = client.request("PUT", "/_mock/throttling", json={"mode": "scaled", "factor": 0.1}).json()
    assert state["mode"] == "scaled" and state["operations"]["getOrders"] == {"rate": pytest.approx(0.00167), "burst": 2}
    assert [client.get(GET_ORDERS).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get(GET_ORDERS).headers["x-amzn-RateLimit-Limit"] == "0.00167"
    assert client.request("PUT", "/_mock/throttling", json={"mode": "off"}).json()["mode"] == "off"
    assert all(client.get(GET_ORDERS).status_code == 200 for _ in range(30))
    bad = client.request("PUT", "/_mock/throttling", json={"mode": "fast"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["code"] == "InvalidInput"
    assert client.get("/_mock/throttling").json()["mode"] == "off"


def test_throttling_is_off_by_default(client):
    assert client.get("/_mock/throttling").json()["mode"] == "off"
    assert all(client.get(GET_ORDERS).status_code == 200 for _ in range(25))


def test_a_write_operation_has_its_own_plan(throttled):
    client, _ = throttled
    body = {
        "packageDetail": {
            "packageReferenceId": "1",
            "carrierCode": "UPS",
            "trackingNumber": "1Z",
            "shipDate": "2025-06-15T11:00:00Z",
            "orderItems": [],
        },
        "marketplaceId": US,
    }
    statuses = [client.post("/orders/v0/orders/UNKNOWN-ORDER/shipmentConfirmation", json=body).status_code for _ in range(11)]
    # confirmShipment: burst 10, then 429 whatever the request would have answered.
    assert statuses[:10] == [404] * 10 and statuses[10] == 429


def _token_form(refresh_token: str) -> dict:
    return {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": "id", "client_secret": "secret"}


def test_orders_v0_and_v2026_get_order_are_throttled_faulted_and_journalled_apart(throttled):
    client, svc = throttled
    v0, v2026 = "/orders/v0/orders/111-0000000-0000001", "/orders/2026-01-01/orders/111-0000000-0000001"
    for _ in range(30):
        client.get(v0)
    assert client.get(v0).status_code == 429
    assert client.get(v2026).status_code == 200
    client.post("/_mock/faults", json={"operation": "getOrder@2026-01-01", "status": 500, "times": 1})
    assert client.get(v2026).status_code == 500
    journal = client.get("/_mock/journal?operation=getOrder@2026-01-01").json()
    assert [r["status"] for r in journal["requests"]] == [200, 500]
    assert client.get("/_mock/throttling").json()["operations"]["searchOrders"] == {"rate": 0.0056, "burst": 20}
