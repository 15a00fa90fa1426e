"""Scenario scripts: files of steps that change the store the way a marketplace would.

A scenario is YAML or JSON::

    name: buyer-requests-cancellation
    description: The buyer asks to cancel; the seller cancels with BuyerCanceled.
    steps:
      - place_order: {as: order, items: [{SellerSKU: KETTLE-1, QuantityOrdered: 1}]}
      - authorize_payment: {order: order}
      - advance_clock: 45m
      - buyer_request_cancellation: {order: order, reason: Order Created By Mistake}
      - seller_cancel: {order: order, reason: BuyerCanceled}

Each step is one action of ``actions.ACTIONS`` (its ``order`` is a fixture order id or a name an
earlier ``place_order`` gave with ``as``), ``place_order``, a clock move (``advance_clock``,
``set_clock``, ``freeze_clock``, ``unfreeze_clock``), or ``submit_feed``: a Feeds API feed the
seller's software uploads, run to its end at once through the same rules and report as through
the API::

      - submit_feed:
          type: POST_FLAT_FILE_ORDER_ACKNOWLEDGEMENT_DATA
          document: "order-id\tcancellation-reason-code\n{order}\tBuyerCanceled\n"

where ``{name}`` is the id of the order an earlier ``place_order`` named, and ``{name:item1}``
its first item's id. The step is refused if the feed ends FATAL or any message has an error.

A step may add ``expect_refused: true`` (or a text the refusal must contain) to show a move the
rules forbid.

``expect_notification`` says what the scenario notifies (Notifications API)::

      - expect_notification: {type: ORDER_CHANGE, change: BuyerRequestedChange, order: order}

``type`` is ORDER_CHANGE, FEED_PROCESSING_FINISHED, REPORT_PROCESSING_FINISHED or
TRANSACTION_UPDATE; ``change`` (OrderChangeType) narrows an ORDER_CHANGE, ``order`` an
ORDER_CHANGE or a TRANSACTION_UPDATE (the financial event posted for the order, once the
scenario's clock passed its posting delay), ``status`` the order's status in its Summary, the
feed's or report's processingStatus, or the financial event's status. Notifications are recorded by the scenario's
one commit, from each change its steps made (``notifications/events.py``, as the outbox records
them): an order moved twice notifies twice, each with the status that step left. Every
expectation is checked after the last step and before that commit, and one that fails rolls the
whole scenario back. It holds
whether or not the seller subscribed; the log says how many of the seller's subscriptions get it
(read them with ``spapi-mock notification list|wait``).

``expect_finances`` checks an order's money at that point of the run (the clock as the steps
before it left it)::

      - expect_finances: {order: o, events: 2, kinds: [Shipment, Refund], net: "16.39", status: RELEASED}

``events`` is how many financial events the order has (pending ones too), ``kinds`` their kinds
earliest first, ``status`` every event's status (or a list, one per event), and ``charged``,
``refunded``, ``fees``, ``withheld``, ``net`` the order's totals (``control/money.py``). One that
does not hold fails the scenario, naming what differed, and nothing is changed.

A scenario is checked completely before it changes anything: every step's action, fields and
order references first (all problems reported at once, by step number), then the whole run in
one transaction, which is committed only if every step succeeded.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from spapi_mock.control import actions, money
from spapi_mock.domain import finances
from spapi_mock.domain import notification_payloads as payloads
from spapi_mock.domain.exceptions import RuleViolation, Unknown, UnknownOrder
from spapi_mock.domain.marketplaces import BY_ID as MARKETPLACES
from spapi_mock.feeds.formats import is_flat
from spapi_mock.feeds.service import submit_in
from spapi_mock.kernel import resources
from spapi_mock.kernel.dates import parse_duration, parse_fixture_date, to_wire
from spapi_mock.marketplace.backend import Backend, Transaction
from spapi_mock.notifications import events
from spapi_mock.notifications.subscriptions import subscriptions_of

CLOCK_STEPS = ("advance_clock", "set_clock", "freeze_clock", "unfreeze_clock")
FEED_STEP = "submit_feed"
_FEED_FIELDS = {"type", "document", "marketplaces", "content_type"}
# {name} or {name:itemN} in a feed step's document.
_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_][A-Za-z0-9_.-]*)(?::item(\d+))?\}")
STEP_OPTIONS = ("expect_refused", "note")
EXPECT_STEP = "expect_notification"
MONEY_STEP = "expect_finances"
_MONEY_FIELDS = ("order", "events", "kinds", "status", *money.TOTALS)
_EVENT_KINDS = (finances.SHIPMENT, finances.REFUND)
_EVENT_STATUSES = (finances.PENDING, finances.DEFERRED, finances.RELEASED, finances.DEFERRED_RELEASED)
_EXPECT_FIELDS = {"type", "change", "order", "status"}
# The notifications that are of one order.
_OF_AN_ORDER = (payloads.ORDER_CHANGE, payloads.TRANSACTION_UPDATE)
_PLACE_ORDER_FIELDS = {"as", "count", "order", "items", "address", "regulated"}
SUFFIXES = (".yaml", ".yml", ".json")


class ScenarioError(RuleViolation):
    """A scenario that cannot run; nothing was changed. ``problems`` lists every one found."""

    def __init__(self, name: str, problems: list[str]) -> None:
        self.name = name
        self.problems = problems
        super().__init__(f"Scenario {name} was not run (nothing changed): " + " ".join(problems))


class UnknownScenario(Unknown):
    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        super().__init__(f"Scenario '{name}' not found; known scenarios: {', '.join(known) or 'none'}.")


@dataclass
class Scenario:
    name: str
    description: str
    steps: list[Any]
    seller: str | None = None
    source: str | None = None

    def summary(self) -> dict:
        return {"name": self.name, "description": self.description, "steps": len(self.steps), "source": self.source}


@dataclass
class ScenarioResult:
    scenario: str
    seller: str
    orders: dict[str, str] = field(default_factory=dict)
    changed: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    clock: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "scenario": self.scenario,
            "sellerId": self.seller,
            "orders": self.orders,
            "changedOrders": self.changed,
            "log": self.log,
            "clock": self.clock,
        }


# -- finding and reading ---------------------------------------------------------------------


# A file's stem: letters, digits, '-', '_' and inner dots; no separators, no leading dot.
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def builtin_dir() -> Path:
    return resources.fixtures_dir() / "scenarios"


def search_path(user_dir: Path | None = None) -> list[Path]:
    return [p for p in (user_dir, builtin_dir()) if p is not None]


def list_scenarios(user_dir: Path | None = None) -> list[Scenario]:
    found: dict[str, Scenario] = {}
    for directory in search_path(user_dir):
        if not Path(directory).is_dir():
            continue
        for path in sorted(Path(directory).iterdir()):
            if path.suffix in SUFFIXES and path.stem not in found:
                found[path.stem] = load_file(path)
    return sorted(found.values(), key=lambda s: s.name)


def find(name: str, user_dir: Path | None = None) -> Scenario:
    """A scenario by name: the user directory's first, then the built-in ones. Only a bare name
    is looked up, never a path: a name reaches us over HTTP, and a path would let any caller run
    any YAML or JSON file the server can read (files go inline: POST /_mock/scenarios/run)."""
    if _NAME.fullmatch(name):
        for directory in search_path(user_dir):
            for suffix in SUFFIXES:
                path = Path(directory) / f"{name}{suffix}"
                if path.is_file():
                    return load_file(path)
    raise UnknownScenario(name, [s.name for s in list_scenarios(user_dir)])


def load_file(path: Path) -> Scenario:
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else resources.load_yaml(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise ScenarioError(path.stem, [f"{path}: cannot be parsed: {exc}"]) from None
    return parse(data, default_name=path.stem, source=str(path))


def parse(data: Any, default_name: str = "inline", source: str | None = None) -> Scenario:
    """A scenario from parsed YAML/JSON (or a bare list of steps)."""
    if isinstance(data, list):
        data = {"steps": data}
    if not isinstance(data, dict):
        raise ScenarioError(default_name, ["A scenario is a mapping with 'steps' (a list)."])
    name = str(data.get("name") or default_name)
    unknown = set(data) - {"name", "description", "seller", "steps"}
    if unknown:
        raise ScenarioError(
            name, [f"Unknown top-level field(s): {', '.join(sorted(unknown))} (expected name, description, seller, steps)."]
        )
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps:
        raise ScenarioError(name, ["Field 'steps' must be a non-empty list."])
    seller = data.get("seller")
    if seller is not None and not isinstance(seller, str):
        raise ScenarioError(name, ["Field 'seller' must be a string."])
    return Scenario(name, str(data.get("description") or ""), steps, seller, source)


# -- checking and running --------------------------------------------------------------------


def run(backend: Backend, scenario: Scenario, seller_id: str | None = None) -> ScenarioResult:
    """Check, then run the scenario in one transaction; ScenarioError if anything is wrong."""
    seller = seller_id or scenario.seller or backend.default_seller_id
    with backend.transaction(seller) as tx:
        check(scenario, tx)
        result = ScenarioResult(scenario.name, seller)
        # (step number, its line in the log, its fields): checked once every step has run.
        expectations: list[tuple[int, int, dict]] = []
        for number, step in enumerate(scenario.steps, start=1):
            if _action_name(step) == EXPECT_STEP:
                expectations.append((number, len(result.log), _split(step)[1]))
                result.log.append("")
                continue
            try:
                _run_step(tx, step, number, result)
            except (RuleViolation, UnknownOrder) as exc:
                raise ScenarioError(scenario.name, [f"Step {number} ({_action_name(step)}): {exc}"]) from None
        if expectations:
            sent = _notified(tx)
            for number, line, expected in expectations:
                try:
                    result.log[line] = f"{number}. {EXPECT_STEP}: {_expect_notification(tx, sent, expected, result)}"
                except RuleViolation as exc:
                    raise ScenarioError(scenario.name, [f"Step {number} ({EXPECT_STEP}): {exc}"]) from None
        result.changed = sorted(order_id for _, order_id in tx.changed)
        result.clock = {"now": to_wire(tx.now), "frozen": tx.frozen}
    return result


def check(scenario: Scenario, tx: Transaction) -> None:
    """Every problem a scenario has that can be found without running it."""
    problems = []
    names: set[str] = set()
    for number, step in enumerate(scenario.steps, start=1):
        try:
            for defined in _check_step(step, tx, names):
                names.add(defined)
        except RuleViolation as exc:
            problems.append(f"Step {number} ({_action_name(step)}): {exc}")
    if problems:
        raise ScenarioError(scenario.name, problems)


def _split(step: Any) -> tuple[str, Any, dict]:
    if not isinstance(step, dict):
        raise RuleViolation(
            "a step is a mapping of one action to its arguments, e.g. {seller_cancel: {order: o, reason: NoInventory}}."
        )
    options = {k: v for k, v in step.items() if k in STEP_OPTIONS}
    keys = [k for k in step if k not in STEP_OPTIONS]
    if len(keys) != 1:
        raise RuleViolation(f"a step names exactly one action, not {len(keys)} ({', '.join(map(str, keys)) or 'none'}).")
    return keys[0], step[keys[0]], options


def _action_name(step: Any) -> str:
    try:
        return _split(step)[0]
    except RuleViolation:
        return "?"


def _check_step(step: Any, tx: Transaction, names: set[str]) -> list[str]:
    name, args, options = _split(step)
    refused = options.get("expect_refused")
    if refused is not None and not isinstance(refused, bool | str):
        raise RuleViolation("expect_refused is true or the text the refusal must contain.")
    if name in CLOCK_STEPS:
        _clock_value(name, args)
        return []
    if name == EXPECT_STEP:
        if refused is not None:
            raise RuleViolation("an expectation is checked, not applied: it takes no expect_refused.")
        _check_expectation(args, tx, names)
        return []
    if name == FEED_STEP:
        _check_feed_step(args, names)
        return []
    if name == MONEY_STEP:
        if refused is not None:
            raise RuleViolation("an expectation is checked, not applied: it takes no expect_refused.")
        _check_money_expectation(args, tx, names)
        return []
    if name == "place_order":
        args = args or {}
        if not isinstance(args, dict):
            raise RuleViolation("place_order takes a mapping: {as, count, order, items, address}.")
        unknown = set(args) - _PLACE_ORDER_FIELDS
        if unknown:
            raise RuleViolation(f"unknown field '{sorted(unknown)[0]}' (known: {', '.join(sorted(_PLACE_ORDER_FIELDS))}).")
        count = args.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 10_000:
            raise RuleViolation(f"field count: {count!r} is not a whole number from 1 to 10000.")
        alias = args.get("as")
        if alias is None:
            return []
        if not isinstance(alias, str) or not alias:
            raise RuleViolation("field as: a name is a non-empty string.")
        return [alias] if count == 1 else [f"{alias}-{n}" for n in range(1, count + 1)]
    if name not in actions.ACTIONS:
        known = ", ".join([*actions.ACTIONS, "place_order", FEED_STEP, *CLOCK_STEPS, EXPECT_STEP, MONEY_STEP])
        raise RuleViolation(f"unknown action '{name}'; known: {known}.")
    if not isinstance(args, dict) or "order" not in args:
        raise RuleViolation("field order is required: a fixture order id or a name given by place_order's 'as'.")
    rest = {k: v for k, v in args.items() if k != "order"}
    actions.check_args(name, rest, also_known=("order",))
    ref = args["order"]
    if not isinstance(ref, str) or (ref not in names and not tx.exists(ref)):
        raise RuleViolation(f"order {ref!r} is neither a name given earlier (by place_order 'as') nor an order of the seller.")
    return []


def _run_step(tx: Transaction, step: Any, number: int, result: ScenarioResult) -> None:
    name, args, options = _split(step)
    expect_refused = options.get("expect_refused")
    try:
        line = _apply(tx, name, args, result)
    except (RuleViolation, UnknownOrder) as exc:
        if not expect_refused:
            raise
        if isinstance(expect_refused, str) and expect_refused.lower() not in str(exc).lower():
            raise RuleViolation(f"it was refused, but not as expected ('{expect_refused}'): {exc}") from None
        result.log.append(f"{number}. {name}: refused as expected: {exc}")
        return
    if expect_refused:
        raise RuleViolation(f"expected a refusal, but it succeeded: {line}")
    result.log.append(f"{number}. {name}: {line}")


def _apply(tx: Transaction, name: str, args: Any, result: ScenarioResult) -> str:
    if name in CLOCK_STEPS:
        return _move_clock(tx, name, args)
    if name == FEED_STEP:
        return _submit_feed(tx, args, result)
    if name == MONEY_STEP:
        return _expect_money(tx, args, result)
    if name == "place_order":
        args = dict(args or {})
        alias, count = args.pop("as", None), args.pop("count", 1)
        placed = []
        for n in range(1, count + 1):
            doc = tx.place_order(args)
            order_id = doc["order"]["AmazonOrderId"]
            placed.append(f"{order_id} ({doc['order']['OrderStatus']})")
            if alias:
                result.orders[alias if count == 1 else f"{alias}-{n}"] = order_id
        if len(placed) > 3:
            return f"placed {len(placed)} orders: {placed[0]} … {placed[-1]}"
        return "placed " + ", ".join(placed)
    order_id = result.orders.get(args["order"], args["order"])
    rest = {k: v for k, v in args.items() if k != "order"}
    before = tx.order(order_id)["order"]["OrderStatus"]
    doc = tx.change(order_id, actions.rule(name, rest))
    return f"{order_id} {before} → {doc['order']['OrderStatus']}"


def _check_feed_step(args: Any, names: set[str]) -> None:
    if not isinstance(args, dict):
        raise RuleViolation("submit_feed takes a mapping: {type, document, marketplaces, content_type}.")
    unknown = set(args) - _FEED_FIELDS
    if unknown:
        raise RuleViolation(f"unknown field '{sorted(unknown)[0]}' (known: {', '.join(sorted(_FEED_FIELDS))}).")
    for field_name in ("type", "document"):
        if not isinstance(args.get(field_name), str) or not args[field_name].strip():
            raise RuleViolation(f"field {field_name} is required: a non-empty string.")
    marketplaces = args.get("marketplaces")
    if marketplaces is not None and (
        not isinstance(marketplaces, list) or not marketplaces or not all(mp in MARKETPLACES for mp in marketplaces)
    ):
        raise RuleViolation("field marketplaces: a list of marketplace ids, e.g. [ATVPDKIKX0DER].")
    for match in _PLACEHOLDER.finditer(args["document"]):
        if match.group(1) not in names:
            raise RuleViolation(f"{{{match.group(1)}}} in the document is not a name given earlier (by place_order 'as').")


def _submit_feed(tx: Transaction, args: dict, result: ScenarioResult) -> str:
    def order_or_item(match: re.Match) -> str:
        order_id = result.orders[match.group(1)]
        if match.group(2) is None:
            return order_id
        items = tx.order(order_id)["items"]
        number = int(match.group(2))
        if not 1 <= number <= len(items):
            raise RuleViolation(f"{match.group(0)}: order {order_id} has {len(items)} item(s).")
        return items[number - 1]["OrderItemId"]

    document = _PLACEHOLDER.sub(order_or_item, args["document"]).encode("utf-8")
    feed_type = args["type"]
    content_type = args.get("content_type") or (
        "text/tab-separated-values; charset=UTF-8" if is_flat(feed_type) else "text/xml; charset=UTF-8"
    )
    feed = submit_in(tx, feed_type, args.get("marketplaces") or sorted(MARKETPLACES), document, content_type)
    counts = feed["summary"]
    errors = [f"message {r['message']}: {r['description']}" for r in feed["results"] if r["code"] == "Error"]
    if errors:
        raise RuleViolation(f"feed {feed['feedId']} ({feed_type}) ended {feed['processingStatus']}: " + "; ".join(errors))
    outcome = f"{counts['processed']} message(s), {counts['successful']} successful"
    return f"feed {feed['feedId']} {feed_type} {feed['processingStatus']}: {outcome}"


def _check_expectation(args: Any, tx: Transaction, names: set[str]) -> None:
    if not isinstance(args, dict):
        raise RuleViolation("expect_notification takes a mapping: {type, change, order, status}.")
    unknown = set(args) - _EXPECT_FIELDS
    if unknown:
        raise RuleViolation(f"unknown field '{sorted(unknown)[0]}' (known: {', '.join(sorted(_EXPECT_FIELDS))}).")
    kind = args.get("type")
    if kind not in payloads.NOTIFICATION_TYPES:
        raise RuleViolation(f"field type is required: one of {', '.join(payloads.NOTIFICATION_TYPES)}, not {kind!r}.")
    if "change" in args and kind != payloads.ORDER_CHANGE:
        raise RuleViolation(f"field change narrows an ORDER_CHANGE only, not a {kind}.")
    if "order" in args and kind not in _OF_AN_ORDER:
        raise RuleViolation(f"field order narrows an ORDER_CHANGE or TRANSACTION_UPDATE only, not a {kind}.")
    if "change" in args and args["change"] not in payloads.ORDER_CHANGE_TYPES:
        raise RuleViolation(f"field change: one of {', '.join(payloads.ORDER_CHANGE_TYPES)}, not {args['change']!r}.")
    if "status" in args and (not isinstance(args["status"], str) or not args["status"]):
        raise RuleViolation("field status: an order status or processingStatus, e.g. Canceled or DONE.")
    ref = args.get("order")
    if ref is not None and (not isinstance(ref, str) or (ref not in names and not tx.exists(ref))):
        raise RuleViolation(f"order {ref!r} is neither a name given earlier (by place_order 'as') nor an order of the seller.")


def _check_money_expectation(args: Any, tx: Transaction, names: set[str]) -> None:
    if not isinstance(args, dict):
        raise RuleViolation(f"{MONEY_STEP} takes a mapping: {{{', '.join(_MONEY_FIELDS)}}}.")
    unknown = set(args) - set(_MONEY_FIELDS)
    if unknown:
        raise RuleViolation(f"unknown field '{sorted(unknown)[0]}' (known: {', '.join(_MONEY_FIELDS)}).")
    ref = args.get("order")
    if not isinstance(ref, str) or (ref not in names and not tx.exists(ref)):
        raise RuleViolation(
            f"field order is required: {ref!r} is neither a name given earlier (by place_order 'as') nor an order of the seller."
        )
    count = args.get("events")
    if "events" in args and (isinstance(count, bool) or not isinstance(count, int) or count < 0):
        raise RuleViolation(f"field events: how many events, a whole number from 0, not {count!r}.")
    kinds = args.get("kinds")
    if "kinds" in args and (not isinstance(kinds, list) or any(kind not in _EVENT_KINDS for kind in kinds)):
        raise RuleViolation(f"field kinds: a list of {' or '.join(_EVENT_KINDS)}, earliest first, not {kinds!r}.")
    status = args.get("status")
    statuses = status if isinstance(status, list) else [status]
    if "status" in args and any(one not in _EVENT_STATUSES for one in statuses):
        raise RuleViolation(f"field status: one of {', '.join(_EVENT_STATUSES)} (or a list, one per event), not {status!r}.")
    for name in money.TOTALS:
        if name in args and not _is_amount(args[name]):
            raise RuleViolation(f'field {name}: an amount such as "12.34" or -5, not {args[name]!r}.')


def _is_amount(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return False
    try:
        Decimal(str(value))
    except ArithmeticError:
        return False
    return Decimal(str(value)).is_finite()


def _expect_money(tx: Transaction, expected: dict, result: ScenarioResult) -> str:
    order_id = result.orders.get(expected["order"], expected["order"])
    records = tx.money_of(order_id, result.seller)
    sums = money.totals(records)
    statuses = [record["status"] for record in records]
    seen = {"events": len(records), "kinds": [record["kind"] for record in records], "status": statuses, **sums}
    differ = []
    for name in _MONEY_FIELDS[1:]:
        if name not in expected:
            continue
        wanted = expected[name]
        if name in money.TOTALS:
            holds = Decimal(str(wanted)) == Decimal(sums[name])
        elif name == "status" and not isinstance(wanted, list):
            # One status for every event: an order with none has no status to match.
            holds = bool(statuses) and set(statuses) == {wanted}
        else:
            holds = seen[name] == wanted
        if not holds:
            differ.append(f"{name} is {seen[name]!r}, not {wanted!r}")
    described = "; ".join(f"{r['kind']} {r['status']} {r['total']}" for r in records) or "none"
    if differ:
        raise RuleViolation(f"order {order_id}: {', '.join(differ)} (its events: {described}).")
    return f"order {order_id}: {len(records)} event(s) ({described}), net {sums['net']}"


@dataclass(frozen=True)
class _Sent:
    """One notification the scenario's commit records: what an expectation matches on."""

    event: events.Event
    order_id: str | None
    status: str


