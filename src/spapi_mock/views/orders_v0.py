"""Orders v0 wire shapes, derived from a stored order document.

What Amazon withholds is withheld here: while payment is pending (Pending,
PendingAvailability) no order total, prices, taxes, shipping charges, gift status, promotions
or shipping address are disclosed. Under strict auth, restricted data (the buyer's name and tax
details, the street address) shows only to a Restricted Data Token whose dataElements name it.
"""

from __future__ import annotations

from spapi_mock.domain.orders import ITEM_MONEY_FIELDS, buyer_requested_cancel, is_payment_pending

_ORDER_FIELDS_HIDDEN_WHILE_PENDING = ("OrderTotal", "ShippingAddress", "PaymentExecutionDetail")
# Amazon's model (Order.ShippingAddress): "only available for orders with the following status
# values: Unshipped, PartiallyShipped, Shipped and InvoiceUnconfirmed".
_STATUSES_WITH_ADDRESS = frozenset({"Unshipped", "PartiallyShipped", "Shipped", "InvoiceUnconfirmed"})
_ITEM_FIELDS_HIDDEN_WHILE_PENDING = (
    *ITEM_MONEY_FIELDS,
    "PromotionIds",
    "CODFee",
    "CODFeeDiscount",
    "IsGift",
    "TaxCollection",
    "PointsGranted",
)
_ITEM_BUYER_INFO_HIDDEN_WHILE_PENDING = ("GiftWrapPrice", "GiftWrapTax", "GiftMessageText", "GiftWrapLevel")


# What getOrders and getOrder still show of an address, and of the buyer, without an RDT.
_ADDRESS_FIELDS_WITHOUT_RDT = ("City", "County", "District", "Municipality", "StateOrRegion", "PostalCode", "CountryCode")
_BUYER_INFO_FIELDS_WITHOUT_RDT = ("BuyerEmail", "BuyerCounty")


def order(doc: dict, personal_data: frozenset[str] | None = None, now: str | None = None) -> dict:
    """``personal_data``: the RDT dataElements the caller holds; None shows everything. ``now``
    (the mock clock, as on the wire): what Amazon stops showing after delivery is withheld."""
    body = dict(doc["order"])
    if is_payment_pending(body):
        for name in _ORDER_FIELDS_HIDDEN_WHILE_PENDING:
            body.pop(name, None)
    if body.get("OrderStatus") not in _STATUSES_WITH_ADDRESS:
        body.pop("ShippingAddress", None)
    if body.get("ShippingAddress"):
        body["ShippingAddress"] = _disclosed_address(body, now)
    if personal_data is not None:
        body = _restricted(body, personal_data)
    return body


def shows_address(stored: dict) -> bool:
    """Whether ``order`` shows the stored order's ShippingAddress (its Phone aside)."""
    return not is_payment_pending(stored) and stored.get("OrderStatus") in _STATUSES_WITH_ADDRESS


def _disclosed_address(order: dict, now: str | None) -> dict:
    """The shipping address as Amazon discloses it. Amazon's model (Address.Phone): "Phone is
    suppressed for all AFN (fulfilled by Amazon) orders", and "for the shipped MFN (fulfilled
    by seller) order when the current date is past the Latest Delivery Date"."""
    address = order["ShippingAddress"]
    if "Phone" in address and _phone_suppressed(order, now):
        return _without(address, ("Phone",))
    return address


def _phone_suppressed(order: dict, now: str | None) -> bool:
    if order.get("FulfillmentChannel") == "AFN":
        return True
    delivered_by = order.get("LatestDeliveryDate")
    return now is not None and order.get("OrderStatus") == "Shipped" and bool(delivered_by) and now > delivered_by


def _restricted(body: dict, personal_data: frozenset[str]) -> dict:
    if "shippingAddress" not in personal_data and "ShippingAddress" in body:
        body["ShippingAddress"] = _only(body["ShippingAddress"], _ADDRESS_FIELDS_WITHOUT_RDT)
    if "buyerInfo" not in personal_data and "BuyerInfo" in body:
        body["BuyerInfo"] = _only(body["BuyerInfo"], _BUYER_INFO_FIELDS_WITHOUT_RDT)
    if "buyerTaxInformation" not in personal_data:
        body.pop("BuyerTaxInformation", None)
    return body


def order_with_items(doc: dict) -> dict:
    """What the control plane answers about an order: getOrder's and getOrderItems' views."""
    return {"order": order(doc), "items": order_items(doc)}


def order_items(doc: dict) -> list[dict]:
    pending = is_payment_pending(doc["order"])
    return [_item(item, pending) for item in doc["items"]]


def _item(stored: dict, pending: bool) -> dict:
    body = dict(stored)
    body["BuyerRequestedCancel"] = buyer_requested_cancel(stored)
    if pending:
        for name in _ITEM_FIELDS_HIDDEN_WHILE_PENDING:
            body.pop(name, None)
        if "BuyerInfo" in body:
            body["BuyerInfo"] = _without(body["BuyerInfo"], _ITEM_BUYER_INFO_HIDDEN_WHILE_PENDING)
            if not body["BuyerInfo"]:
                del body["BuyerInfo"]
    return body


def order_buyer_info(doc: dict) -> dict:
    return {"AmazonOrderId": doc["order"]["AmazonOrderId"], **(doc["order"].get("BuyerInfo") or {})}


def order_address(doc: dict, now: str | None = None) -> dict:
    stored = doc["order"]
    body = {"AmazonOrderId": stored["AmazonOrderId"]}
    extras = doc.get("address") or {}
    if extras.get("BuyerCompanyName"):
        body["BuyerCompanyName"] = extras["BuyerCompanyName"]
    if stored.get("OrderStatus") in _STATUSES_WITH_ADDRESS and stored.get("ShippingAddress"):
        body["ShippingAddress"] = _disclosed_address(stored, now)
    if extras.get("DeliveryPreferences"):
        body["DeliveryPreferences"] = extras["DeliveryPreferences"]
    return body


def order_items_buyer_info(doc: dict) -> list[dict]:
    pending = is_payment_pending(doc["order"])
    out = []
    for item in doc["items"]:
        info = dict(item.get("BuyerInfo") or {})
        if pending:
            info = _without(info, _ITEM_BUYER_INFO_HIDDEN_WHILE_PENDING)
        out.append({"OrderItemId": item["OrderItemId"], **info})
    return out


def order_regulated_info(doc: dict) -> dict:
    return {"AmazonOrderId": doc["order"]["AmazonOrderId"], **doc["regulated"]}


def _only(values: dict, names: tuple[str, ...]) -> dict:
    return {k: v for k, v in values.items() if k in names}


def _without(values: dict, names: tuple[str, ...]) -> dict:
    return {k: v for k, v in values.items() if k not in names}
