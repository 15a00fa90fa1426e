"""The notifications Amazon sends, built as its payload schemas spell them.

Amazon's schemas (``OrderChangeNotification.json``, ``FeedProcessingFinishedNotification.json``,
``ReportProcessingFinishedNotification.json``) differ in case: ORDER_CHANGE is PascalCase
(``NotificationVersion``, ``Payload``, ``NotificationMetadata``), the processing-finished pair
camelCase (``notificationVersion``, ``payload``, ``notificationMetadata``). Each builder here is a
plain function of what it is given, the times included (the mock clock's, passed in), so the same
change always builds the same notification.

An ORDER_CHANGE ``Summary`` is read from the order as getOrder and getOrderItems show it (the
caller passes those views), so the notification and the API never disagree; the one difference
is Amazon's own: ``IsBuyerRequestedCancel`` is a boolean here, a string ("true"/"false") in
Orders v0. Amazon's item schema has no field for the buyer's reason: a BuyerRequestedChange says
why in ``OrderChangeTrigger.ChangeReason`` ("Buyer Requested Cancel", as Amazon's schema example
spells it) and names the requested items by ``IsBuyerRequestedCancel``; the buyer's own words
are read with getOrderItems (``BuyerCancelReason``), as on Amazon.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from spapi_mock.kernel.dates import to_wire

ORDER_CHANGE = "ORDER_CHANGE"
FEED_PROCESSING_FINISHED = "FEED_PROCESSING_FINISHED"
REPORT_PROCESSING_FINISHED = "REPORT_PROCESSING_FINISHED"
TRANSACTION_UPDATE = "TRANSACTION_UPDATE"
NOTIFICATION_TYPES = (ORDER_CHANGE, FEED_PROCESSING_FINISHED, REPORT_PROCESSING_FINISHED, TRANSACTION_UPDATE)

# The versions Amazon's schema examples carry, for the notification and its payload alike.
VERSIONS = {
    ORDER_CHANGE: "1.0",
    FEED_PROCESSING_FINISHED: "2020-09-04",
    REPORT_PROCESSING_FINISHED: "2020-09-04",
    TRANSACTION_UPDATE: "1.0",
}
# TRANSACTION_UPDATE's SellingPartnerMetadata.AccountType and RelatedIdentifierName, as Amazon's
# schema example spells them (its model documents no other value).
ACCOUNT_TYPE = "PAYABLE"
ORDER_ID_IDENTIFIER = "OrderId"

# OrderChangeType: the two kinds the mock notifies (Amazon's enum adds DeliveryTipChange).
ORDER_STATUS_CHANGE = "OrderStatusChange"
BUYER_REQUESTED_CHANGE = "BuyerRequestedChange"
ORDER_CHANGE_TYPES = (BUYER_REQUESTED_CHANGE, "DeliveryTipChange", ORDER_STATUS_CHANGE)
# OrderChangeTrigger.ChangeReason. Amazon's schema example spells the buyer's request; for a
# status change Amazon documents no wording, so the mock says what happened.
BUYER_REQUESTED_CANCEL = "Buyer Requested Cancel"
ORDER_STATUS_CHANGED = "Order Status Change"

# Summary.OrderPrograms / ShippingPrograms: the Orders v0 flag that puts an order in each.
_ORDER_PROGRAMS = (
    ("IsBusinessOrder", "Business"),
    ("IsPrime", "Prime"),
    ("IsPremiumOrder", "Premium"),
    ("IsIBA", "IBA"),
    ("IsReplacementOrder", "Replacement"),
)
_SHIPPING_PROGRAMS = (("IsGlobalExpressEnabled", "GlobalExpress"), ("IsISPU", "ISPU"), ("IsAccessPointOrder", "AccessPoint"))
# Amazon's Summary enums, where the Orders v0 value may hold something else.
_ORDER_TYPES = ("StandardOrder", "LongLeadTimeOrder", "Preorder", "BackOrder", "SourcingOnDemandOrder")
_EASY_SHIP_STATUSES = frozenset(
    {
        "PendingSchedule",
        "PendingPickUp",
        "PendingDropOff",
        "LabelCanceled",
        "PickedUp",
        "DroppedOff",
        "AtOriginFC",
        "AtDestinationFC",
        "Delivered",
        "RejectedByBuyer",
        "Undeliverable",
        "ReturningToSeller",
        "ReturnedToSeller",
        "Lost",
        "OutForDelivery",
        "Damaged",
    }
)
_INVOICE_STATUSES = frozenset({"NotRequired", "NotFound", "Processing", "Errored", "Accepted"})
_SUMMARY_DATES = ("EarliestDeliveryDate", "LatestDeliveryDate", "EarliestShipDate", "LatestShipDate")


@dataclass(frozen=True)
class Metadata:
    """What NotificationMetadata says of one delivery of a notification: fixed when the
    notification is recorded, so a retry carries the same NotificationId."""

    application_id: str
    subscription_id: str
    notification_id: str
    publish_time: datetime


def account_id(seller_id: str) -> str:
    """The processing-finished payloads' ``accountId`` of a seller, in Amazon's example form."""
    return f"amzn1.merchant.o.{seller_id}"


def order_change(
    seller_id: str,
    order: dict,
    items: list[dict],
    change_type: str,
    change_reason: str,
    time_of_change: str | None,
    event_time: datetime,
    metadata: Metadata,
) -> dict:
    """An ORDER_CHANGE notification of an order as getOrder (``order``) and getOrderItems
    (``items``) show it at the change."""
    if change_type not in ORDER_CHANGE_TYPES:
        raise ValueError(f"OrderChangeType {change_type!r} is not one of {', '.join(ORDER_CHANGE_TYPES)}")
    return {
        "NotificationVersion": VERSIONS[ORDER_CHANGE],
        "NotificationType": ORDER_CHANGE,
        "PayloadVersion": VERSIONS[ORDER_CHANGE],
        "EventTime": to_wire(event_time),
        "Payload": {
            "OrderChangeNotification": {
                "NotificationLevel": "OrderLevel",
                "SellerId": seller_id,
                "AmazonOrderId": order["AmazonOrderId"],
                "OrderChangeType": change_type,
                "OrderChangeTrigger": {"TimeOfOrderChange": time_of_change, "ChangeReason": change_reason},
                "Summary": summary(order, items),
            }
        },
        "NotificationMetadata": {
            "ApplicationId": metadata.application_id,
            "SubscriptionId": metadata.subscription_id,
            "PublishTime": to_wire(metadata.publish_time),
            "NotificationId": metadata.notification_id,
        },
    }


def summary(order: dict, items: list[dict]) -> dict:
    """ORDER_CHANGE's Summary of an order and its items (Orders v0 views)."""
    out: dict = {
        "MarketplaceId": order["MarketplaceId"],
        "OrderStatus": order["OrderStatus"],
        "PurchaseDate": order.get("PurchaseDate"),
        # getOrder shows no address while payment is pending: nor does the notification.
        "DestinationPostalCode": (order.get("ShippingAddress") or {}).get("PostalCode"),
        "FulfillmentType": order["FulfillmentChannel"],
        "OrderType": order.get("OrderType") if order.get("OrderType") in _ORDER_TYPES else "StandardOrder",
        "NumberOfItemsShipped": int(order.get("NumberOfItemsShipped") or 0),
        "NumberOfItemsUnshipped": int(order.get("NumberOfItemsUnshipped") or 0),
    }
    for name in _SUMMARY_DATES:
        if order.get(name):
            out[name] = order[name]
    order_programs = [program for flag, program in _ORDER_PROGRAMS if _flag(order.get(flag))]
    if order_programs:
        out["OrderPrograms"] = order_programs
    shipping_programs = [program for flag, program in _SHIPPING_PROGRAMS if _flag(order.get(flag))]
    if order.get("EasyShipShipmentStatus"):
        shipping_programs.append("EasyShip")
    if shipping_programs:
        out["ShippingPrograms"] = shipping_programs
    if order.get("EasyShipShipmentStatus") in _EASY_SHIP_STATUSES:
        out["EasyShipShipmentStatus"] = order["EasyShipShipmentStatus"]
    if order.get("ElectronicInvoiceStatus") in _INVOICE_STATUSES:
        out["ElectronicInvoiceStatus"] = order["ElectronicInvoiceStatus"]
    out["OrderItems"] = _summary_items(items)
    return out


