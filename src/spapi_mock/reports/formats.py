"""The order reports' contents, produced from the store as it is when the report is produced.

Tab-delimited, one header row, one row per order item, UTF-8, lines ending in LF, dates as
Amazon writes them in these reports (``2025-09-24T12:02:50+00:00``), booleans as ``true`` and
``false``. Each report reads an order through the v0 view, so what Amazon hides (prices while
Pending, the buyer's address) is hidden here too. Columns and their order are those of Amazon's
reports as real parsers read them:

- ``GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING`` (Unshipped Orders): the seller's own (MFN)
  Unshipped and PartiallyShipped orders, one row per item with units left to ship; never a
  Pending order. ``is-buyer-requested-cancellation`` and ``buyer-requested-cancel-reason`` carry
  the buyer's formal request.
- ``GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL`` and ``..._BY_LAST_UPDATE_GENERAL``: every
  order whose PurchaseDate (or LastUpdateDate) lies in [dataStartTime, dataEndTime], any status,
  ``Canceled`` written ``Cancelled`` as these reports do.
- ``GET_FLAT_FILE_PENDING_ORDERS_DATA``: Pending orders only (the mock's reading of its columns).
- ``GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING`` (the Order Report, which Amazon produces only on a
  schedule): the seller's own paid orders placed in the data range, one row per item not
  cancelled, with the optional columns (business order, purchase order, price designation, and
  the buyer-cancellation columns).
- ``GET_XML_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL`` and ``..._BY_LAST_UPDATE_GENERAL``: the same
  orders as an ``AmazonEnvelope`` of ``AllOrdersReport`` messages, one ``Order`` with its
  ``OrderItem`` elements each, valid against ``reports/schemas/all-orders-report.xsd``.

Any other report type is not produced: its report ends FATAL with a document that says so.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from spapi_mock.domain.orders import is_payment_pending
from spapi_mock.kernel.dates import parse_iso, to_wire
from spapi_mock.views import orders_v0 as v0_views

CONTENT_TYPE = "text/tab-separated-values;charset=UTF-8"
XML_CONTENT_TYPE = "text/xml;charset=UTF-8"
XML_ALL_BY_ORDER_DATE = "GET_XML_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
XML_ALL_BY_LAST_UPDATE = "GET_XML_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
UNSHIPPED = "GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING"
ALL_BY_ORDER_DATE = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
ALL_BY_LAST_UPDATE = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
PENDING = "GET_FLAT_FILE_PENDING_ORDERS_DATA"

UNSHIPPED_COLUMNS = (
    "order-id", "order-item-id", "purchase-date", "payments-date", "reporting-date", "promise-date", "days-past-promise",
    "buyer-email", "buyer-name", "cpf", "buyer-phone-number", "sku", "number-of-items", "product-name",
    "quantity-purchased", "quantity-shipped", "quantity-to-ship", "ship-service-level", "ship-service-name",
    "recipient-name", "ship-address-1", "ship-address-2", "ship-address-3", "ship-city", "ship-state",
    "ship-postal-code", "ship-country", "sales-channel", "customized-url", "customized-page", "is-business-order",
    "purchase-order-number", "price-designation", "is-prime", "is-buyer-requested-cancellation",
    "buyer-requested-cancel-reason", "verge-of-cancellation", "verge-of-lateShipment", "signature-confirmation-recommended",
    "buyer-identification-number", "buyer-identification-type",
)  # fmt: skip
ALL_ORDERS_COLUMNS = (
    "amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date", "order-status", "fulfillment-channel",
    "sales-channel", "order-channel", "url", "ship-service-level", "product-name", "sku", "asin", "item-status",
    "quantity", "currency", "item-price", "item-tax", "shipping-price", "shipping-tax", "gift-wrap-price",
    "gift-wrap-tax", "item-promotion-discount", "ship-promotion-discount", "ship-city", "ship-state",
    "ship-postal-code", "ship-country", "promotion-ids", "is-business-order", "purchase-order-number",
    "price-designation",
)  # fmt: skip
ORDER_REPORT = "GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING"
ORDER_REPORT_COLUMNS = (
    "order-id", "order-item-id", "purchase-date", "payments-date", "buyer-email", "buyer-name", "buyer-phone-number",
    "sku", "product-name", "quantity-purchased", "currency", "item-price", "item-tax", "shipping-price", "shipping-tax",
    "ship-service-level", "recipient-name", "ship-address-1", "ship-address-2", "ship-address-3", "ship-city",
    "ship-state", "ship-postal-code", "ship-country", "ship-phone-number", "delivery-start-date", "delivery-end-date",
    "delivery-time-zone", "delivery-Instructions", "sales-channel",
    # The optional columns a seller can add to this report (Seller Central's order report settings).
    "is-business-order", "purchase-order-number", "price-designation", "is-buyer-requested-cancellation",
    "buyer-requested-cancel-reason",
)  # fmt: skip
PENDING_COLUMNS = (
    "order-id", "order-item-id", "purchase-date", "reporting-date", "sku", "product-name", "quantity-purchased",
    "ship-service-level", "sales-channel", "fulfillment-channel", "is-business-order",
)  # fmt: skip

# Orders whose rows each report may hold, and how it selects them.
_PAID_TO_SHIP = ("Unshipped", "PartiallyShipped")
_PENDING = ("Pending", "PendingAvailability")
_PAID = ("Unshipped", "PartiallyShipped", "Shipped", "InvoiceUnconfirmed")


@dataclass(frozen=True)
class ReportType:
    columns: tuple[str, ...]
    # Select by PurchaseDate or LastUpdateDate in the report's data range; None: the current state.
    by: str | None
    rows: Callable[[dict, dict, list[dict], datetime], Iterator[dict]]
    keeps: Callable[[dict], bool]
    xml: bool = False
    # Amazon produces it only on a schedule, never on request.
    scheduled_only: bool = False
    # The rows as their values in the columns' order, read from the stored document, when the
    # report is large enough for a dict a row and the v0 view of each order to count (``rows``
    # then reads them).
    cells: Callable[[dict, datetime], Iterator[tuple]] | None = None


def produce(report_type: str, docs: Iterable[dict], now: datetime) -> bytes:
    """The report's contents from the documents it covers (already selected by date)."""
    kind = REPORT_TYPES[report_type]
    return _xml(kind, docs, now) if kind.xml else _flat(kind, docs, now)


