"""getOrders through HTTP: every filter, every rule of Amazon's model, and paging.

The clock is frozen at 2025-06-15T12:00:00Z; tests/data/orders/test-orders.yaml holds the
orders and says when each was placed.
"""

from __future__ import annotations

import base64

import pytest

from support.http import US, seller_token

CA = "A2EUQ1WTGCTBG2"
JP = "A1VC38T7YXB528"
SINCE_MAY = {"CreatedAfter": "2025-05-01T00:00:00Z", "MarketplaceIds": US}
US_IN_ORDER = [
    "111-0000000-0000007",
    "111-0000000-0000001",
    "111-0000000-0000002",
    "111-0000000-0000009",
    "111-0000000-0000010",
    "111-0000000-0000008",
    "111-0000000-0000003",
]


def ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [order["AmazonOrderId"] for order in response.json()["payload"]["Orders"]]


def orders(client, **params):
    return client.get("/orders/v0/orders", params=params)


def error_message(response, status: int = 400) -> str:
    assert response.status_code == status, response.text
    error = response.json()["errors"][0]
    assert error["code"] == {400: "InvalidInput", 404: "NotFound"}[status]
    return error["message"]


def test_created_after_lists_orders_oldest_first_then_by_id(client):
    response = orders(client, **SINCE_MAY)
    assert ids(response) == US_IN_ORDER
    payload = response.json()["payload"]
    assert payload["CreatedBefore"] == "2025-06-15T11:58:00Z"  # two minutes before now
    assert "NextToken" not in payload and "LastUpdatedBefore" not in payload
    assert "errors" not in response.json()


def test_orders_of_the_last_two_minutes_are_not_listed_yet(client):
    assert "111-0000000-0000006" not in ids(orders(client, CreatedAfter="2025-06-15T00:00:00Z", MarketplaceIds=US))
    assert client.get("/orders/v0/orders/111-0000000-0000006").status_code == 200


def test_created_before_bounds_the_window_inclusively(client):
    response = orders(client, CreatedAfter="2025-06-05T12:00:00Z", CreatedBefore="2025-06-08T12:00:00Z", MarketplaceIds=US)
    assert ids(response) == ["111-0000000-0000001", "111-0000000-0000002", "111-0000000-0000009", "111-0000000-0000010"]
    assert response.json()["payload"]["CreatedBefore"] == "2025-06-08T12:00:00Z"


def test_last_updated_window_selects_on_last_update_date(client):
    response = orders(client, LastUpdatedAfter="2025-06-14T00:00:00Z", MarketplaceIds=US)
    # 0000003 was placed (and so updated) yesterday; 0000002 was updated an hour ago.
    assert ids(response) == ["111-0000000-0000003", "111-0000000-0000002"]
    assert response.json()["payload"]["LastUpdatedBefore"] == "2025-06-15T11:58:00Z"
    bounded = orders(client, LastUpdatedAfter="2025-06-01T00:00:00Z", LastUpdatedBefore="2025-06-07T00:00:00Z", MarketplaceIds=US)
    assert ids(bounded) == ["111-0000000-0000001"]


