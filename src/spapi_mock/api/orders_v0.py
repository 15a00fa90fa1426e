"""Orders API v0 handlers: read the parameters, ask the domain, shape the response.

Routes, parameter parsing and request validation come from ``openapi/orders-v0.yaml``.
"""

from __future__ import annotations

from connexion import NoContent

from ..domain import lifecycle, order_search
from ..domain.exceptions import RuleViolation
from ..views import orders_v0 as v0_views
from .context import personal_data, require_restricted_data_token, seller_id, services


def get_orders(**params) -> dict:
    svc = services()
    seller = seller_id()
    now = svc.clock.now()
    page_size = params.get("MaxResultsPerPage")
    next_token = params.get("NextToken")
    if next_token:
        state = svc.page_tokens.read(next_token, "orders", seller)
        # A client that sends only the token keeps the page size it asked for first.
        page_size = page_size or state["size"]
        query = state["query"]
        differing = [name for name, value in order_search.explicit_filters(params).items() if query.get(name) != value]
        if differing:
            raise RuleViolation(f"Invalid NextToken: it was issued for a query with different {', '.join(differing)}.")
        search = order_search.parse(query, now, svc.config.get_orders_lag, until=state["until"])
        after = tuple(state["after"])
    else:
        query = order_search.explicit_filters(params)
        search = order_search.parse(params, now, svc.config.get_orders_lag)
        after = None
        page_size = page_size or order_search.MAX_PAGE_SIZE
    svc.backend.settle()
    docs, last = order_search.run(svc.store, seller, search, page_size, after)
    allowed = personal_data()
    payload: dict = {"Orders": [v0_views.order(doc, allowed) for doc in docs]}
    if last is not None:
        payload["NextToken"] = svc.page_tokens.issue(
            {"kind": "orders", "seller": seller, "query": query, "until": search.until, "after": list(last), "size": page_size}
        )
    payload[search.before_param] = search.until
    return {"payload": payload}


def get_order(orderId: str) -> dict:
    return {"payload": v0_views.order(_order(orderId), personal_data())}


def get_order_buyer_info(orderId: str) -> dict:
    require_restricted_data_token()
    return {"payload": v0_views.order_buyer_info(_order(orderId))}


def get_order_address(orderId: str) -> dict:
    require_restricted_data_token()
    return {"payload": v0_views.order_address(_order(orderId))}


def get_order_items(orderId: str, NextToken: str | None = None) -> dict:
    doc = _order(orderId)
    return {"payload": _item_page(doc, v0_views.order_items(doc), NextToken, "items")}


def get_order_items_buyer_info(orderId: str, NextToken: str | None = None) -> dict:
    require_restricted_data_token()
    doc = _order(orderId)
    return {"payload": _item_page(doc, v0_views.order_items_buyer_info(doc), NextToken, "items-buyer-info")}


def get_order_regulated_info(orderId: str) -> dict:
    doc = _order(orderId)
    if not doc.get("regulated"):
        raise RuleViolation(f"Order {orderId} has no regulated items.")
    return {"payload": v0_views.order_regulated_info(doc)}


def update_shipment_status(orderId: str, body: dict) -> tuple:
    return _write(orderId, lifecycle.update_shipment_status, body)


def update_verification_status(orderId: str, body: dict) -> tuple:
    return _write(orderId, lifecycle.update_verification_status, body)


def confirm_shipment(orderId: str, body: dict) -> tuple:
    return _write(orderId, lifecycle.confirm_shipment, body)


def _write(order_id: str, rule, body: dict) -> tuple:
    """Apply one lifecycle rule to the order with Amazon's request body; 204 as Amazon answers."""
    services().backend.change(seller_id(), order_id, lambda doc, now, policy: rule(doc, now, policy, body))
    return NoContent, 204


def _order(order_id: str) -> dict:
    return services().backend.order(seller_id(), order_id)


def _item_page(doc: dict, rows: list[dict], next_token: str | None, kind: str) -> dict:
    """One page of an order's item rows, as the OrderItems payloads of Amazon's model."""
    svc = services()
    seller = seller_id()
    order_id = doc["order"]["AmazonOrderId"]
    start = 0
    if next_token:
        state = svc.page_tokens.read(next_token, kind, seller)
        if state.get("order") != order_id:
            raise RuleViolation("Invalid NextToken: it was issued for another order.")
        start = int(state["offset"])
    size = svc.config.order_items_page_size
    end = start + size
    payload: dict = {"OrderItems": rows[start:end]}
    if end < len(rows):
        payload["NextToken"] = svc.page_tokens.issue({"kind": kind, "seller": seller, "order": order_id, "offset": end})
    payload["AmazonOrderId"] = order_id
    return payload
