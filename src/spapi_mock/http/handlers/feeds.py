"""Feeds API 2021-06-30 handlers: read the parameters, ask the feeds backend, shape the response.

Routes, parameter parsing and request validation come from ``openapi/feeds-2021-06-30.yaml``;
the feeds themselves live in ``spapi_mock.feeds``.
"""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from connexion import NoContent

from spapi_mock.domain import feeds as feed_rules
from spapi_mock.http.handlers.context import base_url, seller_id, services
from spapi_mock.http.handlers.job_lists import list_page

# One thread that makes document records durable, in the order asked: the requests waiting for
# it need no thread each (asyncio's pool of six contended for the store's lock and the GIL:
# about 100 us more CPU a request under load).
_DOCUMENT_WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="document-writer")


async def create_feed_document(body: dict) -> tuple:
    # Its record is durable before the answer (with --db, an fsync): waited for in a thread, so
    # the server answers other requests meanwhile instead of waiting for the disk.
    feeds, seller, url = services().feeds, seller_id(), base_url()
    write = functools.partial(feeds.create_document, seller, body["contentType"], url)
    return await asyncio.get_running_loop().run_in_executor(_DOCUMENT_WRITER, write), 201


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
