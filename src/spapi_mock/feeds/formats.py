"""Order feed documents read into messages: XML in Amazon's envelope, and the flat-file twins.

An XML document must parse and validate against ``feeds/schemas/order-feeds.xsd`` (our schema,
written from Amazon's XSDs) and hold the message type its feed type names; otherwise the whole
feed is refused (FATAL) with a report that says where and why, and nothing is applied. A flat
file must have a header row of known columns, with the ones its feed type needs; a bad value in
one row is that row's error only.

Each message becomes a ``Message``: what it asks of which order, in the terms of the domain
rules that will apply it (``feed_processing``). Nothing here touches the store.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from lxml import etree

from spapi_mock.domain import lifecycle
from spapi_mock.domain.orders import AMOUNT_RULE, money_amount
from spapi_mock.kernel import resources
from spapi_mock.kernel.turns import taking_turns

# Feed types the mock applies to orders: the XML message type each one holds, or its flat
# file's columns.
XML_FEEDS = {
    "POST_ORDER_ACKNOWLEDGEMENT_DATA": "OrderAcknowledgement",
    "POST_PAYMENT_ADJUSTMENT_DATA": "OrderAdjustment",
    "POST_ORDER_FULFILLMENT_DATA": "OrderFulfillment",
}


@dataclass(frozen=True)
class FlatLayout:
    required: tuple[str, ...]
    optional: tuple[str, ...]


FLAT_FEEDS = {
    "POST_FLAT_FILE_ORDER_ACKNOWLEDGEMENT_DATA": FlatLayout(
        ("order-id",),
        ("cancellation-reason-code", "amazon-order-item-code", "merchant-order-id", "merchant-order-item-id"),
    ),
    "POST_FLAT_FILE_PAYMENT_ADJUSTMENT_DATA": FlatLayout(
        ("order-id", "order-item-id", "adjustment-reason-code"),
        (
            "currency",
            "item-price-adj",
            "item-tax-adj",
            "shipping-price-adj",
            "shipping-tax-adj",
            "gift-wrap-price-adj",
            "gift-wrap-tax-adj",
            "item-promotion-adj",
            "item-promotion-id",
            "ship-promotion-adj",
            "ship-promotion-id",
            "quantity-cancelled",
            "merchant-adjustment-item-id",
        ),
    ),
    "POST_FLAT_FILE_FULFILLMENT_DATA": FlatLayout(
        ("order-id", "ship-date"),
        ("order-item-id", "quantity", "carrier-code", "carrier-name", "tracking-number", "ship-method", "merchant-order-item-id"),
    ),
}
# The flat adjustment file's amount columns, as the XML components they stand for.
FLAT_ADJUSTMENT_COMPONENTS = {
    "item-price-adj": "Principal",
    "item-tax-adj": "Tax",
    "shipping-price-adj": "Shipping",
    "shipping-tax-adj": "ShippingTax",
    "gift-wrap-price-adj": "GiftWrap",
    "gift-wrap-tax-adj": "GiftWrapTax",
}
# The acknowledgement feed's CancelReasons: the seller's reasons but PricingError (Orders
# 2026-01-01's cancelOrder only).
CANCEL_REASONS = tuple(reason for reason in lifecycle.SELLER_CANCEL_REASONS if reason != "PricingError")

# Amazon's result codes for a document refused whole.
XML_FATAL = 5001  # not well-formed
XML_INVALID = 5000  # well-formed, but not what the schema allows
FLAT_INVALID_HEADER = 90001  # the mock's own: a flat file whose header row is not the template's


def is_order_feed(feed_type: str) -> bool:
    return feed_type in XML_FEEDS or feed_type in FLAT_FEEDS


def is_flat(feed_type: str) -> bool:
    return feed_type in FLAT_FEEDS or feed_type.startswith("POST_FLAT_FILE_")


@dataclass(slots=True)
class Message:
    """One message (XML) or record (flat file) of an order feed. Slotted: a feed holds one per
    message while it runs, and each object is one more for the cyclic collector to walk."""

    id: str  # MessageID, or the record's line number in a flat file
    kind: str  # acknowledge, cancel, adjust or fulfill
    order_id: str | None = None
    merchant_order_id: str | None = None
    fields: dict = field(default_factory=dict)
    # A record whose values are wrong is kept with why, so that it is that record's error.
    invalid: str | None = None


@dataclass
class ParsedFeed:
    messages: list[Message]
    merchant: str | None = None
    # Why the document is refused whole, with Amazon's result code for it.
    fatal: str | None = None
    fatal_code: int = 0


class FeedDocumentError(ValueError):
    def __init__(self, code: int, why: str) -> None:
        super().__init__(why)
        self.code = code


def parse(feed_type: str, content: bytes) -> ParsedFeed:
    """The messages of an order feed's document, or why it is refused whole."""
    try:
        if feed_type in XML_FEEDS:
            return _parse_xml(XML_FEEDS[feed_type], feed_type, content)
        return _parse_flat(FLAT_FEEDS[feed_type], feed_type, content)
    except FeedDocumentError as exc:
        return ParsedFeed([], fatal=str(exc), fatal_code=exc.code)


