"""Faults a test asks for: an error status, a delay, a broken body or a dropped connection,
for one operation (or every one), one order, one seller, for the next N calls or until cleared.

An operation is named as everywhere else (``specs``): ``getOrder`` covers Orders v0's and
v2026-01-01's getOrder, ``getOrder@2026-01-01`` only the second.

Rules are kept in the order they were added; a request takes the first rule that matches it,
and a rule with ``times`` is used up after that many requests.
"""

from __future__ import annotations

import itertools
import random
import threading
from dataclasses import dataclass, field
from typing import Any

from spapi_mock.traffic import specs
from spapi_mock.traffic.specs import OperationName

# Statuses a fault may answer with, and the SP-API error each answers by default.
ERROR_STATUSES = (400, 403, 404, 429, 500, 503)
BODIES = ("malformed", "empty")
# Every SP-API operation; the LWA token endpoint only when named, so that "*" does not stop
# a client from getting the token it needs to see the fault.
ANY_OPERATION = "*"
TOKEN_OPERATION = "createToken"


class FaultError(ValueError):
    """A fault rule that cannot be used; the message says why."""


@dataclass
class Fault:
    id: str
    operation: str = ANY_OPERATION
    order_id: str | None = None
    seller_id: str | None = None
    times: int | None = None  # None: until cleared
    status: int | None = None
    code: str | None = None
    message: str | None = None
    details: str | None = None
    delay_ms: tuple[int, int] | None = None  # (min, max); equal for a fixed delay
    body: str | None = None
    drop: bool = False
    hits: int = 0
    _rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    def matches(self, operation: OperationName | None, order_id: str | None, seller_id: str | None) -> bool:
        if operation is None:
            return False
        if self.operation == ANY_OPERATION:
            if operation.operation_id == TOKEN_OPERATION:
                return False
        elif not OperationName.parse(self.operation).covers(operation):
            return False
        if self.order_id is not None and self.order_id != order_id:
            return False
        return self.seller_id is None or self.seller_id == seller_id

    def delay_seconds(self) -> float:
        if self.delay_ms is None:
            return 0.0
        low, high = self.delay_ms
        return self._rng.uniform(low, high) / 1000.0

    def as_dict(self) -> dict:
        out: dict[str, Any] = {"faultId": self.id, "operation": self.operation, "hits": self.hits}
        if self.times is not None:
            out["remaining"] = self.times - self.hits
        for name, value in (
            ("orderId", self.order_id),
            ("sellerId", self.seller_id),
            ("status", self.status),
            ("code", self.code),
            ("message", self.message),
            ("details", self.details),
            ("body", self.body),
        ):
            if value is not None:
                out[name] = value
        if self.delay_ms is not None:
            out["delay"] = {"minMs": self.delay_ms[0], "maxMs": self.delay_ms[1]}
        if self.drop:
            out["drop"] = True
        return out


def fault_from_request(fault_id: str, spec: dict) -> Fault:
    """A Fault from the control plane's JSON (validated by the spec for types; here for sense)."""
    status, body, drop, delay = spec.get("status"), spec.get("body"), bool(spec.get("drop")), spec.get("delay")
    outcomes = [name for name, given in (("status", status is not None), ("body", body is not None), ("drop", drop)) if given]
    if len(outcomes) > 1:
        raise FaultError(f"A fault answers one way: give only one of status, body and drop, not {' and '.join(outcomes)}")
    if not outcomes and delay is None:
        raise FaultError("A fault needs status, body, drop or delay")
    if status is not None and status not in ERROR_STATUSES:
        raise FaultError(f"status must be one of {', '.join(map(str, ERROR_STATUSES))}")
    if body is not None and body not in BODIES:
        raise FaultError(f"body must be one of {', '.join(BODIES)}")
    for name in ("code", "message", "details"):
        if spec.get(name) is not None and status is None:
            raise FaultError(f"{name} goes with status: it overrides the error the status answers")
    operation = spec.get("operation") or ANY_OPERATION
    if operation != ANY_OPERATION and not specs.names_an_operation(operation):
        # A misspelt name would otherwise make a rule that never fires.
        raise FaultError(
            f"operation {operation!r} names no operation of the mock: give an operationId (getOrders), "
            "operationId@version for one API version (getOrder@2026-01-01), or *"
        )
    return Fault(
        id=fault_id,
        operation=operation,
        order_id=spec.get("orderId"),
        seller_id=spec.get("sellerId"),
        times=spec.get("times"),
        status=status,
        code=spec.get("code"),
        message=spec.get("message"),
        details=spec.get("details"),
        delay_ms=_delay(delay),
        body=body,
        drop=drop,
    )


def _delay(delay: Any) -> tuple[int, int] | None:
    if delay is None:
        return None
    if "ms" in delay:
        if "minMs" in delay or "maxMs" in delay:
            raise FaultError("delay is either {ms} or {minMs, maxMs}")
        return int(delay["ms"]), int(delay["ms"])
    if "minMs" not in delay or "maxMs" not in delay:
        raise FaultError("delay needs ms, or both minMs and maxMs")
    low, high = int(delay["minMs"]), int(delay["maxMs"])
    if low > high:
        raise FaultError("delay.minMs must not be greater than delay.maxMs")
    return low, high


class FaultRules:
    def __init__(self) -> None:
        self._rules: list[Fault] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def add(self, spec: dict) -> Fault:
        fault = fault_from_request(f"fault-{next(self._ids)}", spec)
        with self._lock:
            self._rules.append(fault)
        return fault

    def take(self, operation: OperationName | None, order_id: str | None, seller_id: str | None) -> Fault | None:
        """The first rule that matches the request, counted as used once; None if none does."""
        if not self._rules:  # every request asks; most runs set no fault
            return None
        with self._lock:
            for fault in self._rules:
                if fault.matches(operation, order_id, seller_id):
                    fault.hits += 1
                    if fault.times is not None and fault.hits >= fault.times:
                        self._rules.remove(fault)
                    return fault
        return None

    def wants_seller_of(self, operation: OperationName) -> bool:
        """Whether a rule for the operation is scoped to a seller (the token endpoint's seller is
        known only from the refresh token in its body, read only when a rule needs it)."""
        return any(
            f.seller_id is not None and f.operation != ANY_OPERATION and OperationName.parse(f.operation).covers(operation)
            for f in list(self._rules)
        )

    def all(self, seller_id: str | None = None) -> list[Fault]:
        with self._lock:
            return [f for f in self._rules if seller_id is None or f.seller_id == seller_id]

    def remove(self, fault_id: str) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [f for f in self._rules if f.id != fault_id]
            return len(self._rules) < before

    def reset(self, seller_id: str | None = None) -> None:
        self.clear(seller_id)

    def clear(self, seller_id: str | None = None) -> int:
        """Remove every rule, or those scoped to one seller; how many were removed."""
        with self._lock:
            kept = [f for f in self._rules if seller_id is not None and f.seller_id != seller_id]
            removed = len(self._rules) - len(kept)
            self._rules = kept
            return removed
