"""Every SP-API operation answered by the compiled path (``http/compiled.py``) exactly as
Connexion's own path answers it: status, body and the SP-API headers.

The requests are generated from our specs, operation by operation: a valid request, one with
only the required parameters, each parameter with a value its schema refuses, each required one
left out, an unknown one, unknown and malformed path values, no token, an empty token, another
seller's, and for operations with a body a valid body and bad ones (not JSON, null, an array, an
empty object, an unknown field, each required field left out, a field of the wrong type, another
content type); then an injected fault and the usage plan's throttling for each operation, and
every one of Amazon's sandbox cases. The Connexion path is the same app with the compiled path
switched off (``Config.fast_reads``); both validate their answers against our spec, so every
answer compared here is also held to it. Every other app of the suite, in-process or live,
serves SP-API operations through the compiled path, as users get them.
"""

from __future__ import annotations

import copy
import json
import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spapi_mock.http import compiled
from spapi_mock.kernel import resources
from spapi_mock.traffic import specs

from support.http import TOKEN, US, make_app

UNSHIPPED = "111-0000000-0000001"
FIVE_ITEMS = "111-0000000-0000008"
VARYING = {"x-amzn-requestid", "date"}
# The APIs the compiled path serves (the control plane and LWA stay Connexion's).
SP_API_SPECS = (
    specs.ORDERS_V0_SPEC,
    specs.ORDERS_2026_SPEC,
    specs.TOKENS_SPEC,
    specs.FEEDS_SPEC,
    specs.REPORTS_SPEC,
    specs.NOTIFICATIONS_SPEC,
    specs.SELLERS_SPEC,
    specs.FINANCES_V0_SPEC,
    specs.FINANCES_2024_SPEC,
)
# Values a client would send, by parameter or body field name, where the schema alone does not
# say (a marketplace, a type Amazon knows); everything else is made from the schema.
GOOD = {
    "orderId": UNSHIPPED,
    "MarketplaceIds": [US],
    "marketplaceIds": [US],
    "marketplaceId": US,
    "CreatedAfter": "2025-01-01T00:00:00Z",
    "createdAfter": "2025-01-01T00:00:00Z",
    "feedTypes": ["POST_ORDER_FULFILLMENT_DATA"],
    "feedType": "POST_ORDER_FULFILLMENT_DATA",
    "reportTypes": ["GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"],
    "reportType": "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
    "notificationType": "ORDER_CHANGE",
    "notificationTypes": ["ORDER_CHANGE"],
    "contentType": "text/tab-separated-values; charset=UTF-8",
    "feedId": "1",
    "reportId": "1",
}

# The query of a request that succeeds, for the operations whose required parameters alone do
# not make one (Amazon's either-or rules).
VALID = {
    "getOrders": {"MarketplaceIds": [US], "CreatedAfter": "2025-01-01T00:00:00Z"},
    "searchOrders": {"createdAfter": "2025-01-01T00:00:00Z"},
    "getFeeds": {"feedTypes": ["POST_ORDER_FULFILLMENT_DATA"]},
    "getReports": {"reportTypes": ["GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"]},
    "listFinancialEvents": {"PostedAfter": "2025-06-01T00:00:00Z"},
    "listTransactions": {"postedAfter": "2025-06-01T00:00:00Z"},
}


# -- the two apps and how a case is compared ---------------------------------------------------


@pytest.fixture(scope="module")
def served():
    """The operations the compiled path claimed, by app, over the whole module."""
    claims: dict[int, set] = {}
    real = compiled.Compiled._claims

    def recording(self, scope):
        found = real(self, scope)
        if found is not None:
            claims.setdefault(id(self.services), set()).add((found[0].base_path.rstrip("/"), found[0].operation_id))
        return found

    mp = pytest.MonkeyPatch()
    mp.setattr(compiled.Compiled, "_claims", recording)
    yield claims
    mp.undo()


def _pair(served, **config):
    fast = make_app(order_items_page_size=2, **config)
    slow = make_app(order_items_page_size=2, fast_reads=False, **config)
    return fast, slow


@pytest.fixture(scope="module")
def pair(served):
    """(compiled, connexion): two apps on the same fixtures and frozen clock, throttled."""
    fast, slow = _pair(served, throttling="amazon")
    with fast.test_client() as a, slow.test_client() as b:
        a.services, b.services = fast.services, slow.services
        yield a, b


