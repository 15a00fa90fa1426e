"""The one place that builds SP-API error envelopes.

Amazon's v0 error body is ``{"errors": [{"code", "message", "details"}]}``; every error this
mock returns, from a handler, a validator or the router, goes through ``error_body``.
"""

from __future__ import annotations

from spapi_mock.domain.exceptions import FixtureError, RuleViolation, Unknown
from spapi_mock.store.file import StoreFileError


class SpApiError(Exception):
    """An error that reaches the client as an SP-API error envelope."""

    status = 500
    code = "InternalFailure"
    default_message = "We encountered an internal error. Please try again."

    def __init__(self, message: str | None = None, details: str = "") -> None:
        self.message = message or self.default_message
        self.details = details
        super().__init__(self.message)

    def body(self) -> dict:
        return error_body(self.code, self.message, self.details)


class InvalidInput(SpApiError):
    status = 400
    code = "InvalidInput"
    default_message = "Invalid Input"


class Unauthorized(SpApiError):
    status = 403
    code = "Unauthorized"
    default_message = "Access to requested resource is denied."


class NotFound(SpApiError):
    status = 404
    code = "NotFound"
    default_message = "The resource specified does not exist."


class MethodNotAllowed(SpApiError):
    status = 405
    code = "MethodNotAllowed"
    default_message = "The requested method is not allowed for this resource."


class Conflict(SpApiError):
    # What Amazon's Notifications API answers for a second destination of the same queue (its
    # message word for word, as developers report it: amzn/selling-partner-api-models#2113).
    status = 409
    code = "Conflict"
    default_message = "The requested resource conflict with a resource in the server."


class StateConflict(Conflict):
    # ... and for a second subscription to the same notification type (#1960, docs #3448).
    code = "StateConflict"
    default_message = "The resource specified conflicts with the current state."


class RequestTooLarge(SpApiError):
    # Amazon's models declare the 413 with this description and no example body; the code is
    # HTTP's name for the status.
    status = 413
    code = "RequestEntityTooLarge"
    default_message = "The request size exceeded the maximum accepted size."


class UnsupportedMediaType(SpApiError):
    status = 415
    code = "UnsupportedMediaType"
    default_message = "The request payload is in an unsupported format."


class QuotaExceeded(SpApiError):
    status = 429
    code = "QuotaExceeded"
    default_message = "You exceeded your quota for the requested resource."


class InternalFailure(SpApiError):
    status = 500
    code = "InternalFailure"


class ServiceUnavailable(SpApiError):
    status = 503
    code = "ServiceUnavailable"
    default_message = "Service temporarily unavailable. Please try again later."


# Amazon's details for a refused access token, which clients match to decide to refresh.
TOKEN_EXPIRED = "The access token you provided has expired."
TOKEN_INVALID = "The access token you provided is revoked, malformed or invalid."
# What the mock saw, in the details of Amazon's bare 403 (no client reads them; a person does).
NO_ACCESS_TOKEN = "The request has no access token: send the one /auth/o2/token issued in the x-amz-access-token header."
NOT_ISSUED = (
    TOKEN_INVALID + " spapi-mock (strict auth) did not issue it: a token comes from this server's /auth/o2/token,"
    " and one issued before the server restarted is forgotten."
)

_BY_STATUS = {e.status: e for e in (InvalidInput, Unauthorized, NotFound, QuotaExceeded, InternalFailure, ServiceUnavailable)}


def sp_api_error_for_status(
    status: int, code: str | None = None, message: str | None = None, details: str | None = None
) -> SpApiError:
    """The error Amazon answers with a status (an injected fault's), with any part overridden.
    A 403 is the expired-token one, the 403 clients are written to handle."""
    error = _BY_STATUS.get(status, InternalFailure)(message, details if details is not None else "")
    if status == 403 and details is None:
        error.details = TOKEN_EXPIRED
    error.status = status
    if code:
        error.code = code
    return error


def from_exception(exc: Exception) -> SpApiError | None:
    """The SP-API error for an exception of the domain or the fixtures; None for any other."""
    if isinstance(exc, SpApiError):
        return exc
    if isinstance(exc, RuleViolation):
        return InvalidInput(str(exc))
    if isinstance(exc, FixtureError):
        return InvalidInput(f"Fixtures refused: {exc}.")
    if isinstance(exc, Unknown):
        return NotFound(str(exc))
    if isinstance(exc, StoreFileError):
        # The state is as before the request: the client may try again.
        return ServiceUnavailable(str(exc))
    return None


def error_body(code: str, message: str, details: str = "") -> dict:
    return {"errors": [{"code": code, "message": message, "details": details}]}


class LwaError(Exception):
    """An OAuth 2 error from the Login with Amazon token endpoint.

    LWA is not SP-API: it answers RFC 6749 bodies (``error``, ``error_description``), which is
    what SDK token refreshers parse.
    """

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        self.error = error
        self.description = description
        self.status = status
        super().__init__(description)

    def body(self) -> dict:
        return {"error": self.error, "error_description": self.description}


_LWA_BY_STATUS = {
    400: ("invalid_grant", "The request has an invalid grant parameter : refresh_token"),
    401: ("invalid_client", "Client authentication failed"),
    403: ("unauthorized_client", "Not authorized for requested operation"),
    404: ("invalid_request", "The requested resource was not found"),
    429: ("slow_down", "Too many requests, please try again later"),
    500: ("server_error", "The authorization server encountered an unexpected condition"),
    503: ("temporarily_unavailable", "The authorization server is temporarily unavailable"),
}


def lwa_error_for_status(status: int) -> LwaError:
    """The OAuth 2 error LWA answers with a status (an injected fault's on the token endpoint)."""
    error, description = _LWA_BY_STATUS.get(status, _LWA_BY_STATUS[500])
    return LwaError(error, description, status)
