"""An order feed's messages applied through the same domain rules as every other path.

Each message is all or nothing: its changes are worked out on the order as it stands, and kept
in the transaction only if every step succeeds; a refusal (an unknown order, an order of another
marketplace, a rule of the lifecycle) becomes that message's error result and leaves the order
as it was. Messages apply in order, each to the state the previous ones left.

Result codes: Amazon's processing reports carry a numeric ``ResultMessageCode``; the mock's own
codes for what it refuses are 90000 and up (``feed_formats`` holds those for whole documents).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from spapi_mock.domain import lifecycle
from spapi_mock.domain.exceptions import RuleViolation, UnknownOrder
from spapi_mock.feeds.formats import Message
from spapi_mock.kernel.dates import parse_iso, to_wire

UNKNOWN_ORDER = 90010
REFUSED = 90011
INVALID_RECORD = 90012
IGNORED = 90020  # a warning: part of a message that has no effect
PROCESSING_FAILED = 90030  # the mock itself failed: the feed ends FATAL

# What the seller's adjustment reasons are, as the cancellation reasons the rate reads.
ADJUSTMENT_CANCEL_REASONS = {
    "NoInventory": "NoInventory",
    "ProductOutofStock": "NoInventory",
    "CustomerCancel": "BuyerCanceled",
    "PriceError": "PricingError",
    "CustomerAddressIncorrect": "ShippingAddressUndeliverable",
    "Undeliverable": "ShippingAddressUndeliverable",
    "Exchange": "CustomerExchange",
    "CustomerReturn": "CustomerReturn",
    "CarrierCreditDecision": "CarrierCreditDecision",
    "RiskAssessmentInformationNotValid": "RiskAssessmentInformationNotValid",
    "CarrierCoverageFailure": "CarrierCoverageFailure",
}
DEFAULT_CANCEL_REASON = "GeneralAdjustment"


class MessageRefused(Exception):
    def __init__(self, number: int, description: str, item_id: str | None = None) -> None:
        super().__init__(description)
        self.number = number
        self.description = description
        self.item_id = item_id


def apply(tx, message: Message, feed: dict) -> list[dict]:
    """Apply one message in the transaction; its error or warning results (none: success)."""
    order_id = message.order_id
    try:
        if message.invalid:
            raise MessageRefused(INVALID_RECORD, f"Record {message.id}: {message.invalid}.")
        doc = _order(tx, message)
        order_id = doc["order"]["AmazonOrderId"]
        if doc["order"]["MarketplaceId"] not in feed["marketplaceIds"]:
            raise MessageRefused(
                REFUSED,
                f"Order {order_id} belongs to marketplace {doc['order']['MarketplaceId']}, which this feed was not created "
                f"for ({', '.join(feed['marketplaceIds'])}).",
            )
        warnings: list[dict] = []
        new = _RULES[message.kind](doc, message, tx.now, tx.policy, feed, warnings)
    except MessageRefused as refused:
        return [_result(message, "Error", refused.number, refused.description, order_id, refused.item_id)]
    except RuleViolation as exc:
        return [_result(message, "Error", REFUSED, str(exc), order_id)]
    tx.put(new)
    return [_result(message, "Warning", IGNORED, text, order_id, item_id) for text, item_id in warnings]


def failed(feed: dict, why: str) -> dict:
    """The feed as its processing report tells that processing failed: the messages applied
    before the failing chunk keep their results; nothing of that chunk or after was applied."""
    applied = feed["next_message"]
    description = (
        f"spapi-mock failed while processing this feed ({why}); the first {applied} messages were processed as "
        "reported here, and nothing of the others was applied."
    )
    result = {"message": "0", "code": "Error", "number": PROCESSING_FAILED, "description": description}
    summary = dict(feed["summary"], errors=feed["summary"]["errors"] + 1)
    return dict(feed, results=[*feed["results"], result], summary=summary)


def _result(message: Message, code: str, number: int, description: str, order_id: str | None, item_id: str | None = None) -> dict:
    return {
        "message": message.id,
        "code": code,
        "number": number,
        "description": description,
        "order_id": order_id,
        "item_id": item_id,
    }


def _order(tx, message: Message) -> dict:
    if message.order_id:
        try:
            return tx.order(message.order_id)
        except UnknownOrder:
            raise MessageRefused(UNKNOWN_ORDER, f"Order {message.order_id} was not found for this seller.") from None
    merchant_id = message.merchant_order_id
    found = tx.ids_with_seller_order_id(merchant_id)
    if len(found) != 1:
        why = "no order" if not found else f"{len(found)} orders ({', '.join(sorted(found))})"
        raise MessageRefused(UNKNOWN_ORDER, f"MerchantOrderID {merchant_id} names {why}: acknowledge the order with it first.")
    return tx.order(found.pop())


def _item_id(doc: dict, line: dict) -> str:
    """The AmazonOrderItemCode a line names, directly or by the MerchantOrderItemID the
    acknowledgement gave it."""
    if line.get("item"):
        return line["item"]
    merchant_item_id = line.get("merchant_item_id")
    found = (doc.get("merchant_item_ids") or {}).get(merchant_item_id)
    if found is None:
        raise MessageRefused(
            UNKNOWN_ORDER,
            f"MerchantOrderItemID {merchant_item_id} names no item of order {doc['order']['AmazonOrderId']}: "
            "acknowledge the item with it first.",
        )
    return found


# -- the rules each kind of message applies --------------------------------------------------


def _acknowledge(doc: dict, message: Message, now: datetime, policy, feed: dict, warnings: list) -> dict:
    items = message.fields.get("items") or []
    for line in items:
        if line.get("reason"):
            warnings.append(
                (f"CancelReason {line['reason']} is ignored: the StatusCode is Success, not Failure.", line.get("item"))
            )
    mapping = {line["item"]: line.get("merchant_item_id") for line in items if line.get("item")}
    return lifecycle.acknowledge(doc, now, policy, message.merchant_order_id, mapping)


def _cancel(doc: dict, message: Message, now: datetime, policy, feed: dict, warnings: list) -> dict:
    items = message.fields.get("items") or []
    if not items:
        return lifecycle.seller_cancel(doc, now, policy, message.fields.get("reason") or DEFAULT_CANCEL_REASON)
    by_reason: dict[str, list[str]] = {}
    for line in items:
        by_reason.setdefault(line.get("reason") or DEFAULT_CANCEL_REASON, []).append(_item_id(doc, line))
    for reason, item_ids in by_reason.items():
        doc = lifecycle.seller_cancel(doc, now, policy, reason, item_ids)
    return doc


def _adjust(doc: dict, message: Message, now: datetime, policy, feed: dict, warnings: list) -> dict:
    action = message.fields.get("action")
    for line in message.fields["items"]:
        item_id = _item_id(doc, line)
        cancels = action == "Cancel" or (action is None and line.get("quantity_cancelled"))
        if cancels:
            reason = ADJUSTMENT_CANCEL_REASONS.get(line["reason"], DEFAULT_CANCEL_REASON)
            quantity = line.get("quantity_cancelled")
            selected = [{"orderItemId": item_id, "quantity": quantity}] if quantity else [item_id]
            doc = lifecycle.seller_cancel(doc, now, policy, reason, selected)
        else:
            if line.get("quantity_cancelled"):
                warnings.append(("QuantityCancelled is ignored: the ActionType is Refund.", item_id))
            amounts = {kind: f"{value['amount']} {value['currency']}" for kind, value in line["components"].items()}
            doc = lifecycle.refund(doc, now, policy, item_id, line["reason"], amounts)
    return doc


def _fulfill(doc: dict, message: Message, now: datetime, policy, feed: dict, warnings: list) -> dict:
    fields = message.fields
    lines = [{"orderItemId": _item_id(doc, line), "quantity": line.get("quantity")} for line in fields["items"]]
    if not lines:
        lines = [{"orderItemId": item_id, "quantity": quantity} for item_id, quantity in lifecycle.open_quantities(doc).items()]
        if not lines:
            raise RuleViolation(f"Order {doc['order']['AmazonOrderId']} has no item left to ship.")
    package = {
        "packageReferenceId": f"{feed['feedId']}-{message.id}",
        "carrierCode": fields.get("carrier_code") or ("Other" if fields.get("carrier_name") else None),
        "carrierName": fields.get("carrier_name"),
        "shippingMethod": fields.get("method"),
        "trackingNumber": fields.get("tracking"),
        "shipDate": _ship_date(fields["date"]),
        "orderItems": lines,
    }
    return lifecycle.confirm_shipment(
        doc, now, policy, {"marketplaceId": doc["order"]["MarketplaceId"], "packageDetail": package}
    )


def _ship_date(value: str) -> str:
    try:
        return to_wire(parse_iso(value))
    except ValueError:
        raise MessageRefused(INVALID_RECORD, f"The fulfillment date {value!r} is not an ISO 8601 date.") from None


_RULES: dict[str, Callable] = {"acknowledge": _acknowledge, "cancel": _cancel, "adjust": _adjust, "fulfill": _fulfill}