@pytest.fixture(scope="module")
def open_pair(served):
    """(compiled, connexion) without throttling, for many requests in a row."""
    fast, slow = _pair(served)
    with fast.test_client() as a, slow.test_client() as b:
        a.services, b.services = fast.services, slow.services
        yield a, b


def both(pair, method: str, url: str, **kwargs) -> tuple:
    return tuple(client.request(method, url, **kwargs) for client in pair)


# Page tokens are sealed with each server's own key, new documents get random ids and their URLs
# signatures; everything else is byte for byte.
_RANDOM = [
    (rb'"(NextToken|nextToken|paginationToken|restrictedDataToken)":"[^"]*"', rb'"\1":"..."'),
    (rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", b"UUID"),
    (rb"amzn1\.tortuga\.[^\"/?]*", b"DOCUMENT"),
    (rb"(X-Amz-Signature=)[0-9a-f]+", rb"\1..."),
]


def _stable(body: bytes) -> bytes:
    for pattern, replacement in _RANDOM:
        body = re.sub(pattern, replacement, body)
    return body


def assert_same(fast, slow, case: str = "") -> None:
    assert fast.status_code == slow.status_code, (case, fast.status_code, fast.text, slow.status_code, slow.text)
    assert _stable(fast.content) == _stable(slow.content), case
    fast_headers = {k.lower(): v for k, v in fast.headers.items() if k.lower() not in VARYING}
    slow_headers = {k.lower(): v for k, v in slow.headers.items() if k.lower() not in VARYING}
    assert fast_headers == slow_headers, case
    assert "x-amzn-requestid" in {k.lower() for k in fast.headers}, case


# -- the operations, from the specs ------------------------------------------------------------


def _operations() -> list[dict]:
    found = []
    for name in SP_API_SPECS:
        spec = resources.openapi_spec(name)
        base = spec["servers"][0]["url"].rstrip("/")
        for path, item in spec["paths"].items():
            for method, operation in item.items():
                if method not in ("get", "post", "put", "patch", "delete"):
                    continue
                parameters = [_resolved(spec, p) for p in [*item.get("parameters", []), *operation.get("parameters", [])]]
                body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
                found.append(
                    {
                        "id": f"{operation['operationId']}@{base or '/'}",
                        "operation_id": operation["operationId"],
                        "base": base,
                        "method": method.upper(),
                        "path": base + path,
                        "parameters": parameters,
                        "body": _resolved(spec, body) if body else None,
                    }
                )
    return found


def _resolved(spec: dict, node, depth: int = 0):
    """``node`` with its references replaced by what they name (deep enough for a sample)."""
    if isinstance(node, dict):
        if "$ref" in node:
            target = spec
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            return _resolved(spec, target, depth + 1) if depth < 12 else {}
        return {key: _resolved(spec, value, depth) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolved(spec, value, depth) for value in node]
    return node


OPERATIONS = _operations()


def _sample(schema: dict, name: str = ""):
    """A value the schema allows, as small as it can be."""
    if name in GOOD:
        good = GOOD[name]
        return good if schema.get("type") == "array" or not isinstance(good, list) else good[0]
    kind = schema.get("type") or ("object" if "properties" in schema else "string")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object":
        return {key: _sample(schema["properties"].get(key, {}), key) for key in schema.get("required", [])}
    if kind == "array":
        return [_sample(schema.get("items", {}), name)] * max(1, schema.get("minItems", 1))
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if schema.get("format") == "date-time" or name.endswith(("After", "Before", "Since", "Until")):
        return "2025-06-01T00:00:00Z"
    if schema.get("format") == "date" or name in ("periodStart", "periodEnd", "asOfDate"):
        return "2025-06-01"
    return "x" * max(1, schema.get("minLength", 1))


def _bad(schema: dict):
    """A value the parameter's schema refuses (as a query string), or None if any string does."""
    kind = schema.get("type")
    if kind in ("integer", "number"):
        return "not-a-number"
    if kind == "boolean":
        return "maybe"
    if kind == "array":
        inner = _bad(schema.get("items", {}))
        return inner if inner is not None else ",".join(["x"] * (schema.get("maxItems", 0) + 1)) if "maxItems" in schema else None
    if "enum" in schema:
        return "NOT_ONE_OF_THEM"
    if schema.get("format") in ("date-time", "date"):
        return "yesterday"
    if "maxLength" in schema:
        return "x" * (schema["maxLength"] + 1)
    if "pattern" in schema:
        return "\u00e9\u00e9 not it"
    return None


def _query_value(value) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value).lower() if isinstance(value, bool) else str(value)


