"""getFeeds and getReports: one way to list a seller's feeds or reports, newest first, filtered
and paged with a nextToken that must come alone (both APIs' rule)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from spapi_mock.domain.exceptions import RuleViolation
from spapi_mock.domain.jobs import created_window
from spapi_mock.http.handlers.context import seller_id, services

_FILTERS = ("marketplaceIds", "processingStatuses", "createdSince", "createdUntil")


def list_page(operation: str, types_param: str, params: dict[str, Any], find: Callable, wire: Callable, key: str) -> dict:
    """One page of ``find(seller, query, after, size)``'s documents as ``{key: [...], nextToken}``."""
    svc = services()
    seller = seller_id()
    names = (types_param, *_FILTERS)
    given = {name: sorted(params[name]) if isinstance(params[name], list) else params[name] for name in names if params.get(name)}
    token = params.get("nextToken")
    if not token and not params.get(types_param):
        raise RuleViolation(f"Invalid input: either {types_param} or nextToken is required.")

    def fetch(query: dict, context: dict | None, after: list | None, size: int) -> tuple[list, list | None, dict]:
        window = (context or {}).get("window")
        if window is None:
            window = created_window(svc.clock.now(), query.get("createdSince"), query.get("createdUntil"), key)
        page, last = find(seller, {**query, "createdSince": window[0], "createdUntil": window[1]}, after, size)
        return page, last, {"window": list(window)}

    page = svc.pager.page(operation, seller, given, fetch, token=token, size=params.get("pageSize"))
    payload: dict = {key: [wire(doc) for doc in page.items]}
    if page.next_token is not None:
        payload["nextToken"] = page.next_token
    return payload
