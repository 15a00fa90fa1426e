"""The scenario runner's promise: a scenario with an error anywhere changes nothing.

Problems that can be found without running (unknown actions, order names never given, bad
fields) are all reported at once, by step number; a step the rules refuse at run time rolls
back every step before it. Checked over HTTP as a client sees it, from Python and from the
command line.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import subprocess
import sys
import time

import pytest

from spapi_mock.cli import main
from spapi_mock.control import ControlError, LocalControl
from spapi_mock.kernel import resources
from spapi_mock.store.database import read_tables

from support.http import FROZEN_AT, US, CheckedClient, make_app

FIXTURE_ORDER = "111-7439572-9813316"  # default data: US MFN, Unshipped
KETTLE = [{"SellerSKU": "KETTLE-1", "QuantityOrdered": 1}]
# Steps 1 and 2 would change the store; step 3 is refused (a Pending order cannot be cancelled
# by the seller), so none of it may land.
FAILS_AT_STEP_3 = [
    {"place_order": {"as": "first", "items": KETTLE}},
    {"seller_cancel": {"order": FIXTURE_ORDER, "reason": "NoInventory"}},
    {"seller_cancel": {"order": "first", "reason": "NoInventory"}},
    {"advance_clock": "1h"},
    {"authorize_payment": {"order": "first"}},
]


@pytest.fixture
def app():
    return make_app(fixtures_dir=resources.default_fixtures_dir())


@pytest.fixture
def client(app):
    with app.test_client() as raw:
        yield CheckedClient(raw)


def backend(app):
    return app.services.backend


def snapshot(app) -> tuple[list[dict], dict]:
    """Every stored document and the clock: 'exactly as before' means these are equal."""
    docs = sorted(backend(app).store.orders.docs(), key=lambda d: d["order"]["AmazonOrderId"])
    return copy.deepcopy(docs), backend(app).clock_state()


def refused(client, steps: list) -> str:
    response = client.post("/_mock/scenarios/run", json={"name": "broken", "steps": steps})
    assert response.status_code == 400, response.text
    (error,) = response.json()["errors"]
    assert error["code"] == "InvalidInput"
    assert error["message"].startswith("Scenario broken was not run (nothing changed):")
    return error["message"]


def updated_since_load(client) -> list[str]:
    """getOrders LastUpdatedAfter the load time, once the two-minute index lag has passed."""
    assert client.post("/_mock/clock/advance", json={"by": "3m"}).status_code == 200
    response = client.get("/orders/v0/orders", params={"MarketplaceIds": US, "LastUpdatedAfter": "2025-06-15T12:00:00Z"})
    assert response.status_code == 200, response.text
    return sorted(order["AmazonOrderId"] for order in response.json()["payload"]["Orders"])


# -- a refusal at run time -------------------------------------------------------------------


def test_a_step_refused_at_run_time_rolls_back_the_steps_before_it(app, client):
    before = snapshot(app)

    message = refused(client, FAILS_AT_STEP_3)
    assert "Step 3 (seller_cancel)" in message and "Pending" in message
    assert "Step 1" not in message and "Step 4" not in message
    assert snapshot(app) == before

    # The order step 1 would have placed: a fresh store placing it gets the same id (ids are
    # repeatable), and here it does not exist.
    other = make_app(fixtures_dir=resources.default_fixtures_dir())
    with other.test_client() as raw:
        other_client = CheckedClient(raw)
        prefix = other_client.post("/_mock/scenarios/run", json={"steps": FAILS_AT_STEP_3[:2]})
        assert prefix.status_code == 200, prefix.text
        first = prefix.json()["orders"]["first"]
        # What a poller would have seen had the first two steps landed...
        assert updated_since_load(other_client) == sorted([first, FIXTURE_ORDER])
    assert client.get(f"/orders/v0/orders/{first}").status_code == 404
    order = client.get(f"/orders/v0/orders/{FIXTURE_ORDER}").json()["payload"]
    assert order["OrderStatus"] == "Unshipped"
    # ...and what it sees: nothing changed.
    assert updated_since_load(client) == []


def test_from_python_the_same_failure_is_a_control_error_and_changes_nothing(app):
    before = snapshot(app)
    with pytest.raises(ControlError) as raised:
        LocalControl(backend(app)).run_inline_scenario(FAILS_AT_STEP_3)
    assert (raised.value.status, raised.value.code) == (400, "InvalidInput")
    assert "Step 3 (seller_cancel)" in raised.value.message
    assert snapshot(app) == before


def test_a_step_that_should_be_refused_but_succeeds_fails_the_scenario(app, client):
    before = snapshot(app)
    message = refused(
        client,
        [
            {"place_order": {"as": "o", "order": {"OrderStatus": "Unshipped"}, "items": KETTLE}},
            {"seller_cancel": {"order": "o", "reason": "NoInventory"}, "expect_refused": True},
        ],
    )
    assert "Step 2 (seller_cancel): expected a refusal, but it succeeded" in message
    assert snapshot(app) == before


def test_a_refusal_for_another_reason_than_expected_fails_the_scenario(app, client):
    before = snapshot(app)
    message = refused(
        client,
        [
            {"place_order": {"as": "o", "items": KETTLE}},
            {"confirm_shipment": {"order": "o"}, "expect_refused": "already been confirmed"},
        ],
    )
    assert "Step 2 (confirm_shipment): it was refused, but not as expected ('already been confirmed')" in message
    assert "payment is not yet authorized" in message
    assert snapshot(app) == before


# -- problems found before anything runs ------------------------------------------------------


def test_every_static_problem_is_reported_at_once_by_step_number(app, client):
    before = snapshot(app)
    message = refused(
        client,
        [
            {"place_order": {"as": "first", "items": KETTLE}},
            {"ship_it": {"order": "first"}},
            {"seller_cancel": {"order": "nobody", "reason": "NoInventory"}},
            {"seller_cancel": {"order": "first", "reason": "OutOfStock"}},
            {"advance_clock": "soon"},
            {"place_order": {"as": "second", "colour": "red"}},
        ],
    )
    assert "Step 1" not in message
    assert "Step 2 (ship_it): unknown action 'ship_it'" in message
    assert "Step 3 (seller_cancel): order 'nobody' is neither a name given earlier" in message
    assert "Step 4 (seller_cancel): Field reason: 'OutOfStock' is not one of" in message
    assert "Step 5 (advance_clock): 'soon' is not a duration" in message
    assert "Step 6 (place_order): unknown field 'colour'" in message
    assert snapshot(app) == before


@pytest.mark.parametrize(
    "step, fragment",
    [
        ({"cancel_everything": {"order": "o"}}, "unknown action 'cancel_everything'"),
        ({"authorize_payment": {"order": "o2"}}, "order 'o2' is neither a name given earlier"),
        ({"seller_cancel": {"order": "o", "reason": "NoInventory", "item": ["KETTLE-1"]}}, "Unknown field 'item'"),
        ({"seller_cancel": {"order": "o", "reasons": "NoInventory"}}, "Unknown field 'reasons'"),
        ({"seller_cancel": {"order": "o"}}, "'reason' is required"),
        ({"buyer_request_cancellation": {"reason": "Changed my mind"}}, "field order is required"),
        ({"seller_cancel": {"order": "o", "reason": "NoInventory", "items": []}}, "Field items: []"),
        ({"place_order": {"as": "x", "count": 0}}, "field count: 0 is not a whole number from 1 to 10000"),
        ({"set_clock": "next tuesday"}, "'next tuesday' is not an ISO 8601 date"),
        ({"authorize_payment": {"order": "o"}, "expect_refused": 3}, "expect_refused is true or the text"),
        ({"authorize_payment": {"order": "o"}, "advance_clock": "1h"}, "a step names exactly one action, not 2"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_a_static_problem_names_its_step_and_nothing_is_applied(app, client, step, fragment):
    before = snapshot(app)
    message = refused(client, [{"place_order": {"as": "o", "items": KETTLE}}, step, {"advance_clock": "1h"}])
    assert "Step 2 (" in message and fragment in message, message
    assert "Step 1" not in message and "Step 3" not in message
    assert snapshot(app) == before


def test_a_step_that_is_not_a_mapping_is_refused_before_anything_runs(app, client):
    before = snapshot(app)
    steps = [{"place_order": {"as": "o", "items": KETTLE}}, "authorize_payment"]
    with pytest.raises(ControlError) as raised:
        LocalControl(backend(app)).run_inline_scenario(steps)
    assert "Step 2 (?): a step is a mapping of one action to its arguments" in raised.value.message
    # Over HTTP the runner, not the spec, refuses it, so the step has the same number.
    response = client.post("/_mock/scenarios/run", json={"steps": steps})
    assert response.status_code == 400
    assert "Step 2 (?): a step is a mapping of one action to its arguments" in response.json()["errors"][0]["message"]
    assert snapshot(app) == before


def test_a_name_is_known_only_after_the_step_that_gives_it(client):
    message = refused(
        client,
        [{"authorize_payment": {"order": "later"}}, {"place_order": {"as": "later", "items": KETTLE}}],
    )
    assert "Step 1 (authorize_payment): order 'later' is neither a name given earlier" in message


def test_an_unknown_scenario_name_is_not_found_and_lists_the_known_ones(client):
    response = client.post("/_mock/scenarios/no-such-scenario/run")
    assert response.status_code == 404
    message = response.json()["errors"][0]["message"]
    assert "Scenario 'no-such-scenario' not found" in message and "out-of-stock" in message


def test_only_scenarios_of_the_configured_directories_run_by_name(app, client, tmp_path, monkeypatch):
    """A name reaches the server over HTTP, so it must not reach files: a scenario in the server's
    working directory, a relative path and an absolute one are all unknown names."""
    stray = tmp_path / "stray.yaml"
    stray.write_text(json.dumps({"steps": [{"place_order": {"as": "o", "items": KETTLE}}]}))
    monkeypatch.chdir(tmp_path)
    before = snapshot(app)
    for name in ("stray", "stray.yaml", "..%2Fstray", "%2E%2E", str(stray).replace("/", "%2F")):
        response = client.post(f"/_mock/scenarios/{name}/run")
        assert response.status_code == 404, (name, response.text)
        assert "not found" in response.json()["errors"][0]["message"]
    assert snapshot(app) == before
    assert client.post("/_mock/scenarios/out-of-stock/run").status_code == 200


def test_a_scenario_failing_at_run_time_started_at_the_frozen_clock_leaves_the_clock(app, client):
    refused(client, [{"advance_clock": "2h"}, *FAILS_AT_STEP_3])
    assert client.get("/_mock/clock").json() == {"now": "2025-06-15T12:00:00Z", "frozen": True}
    assert backend(app).now() == FROZEN_AT


# -- the command line -------------------------------------------------------------------------


def test_the_command_exits_1_with_the_message_on_stderr_and_the_store_file_unchanged(tmp_path):
    db = tmp_path / "state.json"
    LocalControl.open(db).close()  # a store file seeded from the built-in fixtures
    stored = read_tables(str(db))["orders"]
    scenario = tmp_path / "half-done.yaml"
    scenario.write_text(json.dumps({"name": "half-done", "steps": FAILS_AT_STEP_3}))

    result = subprocess.run(
        [sys.executable, "-m", "spapi_mock", "scenario", "run", str(scenario), "--db", str(db), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("spapi-mock: Scenario half-done was not run (nothing changed): Step 3 (seller_cancel)")
    assert read_tables(str(db))["orders"] == stored


def test_the_command_reports_static_problems_and_unknown_names(tmp_path):
    db = str(tmp_path / "state.json")
    scenario = tmp_path / "typo.json"
    scenario.write_text(json.dumps({"steps": [{"place_order": {"as": "o"}}, {"seler_cancel": {"order": "o"}}]}))
    for args, fragment in [
        ((str(scenario),), "Step 2 (seler_cancel): unknown action 'seler_cancel'"),
        (("no-such-scenario",), "Scenario 'no-such-scenario' not found; known scenarios: "),
    ]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["scenario", "run", *args, "--db", db])
        assert code == 1 and fragment in err.getvalue() and out.getvalue() == "", err.getvalue()
    control = LocalControl.open(db)
    try:
        assert control.backend.store.orders.count() == 94  # the built-in fixtures, nothing added
    finally:
        control.close()


# -- feeds in scenarios ---------------------------------------------------------------------------

ACK_XML = (
    "<AmazonEnvelope><Header><DocumentVersion>1.01</DocumentVersion><MerchantIdentifier>M</MerchantIdentifier></Header>"
    "<MessageType>OrderAcknowledgement</MessageType><Message><MessageID>1</MessageID><OrderAcknowledgement>"
    "<AmazonOrderID>{order}</AmazonOrderID><StatusCode>Failure</StatusCode><Item><AmazonOrderItemCode>{order:item1}"
    "</AmazonOrderItemCode><CancelReason>NoInventory</CancelReason></Item></OrderAcknowledgement></Message></AmazonEnvelope>"
)


def test_a_feed_step_names_its_orders_and_items_and_runs_through_the_rules(client, app):
    steps = [
        {"place_order": {"as": "order", "order": {"OrderStatus": "Unshipped"}, "items": KETTLE}},
        {"submit_feed": {"type": "POST_ORDER_ACKNOWLEDGEMENT_DATA", "document": ACK_XML}},
    ]
    answer = client.post("/_mock/scenarios/run", json={"steps": steps})
    assert answer.status_code == 200, answer.text
    assert "DONE: 1 message(s), 1 successful" in answer.json()["log"][1]
    order_id = answer.json()["orders"]["order"]
    assert client.get(f"/orders/v0/orders/{order_id}").json()["payload"]["OrderStatus"] == "Canceled"
    (feed,) = client.get("/_mock/feeds").json()["feeds"]
    assert feed["feedType"] == "POST_ORDER_ACKNOWLEDGEMENT_DATA" and feed["processingStatus"] == "DONE"


def test_a_feed_step_whose_message_is_refused_changes_nothing_unless_refusal_is_expected(client, app):
    before = snapshot(app)
    steps = [
        {"place_order": {"as": "order", "items": KETTLE}},  # Pending: the seller cannot cancel it
        {"submit_feed": {"type": "POST_ORDER_ACKNOWLEDGEMENT_DATA", "document": ACK_XML}},
    ]
    refused = client.post("/_mock/scenarios/run", json={"steps": steps})
    assert refused.status_code == 400 and "message 1: Order" in refused.text and "Pending" in refused.text
    assert snapshot(app) == before and client.get("/_mock/feeds").json()["feeds"] == []
    steps[1]["expect_refused"] = "Pending"
    assert client.post("/_mock/scenarios/run", json={"steps": steps}).status_code == 200


def test_a_feed_step_is_checked_before_anything_runs(client):
    steps = [
        {"submit_feed": {"type": "POST_ORDER_ACKNOWLEDGEMENT_DATA", "document": "{nobody}"}},
        {"submit_feed": {"type": "", "document": "x", "marketplaces": ["NOPE"]}},
        {"submit_feed": {"type": "X", "document": "x", "speed": 1}},
    ]
    problems = client.post("/_mock/scenarios/run", json={"steps": steps}).json()["errors"][0]["message"]
    assert "Step 1 (submit_feed): {nobody} in the document is not a name given earlier" in problems
    assert "Step 2 (submit_feed): field type is required" in problems
    assert "Step 3 (submit_feed): unknown field 'speed'" in problems


# -- expecting notifications ---------------------------------------------------------------------

ORDER_CHANGE = "ORDER_CHANGE"
# The buyer asks to cancel past the self-cancel window, the seller cancels: Amazon sends the
# request (OrderChangeType BuyerRequestedChange) and the status change (OrderStatusChange).
REQUEST_THEN_CANCEL = [
    {"place_order": {"as": "o", "order": {"OrderStatus": "Unshipped"}, "items": KETTLE}},
    {"advance_clock": "45m"},
    {"buyer_request_cancellation": {"order": "o", "reason": "Order Created By Mistake"}},
    {"expect_notification": {"type": ORDER_CHANGE, "change": "BuyerRequestedChange", "order": "o"}},
    {"seller_cancel": {"order": "o", "reason": "BuyerCanceled"}},
    {"expect_notification": {"type": ORDER_CHANGE, "change": "OrderStatusChange", "order": "o", "status": "Canceled"}},
]


def subscribe_to_order_change(client) -> str:
    """The default seller's ORDER_CHANGE subscription, made with the Notifications API."""
    body = {"name": "orders", "resourceSpecification": {"sqs": {"arn": "arn:aws:sqs:us-east-1:000000000000:orders"}}}
    destination = client.post("/notifications/v1/destinations", json=body)
    assert destination.status_code == 200, destination.text
    body = {"payloadVersion": "1.0", "destinationId": destination.json()["payload"]["destinationId"]}
    created = client.post(f"/notifications/v1/subscriptions/{ORDER_CHANGE}", json=body)
    assert created.status_code == 200, created.text
    return created.json()["payload"]["subscriptionId"]


