"""Our Orders v2026-01-01 document is valid OpenAPI and says what Amazon's model says."""

from __future__ import annotations

import pytest
import yaml
from openapi_spec_validator import validate
from spec_checks import test_every_schema_has_amazons_fields_types_limits_and_enums  # noqa: F401 - collected here

from support import PROJECT_ROOT
from support.reference import ORDERS_2026, operations, our_operations, reference_model

SPEC = PROJECT_ROOT / "openapi" / "orders-2026-01-01.yaml"


@pytest.fixture(scope="module")
def ours() -> dict:
    return yaml.safe_load(SPEC.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def amazon() -> dict:
    return reference_model(ORDERS_2026)


def resolved(spec: dict, parameter: dict) -> dict:
    if "$ref" in parameter:
        return spec["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[-1]]
    return parameter


def test_spec_is_valid_openapi(ours):
    validate(ours)


def test_every_path_method_and_operation_id_is_amazons(ours, amazon):
    mine, theirs = our_operations(ours), operations(amazon["paths"])
    assert set(mine) == set(theirs)
    for key, op in mine.items():
        assert op["operationId"] == theirs[key]["operationId"]


def test_parameters_match_amazons_names_locations_requirements_and_enums(ours, amazon):
    theirs = operations(amazon["paths"])
    for key, op in our_operations(ours).items():
        mine = {p["name"]: p for p in (resolved(ours, p) for p in op["parameters"])}
        model = {p["name"]: p for p in theirs[key]["parameters"]}
        assert {(n, p["in"], p["required"]) for n, p in mine.items()} == {
            (n, p["in"], bool(p.get("required"))) for n, p in model.items()
        }, key
        for name, param in mine.items():
            assert param["schema"]["type"] == model[name]["type"], (key, name)
            if model[name]["type"] == "array":
                # Amazon's arrays are comma-separated (Swagger 2's csv).
                assert (param["style"], param["explode"]) == ("form", False), (key, name)
                assert param["schema"]["items"].get("enum") == model[name]["items"].get("enum"), (key, name)
                assert param["schema"].get("maxItems") == model[name].get("maxItems"), (key, name)


def test_usage_plans_match_the_rates_amazon_documents(ours, amazon):
    theirs = operations(amazon["paths"])
    plans = {}
    for key, op in our_operations(ours).items():
        plan = op["x-spapi-mock-usage-plan"]
        assert f"| {plan['rate']} | {plan['burst']} |" in theirs[key]["description"], key
        plans[op["operationId"]] = (plan["rate"], plan["burst"])
    assert plans == {"searchOrders": ("0.0056", 20), "getOrder": ("0.5", 30)}


def test_every_response_amazon_lists_is_ours_with_its_schema(ours, amazon):
    theirs = operations(amazon["paths"])
    for key, op in our_operations(ours).items():
        assert set(op["responses"]) == set(theirs[key]["responses"]), key
        for status, response in op["responses"].items():
            mine = response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
            assert mine == theirs[key]["responses"][status]["schema"]["$ref"].rsplit("/", 1)[-1], (key, status)


def test_the_access_token_header_is_the_security_scheme(ours):
    scheme = ours["components"]["securitySchemes"]["LwaAccessToken"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "x-amz-access-token")
    assert ours["security"] == [{"LwaAccessToken": []}]


def test_the_description_writes_down_the_mappings_amazons_model_leaves_open(ours):
    text = " ".join(ours["info"]["description"].split())
    for decision in (
        "InvoiceUnconfirmed -> SHIPPED",
        "Canceled -> CANCELLED",
        "cancellationRequest {requester: BUYER, cancelReason}",
        "cancellationExecution {cancelledBy, cancelReason}",
        "proceeds.grandTotal is v0's OrderTotal",
        "PICKUP_POINT",
        "24 hours",
    ):
        assert decision in text, decision
