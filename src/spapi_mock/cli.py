"""The ``spapi-mock`` command."""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import sys
import warnings
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from . import __version__
from .config import Config
from .dates import parse_duration
from .domain.policy import Policy
from .fixtures import FixtureError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="spapi-mock", description="A local, stateful mock of Amazon's SP-API Orders API.")
    parser.add_argument("--version", action="version", version=f"spapi-mock {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="start the mock server")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    serve.add_argument("--port", type=int, default=8080, help="port to listen on (default: 8080)")
    serve.add_argument("--fixtures", type=Path, metavar="DIR", help="directory of fixture files (default: the built-in set)")
    serve.add_argument(
        "--db", type=Path, metavar="FILE", help="TinyDB JSON file that keeps state across restarts (default: in memory)"
    )
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])

    serve.add_argument("--scenarios", type=Path, metavar="DIR", help="directory of your own scenario files")
    policy = serve.add_argument_group("Amazon's policy numbers (defaults are Amazon's)")
    policy.add_argument(
        "--self-cancel-window",
        type=_duration,
        default="30m",
        metavar="DURATION",
        help="how long after purchase the buyer can cancel directly (default: 30m)",
    )
    policy.add_argument(
        "--auto-cancel-after",
        type=_duration,
        default="7d",
        metavar="DURATION",
        help="Amazon cancels an unshipped MFN order this long after LatestShipDate (default: 7d)",
    )
    policy.add_argument(
        "--rate-threshold",
        type=_percent,
        default="2.5",
        metavar="PERCENT",
        help="cancellation rate at or above which the account is at risk (default: 2.5)",
    )
    policy.add_argument(
        "--rate-window",
        type=_duration,
        default="7d",
        metavar="DURATION",
        help="rolling window of the cancellation rate (default: 7d)",
    )
    realism = serve.add_argument_group("client-testing realism (each can also be switched at run time)")
    realism.add_argument(
        "--throttling",
        choices=["off", "amazon", "scaled"],
        default="off",
        help="usage-plan throttling: off (default), Amazon's plans, or plans scaled by --throttle-factor",
    )
    realism.add_argument("--throttle-factor", type=_positive, default=1.0, metavar="F", help="with --throttling scaled")
    realism.add_argument(
        "--strict-auth",
        action="store_true",
        help="accept only tokens from /auth/o2/token, expiring on the mock clock; personal data needs an RDT",
    )
    realism.add_argument("--journal-size", type=int, default=10_000, metavar="N", help="requests the journal keeps")
    _defaults_from_environment(serve)
    _add_control_commands(commands)
    _add_fixtures_command(commands)

    args = parser.parse_args(argv)
    # Connexion imports Starlette's test client at import time, which warns about httpx;
    # nothing a user of the command can act on.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    if args.command == "serve":
        return serve_command(args)
    if args.command == "fixtures":
        return fixtures_command(args)
    return control_command(args)


ENV_PREFIX = "SPAPI_MOCK_"


def _defaults_from_environment(parser: argparse.ArgumentParser) -> None:
    """Every serve option can come from the environment (``--strict-auth`` is
    ``SPAPI_MOCK_STRICT_AUTH=true``), as a container is configured; flags still win."""
    parser.epilog = f"Each option can also be set as an environment variable: --rate-window is {ENV_PREFIX}RATE_WINDOW."
    for action in parser._actions:
        name = ENV_PREFIX + action.dest.upper()
        if not action.option_strings or action.dest == "help" or name not in os.environ:
            continue
        text = os.environ[name].strip()
        if action.nargs == 0 and action.const is True:  # a flag such as --strict-auth
            if text.lower() not in ("1", "true", "yes", "on", "0", "false", "no", "off", ""):
                parser.error(f"{name}={text!r}: expected true or false")
            action.default = text.lower() in ("1", "true", "yes", "on")
            continue
        try:
            value = action.type(text) if action.type else text
        except (argparse.ArgumentTypeError, ValueError) as exc:
            parser.error(f"{name}={text!r}: {exc}")
        if action.choices and value not in action.choices:
            parser.error(f"{name}={text!r}: expected one of {', '.join(action.choices)}")
        action.default = value