# -- XML -------------------------------------------------------------------------------------


@functools.cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(resources.package_file("feeds/schemas/order-feeds.xsd"))))


def _parser() -> etree.XMLParser:
    # No entities, no DTDs, no network: an uploaded document is untrusted.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _parse_xml(message_type: str, feed_type: str, content: bytes) -> ParsedFeed:
    try:
        root = etree.fromstring(content, _parser())
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (0, 0)
        why = re.sub(r", line \d+, column \d+$", "", exc.msg or "not well-formed")
        raise FeedDocumentError(XML_FATAL, f"XML Parsing Fatal Error at Line {line}, Column {column}: {why}") from None
    if root.getroottree().docinfo.doctype:
        raise FeedDocumentError(
            XML_FATAL, "XML Parsing Fatal Error at Line 1, Column 1: a feed document may not declare a DOCTYPE."
        )
    schema = _schema()
    try:
        valid = schema.validate(root)
    except etree.XMLSchemaValidateError:
        valid = False
    if not valid:
        error = schema.error_log.last_error
        if error is None:
            raise FeedDocumentError(XML_INVALID, "XML Parsing Error at Line 1, Column 1: the document is not an AmazonEnvelope.")
        raise FeedDocumentError(XML_INVALID, f"XML Parsing Error at Line {error.line}, Column {error.column}: {error.message}")
    given = root.findtext("MessageType")
    if given != message_type:
        raise FeedDocumentError(
            XML_INVALID, f"MessageType {given} does not belong in a {feed_type} feed: its messages are {message_type}."
        )
    messages = []
    seen: set[str] = set()
    # A message reads in a few microseconds: the server's threads get a turn every 16.
    for element in taking_turns(root.iterfind("Message"), 16):
        texts = _child_texts(element)
        message_id = texts.get("MessageID")
        body = texts.get((message_type,))
        if body is None:
            other = element[len(element) - 1].tag
            raise FeedDocumentError(
                XML_INVALID,
                f"Message {message_id} holds an {other}, but this feed's MessageType is {message_type}.",
            )
        if message_id in seen:
            raise FeedDocumentError(XML_INVALID, f"MessageID {message_id} appears twice: each message needs its own.")
        seen.add(message_id)
        messages.append(_XML_READERS[message_type](message_id, body))
    return ParsedFeed(messages, merchant=root.findtext("Header/MerchantIdentifier"))


def _child_texts(element) -> dict:
    """What ``findtext`` and ``find`` answer for each child element's tag, in one pass over the
    children: the first child of a tag gives its text ("" if it has none), and the element itself
    under (tag, ). Comments and processing instructions are skipped, as ``findtext`` skips them.
    Reading a 10,000-message acknowledgement feed's messages with a findtext per field took
    three quarters of its parsing."""
    found: dict = {}
    for child in element:
        tag = child.tag
        if type(tag) is str and tag not in found:
            found[tag] = child.text or ""
            found[(tag,)] = child
    return found


