"""Feeds API 2021-06-30 through HTTP, as a seller's software uses it: upload a feed document to
its presigned URL, create the feed, poll it, read the processing report, and see the orders
change through the same rules as every other path. Every 2xx and error body of the Feeds API is
held to Amazon's model by the client (support/http.py).
"""

from __future__ import annotations

import pytest
from lxml import etree

from support.http import US, s3_path
from support.orders import advance, new_order

FEEDS = "/feeds/2021-06-30"
XML = "text/xml; charset=UTF-8"
TSV = "text/tab-separated-values; charset=UTF-8"
CA = "A2EUQ1WTGCTBG2"


# -- helpers -----------------------------------------------------------------------------------


def envelope(message_type: str, *messages: str) -> str:
    body = "".join(f"<Message><MessageID>{n}</MessageID>{m}</Message>" for n, m in enumerate(messages, start=1))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">\n'
        "<Header><DocumentVersion>1.01</DocumentVersion><MerchantIdentifier>M_SELLER</MerchantIdentifier></Header>\n"
        f"<MessageType>{message_type}</MessageType>\n{body}\n</AmazonEnvelope>"
    )


def ack(order_id: str, status: str, *items: tuple[str, str | None], merchant_order_id: str | None = None) -> str:
    lines = "".join(
        f"<Item><AmazonOrderItemCode>{item}</AmazonOrderItemCode>"
        + (f"<CancelReason>{reason}</CancelReason>" if reason else "")
        + "</Item>"
        for item, reason in items
    )
    merchant = f"<MerchantOrderID>{merchant_order_id}</MerchantOrderID>" if merchant_order_id else ""
    return (
        f"<OrderAcknowledgement><AmazonOrderID>{order_id}</AmazonOrderID>{merchant}"
        f"<StatusCode>{status}</StatusCode>{lines}</OrderAcknowledgement>"
    )


def upload(http, content: str | bytes, content_type: str = XML) -> str:
    created = http.post(f"{FEEDS}/documents", json={"contentType": content_type})
    assert created.status_code == 201, created.text
    put = http.put(s3_path(created.json()["url"]), content=content, headers={"Content-Type": content_type}, token=False)
    assert put.status_code == 200, put.text
    return created.json()["feedDocumentId"]


def submit(http, feed_type: str, content: str | bytes, content_type: str = XML, marketplaces=(US,)) -> str:
    document_id = upload(http, content, content_type)
    created = http.post(
        f"{FEEDS}/feeds", json={"feedType": feed_type, "marketplaceIds": list(marketplaces), "inputFeedDocumentId": document_id}
    )
    assert created.status_code == 202, created.text
    return created.json()["feedId"]


def acknowledged(http, *messages: str) -> dict:
    """An order acknowledgement feed of these messages, submitted and run."""
    return run(http, submit(http, "POST_ORDER_ACKNOWLEDGEMENT_DATA", envelope("OrderAcknowledgement", *messages)))


def run(http, feed_id: str) -> dict:
    """Process the seller's queued feeds now (the test clock is frozen) and read the feed."""
    assert http.post("/_mock/feeds/process").status_code == 200
    feed = http.get(f"{FEEDS}/feeds/{feed_id}").json()
    assert feed["processingStatus"] in ("DONE", "FATAL"), feed
    return feed


def report(http, feed: dict) -> bytes:
    document = http.get(f"{FEEDS}/documents/{feed['resultFeedDocumentId']}").json()
    answer = http.get(s3_path(document["url"]), token=False)
    assert answer.status_code == 200, answer.text
    return answer.content


def xml_results(content: bytes) -> tuple[dict, list[dict]]:
    root = etree.fromstring(content)
    summary = {child.tag: int(child.text) for child in root.find("Message/ProcessingReport/ProcessingSummary")}
    results = [
        {child.tag: (child.text or "") for child in result if child.tag != "AdditionalInfo"}
        for result in root.iterfind(".//Result")
    ]
    return summary, results


def v0(http, order_id: str) -> dict:
    return http.get(f"/orders/v0/orders/{order_id}").json()["payload"]


