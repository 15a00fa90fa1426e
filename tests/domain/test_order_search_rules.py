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
    # The window is the search's dates, not one of its filters.
    assert search.filters == {"MarketplaceIds": frozenset(US)}


@pytest.mark.parametrize("after", ["CreatedAfter", "LastUpdatedAfter"])
def test_the_window_bounds_are_not_filters(after):
    before = after.replace("After", "Before")
    search = parse({after: "2025-06-01", before: "2025-06-02", "MarketplaceIds": US, "OrderStatuses": "Shipped"}, NOW)
    assert search.filters == {"MarketplaceIds": frozenset(US), "OrderStatuses": frozenset({"Shipped"})}


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


# -- each filter selects only what Amazon's getOrders description says (ordersV0.json) ---------

# One order that every filter below selects; each case changes one field so that it no longer does.
ORDER = {
    "order": {
        "AmazonOrderId": "111-0000001-0000001",
        "MarketplaceId": US[0],
        "OrderStatus": "Unshipped",
        "FulfillmentChannel": "MFN",
        "PaymentMethod": "COD",
        "SellerOrderId": "SO-1",
        "BuyerInfo": {"BuyerEmail": "Sam@Example.com"},
        "EasyShipShipmentStatus": "PendingPickUp",
        "ElectronicInvoiceStatus": "Accepted",
        "IsISPU": True,
        "FulfillmentInstruction": {"FulfillmentSupplySourceId": "SRC-1"},
        "EarliestDeliveryDate": "2025-06-18T00:00:00Z",
        "LatestDeliveryDate": "2025-06-20T00:00:00Z",
    },
    "items": [{"StoreChainStoreId": "S9"}],
}
FILTERS = {
    "MarketplaceIds": ("ATVPDKIKX0DER", "MarketplaceId", "A2EUQ1WTGCTBG2"),
    "OrderStatuses": ("Unshipped", "OrderStatus", "Shipped"),
    "FulfillmentChannels": ("MFN", "FulfillmentChannel", "AFN"),
    "PaymentMethods": ("COD", "PaymentMethod", "Other"),
    "AmazonOrderIds": ("111-0000001-0000001", "AmazonOrderId", "111-0000001-0000002"),
    "SellerOrderId": ("SO-1", "SellerOrderId", "SO-2"),
    "BuyerEmail": ("sam@example.com", "BuyerInfo", {"BuyerEmail": "other@example.com"}),
    "EasyShipShipmentStatuses": ("PendingPickUp", "EasyShipShipmentStatus", "PickedUp"),
    "ElectronicInvoiceStatuses": ("Accepted", "ElectronicInvoiceStatus", "Errored"),
    "IsISPU": ("true", "IsISPU", False),
    "ActualFulfillmentSupplySourceId": ("SRC-1", "FulfillmentInstruction", {"FulfillmentSupplySourceId": "SRC-2"}),
}


def searching(**params) -> object:
    return parse({"CreatedAfter": "2025-06-01", "MarketplaceIds": US, **params}, NOW)


def changed(**order_fields) -> dict:
    return {**ORDER, "order": {**ORDER["order"], **order_fields}}


@pytest.mark.parametrize("name", list(FILTERS))
def test_each_filter_selects_the_orders_it_names_and_no_other(name):
    value, order_field, other = FILTERS[name]
    search = searching(**{name: value})
    assert search.matches(ORDER)
    assert not search.matches(changed(**{order_field: other}))


@pytest.mark.parametrize("name", [n for n in FILTERS if n not in ("MarketplaceIds", "AmazonOrderIds")])
def test_an_order_without_the_field_is_not_selected_by_its_filter(name):
    value, order_field, _ = FILTERS[name]
    without = {**ORDER, "order": {k: v for k, v in ORDER["order"].items() if k != order_field}}
    assert searching().matches(without)
    assert not searching(**{name: value}).matches(without)


def test_every_filter_at_once_selects_the_order_that_has_them_all():
    params = {name: value for name, (value, _, _) in FILTERS.items() if name not in ("SellerOrderId", "BuyerEmail")}
    assert parse({"CreatedAfter": "2025-06-01", **params}, NOW).matches(ORDER)
    assert searching(SellerOrderId="SO-1").matches(ORDER)


