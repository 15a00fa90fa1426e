"""getOrder, getOrderItems, getOrderBuyerInfo, getOrderAddress, getOrderItemsBuyerInfo and
getOrderRegulatedInfo through HTTP (items page size is 2 in these tests)."""

from __future__ import annotations

import pytest

UNSHIPPED = "111-0000000-0000001"  # two items, the first with a buyer cancellation request
PENDING = "111-0000000-0000003"
FIVE_ITEMS = "111-0000000-0000008"
REGULATED = "111-0000000-0000007"


def payload(response) -> dict:
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"payload"}
    return body["payload"]


def test_get_order_returns_the_order_with_derived_counts(client):
    order = payload(client.get(f"/orders/v0/orders/{UNSHIPPED}"))
    assert order["AmazonOrderId"] == UNSHIPPED
    assert order["OrderStatus"] == "Unshipped"
    assert order["PurchaseDate"] == "2025-06-05T12:00:00Z"
    assert order["LastUpdateDate"] == "2025-06-06T12:00:00Z"
    assert order["NumberOfItemsShipped"] == 0 and order["NumberOfItemsUnshipped"] == 3
    assert order["OrderTotal"] == {"CurrencyCode": "USD", "Amount": "35.00"}
    assert order["SalesChannel"] == "Amazon.com"  # filled in from the marketplace
    assert order["ShippingAddress"]["City"] == "Seattle"


def test_partially_shipped_counts(client):
    order = payload(client.get(f"/orders/v0/orders/{FIVE_ITEMS}"))
    assert (order["NumberOfItemsShipped"], order["NumberOfItemsUnshipped"]) == (2, 4)


def test_pending_order_shows_no_total_and_no_address(client):
    order = payload(client.get(f"/orders/v0/orders/{PENDING}"))
    assert order["OrderStatus"] == "Pending"
    assert "OrderTotal" not in order and "ShippingAddress" not in order
    address = payload(client.get(f"/orders/v0/orders/{PENDING}/address"))
    assert address == {"AmazonOrderId": PENDING}


def test_items_carry_buyer_requested_cancel_as_strings(client):
    body = payload(client.get(f"/orders/v0/orders/{UNSHIPPED}/orderItems"))
    assert body["AmazonOrderId"] == UNSHIPPED and "NextToken" not in body
    first, second = body["OrderItems"]
    assert first["BuyerRequestedCancel"] == {"IsBuyerRequestedCancel": "true", "BuyerCancelReason": "No longer needed"}
    assert second["BuyerRequestedCancel"] == {"IsBuyerRequestedCancel": "false"}
    assert first["ItemPrice"] == {"CurrencyCode": "USD", "Amount": "25.00"}
    assert second["IsGift"] == "true"


def test_every_item_reports_buyer_requested_cancel_even_when_the_fixture_omits_it(client):
    body = payload(client.get("/orders/v0/orders/111-0000000-0000002/orderItems"))
    assert body["OrderItems"][0]["BuyerRequestedCancel"] == {"IsBuyerRequestedCancel": "false"}


def test_pending_items_show_no_prices_taxes_promotions_or_gift_status(client):
    (item,) = payload(client.get(f"/orders/v0/orders/{PENDING}/orderItems"))["OrderItems"]
    for hidden in ("ItemPrice", "ItemTax", "PromotionIds", "IsGift"):
        assert hidden not in item
    assert item["ASIN"] == "B000000004" and item["QuantityOrdered"] == 1
    (info,) = payload(client.get(f"/orders/v0/orders/{PENDING}/orderItems/buyerInfo"))["OrderItems"]
    assert info == {"OrderItemId": "10000000000031"}


def test_order_items_page_with_next_token(client):
    seen, token, pages = [], None, 0
    while True:
        params = {"NextToken": token} if token else {}
        body = payload(client.get(f"/orders/v0/orders/{FIVE_ITEMS}/orderItems", params=params))
        seen += [item["OrderItemId"] for item in body["OrderItems"]]
        pages += 1
        token = body.get("NextToken")
        if not token:
            break
    assert seen == [f"1000000000008{n}" for n in range(1, 6)]
    assert pages == 3
    flags = payload(client.get(f"/orders/v0/orders/{FIVE_ITEMS}/orderItems"))["OrderItems"]
    assert [f["BuyerRequestedCancel"]["IsBuyerRequestedCancel"] for f in flags] == ["false", "false"]


