"""Fast unit tests of the seller's cancellation rate (DESIGN.md section 1, rule 9), with no HTTP.

Orders are cancelled through the lifecycle actions rather than by writing cancellation records
by hand, so these tests also hold the actions to what the rate expects of their records.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from spapi_mock.domain import cancellation_rate, lifecycle, order_factory
from spapi_mock.domain.policy import Policy
from spapi_mock.kernel.dates import to_wire
from spapi_mock.marketplace.fixtures import build_document

NOW = datetime(2025, 6, 15, 12, 0, 0, tzinfo=UTC)
SELLER = "A1MOCKSELLER00"
US = "ATVPDKIKX0DER"
POLICY = Policy()
_sequence = iter(range(1_000_000))


def placed(
    ago: timedelta = timedelta(days=1), status: str = "Unshipped", items: list[dict] | None = None, **order_fields
) -> dict:
    """An order placed ``ago`` before NOW."""
    at = NOW - ago
    order_id = order_factory.order_id(SELLER, US, to_wire(at), next(_sequence))
    spec = {"order": {"OrderStatus": status, **order_fields}, "items": items}
    return build_document(order_factory.new_order_record(spec, order_id, at), SELLER, at, "test")


def purchased_at(doc: dict) -> datetime:
    return datetime.fromisoformat(doc["order"]["PurchaseDate"])


def seller_cancelled(
    ago: timedelta = timedelta(days=1), reason: str = "NoInventory", after: timedelta = timedelta(hours=1), **order_fields
) -> dict:
    """An order placed ``ago`` before NOW and cancelled by the seller ``after`` that."""
    doc = placed(ago, **order_fields)
    return lifecycle.seller_cancel(doc, purchased_at(doc) + after, POLICY, reason)


def buyer_requested_then_cancelled(ago: timedelta = timedelta(days=1)) -> dict:
    doc = placed(ago)
    asked = lifecycle.request_cancellation(doc, purchased_at(doc) + timedelta(hours=1), POLICY, "Order Created By Mistake")
    return lifecycle.seller_cancel(asked, purchased_at(doc) + timedelta(hours=2), POLICY, "BuyerCanceled")


def compute(docs, policy: Policy = POLICY, now: datetime = NOW) -> cancellation_rate.CancellationRate:
    return cancellation_rate.compute(docs, SELLER, US, now, policy)


# -- the threshold -----------------------------------------------------------------------------


def test_one_seller_cancellation_in_forty_orders_is_exactly_the_threshold():
    result = compute([seller_cancelled()] + [placed() for _ in range(39)])
    assert (result.seller_cancelled, result.orders) == (1, 40)
    assert result.rate == Decimal("0.025")
    # Amazon's target is "below 2.5%": reaching it is already a breach.
    assert result.breached is True


def test_one_in_forty_one_is_just_below_the_threshold():
    result = compute([seller_cancelled()] + [placed() for _ in range(40)])
    assert (result.seller_cancelled, result.orders) == (1, 41)
    assert result.rate < Decimal("0.025")
    assert result.breached is False


def test_no_orders_is_no_rate_and_no_breach():
    result = compute([])
    assert (result.orders, result.seller_cancelled, result.rate, result.breached) == (0, 0, Decimal(0), False)
    assert result.as_dict()["rate"] == 0.0


def test_the_threshold_is_policy():
    docs = [seller_cancelled()] + [placed() for _ in range(49)]
    assert compute(docs).breached is False
    assert compute(docs, Policy(cancellation_rate_threshold=Decimal("0.02"))).breached is True


def test_as_dict_reports_every_figure():
    docs = [seller_cancelled(), seller_cancelled()] + [placed() for _ in range(4)]
    assert compute(docs).as_dict() == {
        "sellerId": SELLER,
        "marketplaceId": US,
        "windowStart": "2025-06-08T12:00:00Z",
        "windowEnd": "2025-06-15T12:00:00Z",
        "sellerCancelledOrders": 2,
        "orders": 6,
        "rate": 0.3333,
        "threshold": 0.025,
        "breached": True,
    }


# -- which orders are counted ------------------------------------------------------------------


def test_only_mfn_orders_count_on_either_side():
    afn_cancelled = seller_cancelled(FulfillmentChannel="AFN")
    assert afn_cancelled["cancellations"][-1]["counts_against_seller"] is True
    result = compute([afn_cancelled, placed(FulfillmentChannel="AFN"), placed()])
    assert (result.seller_cancelled, result.orders) == (0, 1)


@pytest.mark.parametrize(
    ("ago", "after", "expected"),
    [
        (timedelta(days=7), timedelta(0), (1, 1)),
        (timedelta(days=7, seconds=1), timedelta(0), (0, 0)),
        (timedelta(days=10), timedelta(days=4), (1, 1)),
        (timedelta(hours=1), timedelta(hours=2), (0, 1)),
        (-timedelta(seconds=1), timedelta(0), (0, 0)),
    ],
    ids=["at the window start", "just before it", "placed before, cancelled inside", "cancelled after now", "after now"],
)
def test_a_cancellation_counts_in_the_window_it_happened_in(ago, after, expected):
    # An order placed before the window but cancelled inside it counts (this is how Amazon's
    # automatic cancellation, 7+ days after the ship-by date, reaches the rate at all).
    result = compute([seller_cancelled(ago, after=after)])
    assert (result.seller_cancelled, result.orders) == expected


def test_an_order_listed_twice_counts_once():
    doc = seller_cancelled()
    assert (compute([doc, doc]).seller_cancelled, compute([doc, doc]).orders) == (1, 1)


def test_the_window_is_policy():
    docs = [seller_cancelled(timedelta(days=10)), placed(timedelta(days=1))]
    assert (compute(docs).seller_cancelled, compute(docs).orders) == (0, 1)
    longer = compute(docs, Policy(cancellation_rate_window=timedelta(days=30)))
    assert (longer.seller_cancelled, longer.orders, longer.window_start) == (1, 2, "2025-05-16T12:00:00Z")


def test_an_order_counts_once_however_many_of_its_items_were_cancelled():
    doc = placed(items=[{}, {}, {}])
    first, second, _ = [item["OrderItemId"] for item in doc["items"]]
    at = purchased_at(doc) + timedelta(hours=1)
    once = lifecycle.seller_cancel(doc, at, POLICY, "NoInventory", [first])
    twice = lifecycle.seller_cancel(once, at, POLICY, "PricingError", [second])
    assert twice["order"]["OrderStatus"] == "Unshipped"
    assert len(twice["cancellations"]) == 2
    result = compute([twice, placed()])
    assert (result.seller_cancelled, result.orders) == (1, 2)


def _auto_cancelled() -> dict:
    # Under the default 7 days Amazon cancels only orders placed more than 7 days ago, which
    # are outside the window; a shorter grace period brings one inside it.
    policy = Policy(auto_cancel_after=timedelta(days=1))
    doc = placed(timedelta(days=4))
    return lifecycle.auto_cancel(doc, datetime.fromisoformat(lifecycle.due_at(doc, policy)), policy)


def _payment_never_authorized() -> dict:
    # Amazon waits 21 days, which puts the order itself outside the window; a shorter wait
    # brings it inside, where it still counts among all orders.
    policy = Policy(payment_authorization_timeout=timedelta(hours=12))
    doc = placed(status="Pending")
    return lifecycle.apply_due(doc, datetime.fromisoformat(lifecycle.due_at(doc, policy)), policy)


EXCLUDED = {
    "buyer self-cancel": lambda: lifecycle.buyer_cancel(placed(), NOW - timedelta(days=1) + timedelta(minutes=5), POLICY),
    "BuyerCanceled answering a request": buyer_requested_then_cancelled,
    "payment declined": lambda: lifecycle.decline_payment(placed(status="Pending"), NOW - timedelta(hours=20), POLICY),
    "payment never authorized": _payment_never_authorized,
    "pre-order cancelled by the buyer": lambda: lifecycle.buyer_cancel(
        placed(status="PendingAvailability", OrderType="Preorder"), NOW, POLICY
    ),
}


COUNTED = {
    "NoInventory": lambda: seller_cancelled(reason="NoInventory"),
    "BuyerCanceled without a request": lambda: seller_cancelled(reason="BuyerCanceled"),
    "PricingError": lambda: seller_cancelled(reason="PricingError"),
    "automatic cancellation": _auto_cancelled,
}


@pytest.mark.parametrize("case", list(EXCLUDED))
def test_cancellations_that_are_not_the_sellers_fault_are_excluded(case):
    doc = EXCLUDED[case]()
    assert doc["order"]["OrderStatus"] == "Canceled"
    result = compute([doc, placed()])
    # The order still counts among all orders; only its cancellation is not held against the seller.
    assert (result.seller_cancelled, result.orders) == (0, 2)


@pytest.mark.parametrize("case", list(COUNTED))
def test_the_sellers_own_cancellations_count(case):
    doc = COUNTED[case]()
    assert doc["order"]["OrderStatus"] == "Canceled"
    result = compute([doc, placed()])
    assert (result.seller_cancelled, result.orders) == (1, 2)


def test_a_payment_never_authorized_in_21_days_leaves_the_rate_as_it_was():
    """Amazon's account health page: pending orders are not included in the cancellation rate
    ("Cancellation Rate", G200285210: "Pending orders or items that are cancelled ... are not
    included"), and an order cancelled because payment authorization did not succeed is
    Amazon's doing, not the seller's ("The Order Process", G200200040)."""
    doc = placed(timedelta(days=22), status="Pending")
    at = datetime.fromisoformat(lifecycle.due_at(doc, POLICY))
    assert at == purchased_at(doc) + timedelta(days=21)
    expired = lifecycle.apply_due(doc, at, POLICY)
    assert expired["order"]["OrderStatus"] == "Canceled"
    others = [seller_cancelled()] + [placed() for _ in range(9)]
    with_it, without = compute(others + [expired]), compute(others)
    assert (with_it.seller_cancelled, with_it.orders, with_it.rate) == (without.seller_cancelled, without.orders, without.rate)
    # Had it been Amazon's automatic cancellation, the same cancellation would count.
    assert compute([lifecycle.auto_cancel(placed(timedelta(days=22)), at, POLICY)]).seller_cancelled == 1


def test_a_fixture_cancellation_counts_as_its_record_says():
    # Fixtures state who cancelled; the loader works out whether it counts unless told.
    def fixture(order_id: str, cancellations: list[dict]) -> dict:
        record = order_factory.new_order_record({"order": {"OrderStatus": "Unshipped"}}, order_id, NOW - timedelta(days=1))
        record["order"]["OrderStatus"] = "Canceled"
        record["order"].pop("OrderTotal")
        record["cancellations"] = cancellations
        return build_document(record, SELLER, NOW, "test")

    docs = [
        fixture("111-0000000-0000001", [{"by": "MERCHANT", "reason": "NoInventory"}]),
        fixture("111-0000000-0000002", [{"by": "MERCHANT", "reason": "BuyerCanceled"}]),
        fixture("111-0000000-0000003", [{"by": "BUYER"}]),
        fixture("111-0000000-0000004", [{"by": "AMAZON", "reason": "ShipmentNotConfirmedInTime", "counts_against_seller": True}]),
    ]
    start, end = cancellation_rate.window(NOW, POLICY)
    assert [cancellation_rate.cancelled_against_seller(doc, start, end) for doc in docs] == [True, False, False, True]
    assert compute(docs).seller_cancelled == 2


# -- the window's edges and the rounding (survivors of mutation testing) -----------------------


def test_the_window_includes_both_its_ends():
    """A rolling 7 days up to now: an order placed, or cancelled, exactly 7 days ago or exactly now counts."""
    week = timedelta(days=7)
    placed_at_start, placed_now = placed(week), placed(timedelta(0))
    assert (compute([placed_at_start]).orders, compute([placed_now]).orders) == (1, 1)
    assert compute([placed(week + timedelta(seconds=1))]).orders == 0
    cancelled_now = seller_cancelled(timedelta(days=30), after=timedelta(days=30))
    assert (compute([cancelled_now]).seller_cancelled, compute([cancelled_now]).orders) == (1, 1)
    cancelled_at_start = seller_cancelled(timedelta(days=30), after=timedelta(days=23))
    assert compute([cancelled_at_start]).seller_cancelled == 1


def test_the_rate_is_rounded_half_up_to_four_places():
    """1 in 32 is 0.03125: half-up gives 0.0313 (banker's rounding would give 0.0312); 5 in 32 is 0.15625."""
    rate = cancellation_rate.CancellationRate(SELLER, US, "s", "e", 1, 32, Decimal("0.025"))
    assert rate.as_dict()["rate"] == 0.0313
    assert cancellation_rate.CancellationRate(SELLER, US, "s", "e", 5, 32, Decimal("0.025")).as_dict()["rate"] == 0.1563
