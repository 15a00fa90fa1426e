"""The store under load and under crashes, on a real ``spapi-mock serve``.

- Concurrent readers, writers and scenario runs against one server: afterwards every order is
  whole (held to Amazon's model), every acknowledged change is visible, nothing answered 5xx,
  and the store holds exactly the fixtures plus the orders placed.
- A server writing to ``--db FILE`` is SIGKILLed at several moments and restarted on the same
  file: the file parses, the server starts, every acknowledged change (orders and clock) is
  there, and no temporary files pile up.
- Deterministic kill points: a hook loaded into the server (``sitecustomize`` on PYTHONPATH)
  SIGKILLs it at an exact write of the store file, half-way through the change's line, so a
  crash in the middle of a change is reproduced every time.

Every run is bounded by a number of operations, never by wall-clock time.
"""

from __future__ import annotations

import functools
import os
import random
import signal
import threading
import uuid
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from spapi_mock.kernel import resources
from spapi_mock.kernel.dates import parse_iso, to_wire
from spapi_mock.marketplace.fixtures import load_fixture_dir
from spapi_mock.store.database import read_tables

from support import TEST_FIXTURES
from support.live_server import LiveServer, live_server
from support.reference import assert_valid_response

TOKEN = {"x-amz-access-token": "Atza|durability"}
DEFAULT_SELLER = "A1MOCKSELLER00"
REASON = "Order Created By Mistake"
TEMP_GLOB = ".spapi-mock-*.tmp"
REQUEST_TIMEOUT = 20

# -- what an order of each plan looks like after each acknowledged step ----------------------------

# Each plan is the sequence of states an order passes through; step n moves it from state n-1 to n.
PLANS: dict[str, list[str]] = {
    "request-cancel": ["placed", "authorized", "cancel-requested", "cancelled-on-request"],
    "ship-v0": ["placed", "authorized", "shipped"],
    "ship-control": ["placed", "authorized", "shipped"],
    "no-inventory": ["placed", "authorized", "cancelled-no-inventory"],
}
PLAN_NAMES = list(PLANS)
STATUS_RANK = {"Pending": 0, "Unshipped": 1, "Shipped": 2, "Canceled": 2}
STATE_STATUS = {
    "placed": "Pending",
    "authorized": "Unshipped",
    "cancel-requested": "Unshipped",
    "cancelled-on-request": "Canceled",
    "cancelled-no-inventory": "Canceled",
    "shipped": "Shipped",
}

# Built-in scenarios that move the clock by hours, not days (automatic-cancellation and
# cancellation-rate-breach move it 8 and 21 days, which would cancel the writers' unshipped
# orders under them), with what their order ends as: status and IsBuyerRequestedCancel.
SCENARIOS: dict[str, tuple[str, str]] = {
    "buyer-cancels-within-30-minutes": ("Canceled", "false"),
    "buyer-messages-seller-cancels": ("Canceled", "false"),
    "buyer-requests-cancellation": ("Canceled", "true"),
    "cancellation-request-after-shipment": ("Shipped", "false"),
    "out-of-stock": ("Canceled", "false"),
    "partial-cancellation": ("Shipped", "false"),
    "pending-order-blocked": ("Shipped", "false"),
}


def observed_state(order: dict, items: list[dict]) -> str:
    """Which plan state an order (getOrder payload) and its items (getOrderItems) are in."""
    status = order["OrderStatus"]
    flags = {item["BuyerRequestedCancel"]["IsBuyerRequestedCancel"] for item in items}
    reasons = {item["BuyerRequestedCancel"].get("BuyerCancelReason") for item in items}
    none_shipped = all(item["QuantityShipped"] == 0 for item in items)
    all_cancelled = all(item["QuantityOrdered"] == 0 for item in items) and "OrderTotal" not in order
    if status == "Pending" and flags == {"false"} and none_shipped:
        return "placed"
    if status == "Unshipped" and flags == {"false"} and none_shipped:
        return "authorized"
    if status == "Unshipped" and flags == {"true"} and reasons == {REASON} and none_shipped:
        return "cancel-requested"
    if status == "Canceled" and flags == {"true"} and reasons == {REASON} and all_cancelled:
        return "cancelled-on-request"
    if status == "Canceled" and flags == {"false"} and all_cancelled:
        return "cancelled-no-inventory"
    if (
        status == "Shipped"
        and flags == {"false"}
        and all(item["QuantityShipped"] == item["QuantityOrdered"] > 0 for item in items)
        and order.get("NumberOfItemsUnshipped") == 0
    ):
        return "shipped"
    return f"unexpected ({status}, IsBuyerRequestedCancel {sorted(flags)}, items {items})"


