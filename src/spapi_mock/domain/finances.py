"""The money behind an order: Amazon's financial events, made by the same changes as the order's.

Money moves when items ship (a shipment event: what the buyer was charged for them, Amazon's fees,
and in the US the sales tax Amazon collects and remits as marketplace facilitator) and when the
seller refunds a shipped item (a refund event: the charges given back, the referral fee credited
less Amazon's refund administration fee). An order cancelled before it shipped was never charged,
so it has no event; a partially cancelled order has events for the shipped units only.

An event is posted ``finance_posting_delay`` after the change (until then no API shows it),
may be held (DEFERRED) for ``finance_deferral``, and is then released into the settlement period
(financial event group) its release time falls in. Each record keeps those times, so its status at
any instant is a function of the clock; the store keeps the status the clock last moved it to.

Amounts are signed decimal strings in the currency's decimals: money to the seller is positive.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from spapi_mock.domain.marketplaces import BY_ID
from spapi_mock.domain.orders import GIFT_MONEY_FIELDS, LINE_MONEY_FIELDS
from spapi_mock.domain.policy import Policy
from spapi_mock.kernel.dates import parse_iso, to_wire

SHIPMENT = "Shipment"
REFUND = "Refund"

PENDING = "PENDING"  # not yet posted: only the control plane shows it
DEFERRED = "DEFERRED"
RELEASED = "RELEASED"
DEFERRED_RELEASED = "DEFERRED_RELEASED"
# What listTransactions shows, and what the v0 operations show ("Deferred events don't appear in
# the response until they are released").
VISIBLE = frozenset({DEFERRED, RELEASED, DEFERRED_RELEASED})
RELEASED_STATUSES = frozenset({RELEASED, DEFERRED_RELEASED})

PROMOTION_TYPE = "PromotionMetaDataDefinitionValue"

# Settlement periods are counted from this instant (any fixed one: a seller's periods on Amazon
# start on the day its account began settling).
SETTLEMENT_ANCHOR = datetime(2024, 1, 4, tzinfo=UTC)

# The parts of a record's item that hold money, each a list of {"type", "amount"}.
SECTIONS = ("charges", "fees", "promotions", "withheld")


class Fees(NamedTuple):
    """What Amazon charges per unit sold in one currency's marketplaces.

    The numbers are Amazon's published rates for the "everything else" category and a small
    standard-size FBA unit (Seller Central fee pages, 2024), one per currency: the mock does not
    model categories, sizes or fee changes. The refund administration fee is "the lesser of 5
    (currency units) or 20% of the referral fee" per refunded line (Seller Central, "Refund
    administration fee"); AED, SAR and BRL caps are Amazon's local ones.
    """

    referral_rate: Decimal
    referral_minimum: Decimal  # per unit
    fba_per_unit: Decimal
    refund_admin_cap: Decimal


# currency: (referral rate, referral minimum per unit, FBA fee per unit, refund admin fee cap)
_FEE_TABLE = {
    "USD": ("0.15", "0.30", "3.22", "5.00"),
    "CAD": ("0.15", "0.30", "4.92", "5.00"),
    "MXN": ("0.15", "5.00", "52.00", "100.00"),
    "BRL": ("0.15", "1.00", "12.50", "10.00"),
    "GBP": ("0.153", "0.25", "2.70", "5.00"),
    "EUR": ("0.153", "0.30", "3.05", "5.00"),
    "SEK": ("0.15", "3.00", "35.00", "50.00"),
    "PLN": ("0.15", "1.50", "12.00", "20.00"),
    "TRY": ("0.15", "5.00", "60.00", "100.00"),
    "AED": ("0.15", "1.00", "10.00", "15.00"),
    "SAR": ("0.15", "1.00", "10.00", "15.00"),
    "EGP": ("0.15", "10.00", "60.00", "100.00"),
    "INR": ("0.15", "20.00", "80.00", "300.00"),
    "ZAR": ("0.15", "5.00", "40.00", "80.00"),
    "JPY": ("0.10", "30", "318", "500"),
    "AUD": ("0.15", "0.30", "3.80", "5.00"),
    "SGD": ("0.15", "0.30", "3.20", "5.00"),
}
FEES: dict[str, Fees] = {currency: Fees(*map(Decimal, row)) for currency, row in _FEE_TABLE.items()}

# Amazon's share of a refunded line's referral fee it keeps as the refund administration fee.
REFUND_ADMIN_SHARE = Decimal("0.20")

# Marketplaces where Amazon, as marketplace facilitator, collects the buyer's sales tax and
# remits it: the tax is charged and withheld in the same event, so the seller nets none of it.
FACILITATOR_TAX_MARKETPLACES = frozenset({"ATVPDKIKX0DER"})

# v0 OrderItem money field → (section, Amazon's ChargeType / promotion type). Discounts are
# promotions (negative); in marketplaces whose prices include tax the tax share is split out of
# the gross price below.
_ITEM_CHARGES = (
    ("ItemPrice", "Principal"),
    ("ItemTax", "Tax"),
    ("ShippingPrice", "ShippingCharge"),
    ("ShippingTax", "ShippingTax"),
)
_ITEM_DISCOUNTS = (("PromotionDiscount", "Principal"), ("ShippingDiscount", "Shipping"))
_TAX_DISCOUNTS = (("PromotionDiscountTax", "Tax"), ("ShippingDiscountTax", "ShippingTax"))
_WITHHELD = {
    "Tax": "MarketplaceFacilitatorTax-Principal",
    "ShippingTax": "MarketplaceFacilitatorTax-Shipping",
    "GiftwrapTax": "MarketplaceFacilitatorTax-Giftwrap",
}
# A refund's component (adjustment feed ItemPriceAdjustments / control-plane action) → ChargeType.
REFUND_CHARGE_TYPES = {
    "Principal": "Principal",
    "Shipping": "ShippingCharge",
    "Tax": "Tax",
    "ShippingTax": "ShippingTax",
    "GiftWrap": "Giftwrap",
    "GiftWrapTax": "GiftwrapTax",
    "RestockingFee": "RestockingFee",
    "ReturnShipping": "ReturnShipping",
    "Goodwill": "Goodwill",
    "Other": "GenericDeduction",
}
# Refunded components the seller keeps rather than gives back.
_KEPT_BY_SELLER = frozenset({"RestockingFee"})
# What the referral fee is charged on: the total sales price (price, shipping, gift wrap), with
# the tax where prices include it (VAT in the EU) and without it where tax is added on top.
_REFERRAL_BASE = frozenset({"Principal", "ShippingCharge", "Giftwrap", "CODOrderCharge"})
_REFERRAL_BASE_WITH_TAX = _REFERRAL_BASE | {"Tax", "ShippingTax", "GiftwrapTax"}


# -- making events ---------------------------------------------------------------------------


def money_events(before: Mapping | None, after: Mapping, now: datetime, policy: Policy, previous: list[dict]) -> list[dict]:
    """The events one change of an order makes: a shipment for the units it shipped, a refund
    for each refund it recorded. ``before`` None is an order the store did not hold (a fixture, a
    placed order): its whole history then, each part at its own time. ``previous`` are the
    order's events so far."""
    if before is None:
        return history(after, now, policy, previous)
    made: list[dict] = []
    shipped = _shipped(before)
    delta = {item_id: quantity - shipped.get(item_id, 0) for item_id, quantity in _shipped(after).items()}
    delta = {item_id: quantity for item_id, quantity in delta.items() if quantity > 0}
    if delta:
        made += _keep(shipment_event(after, delta, now, policy, previous + made))
    for refund in (after.get("refunds") or [])[len(before.get("refunds") or []) :]:
        made += _keep(refund_event(after, refund, now, policy, previous + made))
    return made