def _notified(tx: Transaction) -> list[_Sent]:
    """What the transaction's commit notifies, earliest first: the events the outbox records
    from the same changes (``Outbox.records``), whether or not anyone subscribed."""
    return [_Sent(event, event.order_id, event.status or "") for event in events.of_transaction(tx)]


def _expect_notification(tx: Transaction, sent: list[_Sent], expected: dict, result: ScenarioResult) -> str:
    kind, change, status = expected["type"], expected.get("change"), expected.get("status")
    order_id = result.orders.get(expected.get("order"), expected.get("order"))
    wanted = " ".join(str(part) for part in (kind, change, order_id and f"of order {order_id}", status and f"({status})") if part)
    of_type = [s for s in sent if s.event.notification_type == kind and s.event.seller_id == result.seller]
    matching = [
        s
        for s in of_type
        if change in (None, s.event.change_type) and order_id in (None, s.order_id) and status in (None, s.status)
    ]
    if not matching:
        seen = "; ".join(_describe(s) for s in of_type) or "none"
        raise RuleViolation(f"expected {wanted}, but the scenario does not notify it (its {kind} notifications: {seen}).")
    subscriptions = subscriptions_of(tx.backend.store, result.seller, kind)
    if not subscriptions:
        return f"{wanted}: notifies (the seller has no {kind} subscription, so none is sent)"
    sent_to = sum(1 for s in matching for subscription in subscriptions if events.selects(subscription, s.event))
    return f"{wanted}: sent {sent_to} time(s) to the seller's {len(subscriptions)} {kind} subscription(s)"