# -- HTTP, with every answer recorded ------------------------------------------------------------


class Disconnected(Exception):
    """The server went away (it was killed) before answering."""


class Api:
    """One client thread's view of a server: every answer is recorded, every 200 of the Orders
    API is held to Amazon's model, and a refused write is a failure."""

    def __init__(self, base_url: str, log: Log) -> None:
        self.base_url = base_url
        self.log = log
        self.session = requests.Session()
        self.session.headers.update(TOKEN)

    def call(self, method: str, path: str, expect: tuple[int, ...] = (200,), **kwargs) -> requests.Response:
        try:
            response = self.session.request(method, self.base_url + path, timeout=REQUEST_TIMEOUT, **kwargs)
        except requests.RequestException as exc:  # refused, reset, or cut off mid-answer
            raise Disconnected(f"{method} {path}: {exc!r}") from None
        self.log.status(method, path, response)
        if response.status_code not in expect:
            raise AssertionError(f"{method} {path} answered {response.status_code}, expected {expect}: {response.text[:500]}")
        if response.status_code == 200 and path.startswith("/orders/v0/"):
            assert_valid_response(method, path.split("?")[0], 200, response.json())
        return response

    # The control plane.
    def clock(self) -> dict:
        return self.call("GET", "/_mock/clock").json()

    def freeze(self) -> dict:
        return self.call("POST", "/_mock/clock/freeze").json()

    def advance(self, by: str) -> dict:
        return self.call("POST", "/_mock/clock/advance", json={"by": by}).json()

    def create(self, skus: list[str]) -> dict:
        # Placed an hour ago: past the buyer's self-cancel window, and listed by getOrders.
        spec = {"order": {"PurchaseDate": "now-1h"}, "items": [{"SellerSKU": sku, "QuantityOrdered": 1} for sku in skus]}
        return self.call("POST", "/_mock/orders", expect=(201,), json=spec).json()

    def action(self, order_id: str, action: str, **args) -> dict:
        return self.call("POST", f"/_mock/orders/{order_id}/actions", json={"action": action, **args}).json()

    def run_scenario(self, name: str) -> dict:
        return self.call("POST", f"/_mock/scenarios/{name}/run").json()

    # The Orders API.
    def order(self, order_id: str) -> dict:
        return self.call("GET", f"/orders/v0/orders/{order_id}").json()["payload"]

    def items(self, order_id: str) -> list[dict]:
        """getOrderItems, every page."""
        items: list[dict] = []
        params: dict = {}
        while True:
            payload = self.call("GET", f"/orders/v0/orders/{order_id}/orderItems", params=params).json()["payload"]
            assert payload["AmazonOrderId"] == order_id, payload
            items += payload["OrderItems"]
            if "NextToken" not in payload:
                return items
            params = {"NextToken": payload["NextToken"]}

    def confirm_shipment(self, order_id: str, created: dict) -> None:
        package = {
            "packageReferenceId": "1",
            "carrierCode": "UPS",
            "trackingNumber": "1Z999AA10123456784",
            "shipDate": created["order"]["LastUpdateDate"],
            "orderItems": [{"orderItemId": i["OrderItemId"], "quantity": i["QuantityOrdered"]} for i in created["items"]],
        }
        body = {"marketplaceId": created["order"]["MarketplaceId"], "packageDetail": package}
        self.call("POST", f"/orders/v0/orders/{order_id}/shipmentConfirmation", expect=(204,), json=body)

    def list_ids(self, created_after: str, marketplaces: list[str]) -> list[str]:
        """getOrders with CreatedAfter, every page: the ids in the order listed."""
        params = {"MarketplaceIds": ",".join(marketplaces), "CreatedAfter": created_after, "MaxResultsPerPage": 100}
        ids: list[str] = []
        while True:
            payload = self.call("GET", "/orders/v0/orders", params=params).json()["payload"]
            ids += [order["AmazonOrderId"] for order in payload["Orders"]]
            if "NextToken" not in payload:
                return ids
            params = {"MarketplaceIds": ",".join(marketplaces), "NextToken": payload["NextToken"]}


