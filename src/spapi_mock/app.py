"""The application factory: one configured mock server, no import-time side effects."""

from __future__ import annotations

import copy
import json
import logging
import re
from importlib import import_module

import connexion
from connexion.jsonifier import Jsonifier
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolution, Resolver

from . import resources
from .api import http_errors
from .api.context import EXTENSION_KEY
from .api.validation import VALIDATORS
from .clock import Clock
from .config import Config
from .middleware import RAW_SEND_KEY, JournalRecorder, RequestLog, SpApiHeaders, TrafficGate
from .sandbox import SandboxMiddleware
from .services import build_services
from .specs import CONTROL_SPEC, LWA_SPEC, ORDERS_2026_SPEC, ORDERS_V0_SPEC, TOKENS_SPEC, operation_names


class CompactJsonifier(Jsonifier):
    """Amazon answers compact JSON; Connexion's default indents and appends a newline."""

    def dumps(self, data, **kwargs):
        return super().dumps(data, **kwargs)[:-1]


COMPACT_JSON = CompactJsonifier(json, separators=(",", ":"), ensure_ascii=False)


class MockApp(connexion.FlaskApp):
    async def __call__(self, scope, receive, send) -> None:
        # Kept so that an injected fault can drop the connection itself (see middleware).
        scope[RAW_SEND_KEY] = send
        await super().__call__(scope, receive, send)


def create_app(config: Config | None = None, clock: Clock | None = None) -> connexion.FlaskApp:
    config = config or Config()
    # The token endpoint takes form and JSON bodies; Connexion warns about that on every call.
    logging.getLogger("connexion.operations.openapi3").setLevel(logging.ERROR)
    services = build_services(config, clock or Clock())
    app = MockApp(__name__, specification_dir=str(resources.openapi_dir()), jsonifier=COMPACT_JSON)
    _add_api(app, ORDERS_V0_SPEC, "spapi_mock.api.orders_v0", config)
    _add_api(app, ORDERS_2026_SPEC, "spapi_mock.api.orders_2026", config)
    _add_api(app, TOKENS_SPEC, "spapi_mock.api.auth", config)
    app.add_api(
        copy.deepcopy(resources.openapi_spec(LWA_SPEC)),
        resolver=_resolver("spapi_mock.api.auth"),
        validate_responses=config.validate_responses,
        swagger_ui_options=SwaggerUIOptions(swagger_ui=False),
        jsonifier=COMPACT_JSON,
        validator_map=VALIDATORS,
    )
    _add_api(app, CONTROL_SPEC, "spapi_mock.api.control", config)
    for handled in http_errors.HANDLED:
        app.add_error_handler(handled, http_errors.to_response)
    services.operation_names = operation_names()
    app.add_middleware(SpApiHeaders, position=MiddlewarePosition.BEFORE_EXCEPTION, services=services)
    app.add_middleware(JournalRecorder, position=MiddlewarePosition.BEFORE_EXCEPTION, services=services)
    app.add_middleware(RequestLog, position=MiddlewarePosition.BEFORE_EXCEPTION, services=services)
    app.add_middleware(TrafficGate, position=MiddlewarePosition.BEFORE_VALIDATION, services=services)
    app.add_middleware(SandboxMiddleware, position=MiddlewarePosition.BEFORE_VALIDATION, cases=services.sandbox)
    app.app.extensions[EXTENSION_KEY] = services
    app.app.json.compact = True
    return app


def _add_api(app: connexion.FlaskApp, spec_name: str, module_name: str, config: Config) -> None:
    # Specs are passed parsed: Connexion would parse them again with PyYAML's slow parser.
    app.add_api(
        copy.deepcopy(resources.openapi_spec(spec_name)),
        resolver=_resolver(module_name),
        validate_responses=config.validate_responses,
        swagger_ui_options=SwaggerUIOptions(swagger_ui=config.swagger_ui, swagger_ui_path="/ui"),
        jsonifier=COMPACT_JSON,
        validator_map=VALIDATORS,
    )


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _resolver(module_name: str) -> Resolver:
    """operationId ``getOrderItems`` → ``module.get_order_items``."""

    class SnakeCaseResolver(Resolver):
        def resolve(self, operation) -> Resolution:
            operation_id = self.resolve_operation_id(operation)
            return Resolution(getattr(import_module(module_name), _snake(operation_id)), operation_id)

    return SnakeCaseResolver()
