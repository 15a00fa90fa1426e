"""The control sub-commands of `spapi-mock` as a user runs them: on a store file and on a server."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys

import pytest
import requests

from spapi_mock.cli import main

from support import TEST_FIXTURES
from support.http import TOKEN
from support.live_server import live_server

ORDER = "111-0000000-0000001"  # Unshipped, MFN, in tests/data/orders


def spapi_mock(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """The command's exit code and output, run in this process (starting Python for each of
    these calls would triple the time; one test below runs the real command)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    result = subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())
    if check:
        assert result.returncode == 0, result.stderr
    return result


def as_json(*args: str) -> dict:
    return json.loads(spapi_mock(*args, "--json").stdout)


@pytest.fixture
def db(tmp_path):
    """A store file seeded from the test fixtures, its clock frozen where conftest freezes it."""
    path = tmp_path / "state.json"
    spapi_mock("clock", "freeze", "2030-01-01T00:00:00Z", "--db", str(path), "--fixtures", str(TEST_FIXTURES))
    return str(path)


def test_the_real_command_runs_a_control_sub_command(db):
    result = subprocess.run([sys.executable, "-m", "spapi_mock", "clock", "--db", db], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "2030-01-01T00:00:00Z (frozen)", result.stderr
    assert result.stderr == ""


def test_the_clock_moves_and_stays_moved_in_the_store_file(db):
    assert as_json("clock", "--db", db) == {"now": "2030-01-01T00:00:00Z", "frozen": True}
    assert as_json("clock", "advance", "1d2h", "--db", db)["now"] == "2030-01-02T02:00:00Z"
    assert as_json("clock", "set", "now+30m", "--db", db)["now"] == "2030-01-02T02:30:00Z"
    # Opening the file again reads the same simulated time back.
    assert spapi_mock("clock", "--db", db).stdout.strip() == "2030-01-02T02:30:00Z (frozen)"


def test_bad_clock_moves_exit_1_with_a_message_and_change_nothing(db):
    for args, message in [
        # The command line's words, and the forms it takes (not the control plane's "Invalid by").
        (("advance", "5x"), "clock advance 5x: not a duration: 45m, 7d, 1d2h30m"),
        (("advance", "5x"), "or ISO 8601 PT45M, P7D"),
        (("set", "tomorrow"), "clock set tomorrow: not a date: ISO 8601 such as 2026-01-15T08:23:11Z, "),
        (("freeze", "next week"), "relative to the mock clock such as now+1d"),
        (("set", "now+99999999999d"), "beyond the years the mock clock can hold"),
        (("set", "2020-01-01T00:00:00Z"), "only moves forward"),
        (("set",), "clock set needs a value"),
    ]:
        result = spapi_mock("clock", *args, "--db", db, check=False)
        assert result.returncode == 1 and message in result.stderr, result.stderr
        assert "Invalid by" not in result.stderr and "Invalid at" not in result.stderr, result.stderr
    assert as_json("clock", "--db", db)["now"] == "2030-01-01T00:00:00Z"


def test_an_order_is_placed_moved_and_cancelled_from_the_command_line(db):
    placed = as_json("order", "create", '{"items": [{"SellerSKU": "KETTLE-1"}, {"SellerSKU": "MUG-1"}]}', "--db", db)
    order_id = placed["order"]["AmazonOrderId"]
    assert placed["order"]["OrderStatus"] == "Pending"
    assert as_json("order", "apply", order_id, "authorize_payment", "--db", db)["order"]["OrderStatus"] == "Unshipped"
    spapi_mock("clock", "advance", "45m", "--db", db)
    requested = as_json(
        "order", "apply", order_id, "buyer_request_cancellation", "reason=Order Created By Mistake", "items=KETTLE-1", "--db", db
    )
    flags = {item["SellerSKU"]: item["BuyerRequestedCancel"] for item in requested["items"]}
    assert flags == {
        "KETTLE-1": {"IsBuyerRequestedCancel": "true", "BuyerCancelReason": "Order Created By Mistake"},
        "MUG-1": {"IsBuyerRequestedCancel": "false"},
    }
    cancelled = spapi_mock("order", "apply", order_id, "seller_cancel", "reason=NoInventory", "--db", db).stdout
    assert f"{order_id} Canceled" in cancelled
    rate = as_json("rate", "--marketplace", "ATVPDKIKX0DER", "--db", db)["rates"][0]
    assert rate["sellerCancelledOrders"] == 1 and rate["breached"] is True


def test_a_refused_action_exits_1_with_amazons_reason(db):
    # A new order: the fixtures' Pending ones were seeded years before the frozen clock, so
    # Amazon has long cancelled them for a payment never authorized.
    order_id = as_json("order", "create", "{}", "--db", db)["order"]["AmazonOrderId"]
    result = spapi_mock("order", "apply", order_id, "seller_cancel", "reason=NoInventory", "--db", db, check=False)
    assert result.returncode == 1
    assert f"Order {order_id} is Pending: only Unshipped orders can be cancelled" in result.stderr
    unknown = spapi_mock("order", "apply", ORDER, "teleport", "--db", db, check=False)
    assert unknown.returncode == 1 and "teleport" in unknown.stderr


def test_actions_and_scenarios_are_listed(db):
    names = [a["name"] for a in as_json("actions", "--db", db)["actions"]]
    assert {"buyer_request_cancellation", "seller_cancel", "confirm_shipment"} <= set(names)
    listing = spapi_mock("actions", "--db", db).stdout
    assert "seller_cancel" in listing and "Unshipped" in listing


def test_load_and_reset_from_the_command_line(db, tmp_path):
    extra = tmp_path / "extra.yaml"
    extra.write_text(
        "orders:\n"
        "  - order: {AmazonOrderId: 111-9999999-0000001, PurchaseDate: now-1d, OrderStatus: Unshipped,\n"
        "            FulfillmentChannel: MFN, MarketplaceId: ATVPDKIKX0DER}\n"
        "    items: [{ASIN: B0000000Z1, OrderItemId: '99', QuantityOrdered: 1}]\n"
    )
    assert as_json("load", str(extra), "--db", db) == {"orders": 1}
    # The file remembers the fixtures it was seeded from.
    assert as_json("reset", "--db", db) == {"orders": 10}
    broken = tmp_path / "broken.yaml"
    broken.write_text("orders: [{order: {AmazonOrderId: x}}]\n")
    result = spapi_mock("load", str(broken), "--db", db, check=False)
    assert result.returncode == 1 and "items" in result.stderr


def test_commands_drive_a_running_server(tmp_path):
    with live_server("--fixtures", str(TEST_FIXTURES), tmp_dir=tmp_path) as server:
        url = ("--url", server.base_url)
        spapi_mock("clock", "freeze", *url)
        before = as_json("clock", *url)["now"]
        as_json("order", "apply", ORDER, "seller_cancel", "reason=NoInventory", *url)
        seen = requests.get(f"{server.base_url}/orders/v0/orders/{ORDER}", headers=TOKEN, timeout=5).json()["payload"]
        assert seen["OrderStatus"] == "Canceled" and seen["LastUpdateDate"] == before
    down = spapi_mock("clock", "--url", server.base_url, check=False)
    assert down.returncode == 1 and "cannot reach spapi-mock" in down.stderr


def test_policy_options_change_the_rules(tmp_path):
    with live_server("--fixtures", str(TEST_FIXTURES), "--self-cancel-window", "5m", tmp_dir=tmp_path) as server:
        url = ("--url", server.base_url)
        order_id = as_json("order", "create", *url)["order"]["AmazonOrderId"]
        spapi_mock("clock", "advance", "10m", *url)
        refused = spapi_mock("order", "apply", order_id, "buyer_cancel", *url, check=False)
        assert refused.returncode == 1 and "5 minutes after purchase" in refused.stderr
