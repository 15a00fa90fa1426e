"""The documentation site: `mkdocs build --strict` passes; the generated reference pages show
every control-plane operation of openapi/control.yaml, every command and option of the command
line and every scenario action and step; the plots in docs/assets are what the code draws now;
and every page renders in headless Chromium, served over HTTP, without a console error, a
failed request or a request leaving the machine (the site is read offline: no CDN, no web font).

The browser is the machine's Chromium, never a download, as for the dashboard's browser tests:
``$SPAPI_MOCK_CHROMIUM``, else ``/usr/bin/chromium``, else ``chromium``, ``chromium-browser`` or
``google-chrome`` on the PATH; missing, the browser test skips, except under CI where it fails.
Screenshots of the home page and the lifecycle page go to ``$SPAPI_MOCK_SCREENSHOT_DIR`` (else
the test's temporary directory) for a person to look at.
"""

from __future__ import annotations

import functools
import html
import os
import re
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from support import PROJECT_ROOT as ROOT
from support.browser import chromium

pytestmark = pytest.mark.slow

CONTROL = yaml.safe_load((ROOT / "openapi" / "control.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPAPI_MOCK_")}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml"), "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**env, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return out


def page_text(site: Path, page: str) -> str:
    """A built page's article as plain text, whitespace collapsed."""
    source = (site / page / "index.html").read_text(encoding="utf-8")
    article = source.split("<article", 1)[1].split("</article>", 1)[0]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", article)).split())


def sections(site: Path, page: str) -> dict[str, str]:
    """The page's text under each h2/h3 heading, by the heading's id."""
    source = (site / page / "index.html").read_text(encoding="utf-8")
    article = source.split("<article", 1)[1].split("</article>", 1)[0]
    parts = re.split(r'<h[23] id="([^"]+)"[^>]*>', article)
    return {parts[i]: " ".join(html.unescape(re.sub(r"<[^>]+>", " ", parts[i + 1])).split()) for i in range(1, len(parts), 2)}


def words(text: str) -> str:
    """Text as a page shows it, compared without spacing or Markdown's inline marks."""
    return re.sub(r"[\s`*]", "", str(text))


def test_mkdocs_build_strict_passes_and_builds_every_page_of_the_nav(site):
    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"]

    def pages(entries):
        for entry in entries:
            for value in entry.values() if isinstance(entry, dict) else [entry]:
                yield from pages(value) if isinstance(value, list) else [value]

    for page in pages(nav):
        built = site / ("index.html" if page == "index.md" else page.removesuffix(".md").removesuffix("/index") + "/index.html")
        assert built.exists(), page
    # The hooks are code, not pages.
    assert not (site / "hooks").exists()


