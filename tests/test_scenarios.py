"""The built-in demo scenarios (fixtures/scenarios/), run the three ways a user runs them.

Each scenario runs on the built-in default fixtures from Python (LocalControl), over HTTP
(POST /_mock/scenarios/{name}/run) and from the command line on a store file, and must leave
the same end state each way, read back through the Orders v0 operations a client uses
(getOrder, getOrderItems) and the control plane's cancellation rate. Order ids differ on a real
clock, so states are compared by the scenario's names for its orders, never by id.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

import pytest
import requests

from spapi_mock.config import Config
from spapi_mock.control import LocalControl, scenarios
from spapi_mock.http.app import create_app
from spapi_mock.kernel import resources
from spapi_mock.kernel.dates import parse_duration, parse_iso

from support.http import TOKEN, US, CheckedClient, make_app
from support.live_server import live_server

UK = "A1F83G8C2ARO7P"
DEFAULT_FIXTURES = resources.default_fixtures_dir()
# The default data's US MFN orders placed in the 7 days before load, once the clock has moved
# at all (one more sits exactly at now-7d at load and leaves the window at the first tick).
US_WEEK = 27
MISTAKE = "Order Created By Mistake"


@dataclass(frozen=True)
class Order:
    """What getOrder and getOrderItems say about one named order at the end."""

    status: str
    # LastUpdateDate - PurchaseDate: the same on any clock.
    updated_after: timedelta | str
    # SellerSKU -> (QuantityOrdered, QuantityShipped, BuyerCancelReason or None when
    # IsBuyerRequestedCancel is "false").
    items: dict[str, tuple[int, int, str | None]]


@dataclass(frozen=True)
class Expected:
    orders: dict[str, Order]
    marketplace: str
    # (sellerCancelledOrders, orders, breached) for the marketplace.
    rate: tuple[int, int, bool]


def canceled(after: str, sku: str = "KETTLE-1", requested: str | None = None) -> Order:
    return Order("Canceled", after, {sku: (0, 0, requested)})


EXPECTED: dict[str, Expected] = {
    "buyer-cancels-within-30-minutes": Expected({"order": canceled("10m")}, US, (0, US_WEEK + 1, False)),
    "buyer-requests-cancellation": Expected({"order": canceled("1h45m", requested=MISTAKE)}, US, (0, US_WEEK + 1, False)),
    "buyer-request-answered-by-feed": Expected({"order": canceled("1h45m", requested=MISTAKE)}, US, (0, US_WEEK + 1, False)),
    # One seller cancellation among the default data's US orders is already over 2.5%.
    "buyer-messages-seller-cancels": Expected({"order": canceled("3h")}, US, (1, US_WEEK + 1, True)),
    "out-of-stock": Expected({"order": canceled("2h", "LANTERN-LED")}, US, (1, US_WEEK + 1, True)),
    "pending-order-blocked": Expected(
        {"order": Order("Shipped", "3h5m", {"KETTLE-1": (2, 2, None)})}, US, (0, US_WEEK + 1, False)
    ),
    # Cancelled at LatestShipDate (placed + 1d) + 7d, and counted against the seller when it
    # happened; so are the 11 default US MFN orders that were never shipped either.
    "automatic-cancellation": Expected({"order": canceled("8d")}, US, (12, 12, True)),
    "partial-cancellation": Expected(
        {"order": Order("Shipped", "1h", {"TENT-2P": (1, 1, None), "LANTERN-LED": (0, 0, None)})}, US, (1, US_WEEK + 1, True)
    ),
    "cancellation-request-after-shipment": Expected(
        {"order": Order("Shipped", "20m", {"KETTLE-1": (1, 1, None)})}, US, (0, US_WEEK + 1, False)
    ),
    "cancellation-rate-breach": Expected(
        {
            "sale-1": canceled("1h", "MUG-BLUE"),
            "sale-2": canceled("1h", "MUG-BLUE", requested=MISTAKE),
            "sale-3": canceled("1h", "MUG-BLUE"),
            "sale-4": Order("Unshipped", "0s", {"MUG-BLUE": (1, 0, None)}),
        },
        UK,
        (2, 80, True),
    ),
}
NAMES = sorted(EXPECTED)


# -- reading the end state as a client does ----------------------------------------------------


def end_state(get, orders: dict[str, str], expected: Expected) -> dict:
    """The end state in Expected's terms; ``get(path, params)`` answers a GET's JSON body."""
    state: dict = {}
    for name in expected.orders:
        order = get(f"/orders/v0/orders/{orders[name]}")["payload"]
        lines = get(f"/orders/v0/orders/{orders[name]}/orderItems")["payload"]["OrderItems"]
        items = {}
        for line in lines:
            flag = line["BuyerRequestedCancel"]
            reason = flag.get("BuyerCancelReason") if flag["IsBuyerRequestedCancel"] == "true" else None
            items[line["SellerSKU"]] = (line["QuantityOrdered"], line["QuantityShipped"], reason)
        updated_after = parse_iso(order["LastUpdateDate"]) - parse_iso(order["PurchaseDate"])
        state[name] = Order(order["OrderStatus"], updated_after, items)
    (rate,) = get("/_mock/cancellation-rate", {"marketplaceId": expected.marketplace})["rates"]
    state["rate"] = (rate["sellerCancelledOrders"], rate["orders"], rate["breached"])
    return state


def wanted(expected: Expected) -> dict:
    state: dict = {name: Order(o.status, parse_duration(o.updated_after), o.items) for name, o in expected.orders.items()}
    state["rate"] = expected.rate
    return state


def client_getter(client: CheckedClient):
    def get(path: str, params: dict | None = None) -> dict:
        response = client.get(path, params=params)
        assert response.status_code == 200, (path, response.text)
        return response.json()

    return get


def state_of_app(app, orders: dict[str, str], expected: Expected) -> dict:
    with app.test_client() as raw:
        return end_state(client_getter(CheckedClient(raw)), orders, expected)


def fresh_app():
    return make_app(fixtures_dir=DEFAULT_FIXTURES)


def local_control(app) -> LocalControl:
    return LocalControl(app.services.backend)


# -- the command line, on store files: all nine started at once to keep the suite short ---------


def cli(*args: str) -> subprocess.CompletedProcess:
    """The command, waited for until it ends (the timeout only stops a hung run, however loaded
    the machine is)."""
    return subprocess.run([sys.executable, "-m", "spapi_mock", *args], capture_output=True, text=True, timeout=900, check=False)


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory) -> dict[str, tuple[subprocess.CompletedProcess, str]]:
    """Each built-in scenario run by `spapi-mock scenario run NAME --db FILE --json` on a new file."""
    directory = tmp_path_factory.mktemp("cli-scenarios")

    def run(name: str) -> tuple[subprocess.CompletedProcess, str]:
        db = str(directory / f"{name}.json")
        return cli("scenario", "run", name, "--db", db, "--json"), db

    # As many at once as the machine has cores: more only make each one slower.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return dict(zip(NAMES, pool.map(run, NAMES), strict=True))


# -- every scenario, three ways ------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_a_built_in_scenario_ends_the_same_from_python_http_and_the_command_line(name, cli_runs):
    expected = EXPECTED[name]

    # (a) From Python, on a backend in this process.
    app_a = fresh_app()
    result_a = local_control(app_a).run_scenario(name)
    assert result_a["scenario"] == name and result_a["sellerId"] == "A1MOCKSELLER00"
    assert state_of_app(app_a, result_a["orders"], expected) == wanted(expected), "run from Python"

    # (b) Over HTTP, on another fresh app.
    app_b = fresh_app()
    with app_b.test_client() as raw:
        response = CheckedClient(raw).post(f"/_mock/scenarios/{name}/run")
    assert response.status_code == 200, response.text
    result_b = response.json()
    assert state_of_app(app_b, result_b["orders"], expected) == wanted(expected), "run over HTTP"
    # On the same frozen clock and a fresh store, a scenario is repeatable to the order id.
    assert result_b["orders"] == result_a["orders"] and result_b["log"] == result_a["log"]

    # (c) From the command line on a new store file, on the real clock; read back by a server
    # opened on that file.
    completed, db = cli_runs[name]
    assert completed.returncode == 0, completed.stderr
    result_c = json.loads(completed.stdout)
    assert result_c["scenario"] == name and set(result_c["orders"]) == set(result_a["orders"])
    assert len(result_c["log"]) == len(result_a["log"])
    app_c = create_app(Config(db_path=db, validate_responses=True))
    try:
        assert state_of_app(app_c, result_c["orders"], expected) == wanted(expected), "run from the command line"
    finally:
        app_c.services.store.close()


def test_a_scenario_run_from_the_command_line_against_a_live_server(tmp_path):
    name = "partial-cancellation"
    expected = EXPECTED[name]
    with live_server(tmp_dir=tmp_path) as server:
        completed = cli("scenario", "run", name, "--url", server.base_url, "--json")
        assert completed.returncode == 0, completed.stderr
        orders = json.loads(completed.stdout)["orders"]

        def get(path: str, params: dict | None = None) -> dict:
            response = requests.get(server.base_url + path, params=params, headers=TOKEN, timeout=10)
            assert response.status_code == 200, (path, response.text)
            return response.json()

        assert end_state(get, orders, expected) == wanted(expected)
        # Running it again places another order: scenarios add to the store, they do not reset it.
        again = cli("scenario", "run", name, "--url", server.base_url, "--json")
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout)["orders"]["order"] != orders["order"]
        (rate,) = get("/_mock/cancellation-rate", {"marketplaceId": US})["rates"]
        assert (rate["sellerCancelledOrders"], rate["orders"]) == (2, US_WEEK + 2)


# -- what the scenarios show beyond their end state ---------------------------------------------


def test_us_week_is_the_default_datas_us_mfn_orders_of_the_last_seven_days():
    control = local_control(fresh_app())
    control.advance_clock("1s")
    (rate,) = control.cancellation_rate(marketplace_ids=[US])["rates"]
    assert (rate["sellerCancelledOrders"], rate["orders"]) == (0, US_WEEK)


def test_the_rate_breach_scenario_is_below_the_threshold_until_its_last_cancellation():
    scenario = scenarios.find("cancellation-rate-breach")
    control = local_control(fresh_app())
    control.run_inline_scenario({"steps": scenario.steps[:-1]})
    (rate,) = control.cancellation_rate(marketplace_ids=[UK])["rates"]
    assert (rate["sellerCancelledOrders"], rate["orders"], rate["rate"], rate["breached"]) == (1, 80, 0.0125, False)


def test_the_rate_breach_scenario_breaches_at_exactly_the_threshold():
    control = local_control(fresh_app())
    control.run_scenario("cancellation-rate-breach")
    (rate,) = control.cancellation_rate(marketplace_ids=[UK])["rates"]
    assert (rate["rate"], rate["threshold"], rate["breached"]) == (0.025, 0.025, True)


def test_the_automatic_cancellation_happens_at_its_due_time_and_is_seen_by_last_updated_after_polling():
    app = fresh_app()
    order_id = local_control(app).run_scenario("automatic-cancellation")["orders"]["order"]
    with app.test_client() as raw:
        client = CheckedClient(raw)
        order = client.get(f"/orders/v0/orders/{order_id}").json()["payload"]
        assert order["LastUpdateDate"] == "2025-06-23T12:00:00Z"  # LatestShipDate (placed + 1d) + 7d
        assert parse_iso(order["LatestShipDate"]) + timedelta(days=7) == parse_iso(order["LastUpdateDate"])
        polled = client.get(
            "/orders/v0/orders", params={"MarketplaceIds": US, "LastUpdatedAfter": "2025-06-23T00:00:00Z"}
        ).json()["payload"]["Orders"]
    assert order_id in {o["AmazonOrderId"] for o in polled if o["OrderStatus"] == "Canceled"}


def test_the_pending_scenario_shows_both_refusals_in_its_log():
    log = local_control(fresh_app()).run_scenario("pending-order-blocked")["log"]
    refused = [line for line in log if "refused as expected" in line]
    assert len(refused) == 2
    assert all("Pending" in line and "payment is not yet authorized" in line for line in refused)
    assert refused[0].startswith("2. seller_cancel") and refused[1].startswith("3. confirm_shipment")


def test_the_pending_scenarios_order_shows_no_prices_until_payment_is_authorized():
    steps = scenarios.find("pending-order-blocked").steps
    app = fresh_app()
    control = local_control(app)
    order_id = control.run_inline_scenario({"steps": steps[:3]})["orders"]["order"]
    with app.test_client() as raw:
        client = CheckedClient(raw)
        (pending,) = client.get(f"/orders/v0/orders/{order_id}/orderItems").json()["payload"]["OrderItems"]
        control.run_inline_scenario({"steps": [{"authorize_payment": {"order": order_id}}]})
        (paid,) = client.get(f"/orders/v0/orders/{order_id}/orderItems").json()["payload"]["OrderItems"]
    assert "ItemPrice" not in pending and paid["ItemPrice"] == {"CurrencyCode": "USD", "Amount": "39.98"}


def test_a_buyer_message_moves_nothing_a_client_can_see():
    # The message is informal: after it (and before the seller's cancellation) the order is
    # exactly as it was, so LastUpdatedAfter polling does not report it.
    steps = scenarios.find("buyer-messages-seller-cancels").steps
    control = local_control(fresh_app())
    before = control.run_inline_scenario({"steps": steps[:3]})
    after = control.run_inline_scenario(
        {"steps": [{"buyer_message": {"order": before["orders"]["order"], "text": "Please cancel my order."}}]}
    )
    assert after["changedOrders"] == [before["orders"]["order"]]
    order = control.backend.order("A1MOCKSELLER00", before["orders"]["order"])["order"]
    assert order["OrderStatus"] == "Unshipped"
    assert parse_iso(order["LastUpdateDate"]) == parse_iso(order["PurchaseDate"])


def test_the_feed_answered_request_tells_a_subscribed_seller_of_the_request_the_feed_and_the_cancellation():
    """Amazon sends one ORDER_CHANGE per change (the order placed, paid, the buyer's request, the
    cancellation) and FEED_PROCESSING_FINISHED; the scenario's expect_notification steps say so,
    and a seller subscribed with the Notifications API receives exactly those, in EventTime order,
    though the scenario's steps share one commit."""
    app = fresh_app()
    with app.test_client() as raw:
        client = CheckedClient(raw)
        body = {"name": "orders", "resourceSpecification": {"sqs": {"arn": "arn:aws:sqs:us-east-1:000000000000:o"}}}
        destination_id = client.post("/notifications/v1/destinations", json=body).json()["payload"]["destinationId"]
        for kind, version in (("ORDER_CHANGE", "1.0"), ("FEED_PROCESSING_FINISHED", "2020-09-04")):
            body = {"payloadVersion": version, "destinationId": destination_id}
            assert client.post(f"/notifications/v1/subscriptions/{kind}", json=body).status_code == 200
        result = local_control(app).run_scenario("buyer-request-answered-by-feed")
        expectations = [line for line in result["log"] if ". expect_notification: " in line]
        assert len(expectations) == 3 and all("sent 1 time(s) to the seller's 1 " in line for line in expectations)
        deadline = time.monotonic() + 10
        while (received := client.get("/_mock/notifications", token=False).json())["count"] < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
    bodies = [n["body"] for n in received["notifications"]]
    order_id = result["orders"]["order"]

    def seen(b: dict) -> tuple:
        if "Payload" in b:
            change = b["Payload"]["OrderChangeNotification"]
            assert change["AmazonOrderId"] == order_id
            return b["NotificationType"], change["OrderChangeType"], change["Summary"]["OrderStatus"]
        return b["notificationType"], b["payload"]["feedProcessingFinishedNotification"]["processingStatus"], None

    assert [seen(b) for b in bodies[:3]] == [
        ("ORDER_CHANGE", "OrderStatusChange", "Pending"),
        ("ORDER_CHANGE", "OrderStatusChange", "Unshipped"),
        ("ORDER_CHANGE", "BuyerRequestedChange", "Unshipped"),
    ]
    assert sorted(map(seen, bodies[3:]), key=str) == sorted(
        [("ORDER_CHANGE", "OrderStatusChange", "Canceled"), ("FEED_PROCESSING_FINISHED", "DONE", None)], key=str
    )
    assert len(bodies) == 5
    times = [b.get("EventTime") or b["eventTime"] for b in bodies]
    assert times == sorted(times) and times[2] < times[-1]  # the request an hour before the feed