def v0_items(http, order_id: str) -> list[dict]:
    return http.get(f"/orders/v0/orders/{order_id}/orderItems").json()["payload"]["OrderItems"]


def counted(http) -> int:
    rates = http.get("/_mock/cancellation-rate", params={"marketplaceId": US}).json()["rates"]
    return rates[0]["sellerCancelledOrders"]


# -- the order feeds -----------------------------------------------------------------------------


def test_a_cancellation_answering_a_buyer_request_cancels_the_order_and_is_not_counted(http):
    order_id, items = new_order(http, 1, 1)
    advance(http, "1h")
    answer = http.post(
        f"/_mock/orders/{order_id}/actions", json={"action": "buyer_request_cancellation", "reason": "Order Created By Mistake"}
    )
    assert answer.status_code == 200, answer.text
    before = counted(http)
    feed_id = submit(
        http,
        "POST_ORDER_ACKNOWLEDGEMENT_DATA",
        envelope("OrderAcknowledgement", ack(order_id, "Failure", *[(i, "BuyerCanceled") for i in items])),
    )
    feed = run(http, feed_id)
    assert feed["processingStatus"] == "DONE" and feed["processingStartTime"] <= feed["processingEndTime"]
    summary, results = xml_results(report(http, feed))
    assert summary == {"MessagesProcessed": 1, "MessagesSuccessful": 1, "MessagesWithError": 0, "MessagesWithWarning": 0}
    assert results == []
    assert v0(http, order_id)["OrderStatus"] == "Canceled"
    v2026 = http.get(f"/orders/2026-01-01/orders/{order_id}", params={"includedData": "CANCELLATION,FULFILLMENT"}).json()["order"]
    assert v2026["fulfillment"]["fulfillmentStatus"] == "CANCELLED"
    assert {item["cancellation"]["cancellationExecution"]["cancelReason"] for item in v2026["orderItems"]} == {"BuyerCanceled"}
    assert counted(http) == before


def test_a_no_inventory_cancellation_counts_against_the_seller(http):
    order_id, items = new_order(http, 1)
    before = counted(http)
    feed = acknowledged(http, ack(order_id, "Failure", (items[0], "NoInventory")))
    assert xml_results(report(http, feed))[0]["MessagesSuccessful"] == 1
    assert v0(http, order_id)["OrderStatus"] == "Canceled"
    assert counted(http) == before + 1


def test_a_success_acknowledgement_names_the_order_with_the_merchant_order_id(http):
    order_id, _ = new_order(http, 1)
    feed = acknowledged(http, ack(order_id, "Success", merchant_order_id="ERP-1001"))
    assert xml_results(report(http, feed))[0]["MessagesSuccessful"] == 1
    order = v0(http, order_id)
    assert order["SellerOrderId"] == "ERP-1001" and order["OrderStatus"] == "Unshipped"


def test_a_partial_cancellation_by_adjustment_lowers_the_quantity_and_the_total(http):
    order_id, items = new_order(http, 3, 1)
    total_before = v0(http, order_id)["OrderTotal"]["Amount"]
    price_before = v0_items(http, order_id)[0]["ItemPrice"]["Amount"]
    adjustment = (
        f"<OrderAdjustment><AmazonOrderID>{order_id}</AmazonOrderID><ActionType>Cancel</ActionType><AdjustedItem>"
        f"<AmazonOrderItemCode>{items[0]}</AmazonOrderItemCode><AdjustmentReason>NoInventory</AdjustmentReason>"
        "<ItemPriceAdjustments><Component><Type>Principal</Type>"
        '<Amount currency="USD">-1.00</Amount></Component></ItemPriceAdjustments>'
        "<QuantityCancelled>1</QuantityCancelled></AdjustedItem></OrderAdjustment>"
    )
    feed = run(http, submit(http, "POST_PAYMENT_ADJUSTMENT_DATA", envelope("OrderAdjustment", adjustment)))
    assert xml_results(report(http, feed)) == (
        {"MessagesProcessed": 1, "MessagesSuccessful": 1, "MessagesWithError": 0, "MessagesWithWarning": 0},
        [],
    )
    order, lines = v0(http, order_id), v0_items(http, order_id)
    assert order["OrderStatus"] == "Unshipped"
    assert [line["QuantityOrdered"] for line in lines] == [2, 1]
    assert float(lines[0]["ItemPrice"]["Amount"]) == pytest.approx(float(price_before) * 2 / 3, abs=0.01)
    assert float(order["OrderTotal"]["Amount"]) < float(total_before)


