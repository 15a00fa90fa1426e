"""Amazon's usage plans as token buckets, one per seller and operation, on the mock clock.

A bucket starts full (``burst`` requests) and refills at ``rate`` requests per second of mock
time, so a frozen clock never refills it and advancing the clock does: a test can spend a
burst, see the 429, move the clock on and be admitted again, without waiting.

Modes: ``off`` (the default: every request is admitted), ``amazon`` (Amazon's published
plans) and ``scaled`` (Amazon's plans times ``factor``, for tests that want to reach the limit
in fewer calls, or clients that want more headroom).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

MODES = ("off", "amazon", "scaled")
# Beyond this a plan no longer throttles anything a test could send (and bursts overflow).
MAX_FACTOR = 1000


@dataclass(frozen=True)
class UsagePlan:
    rate: float  # requests per second
    burst: int
    # The rate as Amazon writes it in x-amzn-RateLimit-Limit ("0.0167"); None for a scaled plan.
    label: str | None = None

    @classmethod
    def from_spec(cls, plan: Mapping) -> UsagePlan:
        """A plan from an operation's ``x-spapi-mock-usage-plan`` ({rate: '0.0167', burst: 20})."""
        return cls(float(plan["rate"]), int(plan["burst"]), str(plan["rate"]))

    def scaled(self, factor: float) -> UsagePlan:
        return UsagePlan(self.rate * factor, max(1, int(self.burst * factor)))

    def header(self) -> str:
        return self.label or f"{self.rate:.4g}"


class _Bucket:
    __slots__ = ("tokens", "at")

    def __init__(self, tokens: float, at: datetime) -> None:
        self.tokens = tokens
        self.at = at


class Throttle:
    def __init__(self, plans: Mapping[str, UsagePlan], mode: str = "off", factor: float = 1.0) -> None:
        self._plans = dict(plans)
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._lock = threading.Lock()
        self.mode = "off"
        self.factor = 1.0
        self.configure(mode, factor)
        self._started_as = (self.mode, self.factor)

    def configure(self, mode: str, factor: float | None = None) -> None:
        """Switch mode; every bucket starts full again under the new plans."""
        if mode not in MODES:
            raise ValueError(f"throttling mode must be one of {', '.join(MODES)}, not {mode!r}")
        factor = self.factor if factor is None else float(factor)
        if not 0 < factor <= MAX_FACTOR:
            raise ValueError(f"the throttling factor must be greater than 0 and at most {MAX_FACTOR}")
        with self._lock:
            self.mode = mode
            self.factor = factor if mode == "scaled" else 1.0
            self._buckets.clear()

    def plan(self, operation: str) -> UsagePlan | None:
        """The plan the operation is held to now (Amazon's, or scaled), or None if it has none."""
        plan = self._plans.get(operation)
        if plan is None or self.mode != "scaled":
            return plan
        return plan.scaled(self.factor)

    def rate_limit_header(self, operation: str) -> str | None:
        plan = self.plan(operation)
        return plan.header() if plan else None

    def admit(self, seller_id: str, operation: str, now: datetime) -> bool:
        """Take one request from the seller's bucket for the operation; False if it is empty."""
        plan = self.plan(operation)
        if self.mode == "off" or plan is None:
            return True
        with self._lock:
            bucket = self._buckets.get((seller_id, operation))
            if bucket is None:
                bucket = self._buckets[(seller_id, operation)] = _Bucket(float(plan.burst), now)
            elapsed = max(0.0, (now - bucket.at).total_seconds())
            bucket.tokens = min(float(plan.burst), bucket.tokens + elapsed * plan.rate)
            bucket.at = max(bucket.at, now)
            if bucket.tokens < 1.0:
                return False
            bucket.tokens -= 1.0
            return True

    def reset(self, seller_id: str | None = None) -> None:
        """A seller's buckets start full again; the whole server goes back to the mode it started in."""
        if seller_id is None:
            self.configure(*self._started_as)
        else:
            self.forget(seller_id)

    def forget(self, seller_id: str | None = None) -> None:
        """Drop a seller's buckets, or everyone's: they start full again."""
        with self._lock:
            for key in [key for key in self._buckets if seller_id is None or key[0] == seller_id]:
                del self._buckets[key]

    def state(self) -> dict:
        return {
            "mode": self.mode,
            "factor": self.factor,
            "operations": {
                operation: {"rate": plan.rate, "burst": plan.burst}
                for operation in sorted(self._plans)
                if (plan := self.plan(operation)) is not None
            },
        }
