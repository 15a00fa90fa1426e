"""The request journal (``/_mock/journal``): what real SP-API clients sent and what they were
answered - method, path, query, JSON body, status, the mock-clock time, the seller - with every
secret masked, so a test can assert on its client's traffic ("called getOrders once, with
CreatedAfter ...") and a CI log can print it.

Everything runs against ``spapi-mock serve`` on the test fixtures, its clock frozen on a whole
second; each test starts with an empty journal and a seller of its own.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import time
import uuid
from datetime import timedelta

import pytest
import requests

from spapi_mock.cli import main
from spapi_mock.control import HttpControl
from spapi_mock.kernel.dates import parse_iso, to_wire

from support import TEST_FIXTURES
from support.http import US, confirm_shipment_body
from support.live_server import live_server
from support.sdk import CLIENT_ID, CLIENT_SECRET, amzn_orders_api, amzn_sp_api_client, python_sp_api_orders

MASK = "****"
ORDER = "111-0000000-0000001"  # Unshipped, MFN, in tests/data/orders (every seeded seller has it)
ORDER_PATH = f"/orders/v0/orders/{ORDER}"


# --- module fixtures -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(network, tmp_path_factory):
    with live_server("--fixtures", str(TEST_FIXTURES), tmp_dir=tmp_path_factory.mktemp("journal")) as srv:
        yield srv


@pytest.fixture(scope="module")
def control(server):
    control = HttpControl(server.base_url)
    freeze_on_a_whole_second(control)
    return control


@pytest.fixture(autouse=True)
def empty_journal(control):
    control.clear_journal()
    yield
    control.clear_faults()


@pytest.fixture
def seller(control) -> str:
    """A seller of the test's own (seeded with the test fixtures' orders); its refresh token is
    Atzr|spapi-mock|<id>, unique, so python-amazon-sp-api's process-wide token cache is no issue."""
    return control.create_seller(f"JRNL-{uuid.uuid4().hex[:12]}")["sellerId"]


def freeze_on_a_whole_second(control: HttpControl) -> str:
    """Freeze the mock clock a minute ahead on a whole second (the wire form has no fractions)."""
    at = to_wire(parse_iso(control.clock()["now"]) + timedelta(minutes=1))
    assert control.freeze_clock(at) == {"now": at, "frozen": True}
    return at


def settled(control: HttpControl, expected: int, **filters) -> dict:
    """The journal, holding exactly ``expected`` matching requests (an entry is recorded before
    its answer leaves, so it is there as soon as the client has the answer)."""
    found = control.journal(**filters)
    assert found["count"] == expected, found
    return found


def token_for(base_url: str, seller_id: str) -> dict:
    form = {
        "grant_type": "refresh_token",
        "refresh_token": f"Atzr|spapi-mock|{seller_id}",
        "client_id": "any",
        "client_secret": "any",
    }
    response = requests.post(f"{base_url}/auth/o2/token", data=form, timeout=10)
    assert response.status_code == 200, response.text
    return {"x-amz-access-token": response.json()["access_token"]}


def place_paid_order(control: HttpControl, seller_id: str) -> tuple[str, list[tuple[str, int]]]:
    created = control.create_order(
        {"order": {"OrderStatus": "Unshipped"}, "items": [{}, {"QuantityOrdered": 2}]}, seller_id=seller_id
    )
    return created["order"]["AmazonOrderId"], [(i["OrderItemId"], i["QuantityOrdered"]) for i in created["items"]]


def only(found: dict) -> dict:
    (entry,) = found["requests"]
    return entry


# --- what an SDK client sent --------------------------------------------------------------------


