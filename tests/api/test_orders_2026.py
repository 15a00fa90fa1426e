"""Orders v2026-01-01 through HTTP, answered from the same store as v0 and checked against it.

The app holds the built-in default fixtures (every v0 status, MFN and AFN, business, pending,
replacement and buyer cancellation requests) on a clock frozen at 2025-06-15T12:00:00Z. Every
200 body is validated against Amazon's orders_2026-01-01.json by the CheckedClient.
"""

from __future__ import annotations

import base64
import json
from decimal import Decimal

import pytest

from spapi_mock.control import LocalControl
from spapi_mock.kernel import resources

from support.http import US, CheckedClient, make_app
from support.reference import ORDERS_2026, missing_reason, reference_model, reference_model_if_present

SEARCH = "/orders/2026-01-01/orders"
ALL_DATA = "BUYER,RECIPIENT,PROCEEDS,EXPENSE,PROMOTION,CANCELLATION,FULFILLMENT,PACKAGES,TAX,PAYMENT,FULFILLMENT_ORDERS"
UK = "A1F83G8C2ARO7P"
MX = "A1AM78C64UM0Y8"
SINCE = "2025-05-01T00:00:00Z"
# Default-fixture orders that show one thing each (fixtures/default/README.md).
REQUESTED = "111-4575884-6753368"  # Unshipped, the buyer formally asked to cancel
PARTLY_REQUESTED = "113-8664281-5156717"  # three items, cancellation asked for one
PENDING = "114-0984803-4612954"
INVOICE_UNCONFIRMED = "701-5393214-0290562"
REPLACEMENT = "113-6625304-7490151"
ACCESS_POINT = "202-4797034-7097234"
DE_BUSINESS = "028-7522082-9119416"
UNFULFILLABLE = "113-8059413-1032082"
# v0 OrderStatus → v2026 FulfillmentStatus, from the two models' enum descriptions
# (ordersV0.json Order.OrderStatus, orders_2026-01-01.json FulfillmentStatus): each pair
# describes the same state in nearly the same words. InvoiceUnconfirmed ("All items in the order
# have been shipped. The seller has not yet given confirmation to Amazon that the invoice has been
# shipped") is SHIPPED ("All items have been shipped to the customer"): v2026 has no status for
# the invoice.
FULFILLMENT_STATUS = {
    "PendingAvailability": "PENDING_AVAILABILITY",  # pre-order, payment not authorized, release date ahead
    "Pending": "PENDING",  # placed, not ready for shipment
    "Unshipped": "UNSHIPPED",  # ready for shipment, no item shipped
    "PartiallyShipped": "PARTIALLY_SHIPPED",  # one or more, not all, items shipped
    "Shipped": "SHIPPED",  # all items shipped
    "InvoiceUnconfirmed": "SHIPPED",
    "Canceled": "CANCELLED",  # v0 spells it with one L, v2026 with two
    "Unfulfillable": "UNFULFILLABLE",  # Amazon-fulfilled, not placed on Amazon's retail site
}


@pytest.fixture(scope="module")
def app():
    return make_app(fixtures_dir=resources.default_fixtures_dir())


@pytest.fixture(scope="module")
def client(app):
    with app.test_client() as raw:
        yield CheckedClient(raw)


