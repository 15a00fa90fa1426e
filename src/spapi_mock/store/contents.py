"""The contents of feed and report documents, as files: the store keeps each document's
metadata and the name of its file, never its bytes.

Held in the store, a few 60 MB feed documents grew the server to 676 MB. As files, a document
is written as it arrives and served as it is read, a chunk at a time, so memory stays flat
however many there are. With ``--db FILE`` they live beside it, in ``FILE.documents/``, and
survive a restart; without one, in a temporary directory removed when the server stops.

A file is written under a temporary name, synced, then renamed to its own (a new name per
contents, never reused): a crash mid-write leaves only a temporary file, and a document's
record names a file only once it is whole. A file no record names (a crash between the rename
and the record's write, or a replaced document whose file was being read) is swept at start.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import uuid
import weakref
from typing import BinaryIO

from spapi_mock.store.file import StoreFileError

_TEMP_PREFIX = ".partial-"


class Contents:
    """Document files in one directory: ``directory``, or a temporary one made when first
    needed and removed by ``close``."""

    def __init__(self, directory: str | None = None) -> None:
        self._directory = os.path.abspath(directory) if directory else None
        self._temporary: str | None = None
        self._removal: weakref.finalize | None = None
        self._lock = threading.Lock()
        self._closed = False

    @property
    def directory(self) -> str:
        with self._lock:
            if self._closed:
                # A job runner may still be producing a document as the server stops; made
                # now, its temporary directory would outlive the server.
                raise StoreFileError("the store is closed")
            if self._directory is None:
                self._temporary = self._directory = tempfile.mkdtemp(prefix="spapi-mock-documents-")
                # Removed also when the store is let go of without being closed, or when the
                # process ends, as tempfile.TemporaryDirectory does: an app a program made and
                # never stopped (our suite's, a user's tests') left its directory behind.
                self._removal = weakref.finalize(self, shutil.rmtree, self._temporary, ignore_errors=True)
            elif not os.path.isdir(self._directory):
                try:
                    os.makedirs(self._directory, exist_ok=True)
                except OSError as exc:
                    raise StoreFileError(f"{self._directory}: cannot create the documents directory: {exc.strerror}") from None
            return self._directory

    def writer(self) -> ContentWriter:
        """A new file to write a document into, chunk by chunk; ``finish`` makes it whole."""
        return ContentWriter(self.directory)

    def write(self, data: bytes) -> str:
        """A new file holding ``data``; its name."""
        with self.writer() as writer:
            writer.write(data)
            return writer.finish()

    def open(self, name: str) -> BinaryIO:
        """The file, opened for reading (FileNotFoundError if it is gone)."""
        return open(self.path(name), "rb")

    def read(self, name: str) -> bytes:
        with self.open(name) as handle:
            return handle.read()

    def path(self, name: str) -> str:
        if not name or os.path.basename(name) != name or name.startswith("."):
            raise FileNotFoundError(name)
        return os.path.join(self.directory, name)

    def remove(self, names) -> None:
        """Remove files no document names any more (one already gone is no matter)."""
        for name in names:
            with contextlib.suppress(OSError):
                os.unlink(self.path(name))

    def sweep(self, keep: set[str]) -> int:
        """Remove every file but ``keep``: half-written ones and ones no record names. How many."""
        if self._directory is None or not os.path.isdir(self._directory):
            return 0
        removed = 0
        for name in os.listdir(self._directory):
            if name not in keep:
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(self._directory, name))
                    removed += 1
        return removed

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self._temporary is not None:
                # ignore_errors: a runner writing its last file meanwhile made the removal
                # raise 'Directory not empty' out of the server's stop.
                self._removal()
                self._temporary = None


class ContentWriter:
    """One document's file being written: under a temporary name until ``finish``; removed if
    the block ends without it. Every failure to write is a StoreFileError saying why."""

    def __init__(self, directory: str) -> None:
        self._directory = directory
        self.name = uuid.uuid4().hex
        self.size = 0
        self._temp = os.path.join(directory, f"{_TEMP_PREFIX}{self.name}")
        self._finished = False
        try:
            self._handle = open(self._temp, "xb")
        except OSError as exc:
            raise _unwritable(exc) from None

    def write(self, chunk: bytes) -> None:
        try:
            self._handle.write(chunk)
        except OSError as exc:
            raise _unwritable(exc) from None
        self.size += len(chunk)

    def finish(self) -> str:
        """Make the file whole and durable under its own name; that name."""
        try:
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()
            os.replace(self._temp, os.path.join(self._directory, self.name))
            _fsync_directory(self._directory)
        except OSError as exc:
            raise _unwritable(exc) from None
        self._finished = True
        return self.name

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self._handle.close()
        with contextlib.suppress(OSError):
            os.unlink(self._temp)
        if self._finished:
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(self._directory, self.name))

    def __enter__(self) -> ContentWriter:
        return self

    def __exit__(self, kind, error, trace) -> None:
        if kind is not None or not self._finished:
            self.abort()


def _unwritable(exc: OSError) -> StoreFileError:
    return StoreFileError(f"the document could not be written ({exc.strerror or exc}); nothing was changed")


def _fsync_directory(directory: str) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
