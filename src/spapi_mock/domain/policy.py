"""Amazon's policy numbers, as configuration with Amazon's defaults.

They are policy, not physics: Amazon has changed them before (automatic cancellation moved
from 30 days after the order to 7 days after the ship-by date in 2020), and users test what
their software does under other numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal


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
