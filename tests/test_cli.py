"""The `spapi-mock` command as a user runs it: a real server process on a real port."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import requests
import yaml

from conftest import DATA, TEST_FIXTURES, TOKEN
from live_server import free_port, live_server

ORDER = "111-0000000-0000001"


def test_serve_answers_on_localhost_and_prints_where_things_are(tmp_path):
    with live_server("--fixtures", str(TEST_FIXTURES), tmp_dir=tmp_path) as server:
        response = requests.get(f"{server.base_url}/orders/v0/orders/{ORDER}", headers=TOKEN, timeout=5)
        assert response.status_code == 200
        assert response.json()["payload"]["AmazonOrderId"] == ORDER
        assert response.headers["x-amzn-RateLimit-Limit"] == "0.5"
        banner = server.output()
        assert "10 orders" in banner
        base = server.base_url
        for where in (
            f"Orders API v0       {base}/orders/v0/orders  (docs {base}/ui/)",
            f"Orders v2026-01-01  {base}/orders/2026-01-01/orders  (docs {base}/orders/2026-01-01/ui/)",
            f"token endpoint      {base}/auth/o2/token",
            f"control plane       {base}/_mock/  (docs {base}/_mock/ui/)",
            f"dashboard           {base}/_mock/dashboard",
            f"store               in memory, from {TEST_FIXTURES}",
            "throttling          off",
            "auth                lenient",
            "request log         a line per request",
        ):
            assert where in banner, banner
        # Connexion's own start-up chatter stays out of the way.
        assert "Adding spec json" not in banner


def test_serve_logs_one_line_per_request(tmp_path):
    with live_server("--fixtures", str(TEST_FIXTURES), tmp_dir=tmp_path) as server:
        requests.get(f"{server.base_url}/orders/v0/orders/{ORDER}/orderItems", headers=TOKEN, timeout=5)
        requests.get(f"{server.base_url}/orders/v0/orders/999-0000000-0000000", headers=TOKEN, timeout=5)
        requests.post(f"{server.base_url}/_mock/clock/advance", json={"by": "1m"}, timeout=5)
        # Reads of the control plane, the dashboard and the docs are not worth a line at info level.
        for routine in ("/_mock/clock", "/_mock/journal", "/_mock/dashboard", "/ui/"):
            assert requests.get(f"{server.base_url}{routine}", timeout=5).status_code == 200
        requests.get(f"{server.base_url}/no/such/path", timeout=5)
        output = _settled_output(server, 5)
    # Less live_server's readiness probes (getOrder "ping").
    lines = [line for line in output.splitlines() if "spapi_mock.requests" in line and " ping " not in line]
    assert len(lines) == 4, output
    assert re.search(rf"INFO spapi_mock.requests: getOrderItems {ORDER} -> 200 \(\d+\.\d ms, seller A1MOCKSELLER00\)$", lines[0])
    assert "getOrder 999-0000000-0000000 -> 404 (" in lines[1]
    assert "control advanceClock -> 200 (" in lines[2]
    assert "GET /no/such/path -> 404 (" in lines[3]


def test_log_level_warning_silences_the_request_log(tmp_path):
    with live_server("--fixtures", str(TEST_FIXTURES), "--log-level", "warning", tmp_dir=tmp_path) as server:
        requests.get(f"{server.base_url}/orders/v0/orders/{ORDER}", headers=TOKEN, timeout=5)
        output = server.output()
    assert "request log         off" in output
    assert "spapi_mock.requests" not in output


def test_serve_takes_its_options_from_the_environment(tmp_path):
    env = {"SPAPI_MOCK_THROTTLING": "scaled", "SPAPI_MOCK_THROTTLE_FACTOR": "0.5", "SPAPI_MOCK_STRICT_AUTH": "true"}
    with live_server("--fixtures", str(TEST_FIXTURES), tmp_dir=tmp_path, env=env) as server:
        assert requests.get(f"{server.base_url}/_mock/throttling", timeout=5).json()["mode"] == "scaled"
        assert requests.get(f"{server.base_url}/_mock/auth", timeout=5).json()["strict"] is True
        assert "Amazon's usage plans x0.5" in server.output()
    # A flag on the command line wins over the environment.
    with live_server("--fixtures", str(TEST_FIXTURES), "--throttling", "off", tmp_dir=tmp_path, env=env) as server:
        assert requests.get(f"{server.base_url}/_mock/throttling", timeout=5).json()["mode"] == "off"


def test_a_bad_environment_value_is_refused_by_name(tmp_path):
    for name, value, complaint in (
        ("SPAPI_MOCK_THROTTLING", "sometimes", "expected one of off, amazon, scaled"),
        ("SPAPI_MOCK_PORT", "eighty", "SPAPI_MOCK_PORT='eighty'"),
        ("SPAPI_MOCK_STRICT_AUTH", "maybe", "expected true or false"),
        ("SPAPI_MOCK_RATE_WINDOW", "a week", "SPAPI_MOCK_RATE_WINDOW='a week'"),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "spapi_mock", "serve", "--port", str(free_port())],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, name: value},
        )
        assert result.returncode == 2, (name, result.stderr)
        assert name in result.stderr and complaint in result.stderr and "Traceback" not in result.stderr


def _settled_output(server, lines: int, timeout: float = 5.0) -> str:
    """The server's output once it holds ``lines`` request-log lines (it logs after answering)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.output().count("spapi_mock.requests") < lines:
        time.sleep(0.05)
    return server.output()


