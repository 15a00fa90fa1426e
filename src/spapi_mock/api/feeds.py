"""Feeds API 2021-06-30 handlers: read the parameters, ask the feeds backend, shape the response.

Routes, parameter parsing and request validation come from ``openapi/feeds-2021-06-30.yaml``;
the feeds themselves live in ``spapi_mock.feeds``.
"""

from __future__ import annotations

from typing import Any

from connexion import NoContent

from .. import request_guard, request_scope
from ..domain import feeds as feed_rules
from ..domain.exceptions import RuleViolation
from ..feeds import feed_window
from .context import seller_id, services

# getFeeds' filters, as they are kept in its nextToken.
_FILTERS = ("feedTypes", "marketplaceIds", "processingStatuses", "createdSince", "createdUntil")


def create_feed_document(body: dict) -> tuple:
    return services().feeds.create_document(seller_id(), body["contentType"], _base_url()), 201


def get_feed_document(feedDocumentId: str, enableContentEncodingUrlHeader: bool | None = None) -> dict:
    return services().feeds.document(seller_id(), feedDocumentId, _base_url())


def create_feed(body: dict) -> tuple:
    return services().feeds.create_feed(seller_id(), body), 202


def get_feed(feedId: str) -> dict:
    return feed_rules.wire(services().feeds.feed(seller_id(), feedId))


def cancel_feed(feedId: str) -> tuple:
    services().feeds.cancel_feed(seller_id(), feedId)
    return NoContent, 200


def get_feeds(**params: Any) -> dict:
    svc = services()
    seller = seller_id()
    given = {
        name: sorted(params[name]) if isinstance(params[name], list) else params[name] for name in _FILTERS if params.get(name)
    }
    token = params.get("nextToken")
    if not token and not params.get("feedTypes"):
        raise RuleViolation("Invalid input: either feedTypes or nextToken is required.")

    def fetch(query: dict, context: dict | None, after: list | None, size: int) -> tuple[list, list | None, dict]:
        window = (context or {}).get("window") or feed_window(
            svc.clock.now(), query.get("createdSince"), query.get("createdUntil")
        )
        page, last = svc.feeds.find_feeds(seller, {**query, "createdSince": window[0], "createdUntil": window[1]}, after, size)
        return page, last, {"window": list(window)}

    page = svc.pager.page("getFeeds", seller, given, fetch, token=token, size=params.get("pageSize"))
    payload: dict = {"feeds": [feed_rules.wire(feed) for feed in page.items]}
    if page.next_token is not None:
        payload["nextToken"] = page.next_token
    return payload


def _base_url() -> str:
    """Where the client can reach the mock, for the presigned URLs it will call next: the
    configured public URL, else the Host the request named if the mock answers to it, else the
    address the request arrived at (python-amazon-sp-api sends ``Host: 27.0.0.1:8080`` for
    ``http://127.0.0.1:8080``)."""
    config = services().config
    if config.public_url:
        return config.public_url.rstrip("/")
    scope = request_scope.current_scope()
    host = next((value.decode("latin-1") for name, value in scope["headers"] if name == b"host"), "")
    if not host or not request_guard.AllowedHosts(config.allowed_hosts, config.host).allows(host):
        server = scope.get("server") or ("127.0.0.1", config.port)
        host = f"[{server[0]}]:{server[1]}" if ":" in server[0] else f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}"
