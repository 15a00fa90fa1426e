"""Control plane handlers (``openapi/control.yaml``): thin calls into the backend and scenarios."""

from __future__ import annotations

from .. import actions, scenarios
from ..dates import parse_duration, parse_fixture_date
from ..domain.exceptions import RuleViolation
from . import v0_views
from .context import services


def get_clock() -> dict:
    return services().backend.clock_state()


def freeze_clock(body: dict | None = None) -> dict:
    backend = services().backend
    at = (body or {}).get("at")
    return backend.freeze_clock(_instant(at) if at else None)


def unfreeze_clock() -> dict:
    return services().backend.unfreeze_clock()


def set_clock(body: dict) -> dict:
    return services().backend.set_clock(_instant(body["at"]))


def advance_clock(body: dict) -> dict:
    try:
        delta = parse_duration(body["by"])
    except ValueError as exc:
        raise RuleViolation(f"Invalid by: {exc}.") from None
    return services().backend.advance_clock(delta)


def reset_store() -> dict:
    return {"orders": services().backend.reset()}


def load_fixtures(body: dict, replace: bool = False) -> dict:
    return {"orders": services().backend.load_fixtures(body, replace=replace, where="request body")}


def create_order(body: dict | None = None, sellerId: str | None = None) -> tuple:
    doc = services().backend.place_order(_seller(sellerId), body or {})
    return v0_views.order_with_items(doc), 201


def apply_action(orderId: str, body: dict, sellerId: str | None = None) -> dict:
    args = {k: v for k, v in body.items() if k != "action"}
    return v0_views.order_with_items(services().backend.apply(_seller(sellerId), orderId, body["action"], args))


def list_actions() -> dict:
    return actions.catalogue()


def list_scenarios() -> dict:
    return {"scenarios": [s.summary() for s in scenarios.list_scenarios(services().config.scenarios_dir)]}


def run_scenario(name: str, sellerId: str | None = None) -> dict:
    svc = services()
    scenario = scenarios.find(name, svc.config.scenarios_dir)
    return scenarios.run(svc.backend, scenario, sellerId).as_dict()


def run_inline_scenario(body: dict, sellerId: str | None = None) -> dict:
    return scenarios.run(services().backend, scenarios.parse(body), sellerId).as_dict()


def get_cancellation_rate(sellerId: str | None = None, marketplaceId: list[str] | None = None) -> dict:
    rates = services().backend.cancellation_rates(_seller(sellerId), marketplaceId or None)
    return {"rates": [rate.as_dict() for rate in rates]}


def _seller(seller_id: str | None) -> str:
    return seller_id or services().config.default_seller_id


def _instant(value: str):
    try:
        return parse_fixture_date(value, services().backend.now())
    except ValueError as exc:
        raise RuleViolation(f"Invalid at: {exc}.") from None
