"""getOrder and getOrderItems answered by the fast reads (``http/fast_reads.py``) exactly as
Connexion's own path answers them: status, body and headers, for answers, errors, paging, refused
tokens, faults, throttling and sandbox cases. The Connexion path is the same app with the fast
reads switched off (``Config.fast_reads``); both validate their answers against our spec, so every
answer compared here is also held to it. Every other app of the suite, in-process or live, serves
these two operations through the fast reads, as users get them."""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from support.http import TOKEN, make_app

UNSHIPPED = "111-0000000-0000001"
FIVE_ITEMS = "111-0000000-0000008"
VARYING = {"x-amzn-requestid", "date"}


@pytest.fixture(scope="module")
def pair():
    """(fast, connexion): two apps on the same fixtures and frozen clock."""
    fast = make_app(order_items_page_size=2, throttling="amazon")
    slow = make_app(order_items_page_size=2, throttling="amazon", fast_reads=False)
    with fast.test_client() as a, slow.test_client() as b:
        yield a, b


@pytest.fixture(scope="module")
def open_pair():
    """(fast, connexion) without throttling, for many requests in a row."""
    fast = make_app(order_items_page_size=2)
    slow = make_app(order_items_page_size=2, fast_reads=False)
    with fast.test_client() as a, slow.test_client() as b:
        yield a, b


def both(pair, method: str, url: str, **kwargs) -> tuple:
    return tuple(client.request(method, url, **kwargs) for client in pair)


def assert_same(fast, slow) -> None:
    assert fast.status_code == slow.status_code, (fast.status_code, fast.text, slow.status_code, slow.text)
    # Page tokens are sealed with each server's own key; everything else is byte for byte.
    assert _without_token(fast.content) == _without_token(slow.content)
    fast_headers = {k.lower(): v for k, v in fast.headers.items() if k.lower() not in VARYING}
    slow_headers = {k.lower(): v for k, v in slow.headers.items() if k.lower() not in VARYING}
    assert fast_headers == slow_headers
    assert "x-amzn-requestid" in {k.lower() for k in fast.headers}


def _without_token(body: bytes) -> bytes:
    return re.sub(rb'"NextToken":"[^"]*"', b'"NextToken":"..."', body)


def test_the_two_paths_are_two(pair, monkeypatch):
    """The fast reads answer the first app's getOrder and not the second's (if this failed, the
    comparisons below would compare Connexion with itself)."""
    from spapi_mock.http import fast_reads

    checked = []
    real = fast_reads.token_info
    monkeypatch.setattr(fast_reads, "token_info", lambda svc, token: (checked.append(token), real(svc, token))[1])
    fast, slow = both(pair, "GET", f"/orders/v0/orders/{UNSHIPPED}", headers=TOKEN)
    assert len(checked) == 1 and fast.status_code == slow.status_code


@pytest.mark.parametrize(
    "url, params, headers",
    [
        (f"/orders/v0/orders/{UNSHIPPED}", {}, TOKEN),
        (f"/orders/v0/orders/{UNSHIPPED}/orderItems", {}, TOKEN),
        (f"/orders/v0/orders/{FIVE_ITEMS}/orderItems", {}, TOKEN),
        ("/orders/v0/orders/999-9999999-9999999", {}, TOKEN),
        ("/orders/v0/orders/999-9999999-9999999/orderItems", {}, TOKEN),
        (f"/orders/v0/orders/{FIVE_ITEMS}/orderItems", {"NextToken": "not-a-token"}, TOKEN),
        (f"/orders/v0/orders/{FIVE_ITEMS}/orderItems", {"NextToken": ""}, TOKEN),
        (f"/orders/v0/orders/{UNSHIPPED}", {"Unknown": "1"}, TOKEN),
        (f"/orders/v0/orders/{UNSHIPPED}", {}, {"x-amz-access-token": "not a token"}),
        (f"/orders/v0/orders/{UNSHIPPED}", {}, {"x-amz-access-token": ""}),
        (f"/orders/v0/orders/{UNSHIPPED}", {}, {}),
        (f"/orders/v0/orders/{UNSHIPPED}/", {}, TOKEN),
        (f"/orders/v0/orders/{UNSHIPPED}%0A", {}, TOKEN),
        ("/orders/v0/orders/a%0Ab/orderItems", {}, TOKEN),
        ("/orders/v0/orders/TEST_CASE_200", {}, TOKEN),
    ],
)
def test_the_same_request_gets_the_same_answer(pair, url, params, headers):
    assert_same(*both(pair, "GET", url, params=params, headers=headers))


