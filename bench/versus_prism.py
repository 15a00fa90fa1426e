"""spapi-mock against Stoplight Prism, the mock users would otherwise run, and issues 15 and 26's targets.

    python bench/versus_prism.py                        # ~10 minutes; the first run also installs Prism and builds data
    python bench/versus_prism.py --rounds 2 --duration 3 --warmup 1    # a quick look
    python bench/versus_prism.py --operations-only      # the operations table alone
    python bench/versus_prism.py --operations-only --without-prism     # ours alone (no npm needed)
    python bench/versus_prism.py --operations getOrders,createFeedDocument     # some operations (implies --operations-only)

Prism 5 (``@stoplight/prism-cli`` from the npm registry, installed by this script under
``bench/results/prism/``) serves Amazon's own model of each API (``../shared/reference/``, or
``--reference-dir DIR``), one Prism process per model file: static examples, no state. Ours
serves the benchmark's 1k-order store (``--db``), with one feed and one report created over HTTP
before the load. Every server runs on CPU 0, wrk on CPU 1, one server loaded at a time. For each
round and each operation of ``OPERATIONS`` (issue 26's list: getOrderItems, getOrder,
getOrders, getOrderBuyerInfo, getOrderAddress, searchOrders, getOrder of 2026-01-01, getFeeds,
getFeed, getReports, getReport, createFeedDocument; reads of one of 200 orders, Prism answering
its example for any id), ours and Prism are measured back to back, their order alternating from
round to round; the figures are the medians over the rounds, and the ratios are ours / Prism.
One table gives req/s, the ratio and p99 of each operation against its target (≥ 4x Prism for
getOrder and getOrderItems, ≥ 2x for the others, p99 at or below Prism's).

Then, in the same run (unless ``--operations-only``):

- getOrders (100 orders a page, the benchmark's filtered page) from the 1k store and from the
  100k store, interleaved in rounds: the 100k/1k ratio of requests per second;
- start-up of the 100k ``--db`` store (process start to its first 200) and its RSS after load;
- start-up on the built-in fixtures (median of 5);
- a scenario step over HTTP: ``POST /_mock/orders/{id}/actions`` (authorize_payment of an order
  placed just before), 200 times one after another: p50 and p99.

A table with PASS/MISS per target closes the run; the figures go to
``bench/results/versus-prism-*.json``. It never fails on a missed target; it exits 2 if wrk or
npm is missing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402
import run as bench  # noqa: E402  (bench/run.py: servers, wrk, paths)

PRISM_PACKAGE = "@stoplight/prism-cli@5"
PRISM_DIR = bench.RESULTS / "prism"
DEFAULT_REFERENCE_DIR = BENCH.parent.parent / "shared" / "reference"
SERVER_CPU, LOAD_CPU = 0, 1
STEPS = 200
CREATED_AFTER = "2020-01-01T00:00:00Z"
FEED_TYPE = "POST_ORDER_FULFILLMENT_DATA"
REPORT_TYPE = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"


class Operation(NamedTuple):
    """One request measured against Prism: Amazon's model file Prism serves for it, and the
    paths (``{order}`` one of the sample orders, ``{feed}`` and ``{report}`` the ones created
    before the load)."""

    name: str
    model: str
    paths: tuple[str, ...]
    target: float
    method: str = "GET"
    body: dict | None = None


_V0 = "/orders/v0/orders"
_V2026 = "/orders/2026-01-01/orders"
OPERATIONS = (
    Operation("getOrderItems", "ordersV0.json", (f"{_V0}/{{order}}/orderItems",), 4.0),
    Operation("getOrder", "ordersV0.json", (f"{_V0}/{{order}}",), 4.0),
    Operation(
        "getOrders",
        "ordersV0.json",
        (f"{_V0}?CreatedAfter={CREATED_AFTER}&MarketplaceIds={bench.MARKETPLACE}&MaxResultsPerPage=1",),
        2.0,
    ),
    Operation("getOrderBuyerInfo", "ordersV0.json", (f"{_V0}/{{order}}/buyerInfo",), 2.0),
    Operation("getOrderAddress", "ordersV0.json", (f"{_V0}/{{order}}/address",), 2.0),
    Operation("searchOrders", "orders_2026-01-01.json", (f"{_V2026}?createdAfter={CREATED_AFTER}&maxResultsPerPage=1",), 2.0),
    Operation("getOrder@2026-01-01", "orders_2026-01-01.json", (f"{_V2026}/{{order}}",), 2.0),
    Operation("getFeeds", "feeds_2021-06-30.json", (f"/feeds/2021-06-30/feeds?feedTypes={FEED_TYPE}",), 2.0),
    Operation("getFeed", "feeds_2021-06-30.json", ("/feeds/2021-06-30/feeds/{feed}",), 2.0),
    Operation("getReports", "reports_2021-06-30.json", (f"/reports/2021-06-30/reports?reportTypes={REPORT_TYPE}",), 2.0),
    Operation("getReport", "reports_2021-06-30.json", ("/reports/2021-06-30/reports/{report}",), 2.0),
    Operation(
        "createFeedDocument",
        "feeds_2021-06-30.json",
        ("/feeds/2021-06-30/documents",),
        2.0,
        method="POST",
        body={"contentType": "text/xml; charset=UTF-8"},
    ),
)

TARGETS = {
    "getOrders_100k_vs_1k": 0.8,
    "startup_100k_s": 5.0,
    "rss_100k_mib": 400.0,
    "startup_builtin_s": 1.0,
    "scenario_step_p50_ms": 5.0,
}


def install_prism() -> Path:
    binary = PRISM_DIR / "node_modules" / ".bin" / "prism"
    if binary.exists():
        return binary
    if shutil.which("npm") is None:
        raise SystemExit("npm is not installed: Prism comes from the npm registry (apt-get install npm, or Node.js 18+)")
    PRISM_DIR.mkdir(parents=True, exist_ok=True)
    print(f"installing {PRISM_PACKAGE} into {PRISM_DIR} ...", flush=True)
    subprocess.run(
        ["npm", "install", "--prefix", str(PRISM_DIR), "--no-audit", "--no-fund", "--silent", PRISM_PACKAGE],
        check=True,
        timeout=600,
    )
    return binary


def wrk(server: bench.Server, script: Path, args) -> dict:
    if args.warmup > 0:
        bench.run_wrk(server.port, script, args.warmup, args.concurrency, 1, LOAD_CPU)
    return bench.run_wrk(server.port, script, args.duration, args.concurrency, 1, LOAD_CPU)


def medians(rounds: list[dict]) -> dict:
    return {
        "rps": statistics.median(r["rps"] for r in rounds),
        "p50_ms": statistics.median(r["p50_ms"] for r in rounds),
        "p99_ms": statistics.median(r["p99_ms"] for r in rounds),
        "errors": [r["errors"] for r in rounds if r["errors"]],
        "rounds_rps": [round(r["rps"], 1) for r in rounds],
    }


def show(label: str, kind: str, result: dict) -> None:
    flag = f"  ERRORS {result['errors']}" if result["errors"] else ""
    figures = f"{result['rps']:8.1f} req/s  p50 {result['p50_ms']:7.2f} ms  p99 {result['p99_ms']:7.2f} ms"
    print(f"    {label:<16} {kind:<20} {figures}{flag}")


def start(name: str, argv: list[str], workdir: Path, probe: str, timeout: float) -> tuple[bench.Server, float]:
    server = bench.Server(name, argv, workdir, SERVER_CPU)
    server.start()
    try:
        return server, server.wait_ready(probe, timeout)
    except BaseException:
        server.stop()
        raise


def served_copy(size: int, workdir: Path) -> tuple[Path, dict]:
    source, meta = generate.cached_db(size)
    served = workdir / f"store-{size}.json"
    shutil.copyfile(source, served)
    return served, meta


def write_script(path: Path, operation: Operation, paths: list[str]) -> Path:
    return bench.write_wrk_script(path, paths, operation.method, operation.body)


def call(port: int, method: str, path: str, body: bytes | None = None, content_type: str = "application/json") -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"x-amz-access-token": bench.TOKEN, "content-type": content_type}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path} answered {response.status}: {data[:300]!r}")
        return json.loads(data) if data else {}
    finally:
        conn.close()


def created_documents(port: int) -> dict:
    """A feed and a report of the benchmark's seller, made as a client makes them."""
    document = call(port, "POST", "/feeds/2021-06-30/documents", json.dumps({"contentType": "text/xml"}).encode())
    upload = document["url"].split("://", 1)[1].split("/", 1)[1]
    call(port, "PUT", "/" + upload, b"<AmazonEnvelope/>", content_type="text/xml")
    feed = call(
        port,
        "POST",
        "/feeds/2021-06-30/feeds",
        json.dumps(
            {"feedType": FEED_TYPE, "marketplaceIds": [bench.MARKETPLACE], "inputFeedDocumentId": document["feedDocumentId"]}
        ).encode(),
    )
    report = call(
        port,
        "POST",
        "/reports/2021-06-30/reports",
        json.dumps({"reportType": REPORT_TYPE, "marketplaceIds": [bench.MARKETPLACE]}).encode(),
    )
    return {"feed": feed["feedId"], "report": report["reportId"]}


