"""MkDocs hook: the reference pages and the changelog, made from what they describe when the site is built.

- reference/cli.md from the argparse parser (``spapi_mock.cli.build_parser``);
- reference/control-plane.md from openapi/control.yaml, every path and operation;
- reference/scenario-format.md from the Scenario schema in control.yaml, the scenario runner's
  own description of its steps (``spapi_mock.control.scenarios``) and the actions the control
  plane serves at GET /_mock/actions (``spapi_mock.control.actions.catalogue``);
- changelog.md shows CHANGELOG.md.

Their files under docs/ are placeholders: a page is replaced as a whole in memory, nothing is
written into docs/, so a page cannot go stale and `mkdocs serve` does not rebuild in a loop.
"""

from __future__ import annotations

import argparse
import os
import re
import textwrap
from contextlib import contextmanager
from pathlib import Path

import yaml

HTTP_METHODS = ("get", "put", "post", "delete", "patch")


def on_page_markdown(markdown: str, page, config, files) -> str:
    make = PAGES.get(page.file.src_uri)
    if make is None:
        return markdown
    return make(Path(config.config_file_path).resolve().parent)


# -- shared -----------------------------------------------------------------------------------


def cell(text: object) -> str:
    """Text safe inside a Markdown table cell: one line, no pipe or raw HTML."""
    text = " ".join(str(text).split())
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


