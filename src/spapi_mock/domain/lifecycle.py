"""How an order moves through its life, as Amazon's seller documentation describes it.

Every action takes a stored order document, the time it happens and the policy, and returns a
new document: the one given is never changed, because readers may hold it. An action that the
rules forbid raises RuleViolation with a sentence a person can act on. Every change moves
``LastUpdateDate`` (clients that poll getOrders with ``LastUpdatedAfter`` depend on it) and
is recorded in the document's history.

The document's shape is ``model.OrderDocument``. Which status each rule acts on, and what it
may become, is ``model.TRANSITIONS``: the rules below ask it, and say why when it refuses.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal

from spapi_mock.domain.exceptions import RuleViolation
from spapi_mock.domain.model import SHIPPABLE_STATUSES, TRANSITIONS, Order, OrderDocument, OrderItem, OrderStatus
from spapi_mock.domain.orders import DISCOUNT_FIELDS, ITEM_MONEY_FIELDS, item_counts
from spapi_mock.domain.policy import Policy
from spapi_mock.kernel.dates import parse_iso, to_wire

BUYER = "BUYER"
MERCHANT = "MERCHANT"
AMAZON = "AMAZON"

# The reasons a seller can give (order acknowledgement feed and Orders 2026-01-01 cancelOrder).
SELLER_CANCEL_REASONS = (
    "NoInventory",
    "ShippingAddressUndeliverable",
    "CustomerExchange",
    "BuyerCanceled",
    "GeneralAdjustment",
    "CarrierCreditDecision",
    "RiskAssessmentInformationNotValid",
    "CarrierCoverageFailure",
    "CustomerReturn",
    "MerchandiseNotReceived",
    "PricingError",
)
AUTO_CANCEL_REASON = "ShipmentNotConfirmedInTime"
PAYMENT_DECLINED_REASON = "PaymentNotAuthorized"
# The order's promises, counted from when the seller can act on it: a late payment moves them all.
PROMISE_DATES = ("EarliestShipDate", "LatestShipDate", "EarliestDeliveryDate", "LatestDeliveryDate")

# Easy Ship statuses updateShipmentStatus moves an order to.
EASY_SHIP_STATUS_AFTER = {"ReadyForPickup": "PendingPickUp", "PickedUp": "PickedUp", "RefusedPickup": "PendingSchedule"}


# -- payment ---------------------------------------------------------------------------------


def release_preorder(doc: OrderDocument, now: datetime, policy: Policy) -> OrderDocument:
    """A pre-order's release date came: PendingAvailability → Pending (payment is next, and the
    time Amazon allows for it starts now)."""
    _require_move(doc, "release_preorder")
    new = _copy(doc)
    new["order"]["OrderStatus"] = OrderStatus.PENDING
    new["awaiting_payment_since"] = to_wire(now)
    return _changed(new, now, policy, "PreorderReleased")


def authorize_payment(doc: OrderDocument, now: datetime, policy: Policy) -> OrderDocument:
    """Amazon authorized the buyer's payment: Pending → Unshipped, and the order can ship.

    The seller cannot ship a Pending order, so the time to ship starts here: the ship-by and
    delivery dates move on by as long as authorization took (up to 21 days), which leaves the
    order its handling time (from when payment began to be awaited to ``LatestShipDate``)
    however late the payment came. Automatic cancellation then counts only a deadline the seller
    really missed.
    """
    _require_move(doc, "authorize_payment")
    new = _copy(doc)
    order = new["order"]
    order["OrderStatus"] = OrderStatus.UNSHIPPED
    waited = now - parse_iso(awaiting_payment_since(doc))
    if waited > timedelta(0):
        for name in PROMISE_DATES:
            if order.get(name):
                order[name] = to_wire(parse_iso(order[name]) + waited)  # type: ignore[literal-required]
    new.pop("awaiting_payment_since", None)
    return _changed(new, now, policy, "PaymentAuthorized")


def decline_payment(doc: OrderDocument, now: datetime, policy: Policy) -> OrderDocument:
    """Payment could not be authorized: Amazon cancels the order, at no cost to the seller."""
    _require_move(doc, "decline_payment")
    return _cancel(doc, now, policy, AMAZON, PAYMENT_DECLINED_REASON, open_quantities(doc), counts=False)


def expire_payment(doc: OrderDocument, at: datetime, policy: Policy) -> OrderDocument:
    """Payment was still not authorized when Amazon's time for it ran out (21 days): Amazon
    cancels the order as a failed payment, which never counts against the seller."""
    _require_move(doc, "expire_payment")
    return _cancel(doc, at, policy, AMAZON, PAYMENT_DECLINED_REASON, open_quantities(doc), counts=False)


def awaiting_payment_since(doc: OrderDocument) -> str:
    """When the order began to wait for payment: its purchase, or a pre-order's release."""
    return doc.get("awaiting_payment_since") or doc["order"]["PurchaseDate"]