def chosen(args) -> tuple[Operation, ...]:
    return tuple(op for op in OPERATIONS if args.operations is None or op.name in args.operations)


def versus_prism(args, workdir: Path, prism: Path | None) -> dict:
    operations = chosen(args)
    db, meta = served_copy(1000, workdir)
    ids = meta["sample_order_ids"]
    probe = bench.items_path(ids[0])
    servers: dict[str, bench.Server] = {}
    try:
        servers["spapi-mock"], _ = start(
            "spapi-mock-1k", bench.serve_argv(["--db", str(db)]), workdir, probe, args.startup_timeout
        )
        made = created_documents(servers["spapi-mock"].port)
        for model in sorted({op.model for op in operations}) if prism is not None else ():
            name = f"prism-{Path(model).stem}"
            argv = [str(prism), "mock", "-p", "{port}", str(args.reference_dir / model)]
            # Ready when it answers a read of its model (any operation of the model, for the probe).
            first = next(op for op in OPERATIONS if op.model == model and op.method == "GET")
            servers[model], _ = start(name, argv, workdir, first.paths[0].format(order=ids[0], feed="1", report="1"), 120)
        results: dict = {"spapi-mock": {}, "prism": {}}
        who = "spapi-mock (1k store)" + (" and Prism (one process per model)" if prism is not None else "")
        print(f"\n{who} on CPU {SERVER_CPU}, wrk on CPU {LOAD_CPU}, {args.rounds} rounds:", flush=True)
        for op in operations:
            paths = [path.format(order=i, **made) for path in op.paths for i in (ids if "{order}" in path else ids[:1])]
            script = write_script(workdir / f"{op.name}.lua", op, paths)
            pair = [("spapi-mock", servers["spapi-mock"])] + ([("prism", servers[op.model])] if prism is not None else [])
            rounds: dict[str, list] = {label: [] for label, _ in pair}
            for n in range(args.rounds):
                for label, server in pair if n % 2 == 0 else reversed(pair):
                    rounds[label].append(wrk(server, script, args))
            for label in rounds:
                results[label][op.name] = medians(rounds[label])
                show(label, op.name, results[label][op.name])
    finally:
        for server in servers.values():
            server.stop()
    return results