def table(header: tuple[str, ...], rows: list[tuple]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += [
        "| " + " | ".join(cell(value) if not str(value).startswith("`") else str(value) for value in row) + " |" for row in rows
    ]
    return "\n".join(lines)


def code(text: object) -> str:
    """Inline code in a table cell (a pipe escaped, as tables need)."""
    return "`" + str(text).replace("|", "\\|") + "`"


# -- control plane ----------------------------------------------------------------------------


def control_spec(root: Path) -> dict:
    return yaml.safe_load((root / "openapi" / "control.yaml").read_text(encoding="utf-8"))


def operations(spec: dict) -> list[tuple[str, str, dict]]:
    """(METHOD, full path, operation) in the document's order."""
    base = spec["servers"][0]["url"].rstrip("/")
    found = []
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                found.append((method.upper(), base + (path if path != "/" else "/"), item[method]))
    return found


def deref(spec: dict, node):
    """The node a $ref points to (followed until it is not a reference)."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        target = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
        seen += 1
        if seen > 20:
            raise ValueError("a $ref loop in control.yaml")
    return node


def ref_name(node) -> str | None:
    return node["$ref"].rsplit("/", 1)[1] if isinstance(node, dict) and "$ref" in node else None


def type_of(spec: dict, schema) -> str:
    name = ref_name(schema)
    schema = deref(spec, schema) or {}
    if "oneOf" in schema:
        return " or ".join(type_of(spec, option) for option in schema["oneOf"])
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = " or ".join(kind)
    if kind == "array":
        kind = f"array of {type_of(spec, schema.get('items', {}))}"
    elif kind is None:
        kind = "object" if "properties" in schema else "any"
    if name and kind == "object":
        kind = name
    if "enum" in schema:
        kind += ": " + ", ".join(str(value) for value in schema["enum"])
    for word, key in (("min", "minimum"), ("max", "maximum"), ("default", "default"), ("pattern", "pattern")):
        if key in schema:
            kind += f"; {word} {schema[key]}"
    if schema.get("nullable"):
        kind += " or null"
    return kind


def field_rows(spec: dict, schema, prefix: str = "", depth: int = 0, seen: frozenset = frozenset()) -> list[tuple]:
    """One row per property (nested objects and arrays of objects as dotted names, a few levels deep)."""
    name = ref_name(schema)
    if name in seen or depth > 3:
        return []
    seen = seen | {name} if name else seen
    schema = deref(spec, schema) or {}
    rows = []
    required = set(schema.get("required", []))
    for field, sub in schema.get("properties", {}).items():
        resolved = deref(spec, sub) or {}
        described = resolved.get("description", "")
        rows.append((code(prefix + field), type_of(spec, sub), "yes" if field in required else "", described))
        if resolved.get("type") == "array" and (deref(spec, resolved.get("items", {})) or {}).get("properties"):
            rows += field_rows(spec, resolved["items"], f"{prefix}{field}[].", depth + 1, seen)
        elif resolved.get("properties"):
            rows += field_rows(spec, sub, f"{prefix}{field}.", depth + 1, seen)
        elif isinstance(resolved.get("additionalProperties"), dict) and deref(spec, resolved["additionalProperties"]).get(
            "properties"
        ):
            rows += field_rows(spec, resolved["additionalProperties"], f"{prefix}{field}.<key>.", depth + 1, seen)
    return rows


def schema_section(spec: dict, schema) -> str:
    resolved = deref(spec, schema) or {}
    parts = []
    if resolved.get("description"):
        parts.append(resolved["description"].strip())
    if "oneOf" in resolved:
        for number, option in enumerate(resolved["oneOf"], 1):
            parts.append(f"Either ({number}) {type_of(spec, option)}" + (f": {deref(spec, option).get('description', '')}"))
            rows = field_rows(spec, option)
            if rows:
                parts.append(table(("Field", "Type", "Required", "Description"), rows))
        return "\n\n".join(parts)
    rows = field_rows(spec, schema)
    if rows:
        parts.append(table(("Field", "Type", "Required", "Description"), rows))
    elif resolved.get("type") and resolved.get("type") != "object":
        parts.append(f"A {type_of(spec, schema)}.")
    return "\n\n".join(parts)


def anchor(method: str, path: str) -> str:
    return (method.lower() + "-" + re.sub(r"[^a-z0-9]+", "-", path.lower())).strip("-")


def control_plane_page(root: Path) -> str:
    spec = control_spec(root)
    ops = operations(spec)
    out = [
        "# Control plane API",
        "",
        spec["info"]["description"].strip(),
        "",
        f"Every path below starts with `{spec['servers'][0]['url']}` on the mock's own address "
        '(`"${SPAPI_MOCK_URL:-http://127.0.0.1:8080}"`). Errors answer the SP-API envelope '
        '`{"errors": [{"code", "message", "details"}]}`. The `spapi-mock` command\'s control '
        "commands ([Command line](cli.md)) and `spapi_mock.control.HttpControl` call these operations.",
        "",
        "*This page is generated from `openapi/control.yaml` when the site is built.*",
        "",
        "## Operations",
        "",
        table(
            ("Method and path", "Operation", "What it does"),
            [(f"[`{m} {p}`](#{anchor(m, p)})", code(op["operationId"]), op.get("summary", "")) for m, p, op in ops],
        ),
        "",
    ]
    for method, path, op in ops:
        out += [
            f"## `{method} {path}` {{#{anchor(method, path)}}}",
            "",
            f"**{op['operationId']}**: {op.get('summary', '').strip()}",
            "",
        ]
        if op.get("description"):
            out += [op["description"].strip(), ""]
        params = [deref(spec, p) for p in op.get("parameters", [])]
        if params:
            rows = [
                (
                    code(p["name"]),
                    p["in"],
                    "yes" if p.get("required") else "",
                    type_of(spec, p.get("schema", {})),
                    p.get("description", ""),
                )
                for p in params
            ]
            out += ["**Parameters**", "", table(("Name", "In", "Required", "Type", "Description"), rows), ""]
        body = deref(spec, op.get("requestBody"))
        if body:
            for media, content in body.get("content", {}).items():
                needed = "required" if body.get("required") else "optional"
                out += [f"**Request body** ({needed}, `{media}`)", "", schema_section(spec, content.get("schema", {})), ""]
        errors = []
        for status, response in op.get("responses", {}).items():
            if ref_name(response) == "Error":
                errors.append(status)
                continue
            response = deref(spec, response)
            out += [f"**Response `{status}`**: {response.get('description', '').strip()}", ""]
            for media, content in response.get("content", {}).items():
                section = schema_section(spec, content.get("schema", {}))
                if media != "application/json":
                    section = f"`{media}`. " + section
                if section:
                    out += [section, ""]
        if errors:
            out += [f"**Errors**: {', '.join(f'`{status}`' for status in errors)}, in the SP-API errors envelope.", ""]
    return "\n".join(out)


# -- scenario format --------------------------------------------------------------------------


def rst_to_markdown(text: str) -> str:
    """A module docstring's reStructuredText (``code`` and ``::`` literal blocks) as Markdown."""
    lines = textwrap.dedent(text).strip("\n").splitlines()
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = re.sub(r"``([^`]+)``", r"`\1`", lines[index])
        index += 1
        if not line.rstrip().endswith("::"):
            out.append(line)
            continue
        out.append(line.rstrip()[:-1])
        block = []
        while index < len(lines) and (not lines[index].strip() or lines[index].startswith(" ")):
            block.append(lines[index])
            index += 1
        out += ["", "```yaml", *textwrap.dedent("\n".join(block)).strip("\n").splitlines(), "```", ""]
    return "\n".join(out)


def module_docstring(path: Path) -> str:
    """The docstring as written in the file (its backslashes kept, as a reader types them)."""
    source = path.read_text(encoding="utf-8")
    return source.split('"""', 2)[1]


# What each clock step's value is (the runner's _clock_value checks it).
CLOCK_STEPS = {
    "advance_clock": "moves the clock on by a duration: `advance_clock: 45m` (31m, 7d, 1d2h, PT31M)",
    "set_clock": "moves the clock to a later date: `set_clock: now+1d` or ISO 8601",
    "freeze_clock": "stops the clock, now or at a later date: `freeze_clock: now+1h` (or no value)",
    "unfreeze_clock": "lets the clock run again: `unfreeze_clock: {}`",
}


def scenario_format_page(root: Path) -> str:
    from spapi_mock.control import actions, scenarios

    spec = control_spec(root)
    schema = spec["components"]["schemas"]["Scenario"]
    prose = rst_to_markdown(module_docstring(Path(scenarios.__file__)).split("\n", 1)[1])
    action_rows = []
    for action in actions.catalogue()["actions"]:
        arguments = action["arguments"]
        required = set(arguments.get("required", []))
        described = [
            f"`{name}`{' (required)' if name in required else ''}: {type_of(spec, sub)}"
            for name, sub in arguments["properties"].items()
        ]
        action_rows.append((code(action["name"]), action["summary"], "; ".join(described) or "none"))
    other_steps = [
        (
            "place_order",
            "a new order (Pending unless `order.OrderStatus` says otherwise); `count` places several, named `as`-1, `as`-2...",
            scenarios._PLACE_ORDER_FIELDS,
        ),
        *((name, CLOCK_STEPS[name], ()) for name in scenarios.CLOCK_STEPS),
        (scenarios.FEED_STEP, "a Feeds API feed, run to its end at once", scenarios._FEED_FIELDS),
        (scenarios.EXPECT_STEP, "a notification the scenario must send", scenarios._EXPECT_FIELDS),
        (scenarios.MONEY_STEP, "an order's money at this point of the run", scenarios._MONEY_FIELDS),
    ]
    step_rows = [
        (code(name), what, ", ".join(f"`{field}`" for field in sorted(fields)) or "") for name, what, fields in other_steps
    ]
    builtin = []
    for path in sorted(scenarios.builtin_dir().glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        builtin.append((code(data.get("name", path.stem)), len(data["steps"]), data.get("description", "")))
    top = [
        (code(name), type_of(spec, sub), "yes" if name in schema.get("required", []) else "")
        for name, sub in schema["properties"].items()
    ]
    return "\n".join(
        [
            "# Scenario file format",
            "",
            "*This page is generated when the site is built: the text from the scenario runner "
            "(`src/spapi_mock/control/scenarios.py`), the fields from the `Scenario` schema of "
            "`openapi/control.yaml`, the actions from what `GET /_mock/actions` serves.*",
            "",
            "Run a scenario file with `spapi-mock scenario run FILE-OR-NAME`, by name with "
            "`POST /_mock/scenarios/{name}/run`, or inline with `POST /_mock/scenarios/run` "
            "([Control plane API](control-plane.md)). The [scenarios concept page](../concepts/scenarios.md) "
            "shows them at work.",
            "",
            "## The file",
            "",
            table(("Field", "Type", "Required"), top),
            "",
            prose,
            "",
            f"A step may also carry {', '.join(f'`{option}`' for option in scenarios.STEP_OPTIONS)}.",
            "",
            "## Actions",
            "",
            "A step naming an action applies it to one order: `{ACTION: {order: NAME-OR-ID, ...arguments}}`. "
            "The same actions are what `POST /_mock/orders/{orderId}/actions` applies.",
            "",
            table(("Action", "What it does", "Arguments"), action_rows),
            "",
            "## Other steps",
            "",
            table(("Step", "What it does", "Fields"), step_rows),
            "",
            "## Built-in scenarios",
            "",
            "Run by name; a directory given with `serve --scenarios DIR` is searched first.",
            "",
            table(("Name", "Steps", "What it shows"), builtin),
            "",
        ]
    )


# -- command line -----------------------------------------------------------------------------


@contextmanager
def environment_without_settings():
    """Defaults as the code gives them: serve and the control commands read SPAPI_MOCK_* variables."""
    saved = {name: value for name, value in os.environ.items() if name.startswith("SPAPI_MOCK_")}
    columns = os.environ.get("COLUMNS")
    for name in saved:
        del os.environ[name]
    # The usage lines wrap at the terminal's width: the same page on every machine.
    os.environ["COLUMNS"] = "100"
    try:
        yield
    finally:
        os.environ.update(saved)
        if columns is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = columns


def subcommands(parser: argparse.ArgumentParser) -> dict[str, tuple[argparse.ArgumentParser, str]]:
    """The parser's sub-commands: name -> (parser, one-line help)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            return {name: (sub, helps.get(name) or "") for name, sub in action.choices.items()}
    return {}


def default_of(action: argparse.Action) -> str:
    default = action.default
    if default in (None, argparse.SUPPRESS, False, []) or isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
        return ""
    return code(default)


def option_rows(parser: argparse.ArgumentParser, skip: set[str]) -> list[tuple[str, list[tuple]]]:
    """(group title, rows) for the parser's arguments, leaving out the dests in ``skip``."""
    formatter = parser._get_formatter()
    groups = []
    for group in parser._action_groups:
        rows = []
        for action in group._group_actions:
            if action.dest in skip or isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                continue
            if action.option_strings:
                name = ", ".join(action.option_strings)
                if action.nargs != 0:
                    name += " " + (action.metavar or action.dest.upper())
            else:
                name = action.metavar or action.dest
            text = formatter._expand_help(action) if action.help else ""
            if action.choices and not isinstance(action.choices, dict):
                text += (" " if text else "") + "One of: " + ", ".join(str(choice) for choice in action.choices) + "."
            if action.required:
                text += " Required."
            rows.append((code(name), default_of(action), text))
        if rows:
            groups.append((group.title, rows))
    return groups


def cli_page(root: Path) -> str:
    with environment_without_settings():
        return _cli_page()


def _cli_page() -> str:
    from spapi_mock import cli
    from spapi_mock.control import cli as control_cli

    parser = cli.build_parser()
    common_parser = control_cli.target_options()
    common = {action.dest for action in common_parser._actions if action.dest != "help"}
    out = [
        "# Command line",
        "",
        "*This page is generated from the `spapi-mock` command's own parser (`src/spapi_mock/cli.py`) when the site "
        "is built: `spapi-mock COMMAND --help` prints the same.*",
        "",
        parser.description or "",
        "",
        "```text",
        parser.format_usage().strip(),
        "```",
        "",
        table(("Command", "What it does"), [(f"[`{name}`](#{name})", text) for name, (_, text) in subcommands(parser).items()]),
        "",
        "## Options of every control command",
        "",
        "Every command but `serve` and `fixtures` acts on a running server (or a store file) and takes these options:",
        "",
    ]
    for _, rows in option_rows(common_parser, set()):
        out += [table(("Option", "Default", "Description"), rows), ""]

    def describe(prefix: str, name: str, sub: argparse.ArgumentParser, text: str, level: int) -> None:
        full = f"{prefix} {name}"
        skip = common if common <= {action.dest for action in sub._actions} else set()
        out.extend([f"{'#' * level} `{full}` {{#{full.split(' ', 1)[1].replace(' ', '-')}}}", ""])
        if text:
            out.extend([text[0].upper() + text[1:] + ("" if text.endswith(".") else "."), ""])
        if sub.description and sub.description != text:
            out.extend([sub.description, ""])
        out.extend(["```text", sub.format_usage().strip(), "```", ""])
        for title, rows in option_rows(sub, skip):
            heading = {"options": "Options", "positional arguments": "Arguments"}.get(title, title[0].upper() + title[1:])
            out.extend(
                [
                    f"**{heading}**",
                    "",
                    table(("Argument" if title == "positional arguments" else "Option", "Default", "Description"), rows),
                    "",
                ]
            )
        if skip:
            out.extend(["And the [options of every control command](#options-of-every-control-command).", ""])
        if sub.epilog:
            out.extend([sub.epilog, ""])
        for child, (child_parser, child_text) in subcommands(sub).items():
            describe(full, child, child_parser, child_text, level + 1)

    for name, (sub, text) in subcommands(parser).items():
        describe("spapi-mock", name, sub, text, 2)
    return "\n".join(out)


# -- changelog --------------------------------------------------------------------------------


def changelog_page(root: Path) -> str:
    return (root / "CHANGELOG.md").read_text(encoding="utf-8")


PAGES = {
    "reference/cli.md": cli_page,
    "reference/control-plane.md": control_plane_page,
    "reference/scenario-format.md": scenario_format_page,
    "changelog.md": changelog_page,
}
