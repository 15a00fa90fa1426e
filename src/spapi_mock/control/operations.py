"""Every control-plane operation, declared once.

A declaration names the operation as ``openapi/control.yaml`` does (operationId, method, path),
the method of ``LocalControl`` that performs it, where each of that method's arguments travels
over HTTP, the status it answers, and the command line that runs it. Everything else is derived
from here: the HTTP handlers (``http/handlers/control.py``), the Python client (``HttpControl``)
and the ``spapi-mock`` sub-commands (which print each answer as ``commands.py`` reads it).
``tests/control/test_control_registry.py`` holds these declarations against ``control.yaml`` and
``LocalControl``, so neither side can change alone.

This module stays light (no store, no Connexion): the command line imports it to build
``--help``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from spapi_mock.domain import sellers
from spapi_mock.kernel import resources
from spapi_mock.kernel.dates import EARLIEST_MOCK_TIME, LATEST_MOCK_TIME, DateOutOfRange, parse_duration, parse_fixture_date
from spapi_mock.traffic import faults, throttling

# -- where an argument travels ---------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """One argument of a control operation: its name in Python, its name on the wire, where it
    travels, and its default when it may be left out (``REQUIRED`` when it may not)."""

    arg: str
    wire: str
    where: str  # "path", "query", "field" (of the JSON body), "body" (the whole body), "rest" (**kwargs as body fields)
    default: Any = None

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


def _wire_name(arg: str) -> str:
    """``seller_id`` → ``sellerId``: the control plane's names are camelCase."""
    head, *rest = arg.split("_")
    return head + "".join(part.capitalize() for part in rest)


def path(arg: str) -> Param:
    return Param(arg, _wire_name(arg), "path", REQUIRED)


def query(arg: str, default: Any = None, wire: str | None = None) -> Param:
    return Param(arg, wire or _wire_name(arg), "query", default)


def field_(arg: str, default: Any = None) -> Param:
    return Param(arg, _wire_name(arg), "field", default)


def body(arg: str, default: Any = None) -> Param:
    return Param(arg, "body", "body", default)


def rest(arg: str) -> Param:
    return Param(arg, "body", "rest", None)


SELLER = query("seller_id")


# -- the command line --------------------------------------------------------------------------


@dataclass(frozen=True)
class Arg:
    """An argparse argument: ``Arg("--times", type=int, help=...)``."""

    flags: tuple[str, ...]
    options: dict

    def __init__(self, *flags: str, **options: Any) -> None:
        object.__setattr__(self, "flags", flags)
        object.__setattr__(self, "options", options)


@dataclass(frozen=True)
class Command:
    """How ``spapi-mock`` runs an operation.

    ``words``: the command and its verb, e.g. ``("clock", "set")``; ``("reset",)`` has none. A
    verb that is the group's default runs when the verb is left out (``spapi-mock clock``).
    ``call``: the parsed arguments → the keyword arguments of the service method (by default
    each argument of the method is read from the attribute of the same name).
    ``when``: for two operations behind one command line, whether this one is meant.
    How the answer then reads is ``commands.py``'s, by operationId.
    """

    words: tuple[str, ...]
    help: str
    args: tuple[Arg, ...] = ()
    call: Callable[[argparse.Namespace], dict] | None = None
    when: Callable[[argparse.Namespace], bool] | None = None
    default_verb: bool = False


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str  # under /_mock
    service: str  # the LocalControl method that performs it
    params: tuple[Param, ...] = ()
    status: int = 200
    summary: str = ""
    commands: tuple[Command, ...] = field(default_factory=tuple)
    # Not JSON: the handler answers the service's text as this media type.
    media_type: str | None = None
    # It blocks until something happens (a notification arrives): the handler runs it in a worker
    # thread, or every other request of the server would wait with it.
    waits: bool = False

    @property
    def positional_only(self) -> tuple[str, ...]:
        """Arguments passed by position: the required ones, where the others arrive as keywords
        of any name (applyAction's action arguments, addFault's fields)."""
        if not any(param.where == "rest" for param in self.params):
            return ()
        return tuple(param.arg for param in self.params if param.required)

    def call_arguments(self, arguments: dict[str, Any]) -> tuple[list, dict[str, Any]]:
        """``arguments`` by name → how to call the service method with them."""
        named = dict(arguments)
        return [named.pop(name) for name in self.positional_only if name in named], named