def _request(op: dict, params: dict | None = None, path_params: dict | None = None) -> tuple[str, dict]:
    values = {p["name"]: _sample(p.get("schema", {}), p["name"]) for p in op["parameters"] if p["in"] == "path"}
    values.update(path_params or {})
    url = re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), op["path"])
    if params is None:
        required = [p for p in op["parameters"] if p["in"] == "query" and p.get("required")]
        params = {p["name"]: _sample(p.get("schema", {}), p["name"]) for p in required}
    return url, {name: _query_value(value) for name, value in params.items()}


def _cases(op: dict) -> list[tuple[str, dict]]:
    """(label, request keyword arguments) for one operation."""
    cases = []
    query = [p for p in op["parameters"] if p["in"] == "query"]
    required = {p["name"]: _sample(p.get("schema", {}), p["name"]) for p in query if p.get("required")}
    every = {p["name"]: _sample(p.get("schema", {}), p["name"]) for p in query}
    json_body = _sample(op["body"]) if op["body"] else None

    def case(label, params=None, path_params=None, headers=None, **extra):
        url, query_string = _request(op, params, path_params)
        if op["body"] is not None and "json" not in extra and "content" not in extra:
            extra["json"] = json_body
        cases.append((label, {"url": url, "params": query_string, "headers": TOKEN if headers is None else headers, **extra}))

    if op["operation_id"] in VALID:
        case("a valid request", VALID[op["operation_id"]])
    case("required parameters")
    if every != required:
        case("every parameter", every)
    for param in query:
        bad = _bad(param.get("schema", {}))
        if bad is not None:
            case(f"bad {param['name']}", {**required, param["name"]: bad})
        if param.get("required"):
            case(f"no {param['name']}", {k: v for k, v in required.items() if k != param["name"]})
    case("an unknown parameter", {**required, "Unknown": "1"})
    for param in (p for p in op["parameters"] if p["in"] == "path"):
        for label, value in (("unknown", "999-9999999-9999999"), ("odd", "a b~c"), ("line break", "a%0Ab")):
            case(f"{label} {param['name']}", path_params={param["name"]: value})
    case("no token", headers={})
    case("an empty token", headers={"x-amz-access-token": ""})
    case("another seller's token", headers={"x-amz-access-token": "Atza|other-seller"})
    if op["body"] is not None:
        for label, raw in (("not JSON", b"{"), ("null", b"null"), ("an array", b"[]"), ("no body", b"")):
            case(f"a body that is {label}", content=raw, headers={**TOKEN, "content-type": "application/json"})
        case("an empty object", json={})
        case("an unknown field", json={**json_body, "unknownField": 1})
        for field in op["body"].get("required", []):
            case(f"no {field}", json={k: v for k, v in json_body.items() if k != field})
            # Not an empty object (Amazon's sandbox case for a one-field body answers that first).
            case(f"no {field}, another field instead", json={**{k: v for k, v in json_body.items() if k != field}, "other": "x"})
            case(f"{field} of the wrong type", json={**json_body, field: [[12345]]})
        raw = json.dumps(json_body).encode()
        for content_type in ("text/plain", "application/json; charset=utf-8", "application/JSON"):
            case(f"the body as {content_type}", content=raw, headers={**TOKEN, "content-type": content_type})
        case("the body without a content type", content=raw, headers=TOKEN)
    return cases


