"""The named actions a scenario step or the control plane can apply to one order.

Each action has a JSON schema for its arguments (checked before anything runs, so a typo is
reported with the step it is in) and turns them into a call of the domain rule. Arguments are
short where a script wants them short: ``confirm_shipment: {order: o}`` ships every open item
with a generated package, while Amazon's own request body fields are accepted too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache

from jsonschema import Draft4Validator

from spapi_mock.domain import lifecycle
from spapi_mock.domain.exceptions import RuleViolation
from spapi_mock.domain.marketplaces import BY_ID as MARKETPLACES
from spapi_mock.domain.orders import AMOUNT_RULE, money_amount
from spapi_mock.domain.policy import Policy
from spapi_mock.kernel.dates import parse_iso, to_wire

_ITEM_REF = {
    "oneOf": [
        {"type": "string"},
        {
            "type": "object",
            "required": ["orderItemId"],
            "properties": {"orderItemId": {"type": "string"}, "quantity": {"type": "integer", "minimum": 1}},
            "additionalProperties": False,
        },
    ]
}
_ITEMS = {"type": "array", "minItems": 1, "items": _ITEM_REF}
_TEXT = {"type": "string", "minLength": 1}

# The order adjustment feed's AdjustmentReason values (feeds/schemas/order-feeds.xsd).
ADJUSTMENT_REASONS = (
    "NoInventory",
    "CustomerReturn",
    "GeneralAdjustment",
    "CouldNotShip",
    "DifferentItem",
    "Abandoned",
    "CustomerCancel",
    "PriceError",
    "ProductOutofStock",
    "CustomerAddressIncorrect",
    "Exchange",
    "Other",
    "CarrierCreditDecision",
    "RiskAssessmentInformationNotValid",
    "CarrierCoverageFailure",
    "TransactionRecord",
    "Undeliverable",
    "RefusedDelivery",
)
# The adjustment feed's price components a refund names, and the item's charge each refunds.
REFUND_COMPONENTS = {"Principal": "ItemPrice", "Shipping": "ShippingPrice", "Tax": "ItemTax", "ShippingTax": "ShippingTax"}
_AMOUNT = {"oneOf": [{"type": "number"}, {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}]}


@dataclass(frozen=True)
class Action:
    name: str
    summary: str
    properties: dict
    required: tuple[str, ...]
    run: Callable[[dict, datetime, Policy, dict], dict]

    @property
    def schema(self) -> dict:
        return {"type": "object", "properties": self.properties, "required": list(self.required), "additionalProperties": False}


def _confirm_shipment(doc: dict, now: datetime, policy: Policy, args: dict) -> dict:
    order_id = doc["order"]["AmazonOrderId"]
    package = dict(args.get("packageDetail") or {})
    items = args.get("items")
    if "orderItems" not in package:
        # With no items named, everything still open ships; if nothing is, the rule says why.
        quantities = (
            lifecycle.open_quantities(doc) if items is None else lifecycle.select_items(doc, _resolve_items(doc, items), "ship")
        )
        package["orderItems"] = [{"orderItemId": i, "quantity": q} for i, q in quantities.items()]
    number = len(doc.get("packages") or []) + 1
    package.setdefault("packageReferenceId", str(number))
    package.setdefault("carrierCode", args.get("carrierCode", "UPS"))
    package.setdefault("trackingNumber", args.get("trackingNumber", f"1Z{order_id.replace('-', '')}{number:02d}"))
    package.setdefault("shipDate", to_wire(parse_iso(args["shipDate"]) if args.get("shipDate") else now))
    request = {"marketplaceId": args.get("marketplaceId", doc["order"]["MarketplaceId"]), "packageDetail": package}
    if args.get("codCollectionMethod"):
        request["codCollectionMethod"] = args["codCollectionMethod"]
    return lifecycle.confirm_shipment(doc, now, policy, request)


def _refund(doc: dict, now: datetime, policy: Policy, args: dict) -> dict:
    """A refund of a shipped item, recorded as the adjustment feed's Refund records it
    (``feeds/processing._adjust``): amounts per price component as "AMOUNT CURRENCY" text,
    positive for what goes back to the buyer (Amazon's adjustment template: "positive amounts
    are refunded to the buyer and negative amounts are charged")."""
    item = _refunded_item(doc, args.get("item"))
    item_id = item["OrderItemId"]
    shipped = int(item.get("QuantityShipped") or 0)
    quantity = args.get("quantity", shipped)
    if shipped and quantity > shipped:
        raise RuleViolation(f"Invalid quantity: item {item_id} shipped {shipped}, so at most {shipped} can be refunded.")
    currency = (item.get("ItemPrice") or {}).get("CurrencyCode") or (doc["order"].get("OrderTotal") or {}).get("CurrencyCode")
    exponent = _exponent((item.get("ItemPrice") or {}).get("Amount", "0.00"))
    given = args.get("amounts")
    if given is None:
        # The item's full price share for the refunded quantity (charges are for QuantityOrdered).
        # Where prices include tax, Principal and Shipping are the prices less their tax, as the
        # shipment charged them (domain/finances.line_amounts), so a full refund gives back as much.
        ordered = int(item.get("QuantityOrdered") or 0) or 1
        charged = {component: _money(item, field) for component, field in REFUND_COMPONENTS.items()}
        if MARKETPLACES[doc["order"]["MarketplaceId"]].prices_include_tax:
            charged["Principal"] -= charged["Tax"]
            charged["Shipping"] -= charged["ShippingTax"]
        share = {
            component: amount * quantity / ordered for component, amount in charged.items() if amount or component == "Principal"
        }
    else:
        share = {}
        for component, amount in given.items():
            share[component] = money_amount(amount)
            if share[component] is None:
                raise RuleViolation(f"Invalid amounts.{component}: {amount!r} is not {AMOUNT_RULE}.")
    if shipped and sum(share.values()) <= 0:
        raise RuleViolation(
            f"Invalid amounts: a refund of item {item_id} must credit the buyer (Amazon: the net amount of an adjustment "
            "is a credit), so its amounts must add up to more than zero."
        )
    amounts = {component: f"{amount.quantize(exponent)} {currency}" for component, amount in share.items()}
    new = lifecycle.refund(doc, now, policy, item_id, args.get("reason", "CustomerReturn"), amounts)
    if shipped:
        new["refunds"][-1]["quantity"] = quantity
    return new


def _refunded_item(doc: dict, ref) -> dict:
    """The item a refund names (OrderItemId or SellerSKU); with none named, the order's only
    shipped item."""
    if ref is None:
        shipped = [item for item in doc["items"] if int(item.get("QuantityShipped") or 0)]
        if len(shipped) == 1:
            return shipped[0]
        order_id = doc["order"]["AmazonOrderId"]
        named = ", ".join(item["OrderItemId"] for item in shipped) or "none has shipped"
        raise RuleViolation(f"Invalid item: say which item of order {order_id} is refunded ({named}).")
    (item_id,) = _resolve_items(doc, [str(ref)])
    # An unknown item is lifecycle.refund's to refuse, as the feed's is.
    return next((item for item in doc["items"] if item["OrderItemId"] == item_id), {"OrderItemId": item_id})


def _money(item: dict, field: str) -> Decimal:
    amount = (item.get(field) or {}).get("Amount")
    return Decimal(str(amount)) if amount not in (None, "") else Decimal(0)


def _exponent(amount: str) -> Decimal:
    decimals = len(str(amount).split(".", 1)[1]) if "." in str(amount) else 0
    return Decimal(1).scaleb(-decimals)


def _update_shipment_status(doc: dict, now: datetime, policy: Policy, args: dict) -> dict:
    request = {"marketplaceId": args.get("marketplaceId", doc["order"]["MarketplaceId"]), "shipmentStatus": args["status"]}
    if args.get("items"):
        quantities = lifecycle.select_items(doc, _resolve_items(doc, args["items"]), "ship")
        request["orderItems"] = [{"orderItemId": i, "quantity": q} for i, q in quantities.items()]
    return lifecycle.update_shipment_status(doc, now, policy, request)


def _update_verification_status(doc: dict, now: datetime, policy: Policy, args: dict) -> dict:
    update = {"externalReviewerId": args.get("externalReviewerId", "spapi-mock-reviewer")}
    for name in ("status", "rejectionReasonId", "verificationDetails"):
        if name in args:
            update[name] = args[name]
    return lifecycle.update_verification_status(doc, now, policy, {"regulatedOrderVerificationStatus": update})


ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action(
            "authorize_payment",
            "Amazon authorizes payment: Pending → Unshipped.",
            {},
            (),
            lambda d, n, p, a: lifecycle.authorize_payment(d, n, p),
        ),
        Action(
            "decline_payment",
            "Payment fails: Amazon cancels a Pending order (not the seller's fault).",
            {},
            (),
            lambda d, n, p, a: lifecycle.decline_payment(d, n, p),
        ),
        Action(
            "release_preorder",
            "A pre-order is released: PendingAvailability → Pending.",
            {},
            (),
            lambda d, n, p, a: lifecycle.release_preorder(d, n, p),
        ),
        Action(
            "buyer_cancel",
            "The buyer cancels within the self-cancel window (not the seller's fault).",
            {"reason": _TEXT},
            (),
            lambda d, n, p, a: lifecycle.buyer_cancel(d, n, p, a.get("reason")),
        ),
        Action(
            "buyer_request_cancellation",
            'The buyer formally requests cancellation: items flagged IsBuyerRequestedCancel "true" with the reason.',
            {"reason": _TEXT, "items": _ITEMS},
            ("reason",),
            lambda d, n, p, a: lifecycle.request_cancellation(d, n, p, a["reason"], _resolve_items(d, a.get("items"))),
        ),
        Action(
            "buyer_message",
            "The buyer asks to cancel by message only: informal, no flag is set.",
            {"text": _TEXT},
            (),
            lambda d, n, p, a: lifecycle.message_cancellation(d, n, p, a.get("text")),
        ),
        Action(
            "seller_cancel",
            "The seller cancels some or all items of an Unshipped order with a reason.",
            {"reason": {"type": "string", "enum": list(lifecycle.SELLER_CANCEL_REASONS)}, "items": _ITEMS},
            ("reason",),
            lambda d, n, p, a: lifecycle.seller_cancel(d, n, p, a["reason"], _resolve_items(d, a.get("items"))),
        ),
        Action(
            "buy_shipping_label",
            "The seller buys a shipping label: the seller can no longer cancel.",
            {},
            (),
            lambda d, n, p, a: lifecycle.buy_shipping_label(d, n, p),
        ),
        Action(
            "confirm_shipment",
            "Confirm shipment of some or all items (as confirmShipment does).",
            {
                "items": _ITEMS,
                "carrierCode": _TEXT,
                "trackingNumber": _TEXT,
                "shipDate": _TEXT,
                "marketplaceId": _TEXT,
                "codCollectionMethod": {"enum": ["DirectPayment"]},
                "packageDetail": {"type": "object"},
            },
            (),
            _confirm_shipment,
        ),
        Action(
            "refund",
            "Refund a shipped item (as the adjustment feed's Refund does); amounts default to its price share.",
            {
                "item": {"type": ["string", "integer"]},
                "quantity": {"type": "integer", "minimum": 1},
                "amounts": {
                    "type": "object",
                    "properties": {component: _AMOUNT for component in REFUND_COMPONENTS},
                    "additionalProperties": False,
                    "minProperties": 1,
                },
                "reason": {"type": "string", "enum": list(ADJUSTMENT_REASONS)},
            },
            (),
            _refund,
        ),
        Action(
            "update_shipment_status",
            "Easy Ship pickup status (as updateShipmentStatus does).",
            {
                "status": {"type": "string", "enum": list(lifecycle.EASY_SHIP_STATUS_AFTER)},
                "items": _ITEMS,
                "marketplaceId": _TEXT,
            },
            ("status",),
            _update_shipment_status,
        ),
        Action(
            "update_verification_status",
            "Approve or reject a regulated order (as updateVerificationStatus does).",
            {
                "status": {"type": "string", "enum": ["Approved", "Rejected"]},
                "rejectionReasonId": _TEXT,
                "externalReviewerId": _TEXT,
                "verificationDetails": {"type": "object"},
            },
            (),
            _update_verification_status,
        ),
    )
}