def test_a_list_filter_selects_any_of_its_values():
    assert searching(OrderStatuses=["Shipped", "Unshipped"]).matches(ORDER)
    assert searching(MarketplaceIds=["A2EUQ1WTGCTBG2", "ATVPDKIKX0DER"]).matches(ORDER)
    assert not searching(MarketplaceIds=["A2EUQ1WTGCTBG2"]).matches(ORDER)


def test_buyer_email_is_the_buyers_address_in_any_case():
    assert searching(BuyerEmail="SAM@example.COM").matches(ORDER)
    assert not searching(BuyerEmail="sam@example.co").matches(ORDER)
    assert not searching(BuyerEmail="sam@example.com").matches(changed(BuyerInfo={}))
    # An order without an address is selected by no address at all.
    for email in ("xxxx", "none"):
        assert not searching(BuyerEmail=email).matches(changed(BuyerInfo={}))


def test_an_order_not_for_store_pickup_is_selected_by_is_ispu_false():
    assert searching(IsISPU="false").matches(changed(IsISPU=False))
    assert searching(IsISPU="false").matches({**ORDER, "order": {k: v for k, v in ORDER["order"].items() if k != "IsISPU"}})
    assert not searching(IsISPU="false").matches(ORDER)


def test_store_chain_store_id_selects_an_order_with_an_item_of_that_store():
    assert searching(StoreChainStoreId="S9").matches({**ORDER, "items": [{}, {"StoreChainStoreId": "S9"}]})
    assert not searching(StoreChainStoreId="S9").matches({**ORDER, "items": [{"StoreChainStoreId": "S8"}]})


@pytest.mark.parametrize(
    ("param", "order_field", "bound", "inside", "outside"),
    [
        ("EarliestDeliveryDateAfter", "EarliestDeliveryDate", "2025-06-18", "2025-06-18T00:00:00Z", "2025-06-17T23:59:59Z"),
        ("EarliestDeliveryDateBefore", "EarliestDeliveryDate", "2025-06-18", "2025-06-18T00:00:00Z", "2025-06-18T00:00:01Z"),
        ("LatestDeliveryDateAfter", "LatestDeliveryDate", "2025-06-20", "2025-06-20T00:00:00Z", "2025-06-19T23:59:59Z"),
        ("LatestDeliveryDateBefore", "LatestDeliveryDate", "2025-06-20", "2025-06-20T00:00:00Z", "2025-06-20T00:00:01Z"),
    ],
)
def test_delivery_date_bounds_include_the_time_they_name(param, order_field, bound, inside, outside):
    """ "... before (or at)" and "after (or at)" the specified time."""
    search = searching(**{param: bound})
    assert search.matches(changed(**{order_field: inside}))
    assert not search.matches(changed(**{order_field: outside}))
    assert not search.matches({**ORDER, "order": {k: v for k, v in ORDER["order"].items() if k != order_field}})


# -- the parameters' own rules -----------------------------------------------------------------


def test_created_before_may_equal_created_after_but_not_precede_it():
    """ "CreatedBefore must be equal to or after the CreatedAfter date"."""
    search = parse({"CreatedAfter": "2025-06-10T00:00:00Z", "CreatedBefore": "2025-06-10T00:00:00Z", "MarketplaceIds": US}, NOW)
    assert (search.since, search.until) == ("2025-06-10T00:00:00Z", "2025-06-10T00:00:00Z")
    with pytest.raises(RuleViolation, match="CreatedBefore must be equal to or after CreatedAfter"):
        parse({"CreatedAfter": "2025-06-10T00:00:01Z", "CreatedBefore": "2025-06-10T00:00:00Z", "MarketplaceIds": US}, NOW)


def test_last_updated_before_may_equal_last_updated_after_but_not_precede_it():
    same = {"LastUpdatedAfter": "2025-06-10T00:00:00Z", "LastUpdatedBefore": "2025-06-10T00:00:00Z", "MarketplaceIds": US}
    assert parse(same, NOW).until == "2025-06-10T00:00:00Z"
    with pytest.raises(RuleViolation, match="LastUpdatedBefore must be equal to or after LastUpdatedAfter"):
        parse({**same, "LastUpdatedAfter": "2025-06-10T00:00:01Z"}, NOW)


