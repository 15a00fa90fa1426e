"""Finances API handlers (v0 and 2024-06-19): read the parameters, ask the finances backend,
shape the response (Amazon's ``payload`` envelope).

Routes, parameters, validation and usage plans come from ``openapi/finances-v0.yaml`` and
``openapi/finances-2024-06-19.yaml``; the rules live in ``spapi_mock.finances``.
"""

from __future__ import annotations

from spapi_mock.finances import views
from spapi_mock.finances.service import Finances
from spapi_mock.http.handlers.context import seller_id, services
from spapi_mock.marketplace.paging import Page


def _finances() -> Finances:
    svc = services()
    return Finances(svc.backend, svc.pager)


def list_financial_event_groups(**params) -> dict:
    page = _finances().event_groups(seller_id(), params)
    return {"payload": _with_token({"FinancialEventGroupList": page.items}, page, "NextToken")}


def list_financial_events(**params) -> dict:
    return _events(_finances().events(seller_id(), params))


def list_financial_events_by_order_id(orderId: str, **params) -> dict:
    return _events(_finances().events_by_order(seller_id(), orderId, params))


def list_financial_events_by_group_id(eventGroupId: str, **params) -> dict:
    return _events(_finances().events_by_group(seller_id(), eventGroupId, params))


def list_transactions(**params) -> dict:
    page = _finances().transactions(seller_id(), params)
    return {"payload": _with_token({"transactions": page.items}, page, "nextToken")}


def _events(page: Page) -> dict:
    return {"payload": _with_token({"FinancialEvents": views.financial_events(page.items)}, page, "NextToken")}


def _with_token(payload: dict, page: Page, name: str) -> dict:
    # Amazon puts NextToken first in the payload.
    return {name: page.next_token, **payload} if page.next_token is not None else payload


def list_balances(**params) -> dict:
    return {"balances": _finances().balances(seller_id(), params)}


def list_summary(**params) -> dict:
    return {"summaries": _finances().summaries(seller_id(), params)}
