"""The control plane is declared once (``control/operations.py``): these tests hold the
declarations against ``openapi/control.yaml`` and against the code derived from them, so that
neither side can change alone, and the vocabularies (fault statuses, actions, modes, seeds)
cannot drift between the spec, the server and the command line."""

from __future__ import annotations

import argparse
import inspect

import pytest

from spapi_mock.control import HttpControl, LocalControl, actions, commands
from spapi_mock.control import cli as control_cli
from spapi_mock.control.client import signature
from spapi_mock.control.operations import OPERATIONS, Operation
from spapi_mock.domain import sellers
from spapi_mock.kernel import resources
from spapi_mock.traffic import faults, throttling
from spapi_mock.traffic.specs import CONTROL_SPEC

SPEC = resources.openapi_spec(CONTROL_SPEC)
SCHEMAS = SPEC["components"]["schemas"]
HTTP_METHODS = ("get", "put", "post", "delete", "patch")


def spec_operations() -> dict[str, tuple[str, str, dict]]:
    """operationId → (METHOD, path, operation) of control.yaml."""
    found = {}
    for path, item in SPEC["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                found[item[method]["operationId"]] = (method.upper(), path, item[method])
    return found


def resolve(node: dict) -> dict:
    while "$ref" in node:
        section, name = node["$ref"].split("/")[-2:]
        node = SPEC["components"][section][name]
    return node


def declared(where: str, operation: Operation) -> set[str]:
    return {param.wire for param in operation.params if param.where == where}


def test_every_operation_of_the_spec_is_declared_and_every_declaration_is_in_the_spec():
    in_spec = {op_id: (method, path) for op_id, (method, path, _) in spec_operations().items()}
    in_code = {op.operation_id: (op.method, op.path) for op in OPERATIONS}
    assert in_code == in_spec


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.operation_id)
def test_parameters_travel_where_the_spec_says(operation):
    _, _, spec = spec_operations()[operation.operation_id]
    parameters = [resolve(p) for p in spec.get("parameters", [])]
    assert declared("path", operation) == {p["name"] for p in parameters if p["in"] == "path"}
    assert declared("query", operation) == {p["name"] for p in parameters if p["in"] == "query"}
    body = spec.get("requestBody")
    takes_body = [param for param in operation.params if param.where in ("body", "field", "rest")]
    assert bool(body) == bool(takes_body), "a request body is declared on one side only"
    if not body:
        return
    whole = [param for param in takes_body if param.where == "body"]
    # A call with rest fields always sends them as an object, like a call with a required part.
    assert body.get("required", False) == any(param.required or param.where == "rest" for param in takes_body)
    schema = resolve(body["content"]["application/json"]["schema"])
    if whole:
        assert len(takes_body) == 1, "a whole body is the only thing in the body"
        return
    properties = set(schema.get("properties", {}))
    fields = declared("field", operation)
    if any(param.where == "rest" for param in takes_body):
        # The other fields are the call's own (an action's arguments, a fault's parts).
        assert fields <= properties
    else:
        assert fields == properties
    required = {param.wire for param in takes_body if param.where == "field" and param.required}
    assert required == set(schema.get("required", []))


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.operation_id)
def test_the_status_answered_is_the_spec_success_and_the_media_type_its_content(operation):
    _, _, spec = spec_operations()[operation.operation_id]
    successes = {int(status) for status in spec["responses"] if str(status).startswith("2")}
    assert successes == {operation.status}
    content = resolve(spec["responses"][str(operation.status)]).get("content", {})
    assert set(content) == {operation.media_type or "application/json"}


def shape(function) -> list[tuple]:
    """A method's parameters after self: name, kind and default (annotations aside)."""
    return [(p.name, p.kind, p.default) for p in list(inspect.signature(function).parameters.values())[1:]]


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.operation_id)
def test_the_service_and_the_http_client_have_the_declared_signature(operation):
    expected = [(p.name, p.kind, p.default) for p in list(signature(operation).parameters.values())[1:]]
    assert shape(getattr(LocalControl, operation.service)) == expected
    if operation.media_type is None:
        assert shape(getattr(HttpControl, operation.service)) == expected


