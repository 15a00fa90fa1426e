"""CPU time per request of each SP-API operation, through the whole ASGI app in-process.

    python bench/request_cpu.py [--requests 300]
    python bench/request_cpu.py --db 1000 --operations getOrders,searchOrders   # versus_prism's 1k store
    PYTHONPATH=/path/to/other/tree/src python bench/request_cpu.py      # the same on another tree

No socket and no server: each request is one call of the application (the request envelope, the
compiled path or Connexion's, the traffic gate, the handler), timed with ``time.process_time``,
so other processes on a busy machine count far less than in a wrk run. The built-in fixtures, or
with ``--db N`` a copy of bench/generate.py's N-order store (what versus_prism.py serves); a feed
document and a report are created first. An operation the tree does not serve is skipped.
Prints one line per operation (µs of CPU a request) and the figures as JSON last.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import spapi_mock
from spapi_mock.config import Config
from spapi_mock.http.app import create_app

TOKEN = b"Atza|bench"
US = "ATVPDKIKX0DER"
REPORT_TYPE = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"


def scope(method: str, path: str, query: bytes, body: bytes) -> dict:
    headers = [(b"host", b"127.0.0.1:8080"), (b"x-amz-access-token", TOKEN)]
    if body:
        headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8080),
    }


async def call(app, method: str, path: str, query: bytes = b"", body: bytes = b"") -> tuple[int, bytes]:
    answer: dict = {"body": b""}
    sent = False

    async def receive() -> dict:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        else:
            answer["body"] += message.get("body", b"")

    await app(scope(method, path, query, body), receive, send)
    return answer["status"], answer["body"]


async def measure(requests: int, config: Config, only: set[str] | None = None) -> dict[str, float]:
    app = create_app(config)
    page = f"CreatedAfter=2020-01-01T00:00:00Z&MarketplaceIds={US}&MaxResultsPerPage=1".encode()
    _, body = await call(app, "GET", "/orders/v0/orders", page)
    order = json.loads(body)["payload"]["Orders"][0]["AmazonOrderId"]
    _, body = await call(app, "POST", "/feeds/2021-06-30/documents", body=b'{"contentType":"text/xml"}')
    document = json.loads(body)["feedDocumentId"]
    report_body = json.dumps({"reportType": REPORT_TYPE, "marketplaceIds": [US]}).encode()
    _, body = await call(app, "POST", "/reports/2021-06-30/reports", body=report_body)
    report = json.loads(body)["reportId"]
    operations = [
        ("getOrderItems", "GET", f"/orders/v0/orders/{order}/orderItems", b"", b""),
        ("getOrder", "GET", f"/orders/v0/orders/{order}", b"", b""),
        ("getOrders", "GET", "/orders/v0/orders", page, b""),
        ("getOrderBuyerInfo", "GET", f"/orders/v0/orders/{order}/buyerInfo", b"", b""),
        ("getOrderAddress", "GET", f"/orders/v0/orders/{order}/address", b"", b""),
        ("searchOrders", "GET", "/orders/2026-01-01/orders", b"createdAfter=2020-01-01T00:00:00Z&maxResultsPerPage=1", b""),
        ("getOrder@2026-01-01", "GET", f"/orders/2026-01-01/orders/{order}", b"", b""),
        ("getFeeds", "GET", "/feeds/2021-06-30/feeds", b"feedTypes=POST_ORDER_FULFILLMENT_DATA", b""),
        ("getFeedDocument", "GET", f"/feeds/2021-06-30/documents/{document}", b"", b""),
        ("getReports", "GET", "/reports/2021-06-30/reports", f"reportTypes={REPORT_TYPE}".encode(), b""),
        ("getReport", "GET", f"/reports/2021-06-30/reports/{report}", b"", b""),
        ("createFeedDocument", "POST", "/feeds/2021-06-30/documents", b"", b'{"contentType":"text/xml"}'),
        ("getMarketplaceParticipations", "GET", "/sellers/v1/marketplaceParticipations", b"", b""),
    ]
    figures = {}
    for name, method, path, query, body in operations:
        if only is not None and name not in only:
            continue
        status, _ = await call(app, method, path, query, body)
        if status >= 300:
            continue  # not served by this tree
        for _ in range(20):
            await call(app, method, path, query, body)
        started = time.process_time()
        for _ in range(requests):
            await call(app, method, path, query, body)
        figures[name] = (time.process_time() - started) / requests * 1e6
        print(f"{name:<30} {figures[name]:7.0f} µs CPU a request", flush=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--db", type=int, metavar="N", help="serve a copy of the N-order benchmark store")
    parser.add_argument("--operations", help="comma-separated names (default: all)")
    args = parser.parse_args(argv)
    only = set(args.operations.split(",")) if args.operations else None
    with tempfile.TemporaryDirectory() as tmp:
        config = Config()
        if args.db:
            sys.path.insert(0, str(Path(__file__).resolve().parent))
            import generate

            source, _ = generate.cached_db(args.db)
            served = Path(tmp) / "store.json"
            shutil.copyfile(source, served)
            config = Config(db_path=served)
        figures = asyncio.run(measure(args.requests, config, only))
    print(json.dumps({"tree": spapi_mock.__file__, "us_cpu_per_request": figures}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
