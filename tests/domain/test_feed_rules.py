"""Fast unit tests of the feed rules: a feed's life on the clock, how feed documents read, and
the processing reports' formats. The HTTP and SDK tests drive the same through the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from spapi_mock.domain import feeds, jobs
from spapi_mock.domain.exceptions import RuleViolation
from spapi_mock.feeds import formats as feed_formats
from spapi_mock.feeds import results as feed_reports

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
SPEC = {"feedType": "POST_ORDER_ACKNOWLEDGEMENT_DATA", "marketplaceIds": ["ATVPDKIKX0DER"], "inputFeedDocumentId": "doc"}


SHIPPED = (
    "<OrderFulfillment><AmazonOrderID>111-1111111-1111111</AmazonOrderID>"
    "<FulfillmentDate>2025-06-16T10:00:00Z</FulfillmentDate></OrderFulfillment>"
)


SHIPPED = (
    "<OrderFulfillment><AmazonOrderID>111-1111111-1111111</AmazonOrderID>"
    "<FulfillmentDate>2025-06-16T10:00:00Z</FulfillmentDate></OrderFulfillment>"
)


def envelope(message_type: str, body: str) -> bytes:
    return (
        "<AmazonEnvelope><Header><DocumentVersion>1.01</DocumentVersion><MerchantIdentifier>M</MerchantIdentifier></Header>"
        f"<MessageType>{message_type}</MessageType><Message><MessageID>7</MessageID>{body}</Message></AmazonEnvelope>"
    ).encode()


# -- the feed's life -----------------------------------------------------------------------------


def test_a_feed_is_due_to_start_then_due_to_end_once_processed():
    feed = feeds.new_feed("S1", "1", SPEC, NOW, jobs.ProcessingTiming(timedelta(seconds=2), timedelta(seconds=3)))
    assert feed["processingStatus"] == "IN_QUEUE" and jobs.due_at(feed) == "2025-06-15T12:00:02Z"
    started = jobs.start(feed, NOW + timedelta(seconds=2))
    assert started["processingStatus"] == "IN_PROGRESS" and jobs.due_at(started) is None  # not processed yet
    processed = feeds.processed(started, "report", fatal=False)
    assert jobs.due_at(processed) == "2025-06-15T12:00:05Z"
    done = jobs.finish(processed, NOW + timedelta(seconds=5))
    assert (done["processingStatus"], done["processingEndTime"]) == ("DONE", "2025-06-15T12:00:05Z")
    assert feeds.wire(done)["resultFeedDocumentId"] == "report" and "resultFeedDocumentId" not in feeds.wire(started)
    assert jobs.finish(feeds.processed(started, "r", fatal=True), NOW)["processingStatus"] == "FATAL"


def test_a_feed_started_late_ends_no_earlier_than_it_started():
    feed = feeds.new_feed("S1", "1", SPEC, NOW, jobs.ProcessingTiming())
    started = jobs.start(feed, NOW + timedelta(hours=1))
    assert started["ends_at"] == "2025-06-15T13:00:00Z"


def test_only_a_queued_feed_can_be_cancelled():
    feed = feeds.new_feed("S1", "1", SPEC, NOW, jobs.ProcessingTiming())
    assert feeds.cancel(feed, NOW)["processingStatus"] == "CANCELLED"
    with pytest.raises(RuleViolation, match="it is IN_PROGRESS"):
        feeds.cancel(jobs.start(feed, NOW), NOW)


def test_feed_timing_is_bounded():
    with pytest.raises(ValueError, match="between 0 and 1 day"):
        jobs.ProcessingTiming(queued=timedelta(days=2))


# -- reading feed documents -------------------------------------------------------------------------


def test_an_acknowledgement_reads_as_a_cancellation_of_its_items():
    body = (
        "<OrderAcknowledgement><AmazonOrderID>111-1111111-1111111</AmazonOrderID><StatusCode>Failure</StatusCode>"
        "<Item><AmazonOrderItemCode>11</AmazonOrderItemCode><CancelReason>NoInventory</CancelReason></Item>"
        "<Item><AmazonOrderItemCode>12</AmazonOrderItemCode></Item></OrderAcknowledgement>"
    )
    (message,) = feed_formats.parse("POST_ORDER_ACKNOWLEDGEMENT_DATA", envelope("OrderAcknowledgement", body)).messages
    assert (message.id, message.kind, message.order_id) == ("7", "cancel", "111-1111111-1111111")
    assert [(line["item"], line["reason"]) for line in message.fields["items"]] == [("11", "NoInventory"), ("12", None)]


def test_an_adjustment_and_a_fulfillment_read_their_amounts_quantities_and_carrier():
    adjustment = (
        "<OrderAdjustment><MerchantOrderID>ERP-1</MerchantOrderID><AdjustedItem><MerchantOrderItemID>L1</MerchantOrderItemID>"
        "<AdjustmentReason>CustomerReturn</AdjustmentReason><ItemPriceAdjustments><Component><Type>Principal</Type>"
        '<Amount currency="EUR">-4.50</Amount></Component></ItemPriceAdjustments></AdjustedItem></OrderAdjustment>'
    )
    (message,) = feed_formats.parse("POST_PAYMENT_ADJUSTMENT_DATA", envelope("OrderAdjustment", adjustment)).messages
    assert (message.kind, message.order_id, message.merchant_order_id) == ("adjust", None, "ERP-1")
    assert message.fields["items"][0]["components"] == {"Principal": {"amount": "-4.50", "currency": "EUR"}}
    fulfillment = (
        "<OrderFulfillment><AmazonOrderID>111-1111111-1111111</AmazonOrderID><FulfillmentDate>2025-06-16T10:00:00Z</FulfillmentDate>"
        "<FulfillmentData><CarrierName>DHL</CarrierName></FulfillmentData><Item><AmazonOrderItemCode>11</AmazonOrderItemCode>"
        "<Quantity>2</Quantity></Item></OrderFulfillment>"
    )
    (message,) = feed_formats.parse("POST_ORDER_FULFILLMENT_DATA", envelope("OrderFulfillment", fulfillment)).messages
    assert message.fields["carrier_name"] == "DHL" and message.fields["items"][0]["quantity"] == 2


@pytest.mark.parametrize(
    ("content", "code", "says"),
    [
        (b"<AmazonEnvelope><Header>", feed_formats.XML_FATAL, "XML Parsing Fatal Error at Line 1"),
        (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', feed_formats.XML_FATAL, "DOCTYPE"),
        (envelope("OrderAcknowledgement", "<OrderAcknowledgement/>"), feed_formats.XML_INVALID, "AmazonOrderID"),
        (envelope("OrderFulfillment", SHIPPED), feed_formats.XML_INVALID, "does not belong in a POST_ORDER_ACKNOWLEDGEMENT_DATA"),
        (envelope("OrderAcknowledgement", SHIPPED), feed_formats.XML_INVALID, "Message 7 holds an OrderFulfillment"),
        (b"<Other/>", feed_formats.XML_INVALID, "XML Parsing Error at Line 1"),
    ],
)
def test_an_xml_document_that_does_not_parse_or_validate_is_refused_whole_saying_where(content, code, says):
    parsed = feed_formats.parse("POST_ORDER_ACKNOWLEDGEMENT_DATA", content)
    assert parsed.messages == [] and parsed.fatal_code == code and says in parsed.fatal


def test_a_flat_file_skips_its_template_line_and_keeps_bad_records_as_their_errors():
    content = (
        b"TemplateType=OrderCancellation\tVersion=1.0\n"
        b"order-id\tcancellation-reason-code\tamazon-order-item-code\n"
        b"111-1111111-1111111\tNoInventory\t11\n"
        b"\n"
        b"\tNoInventory\t12\n"
        b"111-1111111-1111111\tNoInventory\t13\textra\n"
    )
    messages = feed_formats.parse("POST_FLAT_FILE_ORDER_ACKNOWLEDGEMENT_DATA", content).messages
    assert [(m.id, m.kind, m.invalid) for m in messages] == [
        ("3", "cancel", None),
        ("5", "cancel", "order-id is empty"),
        ("6", "acknowledge", "line 6 has 4 values for 3 columns"),
    ]


def test_a_flat_file_header_must_be_the_templates():
    parsed = feed_formats.parse("POST_FLAT_FILE_FULFILLMENT_DATA", b"order-id\tship-date\tship-date\n")
    assert parsed.fatal_code == feed_formats.FLAT_INVALID_HEADER and "a column appears twice" in parsed.fatal
    assert "lacks ship-date" in feed_formats.parse("POST_FLAT_FILE_FULFILLMENT_DATA", b"order-id\n").fatal


def test_flat_adjustment_amounts_need_a_currency_and_two_decimals():
    header = "order-id\torder-item-id\tadjustment-reason-code\tcurrency\titem-price-adj\n"
    bad = feed_formats.parse("POST_FLAT_FILE_PAYMENT_ADJUSTMENT_DATA", (header + "1\t2\tOther\t\t-1.00\n").encode()).messages
    assert bad[0].invalid == "item-price-adj is given without a currency"
    bad = feed_formats.parse("POST_FLAT_FILE_PAYMENT_ADJUSTMENT_DATA", (header + "1\t2\tOther\tUSD\t-1.005\n").encode()).messages
    assert "at most two decimals" in bad[0].invalid
    huge = "1" + "0" * 30
    bad = feed_formats.parse("POST_FLAT_FILE_PAYMENT_ADJUSTMENT_DATA", (header + f"1\t2\tOther\tUSD\t{huge}\n").encode()).messages
    assert "less than a trillion" in bad[0].invalid


# -- processing reports -----------------------------------------------------------------------------


def test_the_xml_report_is_amazons_processing_report():
    summary = {"processed": 2, "successful": 1, "errors": 1, "warnings": 0}
    result = {"message": "2", "code": "Error", "number": 90011, "description": "No & <way>", "order_id": "111-1", "item_id": None}
    root = etree.fromstring(feed_reports.xml_report("5001", "M1", summary, [result]))
    report = root.find("Message/ProcessingReport")
    assert root.findtext("MessageType") == "ProcessingReport" and report.findtext("DocumentTransactionID") == "5001"
    assert [child.tag for child in report.find("ProcessingSummary")] == [
        "MessagesProcessed",
        "MessagesSuccessful",
        "MessagesWithError",
        "MessagesWithWarning",
    ]
    assert (
        report.findtext("Result/ResultDescription") == "No & <way>"
        and report.findtext("Result/AdditionalInfo/AmazonOrderID") == "111-1"
    )


def test_the_flat_report_lists_each_record_on_one_line():
    text = feed_reports.flat_report(
        {"processed": 1, "successful": 0, "errors": 1, "warnings": 0},
        [{"message": "3", "code": "Error", "number": 1, "description": "two\nlines", "order_id": "o", "item_id": "i"}],
    ).decode()
    assert text.splitlines()[-1] == "3\to\ti\t1\tError\ttwo lines"


# -- the processing summary ----------------------------------------------------------------------


def _result(message: str, code: str) -> dict:
    return {"message": message, "code": code, "number": 1, "description": "d"}


def test_a_feed_starts_with_nothing_processed_and_keeps_what_it_was_given():
    timing = jobs.ProcessingTiming(timedelta(seconds=2), timedelta(seconds=3))
    feed = feeds.new_feed("S1", "F1", {**SPEC, "feedOptions": {"k": "v"}}, NOW, timing)
    assert feed == {
        "seller_id": "S1",
        "feedId": "F1",
        "feedType": "POST_ORDER_ACKNOWLEDGEMENT_DATA",
        "marketplaceIds": ["ATVPDKIKX0DER"],
        "createdTime": "2025-06-15T12:00:00Z",
        "processingStatus": "IN_QUEUE",
        "inputFeedDocumentId": "doc",
        "starts_at": "2025-06-15T12:00:02Z",
        "ends_at": "2025-06-15T12:00:05Z",
        "next_message": 0,
        "processed": False,
        "results": [],
        "summary": {"processed": 0, "successful": 0, "errors": 0, "warnings": 0},
        "feedOptions": {"k": "v"},
    }
    assert "feedOptions" not in feeds.new_feed("S1", "F1", SPEC, NOW, timing)
    assert feeds.wire(feed) == {
        "feedId": "F1",
        "feedType": "POST_ORDER_ACKNOWLEDGEMENT_DATA",
        "marketplaceIds": ["ATVPDKIKX0DER"],
        "createdTime": "2025-06-15T12:00:00Z",
        "processingStatus": "IN_QUEUE",
    }


def test_the_summary_counts_messages_processed_successful_with_errors_and_with_warnings():
    """Amazon's ProcessingSummary: MessagesProcessed, MessagesSuccessful, MessagesWithError and
    MessagesWithWarning count messages (a message that only warns is successful)."""
    feed = feeds.new_feed("S1", "1", SPEC, NOW, jobs.ProcessingTiming())
    first = [_result("1", "Error"), _result("2", "Warning"), _result("2", "Warning")]
    after_first = feeds.record(feed, 3, first, successful=2)
    assert after_first["summary"] == {"processed": 3, "successful": 2, "errors": 1, "warnings": 1}
    assert after_first["next_message"] == 3 and after_first["results"] == first
    second = [_result("5", "Error"), _result("6", "Warning")]
    after_second = feeds.record(after_first, 6, second, successful=2)
    assert after_second["summary"] == {"processed": 6, "successful": 4, "errors": 2, "warnings": 2}
    assert after_second["results"] == first + second
    # Each record is a new feed: the one before is left as it was.
    assert feed["summary"] == {"processed": 0, "successful": 0, "errors": 0, "warnings": 0} and feed["results"] == []
    assert after_first["summary"]["processed"] == 3


def test_a_cancelled_feed_says_when():
    feed = feeds.new_feed("S1", "1", SPEC, NOW, jobs.ProcessingTiming())
    cancelled = feeds.cancel(feed, NOW + timedelta(seconds=1))
    assert (cancelled["processingStatus"], cancelled["cancelled_at"]) == ("CANCELLED", "2025-06-15T12:00:01Z")
    assert feed["processingStatus"] == "IN_QUEUE"
    with pytest.raises(RuleViolation) as caught:
        feeds.cancel(cancelled, NOW)
    assert str(caught.value) == "Feed 1 cannot be cancelled: it is CANCELLED, and only a feed that is IN_QUEUE can be."


def test_a_processed_feed_keeps_its_report_and_whether_it_failed_whole():
    started = jobs.start(feeds.new_feed("S1", "1", SPEC, NOW, jobs.ProcessingTiming()), NOW)
    done = feeds.processed(started, "report-1", fatal=True)
    assert (done["processed"], done["fatal"], done["resultFeedDocumentId"]) == (True, True, "report-1")
    assert "processed" in started and started["processed"] is False
    # Until it ends, a feed is IN_PROGRESS and a client sees no report, however far processing got.
    assert "resultFeedDocumentId" not in feeds.wire(done)
    ended = jobs.finish(done, NOW + timedelta(seconds=5))
    assert feeds.wire(ended) == {
        "feedId": "1",
        "feedType": "POST_ORDER_ACKNOWLEDGEMENT_DATA",
        "marketplaceIds": ["ATVPDKIKX0DER"],
        "createdTime": "2025-06-15T12:00:00Z",
        "processingStatus": "FATAL",
        "processingStartTime": "2025-06-15T12:00:00Z",
        "processingEndTime": "2025-06-15T12:00:05Z",
        "resultFeedDocumentId": "report-1",
    }
