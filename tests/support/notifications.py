"""Notifications as seller software meets them through a live mock (a ``MockSeller``): its tokens,
a destination and a subscription made with the Notifications API, a paid order and the cancellation
feed that notify, and Amazon's payload schemas as the oracle of every notification received.
"""

from __future__ import annotations

import uuid

import httpx
from jsonschema import Draft7Validator

from spapi_mock.testing import MockSeller

from support.reference import reference_model

NOTIFICATIONS_SCOPE = "sellingpartnerapi::notifications"
US = "ATVPDKIKX0DER"
FEEDS = "/feeds/2021-06-30"
SCHEMAS = {
    "ORDER_CHANGE": "OrderChangeNotification.json",
    "FEED_PROCESSING_FINISHED": "FeedProcessingFinishedNotification.json",
    "REPORT_PROCESSING_FINISHED": "ReportProcessingFinishedNotification.json",
    "TRANSACTION_UPDATE": "TransactionUpdateNotification.json",
}
PAYLOAD_VERSIONS = {
    "ORDER_CHANGE": "1.0",
    "FEED_PROCESSING_FINISHED": "2020-09-04",
    "REPORT_PROCESSING_FINISHED": "2020-09-04",
    "TRANSACTION_UPDATE": "1.0",
}


def assert_valid(notification: dict) -> None:
    """The notification validates against Amazon's payload schema of its type."""
    kind = notification.get("NotificationType") or notification["notificationType"]
    schema = reference_model(SCHEMAS[kind])
    errors = sorted(Draft7Validator(schema).iter_errors(notification), key=lambda e: list(e.absolute_path))
    assert not errors, f"{kind}: " + "; ".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5])


def queue_arn() -> str:
    """The ARN of an SQS queue of its own: Amazon refuses a second destination of the same queue."""
    return f"arn:aws:sqs:us-east-1:000000000000:orders-{uuid.uuid4().hex[:8]}"


def token(seller: MockSeller, **form) -> dict:
    """The headers of an access token for ``form`` (by default the seller's refresh token)."""
    form = form or {"grant_type": "refresh_token", "refresh_token": seller.refresh_token}
    answer = httpx.post(seller.token_url, data={"client_id": "app", "client_secret": "secret", **form})
    assert answer.status_code == 200, answer.text
    return {"x-amz-access-token": answer.json()["access_token"]}


def destination(seller: MockSeller, **resource_specification) -> str:
    """A destination made with a grantless token, as on Amazon; by default an SQS queue of its own,
    for tests that read notifications from the inbox rather than from a queue. Its id."""
    resource_specification = resource_specification or {"sqs": {"arn": queue_arn()}}
    grantless = token(seller, grant_type="client_credentials", scope=NOTIFICATIONS_SCOPE)
    body = {"name": "orders", "resourceSpecification": resource_specification}
    created = httpx.post(f"{seller.base_url}/notifications/v1/destinations", json=body, headers=grantless)
    assert created.status_code == 200, created.text
    return created.json()["payload"]["destinationId"]


def subscribe(
    seller: MockSeller, notification_type: str, destination_id: str | None = None, *, processing_directive: dict | None = None
) -> str:
    """The seller's subscription to ``destination_id`` (a new default destination without one); its id."""
    body = {
        "payloadVersion": PAYLOAD_VERSIONS[notification_type],
        "destinationId": destination_id or destination(seller),
    }
    if processing_directive:
        body["processingDirective"] = processing_directive
    url = f"{seller.base_url}/notifications/v1/subscriptions/{notification_type}"
    created = httpx.post(url, json=body, headers=token(seller))
    assert created.status_code == 200, created.text
    return created.json()["payload"]["subscriptionId"]


def paid_order(seller: MockSeller, *quantities: int) -> tuple[str, list[str]]:
    """An Unshipped order of one item per quantity: (order id, item ids)."""
    order = seller.create_order(items=[{"QuantityOrdered": q} for q in quantities], OrderStatus="Unshipped")
    order_id = order["AmazonOrderId"]
    items = seller.control.order(order_id, seller.seller_id)["items"]
    return order_id, [item["OrderItemId"] for item in items]


def change_of(notification: dict) -> dict:
    return notification["Payload"]["OrderChangeNotification"]


def cancellation_feed(seller: MockSeller, order_id: str, items: list[str]) -> str:
    """The seller's order acknowledgement feed cancelling the items (BuyerCanceled), submitted
    through the Feeds API as an SDK does; its feedId."""
    lines = "".join(
        f"<Item><AmazonOrderItemCode>{i}</AmazonOrderItemCode><CancelReason>BuyerCanceled</CancelReason></Item>" for i in items
    )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><AmazonEnvelope><Header><DocumentVersion>1.01</DocumentVersion>'
        "<MerchantIdentifier>M</MerchantIdentifier></Header><MessageType>OrderAcknowledgement</MessageType>"
        f"<Message><MessageID>1</MessageID><OrderAcknowledgement><AmazonOrderID>{order_id}</AmazonOrderID>"
        f"<StatusCode>Failure</StatusCode>{lines}</OrderAcknowledgement></Message></AmazonEnvelope>"
    )
    headers = token(seller)
    content_type = "text/xml; charset=UTF-8"
    document = httpx.post(f"{seller.base_url}{FEEDS}/documents", json={"contentType": content_type}, headers=headers).json()
    assert httpx.put(document["url"], content=xml, headers={"Content-Type": content_type}).status_code == 200
    body = {
        "feedType": "POST_ORDER_ACKNOWLEDGEMENT_DATA",
        "marketplaceIds": [US],
        "inputFeedDocumentId": document["feedDocumentId"],
    }
    created = httpx.post(f"{seller.base_url}{FEEDS}/feeds", json=body, headers=headers)
    assert created.status_code == 202, created.text
    return created.json()["feedId"]
