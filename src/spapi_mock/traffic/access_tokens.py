"""Login with Amazon on localhost: the tokens the mock issues, whom they act for, and when
they expire (on the mock clock).

Each refresh token belongs to a selling partner (``Backend.seller_for_refresh_token``); the
access tokens and Restricted Data Tokens issued for it act for that seller only.

Lenient mode (the default): any non-empty ``x-amz-access-token`` is accepted, so an SDK pointed
at the mock needs no credentials; a token the mock issued acts for its seller, any other for
the default seller, and personal data is shown without an RDT.
Strict mode: only tokens the mock issued are accepted, an expired one is refused with the 403
Amazon sends, and buyer data and addresses need an RDT that covers them, as does the document
of a restricted report type (an RDT naming that one document: Amazon takes no generic path for
getReportDocument).

A refusal is Amazon's 403 body (``Unauthorized``, "Access to requested resource is denied.")
whose ``details`` say what the mock saw: no token, a token it never issued, an expired one.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from spapi_mock.errors import NO_ACCESS_TOKEN, NOT_ISSUED, TOKEN_EXPIRED, InvalidInput, LwaError, Unauthorized

GRANT_TYPES = ("refresh_token", "client_credentials")
# The scopes LWA grants a client_credentials token (Amazon's grantless operations): the
# Notifications API's destinations, client secret rotation, and the older migration scope.
NOTIFICATIONS_SCOPE = "sellingpartnerapi::notifications"
GRANTLESS_SCOPES = frozenset(
    {NOTIFICATIONS_SCOPE, "sellingpartnerapi::client_credential:rotation", "sellingpartnerapi::migration"}
)
RDT_TTL = timedelta(hours=1)
# Issued tokens are forgotten a day after they expire, so a long-running server stays small.
_FORGET_AFTER = timedelta(days=1)
# Amazon's restricted report types (Tokens API use case guide, "Restricted report types"):
# their documents carry buyers' personal data, so getReportDocument of one needs an RDT. Of
# these the mock produces GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING (Unshipped Orders) and
# GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING (the Order Report); the others it only refuses to
# produce (their FATAL reports' documents are restricted all the same).
RESTRICTED_REPORT_TYPES = frozenset(
    {
        "GET_AMAZON_FULFILLED_SHIPMENTS_DATA_INVOICING",
        "GET_AMAZON_FULFILLED_SHIPMENTS_DATA_TAX",
        "GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING",
        "GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING",
        "GET_FLAT_FILE_ORDER_REPORT_DATA_INVOICING",
        "GET_FLAT_FILE_ORDER_REPORT_DATA_TAX",
        "GET_FLAT_FILE_ORDERS_RECONCILIATION_DATA_TAX",
        "GET_FLAT_FILE_ORDERS_RECONCILIATION_DATA_INVOICING",
        "GET_FLAT_FILE_ORDERS_RECONCILIATION_DATA_SHIPPING",
        "GET_ORDER_REPORT_DATA_INVOICING",
        "GET_ORDER_REPORT_DATA_TAX",
        "GET_ORDER_REPORT_DATA_SHIPPING",
        "GET_EASYSHIP_DOCUMENTS",
        "GET_GST_MTR_B2B_CUSTOM",
        "GET_VAT_TRANSACTION_DATA",
        "SC_VAT_TAX_REPORT",
    }
)
REPORTS_PREFIX = "/reports/"
REPORT_DOCUMENT_PATH = re.compile(r"/reports/2021-06-30/documents/(?P<reportDocumentId>[^/{}]+)")
# What Amazon's createRestrictedDataToken answers for a Reports API path that is not the
# document of a restricted report (a generic path, a report list, an unrestricted type).
UNSUPPORTED_DOCUMENT = "Invalid or unsupported document ID found"


@dataclass(frozen=True)
class RestrictedResource:
    method: str
    path: str
    data_elements: frozenset[str]

    def covers(self, method: str, path: str) -> bool:
        """A path with ``{name}`` segments (``/orders/v0/orders/{orderId}/address``) covers any
        value there, as Amazon's generic RDT paths do."""
        return method == self.method and _path_pattern(self.path).fullmatch(path) is not None


