"""The mock's clock: real time moved by an offset, or frozen; every change keeps time continuous."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from spapi_mock.kernel.clock import Clock

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


class FakeSource:
    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> datetime:
        return self.at


def test_it_follows_its_source_until_frozen_and_carries_on_from_there():
    source = FakeSource()
    clock = Clock(source)
    assert clock.now() == T0 and not clock.frozen
    source.at += timedelta(minutes=5)
    assert clock.now() == T0 + timedelta(minutes=5)
    clock.freeze()
    source.at += timedelta(hours=1)
    assert clock.now() == T0 + timedelta(minutes=5) and clock.frozen
    clock.unfreeze()  # time runs again from where it stood, not from the source's time
    assert clock.now() == T0 + timedelta(minutes=5)
    source.at += timedelta(seconds=30)
    assert clock.now() == T0 + timedelta(minutes=5, seconds=30)


def test_set_and_advance_work_frozen_and_running():
    source = FakeSource()
    clock = Clock(source)
    clock.set(datetime(2027, 1, 1))  # a naive time is taken as UTC
    assert clock.now() == datetime(2027, 1, 1, tzinfo=UTC) and not clock.frozen
    clock.advance(timedelta(days=2))
    assert clock.now() == datetime(2027, 1, 3, tzinfo=UTC)
    clock.freeze(datetime(2025, 6, 1, tzinfo=UTC))
    clock.advance(timedelta(minutes=31))
    assert clock.now() == datetime(2025, 6, 1, 0, 31, tzinfo=UTC)
    clock.set(datetime(2025, 7, 1, tzinfo=UTC))
    assert clock.now() == datetime(2025, 7, 1, tzinfo=UTC) and clock.frozen
    with pytest.raises(ValueError):
        clock.advance(timedelta(seconds=-1))
    assert clock.now() == datetime(2025, 7, 1, tzinfo=UTC)


def test_its_state_restores_the_same_time_in_another_clock():
    source = FakeSource()
    running = Clock(source)
    running.advance(timedelta(hours=3))
    frozen = Clock(source)
    frozen.freeze(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    for clock in (running, frozen):
        again = Clock(source)
        again.restore(clock.state())
        assert again.now() == clock.now() and again.frozen == clock.frozen


def test_a_reader_never_sees_a_frozen_time_with_a_running_offset():
    # Readers take no lock: freeze/unfreeze in a loop must never show them a time from
    # neither state (the frozen time is T0 + 1 day, the running one T0 + 1 day too).
    source = FakeSource()
    clock = Clock(source)
    clock.set(T0 + timedelta(days=1))
    seen = set()
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            seen.add(clock.now())

    reader = threading.Thread(target=read)
    reader.start()
    for _ in range(2000):
        clock.freeze()
        clock.unfreeze()
    stop.set()
    reader.join()
    assert seen == {T0 + timedelta(days=1)}
