"""The two ASGI layers around the SP-API operations, each one pass per request.

RequestEnvelope, outermost, sees the final answer whoever made it: the headers every response
carries, the request journal, the request log. Connexion then routes and checks the access
token; TrafficGate runs after that, so it knows the operation, the seller and the order id
before any handler does: injected faults, throttling, Amazon's sandbox cases.

``x-amzn-RequestId`` goes on every response, errors included; ``x-amzn-RateLimit-Limit`` (the
rate of the operation's usage plan) on successful ones and on 429s, as Amazon sends them.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import random
import time
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spapi_mock.errors import RequestTooLarge, Unauthorized, lwa_error_for_status, sp_api_error_for_status
from spapi_mock.http.request_scope import (
    attach,
    authorised_seller,
    query_pairs,
    raw_send,
    request_id,
    routed_api_base_path,
    routed_operation_id,
    share_routing_results,
)
from spapi_mock.http.server import drop_connection
from spapi_mock.kernel import untrusted_json
from spapi_mock.kernel.dates import to_wire
from spapi_mock.traffic import journal, request_guard, sandbox, specs
from spapi_mock.traffic.faults import TOKEN_OPERATION, Fault
from spapi_mock.traffic.specs import OperationName

CONTROL_PREFIX = "/_mock"
# Request bodies larger than this are journalled cut short.
_JOURNAL_BODY_LIMIT = 64 * 1024
REQUEST_LOG = logging.getLogger("spapi_mock.requests")
# A 403's body is kept this far for the log line's reason (Amazon's error envelope is small).
_REFUSAL_LIMIT = 4096


def operation_name(scope: Scope, services) -> str | None:
    """The name the mock writes for the routed operation (``getOrders``, ``getOrder@v0``), once
    routing has run (traffic/specs: one name per operation and version)."""
    operation_id = routed_operation_id(scope)
    if operation_id is None:
        return None
    return services.operation_names.get((routed_api_base_path(scope), operation_id), operation_id)


def routed_operation(scope: Scope) -> OperationName | None:
    """The routed operation with its API version, as fault rules and journal filters select it."""
    operation_id = routed_operation_id(scope)
    if operation_id is None:
        return None
    found = specs.operations().get((routed_api_base_path(scope), operation_id))
    return found if found is not None else OperationName(operation_id)


# Version 4 and the RFC 4122 variant, as uuid.uuid4() sets them.
_UUID4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID4_SET = (0x4000 << 64) | (0x8000 << 48)
# Its own generator, seeded by the system: nobody's random.seed() makes ids repeat, nor does a fork.
_IDS = random.Random()
os.register_at_fork(after_in_child=_IDS.seed)


def new_request_id() -> str:
    """A random version-4 UUID as text, as Amazon's request ids are. From Python's own generator,
    not the system's (a request id guards nothing; os.urandom was a system call per request)."""
    text = f"{_IDS.getrandbits(128) & _UUID4_CLEAR | _UUID4_SET:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def is_sp_api(scope: Scope) -> bool:
    return scope["type"] == "http" and not scope["path"].startswith(CONTROL_PREFIX)