def test_the_vocabularies_are_the_ones_the_spec_enumerates():
    fault = SCHEMAS["NewFault"]["properties"]
    assert fault["status"]["enum"] == list(faults.ERROR_STATUSES)
    assert fault["body"]["enum"] == list(faults.BODIES)
    assert SCHEMAS["ActionRequest"]["properties"]["action"]["enum"] == list(actions.ACTIONS)
    assert SCHEMAS["NewSeller"]["properties"]["seed"]["enum"] == list(sellers.SEEDS)
    set_mode = resolve(spec_operations()["setThrottling"][2]["requestBody"]["content"]["application/json"]["schema"])
    assert set_mode["properties"]["mode"]["enum"] == list(throttling.MODES)
    shown = SPEC["components"]["responses"]["Throttling"]["content"]["application/json"]["schema"]
    assert shown["properties"]["mode"]["enum"] == list(throttling.MODES)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="spapi-mock")
    control_cli.add_commands(top.add_subparsers(dest="command", required=True))
    return top


def choices(argv: list[str], option: str) -> list:
    """The choices the command line offers for an option of the command ``argv`` names."""
    top = parser()
    sub = top
    for word in argv:
        action = next(a for a in sub._actions if isinstance(a, argparse._SubParsersAction))
        sub = action.choices[word]
    return list(next(a for a in sub._actions if option in a.option_strings).choices)


def test_the_command_line_offers_the_same_vocabularies():
    assert choices(["fault", "add"], "--status") == list(faults.ERROR_STATUSES)
    assert choices(["fault", "add"], "--body") == list(faults.BODIES)
    assert choices(["seller", "create"], "--seed") == list(sellers.SEEDS)


@pytest.mark.parametrize(
    ("argv", "operation_id", "call"),
    [
        (["clock"], "getClock", {}),
        (["clock", "advance", "31m"], "advanceClock", {"by": "31m"}),
        (["clock", "freeze"], "freezeClock", {"at": None}),
        (["throttling", "scaled", "0.5"], "setThrottling", {"mode": "scaled", "factor": 0.5}),
        (["throttling"], "getThrottling", {}),
        (["auth", "lenient"], "setAuth", {"strict": False}),
        (["fault", "clear"], "clearFaults", {"seller_id": None}),
        (["fault", "clear", "fault-3"], "deleteFault", {"fault_id": "fault-3"}),
        (
            ["journal", "--operation", "getOrders"],
            "getJournal",
            {"operation": "getOrders", "order_id": None, "seller_id": None, "limit": None},
        ),
        (["journal", "--clear"], "clearJournal", {"operation": None, "order_id": None, "seller_id": None}),
        (["scenario", "run", "out-of-stock", "--seller", "S1"], "runScenario", {"name": "out-of-stock", "seller_id": "S1"}),
        (["reset", "--seller", "S1"], "resetStore", {"seller_id": "S1"}),
        (
            ["seller", "create", "S2", "--seed", "empty"],
            "createSeller",
            {"seller_id": "S2", "seed": "empty", "refresh_token": None, "marketplace_ids": None},
        ),
        (
            ["seller", "create", "S3", "--marketplace", "A1PA6795UKMFR9", "--marketplace", "ATVPDKIKX0DER"],
            "createSeller",
            {"seller_id": "S3", "seed": "default", "refresh_token": None, "marketplace_ids": ["A1PA6795UKMFR9", "ATVPDKIKX0DER"]},
        ),
        (
            ["order", "apply", "111-1", "seller_cancel", "reason=NoInventory"],
            "applyAction",
            {"order_id": "111-1", "action": "seller_cancel", "seller_id": None, "reason": "NoInventory"},
        ),
        (["health"], "getHealth", {}),
    ],
)
def test_each_command_line_calls_its_declared_operation(argv, operation_id, call):
    args = parser().parse_args(argv)
    operation, command = control_cli._chosen(args)
    assert operation.operation_id == operation_id
    assert (command.call(args) if command.call else control_cli._default_call(operation, args)) == call


def test_every_command_of_a_declaration_parses():
    top = parser()
    for operation in OPERATIONS:
        for command in operation.commands:
            argv = list(command.words)
            # Fill the positional arguments with placeholders of the right type.
            for arg in command.args:
                if not arg.flags[0].startswith("-") and arg.options.get("nargs") not in ("?", "*"):
                    argv.append("x")
            args = top.parse_args(argv)
            assert control_cli.is_control_command(args)


def test_every_command_has_a_summary_and_every_summary_a_command():
    """Summaries are chosen by operationId, apart from the declarations: an operation given a
    command without one would print raw JSON, and a renamed operation would leave its summary behind."""
    with_commands = {operation.operation_id for operation in OPERATIONS if operation.commands}
    assert set(commands.SUMMARIES) == with_commands
