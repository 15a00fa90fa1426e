"""Moving the clock 10 years under an hourly report schedule: the time it takes, the server's
memory, and whether it answers meanwhile.

    python bench/clock_advance.py                 # 10 years under PT1H (~1 minute)
    python bench/clock_advance.py --years 1 --period PT5M

``serve`` (built-in fixtures) is pinned to CPU 0. Its clock is frozen, a schedule of the
Unshipped Orders report created at the current time, and the clock moved ``--years`` ahead in one
``POST /_mock/clock/advance``. Meanwhile a thread asks ``/_mock/health`` and getReports every
50 ms and keeps the slowest answer. Then the runner produces every report the move
created, off the serving path, until none is IN_PROGRESS (the probes go on; the one created at the
new time waits IN_QUEUE for the frozen clock). It prints the time of both, the reports
kept (Amazon keeps reports 90 days, so at most 2,160 of an hourly schedule), the schedule's next
creation time, and the server's resident memory before and after and its peak (VmHWM). It never
fails on a figure.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import Server, serve_argv  # noqa: E402  (bench/ is not a package)

TOKEN = {"x-amz-access-token": "Atza|bench"}
UNSHIPPED = "GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING"


class Prober(threading.Thread):
    """Asks ``paths`` in turn until stopped; the slowest answer of each, and any failure."""

    def __init__(self, base: str, paths: list[str]) -> None:
        super().__init__(daemon=True)
        self.base, self.paths = base, paths
        self.slowest = dict.fromkeys(paths, 0.0)
        self.answers, self.failures = 0, []
        self.stop = threading.Event()

    def run(self) -> None:
        session = requests.Session()
        session.headers.update(TOKEN)
        while not self.stop.is_set():
            for path in self.paths:
                started = time.perf_counter()
                try:
                    status = session.get(self.base + path, timeout=120).status_code
                except requests.RequestException as exc:
                    self.failures.append(f"{path}: {exc}")
                    continue
                self.slowest[path] = max(self.slowest[path], time.perf_counter() - started)
                self.answers += 1
                if status != 200:
                    self.failures.append(f"{path}: {status}")
            time.sleep(0.05)


def unfinished(session: requests.Session, base: str) -> bool:
    params = {"reportTypes": UNSHIPPED, "processingStatuses": "IN_PROGRESS", "pageSize": 1}
    return bool(session.get(f"{base}/reports/2021-06-30/reports", params=params).json()["reports"])


def every_report(session: requests.Session, base: str) -> list[dict]:
    found, params = [], {"reportTypes": UNSHIPPED, "pageSize": 100}
    while True:
        page = session.get(f"{base}/reports/2021-06-30/reports", params=params).json()
        found += page["reports"]
        if not page.get("nextToken"):
            return found
        params = {"nextToken": page["nextToken"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--period", default="PT1H")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="spapi-mock-clock-bench-") as tmp:
        server = Server("clock-bench", serve_argv([]), Path(tmp), cpu=0)
        server.start()
        os.sched_setaffinity(0, {1})
        try:
            server.wait_ready("/_mock/health", timeout=600)
            base = f"http://127.0.0.1:{server.port}"
            session = requests.Session()
            session.headers.update(TOKEN)
            now = session.post(f"{base}/_mock/clock/freeze", json={}).json()["now"]
            spec = {
                "reportType": UNSHIPPED,
                "marketplaceIds": ["ATVPDKIKX0DER"],
                "period": args.period,
                "nextReportCreationTime": now,
            }
            schedule_id = session.post(f"{base}/reports/2021-06-30/schedules", json=spec).json()["reportScheduleId"]
            before = server.memory()
            prober = Prober(base, ["/_mock/health", f"/reports/2021-06-30/reports?reportTypes={UNSHIPPED}&pageSize=10"])
            prober.start()
            started = time.perf_counter()
            moved = session.post(f"{base}/_mock/clock/advance", json={"by": f"{365 * args.years}d"}, timeout=3600)
            advanced = time.perf_counter() - started
            while unfinished(session, base):
                time.sleep(0.2)
            settled = time.perf_counter() - started
            prober.stop.set()
            prober.join()
            after = server.memory()
            statuses = {}
            for report in every_report(session, base):
                statuses[report["processingStatus"]] = statuses.get(report["processingStatus"], 0) + 1
            kept = sum(statuses.values())
            schedule = session.get(f"{base}/reports/2021-06-30/schedules/{schedule_id}").json()
        finally:
            server.stop()
    print(f"clock advanced {args.years} years under a {args.period} schedule: {moved.status_code} in {advanced:.2f} s")
    print(f"  reports produced by the runner {settled - advanced:.2f} s later ({settled:.2f} s in all): {kept} kept, {statuses}")
    print(f"  clock now {moved.json().get('now')}, schedule's next creation {schedule.get('nextReportCreationTime')}")
    slowest = ", ".join(f"{path.split('?')[0]} {seconds * 1000:.0f} ms" for path, seconds in prober.slowest.items())
    print(f"  meanwhile {prober.answers} probe answers, slowest: {slowest}; failures: {prober.failures or 'none'}")
    print(
        f"  server RSS {before['rss_mib']:.0f} MiB before, {after['rss_mib']:.0f} MiB after; "
        f"peak {after['peak_rss_mib']:.0f} MiB (was {before['peak_rss_mib']:.0f} MiB before the move)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