class RequestEnvelope:
    """Around every request, in one ASGI layer (each layer is a call and a wrapped ``send`` per
    request): the host and control-token guard, the body limit, the request id and SP-API
    headers on the answer, the journal entry and the request log line."""

    def __init__(self, app: ASGIApp, services) -> None:
        self.app = app
        self.services = services
        self.allowed_hosts = request_guard.AllowedHosts(services.config.allowed_hosts, services.config.host)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path_params = share_routing_results(scope)
        amzn_request_id = new_request_id()
        attach(scope, self.services, amzn_request_id)
        receive = self._limited(scope, receive)
        journal = _JournalEntry(scope, self.services, path_params) if is_sp_api(scope) else None
        line = _LogLine(scope, self.services, path_params) if REQUEST_LOG.isEnabledFor(logging.INFO) else None

        async def send_around(message: Message) -> None:
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                if status == 204:
                    # No content, so no content type (Connexion labels even an empty body JSON).
                    headers = [(k, v) for k, v in headers if k.lower() != b"content-type"]
                headers.append((b"x-amzn-RequestId", amzn_request_id.encode()))
                if 200 <= status < 300 or status == 429:
                    rate = self.services.throttle.rate_limit_header(operation_name(scope, self.services) or "")
                    if rate:
                        headers.append((b"x-amzn-RateLimit-Limit", rate.encode()))
                message["headers"] = headers
                if journal is not None:
                    # Recorded before the answer leaves: a client that reads the journal as soon
                    # as it has its answer finds its request there.
                    journal.record(status)
                if line is not None:
                    line.status = status
            elif line is not None and message["type"] == "http.response.body":
                line.keep_refusal(message.get("body", b""))
                if not message.get("more_body"):
                    # Logged before the last of the answer leaves: a client that has its answer
                    # finds the line already written (tests, and users tailing the log, need not wait).
                    line.write()
            await send(message)

        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        refused = request_guard.refusal(scope["method"], scope["path"], headers, self.allowed_hosts)
        if refused is None:
            query = scope.get("query_string", b"").decode("latin-1")
            refused = request_guard.control_token_refusal(scope["path"], query, headers, self.services.config.control_token)
        if refused is not None:
            # Refused before anything else: not journalled, not logged as a request.
            journal = line = None
            await _send_json(send_around, 403, Unauthorized(refused).body())
            return
        if journal is not None:
            receive = journal.keeping(receive)
        try:
            await self.app(scope, receive, self._with_token_cookie(scope, send_around))
        finally:
            # No answer was sent: the connection was dropped.
            if journal is not None:
                journal.record(None)
            if line is not None:
                line.write()

    def _with_token_cookie(self, scope: Scope, send: Send) -> Send:
        """The dashboard opened with ?token= keeps it as a cookie for its own calls."""
        token = self.services.config.control_token
        if not token or scope["path"] != "/_mock/dashboard" or b"token=" not in scope.get("query_string", b""):
            return send

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookie = f"{request_guard.TOKEN_COOKIE}={token}; Path=/_mock; HttpOnly; SameSite=Strict"
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie.encode("latin-1"))]
            await send(message)

        return send_with_cookie

    def _limited(self, scope: Scope, receive: Receive) -> Receive:
        """``receive``, refusing a body larger than the configured maximum as it arrives: a
        declared Content-Length is refused before any byte is read, a chunked body once it
        passes the limit, so no handler, journal entry or store ever holds it."""
        limit = self.services.config.max_body_bytes
        refusal = f"The request size exceeded the maximum accepted size ({limit} bytes)."
        declared = next((value for name, value in scope.get("headers", []) if name.lower() == b"content-length"), b"")
        if declared.isdigit() and int(declared) > limit:

            async def refuse() -> Message:
                raise RequestTooLarge(refusal)

            return refuse
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise RequestTooLarge(refusal)
            return message

        return counted


class _JournalEntry:
    """One SP-API or LWA request's journal entry, with the answer it got (control plane calls
    are not recorded: reading the journal must not change it)."""

    def __init__(self, scope: Scope, services, path_params: dict) -> None:
        self.scope = scope
        self.services = services
        self.path_params = path_params
        self.received_at = services.clock.now()
        self.chunks: list[bytes] = []
        self.body_cut = False
        self.recorded = False

    def keeping(self, receive: Receive) -> Receive:
        """``receive``, keeping the first of the body for the entry."""

        async def receive_and_keep() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                if sum(map(len, self.chunks)) < _JOURNAL_BODY_LIMIT:
                    self.chunks.append(message.get("body", b""))
                elif message.get("body"):
                    self.body_cut = True
            return message

        return receive_and_keep

    def record(self, status: int | None) -> None:
        if self.recorded:
            return
        self.recorded = True
        scope = self.scope
        body = b"".join(self.chunks)
        headers, headers_cut = _journalled_headers(scope.get("headers") or [])
        truncated = headers_cut or len(body) > _JOURNAL_BODY_LIMIT or self.body_cut
        body = body[:_JOURNAL_BODY_LIMIT]
        operation = routed_operation(scope)
        entry = {
            "operation": operation.operation_id if operation else None,
            "version": operation.version if operation else None,
            "orderId": self.path_params.get("orderId"),
            "sellerId": self._seller(body),
            "status": status,
        }
        if status is None:
            entry["dropped"] = True
        if truncated:
            entry["truncated"] = True  # headers or body kept cut short (see _journalled_headers)
        # Only what the entry needs is kept, not the scope (it holds the connection).
        request = {k: scope.get(k) for k in ("method", "path", "query_string")}
        request["headers"] = headers
        request["request_id"] = request_id(scope)
        size = len(body) + sum(len(k) + len(v) for k, v in headers) + len(request["query_string"] or b"")
        self.services.journal.record(entry, functools.partial(_details, request, self.received_at, body), size)

    def _seller(self, body: bytes) -> str | None:
        """Whose request it was: the seller its access token was accepted for, else the one its
        refresh token (a token request) or its refused access token names."""
        seller = authorised_seller(self.scope)
        if seller is not None:
            return seller
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in self.scope.get("headers", [])}
        return _refresh_token_seller(self.services, body, headers.get("content-type", "")) or (
            self.services.access_tokens.seller_hint(headers.get("x-amz-access-token"))
        )