def test_the_journal_records_what_amzn_sp_api_sent(server, control, seller):
    refresh_token = f"Atzr|spapi-mock|{seller}"
    client = amzn_sp_api_client(server.base_url, refresh_token)  # posts to the token endpoint
    access_token = client.api_client.default_headers["x-amz-access-token"]
    api = amzn_orders_api(client)
    now = control.clock()["now"]
    created_after = to_wire(parse_iso(now) - timedelta(days=30))

    orders, status, list_headers = api.get_orders_with_http_info([US], created_after=created_after)
    assert status == 200
    order_id = orders.payload.orders[0].amazon_order_id
    _, _, order_headers = api.get_order_with_http_info(order_id)
    shipped_id, lines = place_paid_order(control, seller)
    body = confirm_shipment_body(lines, now)
    _, ship_status, ship_headers = api.confirm_shipment_with_http_info(shipped_id, body)
    assert ship_status == 204

    every = settled(control, 4)["requests"]
    assert sorted(e["operation"] for e in every) == ["confirmShipment", "createToken", "getOrder", "getOrders"]
    assert all(e["at"] == now for e in every)
    assert len({e["id"] for e in every}) == 4

    listing = only(control.journal(operation="getOrders"))
    assert listing["requestId"] == list_headers["x-amzn-RequestId"]
    assert (listing["method"], listing["path"]) == ("GET", "/orders/v0/orders")
    assert listing["query"] == {"CreatedAfter": created_after, "MarketplaceIds": US}
    assert (listing["status"], listing["sellerId"], listing["body"]) == (200, seller, None)
    assert listing["headers"]["user-agent"].startswith("amazon-selling-partner-api-sdk/")
    # The access token is masked: enough to tell tokens apart, never the token.
    shown = listing["headers"]["x-amz-access-token"]
    assert shown != access_token and shown.endswith(MASK) and access_token.startswith(shown[: -len(MASK)])
    assert "dropped" not in listing

    read = only(control.journal(operation="getOrder"))
    assert read["requestId"] == order_headers["x-amzn-RequestId"]
    assert (read["method"], read["path"], read["query"]) == ("GET", f"/orders/v0/orders/{order_id}", {})
    assert (read["status"], read["sellerId"], read["at"]) == (200, seller, now)

    shipment = only(control.journal(operation="confirmShipment"))
    assert shipment["requestId"] == ship_headers["x-amzn-RequestId"]
    assert (shipment["method"], shipment["path"]) == ("POST", f"/orders/v0/orders/{shipped_id}/shipmentConfirmation")
    assert shipment["body"] == body  # the JSON the SDK sent, as sent
    assert shipment["headers"]["content-type"] == "application/json"
    assert (shipment["status"], shipment["sellerId"]) == (204, seller)

    # The token request: the client id shown, the secret and the refresh token masked.
    token = only(control.journal(operation="createToken"))
    assert (token["method"], token["path"], token["status"]) == ("POST", "/auth/o2/token", 200)
    assert token["body"]["grant_type"] == "refresh_token"
    assert token["body"]["client_id"] == CLIENT_ID
    assert token["body"]["client_secret"].endswith(MASK) and token["body"]["client_secret"] != CLIENT_SECRET
    assert token["body"]["refresh_token"].endswith(MASK) and token["body"]["refresh_token"] != refresh_token

    printed = json.dumps(control.journal())
    for secret in (access_token, CLIENT_SECRET, refresh_token):
        assert secret not in printed


def test_how_often_python_sp_api_called_an_operation(server, control, seller):
    orders = python_sp_api_orders(server.base_url, f"Atzr|spapi-mock|{seller}")
    try:
        order_id = ORDER
        request_ids = [orders.get_order(order_id).headers["x-amzn-RequestId"] for _ in range(3)]
        orders.get_order_items(order_id)
    finally:
        orders.close()

    found = settled(control, 3, operation="getOrder", seller_id=seller)
    assert sorted(e["requestId"] for e in found["requests"]) == sorted(request_ids)
    assert {(e["path"], e["status"]) for e in found["requests"]} == {(f"/orders/v0/orders/{order_id}", 200)}
    assert all(e["headers"]["user-agent"].startswith("python-sp-api") for e in found["requests"])
    assert settled(control, 1, operation="getOrderItems")["count"] == 1
    # Its token request, a form, masked too.
    token = only(settled(control, 1, operation="createToken"))
    assert token["body"]["client_secret"] != CLIENT_SECRET and token["body"]["client_secret"].endswith(MASK)


