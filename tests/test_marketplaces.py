"""Our marketplace table against Amazon's.

Before: Spain's id was A1RKKUPIHCS9HX (Amazon's is A1RKKUPIHCS9HS), so a real client asking for
Spain got 400, and Ireland was refused as invalid. The list below is written out by hand from
Amazon's "Marketplace IDs" page (developer-docs.amazon.com/sp-api/docs/marketplace-ids): country,
marketplace id, country code as the page gives it (it writes the United Kingdom as UK; ISO and
the Orders API's addresses use GB), grouped by the region endpoint the page lists it under.
"""

from __future__ import annotations

import pytest

from spapi_mock.domain.marketplaces import BY_ID

from support.http import make_app

AMAZON = {
    "na": [
        ("Canada", "A2EUQ1WTGCTBG2", "CA"),
        ("United States of America", "ATVPDKIKX0DER", "US"),
        ("Mexico", "A1AM78C64UM0Y8", "MX"),
        ("Brazil", "A2Q3Y263D00KWC", "BR"),
    ],
    "eu": [
        ("Ireland", "A28R8C7NBKEWEA", "IE"),
        ("Spain", "A1RKKUPIHCS9HS", "ES"),
        ("United Kingdom", "A1F83G8C2ARO7P", "UK"),
        ("France", "A13V1IB3VIYZZH", "FR"),
        ("Belgium", "AMEN7PMS3EDWL", "BE"),
        ("Netherlands", "A1805IZSGTT6HS", "NL"),
        ("Germany", "A1PA6795UKMFR9", "DE"),
        ("Italy", "APJ6JRA9NG5V4", "IT"),
        ("Sweden", "A2NODRKZP88ZB9", "SE"),
        ("South Africa", "AE08WJ6YKNBMC", "ZA"),
        ("Poland", "A1C3SOZRARQ6R3", "PL"),
        ("Egypt", "ARBP9OOSHTCHU", "EG"),
        ("Turkey", "A33AVAJ2PDY3EV", "TR"),
        ("Saudi Arabia", "A17E79C6D8DWNP", "SA"),
        ("United Arab Emirates", "A2VIGQ35RCS4UG", "AE"),
        ("India", "A21TJRUUN4KGV", "IN"),
    ],
    "fe": [
        ("Singapore", "A19VAU5U5O7RUS", "SG"),
        ("Australia", "A39IBJ37TRP1C6", "AU"),
        ("Japan", "A1VC38T7YXB528", "JP"),
    ],
}
ISO = {"UK": "GB"}


def test_our_table_is_amazons_table():
    ours = {m.id: (m.region, m.country) for m in BY_ID.values()}
    amazon = {mid: (region, ISO.get(code, code)) for region, rows in AMAZON.items() for _, mid, code in rows}
    assert ours == amazon


@pytest.mark.parametrize("marketplace", ["A1RKKUPIHCS9HS", "A28R8C7NBKEWEA"], ids=["Spain", "Ireland"])
def test_get_orders_takes_every_amazon_marketplace(marketplace):
    with make_app().test_client() as client:
        response = client.get(
            "/orders/v0/orders",
            params={"CreatedAfter": "2000-01-01T00:00:00Z", "MarketplaceIds": marketplace},
            headers={"x-amz-access-token": "Atza|test"},
        )
    assert response.status_code == 200, response.text