def _sandbox_requests() -> list[tuple[str, str, dict]]:
    by_key = {(op["base"], op["operation_id"]): op for op in OPERATIONS}
    found = []
    for path in resources.sandbox_case_files():
        data = json.loads(path.read_text(encoding="utf-8"))
        base = data.get("basePath", "").rstrip("/")
        for n, case in enumerate(data["cases"]):
            op = by_key.get((base, case["operationId"]))
            if op is None or not case["parameters"]:
                continue
            names = {p["name"]: p["in"] for p in op["parameters"]}
            given = case["parameters"]
            path_params = {k: v for k, v in given.items() if names.get(k) == "path"}
            query = {k: v for k, v in given.items() if names.get(k) == "query"}
            url, query_string = _request(op, query, path_params)
            kwargs = {"url": url, "params": query_string, "headers": TOKEN}
            if "body" in given:
                kwargs["json"] = given["body"]
            found.append((f"{op['id']}#{n}", op["method"], kwargs))
    return found


# -- the comparisons ---------------------------------------------------------------------------


@pytest.mark.parametrize("op", OPERATIONS, ids=[op["id"] for op in OPERATIONS])
def test_every_generated_request_gets_the_same_answer(open_pair, op):
    for label, kwargs in _cases(op):
        assert_same(*both(open_pair, op["method"], **copy.deepcopy(kwargs)), f"{op['id']}: {label}")


@pytest.mark.parametrize("op", OPERATIONS, ids=[op["id"] for op in OPERATIONS])
def test_an_injected_fault_is_answered_the_same(pair, op):
    version = specs.operations()[(op["base"], op["operation_id"])].version
    for client in pair:
        rule = {"operation": f"{op['operation_id']}@{version}", "status": 503, "times": 1}
        response = client.post("/_mock/faults", json=rule)
        assert response.status_code == 201, response.text
    (label, kwargs), *_ = _cases(op)
    fast, slow = both(pair, op["method"], **copy.deepcopy(kwargs))
    assert_same(fast, slow, op["id"])
    assert fast.status_code == 503


@pytest.mark.parametrize("op", OPERATIONS, ids=[op["id"] for op in OPERATIONS])
def test_the_usage_plan_throttles_the_same_and_says_its_rate(pair, op):
    (label, kwargs), *_ = _cases(op)
    statuses = []
    for _ in range(60):
        fast, slow = both(pair, op["method"], **copy.deepcopy(kwargs))
        assert_same(fast, slow, op["id"])
        statuses.append(fast.status_code)
        if fast.status_code == 429:
            assert fast.headers["x-amzn-RateLimit-Limit"]
            break
    assert 429 in statuses, (op["id"], statuses)


BODY_OPERATIONS = [op for op in OPERATIONS if op["body"] is not None]


@pytest.mark.parametrize("op", BODY_OPERATIONS, ids=[op["id"] for op in BODY_OPERATIONS])
def test_a_body_without_a_content_type_is_read_as_the_json_the_operation_takes(open_pair, op):
    """Connexion's validation reads a body without a content type as the operation's media type
    (JSON); the handler must get it so too, not raw bytes (it was a 500)."""
    url, query = _request(op)
    raw = json.dumps(_sample(op["body"])).encode()
    json_type = {**TOKEN, "content-type": "application/json"}
    declared = both(open_pair, op["method"], url, params=query, content=raw, headers=json_type)
    undeclared = both(open_pair, op["method"], url, params=query, content=raw, headers=TOKEN)
    assert_same(*undeclared, op["id"])
    assert undeclared[0].status_code == declared[0].status_code < 500, (undeclared[0].text, declared[0].text)
    shouted = both(open_pair, op["method"], url, params=query, content=raw, headers={**TOKEN, "content-type": "application/JSON"})
    assert_same(*shouted, op["id"])
    assert shouted[0].status_code == declared[0].status_code, shouted[0].text


@pytest.mark.parametrize("op", BODY_OPERATIONS, ids=[op["id"] for op in BODY_OPERATIONS])
def test_a_body_over_the_limit_is_413_on_both_paths(open_pair, op):
    """The limit is enforced as the body is read, and the traffic gate reads it first (a sandbox
    case may match on it): the compiled path let that refusal escape, a bare 500 from the server."""
    url, query = _request(op)
    big = b'{"x":"' + b"a" * (2 * 1024 * 1024) + b'"}'
    answers = both(open_pair, op["method"], url, params=query, content=big, headers={**TOKEN, "content-type": "application/json"})
    assert_same(*answers, op["id"])
    assert answers[0].status_code == 413 and answers[0].json()["errors"][0]["code"] == "RequestEntityTooLarge"


