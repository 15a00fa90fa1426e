"""A store loaded whole (at start: a fixture set, a store file, a set served before) indexes its
documents as a store that was given them one change at a time does.

Loading builds each index over every document at once (sorted lists sorted once, lookups made in
one step when no key repeats), where a change adds a document to each index in turn: the two
must hold the same, including SellerOrderIds, buyer emails and orders shared by several
documents, several sellers, and events in and out of settlement groups.
"""

from __future__ import annotations

import random
from collections import defaultdict

from sortedcontainers import SortedList

from spapi_mock.store.database import Store

MARKETPLACES = ("ATVPDKIKX0DER", "A2EUQ1WTGCTBG2", "A1AM78C64UM0Y8")
STATUSES = ("PENDING", "DEFERRED", "RELEASED", "DEFERRED_RELEASED")


def date(rnd: random.Random) -> str:
    return f"2026-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}T{rnd.randint(0, 23):02d}:00:00Z"


def order(rnd: random.Random, seller: str, number: int) -> dict:
    email = rnd.choice([None, "", f"Buyer{number}@example.com", f"buyer{number % 4}@example.com", "SHARED@example.com"])
    return {
        "seller_id": seller,
        "order": {
            "AmazonOrderId": f"111-0000000-{number:07d}",
            "PurchaseDate": date(rnd),
            "LastUpdateDate": date(rnd),
            "MarketplaceId": rnd.choice(MARKETPLACES),
            "SellerOrderId": rnd.choice([None, "", f"S{number}", f"S{number % 5}", f"111-0000000-{number:07d}"]),
            "BuyerInfo": {} if email is None else {"BuyerEmail": email},
        },
        "items": [],
        "due_at": rnd.choice([None, date(rnd)]),
    }


def event(rnd: random.Random, seller: str, number: int, order_number: int) -> dict:
    group = rnd.randint(0, 6)
    return {
        "seller_id": seller,
        "eventId": f"E{number:06d}",
        "orderId": f"111-0000000-{order_number:07d}",
        "occurredAt": date(rnd),
        "postedAt": date(rnd),
        "releasedAt": date(rnd),
        "status": rnd.choice(STATUSES),
        "groupId": f"G{group}",
        "groupStart": f"2026-0{1 + group}-01T00:00:00Z",
        "groupEnd": f"2026-0{2 + group}-01T00:00:00Z",
        "currency": rnd.choice(["USD", "CAD"]),
    }


def documents(sellers: tuple[str, ...], seed: int) -> list[tuple[str, dict]]:
    rnd = random.Random(seed)
    docs = []
    for seller in sellers:
        for number in range(120):
            docs.append(("orders", order(rnd, seller, number)))
        # Orders with no event, one, or several.
        for number in range(150):
            docs.append(("financial_events", event(rnd, seller, number, rnd.randint(0, 80))))
    rnd.shuffle(docs)
    return docs


def held(value):
    """An index's structure as plain data (sorted lists as lists, sets sorted)."""
    if isinstance(value, SortedList):
        return list(value)
    if isinstance(value, dict | defaultdict):
        return {key: held(found) for key, found in value.items()}
    if isinstance(value, set):
        return sorted(value)
    if isinstance(value, tuple):
        return tuple(held(part) for part in value)
    return value


def indexes(store: Store) -> dict:
    out = {}
    for table in ("orders", "financial_events"):
        index = store.index(table)
        for name, value in vars(index).items():
            if name not in ("_lock", "_packer", "_recent", "_recent_lock"):
                out[(table, name)] = held(value)
        out[(table, "stored ids")] = [(key, index.stored_id(key)) for key in index.keys()]
    return out


def one_change_at_a_time(docs: list[tuple[str, dict]]) -> Store:
    store = Store()
    for first in range(0, len(docs), 25):
        store.commit(put=docs[first : first + 25])
    return store


def test_a_store_loaded_whole_indexes_as_one_given_its_documents_change_by_change():
    for sellers in (("A1SELLER",), ("A1SELLER", "A2SELLER")):
        docs = documents(sellers, seed=len(sellers))
        loaded = Store()
        loaded.load(docs)
        assert indexes(loaded) == indexes(one_change_at_a_time(docs))


def test_a_store_loaded_from_texts_indexes_as_one_given_its_documents_change_by_change():
    docs = documents(("A1SELLER", "A2SELLER"), seed=5)
    source = one_change_at_a_time(docs)
    batches = []
    for table in ("orders", "financial_events"):
        rows = list(source.texts(table))
        for first in range(0, len(rows), 40):
            batch = rows[first : first + 40]
            batches.append((table, [text for text, _ in batch], [entry for _, entry in batch]))
    loaded = Store()
    loaded.load_texts(batches)
    assert indexes(loaded) == indexes(source)
