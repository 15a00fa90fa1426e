"""What a handler needs to know about the request it serves: the mock's services, the seller
and what the presented token allows."""

from __future__ import annotations

from connexion.context import context
from flask import current_app, request

from ..access_tokens import Grant
from ..errors import Unauthorized
from ..services import Services

EXTENSION_KEY = "spapi_mock"


def services() -> Services:
    return current_app.extensions[EXTENSION_KEY]


def seller_id() -> str:
    """The selling partner the request's access token acts for (set by the security check)."""
    return context["user"]


def grant() -> Grant:
    return context["token_info"]["grant"]


def personal_data() -> frozenset[str] | None:
    """The personal data elements (buyerInfo, shippingAddress, buyerTaxInformation) the request
    may read; None when everything shows (lenient auth)."""
    if not services().access_tokens.strict:
        return None
    return grant().data_elements(request.method, request.path) or frozenset()


def require_restricted_data_token() -> None:
    """Operations that only return personal data answer only under an RDT naming their path."""
    if services().access_tokens.strict and grant().data_elements(request.method, request.path) is None:
        raise Unauthorized(details=f"{request.method} {request.path} needs a Restricted Data Token that names this path.")
