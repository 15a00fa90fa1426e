"""Fault injection (``/_mock/faults``): a test asks for an error, a delay, a broken body or a dropped
connection, and the client sees exactly what Amazon's would have sent - then, once the fault is
cleared or its ``times`` have run out, the real answer again.

Most behaviour is driven through the in-process client of an app of this module's own (fault
rules are server-wide state, kept away from the session's shared app); what needs a real
connection - a dropped connection, the real SDK clients, the ``spapi-mock fault`` command - runs
against ``spapi-mock serve``.
"""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import time
import uuid

import pytest
import requests

from spapi_mock.cli import main
from spapi_mock.control import HttpControl

from support import TEST_FIXTURES
from support.http import TOKEN, US, CheckedClient, make_app, seller_token
from support.live_server import live_server
from support.sdk import amzn_orders_api, amzn_sp_api_client, python_sp_api_orders

ORDER = "111-0000000-0000001"  # Unshipped, MFN, in tests/data/orders
OTHER_ORDER = "111-0000000-0000002"
GET_ORDER = f"/orders/v0/orders/{ORDER}"
GET_ORDERS = f"/orders/v0/orders?CreatedAfter=2025-06-01&MarketplaceIds={US}"
GET_ORDER_ITEMS = f"/orders/v0/orders/{ORDER}/orderItems"
SELLER = "SELLERX"

# The SP-API error each status answers when the fault names nothing else.
DEFAULT_ERRORS = {
    400: {"code": "InvalidInput", "message": "Invalid Input", "details": ""},
    403: {
        "code": "Unauthorized",
        "message": "Access to requested resource is denied.",
        "details": "The access token you provided has expired.",
    },
    404: {"code": "NotFound", "message": "The resource specified does not exist.", "details": ""},
    500: {"code": "InternalFailure", "message": "We encountered an internal error. Please try again.", "details": ""},
    503: {"code": "ServiceUnavailable", "message": "Service temporarily unavailable. Please try again later.", "details": ""},
}
QUOTA_EXCEEDED = {
    "errors": [{"code": "QuotaExceeded", "message": "You exceeded your quota for the requested resource.", "details": ""}]
}


# --- in-process app --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def raw():
    """The app's own test client, for answers CheckedClient cannot parse (broken bodies)."""
    with make_app().test_client() as client:
        yield client


@pytest.fixture(scope="module")
def http(raw):
    return CheckedClient(raw)


@pytest.fixture(autouse=True)
def no_faults_left(request):
    """Every test starts and ends without fault rules on the server it used."""
    yield
    for name in ("raw", "control"):
        if name in request.fixturenames:
            target = request.getfixturevalue(name)
            if name == "raw":
                assert target.delete("/_mock/faults").status_code == 200
            else:
                target.clear_faults()


def add_fault(http, **spec) -> dict:
    response = http.post("/_mock/faults", json=spec)
    assert response.status_code == 201, response.text
    return response.json()


def faults(http, **params) -> list[dict]:
    response = http.get("/_mock/faults", params=params)
    assert response.status_code == 200, response.text
    return response.json()["faults"]


def assert_request_id(response) -> None:
    uuid.UUID(response.headers["x-amzn-RequestId"])


# --- each error status -------------------------------------------------------------------------


@pytest.mark.parametrize("status", sorted(DEFAULT_ERRORS))
def test_an_error_status_answers_amazons_error_until_cleared(http, status):
    fault = add_fault(http, operation="getOrder", status=status)
    assert fault["faultId"] and fault["operation"] == "getOrder" and fault["status"] == status and fault["hits"] == 0

    for _ in range(2):  # until cleared: not used up by one request
        response = http.get(GET_ORDER)
        assert response.status_code == status
        assert response.json() == {"errors": [DEFAULT_ERRORS[status]]}
        assert response.headers["content-type"] == "application/json"
        assert_request_id(response)
        assert "x-amzn-RateLimit-Limit" not in response.headers
    assert [f["hits"] for f in faults(http)] == [2]

    assert http.request("DELETE", "/_mock/faults").json() == {"cleared": 1}
    after = http.get(GET_ORDER)
    assert after.status_code == 200
    assert after.json()["payload"]["AmazonOrderId"] == ORDER
    assert faults(http) == []


