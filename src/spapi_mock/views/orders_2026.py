"""Orders v2026-01-01 wire shapes, derived from a stored order document.

One state, two views: a v2026 order is built from the v0 representation of the same document
(``v0_views``), so whatever v0 withholds while payment is pending is withheld here too, and the
two versions cannot disagree about a fact they both express. What v0 cannot express (who
cancelled an item, confirmed packages) is read from the document's own records. How each v0
value reads in this version, where Amazon's model does not say, is written down in the
description of ``openapi/orders-2026-01-01.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from decimal import Decimal

from spapi_mock.domain.marketplaces import BY_ID as MARKETPLACES
from spapi_mock.domain.orders import GIFT_MONEY_FIELDS, LINE_MONEY_FIELDS, item_cancellations, unshipped_quantity
from spapi_mock.views import orders_v0 as v0_views

# v0 OrderStatus → v2026 FulfillmentStatus. InvoiceUnconfirmed orders have shipped every item;
# this version has no status for the invoice still to be confirmed.
FULFILLMENT_STATUS = {
    "PendingAvailability": "PENDING_AVAILABILITY",
    "Pending": "PENDING",
    "Unshipped": "UNSHIPPED",
    "PartiallyShipped": "PARTIALLY_SHIPPED",
    "Shipped": "SHIPPED",
    "InvoiceUnconfirmed": "SHIPPED",
    "Canceled": "CANCELLED",
    "Unfulfillable": "UNFULFILLABLE",
}
# v0 FulfillmentChannel → v2026 fulfilledBy.
FULFILLED_BY = {"MFN": "MERCHANT", "AFN": "AMAZON"}

BUYER = "BUYER"
RECIPIENT = "RECIPIENT"
PROCEEDS = "PROCEEDS"
EXPENSE = "EXPENSE"
PROMOTION = "PROMOTION"
CANCELLATION = "CANCELLATION"
FULFILLMENT = "FULFILLMENT"
PACKAGES = "PACKAGES"
TAX = "TAX"
PAYMENT = "PAYMENT"
FULFILLMENT_ORDERS = "FULFILLMENT_ORDERS"

_ORDER_PROGRAMS = (
    ("IsBusinessOrder", "AMAZON_BUSINESS"),
    ("IsISPU", "IN_STORE_PICK_UP"),
    ("IsPremiumOrder", "PREMIUM"),
    ("IsPrime", "PRIME"),
)
# v0 TaxClassification names → v2026 taxRegistrationType.
_TAX_REGISTRATION_TYPES = {"VATNumber": "VAT", "VAT": "VAT", "CSTNumber": "CST", "CST": "CST", "CPF": "CPF", "CNPJ": "CNPJ"}


def order(doc: dict, included: Collection[str] = (), now: str | None = None) -> dict:
    """The v2026 Order of a document, with the datasets ``included`` names (includedData)."""
    v0_order = v0_views.order(doc)
    v0_items = v0_views.order_items(doc)
    body: dict = {"orderId": v0_order["AmazonOrderId"]}
    if v0_order.get("SellerOrderId"):
        body["orderAliases"] = [{"aliasId": v0_order["SellerOrderId"], "aliasType": "SELLER_ORDER_ID"}]
    body["createdTime"] = v0_order["PurchaseDate"]
    body["lastUpdatedTime"] = v0_order["LastUpdateDate"]
    programs = _order_programs(v0_order, v0_items)
    if programs:
        body["programs"] = programs
    if v0_order.get("IsReplacementOrder") and v0_order.get("ReplacedOrderId"):
        body["associatedOrders"] = [{"orderId": v0_order["ReplacedOrderId"], "associationType": "REPLACEMENT_ORIGINAL_ID"}]
    body["salesChannel"] = _sales_channel(v0_order)
    if BUYER in included:
        _put(body, "buyer", _buyer(v0_order, doc))
    if RECIPIENT in included:
        _put(body, "recipient", _recipient(v0_order, doc, now))
    if PROCEEDS in included:
        _put(body, "proceeds", _order_proceeds(v0_order, v0_items))
    if PAYMENT in included:
        _put(body, "payment", _payment(v0_order))
    if TAX in included:
        _put(body, "tax", _order_tax(v0_order))
    if FULFILLMENT in included:
        body["fulfillment"] = _order_fulfillment(v0_order)
    cancellations = item_cancellations(doc) if CANCELLATION in included else {}
    body["orderItems"] = [_item(item, v0_order, included, cancellations) for item in v0_items]
    if PACKAGES in included:
        _put(body, "packages", _packages(doc))
    # FULFILLMENT_ORDERS: the mock keeps no Easy Ship fulfillment orders, so there are none to add.
    return body


def fulfillment_status(v0_status: str) -> str:
    return FULFILLMENT_STATUS[v0_status]


# -- the order ---------------------------------------------------------------------------------


def _order_programs(v0_order: dict, v0_items: list[dict]) -> list[str]:
    programs = [program for flag, program in _ORDER_PROGRAMS if v0_order.get(flag)]
    if v0_order.get("EasyShipShipmentStatus"):
        programs.append("AMAZON_EASY_SHIP")
    if v0_order.get("OrderType") == "Preorder":
        programs.append("PREORDER")
    if any("FBM_SHIP_PLUS" in (item.get("AmazonPrograms") or {}).get("Programs", ()) for item in v0_items):
        programs.append("FBM_SHIP_PLUS")
    return sorted(programs)


def _sales_channel(v0_order: dict) -> dict:
    marketplace_id = v0_order["MarketplaceId"]
    marketplace = MARKETPLACES.get(marketplace_id)
    channel = "NON_AMAZON" if (v0_order.get("SalesChannel") or "").startswith("Non-Amazon") else "AMAZON"
    body = {"channelName": channel, "marketplaceId": marketplace_id}
    if marketplace is not None:
        body["marketplaceName"] = marketplace.sales_channel
    return body


def _buyer(v0_order: dict, doc: dict) -> dict:
    info = v0_order.get("BuyerInfo") or {}
    # This version gives the anonymized email for merchant-fulfilled orders only.
    merchant_fulfilled = v0_order.get("FulfillmentChannel") == "MFN"
    return _clean(
        {
            "buyerName": info.get("BuyerName"),
            "buyerEmail": info.get("BuyerEmail") if merchant_fulfilled else None,
            "buyerCompanyName": v0_views.order_address(doc).get("BuyerCompanyName"),
            "buyerPurchaseOrderNumber": info.get("PurchaseOrderNumber"),
        }
    )


def _recipient(v0_order: dict, doc: dict, now: str | None) -> dict:
    address = v0_views.order_address(doc, now)
    body: dict = {}
    if address.get("ShippingAddress"):
        body["deliveryAddress"] = _address(address["ShippingAddress"], v0_order.get("IsAccessPointOrder"))
    if address.get("DeliveryPreferences"):
        body["deliveryPreference"] = _delivery_preference(address["DeliveryPreferences"])
    return body


def _address(v0: dict, access_point: bool | None) -> dict:
    body = _clean(
        {
            "name": v0.get("Name"),
            "companyName": v0.get("CompanyName"),
            "addressLine1": v0.get("AddressLine1"),
            "addressLine2": v0.get("AddressLine2"),
            "addressLine3": v0.get("AddressLine3"),
            "city": v0.get("City"),
            "districtOrCounty": v0.get("County") or v0.get("District"),
            "stateOrRegion": v0.get("StateOrRegion"),
            "municipality": v0.get("Municipality"),
            "postalCode": v0.get("PostalCode"),
            "countryCode": v0.get("CountryCode"),
            "phone": v0.get("Phone"),
        }
    )
    extended = v0.get("ExtendedFields") or {}
    fields = _clean(
        {
            "streetName": extended.get("StreetName"),
            "streetNumber": extended.get("StreetNumber"),
            "complement": extended.get("Complement"),
            "neighborhood": extended.get("Neighborhood"),
        }
    )
    if fields:
        body["extendedFields"] = fields
    # An access point (Hub Locker, counter, carrier pickup point) is this version's PICKUP_POINT.
    if access_point:
        body["addressType"] = "PICKUP_POINT"
    elif v0.get("AddressType"):
        body["addressType"] = upper_snake(v0["AddressType"])
    return body


def _delivery_preference(v0: dict) -> dict:
    body = _clean({"dropOffLocation": v0.get("DropOffLocation"), "addressInstruction": v0.get("AddressInstructions")})
    preferred = v0.get("PreferredDeliveryTime") or {}
    when: dict = {}
    if preferred.get("BusinessHours"):
        when["businessHours"] = [
            _clean({"dayOfWeek": hours.get("DayOfWeek"), "timeWindows": _time_windows(hours.get("OpenIntervals"))})
            for hours in preferred["BusinessHours"]
        ]
    if preferred.get("ExceptionDates"):
        when["exceptionDates"] = [
            _clean(
                {
                    "exceptionDate": day.get("ExceptionDate"),
                    "exceptionDateType": None if day.get("IsOpen") is None else ("OPEN" if day["IsOpen"] else "CLOSED"),
                    "timeWindows": _time_windows(day.get("OpenIntervals")),
                }
            )
            for day in preferred["ExceptionDates"]
        ]
    if when:
        body["deliveryTime"] = when
    if v0.get("OtherAttributes"):
        body["deliveryCapabilities"] = list(v0["OtherAttributes"])
    return body


def _time_windows(intervals: list[dict] | None) -> list[dict] | None:
    if not intervals:
        return None

    def at(time: dict | None) -> dict | None:
        return None if time is None else _clean({"hour": time.get("Hour"), "minute": time.get("Minute")})

    return [_clean({"startTime": at(i.get("StartTime")), "endTime": at(i.get("EndTime"))}) for i in intervals]


def _payment(v0_order: dict) -> dict:
    executions = [
        _clean(
            {
                "paymentMethod": detail.get("PaymentMethod"),
                "paymentAmount": _money(detail.get("Payment")),
                "acquirerId": detail.get("AcquirerId"),
                "cardBrand": detail.get("CardBrand"),
                "authorizationCode": detail.get("AuthorizationCode"),
            }
        )
        for detail in v0_order.get("PaymentExecutionDetail") or []
    ]
    if not executions:
        # Without execution details (only COD, CVS and Brazilian orders have them) v0 still
        # names the payment methods used, without amounts.
        executions = [{"paymentMethod": method} for method in v0_order.get("PaymentMethodDetails") or []]
    return {"paymentExecutions": executions} if executions else {}


def _order_tax(v0_order: dict) -> dict:
    registrations = []
    buyer_tax = (v0_order.get("BuyerInfo") or {}).get("BuyerTaxInfo") or {}
    if buyer_tax:
        registrations += _registrations("BUYER", buyer_tax.get("CompanyLegalName"), buyer_tax.get("TaxClassifications"))
    business = v0_order.get("BuyerTaxInformation") or {}
    if business:
        # Turkey's business invoice details.
        registration = _clean(
            {
                "entityType": "BUYER",
                "legalName": business.get("BuyerLegalCompanyName"),
                "taxRegistrationType": "BUSINESS",
                "taxRegistrationNumber": business.get("BuyerTaxRegistrationId"),
            }
        )
        if business.get("BuyerTaxOffice"):
            registration["taxRegistrationAttributes"] = [{"key": "TAX_OFFICE", "value": business["BuyerTaxOffice"]}]
        registrations.append(registration)
    marketplace_tax = v0_order.get("MarketplaceTaxInfo") or {}
    registrations += _registrations("MARKETPLACE", None, marketplace_tax.get("TaxClassifications"))
    body: dict = {}
    if registrations:
        body["taxRegistrations"] = registrations
    invoicing = _clean(
        {
            "buyerInvoicePreference": v0_order.get("BuyerInvoicePreference"),
            "invoiceStatus": upper_snake(v0_order["ElectronicInvoiceStatus"])
            if v0_order.get("ElectronicInvoiceStatus")
            else None,
        }
    )
    if invoicing:
        body["taxInvoicing"] = invoicing
    return body


def _registrations(entity: str, legal_name: str | None, classifications: list[dict] | None) -> list[dict]:
    if not classifications:
        return [_clean({"entityType": entity, "legalName": legal_name})] if legal_name else []
    return [
        _clean(
            {
                "entityType": entity,
                "legalName": legal_name,
                "taxRegistrationType": _TAX_REGISTRATION_TYPES.get(c.get("Name") or ""),
                "taxRegistrationNumber": c.get("Value"),
            }
        )
        for c in classifications
    ]


def _order_fulfillment(v0_order: dict) -> dict:
    return _clean(
        {
            "fulfillmentStatus": fulfillment_status(v0_order["OrderStatus"]),
            "fulfilledBy": FULFILLED_BY.get(v0_order.get("FulfillmentChannel") or ""),
            "fulfillmentServiceLevel": upper_snake(v0_order["ShipmentServiceLevelCategory"])
            if v0_order.get("ShipmentServiceLevelCategory")
            else None,
            "shipByWindow": _window(v0_order.get("EarliestShipDate"), v0_order.get("LatestShipDate")),
            "deliverByWindow": _window(v0_order.get("EarliestDeliveryDate"), v0_order.get("LatestDeliveryDate")),
        }
    )


def _packages(doc: dict) -> list[dict]:
    confirmed_at = {
        event.get("package"): event["at"] for event in doc.get("history") or [] if event.get("event") == "ShipmentConfirmed"
    }
    return [
        _clean(
            {
                "packageReferenceId": package["packageReferenceId"],
                "createdTime": confirmed_at.get(package["packageReferenceId"]),
                "packageStatus": {"status": "SHIPPED"},
                "carrier": package.get("carrierName") or package.get("carrierCode"),
                "shipTime": package.get("shipDate"),
                "shippingService": package.get("shippingMethod"),
                "trackingNumber": package.get("trackingNumber"),
                "packageItems": [
                    {"orderItemId": item_id, "quantity": quantity} for item_id, quantity in (package.get("items") or {}).items()
                ],
            }
        )
        for package in doc.get("packages") or []
    ]


# -- items -------------------------------------------------------------------------------------


def _item(v0: dict, v0_order: dict, included: Collection[str], cancellations: dict[str, dict]) -> dict:
    body: dict = {"orderItemId": v0["OrderItemId"], "quantityOrdered": int(v0["QuantityOrdered"])}
    if v0.get("Measurement"):
        body["measurement"] = _measurement(v0["Measurement"])
    if v0.get("AssociatedItems"):
        body["associatedOrderItems"] = [
            _clean(
                {"orderId": a.get("OrderId"), "orderItemId": a.get("OrderItemId"), "associationType": a.get("AssociationType")}
            )
            for a in v0["AssociatedItems"]
        ]
    programs = []
    if v0.get("IsTransparency"):
        programs.append("TRANSPARENCY")
    if "SUBSCRIBE_AND_SAVE" in (v0.get("AmazonPrograms") or {}).get("Programs", ()):
        programs.append("SUBSCRIBE_AND_SAVE")
    if programs:
        body["programs"] = programs
    body["product"] = _product(v0)
    if PROCEEDS in included:
        _put(body, "proceeds", _item_proceeds(v0, _prices_include_tax(v0_order)))
    if EXPENSE in included and v0.get("PointsGranted"):
        points = v0["PointsGranted"]
        granted = _clean(
            {"pointsNumber": points.get("PointsNumber"), "pointsMonetaryValue": _money(points.get("PointsMonetaryValue"))}
        )
        body["expense"] = {"pointsCost": {"pointsGranted": granted}}
    if PROMOTION in included and v0.get("PromotionIds"):
        body["promotion"] = {"breakdowns": [{"promotionId": promotion_id} for promotion_id in v0["PromotionIds"]]}
    if CANCELLATION in included:
        _put(body, "cancellation", _cancellation(v0, cancellations.get(v0["OrderItemId"])))
    if FULFILLMENT in included:
        body["fulfillment"] = _item_fulfillment(v0, v0_order)
    if TAX in included:
        _put(body, "tax", _item_tax(v0))
    return body


def _product(v0: dict) -> dict:
    condition = _clean(
        {
            "conditionType": upper_snake(v0["ConditionId"]) if v0.get("ConditionId") else None,
            "conditionSubtype": upper_snake(v0["ConditionSubtypeId"]) if v0.get("ConditionSubtypeId") else None,
            "conditionNote": v0.get("ConditionNote"),
        }
    )
    price = _clean(
        {
            "unitPrice": _unit_price(v0.get("ItemPrice"), int(v0["QuantityOrdered"])),
            "priceDesignation": upper_snake(v0["PriceDesignation"]) if v0.get("PriceDesignation") else None,
        }
    )
    customized = ((v0.get("BuyerInfo") or {}).get("BuyerCustomizedInfo") or {}).get("CustomizedURL")
    return _clean(
        {
            "asin": v0.get("ASIN"),
            "title": v0.get("Title"),
            "sellerSku": v0.get("SellerSKU"),
            "condition": condition,
            "price": price,
            "serialNumbers": v0.get("SerialNumbers") or None,
            "customization": {"customizedUrl": customized} if customized else None,
        }
    )


def _unit_price(item_price: dict | None, quantity: int) -> dict | None:
    if not item_price or "Amount" not in item_price or quantity <= 0:
        return None
    total = Decimal(item_price["Amount"])
    return {"amount": str((total / quantity).quantize(total)), "currencyCode": item_price["CurrencyCode"]}


def _cancellation(v0: dict, executed: dict | None) -> dict:
    body: dict = {}
    flag = v0.get("BuyerRequestedCancel") or {}
    if flag.get("IsBuyerRequestedCancel") == "true":
        body["cancellationRequest"] = _clean({"requester": "BUYER", "cancelReason": flag.get("BuyerCancelReason")})
    if executed is not None:
        body["cancellationExecution"] = _clean({"cancelledBy": executed["by"], "cancelReason": executed.get("reason")})
    return body


def _item_fulfillment(v0: dict, v0_order: dict) -> dict:
    body: dict = {
        "quantityFulfilled": int(v0.get("QuantityShipped") or 0),
        "quantityUnfulfilled": unshipped_quantity(v0, v0_order["OrderStatus"]),
    }
    substitution = v0.get("SubstitutionPreferences")
    if substitution:
        options = [
            _clean(
                {
                    "asin": option.get("ASIN"),
                    "quantityOrdered": option.get("QuantityOrdered"),
                    "sellerSku": option.get("SellerSKU"),
                    "title": option.get("Title"),
                    "measurement": _measurement(option["Measurement"]) if option.get("Measurement") else None,
                }
            )
            for option in substitution.get("SubstitutionOptions") or []
        ]
        preference = _clean({"substitutionType": substitution.get("SubstitutionType"), "substitutionOptions": options or None})
        body["picking"] = {"substitutionPreference": preference}
    packing: dict = {}
    buyer_info = v0.get("BuyerInfo") or {}
    gift = _clean({"giftMessage": buyer_info.get("GiftMessageText"), "giftWrapLevel": buyer_info.get("GiftWrapLevel")})
    if gift or v0.get("IsGift") == "true":
        packing["giftOption"] = gift
    if v0.get("SerialNumberRequired"):
        packing["serialNumberRequirement"] = {"requirementType": "REQUIRED"}
    if packing:
        body["packing"] = packing
    shipping: dict = {}
    window = _window(v0.get("ScheduledDeliveryStartDate"), v0.get("ScheduledDeliveryEndDate"))
    if window:
        shipping["scheduledDeliveryWindow"] = window
    constraints = {_lower_first(name): value for name, value in (v0.get("ShippingConstraints") or {}).items()}
    if v0_order.get("PaymentMethod") == "COD":
        constraints["cashOnDelivery"] = "MANDATORY"
    if constraints:
        shipping["shippingConstraints"] = constraints
    if v0.get("IossNumber"):
        shipping["internationalShipping"] = {"iossNumber": v0["IossNumber"]}
    if shipping:
        body["shipping"] = shipping
    return body


def _item_tax(v0: dict) -> dict:
    body: dict = {}
    if v0.get("DeemedResellerCategory"):
        body["taxCalculationBreakdowns"] = [{"reportingScheme": v0["DeemedResellerCategory"]}]
    collection = v0.get("TaxCollection")
    if collection:
        body["taxCollections"] = [
            _clean(
                {
                    "model": upper_snake(collection["Model"]) if collection.get("Model") else None,
                    "responsibleParty": collection.get("ResponsibleParty"),
                }
            )
        ]
    return body


# -- money -------------------------------------------------------------------------------------


def _prices_include_tax(v0_order: dict) -> bool:
    marketplace = MARKETPLACES.get(v0_order["MarketplaceId"])
    return marketplace is None or marketplace.prices_include_tax


def _item_categories(v0: dict, prices_include_tax: bool) -> tuple[str | None, dict[str, dict[str, Decimal]]]:
    """The currency, and category → subtype → amount of one item's v0 charges."""
    buyer_info = v0.get("BuyerInfo") or {}
    fields = {name: v0.get(name) for name in LINE_MONEY_FIELDS}
    fields.update({name: buyer_info.get(name) for name in GIFT_MONEY_FIELDS})
    currency = next((money["CurrencyCode"] for money in fields.values() if money and "Amount" in money), None)

    def amount(name: str) -> Decimal:
        money = fields.get(name)
        return Decimal(money["Amount"]) if money and "Amount" in money else Decimal(0)

    def net(price: str, tax: str) -> Decimal:
        return amount(price) - amount(tax) if prices_include_tax else amount(price)

    categories: dict[str, dict[str, Decimal]] = {
        "ITEM": {"ITEM": net("ItemPrice", "ItemTax")} if fields.get("ItemPrice") else {},
        "SHIPPING": {"SHIPPING": net("ShippingPrice", "ShippingTax")},
        "GIFT_WRAP": {"GIFT_WRAP": net("GiftWrapPrice", "GiftWrapTax")},
        "COD_FEE": {"COD_FEE": amount("CODFee")},
        "TAX": {
            "ITEM": amount("ItemTax"),
            "SHIPPING": amount("ShippingTax"),
            "GIFT_WRAP": amount("GiftWrapTax"),
            "DISCOUNT": -(amount("PromotionDiscountTax") + amount("ShippingDiscountTax")),
        },
        "DISCOUNT": {
            "ITEM": -net("PromotionDiscount", "PromotionDiscountTax"),
            "SHIPPING": -net("ShippingDiscount", "ShippingDiscountTax"),
            "COD_FEE": -amount("CODFeeDiscount"),
        },
    }
    return currency, categories


