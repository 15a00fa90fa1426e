"""Large fixture sets of realistic orders, the same bytes for the same seed.

``generate_fixture_set(out_dir, orders=N, seed=S, sellers=K)`` writes N orders spread over K
sellers as fixture files the loader reads like any other (``{seller, orders}``, one order a
line, 10,000 orders a file) and a README.md saying how the set was made. The first seller is
the mock's default seller; the others are ``A1MOCKSELLER01``, ``A1MOCKSELLER02``... and are
served to the refresh token ``Atzr|spapi-mock|<id>``.

What a set looks like: purchase dates spread evenly over the last 60 days, written relative to
the clock at load (``now-12d3h4m5s``) so that a set never goes stale; every marketplace the mock
knows, about 40% of orders on amazon.com; AFN and MFN; every order status, recent orders more
often Pending or Unshipped and older ones Shipped; Prime, premium, business, gift, COD, pre-order
and multi-channel orders; 1 to 3 items an order (now and then more) from a catalogue of a few
hundred products per seller; prices in the marketplace's currency, tax added on top in the US
and Canada and included elsewhere (Pending orders carry them too, as the built-in set does: the
server withholds totals, prices and addresses until payment is authorized). Some Unshipped
orders carry a buyer's cancellation request (``IsBuyerRequestedCancel`` "true" and one of
Amazon's reasons); every cancelled order carries the record of who cancelled it, why and when,
so that the cancellation rate and the v2026-01-01 view can tell. About 4% of orders shipped three
or more days ago had a unit returned and refunded a day or more later (``refunds``, as the
adjustment feed records a refund), so the Finances APIs show refund events beside shipments. Seller-caused cancellations
are kept under 2% of each seller's MFN orders per marketplace in the rate's 7-day window, so no
generated account starts at risk. Open MFN orders never lie past Amazon's automatic-cancellation
deadline, so loading a set cancels nothing.

Buyers' names and addresses (street, city, region and postal code in the country's format) come
from Faker, with a locale per marketplace. Faker is slow per call, so each locale fills a pool of
names and addresses once per run, from a ``Faker`` instance seeded with ``seed_instance`` (never
the global seed), and orders combine pool entries with one seeded ``random.Random``. The bytes are
therefore the same for the same ``orders``, ``seed`` and ``sellers`` *with the same Faker
version*: Faker's data changes between releases (README.md in the set names the version used).

Where Faker has no address data for a country (Turkey, the UAE, Saudi Arabia, Egypt, Singapore)
cities come from a short list here and streets are built from the locale's surnames; buyers in
the UAE and Egypt get Faker's Arabic (ar_SA) names. Phone numbers follow each country's format
with random digits (Faker's own formats carry extensions or, for ar_AE, three digits). Product
titles are English in every marketplace.
"""

from __future__ import annotations

import json
import math
import random
import sys
import time
from bisect import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from spapi_mock import __version__
from spapi_mock.domain.marketplaces import BY_ID as MARKETPLACES
from spapi_mock.domain.marketplaces import Marketplace
from spapi_mock.domain.sellers import DEFAULT_SELLER_ID

DEFAULT_SEED = 1
DEFAULT_OUT = Path("fixtures-generated")
ORDERS_PER_FILE = 10_000
# Fixture files the loader would read: replaced with --force, refused otherwise.
FIXTURE_SUFFIXES = (".json", ".yaml", ".yml")

MINUTE, HOUR, DAY = 60, 3_600, 86_400
SPREAD = 60 * DAY
# getOrders answers only orders at least two minutes old: none is younger than three.
MIN_AGE = 3 * MINUTE
SELF_CANCEL_WINDOW = 30 * MINUTE
AUTO_CANCEL_AFTER = 7 * DAY
RATE_WINDOW = 7 * DAY
# Seller-caused cancellations allowed in the rate's window, per seller and marketplace, as a
# share of the MFN orders placed in it (Amazon's threshold is 2.5%).
MAX_RATE = 0.02

# -- marketplaces -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Country:
    """How a marketplace's buyers are made up: Faker locales, phone format, order id prefixes."""

    weight: float  # share of a seller's orders
    people: str  # Faker locale of names and companies
    address: str | None  # Faker locale of addresses; None: _CITIES and surnames
    region: str | None  # the Faker method giving StateOrRegion
    phone: str  # "#" is any digit, "%" a digit from 2 to 9
    prefixes: tuple[str, ...]  # first part of AmazonOrderId
    rate: float  # VAT / GST / sales tax
    per_usd: float  # currency units per US dollar
    family_first: bool = False  # names written family name first