def test_limit_keeps_the_last_requests_oldest_first(server, control):
    session = requests.Session()  # one connection: each request is recorded before the next
    headers = {"x-amz-access-token": "Atza|journal-limit-test-token"}
    url = server.base_url + ORDER_PATH
    request_ids = [session.get(url, headers=headers, timeout=10).headers["x-amzn-RequestId"] for _ in range(4)]

    everything = settled(control, 4, operation="getOrder")
    assert [e["requestId"] for e in everything["requests"]] == request_ids
    ids = [e["id"] for e in everything["requests"]]
    assert ids == sorted(ids)

    last_two = control.journal(operation="getOrder", limit=2)
    assert last_two["count"] == 2
    assert [e["requestId"] for e in last_two["requests"]] == request_ids[-2:]
    assert control.journal(operation="getOrder", limit=10)["count"] == 4


def test_filters_by_seller(server, control):
    first, second = f"JRNL-S1-{uuid.uuid4().hex[:8]}", f"JRNL-S2-{uuid.uuid4().hex[:8]}"
    first_token, second_token = token_for(server.base_url, first), token_for(server.base_url, second)
    url = f"{server.base_url}/orders/v0/orders?CreatedAfter=2025-01-01&MarketplaceIds={US}"
    for token in (first_token, first_token, second_token):
        assert requests.get(url, headers=token, timeout=10).status_code == 200
    requests.get(server.base_url + ORDER_PATH, headers=first_token, timeout=10)

    # A token request counts for the seller its refresh token names.
    mine = settled(control, 4, seller_id=first)
    assert {e["sellerId"] for e in mine["requests"]} == {first}
    assert sorted(e["operation"] for e in mine["requests"]) == ["createToken", "getOrder", "getOrders", "getOrders"]
    theirs = settled(control, 2, seller_id=second)
    assert [e["operation"] for e in theirs["requests"]] == ["createToken", "getOrders"]
    assert control.journal(seller_id=first, operation="getOrders")["count"] == 2
    assert control.journal(seller_id="NOBODY")["count"] == 0


def test_clearing_with_and_without_filters_returns_how_many_went(server, control):
    first, second = f"JRNL-C1-{uuid.uuid4().hex[:8]}", f"JRNL-C2-{uuid.uuid4().hex[:8]}"
    first_token, second_token = token_for(server.base_url, first), token_for(server.base_url, second)
    listing = f"{server.base_url}/orders/v0/orders?CreatedAfter=2025-01-01&MarketplaceIds={US}"
    for token in (first_token, first_token, second_token):
        requests.get(listing, headers=token, timeout=10)
    requests.get(server.base_url + ORDER_PATH, headers=first_token, timeout=10)
    total = settled(control, 6)["count"]  # with the two token requests

    cleared = requests.delete(
        f"{server.base_url}/_mock/journal", params={"operation": "getOrders", "sellerId": first}, timeout=10
    )
    assert cleared.status_code == 200
    assert cleared.json() == {"cleared": 2}
    assert [e["operation"] for e in control.journal(seller_id=first)["requests"]] == ["createToken", "getOrder"]
    assert [e["operation"] for e in control.journal(seller_id=second)["requests"]] == ["createToken", "getOrders"]
    assert control.journal()["count"] == total - 2

    assert control.clear_journal(operation="createToken") == {"cleared": 2}
    assert control.clear_journal(operation="getOrders") == {"cleared": 1}
    assert control.clear_journal(operation="getOrders") == {"cleared": 0}
    assert control.clear_journal() == {"cleared": 1}
    assert control.journal() == {"count": 0, "requests": []}


