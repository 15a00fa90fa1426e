"""The mock's S3 (``document_urls``) over HTTP: a PUT of a feed document's contents to its
presigned URL, a GET of a feed or report document's contents (``/_s3/feeds/...``,
``/_s3/reports/...``). Served before the SP-API machinery: these are
not SP-API requests (no access token, no throttling, S3's XML errors)."""

from __future__ import annotations

import uuid

from starlette.types import Receive, Scope, Send

from spapi_mock.domain.exceptions import RuleViolation, Unknown
from spapi_mock.marketplace.document_urls import S3Error
from spapi_mock.runtime import Services

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024


async def serve(scope: Scope, receive: Receive, send: Send, services: Services) -> None:
    request_id = uuid.uuid4().hex[:16].upper()
    try:
        status, headers, body = await _answer(scope, receive, services)
    except S3Error as error:
        status, headers, body = error.status, [(b"content-type", b"application/xml")], error.body(request_id)
    headers = [*headers, (b"content-length", str(len(body)).encode()), (b"x-amz-request-id", request_id.encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body if scope["method"] != "HEAD" else b""})


async def _answer(scope: Scope, receive: Receive, services: Services) -> tuple[int, list, bytes]:
    method, path = scope["method"], scope["path"]
    headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope.get("headers", [])}
    bucket = path.split("/")[2] if path.count("/") == 4 else None
    desk = {"feeds": services.feeds, "reports": services.reports}.get(bucket)
    if desk is None:
        raise S3Error(404, "NoSuchKey", "The specified key does not exist.")
    signed_as = "GET" if method == "HEAD" else method
    content_type = headers.get("content-type", "") if method == "PUT" else ""
    seller_id, document_id = desk.urls.check(signed_as, path, scope.get("query_string", b"").decode("latin-1"), content_type)
    try:
        # Only feed documents are uploaded to; a report's URL is signed for GET alone.
        if method == "PUT":
            desk.upload(seller_id, document_id, content_type, await _body(scope, receive))
            return 200, [(b"etag", f'"{uuid.uuid4().hex}"'.encode())], b""
        if method in ("GET", "HEAD"):
            found = desk.download(seller_id, document_id)
            if found is None:
                raise S3Error(404, "NoSuchKey", "The specified key does not exist.")
            content, document_type = found
            return 200, [(b"content-type", document_type.encode("latin-1"))], content
    except Unknown:
        raise S3Error(404, "NoSuchKey", "The specified key does not exist.") from None
    except RuleViolation as exc:
        raise S3Error(403, "AccessDenied", str(exc)) from None
    raise S3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")


async def _body(scope: Scope, receive: Receive) -> bytes:
    declared = next((value for name, value in scope.get("headers", []) if name.lower() == b"content-length"), b"")
    too_large = S3Error(
        400, "EntityTooLarge", f"Your proposed upload exceeds the maximum allowed size ({MAX_DOCUMENT_BYTES} bytes)."
    )
    if declared.isdigit() and int(declared) > MAX_DOCUMENT_BYTES:
        raise too_large
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_DOCUMENT_BYTES:
            raise too_large
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)
