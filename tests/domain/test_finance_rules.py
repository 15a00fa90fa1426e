"""Fast unit tests of the money behind an order (domain/finances), with no HTTP.

Expectations come from Amazon's documents: a shipment event charges what the buyer paid for the
shipped units (Finances API ShipmentEvent), the referral fee is a percentage of the sales price
with a per-unit minimum, a refund credits the referral fee less "the lesser of $5 or 20% of the
referral fee" (Seller Central, refund administration fee), an order cancelled before it ships
was never charged, and events are posted after a delay and settle in 14-day periods.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from spapi_mock.domain import finances, lifecycle, order_factory
from spapi_mock.domain.policy import Policy
from spapi_mock.kernel.dates import to_wire
from spapi_mock.marketplace.fixtures import build_document

PLACED = datetime(2025, 6, 15, 12, 0, 0, tzinfo=UTC)
SHIPPED = PLACED + timedelta(hours=5)
SELLER = "A1MOCKSELLER00"
US = "ATVPDKIKX0DER"
DE = "A1PA6795UKMFR9"
POLICY = Policy()


def usd(amount: str) -> dict:
    return {"CurrencyCode": "USD", "Amount": amount}


def make_doc(items: list[dict], marketplace: str = US, channel: str = "MFN", status: str = "Unshipped") -> dict:
    spec = {"order": {"OrderStatus": status, "MarketplaceId": marketplace, "FulfillmentChannel": channel}, "items": items}
    order_id = order_factory.order_id(SELLER, marketplace, to_wire(PLACED), 0)
    return build_document(order_factory.new_order_record(spec, order_id, PLACED), SELLER, PLACED, "test")


def ship(doc: dict, at: datetime = SHIPPED, items: dict[str, int] | None = None) -> dict:
    lines = [{"orderItemId": i, "quantity": q} for i, q in (items or lifecycle.open_quantities(doc)).items()]
    package = {"packageReferenceId": str(len(doc.get("packages") or []) + 1), "carrierCode": "UPS", "trackingNumber": "1Z"}
    request = {
        "marketplaceId": doc["order"]["MarketplaceId"],
        "packageDetail": {**package, "shipDate": to_wire(at), "orderItems": lines},
    }
    return lifecycle.confirm_shipment(doc, at, POLICY, request)


def events_of(before: dict, after: dict, at: datetime = SHIPPED, previous: list | None = None, policy: Policy = POLICY):
    return finances.money_events(before, after, at, policy, previous or [])


def amounts(record: dict, section: str) -> dict[str, Decimal]:
    found: dict[str, Decimal] = {}
    for item in record["items"]:
        for part in item[section]:
            key = part.get("id", part["type"]).split("-")[0] if section == "promotions" else part["type"]
            found[key] = found.get(key, Decimal(0)) + Decimal(part["amount"])
    return found


# -- what makes an event ------------------------------------------------------------------------


def test_an_order_cancelled_before_it_ships_has_no_financial_event():
    doc = make_doc([{}])
    cancelled = lifecycle.seller_cancel(doc, SHIPPED, POLICY, "NoInventory")
    assert events_of(doc, cancelled) == []
    assert finances.history(cancelled, SHIPPED, POLICY) == []


def test_a_us_shipment_charges_what_the_buyer_paid_and_amazon_withholds_the_sales_tax():
    # 2 units at 25.00 each, 4.00 tax, 5.99 shipping + 0.50 tax, 3.00 off: the buyer pays 57.49.
    item = {
        "QuantityOrdered": 2,
        "ItemPrice": usd("50.00"),
        "ItemTax": usd("4.00"),
        "ShippingPrice": usd("5.99"),
        "ShippingTax": usd("0.50"),
        "PromotionDiscount": usd("3.00"),
    }
    doc = make_doc([item])
    assert doc["order"]["OrderTotal"]["Amount"] == "57.49"
    [event] = events_of(doc, ship(doc))
    assert event["kind"] == "Shipment" and event["currency"] == "USD" and event["orderId"] == doc["order"]["AmazonOrderId"]
    charges = amounts(event, "charges")
    assert charges == {
        "Principal": Decimal("50.00"),
        "Tax": Decimal("4.00"),
        "ShippingCharge": Decimal("5.99"),
        "ShippingTax": Decimal("0.50"),
    }
    assert amounts(event, "promotions") == {"Principal": Decimal("-3.00")}
    assert sum(charges.values()) + Decimal("-3.00") == Decimal(doc["order"]["OrderTotal"]["Amount"])
    # Marketplace facilitator: the tax charged is withheld in the same event.
    assert amounts(event, "withheld") == {
        "MarketplaceFacilitatorTax-Principal": Decimal("-4.00"),
        "MarketplaceFacilitatorTax-Shipping": Decimal("-0.50"),
    }
    # Referral fee: 15% of the sales price (price + shipping - promotion), tax excluded.
    assert amounts(event, "fees") == {"Commission": Decimal("-7.95")}  # 15% of 52.99 = 7.9485
    assert Decimal(event["total"]) == Decimal("52.99") - Decimal("7.95")
    assert event["items"][0]["quantity"] == 2


def test_the_referral_fee_has_a_per_unit_minimum():
    doc = make_doc([{"QuantityOrdered": 3, "ItemPrice": usd("3.00")}])
    [event] = events_of(doc, ship(doc))
    # 15% of 3.00 is 0.45, below the minimum of 0.30 per unit for 3 units.
    assert amounts(event, "fees") == {"Commission": Decimal("-0.90")}


def test_an_fba_order_pays_the_per_unit_fulfilment_fee():
    doc = make_doc([{"QuantityOrdered": 2, "ItemPrice": usd("40.00")}], channel="AFN")
    shipped = dict(doc, items=[dict(doc["items"][0], QuantityShipped=2)])
    [event] = events_of(doc, shipped)
    assert amounts(event, "fees")["FBAPerUnitFulfillmentFee"] == -2 * finances.FEES["USD"].fba_per_unit


def test_where_prices_include_vat_the_principal_is_net_and_nothing_is_withheld():
    eur = {"CurrencyCode": "EUR", "Amount": "23.80"}
    doc = make_doc([{"ItemPrice": eur, "ItemTax": {"CurrencyCode": "EUR", "Amount": "3.80"}}], marketplace=DE)
    [event] = events_of(doc, ship(doc))
    assert event["currency"] == "EUR"
    assert amounts(event, "charges") == {"Principal": Decimal("20.00"), "Tax": Decimal("3.80")}
    assert amounts(event, "withheld") == {}
    # Referral on the VAT-inclusive price (15.3% in the EU table).
    assert amounts(event, "fees") == {"Commission": Decimal("-3.64")}


def test_an_item_shipped_in_parts_adds_up_to_its_line_exactly():
    doc = make_doc([{"QuantityOrdered": 3, "ItemPrice": usd("10.00")}])
    item_id = doc["items"][0]["OrderItemId"]
    made: list[dict] = []
    for n in range(3):
        after = ship(doc, SHIPPED + timedelta(hours=n), items={item_id: 1})
        made += events_of(doc, after, previous=made)
        doc = after
    principal = [amounts(e, "charges")["Principal"] for e in made]
    assert sorted(principal) == [Decimal("3.33"), Decimal("3.33"), Decimal("3.34")] and sum(principal) == Decimal("10.00")
    # 15% of 10.00 in all, never below 0.30 a unit.
    assert sum(amounts(e, "fees")["Commission"] for e in made) == Decimal("-1.50")
    assert len({e["eventId"] for e in made}) == 3


def test_a_partially_cancelled_order_is_charged_for_the_shipped_items_only():
    doc = make_doc([{"ItemPrice": usd("20.00")}, {"ItemPrice": usd("5.00")}])
    kept, dropped = (item["OrderItemId"] for item in doc["items"])
    cancelled = lifecycle.seller_cancel(doc, SHIPPED, POLICY, "NoInventory", [dropped])
    [event] = events_of(cancelled, ship(cancelled))
    assert [item["orderItemId"] for item in event["items"]] == [kept]
    assert amounts(event, "charges")["Principal"] == Decimal("20.00")


def test_a_zero_priced_replacement_moves_no_money():
    doc = make_doc([{"ItemPrice": usd("0.00"), "ItemTax": usd("0.00")}])
    assert events_of(doc, ship(doc)) == []


# -- refunds ------------------------------------------------------------------------------------


def refunded(doc: dict, item_id: str, amounts_: dict[str, str], at: datetime = SHIPPED + timedelta(days=3)) -> dict:
    return lifecycle.refund(doc, at, POLICY, item_id, "CustomerReturn", {k: f"{v} USD" for k, v in amounts_.items()})


def sale_and_refund(doc: dict, amounts_: dict[str, str], at: datetime = SHIPPED + timedelta(days=3)) -> tuple[dict, dict]:
    """The events of shipping the order's one item, then refunding ``amounts_`` of it."""
    shipped = ship(doc)
    [sale] = events_of(doc, shipped)
    back = refunded(shipped, doc["items"][0]["OrderItemId"], amounts_, at)
    [refund] = events_of(shipped, back, previous=[sale])
    return sale, refund