def may_make_money(before: Mapping | None, after: Mapping) -> bool:
    """Whether ``money_events`` can make anything of this change: a new order, more units
    shipped of an item, or another refund. Most changes (an acknowledgement, a cancellation
    request) make none, and the order's events so far need not be read for them."""
    if before is None or len(after.get("refunds") or ()) > len(before.get("refunds") or ()):
        return True
    shipped = _shipped(before)
    return any(quantity > shipped.get(item_id, 0) for item_id, quantity in _shipped(after).items())


def history(doc: Mapping, now: datetime, policy: Policy, previous: list[dict] | None = None) -> list[dict]:
    """The events of an order loaded as it stands: each confirmed package at its ship date, units
    shipped without a package (FBA, a fixture) at the order's last update, each refund at its
    time; every event in the state ``now`` finds it in."""
    made: list[dict] = list(previous or [])
    steps: list[tuple[str, int, str, object]] = []
    packaged: dict[str, int] = {}
    for n, package in enumerate(doc.get("packages") or []):
        items = {item_id: int(quantity) for item_id, quantity in (package.get("items") or {}).items() if int(quantity) > 0}
        for item_id, quantity in items.items():
            packaged[item_id] = packaged.get(item_id, 0) + quantity
        steps.append((package.get("shipDate") or doc["order"]["LastUpdateDate"], n, SHIPMENT, items))
    rest = {item_id: quantity - packaged.get(item_id, 0) for item_id, quantity in _shipped(doc).items()}
    rest = {item_id: quantity for item_id, quantity in rest.items() if quantity > 0}
    if rest:
        steps.append((doc["order"]["LastUpdateDate"], len(steps), SHIPMENT, rest))
    for n, refund in enumerate(doc.get("refunds") or []):
        steps.append((refund["at"], 1_000_000 + n, REFUND, refund))
    start = len(made)
    for at, _, kind, what in sorted(steps, key=lambda step: (step[0], step[1])):
        when = parse_iso(at)
        if kind == SHIPMENT:
            made += _keep(shipment_event(doc, what, when, policy, made, shipped_before=_shipped_in(made)))
        else:
            made += _keep(refund_event(doc, what, when, policy, made))
    stamp = to_wire(now)
    return [_advanced(record, stamp) for record in made[start:]]


