"""The Notifications API v1 through a real socket, as seller software calls it: destinations
(application-wide, grantless), subscriptions (the seller's), and Amazon's refusals.

What Amazon answers, from its model and what developers report of it: a second destination of
the same SQS queue is 409 ``Conflict`` ("A destination with arn ... already exists for the
application ...", amzn/selling-partner-api-models#2113); a second subscription to the same type
is 409 ``StateConflict`` ("Subscription already exist for notification type ...", docs#3448);
deleting a destination that subscriptions use is refused with "Destination has subscriptions"
(#2113); destinations and getSubscriptionById/deleteSubscriptionById are grantless (Amazon's
model and "Grantless operations"), the others act for the seller of the token.
"""

from __future__ import annotations

import uuid

import pytest

from support.http import make_app, over_a_socket, seller_token
from support.notifications import NOTIFICATIONS_SCOPE, US, queue_arn


@pytest.fixture(scope="module")
def api():
    with over_a_socket(make_app()) as client:
        yield client


@pytest.fixture(scope="module")
def strict():
    with over_a_socket(make_app(strict_auth=True)) as client:
        yield client


def grantless_token(client, scope: str = NOTIFICATIONS_SCOPE) -> dict:
    """A client_credentials token, as python-amazon-sp-api and Amazon's SDK ask for one."""
    form = {"grant_type": "client_credentials", "scope": scope, "client_id": "app", "client_secret": "secret"}
    response = client.post("/auth/o2/token", data=form, token=False)
    assert response.status_code == 200, response.text
    reply = response.json()
    assert reply["token_type"] == "bearer" and "refresh_token" not in reply
    return {"x-amz-access-token": reply["access_token"]}


def create_destination(client, headers: dict | None = None, **spec) -> dict:
    body = {"name": "orders", "resourceSpecification": spec or {"sqs": {"arn": queue_arn()}}}
    response = client.post("/notifications/v1/destinations", json=body, headers=headers or {})
    assert response.status_code == 200, response.text
    assert response.headers["x-amzn-RateLimit-Limit"] == "1"  # Amazon's usage plan: 1 request/s, burst 5
    return response.json()["payload"]


def subscribe(client, notification_type: str, destination_id: str, headers: dict | None = None, **fields):
    body = {"payloadVersion": "1.0", "destinationId": destination_id, **fields}
    return client.post(f"/notifications/v1/subscriptions/{notification_type}", json=body, headers=headers or {})


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.text
    (error,) = response.json()["errors"]
    return error


# -- destinations ----------------------------------------------------------------------------------


def test_a_destination_is_created_read_listed_and_deleted(api):
    arn = queue_arn()
    created = create_destination(api, name="orders", sqs={"arn": arn})
    assert created["resource"] == {"sqs": {"arn": arn}} and created["name"] == "orders"
    uuid.UUID(created["destinationId"])  # Amazon's ids are UUIDs
    path = f"/notifications/v1/destinations/{created['destinationId']}"
    assert api.get(path).json() == {"payload": created}
    assert created in api.get("/notifications/v1/destinations").json()["payload"]
    deleted = api.delete(path)
    assert deleted.status_code == 200 and deleted.json() == {}
    assert error_of(api.get(path), 404)["code"] == "NotFound"
    assert created not in api.get("/notifications/v1/destinations").json()["payload"]
    assert error_of(api.delete(path), 404)["code"] == "NotFound"


def test_the_same_queue_twice_is_amazons_409_conflict_naming_the_destination(api):
    arn = queue_arn()
    first = create_destination(api, sqs={"arn": arn})
    again = api.post("/notifications/v1/destinations", json={"name": "other", "resourceSpecification": {"sqs": {"arn": arn}}})
    error = error_of(again, 409)
    assert error["code"] == "Conflict"
    assert error["message"] == "The requested resource conflict with a resource in the server."
    assert error["details"].startswith(f"A destination with arn {arn} already exists for the application ")
    assert first["destinationId"] in error["details"]


