"""Processing reports, the result documents of feeds, in Amazon's two formats.

An XML feed's report is a ``ProcessingReport`` in an ``AmazonEnvelope``: the feed id as
``DocumentTransactionID``, ``StatusCode`` Complete, the ``ProcessingSummary`` counts, and one
``Result`` per message with an error or a warning (its ``MessageID``, ``ResultCode``,
``ResultMessageCode``, ``ResultDescription`` and the order in ``AdditionalInfo``). A flat file's
report is tab-delimited: a summary, then one row per record with an error or warning, naming the
record by its line number in the file.
"""

from __future__ import annotations

from lxml import etree

XML_CONTENT_TYPE = "text/xml; charset=UTF-8"
FLAT_CONTENT_TYPE = "text/tab-separated-values; charset=UTF-8"
FLAT_COLUMNS = ("original-record-number", "order-id", "order-item-id", "error-code", "error-type", "error-message")


def xml_report(feed_id: str, merchant: str | None, summary: dict, results: list[dict]) -> bytes:
    envelope = etree.Element("AmazonEnvelope", nsmap={"xsi": "http://www.w3.org/2001/XMLSchema-instance"})
    envelope.set("{http://www.w3.org/2001/XMLSchema-instance}noNamespaceSchemaLocation", "amzn-envelope.xsd")
    header = etree.SubElement(envelope, "Header")
    _text(header, "DocumentVersion", "1.02")
    _text(header, "MerchantIdentifier", merchant or "")
    _text(envelope, "MessageType", "ProcessingReport")
    message = etree.SubElement(envelope, "Message")
    _text(message, "MessageID", "1")
    report = etree.SubElement(message, "ProcessingReport")
    _text(report, "DocumentTransactionID", feed_id)
    _text(report, "StatusCode", "Complete")
    counts = etree.SubElement(report, "ProcessingSummary")
    _text(counts, "MessagesProcessed", str(summary["processed"]))
    _text(counts, "MessagesSuccessful", str(summary["successful"]))
    _text(counts, "MessagesWithError", str(summary["errors"]))
    _text(counts, "MessagesWithWarning", str(summary["warnings"]))
    for result in results:
        element = etree.SubElement(report, "Result")
        _text(element, "MessageID", result["message"])
        _text(element, "ResultCode", result["code"])
        _text(element, "ResultMessageCode", str(result["number"]))
        _text(element, "ResultDescription", result["description"])
        if result.get("order_id") or result.get("item_id"):
            info = etree.SubElement(element, "AdditionalInfo")
            if result.get("order_id"):
                _text(info, "AmazonOrderID", result["order_id"])
            if result.get("item_id"):
                _text(info, "AmazonOrderItemCode", result["item_id"])
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def flat_report(summary: dict, results: list[dict]) -> bytes:
    lines = [
        "Feed Processing Summary:",
        f"\tNumber of records processed\t\t{summary['processed']}",
        f"\tNumber of records successful\t\t{summary['successful']}",
        "",
        "\t".join(FLAT_COLUMNS),
    ]
    for result in results:
        row = (
            result["message"],
            result.get("order_id") or "",
            result.get("item_id") or "",
            str(result["number"]),
            result["code"],
            _one_line(result["description"]),
        )
        lines.append("\t".join(row))
    return ("\n".join(lines) + "\n").encode("utf-8")


def _text(parent, tag: str, value: str) -> None:
    etree.SubElement(parent, tag).text = value


def _one_line(text: str) -> str:
    return " ".join(text.split())
