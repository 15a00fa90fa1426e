"""A newly placed order, completed from whatever the user specified.

Users (scenarios, the control plane) give as much of Amazon's v0 Order and OrderItem fields as
they care about; everything else gets the value a typical new order on that marketplace has,
so that the result is a complete, valid order (the fixture loader checks it like any other).
"""

from __future__ import annotations

import copy
import hashlib
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from ..dates import to_wire
from ..marketplaces import BY_ID as MARKETPLACES
from .exceptions import RuleViolation
from .orders import DISCOUNT_FIELDS, ITEM_MONEY_FIELDS

US = "ATVPDKIKX0DER"
# A new order is placed; later states are reached through actions (or loaded as fixtures).
PLACED_STATUSES = ("Pending", "PendingAvailability", "Unshipped")
DEFAULT_UNIT_PRICE = Decimal("19.99")
_ORDER_ID_PREFIXES = {"na": ("111", "112", "113", "114"), "eu": ("302", "303", "304", "305"), "fe": ("249", "250", "503")}
_ZERO_DECIMAL_CURRENCIES = frozenset({"JPY"})


def order_id(seller_id: str, marketplace_id: str, purchase_date: str, sequence: int) -> str:
    """An Amazon-shaped id (3-7-7 digits), the same for the same inputs so that a scenario run
    against a fresh store is repeatable."""
    digest = hashlib.sha256(f"{seller_id}|{marketplace_id}|{purchase_date}|{sequence}".encode()).hexdigest()
    number = str(int(digest, 16))
    region = MARKETPLACES[marketplace_id].region if marketplace_id in MARKETPLACES else "na"
    prefixes = _ORDER_ID_PREFIXES[region]
    return f"{prefixes[int(digest[:2], 16) % len(prefixes)]}-{number[-14:-7]}-{number[-7:]}"


def given_order(spec: Any) -> dict:
    """The Order fields a new order's ``spec`` sets, once the spec is known to be well-formed."""
    if not isinstance(spec, dict):
        raise RuleViolation("An order to place is a mapping with 'order' and/or 'items'.")
    unknown = set(spec) - {"order", "items", "address", "regulated"}
    if unknown:
        raise RuleViolation(f"Unknown field(s) for a new order: {', '.join(sorted(unknown))} (expected order, items, address).")
    given = spec.get("order") or {}
    if not isinstance(given, dict):
        raise RuleViolation("Field 'order' of a new order must be a mapping of Amazon's Order fields.")
    return given


def new_order_record(spec: dict, amazon_order_id: str, now: datetime) -> dict:
    """A fixture record ({order, items, address}) for a new order, from a partial ``spec``."""
    given = copy.deepcopy(given_order(spec))
    marketplace_id = given.get("MarketplaceId", US)
    marketplace = MARKETPLACES.get(marketplace_id)
    if marketplace is None:
        raise RuleViolation(f"Unknown MarketplaceId '{marketplace_id}'.")
    status = given.get("OrderStatus", "Pending")
    if status not in PLACED_STATUSES:
        raise RuleViolation(
            f"A new order is placed as {', '.join(PLACED_STATUSES)}, not {status}; later states are reached "
            "through actions, or loaded as fixtures."
        )
    currency = marketplace.currency
    items = _items(spec.get("items"), amazon_order_id, currency)
    stamp = to_wire(now)
    order = {
        "AmazonOrderId": amazon_order_id,
        "PurchaseDate": stamp,
        "LastUpdateDate": stamp,
        "OrderStatus": status,
        "FulfillmentChannel": "MFN",
        "MarketplaceId": marketplace_id,
        "SalesChannel": marketplace.sales_channel,
        "OrderType": "Preorder" if status == "PendingAvailability" else "StandardOrder",
        "ShipServiceLevel": "Std Dom",
        "ShipmentServiceLevelCategory": "Standard",
        "PaymentMethod": "Other",
        "PaymentMethodDetails": ["Standard"],
        "EarliestShipDate": stamp,
        "LatestShipDate": to_wire(now + timedelta(days=2)),
        "EarliestDeliveryDate": to_wire(now + timedelta(days=3)),
        "LatestDeliveryDate": to_wire(now + timedelta(days=7)),
        "IsBusinessOrder": False,
        "IsPrime": False,
        "IsPremiumOrder": False,
        "IsGlobalExpressEnabled": False,
        "IsReplacementOrder": False,
        "IsSoldByAB": False,
        "IsISPU": False,
        "IsAccessPointOrder": False,
        "HasRegulatedItems": False,
        "BuyerInfo": {"BuyerEmail": f"{amazon_order_id.replace('-', '')}@marketplace.amazon.com"},
        "ShippingAddress": {
            "Name": "Sam Buyer",
            "AddressLine1": "1 Example Street",
            "City": "Exampleton",
            "PostalCode": "10001",
            "CountryCode": marketplace.country,
        },
        "OrderTotal": {"CurrencyCode": currency, "Amount": _amount(_items_total(items), currency)},
        **given,
    }
    record = {"order": order, "items": items}
    if spec.get("address") is not None:
        record["address"] = spec["address"]
    if spec.get("regulated") is not None:
        record["regulated"] = spec["regulated"]
        order["HasRegulatedItems"] = True
    return record


def _items(given, amazon_order_id: str, currency: str) -> list[dict]:
    if given is None:
        given = [{}]
    if not isinstance(given, list) or not given:
        raise RuleViolation("Field 'items' of a new order must be a non-empty list of Amazon's OrderItem fields.")
    base = amazon_order_id.replace("-", "")[-12:]
    items = []
    for n, item in enumerate(given, start=1):
        if not isinstance(item, dict):
            raise RuleViolation(f"Item #{n} of a new order must be a mapping of Amazon's OrderItem fields.")
        quantity = item.get("QuantityOrdered", 1)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise RuleViolation(f"Item #{n} of a new order: QuantityOrdered must be a positive whole number, not {quantity!r}.")
        items.append(
            {
                "ASIN": f"B0MOCK{n:04d}",
                "OrderItemId": f"{base}{n:02d}",
                "SellerSKU": f"MOCK-SKU-{n}",
                "Title": f"Mock item {n}",
                "QuantityOrdered": quantity,
                "QuantityShipped": 0,
                "ProductInfo": {"NumberOfItems": "1"},
                "ItemPrice": {"CurrencyCode": currency, "Amount": _amount(DEFAULT_UNIT_PRICE * quantity, currency)},
                "ItemTax": {"CurrencyCode": currency, "Amount": _amount(Decimal(0), currency)},
                "IsGift": "false",
                "ConditionId": "New",
                "ConditionSubtypeId": "New",
                "IsTransparency": False,
                "SerialNumberRequired": False,
                **item,
            }
        )
    return items


def _items_total(items: list[dict]) -> Decimal:
    """What the buyer pays: charges and taxes, less discounts (as cancellation refunds them)."""
    total = Decimal(0)
    for item in items:
        for name in ITEM_MONEY_FIELDS:
            money = item.get(name)
            if isinstance(money, dict) and "Amount" in money:
                try:
                    amount = Decimal(str(money["Amount"]))
                except ArithmeticError:
                    raise RuleViolation(f"Invalid {name}.Amount {money['Amount']!r}: not a number.") from None
                total += -amount if name in DISCOUNT_FIELDS else amount
    return total


def _amount(value: Decimal, currency: str) -> str:
    return str(value.quantize(Decimal(1) if currency in _ZERO_DECIMAL_CURRENCIES else Decimal("0.01")))