def _acknowledgement(message_id: str, body) -> Message:
    texts = _child_texts(body)
    # No items: an empty tuple, which the cyclic collector does not track (a list it would).
    items: list | tuple = ()
    if ("Item",) in texts:
        items = [
            {
                "item": item.findtext("AmazonOrderItemCode"),
                "merchant_item_id": item.findtext("MerchantOrderItemID"),
                "reason": item.findtext("CancelReason"),
            }
            for item in body.iterfind("Item")
        ]
    kind = "acknowledge" if texts.get("StatusCode") == "Success" else "cancel"
    return Message(message_id, kind, texts.get("AmazonOrderID"), texts.get("MerchantOrderID"), {"items": items})


def _adjustment(message_id: str, body) -> Message:
    items = []
    for adjusted in body.iterfind("AdjustedItem"):
        components = {}
        for component in adjusted.iterfind("ItemPriceAdjustments/Component"):
            amount = component.find("Amount")
            components[component.findtext("Type")] = {"amount": amount.text.strip(), "currency": amount.get("currency")}
        quantity = adjusted.findtext("QuantityCancelled")
        items.append(
            {
                "item": adjusted.findtext("AmazonOrderItemCode"),
                "merchant_item_id": adjusted.findtext("MerchantOrderItemID"),
                "reason": adjusted.findtext("AdjustmentReason"),
                "components": components,
                "quantity_cancelled": int(quantity) if quantity else None,
            }
        )
    return Message(
        message_id,
        "adjust",
        body.findtext("AmazonOrderID"),
        body.findtext("MerchantOrderID"),
        {"action": body.findtext("ActionType"), "items": items},
    )


def _fulfillment(message_id: str, body) -> Message:
    items = []
    for item in body.iterfind("Item"):
        quantity = item.findtext("Quantity")
        items.append(
            {
                "item": item.findtext("AmazonOrderItemCode"),
                "merchant_item_id": item.findtext("MerchantOrderItemID"),
                "quantity": int(quantity) if quantity else None,
            }
        )
    return Message(
        message_id,
        "fulfill",
        body.findtext("AmazonOrderID"),
        body.findtext("MerchantOrderID"),
        {
            "date": body.findtext("FulfillmentDate"),
            "carrier_code": body.findtext("FulfillmentData/CarrierCode"),
            "carrier_name": body.findtext("FulfillmentData/CarrierName"),
            "method": body.findtext("FulfillmentData/ShippingMethod"),
            "tracking": body.findtext("FulfillmentData/ShipperTrackingNumber"),
            "items": items,
        },
    )


_XML_READERS = {"OrderAcknowledgement": _acknowledgement, "OrderAdjustment": _adjustment, "OrderFulfillment": _fulfillment}


# -- flat files ------------------------------------------------------------------------------


def _parse_flat(layout: FlatLayout, feed_type: str, content: bytes) -> ParsedFeed:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("iso-8859-1")  # Amazon's flat files may be Latin-1
    lines = text.splitlines()
    number = 0
    # Amazon's templates may start with a TemplateType=... line (and a line of descriptions).
    while number < len(lines) and (not lines[number].strip() or lines[number].startswith("TemplateType=")):
        number += 1
    if number == len(lines):
        raise FeedDocumentError(
            FLAT_INVALID_HEADER, f"The file has no header row: a {feed_type} file starts with {_columns(layout)}."
        )
    header = [name.strip().lower() for name in lines[number].split("\t")]
    known = set(layout.required) | set(layout.optional)
    unknown = [name for name in header if name not in known]
    missing = [name for name in layout.required if name not in header]
    if unknown or missing or len(set(header)) != len(header):
        problems = []
        if missing:
            problems.append(f"it lacks {', '.join(missing)}")
        if unknown:
            names = ", ".join(repr(name) for name in unknown)
            problems.append(f"{names} {'is not a column' if len(unknown) == 1 else 'are not columns'} of this template")
        if len(set(header)) != len(header):
            problems.append("a column appears twice")
        raise FeedDocumentError(
            FLAT_INVALID_HEADER,
            f"The header row (line {number + 1}) is not a {feed_type} header: {'; '.join(problems)}. "
            f"Its columns are {_columns(layout)}.",
        )
    reader = _FLAT_READERS[feed_type]
    messages = []
    for line_number, line in taking_turns(enumerate(lines[number + 1 :], start=number + 2)):
        if not line.strip():
            continue
        values = line.split("\t")
        row = {name: (values[i].strip() if i < len(values) else "") for i, name in enumerate(header)}
        message = Message(str(line_number), "", row.get("order-id") or None)
        if len(values) > len(header):
            message.kind, message.invalid = reader.kind, f"line {line_number} has {len(values)} values for {len(header)} columns"
        else:
            try:
                reader(message, row)
            except _BadValue as exc:
                message.invalid = str(exc)
        if not message.order_id and not message.invalid:
            message.invalid = "order-id is empty"
        messages.append(message)
    return ParsedFeed(messages)


