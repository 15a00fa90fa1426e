"""The Finances API (v0 and 2024-06-19) through a real socket, as seller software reads it: the
money of an order that shipped, was refunded, was cancelled before shipping or in part, after
Amazon's posting delay; Amazon's parameter rules; paging; one seller never sees another's money.
Every 200 and 400 body is held to Amazon's models (support/http.CheckedClient).

Expectations come from Amazon's documents and from the order as the Orders API shows it: a
shipment event charges what getOrderItems says each shipped item costs (ItemPrice is Principal,
ItemTax Tax, ShippingPrice ShippingCharge, ShippingTax ShippingTax), in the US Amazon withholds
the sales tax as marketplace facilitator, and Amazon's referral fee (Commission) is a charge to the
seller; a refund gives the charges back and credits the Commission less a RefundCommission.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from test_sandbox import sandbox_cases

from spapi_mock.domain.policy import Policy

from support.http import confirm_shipment_body, make_app, over_a_socket, seller_token
from support.orders import advance, new_order
from support.reference import FINANCES_2024, FINANCES_V0

V0 = "/finances/v0"
V2024 = "/finances/2024-06-19"
OTHER_SELLER = "A2OTHERFINANCE"


@pytest.fixture(scope="module")
def http():
    with over_a_socket(make_app()) as client:
        yield client


def now(http) -> str:
    return http.get("/_mock/clock").json()["now"]


def ship(http, order_id: str, lines: list[tuple[str, int]]) -> None:
    answer = http.post(f"/orders/v0/orders/{order_id}/shipmentConfirmation", json=confirm_shipment_body(lines, now(http)))
    assert answer.status_code == 204, answer.text


def items_of(http, order_id: str) -> dict[str, dict]:
    answer = http.get(f"/orders/v0/orders/{order_id}/orderItems")
    assert answer.status_code == 200, answer.text
    return {item["OrderItemId"]: item for item in answer.json()["payload"]["OrderItems"]}


def events_of(http, order_id: str, **headers) -> dict:
    answer = http.get(f"{V0}/orders/{order_id}/financialEvents", **headers)
    assert answer.status_code == 200, answer.text
    return answer.json()["payload"]["FinancialEvents"]


def money(value: dict | None) -> Decimal:
    """An Orders API Money's Amount (absent: nothing charged)."""
    return Decimal(value["Amount"]) if value else Decimal(0)


def amount(part: dict, key: str) -> Decimal:
    return Decimal(str(part[key]["CurrencyAmount"]))


def charges(line: dict, key: str = "ItemChargeList") -> dict[str, Decimal]:
    return {charge["ChargeType"]: amount(charge, "ChargeAmount") for charge in line.get(key) or []}


def fees(line: dict, key: str = "ItemFeeList") -> dict[str, Decimal]:
    return {fee["FeeType"]: amount(fee, "FeeAmount") for fee in line.get(key) or []}


def withheld(line: dict) -> Decimal:
    return sum(
        (amount(tax, "ChargeAmount") for group in line["ItemTaxWithheldList"] for tax in group["TaxesWithheld"]), Decimal(0)
    )


def error(answer) -> str:
    assert answer.status_code == 400, answer.text
    (only,) = answer.json()["errors"]
    assert only["code"] == "InvalidInput"
    return only["message"]


def shipped_order(http, *quantities: int) -> tuple[str, list[str]]:
    order_id, item_ids = new_order(http, *quantities)
    ship(http, order_id, [(item_id, quantity) for item_id, quantity in zip(item_ids, quantities, strict=True)])
    return order_id, item_ids


# -- a shipment -------------------------------------------------------------------------------