_NA, _EU, _FE = ("111", "112", "113", "114"), ("402", "403", "404", "405", "406", "407", "408", "171"), ("249", "250", "503")
COUNTRIES: dict[str, _Country] = {
    "US": _Country(40, "en_US", "en_US", "state_abbr", "+1 %##-%##-####", _NA, 0.0, 1.0),
    "CA": _Country(6, "en_CA", "en_CA", "province_abbr", "+1 %##-%##-####", ("701", "702"), 0.0, 1.36),
    "MX": _Country(3, "es_MX", "es_MX", "state", "+52 %# #### ####", ("701", "702"), 0.16, 17.5),
    "BR": _Country(1.5, "pt_BR", "pt_BR", "estado_sigla", "+55 %# 9####-####", ("701", "702"), 0.17, 5.4),
    "GB": _Country(9, "en_GB", "en_GB", "county", "+44 7### ######", ("202", "203", "204", "205", "206", "026"), 0.20, 0.79),
    "DE": _Country(10, "de_DE", "de_DE", "state", "+49 1%# ########", ("302", "303", "304", "305", "306", "028"), 0.19, 0.92),
    "FR": _Country(4.5, "fr_FR", "fr_FR", "department_name", "+33 6 ## ## ## ##", _EU, 0.20, 0.92),
    "IT": _Country(4, "it_IT", "it_IT", "state_abbr", "+39 3## ### ####", _EU, 0.22, 0.92),
    "ES": _Country(4, "es_ES", "es_ES", "state_name", "+34 6## ### ###", _EU, 0.21, 0.92),
    "IE": _Country(0.4, "en_IE", None, None, "+353 8# ### ####", _EU, 0.23, 0.92),
    "NL": _Country(1.5, "nl_NL", "nl_NL", "province", "+31 6 ########", _EU, 0.21, 0.92),
    "SE": _Country(0.8, "sv_SE", "sv_SE", "state", "+46 7# ### ## ##", _EU, 0.25, 10.6),
    "PL": _Country(0.8, "pl_PL", "pl_PL", "administrative_unit", "+48 %## ### ###", _EU, 0.23, 3.95),
    "BE": _Country(0.6, "nl_BE", "nl_BE", "province", "+32 4## ## ## ##", _EU, 0.21, 0.92),
    "TR": _Country(0.5, "tr_TR", None, None, "+90 5## ### ## ##", _EU, 0.20, 33.0),
    "AE": _Country(0.6, "ar_SA", None, None, "+971 5# ### ####", _EU, 0.05, 3.67),
    "SA": _Country(0.5, "ar_SA", None, None, "+966 5# ### ####", _EU, 0.15, 3.75),
    "EG": _Country(0.3, "ar_SA", None, None, "+20 1# #### ####", _EU, 0.14, 48.0),
    "IN": _Country(2.5, "en_IN", "en_IN", "state", "+91 %#### #####", _EU, 0.18, 83.0),
    "ZA": _Country(0.3, "zu_ZA", "zu_ZA", "province", "+27 %# ### ####", _EU, 0.15, 18.3),
    "JP": _Country(6, "ja_JP", "ja_JP", "prefecture", "0%0-####-####", _FE, 0.10, 150.0, family_first=True),
    "AU": _Country(2, "en_AU", "en_AU", "state_abbr", "+61 4## ### ###", _FE, 0.10, 1.52),
    "SG": _Country(0.4, "en_GB", None, None, "+65 %### ####", _FE, 0.09, 1.35),
}
# Faker has no addresses for these countries: (city, region, postal code format or None).
_CITIES = {
    "TR": (
        ("İstanbul", "İstanbul", "34###"),
        ("Ankara", "Ankara", "06###"),
        ("İzmir", "İzmir", "35###"),
        ("Bursa", "Bursa", "16###"),
    ),
    "AE": (("Dubai", "Dubai", None), ("Abu Dhabi", "Abu Dhabi", None), ("Sharjah", "Sharjah", None), ("Ajman", "Ajman", None)),
    "SA": (
        ("Riyadh", "Riyadh Province", "1####"),
        ("Jeddah", "Makkah Province", "2####"),
        ("Dammam", "Eastern Province", "3####"),
    ),
    "EG": (("Cairo", "Cairo", "11###"), ("Giza", "Giza", "12###"), ("Alexandria", "Alexandria", "21###")),
    "SG": (("Singapore", None, "%#####"),),
    "IE": (("Dublin", "Co. Dublin", None), ("Cork", "Co. Cork", None), ("Galway", "Co. Galway", None)),
}
_STREET_WORDS = {"IE": "Street", "TR": "Sokak", "AE": "Street", "SA": "Street", "EG": "Street", "SG": "Road"}
# Canadian GST/HST by province (Amazon.ca collects it); 5% GST elsewhere.
_CA_TAX = {"ON": 0.13, "NS": 0.15, "NB": 0.15, "NL": 0.15, "PE": 0.15, "QC": 0.14975, "BC": 0.12, "MB": 0.12, "SK": 0.11}
_US_TAX = (0.0, 0.04, 0.0475, 0.06, 0.0625, 0.065, 0.07, 0.0725, 0.08, 0.0825, 0.0875, 0.09, 0.095)
# Where Amazon waits for the seller to confirm the invoice after shipping.
_INVOICE_COUNTRIES = frozenset({"MX", "BR", "IT", "ES", "IN"})
_NEXT_DAY_COUNTRIES = frozenset({"US", "GB", "DE", "JP"})
_EMAIL_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789" * 8  # indexed by a random byte
_NOT_0_OR_1 = dict(zip("0123456789", "2345678923", strict=True))
_ASIN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

# -- what happens to orders ---------------------------------------------------------------------

# Status weights by the order's age (up to the first number): fresh orders are still open, old
# ones done. Columns: _STATUSES.
_STATUSES = ("Pending", "Unshipped", "PartiallyShipped", "Shipped", "Canceled", "PendingAvailability", "InvoiceUnconfirmed")
_STATUS_BY_AGE = (
    (SELF_CANCEL_WINDOW, (40, 55, 0, 0, 4, 1, 0)),
    (DAY, (6, 70, 2, 17, 3, 1, 0)),
    (3 * DAY, (2, 28, 3, 61, 3, 1, 8)),
    (7 * DAY, (1, 5, 2, 84, 3, 1, 12)),
    (SPREAD + DAY, (0, 0, 0, 93, 3, 1, 6)),
)
# Who cancelled (weights); the seller-caused kinds count against the seller.
_CANCEL_KINDS = {"buyer": 35, "payment": 20, "answered": 30, "seller": 10, "auto": 5}
_MFN_ONLY_CANCEL_KINDS = frozenset({"answered", "seller", "auto"})
_SELLER_CANCEL_REASONS = {"NoInventory": 70, "ShippingAddressUndeliverable": 12, "PricingError": 10, "CustomerExchange": 8}
# The reasons Amazon's buyers give when they request cancellation.
BUYER_CANCEL_REASONS = (
    "No longer needed",
    "Found cheaper somewhere else",
    "Order Created By Mistake",
    "Delivery time too long",
    "Need to change shipping address",
    "Need to change payment method",
)
_ITEMS_PER_ORDER = {1: 70, 2: 19, 3: 8, 4: 2, 5: 0.6, 6: 0.4}
_QUANTITY = {1: 82, 2: 11, 3: 4, 4: 1.5, 5: 0.8, 6: 0.7}
# Standard, Expedited, SecondDay, NextDay: days to ship, days in transit, delivery window.
# Shipped orders of which about this share was later refunded in part (a returned unit), when
# they shipped at least this many seconds ago.
_SHIPPED_STATUSES = ("Shipped", "PartiallyShipped", "InvoiceUnconfirmed")
REFUND_SHARE = 0.04
REFUNDED_AFTER = 3 * DAY
# The order adjustment feed's AdjustmentReason values a return is refunded with.
_REFUND_REASONS = ("CustomerReturn", "CustomerReturn", "CustomerReturn", "DifferentItem", "GeneralAdjustment")
_SERVICE = {"Standard": (2, 3, 2), "Expedited": (1, 2, 1), "SecondDay": (1, 2, 0), "NextDay": (0.5, 1, 0)}

# -- the catalogue ------------------------------------------------------------------------------