def test_a_fulfillment_feed_ships_the_order(http):
    order_id, items = new_order(http, 2)
    now = http.get("/_mock/clock").json()["now"]
    fulfillment = (
        f"<OrderFulfillment><AmazonOrderID>{order_id}</AmazonOrderID><FulfillmentDate>{now}</FulfillmentDate>"
        "<FulfillmentData><CarrierCode>UPS</CarrierCode><ShippingMethod>Ground</ShippingMethod>"
        "<ShipperTrackingNumber>1Z999</ShipperTrackingNumber></FulfillmentData>"
        f"<Item><AmazonOrderItemCode>{items[0]}</AmazonOrderItemCode><Quantity>2</Quantity></Item></OrderFulfillment>"
    )
    feed = run(http, submit(http, "POST_ORDER_FULFILLMENT_DATA", envelope("OrderFulfillment", fulfillment)))
    assert xml_results(report(http, feed))[0]["MessagesSuccessful"] == 1
    assert v0(http, order_id)["OrderStatus"] == "Shipped"
    packages = http.get(f"/orders/2026-01-01/orders/{order_id}", params={"includedData": "PACKAGES"}).json()["order"]["packages"]
    assert [(p["carrier"], p["trackingNumber"]) for p in packages] == [("UPS", "1Z999")]


def test_one_bad_message_among_good_ones_is_named_and_the_others_apply(http):
    good_1, items_1 = new_order(http, 1)
    shipped, items_s = new_order(http, 1)
    good_2, items_2 = new_order(http, 1)
    assert http.post(f"/_mock/orders/{shipped}/actions", json={"action": "confirm_shipment"}).status_code == 200
    feed = run(
        http,
        submit(
            http,
            "POST_ORDER_ACKNOWLEDGEMENT_DATA",
            envelope(
                "OrderAcknowledgement",
                ack(good_1, "Failure", (items_1[0], "NoInventory")),
                ack(shipped, "Failure", (items_s[0], "NoInventory")),
                ack(good_2, "Failure", (items_2[0], "CustomerExchange")),
                ack("111-0000000-0000000", "Failure"),
            ),
        ),
    )
    summary, results = xml_results(report(http, feed))
    assert summary == {"MessagesProcessed": 4, "MessagesSuccessful": 2, "MessagesWithError": 2, "MessagesWithWarning": 0}
    assert [(r["MessageID"], r["ResultCode"]) for r in results] == [("2", "Error"), ("4", "Error")]
    assert "Shipped" in results[0]["ResultDescription"] and "not found" in results[1]["ResultDescription"]
    assert [v0(http, o)["OrderStatus"] for o in (good_1, shipped, good_2)] == ["Canceled", "Shipped", "Canceled"]
    listed = http.get("/_mock/feeds").json()["feeds"][0]
    assert listed["feedId"] == feed["feedId"] and [r["message"] for r in listed["results"]] == ["2", "4"]


def test_a_pending_order_is_refused_per_message(http):
    order_id, items = new_order(http, 1, status="Pending")
    feed = acknowledged(http, ack(order_id, "Failure", (items[0], "NoInventory")))
    summary, results = xml_results(report(http, feed))
    assert summary["MessagesWithError"] == 1 and "Pending" in results[0]["ResultDescription"]
    assert v0(http, order_id)["OrderStatus"] == "Pending"


