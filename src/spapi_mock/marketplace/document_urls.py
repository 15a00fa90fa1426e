"""The mock's S3: presigned URLs for feed documents, and the requests made to them.

Amazon answers createFeedDocument and getFeedDocument with a presigned S3 URL: the client PUTs
the document's bytes to it (with the content type it named, and no SP-API token) or GETs them,
within five minutes. The mock serves those URLs itself, under ``/_s3/``, signed with a secret of
its own over the method, the path, the time of signing and the content type, and expiring on
the mock clock. What a wrong request gets is what S3 answers: an XML ``Error`` with
``AccessDenied`` (expired), ``SignatureDoesNotMatch`` (another method or content type, an
altered URL, a signature that is not even hexadecimal), ``NoSuchKey`` (nothing uploaded yet),
``EntityTooLarge``, or ``ServiceUnavailable`` (503: the disk refused the document, nothing kept).

Once createFeed has accepted a document, a PUT to its URL (still within its five minutes) is
``AccessDenied``: Amazon's feed reads the document as it was at createFeed, so a later upload
could only change what getFeedDocument shows, not what the feed processed; refusing it tells
the client so, where silently keeping it would have it believe the feed saw the new contents.

A URL may also be signed to answer with ``Content-Encoding: gzip`` (S3's
``response-content-encoding``): what getReportDocument and getFeedDocument give with
``enableContentEncodingUrlHeader=true`` for a GZIP document, so that HTTP clients decompress it
as it arrives.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from urllib.parse import parse_qs, quote, quote_plus
from xml.sax.saxutils import escape

from spapi_mock.kernel.clock import Clock
from spapi_mock.kernel.dates import to_wire

PREFIX = "/_s3/"
# S3's query parameter that sets the answer's Content-Encoding (signed with the rest).
_ENCODING = "response-content-encoding"
LIFETIME = timedelta(minutes=5)
_DATE = "%Y%m%dT%H%M%SZ"
# A presigned URL's query as urlencode writes it: the date, then the rest for a PUT (signed with
# its content type) or a GET.
_QUERY_START = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date="
_PUT_QUERY_REST, _GET_QUERY_REST = (
    f"&X-Amz-Expires={int(LIFETIME.total_seconds())}&X-Amz-SignedHeaders={quote_plus(headers)}"
    for headers in ("content-type;host", "host")
)
_SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your key and signing method."
)


class DocumentUrls:
    """The presigned URLs of one bucket (``feeds`` or ``reports``): ``/_s3/{bucket}/{seller}/{document}``,
    valid for five minutes of the mock clock."""

    def __init__(self, bucket: str, clock: Clock, secret: bytes | None = None) -> None:
        self.bucket = bucket
        self._clock = clock
        self._secret = secret or secrets.token_bytes(32)

    def presign(
        self, base_url: str, seller_id: str, document_id: str, method: str, content_type: str = "", encoding: str = ""
    ) -> str:
        """A URL good for ``method`` on the seller's document (with ``content_type`` for a PUT)
        until five minutes from now; answered with ``Content-Encoding: {encoding}`` if given."""
        path = f"{PREFIX}{self.bucket}/{seller_id}/{document_id}"
        date = self._clock.now().strftime(_DATE)
        signature = self._signature(method, path, date, content_type, encoding)
        # urlencode's query, written out: every value but the encoding is URL-safe as it stands
        # (digits, letters, "-"; the signature is hexadecimal), and urlencode cost a third of a
        # createFeedDocument's own work.
        query = f"{_QUERY_START}{date}{_PUT_QUERY_REST if content_type else _GET_QUERY_REST}"
        if encoding:
            query += f"&{_ENCODING}={quote_plus(encoding)}"
        return f"{base_url}{quote(path)}?{query}&X-Amz-Signature={signature}"

    def check(self, method: str, path: str, query_string: str, content_type: str) -> tuple[str, str, str]:
        """(seller id, document id, the Content-Encoding to answer with or "") of a request to a
        URL of this bucket, if it is what the URL was signed for and still in time; else S3's
        error is raised."""
        seller_id, _, document_id = path[len(PREFIX) + len(self.bucket) + 1 :].partition("/")
        query = {name: values[0] for name, values in parse_qs(query_string, keep_blank_values=True).items()}
        date, signature = query.get("X-Amz-Date", ""), query.get("X-Amz-Signature", "")
        encoding = query.get(_ENCODING, "")
        now = self._clock.now()
        try:
            signed_at = datetime.strptime(date, _DATE).replace(tzinfo=now.tzinfo)
        except ValueError:
            raise S3Error(
                403, "AccessDenied", "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters"
            ) from None
        # Compared as bytes: compare_digest refuses a str with anything but ASCII in it.
        expected = self._signature(method, path, date, content_type, encoding)
        if not hmac.compare_digest(signature.encode("utf-8", "surrogateescape"), expected.encode("ascii")):
            raise S3Error(403, "SignatureDoesNotMatch", _SIGNATURE_MISMATCH)
        expires = signed_at + LIFETIME
        if now >= expires:
            raise S3Error(403, "AccessDenied", "Request has expired", {"Expires": to_wire(expires), "ServerTime": to_wire(now)})
        return seller_id, document_id, encoding

    def _signature(self, method: str, path: str, date: str, content_type: str, encoding: str = "") -> str:
        parts = (method.upper(), path, date, content_type or "", *((encoding,) if encoding else ()))
        return hmac.new(self._secret, "\n".join(parts).encode("utf-8", "surrogateescape"), hashlib.sha256).hexdigest()


class S3Error(Exception):
    def __init__(self, status: int, code: str, message: str, extra: dict | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra or {}

    def body(self, request_id: str) -> bytes:
        parts = [f"<Code>{escape(self.code)}</Code>", f"<Message>{escape(self.message)}</Message>"]
        parts += [f"<{name}>{escape(value)}</{name}>" for name, value in self.extra.items()]
        parts.append(f"<RequestId>{escape(request_id)}</RequestId>")
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<Error>' + "".join(parts) + "</Error>").encode("utf-8")