def content_type(report_type: str) -> str:
    return XML_CONTENT_TYPE if REPORT_TYPES[report_type].xml else CONTENT_TYPE


def _flat(kind: ReportType, docs: Iterable[dict], now: datetime) -> bytes:
    # Written order by order: a 100k-order report is 40 MB, and a list of its lines cost 100 MB more.
    out = io.BytesIO()
    out.write(("\t".join(kind.columns) + "\n").encode("utf-8"))
    wire_now = to_wire(now)
    columns = kind.columns
    for doc in docs:
        if not kind.keeps(doc):
            continue
        if kind.cells is not None:
            lines = [_row(values) for values in kind.cells(doc, now)]
        else:
            order, items = v0_views.order(doc, None, wire_now), v0_views.order_items(doc)
            lines = [_row(map(row.get, columns)) for row in kind.rows(doc, order, items, now)]
        if lines:
            lines.append("")
            out.write("\n".join(lines).encode("utf-8"))
    return out.getvalue()


def _row(values: Iterable) -> str:
    """The row's cells joined by tabs (_cell's text of each). Most rows hold no tab or line end
    in a value: the row is checked once, not each of its cells (a report writes millions)."""
    texts = [value if type(value) is str else _text(value) for value in values]
    line = "\t".join(texts)
    if line.count("\t") == len(texts) - 1 and _BREAKS_LINE.search(line) is None:
        return line
    return "\t".join(map(_cell, texts))


def _text(value) -> str:
    return "" if value is None else ("true" if value else "false") if value is True or value is False else str(value)


def is_modelled(report_type: str) -> bool:
    return report_type in REPORT_TYPES


