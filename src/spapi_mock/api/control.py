"""Control plane handlers (``openapi/control.yaml``): the operations of ``LocalControl`` on
this server's backend, whose errors are already SP-API errors."""

from __future__ import annotations

from importlib import resources

from ..control import DEFAULT_ORDERS_LIMIT, LocalControl
from .context import services

# The dashboard: one page of HTML, CSS and JavaScript shipped in the package, served as it is.
DASHBOARD_PAGE = "dashboard.html"


def _control() -> LocalControl:
    return LocalControl.of(services())


def get_clock() -> dict:
    return _control().clock()


def freeze_clock(body: dict | None = None) -> dict:
    return _control().freeze_clock((body or {}).get("at"))


def unfreeze_clock() -> dict:
    return _control().unfreeze_clock()


def set_clock(body: dict) -> dict:
    return _control().set_clock(body["at"])


def advance_clock(body: dict) -> dict:
    return _control().advance_clock(body["by"])


def reset_store(sellerId: str | None = None) -> dict:
    return _control().reset(sellerId)


def load_fixtures(body: dict, replace: bool = False) -> dict:
    return _control().load_fixtures(body, replace, where="request body")


def list_orders(sellerId: str | None = None, limit: int = DEFAULT_ORDERS_LIMIT) -> dict:
    return _control().orders(sellerId, limit)


def get_order_details(orderId: str, sellerId: str | None = None) -> dict:
    return _control().order(orderId, sellerId)


def create_order(body: dict | None = None, sellerId: str | None = None) -> tuple:
    return _control().create_order(body, sellerId), 201


def apply_action(orderId: str, body: dict, sellerId: str | None = None) -> dict:
    args = {k: v for k, v in body.items() if k != "action"}
    return _control().apply_action(orderId, body["action"], args, sellerId)


def list_actions() -> dict:
    return _control().list_actions()


def list_scenarios() -> dict:
    return _control().list_scenarios()


def run_scenario(name: str, sellerId: str | None = None) -> dict:
    return _control().run_scenario(name, sellerId)


def run_inline_scenario(body: dict, sellerId: str | None = None) -> dict:
    return _control().run_inline_scenario(body, sellerId)


def get_cancellation_rate(sellerId: str | None = None, marketplaceId: list[str] | None = None) -> dict:
    return _control().cancellation_rate(sellerId, marketplaceId)


def list_sellers() -> dict:
    return _control().sellers()


def create_seller(body: dict | None = None) -> tuple:
    body = body or {}
    return _control().create_seller(body.get("sellerId"), body.get("seed", "default"), body.get("refreshToken")), 201


def delete_seller(sellerId: str) -> dict:
    return _control().delete_seller(sellerId)


def get_throttling() -> dict:
    return _control().throttling()


def set_throttling(body: dict) -> dict:
    return _control().set_throttling(body["mode"], body.get("factor"))


def list_faults(sellerId: str | None = None) -> dict:
    return _control().faults(sellerId)


def add_fault(body: dict) -> tuple:
    return _control().add_fault(**body), 201


def clear_faults(sellerId: str | None = None) -> dict:
    return _control().clear_faults(sellerId)


def delete_fault(faultId: str) -> dict:
    return _control().delete_fault(faultId)


def get_journal(
    operation: str | None = None, orderId: str | None = None, sellerId: str | None = None, limit: int | None = None
) -> dict:
    return _control().journal(operation, orderId, sellerId, limit)


def clear_journal(operation: str | None = None, orderId: str | None = None, sellerId: str | None = None) -> dict:
    return _control().clear_journal(operation, orderId, sellerId)


def get_auth() -> dict:
    return _control().auth()


def set_auth(body: dict) -> dict:
    return _control().set_auth(body["strict"])


def get_dashboard() -> tuple:
    # Read on every request, so an edited page shows on reload; it is a few kilobytes.
    page = resources.files("spapi_mock").joinpath(DASHBOARD_PAGE).read_text(encoding="utf-8")
    return page, 200, {"Cache-Control": "no-store"}
