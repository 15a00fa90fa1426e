"""The dashboard in a real headless Chromium, driven by Playwright, against `spapi-mock serve`.

Each test opens the page for a seller of its own and clicks what a person would click; every
assertion waits (Playwright's ``expect``) for the page to show what changed, without a reload.
Pages opened with ``?poll=0`` never poll: what they show after a click they fetched because of
the click. The journal test keeps the default 2-second poll and takes no action on the page, so
only the poll can show the request.

The browser is Chromium from the machine, never a download: ``$SPAPI_MOCK_CHROMIUM``, else
``/usr/bin/chromium``, else ``chromium``, ``chromium-browser`` or ``google-chrome`` on the PATH.
Without one (or without Playwright) the tests are skipped, except in CI (``$CI`` set), where
that is a failure.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import requests

from spapi_mock.control import HttpControl
from spapi_mock.domain.sellers import refresh_token_for
from spapi_mock.kernel.dates import parse_iso, to_wire

from support.browser import chromium
from support.live_server import live_server
from support.sdk import CLIENT_ID

UK = "A1F83G8C2ARO7P"
# How long an expectation may wait: a click's refresh takes milliseconds, a poll up to 2 s.
WAIT_MS = 8_000


try:
    from playwright.sync_api import Page, expect
except ImportError:  # pragma: no cover - Playwright is a test dependency; chromium() says so
    Page = expect = None


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def server(network, tmp_path_factory):
    # The built-in fixtures, on the real clock, as a user starts it.
    with live_server(tmp_dir=tmp_path_factory.mktemp("dashboard")) as srv:
        yield srv


@pytest.fixture(scope="module")
def control(server) -> HttpControl:
    return HttpControl(server.base_url)


@pytest.fixture
def seller(control) -> str:
    """A seller of the test's own with a copy of the built-in orders."""
    seller_id = "dash-" + uuid.uuid4().hex[:12]
    control.create_seller(seller_id)
    yield seller_id
    control.delete_seller(seller_id)


