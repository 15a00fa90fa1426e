"""Fixture files: relative dates, derived fields, and refusal of anything malformed with a
message that names the file, the record and the field."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from spapi_mock.marketplace.fixtures import FixtureError, load_fixture_data, load_fixture_dir

NOW = datetime(2025, 6, 15, 12, 0, 0, tzinfo=UTC)


def order(**overrides) -> dict:
    record = {
        "order": {
            "AmazonOrderId": "111-0000000-0000001",
            "PurchaseDate": "now-2d3h",
            "OrderStatus": "Unshipped",
            "FulfillmentChannel": "MFN",
            "MarketplaceId": "ATVPDKIKX0DER",
        },
        "items": [{"ASIN": "B000000001", "OrderItemId": "1", "QuantityOrdered": 2, "QuantityShipped": 0}],
    }
    for key, value in overrides.items():
        section, _, field = key.partition("__")
        if field:
            record[section][field] = value
        else:
            record[section] = value
    return record


def write(tmp_path: Path, *records, name: str = "orders.yaml", seller: str | None = None) -> Path:
    data = {"orders": list(records)}
    if seller:
        data["seller"] = seller
    (tmp_path / name).write_text(yaml.safe_dump(data))
    return tmp_path


def test_relative_dates_resolve_against_the_clock_and_counts_are_derived(tmp_path):
    (doc,) = load_fixture_dir(write(tmp_path, order()), NOW)
    assert doc["order"]["PurchaseDate"] == "2025-06-13T09:00:00Z"
    assert doc["order"]["LastUpdateDate"] == "2025-06-13T09:00:00Z"
    assert (doc["order"]["NumberOfItemsShipped"], doc["order"]["NumberOfItemsUnshipped"]) == (0, 2)
    assert doc["order"]["SalesChannel"] == "Amazon.com"
    assert doc["items"][0]["BuyerRequestedCancel"] == {"IsBuyerRequestedCancel": "false"}
    assert doc["seller_id"] == "A1MOCKSELLER00"


def test_nested_dates_resolve_and_the_parsed_data_is_left_as_it_was():
    record = order(
        regulated={
            "RequiresDosageLabel": False,
            "RegulatedInformation": {"Fields": []},
            "RegulatedOrderVerificationStatus": {
                "Status": "Approved",
                "RequiresMerchantAction": False,
                "ValidRejectionReasons": [],
                "ReviewDate": "now-1h",
            },
        }
    )
    data = {"orders": [record]}
    before = yaml.safe_dump(data)
    (doc,) = load_fixture_data(data, NOW, "inline")
    assert doc["regulated"]["RegulatedOrderVerificationStatus"]["ReviewDate"] == "2025-06-15T11:00:00Z"
    assert doc["order"]["PurchaseDate"] == "2025-06-13T09:00:00Z"
    assert yaml.safe_dump(data) == before


def test_a_bad_nested_date_is_refused_naming_its_path():
    record = order(items=[{"ASIN": "B1", "OrderItemId": "1", "QuantityOrdered": 1}] * 2)
    record["items"] = [dict(item) for item in record["items"]]
    record["items"][1]["PromiseResponseDueDate"] = "next week"
    with pytest.raises(FixtureError) as refused:
        load_fixture_data({"orders": [record]}, NOW, "inline")
    assert "field items[1].PromiseResponseDueDate: 'next week' is not an ISO 8601 date" in str(refused.value)


def test_absolute_dates_are_normalised(tmp_path):
    (doc,) = load_fixture_dir(write(tmp_path, order(order__PurchaseDate="2025-06-01T10:00:00+02:00")), NOW)
    assert doc["order"]["PurchaseDate"] == "2025-06-01T08:00:00Z"


@pytest.mark.parametrize(
    "record, field",
    [
        (order(order__OrderStatus="Cancelled"), "order.OrderStatus"),
        (order(order__IsPrime="yes"), "order.IsPrime"),
        (order(order__OrderTotl={"CurrencyCode": "USD", "Amount": "1.00"}), "order.OrderTotl"),
        (order(order__OrderTotal={"CurrencyCode": "USD", "Amount": 1.0}), "order.OrderTotal.Amount"),
        (order(order__PurchaseDate="last tuesday"), "order.PurchaseDate"),
        (order(order__MarketplaceId="XX"), "order.MarketplaceId"),
        (order(order__AmazonOrderId="123"), "order.AmazonOrderId"),
        (order(order__LastUpdateDate="now-5d"), "order.LastUpdateDate"),
        (order(items=[{"ASIN": "B1", "OrderItemId": "1"}]), "items[0]"),
        (order(items=[{"ASIN": "B1", "OrderItemId": "1", "QuantityOrdered": 1, "IsGift": True}]), "items[0].IsGift"),
        (
            order(
                items=[
                    {
                        "ASIN": "B1",
                        "OrderItemId": "1",
                        "QuantityOrdered": 1,
                        "BuyerRequestedCancel": {"IsBuyerRequestedCancel": True},
                    }
                ]
            ),
            "items[0].BuyerRequestedCancel.IsBuyerRequestedCancel",
        ),
        (
            order(
                items=[
                    {
                        "ASIN": "B1",
                        "OrderItemId": "1",
                        "QuantityOrdered": 1,
                        "BuyerRequestedCancel": {"IsBuyerRequestedCancel": "true"},
                    }
                ]
            ),
            "items[0].BuyerRequestedCancel.BuyerCancelReason",
        ),
        (
            order(items=[{"ASIN": "B1", "OrderItemId": "1", "QuantityOrdered": 1, "QuantityShipped": 2}]),
            "items[0].QuantityShipped",
        ),
        (order(items=[]), "items"),
        # Money.Amount is a string holding a decimal: the Finances rules add them up.
        (order(order__OrderTotal={"CurrencyCode": "USD", "Amount": "abc"}), "order.OrderTotal.Amount"),
        (
            order(
                items=[
                    {"ASIN": "B1", "OrderItemId": "1", "QuantityOrdered": 1, "ItemTax": {"CurrencyCode": "USD", "Amount": "NaN"}}
                ]
            ),
            "items[0].ItemTax.Amount",
        ),
        (
            order(
                items=[
                    {
                        "ASIN": "B1",
                        "OrderItemId": "1",
                        "QuantityOrdered": 1,
                        "BuyerInfo": {"GiftWrapPrice": {"CurrencyCode": "USD", "Amount": "1,99"}},
                    }
                ]
            ),
            "items[0].BuyerInfo.GiftWrapPrice.Amount",
        ),
        (order(address={"BuyerCompanyName": 7}), "address.BuyerCompanyName"),
        ({"order": {"AmazonOrderId": "111-0000000-0000001"}, "items": [], "extra": 1}, "extra"),
    ],
)
def test_a_broken_record_is_refused_naming_file_record_and_field(tmp_path, record, field):
    write(tmp_path, order(order__AmazonOrderId="111-0000000-0000009"), record)
    with pytest.raises(FixtureError) as refused:
        load_fixture_dir(tmp_path, NOW)
    message = str(refused.value)
    assert "orders.yaml" in message and "order #2" in message and field in message, message


def test_a_file_that_is_not_yaml_is_refused(tmp_path):
    (tmp_path / "broken.yaml").write_text("orders: [\n  - {order: ")
    with pytest.raises(FixtureError, match="broken.yaml: cannot be parsed"):
        load_fixture_dir(tmp_path, NOW)


def test_an_order_id_used_twice_is_refused(tmp_path):
    write(tmp_path, order(), name="a.yaml")
    write(tmp_path, order(), name="b.yaml")
    with pytest.raises(FixtureError, match="111-0000000-0000001.*already used in .*a.yaml"):
        load_fixture_dir(tmp_path, NOW)


def test_json_fixture_files_load_too(tmp_path):
    import json

    (tmp_path / "orders.json").write_text(json.dumps({"seller": "A2OTHERSELLER9", "orders": [order()]}))
    (doc,) = load_fixture_dir(tmp_path, NOW)
    assert doc["seller_id"] == "A2OTHERSELLER9"


def test_missing_directory_is_refused(tmp_path):
    with pytest.raises(FixtureError, match="not found"):
        load_fixture_dir(tmp_path / "nope", NOW)


def test_every_problem_of_every_file_is_reported_in_one_run(tmp_path):
    """Four mistakes must not need four restarts: two in one record, one in another record of the
    same file, one in a second file. (A file with a problem adds no orders, so an id it shares
    with another file is reported once the file is fixed.)"""
    write(
        tmp_path,
        order(order__OrderStatus="Sent", order__NumberOfItem=2),
        order(order__AmazonOrderId="111-0000000-0000002", items=[{"ASIN": "B1", "OrderItemId": "1", "QuantityOrdered": "two"}]),
    )
    write(
        tmp_path,
        order(order__AmazonOrderId="111-0000000-0000003", order__MarketplaceId="XX"),
        name="more.yaml",
    )
    with pytest.raises(FixtureError) as raised:
        load_fixture_dir(tmp_path, NOW)
    problems = str(raised.value).split("\n")
    expected = [
        ("more.yaml", "order.MarketplaceId"),
        ("orders.yaml: order #1", "order.NumberOfItem: unknown field"),
        ("orders.yaml: order #1", "order.OrderStatus: 'Sent' is not one of"),
        ("orders.yaml: order #2", "items[0].QuantityOrdered"),
    ]
    for where, what in expected:
        assert any(where in line and what in line for line in problems), (where, what, problems)
    assert len(problems) == len(expected), problems


def test_every_problem_of_one_record_is_reported_at_once(tmp_path):
    """Missing required fields came one per start (MarketplaceId, then FulfillmentChannel), and a
    record's first problem hid the others: each is a line of the one report, each said once."""
    record = order(
        items=[{"ASIN": "B1", "OrderItemId": "1", "QuantityOrdered": 1, "QuantityShipped": 2, "Colour": "red"}],
        extra=1,
    )
    del record["order"]["MarketplaceId"], record["order"]["FulfillmentChannel"]
    record["order"]["EarliestShipDate"] = "next week"
    record["order"]["OrderStatus"] = "Sent"
    no_dates = order(order__AmazonOrderId="111-0000000-0000002")
    del no_dates["order"]["PurchaseDate"]
    write(tmp_path, record, no_dates)
    with pytest.raises(FixtureError) as raised:
        load_fixture_dir(tmp_path, NOW)
    problems = str(raised.value).split("\n")
    first, second = "orders.yaml: order #1 (111-0000000-0000001): ", "orders.yaml: order #2 (111-0000000-0000002): "
    expected = [
        first + "unknown field(s): extra",
        first + "field order.MarketplaceId is required",
        first + "field order.FulfillmentChannel is required",
        first + "field order.EarliestShipDate: 'next week' is not an ISO 8601 date",
        first + "field order.OrderStatus: 'Sent' is not one of",
        first + "field items[0].Colour: unknown field",
        first + "field items[0].QuantityShipped is larger than QuantityOrdered",
        # LastUpdateDate defaults to PurchaseDate: one problem, said once, not also by the schema.
        second + "field order.PurchaseDate is required",
    ]
    assert len(problems) == len(expected), problems
    for what in expected:
        assert sum(what in line for line in problems) == 1, (what, problems)


