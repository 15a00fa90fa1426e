"""Hostile request bodies get a 400 (or 413) SP-API error and leave nothing behind.

Before: a lone surrogate in a new order's BuyerName answered 500 *and was stored*, so every
later read of the order, and getOrders for its marketplace, answered 500 across restarts; JSON
nested 1,000 levels deep answered 500 on every JSON endpoint, and at 5,000 levels the journal
entry broke GET /_mock/journal; a 10 MB field was accepted and stored. Amazon's models declare
a 413 ("The request size exceeded the maximum accepted size.") for bodies too large.
"""

from __future__ import annotations

import json

import pytest
import requests

from spapi_mock.kernel import untrusted_json

from support import TEST_FIXTURES
from support.http import TOKEN, US, make_app
from support.live_server import live_server

SURROGATE_ORDER = '{"order": {"BuyerInfo": {"BuyerName": "Eve \\ud800"}}, "items": [{"SellerSKU": "KETTLE-1"}]}'
DEEP = "[" * 1_000 + "]" * 1_000
DEEPER = '{"a":' * 5_000 + "1" + "}" * 5_000


@pytest.fixture
def client():
    with make_app().test_client() as raw:
        yield raw


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.text
    (error,) = response.json()["errors"]
    return error


def _orders(client) -> list:
    return client.get("/_mock/orders", params={"limit": 1000}).json()["orders"]


def test_a_lone_surrogate_is_refused_naming_the_field_and_nothing_is_stored(client):
    before = _orders(client)
    response = client.post("/_mock/orders", content=SURROGATE_ORDER, headers={"Content-Type": "application/json"})
    error = _error(response, 400)
    assert error["code"] == "InvalidInput" and "order.BuyerInfo.BuyerName" in error["message"], error
    assert _orders(client) == before
    listed = client.get("/orders/v0/orders", params={"CreatedAfter": "2000-01-01T00:00:00Z", "MarketplaceIds": US}, headers=TOKEN)
    assert listed.status_code == 200


@pytest.mark.parametrize("body", [DEEP, DEEPER], ids=["1000-levels", "5000-levels"])
def test_deep_nesting_is_refused_everywhere_and_the_journal_stays_readable(client, body):
    for url in ("/_mock/orders", "/_mock/scenarios/run", "/orders/v0/orders/111-0000000-0000001/shipmentConfirmation"):
        error = _error(client.post(url, content=body, headers={"Content-Type": "application/json", **TOKEN}), 400)
        assert f"deeper than {untrusted_json.MAX_DEPTH} levels" in error["message"], (url, error)
    # The token endpoint answers in OAuth's shape, as LWA does.
    token = client.post("/auth/o2/token", content=body, headers={"Content-Type": "application/json"})
    assert token.status_code == 400 and token.json()["error"] == "invalid_request", token.text
    journal = client.get("/_mock/journal")
    assert journal.status_code == 200 and journal.json()["requests"], journal.text
    json.dumps(journal.json())


def test_a_null_body_is_refused_where_an_object_belongs(client):
    error = _error(client.post("/_mock/sellers", content="null", headers={"Content-Type": "application/json"}), 400)
    assert "null" in error["message"]


def test_a_body_over_the_limit_is_413_and_nothing_is_stored():
    app = make_app(max_body_bytes=4096)
    with app.test_client() as client:
        before = _orders(client)
        big = {"order": {"BuyerInfo": {"BuyerName": "x" * 10_000}}, "items": [{"SellerSKU": "KETTLE-1"}]}
        error = _error(client.post("/_mock/orders", json=big), 413)
        assert error["code"] == "RequestEntityTooLarge" and "4096 bytes" in error["message"]
        assert _orders(client) == before
        assert client.post("/_mock/orders", json={"items": [{"SellerSKU": "KETTLE-1"}]}).status_code == 201


def test_unit_depth_counting_skips_brackets_inside_strings():
    assert untrusted_json.loads(json.dumps({"text": "[" * 500})) == {"text": "[" * 500}
    with pytest.raises(untrusted_json.UntrustedJsonError, match="items\\[1\\].name"):
        untrusted_json.check_encodable({"items": [{}, {"name": "a\ud800"}]})