@pytest.fixture
def open_dashboard(browser, server):
    """open_dashboard(seller, poll=0) → a page showing that seller's orders."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []

    def open_page(seller_id: str, **params) -> Page:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{server.base_url}/_mock/dashboard?{urlencode({'sellerId': seller_id, **params})}")
        expect(page.get_by_test_id("seller-select")).to_have_value(seller_id, timeout=WAIT_MS)
        expect(page.get_by_test_id("order-row").first).to_be_visible(timeout=WAIT_MS)
        # Gone if the page were loaded again: what the tests see next, the page fetched itself.
        page.evaluate("window.__sameDocument = true")
        return page

    yield open_page
    try:
        assert errors == [], errors
    finally:
        context.close()


def same_document(page: Page) -> bool:
    return page.evaluate("window.__sameDocument === true")


def seller_token(server, seller_id: str) -> dict:
    """The x-amz-access-token header of a client of this seller, from the LWA endpoint."""
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token_for(seller_id),
        "client_id": CLIENT_ID,
        "client_secret": "s",
    }
    return {"x-amz-access-token": requests.post(f"{server.base_url}/auth/o2/token", data=form, timeout=10).json()["access_token"]}


def order_row(page: Page, order_id: str):
    return page.locator(f'[data-testid="order-row"][data-order-id="{order_id}"]')


def test_a_scenario_run_from_the_page_shows_the_changed_order_and_its_timeline(open_dashboard, control, seller):
    page = open_dashboard(seller, poll=0)
    before = {summary["AmazonOrderId"] for summary in control.orders(seller)["orders"]}

    page.locator('[data-testid="scenario-run"][data-scenario="buyer-requests-cancellation"]').click()

    log = page.get_by_test_id("scenario-log")
    expect(page.get_by_test_id("scenario-result-title")).to_contain_text(f"Ran buyer-requests-cancellation for {seller}")
    expect(log.locator("li")).to_have_count(6)
    expect(log).to_contain_text("seller_cancel")
    (order_id,) = {summary["AmazonOrderId"] for summary in control.orders(seller)["orders"]} - before

    row = order_row(page, order_id)
    expect(row.locator('[data-col="status"]')).to_have_text("Canceled", timeout=WAIT_MS)
    expect(row.locator('[data-col="channel"]')).to_have_text("MFN")
    expect(row.locator('[data-col="marketplace"]')).to_have_text("Amazon.com")
    expect(row.locator('[data-col="buyer-cancel"]')).to_have_attribute("data-requested", "true")
    expect(row.locator('[data-col="buyer-cancel"]')).to_have_text("Requested: Order Created By Mistake")
    expect(row.locator('[data-col="updated"]')).to_have_text(control.order(order_id, seller)["order"]["LastUpdateDate"])
    # Most recently updated first.
    expect(page.get_by_test_id("order-row").first).to_have_attribute("data-order-id", order_id)

    row.click()
    expect(page.get_by_test_id("detail-title")).to_have_text(f"Order {order_id}", timeout=WAIT_MS)
    expect(page.get_by_test_id("detail-status")).to_have_text("Canceled")
    events = page.get_by_test_id("timeline-event")
    expect(events).to_have_count(4)
    expect(events).to_contain_text(
        [
            re.compile(r"Placed → Pending"),
            re.compile(r"PaymentAuthorized → Unshipped"),
            re.compile(r"BuyerRequestedCancel → Unshipped — reason: Order Created By Mistake"),
            re.compile(r"Canceled → Canceled — by: MERCHANT · reason: BuyerCanceled"),
        ]
    )
    item = page.get_by_test_id("item-row")
    expect(item).to_have_count(1)
    expect(item.locator('[data-col="requested"]')).to_have_text("true")
    expect(item.locator('[data-col="reason"]')).to_have_text("Order Created By Mistake")
    assert same_document(page)


def test_the_order_detail_shows_its_money_pending_then_posted(open_dashboard, control, seller):
    order = control.create_order({"order": {"OrderStatus": "Unshipped"}, "items": [{"QuantityOrdered": 2}]}, seller)
    order_id = order["order"]["AmazonOrderId"]
    control.apply(order_id, "confirm_shipment", seller_id=seller)
    control.apply(order_id, "refund", seller_id=seller, quantity=1)
    page = open_dashboard(seller, poll=0)

    order_row(page, order_id).click()
    expect(page.get_by_test_id("detail-title")).to_have_text(f"Order {order_id}", timeout=WAIT_MS)
    rows = page.get_by_test_id("money-row")
    expect(rows).to_have_count(2)
    # 2 x 19.99 less the 15% referral fee; one back, with half the fee less 20% of it kept.
    expect(rows.nth(0)).to_have_attribute("data-kind", "Shipment")
    expect(rows.nth(0)).to_have_attribute("data-status", "PENDING")
    expect(rows.nth(0).locator('[data-col="total"]')).to_have_text("33.98")
    expect(rows.nth(1)).to_have_attribute("data-kind", "Refund")
    expect(rows.nth(1).locator('[data-col="total"]')).to_have_text("-17.59")
    expect(page.get_by_test_id("money-totals")).to_have_text(
        "charged 39.98 · refunded -19.99 · fees -3.60 · withheld 0.00 · net 16.39 USD"
    )
    assert same_document(page)


def test_the_cancellation_rate_breach_is_marked_on_the_page(open_dashboard, control, seller):
    page = open_dashboard(seller, poll=0)
    count = control.orders(seller, limit=1)["count"]
    uk = page.locator(f'[data-testid="rate-row"][data-marketplace-id="{UK}"]')
    expect(uk).to_have_attribute("data-breached", "false")
    expect(uk.locator('[data-col="verdict"]')).to_have_text("ok")
    expect(page.get_by_test_id("threshold")).to_have_text("2.50%")

    page.locator('[data-testid="scenario-run"][data-scenario="cancellation-rate-breach"]').click()

    # 2 of the 80 new UK orders cancelled against the seller: at the line, so breached.
    expect(uk).to_have_attribute("data-breached", "true", timeout=WAIT_MS)
    expect(uk).to_have_class(re.compile(r"\bbreached\b"))
    expect(uk.locator('[data-col="rate"]')).to_have_text("2.50%")
    expect(uk.locator('[data-col="verdict"]')).to_have_text("BREACHED")
    expect(page.get_by_test_id("orders-count")).to_have_text(f"(100 most recently updated of {count + 80})")
    # The three cancelled orders were the last changed: they head the list.
    statuses = page.get_by_test_id("order-row").locator('[data-col="status"]')
    expect(statuses.nth(0)).to_have_text("Canceled")
    expect(statuses.nth(2)).to_have_text("Canceled")
    assert same_document(page)


def test_the_clock_buttons_move_the_clock_and_errors_show_the_sp_api_message(open_dashboard, control, seller):
    page = open_dashboard(seller, poll=0)
    clock_now, clock_state = page.get_by_test_id("clock-now"), page.get_by_test_id("clock-state")
    try:
        page.get_by_test_id("freeze").click()
        expect(clock_state).to_have_text("frozen", timeout=WAIT_MS)
        frozen_at = parse_iso(control.clock()["now"])
        expect(clock_now).to_have_text(to_wire(frozen_at))

        page.get_by_test_id("advance-1d").click()
        expect(clock_now).to_have_text(to_wire(frozen_at + timedelta(days=1)), timeout=WAIT_MS)
        page.get_by_test_id("advance-30m").click()
        expect(clock_now).to_have_text(to_wire(frozen_at + timedelta(days=1, minutes=30)), timeout=WAIT_MS)

        page.get_by_test_id("advance-by").fill("5x")
        page.get_by_test_id("advance-custom").click()
        error = page.get_by_test_id("error-text")
        expect(error).to_have_text(re.compile(r"^400 InvalidInput: Invalid by: .*5x"), timeout=WAIT_MS)
        expect(page.get_by_test_id("error")).to_be_visible()
        expect(clock_now).to_have_text(to_wire(frozen_at + timedelta(days=1, minutes=30)))

        page.get_by_test_id("advance-by").fill("2h")
        page.get_by_test_id("advance-custom").click()
        expect(clock_now).to_have_text(to_wire(frozen_at + timedelta(days=1, hours=2, minutes=30)), timeout=WAIT_MS)
        expect(page.get_by_test_id("error")).to_be_hidden()

        page.get_by_test_id("unfreeze").click()
        expect(clock_state).to_have_text("running", timeout=WAIT_MS)
        assert same_document(page)
    finally:
        control.unfreeze_clock()


def test_a_client_request_shows_in_the_journal_within_a_poll(open_dashboard, server, control, seller):
    page = open_dashboard(seller)  # the default poll
    order_id = control.orders(seller, limit=1)["orders"][0]["AmazonOrderId"]
    journal_row = page.locator(f'[data-testid="journal-row"][data-operation="getOrder"][data-order-id="{order_id}"]')
    expect(page.get_by_test_id("journal-body")).not_to_contain_text(seller)

    # A client of this seller: a token from the LWA endpoint, then getOrder.
    response = requests.get(f"{server.base_url}/orders/v0/orders/{order_id}", headers=seller_token(server, seller), timeout=10)
    assert response.status_code == 200, response.text

    expect(journal_row).to_have_count(1, timeout=WAIT_MS)
    expect(journal_row.locator('[data-col="status"]')).to_have_text("200")
    expect(journal_row.locator('[data-col="seller"]')).to_have_text(seller)
    expect(page.get_by_test_id("journal-row").first).to_have_attribute("data-operation", "getOrder")
    expect(page.locator('[data-testid="journal-row"][data-operation="createToken"]').first).to_contain_text(seller)
    assert same_document(page)


def test_store_data_is_shown_as_text_never_run_as_html(open_dashboard, control, seller):
    payload = '<img src="x" onerror="window.__injected = 1"><b>bold</b>'
    flag = {"IsBuyerRequestedCancel": "true", "BuyerCancelReason": payload}
    placed = control.create_order(
        {"order": {"OrderStatus": "Unshipped"}, "items": [{"SellerSKU": payload, "BuyerRequestedCancel": flag}]}, seller
    )
    order_id = placed["order"]["AmazonOrderId"]
    page = open_dashboard(seller, poll=0)

    row = order_row(page, order_id)
    expect(row.locator('[data-col="buyer-cancel"]')).to_have_text(f"Requested: {payload}")
    row.click()
    expect(page.get_by_test_id("item-row").locator('[data-col="reason"]')).to_have_text(payload, timeout=WAIT_MS)
    expect(page.locator("main img, main b")).to_have_count(0)
    assert page.evaluate("window.__injected") is None


def test_a_feed_is_listed_and_processed_from_the_page_with_each_messages_outcome(open_dashboard, server, control, seller):
    page = open_dashboard(seller, poll=0)
    expect(page.get_by_test_id("feeds-body")).to_contain_text("This seller has sent no feeds.")
    # The seller's software uploads an acknowledgement feed: one good message, one for an unknown order.
    token = seller_token(server, seller)
    order = control.create_order({"order": {"OrderStatus": "Unshipped", "FulfillmentChannel": "MFN"}, "items": [{}]}, seller)
    order_id = order["order"]["AmazonOrderId"]
    flat = f"order-id\tcancellation-reason-code\n{order_id}\tNoInventory\n111-0000000-0000000\tNoInventory\n"
    created = requests.post(
        f"{server.base_url}/feeds/2021-06-30/documents",
        json={"contentType": "text/tab-separated-values"},
        headers=token,
        timeout=10,
    ).json()
    assert requests.put(created["url"], data=flat, headers={"Content-Type": "text/tab-separated-values"}, timeout=10).ok
    spec = {"feedType": "POST_FLAT_FILE_ORDER_ACKNOWLEDGEMENT_DATA", "marketplaceIds": ["ATVPDKIKX0DER"]}
    feed_id = requests.post(
        f"{server.base_url}/feeds/2021-06-30/feeds",
        json={**spec, "inputFeedDocumentId": created["feedDocumentId"]},
        headers=token,
        timeout=10,
    ).json()["feedId"]

    page.get_by_test_id("process-feeds").click()

    row = page.locator(f'[data-testid="feed-row"][data-feed-id="{feed_id}"]')
    expect(row.locator('[data-col="status"]')).to_have_text("DONE", timeout=WAIT_MS)
    expect(row).to_contain_text("1/2")
    expect(row.get_by_test_id("feed-result")).to_have_count(1)
    expect(row.get_by_test_id("feed-result")).to_contain_text("Error in message 3 (111-0000000-0000000)")
    expect(order_row(page, order_id).locator('[data-col="status"]')).to_have_text("Canceled")
    assert same_document(page)


def test_a_report_is_produced_from_the_page_and_its_document_opens(open_dashboard, server, control, seller):
    page = open_dashboard(seller, poll=0)
    expect(page.get_by_test_id("reports-body")).to_contain_text("This seller has requested no reports.")
    token = seller_token(server, seller)
    spec = {"reportType": "GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING", "marketplaceIds": ["ATVPDKIKX0DER"]}
    report_id = requests.post(f"{server.base_url}/reports/2021-06-30/reports", json=spec, headers=token, timeout=10).json()[
        "reportId"
    ]

    page.get_by_test_id("process-reports").click()

    row = page.locator(f'[data-testid="report-row"][data-report-id="{report_id}"]')
    expect(row.locator('[data-col="status"]')).to_have_text("DONE", timeout=WAIT_MS)
    href = row.get_by_test_id("report-document").get_attribute("href")
    text = requests.get(f"{server.base_url}{href}", timeout=10).text
    assert text.startswith("order-id\torder-item-id\tpurchase-date")
    assert same_document(page)


def test_the_notifications_panel_shows_subscriptions_and_sends_a_test_notification(open_dashboard, server, control, seller):
    # The seller's software subscribes as on Amazon: a grantless token for the destination, the
    # seller's for an ORDER_CHANGE subscription filtered to buyer requests.
    form = {"grant_type": "client_credentials", "scope": "sellingpartnerapi::notifications", "client_id": CLIENT_ID}
    grantless = requests.post(f"{server.base_url}/auth/o2/token", data={**form, "client_secret": "s"}, timeout=10).json()
    arn = f"arn:aws:sqs:us-east-1:000000000000:dash-{uuid.uuid4().hex[:8]}"
    destination = requests.post(
        f"{server.base_url}/notifications/v1/destinations",
        json={"name": "orders", "resourceSpecification": {"sqs": {"arn": arn}}},
        headers={"x-amz-access-token": grantless["access_token"]},
        timeout=10,
    ).json()["payload"]
    body = {
        "payloadVersion": "1.0",
        "destinationId": destination["destinationId"],
        "processingDirective": {"eventFilter": {"eventFilterType": "ORDER_CHANGE", "orderChangeTypes": ["BuyerRequestedChange"]}},
    }
    created = requests.post(
        f"{server.base_url}/notifications/v1/subscriptions/ORDER_CHANGE",
        json=body,
        headers=seller_token(server, seller),
        timeout=10,
    )
    assert created.status_code == 200, created.text
    subscription_id = created.json()["payload"]["subscriptionId"]
    order_id = control.create_order({"order": {"OrderStatus": "Unshipped"}, "items": [{}]}, seller)["order"]["AmazonOrderId"]
    page = open_dashboard(seller, poll=0)

    row = page.locator(f'[data-testid="subscription-row"][data-subscription-id="{subscription_id}"]')
    expect(row.locator('[data-col="type"]')).to_contain_text("ORDER_CHANGE", timeout=WAIT_MS)
    expect(row.locator('[data-col="destination"]')).to_have_text(f"orders: {arn}")
    expect(row.locator('[data-col="filter"]')).to_have_text("orderChangeTypes: BuyerRequestedChange")
    # The new order's OrderStatusChange is filtered out: nothing to show yet.
    expect(page.get_by_test_id("notifications-body")).to_contain_text("No notifications for this seller yet.")

    row.get_by_test_id("send-test-notification").click()

    sent = page.get_by_test_id("notification-row")
    expect(sent).to_have_count(1, timeout=WAIT_MS)
    expect(sent.locator('[data-col="type"]')).to_have_text("ORDER_CHANGE")
    expect(sent.locator('[data-col="change"]')).to_have_text("OrderStatusChange")
    expect(sent.locator('[data-col="subject"]')).to_have_text(order_id)
    delivered = control.wait_for_notification("ORDER_CHANGE", 5, seller)
    expect(sent).to_have_attribute("data-notification-id", delivered["notificationId"])
    expect(sent.locator('[data-col="event-time"]')).to_have_text(delivered["eventTime"])
    assert same_document(page)
    # Delivered, as a page reading it now shows.
    again = open_dashboard(seller, poll=0).get_by_test_id("notification-row")
    expect(again.locator('[data-col="status"]')).to_have_text("delivered", timeout=WAIT_MS)
    expect(again.page.get_by_test_id("notifications-count")).to_have_text("(1 delivered, 0 pending)")