def test_429_is_quota_exceeded_with_the_operations_rate_limit(http):
    add_fault(http, operation="getOrder", status=429, times=1)
    add_fault(http, operation="getOrders", status=429, times=1)

    throttled = http.get(GET_ORDER)
    assert throttled.status_code == 429
    assert throttled.json() == QUOTA_EXCEEDED
    assert throttled.headers["x-amzn-RateLimit-Limit"] == "0.5"
    assert_request_id(throttled)
    listing = http.get(GET_ORDERS)
    assert listing.status_code == 429
    assert listing.json() == QUOTA_EXCEEDED
    assert listing.headers["x-amzn-RateLimit-Limit"] == "0.0167"

    # times: 1 each, so both are gone and the next calls are answered.
    assert faults(http) == []
    assert http.get(GET_ORDER).status_code == 200
    assert http.get(GET_ORDERS).status_code == 200


def test_code_message_and_details_override_the_statuss_error(http):
    custom = {"code": "InvalidParameterValue", "message": "CreatedAfter is too old.", "details": "Try a later date."}
    fault = add_fault(http, operation="getOrders", status=400, times=1, **custom)
    assert {k: fault[k] for k in custom} == custom
    response = http.get(GET_ORDERS)
    assert response.status_code == 400
    assert response.json() == {"errors": [custom]}

    # Only details given: the status's code and message stay; details replace the expired-token text.
    add_fault(http, operation="getOrder", status=403, details="The access token you provided is revoked.", times=1)
    refused = http.get(GET_ORDER)
    assert refused.status_code == 403
    assert refused.json() == {
        "errors": [
            {
                "code": "Unauthorized",
                "message": "Access to requested resource is denied.",
                "details": "The access token you provided is revoked.",
            }
        ]
    }
    assert http.get(GET_ORDERS).status_code == 200
    assert http.get(GET_ORDER).status_code == 200


# --- scoping ---------------------------------------------------------------------------------------


def test_a_fault_for_one_operation_leaves_the_others_alone(http):
    add_fault(http, operation="getOrderItems", status=500)
    assert http.get(GET_ORDER).status_code == 200
    assert http.get(GET_ORDERS).status_code == 200
    failed = http.get(GET_ORDER_ITEMS)
    assert failed.status_code == 500
    assert failed.json() == {"errors": [DEFAULT_ERRORS[500]]}
    assert faults(http)[0]["hits"] == 1  # the other operations did not count

    http.request("DELETE", "/_mock/faults")
    assert http.get(GET_ORDER_ITEMS).status_code == 200


def test_a_fault_for_one_order_applies_to_every_operation_on_it_only(http):
    fault = add_fault(http, orderId=ORDER, status=503)
    assert fault["operation"] == "*" and fault["orderId"] == ORDER

    for url in (GET_ORDER, GET_ORDER_ITEMS, f"{GET_ORDER}/buyerInfo"):
        response = http.get(url)
        assert response.status_code == 503, url
        assert response.json()["errors"][0]["code"] == "ServiceUnavailable"
    assert http.get(f"/orders/v0/orders/{OTHER_ORDER}").status_code == 200
    assert http.get(GET_ORDERS).status_code == 200  # no orderId in its path

    assert http.request("DELETE", f"/_mock/faults/{fault['faultId']}").json() == {"cleared": 1}
    assert http.get(GET_ORDER).status_code == 200


