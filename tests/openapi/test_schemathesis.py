"""Schemathesis against our own OpenAPI documents: no 5xx, and every answer is what the spec says.

Every operation of our specs (Orders v0 and v2026-01-01, Tokens, Sellers, Finances, LWA and
the control plane) gets requests that follow the spec and requests that break it (Schemathesis'
examples, coverage and fuzzing phases, positive and negative). No response may be a server error, and each must
have a status code, content type, headers and body the spec declares for the operation.

Deterministic: Hypothesis is derandomized and keeps no example database, so every run sends
the same requests and no example is saved. ``MAX_EXAMPLES`` bounds the fuzzing phase per
operation; the coverage phase adds its fixed set of boundary and missing/wrong-typed cases on
top. For a deeper search, raise it and set ``deterministic=False`` locally.

The tests after the Schemathesis runs pin down, request by request, what the runs found.
"""

from __future__ import annotations

import copy
import json

import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from spapi_mock.control import scenarios
from spapi_mock.kernel import resources
from spapi_mock.traffic.specs import (
    CONTROL_SPEC,
    FINANCES_2024_SPEC,
    FINANCES_V0_SPEC,
    LWA_SPEC,
    ORDERS_2026_SPEC,
    ORDERS_V0_SPEC,
    SELLERS_SPEC,
    TOKENS_SPEC,
)

from support import TEST_FIXTURES
from support.http import TOKEN, US, make_app

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# Fuzzing examples per operation; with the coverage phase, about 25 s for this file on two busy cores.
MAX_EXAMPLES = 20


def _fixture_order_ids() -> list[str]:
    ids = []
    for path in sorted(TEST_FIXTURES.glob("*.yaml")):
        ids += [record["order"]["AmazonOrderId"] for record in resources.load_yaml(path.read_text(encoding="utf-8"))["orders"]]
    return ids


def _sandbox_order_ids() -> list[str]:
    cases = json.loads(resources.sandbox_cases_file().read_text(encoding="utf-8"))["cases"]
    return sorted({case["parameters"]["orderId"] for case in cases if "orderId" in case["parameters"]})


# Random path parameters almost never name an order or a scenario, so the answers would be
# nearly all 404s. These are mixed in so that success bodies (and Amazon's sandbox answers)
# are held to the spec too.
KNOWN_PATH_VALUES = {
    "orderId": _fixture_order_ids() + _sandbox_order_ids(),
    "name": [scenario.name for scenario in scenarios.list_scenarios()],
}
# getOrders answers 400 unless CreatedAfter or LastUpdatedAfter is a date; these list the
# fixtures' orders (on the frozen clock of conftest.make_app), in one page or several.
ORDER_LISTINGS = [
    {"MarketplaceIds": [US], "CreatedAfter": "2020-01-01T00:00:00Z"},
    {"MarketplaceIds": [US, "A2EUQ1WTGCTBG2"], "LastUpdatedAfter": "2025-06-01T00:00:00Z", "MaxResultsPerPage": 2},
    {"MarketplaceIds": [US], "CreatedAfter": "2025-06-14T00:00:00Z", "CreatedBefore": "2025-06-15T11:00:00Z"},
]


def _is_utf8(body) -> bool:
    try:
        (body.encode() if isinstance(body, str) else bytes(body or b"")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def load(spec_name: str):
    # An explicit, empty config: no schemathesis.toml from the working directory changes the run.
    schema = schemathesis.openapi.from_dict(copy.deepcopy(resources.openapi_spec(spec_name)), config=SchemathesisConfig())
    schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, database="none")
    # Any non-empty access token is accepted; negative cases still drop or break it.
    schema.config.update(headers=dict(TOKEN))

    @schema.hook
    def before_generate_path_parameters(context, strategy):
        path = context.operation.path
        known = {name: st.sampled_from(values) for name, values in KNOWN_PATH_VALUES.items() if f"{{{name}}}" in path}
        if not known:
            return strategy
        return st.one_of(strategy, st.tuples(strategy, st.fixed_dictionaries(known)).map(lambda pair: {**pair[0], **pair[1]}))

    @schema.hook
    def before_generate_query(context, strategy):
        if context.operation.label != "GET /orders/v0/orders":
            return strategy
        return st.one_of(strategy, st.sampled_from(ORDER_LISTINGS))

    return schema


