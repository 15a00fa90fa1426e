"""What the Sellers API reads: the marketplaces a seller is set up for (createSeller's
marketplaceIds, kept in the seller registry) and those its orders are in, through
``Backend.reading()`` like every other read."""

from __future__ import annotations

from spapi_mock.domain import seller_account
from spapi_mock.marketplace.backend import SELLERS_META, Backend


def marketplaces(backend: Backend, seller_id: str) -> list[str]:
    """The seller's marketplaces, or the default seller's if it has none of its own."""
    store = backend.reading()
    registry = store.get_meta(SELLERS_META) or {}

    def own(seller: str) -> list[str]:
        return [*registry.get(seller, {}).get("marketplaceIds", []), *store.orders.marketplaces(seller)]

    return seller_account.marketplaces_of(own(seller_id), own(backend.default_seller_id))


def participations(backend: Backend, seller_id: str) -> list[dict]:
    return seller_account.participations(seller_id, marketplaces(backend, seller_id))


def account(backend: Backend, seller_id: str) -> dict:
    return seller_account.account(seller_id, marketplaces(backend, seller_id))
