"""Parsed YAML is kept as JSON in a cache keyed by content, only when JSON gives the same data back."""

from __future__ import annotations

from datetime import datetime

from spapi_mock.kernel import resources

DOC = "a: 1\nb: [x, {c: true}]\n"


def test_a_document_is_cached_as_json_and_read_back_the_same(tmp_path, monkeypatch):
    monkeypatch.setenv("SPAPI_MOCK_CACHE_DIR", str(tmp_path))
    first = resources.load_yaml(DOC)
    (cached,) = (tmp_path / "yaml").glob("*.json")
    assert first == {"a": 1, "b": ["x", {"c": True}]}
    cached.write_text('{"a": 2}')  # what the cache holds is what is read
    assert resources.load_yaml(DOC) == {"a": 2}
    cached.write_text("{not json")  # a broken cache entry is passed by
    assert resources.load_yaml(DOC) == first


def test_what_json_cannot_give_back_is_not_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("SPAPI_MOCK_CACHE_DIR", str(tmp_path))
    assert resources.load_yaml("at: 2025-06-05T12:00:00Z\n")["at"] == datetime.fromisoformat("2025-06-05T12:00:00+00:00")
    assert resources.load_yaml("1: one\n") == {1: "one"}
    assert not list((tmp_path / "yaml").glob("*.json"))


def test_the_cache_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv("SPAPI_MOCK_CACHE_DIR", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert resources.load_yaml(DOC)["a"] == 1
    assert not list(tmp_path.rglob("*.json"))
