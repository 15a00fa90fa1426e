"""The Notifications API's backend: the application's destinations and each seller's
subscriptions, with Amazon's rules for creating and deleting them.

Destinations belong to the application (one per SQS queue, one per EventBridge account);
subscriptions to a seller (one per notification type and payload version), each delivering to a
destination, which cannot be deleted while a subscription uses it. Every change is one backend
transaction, so a check and the write it allows cannot be separated by another request.
"""

from __future__ import annotations

import re
import uuid

from spapi_mock.domain.exceptions import RuleViolation, Unknown
from spapi_mock.domain.marketplaces import require_known
from spapi_mock.errors import Conflict, StateConflict, Unauthorized
from spapi_mock.marketplace.backend import Backend
from spapi_mock.notifications import types
from spapi_mock.store.indexes import APPLICATION, DestinationIndex, SubscriptionIndex

DESTINATIONS = DestinationIndex.table
SUBSCRIPTIONS = SubscriptionIndex.table
# The application every client of the mock is (notifications name it; so do Amazon's refusals).
APPLICATION_ID = "amzn1.sellerapps.app.5e1d0c4b-6b5a-4f0e-9a57-5a9c0d0e0b1e"
# Amazon's limit on a destination's name (Destination.name: maxLength 256).
NAME_LENGTH = 256
# AWS's shapes: a region (us-east-1), a 12-digit account, an SQS queue name of 1 to 80
# letters, digits, - and _ (plus .fifo). Amazon's pattern (arn:aws:sqs:\S+:\S+:\S+) alone lets
# through ARNs no queue can have, which would be stored and then fail every delivery.
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]{1,2}")
ACCOUNT = re.compile(r"[0-9]{12}")
QUEUE_ARN = re.compile(r"arn:aws:sqs:[a-z]{2}(-[a-z]+)+-[0-9]{1,2}:[0-9]{12}:[A-Za-z0-9_-]{1,80}(\.fifo)?")


class UnknownDestination(Unknown):
    def __init__(self, destination_id: str) -> None:
        super().__init__(f"Destination {destination_id} not found.")


class UnknownSubscription(Unknown):
    pass


