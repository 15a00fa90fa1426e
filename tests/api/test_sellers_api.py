"""The Sellers API v1 through a real socket, as seller software calls it first: which marketplaces
the seller of the token sells in, and its account. Every answer is held to Amazon's model
(sellers.json) by the checked client.

Expectations from Amazon's model and docs: a Marketplace is id, name, countryCode,
defaultCurrencyCode, defaultLanguageCode, domainName (its example: ATVPDKIKX0DER, Amazon.com, US,
USD, en_US, www.amazon.com); a healthy account's participation is isParticipating true,
hasSuspendedListings false; both operations' usage plan is 0.016 requests per second, burst 15;
an error is Amazon's ErrorList. The test fixtures' default seller has orders in the US, Canada and
Japan.
"""

from __future__ import annotations

import uuid

import pytest

from support.http import make_app, over_a_socket, seller_token

PARTICIPATIONS = "/sellers/v1/marketplaceParticipations"
ACCOUNT = "/sellers/v1/account"
US, CA, JP, DE, GB = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2", "A1VC38T7YXB528", "A1PA6795UKMFR9", "A1F83G8C2ARO7P"
HEALTHY = {"isParticipating": True, "hasSuspendedListings": False}


@pytest.fixture(scope="module")
def api():
    with over_a_socket(make_app()) as client:
        yield client


def new_seller(api, **fields) -> tuple[str, dict]:
    """A seller created through the control plane, and its token from the LWA endpoint."""
    seller_id = f"S{uuid.uuid4().hex[:12].upper()}"
    created = api.post("/_mock/sellers", json={"sellerId": seller_id, **fields}, token=False)
    assert created.status_code == 201, created.text
    return seller_id, seller_token(api, seller_id)


def marketplace_ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [p["marketplace"]["id"] for p in response.json()["payload"]]


def test_the_default_seller_participates_where_its_orders_are_as_amazon_describes_each_marketplace(api):
    response = api.get(PARTICIPATIONS)
    assert marketplace_ids(response) == [US, CA, JP]  # Amazon's table order: NA, then FE
    assert response.headers["x-amzn-RateLimit-Limit"] == "0.016"
    first = response.json()["payload"][0]
    assert first["marketplace"] == {
        "id": "ATVPDKIKX0DER",
        "name": "Amazon.com",
        "countryCode": "US",
        "defaultCurrencyCode": "USD",
        "defaultLanguageCode": "en_US",
        "domainName": "www.amazon.com",
    }
    japan = response.json()["payload"][2]["marketplace"]
    assert (japan["name"], japan["defaultCurrencyCode"], japan["defaultLanguageCode"], japan["domainName"]) == (
        "Amazon.co.jp",
        "JPY",
        "ja_JP",
        "www.amazon.co.jp",
    )
    assert all(p["participation"] == HEALTHY and p["storeName"] for p in response.json()["payload"])


def test_a_seller_created_for_marketplaces_participates_in_those(api):
    seller_id, token = new_seller(api, seed="empty", marketplaceIds=[GB, DE])
    response = api.get(PARTICIPATIONS, headers=token)
    assert marketplace_ids(response) == [GB, DE]
    uk = response.json()["payload"][0]
    assert uk["marketplace"]["domainName"] == "www.amazon.co.uk" and uk["marketplace"]["defaultLanguageCode"] == "en_GB"
    listed = {s["sellerId"]: s for s in api.get("/_mock/sellers", token=False).json()["sellers"]}
    assert listed[seller_id]["marketplaceIds"] == [GB, DE]


def test_its_orders_marketplaces_count_too(api):
    _, token = new_seller(api, seed="default", marketplaceIds=[DE])
    assert marketplace_ids(api.get(PARTICIPATIONS, headers=token)) == [US, CA, DE, JP]


def test_a_seller_with_no_marketplace_and_no_orders_has_the_default_sellers(api):
    _, token = new_seller(api, seed="empty")
    assert marketplace_ids(api.get(PARTICIPATIONS, headers=token)) == [US, CA, JP]


