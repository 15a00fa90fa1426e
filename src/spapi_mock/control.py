"""The control plane from Python: the same operations over HTTP or on a store in this process.

``HttpControl("http://127.0.0.1:8080")`` drives a running server; ``LocalControl`` drives a
backend directly, either one an app already holds (tests) or one opened on a store file
(``LocalControl.open("state.json")``, what ``spapi-mock scenario run --db`` uses). Both return
the JSON documents the HTTP API returns, and both raise ControlError with the SP-API error's
code and message, so code written against one works against the other.
"""

from __future__ import annotations

import copy
import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

from . import actions, scenarios
from .backend import Backend
from .clock import Clock
from .config import Config
from .dates import parse_duration, parse_fixture_date
from .domain.exceptions import RuleViolation
from .domain.orders import buyer_requested_cancel
from .errors import SpApiError, from_exception
from .faults import FaultError
from .services import Services, build_services
from .views import orders_v0 as v0_views

# How many orders ``orders()`` lists unless told (the control spec's default for listOrders).
DEFAULT_ORDERS_LIMIT = 100
# Order fields every stored order has (the fixture loader and the order factory require them).
_SUMMARY_FIELDS = ("AmazonOrderId", "OrderStatus", "MarketplaceId", "PurchaseDate", "LastUpdateDate")


