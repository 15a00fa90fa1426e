"""The seller's cancellation rate, as Amazon's account health page computes it.

Over a rolling window (7 days by default): MFN orders the seller cancelled, divided by all MFN
orders placed in the window. Buyer self-cancels, BuyerCanceled answers to formal buyer
requests, and Amazon's cancellations for failed payment are excluded because their records
say they do not count; an order counts once however many of its items the seller cancelled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from ..dates import to_wire
from .policy import Policy


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


def counts_against_seller(doc: dict) -> bool:
    return any(record.get("counts_against_seller") for record in doc.get("cancellations") or [])


def compute(docs: Iterable[dict], seller_id: str, marketplace_id: str, now: datetime, policy: Policy) -> CancellationRate:
    """``docs``: the seller's orders in the marketplace placed within the window."""
    start, end = window(now, policy)
    orders = cancelled = 0
    for doc in docs:
        order = doc["order"]
        if order.get("FulfillmentChannel") != "MFN" or not start <= order["PurchaseDate"] <= end:
            continue
        orders += 1
        cancelled += counts_against_seller(doc)
    return CancellationRate(seller_id, marketplace_id, start, end, cancelled, orders, policy.cancellation_rate_threshold)