def test_a_fault_for_one_seller_applies_to_its_tokens_only(http):
    sellers_token = seller_token(http, SELLER)
    add_fault(http, operation="getOrders", sellerId=SELLER, status=503)
    everyone = add_fault(http, operation="getOrderItems", status=500)

    refused = http.get(GET_ORDERS, headers=sellers_token)
    assert refused.status_code == 503
    assert refused.json() == {"errors": [DEFAULT_ERRORS[503]]}
    assert http.get(GET_ORDERS).status_code == 200  # the default seller's token

    # Listing and clearing by seller touch that seller's rules only.
    assert [f["sellerId"] for f in faults(http, sellerId=SELLER)] == [SELLER]
    assert faults(http, sellerId="SOMEONE-ELSE") == []
    assert http.request("DELETE", "/_mock/faults", params={"sellerId": SELLER}).json() == {"cleared": 1}
    assert [f["faultId"] for f in faults(http)] == [everyone["faultId"]]

    answered = http.get(GET_ORDERS, headers=sellers_token)
    assert answered.status_code == 200
    assert answered.json()["payload"]["Orders"] == []  # SELLERX has no orders


def test_star_does_not_stop_the_token_endpoint(http):
    add_fault(http, status=503)  # operation defaults to *
    assert faults(http)[0]["operation"] == "*"

    token = seller_token(http, SELLER)  # still answered
    assert token["x-amz-access-token"].startswith("Atza|")
    assert http.get(GET_ORDERS, headers=token).status_code == 503
    assert http.get(GET_ORDER).status_code == 503
    assert faults(http)[0]["hits"] == 2  # the token request did not count


@pytest.mark.parametrize(
    "status, error",
    [
        (503, {"error": "temporarily_unavailable", "error_description": "The authorization server is temporarily unavailable"}),
        (400, {"error": "invalid_grant", "error_description": "The request has an invalid grant parameter : refresh_token"}),
        (429, {"error": "slow_down", "error_description": "Too many requests, please try again later"}),
    ],
)
def test_create_token_named_fails_the_token_endpoint_with_an_oauth_body(http, status, error):
    add_fault(http, operation="createToken", status=status)
    form = {"grant_type": "refresh_token", "refresh_token": "Atzr|any", "client_id": "any", "client_secret": "any"}

    refused = http.post("/auth/o2/token", data=form, token=False)
    assert refused.status_code == status
    assert refused.json() == error
    assert_request_id(refused)
    assert http.get(GET_ORDER).status_code == 200  # SP-API operations are not affected

    http.request("DELETE", "/_mock/faults")
    answered = http.post("/auth/o2/token", data=form, token=False)
    assert answered.status_code == 200
    assert answered.json()["access_token"].startswith("Atza|")


# --- how long a rule lasts, and which one applies ------------------------------------------------


def test_times_n_answers_n_requests_then_the_rule_is_gone(http):
    fault = add_fault(http, operation="getOrder", status=500, times=2)
    assert (fault["hits"], fault["remaining"]) == (0, 2)

    assert http.get(GET_ORDER).status_code == 500
    (listed,) = faults(http)
    assert (listed["faultId"], listed["hits"], listed["remaining"]) == (fault["faultId"], 1, 1)
    assert http.get(GET_ORDER).status_code == 500

    assert faults(http) == []
    assert http.get(GET_ORDER).status_code == 200
    missing = http.request("DELETE", f"/_mock/faults/{fault['faultId']}")
    assert missing.status_code == 404


def test_the_first_matching_rule_wins(http):
    first = add_fault(http, operation="getOrder", status=500, times=1)
    everything = add_fault(http, status=503)
    later = add_fault(http, operation="getOrderItems", status=404)
    assert [f["faultId"] for f in faults(http)] == [first["faultId"], everything["faultId"], later["faultId"]]

    assert http.get(GET_ORDER).status_code == 500  # the first rule, used up
    assert http.get(GET_ORDER).status_code == 503  # then the next one that matches
    assert http.get(GET_ORDER_ITEMS).status_code == 503  # "*" was added before the getOrderItems rule
    assert [f["hits"] for f in faults(http)] == [2, 0]

    http.request("DELETE", f"/_mock/faults/{everything['faultId']}")
    assert http.get(GET_ORDER_ITEMS).status_code == 404
    assert http.get(GET_ORDER).status_code == 200


# --- delays ------------------------------------------------------------------------------------------


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_a_fixed_delay_then_the_real_answer(http):
    fault = add_fault(http, operation="getOrder", delay={"ms": 300}, times=1)
    assert fault["delay"] == {"minMs": 300, "maxMs": 300}
    response, elapsed = timed(lambda: http.get(GET_ORDER))
    assert elapsed >= 0.25  # a lower bound only
    assert response.status_code == 200
    assert response.json()["payload"]["AmazonOrderId"] == ORDER
    assert faults(http) == []


