"""Every built-in scenario (fixtures/scenarios/), read through both Orders versions.

Each scenario runs on a fresh store of the default fixtures; then a v0 client (getOrder,
getOrderItems, getOrders) and a v2026-01-01 client (getOrder, searchOrders) read the result and
must agree: the same orders, the same statuses once mapped, the same items and quantities, the
same buyer cancellation requests. Who cancelled, which v0 cannot say, must read as the scenario
did it. Every body is validated against Amazon's model of its version by the CheckedClient.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from spapi_mock.control import LocalControl, scenarios
from spapi_mock.kernel import resources
from spapi_mock.kernel.dates import parse_iso, to_wire
from spapi_mock.views.orders_2026 import FULFILLMENT_STATUS

from support.http import US, CheckedClient, make_app

UK = "A1F83G8C2ARO7P"
MISTAKE = "Order Created By Mistake"
ALL_DATA = "BUYER,RECIPIENT,PROCEEDS,EXPENSE,PROMOTION,CANCELLATION,FULFILLMENT,PACKAGES,TAX,PAYMENT,FULFILLMENT_ORDERS"


@dataclass(frozen=True)
class Seen:
    """What the v2026 view must say of one of a scenario's orders."""

    status: str
    # SellerSKU -> cancellationExecution {cancelledBy, cancelReason} (items not named: none).
    executed: dict[str, tuple[str, str]] = field(default_factory=dict)
    # SellerSKU -> cancelReason of the buyer's request (items not named: none).
    requested: dict[str, str] = field(default_factory=dict)
    # SellerSKU -> quantity in confirmed packages.
    packaged: dict[str, int] = field(default_factory=dict)


def cancelled(sku: str, by: str, reason: str, requested: str | None = None) -> Seen:
    return Seen("CANCELLED", {sku: (by, reason)}, {sku: requested} if requested else {})


EXPECTED: dict[str, tuple[str, dict[str, Seen]]] = {
    "automatic-cancellation": (US, {"order": cancelled("KETTLE-1", "AMAZON", "ShipmentNotConfirmedInTime")}),
    "buyer-cancels-within-30-minutes": (US, {"order": cancelled("KETTLE-1", "BUYER", "BuyerCanceled")}),
    # A message is no request: the seller's BuyerCanceled is the seller's own cancellation.
    "buyer-messages-seller-cancels": (US, {"order": cancelled("KETTLE-1", "MERCHANT", "BuyerCanceled")}),
    "buyer-requests-cancellation": (US, {"order": cancelled("KETTLE-1", "MERCHANT", "BuyerCanceled", requested=MISTAKE)}),
    # The same answer, given through an order cancellation feed.
    "buyer-request-answered-by-feed": (US, {"order": cancelled("KETTLE-1", "MERCHANT", "BuyerCanceled", requested=MISTAKE)}),
    "cancellation-rate-breach": (
        UK,
        {
            "sale-1": cancelled("MUG-BLUE", "MERCHANT", "NoInventory"),
            "sale-2": cancelled("MUG-BLUE", "MERCHANT", "BuyerCanceled", requested=MISTAKE),
            "sale-3": cancelled("MUG-BLUE", "MERCHANT", "PricingError"),
            **{f"sale-{n}": Seen("UNSHIPPED") for n in range(4, 81)},
        },
    ),
    "cancellation-request-after-shipment": (US, {"order": Seen("SHIPPED", packaged={"KETTLE-1": 1})}),
    "out-of-stock": (US, {"order": cancelled("LANTERN-LED", "MERCHANT", "NoInventory")}),
    "partial-cancellation": (
        US,
        {"order": Seen("SHIPPED", {"LANTERN-LED": ("MERCHANT", "NoInventory")}, packaged={"TENT-2P": 1})},
    ),
    "pending-order-blocked": (US, {"order": Seen("SHIPPED", packaged={"KETTLE-1": 2})}),
}


def test_every_built_in_scenario_is_covered():
    assert {scenario.name for scenario in scenarios.list_scenarios()} == set(EXPECTED)