@pytest.mark.parametrize("label, method, kwargs", _sandbox_requests(), ids=[c[0] for c in _sandbox_requests()])
def test_every_sandbox_case_is_answered_the_same(open_pair, label, method, kwargs):
    assert_same(*both(open_pair, method, **copy.deepcopy(kwargs)), label)


def test_the_compiled_path_serves_every_operation_and_connexion_none(served, open_pair):
    """The comparisons compare the two paths, not Connexion with itself, for every operation of
    the specs."""
    for op in OPERATIONS:
        (label, kwargs), *_ = _cases(op)
        both(open_pair, op["method"], **copy.deepcopy(kwargs))
    fast, slow = open_pair
    assert served.get(id(fast.services)) == {(op["base"], op["operation_id"]) for op in OPERATIONS}
    assert id(slow.services) not in served


def test_the_suites_in_process_apps_answer_through_the_compiled_path(client, monkeypatch):
    """The apps every other API test uses validate responses and still take the path users get."""
    claimed = []
    real = compiled.Compiled._claims
    monkeypatch.setattr(compiled.Compiled, "_claims", lambda self, scope: (claimed.append(found := real(self, scope)), found)[1])
    client.get(f"/orders/v0/orders/{UNSHIPPED}/orderItems", headers=TOKEN)
    client.get("/feeds/2021-06-30/feeds", params={"feedTypes": "POST_ORDER_FULFILLMENT_DATA"}, headers=TOKEN)
    assert [found[0].operation_id for found in claimed if found] == ["getOrderItems", "getFeeds"]


# -- paging, the journal, strict auth, response validation, any input --------------------------


def test_paging_through_items_gives_the_same_pages_and_tokens(open_pair):
    url = f"/orders/v0/orders/{FIVE_ITEMS}/orderItems"
    fast, slow = both(open_pair, "GET", url, headers=TOKEN)
    assert_same(fast, slow)
    tokens = [response.json()["payload"]["NextToken"] for response in (fast, slow)]
    assert_same(*(client.get(url, params={"NextToken": t}, headers=TOKEN) for client, t in zip(open_pair, tokens, strict=True)))
    # A token of one order refused on another, by name.
    url = f"/orders/v0/orders/{UNSHIPPED}/orderItems"
    fast, slow = (client.get(url, params={"NextToken": t}, headers=TOKEN) for client, t in zip(open_pair, tokens, strict=True))
    assert_same(fast, slow)
    assert fast.status_code == 400 and "NextToken" in fast.text


def test_the_journal_records_a_compiled_answer_as_it_records_any_other(open_pair):
    fast, _ = open_pair
    fast.delete("/_mock/journal")
    fast.get(f"/orders/v0/orders/{UNSHIPPED}", headers=TOKEN)
    fast.post("/feeds/2021-06-30/documents", json={"contentType": "text/xml"}, headers=TOKEN)
    first, second = fast.get("/_mock/journal").json()["requests"]
    entries = {e["operation"]: e for e in (first, second)}
    assert entries["getOrder"]["orderId"] == UNSHIPPED and entries["getOrder"]["version"] == "v0"
    assert entries["createFeedDocument"]["status"] == 201
    assert {e["sellerId"] for e in entries.values()} == {"A1MOCKSELLER00"}


