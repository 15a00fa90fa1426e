"""The one clock every time-based rule reads.

Real time by default; tests and scenarios can freeze it, set it and move it forward, so that
windows such as the 30-minute buyer self-cancel or the getOrders two-minute lag are
deterministic.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


def _system_now() -> datetime:
    return datetime.now(UTC)


class Clock:
    def __init__(self, now: Callable[[], datetime] = _system_now) -> None:
        self._source = now
        # (frozen at or None, offset from the source): one value, replaced whole under the lock,
        # so that ``now`` (read several times by every request) needs no lock to see a pair
        # that belongs together.
        self._state: tuple[datetime | None, timedelta] = (None, timedelta(0))
        self._lock = threading.Lock()

    def now(self) -> datetime:
        frozen_at, offset = self._state
        if frozen_at is not None:
            return frozen_at
        return self._source() + offset

    @property
    def source(self) -> Callable[[], datetime]:
        """Where real time comes from (tests give a fake one)."""
        return self._source

    @property
    def frozen(self) -> bool:
        return self._state[0] is not None

    def freeze(self, at: datetime | None = None) -> None:
        """Stop time at ``at`` (default: the current mock time)."""
        at = _aware(at) if at is not None else self.now()
        with self._lock:
            self._state = (at, self._state[1])

    def unfreeze(self) -> None:
        """Let time run again from where it stands now."""
        with self._lock:
            frozen_at = self._state[0]
            if frozen_at is not None:
                self._state = (None, frozen_at - self._source())

    def set(self, at: datetime) -> None:
        at = _aware(at)
        with self._lock:
            if self._state[0] is not None:
                self._state = (at, self._state[1])
            else:
                self._state = (None, at - self._source())

    def state(self) -> dict:
        """What a restarted server needs to carry on the same simulated time."""
        frozen_at, offset = self._state
        return {
            "frozen_at": frozen_at.isoformat() if frozen_at is not None else None,
            "offset_seconds": offset.total_seconds(),
        }

    def restore(self, state: dict) -> None:
        frozen = state.get("frozen_at")
        with self._lock:
            self._state = (
                datetime.fromisoformat(frozen) if frozen else None,
                timedelta(seconds=float(state.get("offset_seconds") or 0)),
            )

    def advance(self, delta: timedelta) -> None:
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        with self._lock:
            frozen_at, offset = self._state
            self._state = (frozen_at + delta, offset) if frozen_at is not None else (None, offset + delta)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)