def test_the_control_plane_reference_shows_every_operation_with_its_fields(site):
    by_heading = sections(site, "reference/control-plane")
    base = CONTROL["servers"][0]["url"]
    for path, item in CONTROL["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "put", "post", "delete", "patch"):
                continue
            heading = f"{method.upper()} {base}{path}"
            found = [text for text in by_heading.values() if text.startswith(heading + " ")]
            assert len(found) == 1, f"no section for {heading}"
            text = found[0]
            assert operation["operationId"] in text, heading
            assert words(operation["summary"]) in words(text), heading
            for parameter in operation.get("parameters", []):
                if "$ref" in parameter:
                    parameter = CONTROL["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
                assert parameter["name"] in text, (heading, parameter["name"])
            for field in body_fields(operation):
                assert field in text, (heading, field)
            for status, fields in response_fields(operation).items():
                assert status in text, (heading, status)
                for field in fields:
                    assert field in text, (heading, status, field)


def schema_of(node: dict) -> dict:
    while "$ref" in node:
        target = CONTROL
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def top_fields(schema: dict) -> list[str]:
    schema = schema_of(schema)
    options = schema.get("oneOf", [schema])
    return [field for option in options for field in schema_of(option).get("properties", {})]


def body_fields(operation: dict) -> list[str]:
    body = operation.get("requestBody")
    if not body:
        return []
    return [field for content in schema_of(body)["content"].values() for field in top_fields(content["schema"])]


def response_fields(operation: dict) -> dict[str, list[str]]:
    found = {}
    for status, response in operation["responses"].items():
        response = schema_of(response)
        found[status] = [field for content in response.get("content", {}).values() for field in top_fields(content["schema"])]
    return found


def test_the_cli_reference_shows_every_command_and_option(site):
    from spapi_mock.cli import build_parser
    from spapi_mock.control.cli import target_options

    by_heading = sections(site, "reference/cli")
    common = by_heading["options-of-every-control-command"]
    common_dests = {action.dest for action in target_options()._actions} - {"help"}
    for command, parser in commands(build_parser()):
        key = command.replace(" ", "-")
        assert key in by_heading, f"no section for spapi-mock {command}"
        text = by_heading[key]
        control_command = common_dests <= {action.dest for action in parser._actions}
        for action in parser._actions:
            if not action.option_strings or "--help" in action.option_strings:
                continue
            where = common if control_command and action.dest in common_dests else text
            for option in action.option_strings:
                assert option in where, (command, option)
            if action.help:
                assert words(action.help.split("(", 1)[0].split("%", 1)[0])[:40] in words(where), (command, option)


def commands(parser, prefix: str = ""):
    """(command words, parser) of every command that takes options, sub-commands included."""
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (prefix + name).strip(), sub
                yield from commands(sub, prefix + name + " ")


def test_the_scenario_reference_shows_every_field_action_step_and_built_in_scenario(site, default_client):
    text = page_text(site, "reference/scenario-format")
    for field in CONTROL["components"]["schemas"]["Scenario"]["properties"]:
        assert f"{field}" in text, field
    served = default_client.get("/_mock/actions").json()["actions"]
    assert served
    for action in served:
        assert action["name"] in text and words(action["summary"]) in words(text), action["name"]
        for argument in action["arguments"].get("properties", {}):
            assert argument in text, (action["name"], argument)
    # The steps that are not actions, as the scenario files use them.
    for step in ("place_order", "advance_clock", "set_clock", "freeze_clock", "unfreeze_clock", "submit_feed"):
        assert f"{step}" in text, step
    for step in ("expect_notification", "expect_finances", "expect_refused"):
        assert step in text, step
    for scenario in default_client.get("/_mock/scenarios").json()["scenarios"]:
        assert scenario["name"] in text, scenario["name"]


def test_the_changelog_page_shows_the_changelog(site):
    text = page_text(site, "changelog")
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    for release in re.findall(r"^## \[([^\]]+)\]", changelog, re.M):
        assert release in text
    assert "Semantic Versioning" in text


def test_the_plots_are_what_the_code_draws_now():
    result = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "hooks" / "plots.py"), "--check"], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_lifecycle_plot_shows_every_status_and_rule():
    from spapi_mock.domain.model import TRANSITIONS, OrderStatus

    drawn = (ROOT / "docs" / "assets" / "lifecycle.svg").read_text(encoding="utf-8")
    for status in OrderStatus:
        assert f">{status.value}<" in drawn, status
    for rule in TRANSITIONS:
        assert rule in drawn, rule


# -- in the browser -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served_site(site):
    """The built site over HTTP, as a reader's browser gets it."""
    handler = functools.partial(QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the standard library's name
        pass


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


def test_every_page_renders_without_console_errors_or_failed_requests(site, served_site, browser, tmp_path):
    pages = sorted(path.parent.relative_to(site).as_posix() for path in site.rglob("index.html"))
    assert len(pages) > 30
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    here = urlsplit(served_site).netloc

    def outside(route):
        # Nothing may leave the machine: a CDN script or a web font would fail offline.
        problems.append(f"request leaving the site: {route.request.url}")
        route.abort()

    context.route(lambda url: urlsplit(url).netloc != here and not url.startswith("data:"), outside)
    page = context.new_page()
    current = {"page": ""}
    page.on("console", lambda msg: msg.type == "error" and problems.append(f"{current['page']}: console: {msg.text}"))
    page.on("pageerror", lambda exc: problems.append(f"{current['page']}: {exc}"))
    # A request the browser itself drops as it moves to the next page (a late favicon) is no fault.
    page.on(
        "requestfailed",
        lambda req: req.failure != "net::ERR_ABORTED" and problems.append(f"{current['page']}: {req.failure} {req.url}"),
    )
    page.on("response", lambda res: res.status >= 400 and problems.append(f"{current['page']}: {res.status} {res.url}"))
    shots = Path(os.environ.get("SPAPI_MOCK_SCREENSHOT_DIR") or tmp_path)
    try:
        for name in pages:
            current["page"] = name or "/"
            page.goto(f"{served_site}/{name}/" if name != "." else f"{served_site}/", wait_until="networkidle")
            # Every image shows (a missing or broken SVG has no width).
            broken = page.evaluate("[...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)")
            problems.extend(f"{name}: broken image {src}" for src in broken)
            if name in (".", "concepts/lifecycle"):
                page.screenshot(path=str(shots / f"docs-{'home' if name == '.' else 'lifecycle'}.png"), full_page=True)
        # Search works offline: its index and worker come from the site itself.
        page.goto(f"{served_site}/", wait_until="networkidle")
        search = page.locator("input.md-search__input")
        search.click()
        # Typed as a reader types (the search reacts to key presses, not to a value set at once).
        search.press_sequentially("freeze the clock")
        results = page.locator(".md-search-result__item")
        results.first.wait_for(timeout=15_000)
        assert results.count() > 0
    finally:
        context.close()
    assert problems == []
