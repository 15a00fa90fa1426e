"""The application factory: one configured mock server, no import-time side effects."""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import re
from collections.abc import Callable
from types import ModuleType

import connexion
from connexion.jsonifier import Jsonifier
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolution, Resolver
from connexion.spec import Specification

from . import fast_operations, request_scope, resources
from .api import auth, control, http_errors, orders_2026, orders_v0
from .api.validation import VALIDATORS
from .clock import Clock
from .config import Config
from .middleware import JournalRecorder, RequestLog, SpApiHeaders, TrafficGate
from .sandbox import SandboxMiddleware
from .services import Services, build_services
from .specs import CONTROL_SPEC, LWA_SPEC, ORDERS_2026_SPEC, ORDERS_V0_SPEC, TOKENS_SPEC, operation_names


class CompactJsonifier(Jsonifier):
    """Amazon answers compact JSON; Connexion's default indents and appends a newline."""

    def dumps(self, data, **kwargs):
        return super().dumps(data, **kwargs)[:-1]


COMPACT_JSON = CompactJsonifier(json, separators=(",", ":"), ensure_ascii=False)


class MockApp(connexion.AsyncApp):
    # The server's services, for whoever holds the app (the command line, tests).
    services: Services

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"] in _SLASH_REDIRECTS:
            # The control plane's index is /_mock/; its address without the slash, as the banner
            # and people type it, is redirected (permanently, method kept) rather than refused.
            location = scope["path"] + "/" + (f"?{scope['query_string'].decode('latin-1')}" if scope["query_string"] else "")
            await send({"type": "http.response.start", "status": 308, "headers": [(b"location", location.encode("latin-1"))]})
            await send({"type": "http.response.body", "body": b""})
            return
        # Kept so that an injected fault can drop the connection itself (see middleware).
        request_scope.keep_raw_send(scope, send)
        await super().__call__(scope, receive, send)


_SLASH_REDIRECTS = frozenset({"/_mock"})


def create_app(config: Config | None = None, clock: Clock | None = None) -> connexion.AsyncApp:
    config = config or Config()
    _validate_specs_once()
    # The token endpoint takes form and JSON bodies; Connexion warns about that on every call.
    logging.getLogger("connexion.operations.openapi3").setLevel(logging.ERROR)
    services = build_services(config, clock or Clock())
    app = MockApp(__name__, specification_dir=str(resources.openapi_dir()), jsonifier=COMPACT_JSON)
    fast_operations.install(app)
    _add_api(app, ORDERS_V0_SPEC, _module_resolver(orders_v0), config)
    _add_api(app, ORDERS_2026_SPEC, _module_resolver(orders_2026), config)
    _add_api(app, TOKENS_SPEC, _module_resolver(auth), config)
    app.add_api(
        copy.deepcopy(resources.openapi_spec(LWA_SPEC)),
        resolver=_module_resolver(auth),
        validate_responses=config.validate_responses,
        swagger_ui_options=SwaggerUIOptions(swagger_ui=False),
        jsonifier=COMPACT_JSON,
        validator_map=VALIDATORS,
    )
    _add_api(app, CONTROL_SPEC, _Resolver(control.handler), config)
    for handled in http_errors.HANDLED:
        app.add_error_handler(handled, http_errors.to_response)
    services.operation_names = operation_names()
    app.add_middleware(SpApiHeaders, position=MiddlewarePosition.BEFORE_EXCEPTION, services=services)
    app.add_middleware(JournalRecorder, position=MiddlewarePosition.BEFORE_EXCEPTION, services=services)
    app.add_middleware(RequestLog, position=MiddlewarePosition.BEFORE_EXCEPTION, services=services)
    app.add_middleware(TrafficGate, position=MiddlewarePosition.BEFORE_VALIDATION, services=services)
    app.add_middleware(SandboxMiddleware, position=MiddlewarePosition.BEFORE_VALIDATION, cases=services.sandbox)
    app.services = services
    return app


def _add_api(app: connexion.AsyncApp, spec_name: str, resolver: Resolver, config: Config) -> None:
    # Specs are passed parsed: Connexion would parse them again with PyYAML's slow parser.
    app.add_api(
        copy.deepcopy(resources.openapi_spec(spec_name)),
        resolver=resolver,
        validate_responses=config.validate_responses,
        swagger_ui_options=SwaggerUIOptions(swagger_ui=config.swagger_ui, swagger_ui_path="/ui"),
        jsonifier=COMPACT_JSON,
        validator_map=VALIDATORS,
    )


def _validate_specs_once() -> None:
    """Connexion validates a spec against the OpenAPI schema every time an app adds it (about a
    tenth of a second each, half of start-up); ours are the same documents every time in a
    process, so each is validated the first time only (tests/test_spec.py validates them too)."""
    if getattr(Specification._validate_spec, "spapi_mock_once", False):
        return
    validate = Specification._validate_spec.__func__
    validated: set[str] = set()

    def validate_once(cls, spec) -> None:
        fingerprint = hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()
        if fingerprint not in validated:
            validate(cls, spec)
            validated.add(fingerprint)

    validate_once.spapi_mock_once = True
    Specification._validate_spec = classmethod(validate_once)


class _Resolver(Resolver):
    """operationId → its handler, found by a function."""

    def __init__(self, find: Callable[[str], Callable]) -> None:
        super().__init__()
        self._find = find

    def resolve(self, operation) -> Resolution:
        operation_id = self.resolve_operation_id(operation)
        return Resolution(fast_operations.as_coroutine(self._find(operation_id)), operation_id)


def _module_resolver(module: ModuleType) -> Resolver:
    """operationId ``getOrderItems`` → ``module.get_order_items``."""
    return _Resolver(lambda operation_id: getattr(module, re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()))