def catalogue() -> dict:
    """Every action with its summary and argument schema, as GET /_mock/actions lists them."""
    return {"actions": [{"name": a.name, "summary": a.summary, "arguments": a.schema} for a in ACTIONS.values()]}


def check_args(name: str, args: dict, also_known: tuple[str, ...] = ()) -> Action:
    """The action, once its arguments are known to be well-formed; RuleViolation otherwise.

    ``also_known``: fields the caller took out before (a scenario step's ``order``), so that
    the list of known fields in a message is the one the user writes."""
    action = ACTIONS.get(name)
    if action is None:
        raise RuleViolation(f"Unknown action '{name}': use one of {', '.join(ACTIONS)}.")
    if not isinstance(args, dict):
        raise RuleViolation(f"Action {name}: its arguments must be a mapping.")
    # A misspelt field is reported as unknown rather than as the field it should have been.
    errors = sorted(
        _validator(name).iter_errors(args), key=lambda e: (list(e.absolute_path), e.validator != "additionalProperties")
    )
    error = next(iter(errors), None)
    if error is not None:
        message = describe(error, also_known)
        raise RuleViolation(message[0].upper() + message[1:])
    return action


def rule(name: str, args: dict) -> Callable[[dict, datetime, Policy], dict]:
    """The named action with these arguments, as a rule the backend applies to one order."""
    action = check_args(name, args)
    return lambda doc, now, policy: action.run(doc, now, policy, args)


