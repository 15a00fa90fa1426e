"""The wire shapes of a financial event record: a v0 ShipmentEvent (shipments) or RefundEventList
entry (refunds), a v0 FinancialEventGroup, and a 2024-06-19 Transaction.

A record keeps amounts as signed decimal strings; Amazon's models write money as a number
(``BigDecimal``), so they become JSON numbers here, exact to the currency's decimals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from spapi_mock.domain.marketplaces import BY_ID

# Every event list of Amazon's FinancialEvents: Amazon answers each, empty when it has no event
# of that kind, and clients index them without checking. The mock makes the first and third.
EVENT_LISTS = (
    "ShipmentEventList",
    "ShipmentSettleEventList",
    "RefundEventList",
    "GuaranteeClaimEventList",
    "EBTRefundReimbursementOnlyEventList",
    "ChargebackEventList",
    "PayWithAmazonEventList",
    "ServiceProviderCreditEventList",
    "RetrochargeEventList",
    "RentalTransactionEventList",
    "ProductAdsPaymentEventList",
    "ServiceFeeEventList",
    "SellerDealPaymentEventList",
    "DebtRecoveryEventList",
    "LoanServicingEventList",
    "AdjustmentEventList",
    "SAFETReimbursementEventList",
    "SellerReviewEnrollmentPaymentEventList",
    "FBALiquidationEventList",
    "CouponPaymentEventList",
    "ImagingServicesFeeEventList",
    "NetworkComminglingTransactionEventList",
    "AffordabilityExpenseEventList",
    "AffordabilityExpenseReversalEventList",
    "RemovalShipmentEventList",
    "RemovalShipmentAdjustmentEventList",
    "TrialShipmentEventList",
    "TDSReimbursementEventList",
    "AdhocDisbursementEventList",
    "TaxWithholdingEventList",
    "ChargeRefundEventList",
    "FailedAdhocDisbursementEventList",
    "ValueAddedServiceChargeEventList",
    "CapacityReservationBillingEventList",
)
SHIPMENT = "Shipment"
REFUND = "Refund"
# The tax Amazon withholds as marketplace facilitator (the only withheld tax the mock makes).
FACILITATOR = "MarketplaceFacilitator"
# What a closed group's disbursement went to: the mock's seller bank account, by its last digits.
ACCOUNT_TAIL = "4321"
TRANSFER_SUCCEEDED = "Succeeded"
# 2024-06-19: the seller's account the money moves in (the model's example), and each kind's
# description as Amazon writes it.
ACCOUNT_TYPE = "PAYABLE"
DESCRIPTIONS = {SHIPMENT: "Order Payment", REFUND: "Refund Order"}
# Breakdown names: a transaction's Sales (what the buyer paid, promotions off) and Expenses
# (Amazon's fees, the tax it withholds), each broken down by section, then by type.
SECTION_NAMES = {
    "charges": "Product Charges",
    "promotions": "Promotions",
    "fees": "Amazon Fees",
    "withheld": "Tax Withheld",
}
SALES, EXPENSES = ("Sales", ("charges", "promotions")), ("Expenses", ("fees", "withheld"))


def number(amount: str | Decimal) -> int | float:
    """An amount as Amazon's BigDecimal: a JSON number with the currency's decimals."""
    value = Decimal(str(amount))
    return int(value) if value == value.to_integral_value() and "." not in str(amount) else float(value)


def marketplace_name(marketplace_id: str) -> str:
    found = BY_ID.get(marketplace_id)
    return found.name if found else marketplace_id


# -- v0 --------------------------------------------------------------------------------------


def financial_events(records: Iterable[Mapping]) -> dict:
    """v0 FinancialEvents of released records: every list, shipments and refunds filled."""
    events: dict[str, list] = {name: [] for name in EVENT_LISTS}
    for record in records:
        if record["kind"] == REFUND:
            events["RefundEventList"].append(refund_event(record))
        else:
            events["ShipmentEventList"].append(shipment_event(record))
    return events


def shipment_event(record: Mapping) -> dict:
    return {**_event_head(record), "ShipmentItemList": [_shipment_item(record, item) for item in record["items"]]}


def refund_event(record: Mapping) -> dict:
    return {**_event_head(record), "ShipmentItemAdjustmentList": [_adjustment_item(record, item) for item in record["items"]]}


def _event_head(record: Mapping) -> dict:
    head = {"AmazonOrderId": record["orderId"]}
    if record.get("sellerOrderId"):
        head["SellerOrderId"] = record["sellerOrderId"]
    head["MarketplaceName"] = marketplace_name(record["marketplaceId"])
    head["PostedDate"] = record["postedAt"]
    return head


def _shipment_item(record: Mapping, item: Mapping) -> dict:
    currency = record["currency"]
    line = {"SellerSKU": item["sellerSku"], "OrderItemId": item["orderItemId"], "QuantityShipped": item["quantity"]}
    line["ItemChargeList"] = [_charge(part, currency) for part in item.get("charges") or ()]
    line["ItemFeeList"] = [_fee(part, currency) for part in item.get("fees") or ()]
    line["ItemTaxWithheldList"] = _withheld(item, currency)
    line["PromotionList"] = [_promotion(part, currency) for part in item.get("promotions") or ()]
    return line


def _adjustment_item(record: Mapping, item: Mapping) -> dict:
    currency = record["currency"]
    line = {"SellerSKU": item["sellerSku"], "OrderItemId": item["orderItemId"]}
    if item.get("adjustmentItemId"):
        line["OrderAdjustmentItemId"] = item["adjustmentItemId"]
    line["QuantityShipped"] = item["quantity"]
    line["ItemChargeAdjustmentList"] = [_charge(part, currency) for part in item.get("charges") or ()]
    line["ItemFeeAdjustmentList"] = [_fee(part, currency) for part in item.get("fees") or ()]
    line["ItemTaxWithheldList"] = _withheld(item, currency)
    line["PromotionAdjustmentList"] = [_promotion(part, currency) for part in item.get("promotions") or ()]
    return line


def _withheld(item: Mapping, currency: str) -> list[dict]:
    taxes = [_charge(part, currency) for part in item.get("withheld") or ()]
    return [{"TaxCollectionModel": FACILITATOR, "TaxesWithheld": taxes}] if taxes else []


def _money(amount: str | Decimal, currency: str) -> dict:
    return {"CurrencyCode": currency, "CurrencyAmount": number(amount)}


def _charge(part: Mapping, currency: str) -> dict:
    return {"ChargeType": part["type"], "ChargeAmount": _money(part["amount"], currency)}


def _fee(part: Mapping, currency: str) -> dict:
    return {"FeeType": part["type"], "FeeAmount": _money(part["amount"], currency)}


def _promotion(part: Mapping, currency: str) -> dict:
    promotion = {"PromotionType": part["type"]}
    if part.get("id"):
        promotion["PromotionId"] = part["id"]
    promotion["PromotionAmount"] = _money(part["amount"], currency)
    return promotion


def financial_event_group(group_id: str, currency: str, start: str, end: str, records: Iterable[Mapping], now: str) -> dict:
    """A v0 FinancialEventGroup: open while ``now`` is before its end (OriginalTotal its balance
    so far), then closed and paid out at its end (or charged, when the balance is negative)."""
    total = sum((Decimal(record["total"]) for record in records), Decimal(0))
    decimals = Decimal(1) if currency == "JPY" else Decimal("0.01")
    total_text = str(total.quantize(decimals) + 0)
    group = {"FinancialEventGroupId": group_id}
    if now < end:
        group["ProcessingStatus"] = "Open"
        group["OriginalTotal"] = _money(total_text, currency)
    else:
        group["ProcessingStatus"] = "Closed"
        group["FundTransferStatus"] = TRANSFER_SUCCEEDED
        group["OriginalTotal"] = _money(total_text, currency)
        group["ConvertedTotal"] = _money(total_text, currency)
        group["FundTransferDate"] = end
        group["TraceId"] = trace_id(group_id)
        group["AccountTail"] = ACCOUNT_TAIL
    group["BeginningBalance"] = _money("0" if currency == "JPY" else "0.00", currency)
    group["FinancialEventGroupStart"] = start
    if now >= end:
        group["FinancialEventGroupEnd"] = end
    return group


def trace_id(group_id: str) -> str:
    """The disbursement's trace id, as digits, the same for the group on every run."""
    return str(int.from_bytes(group_id.encode()[:12], "big"))[:14]


