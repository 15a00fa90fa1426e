"""Documents' contents as files beside the store (``store/contents``): a record names its file
only once it is whole, a file goes when no record names it any more, and nothing a crash leaves
half-written survives the next start."""

from __future__ import annotations

import errno
import os
import tempfile

import pytest

from spapi_mock.store.contents import Contents
from spapi_mock.store.database import Store
from spapi_mock.store.file import StoreFile, StoreFileError


def feed_document(doc_id: str, **fields) -> dict:
    return {"seller_id": "S1", "feedDocumentId": doc_id, "contentType": "text/xml", "purpose": "input", **fields}


def names(directory) -> list[str]:
    return sorted(os.listdir(directory)) if os.path.isdir(directory) else []


def test_a_file_is_visible_under_its_name_only_once_finished(tmp_path):
    contents = Contents(str(tmp_path / "docs"))
    with contents.writer() as writer:
        writer.write(b"abc")
        assert [name.startswith(".") for name in names(tmp_path / "docs")] == [True]
        name = writer.finish()
    assert names(tmp_path / "docs") == [name] and contents.read(name) == b"abc" and writer.size == 3


def test_a_writer_left_by_an_error_leaves_nothing(tmp_path):
    contents = Contents(str(tmp_path / "docs"))
    with pytest.raises(RuntimeError), contents.writer() as writer:
        writer.write(b"abc")
        writer.finish()
        raise RuntimeError("the record could not be kept")
    assert names(tmp_path / "docs") == []


def test_a_write_the_disk_refuses_is_a_store_file_error_saying_why(tmp_path, monkeypatch):
    contents = Contents(str(tmp_path / "docs"))

    def disk_full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(StoreFileError, match="No space left on device"):
        contents.write(b"abc")
    monkeypatch.undo()
    assert names(tmp_path / "docs") == []


def test_names_outside_the_directory_are_never_opened(tmp_path):
    contents = Contents(str(tmp_path / "docs"))
    for name in ("../store.json", "/etc/passwd", ".partial-x", ""):
        with pytest.raises(FileNotFoundError):
            contents.open(name)


def test_replaced_and_dropped_documents_take_their_files_with_them(tmp_path):
    store = Store(str(tmp_path / "store.json"))
    directory = tmp_path / "store.json.documents"
    first = store.contents.write(b"first")
    store.commit(put=[("feed_documents", feed_document("d1", file=first, size=5))])
    second = store.contents.write(b"second")
    store.commit(put=[("feed_documents", feed_document("d1", file=second, size=6))])
    assert names(directory) == [second]
    store.commit(put=[("feed_documents", feed_document("d1", file=second, size=6, feedIds=["1"]))])  # same file kept
    assert names(directory) == [second]
    store.replace_all([])
    assert names(directory) == []
    store.close()


def test_a_change_that_cannot_be_written_takes_back_its_new_file_not_the_old_one(tmp_path, monkeypatch):
    store = Store(str(tmp_path / "store.json"))
    old = store.contents.write(b"old")
    store.commit(put=[("feed_documents", feed_document("d1", file=old, size=3))])
    new = store.contents.write(b"new")

    def disk_full(self, line):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(StoreFile, "_write_line", disk_full)
    with pytest.raises(StoreFileError):
        store.commit(put=[("feed_documents", feed_document("d1", file=new, size=3))])
    with pytest.raises(StoreFileError):
        store.commit(put=[("feed_documents", feed_document("d1", file=old, size=3, feedIds=["1"]))])
    monkeypatch.undo()
    assert names(tmp_path / "store.json.documents") == [old] and store.feed_documents.get("S1", "d1")["file"] == old
    store.close()


def test_a_start_sweeps_half_written_files_and_files_no_record_names(tmp_path):
    store = Store(str(tmp_path / "store.json"))
    kept = store.contents.write(b"kept")
    store.commit(put=[("feed_documents", feed_document("d1", file=kept, size=4))])
    store.contents.write(b"written, but its record never was")
    (tmp_path / "store.json.documents" / ".partial-0123").write_bytes(b"half")
    store.close()
    again = Store(str(tmp_path / "store.json"))
    assert names(tmp_path / "store.json.documents") == [kept]
    assert again.read_contents(again.feed_documents.get("S1", "d1")) == b"kept"
    again.close()


def test_contents_held_in_the_record_by_an_older_store_are_moved_to_files_at_start(tmp_path):
    path = str(tmp_path / "store.json")
    store = Store(path)
    report = {"seller_id": "S1", "reportDocumentId": "r1", "contentType": "text/plain", "content": "aGVsbG8=", "size": 5}
    store.commit(
        put=[
            ("feed_documents", feed_document("text", content="<a/>", encoding="text", size=4)),
            ("feed_documents", feed_document("binary", content="AP8=", encoding="base64", size=2)),
            ("report_documents", report),
        ]
    )
    store.close()
    again = Store(path)
    text, binary = again.feed_documents.get("S1", "text"), again.feed_documents.get("S1", "binary")
    moved = again.report_documents.get("S1", "r1")
    assert "content" not in text and "encoding" not in binary and "content" not in moved
    assert again.read_contents(text) == b"<a/>" and again.read_contents(binary) == b"\x00\xff"
    assert again.read_contents(moved) == b"hello" and (text["size"], moved["size"]) == (4, 5)
    again.close()


def test_without_a_path_the_directory_is_temporary_and_made_only_when_needed(tmp_path):
    store = Store()
    assert store.contents._directory is None  # no directory for a store that never holds a document
    name = store.contents.write(b"x")
    directory = store.contents.directory
    assert os.listdir(directory) == [name]
    store.close()
    assert not os.path.exists(directory)


def test_a_temporary_directory_goes_with_a_store_let_go_of_without_being_closed(tmp_path, monkeypatch):
    # An app a program made and never stopped (a test's) left its documents in /tmp for good.
    import gc

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    store = Store()
    store.contents.write(b"left")
    assert len(os.listdir(tmp_path)) == 1
    del store
    gc.collect()
    assert os.listdir(tmp_path) == []


def test_a_temporary_directory_goes_when_a_process_ends_without_closing_its_store(tmp_path):
    import subprocess
    import sys

    program = (
        "from spapi_mock.http.app import create_app\n"
        "app = create_app()\n"
        "app.services.store.contents.write(b'left')\n"
        "print(app.services.store.contents.directory)\n"
    )
    environment = {**os.environ, "TMPDIR": str(tmp_path)}
    ran = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120, env=environment)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip().startswith(str(tmp_path))
    assert os.listdir(tmp_path) == []


def test_a_document_written_after_the_store_closed_is_refused_and_leaves_no_directory(tmp_path, monkeypatch):
    # A job runner can still be writing as the server stops: its write must not make a
    # temporary directory nobody removes.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    contents = Contents()
    contents.write(b"first")
    contents.close()
    with pytest.raises(StoreFileError):
        contents.write(b"late")
    assert os.listdir(tmp_path) == []