def test_a_shipment_shows_after_the_posting_delay_with_the_charges_the_orders_api_shows(http):
    order_id, item_ids = shipped_order(http, 2, 1)
    advance(http, "47h")
    assert events_of(http, order_id)["ShipmentEventList"] == []  # "might not include orders from the last 48 hours"
    advance(http, "1h1m")
    events = events_of(http, order_id)
    (shipment,) = events["ShipmentEventList"]
    assert events["RefundEventList"] == []
    assert shipment["AmazonOrderId"] == order_id and shipment["MarketplaceName"] == "Amazon.com"
    order = http.get(f"/orders/v0/orders/{order_id}").json()["payload"]
    items = items_of(http, order_id)
    assert [line["OrderItemId"] for line in shipment["ShipmentItemList"]] == item_ids
    charged = Decimal(0)
    for line in shipment["ShipmentItemList"]:
        item = items[line["OrderItemId"]]
        assert line["SellerSKU"] == item["SellerSKU"] and line["QuantityShipped"] == item["QuantityOrdered"]
        got = charges(line)
        assert got["Principal"] == money(item.get("ItemPrice"))
        assert got.get("Tax", Decimal(0)) == money(item.get("ItemTax"))
        assert got.get("ShippingCharge", Decimal(0)) == money(item.get("ShippingPrice"))
        # US: Amazon collects and remits the sales tax (marketplace facilitator): withheld in full.
        assert withheld(line) == -(got.get("Tax", Decimal(0)) + got.get("ShippingTax", Decimal(0)))
        assert fees(line)["Commission"] < 0
        promotions = sum((amount(p, "PromotionAmount") for p in line["PromotionList"]), Decimal(0))
        charged += sum(got.values()) + promotions
    assert charged == Decimal(order["OrderTotal"]["Amount"])  # what the buyer paid, all of it


def test_listfinancialevents_shows_the_shipment_once_posted_more_than_two_minutes_ago(http):
    start = now(http)
    order_id, _ = shipped_order(http, 1)
    advance(http, "48h1m")  # posted a minute ago: still inside Amazon's two minutes
    listed = http.get(f"{V0}/financialEvents", params={"PostedAfter": start}).json()["payload"]["FinancialEvents"]
    assert order_id not in [event["AmazonOrderId"] for event in listed["ShipmentEventList"]]
    advance(http, "2m")
    listed = http.get(f"{V0}/financialEvents", params={"PostedAfter": start}).json()["payload"]["FinancialEvents"]
    assert order_id in [event["AmazonOrderId"] for event in listed["ShipmentEventList"]]


# -- a refund, a cancellation -----------------------------------------------------------------


def test_a_refund_after_shipment_is_a_refund_event_giving_the_charges_back(http):
    order_id, (first, second) = shipped_order(http, 1, 1)
    advance(http, "1d")
    refunded = http.post(f"/_mock/orders/{order_id}/actions", json={"action": "refund", "item": first})
    assert refunded.status_code == 200, refunded.text
    advance(http, "48h3m")
    events = events_of(http, order_id)
    (shipment,) = events["ShipmentEventList"]
    (refund,) = events["RefundEventList"]
    (line,) = refund["ShipmentItemAdjustmentList"]
    assert line["OrderItemId"] == first and line["OrderAdjustmentItemId"]
    shipped_line = next(line for line in shipment["ShipmentItemList"] if line["OrderItemId"] == first)
    given_back = charges(line, "ItemChargeAdjustmentList")
    assert given_back["Principal"] == -charges(shipped_line)["Principal"]
    credit = fees(line, "ItemFeeAdjustmentList")
    # Amazon credits the referral fee and keeps a refund administration fee of it.
    assert 0 < credit["Commission"] <= -fees(shipped_line)["Commission"]
    assert -credit["Commission"] < credit["RefundCommission"] < 0


def test_an_order_cancelled_before_it_shipped_has_no_financial_event(http):
    order_id, _ = new_order(http, 1)
    cancelled = http.post(f"/_mock/orders/{order_id}/actions", json={"action": "seller_cancel", "reason": "NoInventory"})
    assert cancelled.status_code == 200, cancelled.text
    advance(http, "3d")
    assert all(events == [] for events in events_of(http, order_id).values())
    listed = http.get(f"{V2024}/transactions", params={"relatedIdentifierName": "ORDER_ID", "relatedIdentifierValue": order_id})
    assert listed.json()["payload"]["transactions"] == []


def test_a_partially_cancelled_order_shows_only_the_shipped_items_money(http):
    order_id, (kept, cancelled) = new_order(http, 1, 2)
    answer = http.post(
        f"/_mock/orders/{order_id}/actions", json={"action": "seller_cancel", "reason": "NoInventory", "items": [cancelled]}
    )
    assert answer.status_code == 200, answer.text
    ship(http, order_id, [(kept, 1)])
    advance(http, "48h3m")
    (shipment,) = events_of(http, order_id)["ShipmentEventList"]
    (line,) = shipment["ShipmentItemList"]
    assert line["OrderItemId"] == kept
    assert charges(line)["Principal"] == money(items_of(http, order_id)[kept]["ItemPrice"])


