"""The control plane's ``refund`` action: a shipped item's money back to the buyer, recorded as
the order adjustment feed's Refund records it (one format for both, which the Finances rules
read), reachable from the control plane, a scenario step and ``spapi-mock order apply``.

Amazon's adjustment template: "Amounts are signed: positive amounts are refunded to the buyer
and negative amounts are charged to the buyer (for example, restocking fees)", and the net of
an adjustment must be a credit to the buyer.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from spapi_mock.cli import main
from spapi_mock.control import LocalControl, actions
from spapi_mock.kernel import resources

from support.http import CheckedClient, make_app

# Two items: 2 kettles at 19.99 each with 3.20 tax, 1 lantern; the order is Unshipped.
TWO_ITEMS = [
    {
        "SellerSKU": "KETTLE-1",
        "QuantityOrdered": 2,
        "ItemPrice": {"CurrencyCode": "USD", "Amount": "39.98"},
        "ItemTax": {"CurrencyCode": "USD", "Amount": "3.20"},
        "ShippingPrice": {"CurrencyCode": "USD", "Amount": "5.00"},
    },
    {"SellerSKU": "LANTERN-LED", "QuantityOrdered": 1},
]


@pytest.fixture
def app():
    return make_app(fixtures_dir=resources.default_fixtures_dir())


@pytest.fixture
def client(app):
    with app.test_client() as raw:
        yield CheckedClient(raw)


def place(client, ship: str = "all") -> tuple[str, dict[str, str]]:
    """An order of TWO_ITEMS, Unshipped, with its kettles shipped (ship="kettle") or every item."""
    steps = [{"place_order": {"as": "o", "order": {"OrderStatus": "Unshipped"}, "items": TWO_ITEMS}}]
    steps.append({"confirm_shipment": {"order": "o"} if ship == "all" else {"order": "o", "items": ["KETTLE-1"]}})
    ran = client.post("/_mock/scenarios/run", json={"steps": steps})
    assert ran.status_code == 200, ran.text
    order_id = ran.json()["orders"]["o"]
    items = client.get(f"/orders/v0/orders/{order_id}/orderItems").json()["payload"]["OrderItems"]
    return order_id, {item["SellerSKU"]: item["OrderItemId"] for item in items}


def apply(client, order_id: str, **args):
    return client.post(f"/_mock/orders/{order_id}/actions", json={"action": "refund", **args}, token=False)


def refunds(app, order_id: str) -> list[dict]:
    backend = app.services.backend
    return backend.store.orders.get(backend.default_seller_id, order_id).get("refunds") or []


def test_a_refund_with_no_amounts_gives_back_the_items_price_share_for_the_quantity(app, client):
    order_id, items = place(client)
    answer = apply(client, order_id, item="KETTLE-1", quantity=1)
    assert answer.status_code == 200, answer.text
    assert answer.json()["order"]["OrderStatus"] == "Shipped"
    (refund,) = refunds(app, order_id)
    # One kettle of two: half of each charge, as text with the currency, as the feed stores it.
    assert refund["item"] == items["KETTLE-1"] and refund["reason"] == "CustomerReturn" and refund["quantity"] == 1
    assert refund["amounts"] == {"Principal": "19.99 USD", "Shipping": "2.50 USD", "Tax": "1.60 USD"}
    history = client.get(f"/_mock/orders/{order_id}", token=False).json()["history"]
    assert history[-1]["event"] == "Refunded" and history[-1]["item"] == items["KETTLE-1"]


def test_the_whole_shipped_quantity_by_default_with_the_given_amounts_and_reason(app, client):
    order_id, items = place(client)
    answer = apply(client, order_id, item=items["LANTERN-LED"], amounts={"Principal": 5, "Tax": "0.4"}, reason="Exchange")
    assert answer.status_code == 200, answer.text
    (refund,) = refunds(app, order_id)
    assert refund["quantity"] == 1 and refund["reason"] == "Exchange"
    assert refund["amounts"] == {"Principal": "5.00 USD", "Tax": "0.40 USD"}


def test_the_action_stores_what_the_adjustment_feed_stores_for_the_same_refund(app, client):
    order_id, items = place(client)
    document = (
        '<?xml version="1.0" encoding="UTF-8"?><AmazonEnvelope><Header><DocumentVersion>1.01</DocumentVersion>'
        "<MerchantIdentifier>M</MerchantIdentifier></Header><MessageType>OrderAdjustment</MessageType>"
        "<Message><MessageID>1</MessageID><OrderAdjustment>"
        f"<AmazonOrderID>{order_id}</AmazonOrderID><ActionType>Refund</ActionType><AdjustedItem>"
        f"<AmazonOrderItemCode>{items['KETTLE-1']}</AmazonOrderItemCode><AdjustmentReason>CustomerReturn</AdjustmentReason>"
        '<ItemPriceAdjustments><Component><Type>Principal</Type><Amount currency="USD">19.99</Amount></Component>'
        '<Component><Type>Tax</Type><Amount currency="USD">1.60</Amount></Component></ItemPriceAdjustments>'
        "</AdjustedItem></OrderAdjustment></Message></AmazonEnvelope>"
    )
    fed = client.post(
        "/_mock/scenarios/run", json={"steps": [{"submit_feed": {"type": "POST_PAYMENT_ADJUSTMENT_DATA", "document": document}}]}
    )
    assert fed.status_code == 200, fed.text
    assert apply(client, order_id, item="KETTLE-1", amounts={"Principal": "19.99", "Tax": "1.60"}).status_code == 200
    by_feed, by_action = refunds(app, order_id)
    assert by_action["amounts"] == by_feed["amounts"] == {"Principal": "19.99 USD", "Tax": "1.60 USD"}
    assert {k: v for k, v in by_action.items() if k != "quantity"} == {**by_feed, "at": by_action["at"]}


def test_a_single_shipped_item_needs_no_name_and_a_refund_is_a_scenario_step(app, client):
    steps = [
        {"place_order": {"as": "o", "order": {"OrderStatus": "Unshipped"}, "items": TWO_ITEMS}},
        {"confirm_shipment": {"order": "o", "items": ["KETTLE-1"]}},
        {"refund": {"order": "o", "quantity": 2}},
    ]
    ran = client.post("/_mock/scenarios/run", json={"steps": steps})
    assert ran.status_code == 200, ran.text
    assert ran.json()["log"][2].endswith("PartiallyShipped → PartiallyShipped")
    (refund,) = refunds(app, ran.json()["orders"]["o"])
    assert refund["quantity"] == 2 and refund["amounts"]["Principal"] == "39.98 USD"


@pytest.mark.parametrize(
    "args, fragment",
    [
        ({"item": "LANTERN-LED"}, "item {lantern} has not shipped, so it cannot be refunded"),
        ({"item": "NOPE"}, "has no item NOPE"),
        ({"item": "KETTLE-1", "quantity": 3}, "Invalid quantity: item {kettle} shipped 2, so at most 2 can be refunded."),
        ({"item": "KETTLE-1", "amounts": {"Principal": "-5.00"}}, "must credit the buyer"),
        ({"item": "KETTLE-1", "amounts": {"Principal": "ten"}}, "amounts.Principal"),
        # A number Decimal cannot round to cents was a 500.
        ({"item": "KETTLE-1", "amounts": {"Principal": 1e28}}, "Invalid amounts.Principal: 1e+28 is not a decimal number"),
        (
            {"item": "KETTLE-1", "amounts": {"GiftWrap": "1.00"}},
            "Unknown field 'GiftWrap' (known: Principal, Shipping, Tax, ShippingTax)",
        ),
        ({"item": "KETTLE-1", "reason": "Changed my mind"}, "Field reason: 'Changed my mind' is not one of"),
        ({"item": "KETTLE-1", "quantity": 0}, "Field quantity: 0 is less than the minimum of 1"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_a_refund_the_rules_refuse_is_400_naming_why_and_changes_nothing(app, client, args, fragment):
    order_id, items = place(client, ship="kettle")
    answer = apply(client, order_id, **args)
    assert answer.status_code == 400, answer.text
    (error,) = answer.json()["errors"]
    assert error["code"] == "InvalidInput"
    assert fragment.format(lantern=items["LANTERN-LED"], kettle=items["KETTLE-1"]) in error["message"], error["message"]
    assert refunds(app, order_id) == []


def test_with_two_shipped_items_the_item_must_be_named(app, client):
    order_id, items = place(client)
    answer = apply(client, order_id)
    assert answer.status_code == 400
    message = answer.json()["errors"][0]["message"]
    assert f"say which item of order {order_id} is refunded ({items['KETTLE-1']}, {items['LANTERN-LED']})" in message


def test_an_unshipped_order_cannot_be_refunded(client):
    ran = client.post(
        "/_mock/scenarios/run", json={"steps": [{"place_order": {"as": "o", "order": {"OrderStatus": "Unshipped"}}}]}
    )
    answer = apply(client, ran.json()["orders"]["o"], item="MOCK-SKU-1")
    assert answer.status_code == 400 and "nothing has shipped, so nothing can be refunded" in answer.text


def test_the_reasons_are_the_adjustment_feeds():
    xsd = ET.parse(resources.package_file("feeds/schemas/order-feeds.xsd"))
    ns = {"xsd": "http://www.w3.org/2001/XMLSchema"}
    enum = xsd.getroot().find("xsd:simpleType[@name='AdjustmentReason']", ns)
    assert actions.ADJUSTMENT_REASONS == tuple(e.get("value") for e in enum.iterfind("xsd:restriction/xsd:enumeration", ns))


def test_the_command_line_refunds_by_sku_with_json_amounts(tmp_path, capsys):
    db = tmp_path / "state.json"
    assert main(["scenario", "run", "--db", str(db), str(_scenario(tmp_path))]) == 0
    order_id = re.search(r"o = (\S+)", capsys.readouterr().out).group(1)
    code = main(
        ["order", "apply", "--db", str(db), order_id, "refund", "item=KETTLE-1", "quantity=1", 'amounts={"Principal": 10}']
    )
    assert code == 0, capsys.readouterr().err
    control = LocalControl.open(db)
    try:
        doc = control.backend.store.orders.get(control.backend.default_seller_id, order_id)
    finally:
        control.close()
    assert [(r["quantity"], r["amounts"]) for r in doc["refunds"]] == [(1, {"Principal": "10.00 USD"})]


def _scenario(tmp_path):
    path = tmp_path / "ship.yaml"
    path.write_text(
        "steps:\n"
        "  - place_order: {as: o, order: {OrderStatus: Unshipped}, items: [{SellerSKU: KETTLE-1, QuantityOrdered: 2}]}\n"
        "  - confirm_shipment: {order: o}\n"
    )
    return path
