"""Feeds API 2021-06-30 handlers: read the parameters, ask the feeds backend, shape the response.

Routes, parameter parsing and request validation come from ``openapi/feeds-2021-06-30.yaml``;
the feeds themselves live in ``spapi_mock.feeds``.
"""

from __future__ import annotations

from typing import Any

from connexion import NoContent

from spapi_mock.domain import feeds as feed_rules
from spapi_mock.http.group_writer import GroupWriter
from spapi_mock.http.handlers.context import base_url, seller_id, services
from spapi_mock.http.handlers.job_lists import list_page

_DOCUMENT_WRITER = GroupWriter()


async def create_feed_document(body: dict) -> tuple:
    svc = services()
    asked = svc.feeds.document_request(seller_id(), body["contentType"], base_url())
    if svc.store.path is None:
        # Nothing to wait for (no --db): handing the write to a thread would cost more than it.
        return svc.feeds.create_documents([asked])[0], 201
    # Its record is durable before the answer (with --db, an fsync): waited for in the writer's
    # thread, so the server answers other requests meanwhile instead of waiting for the disk.
    return await _DOCUMENT_WRITER.write(svc.feeds.create_documents, asked), 201


def get_feed_document(feedDocumentId: str, enableContentEncodingUrlHeader: bool | None = None) -> dict:
    return services().feeds.document(seller_id(), feedDocumentId, base_url(), bool(enableContentEncodingUrlHeader))


def create_feed(body: dict) -> tuple:
    return services().feeds.create_feed(seller_id(), body), 202


def get_feed(feedId: str) -> dict:
    return feed_rules.wire(services().feeds.feed(seller_id(), feedId))


def cancel_feed(feedId: str) -> tuple:
    services().feeds.cancel_feed(seller_id(), feedId)
    return NoContent, 200


def get_feeds(**params: Any) -> dict:
    svc = services()
    return list_page("getFeeds", "feedTypes", params, svc.feeds.find_feeds, feed_rules.wire, "feeds")