def ok(response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def read_v0(client: CheckedClient, order_id: str) -> tuple[dict, list[dict]]:
    order = ok(client.get(f"/orders/v0/orders/{order_id}"))["payload"]
    items = ok(client.get(f"/orders/v0/orders/{order_id}/orderItems"))["payload"]["OrderItems"]
    return order, items


def read_v2026(client: CheckedClient, order_id: str) -> dict:
    return ok(client.get(f"/orders/2026-01-01/orders/{order_id}", params={"includedData": ALL_DATA}))["order"]


def assert_agree(old: dict, old_items: list[dict], new: dict) -> None:
    """The v0 and v2026 views of one order say the same things."""
    where = old["AmazonOrderId"]
    assert new["orderId"] == where
    assert (new["createdTime"], new["lastUpdatedTime"]) == (old["PurchaseDate"], old["LastUpdateDate"]), where
    assert new["fulfillment"]["fulfillmentStatus"] == FULFILLMENT_STATUS[old["OrderStatus"]], where
    assert [item["orderItemId"] for item in new["orderItems"]] == [line["OrderItemId"] for line in old_items], where
    for line, item in zip(old_items, new["orderItems"], strict=True):
        assert item["product"]["sellerSku"] == line["SellerSKU"]
        assert item["quantityOrdered"] == line["QuantityOrdered"], where
        assert item["fulfillment"]["quantityFulfilled"] == line["QuantityShipped"], where
        flag = line["BuyerRequestedCancel"]
        request = (item.get("cancellation") or {}).get("cancellationRequest")
        expected = (
            {"requester": "BUYER", "cancelReason": flag["BuyerCancelReason"]}
            if flag["IsBuyerRequestedCancel"] == "true"
            else None
        )
        assert request == expected, where
    assert sum(i["fulfillment"]["quantityUnfulfilled"] for i in new["orderItems"]) == old["NumberOfItemsUnshipped"], where
    if "OrderTotal" in old:
        assert new["proceeds"]["grandTotal"] == {
            "amount": old["OrderTotal"]["Amount"],
            "currencyCode": old["OrderTotal"]["CurrencyCode"],
        }
    else:
        assert "grandTotal" not in (new.get("proceeds") or {}), where


def seen(new: dict) -> Seen:
    """The facts of Seen, read from a v2026 order."""
    skus = {item["orderItemId"]: item["product"]["sellerSku"] for item in new["orderItems"]}
    executed, requested, packaged = {}, {}, {}
    for item in new["orderItems"]:
        cancellation = item.get("cancellation") or {}
        if "cancellationExecution" in cancellation:
            execution = cancellation["cancellationExecution"]
            executed[item["product"]["sellerSku"]] = (execution["cancelledBy"], execution["cancelReason"])
        if "cancellationRequest" in cancellation:
            requested[item["product"]["sellerSku"]] = cancellation["cancellationRequest"]["cancelReason"]
    for package in new.get("packages") or []:
        assert package["packageStatus"] == {"status": "SHIPPED"} and package["trackingNumber"]
        for line in package["packageItems"]:
            packaged[skus[line["orderItemId"]]] = packaged.get(skus[line["orderItemId"]], 0) + line["quantity"]
    return Seen(new["fulfillment"]["fulfillmentStatus"], executed, requested, packaged)


def listed(client: CheckedClient, v0: bool, params: dict) -> dict[str, str]:
    """order id -> status (this version's words) of every order a poll lists, all pages."""
    found, token = {}, None
    while True:
        if v0:
            page = ok(client.get("/orders/v0/orders", params={**params, **({"NextToken": token} if token else {})}))["payload"]
            found.update({o["AmazonOrderId"]: FULFILLMENT_STATUS[o["OrderStatus"]] for o in page["Orders"]})
            token = page.get("NextToken")
        else:
            page = ok(client.get("/orders/2026-01-01/orders", params={**params, **({"paginationToken": token} if token else {})}))
            found.update({o["orderId"]: o["fulfillment"]["fulfillmentStatus"] for o in page["orders"]})
            token = (page.get("pagination") or {}).get("nextToken")
        if not token:
            return found


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_scenario_reads_the_same_through_v0_and_v2026(name):
    marketplace, expected = EXPECTED[name]
    app = make_app(fixtures_dir=resources.default_fixtures_dir())
    control = LocalControl(app.services.backend)
    result = control.run_scenario(name)
    assert set(result["orders"]) == set(expected)
    # Past getOrders' two-minute lag, so polling sees the scenario's last changes.
    control.advance_clock("3m")
    with app.test_client() as raw:
        client = CheckedClient(raw)
        earliest = None
        for order_name, order_id in result["orders"].items():
            old, old_items = read_v0(client, order_id)
            new = read_v2026(client, order_id)
            assert_agree(old, old_items, new)
            assert seen(new) == expected[order_name], (name, order_name)
            earliest = min(earliest or old["PurchaseDate"], old["PurchaseDate"])

        # Polling for changes: the same orders, in the same statuses, through either version.
        since = to_wire(parse_iso(earliest) - timedelta(seconds=1))
        by_v0 = listed(client, True, {"LastUpdatedAfter": since, "MarketplaceIds": marketplace, "MaxResultsPerPage": 30})
        by_v2026 = listed(
            client,
            False,
            {"lastUpdatedAfter": since, "marketplaceIds": marketplace, "maxResultsPerPage": 30, "includedData": "FULFILLMENT"},
        )
    assert by_v2026 == by_v0
    assert set(result["orders"].values()) <= set(by_v2026)
