"""An ORDER_CHANGE Summary of an order part shipped, field by field (mutation testing found its
dates, counts, item quantities and item statuses could change unnoticed).

Amazon's OrderChangeNotification schema: OrderItemStatus is shown "when items' status are
different"; each item says its Quantity, QuantityShipped, SellerSKU, SupplySourceId and whether
the buyer asked to cancel it; the Summary says the order's PurchaseDate, ship-by and delivery
dates and its NumberOfItemsShipped/Unshipped as getOrder does.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from jsonschema import Draft7Validator

from spapi_mock.domain import notification_payloads as payloads

from support.reference import reference_model

ORDER = {
    "AmazonOrderId": "111-0000000-0000001",
    "MarketplaceId": "ATVPDKIKX0DER",
    "OrderStatus": "PartiallyShipped",
    "PurchaseDate": "2025-06-15T12:00:00Z",
    "FulfillmentChannel": "MFN",
    "OrderType": "StandardOrder",
    "NumberOfItemsShipped": 3,
    "NumberOfItemsUnshipped": 3,
    "LatestShipDate": "2025-06-17T12:00:00Z",
    "LatestDeliveryDate": "2025-06-22T12:00:00Z",
    "ShippingAddress": {"PostalCode": "98101"},
}
ITEMS = [
    {
        "OrderItemId": "A",
        "SellerSKU": "SKU-A",
        "SupplySourceId": "source-1",
        "QuantityOrdered": 2,
        "QuantityShipped": 2,
        "BuyerRequestedCancel": {"IsBuyerRequestedCancel": "false"},
    },
    {
        "OrderItemId": "B",
        "SellerSKU": "SKU-B",
        "QuantityOrdered": 3,
        "QuantityShipped": 1,
        "BuyerRequestedCancel": {"IsBuyerRequestedCancel": "true", "BuyerCancelReason": "Changed mind"},
    },
    {"OrderItemId": "C", "QuantityOrdered": 1},
]


def test_the_summary_of_a_part_shipped_order_says_each_items_status_and_quantities():
    assert payloads.summary(ORDER, ITEMS) == {
        "MarketplaceId": "ATVPDKIKX0DER",
        "OrderStatus": "PartiallyShipped",
        "PurchaseDate": "2025-06-15T12:00:00Z",
        "DestinationPostalCode": "98101",
        "FulfillmentType": "MFN",
        "OrderType": "StandardOrder",
        "NumberOfItemsShipped": 3,
        "NumberOfItemsUnshipped": 3,
        "LatestDeliveryDate": "2025-06-22T12:00:00Z",
        "LatestShipDate": "2025-06-17T12:00:00Z",
        "OrderItems": [
            {
                "OrderItemId": "A",
                "SellerSKU": "SKU-A",
                "SupplySourceId": "source-1",
                "OrderItemStatus": "Shipped",
                "Quantity": 2,
                "QuantityShipped": 2,
                "IsBuyerRequestedCancel": False,
            },
            {
                "OrderItemId": "B",
                "SellerSKU": "SKU-B",
                "SupplySourceId": None,
                # One of three units shipped: the item is not yet shipped.
                "OrderItemStatus": "Unshipped",
                "Quantity": 3,
                "QuantityShipped": 1,
                "IsBuyerRequestedCancel": True,
            },
            {
                "OrderItemId": "C",
                "SellerSKU": "",
                "SupplySourceId": None,
                "OrderItemStatus": "Unshipped",
                "Quantity": 1,
                "QuantityShipped": 0,
                "IsBuyerRequestedCancel": False,
            },
        ],
    }


def test_the_notification_of_a_part_shipped_order_is_valid_under_amazons_schema():
    built = payloads.order_change(
        "A3TH9S8BH6GOGM",
        ORDER,
        ITEMS,
        payloads.ORDER_STATUS_CHANGE,
        "Order status changed",
        "2025-06-16T12:00:00Z",
        datetime(2025, 6, 16, 12, tzinfo=UTC),
        payloads.Metadata("app", "sub", "n-1", datetime(2025, 6, 16, 12, 0, 5, tzinfo=UTC)),
    )
    schema = reference_model("OrderChangeNotification.json")
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in Draft7Validator(schema).iter_errors(built)]
    assert not errors, errors


def test_a_shipped_order_has_nothing_unshipped_and_one_status_for_all_its_items():
    order = {**ORDER, "OrderStatus": "Shipped", "NumberOfItemsShipped": 2, "NumberOfItemsUnshipped": 0}
    built = payloads.summary(order, [ITEMS[0]])
    assert (built["NumberOfItemsShipped"], built["NumberOfItemsUnshipped"]) == (2, 0)
    assert "OrderItemStatus" not in built["OrderItems"][0]


def test_an_order_change_type_amazon_does_not_name_is_refused():
    with pytest.raises(ValueError) as caught:
        payloads.order_change("S", ORDER, ITEMS, "Shipped", "r", None, datetime(2025, 6, 16, tzinfo=UTC), None)
    assert str(caught.value) == (
        "OrderChangeType 'Shipped' is not one of BuyerRequestedChange, DeliveryTipChange, OrderStatusChange"
    )
