"""The pytest plugin (``spapi_mock.pytest_plugin``) as a project uses it: installed with the
package, its fixtures used from that project's own test files."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import pytest

from support import PROJECT_ROOT
from support.live_server import copy_checkout, live_server

EXAMPLE = PROJECT_ROOT / "examples" / "pytest-project"

# What the inner test files share: plain-HTTP calls as an SDK makes them.
HTTP_HELPERS = """
import json
import urllib.error
import urllib.parse
import urllib.request


def access_token(mock, refresh_token=None):
    form = urllib.parse.urlencode({"grant_type": "refresh_token", "refresh_token": refresh_token or mock.refresh_token,
                                   "client_id": mock.client_id, "client_secret": mock.client_secret}).encode()
    with urllib.request.urlopen(mock.token_url, form) as answer:
        return json.load(answer)["access_token"]


def get_order(mock, order_id, token):
    request = urllib.request.Request(f"{mock.base_url}/orders/v0/orders/{order_id}", headers={"x-amz-access-token": token})
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as refused:
        return refused.code, json.load(refused)
"""


def run_inner(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(helpers=HTTP_HELPERS, test_inner=textwrap.dedent(source))
    # A process of its own, as a project's pytest run is: the plugin comes from the entry point.
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)


def test_the_example_project_passes_with_only_the_plugin_and_amazons_sdk():
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=EXAMPLE,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "6 passed" in result.stdout and "warning" not in result.stdout, result.stdout


def test_the_example_projects_install_command_works_as_written(tmp_path):
    """examples/pytest-project/README.md's command, in a fresh copy of the repository: it used to
    fail because spapi-mock is not on the package index."""
    readme = (EXAMPLE / "README.md").read_text(encoding="utf-8")
    (command,) = re.findall(r"```sh\n(.*?)\n```", readme, re.S)
    example = copy_checkout(tmp_path / "spapi-mock") / "examples" / "pytest-project"
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", command], cwd=example, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "6 passed" in result.stdout, result.stdout[-2000:]


def test_each_test_has_a_seller_of_its_own_and_what_it_changed_is_put_back(pytester):
    result = run_inner(
        pytester,
        """
        from helpers import access_token, get_order

        FIRST = {}

        def test_one(spapi_mock):
            order = spapi_mock.create_order(items=[{"SellerSKU": "KETTLE-1"}])
            assert get_order(spapi_mock, order["AmazonOrderId"], access_token(spapi_mock))[0] == 200
            FIRST.update(seller=spapi_mock.seller_id, order=order["AmazonOrderId"], token=spapi_mock.refresh_token)
            spapi_mock.freeze_clock("2031-01-01T00:00:00Z")
            spapi_mock.set_throttling("amazon")
            spapi_mock.set_strict_auth(True)
            spapi_mock.add_fault(operation="getOrders", status=503)

        def test_two(spapi_mock):
            control = spapi_mock.control
            assert spapi_mock.seller_id != FIRST["seller"]
            sellers = [seller["sellerId"] for seller in control.sellers()["sellers"]]
            assert FIRST["seller"] not in sellers and spapi_mock.seller_id in sellers
            clock = control.clock()
            assert clock["frozen"] is False and not clock["now"].startswith("2031")
            assert control.throttling()["mode"] == "off"
            assert control.auth()["strict"] is False
            assert control.faults()["faults"] == []
            assert control.journal(seller_id=FIRST["seller"])["requests"] == []
            # The first test's order went with its seller.
            status, body = get_order(spapi_mock, FIRST["order"], access_token(spapi_mock, FIRST["token"]))
            assert status == 404 and body["errors"][0]["code"] == "NotFound"
        """,
    )
    result.assert_outcomes(passed=2)


def test_a_seller_reads_only_its_own_orders(pytester):
    result = run_inner(
        pytester,
        """
        from helpers import access_token, get_order

        def test_isolated(spapi_mock, spapi_mock_server):
            mine = spapi_mock.create_order(items=[{"SellerSKU": "MUG-1"}])["AmazonOrderId"]
            # The default seller of the same server does not see it; its own token does.
            status, _ = get_order(spapi_mock, mine, access_token(spapi_mock, "Atzr|someone-else"))
            assert status == 404
            status, body = get_order(spapi_mock, mine, access_token(spapi_mock))
            assert status == 200 and body["payload"]["OrderStatus"] == "Pending"
            assert [entry["orderId"] for entry in spapi_mock.journal(operation="getOrder")] == [mine]
        """,
    )
    result.assert_outcomes(passed=1)


def test_the_seed_marker_chooses_how_a_seller_starts(pytester):
    result = run_inner(
        pytester,
        """
        import json
        import urllib.request

        import pytest
        from helpers import access_token, get_order

        def orders(mock):
            return next(s["orders"] for s in mock.control.sellers()["sellers"] if s["sellerId"] == mock.seller_id)

        def test_default_seed(spapi_mock):
            assert orders(spapi_mock) == 94
            assert get_order(spapi_mock, "111-4575884-6753368", access_token(spapi_mock))[0] == 200

        @pytest.mark.spapi_mock(seed="empty")
        def test_empty_seed(spapi_mock):
            assert orders(spapi_mock) == 0
            assert get_order(spapi_mock, "111-4575884-6753368", access_token(spapi_mock))[0] == 404

        @pytest.mark.spapi_mock(seed="empty", marketplaces=["A1PA6795UKMFR9", "A1F83G8C2ARO7P"])
        def test_marketplaces(spapi_mock):
            request = urllib.request.Request(f"{spapi_mock.base_url}/sellers/v1/marketplaceParticipations",
                                             headers={"x-amz-access-token": access_token(spapi_mock)})
            with urllib.request.urlopen(request) as answer:
                found = [p["marketplace"]["id"] for p in json.load(answer)["payload"]]
            assert found == ["A1F83G8C2ARO7P", "A1PA6795UKMFR9"]  # Amazon's table order: the UK before Germany
        """,
    )
    result.assert_outcomes(passed=3)


def test_the_helpers_act_for_the_tests_seller(pytester):
    result = run_inner(
        pytester,
        """
        def test_helpers(spapi_mock):
            order = spapi_mock.create_order(items=[{"SellerSKU": "KETTLE-1"}, {"SellerSKU": "MUG-1"}])
            order_id = order["AmazonOrderId"]
            assert spapi_mock.apply(order_id, "authorize_payment")["OrderStatus"] == "Unshipped"
            before = spapi_mock.now()
            assert spapi_mock.advance_clock("45m") > before
            [rate_before] = spapi_mock.cancellation_rate(["ATVPDKIKX0DER"])
            assert spapi_mock.apply(order_id, "seller_cancel", reason="NoInventory")["OrderStatus"] == "Canceled"
            [rate_after] = spapi_mock.cancellation_rate(["ATVPDKIKX0DER"])
            assert rate_after["sellerId"] == spapi_mock.seller_id
            assert rate_after["sellerCancelledOrders"] == rate_before["sellerCancelledOrders"] + 1

            run = spapi_mock.run_scenario("buyer-requests-cancellation")
            assert run["sellerId"] == spapi_mock.seller_id and run["orders"]

            fault = spapi_mock.add_fault(operation="getOrders", status=429)
            assert fault["sellerId"] == spapi_mock.seller_id
            assert spapi_mock.clear_faults() == 1
            assert spapi_mock.reset() == 94
        """,
    )
    result.assert_outcomes(passed=1)


def test_a_server_already_running_is_used_by_url(pytester, tmp_path):
    with live_server(tmp_dir=tmp_path) as server:
        result = run_inner(
            pytester,
            f"""
            from helpers import access_token, get_order

            def test_uses_it(spapi_mock):
                assert spapi_mock.base_url == "{server.base_url}"
                order_id = spapi_mock.create_order()["AmazonOrderId"]
                assert get_order(spapi_mock, order_id, access_token(spapi_mock))[0] == 200
            """,
            f"--spapi-mock-url={server.base_url}",
        )
        result.assert_outcomes(passed=1)
        import requests

        sellers = requests.get(f"{server.base_url}/_mock/sellers", timeout=5).json()["sellers"]
    assert [seller["sellerId"] for seller in sellers] == ["A1MOCKSELLER00"]  # the test's seller is gone


def test_loading_the_plugin_does_not_load_the_server():
    # pytest loads the plugin in every run of an environment that has spapi-mock installed.
    code = "import sys, spapi_mock.pytest_plugin; print(sorted(m for m in ('connexion', 'flask', 'tinydb') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
