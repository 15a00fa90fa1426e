"""The stored order document: its shape, its statuses, and which rule may move which status where.

One document per order, version-neutral: every API version's view is derived from it without
reshaping. ``order`` and ``items`` hold Amazon's v0 Order and OrderItem fields exactly as the v0
model names them (any field of the model may appear; the types below name those the rules read).
Beside them the document keeps what the v0 wire format cannot say but later rules need: who
cancelled what and whether it counts against the seller, the buyer's cancellation requests, the
confirmed packages, whether a shipping label exists, and when Amazon will next act on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, NotRequired, TypedDict


class OrderStatus(StrEnum):
    """Amazon's ``Order.OrderStatus`` values, spelt as on the wire ("Canceled", one "l")."""

    PENDING_AVAILABILITY = "PendingAvailability"  # a pre-order, not yet released
    PENDING = "Pending"  # placed, payment not yet authorized
    UNSHIPPED = "Unshipped"
    PARTIALLY_SHIPPED = "PartiallyShipped"
    SHIPPED = "Shipped"
    INVOICE_UNCONFIRMED = "InvoiceUnconfirmed"
    CANCELED = "Canceled"
    UNFULFILLABLE = "Unfulfillable"  # multi-channel fulfillment only


# -- the document ---------------------------------------------------------------------------


class Money(TypedDict):
    CurrencyCode: str
    Amount: str


class BuyerRequestedCancel(TypedDict):
    IsBuyerRequestedCancel: Literal["true", "false"]
    BuyerCancelReason: NotRequired[str]


class Order(TypedDict):
    """Amazon's v0 ``Order``. Dates are wire strings (``2025-06-15T12:00:00Z``), which compare
    correctly as strings; the counts are derived from the items, never given."""

    AmazonOrderId: str
    PurchaseDate: str
    LastUpdateDate: str
    OrderStatus: str  # an OrderStatus value
    FulfillmentChannel: Literal["MFN", "AFN"]
    MarketplaceId: str
    SalesChannel: NotRequired[str]
    NumberOfItemsShipped: int
    NumberOfItemsUnshipped: int
    OrderTotal: NotRequired[Money]  # absent while Pending on the wire, and once fully cancelled
    PaymentMethod: NotRequired[str]
    EarliestShipDate: NotRequired[str]
    LatestShipDate: NotRequired[str]  # the ship-by date automatic cancellation counts from
    EarliestDeliveryDate: NotRequired[str]
    LatestDeliveryDate: NotRequired[str]
    EasyShipShipmentStatus: NotRequired[str]
    BuyerInfo: NotRequired[dict[str, Any]]
    ShippingAddress: NotRequired[dict[str, Any]]


class OrderItem(TypedDict):
    """Amazon's v0 ``OrderItem``; a cancelled quantity is no longer ordered (QuantityOrdered drops)."""

    OrderItemId: str
    QuantityOrdered: int
    QuantityShipped: NotRequired[int]
    BuyerRequestedCancel: BuyerRequestedCancel
    ItemPrice: NotRequired[Money]
    ItemTax: NotRequired[Money]
    ShippingPrice: NotRequired[Money]
    ShippingTax: NotRequired[Money]
    ShippingDiscount: NotRequired[Money]
    ShippingDiscountTax: NotRequired[Money]
    PromotionDiscount: NotRequired[Money]
    PromotionDiscountTax: NotRequired[Money]


CancelledBy = Literal["BUYER", "MERCHANT", "AMAZON"]


class Cancellation(TypedDict):
    """One cancellation: what the cancellation rate reads (``counts_against_seller``, ``at``)."""

    at: str
    by: CancelledBy
    reason: str
    items: dict[str, int]  # OrderItemId → quantity cancelled; empty in a fixture's record: every item
    answers_buyer_request: bool
    counts_against_seller: bool


class CancelRequest(TypedDict):
    """The buyer asked to cancel: formally (items flagged) or by message (nothing flagged)."""

    at: str
    formal: bool
    reason: str
    items: list[str]


class Package(TypedDict):
    """A confirmed shipment (confirmShipment's packageDetail, with the quantities it shipped)."""

    packageReferenceId: str
    carrierCode: str
    carrierName: str | None
    shippingMethod: str | None
    trackingNumber: str
    shipDate: str
    items: dict[str, int]


