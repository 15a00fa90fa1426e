"""Amazon's static sandbox for Orders v0, answered as the sandbox does.

Client test suites written against Amazon's sandbox send fixed values (``TEST_CASE_200``,
sandbox order ids, exact bodies) and expect fixed answers. The cases are data
(``fixtures/sandbox/orders-v0.json``); a request matches a case when every parameter the case
names has exactly the case's value, and the case naming the most parameters wins.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple


class CannedAnswer(NamedTuple):
    status: int
    body: dict | None


class SandboxCases:
    def __init__(self, cases: list[dict]) -> None:
        self._by_operation: dict[str, list[dict]] = {}
        for case in cases:
            self._by_operation.setdefault(case["operationId"], []).append(case)
        for cases_of_op in self._by_operation.values():
            cases_of_op.sort(key=lambda c: -len(c["parameters"]))

    @classmethod
    def from_file(cls, path: str | Path) -> "SandboxCases":
        return cls(json.loads(Path(path).read_text(encoding="utf-8"))["cases"])

    def answer(self, operation_id: str, params: dict[str, Any]) -> CannedAnswer | None:
        for case in self._by_operation.get(operation_id, ()):
            if not case["parameters"]:
                continue  # Amazon's catch-all cases would swallow every real request
            if all(_same(params.get(name), value) for name, value in case["parameters"].items()):
                return CannedAnswer(case["status"], case["response"])
        return None


def _same(given: Any, expected: Any) -> bool:
    if given is None:
        return False
    if isinstance(expected, list):
        given_list = given if isinstance(given, list) else str(given).split(",")
        return sorted(map(str, given_list)) == sorted(map(str, expected))
    return given == expected