def _describe(sent: _Sent) -> str:
    parts = (sent.event.change_type, sent.order_id and f"of order {sent.order_id}", f"({sent.status})")
    return " ".join(part for part in parts if part)


def _clock_value(name: str, value: Any) -> None:
    if name == "advance_clock":
        try:
            parse_duration(value)
        except ValueError as exc:
            raise RuleViolation(f"{exc}.") from None
    elif name == "unfreeze_clock":
        if value not in (None, True, {}):
            raise RuleViolation("unfreeze_clock takes no value.")
    elif value is not None or name == "set_clock":
        if not isinstance(value, str):
            raise RuleViolation(f"{name} takes a date: ISO 8601, or relative to the mock clock such as now+1d.")
        try:
            parse_fixture_date(value, datetime.now(UTC))
        except ValueError as exc:
            raise RuleViolation(f"{exc}.") from None


def _move_clock(tx: Transaction, name: str, value: Any) -> str:
    if name == "advance_clock":
        tx.advance(parse_duration(value))
    elif name == "set_clock":
        tx.set_time(_when(value, tx))
    elif name == "freeze_clock":
        tx.freeze(_when(value, tx) if isinstance(value, str) else None)
    else:
        tx.unfreeze()
    return f"clock at {to_wire(tx.now)}{' (frozen)' if tx.frozen else ''}"


def _when(value: str, tx: Transaction):
    try:
        return parse_fixture_date(value, tx.now)
    except ValueError as exc:
        raise RuleViolation(f"{exc}.") from None