def test_order_items_next_token_of_another_order_is_refused(client):
    token = payload(client.get(f"/orders/v0/orders/{FIVE_ITEMS}/orderItems"))["NextToken"]
    response = client.get(f"/orders/v0/orders/{UNSHIPPED}/orderItems", params={"NextToken": token})
    assert response.status_code == 400 and "NextToken" in response.json()["errors"][0]["message"]
    buyer_info_page = client.get(f"/orders/v0/orders/{FIVE_ITEMS}/orderItems/buyerInfo", params={"NextToken": token})
    assert buyer_info_page.status_code == 400


def test_order_items_buyer_info_pages_too(client):
    first = payload(client.get(f"/orders/v0/orders/{FIVE_ITEMS}/orderItems/buyerInfo"))
    assert [i["OrderItemId"] for i in first["OrderItems"]] == ["10000000000081", "10000000000082"]
    rest = payload(client.get(f"/orders/v0/orders/{FIVE_ITEMS}/orderItems/buyerInfo", params={"NextToken": first["NextToken"]}))
    assert rest["OrderItems"][0]["OrderItemId"] == "10000000000083"


def test_order_items_buyer_info_carries_gift_details(client):
    items = payload(client.get(f"/orders/v0/orders/{UNSHIPPED}/orderItems/buyerInfo"))["OrderItems"]
    assert items[0] == {"OrderItemId": "10000000000011"}
    assert items[1]["GiftMessageText"] == "Enjoy"
    assert items[1]["GiftWrapPrice"] == {"CurrencyCode": "USD", "Amount": "2.00"}


def test_buyer_info(client):
    info = payload(client.get(f"/orders/v0/orders/{UNSHIPPED}/buyerInfo"))
    assert info == {"AmazonOrderId": UNSHIPPED, "BuyerEmail": "alice@marketplace.amazon.com", "BuyerName": "Alice Example"}


def test_address(client):
    address = payload(client.get(f"/orders/v0/orders/{UNSHIPPED}/address"))
    assert address["AmazonOrderId"] == UNSHIPPED
    assert address["BuyerCompanyName"] == "Example Corp"
    assert address["ShippingAddress"]["PostalCode"] == "98101"


def test_regulated_info(client):
    info = payload(client.get(f"/orders/v0/orders/{REGULATED}/regulatedInfo"))
    assert info["AmazonOrderId"] == REGULATED
    assert info["RegulatedOrderVerificationStatus"]["Status"] == "Pending"
    assert info["RegulatedInformation"]["Fields"][0]["FieldValue"] == "Rex"


def test_regulated_info_of_an_order_without_regulated_items_is_invalid_input(client):
    response = client.get(f"/orders/v0/orders/{UNSHIPPED}/regulatedInfo")
    assert response.status_code == 400
    assert UNSHIPPED in response.json()["errors"][0]["message"]


READS = ["", "/buyerInfo", "/address", "/orderItems", "/orderItems/buyerInfo", "/regulatedInfo"]


@pytest.mark.parametrize("suffix", READS)
@pytest.mark.parametrize("order_id", ["111-0000000-0000404", "not an id"])
def test_unknown_order_is_not_found(client, suffix, order_id):
    response = client.get(f"/orders/v0/orders/{order_id}{suffix}")
    assert response.status_code == 404
    error = response.json()["errors"][0]
    assert error["code"] == "NotFound" and order_id in error["message"]


@pytest.mark.parametrize("suffix", READS)
def test_another_sellers_order_is_not_found(client, other_seller, suffix):
    order_id = other_seller.order_id
    response = client.get(f"/orders/v0/orders/{order_id}{suffix}")
    assert response.status_code == 404, response.text
    error = response.json()["errors"][0]
    assert error["code"] == "NotFound" and order_id in error["message"]
    # Its own seller reads the same path (regulatedInfo: the order has no regulated items).
    theirs = client.get(f"/orders/v0/orders/{order_id}{suffix}", token=False, headers=other_seller.token)
    assert theirs.status_code == (400 if suffix == "/regulatedInfo" else 200), theirs.text
