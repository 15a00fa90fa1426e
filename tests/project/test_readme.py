"""The README: a landing page of a few screens whose two commands work as written for a new user.
(Every other block of it and of the docs is run by test_snippets.py.)"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import requests

from support import PROJECT_ROOT
from support.live_server import LiveServer, copy_checkout, free_port, live_server, wait_until_up
from support.snippets import all_blocks, blocks, environment

README = PROJECT_ROOT / "README.md"
TEXT = README.read_text(encoding="utf-8")
(INSTALL_AND_SERVE,) = blocks("install", "README.md")
(TEST_COMMAND,) = blocks("test-command", "README.md")
GETTING_STARTED = PROJECT_ROOT / "docs" / "getting-started" / "index.md"


def test_the_readme_is_at_most_10_kb():
    """It was 70 KB, 1,095 lines: about 35 minutes of reading, the token URL at line 90."""
    assert len(README.read_bytes()) <= 10_240


def test_every_copy_of_the_two_commands_is_the_readmes():
    """The docs may show the two commands again (marked install / test-command): only the
    README's are run, so every copy must be them exactly."""
    copies = [block for block in all_blocks() if block.kind in ("install", "test-command") and block.file != "README.md"]
    differ = [b.where for b in copies if b.text != {"install": INSTALL_AND_SERVE, "test-command": TEST_COMMAND}[b.kind].text]
    assert differ == []


def test_the_install_and_serve_command_starts_the_built_in_marketplace(tmp_path):
    """The README's first command, as a new user runs it: a fresh venv in a copy of the repository."""
    checkout = copy_checkout(tmp_path / "spapi-mock")
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        # The command as written; only the port comes from the environment, as serve allows.
        process = subprocess.Popen(
            ["bash", "-euo", "pipefail", "-c", INSTALL_AND_SERVE.text],
            cwd=checkout,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "SPAPI_MOCK_PORT": str(port), "PYTHONUNBUFFERED": "1"},
            start_new_session=True,
        )
    server = LiveServer(process, port, log)
    venv_python = checkout / ".venv" / "bin" / "python"
    # The Python scripts a new user runs first, with what that command installed and nothing else:
    # in the SDKs' own venv the first one failed with ModuleNotFoundError.
    first = blocks("python", "README.md") + blocks("python", "docs/getting-started/python.md")
    try:
        wait_until_up(server, timeout=540)  # the install comes first
        answer = requests.get(
            f"{server.base_url}/orders/v0/orders/111-4575884-6753368", headers={"x-amz-access-token": "Atza|new-user"}, timeout=10
        )
        ran = []
        for block in first:
            script = tmp_path / f"block_{block.line}.py"
            script.write_text(block.text, encoding="utf-8")
            ran.append(
                subprocess.run(
                    [str(venv_python), str(script)],
                    cwd=tmp_path,
                    capture_output=True,
                    text=True,
                    timeout=300,
                    env=environment(server.base_url),
                )
            )
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    assert answer.status_code == 200 and answer.json()["payload"]["OrderStatus"] == "Unshipped", answer.text
    banner = log.read_text(errors="replace")
    assert "94 orders" in banner and f"http://127.0.0.1:{port}/_mock/dashboard" in banner, banner
    assert (checkout / ".venv" / "bin" / "spapi-mock").exists()
    assert len(first) >= 3, [b.where for b in first]
    for block, result in zip(first, ran, strict=True):
        assert result.returncode == 0, (block.where, result.stderr[-2000:])
        assert "Order Created By Mistake" in result.stdout, (block.where, result.stdout)


def test_the_test_command_is_what_ci_runs():
    ci = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert TEST_COMMAND.text.strip() in ci.splitlines(), TEST_COMMAND.text


def test_the_test_command_installs_into_a_venv_of_its_own():
    """Run into the venv the server runs from, the test command's editable install replaced the
    package under the running server (a feed then stuck IN_PROGRESS: its schema file was gone)."""
    (serve_venv,) = re.findall(r"python3 -m venv (\S+)", INSTALL_AND_SERVE.text)
    (test_venv,) = re.findall(r"python3 -m venv (\S+)", TEST_COMMAND.text)
    assert serve_venv != test_venv
    assert f"{test_venv}/" in TEST_COMMAND.text and f"{serve_venv}/" not in TEST_COMMAND.text, TEST_COMMAND.text
    ignored = subprocess.run(["git", "check-ignore", "-q", f"{test_venv}/"], cwd=PROJECT_ROOT, check=False)
    assert ignored.returncode == 0, f"{test_venv}/ is not in .gitignore: a clone would copy it"