def test_control_plane_calls_are_not_recorded(server, control, seller):
    control.clock()
    control.faults()
    control.journal()
    control.sellers()
    control.create_order({}, seller_id=seller)
    control.add_fault(operation="getOrders", status=500, times=1)
    assert requests.get(f"{server.base_url}/_mock/clock", timeout=10).status_code == 200
    assert requests.get(f"{server.base_url}/_mock/nothing-here", timeout=10).status_code == 404
    time.sleep(0.1)  # nothing is on its way into the journal either
    assert control.journal() == {"count": 0, "requests": []}

    # The journal is working all the while: an SP-API call right after is in it.
    requests.get(server.base_url + ORDER_PATH, headers=token_for(server.base_url, seller), timeout=10)
    paths = [e["path"] for e in settled(control, 2)["requests"]]
    assert sorted(paths) == ["/auth/o2/token", ORDER_PATH]
    assert not any(path.startswith("/_mock") for path in paths)


def test_refused_requests_are_recorded_with_their_status(server, control, seller):
    url = server.base_url + ORDER_PATH
    # No access token: 403 before any handler runs.
    assert requests.get(url, timeout=10).status_code == 403
    refused = only(settled(control, 1, operation="getOrder"))
    assert (refused["status"], refused["sellerId"], refused["path"]) == (403, None, ORDER_PATH)
    assert "x-amz-access-token" not in refused["headers"]

    # Throttled: a seller's getOrder bucket of one, on a frozen clock that never refills it.
    token = token_for(server.base_url, seller)
    control.set_throttling("scaled", 0.01)
    try:
        statuses = [requests.get(url, headers=token, timeout=10).status_code for _ in range(2)]
    finally:
        control.set_throttling("off")
    assert statuses == [200, 429]
    recorded = settled(control, 2, operation="getOrder", seller_id=seller)["requests"]
    assert sorted(e["status"] for e in recorded) == [200, 429]

    # An injected refusal is recorded as answered.
    control.add_fault(operation="getOrder", status=403, times=1)
    assert requests.get(url, headers=token, timeout=10).status_code == 403
    statuses = [e["status"] for e in settled(control, 3, operation="getOrder", seller_id=seller)["requests"]]
    assert sorted(statuses) == [200, 403, 429]


def test_a_dropped_connection_is_recorded_as_dropped(server, control, seller):
    token = token_for(server.base_url, seller)
    url = server.base_url + ORDER_PATH
    control.add_fault(operation="getOrder", drop=True, times=1)
    with pytest.raises(requests.ConnectionError):
        requests.get(url, headers=token, timeout=10)
    assert requests.get(url, headers=token, timeout=10).status_code == 200

    entries = settled(control, 2, operation="getOrder")["requests"]
    dropped = [e for e in entries if e.get("dropped")]
    answered = [e for e in entries if not e.get("dropped")]
    assert len(dropped) == 1 and len(answered) == 1
    assert dropped[0]["dropped"] is True
    assert dropped[0]["status"] is None
    assert (dropped[0]["sellerId"], dropped[0]["path"]) == (seller, ORDER_PATH)
    assert "dropped" not in answered[0] and answered[0]["status"] == 200


def spapi_mock(*args: str) -> subprocess.CompletedProcess:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def test_the_journal_command(server, control):
    url = ("--url", server.base_url)
    token = {"x-amz-access-token": "Atza|journal-cli-test-token"}
    listing = f"{server.base_url}/orders/v0/orders?CreatedAfter=2025-01-01&MarketplaceIds={US}"
    session = requests.Session()
    for _ in range(2):
        assert session.get(listing, headers=token, timeout=10).status_code == 200
    session.get(server.base_url + ORDER_PATH, headers=token, timeout=10)
    settled(control, 3)
    now = control.clock()["now"]

    shown = spapi_mock("journal", "--operation", "getOrders", *url)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines() == [f"{now}  200  GET /orders/v0/orders  (getOrders)"] * 2 + ["2 request(s)"]

    last = json.loads(spapi_mock("journal", "--operation", "getOrders", "--limit", "1", "--json", *url).stdout)
    assert last["count"] == 1 and last["requests"][0]["query"] == {"CreatedAfter": "2025-01-01", "MarketplaceIds": US}

    cleared = spapi_mock("journal", "--operation", "getOrders", "--clear", *url)
    assert (cleared.returncode, cleared.stdout.strip()) == (0, "cleared 2")
    rest = json.loads(spapi_mock("journal", "--json", *url).stdout)
    assert [e["operation"] for e in rest["requests"]] == ["getOrder"]