def test_a_delay_range_then_the_real_answer(http):
    fault = add_fault(http, operation="getOrders", delay={"minMs": 200, "maxMs": 400})
    assert fault["delay"] == {"minMs": 200, "maxMs": 400}
    for _ in range(2):
        response, elapsed = timed(lambda: http.get(GET_ORDERS))
        assert elapsed >= 0.15
        assert response.status_code == 200
        assert response.json()["payload"]["Orders"]
    assert faults(http)[0]["hits"] == 2


def test_a_delay_with_a_status_waits_then_fails(http):
    add_fault(http, operation="getOrder", delay={"ms": 200}, status=503, times=1)
    response, elapsed = timed(lambda: http.get(GET_ORDER))
    assert elapsed >= 0.15
    assert response.status_code == 503
    assert response.json() == {"errors": [DEFAULT_ERRORS[503]]}
    assert http.get(GET_ORDER).status_code == 200


# --- broken bodies -----------------------------------------------------------------------------------


def test_a_malformed_body_is_a_200_that_is_not_json(raw, http):
    add_fault(http, operation="getOrders", body="malformed", times=1)
    response = raw.get(GET_ORDERS, headers=TOKEN)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.content  # something, cut short
    assert_request_id(response)
    with pytest.raises(ValueError):
        json.loads(response.content)

    after = http.get(GET_ORDERS)
    assert after.status_code == 200
    assert after.json()["payload"]["Orders"]


def test_an_empty_body_is_a_200_with_nothing(raw, http):
    add_fault(http, operation="getOrder", body="empty")
    response = raw.get(GET_ORDER, headers=TOKEN)
    assert response.status_code == 200
    assert response.content == b""
    assert_request_id(response)

    http.request("DELETE", "/_mock/faults")
    assert http.get(GET_ORDER).json()["payload"]["AmazonOrderId"] == ORDER


# --- rules that cannot be used ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec, problem",
    [
        ({"operation": "getOrders", "status": 503, "drop": True}, "only one of status, body and drop, not status and drop"),
        ({"status": 500, "body": "empty"}, "not status and body"),
        ({"operation": "getOrders"}, "needs status, body, drop or delay"),
        ({"times": 3}, "needs status, body, drop or delay"),
        ({"delay": {"minMs": 500, "maxMs": 100}}, "minMs must not be greater than delay.maxMs"),
        ({"delay": {"ms": 100, "minMs": 50}}, "either {ms} or {minMs, maxMs}"),
        ({"delay": {"minMs": 50}}, "both minMs and maxMs"),
        ({"body": "empty", "code": "Oops"}, "code goes with status"),
        ({"status": 418}, "status: 418 is not one of [400, 403, 404, 429, 500, 503]"),
        ({"status": 200}, "status: 200 is not one of"),
        ({"body": "garbage"}, "body: 'garbage' is not one of ['malformed', 'empty']"),
        ({"status": 500, "times": 0}, "times"),
    ],
)
def test_an_unusable_fault_is_refused_with_invalid_input_naming_the_problem(http, spec, problem):
    response = http.post("/_mock/faults", json=spec)
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["code"] == "InvalidInput"
    assert problem in error["message"], error["message"]
    assert_request_id(response)
    assert faults(http) == []
    assert http.get(GET_ORDERS).status_code == 200


def test_deleting_an_unknown_fault_is_404(http):
    response = http.request("DELETE", "/_mock/faults/fault-does-not-exist")
    assert response.status_code == 404
    assert response.json() == {
        "errors": [{"code": "NotFound", "message": "Fault fault-does-not-exist not found.", "details": ""}]
    }

    kept = add_fault(http, operation="getOrder", status=500)
    assert http.request("DELETE", "/_mock/faults/fault-does-not-exist").status_code == 404
    assert [f["faultId"] for f in faults(http)] == [kept["faultId"]]  # nothing else was removed