def test_paging_through_items_gives_the_same_pages_and_tokens(pair):
    fast, slow = both(pair, "GET", f"/orders/v0/orders/{FIVE_ITEMS}/orderItems", headers=TOKEN)
    assert_same(fast, slow)
    tokens = [response.json()["payload"]["NextToken"] for response in (fast, slow)]
    url = f"/orders/v0/orders/{FIVE_ITEMS}/orderItems"
    assert_same(*(client.get(url, params={"NextToken": t}, headers=TOKEN) for client, t in zip(pair, tokens, strict=True)))
    # A token of one order refused on another, by name.
    url = f"/orders/v0/orders/{UNSHIPPED}/orderItems"
    fast, slow = (client.get(url, params={"NextToken": t}, headers=TOKEN) for client, t in zip(pair, tokens, strict=True))
    assert_same(fast, slow)
    assert fast.status_code == 400 and "NextToken" in fast.text


def test_an_injected_fault_is_answered_the_same(pair):
    for client in pair:
        response = client.post("/_mock/faults", json={"operation": "getOrderItems", "status": 503, "times": 1})
        assert response.status_code == 201, response.text
    fast, slow = both(pair, "GET", f"/orders/v0/orders/{UNSHIPPED}/orderItems", headers=TOKEN)
    assert_same(fast, slow)
    assert fast.status_code == 503
    assert_same(*both(pair, "GET", f"/orders/v0/orders/{UNSHIPPED}/orderItems", headers=TOKEN))


def test_the_usage_plan_throttles_the_same_and_says_its_rate(pair):
    answers = [both(pair, "GET", f"/orders/v0/orders/{UNSHIPPED}", headers=TOKEN) for _ in range(40)]
    for fast, slow in answers:
        assert_same(fast, slow)
    statuses = [fast.status_code for fast, _ in answers]
    assert 200 in statuses and 429 in statuses, statuses
    assert all(fast.headers["x-amzn-RateLimit-Limit"] for fast, _ in answers)


def test_the_journal_records_a_fast_read_as_it_records_any_other(pair):
    fast, _ = pair
    fast.delete("/_mock/journal")
    fast.get(f"/orders/v0/orders/{UNSHIPPED}", headers=TOKEN)
    (entry,) = fast.get("/_mock/journal").json()["requests"]
    assert entry["operation"] == "getOrder" and entry["orderId"] == UNSHIPPED
    assert entry["sellerId"] == "A1MOCKSELLER00" and entry["status"] in (200, 429)