def shipment_event(
    doc: Mapping,
    shipped: Mapping[str, int],
    at: datetime,
    policy: Policy,
    previous: list[dict],
    shipped_before: Mapping[str, int] | None = None,
) -> dict:
    """The shipment event for ``shipped`` units (OrderItemId → quantity) of the order as ``doc``
    has it. Each amount is the line's amount for every unit shipped so far less what earlier
    shipment events charged, so an item shipped in parts adds up to its line exactly."""
    order = doc["order"]
    currency = _currency(doc)
    exponent = _exponent(currency)
    charged = _charged_so_far(previous)
    if shipped_before is None:
        after = _shipped(doc)
        shipped_before = {item_id: after.get(item_id, 0) - quantity for item_id, quantity in shipped.items()}
    marketplace_id = order["MarketplaceId"]
    channel = order.get("FulfillmentChannel")
    items = []
    net = _ZERO  # the amounts as their texts say (each rounded already)
    for item in doc["items"]:
        item_id = item["OrderItemId"]
        quantity = int(shipped.get(item_id, 0))
        if quantity <= 0:
            continue
        units = shipped_before.get(item_id, 0) + quantity
        ordered = max(int(item.get("QuantityOrdered") or 0), units, 1)
        if units == ordered:  # shipped whole, as most lines are
            targets = _whole_line_targets(item, marketplace_id, channel, currency, units)
        else:
            targets = _line_targets(item, marketplace_id, channel, currency, units, Decimal(units) / Decimal(ordered))
        sections: dict[str, list[dict]] = {section: [] for section in SECTIONS}
        for key, target, text in targets:
            if charged and (item_id, *key) in charged:
                amount = target - charged[(item_id, *key)]
                text = _text(amount, exponent)
            else:
                amount = target
            if amount or key == _PRINCIPAL:
                sections[key[0]].append(_component(key[0], key[1], text, item))
                net += amount
        items.append(_item(item, quantity, sections))
    return _record(doc, SHIPMENT, at, policy, items, previous, net)


