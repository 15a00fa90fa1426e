"""Fast unit tests of the order factory (domain/order_factory.py), with no HTTP: a new order's
defaults, and every refusal of a record (a fixture's, or a new order's) word for word.

Amazon's v0 model says what an order is; what the model cannot say (3-7-7 order ids, shipped no
more than ordered, a buyer's cancellation request needing its reason, LastUpdateDate not before
PurchaseDate) is checked here. The schema check itself lives above the domain: these tests pass
in a stand-in that records what it was asked to check.
"""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime, timedelta

import pytest

from spapi_mock.domain import order_factory
from spapi_mock.domain.exceptions import FixtureError, RuleViolation

NOW = datetime(2025, 6, 15, 12, 0, 0, tzinfo=UTC)
SELLER = "A1MOCKSELLER00"
US = "ATVPDKIKX0DER"
DE = "A1PA6795UKMFR9"
JP = "A1VC38T7YXB528"
ORDER_ID = "111-0000000-0000001"


def no_schema_problem(value, schema, where, prefix):
    return None


def record(**order_fields) -> dict:
    """A fixture record of one Unshipped US order of two units, one of them shipped."""
    order = {
        "AmazonOrderId": ORDER_ID,
        "PurchaseDate": "2025-06-14T12:00:00Z",
        "OrderStatus": "Unshipped",
        "FulfillmentChannel": "MFN",
        "MarketplaceId": US,
    }
    order.update(order_fields)
    return {"order": order, "items": [{"OrderItemId": "1", "QuantityOrdered": 2, "QuantityShipped": 1}]}


def build(given, where: str = "f.yaml: order #1", check=no_schema_problem) -> dict:
    before = copy.deepcopy(given)
    doc = order_factory.build_document(given, SELLER, NOW, where, check)
    assert given == before, "build_document changed the record it was given"
    return doc


def problems(given, where: str = "f.yaml: order #1", check=no_schema_problem) -> list[str]:
    with pytest.raises(FixtureError) as caught:
        order_factory.build_document(given, SELLER, NOW, where, check)
    return str(caught.value).split("\n")


def refused(spec) -> str:
    with pytest.raises(RuleViolation) as caught:
        order_factory.new_order_record(spec, ORDER_ID, NOW)
    return str(caught.value)


# -- order ids ---------------------------------------------------------------------------------


def test_order_ids_stay_the_same_from_one_release_to_the_next():
    """A scenario run against a fresh store places the same orders under the same ids, so users
    may write them into their expectations: these are pinned, not recomputed."""
    at = "2025-06-15T12:00:00Z"
    assert [order_factory.order_id(SELLER, US, at, n) for n in range(3)] == [
        "111-2446497-8215006",
        "113-6853951-2238458",
        "114-1711335-7382009",
    ]
    assert [order_factory.order_id(SELLER, DE, at, n) for n in range(3)] == [
        "303-5602097-5339953",
        "302-2510627-3345258",
        "304-8025928-7263824",
    ]
    assert order_factory.order_id(SELLER, JP, at, 0) == "249-9249875-7968304"
    # A marketplace the mock does not know is numbered as North America's.
    assert order_factory.order_id(SELLER, "XUNKNOWN", at, 2) == "113-0980124-4982051"
    # Every input counts.
    assert order_factory.order_id("OTHER", US, at, 0) != order_factory.order_id(SELLER, US, at, 0)
    assert order_factory.order_id(SELLER, US, "2025-06-15T12:00:01Z", 0) != order_factory.order_id(SELLER, US, at, 0)


def test_order_ids_use_every_prefix_of_their_region():
    at = "2025-06-15T12:00:00Z"
    for marketplace, prefixes in (
        (US, {"111", "112", "113", "114"}),
        (DE, {"302", "303", "304", "305"}),
        (JP, {"249", "250", "503"}),
    ):
        ids = [order_factory.order_id(SELLER, marketplace, at, n) for n in range(200)]
        assert all(re.fullmatch(r"\d{3}-\d{7}-\d{7}", order_id) for order_id in ids)
        assert {order_id[:3] for order_id in ids} == prefixes


# -- a new order -------------------------------------------------------------------------------


