"""Real SDK clients run the seller's side of cancellation through the Feeds API, against a live
server: python-amazon-sp-api (``Feeds.submit_feed``, ``get_feed``, ``get_feed_result_document``)
and amzn-sp-api (``FeedsApi``, uploading to the presigned URL as Amazon's guide shows). Each uploads
a feed, polls getFeed until it is DONE (the server's feed times are shortened, the clock runs),
downloads and parses the processing report, then reads the orders with Orders v0 and v2026-01-01.
"""

from __future__ import annotations

import io

import pytest
import requests
from lxml import etree

from spapi_mock.control import HttpControl
from spapi_mock.kernel import resources

from support.orders import buyer_requests_cancellation, place
from support.sdk import amzn_orders_api, amzn_sp_api_client, python_sp_api_client, refresh_token, until_done

US = "ATVPDKIKX0DER"
XML = "text/xml; charset=UTF-8"
TSV = "text/tab-separated-values; charset=UTF-8"
FIXTURES = resources.default_fixtures_dir()
# Feeds that end within a second, so that a test polls as a seller does without waiting minutes.
SERVE = ("--fixtures", str(FIXTURES), "--feed-queue-seconds", "0.2", "--feed-processing-seconds", "0.3")


@pytest.fixture(scope="module")
def psa_feeds(server):
    client = python_sp_api_client("Feeds", server.base_url, refresh_token("feeds"))
    yield client
    client.close()


@pytest.fixture(scope="module")
def amzn(server):
    from spapi import FeedsApi, GetOrderApi

    client = amzn_sp_api_client(server.base_url, refresh_token("feeds"))
    return FeedsApi(client.api_client), amzn_orders_api(client), GetOrderApi(client.api_client)


# -- helpers -------------------------------------------------------------------------------------


def envelope(message_type: str, *messages: str) -> str:
    body = "".join(f"<Message><MessageID>{n}</MessageID>{m}</Message>" for n, m in enumerate(messages, start=1))
    return (
        '<?xml version="1.0" encoding="UTF-8"?><AmazonEnvelope><Header><DocumentVersion>1.01</DocumentVersion>'
        f"<MerchantIdentifier>SELLER</MerchantIdentifier></Header><MessageType>{message_type}</MessageType>{body}</AmazonEnvelope>"
    )


def cancel(order_id: str, reason: str, *items: str) -> str:
    lines = "".join(
        f"<Item><AmazonOrderItemCode>{i}</AmazonOrderItemCode><CancelReason>{reason}</CancelReason></Item>" for i in items
    )
    return (
        f"<OrderAcknowledgement><AmazonOrderID>{order_id}</AmazonOrderID>"
        f"<StatusCode>Failure</StatusCode>{lines}</OrderAcknowledgement>"
    )


def summary_and_results(report: str) -> tuple[dict, list[tuple[str, str]]]:
    root = etree.fromstring(report.encode("utf-8"))
    summary = {child.tag: int(child.text) for child in root.find(".//ProcessingSummary")}
    return summary, [(r.findtext("MessageID"), r.findtext("ResultDescription")) for r in root.iterfind(".//Result")]


def rate(control: HttpControl) -> int:
    return control.cancellation_rate(marketplace_ids=[US])["rates"][0]["sellerCancelledOrders"]


def psa_submit(feeds, feed_type: str, content: str, content_type: str = XML) -> tuple[dict, str]:
    """python-amazon-sp-api end to end: submit, poll until DONE, download the report."""
    _, created = feeds.submit_feed(feed_type, io.StringIO(content), content_type=content_type)
    feed_id = created.payload["feedId"]
    feed = until_done(lambda: feeds.get_feed(feed_id).payload, lambda job: job["processingStatus"])
    return feed, feeds.get_feed_result_document(feed["resultFeedDocumentId"])


def amzn_submit(api, feed_type: str, content: str, content_type: str = XML) -> tuple:
    from spapi.models.feeds_v2021_06_30 import CreateFeedDocumentSpecification, CreateFeedSpecification

    document = api.create_feed_document(CreateFeedDocumentSpecification(content_type=content_type))
    upload = requests.put(document.url, data=content.encode("utf-8"), headers={"Content-Type": content_type}, timeout=10)
    assert upload.status_code == 200, upload.text
    spec = CreateFeedSpecification(feed_type=feed_type, marketplace_ids=[US], input_feed_document_id=document.feed_document_id)
    feed_id = api.create_feed(spec).feed_id
    feed = until_done(lambda: api.get_feed(feed_id), lambda job: job.processing_status)
    result = api.get_feed_document(feed.result_feed_document_id)
    return feed, requests.get(result.url, timeout=10).content.decode("utf-8")


# -- every flow, with each SDK -----------------------------------------------------------------------


@pytest.fixture(scope="module", params=["python-amazon-sp-api", "amzn-sp-api"])
def sdk(request, psa_feeds, amzn, server):
    """(submit(feed_type, content, content_type) -> (feed as Amazon's JSON, report text), v0 order
    status of an order id) for one SDK."""
    feeds_api, orders_v0, _ = amzn
    if request.param == "python-amazon-sp-api":
        from support.sdk import python_sp_api_orders

        orders = python_sp_api_orders(server.base_url, refresh_token("feeds"))
        yield (lambda *args: psa_submit(psa_feeds, *args)), (lambda order_id: orders.get_order(order_id).payload["OrderStatus"])
        orders.close()
    else:

        def submit(*args):
            feed, report = amzn_submit(feeds_api, *args)
            return feed.to_dict(), report

        yield submit, (lambda order_id: orders_v0.get_order(order_id).payload.order_status)


