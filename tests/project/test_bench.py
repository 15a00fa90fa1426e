"""The benchmark runs on a set made by ``spapi-mock fixtures generate``, as bench/README.md says.

Only that it runs and measures is checked here, never how fast: figures are for bench/run.py to
print. It needs the load generator wrk (Debian's package, which .ci/run installs); without it the
test is skipped, except in CI.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import PROJECT_ROOT as ROOT
from support.tools import tool_missing


@pytest.fixture
def wrk():
    if shutil.which("wrk") is None:
        tool_missing("wrk is not installed (apt-get install wrk)")


def test_the_benchmark_measures_a_generated_set(wrk, tmp_path):
    spapi_mock = Path(sys.executable).parent / "spapi-mock"
    generated = tmp_path / "generated"
    subprocess.run(
        [str(spapi_mock), "fixtures", "generate", "--orders", "600", "--sellers", "2", "--seed", "7", "--out", str(generated)],
        check=True,
        capture_output=True,
    )
    out = tmp_path / "results.json"
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--fixtures", str(generated), "--duration", "1", "--warmup", "0"]
        + ["--startup-runs", "0", "--no-references", "--workdir", str(tmp_path / "work"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["fixtures"] == [str(generated)] and not results["failed"], results
    (measured,) = results["ours"]
    # The default seller's share of the two sellers' orders: the benchmark's token acts for it.
    assert 200 < measured["size"] < 600, measured["size"]
    assert measured["orders_in_page"] > 0
    for kind in ("getOrderItems", "getOrders"):
        assert measured[kind]["requests"] > 0 and measured[kind]["errors"] == {}, measured[kind]
    assert "getOrders" in run.stdout and "req/s" in run.stdout, run.stdout


def test_a_set_without_the_benchmarks_seller_is_refused_by_name(wrk, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "orders.json").write_text(json.dumps({"seller": "A2SOMEONEELSE", "orders": []}), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--fixtures", str(other), "--workdir", str(tmp_path / "work")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode != 0 and "no orders of the default seller" in run.stderr, run.stdout + run.stderr


def test_the_store_benchmark_times_writes_and_opening(tmp_path):
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "store_write.py"), "--sizes", "300", "--writes", "20", "--cache", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    header, row = run.stdout.splitlines()[-2:]
    assert header.split()[:3] == ["orders", "file", "MB"]
    figures = dict(
        zip(["orders", "file_mb", "open_s", "writes", "p50_ms", "p99_ms", "max_ms", "reopen_s"], row.split(), strict=True)
    )
    assert figures["orders"] == "300" and figures["writes"] == "20" and float(figures["p50_ms"]) > 0, row


def test_the_documents_benchmark_reports_the_servers_memory(tmp_path):
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "feed_documents.py"), "--feeds", "2", "--mb", "0.5"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 feeds DONE" in run.stdout and run.stdout.count("RSS") == 4, run.stdout


def test_the_prism_comparison_measures_every_operation_of_issue_26(wrk, tmp_path):
    """Ours alone (Prism needs npm and Amazon's models): every operation measured, none refused."""
    out = tmp_path / "versus.json"
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "versus_prism.py"), "--operations-only", "--without-prism"]
        + ["--rounds", "1", "--duration", "1", "--warmup", "0", "--out", str(out), "--workdir", str(tmp_path / "work")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    ours = json.loads(out.read_text(encoding="utf-8"))["versus"]["spapi-mock"]
    named = {"getOrderItems", "getOrder", "getOrders", "getOrderBuyerInfo", "getOrderAddress", "searchOrders"}
    named |= {"getOrder@2026-01-01", "getFeeds", "getFeed", "getReports", "getReport", "createFeedDocument"}
    assert set(ours) == named, sorted(ours)
    for name, figures in ours.items():
        assert figures["rps"] > 0 and not figures["errors"], (name, figures)
    table = run.stdout[run.stdout.index("operation") :]
    assert all(name in table for name in named) and "req/s" in run.stdout, run.stdout


def test_the_load_paths_benchmark_measures_every_path_of_a_generated_set(tmp_path):
    spapi_mock = Path(sys.executable).parent / "spapi-mock"
    generated = tmp_path / "generated"
    subprocess.run(
        [str(spapi_mock), "fixtures", "generate", "--orders", "300", "--seed", "7", "--out", str(generated)],
        check=True,
        capture_output=True,
    )
    out = tmp_path / "results.json"
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load_paths.py"), "--fixtures", str(generated), "--requests", "5"]
        + ["--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads(out.read_text(encoding="utf-8"))
    paths = results["paths"]
    assert set(paths) == {"fixtures, first time", "fixtures, again", "--db, first time", "--db, again", "built-in fixtures"}
    for figures in paths.values():
        assert figures["startup_s"] > 0 and figures["rss_mib"] > 0 and figures["peak_rss_mib"] >= figures["rss_mib"] * 0.9
    for kind in ("no status filter", "Unshipped,Shipped"):
        assert results["pages"][f"ratio {kind}"] > 0
    assert "ratio" in run.stdout and "RSS" in run.stdout, run.stdout


def test_the_cpu_benchmark_times_every_operation_in_process():
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "request_cpu.py"), "--requests", "3"], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout + run.stderr
    figures = json.loads(run.stdout.splitlines()[-1])["us_cpu_per_request"]
    assert {"getOrder", "getOrders", "searchOrders", "getFeeds", "createFeedDocument"} <= set(figures), figures
    assert all(value > 0 for value in figures.values()), figures
