"""Fast unit tests of getOrders' rules, with the clock passed in."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from spapi_mock.domain.exceptions import RuleViolation
from spapi_mock.domain.order_search import parse
from spapi_mock.store.database import LAST_UPDATE_DATE, PURCHASE_DATE

NOW = datetime(2025, 6, 15, 12, 0, 0, tzinfo=UTC)
US = ["ATVPDKIKX0DER"]


def test_window_defaults_to_two_minutes_before_now():
    search = parse({"CreatedAfter": "2025-06-01", "MarketplaceIds": US}, NOW)
    assert (search.by, search.since, search.until) == (PURCHASE_DATE, "2025-06-01T00:00:00Z", "2025-06-15T11:58:00Z")
    assert search.before_param == "CreatedBefore"


def test_last_updated_search_and_its_before_bound():
    search = parse(
        {"LastUpdatedAfter": "2025-06-01T00:00:00Z", "LastUpdatedBefore": "2025-06-15T11:58:00Z", "MarketplaceIds": US}, NOW
    )
    assert (search.by, search.until, search.before_param) == (LAST_UPDATE_DATE, "2025-06-15T11:58:00Z", "LastUpdatedBefore")


def test_a_next_token_keeps_the_window_of_its_first_page():
    search = parse({"CreatedAfter": "2025-06-01", "MarketplaceIds": US}, NOW, until="2025-06-10T00:00:00Z")
    assert search.until == "2025-06-10T00:00:00Z"


def test_filters_are_normalised():
    search = parse(
        {
            "CreatedAfter": "2025-06-01",
            "MarketplaceIds": US,
            "BuyerEmail": " A@B.com ",
            "OrderStatuses": ["Shipped", "Shipped"],
            "IsISPU": "false",
        },
        NOW,
    )
    assert search.filters["BuyerEmail"] == "a@b.com"
    assert search.filters["OrderStatuses"] == frozenset({"Shipped"})
    assert search.filters["IsISPU"] is False


@pytest.mark.parametrize(
    "params",
    [
        {"MarketplaceIds": US},
        {"CreatedAfter": "2025-06-01", "LastUpdatedAfter": "2025-06-01", "MarketplaceIds": US},
        {"CreatedAfter": "2025-06-01", "MarketplaceIds": []},
        {"CreatedAfter": "2025-06-01", "CreatedBefore": "2025-06-15T11:58:01Z", "MarketplaceIds": US},
        {"CreatedAfter": "2025-06-15T11:58:01Z", "MarketplaceIds": US},
    ],
)
def test_rule_violations(params):
    with pytest.raises(RuleViolation):
        parse(params, NOW)


def test_before_exactly_two_minutes_ago_is_allowed():
    assert (
        parse({"CreatedAfter": "2025-06-01", "CreatedBefore": "2025-06-15T11:58:00Z", "MarketplaceIds": US}, NOW).until
        == "2025-06-15T11:58:00Z"
    )


def test_matching():
    search = parse(
        {"CreatedAfter": "2025-06-01", "MarketplaceIds": US, "StoreChainStoreId": "S9", "LatestDeliveryDateBefore": "2025-06-20"},
        NOW,
    )
    base = {
        "order": {"AmazonOrderId": "1", "MarketplaceId": US[0], "LatestDeliveryDate": "2025-06-19T00:00:00Z"},
        "items": [{"StoreChainStoreId": "S9"}],
    }
    assert search.matches(base)
    assert not search.matches({**base, "items": [{}]})
    assert not search.matches({**base, "order": {**base["order"], "LatestDeliveryDate": "2025-06-21T00:00:00Z"}})
    assert not search.matches({**base, "order": {"AmazonOrderId": "1", "MarketplaceId": US[0]}})