def test_a_refund_gives_the_money_back_and_credits_the_referral_fee_less_the_capped_admin_fee():
    # Seller Central's example: item 300.00, shipping 40.00, tax 25.00, 15% referral. Refunding
    # the item with its shipping credits the referral fee (51.00) less min(5.00, 20% of it).
    doc = make_doc([{"ItemPrice": usd("300.00"), "ShippingPrice": usd("40.00"), "ItemTax": usd("25.00")}])
    shipped = ship(doc)
    [sale] = events_of(doc, shipped)
    assert amounts(sale, "fees") == {"Commission": Decimal("-51.00")}
    item_id = doc["items"][0]["OrderItemId"]
    back = refunded(shipped, item_id, {"Principal": "300.00", "Shipping": "40.00", "Tax": "25.00"})
    [refund] = events_of(shipped, back, previous=[sale])
    assert refund["kind"] == "Refund" and refund["adjustmentId"]
    assert amounts(refund, "charges") == {
        "Principal": Decimal("-300.00"),
        "ShippingCharge": Decimal("-40.00"),
        "Tax": Decimal("-25.00"),
    }
    assert amounts(refund, "fees") == {"Commission": Decimal("51.00"), "RefundCommission": Decimal("-5.00")}
    # The tax Amazon withheld goes back to the buyer from Amazon: the seller's net tax stays 0.
    assert amounts(refund, "withheld") == {"MarketplaceFacilitatorTax-Principal": Decimal("25.00")}
    assert Decimal(refund["total"]) == Decimal("-340.00") + Decimal("51.00") - Decimal("5.00")


