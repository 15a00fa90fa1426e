"""Feed and report documents through a real socket, as a client reaches them: the presigned URL
of createFeedDocument, getFeedDocument and getReportDocument, requested with an HTTP client.

What is held here: a URL with a signature that is not ASCII is S3's 403, never a 500; a full
disk during an upload is S3's 503 saying why, and keeps nothing; a document's contents live in a
file of their own (beside the ``--db`` store, or in a temporary directory removed at stop),
survive a restart and a SIGKILL half-way through an upload leaves nothing visible; an upload cut
short keeps nothing; a store file written before documents became files still serves them; a
feed reads its document as it was at createFeed, and its upload URL then refuses new contents
(Amazon's feed reads the document as of createFeed; S3 answers a refused PUT with 403
AccessDenied); and ``enableContentEncodingUrlHeader=true`` makes a GZIP document's URL answer
with ``Content-Encoding: gzip`` (Amazon's model: "the Content-Encoding header on the returned
URL is set to gzip instead of the default identity when compressionAlgorithm is GZIP").
"""

from __future__ import annotations

import errno
import gzip
import json
import os
import signal
import socket
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import httpx
import pytest
import requests

from spapi_mock.config import Config
from spapi_mock.domain.jobs import ProcessingTiming
from spapi_mock.testing import background_server

from support import TEST_FIXTURES
from support.live_server import live_server
from support.sdk import amzn_sp_api_client, refresh_token

FEEDS = "/feeds/2021-06-30"
REPORTS = "/reports/2021-06-30"
US = "ATVPDKIKX0DER"
XML = "text/xml; charset=UTF-8"
TOKEN = {"x-amz-access-token": "Atza|documents-test"}
# A feed type the mock does not model: it reads nothing of the document, and ends DONE saying so.
PRODUCT_FEED = "POST_PRODUCT_DATA"
UNSHIPPED = "GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING"
INSTANT = ProcessingTiming(timedelta(0), timedelta(0))


@contextmanager
def serving(db: Path | None = None):
    config = Config(fixtures_dir=TEST_FIXTURES, db_path=db, feed_timing=INSTANT, report_timing=INSTANT)
    with background_server(config) as server:
        yield server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with serving(tmp_path_factory.mktemp("documents") / "store.json") as server:
        yield server


def api(server, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, server.base_url + path, headers=TOKEN, timeout=30, **kwargs)


def new_document(server) -> dict:
    created = api(server, "POST", f"{FEEDS}/documents", json={"contentType": XML})
    assert created.status_code == 201, created.text
    return created.json()


def put(url: str, content: bytes, content_type: str = XML) -> requests.Response:
    return requests.put(url, data=content, headers={"Content-Type": content_type}, timeout=60)


def upload(server, content: bytes) -> dict:
    document = new_document(server)
    answer = put(document["url"], content)
    assert answer.status_code == 200, answer.text
    return document


def feed_document_contents(server, document_id: str) -> requests.Response:
    located = api(server, "GET", f"{FEEDS}/documents/{document_id}")
    assert located.status_code == 200, located.text
    return requests.get(located.json()["url"], timeout=30)


def create_feed(server, document_id: str, feed_type: str = PRODUCT_FEED) -> str:
    spec = {"feedType": feed_type, "marketplaceIds": [US], "inputFeedDocumentId": document_id}
    created = api(server, "POST", f"{FEEDS}/feeds", json=spec)
    assert created.status_code == 202, created.text
    return created.json()["feedId"]


def until_done(server, path: str) -> dict:
    for _ in range(300):
        job = api(server, "GET", path).json()
        if job["processingStatus"] in ("DONE", "FATAL", "CANCELLED"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"{path} did not end: {job}")