def test_an_order_the_seller_does_not_have_answers_every_list_empty(http):
    # As Amazon answers an order without financial events (every list there, empty).
    events = events_of(http, "123-1234567-1234567")
    assert "ShipmentEventList" in events and "AdjustmentEventList" in events
    assert all(value == [] for value in events.values())


def test_another_sellers_money_is_never_shown(http):
    order_id, _ = shipped_order(http, 1)
    advance(http, "48h3m")
    assert events_of(http, order_id)["ShipmentEventList"]
    other = seller_token(http, OTHER_SELLER)
    assert all(value == [] for value in events_of(http, order_id, token=False, headers=other).values())
    by_order = {"relatedIdentifierName": "ORDER_ID", "relatedIdentifierValue": order_id}
    theirs = http.get(f"{V2024}/transactions", params=by_order, token=False, headers=other)
    assert theirs.json()["payload"]["transactions"] == []
    groups = http.get(f"{V0}/financialEventGroups", token=False, headers=other)
    assert groups.json()["payload"]["FinancialEventGroupList"] == []


# -- 2024-06-19 -------------------------------------------------------------------------------


def test_listtransactions_shows_the_shipment_and_the_refund_of_an_order(http):
    order_id, (item_id,) = shipped_order(http, 1)
    advance(http, "1h")
    assert http.post(f"/_mock/orders/{order_id}/actions", json={"action": "refund", "item": item_id}).status_code == 200
    advance(http, "48h3m")
    by_order = {"relatedIdentifierName": "ORDER_ID", "relatedIdentifierValue": order_id}
    transactions = http.get(f"{V2024}/transactions", params=by_order).json()["payload"]["transactions"]
    assert [(t["transactionType"], t["description"], t["transactionStatus"]) for t in transactions] == [
        ("Shipment", "Order Payment", "RELEASED"),
        ("Refund", "Refund Order", "RELEASED"),
    ]
    events = events_of(http, order_id)
    for transaction, event in zip(transactions, events["ShipmentEventList"] + events["RefundEventList"], strict=True):
        names = {
            related["relatedIdentifierName"]: related["relatedIdentifierValue"] for related in transaction["relatedIdentifiers"]
        }
        assert names["ORDER_ID"] == order_id and names["FINANCIAL_EVENT_GROUP_ID"]
        assert transaction["postedDate"] == event["PostedDate"]
        (item,) = transaction["items"]
        (context,) = item["contexts"]
        assert context["contextType"] == "ProductContext" and context["fulfillmentNetwork"] == "MFN"
        lines = event.get("ShipmentItemList") or event["ShipmentItemAdjustmentList"]
        v0_total = sum(
            (
                Decimal(str(part[key]["CurrencyAmount"]))
                for line in lines
                for name, key in (
                    ("ItemChargeList", "ChargeAmount"),
                    ("ItemChargeAdjustmentList", "ChargeAmount"),
                    ("ItemFeeList", "FeeAmount"),
                    ("ItemFeeAdjustmentList", "FeeAmount"),
                    ("PromotionList", "PromotionAmount"),
                    ("PromotionAdjustmentList", "PromotionAmount"),
                )
                for part in line.get(name) or []
            ),
            Decimal(0),
        ) + sum((withheld(line) for line in lines), Decimal(0))
        assert Decimal(str(transaction["totalAmount"]["currencyAmount"])) == v0_total


def test_a_deferred_transaction_shows_in_listtransactions_but_not_in_v0_until_released():
    policy = dataclasses.replace(Policy(), finance_deferral=timedelta(days=7))
    with over_a_socket(make_app(policy=policy)) as http:
        order_id, _ = shipped_order(http, 1)
        advance(http, "48h3m")
        by_order = {"relatedIdentifierName": "ORDER_ID", "relatedIdentifierValue": order_id}
        (held,) = http.get(f"{V2024}/transactions", params=by_order).json()["payload"]["transactions"]
        assert held["transactionStatus"] == "DEFERRED"
        assert events_of(http, order_id)["ShipmentEventList"] == []  # "Deferred events don't appear ... until they are released"
        advance(http, "7d")
        (released,) = http.get(f"{V2024}/transactions", params=by_order).json()["payload"]["transactions"]
        assert released["transactionStatus"] == "DEFERRED_RELEASED"
        assert events_of(http, order_id)["ShipmentEventList"]


