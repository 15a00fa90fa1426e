"""Amazon's notification types (its "Notification Type Values"), their payload versions and the
processing directives each supports. Amazon's model leaves notificationType a plain string; these
are the values Amazon documents, so an unknown one is refused instead of kept silently."""

from __future__ import annotations

from spapi_mock.domain.exceptions import RuleViolation

# Type → its payload versions, oldest first. Amazon's processing-finished notifications are
# 2020-09-04 payloads; clients (python-amazon-sp-api's default) subscribe to them with 1.0 too.
PAYLOAD_VERSIONS: dict[str, tuple[str, ...]] = {
    **{
        name: ("1.0",)
        for name in (
            "ACCOUNT_STATUS_CHANGED",
            "ANY_OFFER_CHANGED",
            "B2B_ANY_OFFER_CHANGED",
            "BRANDED_ITEM_CONTENT_CHANGE",
            "DATA_KIOSK_QUERY_PROCESSING_FINISHED",
            "DETAIL_PAGE_TRAFFIC_EVENT",
            "EXTERNAL_FULFILLMENT_SHIPMENT_STATUS_CHANGE",
            "FBA_INVENTORY_AVAILABILITY_CHANGES",
            "FBA_OUTBOUND_SHIPMENT_STATUS",
            "FEE_PROMOTION",
            "FULFILLMENT_ORDER_STATUS",
            "ITEM_INVENTORY_EVENT_CHANGE",
            "ITEM_PRODUCT_TYPE_CHANGE",
            "ITEM_SALES_EVENT_CHANGE",
            "LISTINGS_ITEM_ISSUES_CHANGE",
            "LISTINGS_ITEM_MFN_QUANTITY_CHANGE",
            "LISTINGS_ITEM_STATUS_CHANGE",
            "MFN_ORDER_STATUS_CHANGE",
            "ORDER_CHANGE",
            "ORDER_STATUS_CHANGE",
            "PRICING_HEALTH",
            "PRODUCT_TYPE_DEFINITIONS_CHANGE",
            "SHIPMENT_TRACKING_MILESTONE_CHANGED",
            "TRANSACTION_UPDATE",
        )
    },
    "FEED_PROCESSING_FINISHED": ("1.0", "2020-09-04"),
    "REPORT_PROCESSING_FINISHED": ("1.0", "2020-09-04"),
}
# What the mock sends; a subscription to any other type is kept, and never receives anything.
SENT = frozenset({"ORDER_CHANGE", "FEED_PROCESSING_FINISHED", "REPORT_PROCESSING_FINISHED", "TRANSACTION_UPDATE"})
# Amazon's model: EventFilter.eventFilterType's enum, each the notification type it filters.
EVENT_FILTER_TYPES = frozenset({"ANY_OFFER_CHANGED", "ORDER_CHANGE", "SHIPMENT_TRACKING_MILESTONE_CHANGED"})
# An eventFilter's fields beyond marketplaceIds, and the types that take each (Amazon's model
# describes orderChangeTypes as ORDER_CHANGE's, trackingIdentifier as the tracking milestone's).
EVENT_FILTER_FIELDS: dict[str, frozenset[str]] = {
    "orderChangeTypes": frozenset({"ORDER_CHANGE"}),
    "aggregationSettings": frozenset({"ANY_OFFER_CHANGED", "ORDER_CHANGE"}),
    "trackingIdentifier": frozenset({"SHIPMENT_TRACKING_MILESTONE_CHANGED"}),
}
# Amazon's "Create and Filter Notification Subscriptions": the types filterExpression works on.
FILTER_EXPRESSION_TYPES = frozenset(
    {
        "ACCOUNT_STATUS_CHANGED",
        "ANY_OFFER_CHANGED",
        "B2B_ANY_OFFER_CHANGED",
        "DETAIL_PAGE_TRAFFIC_EVENT",
        "EXTERNAL_FULFILLMENT_SHIPMENT_STATUS_CHANGE",
        "FBA_INVENTORY_AVAILABILITY_CHANGES",
        "FBA_OUTBOUND_SHIPMENT_STATUS",
        "FEED_PROCESSING_FINISHED",
        "FEE_PROMOTION",
        "FULFILLMENT_ORDER_STATUS",
        "ITEM_INVENTORY_EVENT_CHANGE",
        "ITEM_SALES_EVENT_CHANGE",
        "ORDER_CHANGE",
        "PRICING_HEALTH",
        "REPORT_PROCESSING_FINISHED",
        "TRANSACTION_UPDATE",
    }
)


def require_known(notification_type: str) -> None:
    if notification_type not in PAYLOAD_VERSIONS:
        raise RuleViolation(f"Invalid notificationType: {notification_type} is not a notification type Amazon documents.")


def require_payload_version(notification_type: str, payload_version: str) -> None:
    versions = PAYLOAD_VERSIONS[notification_type]
    if payload_version not in versions:
        raise RuleViolation(
            f"Invalid payloadVersion: {payload_version} is not a payload version of {notification_type} ({', '.join(versions)})."
        )


def version_rank(notification_type: str, payload_version: str) -> int:
    """How late a payload version is among its type's (getSubscription answers the latest)."""
    versions = PAYLOAD_VERSIONS[notification_type]
    return versions.index(payload_version) if payload_version in versions else -1
