"""The server's memory while it takes 20 feed documents of 60 MB each.

    python bench/feed_documents.py                     # 20 feeds of 60 MB, with --db
    python bench/feed_documents.py --store memory      # no --db: documents in a temporary directory
    python bench/feed_documents.py --feeds 2 --mb 1    # a quick look

A ``spapi-mock serve`` process (built-in fixtures, feed times of zero, pinned to CPU 0) is given
``--feeds`` documents of ``--mb`` MB each through createFeedDocument and a PUT to the presigned
URL, each submitted with createFeed and polled to DONE, then every document and processing
report is downloaded again. The documents are Amazon XML envelopes of POST_PRODUCT_DATA
messages with varied SKUs and titles (they compress about as well as real ones); the mock does
not model product feeds, so processing reads none of a document and the figures are those of
keeping and serving documents, not of parsing them. It prints the server's resident memory
(``/proc/PID/status`` VmRSS, and VmHWM for the peak) before the first upload, after every
fifth, after the feeds are DONE and after the downloads, with the time each upload took. It
never fails on a figure.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import Server, serve_argv  # noqa: E402  (bench/ is not a package)

US = "ATVPDKIKX0DER"
TOKEN = {"x-amz-access-token": "Atza|bench"}
XML = "text/xml; charset=UTF-8"
FEEDS = "/feeds/2021-06-30"


def product_feed(size: int, seed: int) -> bytes:
    """An AmazonEnvelope of Product messages, ``size`` bytes or a little more."""
    rng = random.Random(seed)
    words = [f"{rng.choice('bcdfghjklmnpqrstvwxz')}{rng.choice('aeiou')}{rng.choice('nrstl')}{n}" for n in range(2000)]
    head = (
        '<?xml version="1.0" encoding="UTF-8"?><AmazonEnvelope><Header><DocumentVersion>1.01</DocumentVersion>'
        "<MerchantIdentifier>BENCH</MerchantIdentifier></Header><MessageType>Product</MessageType>"
    )
    parts, total, n = [head.encode()], len(head), 0
    while total < size:
        n += 1
        title = " ".join(rng.choices(words, k=12))
        message = (
            f"<Message><MessageID>{n}</MessageID><OperationType>Update</OperationType><Product>"
            f"<SKU>SKU-{rng.getrandbits(48):012X}</SKU><StandardProductID><Type>UPC</Type>"
            f"<Value>{rng.randrange(10**11, 10**12)}</Value></StandardProductID><DescriptionData>"
            f"<Title>{title}</Title><Brand>{rng.choice(words)}</Brand></DescriptionData></Product></Message>"
        ).encode()
        parts.append(message)
        total += len(message)
    parts.append(b"</AmazonEnvelope>")
    return b"".join(parts)


def memory(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of the process, in MiB."""
    fields = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def until_done(session: requests.Session, base: str, feed_id: str) -> dict:
    while True:
        feed = session.get(f"{base}{FEEDS}/feeds/{feed_id}", timeout=60).json()
        if feed["processingStatus"] in ("DONE", "FATAL", "CANCELLED"):
            return feed
        time.sleep(0.05)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--mb", type=float, default=60.0, help="size of each document in MB (10^6 bytes)")
    parser.add_argument("--store", choices=("db", "memory"), default="db", help="serve with --db FILE, or without")
    args = parser.parse_args()
    document = product_feed(int(args.mb * 1_000_000), seed=20240615)
    digest = hashlib.sha256(document).hexdigest()
    with tempfile.TemporaryDirectory(prefix="spapi-mock-documents-bench-") as tmp:
        db = Path(tmp) / "store.json"
        extra = ["--db", str(db)] if args.store == "db" else []
        extra += ["--feed-queue-seconds", "0", "--feed-processing-seconds", "0"]
        server = Server("documents-bench", serve_argv(extra), Path(tmp), cpu=0)
        server.start()
        os.sched_setaffinity(0, {1})
        figures: list[tuple[str, float, float]] = []
        try:
            server.wait_ready("/_mock/health", timeout=300)
            base = f"http://127.0.0.1:{server.port}"
            pid = server.process.pid
            session = requests.Session()
            session.headers.update(TOKEN)
            figures.append(("started, before the first upload", *memory(pid)))
            feed_ids, took = [], []
            for n in range(1, args.feeds + 1):
                created = session.post(f"{base}{FEEDS}/documents", json={"contentType": XML}).json()
                started = time.perf_counter()
                upload = requests.put(created["url"], data=document, headers={"Content-Type": XML}, timeout=600)
                took.append(time.perf_counter() - started)
                assert upload.status_code == 200, upload.text
                spec = {"feedType": "POST_PRODUCT_DATA", "marketplaceIds": [US], "inputFeedDocumentId": created["feedDocumentId"]}
                feed_ids.append((session.post(f"{base}{FEEDS}/feeds", json=spec).json()["feedId"], created["feedDocumentId"]))
                if n % 5 == 0 or n == args.feeds:
                    figures.append((f"after {n} uploads", *memory(pid)))
            feeds = [until_done(session, base, feed_id) for feed_id, _ in feed_ids]
            figures.append((f"{sum(feed['processingStatus'] == 'DONE' for feed in feeds)} feeds DONE", *memory(pid)))
            for (_, document_id), feed in zip(feed_ids, feeds, strict=True):
                for wanted in (document_id, feed["resultFeedDocumentId"]):
                    url = session.get(f"{base}{FEEDS}/documents/{wanted}").json()["url"]
                    got = hashlib.sha256()
                    with requests.get(url, stream=True, timeout=600) as answer:
                        for chunk in answer.iter_content(1024 * 1024):
                            got.update(chunk)
                    assert wanted != document_id or got.hexdigest() == digest, f"document {wanted} came back changed"
            figures.append(("after downloading every document and report", *memory(pid)))
            # Beside the store file (without one, the documents are in a temporary directory elsewhere).
            on_disk = sum(path.stat().st_size for path in Path(tmp).rglob("*") if path.is_file() and args.store == "db")
        finally:
            server.stop()
    mode = "--db FILE" if args.store == "db" else "no --db (temporary directory)"
    print(f"{args.feeds} feed documents of {len(document) / 1e6:.1f} MB each, served with {mode}")
    median = sorted(took)[len(took) // 2]
    print(f"  upload: median {median:.2f} s, max {max(took):.2f} s; store and documents on disk: {on_disk / 1e6:,.0f} MB")
    for label, rss, peak in figures:
        print(f"  {label:<46} RSS {rss:7.1f} MiB   peak {peak:7.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
