"""Loading fixture files into order documents, refusing any that break a rule.

A fixture file (YAML or JSON) holds ``{seller: ID, orders: [{order, items, address,
regulated}]}`` in Amazon's v0 field names. Dates may be absolute or relative to the clock at
load (``now-3d4h``), so that example queries find data on whatever day they run. Every record
is checked against the schemas of our own spec, with unknown fields refused so that a typo does
not silently drop data; the error names the file, the record and the field.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import fastjsonschema
import yaml
from jsonschema import Draft4Validator

from . import resources
from .dates import parse_fixture_date, to_wire
from .domain.exceptions import FixtureError
from .domain.orders import buyer_requested_cancel, item_counts
from .marketplaces import BY_ID as MARKETPLACES
from .sellers import DEFAULT_SELLER_ID

DATE_FIELDS = frozenset(
    {
        "PurchaseDate",
        "LastUpdateDate",
        "EarliestShipDate",
        "LatestShipDate",
        "EarliestDeliveryDate",
        "LatestDeliveryDate",
        "PromiseResponseDueDate",
        "ScheduledDeliveryStartDate",
        "ScheduledDeliveryEndDate",
        "ReviewDate",
    }
)
# Counts the loader derives from the items, so they can never disagree with them.
DERIVED_ORDER_FIELDS = ("NumberOfItemsShipped", "NumberOfItemsUnshipped")
RECORD_KEYS = {"order", "items", "address", "regulated", "cancellations"}
CANCELLED_BY = ("BUYER", "MERCHANT", "AMAZON")
REQUIRED_ORDER_FIELDS = ("AmazonOrderId", "PurchaseDate", "OrderStatus", "MarketplaceId", "FulfillmentChannel")


def load_fixture_dir(directory: str | Path, now: datetime) -> list[dict]:
    """Every ``*.yaml``, ``*.yml`` and ``*.json`` file directly in ``directory``; the problems of
    every file are reported together, so that fixing them takes one run."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FixtureError(f"{directory}: fixture directory not found")
    docs: list[dict] = []
    seen: dict[str, str] = {}
    problems = _Problems()
    for path in fixture_files(directory):
        with problems.collect():
            for doc in load_fixture_file(path, now):
                order_id = doc["order"]["AmazonOrderId"]
                if order_id in seen:
                    problems.add(f"{path}: order {order_id}: AmazonOrderId is already used in {seen[order_id]}")
                    continue
                seen[order_id] = str(path)
                docs.append(doc)
    problems.raise_any()
    return docs


def fixture_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.suffix in (".yaml", ".yml", ".json") and p.is_file())