def test_strict_auth_shows_and_hides_the_same_personal_data():
    """Under strict auth each server issues its own tokens: each path gets its own LWA token and
    RDT, asked for the same way, and must show exactly the same fields with them."""
    apps = [make_app(strict_auth=True, validate_responses=False), make_app(strict_auth=True, validate_responses=True)]
    form = {"grant_type": "refresh_token", "refresh_token": "Atzr|app", "client_id": "app", "client_secret": "s"}
    rdt_body = {
        "restrictedResources": [{"method": "GET", "path": f"/orders/v0/orders/{UNSHIPPED}", "dataElements": ["buyerInfo"]}]
    }
    with apps[0].test_client() as fast, apps[1].test_client() as slow:
        plain, restricted = [], []
        for client in (fast, slow):
            token = {"x-amz-access-token": client.post("/auth/o2/token", data=form).json()["access_token"]}
            rdt = client.post("/tokens/2021-03-01/restrictedDataToken", json=rdt_body, headers=token).json()
            plain.append(token)
            restricted.append({"x-amz-access-token": rdt["restrictedDataToken"]})
        for headers in (plain, restricted, [{"x-amz-access-token": "Atza|made-up"}] * 2):
            for url in (f"/orders/v0/orders/{UNSHIPPED}", f"/orders/v0/orders/{UNSHIPPED}/orderItems"):
                assert_same(fast.get(url, headers=headers[0]), slow.get(url, headers=headers[1]))
        shown = fast.get(f"/orders/v0/orders/{UNSHIPPED}", headers=restricted[0]).json()["payload"]
        hidden = fast.get(f"/orders/v0/orders/{UNSHIPPED}", headers=plain[0]).json()["payload"]
        assert "BuyerName" in shown.get("BuyerInfo", {}) and "BuyerName" not in hidden.get("BuyerInfo", {})


ORDER_IDS = st.one_of(
    st.sampled_from([UNSHIPPED, FIVE_ITEMS, "999-9999999-9999999", "TEST_CASE_200", "TEST_CASE_400"]),
    st.text(alphabet=string.ascii_letters + string.digits + "-_.~%:@!$&'()*+,;=", min_size=1, max_size=24),
)
ACCESS_TOKENS = st.sampled_from(
    [TOKEN, {}, {"x-amz-access-token": ""}, {"x-amz-access-token": "Atza|other-seller"}, {"x-amz-access-token": " "}]
)
QUERIES = st.dictionaries(
    st.sampled_from(["NextToken", "Unknown", "MarketplaceIds", "nexttoken"]), st.text(max_size=12), max_size=3
)


@settings(max_examples=200, deadline=None)
@given(order_id=ORDER_IDS, operation=st.sampled_from(["", "/orderItems"]), headers=ACCESS_TOKENS, params=QUERIES)
def test_any_order_id_token_and_query_is_answered_the_same_by_both_paths(open_pair, order_id, operation, headers, params):
    fast, slow = both(open_pair, "GET", f"/orders/v0/orders/{order_id}{operation}", params=params, headers=headers)
    assert_same(fast, slow)


def test_the_suites_in_process_apps_answer_through_the_fast_reads(client, monkeypatch):
    """The apps every other API test uses validate responses and still take the path users get."""
    from spapi_mock.http import fast_reads

    checked = []
    real = fast_reads.token_info
    monkeypatch.setattr(fast_reads, "token_info", lambda svc, token: (checked.append(token), real(svc, token))[1])
    client.get(f"/orders/v0/orders/{UNSHIPPED}/orderItems", headers=TOKEN)
    assert checked == [TOKEN["x-amz-access-token"]]


def test_a_fast_answer_the_spec_does_not_allow_is_refused_as_connexion_refuses_it(monkeypatch):
    """Response validation holds on the fast path too: a handler's answer with a field of the
    wrong type is a 500 on both paths, with the same body."""
    from spapi_mock.http import fast_reads
    from spapi_mock.http.handlers import orders_v0

    real = orders_v0.get_order

    def wrong(**kwargs):
        answer = real(**kwargs)
        answer["payload"]["OrderTotal"] = 12.5  # a Money object in the spec
        return answer

    # Both paths take their handlers when the app is built.
    monkeypatch.setattr(orders_v0, "get_order", wrong)
    monkeypatch.setitem(fast_reads.FAST_OPERATIONS, "getOrder", wrong)
    with make_app().test_client() as fast, make_app(fast_reads=False).test_client() as slow:
        answers = both((fast, slow), "GET", f"/orders/v0/orders/{UNSHIPPED}", headers=TOKEN)
    assert answers[0].status_code == 500
    assert_same(*answers)