class Log:
    """What every client saw: statuses, failures (with the thread that saw them)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: Counter = Counter()
        self.server_errors: list[str] = []
        self.failures: list[str] = []

    def status(self, method: str, path: str, response: requests.Response) -> None:
        with self.lock:
            self.statuses[response.status_code] += 1
            if response.status_code >= 500:
                self.server_errors.append(f"{method} {path} -> {response.status_code}: {response.text[:300]}")

    def fail(self, where: str, exc: BaseException) -> None:
        with self.lock:
            self.failures.append(f"{where}: {type(exc).__name__}: {exc}")


# -- the ledger of acknowledged changes ------------------------------------------------------------


@dataclass
class Tracked:
    plan: str
    skus: list[str]
    acked: int = 0  # index in PLANS[plan] of the state its last acknowledged step reached
    in_flight: bool = False  # a next step was sent and not (yet) acknowledged


class Ledger:
    """Every change the server acknowledged, and what was sent but not acknowledged."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.orders: dict[str, Tracked] = {}
        self.acks = 0
        self.creations_in_flight = 0  # sent, never acknowledged: they may or may not have landed
        self.unanswered = 0  # writes sent and not acknowledged (creations and steps)

    def wait_for(self, acks: int, unanswered: int, timeout: float) -> bool:
        """Wait until ``acks`` writes were acknowledged and more than ``unanswered`` are on their way."""
        with self.cond:
            return self.cond.wait_for(lambda: self.acks >= acks and self.unanswered > unanswered, timeout)

    def _sent(self) -> None:
        self.unanswered += 1
        self.cond.notify_all()

    def _acked(self) -> None:
        self.acks += 1
        self.unanswered -= 1
        self.cond.notify_all()

    def creation_sent(self) -> None:
        with self.cond:
            self.creations_in_flight += 1
            self._sent()

    def created(self, order_id: str, tracked: Tracked) -> None:
        with self.cond:
            self.creations_in_flight -= 1
            assert order_id not in self.orders, f"order id {order_id} was handed out twice"
            self.orders[order_id] = tracked
            self._acked()

    def step_sent(self, order_id: str) -> None:
        with self.cond:
            self.orders[order_id].in_flight = True
            self._sent()

    def step_acked(self, order_id: str) -> None:
        with self.cond:
            tracked = self.orders[order_id]
            tracked.acked += 1
            tracked.in_flight = False
            self._acked()

    def snapshot(self) -> dict[str, Tracked]:
        with self.cond:
            return {order_id: Tracked(t.plan, list(t.skus), t.acked, t.in_flight) for order_id, t in self.orders.items()}


def take_step(api: Api, plan: str, step: int, order_id: str, created: dict) -> None:
    """Step ``step`` (1-based) of ``plan`` on an order."""
    if step == 1:
        api.action(order_id, "authorize_payment")
    elif plan == "request-cancel" and step == 2:
        api.action(order_id, "buyer_request_cancellation", reason=REASON)
    elif plan == "request-cancel" and step == 3:
        api.action(order_id, "seller_cancel", reason="BuyerCanceled")
    elif plan == "ship-v0":
        api.confirm_shipment(order_id, created)
    elif plan == "ship-control":
        api.action(order_id, "confirm_shipment")
    elif plan == "no-inventory":
        api.action(order_id, "seller_cancel", reason="NoInventory")
    else:  # pragma: no cover - the plans above are complete
        raise AssertionError(f"no step {step} in plan {plan}")


def writer(api: Api, ledger: Ledger, name: str, orders: int, first_plan: int = 0) -> None:
    """Place ``orders`` orders one after another, each taken through its plan step by step
    (the plans in turn, from ``first_plan``)."""
    for n in range(orders):
        plan = PLAN_NAMES[(first_plan + n) % len(PLAN_NAMES)]
        skus = [f"{name}-{n}-A", f"{name}-{n}-B"]
        ledger.creation_sent()
        created = api.create(skus)
        order_id = created["order"]["AmazonOrderId"]
        ledger.created(order_id, Tracked(plan, skus))
        for step in range(1, len(PLANS[plan])):
            ledger.step_sent(order_id)
            take_step(api, plan, step, order_id, created)
            ledger.step_acked(order_id)


def run_threads(targets: list[tuple[str, object]], log: Log, *, tolerate_disconnect: bool = False) -> list[threading.Thread]:
    """Start every target at once (a barrier); failures go to the log."""
    barrier = threading.Barrier(len(targets))

    def body(name: str, target) -> None:
        try:
            barrier.wait()
            target()
        except Disconnected as exc:
            if not tolerate_disconnect:
                log.fail(name, exc)
        except BaseException as exc:  # every failure of a client is reported
            log.fail(name, exc)

    threads = [threading.Thread(target=body, args=(name, target), name=name, daemon=True) for name, target in targets]
    for thread in threads:
        thread.start()
    return threads


