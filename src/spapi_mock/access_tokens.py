"""Login with Amazon on localhost: the tokens the mock issues and which seller they act for.

Without strict auth any non-empty ``x-amz-access-token`` is accepted and acts for the default
seller, as an SDK pointed at the mock needs no real credentials.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from .clock import Clock
from .errors import LwaError

GRANT_TYPES = ("refresh_token", "client_credentials")


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    refresh_token: str | None
    seller_id: str
    expires_at: datetime


class AccessTokens:
    def __init__(self, clock: Clock, ttl: timedelta, default_seller_id: str) -> None:
        self._clock = clock
        self._ttl = ttl
        self._default_seller_id = default_seller_id
        self._issued: dict[str, IssuedToken] = {}
        self._lock = threading.Lock()

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
        issued = IssuedToken(
            access_token="Atza|" + secrets.token_urlsafe(48),
            refresh_token=refresh_token,
            seller_id=self._default_seller_id,
            expires_at=self._clock.now() + self._ttl,
        )
        with self._lock:
            self._issued[issued.access_token] = issued
        reply = {"access_token": issued.access_token, "token_type": "bearer", "expires_in": int(self._ttl.total_seconds())}
        if refresh_token:
            reply["refresh_token"] = refresh_token
        return reply

    def seller_for(self, access_token: str) -> str | None:
        """The seller a presented access token acts for, or None if it is not acceptable."""
        if not access_token or not access_token.strip():
            return None
        return self._default_seller_id