def _balance(http, balance_type: str | None = None, **params) -> Decimal:
    query = {"marketplaceIds": "ATVPDKIKX0DER", **params, **({"balanceType": balance_type} if balance_type else {})}
    answer = http.get(f"{V2024}/balances", params=query)
    assert answer.status_code == 200, answer.text
    balances = answer.json()["balances"]
    return Decimal(str(balances[0]["amount"]["currencyAmount"])) if balances else Decimal(0)


def test_balances_hold_deferred_money_then_make_it_available_then_pay_it_out(tmp_path):
    policy = dataclasses.replace(Policy(), finance_deferral=timedelta(days=7))
    with over_a_socket(make_app(fixtures_dir=tmp_path, policy=policy)) as http:
        shipped_on = now(http)[:10]
        order_id, _ = shipped_order(http, 1)
        advance(http, "48h3m")
        by_order = {"relatedIdentifierName": "ORDER_ID", "relatedIdentifierValue": order_id}
        (transaction,) = _transactions(http, by_order)
        money_in = Decimal(str(transaction["totalAmount"]["currencyAmount"]))
        assert _balance(http, "DEFERRED") == money_in and _balance(http, "AVAILABLE") == 0
        assert _balance(http, "RESERVED") == money_in == _balance(http)  # TOTAL
        assert _balance(http, asOfDate=shipped_on) == 0  # the day it shipped: nothing posted yet
        advance(http, "7d")
        assert _balance(http, "AVAILABLE") == money_in and _balance(http, "DEFERRED") == 0
        (group,) = http.get(f"{V0}/financialEventGroups").json()["payload"]["FinancialEventGroupList"]
        settlement = {"relatedIdentifierName": "SETTLEMENT_ID", "relatedIdentifierValue": group["FinancialEventGroupId"]}
        (summary,) = http.get(f"{V2024}/summary", params=settlement).json()["summaries"]
        assert Decimal(str(summary["netProceeds"]["currencyAmount"])) == money_in
        advance(http, "15d")  # past the end of its settlement period: paid out
        assert _balance(http) == 0
        assert _balance(http, "AVAILABLE", asOfDate=_shift(now(http), days=-15)[:10]) == money_in


def test_summary_of_days_nets_the_transactions_posted_in_them(http):
    start = now(http)
    shipped_order(http, 1)
    shipped_order(http, 2)
    advance(http, "48h3m")
    posted = _transactions(http, {"postedAfter": _shift(start, days=2)[:10] + "T00:00:00Z"})
    days = {"periodStart": _shift(start, days=2)[:10], "periodEnd": _shift(start, days=2)[:10]}
    (summary,) = http.get(f"{V2024}/summary", params=days).json()["summaries"]
    net = sum((Decimal(str(t["totalAmount"]["currencyAmount"])) for t in posted), Decimal(0))
    assert Decimal(str(summary["netProceeds"]["currencyAmount"])) == net
    sales, expenses = summary["breakdowns"]
    assert (sales["breakdownType"], expenses["breakdownType"]) == ("Sales", "Expenses")
    parts = Decimal(str(sales["breakdownAmount"]["currencyAmount"])) + Decimal(str(expenses["breakdownAmount"]["currencyAmount"]))
    assert parts == net


def test_balances_and_summary_rules(http):
    assert "balanceType" in error(http.get(f"{V2024}/balances", params={"balanceType": "SPENDABLE"}))
    assert "nextToken" in error(http.get(f"{V2024}/balances", params={"nextToken": "abc"}))
    assert "asOfDate" in error(http.get(f"{V2024}/balances", params={"asOfDate": _shift(now(http), days=2)[:10]}))
    assert "marketplaceIds" in error(http.get(f"{V2024}/summary", params={"marketplaceIds": "NOPE"}))
    backwards = {"periodStart": "2025-06-10", "periodEnd": "2025-06-01"}
    assert "periodEnd" in error(http.get(f"{V2024}/summary", params=backwards))
    assert "relatedIdentifierName" in error(
        http.get(f"{V2024}/summary", params={"relatedIdentifierName": "ORDER_ID", "relatedIdentifierValue": "1"})
    )
    assert http.get(f"{V2024}/balances", params={"accountType": "Invoiced Orders"}).json() == {"balances": []}


