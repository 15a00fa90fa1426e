"""Rules about one order document that every view of it shares."""

from __future__ import annotations

from decimal import Decimal

from spapi_mock.domain.model import PAYMENT_PENDING_STATUSES, BuyerRequestedCancel, Order, OrderDocument, OrderItem, OrderStatus

# The two dates getOrders and searchOrders select orders by.
PURCHASE_DATE = "PurchaseDate"
LAST_UPDATE_DATE = "LastUpdateDate"

# An item's charges; what a cancelled quantity no longer costs and what Pending orders hide.
ITEM_MONEY_FIELDS = (
    "ItemPrice",
    "ShippingPrice",
    "ItemTax",
    "ShippingTax",
    "ShippingDiscount",
    "ShippingDiscountTax",
    "PromotionDiscount",
    "PromotionDiscountTax",
)

# Every money field of a line: its charges, and its cash-on-delivery fee and that fee's discount.
LINE_MONEY_FIELDS = (*ITEM_MONEY_FIELDS, "CODFee", "CODFeeDiscount")
# The money a line keeps in its BuyerInfo (Amazon's ItemBuyerInfo): its gift wrap's price and tax.
GIFT_MONEY_FIELDS = ("GiftWrapPrice", "GiftWrapTax")

# Discounts lower what the buyer pays; every other charge adds to it.
DISCOUNT_FIELDS = frozenset({"ShippingDiscount", "ShippingDiscountTax", "PromotionDiscount", "PromotionDiscountTax"})

ORDER_STATUSES = tuple(OrderStatus)

_NOTHING_LEFT_TO_SHIP = frozenset({OrderStatus.CANCELED, OrderStatus.UNFULFILLABLE})


def is_payment_pending(order: Order) -> bool:
    return order.get("OrderStatus") in PAYMENT_PENDING_STATUSES


def item_counts(items: list[OrderItem], status: str) -> tuple[int, int]:
    """(NumberOfItemsShipped, NumberOfItemsUnshipped) as Amazon counts them.

    A cancelled order has nothing left to ship.
    """
    shipped = sum(int(item.get("QuantityShipped") or 0) for item in items)
    if status in _NOTHING_LEFT_TO_SHIP:
        return shipped, 0
    ordered = sum(int(item.get("QuantityOrdered") or 0) for item in items)
    return shipped, max(ordered - shipped, 0)


def unshipped_quantity(item: OrderItem, status: str) -> int:
    """One item's share of NumberOfItemsUnshipped (v2026's quantityUnfulfilled)."""
    if status in _NOTHING_LEFT_TO_SHIP:
        return 0
    return max(int(item.get("QuantityOrdered") or 0) - int(item.get("QuantityShipped") or 0), 0)


def item_cancellations(doc: OrderDocument) -> dict[str, dict]:
    """OrderItemId → the latest cancellation that took units of it: ``{"by", "reason", "at"}``.

    ``by`` is BUYER, MERCHANT or AMAZON. A cancellation recorded without items (a fixture's
    record for a cancelled order) concerns every item of the order.
    """
    latest: dict[str, dict] = {}
    for record in doc.get("cancellations") or []:
        fact = {"by": record["by"], "reason": record.get("reason"), "at": record.get("at")}
        item_ids = [item_id for item_id, quantity in (record.get("items") or {}).items() if quantity]
        for item_id in item_ids or [item["OrderItemId"] for item in doc["items"]]:
            latest[item_id] = fact
    return latest


def buyer_requested_cancel(item: dict) -> BuyerRequestedCancel:
    """The item's BuyerRequestedCancel, with Amazon's explicit "false" when there is none."""
    flag = item.get("BuyerRequestedCancel") or {}
    if flag.get("IsBuyerRequestedCancel") == "true":
        result: BuyerRequestedCancel = {"IsBuyerRequestedCancel": "true"}
        if flag.get("BuyerCancelReason"):
            result["BuyerCancelReason"] = flag["BuyerCancelReason"]
        return result
    return {"IsBuyerRequestedCancel": "false"}


# Amounts are rounded to the currency's cents and added up in Decimal's default 28 digits: a
# trillion leaves room for any order's sum (and a larger one is no price).
MAX_AMOUNT = Decimal(10) ** 12
AMOUNT_RULE = "a decimal number of less than a trillion"


def money_amount(value: object) -> Decimal | None:
    """A Money.Amount as a number, or None if it is none the rules can add up."""
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        return None
    return amount if amount.is_finite() and abs(amount) < MAX_AMOUNT else None