# --- a real server: dropped connections, the SDK clients, the command ---------------------------------


@pytest.fixture(scope="module")
def server(network, tmp_path_factory):
    with live_server("--fixtures", str(TEST_FIXTURES), tmp_dir=tmp_path_factory.mktemp("faults")) as srv:
        yield srv


@pytest.fixture(scope="module")
def control(server):
    control = HttpControl(server.base_url)
    control.freeze_clock()
    return control


def test_a_dropped_connection_raises_connection_error_and_the_server_keeps_serving(server, control):
    fault = control.add_fault(operation="getOrder", drop=True, times=2)
    assert fault["drop"] is True
    url = server.base_url + GET_ORDER
    for _ in range(2):  # each on a new connection
        with pytest.raises(requests.ConnectionError):
            requests.get(url, headers=TOKEN, timeout=10)
    assert control.faults()["faults"] == []

    response = requests.get(url, headers=TOKEN, timeout=10)
    assert response.status_code == 200
    assert response.json()["payload"]["AmazonOrderId"] == ORDER
    # Other operations were never dropped.
    assert requests.get(server.base_url + GET_ORDERS, headers=TOKEN, timeout=10).status_code == 200


def test_python_sp_api_sees_503_and_429_as_its_own_exceptions_then_succeeds(server, control):
    from sp_api.base import SellingApiRequestThrottledException, SellingApiTemporarilyUnavailableException

    # A refresh token of its own: python-amazon-sp-api caches access tokens process-wide.
    orders = python_sp_api_orders(server.base_url, f"Atzr|faults-{uuid.uuid4().hex}")
    try:
        unavailable = control.add_fault(operation="getOrder", status=503)
        with pytest.raises(SellingApiTemporarilyUnavailableException) as caught:
            orders.get_order(ORDER)
        assert caught.value.code == 503
        assert caught.value.amzn_code == "ServiceUnavailable"

        control.delete_fault(unavailable["faultId"])
        control.add_fault(operation="getOrder", status=429, times=1)
        with pytest.raises(SellingApiRequestThrottledException) as caught:
            orders.get_order(ORDER)
        assert caught.value.code == 429
        assert caught.value.amzn_code == "QuotaExceeded"
        assert caught.value.message == "You exceeded your quota for the requested resource."

        res = orders.get_order(ORDER)
        assert res.payload["AmazonOrderId"] == ORDER
    finally:
        orders.close()


def test_amzn_sp_api_sees_503_and_429_as_api_exceptions_then_succeeds(server, control):
    from spapi import ApiException

    api = amzn_orders_api(amzn_sp_api_client(server.base_url, f"Atzr|faults-{uuid.uuid4().hex}"))
    control.add_fault(operation="getOrders", status=503, times=1)
    with pytest.raises(ApiException) as caught:
        api.get_orders([US], created_after="2025-06-01T00:00:00Z")
    assert caught.value.status == 503
    assert json.loads(caught.value.body) == {"errors": [DEFAULT_ERRORS[503]]}

    control.add_fault(operation="getOrders", status=429, times=1)
    with pytest.raises(ApiException) as caught:
        api.get_orders([US], created_after="2025-06-01T00:00:00Z")
    assert caught.value.status == 429
    assert json.loads(caught.value.body) == QUOTA_EXCEEDED
    assert caught.value.headers["x-amzn-RateLimit-Limit"] == "0.0167"

    assert control.faults()["faults"] == []
    payload = api.get_orders([US], created_after="2025-06-01T00:00:00Z").payload
    assert payload.orders


def test_a_token_endpoint_fault_reaches_the_sdks_token_refresh(server, control):
    from sp_api.auth.exceptions import AuthorizationError

    control.add_fault(operation="createToken", status=503, times=1)
    orders = python_sp_api_orders(server.base_url, f"Atzr|faults-{uuid.uuid4().hex}")
    try:
        # The SDK parses the OAuth body of the refused token request.
        with pytest.raises(AuthorizationError) as caught:
            orders.get_order(ORDER)
        assert caught.value.status_code == 503
        assert caught.value.error_code == "temporarily_unavailable"
        assert caught.value.message == "The authorization server is temporarily unavailable"
        assert control.faults()["faults"] == []
        assert orders.get_order(ORDER).payload["AmazonOrderId"] == ORDER
    finally:
        orders.close()


