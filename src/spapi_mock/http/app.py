"""The application factory: one configured mock server, no import-time side effects."""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Callable
from types import ModuleType

import connexion
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolution, Resolver

from spapi_mock.config import Config
from spapi_mock.http import connexion_glue, http_errors, request_scope, s3
from spapi_mock.http.compiled import Compiled
from spapi_mock.http.connexion_glue import COMPACT_JSON
from spapi_mock.http.handlers import auth, control, feeds, finances, notifications, orders_2026, orders_v0, reports, sellers
from spapi_mock.http.middleware import RequestEnvelope, TrafficGate
from spapi_mock.http.validation import VALIDATORS
from spapi_mock.kernel import resources
from spapi_mock.kernel.clock import Clock
from spapi_mock.marketplace.document_urls import PREFIX as DOCUMENTS_PREFIX
from spapi_mock.runtime import Services, build_services
from spapi_mock.traffic.specs import (
    CONTROL_SPEC,
    FEEDS_SPEC,
    FINANCES_2024_SPEC,
    FINANCES_V0_SPEC,
    LWA_SPEC,
    NOTIFICATIONS_SPEC,
    ORDERS_2026_SPEC,
    ORDERS_V0_SPEC,
    REPORTS_SPEC,
    SELLERS_SPEC,
    TOKENS_SPEC,
    operation_names,
)


class MockApp(connexion.AsyncApp):
    # The server's services, for whoever holds the app (the command line, tests).
    services: Services

    async def __call__(self, scope, receive, send) -> None:
        # Each request's own: what routing and the token check find is kept there, and granian
        # hands every request the same dict.
        scope["extensions"] = dict(scope.get("extensions") or ())
        if scope["type"] == "http" and scope["path"] in _SLASH_REDIRECTS:
            # The control plane's index is /_mock/; its address without the slash, as the banner
            # and people type it, is redirected (permanently, method kept) rather than refused.
            location = scope["path"] + "/" + (f"?{scope['query_string'].decode('latin-1')}" if scope["query_string"] else "")
            await send({"type": "http.response.start", "status": 308, "headers": [(b"location", location.encode("latin-1"))]})
            await send({"type": "http.response.body", "body": b""})
            return
        if scope["type"] == "http" and scope["path"].startswith(DOCUMENTS_PREFIX):
            await s3.serve(scope, receive, send, self.services)
            return
        # Kept so that an injected fault can drop the connection itself (see middleware).
        request_scope.keep_raw_send(scope, send)
        await super().__call__(scope, receive, send)


_SLASH_REDIRECTS = frozenset({"/_mock"})


def create_app(config: Config | None = None, clock: Clock | None = None) -> connexion.AsyncApp:
    config = config or Config()
    connexion_glue.skip_validating_packaged_specs()
    # The token endpoint takes form and JSON bodies; Connexion warns about that on every call.
    logging.getLogger("connexion.operations.openapi3").setLevel(logging.ERROR)
    services = build_services(config, clock or Clock()).start()
    app = MockApp(
        __name__,
        specification_dir=str(resources.openapi_dir()),
        jsonifier=COMPACT_JSON,
        security_map=connexion_glue.SECURITY_MAP,
    )
    connexion_glue.install(app)
    sp_apis = [
        (ORDERS_V0_SPEC, orders_v0),
        (ORDERS_2026_SPEC, orders_2026),
        (TOKENS_SPEC, auth),
        (FEEDS_SPEC, feeds),
        (REPORTS_SPEC, reports),
        (NOTIFICATIONS_SPEC, notifications),
        (SELLERS_SPEC, sellers),
        (FINANCES_V0_SPEC, finances),
        (FINANCES_2024_SPEC, finances),
    ]
    for spec_name, module in sp_apis:
        _add_api(app, spec_name, _module_resolver(module), config)
    app.add_api(
        _packaged_spec(LWA_SPEC),
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
    app.add_middleware(RequestEnvelope, position=MiddlewarePosition.BEFORE_EXCEPTION, services=services)
    # Every SP-API operation on the path compiled from the same specs and handlers.
    compiled = [(_packaged_spec(name), _module_resolver(module)) for name, module in sp_apis]
    app.add_middleware(Compiled, position=MiddlewarePosition.BEFORE_EXCEPTION, services=services, apis=compiled)
    app.add_middleware(TrafficGate, position=MiddlewarePosition.BEFORE_VALIDATION, services=services)
    app.services = services
    return app


def _add_api(app: connexion.AsyncApp, spec_name: str, resolver: Resolver, config: Config) -> None:
    app.add_api(
        _packaged_spec(spec_name),
        resolver=resolver,
        validate_responses=config.validate_responses,
        swagger_ui_options=SwaggerUIOptions(swagger_ui=config.swagger_ui, swagger_ui_path="/ui"),
        jsonifier=COMPACT_JSON,
        validator_map=VALIDATORS,
    )


def _packaged_spec(name: str) -> dict:
    # A copy: Connexion resolves references in place. Passed parsed, as Connexion would parse the
    # YAML again with PyYAML's slow parser.
    return {**copy.deepcopy(resources.openapi_spec(name)), connexion_glue.PACKAGED: True}


class _Resolver(Resolver):
    """operationId → its handler, found by a function."""

    def __init__(self, find: Callable[[str], Callable]) -> None:
        super().__init__()
        self._find = find

    def resolve(self, operation) -> Resolution:
        operation_id = self.resolve_operation_id(operation)
        return Resolution(connexion_glue.as_coroutine(self._find(operation_id)), operation_id)


def _module_resolver(module: ModuleType) -> Resolver:
    """operationId ``getOrderItems`` → ``module.get_order_items``."""
    return _Resolver(lambda operation_id: getattr(module, re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()))