def inbox(client) -> list[dict]:
    answer = client.get("/_mock/notifications", params={"notificationType": ORDER_CHANGE}, token=False)
    assert answer.status_code == 200, answer.text
    return answer.json()["notifications"]


def test_expected_notifications_are_what_the_subscribed_seller_receives(client):
    subscription_id = subscribe_to_order_change(client)
    ran = client.post("/_mock/scenarios/run", json={"steps": REQUEST_THEN_CANCEL})
    assert ran.status_code == 200, ran.text
    order_id, log = ran.json()["orders"]["o"], ran.json()["log"]
    assert log[3] == (
        f"4. expect_notification: ORDER_CHANGE BuyerRequestedChange of order {order_id}: "
        "sent 1 time(s) to the seller's 1 ORDER_CHANGE subscription(s)"
    )
    assert log[5].startswith(f"6. expect_notification: ORDER_CHANGE OrderStatusChange of order {order_id} (Canceled): sent 1")
    waited = client.get("/_mock/notifications/wait", params={"notificationType": ORDER_CHANGE}, token=False)
    assert waited.status_code == 200, waited.text
    deadline = time.monotonic() + 10
    while len(received := inbox(client)) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    changes = [n["body"]["Payload"]["OrderChangeNotification"] for n in received]
    # One per change, though the steps share one commit, each showing the order as that step left it.
    assert [(c["AmazonOrderId"], c["OrderChangeType"], c["Summary"]["OrderStatus"]) for c in changes] == [
        (order_id, "OrderStatusChange", "Unshipped"),
        (order_id, "BuyerRequestedChange", "Unshipped"),
        (order_id, "OrderStatusChange", "Canceled"),
    ]
    assert {n["subscriptionId"] for n in received} == {subscription_id}