# -- 2024-06-19 ------------------------------------------------------------------------------


def transaction(record: Mapping, released: bool) -> dict:
    """A 2024-06-19 Transaction; ``released`` ones name their financial event group."""
    currency = record["currency"]
    related = [{"relatedIdentifierName": "ORDER_ID", "relatedIdentifierValue": record["orderId"]}]
    if released:
        related.append({"relatedIdentifierName": "FINANCIAL_EVENT_GROUP_ID", "relatedIdentifierValue": record["groupId"]})
    items = record["items"]
    return {
        "sellingPartnerMetadata": {
            "sellingPartnerId": record["seller_id"],
            "accountType": ACCOUNT_TYPE,
            "marketplaceId": record["marketplaceId"],
        },
        "relatedIdentifiers": related,
        "transactionType": record["kind"],
        "transactionId": record["eventId"],
        "transactionStatus": record["status"],
        "description": DESCRIPTIONS.get(record["kind"], record["kind"]),
        "postedDate": record["postedAt"],
        "totalAmount": _amount(record["total"], currency),
        "marketplaceDetails": {
            "marketplaceId": record["marketplaceId"],
            "marketplaceName": marketplace_name(record["marketplaceId"]),
        },
        "items": [_transaction_item(record, item) for item in items],
        "breakdowns": transaction_breakdowns([record], currency),
    }


