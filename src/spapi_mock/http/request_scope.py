"""What a request's ASGI scope carries, and the one place that knows the keys.

Connexion's router and security check leave their results in the scope under keys of their
own (named in ``connexion_glue``); our outermost layer adds the server's services, the request
id and the server's own ``send``. Middleware, handlers and error handlers read them through
these functions only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.types import Receive, Scope, Send

from spapi_mock.http import connexion_glue

if TYPE_CHECKING:
    from spapi_mock.runtime import Services

# Connexion's: the routing middleware's operation id and API base path, and the security
# middleware's context (the user, and the token info its security function returned).
_ROUTING = connexion_glue.ROUTING_KEY
_SECURITY = connexion_glue.SECURITY_KEY
# Ours.
_SERVICES = "spapi_mock.services"
_REQUEST_ID = "spapi_mock.request_id"
# The server's own ``send``, before any middleware wraps it: the way to the connection.
_RAW_SEND = "spapi_mock.raw_send"
_QUERY_PAIRS = "spapi_mock.query_pairs"


def routed_operation_id(scope: Scope) -> str | None:
    """The operationId Connexion's router matched, once routing has run."""
    return scope.get("extensions", {}).get(_ROUTING, {}).get("operation_id")


def routed_api_base_path(scope: Scope) -> str:
    """The base path of the API Connexion routed the request to ("" for the root)."""
    return (scope.get("extensions", {}).get(_ROUTING, {}).get("api_base_path") or "").rstrip("/")


def authorised_seller(scope: Scope) -> str | None:
    """The seller the access-token check accepted the request for, once it has run."""
    return scope.get("extensions", {}).get(_SECURITY, {}).get("user")


def query_pairs(scope: Scope) -> list[tuple[str, str]]:
    """The query string's (name, value) pairs as Starlette parses them, parsed once a request
    (the sandbox check and the compiled path's validation both read them)."""
    query = scope.get("query_string", b"")
    kept = scope.get(_QUERY_PAIRS)
    if kept is None or kept[0] is not query:
        kept = scope[_QUERY_PAIRS] = (query, parse_qsl(query.decode("latin-1"), keep_blank_values=True) if query else [])
    return kept[1]


def share_routing_results(scope: Scope) -> dict:
    """The path parameters the router will find, readable after the call.

    Connexion's router and security check record what they found in a shallow copy of the
    scope; dicts that exist before the copy are shared, so outer layers can read them back. The
    scope's own ``path_params`` may be replaced on the way (Swagger UI's router updates the
    scope), so the dict itself is what to keep."""
    scope.setdefault("extensions", {})
    return scope.setdefault("path_params", {})


def attach(scope: Scope, services: Services, request_id: str) -> None:
    """What the outermost layer gives every request."""
    scope[_SERVICES] = services
    scope[_REQUEST_ID] = request_id


def services(scope: Scope) -> Services:
    return scope[_SERVICES]


def request_id(scope: Scope) -> str | None:
    return scope.get(_REQUEST_ID)


def keep_raw_send(scope: Scope, send: Send) -> None:
    scope[_RAW_SEND] = send


def raw_send(scope: Scope) -> Any:
    return scope.get(_RAW_SEND)


def current_scope() -> Scope:
    """The scope of the request being handled."""
    return connexion_glue.current_scope()


def current_security_context() -> dict:
    """What the security check found for the request being handled: ``user``, ``token_info``."""
    return connexion_glue.current_security_context()


# For the compiled path (compiled.py), which does what Connexion's router, security check and
# context middleware would have done, with the same keys.


def set_routing_results(scope: Scope, api_base_path: str, operation_id: str) -> None:
    routing = scope.setdefault("extensions", {}).setdefault(_ROUTING, {})
    routing.update({"api_base_path": api_base_path, "operation_id": operation_id})


def set_security_context(scope: Scope, context: dict) -> None:
    scope.setdefault("extensions", {}).setdefault(_SECURITY, {}).update(context)


def enter_handler_context(scope: Scope, receive: Receive) -> Callable[[], None]:
    """Make ``scope`` the request handlers read; call what it returns when the handler is done."""
    return connexion_glue.enter_handler_context(scope, receive)