def test_an_eventbridge_destination_names_its_partner_event_source_and_is_one_per_account(api):
    account = str(uuid.uuid4().int)[:12]
    created = create_destination(api, eventBridge={"region": "us-east-1", "accountId": account})
    bridge = created["resource"]["eventBridge"]
    assert (bridge["region"], bridge["accountId"]) == ("us-east-1", account)
    # Amazon's use case guide: aws.partner/sellingpartnerapi.amazon.com/{AWS Account Id}/{Application Id}.
    assert bridge["name"].startswith(f"aws.partner/sellingpartnerapi.amazon.com/{account}/amzn1.sellerapps.app.")
    again = {"name": "b", "resourceSpecification": {"eventBridge": {"region": "us-west-2", "accountId": account}}}
    error = error_of(api.post("/notifications/v1/destinations", json=again), 409)
    assert error["code"] == "Conflict" and account in error["details"] and created["destinationId"] in error["details"]


@pytest.mark.parametrize(
    "body, named",
    [
        ({"name": "x", "resourceSpecification": {}}, "resourceSpecification"),
        (
            {
                "name": "x",
                "resourceSpecification": {
                    "sqs": {"arn": "arn:aws:sqs:us-east-1:000000000000:q"},
                    "eventBridge": {"region": "us-east-1", "accountId": "1"},
                },
            },
            "resourceSpecification",
        ),
        ({"name": "x", "resourceSpecification": {"sqs": {"arn": "not-an-arn"}}}, "arn"),
        ({"name": "x", "resourceSpecification": {"eventBridge": {"region": "us-east-1"}}}, "accountId"),
        ({"name": "x" * 257, "resourceSpecification": {"sqs": {"arn": "arn:aws:sqs:us-east-1:000000000000:long"}}}, "name"),
        ({"resourceSpecification": {"sqs": {"arn": "arn:aws:sqs:us-east-1:000000000000:q"}}}, "name"),
    ],
)
def test_a_bad_destination_is_400_invalid_input_naming_the_field(api, body, named):
    error = error_of(api.post("/notifications/v1/destinations", json=body), 400)
    assert error["code"] == "InvalidInput" and named in error["message"] + error["details"]


# -- subscriptions ---------------------------------------------------------------------------------


def test_a_subscription_is_created_read_listed_and_deleted(api):
    headers = seller_token(api, f"A{uuid.uuid4().hex[:12].upper()}")
    destination = create_destination(api)["destinationId"]
    directive = {
        "eventFilter": {
            "eventFilterType": "ORDER_CHANGE",
            "orderChangeTypes": ["BuyerRequestedChange"],
            "marketplaceIds": [US],
            "aggregationSettings": {"aggregationTimePeriod": "FiveMinutes"},
        }
    }
    created = subscribe(api, "ORDER_CHANGE", destination, headers, processingDirective=directive)
    assert created.status_code == 200, created.text
    subscription = created.json()["payload"]
    assert subscription == {
        "subscriptionId": subscription["subscriptionId"],
        "payloadVersion": "1.0",
        "destinationId": destination,
        "processingDirective": directive,
    }
    uuid.UUID(subscription["subscriptionId"])
    by_type = api.get("/notifications/v1/subscriptions/ORDER_CHANGE", headers=headers)
    assert by_type.json() == {"payload": subscription}
    listed = api.get("/notifications/v1/subscriptions", params={"notificationTypes": "ORDER_CHANGE"}, headers=headers)
    assert listed.json() == {"payload": {"subscriptions": [subscription]}}
    path = f"/notifications/v1/subscriptions/ORDER_CHANGE/{subscription['subscriptionId']}"
    assert api.get(path, headers=headers).json() == {"payload": subscription}
    deleted = api.delete(path, headers=headers)
    assert deleted.status_code == 200 and deleted.json() == {}
    assert error_of(api.get("/notifications/v1/subscriptions/ORDER_CHANGE", headers=headers), 404)["code"] == "NotFound"
    assert error_of(api.get(path, headers=headers), 404)["code"] == "NotFound"
    assert api.get("/notifications/v1/subscriptions", params={"notificationTypes": "ORDER_CHANGE"}, headers=headers).json() == {
        "payload": {"subscriptions": []}
    }


