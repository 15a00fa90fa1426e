"""Every failure becomes an SP-API error envelope: validator, router, handler or bug alike.

Connexion would answer problem+json and Starlette plain text; SDK clients parse
``{"errors": [...]}`` only, so nothing else may reach them.
"""

from __future__ import annotations

import functools
import json
import logging

from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException

from spapi_mock.errors import (
    NO_ACCESS_TOKEN,
    InternalFailure,
    InvalidInput,
    LwaError,
    MethodNotAllowed,
    NotFound,
    SpApiError,
    Unauthorized,
    UnsupportedMediaType,
    from_exception,
)
from spapi_mock.http.request_scope import routed_operation_id
from spapi_mock.kernel import resources

log = logging.getLogger("spapi_mock")

HANDLED = (Exception, HTTPException, ProblemException)


def to_response(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    if isinstance(exc, LwaError):
        return _json(exc.status, exc.body())
    error = to_sp_api_error(request, exc)
    if routed_operation_id(request.scope) in _lwa_operation_ids():
        # A token client parses RFC 6749 bodies only, so a request the validator refuses (no
        # body, a body that is not JSON, an unknown content type) is LWA's invalid_request.
        lwa = LwaError("invalid_request", error.message) if error.status < 500 else LwaError("server_error", error.message, 500)
        return _json(lwa.status, lwa.body())
    # A 405 says which methods the path takes (RFC 9110), as the router found them.
    headers = {}
    if isinstance(exc, HTTPException) and exc.status_code == 405 and exc.headers and "Allow" in exc.headers:
        headers["Allow"] = ", ".join(sorted(method.strip() for method in exc.headers["Allow"].split(",")))
    return _json(error.status, error.body(), headers)


@functools.cache
def _lwa_operation_ids() -> frozenset[str]:
    spec = resources.openapi_spec("lwa.yaml")
    return frozenset(op["operationId"] for item in spec["paths"].values() for op in item.values() if isinstance(op, dict))


def to_sp_api_error(request: ConnexionRequest, exc: Exception) -> SpApiError:
    error = from_exception(exc)
    if error is not None:
        return error
    if "\n" in request.scope.get("path", ""):
        # Starlette's path patterns do not match a line break, so such a path is routed nowhere;
        # it is a bad parameter, not a missing resource. (request.url drops line breaks; the
        # scope keeps them.)
        return InvalidInput("Invalid request path: a path parameter must not contain a line break.")
    if isinstance(exc, HTTPException):
        status = exc.status_code
        detail = getattr(exc, "detail", None) or ""
        if status == 400:
            return InvalidInput(_readable(detail))
        if status in (401, 403):
            # Connexion's security check refuses only a request without the header (a token it
            # finds is judged by access_tokens, which says why).
            return Unauthorized(details=NO_ACCESS_TOKEN)
        if status == 404:
            return NotFound(f"Resource {request.url.path} is not found.")
        if status == 405:
            return MethodNotAllowed(f"Method {request.method} is not allowed on {request.url.path}.")
        if status == 415:
            return UnsupportedMediaType(_readable(detail) or None)
        if status < 500:
            return InvalidInput(_readable(detail) or None)
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return InternalFailure()


def _readable(detail: str) -> str:
    # Connexion's messages end with a period or not; keep one form.
    return str(detail).strip().rstrip(".") + "." if detail else ""


def _json(status: int, body: dict, headers: dict | None = None) -> ConnexionResponse:
    return ConnexionResponse(
        status_code=status,
        headers=headers,
        body=json.dumps(body, separators=(",", ":")).encode(),
        mimetype="application/json",
        content_type="application/json",
    )