def _columns(layout: FlatLayout) -> str:
    return ", ".join(layout.required) + " (required), " + ", ".join(layout.optional)


class _BadValue(ValueError):
    pass


def _flat_acknowledgement(message: Message, row: dict) -> None:
    reason = row.get("cancellation-reason-code") or None
    message.kind = "cancel" if reason else "acknowledge"
    message.merchant_order_id = row.get("merchant-order-id") or None
    if reason and reason not in CANCEL_REASONS:
        raise _BadValue(f"cancellation-reason-code {reason!r} is not one of {', '.join(CANCEL_REASONS)}")
    item = row.get("amazon-order-item-code") or None
    items = [{"item": item, "merchant_item_id": row.get("merchant-order-item-id") or None, "reason": reason}] if item else []
    message.fields = {"items": items, "reason": reason}


_flat_acknowledgement.kind = "acknowledge"


def _flat_adjustment(message: Message, row: dict) -> None:
    message.kind = "adjust"
    currency = row.get("currency") or None
    components = {}
    for column, component in FLAT_ADJUSTMENT_COMPONENTS.items():
        if row.get(column):
            if not currency:
                raise _BadValue(f"{column} is given without a currency")
            components[component] = {"amount": _amount(column, row[column]), "currency": currency}
    quantity = _positive(row, "quantity-cancelled")
    message.fields = {
        "action": "Cancel" if quantity else None,
        "items": [
            {
                "item": row["order-item-id"] or None,
                "merchant_item_id": None,
                "reason": row["adjustment-reason-code"] or None,
                "components": components,
                "quantity_cancelled": quantity,
            }
        ],
    }
    if not row["order-item-id"]:
        raise _BadValue("order-item-id is empty")
    if not row["adjustment-reason-code"]:
        raise _BadValue("adjustment-reason-code is empty")


_flat_adjustment.kind = "adjust"


def _flat_fulfillment(message: Message, row: dict) -> None:
    message.kind = "fulfill"
    item = row.get("order-item-id") or None
    quantity = _positive(row, "quantity")
    if quantity and not item:
        raise _BadValue("quantity is given without an order-item-id")
    message.fields = {
        "date": row["ship-date"] or None,
        "carrier_code": row.get("carrier-code") or None,
        "carrier_name": row.get("carrier-name") or None,
        "method": row.get("ship-method") or None,
        "tracking": row.get("tracking-number") or None,
        "items": [{"item": item, "merchant_item_id": row.get("merchant-order-item-id") or None, "quantity": quantity}]
        if item
        else [],
    }
    if not row["ship-date"]:
        raise _BadValue("ship-date is empty")


_flat_fulfillment.kind = "fulfill"

_FLAT_READERS = {
    "POST_FLAT_FILE_ORDER_ACKNOWLEDGEMENT_DATA": _flat_acknowledgement,
    "POST_FLAT_FILE_PAYMENT_ADJUSTMENT_DATA": _flat_adjustment,
    "POST_FLAT_FILE_FULFILLMENT_DATA": _flat_fulfillment,
}


def _positive(row: dict, column: str) -> int | None:
    value = row.get(column)
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise _BadValue(f"{column} {value!r} is not a positive whole number")
    return int(value)


def _amount(column: str, value: str) -> str:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise _BadValue(f"{column} {value!r} is not an amount") from None
    if not amount.is_finite() or amount.as_tuple().exponent < -2:
        raise _BadValue(f"{column} {value!r} is not an amount with at most two decimals")
    if money_amount(amount) is None:
        # As the XML feed's schema bounds it (BaseCurrencyAmount: 20 digits): the Finances rules add these up.
        raise _BadValue(f"{column} {value!r} is not {AMOUNT_RULE}")
    return value