DEFAULT_ORDER = {
    "AmazonOrderId": ORDER_ID,
    "PurchaseDate": "2025-06-15T12:00:00Z",
    "LastUpdateDate": "2025-06-15T12:00:00Z",
    "OrderStatus": "Pending",
    "FulfillmentChannel": "MFN",
    "MarketplaceId": US,
    "SalesChannel": "Amazon.com",
    "OrderType": "StandardOrder",
    "ShipServiceLevel": "Std Dom",
    "ShipmentServiceLevelCategory": "Standard",
    "PaymentMethod": "Other",
    "PaymentMethodDetails": ["Standard"],
    "EarliestShipDate": "2025-06-15T12:00:00Z",
    "LatestShipDate": "2025-06-17T12:00:00Z",
    "EarliestDeliveryDate": "2025-06-18T12:00:00Z",
    "LatestDeliveryDate": "2025-06-22T12:00:00Z",
    "IsBusinessOrder": False,
    "IsPrime": False,
    "IsPremiumOrder": False,
    "IsGlobalExpressEnabled": False,
    "IsReplacementOrder": False,
    "IsSoldByAB": False,
    "IsISPU": False,
    "IsAccessPointOrder": False,
    "HasRegulatedItems": False,
    "BuyerInfo": {"BuyerEmail": "11100000000000001@marketplace.amazon.com"},
    "ShippingAddress": {
        "Name": "Sam Buyer",
        "AddressLine1": "1 Example Street",
        "City": "Exampleton",
        "PostalCode": "10001",
        "CountryCode": "US",
    },
    "OrderTotal": {"CurrencyCode": "USD", "Amount": "19.99"},
}


def test_a_new_order_is_a_typical_pending_us_mfn_order_of_one_item():
    """What every field defaults to, written out: a Pending MFN order on Amazon.com placed now,
    shipping within two days and delivered within three to seven, of one new item at 19.99."""
    made = order_factory.new_order_record({}, ORDER_ID, NOW)
    assert made == {
        "order": DEFAULT_ORDER,
        "items": [
            {
                "ASIN": "B0MOCK0001",
                # The order id's last twelve digits, then the item's number.
                "OrderItemId": "00000000000101",
                "SellerSKU": "MOCK-SKU-1",
                "Title": "Mock item 1",
                "QuantityOrdered": 1,
                "QuantityShipped": 0,
                "ProductInfo": {"NumberOfItems": "1"},
                "ItemPrice": {"CurrencyCode": "USD", "Amount": "19.99"},
                "ItemTax": {"CurrencyCode": "USD", "Amount": "0.00"},
                "IsGift": "false",
                "ConditionId": "New",
                "ConditionSubtypeId": "New",
                "IsTransparency": False,
                "SerialNumberRequired": False,
            }
        ],
    }


def test_a_new_order_keeps_what_its_spec_gives_and_numbers_its_items_from_one():
    spec = {
        "order": {"OrderStatus": "Unshipped", "MarketplaceId": DE, "IsPrime": True},
        "items": [{"QuantityOrdered": 3}, {"Title": "Given", "ItemPrice": {"CurrencyCode": "EUR", "Amount": "5.00"}}],
        "address": {"BuyerCompanyName": "Acme"},
    }
    given = copy.deepcopy(spec)
    made = order_factory.new_order_record(spec, "303-1234567-7654321", NOW)
    assert spec == given, "new_order_record changed the spec it was given"
    order, items = made["order"], made["items"]
    assert (order["OrderStatus"], order["MarketplaceId"], order["IsPrime"], order["OrderType"]) == (
        "Unshipped",
        DE,
        True,
        "StandardOrder",
    )
    assert (order["SalesChannel"], order["ShippingAddress"]["CountryCode"]) == ("Amazon.de", "DE")
    assert order["BuyerInfo"] == {"BuyerEmail": "30312345677654321@marketplace.amazon.com"}
    assert [item["OrderItemId"] for item in items] == ["34567765432101", "34567765432102"]
    assert [item["ASIN"] for item in items] == ["B0MOCK0001", "B0MOCK0002"]
    assert [item["SellerSKU"] for item in items] == ["MOCK-SKU-1", "MOCK-SKU-2"]
    assert [item["Title"] for item in items] == ["Mock item 1", "Given"]
    assert [item["QuantityOrdered"] for item in items] == [3, 1]
    assert items[0]["ItemPrice"] == {"CurrencyCode": "EUR", "Amount": "59.97"}
    assert items[0]["ItemTax"] == {"CurrencyCode": "EUR", "Amount": "0.00"}
    assert order["OrderTotal"] == {"CurrencyCode": "EUR", "Amount": "64.97"}
    assert made["address"] == {"BuyerCompanyName": "Acme"} and "regulated" not in made
    assert order["HasRegulatedItems"] is False


def test_a_new_preorder_is_placed_pending_availability():
    made = order_factory.new_order_record({"order": {"OrderStatus": "PendingAvailability"}}, ORDER_ID, NOW)
    assert made["order"]["OrderType"] == "Preorder" and made["order"]["OrderStatus"] == "PendingAvailability"
    made = order_factory.new_order_record({"order": {"OrderStatus": "Unshipped"}}, ORDER_ID, NOW)
    assert made["order"]["OrderType"] == "StandardOrder"