def test_a_small_refund_keeps_twenty_percent_of_the_credited_referral_fee():
    # Seller Central's item B: 50.00 + 5.00 shipping + 2.00 gift wrap at 15% → 8.55, admin 1.71.
    doc = make_doc([{"ItemPrice": usd("50.00"), "ShippingPrice": usd("5.00"), "BuyerInfo": {"GiftWrapPrice": usd("2.00")}}])
    shipped = ship(doc)
    [sale] = events_of(doc, shipped)
    assert amounts(sale, "charges")["Giftwrap"] == Decimal("2.00")
    item_id = doc["items"][0]["OrderItemId"]
    back = refunded(shipped, item_id, {"Principal": "50.00", "Shipping": "5.00", "GiftWrap": "2.00"})
    [refund] = events_of(shipped, back, previous=[sale])
    assert amounts(refund, "fees") == {"Commission": Decimal("8.55"), "RefundCommission": Decimal("-1.71")}


def test_a_partial_refund_credits_the_referral_fee_in_proportion():
    doc = make_doc([{"ItemPrice": usd("100.00")}])
    sale, refund = sale_and_refund(doc, {"Principal": "25.00"})
    assert amounts(refund, "fees") == {"Commission": Decimal("3.75"), "RefundCommission": Decimal("-0.75")}


# -- the clock ------------------------------------------------------------------------------------


def test_an_event_is_pending_until_posted_then_released():
    doc = make_doc([{}])
    [event] = events_of(doc, ship(doc))
    assert event["status"] == "PENDING"
    assert event["postedAt"] == to_wire(SHIPPED + timedelta(hours=48)) == event["releasedAt"]
    assert finances.due_at(event) == event["postedAt"]
    assert finances.status_at(event, SHIPPED + timedelta(hours=48) - timedelta(seconds=1)) == "PENDING"
    posted = finances.advance(event, SHIPPED + timedelta(hours=48))
    assert posted["status"] == "RELEASED" and finances.due_at(posted) is None and finances.is_released(posted)


def test_a_deferral_holds_posted_funds_until_released():
    policy = Policy(finance_posting_delay=timedelta(hours=1), finance_deferral=timedelta(days=7))
    doc = make_doc([{}])
    [event] = events_of(doc, ship(doc), policy=policy)
    posted = finances.advance(event, SHIPPED + timedelta(hours=1))
    assert posted["status"] == "DEFERRED" and not finances.is_released(posted)
    assert finances.due_at(posted) == to_wire(SHIPPED + timedelta(days=7, hours=1))
    released = finances.advance(posted, SHIPPED + timedelta(days=7, hours=1))
    assert released["status"] == "DEFERRED_RELEASED" and finances.is_released(released)
    # The group is the one its release falls in.
    start, end = finances.settlement_period(SHIPPED + timedelta(days=7, hours=1), policy)
    assert (event["groupStart"], event["groupEnd"]) == (to_wire(start), to_wire(end))


def test_a_refund_in_the_same_second_as_its_shipment_sorts_after_it():
    doc = make_doc([{}])
    sale, refund = sale_and_refund(doc, {"Principal": "19.99"}, at=SHIPPED)
    assert refund["occurredAt"] == sale["occurredAt"] and sale["eventId"] < refund["eventId"]
    assert len(refund["eventId"]) == 32 and int(refund["eventId"], 16) >= 0


def test_no_delay_posts_at_once():
    policy = Policy(finance_posting_delay=timedelta(0))
    doc = make_doc([{}])
    [event] = events_of(doc, ship(doc), policy=policy)
    assert event["status"] == "RELEASED"


