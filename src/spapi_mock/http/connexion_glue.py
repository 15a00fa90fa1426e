"""Everything of Connexion's that is not its public API, in one module.

What we take from Connexion's insides, each named in ``RELIED_ON`` (``tests/test_connexion_glue.py``
checks every one against the installed Connexion and names what an upgrade broke):

- its context variables (the request's scope, receive and security context), read by handlers;
- the scope keys its router and security middleware leave their results under;
- the API class its middleware app builds operations with, to decorate each operation once;
- its per-request signature inspection of the token check, cached;
- its spec validation, skipped for the specs the package ships;
- the private hooks of its body and parameter validators (``http/validation.py``);
- the per-operation pieces the compiled path (``http/compiled.py``) calls: the URI parser, the
  argument builder, the response builder and response validation, the body validator's
  ``wrap_receive``.

How Connexion's AsyncApp calls our handlers, made cheap:

Connexion 3 rebuilds an operation's decorators on every request (parameter, response and
sync/async wrappers, with an ``inspect.signature`` of the handler each time) and runs a plain
function handler in a thread pool. Profiled, that was about a fifth of a getOrder. Here each
operation is decorated once, when first called (what the decorators read of the request and of
the operation they still read per call, from Connexion's context), and every handler is a
coroutine: one event loop, no thread hop. The access-token check's signature is read once,
not twice per request (``SECURITY_MAP``, passed to the app). Handlers stay plain functions; they are quick and
never wait on anything but the store, whose writes are a single fsync'd line.
"""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Callable
from typing import Any

import orjson
from connexion import AsyncApp
from connexion.apps.asynchronous import AsyncApi, AsyncOperation
from connexion.context import _context, _operation, _receive, _scope
from connexion.decorators import StarletteDecorator
from connexion.jsonifier import Jsonifier
from connexion.lifecycle import ConnexionRequest
from connexion.middleware.abstract import ROUTING_CONTEXT
from connexion.security import SECURITY_HANDLERS, ApiKeySecurityHandler
from connexion.spec import Specification
from connexion.utils import inspect_function_arguments, is_json_mimetype

# The scope extensions Connexion's routing middleware and security middleware write (the
# security key is a literal in Connexion too).
ROUTING_KEY = ROUTING_CONTEXT
SECURITY_KEY = "connexion_context"
# Marks the specs that come with the package, whose validation the server skips.
PACKAGED = "x-spapi-mock-packaged"

# (where, name): what this module and http/validation.py use that Connexion does not document.
RELIED_ON = (
    ("connexion.context", "_scope"),
    ("connexion.context", "_receive"),
    ("connexion.context", "_context"),
    ("connexion.context", "_operation"),
    ("connexion.middleware.abstract", "ROUTING_CONTEXT"),
    ("connexion.apps.asynchronous.AsyncApi", "make_operation"),
    ("connexion.apps.asynchronous.AsyncOperation", "from_operation"),
    ("connexion.apps.asynchronous.AsyncOperation", "fn"),
    ("connexion.decorators.StarletteDecorator", "decorate"),
    ("connexion.decorators.StarletteDecorator", "uri_parser"),
    ("connexion.decorators.StarletteDecorator", "framework"),
    ("connexion.security.ApiKeySecurityHandler", "_accepts_kwarg"),
    ("connexion.spec.Specification", "_validate_spec"),
    ("connexion.validators.json.JSONRequestBodyValidator", "_parse"),
    ("connexion.validators.json.JSONRequestBodyValidator", "_validate"),
    ("connexion.validators.json.JSONRequestBodyValidator", "_validator"),
    # The compiled path (http/compiled.py) does per operation what Connexion's middlewares do.
    ("connexion.decorators.parameter", "_get_body_argument"),
    ("connexion.decorators.parameter", "_get_query_defaults"),
    ("connexion.decorators.parameter", "_get_val_from_param"),
    ("connexion.utils", "deep_merge"),
    ("connexion.decorators.parameter", "sanitized"),
    ("connexion.decorators.parameter", "unwrap_decorators"),
    ("connexion.decorators.response.BaseResponseDecorator", "build_framework_response"),
    ("connexion.middleware.response_validation", "ResponseValidationOperation"),
    ("connexion.validators.abstract.AbstractRequestBodyValidator", "wrap_receive"),
    ("connexion.uri_parsing.OpenAPIURIParser", "param_schemas"),
    ("connexion.frameworks.starlette", "Starlette"),
    ("connexion.utils", "get_function_from_name"),
)


class CompactJsonifier(Jsonifier):
    """Amazon answers compact JSON; Connexion's default indents and appends a newline.

    Written by orjson (a tenth of the time of ``json`` for an order page; the same bytes for our
    answers: compact, UTF-8 unescaped), and by ``json`` for what orjson refuses (an integer
    beyond 64 bits, a key that is not a string)."""

    def dumps(self, data, **kwargs):
        if not kwargs:
            try:
                return orjson.dumps(data).decode("utf-8")
            except orjson.JSONEncodeError:
                pass
        return super().dumps(data, **kwargs)[:-1]

    def to_bytes(self, data) -> bytes:
        try:
            return orjson.dumps(data)
        except orjson.JSONEncodeError:
            return super().dumps(data)[:-1].encode("utf-8")