def test_a_file_that_does_not_parse_is_one_problem_on_one_line(tmp_path):
    """PyYAML's complaint spans four lines; the report counts problems by line, so one run said
    "5 problems" and listed 2."""
    (tmp_path / "broken.yaml").write_text("orders:\n  - order: {AmazonOrderId: 1\n    items: [\n")
    with pytest.raises(FixtureError) as raised:
        load_fixture_dir(tmp_path, NOW)
    (problem,) = str(raised.value).split("\n")
    assert "broken.yaml: cannot be parsed: line 3, column" in problem, problem


def problems_of(directory: Path) -> list[str]:
    with pytest.raises(FixtureError) as raised:
        load_fixture_dir(directory, NOW)
    return str(raised.value).split("\n")


def broken_set(directory: Path) -> Path:
    write(directory, order(), order(order__AmazonOrderId="111-0000000-0000002"), name="a.yaml")
    second = order(order__AmazonOrderId="111-0000000-0000004", order__OrderStatus="Sent")
    write(directory, order(order__AmazonOrderId="111-0000000-0000002"), second, name="b.yaml")
    write(directory, order(order__AmazonOrderId="111-0000000-0000003", order__MarketplaceId="XX"), name="c.yaml")
    (directory / "d.yaml").write_text("orders: [\n")
    return directory