def test_a_malformed_xml_feed_is_fatal_says_where_and_applies_nothing(http):
    order_id, items = new_order(http, 1)
    broken = envelope("OrderAcknowledgement", ack(order_id, "Failure", (items[0], "NoInventory"))).replace(
        "</AmazonEnvelope>", "</Envelope>"
    )
    feed = run(http, submit(http, "POST_ORDER_ACKNOWLEDGEMENT_DATA", broken))
    assert feed["processingStatus"] == "FATAL"
    summary, results = xml_results(report(http, feed))
    assert summary["MessagesProcessed"] == 0 and results[0]["ResultMessageCode"] == "5001"
    where = "XML Parsing Fatal Error at Line 6, Column 12: Opening and ending tag mismatch"
    assert results[0]["ResultDescription"].startswith(where)
    assert v0(http, order_id)["OrderStatus"] == "Unshipped"


def test_an_xml_feed_the_schema_refuses_is_fatal_naming_the_element(http):
    order_id, items = new_order(http, 1)
    invalid = envelope("OrderAcknowledgement", ack(order_id, "Failure", (items[0], "OutOfStock")))
    feed = run(http, submit(http, "POST_ORDER_ACKNOWLEDGEMENT_DATA", invalid))
    assert feed["processingStatus"] == "FATAL"
    _, results = xml_results(report(http, feed))
    assert results[0]["ResultMessageCode"] == "5000" and "CancelReason" in results[0]["ResultDescription"]
    assert v0(http, order_id)["OrderStatus"] == "Unshipped"


def test_a_flat_file_cancels_and_reports_bad_lines_by_number(http):
    order_id, items = new_order(http, 1, 1)
    content = (
        "order-id\tcancellation-reason-code\tamazon-order-item-code\n"
        f"{order_id}\tNoInventory\t{items[0]}\n"
        f"{order_id}\tOutOfStock\t{items[1]}\n"
    )
    feed = run(http, submit(http, "POST_FLAT_FILE_ORDER_ACKNOWLEDGEMENT_DATA", content, TSV))
    assert feed["processingStatus"] == "DONE"
    text = report(http, feed).decode()
    assert "Number of records processed\t\t2" in text and "Number of records successful\t\t1" in text
    (row,) = [line.split("\t") for line in text.splitlines() if line.startswith("3\t")]
    assert row[1] == order_id and row[4] == "Error" and "OutOfStock" in row[5]
    assert [line["QuantityOrdered"] for line in v0_items(http, order_id)] == [0, 1]


def test_a_flat_file_with_a_wrong_header_is_fatal_and_applies_nothing(http):
    order_id, _ = new_order(http, 1)
    feed = run(http, submit(http, "POST_FLAT_FILE_ORDER_ACKNOWLEDGEMENT_DATA", f"order\treason\n{order_id}\tNoInventory\n", TSV))
    assert feed["processingStatus"] == "FATAL"
    text = report(http, feed).decode()
    assert "not a POST_FLAT_FILE_ORDER_ACKNOWLEDGEMENT_DATA header" in text and "lacks order-id" in text
    assert v0(http, order_id)["OrderStatus"] == "Unshipped"


def test_a_feed_type_the_mock_does_not_model_ends_done_saying_so(http):
    feed = run(http, submit(http, "POST_PRODUCT_DATA", envelope("Product"), XML))
    assert feed["processingStatus"] == "DONE"
    summary, results = xml_results(report(http, feed))
    assert results[0]["ResultCode"] == "Warning" and "does not model" in results[0]["ResultDescription"]


# -- the feed's life on the clock -------------------------------------------------------------


def test_a_feed_is_queued_then_in_progress_then_done_on_the_mock_clock(http):
    order_id, items = new_order(http, 1)
    feed_id = submit(http, "POST_ORDER_ACKNOWLEDGEMENT_DATA", envelope("OrderAcknowledgement", ack(order_id, "Success")))
    assert http.get(f"{FEEDS}/feeds/{feed_id}").json()["processingStatus"] == "IN_QUEUE"
    advance(http, "2s")
    # The runner thread applies its messages; it stays IN_PROGRESS until its processing time is up.
    assert http.get(f"{FEEDS}/feeds/{feed_id}").json()["processingStatus"] == "IN_PROGRESS"
    http.post("/_mock/feeds/process")  # waits for the runner
    advance(http, "1m")
    feed = http.get(f"{FEEDS}/feeds/{feed_id}").json()
    assert feed["processingStatus"] == "DONE" and "resultFeedDocumentId" in feed