def test_a_new_orders_total_counts_every_charge_and_deducts_every_discount():
    charges = {name: {"CurrencyCode": "USD", "Amount": "1.00"} for name in ("ShippingPrice", "ItemTax", "ShippingTax")}
    discounts = {
        name: {"CurrencyCode": "USD", "Amount": "0.10"}
        for name in ("ShippingDiscount", "ShippingDiscountTax", "PromotionDiscount", "PromotionDiscountTax")
    }
    spec = {"items": [{"ItemPrice": {"CurrencyCode": "USD", "Amount": "10.00"}, **charges, **discounts}]}
    assert order_factory.new_order_record(spec, ORDER_ID, NOW)["order"]["OrderTotal"]["Amount"] == "12.60"
    # Money without an amount, or not money at all, adds nothing.
    spec = {
        "items": [
            {"ItemPrice": {"CurrencyCode": "USD", "Amount": "10.00"}, "ItemTax": {"CurrencyCode": "USD"}, "ShippingTax": "1.00"}
        ]
    }
    assert order_factory.new_order_record(spec, ORDER_ID, NOW)["order"]["OrderTotal"]["Amount"] == "10.00"
    # A number given as a number is read as its text.
    spec = {
        "items": [{"ItemPrice": {"CurrencyCode": "USD", "Amount": 0.1}}, {"ItemPrice": {"CurrencyCode": "USD", "Amount": 0.2}}]
    }
    assert order_factory.new_order_record(spec, ORDER_ID, NOW)["order"]["OrderTotal"]["Amount"] == "0.30"


def test_yen_have_no_decimals():
    made = order_factory.new_order_record({"order": {"MarketplaceId": JP}, "items": [{"QuantityOrdered": 2}]}, ORDER_ID, NOW)
    assert made["items"][0]["ItemPrice"] == {"CurrencyCode": "JPY", "Amount": "40"}
    assert made["items"][0]["ItemTax"] == {"CurrencyCode": "JPY", "Amount": "0"}
    assert made["order"]["OrderTotal"] == {"CurrencyCode": "JPY", "Amount": "40"}


def test_a_new_regulated_order_says_it_has_regulated_items():
    made = order_factory.new_order_record({"regulated": {"RegulatedInformation": {}}}, ORDER_ID, NOW)
    assert made["regulated"] == {"RegulatedInformation": {}} and made["order"]["HasRegulatedItems"] is True
    made = order_factory.new_order_record({"regulated": None, "address": None}, ORDER_ID, NOW)
    assert "regulated" not in made and "address" not in made


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (["order"], "An order to place is a mapping with 'order' and/or 'items'."),
        ({"shipping": {}, "buyer": {}}, "Unknown field(s) for a new order: buyer, shipping (expected order, items, address)."),
        ({"order": ["Pending"]}, "Field 'order' of a new order must be a mapping of Amazon's Order fields."),
        ({"order": {"MarketplaceId": "XNOTAMARKET"}}, "Unknown MarketplaceId 'XNOTAMARKET'."),
        (
            {"order": {"OrderStatus": "Shipped"}},
            "A new order is placed as Pending, PendingAvailability, Unshipped, not Shipped; later states are reached "
            "through actions, or loaded as fixtures.",
        ),
        ({"items": []}, "Field 'items' of a new order must be a non-empty list of Amazon's OrderItem fields."),
        (
            {"items": {"QuantityOrdered": 1}},
            "Field 'items' of a new order must be a non-empty list of Amazon's OrderItem fields.",
        ),
        ({"items": [{}, "B000"]}, "Item #2 of a new order must be a mapping of Amazon's OrderItem fields."),
        (
            {"items": [{}, {"QuantityOrdered": 0}]},
            "Item #2 of a new order: QuantityOrdered must be a positive whole number, not 0.",
        ),
        (
            {"items": [{"QuantityOrdered": -1}]},
            "Item #1 of a new order: QuantityOrdered must be a positive whole number, not -1.",
        ),
        (
            {"items": [{"QuantityOrdered": "2"}]},
            "Item #1 of a new order: QuantityOrdered must be a positive whole number, not '2'.",
        ),
        (
            {"items": [{"QuantityOrdered": 1.5}]},
            "Item #1 of a new order: QuantityOrdered must be a positive whole number, not 1.5.",
        ),
        (
            {"items": [{"QuantityOrdered": True}]},
            "Item #1 of a new order: QuantityOrdered must be a positive whole number, not True.",
        ),
        (
            {"items": [{"ItemTax": {"CurrencyCode": "USD", "Amount": "a lot"}}]},
            "Invalid ItemTax.Amount 'a lot': a decimal number of less than a trillion.",
        ),
        # Rounded to cents in Decimal's 28 digits, these were a 500 (InvalidOperation).
        (
            {"items": [{"ItemPrice": {"CurrencyCode": "USD", "Amount": "1e999999"}}]},
            "Invalid ItemPrice.Amount '1e999999': a decimal number of less than a trillion.",
        ),
        (
            {"items": [{"ItemPrice": {"CurrencyCode": "USD", "Amount": "12345678901234567890123456789.99"}}]},
            "Invalid ItemPrice.Amount '12345678901234567890123456789.99': a decimal number of less than a trillion.",
        ),
        (
            {"items": [{"ShippingPrice": {"CurrencyCode": "USD", "Amount": "-Infinity"}}]},
            "Invalid ShippingPrice.Amount '-Infinity': a decimal number of less than a trillion.",
        ),
    ],
)
def test_a_new_order_refuses_what_cannot_be_placed_saying_why(spec, message):
    assert refused(spec) == message


