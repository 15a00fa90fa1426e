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


# amazon-sp-api (Node): it asks for a grantless token itself on the operations it lists as grantless
# (destinations, and getSubscriptionById/deleteSubscriptionById), and the seller's elsewhere. Its
# requests go to Amazon's hosts over https; the agent (as examples/js/amz-tools.mjs) sends them here.
NODE_SCRIPT = """
import http from "node:http";
import SellingPartner from "amazon-sp-api";

const mock = new URL(process.argv[2]);
class MockAgent extends http.Agent {
  protocol = "https:";
  createConnection(options, callback) {
    return super.createConnection({ host: mock.hostname, port: mock.port }, callback);
  }
}
const sp = new SellingPartner({
  region: "na",
  refresh_token: "Atzr|node-notifications",
  credentials: { SELLING_PARTNER_APP_CLIENT_ID: "amzn1.application-oa2-client.demo",
                 SELLING_PARTNER_APP_CLIENT_SECRET: "any" },
  options: { https_proxy_agent: new MockAgent(), auto_request_throttled: false },
});
const destination = await sp.callAPI({ operation: "notifications.createDestination",
  body: { name: "orders", resourceSpecification: { sqs: { arn: process.argv[3] } } } });
const subscription = await sp.callAPI({ operation: "notifications.createSubscription",
  path: { notificationType: "ORDER_CHANGE" },
  body: { payloadVersion: "1.0", destinationId: destination.destinationId } });
const read = await sp.callAPI({ operation: "notifications.getSubscriptionById",
  path: { notificationType: "ORDER_CHANGE", subscriptionId: subscription.subscriptionId } });
await sp.callAPI({ operation: "notifications.deleteSubscriptionById",
  path: { notificationType: "ORDER_CHANGE", subscriptionId: subscription.subscriptionId } });
await sp.callAPI({ operation: "notifications.deleteDestination", path: { destinationId: destination.destinationId } });
console.log(JSON.stringify({ destination, subscription, read }));
"""


def test_node_amazon_sp_api_creates_a_destination_and_a_subscription(server, control, node_modules, tmp_path):
    import json
    import subprocess

    from support.node import NODE

    control.clear_journal()
    script = tmp_path / "notifications.mjs"
    script.write_text(NODE_SCRIPT, encoding="utf-8")
    (tmp_path / "node_modules").symlink_to(node_modules)
    arn = queue_arn("node")
    result = subprocess.run([NODE, script.name, server.base_url, arn], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    shown = json.loads(result.stdout)
    assert shown["destination"]["resource"] == {"sqs": {"arn": arn}}
    assert shown["subscription"]["destinationId"] == shown["destination"]["destinationId"]
    assert shown["read"] == shown["subscription"]
    # Strict auth: every call was answered 200, so each carried the kind of token it needs.
    calls = [(entry["operation"], entry["status"]) for entry in control.journal()["requests"]]
    assert [status for _, status in calls] == [200] * len(calls), calls
    assert [operation for operation, _ in calls if operation != "createToken"] == [
        "createDestination",
        "createSubscription",
        "getSubscriptionById",
        "deleteSubscriptionById",
        "deleteDestination",
    ], calls