def join(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.join(timeout=120)
        assert not thread.is_alive(), f"client thread {thread.name} did not finish"


def check_order(api: Api, order_id: str, tracked: Tracked, *, allow_next: bool) -> str | None:
    """None if the order shows its last acknowledged state (or, with ``allow_next``, the state
    of a step that was in flight); else what is wrong. getOrder/getOrderItems are held to
    Amazon's model by the Api."""
    return order_problem(order_id, tracked, api.order(order_id), api.items(order_id), allow_next=allow_next)


def order_problem(order_id: str, tracked: Tracked, order: dict, items: list[dict], *, allow_next: bool) -> str | None:
    """What is wrong with an order as getOrder and getOrderItems showed it, or None."""
    if order["AmazonOrderId"] != order_id:
        return f"{order_id}: getOrder answered order {order['AmazonOrderId']}"
    if sorted(item.get("SellerSKU") for item in items) != sorted(tracked.skus):
        return f"{order_id}: items {[item.get('SellerSKU') for item in items]}, placed with {tracked.skus}"
    states = PLANS[tracked.plan]
    allowed = states[tracked.acked : tracked.acked + (2 if allow_next else 1)]
    state = observed_state(order, items)
    if state not in allowed:
        return f"{order_id} ({tracked.plan}): acknowledged up to {states[tracked.acked]!r}, shows {state}"
    return None


# -- (a) concurrent clients and scenario runs against one server -----------------------------------


def test_concurrent_clients_and_scenarios_leave_every_order_whole_and_every_acknowledged_change_visible(tmp_path):
    db = tmp_path / "load.json"
    with live_server("--db", str(db), tmp_dir=tmp_path) as server:
        log = Log()
        main = Api(server.base_url, log)
        frozen = main.freeze()
        assert frozen["frozen"] is True
        start = parse_iso(frozen["now"])
        since = to_wire(start - timedelta(days=60))

        fixture_docs = [d for d in load_fixture_dir(resources.default_fixtures_dir(), start) if d["seller_id"] == DEFAULT_SELLER]
        marketplaces = sorted({d["order"]["MarketplaceId"] for d in fixture_docs})
        fixture_ids = main.list_ids(since, marketplaces)
        assert sorted(fixture_ids) == sorted(d["order"]["AmazonOrderId"] for d in fixture_docs)

        listed = {s["name"] for s in main.call("GET", "/_mock/scenarios").json()["scenarios"]}
        assert set(SCENARIOS) <= listed, f"built-in scenarios missing: {set(SCENARIOS) - listed}"

        ledger = Ledger()
        scenario_orders: dict[str, str] = {}  # order id -> scenario that placed it
        scenario_lock = threading.Lock()

        def scenarios(rng: random.Random) -> None:
            api = Api(server.base_url, log)
            runs = list(SCENARIOS) * 2
            rng.shuffle(runs)
            for scenario in runs:
                result = api.run_scenario(scenario)
                assert result["clock"]["frozen"] is True, result
                with scenario_lock:
                    for order_id in result["orders"].values():
                        scenario_orders[order_id] = scenario
                with ledger.cond:
                    ledger.acks += 1

        def reader(rng: random.Random) -> None:
            api = Api(server.base_url, log)
            for _ in range(30):
                acked = ledger.snapshot()
                with scenario_lock:
                    placed = dict(scenario_orders)
                op = rng.choice(["list", "order", "items", "order", "items"])
                if op == "list":
                    ids = api.list_ids(since, marketplaces)
                    assert len(ids) == len(set(ids)), f"getOrders paged an order twice: {Counter(ids).most_common(3)}"
                    missing = (set(acked) | set(placed) | set(fixture_ids)) - set(ids)
                    assert not missing, f"getOrders did not list acknowledged orders {sorted(missing)}"
                    continue
                order_id = rng.choice(fixture_ids + sorted(acked) + sorted(placed))
                if op == "order":
                    order = api.order(order_id)
                    assert order["AmazonOrderId"] == order_id
                    if order_id in acked:
                        # What was acknowledged before this read is visible to it.
                        wanted = STATE_STATUS[PLANS[acked[order_id].plan][acked[order_id].acked]]
                        assert STATUS_RANK[order["OrderStatus"]] >= STATUS_RANK[wanted], (order_id, order["OrderStatus"], wanted)
                else:
                    flags = [item["BuyerRequestedCancel"]["IsBuyerRequestedCancel"] for item in api.items(order_id)]
                    assert flags and set(flags) <= {"true", "false"}, (order_id, flags)

        def write(n: int) -> None:
            writer(Api(server.base_url, log), ledger, f"W{n}", orders=6, first_plan=n)

        seed = random.randrange(1 << 30)
        targets = [(f"writer-{n}", lambda n=n: write(n)) for n in range(3)]
        targets += [("scenarios", lambda: scenarios(random.Random(seed)))]
        targets += [(f"reader-{n}", lambda n=n: reader(random.Random(seed + 1 + n))) for n in range(3)]
        join(run_threads(targets, log))

        assert not log.server_errors, f"5xx answers (seed {seed}):\n" + "\n".join(log.server_errors)
        assert not log.failures, f"client failures (seed {seed}):\n" + "\n".join(log.failures)
        final = ledger.snapshot()
        assert len(final) == 3 * 6
        assert ledger.acks == sum(len(PLANS[t.plan]) for t in final.values()) + 2 * len(SCENARIOS)
        assert len(scenario_orders) == 2 * len(SCENARIOS)  # each places one order

        # The store holds the fixtures plus what was placed, nothing else; every order is whole
        # (the Api holds each body to Amazon's model) and shows exactly the acknowledged state.
        listed_ids = main.list_ids(since, marketplaces)
        assert len(listed_ids) == len(fixture_ids) + len(final) + len(scenario_orders)
        assert set(listed_ids) == set(fixture_ids) | set(final) | set(scenario_orders)
        problems = []
        shown = {}
        for order_id in listed_ids:
            order, items = main.order(order_id), main.items(order_id)
            shown[order_id] = (order["OrderStatus"], order["LastUpdateDate"])
            if order_id in final:
                tracked = final[order_id]
                assert tracked.acked == len(PLANS[tracked.plan]) - 1 and not tracked.in_flight
                problems.append(order_problem(order_id, tracked, order, items, allow_next=False))
            elif order_id in scenario_orders:
                scenario = scenario_orders[order_id]
                flags = {item["BuyerRequestedCancel"]["IsBuyerRequestedCancel"] for item in items}
                if (order["OrderStatus"], flags) != (SCENARIOS[scenario][0], {SCENARIOS[scenario][1]}):
                    problems.append(f"{order_id} from {scenario}: {order['OrderStatus']}, IsBuyerRequestedCancel {flags}")
        assert not [problem for problem in problems if problem], "\n".join(filter(None, problems))
        assert not log.server_errors and not log.failures

        # The store file holds the same orders in the same states, and no temporary file is left.
        stored = read_tables(str(db))
        in_file = {doc["order"]["AmazonOrderId"]: doc["order"] for doc in stored["orders"].values()}
        assert {oid: (o["OrderStatus"], o["LastUpdateDate"]) for oid, o in in_file.items()} == shown
        assert list(tmp_path.glob(TEMP_GLOB)) == []


# -- (b) SIGKILL a server writing to --db FILE, restart it on the same file ------------------------


class Servers:
    """``spapi-mock serve --db FILE`` on the small test fixtures, killed and started again."""

    def __init__(self, db: Path, tmp_dir: Path) -> None:
        self.db = db
        self.tmp_dir = tmp_dir
        self.server: LiveServer | None = None
        self._stack = ExitStack()

    def start(self) -> Api:
        assert self.server is None
        self.server = self._stack.enter_context(
            live_server("--db", str(self.db), "--fixtures", str(TEST_FIXTURES), tmp_dir=self.tmp_dir)
        )
        return Api(self.server.base_url, Log())

    def kill(self) -> None:
        """SIGKILL the server now."""
        self.server.process.send_signal(signal.SIGKILL)
        self.killed()

    def killed(self) -> None:
        """The server is dead of a SIGKILL (it was sent by the test or by the server itself)."""
        returncode = self.server.process.wait(timeout=30)
        assert returncode == -signal.SIGKILL, f"the server exited with {returncode}, not by SIGKILL:\n{self.server.output()}"
        self.stop()

    def stop(self) -> None:
        self._stack.close()
        self.server = None


@pytest.fixture
def servers(tmp_path):
    servers = Servers(tmp_path / "state.json", tmp_path)
    yield servers
    servers.stop()


def stored_ids(db: Path) -> set[str]:
    """The default seller's order ids in the store file, which must parse and hold whole orders."""
    data = read_tables(str(db))
    assert set(data) >= {"orders", "meta"}, sorted(data)
    ids = set()
    for doc_id, doc in data["orders"].items():
        assert set(doc) >= {"seller_id", "order", "items"}, f"document {doc_id} is not a whole order: {sorted(doc)}"
        assert doc["order"]["AmazonOrderId"] and doc["items"], f"document {doc_id} is not a whole order"
        if doc["seller_id"] == DEFAULT_SELLER:
            ids.add(doc["order"]["AmazonOrderId"])
    clocks = [record for record in data["meta"].values() if record.get("key") == "clock"]
    assert len(clocks) <= 1, f"the file holds {len(clocks)} clock records"
    return ids


def stray_temp_files(db: Path) -> list[str]:
    return sorted(path.name for path in db.parent.glob(TEMP_GLOB))


# (writer threads, SIGKILL once this many of the round's writes were acknowledged). With one
# writer its next write is on its way when the kill lands; with three, several are.
KILL_ROUNDS = [(1, 5), (1, 20), (3, 50)]


def test_sigkill_mid_write_and_restart_on_the_same_file_loses_no_acknowledged_change(servers):
    db = servers.db
    ledger = Ledger()
    fixture_ids: set[str] = set()
    adopted: set[str] = set()  # orders whose creation was never acknowledged but landed
    clock: dict | None = None
    kills = 0

    def verify(api: Api) -> None:
        """Everything acknowledged is there; what was in flight landed whole or not at all."""
        assert api.clock() == clock, "the acknowledged clock was lost"
        problems = []
        for order_id, tracked in ledger.snapshot().items():
            problem = check_order(api, order_id, tracked, allow_next=tracked.in_flight)
            if problem:
                problems.append(problem)
            elif tracked.in_flight:
                # What a restarted server shows must stay: from now on it counts as acknowledged.
                state = observed_state(api.order(order_id), api.items(order_id))
                with ledger.cond:
                    ledger.orders[order_id].acked = PLANS[tracked.plan].index(state)
                    ledger.orders[order_id].in_flight = False
        assert not problems, "\n".join(problems)
        ids = stored_ids(db)
        missing = (fixture_ids | set(ledger.orders) | adopted) - ids
        assert not missing, f"acknowledged orders missing after the restart: {sorted(missing)}"
        adopted.update(ids - fixture_ids - set(ledger.orders))
        assert len(adopted) <= ledger.creations_in_flight, (
            f"{len(adopted)} orders nobody acknowledged, only {ledger.creations_in_flight} creations were unanswered"
        )
        for order_id in adopted:
            order, items = api.order(order_id), api.items(order_id)
            assert order["OrderStatus"] == "Pending" and len(items) == 2, (order_id, order["OrderStatus"], items)
        strays = stray_temp_files(db)
        assert len(strays) <= kills, f"{len(strays)} temporary files after {kills} kills: {strays}"
        assert not api.log.server_errors, api.log.server_errors

    for round_no, (writers, kill_after) in enumerate(KILL_ROUNDS):
        api = servers.start()
        if round_no == 0:
            fixture_ids = stored_ids(db)
            assert len(fixture_ids) == len(load_fixture_dir(TEST_FIXTURES, parse_iso(api.clock()["now"])))
            clock = api.freeze()
            assert clock["frozen"] is True
        else:
            verify(api)
            # A clock change, acknowledged while no other write is in flight.
            before = clock
            clock = api.advance("7m")
            assert clock == {"now": to_wire(parse_iso(before["now"]) + timedelta(minutes=7)), "frozen": True}
        log = Log()
        acked_before, unanswered_before = ledger.acks, ledger.unanswered
        # Each writer has far more to do than it gets done before the kill.
        targets = [
            (
                f"writer-{round_no}-{n}",
                functools.partial(writer, Api(servers.server.base_url, log), ledger, f"K{round_no}{n}", 100, n),
            )
            for n in range(writers)
        ]
        threads = run_threads(targets, log, tolerate_disconnect=True)
        # The kill lands once enough writes were acknowledged, with the next ones on their way.
        reached = ledger.wait_for(acked_before + kill_after, unanswered_before + writers - 1, timeout=60)
        with ledger.cond:  # nothing is recorded as sent or acknowledged while the server dies
            servers.kill()
        kills += 1
        join(threads)
        assert reached, f"round {round_no}: {ledger.acks - acked_before} writes acknowledged: {log.failures}"
        assert not log.server_errors, log.server_errors
        assert not log.failures, log.failures
        stored_ids(db)  # the file parses and holds whole orders, before anything else touches it

    verify(servers.start())


# -- deterministic kill points ---------------------------------------------------------------------

# Loaded by the server (a sitecustomize module on PYTHONPATH): while the file named by
# SPAPI_MOCK_TEST_KILL_FILE exists, holding "<arm id> <write number>", the server counts its
# writes to the store file from the arming and SIGKILLs itself in that write, with half of the
# change's line written and synced: the torn write a crash leaves.
KILL_HOOK = """
import os
import signal

_ARM_FILE = os.environ.get("SPAPI_MOCK_TEST_KILL_FILE")
if _ARM_FILE:
    from spapi_mock.store import file as _store_file

    _write_line = _store_file.StoreFile._write_line
    _count = {"arm": None, "writes": 0}

    def _write_half_and_die(self, line):
        _write_line(self, line[: len(line) // 2])
        os.unlink(_ARM_FILE)
        os.kill(os.getpid(), signal.SIGKILL)

    def write_line(self, line):
        try:
            with open(_ARM_FILE) as handle:
                arm, at = handle.read().split()
        except FileNotFoundError:
            return _write_line(self, line)
        if arm != _count["arm"]:
            _count.update(arm=arm, writes=0)
        _count["writes"] += 1
        if _count["writes"] == int(at):
            _write_half_and_die(self, line)
        return _write_line(self, line)

    _store_file.StoreFile._write_line = write_line
"""


class KillSwitch:
    """Installs KILL_HOOK for the servers this test starts, and arms it."""

    def __init__(self, tmp_path: Path, monkeypatch) -> None:
        hook_dir = tmp_path / "kill-hook"
        hook_dir.mkdir()
        (hook_dir / "sitecustomize.py").write_text(KILL_HOOK, encoding="utf-8")
        self.file = tmp_path / "kill-at"
        monkeypatch.setenv("SPAPI_MOCK_TEST_KILL_FILE", str(self.file))
        monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(hook_dir), os.environ.get("PYTHONPATH")])))

    def arm(self, write: int) -> None:
        """The server's ``write``-th write of the store file from now on kills it half-way through."""
        self.file.write_text(f"{uuid.uuid4().hex} {write}", encoding="utf-8")

    def disarm(self) -> None:
        self.file.unlink(missing_ok=True)


