"""A scan over many marketplaces finds exactly the seller's orders in them, in (date, id) order.

Over four or more marketplaces that cover every one the seller sells in, the scan reads one
seller-wide list (searchOrders without marketplaceIds names all 23): these tests hold it to the
orders themselves while orders are placed, changed, moved between marketplaces and dropped, and
while the seller starts selling in a marketplace the search does not name.
"""

from __future__ import annotations

import random

from spapi_mock.store.database import LAST_UPDATE_DATE, PURCHASE_DATE, Store

MARKETPLACES = ["ATVPDKIKX0DER", "A2EUQ1WTGCTBG2", "A1AM78C64UM0Y8", "A2Q3Y263D00KWC", "A1F83G8C2ARO7P"]
NEW_MARKETPLACE = "A1PA6795UKMFR9"
SELLER, OTHER = "S1", "S2"
SINCE, UNTIL = "2026-10-05T00:00:00Z", "2026-11-20T00:00:00Z"


def order(number: int, rnd: random.Random, marketplaces: list[str], seller: str = SELLER) -> dict:
    return {
        "seller_id": seller,
        "order": {
            "AmazonOrderId": f"111-0000000-{number:07d}",
            "PurchaseDate": f"2026-10-{rnd.randint(1, 28):02d}T{rnd.randint(0, 23):02d}:00:00Z",
            "LastUpdateDate": f"2026-11-{rnd.randint(1, 28):02d}T{rnd.randint(0, 23):02d}:00:00Z",
            "MarketplaceId": rnd.choice(marketplaces),
        },
        "items": [],
        "address": {},
        "regulated": None,
        "history": [],
        "due_at": None,
    }


def by_id(docs) -> dict[str, dict]:
    return {doc["order"]["AmazonOrderId"]: doc for doc in docs}


def expected(docs: dict[str, dict], by: str, marketplaces: list[str], after: tuple | None = None) -> list[str]:
    keys = sorted(
        (doc["order"][by], order_id)
        for order_id, doc in docs.items()
        if doc["seller_id"] == SELLER and doc["order"]["MarketplaceId"] in marketplaces and SINCE <= doc["order"][by] <= UNTIL
    )
    return [order_id for date, order_id in keys if after is None or (date, order_id) > after]


def scanned(store: Store, by: str, marketplaces: list[str], after: tuple | None = None) -> list[str]:
    found = store.orders.scan(SELLER, by, SINCE, UNTIL, marketplaces, after, recent=False)
    return [doc["order"]["AmazonOrderId"] for doc in found]


def check(store: Store, docs: dict[str, dict], rnd: random.Random) -> None:
    for by in (PURCHASE_DATE, LAST_UPDATE_DATE):
        for marketplaces in (MARKETPLACES, [*MARKETPLACES, NEW_MARKETPLACE], MARKETPLACES[:3], list(reversed(MARKETPLACES))):
            assert scanned(store, by, marketplaces) == expected(docs, by, marketplaces), (by, marketplaces)
            whole = expected(docs, by, marketplaces)
            if whole:
                resume = docs[rnd.choice(whole)]["order"]
                after = (resume[by], resume["AmazonOrderId"])
                assert scanned(store, by, marketplaces, after) == expected(docs, by, marketplaces, after)


def test_a_scan_over_every_marketplace_follows_the_orders_as_they_change():
    rnd = random.Random(4)
    docs = by_id(order(n, rnd, MARKETPLACES) for n in range(300))
    # Another seller's orders, in the same marketplaces and with the same dates, are never found.
    others = [order(n, random.Random(4), MARKETPLACES, seller=OTHER) for n in range(50)]
    store = Store()
    store.put_many([*docs.values(), *others])
    check(store, docs, rnd)
    for round_ in range(30):
        put = []
        chosen = rnd.sample(sorted(docs), 18)  # 15 replaced, 3 dropped: none both in one commit
        for order_id in chosen[:15]:
            doc = order(int(order_id[-7:]), rnd, MARKETPLACES)
            if rnd.random() < 0.5:  # only the last update moves, as a feed's change does
                doc["order"]["PurchaseDate"] = docs[order_id]["order"]["PurchaseDate"]
                doc["order"]["MarketplaceId"] = docs[order_id]["order"]["MarketplaceId"]
            docs[order_id] = doc
            put.append(("orders", doc))
        dropped = chosen[15:]
        for order_id in dropped:
            del docs[order_id]
        new = order(1000 + round_, rnd, MARKETPLACES if round_ < 20 else [NEW_MARKETPLACE])
        docs[new["order"]["AmazonOrderId"]] = new
        put.append(("orders", new))
        store.commit(put=put, drop=[("orders", (SELLER, order_id)) for order_id in dropped])
        check(store, docs, rnd)


def test_an_order_in_a_marketplace_the_search_does_not_name_is_not_found():
    rnd = random.Random(9)
    docs = by_id(order(n, rnd, MARKETPLACES) for n in range(40))
    store = Store()
    store.put_many(docs.values())
    assert scanned(store, PURCHASE_DATE, MARKETPLACES) == expected(docs, PURCHASE_DATE, MARKETPLACES)
    elsewhere = order(99, rnd, [NEW_MARKETPLACE])
    elsewhere["order"]["PurchaseDate"] = "2026-10-15T00:00:00Z"
    store.commit(put=[("orders", elsewhere)])
    docs[elsewhere["order"]["AmazonOrderId"]] = elsewhere
    assert elsewhere["order"]["AmazonOrderId"] not in scanned(store, PURCHASE_DATE, MARKETPLACES)
    assert scanned(store, PURCHASE_DATE, MARKETPLACES) == expected(docs, PURCHASE_DATE, MARKETPLACES)
    everywhere = [*MARKETPLACES, NEW_MARKETPLACE]
    assert scanned(store, PURCHASE_DATE, everywhere) == expected(docs, PURCHASE_DATE, everywhere)
    assert elsewhere["order"]["AmazonOrderId"] in scanned(store, PURCHASE_DATE, everywhere)