def test_the_readme_tells_a_client_the_token_url_and_the_port_variable_on_its_first_screen():
    """The token URL a client needs came at line 90, SPAPI_MOCK_URL 650 lines in."""
    first_screen = TEXT[: TEXT.index("## A one-minute tour")]
    assert "http://127.0.0.1:8080/auth/o2/token" in first_screen and "SPAPI_MOCK_URL" in first_screen


# -- what the README names exists ----------------------------------------------------------------


def _tracked_tops() -> set[str]:
    listed = subprocess.run(["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True).stdout
    return {name.split("/")[0] for name in listed.splitlines()} | {"CONTRIBUTING.md"}


def paths_named(text: str) -> set[str]:
    """Every path of this repository a text names: one that starts with a tracked top-level
    folder and a slash, or a tracked top-level file (``<name>`` stands for any name)."""
    tops = _tracked_tops()
    folders = "|".join(re.escape(top) for top in tops if (PROJECT_ROOT / top).is_dir())
    files = "|".join(re.escape(top) for top in tops if not (PROJECT_ROOT / top).is_dir())
    found = re.findall(rf"(?<![\w./~$-])((?:{folders})/[\w.*<>/-]*|(?:{files})(?![\w.-]))", text)
    return {path.rstrip(".") for path in found}


def test_every_path_the_readme_names_exists():
    """Five test paths in the README were stale (tests/test_readme.py had moved to tests/project/);
    its links into docs/ must work on GitHub as on the site."""
    paths = paths_named(TEXT)
    assert {"ARCHITECTURE.md", "docs/apis/feeds.md", "docs/getting-started/index.md"} <= paths, sorted(paths)
    missing = [path for path in sorted(paths) if not list(PROJECT_ROOT.glob(re.sub(r"<\w+>", "*", path).rstrip("/") or "."))]
    assert missing == [], missing


def test_the_banner_and_the_getting_started_page_list_every_swagger_ui(tmp_path):
    """The banner and the README's list of Swagger UIs left out Feeds and Reports."""
    text = GETTING_STARTED.read_text(encoding="utf-8")
    with live_server(tmp_dir=tmp_path) as server:
        banner = server.output()
    served = re.findall(rf"\(docs http://127\.0\.0\.1:{server.port}(/\S*)\)", banner)
    assert {"/feeds/2021-06-30/ui/", "/reports/2021-06-30/ui/"} <= set(served), banner
    listed = text[text.index("Swagger UI for each API") :].split("\n\n")[0]
    assert [path for path in served if f"`{path}`" not in listed] == [], listed
    shown = re.findall(r"\(docs http://127\.0\.0\.1:8080(/\S*)\)", text)
    assert shown == served, "the getting-started page's banner is not the server's"


def test_a_run_without_amazons_models_says_in_its_last_lines_what_it_skipped_and_why(tmp_path):
    """330 of 339 skipped tests of a user's clone skipped for want of ../shared/reference, said
    only in the -ra list, and the README did not say where the models come from."""
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "SPAPI_MOCK_REQUIRE_REFERENCE")}
    env["SPAPI_MOCK_REFERENCE_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "0", "tests/openapi/test_spec.py"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    last = result.stdout.strip().splitlines()[-2]
    assert re.match(r"\d+ skipped: \d+ without Amazon's models in ", last), result.stdout[-3000:]
    assert str(tmp_path) in last and "github.com/amzn/selling-partner-api-models" in last and "SPAPI_MOCK_REFERENCE_DIR" in last
    # The README says the same: where the models come from, which files, and the variable.
    for said in (
        "github.com/amzn/selling-partner-api-models",
        "ordersV0.json",
        "reports_2021-06-30.json",
        "SPAPI_MOCK_REFERENCE_DIR",
    ):
        assert said in TEXT, said
