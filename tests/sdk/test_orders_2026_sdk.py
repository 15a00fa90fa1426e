"""Real SDK clients speak both Orders versions to one mock, and both see the same thing.

amzn-sp-api (``import spapi``) ships a v0 client (``OrdersV0Api``) and a v2026-01-01 one
(``spapi.api.orders_v2026_01_01``: ``SearchOrdersApi``, ``GetOrderApi``); python-amazon-sp-api
has ``Orders(version="2026-01-01")`` beside its v0 ``Orders``. Each test here has its twin: one
integration still on v0, one migrated, both against the same real server (``spapi-mock serve``
on the built-in fixtures, clock frozen) and the same orders.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from spapi_mock.kernel import resources
from spapi_mock.kernel.dates import parse_iso, to_wire

from support.orders import MISTAKE, paid_then_requested
from support.sdk import amzn_orders_2026_apis, amzn_orders_api, amzn_sp_api_client, mock_lwa_client_class, refresh_token
from support.snippets import by_id, run

FIXTURES = resources.default_fixtures_dir()
SERVE = ("--fixtures", str(FIXTURES))
FROZEN_CLOCK = True
US = "ATVPDKIKX0DER"
STATUS = {
    "Pending": "PENDING",
    "PendingAvailability": "PENDING_AVAILABILITY",
    "Unshipped": "UNSHIPPED",
    "PartiallyShipped": "PARTIALLY_SHIPPED",
    "Shipped": "SHIPPED",
    "InvoiceUnconfirmed": "SHIPPED",
    "Canceled": "CANCELLED",
    "Unfulfillable": "UNFULFILLABLE",
}


def wire(value) -> str:
    """A date the SDK hands back: a string, or (when python-dateutil is installed, as pandas
    brings it) a datetime that amzn-sp-api parsed itself."""
    return value if isinstance(value, str) else to_wire(value)


@pytest.fixture(scope="module")
def client(server, control):
    return amzn_sp_api_client(server.base_url, refresh_token("orders-2026"))


@pytest.fixture(scope="module")
def v0(client):
    return amzn_orders_api(client)


@pytest.fixture(scope="module")
def v2026(client):
    return amzn_orders_2026_apis(client)


@pytest.fixture(scope="module")
def psa_2026(server, control):
    """python-amazon-sp-api's Orders v2026-01-01 client pointed at the mock."""
    from sp_api.api import Orders
    from sp_api.base import Marketplaces

    orders = Orders(
        Marketplaces.US,
        version="2026-01-01",
        credentials={"refresh_token": refresh_token("psa-2026"), "lwa_app_id": "app", "lwa_client_secret": "secret"},
        auth_token_client_class=mock_lwa_client_class(server.base_url),
    )
    orders.endpoint = server.base_url
    yield orders
    orders.close()


@pytest.fixture(scope="module")
def requested(control):
    """(order id, first item id, second item id, request time) of ``paid_then_requested``."""
    return paid_then_requested(control)


def week_ago(control) -> str:
    return to_wire(parse_iso(control.clock()["now"]) - timedelta(days=7))


# -- listing with paging ------------------------------------------------------------------------


def v0_listing(v0, since: str) -> dict[str, str]:
    listed, token = {}, None
    while True:
        # Only when there is one: amzn-sp-api would send next_token=None as "None".
        kwargs = {"next_token": token} if token else {}
        payload = v0.get_orders([US], created_after=since, max_results_per_page=10, **kwargs).payload
        listed.update({order.amazon_order_id: order.order_status for order in payload.orders})
        token = payload.next_token
        if not token:
            return listed


def test_a_v0_client_lists_a_weeks_orders_page_by_page(v0, control):
    listed = v0_listing(v0, week_ago(control))
    assert len(listed) > 10  # more than one page