# -- command-line arguments shared by several commands -----------------------------------------


# One argument for every clock verb: `spapi-mock clock VERB [VALUE]`.
_CLOCK_VALUE = Arg("value", nargs="?", help="freeze/set: a date (ISO 8601 or now+1d); advance: a duration (31m, 7d)")


def _clock_call(verb: str, name: str) -> Callable[[argparse.Namespace], dict]:
    def call(args: argparse.Namespace) -> dict:
        if args.value is None and verb != "freeze":
            raise ValueError(f"clock {verb} needs a value, e.g. 'clock {verb} {'now+1d' if verb == 'set' else '31m'}'")
        if args.value is not None:
            _check_clock_value(verb, args.value)
        return {name: args.value}

    return call


def _check_clock_value(verb: str, value: str) -> None:
    """The value's form, said in the command line's words: the control plane's answer names its
    request field (``Invalid by``), which a command line never shows. Range and direction are
    the clock's to refuse."""
    try:
        if verb == "advance":
            parse_duration(value)
        else:
            parse_fixture_date(value, datetime.now(UTC))
    except (OverflowError, DateOutOfRange):
        years = f"{EARLIEST_MOCK_TIME.year} to {LATEST_MOCK_TIME.year}"
        raise ValueError(f"clock {verb} {value}: beyond the years the mock clock can hold, {years}") from None
    except ValueError:
        if verb == "advance":
            forms = "a duration: 45m, 7d, 1d2h30m (whole days, hours, minutes, seconds) or ISO 8601 PT45M, P7D"
        else:
            forms = "a date: ISO 8601 such as 2026-01-15T08:23:11Z, or relative to the mock clock such as now+1d, now-2h30m"
        raise ValueError(f"clock {verb} {value}: not {forms}") from None


def _delay(text: str | None) -> dict | None:
    """``--delay 2000`` or ``--delay 100-500`` as the fault's delay."""
    if not text:
        return None
    low, _, high = text.partition("-")
    if not low.isdigit() or (high and not high.isdigit()):
        raise ValueError(f"--delay takes milliseconds, e.g. 2000 or 100-500, not {text!r}")
    return {"minMs": int(low), "maxMs": int(high)} if high else {"ms": int(low)}


def _fault_spec(args: argparse.Namespace) -> dict:
    spec = {
        "operation": args.operation,
        "orderId": args.order,
        "sellerId": args.fault_seller,
        "times": args.times,
        "status": args.status,
        "body": args.body,
        "drop": args.drop or None,
        "delay": _delay(args.delay),
    }
    return {k: v for k, v in spec.items() if v is not None}


def _key_values(pairs: list[str]) -> dict:
    """reason=NoInventory items=A,B → {"reason": "NoInventory", "items": ["A", "B"]}; values may be JSON."""
    args: dict = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"expected KEY=VALUE, not {pair!r}")
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = value.split(",") if key == "items" else value
        args[key] = [parsed] if key == "items" and not isinstance(parsed, list) else parsed
    return args


def read_document(text: str) -> Any:
    """A JSON text, or the path of a YAML/JSON file."""
    candidate = Path(text)
    if candidate.suffix in (".yaml", ".yml", ".json") and candidate.is_file():
        return resources.load_yaml(candidate.read_text(encoding="utf-8"))
    try:
        return json.loads(text)
    except ValueError:
        raise ValueError(f"{text!r} is neither a JSON document nor a .yaml/.json file") from None


def _is_scenario_file(args: argparse.Namespace) -> bool:
    candidate = Path(args.name)
    return candidate.suffix in (".yaml", ".yml", ".json") and candidate.is_file()