def test_dates_accept_other_iso_8601_forms(client):
    assert ids(orders(client, CreatedAfter="2025-06-14", MarketplaceIds=US)) == ["111-0000000-0000003"]
    assert ids(orders(client, CreatedAfter="2025-06-14T05:00:00-07:00", MarketplaceIds=US)) == ["111-0000000-0000003"]
    assert ids(orders(client, CreatedAfter="2025-06-14T11:59:59.123Z", MarketplaceIds=US)) == ["111-0000000-0000003"]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"MarketplaceIds": f"{US},{CA}", "OrderStatuses": "Canceled"}, ["701-0000000-0000004"]),
        ({"MarketplaceIds": f"{CA},{JP}"}, ["701-0000000-0000004", "250-0000000-0000005"]),
        ({"OrderStatuses": "Pending,PartiallyShipped"}, ["111-0000000-0000008", "111-0000000-0000003"]),
        ({"FulfillmentChannels": "AFN"}, ["111-0000000-0000002", "111-0000000-0000009", "111-0000000-0000010"]),
        ({"MarketplaceIds": JP, "PaymentMethods": "COD"}, ["250-0000000-0000005"]),
        ({"MarketplaceIds": JP, "PaymentMethods": "Other,CVS"}, []),
        ({"BuyerEmail": "alice@marketplace.amazon.com"}, ["111-0000000-0000001", "111-0000000-0000003"]),
        ({"SellerOrderId": "SO-1"}, ["111-0000000-0000001"]),
        (
            {"AmazonOrderIds": "111-0000000-0000008,111-0000000-0000002,111-0000000-0000404"},
            ["111-0000000-0000002", "111-0000000-0000008"],
        ),
        ({"EasyShipShipmentStatuses": "PendingPickUp,PickedUp"}, ["111-0000000-0000001"]),
        ({"ElectronicInvoiceStatuses": "Accepted"}, ["111-0000000-0000002"]),
        ({"IsISPU": "true"}, ["111-0000000-0000002"]),
        ({"ActualFulfillmentSupplySourceId": "SRC-1"}, ["111-0000000-0000002"]),
        ({"MarketplaceIds": JP, "StoreChainStoreId": "STORE-9"}, ["250-0000000-0000005"]),
        ({"StoreChainStoreId": "STORE-9"}, []),  # that order is in JP, not US
        (
            {"EarliestDeliveryDateAfter": "2025-06-09T00:00:00Z", "EarliestDeliveryDateBefore": "2025-06-11T00:00:00Z"},
            ["111-0000000-0000001"],
        ),
        ({"LatestDeliveryDateAfter": "2025-06-13T00:00:00Z"}, []),
        ({"LatestDeliveryDateBefore": "2025-06-13T00:00:00Z"}, ["111-0000000-0000001"]),
        ({"OrderStatuses": "Shipped", "FulfillmentChannels": "MFN"}, ["111-0000000-0000007"]),
    ],
)
def test_filters(client, params, expected):
    query = {**SINCE_MAY, **params}
    assert ids(orders(client, **query)) == expected


def test_is_ispu_false_selects_the_other_orders(client):
    listed = ids(orders(client, **SINCE_MAY, IsISPU="false"))
    assert "111-0000000-0000002" not in listed and len(listed) == len(US_IN_ORDER) - 1


def test_an_order_of_another_seller_is_never_listed_or_readable(client, other_seller):
    theirs = {"CreatedAfter": "2020-01-01T00:00:00Z", "MarketplaceIds": US}
    # The same query lists it for its own seller: the order is there, in the window and marketplace.
    assert other_seller.order_id in ids(client.get("/orders/v0/orders", params=theirs, token=False, headers=other_seller.token))
    assert other_seller.order_id not in ids(orders(client, **theirs))
    assert ids(orders(client, **theirs, AmazonOrderIds=other_seller.order_id)) == []
    assert error_message(client.get(f"/orders/v0/orders/{other_seller.order_id}"), 404)


