"""Durable writes grouped: requests that arrive together wait for one disk write, not a queue of them."""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from typing import Any


class GroupWriter:
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