@pytest.mark.parametrize("chunk", [7, 1000], ids=["files sent in chunks", "a file in one chunk"])
def test_a_set_loaded_by_workers_is_the_same_documents_in_the_same_order(tmp_path, monkeypatch, in_workers, chunk):
    import os

    from spapi_mock.marketplace import fixtures
    from spapi_mock.tools.fixture_generator import generate_fixture_set

    monkeypatch.setattr(fixtures, "CHUNK_DOCUMENTS", chunk)  # 70 a file: the last chunk is short
    generate_fixture_set(tmp_path, 300, seed=3, sellers=2, progress=False, orders_per_file=70)
    docs = list(fixtures.iter_fixture_rows(tmp_path, NOW, lambda doc: [(os.getpid(), doc)]))
    assert {pid for pid, _ in docs} - {os.getpid()}, "no document was made by a worker"
    assert os.getpid() not in {pid for pid, _ in docs}
    made_by = [doc for _, doc in docs]
    monkeypatch.setattr(fixtures, "forks_safely", lambda: False)
    assert made_by == load_fixture_dir(tmp_path, NOW)


def test_a_worker_killed_half_way_ends_the_load_with_a_reason_not_a_wait_for_ever(tmp_path, monkeypatch, in_workers):
    import os
    import signal

    from spapi_mock.marketplace import fixtures
    from spapi_mock.tools.fixture_generator import generate_fixture_set

    generate_fixture_set(tmp_path, 300, seed=3, sellers=2, progress=False, orders_per_file=70)
    loader = os.getpid()
    file_rows = fixtures._file_rows

    def killed_on_the_third_file(path, now, rows):
        if os.getpid() != loader and path.name.endswith("-002.json"):
            os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would
        return file_rows(path, now, rows)

    monkeypatch.setattr(fixtures, "_file_rows", killed_on_the_third_file)
    (third,) = [path for path in fixtures.fixture_files(tmp_path) if path.name.endswith("-002.json")]
    assert third
    signal.signal(signal.SIGALRM, lambda *_: pytest.fail("the load waited for ever for the killed worker"))
    signal.alarm(60)
    try:
        with pytest.raises(FixtureError, match="worker process .* ended before its file was done"):
            list(fixtures.iter_fixture_rows(tmp_path, NOW, lambda doc: [doc]))
    finally:
        signal.alarm(0)


