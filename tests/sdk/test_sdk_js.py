"""The Node.js quick starts (docs/getting-started/node.md) run, as written, against ``spapi-mock serve``.

Each snippet is a file in ``examples/js/`` and the docs show it verbatim in a ``node`` block
(checked here), so neither can drift. The packages are the exact versions of ``examples/js/package-lock.json``,
installed here with ``npm ci`` when ``node_modules`` is missing or older than the lock file.

The server runs with ``--strict-auth``: an SP-API call only succeeds with a token the mock's
``/auth/o2/token`` issued, so a snippet that still asked Amazon for its token would fail.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess

import pytest
import requests

from support.node import EXAMPLES, NODE
from support.snippets import all_blocks, blocks, environment

NODE_PAGE = "docs/getting-started/node.md"
SNIPPETS = sorted(path.name for path in EXAMPLES.glob("*.mjs"))
US = "ATVPDKIKX0DER"
ORDER = "111-4575884-6753368"  # the buyer asked to cancel it (fixtures/default/na.yaml)
PAGE_SIZE = 10  # the snippets' MaxResultsPerPage
SERVE = ("--strict-auth",)


def test_the_docs_show_every_snippet_exactly_as_in_examples_js():
    files = {name: (EXAMPLES / name).read_text(encoding="utf-8") for name in SNIPPETS}
    shown = [block.text for block in all_blocks() if block.language == "js"]
    assert len(files) == 3
    missing = [name for name, text in files.items() if text not in shown]
    unknown = [text.splitlines()[0] for text in shown if text not in files.values()]
    assert not missing and not unknown, (
        f"the docs' ```js blocks and examples/js/*.mjs differ: not in the docs as written: {missing}; "
        f"in the docs only (first lines): {unknown}"
    )


def test_the_docs_install_the_pinned_versions():
    dependencies = json.loads((EXAMPLES / "package.json").read_text(encoding="utf-8"))["dependencies"]
    shell = "".join(block.text for block in blocks(file=NODE_PAGE) if block.language == "sh")
    installs = " ".join(re.findall(r"^npm install (.+)$", shell, re.M)).split()
    assert sorted(installs) == sorted(f"{name}@{version}" for name, version in dependencies.items())


# --- running the snippets --------------------------------------------------------------------


def orders_the_server_lists(server, query: dict) -> int:
    """How many orders getOrders answers for ``query``'s marketplaces and CreatedAfter, every page."""
    token = requests.post(
        f"{server.base_url}/auth/o2/token",
        data={"grant_type": "refresh_token", "refresh_token": "Atzr|any", "client_id": "test", "client_secret": "test"},
        timeout=10,
    ).json()["access_token"]
    params = {"MarketplaceIds": query["MarketplaceIds"], "CreatedAfter": query["CreatedAfter"], "MaxResultsPerPage": 100}
    count = 0
    while True:
        response = requests.get(
            f"{server.base_url}/orders/v0/orders", params=params, headers={"x-amz-access-token": token}, timeout=10
        )
        response.raise_for_status()
        payload = response.json()["payload"]
        count += len(payload["Orders"])
        if not payload.get("NextToken"):
            return count
        params["NextToken"] = payload["NextToken"]


@pytest.mark.parametrize("name", SNIPPETS)
def test_snippet_lists_the_orders_and_reads_the_cancellation_request(name, node_modules, server, control, tmp_path):
    control.clear_journal()
    # The snippet as written, the server's address in SPAPI_MOCK_URL; node finds the packages next to it.
    script = tmp_path / name
    script.write_text((EXAMPLES / name).read_text(encoding="utf-8"))
    (tmp_path / "node_modules").symlink_to(node_modules)
    shutil.copy(EXAMPLES / "package.json", tmp_path)

    result = subprocess.run(
        [NODE, name], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=environment(server.base_url)
    )

    assert result.returncode == 0, result.stdout + result.stderr
    # The flag is the string "true" in Amazon's model; every SDK hands it over unchanged.
    printed = re.fullmatch(r"(\d+) orders; true Order Created By Mistake\n", result.stdout)
    assert printed, result.stdout + result.stderr
    listed = int(printed.group(1))

    # What the SDK sent: one token request to the mock first, then getOrders page by page, then
    # getOrderItems - all answered 200 (strict auth: the token can only have come from the mock).
    sent = control.journal()["requests"]
    calls = [(entry["operation"], entry["orderId"], entry["status"]) for entry in sent]
    assert all(status == 200 for _, _, status in calls), calls
    assert calls[0][0] == "createToken", calls
    assert [(operation, order) for operation, order, _ in calls if operation != "getOrders"] == [
        ("createToken", None),
        ("getOrderItems", ORDER),
    ], calls
    pages = [entry["query"] for entry in sent if entry["operation"] == "getOrders"]
    assert pages and pages[0]["MarketplaceIds"] == US and "NextToken" not in pages[0], pages
    assert all("NextToken" in query for query in pages[1:]), pages

    # Every order the server lists for the same query, no more: an SDK that dropped a page, or
    # parsed an empty list, fails here. The default fixtures have more than one page of them.
    assert listed == orders_the_server_lists(server, pages[0])
    assert listed > PAGE_SIZE and len(pages) == math.ceil(listed / PAGE_SIZE), (listed, len(pages))