# (brand suffix, code, title, lowest and highest US dollar price, variants)
_PRODUCTS = (
    ("Home", "KTL", "Stainless Steel Electric Kettle, {}", 24, 59, ("1.7 L", "1.0 L", "1.7 L, Glass", "1.2 L, Matte Black")),
    ("Home", "MUG", "Ceramic Coffee Mug Set of 4, {}", 18, 34, ("12 oz, White", "14 oz, Speckled Grey", "16 oz, Sage")),
    ("Home", "FPR", "French Press Coffee Maker, {}", 19, 45, ("34 oz", "21 oz", "34 oz, Copper")),
    ("Home", "KNF", "Chef Knife, High-Carbon Stainless Steel, {}", 22, 89, ('8"', '6"', '10"')),
    ("Home", "PAN", "Nonstick Frying Pan, Induction Compatible, {}", 21, 64, ('10"', '12"', "2-Piece Set")),
    ("Home", "FSC", "Glass Food Storage Containers with Lids, {}", 24, 49, ("10-Piece", "18-Piece", "24-Piece")),
    ("Home", "TWL", "Cotton Bath Towel Set, {}", 29, 69, ("6-Piece, White", "6-Piece, Navy", "4-Piece, Charcoal")),
    ("Home", "SHT", "Microfiber Bed Sheet Set, {}", 25, 55, ("Queen, Grey", "King, White", "Full, Blue")),
    ("Home", "LMP", "LED Desk Lamp with USB Charging Port, {}", 26, 49, ("Black", "White", "Silver")),
    ("Home", "DIF", "Ultrasonic Essential Oil Diffuser, {}", 17, 36, ("300 ml", "500 ml, Wood Grain")),
    ("Outdoors", "BTL", "Insulated Stainless Steel Water Bottle, {}", 18, 39, ("32 oz, Black", "24 oz, Teal", "40 oz, White")),
    ("Outdoors", "YGM", "Non-Slip Yoga Mat with Carrying Strap, {}", 19, 49, ("6 mm, Purple", "8 mm, Black", "6 mm, Blue")),
    ("Outdoors", "TNT", "Dome Tent, Waterproof, {}", 59, 189, ("2-Person", "4-Person", "6-Person")),
    ("Outdoors", "HMK", "Camping Hammock with Tree Straps, {}", 22, 45, ("Single", "Double")),
    ("Outdoors", "SCK", "Merino Wool Hiking Socks, {}", 16, 29, ("3 Pairs, M", "3 Pairs, L", "6 Pairs, M")),
    ("Outdoors", "RJK", "Kids' Waterproof Rain Jacket, Hooded, {}", 24, 42, ("Size 6, Navy", "Size 8, Yellow", "Size 10, Red")),
    ("Outdoors", "DMB", "Adjustable Dumbbell, {}", 49, 229, ("25 lb", "52.5 lb", "Pair, 25 lb")),
    ("Outdoors", "RBN", "Resistance Bands Set, {}", 12, 29, ("5 Levels", "11-Piece with Handles")),
    ("Tech", "CBL", "USB-C to USB-C Cable, 100 W, {}", 9, 19, ("1 m", "2 m", "2-Pack, 2 m")),
    ("Tech", "CHG", "GaN USB-C Wall Charger, {}", 19, 49, ("30 W", "65 W, 3 Ports", "100 W, 4 Ports")),
    ("Tech", "PWB", "Portable Power Bank, {}", 22, 59, ("10000 mAh", "20000 mAh, PD", "26800 mAh")),
    ("Tech", "MSE", "Wireless Mouse, Silent Click, {}", 12, 34, ("Black", "Grey", "Rose Gold")),
    ("Tech", "KBD", "Mechanical Keyboard, Hot-Swappable, {}", 45, 119, ("Brown Switches", "Red Switches", "75%, White")),
    ("Tech", "SPK", "Portable Bluetooth Speaker, IPX7, {}", 29, 89, ("Black", "Blue", "Olive")),
    ("Tech", "EAR", "Wireless Earbuds with Charging Case, {}", 25, 79, ("Black", "White")),
    ("Tech", "HDM", "HDMI 2.1 Cable, 8K, {}", 9, 24, ("1 m", "2 m", "3 m")),
    ("Tech", "STD", "Aluminium Phone Stand, {}", 11, 25, ("Silver", "Space Grey")),
    ("Pets", "HRN", "No-Pull Dog Harness, Reflective, {}", 19, 36, ("Small", "Medium", "Large")),
    ("Pets", "LTR", "Clumping Cat Litter, Unscented, {}", 17, 32, ("25 lb", "40 lb")),
    ("Pets", "TOY", "Interactive Dog Puzzle Toy, {}", 12, 27, ("Level 1", "Level 2", "Level 3")),
    ("Pets", "BED", "Orthopedic Pet Bed, {}", 29, 79, ("Medium, Grey", "Large, Brown", "XL, Grey")),
    ("Office", "NTB", "Dotted Notebook A5, Hardcover, {}", 9, 22, ("Black", "3-Pack", "Navy")),
    ("Office", "PEN", "Gel Pens, Fine Point 0.5 mm, {}", 8, 18, ("12-Pack, Black", "24 Colors")),
    ("Office", "PPR", "Printer Paper A4, 80 g/m², {}", 19, 45, ("500 Sheets", "2500 Sheets")),
    ("Office", "CHR", "Ergonomic Office Chair with Lumbar Support, {}", 129, 299, ("Mesh, Black", "Mesh, Grey")),
    ("Toys", "BLK", "Magnetic Building Blocks, {}", 25, 69, ("60 Pieces", "100 Pieces")),
    ("Toys", "PZL", "Jigsaw Puzzle, 1000 Pieces, {}", 14, 24, ("Mountain Lake", "City at Night", "Botanical Garden")),
    ("Toys", "WTC", "Watercolor Paint Set with Brushes, {}", 15, 32, ("24 Colors", "48 Colors")),
    ("Beauty", "SRM", "Vitamin C Face Serum, {}", 14, 32, ("30 ml", "50 ml")),
    ("Beauty", "BRS", "Electric Toothbrush Heads, {}", 12, 29, ("8-Pack", "12-Pack")),
    ("Tools", "DRL", "Cordless Drill Driver, 20 V, {}", 49, 139, ("with 2 Batteries", "Tool Only", "Kit with Case")),
    ("Tools", "SCR", "Precision Screwdriver Set, {}", 15, 39, ("64-Piece", "120-Piece")),
    ("Tools", "TAP", "Tape Measure, Magnetic Hook, {}", 9, 22, ("5 m / 16 ft", "8 m / 26 ft")),
)
_BRAND_SUFFIXES = {
    "Home": ("Home", "Kitchen", "Living", ""),
    "Outdoors": ("Outdoors", "Trail", "Active", ""),
    "Tech": ("Tech", "Labs", "Electronics", ""),
    "Pets": ("Pets", "Paws", ""),
    "Office": ("Office", "Paper Co.", ""),
    "Toys": ("Toys", "Kids", ""),
    "Beauty": ("Beauty", "Care", ""),
    "Tools": ("Tools", "Works", ""),
}
# Values every order or item of a kind shares: one object each (nothing changes them once made).
_ONE_ITEM = {"NumberOfItems": "1"}
_US_TAX_COLLECTION = {"Model": "MarketplaceFacilitator", "ResponsibleParty": "Amazon Services, Inc."}
_NO_AUTOMATED_SHIPPING = {"HasAutomatedShippingSettings": False}
_CONDITIONS = (("Used", "Very Good", "Light wear on the box; item unused."), ("Used", "Good", "Minor scuffs; fully working."))


class GeneratorError(ValueError):
    """A set that cannot be generated as asked; the message says why."""


@dataclass(frozen=True)
class GeneratedSet:
    """What ``generate_fixture_set`` wrote."""

    directory: Path
    orders: int
    sellers: tuple[str, ...]
    files: tuple[Path, ...]
    order_ids: tuple[str, ...]  # in file order
    seconds: float

    def summary(self) -> str:
        return (
            f"generated {self.orders:,} orders for {len(self.sellers)} seller(s) in {len(self.files)} file(s) "
            f"under {self.directory} ({self.seconds:.1f} s)"
        )


def seller_ids(count: int) -> list[str]:
    """The default seller, then A1MOCKSELLER01, A1MOCKSELLER02..."""
    return [DEFAULT_SELLER_ID, *(f"A1MOCKSELLER{n:02d}" for n in range(1, count))]