def test_a_new_order_of_one_unit_is_placed():
    made = order_factory.new_order_record({"items": [{"QuantityOrdered": 1}]}, ORDER_ID, NOW)
    assert made["items"][0]["QuantityOrdered"] == 1
    assert order_factory.given_order({"order": None}) == {}


# -- building the stored document --------------------------------------------------------------


def test_a_record_becomes_a_document_with_counts_from_its_items_and_its_first_history_entry():
    given = record(NumberOfItemsShipped=9, NumberOfItemsUnshipped=9)
    given["items"][0]["BuyerRequestedCancel"] = {"IsBuyerRequestedCancel": "true", "BuyerCancelReason": "Changed mind"}
    given["items"].append({"OrderItemId": "2", "QuantityOrdered": 1})
    doc = build(given)
    assert doc == {
        "seller_id": SELLER,
        "order": {
            "AmazonOrderId": ORDER_ID,
            "PurchaseDate": "2025-06-14T12:00:00Z",
            "LastUpdateDate": "2025-06-14T12:00:00Z",
            "OrderStatus": "Unshipped",
            "FulfillmentChannel": "MFN",
            "MarketplaceId": US,
            "SalesChannel": "Amazon.com",
            "NumberOfItemsShipped": 1,
            "NumberOfItemsUnshipped": 2,
        },
        "items": [
            {
                "OrderItemId": "1",
                "QuantityOrdered": 2,
                "QuantityShipped": 1,
                "BuyerRequestedCancel": {"IsBuyerRequestedCancel": "true", "BuyerCancelReason": "Changed mind"},
            },
            {"OrderItemId": "2", "QuantityOrdered": 1, "BuyerRequestedCancel": {"IsBuyerRequestedCancel": "false"}},
        ],
        "address": {},
        "regulated": None,
        "cancellations": [],
        "history": [{"at": "2025-06-14T12:00:00Z", "event": "Placed", "status": "Unshipped"}],
    }


def test_a_records_own_sales_channel_last_update_address_and_regulated_info_are_kept():
    given = record(SalesChannel="Non-Amazon", LastUpdateDate="2025-06-15T00:00:00Z")
    given["address"] = {"BuyerCompanyName": "Acme"}
    given["regulated"] = {"RegulatedInformation": {"Fields": []}}
    doc = build(given)
    assert doc["order"]["SalesChannel"] == "Non-Amazon" and doc["order"]["LastUpdateDate"] == "2025-06-15T00:00:00Z"
    assert doc["address"] == {"BuyerCompanyName": "Acme"}
    assert doc["regulated"] == {"RegulatedInformation": {"Fields": []}}


def test_a_cancelled_record_has_nothing_left_to_ship():
    doc = build(record(OrderStatus="Canceled"))
    assert (doc["order"]["NumberOfItemsShipped"], doc["order"]["NumberOfItemsUnshipped"]) == (1, 0)


def test_the_schema_check_is_asked_about_every_part_of_the_record_with_its_name_and_place():
    given = record()
    given["items"].append({"OrderItemId": "2", "QuantityOrdered": 1})
    given["address"] = {"BuyerCompanyName": "Acme"}
    given["regulated"] = {"RegulatedInformation": {}}
    asked = []
    build(
        given,
        "f.yaml: order #3",
        lambda value, schema, where, prefix: asked.append((copy.deepcopy(value), schema, where, prefix)),
    )
    where = f"f.yaml: order #3 ({ORDER_ID})"
    assert asked == [
        ({**given["order"], "LastUpdateDate": "2025-06-14T12:00:00Z"}, "Order", where, "order"),
        (given["items"][0], "OrderItem", where, "items[0]"),
        (given["items"][1], "OrderItem", where, "items[1]"),
        ({"AmazonOrderId": ORDER_ID, "BuyerCompanyName": "Acme"}, "OrderAddress", where, "address"),
        ({"AmazonOrderId": ORDER_ID, "RegulatedInformation": {}}, "OrderRegulatedInfo", where, "regulated"),
    ]


def test_the_counts_are_never_read_from_the_record_so_the_schema_never_sees_them():
    asked = []
    build(record(NumberOfItemsShipped=5, NumberOfItemsUnshipped="x"), check=lambda value, *rest: asked.append(set(value)))
    assert "NumberOfItemsShipped" not in asked[0] and "NumberOfItemsUnshipped" not in asked[0]


