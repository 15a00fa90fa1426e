"""Amazon's static sandbox for Orders v0, answered as the sandbox does.

Client test suites written against Amazon's sandbox send fixed values (``TEST_CASE_200``,
sandbox order ids, exact bodies) and expect fixed answers. The cases are data
(``fixtures/sandbox/orders-v0.json``); a request matches a case when every parameter the case
names has exactly the case's value, and the case naming the most parameters wins.

The check runs after routing and the access-token check but before request validation,
because the sandbox's own 400 cases are requests our validation would refuse differently.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .middleware import routed_operation_id


class CannedAnswer(NamedTuple):
    status: int
    body: dict | None


class SandboxCases:
    def __init__(self, cases: list[dict]) -> None:
        self._by_operation: dict[str, list[dict]] = {}
        for case in cases:
            self._by_operation.setdefault(case["operationId"], []).append(case)
        for cases_of_op in self._by_operation.values():
            cases_of_op.sort(key=lambda c: -len(c["parameters"]))

    @classmethod
    def from_file(cls, path: str | Path) -> SandboxCases:
        return cls(json.loads(Path(path).read_text(encoding="utf-8"))["cases"])

    def has_cases(self, operation_id: str | None) -> bool:
        return operation_id in self._by_operation

    def answer(self, operation_id: str, params: dict[str, Any]) -> CannedAnswer | None:
        for case in self._by_operation.get(operation_id, ()):
            if not case["parameters"]:
                continue  # Amazon's catch-all cases would swallow every real request
            if all(_same(params.get(name), value) for name, value in case["parameters"].items()):
                return CannedAnswer(case["status"], case["response"])
        return None


def _same(given: Any, expected: Any) -> bool:
    if given is None:
        return False
    if isinstance(expected, list):
        given_list = given if isinstance(given, list) else str(given).split(",")
        return sorted(map(str, given_list)) == sorted(map(str, expected))
    return given == expected


class SandboxMiddleware:
    """Answers a request that matches a sandbox case before the API sees it."""

    def __init__(self, app: ASGIApp, cases: SandboxCases) -> None:
        self.app = app
        self.cases = cases

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        operation_id = routed_operation_id(scope)
        if scope["type"] != "http" or not self.cases.has_cases(operation_id):
            await self.app(scope, receive, send)
            return
        params: dict[str, Any] = dict(scope.get("path_params") or {})
        for name, value in parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True):
            params[name] = value
        if scope["method"] not in ("GET", "HEAD"):
            raw_body, receive = await _buffer_body(receive)
            try:
                params["body"] = json.loads(raw_body)
            except ValueError:
                pass
        canned = self.cases.answer(operation_id, params)
        if canned is None:
            await self.app(scope, receive, send)
            return
        body = b"" if canned.body is None else json.dumps(canned.body, separators=(",", ":")).encode()
        headers = [(b"content-length", str(len(body)).encode())]
        if body:
            headers.append((b"content-type", b"application/json"))
        await send({"type": "http.response.start", "status": canned.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def _buffer_body(receive: Receive) -> tuple[bytes, Receive]:
    """Read the whole request body, and a receive that hands it on unchanged."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay
