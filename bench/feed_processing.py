"""How long a 10,000-message order acknowledgement feed takes, and how getOrder answers meanwhile.

    python bench/feed_processing.py                    # 10k orders, one acknowledgement each
    python bench/feed_processing.py --messages 2000

The benchmark's own 10k-order set (``bench/generate.py``, cached) is served from a ``--db``
copy with no feed queue or minimum processing time, the server pinned to CPU 0. A
POST_ORDER_ACKNOWLEDGEMENT_DATA document is uploaded and the feed created: StatusCode Success
with a MerchantOrderID (which sets each order's SellerOrderId, so every message writes), for
every acknowledgeable order of the set, repeated up to the message count. A client on CPU 1
calls getOrder on sample orders one after another until the feed is DONE. It prints the
processing time (createFeed to DONE) in wall-clock and the server's CPU seconds (those include
answering the getOrder calls meanwhile), messages per second, and getOrder's latency before the
feed and while it runs (p50, p99, max; the p99 during the feed over the idle one is the issue's
"≤ 2× idle"). It never fails on a figure.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402  (bench/ is not a package)
from run import Server, serve_argv  # noqa: E402

from spapi_mock.domain.marketplaces import BY_ID as MARKETPLACES

US = "ATVPDKIKX0DER"
TOKEN = {"x-amz-access-token": "Atza|bench"}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def feed_document(order_ids: list[str]) -> bytes:
    messages = "".join(
        f"<Message><MessageID>{n}</MessageID><OrderAcknowledgement><AmazonOrderID>{order_id}</AmazonOrderID>"
        f"<MerchantOrderID>ERP-{n}</MerchantOrderID><StatusCode>Success</StatusCode></OrderAcknowledgement></Message>"
        for n, order_id in enumerate(order_ids, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><AmazonEnvelope><Header><DocumentVersion>1.01</DocumentVersion>'
        f"<MerchantIdentifier>BENCH</MerchantIdentifier></Header><MessageType>OrderAcknowledgement</MessageType>{messages}"
        "</AmazonEnvelope>"
    ).encode()


def latencies(session: requests.Session, base: str, order_ids: list[str], until) -> list[float]:
    taken = []
    n = 0
    while not until():
        started = time.perf_counter()
        answer = session.get(f"{base}/orders/v0/orders/{order_ids[n % len(order_ids)]}", timeout=30)
        taken.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, answer.text
        n += 1
    return taken


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    args = parser.parse_args()
    source, meta = generate.cached_db(10_000)
    from spapi_mock.store.database import read_tables

    # Orders Amazon lets a seller acknowledge (payment authorized, not cancelled), in any marketplace.
    acknowledgeable = ("Unshipped", "PartiallyShipped", "Shipped", "InvoiceUnconfirmed")
    docs = read_tables(str(source))["orders"].values()
    order_ids = sorted(doc["order"]["AmazonOrderId"] for doc in docs if doc["order"]["OrderStatus"] in acknowledgeable)
    order_ids = (order_ids * (args.messages // max(len(order_ids), 1) + 1))[: args.messages]
    sample = meta["sample_order_ids"][:50]
    document = feed_document(order_ids)
    with tempfile.TemporaryDirectory(prefix="spapi-mock-feed-bench-") as tmp:
        db = Path(tmp) / "store.json"
        shutil.copyfile(source, db)
        times = ["--feed-queue-seconds", "0", "--feed-processing-seconds", "0"]
        server = Server("feed-bench", serve_argv(["--db", str(db), *times]), Path(tmp), cpu=0)
        server.start()
        os.sched_setaffinity(0, {1})
        try:
            server.wait_ready("/_mock/health", timeout=300)
            base = f"http://127.0.0.1:{server.port}"
            session = requests.Session()
            session.headers.update(TOKEN)
            idle_until = time.perf_counter() + 3
            idle = latencies(session, base, sample, lambda: time.perf_counter() > idle_until)
            created = session.post(f"{base}/feeds/2021-06-30/documents", json={"contentType": "text/xml; charset=UTF-8"}).json()
            upload = requests.put(created["url"], data=document, headers={"Content-Type": "text/xml; charset=UTF-8"}, timeout=60)
            assert upload.status_code == 200, upload.text
            spec = {"feedType": "POST_ORDER_ACKNOWLEDGEMENT_DATA", "marketplaceIds": sorted(MARKETPLACES)[:25]}
            started, cpu_started = time.perf_counter(), server.cpu_seconds()
            feed_id = session.post(
                f"{base}/feeds/2021-06-30/feeds", json={**spec, "inputFeedDocumentId": created["feedDocumentId"]}
            ).json()["feedId"]
            done = threading.Event()
            final: dict = {}

            def poll() -> None:
                poller = requests.Session()
                poller.headers.update(TOKEN)
                while True:
                    feed = poller.get(f"{base}/feeds/2021-06-30/feeds/{feed_id}", timeout=60).json()
                    if feed["processingStatus"] in ("DONE", "FATAL"):
                        final.update(feed, elapsed=time.perf_counter() - started, cpu=server.cpu_seconds() - cpu_started)
                        done.set()
                        return
                    time.sleep(0.05)

            threading.Thread(target=poll, daemon=True).start()
            during = latencies(session, base, sample, done.is_set)
            feeds = session.get(f"{base}/_mock/feeds").json()["feeds"]
            summary = next(feed["summary"] for feed in feeds if feed["feedId"] == feed_id)
        finally:
            server.stop()
    elapsed = final["elapsed"]
    print(
        f"feed of {len(order_ids):,} acknowledgement messages: {final['processingStatus']} in {elapsed:.2f} s "
        f"({len(order_ids) / elapsed:,.0f} messages/s), server CPU {final['cpu']:.2f} s, {len(document) / 1e6:.1f} MB document"
    )
    print(f"  report: {summary['processed']:,} processed, {summary['successful']:,} successful, {summary['errors']:,} errors")
    for label, values in (("getOrder idle", idle), ("getOrder during the feed", during)):
        print(
            f"  {label:<26} {len(values):>6} calls  p50 {statistics.median(values):7.2f} ms  "
            f"p99 {percentile(values, 0.99):7.2f} ms  max {max(values):7.2f} ms"
        )
    print(f"  getOrder p99 during the feed / idle: {percentile(during, 0.99) / percentile(idle, 0.99):.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