# -- buyer -----------------------------------------------------------------------------------


def buyer_cancel(doc: OrderDocument, now: datetime, policy: Policy, reason: str | None = None) -> OrderDocument:
    """The buyer cancels directly: within the self-cancel window after purchase (at any time
    before release for a pre-order). Never the seller's fault."""
    order = doc["order"]
    _require_move(doc, "buyer_cancel")
    closes = parse_iso(order["PurchaseDate"]) + policy.buyer_self_cancel_window
    if order["OrderStatus"] != OrderStatus.PENDING_AVAILABILITY and now >= closes:
        raise _refused(
            doc,
            f"the buyer's self-cancel window closed at {to_wire(closes)} ({_minutes(policy)} after purchase); "
            "the buyer can now only request cancellation (request_cancellation)",
        )
    return _cancel(doc, now, policy, BUYER, reason or "BuyerCanceled", open_quantities(doc), counts=False)


def request_cancellation(
    doc: OrderDocument, now: datetime, policy: Policy, reason: str, items: Iterable | None = None
) -> OrderDocument:
    """The buyer's formal "Request cancellation": flags each requested item with
    ``IsBuyerRequestedCancel`` "true" and the reason. Only the seller can then cancel."""
    order = doc["order"]
    _require_move(doc, "request_cancellation")
    closes = parse_iso(order["PurchaseDate"]) + policy.buyer_self_cancel_window
    if now < closes:
        raise _refused(
            doc,
            f"until {to_wire(closes)} ({_minutes(policy)} after purchase) the buyer cancels directly (buyer_cancel), "
            "without a request",
        )
    if not isinstance(reason, str) or not reason.strip():
        raise RuleViolation("A buyer cancellation request needs a reason (BuyerCancelReason), e.g. 'Order Created By Mistake'.")
    selected = select_items(doc, items, "request cancellation of")
    new = _copy(doc)
    for item in new["items"]:
        if item["OrderItemId"] in selected:
            item["BuyerRequestedCancel"] = {"IsBuyerRequestedCancel": "true", "BuyerCancelReason": reason}
    new.setdefault("cancel_requests", []).append(
        {"at": to_wire(now), "formal": True, "reason": reason, "items": sorted(selected)}
    )
    return _changed(new, now, policy, "BuyerRequestedCancel", reason=reason, items=sorted(selected))


def message_cancellation(doc: OrderDocument, now: datetime, policy: Policy, text: str | None = None) -> OrderDocument:
    """The buyer asks to cancel in a buyer-seller message. Informal: no item is flagged and the
    order itself does not change (so ``LastUpdateDate`` stays), but the message is recorded."""
    _require_move(doc, "message_cancellation")
    new = _copy(doc)
    message = text or "Please cancel my order."
    new.setdefault("cancel_requests", []).append({"at": to_wire(now), "formal": False, "reason": message, "items": []})
    new.setdefault("history", []).append({"at": to_wire(now), "event": "BuyerMessage", "text": message})
    return new


# -- seller ----------------------------------------------------------------------------------


