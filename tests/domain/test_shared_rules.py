"""Fast unit tests of the small rules every part of the domain shares: Amazon's policy numbers,
the marketplaces the mock knows, a seller's refresh token, what a missing order or seller says,
one order's item counts and cancellation flags, and how a status rule answers "why not"."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from spapi_mock.domain import model, orders
from spapi_mock.domain.exceptions import RuleViolation, Unknown, UnknownOrder, UnknownSeller
from spapi_mock.domain.marketplaces import require_known
from spapi_mock.domain.policy import Policy
from spapi_mock.domain.sellers import refresh_token_for

# -- policy ------------------------------------------------------------------------------------


def test_amazons_policy_numbers_are_the_defaults():
    """DESIGN.md: 30 minutes to self-cancel, 7 days after the ship-by date, 2.5% of MFN orders
    over 7 days; Seller Central: payment verification may take as long as 21 days."""
    policy = Policy()
    assert policy.buyer_self_cancel_window == timedelta(minutes=30)
    assert policy.auto_cancel_after == timedelta(days=7)
    assert policy.payment_authorization_timeout == timedelta(days=21)
    assert policy.cancellation_rate_threshold == Decimal("0.025")
    assert policy.cancellation_rate_window == timedelta(days=7)


DURATIONS = ("buyer_self_cancel_window", "auto_cancel_after", "payment_authorization_timeout", "cancellation_rate_window")


@pytest.mark.parametrize("name", DURATIONS)
def test_every_policy_duration_is_more_than_zero_and_at_most_three_years(name):
    assert getattr(Policy(**{name: timedelta(days=3 * 365)}), name) == timedelta(days=1095)
    assert getattr(Policy(**{name: timedelta(microseconds=1)}), name) == timedelta(microseconds=1)
    for bad in (timedelta(0), -timedelta(minutes=1), timedelta(days=1095, microseconds=1)):
        with pytest.raises(ValueError) as caught:
            Policy(**{name: bad})
        assert str(caught.value) == f"{name} must be more than 0 and at most 1095 days, not {bad}"


def test_the_cancellation_rate_threshold_is_a_share_more_than_zero_and_at_most_one():
    assert Policy(cancellation_rate_threshold=Decimal(1)).cancellation_rate_threshold == 1
    assert Policy(cancellation_rate_threshold=Decimal("0.0001")).cancellation_rate_threshold == Decimal("0.0001")
    for bad in (Decimal(0), Decimal("-0.01"), Decimal("1.0001")):
        with pytest.raises(ValueError) as caught:
            Policy(cancellation_rate_threshold=bad)
        assert str(caught.value) == f"cancellation_rate_threshold must be more than 0 and at most 1, not {bad}"


# -- marketplaces, sellers, what is unknown ------------------------------------------------------


def test_known_marketplaces_pass_and_unknown_ones_are_named():
    require_known(["ATVPDKIKX0DER", "A1PA6795UKMFR9"])
    require_known([])
    with pytest.raises(RuleViolation) as caught:
        require_known(["ATVPDKIKX0DER", "XX"])
    assert str(caught.value) == "Invalid marketplaceIds: XX is not a marketplace the mock knows."
    with pytest.raises(RuleViolation) as caught:
        require_known(["XX", "ATVPDKIKX0DER", "YY"], "MarketplaceIds")
    assert str(caught.value) == "Invalid MarketplaceIds: XX, YY are not marketplaces the mock knows."


def test_a_refresh_token_names_its_seller():
    assert refresh_token_for("A2SELLER") == "Atzr|spapi-mock|A2SELLER"


def test_an_unknown_order_or_seller_says_which():
    order = UnknownOrder("111-0000000-0000001")
    assert (order.order_id, str(order), isinstance(order, Unknown)) == (
        "111-0000000-0000001",
        "Order 111-0000000-0000001 not found.",
        True,
    )
    seller = UnknownSeller("A2SELLER")
    assert (seller.seller_id, str(seller), isinstance(seller, Unknown)) == ("A2SELLER", "Seller A2SELLER not found.", True)


# -- one order ---------------------------------------------------------------------------------


def test_payment_is_pending_in_pending_and_pending_availability_only():
    assert [orders.is_payment_pending({"OrderStatus": status}) for status in model.OrderStatus] == [
        True,  # PendingAvailability
        True,  # Pending
        False,
        False,
        False,
        False,
        False,
        False,
    ]
    assert orders.is_payment_pending({}) is False


def test_items_shipped_and_unshipped_are_counted_in_units():
    items = [
        {"QuantityOrdered": 3, "QuantityShipped": 1},
        {"QuantityOrdered": 2},
        {"QuantityOrdered": "2", "QuantityShipped": "2"},
        {"QuantityOrdered": None, "QuantityShipped": None},
    ]
    assert orders.item_counts(items, "PartiallyShipped") == (3, 4)
    assert [orders.unshipped_quantity(item, "PartiallyShipped") for item in items] == [2, 2, 0, 0]
    # Nothing is left to ship of a cancelled (or unfulfillable) order, whatever its items say.
    for status in ("Canceled", "Unfulfillable"):
        assert orders.item_counts(items, status) == (3, 0)
        assert [orders.unshipped_quantity(item, status) for item in items] == [0, 0, 0, 0]
    # More shipped than ordered never counts as less than nothing to ship.
    assert orders.item_counts([{"QuantityOrdered": 1, "QuantityShipped": 2}], "Shipped") == (2, 0)
    assert orders.unshipped_quantity({"QuantityOrdered": 1, "QuantityShipped": 2}, "Shipped") == 0
    assert orders.item_counts([], "Unshipped") == (0, 0)


def test_each_item_keeps_the_latest_cancellation_that_took_units_of_it():
    doc = {
        "items": [{"OrderItemId": "A"}, {"OrderItemId": "B"}, {"OrderItemId": "C"}],
        "cancellations": [
            {"by": "BUYER", "reason": "first", "at": "2025-06-15T12:00:00Z", "items": {"A": 1, "B": 0}},
            {"by": "MERCHANT", "reason": "second", "at": "2025-06-15T13:00:00Z", "items": {"B": 2}},
        ],
    }
    first = {"by": "BUYER", "reason": "first", "at": "2025-06-15T12:00:00Z"}
    second = {"by": "MERCHANT", "reason": "second", "at": "2025-06-15T13:00:00Z"}
    assert orders.item_cancellations(doc) == {"A": first, "B": second}
    # A cancellation recorded without items (a fixture's) concerns every item, and may say no more than who.
    doc["cancellations"].append({"by": "AMAZON"})
    everything = {"by": "AMAZON", "reason": None, "at": None}
    assert orders.item_cancellations(doc) == {"A": everything, "B": everything, "C": everything}
    doc["cancellations"].append({"by": "BUYER", "reason": "r", "at": "t", "items": {"A": 0}})
    assert orders.item_cancellations(doc)["C"] == {"by": "BUYER", "reason": "r", "at": "t"}
    assert orders.item_cancellations({"items": [{"OrderItemId": "A"}], "cancellations": None}) == {}


def test_buyer_requested_cancel_is_amazons_true_with_its_reason_or_an_explicit_false():
    reason = {"IsBuyerRequestedCancel": "true", "BuyerCancelReason": "Changed mind"}
    assert orders.buyer_requested_cancel({"BuyerRequestedCancel": reason}) == reason
    assert orders.buyer_requested_cancel(
        {"BuyerRequestedCancel": {"IsBuyerRequestedCancel": "true", "BuyerCancelReason": ""}}
    ) == {"IsBuyerRequestedCancel": "true"}
    assert orders.buyer_requested_cancel({"BuyerRequestedCancel": {"IsBuyerRequestedCancel": "true"}}) == {
        "IsBuyerRequestedCancel": "true"
    }
    assert orders.buyer_requested_cancel(
        {"BuyerRequestedCancel": {"IsBuyerRequestedCancel": "false", "BuyerCancelReason": "x"}}
    ) == {"IsBuyerRequestedCancel": "false"}
    assert orders.buyer_requested_cancel({"BuyerRequestedCancel": None}) == {"IsBuyerRequestedCancel": "false"}
    assert orders.buyer_requested_cancel({}) == {"IsBuyerRequestedCancel": "false"}


# -- the status machine ------------------------------------------------------------------------


def test_a_rule_says_why_it_refuses_a_status_and_nothing_for_one_it_acts_on():
    rule = model.Transition(
        {model.OrderStatus.UNSHIPPED: frozenset({model.OrderStatus.CANCELED})},
        "in general",
        {model.OrderStatus.SHIPPED: "because shipped"},
    )
    assert rule.why_not("Unshipped") is None
    assert rule.why_not("Shipped") == "because shipped"
    assert rule.why_not("Pending") == "in general"
    assert model.Transition({}, "always").why_not("Unshipped") == "always"


def test_a_status_that_stays_may_only_become_itself():
    assert model._stays(model.OrderStatus.PENDING, model.OrderStatus.SHIPPED) == {
        model.OrderStatus.PENDING: frozenset({model.OrderStatus.PENDING}),
        model.OrderStatus.SHIPPED: frozenset({model.OrderStatus.SHIPPED}),
    }