def s3_error(answer) -> tuple[int, str, str]:
    """(status, Code, Message) of S3's XML error."""
    assert answer.headers["content-type"] == "application/xml", answer.text
    root = ElementTree.fromstring(answer.content)
    return answer.status_code, root.findtext("Code"), root.findtext("Message")


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(pair.split("=", 1) for pair in parts.query.split("&"))
    query.update(changes)
    return f"{parts.scheme}://{parts.netloc}{parts.path}?" + "&".join(f"{k}={v}" for k, v in query.items())


def documents_dir(db: Path) -> Path:
    return db.parent / f"{db.name}.documents"


def files_in(directory: Path) -> list[Path]:
    return sorted(directory.iterdir()) if directory.exists() else []


def store_path(server) -> Path:
    return Path(server.services.config.db_path)


# -- item 3: a signature that is not ASCII -----------------------------------------------------


@pytest.mark.parametrize("signature", ["%C3%A9" * 64, "%F0%9F%94%91", "%FF%FE"])
def test_a_signature_that_is_not_ascii_is_s3s_403_on_every_method(server, signature):
    document = upload(server, b"<a/>")
    altered = with_query(document["url"], **{"X-Amz-Signature": signature})
    assert s3_error(put(altered, b"<b/>"))[:2] == (403, "SignatureDoesNotMatch")
    located = api(server, "GET", f"{FEEDS}/documents/{document['feedDocumentId']}").json()
    for method in ("GET", "HEAD"):
        answer = requests.request(method, with_query(located["url"], **{"X-Amz-Signature": signature}), timeout=30)
        assert answer.status_code == 403, (method, answer.status_code)
    assert feed_document_contents(server, document["feedDocumentId"]).content == b"<a/>"


# -- item 4: a full disk -----------------------------------------------------------------------


def disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_during_an_upload_is_s3s_503_saying_why_and_keeps_nothing(server, monkeypatch):
    document = new_document(server)
    before = files_in(documents_dir(store_path(server)))
    monkeypatch.setattr(os, "fsync", disk_full)  # every durable write this process makes
    refused = put(document["url"], b"<AmazonEnvelope/>" * 1000)
    monkeypatch.undo()
    status, code, message = s3_error(refused)
    assert (status, code) == (503, "ServiceUnavailable") and "No space left on device" in message, message
    assert files_in(documents_dir(store_path(server))) == before
    spec = {"feedType": PRODUCT_FEED, "marketplaceIds": [US], "inputFeedDocumentId": document["feedDocumentId"]}
    nothing = api(server, "POST", f"{FEEDS}/feeds", json=spec)
    assert nothing.status_code == 400 and "nothing was uploaded" in nothing.json()["errors"][0]["message"]
    assert s3_error(feed_document_contents(server, document["feedDocumentId"]))[:2] == (404, "NoSuchKey")
    # The disk has room again: the same URL takes the document.
    assert put(document["url"], b"<a/>").status_code == 200
    assert feed_document_contents(server, document["feedDocumentId"]).content == b"<a/>"


def test_a_full_disk_when_the_uploads_record_is_written_is_s3s_503_and_keeps_no_file(server, monkeypatch):
    from spapi_mock.store.file import StoreFile

    document = new_document(server)
    before = files_in(documents_dir(store_path(server)))
    monkeypatch.setattr(StoreFile, "_write_line", disk_full)
    refused = put(document["url"], b"<a/>")
    monkeypatch.undo()
    status, code, message = s3_error(refused)
    assert (status, code) == (503, "ServiceUnavailable") and "No space left on device" in message, message
    assert files_in(documents_dir(store_path(server))) == before
    assert s3_error(feed_document_contents(server, document["feedDocumentId"]))[:2] == (404, "NoSuchKey")


# -- item 6: documents are files, not memory ---------------------------------------------------