def page_at_sizes(args, workdir: Path) -> dict:
    after = (datetime.now(UTC) - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    page = bench.orders_path(after)
    script = bench.write_wrk_script(workdir / "orders.lua", [page])
    servers: dict[str, bench.Server] = {}
    out: dict = {}
    try:
        for size, label in ((1000, "1k"), (100_000, "100k")):
            db, _ = served_copy(size, workdir)
            server, startup = start(
                f"spapi-mock-{label}", bench.serve_argv(["--db", str(db)]), workdir, page, args.startup_timeout
            )
            servers[label] = server
            out[f"startup_{label}_s"] = startup
            status, body = bench.http_get(server.port, page, timeout=30)
            out[f"orders_in_page_{label}"] = len(json.loads(body)["payload"]["Orders"]) if status == 200 else None
            print(
                f"\n{label} store started in {startup:.2f} s; its page holds {out[f'orders_in_page_{label}']} orders", flush=True
            )
        rounds: dict[str, list] = {"1k": [], "100k": []}
        for n in range(args.rounds):
            for label in ("1k", "100k") if n % 2 == 0 else ("100k", "1k"):
                rounds[label].append(wrk(servers[label], script, args))
        for label in rounds:
            out[f"getOrders_{label}"] = medians(rounds[label])
            show(f"spapi-mock {label}", "getOrders", out[f"getOrders_{label}"])
        out["memory_100k"] = servers["100k"].memory()
        print(f"    100k RSS after the load: {out['memory_100k']['rss_mib']:.0f} MiB", flush=True)
    finally:
        for server in servers.values():
            server.stop()
    return out


def builtin_startup(args, workdir: Path) -> dict:
    times = []
    for n in range(5):
        server, startup = start(f"spapi-mock-builtin-{n}", bench.serve_argv([]), workdir, "/_mock/health", args.startup_timeout)
        server.stop()
        times.append(startup)
    print(f"\nstart-up on the built-in fixtures: {', '.join(f'{t:.2f}' for t in times)} s", flush=True)
    return {"runs_s": times, "median_s": statistics.median(times)}


def scenario_steps(args, workdir: Path) -> dict:
    server, _ = start("spapi-mock-steps", bench.serve_argv([]), workdir, "/_mock/health", args.startup_timeout)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)

    def call(method: str, path: str, body: dict) -> dict:
        conn.request(method, path, body=json.dumps(body), headers={"content-type": "application/json"})
        response = conn.getresponse()
        data = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path} answered {response.status}: {data[:300]!r}")
        return json.loads(data) if data else {}

    times = []
    try:
        for _ in range(STEPS):
            placed = call("POST", "/_mock/orders", {"items": [{"SellerSKU": "BENCH-1"}]})
            order_id = placed["order"]["AmazonOrderId"]
            started = time.perf_counter()
            call("POST", f"/_mock/orders/{order_id}/actions", {"action": "authorize_payment"})
            times.append((time.perf_counter() - started) * 1000)
    finally:
        conn.close()
        server.stop()
    times.sort()
    out = {"steps": len(times), "p50_ms": statistics.median(times), "p99_ms": times[int(0.99 * (len(times) - 1))]}
    print(f"\nscenario step (authorize_payment over HTTP), {STEPS} times: p50 {out['p50_ms']:.2f} ms, p99 {out['p99_ms']:.2f} ms")
    return out


