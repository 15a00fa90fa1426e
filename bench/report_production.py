"""How long an all-orders report over a 100k-order store takes, and the memory it costs.

    python bench/report_production.py                 # the 100k set (built and cached first)
    python bench/report_production.py --size 10000

The benchmark's own order set (``bench/generate.py``, cached) is served from a ``--db`` copy,
pinned to CPU 0. A GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL report over the last 89
days in every marketplace of the set is requested and produced at once (``POST
/_mock/reports/process``, which waits for it). It prints the time to produce it (wall-clock, and
the server's CPU seconds meanwhile), its rows and size (gzipped, as the mock serves a document of
1 MB or more), and the server's resident memory before and after, and its peak (VmHWM). It never fails on a figure.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402  (bench/ is not a package)
from run import Server, serve_argv  # noqa: E402

TOKEN = {"x-amz-access-token": "Atza|bench"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    args = parser.parse_args()
    from spapi_mock.domain.marketplaces import BY_ID as MARKETPLACES

    source, _ = generate.cached_db(args.size)
    with tempfile.TemporaryDirectory(prefix="spapi-mock-report-bench-") as tmp:
        db = Path(tmp) / "store.json"
        shutil.copyfile(source, db)
        server = Server("report-bench", serve_argv(["--db", str(db)]), Path(tmp), cpu=0)
        server.start()
        os.sched_setaffinity(0, {1})
        try:
            server.wait_ready("/_mock/health", timeout=600)
            base = f"http://127.0.0.1:{server.port}"
            session = requests.Session()
            session.headers.update(TOKEN)
            now = datetime.fromisoformat(session.get(f"{base}/_mock/clock").json()["now"].replace("Z", "+00:00"))
            before = server.memory()
            spec = {
                "reportType": "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
                "marketplaceIds": sorted(MARKETPLACES)[:25],
                "dataStartTime": (now - timedelta(days=89)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
            report_id = session.post(f"{base}/reports/2021-06-30/reports", json=spec).json()["reportId"]
            started, cpu_started = time.perf_counter(), server.cpu_seconds()
            assert session.post(f"{base}/_mock/reports/process", timeout=600).status_code == 200
            elapsed, cpu = time.perf_counter() - started, server.cpu_seconds() - cpu_started
            after = server.memory()
            report = session.get(f"{base}/reports/2021-06-30/reports/{report_id}").json()
            document = session.get(f"{base}/reports/2021-06-30/documents/{report['reportDocumentId']}").json()
            body = requests.get(document["url"], timeout=60).content
            text = gzip.decompress(body) if document.get("compressionAlgorithm") == "GZIP" else body
        finally:
            server.stop()
    rows = text.count(b"\n") - 1
    print(
        f"all-orders report over {args.size:,} orders: {report['processingStatus']} in {elapsed:.2f} s (server CPU {cpu:.2f} s), "
        f"{rows:,} rows, "
        f"{len(text) / 1e6:.1f} MB ({len(body) / 1e6:.1f} MB {document.get('compressionAlgorithm') or 'uncompressed'})"
    )
    print(
        f"  server RSS {before['rss_mib']:.0f} MiB before, {after['rss_mib']:.0f} MiB after; "
        f"peak {after['peak_rss_mib']:.0f} MiB (was {before['peak_rss_mib']:.0f} MiB at start-up)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
