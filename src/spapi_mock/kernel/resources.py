"""Where the spec files and built-in fixtures live, installed or in a source checkout."""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent.parent  # spapi_mock/kernel -> spapi_mock
_CHECKOUT = _PACKAGE.parent.parent  # src/spapi_mock -> repository root


def _find(name: str) -> Path:
    # A wheel carries copies inside the package; an editable install reads the checkout.
    for base in (_PACKAGE / "_data", _CHECKOUT):
        candidate = base / name
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"spapi-mock resource '{name}' is missing from the installation")


def package_file(name: str) -> Path:
    """A data file inside the package itself (e.g. the feed schemas)."""
    path = _PACKAGE / name
    if not path.exists():
        raise FileNotFoundError(f"spapi-mock resource '{name}' is missing from the installation")
    return path


def openapi_dir() -> Path:
    return _find("openapi")


def fixtures_dir() -> Path:
    return _find("fixtures")


def default_fixtures_dir() -> Path:
    return fixtures_dir() / "default"


def sandbox_cases_file() -> Path:
    return fixtures_dir() / "sandbox" / "orders-v0.json"


def sandbox_case_files() -> list[Path]:
    """Amazon's static sandbox cases, one file per API version."""
    return sorted((fixtures_dir() / "sandbox").glob("*.json"))


def load_yaml(text: str):
    """A YAML document, parsed.

    Start-up reads our specs and the built-in fixtures every time, and building Python objects
    from YAML took a third of it even with libyaml. So a document that JSON represents exactly
    is also kept as JSON in a cache keyed by its content (``$SPAPI_MOCK_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/spapi-mock`` or ``~/.cache/spapi-mock``; ``SPAPI_MOCK_CACHE_DIR=off``
    turns it off), which parses several times faster. A cache that cannot be read or written
    is passed by.
    """
    cached = _yaml_cache_file(text)
    if cached is not None:
        try:
            return json.loads(cached.read_bytes())
        except (OSError, ValueError):
            pass
    # Imported here: the command line's quick sub-commands never read YAML.
    import yaml

    # libyaml's parser is ten times faster than PyYAML's pure-Python one.
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if cached is not None:
        _keep_as_json(cached, data)
    return data


def cache_dir() -> Path | None:
    """Where spapi-mock keeps what it can make again (parsed YAML, fixture sets loaded before):
    ``$SPAPI_MOCK_CACHE_DIR``, else ``$XDG_CACHE_HOME/spapi-mock`` or ``~/.cache/spapi-mock``;
    None when ``SPAPI_MOCK_CACHE_DIR=off``."""
    base = os.environ.get("SPAPI_MOCK_CACHE_DIR")
    if base == "off":
        return None
    if not base:
        base = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "spapi-mock")
    return Path(base)


@cache
def code_fingerprint(layers: tuple[str, ...], specs: tuple[str, ...]) -> str:
    """A digest of the code of these layers (folders of the package) and of these specs of ours:
    what is kept from a run of other code (a fixture set's documents, built by its rules) is
    not used."""
    digest = hashlib.sha256()
    code = [path for layer in layers for path in (_PACKAGE / layer).rglob("*.py")]
    for path in sorted(code) + [openapi_dir() / name for name in specs]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _yaml_cache_file(text: str) -> Path | None:
    base = cache_dir()
    if base is None:
        return None
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return base / "yaml" / f"{digest}.json"


def _keep_as_json(path: Path, data) -> None:
    try:
        dumped = json.dumps(data, ensure_ascii=False, allow_nan=False)
        if json.loads(dumped) != data:
            return  # integer keys, tuples: JSON would not give the same data back
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(dumped, encoding="utf-8")
        os.replace(tmp, path)
    except (TypeError, ValueError, OSError):
        pass  # dates and other types JSON lacks; or no writable cache


@cache
def openapi_spec(name: str) -> dict:
    """One of our OpenAPI documents, parsed once per process."""
    return load_yaml((openapi_dir() / name).read_text(encoding="utf-8"))
