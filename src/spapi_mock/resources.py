"""Where the spec files and built-in fixtures live, installed or in a source checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent.parent  # src/spapi_mock -> repository root


def _find(name: str) -> Path:
    # A wheel carries copies inside the package; an editable install reads the checkout.
    for base in (_PACKAGE / "_data", _CHECKOUT):
        candidate = base / name
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"spapi-mock resource '{name}' is missing from the installation")


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
    # Imported here: the command line's quick sub-commands never read YAML.
    import yaml

    # libyaml's parser is ten times faster than PyYAML's pure-Python one; start-up reads a lot of YAML.
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@cache
def openapi_spec(name: str) -> dict:
    """One of our OpenAPI documents, parsed once per process."""
    return load_yaml((openapi_dir() / name).read_text(encoding="utf-8"))