def ok(response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def v2026_order(client, order_id: str, included: str | None = ALL_DATA) -> dict:
    params = {"includedData": included} if included else {}
    body = ok(client.get(f"{SEARCH}/{order_id}", params=params))
    assert set(body) == {"order"}
    return body["order"]


def v0_order(client, order_id: str) -> dict:
    return ok(client.get(f"/orders/v0/orders/{order_id}"))["payload"]


def v0_items(client, order_id: str) -> list[dict]:
    items, token = [], None
    while True:
        payload = ok(client.get(f"/orders/v0/orders/{order_id}/orderItems", params={"NextToken": token} if token else {}))[
            "payload"
        ]
        items += payload["OrderItems"]
        token = payload.get("NextToken")
        if not token:
            return items


def v0_address(client, order_id: str) -> dict:
    return ok(client.get(f"/orders/v0/orders/{order_id}/address"))["payload"]


def search(client, **params) -> dict:
    return ok(client.get(SEARCH, params=params))


def search_ids(client, **params) -> list[str]:
    """Every order id of a search, following paginationToken to the last page."""
    found, token = [], None
    while True:
        body = search(client, **params, **({"paginationToken": token} if token else {}))
        found += [order["orderId"] for order in body["orders"]]
        token = (body.get("pagination") or {}).get("nextToken")
        if not token:
            return found


def v0_ids(client, **params) -> list[str]:
    found, token = [], None
    while True:
        payload = ok(client.get("/orders/v0/orders", params={**params, **({"NextToken": token} if token else {})}))["payload"]
        found += [order["AmazonOrderId"] for order in payload["Orders"]]
        token = payload.get("NextToken")
        if not token:
            return found


def error(response, status: int = 400) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    # This version's ErrorList: the errors, and no payload wrapper.
    assert set(body) == {"errors"} and len(body["errors"]) == 1, body
    return body["errors"][0]


def money(value: dict) -> Decimal:
    return Decimal(value["amount"])


def default_order_ids(app) -> list[str]:
    return sorted(doc["order"]["AmazonOrderId"] for doc in app.services.store.orders.docs())


# -- one state, two views ------------------------------------------------------------------------


def test_every_default_order_reads_the_same_through_both_versions(app, client):
    order_ids = default_order_ids(app)
    assert len(order_ids) == 94
    seen_statuses = set()
    for order_id in order_ids:
        old, old_items, address = v0_order(client, order_id), v0_items(client, order_id), v0_address(client, order_id)
        new = v2026_order(client, order_id)
        where = f"order {order_id}"
        assert (new["orderId"], new["createdTime"], new["lastUpdatedTime"]) == (
            old["AmazonOrderId"],
            old["PurchaseDate"],
            old["LastUpdateDate"],
        ), where
        assert new["salesChannel"]["marketplaceId"] == old["MarketplaceId"], where
        assert new["fulfillment"]["fulfillmentStatus"] == FULFILLMENT_STATUS[old["OrderStatus"]], where
        assert new["fulfillment"]["fulfilledBy"] == {"MFN": "MERCHANT", "AFN": "AMAZON"}[old["FulfillmentChannel"]], where
        seen_statuses.add(old["OrderStatus"])

        # Items: the same lines, quantities and buyer cancellation requests.
        assert [i["orderItemId"] for i in new["orderItems"]] == [i["OrderItemId"] for i in old_items], where
        for line, item in zip(old_items, new["orderItems"], strict=True):
            assert item["quantityOrdered"] == line["QuantityOrdered"], where
            assert item["fulfillment"]["quantityFulfilled"] == line["QuantityShipped"], where
            assert item["product"].get("asin") == line.get("ASIN") and item["product"].get("sellerSku") == line.get("SellerSKU")
            flag = line["BuyerRequestedCancel"]
            request = (item.get("cancellation") or {}).get("cancellationRequest")
            if flag["IsBuyerRequestedCancel"] == "true":
                assert request == {"requester": "BUYER", "cancelReason": flag["BuyerCancelReason"]}, where
            else:
                assert request is None, where
            assert ("price" in item["product"]) == ("ItemPrice" in line and line["QuantityOrdered"] > 0), where
        assert sum(i["fulfillment"]["quantityFulfilled"] for i in new["orderItems"]) == old["NumberOfItemsShipped"], where
        assert sum(i["fulfillment"]["quantityUnfulfilled"] for i in new["orderItems"]) == old["NumberOfItemsUnshipped"], where

        # Money: the total v0 shows, split into categories that add up to it.
        proceeds = new.get("proceeds") or {}
        if "OrderTotal" in old:
            assert proceeds["grandTotal"] == {
                "amount": old["OrderTotal"]["Amount"],
                "currencyCode": old["OrderTotal"]["CurrencyCode"],
            }
            assert sum(money(b["subtotal"]) for b in proceeds["breakdowns"]) == money(proceeds["grandTotal"]), where
        else:
            assert "grandTotal" not in proceeds, where
        for item in new["orderItems"]:
            if "proceeds" in item:
                assert sum(money(b["subtotal"]) for b in item["proceeds"]["breakdowns"]) == money(
                    item["proceeds"]["proceedsTotal"]
                )

        # Buyer and recipient: getOrderBuyerInfo's and getOrderAddress's facts.
        buyer_info = old.get("BuyerInfo") or {}
        # The email only for merchant-fulfilled orders, as this version's model says.
        email = buyer_info.get("BuyerEmail") if old["FulfillmentChannel"] == "MFN" else None
        assert (new.get("buyer") or {}).get("buyerEmail") == email, where
        assert (new.get("buyer") or {}).get("buyerName") == buyer_info.get("BuyerName"), where
        delivery = (new.get("recipient") or {}).get("deliveryAddress")
        if "ShippingAddress" in address:
            shipping = address["ShippingAddress"]
            assert (delivery["postalCode"], delivery["countryCode"]) == (shipping.get("PostalCode"), shipping.get("CountryCode"))
        else:
            assert delivery is None, where
    assert seen_statuses == set(FULFILLMENT_STATUS)


def test_the_status_table_covers_both_of_amazons_enums():
    """The table above pairs every v0 status with one of v2026's, and uses every v2026 status."""
    assert set(FULFILLMENT_STATUS) == set(reference_model()["definitions"]["Order"]["properties"]["OrderStatus"]["enum"])
    assert set(FULFILLMENT_STATUS.values()) == set(reference_model(ORDERS_2026)["definitions"]["FulfillmentStatus"]["enum"])


def test_without_included_data_an_order_has_its_core_and_its_items(client):
    order = v2026_order(client, PARTLY_REQUESTED, included=None)
    assert set(order) <= {
        "orderId",
        "orderAliases",
        "createdTime",
        "lastUpdatedTime",
        "programs",
        "associatedOrders",
        "salesChannel",
        "orderItems",
    }
    assert order["salesChannel"] == {"channelName": "AMAZON", "marketplaceId": US, "marketplaceName": "Amazon.com"}
    assert len(order["orderItems"]) == 3
    for item in order["orderItems"]:
        assert set(item) <= {"orderItemId", "quantityOrdered", "measurement", "associatedOrderItems", "programs", "product"}
        assert item["product"]["price"]["unitPrice"]["currencyCode"] == "USD"


@pytest.mark.parametrize(
    "dataset, order_fields, item_fields",
    [
        ("BUYER", {"buyer"}, set()),
        ("RECIPIENT", {"recipient"}, set()),
        ("PROCEEDS", {"proceeds"}, {"proceeds"}),
        ("CANCELLATION", set(), {"cancellation"}),
        ("FULFILLMENT", {"fulfillment"}, {"fulfillment"}),
        ("PAYMENT", {"payment"}, set()),
    ],
)
def test_each_dataset_adds_its_fields(client, dataset, order_fields, item_fields):
    core = v2026_order(client, PARTLY_REQUESTED, included=None)
    more = v2026_order(client, PARTLY_REQUESTED, included=dataset)
    assert set(more) - set(core) == order_fields
    added = set().union(*(set(new) - set(old) for new, old in zip(more["orderItems"], core["orderItems"], strict=True)))
    assert added == item_fields


def test_a_partial_cancellation_request_flags_only_the_requested_item(client):
    old_items = v0_items(client, PARTLY_REQUESTED)
    new = v2026_order(client, PARTLY_REQUESTED, included="CANCELLATION")
    requested = {i["orderItemId"]: i["cancellation"]["cancellationRequest"] for i in new["orderItems"] if "cancellation" in i}
    flagged = {
        i["OrderItemId"]: i["BuyerRequestedCancel"]["BuyerCancelReason"]
        for i in old_items
        if i["BuyerRequestedCancel"]["IsBuyerRequestedCancel"] == "true"
    }
    assert len(requested) == 1 and requested == {k: {"requester": "BUYER", "cancelReason": v} for k, v in flagged.items()}


def test_while_payment_is_pending_what_v0_withholds_is_withheld(client):
    order = v2026_order(client, PENDING)
    assert order["fulfillment"]["fulfillmentStatus"] == "PENDING"
    assert "proceeds" not in order and "deliveryAddress" not in (order.get("recipient") or {})
    for item in order["orderItems"]:
        assert "price" not in item["product"] and "proceeds" not in item and "promotion" not in item
        assert "giftOption" not in (item["fulfillment"].get("packing") or {})
    # The buyer is still named, as getOrderBuyerInfo does.
    assert order["buyer"]["buyerEmail"]


def test_invoice_unconfirmed_reads_shipped_and_is_found_as_shipped(client):
    assert v0_order(client, INVOICE_UNCONFIRMED)["OrderStatus"] == "InvoiceUnconfirmed"
    order = v2026_order(client, INVOICE_UNCONFIRMED, included="FULFILLMENT")
    assert order["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    shipped = search_ids(client, createdAfter=SINCE, marketplaceIds=MX, fulfillmentStatuses="SHIPPED")
    assert INVOICE_UNCONFIRMED in shipped
    assert shipped == v0_ids(client, CreatedAfter=SINCE, MarketplaceIds=MX, OrderStatuses="Shipped,InvoiceUnconfirmed")


def test_unfulfillable_has_nothing_left_to_fulfil(client):
    order = v2026_order(client, UNFULFILLABLE, included="FULFILLMENT")
    assert order["fulfillment"]["fulfillmentStatus"] == "UNFULFILLABLE"
    assert all(item["fulfillment"]["quantityUnfulfilled"] == 0 for item in order["orderItems"])


def test_vat_inclusive_prices_are_split_so_the_breakdown_adds_up(client):
    old_items = v0_items(client, ACCESS_POINT)
    order = v2026_order(client, ACCESS_POINT, included="PROCEEDS")
    breakdowns = {b["type"]: money(b["subtotal"]) for b in order["proceeds"]["breakdowns"]}
    item_price = sum(Decimal(i["ItemPrice"]["Amount"]) for i in old_items)
    item_tax = sum(Decimal(i["ItemTax"]["Amount"]) for i in old_items)
    assert item_tax > 0
    assert breakdowns["ITEM"] == item_price - item_tax  # the UK price includes VAT
    assert sum(breakdowns.values()) == money(order["proceeds"]["grandTotal"])
    # The unit price is v0's price, VAT included.
    first = old_items[0]
    assert money(order["orderItems"][0]["product"]["price"]["unitPrice"]) * first["QuantityOrdered"] == Decimal(
        first["ItemPrice"]["Amount"]
    )


def test_an_access_point_order_is_delivered_to_a_pickup_point(client):
    order = v2026_order(client, ACCESS_POINT, included="RECIPIENT")
    assert order["recipient"]["deliveryAddress"]["addressType"] == "PICKUP_POINT"
    other = v2026_order(client, REQUESTED, included="RECIPIENT")
    assert other["recipient"]["deliveryAddress"]["addressType"] == "RESIDENTIAL"


def test_a_business_buyers_vat_number_is_a_tax_registration(client):
    order = v2026_order(client, DE_BUSINESS, included="TAX,BUYER")
    assert {
        "entityType": "BUYER",
        "legalName": "Wagner Präzisionstechnik GmbH",
        "taxRegistrationType": "VAT",
        "taxRegistrationNumber": "DE287451963",
    } in order["tax"]["taxRegistrations"]
    assert "AMAZON_BUSINESS" in order["programs"]


def test_a_replacement_names_its_original_and_seller_order_ids_are_aliases(client):
    old = v0_order(client, REPLACEMENT)
    order = v2026_order(client, REPLACEMENT, included=None)
    assert order["associatedOrders"] == [{"orderId": old["ReplacedOrderId"], "associationType": "REPLACEMENT_ORIGINAL_ID"}]
    assert order["orderAliases"] == [{"aliasId": old["SellerOrderId"], "aliasType": "SELLER_ORDER_ID"}]


def test_rate_limit_and_request_id_headers(client):
    got = client.get(f"{SEARCH}/{REQUESTED}")
    assert got.headers["x-amzn-RateLimit-Limit"] == "0.5" and got.headers["x-amzn-RequestId"]
    listed = client.get(SEARCH, params={"createdAfter": SINCE})
    assert listed.headers["x-amzn-RateLimit-Limit"] == "0.0056"


def test_an_unknown_order_is_not_found(client):
    assert error(client.get(f"{SEARCH}/111-0000000-0000000"), 404)["code"] == "NotFound"


# -- searchOrders: the same search as getOrders ---------------------------------------------------


@pytest.mark.parametrize(
    "v2026, v0",
    [
        ({"createdAfter": SINCE, "marketplaceIds": US}, {"CreatedAfter": SINCE, "MarketplaceIds": US}),
        (
            {"lastUpdatedAfter": "2025-06-14T00:00:00Z", "marketplaceIds": f"{US},{UK}"},
            {"LastUpdatedAfter": "2025-06-14T00:00:00Z", "MarketplaceIds": f"{US},{UK}"},
        ),
        (
            {"createdAfter": SINCE, "createdBefore": "2025-06-12T00:00:00Z", "marketplaceIds": US},
            {"CreatedAfter": SINCE, "CreatedBefore": "2025-06-12T00:00:00Z", "MarketplaceIds": US},
        ),
        (
            {"createdAfter": SINCE, "marketplaceIds": US, "fulfillmentStatuses": "CANCELLED,PENDING"},
            {"CreatedAfter": SINCE, "MarketplaceIds": US, "OrderStatuses": "Canceled,Pending"},
        ),
        (
            {
                "createdAfter": SINCE,
                "marketplaceIds": US,
                "fulfillmentStatuses": "PARTIALLY_SHIPPED,UNSHIPPED",
                "fulfilledBy": "AMAZON",
            },
            {
                "CreatedAfter": SINCE,
                "MarketplaceIds": US,
                "OrderStatuses": "PartiallyShipped,Unshipped",
                "FulfillmentChannels": "AFN",
            },
        ),
        (
            {"createdAfter": SINCE, "marketplaceIds": US, "fulfilledBy": "MERCHANT"},
            {"CreatedAfter": SINCE, "MarketplaceIds": US, "FulfillmentChannels": "MFN"},
        ),
    ],
)
def test_search_orders_finds_what_get_orders_finds(client, v2026, v0):
    found = search_ids(client, **v2026, maxResultsPerPage=7)
    assert found and found == v0_ids(client, **v0, MaxResultsPerPage=7)


def test_without_marketplace_ids_every_marketplace_is_searched(app, client):
    control = LocalControl(app.services.backend)
    marketplaces = ",".join(rate["marketplaceId"] for rate in control.cancellation_rate()["rates"])
    everywhere = search_ids(client, createdAfter=SINCE)
    assert set(everywhere) == set(v0_ids(client, CreatedAfter=SINCE, MarketplaceIds=marketplaces))
    assert len({order_id[:3] for order_id in everywhere}) > 3


def test_the_window_end_is_answered_under_this_versions_name(client):
    created = search(client, createdAfter=SINCE)
    assert created["createdBefore"] == "2025-06-15T11:58:00Z" and "lastUpdatedBefore" not in created
    updated = search(client, lastUpdatedAfter=SINCE, lastUpdatedBefore="2025-06-10T00:00:00Z")
    assert updated["lastUpdatedBefore"] == "2025-06-10T00:00:00Z" and "createdBefore" not in updated


@pytest.mark.parametrize(
    "params, message",
    [
        ({}, "Either createdAfter or lastUpdatedAfter must be specified."),
        ({"createdAfter": SINCE, "lastUpdatedAfter": SINCE}, "createdAfter and lastUpdatedAfter cannot both be specified."),
        (
            {"createdAfter": SINCE, "lastUpdatedBefore": SINCE},
            "lastUpdatedBefore cannot be specified when createdAfter is specified.",
        ),
        (
            {"lastUpdatedAfter": SINCE, "createdBefore": SINCE},
            "createdBefore cannot be specified when lastUpdatedAfter is specified.",
        ),
        (
            {"createdAfter": "2025-06-15T11:58:01Z"},
            "createdAfter must be at least two minutes before the current time (2025-06-15T11:58:00Z).",
        ),
        (
            {"createdAfter": SINCE, "createdBefore": "2025-06-15T11:59:00Z"},
            "createdBefore must be at least two minutes before the current time (2025-06-15T11:58:00Z).",
        ),
        (
            {"lastUpdatedAfter": "2025-06-10T00:00:00Z", "lastUpdatedBefore": "2025-06-09T00:00:00Z"},
            "lastUpdatedBefore must be equal to or after lastUpdatedAfter.",
        ),
        ({"createdAfter": "yesterday"}, "Invalid createdAfter: 'yesterday' is not an ISO 8601 date"),
        ({"createdAfter": SINCE, "marketplaceIds": "ATVPDKIKX0DER,XX"}, "marketplaceIds contains invalid marketplace id(s): XX."),
        ({"createdAfter": SINCE, "marketplaceIds": ",".join([US] * 51)}, "Invalid marketplaceIds"),
        ({"createdAfter": SINCE, "maxResultsPerPage": 101}, "Invalid maxResultsPerPage"),
        ({"createdAfter": SINCE, "maxResultsPerPage": 0}, "Invalid maxResultsPerPage"),
        ({"createdAfter": SINCE, "fulfillmentStatuses": "Canceled"}, "Invalid fulfillmentStatuses"),
        ({"createdAfter": SINCE, "fulfilledBy": "AFN"}, "Invalid fulfilledBy"),
        ({"createdAfter": SINCE, "includedData": "ITEMS"}, "Invalid includedData"),
    ],
)
def test_rule_violations_are_invalid_input_in_this_versions_words(client, params, message):
    found = error(client.get(SEARCH, params=params))
    assert found["code"] == "InvalidInput"
    assert found["message"].startswith(message), found


def test_get_order_refuses_an_unknown_dataset(client):
    assert "includedData" in error(client.get(f"{SEARCH}/{REQUESTED}", params={"includedData": "BUYER,ITEMS"}))["message"]


# -- paging ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page_size", [1, 4, 9])
def test_pages_never_repeat_or_skip(client, page_size):
    params = {"createdAfter": SINCE, "marketplaceIds": US}
    pages, token = [], None
    while True:
        body = search(client, **params, maxResultsPerPage=page_size, **({"paginationToken": token} if token else {}))
        assert len(body["orders"]) <= page_size
        pages.append([order["orderId"] for order in body["orders"]])
        token = (body.get("pagination") or {}).get("nextToken")
        if token is None:
            assert "pagination" not in body  # absent on the last page, as Amazon's model says
            break
    listed = [order_id for page in pages for order_id in page]
    assert len(listed) == len(set(listed)) and listed == search_ids(client, **params)


def test_page_size_and_included_data_may_change_between_pages(client):
    params = {"createdAfter": SINCE, "marketplaceIds": US}
    first = search(client, **params, maxResultsPerPage=3)
    token = first["pagination"]["nextToken"]
    second = search(client, **params, maxResultsPerPage=5, includedData="CANCELLATION,FULFILLMENT", paginationToken=token)
    assert len(second["orders"]) == 5 and all("fulfillment" in order for order in second["orders"])
    everything = search_ids(client, **params)
    assert [o["orderId"] for o in first["orders"] + second["orders"]] == everything[:8]


@pytest.mark.parametrize(
    "changed, named",
    [
        ({"createdAfter": None}, "createdAfter"),
        ({"marketplaceIds": None}, "marketplaceIds"),
        ({"marketplaceIds": f"{US},{UK}"}, "marketplaceIds"),
        ({"fulfillmentStatuses": "SHIPPED"}, "fulfillmentStatuses"),
        ({"createdAfter": "2025-05-02T00:00:00Z"}, "createdAfter"),
    ],
)
def test_a_pagination_token_needs_the_parameters_of_its_first_request(client, changed, named):
    params = {"createdAfter": SINCE, "marketplaceIds": US}
    token = search(client, **params, maxResultsPerPage=2)["pagination"]["nextToken"]
    again = {k: v for k, v in {**params, **changed}.items() if v is not None}
    message = error(client.get(SEARCH, params={**again, "paginationToken": token}))["message"]
    assert message.startswith("Invalid paginationToken") and named in message


def test_a_forged_or_v0_token_is_refused(client):
    params = {"createdAfter": SINCE, "marketplaceIds": US}
    token = search(client, **params, maxResultsPerPage=2)["pagination"]["nextToken"]
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[-3] ^= 1
    forged = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    v0_token = ok(client.get("/orders/v0/orders", params={"CreatedAfter": SINCE, "MarketplaceIds": US, "MaxResultsPerPage": 2}))[
        "payload"
    ]["NextToken"]
    for bad in (forged, v0_token, "not-a-token"):
        message = error(client.get(SEARCH, params={**params, "paginationToken": bad}))["message"]
        assert message == "Invalid paginationToken: it was not issued by this service for this request."
    # And the other way round: v0 does not take a v2026 token.
    v0_error = error(client.get("/orders/v0/orders", params={"CreatedAfter": SINCE, "MarketplaceIds": US, "NextToken": token}))
    assert v0_error["message"].startswith("Invalid NextToken")


def test_a_pagination_token_expires_after_24_hours_on_the_mock_clock():
    app = make_app(fixtures_dir=resources.default_fixtures_dir())
    control = LocalControl(app.services.backend)
    params = {"createdAfter": SINCE, "marketplaceIds": US}
    with app.test_client() as raw:
        client = CheckedClient(raw)
        first = search(client, **params, maxResultsPerPage=2)
        token = first["pagination"]["nextToken"]
        control.advance_clock("23h59m59s")
        second = search(client, **params, maxResultsPerPage=2, paginationToken=token)
        # The window stays the first page's, so nothing placed since slips in.
        assert second["createdBefore"] == first["createdBefore"] == "2025-06-15T11:58:00Z"
        fresh = second["pagination"]["nextToken"]
        control.advance_clock("1s")
        message = error(client.get(SEARCH, params={**params, "paginationToken": token}))["message"]
        assert message == "Invalid paginationToken: it expired at 2025-06-16T12:00:00Z; search again without it."
        # A token issued later lives 24 hours from its own issue.
        assert search(client, **params, maxResultsPerPage=2, paginationToken=fresh)["orders"]


# -- errors and the sandbox --------------------------------------------------------------------------


def test_errors_have_no_payload_wrapper(client):
    response = client.get(SEARCH, params={"createdAfter": "2025-06-15T11:59:00Z"})
    assert json.loads(response.content) == {
        "errors": [
            {
                "code": "InvalidInput",
                "message": "createdAfter must be at least two minutes before the current time (2025-06-15T11:58:00Z).",
                "details": "",
            }
        ]
    }
    assert error(client.get(SEARCH, params={"createdAfter": SINCE}, token=False), 403)["code"] == "Unauthorized"


def sandbox_cases() -> list:
    model = reference_model_if_present(ORDERS_2026)
    if model is None:  # collected without Amazon's model: one skipped case says why
        return [pytest.param(None, None, None, marks=pytest.mark.skip(reason=missing_reason(ORDERS_2026)), id="no-model")]
    cases = []
    for template, item in model["paths"].items():
        for operation in item.values():
            for status, response in operation["responses"].items():
                for n, case in enumerate((response.get("x-amzn-api-sandbox") or {}).get("static", [])):
                    cases.append(pytest.param(template, int(status), case, id=f"{operation['operationId']}-{status}-{n}"))
    return cases


@pytest.mark.parametrize("template, status, case", sandbox_cases())
def test_amazons_sandbox_cases_are_answered_as_the_sandbox_does(client, template, status, case):
    params = {name: spec["value"] for name, spec in case["request"]["parameters"].items()}
    path = template.replace("{orderId}", params.pop("orderId", "111-0000000-0000001"))
    query = {k: ",".join(v) if isinstance(v, list) else v for k, v in params.items()}
    response = client.get(path, params=query)
    assert response.status_code == status, response.text
    assert response.json() == case["response"]


def test_v0_sandbox_cases_do_not_leak_into_v2026(client):
    # v0's getOrder has a TEST_CASE_200 case; this version's getOrder does not.
    assert client.get("/orders/v0/orders/TEST_CASE_200").json()["payload"]["AmazonOrderId"] == "902-1845936-5435065"
    assert error(client.get(f"{SEARCH}/TEST_CASE_200"), 404)["code"] == "NotFound"
    v0_400 = client.get("/orders/v0/orders/TEST_CASE_400", envelope=False)
    v2026_400 = client.get(f"{SEARCH}/TEST_CASE_400", envelope=False)
    assert v0_400.status_code == v2026_400.status_code == 400
    assert v2026_400.json() == {"errors": [{"code": "InvalidInput", "message": "Invalid Input"}]}


# -- changes made through v0 (or the control plane) read through v2026 --------------------------------


def test_a_shipment_confirmed_through_v0_is_a_v2026_package_and_polling_sees_it():
    app = make_app(fixtures_dir=resources.default_fixtures_dir())
    control = LocalControl(app.services.backend)
    created = control.create_order({"order": {"OrderStatus": "Unshipped"}, "items": [{}, {"QuantityOrdered": 2}]})
    order_id = created["order"]["AmazonOrderId"]
    first, second = (item["OrderItemId"] for item in created["items"])
    control.advance_clock("1h")
    shipped_at = control.clock()["now"]
    package = {
        "packageReferenceId": "PKG-1",
        "carrierCode": "UPS",
        "carrierName": "UPS",
        "shippingMethod": "UPS Ground",
        "trackingNumber": "1Z999AA10123456784",
        "shipDate": shipped_at,
        "orderItems": [{"orderItemId": second, "quantity": 2}],
    }
    with app.test_client() as raw:
        client = CheckedClient(raw)
        confirmed = client.post(
            f"/orders/v0/orders/{order_id}/shipmentConfirmation", json={"marketplaceId": US, "packageDetail": package}
        )
        assert confirmed.status_code == 204, confirmed.text
        order = v2026_order(client, order_id, included="PACKAGES,FULFILLMENT")
        assert order["fulfillment"]["fulfillmentStatus"] == "PARTIALLY_SHIPPED"
        assert order["packages"] == [
            {
                "packageReferenceId": "PKG-1",
                "createdTime": shipped_at,
                "packageStatus": {"status": "SHIPPED"},
                "carrier": "UPS",
                "shipTime": shipped_at,
                "shippingService": "UPS Ground",
                "trackingNumber": "1Z999AA10123456784",
                "packageItems": [{"orderItemId": second, "quantity": 2}],
            }
        ]
        fulfilled = {
            i["orderItemId"]: (i["fulfillment"]["quantityFulfilled"], i["fulfillment"]["quantityUnfulfilled"])
            for i in order["orderItems"]
        }
        assert fulfilled == {first: (0, 1), second: (2, 0)}
        # Polling for changes finds it in both versions once the two minutes have passed.
        control.advance_clock("3m")
        since = "2025-06-15T12:30:00Z"
        assert order_id in search_ids(client, lastUpdatedAfter=since, marketplaceIds=US)
        assert order_id in v0_ids(client, LastUpdatedAfter=since, MarketplaceIds=US)


@pytest.mark.parametrize(
    "order_id, channel, programs",
    [
        ("113-6980840-0426377", "NON_AMAZON", set()),  # Multi-Channel Fulfillment from the seller's web shop
        ("113-6161865-0739074", "AMAZON", {"AMAZON_EASY_SHIP"}),
        ("113-2786440-9118186", "AMAZON", {"PREORDER", "PRIME"}),
        ("112-4926789-3572301", "AMAZON", {"PREMIUM", "PRIME"}),
        ("111-4041176-5924372", "AMAZON", {"IN_STORE_PICK_UP"}),
    ],
)
def test_sales_channel_and_programs_come_from_v0s_flags(client, order_id, channel, programs):
    order = v2026_order(client, order_id, included=None)
    assert order["salesChannel"]["channelName"] == channel
    assert programs <= set(order.get("programs", ()))