def _summary_items(items: list[dict]) -> list[dict]:
    statuses = [_item_status(item) for item in items]
    # Amazon: OrderItemStatus is displayed "when items' status are different".
    differ = len(set(statuses)) > 1
    out = []
    for item, status in zip(items, statuses, strict=True):
        entry = {
            "OrderItemId": item["OrderItemId"],
            "SellerSKU": item.get("SellerSKU") or "",
            "SupplySourceId": item.get("SupplySourceId"),
        }
        if differ:
            entry["OrderItemStatus"] = status
        entry["Quantity"] = int(item.get("QuantityOrdered") or 0)
        entry["QuantityShipped"] = int(item.get("QuantityShipped") or 0)
        entry["IsBuyerRequestedCancel"] = (item.get("BuyerRequestedCancel") or {}).get("IsBuyerRequestedCancel") == "true"
        out.append(entry)
    return out


def _item_status(item: dict) -> str:
    ordered, shipped = int(item.get("QuantityOrdered") or 0), int(item.get("QuantityShipped") or 0)
    return "Shipped" if shipped and shipped >= ordered else "Unshipped"


def _flag(value: object) -> bool:
    # Orders v0 flags are booleans; a fixture may hold them as the strings Amazon's SDKs print.
    return value is True or value == "true"