def test_workers_report_every_problem_of_every_file_as_one_process_does(tmp_path, monkeypatch, in_workers):
    from spapi_mock.marketplace import fixtures

    broken_set(tmp_path)
    by_workers = problems_of(tmp_path)
    monkeypatch.setattr(fixtures, "forks_safely", lambda: False)
    alone = problems_of(tmp_path)
    assert by_workers == alone
    assert any("b.yaml: order 111-0000000-0000002: AmazonOrderId is already used in" in line for line in alone), alone
    assert any("d.yaml: cannot be parsed" in line for line in alone), alone
    assert len(alone) == 4, alone


def json_set(directory: Path, *records, text: str | None = None) -> Path:
    import json

    (directory / "orders.json").write_text(text if text is not None else json.dumps({"orders": list(records)}))
    return directory / "orders.json"


def walked(path: Path) -> list:
    """What the records make with every date found by walking them (as a YAML file's are)."""
    import json

    return load_fixture_data(json.loads(path.read_text()), NOW, str(path))


def test_dates_found_in_a_json_files_text_are_those_walking_its_records_finds(tmp_path):
    from spapi_mock.marketplace.fixtures import load_fixture_file
    from spapi_mock.tools.fixture_generator import generate_fixture_set

    generate_fixture_set(tmp_path / "set", 60, seed=5, progress=False, orders_per_file=60)
    (generated,) = (tmp_path / "set").glob("*.json")
    dated_item = {"ASIN": "B1", "OrderItemId": "1", "QuantityOrdered": 1, "ScheduledDeliveryStartDate": "now - 1d 2h"}
    handmade = json_set(
        tmp_path,
        order(order__LatestShipDate="2025-06-20T10:00:00+02:00", items=[dated_item]),
        order(order__AmazonOrderId="111-0000000-0000002", order__EarliestShipDate="NOW+3h"),
    )
    for path in (generated, handmade):
        docs = load_fixture_file(path, NOW)
        assert docs == walked(path)
    assert docs[0]["items"][0]["ScheduledDeliveryStartDate"] == "2025-06-14T10:00:00Z"
    assert docs[0]["order"]["LatestShipDate"] == "2025-06-20T08:00:00Z"


@pytest.mark.parametrize(
    "spelt",
    [
        '"Purchase\\u0044ate": "now-2d"',
        '"PurchaseDate": "now\\u002d2d"',
        '"PurchaseDate" :\n "now-2d"',
        # Past the first thousand backslashes, where the escape is looked for another way.
        '"SellerOrderId": "' + '\\"' * 1500 + '", "Purchase\\u0044ate": "now-2d"',
    ],
    ids=["escaped key", "escaped value", "spaced", "escaped key after many escapes"],
)
def test_a_date_spelt_with_an_escape_in_a_json_file_is_resolved_all_the_same(tmp_path, spelt):
    import json

    from spapi_mock.marketplace.fixtures import load_fixture_file

    text = json.dumps({"orders": [order(order__PurchaseDate="DATE")]}).replace('"PurchaseDate": "DATE"', spelt)
    path = json_set(tmp_path, text=text)
    (doc,) = load_fixture_file(path, NOW)
    assert doc == walked(path)[0] and doc["order"]["PurchaseDate"] == "2025-06-13T12:00:00Z"