def _line_targets(
    item: Mapping, marketplace_id: str, channel: str | None, currency: str, units: int, so_far: Decimal | None
) -> tuple[tuple[tuple[str, str], Decimal, str], ...]:
    """(key, amount, its text) of what ``units`` of the line shipped so far charge in all: its
    amounts (a share ``so_far`` of each, or the whole when None), rounded, and the fees on them."""
    fees = FEES.get(currency, FEES["USD"])
    exponent = _exponent(currency)
    referral_base = _referral_base(marketplace_id)
    targets: dict[tuple[str, str], Decimal] = {}
    base = _ZERO
    for key, amount in line_amounts(item, marketplace_id).items():
        target = targets[key] = _round(amount if so_far is None else amount * so_far, exponent)
        if key[0] == "promotions" or (key[0] == "charges" and key[1] in referral_base):
            base += target
    if base > 0:
        referral = max(base * fees.referral_rate, fees.referral_minimum * units)
        targets[_COMMISSION] = -_round(referral, exponent)
        if channel == "AFN":
            targets[_FBA_FEE] = -_round(fees.fba_per_unit * units, exponent)
    return tuple((key, target, _text(target, exponent)) for key, target in targets.items())


def _whole_line_targets(
    item: Mapping, marketplace_id: str, channel: str | None, currency: str, units: int
) -> tuple[tuple[tuple[str, str], Decimal, str], ...]:
    """``_line_targets`` of a line shipped whole: the same for every line of the same money in
    the same marketplace, worked out once (a loaded set's lines repeat their prices; working each
    out was a third of its history)."""
    money = _line_money(item)
    if money is None:
        return _line_targets(item, marketplace_id, channel, currency, units, None)
    key = (marketplace_id, channel, currency, units, *money)
    targets = _WHOLE_LINES.get(key)
    if targets is None:
        if len(_WHOLE_LINES) >= _WHOLE_LINES_KEPT:
            _WHOLE_LINES.clear()
        targets = _WHOLE_LINES[key] = _line_targets(item, marketplace_id, channel, currency, units, None)
    return targets


# Lines' targets by marketplace, channel, currency, units and money (about 1.5 KB each); emptied
# when full, and after a load (``forget_worked_out_lines``). A worker loading half of a 100k-order
# set meets 17,000 distinct lines, three in four of them again.
_WHOLE_LINES: dict[tuple, tuple] = {}
_WHOLE_LINES_KEPT = 16384


def forget_worked_out_lines() -> None:
    """Let go of the lines worked out so far (25 MB when full)."""
    _WHOLE_LINES.clear()


def _line_money(item: Mapping) -> tuple | None:
    """The amounts ``line_amounts`` reads of the line, as given; None when one is not a text
    (it is then not worked out once for all)."""
    money: list[str | None] = []
    for holder, names in ((item, LINE_MONEY_FIELDS), (item.get("BuyerInfo") or {}, GIFT_MONEY_FIELDS)):
        if holder.__class__ is not dict:
            return None
        for name in names:
            field = holder.get(name)
            if field is None:
                money.append(None)
                continue
            amount = field.get("Amount") if field.__class__ is dict else field
            if field.__class__ is not dict or (amount is not None and amount.__class__ is not str):
                return None
            money.append(amount)
    return tuple(money)


_PRINCIPAL = ("charges", "Principal")
_COMMISSION = ("fees", "Commission")
_FBA_FEE = ("fees", "FBAPerUnitFulfillmentFee")


