"""The ``spapi-mock`` command."""

from __future__ import annotations

import argparse
import gc
import logging
import sys
import warnings
from pathlib import Path

from . import __version__
from .config import Config
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

    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve_command(args)
    return 2


def serve_command(args: argparse.Namespace) -> int:
    # Connexion imports Starlette's test client at import time, which warns about httpx;
    # nothing a user of the server can act on.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    import uvicorn

    from .app import create_app

    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = Config(host=args.host, port=args.port, fixtures_dir=args.fixtures, db_path=args.db)
    try:
        app = create_app(config)
    except FixtureError as exc:
        print(f"spapi-mock: fixtures refused: {exc}", file=sys.stderr)
        return 2
    # The loaded store is long-lived: keep the cyclic garbage collector from walking it on
    # every full collection (at 100,000 orders those pauses reached most of a second).
    gc.collect()
    gc.freeze()
    services = app.app.extensions["spapi_mock"]
    base = f"http://{args.host}:{args.port}"
    print(
        f"spapi-mock {__version__}: {services.store.count()} orders for seller(s) {', '.join(services.store.sellers())}\n"
        f"  Orders API v0   {base}/orders/v0/orders\n"
        f"  token endpoint  {base}/auth/o2/token\n"
        f"  API docs        {base}/ui/\n"
        f"  store           {config.db_path or 'in memory (fixtures: ' + str(config.fixtures()) + ')'}",
        flush=True,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=args.log_level == "debug")
    return 0


if __name__ == "__main__":
    sys.exit(main())
