"""Orders API v2026-01-01 handlers: read the parameters, ask the domain, shape the response.

Routes, parameter parsing and request validation come from ``openapi/orders-2026-01-01.yaml``.
searchOrders is v0's getOrders search (``domain/order_search``) under this version's names;
both versions read the same store.
"""

from __future__ import annotations

from typing import Any

from ..dates import to_wire
from ..domain import order_search
from ..domain.exceptions import RuleViolation
from ..marketplaces import BY_ID as MARKETPLACES
from ..views import orders_2026 as v2026_views
from .context import seller_id, services

TOKEN_KIND = "orders-2026-01-01"
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
    page_size = params.get("maxResultsPerPage") or order_search.MAX_PAGE_SIZE
    query = _explicit(params)
    token = params.get(TOKEN_PARAM)
    until = after = None
    if token:
        state = svc.page_tokens.read(token, TOKEN_KIND, seller, param=TOKEN_PARAM, now=now)
        # Every parameter but maxResultsPerPage and includedData must be sent again, unchanged.
        differing = sorted(name for name in set(state["query"]) | set(query) if state["query"].get(name) != query.get(name))
        if differing:
            raise RuleViolation(
                f"Invalid {TOKEN_PARAM}: it was issued for a request with different {', '.join(differing)}; "
                "repeat every parameter of the first request except maxResultsPerPage and includedData."
            )
        until, after = state["until"], tuple(state["after"])
    search = order_search.parse(_v0_params(query), now, svc.config.get_orders_lag, until=until, names=_NAMES)
    svc.backend.settle()
    docs, last = order_search.run(svc.store, seller, search, page_size, after)
    body: dict = {"orders": [v2026_views.order(doc, included) for doc in docs]}
    if last is not None:
        expires = to_wire(now + order_search.PAGINATION_TOKEN_LIFETIME)
        state = {
            "kind": TOKEN_KIND,
            "seller": seller,
            "query": query,
            "until": search.until,
            "after": list(last),
            "expires": expires,
        }
        body["pagination"] = {"nextToken": svc.page_tokens.issue(state)}
    body[_NAMES[search.before_param]] = search.until
    return body


def get_order(orderId: str, includedData: list[str] | None = None) -> dict:
    doc = services().backend.order(seller_id(), orderId)
    return {"order": v2026_views.order(doc, set(includedData or ()))}


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
