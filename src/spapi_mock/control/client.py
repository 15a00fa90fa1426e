"""``HttpControl``: the control plane of a running server, from Python.

Its methods are made from the declarations in ``control/operations.py``, with the names and
signatures of ``LocalControl``'s, so code written against one works against the other. It
needs nothing but the standard library.
"""

from __future__ import annotations

import inspect
import json
import os
import urllib.parse
from typing import Any

from spapi_mock.control.operations import OPERATIONS, Operation, Param
from spapi_mock.errors import SpApiError


class ControlError(SpApiError):
    """An SP-API error from the control plane, with the status and code it was answered with."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


class HttpControl:
    """The control plane of a running spapi-mock server."""

    def __init__(self, base_url: str = "http://127.0.0.1:8080", timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def _invoke(self, operation: Operation, arguments: dict[str, Any]) -> Any:
        """One request for the operation, its arguments placed where the declaration says."""
        url_path = operation.path
        query: dict[str, str] = {}
        body: Any = None
        fields: dict[str, Any] | None = None
        for param in operation.params:
            value = arguments.get(param.arg)
            if param.where == "path":
                url_path = url_path.replace("{" + param.wire + "}", urllib.parse.quote(str(value), safe=""))
            elif param.where == "query":
                if value is not None:
                    query[param.wire] = _query_value(value)
            elif param.where == "body":
                body = {} if value is None else value
            else:
                fields = fields if fields is not None else {}
                if param.where == "rest":
                    fields.update(value or {})
                elif value is not None:
                    fields[param.wire] = value
        # An operation that waits on the server (a ``timeout`` argument) gets that long on top.
        waits = float(arguments.get("timeout") or 0) if any(p.arg == "timeout" for p in operation.params) else 0.0
        return self._call(operation.method, url_path, fields if fields is not None else body, query, self.timeout + waits)

    def _call(self, method: str, path: str, body: Any = None, query: dict | None = None, timeout: float | None = None) -> Any:
        # Imported here: urllib.request brings http, email and ssl, which `spapi-mock --help` does not need.
        import urllib.error
        import urllib.request

        url = f"{self.base_url}/_mock{path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        # A server started with --control-token wants it on every control call.
        token = os.environ.get("SPAPI_MOCK_CONTROL_TOKEN")
        if token:
            request.add_header("X-Mock-Token", token)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise _error_from(exc.code, exc.read()) from None
        except urllib.error.URLError as exc:
            raise ControlError(0, "ConnectionFailed", f"cannot reach spapi-mock at {self.base_url}: {exc.reason}") from None


def signature(operation: Operation) -> inspect.Signature:
    """The Python signature of the operation's service method, from its declaration."""
    has_rest = any(param.where == "rest" for param in operation.params)
    parameters = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY)]
    for param in operation.params:
        parameters.append(_parameter(param, positional_only=has_rest and param.required))
    return inspect.Signature(parameters)


def _parameter(param: Param, positional_only: bool) -> inspect.Parameter:
    if param.where == "rest":
        return inspect.Parameter(param.arg, inspect.Parameter.VAR_KEYWORD)
    kind = inspect.Parameter.POSITIONAL_ONLY if positional_only else inspect.Parameter.POSITIONAL_OR_KEYWORD
    default = inspect.Parameter.empty if param.required else param.default
    return inspect.Parameter(param.arg, kind, default=default)


def _client_method(operation: Operation):
    sig = signature(operation)

    def method(self: HttpControl, /, *args: Any, **kwargs: Any) -> Any:
        bound = sig.bind(self, *args, **kwargs)
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        rest = next((p.arg for p in operation.params if p.where == "rest"), None)
        if rest is not None:
            arguments[rest] = arguments.get(rest) or {}
        return self._invoke(operation, arguments)

    method.__name__ = method.__qualname__ = operation.service
    method.__signature__ = sig
    method.__doc__ = f"{operation.method} /_mock{operation.path} ({operation.operation_id})."
    return method


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list | tuple):
        return ",".join(map(str, value))
    return str(value)


def _error_from(status: int, raw: bytes) -> ControlError:
    try:
        error = json.loads(raw)["errors"][0]
        return ControlError(status, error["code"], error["message"])
    except (ValueError, KeyError, IndexError, TypeError):
        return ControlError(status, "Unknown", raw.decode(errors="replace")[:500])


for _operation in OPERATIONS:
    if _operation.media_type is None:
        setattr(HttpControl, _operation.service, _client_method(_operation))