def scheduled_only(report_type: str) -> bool:
    return report_type in REPORT_TYPES and REPORT_TYPES[report_type].scheduled_only


def date_field(report_type: str) -> str | None:
    return REPORT_TYPES[report_type].by


# -- rows --------------------------------------------------------------------------------------


def _unshipped_rows(doc: dict, order: dict, items: list[dict], now: datetime) -> Iterator[dict]:
    address = order.get("ShippingAddress") or {}
    buyer = order.get("BuyerInfo") or {}
    promise = order.get("LatestShipDate")
    for item in items:
        to_ship = int(item.get("QuantityOrdered") or 0) - int(item.get("QuantityShipped") or 0)
        if to_ship <= 0:
            continue
        flag = item.get("BuyerRequestedCancel") or {}
        requested = flag.get("IsBuyerRequestedCancel") == "true"
        yield {
            "order-id": order["AmazonOrderId"],
            "order-item-id": item["OrderItemId"],
            "purchase-date": _date(order["PurchaseDate"]),
            "payments-date": _date(_paid_at(doc) or order["PurchaseDate"]),
            "reporting-date": _date(to_wire(now)),
            "promise-date": _date(promise),
            "days-past-promise": str((now - parse_iso(promise)).days) if promise else "",
            "buyer-email": buyer.get("BuyerEmail"),
            "buyer-name": buyer.get("BuyerName"),
            "buyer-phone-number": address.get("Phone"),
            "sku": item.get("SellerSKU"),
            "number-of-items": (item.get("ProductInfo") or {}).get("NumberOfItems") or "1",
            "product-name": item.get("Title"),
            "quantity-purchased": item.get("QuantityOrdered"),
            "quantity-shipped": item.get("QuantityShipped") or 0,
            "quantity-to-ship": to_ship,
            "ship-service-level": order.get("ShipmentServiceLevelCategory"),
            "ship-service-name": order.get("ShipServiceLevel"),
            **_address(address),
            "recipient-name": address.get("Name"),
            "sales-channel": order.get("SalesChannel"),
            "is-business-order": order.get("IsBusinessOrder", False),
            "purchase-order-number": buyer.get("PurchaseOrderNumber"),
            "price-designation": "BusinessPrice" if item.get("PriceDesignation") == "BusinessPrice" else "",
            "is-prime": order.get("IsPrime", False),
            "is-buyer-requested-cancellation": requested,
            "buyer-requested-cancel-reason": flag.get("BuyerCancelReason") if requested else "",
            "verge-of-cancellation": False,
            "verge-of-lateShipment": False,
            "signature-confirmation-recommended": False,
        }


def _all_orders_stored_cells(doc: dict, now: datetime) -> Iterator[tuple]:
    """The all-orders reports' rows from the stored document, without building its v0 view
    (which copied every order and item: a fifth of a 100k-order report). Of what the view
    changes these columns read only the shipping address, which the view shows in some
    statuses alone, and a Pending order's money, which it withholds: a Pending order's items
    are read through the view, and the address is the one the view shows (its Phone, which
    the view may drop, is no column here)."""
    stored = doc["order"]
    items = v0_views.order_items(doc) if is_payment_pending(stored) else doc["items"]
    address = stored.get("ShippingAddress") if v0_views.shows_address(stored) else None
    return _all_orders_cells(stored, address or {}, items)