@pytest.mark.parametrize("at", [PLACED, datetime(2024, 1, 4, tzinfo=UTC), datetime(2023, 12, 31, 23, 59, tzinfo=UTC)])
def test_settlement_periods_are_consecutive_fourteen_day_groups(at):
    start, end = finances.settlement_period(at, POLICY)
    assert start <= at < end and end - start == timedelta(days=14)
    assert finances.settlement_period(end, POLICY)[0] == end
    assert finances.settlement_period(start - timedelta(seconds=1), POLICY)[1] == start


def test_a_group_id_is_stable_and_one_per_seller_currency_and_period():
    gid = finances.group_id(SELLER, "USD", "2025-06-12T00:00:00Z")
    assert gid == finances.group_id(SELLER, "USD", "2025-06-12T00:00:00Z")
    assert len(gid) == 43 and gid.replace("-", "").replace("_", "").isalnum()
    others = {
        finances.group_id(SELLER, "EUR", "2025-06-12T00:00:00Z"),
        finances.group_id("OTHER", "USD", "2025-06-12T00:00:00Z"),
        finances.group_id(SELLER, "USD", "2025-06-26T00:00:00Z"),
    }
    assert gid not in others and len(others) == 3
    assert finances.group_is_open("2025-06-26T00:00:00Z", datetime(2025, 6, 25, tzinfo=UTC))
    assert not finances.group_is_open("2025-06-26T00:00:00Z", datetime(2025, 6, 26, tzinfo=UTC))


# -- history of a loaded order --------------------------------------------------------------------


def test_a_loaded_shipped_order_carries_its_shipment_at_its_last_update():
    doc = make_doc([{"QuantityOrdered": 2, "ItemPrice": usd("30.00")}])
    doc["items"][0]["QuantityShipped"] = 2
    doc["order"]["OrderStatus"] = "Shipped"
    doc["order"]["LastUpdateDate"] = to_wire(SHIPPED)
    [event] = finances.history(doc, SHIPPED + timedelta(days=30), POLICY)
    assert event["occurredAt"] == to_wire(SHIPPED) and event["status"] == "RELEASED"
    assert amounts(event, "charges")["Principal"] == Decimal("30.00")


def test_a_loaded_order_keeps_each_package_and_refund_at_its_own_time():
    doc = make_doc([{"QuantityOrdered": 2, "ItemPrice": usd("30.00")}])
    item_id = doc["items"][0]["OrderItemId"]
    doc = ship(doc, SHIPPED, {item_id: 1})
    doc = ship(doc, SHIPPED + timedelta(days=1), {item_id: 1})
    doc = refunded(doc, item_id, {"Principal": "15.00"}, SHIPPED + timedelta(days=2))
    made = finances.history(doc, SHIPPED + timedelta(days=2, hours=1), POLICY)
    assert [e["kind"] for e in made] == ["Shipment", "Shipment", "Refund"]
    assert [e["occurredAt"] for e in made] == [to_wire(SHIPPED + timedelta(days=d)) for d in (0, 1, 2)]
    assert [e["status"] for e in made] == ["RELEASED", "PENDING", "PENDING"]
    assert len({e["eventId"] for e in made}) == 3
    # Made in that order, and their ids sort so (readers order an instant's events by id).
    assert [e["eventId"] for e in made] == sorted(e["eventId"] for e in made)
    assert sum(Decimal(e["total"]) for e in made[:2]) == Decimal("30.00") - Decimal("4.50")


# -- every charge of a line, each marketplace's way ----------------------------------------------


def money(currency: str, amount: str) -> dict:
    return {"CurrencyCode": currency, "Amount": amount}


def test_a_us_line_charges_gift_wrap_and_nets_the_tax_discounts_and_amazon_withholds_every_tax():
    item = {
        "ItemPrice": usd("40.00"),
        "ItemTax": usd("3.00"),
        "ShippingPrice": usd("6.00"),
        "ShippingTax": usd("0.60"),
        "ShippingDiscount": usd("6.00"),
        "ShippingDiscountTax": usd("0.60"),
        "PromotionDiscount": usd("4.00"),
        "PromotionDiscountTax": usd("0.30"),
        "BuyerInfo": {"GiftWrapPrice": usd("2.50"), "GiftWrapTax": usd("0.20")},
    }
    found = finances.line_amounts(item, US)
    assert found == {
        ("charges", "Principal"): Decimal("40.00"),
        ("charges", "Tax"): Decimal("2.70"),  # 3.00 less the promotion's 0.30 of tax
        ("charges", "ShippingCharge"): Decimal("6.00"),
        # 0.60 less 0.60: no shipping tax is left, so none is charged or withheld
        ("charges", "Giftwrap"): Decimal("2.50"),
        ("charges", "GiftwrapTax"): Decimal("0.20"),
        ("promotions", "Principal"): Decimal("-4.00"),
        ("promotions", "Shipping"): Decimal("-6.00"),
        ("withheld", "MarketplaceFacilitatorTax-Principal"): Decimal("-2.70"),
        ("withheld", "MarketplaceFacilitatorTax-Giftwrap"): Decimal("-0.20"),
    }


