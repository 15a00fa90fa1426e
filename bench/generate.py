"""Deterministic order sets for the benchmark, written as spapi-mock fixture directories.

    python bench/generate.py 100000 [--out DIR] [--seed N]

Every set is a directory of JSON fixture files (``{seller, orders: [{order, items, address,
regulated}]}``, 10,000 orders a file) and, beside it, a meta file (size, seed, generator
version and a fixed list of sample order ids for getOrderItems): ``DIR.meta.json`` with
``--out DIR``, else ``bench/results/data/orders-SIZE-seedN-vV/{fixtures/,meta.json}``.
Dates are relative (``now-12d3h4m5s``), so a
cached set is as fresh on any later day as the day it was made: the loader resolves them
against the server's clock at start-up.

The spread is meant to look like one busy seller: purchase dates uniform over the last 60
days, nine marketplaces (about half of the orders on amazon.com), every order status (recent
orders are more often Pending or Unshipped, older ones Shipped), AFN and MFN, 1-3 items each.
The same (size, seed) always gives the same files, byte for byte.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import UTC
from pathlib import Path

# Bump when the generated data changes shape, so cached sets are rebuilt.
GENERATOR_VERSION = 1
DEFAULT_SEED = 20240615
SELLER_ID = "A1MOCKSELLER00"
ORDERS_PER_FILE = 10_000
SPREAD_SECONDS = 60 * 86_400
SAMPLE_IDS = 200

DEFAULT_CACHE = Path(__file__).resolve().parent / "results" / "data"

# (marketplace id, weight, AmazonOrderId prefix, currency, country, price scale)
MARKETPLACES = [
    ("ATVPDKIKX0DER", 50, "111", "USD", "US", 1.0),
    ("A2EUQ1WTGCTBG2", 8, "701", "CAD", "CA", 1.35),
    ("A1AM78C64UM0Y8", 4, "702", "MXN", "MX", 17.0),
    ("A1F83G8C2ARO7P", 10, "202", "GBP", "GB", 0.8),
    ("A1PA6795UKMFR9", 10, "302", "EUR", "DE", 0.92),
    ("A13V1IB3VIYZZH", 6, "402", "EUR", "FR", 0.92),
    ("APJ6JRA9NG5V4", 4, "405", "EUR", "IT", 0.92),
    ("A1RKKUPIHCS9HX", 3, "406", "EUR", "ES", 0.92),
    ("A1VC38T7YXB528", 5, "249", "JPY", "JP", 150.0),
]
ZERO_DECIMAL = {"JPY"}

# Status weights by age of the order: fresh orders are still open, old ones done.
STATUSES_FRESH = [
    ("Pending", 20),
    ("Unshipped", 45),
    ("PartiallyShipped", 5),
    ("Shipped", 20),
    ("Canceled", 6),
    ("PendingAvailability", 2),
    ("InvoiceUnconfirmed", 2),
]
STATUSES_OLD = [
    ("Unshipped", 10),
    ("PartiallyShipped", 3),
    ("Shipped", 75),
    ("Canceled", 8),
    ("Unfulfillable", 2),
    ("InvoiceUnconfirmed", 2),
]

PRODUCTS = [
    ("Stainless Steel Kettle 1.7L", 34.99),
    ("Ceramic Coffee Mug, 12 oz", 9.99),
    ("USB-C Charging Cable, 2 m", 12.49),
    ("Wireless Mouse", 24.95),
    ("Yoga Mat, Non-Slip", 29.00),
    ("LED Desk Lamp", 39.99),
    ("Paperback Notebook A5, 3-pack", 11.50),
    ("Bluetooth Speaker", 59.90),
    ("Cotton Bath Towel Set", 44.00),
    ("Glass Food Storage Containers", 27.75),
    ("Running Socks, 6 pairs", 16.99),
    ("Phone Stand, Aluminium", 14.20),
]
FIRST_NAMES = [
    "Alice",
    "Bob",
    "Carol",
    "Dave",
    "Erin",
    "Frank",
    "Grace",
    "Heidi",
    "Ivan",
    "Judy",
    "Mallory",
    "Niaj",
    "Olivia",
    "Peggy",
]
LAST_NAMES = ["Smith", "Garcia", "Müller", "Martin", "Rossi", "Tanaka", "Brown", "Dubois", "López", "Kowalski"]
CITIES = {
    "US": [("Seattle", "WA", "98101"), ("Austin", "TX", "73301"), ("Boston", "MA", "02108"), ("Denver", "CO", "80202")],
    "CA": [("Toronto", "ON", "M5H 2N2"), ("Vancouver", "BC", "V6B 1A1")],
    "MX": [("Ciudad de México", "CDMX", "06000")],
    "GB": [("London", "London", "SW1A 1AA"), ("Leeds", "West Yorkshire", "LS1 1UR")],
    "DE": [("Berlin", "Berlin", "10115"), ("München", "Bayern", "80331")],
    "FR": [("Paris", "Île-de-France", "75001"), ("Lyon", "Auvergne-Rhône-Alpes", "69001")],
    "IT": [("Roma", "RM", "00184")],
    "ES": [("Madrid", "Madrid", "28013")],
    "JP": [("Shibuya-ku", "Tokyo", "150-0002"), ("Osaka-shi", "Osaka", "530-0001")],
}


def relative(seconds_ago: int) -> str:
    """``now-3d4h5m6s`` for a point ``seconds_ago`` seconds before the loader's clock (``now+...``
    when negative: ship-by dates of fresh orders lie ahead)."""
    sign = "-" if seconds_ago >= 0 else "+"
    days, rest = divmod(abs(int(seconds_ago)), 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{v}{u}" for v, u in ((days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s")) if v]
    return f"now{sign}" + ("".join(parts) or "0s")


def _weighted(rng: random.Random, table):
    return rng.choices(table, weights=[row[1] for row in table])[0]


def _money(currency: str, amount: float) -> dict:
    text = f"{round(amount):d}" if currency in ZERO_DECIMAL else f"{amount:.2f}"
    return {"CurrencyCode": currency, "Amount": text}


def make_record(rng: random.Random, index: int) -> dict:
    market, _, prefix, currency, country, scale = _weighted(rng, MARKETPLACES)
    age = rng.randrange(180, SPREAD_SECONDS)  # no order younger than 3 minutes
    status = _weighted(rng, STATUSES_FRESH if age < 3 * 86_400 else STATUSES_OLD)[0]
    channel = "AFN" if rng.random() < 0.6 else "MFN"
    if status == "InvoiceUnconfirmed":
        channel = "MFN"
    updated_age = max(age - rng.randrange(0, min(age, 5 * 86_400)), 120)
    order_id = f"{prefix}-{rng.randrange(10**7):07d}-{index:07d}"
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    city, region, postal = rng.choice(CITIES[country])

    items = []
    total = 0.0
    for n in range(rng.choice((1, 1, 1, 2, 2, 3))):
        title, price = rng.choice(PRODUCTS)
        quantity = rng.choice((1, 1, 1, 2, 3))
        if status == "Shipped":
            shipped = quantity
        elif status == "PartiallyShipped":
            shipped = rng.randrange(0, quantity + 1) if n else 0
        else:
            shipped = 0
        line = price * scale * quantity
        total += line * 1.08
        item = {
            "ASIN": f"B0{rng.randrange(10**8):08d}",
            "SellerSKU": f"SKU-{rng.randrange(1, 5000):05d}",
            "OrderItemId": f"{index:07d}{n:02d}{rng.randrange(10**5):05d}",
            "Title": title,
            "QuantityOrdered": quantity,
            "QuantityShipped": shipped,
            "ItemPrice": _money(currency, line),
            "ItemTax": _money(currency, line * 0.08),
            "ShippingPrice": _money(currency, 0.0 if channel == "AFN" else 4.99 * scale),
            "PromotionDiscount": _money(currency, 0.0),
            "IsGift": "true" if rng.random() < 0.05 else "false",
            "ConditionId": "New",
            "ConditionSubtypeId": "New",
            "SerialNumberRequired": False,
            "IsTransparency": False,
        }
        if status in ("Unshipped", "Pending") and rng.random() < 0.02:
            item["BuyerRequestedCancel"] = {"IsBuyerRequestedCancel": "true", "BuyerCancelReason": "No longer needed"}
        items.append(item)
    if status == "PartiallyShipped" and all(i["QuantityShipped"] == 0 for i in items):
        items[0]["QuantityShipped"] = 1
        if len(items) == 1 and items[0]["QuantityOrdered"] == 1:
            items[0]["QuantityOrdered"] = 2

    order = {
        "AmazonOrderId": order_id,
        "PurchaseDate": relative(age),
        "LastUpdateDate": relative(updated_age),
        "OrderStatus": status,
        "FulfillmentChannel": channel,
        "MarketplaceId": market,
        "OrderType": "StandardOrder",
        "ShipServiceLevel": "Std DE Dom" if country == "DE" else "Std Domestic",
        "ShipmentServiceLevelCategory": "Standard",
        "PaymentMethod": "COD" if country == "JP" and rng.random() < 0.1 else "Other",
        "PaymentMethodDetails": ["Standard"],
        "OrderTotal": _money(currency, total),
        "EarliestShipDate": relative(age - 86_400),
        "LatestShipDate": relative(age - 2 * 86_400),
        "IsBusinessOrder": rng.random() < 0.05,
        "IsPrime": channel == "AFN" and rng.random() < 0.7,
        "IsPremiumOrder": False,
        "IsGlobalExpressEnabled": False,
        "IsReplacementOrder": False,
        "IsSoldByAB": False,
        "IsISPU": False,
        "IsAccessPointOrder": False,
        "HasRegulatedItems": False,
        "BuyerInfo": {"BuyerEmail": f"{first.lower()}.{index}@marketplace.amazon.com", "BuyerName": f"{first} {last}"},
        "ShippingAddress": {
            "Name": f"{first} {last}",
            "AddressLine1": f"{rng.randrange(1, 999)} Main Street",
            "City": city,
            "StateOrRegion": region,
            "PostalCode": postal,
            "CountryCode": country,
            "AddressType": "Residential",
        },
    }
    if channel == "MFN" and rng.random() < 0.5:
        order["SellerOrderId"] = f"SO-{index:08d}"
    if status == "Shipped" or age > 10 * 86_400:
        order["EarliestDeliveryDate"] = relative(age - 3 * 86_400)
        order["LatestDeliveryDate"] = relative(age - 5 * 86_400)
    return {"order": order, "items": items}


def generate(size: int, out_dir: Path, seed: int = DEFAULT_SEED) -> dict:
    """Write the set of ``size`` orders to ``out_dir`` (replacing its JSON files); its meta."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.json"):
        old.unlink()
    rng = random.Random(f"{seed}:{size}")
    records = [make_record(rng, i) for i in range(size)]
    for start in range(0, size, ORDERS_PER_FILE):
        chunk = records[start : start + ORDERS_PER_FILE]
        path = out_dir / f"orders-{start // ORDERS_PER_FILE:03d}.json"
        path.write_text(
            json.dumps({"seller": SELLER_ID, "orders": chunk}, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
        )
    pick = random.Random(f"{seed}:{size}:sample")
    sample = [records[i]["order"]["AmazonOrderId"] for i in sorted(pick.sample(range(size), min(SAMPLE_IDS, size)))]
    return {"version": GENERATOR_VERSION, "size": size, "seed": seed, "seller": SELLER_ID, "sample_order_ids": sample}


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
    ``serve --fixtures`` would hold, but with the relative dates resolved when the file is
    built; the file is therefore kept for one UTC day only (``store-YYYYMMDD.json``).
    """
    from datetime import datetime

    from spapi_mock import fixtures as loader
    from spapi_mock.store import OrderStore

    fixtures_dir, meta = cached(size, cache, seed)
    now = datetime.now(UTC)
    db_path = fixtures_dir.parent / f"store-{now:%Y%m%d}.json"
    if db_path.exists():
        return db_path, meta
    for old in fixtures_dir.parent.glob("store-*.json"):
        old.unlink()
    docs = loader.load_fixture_dir(fixtures_dir, now)
    tmp = db_path.with_name(db_path.name + ".building")
    if tmp.exists():
        tmp.unlink()
    store = OrderStore(str(tmp))
    store.replace_all(docs)
    store.close()
    tmp.replace(db_path)
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
