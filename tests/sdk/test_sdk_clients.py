"""Real SP-API SDK clients against the real server: token exchange, paging, deserialised values.

Two SDKs are driven end to end against ``spapi-mock serve`` on a free port:

* amzn-sp-api (Amazon's own, ``import spapi``): ``SPAPIClient(config, oauth_endpoint=...,
  endpoint=...)`` and ``OrdersV0Api``; responses come back as swagger-codegen models, built by
  the SDK's own deserialiser (which also checks enum values).
* python-amazon-sp-api (``import sp_api``): ``Orders`` with ``ApiResponse`` payloads.

Both obtain their access token from the mock's ``POST /auth/o2/token``. The expected values
come from the built-in fixture files read as plain YAML (not through the server), so no order id
is hard-coded. A socket guard refuses any connection that does not go to this machine.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from spapi_mock.kernel import resources

from support.sdk import (
    amzn_orders_api,
    amzn_sp_api_client,
    is_loopback,
    listable,
    python_sp_api_orders,
    read_fixture_orders,
    refresh_token,
)

FIXTURES = resources.default_fixtures_dir()
# --log-level debug turns on uvicorn's access log: the server's own record of each request.
SERVE = ("--fixtures", str(FIXTURES), "--log-level", "debug")
US = "ATVPDKIKX0DER"
SMALL_PAGE = 7  # small and odd: many pages, and most likely a short last one
ITEMS_PAGE = 100  # Amazon's (and the mock's) getOrderItems page size
GET_ORDERS_RATE = "0.0167"
PER_ORDER_RATE = "0.5"


def wire(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- module fixtures -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fixture_orders(server):
    assert FIXTURES.is_dir() and any(FIXTURES.glob("*.y*ml")), f"built-in fixtures missing in {FIXTURES}"
    orders = read_fixture_orders(FIXTURES, datetime.now(UTC))
    assert len(orders) >= 20, "the built-in fixtures should hold a realistic number of orders"
    return orders


@pytest.fixture(scope="module")
def created_after(fixture_orders) -> str:
    return wire(min(o.purchase_date for o in fixture_orders) - timedelta(days=1))


@pytest.fixture(scope="module")
def us_expected(fixture_orders):
    return listable([o for o in fixture_orders if o.marketplace_id == US], datetime.now(UTC))


@pytest.fixture(scope="module")
def cancel_order(fixture_orders):
    """An order where the buyer asked to cancel some items but not others."""
    mixed = [o for o in fixture_orders if o.requested and o.not_requested]
    assert mixed, "the fixtures should have an order with BuyerRequestedCancel on only some items"
    return mixed[0]


@pytest.fixture(scope="module")
def big_order(fixture_orders):
    big = [o for o in fixture_orders if len(o.items) > ITEMS_PAGE]
    assert big, f"the fixtures should have an order with more than {ITEMS_PAGE} items"
    return big[0]


@pytest.fixture(scope="module")
def unknown_order_id(fixture_orders) -> str:
    known = {o.order_id for o in fixture_orders}
    candidate = "999-0000000-0000000"
    assert candidate not in known
    return candidate


# --- amzn-sp-api -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def amzn_token():
    return refresh_token("sdk-test")


@pytest.fixture(scope="module")
def amzn_client(server, amzn_token):
    return amzn_sp_api_client(server.base_url, amzn_token)


@pytest.fixture(scope="module")
def amzn(amzn_client):
    return amzn_orders_api(amzn_client)


def test_amzn_sp_api_exchanges_its_refresh_token_at_the_mock(server, amzn_client, amzn_token):
    info = amzn_client.access_token_cache.token_info
    assert info["access_token"].startswith("Atza|")
    assert info["token_type"] == "bearer"
    assert info["refresh_token"] == amzn_token
    assert info["expires_in"] > 0
    # ...and it is the token every API call carries.
    assert amzn_client.api_client.default_headers["x-amz-access-token"] == info["access_token"]
    assert_server_logged(server, "POST /auth/o2/token", 200)


def test_amzn_sp_api_get_orders_follows_next_token(amzn, created_after, us_expected):
    from spapi.models.orders_v0 import GetOrdersResponse, Order

    whole = amzn.get_orders([US], created_after=created_after, max_results_per_page=100)
    assert isinstance(whole, GetOrdersResponse)
    assert whole.payload.next_token is None, "the US orders should fit one page of 100"
    whole_ids = [o.amazon_order_id for o in whole.payload.orders]
    surely, maybe = us_expected
    assert surely <= set(whole_ids) <= surely | maybe
    assert len(whole_ids) > 3 * SMALL_PAGE

    pages = [amzn.get_orders([US], created_after=created_after, max_results_per_page=SMALL_PAGE)]
    while pages[-1].payload.next_token:
        assert len(pages) < 100, "NextToken never ran out"
        # The marketplace is a required argument of the SDK; CreatedAfter is left to the token.
        # The page size is not a filter: without it a page holds the default 100.
        token = pages[-1].payload.next_token
        pages.append(amzn.get_orders([US], next_token=token, max_results_per_page=SMALL_PAGE))
    sizes = [len(p.payload.orders) for p in pages]
    assert all(size == SMALL_PAGE for size in sizes[:-1]) and 0 < sizes[-1] <= SMALL_PAGE, sizes
    paged_ids = [o.amazon_order_id for p in pages for o in p.payload.orders]
    assert len(paged_ids) == len(set(paged_ids)), "an order came back on two pages"
    assert paged_ids == whole_ids
    for page in pages:
        for order in page.payload.orders:
            assert isinstance(order, Order)
            assert order.marketplace_id == US
            assert order.purchase_date >= created_after
            assert isinstance(order.number_of_items_unshipped, int)
    # A NextToken keeps the window of its first page.
    assert {p.payload.created_before for p in pages} == {pages[0].payload.created_before}


def test_amzn_sp_api_get_order_matches_the_listing(amzn, created_after):
    listed = amzn.get_orders([US], created_after=created_after, max_results_per_page=5).payload.orders
    for order in listed:
        fetched = amzn.get_order(order.amazon_order_id).payload
        assert fetched.amazon_order_id == order.amazon_order_id
        assert fetched.to_dict() == order.to_dict()


def test_amzn_sp_api_reads_buyer_requested_cancel(amzn, cancel_order):
    from spapi.models.orders_v0 import BuyerRequestedCancel, OrderItem

    payload = amzn.get_order_items(cancel_order.order_id).payload
    assert payload.amazon_order_id == cancel_order.order_id
    assert payload.next_token is None
    by_id = {item.order_item_id: item for item in payload.order_items}
    assert list(by_id) == cancel_order.item_ids
    for item_id, flag, reason in cancel_order.items:
        item = by_id[item_id]
        assert isinstance(item, OrderItem)
        assert isinstance(item.buyer_requested_cancel, BuyerRequestedCancel)
        # A string, as in Amazon's model, not a boolean.
        assert item.buyer_requested_cancel.is_buyer_requested_cancel == flag
        if flag == "true":
            assert item.buyer_requested_cancel.buyer_cancel_reason == reason
        else:
            assert not item.buyer_requested_cancel.buyer_cancel_reason
    assert any(i.buyer_requested_cancel.is_buyer_requested_cancel == "true" for i in payload.order_items)
    assert any(i.buyer_requested_cancel.is_buyer_requested_cancel == "false" for i in payload.order_items)


def test_amzn_sp_api_pages_order_items_with_next_token(amzn, big_order):
    first = amzn.get_order_items(big_order.order_id).payload
    assert len(first.order_items) == ITEMS_PAGE
    assert first.next_token
    assert first.amazon_order_id == big_order.order_id
    pages = [first]
    while pages[-1].next_token:
        assert len(pages) < 10, "NextToken never ran out"
        pages.append(amzn.get_order_items(big_order.order_id, next_token=pages[-1].next_token).payload)
    assert all(p.amazon_order_id == big_order.order_id for p in pages)
    ids = [item.order_item_id for p in pages for item in p.order_items]
    assert len(ids) == len(set(ids))
    assert ids == big_order.item_ids


def test_amzn_sp_api_unknown_order_is_an_api_exception_404(amzn, unknown_order_id):
    from spapi import ApiException

    for call in (amzn.get_order, amzn.get_order_items):
        with pytest.raises(ApiException) as caught:
            call(unknown_order_id)
        assert caught.value.status == 404
        errors = json.loads(caught.value.body)["errors"]
        assert errors[0]["code"] == "NotFound"
        assert errors[0]["message"]
        assert caught.value.headers.get("x-amzn-RequestId")


def test_amzn_sp_api_sees_the_rate_limit_headers(amzn, created_after, cancel_order):
    _, status, headers = amzn.get_orders_with_http_info([US], created_after=created_after, max_results_per_page=1)
    assert status == 200
    assert headers.get("x-amzn-RequestId")
    assert headers.get("x-amzn-RateLimit-Limit") == GET_ORDERS_RATE
    _, status, headers = amzn.get_order_items_with_http_info(cancel_order.order_id)
    assert status == 200
    assert headers.get("x-amzn-RateLimit-Limit") == PER_ORDER_RATE


def test_amzn_sp_api_deserialises_every_fixture_order_and_item(amzn, fixture_orders, created_after):
    """The SDK's models check enums and types: every order and item of the set must pass."""
    marketplaces = sorted({o.marketplace_id for o in fixture_orders})
    surely, maybe = listable(fixture_orders, datetime.now(UTC))
    listed = []
    page = amzn.get_orders(marketplaces, created_after=created_after)
    listed += page.payload.orders
    while page.payload.next_token:
        page = amzn.get_orders(marketplaces, next_token=page.payload.next_token)
        listed += page.payload.orders
    ids = [o.amazon_order_id for o in listed]
    assert len(ids) == len(set(ids))
    assert surely <= set(ids) <= surely | maybe
    expected_items = {o.order_id: o.item_ids for o in fixture_orders}
    for order in listed:
        payload = amzn.get_order_items(order.amazon_order_id).payload
        items = list(payload.order_items)
        while payload.next_token:
            payload = amzn.get_order_items(order.amazon_order_id, next_token=payload.next_token).payload
            items += payload.order_items
        assert [i.order_item_id for i in items] == expected_items[order.amazon_order_id]
        assert order.number_of_items_shipped + order.number_of_items_unshipped <= sum(i.quantity_ordered for i in items)