def test_where_prices_include_vat_shipping_and_gift_wrap_are_split_too_and_nothing_is_withheld():
    item = {
        "ItemPrice": money("GBP", "24.00"),
        "ItemTax": money("GBP", "4.00"),
        "ShippingPrice": money("GBP", "3.60"),
        "ShippingTax": money("GBP", "0.60"),
        "BuyerInfo": {"GiftWrapPrice": money("GBP", "2.99"), "GiftWrapTax": money("GBP", "0.50")},
    }
    assert finances.line_amounts(item, "A1F83G8C2ARO7P") == {
        ("charges", "Principal"): Decimal("20.00"),
        ("charges", "Tax"): Decimal("4.00"),
        ("charges", "ShippingCharge"): Decimal("3.00"),
        ("charges", "ShippingTax"): Decimal("0.60"),
        ("charges", "Giftwrap"): Decimal("2.49"),
        ("charges", "GiftwrapTax"): Decimal("0.50"),
    }


def test_a_japanese_cash_on_delivery_line_charges_the_cod_fee_in_whole_yen():
    jpy = {"QuantityOrdered": 1, "ItemPrice": money("JPY", "3300"), "ItemTax": money("JPY", "300")}
    doc = make_doc([{**jpy, "CODFee": money("JPY", "330"), "CODFeeDiscount": money("JPY", "30")}], marketplace="A1VC38T7YXB528")
    [event] = events_of(doc, ship(doc))
    assert event["currency"] == "JPY"
    assert amounts(event, "charges") == {"Principal": Decimal(3000), "Tax": Decimal(300), "CODOrderCharge": Decimal(330)}
    assert amounts(event, "promotions") == {"COD": Decimal(-30)}
    # 10% of the VAT-inclusive sales price and the COD charge less its discount: 360 yen.
    assert amounts(event, "fees") == {"Commission": Decimal(-360)}
    assert all("." not in part["amount"] for item in event["items"] for s in finances.SECTIONS for part in item[s])
    assert event["total"] == "3240"


def test_an_unknown_marketplace_is_charged_as_tax_added_on_top_with_nothing_withheld():
    item = {"ItemPrice": usd("10.00"), "ItemTax": usd("1.00")}
    assert finances.line_amounts(item, "NOT-A-MARKETPLACE") == {
        ("charges", "Principal"): Decimal("10.00"),
        ("charges", "Tax"): Decimal("1.00"),
    }
    assert finances.line_amounts({}, US) == {("charges", "Principal"): Decimal(0)}


# -- what the record says ---------------------------------------------------------------------------


def test_a_record_names_its_order_seller_marketplace_channel_and_items():
    doc = make_doc([{"ItemPrice": usd("20.00"), "SellerSKU": "SKU-1", "ASIN": "B000000001"}], channel="AFN")
    doc["order"]["SellerOrderId"] = "MY-1"
    shipped = dict(doc, items=[dict(doc["items"][0], QuantityShipped=1)])
    [event] = events_of(doc, shipped)
    assert (event["seller_id"], event["orderId"], event["sellerOrderId"]) == (SELLER, doc["order"]["AmazonOrderId"], "MY-1")
    assert (event["marketplaceId"], event["fulfillmentChannel"], event["occurredAt"]) == (US, "AFN", to_wire(SHIPPED))
    [line] = event["items"]
    assert (line["orderItemId"], line["sellerSku"], line["asin"], line["quantity"]) == (
        doc["items"][0]["OrderItemId"],
        "SKU-1",
        "B000000001",
        1,
    )
    start, _ = finances.settlement_period(SHIPPED + timedelta(hours=48), POLICY)
    assert event["groupId"] == finances.group_id(SELLER, "USD", to_wire(start))
    assert Decimal(event["total"]) == finances.total(event)
    # Without SellerOrderId, SKU or ASIN the record says so by leaving them out or empty.
    bare = make_doc([{"ItemPrice": usd("20.00")}])
    bare["order"].pop("SellerOrderId", None)
    bare["order"].pop("FulfillmentChannel")
    for field in ("SellerSKU", "ASIN"):
        bare["items"][0].pop(field)
    bare_shipped = dict(bare, items=[dict(bare["items"][0], QuantityShipped=1)])
    [plain] = events_of(bare, bare_shipped)
    assert "sellerOrderId" not in plain and plain["fulfillmentChannel"] == "MFN"
    assert (plain["items"][0]["sellerSku"], plain["items"][0]["asin"]) == ("", "")


