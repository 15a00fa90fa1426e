"""The README's Python snippets run as written against a real server."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from support import PROJECT_ROOT
from support.live_server import LiveServer, copy_checkout, free_port, live_server, wait_until_up
from support.node import EXAMPLES as JS_EXAMPLES
from support.node import NODE

README = PROJECT_ROOT / "README.md"
TEXT = README.read_text(encoding="utf-8")
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, re.S)
# A block that starts "# test_<name>.py" is a test file for the pytest plugin; the rest are scripts.
TEST_FILES = [block for block in PYTHON_BLOCKS if re.match(r"# test_\w+\.py", block)]
SNIPPETS = [block for block in PYTHON_BLOCKS if block not in TEST_FILES]
SH_BLOCKS = re.findall(r"```sh\n(.*?)```", TEXT, re.S)
INSTALL_AND_SERVE, TEST_COMMAND = SH_BLOCKS[:2]
TRY_IT = next(block for block in SH_BLOCKS if block.startswith("# try it"))
FAULTS = next(block for block in SH_BLOCKS if block.startswith("# faults"))
DEMO = next(block for block in SH_BLOCKS if block.startswith("# demo"))
GENERATE = next(block for block in SH_BLOCKS if block.startswith("# generate"))
SELLERS = next(block for block in SH_BLOCKS if block.startswith("# sellers"))
SCENARIO_EXAMPLE = next(block for block in re.findall(r"```yaml\n(.*?)```", TEXT, re.S) if "steps:" in block)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # The Feeds and Reports snippets poll until DONE: short processing times spare 9 s of waiting,
    # and the snippets run as written either way.
    quick = ("--feed-queue-seconds", "0.2", "--feed-processing-seconds", "0.3")
    quick += ("--report-queue-seconds", "0.2", "--report-processing-seconds", "0.3")
    with live_server(*quick, tmp_dir=tmp_path_factory.mktemp("readme")) as running:
        yield running


def test_the_readme_has_python_snippets():
    assert len(SNIPPETS) >= 2 and TEST_FILES


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[f"snippet{n}" for n in range(len(SNIPPETS))])
def test_snippet_runs(server, snippet, tmp_path):
    script = tmp_path / "snippet.py"
    script.write_text(snippet.replace("127.0.0.1:8080", f"127.0.0.1:{server.port}"))
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    # Every snippet reads the buyer's cancellation request of the README's example order
    # (fixtures/default/na.yaml), as the string "true" with its reason.
    assert "true" in result.stdout and "Order Created By Mistake" in result.stdout, result.stdout


@pytest.mark.parametrize("test_file", TEST_FILES, ids=[re.match(r"# (test_\w+)", b).group(1) for b in TEST_FILES])
def test_plugin_test_file_passes_under_pytest(test_file, tmp_path):
    name = re.match(r"# (test_\w+\.py)", test_file).group(1)
    (tmp_path / name).write_text(test_file)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    tests = len(re.findall(r"^def test_", test_file, re.M))
    assert result.returncode == 0 and f"{tests} passed" in result.stdout, result.stdout + result.stderr


def test_the_two_minute_demo_runs_as_written(tmp_path):
    # A fresh server: the demo moves the clock and cancels orders.
    with live_server(tmp_dir=tmp_path) as server:
        script = DEMO.replace("127.0.0.1:8080", f"127.0.0.1:{server.port}")
        result = _bash(script, tmp_path, timeout=120, env={"SPAPI_MOCK_URL": server.base_url})
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert '"IsBuyerRequestedCancel":"true","BuyerCancelReason":"Order Created By Mistake"' in out
    assert '"IsBuyerRequestedCancel":"false"' in out
    assert "Unshipped" in out and "Shipped" in out
    assert "BREACHED" in out, out


def _json_documents(text: str) -> list:
    decoder, docs, at = json.JSONDecoder(), [], 0
    text = text.strip()
    while at < len(text):
        doc, at = decoder.raw_decode(text, at)
        docs.append(doc)
        while at < len(text) and text[at].isspace():
            at += 1
    return docs


def test_the_try_it_requests_answer_as_the_readme_says(server):
    script = TRY_IT.replace("127.0.0.1:8080", f"127.0.0.1:{server.port}")
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    orders, order, items, pending_items = _json_documents(result.stdout)
    listed = orders["payload"]["Orders"]
    assert 0 < len(listed) <= 5 and orders["payload"]["NextToken"], orders
    assert {o["MarketplaceId"] for o in listed} <= {"ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"}, listed
    assert order["payload"]["AmazonOrderId"] == "111-4575884-6753368"
    flags = [item["BuyerRequestedCancel"] for item in items["payload"]["OrderItems"]]
    assert {"IsBuyerRequestedCancel": "true", "BuyerCancelReason": "Order Created By Mistake"} in flags, flags
    for item in pending_items["payload"]["OrderItems"]:
        assert not {"ItemPrice", "ItemTax", "ShippingPrice", "PromotionDiscount", "IsGift"} & set(item), item


def test_the_fault_commands_run_as_written(tmp_path):
    with live_server(tmp_dir=tmp_path) as server:
        result = _bash(FAULTS, tmp_path, env={"SPAPI_MOCK_URL": server.base_url})
        import requests

        left = requests.get(f"{server.base_url}/_mock/faults", timeout=10).json()
    assert result.returncode == 0, result.stdout + result.stderr
    # "fault list" prints one rule a line: the five the block added, as the comments say.
    listed = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    rules = [{k: v for k, v in rule.items() if k not in ("faultId", "hits")} for rule in listed]
    assert rules == [
        {"operation": "getOrders", "status": 503, "remaining": 2},
        {"operation": "*", "orderId": "111-4575884-6753368", "delay": {"minMs": 1500, "maxMs": 1500}},
        {"operation": "getOrderItems", "body": "malformed"},
        {"operation": "confirmShipment", "drop": True, "remaining": 1},
        {"operation": "createToken", "status": 500, "remaining": 1},
    ], result.stdout
    assert "cleared 5" in result.stdout and left["faults"] == [], (result.stdout, left)


def test_the_install_and_serve_command_starts_the_built_in_marketplace(tmp_path):
    """The README's first command, as a new user runs it: a fresh venv in a copy of the repository."""
    checkout = copy_checkout(tmp_path / "spapi-mock")
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        # The command as written; only the port comes from the environment, as serve allows.
        process = subprocess.Popen(
            ["bash", "-euo", "pipefail", "-c", INSTALL_AND_SERVE],
            cwd=checkout,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "SPAPI_MOCK_PORT": str(port), "PYTHONUNBUFFERED": "1"},
            start_new_session=True,
        )
    import requests

    server = LiveServer(process, port, log)
    venv_python = checkout / ".venv" / "bin" / "python"
    try:
        wait_until_up(server, timeout=540)  # the install comes first
        answer = requests.get(
            f"{server.base_url}/orders/v0/orders/111-4575884-6753368", headers={"x-amz-access-token": "Atza|new-user"}, timeout=10
        )
        # The SDK snippets, with what that command installed and nothing else: in the SDKs' own
        # venv the first one failed with ModuleNotFoundError.
        ran = []
        for n, snippet in enumerate(SNIPPETS):
            script = tmp_path / f"snippet{n}.py"
            script.write_text(snippet.replace("127.0.0.1:8080", f"127.0.0.1:{port}"))
            ran.append(subprocess.run([str(venv_python), str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300))
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    assert answer.status_code == 200 and answer.json()["payload"]["OrderStatus"] == "Unshipped", answer.text
    banner = log.read_text(errors="replace")
    assert "94 orders" in banner and f"http://127.0.0.1:{port}/_mock/dashboard" in banner, banner
    assert (checkout / ".venv" / "bin" / "spapi-mock").exists()
    for snippet, result in zip(SNIPPETS, ran, strict=True):
        assert result.returncode == 0, (snippet[:300], result.stderr[-2000:])
        assert "Order Created By Mistake" in result.stdout, (snippet[:300], result.stdout)


def test_the_test_command_is_what_ci_runs():
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert TEST_COMMAND.strip() in ci.splitlines(), TEST_COMMAND


def test_the_test_command_installs_into_a_venv_of_its_own():
    """Run into the venv the server runs from, the test command's editable install replaced the
    package under the running server (a feed then stuck IN_PROGRESS: its schema file was gone)."""
    (serve_venv,) = re.findall(r"python3 -m venv (\S+)", INSTALL_AND_SERVE)
    (test_venv,) = re.findall(r"python3 -m venv (\S+)", TEST_COMMAND)
    assert serve_venv != test_venv
    assert f"{test_venv}/" in TEST_COMMAND and f"{serve_venv}/" not in TEST_COMMAND, TEST_COMMAND
    ignored = subprocess.run(["git", "check-ignore", "-q", f"{test_venv}/"], cwd=PROJECT_ROOT, check=False)
    assert ignored.returncode == 0, f"{test_venv}/ is not in .gitignore: a clone would copy it"


def test_the_scenario_example_has_a_name_of_its_own():
    """It was named after a built-in scenario, which a copy served with --scenarios replaces."""
    built_in = {yaml.safe_load(path.read_text())["name"] for path in (PROJECT_ROOT / "fixtures" / "scenarios").glob("*.yaml")}
    assert "buyer-requests-cancellation" in built_in
    assert yaml.safe_load(SCENARIO_EXAMPLE)["name"] not in built_in


def test_the_scenario_example_runs():
    from spapi_mock.control import LocalControl

    from support.http import make_app

    backend = make_app().services.backend
    result = LocalControl(backend).run_inline_scenario(yaml.safe_load(SCENARIO_EXAMPLE))
    assert result["log"][-1].startswith("6. confirm_shipment: refused as expected")
    order = backend.store.orders.get(backend.default_seller_id, result["orders"]["order"])["order"]
    assert order["OrderStatus"] == "Canceled"


def _bash(script: str, cwd: Path, timeout: int = 300, env: dict | None = None) -> subprocess.CompletedProcess:
    """A README block as a user runs it: the installed spapi-mock on the PATH."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PATH": path, **(env or {})},
    )


def test_the_100k_generated_set_is_written_and_served(tmp_path):
    generate, serve = [line.split("#")[0].strip() for line in GENERATE.splitlines()[1:3]]
    result = _bash(generate, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "generated 100,000 orders" in result.stdout, result.stdout
    fixtures = serve.split("--fixtures ")[1]
    with live_server("--fixtures", str(tmp_path / fixtures), tmp_dir=tmp_path, timeout=240) as server:
        import requests

        sellers = requests.get(f"{server.base_url}/_mock/sellers", timeout=30).json()["sellers"]
        assert [(seller["sellerId"], seller["orders"]) for seller in sellers] == [("A1MOCKSELLER00", 100_000)]


def test_another_generated_sellers_orders_are_read_with_its_token(tmp_path):
    port = free_port()
    result = _bash(SELLERS.replace("8081", str(port)), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(answer["orders"]) == 5 and answer["pagination"]["nextToken"], answer


# -- the whole tour, in order, on one server -------------------------------------------------------

TOUR = TEXT[TEXT.index("## Try it") : TEXT.index("## What it does")]
TOUR_BLOCKS = [(kind, body) for kind, body in re.findall(r"```(sh|python|js)\n(.*?)```", TOUR, re.S)]


def test_the_readme_tour_runs_top_to_bottom_on_one_server(tmp_path, request):
    """A new user reads the README from "Try it" to the migration section and runs every block
    in order against the one server they started: each gives the answers the README shows. (The
    demo's last scenario used to move the clock three weeks on, so the migration section found
    nothing and its showcase order read "cancelled by Amazon".)"""
    kinds = [kind for kind, _ in TOUR_BLOCKS]
    assert kinds.count("python") >= 3 and kinds.count("js") == 3 and kinds.count("sh") >= 5, kinds
    outputs = []
    with live_server(tmp_dir=tmp_path) as server:
        for n, (kind, body) in enumerate(TOUR_BLOCKS):
            block = body.replace("127.0.0.1:8080", f"127.0.0.1:{server.port}")
            if kind == "sh" and block.startswith("npm install"):
                continue  # the pinned packages come from examples/js, installed once (test_sdk_js)
            if kind == "sh":
                result = _bash(block, tmp_path, env={"SPAPI_MOCK_URL": server.base_url})
            elif kind == "python":
                (tmp_path / f"block{n}.py").write_text(block)
                result = subprocess.run(
                    [sys.executable, f"block{n}.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300
                )
            else:
                if not (tmp_path / "node_modules").exists():
                    (tmp_path / "node_modules").symlink_to(request.getfixturevalue("node_modules"))
                    shutil.copy(JS_EXAMPLES / "package.json", tmp_path)
                (tmp_path / f"block{n}.mjs").write_text(block)
                result = subprocess.run([NODE, f"block{n}.mjs"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
            assert result.returncode == 0, (kind, block[:200], result.stdout[-2000:], result.stderr[-2000:])
            outputs.append((kind, block, result.stdout))
    # Every SDK snippet lists orders and reads the buyer's request as the string "true".
    for kind, block, out in outputs:
        if kind in ("python", "js"):
            assert "true" in out and "Order Created By Mistake" in out, (block[:200], out)
    # The migration section, after the demo: orders of the last week in both versions, and the
    # showcase order still Unshipped with the buyer's request, not cancelled by Amazon.
    migration = next(out for _, block, out in outputs if block.startswith("# migration"))
    v0_page, v2026_page, _, items, order = _json_documents(migration)
    assert v0_page["payload"]["Orders"] and v2026_page["orders"], migration[:1000]
    assert {"IsBuyerRequestedCancel": "true", "BuyerCancelReason": "Order Created By Mistake"} in [
        item["BuyerRequestedCancel"] for item in items["payload"]["OrderItems"]
    ]
    assert order["order"]["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED", order
    request_made = next(
        item["cancellation"]["cancellationRequest"] for item in order["order"]["orderItems"] if item.get("cancellation")
    )
    assert request_made == {"requester": "BUYER", "cancelReason": "Order Created By Mistake"}


# -- what the README names exists ----------------------------------------------------------------


def _tracked_tops() -> set[str]:
    listed = subprocess.run(["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True).stdout
    return {name.split("/")[0] for name in listed.splitlines()}


def readme_paths() -> set[str]:
    """Every path of this repository the README names: one that starts with a tracked top-level
    folder and a slash, or a tracked top-level file (``<name>`` stands for any name)."""
    tops = _tracked_tops()
    folders = "|".join(re.escape(top) for top in tops if (PROJECT_ROOT / top).is_dir())
    files = "|".join(re.escape(top) for top in tops if (PROJECT_ROOT / top).is_file())
    found = re.findall(rf"(?<![\w./~$-])((?:{folders})/[\w.*<>/-]*|(?:{files})(?![\w.-]))", TEXT)
    return {path.rstrip(".") for path in found}


def test_every_path_the_readme_names_exists():
    """Five test paths in the README were stale (tests/test_readme.py had moved to tests/project/)."""
    paths = readme_paths()
    assert {"tests/project/test_readme.py", "ARCHITECTURE.md", "openapi/orders-v0.yaml"} <= paths, sorted(paths)
    missing = [path for path in sorted(paths) if not list(PROJECT_ROOT.glob(re.sub(r"<\w+>", "*", path).rstrip("/") or "."))]
    assert missing == [], missing


def test_the_banner_and_the_readme_list_every_swagger_ui(server):
    """The banner and the README's list of Swagger UIs left out Feeds and Reports."""
    banner = server.output()
    served = re.findall(rf"\(docs http://127\.0\.0\.1:{server.port}(/\S*)\)", banner)
    assert {"/feeds/2021-06-30/ui/", "/reports/2021-06-30/ui/"} <= set(served), banner
    listed = TEXT[TEXT.index("Swagger UI for each API") :].split("\n\n")[0]
    assert [path for path in served if f"`{path}`" not in listed] == [], listed
    shown = re.findall(r"\(docs http://127\.0\.0\.1:8080(/\S*)\)", TEXT)
    assert shown == served, "the README's banner is not the server's"


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
