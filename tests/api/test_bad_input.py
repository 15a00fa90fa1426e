"""No bad input yields a 5xx: random and hostile parameters get 400 envelopes (or 200/404)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spapi_mock.domain.order_search import FILTER_PARAMS

HOSTILE = [
    "",
    " ",
    "%00",
    "\u0000",
    "é",
    "💥",
    "a" * 5000,
    "2025-13-45",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "2025-06-01T00:00:00+25:00",
    "-1",
    "99999999999999999999999",
    "true,false",
    ",,,",
    "null",
    "[]",
    "{}",
    "' OR 1=1 --",
]

values = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(st.sampled_from([*FILTER_PARAMS, "NextToken", "MaxResultsPerPage"]), values, max_size=6))
def test_get_orders_never_fails_with_5xx(client, params):
    response = client.get("/orders/v0/orders", params=params)
    assert response.status_code in (200, 400), response.text


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("suffix", ["", "/orderItems", "/orderItems/buyerInfo", "/address", "/buyerInfo", "/regulatedInfo"])
def test_order_operations_never_fail_with_5xx(client, value, suffix):
    order_id = quote(value, safe="") or "x"
    response = client.get(f"/orders/v0/orders/{order_id}{suffix}", params={"NextToken": value})
    assert response.status_code in (400, 404), response.text


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=st.dictionaries(st.sampled_from(["grant_type", "refresh_token", "client_id", "client_secret", "scope"]), values))
def test_token_endpoint_never_fails_with_5xx(client, fields):
    assert client.post("/auth/o2/token", data=fields).status_code in (200, 400, 401)
