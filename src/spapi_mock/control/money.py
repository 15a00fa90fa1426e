"""An order's money as the control plane shows it and a scenario checks it: the totals of its
financial events (``domain/finances`` records), as decimal strings in the currency's decimals."""

from __future__ import annotations

from decimal import Decimal

from spapi_mock.domain import finances

TOTALS = ("charged", "refunded", "fees", "withheld", "net")


def totals(records: list[dict]) -> dict:
    """What the order's events add up to: what shipments charged the buyer (less promotions),
    what refunds gave back, Amazon's fees, the tax Amazon withheld, and what the seller nets."""
    sums = dict.fromkeys(("charged", "refunded", "fees", "withheld"), Decimal(0))
    # The currency's decimals, as the events write their amounts (none for JPY).
    exponent = Decimal(1) if records and "." not in records[0]["total"] else Decimal("0.01")
    for record in records:
        for item in record["items"]:
            for section in finances.SECTIONS:
                amount = sum((finances.parse_amount(part["amount"]) for part in item.get(section) or ()), Decimal(0))
                if section in ("charges", "promotions"):
                    sums["charged" if record["kind"] == finances.SHIPMENT else "refunded"] += amount
                else:
                    sums[section] += amount
    net = sum((finances.parse_amount(record["total"]) for record in records), Decimal(0))
    return {name: str((amount + 0).quantize(exponent)) for name, amount in {**sums, "net": net}.items()}