def test_a_documents_contents_are_a_file_beside_the_store_not_in_it(server):
    marker = f"contents-{uuid.uuid4().hex}".encode()
    contents = marker + os.urandom(2 * 1024 * 1024) + marker
    document = upload(server, contents)
    assert marker not in store_path(server).read_bytes()
    holding = [path for path in files_in(documents_dir(store_path(server))) if path.read_bytes() == contents]
    assert len(holding) == 1, files_in(documents_dir(store_path(server)))
    downloaded = feed_document_contents(server, document["feedDocumentId"])
    assert downloaded.status_code == 200 and downloaded.content == contents
    assert downloaded.headers["content-length"] == str(len(contents))


def test_replacing_an_upload_before_create_feed_leaves_one_file(server):
    document = new_document(server)
    assert put(document["url"], b"<first/>").status_code == 200
    first = set(files_in(documents_dir(store_path(server))))
    assert put(document["url"], b"<second/>").status_code == 200
    added = set(files_in(documents_dir(store_path(server)))) - first
    assert [path.read_bytes() for path in added] == [b"<second/>"]
    assert len(files_in(documents_dir(store_path(server)))) == len(first)
    assert feed_document_contents(server, document["feedDocumentId"]).content == b"<second/>"


def test_documents_and_processing_reports_survive_a_restart(tmp_path):
    db = tmp_path / "store.json"
    with serving(db) as server:
        document = upload(server, b"<restart/>")
        feed = until_done(server, f"{FEEDS}/feeds/{create_feed(server, document['feedDocumentId'])}")
        report = feed_document_contents(server, feed["resultFeedDocumentId"]).content
        assert feed["processingStatus"] == "DONE" and PRODUCT_FEED.encode() in report
    with serving(db) as server:
        assert feed_document_contents(server, document["feedDocumentId"]).content == b"<restart/>"
        assert feed_document_contents(server, feed["resultFeedDocumentId"]).content == report


def test_without_a_store_file_documents_live_in_a_temporary_directory_removed_at_stop():
    with serving() as server:
        document = upload(server, b"<temporary/>")
        directory = Path(server.services.store.contents.directory)
        assert [path.read_bytes() for path in directory.iterdir()] == [b"<temporary/>"]
        assert feed_document_contents(server, document["feedDocumentId"]).content == b"<temporary/>"
    assert not directory.exists()


def raw_put(url: str, declared: int, sent: bytes) -> socket.socket:
    """A PUT that declares ``declared`` bytes and sends ``sent``, left open."""
    parts = urlsplit(url)
    connection = socket.create_connection((parts.hostname, parts.port))
    head = (
        f"PUT {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: {XML}\r\n"
        f"Content-Length: {declared}\r\n\r\n"
    )
    connection.sendall(head.encode("latin-1") + sent)
    return connection


def test_an_upload_cut_short_by_the_client_keeps_nothing(server):
    document = new_document(server)
    before = files_in(documents_dir(store_path(server)))
    connection = raw_put(document["url"], 100_000, b"<half" + b" " * 50_000)
    time.sleep(0.3)
    connection.close()
    # The server notices the disconnect; until then it may still be waiting for the rest.
    for _ in range(100):
        answer = feed_document_contents(server, document["feedDocumentId"])
        if files_in(documents_dir(store_path(server))) == before:
            break
        time.sleep(0.05)
    assert s3_error(answer)[:2] == (404, "NoSuchKey")
    assert files_in(documents_dir(store_path(server))) == before


def test_a_server_killed_half_way_through_an_upload_shows_no_half_document(tmp_path):
    db = tmp_path / "store.json"
    with live_server("--db", str(db), "--fixtures", str(TEST_FIXTURES), tmp_dir=tmp_path) as server:
        whole = upload(server, b"<whole/>")
        half = new_document(server)
        connection = raw_put(half["url"], 8 * 1024 * 1024, b"<half" + b" " * (4 * 1024 * 1024))
        for _ in range(200):  # until the server has written some of it
            if any(path.name.startswith(".") and path.stat().st_size for path in files_in(documents_dir(db))):
                break
            time.sleep(0.05)
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait()
        connection.close()
    with live_server("--db", str(db), "--fixtures", str(TEST_FIXTURES), tmp_dir=tmp_path) as server:
        assert feed_document_contents(server, whole["feedDocumentId"]).content == b"<whole/>"
        assert s3_error(feed_document_contents(server, half["feedDocumentId"]))[:2] == (404, "NoSuchKey")
        assert [path.read_bytes() for path in files_in(documents_dir(db))] == [b"<whole/>"]


