"""The hottest reads (getOrder, getOrderItems) answered without Connexion's per-request machinery.

Profiled, a getOrder spent about two thirds of its time in Connexion: three routers, the
security middleware, request validation, the parameter and response decorators. Those are
generic; these two operations take a path parameter and at most one query string, so this
layer, just inside the request envelope, answers them itself: routes and parameter validators
compiled once from ``openapi/orders-v0.yaml`` (the spec stays the only route table), the same
access-token check, the same traffic gate (faults, throttling, sandbox cases), the same handlers
and the same error mapping (``http_errors``). What it is not sure to answer exactly as
Connexion would (no token header, another method, a path it does not match) it hands on to
Connexion unchanged. With response validation on (every in-process app of the test suite), it
validates its answers against the spec as Connexion would, so the suite tests the path users get.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from connexion.exceptions import BadRequestProblem, NonConformingResponseBody
from connexion.json_schema import Draft4ResponseValidator
from connexion.lifecycle import ConnexionRequest
from jsonschema import Draft4Validator
from starlette.responses import Response as StarletteResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from spapi_mock.http import http_errors, request_scope
from spapi_mock.http.connexion_glue import COMPACT_JSON
from spapi_mock.http.handlers import orders_v0
from spapi_mock.http.handlers.auth import token_info
from spapi_mock.http.middleware import TrafficGate, send_body
from spapi_mock.http.validation import NamedParameterValidator
from spapi_mock.kernel import resources
from spapi_mock.traffic.specs import ORDERS_V0_SPEC

FAST_OPERATIONS = {"getOrder": orders_v0.get_order, "getOrderItems": orders_v0.get_order_items}
_TOKEN_HEADER = b"x-amz-access-token"


class _Route:
    """One fast operation: its path pattern and its parameters, from the spec."""

    def __init__(self, path: str, operation: dict, handler: Callable[..., Any], components: dict) -> None:
        self.operation_id = operation["operationId"]
        self.handler = handler
        self.parameters = operation.get("parameters", [])
        for param in self.parameters:
            if param["in"] not in ("path", "query") or param.get("schema", {}).get("type") != "string":
                raise ValueError(f"{self.operation_id}: fast reads take string path and query parameters only, not {param}")
        self.query_names = {p["name"] for p in self.parameters if p["in"] == "query"}
        # Starlette's "{name}" matches one path segment; a line break is left to Connexion's
        # path, which answers it as a bad parameter.
        self.pattern = re.compile(re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/\n]+)", re.escape(path)))
        # The 200 body's schema, its references resolved in the spec's components.
        schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
        self._response_schema = {**schema, "components": components}

    @functools.cached_property
    def _response_validator(self) -> Draft4Validator:
        # Connexion's own validator (it knows OpenAPI's nullable); built only where responses
        # are validated (tests), so serving pays nothing for it.
        return Draft4ResponseValidator(self._response_schema, format_checker=Draft4Validator.FORMAT_CHECKER)

    def check_response(self, body: Any) -> None:
        """Raise what Connexion's response validation raises for a body the spec does not allow."""
        error = next(iter(self._response_validator.iter_errors(body)), None)
        if error is not None:
            where = "".join(f"[{part!r}]" for part in error.absolute_path)
            raise NonConformingResponseBody(f"Response body does not conform to specification. {error.message}{where}")


class FastReads:
    def __init__(self, app: ASGIApp, services) -> None:
        self.app = app
        self.services = services
        self.enabled = services.config.fast_reads
        self.routes = {route.operation_id: route for route in _routes()}
        self.validate = services.config.validate_responses
        self.answer = TrafficGate(self._answer, services)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self._match(scope) if self.enabled else None
        if found is None:
            await self.app(scope, receive, send)
            return
        route, path_params, token = found
        request_scope.share_routing_results(scope).update(path_params)
        request_scope.set_routing_results(scope, "", route.operation_id)
        try:
            info = token_info(self.services, token)
        except Exception as exc:  # refused: answered as Connexion's security check would be
            await self._error(scope, receive, send, exc)
            return
        request_scope.set_security_context(scope, {"user": info["sub"], "token_info": info})
        await self.answer(scope, receive, send)

    def _match(self, scope: Scope) -> tuple[_Route, dict, str] | None:
        if scope["type"] != "http" or scope["method"] != "GET":
            return None
        token = next((value for name, value in scope["headers"] if name == _TOKEN_HEADER), None)
        if not token:
            return None
        path = scope["path"]
        for route in self.routes.values():
            match = route.pattern.fullmatch(path)
            if match:
                return route, match.groupdict(), token.decode("latin-1")
        return None

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self.routes[request_scope.routed_operation_id(scope)]
        restore = request_scope.enter_handler_context(scope, receive)
        try:
            kwargs = _arguments(route, scope)
            answer = route.handler(**kwargs)
            if self.validate:
                route.check_response(answer)
            body = COMPACT_JSON.dumps(answer).encode()
        except Exception as exc:
            await self._error(scope, receive, send, exc)
            return
        finally:
            restore()
        await send_body(send, 200, body)

    @staticmethod
    async def _error(scope: Scope, receive: Receive, send: Send, exc: Exception) -> None:
        """The error answer Connexion's exception middleware would send: our mapping's, as a
        Starlette response."""
        answer = http_errors.to_response(ConnexionRequest(scope, receive), exc)
        response = StarletteResponse(answer.body, answer.status_code, answer.headers, answer.mimetype)
        await response(scope, receive, send)


def _arguments(route: _Route, scope: Scope) -> dict[str, Any]:
    """The handler's arguments, each checked against its parameter's schema as Connexion would."""
    values = dict(scope["path_params"])
    if scope["query_string"] and route.query_names:
        for name, value in parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True):
            if name in route.query_names:
                values[name] = value  # the last one, as Connexion's parser keeps
    kwargs = {}
    for param in route.parameters:
        name = param["name"]
        value = values.get(name)
        error = NamedParameterValidator.validate_parameter(param["in"], value, param, name)
        if error:
            raise BadRequestProblem(detail=error)
        if value is not None:
            kwargs[name] = value
    return kwargs


def _routes() -> list[_Route]:
    spec = resources.openapi_spec(ORDERS_V0_SPEC)
    routes = []
    for path, item in spec["paths"].items():
        operation = item.get("get")
        if isinstance(operation, dict) and operation.get("operationId") in FAST_OPERATIONS:
            routes.append(_Route(path, operation, FAST_OPERATIONS[operation["operationId"]], spec.get("components", {})))
    missing = set(FAST_OPERATIONS) - {route.operation_id for route in routes}
    if missing:
        raise ValueError(f"{ORDERS_V0_SPEC} no longer declares {sorted(missing)}")
    return routes