def seller_cancel(doc: OrderDocument, now: datetime, policy: Policy, reason: str, items: Iterable | None = None) -> OrderDocument:
    """The seller cancels some or all items of an Unshipped order, giving a reason.

    Only BuyerCanceled in answer to a formal buyer request leaves the cancellation rate alone;
    every other seller cancellation counts against it (out of stock must be NoInventory).
    """
    _require_move(doc, "seller_cancel")
    if reason not in SELLER_CANCEL_REASONS:
        raise RuleViolation(f"Invalid cancel reason '{reason}': use one of {', '.join(SELLER_CANCEL_REASONS)}.")
    if doc.get("shipping_label"):
        raise _refused(
            doc, "a shipping label has been bought for it, so the seller can no longer cancel; void the label or ship it"
        )
    selected = select_items(doc, items, "cancel")
    flagged = {item["OrderItemId"] for item in doc["items"] if _is_flagged(item)}
    answers_request = reason == "BuyerCanceled" and set(selected) <= flagged
    return _cancel(doc, now, policy, MERCHANT, reason, selected, counts=not answers_request, answers_request=answers_request)


def acknowledge(
    doc: OrderDocument, now: datetime, policy: Policy, merchant_order_id: str | None = None, item_ids: Mapping | None = None
) -> OrderDocument:
    """The seller acknowledges the order (order acknowledgement feed, StatusCode Success),
    optionally naming it: the MerchantOrderID becomes the order's SellerOrderId, and each
    MerchantOrderItemID is remembered for later feeds that name the item by it."""
    _require_move(doc, "acknowledge")
    known = {item["OrderItemId"] for item in doc["items"]}
    for item_id in item_ids or {}:
        if item_id not in known:
            raise RuleViolation(f"Invalid AmazonOrderItemCode: order {doc['order']['AmazonOrderId']} has no item {item_id}.")
    new = _copy_top(doc)
    new["acknowledged_at"] = _stamp(now)
    if merchant_order_id:
        new["order"]["SellerOrderId"] = merchant_order_id
    for item_id, merchant_item_id in (item_ids or {}).items():
        if merchant_item_id:
            new.setdefault("merchant_item_ids", {})[merchant_item_id] = item_id
    return _changed(new, now, policy, "Acknowledged", merchant_order_id=merchant_order_id)


def refund(doc: OrderDocument, now: datetime, policy: Policy, item_id: str, reason: str, amounts: Mapping) -> OrderDocument:
    """The seller refunds a shipped item (order adjustment feed, ActionType Refund): recorded on
    the order with its reason and amounts; the order's status and quantities stay."""
    _require_move(doc, "refund")
    item = next((item for item in doc["items"] if item["OrderItemId"] == item_id), None)
    if item is None:
        raise RuleViolation(f"Invalid AmazonOrderItemCode: order {doc['order']['AmazonOrderId']} has no item {item_id}.")
    if not int(item.get("QuantityShipped") or 0):
        raise _refused(doc, f"item {item_id} has not shipped, so it cannot be refunded; cancel it instead")
    if not amounts:
        raise RuleViolation(f"A refund of item {item_id} needs ItemPriceAdjustments: say what is refunded.")
    new = _copy(doc)
    new.setdefault("refunds", []).append({"at": to_wire(now), "item": item_id, "reason": reason, "amounts": dict(amounts)})
    return _changed(new, now, policy, "Refunded", item=item_id, reason=reason)


def buy_shipping_label(doc: OrderDocument, now: datetime, policy: Policy) -> OrderDocument:
    """The seller bought a shipping label (Merchant Fulfillment or Buy Shipping): from now on
    the seller cannot cancel the order."""
    _require_move(doc, "buy_shipping_label")
    if doc.get("shipping_label"):
        raise _refused(doc, "a shipping label already exists for it")
    new = _copy(doc)
    new["shipping_label"] = True
    return _changed(new, now, policy, "ShippingLabelPurchased")


