"""One rule names operations in faults, throttling and the journal (README, "Naming
operations"): an operationId covers that operation in every API version that has it, and
``operationId@version`` (the version as Amazon's model and the URL write it: ``v0``,
``2026-01-01``) covers one version only. Orders v0 and v2026-01-01 both have ``getOrder``.

Before: a fault for ``getOrder`` reached v0's only, v2026-01-01's answered to the undocumented
``getOrder@2026-01-01`` alone, and a ``createToken`` fault scoped to a seller never fired (the
token endpoint's seller was never known to the fault check). Every test runs through a socket.
"""

from __future__ import annotations

import pytest

from support.http import US, make_app, over_a_socket

ORDER = "111-0000000-0000001"
V0 = f"/orders/v0/orders/{ORDER}"
V2026 = f"/orders/2026-01-01/orders/{ORDER}"
GET_ORDERS = f"/orders/v0/orders?MarketplaceIds={US}&CreatedAfter=2025-01-01T00:00:00Z"
SELLER = "NAMES-SELLER"
# LWA's OAuth 2 body for a 503 (what the mock answers a token-endpoint fault with).
LWA_UNAVAILABLE = {"error": "temporarily_unavailable", "error_description": "The authorization server is temporarily unavailable"}


@pytest.fixture(scope="module")
def http():
    with over_a_socket(make_app()) as client:
        yield client


@pytest.fixture(autouse=True)
def clean(http):
    yield
    assert http.delete("/_mock/faults").status_code == 200
    assert http.delete("/_mock/journal").status_code == 200
    assert http.put("/_mock/throttling", json={"mode": "off"}).status_code == 200


def add_fault(http, **spec) -> dict:
    response = http.post("/_mock/faults", json=spec)
    assert response.status_code == 201, response.text
    return response.json()


def token_form(refresh_token: str) -> dict:
    return {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": "app", "client_secret": "s"}


def journal(http, **params) -> list[dict]:
    return http.get("/_mock/journal", params=params).json()["requests"]


def test_a_fault_for_an_operation_id_reaches_every_version_that_has_it(http):
    add_fault(http, operation="getOrder", status=503, times=2)
    assert http.get(V0).status_code == 503
    assert http.get(V2026).status_code == 503
    assert http.get(V0).status_code == 200 and http.get(V2026).status_code == 200


@pytest.mark.parametrize(("name", "hit", "spared"), [("getOrder@v0", V0, V2026), ("getOrder@2026-01-01", V2026, V0)])
def test_a_version_scoped_name_reaches_that_version_only(http, name, hit, spared):
    fault = add_fault(http, operation=name, status=500)
    assert http.get(spared).status_code == 200
    assert http.get(hit).status_code == 500
    assert http.get(spared).status_code == 200
    (listed,) = http.get("/_mock/faults").json()["faults"]
    assert listed["operation"] == name and listed["hits"] == 1 and listed["faultId"] == fault["faultId"]


def test_a_name_that_names_no_operation_is_refused_rather_than_never_firing(http):
    for name in ("getOrdr", "getOrder@v1", "getOrders@2026-01-01"):
        refused = http.post("/_mock/faults", json={"operation": name, "status": 503})
        assert refused.status_code == 400, name
        assert name in refused.json()["errors"][0]["message"] and "operation" in refused.json()["errors"][0]["message"]
    assert http.get("/_mock/faults").json()["faults"] == []


@pytest.mark.parametrize("as_json", [False, True], ids=["form", "json"])
def test_a_create_token_fault_scoped_to_a_seller_fires_for_that_sellers_refresh_token(http, as_json):
    add_fault(http, operation="createToken", sellerId=SELLER, status=503, times=1)

    def token(refresh_token: str):
        form = token_form(refresh_token)
        sent = {"json": form} if as_json else {"data": form}
        return http.post("/auth/o2/token", token=False, **sent)

    assert token("Atzr|spapi-mock|SOMEONE-ELSE").status_code == 200  # another seller's: not this rule's
    refused = token(f"Atzr|spapi-mock|{SELLER}")
    assert refused.status_code == 503 and refused.json() == LWA_UNAVAILABLE
    assert http.get("/_mock/faults").json()["faults"] == []  # used up
    assert token(f"Atzr|spapi-mock|{SELLER}").status_code == 200
    # The journal puts the refused request down to the same seller.
    statuses = [entry["status"] for entry in journal(http, operation="createToken", sellerId=SELLER)]
    assert statuses == [503, 200]


def test_a_create_token_fault_scoped_to_a_seller_follows_a_refresh_token_the_seller_was_given(http):
    created = http.post("/_mock/sellers", json={"sellerId": "GIVEN-TOKEN", "seed": "empty", "refreshToken": "Atzr|ci-secret-1"})
    assert created.status_code == 201, created.text
    add_fault(http, operation="createToken", sellerId="GIVEN-TOKEN", status=503, times=1)
    assert http.post("/auth/o2/token", token=False, data=token_form("Atzr|ci-secret-1")).status_code == 503
    assert http.delete("/_mock/sellers/GIVEN-TOKEN").status_code == 200


def test_the_journal_and_throttling_name_each_operation_alike(http):
    for path in (V0, V2026, V0, GET_ORDERS):
        assert http.get(path).status_code == 200
    entries = journal(http)
    assert [(e["operation"], e["version"]) for e in entries] == [
        ("getOrder", "v0"),
        ("getOrder", "2026-01-01"),
        ("getOrder", "v0"),
        ("getOrders", "v0"),
    ]
    # The operationId alone finds both versions' requests; with the version, one version's.
    assert len(journal(http, operation="getOrder")) == 3
    assert [e["path"] for e in journal(http, operation="getOrder@2026-01-01")] == [V2026]
    assert [e["path"] for e in journal(http, operation="getOrder@v0")] == [V0, V0]
    assert len(journal(http, operation="getOrders@v0")) == len(journal(http, operation="getOrders")) == 1

    # Throttling lists each operation under a name that, given to the journal, finds exactly
    # that operation's requests: the version is written where two versions share the operationId.
    plans = http.get("/_mock/throttling").json()["operations"]
    assert {"getOrder@v0", "getOrder@2026-01-01", "getOrders"} <= set(plans) and "getOrder" not in plans
    for name, paths in (("getOrder@v0", [V0, V0]), ("getOrder@2026-01-01", [V2026]), ("getOrders", [GET_ORDERS])):
        assert [e["path"] + (f"?{_query(e)}" if e["query"] else "") for e in journal(http, operation=name)] == paths

    # ... and holds each version to its own bucket: Amazon's plan for both is 0.5/s, burst 30.
    http.put("/_mock/throttling", json={"mode": "amazon"})
    assert plans["getOrder@v0"] == plans["getOrder@2026-01-01"] == {"rate": 0.5, "burst": 30}
    assert all(http.get(V0).status_code == 200 for _ in range(30))
    limited = http.get(V0)
    assert limited.status_code == 429 and limited.headers["x-amzn-RateLimit-Limit"] == "0.5"
    assert http.get(V2026).status_code == 200
    assert [e["status"] for e in journal(http, operation="getOrder@v0")][-2:] == [200, 429]


def _query(entry: dict) -> str:
    return "&".join(f"{k}={v}" for k, v in entry["query"].items())
