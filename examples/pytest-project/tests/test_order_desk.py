"""order_desk against spapi-mock: each test has a seller of its own, on one server."""

from __future__ import annotations

from datetime import datetime, timedelta

import order_desk
import pytest

US = "ATVPDKIKX0DER"


@pytest.fixture
def api(spapi_mock):
    return order_desk.orders_api(
        spapi_mock.base_url, spapi_mock.token_url, spapi_mock.refresh_token, spapi_mock.client_id, spapi_mock.client_secret
    )


def since(spapi_mock, hours: int) -> datetime:
    return datetime.fromisoformat(spapi_mock.now().replace("Z", "+00:00")) - timedelta(hours=hours)


def place_paid_order(spapi_mock, *skus: str) -> str:
    order_id = spapi_mock.create_order(items=[{"SellerSKU": sku} for sku in skus])["AmazonOrderId"]
    spapi_mock.apply(order_id, "authorize_payment")
    return order_id


@pytest.mark.spapi_mock(seed="empty")
def test_finds_the_item_the_buyer_asked_to_cancel(spapi_mock, api):
    order_id = place_paid_order(spapi_mock, "KETTLE-1", "MUG-1")
    start = since(spapi_mock, 1)
    spapi_mock.advance_clock("45m")  # past the buyer's 30-minute self-cancel window
    spapi_mock.apply(order_id, "buyer_request_cancellation", reason="Order Created By Mistake", items=["KETTLE-1"])
    spapi_mock.advance_clock("3m")  # getOrders lists changes two minutes late, as Amazon does

    assert order_desk.cancellation_requests(api, US, start) == [
        order_desk.CancellationRequest(order_id, "KETTLE-1", "Order Created By Mistake")
    ]


@pytest.mark.spapi_mock(seed="empty")
def test_a_scenario_sets_the_scene(spapi_mock, api):
    run = spapi_mock.run_scenario(
        [
            {"place_order": {"as": "gift", "items": [{"SellerSKU": "BOOK-1"}]}},
            {"authorize_payment": {"order": "gift"}},
            {"advance_clock": "1h"},
            {"buyer_request_cancellation": {"order": "gift", "reason": "Found Cheaper Elsewhere"}},
            {"advance_clock": "3m"},
        ]
    )
    requests = order_desk.cancellation_requests(api, US, since(spapi_mock, 2))
    assert [(r.order_id, r.reason) for r in requests] == [(run["orders"]["gift"], "Found Cheaper Elsewhere")]


def test_the_built_in_orders_are_there(spapi_mock, api):
    # The default seed: a copy of the built-in fixtures, which include a buyer's request.
    requests = order_desk.cancellation_requests(api, US, since(spapi_mock, 24 * 30))
    assert ("111-4575884-6753368", "Order Created By Mistake") in [(r.order_id, r.reason) for r in requests]


@pytest.mark.spapi_mock(seed="empty")
def test_backs_off_when_amazon_answers_503(spapi_mock, api):
    order_id = place_paid_order(spapi_mock, "KETTLE-1")
    spapi_mock.advance_clock("45m")
    spapi_mock.apply(order_id, "buyer_request_cancellation", reason="Other")
    spapi_mock.advance_clock("3m")
    spapi_mock.add_fault(operation="getOrders", status=503, times=2)

    assert [r.order_id for r in order_desk.cancellation_requests(api, US, since(spapi_mock, 1))] == [order_id]
    # Two refused calls and the one that got through, as the journal recorded them.
    assert [entry["status"] for entry in spapi_mock.journal(operation="getOrders")] == [503, 503, 200]


@pytest.mark.spapi_mock(seed="empty")
def test_gives_up_on_a_lasting_outage(spapi_mock, api):
    spapi_mock.add_fault(operation="getOrders", status=500)
    with pytest.raises(order_desk.ApiException) as refused:
        order_desk.cancellation_requests(api, US, since(spapi_mock, 1))
    assert refused.value.status == 500
    assert len(spapi_mock.journal(operation="getOrders")) == 4


@pytest.mark.spapi_mock(seed="empty")
def test_survives_amazons_throttling(spapi_mock, api):
    for _ in range(3):
        place_paid_order(spapi_mock, "MUG-1")
    spapi_mock.advance_clock("3m")
    spapi_mock.set_throttling("scaled", 0.05)  # getOrders: a burst of 1, then 429 QuotaExceeded
    spapi_mock.freeze_clock()

    with pytest.raises(order_desk.ApiException) as throttled:
        for _ in range(5):
            order_desk.cancellation_requests(api, US, since(spapi_mock, 1))
    assert throttled.value.status == 429
    assert "QuotaExceeded" in throttled.value.body