def test_an_expected_notification_the_scenario_does_not_send_fails_it_and_nothing_lands(app, client):
    subscribe_to_order_change(client)
    before = snapshot(app)
    message = refused(
        client,
        [
            {"place_order": {"as": "o", "order": {"OrderStatus": "Unshipped"}, "items": KETTLE}},
            {"expect_notification": {"type": ORDER_CHANGE, "change": "OrderStatusChange", "order": "o", "status": "Unshipped"}},
            {"advance_clock": "45m"},
            {"buyer_request_cancellation": {"order": "o", "reason": "Order Created By Mistake"}},
            # The buyer only asked: the order is still Unshipped, never Canceled.
            {"expect_notification": {"type": ORDER_CHANGE, "order": "o", "status": "Canceled"}},
        ],
    )
    assert "Step 5 (expect_notification): expected ORDER_CHANGE of order " in message
    assert "(Canceled), but the scenario does not notify it (its ORDER_CHANGE notifications: " in message
    assert "BuyerRequestedChange of order" in message and "OrderStatusChange of order" in message
    assert "Step 2" not in message
    assert snapshot(app) == before
    # Nothing was recorded, so nothing arrives.
    time.sleep(0.2)
    assert inbox(client) == []


def test_an_expectation_holds_without_a_subscription_and_says_nothing_is_sent(client):
    ran = client.post("/_mock/scenarios/run", json={"steps": REQUEST_THEN_CANCEL})
    assert ran.status_code == 200, ran.text
    assert ran.json()["log"][3].endswith(": notifies (the seller has no ORDER_CHANGE subscription, so none is sent)")
    assert inbox(client) == []


