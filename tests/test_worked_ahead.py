"""kernel/ahead: work done a few items ahead on a thread, results in order, never the whole input."""

from __future__ import annotations

import threading

import pytest

from spapi_mock.kernel.ahead import worked_ahead


def test_results_come_in_order_and_the_work_runs_at_most_a_few_items_ahead():
    started: list[int] = []
    lock = threading.Lock()

    def work(item: int) -> int:
        with lock:
            started.append(item)
        return item * item

    taken = []
    for result in worked_ahead(work, range(20), 2, "test"):
        taken.append(result)
        # The caller holds result n; no item beyond n + 2 has been handed to the worker.
        assert max(started) <= len(taken) - 1 + 2
    assert taken == [n * n for n in range(20)]


def test_what_the_work_raises_is_raised_where_its_result_is_taken():
    def work(item: int) -> int:
        if item == 3:
            raise ValueError("item 3")
        return item

    taken = []
    with pytest.raises(ValueError, match="item 3"):
        for result in worked_ahead(work, range(10), 2, "test"):
            taken.append(result)
    assert taken == [0, 1, 2]


def test_stopping_early_leaves_the_rest_undone():
    done: list[int] = []
    results = worked_ahead(done.append, range(1000), 2, "test")
    next(results)
    results.close()
    assert len(done) <= 4