def test_date_field_names_inside_strings_and_near_misses_are_left_as_walking_leaves_them(tmp_path):
    import json

    from spapi_mock.marketplace.fixtures import load_fixture_file

    item = {
        "ASIN": "B1",
        "OrderItemId": "1",
        "QuantityOrdered": 1,
        # A date field's name and a date inside a string value, and a key that ends like one.
        "Title": 'x,"PurchaseDate": "now-1d", {"ReviewDate":"now"} Date": "now"',
        "SellerSKU": "PurchaseDate",
        "ScheduledDeliveryEndDate": "now+2h",
    }
    record = order(order__LatestShipDate="now-3h", items=[item])
    # A field whose name ends like a date field's but is a plain string in Amazon's model.
    exception = {"ExceptionDate": "now-1d", "IsOpen": False}
    record["address"] = {"DeliveryPreferences": {"PreferredDeliveryTime": {"ExceptionDates": [exception]}}}
    text = json.dumps({"orders": [record]}, indent=2).replace('"LatestShipDate": ', '"LatestShipDate"\n :\t')
    path = json_set(tmp_path, text=text)
    (doc,) = load_fixture_file(path, NOW)
    assert doc == walked(path)[0]
    assert doc["items"][0]["Title"] == item["Title"] and doc["items"][0]["ScheduledDeliveryEndDate"] == "2025-06-15T14:00:00Z"
    assert doc["order"]["LatestShipDate"] == "2025-06-15T09:00:00Z"
    assert doc["address"]["DeliveryPreferences"]["PreferredDeliveryTime"]["ExceptionDates"] == [exception]


@pytest.mark.parametrize("value", ["next week", 20250601, None, "now-99999999999d"])
def test_a_bad_date_in_a_json_file_is_refused_as_in_a_yaml_one(tmp_path, value):
    (tmp_path / "json").mkdir()
    (tmp_path / "yaml").mkdir()
    json_set(tmp_path / "json", order(order__EarliestShipDate=value))
    write(tmp_path / "yaml", order(order__EarliestShipDate=value))
    from_json, from_yaml = problems_of(tmp_path / "json"), problems_of(tmp_path / "yaml")
    assert [line.split(": ", 1)[1] for line in from_json] == [line.split(": ", 1)[1] for line in from_yaml]
    assert all("EarliestShipDate" in line for line in from_json), from_json


def test_a_generated_json_file_has_its_dates_resolved_where_records_keep_them(tmp_path, monkeypatch):
    # The quick way (parse, then resolve the orders' and items' date fields) is the one a
    # generated set takes, and makes what walking the records makes.
    from spapi_mock.marketplace import fixtures
    from spapi_mock.tools.fixture_generator import generate_fixture_set

    generate_fixture_set(tmp_path / "set", 80, seed=7, progress=False, orders_per_file=80)
    (generated,) = (tmp_path / "set").glob("*.json")

    def not_expected(raw, now):
        raise AssertionError("a generated file's dates were looked for in its text")

    monkeypatch.setattr(fixtures, "_dates_resolved_in_text", not_expected)
    assert fixtures.load_fixture_file(generated, NOW) == walked(generated)