def relative(seconds_ago: float) -> str:
    """``now-3d4h5m6s`` for a moment ``seconds_ago`` seconds before the loader's clock (``now+...``
    when negative: ship-by dates of fresh orders lie ahead)."""
    seconds = int(seconds_ago)
    text = "now-" if seconds >= 0 else "now+"
    days, rest = divmod(abs(seconds), DAY)
    hours, rest = divmod(rest, HOUR)
    minutes, seconds = divmod(rest, MINUTE)
    if days:
        text += f"{days}d"
    if hours:
        text += f"{hours}h"
    if minutes:
        text += f"{minutes}m"
    if seconds or len(text) == 4:
        text += f"{seconds}s"
    return text


def generate_fixture_set(
    out_dir: str | Path,
    orders: int,
    seed: int = DEFAULT_SEED,
    sellers: int = 1,
    *,
    force: bool = False,
    progress: bool | None = None,
    orders_per_file: int = ORDERS_PER_FILE,
) -> GeneratedSet:
    """Write the set to ``out_dir``. ``progress``: a bar on stderr (None: only if it is a terminal).

    Refuses (GeneratorError) a bad size, or a directory that is not empty unless ``force``, which
    replaces the fixture files in it (``*.json``, ``*.yaml``, ``*.yml``) and leaves other files.
    """
    started = time.perf_counter()
    _check_sizes(orders, sellers, orders_per_file)
    out = Path(out_dir)
    _prepare(out, force)
    from tqdm import tqdm  # imported here: the command line imports this module for every command

    ids = seller_ids(sellers)
    files: list[Path] = []
    order_ids: list[str] = []
    bar = tqdm(
        total=orders, unit=" orders", desc="generating", file=sys.stderr, disable=None if progress is None else not progress
    )
    try:
        for seller_id, number, records in _Generator(orders, seed, sellers, orders_per_file).chunks(bar):
            path = out / f"orders-{seller_id}-{number:03d}.json"
            _write(path, seller_id, records)
            files.append(path)
            order_ids.extend(record["order"]["AmazonOrderId"] for record in records)
    except OSError as exc:
        raise GeneratorError(f"{out}: cannot write the fixture files: {exc.strerror or exc}") from None
    finally:
        bar.close()
    _write_readme(out, orders, seed, ids, files)
    return GeneratedSet(out, orders, tuple(ids), tuple(files), tuple(order_ids), time.perf_counter() - started)


def _check_sizes(orders: int, sellers: int, orders_per_file: int) -> None:
    if orders < 1:
        raise GeneratorError(f"--orders must be at least 1, not {orders}")
    if sellers < 1:
        raise GeneratorError(f"--sellers must be at least 1, not {sellers}")
    if sellers > orders:
        raise GeneratorError(f"--sellers ({sellers}) cannot exceed --orders ({orders}): every seller gets at least one order")
    if orders_per_file < 1:
        raise GeneratorError(f"orders per file must be at least 1, not {orders_per_file}")


def _prepare(out: Path, force: bool) -> None:
    try:
        if out.exists() and not out.is_dir():
            raise GeneratorError(f"{out} is a file, not a directory")
        out.mkdir(parents=True, exist_ok=True)
        present = sorted(out.iterdir())
        if present and not force:
            raise GeneratorError(f"{out} is not empty: choose another --out, or add --force to replace its fixture files")
        for path in present:
            if path.suffix in FIXTURE_SUFFIXES and path.is_file():
                path.unlink()
        probe = out / ".spapi-mock-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise GeneratorError(f"{out}: cannot write there: {exc.strerror or exc}") from None


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _write(path: Path, seller_id: str, records: list[dict]) -> None:
    """One order a line, so that a diff of two sets says which orders differ."""
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        out.write(f'{{"seller":{json.dumps(seller_id)},"orders":[\n')
        out.write(",\n".join(map(_encode, records)))
        out.write("\n]}\n")


def _write_readme(out: Path, orders: int, seed: int, ids: list[str], files: list[Path]) -> None:
    from faker import VERSION as FAKER_VERSION

    command = f"spapi-mock fixtures generate --orders {orders} --seed {seed}" + (f" --sellers {len(ids)}" if len(ids) > 1 else "")
    shown = ids if len(ids) <= 20 else [*ids[:20], f"... {len(ids) - 20} more, A1MOCKSELLER{len(ids) - 1:02d} the last"]
    lines = [
        "# Generated fixture set",
        "",
        f"{orders:,} orders for {len(ids)} seller(s) in {len(files)} file(s), written by spapi-mock {__version__}",
        f"with Faker {FAKER_VERSION}. The same command with the same versions writes the same bytes:",
        "",
        f"    {command}",
        "",
        "Serve it with `spapi-mock serve --fixtures DIR`. Dates are relative to the clock at load. Each seller's",
        "orders are served to the refresh token `Atzr|spapi-mock|<seller id>` (the first seller is the",
        "mock's default, which any other token acts for):",
        "",
        *(f"- {seller_id}" for seller_id in shown),
        "",
    ]
    (out / "README.md").write_text("\n".join(lines), encoding="utf-8", newline="\n")


# -- the generator ------------------------------------------------------------------------------


def _cumulative(weights) -> list[float]:
    total, out = 0.0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


class _Table:
    """Weighted choices, drawn with one random number each."""

    def __init__(self, weights: dict) -> None:
        self.values = list(weights)
        self.cumulative = _cumulative(weights.values())
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random):
        return self.values[bisect(self.cumulative, rng.random() * self.total)]


_STATUS_TABLES = [(limit, _Table(dict(zip(_STATUSES, weights, strict=True)))) for limit, weights in _STATUS_BY_AGE]
_CANCEL_TABLE = _Table(_CANCEL_KINDS)
_AFN_CANCEL_TABLE = _Table({k: v for k, v in _CANCEL_KINDS.items() if k not in _MFN_ONLY_CANCEL_KINDS})
_SELLER_REASON_TABLE = _Table(_SELLER_CANCEL_REASONS)
_ITEMS_TABLE = _Table(_ITEMS_PER_ORDER)
_QUANTITY_TABLE = _Table(_QUANTITY)


@dataclass
class _Market:
    """A marketplace as the generator uses it."""

    marketplace: Marketplace
    country: _Country
    code: str  # the country code in ShipServiceLevel names (GB is UK)
    decimals: int
    email_domain: str
    money: dict[int, dict] = field(default_factory=dict)


def _markets() -> list[_Market]:
    markets = []
    for marketplace in MARKETPLACES.values():
        country = COUNTRIES[marketplace.country]
        decimals = 0 if marketplace.currency == "JPY" else 2
        markets.append(
            _Market(
                marketplace,
                country,
                "UK" if marketplace.country == "GB" else marketplace.country,
                decimals,
                "marketplace." + marketplace.sales_channel.lower(),
            )
        )
    return markets


