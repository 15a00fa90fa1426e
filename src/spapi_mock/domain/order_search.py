"""getOrders: Amazon's rules for the filters, and the search itself.

``parse`` turns the request's parameters into an ``OrderSearch`` or says which rule was
broken, and ``OrderSearch.matches`` says whether an order is one it asks for; the backend reads
a page of them from the store's date index (``Backend.search_orders``).
Parameters are named as in Orders v0; Orders v2026-01-01's searchOrders has the same date
rules under camelCase names, so ``parse`` words its refusals in the caller's names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from spapi_mock.domain.exceptions import RuleViolation
from spapi_mock.domain.marketplaces import BY_ID as MARKETPLACES
from spapi_mock.domain.orders import LAST_UPDATE_DATE, PURCHASE_DATE
from spapi_mock.kernel.dates import normalize, to_wire

# getOrders never shows the last two minutes: Amazon's index lags behind, and a "Before" bound
# must be at least this far in the past.
DEFAULT_LAG = timedelta(minutes=2)
MAX_PAGE_SIZE = 100

# Parameters that select orders; a NextToken belongs to one combination of them.
FILTER_PARAMS = (
    "CreatedAfter",
    "CreatedBefore",
    "LastUpdatedAfter",
    "LastUpdatedBefore",
    "OrderStatuses",
    "MarketplaceIds",
    "FulfillmentChannels",
    "PaymentMethods",
    "BuyerEmail",
    "SellerOrderId",
    "EasyShipShipmentStatuses",
    "ElectronicInvoiceStatuses",
    "AmazonOrderIds",
    "ActualFulfillmentSupplySourceId",
    "IsISPU",
    "StoreChainStoreId",
    "EarliestDeliveryDateBefore",
    "EarliestDeliveryDateAfter",
    "LatestDeliveryDateBefore",
    "LatestDeliveryDateAfter",
)
_LIST_PARAMS = frozenset(
    {
        "OrderStatuses",
        "MarketplaceIds",
        "FulfillmentChannels",
        "PaymentMethods",
        "EasyShipShipmentStatuses",
        "ElectronicInvoiceStatuses",
        "AmazonOrderIds",
    }
)
_DATE_PARAMS = frozenset(
    {
        "CreatedAfter",
        "CreatedBefore",
        "LastUpdatedAfter",
        "LastUpdatedBefore",
        "EarliestDeliveryDateBefore",
        "EarliestDeliveryDateAfter",
        "LatestDeliveryDateBefore",
        "LatestDeliveryDateAfter",
    }
)
# SellerOrderId names one order; Amazon refuses it together with these.
_EXCLUDED_BY_SELLER_ORDER_ID = (
    "FulfillmentChannels",
    "OrderStatuses",
    "PaymentMethods",
    "LastUpdatedAfter",
    "LastUpdatedBefore",
    "BuyerEmail",
)


@dataclass(frozen=True)
class OrderSearch:
    """A checked getOrders query: the date window and every filter, normalised."""

    by: str  # PURCHASE_DATE or LAST_UPDATE_DATE
    since: str
    until: str
    filters: dict[str, Any] = field(default_factory=dict)

    @property
    def before_param(self) -> str:
        return "CreatedBefore" if self.by == PURCHASE_DATE else "LastUpdatedBefore"

    def matches(self, doc: dict) -> bool:
        order = doc["order"]
        f = self.filters
        if order.get("MarketplaceId") not in f["MarketplaceIds"]:
            return False
        if "OrderStatuses" in f and order.get("OrderStatus") not in f["OrderStatuses"]:
            return False
        if "FulfillmentChannels" in f and order.get("FulfillmentChannel") not in f["FulfillmentChannels"]:
            return False
        if "PaymentMethods" in f and order.get("PaymentMethod") not in f["PaymentMethods"]:
            return False
        if "AmazonOrderIds" in f and order["AmazonOrderId"] not in f["AmazonOrderIds"]:
            return False
        if "SellerOrderId" in f and order.get("SellerOrderId") != f["SellerOrderId"]:
            return False
        if "BuyerEmail" in f and ((order.get("BuyerInfo") or {}).get("BuyerEmail") or "").lower() != f["BuyerEmail"]:
            return False
        if "EasyShipShipmentStatuses" in f and order.get("EasyShipShipmentStatus") not in f["EasyShipShipmentStatuses"]:
            return False
        if "ElectronicInvoiceStatuses" in f and order.get("ElectronicInvoiceStatus") not in f["ElectronicInvoiceStatuses"]:
            return False
        if "IsISPU" in f and bool(order.get("IsISPU", False)) != f["IsISPU"]:
            return False
        if (
            "ActualFulfillmentSupplySourceId" in f
            and (order.get("FulfillmentInstruction") or {}).get("FulfillmentSupplySourceId")
            != f["ActualFulfillmentSupplySourceId"]
        ):
            return False
        if "StoreChainStoreId" in f and not any(i.get("StoreChainStoreId") == f["StoreChainStoreId"] for i in doc["items"]):
            return False
        for param, order_field, is_after in (
            ("EarliestDeliveryDateAfter", "EarliestDeliveryDate", True),
            ("EarliestDeliveryDateBefore", "EarliestDeliveryDate", False),
            ("LatestDeliveryDateAfter", "LatestDeliveryDate", True),
            ("LatestDeliveryDateBefore", "LatestDeliveryDate", False),
        ):
            if param in f:
                value = order.get(order_field)
                if not value or (value < f[param] if is_after else value > f[param]):
                    return False
        return True


def explicit_filters(params: dict[str, Any]) -> dict[str, Any]:
    """The filter parameters a request actually carries, in a comparable form."""
    out: dict[str, Any] = {}
    for name in FILTER_PARAMS:
        value = params.get(name)
        if value is None:
            continue
        if name in _LIST_PARAMS:
            out[name] = sorted(set(_as_list(value)))
        else:
            out[name] = value
    return out


def parse(
    params: dict[str, Any],
    now: datetime,
    lag: timedelta = DEFAULT_LAG,
    until: str | None = None,
    names: Mapping[str, str] | None = None,
) -> OrderSearch:
    """Check getOrders' parameters against Amazon's rules and build the search.

    ``until`` fixes the end of the window (a NextToken keeps the one of its first page).
    ``names`` maps v0 parameter names to the caller's, for the messages of refusals.
    """

    def n(name: str) -> str:
        return names.get(name, name) if names else name

    given = explicit_filters(params)
    created_after, updated_after = given.get("CreatedAfter"), given.get("LastUpdatedAfter")
    if created_after is None and updated_after is None:
        raise RuleViolation(f"Either {n('CreatedAfter')} or {n('LastUpdatedAfter')} must be specified.")
    if created_after is not None and updated_after is not None:
        raise RuleViolation(f"{n('CreatedAfter')} and {n('LastUpdatedAfter')} cannot both be specified.")
    if created_after is not None and "LastUpdatedBefore" in given:
        raise RuleViolation(f"{n('LastUpdatedBefore')} cannot be specified when {n('CreatedAfter')} is specified.")
    if updated_after is not None and "CreatedBefore" in given:
        raise RuleViolation(f"{n('CreatedBefore')} cannot be specified when {n('LastUpdatedAfter')} is specified.")
    if "SellerOrderId" in given:
        clash = [name for name in _EXCLUDED_BY_SELLER_ORDER_ID if name in given]
        if clash:
            raise RuleViolation(f"SellerOrderId cannot be specified together with {', '.join(clash)}.")
    if not given.get("MarketplaceIds"):
        raise RuleViolation(f"{n('MarketplaceIds')} is required and must name at least one marketplace.")
    unknown = [m for m in given["MarketplaceIds"] if m not in MARKETPLACES]
    if unknown:
        raise RuleViolation(f"{n('MarketplaceIds')} contains invalid marketplace id(s): {', '.join(unknown)}.")
    for name in ("MarketplaceIds", "AmazonOrderIds"):
        if len(given.get(name, ())) > 50:
            raise RuleViolation(f"{n(name)} accepts at most 50 values.")

    dates = {name: _date(n(name), given[name]) for name in _DATE_PARAMS if name in given}
    by, after_name, before_name = (
        (PURCHASE_DATE, "CreatedAfter", "CreatedBefore")
        if created_after is not None
        else (LAST_UPDATE_DATE, "LastUpdatedAfter", "LastUpdatedBefore")
    )
    latest_allowed = to_wire(now - lag)
    since = dates[after_name]
    if until is None:
        if before_name in dates:
            until = dates[before_name]
            if until > latest_allowed:
                raise RuleViolation(f"{n(before_name)} must be at least two minutes before the current time ({latest_allowed}).")
            if until < since:
                raise RuleViolation(f"{n(before_name)} must be equal to or after {n(after_name)}.")
        else:
            until = latest_allowed
            if since > until:
                raise RuleViolation(f"{n(after_name)} must be at least two minutes before the current time ({latest_allowed}).")
    for early, late in (
        ("EarliestDeliveryDateAfter", "EarliestDeliveryDateBefore"),
        ("LatestDeliveryDateAfter", "LatestDeliveryDateBefore"),
    ):
        if early in dates and late in dates and dates[late] < dates[early]:
            raise RuleViolation(f"{n(late)} must be equal to or after {n(early)}.")

    filters: dict[str, Any] = {}
    for name, value in given.items():
        if name in ("CreatedAfter", "CreatedBefore", "LastUpdatedAfter", "LastUpdatedBefore"):
            continue
        if name in _DATE_PARAMS:
            filters[name] = dates[name]
        elif name in _LIST_PARAMS:
            filters[name] = frozenset(value)
        elif name == "BuyerEmail":
            filters[name] = value.strip().lower()
        elif name == "IsISPU":
            filters[name] = _boolean(value)
        else:
            filters[name] = value
    return OrderSearch(by=by, since=since, until=until, filters=filters)


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v).strip() for v in value if str(v).strip()]


def _date(name: str, value: Any) -> str:
    try:
        return normalize(str(value))
    except ValueError as exc:
        raise RuleViolation(f"Invalid {name}: {exc}.") from None


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "false"):
        return text == "true"
    raise RuleViolation(f"Invalid IsISPU: '{value}' is not true or false.")
