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

# Each marketplace as the Sellers API's Marketplace describes it: name, domainName,
# defaultCurrencyCode, defaultLanguageCode. Written out by hand from getMarketplaceParticipations
# answers published for Amazon.com, .ca, .in and the European sites (e.g. Amazon.co.uk,
# www.amazon.co.uk, GBP, en_GB; Amazon.com.be, fr_BE); the others from the site's own domain,
# currency and default language (amazon.ae opens in English, amazon.sa and amazon.eg in Arabic).
SITES = {
    "ATVPDKIKX0DER": ("Amazon.com", "www.amazon.com", "USD", "en_US"),
    "A2EUQ1WTGCTBG2": ("Amazon.ca", "www.amazon.ca", "CAD", "en_CA"),
    "A1AM78C64UM0Y8": ("Amazon.com.mx", "www.amazon.com.mx", "MXN", "es_MX"),
    "A2Q3Y263D00KWC": ("Amazon.com.br", "www.amazon.com.br", "BRL", "pt_BR"),
    "A28R8C7NBKEWEA": ("Amazon.ie", "www.amazon.ie", "EUR", "en_IE"),
    "A1RKKUPIHCS9HS": ("Amazon.es", "www.amazon.es", "EUR", "es_ES"),
    "A1F83G8C2ARO7P": ("Amazon.co.uk", "www.amazon.co.uk", "GBP", "en_GB"),
    "A13V1IB3VIYZZH": ("Amazon.fr", "www.amazon.fr", "EUR", "fr_FR"),
    "AMEN7PMS3EDWL": ("Amazon.com.be", "www.amazon.com.be", "EUR", "fr_BE"),
    "A1805IZSGTT6HS": ("Amazon.nl", "www.amazon.nl", "EUR", "nl_NL"),
    "A1PA6795UKMFR9": ("Amazon.de", "www.amazon.de", "EUR", "de_DE"),
    "APJ6JRA9NG5V4": ("Amazon.it", "www.amazon.it", "EUR", "it_IT"),
    "A2NODRKZP88ZB9": ("Amazon.se", "www.amazon.se", "SEK", "sv_SE"),
    "AE08WJ6YKNBMC": ("Amazon.co.za", "www.amazon.co.za", "ZAR", "en_ZA"),
    "A1C3SOZRARQ6R3": ("Amazon.pl", "www.amazon.pl", "PLN", "pl_PL"),
    "ARBP9OOSHTCHU": ("Amazon.eg", "www.amazon.eg", "EGP", "ar_EG"),
    "A33AVAJ2PDY3EV": ("Amazon.com.tr", "www.amazon.com.tr", "TRY", "tr_TR"),
    "A17E79C6D8DWNP": ("Amazon.sa", "www.amazon.sa", "SAR", "ar_SA"),
    "A2VIGQ35RCS4UG": ("Amazon.ae", "www.amazon.ae", "AED", "en_AE"),
    "A21TJRUUN4KGV": ("Amazon.in", "www.amazon.in", "INR", "en_IN"),
    "A19VAU5U5O7RUS": ("Amazon.sg", "www.amazon.sg", "SGD", "en_SG"),
    "A39IBJ37TRP1C6": ("Amazon.com.au", "www.amazon.com.au", "AUD", "en_AU"),
    "A1VC38T7YXB528": ("Amazon.co.jp", "www.amazon.co.jp", "JPY", "ja_JP"),
}


def test_our_table_is_amazons_table():
    ours = {m.id: (m.region, m.country) for m in BY_ID.values()}
    amazon = {mid: (region, ISO.get(code, code)) for region, rows in AMAZON.items() for _, mid, code in rows}
    assert ours == amazon


def test_every_marketplace_has_its_sites_name_domain_currency_and_language():
    ours = {m.id: (m.name, m.domain, m.currency, m.language) for m in BY_ID.values()}
    assert ours == SITES


@pytest.mark.parametrize("marketplace", ["A1RKKUPIHCS9HS", "A28R8C7NBKEWEA"], ids=["Spain", "Ireland"])
def test_get_orders_takes_every_amazon_marketplace(marketplace):
    with make_app().test_client() as client:
        response = client.get(
            "/orders/v0/orders",
            params={"CreatedAfter": "2000-01-01T00:00:00Z", "MarketplaceIds": marketplace},
            headers={"x-amz-access-token": "Atza|test"},
        )
    assert response.status_code == 200, response.text
