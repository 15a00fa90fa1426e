"""Where stored orders come from: a record (a fixture's, or a new order's) checked and built.

Users (scenarios, the control plane) give as much of Amazon's v0 Order and OrderItem fields as
they care about; ``new_order_record`` gives everything else the value a typical new order on
that marketplace has. ``build_document`` is the only way a record becomes a stored document:
it checks the record against Amazon's model and the order rules, resolves relative dates, and
derives what must never disagree with the items. Amazon's model schemas live in our spec, above
the domain, so the caller passes in the check against them.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import re
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar, get_args

from spapi_mock.domain.exceptions import FixtureError, RuleViolation
from spapi_mock.domain.marketplaces import BY_ID as MARKETPLACES
from spapi_mock.domain.model import Cancellation, CancelledBy, OrderDocument, OrderStatus
from spapi_mock.domain.orders import (
    AMOUNT_RULE,
    DISCOUNT_FIELDS,
    GIFT_MONEY_FIELDS,
    ITEM_MONEY_FIELDS,
    LINE_MONEY_FIELDS,
    buyer_requested_cancel,
    item_counts,
    money_amount,
)
from spapi_mock.kernel.dates import EARLIEST_DATE, LATEST_DATE, is_relative, parse_fixture_date, to_wire

US = "ATVPDKIKX0DER"
# A new order is placed; later states are reached through actions (or loaded as fixtures).
PLACED_STATUSES = (OrderStatus.PENDING, OrderStatus.PENDING_AVAILABILITY, OrderStatus.UNSHIPPED)
DEFAULT_UNIT_PRICE = Decimal("19.99")
_ORDER_ID_PREFIXES = {"na": ("111", "112", "113", "114"), "eu": ("302", "303", "304", "305"), "fe": ("249", "250", "503")}
_ZERO_DECIMAL_CURRENCIES = frozenset({"JPY"})

DATE_FIELDS = frozenset(
    {
        "PurchaseDate",
        "LastUpdateDate",
        "EarliestShipDate",
        "LatestShipDate",
        "EarliestDeliveryDate",
        "LatestDeliveryDate",
        "PromiseResponseDueDate",
        "ScheduledDeliveryStartDate",
        "ScheduledDeliveryEndDate",
        "ReviewDate",
    }
)
# Counts the loader derives from the items, so they can never disagree with them.
DERIVED_ORDER_FIELDS = ("NumberOfItemsShipped", "NumberOfItemsUnshipped")
RECORD_KEYS = {"order", "items", "address", "regulated", "cancellations", "refunds"}
CANCELLED_BY = get_args(CancelledBy)
REQUIRED_ORDER_FIELDS = ("AmazonOrderId", "PurchaseDate", "OrderStatus", "MarketplaceId", "FulfillmentChannel")
# (value, schema name in Amazon's v0 model, where, field prefix): raises FixtureError naming the field.
SchemaCheck = Callable[[dict, str, str, str], None]
T = TypeVar("T")


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
                amount = money_amount(money["Amount"])
                if amount is None:
                    raise RuleViolation(f"Invalid {name}.Amount {money['Amount']!r}: {AMOUNT_RULE}.")
                total += -amount if name in DISCOUNT_FIELDS else amount
    return total


def _amount(value: Decimal, currency: str) -> str:
    return str(value.quantize(Decimal(1) if currency in _ZERO_DECIMAL_CURRENCIES else Decimal("0.01")))


# -- building the stored document ----------------------------------------------------------


def build_document(
    record: Any, seller_id: str, now: datetime, where: str, check_schema: SchemaCheck, dates_resolved: bool = False
) -> OrderDocument:
    """Check one record (``{order, items, address, regulated, cancellations}``, dates absolute or
    relative to ``now``) and turn it into a store document; errors name ``where`` and the field.
    Every problem of the record is reported at once, so that fixing a file takes one run.
    ``dates_resolved``: its date fields hold what ``date_resolver`` made of them, and the record
    is the caller's to give up (it is changed, not copied)."""
    if not isinstance(record, dict):
        raise FixtureError(f"{where}: expected a mapping with 'order' and 'items'")
    if isinstance(record.get("order"), dict) and record["order"].get("AmazonOrderId"):
        where = f"{where} ({record['order']['AmazonOrderId']})"
    problems = Problems()
    unknown = set(record) - RECORD_KEYS
    if unknown:
        problems.add(f"{where}: unknown field(s): {', '.join(sorted(unknown))}")
    # A copy with the dates resolved: the caller's parsed file stays as it was. A date that does
    # not parse is reported and left as given, and the checks that compare dates are skipped.
    record, bad_dates = (record, []) if dates_resolved else _resolved_copy(record, now, where)
    problems.messages += bad_dates
    order = record.get("order")
    items = record.get("items")
    if not isinstance(order, dict):
        problems.add(f"{where}: field 'order' is missing or not a mapping")
    if not isinstance(items, list) or not items:
        problems.add(f"{where}: field 'items' must be a non-empty list")
    if not isinstance(order, dict) or not isinstance(items, list):
        problems.raise_any()
    missing = [name for name in REQUIRED_ORDER_FIELDS if order.get(name) in (None, "")]
    for name in missing:
        problems.add(f"{where}: field order.{name} is required")
    if "PurchaseDate" not in missing:
        order.setdefault("LastUpdateDate", order["PurchaseDate"])
    for name in DERIVED_ORDER_FIELDS:
        order.pop(name, None)

    problems.check(check_schema, order, "Order", where, "order")
    # LastUpdateDate defaults to the PurchaseDate already reported missing: not a second problem.
    defaulted = f"{where}: field order.LastUpdateDate is required"
    if "PurchaseDate" in missing and defaulted in problems.messages:
        problems.messages.remove(defaulted)
    for n, item in enumerate(items):
        problems.check(check_schema, item, "OrderItem", where, f"items[{n}]")
    if record.get("address") is not None:
        address = {"AmazonOrderId": order.get("AmazonOrderId"), **record["address"]}
        problems.check(check_schema, address, "OrderAddress", where, "address")
    if record.get("regulated") is not None:
        regulated = {"AmazonOrderId": order.get("AmazonOrderId"), **record["regulated"]}
        problems.check(check_schema, regulated, "OrderRegulatedInfo", where, "regulated")
    problems.messages += _rule_problems(order, items, where, compare_dates=not bad_dates)
    cancellations = problems.check(_cancellations, record.get("cancellations"), order, now, where)
    refunds = problems.check(_refunds, record.get("refunds"), order, items, now, where)
    problems.raise_any()

    marketplace = MARKETPLACES[order["MarketplaceId"]]
    order.setdefault("SalesChannel", marketplace.sales_channel)
    for item in items:
        item["BuyerRequestedCancel"] = buyer_requested_cancel(item)
    shipped, unshipped = item_counts(items, order["OrderStatus"])
    order["NumberOfItemsShipped"] = shipped
    order["NumberOfItemsUnshipped"] = unshipped
    doc: OrderDocument = {
        "seller_id": seller_id,
        "order": order,
        "items": items,
        "address": record.get("address") or {},
        "regulated": record.get("regulated"),
        "cancellations": cancellations,
        "history": [{"at": order["PurchaseDate"], "event": "Placed", "status": order["OrderStatus"]}],
    }
    if refunds:
        doc["refunds"] = refunds
    return doc


