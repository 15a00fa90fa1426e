"""Jobs run by the runner's thread yield the CPU to the server's requests."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from spapi_mock.marketplace.job_runner import JobRunner

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a thread has its own priority on Linux")


def niceness() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_the_runner_thread_is_ten_nicer_and_a_job_run_now_keeps_its_callers_priority():
    seen: dict[tuple[str, str], int] = {}
    done = threading.Event()

    def process(key: tuple[str, str]) -> None:
        seen[key] = niceness()
        done.set()

    runner = JobRunner("priority-test", process)
    runner.submit([("S1", "feed-1")])
    assert done.wait(10), "the runner thread never processed the job"
    server = niceness()
    assert seen[("S1", "feed-1")] == min(19, server + 10)
    runner.run(("S1", "feed-2"))  # a scenario's step or a test finishing work now
    assert seen[("S1", "feed-2")] == server
