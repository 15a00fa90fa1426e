"""A settlement period walked on the mock clock, as a reconciliation job sees it: orders ship, one
item is refunded, one order is cancelled before shipping and one in part; nothing shows before
Amazon's posting delay (up to 48 hours), then the events fall into a financial event group that
is Open, the clock passes the group's end and it is Closed and paid out; at every step
listFinancialEventsByGroupId, the group's OriginalTotal and listTransactions for the group agree,
and the money agrees with the orders as the Orders API shows them.

Amazon's settlement period is 14 days ("Amazon pays sellers every 14 days", Seller Central
"Payments"), the mock's default.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from support.http import confirm_shipment_body, make_app, over_a_socket
from support.orders import advance, new_order

V0 = "/finances/v0"
V2024 = "/finances/2024-06-19"
SETTLEMENT_PERIOD = timedelta(days=14)


def _now(http) -> str:
    return http.get("/_mock/clock").json()["now"]


def _at(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _ship(http, order_id: str, lines: list[tuple[str, int]]) -> None:
    answer = http.post(f"/orders/v0/orders/{order_id}/shipmentConfirmation", json=confirm_shipment_body(lines, _now(http)))
    assert answer.status_code == 204, answer.text


def _act(http, order_id: str, **action) -> None:
    answer = http.post(f"/_mock/orders/{order_id}/actions", json=action)
    assert answer.status_code == 200, answer.text


def _groups(http) -> list[dict]:
    answer = http.get(f"{V0}/financialEventGroups", params={"MaxResultsPerPage": 100})
    assert answer.status_code == 200, answer.text
    return answer.json()["payload"]["FinancialEventGroupList"]


def _event_total(event: dict) -> Decimal:
    """What one v0 shipment or refund event nets the seller: every amount of every line."""
    found = Decimal(0)
    for line in event.get("ShipmentItemList") or event.get("ShipmentItemAdjustmentList") or []:
        for name, key in (
            ("ItemChargeList", "ChargeAmount"),
            ("ItemChargeAdjustmentList", "ChargeAmount"),
            ("ItemFeeList", "FeeAmount"),
            ("ItemFeeAdjustmentList", "FeeAmount"),
            ("PromotionList", "PromotionAmount"),
            ("PromotionAdjustmentList", "PromotionAmount"),
        ):
            found += sum((Decimal(str(part[key]["CurrencyAmount"])) for part in line.get(name) or []), Decimal(0))
        for group in line.get("ItemTaxWithheldList") or []:
            found += sum((Decimal(str(tax["ChargeAmount"]["CurrencyAmount"])) for tax in group["TaxesWithheld"]), Decimal(0))
    return found


def _group_events(http, group_id: str) -> list[dict]:
    events, token = [], None
    while True:
        params = {"NextToken": token} if token else {"MaxResultsPerPage": 2}
        answer = http.get(f"{V0}/financialEventGroups/{group_id}/financialEvents", params=params)
        assert answer.status_code == 200, answer.text
        payload = answer.json()["payload"]
        events += payload["FinancialEvents"]["ShipmentEventList"] + payload["FinancialEvents"]["RefundEventList"]
        token = payload.get("NextToken")
        if not token:
            return events


def _group_transactions(http, group_id: str) -> list[dict]:
    params = {"relatedIdentifierName": "FINANCIAL_EVENT_GROUP_ID", "relatedIdentifierValue": group_id}
    answer = http.get(f"{V2024}/transactions", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()["payload"]["transactions"]


def _assert_totals_agree(http, group: dict) -> Decimal:
    original = Decimal(str(group["OriginalTotal"]["CurrencyAmount"]))
    events = _group_events(http, group["FinancialEventGroupId"])
    transactions = _group_transactions(http, group["FinancialEventGroupId"])
    assert sum((_event_total(event) for event in events), Decimal(0)) == original
    assert sum((Decimal(str(t["totalAmount"]["currencyAmount"])) for t in transactions), Decimal(0)) == original
    assert len(transactions) == len(events)
    return original


def _order_money(http, order_id: str) -> tuple[Decimal, dict[str, dict]]:
    order = http.get(f"/orders/v0/orders/{order_id}").json()["payload"]
    items = http.get(f"/orders/v0/orders/{order_id}/orderItems").json()["payload"]["OrderItems"]
    return Decimal(order["OrderTotal"]["Amount"]), {item["OrderItemId"]: item for item in items}


def _paid_for(item: dict) -> Decimal:
    """What the buyer pays for an order item as getOrderItems shows it (Amazon's OrderItem money)."""

    def amount(name: str) -> Decimal:
        return Decimal(item[name]["Amount"]) if item.get(name) else Decimal(0)

    paid = sum((amount(name) for name in ("ItemPrice", "ItemTax", "ShippingPrice", "ShippingTax")), Decimal(0))
    return paid - amount("PromotionDiscount") - amount("ShippingDiscount")


def _charged(event: dict) -> Decimal:
    """What a shipment event says the buyer paid: its charges and promotions."""
    return sum(
        (
            Decimal(str(part[key]["CurrencyAmount"]))
            for line in event["ShipmentItemList"]
            for name, key in (("ItemChargeList", "ChargeAmount"), ("PromotionList", "PromotionAmount"))
            for part in line[name]
        ),
        Decimal(0),
    )


def test_a_settlement_period_walked_on_the_mock_clock(tmp_path):
    # No fixture orders: the seller's money is only this walk's.
    with over_a_socket(make_app(fixtures_dir=tmp_path)) as http:
        start = _now(http)
        shipped, (first, second) = new_order(http, 2, 1)
        partial, (kept, dropped) = new_order(http, 1, 1)
        cancelled, _ = new_order(http, 1)
        _act(http, cancelled, action="seller_cancel", reason="NoInventory")
        _act(http, partial, action="seller_cancel", reason="NoInventory", items=[dropped])
        _ship(http, shipped, [(first, 2), (second, 1)])
        _ship(http, partial, [(kept, 1)])
        advance(http, "1d")
        _act(http, shipped, action="refund", item=second)

        # Before the posting delay: no group, no transaction, no event.
        advance(http, "23h")
        assert _groups(http) == []
        assert http.get(f"{V2024}/transactions", params={"postedAfter": start}).json()["payload"]["transactions"] == []
        assert http.get(f"{V0}/orders/{shipped}/financialEvents").json()["payload"]["FinancialEvents"]["ShipmentEventList"] == []

        # The shipments post 48 hours after they happened, the refund a day later.
        advance(http, "1d3m")
        (group,) = _groups(http)
        opened = _at(group["FinancialEventGroupStart"])
        assert opened <= _at(start) + timedelta(days=2) < _at(_now(http)) < opened + SETTLEMENT_PERIOD
        assert group["ProcessingStatus"] == "Open" and "FundTransferDate" not in group
        before_refund = _assert_totals_agree(http, group)
        advance(http, "1d")
        groups = _groups(http)
        for g in groups:  # Open until its settlement period ends
            ends = _at(g["FinancialEventGroupStart"]) + SETTLEMENT_PERIOD
            assert g["ProcessingStatus"] == ("Open" if _at(_now(http)) < ends else "Closed")
        totals = {g["FinancialEventGroupId"]: _assert_totals_agree(http, g) for g in groups}
        assert sum(totals.values()) < before_refund  # the refund took money back

        # The money agrees with the orders as the Orders API shows them.
        events = http.get(f"{V0}/orders/{shipped}/financialEvents").json()["payload"]["FinancialEvents"]
        (shipment,) = events["ShipmentEventList"]
        (refund,) = events["RefundEventList"]
        order_total, items = _order_money(http, shipped)
        assert _charged(shipment) == order_total
        (line,) = refund["ShipmentItemAdjustmentList"]
        assert line["OrderItemId"] == second
        given_back = {
            c["ChargeType"]: Decimal(str(c["ChargeAmount"]["CurrencyAmount"])) for c in line["ItemChargeAdjustmentList"]
        }
        assert given_back["Principal"] == -Decimal(items[second]["ItemPrice"]["Amount"])
        assert (
            http.get(f"{V0}/orders/{cancelled}/financialEvents").json()["payload"]["FinancialEvents"]["ShipmentEventList"] == []
        )
        (partial_shipment,) = http.get(f"{V0}/orders/{partial}/financialEvents").json()["payload"]["FinancialEvents"][
            "ShipmentEventList"
        ]
        assert [line["OrderItemId"] for line in partial_shipment["ShipmentItemList"]] == [kept]
        _, partial_items = _order_money(http, partial)
        assert _charged(partial_shipment) == _paid_for(partial_items[kept])

        # The clock passes the last group's end: every group is Closed and paid out, totals kept.
        last_end = max(_at(g["FinancialEventGroupStart"]) for g in groups) + SETTLEMENT_PERIOD
        minutes = int((last_end - _at(_now(http))).total_seconds() // 60) + 3
        if minutes > 0:
            advance(http, f"{minutes}m")
        closed = _groups(http)
        assert {g["FinancialEventGroupId"] for g in closed} == set(totals)
        for g in closed:
            assert g["ProcessingStatus"] == "Closed"
            assert _at(g["FinancialEventGroupEnd"]) == _at(g["FinancialEventGroupStart"]) + SETTLEMENT_PERIOD
            assert g["FundTransferStatus"] and g["FundTransferDate"] and g["TraceId"] and g["AccountTail"]
            assert _assert_totals_agree(http, g) == totals[g["FinancialEventGroupId"]]
