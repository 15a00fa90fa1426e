"""What one change costs in a ``--db`` store of 1k, 10k and 100k orders, and what opening it costs.

    python bench/store_write.py                       # 1k, 10k, 100k; 200 writes each
    python bench/store_write.py --sizes 1000 --writes 50

Each size is the benchmark's own order set (``bench/generate.py``, cached), built into a store
file by the mock's own store. The file is copied into a temporary directory, then:

- **open**: ``Store(FILE)`` as ``serve --db FILE`` opens it (read, replay, indexes);
- **write**: ``--writes`` one-order changes, each a different order whose ``LastUpdateDate``
  moves, each ``put`` timed on its own (it returns once the change is on disk): p50, p99, max;
- **reopen**: the store closed and opened again on the file those writes left, with their
  changes to read back.

It prints one line per size and never fails on a figure. Issue 14's target: a one-order change
in a 100k store under 20 ms p50, and opening it no slower than before.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402  (bench/ is not a package)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def measure(size: int, writes: int, cache: Path = generate.DEFAULT_CACHE) -> dict:
    from spapi_mock.store.database import Store

    source, _ = generate.cached_db(size, cache)
    with tempfile.TemporaryDirectory(prefix="spapi-mock-store-bench-") as tmp:
        path = Path(tmp) / "store.json"
        shutil.copyfile(source, path)
        started = time.perf_counter()
        store = Store(str(path))
        opened = time.perf_counter() - started
        docs = store.orders.docs()
        picked = random.Random(size).sample(docs, min(writes, len(docs)))
        latencies = []
        for n, doc in enumerate(picked):
            changed = {**doc, "order": {**doc["order"], "LastUpdateDate": f"2026-01-01T00:00:{n % 60:02d}Z"}}
            started = time.perf_counter()
            store.put(changed)
            latencies.append((time.perf_counter() - started) * 1000)
        store.close()
        file_mb = sum(p.stat().st_size for p in Path(tmp).iterdir() if p.name.startswith("store.json")) / 1e6
        started = time.perf_counter()
        again = Store(str(path))
        reopened = time.perf_counter() - started
        assert again.orders.count() == store.orders.count(), "the reopened store lost orders"
        again.close()
    return {
        "size": size,
        "file_mb": file_mb,
        "open_s": opened,
        "writes": len(latencies),
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 0.99),
        "max_ms": max(latencies),
        "reopen_s": reopened,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated order counts")
    parser.add_argument("--writes", type=int, default=200, help="one-order changes timed per size")
    parser.add_argument("--cache", type=Path, default=generate.DEFAULT_CACHE, help="where the order sets are cached")
    args = parser.parse_args(argv)
    print(f"{'orders':>8} {'file MB':>8} {'open s':>7} {'writes':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'reopen s':>8}")
    for size in (int(s) for s in args.sizes.split(",")):
        r = measure(size, args.writes, args.cache)
        print(
            f"{r['size']:>8} {r['file_mb']:>8.1f} {r['open_s']:>7.2f} {r['writes']:>6} "
            f"{r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['max_ms']:>8.2f} {r['reopen_s']:>8.2f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
