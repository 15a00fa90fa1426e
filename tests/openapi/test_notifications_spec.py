"""Our Notifications API v1 document is valid OpenAPI and says what Amazon's model says, field by
field: the checks Feeds and Reports are held to (spec_checks), run for Notifications, and
which operations are grantless (Amazon's descriptions say so)."""

from __future__ import annotations

import copy

import pytest
import yaml
from spec_checks import *  # noqa: F403  (the shared checks, collected with this module's fixtures)

from support import PROJECT_ROOT
from support.reference import NOTIFICATIONS, operations, our_operations, reference_model

# Amazon's sendTestNotification is sandbox-only (x-amzn-api-sandbox-only: its production endpoints
# have no such path): it and the three schemas only it uses are not part of our document.
SANDBOX_ONLY_SCHEMAS = {"SendTestNotificationRequest", "SendTestNotificationResponse", "TestNotification"}
PLANS = {
    name: ("1", 5)
    for name in (
        "getSubscriptions",
        "getSubscription",
        "createSubscription",
        "getSubscriptionById",
        "deleteSubscriptionById",
        "getDestinations",
        "createDestination",
        "getDestination",
        "deleteDestination",
    )
}
DECISIONS = (
    "grant_type client_credentials and scope sellingpartnerapi::notifications",
    "409 StateConflict whose details name the existing subscriptionId",
    "409 Conflict naming it",
    "'Destination has subscriptions'",
    "400 InvalidInput naming it",
    "the mock does not evaluate it",
)


@pytest.fixture(scope="module")
def api() -> tuple:
    return ("notifications-v1.yaml", NOTIFICATIONS, PLANS, DECISIONS)


@pytest.fixture(scope="module")
def ours() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "openapi" / "notifications-v1.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def amazon() -> dict:
    model = copy.deepcopy(reference_model(NOTIFICATIONS))
    model["paths"] = {path: item for path, item in model["paths"].items() if not item.get("x-amzn-api-sandbox-only")}
    for name in SANDBOX_ONLY_SCHEMAS:
        del model["definitions"][name]
    return model


def test_the_grantless_operations_are_those_amazon_says_are_grantless(ours, amazon):
    theirs = operations(amazon["paths"])
    for key, op in our_operations(ours).items():
        grantless = "is grantless" in theirs[key]["description"]
        schemes = {name for requirement in op.get("security", ours["security"]) for name in requirement}
        if not grantless:
            assert schemes == {"LwaAccessToken"}, key
        elif op["operationId"].endswith("SubscriptionById"):
            # A subscription belongs to a seller: Amazon's own SDKs call these with the seller's token too.
            assert schemes == {"LwaSellerOrGrantlessToken"}, key
        else:
            assert schemes == {"LwaGrantlessToken"}, key
