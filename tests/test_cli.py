"""The `spapi-mock` command as a user runs it: a real server process on a real port."""

from __future__ import annotations

import json
import subprocess
import sys
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
        assert f"{server.base_url}/orders/v0/orders" in banner and f"{server.base_url}/auth/o2/token" in banner


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