# Categories a breakdown lists even at zero (a fully cancelled item's price is 0).
_ALWAYS_LISTED = ("ITEM",)


def _item_proceeds(v0: dict, prices_include_tax: bool) -> dict:
    currency, categories = _item_categories(v0, prices_include_tax)
    if currency is None:
        return {}  # no charges disclosed (payment pending)
    breakdowns = []
    total = Decimal(0)
    for category, subtypes in categories.items():
        subtotal = sum(subtypes.values(), Decimal(0))
        if not subtypes or (subtotal == 0 and category not in _ALWAYS_LISTED):
            continue
        total += subtotal
        entry: dict = {"type": category, "subtotal": _amount(subtotal, currency)}
        if category in ("TAX", "DISCOUNT"):
            details = [{"subtype": sub, "value": _amount(value, currency)} for sub, value in subtypes.items() if value != 0]
            if details:
                entry["detailedBreakdowns"] = details
        breakdowns.append(entry)
    return {"proceedsTotal": _amount(total, currency), "breakdowns": breakdowns}


def _order_proceeds(v0_order: dict, v0_items: Iterable[dict]) -> dict:
    include_tax = _prices_include_tax(v0_order)
    totals: dict[str, Decimal] = {}
    currency = None
    for item in v0_items:
        item_currency, categories = _item_categories(item, include_tax)
        if item_currency is None:
            continue
        currency = currency or item_currency
        for category, subtypes in categories.items():
            if subtypes:
                totals[category] = totals.get(category, Decimal(0)) + sum(subtypes.values(), Decimal(0))
    body: dict = {}
    if v0_order.get("OrderTotal"):
        body["grandTotal"] = _money(v0_order["OrderTotal"])
    if currency is not None:
        breakdowns = [
            {"type": category, "subtotal": _amount(subtotal, currency)}
            for category, subtotal in totals.items()
            if subtotal != 0 or category in _ALWAYS_LISTED
        ]
        if breakdowns:
            body["breakdowns"] = breakdowns
    return body


def _money(v0: dict | None) -> dict | None:
    if not v0 or "Amount" not in v0:
        return None
    return {"amount": v0["Amount"], "currencyCode": v0["CurrencyCode"]}


def _amount(value: Decimal, currency: str) -> dict:
    return {"amount": str(value + 0), "currencyCode": currency}


# -- small helpers -----------------------------------------------------------------------------


def _window(earliest: str | None, latest: str | None) -> dict | None:
    return _clean({"earliestDateTime": earliest, "latestDateTime": latest}) or None


def _measurement(v0: dict) -> dict:
    return {"unit": v0["Unit"], "value": v0["Value"]}


def upper_snake(value: str) -> str:
    """v0's CamelCase or spaced values in this version's style: NextDay → NEXT_DAY,
    'Very Good' → VERY_GOOD, AtOriginFC → AT_ORIGIN_FC."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", value.strip()).replace(" ", "_").upper()


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _clean(values: dict) -> dict:
    """Without the fields that have no value (Amazon leaves them out)."""
    return {k: v for k, v in values.items() if v is not None and v != {} and v != []}


def _put(body: dict, name: str, value: dict | list) -> None:
    if value:
        body[name] = value
