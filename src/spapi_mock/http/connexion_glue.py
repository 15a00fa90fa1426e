"""How Connexion's AsyncApp calls our handlers, made cheap: the one module that changes it.

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
import json
from collections.abc import Callable
from typing import Any

from connexion import AsyncApp
from connexion.apps.asynchronous import AsyncApi, AsyncOperation
from connexion.context import _operation, _receive, _scope
from connexion.decorators import StarletteDecorator
from connexion.jsonifier import Jsonifier
from connexion.security import SECURITY_HANDLERS, ApiKeySecurityHandler
from connexion.utils import inspect_function_arguments


class CompactJsonifier(Jsonifier):
    """Amazon answers compact JSON; Connexion's default indents and appends a newline."""

    def dumps(self, data, **kwargs):
        return super().dumps(data, **kwargs)[:-1]


COMPACT_JSON = CompactJsonifier(json, separators=(",", ":"), ensure_ascii=False)


def as_coroutine(handler: Callable[..., Any]) -> Callable[..., Any]:
    """``handler`` as a coroutine function with its signature (Connexion reads its parameters)."""

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
            request = self.framework.get_request(uri_parser=parser, scope=_scope.get(), receive=_receive.get())
            return await decorated(request)

        return wrapper


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
