"""The notification payloads, as Amazon's schemas and examples write them.

Every payload built here is validated against Amazon's own schema (skipped without the reference
directory, as every test that reads it); values are checked against Amazon's examples: the
ORDER_CHANGE example is rebuilt from the Orders v0 order that says the same things.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from jsonschema import Draft7Validator

from spapi_mock.domain import notification_payloads as payloads

from support.reference import reference_model

pytestmark = pytest.mark.unit

ORDER_CHANGE_SCHEMA = "OrderChangeNotification.json"
FEED_SCHEMA = "FeedProcessingFinishedNotification.json"
REPORT_SCHEMA = "ReportProcessingFinishedNotification.json"

EVENT = datetime(2022, 11, 29, 19, 42, 4, tzinfo=UTC)
PUBLISHED = datetime(2022, 11, 29, 19, 42, 9, tzinfo=UTC)
META = payloads.Metadata("app-id-1", "subscription-id-1", "d0e9e693-c3ad-4373-979f-ed4ec98dd746", PUBLISHED)


def assert_valid(schema_name: str, notification: dict) -> None:
    schema = reference_model(schema_name)
    errors = sorted(Draft7Validator(schema).iter_errors(notification), key=lambda e: list(e.absolute_path))
    assert not errors, "; ".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5])


# Amazon's ORDER_CHANGE example, as an Orders v0 order and its items would say it (getOrder /
# getOrderItems views; IsBuyerRequestedCancel is the string there).
V0_ORDER = {
    "AmazonOrderId": "903-8868176-2219830",
    "MarketplaceId": "ATVPDKIKX0DER",
    "OrderStatus": "Unshipped",
    "PurchaseDate": "2022-07-13T19:42:04Z",
    "LastUpdateDate": "2022-11-29T19:42:04Z",
    "ShippingAddress": {"PostalCode": "48110", "City": "Ypsilanti", "CountryCode": "US"},
    "FulfillmentChannel": "MFN",
    "OrderType": "StandardOrder",
    "NumberOfItemsShipped": 0,
    "NumberOfItemsUnshipped": 10,
    "EarliestDeliveryDate": "2022-11-07T19:42:04Z",
    "LatestDeliveryDate": "2022-12-07T19:42:04Z",
    "EarliestShipDate": "2022-11-07T19:42:04Z",
    "LatestShipDate": "2022-12-07T19:42:04Z",
    "IsBusinessOrder": True,
    "IsPrime": False,
    "EasyShipShipmentStatus": "Delivered",
    "ElectronicInvoiceStatus": "NotFound",
}
V0_ITEMS = [
    {
        "OrderItemId": "OIID34853450",
        "SellerSKU": "SellerSKUID1",
        "QuantityOrdered": 10,
        "QuantityShipped": 0,
        "BuyerRequestedCancel": {"IsBuyerRequestedCancel": "true", "BuyerCancelReason": "Found cheaper"},
    }
]


def build_order_change(order=V0_ORDER, items=V0_ITEMS, change_type=payloads.BUYER_REQUESTED_CHANGE) -> dict:
    reason = payloads.BUYER_REQUESTED_CANCEL if change_type == payloads.BUYER_REQUESTED_CHANGE else "Order Status Change"
    return payloads.order_change("A3TH9S8BH6GOGM", order, items, change_type, reason, "2022-11-29T19:42:04Z", EVENT, META)


def test_a_buyer_request_is_amazons_example():
    built = build_order_change()
    assert_valid(ORDER_CHANGE_SCHEMA, built)
    (example,) = reference_model(ORDER_CHANGE_SCHEMA)["examples"]
    assert built["NotificationVersion"] == example["NotificationVersion"] == "1.0"
    assert built["PayloadVersion"] == example["PayloadVersion"] == "1.0"
    assert built["NotificationType"] == "ORDER_CHANGE"
    change, theirs = built["Payload"]["OrderChangeNotification"], example["Payload"]["OrderChangeNotification"]
    for name in ("NotificationLevel", "SellerId", "AmazonOrderId", "OrderChangeType"):
        assert change[name] == theirs[name]
    assert change["OrderChangeTrigger"] == {"TimeOfOrderChange": "2022-11-29T19:42:04Z", "ChangeReason": "Buyer Requested Cancel"}
    summary, their_summary = change["Summary"], theirs["Summary"]
    for name in (
        "MarketplaceId",
        "OrderStatus",
        "DestinationPostalCode",
        "FulfillmentType",
        "OrderType",
        "NumberOfItemsShipped",
        "NumberOfItemsUnshipped",
        "OrderPrograms",
        "ShippingPrograms",
        "EasyShipShipmentStatus",
        "ElectronicInvoiceStatus",
    ):
        assert summary[name] == their_summary[name], name
    (item,) = summary["OrderItems"]
    (their_item,) = their_summary["OrderItems"]
    for name in ("OrderItemId", "SellerSKU", "Quantity", "QuantityShipped", "IsBuyerRequestedCancel"):
        assert item[name] == their_item[name], name
    # A boolean here, unlike Orders v0's "true".
    assert item["IsBuyerRequestedCancel"] is True
    # The mock has no supply sources: Amazon's schema says null "when there is no related information".
    assert item["SupplySourceId"] is None
    # One status for every item: Amazon shows OrderItemStatus only "when items' status are different".
    assert "OrderItemStatus" not in item


def test_metadata_and_times():
    built = build_order_change()
    assert built["EventTime"] == "2022-11-29T19:42:04Z"
    assert built["NotificationMetadata"] == {
        "ApplicationId": "app-id-1",
        "SubscriptionId": "subscription-id-1",
        "PublishTime": "2022-11-29T19:42:09Z",
        "NotificationId": "d0e9e693-c3ad-4373-979f-ed4ec98dd746",
    }
    assert payloads.event_time(built) == "2022-11-29T19:42:04Z"
    assert payloads.notification_id(built) == "d0e9e693-c3ad-4373-979f-ed4ec98dd746"


def test_a_status_change_of_a_pending_order_without_an_address_or_dates():
    order = {
        "AmazonOrderId": "111-0000000-0000001",
        "MarketplaceId": "ATVPDKIKX0DER",
        "OrderStatus": "Canceled",
        "PurchaseDate": "2022-07-13T19:42:04Z",
        "FulfillmentChannel": "AFN",
        "NumberOfItemsShipped": 0,
        "NumberOfItemsUnshipped": 0,
    }
    items = [
        {"OrderItemId": "1", "SellerSKU": "A", "QuantityOrdered": 0, "BuyerRequestedCancel": {"IsBuyerRequestedCancel": "false"}}
    ]
    built = build_order_change(order, items, payloads.ORDER_STATUS_CHANGE)
    assert_valid(ORDER_CHANGE_SCHEMA, built)
    summary = built["Payload"]["OrderChangeNotification"]["Summary"]
    # Required by Amazon's schema, null "when there is no related information".
    assert summary["DestinationPostalCode"] is None
    assert summary["OrderType"] == "StandardOrder"
    assert summary["FulfillmentType"] == "AFN"
    for absent in ("EarliestShipDate", "LatestDeliveryDate", "OrderPrograms", "ShippingPrograms", "EasyShipShipmentStatus"):
        assert absent not in summary
    assert summary["OrderItems"] == [
        {
            "OrderItemId": "1",
            "SellerSKU": "A",
            "SupplySourceId": None,
            "Quantity": 0,
            "QuantityShipped": 0,
            "IsBuyerRequestedCancel": False,
        }
    ]


def test_items_in_different_states_each_say_theirs():
    items = [
        {"OrderItemId": "1", "SellerSKU": "A", "QuantityOrdered": 2, "QuantityShipped": 2},
        {"OrderItemId": "2", "SellerSKU": "B", "QuantityOrdered": 1, "QuantityShipped": 0},
    ]
    order = {**V0_ORDER, "OrderStatus": "PartiallyShipped", "NumberOfItemsShipped": 2, "NumberOfItemsUnshipped": 1}
    built = build_order_change(order, items, payloads.ORDER_STATUS_CHANGE)
    assert_valid(ORDER_CHANGE_SCHEMA, built)
    summary = built["Payload"]["OrderChangeNotification"]["Summary"]
    assert [item["OrderItemStatus"] for item in summary["OrderItems"]] == ["Shipped", "Unshipped"]
    assert [item["IsBuyerRequestedCancel"] for item in summary["OrderItems"]] == [False, False]
    assert summary["OrderStatus"] == "PartiallyShipped"


def test_programs_from_the_orders_flags():
    order = {
        **V0_ORDER,
        "IsBusinessOrder": False,
        "IsPrime": True,
        "IsPremiumOrder": True,
        "IsISPU": True,
        "IsAccessPointOrder": True,
        "IsGlobalExpressEnabled": True,
        "IsReplacementOrder": "true",
        "EasyShipShipmentStatus": "NotAnAmazonValue",
        "ElectronicInvoiceStatus": "Nope",
        "OrderType": "Preorder",
    }
    summary = build_order_change(order)["Payload"]["OrderChangeNotification"]["Summary"]
    assert summary["OrderPrograms"] == ["Prime", "Premium", "Replacement"]
    assert summary["ShippingPrograms"] == ["GlobalExpress", "ISPU", "AccessPoint", "EasyShip"]
    # Values outside Amazon's enums are left out rather than sent broken.
    assert "EasyShipShipmentStatus" not in summary and "ElectronicInvoiceStatus" not in summary
    assert summary["OrderType"] == "Preorder"


def test_an_unknown_change_type_is_refused():
    with pytest.raises(ValueError, match="OrderChangeType 'Whatever'"):
        build_order_change(change_type="Whatever")


def test_feed_processing_finished_is_amazons_example():
    feed = {
        "feedId": "53347018456",
        "feedType": "POST_PRODUCT_DATA",
        "processingStatus": "DONE",
        "resultFeedDocumentId": "amzn1.tortuga.3.edbcd0d8-3434-8222-1234-52ad8ade1208.URUTI57URI9BMZ",
    }
    built = payloads.feed_processing_finished("A3TH9S8BH6GOGM", feed, EVENT, META)
    assert_valid(FEED_SCHEMA, built)
    example = reference_model(FEED_SCHEMA)["examples"][0]
    assert built["payload"] == example["payload"]
    for name in ("notificationVersion", "notificationType", "payloadVersion"):
        assert built[name] == example[name]
    assert built["eventTime"] == "2022-11-29T19:42:04Z"
    assert built["notificationMetadata"] == {
        "applicationId": "app-id-1",
        "subscriptionId": "subscription-id-1",
        "publishTime": "2022-11-29T19:42:09Z",
        "notificationId": "d0e9e693-c3ad-4373-979f-ed4ec98dd746",
    }


@pytest.mark.parametrize("status", ["FATAL", "CANCELLED"])
def test_a_feed_without_a_result_document(status):
    feed = {"feedId": "1", "feedType": "POST_ORDER_ACKNOWLEDGEMENT_DATA", "processingStatus": status}
    built = payloads.feed_processing_finished("S1", feed, EVENT, META)
    assert_valid(FEED_SCHEMA, built)
    assert "resultFeedDocumentId" not in built["payload"]["feedProcessingFinishedNotification"]
    assert built["payload"]["feedProcessingFinishedNotification"]["processingStatus"] == status


def test_report_processing_finished_is_amazons_example():
    report = {
        "reportId": "54517018502",
        "reportType": "GET_FLAT_FILE_ACTIONABLE_ORDER_DATA",
        "processingStatus": "CANCELLED",
        "reportDocumentId": "amzn1.tortuga.3.edbcd0d8-3434-8222-1234-52ad8ade1208.REP4567URI9BMZ",
    }
    built = payloads.report_processing_finished("A3TH9S8BH6GOGM", report, EVENT, META)
    assert_valid(REPORT_SCHEMA, built)
    example = reference_model(REPORT_SCHEMA)["examples"][0]
    assert built["payload"] == example["payload"]
    for name in ("notificationVersion", "notificationType", "payloadVersion"):
        assert built[name] == example[name]
    assert payloads.event_time(built) == "2022-11-29T19:42:04Z"
    assert payloads.notification_id(built) == META.notification_id


def test_a_report_without_a_document():
    report = {"reportId": "1", "reportType": "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL", "processingStatus": "FATAL"}
    built = payloads.report_processing_finished("S1", report, EVENT, META)
    assert_valid(REPORT_SCHEMA, built)
    assert "reportDocumentId" not in built["payload"]["reportProcessingFinishedNotification"]


# -- TRANSACTION_UPDATE ----------------------------------------------------------------------

TRANSACTION_SCHEMA = "TransactionUpdateNotification.json"
# A financial event as the Finances rules record it (domain/finances.py), posted: Amazon's
# example's seller, marketplace, order and amount.
POSTED_EVENT = {
    "seller_id": "A3TH9S8BH6GOGM",
    "eventId": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    "kind": "Shipment",
    "orderId": "8129762527551",
    "marketplaceId": "ATIV93840DER",
    "fulfillmentChannel": "MFN",
    "currency": "USD",
    "occurredAt": "2023-07-12T03:35:13Z",
    "postedAt": "2023-07-14T03:35:13Z",
    "releasedAt": "2023-07-14T03:35:13Z",
    "status": "RELEASED",
    "items": [],
    "total": "10.00",
}


def test_transaction_update_is_amazons_example():
    built = payloads.transaction_update(POSTED_EVENT, META)
    assert_valid(TRANSACTION_SCHEMA, built)
    example = reference_model(TRANSACTION_SCHEMA)["examples"][0]
    assert built["Payload"] == {
        "TransactionUpdateNotification": {
            **example["Payload"]["TransactionUpdateNotification"],
            "PostedDate": "2023-07-14T03:35:13Z",  # Amazon's example has milliseconds
        }
    }
    for name in ("NotificationVersion", "NotificationType", "PayloadVersion"):
        assert built[name] == example[name]
    # Published when the transaction was posted.
    assert payloads.event_time(built) == "2023-07-14T03:35:13Z"
    assert payloads.notification_id(built) == META.notification_id
    assert built["NotificationMetadata"]["PublishTime"] == "2022-11-29T19:42:09Z"


@pytest.mark.parametrize(
    "kind, total, currency, amount",
    [("Refund", "-12.34", "EUR", -12.34), ("Shipment", "1200", "JPY", 1200), ("Shipment", "0.10", "USD", 0.1)],
)
def test_a_transactions_total_is_a_json_number_of_its_currency(kind, total, currency, amount):
    built = payloads.transaction_update({**POSTED_EVENT, "kind": kind, "total": total, "currency": currency}, META)
    assert_valid(TRANSACTION_SCHEMA, built)
    body = built["Payload"]["TransactionUpdateNotification"]
    assert body["TransactionType"] == kind
    assert body["TotalAmount"] == {"CurrencyAmount": amount, "CurrencyCode": currency}
    assert type(body["TotalAmount"]["CurrencyAmount"]) is type(amount)
