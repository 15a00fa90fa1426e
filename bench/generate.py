"""The benchmark's order sets: spapi-mock's own fixture generator, cached per size and seed.

    python bench/generate.py 100000 [--out DIR] [--seed N] [--db]

Each set is what ``spapi-mock fixtures generate --orders SIZE --seed N`` writes (module
``spapi_mock.fixture_generator``; its docstring says what the orders look like): a directory of
JSON fixture files, 10,000 orders a file, one seller (the mock's default), dates relative to the
loader's clock (``now-12d3h4m5s``), so a cached set is as fresh on any later day as the day it
was made. Beside it, a meta file (size, seed, this file's version and a fixed list of sample
order ids for getOrderItems): ``DIR.meta.json`` with ``--out DIR``, else
``bench/results/data/orders-SIZE-seedN-vV/{fixtures/,meta.json}``. The same (size, seed) always
gives the same files, byte for byte, with the same Faker version.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import UTC
from pathlib import Path

# Bump when the generated data changes shape (here or in spapi_mock.fixture_generator), so
# cached sets are rebuilt.
GENERATOR_VERSION = 2
DEFAULT_SEED = 20240615
SAMPLE_IDS = 200

DEFAULT_CACHE = Path(__file__).resolve().parent / "results" / "data"


def generate(size: int, out_dir: Path, seed: int = DEFAULT_SEED) -> dict:
    """Write the set of ``size`` orders to ``out_dir`` (replacing its fixture files); its meta."""
    # Imported here: run.py imports this module before it checks that spapi_mock is installed.
    from spapi_mock.marketplace.fixtures import DEFAULT_SELLER_ID
    from spapi_mock.tools.fixture_generator import generate_fixture_set

    generated = generate_fixture_set(out_dir, size, seed=seed, force=True)
    sample = sampled(generated.order_ids, f"{seed}:{size}:sample")
    return {"version": GENERATOR_VERSION, "size": size, "seed": seed, "seller": DEFAULT_SELLER_ID, "sample_order_ids": sample}


def sampled(order_ids: list[str], key: str) -> list[str]:
    """SAMPLE_IDS of the ids, the same ones for the same key, in the ids' order."""
    pick = random.Random(key)
    return [order_ids[i] for i in sorted(pick.sample(range(len(order_ids)), min(SAMPLE_IDS, len(order_ids))))]


