"""Amazon's static sandbox for the Orders API (v0 and v2026-01-01), answered as the sandbox does.

Client test suites written against Amazon's sandbox send fixed values (``TEST_CASE_200``,
sandbox order ids, exact bodies) and expect fixed answers. The cases are data, one file per API
version (``fixtures/sandbox/orders-v0.json``, ``orders-2026-01-01.json``); a request matches a
case when every parameter the case names has exactly the case's value, and the case naming the
most parameters wins. Both versions have a ``getOrder``, so a case belongs to the API its file's
``basePath`` names (the v0 file's is the root), the base path Connexion routed the request under.

The cases are matched here against parameters already read; the traffic gate
(``http/middleware.py``) reads them from the request after routing and the access-token check
but before request validation, because the sandbox's own 400 cases are requests our validation
would refuse differently.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple


class CannedAnswer(NamedTuple):
    status: int
    body: dict | None


class SandboxCases:
    def __init__(self, cases: list[dict], base_path: str = "") -> None:
        self._by_operation: dict[tuple[str, str], list[dict]] = {}
        self.add(cases, base_path)

    def add(self, cases: list[dict], base_path: str = "") -> None:
        for case in cases:
            self._by_operation.setdefault((base_path, case["operationId"]), []).append(case)
        for cases_of_op in self._by_operation.values():
            cases_of_op.sort(key=lambda c: -len(c["parameters"]))
        self._deciding = {key: _deciding(cases_of_op) for key, cases_of_op in self._by_operation.items()}

    @classmethod
    def from_file(cls, path: str | Path) -> SandboxCases:
        return cls.from_files([path])

    @classmethod
    def from_files(cls, paths: list[str] | list[Path]) -> SandboxCases:
        cases = cls([])
        for path in paths:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            cases.add(data["cases"], data.get("basePath", "").rstrip("/"))
        return cases

    def has_cases(self, operation_id: str | None, base_path: str = "") -> bool:
        return (base_path, operation_id) in self._by_operation

    def deciding(self, operation_id: str | None, base_path: str = "") -> tuple[str, frozenset] | None:
        """A parameter every case of the operation names with one plain value, and those values,
        or None: a request without one of them matches no case, whatever else it sends (every
        request reads this, most of them real ones that match nothing)."""
        return self._deciding.get((base_path, operation_id))

    def answer(self, operation_id: str, params: dict[str, Any], base_path: str = "") -> CannedAnswer | None:
        for case in self._by_operation.get((base_path, operation_id), ()):
            if not case["parameters"]:
                continue  # Amazon's catch-all cases would swallow every real request
            if all(_same(params.get(name), value) for name, value in case["parameters"].items()):
                return CannedAnswer(case["status"], case["response"])
        return None


def _deciding(cases: list[dict]) -> tuple[str, frozenset] | None:
    named = [case["parameters"] for case in cases if case["parameters"]]  # as answer() reads them
    if not named:
        return None
    plain = (str, int, float, bool)
    common = set.intersection(*({k for k, v in parameters.items() if isinstance(v, plain)} for parameters in named))
    if not common:
        return None
    name = min(common)
    return name, frozenset(parameters[name] for parameters in named)


def _same(given: Any, expected: Any) -> bool:
    if given is None:
        return False
    if isinstance(expected, list):
        given_list = given if isinstance(given, list) else str(given).split(",")
        return sorted(map(str, given_list)) == sorted(map(str, expected))
    return given == expected