orders_v0 = load(ORDERS_V0_SPEC)
orders_2026 = load(ORDERS_2026_SPEC)
tokens = load(TOKENS_SPEC)
sellers = load(SELLERS_SPEC)
finances_v0 = load(FINANCES_V0_SPEC)
finances_2024 = load(FINANCES_2024_SPEC)
lwa = load(LWA_SPEC)
# waitForNotification waits in real time for as long as it is asked (default 10 s, up to 120):
# fuzzed, it made the run minutes longer; its answers are tested in test_notifications_delivery.
control = load(CONTROL_SPEC).exclude(operation_id="waitForNotification")


def _app():
    # Connexion does not validate responses here: Schemathesis checks them itself and says what
    # differs, where Connexion would turn the difference into a bare 500.
    return make_app(validate_responses=False)


# One app per spec, on the test fixtures and a frozen clock: what one request leaves behind (an
# order placed, the clock moved, the store reset) is input for the next, as for a real client.
@pytest.fixture(scope="module")
def orders_app():
    return _app()


@pytest.fixture(scope="module")
def lwa_app():
    return _app()


@pytest.fixture(scope="module")
def control_app():
    return _app()


@orders_v0.parametrize()
def test_orders_v0(case, orders_app):
    case.call_and_validate(app=orders_app, checks=CHECKS)


@orders_2026.parametrize()
def test_orders_2026(case, orders_app):
    case.call_and_validate(app=orders_app, checks=CHECKS)


@tokens.parametrize()
def test_tokens(case, orders_app):
    case.call_and_validate(app=orders_app, checks=CHECKS)


@sellers.parametrize()
def test_sellers(case, orders_app):
    case.call_and_validate(app=orders_app, checks=CHECKS)


@finances_v0.parametrize()
def test_finances_v0(case, orders_app):
    case.call_and_validate(app=orders_app, checks=CHECKS)


@finances_2024.parametrize()
def test_finances_2024(case, orders_app):
    case.call_and_validate(app=orders_app, checks=CHECKS)


@lwa.parametrize()
def test_lwa(case, lwa_app):
    case.call_and_validate(app=lwa_app, checks=CHECKS)


@control.parametrize()
def test_control(case, control_app):
    case.call_and_validate(app=control_app, checks=CHECKS)


# What the runs found, one request each.


@pytest.fixture(scope="module")
def client():
    with _app().test_client() as raw:
        yield raw


def _declared_statuses(spec_name: str, method: str, path: str) -> set[int]:
    return {int(code) for code in resources.openapi_spec(spec_name)["paths"][path][method]["responses"]}


def _sp_api_error(response) -> dict:
    body = response.json()
    assert set(body) == {"errors"} and len(body["errors"]) == 1, body
    return body["errors"][0]