def test_every_problem_of_a_record_is_reported_at_once_each_once():
    given = record(MarketplaceId="XNOTAMARKET", AmazonOrderId="111-0000000-000001X")
    given["extra"] = 1
    given["other"] = 2
    given["items"] = [
        {"OrderItemId": "1", "QuantityOrdered": 1, "QuantityShipped": 2},
        {"OrderItemId": "1", "QuantityOrdered": 1, "BuyerRequestedCancel": {"IsBuyerRequestedCancel": "yes"}},
        {"OrderItemId": "3", "QuantityOrdered": 1, "BuyerRequestedCancel": {"IsBuyerRequestedCancel": "true"}},
    ]

    def check(value, schema, where, prefix):
        # Two problems in one, and one said twice: each appears once.
        raise FixtureError(f"{where}: field {prefix}: schema says no\n{where}: field {prefix}: schema says no")

    where = "f.yaml: order #1 (111-0000000-000001X)"
    assert problems(given, check=check) == [
        f"{where}: unknown field(s): extra, other",
        f"{where}: field order: schema says no",
        f"{where}: field items[0]: schema says no",
        f"{where}: field items[1]: schema says no",
        f"{where}: field items[2]: schema says no",
        f"{where}: field order.MarketplaceId: unknown marketplace id 'XNOTAMARKET'",
        f"{where}: field order.AmazonOrderId: '111-0000000-000001X' is not in 3-7-7 format",
        f"{where}: field items[0].QuantityShipped is larger than QuantityOrdered",
        f"{where}: field items[1].OrderItemId: '1' appears twice",
        f'{where}: field items[1].BuyerRequestedCancel.IsBuyerRequestedCancel must be the string "true" or "false"',
        f'{where}: field items[2].BuyerRequestedCancel.BuyerCancelReason is required when IsBuyerRequestedCancel is "true"',
    ]


@pytest.mark.parametrize(
    "order_id", ["111-0000000", "111-0000000-0000001-1", "1111-000000-0000001", "111-0000000-000001", "111-000a000-0000001"]
)
def test_an_amazon_order_id_is_three_seven_and_seven_digits(order_id):
    assert problems(record(AmazonOrderId=order_id)) == [
        f"f.yaml: order #1 ({order_id}): field order.AmazonOrderId: '{order_id}' is not in 3-7-7 format"
    ]


def test_a_record_that_is_not_a_mapping_is_refused():
    assert problems(["order"]) == ["f.yaml: order #1: expected a mapping with 'order' and 'items'"]


def test_a_record_without_order_or_items_says_both():
    assert problems({}) == [
        "f.yaml: order #1: field 'order' is missing or not a mapping",
        "f.yaml: order #1: field 'items' must be a non-empty list",
    ]
    assert problems({"order": {"AmazonOrderId": ORDER_ID}, "items": {"OrderItemId": "1"}, "x": 1}) == [
        f"f.yaml: order #1 ({ORDER_ID}): unknown field(s): x",
        f"f.yaml: order #1 ({ORDER_ID}): field 'items' must be a non-empty list",
    ]
    given = record()
    given["items"] = []
    assert problems(given) == [f"f.yaml: order #1 ({ORDER_ID}): field 'items' must be a non-empty list"]


def test_each_missing_required_field_is_named_and_last_update_date_is_not_reported_twice():
    def check(value, schema, where, prefix):
        # The schema names what is missing as the loader does, LastUpdateDate included.
        missing = [name for name in ("PurchaseDate", "LastUpdateDate") if name not in value]
        if missing and prefix == "order":
            raise FixtureError("\n".join(f"{where}: field {prefix}.{name} is required" for name in missing))

    assert problems({"order": {"AmazonOrderId": "", "OrderStatus": None}, "items": [{}]}, check=check) == [
        "f.yaml: order #1: field order.AmazonOrderId is required",
        "f.yaml: order #1: field order.PurchaseDate is required",
        "f.yaml: order #1: field order.OrderStatus is required",
        "f.yaml: order #1: field order.MarketplaceId is required",
        "f.yaml: order #1: field order.FulfillmentChannel is required",
    ]
    # Without a PurchaseDate problem, a LastUpdateDate the schema misses is its own problem.
    assert problems(
        record(), check=lambda value, schema, where, prefix: check({}, schema, where, prefix) if prefix == "order" else None
    ) == [
        f"f.yaml: order #1 ({ORDER_ID}): field order.PurchaseDate is required",
        f"f.yaml: order #1 ({ORDER_ID}): field order.LastUpdateDate is required",
    ]


def test_a_last_update_before_the_purchase_is_refused_and_equal_dates_are_not():
    message = f"f.yaml: order #1 ({ORDER_ID}): field order.LastUpdateDate is before order.PurchaseDate"
    assert problems(record(LastUpdateDate="2025-06-14T11:59:59Z")) == [message]
    build(record(LastUpdateDate="2025-06-14T12:00:00Z"))


def test_a_shipped_quantity_equal_to_the_ordered_one_is_fine_and_counts_that_are_not_whole_are_the_schemas():
    given = record()
    given["items"] = [
        {"OrderItemId": "1", "QuantityOrdered": 2, "QuantityShipped": 2},
        {"OrderItemId": "2", "QuantityOrdered": True, "QuantityShipped": 3},
        {"OrderItemId": "3", "QuantityOrdered": 1, "QuantityShipped": "3"},
        {"OrderItemId": "4", "QuantityOrdered": 1, "QuantityShipped": None},
    ]
    doc = build(given)
    assert doc["order"]["NumberOfItemsShipped"] == 2 + 3 + 3