def test_an_unknown_marketplace_is_refused_by_name_and_no_seller_is_created(api):
    seller_id = f"S{uuid.uuid4().hex[:12].upper()}"
    refused = api.post("/_mock/sellers", json={"sellerId": seller_id, "marketplaceIds": [DE, "XNOTAMARKET"]}, token=False)
    assert refused.status_code == 400, refused.text
    assert "XNOTAMARKET" in refused.text and "marketplaceIds" in refused.text
    assert seller_id not in {s["sellerId"] for s in api.get("/_mock/sellers", token=False).json()["sellers"]}


def test_each_sellers_token_reads_its_own_participations_and_account(api):
    first, first_token = new_seller(api, seed="empty", marketplaceIds=[DE])
    second, second_token = new_seller(api, seed="empty", marketplaceIds=[JP])
    mine, theirs = api.get(PARTICIPATIONS, headers=first_token).json(), api.get(PARTICIPATIONS, headers=second_token).json()
    assert [p["marketplace"]["id"] for p in mine["payload"]] == [DE]
    assert [p["marketplace"]["id"] for p in theirs["payload"]] == [JP]
    assert first in mine["payload"][0]["storeName"] and second in theirs["payload"][0]["storeName"]
    account = api.get(ACCOUNT, headers=first_token).json()["payload"]
    assert first in account["business"]["name"]
    assert account["marketplaceParticipationList"] == mine["payload"]


def test_get_account_is_a_professional_sellers_registered_in_its_first_marketplaces_country(api):
    _, token = new_seller(api, seed="empty", marketplaceIds=[JP, DE])
    response = api.get(ACCOUNT, headers=token)
    assert response.status_code == 200, response.text
    assert response.headers["x-amzn-RateLimit-Limit"] == "0.016"
    account = response.json()["payload"]
    assert account["sellingPlan"] == "PROFESSIONAL" and account["businessType"] == "PRIVATE_LIMITED"
    assert [p["marketplace"]["id"] for p in account["marketplaceParticipationList"]] == [DE, JP]
    assert account["business"]["registeredBusinessAddress"]["countryCode"] == "DE"
    assert account["primaryContact"]["address"]["countryCode"] == "DE"
    assert api.get(ACCOUNT, headers=token).json() == response.json()  # the same account on every read


def test_strict_auth_wants_a_token_the_mock_issued():
    with over_a_socket(make_app(strict_auth=True)) as strict:
        for path in (PARTICIPATIONS, ACCOUNT):
            refused = strict.get(path, headers={"x-amz-access-token": "Atza|never-issued"})
            assert refused.status_code == 403, refused.text
            assert refused.json()["errors"][0]["code"] == "Unauthorized"
            assert strict.get(path, headers=seller_token(strict, "A1MOCKSELLER00")).status_code == 200


@pytest.mark.parametrize("operation, path", [("getMarketplaceParticipations", PARTICIPATIONS), ("getAccount", ACCOUNT)])
def test_an_injected_fault_answers_amazons_error_then_the_api_answers_again(api, operation, path):
    fault = api.post("/_mock/faults", json={"operation": operation, "status": 503, "times": 1}, token=False)
    assert fault.status_code == 201, fault.text
    failed = api.get(path)
    assert failed.status_code == 503
    assert failed.json()["errors"][0]["code"] == "ServiceUnavailable"
    assert api.get(path).status_code == 200


def test_amazons_usage_plan_allows_a_burst_of_15_then_429_quota_exceeded():
    with over_a_socket(make_app()) as fresh:
        assert fresh.put("/_mock/throttling", json={"mode": "amazon"}, token=False).status_code == 200
        token = seller_token(fresh, "A1MOCKSELLER00")
        statuses = [fresh.get(PARTICIPATIONS, headers=token).status_code for _ in range(16)]
        assert statuses == [200] * 15 + [429]
        throttled = fresh.get(PARTICIPATIONS, headers=token)
        assert throttled.json()["errors"][0]["code"] == "QuotaExceeded"
        # Each operation has its own bucket.
        assert fresh.get(ACCOUNT, headers=token).status_code == 200


def test_the_journal_records_each_call_under_its_operation_and_seller(api):
    seller_id, token = new_seller(api, seed="empty")
    api.get(ACCOUNT, headers=token)
    found = api.get("/_mock/journal", params={"operation": "getAccount", "sellerId": seller_id}, token=False).json()
    assert found["count"] == 1
    (entry,) = found["requests"]
    assert (entry["path"], entry["status"], entry["operation"]) == (ACCOUNT, 200, "getAccount")
