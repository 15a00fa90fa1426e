"""The Sellers API's rules: a seller's marketplaces, its participations and its account.

Expectations from Amazon's model (sellers.json): a Marketplace has id, name, countryCode,
defaultCurrencyCode, defaultLanguageCode and domainName (its example: ATVPDKIKX0DER, Amazon.com,
US, USD, en_US, www.amazon.com); a healthy account shows isParticipating true and
hasSuspendedListings false ("true if the seller Listing Status is set to Inactive"); an Account
has businessType, sellingPlan and marketplaceParticipationList, a Business a name and a
registeredBusinessAddress, an Address at least addressLine1 and countryCode.
"""

from __future__ import annotations

import re

import pytest

from spapi_mock.domain import seller_account

pytestmark = pytest.mark.unit

US, CA, DE, GB, JP, AE = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2", "A1PA6795UKMFR9", "A1F83G8C2ARO7P", "A1VC38T7YXB528", "A2VIGQ35RCS4UG"


@pytest.mark.parametrize(
    "own, default, expected",
    [
        ([JP, DE, US], [CA], [US, DE, JP]),  # its own, in Amazon's table order (NA, EU, FE)
        ([DE, DE], [CA], [DE]),  # each once
        ([], [CA, GB], [CA, GB]),  # none of its own: the default seller's
        (["NOT-A-MARKETPLACE"], [GB], [GB]),  # an id the mock does not know is no marketplace
        ([], [], [US]),  # nobody has any: the US
        ([], ["NOT-A-MARKETPLACE"], [US]),
    ],
)
def test_a_sellers_marketplaces(own, default, expected):
    assert seller_account.marketplaces_of(own, default) == expected


def test_a_participation_is_amazons_marketplace_with_a_healthy_account():
    assert seller_account.participations("S1", [US]) == [
        {
            "marketplace": {
                "id": "ATVPDKIKX0DER",
                "name": "Amazon.com",
                "countryCode": "US",
                "defaultCurrencyCode": "USD",
                "defaultLanguageCode": "en_US",
                "domainName": "www.amazon.com",
            },
            "participation": {"isParticipating": True, "hasSuspendedListings": False},
            "storeName": "S1 Store",
        }
    ]


def test_participations_follow_the_marketplaces_given_each_its_own():
    found = seller_account.participations("S1", [GB, JP])
    assert [(p["marketplace"]["id"], p["marketplace"]["domainName"], p["marketplace"]["defaultLanguageCode"]) for p in found] == [
        (GB, "www.amazon.co.uk", "en_GB"),
        (JP, "www.amazon.co.jp", "ja_JP"),
    ]
    assert seller_account.participations("S1", []) == []


def test_an_account_is_a_professional_private_limited_business_in_its_first_marketplaces_country():
    account = seller_account.account("S1", [DE, US])
    assert account["sellingPlan"] == "PROFESSIONAL" and account["businessType"] == "PRIVATE_LIMITED"
    assert account["marketplaceParticipationList"] == seller_account.participations("S1", [DE, US])
    business, contact = account["business"], account["primaryContact"]
    assert business["name"] == "S1 Trading Ltd"
    for address in (business["registeredBusinessAddress"], contact["address"]):
        assert address["countryCode"] == "DE" and address["city"] == "Berlin" and address["postalCode"] == "10115"
        assert "stateOrProvinceCode" not in address
    assert re.fullmatch(r"[1-9]\d{0,2}(\d)? Market Street", business["registeredBusinessAddress"]["addressLine1"])
    assert re.fullmatch(r"[1-9]\d{0,2}(\d)? Park Lane", contact["address"]["addressLine1"])
    assert re.fullmatch(r"\d{9}", business["companyRegistrationNumber"])
    assert re.fullmatch(r"DE\d{9}", business["companyTaxIdentificationNumber"])
    first, last = contact["name"].split(" ")
    assert first in seller_account._FIRST_NAMES and last in seller_account._LAST_NAMES


def test_a_us_account_has_a_state_and_an_employer_identification_number():
    account = seller_account.account("S1", [US])
    assert account["business"]["registeredBusinessAddress"]["stateOrProvinceCode"] == "WA"
    assert re.fullmatch(r"\d{2}-\d{7}", account["business"]["companyTaxIdentificationNumber"])


def test_an_address_where_the_country_has_no_postal_codes_has_none():
    address = seller_account.account("S1", [AE])["business"]["registeredBusinessAddress"]
    assert address == {"addressLine1": address["addressLine1"], "city": "Dubai", "countryCode": "AE"}


def test_the_same_seller_always_reads_the_same_account_and_another_seller_another():
    assert seller_account.account("S1", [US]) == seller_account.account("S1", [US])
    numbers = {seller_account.account(f"S{n}", [US])["business"]["companyRegistrationNumber"] for n in range(50)}
    contacts = {seller_account.account(f"S{n}", [US])["primaryContact"]["name"] for n in range(50)}
    lines = {seller_account.account(f"S{n}", [US])["business"]["registeredBusinessAddress"]["addressLine1"] for n in range(50)}
    assert len(numbers) == 50 and len(contacts) > 10 and len(lines) > 40


def test_every_marketplace_has_an_address():
    from spapi_mock.domain.marketplaces import BY_ID

    for marketplace_id, marketplace in BY_ID.items():
        address = seller_account.account("S1", [marketplace_id])["primaryContact"]["address"]
        assert address["countryCode"] == marketplace.country and address["city"]
