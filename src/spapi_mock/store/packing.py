"""Documents kept small in memory: each one is its JSON text, compressed with zstd.

Held as Python dicts, a 100k-order store took 1.4 GB (13 KB an order, most of it the
overhead of small strings and dicts). As compressed JSON an order takes about 350 bytes, and
reading one back (decompress, then orjson) costs a few tens of microseconds, which only the
documents a request reads pay.

zstd compresses many small, similar records well only with a dictionary trained on them (330
bytes an order instead of 1,150 without one), so the packer trains one on the first documents
it packs and packs the rest with it; documents packed before that keep their own form. Every
packed document starts with one byte saying how it was packed and how its JSON is read back.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

import orjson
import zstandard

from spapi_mock.kernel.ahead import worked_ahead

# Documents packed before the dictionary is trained (and its samples), and its size: enough
# to learn an order's field names and common values, few enough that training takes a
# fraction of a second.
TRAIN_AFTER = 1000
DICTIONARY_BYTES = 16 * 1024
LEVEL = 1
# Batches ``pack_batches`` has queued for packing before it waits for the first.
_PACKED_AHEAD = 2

K = TypeVar("K")
V = TypeVar("V")

# The first byte: compressed with the trained dictionary or without one, and whether its JSON
# is read by orjson or, holding an integer orjson cannot write (beyond 64 bits), by the
# standard library.
_PLAIN, _PLAIN_STDLIB, _TRAINED, _TRAINED_STDLIB = b"p", b"P", b"t", b"T"
_STDLIB = (_PLAIN_STDLIB[0], _TRAINED_STDLIB[0])
_WITH_TRAINED = (_TRAINED[0], _TRAINED_STDLIB[0])
_PLAIN_FORMS = (_PLAIN[0], _PLAIN_STDLIB[0])


class Packer:
    """Packs documents to bytes and back. One per store; safe to share between threads."""

    def __init__(self) -> None:
        # zstandard's compressor and decompressor objects are not safe to share between threads.
        self._lock = threading.Lock()
        self._plain = zstandard.ZstdCompressor(level=LEVEL, write_checksum=False, write_dict_id=False)
        self._plain_reader = zstandard.ZstdDecompressor()
        self._trained: zstandard.ZstdCompressor | None = None
        self._trained_reader: zstandard.ZstdDecompressor | None = None
        self._samples: list[bytes] | None = []
        self._dictionary: bytes | None = None

    def pack(self, doc: dict) -> bytes:
        return self._pack(*_json_text(doc))

    @staticmethod
    def text_of(doc: dict) -> tuple[bytes, bool]:
        """(the document's JSON text, whether only the standard library reads it back exactly):
        ``pack_text`` of it is ``pack(doc)``, so the text can be made where packing is not."""
        return _json_text(doc)

    def pack_text(self, text: bytes, long_digits: bool) -> bytes:
        """Pack a document given as its JSON text (as a store file holds it), saying whether
        it holds a run of digits only the standard library reads back exactly."""
        return self._pack(text, long_digits)

    def pack_batches(self, batches: Iterable[tuple[K, list[bytes], V]]) -> Iterator[tuple[K, list[bytes], V]]:
        """``(k, [pack_text(text, False) for text in texts], v)`` of each batch (texts as orjson
        writes them, a list or a zstandard.BufferWithSegments over one buffer), the same bytes:
        once the dictionary is trained, a batch at a time on another thread while the caller
        makes the next batch (zstd works without the GIL; packing a 100k-order set one by one
        took a second and a half of the one core a start had)."""
        batches = iter(batches)
        while self._samples is not None:  # still learning: one at a time, as pack_text
            batch = next(batches, None)
            if batch is None:
                return
            key, texts, value = batch
            yield key, [self._pack(text, False) for text in _listed(texts)], value
        # A few batches queued, not one: making a batch takes longer for some (an order's than
        # an event's), and the caller should not wait on the packer for the odd one.
        yield from worked_ahead(self._packed_batch, batches, _PACKED_AHEAD, "packer")

    def _packed_batch(self, batch: tuple[K, list[bytes], V]) -> tuple[K, list[bytes], V]:
        key, texts, value = batch
        return key, self._pack_batch(texts), value

    @staticmethod
    @functools.lru_cache(maxsize=1)
    def with_dictionary(dictionary: bytes) -> Packer:
        """A packer that packs with this dictionary (another's, given to a process of its own:
        its documents are then read back by the packer the dictionary came from)."""
        packer = Packer()
        packer.adopt(dictionary)
        return packer

    def pack_texts(self, texts: list[tuple[bytes, bool]]) -> list[bytes]:
        """``pack_text`` of each (text, long_digits), the orjson texts in one batch."""
        plain = [text for text, long_digits in texts if not long_digits]
        packed = iter(self._pack_batch(plain))
        return [self._pack(text, True) if long_digits else next(packed) for text, long_digits in texts]

    def _pack_batch(self, texts: list[bytes] | zstandard.BufferWithSegments) -> list[bytes]:
        if not len(texts):
            return []
        with self._lock:
            packer, form = (self._trained, _TRAINED) if self._trained is not None else (self._plain, _PLAIN)
            packed = packer.multi_compress_to_buffer(texts, threads=1)
        return [form + segment.tobytes() for segment in packed]

    def _pack(self, text: bytes, stdlib: bool) -> bytes:
        with self._lock:
            if self._trained is not None:
                return (_TRAINED_STDLIB if stdlib else _TRAINED) + self._trained.compress(text)
            packed = (_PLAIN_STDLIB if stdlib else _PLAIN) + self._plain.compress(text)
            self._learn(text)
            return packed

    def unpack(self, packed: bytes) -> dict:
        text = self.json_text(packed)
        if packed[0] in _STDLIB:
            return json.loads(text)
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            return json.loads(text)  # NaN and the like, which the standard library reads

    def is_orjson(self, packed: bytes) -> bool:
        """Whether the document's JSON text is orjson's (not the standard library's, for a
        number orjson cannot write)."""
        return packed[0] not in _STDLIB

    def json_text(self, packed: bytes) -> bytes:
        """The document's JSON text, without building the document."""
        with self._lock:
            reader = self._trained_reader if packed[0] in _WITH_TRAINED else self._plain_reader
            return reader.decompress(memoryview(packed)[1:])

    def _learn(self, text: bytes) -> None:
        if self._samples is None:
            return
        self._samples.append(text)
        if len(self._samples) < TRAIN_AFTER:
            return
        samples, self._samples = self._samples, None
        try:
            dictionary = zstandard.train_dictionary(DICTIONARY_BYTES, samples)
        except zstandard.ZstdError:
            return  # documents too few or too alike to learn from: they stay packed without one
        self._use(dictionary)

    def dictionary(self) -> bytes | None:
        """The trained dictionary (what reading the documents packed with it needs), or None."""
        with self._lock:
            return self._dictionary

    def adopt(self, dictionary: bytes) -> None:
        """Pack and read with this dictionary (a store file's, whose documents were packed with
        it) rather than one trained here. ValueError if it is not one, or another is in use."""
        with self._lock:
            if self._dictionary is not None:
                if self._dictionary != dictionary:
                    raise ValueError("a second packing dictionary")
                return
            try:
                self._use(zstandard.ZstdCompressionDict(dictionary))
            except zstandard.ZstdError as exc:
                raise ValueError(f"not a packing dictionary: {exc}") from None
            self._samples = None

    def _use(self, dictionary: zstandard.ZstdCompressionDict) -> None:
        self._trained = zstandard.ZstdCompressor(level=LEVEL, dict_data=dictionary, write_checksum=False, write_dict_id=False)
        self._trained_reader = zstandard.ZstdDecompressor(dict_data=dictionary)
        self._dictionary = dictionary.as_bytes()

    def readable(self, packed: bytes) -> bool:
        """Whether ``packed`` is a document this packer can read back (a known form, with the
        dictionary it needs)."""
        return bool(packed) and (packed[0] in _PLAIN_FORMS or (packed[0] in _WITH_TRAINED and self._trained_reader is not None))


def _listed(texts: list[bytes] | zstandard.BufferWithSegments) -> list[bytes]:
    return texts if isinstance(texts, list) else [texts[n].tobytes() for n in range(len(texts))]


def _json_text(doc: dict) -> tuple[bytes, bool]:
    """(the document's JSON text, whether only the standard library reads it back exactly)."""
    try:
        return orjson.dumps(doc), False
    except TypeError:
        # An integer beyond 64 bits: orjson cannot write it, and would read it back as a float.
        return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8"), True
