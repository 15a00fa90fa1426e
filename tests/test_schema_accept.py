"""kernel/schema_accept: a quick check may only ever accept what jsonschema (Draft 4) accepts.

The oracle is jsonschema itself, over the Orders model's records (a generated set's, and each of
them broken field by field in every way a fixture file gets them wrong), and JSON Schema's own
rules for the cases a quick check is most likely to get wrong (a boolean is not an integer,
1.0 is not a Draft 4 integer, a keyword it does not check)."""

from __future__ import annotations

import copy
import json

import pytest
from jsonschema import Draft4Validator

from spapi_mock.kernel.schema_accept import accepting
from spapi_mock.marketplace import fixtures
from spapi_mock.tools.fixture_generator import generate_fixture_set

WRONG_VALUES = [None, 0, -1, 1.5, True, "", "x" * 300, [], [1], {}, {"Amount": 1}, "NotAnEnumMember"]


def broken_copies(value):
    """Copies of ``value`` with one field (at any depth) given each wrong value, taken away, or
    joined by one the model does not have."""
    if isinstance(value, dict):
        yield {**value, "NoSuchField": "x"}
        for key, inner in value.items():
            yield {k: v for k, v in value.items() if k != key}
            for wrong in WRONG_VALUES:
                yield {**value, key: wrong}
            for broken in broken_copies(inner):
                yield {**value, key: broken}
    elif isinstance(value, list):
        for n, inner in enumerate(value):
            for wrong in WRONG_VALUES:
                yield [*value[:n], wrong, *value[n + 1 :]]
            for broken in broken_copies(inner):
                yield [*value[:n], broken, *value[n + 1 :]]


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    out = tmp_path_factory.mktemp("accept")
    generate_fixture_set(out, 40, seed=7, sellers=1, progress=False, orders_per_file=40)
    (path,) = fixtures.fixture_files(out)
    return json.loads(path.read_text())["orders"]


def model(name: str) -> tuple[dict, Draft4Validator]:
    schemas = fixtures._strict_schemas()
    return schemas, Draft4Validator({"$ref": f"#/components/schemas/{name}", "components": {"schemas": schemas}})


@pytest.mark.parametrize("name", ["Order", "OrderItem"])
def test_what_the_quick_check_accepts_of_the_orders_model_jsonschema_accepts_too(records, name):
    schemas, validator = model(name)
    accepts = accepting({"$ref": f"#/components/schemas/{name}"}, schemas)
    assert accepts is not None, f"{name} should be checkable quickly"
    values = [record["order"] for record in records] if name == "Order" else [item for r in records for item in r["items"]]
    values = [copy.deepcopy(value) for value in values if validator.is_valid(value)]
    assert len(values) >= 20
    # The valid records are accepted quickly (the point of it) ...
    assert all(accepts(value) for value in values)
    # ... and no broken one is accepted that jsonschema refuses.
    checked = accepted_broken = 0
    for value in values[:8]:
        for broken in broken_copies(value):
            checked += 1
            if accepts(broken):
                accepted_broken += 1
                assert validator.is_valid(broken), broken
    assert checked > 2000 and accepted_broken < checked


SCHEMAS = {
    "Money": {
        "type": "object",
        "properties": {"CurrencyCode": {"type": "string", "maxLength": 3}, "Amount": {"type": "string"}},
        "additionalProperties": False,
    },
    "Node": {
        "type": "object",
        "required": ["name"],
        "properties": {"name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}},
    },
}


@pytest.mark.parametrize(
    ("schema", "value", "quick"),
    [
        ({"type": "integer"}, 3, True),
        ({"type": "integer"}, True, False),  # a boolean is not an integer in JSON
        ({"type": "integer"}, 3.0, False),  # nor, in Draft 4, is 3.0: the validator decides
        ({"type": "number", "minimum": 1, "maximum": 2}, 1.5, True),
        ({"type": "number", "minimum": 1}, 0.5, False),
        ({"type": "string", "enum": ["Shipped", "Unshipped"]}, "Shipped", True),
        ({"type": "string", "enum": ["Shipped", "Unshipped"]}, "Sent", False),
        ({"type": "string", "minLength": 2, "maxLength": 3}, "abcd", False),
        ({"type": "array", "items": {"type": "string"}, "maxItems": 1}, ["a", "b"], False),
        ({"$ref": "#/components/schemas/Money"}, {"CurrencyCode": "USD", "Amount": "1.00"}, True),
        ({"$ref": "#/components/schemas/Money"}, {"CurrencyCode": "USD", "Amount": "1.00", "Other": 1}, False),
        ({"$ref": "#/components/schemas/Money"}, {"CurrencyCode": "USDX"}, False),
        ({"$ref": "#/components/schemas/Node"}, {"name": "a", "children": [{"name": "b", "children": []}]}, True),
        ({"$ref": "#/components/schemas/Node"}, {"name": "a", "children": [{"children": []}]}, False),
        ({"type": "string", "description": "annotations are not checked", "x-example": 1}, "a", True),
    ],
)
def test_json_schema_rules(schema, value, quick):
    accepts = accepting(schema, SCHEMAS)
    assert accepts is not None
    assert accepts(value) is quick
    assert Draft4Validator({**schema, "components": {"schemas": SCHEMAS}}).is_valid(value) is quick


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "pattern": "^[0-9]+$"},
        {"type": "string", "format": "email"},  # jsonschema's format checker reads it
        {"type": "integer", "minimum": 0, "exclusiveMinimum": True},
        {"allOf": [{"type": "string"}]},
        {"type": "array", "uniqueItems": True},
        {"type": ["string", "null"]},
        {"type": "object", "additionalProperties": {"type": "string"}},
        {"$ref": "#/components/schemas/Missing"},
        {"$ref": "other.json#/Money"},
    ],
)
def test_a_schema_with_what_it_does_not_check_is_left_to_the_validator(schema):
    assert accepting(schema, SCHEMAS) is None
