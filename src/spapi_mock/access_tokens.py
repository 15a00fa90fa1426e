"""Login with Amazon on localhost: the tokens the mock issues and which seller they act for.

Without strict auth any non-empty ``x-amz-access-token`` is accepted and acts for the default
seller, as an SDK pointed at the mock needs no real credentials.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from .errors import LwaError

GRANT_TYPES = ("refresh_token", "client_credentials")


class AccessTokens:
    def __init__(self, ttl: timedelta, default_seller_id: str) -> None:
        self._ttl = ttl
        self._default_seller_id = default_seller_id

    def exchange(self, form: dict[str, str]) -> dict:
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
        if grant_type == "refresh_token":
            refresh_token = (form.get("refresh_token") or "").strip()
            if not refresh_token:
                raise LwaError("invalid_request", "The request is missing a required parameter : refresh_token")
        elif not form.get("scope"):
            raise LwaError("invalid_scope", "The request has an invalid scope parameter")
        reply = {
            "access_token": "Atza|" + secrets.token_urlsafe(48),
            "token_type": "bearer",
            "expires_in": int(self._ttl.total_seconds()),
        }
        if refresh_token:
            reply["refresh_token"] = refresh_token
        return reply

    def seller_for(self, access_token: str) -> str | None:
        """The seller a presented access token acts for, or None if it is not acceptable."""
        if not access_token or not access_token.strip():
            return None
        return self._default_seller_id
