"""What a handler needs to know about the request it serves: the mock's services, the seller
and what the presented token allows. Read from the request's scope (Connexion's context), so
handlers do not depend on the web framework underneath."""

from __future__ import annotations

from .. import request_scope
from ..access_tokens import Grant
from ..dates import to_wire
from ..errors import Unauthorized
from ..services import Services


def services() -> Services:
    return request_scope.services(request_scope.current_scope())


def seller_id() -> str:
    """The selling partner the request's access token acts for (set by the security check)."""
    return request_scope.current_security_context()["user"]


def grant() -> Grant:
    return request_scope.current_security_context()["token_info"]["grant"]


def personal_data() -> frozenset[str] | None:
    """The personal data elements (buyerInfo, shippingAddress, buyerTaxInformation) the request
    may read; None when everything shows (lenient auth)."""
    if not services().access_tokens.strict:
        return None
    scope = request_scope.current_scope()
    return grant().data_elements(scope["method"], scope["path"]) or frozenset()


def require_restricted_data_token() -> None:
    """Operations that only return personal data answer only under an RDT naming their path."""
    scope = request_scope.current_scope()
    method, path = scope["method"], scope["path"]
    if services().access_tokens.strict and grant().data_elements(method, path) is None:
        raise Unauthorized(details=f"{method} {path} needs a Restricted Data Token that names this path.")


def wire_now() -> str:
    """The mock clock as the wire writes dates (views compare it with stored dates)."""
    return to_wire(services().clock.now())