def test_serve_with_the_built_in_fixtures(tmp_path):
    with live_server(tmp_dir=tmp_path) as server:
        token = requests.post(
            f"{server.base_url}/auth/o2/token",
            data={"grant_type": "refresh_token", "refresh_token": "Atzr|x", "client_id": "c", "client_secret": "s"},
            timeout=5,
        ).json()["access_token"]
        response = requests.get(
            f"{server.base_url}/orders/v0/orders",
            params={"CreatedAfter": "2000-01-01T00:00:00Z", "MarketplaceIds": "ATVPDKIKX0DER"},
            headers={"x-amz-access-token": token},
            timeout=5,
        )
        assert response.status_code == 200
        assert len(response.json()["payload"]["Orders"]) >= 20


def test_db_file_keeps_state_across_restarts(tmp_path):
    db = tmp_path / "state.json"
    with live_server("--fixtures", str(TEST_FIXTURES), "--db", str(db), tmp_dir=tmp_path):
        pass
    assert len(json.loads(db.read_text())["orders"]) == 10
    # The file, not the fixtures, is the state once it exists.
    with live_server("--fixtures", str(DATA / "other-seller"), "--db", str(db), tmp_dir=tmp_path) as server:
        response = requests.get(f"{server.base_url}/orders/v0/orders/{ORDER}", headers=TOKEN, timeout=5)
        assert response.status_code == 200


def test_a_broken_fixture_stops_start_up_with_a_message_naming_file_record_and_field(tmp_path):
    fixtures = tmp_path / "fixtures"
    fixtures.mkdir()
    data = yaml.safe_load((TEST_FIXTURES / "test-orders.yaml").read_text())
    data["orders"][2]["items"][0]["QuantityOrdered"] = "one"
    (fixtures / "broken.yaml").write_text(yaml.safe_dump(data))
    result = subprocess.run(
        [sys.executable, "-m", "spapi_mock", "serve", "--port", str(free_port()), "--fixtures", str(fixtures)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "broken.yaml" in result.stderr and "order #3" in result.stderr and "items[0].QuantityOrdered" in result.stderr
    assert "Traceback" not in result.stderr


def test_console_script_and_module_entry_point_agree():
    script = Path(sys.executable).with_name("spapi-mock")
    by_script = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=30)
    by_module = subprocess.run([sys.executable, "-m", "spapi_mock", "--version"], capture_output=True, text=True, timeout=30)
    assert by_script.returncode == by_module.returncode == 0
    assert by_script.stdout == by_module.stdout and by_script.stdout.startswith("spapi-mock ")
