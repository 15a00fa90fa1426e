"""Headers every SP-API response carries, and the services the security check reads.

``x-amzn-RequestId`` goes on every response, errors included; ``x-amzn-RateLimit-Limit``
(the operation's rate from the spec's usage plan) on successful ones, as Amazon sends them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ROUTING_CONTEXT = "connexion_routing"


def routed_operation_id(scope: Scope) -> str | None:
    """The operationId Connexion's router matched, once routing has run."""
    return scope.get("extensions", {}).get(ROUTING_CONTEXT, {}).get("operation_id")


class SpApiHeaders:
    def __init__(self, app: ASGIApp, services, rate_limits: Mapping[str, str]) -> None:
        self.app = app
        self.services = services
        self.rate_limits = rate_limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope["spapi_mock.services"] = self.services
        # Connexion's router records the operation in a shallow copy of the scope; an
        # extensions dict that exists before the copy is shared, so we can read it back.
        scope.setdefault("extensions", {})
        request_id = str(uuid.uuid4())

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if message["status"] == 204:
                    # No content, so no content type (Connexion labels even an empty body JSON).
                    headers = [(k, v) for k, v in headers if k.lower() != b"content-type"]
                headers.append((b"x-amzn-RequestId", request_id.encode()))
                if 200 <= message["status"] < 300:
                    rate = self.rate_limits.get(routed_operation_id(scope) or "")
                    if rate:
                        headers.append((b"x-amzn-RateLimit-Limit", rate.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
