"""What a handler needs to know about the request it serves: the mock's services, the seller
and what the presented token allows. Read from the request's scope (Connexion's context), so
handlers do not depend on the web framework underneath."""

from __future__ import annotations

from spapi_mock.errors import Unauthorized
from spapi_mock.http import request_scope
from spapi_mock.kernel.dates import to_wire
from spapi_mock.runtime import Services
from spapi_mock.traffic import request_guard
from spapi_mock.traffic.access_tokens import Grant


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


def base_url() -> str:
    """Where the client can reach the mock, for the presigned URLs it will call next: the
    configured public URL, else the Host the request named if the mock answers to it, else the
    address the request arrived at (python-amazon-sp-api sends ``Host: 27.0.0.1:8080`` for
    ``http://127.0.0.1:8080``)."""
    config = services().config
    if config.public_url:
        return config.public_url.rstrip("/")
    scope = request_scope.current_scope()
    host = next((value.decode("latin-1") for name, value in scope["headers"] if name == b"host"), "")
    if not host or not request_guard.AllowedHosts(config.allowed_hosts, config.host).allows(host):
        server = scope.get("server") or ("127.0.0.1", config.port)
        host = f"[{server[0]}]:{server[1]}" if ":" in server[0] else f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}"
