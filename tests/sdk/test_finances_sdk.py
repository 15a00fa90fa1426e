"""Real SDK clients read an order's money from a live server, as reconciliation software does:
python-amazon-sp-api's ``Finances`` (v0, its default version) and ``FinancesV20240619``
(listTransactions), and amzn-sp-api's ``FinancesV0Api`` and ``FinancesV2024Api``. Three orders:
one shipped then refunded in part (a shipment event and a refund event), one cancelled before it
shipped (no event), one partially cancelled (the shipped item's money only). Every body is held
to Amazon's models.
"""

from __future__ import annotations

import json

import pytest

from spapi_mock.kernel import resources

from support.orders import place
from support.reference import assert_valid_response
from support.sdk import amzn_sp_api_client, python_sp_api_client, refresh_token

SERVE = ("--fixtures", str(resources.default_fixtures_dir()))
FROZEN_CLOCK = True
V0 = "/finances/v0"


@pytest.fixture(scope="module")
def orders(control) -> dict[str, tuple[str, list[str]]]:
    """The three orders, their events posted (48 hours later) and released."""
    refunded, (first, second) = place(control, 1, 2)
    cancelled, _ = place(control, 1)
    partial, (kept, dropped) = place(control, 1, 1)
    control.apply(refunded, "confirm_shipment")
    control.apply(cancelled, "seller_cancel", reason="NoInventory")
    control.apply(partial, "seller_cancel", reason="NoInventory", items=[dropped])
    control.apply(partial, "confirm_shipment")
    control.advance_clock("1h")
    control.apply(refunded, "refund", item=first)
    control.advance_clock("48h5m")
    return {"refunded": (refunded, [first, second]), "cancelled": (cancelled, []), "partial": (partial, [kept])}


@pytest.fixture(scope="module")
def psa(server):
    client = python_sp_api_client("Finances", server.base_url, refresh_token("finances"))
    yield client
    client.close()


@pytest.fixture(scope="module")
def psa_2024(server):
    client = python_sp_api_client("FinancesV20240619", server.base_url, refresh_token("finances-2024"))
    yield client
    client.close()


@pytest.fixture(scope="module")
def amzn(server):
    from spapi import FinancesV0Api, FinancesV2024Api

    client = amzn_sp_api_client(server.base_url, refresh_token("amzn-finances"))
    return FinancesV0Api(client.api_client), FinancesV2024Api(client.api_client)


def _lines(events: dict, kind: str) -> list[str]:
    key = "ShipmentItemList" if kind == "ShipmentEventList" else "ShipmentItemAdjustmentList"
    return [line["OrderItemId"] for event in events[kind] for line in event[key]]


def test_python_amazon_sp_api_reads_each_orders_events(psa, orders):
    refunded, (first, second) = orders["refunded"]
    answer = psa.get_financial_events_for_order(refunded)
    assert_valid_response("GET", f"{V0}/orders/{refunded}/financialEvents", 200, {"payload": answer.payload})
    events = answer.payload["FinancialEvents"]
    assert _lines(events, "ShipmentEventList") == [first, second]
    assert _lines(events, "RefundEventList") == [first]

    cancelled, _ = orders["cancelled"]
    nothing = psa.get_financial_events_for_order(cancelled).payload["FinancialEvents"]
    assert nothing["ShipmentEventList"] == [] and nothing["RefundEventList"] == []

    partial, [kept] = orders["partial"]
    events = psa.get_financial_events_for_order(partial).payload["FinancialEvents"]
    assert _lines(events, "ShipmentEventList") == [kept] and events["RefundEventList"] == []


def test_python_amazon_sp_api_reads_the_group_the_events_fell_in(psa, orders):
    refunded, _ = orders["refunded"]
    groups = psa.list_financial_event_groups(MaxResultsPerPage=100)
    assert_valid_response("GET", f"{V0}/financialEventGroups", 200, {"payload": groups.payload})
    found = {}
    for group in groups.payload["FinancialEventGroupList"]:
        assert group["ProcessingStatus"] in ("Open", "Closed")
        answer = psa.list_financial_events_by_group_id(group["FinancialEventGroupId"])
        assert_valid_response("GET", f"{V0}/financialEventGroups/x/financialEvents", 200, {"payload": answer.payload})
        for event in (
            answer.payload["FinancialEvents"]["ShipmentEventList"] + answer.payload["FinancialEvents"]["RefundEventList"]
        ):
            found.setdefault(event["AmazonOrderId"], []).append(group["FinancialEventGroupId"])
    assert len(found[refunded]) == 2  # its shipment and its refund


def test_python_amazon_sp_api_lists_the_transactions_of_an_order(psa_2024, orders):
    refunded, _ = orders["refunded"]
    answer = psa_2024.list_transactions(relatedIdentifierName="ORDER_ID", relatedIdentifierValue=refunded)
    assert_valid_response("GET", "/finances/2024-06-19/transactions", 200, {"payload": answer.payload})
    transactions = answer.payload["transactions"]
    assert [t["transactionType"] for t in transactions] == ["Shipment", "Refund"]
    assert all(t["transactionStatus"] == "RELEASED" for t in transactions)
    cancelled, _ = orders["cancelled"]
    none = psa_2024.list_transactions(relatedIdentifierName="ORDER_ID", relatedIdentifierValue=cancelled)
    assert none.payload["transactions"] == []


def test_amzn_sp_api_reads_each_orders_events_and_transactions(amzn, orders):
    v0, v2024 = amzn
    refunded, (first, second) = orders["refunded"]
    raw = v0.list_financial_events_by_order_id(refunded, _preload_content=False)
    assert_valid_response("GET", f"{V0}/orders/{refunded}/financialEvents", 200, json.loads(raw.data))
    events = v0.list_financial_events_by_order_id(refunded).payload.financial_events
    assert [line.order_item_id for e in events.shipment_event_list for line in e.shipment_item_list] == [first, second]
    (refund,) = events.refund_event_list
    assert [line.order_item_id for line in refund.shipment_item_adjustment_list] == [first]

    cancelled, _ = orders["cancelled"]
    assert v0.list_financial_events_by_order_id(cancelled).payload.financial_events.shipment_event_list == []
    partial, [kept] = orders["partial"]
    (shipment,) = v0.list_financial_events_by_order_id(partial).payload.financial_events.shipment_event_list
    assert [line.order_item_id for line in shipment.shipment_item_list] == [kept]

    raw = v2024.list_transactions(related_identifier_name="ORDER_ID", related_identifier_value=refunded, _preload_content=False)
    assert_valid_response("GET", "/finances/2024-06-19/transactions", 200, json.loads(raw.data))
    transactions = v2024.list_transactions(related_identifier_name="ORDER_ID", related_identifier_value=refunded).payload
    assert [t.transaction_type for t in transactions.transactions] == ["Shipment", "Refund"]
