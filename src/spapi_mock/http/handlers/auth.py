"""Login with Amazon on localhost, the access-token check of every SP-API call, and the
Tokens API's Restricted Data Tokens."""

from __future__ import annotations

from spapi_mock.http import request_scope
from spapi_mock.http.handlers.context import grant, services
from spapi_mock.http.handlers.reports import restricted_report_type


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


def token_info(svc, apikey: str) -> dict:
    """Whom an access token acts for, and what it grants. grant_for raises Unauthorized, with
    Amazon's details, for a token it refuses."""
    found = svc.access_tokens.grant_for(apikey, svc.clock.now())
    return {"sub": found.seller_id, "grant": found}