class Problems:
    """A record's problems, one line each, raised together as one FixtureError; the same field
    said twice (our required check and the schema's) is said once."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, message: str) -> None:
        self.messages.append(message)

    def check(self, call: Callable[..., T], *args: Any) -> T | None:
        """``call(*args)``, its FixtureError kept as problems (a function call: loading checks
        each record of a 100,000-order set this way)."""
        try:
            return call(*args)
        except FixtureError as exc:
            self.messages.extend(str(exc).split("\n"))
            return None

    @contextmanager
    def collect(self):
        try:
            yield
        except FixtureError as exc:
            self.messages.extend(str(exc).split("\n"))

    def raise_any(self) -> None:
        if self.messages:
            raise FixtureError("\n".join(dict.fromkeys(self.messages)))


def _cancellations(given: Any, order: dict, now: datetime, where: str) -> list[Cancellation]:
    """Who cancelled a fixture order and whether it counts against the seller (the cancellation
    rate reads this). By default a seller's cancellation counts unless it answered the buyer
    (BuyerCanceled); the buyer's and Amazon's do not."""
    if given is None:
        return []
    if not isinstance(given, list):
        raise FixtureError(f"{where}: field cancellations must be a list of {{by, reason, at}}")
    records = []
    for n, entry in enumerate(given):
        field = f"cancellations[{n}]"
        if not isinstance(entry, dict) or set(entry) - {"by", "reason", "at", "counts_against_seller"}:
            raise FixtureError(f"{where}: field {field}: expected {{by, reason, at, counts_against_seller}}")
        if entry.get("by") not in CANCELLED_BY:
            raise FixtureError(f"{where}: field {field}.by must be one of {', '.join(CANCELLED_BY)}")
        reason = entry.get("reason") or "BuyerCanceled"
        counts = entry.get("counts_against_seller", entry["by"] == "MERCHANT" and reason != "BuyerCanceled")
        if not isinstance(counts, bool):
            raise FixtureError(f"{where}: field {field}.counts_against_seller must be true or false")
        try:
            at = _given_date(entry["at"], now) if entry.get("at") else order.get("LastUpdateDate")
        except ValueError as exc:
            raise FixtureError(f"{where}: field {field}.at: {exc}") from None
        records.append(
            {
                "at": at,
                "by": entry["by"],
                "reason": reason,
                "items": {},
                "answers_buyer_request": entry["by"] == "MERCHANT" and reason == "BuyerCanceled",
                "counts_against_seller": counts,
            }
        )
    return records


def _refunds(given: Any, order: dict, items: list, now: datetime, where: str) -> list[dict]:
    """Refunds of shipped items a fixture order had (what the Finances rules make its refund
    events from), stored as ``lifecycle.refund`` records them: amounts per price component as
    "AMOUNT CURRENCY" text, positive for what went back to the buyer."""
    if given is None:
        return []
    if not isinstance(given, list):
        raise FixtureError(f"{where}: field refunds must be a list of {{item, at, reason, amounts, quantity}}")
    shipped = {item.get("OrderItemId"): item.get("QuantityShipped") or 0 for item in items if isinstance(item, dict)}
    currency = (order.get("OrderTotal") or {}).get("CurrencyCode") or next(
        (item["ItemPrice"]["CurrencyCode"] for item in items if isinstance(item, dict) and item.get("ItemPrice")), None
    )
    records = []
    for n, entry in enumerate(given):
        field = f"refunds[{n}]"
        if not isinstance(entry, dict) or set(entry) - {"item", "at", "reason", "amounts", "quantity"}:
            raise FixtureError(f"{where}: field {field}: expected {{item, at, reason, amounts, quantity}}")
        item_id = entry.get("item")
        if not shipped.get(item_id):
            raise FixtureError(f"{where}: field {field}.item: {item_id!r} is not an item of the order that shipped")
        quantity = entry.get("quantity")
        if quantity is not None and (not _whole(quantity) or not 1 <= quantity <= shipped[item_id]):
            raise FixtureError(f"{where}: field {field}.quantity must be a whole number from 1 to the {shipped[item_id]} shipped")
        amounts = entry.get("amounts")
        if not isinstance(amounts, dict) or not amounts:
            raise FixtureError(f"{where}: field {field}.amounts must map price components (Principal, Tax...) to amounts")
        written = {}
        for component, amount in amounts.items():
            number, _, given_currency = str(amount).strip().partition(" ")
            if money_amount(number) is None:
                raise FixtureError(f"{where}: field {field}.amounts.{component}: {amount!r} is not an amount ({AMOUNT_RULE})")
            written[component] = f"{number} {given_currency.strip() or currency}"
        try:
            at = _given_date(entry["at"], now) if entry.get("at") else order.get("LastUpdateDate")
        except ValueError as exc:
            raise FixtureError(f"{where}: field {field}.at: {exc}") from None
        refund = {"at": at, "item": item_id, "reason": entry.get("reason") or "CustomerReturn", "amounts": written}
        if quantity is not None:
            refund["quantity"] = quantity
        records.append(refund)
    return records


def _resolved_copy(value: Any, now: datetime, where: str) -> tuple[Any, list[str]]:
    """A copy of parsed fixture data with every date field resolved against ``now``, and a
    problem for each date that does not parse (left as given in the copy).

    One pass that copies and resolves, without keeping the path it is at: loading a large
    generated set spent most of its time here. Only when a date does not parse is the data
    walked again, to name each bad one.
    """
    try:
        return _resolve_dates(value, now), []
    except (ValueError, OverflowError):
        problems: list[str] = []
        return _resolve_naming_bad_dates(value, now, where, (), problems), problems


def _resolve_dates(value: Any, now: datetime) -> Any:
    if value.__class__ is dict:
        copied = {}
        for key, inner in value.items():
            if key in DATE_FIELDS and inner.__class__ is str:
                copied[key] = _wire_date(inner, now)
            elif inner.__class__ is dict or inner.__class__ is list:
                copied[key] = _resolve_dates(inner, now)
            else:
                copied[key] = inner
        return copied
    if value.__class__ is list:
        return [_resolve_dates(inner, now) if inner.__class__ is dict or inner.__class__ is list else inner for inner in value]
    return value


# A relative date as the fixture generator writes it (now-12d3h4m5s): read by one match, without
# the general reading's second expression and loop over parts (a large set has half a million
# distinct dates, and these were a third of finding them). Anything else, or a date this reading
# would put off the calendar, is read the general way, which also words its problem.
_PLAIN_RELATIVE = re.compile(r"now([+-])(?:([0-9]{1,7})d)?(?:([0-9]{1,7})h)?(?:([0-9]{1,7})m)?(?:([0-9]{1,7})s)?")


@functools.lru_cache(maxsize=1 << 16)
def _wire_date(text: str, now: datetime) -> str:
    # Generated sets repeat their dates (an order's, its items', its history's).
    return date_resolver(now)(text)


@functools.lru_cache(maxsize=4)
def date_resolver(now: datetime) -> Callable[[str], str]:
    """What a date field's value is as a document holds it at ``now`` (ValueError or
    OverflowError if it does not parse), counted as ``build_document`` counts the dates it
    resolves. Used as it is for a file's distinct dates, which the cache of resolved dates
    misses (a 10,000-order file has 49,000: its calls and bookkeeping were half of each one's
    cost).

    A plain relative date is reckoned in whole seconds since the epoch and written from tables of
    days' and seconds' texts (a datetime moved and formatted for each of a large set's half a
    million dates was a twentieth of its build); anything else, a date off the days taken, or a
    ``now`` without a zone, is read the general way, which also words its problem."""
    if now.tzinfo is None:
        return functools.partial(_general_date, now=now)
    base = (now - _EPOCH) // timedelta(seconds=1)
    plain_relative = _PLAIN_RELATIVE.fullmatch
    day_texts, time_texts = _DAY_TEXTS, _TIME_TEXTS

    def resolve(text: str) -> str:
        plain = plain_relative(text) if text.__class__ is str else None
        if plain is not None and plain.lastindex > 1:
            sign, days, hours, minutes, seconds = plain.groups()
            offset = ((int(days or 0) * 24 + int(hours or 0)) * 60 + int(minutes or 0)) * 60 + int(seconds or 0)
            day, second = divmod(base + offset if sign == "+" else base - offset, 86400)
            date = day_texts.get(day) or _day_text(day)
            if date is not None:
                return date + (time_texts.get(second) or _time_text(second))
        return _general_date(text, now)

    return resolve


def _general_date(text: str, now: datetime) -> str:
    at = to_wire(parse_fixture_date(text, now))
    if not is_relative(text):
        _absolute_dates[0] += 1
    return at


def _day_text(day: int) -> str | None:
    """The wire text of a day since the epoch up to its time ("2025-06-15T"), kept; None for a
    day off the dates taken."""
    try:
        start = _EPOCH + timedelta(days=day)
    except OverflowError:
        return None
    # The last day is read the general way: its last second is past LATEST_DATE when now holds
    # a fraction of one.
    if not EARLIEST_DATE <= start < LATEST_DATE - timedelta(days=1):
        return None
    if len(_DAY_TEXTS) >= 1 << 16:
        _DAY_TEXTS.clear()
    text = _DAY_TEXTS[day] = to_wire(start)[: len("2025-06-15T")]
    return text


def _time_text(second: int) -> str:
    """The wire text of a second of the day ("08:23:11Z"), kept: formatting it took as long as
    the rest of a plain relative date's reckoning."""
    text = _TIME_TEXTS[second] = "%02d:%02d:%02dZ" % (second // 3600, second // 60 % 60, second % 60)  # noqa: UP031 (the fastest)
    return text


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Day since the epoch → its date's wire text up to the time ("2025-06-15T").
_DAY_TEXTS: dict[int, str] = {}
# Second of the day → its wire text from the hour on ("08:23:11Z"); at most 86,400 (6 MB).
_TIME_TEXTS: dict[int, str] = {}


def _given_date(value: Any, now: datetime) -> str:
    # Through the cache of resolved dates, which counts the absolute ones; what it cannot hold
    # (not a string) is refused by parse_fixture_date as before.
    return _wire_date(value, now) if isinstance(value, str) else to_wire(parse_fixture_date(value, now))


# How many absolute fixture dates were resolved since the cache of resolved dates was last
# emptied: a set loaded without one holds nothing the clock at load did not place, so the same
# set loaded at another time is the same documents with every date moved by the difference
# (``marketplace/fixture_cache``).
_absolute_dates = [0]


def forget_resolved_dates() -> None:
    """Empty the cache of resolved dates (about 18 MB after a 100k-order set: a load keeps it
    no longer), so that ``absolute_dates_resolved`` counts every date of the next load."""
    _wire_date.cache_clear()
    _TIME_TEXTS.clear()


def count_absolute_dates(count: int) -> None:
    """Count absolute dates another process resolved for this one (fixtures loaded by workers)."""
    _absolute_dates[0] += count


def absolute_dates_resolved() -> int:
    return _absolute_dates[0]


def _resolve_naming_bad_dates(value: Any, now: datetime, where: str, path: tuple, problems: list[str]) -> Any:
    """``_resolve_dates``, slowly: each date field that does not parse is kept as given and
    named in ``problems``."""
    if isinstance(value, dict):
        copied = {}
        for key, inner in value.items():
            if key in DATE_FIELDS and isinstance(inner, str):
                try:
                    copied[key] = to_wire(parse_fixture_date(inner, now))
                except (ValueError, OverflowError) as exc:
                    problems.append(f"{where}: field {_spelt(path + (key,))}: {exc} (or relative: now-3d4h)")
                    copied[key] = inner
            else:
                copied[key] = _resolve_naming_bad_dates(inner, now, where, path + (key,), problems)
        return copied
    if isinstance(value, list):
        return [_resolve_naming_bad_dates(inner, now, where, path + (n,), problems) for n, inner in enumerate(value)]
    return value


def _spelt(path: tuple) -> str:
    """``("items", 0, "PromiseDate")`` as ``items[0].PromiseDate``."""
    spelt = ""
    for part in path:
        spelt += f"[{part}]" if isinstance(part, int) else (f".{part}" if spelt else part)
    return spelt


def _money_problems(field: str, money: Any, where: str, *more: object) -> list[str]:
    """Money.Amount is a string in Amazon's model, but always a decimal number: the Finances
    rules add them up. The field's name is ``field % more``, spelt only for a problem (a large
    set's lines hold a million amounts, each checked)."""
    if money is None or not isinstance(money, dict):
        return []
    amount = money.get("Amount")
    if not isinstance(amount, str) or amount in _GOOD_AMOUNTS:
        return []
    if money_amount(amount) is None:
        return [f"{where}: field {field % more if more else field}.Amount: {amount!r} is not {AMOUNT_RULE}"]
    if len(_GOOD_AMOUNTS) >= _GOOD_AMOUNTS_KEPT:
        _GOOD_AMOUNTS.clear()
    _GOOD_AMOUNTS.add(amount)
    return []


# Amounts known to be decimal numbers: a large set's prices repeat (a line holds eight or more
# amounts, most of them 0.00), and reading each as a Decimal to check it was a tenth of its
# build. Only a string is kept, so its verdict cannot change; the set is emptied when full.
_GOOD_AMOUNTS: set[str] = set()
_GOOD_AMOUNTS_KEPT = 1 << 14


def _rule_problems(order: dict, items: list, where: str, compare_dates: bool = True) -> list[str]:
    """The order rules the schema cannot say, each broken one a line. A value the schema
    refuses (missing, or of the wrong type) is the schema's to report: its rules are passed by."""
    problems = []
    order_id = order.get("AmazonOrderId")
    marketplace_id = order.get("MarketplaceId")
    if isinstance(marketplace_id, str) and marketplace_id and marketplace_id not in MARKETPLACES:
        problems.append(f"{where}: field order.MarketplaceId: unknown marketplace id '{marketplace_id}'")
    purchased, updated = order.get("PurchaseDate"), order.get("LastUpdateDate")
    if compare_dates and isinstance(purchased, str) and isinstance(updated, str) and updated < purchased:
        problems.append(f"{where}: field order.LastUpdateDate is before order.PurchaseDate")
    if isinstance(order_id, str) and order_id:
        parts = order_id.split("-")
        if len(parts) != 3 or [len(p) for p in parts] != [3, 7, 7] or not all(p.isdigit() for p in parts):
            problems.append(f"{where}: field order.AmazonOrderId: '{order_id}' is not in 3-7-7 format")
    problems += _money_problems("order.OrderTotal", order.get("OrderTotal"), where)
    seen = set()
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        for name in LINE_MONEY_FIELDS:
            money = item.get(name)
            # The common case first, without a call: no field, or an amount already known good.
            if money is None or (
                money.__class__ is dict and (amount := money.get("Amount")).__class__ is str and amount in _GOOD_AMOUNTS
            ):
                continue
            problems += _money_problems("items[%d].%s", money, where, n, name)
        gift = item.get("BuyerInfo") if isinstance(item.get("BuyerInfo"), dict) else {}
        for name in GIFT_MONEY_FIELDS:
            problems += _money_problems("items[%d].BuyerInfo.%s", gift.get(name), where, n, name)
        item_id = item.get("OrderItemId")
        if isinstance(item_id, str) and item_id in seen:
            problems.append(f"{where}: field items[{n}].OrderItemId: '{item_id}' appears twice")
        seen.add(item_id)
        ordered, shipped = item.get("QuantityOrdered"), item.get("QuantityShipped") or 0
        if _whole(ordered) and _whole(shipped) and shipped > ordered:
            problems.append(f"{where}: field items[{n}].QuantityShipped is larger than QuantityOrdered")
        flag = item.get("BuyerRequestedCancel") or {}
        if not isinstance(flag, dict):
            continue
        if flag.get("IsBuyerRequestedCancel") not in (None, "true", "false"):
            problems.append(
                f'{where}: field items[{n}].BuyerRequestedCancel.IsBuyerRequestedCancel must be the string "true" or "false"'
            )
        if flag.get("IsBuyerRequestedCancel") == "true" and not flag.get("BuyerCancelReason"):
            field = f"items[{n}].BuyerRequestedCancel.BuyerCancelReason"
            problems.append(f'{where}: field {field} is required when IsBuyerRequestedCancel is "true"')
    return problems


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
