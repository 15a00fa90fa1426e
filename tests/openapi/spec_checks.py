"""The checks every SP-API document of ours is held to against Amazon's model, field by field.

A module collects them with ``from spec_checks import *`` and its own ``ours``, ``amazon`` and
``api`` fixtures (our document, Amazon's model, and (file, model, usage plans, what the
description must say)): test_job_api_specs for Feeds and Reports, and one module per later API.
"""

from __future__ import annotations

from openapi_spec_validator import validate

from support.reference import operations, our_operations

__all__ = [
    "test_spec_is_valid_openapi",
    "test_every_path_method_and_operation_id_is_amazons",
    "test_parameters_match_amazons_names_locations_types_limits_and_enums",
    "test_usage_plans_match_the_rates_amazon_documents",
    "test_every_response_amazon_lists_is_ours_with_its_schema_and_headers",
    "test_every_schema_has_amazons_fields_types_limits_and_enums",
    "test_the_description_says_how_the_mock_runs_the_api",
]


def test_spec_is_valid_openapi(ours):
    validate(ours)


def test_every_path_method_and_operation_id_is_amazons(ours, amazon):
    mine, theirs = our_operations(ours), operations(amazon["paths"])
    assert set(mine) == set(theirs)
    assert {key: op["operationId"] for key, op in mine.items()} == {key: op["operationId"] for key, op in theirs.items()}


def test_parameters_match_amazons_names_locations_types_limits_and_enums(ours, amazon):
    theirs = operations(amazon["paths"])
    for key, op in our_operations(ours).items():
        mine = {p["name"]: p for p in op.get("parameters", [])}
        model = {p["name"]: p for p in theirs[key]["parameters"] if p["in"] != "body"}
        assert {(n, p["in"], p["required"]) for n, p in mine.items()} == {
            (n, p["in"], bool(p.get("required"))) for n, p in model.items()
        }, key
        for name, param in mine.items():
            schema, amazons = param["schema"], model[name]
            assert schema["type"] == amazons["type"], (key, name)
            for limit in ("minimum", "maximum", "minItems", "maxItems", "format"):
                if limit == "format" and amazons.get(limit) == "date-time" and "format" not in schema:
                    # Looser on purpose: a date alone is taken as its midnight UTC, as Amazon's
                    # own examples send it (listTransactions' postedAfter "2023-01-12").
                    continue
                assert schema.get(limit) == amazons.get(limit), (key, name, limit)
            if amazons["type"] == "array":
                assert (param["style"], param["explode"]) == ("form", False), (key, name)
                assert schema["items"].get("enum") == amazons["items"].get("enum"), (key, name)
        body = [p for p in theirs[key]["parameters"] if p["in"] == "body"]
        if body:
            ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
            assert op["requestBody"]["required"] and ref == body[0]["schema"]["$ref"].rsplit("/", 1)[-1], key
        else:
            assert "requestBody" not in op, key


def test_usage_plans_match_the_rates_amazon_documents(ours, amazon, api):
    theirs = operations(amazon["paths"])
    plans = {}
    for key, op in our_operations(ours).items():
        plan = op["x-spapi-mock-usage-plan"]
        assert f"| {plan['rate']} | {plan['burst']} |" in theirs[key]["description"], key
        plans[op["operationId"]] = (plan["rate"], plan["burst"])
    assert plans == api[2]


def test_every_response_amazon_lists_is_ours_with_its_schema_and_headers(ours, amazon):
    theirs = operations(amazon["paths"])
    for key, op in our_operations(ours).items():
        assert set(op["responses"]) == set(theirs[key]["responses"]), key
        for status, response in op["responses"].items():
            model = theirs[key]["responses"][status]
            assert set(response["headers"]) == set(model.get("headers") or {}), (key, status)
            if "schema" not in model:
                assert "content" not in response, (key, status)
                continue
            mine = response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
            assert mine == model["schema"]["$ref"].rsplit("/", 1)[-1], (key, status)


def _shape(schema: dict) -> dict:
    def ref(value: dict) -> str:
        return value.get("$ref", "").rsplit("/", 1)[-1]

    return {
        "type": schema.get("type"),
        "required": tuple(sorted(schema.get("required", ()))),
        "enum": tuple(schema.get("enum", ())),
        "items": ref(schema.get("items") or {}),
        "additionalProperties": schema.get("additionalProperties"),
        "properties": {
            name: (
                prop.get("type"),
                prop.get("format"),
                ref(prop),
                tuple(prop.get("enum", ())),
                (prop.get("items") or {}).get("type"),
                ref(prop.get("items") or {}),
                prop.get("minItems"),
                prop.get("maxItems"),
            )
            for name, prop in (schema.get("properties") or {}).items()
        },
    }


def test_every_schema_has_amazons_fields_types_limits_and_enums(ours, amazon):
    mine, theirs = ours["components"]["schemas"], amazon["definitions"]
    assert set(mine) == set(theirs)
    for name, schema in theirs.items():
        assert _shape(mine[name]) == _shape(schema), name


def test_the_description_says_how_the_mock_runs_the_api(ours, api):
    text = " ".join(ours["info"]["description"].split())
    for decision in api[3]:
        assert decision in text, decision
