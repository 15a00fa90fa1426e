"""Orders placed, and the clock moved, through the control plane: what the feed and report tests
start from, whether they drive the app in this process (a ``CheckedClient``, ``http``) or a live
server (``HttpControl``, ``control``). Both take the same order spec, so an order a feed test
places is the order a report test places."""

from __future__ import annotations

MISTAKE = "Order Created By Mistake"
# The nine marketplaces of the built-in fixtures (fixtures/default/README.md), in Amazon's table
# order: North America, Europe, Far East.
BUILT_IN_MARKETPLACES = (
    "ATVPDKIKX0DER",
    "A2EUQ1WTGCTBG2",
    "A1AM78C64UM0Y8",
    "A1F83G8C2ARO7P",
    "A1PA6795UKMFR9",
    "A13V1IB3VIYZZH",
    "APJ6JRA9NG5V4",
    "A1RKKUPIHCS9HS",
    "A1VC38T7YXB528",
)


def order_spec(*quantities: int, status: str = "Unshipped", channel: str = "MFN", **order) -> dict:
    """One item per quantity; paid for and merchant-fulfilled unless told otherwise, as the orders
    a seller's feeds act on and its actionable-orders report lists."""
    return {
        "order": {"OrderStatus": status, "FulfillmentChannel": channel, **order},
        "items": [{"QuantityOrdered": q} for q in quantities],
    }


def ids(created: dict) -> tuple[str, list[str]]:
    """(order id, item ids) of a created order's answer."""
    return created["order"]["AmazonOrderId"], [item["OrderItemId"] for item in created["items"]]


def new_order(http, *quantities: int, status: str = "Unshipped", channel: str = "MFN", **order) -> tuple[str, list[str]]:
    answer = http.post("/_mock/orders", json=order_spec(*quantities, status=status, channel=channel, **order))
    assert answer.status_code == 201, answer.text
    return ids(answer.json())


def advance(http, by: str) -> None:
    assert http.post("/_mock/clock/advance", json={"by": by}).status_code == 200


def place(control, *quantities: int, status: str = "Unshipped", channel: str = "MFN") -> tuple[str, list[str]]:
    return ids(control.create_order(order_spec(*quantities, status=status, channel=channel)))


def buyer_requests_cancellation(control, order_id: str, items: list[str] | None = None) -> None:
    """The buyer asks to cancel (the whole order, or these items). Past the order's first half hour:
    within it a buyer cancels alone, and there would be no request for the seller to answer."""
    control.advance_clock("31m")
    control.apply(order_id, "buyer_request_cancellation", reason=MISTAKE, **({"items": items} if items else {}))


def paid_then_requested(control) -> tuple[str, str, str, str]:
    """An order placed and paid for, whose buyer 45 minutes later formally asks to cancel its first
    line: (order id, first item id, second item id, request time). On a frozen clock, so that the
    request time is the order's LastUpdateDate to the second."""
    created = control.create_order({"order": {}, "items": [{}, {"QuantityOrdered": 2}]})
    order_id = created["order"]["AmazonOrderId"]
    first, second = (item["OrderItemId"] for item in created["items"])
    assert control.apply(order_id, "authorize_payment")["order"]["OrderStatus"] == "Unshipped"
    control.advance_clock("45m")
    requested_at = control.clock()["now"]
    after = control.apply(order_id, "buyer_request_cancellation", reason=MISTAKE, items=[first])
    assert after["order"]["LastUpdateDate"] == requested_at
    # getOrders shows nothing of the last two minutes.
    control.advance_clock("3m")
    return order_id, first, second, requested_at