def test_the_currency_comes_from_the_total_else_the_prices_else_the_marketplace():
    def shipped_without(doc: dict, *fields: str) -> dict:
        doc["order"].pop("OrderTotal", None)
        for field in fields:
            doc["items"][0].pop(field, None)
        doc["items"][0]["QuantityShipped"] = 1
        doc["items"][0]["ItemTax"] = {"Amount": "0"}
        doc["order"]["LastUpdateDate"] = to_wire(SHIPPED)
        return doc

    eur = make_doc([{"ItemPrice": money("EUR", "10.00")}], marketplace=DE)
    [event] = finances.history(shipped_without(eur), SHIPPED, POLICY)
    assert event["currency"] == "EUR"
    jp = make_doc([{"ItemPrice": {"Amount": "1000"}}], marketplace="A1VC38T7YXB528")
    [event] = finances.history(shipped_without(jp), SHIPPED, POLICY)
    assert event["currency"] == "JPY" and event["items"][0]["charges"][0]["amount"] == "1000"
    unknown = make_doc([{"ItemPrice": {"Amount": "5.00"}}])
    unknown["order"]["MarketplaceId"] = "NOT-A-MARKETPLACE"
    [event] = finances.history(shipped_without(unknown), SHIPPED, POLICY)
    assert event["currency"] == "USD"


# -- refunds, more ------------------------------------------------------------------------------------


def test_a_refund_keeps_its_reason_and_a_restocking_fee_is_the_sellers():
    doc = make_doc([{"ItemPrice": usd("50.00")}])
    sale, refund = sale_and_refund(doc, {"Principal": "50.00", "RestockingFee": "10.00", "Custom": "1.00"})
    assert refund["reason"] == "CustomerReturn"
    charges = amounts(refund, "charges")
    assert charges["RestockingFee"] == Decimal("10.00") and charges["Principal"] == Decimal("-50.00")
    assert charges["Custom"] == Decimal("-1.00")  # a component Amazon does not list keeps its name
    assert refund["items"][0]["adjustmentItemId"].isdigit() and refund["adjustmentId"].isdigit()
    assert refund["items"][0]["quantity"] == 1


def test_a_refund_of_more_than_was_charged_credits_the_whole_referral_fee_only():
    doc = make_doc([{"ItemPrice": usd("10.00")}])
    sale, refund = sale_and_refund(doc, {"Principal": "25.00"})
    assert amounts(refund, "fees") == {"Commission": Decimal("1.50"), "RefundCommission": Decimal("-0.30")}


def test_a_refund_of_an_item_never_charged_a_referral_fee_credits_none():
    doc = make_doc([{"ItemPrice": usd("10.00")}])
    shipped = ship(doc)
    back = refunded(shipped, doc["items"][0]["OrderItemId"], {"Principal": "10.00"})
    [refund] = events_of(shipped, back, previous=[])  # its shipment predates the history kept
    assert amounts(refund, "fees") == {}
    assert amounts(refund, "withheld") == {}


def test_a_refund_outside_the_us_withholds_nothing_and_one_change_can_ship_and_refund():
    doc = make_doc([{"QuantityOrdered": 2, "ItemPrice": money("EUR", "30.00"), "ItemTax": money("EUR", "0")}], marketplace=DE)
    item_id = doc["items"][0]["OrderItemId"]
    shipped = ship(doc)
    both = lifecycle.refund(shipped, SHIPPED, POLICY, item_id, "CustomerReturn", {"Principal": "15.00 EUR", "Tax": "1.00 EUR"})
    both = lifecycle.refund(both, SHIPPED, POLICY, item_id, "CustomerReturn", {"Principal": "15.00 EUR"})
    made = events_of(doc, both)
    assert [e["kind"] for e in made] == ["Shipment", "Refund", "Refund"]
    assert all(amounts(e, "withheld") == {} for e in made)
    assert [e["eventId"] for e in made] == sorted(e["eventId"] for e in made)


# -- history, more ------------------------------------------------------------------------------------


def test_history_dates_a_package_without_a_ship_date_at_the_last_update_and_skips_empty_lines():
    doc = make_doc([{"QuantityOrdered": 3, "ItemPrice": usd("30.00")}])
    item_id = doc["items"][0]["OrderItemId"]
    doc["items"][0]["QuantityShipped"] = 3
    doc["order"]["LastUpdateDate"] = to_wire(SHIPPED + timedelta(days=2))
    doc["packages"] = [
        {"packageReferenceId": "1", "shipDate": to_wire(SHIPPED), "items": {item_id: 1}},
        {"packageReferenceId": "2", "items": {item_id: 1, "no-such-line": 0}},
    ]
    made = finances.history(doc, SHIPPED + timedelta(days=30), POLICY)
    # The first package at its date, the second at the last update, the unpackaged unit with it.
    assert [e["occurredAt"] for e in made] == [to_wire(SHIPPED), to_wire(SHIPPED + timedelta(days=2))] * 1 + [
        to_wire(SHIPPED + timedelta(days=2))
    ]
    assert [e["items"][0]["quantity"] for e in made] == [1, 1, 1]
    assert [amounts(e, "charges")["Principal"] for e in made] == [Decimal("10.00")] * 3