def refund_event(doc: Mapping, refund: Mapping, at: datetime, policy: Policy, previous: list[dict]) -> dict:
    """The refund event for one refund of a shipped item: each refunded component given back,
    the referral fee credited in proportion to the share of the shipped line refunded, less the
    refund administration fee (20% of the credit, at most the currency's cap)."""
    order = doc["order"]
    currency = _currency(doc)
    fees = FEES.get(currency, FEES["USD"])
    exponent = _exponent(currency)
    item = next(item for item in doc["items"] if item["OrderItemId"] == refund["item"])
    item_id = item["OrderItemId"]
    sections: dict[str, list[dict]] = {section: [] for section in SECTIONS}
    refunded_base = Decimal(0)
    for component, value in (refund.get("amounts") or {}).items():
        amount = abs(parse_amount(value))
        kind = REFUND_CHARGE_TYPES.get(component, component)
        signed = amount if component in _KEPT_BY_SELLER else -amount
        sections["charges"].append({"type": kind, "amount": _text(_round(signed, exponent), exponent)})
        if kind in _referral_base(order["MarketplaceId"]):
            refunded_base += amount
        if order["MarketplaceId"] in FACILITATOR_TAX_MARKETPLACES and kind in _WITHHELD:
            sections["withheld"].append({"type": _WITHHELD[kind], "amount": _text(_round(amount, exponent), exponent)})
    charged = _charged_so_far(previous)
    commission = -charged.get((item_id, "fees", "Commission"), Decimal(0))
    shipped_base = sum(
        (
            amount
            for (i, section, kind), amount in charged.items()
            if i == item_id
            and ((section == "charges" and kind in _referral_base(order["MarketplaceId"])) or section == "promotions")
        ),
        Decimal(0),
    )
    if commission > 0 and shipped_base > 0 and refunded_base > 0:
        credit = _round(commission * min(refunded_base / shipped_base, Decimal(1)), exponent)
        admin = min(_round(credit * REFUND_ADMIN_SHARE, exponent), fees.refund_admin_cap)
        sections["fees"].append({"type": "Commission", "amount": _text(credit, exponent)})
        sections["fees"].append({"type": "RefundCommission", "amount": _text(-admin, exponent)})
    quantity = int(refund.get("quantity") or 0) or int(item.get("QuantityShipped") or 0) or 1
    line = _item(item, quantity, sections)
    record = _record(doc, REFUND, at, policy, [line], previous)
    record["adjustmentId"] = _digits(record["eventId"], 12)
    line["adjustmentItemId"] = _digits(record["eventId"] + item_id, 14)
    if refund.get("reason"):
        record["reason"] = refund["reason"]
    return record


def line_amounts(item: Mapping, marketplace_id: str) -> dict[tuple[str, str], Decimal]:
    """What one order line charges in full, by (section, type), as a shipment of all of it shows:
    its charges (tax split out of the gross price where prices include tax), its promotions
    (negative) and, where Amazon is marketplace facilitator, the tax it withholds (negative).
    Together they add up to the line's share of OrderTotal."""
    marketplace = BY_ID.get(marketplace_id)
    includes_tax = marketplace.prices_include_tax if marketplace else False
    # Each (section, type) with its amounts in the order they add up (a line's 15 amounts each
    # added by a call was a fifth of a loaded order's history).
    get = item.get
    price, tax = _money_amount(get("ItemPrice")), _money_amount(get("ItemTax"))
    shipping, shipping_tax = _money_amount(get("ShippingPrice")), _money_amount(get("ShippingTax"))
    gift = item.get("BuyerInfo") or {}
    gift_price, gift_tax = _money_amount(gift.get("GiftWrapPrice")), _money_amount(gift.get("GiftWrapTax"))
    if includes_tax:
        amounts = [
            (_PRINCIPAL, price - tax),
            (_TAX, tax),
            (_SHIPPING, shipping - shipping_tax),
            (_SHIPPING_TAX, shipping_tax),
            (_GIFTWRAP, gift_price - gift_tax),
            (_GIFTWRAP_TAX, gift_tax),
        ]
    else:
        amounts = [(_PRINCIPAL, price), (_TAX, tax), (_SHIPPING, shipping), (_SHIPPING_TAX, shipping_tax)]
        amounts += [(("charges", kind), -_money_amount(get(name))) for name, kind in _TAX_DISCOUNTS]
        amounts += [(_GIFTWRAP, gift_price), (_GIFTWRAP_TAX, gift_tax)]
    amounts.append((_COD_CHARGE, _money_amount(get("CODFee"))))
    amounts += [(key, -_money_amount(get(name))) for name, key in _LINE_PROMOTIONS]
    found: dict[tuple[str, str], Decimal] = {}
    for key, amount in amounts:
        if amount:
            found[key] = found.get(key, _ZERO) + amount
    if marketplace_id in FACILITATOR_TAX_MARKETPLACES:
        for kind, withheld in _WITHHELD.items():
            tax = -found.get(("charges", kind), _ZERO)
            if tax:
                key = ("withheld", withheld)
                found[key] = found.get(key, _ZERO) + tax
    # A charge its discount cancelled (free shipping's tax) is no charge at all; Principal always shows.
    return {_PRINCIPAL: _ZERO} | {key: amount for key, amount in found.items() if amount}