@pytest.mark.parametrize(
    "url",
    [
        "/orders/v0/orders/111-0000000-0000001/shipmentConfirmation",
        "/orders/v0/orders/111-0000000-0000001/shipment",
        "/_mock/clock/freeze",
        "/_mock/orders",
    ],
)
def test_a_json_body_that_is_not_utf8_is_invalid_input(client, url):
    response = client.post(url, content=b'{"a": "\xff"}', headers={**TOKEN, "Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    error = _sp_api_error(response)
    assert error["code"] == "InvalidInput"
    assert error["message"] == "The request body is not valid JSON: byte 7 is not UTF-8 text."


@pytest.mark.parametrize(
    "method, url",
    [
        ("GET", "/orders/v0/orders/111-0000000-0000001%0A"),
        ("GET", "/orders/v0/orders/a%0Ab/orderItems"),
        ("POST", "/_mock/orders/a%0Ab/actions"),
        ("POST", "/_mock/scenarios/a%0Ab/run"),
    ],
)
def test_a_line_break_in_a_path_parameter_is_invalid_input(client, method, url):
    # Connexion's router does not route such a path, Flask's does: the handler failed (500).
    response = client.request(method, url, headers=TOKEN, json={"action": "authorize_payment"} if method == "POST" else None)
    assert response.status_code == 400, response.text
    assert _sp_api_error(response) == {
        "code": "InvalidInput",
        "message": "Invalid request path: a path parameter must not contain a line break.",
        "details": "",
    }


@pytest.mark.parametrize(
    "kwargs, description",
    [
        ({}, "RequestBody is required."),
        ({"json": ["grant_type", "refresh_token"]}, "['grant_type', 'refresh_token'] is not of type 'object'."),
        ({"content": b"grant_type=x", "headers": {"Content-Type": "text/plain"}}, "Invalid Content-type (text/plain)"),
    ],
)
def test_a_token_request_the_validator_refuses_is_an_oauth_invalid_request(client, kwargs, description):
    # Token clients parse RFC 6749 error bodies; these were SP-API envelopes the spec does not declare.
    response = client.post("/auth/o2/token", **kwargs)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "invalid_request" and description in body["error_description"], body


def _body_operations():
    """(spec, method, path, operationId) of every operation that takes a request body."""
    for spec_name in (ORDERS_V0_SPEC, TOKENS_SPEC, LWA_SPEC, CONTROL_SPEC):
        for path, item in resources.openapi_spec(spec_name)["paths"].items():
            for method, operation in item.items():
                if isinstance(operation, dict) and "requestBody" in operation:
                    yield spec_name, method, path, operation["operationId"]


@pytest.mark.parametrize(
    "spec_name, method, path",
    [pytest.param(spec_name, method, path, id=operation_id) for spec_name, method, path, operation_id in _body_operations()],
)
def test_a_body_of_another_media_type_gets_a_status_the_spec_declares(client, spec_name, method, path):
    # Schemathesis sends such bodies as probes but holds their answers to nothing.
    base = resources.openapi_spec(spec_name)["servers"][0]["url"].rstrip("/")
    url = base + path.replace("{orderId}", "111-0000000-0000001").replace("{name}", "out-of-stock")
    response = client.request(method.upper(), url, content=b"x", headers={**TOKEN, "Content-Type": "text/plain"})
    assert response.status_code in (400, 415), response.text
    assert response.status_code in _declared_statuses(spec_name, method, path)


def test_cancellation_rate_declares_the_400_it_answers(client):
    response = client.get("/_mock/cancellation-rate", params={"sellerId": ""})
    assert response.status_code == 400 and _sp_api_error(response)["code"] == "InvalidInput"
    assert 400 in _declared_statuses(CONTROL_SPEC, "get", "/cancellation-rate")


def test_lwa_refuses_a_json_body_that_is_not_utf8(client):
    response = client.post("/auth/o2/token", content=b"\xff", headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    "method, url, path",
    [
        ("get", "/_mock/faults?sellerId=", "/faults"),
        ("delete", "/_mock/faults?sellerId=", "/faults"),
        ("get", "/_mock/journal?sellerId=", "/journal"),
        ("delete", "/_mock/journal?operation=", "/journal"),
        ("delete", "/_mock/faults/a%0Ab", "/faults/{faultId}"),
    ],
)
def test_control_operations_declare_the_400_they_answer(client, method, url, path):
    response = client.request(method.upper(), url)
    assert response.status_code == 400, response.text
    assert 400 in _declared_statuses(CONTROL_SPEC, method, path)


def test_a_throttling_factor_too_large_is_invalid_input(client):
    try:
        response = client.put("/_mock/throttling", json={"mode": "scaled", "factor": 1e308})
        assert response.status_code == 400, response.text
        assert _sp_api_error(response)["code"] == "InvalidInput"
        assert client.get("/orders/v0/orders/111-0000000-0000001", headers=TOKEN).status_code == 200
    finally:
        client.put("/_mock/throttling", json={"mode": "off"})
