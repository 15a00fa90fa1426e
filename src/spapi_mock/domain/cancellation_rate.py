"""The seller's cancellation rate, as Amazon's account health page computes it.

Over a rolling window (7 days by default): MFN orders cancelled against the seller within the
window, divided by the MFN orders of the window (placed in it, or cancelled against the seller
in it). Dating a cancellation by when it happened, not by when the order was placed, is what
lets Amazon's automatic cancellation count at all: it comes at least 7 days after the ship-by
date, when the order itself has left the window. Buyer self-cancels, BuyerCanceled answers to
formal buyer requests and cancellations for failed payment (declined, or never authorized within
the 21 days Amazon allows) are excluded because their records say they do not count; an order
counts once however many of its items were cancelled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from spapi_mock.domain.model import OrderDocument
from spapi_mock.domain.policy import Policy
from spapi_mock.kernel.dates import to_wire


@dataclass(frozen=True)
class CancellationRate:
    seller_id: str
    marketplace_id: str
    window_start: str
    window_end: str
    seller_cancelled: int
    orders: int
    threshold: Decimal

    @property
    def rate(self) -> Decimal:
        return Decimal(self.seller_cancelled) / Decimal(self.orders) if self.orders else Decimal(0)

    @property
    def breached(self) -> bool:
        return self.orders > 0 and self.rate >= self.threshold

    def as_dict(self) -> dict:
        return {
            "sellerId": self.seller_id,
            "marketplaceId": self.marketplace_id,
            "windowStart": self.window_start,
            "windowEnd": self.window_end,
            "sellerCancelledOrders": self.seller_cancelled,
            "orders": self.orders,
            "rate": float(self.rate.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)),
            "threshold": float(self.threshold),
            "breached": self.breached,
        }


def window(now: datetime, policy: Policy) -> tuple[str, str]:
    return to_wire(now - policy.cancellation_rate_window), to_wire(now)


def cancelled_against_seller(doc: OrderDocument, start: str, end: str) -> bool:
    """Whether the order was cancelled against the seller between start and end."""
    return any(record.get("counts_against_seller") and start <= record["at"] <= end for record in doc.get("cancellations") or [])


def compute(
    docs: Iterable[OrderDocument], seller_id: str, marketplace_id: str, now: datetime, policy: Policy
) -> CancellationRate:
    """``docs``: at least the seller's orders in the marketplace placed or changed within the
    window (a cancellation moves LastUpdateDate); others are ignored, duplicates count once."""
    start, end = window(now, policy)
    seen: set[str] = set()
    orders = cancelled = 0
    for doc in docs:
        order = doc["order"]
        if order.get("FulfillmentChannel") != "MFN" or order["AmazonOrderId"] in seen:
            continue
        seen.add(order["AmazonOrderId"])
        against = cancelled_against_seller(doc, start, end)
        if against or start <= order["PurchaseDate"] <= end:
            orders += 1
            cancelled += against
    return CancellationRate(seller_id, marketplace_id, start, end, cancelled, orders, policy.cancellation_rate_threshold)