_TAX, _SHIPPING, _SHIPPING_TAX = ("charges", "Tax"), ("charges", "ShippingCharge"), ("charges", "ShippingTax")
_GIFTWRAP, _GIFTWRAP_TAX, _COD_CHARGE = ("charges", "Giftwrap"), ("charges", "GiftwrapTax"), ("charges", "CODOrderCharge")
_LINE_PROMOTIONS = tuple((name, ("promotions", kind)) for name, kind in (*_ITEM_DISCOUNTS, ("CODFeeDiscount", "COD")))


def _referral_base(marketplace_id: str) -> frozenset[str]:
    marketplace = BY_ID.get(marketplace_id)
    return _REFERRAL_BASE_WITH_TAX if marketplace and marketplace.prices_include_tax else _REFERRAL_BASE


def total(record: Mapping) -> Decimal:
    """What the event nets the seller: every amount of every item."""
    return sum(_amounts(record["items"]), _ZERO)


def _amounts(items: list[dict]) -> list[Decimal]:
    # An event's amounts are _text's (plain decimal strings): read as Decimals, not through
    # parse_amount (read for every event of a loaded set), and each text once (most repeat).
    return [
        _read_amount(text)
        for item in items
        for section in SECTIONS
        for part in item.get(section) or ()
        for text in (part["amount"],)
    ]


# Amount texts read as Decimals (immutable: one serves every event); emptied when full.
_READ_AMOUNTS: dict[str, Decimal] = {}
_READ_AMOUNTS_KEPT = 1 << 16


def _moves_money(items: list[dict]) -> bool:
    # A plain decimal text is zero when it holds no digit but 0 (not read as a Decimal: asked of
    # every event of a loaded set).
    return any(part["amount"].strip("-0.") for item in items for section in SECTIONS for part in item.get(section) or ())


# -- the clock -------------------------------------------------------------------------------


def status_at(record: Mapping, when: datetime) -> str:
    """The event's status at ``when``: pending until posted, then deferred until released."""
    return _status(record, to_wire(when))


def _status(record: Mapping, stamp: str) -> str:
    return status_between(record["postedAt"], record["releasedAt"], stamp)


def status_between(posted: str, released: str, stamp: str) -> str:
    """The status at wire time ``stamp`` of an event posted and released at these wire times."""
    if stamp < posted:
        return PENDING
    if stamp < released:
        return DEFERRED
    return DEFERRED_RELEASED if released > posted else RELEASED


def advance(record: dict, when: datetime) -> dict:
    """The event as the clock finds it at ``when`` (the same record if nothing changed)."""
    return _advanced(record, to_wire(when))


def _advanced(record: dict, stamp: str) -> dict:
    # ``advance`` at a wire time: loading a set formats its one ``now`` once, not per event.
    status = _status(record, stamp)
    return record if status == record["status"] else {**record, "status": status}


def due_at(record: Mapping) -> str | None:
    """When the clock next moves the event: its posting, then its release; None once released."""
    if record["status"] == PENDING:
        return record["postedAt"]
    if record["status"] == DEFERRED:
        return record["releasedAt"]
    return None


def is_released(record: Mapping) -> bool:
    return record["status"] in RELEASED_STATUSES


# -- settlement periods ----------------------------------------------------------------------


