"""A thread that processes started feeds and reports off the serving path.

Processing a 10,000-message feed or a report over 100k orders takes seconds; done in a request,
it would stop the server answering for as long. A runner takes (seller id, id) keys as the
clock starts them and processes each in a daemon thread of its own, one at a time; ``run`` does
the same in the caller's thread (to finish work now), waiting if the runner is already on it,
so no key is ever processed by two threads at once. The thread ends when it has been idle a few
seconds and starts again with the next key.

Processing that raises, for whatever reason (a bug, a package file gone missing, a date the
calendar cannot hold), rolls its transaction back and is handed to ``fail`` with the reason: the
feed or report ends FATAL with a document that says why, rather than staying IN_PROGRESS for
ever, and the runner goes on with the next key.
"""

from __future__ import annotations

import logging
import os
import queue
import sys
import threading
from collections.abc import Callable

from spapi_mock.domain import jobs

log = logging.getLogger("spapi_mock.jobs")
IDLE_SECONDS = 5
# A runner thread runs this much nicer than the server's requests (Linux: per thread). Jobs and
# requests share the process, and often one core: at the same priority a getOrder that arrived
# during a 10,000-message feed waited behind it (p99 2.1-2.2x idle; 1.2-1.35x at 10), while the
# feed, alone on the core between requests, takes as long either way.
NICER_BY = 10

Key = tuple[str, str]


class JobRunner:
    def __init__(self, name: str, process: Callable[[Key], None], fail: Callable[[Key, str], None] | None = None) -> None:
        self._name = name
        self._process = process
        self._fail = fail
        self._claims: dict[Key, threading.Event] = {}
        self._claims_lock = threading.Lock()
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._worker: threading.Thread | None = None

    def submit(self, keys: list[Key]) -> None:
        """Keys whose processing began: the runner thread processes them."""
        for key in keys:
            self._queue.put(tuple(key))
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._work, name=f"{self._name}-runner", daemon=True)
            self._worker.start()

    def run(self, key: Key) -> None:
        """Process one key in this thread, unless another thread already does (then wait for it)."""
        with self._claims_lock:
            running = self._claims.get(key)
            if running is None:
                self._claims[key] = threading.Event()
        if running is not None:
            running.wait()
            return
        try:
            self._process(key)
        except Exception as exc:
            log.exception("%s %s of seller %s could not be processed", self._name, key[1], key[0])
            if self._fail is None:
                raise
            self._fail(key, f"{type(exc).__name__}: {exc}")
        finally:
            with self._claims_lock:
                self._claims.pop(key).set()

    def _work(self) -> None:
        _run_below_requests()
        while True:
            try:
                key = self._queue.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                return
            try:
                self.run(key)
            except Exception:  # not even ended FATAL: logged, and the runner goes on
                log.exception("%s %s of seller %s could not be ended FATAL either", self._name, key[1], key[0])


def _run_below_requests() -> None:
    """Lower this thread's CPU priority by NICER_BY, where a thread has its own (Linux; elsewhere
    the id would name a process)."""
    if not sys.platform.startswith("linux"):
        return
    thread = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + NICER_BY))
    except OSError as exc:  # not allowed here (a sandbox): the jobs run at the server's priority
        log.debug("job runner priority left as it is: %s", exc)


def resume_unfinished(backend, table: str, runner: JobRunner) -> None:
    """Hand the runner what started before a restart and was not processed."""
    index = backend.reading().index(table)
    unfinished = [
        entry.key
        for seller in index.sellers()
        for entry in index.newest_first(seller)
        if entry.status == jobs.JobStatus.IN_PROGRESS and jobs.is_running(index.get(*entry.key))
    ]
    if unfinished:
        runner.submit(unfinished)


def run_now(backend, table: str, runner: JobRunner, seller_id: str | None = None) -> list[dict]:
    """Run every queued or unfinished feed or report (of one seller, or of all) to its end now,
    whatever the clock says; the documents, as they end."""
    # Read settled: what the clock made due first (a schedule's report, a feed that starts) runs too.
    index = backend.reading().index(table)
    keys = [
        entry.key
        for seller in ([seller_id] if seller_id else index.sellers())
        for entry in reversed(index.newest_first(seller))
        if entry.status in (jobs.JobStatus.IN_QUEUE, jobs.JobStatus.IN_PROGRESS)
    ]
    for key in keys:
        # A job may be gone meanwhile: a report the runner ended past its retention expires.
        with backend.transaction(key[0]) as tx:
            doc = tx.job(table, *key)
            if doc is not None and doc["processingStatus"] == jobs.JobStatus.IN_QUEUE:
                tx.put_job(table, jobs.start(doc, tx.now))
        runner.run(key)
        with backend.transaction(key[0]) as tx:
            doc = tx.job(table, *key)
            if doc is not None and doc["processingStatus"] == jobs.JobStatus.IN_PROGRESS:
                tx.put_job(table, jobs.finish(doc, tx.now))
    return [doc for doc in (index.get(*key) for key in keys) if doc is not None]
