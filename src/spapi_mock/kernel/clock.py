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
        self._frozen_at: datetime | None = None
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return self._source() + self._offset

    @property
    def source(self) -> Callable[[], datetime]:
        """Where real time comes from (tests give a fake one)."""
        return self._source

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def freeze(self, at: datetime | None = None) -> None:
        """Stop time at ``at`` (default: the current mock time)."""
        at = _aware(at) if at is not None else self.now()
        with self._lock:
            self._frozen_at = at

    def unfreeze(self) -> None:
        """Let time run again from where it stands now."""
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - self._source()
                self._frozen_at = None

    def set(self, at: datetime) -> None:
        at = _aware(at)
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at = at
            else:
                self._offset = at - self._source()

    def state(self) -> dict:
        """What a restarted server needs to carry on the same simulated time."""
        with self._lock:
            return {
                "frozen_at": self._frozen_at.isoformat() if self._frozen_at is not None else None,
                "offset_seconds": self._offset.total_seconds(),
            }

    def restore(self, state: dict) -> None:
        with self._lock:
            frozen = state.get("frozen_at")
            self._frozen_at = datetime.fromisoformat(frozen) if frozen else None
            self._offset = timedelta(seconds=float(state.get("offset_seconds") or 0))

    def advance(self, delta: timedelta) -> None:
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += delta
            else:
                self._offset += delta


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)
