"""What the server reads from our OpenAPI documents beyond routing: each SP-API operation's
name (throttling, faults and the journal key on it) and Amazon's usage plan for it.

One rule names operations everywhere (README, "Naming operations"): an operation is its
operationId, and ``operationId@version`` is that operation in one API version, the version as
Amazon's model and the URL write it (``getOrder@v0``, ``getOrder@2026-01-01``). A name without
a version covers the operation in every version that has it; with one, in that version only.
Where the mock writes a name for one operation (throttling, the request log, the rate-limit
header's key) it writes the operationId alone when no other version has it, else the full name,
so every name it writes selects exactly that operation when given back.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

from spapi_mock.kernel import resources
from spapi_mock.traffic.throttling import UsagePlan

ORDERS_V0_SPEC = "orders-v0.yaml"
ORDERS_2026_SPEC = "orders-2026-01-01.yaml"
TOKENS_SPEC = "tokens-2021-03-01.yaml"
FEEDS_SPEC = "feeds-2021-06-30.yaml"
REPORTS_SPEC = "reports-2021-06-30.yaml"
NOTIFICATIONS_SPEC = "notifications-v1.yaml"
SELLERS_SPEC = "sellers-v1.yaml"
FINANCES_V0_SPEC = "finances-v0.yaml"
FINANCES_2024_SPEC = "finances-2024-06-19.yaml"
LWA_SPEC = "lwa.yaml"
CONTROL_SPEC = "control.yaml"
# The SP-API specs: throttled, faultable and journalled alike.
SP_API_SPECS = (
    ORDERS_V0_SPEC,
    ORDERS_2026_SPEC,
    TOKENS_SPEC,
    FEEDS_SPEC,
    REPORTS_SPEC,
    NOTIFICATIONS_SPEC,
    SELLERS_SPEC,
    FINANCES_V0_SPEC,
    FINANCES_2024_SPEC,
)


class OperationName(NamedTuple):
    """An operation as a name selects it: its operationId, and its API version or None (a name
    given without one covers every version; the LWA token endpoint has none)."""

    operation_id: str
    version: str | None = None

    @classmethod
    def parse(cls, text: str) -> OperationName:
        operation_id, _, version = text.partition("@")
        return cls(operation_id, version or None)

    def covers(self, operation: OperationName) -> bool:
        return self.operation_id == operation.operation_id and self.version in (None, operation.version)

    def __str__(self) -> str:
        return f"{self.operation_id}@{self.version}" if self.version else self.operation_id


@functools.cache
def operations() -> dict[tuple[str, str], OperationName]:
    """(API base path, operationId) → the operation with its version (``info.version`` of our
    spec, which is Amazon's: ``v0``, ``2026-01-01``; none for the LWA token endpoint)."""
    found: dict[tuple[str, str], OperationName] = {}
    for spec_name in (*SP_API_SPECS, LWA_SPEC):
        spec = resources.openapi_spec(spec_name)
        base = spec["servers"][0]["url"].rstrip("/")
        version = None if spec_name == LWA_SPEC else str(spec["info"]["version"])
        for path_item in spec["paths"].values():
            for spec_operation in path_item.values():
                if isinstance(spec_operation, dict) and "operationId" in spec_operation:
                    found[(base, spec_operation["operationId"])] = OperationName(spec_operation["operationId"], version)
    return found


@functools.cache
def operation_names() -> dict[tuple[str, str], str]:
    """(API base path, operationId) → the name the mock writes for it: the operationId, or
    ``operationId@version`` where another API version has the same operationId."""
    every = operations().values()
    shared = {op.operation_id for op in every if sum(other.operation_id == op.operation_id for other in every) > 1}
    return {key: str(op) if op.operation_id in shared else op.operation_id for key, op in operations().items()}


@functools.cache
def _by_written_name() -> dict[str, OperationName]:
    return {operation_names()[key]: op for key, op in operations().items()}


def operation(name: str) -> OperationName:
    """The operation a name the mock wrote stands for (an unknown one, as given)."""
    return _by_written_name().get(name) or OperationName.parse(name)


def names_an_operation(name: str) -> bool:
    """Whether a name given by a user covers at least one of the mock's operations."""
    given = OperationName.parse(name)
    return any(given.covers(op) for op in operations().values())


@functools.cache
def usage_plans() -> dict[str, UsagePlan]:
    """Operation name → Amazon's usage plan for it, read from our specs."""
    plans = {}
    for spec_name in SP_API_SPECS:
        spec = resources.openapi_spec(spec_name)
        base = spec["servers"][0]["url"].rstrip("/")
        for path_item in spec["paths"].values():
            for spec_operation in path_item.values():
                if isinstance(spec_operation, dict) and "x-spapi-mock-usage-plan" in spec_operation:
                    name = operation_names()[(base, spec_operation["operationId"])]
                    plans[name] = UsagePlan.from_spec(spec_operation["x-spapi-mock-usage-plan"])
    return plans