def test_only_a_queued_feed_can_be_cancelled(http):
    feed_id = submit(http, "POST_PRODUCT_DATA", "anything", "text/plain")
    assert http.delete(f"{FEEDS}/feeds/{feed_id}").status_code == 200
    assert http.get(f"{FEEDS}/feeds/{feed_id}").json()["processingStatus"] == "CANCELLED"
    again = http.delete(f"{FEEDS}/feeds/{feed_id}")
    assert again.status_code == 400 and "only a feed that is IN_QUEUE" in again.json()["errors"][0]["message"]
    assert http.get(f"{FEEDS}/feeds/999").status_code == 404


def test_get_feeds_filters_pages_and_wants_its_next_token_alone(http):
    ids = [submit(http, "POST_PRODUCT_PRICING_DATA", f"price {n}", "text/plain") for n in range(3)]
    first = http.get(f"{FEEDS}/feeds", params={"feedTypes": "POST_PRODUCT_PRICING_DATA", "pageSize": 2}).json()
    assert [f["feedId"] for f in first["feeds"]] == ids[::-1][:2] and first["nextToken"]
    second = http.get(f"{FEEDS}/feeds", params={"nextToken": first["nextToken"]}).json()
    assert [f["feedId"] for f in second["feeds"]] == [ids[0]] and "nextToken" not in second
    mixed = http.get(f"{FEEDS}/feeds", params={"nextToken": first["nextToken"], "pageSize": 2})
    assert mixed.status_code == 400 and "only parameter" in mixed.json()["errors"][0]["message"]
    assert http.get(f"{FEEDS}/feeds").status_code == 400  # feedTypes or nextToken
    queued = http.get(f"{FEEDS}/feeds", params={"feedTypes": "POST_PRODUCT_PRICING_DATA", "processingStatuses": "DONE"}).json()
    assert queued["feeds"] == []
    other = http.get(
        f"{FEEDS}/feeds", params={"feedTypes": "POST_PRODUCT_PRICING_DATA", "marketplaceIds": "A1PA6795UKMFR9"}
    ).json()
    assert other["feeds"] == []
    bad = http.get(f"{FEEDS}/feeds", params={"feedTypes": "X", "processingStatuses": "SOON"})
    assert bad.status_code == 400


# -- the presigned URLs -------------------------------------------------------------------------


def test_the_upload_url_answers_what_s3_answers(http):
    created = http.post(f"{FEEDS}/documents", json={"contentType": XML}).json()
    path = s3_path(created["url"])
    wrong_type = http.put(path, content=b"x", headers={"Content-Type": "text/plain"}, token=False)
    assert wrong_type.status_code == 403 and b"<Code>SignatureDoesNotMatch</Code>" in wrong_type.content
    wrong_method = http.get(path, token=False)
    assert wrong_method.status_code == 403 and b"SignatureDoesNotMatch" in wrong_method.content
    not_uploaded = http.post(
        f"{FEEDS}/feeds",
        json={"feedType": "POST_PRODUCT_DATA", "marketplaceIds": [US], "inputFeedDocumentId": created["feedDocumentId"]},
    )
    assert not_uploaded.status_code == 400 and "nothing was uploaded" in not_uploaded.json()["errors"][0]["message"]
    advance(http, "6m")
    expired = http.put(path, content=b"x", headers={"Content-Type": XML}, token=False)
    assert expired.status_code == 403 and b"<Message>Request has expired</Message>" in expired.content
    unknown = http.post(
        f"{FEEDS}/feeds", json={"feedType": "POST_PRODUCT_DATA", "marketplaceIds": [US], "inputFeedDocumentId": "nope"}
    )
    assert unknown.status_code == 400
    bad_marketplace = http.post(
        f"{FEEDS}/feeds", json={"feedType": "X", "marketplaceIds": ["NOPE"], "inputFeedDocumentId": "nope"}
    )
    assert bad_marketplace.status_code == 400 and "NOPE" in bad_marketplace.json()["errors"][0]["message"]