@pytest.mark.parametrize(
    "where",
    ["regulated", "address", "duplicate key", "value", "null"],
)
def test_dates_outside_orders_and_items_or_a_name_as_a_value_are_resolved_as_walking_does(tmp_path, where):
    import json

    from spapi_mock.marketplace.fixtures import load_fixture_file

    record = order(order__LatestShipDate="now-3h")
    record["items"][0]["ScheduledDeliveryStartDate"] = "now+1d"
    if where == "regulated":  # the one date field of Amazon's model outside an order and its items
        status = {"Status": "Approved", "RequiresMerchantAction": False, "ValidRejectionReasons": [], "ReviewDate": "now-1h"}
        record["regulated"] = {"RequiresDosageLabel": False, "RegulatedInformation": {"Fields": []}}
        record["regulated"]["RegulatedOrderVerificationStatus"] = status
    if where == "address":  # a date field where no record of Amazon's model keeps one: refused alike
        record["address"] = {"Name": "x", "PurchaseDate": "now-1d"}
    if where == "value":
        record["items"][0]["Title"] = "EarliestShipDate"
    text = json.dumps({"orders": [record, order(order__AmazonOrderId="111-0000000-0000002")]})
    if where == "duplicate key":  # the text has two, the parsed record the last
        text = text.replace('"LatestShipDate": "now-3h"', '"LatestShipDate": "now-9h", "LatestShipDate": "now-3h"')
    if where == "null":
        text = text.replace('"LatestShipDate": "now-3h"', '"LatestShipDate": null')
    path = json_set(tmp_path, text=text)
    try:
        expected = walked(path)
    except FixtureError as exc:
        with pytest.raises(FixtureError) as raised:
            load_fixture_file(path, NOW)
        assert str(raised.value) == str(exc)
        assert where in ("address", "null")
        return
    docs = load_fixture_file(path, NOW)
    assert docs == expected
    assert docs[0]["items"][0]["ScheduledDeliveryStartDate"] == "2025-06-16T12:00:00Z"
    assert docs[0]["order"]["LatestShipDate"] == "2025-06-15T09:00:00Z"
    if where == "regulated":
        assert docs[0]["regulated"]["RegulatedOrderVerificationStatus"]["ReviewDate"] == "2025-06-15T11:00:00Z"


def test_relative_dates_read_the_quick_way_are_those_the_general_reading_makes():
    import random

    from spapi_mock.domain import order_factory
    from spapi_mock.kernel.dates import EARLIEST_DATE, LATEST_DATE, parse_fixture_date, to_wire

    now = datetime(2026, 6, 1, 12, 0, 0, 654321, tzinfo=UTC)
    spelt = ["now", "now-", "now+", "now-0s", "NOW-1d", "now - 1d", "now-1d1d", "now-1d ", "now-1d2h3m4s5s", "now-\u0663d"]
    # Past the calendar, and within it but outside the dates taken (year 1, year 9999).
    spelt += ["now-9999999d", "now+9999999d", "now-739500d", "now-738900d", "now+2912000d", "now+00001d", "now-999999h"]
    # A second either side of the first and the last dates taken, and across a day's end.
    first, last = (EARLIEST_DATE - now.replace(microsecond=0)), (LATEST_DATE - now.replace(microsecond=0))
    for moved in (first, last):
        seconds = int(moved.total_seconds())
        for near in (seconds - 1, seconds, seconds + 1):
            days, rest = divmod(abs(near), 86400)
            spelt.append(f"now{'-' if near < 0 else '+'}{days}d{rest // 3600}h{rest // 60 % 60}m{rest % 60}s")
    spelt += ["now-11h59m59s", "now+11h59m59s", "now+12h", "now-12h0m1s", "now+1d11h59m59s"]
    rng = random.Random(26)
    for _ in range(2000):
        parts = "".join(f"{rng.randint(0, 10 ** rng.randint(0, 7))}{unit}" for unit in "dhms" if rng.random() < 0.6)
        spelt.append("now" + rng.choice("+-") + parts)

    def read(text, reader):
        try:
            return reader(text)
        except (ValueError, OverflowError) as exc:
            return f"{type(exc).__name__}: {exc}"

    for text in spelt:
        order_factory.forget_resolved_dates()
        resolve = order_factory.date_resolver(now)
        general = read(text, lambda t: to_wire(parse_fixture_date(t, now)))
        # Twice: the first meets the day, the second finds its text kept (and the second's).
        assert read(text, resolve) == general, text
        assert read(text, resolve) == general, text


def test_every_amount_that_is_no_number_is_refused_however_often_good_ones_repeat(tmp_path):
    # Amounts found good are remembered (a large set repeats its prices): a bad one never is.
    def priced(n: int, amount: str) -> dict:
        item = {"ASIN": "B1", "OrderItemId": "1", "QuantityOrdered": 1, "ItemPrice": {"CurrencyCode": "USD", "Amount": amount}}
        return order(order__AmazonOrderId=f"111-0000000-000000{n}", items=[item])

    write(tmp_path, priced(1, "9.99"), priced(2, "9.99"), priced(3, "1e999999"), priced(4, "9.99"), priced(5, "1e999999"))
    problems = problems_of(tmp_path)
    refused = "field items[0].ItemPrice.Amount: '1e999999' is not a decimal number of less than a trillion"
    assert [line.split(": ", 1)[1] for line in problems] == [f"order #{n} (111-0000000-000000{n}): {refused}" for n in (3, 5)]
