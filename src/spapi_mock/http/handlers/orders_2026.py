"""Orders API v2026-01-01 handlers: read the parameters, ask the domain, shape the response.

Routes, parameter parsing and request validation come from ``openapi/orders-2026-01-01.yaml``.
searchOrders is v0's getOrders search (``domain/order_search``) under this version's names;
both versions read the same store.
"""

from __future__ import annotations

from typing import Any

from spapi_mock.domain import order_search
from spapi_mock.domain.marketplaces import BY_ID as MARKETPLACES
from spapi_mock.http.handlers.context import seller_id, services, wire_now
from spapi_mock.views import orders_2026 as v2026_views

TOKEN_PARAM = "paginationToken"
# searchOrders' filter parameters → the v0 getOrders parameters order_search knows.
_FILTERS = {
    "createdAfter": "CreatedAfter",
    "createdBefore": "CreatedBefore",
    "lastUpdatedAfter": "LastUpdatedAfter",
    "lastUpdatedBefore": "LastUpdatedBefore",
    "fulfillmentStatuses": "OrderStatuses",
    "marketplaceIds": "MarketplaceIds",
    "fulfilledBy": "FulfillmentChannels",
}
# For order_search's messages: v0 names in this version's words.
_NAMES = {v0: v2026 for v2026, v0 in _FILTERS.items()}
_V0_STATUSES: dict[str, list[str]] = {}
for _v0, _v2026 in v2026_views.FULFILLMENT_STATUS.items():
    _V0_STATUSES.setdefault(_v2026, []).append(_v0)
_V0_CHANNELS = {v2026: v0 for v0, v2026 in v2026_views.FULFILLED_BY.items()}
# Without marketplaceIds, searchOrders looks in every marketplace.
_ALL_MARKETPLACES = sorted(MARKETPLACES)


def search_orders(**params: Any) -> dict:
    svc = services()
    seller = seller_id()
    now = svc.clock.now()
    included = set(params.get("includedData") or ())

    def fetch(query: dict, context: dict | None, after: list | None, size: int) -> tuple[list, list | None, dict]:
        # A paginationToken keeps the window its first page had.
        until = (context or {}).get("until")
        search = order_search.parse(_v0_params(query), now, svc.config.get_orders_lag, until=until, names=_NAMES)
        docs, last = svc.backend.search_orders(seller, search, size, tuple(after) if after else None)
        return docs, list(last) if last else None, {"until": search.until, "before": _NAMES[search.before_param]}

    page = svc.pager.page(
        "searchOrders",
        seller,
        _explicit(params),
        fetch,
        token=params.get(TOKEN_PARAM),
        size=params.get("maxResultsPerPage"),
        now=now,
    )
    body: dict = {"orders": [v2026_views.order(doc, included, wire_now()) for doc in page.items]}
    if page.next_token is not None:
        body["pagination"] = {"nextToken": page.next_token}
    body[page.context["before"]] = page.context["until"]
    return body


def get_order(orderId: str, includedData: list[str] | None = None) -> dict:
    doc = services().backend.order(seller_id(), orderId)
    return {"order": v2026_views.order(doc, set(includedData or ()), wire_now())}


def _explicit(params: dict) -> dict:
    """The filter parameters the request carries, lists as sorted sets, in comparable form."""
    out = {}
    for name in _FILTERS:
        value = params.get(name)
        if value is None:
            continue
        out[name] = sorted(set(value)) if isinstance(value, list) else value
    return out


def _v0_params(query: dict) -> dict:
    """The same search in getOrders' parameters."""
    v0 = {_FILTERS[name]: value for name, value in query.items()}
    if "fulfillmentStatuses" in query:
        v0["OrderStatuses"] = [status for value in query["fulfillmentStatuses"] for status in _V0_STATUSES[value]]
    if "fulfilledBy" in query:
        v0["FulfillmentChannels"] = [_V0_CHANNELS[value] for value in query["fulfilledBy"]]
    v0.setdefault("MarketplaceIds", _ALL_MARKETPLACES)
    return v0