_THROTTLE_FACTOR = Arg("factor", nargs="?", type=float, help="with scaled: the factor (0.1 = a tenth of Amazon's)")
_JOURNAL_FILTERS = (
    Arg("--operation", help="only this operationId"),
    Arg("--order", metavar="ORDER_ID", help="only requests for this order"),
)


_NOTIFICATION_TYPE = Arg("--type", metavar="TYPE", help="only this notificationType, e.g. ORDER_CHANGE")


def _journal_filters(args: argparse.Namespace) -> dict:
    return {"operation": args.operation, "order_id": args.order, "seller_id": args.seller}


# -- the operations ----------------------------------------------------------------------------

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "getHealth",
        "GET",
        "/health",
        "health",
        summary="Whether the server is up and ready, its version, store and clock.",
        commands=(Command(("health",), "show whether the server is up and ready"),),
    ),
    Operation(
        "getClock",
        "GET",
        "/clock",
        "clock",
        commands=(Command(("clock", "show"), "show the mock time", (_CLOCK_VALUE,), default_verb=True),),
    ),
    Operation(
        "freezeClock",
        "POST",
        "/clock/freeze",
        "freeze_clock",
        (field_("at"),),
        commands=(Command(("clock", "freeze"), "stop the clock", (_CLOCK_VALUE,), call=_clock_call("freeze", "at")),),
    ),
    Operation(
        "unfreezeClock",
        "POST",
        "/clock/unfreeze",
        "unfreeze_clock",
        commands=(Command(("clock", "unfreeze"), "let time run again", (_CLOCK_VALUE,)),),
    ),
    Operation(
        "setClock",
        "POST",
        "/clock/set",
        "set_clock",
        (field_("at", REQUIRED),),
        commands=(Command(("clock", "set"), "move the clock to a later time", (_CLOCK_VALUE,), call=_clock_call("set", "at")),),
    ),
    Operation(
        "advanceClock",
        "POST",
        "/clock/advance",
        "advance_clock",
        (field_("by", REQUIRED),),
        commands=(Command(("clock", "advance"), "move the clock forward", (_CLOCK_VALUE,), call=_clock_call("advance", "by")),),
    ),
    Operation(
        "resetStore",
        "POST",
        "/reset",
        "reset",
        (SELLER,),
        commands=(
            Command(
                ("reset",),
                "put the whole server back as it started (with --seller: that seller's orders)",
            ),
        ),
    ),
    Operation(
        "loadFixtures",
        "POST",
        "/fixtures",
        "load_fixtures",
        (body("data", REQUIRED), query("replace", False)),
        commands=(
            Command(
                ("load",),
                "load a fixture file (YAML or JSON) into the store",
                (
                    Arg("file", help="a fixture file"),
                    Arg("--replace", action="store_true", help="make the file's orders the whole store"),
                ),
                call=lambda a: {"data": read_document(a.file), "replace": a.replace},
            ),
        ),
    ),
    Operation("listOrders", "GET", "/orders", "orders", (SELLER, query("limit", 100))),
    Operation(
        "createOrder",
        "POST",
        "/orders",
        "create_order",
        (body("spec"), SELLER),
        status=201,
        commands=(
            Command(
                ("order", "create"),
                "place a new order (Pending unless the spec says otherwise)",
                (Arg("spec", nargs="?", help="JSON, or a YAML/JSON file: {order: {...}, items: [...]}"),),
                call=lambda a: {"spec": read_document(a.spec) if a.spec else {}, "seller_id": a.seller},
            ),
        ),
    ),
    Operation("getOrderDetails", "GET", "/orders/{orderId}", "order", (path("order_id"), SELLER)),
    Operation(
        "getOrderFinances",
        "GET",
        "/orders/{orderId}/finances",
        "order_finances",
        (path("order_id"), SELLER),
        commands=(
            Command(
                ("order", "finances"),
                "show an order's money: its financial events (pending ones too) and totals",
                (Arg("order_id"),),
            ),
        ),
    ),
    Operation(
        "listFeeds",
        "GET",
        "/feeds",
        "feeds",
        (SELLER, query("limit", 100)),
        commands=(Command(("feed", "list"), "list the seller's feeds, newest first, with each message's outcome"),),
    ),
    Operation(
        "listReports",
        "GET",
        "/reports",
        "reports",
        (SELLER, query("limit", 100)),
        commands=(Command(("report", "list"), "list the seller's reports, newest first, and its schedules"),),
    ),
    Operation(
        "getReportContent",
        "GET",
        "/reports/{reportId}/document",
        "report_document",
        (path("report_id"), SELLER),
        media_type="text/plain",
    ),
    Operation(
        "processReports",
        "POST",
        "/reports/process",
        "process_reports",
        (SELLER,),
        commands=(Command(("report", "process"), "produce the seller's queued reports now, whatever the clock"),),
    ),
    Operation(
        "processFeeds",
        "POST",
        "/feeds/process",
        "process_feeds",
        (SELLER,),
        commands=(Command(("feed", "process"), "run the seller's queued feeds to their end now, whatever the clock"),),
    ),
    Operation(
        "applyAction",
        "POST",
        "/orders/{orderId}/actions",
        "apply",
        (path("order_id"), field_("action", REQUIRED), SELLER, rest("args")),
        commands=(
            Command(
                ("order", "apply"),
                "apply one action to an order (see 'spapi-mock actions')",
                (
                    Arg("order_id"),
                    Arg("action"),
                    Arg("arguments", nargs="*", metavar="KEY=VALUE", help="e.g. reason=NoInventory items=SKU-1,SKU-2"),
                ),
                call=lambda a: {"order_id": a.order_id, "action": a.action, "seller_id": a.seller, **_key_values(a.arguments)},
            ),
        ),
    ),
    Operation(
        "listActions",
        "GET",
        "/actions",
        "list_actions",
        commands=(Command(("actions",), "list the actions and their arguments"),),
    ),
    Operation(
        "listScenarios",
        "GET",
        "/scenarios",
        "list_scenarios",
        commands=(Command(("scenario", "list"), "list the scenarios that can be run by name"),),
    ),
    Operation(
        "runInlineScenario",
        "POST",
        "/scenarios/run",
        "run_inline_scenario",
        (body("scenario", REQUIRED), SELLER),
        commands=(
            # A file of the user's own is read here and sent whole: the server runs by name only
            # the scenarios of its own directories.
            Command(
                ("scenario", "run"),
                "run a scenario by name or file; nothing changes if a step fails",
                (Arg("name", help="a scenario name (see 'scenario list') or a .yaml/.json file"),),
                call=lambda a: {"scenario": read_document(a.name), "seller_id": a.seller},
                when=_is_scenario_file,
            ),
        ),
    ),
    Operation(
        "runScenario",
        "POST",
        "/scenarios/{name}/run",
        "run_scenario",
        (path("name"), SELLER),
        commands=(
            Command(
                ("scenario", "run"),
                "run a scenario by name or file; nothing changes if a step fails",
                (Arg("name", help="a scenario name (see 'scenario list') or a .yaml/.json file"),),
            ),
        ),
    ),
    Operation(
        "getCancellationRate",
        "GET",
        "/cancellation-rate",
        "cancellation_rate",
        (SELLER, query("marketplace_ids", wire="marketplaceId")),
        commands=(
            Command(
                ("rate",),
                "show the cancellation rate per marketplace",
                (Arg("--marketplace", action="append", metavar="ID", help="only this marketplace (repeatable)"),),
                call=lambda a: {"seller_id": a.seller, "marketplace_ids": a.marketplace},
            ),
        ),
    ),
    Operation(
        "listSellers",
        "GET",
        "/sellers",
        "sellers",
        commands=(Command(("seller", "list"), "list the sellers and their refresh tokens"),),
    ),
    Operation(
        "createSeller",
        "POST",
        "/sellers",
        "create_seller",
        (field_("seller_id"), field_("seed", "default"), field_("refresh_token"), field_("marketplace_ids")),
        status=201,
        commands=(
            Command(
                ("seller", "create"),
                "create a seller (seeded with the default orders)",
                (
                    Arg("seller_id", nargs="?", help="its id (default: made up)"),
                    Arg("--seed", choices=sellers.SEEDS, default="default"),
                    Arg("--refresh-token", help="a refresh token of your own that should act for it"),
                    Arg(
                        "--marketplace",
                        dest="marketplace_ids",
                        action="append",
                        metavar="ID",
                        help="a marketplace it sells in, for the Sellers API (repeatable; default: those of its orders)",
                    ),
                ),
            ),
        ),
    ),
    Operation(
        "deleteSeller",
        "DELETE",
        "/sellers/{sellerId}",
        "delete_seller",
        (path("seller_id"),),
        commands=(Command(("seller", "delete"), "forget a seller and its orders", (Arg("seller_id"),)),),
    ),
    Operation(
        "getThrottling",
        "GET",
        "/throttling",
        "throttling",
        commands=(Command(("throttling", "show"), "show the throttling mode", (_THROTTLE_FACTOR,), default_verb=True),),
    ),
    Operation(
        "setThrottling",
        "PUT",
        "/throttling",
        "set_throttling",
        (field_("mode", REQUIRED), field_("factor")),
        commands=tuple(
            Command(
                ("throttling", mode),
                help,
                (_THROTTLE_FACTOR,),
                call=lambda a, mode=mode: {"mode": mode, "factor": a.factor},
            )
            for mode, help in zip(
                throttling.MODES,
                ("no 429s", "Amazon's usage plans", "Amazon's plans times a factor"),
                strict=True,
            )
        ),
    ),
    Operation(
        "listFaults",
        "GET",
        "/faults",
        "faults",
        (SELLER,),
        commands=(Command(("fault", "list"), "list the fault rules"),),
    ),
    Operation(
        "addFault",
        "POST",
        "/faults",
        "add_fault",
        (rest("spec"),),
        status=201,
        commands=(
            Command(
                ("fault", "add"),
                "add a fault rule (the first matching rule applies)",
                (
                    Arg("--operation", default="*", help="an operationId (getOrders, createToken...) or * (default)"),
                    Arg("--order", metavar="ORDER_ID", help="only requests for this order"),
                    Arg("--fault-seller", metavar="ID", help="only requests made with this seller's tokens"),
                    Arg("--times", type=int, metavar="N", help="the next N matching requests (default: until cleared)"),
                    Arg("--status", type=int, choices=faults.ERROR_STATUSES, help="answer this error"),
                    Arg("--delay", metavar="MS|MIN-MAX", help="wait this long first, e.g. 2000 or 100-500"),
                    Arg("--body", choices=faults.BODIES, help="answer 200 with a broken body"),
                    Arg("--drop", action="store_true", help="close the connection without an answer"),
                ),
                call=_fault_spec,
            ),
        ),
    ),
    Operation(
        "clearFaults",
        "DELETE",
        "/faults",
        "clear_faults",
        (SELLER,),
        commands=(
            Command(
                ("fault", "clear"),
                "remove one rule, or all of them",
                (Arg("fault_id", nargs="?"),),
                call=lambda a: {"seller_id": a.seller},
            ),
        ),
    ),
    Operation(
        "deleteFault",
        "DELETE",
        "/faults/{faultId}",
        "delete_fault",
        (path("fault_id"),),
        commands=(
            Command(
                ("fault", "clear"),
                "remove one rule, or all of them",
                (Arg("fault_id", nargs="?"),),
                when=lambda a: bool(a.fault_id),
            ),
        ),
    ),
    Operation(
        "getJournal",
        "GET",
        "/journal",
        "journal",
        (query("operation"), query("order_id"), SELLER, query("limit")),
        commands=(
            Command(
                ("journal",),
                "show (or --clear) the requests the server received",
                (
                    *_JOURNAL_FILTERS,
                    Arg("--limit", type=int, metavar="N", help="only the last N"),
                    Arg("--clear", action="store_true", help="forget the matching requests"),
                ),
                call=lambda a: {**_journal_filters(a), "limit": a.limit},
            ),
        ),
    ),
    Operation(
        "clearJournal",
        "DELETE",
        "/journal",
        "clear_journal",
        (query("operation"), query("order_id"), SELLER),
        commands=(
            Command(
                ("journal",),
                "show (or --clear) the requests the server received",
                (
                    *_JOURNAL_FILTERS,
                    Arg("--limit", type=int, metavar="N", help="only the last N"),
                    Arg("--clear", action="store_true", help="forget the matching requests"),
                ),
                call=_journal_filters,
                when=lambda a: a.clear,
            ),
        ),
    ),
    Operation(
        "listNotifications",
        "GET",
        "/notifications",
        "notifications",
        (SELLER, query("notification_type")),
        commands=(
            Command(
                ("notification", "list"),
                "list the seller's delivered notifications (the built-in inbox), oldest first",
                (_NOTIFICATION_TYPE,),
                call=lambda a: {"seller_id": a.seller, "notification_type": a.type},
            ),
        ),
    ),
    Operation(
        "waitForNotification",
        "GET",
        "/notifications/wait",
        "wait_for_notification",
        (query("notification_type"), query("timeout", 10.0), SELLER),
        commands=(
            Command(
                ("notification", "wait"),
                "wait for the seller's first notification (of a type) to arrive",
                (_NOTIFICATION_TYPE, Arg("--timeout", type=float, default=10.0, metavar="SECONDS")),
                call=lambda a: {"notification_type": a.type, "timeout": a.timeout, "seller_id": a.seller},
            ),
        ),
        waits=True,
    ),
    Operation(
        "clearNotifications",
        "DELETE",
        "/notifications",
        "clear_notifications",
        (SELLER, query("notification_type")),
        commands=(
            Command(
                ("notification", "clear"),
                "forget the seller's notifications (of a type)",
                (_NOTIFICATION_TYPE,),
                call=lambda a: {"seller_id": a.seller, "notification_type": a.type},
            ),
        ),
    ),
    Operation(
        "sendTestNotification",
        "POST",
        "/notifications/test",
        "send_test_notification",
        (field_("subscription_id", REQUIRED), SELLER),
        status=201,
        commands=(
            Command(
                ("notification", "test"),
                "send an ORDER_CHANGE of the seller's latest order to one of its subscriptions",
                (Arg("subscription_id"),),
            ),
        ),
    ),
    Operation(
        "listNotificationSubscriptions",
        "GET",
        "/notifications/subscriptions",
        "notification_subscriptions",
        (SELLER,),
        commands=(
            Command(
                ("notification", "subscriptions"),
                "list the seller's notification subscriptions and the application's destinations",
            ),
        ),
    ),
    Operation(
        "getAuth",
        "GET",
        "/auth",
        "auth",
        commands=(Command(("auth", "show"), "show whether auth is strict", default_verb=True),),
    ),
    Operation(
        "setAuth",
        "PUT",
        "/auth",
        "set_auth",
        (field_("strict", REQUIRED),),
        commands=(
            Command(("auth", "strict"), "accept only tokens the mock issued", call=lambda a: {"strict": True}),
            Command(("auth", "lenient"), "accept any token", call=lambda a: {"strict": False}),
        ),
    ),
    Operation("getDashboard", "GET", "/dashboard", "dashboard_page", media_type="text/html"),
    Operation("getIndex", "GET", "/", "index"),
)

# What each command group is for, in `spapi-mock --help`.
GROUPS = {
    "clock": "show or move the mock's clock",
    "scenario": "list or run scenarios",
    "seller": "sellers of their own, one per test run",
    "throttling": "show or switch usage-plan throttling",
    "fault": "make requests fail on purpose",
    "auth": "show or switch strict auth",
    "order": "place an order, apply an action to one, or show its money",
    "feed": "list the seller's feeds, or process the queued ones now",
    "report": "list the seller's reports and schedules, or produce the queued ones now",
    "notification": "read, wait on or clear the seller's built-in notification inbox, or send a test notification",
}

BY_ID: dict[str, Operation] = {operation.operation_id: operation for operation in OPERATIONS}