def confirm_shipment(doc: OrderDocument, now: datetime, policy: Policy, request: dict) -> OrderDocument:
    """confirmShipment: the package's items are shipped → PartiallyShipped or Shipped."""
    order = doc["order"]
    _check_marketplace(doc, request.get("marketplaceId"))
    _require_move(doc, "confirm_shipment")
    if order.get("FulfillmentChannel") != "MFN":
        raise _refused(doc, "it is fulfilled by Amazon (AFN); only the seller's own (MFN) shipments are confirmed")
    package = request["packageDetail"]
    if request.get("codCollectionMethod") and order.get("PaymentMethod") != "COD":
        raise RuleViolation(f"Invalid codCollectionMethod: order {order['AmazonOrderId']} is not paid cash on delivery (COD).")
    reference = str(package["packageReferenceId"])
    if any(p.get("packageReferenceId") == reference for p in doc.get("packages") or []):
        raise RuleViolation(
            f"Invalid packageReferenceId: package {reference} was already confirmed for order {order['AmazonOrderId']}."
        )
    try:
        ship_date = parse_iso(package["shipDate"])
    except ValueError as exc:
        raise RuleViolation(f"Invalid shipDate: {exc}.") from None
    if ship_date < parse_iso(order["PurchaseDate"]):
        raise RuleViolation(f"Invalid shipDate: {to_wire(ship_date)} is before the order's PurchaseDate {order['PurchaseDate']}.")
    lines = package.get("orderItems") or []
    if not lines:
        raise RuleViolation("Invalid packageDetail.orderItems: a package must contain at least one item.")
    wanted = _quantities(
        doc, ({"orderItemId": line.get("orderItemId"), "quantity": line.get("quantity")} for line in lines), "ship"
    )
    new = _copy(doc)
    for item in new["items"]:
        if item["OrderItemId"] in wanted:
            item["QuantityShipped"] = int(item.get("QuantityShipped") or 0) + wanted[item["OrderItemId"]]
    new.setdefault("packages", []).append(
        {
            "packageReferenceId": reference,
            # An order fulfillment feed may name its carrier only, and give no tracking number.
            "carrierCode": package.get("carrierCode"),
            "carrierName": package.get("carrierName"),
            "shippingMethod": package.get("shippingMethod"),
            "trackingNumber": package.get("trackingNumber"),
            "shipDate": to_wire(ship_date),
            "items": wanted,
        }
    )
    new["shipping_label"] = False
    _settle_status(new)
    return _changed(new, now, policy, "ShipmentConfirmed", package=reference, items=wanted)


def update_shipment_status(doc: OrderDocument, now: datetime, policy: Policy, request: dict) -> OrderDocument:
    """updateShipmentStatus for an Easy Ship order: ready for pickup (a label now exists),
    picked up (the items ship) or pickup refused (the pickup must be scheduled again)."""
    order = doc["order"]
    _check_marketplace(doc, request.get("marketplaceId"))
    if not order.get("EasyShipShipmentStatus"):
        raise _refused(doc, "it is not an Easy Ship order, so Amazon schedules no pickup for it")
    _require_move(doc, "update_shipment_status")
    shipment_status = request["shipmentStatus"]
    new = _copy(doc)
    new["order"]["EasyShipShipmentStatus"] = EASY_SHIP_STATUS_AFTER[shipment_status]
    lines = request.get("orderItems")
    if shipment_status == "PickedUp":
        wanted = _quantities(doc, lines, "ship") if lines else open_quantities(doc)
        for item in new["items"]:
            if item["OrderItemId"] in wanted:
                item["QuantityShipped"] = int(item.get("QuantityShipped") or 0) + wanted[item["OrderItemId"]]
        new["shipping_label"] = False
        _settle_status(new)
    else:
        new["shipping_label"] = shipment_status == "ReadyForPickup"
    return _changed(new, now, policy, "ShipmentStatusUpdated", shipmentStatus=shipment_status)