@pytest.fixture
def kill_switch(tmp_path, monkeypatch):
    return KillSwitch(tmp_path, monkeypatch)


class PartialChange(AssertionError):
    """A restarted store shows part of a change, or lost one acknowledged before it."""


class StrayTempFiles(AssertionError):
    """Temporary files of killed writes are left beside the store file."""


def _state(api: Api, db: Path, sku: str) -> tuple[dict, int, bool]:
    """(clock, number of the seller's orders, whether an order with ``sku`` exists)."""
    ids = stored_ids(db)
    data = read_tables(str(db))
    has_sku = any(item.get("SellerSKU") == sku for doc in data["orders"].values() for item in doc["items"])
    return api.clock(), len(ids), has_sku


@pytest.mark.parametrize("change", ["advance-clock", "scenario-with-order-and-clock"])
def test_a_kill_between_any_two_writes_of_one_change_keeps_all_of_it_or_none(servers, kill_switch, change):
    """Kill the server at its first write of the change (half of it on disk), restart, send the
    change again and kill it one write later, until it is answered: after each restart the
    store shows the state before the change or after it, never a part, and never loses the
    clock acknowledged before."""
    api = servers.start()
    clock = api.freeze()
    sku = "KILL-POINT-1"
    _, count, _ = _state(api, servers.db, sku)
    later = {"now": to_wire(parse_iso(clock["now"]) + timedelta(hours=1)), "frozen": True}
    before = (clock, count, False)
    after = (later, count, False) if change == "advance-clock" else (later, count + 1, True)
    assert _state(api, servers.db, sku) == before
    kills = 0
    for write in range(1, 10):
        kill_switch.arm(write)
        try:
            if change == "advance-clock":
                api.advance("1h")
            else:
                steps = [{"place_order": {"as": "o", "items": [{"SellerSKU": sku}]}}, {"advance_clock": "1h"}]
                api.call("POST", "/_mock/scenarios/run", json={"steps": steps})
        except Disconnected:
            pass
        else:
            kill_switch.disarm()
            assert _state(api, servers.db, sku) == after, f"{change} was answered but is not shown whole"
            break
        servers.killed()
        kills += 1
        api = servers.start()
        shown = _state(api, servers.db, sku)
        if shown not in (before, after):
            raise PartialChange(
                f"{change} killed at its write {write}: the restarted store shows (clock, orders, placed) = {shown}; "
                f"before the change it was {before}, after it {after}"
            )
        if shown == after:
            break
    else:
        raise AssertionError(f"{change} was still writing after 9 writes")
    assert kills >= 1, "the change was never killed: the kill hook did not work"