def _all_orders_cells(order: dict, address: dict, items: list[dict]) -> Iterator[tuple]:
    """The all-orders reports' rows, their values in ALL_ORDERS_COLUMNS' order: what is the
    order's is read once, not for each of its items."""
    ordered_by = (
        order["AmazonOrderId"],
        order.get("SellerOrderId"),
        _date(order["PurchaseDate"]),
        _date(order["LastUpdateDate"]),
        _status(order),
        _channel(order),
        order.get("SalesChannel"),
        None,  # order-channel
        None,  # url
        order.get("ShipmentServiceLevelCategory"),
    )
    shipped_to = (address.get("City"), address.get("StateOrRegion"), address.get("PostalCode"), address.get("CountryCode"))
    business = order.get("IsBusinessOrder", False)
    purchase_order = (order.get("BuyerInfo") or {}).get("PurchaseOrderNumber")
    for item in items:
        ordered, shipped = int(item.get("QuantityOrdered") or 0), int(item.get("QuantityShipped") or 0)
        price = item.get("ItemPrice") or {}
        yield (
            *ordered_by,
            item.get("Title"),  # product-name
            item.get("SellerSKU"),
            item.get("ASIN"),
            "Cancelled" if not ordered else ("Shipped" if shipped >= ordered else "Unshipped"),  # item-status
            ordered,  # quantity
            price.get("CurrencyCode"),
            price.get("Amount"),  # item-price
            (item.get("ItemTax") or {}).get("Amount"),
            (item.get("ShippingPrice") or {}).get("Amount"),
            (item.get("ShippingTax") or {}).get("Amount"),
            # Amazon's OrderItem keeps gift wrap in its BuyerInfo (ItemBuyerInfo), not beside the price.
            ((item.get("BuyerInfo") or {}).get("GiftWrapPrice") or {}).get("Amount"),
            ((item.get("BuyerInfo") or {}).get("GiftWrapTax") or {}).get("Amount"),
            (item.get("PromotionDiscount") or {}).get("Amount"),  # item-promotion-discount
            (item.get("ShippingDiscount") or {}).get("Amount"),  # ship-promotion-discount
            *shipped_to,
            ",".join(item.get("PromotionIds") or ()),
            business,
            purchase_order,
            item.get("PriceDesignation"),
        )


def _all_orders_rows(doc: dict, order: dict, items: list[dict], now: datetime) -> Iterator[dict]:
    for values in _all_orders_cells(order, order.get("ShippingAddress") or {}, items):
        yield dict(zip(ALL_ORDERS_COLUMNS, values, strict=True))


def _xml(kind: ReportType, docs: Iterable[dict], now: datetime) -> bytes:
    """An AmazonEnvelope of AllOrdersReport messages, one Order each, written as it goes."""
    out = io.BytesIO()
    wire_now = to_wire(now)
    with etree.xmlfile(out, encoding="UTF-8") as xml:
        xml.write_declaration()
        with xml.element("AmazonEnvelope", nsmap={"xsi": "http://www.w3.org/2001/XMLSchema-instance"}):
            header = etree.Element("Header")
            etree.SubElement(header, "DocumentVersion").text = "1.00"
            xml.write(header)
            message_type = etree.Element("MessageType")
            message_type.text = "AllOrdersReport"
            xml.write(message_type)
            for number, doc in enumerate(docs, start=1):
                xml.write(_xml_order(number, v0_views.order(doc, None, wire_now), v0_views.order_items(doc), now))
    return out.getvalue()