def test_a_v2026_client_lists_the_same_orders_page_by_page(v0, v2026, control):
    from spapi.models.orders_v2026_01_01 import SearchOrdersResponse

    search, _ = v2026
    since = parse_iso(week_ago(control))  # the SDK takes a datetime and sends isoformat(): +00:00
    listed, token, pages = {}, None, 0
    while True:
        kwargs = {"pagination_token": token} if token else {}
        page = search.search_orders(
            created_after=since, marketplace_ids=[US], max_results_per_page=10, included_data=["FULFILLMENT"], **kwargs
        )
        assert isinstance(page, SearchOrdersResponse)
        # Dates arrive as the strings Amazon sends.
        assert wire(page.created_before) == to_wire(parse_iso(control.clock()["now"]) - timedelta(minutes=2))
        listed.update({order.order_id: order.fulfillment.fulfillment_status for order in page.orders})
        pages += 1
        token = page.pagination.next_token if page.pagination else None
        if not token:
            break
    assert pages > 1
    assert listed == {order_id: STATUS[status] for order_id, status in v0_listing(v0, to_wire(since)).items()}


def test_python_amazon_sp_api_v2026_lists_the_same_orders_page_by_page(v0, psa_2026, control):
    since = week_ago(control)
    listed, token, pages = {}, None, 0
    while True:
        kwargs = {"paginationToken": token} if token else {}
        res = psa_2026.search_orders(
            createdAfter=since, marketplaceIds=[US], maxResultsPerPage=10, includedData=["FULFILLMENT"], **kwargs
        )
        assert res.rate_limit == "0.0056"
        listed.update({order["orderId"]: order["fulfillment"]["fulfillmentStatus"] for order in res.payload["orders"]})
        pages += 1
        token = res.next_token
        if not token:
            break
    assert pages > 1
    assert listed == {order_id: STATUS[status] for order_id, status in v0_listing(v0, since).items()}


# -- the buyer's cancellation request -------------------------------------------------------------


def test_a_v0_client_reads_the_buyers_cancellation_request(v0, requested):
    order_id, first, second, _ = requested
    flags = {item.order_item_id: item.buyer_requested_cancel for item in v0.get_order_items(order_id).payload.order_items}
    assert (flags[first].is_buyer_requested_cancel, flags[first].buyer_cancel_reason) == ("true", MISTAKE)
    assert flags[second].is_buyer_requested_cancel == "false"


def test_a_v2026_client_reads_the_buyers_cancellation_request(v2026, requested):
    from spapi.models.orders_v2026_01_01 import GetOrderResponse, ItemCancellationRequest

    order_id, first, second, requested_at = requested
    _, get = v2026
    response = get.get_order(order_id, included_data=["CANCELLATION", "FULFILLMENT"])
    assert isinstance(response, GetOrderResponse)
    order = response.order
    assert order.fulfillment.fulfillment_status == "UNSHIPPED"
    assert wire(order.last_updated_time) == requested_at
    items = {item.order_item_id: item for item in order.order_items}
    request = items[first].cancellation.cancellation_request
    assert isinstance(request, ItemCancellationRequest)
    assert (request.requester, request.cancel_reason) == ("BUYER", MISTAKE)
    assert items[first].cancellation.cancellation_execution is None
    assert items[second].cancellation is None
    # Without includedData=CANCELLATION the items come without it.
    assert all(item.cancellation is None for item in get.get_order(order_id).order.order_items)


def test_python_amazon_sp_api_v2026_reads_the_buyers_cancellation_request(psa_2026, requested):
    order_id, first, second, _ = requested
    order = psa_2026.get_order(order_id, includedData=["CANCELLATION"]).payload["order"]
    cancellations = {item["orderItemId"]: item.get("cancellation") for item in order["orderItems"]}
    assert cancellations == {first: {"cancellationRequest": {"requester": "BUYER", "cancelReason": MISTAKE}}, second: None}


def test_a_v0_client_polling_for_changes_sees_the_request(v0, requested):
    order_id, _, _, requested_at = requested
    since = to_wire(parse_iso(requested_at) - timedelta(seconds=1))
    assert order_id in {order.amazon_order_id for order in v0.get_orders([US], last_updated_after=since).payload.orders}


