"""Generated fixture sets: reproducible, loadable, shaped like Amazon's answers, and spread as
the generator's docstring says; the ``spapi-mock fixtures generate`` command around it.

One set of 3,000 orders over three sellers is generated per module and served on a clock
frozen at conftest.FROZEN_AT (the set's dates are relative, so they land around it). Every 200
body is held to Amazon's models by the CheckedClient.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from spapi_mock import cli
from spapi_mock.control import LocalControl
from spapi_mock.domain.orders import ORDER_STATUSES
from spapi_mock.kernel.dates import parse_fixture_date, parse_iso
from spapi_mock.marketplace.fixtures import DEFAULT_SELLER_ID, load_fixture_dir
from spapi_mock.tools.fixture_generator import BUYER_CANCEL_REASONS, GeneratorError, generate_fixture_set, relative, seller_ids

from support.http import FROZEN_AT, CheckedClient, make_app, seller_token

ORDERS = 3_000
SELLERS = 3
SEED = 7
ALL_DATA = "BUYER,RECIPIENT,PROCEEDS,EXPENSE,PROMOTION,CANCELLATION,FULFILLMENT,PACKAGES,TAX,PAYMENT,FULFILLMENT_ORDERS"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    return generate_fixture_set(tmp_path_factory.mktemp("generated"), ORDERS, seed=SEED, sellers=SELLERS, orders_per_file=1_000)


@pytest.fixture(scope="module")
def docs(generated):
    return load_fixture_dir(generated.directory, FROZEN_AT)


@pytest.fixture(scope="module")
def app(generated):
    return make_app(generated.directory)


@pytest.fixture(scope="module")
def client(app):
    with app.test_client() as raw:
        yield CheckedClient(raw)


def age(doc: dict) -> timedelta:
    return FROZEN_AT - parse_iso(doc["order"]["PurchaseDate"])


# -- reproducible -------------------------------------------------------------------------------


def files_of(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def test_the_same_seed_writes_the_same_bytes_and_another_seed_other_ones(tmp_path):
    first = generate_fixture_set(tmp_path / "a", 250, seed=11, sellers=2, orders_per_file=100)
    again = generate_fixture_set(tmp_path / "b", 250, seed=11, sellers=2, orders_per_file=100)
    other = generate_fixture_set(tmp_path / "c", 250, seed=12, sellers=2, orders_per_file=100)
    assert files_of(first.directory) == files_of(again.directory)
    # Files of at most 100 orders, numbered per seller, the default seller's first.
    names = [p.name for p in first.files]
    assert names[:2] == ["orders-A1MOCKSELLER00-000.json", "orders-A1MOCKSELLER00-001.json"]
    assert "orders-A1MOCKSELLER01-000.json" in names and len(names) in (3, 4)
    assert first.order_ids == again.order_ids and len(set(first.order_ids)) == 250
    theirs = files_of(other.directory)
    assert theirs.keys() == files_of(first.directory).keys()
    assert all(theirs[name] != data for name, data in files_of(first.directory).items() if name.endswith(".json"))
    assert not set(first.order_ids) & set(other.order_ids)


def test_the_bytes_do_not_depend_on_the_interpreters_hash_seed(tmp_path):
    """Nothing may come from iterating a set (str hashes change per process)."""
    for hash_seed in ("1", "2"):
        subprocess.run(
            [sys.executable, "-m", "spapi_mock", "fixtures", "generate", "--orders", "300", "--out", str(tmp_path / hash_seed)],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            check=True,
            capture_output=True,
        )
    assert files_of(tmp_path / "1") == files_of(tmp_path / "2")


def test_files_hold_one_order_a_line_and_a_readme_says_how_to_make_them_again(generated):
    lines = generated.files[0].read_text(encoding="utf-8").splitlines()
    assert lines[0] == '{"seller":"A1MOCKSELLER00","orders":['
    assert lines[-1] == "]}" and len(lines) == 1_000 + 2
    readme = (generated.directory / "README.md").read_text(encoding="utf-8")
    assert f"spapi-mock fixtures generate --orders {ORDERS} --seed {SEED} --sellers {SELLERS}" in readme
    assert "Faker" in readme and "A1MOCKSELLER02" in readme


def test_relative_dates_read_back_as_the_loader_reads_them():
    for seconds in (0, 59, 3_600, 86_400 * 12 + 3 * 3_600 + 4 * 60 + 5, -86_400 * 9):
        text = relative(seconds)
        assert parse_fixture_date(text, FROZEN_AT) == FROZEN_AT - timedelta(seconds=seconds), text
    assert relative(86_400 * 12 + 3 * 3_600 + 4 * 60 + 5) == "now-12d3h4m5s"
    assert relative(-86_400 * 9) == "now+9d" and relative(0) == "now-0s"


# -- loads and answers as Amazon does -------------------------------------------------------------


def test_every_order_loads_and_sellers_get_what_was_planned(generated, docs):
    assert len(docs) == ORDERS
    by_seller = Counter(doc["seller_id"] for doc in docs)
    assert generated.sellers == tuple(seller_ids(SELLERS)) == (DEFAULT_SELLER_ID, "A1MOCKSELLER01", "A1MOCKSELLER02")
    assert set(by_seller) == set(generated.sellers)
    # The default seller is the busiest; every seller has a real share.
    assert by_seller[DEFAULT_SELLER_ID] == max(by_seller.values()) and min(by_seller.values()) > ORDERS / 6


def test_two_hundred_orders_read_through_both_versions_match_amazons_models(docs, client):
    """getOrder, getOrderItems and v2026 getOrder (every dataset) for 200 orders, every status
    among them; the CheckedClient validates each body."""
    by_status: dict[str, list[dict]] = {}
    for doc in docs:
        by_status.setdefault(doc["order"]["OrderStatus"], []).append(doc)
    assert set(by_status) == set(ORDER_STATUSES)
    picked = {statuses[0]["order"]["AmazonOrderId"]: statuses[0] for statuses in by_status.values()}
    for doc in random.Random(1).sample(docs, 400):
        if len(picked) == 200:
            break
        picked.setdefault(doc["order"]["AmazonOrderId"], doc)
    headers = {seller_id: seller_token(client, seller_id) for seller_id in seller_ids(SELLERS)}
    for order_id, doc in picked.items():
        mine = {"headers": headers[doc["seller_id"]]}
        order = client.get(f"/orders/v0/orders/{order_id}", **mine).json()["payload"]
        items = client.get(f"/orders/v0/orders/{order_id}/orderItems", **mine).json()["payload"]["OrderItems"]
        v2026 = client.get(f"/orders/2026-01-01/orders/{order_id}", params={"includedData": ALL_DATA}, **mine).json()["order"]
        assert order["OrderStatus"] == doc["order"]["OrderStatus"] and v2026["orderId"] == order_id
        assert len(items) == len(doc["items"]) == len(v2026["orderItems"])
        if order["OrderStatus"] in ("Pending", "PendingAvailability"):
            # Amazon shows no total, prices or address until payment is authorized.
            assert "OrderTotal" not in order and "ShippingAddress" not in order
            assert all("ItemPrice" not in item for item in items)
        elif order["OrderStatus"] != "Canceled":
            assert order["OrderTotal"]["CurrencyCode"] == items[0]["ItemPrice"]["CurrencyCode"]


def test_who_cancelled_shows_in_both_versions(docs, client):
    """A seller's BuyerCanceled answer to a formal request: v0 keeps the item's flag, v2026 says
    who asked and who cancelled."""
    answered = next(
        doc
        for doc in docs
        if doc["seller_id"] == DEFAULT_SELLER_ID
        and [c["reason"] for c in doc["cancellations"]] == ["BuyerCanceled"]
        and doc["cancellations"][0]["by"] == "MERCHANT"
    )
    order_id = answered["order"]["AmazonOrderId"]
    items = client.get(f"/orders/v0/orders/{order_id}/orderItems").json()["payload"]["OrderItems"]
    assert all(item["BuyerRequestedCancel"]["IsBuyerRequestedCancel"] == "true" for item in items)
    assert all(item["BuyerRequestedCancel"]["BuyerCancelReason"] in BUYER_CANCEL_REASONS for item in items)
    v2026 = client.get(f"/orders/2026-01-01/orders/{order_id}", params={"includedData": "CANCELLATION"}).json()["order"]
    cancellation = v2026["orderItems"][0]["cancellation"]
    assert cancellation["cancellationRequest"]["requester"] == "BUYER"
    assert cancellation["cancellationExecution"] == {"cancelledBy": "MERCHANT", "cancelReason": "BuyerCanceled"}


def test_a_seller_other_than_the_default_is_served_under_its_refresh_token(docs, client):
    theirs = next(doc["order"]["AmazonOrderId"] for doc in docs if doc["seller_id"] == "A1MOCKSELLER02")
    headers = seller_token(client, "A1MOCKSELLER02")
    assert client.get(f"/orders/v0/orders/{theirs}", headers=headers).json()["payload"]["AmazonOrderId"] == theirs
    assert client.get(f"/orders/v0/orders/{theirs}").status_code == 404  # the default seller's token
    since = (FROZEN_AT - timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%SZ")
    listed = client.get(f"/orders/2026-01-01/orders?createdAfter={since}&maxResultsPerPage=100", headers=headers).json()
    assert len(listed["orders"]) == 100


# -- spread as claimed --------------------------------------------------------------------------


def test_recent_orders_are_open_and_old_ones_shipped(docs):
    recent = Counter(doc["order"]["OrderStatus"] for doc in docs if age(doc) < timedelta(days=1))
    old = Counter(doc["order"]["OrderStatus"] for doc in docs if age(doc) > timedelta(days=7))
    assert (recent["Pending"] + recent["Unshipped"]) / recent.total() > 0.6
    assert old["Shipped"] / old.total() > 0.85 and old["Pending"] == old["Unshipped"] == 0
    channels = Counter(doc["order"]["FulfillmentChannel"] for doc in docs)
    assert 0.4 < channels["AFN"] / ORDERS < 0.7
    assert {"InvoiceUnconfirmed", "Unfulfillable"} <= {doc["order"]["OrderStatus"] for doc in docs}
    assert sum(doc["order"]["IsPrime"] for doc in docs) > ORDERS / 4
    assert 0.01 < sum(doc["order"]["IsBusinessOrder"] for doc in docs) / ORDERS < 0.1
    assert Counter(len(doc["items"]) for doc in docs)[1] / ORDERS > 0.6
    assert max(len(doc["items"]) for doc in docs) > 3
    marketplaces = Counter(doc["order"]["MarketplaceId"] for doc in docs)
    assert marketplaces.most_common(1)[0][0] == "ATVPDKIKX0DER" and len(marketplaces) > 15


def test_cancellations_say_who_and_requests_carry_amazons_reasons(docs):
    cancelled = [doc for doc in docs if doc["order"]["OrderStatus"] == "Canceled"]
    assert 0.01 < len(cancelled) / ORDERS < 0.05
    assert all(len(doc["cancellations"]) == 1 for doc in cancelled)
    assert not [doc for doc in docs if doc["cancellations"] and doc["order"]["OrderStatus"] != "Canceled"]
    by = Counter((doc["cancellations"][0]["by"], doc["cancellations"][0]["counts_against_seller"]) for doc in cancelled)
    assert {("BUYER", False), ("AMAZON", False), ("MERCHANT", False), ("MERCHANT", True)} <= set(by)
    # The seller cancels only what it ships itself; AFN cancellations are the buyer's or Amazon's.
    assert all(doc["order"]["FulfillmentChannel"] == "MFN" for doc in cancelled if doc["cancellations"][0]["by"] == "MERCHANT")
    requested = [
        doc
        for doc in docs
        if doc["order"]["OrderStatus"] == "Unshipped"
        and any(item["BuyerRequestedCancel"]["IsBuyerRequestedCancel"] == "true" for item in doc["items"])
    ]
    assert requested
    for doc in requested:
        assert doc["order"]["FulfillmentChannel"] == "MFN"
        # The request came after the buyer's own 30 minutes, and is the order's last update.
        assert parse_iso(doc["order"]["LastUpdateDate"]) - parse_iso(doc["order"]["PurchaseDate"]) >= timedelta(minutes=30)
        reasons = {item["BuyerRequestedCancel"].get("BuyerCancelReason") for item in doc["items"]} - {None}
        assert len(reasons) == 1 and reasons <= set(BUYER_CANCEL_REASONS)


def test_no_seller_starts_at_risk_and_loading_cancels_nothing(app, docs):
    control = LocalControl.of(app.services)
    for seller_id in seller_ids(SELLERS):
        rates = control.cancellation_rate(seller_id)["rates"]
        assert rates and all(rate["rate"] < 0.025 for rate in rates), rates
    # Open MFN orders are all before Amazon's automatic-cancellation deadline.
    backend = app.services.backend
    served = Counter(doc["order"]["OrderStatus"] for doc in backend.store.orders.docs())
    assert served == Counter(doc["order"]["OrderStatus"] for doc in docs)


def test_shipped_and_refunded_orders_carry_their_money_history(app, docs):
    """Every order that shipped has a shipment event for its shipped units; some shipped orders
    were refunded a unit later, as the adjustment feed refunds (Amazon's AdjustmentReason
    values), and have a refund event giving that money back after the shipment's; an order
    that never shipped has no money."""
    control = LocalControl.of(app.services)
    refunded = [doc for doc in docs if doc.get("refunds")]
    shipped = [doc for doc in docs if any(item.get("QuantityShipped") for item in doc["items"])]
    assert 0.02 < len(refunded) / len(shipped) < 0.06
    statuses = Counter(doc["order"]["OrderStatus"] for doc in refunded)
    assert set(statuses) <= {"Shipped", "PartiallyShipped", "InvoiceUnconfirmed"} and statuses["Shipped"]
    for doc in refunded[:40]:
        (refund,) = doc["refunds"]
        assert refund["reason"] in ("CustomerReturn", "DifferentItem", "GeneralAdjustment") and refund["quantity"] == 1
        assert refund["at"] > doc["order"]["LastUpdateDate"]
        currency = doc["order"]["OrderTotal"]["CurrencyCode"]
        assert all(amount.endswith(" " + currency) for amount in refund["amounts"].values())
        money = control.order_finances(doc["order"]["AmazonOrderId"], doc["seller_id"])
        assert [event["kind"] for event in money["events"]] == ["Shipment", "Refund"]
        given_back = [(line["type"], line["amount"]) for line in money["events"][1]["items"][0]["charges"]]
        kinds = {"Principal": "Principal", "Tax": "Tax"}
        assert given_back == [(kinds[name], "-" + amount.split()[0]) for name, amount in refund["amounts"].items()]
    for doc in shipped[:40]:
        assert control.order_finances(doc["order"]["AmazonOrderId"], doc["seller_id"])["events"][0]["kind"] == "Shipment"
    never = [doc for doc in docs if doc["order"]["OrderStatus"] in ("Canceled", "Pending", "Unshipped")][:40]
    assert never and all(not control.order_finances(d["order"]["AmazonOrderId"], d["seller_id"])["events"] for d in never)


# -- the command --------------------------------------------------------------------------------


def run(capsys, *args: str) -> tuple[int, str, str]:
    status = cli.main(["fixtures", "generate", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_the_command_writes_a_set_and_prints_one_line(tmp_path, capsys):
    out_dir = tmp_path / "set"
    status, out, err = run(capsys, "--orders", "60", "--seed", "3", "--sellers", "2", "--out", str(out_dir))
    assert status == 0 and err == ""  # stderr is not a terminal here: no progress bar
    assert out.count("\n") == 1
    assert out.startswith(f"generated 60 orders for 2 seller(s) in 2 file(s) under {out_dir} (")
    assert len(load_fixture_dir(out_dir, FROZEN_AT)) == 60
    # A set is never written over by accident; --force replaces its fixture files.
    (out_dir / "notes.txt").write_text("mine")
    status, out, err = run(capsys, "--orders", "60", "--out", str(out_dir))
    assert status == 2 and out == "" and "is not empty" in err and "--force" in err
    status, out, err = run(capsys, "--orders", "30", "--out", str(out_dir), "--force")
    assert status == 0 and len(load_fixture_dir(out_dir, FROZEN_AT)) == 30
    assert (out_dir / "notes.txt").read_text() == "mine"


def test_the_progress_bar_shows_when_asked(tmp_path, capsys):
    status, _, err = run(capsys, "--orders", "40", "--out", str(tmp_path / "a"), "--progress")
    assert status == 0 and "generating" in err and "40/40" in err
    status, _, err = run(capsys, "--orders", "40", "--out", str(tmp_path / "b"), "--no-progress")
    assert status == 0 and err == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--orders", "0"], "--orders must be at least 1"),
        (["--orders", "5", "--sellers", "0"], "--sellers must be at least 1"),
        (["--orders", "5", "--sellers", "6"], "--sellers (6) cannot exceed --orders (5)"),
    ],
)
def test_bad_sizes_are_refused_with_status_2(tmp_path, capsys, args, message):
    status, out, err = run(capsys, *args, "--out", str(tmp_path / "set"))
    assert status == 2 and out == "" and message in err and "Traceback" not in err
    assert not (tmp_path / "set").exists()


def test_a_directory_that_cannot_be_written_is_refused_with_status_2(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    status, out, err = run(capsys, "--orders", "5", "--out", str(blocker / "set"))
    assert status == 2 and out == "" and "cannot write there" in err and "Traceback" not in err
    status, _, err = run(capsys, "--orders", "5", "--out", str(blocker))
    assert status == 2 and "is a file, not a directory" in err
    with pytest.raises(GeneratorError):
        generate_fixture_set(blocker, 5)