# -- Amazon's parameter rules -----------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 101])
@pytest.mark.parametrize("path", ["/financialEventGroups", "/orders/123-1234567-1234567/financialEvents"])
def test_maxresultsperpage_is_1_to_100(http, path, size):
    assert "MaxResultsPerPage" in error(http.get(V0 + path, params={"MaxResultsPerPage": size}))


def test_listfinancialevents_needs_postedafter_as_amazon_says(http):
    message = error(http.get(f"{V0}/financialEvents"))
    assert message == "Must specify a valid value of atleast one of : 1)AmazonOrderId, 2)FinancialEventGroupId and 3)PostedAfter"


def test_posted_dates_follow_amazons_rules(http):
    current = now(http)
    one_minute_ago = _shift(current, minutes=-1)
    a_day_ago = _shift(current, days=-1)
    assert "PostedAfter" in error(http.get(f"{V0}/financialEvents", params={"PostedAfter": one_minute_ago}))
    too_late = {"PostedAfter": a_day_ago, "PostedBefore": one_minute_ago}
    assert "PostedBefore" in error(http.get(f"{V0}/financialEvents", params=too_late))
    backwards = {"PostedAfter": a_day_ago, "PostedBefore": _shift(current, days=-2)}
    assert "PostedBefore" in error(http.get(f"{V0}/financialEvents", params=backwards))
    alone = {"PostedBefore": a_day_ago}
    assert "PostedAfter" in error(http.get(f"{V0}/financialEventGroups/x/financialEvents", params=alone))
    started = {"FinancialEventGroupStartedAfter": one_minute_ago}
    assert "FinancialEventGroupStartedAfter" in error(http.get(f"{V0}/financialEventGroups", params=started))
    assert "PostedAfter" in error(http.get(f"{V0}/financialEvents", params={"PostedAfter": "yesterday"}))


def test_a_date_without_a_time_is_its_midnight_utc_as_amazons_own_examples_send_it(http):
    # Amazon's models give date-only examples (listTransactions' postedAfter "2023-01-12") and
    # clients send them: they are accepted, from midnight UTC.
    current = now(http)
    order_id, _ = shipped_order(http, 1)
    advance(http, "48h3m")
    day = _shift(current, days=-1)[:10]
    v0 = http.get(f"{V0}/financialEvents", params={"PostedAfter": day})
    assert v0.status_code == 200, v0.text
    assert order_id in [event["AmazonOrderId"] for event in v0.json()["payload"]["FinancialEvents"]["ShipmentEventList"]]
    listed = http.get(f"{V2024}/transactions", params={"postedAfter": day})
    assert listed.status_code == 200, listed.text
    related = [i["relatedIdentifierValue"] for t in listed.json()["payload"]["transactions"] for i in t["relatedIdentifiers"]]
    assert order_id in related
    groups = http.get(f"{V0}/financialEventGroups", params={"FinancialEventGroupStartedAfter": "2020-01-01"})
    assert groups.status_code == 200, groups.text


def test_bounds_more_than_180_days_apart_answer_nothing(http):
    current = now(http)
    order_id, _ = shipped_order(http, 1)
    advance(http, "48h3m")
    wide = {"PostedAfter": _shift(current, days=-200), "PostedBefore": _shift(current, days=2, seconds=30)}
    listed = http.get(f"{V0}/financialEvents", params=wide)
    assert listed.status_code == 200 and listed.json()["payload"]["FinancialEvents"]["ShipmentEventList"] == []
    narrow = {**wide, "PostedAfter": _shift(current, days=-10)}
    events = http.get(f"{V0}/financialEvents", params=narrow).json()["payload"]["FinancialEvents"]["ShipmentEventList"]
    assert order_id in [event["AmazonOrderId"] for event in events]


