"""Amazon's policy numbers, as configuration with Amazon's defaults.

They are policy, not physics: Amazon has changed them before (automatic cancellation moved
from 30 days after the order to 7 days after the ship-by date in 2020), and users test what
their software does under other numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

MAX_POLICY_DURATION = timedelta(days=3 * 365)


@dataclass(frozen=True)
class Policy:
    # The buyer cancels directly, at no cost to the seller, this long after PurchaseDate.
    buyer_self_cancel_window: timedelta = timedelta(minutes=30)
    # Amazon cancels an MFN order not confirmed as shipped this long after LatestShipDate.
    auto_cancel_after: timedelta = timedelta(days=7)
    # A Pending order whose payment is still not authorized this long after it began to wait
    # (purchase, or a pre-order's release) is cancelled as a failed payment: "verification
    # processes may extend order processing times for as long as 21 days" (Seller Central).
    payment_authorization_timeout: timedelta = timedelta(days=21)
    # Seller-caused cancellations at or above this share of MFN orders put the account at risk.
    cancellation_rate_threshold: Decimal = Decimal("0.025")
    # The rolling window the cancellation rate is computed over.
    cancellation_rate_window: timedelta = timedelta(days=7)
    # A financial event is posted (visible to the Finances API) this long after the shipment or
    # refund that made it: "orders from the last 48 hours might not be included" (Finances API).
    finance_posting_delay: timedelta = timedelta(hours=48)
    # Posted funds are held (DEFERRED) this long before they are released into a settlement
    # period; 0, the default, releases them when posted. Amazon defers some sellers' funds
    # (its Delivery Date Policy holds them until 7 days after delivery): set 7 days to test it.
    finance_deferral: timedelta = timedelta(0)
    # Amazon settles a seller's account every 14 days: a financial event group per period.
    settlement_period: timedelta = timedelta(days=14)

    def __post_init__(self) -> None:
        # Every rule adds these to the clock's dates: a duration past a few years would carry a
        # computed date out of the range the clock keeps every date in.
        for name in (
            "buyer_self_cancel_window",
            "auto_cancel_after",
            "payment_authorization_timeout",
            "cancellation_rate_window",
        ):
            value = getattr(self, name)
            if not timedelta(0) < value <= MAX_POLICY_DURATION:
                raise ValueError(f"{name} must be more than 0 and at most {MAX_POLICY_DURATION.days} days, not {value}")
        for name in ("finance_posting_delay", "finance_deferral"):
            value = getattr(self, name)
            if not timedelta(0) <= value <= MAX_POLICY_DURATION:
                raise ValueError(f"{name} must be at least 0 and at most {MAX_POLICY_DURATION.days} days, not {value}")
        if not timedelta(days=1) <= self.settlement_period <= timedelta(days=366):
            raise ValueError(f"settlement_period must be at least 1 day and at most 366 days, not {self.settlement_period}")
        if not Decimal(0) < self.cancellation_rate_threshold <= Decimal(1):
            raise ValueError(
                f"cancellation_rate_threshold must be more than 0 and at most 1, not {self.cancellation_rate_threshold}"
            )
