"""The mock's S3 (``document_urls``) over HTTP: a PUT of a feed document's contents to its
presigned URL, a GET of a feed or report document's contents (``/_s3/feeds/...``,
``/_s3/reports/...``). Served before the SP-API machinery: these are
not SP-API requests (no access token, no throttling, S3's XML errors).

Contents go to and come from the document's file a chunk at a time (``store/contents``): an
upload is never held whole in memory, nor a download. A write the disk refuses is S3's 503,
saying why, and changes nothing.
"""

from __future__ import annotations

import uuid
from typing import BinaryIO

from starlette.types import Receive, Scope, Send

from spapi_mock.domain.exceptions import RuleViolation, Unknown
from spapi_mock.marketplace.document_urls import S3Error
from spapi_mock.runtime import Services
from spapi_mock.store.file import StoreFileError

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
_CHUNK = 256 * 1024


async def serve(scope: Scope, receive: Receive, send: Send, services: Services) -> None:
    request_id = uuid.uuid4().hex[:16].upper()
    contents: BinaryIO | None = None
    try:
        status, headers, body = await _answer(scope, receive, services)
    except S3Error as error:
        status, headers, body = error.status, [(b"content-type", b"application/xml")], error.body(request_id)
    if isinstance(body, tuple):
        contents, size = body
    else:
        size = len(body)
    headers = [*headers, (b"content-length", str(size).encode()), (b"x-amz-request-id", request_id.encode())]
    try:
        await send({"type": "http.response.start", "status": status, "headers": headers})
        if scope["method"] == "HEAD":
            await send({"type": "http.response.body", "body": b""})
        elif contents is None:
            await send({"type": "http.response.body", "body": body})
        else:
            while chunk := contents.read(_CHUNK):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
    finally:
        if contents is not None:
            contents.close()


async def _answer(scope: Scope, receive: Receive, services: Services) -> tuple[int, list, bytes | tuple[BinaryIO, int]]:
    method, path = scope["method"], scope["path"]
    headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope.get("headers", [])}
    bucket = path.split("/")[2] if path.count("/") == 4 else None
    desk = {"feeds": services.feeds, "reports": services.reports}.get(bucket)
    if desk is None:
        raise S3Error(404, "NoSuchKey", "The specified key does not exist.")
    signed_as = "GET" if method == "HEAD" else method
    content_type = headers.get("content-type", "") if method == "PUT" else ""
    query = scope.get("query_string", b"").decode("latin-1")
    seller_id, document_id, encoding = desk.urls.check(signed_as, path, query, content_type)
    try:
        # Only feed documents are uploaded to; a report's URL is signed for GET alone.
        if method == "PUT":
            desk.check_upload(seller_id, document_id)  # before a byte of the body is read
            with desk.new_contents() as writer:
                await _receive_into(writer, scope, receive)
                desk.upload(seller_id, document_id, content_type, writer)
            return 200, [(b"etag", f'"{uuid.uuid4().hex}"'.encode())], b""
        if method in ("GET", "HEAD"):
            found = desk.open_contents(seller_id, document_id)
            if found is None:
                raise S3Error(404, "NoSuchKey", "The specified key does not exist.")
            contents, size, document_type = found
            answer = [(b"content-type", document_type.encode("latin-1"))]
            if encoding:
                answer.append((b"content-encoding", encoding.encode("latin-1")))
            return 200, answer, (contents, size)
    except Unknown:
        raise S3Error(404, "NoSuchKey", "The specified key does not exist.") from None
    except RuleViolation as exc:
        raise S3Error(403, "AccessDenied", str(exc)) from None
    except StoreFileError as exc:
        # The disk refused the document or its record: nothing was kept, the client may retry.
        raise S3Error(503, "ServiceUnavailable", f"Please reduce your request rate. spapi-mock: {exc}") from None
    raise S3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")


async def _receive_into(writer, scope: Scope, receive: Receive) -> None:
    """The request body into ``writer`` as it arrives; a body cut short by a disconnect, or
    larger than S3 takes from a presigned PUT here, is refused (and the writer discards it)."""
    declared = next((value for name, value in scope.get("headers", []) if name.lower() == b"content-length"), b"")
    too_large = S3Error(
        400, "EntityTooLarge", f"Your proposed upload exceeds the maximum allowed size ({MAX_DOCUMENT_BYTES} bytes)."
    )
    if declared.isdigit() and int(declared) > MAX_DOCUMENT_BYTES:
        raise too_large
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise S3Error(
                400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header."
            )
        chunk = message.get("body", b"")
        if writer.size + len(chunk) > MAX_DOCUMENT_BYTES:
            raise too_large
        writer.write(chunk)
        if not message.get("more_body"):
            return
