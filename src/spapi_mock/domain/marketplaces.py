"""Amazon marketplaces the mock knows: id, country, currency, sales channel, language and domain.

Every marketplace of Amazon's SP-API marketplace-id table
(developer-docs.amazon.com/sp-api/docs/marketplace-ids), by region endpoint; tests/test_marketplaces.py
holds this list to a copy of that table written out by hand. The sales channel is also the
marketplace's name in the Sellers API ("Amazon.com"), whose domainName is the site's host
("www.amazon.com") and defaultLanguageCode the site's default language as Amazon writes it
("en_US"): as getMarketplaceParticipations answers for the US, Canada, India and the European
marketplaces in published responses; elsewhere the site's default language in the same form.
"""

from __future__ import annotations

from typing import NamedTuple

from spapi_mock.domain.exceptions import RuleViolation


class Marketplace(NamedTuple):
    id: str
    country: str
    currency: str
    sales_channel: str
    region: str
    language: str
    # Whether Amazon's prices there include the tax (VAT, GST, consumption tax) that the item's
    # *Tax fields state; in the US and Canada tax is added on top of the price.
    prices_include_tax: bool = True

    @property
    def name(self) -> str:
        return self.sales_channel

    @property
    def domain(self) -> str:
        return "www." + self.sales_channel.lower()


_ALL = [
    Marketplace("ATVPDKIKX0DER", "US", "USD", "Amazon.com", "na", "en_US", prices_include_tax=False),
    Marketplace("A2EUQ1WTGCTBG2", "CA", "CAD", "Amazon.ca", "na", "en_CA", prices_include_tax=False),
    Marketplace("A1AM78C64UM0Y8", "MX", "MXN", "Amazon.com.mx", "na", "es_MX"),
    Marketplace("A2Q3Y263D00KWC", "BR", "BRL", "Amazon.com.br", "na", "pt_BR"),
    Marketplace("A28R8C7NBKEWEA", "IE", "EUR", "Amazon.ie", "eu", "en_IE"),
    Marketplace("A1F83G8C2ARO7P", "GB", "GBP", "Amazon.co.uk", "eu", "en_GB"),
    Marketplace("A1PA6795UKMFR9", "DE", "EUR", "Amazon.de", "eu", "de_DE"),
    Marketplace("A13V1IB3VIYZZH", "FR", "EUR", "Amazon.fr", "eu", "fr_FR"),
    Marketplace("APJ6JRA9NG5V4", "IT", "EUR", "Amazon.it", "eu", "it_IT"),
    Marketplace("A1RKKUPIHCS9HS", "ES", "EUR", "Amazon.es", "eu", "es_ES"),
    Marketplace("A1805IZSGTT6HS", "NL", "EUR", "Amazon.nl", "eu", "nl_NL"),
    Marketplace("A2NODRKZP88ZB9", "SE", "SEK", "Amazon.se", "eu", "sv_SE"),
    Marketplace("A1C3SOZRARQ6R3", "PL", "PLN", "Amazon.pl", "eu", "pl_PL"),
    Marketplace("AMEN7PMS3EDWL", "BE", "EUR", "Amazon.com.be", "eu", "fr_BE"),
    Marketplace("A33AVAJ2PDY3EV", "TR", "TRY", "Amazon.com.tr", "eu", "tr_TR"),
    Marketplace("A2VIGQ35RCS4UG", "AE", "AED", "Amazon.ae", "eu", "en_AE"),
    Marketplace("A17E79C6D8DWNP", "SA", "SAR", "Amazon.sa", "eu", "ar_SA"),
    Marketplace("ARBP9OOSHTCHU", "EG", "EGP", "Amazon.eg", "eu", "ar_EG"),
    Marketplace("A21TJRUUN4KGV", "IN", "INR", "Amazon.in", "eu", "en_IN"),
    Marketplace("AE08WJ6YKNBMC", "ZA", "ZAR", "Amazon.co.za", "eu", "en_ZA"),
    Marketplace("A1VC38T7YXB528", "JP", "JPY", "Amazon.co.jp", "fe", "ja_JP"),
    Marketplace("A39IBJ37TRP1C6", "AU", "AUD", "Amazon.com.au", "fe", "en_AU"),
    Marketplace("A19VAU5U5O7RUS", "SG", "SGD", "Amazon.sg", "fe", "en_SG"),
]

BY_ID: dict[str, Marketplace] = {m.id: m for m in _ALL}
# Amazon's table order (by region, then as the mock lists them): how a seller's marketplaces are listed.
ORDER: dict[str, int] = {m.id: n for n, m in enumerate(_ALL)}


def require_known(marketplace_ids, name: str = "marketplaceIds") -> None:
    """Refuse, naming them, marketplace ids the mock does not know (createFeed, createReport)."""
    unknown = [marketplace_id for marketplace_id in marketplace_ids if marketplace_id not in BY_ID]
    if unknown:
        verb = "is not a marketplace" if len(unknown) == 1 else "are not marketplaces"
        raise RuleViolation(f"Invalid {name}: {', '.join(unknown)} {verb} the mock knows.")