def _refresh_token_seller(services, body: bytes, content_type: str) -> str | None:
    """The seller whose refresh token a token request carries, if it carries one."""
    fields = _body_fields(body, content_type)
    if isinstance(fields, dict) and fields.get("refresh_token"):
        return services.backend.seller_for_refresh_token(str(fields["refresh_token"]))
    return None


# What one journal entry keeps of a request's headers: each value and all of them cut short.
_JOURNAL_HEADER_VALUE_LIMIT = 1024
_JOURNAL_HEADERS_LIMIT = 16 * 1024


def _journalled_headers(headers: list) -> tuple[list, bool]:
    kept, total, cut = [], 0, False
    for name, value in headers:
        if len(value) > _JOURNAL_HEADER_VALUE_LIMIT:
            value, cut = value[:_JOURNAL_HEADER_VALUE_LIMIT] + b"...", True
        if total + len(name) + len(value) > _JOURNAL_HEADERS_LIMIT:
            return kept, True
        total += len(name) + len(value)
        kept.append((name, value))
    return kept, cut


def _details(request: dict, received_at, body: bytes) -> dict:
    """The rest of a journal entry, made when it is first read."""
    headers = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in request["headers"] or []]
    fields = _body_fields(body, dict(headers).get("content-type", ""))
    return {
        "requestId": request["request_id"],
        "at": to_wire(received_at),
        "method": request["method"],
        "path": request["path"],
        # Credentials sent in the query string (a token request's, say) are masked as in a body.
        "query": journal.masked_fields(
            {k: v if len(v) > 1 else v[0] for k, v in parse_qs((request["query_string"] or b"").decode()).items()}
        ),
        "headers": journal.masked_headers(headers),
        "body": journal.masked_fields(fields),
    }


def _body_fields(body: bytes, content_type: str):
    """A request body as the journal shows it: JSON parsed, a form as a dict, else text."""
    if not body:
        return None
    text = body.decode("utf-8", errors="replace")
    if "json" in content_type:
        try:
            return untrusted_json.loads(text)
        except untrusted_json.UntrustedJsonError:
            # Kept as text (what could not be parsed, too deep or unencodable, is shown as sent).
            return body.decode("utf-8", errors="backslashreplace")
    if "x-www-form-urlencoded" in content_type:
        return {k: v[0] for k, v in parse_qs(text).items()}
    return text


class _LogLine:
    """One line per request: what was asked (operation and order id, else the method and path),
    the status answered and how long it took, and for a 403 why (its error's details: no token,
    one the mock never issued, an expired one, no Restricted Data Token). At info level: every
    SP-API call, every change through the control plane and every error; successful reads of
    the control plane, the dashboard and the docs only at debug level (an open dashboard polls
    several times a second)."""

    def __init__(self, scope: Scope, services, path_params: dict) -> None:
        self.scope = scope
        self.services = services
        self.path_params = path_params
        self.started = time.perf_counter()
        self.status: int | None = None
        self.refusal = b""
        self.written = False

    def keep_refusal(self, chunk: bytes) -> None:
        if self.status == 403 and len(self.refusal) < _REFUSAL_LIMIT:
            self.refusal += chunk[:_REFUSAL_LIMIT]

    def write(self) -> None:
        if self.written:
            return
        self.written = True
        scope, status = self.scope, self.status
        operation = operation_name(scope, self.services)
        level = logging.DEBUG if self._routine(operation) else logging.INFO
        if not REQUEST_LOG.isEnabledFor(level):
            return
        REQUEST_LOG.log(
            level,
            "%s -> %s (%.1f ms%s)%s",
            self._what(operation),
            status if status is not None else "dropped",
            (time.perf_counter() - self.started) * 1000,
            f", seller {seller}" if (seller := authorised_seller(scope)) else "",
            f": {why}" if (why := self._why_refused()) else "",
        )

    def _why_refused(self) -> str | None:
        """The details (else the message) of a 403's SP-API error, as the client was told."""
        if self.status != 403 or not self.refusal:
            return None
        try:
            (error, *_) = untrusted_json.loads(self.refusal.decode("utf-8"))["errors"]
            return str(error.get("details") or error["message"])
        except (untrusted_json.UntrustedJsonError, UnicodeDecodeError, KeyError, TypeError, ValueError):
            return None

    def _routine(self, operation: str | None) -> bool:
        scope, status = self.scope, self.status
        is_operation = is_sp_api(scope) and operation is not None
        return scope["method"] == "GET" and status is not None and status < 400 and not is_operation

    def _what(self, operation: str | None) -> str:
        scope = self.scope
        if operation is None:
            return f"{scope['method']} {scope['path']}"
        if not is_sp_api(scope):
            operation = f"control {operation}"
        order_id = self.path_params.get("orderId")
        return f"{operation} {order_id}" if order_id else operation