@pytest.mark.parametrize(
    "step, fragment",
    [
        ({"expect_notification": {"type": "ORDER_CHANGED"}}, "field type is required: one of ORDER_CHANGE, "),
        ({"expect_notification": {"type": ORDER_CHANGE, "change": "Shipped"}}, "field change: one of BuyerRequestedChange"),
        ({"expect_notification": {"type": "FEED_PROCESSING_FINISHED", "order": "o"}}, "field order narrows an ORDER_CHANGE"),
        ({"expect_notification": {"type": ORDER_CHANGE, "order": "o9"}}, "order 'o9' is neither a name given earlier"),
        ({"expect_notification": {"type": ORDER_CHANGE, "when": "now"}}, "unknown field 'when'"),
        ({"expect_notification": {"type": ORDER_CHANGE}, "expect_refused": True}, "it takes no expect_refused"),
        ({"expect_notification": ORDER_CHANGE}, "expect_notification takes a mapping"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_a_bad_expectation_names_its_step_before_anything_runs(app, client, step, fragment):
    before = snapshot(app)
    message = refused(client, [{"place_order": {"as": "o", "items": KETTLE}}, step, {"advance_clock": "1h"}])
    assert "Step 2 (expect_notification): " in message and fragment in message, message
    assert snapshot(app) == before


# -- expecting an order's money ------------------------------------------------------------------

# 2 x 19.99 shipped: the buyer is charged 39.98 and Amazon's 15% referral fee is 6.00; one unit
# refunded gives back 19.99 and credits half the fee (3.00) less the refund administration fee
# (20% of it, 0.60). Amazon posts within 48 hours (the mock's default delay).
SHIP_THEN_REFUND = [
    {"place_order": {"as": "o", "order": {"OrderStatus": "Unshipped"}, "items": [{"QuantityOrdered": 2}]}},
    {"expect_finances": {"order": "o", "events": 0, "net": 0}},
    {"confirm_shipment": {"order": "o"}},
    {"expect_finances": {"order": "o", "events": 1, "kinds": ["Shipment"], "status": "PENDING", "net": "33.98"}},
    {"advance_clock": "49h"},
    {"refund": {"order": "o", "quantity": 1}},
    {
        "expect_finances": {
            "order": "o",
            "kinds": ["Shipment", "Refund"],
            "status": ["RELEASED", "PENDING"],
            "charged": "39.98",
            "refunded": -19.99,
            "fees": "-3.60",
            "withheld": "0",
            "net": "16.39",
        }
    },
    {"advance_clock": "49h"},
    {"expect_finances": {"order": "o", "events": 2, "status": "RELEASED"}},
]


def test_an_orders_money_is_checked_where_the_step_stands(client):
    ran = client.post("/_mock/scenarios/run", json={"steps": SHIP_THEN_REFUND})
    assert ran.status_code == 200, ran.text
    order_id, log = ran.json()["orders"]["o"], ran.json()["log"]
    assert log[1] == f"2. expect_finances: order {order_id}: 0 event(s) (none), net 0.00"
    assert log[3] == f"4. expect_finances: order {order_id}: 1 event(s) (Shipment PENDING 33.98), net 33.98"
    assert (
        log[6] == f"7. expect_finances: order {order_id}: 2 event(s) (Shipment RELEASED 33.98; Refund PENDING -17.59), net 16.39"
    )
    assert log[8].endswith("(Shipment RELEASED 33.98; Refund RELEASED -17.59), net 16.39")
    money = client.get(f"/_mock/orders/{order_id}/finances", token=False).json()
    assert [event["status"] for event in money["events"]] == ["RELEASED", "RELEASED"]


def test_money_that_differs_fails_the_scenario_naming_what_differed_and_nothing_lands(app, client):
    before = snapshot(app)
    steps = copy.deepcopy(SHIP_THEN_REFUND)
    steps[6]["expect_finances"].update(kinds=["Refund", "Shipment"], net="12.34")
    message = refused(client, steps)
    assert "Step 7 (expect_finances): order " in message
    assert "kinds is ['Shipment', 'Refund'], not ['Refund', 'Shipment'], net is '16.39', not '12.34'" in message
    assert "(its events: Shipment RELEASED 33.98; Refund PENDING -17.59)." in message
    assert snapshot(app) == before


@pytest.mark.parametrize(
    "step, fragment",
    [
        ({"expect_finances": {"order": "o", "profit": 1}}, "unknown field 'profit' (known: order, events, kinds, status"),
        ({"expect_finances": {"events": 1}}, "field order is required"),
        ({"expect_finances": {"order": "o", "kinds": ["Sale"]}}, "field kinds: a list of Shipment or Refund"),
        ({"expect_finances": {"order": "o", "status": "POSTED"}}, "field status: one of PENDING, DEFERRED, RELEASED"),
        ({"expect_finances": {"order": "o", "net": "lots"}}, "field net: an amount such as"),
        ({"expect_finances": {"order": "o", "events": -1}}, "field events: how many events"),
        ({"expect_finances": {"order": "o"}, "expect_refused": True}, "it takes no expect_refused"),
        ({"expect_finances": "o"}, "expect_finances takes a mapping"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_a_bad_money_expectation_names_its_step_before_anything_runs(app, client, step, fragment):
    before = snapshot(app)
    message = refused(client, [{"place_order": {"as": "o", "items": KETTLE}}, step, {"advance_clock": "1h"}])
    assert "Step 2 (expect_finances): " in message and fragment in message, message
    assert snapshot(app) == before


def test_a_refund_at_the_instant_of_its_shipment_comes_after_it():
    # A frozen clock: the shipment and the refund share one wire time (whole seconds).
    steps: list = [{"freeze_clock": None}, {"place_order": {"as": "o", "count": 8, "order": {"OrderStatus": "Unshipped"}}}]
    for n in range(1, 9):
        steps += [{"confirm_shipment": {"order": f"o-{n}"}}, {"refund": {"order": f"o-{n}"}}]
        steps.append({"expect_finances": {"order": f"o-{n}", "kinds": ["Shipment", "Refund"]}})
    control = LocalControl(make_app(fixtures_dir=resources.default_fixtures_dir()).services.backend)
    ran = control.run_inline_scenario(steps)
    for name, order_id in ran["orders"].items():
        assert [event["kind"] for event in control.order_finances(order_id)["events"]] == ["Shipment", "Refund"], name