class ControlError(SpApiError):
    """An SP-API error from the control plane, with the status and code it was answered with."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"


class HttpControl:
    """The control plane of a running spapi-mock server."""

    def __init__(self, base_url: str = "http://127.0.0.1:8080", timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def clock(self) -> dict:
        return self._call("GET", "/clock")

    def freeze_clock(self, at: str | None = None) -> dict:
        return self._call("POST", "/clock/freeze", {"at": at} if at else {})

    def unfreeze_clock(self) -> dict:
        return self._call("POST", "/clock/unfreeze")

    def set_clock(self, at: str) -> dict:
        return self._call("POST", "/clock/set", {"at": at})

    def advance_clock(self, by: str) -> dict:
        return self._call("POST", "/clock/advance", {"by": by})

    def reset(self, seller_id: str | None = None) -> dict:
        return self._call("POST", "/reset", None, {"sellerId": seller_id})

    def load_fixtures(self, data: dict, replace: bool = False) -> dict:
        return self._call("POST", "/fixtures", data, {"replace": str(replace).lower()})

    def orders(self, seller_id: str | None = None, limit: int = DEFAULT_ORDERS_LIMIT) -> dict:
        return self._call("GET", "/orders", None, {"sellerId": seller_id, "limit": limit})

    def order(self, order_id: str, seller_id: str | None = None) -> dict:
        return self._call("GET", f"/orders/{urllib.parse.quote(order_id, safe='')}", None, {"sellerId": seller_id})

    def create_order(self, spec: dict | None = None, seller_id: str | None = None) -> dict:
        return self._call("POST", "/orders", spec or {}, {"sellerId": seller_id})

    def apply(self, order_id: str, action: str, /, seller_id: str | None = None, **args: Any) -> dict:
        path = f"/orders/{urllib.parse.quote(order_id, safe='')}/actions"
        return self._call("POST", path, {"action": action, **args}, {"sellerId": seller_id})

    def list_actions(self) -> dict:
        return self._call("GET", "/actions")

    def list_scenarios(self) -> dict:
        return self._call("GET", "/scenarios")

    def run_scenario(self, name: str, seller_id: str | None = None) -> dict:
        return self._call("POST", f"/scenarios/{urllib.parse.quote(name, safe='')}/run", None, {"sellerId": seller_id})

    def run_inline_scenario(self, scenario: dict | list, seller_id: str | None = None) -> dict:
        body = {"steps": scenario} if isinstance(scenario, list) else scenario
        return self._call("POST", "/scenarios/run", body, {"sellerId": seller_id})

    def cancellation_rate(self, seller_id: str | None = None, marketplace_ids: list[str] | None = None) -> dict:
        query = {"sellerId": seller_id, "marketplaceId": ",".join(marketplace_ids) if marketplace_ids else None}
        return self._call("GET", "/cancellation-rate", None, query)

    def sellers(self) -> dict:
        return self._call("GET", "/sellers")

    def create_seller(self, seller_id: str | None = None, seed: str = "default", refresh_token: str | None = None) -> dict:
        body = {
            "seed": seed,
            **({"sellerId": seller_id} if seller_id else {}),
            **({"refreshToken": refresh_token} if refresh_token else {}),
        }
        return self._call("POST", "/sellers", body)

    def delete_seller(self, seller_id: str) -> dict:
        return self._call("DELETE", f"/sellers/{urllib.parse.quote(seller_id, safe='')}")

    def throttling(self) -> dict:
        return self._call("GET", "/throttling")

    def set_throttling(self, mode: str, factor: float | None = None) -> dict:
        return self._call("PUT", "/throttling", {"mode": mode, **({"factor": factor} if factor is not None else {})})

    def faults(self, seller_id: str | None = None) -> dict:
        return self._call("GET", "/faults", None, {"sellerId": seller_id})

    def add_fault(self, **spec: Any) -> dict:
        """add_fault(operation="getOrders", status=503, times=2); see NewFault in the control spec."""
        return self._call("POST", "/faults", spec)

    def clear_faults(self, seller_id: str | None = None) -> dict:
        return self._call("DELETE", "/faults", None, {"sellerId": seller_id})

    def delete_fault(self, fault_id: str) -> dict:
        return self._call("DELETE", f"/faults/{urllib.parse.quote(fault_id, safe='')}")

    def journal(
        self, operation: str | None = None, order_id: str | None = None, seller_id: str | None = None, limit: int | None = None
    ) -> dict:
        return self._call(
            "GET", "/journal", None, {"operation": operation, "orderId": order_id, "sellerId": seller_id, "limit": limit}
        )

    def clear_journal(self, operation: str | None = None, order_id: str | None = None, seller_id: str | None = None) -> dict:
        return self._call("DELETE", "/journal", None, {"operation": operation, "orderId": order_id, "sellerId": seller_id})

    def auth(self) -> dict:
        return self._call("GET", "/auth")

    def set_auth(self, strict: bool) -> dict:
        return self._call("PUT", "/auth", {"strict": strict})

    def _call(self, method: str, path: str, body: Any = None, query: dict | None = None) -> dict:
        params = {k: v for k, v in (query or {}).items() if v is not None}
        url = f"{self.base_url}/_mock{path}" + (f"?{urllib.parse.urlencode(params)}" if params else "")
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise _error_from(exc.code, exc.read()) from None
        except urllib.error.URLError as exc:
            raise ControlError(0, "ConnectionFailed", f"cannot reach spapi-mock at {self.base_url}: {exc.reason}") from None


class LocalControl:
    """The control plane of a backend in this process."""

    def __init__(self, backend: Backend, scenarios_dir: Path | None = None, services: Services | None = None) -> None:
        self.backend = backend
        self.scenarios_dir = scenarios_dir
        # Throttling, faults, the journal and auth belong to a server's services.
        self.services = services

    @classmethod
    def of(cls, services: Services) -> LocalControl:
        return cls(services.backend, services.config.scenarios_dir, services)

    @classmethod
    def open(cls, db_path: str | Path, fixtures_dir: str | Path | None = None, scenarios_dir: Path | None = None) -> LocalControl:
        """A backend on a store file (created from the fixtures if it is new or empty)."""
        config = Config(
            db_path=Path(db_path), fixtures_dir=Path(fixtures_dir) if fixtures_dir else None, scenarios_dir=scenarios_dir
        )
        return cls.of(build_services(config, Clock()))

    def clock(self) -> dict:
        return self.backend.clock_state()

    def freeze_clock(self, at: str | None = None) -> dict:
        return self._guard(lambda: self.backend.freeze_clock(self._instant(at) if at else None))

    def unfreeze_clock(self) -> dict:
        return self.backend.unfreeze_clock()

    def set_clock(self, at: str) -> dict:
        return self._guard(lambda: self.backend.set_clock(self._instant(at)))

    def advance_clock(self, by: str) -> dict:
        return self._guard(lambda: self.backend.advance_clock(_duration(by)))

    def reset(self, seller_id: str | None = None) -> dict:
        """Orders back to the fixtures; the journal, faults and throttling buckets too (all of
        them, or the seller's)."""
        orders = self._guard(lambda: self.backend.reset(seller_id))
        self._forget_traffic(seller_id)
        return {"orders": orders}

    def load_fixtures(self, data: dict, replace: bool = False, *, where: str = "fixtures") -> dict:
        """``where`` names the data in error messages."""
        return self._guard(lambda: {"orders": self.backend.load_fixtures(data, replace=replace, where=where)})

    def orders(self, seller_id: str | None = None, limit: int = DEFAULT_ORDERS_LIMIT) -> dict:
        """The seller's most recently updated orders, latest first, as one-line summaries."""
        if limit < 1:
            raise ControlError(400, "InvalidInput", f"Invalid limit: {limit} is less than the minimum of 1.")
        seller = self._seller(seller_id)
        count, docs = self.backend.recent_orders(seller, limit)
        return {"sellerId": seller, "count": count, "orders": [_order_summary(doc) for doc in docs]}

    def order(self, order_id: str, seller_id: str | None = None) -> dict:
        """The order and its items as the v0 API shows them, and its history, oldest first."""
        seller = self._seller(seller_id)
        doc = self._guard(lambda: self.backend.order(seller, order_id))
        history = sorted(copy.deepcopy(doc.get("history") or []), key=lambda event: event["at"])
        return {"sellerId": seller, **v0_views.order_with_items(doc), "history": history}

    def create_order(self, spec: dict | None = None, seller_id: str | None = None) -> dict:
        return self._guard(lambda: v0_views.order_with_items(self.backend.place_order(self._seller(seller_id), spec or {})))

    def apply(self, order_id: str, action: str, /, seller_id: str | None = None, **args: Any) -> dict:
        return self.apply_action(order_id, action, args, seller_id)

    def apply_action(self, order_id: str, action: str, args: dict, seller_id: str | None = None) -> dict:
        """``apply`` with the arguments as a mapping (any names, as a request body has them)."""
        seller = self._seller(seller_id)
        return self._guard(lambda: v0_views.order_with_items(self.backend.change(seller, order_id, actions.rule(action, args))))

    def list_actions(self) -> dict:
        return actions.catalogue()

    def list_scenarios(self) -> dict:
        return {"scenarios": [s.summary() for s in scenarios.list_scenarios(self.scenarios_dir)]}

    def run_scenario(self, name: str, seller_id: str | None = None) -> dict:
        return self._guard(lambda: scenarios.run(self.backend, scenarios.find(name, self.scenarios_dir), seller_id).as_dict())

    def run_inline_scenario(self, scenario: dict | list, seller_id: str | None = None) -> dict:
        return self._guard(lambda: scenarios.run(self.backend, scenarios.parse(scenario), seller_id).as_dict())

    def cancellation_rate(self, seller_id: str | None = None, marketplace_ids: list[str] | None = None) -> dict:
        rates = self.backend.cancellation_rates(self._seller(seller_id), marketplace_ids or None)
        return {"rates": [rate.as_dict() for rate in rates]}

    def sellers(self) -> dict:
        return {"sellers": self.backend.sellers()}

    def create_seller(self, seller_id: str | None = None, seed: str = "default", refresh_token: str | None = None) -> dict:
        return self._guard(lambda: self.backend.create_seller(seller_id, seed, refresh_token))

    def delete_seller(self, seller_id: str) -> dict:
        orders = self._guard(lambda: self.backend.delete_seller(seller_id))
        self._forget_traffic(seller_id)
        return {"sellerId": seller_id, "orders": orders}

    def throttling(self) -> dict:
        return self._server().throttle.state()

    def set_throttling(self, mode: str, factor: float | None = None) -> dict:
        throttle = self._server().throttle
        try:
            throttle.configure(mode, factor)
        except ValueError as exc:
            raise ControlError(400, "InvalidInput", f"{exc}.") from None
        return throttle.state()

    def faults(self, seller_id: str | None = None) -> dict:
        return {"faults": [fault.as_dict() for fault in self._server().faults.all(seller_id)]}

    def add_fault(self, **spec: Any) -> dict:
        try:
            return self._server().faults.add(spec).as_dict()
        except FaultError as exc:
            raise ControlError(400, "InvalidInput", f"Invalid fault: {exc}.") from None

    def clear_faults(self, seller_id: str | None = None) -> dict:
        return {"cleared": self._server().faults.clear(seller_id)}

    def delete_fault(self, fault_id: str) -> dict:
        if not self._server().faults.remove(fault_id):
            raise ControlError(404, "NotFound", f"Fault {fault_id} not found.")
        return {"cleared": 1}

    def journal(
        self, operation: str | None = None, order_id: str | None = None, seller_id: str | None = None, limit: int | None = None
    ) -> dict:
        requests = self._server().journal.find(operation, order_id, seller_id, limit)
        return {"count": len(requests), "requests": requests}

    def clear_journal(self, operation: str | None = None, order_id: str | None = None, seller_id: str | None = None) -> dict:
        return {"cleared": self._server().journal.clear(operation, order_id, seller_id)}

    def auth(self) -> dict:
        tokens = self._server().access_tokens
        return {"strict": tokens.strict, "accessTokenTtlSeconds": int(tokens.ttl.total_seconds())}

    def set_auth(self, strict: bool) -> dict:
        self._server().access_tokens.strict = bool(strict)
        return self.auth()

    def close(self) -> None:
        self.backend.store.close()

    def _server(self) -> Services:
        if self.services is None:
            raise ControlError(400, "InvalidInput", "Throttling, faults, the journal and auth belong to a running server.")
        return self.services

    def _forget_traffic(self, seller_id: str | None) -> None:
        if self.services is None:
            return
        self.services.journal.clear(seller_id=seller_id)
        self.services.faults.clear(seller_id)
        self.services.throttle.forget(seller_id)

    def _seller(self, seller_id: str | None) -> str:
        return seller_id or self.backend.default_seller_id

    def _instant(self, value: str) -> datetime:
        try:
            return parse_fixture_date(value, self.backend.now())
        except ValueError as exc:
            raise RuleViolation(f"Invalid at: {exc}.") from None

    @staticmethod
    def _guard(call):
        # The same errors, codes and messages as the HTTP control plane answers.
        try:
            return call()
        except Exception as exc:
            error = from_exception(exc)
            if error is None:
                raise
            raise ControlError(error.status, error.code, error.message) from None


def _order_summary(doc: dict) -> dict:
    """One line of the order list: the v0 fields a person scans for, and the buyer's requests."""
    order = doc["order"]
    flags = [buyer_requested_cancel(item) for item in doc["items"]]
    requested = [flag for flag in flags if flag["IsBuyerRequestedCancel"] == "true"]
    return {
        **{name: order[name] for name in _SUMMARY_FIELDS},
        "FulfillmentChannel": order.get("FulfillmentChannel"),
        "SalesChannel": order.get("SalesChannel"),
        "NumberOfItemsShipped": order.get("NumberOfItemsShipped", 0),
        "NumberOfItemsUnshipped": order.get("NumberOfItemsUnshipped", 0),
        "orderItems": len(doc["items"]),
        "buyerRequestedCancel": bool(requested),
        "buyerCancelReasons": list(
            dict.fromkeys(flag["BuyerCancelReason"] for flag in requested if flag.get("BuyerCancelReason"))
        ),
    }


def _duration(text: str):
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise RuleViolation(f"Invalid by: {exc}.") from None


def _error_from(status: int, raw: bytes) -> ControlError:
    try:
        error = json.loads(raw)["errors"][0]
        return ControlError(status, error["code"], error["message"])
    except (ValueError, KeyError, IndexError, TypeError):
        return ControlError(status, "Unknown", raw.decode(errors="replace")[:500])
