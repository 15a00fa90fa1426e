"""The ``spapi-mock`` sub-commands of the control plane, made from ``control/operations.py``.

Each command runs against a running server (``--url``, through ``HttpControl``) or a store
file (``--db``, through ``LocalControl``), and prints the operation's summary of the answer
(``control/commands.py``), or the answer itself with ``--json``. Three kinds of command line come
out of the declarations:

- ``spapi-mock reset``: one operation (or two told apart by ``when``: ``journal [--clear]``);
- ``spapi-mock clock [show|freeze|...] [VALUE]``: a verb that may be left out, for groups with a
  default verb (``clock``, ``throttling``, ``auth``);
- ``spapi-mock fault add|list|clear``: a verb that must be given.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from spapi_mock.control import commands
from spapi_mock.control.client import ControlError, HttpControl
from spapi_mock.control.operations import GROUPS, OPERATIONS, Arg, Command, Operation
from spapi_mock.domain.exceptions import FixtureError

# (operation, command) pairs behind one command line, the ones with a `when` tried first.
Entries = list[tuple[Operation, Command]]


def target_options() -> argparse.ArgumentParser:
    """The options every control command takes: where to act, for whom, how to print."""
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
    return target


def add_commands(commands: argparse._SubParsersAction) -> None:
    target = target_options()
    for word, verbs in _groups().items():
        default = next((verb for verb, entries in verbs.items() for _, cmd in entries if cmd.default_verb), None)
        if list(verbs) == [None]:
            entries = verbs[None]
            parser = commands.add_parser(word, parents=[target], help=entries[0][1].help)
            _add_arguments(parser, entries)
            parser.set_defaults(control_entries=entries)
        elif default is not None:
            # `spapi-mock clock`, `clock advance 31m`: the verb is a choice and may be left out.
            parser = commands.add_parser(word, parents=[target], help=GROUPS.get(word))
            parser.add_argument("verb", nargs="?", default=default, choices=list(verbs))
            _add_arguments(parser, [entry for entries in verbs.values() for entry in entries])
            parser.set_defaults(control_verbs=verbs)
        else:
            group = commands.add_parser(word, help=GROUPS.get(word)).add_subparsers(dest="verb", required=True)
            for verb, entries in verbs.items():
                parser = group.add_parser(verb, parents=[target], help=entries[0][1].help)
                _add_arguments(parser, entries)
                parser.set_defaults(control_entries=entries)


def is_control_command(args: argparse.Namespace) -> bool:
    return hasattr(args, "control_entries") or hasattr(args, "control_verbs")


def run(args: argparse.Namespace) -> int:
    """Run the command the arguments name; print its answer; the exit status."""
    control = None
    try:
        operation, command = _chosen(args)
        call = command.call(args) if command.call else _default_call(operation, args)
        if args.db:
            from spapi_mock.control.service import LocalControl  # a store file needs the whole backend; a server does not

            control = LocalControl.open(args.db, args.fixtures, args.scenarios)
        else:
            control = HttpControl(args.url)
        positional, named = operation.call_arguments(call)
        answer = getattr(control, operation.service)(*positional, **named)
    except ControlError as exc:
        print(f"spapi-mock: {exc.message}", file=sys.stderr)
        return 1
    except (FixtureError, ValueError) as exc:
        print(f"spapi-mock: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        from spapi_mock.store.file import StoreFileError

        if not isinstance(exc, StoreFileError):
            raise
        print(f"spapi-mock: {exc}", file=sys.stderr)
        return 2
    finally:
        if control is not None and hasattr(control, "close"):
            control.close()
    print(json.dumps(answer, indent=2, ensure_ascii=False) if args.json else commands.summary(operation.operation_id, answer))
    return 0


def _groups() -> dict[str, dict[str | None, Entries]]:
    """command word → verb (None for a command without one) → its (operation, command) pairs."""
    groups: dict[str, dict[str | None, Entries]] = {}
    for operation in OPERATIONS:
        for command in operation.commands:
            verb = command.words[1] if len(command.words) > 1 else None
            groups.setdefault(command.words[0], {}).setdefault(verb, []).append((operation, command))
    for verbs in groups.values():
        for entries in verbs.values():
            entries.sort(key=lambda entry: entry[1].when is None)
    return groups


def _add_arguments(parser: argparse.ArgumentParser, entries: Entries) -> None:
    """The arguments of every command behind one command line, each once."""
    seen: set[tuple[str, ...]] = set()
    for _, command in entries:
        for arg in command.args:
            if arg.flags not in seen:
                seen.add(arg.flags)
                parser.add_argument(*arg.flags, **arg.options)


def _chosen(args: argparse.Namespace) -> tuple[Operation, Command]:
    entries = args.control_entries if hasattr(args, "control_entries") else args.control_verbs[args.verb]
    return next((op, cmd) for op, cmd in entries if cmd.when is None or cmd.when(args))


def _default_call(operation: Operation, args: argparse.Namespace) -> dict[str, Any]:
    """Each argument of the service method from the attribute of its name (``--seller`` for seller_id)."""
    call = {}
    for param in operation.params:
        if hasattr(args, param.arg):
            call[param.arg] = getattr(args, param.arg)
        elif param.arg == "seller_id":
            call[param.arg] = args.seller
    return call


__all__ = ["Arg", "add_commands", "is_control_command", "run", "target_options"]
