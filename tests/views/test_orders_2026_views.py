"""Fast unit tests of the v2026-01-01 view of a document and the rules it shares with v0."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from spapi_mock.domain.exceptions import RuleViolation
from spapi_mock.domain.order_search import parse
from spapi_mock.domain.orders import ORDER_STATUSES, item_cancellations, unshipped_quantity
from spapi_mock.marketplace.paging import PageTokens
from spapi_mock.views import orders_2026 as v2026_views

NOW = datetime(2025, 6, 15, 12, 0, 0, tzinfo=UTC)
EVERYTHING = (
    "BUYER",
    "RECIPIENT",
    "PROCEEDS",
    "EXPENSE",
    "PROMOTION",
    "CANCELLATION",
    "FULFILLMENT",
    "PACKAGES",
    "TAX",
    "PAYMENT",
)


def usd(amount: str) -> dict:
    return {"CurrencyCode": "USD", "Amount": amount}


def eur(amount: str) -> dict:
    return {"CurrencyCode": "EUR", "Amount": amount}


def document(status: str = "Unshipped", marketplace: str = "ATVPDKIKX0DER", **extra) -> dict:
    money = usd if marketplace == "ATVPDKIKX0DER" else eur
    return {
        "seller_id": "A1MOCKSELLER00",
        "order": {
            "AmazonOrderId": "111-0000000-0000001",
            "PurchaseDate": "2025-06-14T10:00:00Z",
            "LastUpdateDate": "2025-06-14T11:00:00Z",
            "OrderStatus": status,
            "FulfillmentChannel": "MFN",
            "MarketplaceId": marketplace,
            "OrderTotal": money("52.00"),
            "ShippingAddress": {"Name": "A Buyer", "City": "Seattle", "PostalCode": "98101", "CountryCode": "US"},
            "BuyerInfo": {"BuyerEmail": "a@marketplace.amazon.com", "BuyerName": "A Buyer"},
        },
        "items": [
            {
                "OrderItemId": "1",
                "SellerSKU": "A",
                "QuantityOrdered": 2,
                "QuantityShipped": 0,
                "ItemPrice": money("40.00"),
                "ItemTax": money("4.00"),
                "ShippingPrice": money("10.00"),
                "ShippingTax": money("1.00"),
                "PromotionDiscount": money("3.00"),
                "PromotionDiscountTax": money("0.00"),
                "PromotionIds": ["SUMMER"],
                "BuyerRequestedCancel": {"IsBuyerRequestedCancel": "true", "BuyerCancelReason": "No longer needed"},
            },
            {"OrderItemId": "2", "SellerSKU": "B", "QuantityOrdered": 1, "QuantityShipped": 1},
        ],
        **extra,
    }


def test_every_v0_status_has_a_fulfillment_status():
    assert set(v2026_views.FULFILLMENT_STATUS) == set(ORDER_STATUSES)


@pytest.mark.parametrize(
    "v0, v2026",
    [
        ("NextDay", "NEXT_DAY"),
        ("FreeEconomy", "FREE_ECONOMY"),
        ("Very Good", "VERY_GOOD"),
        ("OEM", "OEM"),
        ("BusinessPrice", "BUSINESS_PRICE"),
        ("MarketplaceFacilitator", "MARKETPLACE_FACILITATOR"),
        ("NotRequired", "NOT_REQUIRED"),
        ("Residential", "RESIDENTIAL"),
    ],
)
def test_v0_values_in_this_versions_style(v0, v2026):
    assert v2026_views.upper_snake(v0) == v2026


def test_proceeds_add_up_where_tax_comes_on_top():
    order = v2026_views.order(document(), ["PROCEEDS"])
    item = order["orderItems"][0]["proceeds"]
    assert item["breakdowns"] == [
        {"type": "ITEM", "subtotal": {"amount": "40.00", "currencyCode": "USD"}},
        {"type": "SHIPPING", "subtotal": {"amount": "10.00", "currencyCode": "USD"}},
        {
            "type": "TAX",
            "subtotal": {"amount": "5.00", "currencyCode": "USD"},
            "detailedBreakdowns": [
                {"subtype": "ITEM", "value": {"amount": "4.00", "currencyCode": "USD"}},
                {"subtype": "SHIPPING", "value": {"amount": "1.00", "currencyCode": "USD"}},
            ],
        },
        {
            "type": "DISCOUNT",
            "subtotal": {"amount": "-3.00", "currencyCode": "USD"},
            "detailedBreakdowns": [{"subtype": "ITEM", "value": {"amount": "-3.00", "currencyCode": "USD"}}],
        },
    ]
    assert item["proceedsTotal"] == {"amount": "52.00", "currencyCode": "USD"}
    total = order["proceeds"]
    assert total["grandTotal"] == {"amount": "52.00", "currencyCode": "USD"}
    assert sum(Decimal(b["subtotal"]["amount"]) for b in total["breakdowns"]) == Decimal("52.00")
    assert order["orderItems"][0]["product"]["price"]["unitPrice"] == {"amount": "20.00", "currencyCode": "USD"}


def test_where_prices_include_vat_the_categories_are_net_of_it():
    doc = document(marketplace="A1PA6795UKMFR9")  # Amazon.de
    doc["order"]["OrderTotal"] = eur("47.00")  # 40 + 10 - 3: the VAT is inside the prices
    order = v2026_views.order(doc, ["PROCEEDS"])
    breakdowns = {b["type"]: b["subtotal"]["amount"] for b in order["proceeds"]["breakdowns"]}
    assert breakdowns == {"ITEM": "36.00", "SHIPPING": "9.00", "TAX": "5.00", "DISCOUNT": "-3.00"}
    assert sum(map(Decimal, breakdowns.values())) == Decimal("47.00")
    # The unit price stays v0's, VAT included.
    assert order["orderItems"][0]["product"]["price"]["unitPrice"]["amount"] == "20.00"


def test_while_payment_is_pending_no_money_and_no_address():
    order = v2026_views.order(document("Pending"), EVERYTHING)
    assert "proceeds" not in order and "recipient" not in order
    first = order["orderItems"][0]
    assert "price" not in first["product"] and "proceeds" not in first and "promotion" not in first
    assert order["buyer"] == {"buyerName": "A Buyer", "buyerEmail": "a@marketplace.amazon.com"}


def test_datasets_are_added_only_when_asked_for():
    bare = v2026_views.order(document())
    assert set(bare) == {"orderId", "createdTime", "lastUpdatedTime", "salesChannel", "orderItems"}
    assert set(bare["orderItems"][0]) == {"orderItemId", "quantityOrdered", "product"}
    full = v2026_views.order(document(), EVERYTHING)
    assert {"buyer", "recipient", "proceeds", "fulfillment"} <= set(full)
    assert full["orderItems"][0]["promotion"] == {"breakdowns": [{"promotionId": "SUMMER"}]}


def test_an_afn_orders_buyer_has_no_email():
    doc = document()
    doc["order"]["FulfillmentChannel"] = "AFN"
    assert v2026_views.order(doc, ["BUYER"])["buyer"] == {"buyerName": "A Buyer"}


def test_cancellation_request_and_execution():
    doc = document(
        "Unshipped",
        cancellations=[
            {"at": "2025-06-14T12:00:00Z", "by": "MERCHANT", "reason": "NoInventory", "items": {"1": 1}},
            {"at": "2025-06-14T13:00:00Z", "by": "MERCHANT", "reason": "BuyerCanceled", "items": {"1": 1}},
        ],
    )
    first, second = v2026_views.order(doc, ["CANCELLATION"])["orderItems"]
    assert first["cancellation"] == {
        "cancellationRequest": {"requester": "BUYER", "cancelReason": "No longer needed"},
        "cancellationExecution": {"cancelledBy": "MERCHANT", "cancelReason": "BuyerCanceled"},
    }
    assert "cancellation" not in second


def test_a_cancellation_recorded_without_items_concerns_every_item():
    doc = document(
        "Canceled", cancellations=[{"at": "2025-06-14T12:00:00Z", "by": "AMAZON", "reason": "PaymentNotAuthorized", "items": {}}]
    )
    assert item_cancellations(doc) == {
        "1": {"by": "AMAZON", "reason": "PaymentNotAuthorized", "at": "2025-06-14T12:00:00Z"},
        "2": {"by": "AMAZON", "reason": "PaymentNotAuthorized", "at": "2025-06-14T12:00:00Z"},
    }


def test_quantities_left_to_ship():
    item = {"QuantityOrdered": 3, "QuantityShipped": 1}
    assert unshipped_quantity(item, "PartiallyShipped") == 2
    assert unshipped_quantity(item, "Canceled") == unshipped_quantity(item, "Unfulfillable") == 0


def test_packages_are_the_confirmed_shipments():
    doc = document(
        "PartiallyShipped",
        packages=[
            {
                "packageReferenceId": "1",
                "carrierCode": "UPS",
                "carrierName": None,
                "shippingMethod": "UPS Ground",
                "trackingNumber": "1Z999",
                "shipDate": "2025-06-14T15:00:00Z",
                "items": {"2": 1},
            }
        ],
        history=[{"at": "2025-06-14T16:00:00Z", "event": "ShipmentConfirmed", "package": "1"}],
    )
    assert v2026_views.order(doc, ["PACKAGES"])["packages"] == [
        {
            "packageReferenceId": "1",
            "createdTime": "2025-06-14T16:00:00Z",
            "packageStatus": {"status": "SHIPPED"},
            "carrier": "UPS",
            "shipTime": "2025-06-14T15:00:00Z",
            "shippingService": "UPS Ground",
            "trackingNumber": "1Z999",
            "packageItems": [{"orderItemId": "2", "quantity": 1}],
        }
    ]


def test_search_rules_speak_the_callers_names():
    names = {"CreatedAfter": "createdAfter", "LastUpdatedAfter": "lastUpdatedAfter"}
    with pytest.raises(RuleViolation, match="^Either createdAfter or lastUpdatedAfter must be specified.$"):
        parse({"MarketplaceIds": ["ATVPDKIKX0DER"]}, NOW, names=names)
    with pytest.raises(RuleViolation, match="^Either CreatedAfter or LastUpdatedAfter must be specified.$"):
        parse({"MarketplaceIds": ["ATVPDKIKX0DER"]}, NOW)


def test_a_page_token_with_an_expiry_is_refused_once_the_clock_reaches_it():
    tokens = PageTokens(b"secret")
    token = tokens.issue({"kind": "k", "seller": "S", "expires": "2025-06-16T12:00:00Z"})
    assert tokens.read(token, "k", "S", now=NOW + timedelta(hours=23, minutes=59, seconds=59))["kind"] == "k"
    with pytest.raises(RuleViolation, match="^Invalid paginationToken: it expired at 2025-06-16T12:00:00Z"):
        tokens.read(token, "k", "S", param="paginationToken", now=NOW + timedelta(hours=24))
    # v0's NextToken carries no expiry and is read as before.
    assert tokens.read(tokens.issue({"kind": "k", "seller": "S"}), "k", "S", now=NOW + timedelta(days=400))
