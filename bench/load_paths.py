"""100k orders, any way they are loaded: start-up and memory of each load path, and a getOrders page.

    python bench/load_paths.py                        # the 100k set (generated and cached first)
    python bench/load_paths.py --fixtures DIR         # a set made by spapi-mock fixtures generate
    python bench/load_paths.py --report --feed        # also bench/report_production.py and feed_processing.py

Each path is one ``spapi-mock serve`` process, free to use every core (a large set's first load
runs worker processes, one a core), timed from spawn to its first 200 on getOrders, with the CPU
time it and its workers used until then and its RSS and peak RSS (VmHWM) then:

- ``fixtures, first time``: ``serve --fixtures DIR`` with an empty cache directory
  (``SPAPI_MOCK_CACHE_DIR``), so nothing of the set was seen before;
- ``fixtures, again``: the same, with the cache the first start left (the set's documents kept by
  ``marketplace/fixture_cache``, for a large set by a child process after the load: the wait
  for it is printed);
- ``--db, first time``: ``serve --fixtures DIR --db FILE`` on a new store file;
- ``--db, again``: ``serve --db FILE`` on the file that start wrote.

Then getOrders pages (``--page-size`` orders, ``CreatedAfter`` years back, with and without a
status filter), ``--requests`` of each one after another, on the set and on the built-in
fixtures: the ratio is the built-in p50 over the set's (issue 26's target: at least 0.8). The
progress lines a start printed are counted. Figures are printed, never judged by a test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402  (bench/generate.py)
from run import MARKETPLACE, TOKEN, Server, serve_argv  # noqa: E402  (bench/run.py)

TARGET_MIB = 400
TARGETS_S = {"fixtures, first time": 10.0, "fixtures, again": 3.0, "--db, first time": None, "--db, again": 3.0}
PAGES = {
    "no status filter": "",
    "Unshipped,Shipped": "&OrderStatuses=Unshipped,Shipped",
}


def page_path(page_size: int, statuses: str) -> str:
    query = f"CreatedAfter=2000-01-01T00:00:00Z&MarketplaceIds={MARKETPLACE}&MaxResultsPerPage={page_size}"
    return f"/orders/v0/orders?{query}{statuses}"


def start(name: str, extra: list[str], workdir: Path, env: dict[str, str], probe: str) -> tuple[Server, dict]:
    """A server started and answering; its start-up time, memory and progress lines."""
    server = Server(name, serve_argv(extra), workdir, cpu=None)
    saved = dict(os.environ)
    os.environ.update(env)  # Server.start passes the environment on
    try:
        server.start()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    try:
        startup = server.wait_ready(probe, timeout=900)
        cpu = cpu_seconds(server.process.pid)
        memory = server.memory()
    except BaseException:
        server.stop()
        raise
    log = server.log_path.read_text(errors="replace").splitlines()
    progress = [line for line in log if "spapi_mock.fixtures" in line and "loading" in line]
    return server, {"startup_s": startup, "cpu_s": cpu, **memory, "progress_lines": len(progress)}


def kept(directory: Path, timeout: float = 300.0) -> float:
    """Seconds until the set the first start keeps in the background is kept (its file in place,
    no temporary file left), so that the next start finds it."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if list(directory.glob("*.zst")) and not list(directory.glob(".*.tmp")):
            break
        time.sleep(0.1)
    return time.monotonic() - started


def cpu_seconds(pid: int) -> float:
    """CPU time the process and the children it waited for (a first load's workers) have used,
    user and system: on a busy machine a start-up's wall time is mostly waiting for a core, its
    CPU time is what it costs."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def latencies(server: Server, path: str, requests: int) -> list[float]:
    """Milliseconds of each of ``requests`` getOrders, one after another on one connection."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    times = []
    try:
        for _ in range(requests):
            started = time.perf_counter()
            conn.request("GET", path, headers={"x-amz-access-token": TOKEN})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{path} answered {response.status}")
            times.append((time.perf_counter() - started) * 1000)
    finally:
        conn.close()
    return times


def pages(server: Server, args) -> dict:
    out = {}
    for label, statuses in PAGES.items():
        times = latencies(server, page_path(args.page_size, statuses), args.requests)
        out[label] = {"p50_ms": statistics.median(times), "p99_ms": sorted(times)[int(len(times) * 0.99) - 1]}
    return out