def test_a_store_file_holding_documents_inline_still_serves_them(tmp_path):
    """A store written before documents became files (format 3, contents in the record: text or
    base64 for a feed document, base64 for a report's)."""
    db = tmp_path / "store.json"
    binary = bytes(range(256))
    report = gzip.compress(b"order-id\titem\n1\t2\n", mtime=0)
    feed_doc = {"seller_id": "A1MOCKSELLER00", "contentType": XML, "createdTime": "2025-06-15T12:00:00Z", "purpose": "input"}
    lines = [
        {"spapi-mock-store": 3},
        {
            "put": {
                "feed_documents": {
                    "1": {**feed_doc, "feedDocumentId": "doc-text", "content": "<old/>", "encoding": "text", "size": 6},
                    "2": {**feed_doc, "feedDocumentId": "doc-bin", "content": _b64(binary), "encoding": "base64", "size": 256},
                },
                "report_documents": {
                    "1": {
                        "seller_id": "A1MOCKSELLER00",
                        "reportDocumentId": "report-doc",
                        "contentType": "text/tab-separated-values; charset=UTF-8",
                        "createdTime": "2025-06-15T12:00:00Z",
                        "content": _b64(report),
                        "size": len(report),
                        "compressionAlgorithm": "GZIP",
                    }
                },
            }
        },
    ]
    db.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    with serving(db) as server:
        assert feed_document_contents(server, "doc-text").content == b"<old/>"
        assert feed_document_contents(server, "doc-bin").content == binary
        located = api(server, "GET", f"{REPORTS}/documents/report-doc").json()
        assert located["compressionAlgorithm"] == "GZIP"
        assert requests.get(located["url"], timeout=30, stream=True).raw.read() == report
        assert sorted(path.read_bytes() for path in files_in(documents_dir(db))) == sorted([b"<old/>", binary, report])
    with serving(db) as server:  # moved once: the next start finds them where they went
        assert feed_document_contents(server, "doc-bin").content == binary
        assert len(files_in(documents_dir(db))) == 3


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode("ascii")


# -- item 7: the document a feed reads is fixed at createFeed ----------------------------------


def test_once_a_feed_is_created_its_documents_upload_url_refuses_new_contents(server):
    document = upload(server, b"<original/>")
    feed_id = create_feed(server, document["feedDocumentId"])
    refused = put(document["url"], b"<replacement/>")
    status, code, message = s3_error(refused)
    assert (status, code) == (403, "AccessDenied") and f"feed {feed_id}" in message, message
    done = until_done(server, f"{FEEDS}/feeds/{feed_id}")
    assert s3_error(put(document["url"], b"<after-done/>"))[:2] == (403, "AccessDenied")
    assert feed_document_contents(server, document["feedDocumentId"]).content == b"<original/>"
    # The processing report read the same 11 bytes the document still holds.
    assert b"(11 bytes)" in feed_document_contents(server, done["resultFeedDocumentId"]).content


# -- item 8: enableContentEncodingUrlHeader ----------------------------------------------------