# --- python-amazon-sp-api --------------------------------------------------------------------


@pytest.fixture(scope="module")
def psa_token():
    return refresh_token("sdk-test")


@pytest.fixture(scope="module")
def psa(server, psa_token):
    orders = python_sp_api_orders(server.base_url, psa_token)
    yield orders
    orders.close()


def all_pages(call, **kwargs):
    from sp_api.util import load_all_pages

    # The default sleeps 2 s between pages (or 1/rate with use_rate_limit_header: 60 s here).
    return list(load_all_pages(throttle_by_seconds=0)(call)(**kwargs))


def test_python_sp_api_exchanges_its_refresh_token_at_the_mock(server, psa, psa_token):
    auth = psa.auth
    assert auth.access_token.startswith("Atza|")
    assert auth.token_type == "bearer"
    assert auth.refresh_token == psa_token
    assert psa.headers["x-amz-access-token"] == auth.access_token
    assert_server_logged(server, "POST /auth/o2/token", 200)


def test_python_sp_api_get_orders_load_all_pages(psa, created_after, us_expected):
    whole = psa.get_orders(CreatedAfter=created_after, MarketplaceIds=[US], MaxResultsPerPage=100)
    assert whole.next_token is None, "the US orders should fit one page of 100"
    whole_ids = [o["AmazonOrderId"] for o in whole.payload["Orders"]]
    surely, maybe = us_expected
    assert surely <= set(whole_ids) <= surely | maybe
    assert len(whole_ids) > 3 * SMALL_PAGE

    pages = all_pages(psa.get_orders, CreatedAfter=created_after, MarketplaceIds=[US], MaxResultsPerPage=SMALL_PAGE)
    assert len(pages) == -(-len(whole_ids) // SMALL_PAGE)
    assert all(p.next_token for p in pages[:-1]) and pages[-1].next_token is None
    paged_ids = [o["AmazonOrderId"] for p in pages for o in p.payload["Orders"]]
    assert len(paged_ids) == len(set(paged_ids)), "an order came back on two pages"
    assert paged_ids == whole_ids
    for page in pages:
        for order in page.payload["Orders"]:
            assert order["MarketplaceId"] == US
            assert order["PurchaseDate"] >= created_after
            assert isinstance(order["NumberOfItemsUnshipped"], int)
    totals = [o["OrderTotal"]["Amount"] for p in pages for o in p.payload["Orders"] if "OrderTotal" in o]
    assert totals and all(isinstance(amount, str) for amount in totals)  # Money.Amount is a string


def test_python_sp_api_get_order(psa, created_after):
    listed = psa.get_orders(CreatedAfter=created_after, MarketplaceIds=[US], MaxResultsPerPage=5).payload["Orders"]
    assert listed
    for order in listed:
        res = psa.get_order(order["AmazonOrderId"])
        assert res.payload == order
        assert res.errors is None


def test_python_sp_api_reads_buyer_requested_cancel(psa, cancel_order):
    res = psa.get_order_items(cancel_order.order_id)
    assert res.payload["AmazonOrderId"] == cancel_order.order_id
    assert res.next_token is None
    by_id = {item["OrderItemId"]: item for item in res.payload["OrderItems"]}
    assert list(by_id) == cancel_order.item_ids
    for item_id, flag, reason in cancel_order.items:
        brc = by_id[item_id]["BuyerRequestedCancel"]
        assert brc["IsBuyerRequestedCancel"] == flag  # the string "true"/"false"
        if flag == "true":
            assert brc["BuyerCancelReason"] == reason
        else:
            assert not brc.get("BuyerCancelReason")


def test_python_sp_api_pages_order_items(psa, big_order):
    pages = all_pages(psa.get_order_items, order_id=big_order.order_id)
    assert [len(p.payload["OrderItems"]) for p in pages] == [ITEMS_PAGE, len(big_order.items) - ITEMS_PAGE]
    assert pages[0].next_token and pages[-1].next_token is None
    ids = [item["OrderItemId"] for p in pages for item in p.payload["OrderItems"]]
    assert ids == big_order.item_ids


def test_python_sp_api_sees_the_rate_limit_headers(psa, created_after, cancel_order):
    orders = psa.get_orders(CreatedAfter=created_after, MarketplaceIds=[US], MaxResultsPerPage=1)
    items = psa.get_order_items(cancel_order.order_id)
    order = psa.get_order(cancel_order.order_id)
    for res, rate in ((orders, GET_ORDERS_RATE), (items, PER_ORDER_RATE), (order, PER_ORDER_RATE)):
        assert res.headers["x-amzn-RequestId"]
        assert res.headers.get("x-amzn-RateLimit-Limit") == rate
        assert res.rate_limit == rate
    assert len({r.headers["x-amzn-RequestId"] for r in (orders, items, order)}) == 3


def test_python_sp_api_unknown_order_raises_not_found(psa, unknown_order_id):
    from sp_api.base import SellingApiNotFoundException

    for call in (psa.get_order, psa.get_order_items):
        with pytest.raises(SellingApiNotFoundException) as caught:
            call(unknown_order_id)
        assert caught.value.amzn_code == "NotFound"
        assert caught.value.message
        assert caught.value.headers["x-amzn-RequestId"]


# --- both --------------------------------------------------------------------------------------


def test_clients_only_talk_to_this_machine(server, network, cancel_order):
    """Fresh clients (new token exchange, new connection pools) reach nothing but the mock."""
    mark = network.mark()
    amzn = amzn_orders_api(amzn_sp_api_client(server.base_url, refresh_token("sdk-test")))
    assert amzn.get_order(cancel_order.order_id).payload.amazon_order_id == cancel_order.order_id
    psa = python_sp_api_orders(server.base_url, refresh_token("sdk-test"))
    try:
        assert psa.get_order(cancel_order.order_id).payload["AmazonOrderId"] == cancel_order.order_id
    finally:
        psa.close()
    lookups, connections = network.since(mark)
    # Each client connected at least for its token and its call.
    assert len(connections) >= 2, connections
    assert all(is_loopback(host) for host in lookups), lookups
    assert set(connections) == {("127.0.0.1", server.port)}, connections
    assert network.refused == [], network.refused


# --- helpers -----------------------------------------------------------------------------------


def assert_server_logged(server, request_line: str, status: int) -> None:
    """uvicorn's access log holds ``"<request_line> HTTP/1.1" <status>``."""
    pattern = re.compile(re.escape(f'"{request_line} HTTP/1.1" {status}'))
    log = server.output()
    assert pattern.search(log), f"the server did not log {request_line} -> {status}:\n{log[-2000:]}"