def update_verification_status(doc: OrderDocument, now: datetime, policy: Policy, request: dict) -> OrderDocument:
    """updateVerificationStatus: the seller approves or rejects a regulated order."""
    order_id = doc["order"]["AmazonOrderId"]
    regulated = doc.get("regulated")
    if not regulated:
        raise RuleViolation(f"Order {order_id} has no regulated items, so it has no verification status to update.")
    update = request["regulatedOrderVerificationStatus"]
    current = regulated["RegulatedOrderVerificationStatus"]
    wanted = update.get("status")
    reason_id = update.get("rejectionReasonId")
    if wanted is None and update.get("verificationDetails") is None:
        raise RuleViolation("Invalid regulatedOrderVerificationStatus: give a status, verificationDetails, or both.")
    if wanted is not None and wanted not in ("Approved", "Rejected"):
        raise RuleViolation(f"Invalid status '{wanted}': a seller can only set Approved or Rejected.")
    if wanted is not None and current["Status"] != "Pending":
        raise RuleViolation(
            f"Order {order_id}: verification is already {current['Status']}; only a Pending verification can change."
        )
    valid_reasons = {r["RejectionReasonId"]: r for r in current.get("ValidRejectionReasons") or []}
    if wanted == "Rejected":
        if not reason_id:
            raise RuleViolation("Invalid rejectionReasonId: a rejection needs one of the order's ValidRejectionReasons.")
        if reason_id not in valid_reasons:
            known = ", ".join(valid_reasons) or "none"
            raise RuleViolation(f"Invalid rejectionReasonId '{reason_id}': this order's valid reasons are {known}.")
    elif reason_id:
        raise RuleViolation("Invalid rejectionReasonId: it is given only when the status is Rejected.")
    new = _copy(doc)
    status = new["regulated"]["RegulatedOrderVerificationStatus"]
    status["ExternalReviewerId"] = update["externalReviewerId"]
    status["ReviewDate"] = to_wire(now)
    if wanted is not None:
        status["Status"] = wanted
        status["RequiresMerchantAction"] = False
    if wanted == "Rejected":
        status["RejectionReason"] = valid_reasons[reason_id]
    if update.get("verificationDetails") is not None:
        new["verification_details"] = update["verificationDetails"]
    return _changed(new, now, policy, "VerificationStatusUpdated", verification=wanted or current["Status"])


# -- Amazon ----------------------------------------------------------------------------------


def auto_cancel(doc: OrderDocument, at: datetime, policy: Policy) -> OrderDocument:
    """Amazon cancels what an MFN order has not shipped by its deadline. It counts against the
    seller."""
    _require_move(doc, "auto_cancel")
    return _cancel(doc, at, policy, AMAZON, AUTO_CANCEL_REASON, open_quantities(doc), counts=True)


def due_at(doc: OrderDocument, policy: Policy) -> str | None:
    """When Amazon will change the order on its own (``apply_due``), or None if it never will:
    a Pending order when the time allowed for payment runs out, an MFN order waiting to ship
    when its ship-by date is ``auto_cancel_after`` past."""
    order = doc["order"]
    if order["OrderStatus"] == OrderStatus.PENDING:
        return to_wire(parse_iso(awaiting_payment_since(doc)) + policy.payment_authorization_timeout)
    if order.get("FulfillmentChannel") != "MFN" or order["OrderStatus"] not in SHIPPABLE_STATUSES:
        return None
    if not order.get("LatestShipDate"):
        return None
    return to_wire(parse_iso(order["LatestShipDate"]) + policy.auto_cancel_after)


# Raised whenever ``due_at`` is computed differently, so that stores written before recompute it.
DUE_RULES_VERSION = 1


def due_terms(policy: Policy) -> dict:
    """What ``due_at`` depends on besides the order: a store remembers the terms its due times
    were computed under, and recomputes them only when these differ."""
    return {
        "rules": DUE_RULES_VERSION,
        "payment_authorization_timeout_s": policy.payment_authorization_timeout.total_seconds(),
        "auto_cancel_after_s": policy.auto_cancel_after.total_seconds(),
    }


def apply_due(doc: OrderDocument, at: datetime, policy: Policy) -> OrderDocument:
    """What Amazon does to the order when its ``due_at`` comes."""
    if doc["order"]["OrderStatus"] == OrderStatus.PENDING:
        return expire_payment(doc, at, policy)
    return auto_cancel(doc, at, policy)


def refresh_due(doc: OrderDocument, policy: Policy) -> OrderDocument:
    """The document with ``due_at`` computed under this policy (fixtures arrive without it)."""
    due = due_at(doc, policy)
    if doc.get("due_at") == due:
        return doc
    new = copy.copy(doc)
    new["due_at"] = due
    return new


# -- helpers ---------------------------------------------------------------------------------


