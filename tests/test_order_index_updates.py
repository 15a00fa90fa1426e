"""An order replaced in the store is found by every index as if the store had been built with it.

Replacing an order updates only the indexes whose part of it changed (its dates, due time,
SellerOrderId, buyer email, marketplace): after many replacements changing each of these, alone
and together, every lookup answers as a store loaded afresh with the same orders does.
"""

from __future__ import annotations

import copy
import random

from spapi_mock.store.database import LAST_UPDATE_DATE, PURCHASE_DATE, Store

US, CA = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"
SELLER = "S1"


def order(number: int) -> dict:
    return {
        "seller_id": SELLER,
        "order": {
            "AmazonOrderId": f"111-0000000-{number:07d}",
            "PurchaseDate": f"2026-10-{1 + number % 28:02d}T00:00:00Z",
            "LastUpdateDate": f"2026-11-{1 + number % 28:02d}T00:00:00Z",
            "MarketplaceId": US if number % 2 else CA,
            "SellerOrderId": f"S{number % 7}",
            "BuyerInfo": {"BuyerEmail": f"Buyer{number % 5}@example.com"},
        },
        "items": [],
        "address": {},
        "regulated": None,
        "history": [],
        "due_at": f"2026-12-{1 + number % 9:02d}T00:00:00Z" if number % 3 else None,
    }


def changed(doc: dict, rnd: random.Random) -> dict:
    new = copy.deepcopy(doc)
    body = new["order"]
    for change in rnd.sample(range(7), rnd.randint(1, 3)):
        if change == 0:
            body["SellerOrderId"] = rnd.choice(["A", "B", body["AmazonOrderId"], None])
        elif change == 1:
            body["LastUpdateDate"] = f"2026-11-{rnd.randint(1, 28):02d}T12:00:00Z"
        elif change == 2:
            body["PurchaseDate"] = f"2026-10-{rnd.randint(1, 28):02d}T12:00:00Z"
        elif change == 3:
            body["MarketplaceId"] = rnd.choice([US, CA])
        elif change == 4:
            body["BuyerInfo"] = {"BuyerEmail": rnd.choice(["x@example.com", "Y@example.com"])} if rnd.random() < 0.8 else {}
        elif change == 5:
            new["due_at"] = rnd.choice([None, f"2026-12-{rnd.randint(1, 28):02d}T06:00:00Z"])
        else:
            body["OrderStatus"] = rnd.choice(["Unshipped", "Shipped"])  # no index reads it
    return new


def answers(store: Store) -> dict:
    orders = store.orders
    found = {}
    for by in (PURCHASE_DATE, LAST_UPDATE_DATE):
        for marketplaces in ([US], [CA], [US, CA]):
            scanned = orders.scan(SELLER, by, "2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z", marketplaces, recent=False)
            found[(by, *marketplaces)] = [doc["order"]["AmazonOrderId"] for doc in scanned]
    found["due"] = orders.due_until("2100-01-01T00:00:00Z")
    for seller_order_id in ("A", "B", *(f"S{n}" for n in range(7))):
        found[("seller order id", seller_order_id)] = orders.ids_for_seller_order_id(SELLER, seller_order_id)
    for email in ("x@example.com", "y@example.com", *(f"buyer{n}@example.com" for n in range(5))):
        found[("email", email)] = orders.ids_for_buyer_email(SELLER, email)
    found["marketplaces"] = orders.marketplaces(SELLER)
    return found


def test_replaced_orders_are_indexed_as_a_store_built_with_them_is():
    rnd = random.Random(26)
    docs = {n: order(n) for n in range(60)}
    store = Store()
    store.put_many(docs.values())
    for _ in range(40):
        replaced = {n: changed(docs[n], rnd) for n in rnd.sample(sorted(docs), 12)}
        store.commit(put=[("orders", doc) for doc in replaced.values()])
        docs.update(replaced)
    fresh = Store()
    fresh.put_many(docs.values())
    assert answers(store) == answers(fresh)
    # The same document put again changes nothing.
    store.commit(put=[("orders", doc) for doc in docs.values()])
    assert answers(store) == answers(fresh)