def spapi_mock(*args: str) -> subprocess.CompletedProcess:
    """The command run in this process, as tests/test_control_cli.py does."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def test_the_fault_command_adds_lists_and_clears_rules(server, control):
    url = ("--url", server.base_url)
    added = spapi_mock("fault", "add", "--operation", "getOrders", "--status", "503", "--times", "1", *url)
    assert added.returncode == 0, added.stderr
    fault_id, _, shown = added.stdout.strip().partition(": ")
    assert json.loads(shown) == {"faultId": fault_id, "operation": "getOrders", "hits": 0, "remaining": 1, "status": 503}

    listed = spapi_mock("fault", "list", "--json", *url)
    assert listed.returncode == 0, listed.stderr
    assert [f["faultId"] for f in json.loads(listed.stdout)["faults"]] == [fault_id]

    failed = requests.get(server.base_url + GET_ORDERS, headers=TOKEN, timeout=10)
    assert failed.status_code == 503
    assert failed.json() == {"errors": [DEFAULT_ERRORS[503]]}
    assert spapi_mock("fault", "list", *url).stdout.strip() == "no faults"  # --times 1 ran out
    assert requests.get(server.base_url + GET_ORDERS, headers=TOKEN, timeout=10).status_code == 200

    # Until cleared; with a delay range and one order.
    spapi_mock("fault", "add", "--operation", "getOrder", "--order", ORDER, "--delay", "10-20", "--status", "500", *url)
    spapi_mock("fault", "add", "--body", "empty", *url)
    assert [(f.get("orderId"), f.get("delay"), f.get("body")) for f in control.faults()["faults"]] == [
        (ORDER, {"minMs": 10, "maxMs": 20}, None),
        (None, None, "empty"),
    ]
    assert requests.get(server.base_url + GET_ORDER, headers=TOKEN, timeout=10).status_code == 500
    cleared = spapi_mock("fault", "clear", *url)
    assert (cleared.returncode, cleared.stdout.strip()) == (0, "cleared 2")
    assert control.faults()["faults"] == []
    assert requests.get(server.base_url + GET_ORDER, headers=TOKEN, timeout=10).status_code == 200

    # One rule by id; an unknown id and an unusable rule exit 1 with the server's message.
    one = json.loads(spapi_mock("fault", "add", "--drop", "--json", *url).stdout)
    assert spapi_mock("fault", "clear", one["faultId"], *url).stdout.strip() == "cleared 1"
    unknown = spapi_mock("fault", "clear", one["faultId"], *url)
    assert (unknown.returncode, unknown.stderr.strip()) == (1, f"spapi-mock: Fault {one['faultId']} not found.")
    nothing = spapi_mock("fault", "add", "--operation", "getOrders", *url)
    assert nothing.returncode == 1
    assert "needs status, body, drop or delay" in nothing.stderr
    bad_delay = spapi_mock("fault", "add", "--delay", "soon", *url)
    assert bad_delay.returncode == 1 and "--delay takes milliseconds" in bad_delay.stderr
    assert control.faults()["faults"] == []


def test_the_fault_command_lists_and_clears_one_sellers_rules(server, control):
    url = ("--url", server.base_url)
    mine = control.add_fault(operation="getOrders", sellerId="CLI-SELLER", status=500)
    theirs = control.add_fault(operation="getOrders", sellerId="OTHER-SELLER", status=500)

    listed = json.loads(spapi_mock("fault", "list", "--seller", "CLI-SELLER", "--json", *url).stdout)
    assert [f["faultId"] for f in listed["faults"]] == [mine["faultId"]]
    assert spapi_mock("fault", "clear", "--seller", "CLI-SELLER", *url).stdout.strip() == "cleared 1"
    assert [f["faultId"] for f in control.faults()["faults"]] == [theirs["faultId"]]
