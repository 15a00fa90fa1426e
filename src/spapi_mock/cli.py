"""The ``spapi-mock`` command."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import signal
import socket
import sys
import warnings
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from spapi_mock import __version__
from spapi_mock.config import Config
from spapi_mock.control import cli as control_cli
from spapi_mock.domain.exceptions import FixtureError
from spapi_mock.domain.jobs import ProcessingTiming
from spapi_mock.domain.policy import Policy
from spapi_mock.kernel.dates import parse_duration
from spapi_mock.traffic import throttling

DESCRIPTION = (
    "A local, stateful mock of Amazon's Selling Partner API: Orders (v0 and v2026-01-01), Feeds, Reports and "
    "Notifications, with a control plane to move its clock and its orders."
)


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader stopped reading (`spapi-mock journal | head -5`): not a failure to report.
        # Point stdout at nothing so that Python's own flush at exit does not raise it again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: every command and option (the docs site's reference page is made from it)."""
    parser = argparse.ArgumentParser(prog="spapi-mock", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"spapi-mock {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="start the mock server")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    serve.add_argument("--port", type=_port, default=8080, help="port to listen on, 1-65535 (default: 8080; 0: any free port)")
    serve.add_argument(
        "--fixtures", type=_directory, metavar="DIR", help="directory of fixture files (default: the built-in set)"
    )
    serve.add_argument(
        "--db", type=_store_file, metavar="FILE", help="store file that keeps state across restarts (default: in memory)"
    )
    serve.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    serve.add_argument(
        "--allow-hosts",
        type=_host_names,
        action="extend",
        default=[],
        metavar="NAMES",
        help="host names the mock answers to besides localhost and loopback addresses, comma-separated "
        "(a service container's alias, say; '*': any). Other Host headers get 403, against DNS rebinding",
    )
    serve.add_argument(
        "--control-token",
        metavar="TOKEN",
        help="the control plane (/_mock) then answers only calls that send it as X-Mock-Token; the CLI sends "
        "SPAPI_MOCK_CONTROL_TOKEN; open the dashboard once as /_mock/dashboard?token=TOKEN",
    )

    serve.add_argument("--scenarios", type=_directory, metavar="DIR", help="directory of your own scenario files")
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
    policy.add_argument(
        "--finance-delay",
        type=_duration,
        default="48h",
        metavar="DURATION",
        help="a shipment's or refund's financial event is posted this long after it (default: 48h; 0m posts at once)",
    )
    policy.add_argument(
        "--finance-deferral",
        type=_duration,
        default="0m",
        metavar="DURATION",
        help="posted funds are held (DEFERRED) this long before release (default: 0m; Amazon's Delivery Date Policy: 7d)",
    )
    policy.add_argument(
        "--settlement-period",
        type=_duration,
        default="14d",
        metavar="DURATION",
        help="length of a settlement period, one financial event group each (default: 14d)",
    )
    realism = serve.add_argument_group("client-testing realism (each can also be switched at run time)")
    realism.add_argument(
        "--throttling",
        choices=throttling.MODES,
        default="off",
        help="usage-plan throttling: off (default), Amazon's plans, or plans scaled by --throttle-factor",
    )
    realism.add_argument(
        "--throttle-factor",
        type=_factor,
        default=1.0,
        metavar="F",
        help=f"with --throttling scaled (0 < F <= {throttling.MAX_FACTOR})",
    )
    realism.add_argument(
        "--strict-auth",
        action="store_true",
        help="accept only tokens from /auth/o2/token, expiring on the mock clock; personal data needs an RDT",
    )
    realism.add_argument("--journal-size", type=_at_least_one, default=10_000, metavar="N", help="requests the journal keeps")
    feeds_group = serve.add_argument_group("Feeds and Reports APIs")
    for kind in ("feed", "report"):
        feeds_group.add_argument(
            f"--{kind}-queue-seconds",
            type=_feed_seconds,
            default=ProcessingTiming.queued.total_seconds(),
            metavar="S",
            help=f"mock-clock seconds a new {kind} waits IN_QUEUE (default: %(default)s)",
        )
        feeds_group.add_argument(
            f"--{kind}-processing-seconds",
            type=_feed_seconds,
            default=ProcessingTiming.processing.total_seconds(),
            metavar="S",
            help=f"least mock-clock seconds a {kind} is IN_PROGRESS (default: %(default)s)",
        )
    feeds_group.add_argument(
        "--public-url",
        metavar="URL",
        help="base of the document URLs the mock hands out (default: where each request reached it)",
    )
    notifications_group = serve.add_argument_group("Notifications API (default: every notification to the built-in inbox)")
    notifications_group.add_argument(
        "--sqs-endpoint-url",
        metavar="URL",
        help="send notifications for SQS destinations to this SQS endpoint (LocalStack, ElasticMQ, moto's server)",
    )
    notifications_group.add_argument(
        "--eventbridge-endpoint-url",
        metavar="URL",
        help="send notifications for EventBridge destinations to this EventBridge endpoint",
    )
    _defaults_from_environment(serve)
    control_cli.add_commands(commands)
    _add_fixtures_command(commands)
    return parser


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        # From the sub-command's own parser, so that its usage is the one shown.
        _parser_of(parser, args).error(f"unrecognized arguments: {' '.join(unknown)}")
    # Connexion imports Starlette's test client at import time, which warns about httpx;
    # nothing a user of the command can act on.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    if args.command == "serve":
        return serve_command(args)
    if args.command == "fixtures":
        return fixtures_command(args)
    return control_cli.run(args)


def _parser_of(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The innermost sub-command parser the arguments went to (``fault add``'s for ``fault add ...``)."""
    for dest in ("command", "verb"):
        subparsers = next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)
        chosen = getattr(args, dest, None)
        if subparsers is None or subparsers.dest != dest or chosen not in subparsers.choices:
            break
        parser = subparsers.choices[chosen]
    return parser


ENV_PREFIX = "SPAPI_MOCK_"


def _timing(queued: float, processing: float) -> ProcessingTiming:
    return ProcessingTiming(timedelta(seconds=queued), timedelta(seconds=processing))


def _feed_seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not 0 <= seconds <= 86_400:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 86400 seconds")
    return seconds


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


def _host_names(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError("expected one or more host names, comma-separated")
    return names


def _duration(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _factor(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= throttling.MAX_FACTOR:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number greater than 0 and at most {throttling.MAX_FACTOR}")
    return value


def _port(text: str) -> int:
    if not text.strip().isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port: give a number from 1 to 65535 (0 for any free port)")
    return int(text)


def _at_least_one(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of at least 1")
    return int(text)


def _directory(text: str) -> Path:
    path = Path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: {'not a directory' if path.exists() else 'no such directory'}")
    return path


def _store_file(text: str) -> Path:
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(
            f"{text} is a directory: give the path of a store file in it, e.g. {path / 'state.json'}"
        )
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: the directory {path.parent} does not exist")
    return path


def _percent(text: str) -> Decimal:
    try:
        value = Decimal(text.rstrip("%"))
    except ArithmeticError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a percentage such as 2.5") from None
    if not 0 < value <= 100:
        raise argparse.ArgumentTypeError(f"'{text}' is not a percentage between 0 and 100")
    return value / 100


def _add_fixtures_command(commands) -> None:
    """``fixtures generate``: a large, realistic fixture set (spapi_mock.fixture_generator)."""
    from spapi_mock.tools.fixture_generator import DEFAULT_OUT, DEFAULT_SEED

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
    from spapi_mock.tools.fixture_generator import GeneratorError, generate_fixture_set

    try:
        generated = generate_fixture_set(args.out, args.orders, args.seed, args.sellers, force=args.force, progress=args.progress)
    except GeneratorError as exc:
        print(f"spapi-mock fixtures generate: {exc}", file=sys.stderr)
        return 2
    print(generated.summary())
    return 0


def serve_command(args: argparse.Namespace) -> int:
    from spapi_mock.http.app import create_app
    from spapi_mock.http.server import ACCESS_LOG, HttpServer
    from spapi_mock.marketplace.fixtures import fixture_files
    from spapi_mock.store.file import StoreFileError

    # Listen before loading anything: a port in use or a bad address is said at once, and the
    # banner shows the port really listened on.
    try:
        listener = _listen(args.host, args.port)
    except OSError as exc:
        print(f"spapi-mock: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    port = listener.getsockname()[1]

    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.log_level != "debug":
        # Connexion announces each spec it mounts; the banner already says where they are.
        logging.getLogger("connexion").setLevel(logging.WARNING)
    try:
        policy = Policy(
            buyer_self_cancel_window=args.self_cancel_window,
            auto_cancel_after=args.auto_cancel_after,
            cancellation_rate_threshold=args.rate_threshold,
            cancellation_rate_window=args.rate_window,
            finance_posting_delay=args.finance_delay,
            finance_deferral=args.finance_deferral,
            settlement_period=args.settlement_period,
        )
    except ValueError as exc:
        print(f"spapi-mock: {exc}", file=sys.stderr)
        return 2
    config = Config(
        host=args.host,
        port=port,
        fixtures_dir=args.fixtures,
        db_path=args.db,
        scenarios_dir=args.scenarios,
        policy=policy,
        throttling=args.throttling,
        throttle_factor=args.throttle_factor,
        strict_auth=args.strict_auth,
        journal_size=args.journal_size,
        allowed_hosts=tuple(args.allow_hosts),
        control_token=args.control_token or None,
        feed_timing=_timing(args.feed_queue_seconds, args.feed_processing_seconds),
        report_timing=_timing(args.report_queue_seconds, args.report_processing_seconds),
        public_url=args.public_url or None,
        sqs_endpoint_url=args.sqs_endpoint_url or None,
        eventbridge_endpoint_url=args.eventbridge_endpoint_url or None,
    )
    # Loading allocates millions of long-lived objects; the cyclic collector would walk the
    # growing heap again and again meanwhile (a third of a 100k-order start-up).
    gc.disable()
    _large_blocks_mapped()
    try:
        app = create_app(config)
    except StoreFileError as exc:
        print(f"spapi-mock: {exc}", file=sys.stderr)
        return 2
    except FixtureError as exc:
        problems = str(exc).split("\n")
        if len(problems) == 1:
            print(f"spapi-mock: fixtures refused: {exc}", file=sys.stderr)
        else:
            print(f"spapi-mock: fixtures refused, {len(problems)} problems:", *problems, sep="\n  ", file=sys.stderr)
        return 2
    if args.fixtures and not args.db and not fixture_files(args.fixtures):
        print(f"spapi-mock: warning: {args.fixtures} holds no fixture files (*.yaml, *.yml, *.json): no orders", file=sys.stderr)
    # The loaded store is long-lived: keep the cyclic garbage collector from walking it on
    # every full collection (at 100,000 orders those pauses reached most of a second). No
    # collection first: it walked the whole store (1.5 s at 100k) to free a few thousand
    # objects of start-up garbage, which stay frozen instead.
    gc.freeze()
    gc.enable()
    _return_free_memory()
    print(banner(config, app.services, args.log_level), flush=True)
    # The access log (on at debug) prints query strings, where a token request may carry
    # credentials: it masks them as the journal does.
    ACCESS_LOG.addFilter(_MaskedAccessLog())
    HttpServer(app, listener, access_log=args.log_level == "debug").run(handle_signals=True)
    app.services.stop()
    return 0


# glibc's M_MMAP_THRESHOLD (malloc.h): blocks this large or larger get pages of their own.
_M_MMAP_THRESHOLD = -3
_LARGE_BLOCK = 128 * 1024


def _large_blocks_mapped() -> None:
    """Keep every block of 128 KiB or more in pages of its own, handed back when freed. glibc
    starts so but raises the threshold to the size of each such block freed, and a large set's
    load frees hundreds (the workers' results, half a MB a chunk): later ones then came from the
    heap, whose freed pages stayed among the store's: a first 100k-order load's peak RSS 405 ->
    388 MiB, 388 -> 380 MiB once loaded."""
    import ctypes

    try:
        ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, _LARGE_BLOCK)
    except (OSError, AttributeError):  # not glibc
        pass


def _return_free_memory() -> None:
    """Loading a large set frees most of what it allocated (each fixture file parsed, each
    document once packed), but glibc keeps the freed pages: 40 MB at 100k orders handed back."""
    import ctypes

    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


class _MaskedAccessLog(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        from spapi_mock.traffic.journal import masked_path

        # granian's access record: a dict, the path and the query string apart.
        if isinstance(record.args, dict) and "path" in record.args:
            query = record.args.get("query_string")
            path = f"{record.args['path']}?{query}" if query else str(record.args["path"])
            record.args = {**record.args, "path": masked_path(path), "query_string": ""}
        return True


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to the address, as uvicorn would bind it."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    listener = socket.socket(family, kind, proto)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(address)
    except OSError:
        listener.close()
        raise
    # Listening already, connections made once the banner shows wait in the queue for the server.
    listener.listen(2048)
    listener.set_inheritable(True)
    return listener


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
        ("Feeds API", f"{base}/feeds/2021-06-30/feeds", f"{base}/feeds/2021-06-30/ui/"),
        ("Reports API", f"{base}/reports/2021-06-30/reports", f"{base}/reports/2021-06-30/ui/"),
        ("Notifications API", f"{base}/notifications/v1/destinations", f"{base}/notifications/v1/ui/"),
        ("Sellers API", f"{base}/sellers/v1/marketplaceParticipations", f"{base}/sellers/v1/ui/"),
        ("Finances v0", f"{base}/finances/v0/financialEventGroups", f"{base}/finances/v0/ui/"),
        ("Finances 2024-06-19", f"{base}/finances/2024-06-19/balances", f"{base}/finances/2024-06-19/ui/"),
        ("token endpoint", f"{base}/auth/o2/token", ""),
        ("control plane", f"{base}/_mock/", f"{base}/_mock/ui/"),
        ("dashboard", f"{base}/_mock/dashboard", ""),
        ("store", store, ""),
        ("throttling", _throttling_line(config), ""),
        ("auth", _auth_line(config), ""),
        ("request log", "a line per request" if logged else "off (on: --log-level info)", ""),
    ]
    sellers = services.store.orders.sellers()
    lines = [f"spapi-mock {__version__}: {services.store.orders.count()} orders, seller(s) {', '.join(sellers)}"]
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