def _cancel(
    doc: OrderDocument,
    now: datetime,
    policy: Policy,
    by: str,
    reason: str,
    quantities: dict[str, int],
    *,
    counts: bool,
    answers_request: bool = False,
) -> OrderDocument:
    new = _copy(doc)
    for item in new["items"]:
        cancelled = quantities.get(item["OrderItemId"], 0)
        if cancelled:
            _reduce_quantity(new["order"], item, cancelled)
    new.setdefault("cancellations", []).append(
        {
            "at": to_wire(now),
            "by": by,
            "reason": reason,
            "items": quantities,
            "answers_buyer_request": answers_request,
            "counts_against_seller": counts,
        }
    )
    _settle_status(new)
    cancelled = new["order"]["OrderStatus"] == OrderStatus.CANCELED
    if cancelled:
        new["order"].pop("OrderTotal", None)
        new["shipping_label"] = False
    return _changed(new, now, policy, "Canceled" if cancelled else "ItemsCanceled", by=by, reason=reason)


def _reduce_quantity(order: Order, item: OrderItem, cancelled: int) -> None:
    """Amazon reports a cancelled quantity as no longer ordered, and charges nothing for it."""
    before = int(item["QuantityOrdered"])
    after = before - cancelled
    ratio = Decimal(after) / Decimal(before)
    removed = Decimal(0)
    for name in ITEM_MONEY_FIELDS:
        money = item.get(name)
        if not money or "Amount" not in money:
            continue
        old = Decimal(money["Amount"])
        new = (old * ratio).quantize(_exponent(money["Amount"]))
        item[name] = {**money, "Amount": str(new)}
        removed += -(old - new) if name in DISCOUNT_FIELDS else old - new
    item["QuantityOrdered"] = after
    total = order.get("OrderTotal")
    if total and "Amount" in total and removed:
        order["OrderTotal"] = {**total, "Amount": str((Decimal(total["Amount"]) - removed).quantize(_exponent(total["Amount"])))}


def _exponent(amount: str) -> Decimal:
    decimals = len(amount.split(".", 1)[1]) if "." in amount else 0
    return Decimal(1).scaleb(-decimals)


def _settle_status(doc: OrderDocument) -> None:
    """The status the items' quantities imply once something shipped or was cancelled."""
    order = doc["order"]
    items = doc["items"]
    ordered = sum(int(i["QuantityOrdered"]) for i in items)
    shipped = sum(int(i.get("QuantityShipped") or 0) for i in items)
    if ordered == 0:
        order["OrderStatus"] = OrderStatus.CANCELED
    elif shipped >= ordered:
        order["OrderStatus"] = OrderStatus.SHIPPED
    elif shipped > 0:
        order["OrderStatus"] = OrderStatus.PARTIALLY_SHIPPED


def _changed(doc: OrderDocument, now: datetime, policy: Policy, event: str, **details) -> OrderDocument:
    order = doc["order"]
    stamp = _stamp(now)
    # A clock set back must not make an order look older than its last change.
    order["LastUpdateDate"] = max(stamp, order.get("LastUpdateDate") or stamp)
    shipped, unshipped = item_counts(doc["items"], order["OrderStatus"])
    order["NumberOfItemsShipped"] = shipped
    order["NumberOfItemsUnshipped"] = unshipped
    doc["due_at"] = due_at(doc, policy)
    doc.setdefault("history", []).append(
        {"at": stamp, "event": event, "status": order["OrderStatus"], **{k: v for k, v in details.items() if v is not None}}
    )
    return doc


# The last time _stamp wrote and its text: a feed's chunk applies every message at its
# transaction's one ``now`` (the same object), and to_wire was a fifth of an acknowledgement.
_last_stamp: tuple[datetime, str] | None = None


def _stamp(now: datetime) -> str:
    """``to_wire(now)``, worked out once for the same datetime object asked again."""
    global _last_stamp
    last = _last_stamp
    if last is not None and last[0] is now:
        return last[1]
    text = to_wire(now)
    _last_stamp = (now, text)  # one tuple replaced whole: a thread reads a pair that belongs together
    return text


def _copy_top(doc: OrderDocument) -> OrderDocument:
    """A copy of the document and of the dicts and lists right under it, the rest shared: for a
    rule that changes nothing deeper (the order's fields, the history), as ``acknowledge``; a
    tenth of an acknowledgement feed's processing was copying the whole document."""
    return {key: value.copy() if type(value) in (dict, list) else value for key, value in doc.items()}