def test_a_v2026_client_polling_for_changes_sees_the_request(v2026, requested):
    order_id, first, _, requested_at = requested
    search, _ = v2026
    since = parse_iso(requested_at) - timedelta(seconds=1)
    page = search.search_orders(last_updated_after=since, marketplace_ids=[US], included_data=["CANCELLATION"])
    (order,) = [order for order in page.orders if order.order_id == order_id]
    assert page.last_updated_before is not None and page.created_before is None
    cancellations = {item.order_item_id: item.cancellation for item in order.order_items}
    assert cancellations[first].cancellation_request.cancel_reason == MISTAKE


# -- the seller answers: a cancellation each version reports in its own way --------------------------


def test_the_sellers_answer_through_both_clients(v0, v2026, control):
    created = control.create_order({"order": {"OrderStatus": "Unshipped"}, "items": [{}, {}]})
    order_id = created["order"]["AmazonOrderId"]
    first, second = (item["OrderItemId"] for item in created["items"])
    control.advance_clock("45m")
    control.apply(order_id, "buyer_request_cancellation", reason=MISTAKE, items=[first])
    control.apply(order_id, "seller_cancel", reason="BuyerCanceled", items=[first])

    # v0: the cancelled line is no longer ordered; who cancelled is not said.
    lines = {item.order_item_id: item for item in v0.get_order_items(order_id).payload.order_items}
    assert (lines[first].quantity_ordered, lines[first].buyer_requested_cancel.is_buyer_requested_cancel) == (0, "true")
    # v2026: the request and who carried it out.
    _, get = v2026
    items = {item.order_item_id: item for item in get.get_order(order_id, included_data=["CANCELLATION"]).order.order_items}
    execution = items[first].cancellation.cancellation_execution
    assert (execution.cancelled_by, execution.cancel_reason) == ("MERCHANT", "BuyerCanceled")
    assert items[first].quantity_ordered == 0 and items[second].cancellation is None


def test_both_clients_get_the_error_envelope_they_parse(v0, v2026):
    from spapi import ApiException

    search, get = v2026
    with pytest.raises(ApiException) as caught:
        search.search_orders(marketplace_ids=[US])
    assert caught.value.status == 400
    assert json.loads(caught.value.body) == {
        "errors": [
            {"code": "InvalidInput", "message": "Either createdAfter or lastUpdatedAfter must be specified.", "details": ""}
        ]
    }
    with pytest.raises(ApiException) as caught:
        get.get_order("111-0000000-0000000")
    assert caught.value.status == 404
    assert json.loads(caught.value.body)["errors"][0]["code"] == "NotFound"
    with pytest.raises(ApiException) as caught:
        v0.get_orders([US])
    assert json.loads(caught.value.body)["errors"][0]["message"] == "Either CreatedAfter or LastUpdatedAfter must be specified."


# -- the migration guide (docs/guides/migrating.md) -------------------------------------------------


def test_the_migration_guides_commands_run_as_written(server, tmp_path):
    result = run(by_id("migration"), server.base_url, tmp_path, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    v0_page, v2026_page, next_page, v0_items, order = (json.loads(line) for line in result.stdout.splitlines() if line)
    # The same orders, in the same order, through both versions.
    assert [o["AmazonOrderId"] for o in v0_page["payload"]["Orders"]] == [o["orderId"] for o in v2026_page["orders"]]
    assert len(v2026_page["orders"]) == 5 and v2026_page["pagination"]["nextToken"]
    assert next_page["orders"]
    (line,) = v0_items["payload"]["OrderItems"]
    assert line["BuyerRequestedCancel"] == {"IsBuyerRequestedCancel": "true", "BuyerCancelReason": MISTAKE}
    (item,) = order["order"]["orderItems"]
    assert item["cancellation"] == {"cancellationRequest": {"requester": "BUYER", "cancelReason": MISTAKE}}
    assert {"buyer", "recipient", "proceeds", "fulfillment"} <= set(order["order"])
