"""A web page the user visits must not reach the mock: before, any page could reset the store,
move the clock or run scenarios (bodiless cross-origin POSTs succeed), and a DNS-rebinding page
could read every refresh token (GET /_mock/sellers), because Host was never checked."""

from __future__ import annotations

import pytest
import requests

from spapi_mock.traffic.request_guard import AllowedHosts, host_name, refusal

from support import TEST_FIXTURES
from support.http import TOKEN
from support.live_server import live_server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with live_server("--fixtures", str(TEST_FIXTURES), tmp_dir=tmp_path_factory.mktemp("guard")) as running:
        yield running


BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0", "Sec-Fetch-Site": "same-origin"}


def test_a_browser_naming_a_host_the_mock_does_not_answer_to_is_refused_on_every_path(server):
    for path in ("/_mock/sellers", "/orders/v0/orders/111-0000000-0000001", "/_mock/dashboard"):
        headers = {"Host": "rebound.example:8080", **TOKEN, **BROWSER}
        response = requests.get(server.base_url + path, headers=headers, timeout=30)
        assert response.status_code == 403, (path, response.text)
        (error,) = response.json()["errors"]
        assert "Host 'rebound.example'" in error["message"] and "--allow-hosts" in error["message"]
        assert response.headers["x-amzn-RequestId"]
    for host in ("localhost", "127.0.0.1", "[::1]", "sellingpartnerapi-eu.amazon.com", "app.localhost"):
        assert requests.get(server.base_url + "/_mock/health", headers={"Host": host, **BROWSER}, timeout=30).status_code == 200
    # Not a browser: python-amazon-sp-api sends 127.0.0.1 without its first two characters.
    assert requests.get(server.base_url + "/_mock/health", headers={"Host": "27.0.0.1:8080"}, timeout=30).status_code == 200


def test_a_cross_origin_change_of_the_control_plane_is_refused_and_changes_nothing(server):
    before = requests.get(server.base_url + "/_mock/clock", timeout=30).json()
    for headers in ({"Origin": "http://evil.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}):
        response = requests.post(server.base_url + "/_mock/clock/advance", json={"by": "7d"}, headers=headers, timeout=30)
        assert response.status_code == 403 and "same origin" in response.json()["errors"][0]["message"], headers
    assert requests.get(server.base_url + "/_mock/clock", timeout=30).json() == before
    # The dashboard's own calls (same origin) and SDKs and scripts (no Origin) go through.
    same = requests.post(
        server.base_url + "/_mock/clock/advance", json={"by": "1s"}, headers={"Origin": server.base_url}, timeout=30
    )
    assert same.status_code == 200
    assert requests.post(server.base_url + "/_mock/clock/advance", json={"by": "1s"}, timeout=30).status_code == 200
    # Reading stays open to any origin's GET only as far as Host allows; SP-API calls are not control changes.
    assert (
        requests.get(server.base_url + "/_mock/clock", headers={"Origin": "http://evil.example"}, timeout=30).status_code == 200
    )


def test_more_host_names_are_allowed_by_option_or_environment(tmp_path):
    env = {"SPAPI_MOCK_ALLOW_HOSTS": "spapi-mock"}
    with live_server("--fixtures", str(TEST_FIXTURES), "--allow-hosts", "mock.internal", tmp_dir=tmp_path, env=env) as running:
        for host in ("spapi-mock:8080", "mock.internal", "localhost"):
            assert (
                requests.get(running.base_url + "/_mock/health", headers={"Host": host, **BROWSER}, timeout=30).status_code == 200
            )
        assert (
            requests.get(running.base_url + "/_mock/health", headers={"Host": "other", **BROWSER}, timeout=30).status_code == 403
        )


def test_unit_host_names_and_refusals():
    assert [host_name(h) for h in ("LocalHost:80", "[::1]:8080", "::1", "a.b")] == ["localhost", "::1", "::1", "a.b"]
    assert AllowedHosts(["*"]).allows("anything") and not AllowedHosts().allows("anything")
    assert AllowedHosts(bound_host="10.0.0.5").allows("10.0.0.5:8080")
    assert refusal("POST", "/orders/v0/orders/1/shipment", {"host": "localhost", "origin": "http://x"}, AllowedHosts()) is None
    assert refusal("POST", "/_mock/reset", {"host": "evil.example", "user-agent": "python-requests/2"}, AllowedHosts()) is None
    assert refusal("GET", "/_mock/sellers", {"host": "evil.example", "user-agent": "Mozilla/5.0"}, AllowedHosts()) is not None


def test_an_optional_control_token_guards_the_control_plane_but_not_the_health_check_or_sp_api(tmp_path):
    import subprocess
    import sys

    with live_server("--fixtures", str(TEST_FIXTURES), "--control-token", "s3cret", tmp_dir=tmp_path) as running:
        base = running.base_url
        refused = requests.post(base + "/_mock/reset", timeout=30)
        assert refused.status_code == 403 and "X-Mock-Token" in refused.json()["errors"][0]["message"]
        assert requests.get(base + "/_mock/sellers", headers={"X-Mock-Token": "wrong"}, timeout=30).status_code == 403
        assert requests.get(base + "/_mock/sellers", headers={"X-Mock-Token": "s3cret"}, timeout=30).status_code == 200
        assert requests.get(base + "/_mock/health", timeout=30).status_code == 200
        assert requests.get(base + "/orders/v0/orders/111-0000000-0000001", headers=TOKEN, timeout=30).status_code == 200
        # The dashboard, opened once with the token, keeps it as a cookie for its own calls.
        browser = requests.Session()
        assert browser.get(base + "/_mock/dashboard?token=s3cret", timeout=30).status_code == 200
        assert browser.get(base + "/_mock/clock", timeout=30).status_code == 200
        # The command line sends the same variable the server reads.
        env = {"SPAPI_MOCK_CONTROL_TOKEN": "s3cret", "PATH": "/usr/bin:/bin"}
        command = [sys.executable, "-m", "spapi_mock", "clock", "--url", base]
        assert subprocess.run(command, env=env, capture_output=True, timeout=60).returncode == 0
        assert subprocess.run(command, env={"PATH": "/usr/bin:/bin"}, capture_output=True, timeout=60).returncode == 1