def _copy(value):
    """A copy of a document as the store holds it: JSON, so only its dicts and lists need
    copying (a third of ``copy.deepcopy``'s cost, which was a third of a feed's processing)."""
    if type(value) is dict:
        return {key: _copy(item) for key, item in value.items()}
    if type(value) is list:
        return [_copy(item) for item in value]
    return value


def _refused(doc: OrderDocument, why: str) -> RuleViolation:
    order = doc["order"]
    return RuleViolation(f"Order {order['AmazonOrderId']} is {order['OrderStatus']}: {why}.")


def _require_move(doc: OrderDocument, rule: str) -> None:
    """Refuse, saying why, if the transitions table does not let ``rule`` act on the order's status."""
    why = TRANSITIONS[rule].why_not(doc["order"]["OrderStatus"])
    if why is not None:
        raise _refused(doc, why)


def _check_marketplace(doc: OrderDocument, marketplace_id: str | None) -> None:
    order = doc["order"]
    if marketplace_id != order["MarketplaceId"]:
        raise RuleViolation(
            f"Invalid marketplaceId: order {order['AmazonOrderId']} belongs to marketplace {order['MarketplaceId']}, "
            f"not {marketplace_id}."
        )


def _is_flagged(item: OrderItem) -> bool:
    return (item.get("BuyerRequestedCancel") or {}).get("IsBuyerRequestedCancel") == "true"


def _open_quantity(item: OrderItem) -> int:
    return int(item["QuantityOrdered"]) - int(item.get("QuantityShipped") or 0)


def open_quantities(doc: OrderDocument) -> dict[str, int]:
    """Each item's quantity neither shipped nor cancelled, for items that have any."""
    return {item["OrderItemId"]: _open_quantity(item) for item in doc["items"] if _open_quantity(item) > 0}


def select_items(doc: OrderDocument, items: Iterable | None, verb: str) -> dict[str, int]:
    """Item ids, or {orderItemId, quantity} lines, as quantities; None means every open item."""
    if items is None:
        selected = open_quantities(doc)
        if not selected:
            raise _refused(doc, f"no item is left to {verb}")
        return selected
    lines = []
    for entry in items:
        lines.append({"orderItemId": entry, "quantity": None} if isinstance(entry, str) else entry)
    return _quantities(doc, lines, verb)


def _quantities(doc: OrderDocument, lines: Iterable, verb: str) -> dict[str, int]:
    order_id = doc["order"]["AmazonOrderId"]
    by_id = {item["OrderItemId"]: item for item in doc["items"]}
    wanted: dict[str, int] = {}
    for line in lines:
        if not isinstance(line, dict):
            raise RuleViolation(f"Invalid order item {line!r}: give an OrderItemId or {{orderItemId, quantity}}.")
        item_id = line.get("orderItemId")
        if item_id not in by_id:
            raise RuleViolation(f"Invalid orderItemId: order {order_id} has no item {item_id}.")
        quantity = line.get("quantity")
        if quantity is None:
            quantity = _open_quantity(by_id[item_id]) - wanted.get(item_id, 0)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise RuleViolation(f"Invalid quantity for item {item_id}: {quantity!r} is not a positive whole number.")
        wanted[item_id] = wanted.get(item_id, 0) + quantity
    if not wanted:
        raise RuleViolation(f"No items given to {verb}.")
    for item_id, quantity in wanted.items():
        open_quantity = _open_quantity(by_id[item_id])
        if quantity > open_quantity:
            raise RuleViolation(
                f"Invalid quantity for item {item_id}: cannot {verb} {quantity}; "
                f"only {open_quantity} of it {'is' if open_quantity == 1 else 'are'} neither shipped nor cancelled."
            )
    return wanted


def _minutes(policy: Policy) -> str:
    """The self-cancel window in words: '30 minutes', '1 hour 30 minutes', '45 seconds'."""
    seconds = int(policy.buyer_self_cancel_window.total_seconds())
    parts = []
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {unit}{'s' if count != 1 else ''}")
    return " ".join(parts) or "0 seconds"
