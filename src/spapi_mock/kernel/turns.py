"""Long work on a thread beside the server's: the interpreter offered to the other threads as it goes.

A thread running Python code keeps the GIL until another has waited the interpreter's switch
interval (5 ms): what a request waited while a feed, a commit or a compaction ran. ``os.sched_yield``
releases it and lets a waiting thread run (sub-microsecond when none waits); ``time.sleep(0)``
would too, but sleeps ~80 µs each time on Linux, nearly a second over 10,000 messages.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

offer_gil = getattr(os, "sched_yield", lambda: time.sleep(0))  # Windows has no sched_yield


def taking_turns(items: Iterable[T], every: int = 1) -> Iterator[T]:
    """``items``, the GIL offered to other threads before every ``every``-th of them."""
    for number, item in enumerate(items, start=1):
        if number % every == 0:
            offer_gil()
        yield item
