"""The control plane shows an order's money (GET /_mock/orders/{orderId}/finances, ``spapi-mock
order finances``, ``MockSeller.finances``): every financial event, pending ones too, which no
Finances API shows before they post, and the order's totals.

Expected amounts are worked out by hand from Amazon's published numbers, not read from the code:
the referral fee of the "everything else" category is 15% of the sales price (Seller Central
"Selling on Amazon fee schedule"); a refund credits the referral fee in proportion and keeps a
refund administration fee of "the lesser of $5.00 or 20% of the referral fee" refunded; Amazon
posts events within 48 hours (the mock's default delay), and with no deferral an event is
released as it posts.
"""

from __future__ import annotations

import json

import pytest

from spapi_mock.cli import main
from spapi_mock.config import Config
from spapi_mock.control.client import ControlError
from spapi_mock.testing import MockSeller, background_server

from support.notifications import paid_order


@pytest.fixture(scope="module")
def server():
    with background_server(Config()) as running:
        yield running


@pytest.fixture
def seller(server):
    seller = MockSeller.create(server, seed="empty")
    seller.freeze_clock()
    yield seller
    seller.close()


def test_a_shipped_then_refunded_order_shows_both_events_pending_then_released_and_its_totals(seller):
    order_id, (item_id,) = paid_order(seller, 2)  # 2 x 19.99, no tax
    assert seller.finances(order_id)["events"] == []
    seller.apply(order_id, "confirm_shipment")
    shipped_at = seller.now()

    money = seller.finances(order_id)
    assert money["orderId"] == order_id and money["currency"] == "USD" and money["orderStatus"] == "Shipped"
    (shipment,) = money["events"]
    assert shipment["kind"] == "Shipment" and shipment["status"] == "PENDING"
    assert shipment["occurredAt"] == shipped_at and shipment["postedAt"] == shipment["releasedAt"] > shipped_at
    (line,) = shipment["items"]
    assert (line["orderItemId"], line["quantity"]) == (item_id, 2)
    assert line["charges"] == [{"type": "Principal", "amount": "39.98"}]
    assert line["fees"] == [{"type": "Commission", "amount": "-6.00"}]  # 15% of 39.98
    assert shipment["total"] == "33.98"
    assert money["totals"] == {"charged": "39.98", "refunded": "0.00", "fees": "-6.00", "withheld": "0.00", "net": "33.98"}

    seller.advance_clock("49h")
    seller.apply(order_id, "refund", quantity=1)
    money = seller.finances(order_id)
    shipment, refund = money["events"]
    assert shipment["status"] == "RELEASED" and refund["status"] == "PENDING"
    assert refund["kind"] == "Refund"
    (line,) = refund["items"]
    assert line["quantity"] == 1
    assert line["charges"] == [{"type": "Principal", "amount": "-19.99"}]
    # Half the referral fee back (3.00), less the administration fee: 20% of it.
    assert line["fees"] == [{"type": "Commission", "amount": "3.00"}, {"type": "RefundCommission", "amount": "-0.60"}]
    assert refund["total"] == "-17.59"
    assert money["totals"] == {"charged": "39.98", "refunded": "-19.99", "fees": "-3.60", "withheld": "0.00", "net": "16.39"}


def test_an_order_cancelled_before_it_shipped_has_no_money_and_an_unknown_order_is_404(seller):
    order_id, _ = paid_order(seller, 1)
    seller.apply(order_id, "seller_cancel", reason="NoInventory")
    money = seller.finances(order_id)
    assert money["events"] == [] and set(money["totals"].values()) == {"0.00"}
    with pytest.raises(ControlError) as raised:
        seller.finances("111-0000000-0000000")
    assert raised.value.status == 404


def test_the_command_line_prints_each_event_and_the_totals(tmp_path, capsys):
    db = str(tmp_path / "state.json")
    scenario = tmp_path / "ship.yaml"
    scenario.write_text(
        "steps:\n"
        "  - place_order: {as: o, order: {OrderStatus: Unshipped}, items: [{QuantityOrdered: 2}]}\n"
        "  - confirm_shipment: {order: o}\n"
    )
    assert main(["scenario", "run", "--db", db, str(scenario), "--json"]) == 0
    order_id = json.loads(capsys.readouterr().out)["orders"]["o"]
    assert main(["order", "finances", "--db", db, order_id]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{order_id} Shipped: 1 financial event(s)"
    assert "Shipment" in out[1] and "PENDING" in out[1] and "33.98 USD" in out[1]
    assert out[2] == "  charged 39.98, refunded 0.00, fees -6.00, withheld 0.00, net 33.98"