def _xml_order(number: int, order: dict, items: list[dict], now: datetime):
    message = etree.Element("Message")
    etree.SubElement(message, "MessageID").text = str(number)
    element = etree.SubElement(message, "Order")
    for tag, value in (
        ("AmazonOrderID", order["AmazonOrderId"]),
        ("MerchantOrderID", order.get("SellerOrderId")),
        ("PurchaseDate", _date(order["PurchaseDate"])),
        ("LastUpdatedDate", _date(order["LastUpdateDate"])),
        ("OrderStatus", _status(order)),
        ("SalesChannel", order.get("SalesChannel")),
    ):
        if value:
            etree.SubElement(element, tag).text = value
    fulfillment = etree.SubElement(element, "FulfillmentData")
    etree.SubElement(fulfillment, "FulfillmentChannel").text = _channel(order)
    if order.get("ShipmentServiceLevelCategory"):
        etree.SubElement(fulfillment, "ShipServiceLevel").text = order["ShipmentServiceLevelCategory"]
    address = order.get("ShippingAddress") or {}
    if address:
        where = etree.SubElement(fulfillment, "Address")
        for tag, name in (("City", "City"), ("State", "StateOrRegion"), ("PostalCode", "PostalCode"), ("Country", "CountryCode")):
            if address.get(name):
                etree.SubElement(where, tag).text = address[name]
    etree.SubElement(element, "IsBusinessOrder").text = _cell(bool(order.get("IsBusinessOrder")))
    if (order.get("BuyerInfo") or {}).get("PurchaseOrderNumber"):
        etree.SubElement(element, "PurchaseOrderNumber").text = order["BuyerInfo"]["PurchaseOrderNumber"]
    for item, row in zip(items, _all_orders_rows({}, order, items, now), strict=True):
        line = etree.SubElement(element, "OrderItem")
        etree.SubElement(line, "AmazonOrderItemCode").text = item["OrderItemId"]
        for tag, value in (("ASIN", row["asin"]), ("SKU", row["sku"])):
            if value:
                etree.SubElement(line, tag).text = value
        etree.SubElement(line, "ItemStatus").text = row["item-status"]
        if row["product-name"]:
            etree.SubElement(line, "ProductName").text = row["product-name"]
        etree.SubElement(line, "Quantity").text = str(row["quantity"])
        components = [
            (kind, money)
            for kind, money in (
                ("Principal", item.get("ItemPrice")),
                ("Tax", item.get("ItemTax")),
                ("Shipping", item.get("ShippingPrice")),
                ("ShippingTax", item.get("ShippingTax")),
                ("GiftWrap", (item.get("BuyerInfo") or {}).get("GiftWrapPrice")),
                ("GiftWrapTax", (item.get("BuyerInfo") or {}).get("GiftWrapTax")),
            )
            if money
        ]
        if components:
            price = etree.SubElement(line, "ItemPrice")
            for kind, money in components:
                component = etree.SubElement(price, "Component")
                etree.SubElement(component, "Type").text = kind
                amount = etree.SubElement(component, "Amount", currency=money["CurrencyCode"])
                amount.text = money["Amount"]
    return message


def _order_report_rows(doc: dict, order: dict, items: list[dict], now: datetime) -> Iterator[dict]:
    address = order.get("ShippingAddress") or {}
    buyer = order.get("BuyerInfo") or {}
    for item in items:
        if not int(item.get("QuantityOrdered") or 0):
            continue  # a cancelled line is no longer an order to ship
        flag = item.get("BuyerRequestedCancel") or {}
        requested = flag.get("IsBuyerRequestedCancel") == "true"
        price = item.get("ItemPrice") or {}
        yield {
            "order-id": order["AmazonOrderId"],
            "order-item-id": item["OrderItemId"],
            "purchase-date": _date(order["PurchaseDate"]),
            "payments-date": _date(_paid_at(doc) or order["PurchaseDate"]),
            "buyer-email": buyer.get("BuyerEmail"),
            "buyer-name": buyer.get("BuyerName"),
            "buyer-phone-number": address.get("Phone"),
            "sku": item.get("SellerSKU"),
            "product-name": item.get("Title"),
            "quantity-purchased": item.get("QuantityOrdered"),
            "currency": price.get("CurrencyCode"),
            "item-price": price.get("Amount"),
            "item-tax": (item.get("ItemTax") or {}).get("Amount"),
            "shipping-price": (item.get("ShippingPrice") or {}).get("Amount"),
            "shipping-tax": (item.get("ShippingTax") or {}).get("Amount"),
            "ship-service-level": order.get("ShipmentServiceLevelCategory"),
            "recipient-name": address.get("Name"),
            **_address(address),
            "ship-phone-number": address.get("Phone"),
            "sales-channel": order.get("SalesChannel"),
            "is-business-order": order.get("IsBusinessOrder", False),
            "purchase-order-number": buyer.get("PurchaseOrderNumber"),
            "price-designation": item.get("PriceDesignation"),
            "is-buyer-requested-cancellation": requested,
            "buyer-requested-cancel-reason": flag.get("BuyerCancelReason") if requested else "",
        }


