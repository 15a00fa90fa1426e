"""Paging, declared per operation, and the signed tokens that carry a page's cursor.

Each paged operation has a ``PageModel`` in ``PAGINATION_MODEL`` (moto's pagination model is the
example): what its tokens are called, how big a page is, whether a token expires, and how a
request that brings a token must repeat the first request's parameters. ``Pager.page`` does the
rest for every one of them: it reads and checks the token, asks the operation's ``fetch`` for one
page after the cursor, and issues the token of the next page. Handlers never see a token's
insides.

A token carries where the next page starts and what it belongs to (the operation, the seller,
and the query it pages through). It is signed, so a forged or altered token, or one issued for
another query or seller, is refused with InvalidInput instead of silently paging something
else. A token issued with an ``expires`` time is refused once the clock passes it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson

from spapi_mock.domain.exceptions import RuleViolation
from spapi_mock.kernel.dates import to_wire


@dataclass(frozen=True)
class PageModel:
    """How one operation pages."""

    kind: str  # what its tokens page through; a token of another kind is refused
    token_param: str = "NextToken"
    default_size: int = 100
    # A request that brings a token and no page size keeps the size of the first request
    # (v0); otherwise it gets the default again (v2026-01-01).
    keeps_size: bool = True
    # Every query parameter must come again with the token, unchanged (v2026-01-01); otherwise
    # the token remembers them and a parameter sent again must be unchanged (v0).
    repeat_all: bool = False
    lifetime: timedelta | None = None
    # Why a token is refused for a request it was not issued for; {names} lists the differences.
    mismatch: str = "it was issued for a query with different {names}."
    # The token must come as the only parameter (Feeds and Reports: it carries the filters).
    alone: bool = False


# Orders v2026-01-01: a paginationToken expires 24 hours after it was issued.
PAGINATION_TOKEN_LIFETIME = timedelta(hours=24)

PAGINATION_MODEL: dict[str, PageModel] = {
    "getOrders": PageModel("orders"),
    "searchOrders": PageModel(
        "orders-2026-01-01",
        "paginationToken",
        keeps_size=False,
        repeat_all=True,
        lifetime=PAGINATION_TOKEN_LIFETIME,
        mismatch=(
            "it was issued for a request with different {names}; "
            "repeat every parameter of the first request except maxResultsPerPage and includedData."
        ),
    ),
    "getOrderItems": PageModel("items", mismatch="it was issued for another order."),
    # Feeds 2021-06-30: pageSize 10 by default; the nextToken alone carries filters and size.
    "getFeeds": PageModel("feeds", "nextToken", default_size=10, alone=True),
    "getReports": PageModel("reports", "nextToken", default_size=10, alone=True),
    # Notifications v1: pageSize 30 by default (30 to 100).
    "getSubscriptions": PageModel("subscriptions", "nextToken", default_size=30),
    "getOrderItemsBuyerInfo": PageModel("items-buyer-info", mismatch="it was issued for another order."),
    # Finances v0: MaxResultsPerPage 10 by default for groups, 100 for events; 2024-06-19: 100 a page.
    "listFinancialEventGroups": PageModel("financial-event-groups", default_size=10),
    "listFinancialEvents": PageModel("financial-events"),
    "listFinancialEventsByOrderId": PageModel("financial-events-by-order", mismatch="it was issued for another order."),
    "listFinancialEventsByGroupId": PageModel("financial-events-by-group", mismatch="it was issued for other {names}."),
    "listTransactions": PageModel("transactions", "nextToken", keeps_size=False),
}


@dataclass
class Page:
    items: list
    next_token: str | None
    # What the first page fixed for the pages after it (e.g. the end of a search window).
    context: dict


# One page: (the query, the first page's context or None, the cursor or None, the page size)
# → (the items, the cursor after the last one or None at the end, the context to keep).
Fetch = Callable[[dict, dict | None, Any, int], tuple[list, Any, dict]]


class Pager:
    def __init__(self, tokens: PageTokens, models: dict[str, PageModel] | None = None) -> None:
        self._tokens = tokens
        self._models = models or PAGINATION_MODEL

    def page(
        self,
        operation: str,
        seller_id: str,
        query: dict,
        fetch: Fetch,
        *,
        token: str | None = None,
        size: int | None = None,
        now: datetime | None = None,
    ) -> Page:
        """One page of the operation's results for the seller; ``query``: the parameters that
        select them, as comparable values (lists sorted)."""
        model = self._models[operation]
        context = cursor = None
        if token:
            if model.alone and (query or size is not None):
                others = ", ".join(sorted(query)) or "pageSize"
                raise RuleViolation(
                    f"Invalid {model.token_param}: send it as the only parameter (it carries the first request's filters), "
                    f"without {others}."
                )
            state = self._tokens.read(token, model.kind, seller_id, param=model.token_param, now=now)
            query = self._query_for(model, state["query"], query)
            context, cursor = state.get("context"), state.get("cursor")
            if size is None and model.keeps_size:
                size = state.get("size")
        size = size or model.default_size
        items, next_cursor, context = fetch(query, context, cursor, size)
        next_token = None
        if next_cursor is not None:
            state = {"kind": model.kind, "seller": seller_id, "query": query, "context": context, "cursor": next_cursor}
            if model.keeps_size:
                state["size"] = size
            if model.lifetime is not None and now is not None:
                state["expires"] = to_wire(now + model.lifetime)
            next_token = self._tokens.issue(state)
        return Page(items, next_token, context)

    @staticmethod
    def _query_for(model: PageModel, issued_for: dict, given: dict) -> dict:
        """The query a token pages through, once the request is known to ask for the same."""
        names = set(issued_for) | set(given) if model.repeat_all else set(given)
        differing = sorted(name for name in names if issued_for.get(name) != given.get(name))
        if differing:
            raise RuleViolation(f"Invalid {model.token_param}: " + model.mismatch.format(names=", ".join(differing)))
        return issued_for


class PageTokens:
    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret or secrets.token_bytes(32)

    def issue(self, payload: dict[str, Any]) -> str:
        body = _sealed_json(payload)
        mac = hmac.digest(self._secret, body, hashlib.sha256)[:16]
        return base64.urlsafe_b64encode(mac + body).decode().rstrip("=")

    def read(
        self, token: str, kind: str, seller_id: str, *, param: str = "NextToken", now: datetime | None = None
    ) -> dict[str, Any]:
        """The payload of a token issued by this server for ``kind`` and this seller, and not
        expired at ``now``; ``param`` names the token in refusals."""
        invalid = RuleViolation(f"Invalid {param}: it was not issued by this service for this request.")
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (ValueError, TypeError):
            raise invalid from None
        mac, body = raw[:16], raw[16:]
        if len(mac) < 16 or not hmac.compare_digest(mac, hmac.digest(self._secret, body, hashlib.sha256)[:16]):
            raise invalid
        payload = json.loads(body)
        if payload.get("kind") != kind or payload.get("seller") != seller_id:
            raise invalid
        expires = payload.get("expires")
        if expires is not None and now is not None and to_wire(now) >= expires:
            raise RuleViolation(f"Invalid {param}: it expired at {expires}; search again without it.")
        return payload


def _sealed_json(payload: dict[str, Any]) -> bytes:
    """The payload as the standard library writes it (compact, keys sorted, all but printable
    ASCII escaped). orjson writes the same bytes four times faster for what a token holds
    (strings, integers, booleans, null, lists and string-keyed objects) when they are printable
    ASCII; anything else (a float, DEL or non-ASCII text, an integer beyond 64 bits) is written
    by the standard library, so no token changes form."""
    if _orjson_safe(payload):
        try:
            body = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
        except TypeError:
            pass
        else:
            if body.isascii() and b"\x7f" not in body:
                return body
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


def _orjson_safe(value: Any) -> bool:
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return True
    if kind is dict:
        return all(type(key) is str and _orjson_safe(item) for key, item in value.items())
    if kind is list or kind is tuple:
        return all(_orjson_safe(item) for item in value)
    return False