# -- balances and summaries ------------------------------------------------------------------

_RELEASED = frozenset({"RELEASED", "DEFERRED_RELEASED"})
STANDARD_ORDERS = "Standard Orders"
BALANCE_TYPES = ("AVAILABLE", "RESERVED", "TOTAL", "DEFERRED", "ACCOUNT_LEVEL_RESERVE")


def _partner(seller_id: str, marketplace_id: str) -> dict:
    return {"partnerId": seller_id, "accountType": STANDARD_ORDERS, "marketplaceId": marketplace_id}


def balance(
    seller_id: str, marketplace_id: str, found: list[tuple[Mapping, str]], at: str, balance_type: str | None, day_end: str | None
) -> dict:
    """A Balance at ``at`` of (record, its status then) pairs: released money of periods still
    open is AVAILABLE, held money DEFERRED; a closed period's money was paid out."""
    currency = found[0][0]["currency"] if found else "USD"
    available = sum((Decimal(r["total"]) for r, status in found if status in _RELEASED and at < r["groupEnd"]), Decimal(0))
    deferred = sum((Decimal(r["total"]) for r, status in found if status == "DEFERRED"), Decimal(0))

    def entry(kind: str, amount: Decimal, nested: list[dict] | None = None) -> dict:
        made = {"balanceType": kind, "amount": _amount(_text(amount, currency), currency)}
        if nested is not None:
            made["balances"] = nested
        return made

    reserved = entry("RESERVED", deferred, [entry("DEFERRED", deferred), entry("ACCOUNT_LEVEL_RESERVE", Decimal(0))])
    every = {
        "AVAILABLE": entry("AVAILABLE", available),
        "RESERVED": reserved,
        "DEFERRED": entry("DEFERRED", deferred),
        "ACCOUNT_LEVEL_RESERVE": entry("ACCOUNT_LEVEL_RESERVE", Decimal(0)),
        "TOTAL": entry("TOTAL", available + deferred, [entry("AVAILABLE", available), reserved]),
    }
    made = {"partnerMetadata": _partner(seller_id, marketplace_id), **every[balance_type or "TOTAL"]}
    if day_end is not None:
        made["asOfDate"] = day_end
    else:
        made["lastUpdatedTime"] = at
    return made