def test_item_checks_pass_by_what_the_schema_reports():
    given = record()
    given["items"] = [
        "not an item",
        {"OrderItemId": 7, "QuantityOrdered": 1, "BuyerRequestedCancel": "true"},
        {"OrderItemId": 7, "QuantityOrdered": 1, "BuyerRequestedCancel": {"IsBuyerRequestedCancel": "false"}},
        {"OrderItemId": "8", "QuantityOrdered": 1, "BuyerRequestedCancel": {"IsBuyerRequestedCancel": None}},
    ]
    # The first item is the schema's to refuse; a non-string id twice is its too.
    rules = order_factory._rule_problems(given["order"], given["items"], "w")
    assert rules == []


# -- cancellations of a fixture order ----------------------------------------------------------


def cancelled(*entries, **order_fields) -> list[dict]:
    given = record(OrderStatus="Canceled", LastUpdateDate="2025-06-14T13:00:00Z", **order_fields)
    given["cancellations"] = list(entries)
    return build(given)["cancellations"]


def test_a_sellers_cancellation_counts_against_it_unless_it_answered_the_buyer():
    assert cancelled({"by": "MERCHANT", "reason": "NoInventory", "at": "now-1h"}) == [
        {
            "at": "2025-06-15T11:00:00Z",
            "by": "MERCHANT",
            "reason": "NoInventory",
            "items": {},
            "answers_buyer_request": False,
            "counts_against_seller": True,
        }
    ]
    assert cancelled({"by": "MERCHANT"}) == [
        {
            "at": "2025-06-14T13:00:00Z",
            "by": "MERCHANT",
            "reason": "BuyerCanceled",
            "items": {},
            "answers_buyer_request": True,
            "counts_against_seller": False,
        }
    ]


def test_the_buyers_and_amazons_cancellations_never_count_unless_the_record_says_so():
    found = cancelled({"by": "BUYER", "reason": "NoInventory"}, {"by": "AMAZON", "at": "2025-06-14T14:00:00Z"})
    assert [(c["by"], c["reason"], c["at"], c["answers_buyer_request"], c["counts_against_seller"]) for c in found] == [
        ("BUYER", "NoInventory", "2025-06-14T13:00:00Z", False, False),
        ("AMAZON", "BuyerCanceled", "2025-06-14T14:00:00Z", False, False),
    ]
    said = cancelled(
        {"by": "BUYER", "counts_against_seller": True},
        {"by": "MERCHANT", "reason": "NoInventory", "counts_against_seller": False},
    )
    assert [c["counts_against_seller"] for c in said] == [True, False]


@pytest.mark.parametrize(
    ("cancellations", "problem"),
    [
        ({"by": "MERCHANT"}, "field cancellations must be a list of {by, reason, at}"),
        (["MERCHANT"], "field cancellations[0]: expected {by, reason, at, counts_against_seller}"),
        (
            [{"by": "BUYER"}, {"by": "BUYER", "when": "now"}],
            "field cancellations[1]: expected {by, reason, at, counts_against_seller}",
        ),
        ([{"by": "SELLER"}], "field cancellations[0].by must be one of BUYER, MERCHANT, AMAZON"),
        ([{"reason": "x"}], "field cancellations[0].by must be one of BUYER, MERCHANT, AMAZON"),
        ([{"by": "BUYER", "counts_against_seller": "yes"}], "field cancellations[0].counts_against_seller must be true or false"),
        (
            [{"by": "BUYER", "at": "yesterday"}],
            "field cancellations[0].at: 'yesterday' is not an ISO 8601 date, e.g. 2024-01-15T08:23:11Z",
        ),
    ],
)
def test_a_cancellation_record_is_refused_naming_its_field(cancellations, problem):
    given = record(OrderStatus="Canceled")
    given["cancellations"] = cancellations
    assert problems(given) == [f"f.yaml: order #1 ({ORDER_ID}): {problem}"]


# -- refunds of a fixture order ---------------------------------------------------------------


def refunds(*entries, **order_fields) -> list[dict]:
    given = record(OrderStatus="PartiallyShipped", OrderTotal={"CurrencyCode": "USD", "Amount": "20.00"}, **order_fields)
    given["refunds"] = list(entries)
    return build(given).get("refunds")


def test_a_refund_is_kept_as_the_adjustment_feed_records_it():
    # lifecycle.refund's record: "AMOUNT CURRENCY" per component, what went back to the buyer.
    assert refunds(
        {"item": "1", "at": "now-1h", "reason": "Exchange", "quantity": 1, "amounts": {"Principal": "9.99", "Tax": 0.8}}
    ) == [
        {
            "at": "2025-06-15T11:00:00Z",
            "item": "1",
            "reason": "Exchange",
            "amounts": {"Principal": "9.99 USD", "Tax": "0.8 USD"},
            "quantity": 1,
        }
    ]
    # By default a customer return at the order's last update, its quantity left to the rules;
    # an amount that names its currency keeps it.
    assert refunds({"item": "1", "amounts": {"Principal": "5.00 USD"}}, LastUpdateDate="2025-06-14T18:00:00Z") == [
        {"at": "2025-06-14T18:00:00Z", "item": "1", "reason": "CustomerReturn", "amounts": {"Principal": "5.00 USD"}}
    ]