def line(label: str, figures: dict, target: float | None) -> str:
    verdict = ""
    if target is not None:
        met = figures["startup_s"] <= target and figures["rss_mib"] <= TARGET_MIB
        verdict = f"   target <= {target:g} s, <= {TARGET_MIB} MiB: {'PASS' if met else 'MISS'}"
    return (
        f"  {label:<22} start {figures['startup_s']:6.2f} s (CPU {figures['cpu_s']:5.2f} s)   "
        f"RSS {figures['rss_mib']:6.0f} MiB   peak {figures['peak_rss_mib']:6.0f} MiB   "
        f"progress lines {figures['progress_lines']}{verdict}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="orders in the generated set")
    parser.add_argument("--fixtures", type=Path, help="measure this fixture set instead")
    parser.add_argument("--page-size", type=int, default=10)
    parser.add_argument("--requests", type=int, default=300, help="getOrders requests per page kind and set")
    parser.add_argument("--report", action="store_true", help="also run bench/report_production.py at --size")
    parser.add_argument("--feed", action="store_true", help="also run bench/feed_processing.py (10,000 messages)")
    parser.add_argument("--out", type=Path, help="results JSON")
    args = parser.parse_args()
    # Not pinned: the servers it starts inherit its cores, and a first load uses them all.
    fixtures = args.fixtures or generate.cached(args.size)[0]
    probe = page_path(args.page_size, "")
    results: dict = {"fixtures": str(fixtures), "paths": {}, "pages": {}}
    with tempfile.TemporaryDirectory(prefix="spapi-mock-load-paths-") as tmp:
        work = Path(tmp)
        env = {"SPAPI_MOCK_CACHE_DIR": str(work / "cache")}
        db = work / "store.json"
        runs = [
            ("fixtures, first time", ["--fixtures", str(fixtures)]),
            ("fixtures, again", ["--fixtures", str(fixtures)]),
            ("--db, first time", ["--fixtures", str(fixtures), "--db", str(db)]),
            ("--db, again", ["--db", str(db)]),
        ]
        print(f"load paths of {fixtures}:", flush=True)
        for label, extra in runs:
            server, figures = start(label.replace(" ", "").replace(",", "-"), extra, work, env, probe)
            try:
                if label == "fixtures, again":
                    figures["pages"] = pages(server, args)
            finally:
                server.stop()
            results["paths"][label] = figures
            print(line(label, figures, TARGETS_S[label]), flush=True)
            if label == "fixtures, first time":
                figures["kept_after_s"] = kept(work / "cache" / "fixture-sets")
                print(f"  {'':<22} set kept {figures['kept_after_s']:.1f} s after the server stopped", flush=True)
        builtin, figures = start("built-in", [], work, env, probe)
        try:
            results["paths"]["built-in fixtures"] = figures
            print(line("built-in fixtures", figures, None), flush=True)
            results["pages"]["built-in"] = pages(builtin, args)
        finally:
            builtin.stop()
    large = results["paths"]["fixtures, again"].pop("pages")
    results["pages"]["set"] = large
    print(f"getOrders, {args.page_size}-order page, CreatedAfter years back, {args.requests} requests each:")
    for label in PAGES:
        ours, small = large[label]["p50_ms"], results["pages"]["built-in"][label]["p50_ms"]
        ratio = small / ours if ours else 0.0
        results["pages"][f"ratio {label}"] = ratio
        print(
            f"  {label:<20} set p50 {ours:6.2f} ms   built-in p50 {small:6.2f} ms   "
            f"ratio {ratio:.2f}x   target >= 0.8x: {'PASS' if ratio >= 0.8 else 'MISS'}"
        )
    for flag, script, extra in (
        (args.report, "report_production.py", ["--size", str(args.size)]),
        (args.feed, "feed_processing.py", []),
    ):
        if flag:
            done = subprocess.run([sys.executable, str(BENCH / script), *extra], capture_output=True, text=True)
            print(done.stdout.rstrip() or done.stderr.rstrip(), flush=True)
            results[script] = done.stdout
    if args.out:
        args.out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