def test_after_may_be_exactly_two_minutes_ago_but_not_later():
    assert searching(CreatedAfter="2025-06-15T11:58:00Z").since == "2025-06-15T11:58:00Z"
    with pytest.raises(
        RuleViolation, match=r"CreatedAfter must be at least two minutes before the current time \(2025-06-15T11:58:00Z\)"
    ):
        searching(CreatedAfter="2025-06-15T11:58:01Z")
    with pytest.raises(
        RuleViolation, match=r"CreatedBefore must be at least two minutes before the current time \(2025-06-15T11:58:00Z\)"
    ):
        searching(CreatedBefore="2025-06-15T11:58:01Z")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "Either CreatedAfter or LastUpdatedAfter must be specified."),
        (
            {"CreatedAfter": "2025-06-01", "LastUpdatedAfter": "2025-06-01"},
            "CreatedAfter and LastUpdatedAfter cannot both be specified.",
        ),
        (
            {"CreatedAfter": "2025-06-01", "LastUpdatedBefore": "2025-06-02"},
            "LastUpdatedBefore cannot be specified when CreatedAfter is specified.",
        ),
        (
            {"LastUpdatedAfter": "2025-06-01", "CreatedBefore": "2025-06-02"},
            "CreatedBefore cannot be specified when LastUpdatedAfter is specified.",
        ),
    ],
)
def test_created_and_last_updated_windows_do_not_mix(params, message):
    with pytest.raises(RuleViolation) as caught:
        parse({"MarketplaceIds": US, **params}, NOW)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("params", "clash"),
    [
        ({"CreatedAfter": "2025-06-01", "FulfillmentChannels": "MFN"}, "FulfillmentChannels"),
        ({"CreatedAfter": "2025-06-01", "OrderStatuses": "Shipped"}, "OrderStatuses"),
        ({"CreatedAfter": "2025-06-01", "PaymentMethods": "COD"}, "PaymentMethods"),
        ({"CreatedAfter": "2025-06-01", "BuyerEmail": "a@b.c"}, "BuyerEmail"),
        ({"LastUpdatedAfter": "2025-06-01"}, "LastUpdatedAfter"),
        ({"LastUpdatedAfter": "2025-06-01", "LastUpdatedBefore": "2025-06-02"}, "LastUpdatedAfter, LastUpdatedBefore"),
    ],
)
def test_seller_order_id_refuses_the_filters_amazon_names(params, clash):
    """ "If SellerOrderId is specified, then FulfillmentChannels, OrderStatuses, PaymentMethod,
    LastUpdatedAfter, LastUpdatedBefore, and BuyerEmail cannot be specified"."""
    with pytest.raises(RuleViolation) as caught:
        parse({"MarketplaceIds": US, "SellerOrderId": "SO-1", **params}, NOW)
    assert str(caught.value) == f"SellerOrderId cannot be specified together with {clash}."


def test_seller_order_id_names_every_clashing_filter():
    with pytest.raises(RuleViolation) as caught:
        searching(SellerOrderId="SO-1", OrderStatuses="Shipped", BuyerEmail="a@b.c")
    assert str(caught.value) == "SellerOrderId cannot be specified together with OrderStatuses, BuyerEmail."


def test_seller_order_id_goes_with_marketplaces_and_order_ids():
    assert searching(SellerOrderId="SO-1", AmazonOrderIds=[ORDER["order"]["AmazonOrderId"]]).matches(ORDER)


def test_amazon_order_ids_accept_50_values_and_no_more():
    """AmazonOrderIds: maxItems 50."""
    fifty = [f"111-0000001-{n:07d}" for n in range(1, 51)]
    assert len(searching(AmazonOrderIds=fifty).filters["AmazonOrderIds"]) == 50
    with pytest.raises(RuleViolation) as caught:
        searching(AmazonOrderIds=[*fifty, "111-0000001-0000051"])
    assert str(caught.value) == "AmazonOrderIds accepts at most 50 values."
    # The same id twice is one id.
    assert len(searching(AmazonOrderIds=[*fifty, fifty[0]]).filters["AmazonOrderIds"]) == 50