def test_a_record_without_refunds_has_none_and_the_currency_may_come_from_the_items():
    assert refunds() is None
    given = record(OrderStatus="PartiallyShipped")
    given["items"][0]["ItemPrice"] = {"CurrencyCode": "EUR", "Amount": "20.00"}
    given["refunds"] = [{"item": "1", "amounts": {"Principal": "1.00"}}]
    assert build(given)["refunds"][0]["amounts"] == {"Principal": "1.00 EUR"}


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ({"item": "1"}, "field refunds must be a list of {item, at, reason, amounts, quantity}"),
        (["1"], "field refunds[0]: expected {item, at, reason, amounts, quantity}"),
        ([{"item": "1", "amounts": {"Principal": "1"}, "when": "now"}], "field refunds[0]: expected {item, at, reason"),
        ([{"item": "2", "amounts": {"Principal": "1"}}], "field refunds[0].item: '2' is not an item of the order that shipped"),
        ([{"item": "1", "amounts": {}}], "field refunds[0].amounts must map price components (Principal, Tax...) to amounts"),
        ([{"item": "1", "amounts": ["1.00"]}], "field refunds[0].amounts must map price components"),
        ([{"item": "1", "amounts": {"Principal": "ten"}}], "field refunds[0].amounts.Principal: 'ten' is not an amount"),
        ([{"item": "1", "amounts": {"Principal": "NaN"}}], "field refunds[0].amounts.Principal: 'NaN' is not an amount"),
        (
            [{"item": "1", "amounts": {"Principal": "1e30 USD"}}],
            "field refunds[0].amounts.Principal: '1e30 USD' is not an amount",
        ),
        (
            [{"item": "1", "amounts": {"Principal": "1"}, "quantity": 2}],
            "field refunds[0].quantity must be a whole number from 1 to the 1 shipped",
        ),
        ([{"item": "1", "amounts": {"Principal": "1"}, "quantity": 0}], "field refunds[0].quantity must be a whole number"),
        ([{"item": "1", "amounts": {"Principal": "1"}, "quantity": True}], "field refunds[0].quantity must be a whole number"),
        (
            [{"item": "1", "amounts": {"Principal": "1"}, "at": "yesterday"}],
            "field refunds[0].at: 'yesterday' is not an ISO 8601",
        ),
    ],
)
def test_a_refund_record_is_refused_naming_its_field(given, problem):
    record_ = record(OrderStatus="PartiallyShipped")
    record_["refunds"] = given
    (found,) = problems(record_)
    assert found.startswith(f"f.yaml: order #1 ({ORDER_ID}): {problem}"), found


def test_an_item_that_never_shipped_cannot_have_been_refunded():
    given = record()
    given["items"][0]["QuantityShipped"] = 0
    given["refunds"] = [{"item": "1", "amounts": {"Principal": "1"}}]
    assert problems(given) == [
        f"f.yaml: order #1 ({ORDER_ID}): field refunds[0].item: '1' is not an item of the order that shipped"
    ]


# -- dates -------------------------------------------------------------------------------------


def test_dates_may_be_relative_to_now_wherever_they_are_and_other_values_are_copied():
    given = record(PurchaseDate="now-1d", LatestShipDate="now+2d", EarliestShipDate=None, BuyerInfo={"BuyerEmail": "now-1d"})
    given["items"][0]["ScheduledDeliveryStartDate"] = "now+1d2h"
    given["items"][0]["Tags"] = ["now-1d", {"ReviewDate": "now"}, [{"ReviewDate": "now-1h"}]]
    doc = build(given)
    assert doc["order"]["PurchaseDate"] == "2025-06-14T12:00:00Z"
    assert doc["order"]["LatestShipDate"] == "2025-06-17T12:00:00Z"
    assert doc["order"]["EarliestShipDate"] is None
    assert doc["order"]["BuyerInfo"] == {"BuyerEmail": "now-1d"}
    assert doc["items"][0]["ScheduledDeliveryStartDate"] == "2025-06-16T14:00:00Z"
    assert doc["items"][0]["Tags"] == ["now-1d", {"ReviewDate": "2025-06-15T12:00:00Z"}, [{"ReviewDate": "2025-06-15T11:00:00Z"}]]


