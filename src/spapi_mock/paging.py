"""NextToken (v0) and paginationToken (v2026-01-01): opaque, signed page cursors.

A token carries where the next page starts and what it belongs to (the seller, and the query
or order it pages through). It is signed, so a forged or altered token, or one issued for
another query or seller, is refused with InvalidInput instead of silently paging something
else. A token issued with an ``expires`` time is refused once the clock passes it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from datetime import datetime
from typing import Any

from .dates import to_wire
from .domain.exceptions import RuleViolation


class PageTokens:
    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret or secrets.token_bytes(32)

    def issue(self, payload: dict[str, Any]) -> str:
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        mac = hmac.new(self._secret, body, hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(mac + body).decode().rstrip("=")

    def read(
        self, token: str, kind: str, seller_id: str, *, param: str = "NextToken", now: datetime | None = None
    ) -> dict[str, Any]:
        """The payload of a token issued by this server for ``kind`` and this seller, and not
        expired at ``now``; ``param`` names the token in refusals."""
        invalid = RuleViolation(f"Invalid {param}: it was not issued by this service for this request.")
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (ValueError, TypeError):
            raise invalid from None
        mac, body = raw[:16], raw[16:]
        if len(mac) < 16 or not hmac.compare_digest(mac, hmac.new(self._secret, body, hashlib.sha256).digest()[:16]):
            raise invalid
        payload = json.loads(body)
        if payload.get("kind") != kind or payload.get("seller") != seller_id:
            raise invalid
        expires = payload.get("expires")
        if expires is not None and now is not None and to_wire(now) >= expires:
            raise RuleViolation(f"Invalid {param}: it expired at {expires}; search again without it.")
        return payload
