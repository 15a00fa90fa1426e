"""Login with Amazon on localhost, and the access-token check of every SP-API call."""

from __future__ import annotations

from flask import request

from ..errors import Unauthorized
from .context import services


def create_token(body=None, **_form) -> dict:
    """POST /auth/o2/token: form-encoded (as LWA documents) or JSON (as some SDKs send)."""
    if request.is_json:
        fields = body if isinstance(body, dict) else {}
    else:
        fields = request.form.to_dict()
    return services().access_tokens.exchange({k: str(v) for k, v in fields.items() if v is not None})


def check_access_token(apikey: str, required_scopes=None, request=None) -> dict:
    """Connexion's security hook for the ``x-amz-access-token`` header."""
    svc = request.scope["spapi_mock.services"]
    seller = svc.access_tokens.seller_for(apikey)
    if seller is None:
        raise Unauthorized()
    return {"sub": seller}
