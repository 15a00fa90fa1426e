"""The application factory: one configured mock server, no import-time side effects."""

from __future__ import annotations

import copy
import functools
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
from .access_tokens import AccessTokens
from .api import http_errors
from .api.context import EXTENSION_KEY
from .api.validation import VALIDATORS
from .backend import Backend
from .clock import Clock
from .config import Config
from .faults import FaultRules
from .journal import Journal
from .middleware import RAW_SEND_KEY, JournalRecorder, RequestLog, SpApiHeaders, TrafficGate
from .paging import PageTokens
from .sandbox import SandboxCases, SandboxMiddleware
from .services import Services
from .store import OrderStore
from .throttling import Throttle, UsagePlan

ORDERS_V0_SPEC = "orders-v0.yaml"
ORDERS_2026_SPEC = "orders-2026-01-01.yaml"
TOKENS_SPEC = "tokens-2021-03-01.yaml"
LWA_SPEC = "lwa.yaml"
CONTROL_SPEC = "control.yaml"
# The SP-API specs: throttled, faultable and journalled alike.
SP_API_SPECS = (ORDERS_V0_SPEC, ORDERS_2026_SPEC, TOKENS_SPEC)


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


def build_services(config: Config, clock: Clock) -> Services:
    store = OrderStore(str(config.db_path) if config.db_path else None)
    backend = Backend(store, clock, config.policy, config.fixtures_dir, config.default_seller_id)
    return Services(
        config=config,
        clock=clock,
        store=store,
        page_tokens=PageTokens(config.page_token_secret),
        sandbox=SandboxCases.from_files(resources.sandbox_case_files()),
        access_tokens=AccessTokens(
            config.access_token_ttl, config.default_seller_id, backend.seller_for_refresh_token, config.strict_auth
        ),
        backend=backend,
        throttle=Throttle(usage_plans(), config.throttling, config.throttle_factor),
        faults=FaultRules(),
        journal=Journal(config.journal_size),
    )


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


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _resolver(module_name: str) -> Resolver:
    """operationId ``getOrderItems`` → ``module.get_order_items``."""

    class SnakeCaseResolver(Resolver):
        def resolve(self, operation) -> Resolution:
            operation_id = self.resolve_operation_id(operation)
            return Resolution(getattr(import_module(module_name), _snake(operation_id)), operation_id)

    return SnakeCaseResolver()