def describe(error, also_known: tuple[str, ...] = ()) -> str:
    """A jsonschema error as 'field X: what is wrong'."""
    if error.validator == "additionalProperties":
        unknown = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        known = ", ".join([*also_known, *error.schema.get("properties", {})]) or "none"
        return f"unknown field '{unknown[0]}' (known: {known})."
    if error.validator == "required":
        return f"{error.message.split(' is a required')[0]} is required."
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
    return f"field {path}: {error.message}." if path else f"{error.message}."


@cache
def _validator(name: str) -> Draft4Validator:
    return Draft4Validator(ACTIONS[name].schema)


def _resolve_items(doc: dict, items: list | None) -> list | None:
    """Item references by OrderItemId or, when unambiguous, by SellerSKU."""
    if items is None:
        return None
    by_id = {item["OrderItemId"] for item in doc["items"]}
    by_sku: dict[str, list[str]] = {}
    for item in doc["items"]:
        if item.get("SellerSKU"):
            by_sku.setdefault(item["SellerSKU"], []).append(item["OrderItemId"])
    resolved = []
    for entry in items:
        ref = entry if isinstance(entry, str) else entry.get("orderItemId")
        if ref not in by_id and len(by_sku.get(ref, [])) == 1:
            ref = by_sku[ref][0]
        resolved.append(ref if isinstance(entry, str) else {**entry, "orderItemId": ref})
    return resolved