def test_every_date_that_does_not_parse_is_named_where_it_is_and_dates_are_then_not_compared():
    given = record(
        PurchaseDate="2025-06-14T12:00:00Z", LastUpdateDate="2025-06-01T00:00:00Z", LatestShipDate="soon", ReviewDate=5
    )
    given["items"][0]["ScheduledDeliveryEndDate"] = "later"
    given["items"][0]["Dates"] = [{"ReviewDate": "0000-01-01"}, {"ReviewDate": "now"}]
    given["address"] = {"DeliveryPreferences": {"ReviewDate": "9999-12-31T23:00:00-05:00"}}
    where = f"f.yaml: order #1 ({ORDER_ID})"
    relative = "(or relative: now-3d4h)"
    not_iso = "is not an ISO 8601 date, e.g. 2024-01-15T08:23:11Z"
    assert problems(given) == [
        f"{where}: field order.LatestShipDate: 'soon' {not_iso} {relative}",
        f"{where}: field items[0].ScheduledDeliveryEndDate: 'later' {not_iso} {relative}",
        f"{where}: field items[0].Dates[0].ReviewDate: '0000-01-01' {not_iso} {relative}",
        f"{where}: field address.DeliveryPreferences.ReviewDate: '9999-12-31T23:00:00-05:00' is outside the dates spapi-mock "
        f"takes, 0002-01-01T00:00:00Z to 9998-12-31T23:59:59Z {relative}",
    ]


def test_a_date_too_far_from_now_to_reckon_is_named_too():
    given = record(LatestShipDate="now+99999999d")
    assert len(problems(given)) == 1 and "field order.LatestShipDate: " in problems(given)[0]


def test_the_named_problems_leave_good_dates_resolved():
    given = record(PurchaseDate="now-1d", LatestShipDate="soon")
    resolved, found = order_factory._resolved_copy(given, NOW, "w")
    assert resolved["order"]["PurchaseDate"] == "2025-06-14T12:00:00Z" and resolved["order"]["LatestShipDate"] == "soon"
    assert resolved["items"] == given["items"] and resolved["items"] is not given["items"]
    assert found == [
        "w: field order.LatestShipDate: 'soon' is not an ISO 8601 date, e.g. 2024-01-15T08:23:11Z (or relative: now-3d4h)"
    ]
    assert order_factory._resolved_copy(given["order"], NOW, "w")[1] == [
        "w: field LatestShipDate: 'soon' is not an ISO 8601 date, e.g. 2024-01-15T08:23:11Z (or relative: now-3d4h)"
    ]


def test_a_due_date_after_a_now_relative_purchase_reads_from_the_same_clock():
    # The same relative text resolves against each call's own now.
    first = build(record(PurchaseDate="now-1h"))["order"]["PurchaseDate"]
    later = order_factory.build_document(record(PurchaseDate="now-1h"), SELLER, NOW + timedelta(hours=1), "w", no_schema_problem)
    assert (first, later["order"]["PurchaseDate"]) == ("2025-06-15T11:00:00Z", "2025-06-15T12:00:00Z")


def test_the_checks_of_every_item_go_on_past_one_the_schema_refuses():
    """A non-mapping item, or a BuyerRequestedCancel that is not one, is the schema's to report;
    the items after it are still checked."""
    given = record()
    given["items"] = [
        "not an item",
        {"OrderItemId": "1", "QuantityOrdered": 1, "BuyerRequestedCancel": "true"},
        {"OrderItemId": "2", "QuantityOrdered": 1, "QuantityShipped": 2},
    ]
    assert problems(given) == [f"f.yaml: order #1 ({ORDER_ID}): field items[2].QuantityShipped is larger than QuantityOrdered"]


def test_an_item_whose_every_unit_was_cancelled_has_shipped_none_of_them():
    given = record(OrderStatus="Canceled")
    given["items"] = [{"OrderItemId": "1", "QuantityOrdered": 0}]
    assert build(given)["items"][0]["QuantityOrdered"] == 0


def test_a_new_orders_record_shares_nothing_with_its_spec():
    spec = {
        "order": {"ShippingAddress": {"City": "Seattle"}},
        "items": [{"ItemPrice": {"CurrencyCode": "USD", "Amount": "1.00"}}],
    }
    made = order_factory.new_order_record(spec, ORDER_ID, NOW)
    made["order"]["ShippingAddress"]["City"] = "Tacoma"
    assert spec["order"]["ShippingAddress"] == {"City": "Seattle"}


def test_a_record_whose_dates_all_parse_is_read_once(monkeypatch):
    """Loading a large generated set spent most of its time walking the data: the walk that names
    each bad date runs only when a date does not parse."""

    def walk_again(*args):
        raise AssertionError("the record was walked a second time")

    monkeypatch.setattr(order_factory, "_resolve_naming_bad_dates", walk_again)
    given = record(PurchaseDate="now-1d", LatestShipDate="2025-06-16T00:00:00Z", SellerOrderId="2025-06-15")
    given["items"][0]["PromiseDate"] = "x"
    doc = build(given)
    assert (doc["order"]["PurchaseDate"], doc["order"]["SellerOrderId"]) == ("2025-06-14T12:00:00Z", "2025-06-15")