class _People:
    """A locale's pools of names, companies and addresses, filled once from a seeded Faker."""

    def __init__(self, country_code: str, country: _Country, size: int, seed: int) -> None:
        from faker import Faker

        people = Faker(country.people)
        people.seed_instance(f"{seed}:people:{country_code}")
        self.first = [people.first_name() for _ in range(size)]
        self.last = [people.last_name() for _ in range(size)]
        self.companies = [people.company() for _ in range(max(8, size // 8))]
        self.family_first = country.family_first
        if country.address is None:
            self.addresses = self._made_up_addresses(country_code, people, size)
            return
        places = Faker(country.address)
        places.seed_instance(f"{seed}:addresses:{country_code}")
        build = _ADDRESS_BUILDERS.get(country_code, _faker_address)
        self.addresses = [build(places, country) for _ in range(size)]

    def _made_up_addresses(self, country_code: str, faker, size: int) -> list[tuple]:
        """Streets named after the locale's surnames, in a city from _CITIES."""
        word, cities, rng = _STREET_WORDS[country_code], _CITIES[country_code], faker.random
        out = []
        for _ in range(size):
            city, region, postcode = cities[rng.randrange(len(cities))]
            street = f"{rng.randrange(1, 200)} {faker.last_name()} {word}"
            line2 = f"#{rng.randrange(1, 30):02d}-{rng.randrange(1, 200):02d}" if country_code == "SG" else None
            out.append((street, line2, city, region, faker.numerify(postcode.replace("%", "#")) if postcode else None))
        return out

    def name(self, rng: random.Random) -> str:
        first = self.first[int(rng.random() * len(self.first))]
        last = self.last[int(rng.random() * len(self.last))]
        return f"{last} {first}" if self.family_first else f"{first} {last}"


def _faker_address(faker, country: _Country) -> tuple:
    lines = faker.street_address().strip().split("\n")
    line2 = lines[1].strip() if len(lines) > 1 else None
    if line2 is None and hasattr(faker, "secondary_address") and faker.random.random() < 0.2:
        line2 = faker.secondary_address()
    region = getattr(faker, country.region)() if country.region else None
    return (lines[0].strip(), line2, faker.city(), region, faker.postcode())


def _us_address(faker, country: _Country) -> tuple:
    state = faker.state_abbr(include_territories=False, include_freely_associated_states=False)
    line1 = f"{faker.building_number()} {faker.street_name()}"
    line2 = faker.secondary_address() if faker.random.random() < 0.2 else None
    return (line1, line2, faker.city(), state, faker.zipcode_in_state(state))


def _ca_address(faker, country: _Country) -> tuple:
    province = faker.province_abbr()
    return (faker.street_address(), None, faker.city(), province, faker.postalcode_in_province(province))


def _mx_address(faker, country: _Country) -> tuple:
    street = f"{faker.street_name()} {faker.building_number().lstrip('0') or '1'}"
    return (street, None, faker.city(), faker.state(), faker.postcode()[:5])


def _br_address(faker, country: _Country) -> tuple:
    digits = faker.postcode().replace("-", "")
    street = f"{faker.street_name()}, {faker.building_number()}"
    return (street, faker.bairro(), faker.city(), faker.estado_sigla(), f"{digits[:5]}-{digits[5:8]}")


def _jp_address(faker, country: _Country) -> tuple:
    rng = faker.random
    line1 = f"{faker.town()}{rng.randrange(1, 9)}-{rng.randrange(1, 30)}-{rng.randrange(1, 20)}"
    line2 = f"{faker.building_name()} {rng.randrange(1, 12)}0{rng.randrange(1, 9)}" if rng.random() < 0.4 else None
    return (line1, line2, faker.city(), faker.prefecture(), faker.postcode())


def _it_address(faker, country: _Country) -> tuple:
    # Postal code, city and province that belong together. (Faker's it_IT city() draws from a
    # list built from a set, whose order changes with PYTHONHASHSEED: not reproducible.)
    postcode, _, rest = faker.postcode_city_province().partition(", ")
    city, _, province = rest.rpartition(" (")
    street = faker.street_address()
    return (street, None, city, province.rstrip(")"), postcode)


def _nl_address(faker, country: _Country) -> tuple:
    street, line2, city, region, postcode = _faker_address(faker, country)
    return (street, line2, city, region, postcode.replace(" ", "")[:4] + " " + postcode.replace(" ", "")[4:])


def _se_address(faker, country: _Country) -> tuple:
    street, line2, city, region, postcode = _faker_address(faker, country)
    return (street, line2, city, region, f"{postcode[:3]} {postcode[3:]}")


_ADDRESS_BUILDERS = {
    "US": _us_address,
    "CA": _ca_address,
    "MX": _mx_address,
    "BR": _br_address,
    "JP": _jp_address,
    "IT": _it_address,
    "NL": _nl_address,
    "SE": _se_address,
}


@dataclass
class _Seller:
    id: str
    name: str
    markets: list[int]  # indexes into _Generator.markets
    market_weights: list[float]
    catalogue: list[tuple]  # (sku, asin, title, usd cents)
    product_weights: list[float]
    ship_from: dict  # country → address


class _Generator:
    """One run: a plan of every order (seller, marketplace, age, channel), then the records,
    seller by seller and oldest first, in chunks of ``per_file``."""

    def __init__(self, orders: int, seed: int, sellers: int, per_file: int) -> None:
        self.orders = orders
        self.seed = seed
        self.per_file = per_file
        self.rng = random.Random(f"spapi-mock fixtures:{seed}")
        # Pools big enough that buyers rarely repeat by chance, small enough to fill quickly.
        self.pool_size = max(20, min(300, orders // 20))
        self.markets = _markets()
        self.people: dict[str, _People] = {}
        self.order_ids: set[str] = set()
        self.item_ids: set[str] = set()
        self.returning: dict[tuple[int, int], list[dict]] = {}
        self.prices: dict[tuple[int, str], int] = {}
        self.sellers = [self._seller(n, seller_id) for n, seller_id in enumerate(seller_ids(sellers))]
        self.plans, self.budget = self._plan(orders)

    # -- the plan ---------------------------------------------------------------------------

    def _seller(self, index: int, seller_id: str) -> _Seller:
        rng = self.rng
        base = [market.country.weight for market in self.markets]
        if index == 0:
            weights = base
        else:
            # Other sellers sell in fewer marketplaces, in their own proportions.
            top = max(range(len(base)), key=lambda n: base[n] * (0.5 + rng.random()))
            weights = [w * (0.3 + 1.4 * rng.random()) if n == top or rng.random() < 0.6 else 0.0 for n, w in enumerate(base)]
        people = self._people("US")
        brands = []
        for category in sorted(_BRAND_SUFFIXES):
            suffix = rng.choice(_BRAND_SUFFIXES[category])
            brands.append((category, f"{people.last[rng.randrange(len(people.last))]} {suffix}".strip()))
        catalogue = self._catalogue(dict(brands))
        name = "Mock Outfitters" if index == 0 else f"{people.last[rng.randrange(len(people.last))]} Trading"
        return _Seller(
            seller_id,
            name,
            [n for n, w in enumerate(weights) if w > 0],
            _cumulative(w for w in weights if w > 0),
            catalogue,
            _cumulative(1 / (rank + 3) for rank in range(len(catalogue))),  # a few best sellers
            {},
        )

    def _catalogue(self, brands: dict[str, str]) -> list[tuple]:
        rng = self.rng
        products, skus = [], set()
        for category, code, title, low, high, variants in _PRODUCTS:
            brand = brands[category]
            initials = "".join(word[0] for word in brand.split()).upper()[:2].ljust(2, "X")
            for n, variant in enumerate(variants):
                if rng.random() < 0.25:
                    continue
                sku = f"{initials}-{code}-{n + 1:02d}"
                while sku in skus:
                    sku += "X"
                skus.add(sku)
                asin = "B0" + "".join(rng.choices(_ASIN_CHARS, k=8))
                usd_cents = rng.randrange(low * 100, high * 100 + 1)
                products.append((sku, asin, f"{brand} {title.format(variant)}", usd_cents))
        rng.shuffle(products)
        return products

    def _plan(self, orders: int) -> tuple[list[list[tuple]], dict]:
        rng = self.rng
        sellers = self.sellers
        seller_weights = _cumulative(1 / (1 + 0.5 * n) for n in range(len(sellers)))
        plans: list[list[tuple]] = [[] for _ in sellers]
        in_window: dict[tuple[int, int], int] = {}
        for n in range(orders):
            s = n if n < len(sellers) else bisect(seller_weights, rng.random() * seller_weights[-1])
            seller = sellers[s]
            m = seller.markets[bisect(seller.market_weights, rng.random() * seller.market_weights[-1])]
            age = rng.randrange(MIN_AGE, SPREAD)
            afn = rng.random() < 0.55
            mcf = afn and rng.random() < 0.02
            plans[s].append((age, m, afn, mcf))
            if not afn and age < RATE_WINDOW:
                in_window[(s, m)] = in_window.get((s, m), 0) + 1
        for plan in plans:
            plan.sort(key=lambda entry: -entry[0])  # oldest first
        budget = {key: int(count * MAX_RATE) for key, count in in_window.items()}
        return plans, budget

    def chunks(self, bar) -> Iterator[tuple[str, int, list[dict]]]:
        """(seller id, file number, records) for each file to write."""
        for s, plan in enumerate(self.plans):
            seller = self.sellers[s]
            for number, start in enumerate(range(0, len(plan), self.per_file)):
                records = []
                for age, m, afn, mcf in plan[start : start + self.per_file]:
                    records.append(self._record(s, seller, age, m, afn, mcf))
                    if len(records) % 500 == 0:
                        bar.update(500)
                bar.update(len(records) % 500)
                yield seller.id, number, records

    # -- one order --------------------------------------------------------------------------

    def _people(self, country_code: str) -> _People:
        people = self.people.get(country_code)
        if people is None:
            people = self.people[country_code] = _People(country_code, COUNTRIES[country_code], self.pool_size, self.seed)
        return people

    def _record(self, s: int, seller: _Seller, age: int, m: int, afn: bool, mcf: bool) -> dict:
        rng = self.rng
        market = self.markets[m]
        country_code = market.marketplace.country
        mfn = not afn
        business = not mcf and rng.random() < 0.04
        lines = self._lines(seller, business)
        units = sum(quantity for _, quantity in lines)
        status = self._status(age, mfn, mcf, country_code, units)

        level, category, prime, premium = self._service(market, afn, mcf)
        days_to_ship, transit, window = _SERVICE[category]
        cod = country_code == "JP" and mfn and not business and rng.random() < 0.08
        preorder = status == "PendingAvailability"
        if preorder:
            release = -rng.randrange(DAY, 30 * DAY)
            earliest_ship, latest_ship = release, release - DAY
        else:
            earliest_ship = age
            latest_ship = age - int(days_to_ship * DAY) - rng.randrange(0, 2) * DAY * (category == "Standard")
        earliest_delivery = latest_ship - transit * DAY
        latest_delivery = earliest_delivery - window * DAY - 8 * HOUR

        cancellation = None
        request = None  # (seconds ago, reason, all items) of a buyer's cancellation request
        if status == "Canceled":
            cancellation, request = self._cancellation(s, m, age, mfn, latest_ship)
            updated = cancellation[0]
        elif status in ("Pending", "PendingAvailability"):
            updated = age
        elif status == "Unshipped":
            updated = self._later(age, 20, 15 * MINUTE) if rng.random() < 0.95 else self._later(age, HOUR, 2 * DAY)
            if mfn and age > SELF_CANCEL_WINDOW + 2 * MINUTE and rng.random() < 0.06:
                request = (
                    self._later(age, SELF_CANCEL_WINDOW + MINUTE, 2 * DAY),
                    rng.choice(BUYER_CANCEL_REASONS),
                    rng.random() < 0.6,
                )
                updated = request[0]
        elif status == "Unfulfillable":
            updated = self._later(age, 2 * HOUR, DAY)
        else:  # shipped, in part or whole
            updated = self._later(age, min(2 * HOUR, age // 3), max(age - latest_ship, HOUR))

        buyer = self._buyer(s, m, market, business)
        order: dict = {
            "AmazonOrderId": self._order_id(market),
            "PurchaseDate": relative(age),
            "LastUpdateDate": relative(updated),
            "OrderStatus": status,
            "FulfillmentChannel": "AFN" if afn else "MFN",
            "ShipServiceLevel": level,
            "PaymentMethod": "COD" if cod else "Other",
            "PaymentMethodDetails": ["COD" if cod else "Invoice" if business and rng.random() < 0.3 else "Standard"],
            "MarketplaceId": market.marketplace.id,
            "ShipmentServiceLevelCategory": category,
            "OrderType": "Preorder" if preorder else "StandardOrder",
            "EarliestShipDate": relative(earliest_ship),
            "LatestShipDate": relative(latest_ship),
            "EarliestDeliveryDate": relative(earliest_delivery),
            "LatestDeliveryDate": relative(latest_delivery),
            "IsBusinessOrder": business,
            "IsPrime": prime,
            "IsPremiumOrder": premium,
            "IsGlobalExpressEnabled": False,
            "IsReplacementOrder": False,
            "IsSoldByAB": False,
            "IsISPU": False,
            "IsAccessPointOrder": False,
        }
        order["SellerOrderId"] = f"SHOP-{rng.randrange(10_000, 99_999)}" if mcf else order["AmazonOrderId"]
        if mcf:
            order["SalesChannel"] = "Non-Amazon"
        if business and market.marketplace.region == "eu":
            order["BuyerInvoicePreference"] = "BUSINESS"
        if mfn:
            order["DefaultShipFromLocationAddress"] = self._ship_from(seller, market)
            order["AutomatedShippingSettings"] = _NO_AUTOMATED_SHIPPING
        order["ShippingAddress"] = buyer["address"]
        order["BuyerInfo"] = {"BuyerName": buyer["name"]} if mcf else {"BuyerEmail": buyer["email"], "BuyerName": buyer["name"]}
        if business:
            order["ShippingAddress"] = {**buyer["address"], "CompanyName": buyer["company"], "AddressType": "Commercial"}
            if rng.random() < 0.5:
                order["BuyerInfo"]["PurchaseOrderNumber"] = f"PO-{rng.randrange(100_000, 999_999)}"

        items, total = self._items(seller, lines, market, status, order["ShippingAddress"], mfn, prime, business, cod, request)
        if status != "Canceled":
            order["OrderTotal"] = _money(market, total)
        record: dict = {"order": order, "items": items}
        if business:
            record["address"] = {"BuyerCompanyName": buyer["company"]}
        if cancellation is not None:
            at, by, reason, counts = cancellation
            entry = {"by": by, "reason": reason, "at": relative(at)}
            if counts is not None:
                entry["counts_against_seller"] = counts
            record["cancellations"] = [entry]
        if status in _SHIPPED_STATUSES and updated > REFUNDED_AFTER and rng.random() < REFUND_SHARE:
            record["refunds"] = [self._refund(items[0], market, self._later(updated, DAY, 14 * DAY))]
        return record

    def _refund(self, item: dict, market: _Market, at: int) -> dict:
        """One unit of the first line (shipped in every shipped status) given back after a return,
        as the seller's adjustment feed refunds it: its price share (less the tax share where the
        price includes tax) and its tax share, ``at`` seconds ago (a day or more after it shipped,
        which the order's LastUpdateDate says: the Finances rules date a shipment loaded without
        packages there)."""
        quantity = item["QuantityOrdered"]

        def unit(money: dict) -> int:
            cents = int(money["Amount"].replace(".", ""))
            return cents // quantity

        tax = unit(item["ItemTax"])
        principal = unit(item["ItemPrice"]) - (tax if market.marketplace.prices_include_tax else 0)
        amounts = {"Principal": _money(market, principal)["Amount"]}
        if tax:
            amounts["Tax"] = _money(market, tax)["Amount"]
        reason = self.rng.choice(_REFUND_REASONS)
        return {"item": item["OrderItemId"], "at": relative(at), "reason": reason, "quantity": 1, "amounts": amounts}

    def _lines(self, seller: _Seller, business: bool) -> list[tuple[int, int]]:
        rng = self.rng
        weights = seller.product_weights
        chosen: dict[int, int] = {}
        for _ in range(_ITEMS_TABLE.pick(rng)):
            product = bisect(weights, rng.random() * weights[-1])
            quantity = _QUANTITY_TABLE.pick(rng) * (rng.randrange(1, 11) if business else 1)
            chosen.setdefault(product, quantity)
        return list(chosen.items())

    def _status(self, age: int, mfn: bool, mcf: bool, country_code: str, units: int) -> str:
        rng = self.rng
        table = next(table for limit, table in _STATUS_TABLES if age < limit)
        status = table.pick(rng)
        if status == "InvoiceUnconfirmed" and not (mfn and country_code in _INVOICE_COUNTRIES):
            status = "Shipped"
        if status == "PartiallyShipped" and units < 2:
            status = "Shipped" if age > DAY else "Unshipped"
        if mcf and age > 6 * HOUR and status in ("Unshipped", "Shipped") and rng.random() < 0.15:
            status = "Unfulfillable"
        return status

    def _service(self, market: _Market, afn: bool, mcf: bool) -> tuple[str, str, bool, bool]:
        """(ShipServiceLevel, ShipmentServiceLevelCategory, IsPrime, IsPremiumOrder)."""
        rng = self.rng
        country_code = market.marketplace.country
        draw = rng.random()
        if afn:
            prime = not mcf and rng.random() < 0.75
            if prime and country_code in _NEXT_DAY_COUNTRIES and draw < 0.08:
                category = "NextDay"
            elif prime and country_code == "US" and draw < 0.18:
                category = "SecondDay"
            elif draw < 0.25:
                category = "Expedited"
            else:
                category = "Standard"
            return category, category, prime, category in ("NextDay", "SecondDay")
        if country_code in _NEXT_DAY_COUNTRIES and draw < 0.04:  # Seller Fulfilled Prime
            category = "NextDay" if draw < 0.02 else "SecondDay"
            return category, category, True, True
        category = "Expedited" if draw < 0.14 else "Standard"
        style = {"na": "D2D Dom", "eu": "Dom_1"}.get(market.marketplace.region, "Dom")
        return f"{category[:3]} {market.code} {style}", category, False, False

    def _later(self, ago: int, low: float, high: float) -> int:
        """A moment between ``low`` and ``high`` seconds after the moment ``ago`` seconds ago, and
        at least a minute ago (seconds ago)."""
        high = min(high, ago - MINUTE)
        low = min(low, high)
        return int(ago - self.rng.uniform(low, high))

    def _cancellation(self, s: int, m: int, age: int, mfn: bool, latest_ship: int) -> tuple[tuple, tuple | None]:
        """((at, by, reason, counts_against_seller or None), the buyer's request or None)."""
        rng = self.rng
        while True:
            kind = (_CANCEL_TABLE if mfn else _AFN_CANCEL_TABLE).pick(rng)
            if kind == "buyer":
                return (self._later(age, MINUTE, SELF_CANCEL_WINDOW - MINUTE), "BUYER", "BuyerCanceled", None), None
            if kind == "payment":
                return (self._later(age, HOUR, 5 * DAY), "AMAZON", "PaymentNotAuthorized", None), None
            if kind == "answered" and age > SELF_CANCEL_WINDOW + 3 * MINUTE:
                asked = self._later(age, SELF_CANCEL_WINDOW + MINUTE, 2 * DAY)
                request = (asked, rng.choice(BUYER_CANCEL_REASONS), True)
                return (self._later(asked, 10 * MINUTE, DAY), "MERCHANT", "BuyerCanceled", None), request
            if kind == "seller" and age > 2 * HOUR:
                at = self._later(age, HOUR, max(age - latest_ship, HOUR))
                if self._may_count(s, m, at):
                    return (at, "MERCHANT", _SELLER_REASON_TABLE.pick(rng), None), None
            if kind == "auto" and latest_ship - AUTO_CANCEL_AFTER > MINUTE:
                at = latest_ship - AUTO_CANCEL_AFTER
                if self._may_count(s, m, at):
                    return (at, "AMAZON", "ShipmentNotConfirmedInTime", True), None

    def _may_count(self, s: int, m: int, at: int) -> bool:
        """Whether one more seller-caused cancellation ``at`` seconds ago keeps the seller's rate
        in the marketplace under MAX_RATE at load."""
        if at >= RATE_WINDOW:
            return True
        left = self.budget.get((s, m), 0)
        if left <= 0:
            return False
        self.budget[(s, m)] = left - 1
        return True

    def _buyer(self, s: int, m: int, market: _Market, business: bool) -> dict:
        """A returning buyer of this seller now and then, else a new one."""
        rng = self.rng
        returning = self.returning.setdefault((s, m), [])
        if returning and rng.random() < 0.12:
            buyer = returning[int(rng.random() * len(returning))]
            if ("company" in buyer) == business:
                return buyer
        people = self._people(market.marketplace.country)
        line1, line2, city, region, postcode = people.addresses[int(rng.random() * len(people.addresses))]
        name = people.name(rng)
        address = {"Name": name, "AddressLine1": line1}
        if line2:
            address["AddressLine2"] = line2
        address["City"] = city
        if region:
            address["StateOrRegion"] = region
        if postcode:
            address["PostalCode"] = postcode
        address["CountryCode"] = market.marketplace.country
        address["Phone"] = self._digits(market.country.phone)
        address["AddressType"] = "Residential" if rng.random() < 0.93 else "Commercial"
        # Amazon hands sellers a relay address: 15 random letters and digits at marketplace.amazon.*
        email = "".join(map(_EMAIL_CHARS.__getitem__, rng.getrandbits(120).to_bytes(15, "big"))) + "@" + market.email_domain
        buyer = {"name": name, "email": email, "address": address}
        if business:
            buyer["company"] = people.companies[rng.randrange(len(people.companies))]
        if len(returning) < 2_000:
            returning.append(buyer)
        else:
            returning[int(rng.random() * len(returning))] = buyer
        return buyer

    def _ship_from(self, seller: _Seller, market: _Market) -> dict:
        country_code = market.marketplace.country
        address = seller.ship_from.get(country_code)
        if address is None:
            rng = self.rng
            line1, _, city, region, postcode = self._people(country_code).addresses[rng.randrange(self.pool_size)]
            address = {"Name": f"{seller.name} Fulfillment", "AddressLine1": line1, "City": city}
            if region:
                address["StateOrRegion"] = region
            if postcode:
                address["PostalCode"] = postcode
            address.update(
                {"CountryCode": country_code, "Phone": self._digits(market.country.phone), "AddressType": "Commercial"}
            )
            seller.ship_from[country_code] = address
        return address

    def _digits(self, pattern: str) -> str:
        """``pattern`` with each "#" a random digit and each "%" one from 2 to 9."""
        slots = pattern.count("#") + pattern.count("%")
        digits = iter(f"{int(self.rng.random() * 10**slots):0{slots}d}")
        return "".join(next(digits) if c == "#" else _NOT_0_OR_1[next(digits)] if c == "%" else c for c in pattern)

    def _order_id(self, market: _Market) -> str:
        rng = self.rng
        prefixes = market.country.prefixes
        while True:
            number = int(rng.random() * 10**14)
            order_id = f"{prefixes[int(rng.random() * len(prefixes))]}-{number // 10**7:07d}-{number % 10**7:07d}"
            if order_id not in self.order_ids:
                self.order_ids.add(order_id)
                return order_id

    def _item_id(self) -> str:
        while True:
            item_id = str(10**13 + int(self.rng.random() * 9 * 10**13))
            if item_id not in self.item_ids:
                self.item_ids.add(item_id)
                return item_id

    # -- money ------------------------------------------------------------------------------

    def _items(self, seller, lines, market, status, address, mfn, prime, business, cod, request) -> tuple[list[dict], int]:
        """The OrderItems and the order total, in the currency's smallest unit."""
        rng = self.rng
        adds_tax = not market.marketplace.prices_include_tax
        rate = _tax_rate(market, address)
        shipping_charge = 0 if (not mfn or prime or rng.random() < 0.4) else self._price(499, market)
        free_shipping = shipping_charge and rng.random() < 0.08
        cancelled = status == "Canceled"
        requested_item = rng.randrange(len(lines)) if request and not request[2] else None
        items, total = [], 0
        for n, (product, quantity) in enumerate(lines):
            sku, asin, title, usd_cents = seller.catalogue[product]
            price = 0 if cancelled else self._price(usd_cents, market) * quantity
            ship = 0 if cancelled or n else shipping_charge
            promo = price * rng.choice((10, 15, 20)) // 100 if price and rng.random() < 0.06 else 0
            ship_discount = ship if free_shipping else 0
            taxes = [_tax(value, rate, adds_tax) for value in (price, ship, promo, ship_discount)]
            item = {
                "ASIN": asin,
                "SellerSKU": sku,
                "OrderItemId": self._item_id(),
                "Title": title,
                "QuantityOrdered": 0 if cancelled else quantity,
                "QuantityShipped": self._shipped(status, quantity, n),
                "ProductInfo": _ONE_ITEM,
            }
            item["ItemPrice"] = _money(market, price)
            item["ShippingPrice"] = _money(market, ship)
            item["ItemTax"] = _money(market, taxes[0])
            item["ShippingTax"] = _money(market, taxes[1])
            item["ShippingDiscount"] = _money(market, ship_discount)
            item["ShippingDiscountTax"] = _money(market, taxes[3])
            item["PromotionDiscount"] = _money(market, promo)
            item["PromotionDiscountTax"] = _money(market, taxes[2])
            if promo:
                item["PromotionIds"] = [f"PLM_{rng.randrange(16**12):012x}"]
            if ship_discount:
                item.setdefault("PromotionIds", []).append("Core Free Shipping Promotion")
            line_total = price + ship - promo - ship_discount
            if adds_tax:
                line_total += taxes[0] + taxes[1] - taxes[2] - taxes[3]
            if cod and not n and not cancelled:
                fee = self._price(220, market)
                item["CODFee"] = _money(market, fee)
                item["CODFeeDiscount"] = _money(market, 0)
                line_total += fee
            total += line_total
            item["IsGift"] = "true" if rng.random() < 0.03 else "false"
            if rng.random() < 0.03:
                condition, subtype, note = _CONDITIONS[rng.randrange(len(_CONDITIONS))]
                item.update({"ConditionId": condition, "ConditionSubtypeId": subtype, "ConditionNote": note})
            else:
                item.update({"ConditionId": "New", "ConditionSubtypeId": "New"})
            if business and rng.random() < 0.6:
                item["PriceDesignation"] = "BusinessPrice"
            if market.marketplace.country == "US":
                item["TaxCollection"] = _US_TAX_COLLECTION
            item["IsTransparency"] = False
            item["SerialNumberRequired"] = False
            if request and (request[2] or n == requested_item):
                item["BuyerRequestedCancel"] = {"IsBuyerRequestedCancel": "true", "BuyerCancelReason": request[1]}
            items.append(item)
        return items, total

    def _shipped(self, status: str, quantity: int, n: int) -> int:
        if status in ("Shipped", "InvoiceUnconfirmed"):
            return quantity
        if status == "PartiallyShipped":
            # The first line has shipped (in part when it is several units), the others not yet.
            return (quantity - 1 if quantity > 1 else 1) if n == 0 else 0
        return 0

    def _price(self, usd_cents: int, market: _Market) -> int:
        """A US dollar price in the marketplace's currency (its smallest unit), as a shop would
        write it: 24.99, 1,299, 2,980 yen."""
        key = (usd_cents, market.marketplace.currency)
        price = self.prices.get(key)
        if price is None:
            value = usd_cents / 100 * market.country.per_usd
            if market.decimals == 0:
                price = max(100, math.ceil(value / 100) * 100 - 20)
            elif value >= 200:
                price = (math.ceil(value / 10) * 10 - 1) * 100
            else:
                price = max(1, math.floor(value)) * 100 - 1
            self.prices[key] = price
        return price


def _money(market: _Market, amount: int) -> dict:
    """A Money value; the same object for the same amount (nothing changes it once made)."""
    money = market.money.get(amount)
    if money is None:
        text = str(amount) if market.decimals == 0 else f"{amount // 100}.{amount % 100:02d}"
        money = market.money[amount] = {"CurrencyCode": market.marketplace.currency, "Amount": text}
    return money


def _tax_rate(market: _Market, address: dict) -> float:
    country_code = market.marketplace.country
    if country_code == "US":
        # Sales tax differs by state; the same state always gets the same rate here.
        return _US_TAX[sum(map(ord, address.get("StateOrRegion", ""))) % len(_US_TAX)]
    if country_code == "CA":
        return _CA_TAX.get(address.get("StateOrRegion", ""), 0.05)
    return market.country.rate


def _tax(amount: int, rate: float, added: bool) -> int:
    """The tax on ``amount``: added on top (US, CA), or the share of it already included (VAT)."""
    return round(amount * rate) if added else round(amount * rate / (1 + rate))