class Event(TypedDict):
    """One entry of the order's history; the rule that wrote it may add details of its own."""

    at: str
    event: str
    status: NotRequired[str]


class OrderDocument(TypedDict):
    """One stored order, as the store keeps it and every rule and view reads it."""

    seller_id: str
    order: Order
    items: list[OrderItem]
    # getOrderAddress's fields beyond the Order's ShippingAddress (BuyerCompanyName, DeliveryPreferences).
    address: dict[str, Any]
    # getOrderRegulatedInfo's body without its AmazonOrderId, or None for an order of unregulated items.
    regulated: dict[str, Any] | None
    cancellations: list[Cancellation]
    history: list[Event]
    # When Amazon will next change the order on its own (a cancellation), or None if never.
    due_at: NotRequired[str | None]
    cancel_requests: NotRequired[list[CancelRequest]]
    packages: NotRequired[list[Package]]
    # A label was bought (or an Easy Ship pickup is ready): the seller can no longer cancel.
    shipping_label: NotRequired[bool]
    verification_details: NotRequired[dict[str, Any]]
    # Since when payment has been awaited, when that is not PurchaseDate (a released pre-order).
    awaiting_payment_since: NotRequired[str]


# -- the status machine ---------------------------------------------------------------------

_S = OrderStatus


@dataclass(frozen=True)
class Transition:
    """Which statuses a rule acts on and what each may become; why the rule refuses any other.

    ``refusals`` gives the reason for a status where a general sentence would mislead (a shipped
    order cannot be cancelled because the buyer must return it, not because it "is not Unshipped").
    """

    moves: Mapping[OrderStatus, frozenset[OrderStatus]]
    refused: str
    refusals: Mapping[OrderStatus, str] = field(default_factory=dict)

    def why_not(self, status: str) -> str | None:
        """None if the rule may act on an order in ``status``; otherwise why not."""
        if status in self.moves:
            return None
        # StrEnum members hash and compare as their strings, so a stored status looks itself up.
        return self.refusals.get(status, self.refused)  # type: ignore[call-overload]


def _stays(*statuses: OrderStatus) -> dict[OrderStatus, frozenset[OrderStatus]]:
    return {status: frozenset({status}) for status in statuses}


_RETURN_IT = "a shipped order cannot be cancelled; the buyer must return it for a refund"
_NOT_PAID = "payment is not yet authorized"
_SELLER_CANCELS = "only Unshipped orders can be cancelled by the seller"

