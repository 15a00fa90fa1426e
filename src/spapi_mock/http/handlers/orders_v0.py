"""Orders API v0 handlers: read the parameters, ask the domain, shape the response.

Routes, parameter parsing and request validation come from ``openapi/orders-v0.yaml``.
"""

from __future__ import annotations

from connexion import NoContent

from spapi_mock.domain import lifecycle, order_search
from spapi_mock.domain.exceptions import RuleViolation
from spapi_mock.http.handlers.context import personal_data, require_restricted_data_token, seller_id, services, wire_now
from spapi_mock.views import orders_v0 as v0_views


def get_orders(**params) -> dict:
    svc = services()
    seller = seller_id()
    now = svc.clock.now()

    def fetch(query: dict, context: dict | None, after: list | None, size: int) -> tuple[list, list | None, dict]:
        # A NextToken keeps the window its first page had.
        search = order_search.parse(query, now, svc.config.get_orders_lag, until=(context or {}).get("until"))
        docs, last = svc.backend.search_orders(seller, search, size, tuple(after) if after else None)
        return docs, list(last) if last else None, {"until": search.until, "before": search.before_param}

    page = svc.pager.page(
        "getOrders",
        seller,
        order_search.explicit_filters(params),
        fetch,
        token=params.get("NextToken"),
        size=params.get("MaxResultsPerPage"),
    )
    allowed = personal_data()
    payload: dict = {"Orders": [v0_views.order(doc, allowed, wire_now()) for doc in page.items]}
    if page.next_token is not None:
        payload["NextToken"] = page.next_token
    payload[page.context["before"]] = page.context["until"]
    return {"payload": payload}


def get_order(orderId: str) -> dict:
    return {"payload": v0_views.order(_order(orderId), personal_data(), wire_now())}


def get_order_buyer_info(orderId: str) -> dict:
    require_restricted_data_token()
    return {"payload": v0_views.order_buyer_info(_order(orderId))}


def get_order_address(orderId: str) -> dict:
    require_restricted_data_token()
    return {"payload": v0_views.order_address(_order(orderId), wire_now())}


def get_order_items(orderId: str, NextToken: str | None = None) -> dict:
    doc = _order(orderId)
    return {"payload": _item_page(doc, v0_views.order_items(doc), NextToken, "getOrderItems")}


def get_order_items_buyer_info(orderId: str, NextToken: str | None = None) -> dict:
    require_restricted_data_token()
    doc = _order(orderId)
    return {"payload": _item_page(doc, v0_views.order_items_buyer_info(doc), NextToken, "getOrderItemsBuyerInfo")}


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


def _item_page(doc: dict, rows: list[dict], next_token: str | None, operation: str) -> dict:
    """One page of an order's item rows, as the OrderItems payloads of Amazon's model."""
    svc = services()
    order_id = doc["order"]["AmazonOrderId"]

    def fetch(query: dict, context: dict | None, offset: int | None, size: int) -> tuple[list, int | None, dict]:
        start = offset or 0
        end = start + size
        return rows[start:end], end if end < len(rows) else None, {}

    page = svc.pager.page(
        operation, seller_id(), {"orderId": order_id}, fetch, token=next_token, size=svc.config.order_items_page_size
    )
    payload: dict = {"OrderItems": page.items}
    if page.next_token is not None:
        payload["NextToken"] = page.next_token
    payload["AmazonOrderId"] = order_id
    return payload
