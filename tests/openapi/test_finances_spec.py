"""Our Finances API documents (v0 and 2024-06-19) are valid OpenAPI and say what Amazon's models
say, field by field: the checks Feeds and Reports are held to (spec_checks), run for
each Finances version over the operations the mock serves and every schema their answers use."""

from __future__ import annotations

import copy
import json
import re

import pytest
import yaml
from spec_checks import *  # noqa: F403  (the shared checks, collected with this module's fixtures)

from support import PROJECT_ROOT
from support.reference import FINANCES_2024, FINANCES_V0, reference_model

# Each version: our document, Amazon's model, the operations we serve with the usage plans the
# model documents, and what our description must say about how the mock runs it.
APIS = {
    "v0": (
        "finances-v0.yaml",
        FINANCES_V0,
        {
            "listFinancialEventGroups": ("0.5", 30),
            "listFinancialEventsByGroupId": ("0.5", 30),
            "listFinancialEventsByOrderId": ("0.5", 30),
            "listFinancialEvents": ("0.5", 30),
        },
        (
            "An order cancelled before it shipped has no event",
            "posts 48 hours after the order changed",
            "ProcessingStatus Open while the mock clock is before FinancialEventGroupEnd",
            "'Must specify a valid value of atleast one of'",
            "answer every event list empty",
        ),
    ),
    "2024-06-19": (
        "finances-2024-06-19.yaml",
        FINANCES_2024,
        {"listTransactions": ("0.5", 10), "listBalances": ("0.5", 10), "listSummary": ("0.5", 10)},
        (
            "TOTAL is AVAILABLE (released money of settlement periods still open) plus RESERVED",
            "relatedIdentifierName SETTLEMENT_ID, the financial event group id",
            "'Start date cannot be null'",
            "ORDER_ID or FINANCIAL_EVENT_GROUP_ID only",
            "as DEFERRED while its funds are held, then RELEASED",
        ),
    ),
}


@pytest.fixture(scope="module", params=sorted(APIS))
def api(request) -> tuple:
    return APIS[request.param]


@pytest.fixture(scope="module")
def ours(api) -> dict:
    return yaml.safe_load((PROJECT_ROOT / "openapi" / api[0]).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def amazon(api) -> dict:
    """Amazon's model cut to the operations we serve and the definitions their answers reach."""
    model = copy.deepcopy(reference_model(api[1]))
    served = set(api[2])
    model["paths"] = {
        path: {method: op for method, op in item.items() if method == "parameters" or op.get("operationId") in served}
        for path, item in model["paths"].items()
    }
    model["paths"] = {path: item for path, item in model["paths"].items() if set(item) - {"parameters"}}
    roots = [
        response["schema"]["$ref"].rsplit("/", 1)[-1]
        for item in model["paths"].values()
        for method, op in item.items()
        if method != "parameters"
        for response in op["responses"].values()
        if "schema" in response
    ]
    model["definitions"] = {name: model["definitions"][name] for name in _reachable(model["definitions"], roots)}
    return model


def _reachable(definitions: dict, roots: list[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += re.findall(r"#/definitions/(\w+)", json.dumps(definitions[name]))
    return seen
