"""Sellers API v1 handlers: the seller of the token's participations and account, in Amazon's
``payload`` envelope.

Routes and the token check come from ``openapi/sellers-v1.yaml``; what is answered from
``spapi_mock.sellers`` and ``domain/seller_account``.
"""

from __future__ import annotations

from spapi_mock.http.handlers.context import seller_id, services
from spapi_mock.sellers import service


def get_marketplace_participations() -> dict:
    return {"payload": service.participations(services().backend, seller_id())}


def get_account() -> dict:
    return {"payload": service.account(services().backend, seller_id())}
