"""What the Sellers API says of a seller: the marketplaces it participates in and its account.

A seller's marketplaces are those it was set up for together with those its orders are in
(``marketplaces_of``); each participation is a healthy account's (Amazon's ``isParticipating``
true, ``hasSuspendedListings`` false: "true if the seller Listing Status is set to Inactive",
which no mock listing is). The account is made up from the seller id and its first marketplace,
the same every time for the same seller: a PROFESSIONAL selling plan, a PRIVATE_LIMITED business
(Amazon's own example) registered in that marketplace's country, and a primary contact there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from spapi_mock.domain.marketplaces import BY_ID, ORDER

# Where a seller without any marketplace of its own or of the default seller's sells.
FALLBACK_MARKETPLACE = "ATVPDKIKX0DER"
SELLING_PLAN = "PROFESSIONAL"
BUSINESS_TYPE = "PRIVATE_LIMITED"

# A business district per country: city, state or province code ("" where addresses have
# none), postal code ("" where the country has none).
_CITIES = {
    "US": ("Seattle", "WA", "98101"),
    "CA": ("Vancouver", "BC", "V6B 1A1"),
    "MX": ("Ciudad de México", "CMX", "06600"),
    "BR": ("São Paulo", "SP", "01310-100"),
    "IE": ("Dublin", "", "D02 AF30"),
    "GB": ("London", "", "EC1A 1BB"),
    "DE": ("Berlin", "", "10115"),
    "FR": ("Paris", "", "75001"),
    "IT": ("Milano", "MI", "20121"),
    "ES": ("Madrid", "M", "28013"),
    "NL": ("Amsterdam", "", "1012 AB"),
    "SE": ("Stockholm", "", "111 22"),
    "PL": ("Warszawa", "", "00-001"),
    "BE": ("Bruxelles", "", "1000"),
    "TR": ("İstanbul", "", "34394"),
    "AE": ("Dubai", "", ""),
    "SA": ("Riyadh", "", "12211"),
    "EG": ("Cairo", "", "11511"),
    "IN": ("Bengaluru", "KA", "560001"),
    "ZA": ("Cape Town", "WC", "8001"),
    "JP": ("Chiyoda-ku", "Tokyo", "100-0005"),
    "AU": ("Sydney", "NSW", "2000"),
    "SG": ("Singapore", "", "018956"),
}
_FIRST_NAMES = ("Alex", "Sam", "Jordan", "Taylor", "Morgan", "Robin", "Kim", "Noa")
_LAST_NAMES = ("Miller", "Garcia", "Schmidt", "Martin", "Rossi", "Tanaka", "Novak", "Silva")


def marketplaces_of(own: Iterable[str], default: Iterable[str]) -> list[str]:
    """The seller's marketplaces in Amazon's table order: its own (set up for, or with orders),
    else the default seller's, else the US; ids the mock does not know are left out."""
    for ids in (own, default):
        known = sorted({marketplace_id for marketplace_id in ids if marketplace_id in BY_ID}, key=ORDER.__getitem__)
        if known:
            return known
    return [FALLBACK_MARKETPLACE]


def store_name(seller_id: str) -> str:
    return f"{seller_id} Store"


def participations(seller_id: str, marketplace_ids: list[str]) -> list[dict]:
    """Amazon's MarketplaceParticipation of each marketplace, for getMarketplaceParticipations."""
    return [_participation(seller_id, marketplace_id) for marketplace_id in marketplace_ids]


def account(seller_id: str, marketplace_ids: list[str]) -> dict:
    """Amazon's Account, for getAccount: registered in the country of the first marketplace."""
    country = BY_ID[marketplace_ids[0]].country
    digits = _digits(seller_id)
    return {
        "marketplaceParticipationList": participations(seller_id, marketplace_ids),
        "businessType": BUSINESS_TYPE,
        "sellingPlan": SELLING_PLAN,
        "business": {
            "name": f"{seller_id} Trading Ltd",
            "registeredBusinessAddress": _address(f"{int(digits[:3]) + 1} Market Street", country),
            "companyRegistrationNumber": digits[3:12],
            "companyTaxIdentificationNumber": _tax_id(country, digits[12:21]),
        },
        "primaryContact": {
            "name": f"{_FIRST_NAMES[int(digits[21]) % 8]} {_LAST_NAMES[int(digits[22]) % 8]}",
            "address": _address(f"{int(digits[23:26]) + 1} Park Lane", country),
        },
    }


def _participation(seller_id: str, marketplace_id: str) -> dict:
    marketplace = BY_ID[marketplace_id]
    return {
        "marketplace": {
            "id": marketplace.id,
            "name": marketplace.name,
            "countryCode": marketplace.country,
            "defaultCurrencyCode": marketplace.currency,
            "defaultLanguageCode": marketplace.language,
            "domainName": marketplace.domain,
        },
        "participation": {"isParticipating": True, "hasSuspendedListings": False},
        "storeName": store_name(seller_id),
    }


def _address(line: str, country: str) -> dict:
    city, state, postal_code = _CITIES[country]
    address = {"addressLine1": line, "city": city, "countryCode": country}
    if state:
        address["stateOrProvinceCode"] = state
    if postal_code:
        address["postalCode"] = postal_code
    return address


def _tax_id(country: str, nine_digits: str) -> str:
    """A US employer identification number (12-3456789); elsewhere a VAT-style number (DE123456789)."""
    return f"{nine_digits[:2]}-{nine_digits[2:]}" if country == "US" else country + nine_digits


def _digits(seller_id: str) -> str:
    """Decimal digits fixed by the seller id (not Python's hash: the same in every process)."""
    return str(int.from_bytes(hashlib.sha256(seller_id.encode()).digest(), "big")).zfill(78)
