"""Feeds API 2021-06-30 handlers: read the parameters, ask the feeds backend, shape the response.

Routes, parameter parsing and request validation come from ``openapi/feeds-2021-06-30.yaml``;
the feeds themselves live in ``spapi_mock.feeds``.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from typing import Any

from connexion import NoContent

from spapi_mock.domain import feeds as feed_rules
from spapi_mock.http.handlers.context import base_url, seller_id, services
from spapi_mock.http.handlers.job_lists import list_page


class _GroupWriter:
    """One thread that makes records durable, in the order asked: each time it is free, all
    that were asked for meanwhile go in one write (``write_all``: with --db, one fsync for all
    of them), so requests that arrive together wait for one disk write instead of a queue of
    them, and the requests waiting need no thread each (asyncio's pool of six contended for the
    store's lock and the GIL). Each waiter gets its own result, or the write's exception."""

    def __init__(self) -> None:
        self._asked: queue.SimpleQueue = queue.SimpleQueue()
        self._start = threading.Lock()
        self._thread: threading.Thread | None = None

    async def write(self, write_all: Callable[[list], list], item: Any) -> Any:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._asked.put((write_all, item, loop, future))
        if self._thread is None:
            with self._start:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._work, name="document-writer", daemon=True)
                    self._thread.start()
        return await future

    def _work(self) -> None:
        while True:
            asked = [self._asked.get()]
            while True:
                try:
                    asked.append(self._asked.get_nowait())
                except queue.Empty:
                    break
            # Apps in one process (a test suite's) share this thread: each writes its own.
            by_writer: dict[Callable, list] = {}
            for write_all, item, loop, future in asked:
                by_writer.setdefault(write_all, []).append((item, loop, future))
            for write_all, waiting in by_writer.items():
                try:
                    results = write_all([item for item, _, _ in waiting])
                    if len(results) != len(waiting):
                        raise RuntimeError(f"{write_all} answered {len(results)} of {len(waiting)} requests")
                    outcomes = [(result, None) for result in results]
                except Exception as exc:  # each waiter raises it (this thread must live on for the next)
                    outcomes = [(None, exc)] * len(waiting)
                by_loop: dict[asyncio.AbstractEventLoop, list] = {}
                for (_, loop, future), outcome in zip(waiting, outcomes, strict=True):
                    by_loop.setdefault(loop, []).append((future, *outcome))
                for loop, settled in by_loop.items():
                    try:
                        loop.call_soon_threadsafe(_settle, settled)
                    except RuntimeError:
                        pass  # that loop has closed: nobody waits any more


def _settle(settled: list) -> None:
    for future, result, exc in settled:
        if future.cancelled():
            continue
        if exc is not None:
            future.set_exception(exc)
        else:
            future.set_result(result)


_DOCUMENT_WRITER = _GroupWriter()


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