def feed_processing_finished(seller_id: str, feed: dict, event_time: datetime, metadata: Metadata) -> dict:
    """FEED_PROCESSING_FINISHED of a feed that ended (DONE, FATAL or CANCELLED)."""
    body = {
        "sellerId": seller_id,
        "accountId": account_id(seller_id),
        "feedId": feed["feedId"],
        "feedType": feed["feedType"],
        "processingStatus": feed["processingStatus"],
    }
    if feed.get("resultFeedDocumentId"):
        body["resultFeedDocumentId"] = feed["resultFeedDocumentId"]
    return _processing_finished(FEED_PROCESSING_FINISHED, "feedProcessingFinishedNotification", body, event_time, metadata)


def report_processing_finished(seller_id: str, report: dict, event_time: datetime, metadata: Metadata) -> dict:
    """REPORT_PROCESSING_FINISHED of a report that ended (DONE, FATAL or CANCELLED)."""
    body = {
        "sellerId": seller_id,
        "accountId": account_id(seller_id),
        "reportId": report["reportId"],
        "reportType": report["reportType"],
        "processingStatus": report["processingStatus"],
    }
    if report.get("reportDocumentId"):
        body["reportDocumentId"] = report["reportDocumentId"]
    return _processing_finished(REPORT_PROCESSING_FINISHED, "reportProcessingFinishedNotification", body, event_time, metadata)


def _processing_finished(kind: str, name: str, body: dict, event_time: datetime, metadata: Metadata) -> dict:
    return {
        "notificationVersion": VERSIONS[kind],
        "notificationType": kind,
        "payloadVersion": VERSIONS[kind],
        "eventTime": to_wire(event_time),
        "payload": {name: body},
        "notificationMetadata": {
            "applicationId": metadata.application_id,
            "subscriptionId": metadata.subscription_id,
            "publishTime": to_wire(metadata.publish_time),
            "notificationId": metadata.notification_id,
        },
    }


def transaction_update(event: dict, metadata: Metadata) -> dict:
    """TRANSACTION_UPDATE of a financial event once it is posted (Amazon: "sent whenever there
    is a new transaction posted to the seller's account"): its order, kind, posting date and
    what the seller nets (the event's ``total``, a JSON number as the schema's CurrencyAmount)."""
    posted = event["postedAt"]
    return {
        "NotificationVersion": VERSIONS[TRANSACTION_UPDATE],
        "NotificationType": TRANSACTION_UPDATE,
        "PayloadVersion": VERSIONS[TRANSACTION_UPDATE],
        "EventTime": posted,
        "Payload": {
            "TransactionUpdateNotification": {
                "SellingPartnerMetadata": {
                    "SellingPartnerId": event["seller_id"],
                    "MarketplaceId": event["marketplaceId"],
                    "AccountType": ACCOUNT_TYPE,
                },
                "RelatedIdentifiers": [
                    {"RelatedIdentifierName": ORDER_ID_IDENTIFIER, "RelatedIdentifierValue": event["orderId"]}
                ],
                "TransactionType": event["kind"],
                "PostedDate": posted,
                "TotalAmount": {"CurrencyAmount": _number(event["total"]), "CurrencyCode": event["currency"]},
            }
        },
        "NotificationMetadata": {
            "ApplicationId": metadata.application_id,
            "SubscriptionId": metadata.subscription_id,
            "PublishTime": to_wire(metadata.publish_time),
            "NotificationId": metadata.notification_id,
        },
    }


def _number(amount: str) -> int | float:
    value = Decimal(amount)
    return int(value) if value == value.to_integral_value() else float(value)


def event_time(notification: dict) -> str:
    """The EventTime of a built notification, whichever case its schema uses."""
    return notification.get("EventTime") or notification["eventTime"]


def notification_id(notification: dict) -> str:
    meta = notification.get("NotificationMetadata") or notification["notificationMetadata"]
    return meta.get("NotificationId") or meta["notificationId"]
