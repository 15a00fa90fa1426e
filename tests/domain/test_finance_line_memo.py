"""A line shipped whole is charged once worked out for its marketplace, channel, currency, units
and money, then the same for every line alike (domain/finances). Alike must mean alike: a line
that differs from one already worked out in any amount of Amazon's OrderItem model (or its gift
wrap) is charged what working it out afresh charges."""

from __future__ import annotations

import pytest
from test_finance_rules import DE, POLICY, SHIPPED, US, events_of, make_doc, ship, usd

from spapi_mock.domain import finances
from spapi_mock.kernel import resources

JP = "A1VC38T7YXB528"


def money_fields_of(schema_name: str) -> list[str]:
    """The Money fields of one of Amazon's Orders v0 schemas, read from the model."""
    properties = resources.openapi_spec("orders-v0.yaml")["components"]["schemas"][schema_name]["properties"]
    return [name for name, field in properties.items() if field.get("$ref", "").endswith("/Money")]


def line(**money: str) -> dict:
    base = {"ItemPrice": "20.00", "ItemTax": "1.60", "ShippingPrice": "4.00", "ShippingTax": "0.32"}
    return {"QuantityOrdered": 2, **{name: usd(amount) for name, amount in {**base, **money}.items()}}


def shipment(item: dict, marketplace: str = US, channel: str = "MFN") -> list[dict]:
    """The items of the shipment events of an order with the line all shipped, as a fixture
    set's order is loaded (its history made from where it stands)."""
    doc = make_doc([item], marketplace=marketplace, channel=channel)
    for line_shipped in doc["items"]:
        line_shipped["QuantityShipped"] = line_shipped["QuantityOrdered"]
    records = finances.history(doc, SHIPPED, POLICY)
    assert records and all(record["kind"] == finances.SHIPMENT for record in records)
    return [record["items"] for record in records]


def test_a_line_shipped_by_the_seller_is_charged_as_afresh():
    finances._WHOLE_LINES.clear()
    doc = make_doc([line()])
    shipped = [record["items"] for record in events_of(doc, ship(doc, SHIPPED))]
    finances._WHOLE_LINES.clear()
    assert shipped == [record["items"] for record in events_of(doc, ship(doc, SHIPPED))]
    assert shipped == shipment(line())  # worked out once by now


def afresh(item: dict, marketplace: str = US, channel: str = "MFN") -> list[dict]:
    finances._WHOLE_LINES.clear()
    return shipment(item, marketplace, channel)


ITEM_MONEY = money_fields_of("OrderItem")
GIFT_MONEY = money_fields_of("ItemBuyerInfo")


def test_the_model_has_the_money_fields_a_line_is_charged_by():
    assert {"ItemPrice", "ItemTax", "ShippingPrice", "PromotionDiscount", "CODFee"} <= set(ITEM_MONEY)
    assert {"GiftWrapPrice", "GiftWrapTax"} <= set(GIFT_MONEY)


@pytest.mark.parametrize("field", ITEM_MONEY)
def test_a_line_differing_in_one_amount_is_charged_as_afresh(field):
    finances._WHOLE_LINES.clear()
    shipment(line())  # worked out once
    differing = line(**{field: "3.33"})
    assert shipment(differing) == afresh(differing)


@pytest.mark.parametrize("field", GIFT_MONEY)
def test_a_line_differing_in_its_gift_wrap_is_charged_as_afresh(field):
    finances._WHOLE_LINES.clear()
    shipment({**line(), "BuyerInfo": {"GiftWrapPrice": usd("2.00"), "GiftWrapTax": usd("0.10")}})
    differing = {**line(), "BuyerInfo": {"GiftWrapPrice": usd("2.00"), "GiftWrapTax": usd("0.10"), field: usd("0.99")}}
    assert shipment(differing) == afresh(differing)


@pytest.mark.parametrize(
    ("marketplace", "channel"),
    [(US, "AFN"), (DE, "MFN"), (JP, "MFN")],
    ids=["fulfilled by Amazon", "prices include tax", "yen"],
)
def test_the_same_line_elsewhere_is_charged_as_afresh(marketplace, channel):
    finances._WHOLE_LINES.clear()
    shipment(line())
    assert shipment(line(), marketplace, channel) == afresh(line(), marketplace, channel)


@pytest.mark.parametrize("channel", ["MFN", "AFN"])
def test_the_same_money_for_more_units_is_charged_as_afresh(channel):
    # The referral fee's minimum and the FBA fee are per unit.
    finances._WHOLE_LINES.clear()
    shipment({**line(ItemPrice="0.50"), "QuantityOrdered": 1}, channel=channel)
    more = {**line(ItemPrice="0.50"), "QuantityOrdered": 3}
    assert shipment(more, channel=channel) == afresh(more, channel=channel)


def test_alike_lines_are_worked_out_once():
    finances._WHOLE_LINES.clear()
    first, second = shipment(line()), shipment(line())
    assert len(finances._WHOLE_LINES) == 1
    # The same charges, each its own record (a record is never shared between events).
    assert first == second and first[0][0]["charges"] is not second[0][0]["charges"]