class _Problems:
    """Problems gathered across records and files, raised as one FixtureError listing them all."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, message: str) -> None:
        self.messages.append(message)

    @contextmanager
    def collect(self):
        try:
            yield
        except FixtureError as exc:
            self.messages.extend(str(exc).split("\n"))

    def raise_any(self) -> None:
        if len(self.messages) == 1:
            raise FixtureError(self.messages[0])
        if self.messages:
            raise FixtureError("\n".join(self.messages))


def load_fixture_file(path: str | Path, now: datetime) -> list[dict]:
    path = Path(path)
    try:
        stat = path.stat()
        if path.suffix != ".json" and stat.st_size <= _PARSED_CACHE_MAX_BYTES:
            data = _parsed_yaml(str(path), stat.st_mtime_ns, stat.st_size)
        else:
            text = path.read_text(encoding="utf-8")
            data = json.loads(text) if path.suffix == ".json" else resources.load_yaml(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise FixtureError(f"{path}: cannot be parsed: {exc}") from None
    return load_fixture_data(data, now, str(path))


# Parsing YAML is most of the time a server takes to load the built-in fixtures, and a reset or a
# new seller loads them again: a small file is parsed once per version of it (documents are
# built from a copy, so the parsed data is never changed). Large generated sets are JSON.
_PARSED_CACHE_MAX_BYTES = 2 * 1024 * 1024


@lru_cache(maxsize=64)
def _parsed_yaml(path: str, mtime_ns: int, size: int) -> Any:
    return resources.load_yaml(Path(path).read_text(encoding="utf-8"))


def load_fixture_data(data: Any, now: datetime, where: str, default_seller_id: str = DEFAULT_SELLER_ID) -> list[dict]:
    """The documents of one parsed fixture file (``{seller, orders}``); ``where`` names it in errors."""
    if not isinstance(data, dict) or not isinstance(data.get("orders"), list):
        raise FixtureError(f"{where}: expected a mapping with an 'orders' list")
    unknown = set(data) - {"seller", "orders"}
    if unknown:
        raise FixtureError(f"{where}: unknown top-level field(s): {', '.join(sorted(unknown))}")
    seller_id = data.get("seller") or default_seller_id
    if not isinstance(seller_id, str):
        raise FixtureError(f"{where}: field 'seller' must be a string")
    docs: list[dict] = []
    seen: set[str] = set()
    problems = _Problems()
    for n, record in enumerate(data["orders"]):
        with problems.collect():
            doc = build_document(record, seller_id, now, f"{where}: order #{n + 1}")
            order_id = doc["order"]["AmazonOrderId"]
            if order_id in seen:
                raise FixtureError(f"{where}: order {order_id}: AmazonOrderId appears twice")
            seen.add(order_id)
            docs.append(doc)
    problems.raise_any()
    return docs


def build_document(record: Any, seller_id: str, now: datetime, where: str) -> dict:
    """Check one fixture record and turn it into a store document."""
    if not isinstance(record, dict):
        raise FixtureError(f"{where}: expected a mapping with 'order' and 'items'")
    if isinstance(record.get("order"), dict) and record["order"].get("AmazonOrderId"):
        where = f"{where} ({record['order']['AmazonOrderId']})"
    unknown = set(record) - RECORD_KEYS
    if unknown:
        raise FixtureError(f"{where}: unknown field(s): {', '.join(sorted(unknown))}")
    # A copy with the dates resolved: the caller's parsed file stays as it was.
    record = _resolved_copy(record, now, where, ())
    order = record.get("order")
    items = record.get("items")
    if not isinstance(order, dict):
        raise FixtureError(f"{where}: field 'order' is missing or not a mapping")
    if not isinstance(items, list) or not items:
        raise FixtureError(f"{where}: field 'items' must be a non-empty list")
    for name in REQUIRED_ORDER_FIELDS:
        if order.get(name) in (None, ""):
            raise FixtureError(f"{where}: field order.{name} is required")
    order.setdefault("LastUpdateDate", order["PurchaseDate"])
    for name in DERIVED_ORDER_FIELDS:
        order.pop(name, None)

    problems = _Problems()
    with problems.collect():
        _validate(order, "Order", where, "order")
    for n, item in enumerate(items):
        with problems.collect():
            _validate(item, "OrderItem", where, f"items[{n}]")
    if record.get("address") is not None:
        with problems.collect():
            _validate({"AmazonOrderId": order["AmazonOrderId"], **record["address"]}, "OrderAddress", where, "address")
    if record.get("regulated") is not None:
        with problems.collect():
            _validate({"AmazonOrderId": order["AmazonOrderId"], **record["regulated"]}, "OrderRegulatedInfo", where, "regulated")
    problems.raise_any()
    _check_rules(order, items, where)
    cancellations = _cancellations(record.get("cancellations"), order, now, where)

    marketplace = MARKETPLACES[order["MarketplaceId"]]
    order.setdefault("SalesChannel", marketplace.sales_channel)
    for item in items:
        item["BuyerRequestedCancel"] = buyer_requested_cancel(item)
    shipped, unshipped = item_counts(items, order["OrderStatus"])
    order["NumberOfItemsShipped"] = shipped
    order["NumberOfItemsUnshipped"] = unshipped
    return {
        "seller_id": seller_id,
        "order": order,
        "items": items,
        "address": record.get("address") or {},
        "regulated": record.get("regulated"),
        "cancellations": cancellations,
        "history": [{"at": order["PurchaseDate"], "event": "Placed", "status": order["OrderStatus"]}],
    }


def _cancellations(given: Any, order: dict, now: datetime, where: str) -> list[dict]:
    """Who cancelled a fixture order and whether it counts against the seller (the cancellation
    rate reads this). By default a seller's cancellation counts unless it answered the buyer
    (BuyerCanceled); the buyer's and Amazon's do not."""
    if given is None:
        return []
    if not isinstance(given, list):
        raise FixtureError(f"{where}: field cancellations must be a list of {{by, reason, at}}")
    records = []
    for n, entry in enumerate(given):
        field = f"cancellations[{n}]"
        if not isinstance(entry, dict) or set(entry) - {"by", "reason", "at", "counts_against_seller"}:
            raise FixtureError(f"{where}: field {field}: expected {{by, reason, at, counts_against_seller}}")
        if entry.get("by") not in CANCELLED_BY:
            raise FixtureError(f"{where}: field {field}.by must be one of {', '.join(CANCELLED_BY)}")
        reason = entry.get("reason") or "BuyerCanceled"
        counts = entry.get("counts_against_seller", entry["by"] == "MERCHANT" and reason != "BuyerCanceled")
        if not isinstance(counts, bool):
            raise FixtureError(f"{where}: field {field}.counts_against_seller must be true or false")
        try:
            at = to_wire(parse_fixture_date(entry["at"], now)) if entry.get("at") else order["LastUpdateDate"]
        except ValueError as exc:
            raise FixtureError(f"{where}: field {field}.at: {exc}") from None
        records.append(
            {
                "at": at,
                "by": entry["by"],
                "reason": reason,
                "items": {},
                "answers_buyer_request": entry["by"] == "MERCHANT" and reason == "BuyerCanceled",
                "counts_against_seller": counts,
            }
        )
    return records


def _resolved_copy(value: Any, now: datetime, where: str, path: tuple) -> Any:
    """A copy of parsed fixture data with every date field resolved against ``now``.

    One pass that copies and resolves: loading a large generated set spends most of its time
    here, and the field's path is only spelt out when there is an error to name it in.
    """
    if isinstance(value, dict):
        copied = {}
        for key, inner in value.items():
            if key in DATE_FIELDS and isinstance(inner, str):
                try:
                    copied[key] = to_wire(parse_fixture_date(inner, now))
                except ValueError as exc:
                    raise FixtureError(f"{where}: field {_spelt(path + (key,))}: {exc} (or relative: now-3d4h)") from None
            elif isinstance(inner, dict | list):
                copied[key] = _resolved_copy(inner, now, where, path + (key,))
            else:
                copied[key] = inner
        return copied
    if isinstance(value, list):
        return [
            _resolved_copy(inner, now, where, path + (n,)) if isinstance(inner, dict | list) else inner
            for n, inner in enumerate(value)
        ]
    return value


def _spelt(path: tuple) -> str:
    """``("items", 0, "PromiseDate")`` as ``items[0].PromiseDate``."""
    spelt = ""
    for part in path:
        spelt += f"[{part}]" if isinstance(part, int) else (f".{part}" if spelt else part)
    return spelt


def _check_rules(order: dict, items: list[dict], where: str) -> None:
    order_id = order["AmazonOrderId"]
    if order["MarketplaceId"] not in MARKETPLACES:
        raise FixtureError(f"{where}: field order.MarketplaceId: unknown marketplace id '{order['MarketplaceId']}'")
    if order["LastUpdateDate"] < order["PurchaseDate"]:
        raise FixtureError(f"{where}: field order.LastUpdateDate is before order.PurchaseDate")
    parts = order_id.split("-")
    if len(parts) != 3 or [len(p) for p in parts] != [3, 7, 7] or not all(p.isdigit() for p in parts):
        raise FixtureError(f"{where}: field order.AmazonOrderId: '{order_id}' is not in 3-7-7 format")
    seen = set()
    for n, item in enumerate(items):
        if item["OrderItemId"] in seen:
            raise FixtureError(f"{where}: field items[{n}].OrderItemId: '{item['OrderItemId']}' appears twice")
        seen.add(item["OrderItemId"])
        if int(item.get("QuantityShipped") or 0) > int(item["QuantityOrdered"]):
            raise FixtureError(f"{where}: field items[{n}].QuantityShipped is larger than QuantityOrdered")
        flag = item.get("BuyerRequestedCancel") or {}
        if flag.get("IsBuyerRequestedCancel") not in (None, "true", "false"):
            raise FixtureError(
                f'{where}: field items[{n}].BuyerRequestedCancel.IsBuyerRequestedCancel must be the string "true" or "false"'
            )
        if flag.get("IsBuyerRequestedCancel") == "true" and not flag.get("BuyerCancelReason"):
            field = f"items[{n}].BuyerRequestedCancel.BuyerCancelReason"
            raise FixtureError(f'{where}: field {field} is required when IsBuyerRequestedCancel is "true"')


def _validate(value: dict, schema_name: str, where: str, prefix: str) -> None:
    # fastjsonschema compiles the schema to Python and checks a valid record quickly, which
    # keeps start-up short; jsonschema then explains a failure field by field.
    try:
        _compiled(schema_name)(value)
        return
    except fastjsonschema.JsonSchemaException:
        pass
    problems = []
    for error in sorted(_validator(schema_name).iter_errors(value), key=lambda e: list(e.absolute_path)):
        field = prefix + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        message = error.message
        if error.validator == "additionalProperties":
            for unknown in sorted(set(error.instance) - set(error.schema.get("properties", {}))):
                problems.append(
                    f"{where}: field {field}.{unknown}: unknown field (not a field of Amazon's model here; check the spelling)"
                )
            continue
        problems.append(f"{where}: field {field}: {message}")
    if problems:
        raise FixtureError("\n".join(problems))


@cache
def _compiled(schema_name: str):
    return fastjsonschema.compile({"$ref": f"#/components/schemas/{schema_name}", "components": {"schemas": _strict_schemas()}})


@cache
def _validator(schema_name: str) -> Draft4Validator:
    return Draft4Validator({"$ref": f"#/components/schemas/{schema_name}", "components": {"schemas": _strict_schemas()}})


@cache
def _strict_schemas() -> dict:
    return _strict(resources.openapi_spec("orders-v0.yaml")["components"]["schemas"])


def _strict(schema: Any) -> Any:
    """Refuse unknown fields in objects that declare their fields."""
    if isinstance(schema, dict):
        out = {key: _strict(value) for key, value in schema.items()}
        if out.get("type") == "object" and "properties" in out and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_strict(value) for value in schema]
    return schema