def _duration(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number greater than 0")
    return value


def _percent(text: str) -> Decimal:
    try:
        value = Decimal(text.rstrip("%"))
    except ArithmeticError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a percentage such as 2.5") from None
    if not 0 < value <= 100:
        raise argparse.ArgumentTypeError(f"'{text}' is not a percentage between 0 and 100")
    return value / 100


def _add_control_commands(commands) -> None:
    """Sub-commands that drive the control plane of a running server (--url) or a store file (--db)."""
    target = argparse.ArgumentParser(add_help=False)
    where = target.add_mutually_exclusive_group()
    where.add_argument(
        "--url",
        default=os.environ.get("SPAPI_MOCK_URL", "http://127.0.0.1:8080"),
        help="a running server (default: $SPAPI_MOCK_URL or http://127.0.0.1:8080)",
    )
    where.add_argument("--db", type=Path, metavar="FILE", help="act on this store file instead of a server")
    target.add_argument("--fixtures", type=Path, metavar="DIR", help="with --db: fixtures a new store file starts from")
    target.add_argument("--scenarios", type=Path, metavar="DIR", help="with --db: directory of your own scenario files")
    target.add_argument("--seller", metavar="ID", help="the selling partner to act for (default: the mock's default seller)")
    target.add_argument("--json", action="store_true", help="print the JSON answer instead of a summary")

    scenario = commands.add_parser("scenario", help="list or run scenarios").add_subparsers(dest="verb", required=True)
    scenario.add_parser("list", parents=[target], help="list the scenarios that can be run by name")
    run = scenario.add_parser("run", parents=[target], help="run a scenario by name or file; nothing changes if a step fails")
    run.add_argument("name", help="a scenario name (see 'scenario list') or a .yaml/.json file")

    clock = commands.add_parser("clock", parents=[target], help="show or move the mock's clock")
    clock.add_argument("verb", nargs="?", default="show", choices=["show", "freeze", "unfreeze", "set", "advance"])
    clock.add_argument("value", nargs="?", help="freeze/set: a date (ISO 8601 or now+1d); advance: a duration (31m, 7d)")

    commands.add_parser("reset", parents=[target], help="put every order back to the fixtures (with --seller: that seller's)")

    seller = commands.add_parser("seller", help="sellers of their own, one per test run").add_subparsers(
        dest="verb", required=True
    )
    seller.add_parser("list", parents=[target], help="list the sellers and their refresh tokens")
    new_seller = seller.add_parser("create", parents=[target], help="create a seller (seeded with the default orders)")
    new_seller.add_argument("seller_id", nargs="?", help="its id (default: made up)")
    new_seller.add_argument("--seed", choices=["default", "empty"], default="default")
    new_seller.add_argument("--refresh-token", help="a refresh token of your own that should act for it")
    seller.add_parser("delete", parents=[target], help="forget a seller and its orders").add_argument("seller_id")

    throttling = commands.add_parser("throttling", parents=[target], help="show or switch usage-plan throttling")
    throttling.add_argument("mode", nargs="?", choices=["show", "off", "amazon", "scaled"], default="show")
    throttling.add_argument("factor", nargs="?", type=_positive, help="with scaled: the factor (0.1 = a tenth of Amazon's)")

    fault = commands.add_parser("fault", help="make requests fail on purpose").add_subparsers(dest="verb", required=True)
    add = fault.add_parser("add", parents=[target], help="add a fault rule (the first matching rule applies)")
    add.add_argument("--operation", default="*", help="an operationId (getOrders, createToken...) or * (default)")
    add.add_argument("--order", metavar="ORDER_ID", help="only requests for this order")
    add.add_argument("--fault-seller", metavar="ID", help="only requests made with this seller's tokens")
    add.add_argument("--times", type=int, metavar="N", help="the next N matching requests (default: until cleared)")
    add.add_argument("--status", type=int, choices=[400, 403, 404, 429, 500, 503], help="answer this error")
    add.add_argument("--delay", metavar="MS|MIN-MAX", help="wait this long first, e.g. 2000 or 100-500")
    add.add_argument("--body", choices=["malformed", "empty"], help="answer 200 with a broken body")
    add.add_argument("--drop", action="store_true", help="close the connection without an answer")
    fault.add_parser("list", parents=[target], help="list the fault rules")
    clear = fault.add_parser("clear", parents=[target], help="remove one rule, or all of them")
    clear.add_argument("fault_id", nargs="?")

    journal = commands.add_parser("journal", parents=[target], help="show (or --clear) the requests the server received")
    journal.add_argument("--operation", help="only this operationId")
    journal.add_argument("--order", metavar="ORDER_ID", help="only requests for this order")
    journal.add_argument("--limit", type=int, metavar="N", help="only the last N")
    journal.add_argument("--clear", action="store_true", help="forget the matching requests")

    auth = commands.add_parser("auth", parents=[target], help="show or switch strict auth")
    auth.add_argument("mode", nargs="?", choices=["show", "strict", "lenient"], default="show")
    load = commands.add_parser("load", parents=[target], help="load a fixture file (YAML or JSON) into the store")
    load.add_argument("file", type=Path)
    load.add_argument("--replace", action="store_true", help="make the file's orders the whole store")

    order = commands.add_parser("order", help="place an order or apply an action to one").add_subparsers(
        dest="verb", required=True
    )
    create = order.add_parser("create", parents=[target], help="place a new order (Pending unless the spec says otherwise)")
    create.add_argument("spec", nargs="?", help="JSON, or a YAML/JSON file: {order: {...}, items: [...]}")
    apply = order.add_parser("apply", parents=[target], help="apply one action to an order (see 'spapi-mock actions')")
    apply.add_argument("order_id")
    apply.add_argument("action")
    apply.add_argument("arguments", nargs="*", metavar="KEY=VALUE", help="e.g. reason=NoInventory items=SKU-1,SKU-2")

    commands.add_parser("actions", parents=[target], help="list the actions and their arguments")
    rate = commands.add_parser("rate", parents=[target], help="show the cancellation rate per marketplace")
    rate.add_argument("--marketplace", action="append", metavar="ID", help="only this marketplace (repeatable)")


def _add_fixtures_command(commands) -> None:
    """``fixtures generate``: a large, realistic fixture set (spapi_mock.fixture_generator)."""
    from .fixture_generator import DEFAULT_OUT, DEFAULT_SEED

    fixtures = commands.add_parser("fixtures", help="make fixture sets").add_subparsers(dest="verb", required=True)
    generate = fixtures.add_parser(
        "generate",
        help="write a realistic fixture set of N orders: the same seed gives the same bytes",
        description="Write N realistic orders (every status, AFN and MFN, buyer cancellation requests, cancellations "
        "with who cancelled) as fixture files for 'spapi-mock serve --fixtures DIR'. Dates are relative to the clock "
        "at load, so a set never goes stale; the same --orders, --seed and --sellers write the same bytes (with the "
        "same Faker version).",
    )
    generate.add_argument("--orders", type=int, required=True, metavar="N", help="how many orders")
    generate.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"the set's seed (default: {DEFAULT_SEED})")
    generate.add_argument(
        "--sellers", type=int, default=1, metavar="K", help="over K sellers, the default seller first (default: 1)"
    )
    generate.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help=f"a new or empty directory (default: ./{DEFAULT_OUT})"
    )
    generate.add_argument(
        "--force", action="store_true", help="write into a non-empty DIR, replacing its *.json/*.yaml/*.yml files"
    )
    generate.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        help="show a progress bar on stderr (default: only when stderr is a terminal)",
    )


