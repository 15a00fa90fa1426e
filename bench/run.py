"""spapi-mock throughput, latency, start-up and memory, against two reference servers.

    python bench/run.py [--sizes 1000,10000,100000] [--duration 10] [--concurrency 16]
    python bench/run.py --fixtures DIR [--fixtures DIR2]      # sets made by spapi-mock fixtures generate

For each store size: one ``spapi-mock serve`` process (start-up time to its first successful
response, RSS after the load), and wrk at a fixed concurrency on getOrderItems (a random order
id from a fixed list) and on a filtered getOrders page. Right after each of ours, the same load
goes to a bare Connexion app on the same spec and to a minimal Starlette app
(bench/reference_apps.py), started once and answering bodies captured from ours, so that each
ratio compares measurements seconds apart; start-up on the built-in fixtures is measured last. A
table with the ratios and PASS/MISS per target closes the run; the figures are also written
to bench/results/run-*.json. See bench/README.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

import generate  # noqa: E402  (bench/generate.py)

RESULTS = BENCH / "results"
TOKEN = "Atza|spapi-mock-bench"
MARKETPLACE = "ATVPDKIKX0DER"
KINDS = ("getOrderItems", "getOrders")
REFERENCES = ("connexion", "starlette")

# The targets, as stated in bench/README.md.
TARGET_RATIO_TO_CONNEXION = 0.8
TARGET_P50_GROWTH = 1.2
TARGET_STARTUP_S = 1.5
# A p99 this many times the p50 means the server stalled at times (flagged in the report).
STALL_FACTOR = 10


# -- processes ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pinned(cpu: int | None):
    """preexec_fn that keeps a child (and every thread it starts) on one CPU."""
    if cpu is None:
        return None
    return lambda: os.sched_setaffinity(0, {cpu})


def http_get(port: int, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"x-amz-access-token": TOKEN})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class Server:
    """One server process on a free port, its log in the work directory."""

    def __init__(self, name: str, argv: list[str], workdir: Path, cpu: int | None) -> None:
        self.name = name
        self.port = free_port()
        self.argv = [part.replace("{port}", str(self.port)) for part in argv]
        self.log_path = workdir / f"{name}.log"
        self.cpu = cpu
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0

    def start(self) -> None:
        with open(self.log_path, "wb") as log:
            self.started_at = time.perf_counter()
            self.process = subprocess.Popen(
                self.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=REPO,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
                preexec_fn=pinned(self.cpu),
            )

    def wait_ready(self, probe: str, timeout: float) -> float:
        """Seconds from start to the first 200 on ``probe``; raises if it never comes."""
        deadline = self.started_at + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}: {self.log_tail()}")
            try:
                status, _ = http_get(self.port, probe, timeout=2.0)
                if status == 200:
                    return time.perf_counter() - self.started_at
            except OSError:
                pass
            time.sleep(0.01)
        raise RuntimeError(f"{self.name} did not answer 200 on {probe} within {timeout:.0f} s: {self.log_tail()}")

    def memory(self) -> dict:
        """Resident and peak resident memory in MiB."""
        pid = self.process.pid
        try:
            import psutil  # optional (pip install psutil, or the project's [bench] extra)

            info = psutil.Process(pid).memory_info()
            out = {"rss_mib": info.rss / 2**20, "source": "psutil"}
        except ImportError:
            out = {"source": "/proc"}
        fields = {}
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    fields[key] = int(value.split()[0]) / 1024
        out.setdefault("rss_mib", fields.get("VmRSS"))
        out["peak_rss_mib"] = fields.get("VmHWM")
        return out

    def cpu_seconds(self) -> float:
        """The server's CPU time so far (user and system, all its threads), from /proc."""
        with open(f"/proc/{self.process.pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self, lines: int = 5) -> str:
        try:
            text = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "(no log)"
        return " | ".join(text[-lines:]) or "(empty log)"


# -- load --------------------------------------------------------------------------------------

WRK_SCRIPT = """\
-- written by spapi-mock's bench/
local paths = {%(paths)s}
wrk.method = %(method)s
wrk.headers["x-amz-access-token"] = %(token)s
%(body)s
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("seed", threads)
end

function init(args)
  math.randomseed(7919 * (seed or 1))
end

function request()
  return wrk.format(nil, paths[math.random(#paths)])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%%.0f,"duration_us":%%.0f,"bytes":%%.0f,"p50_us":%%.0f,"p90_us":%%.0f,' ..
    '"p99_us":%%.0f,"mean_us":%%.1f,"max_us":%%.0f,"connect":%%.0f,"read":%%.0f,"write":%%.0f,' ..
    '"status":%%.0f,"timeout":%%.0f}\\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.mean, latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def write_wrk_script(path: Path, paths: list[str], method: str = "GET", body: object = None) -> Path:
    """A wrk script requesting ``paths`` at random, with ``body`` as JSON when given."""
    # JSON string literals of plain ASCII text are valid Lua string literals.
    lua_body = ""
    if body is not None:
        lua_body = f'wrk.body = {json.dumps(json.dumps(body))}\nwrk.headers["content-type"] = "application/json"\n'
    values = {
        "paths": ", ".join(json.dumps(p) for p in paths),
        "method": json.dumps(method),
        "token": json.dumps(TOKEN),
        "body": lua_body,
    }
    path.write_text(WRK_SCRIPT % values, encoding="utf-8")
    return path


def run_wrk(port: int, script: Path, duration: float, concurrency: int, threads: int, cpu: int | None) -> dict:
    argv = [
        "wrk",
        f"-t{threads}",
        f"-c{concurrency}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}",
    ]
    done = subprocess.run(argv, capture_output=True, text=True, preexec_fn=pinned(cpu), timeout=duration + 60)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            raw = json.loads(line[len("BENCH_JSON ") :])
            seconds = raw["duration_us"] / 1e6
            errors = {k: int(raw[k]) for k in ("connect", "read", "write", "status", "timeout") if raw[k]}
            return {
                "requests": int(raw["requests"]),
                "seconds": seconds,
                "rps": raw["requests"] / seconds if seconds else 0.0,
                "p50_ms": raw["p50_us"] / 1000,
                "p90_ms": raw["p90_us"] / 1000,
                "p99_ms": raw["p99_us"] / 1000,
                "mean_ms": raw["mean_us"] / 1000,
                "max_ms": raw["max_us"] / 1000,
                "bytes_per_response": raw["bytes"] / raw["requests"] if raw["requests"] else 0,
                "errors": errors,  # "status" counts non-2xx/3xx answers
            }
    raise RuntimeError(f"wrk gave no summary (exit {done.returncode}): {done.stderr.strip() or done.stdout.strip()}")


def measure_one(server: Server, script: Path, args) -> dict:
    """Warm-up (unmeasured), then the measured load; with --repeat N, the best of N rounds.

    Best-of-N filters out rounds that another process on the machine slowed down; the
    throughput of every round is kept in the result.
    """
    if args.warmup > 0:
        run_wrk(server.port, script, args.warmup, args.concurrency, args.threads, args.load_cpu)
    rounds = [
        run_wrk(server.port, script, args.duration, args.concurrency, args.threads, args.load_cpu) for _ in range(args.repeat)
    ]
    best = max(rounds, key=lambda r: r["rps"])
    if len(rounds) > 1:
        best["rounds_rps"] = [r["rps"] for r in rounds]
    return best


def print_result(label: str, kind: str, result: dict) -> None:
    flag = f"  ERRORS {result['errors']}" if result["errors"] else ""
    print(
        f"    {label:<10} {kind:<14} {result['rps']:8.1f} req/s   p50 {result['p50_ms']:7.2f} ms"
        f"   p99 {result['p99_ms']:7.2f} ms   {result['bytes_per_response']:7.0f} B/resp{flag}",
        flush=True,
    )


# -- the run -----------------------------------------------------------------------------------


def orders_path(created_after: str) -> str:
    return (
        f"/orders/v0/orders?CreatedAfter={created_after}&MarketplaceIds={MARKETPLACE}"
        f"&OrderStatuses=Unshipped,Shipped&MaxResultsPerPage=100"
    )


def items_path(order_id: str) -> str:
    return f"/orders/v0/orders/{order_id}/orderItems"


def check_and_capture(server: Server, orders: str, sample_ids: list[str]) -> dict:
    """Check both requests answer as expected; the bodies a reference app should send."""
    status, body = http_get(server.port, orders)
    if status != 200:
        raise RuntimeError(f"getOrders answered {status}: {body[:300]!r}")
    orders_body = json.loads(body)
    count = len(orders_body["payload"]["Orders"])
    if count < 100:
        print(f"    note: the getOrders page holds {count} orders, not a full page of 100", flush=True)
    item_bodies = []
    for order_id in sample_ids:
        status, body = http_get(server.port, items_path(order_id))
        if status != 200:
            raise RuntimeError(f"getOrderItems {order_id} answered {status}: {body[:300]!r}")
        item_bodies.append(body)
    # The canned getOrderItems body: the median size among the sample orders.
    median = sorted(item_bodies, key=len)[len(item_bodies) // 2]
    return {"getOrders": orders_body, "getOrderItems": json.loads(median), "orders_in_page": count}


def prepare_data(sizes: list[int], store: str) -> dict[int, tuple[Path, dict]]:
    data = {}
    for size in sizes:
        started = time.perf_counter()
        if store == "db":
            path, meta = generate.cached_db(size)
        else:
            path, meta = generate.cached(size)
        took = time.perf_counter() - started
        print(f"  {size:>7,} orders: {path}" + (f"  (built in {took:.1f} s)" if took > 1 else ""), flush=True)
        data[size] = (path, meta)
    return data


def prepare_given(directories: list[Path], store: str, workdir: Path) -> dict[int, tuple[Path, dict]]:
    """Sets the user made, keyed by how many orders the benchmark's seller has in each."""
    data = {}
    for directory in directories:
        started = time.perf_counter()
        path, meta = generate.given_set(directory, store, workdir)
        if meta["size"] in data:
            other = data[meta["size"]][1]["source"]
            raise SystemExit(f"{directory}: as many orders ({meta['size']:,}) as {other}; give sets of different sizes")
        took = time.perf_counter() - started
        print(f"  {meta['size']:>7,} orders: {directory}  (loaded in {took:.1f} s)", flush=True)
        data[meta["size"]] = (path, meta)
    return dict(sorted(data.items()))


def serve_argv(extra: list[str]) -> list[str]:
    return [sys.executable, "-m", "spapi_mock", "serve", "--port", "{port}", "--log-level", "info", *extra]


class Run:
    """State shared across sizes: the canned bodies and the reference servers, once started."""

    def __init__(self, args, workdir: Path, paths: dict) -> None:
        self.args = args
        self.workdir = workdir
        self.paths = paths
        self.canned: dict | None = None
        self.references: dict[str, Server] = {}
        self.reference_info: dict[str, dict] = {}
        self.failed: list[dict] = []

    def start_references(self, canned: dict) -> None:
        """Both reference apps, started once and left idle between their measurements."""
        self.canned = canned
        canned_file = self.workdir / "canned.json"
        canned_file.write_text(json.dumps(canned), encoding="utf-8")
        for name in REFERENCES:
            argv = [sys.executable, str(BENCH / "reference_apps.py"), name, "--port", "{port}", "--canned", str(canned_file)]
            server = Server(f"reference-{name}", argv, self.workdir, self.args.server_cpu)
            server.start()
            try:
                startup = server.wait_ready(self.paths["getOrders_probe"], self.args.startup_timeout)
            except RuntimeError as exc:
                server.stop()
                print(f"    reference {name} FAILED: {exc}", flush=True)
                self.failed.append({"reference": name, "error": str(exc)})
                continue
            print(f"    reference {name} started in {startup:.2f} s", flush=True)
            self.references[name] = server
            self.reference_info[name] = {"startup_s": startup}

    def stop_references(self) -> None:
        for name, server in self.references.items():
            try:
                self.reference_info[name]["memory"] = server.memory()
            except OSError:
                pass
            server.stop()

    def size(self, size: int, data: tuple[Path, dict]) -> dict:
        """One store size: our server, then per request kind ours and each reference in turn."""
        args, workdir = self.args, self.workdir
        source, meta = data
        if args.store == "db":
            served = workdir / f"store-{size}.json"
            shutil.copyfile(source, served)  # the server may write; the cached file stays clean
            extra = ["--db", str(served)]
        else:
            served = None
            extra = ["--fixtures", str(source)]
        server = Server(f"spapi-mock-{size}", serve_argv(extra), workdir, args.server_cpu)
        print(f"\n{size:,} orders ({args.store}):", flush=True)
        server.start()
        try:
            startup = server.wait_ready(self.paths["getOrders_probe"], args.startup_timeout)
            print(f"    spapi-mock started in {startup:.2f} s", flush=True)
            captured = check_and_capture(server, self.paths["getOrders_probe"], meta["sample_order_ids"])
            if self.canned is None and not args.no_references:
                self.start_references({k: captured[k] for k in KINDS})
            scripts = {
                "getOrderItems": write_wrk_script(
                    workdir / f"items-{size}.lua", [items_path(i) for i in meta["sample_order_ids"]]
                ),
                "getOrders": self.paths["getOrders_script"],
            }
            ours: dict = {}
            refs: dict = {name: {} for name in self.references}
            for kind in KINDS:
                ours[kind] = measure_one(server, scripts[kind], args)
                print_result("spapi-mock", kind, ours[kind])
                # Right after ours, on the same paths: the ratios compare like with like in time.
                for name, ref in self.references.items():
                    refs[name][kind] = measure_one(ref, scripts[kind], args)
                    print_result(name, kind, refs[name][kind])
            memory = server.memory()
            print(
                f"    spapi-mock RSS after the load: {memory['rss_mib']:.0f} MiB (peak {memory['peak_rss_mib']:.0f} MiB)",
                flush=True,
            )
        finally:
            server.stop()
            if served is not None:
                served.unlink(missing_ok=True)
        return {
            "size": size,
            "startup_s": startup,
            "memory": memory,
            "orders_in_page": captured["orders_in_page"],
            **ours,
            "references": refs,
        }


def default_startup(workdir: Path, probe: str, args) -> dict:
    """``serve`` with the built-in fixtures (no --fixtures), started ``--startup-runs`` times."""
    print(f"\nstart-up on the built-in fixtures ({args.startup_runs} runs):", flush=True)
    times, banner = [], ""
    for n in range(args.startup_runs):
        server = Server(f"spapi-mock-default-{n}", serve_argv([]), workdir, args.server_cpu)
        server.start()
        try:
            times.append(server.wait_ready(probe, args.startup_timeout))
        except RuntimeError as exc:
            print(f"    did not start: {exc}", flush=True)
            return {"error": str(exc)}
        finally:
            server.stop()
        log_lines = server.log_path.read_text(errors="replace").splitlines()
        banner = next((line for line in log_lines if line.startswith("spapi-mock")), banner)
    median = statistics.median(times)
    print(f"    {', '.join(f'{t:.2f}' for t in times)} s; median {median:.2f} s   ({banner})", flush=True)
    return {"runs_s": times, "median_s": median, "banner": banner}


# -- report ------------------------------------------------------------------------------------


def ratio(ours: float, ref: float | None) -> float | None:
    return ours / ref if ref else None


def fmt_ratio(value: float | None) -> str:
    return f"{value:.2f}x" if value is not None else "-"


def ref_rps(run: dict, name: str, kind: str) -> float | None:
    return run.get("references", {}).get(name, {}).get(kind, {}).get("rps")


def all_results(ours: list[dict]):
    """(size, server label, request kind, result) of every measurement."""
    for run in ours:
        for kind in KINDS:
            yield run["size"], "spapi-mock", kind, run[kind]
            for name, results in run.get("references", {}).items():
                if kind in results:
                    yield run["size"], name, kind, results[kind]


def report(report_data: dict) -> None:
    ours = report_data["ours"]
    print("\n" + "=" * 118)
    print(
        f"spapi-mock benchmark: {report_data['duration']:.0f} s per measurement (best of {report_data['repeat']}) "
        f"after {report_data['warmup']:.0f} s warm-up, "
        f"concurrency {report_data['concurrency']}, wrk -t{report_data['wrk_threads']}, {report_data['pinning']}"
    )
    print("=" * 118)
    header = (
        f"{'orders':>8}  {'request':<14} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>8}  "
        f"{'Connexion':>9} {'ratio':>6}  {'Starlette':>9} {'ratio':>6}  errors"
    )
    print(header)
    print("-" * len(header))
    for run in ours:
        for kind in KINDS:
            r = run[kind]
            cx, st = ref_rps(run, "connexion", kind), ref_rps(run, "starlette", kind)
            print(
                f"{run['size']:>8,}  {kind:<14} {r['rps']:8.1f} {r['p50_ms']:7.2f} {r['p99_ms']:8.2f}  "
                f"{cx or 0:9.1f} {fmt_ratio(ratio(r['rps'], cx)):>6}  {st or 0:9.1f} {fmt_ratio(ratio(r['rps'], st)):>6}  "
                f"{r['errors'] or ''}"
            )
    if any(run.get("references") for run in ours):
        print("\nreference latency, measured right after ours (p50 / p99 ms):")
        for run in ours:
            for kind in KINDS:
                cells = []
                for name in REFERENCES:
                    r = run["references"].get(name, {}).get(kind)
                    if r:
                        cells.append(f"{name} {r['p50_ms']:6.2f} / {r['p99_ms']:6.2f}")
                print(f"{run['size']:>8,}  {kind:<14} " + "    ".join(cells))

    print(f"\n{'server':>10}  {'start-up s':>10} {'RSS MiB':>8} {'peak MiB':>9}")
    for run in ours:
        m = run["memory"]
        print(f"{run['size']:>10,}  {run['startup_s']:10.2f} {m['rss_mib']:8.0f} {m['peak_rss_mib']:9.0f}")
    for name, info in report_data["references"].items():
        m = info.get("memory") or {}
        print(f"{name:>10}  {info['startup_s']:10.2f} {m.get('rss_mib') or 0:8.0f} {m.get('peak_rss_mib') or 0:9.0f}")
    default = report_data.get("default_startup") or {}
    if "median_s" in default:
        print(f"{'built-in':>10}  {default['median_s']:10.2f}   (median of {len(default['runs_s'])}; {default['banner']})")

    print("\ntargets:")
    verdicts = []
    for run in ours:
        for kind in KINDS:
            value = ratio(run[kind]["rps"], ref_rps(run, "connexion", kind))
            what = f"throughput >= {TARGET_RATIO_TO_CONNEXION} x bare Connexion, {run['size']:,} orders, {kind}"
            if value is None:
                verdicts.append(("n/a", f"{what}: not measured"))
            else:
                verdicts.append(("PASS" if value >= TARGET_RATIO_TO_CONNEXION else "MISS", f"{what}: {value:.2f}x"))
    if len(ours) >= 2:
        small, large = ours[0], ours[-1]
        growth = large["getOrders"]["p50_ms"] / small["getOrders"]["p50_ms"]
        note = "" if (small["size"], large["size"]) == (1000, 100000) else "  (sizes differ from the target's 1k/100k)"
        verdicts.append(
            (
                "PASS" if growth <= TARGET_P50_GROWTH else "MISS",
                f"getOrders p50 at {large['size']:,} <= {TARGET_P50_GROWTH} x p50 at {small['size']:,}: "
                f"{large['getOrders']['p50_ms']:.2f} / {small['getOrders']['p50_ms']:.2f} ms = {growth:.2f}x{note}",
            )
        )
    else:
        verdicts.append(("n/a", "getOrders p50 growth: needs two sizes"))
    if "median_s" in default:
        ok = default["median_s"] < TARGET_STARTUP_S
        verdicts.append(
            ("PASS" if ok else "MISS", f"start-up on the built-in fixtures < {TARGET_STARTUP_S} s: {default['median_s']:.2f} s")
        )
    elif default:
        verdicts.append(("n/a", f"start-up on the built-in fixtures: server did not start ({default.get('error', '')[:160]})"))
    for failure in report_data.get("failed", []):
        what = f"{failure['size']:,} orders" if "size" in failure else f"reference {failure['reference']}"
        verdicts.append(("n/a", f"{what}: not measured, the server failed ({failure['error'][:160]})"))
    for verdict, text in verdicts:
        print(f"  {verdict:<4}  {text}")
    if len(ours) >= 2:
        small, large = ours[0], ours[-1]
        growth = ", ".join(f"{kind} {large[kind]['p99_ms'] / small[kind]['p99_ms']:.1f}x" for kind in KINDS)
        print(f"\nnot a target, for the record: p99 at {large['size']:,} / p99 at {small['size']:,} orders: {growth}")
    stalls = [
        f"{label} {size:,} {kind} (p99 {r['p99_ms']:.0f} ms, p50 {r['p50_ms']:.0f} ms)"
        for size, label, kind, r in all_results(ours)
        if r["p99_ms"] > STALL_FACTOR * r["p50_ms"]
    ]
    if stalls:
        print(
            f"\nwarning: p99 above {STALL_FACTOR}x p50 (stalls of the server: its own GC pauses, or another process on this "
            f"machine) in: {'; '.join(stalls)}. If a reference app stalled too, the machine was busy: run again (or --repeat 2)."
        )
    errors = [(run["size"], kind) for run in ours for kind in KINDS if run[kind]["errors"]]
    if errors:
        print(f"\nwarning: wrk saw errors or non-2xx answers in {errors}: those figures are not valid")
    report_data["verdicts"] = [{"verdict": v, "target": t} for v, t in verdicts]


# -- main --------------------------------------------------------------------------------------


def require_tools() -> None:
    if shutil.which("wrk") is None:
        print(
            "bench/run.py needs the load generator wrk (Debian/Ubuntu package 'wrk'):\n"
            "    apt-get update && apt-get install -y wrk        (as root, or with sudo)\n"
            "    brew install wrk                                (macOS)",
            file=sys.stderr,
        )
        sys.exit(2)
    import importlib.util

    # Only looked up, not imported: the servers import them, in their own processes.
    missing = [m for m in ("spapi_mock", "uvicorn", "starlette", "connexion") if importlib.util.find_spec(m) is None]
    if missing:
        print(
            f"bench/run.py: cannot import {', '.join(missing)} with {sys.executable}\n"
            f"    install the project with its bench extra:  pip install -e '.[bench]'",
            file=sys.stderr,
        )
        sys.exit(2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark spapi-mock against bare Connexion and Starlette.")
    parser.add_argument("--sizes", default="1000,10000,100000", help="store sizes, comma-separated (default: 1000,10000,100000)")
    parser.add_argument(
        "--fixtures",
        type=Path,
        action="append",
        metavar="DIR",
        help="benchmark this fixture set instead of the built ones, e.g. the output of 'spapi-mock fixtures generate' "
        "(repeat for several sets; replaces --sizes)",
    )
    parser.add_argument("--duration", type=float, default=10, help="seconds of load per measurement (default: 10)")
    parser.add_argument(
        "--warmup", type=float, default=2, help="seconds of unmeasured load before each measurement (default: 2; 0 = none)"
    )
    parser.add_argument("--concurrency", type=int, default=16, help="open connections (default: 16)")
    parser.add_argument(
        "--repeat", type=int, default=1, help="measured rounds per server and request, the best kept (default: 1)"
    )
    parser.add_argument(
        "--store",
        choices=("db", "fixtures"),
        default="db",
        help="serve each set from a TinyDB file (--db, default) or its fixture directory "
        "(--fixtures: start-up then includes checking every record)",
    )
    parser.add_argument("--no-pin", action="store_true", help="do not pin the servers to CPU 0 and wrk to CPU 1")
    parser.add_argument("--threads", type=int, help="wrk threads (default: 1 when pinned, else 2)")
    parser.add_argument("--startup-runs", type=int, default=3, help="start-ups on the built-in fixtures (default: 3; 0 = none)")
    parser.add_argument("--startup-timeout", type=float, default=300, help="seconds a server may take to answer (default: 300)")
    parser.add_argument("--no-references", action="store_true", help="skip the two reference apps")
    parser.add_argument(
        "--workdir", type=Path, default=Path("/tmp/bench-spapi-mock"), help="scratch directory: logs, wrk scripts, store copies"
    )
    parser.add_argument("--out", type=Path, help="results JSON (default: bench/results/run-TIMESTAMP.json)")
    args = parser.parse_args(argv)

    require_tools()
    for directory in args.fixtures or []:
        if not directory.is_dir():
            parser.error(f"--fixtures {directory}: not a directory")
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if not args.no_pin and len(cpus) >= 2:
        args.server_cpu, args.load_cpu = cpus[0], cpus[1]
        pinning = f"servers pinned to CPU {cpus[0]}, wrk to CPU {cpus[1]}"
    else:
        args.server_cpu = args.load_cpu = None
        pinning = "no CPU pinning"
    if args.threads is None:
        args.threads = 1 if args.server_cpu is not None else 2
    args.threads = max(1, min(args.threads, args.concurrency))
    args.repeat = max(1, args.repeat)
    args.workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    print(f"data sets ({args.store}):", flush=True)
    if args.fixtures:
        data = prepare_given(args.fixtures, args.store, args.workdir)
    else:
        data = prepare_data([int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()], args.store)
    sizes = list(data)

    created_after = (datetime.now(UTC) - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    probe = orders_path(created_after)
    paths = {"getOrders_probe": probe, "getOrders_script": write_wrk_script(args.workdir / "orders.lua", [probe])}

    run = Run(args, args.workdir, paths)
    ours = []
    try:
        for size in sizes:
            try:
                ours.append(run.size(size, data[size]))
            except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
                print(f"    FAILED: {exc}", flush=True)
                run.failed.append({"size": size, "error": str(exc)})
    finally:
        run.stop_references()

    default = default_startup(args.workdir, probe, args) if args.startup_runs > 0 else {}

    report_data = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "host": {"python": platform.python_version(), "cpus": os.cpu_count(), "machine": platform.machine()},
        "duration": args.duration,
        "warmup": args.warmup,
        "repeat": args.repeat,
        "concurrency": args.concurrency,
        "wrk_threads": args.threads,
        "pinning": pinning,
        "store": args.store,
        "fixtures": [str(directory) for directory in args.fixtures or []],
        "created_after": created_after,
        "ours": ours,
        "references": run.reference_info,
        "failed": run.failed,
        "default_startup": default,
    }
    report(report_data)
    out = args.out or RESULTS / f"run-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report_data, indent=1), encoding="utf-8")
    print(f"\nresults: {out}   (total {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