# --- bugs ------------------------------------------------------------------------------------------


def test_the_journal_names_the_order_a_request_was_for(server, control, seller):
    token = token_for(server.base_url, seller)
    order, other = ORDER, "111-0000000-0000002"
    for path in (f"/orders/v0/orders/{order}", f"/orders/v0/orders/{order}/orderItems", f"/orders/v0/orders/{other}"):
        assert requests.get(server.base_url + path, headers=token, timeout=10).status_code == 200
    settled(control, 4, seller_id=seller)
    assert control.journal(seller_id=seller, operation="createToken")["count"] == 1

    found = control.journal(order_id=order)
    assert sorted(e["operation"] for e in found["requests"]) == ["getOrder", "getOrderItems"]
    assert {e["orderId"] for e in found["requests"]} == {order}
    assert control.clear_journal(order_id=order) == {"cleared": 2}
    assert only(control.journal(seller_id=seller, operation="getOrder"))["orderId"] == other


def test_a_request_is_in_the_journal_when_its_answer_arrives(server, control, seller):
    api = amzn_orders_api(amzn_sp_api_client(server.base_url, f"Atzr|spapi-mock|{seller}"))
    missing = []
    for _ in range(30):
        _, _, headers = api.get_order_with_http_info(ORDER)
        request_id = headers["x-amzn-RequestId"]
        if request_id not in [e["requestId"] for e in control.journal(seller_id=seller, limit=3)["requests"]]:
            missing.append(request_id)
    assert missing == []


def test_the_time_of_a_request_is_the_mock_clock_as_the_control_plane_shows_it(server, control, seller):
    token = token_for(server.base_url, seller)
    control.unfreeze_clock()
    try:
        control.freeze_clock()  # where the running clock stands: a fraction of a second in
        now = control.clock()["now"]
        requests.get(server.base_url + ORDER_PATH, headers=token, timeout=10)
        entry = only(settled(control, 1, operation="getOrder"))
    finally:
        freeze_on_a_whole_second(control)
    assert entry["at"] == now


def test_credentials_anywhere_in_a_request_are_masked(server, control):
    """Before: credentials in the token endpoint's query string, nested in a JSON body, and in
    Proxy-Authorization or X-Api-Key headers were kept in the journal as sent."""
    secrets = {
        "query": "query-secret-0123456789",
        "nested": "nested-secret-0123456789",
        "proxy": "Basic cHJveHktc2VjcmV0LTAxMjM0",
    }
    requests.post(
        f"{server.base_url}/auth/o2/token",
        params={"client_secret": secrets["query"], "refresh_token": secrets["query"]},
        json={"grant_type": "refresh_token", "client_id": CLIENT_ID, "extra": {"client_secret": secrets["nested"]}},
        headers={"Proxy-Authorization": secrets["proxy"], "X-Api-Key": secrets["nested"]},
        timeout=30,
    )
    token = only(settled(control, 1, operation="createToken"))
    assert token["query"]["client_secret"].endswith(MASK) and token["body"]["extra"]["client_secret"].endswith(MASK)
    assert token["headers"]["proxy-authorization"].endswith(MASK) and token["headers"]["x-api-key"].endswith(MASK)
    printed = json.dumps(control.journal())
    assert not [name for name, secret in secrets.items() if secret in printed]


def test_the_debug_access_log_masks_credentials_in_query_strings(tmp_path):
    secret = "logged-secret-0123456789"
    with live_server("--fixtures", str(TEST_FIXTURES), "--log-level", "debug", tmp_dir=tmp_path) as debug_server:
        requests.post(f"{debug_server.base_url}/auth/o2/token?client_secret={secret}&grant_type=x", timeout=30)
        requests.get(f"{debug_server.base_url}/_mock/health", timeout=30)  # a later line: the token request's is written
        output = debug_server.output()
    assert "/auth/o2/token?client_secret=" in output and secret not in output, output[-2000:]