def operations_table(versus: dict) -> None:
    """One line per operation: req/s, ratio and p99 against Prism, and the target."""
    ours, prism = versus["spapi-mock"], versus.get("prism") or {}
    print("\n" + "=" * 112)
    print(f"{'operation':<22}{'spapi-mock':>12}{'Prism':>10}{'ratio':>8}{'p99 ours':>11}{'p99 Prism':>11}   target")
    for op in OPERATIONS:
        if op.name not in ours:
            continue
        o, p = ours[op.name], prism.get(op.name)
        errors = "  ERRORS" if o["errors"] or (p and p["errors"]) else ""
        if p is None:
            print(
                f"{op.name:<22}{o['rps']:>8.0f} r/s{'-':>10}{'-':>8}{o['p99_ms']:>8.1f} ms{'-':>11}   ≥ {op.target:.0f}x{errors}"
            )
            continue
        ratio = o["rps"] / p["rps"] if p["rps"] else float("inf")
        ok = ratio >= op.target and o["p99_ms"] <= p["p99_ms"]
        print(
            f"{op.name:<22}{o['rps']:>8.0f} r/s{p['rps']:>6.0f} r/s{ratio:>7.2f}x{o['p99_ms']:>8.1f} ms{p['p99_ms']:>8.1f} ms"
            f"   ≥ {op.target:.0f}x, p99 ≤ Prism's  {'PASS' if ok else 'MISS'}{errors}"
        )


