"""Work done a few items ahead, on a thread of its own, while the caller uses the one before.

For work that runs without the GIL (zstd compressing or decompressing a batch): the caller's
Python and the work overlap, and only a few items' results wait at a time, never the whole input.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def worked_ahead(work: Callable[[T], R], items: Iterable[T], ahead: int, name: str) -> Iterator[R]:
    """``work(item)`` of each item, in order, on a thread named ``name``, at most ``ahead`` items
    beyond the one the caller takes; work not yet begun is cancelled when the caller stops early.
    What ``work`` raises is raised where its result is taken."""
    with ThreadPoolExecutor(1, thread_name_prefix=name) as worker:
        pending: deque = deque()
        try:
            for item in items:
                pending.append(worker.submit(work, item))
                if len(pending) > ahead:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for waiting in pending:
                waiting.cancel()
