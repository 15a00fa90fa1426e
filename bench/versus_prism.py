"""spapi-mock against Stoplight Prism, the mock users would otherwise run, and issue 15's targets.

    python bench/versus_prism.py                        # ~6 minutes; the first run also installs Prism and builds data
    python bench/versus_prism.py --rounds 2 --duration 3 --warmup 1    # a quick look

Prism 5 (``@stoplight/prism-cli`` from the npm registry, installed by this script under
``bench/results/prism/``) serves Amazon's own ``ordersV0.json`` (``../shared/reference/``, or
``--reference FILE``): static examples, no state. Ours serves the benchmark's 1k-order store
(``--db``). Both processes run on CPU 0, wrk on CPU 1, one server loaded at a time. For each
round and each request (getOrderItems and getOrder of one of 200 orders, Prism answering its
example for any id), ours and Prism are measured back to back, their order alternating from
round to round; the figures are the medians over the rounds, and the ratios are ours / Prism.

Then, in the same run:

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

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402
import run as bench  # noqa: E402  (bench/run.py: servers, wrk, paths)

PRISM_PACKAGE = "@stoplight/prism-cli@5"
PRISM_DIR = bench.RESULTS / "prism"
DEFAULT_REFERENCE = BENCH.parent.parent / "shared" / "reference" / "ordersV0.json"
SERVER_CPU, LOAD_CPU = 0, 1
STEPS = 200

TARGETS = {
    "getOrderItems_vs_prism": 1.5,
    "getOrder_vs_prism": 1.5,
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
    print(f"    {label:<16} {kind:<14} {figures}{flag}")


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


def versus_prism(args, workdir: Path, prism: Path) -> dict:
    db, meta = served_copy(1000, workdir)
    ids = meta["sample_order_ids"]
    scripts = {
        "getOrderItems": bench.write_wrk_script(workdir / "items.lua", [bench.items_path(i) for i in ids]),
        "getOrder": bench.write_wrk_script(workdir / "order.lua", [f"/orders/v0/orders/{i}" for i in ids]),
    }
    probe = bench.items_path(ids[0])
    ours, _ = start("spapi-mock-1k", bench.serve_argv(["--db", str(db)]), workdir, probe, args.startup_timeout)
    try:
        peer, _ = start("prism", [str(prism), "mock", "-p", "{port}", str(args.reference)], workdir, probe, 120)
    except BaseException:
        ours.stop()
        raise
    results: dict = {"spapi-mock": {}, "prism": {}}
    try:
        print(f"\nspapi-mock (1k store) and Prism on CPU {SERVER_CPU}, wrk on CPU {LOAD_CPU}, {args.rounds} rounds:", flush=True)
        for kind, script in scripts.items():
            rounds: dict[str, list] = {"spapi-mock": [], "prism": []}
            for n in range(args.rounds):
                pair = [("spapi-mock", ours), ("prism", peer)]
                for label, server in pair if n % 2 == 0 else reversed(pair):
                    rounds[label].append(wrk(server, script, args))
            for label in rounds:
                results[label][kind] = medians(rounds[label])
                show(label, kind, results[label][kind])
    finally:
        ours.stop()
        peer.stop()
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


def report(figures: dict) -> None:
    ours, prism = figures["versus"]["spapi-mock"], figures["versus"]["prism"]
    rows = []
    for kind in ("getOrderItems", "getOrder"):
        value = ours[kind]["rps"] / prism[kind]["rps"]
        ok = value >= TARGETS[f"{kind}_vs_prism"] and ours[kind]["p99_ms"] <= prism[kind]["p99_ms"]
        rows.append(
            (
                f"{kind}: req/s vs Prism (p99 ours/Prism)",
                f"{value:.2f}x ({ours[kind]['p99_ms']:.1f}/{prism[kind]['p99_ms']:.1f} ms)",
                "≥ 1.5x, p99 ≤ Prism's",
                ok,
            )
        )
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
    print("\n" + "=" * 96)
    for kind in ("getOrderItems", "getOrder"):
        o, p = ours[kind], prism[kind]
        print(
            f"{kind:<14} spapi-mock {o['rps']:7.0f} req/s p50 {o['p50_ms']:6.1f} p99 {o['p99_ms']:6.1f} ms | "
            f"Prism {p['rps']:7.0f} req/s p50 {p['p50_ms']:6.1f} p99 {p['p99_ms']:6.1f} ms"
        )
    print("-" * 96)
    for name, value, target, ok in rows:
        print(f"{name:<44} {value:>24}   target {target:<22} {'PASS' if ok else 'MISS'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of measured load per round")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE, help="Amazon's ordersV0.json, for Prism")
    parser.add_argument("--startup-timeout", type=float, default=180.0)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    if not args.reference.exists():
        print(f"{args.reference}: Amazon's ordersV0.json is needed for Prism (--reference FILE)", file=sys.stderr)
        return 2
    if len(os.sched_getaffinity(0)) < 2:
        print("note: fewer than 2 CPUs: the server and wrk share one", file=sys.stderr)
    prism = install_prism()
    workdir = bench.RESULTS / f"versus-prism-work-{os.getpid()}"
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        figures = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "args": {k: str(v) for k, v in vars(args).items()},
            "versus": versus_prism(args, workdir, prism),
            "pages": page_at_sizes(args, workdir),
            "builtin": builtin_startup(args, workdir),
            "steps": scenario_steps(args, workdir),
        }
    finally:
        for leftover in workdir.glob("store-*.json*"):
            leftover.unlink()
    out = bench.RESULTS / f"versus-prism-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    report(figures)
    print(f"\nfigures: {out}; logs: {workdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