def report(figures: dict) -> None:
    operations_table(figures["versus"])
    if "pages" not in figures:
        return
    rows = []
    pages = figures["pages"]
    growth = pages["getOrders_100k"]["rps"] / pages["getOrders_1k"]["rps"]
    rows.append(("getOrders page: 100k / 1k req/s", f"{growth:.2f}x", "≥ 0.8x", growth >= TARGETS["getOrders_100k_vs_1k"]))
    rows.append(
        ("100k --db start-up", f"{pages['startup_100k_s']:.2f} s", "≤ 5 s", pages["startup_100k_s"] <= TARGETS["startup_100k_s"])
    )
    rss = pages["memory_100k"]["rss_mib"]
    rows.append(("100k RSS after load", f"{rss:.0f} MiB", "≤ 400 MiB", rss <= TARGETS["rss_100k_mib"]))
    builtin = figures["builtin"]["median_s"]
    rows.append(("built-in start-up (median of 5)", f"{builtin:.2f} s", "≤ 1 s", builtin <= TARGETS["startup_builtin_s"]))
    step = figures["steps"]["p50_ms"]
    rows.append(("scenario step p50", f"{step:.2f} ms", "≤ 5 ms", step <= TARGETS["scenario_step_p50_ms"]))
    print("-" * 112)
    for name, value, target, ok in rows:
        print(f"{name:<44} {value:>24}   target {target:<22} {'PASS' if ok else 'MISS'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of measured load per round")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--reference-dir", type=Path, default=DEFAULT_REFERENCE_DIR, help="Amazon's models, for Prism")
    parser.add_argument("--startup-timeout", type=float, default=180.0)
    parser.add_argument("--operations-only", action="store_true", help="the operations table alone")
    parser.add_argument("--without-prism", action="store_true", help="measure ours alone (no npm, no ratios)")
    parser.add_argument("--out", type=Path, help="where the figures go (default bench/results/versus-prism-*.json)")
    parser.add_argument("--workdir", type=Path, help="logs and scripts (default bench/results/versus-prism-work-PID)")
    parser.add_argument(
        "--operations", help="comma-separated names, e.g. getOrders,searchOrders (default: all; implies --operations-only)"
    )
    args = parser.parse_args(argv)
    if args.operations is not None:
        args.operations = set(args.operations.split(","))
        unknown = args.operations - {op.name for op in OPERATIONS}
        if unknown:
            parser.error(f"unknown operations {sorted(unknown)}; known: {', '.join(op.name for op in OPERATIONS)}")
        args.operations_only = True
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    missing = [op.model for op in chosen(args) if not (args.reference_dir / op.model).exists()]
    if missing and not args.without_prism:
        print(
            f"{args.reference_dir}: Amazon's {sorted(set(missing))} are needed for Prism (--reference-dir DIR)", file=sys.stderr
        )
        return 2
    if len(os.sched_getaffinity(0)) < 2:
        print("note: fewer than 2 CPUs: the server and wrk share one", file=sys.stderr)
    prism = None if args.without_prism else install_prism()
    workdir = args.workdir or bench.RESULTS / f"versus-prism-work-{os.getpid()}"
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        figures = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "args": {k: str(v) for k, v in vars(args).items()},
            "versus": versus_prism(args, workdir, prism),
        }
        if not args.operations_only:
            figures["pages"] = page_at_sizes(args, workdir)
            figures["builtin"] = builtin_startup(args, workdir)
            figures["steps"] = scenario_steps(args, workdir)
    finally:
        for leftover in workdir.glob("store-*.json*"):
            # The store and its documents directory beside it.
            shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
    out = args.out or bench.RESULTS / f"versus-prism-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    report(figures)
    print(f"\nfigures: {out}; logs: {workdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
