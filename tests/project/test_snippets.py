"""Every runnable block of README.md, CONTRIBUTING.md and docs/ runs as written, one test per
block named by its page and line (tests/support/snippets.py has the convention and the runners);
blocks with an ``id`` are also held to what their page says they show."""

from __future__ import annotations

import json

import pytest
import requests
import yaml

from support import PROJECT_ROOT
from support.live_server import live_server
from support.node import NODE
from support.snippets import (
    KINDS,
    all_blocks,
    gnu_only_flags,
    hardcoded_ports,
    problems,
    run,
    run_node,
    run_pytest_file,
    run_scenario,
    server_for,
)

EVERY = all_blocks()
# The Feeds and Reports blocks poll until DONE: short processing times spare seconds of waiting,
# and the blocks run as written either way.
QUICK = ("--feed-queue-seconds", "0.2", "--feed-processing-seconds", "0.3")
QUICK += ("--report-queue-seconds", "0.2", "--report-processing-seconds", "0.3")


def of_kind(*kinds: str) -> dict:
    chosen = [block for block in EVERY if block.kind in kinds]
    return {"argvalues": chosen, "ids": [block.where for block in chosen]}


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    with live_server(*QUICK, tmp_dir=tmp_path_factory.mktemp("snippets")) as server:
        yield server.base_url


# -- the convention -------------------------------------------------------------------------------


def test_every_block_says_whether_and_how_it_runs():
    assert len([block for block in EVERY if block.runs]) >= 10, [block.where for block in EVERY]
    assert problems(EVERY) == []


def test_no_shell_block_uses_a_gnu_only_flag():
    """The blocks run on macOS too: date -d, sed -i without a suffix, grep -P... do not."""
    shell = [block for block in EVERY if block.language in ("sh", "console")]
    assert [said for block in shell for said in gnu_only_flags(block)] == []


def test_no_runnable_block_writes_out_a_port_but_the_default_of_spapi_mock_url():
    assert [said for block in EVERY if block.runs for said in hardcoded_ports(block)] == []


def test_every_block_id_a_check_names_exists():
    ids = {block.id for block in EVERY}
    assert sorted(set(CHECKS) - ids) == []


def test_every_scenario_has_a_name_of_its_own():
    """An example named after a built-in scenario replaces it once served with --scenarios."""
    built_in = {yaml.safe_load(path.read_text())["name"] for path in (PROJECT_ROOT / "fixtures" / "scenarios").glob("*.yaml")}
    assert "buyer-requests-cancellation" in built_in
    shown = [(block.where, yaml.safe_load(block.text).get("name")) for block in EVERY if block.kind == "scenario"]
    assert [(where, name) for where, name in shown if name in built_in] == []


# -- running them ---------------------------------------------------------------------------------


