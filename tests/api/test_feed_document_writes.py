"""createFeedDocument requests that arrive together: the server may write their records in one
durable store write, but each client still gets its own document, named in its own upload URL,
only once that document's record is on disk (a SIGKILL right after the answers loses none of
them), and a write that fails answers every request that waited for it with the error (503
ServiceUnavailable, as for any store write the disk refused), leaving nothing behind.
"""

from __future__ import annotations

import errno
import os
import signal
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote, urlsplit

import requests

from spapi_mock.config import Config
from spapi_mock.testing import background_server

from support import TEST_FIXTURES
from support.live_server import live_server

DOCUMENTS = "/feeds/2021-06-30/documents"
TOKEN = {"x-amz-access-token": "Atza|document-writes"}
TOGETHER = 16
EACH = 8


def create(base_url: str, n: int) -> requests.Response:
    return requests.post(base_url + DOCUMENTS, json={"contentType": f"text/xml; n={n}"}, headers=TOKEN, timeout=60)


def all_at_once(base_url: str, count: int) -> list[requests.Response]:
    with ThreadPoolExecutor(TOGETHER) as pool:
        return list(pool.map(lambda n: create(base_url, n), range(count)))


def test_documents_created_together_are_each_their_own_and_all_survive_a_sigkill(tmp_path):
    db = tmp_path / "store.json"
    with live_server("--db", str(db), "--fixtures", str(TEST_FIXTURES), tmp_dir=tmp_path) as server:
        answers = all_at_once(server.base_url, TOGETHER * EACH)
        # Killed as soon as the last answer is in: what was answered must already be on disk.
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait()
    assert [answer.status_code for answer in answers] == [201] * len(answers), [a.text for a in answers if a.status_code != 201]
    documents = [answer.json() for answer in answers]
    ids = [document["feedDocumentId"] for document in documents]
    assert len(set(ids)) == len(ids)
    for document in documents:
        # The URL uploads to the document the answer names (not a neighbour's of the same write).
        assert document["feedDocumentId"] in unquote(urlsplit(document["url"]).path), document
    with live_server("--db", str(db), "--fixtures", str(TEST_FIXTURES), tmp_dir=tmp_path) as server:
        for document_id in ids:
            found = requests.get(f"{server.base_url}{DOCUMENTS}/{document_id}", headers=TOKEN, timeout=30)
            assert found.status_code == 200, (document_id, found.text)
            assert found.json()["feedDocumentId"] == document_id


def test_a_refused_write_answers_every_request_that_waited_for_it_with_503(tmp_path, monkeypatch):
    from spapi_mock.store.file import StoreFile

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    config = Config(fixtures_dir=TEST_FIXTURES, db_path=tmp_path / "store.json")
    with background_server(config) as server:
        before = server.services.store.feed_documents.count()
        monkeypatch.setattr(StoreFile, "_write_line", disk_full)
        refused = all_at_once(server.base_url, TOGETHER * 2)
        monkeypatch.undo()
        for answer in refused:
            assert answer.status_code == 503, answer.text
            (error,) = answer.json()["errors"]
            assert error["code"] == "ServiceUnavailable" and "No space left on device" in error["message"], error
        # Nothing of them was kept: the store takes the next one as if they had never been asked.
        assert server.services.store.feed_documents.count() == before
        assert create(server.base_url, 0).status_code == 201
        assert server.services.store.feed_documents.count() == before + 1
