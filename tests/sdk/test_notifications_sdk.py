"""Real SDK clients set up notifications against a live server under strict auth, as Amazon's
guide has them do it: a destination with a grantless token (client_credentials, scope
sellingpartnerapi::notifications), then a subscription with the seller's token.

python-amazon-sp-api's ``Notifications`` asks for the grantless token itself on its destination
calls (``_request_grantless_operation``); amzn-sp-api (Amazon's own SDK) takes ``scope=`` in its
``SPAPIConfig`` for a client whose token is a grantless one, and a refresh token for the seller's.
"""

from __future__ import annotations

import uuid

import pytest

from spapi_mock.kernel import resources

from support.sdk import CLIENT_ID, CLIENT_SECRET, python_sp_api_client, refresh_token

SCOPE = "sellingpartnerapi::notifications"
# Strict: a token of the wrong kind is refused, so the SDKs prove they ask for the right one.
SERVE = ("--fixtures", str(resources.default_fixtures_dir()), "--strict-auth")


def queue_arn(label: str) -> str:
    return f"arn:aws:sqs:us-east-1:000000000000:{label}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def psa_notifications(server):
    client = python_sp_api_client("Notifications", server.base_url, refresh_token("notifications"))
    yield client
    client.close()


def test_python_amazon_sp_api_creates_a_destination_and_a_subscription(psa_notifications):
    arn = queue_arn("psa")
    destination = psa_notifications.create_destination(name="orders", arn=arn).payload
    assert destination["resource"] == {"sqs": {"arn": arn}} and destination["name"] == "orders"
    destination_id = destination["destinationId"]
    assert destination_id in [d["destinationId"] for d in psa_notifications.get_destinations().payload]
    assert psa_notifications.get_destination(destination_id).payload == destination

    # Notification types as plain strings: python-amazon-sp-api writes its NotificationType enum (a
    # str subclass) into the path with format(), which on Python 3.11 gives "NotificationType.ORDER_CHANGE".
    created = psa_notifications.create_subscription("ORDER_CHANGE", destination_id=destination_id).payload
    assert created["destinationId"] == destination_id and created["payloadVersion"] == "1.0"
    assert psa_notifications.get_subscription("ORDER_CHANGE").payload == created
    by_id = psa_notifications.get_subscription_by_id("ORDER_CHANGE", created["subscriptionId"])
    assert by_id.payload == created

    psa_notifications.delete_notification_subscription("ORDER_CHANGE", created["subscriptionId"])
    psa_notifications.delete_destination(destination_id)
    assert destination_id not in [d["destinationId"] for d in psa_notifications.get_destinations().payload]


def test_python_amazon_sp_api_sees_amazons_conflict_for_the_same_queue_twice(psa_notifications):
    from sp_api.base.exceptions import SellingApiStateConflictException

    arn = queue_arn("psa-twice")
    first = psa_notifications.create_destination(name="orders", arn=arn).payload["destinationId"]
    with pytest.raises(SellingApiStateConflictException) as refused:
        psa_notifications.create_destination(name="again", arn=arn)
    (error,) = refused.value.error
    assert error["code"] == "Conflict" and first in error["details"]
    psa_notifications.delete_destination(first)


def test_amzn_sp_api_creates_a_destination_with_a_grantless_client_and_subscribes_for_the_seller(server):
    from spapi import NotificationsApi, SPAPIClient, SPAPIConfig
    from spapi.models.notifications_v1 import (
        CreateDestinationRequest,
        CreateSubscriptionRequest,
        DestinationResourceSpecification,
        EventFilter,
        ProcessingDirective,
        SqsResource,
    )

    def client(**credentials) -> NotificationsApi:
        config = SPAPIConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, region="NA", **credentials)
        spapi = SPAPIClient(config, oauth_endpoint=f"{server.base_url}/auth/o2/token", endpoint=server.base_url)
        return NotificationsApi(spapi.api_client)

    application, seller = client(scope=SCOPE), client(refresh_token=refresh_token("amzn-notifications"))
    arn = queue_arn("amzn")
    request = CreateDestinationRequest(
        name="orders", resource_specification=DestinationResourceSpecification(sqs=SqsResource(arn=arn))
    )
    destination = application.create_destination(request).payload
    assert destination.resource.sqs.arn == arn
    assert destination.destination_id in [d.destination_id for d in application.get_destinations().payload]

    event_filter = EventFilter(
        event_filter_type="ORDER_CHANGE", order_change_types=["BuyerRequestedChange"], marketplace_ids=["ATVPDKIKX0DER"]
    )
    body = CreateSubscriptionRequest(
        payload_version="1.0",
        destination_id=destination.destination_id,
        processing_directive=ProcessingDirective(event_filter=event_filter),
    )
    created = seller.create_subscription("ORDER_CHANGE", body).payload
    assert created.destination_id == destination.destination_id
    assert created.processing_directive.event_filter.order_change_types == ["BuyerRequestedChange"]
    assert seller.get_subscription("ORDER_CHANGE").payload.subscription_id == created.subscription_id
    # Grantless at Amazon: the application's client reads and deletes the seller's subscription by id.
    assert application.get_subscription_by_id(created.subscription_id, "ORDER_CHANGE").payload.subscription_id == (
        created.subscription_id
    )
    application.delete_subscription_by_id(created.subscription_id, "ORDER_CHANGE")
    application.delete_destination(destination.destination_id)
