"""Login with Amazon on localhost, the access-token check of every SP-API call, and the
Tokens API's Restricted Data Tokens."""

from __future__ import annotations

from spapi_mock.http import request_scope
from spapi_mock.http.handlers.context import grant, services
from spapi_mock.http.handlers.reports import restricted_report_type
from spapi_mock.traffic.access_tokens import NOTIFICATIONS_SCOPE


def create_token(body=None, **_form) -> dict:
    """POST /auth/o2/token: form-encoded (as LWA documents) or JSON (as some SDKs send); Connexion
    passes either as the parsed body."""
    fields = body if isinstance(body, dict) else {}
    svc = services()
    return svc.access_tokens.exchange({k: str(v) for k, v in fields.items() if v is not None}, svc.clock.now())


def create_restricted_data_token(body: dict) -> dict:
    """POST /tokens/2021-03-01/restrictedDataToken, for the seller of the presented token."""
    svc, token = services(), grant()
    return svc.access_tokens.restricted_data_token(
        token,
        body["restrictedResources"],
        svc.clock.now(),
        lambda document_id: restricted_report_type(token.seller_id, document_id),
    )


def check_access_token(apikey: str, required_scopes=None, request=None) -> dict:
    """Connexion's security hook for the ``x-amz-access-token`` header."""
    return token_info(request_scope.services(request.scope), apikey)


def check_grantless_token(apikey: str, required_scopes=None, request=None) -> dict:
    """The hook of the Notifications API's grantless operations (its destinations)."""
    return token_info(request_scope.services(request.scope), apikey, for_seller=False, grantless_scope=NOTIFICATIONS_SCOPE)


def check_seller_or_grantless_token(apikey: str, required_scopes=None, request=None) -> dict:
    """The hook of getSubscriptionById and deleteSubscriptionById: grantless at Amazon, and
    called by the SDKs with the seller's token too."""
    return token_info(request_scope.services(request.scope), apikey, grantless_scope=NOTIFICATIONS_SCOPE)


def token_info(svc, apikey: str, for_seller: bool = True, grantless_scope: str | None = None) -> dict:
    """Whom an access token acts for, and what it grants. grant_for raises Unauthorized, with
    Amazon's details, for a token it refuses."""
    found = svc.access_tokens.grant_for(apikey, svc.clock.now(), for_seller, grantless_scope)
    return {"sub": found.seller_id, "grant": found}