def test_a_cancellation_answering_a_buyers_request_is_not_counted_and_shows_in_both_versions(sdk, control, amzn):
    submit, status_of = sdk
    order_id, items = place(control, 1, 2)
    buyer_requests_cancellation(control, order_id)
    before = rate(control)
    feed, report = submit(
        "POST_ORDER_ACKNOWLEDGEMENT_DATA", envelope("OrderAcknowledgement", cancel(order_id, "BuyerCanceled", *items))
    )
    assert summary_and_results(report) == (
        {"MessagesProcessed": 1, "MessagesSuccessful": 1, "MessagesWithError": 0, "MessagesWithWarning": 0},
        [],
    )
    assert status_of(order_id) == "Canceled"
    v2026 = amzn[2].get_order(order_id, included_data=["FULFILLMENT", "CANCELLATION"]).order
    assert v2026.fulfillment.fulfillment_status == "CANCELLED"
    assert {item.cancellation.cancellation_execution.cancel_reason for item in v2026.order_items} == {"BuyerCanceled"}
    assert rate(control) == before


def test_a_no_inventory_cancellation_is_counted(sdk, control):
    submit, status_of = sdk
    order_id, items = place(control, 1)
    before = rate(control)
    submit("POST_ORDER_ACKNOWLEDGEMENT_DATA", envelope("OrderAcknowledgement", cancel(order_id, "NoInventory", *items)))
    assert status_of(order_id) == "Canceled"
    assert rate(control) == before + 1


def test_a_partial_cancellation_by_adjustment_then_a_fulfillment_that_ships(sdk, control):
    submit, status_of = sdk
    order_id, items = place(control, 3, 1)
    total = control.order(order_id)["order"]["OrderTotal"]["Amount"]
    adjustment = (
        f"<OrderAdjustment><AmazonOrderID>{order_id}</AmazonOrderID><ActionType>Cancel</ActionType><AdjustedItem>"
        f"<AmazonOrderItemCode>{items[0]}</AmazonOrderItemCode><AdjustmentReason>NoInventory</AdjustmentReason>"
        "<QuantityCancelled>2</QuantityCancelled></AdjustedItem></OrderAdjustment>"
    )
    _, report = submit("POST_PAYMENT_ADJUSTMENT_DATA", envelope("OrderAdjustment", adjustment))
    assert summary_and_results(report)[0]["MessagesSuccessful"] == 1
    detail = control.order(order_id)
    assert [item["QuantityOrdered"] for item in detail["items"]] == [1, 1] and detail["order"]["OrderStatus"] == "Unshipped"
    assert float(detail["order"]["OrderTotal"]["Amount"]) < float(total)
    now = control.clock()["now"]
    shipping = (
        f"<OrderFulfillment><AmazonOrderID>{order_id}</AmazonOrderID><FulfillmentDate>{now}</FulfillmentDate>"
        "<FulfillmentData><CarrierName>Royal Mail</CarrierName>"
        "<ShipperTrackingNumber>RM1</ShipperTrackingNumber></FulfillmentData></OrderFulfillment>"
    )
    _, report = submit("POST_ORDER_FULFILLMENT_DATA", envelope("OrderFulfillment", shipping))
    assert summary_and_results(report)[0]["MessagesSuccessful"] == 1
    assert status_of(order_id) == "Shipped"


def test_the_report_names_exactly_the_one_bad_message_among_good_ones(sdk, control):
    submit, status_of = sdk
    first, first_items = place(control, 1)
    second, second_items = place(control, 1)
    messages = (
        cancel(first, "NoInventory", *first_items),
        cancel("123-4567890-1234567", "NoInventory", "1"),
        cancel(second, "CustomerExchange", *second_items),
    )
    _, report = submit("POST_ORDER_ACKNOWLEDGEMENT_DATA", envelope("OrderAcknowledgement", *messages))
    summary, results = summary_and_results(report)
    assert summary == {"MessagesProcessed": 3, "MessagesSuccessful": 2, "MessagesWithError": 1, "MessagesWithWarning": 0}
    assert [message for message, _ in results] == ["2"] and "123-4567890-1234567" in results[0][1]
    assert (status_of(first), status_of(second)) == ("Canceled", "Canceled")


def test_flat_files_cancel_part_of_an_order_and_ship_the_rest(sdk, control):
    submit, status_of = sdk
    order_id, items = place(control, 3, 1)
    adjustment = f"order-id\torder-item-id\tadjustment-reason-code\tquantity-cancelled\n{order_id}\t{items[0]}\tNoInventory\t2\n"
    _, report = submit("POST_FLAT_FILE_PAYMENT_ADJUSTMENT_DATA", adjustment, TSV)
    assert "Number of records successful\t\t1" in report
    now = control.clock()["now"]
    shipping = f"order-id\tship-date\tcarrier-code\ttracking-number\n{order_id}\t{now}\tUSPS\t9400100000000000000000\n"
    _, report = submit("POST_FLAT_FILE_FULFILLMENT_DATA", shipping, TSV)
    assert "Number of records successful\t\t1" in report
    assert status_of(order_id) == "Shipped"


def test_amzn_sp_api_lists_its_feeds_page_by_page(amzn, control):
    feeds_api, _, _ = amzn
    ids = [amzn_submit(feeds_api, "POST_PRODUCT_IMAGE_DATA", f"image {n}", "text/plain")[0].feed_id for n in range(3)]
    first = feeds_api.get_feeds(feed_types=["POST_PRODUCT_IMAGE_DATA"], page_size=2)
    assert [feed.feed_id for feed in first.feeds] == ids[::-1][:2] and first.next_token
    rest = feeds_api.get_feeds(next_token=first.next_token)
    assert [feed.feed_id for feed in rest.feeds] == ids[:1] and rest.next_token is None