class Notifications:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    # -- destinations (application-wide) -------------------------------------------------------

    def destinations(self) -> list[dict]:
        return self.backend.reading().destinations.all()

    def destination(self, destination_id: str) -> dict:
        found = self.backend.reading().destinations.get_destination(destination_id)
        if found is None:
            raise UnknownDestination(destination_id)
        return found

    def create_destination(self, body: dict) -> dict:
        """createDestination: one resource type per destination, one destination per queue (or
        EventBridge account)."""
        name = body["name"]
        if not name.strip() or len(name) > NAME_LENGTH:
            raise RuleViolation(f"Invalid name: give the destination a name of 1 to {NAME_LENGTH} characters.")
        resource = _resource(body["resourceSpecification"])
        with self.backend.transaction(None) as tx:
            existing = tx.stored.destinations.with_resource(resource)
            if existing is not None:
                raise Conflict(details=_duplicate(resource, existing))
            destination = {"destinationId": str(uuid.uuid4()), "name": name, "resource": resource}
            tx.keep(DESTINATIONS, destination)
        return destination

    def delete_destination(self, destination_id: str) -> None:
        """deleteDestination: refused, as Amazon refuses it, while subscriptions deliver there."""
        with self.backend.transaction(None) as tx:
            store = tx.stored
            if store.destinations.get_destination(destination_id) is None:
                raise UnknownDestination(destination_id)
            using = store.subscriptions.using_destination(destination_id)
            if using:
                named = "; ".join(
                    f"{doc['notificationType']} subscription {doc['subscriptionId']} of seller {doc['seller_id']}"
                    for doc in (store.subscriptions.get(*key) for key in using)
                    if doc is not None
                )
                raise Unauthorized(
                    "The requested action is forbidden.",
                    details=f"Destination has subscriptions: {named}. Delete them (deleteSubscriptionById) first.",
                )
            tx.drop(DESTINATIONS, APPLICATION, destination_id)

    # -- subscriptions (per seller) ------------------------------------------------------------

    def subscriptions(self, seller_id: str, notification_type: str, payload_version: str | None = None) -> list[dict]:
        """The seller's subscriptions to a type (of one payload version if given), by id."""
        types.require_known(notification_type)
        found = self.backend.reading().subscriptions.of_type(seller_id, notification_type)
        return [doc for doc in found if payload_version is None or doc["payloadVersion"] == payload_version]

    def subscription(self, seller_id: str, notification_type: str, payload_version: str | None = None) -> dict:
        """getSubscription: of the payload version asked for, else of the latest the seller has."""
        found = self.subscriptions(seller_id, notification_type, payload_version)
        if not found:
            version = f" with payloadVersion {payload_version}" if payload_version else ""
            raise UnknownSubscription(f"The seller has no subscription to {notification_type}{version}.")
        return max(found, key=lambda doc: types.version_rank(notification_type, doc["payloadVersion"]))

    def subscription_by_id(self, seller_id: str | None, notification_type: str, subscription_id: str) -> dict:
        """A subscription by id: any of the application's (``seller_id`` None, a grantless call),
        or the seller's own."""
        types.require_known(notification_type)
        return _by_id(self.backend.reading().subscriptions, seller_id, notification_type, subscription_id)

    def create_subscription(self, seller_id: str, notification_type: str, body: dict) -> dict:
        types.require_known(notification_type)
        payload_version = body["payloadVersion"]
        types.require_payload_version(notification_type, payload_version)
        directive = body.get("processingDirective")
        if directive is not None:
            check_processing_directive(notification_type, directive)
        destination_id = body["destinationId"]
        with self.backend.transaction(seller_id) as tx:
            store = tx.stored
            if store.destinations.get_destination(destination_id) is None:
                raise UnknownDestination(destination_id)
            for existing in store.subscriptions.of_type(seller_id, notification_type):
                if existing["payloadVersion"] == payload_version:
                    raise StateConflict(
                        details=(
                            f"Subscription already exist for notification type {notification_type} "
                            f"(payloadVersion {payload_version}): subscriptionId {existing['subscriptionId']}."
                        )
                    )
            subscription = {
                "seller_id": seller_id,
                "subscriptionId": str(uuid.uuid4()),
                "notificationType": notification_type,
                "payloadVersion": payload_version,
                "destinationId": destination_id,
            }
            if directive is not None:
                subscription["processingDirective"] = directive
            tx.keep(SUBSCRIPTIONS, subscription)
        return subscription

    def delete_subscription(self, seller_id: str | None, notification_type: str, subscription_id: str) -> None:
        types.require_known(notification_type)
        with self.backend.transaction(seller_id) as tx:
            found = _by_id(tx.stored.subscriptions, seller_id, notification_type, subscription_id)
            tx.drop(SUBSCRIPTIONS, found["seller_id"], subscription_id)


def wire_subscription(doc: dict) -> dict:
    """A stored subscription as Amazon's Subscription shows it."""
    shown = {
        "subscriptionId": doc["subscriptionId"],
        "payloadVersion": doc["payloadVersion"],
        "destinationId": doc["destinationId"],
    }
    if "processingDirective" in doc:
        shown["processingDirective"] = doc["processingDirective"]
    return shown