def test_a_second_subscription_to_a_type_is_409_state_conflict_naming_the_existing_one(api):
    headers = seller_token(api, f"A{uuid.uuid4().hex[:12].upper()}")
    first, other = create_destination(api)["destinationId"], create_destination(api)["destinationId"]
    existing = subscribe(api, "FEED_PROCESSING_FINISHED", first, headers).json()["payload"]["subscriptionId"]
    for destination in (first, other):  # Amazon refuses another destination too (docs#3448)
        error = error_of(subscribe(api, "FEED_PROCESSING_FINISHED", destination, headers), 409)
        assert error["code"] == "StateConflict"
        assert error["message"] == "The resource specified conflicts with the current state."
        assert error["details"].startswith("Subscription already exist for notification type FEED_PROCESSING_FINISHED")
        assert existing in error["details"]
    # Another payload version of the type is another subscription (Amazon's createSubscription says so).
    newer = subscribe(api, "FEED_PROCESSING_FINISHED", first, headers, payloadVersion="2020-09-04")
    assert newer.status_code == 200, newer.text
    latest = api.get("/notifications/v1/subscriptions/FEED_PROCESSING_FINISHED", headers=headers).json()["payload"]
    assert latest == newer.json()["payload"]  # without payloadVersion: the latest version's
    older = api.get("/notifications/v1/subscriptions/FEED_PROCESSING_FINISHED", params={"payloadVersion": "1.0"}, headers=headers)
    assert older.json()["payload"]["subscriptionId"] == existing


def test_subscriptions_are_the_sellers_and_a_grantless_token_reaches_any_of_the_application(api):
    alice, bob = (seller_token(api, f"A{uuid.uuid4().hex[:12].upper()}") for _ in range(2))
    destination = create_destination(api)["destinationId"]
    mine = subscribe(api, "REPORT_PROCESSING_FINISHED", destination, alice).json()["payload"]
    path = f"/notifications/v1/subscriptions/REPORT_PROCESSING_FINISHED/{mine['subscriptionId']}"
    assert error_of(api.get("/notifications/v1/subscriptions/REPORT_PROCESSING_FINISHED", headers=bob), 404)
    assert error_of(api.get(path, headers=bob), 404)["code"] == "NotFound"
    assert error_of(api.delete(path, headers=bob), 404)["code"] == "NotFound"
    # Bob subscribes to the same type: his own subscription, no conflict with Alice's.
    assert subscribe(api, "REPORT_PROCESSING_FINISHED", destination, bob).status_code == 200
    # The id under another notification type is not found either.
    other_type = f"/notifications/v1/subscriptions/ORDER_CHANGE/{mine['subscriptionId']}"
    assert error_of(api.get(other_type, headers=alice), 404)["code"] == "NotFound"
    app_token = grantless_token(api)
    assert api.get(path, headers=app_token).json() == {"payload": mine}
    assert api.delete(path, headers=app_token).status_code == 200
    assert error_of(api.get(path, headers=alice), 404)["code"] == "NotFound"


def test_a_destination_in_use_is_not_deleted_until_its_subscriptions_are(api):
    headers = seller_token(api, f"A{uuid.uuid4().hex[:12].upper()}")
    destination = create_destination(api)["destinationId"]
    subscription = subscribe(api, "ORDER_CHANGE", destination, headers).json()["payload"]["subscriptionId"]
    refused = api.delete(f"/notifications/v1/destinations/{destination}")
    error = error_of(refused, 403)
    assert error["code"] == "Unauthorized" and error["message"] == "The requested action is forbidden."
    assert error["details"].startswith("Destination has subscriptions") and subscription in error["details"]
    assert api.get(f"/notifications/v1/destinations/{destination}").status_code == 200
    assert api.delete(f"/notifications/v1/subscriptions/ORDER_CHANGE/{subscription}", headers=headers).status_code == 200
    assert api.delete(f"/notifications/v1/destinations/{destination}").status_code == 200