def test_history_orders_a_refund_before_a_later_package():
    doc = make_doc([{"QuantityOrdered": 2, "ItemPrice": usd("30.00")}])
    item_id = doc["items"][0]["OrderItemId"]
    doc = ship(doc, SHIPPED, {item_id: 1})
    doc = refunded(doc, item_id, {"Principal": "15.00"}, SHIPPED + timedelta(hours=1))
    doc = ship(doc, SHIPPED + timedelta(hours=2), {item_id: 1})
    made = finances.history(doc, SHIPPED + timedelta(days=9), POLICY)
    assert [e["kind"] for e in made] == ["Shipment", "Refund", "Shipment"]
    # The refund credits the referral fee of the unit shipped before it: 15% of 15.00.
    assert amounts(made[1], "fees")["Commission"] == Decimal("2.25")
    # New events number on from the order's earlier ones.
    assert finances.history(doc, SHIPPED, POLICY, previous=made)[0]["eventId"] not in {e["eventId"] for e in made}


def test_the_currency_is_the_totals_even_where_the_marketplace_has_another():
    # An Amazon.com order of a buyer paying in CAD is charged in CAD, whatever the marketplace says.
    doc = make_doc([{"ItemPrice": money("CAD", "10.00")}])
    doc["order"]["OrderTotal"] = money("CAD", "10.00")
    [event] = events_of(doc, ship(doc))
    assert event["currency"] == "CAD"
    doc["order"].pop("OrderTotal")
    [event] = events_of(doc, ship(doc))
    assert event["currency"] == "CAD"


def test_a_promotion_shipped_in_parts_adds_up_to_its_line_exactly():
    doc = make_doc([{"QuantityOrdered": 3, "ItemPrice": usd("30.00"), "PromotionDiscount": usd("10.00")}])
    item_id = doc["items"][0]["OrderItemId"]
    made: list[dict] = []
    for n in range(3):
        after = ship(doc, SHIPPED + timedelta(hours=n), items={item_id: 1})
        made += events_of(doc, after, previous=made)
        doc = after
    promotions = [amounts(e, "promotions")["Principal"] for e in made]
    assert sum(promotions) == Decimal("-10.00") and sorted(promotions) == [Decimal("-3.34"), Decimal("-3.33"), Decimal("-3.33")]
    assert all(part["id"] == f"Principal-{item_id}" for e in made for part in e["items"][0]["promotions"])


def test_a_line_with_only_shipping_to_charge_still_lists_its_principal():
    doc = make_doc([{"ItemPrice": usd("0.00"), "ShippingPrice": usd("4.99")}])
    [event] = events_of(doc, ship(doc))
    assert event["items"][0]["charges"] == [{"type": "Principal", "amount": "0.00"}, {"type": "ShippingCharge", "amount": "4.99"}]
    assert amounts(event, "fees") == {"Commission": Decimal("-0.75")}


def test_an_order_new_to_the_store_brings_its_history():
    doc = make_doc([{"ItemPrice": usd("10.00")}])
    shipped = ship(doc)
    earlier = [{"kind": "Shipment", "items": []}]
    made = finances.money_events(None, shipped, SHIPPED + timedelta(days=3), POLICY, earlier)
    assert made == finances.history(shipped, SHIPPED + timedelta(days=3), POLICY, earlier)
    assert [e["status"] for e in made] == ["RELEASED"]


def test_a_refunds_quantity_is_what_it_names_else_what_shipped():
    doc = make_doc([{"QuantityOrdered": 3, "ItemPrice": usd("30.00")}])
    item_id = doc["items"][0]["OrderItemId"]
    shipped = ship(doc)
    [sale] = events_of(doc, shipped)
    named = refunded(shipped, item_id, {"Principal": "20.00"})
    named["refunds"][-1]["quantity"] = 2
    [refund] = events_of(shipped, named, previous=[sale])
    assert refund["items"][0]["quantity"] == 2
    assert len(refund["adjustmentId"]) == 12 and len(refund["items"][0]["adjustmentItemId"]) == 14
    whole = refunded(shipped, item_id, {"Principal": "30.00"})
    [refund] = events_of(shipped, whole, previous=[sale])
    assert refund["items"][0]["quantity"] == 3