def test_temporary_files_of_killed_writes_do_not_pile_up(servers, kill_switch):
    api = servers.start()
    clock = api.freeze()
    created = api.create(["TMP-A", "TMP-B"])
    order_id = created["order"]["AmazonOrderId"]
    api.action(order_id, "authorize_payment")
    tracked = Tracked("request-cancel", ["TMP-A", "TMP-B"], acked=1)
    strays = []
    for _ in range(2):
        kill_switch.arm(1)
        with pytest.raises(Disconnected):
            api.action(order_id, "buyer_request_cancellation", reason=REASON)
        servers.killed()
        stored_ids(servers.db)
        api = servers.start()
        # The killed change never landed; everything acknowledged before it did.
        assert api.clock() == clock
        assert check_order(api, order_id, tracked, allow_next=False) is None
        clock = api.advance("1m")  # and the store has written again since
        strays.append(stray_temp_files(servers.db))
    if any(strays):
        raise StrayTempFiles(f"temporary files beside the store after each of 2 kills, restarts and writes: {strays}")


def _orders(count: int) -> list[dict]:
    return [
        {
            "seller_id": "S1",
            "order": {
                "AmazonOrderId": f"111-0000000-{n:07d}",
                "MarketplaceId": "ATVPDKIKX0DER",
                "PurchaseDate": f"2025-01-{n % 28 + 1:02d}T00:00:00Z",
                "LastUpdateDate": f"2025-02-{n % 28 + 1:02d}T00:00:00Z",
                "OrderTotal": {"CurrencyCode": "USD", "Amount": f"{n % 97}.99"},
                "Huge": 2**70 if n % 500 == 0 else n,
            },
        }
        for n in range(count)
    ]