def test_a_subscription_to_a_destination_that_does_not_exist_is_404(api):
    error = error_of(subscribe(api, "ORDER_CHANGE", str(uuid.uuid4())), 404)
    assert error["code"] == "NotFound" and "Destination" in error["message"]


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/notifications/v1/subscriptions/ORDER_CHANGED"),
        ("POST", "/notifications/v1/subscriptions/ORDER_CHANGED"),
        ("GET", "/notifications/v1/subscriptions/ORDER_CHANGED/6d3f5d5e-0000-4000-8000-000000000000"),
        ("DELETE", "/notifications/v1/subscriptions/ORDER_CHANGED/6d3f5d5e-0000-4000-8000-000000000000"),
        ("GET", "/notifications/v1/subscriptions?notificationTypes=ORDER_CHANGED"),
    ],
)
def test_an_unknown_notification_type_is_400_naming_it(api, method, path):
    destination = create_destination(api)["destinationId"]
    body = {"payloadVersion": "1.0", "destinationId": destination} if method == "POST" else None
    error = error_of(api.request(method, path, json=body), 400)
    assert error["code"] == "InvalidInput" and "ORDER_CHANGED" in error["message"]


@pytest.mark.parametrize(
    "notification_type, fields, named",
    [
        ("ORDER_CHANGE", {"payloadVersion": "2.0"}, "payloadVersion"),
        ("ORDER_CHANGE", {"payloadVersion": "2020-09-04"}, "payloadVersion"),
        ("ORDER_CHANGE", {"processingDirective": {"eventFilter": {"eventFilterType": "ANY_OFFER_CHANGED"}}}, "eventFilterType"),
        ("ORDER_CHANGE", {"processingDirective": {"eventFilter": {"marketplaceIds": [US]}}}, "eventFilterType"),
        ("ORDER_CHANGE", {"processingDirective": {"eventFilter": {"eventFilterType": "ORDER_CHANGED"}}}, "eventFilterType"),
        (
            "ORDER_CHANGE",
            {"processingDirective": {"eventFilter": {"eventFilterType": "ORDER_CHANGE", "orderChangeTypes": ["StatusChange"]}}},
            "orderChangeTypes",
        ),
        (
            "ORDER_CHANGE",
            {"processingDirective": {"eventFilter": {"eventFilterType": "ORDER_CHANGE", "marketplaceIds": ["XX"]}}},
            "marketplaceIds",
        ),
        (
            "ORDER_CHANGE",
            {
                "processingDirective": {
                    "eventFilter": {
                        "eventFilterType": "ORDER_CHANGE",
                        "aggregationSettings": {"aggregationTimePeriod": "OneHour"},
                    }
                }
            },
            "aggregationTimePeriod",
        ),
        (
            "ORDER_CHANGE",
            {
                "processingDirective": {
                    "eventFilter": {"eventFilterType": "ORDER_CHANGE", "trackingIdentifier": {"id": "TBA1"}},
                }
            },
            "trackingIdentifier",
        ),
        (
            "ORDER_CHANGE",
            {"processingDirective": {"eventFilter": {"eventFilterType": "ORDER_CHANGE"}, "filterExpression": "true"}},
            "filterExpression",
        ),
        (
            "ANY_OFFER_CHANGED",
            {
                "processingDirective": {
                    "eventFilter": {"eventFilterType": "ANY_OFFER_CHANGED", "orderChangeTypes": ["OrderStatusChange"]}
                }
            },
            "orderChangeTypes",
        ),
        (
            "FEED_PROCESSING_FINISHED",
            {"processingDirective": {"eventFilter": {"eventFilterType": "ORDER_CHANGE"}}},
            "eventFilter",
        ),
        ("ORDER_CHANGE", {"processingDirective": {"filterExpression": ""}}, "filterExpression"),
        ("BRANDED_ITEM_CONTENT_CHANGE", {"processingDirective": {"filterExpression": "true"}}, "filterExpression"),
        ("ORDER_CHANGE", {"destinationId": None}, "destinationId"),
    ],
)
def test_a_bad_subscription_is_400_invalid_input_naming_the_field(api, notification_type, fields, named):
    headers = seller_token(api, f"A{uuid.uuid4().hex[:12].upper()}")
    destination = create_destination(api)["destinationId"]
    body = {"payloadVersion": "1.0", "destinationId": destination, **fields}
    body = {name: value for name, value in body.items() if value is not None}
    response = api.post(f"/notifications/v1/subscriptions/{notification_type}", json=body, headers=headers)
    error = error_of(response, 400)
    assert error["code"] == "InvalidInput" and named in error["message"] + error["details"], error
    # Nothing was subscribed.
    assert api.get(f"/notifications/v1/subscriptions/{notification_type}", headers=headers).status_code == 404