def test_a_refund_of_tax_alone_credits_no_referral_fee():
    doc = make_doc([{"ItemPrice": usd("10.00"), "ItemTax": usd("0.80")}])
    sale, refund = sale_and_refund(doc, {"Tax": "0.80"})
    assert amounts(refund, "fees") == {}
    assert amounts(refund, "charges") == {"Tax": Decimal("-0.80")}
    assert Decimal(refund["total"]) == Decimal("0.00")


def test_a_refund_recorded_at_its_items_ship_time_comes_after_the_shipment():
    doc = make_doc([{"ItemPrice": usd("10.00")}])
    shipped = ship(doc)
    back = refunded(shipped, doc["items"][0]["OrderItemId"], {"Principal": "10.00"}, at=SHIPPED)
    assert [e["kind"] for e in finances.history(back, SHIPPED, POLICY)] == ["Shipment", "Refund"]


def test_half_a_cent_rounds_up_as_money_does():
    doc = make_doc([{"ItemPrice": usd("10.30")}])
    [event] = events_of(doc, ship(doc))
    assert amounts(event, "fees") == {"Commission": Decimal("-1.55")}  # 15% of 10.30 = 1.545


def test_amounts_are_read_as_records_and_feeds_write_them():
    assert finances.parse_amount("12.50 USD") == Decimal("12.50")
    assert finances.parse_amount(" 3 ") == Decimal(3)
    assert finances.parse_amount("") == Decimal(0) == finances.parse_amount("   ")
    assert finances.parse_amount(-1.5) == Decimal("-1.5")


def test_advancing_to_an_instant_that_changes_nothing_keeps_the_record():
    doc = make_doc([{}])
    [event] = events_of(doc, ship(doc))
    assert finances.advance(event, SHIPPED) is event
    moved = finances.advance(event, SHIPPED + timedelta(days=3))
    assert moved is not event and event["status"] == "PENDING" and moved["status"] == "RELEASED"


def test_an_order_shipping_its_second_item_first_is_charged_for_that_item():
    doc = make_doc([{"ItemPrice": usd("20.00")}, {"ItemPrice": usd("5.00")}])
    later, first = (item["OrderItemId"] for item in doc["items"])
    [event] = events_of(doc, ship(doc, items={first: 1}))
    assert [item["orderItemId"] for item in event["items"]] == [first]
    assert amounts(event, "charges") == {"Principal": Decimal("5.00")}


def test_a_currency_without_a_fee_table_entry_pays_the_us_fees():
    doc = make_doc([{"ItemPrice": money("XYZ", "10.00")}])
    doc["order"]["OrderTotal"] = money("XYZ", "10.00")
    [event] = events_of(doc, ship(doc))
    assert event["currency"] == "XYZ" and amounts(event, "fees") == {"Commission": Decimal("-1.50")}


def test_a_yen_refund_is_in_whole_yen():
    jp = "A1VC38T7YXB528"
    doc = make_doc([{"ItemPrice": money("JPY", "3333"), "ItemTax": money("JPY", "303")}], marketplace=jp)
    shipped = ship(doc)
    [sale] = events_of(doc, shipped)
    item_id = doc["items"][0]["OrderItemId"]
    back = lifecycle.refund(shipped, SHIPPED, POLICY, item_id, "CustomerReturn", {"Principal": "1111 JPY"})
    [refund] = events_of(shipped, back, previous=[sale])
    # 10% of 3333 is 333 yen; a third of the sale refunded credits 111 of it, less 20% (22).
    assert amounts(refund, "fees") == {"Commission": Decimal(111), "RefundCommission": Decimal(-22)}
    assert all("." not in part["amount"] for item in refund["items"] for s in finances.SECTIONS for part in item[s])


def test_only_a_new_order_more_units_shipped_or_another_refund_can_make_money():
    # The store reads an order's earlier events only for a change that may make one: every
    # change that makes an event must be seen as one that may.
    doc = make_doc([{"QuantityOrdered": 2, "ItemPrice": usd("20.00")}, {"ItemPrice": usd("5.00")}])
    first, second = (item["OrderItemId"] for item in doc["items"])
    acknowledged = lifecycle.acknowledge(doc, SHIPPED, POLICY, "ERP-1")
    part = ship(acknowledged, items={first: 1})
    rest = ship(part, SHIPPED + timedelta(hours=1))
    back = refunded(rest, second, {"Principal": "5.00"})
    again = refunded(back, first, {"Principal": "20.00"})
    changes = [
        (doc, acknowledged, False),
        (acknowledged, lifecycle.request_cancellation(acknowledged, SHIPPED, POLICY, "BuyerCanceled"), False),
        (acknowledged, part, True),
        (part, rest, True),
        (rest, back, True),
        (back, again, True),
        (back, back, False),
    ]
    for before, after, makes in changes:
        assert finances.may_make_money(before, after) is makes
        assert bool(events_of(before, after)) is makes
    assert finances.may_make_money(None, doc)