def _pending_rows(doc: dict, order: dict, items: list[dict], now: datetime) -> Iterator[dict]:
    for item in items:
        yield {
            "order-id": order["AmazonOrderId"],
            "order-item-id": item["OrderItemId"],
            "purchase-date": _date(order["PurchaseDate"]),
            "reporting-date": _date(to_wire(now)),
            "sku": item.get("SellerSKU"),
            "product-name": item.get("Title"),
            "quantity-purchased": item.get("QuantityOrdered"),
            "ship-service-level": order.get("ShipmentServiceLevelCategory"),
            "sales-channel": order.get("SalesChannel"),
            "fulfillment-channel": _channel(order),
            "is-business-order": order.get("IsBusinessOrder", False),
        }


REPORT_TYPES: dict[str, ReportType] = {
    UNSHIPPED: ReportType(
        UNSHIPPED_COLUMNS,
        None,
        _unshipped_rows,
        lambda doc: doc["order"]["OrderStatus"] in _PAID_TO_SHIP and doc["order"].get("FulfillmentChannel") == "MFN",
    ),
    ALL_BY_ORDER_DATE: ReportType(
        ALL_ORDERS_COLUMNS, "PurchaseDate", _all_orders_rows, lambda doc: True, cells=_all_orders_stored_cells
    ),
    ALL_BY_LAST_UPDATE: ReportType(
        ALL_ORDERS_COLUMNS, "LastUpdateDate", _all_orders_rows, lambda doc: True, cells=_all_orders_stored_cells
    ),
    PENDING: ReportType(PENDING_COLUMNS, None, _pending_rows, lambda doc: doc["order"]["OrderStatus"] in _PENDING),
    ORDER_REPORT: ReportType(
        ORDER_REPORT_COLUMNS,
        "PurchaseDate",
        _order_report_rows,
        lambda doc: doc["order"]["OrderStatus"] in _PAID and doc["order"].get("FulfillmentChannel") == "MFN",
        scheduled_only=True,
    ),
    XML_ALL_BY_ORDER_DATE: ReportType((), "PurchaseDate", _all_orders_rows, lambda doc: True, xml=True),
    XML_ALL_BY_LAST_UPDATE: ReportType((), "LastUpdateDate", _all_orders_rows, lambda doc: True, xml=True),
}


# -- cells ---------------------------------------------------------------------------------------


def _paid_at(doc: dict) -> str | None:
    return next((event["at"] for event in doc.get("history") or [] if event.get("event") == "PaymentAuthorized"), None)


def _address(address: dict) -> dict:
    return {
        "ship-address-1": address.get("AddressLine1"),
        "ship-address-2": address.get("AddressLine2"),
        "ship-address-3": address.get("AddressLine3"),
        "ship-city": address.get("City"),
        "ship-state": address.get("StateOrRegion"),
        "ship-postal-code": address.get("PostalCode"),
        "ship-country": address.get("CountryCode"),
    }


def _status(order: dict) -> str:
    # These reports spell it Cancelled; the Orders API, Canceled.
    return "Cancelled" if order["OrderStatus"] == "Canceled" else order["OrderStatus"]


def _channel(order: dict) -> str:
    return "Amazon" if order.get("FulfillmentChannel") == "AFN" else "Merchant"


def _date(value: str | None) -> str:
    """Amazon's report dates: ``2025-09-24T12:02:50+00:00``."""
    if not value:
        return ""
    # A stored date is in the wire form already (parsing each again was a tenth of a report).
    if _WIRE_DATE.fullmatch(value):
        return value[:-1] + "+00:00"
    return to_wire(parse_iso(value)).replace("Z", "+00:00")


_WIRE_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
# Anything str.splitlines breaks a line at; with a tab, what breaks a row.
_BREAKS_LINE = re.compile("[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_BREAKS_ROW = re.compile("[\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _cell(value) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    text = value if type(value) is str else str(value)
    # A tab or line end inside a value would break the row (most values have none: a report
    # writes millions of cells).
    if _BREAKS_ROW.search(text) is None:
        return text
    return " ".join(text.replace("\t", " ").splitlines())
