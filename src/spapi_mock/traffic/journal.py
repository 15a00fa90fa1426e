"""The request journal: what clients sent and what they were answered, for tests to assert on.

Entries are kept in memory, newest last, up to a capacity (the oldest are dropped first).
Secrets never enter it: access tokens, signatures and LWA client secrets and refresh tokens are
masked when the entry is made, so a journal can be printed in CI logs.

An entry names its operation by operationId and API version (``operation``, ``version``); a
filter names operations as faults do (``specs``): ``getOrder`` finds both versions' requests,
``getOrder@v0`` only v0's.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Callable, Iterable
from urllib.parse import unquote_plus

from spapi_mock.traffic.specs import OperationName

MASK = "****"
# Headers whose value authorises a call.
SECRET_HEADERS = frozenset(
    {"x-amz-access-token", "authorization", "proxy-authorization", "x-api-key", "x-amz-security-token", "cookie", "set-cookie"}
)
# LWA form or JSON fields that are credentials.
SECRET_FIELDS = frozenset(
    {"client_secret", "refresh_token", "code", "access_token", "restrictedDataToken", "password", "secret", "api_key", "token"}
)


def mask(value: str) -> str:
    """Enough of a secret to tell two apart in a log (the first 8 characters), not to use it."""
    return value[:8] + MASK if len(value) > 12 else MASK


def masked_path(path: str) -> str:
    """A request path whose query string's credential parameters are masked (for access logs)."""
    base, question, query = path.partition("?")
    if not question:
        return path
    parts = []
    for part in query.split("&"):
        name, equals, value = part.partition("=")
        parts.append(f"{name}={mask(unquote_plus(value))}" if equals and unquote_plus(name) in SECRET_FIELDS else part)
    return f"{base}?{'&'.join(parts)}"


def masked_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    return {name: mask(value) if name in SECRET_HEADERS else value for name, value in headers}


def masked_fields(fields):
    """A body or query with every credential field masked, at any depth (a client may nest its
    credentials, e.g. ``{"credentials": {"client_secret": ...}}``)."""
    if isinstance(fields, dict):
        return {
            name: mask(str(value)) if name in SECRET_FIELDS and isinstance(value, str | int) and value else masked_fields(value)
            for name, value in fields.items()
        }
    if isinstance(fields, list):
        return [masked_fields(value) for value in fields]
    return fields


class Journal:
    """Entries are ``[fields, details]``: the fields filters read, and a function that gives the
    rest (headers, body, masked) the first time the entry is read, so that recording costs a
    request next to nothing."""

    def __init__(self, capacity: int = 10_000, max_bytes: int = 64 * 1024 * 1024) -> None:
        # Capped in entries and in bytes: 300 requests with 1 MB headers took the server from
        # 95 MB to 386 MB when only entries were counted.
        self._capacity = capacity
        self._max_bytes = max_bytes
        self._entries: deque[list] = deque()
        self._bytes = 0
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def record(self, entry: dict, details: Callable[[], dict] | None = None, size: int = 0) -> None:
        """``size``: about how many bytes the entry keeps (its request's headers and body)."""
        with self._lock:
            self._entries.append([{"id": next(self._ids), **entry}, details, size])
            self._bytes += size
            while len(self._entries) > self._capacity or (self._bytes > self._max_bytes and len(self._entries) > 1):
                self._bytes -= self._entries.popleft()[2]

    def find(
        self,
        operation: str | None = None,
        order_id: str | None = None,
        seller_id: str | None = None,
        limit: int | None = None,
    ) -> list[dict]:
        """Matching entries, oldest first (the last ``limit`` of them if given)."""
        wanted = _wanted(operation)
        with self._lock:
            found = [item for item in self._entries if _matches(item[0], wanted, order_id, seller_id)]
            if limit:
                found = found[-limit:]
            return [_complete(item) for item in found]

    def reset(self, seller_id: str | None = None) -> None:
        self.clear(seller_id=seller_id)

    def clear(self, operation: str | None = None, order_id: str | None = None, seller_id: str | None = None) -> int:
        wanted = _wanted(operation)
        with self._lock:
            kept = [item for item in self._entries if not _matches(item[0], wanted, order_id, seller_id)]
            removed = len(self._entries) - len(kept)
            self._entries = deque(kept)
            self._bytes = sum(item[2] for item in kept)
            return removed


def _complete(item: list) -> dict:
    entry, details, _size = item
    if details is not None:
        entry.update(details())
        item[1] = None
    return dict(entry)


def _wanted(operation: str | None) -> OperationName | None:
    return None if operation is None else OperationName.parse(operation)


def _matches(entry: dict, operation: OperationName | None, order_id: str | None, seller_id: str | None) -> bool:
    return (
        (operation is None or _covers(operation, entry))
        and (order_id is None or entry.get("orderId") == order_id)
        and (seller_id is None or entry.get("sellerId") == seller_id)
    )


def _covers(name: OperationName, entry: dict) -> bool:
    return entry.get("operation") is not None and name.covers(OperationName(entry["operation"], entry.get("version")))