# -- listing ------------------------------------------------------------------------------------


def test_get_scenarios_lists_all_ten_built_in_ones_with_descriptions():
    with fresh_app().test_client() as raw:
        response = CheckedClient(raw).get("/_mock/scenarios")
    assert response.status_code == 200
    listed = {s["name"]: s for s in response.json()["scenarios"]}
    assert set(listed) == set(EXPECTED)
    for name, summary in listed.items():
        assert summary["source"].endswith(f"fixtures/scenarios/{name}.yaml")
        assert summary["steps"] >= 2
        # Says what to look at with the Orders API.
        assert len(summary["description"]) > 60 and ("getOrder" in summary["description"]), name


def test_every_built_in_scenario_places_its_own_orders():
    """They run on any clock and any seller's store, so they must not name fixture orders."""
    for scenario in scenarios.list_scenarios():
        names: set[str] = set()
        for step in scenario.steps:
            action, args = next((k, v) for k, v in step.items() if k not in scenarios.STEP_OPTIONS)
            if action == "place_order":
                count = args.get("count", 1)
                names |= {args["as"]} if count == 1 else {f"{args['as']}-{n}" for n in range(1, count + 1)}
            elif isinstance(args, dict) and "order" in args:
                assert args["order"] in names, (scenario.name, step)