def test_strict_auth_shows_and_hides_the_same_personal_data():
    """Under strict auth each server issues its own tokens: each path gets its own LWA token and
    RDT, asked for the same way, and must show exactly the same fields with them."""
    apps = [make_app(strict_auth=True), make_app(strict_auth=True, fast_reads=False)]
    form = {"grant_type": "refresh_token", "refresh_token": "Atzr|app", "client_id": "app", "client_secret": "s"}
    rdt_body = {
        "restrictedResources": [
            {"method": "GET", "path": f"/orders/v0/orders/{UNSHIPPED}", "dataElements": ["buyerInfo"]},
            {"method": "GET", "path": f"/orders/v0/orders/{UNSHIPPED}/buyerInfo"},
            {"method": "GET", "path": f"/orders/v0/orders/{UNSHIPPED}/address"},
        ]
    }
    grantless = {"grant_type": "client_credentials", "scope": "sellingpartnerapi::notifications", "client_id": "app"}
    with apps[0].test_client() as fast, apps[1].test_client() as slow:
        plain, restricted, app_only = [], [], []
        for client in (fast, slow):
            token = {"x-amz-access-token": client.post("/auth/o2/token", data=form).json()["access_token"]}
            rdt = client.post("/tokens/2021-03-01/restrictedDataToken", json=rdt_body, headers=token).json()
            plain.append(token)
            restricted.append({"x-amz-access-token": rdt["restrictedDataToken"]})
            answer = client.post("/auth/o2/token", data={**grantless, "client_secret": "s"}).json()
            app_only.append({"x-amz-access-token": answer.get("access_token", "none")})
        urls = [f"/orders/v0/orders/{UNSHIPPED}{tail}" for tail in ("", "/orderItems", "/buyerInfo", "/address")]
        urls += ["/notifications/v1/destinations", "/sellers/v1/account"]
        for headers in (plain, restricted, app_only, [{"x-amz-access-token": "Atza|made-up"}] * 2):
            for url in urls:
                assert_same(fast.get(url, headers=headers[0]), slow.get(url, headers=headers[1]), url)
        shown = fast.get(f"/orders/v0/orders/{UNSHIPPED}", headers=restricted[0]).json()["payload"]
        hidden = fast.get(f"/orders/v0/orders/{UNSHIPPED}", headers=plain[0]).json()["payload"]
        assert "BuyerName" in shown.get("BuyerInfo", {}) and "BuyerName" not in hidden.get("BuyerInfo", {})


def test_an_answer_the_spec_does_not_allow_is_refused_as_connexion_refuses_it(monkeypatch):
    """Response validation holds on the compiled path too: a handler's answer with a field of the
    wrong type is a 500 on both paths, with the same body."""
    from spapi_mock.http.handlers import feeds, orders_v0

    real_order, real_feed = orders_v0.get_order, feeds.get_feeds

    def wrong_order(**kwargs):
        answer = real_order(**kwargs)
        answer["payload"]["OrderTotal"] = 12.5  # a Money object in the spec
        return answer

    def wrong_feeds(**kwargs):
        return {**real_feed(**kwargs), "feeds": "none"}

    # Both paths take their handlers when the app is built.
    monkeypatch.setattr(orders_v0, "get_order", wrong_order)
    monkeypatch.setattr(feeds, "get_feeds", wrong_feeds)
    with make_app().test_client() as fast, make_app(fast_reads=False).test_client() as slow:
        for url in (f"/orders/v0/orders/{UNSHIPPED}", "/feeds/2021-06-30/feeds?feedTypes=POST_ORDER_FULFILLMENT_DATA"):
            answers = both((fast, slow), "GET", url, headers=TOKEN)
            assert answers[0].status_code == 500
            assert_same(*answers)


ORDER_IDS = st.one_of(
    st.sampled_from([UNSHIPPED, FIVE_ITEMS, "999-9999999-9999999", "TEST_CASE_200", "TEST_CASE_400"]),
    st.text(alphabet=string.ascii_letters + string.digits + "-_.~%:@!$&'()*+,;=", min_size=1, max_size=24),
)
ACCESS_TOKENS = st.sampled_from(
    [TOKEN, {}, {"x-amz-access-token": ""}, {"x-amz-access-token": "Atza|other-seller"}, {"x-amz-access-token": " "}]
)
QUERIES = st.dictionaries(
    st.sampled_from(["NextToken", "Unknown", "MarketplaceIds", "nexttoken", "includedData"]), st.text(max_size=12), max_size=3
)
TAILS = ["/orders/v0/orders/{}", "/orders/v0/orders/{}/orderItems", "/orders/2026-01-01/orders/{}", "/feeds/2021-06-30/feeds/{}"]


@settings(max_examples=100, deadline=None)
@given(order_id=ORDER_IDS, template=st.sampled_from(TAILS), headers=ACCESS_TOKENS, params=QUERIES)
def test_any_id_token_and_query_is_answered_the_same_by_both_paths(open_pair, order_id, template, headers, params):
    fast, slow = both(open_pair, "GET", template.format(order_id), params=params, headers=headers)
    assert_same(fast, slow)