def write_meta(meta: dict, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    tmp.replace(path)


def cached(size: int, cache: Path = DEFAULT_CACHE, seed: int = DEFAULT_SEED) -> tuple[Path, dict]:
    """The set's fixture directory and its meta, generated unless an identical one is cached.

    ``meta.json`` is not a fixture file (the loader reads ``*.json``), so the fixture files go
    to ``fixtures/`` inside the set's directory.
    """
    root = cache / f"orders-{size}-seed{seed}-v{GENERATOR_VERSION}"
    meta_path = root / "meta.json"
    if meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("version") == GENERATOR_VERSION and meta.get("size") == size and meta.get("seed") == seed:
            return root / "fixtures", meta
    if meta_path.exists():
        meta_path.unlink()
    meta = generate(size, root / "fixtures", seed)
    write_meta(meta, meta_path)  # last: its presence marks a complete set
    return root / "fixtures", meta


def cached_db(size: int, cache: Path = DEFAULT_CACHE, seed: int = DEFAULT_SEED) -> tuple[Path, dict]:
    """A TinyDB JSON file (for ``serve --db``) holding the set, and the set's meta.

    Built with spapi-mock's own loader and store, so the documents are exactly what
    ``serve --fixtures`` would hold (due dates of Amazon's automatic cancellation included, as
    the server sets them at load: without them ``serve --db`` would rewrite the whole file at
    start-up), but with the relative dates resolved when the file is built; the file is
    therefore kept for one UTC day only (``store-fFORMAT-YYYYMMDD.json``, rebuilt when the
    store file's format changes).
    """
    from datetime import datetime

    from spapi_mock.store.file import FORMAT

    fixtures_dir, meta = cached(size, cache, seed)
    db_path = fixtures_dir.parent / f"store-f{FORMAT}-{datetime.now(UTC):%Y%m%d}.json"
    if db_path.exists():
        return db_path, meta
    for old in fixtures_dir.parent.glob("store-*.json"):
        old.unlink()
    build_db(loaded(fixtures_dir), db_path)
    return db_path, meta


def loaded(fixtures_dir: Path) -> list[dict]:
    """The set's store documents as ``serve --fixtures`` holds them, due dates included."""
    from datetime import datetime

    from spapi_mock.domain import lifecycle
    from spapi_mock.domain.policy import Policy
    from spapi_mock.marketplace import fixtures as loader

    return [lifecycle.refresh_due(doc, Policy()) for doc in loader.load_fixture_dir(fixtures_dir, datetime.now(UTC))]


def build_db(docs: list[dict], db_path: Path) -> None:
    """A store file for ``serve --db`` holding ``docs`` as a server leaves it (compacted, the
    due-date terms noted), written whole or not at all."""
    from spapi_mock.domain import lifecycle
    from spapi_mock.domain.policy import Policy
    from spapi_mock.marketplace.backend import DUE_TERMS_META
    from spapi_mock.store.database import Store

    tmp = db_path.with_name(db_path.name + ".building")
    if tmp.exists():
        tmp.unlink()
    store = Store(str(tmp))
    store.replace_all(docs, meta={DUE_TERMS_META: lifecycle.due_terms(Policy())})
    store.close()
    Store(str(tmp)).close()  # opening compacts the one long change into a snapshot; closing waits for it
    tmp.replace(db_path)
    tmp.with_name(tmp.name + ".lock").unlink()


def given_set(fixtures_dir: Path, store: str, workdir: Path, seed: int = DEFAULT_SEED) -> tuple[Path, dict]:
    """A fixture directory the user made (``spapi-mock fixtures generate``, or by hand), ready to serve.

    The benchmark's token acts for the default seller, so its orders are the ones measured and
    sampled; with ``store="db"`` the TinyDB file is built in ``workdir``, never beside the set.
    """
    from spapi_mock.marketplace.fixtures import DEFAULT_SELLER_ID

    docs = loaded(fixtures_dir)
    order_ids = sorted(doc["order"]["AmazonOrderId"] for doc in docs if doc["seller_id"] == DEFAULT_SELLER_ID)
    if not order_ids:
        raise SystemExit(f"{fixtures_dir}: no orders of the default seller {DEFAULT_SELLER_ID}, whose token the benchmark uses")
    sample = sampled(order_ids, f"{seed}:{fixtures_dir.name}:sample")
    meta = {"size": len(order_ids), "source": str(fixtures_dir), "seller": DEFAULT_SELLER_ID, "sample_order_ids": sample}
    if store == "fixtures":
        return fixtures_dir, meta
    workdir.mkdir(parents=True, exist_ok=True)
    db_path = workdir / f"given-{fixtures_dir.name}.json"
    build_db(docs, db_path)
    return db_path, meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", type=int)
    parser.add_argument("--out", type=Path, help="fixture directory to write (default: the benchmark's cache)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--db", action="store_true", help="also build (or reuse) today's TinyDB file for serve --db, and print its path"
    )
    args = parser.parse_args(argv)
    if args.db:
        print(cached_db(args.size, seed=args.seed)[0])
    elif args.out:
        meta = generate(args.size, args.out, args.seed)
        write_meta(meta, args.out.with_name(args.out.name + ".meta.json"))
        print(args.out)
    else:
        directory, _ = cached(args.size, seed=args.seed)
        print(directory)
    return 0


if __name__ == "__main__":
    sys.exit(main())
