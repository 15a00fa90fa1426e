"""Which requests a local mock may answer at all: its own names, and no browser page's orders.

The mock holds refresh tokens (``GET /_mock/sellers``) and lets any caller reset it, move its
clock or turn strict auth off. A web page the user visits could do all that: bodiless
cross-origin POSTs need no CORS preflight, and a DNS-rebinding page reaches the mock under the
attacker's own host name. So a browser's request must name the mock by a host it answers to
(loopback names by default, more by option), and a state change of the control plane must not
come from another origin.

Both are browser attacks, and only a browser's requests are held to them (it says so: a
``Sec-Fetch-*`` or ``Origin`` header, or a ``Mozilla/`` user agent). Other clients reach the
socket directly anyway, and one real SDK sends a Host no server would expect:
python-amazon-sp-api cuts ``https://`` off any endpoint, so ``http://127.0.0.1:8080`` arrives as
``Host: 27.0.0.1:8080``.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from urllib.parse import parse_qs, urlsplit

# Loopback, and Amazon's own SP-API and LWA hosts (a user may point those names at the mock; no
# attacker can make them resolve to it). "testserver" is the name in-process test clients send;
# it is not a name a public resolver answers.
DEFAULT_HOSTS = frozenset(
    {
        "localhost",
        "127.0.0.1",
        "::1",
        "testserver",
        "api.amazon.com",
        "api.amazon.co.uk",
        "api.amazon.co.jp",
        *(f"{prefix}sellingpartnerapi-{region}.amazon.com" for prefix in ("", "sandbox.") for region in ("na", "eu", "fe")),
    }
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# What a control-token server answers without the token: the container health check.
OPEN_CONTROL_PATHS = frozenset({"/_mock/health"})
TOKEN_COOKIE = "spapi_mock_token"


def control_token_refusal(path: str, query: str, headers: dict[str, str], token: str | None) -> str | None:
    """With ``--control-token``, the control plane answers only a caller that shows it: the
    ``X-Mock-Token`` header (the CLI and HttpControl send SPAPI_MOCK_CONTROL_TOKEN), or the
    dashboard's cookie, set by opening ``/_mock/dashboard?token=...`` once."""
    if not token or not path.startswith("/_mock") or path in OPEN_CONTROL_PATHS:
        return None
    shown = headers.get("x-mock-token") or _cookie(headers.get("cookie", ""), TOKEN_COOKIE) or _query_token(path, query)
    if shown is not None and hmac.compare_digest(shown.encode(), token.encode()):
        return None
    return "The control plane needs its token: send X-Mock-Token (SPAPI_MOCK_CONTROL_TOKEN for the CLI)"


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def _query_token(path: str, query: str) -> str | None:
    if path != "/_mock/dashboard":
        return None
    return parse_qs(query).get("token", [None])[0]


class AllowedHosts:
    def __init__(self, extra: Iterable[str] = (), bound_host: str | None = None) -> None:
        names = {name.strip().lower() for name in extra if name.strip()}
        self.any = "*" in names
        if bound_host and bound_host not in ("0.0.0.0", "::"):
            names.add(bound_host.lower())
        self.names = frozenset(DEFAULT_HOSTS | names)

    def allows(self, host: str) -> bool:
        name = host_name(host)
        return self.any or name in self.names or name.endswith(".localhost")


def host_name(host: str) -> str:
    """``Host`` without its port, lower case (``[::1]:8080`` is ``::1``)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def from_a_browser(headers: dict[str, str]) -> bool:
    return (
        "origin" in headers
        or any(name.startswith("sec-fetch-") for name in headers)
        or headers.get("user-agent", "").startswith("Mozilla/")
    )


def refusal(method: str, path: str, headers: dict[str, str], allowed: AllowedHosts) -> str | None:
    """Why the request may not be answered, or None."""
    if not from_a_browser(headers):
        return None
    host = headers.get("host", "")
    if not allowed.allows(host):
        return (
            f"Host '{host_name(host) or '(none)'}' is not a name this mock answers to; "
            "allow it with --allow-hosts or SPAPI_MOCK_ALLOW_HOSTS"
        )
    if method in SAFE_METHODS or not path.startswith("/_mock"):
        return None
    origin = headers.get("origin")
    if origin is not None and origin != "null" and urlsplit(origin).netloc.lower() == host.lower():
        return None
    if origin is not None or headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return "The control plane takes changes from the same origin only (a web page elsewhere may not change this mock)"
    return None
