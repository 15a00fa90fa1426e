"""The one place that builds SP-API error envelopes.

Amazon's v0 error body is ``{"errors": [{"code", "message", "details"}]}``; every error this
mock returns, from a handler, a validator or the router, goes through ``error_body``.
"""

from __future__ import annotations

from .domain.exceptions import RuleViolation, Unknown
from .fixtures import FixtureError


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