def fixtures_command(args: argparse.Namespace) -> int:
    from .fixture_generator import GeneratorError, generate_fixture_set

    try:
        generated = generate_fixture_set(args.out, args.orders, args.seed, args.sellers, force=args.force, progress=args.progress)
    except GeneratorError as exc:
        print(f"spapi-mock fixtures generate: {exc}", file=sys.stderr)
        return 2
    print(generated.summary())
    return 0


def control_command(args: argparse.Namespace) -> int:
    from .control import ControlError, HttpControl, LocalControl

    try:
        if args.db:
            control = LocalControl.open(args.db, args.fixtures, args.scenarios)
        else:
            control = HttpControl(args.url)
        answer = _dispatch(control, args)
    except ControlError as exc:
        print(f"spapi-mock: {exc.message}", file=sys.stderr)
        return 1
    except (FixtureError, ValueError) as exc:
        print(f"spapi-mock: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(answer, indent=2, ensure_ascii=False) if args.json else _summary(args, answer))
    return 0


def _dispatch(control, args: argparse.Namespace) -> dict:
    command, verb = args.command, getattr(args, "verb", None)
    if command == "scenario":
        return control.list_scenarios() if verb == "list" else control.run_scenario(args.name, args.seller)
    if command == "clock":
        if verb in ("set", "advance") and not args.value:
            raise ValueError(f"clock {verb} needs a value, e.g. 'clock {verb} {'now+1d' if verb == 'set' else '31m'}'")
        calls = {
            "show": control.clock,
            "freeze": lambda: control.freeze_clock(args.value),
            "unfreeze": control.unfreeze_clock,
            "set": lambda: control.set_clock(args.value),
            "advance": lambda: control.advance_clock(args.value),
        }
        return calls[verb]()
    if command == "reset":
        return control.reset(args.seller)
    if command == "seller":
        if verb == "list":
            return control.sellers()
        if verb == "create":
            return control.create_seller(args.seller_id, args.seed, args.refresh_token)
        return control.delete_seller(args.seller_id)
    if command == "throttling":
        return control.throttling() if args.mode == "show" else control.set_throttling(args.mode, args.factor)
    if command == "fault":
        if verb == "list":
            return control.faults(args.seller)
        if verb == "clear":
            return control.delete_fault(args.fault_id) if args.fault_id else control.clear_faults(args.seller)
        return control.add_fault(**_fault_spec(args))
    if command == "journal":
        filters = {"operation": args.operation, "order_id": args.order, "seller_id": args.seller}
        return control.clear_journal(**filters) if args.clear else control.journal(**filters, limit=args.limit)
    if command == "auth":
        return control.auth() if args.mode == "show" else control.set_auth(args.mode == "strict")
    if command == "load":
        return control.load_fixtures(_read_document(str(args.file)), replace=args.replace)
    if command == "order" and verb == "create":
        return control.create_order(_read_document(args.spec) if args.spec else {}, args.seller)
    if command == "order":
        return control.apply(args.order_id, args.action, args.seller, **_key_values(args.arguments))
    if command == "actions":
        return control.list_actions()
    return control.cancellation_rate(args.seller, args.marketplace)


def _fault_spec(args: argparse.Namespace) -> dict:
    spec = {
        "operation": args.operation,
        "orderId": args.order,
        "sellerId": args.fault_seller,
        "times": args.times,
        "status": args.status,
        "body": args.body,
        "drop": args.drop or None,
    }
    if args.delay:
        low, _, high = args.delay.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            raise ValueError(f"--delay takes milliseconds, e.g. 2000 or 100-500, not {args.delay!r}")
        spec["delay"] = {"minMs": int(low), "maxMs": int(high)} if high else {"ms": int(low)}
    return {k: v for k, v in spec.items() if v is not None}


def _read_document(text: str):
    """A JSON text, or the path of a YAML/JSON file."""
    from . import resources

    path = Path(text)
    if path.suffix in (".yaml", ".yml", ".json") and path.is_file():
        return resources.load_yaml(path.read_text(encoding="utf-8"))
    try:
        return json.loads(text)
    except ValueError:
        raise ValueError(f"{text!r} is neither a JSON document nor a .yaml/.json file") from None


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


def _summary(args: argparse.Namespace, answer: dict) -> str:
    if "log" in answer:
        lines = [f"scenario {answer['scenario']} (seller {answer['sellerId']}):", *(f"  {line}" for line in answer["log"])]
        names = list(answer["orders"].items())
        # A batch (place_order count: 80) would bury the log; show its ends, --json has all.
        shown = names if len(names) <= 12 else [*names[:5], ("…", f"{len(names) - 10} more (--json lists all)"), *names[-5:]]
        lines += [f"  {name} = {order_id}" for name, order_id in shown]
        lines.append(f"  clock: {answer['clock']['now']}{' (frozen)' if answer['clock']['frozen'] else ''}")
        return "\n".join(lines)
    if "scenarios" in answer:
        return "\n".join(f"{s['name']:<40} {s['description']}" for s in answer["scenarios"])
    if "actions" in answer:
        return "\n".join(f"{a['name']:<28} {a['summary']}" for a in answer["actions"])
    if "rates" in answer:
        return (
            "\n".join(
                f"{r['marketplaceId']:<16} {r['sellerCancelledOrders']}/{r['orders']} = {r['rate']:.2%}"
                f"{'  BREACHED (>= ' + format(r['threshold'], '.1%') + ')' if r['breached'] else ''}"
                for r in answer["rates"]
            )
            or "no orders"
        )
    if "sellers" in answer:
        return "\n".join(
            f"{s['sellerId']:<24} {s['orders']:>6} orders  refresh token {s['refreshToken']}" for s in answer["sellers"]
        )
    if "sellerId" in answer and "refreshToken" in answer:
        return f"seller {answer['sellerId']}: {answer['orders']} orders, refresh token {answer['refreshToken']}"
    if "mode" in answer and "operations" in answer:
        return f"throttling {answer['mode']}" + (f" (x{answer['factor']:g})" if answer["mode"] == "scaled" else "")
    if "faults" in answer:
        return "\n".join(json.dumps(f) for f in answer["faults"]) or "no faults"
    if "faultId" in answer:
        return f"{answer['faultId']}: {json.dumps(answer)}"
    if "requests" in answer:
        lines = [
            f"{r['at']}  {r['status'] or 'dropped'}  {r['method']} {r['path']}  ({r['operation'] or '-'})"
            for r in answer["requests"]
        ]
        return "\n".join([*lines, f"{answer['count']} request(s)"])
    if "cleared" in answer:
        return f"cleared {answer['cleared']}"
    if "strict" in answer:
        return "strict auth" if answer["strict"] else "lenient auth (any token is accepted)"
    if "now" in answer:
        return f"{answer['now']}{' (frozen)' if answer['frozen'] else ''}"
    if "order" in answer:
        order = answer["order"]
        return f"{order['AmazonOrderId']} {order['OrderStatus']} (last update {order['LastUpdateDate']})"
    return json.dumps(answer)


def serve_command(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app

    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.log_level != "debug":
        # Connexion announces each spec it mounts; the banner already says where they are.
        logging.getLogger("connexion").setLevel(logging.WARNING)
    policy = Policy(
        buyer_self_cancel_window=args.self_cancel_window,
        auto_cancel_after=args.auto_cancel_after,
        cancellation_rate_threshold=args.rate_threshold,
        cancellation_rate_window=args.rate_window,
    )
    config = Config(
        host=args.host,
        port=args.port,
        fixtures_dir=args.fixtures,
        db_path=args.db,
        scenarios_dir=args.scenarios,
        policy=policy,
        throttling=args.throttling,
        throttle_factor=args.throttle_factor,
        strict_auth=args.strict_auth,
        journal_size=args.journal_size,
    )
    try:
        app = create_app(config)
    except FixtureError as exc:
        print(f"spapi-mock: fixtures refused: {exc}", file=sys.stderr)
        return 2
    # The loaded store is long-lived: keep the cyclic garbage collector from walking it on
    # every full collection (at 100,000 orders those pauses reached most of a second).
    gc.collect()
    gc.freeze()
    print(banner(config, app.app.extensions["spapi_mock"], args.log_level), flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=args.log_level == "debug")
    return 0


def banner(config: Config, services, log_level: str = "info") -> str:
    """Where everything is, and which modes are on."""
    host = "localhost" if config.host in ("0.0.0.0", "::") else config.host
    base = f"http://{host}:{config.port}"
    store = f"{config.db_path} (kept across restarts)" if config.db_path else f"in memory, from {config.fixtures()}"
    logged = log_level in ("debug", "info")
    rows = [
        ("Orders API v0", f"{base}/orders/v0/orders", f"{base}/ui/"),
        ("Orders v2026-01-01", f"{base}/orders/2026-01-01/orders", f"{base}/orders/2026-01-01/ui/"),
        ("Tokens API", f"{base}/tokens/2021-03-01/restrictedDataToken", f"{base}/tokens/2021-03-01/ui/"),
        ("token endpoint", f"{base}/auth/o2/token", ""),
        ("control plane", f"{base}/_mock/", f"{base}/_mock/ui/"),
        ("dashboard", f"{base}/_mock/dashboard", ""),
        ("store", store, ""),
        ("throttling", _throttling_line(config), ""),
        ("auth", _auth_line(config), ""),
        ("request log", "a line per request" if logged else "off (on: --log-level info)", ""),
    ]
    sellers = services.store.sellers()
    lines = [f"spapi-mock {__version__}: {services.store.count()} orders, seller(s) {', '.join(sellers)}"]
    lines += [f"  {name:<19} {where}" + (f"  (docs {docs})" if docs else "") for name, where, docs in rows]
    return "\n".join(lines)


def _auth_line(config: Config) -> str:
    if config.strict_auth:
        return "strict: only tokens from /auth/o2/token, expiring on the mock clock; personal data needs an RDT"
    return "lenient: any x-amz-access-token is accepted (strict: --strict-auth)"


def _throttling_line(config: Config) -> str:
    if config.throttling == "off":
        return "off: no 429s (switch on: --throttling amazon, or 'spapi-mock throttling amazon')"
    if config.throttling == "scaled":
        return f"Amazon's usage plans x{config.throttle_factor:g}"
    return "Amazon's usage plans (getOrders 0.0167/s, burst 20)"


if __name__ == "__main__":
    sys.exit(main())