def test_a_loop_of_hostile_requests_on_a_live_db_server_ends_with_no_5xx_and_every_order_readable(tmp_path):
    """Through a real socket, with --db: no answer is a 5xx, the store restarts, and every order
    that was there before is still readable."""
    db = tmp_path / "state.json"
    hostile = [
        ("POST", "/_mock/orders", SURROGATE_ORDER),
        ("POST", "/_mock/orders", DEEP),
        ("POST", "/_mock/orders", DEEPER),
        ("POST", "/_mock/scenarios/run", DEEPER),
        ("POST", "/auth/o2/token", DEEP),
        ("POST", "/_mock/orders", json.dumps({"order": {"BuyerInfo": {"BuyerName": "x" * 2_000_000}}})),
        ("POST", "/_mock/clock/set", json.dumps({"at": "9999-12-31T23:30:00Z"})),
        ("POST", "/_mock/clock/advance", json.dumps({"by": "P100000Y"})),
        ("POST", "/_mock/sellers", "null"),
    ]
    with live_server("--fixtures", str(TEST_FIXTURES), "--db", str(db), tmp_dir=tmp_path) as server:
        orders = [o["AmazonOrderId"] for o in requests.get(f"{server.base_url}/_mock/orders", timeout=30).json()["orders"]]
        statuses = []
        for _ in range(3):
            for method, path, body in hostile:
                headers = {"Content-Type": "application/json", **TOKEN}
                statuses.append(
                    requests.request(method, server.base_url + path, data=body.encode(), headers=headers, timeout=60).status_code
                )
        assert all(status < 500 for status in statuses), statuses
        assert requests.get(f"{server.base_url}/_mock/journal", timeout=30).status_code == 200
    with live_server("--db", str(db), tmp_dir=tmp_path) as server:
        for order_id in orders:
            response = requests.get(f"{server.base_url}/orders/v0/orders/{order_id}", headers=TOKEN, timeout=30)
            assert response.status_code == 200, (order_id, response.text)


@pytest.mark.parametrize(
    "path, body, named",
    [
        ("/_mock/clock/set", {"at": "9999-12-31T23:30:00Z"}, "is outside the dates spapi-mock takes"),
        ("/_mock/clock/set", {"at": "3000-01-01T00:00:00Z"}, "outside the mock clock's range"),
        ("/_mock/clock/freeze", {"at": "9999-12-31T23:30:00Z"}, "is outside the dates spapi-mock takes"),
        ("/_mock/clock/advance", {"by": "P3000000D"}, "would pass 2999-12-31T23:59:59Z"),
        ("/_mock/clock/advance", {"by": "99999999999999d"}, "longer than any duration"),
        # Relative to now, past any date a timedelta holds: these answered 500.
        ("/_mock/clock/set", {"at": "now+99999999999d"}, "is outside the dates spapi-mock takes"),
        ("/_mock/clock/freeze", {"at": "now-99999999999d"}, "is outside the dates spapi-mock takes"),
        ("/_mock/clock/set", {"at": "now+3000000d"}, "is outside the dates spapi-mock takes"),
        ("/_mock/scenarios/run", {"steps": [{"set_clock": "now+99999999999d"}]}, "is outside the dates spapi-mock takes"),
        ("/_mock/scenarios/run", {"steps": [{"set_clock": "9999-12-31T23:30:00Z"}]}, "is outside the dates spapi-mock takes"),
    ],
)
def test_the_clock_stays_where_every_computed_date_is_valid(client, path, body, named):
    """Before: the clock took 9999-12-31T23:30:00Z, and minutes later every request, the health
    check included, answered 500 for good; a huge advance answered 500."""
    before = client.get("/_mock/clock").json()
    error = _error(client.post(path, json=body), 400)
    assert named in error["message"], error
    assert client.get("/_mock/clock").json() == before
    assert client.get("/_mock/health").status_code == 200


def test_the_journal_keeps_big_requests_cut_short_and_is_capped_in_bytes(client):
    """Before: 1 MB headers were kept whole in the journal (300 such requests took the server
    from 95 MB to 386 MB), and only the number of entries was capped."""
    big = "x" * 200_000
    response = client.get("/orders/v0/orders/111-0000000-0000001", headers={**TOKEN, "X-Big": big})
    assert response.status_code == 200
    (entry,) = client.get("/_mock/journal", params={"operation": "getOrder"}).json()["requests"][-1:]
    assert entry["truncated"] is True and len(entry["headers"]["x-big"]) <= 1024 + 3


def test_unit_the_journal_drops_its_oldest_entries_past_its_byte_cap():
    from spapi_mock.traffic.journal import Journal

    journal = Journal(capacity=100, max_bytes=1_000)
    for n in range(10):
        journal.record({"operation": f"op{n}"}, size=300)
    kept = [entry["operation"] for entry in journal.find()]
    assert kept == ["op7", "op8", "op9"]
    assert journal.clear() == 3
    journal.record({"operation": "again"}, size=300)
    assert [entry["operation"] for entry in journal.find()] == ["again"]