# Every rule of domain/lifecycle.py that depends on the order's status: the statuses it acts on
# and what each may become (tests drive every move and hold the rules to this table). Only
# updateVerificationStatus is not here: it concerns the regulated items whatever the status.
TRANSITIONS: Mapping[str, Transition] = {
    "release_preorder": Transition(
        {_S.PENDING_AVAILABILITY: frozenset({_S.PENDING})},
        "only a PendingAvailability (pre-order) order can be released",
    ),
    "authorize_payment": Transition(
        {_S.PENDING: frozenset({_S.UNSHIPPED})},
        "only a Pending order waits for payment authorization",
        {_S.PENDING_AVAILABILITY: "a pre-order is charged only after its release (release_preorder first)"},
    ),
    "decline_payment": Transition(
        {_S.PENDING: frozenset({_S.CANCELED}), _S.PENDING_AVAILABILITY: frozenset({_S.CANCELED})},
        "only an order waiting for payment can have it declined",
    ),
    # Amazon's own: payment never authorized within the policy's time.
    "expire_payment": Transition(
        {_S.PENDING: frozenset({_S.CANCELED})},
        "only a Pending order waits for payment authorization",
    ),
    "buyer_cancel": Transition(
        {status: frozenset({_S.CANCELED}) for status in (_S.PENDING, _S.PENDING_AVAILABILITY, _S.UNSHIPPED)},
        "only an order not yet shipped can be cancelled",
        {_S.SHIPPED: _RETURN_IT, _S.PARTIALLY_SHIPPED: _RETURN_IT},
    ),
    "request_cancellation": Transition(
        _stays(_S.PENDING, _S.UNSHIPPED, _S.PARTIALLY_SHIPPED),
        "only an order not yet shipped can have cancellation requested",
        {
            _S.SHIPPED: _RETURN_IT,
            _S.PENDING_AVAILABILITY: "the buyer cancels a pre-order directly until its release (buyer_cancel), without a request",
        },
    ),
    "message_cancellation": Transition(
        _stays(_S.PENDING, _S.PENDING_AVAILABILITY, _S.UNSHIPPED, _S.PARTIALLY_SHIPPED),
        "there is nothing left to cancel",
    ),
    # Some items (the order stays Unshipped) or all of them.
    "seller_cancel": Transition(
        {_S.UNSHIPPED: frozenset({_S.UNSHIPPED, _S.CANCELED})},
        _SELLER_CANCELS,
        {
            _S.PENDING: f"{_SELLER_CANCELS}; {_NOT_PAID}",
            _S.PENDING_AVAILABILITY: f"{_SELLER_CANCELS}; {_NOT_PAID}",
            _S.SHIPPED: f"{_SELLER_CANCELS}; once shipped, the buyer must return it for a refund",
            _S.PARTIALLY_SHIPPED: f"{_SELLER_CANCELS}; once shipped, the buyer must return it for a refund",
        },
    ),
    "buy_shipping_label": Transition(
        _stays(_S.UNSHIPPED, _S.PARTIALLY_SHIPPED),
        "a label can be bought only for an order that can ship",
    ),
    "confirm_shipment": Transition(
        {status: frozenset({_S.PARTIALLY_SHIPPED, _S.SHIPPED}) for status in (_S.UNSHIPPED, _S.PARTIALLY_SHIPPED)},
        "only Unshipped or PartiallyShipped orders can be confirmed as shipped",
        {
            _S.PENDING: f"{_NOT_PAID}, so it cannot be confirmed as shipped",
            _S.PENDING_AVAILABILITY: f"{_NOT_PAID}, so it cannot be confirmed as shipped",
            _S.CANCELED: "a cancelled order cannot be shipped",
            _S.SHIPPED: "every item has already been confirmed as shipped",
        },
    ),
    # Ready for pickup or refused (the status stays), or picked up (some or all items ship).
    "update_shipment_status": Transition(
        {
            _S.UNSHIPPED: frozenset({_S.UNSHIPPED, _S.PARTIALLY_SHIPPED, _S.SHIPPED}),
            _S.PARTIALLY_SHIPPED: frozenset({_S.PARTIALLY_SHIPPED, _S.SHIPPED}),
        },
        "only an order waiting to ship can have its pickup status updated",
    ),
    # The order acknowledgement feed's Success: the seller has the order (and may name it).
    "acknowledge": Transition(
        _stays(_S.UNSHIPPED, _S.PARTIALLY_SHIPPED, _S.SHIPPED, _S.INVOICE_UNCONFIRMED),
        "only an order whose payment is authorized can be acknowledged",
        {
            _S.PENDING: f"{_NOT_PAID}; acknowledge it once it is Unshipped",
            _S.PENDING_AVAILABILITY: f"{_NOT_PAID}; acknowledge it once it is Unshipped",
        },
    ),
    # The order adjustment feed's Refund: money back for what has shipped.
    "refund": Transition(
        _stays(_S.PARTIALLY_SHIPPED, _S.SHIPPED, _S.INVOICE_UNCONFIRMED),
        "only shipped items can be refunded",
        {_S.UNSHIPPED: "nothing has shipped, so nothing can be refunded; cancel the items instead"},
    ),
    # Amazon's own: what was not shipped by the deadline is cancelled; what shipped stays shipped.
    "auto_cancel": Transition(
        {_S.UNSHIPPED: frozenset({_S.CANCELED}), _S.PARTIALLY_SHIPPED: frozenset({_S.SHIPPED})},
        "only an order waiting to ship can miss its ship-by date",
    ),
}

# The statuses in which an order waits for payment, and in which it can ship.
PAYMENT_PENDING_STATUSES = frozenset({_S.PENDING, _S.PENDING_AVAILABILITY})
SHIPPABLE_STATUSES = frozenset(TRANSITIONS["confirm_shipment"].moves)