@pytest.mark.parametrize("page_size", [1, 2, 3, 7])
def test_next_token_pages_never_repeat_or_skip(client, page_size):
    seen, token, pages = [], None, 0
    while True:
        params = {**SINCE_MAY, "MaxResultsPerPage": page_size}
        if token:
            params = {"MarketplaceIds": US, "NextToken": token, "MaxResultsPerPage": page_size}
        payload = orders(client, **params).json()["payload"]
        seen += [o["AmazonOrderId"] for o in payload["Orders"]]
        pages += 1
        assert len(payload["Orders"]) <= page_size
        token = payload.get("NextToken")
        if not token:
            break
    assert seen == US_IN_ORDER
    assert pages == -(-len(US_IN_ORDER) // page_size)


def test_a_next_token_alone_keeps_the_page_size_of_the_first_page(client):
    first = orders(client, **SINCE_MAY, MaxResultsPerPage=2).json()["payload"]
    second = orders(client, MarketplaceIds=US, NextToken=first["NextToken"])
    assert ids(second) == US_IN_ORDER[2:4]
    wider = orders(client, MarketplaceIds=US, NextToken=first["NextToken"], MaxResultsPerPage=10)
    assert ids(wider) == US_IN_ORDER[2:]


def test_next_token_may_be_sent_with_the_original_filters(client):
    first = orders(client, **SINCE_MAY, MaxResultsPerPage=4).json()["payload"]
    second = orders(client, **SINCE_MAY, MaxResultsPerPage=4, NextToken=first["NextToken"])
    assert ids(second) == US_IN_ORDER[4:]


def test_a_forged_next_token_is_refused(client):
    message = error_message(orders(client, MarketplaceIds=US, NextToken="not-a-token"))
    assert "NextToken" in message
    real = orders(client, **SINCE_MAY, MaxResultsPerPage=2).json()["payload"]["NextToken"]
    raw = bytearray(base64.urlsafe_b64decode(real + "=" * (-len(real) % 4)))
    raw[-3] ^= 1  # flip one bit of the payload
    tampered = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    assert "NextToken" in error_message(orders(client, MarketplaceIds=US, NextToken=tampered))


def test_a_next_token_of_another_query_is_refused(client):
    token = orders(client, **SINCE_MAY, MaxResultsPerPage=2).json()["payload"]["NextToken"]
    message = error_message(orders(client, MarketplaceIds=US, OrderStatuses="Shipped", NextToken=token))
    assert "OrderStatuses" in message
    message = error_message(orders(client, MarketplaceIds=CA, NextToken=token))
    assert "MarketplaceIds" in message
    items_token = client.get("/orders/v0/orders/111-0000000-0000008/orderItems").json()["payload"]["NextToken"]
    assert "NextToken" in error_message(orders(client, MarketplaceIds=US, NextToken=items_token))


@pytest.mark.parametrize(
    "params, named",
    [
        ({"MarketplaceIds": US}, "CreatedAfter"),
        ({"CreatedAfter": "2025-06-01", "LastUpdatedAfter": "2025-06-01", "MarketplaceIds": US}, "LastUpdatedAfter"),
        ({"CreatedAfter": "2025-06-01", "LastUpdatedBefore": "2025-06-10", "MarketplaceIds": US}, "LastUpdatedBefore"),
        ({"LastUpdatedAfter": "2025-06-01", "CreatedBefore": "2025-06-10", "MarketplaceIds": US}, "CreatedBefore"),
        ({"CreatedAfter": "2025-06-10", "CreatedBefore": "2025-06-01", "MarketplaceIds": US}, "CreatedBefore"),
        ({"LastUpdatedAfter": "2025-06-10", "LastUpdatedBefore": "2025-06-01", "MarketplaceIds": US}, "LastUpdatedBefore"),
        ({"CreatedAfter": "2025-06-01", "CreatedBefore": "2025-06-15T11:59:00Z", "MarketplaceIds": US}, "two minutes"),
        ({"LastUpdatedAfter": "2025-06-01", "LastUpdatedBefore": "2025-06-15T12:00:00Z", "MarketplaceIds": US}, "two minutes"),
        ({"CreatedAfter": "2025-06-15T11:59:00Z", "MarketplaceIds": US}, "two minutes"),
        ({"CreatedAfter": "2025-06-15T11:59:00Z", "MarketplaceIds": US}, "CreatedAfter"),
        ({"CreatedAfter": "yesterday", "MarketplaceIds": US}, "CreatedAfter"),
        ({"CreatedAfter": "", "MarketplaceIds": US}, "CreatedAfter"),
        ({"CreatedAfter": "2025-06-01", "MarketplaceIds": US, "EarliestDeliveryDateAfter": "soon"}, "EarliestDeliveryDateAfter"),
        (
            {
                "CreatedAfter": "2025-06-01",
                "MarketplaceIds": US,
                "LatestDeliveryDateAfter": "2025-06-10",
                "LatestDeliveryDateBefore": "2025-06-01",
            },
            "LatestDeliveryDateBefore",
        ),
        (
            {"CreatedAfter": "2025-06-01", "MarketplaceIds": US, "SellerOrderId": "SO-1", "OrderStatuses": "Shipped"},
            "OrderStatuses",
        ),
        (
            {"CreatedAfter": "2025-06-01", "MarketplaceIds": US, "SellerOrderId": "SO-1", "FulfillmentChannels": "MFN"},
            "FulfillmentChannels",
        ),
        (
            {"CreatedAfter": "2025-06-01", "MarketplaceIds": US, "SellerOrderId": "SO-1", "PaymentMethods": "COD"},
            "PaymentMethods",
        ),
        ({"CreatedAfter": "2025-06-01", "MarketplaceIds": US, "SellerOrderId": "SO-1", "BuyerEmail": "a@b.c"}, "BuyerEmail"),
        ({"LastUpdatedAfter": "2025-06-01", "MarketplaceIds": US, "SellerOrderId": "SO-1"}, "LastUpdatedAfter"),
        ({"CreatedAfter": "2025-06-01"}, "MarketplaceIds"),
        ({"CreatedAfter": "2025-06-01", "MarketplaceIds": "NOTAMARKETPLACE"}, "MarketplaceIds"),
        ({"CreatedAfter": "2025-06-01", "MarketplaceIds": ",".join([US] * 51)}, "MarketplaceIds"),
        (
            {
                "CreatedAfter": "2025-06-01",
                "MarketplaceIds": US,
                "AmazonOrderIds": ",".join(f"111-0000000-{n:07d}" for n in range(51)),
            },
            "AmazonOrderIds",
        ),
        ({"CreatedAfter": "2025-06-01", "MarketplaceIds": US, "MaxResultsPerPage": "0"}, "MaxResultsPerPage"),
        ({"CreatedAfter": "2025-06-01", "MarketplaceIds": US, "MaxResultsPerPage": "101"}, "MaxResultsPerPage"),
        ({"CreatedAfter": "2025-06-01", "MarketplaceIds": US, "MaxResultsPerPage": "ten"}, "MaxResultsPerPage"),
        ({"CreatedAfter": "2025-06-01", "MarketplaceIds": US, "OrderStatuses": "Cancelled"}, "OrderStatuses"),
        ({"CreatedAfter": "2025-06-01", "MarketplaceIds": US, "FulfillmentChannels": "FBA"}, "FulfillmentChannels"),
        ({"CreatedAfter": "2025-06-01", "MarketplaceIds": US, "PaymentMethods": "Card"}, "PaymentMethods"),
        (
            {"CreatedAfter": "2025-06-01", "MarketplaceIds": US, "EasyShipShipmentStatuses": "Teleported"},
            "EasyShipShipmentStatuses",
        ),
        ({"CreatedAfter": "2025-06-01", "MarketplaceIds": US, "ElectronicInvoiceStatuses": "Maybe"}, "ElectronicInvoiceStatuses"),
        ({"CreatedAfter": "2025-06-01", "MarketplaceIds": US, "IsISPU": "perhaps"}, "IsISPU"),
    ],
)
def test_rule_violations_are_invalid_input_naming_the_parameter(client, params, named):
    assert named in error_message(orders(client, **params))


def test_max_results_per_page_defaults_to_100(client):
    # Amazon's model: MaxResultsPerPage "Value must be 1 - 100. Default 100." A seller of its own
    # with 101 orders: without the parameter the first page holds exactly 100, the next one the last.
    seller = "A1HUNDREDANDONE"
    placed = [
        {
            "order": {
                "AmazonOrderId": f"111-0000101-{n:07d}",
                "PurchaseDate": "now-1d",
                "OrderStatus": "Unshipped",
                "FulfillmentChannel": "MFN",
                "MarketplaceId": US,
            },
            "items": [{"ASIN": "B000000101", "OrderItemId": f"1010{n:010d}", "QuantityOrdered": 1, "QuantityShipped": 0}],
        }
        for n in range(101)
    ]
    assert client.post("/_mock/fixtures", json={"seller": seller, "orders": placed}).status_code == 200
    token = seller_token(client, seller)
    first = client.get("/orders/v0/orders", params=SINCE_MAY, token=False, headers=token).json()["payload"]
    assert len(first["Orders"]) == 100 and first["NextToken"]
    after = {"MarketplaceIds": US, "NextToken": first["NextToken"]}
    rest = client.get("/orders/v0/orders", params=after, token=False, headers=token)
    assert len(rest.json()["payload"]["Orders"]) == 1 and "NextToken" not in rest.json()["payload"]


def test_unknown_query_parameters_are_ignored(client):
    assert ids(orders(client, **SINCE_MAY, Version="2013-09-01", SomethingElse="x")) == US_IN_ORDER


def test_the_host_header_changes_nothing(client):
    amazon = client.get("/orders/v0/orders", params=SINCE_MAY, headers={"Host": "sellingpartnerapi-na.amazon.com"})
    assert ids(amazon) == US_IN_ORDER