def test_a_snapshot_of_packed_documents_reads_back_exactly_with_its_dictionary(tmp_path):
    """A format-4 snapshot holds documents as the store packs them (with the dictionary trained on
    the first thousand), so that neither writing nor reading it compresses each again."""
    import json

    from spapi_mock.store.database import Store

    path = tmp_path / "state.json"
    orders = _orders(2500)
    store = Store(str(path))
    store.replace_all(orders)
    store.close()
    lines = [json.loads(line) for line in path.read_bytes().splitlines()]
    assert lines[0] == {"spapi-mock-store": 4} and "dictionary" in lines[1]["packer"]
    again = Store(str(path))
    assert [again.orders.get("S1", order["order"]["AmazonOrderId"]) for order in orders] == orders
    again.put(orders[0] | {"order": {**orders[0]["order"], "Changed": True}})  # packed with the file's dictionary
    again.close()
    third = Store(str(path))
    assert third.orders.get("S1", orders[0]["order"]["AmazonOrderId"])["order"]["Changed"] is True
    assert third.orders.get("S1", orders[1999]["order"]["AmazonOrderId"]) == orders[1999]
    third.close()
    assert read_tables(str(path))["orders"]["2000"] == orders[1999]


def test_a_format_3_store_of_document_texts_still_opens(tmp_path):
    import json

    from spapi_mock.store.database import Store

    path = tmp_path / "state.json"
    orders = _orders(3)
    snapshot = {"snapshot": True, "put": {"orders": {str(n + 1): json.dumps(order) for n, order in enumerate(orders)}}}
    path.write_text('{"spapi-mock-store": 3}\n' + json.dumps(snapshot) + "\n")
    store = Store(str(path))
    assert [store.orders.get("S1", order["order"]["AmazonOrderId"]) for order in orders] == orders
    store.close()


@pytest.mark.parametrize("damage", ["no dictionary", "not base64", "not packed"])
def test_a_damaged_packed_snapshot_is_refused_naming_its_line(tmp_path, damage):
    import json

    from spapi_mock.store.database import Store
    from spapi_mock.store.file import StoreFileError

    path = tmp_path / "state.json"
    store = Store(str(path))
    store.replace_all(_orders(1200))
    store.close()
    lines = path.read_bytes().splitlines()
    if damage == "no dictionary":
        del lines[1]
    else:
        record = json.loads(lines[2])
        first = next(iter(record["packed"]["orders"]))
        record["packed"]["orders"][first] = "***" if damage == "not base64" else "eHl6"  # "xyz"
        lines[2] = json.dumps(record).encode()
    path.write_bytes(b"\n".join(lines) + b"\n")
    with pytest.raises(StoreFileError, match=r"line \d+ of the store is damaged"):
        Store(str(path))