@pytest.mark.parametrize("page_size", ["29", "101"])
def test_get_subscriptions_takes_amazons_page_sizes_only(api, page_size):
    response = api.get("/notifications/v1/subscriptions", params={"notificationTypes": "ORDER_CHANGE", "pageSize": page_size})
    assert error_of(response, 400)["code"] == "InvalidInput"


def test_get_subscriptions_names_exactly_one_type(api):
    params = {"notificationTypes": "ORDER_CHANGE,FEED_PROCESSING_FINISHED"}
    assert error_of(api.get("/notifications/v1/subscriptions", params=params), 400)["code"] == "InvalidInput"


# -- grantless tokens --------------------------------------------------------------------------------


def test_the_token_endpoint_issues_a_grantless_token_for_a_known_scope_only(api):
    grantless_token(api)
    grantless_token(api, "sellingpartnerapi::client_credential:rotation")
    form = {"grant_type": "client_credentials", "scope": "sellingpartnerapi::orders", "client_id": "a", "client_secret": "b"}
    refused = api.post("/auth/o2/token", data=form, token=False)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_scope"


def test_strict_auth_takes_a_grantless_token_for_destinations_and_a_sellers_for_subscriptions(strict):
    app_token, seller = grantless_token(strict), seller_token(strict, "A1MOCKSELLER00")
    destination = create_destination(strict, app_token)["destinationId"]
    for token in (app_token, seller):
        assert strict.get(f"/notifications/v1/destinations/{destination}", headers=token).status_code == (
            200 if token is app_token else 403
        )
    refused = strict.post(
        "/notifications/v1/destinations",
        json={"name": "q", "resourceSpecification": {"sqs": {"arn": queue_arn()}}},
        headers=seller,
    )
    error = error_of(refused, 403)
    assert error["code"] == "Unauthorized" and "grantless" in error["details"] and NOTIFICATIONS_SCOPE in error["details"]
    assert error_of(strict.get("/notifications/v1/destinations", headers=seller), 403)["code"] == "Unauthorized"
    # A grantless token acts for no seller: the seller's operations refuse it.
    assert error_of(subscribe(strict, "ORDER_CHANGE", destination, app_token), 403)["code"] == "Unauthorized"
    assert error_of(strict.get("/notifications/v1/subscriptions/ORDER_CHANGE", headers=app_token), 403)
    subscription = subscribe(strict, "ORDER_CHANGE", destination, seller).json()["payload"]["subscriptionId"]
    path = f"/notifications/v1/subscriptions/ORDER_CHANGE/{subscription}"
    # getSubscriptionById and deleteSubscriptionById: either token.
    assert strict.get(path, headers=seller).status_code == 200
    assert strict.get(path, headers=app_token).status_code == 200
    assert strict.delete(path, headers=app_token).status_code == 200
    assert strict.delete(f"/notifications/v1/destinations/{destination}", headers=app_token).status_code == 200


