"""Our OpenAPI documents are valid, and the Orders v0 one says what Amazon's model says."""

from __future__ import annotations

import pytest
import yaml
from openapi_spec_validator import validate

from support import PROJECT_ROOT
from support.reference import reference_model

OPENAPI = PROJECT_ROOT / "openapi"


def load(name: str) -> dict:
    return yaml.safe_load((OPENAPI / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(path.name for path in OPENAPI.glob("*.yaml")))
def test_spec_is_valid_openapi(name):
    """Every spec we serve, by openapi-spec-validator and by Connexion's own check (which the
    server skips for its packaged specs, to start faster)."""
    from connexion.spec import OpenAPISpecification

    validate(load(name))
    OpenAPISpecification._validate_spec(load(name))


def operations(paths: dict) -> dict[tuple[str, str], dict]:
    return {(path, method): op for path, item in paths.items() for method, op in item.items() if method != "parameters"}


def test_every_path_method_and_operation_id_is_amazons():
    ours = operations(load("orders-v0.yaml")["paths"])
    amazon = operations(reference_model()["paths"])
    assert set(ours) == set(amazon)
    for key, op in ours.items():
        assert op["operationId"] == amazon[key]["operationId"]


def test_parameters_match_amazons_names_locations_and_requirements():
    ours = operations(load("orders-v0.yaml")["paths"])
    amazon = operations(reference_model()["paths"])
    for key, op in ours.items():
        mine = {(p["name"], p["in"], p["required"]) for p in op.get("parameters", [])}
        theirs = {(p["name"], p["in"], bool(p.get("required"))) for p in amazon[key]["parameters"] if p["in"] != "body"}
        assert mine == theirs, key
        for param in op.get("parameters", []):
            if param["schema"]["type"] == "array":
                assert param["style"] == "form" and param["explode"] is False, (key, param["name"])
        has_body = any(p["in"] == "body" for p in amazon[key]["parameters"])
        assert ("requestBody" in op) == has_body, key


def test_usage_plans_match_the_rates_amazon_documents():
    ours = operations(load("orders-v0.yaml")["paths"])
    amazon = operations(reference_model()["paths"])
    for key, op in ours.items():
        plan = op["x-spapi-mock-usage-plan"]
        assert f"| {plan['rate']} | {plan['burst']} |" in amazon[key]["description"], key


def _shape(schema: dict) -> dict:
    """Property names, types, enums and requirements of a schema, $refs named not followed."""
    out = {}
    for name, prop in (schema.get("properties") or {}).items():
        out[name] = (
            prop.get("type"),
            prop.get("$ref", "").rsplit("/", 1)[-1],
            tuple(prop.get("enum", ())),
            tuple(sorted((prop.get("items") or {}).items(), key=str)),
        )
    return {
        "required": tuple(sorted(schema.get("required", ()))),
        "type": schema.get("type"),
        "enum": tuple(schema.get("enum", ())),
        "properties": out,
    }


def test_every_schema_has_amazons_fields_types_and_enums():
    ours = load("orders-v0.yaml")["components"]["schemas"]
    amazon = reference_model()["definitions"]
    assert set(ours) == set(amazon)
    for name, schema in amazon.items():
        mine = _shape(ours[name])
        theirs = _shape(schema)
        mine_props = {
            k: (t, r, e, tuple((a, str(b).replace("#/components/schemas/", "#/definitions/")) for a, b in i))
            for k, (t, r, e, i) in mine["properties"].items()
        }
        theirs_props = {k: (t, r, e, tuple((a, str(b)) for a, b in i)) for k, (t, r, e, i) in theirs["properties"].items()}
        assert mine_props == theirs_props, name
        assert (mine["required"], mine["type"], mine["enum"]) == (theirs["required"], theirs["type"], theirs["enum"]), name


def test_the_access_token_header_is_the_security_scheme():
    spec = load("orders-v0.yaml")
    scheme = spec["components"]["securitySchemes"]["LwaAccessToken"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "x-amz-access-token")
    assert spec["security"] == [{"LwaAccessToken": []}]
