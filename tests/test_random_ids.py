"""Ids the mock makes up (request ids, feed document ids) have Amazon's shape and never repeat,
not even across a fork (a process forked from a server draws its own)."""

from __future__ import annotations

import os
import re

import pytest

from spapi_mock.feeds.service import _document_id
from spapi_mock.http.middleware import new_request_id

# A version-4 UUID as text; Amazon's feed document ids: amzn1.tortuga.4.na.<one>.T<13 upper-case hex digits>.
UUID4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
DOCUMENT_ID = re.compile(rf"amzn1\.tortuga\.4\.na\.{UUID4}\.T[0-9A-F]{{13}}")
REQUEST_ID = re.compile(UUID4)


def test_ids_have_amazons_shape_and_do_not_repeat():
    documents = {_document_id() for _ in range(20_000)}
    requests = {new_request_id() for _ in range(20_000)}
    assert len(documents) == len(requests) == 20_000
    assert all(DOCUMENT_ID.fullmatch(found) for found in documents)
    assert all(REQUEST_ID.fullmatch(found) for found in requests)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")
def test_a_forked_process_draws_ids_of_its_own():
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next ids, then gone
        os.write(write, f"{_document_id()} {new_request_id()}".encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        child = pipe.read().split()
    os.waitpid(pid, 0)
    parent = [_document_id(), new_request_id()]  # the parent's next ids, drawn as the child's were
    assert len(child) == 2
    assert child[0] != parent[0] and child[1] != parent[1]