COMPACT_JSON = CompactJsonifier(json, separators=(",", ":"), ensure_ascii=False)


def as_coroutine(handler: Callable[..., Any]) -> Callable[..., Any]:
    """``handler`` as a coroutine function with its signature (Connexion reads its parameters)."""
    if inspect.iscoroutinefunction(handler):
        return handler

    @functools.wraps(handler)
    async def call(*args: Any, **kwargs: Any) -> Any:
        return handler(*args, **kwargs)

    return call


class _DecoratedOnce(StarletteDecorator):
    def __call__(self, function: Callable) -> Callable:
        decorated = self.decorate(function)
        parsers: dict[int, Any] = {}

        @functools.wraps(function)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            # One URI parser per spec operation: it holds the operation's parameter definitions only.
            spec_operation = _operation.get()
            parser = parsers.get(id(spec_operation))
            if parser is None:
                parser = parsers[id(spec_operation)] = self.uri_parser
            request = BodyRequest(_scope.get(), _receive.get(), uri_parser=parser)
            request.takes_json = takes_json(spec_operation)
            return await decorated(request)

        return wrapper


class BodyRequest(ConnexionRequest):
    """Connexion's request, whose body is the JSON its operation takes when the content type
    names JSON in any case (media types are case-insensitive) or names nothing (Connexion's
    request validation reads such a body as the operation's first media type, JSON, and its
    request gave the handler the raw bytes, a 500)."""

    takes_json = False

    async def get_body(self):
        declared = self.headers.get("content-type")
        if (declared is None and self.takes_json) or (declared is not None and is_json_mimetype(self.mimetype.lower())):
            return await self.json()
        return await super().get_body()


def takes_json(operation) -> bool:
    """Whether the operation's first request media type (the one Connexion assumes) is JSON."""
    consumes = operation.consumes if operation.request_body else []
    return bool(consumes) and is_json_mimetype(consumes[0].lower())


class _Operation(AsyncOperation):
    @functools.cached_property
    def fn(self) -> Callable:
        return _DecoratedOnce(pythonic_params=self.pythonic_params, jsonifier=self.jsonifier)(self._fn)


class _Api(AsyncApi):
    def make_operation(self, spec_operation) -> AsyncOperation:
        return _Operation.from_operation(spec_operation, pythonic_params=self.pythonic_params, jsonifier=self.jsonifier)


class _ApiKeyCheck(ApiKeySecurityHandler):
    # Connexion inspects the token check's signature twice per request; it never changes.
    @staticmethod
    @functools.cache
    def _accepts_kwarg(func: Callable, keyword: str) -> bool:
        arguments, has_kwargs = inspect_function_arguments(func)
        return has_kwargs or keyword in arguments


SECURITY_MAP = {**SECURITY_HANDLERS, "apiKey": _ApiKeyCheck}


def install(app: AsyncApp) -> None:
    """Make the APIs ``app`` adds from now on decorate their operations once."""
    app._middleware_app.api_cls = _Api  # noqa: SLF001  (Connexion offers no option for it)


def skip_validating_packaged_specs() -> None:
    """Connexion validates a spec against the OpenAPI schema every time an app adds it (about a
    tenth of a second each, a third of start-up). Ours are package data that the test suite
    validates (tests/openapi/test_spec.py, with Connexion's own check too), so the server skips
    it for them, and only for them (marked with ``PACKAGED``): any other app in the process
    keeps Connexion's check."""
    if getattr(Specification._validate_spec, "spapi_mock", False):
        return
    validate = Specification._validate_spec.__func__

    def validate_unless_packaged(cls, spec) -> None:
        if not (isinstance(spec, dict) and spec.get(PACKAGED)):
            validate(cls, spec)

    validate_unless_packaged.spapi_mock = True  # type: ignore[attr-defined]
    Specification._validate_spec = classmethod(validate_unless_packaged)  # type: ignore[method-assign]


# The request being handled, as Connexion's context variables hold it (read directly: its
# werkzeug proxies cost a lookup chain on every access).


def current_scope():
    return _scope.get()


def current_security_context() -> dict:
    return _context.get()


def enter_handler_context(scope, receive, operation=None) -> Callable[[], None]:
    """Make ``scope`` the request handlers read (and ``operation`` the one Connexion's response
    building reads); call what it returns when the handler is done."""
    tokens = (_scope.set(scope), _receive.set(receive), _context.set(scope["extensions"].get(SECURITY_KEY, {})))
    operation_token = _operation.set(operation) if operation is not None else None

    def restore() -> None:
        if operation_token is not None:
            _operation.reset(operation_token)
        _context.reset(tokens[2])
        _receive.reset(tokens[1])
        _scope.reset(tokens[0])

    return restore
