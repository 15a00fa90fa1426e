"""Control plane handlers (``openapi/control.yaml``), made from the declarations in
``control/operations.py``: each reads the operation's parameters where the declaration says they
travel and calls the ``LocalControl`` method it names, whose errors are already SP-API errors."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import anyio.to_thread
from connexion.lifecycle import ConnexionResponse

from spapi_mock.control.operations import BY_ID, Operation
from spapi_mock.control.service import LocalControl
from spapi_mock.domain.exceptions import RuleViolation
from spapi_mock.http.handlers.context import services


def handler(operation_id: str) -> Callable[..., Any]:
    """The handler Connexion calls for one control operation."""
    operation = BY_ID[operation_id]

    def handle(**params: Any) -> Any:
        return perform(LocalControl.of(services()), params)

    async def handle_in_a_thread(**params: Any) -> Any:
        control = LocalControl.of(services())
        return await anyio.to_thread.run_sync(functools.partial(perform, control, params))

    def perform(control: LocalControl, params: dict[str, Any]) -> Any:
        positional, named = operation.call_arguments(_arguments(operation, params))
        answer = getattr(control, operation.service)(*positional, **named)
        if operation.media_type is not None:
            # Starlette, unlike Flask, names no charset for a text type; the spec's media type has
            # none, so the response is built here rather than checked against it.
            return ConnexionResponse(
                status_code=operation.status,
                body=answer.encode() if isinstance(answer, str) else answer,
                content_type=f"{operation.media_type}; charset=utf-8",
                headers={"Cache-Control": "no-store"},
            )
        return answer, operation.status

    chosen = handle_in_a_thread if operation.waits else handle
    chosen.__name__ = operation.service
    return chosen


def _arguments(operation: Operation, params: dict[str, Any]) -> dict[str, Any]:
    """The service method's arguments by name, from what Connexion parsed."""
    body = params.get("body")
    named: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for param in operation.params:
        if param.where in ("path", "query"):
            if params.get(param.wire) is not None:
                named[param.arg] = params[param.wire]
        elif param.where == "body":
            if body is not None:
                named[param.arg] = body
        elif isinstance(body, dict):
            if param.where == "field":
                if param.wire in body:
                    named[param.arg] = body[param.wire]
            else:  # rest: every body field no other parameter takes
                taken = {p.wire for p in operation.params if p.where == "field"}
                extra = {name: value for name, value in body.items() if name not in taken}
    clash = sorted(set(extra) & (set(named) - set(operation.positional_only)))
    if clash:
        raise RuleViolation(f"Invalid request body: {clash[0]} is not a field of this request.")
    return {**extra, **named}