def test_feed_calls_carry_the_usage_plan_and_other_sellers_see_nothing(http):
    created = http.post(f"{FEEDS}/documents", json={"contentType": XML})
    assert created.headers["x-amzn-RateLimit-Limit"] == "0.5" and created.headers["x-amzn-RequestId"]
    feed_id = submit(http, "POST_PRODUCT_DATA", "x", "text/plain")
    other = {
        "x-amz-access-token": http.post(
            "/auth/o2/token",
            token=False,
            data={
                "grant_type": "refresh_token",
                "refresh_token": "Atzr|spapi-mock|A2OTHERSELLER",
                "client_id": "a",
                "client_secret": "b",
            },
        ).json()["access_token"]
    }
    assert http.get(f"{FEEDS}/feeds/{feed_id}", token=False, headers=other).status_code == 404


def test_feeds_are_throttled_faulted_and_journalled_like_orders(http):
    assert http.request("PUT", "/_mock/throttling", json={"mode": "amazon"}).status_code == 200
    try:
        statuses = [http.get(f"{FEEDS}/feeds", params={"feedTypes": "POST_PRODUCT_DATA"}).status_code for _ in range(11)]
        assert statuses == [200] * 10 + [429]  # getFeeds' burst is 10
    finally:
        assert http.request("PUT", "/_mock/throttling", json={"mode": "off"}).status_code == 200
    assert http.post("/_mock/faults", json={"operation": "createFeedDocument", "status": 503, "times": 1}).status_code == 201
    faulted = http.post(f"{FEEDS}/documents", json={"contentType": XML})
    assert faulted.status_code == 503 and faulted.json()["errors"][0]["code"]
    assert http.post(f"{FEEDS}/documents", json={"contentType": XML}).status_code == 201
    journal = http.get("/_mock/journal", params={"operation": "createFeedDocument"}).json()["requests"]
    assert [entry["status"] for entry in journal[-2:]] == [503, 201]  # oldest first


def test_a_message_for_an_order_of_a_marketplace_the_feed_was_not_created_for_is_an_error(live_http):
    """Amazon's CreateFeedSpecification: marketplaceIds are "the marketplaces that you want the
    feed to be applied to". A feed created for the US applies to US orders; its message for a
    Canadian order is that message's error and leaves the order as it was. Through a real socket."""
    us_order, us_items = new_order(live_http, 1)
    ca_order, ca_items = new_order(live_http, 1, MarketplaceId=CA)
    feed = acknowledged(
        live_http,
        ack(us_order, "Failure", (us_items[0], "NoInventory")),
        ack(ca_order, "Failure", (ca_items[0], "NoInventory")),
    )
    assert feed["processingStatus"] == "DONE"
    summary, results = xml_results(report(live_http, feed))
    assert summary == {"MessagesProcessed": 2, "MessagesSuccessful": 1, "MessagesWithError": 1, "MessagesWithWarning": 0}
    assert [(r["MessageID"], r["ResultCode"]) for r in results] == [("2", "Error")]
    assert ca_order in results[0]["ResultDescription"] and CA in results[0]["ResultDescription"]
    assert (v0(live_http, us_order)["OrderStatus"], v0(live_http, ca_order)["OrderStatus"]) == ("Canceled", "Unshipped")
    # The same message in a feed created for Canada applies: the marketplace alone refused it.
    message = envelope("OrderAcknowledgement", ack(ca_order, "Failure", (ca_items[0], "NoInventory")))
    for_canada = run(live_http, submit(live_http, "POST_ORDER_ACKNOWLEDGEMENT_DATA", message, marketplaces=(CA,)))
    assert xml_results(report(live_http, for_canada))[0]["MessagesSuccessful"] == 1
    assert v0(live_http, ca_order)["OrderStatus"] == "Canceled"
