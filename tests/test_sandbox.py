"""Requests written for Amazon's static sandbox get the sandbox's answers.

The cases are read from Amazon's own model (the oracle), not from our copy of them.
"""

from __future__ import annotations

import re

import pytest

from support.reference import FEEDS, ORDERS_V0, REPORTS, missing_reason, reference_model_if_present


def sandbox_cases(model_name: str) -> list[tuple[str, str, str, dict]]:
    model = reference_model_if_present(model_name)
    if model is None:  # collected without Amazon's model: one skipped case says why
        reason = missing_reason(model_name)
        return [pytest.param(None, None, None, None, marks=pytest.mark.skip(reason=reason), id=f"no-model-{model_name}")]
    cases = []
    for template, item in model["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            for status, response in operation["responses"].items():
                for n, case in enumerate((response.get("x-amzn-api-sandbox") or {}).get("static", [])):
                    if not case["request"]["parameters"]:
                        continue  # a catch-all case: answered by the mock's real behaviour instead
                    case_id = f"{model_name.split('.')[0]}-{operation['operationId']}-{status}-{n}"
                    if (operation["operationId"], int(status)) in ANSWERED_FOR_REAL:
                        case_id += "-answered-for-real"
                    case = {**case, "operationId": operation["operationId"]}
                    cases.append(pytest.param(method.upper(), template, int(status), case, id=case_id))
    return cases


# Feeds cases whose requests real seller software sends (fixtures/sandbox/feeds-2021-06-30.json
# says why): the mock answers them with its real behaviour, never the canned answer.
ANSWERED_FOR_REAL = {("createFeedDocument", 201), ("getFeeds", 200)}


@pytest.mark.parametrize(
    "method, template, status, case", sandbox_cases(ORDERS_V0) + sandbox_cases(FEEDS) + sandbox_cases(REPORTS)
)
def test_sandbox_case_is_answered_as_amazon_does(client, method, template, status, case):
    params = {name: spec["value"] for name, spec in case["request"]["parameters"].items()}
    path = re.sub(r"\{(\w+)\}", lambda m: params.pop(m.group(1), "111-0000000-0000001"), template)
    body = params.pop("body", None)
    query = {k: ",".join(v) if isinstance(v, list) else v for k, v in params.items()}
    # Two of Amazon's 400 cases answer an empty object: the sandbox's body, not an envelope.
    response = client.request(method, path, params=query, json=body, envelope=bool(case.get("response")))
    if (case["operationId"], status) in ANSWERED_FOR_REAL:
        assert response.status_code == status and response.json() != case["response"], response.text
        return
    assert response.status_code == status, response.text
    if case.get("response") is None:
        assert response.content == b""
    else:
        assert response.json() == case["response"]