class TrafficGate:
    """Once the operation and the seller are known, in one ASGI layer: injected faults first (a
    test asked for them), then the seller's usage-plan bucket, then Amazon's static sandbox
    cases (a request that matches one gets its canned answer)."""

    def __init__(self, app: ASGIApp, services) -> None:
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        operation = operation_name(scope, self.services) if is_sp_api(scope) else None
        if operation is None:
            await self.app(scope, receive, send)
            return
        routed = routed_operation(scope)
        seller = authorised_seller(scope)
        if seller is None and routed.operation_id == TOKEN_OPERATION and self.services.faults.wants_seller_of(routed):
            # A token request acts for the seller of its refresh token, which only its body says.
            body, receive = await _buffer_body(receive)
            content_type = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == b"content-type"), "")
            seller = _refresh_token_seller(self.services, body, content_type)
        fault = self.services.faults.take(routed, scope.get("path_params", {}).get("orderId"), seller)
        if fault is not None:
            delay = fault.delay_seconds()
            if delay:
                await asyncio.sleep(delay)
            if fault.drop:
                await _drop_connection(scope)
                return
            if fault.status is not None or fault.body is not None:
                await _fault_answer(fault, operation, send)
                return
        if seller is not None and not self.services.throttle.admit(seller, operation, self.services.clock.now()):
            await _send_json(send, 429, sp_api_error_for_status(429).body())
            return
        canned, receive = await _sandbox_case(self.services.sandbox, scope, receive)
        if canned is not None:
            body = b"" if canned.body is None else json.dumps(canned.body, separators=(",", ":")).encode()
            await send_body(send, canned.status, body, content_type=bool(body))
            return
        await self.app(scope, receive, send)


async def _fault_answer(fault: Fault, operation: str, send: Send) -> None:
    if fault.body == "empty":
        await send_body(send, 200, b"")
    elif fault.body == "malformed":
        # Cut short mid-document, as a truncated response would be.
        await send_body(send, 200, b'{"payload":{"Orders":[{"AmazonOrderId":"')
    elif operation == TOKEN_OPERATION:
        await _send_json(send, fault.status, lwa_error_for_status(fault.status).body())
    else:
        error = sp_api_error_for_status(fault.status, fault.code, fault.message, fault.details)
        await _send_json(send, fault.status, error.body())


async def _drop_connection(scope: Scope) -> None:
    """Close the connection without an answer, as a network failure would."""
    server_send = raw_send(scope)
    transport = getattr(getattr(server_send, "__self__", None), "transport", None)
    if transport is not None:  # uvicorn's, for an app served by it
        transport.close()
    elif not drop_connection(scope.get("client")):
        raise ConnectionAbortedError("spapi-mock dropped the connection (an injected fault)")
    # Let the server see the connection gone before this request ends, so it answers nothing.
    await asyncio.sleep(0)


async def _send_json(send: Send, status: int, body: dict) -> None:
    await send_body(send, status, json.dumps(body, separators=(",", ":")).encode())


async def send_body(send: Send, status: int, body: bytes, content_type: bool = True) -> None:
    """One whole answer: ``body`` as JSON (or nothing labelled), with its length."""
    headers = [(b"content-length", str(len(body)).encode())]
    if content_type:
        headers.insert(0, (b"content-type", b"application/json"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _sandbox_case(
    cases: sandbox.SandboxCases, scope: Scope, receive: Receive
) -> tuple[sandbox.CannedAnswer | None, Receive]:
    """The sandbox case a routed request matches, if any, and the ``receive`` to read its body
    with from now on (a body read to match it is handed on unchanged)."""
    operation_id = routed_operation_id(scope)
    base_path = routed_api_base_path(scope)
    if not cases.has_cases(operation_id, base_path):
        return None, receive
    deciding = cases.deciding(operation_id, base_path)
    query = scope.get("query_string", b"")
    if deciding is not None and not query and (scope.get("path_params") or {}).get(deciding[0]) not in deciding[1]:
        return None, receive  # matches no case (a read by path alone, the usual one: nothing to parse)
    params: dict[str, Any] = dict(scope.get("path_params") or {})
    for name, value in query_pairs(scope):
        params[name] = value
    if deciding is not None and params.get(deciding[0]) not in deciding[1]:
        return None, receive  # matches no case: its body is not read here
    if scope["method"] not in ("GET", "HEAD"):
        raw_body, receive = await _buffer_body(receive)
        try:
            params["body"] = untrusted_json.loads(raw_body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            pass  # matches no case; the validator says what is wrong with it
    return cases.answer(operation_id, params, base_path), receive


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