@dataclass(frozen=True)
class Grant:
    """What a presented token allows: acting for a seller, until a time; for an RDT, also
    reading the personal data of the resources it names."""

    seller_id: str
    expires_at: datetime | None = None  # None: a token the mock did not issue (lenient mode)
    client_id: str | None = None
    restricted: tuple[RestrictedResource, ...] = ()
    # A client_credentials token: for grantless operations only (notification destinations,
    # authorization migration), none of which act for a seller; with the scopes it was granted.
    grantless: bool = False
    scopes: frozenset[str] = frozenset()

    def names(self, method: str, path: str) -> bool:
        """Whether an RDT names exactly this request (a specific path, as getReportDocument needs)."""
        return any(r.method == method and r.path == path for r in self.restricted)

    def data_elements(self, method: str, path: str) -> frozenset[str] | None:
        """The personal data this token may read on the request; None if no RDT covers it."""
        covering = [r for r in self.restricted if r.covers(method, path)]
        if not covering:
            return None
        return frozenset().union(*(r.data_elements for r in covering))


class AccessTokens:
    def __init__(
        self,
        ttl: timedelta,
        default_seller_id: str,
        seller_for_refresh_token: Callable[[str], str] | None = None,
        strict: bool = False,
    ) -> None:
        self._ttl = ttl
        self._default_seller_id = default_seller_id
        self._seller_for_refresh_token = seller_for_refresh_token or (lambda _token: default_seller_id)
        self.strict = strict
        self._started_strict = strict
        self._issued: dict[str, Grant] = {}
        self._lock = threading.Lock()

    @property
    def ttl(self) -> timedelta:
        return self._ttl

    def exchange(self, form: dict[str, str], now: datetime) -> dict:
        """Answer a token request as LWA does, or raise LwaError."""
        grant_type = (form.get("grant_type") or "").strip()
        if not grant_type:
            raise LwaError("invalid_request", "The request is missing a required parameter : grant_type")
        if grant_type not in GRANT_TYPES:
            raise LwaError("unsupported_grant_type", f"Unsupported grant_type: {grant_type}")
        if not form.get("client_id"):
            raise LwaError("invalid_request", "The request is missing a required parameter : client_id")
        if not form.get("client_secret"):
            raise LwaError("invalid_client", "Client authentication failed", status=401)
        refresh_token = None
        seller_id = self._default_seller_id
        if grant_type == "refresh_token":
            refresh_token = (form.get("refresh_token") or "").strip()
            if not refresh_token:
                raise LwaError("invalid_request", "The request is missing a required parameter : refresh_token")
            seller_id = self._seller_for_refresh_token(refresh_token)
        scopes = frozenset((form.get("scope") or "").split())
        if grant_type == "client_credentials" and (not scopes or not scopes <= GRANTLESS_SCOPES):
            raise LwaError("invalid_scope", "The request has an invalid scope parameter")
        token = "Atza|" + secrets.token_urlsafe(48)
        grantless = grant_type == "client_credentials"
        grant = Grant(
            seller_id, now + self._ttl, form.get("client_id"), grantless=grantless, scopes=scopes if grantless else frozenset()
        )
        self._remember(token, grant, now)
        reply = {"access_token": token, "token_type": "bearer", "expires_in": int(self._ttl.total_seconds())}
        if refresh_token:
            reply["refresh_token"] = refresh_token
        return reply

    def restricted_data_token(
        self,
        grant: Grant,
        resources: list[dict],
        now: datetime,
        restricted_report_type: Callable[[str], str | None] = lambda _document_id: None,
    ) -> dict:
        """An RDT for the resources, acting for the seller of the token that asked for it. Amazon
        issues RDTs for LWA access tokens: an RDT cannot mint another (and so widen itself).
        ``restricted_report_type``: the restricted type of the seller's report whose document has
        this id, or None; under strict auth a Reports API resource must name such a document."""
        if grant.restricted:
            raise Unauthorized(details="A Restricted Data Token cannot be used to request another; use an LWA access token.")
        if self.strict:
            for resource in resources:
                _check_report_resource(resource, grant.seller_id, restricted_report_type)
        restricted = tuple(RestrictedResource(r["method"], r["path"], frozenset(r.get("dataElements") or ())) for r in resources)
        token = "Atz.sprdt|" + secrets.token_urlsafe(40)
        self._remember(token, Grant(grant.seller_id, now + RDT_TTL, grant.client_id, restricted), now)
        return {"restrictedDataToken": token, "expiresIn": int(RDT_TTL.total_seconds())}

    def grant_for(
        self, access_token: str | None, now: datetime, for_seller: bool = True, grantless_scope: str | None = None
    ) -> Grant:
        """What the presented token allows, or Unauthorized with the details Amazon gives. Under
        strict auth an operation that acts for a seller (``for_seller``) needs a seller's token,
        and a grantless one (``grantless_scope``) a client_credentials token of that scope;
        an operation may take either."""
        token = (access_token or "").strip()
        if not token:
            raise Unauthorized(details=NO_ACCESS_TOKEN)
        grant = self._issued.get(token)
        if grant is None:
            if self.strict:
                raise Unauthorized(details=NOT_ISSUED)
            return Grant(self._default_seller_id)
        if self.strict and grant.expires_at is not None and now >= grant.expires_at:
            raise Unauthorized(details=TOKEN_EXPIRED)
        if not self.strict:
            return grant
        if grant.grantless and grantless_scope is None:
            # Orders and RDTs act for a selling partner; a grantless token acts for none.
            raise Unauthorized(details="A grantless (client_credentials) token cannot call an operation for a selling partner.")
        if grant.grantless and grantless_scope not in grant.scopes:
            raise Unauthorized(
                details=f"This grantless token's scope ({' '.join(sorted(grant.scopes))}) does not include {grantless_scope}."
            )
        if not grant.grantless and not for_seller:
            raise Unauthorized(
                details=(
                    "A grantless operation: it needs an access token from a client_credentials grant with scope "
                    f"{grantless_scope}, not a selling partner's (refresh_token) token."
                )
            )
        return grant

    def require_rdt_for_report(self, grant: Grant, report_type: str | None, method: str, path: str) -> None:
        """Under strict auth, the document of a restricted report type answers only an RDT that
        names its path exactly (Amazon: "a specific path, not a generic path")."""
        if not self.strict or report_type not in RESTRICTED_REPORT_TYPES or grant.names(method, path):
            return
        held = "a Restricted Data Token that does not name it" if grant.restricted else "an LWA access token"
        raise Unauthorized(
            details=(
                f"{report_type} is a restricted report type: its document needs a Restricted Data Token whose "
                f"restrictedResources name {method} {path}; this request carries {held} (seller {grant.seller_id})."
            )
        )

    def seller_hint(self, access_token: str | None) -> str | None:
        """The seller a token names, whether or not it would be accepted (for the journal)."""
        token = (access_token or "").strip()
        if not token:
            return None
        grant = self._issued.get(token)
        return grant.seller_id if grant else self._default_seller_id

    def reset(self, seller_id: str | None = None) -> None:
        """A whole reset puts the auth mode back. Issued tokens stay valid: they are a client's
        credentials, and a client holding one must still act for the same seller."""
        if seller_id is None:
            self.strict = self._started_strict

    def _remember(self, token: str, grant: Grant, now: datetime) -> None:
        with self._lock:
            self._issued[token] = grant
            if len(self._issued) % 1000 == 0:
                stale = [t for t, g in self._issued.items() if g.expires_at and g.expires_at + _FORGET_AFTER < now]
                for t in stale:
                    del self._issued[t]


def _check_report_resource(resource: dict, seller_id: str, restricted_report_type: Callable[[str], str | None]) -> None:
    path = resource["path"]
    if not path.startswith(REPORTS_PREFIX):
        return
    document = REPORT_DOCUMENT_PATH.fullmatch(path)
    if resource["method"] == "GET" and document and restricted_report_type(document["reportDocumentId"]):
        return
    raise InvalidInput(
        UNSUPPORTED_DOCUMENT,
        details=(
            f"{resource['method']} {path}: the Reports API's only restricted resource is "
            "GET /reports/2021-06-30/documents/<reportDocumentId> with the id of a document of a restricted report type "
            f"of seller {seller_id} (a specific path, not {{reportDocumentId}})."
        ),
    )


def _path_pattern(path: str) -> re.Pattern:
    parts = re.split(r"(\{[^/{}]+\})", path)
    return re.compile("".join("[^/]+" if p.startswith("{") and p.endswith("}") else re.escape(p) for p in parts))