def test_strict_auth_refuses_a_grantless_token_of_another_scope(strict):
    rotation = grantless_token(strict, "sellingpartnerapi::client_credential:rotation")
    error = error_of(strict.get("/notifications/v1/destinations", headers=rotation), 403)
    assert error["code"] == "Unauthorized" and NOTIFICATIONS_SCOPE in error["details"]


def test_lenient_auth_takes_any_token_on_every_operation(api):
    anything = {"x-amz-access-token": "Atza|anything"}
    destination = create_destination(api, anything)["destinationId"]
    assert api.get("/notifications/v1/destinations", headers=anything).status_code == 200
    app_token = grantless_token(api)
    created = subscribe(api, "REPORT_PROCESSING_FINISHED", destination, app_token)
    assert created.status_code == 200, created.text
    path = f"/notifications/v1/subscriptions/REPORT_PROCESSING_FINISHED/{created.json()['payload']['subscriptionId']}"
    assert api.delete(path, headers=anything).status_code == 200


# -- the control plane -------------------------------------------------------------------------------


def test_the_control_plane_lists_a_sellers_subscriptions_of_every_type_and_the_destinations(api):
    seller_id = f"A{uuid.uuid4().hex[:12].upper()}"
    headers = seller_token(api, seller_id)
    destination = create_destination(api)
    order_change = subscribe(api, "ORDER_CHANGE", destination["destinationId"], headers).json()["payload"]
    feeds = subscribe(api, "FEED_PROCESSING_FINISHED", destination["destinationId"], headers).json()["payload"]
    listed = api.get("/_mock/notifications/subscriptions", params={"sellerId": seller_id}, token=False)
    assert listed.status_code == 200, listed.text
    answer = listed.json()
    assert answer["sellerId"] == seller_id
    assert answer["subscriptions"] == [
        {**feeds, "notificationType": "FEED_PROCESSING_FINISHED"},
        {**order_change, "notificationType": "ORDER_CHANGE"},
    ]
    assert destination in answer["destinations"]
    other = api.get("/_mock/notifications/subscriptions", params={"sellerId": "A1MOCKSELLER00"}, token=False).json()
    assert order_change["subscriptionId"] not in {s["subscriptionId"] for s in other["subscriptions"]}


@pytest.mark.parametrize(
    "resource, named",
    [
        ({"sqs": {"arn": "arn:aws:sqs:us-east-1:000000000000:q\n"}}, "sqs.arn"),  # Amazon's pattern lets \n through
        ({"sqs": {"arn": "arn:aws:sqs:us-east-1:abc:orders"}}, "sqs.arn"),
        ({"sqs": {"arn": "arn:aws:sqs:us-east-1:000000000000:a/b"}}, "sqs.arn"),
        ({"sqs": {"arn": "arn:aws:sqs:us-east-1:000000000000:" + "q" * 81}}, "sqs.arn"),
        ({"eventBridge": {"region": "\ud7ff", "accountId": "000000000000"}}, "eventBridge.region"),
        ({"eventBridge": {"region": "x" * 100_000, "accountId": "000000000000"}}, "eventBridge.region"),
        ({"eventBridge": {"region": "us-east-1", "accountId": "not-an-account"}}, "eventBridge.accountId"),
        ({"eventBridge": {"region": "us-east-1", "accountId": "\u0661" * 12}}, "eventBridge.accountId"),  # Arabic-Indic digits
    ],
)
def test_a_destination_no_queue_or_account_can_have_is_refused_and_not_stored(api, resource, named):
    """Hostile input through the socket: an ARN, region or account AWS never issues is 400, and the
    application's destinations do not gain it (it would fail every delivery)."""
    before = api.get("/notifications/v1/destinations").json()["payload"]
    error = error_of(api.post("/notifications/v1/destinations", json={"name": "junk", "resourceSpecification": resource}), 400)
    assert error["code"] == "InvalidInput" and named in error["message"]
    assert api.get("/notifications/v1/destinations").json()["payload"] == before