@pytest.mark.parametrize("block", **of_kind("python", "python-own-server", "sh", "sh-own-server"))
def test_block_runs(block, shared, tmp_path):
    with server_for(block, shared, tmp_path, *QUICK) as url:
        result = run(block, url, tmp_path)
        assert result.returncode == 0, (
            f"{block.where} exited {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
        if block.id in CHECKS:
            CHECKS[block.id](result.stdout, url)


@pytest.mark.parametrize("block", **of_kind("pytest"))
def test_test_file_passes_under_the_plugin(block, tmp_path):
    result, tests = run_pytest_file(block, tmp_path)
    assert result.returncode == 0 and f"{tests} passed" in result.stdout, (
        block.where,
        result.stdout[-3000:],
        result.stderr[-2000:],
    )


@pytest.mark.parametrize("block", **of_kind("node"))
def test_node_block_runs(block, shared, node_modules, tmp_path):
    result = run_node(block, shared, tmp_path, NODE, node_modules)
    assert result.returncode == 0, f"{block.where}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    if block.id in CHECKS:
        CHECKS[block.id](result.stdout, shared)


@pytest.mark.parametrize("block", **of_kind("scenario"))
def test_scenario_runs(block, tmp_path):
    with server_for(block, None, tmp_path) as url:
        result = run_scenario(block, url)
    assert result["log"], (block.where, result)


def test_every_kind_is_run_somewhere():
    """A kind no test runs would let its blocks rot: each has a runner here or in test_readme."""
    ran_here = {"python", "python-own-server", "sh", "sh-own-server", "pytest", "node", "scenario"}
    assert set(KINDS) - ran_here == {"install", "test-command"}  # tests/project/test_readme.py


# -- what blocks with an id show ------------------------------------------------------------------

MISTAKE = "Order Created By Mistake"
FLAG = {"IsBuyerRequestedCancel": "true", "BuyerCancelReason": MISTAKE}


def json_documents(text: str) -> list:
    decoder, docs, at = json.JSONDecoder(), [], 0
    text = text.strip()
    while at < len(text):
        doc, at = decoder.raw_decode(text, at)
        docs.append(doc)
        while at < len(text) and text[at].isspace():
            at += 1
    return docs


def prints_the_buyers_request(out: str, url: str) -> None:
    """An SDK snippet reads the buyer's cancellation request of the example order
    (fixtures/default/na.yaml) as the string "true" with its reason."""
    assert "true" in out.lower() and MISTAKE in out, out


def the_demo(out: str, url: str) -> None:
    assert '"IsBuyerRequestedCancel":"true","BuyerCancelReason":"Order Created By Mistake"' in out, out
    assert '"IsBuyerRequestedCancel":"false"' in out
    assert "Unshipped" in out and "Shipped" in out
    assert "BREACHED" in out, out


def the_try_it_requests(out: str, url: str) -> None:
    orders, order, items, pending_items = json_documents(out)
    listed = orders["payload"]["Orders"]
    assert 0 < len(listed) <= 5 and orders["payload"]["NextToken"], orders
    assert {o["MarketplaceId"] for o in listed} <= {"ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"}, listed
    assert order["payload"]["AmazonOrderId"] == "111-4575884-6753368"
    assert FLAG in [item["BuyerRequestedCancel"] for item in items["payload"]["OrderItems"]], items
    for item in pending_items["payload"]["OrderItems"]:
        assert not {"ItemPrice", "ItemTax", "ShippingPrice", "PromotionDiscount", "IsGift"} & set(item), item


def the_faults(out: str, url: str) -> None:
    # "fault list" prints one rule a line: the five the block added, as its comments say.
    listed = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    rules = [{k: v for k, v in rule.items() if k not in ("faultId", "hits")} for rule in listed]
    assert rules == [
        {"operation": "getOrders", "status": 503, "remaining": 2},
        {"operation": "*", "orderId": "111-4575884-6753368", "delay": {"minMs": 1500, "maxMs": 1500}},
        {"operation": "getOrderItems", "body": "malformed"},
        {"operation": "confirmShipment", "drop": True, "remaining": 1},
        {"operation": "createToken", "status": 500, "remaining": 1},
    ], out
    assert "cleared 5" in out, out
    assert requests.get(f"{url}/_mock/faults", timeout=10).json()["faults"] == []


def the_migration(out: str, url: str) -> None:
    """Both versions, the same orders; the example order still Unshipped with the buyer's request."""
    v0_page, v2026_page, next_page, v0_items, order = json_documents(out)
    assert [o["AmazonOrderId"] for o in v0_page["payload"]["Orders"]] == [o["orderId"] for o in v2026_page["orders"]]
    assert len(v2026_page["orders"]) == 5 and v2026_page["pagination"]["nextToken"] and next_page["orders"]
    assert FLAG in [item["BuyerRequestedCancel"] for item in v0_items["payload"]["OrderItems"]]
    assert order["order"]["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED", order
    (item,) = order["order"]["orderItems"]
    assert item["cancellation"] == {"cancellationRequest": {"requester": "BUYER", "cancelReason": MISTAKE}}


CHECKS = {
    "demo": the_demo,
    "try-it": the_try_it_requests,
    "faults": the_faults,
    "migration": the_migration,
    "tour": prints_the_buyers_request,
    "amzn-sp-api": prints_the_buyers_request,
    "python-amazon-sp-api": prints_the_buyers_request,
    "migration-sdk": prints_the_buyers_request,
    "sdk-js": prints_the_buyers_request,
    "sp-api-sdk": prints_the_buyers_request,
    "amz-tools": prints_the_buyers_request,
}


# -- the extractor catches what it should ---------------------------------------------------------


def test_the_extractor_reads_markers_and_names_what_breaks_the_convention(tmp_path):
    (tmp_path / "docs" / "apis").mkdir(parents=True)
    (tmp_path / "README.md").write_text(
        "# x\n\n<!-- run: sh id=first -->\n```sh\necho one\n```\n\n```python\nprint(1)\n```\n"
        "<!-- not-run: -->\n```yaml\na: 1\n```\n<!-- run: shell -->\n\n```sh\nls\n```\n"
        "<!-- run: node -->\n```python\nprint(2)\n```\n\n```text\nplain\n```\n"
    )
    (tmp_path / "docs" / "apis" / "a.md").write_text(
        "- a list item:\n\n    <!-- not-run: an output sample -->\n    ```console\n    $ spapi-mock rate\n    ```\n"
    )
    from support.snippets import blocks_of

    found = all_blocks(tmp_path)
    assert [(b.where, b.language, b.kind, b.id) for b in found] == [
        ("README.md:4", "sh", "sh", "first"),
        ("README.md:8", "python", None, None),
        ("README.md:12", "yaml", "not-run", None),
        ("README.md:17", "sh", "shell", None),
        ("README.md:21", "python", "node", None),
        ("README.md:25", "text", None, None),
        ("docs/apis/a.md:4", "console", "not-run", None),
    ]
    assert found[0].text == "echo one\n" and found[-1].text == "$ spapi-mock rate\n"
    assert blocks_of(tmp_path / "docs" / "apis" / "a.md", tmp_path)[0].reason == "an output sample"
    said = problems(found)
    assert [line.split(":")[0] + ":" + line.split(":")[1] for line in said] == [
        "README.md:8",
        "README.md:12",
        "README.md:17",
        "README.md:21",
    ], said


def test_the_gnu_and_port_rules_catch_what_they_should():
    from support.snippets import Block

    def sh(text):
        return Block("x.md", 1, "sh", "sh", None, None, text)

    for bad in (
        "date -u -d '7 days ago' +%F",
        "sed -i 's/a/b/' f",
        "grep -oP 'x' f",
        "readlink -f .",
        "ls | xargs -r rm",
        "timeout 5 curl x",
    ):
        assert gnu_only_flags(sh(bad)), bad
    for fine in ("sed -i '' 's/a/b/' f", "sed -i.bak 's/a/b/' f", "date -u +%FT%TZ", "grep -o x f", "echo timeout"):
        assert not gnu_only_flags(sh(fine)), fine
    assert hardcoded_ports(sh("curl http://127.0.0.1:8080/x"))
    assert hardcoded_ports(sh("spapi-mock serve --port 8081 &"))
    assert hardcoded_ports(sh("curl localhost:9000"))
    assert not hardcoded_ports(sh('BASE="${SPAPI_MOCK_URL:-http://127.0.0.1:8080}"; curl "$BASE/x"'))
    assert not hardcoded_ports(sh('BASE = os.environ.get("SPAPI_MOCK_URL", "http://127.0.0.1:8080")'))
    assert not hardcoded_ports(sh('const base = process.env.SPAPI_MOCK_URL ?? "http://127.0.0.1:8080";'))