@pytest.fixture(scope="module")
def gzipped_report(server) -> tuple[str, bytes]:
    """(the report document id, its contents) of a report the mock gzipped."""
    spec = {"reportType": UNSHIPPED, "marketplaceIds": [US], "reportOptions": {"mockCompression": "GZIP"}}
    report_id = api(server, "POST", f"{REPORTS}/reports", json=spec).json()["reportId"]
    report = until_done(server, f"{REPORTS}/reports/{report_id}")
    located = api(server, "GET", f"{REPORTS}/documents/{report['reportDocumentId']}").json()
    gzipped = requests.get(located["url"], timeout=30).content
    assert gzipped[:2] == b"\x1f\x8b"
    return report["reportDocumentId"], gzip.decompress(gzipped)


def test_with_enable_content_encoding_url_header_a_gzip_reports_url_answers_content_encoding_gzip(server, gzipped_report):
    document_id, text = gzipped_report
    located = api(server, "GET", f"{REPORTS}/documents/{document_id}", params={"enableContentEncodingUrlHeader": "true"})
    assert located.status_code == 200 and located.json()["compressionAlgorithm"] == "GZIP", located.text
    url = located.json()["url"]
    answer = requests.get(url, timeout=30)
    assert answer.headers["Content-Encoding"] == "gzip" and answer.content == text  # decompressed by requests
    assert httpx.get(url, timeout=30).content == text  # and by httpx
    raw = requests.get(url, timeout=30, stream=True).raw.read(decode_content=False)
    assert raw[:2] == b"\x1f\x8b" and gzip.decompress(raw) == text
    assert requests.head(url, timeout=30).headers["Content-Encoding"] == "gzip"


@pytest.mark.parametrize("flag", [None, "false"])
def test_without_it_the_gzip_bytes_come_as_they_are(server, gzipped_report, flag):
    document_id, text = gzipped_report
    params = {"enableContentEncodingUrlHeader": flag} if flag else {}
    located = api(server, "GET", f"{REPORTS}/documents/{document_id}", params=params).json()
    answer = requests.get(located["url"], timeout=30)
    assert located["compressionAlgorithm"] == "GZIP" and "Content-Encoding" not in answer.headers
    assert answer.content[:2] == b"\x1f\x8b" and gzip.decompress(answer.content) == text


def test_a_document_that_is_not_compressed_gets_no_content_encoding(server):
    spec = {"reportType": UNSHIPPED, "marketplaceIds": [US], "reportOptions": {"mockCompression": "NONE"}}
    report_id = api(server, "POST", f"{REPORTS}/reports", json=spec).json()["reportId"]
    report = until_done(server, f"{REPORTS}/reports/{report_id}")
    path = f"{REPORTS}/documents/{report['reportDocumentId']}"
    located = api(server, "GET", path, params={"enableContentEncodingUrlHeader": "true"}).json()
    assert "compressionAlgorithm" not in located and "Content-Encoding" not in requests.get(located["url"], timeout=30).headers
    document = upload(server, b"<plain/>")
    path = f"{FEEDS}/documents/{document['feedDocumentId']}"
    located = api(server, "GET", path, params={"enableContentEncodingUrlHeader": "true"}).json()
    answer = requests.get(located["url"], timeout=30)
    assert "compressionAlgorithm" not in located and "Content-Encoding" not in answer.headers and answer.content == b"<plain/>"


def test_the_url_cannot_be_altered_to_ask_for_the_header(server, gzipped_report):
    document_id, _ = gzipped_report
    located = api(server, "GET", f"{REPORTS}/documents/{document_id}").json()
    altered = located["url"] + "&response-content-encoding=gzip"
    assert s3_error(requests.get(altered, timeout=30))[:2] == (403, "SignatureDoesNotMatch")


def test_amazons_sdk_asks_for_the_header_and_gets_the_report_decompressed(server, gzipped_report):
    from spapi import ReportsApi

    document_id, text = gzipped_report
    reports = ReportsApi(amzn_sp_api_client(server.base_url, refresh_token("documents")).api_client)
    document = reports.get_report_document(document_id, enable_content_encoding_url_header=True)
    assert document.compression_algorithm == "GZIP"
    assert requests.get(document.url, timeout=30).content == text