def test_listtransactions_rules(http):
    assert (
        error(http.get(f"{V2024}/transactions", params={"postedBefore": "2022-03-07T00:00:00Z"})) == "Start date cannot be null"
    )
    assert "relatedIdentifierValue" in error(http.get(f"{V2024}/transactions", params={"relatedIdentifierName": "ORDER_ID"}))
    named = {"relatedIdentifierName": "SHIPMENT_ID", "relatedIdentifierValue": "1"}
    assert "relatedIdentifierName" in error(http.get(f"{V2024}/transactions", params=named))
    start = {"postedAfter": "2025-01-01T00:00:00Z"}
    assert "transactionStatus" in error(http.get(f"{V2024}/transactions", params={**start, "transactionStatus": "OPEN"}))
    assert "marketplaceId" in error(http.get(f"{V2024}/transactions", params={**start, "marketplaceId": "NOPE"}))


def test_transactions_filter_by_status_and_marketplace(http):
    start = now(http)
    order_id, _ = shipped_order(http, 1)
    advance(http, "48h3m")
    query = {"postedAfter": start}
    ids = {t["relatedIdentifiers"][0]["relatedIdentifierValue"] for t in _transactions(http, query)}
    assert order_id in ids
    assert _transactions(http, {**query, "transactionStatus": "DEFERRED"}) == []
    assert _transactions(http, {**query, "marketplaceId": "A2EUQ1WTGCTBG2"}) == []
    assert _transactions(http, {**query, "marketplaceId": "ATVPDKIKX0DER", "transactionStatus": "RELEASED"})


# -- paging -----------------------------------------------------------------------------------


def test_events_page_with_nexttoken_and_a_token_belongs_to_its_query(http):
    start = now(http)
    first_order, _ = shipped_order(http, 1)
    advance(http, "1m")  # listed by posting time
    second_order, _ = shipped_order(http, 1)
    advance(http, "48h3m")
    query = {"PostedAfter": start, "MaxResultsPerPage": 1}
    first = http.get(f"{V0}/financialEvents", params=query).json()["payload"]
    token = first["NextToken"]
    second = http.get(f"{V0}/financialEvents", params={"NextToken": token}).json()["payload"]
    seen = [e["AmazonOrderId"] for page in (first, second) for e in page["FinancialEvents"]["ShipmentEventList"]]
    assert seen == [first_order, second_order] and "NextToken" not in second
    other = {"NextToken": token, "PostedAfter": _shift(start, days=-1)}
    assert "NextToken" in error(http.get(f"{V0}/financialEvents", params=other))
    by_order = http.get(f"{V0}/orders/{first_order}/financialEvents", params={"NextToken": token})
    assert "NextToken" in error(by_order)


def _transactions(http, params: dict) -> list[dict]:
    answer = http.get(f"{V2024}/transactions", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()["payload"]["transactions"]


def _shift(stamp: str, **delta) -> str:
    at = datetime.fromisoformat(stamp.replace("Z", "+00:00")) + timedelta(**delta)
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- Amazon's static sandbox ------------------------------------------------------------------

# Cases whose requests real seller software sends (fixtures/sandbox/finances-v0.json says why):
# answered for real, never with the sandbox's 400.
ANSWERED_FOR_REAL = {("listFinancialEventGroups", 400), ("listFinancialEvents", 400)}
SERVED = {
    "listFinancialEventGroups",
    "listFinancialEventsByGroupId",
    "listFinancialEventsByOrderId",
    "listFinancialEvents",
    "listTransactions",
    "listBalances",
    "listSummary",
}


def _served_sandbox_cases() -> list:
    return [
        case
        for case in sandbox_cases(FINANCES_V0) + sandbox_cases(FINANCES_2024)
        if case.values[3] is None or case.values[3]["operationId"] in SERVED
    ]


@pytest.mark.parametrize("method, template, status, case", _served_sandbox_cases())
def test_sandbox_case_is_answered_as_amazon_does(http, method, template, status, case):
    params = {name: spec["value"] for name, spec in case["request"]["parameters"].items()}
    path = re.sub(r"\{(\w+)\}", lambda m: params.pop(m.group(1)), template)
    response = http.request(method, path, params=params)
    if (case["operationId"], status) in ANSWERED_FOR_REAL:
        # Groups are listed; events without PostedAfter get Amazon's real refusal, not the canned one.
        assert response.json() != case["response"], response.text
        assert response.status_code == 200 or "3)PostedAfter" in response.text, response.text
        return
    assert response.status_code == status, response.text
    assert response.json() == case["response"]