def settlement_period(at: datetime, policy: Policy) -> tuple[datetime, datetime]:
    """The settlement period (financial event group) that ``at`` falls in: [start, end)."""
    periods = (at - SETTLEMENT_ANCHOR) // policy.settlement_period
    start = SETTLEMENT_ANCHOR + periods * policy.settlement_period
    return start, start + policy.settlement_period


def settlement_group(seller_id: str, currency: str, released: datetime, policy: Policy) -> tuple[str, str, str]:
    """(group id, start, end) of the financial event group an event released at ``released`` joins."""
    return _group(seller_id, currency, (released - SETTLEMENT_ANCHOR) // policy.settlement_period, policy.settlement_period)


@functools.lru_cache(maxsize=4096)
def _group(seller_id: str, currency: str, periods: int, period: timedelta) -> tuple[str, str, str]:
    # settlement_period's arithmetic, worked out once per period: a loaded set's events fall in a
    # few dozen, and formatting both ends for each event was a tenth of its history (keyed by the
    # period's number, not its ends: hashing two datetimes an event cost 1% of a load).
    start = SETTLEMENT_ANCHOR + periods * period
    group_start = to_wire(start)
    return group_id(seller_id, currency, group_start), group_start, to_wire(start + period)


@functools.lru_cache(maxsize=4096)
def group_id(seller_id: str, currency: str, start: str) -> str:
    """A FinancialEventGroupId as Amazon's look (43 URL-safe base64 characters), the same for the
    same seller, currency and period on every run."""
    digest = hashlib.sha256(f"{seller_id}|{currency}|{start}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def group_is_open(group_end: str, now: datetime) -> bool:
    return to_wire(now) < group_end


# -- helpers ---------------------------------------------------------------------------------


def parse_amount(value: object) -> Decimal:
    """An amount as records and refunds keep it: "12.34", 12.34, or the feed's "12.34 USD"."""
    text = str(value).strip().split()[0] if str(value).strip() else "0"
    return Decimal(text)


def _record(
    doc: Mapping, kind: str, at: datetime, policy: Policy, items: list[dict], previous: list[dict], net: Decimal | None = None
) -> dict:
    """The event of ``items``; ``net``: what they net the seller, when the caller added it up."""
    order = doc["order"]
    seller_id = doc["seller_id"]
    currency = _currency(doc)
    occurred = to_wire(at)
    posted = at + policy.finance_posting_delay
    released = posted + policy.finance_deferral
    group, group_start, group_end = settlement_group(seller_id, currency, released, policy)
    record = {
        "seller_id": seller_id,
        "eventId": _event_id(seller_id, order["AmazonOrderId"], len(previous)),
        "kind": kind,
        "orderId": order["AmazonOrderId"],
        "marketplaceId": order["MarketplaceId"],
        "fulfillmentChannel": order.get("FulfillmentChannel", "MFN"),
        "currency": currency,
        "occurredAt": occurred,
        "postedAt": to_wire(posted),
        "releasedAt": to_wire(released),
        "status": PENDING,
        "groupId": group,
        "groupStart": group_start,
        "groupEnd": group_end,
        "items": items,
    }
    if order.get("SellerOrderId"):
        record["sellerOrderId"] = order["SellerOrderId"]
    record["total"] = _text(total(record) if net is None else net, _exponent(currency))
    return _advanced(record, occurred)


def _keep(record: dict) -> list[dict]:
    """An event that moves no money (a zero-priced replacement shipped) is not made."""
    return [record] if _moves_money(record["items"]) else []


def _item(item: Mapping, quantity: int, sections: dict[str, list[dict]]) -> dict:
    return {
        "orderItemId": item["OrderItemId"],
        "sellerSku": item.get("SellerSKU") or "",
        "asin": item.get("ASIN") or "",
        "quantity": quantity,
        **sections,
    }


def _component(section: str, kind: str, amount: str, item: Mapping) -> dict:
    if section == "promotions":
        # Amazon's PromotionType; the id says what the promotion lowered (the price, shipping).
        return {"type": PROMOTION_TYPE, "id": f"{kind}-{item['OrderItemId']}", "amount": amount}
    return {"type": kind, "amount": amount}


def _part_kind(section: str, part: Mapping) -> str:
    return part["id"].split("-", 1)[0] if section == "promotions" and part.get("id") else part["type"]


def _charged_so_far(previous: Iterable[Mapping]) -> dict[tuple[str, str, str], Decimal]:
    """(OrderItemId, section, type) → what the order's shipment events charged so far."""
    charged: dict[tuple[str, str, str], Decimal] = {}
    for record in previous:
        if record["kind"] != SHIPMENT:
            continue
        for item in record["items"]:
            for section in SECTIONS:
                for part in item.get(section) or ():
                    key = (item["orderItemId"], section, _part_kind(section, part))
                    charged[key] = charged.get(key, Decimal(0)) + parse_amount(part["amount"])
    return charged


def _shipped_in(records: Iterable[Mapping]) -> dict[str, int]:
    shipped: dict[str, int] = {}
    for record in records:
        if record["kind"] == SHIPMENT:
            for item in record["items"]:
                shipped[item["orderItemId"]] = shipped.get(item["orderItemId"], 0) + int(item["quantity"])
    return shipped


def _shipped(doc: Mapping) -> dict[str, int]:
    return {item["OrderItemId"]: int(item.get("QuantityShipped") or 0) for item in doc["items"]}


def _currency(doc: Mapping) -> str:
    """The currency the order was charged in: its total's, else its first price's, else its
    marketplace's (an order loaded without money fields)."""
    order = doc["order"]
    # Asked two or three times an event: no tuple of every price, and a dict known before the
    # abstract Mapping check (a tenth of a loaded order's history).
    code = _currency_code(order.get("OrderTotal"))
    if code:
        return code
    for item in doc["items"]:
        code = _currency_code(item.get("ItemPrice"))
        if code:
            return code
    marketplace = BY_ID.get(order.get("MarketplaceId"))
    return marketplace.currency if marketplace else "USD"


def _currency_code(money: object) -> object:
    return money.get("CurrencyCode") if type(money) is dict or isinstance(money, Mapping) else None


def _money_amount(money: object) -> Decimal:
    # Absent and a dict first: the abstract Mapping check cost a tenth of loading an order's money.
    if money is None:
        return _ZERO
    if type(money) is dict or isinstance(money, Mapping):
        amount = money.get("Amount")
        if amount.__class__ is str:
            return _read_amount(amount) if amount else _ZERO
        if amount is not None:
            return Decimal(str(amount))
    return _ZERO


def _read_amount(text: str) -> Decimal:
    """The amount a text says, read once a text (a line's fifteen amounts and an event's are most
    of them repeats such as 0.00)."""
    amount = _READ_AMOUNTS.get(text)
    if amount is None:
        amount = Decimal(text)
        if len(_READ_AMOUNTS) > _READ_AMOUNTS_KEPT:
            _READ_AMOUNTS.clear()
        _READ_AMOUNTS[text] = amount
    return amount


# Decimals are immutable: made once, not for every absent field and every amount rounded.
_ZERO, _ONE, _CENT = Decimal(0), Decimal(1), Decimal("0.01")


def _exponent(currency: str) -> Decimal:
    return _ONE if currency in ("JPY",) else _CENT


def _round(amount: Decimal, exponent: Decimal) -> Decimal:
    return amount.quantize(exponent, rounding=ROUND_HALF_UP)


def _text(amount: Decimal, exponent: Decimal) -> str:
    return str(_round(amount, exponent) + 0)  # + 0 turns -0.00 into 0.00


def _event_id(seller_id: str, order_id: str, sequence: int) -> str:
    # The order's event number leads, so an order's events made in the same second (a shipment
    # and its refund on a frozen clock) still sort in the order they were made.
    return f"{sequence:04x}" + hashlib.sha256(f"{seller_id}|{order_id}|{sequence}".encode()).hexdigest()[:28]


def _digits(seed: str, length: int) -> str:
    return str(int(hashlib.sha256(seed.encode()).hexdigest(), 16))[:length]
