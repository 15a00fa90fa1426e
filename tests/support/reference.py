"""Amazon's own published models as a test oracle.

Every 200 body the tests receive is validated against the response schema Amazon's model of
the API version gives the operation (``ordersV0.json``, or ``orders_2026-01-01.json`` for paths
under /orders/2026-01-01/), so a field our spec gets wrong cannot hide behind it.
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from pathlib import Path

import pytest
from jsonschema import Draft4Validator

from support import PROJECT_ROOT

ORDERS_V0 = "ordersV0.json"
ORDERS_2026 = "orders_2026-01-01.json"
FEEDS = "feeds_2021-06-30.json"
REPORTS = "reports_2021-06-30.json"
NOTIFICATIONS = "notifications.json"
FINANCES_V0 = "financesV0.json"
FINANCES_2024 = "finances_2024-06-19.json"
SELLERS = "sellers.json"
REFERENCE_DIR = Path(os.environ.get("SPAPI_MOCK_REFERENCE_DIR", PROJECT_ROOT.parent / "shared" / "reference"))


def reference_model(name: str = ORDERS_V0) -> dict:
    """Amazon's model; in a test without it, the test is skipped (outside CI)."""
    model = reference_model_if_present(name)
    if model is None:
        pytest.skip(missing_reason(name))
    return model


def reference_model_if_present(name: str = ORDERS_V0) -> dict | None:
    """Amazon's model, or None outside CI when this clone has no shared/ beside it: for code
    that runs while tests are collected, where a skip would end the whole run."""
    path = REFERENCE_DIR / name
    if not path.exists():
        # CI always has shared/ beside the clone: there a missing oracle is a failure.
        if os.environ.get("SPAPI_MOCK_REQUIRE_REFERENCE") or os.environ.get("CI"):
            raise FileNotFoundError(f"Amazon's reference model {path} is required (SPAPI_MOCK_REQUIRE_REFERENCE is set)")
        return None
    return _load(str(path))


def missing_reason(name: str = ORDERS_V0) -> str:
    return f"Amazon's reference model not found at {REFERENCE_DIR / name} (set SPAPI_MOCK_REFERENCE_DIR)"


@cache
def _load(path: str) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def model_for(path: str) -> str:
    """The reference model of the API version a request path belongs to."""
    if path.startswith("/feeds/2021-06-30/"):
        return FEEDS
    if path.startswith("/reports/2021-06-30/"):
        return REPORTS
    if path.startswith("/notifications/v1/"):
        return NOTIFICATIONS
    if path.startswith("/finances/v0/"):
        return FINANCES_V0
    if path.startswith("/finances/2024-06-19/"):
        return FINANCES_2024
    if path.startswith("/sellers/v1/"):
        return SELLERS
    return ORDERS_2026 if path.startswith("/orders/2026-01-01/") else ORDERS_V0


@cache
def _routes(model_name: str = ORDERS_V0) -> list[tuple[str, re.Pattern, dict]]:
    model = reference_model(model_name)
    routes = []
    for template, item in model["paths"].items():
        pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")
        for method, operation in item.items():
            if method not in ("get", "put", "post", "delete", "patch"):
                continue  # a path's own keys: parameters, Notifications' x-amzn-api-sandbox-only
            routes.append((method.upper(), pattern, operation))
    # Literal segments beat placeholders: /orderItems/buyerInfo before /orderItems.
    routes.sort(key=lambda r: -len(r[1].pattern))
    return routes


def operation_for(method: str, path: str) -> dict | None:
    for route_method, pattern, operation in _routes(model_for(path)):
        if route_method == method.upper() and pattern.match(path):
            return operation
    return None


def validator_for(definition: str, model_name: str = ORDERS_V0) -> Draft4Validator:
    model = reference_model(model_name)
    return Draft4Validator({"$ref": f"#/definitions/{definition}", "definitions": model["definitions"]})


def assert_valid_response(method: str, path: str, status: int, body) -> None:
    """Fail unless ``body`` is what Amazon's model says this operation answers with ``status``."""
    operation = operation_for(method, path)
    assert operation is not None, f"{method} {path} is not an operation of Amazon's model"
    response = operation["responses"].get(str(status))
    assert response is not None, f"Amazon's model has no {status} response for {operation['operationId']}"
    schema = response.get("schema")
    if schema is None:
        return
    definition = schema["$ref"].rsplit("/", 1)[-1]
    errors = sorted(validator_for(definition, model_for(path)).iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, f"{operation['operationId']} {status} body breaks Amazon's {definition}: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]
    )


def operations(paths: dict, prefix: str = "") -> dict[tuple[str, str], dict]:
    """(path, method) → operation, of a model's or our spec's ``paths`` (under ``prefix``)."""
    return {(prefix + path, method): op for path, item in paths.items() for method, op in item.items() if method != "parameters"}


def our_operations(spec: dict) -> dict[tuple[str, str], dict]:
    """Our spec's operations by Amazon's full path: ours hang under the server URL, so that each
    API has a base path of its own."""
    (server,) = spec["servers"]
    return operations(spec["paths"], server["url"])