def summary(seller_id: str, marketplace_id: str, records: list[Mapping], start: str, end: str, settlement: str | None) -> dict:
    """A Summary of the records' money: net proceeds, broken down as transactions are."""
    currency = records[0]["currency"]
    made = {
        "partnerMetadata": _partner(seller_id, marketplace_id),
        "netProceeds": _amount(_text(sum((Decimal(r["total"]) for r in records), Decimal(0)), currency), currency),
    }
    if settlement is not None:
        made["relatedIdentifiers"] = [{"relatedIdentifierName": "SETTLEMENT_ID", "relatedIdentifierValue": settlement}]
    made["breakdowns"] = transaction_breakdowns(records, currency)
    made["periodStart"], made["periodEnd"] = start, end
    return made


def _text(amount: Decimal, currency: str) -> str:
    decimals = Decimal(1) if currency == "JPY" else Decimal("0.01")
    return str(amount.quantize(decimals) + 0)


def transaction_breakdowns(records: Iterable[Mapping], currency: str) -> list[dict]:
    items = [item for record in records for item in record["items"]]
    return [_breakdown(name, sections, items, currency) for name, sections in (SALES, EXPENSES)]


def _transaction_item(record: Mapping, item: Mapping) -> dict:
    currency = record["currency"]
    line = {"description": item["sellerSku"] or item["asin"]}
    if item.get("adjustmentItemId"):
        line["relatedIdentifiers"] = [
            {"itemRelatedIdentifierName": "ORDER_ADJUSTMENT_ITEM_ID", "itemRelatedIdentifierValue": item["adjustmentItemId"]}
        ]
    line["totalAmount"] = _amount(_sum([item], SECTION_NAMES), currency)
    line["breakdowns"] = [_section(section, [item], currency) for section in SECTION_NAMES if item.get(section)]
    line["contexts"] = [
        {
            "contextType": "ProductContext",
            "asin": item["asin"],
            "sku": item["sellerSku"],
            "quantityShipped": item["quantity"],
            "fulfillmentNetwork": record["fulfillmentChannel"],
        }
    ]
    return line


def _breakdown(name: str, sections: tuple[str, ...], items: list[Mapping], currency: str) -> dict:
    return {
        "breakdownType": name,
        "breakdownAmount": _amount(_sum(items, sections), currency),
        "breakdowns": [_section(section, items, currency) for section in sections if any(item.get(section) for item in items)],
    }


def _section(section: str, items: list[Mapping], currency: str) -> dict:
    by_type: dict[str, Decimal] = {}
    for item in items:
        for part in item.get(section) or ():
            by_type[part["type"]] = by_type.get(part["type"], Decimal(0)) + Decimal(part["amount"])
    return {
        "breakdownType": SECTION_NAMES[section],
        "breakdownAmount": _amount(sum(by_type.values(), Decimal(0)), currency),
        "breakdowns": [
            {"breakdownType": kind, "breakdownAmount": _amount(amount, currency), "breakdowns": []}
            for kind, amount in by_type.items()
        ],
    }


def _sum(items: Iterable[Mapping], sections: Iterable[str]) -> Decimal:
    return sum(
        (Decimal(part["amount"]) for item in items for section in sections for part in item.get(section) or ()), Decimal(0)
    )


def _amount(amount: str | Decimal, currency: str) -> dict:
    return {"currencyCode": currency, "currencyAmount": number(amount)}
