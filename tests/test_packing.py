"""A document is packed to the same bytes however the packer gets it: one at a time, by a
packer that learnt the dictionary or adopted it (a store file's, a fixture set's kept), or in
batches on the packer's thread (a set served before), and as zstd itself compresses it with that
dictionary."""

from __future__ import annotations

import random
from array import array

import orjson
import zstandard

from spapi_mock.store import packing
from spapi_mock.store.packing import Packer


def documents(count: int) -> list[dict]:
    rnd = random.Random(3)
    return [
        {
            "seller_id": "A1SELLER",
            "order": {
                "AmazonOrderId": f"111-{rnd.randint(0, 9999999):07d}-{number:07d}",
                "PurchaseDate": f"2026-0{rnd.randint(1, 9)}-1{rnd.randint(0, 9)}T10:00:00Z",
                "OrderStatus": rnd.choice(["Pending", "Unshipped", "Shipped", "Canceled"]),
                "OrderTotal": {"CurrencyCode": "USD", "Amount": f"{rnd.randint(1, 999)}.{rnd.randint(0, 99):02d}"},
            },
            "items": [{"ASIN": f"B{rnd.randint(0, 10**9):09d}", "QuantityOrdered": rnd.randint(1, 4)}],
        }
        for number in range(count)
    ]


def test_documents_are_packed_to_the_bytes_zstd_makes_with_the_learnt_dictionary(monkeypatch):
    monkeypatch.setattr(packing, "TRAIN_AFTER", 200)
    packer = Packer()
    docs = documents(600)
    packed = [packer.pack(doc) for doc in docs]
    assert packer.dictionary() is not None
    zstd = zstandard.ZstdCompressor(
        level=packing.LEVEL,
        dict_data=zstandard.ZstdCompressionDict(packer.dictionary()),
        write_checksum=False,
        write_dict_id=False,
    )
    learnt_after = packed[200:]
    assert learnt_after == [b"t" + zstd.compress(orjson.dumps(doc)) for doc in docs[200:]]
    assert [packer.unpack(one) for one in packed] == docs
    # The same dictionary adopted by another packer (a store file's) packs the same bytes.
    other = Packer()
    other.adopt(packer.dictionary())
    assert [other.pack(doc) for doc in docs[200:]] == learnt_after
    batches = [("t", [orjson.dumps(doc) for doc in docs[200 + first : 200 + first + 70]], first) for first in range(0, 400, 70)]
    assert [one for _, batch, _ in other.pack_batches(batches) for one in batch] == learnt_after
    # A batch given as documents one a line in one buffer, by their offsets and lengths.
    texts = [orjson.dumps(doc) for doc in docs[200:]]
    offsets = [sum(len(text) + 1 for text in texts[:n]) for n in range(len(texts))]
    segments = array("Q", [part for offset, text in zip(offsets, texts, strict=True) for part in (offset, len(text))])
    buffer = zstandard.BufferWithSegments(b"\n".join(texts), segments.tobytes())
    assert [one for _, batch, _ in other.pack_batches([("t", buffer, 0)]) for one in batch] == learnt_after
