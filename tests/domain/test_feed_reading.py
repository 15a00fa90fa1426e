"""An acknowledgement feed's messages read in one pass over each element's children
(``feeds/formats._child_texts``) are what a ``findtext`` per field read: compared here over
messages of every shape the schema lets through (items or none, fields absent or spaced, comments
and processing instructions among the elements, spacing kept)."""

from __future__ import annotations

import random

from lxml import etree

from spapi_mock.feeds import formats

REASONS = ("NoInventory", "ShippingAddressUndeliverable", "CustomerExchange", "BuyerCanceled", "GeneralAdjustment")


def _maybe(rng: random.Random, element: str, free_text: bool = True) -> str:
    """The element, absent, or in another shape: with a comment or processing instruction beside
    it and, for a free text, spaced or with a comment inside (the schema wants at least a character)."""
    name = element[1 : element.index(">")]
    value = element[len(name) + 2 : -(len(name) + 3)]
    shapes = [element, element, "", f"<!-- before -->{element}", f"<?note here?>{element}"]
    if free_text:
        shapes += [f"<{name}> {value} </{name}>", f"<{name}>{value}<!-- inside --></{name}>"]
    return rng.choice(shapes)


def _message(rng: random.Random, number: int) -> str:
    order = f"<AmazonOrderID>{rng.randint(100, 999)}-{rng.randint(0, 9999999):07d}-{rng.randint(0, 9999999):07d}</AmazonOrderID>"
    merchant = _maybe(rng, f"<MerchantOrderID>ERP-{number}</MerchantOrderID>")
    status = f"<StatusCode>{rng.choice(['Success', 'Failure'])}</StatusCode>"
    items = ""
    for n in range(rng.choice([0, 0, 1, 2, 3])):
        code = f"<AmazonOrderItemCode>{rng.randint(10**13, 10**14 - 1)}</AmazonOrderItemCode>"
        merchant_item = _maybe(rng, f"<MerchantOrderItemID>M{number}-{n}</MerchantOrderItemID>")
        reason = _maybe(rng, f"<CancelReason>{rng.choice(REASONS)}</CancelReason>", free_text=False)
        items += f"<Item>{code}{merchant_item}{reason}</Item>"
    comment = rng.choice(["", "<!-- a seller's note -->"])
    return (
        f"<Message><MessageID>{number}</MessageID>{comment}<OrderAcknowledgement>{order}{merchant}{status}"
        f"{comment}{items}</OrderAcknowledgement></Message>"
    )


def _read_by_findtext(content: bytes) -> list[tuple]:
    """Each message as the findtext-per-field reading saw it."""
    root = etree.fromstring(content)
    read = []
    for element in root.iterfind("Message"):
        body = element.find("OrderAcknowledgement")
        items = [
            {
                "item": item.findtext("AmazonOrderItemCode"),
                "merchant_item_id": item.findtext("MerchantOrderItemID"),
                "reason": item.findtext("CancelReason"),
            }
            for item in body.iterfind("Item")
        ]
        kind = "acknowledge" if body.findtext("StatusCode") == "Success" else "cancel"
        read.append(
            (element.findtext("MessageID"), kind, body.findtext("AmazonOrderID"), body.findtext("MerchantOrderID"), items)
        )
    return read


def test_acknowledgements_read_in_one_pass_are_those_read_field_by_field():
    rng = random.Random(26)
    messages = "".join(_message(rng, number) for number in range(1, 401))
    content = (
        "<?xml version='1.0' encoding='UTF-8'?><AmazonEnvelope><Header><DocumentVersion>1.01</DocumentVersion>"
        f"<MerchantIdentifier>M</MerchantIdentifier></Header><MessageType>OrderAcknowledgement</MessageType>{messages}"
        "</AmazonEnvelope>"
    ).encode()
    parsed = formats.parse("POST_ORDER_ACKNOWLEDGEMENT_DATA", content)
    assert parsed.fatal is None, parsed.fatal
    read = [(m.id, m.kind, m.order_id, m.merchant_order_id, list(m.fields["items"])) for m in parsed.messages]
    expected = _read_by_findtext(content)
    assert len(read) == 400
    assert read == expected
    # The shapes were there to compare: empty and absent fields, items with and without reasons.
    assert None in {m[3] for m in expected} and any(m[4] for m in expected)
    assert any(m[3] and m[3].startswith(" ") for m in expected)
