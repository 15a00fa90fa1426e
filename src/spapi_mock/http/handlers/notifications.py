"""Notifications API v1 handlers: read the parameters, ask the notifications backend, shape the
response (Amazon's ``payload`` envelope).

Routes, parameters, validation and which token each operation takes come from
``openapi/notifications-v1.yaml``; the rules live in ``spapi_mock.notifications``.
"""

from __future__ import annotations

from spapi_mock.http.handlers.context import grant, seller_id, services
from spapi_mock.notifications.service import wire_subscription


def get_subscriptions(notificationTypes: list[str], payloadVersion: str | None = None, **params) -> dict:
    svc, seller = services(), seller_id()
    (notification_type,) = notificationTypes
    query = {"notificationTypes": notification_type, "payloadVersion": payloadVersion}
    given = {name: value for name, value in query.items() if value is not None}

    def fetch(query: dict, _context, after: str | None, size: int) -> tuple[list, str | None, dict]:
        found = svc.notifications.subscriptions(seller, query["notificationTypes"], query.get("payloadVersion"))
        rest = [doc for doc in found if after is None or doc["subscriptionId"] > after]
        page = rest[:size]
        return page, (page[-1]["subscriptionId"] if len(rest) > size else None), {}

    page = svc.pager.page("getSubscriptions", seller, given, fetch, token=params.get("nextToken"), size=params.get("pageSize"))
    payload: dict = {"subscriptions": [wire_subscription(doc) for doc in page.items]}
    if page.next_token is not None:
        payload["nextToken"] = page.next_token
    return {"payload": payload}


def get_subscription(notificationType: str, payloadVersion: str | None = None) -> dict:
    return {"payload": wire_subscription(services().notifications.subscription(seller_id(), notificationType, payloadVersion))}


def create_subscription(notificationType: str, body: dict) -> dict:
    return {"payload": wire_subscription(services().notifications.create_subscription(seller_id(), notificationType, body))}


def get_subscription_by_id(notificationType: str, subscriptionId: str) -> dict:
    found = services().notifications.subscription_by_id(_seller_unless_grantless(), notificationType, subscriptionId)
    return {"payload": wire_subscription(found)}


def delete_subscription_by_id(notificationType: str, subscriptionId: str) -> dict:
    services().notifications.delete_subscription(_seller_unless_grantless(), notificationType, subscriptionId)
    return {}


def get_destinations() -> dict:
    return {"payload": services().notifications.destinations()}


def create_destination(body: dict) -> dict:
    return {"payload": services().notifications.create_destination(body)}


def get_destination(destinationId: str) -> dict:
    return {"payload": services().notifications.destination(destinationId)}


def delete_destination(destinationId: str) -> dict:
    services().notifications.delete_destination(destinationId)
    return {}


def _seller_unless_grantless() -> str | None:
    """A grantless token reaches any subscription of the application; a seller's, its own."""
    return None if grant().grantless else seller_id()