def check_processing_directive(notification_type: str, directive: dict) -> None:
    """Amazon's rules for a subscription's processingDirective (its schema is checked before):
    eventFilter or filterExpression, and an eventFilter only of the notification type's own kind
    with only the filters that type supports."""
    event_filter = directive.get("eventFilter")
    if event_filter is not None and "filterExpression" in directive:
        raise RuleViolation("Invalid processingDirective: eventFilter and filterExpression are mutually exclusive; give one.")
    if "filterExpression" in directive and notification_type not in types.FILTER_EXPRESSION_TYPES:
        raise RuleViolation(
            f"Invalid processingDirective.filterExpression: {notification_type} does not support filterExpression."
        )
    if event_filter is None:
        return
    filter_type = event_filter["eventFilterType"]
    if notification_type not in types.EVENT_FILTER_TYPES:
        raise RuleViolation(
            f"Invalid processingDirective.eventFilter: {notification_type} supports no eventFilter "
            f"(only {', '.join(sorted(types.EVENT_FILTER_TYPES))} do)."
        )
    if filter_type != notification_type:
        raise RuleViolation(
            f"Invalid processingDirective.eventFilter.eventFilterType: {filter_type} is not the subscription's "
            f"notification type {notification_type}."
        )
    for field, supported_by in types.EVENT_FILTER_FIELDS.items():
        if field in event_filter and notification_type not in supported_by:
            raise RuleViolation(
                f"Invalid processingDirective.eventFilter.{field}: {notification_type} does not support it "
                f"(only {', '.join(sorted(supported_by))})."
            )
    if "marketplaceIds" in event_filter:
        require_known(event_filter["marketplaceIds"], "processingDirective.eventFilter.marketplaceIds")
    tracking = event_filter.get("trackingIdentifier")
    if tracking is not None and len(tracking) != 1:
        raise RuleViolation("Invalid processingDirective.eventFilter.trackingIdentifier: provide exactly one identifier field.")


def _resource(specification: dict) -> dict:
    """A destination's resource from createDestination's resourceSpecification."""
    given = [kind for kind in ("sqs", "eventBridge") if specification.get(kind) is not None]
    if len(given) != 1:
        raise RuleViolation("Invalid resourceSpecification: give exactly one resource type, sqs or eventBridge.")
    if given == ["sqs"]:
        arn = specification["sqs"]["arn"]
        if not QUEUE_ARN.fullmatch(arn):
            raise RuleViolation(
                "Invalid resourceSpecification.sqs.arn: give an SQS queue ARN, arn:aws:sqs:REGION:ACCOUNT:QUEUE "
                "(a 12-digit account, a queue name of 1 to 80 letters, digits, - and _)."
            )
        return {"sqs": {"arn": arn}}
    bridge = specification["eventBridge"]
    if not REGION.fullmatch(bridge["region"]):
        raise RuleViolation("Invalid resourceSpecification.eventBridge.region: give an AWS region, such as us-east-1.")
    if not ACCOUNT.fullmatch(bridge["accountId"]):
        raise RuleViolation("Invalid resourceSpecification.eventBridge.accountId: give a 12-digit AWS account id.")
    # Amazon creates a partner event source in the account, named as its use case guide says:
    # aws.partner/sellingpartnerapi.amazon.com/{AWS Account Id}/{Application Id}.
    name = f"aws.partner/sellingpartnerapi.amazon.com/{bridge['accountId']}/{APPLICATION_ID}"
    return {"eventBridge": {"name": name, "region": bridge["region"], "accountId": bridge["accountId"]}}


def _duplicate(resource: dict, existing: dict) -> str:
    if "sqs" in resource:
        return (
            f"A destination with arn {resource['sqs']['arn']} already exists for the application {APPLICATION_ID}: "
            f"destinationId {existing['destinationId']}."
        )
    return (
        f"An EventBridge destination for AWS account {resource['eventBridge']['accountId']} already exists for the "
        f"application {APPLICATION_ID} (one per account): destinationId {existing['destinationId']}."
    )


def _by_id(index: SubscriptionIndex, seller_id: str | None, notification_type: str, subscription_id: str) -> dict:
    found = index.with_id(subscription_id)
    if found is None or found["notificationType"] != notification_type or seller_id not in (None, found["seller_id"]):
        raise UnknownSubscription(f"Subscription {subscription_id} of notification type {notification_type} not found.")
    return found
