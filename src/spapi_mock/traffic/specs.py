"""What the server reads from our OpenAPI documents beyond routing: each SP-API operation's
name (throttling, faults and the journal key on it) and Amazon's usage plan for it."""

from __future__ import annotations

import functools

from spapi_mock.kernel import resources
from spapi_mock.traffic.throttling import UsagePlan

ORDERS_V0_SPEC = "orders-v0.yaml"
ORDERS_2026_SPEC = "orders-2026-01-01.yaml"
TOKENS_SPEC = "tokens-2021-03-01.yaml"
FEEDS_SPEC = "feeds-2021-06-30.yaml"
REPORTS_SPEC = "reports-2021-06-30.yaml"
LWA_SPEC = "lwa.yaml"
CONTROL_SPEC = "control.yaml"
# The SP-API specs: throttled, faultable and journalled alike.
SP_API_SPECS = (ORDERS_V0_SPEC, ORDERS_2026_SPEC, TOKENS_SPEC, FEEDS_SPEC, REPORTS_SPEC)


@functools.cache
def operation_names() -> dict[tuple[str, str], str]:
    """(API base path, operationId) → the name throttling, faults and the journal use.

    It is the operationId, unless an API listed earlier has one of the same name: Orders v0 and
    v2026-01-01 both have getOrder, so the second is ``getOrder@2026-01-01``.
    """
    names: dict[tuple[str, str], str] = {}
    for spec_name in (*SP_API_SPECS, LWA_SPEC):
        spec = resources.openapi_spec(spec_name)
        base = spec["servers"][0]["url"].rstrip("/")
        for path_item in spec["paths"].values():
            for operation in path_item.values():
                if isinstance(operation, dict) and "operationId" in operation:
                    operation_id = operation["operationId"]
                    taken = operation_id in names.values()
                    names[(base, operation_id)] = f"{operation_id}@{base.rsplit('/', 1)[-1]}" if taken else operation_id
    return names


@functools.cache
def usage_plans() -> dict[str, UsagePlan]:
    """Operation name → Amazon's usage plan for it, read from our specs."""
    plans = {}
    for spec_name in SP_API_SPECS:
        spec = resources.openapi_spec(spec_name)
        base = spec["servers"][0]["url"].rstrip("/")
        for path_item in spec["paths"].values():
            for operation in path_item.values():
                if isinstance(operation, dict) and "x-spapi-mock-usage-plan" in operation:
                    name = operation_names()[(base, operation["operationId"])]
                    plans[name] = UsagePlan.from_spec(operation["x-spapi-mock-usage-plan"])
    return plans
