"""Amazon marketplaces the mock knows: id, country, currency and sales channel.

Every marketplace of Amazon's SP-API marketplace-id table
(developer-docs.amazon.com/sp-api/docs/marketplace-ids), by region endpoint; tests/test_marketplaces.py
holds this list to a copy of that table written out by hand.
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
    # Whether Amazon's prices there include the tax (VAT, GST, consumption tax) that the item's
    # *Tax fields state; in the US and Canada tax is added on top of the price.
    prices_include_tax: bool = True


_ALL = [
    Marketplace("ATVPDKIKX0DER", "US", "USD", "Amazon.com", "na", prices_include_tax=False),
    Marketplace("A2EUQ1WTGCTBG2", "CA", "CAD", "Amazon.ca", "na", prices_include_tax=False),
    Marketplace("A1AM78C64UM0Y8", "MX", "MXN", "Amazon.com.mx", "na"),
    Marketplace("A2Q3Y263D00KWC", "BR", "BRL", "Amazon.com.br", "na"),
    Marketplace("A28R8C7NBKEWEA", "IE", "EUR", "Amazon.ie", "eu"),
    Marketplace("A1F83G8C2ARO7P", "GB", "GBP", "Amazon.co.uk", "eu"),
    Marketplace("A1PA6795UKMFR9", "DE", "EUR", "Amazon.de", "eu"),
    Marketplace("A13V1IB3VIYZZH", "FR", "EUR", "Amazon.fr", "eu"),
    Marketplace("APJ6JRA9NG5V4", "IT", "EUR", "Amazon.it", "eu"),
    Marketplace("A1RKKUPIHCS9HS", "ES", "EUR", "Amazon.es", "eu"),
    Marketplace("A1805IZSGTT6HS", "NL", "EUR", "Amazon.nl", "eu"),
    Marketplace("A2NODRKZP88ZB9", "SE", "SEK", "Amazon.se", "eu"),
    Marketplace("A1C3SOZRARQ6R3", "PL", "PLN", "Amazon.pl", "eu"),
    Marketplace("AMEN7PMS3EDWL", "BE", "EUR", "Amazon.com.be", "eu"),
    Marketplace("A33AVAJ2PDY3EV", "TR", "TRY", "Amazon.com.tr", "eu"),
    Marketplace("A2VIGQ35RCS4UG", "AE", "AED", "Amazon.ae", "eu"),
    Marketplace("A17E79C6D8DWNP", "SA", "SAR", "Amazon.sa", "eu"),
    Marketplace("ARBP9OOSHTCHU", "EG", "EGP", "Amazon.eg", "eu"),
    Marketplace("A21TJRUUN4KGV", "IN", "INR", "Amazon.in", "eu"),
    Marketplace("AE08WJ6YKNBMC", "ZA", "ZAR", "Amazon.co.za", "eu"),
    Marketplace("A1VC38T7YXB528", "JP", "JPY", "Amazon.co.jp", "fe"),
    Marketplace("A39IBJ37TRP1C6", "AU", "AUD", "Amazon.com.au", "fe"),
    Marketplace("A19VAU5U5O7RUS", "SG", "SGD", "Amazon.sg", "fe"),
]

BY_ID: dict[str, Marketplace] = {m.id: m for m in _ALL}


def require_known(marketplace_ids, name: str = "marketplaceIds") -> None:
    """Refuse, naming them, marketplace ids the mock does not know (createFeed, createReport)."""
    unknown = [marketplace_id for marketplace_id in marketplace_ids if marketplace_id not in BY_ID]
    if unknown:
        verb = "is not a marketplace" if len(unknown) == 1 else "are not marketplaces"
        raise RuleViolation(f"Invalid {name}: {', '.join(unknown)} {verb} the mock knows.")