def test_marketplace_ids_are_required_and_must_be_amazons():
    for empty in ({}, {"MarketplaceIds": []}, {"MarketplaceIds": ""}, {"MarketplaceIds": " , "}):
        with pytest.raises(RuleViolation) as caught:
            parse({"CreatedAfter": "2025-06-01", **empty}, NOW)
        assert str(caught.value) == "MarketplaceIds is required and must name at least one marketplace."
    with pytest.raises(RuleViolation) as caught:
        searching(MarketplaceIds=["ATVPDKIKX0DER", "NOPE", "ALSO-NOPE"])
    assert str(caught.value) == "MarketplaceIds contains invalid marketplace id(s): ALSO-NOPE, NOPE."


def test_comma_separated_lists_are_lists():
    """Query arrays arrive as one comma-separated string (collectionFormat csv)."""
    search = searching(MarketplaceIds="ATVPDKIKX0DER, A2EUQ1WTGCTBG2,", OrderStatuses="Unshipped,Shipped")
    assert search.filters["MarketplaceIds"] == frozenset({"ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"})
    assert search.filters["OrderStatuses"] == frozenset({"Unshipped", "Shipped"})
    assert searching(OrderStatuses=[" Shipped ", ""]).filters["OrderStatuses"] == frozenset({"Shipped"})


@pytest.mark.parametrize(
    ("given", "expected"), [("true", True), ("TRUE", True), (" false ", False), (True, True), (False, False)]
)
def test_is_ispu_is_true_or_false(given, expected):
    assert searching(IsISPU=given).filters["IsISPU"] is expected


def test_is_ispu_refuses_anything_else():
    with pytest.raises(RuleViolation) as caught:
        searching(IsISPU="yes")
    assert str(caught.value) == "Invalid IsISPU: 'yes' is not true or false."


def test_a_date_that_does_not_parse_is_refused_naming_the_parameter():
    with pytest.raises(RuleViolation, match=r"^Invalid EarliestDeliveryDateAfter: "):
        searching(EarliestDeliveryDateAfter="not a date")


def test_delivery_date_before_may_equal_its_after_but_not_precede_it():
    same = searching(EarliestDeliveryDateAfter="2025-06-18", EarliestDeliveryDateBefore="2025-06-18")
    assert same.filters["EarliestDeliveryDateBefore"] == "2025-06-18T00:00:00Z"
    for early, late in (
        ("EarliestDeliveryDateAfter", "EarliestDeliveryDateBefore"),
        ("LatestDeliveryDateAfter", "LatestDeliveryDateBefore"),
    ):
        with pytest.raises(RuleViolation) as caught:
            searching(**{early: "2025-06-18T00:00:01Z", late: "2025-06-18T00:00:00Z"})
        assert str(caught.value) == f"{late} must be equal to or after {early}."


def test_refusals_use_the_callers_parameter_names():
    """Orders v2026-01-01's searchOrders has the same rules under camelCase names."""
    names = {"CreatedAfter": "createdAfter", "CreatedBefore": "createdBefore", "LastUpdatedAfter": "lastUpdatedAfter"}
    with pytest.raises(RuleViolation) as caught:
        parse({"MarketplaceIds": US}, NOW, names=names)
    assert str(caught.value) == "Either createdAfter or lastUpdatedAfter must be specified."
    with pytest.raises(RuleViolation) as caught:
        parse({"CreatedAfter": "2025-06-02", "CreatedBefore": "2025-06-01", "MarketplaceIds": US}, NOW, names=names)
    assert str(caught.value) == "createdBefore must be equal to or after createdAfter."
    # A name the caller did not rename keeps its own.
    with pytest.raises(RuleViolation) as caught:
        parse({"CreatedAfter": "2025-06-01"}, NOW, names=names)
    assert str(caught.value) == "MarketplaceIds is required and must name at least one marketplace."


def test_a_next_token_belongs_to_the_filters_a_request_carries():
    from spapi_mock.domain.order_search import explicit_filters

    assert explicit_filters(
        {"MarketplaceIds": "B,A,B", "CreatedAfter": "2025-06-01", "MaxResultsPerPage": 5, "IsISPU": None}
    ) == {
        "MarketplaceIds": ["A", "B"],
        "CreatedAfter": "2025-06-01",
    }
