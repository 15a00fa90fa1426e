"""Subscriptions and destinations as the store holds them, read by whatever notifies.

A destination (application-wide, as on Amazon)::

    {"destinationId": str, "name": str,
     "resource": {"sqs": {"arn": str}} | {"eventBridge": {"name": str, "region": str, "accountId": str}}}

A subscription (one seller's)::

    {"seller_id": str, "subscriptionId": str, "notificationType": str, "payloadVersion": str,
     "destinationId": str, "processingDirective": {...}}  # processingDirective only when given
"""

from __future__ import annotations

from spapi_mock.store.database import Store


def subscriptions_of(store: Store, seller_id: str, notification_type: str) -> list[dict]:
    """The seller's subscriptions to this notification type (by subscription id): whom a change
    of that type notifies."""
    return store.subscriptions.of_type(seller_id, notification_type)


def destination(store: Store, destination_id: str) -> dict | None:
    """The destination with this id, or None."""
    return store.destinations.get_destination(destination_id)
