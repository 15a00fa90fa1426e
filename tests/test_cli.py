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

from spapi_mock.store.database import read_tables

from support import DATA, TEST_FIXTURES
from support.http import TOKEN
from support.live_server import free_port, live_server

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
            f"Feeds API           {base}/feeds/2021-06-30/feeds  (docs {base}/feeds/2021-06-30/ui/)",
            f"Reports API         {base}/reports/2021-06-30/reports  (docs {base}/reports/2021-06-30/ui/)",
            f"Notifications API   {base}/notifications/v1/destinations  (docs {base}/notifications/v1/ui/)",
            f"Sellers API         {base}/sellers/v1/marketplaceParticipations  (docs {base}/sellers/v1/ui/)",
            f"Finances v0         {base}/finances/v0/financialEventGroups  (docs {base}/finances/v0/ui/)",
            f"Finances 2024-06-19 {base}/finances/2024-06-19/balances  (docs {base}/finances/2024-06-19/ui/)",
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
        # Each line is written before its answer is complete: nothing to wait for.
        output = server.output()
    # live_server's readiness probe (GET /_mock/health) is a routine read: not at info level.
    lines = [line for line in output.splitlines() if "spapi_mock.requests" in line]
    assert len(lines) == 4, output
    assert re.search(rf"INFO spapi_mock.requests: getOrderItems {ORDER} -> 200 \(\d+\.\d ms, seller A1MOCKSELLER00\)$", lines[0])
    assert "getOrder@v0 999-0000000-0000000 -> 404 (" in lines[1]
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
    assert len(read_tables(str(db))["orders"]) == 10
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


def test_every_fixture_problem_is_reported_at_once_and_an_empty_directory_is_warned_of(tmp_path):
    fixtures = tmp_path / "fixtures"
    fixtures.mkdir()
    data = yaml.safe_load((TEST_FIXTURES / "test-orders.yaml").read_text())
    data["orders"][0]["items"][0]["QuantityOrdered"] = "one"
    data["orders"][2]["order"]["OrderStatus"] = "Sent"
    (fixtures / "broken.yaml").write_text(yaml.safe_dump(data))
    (fixtures / "unreadable.json").write_text("{")
    command = [sys.executable, "-m", "spapi_mock", "serve", "--port", str(free_port()), "--fixtures", str(fixtures)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "fixtures refused, 3 problems:" in result.stderr, result.stderr
    assert "order #1" in result.stderr and "order #3" in result.stderr and "unreadable.json: cannot be parsed" in result.stderr

    empty = tmp_path / "empty"
    empty.mkdir()
    with live_server("--fixtures", str(empty), tmp_dir=tmp_path) as server:
        assert f"warning: {empty} holds no fixture files" in server.output()


def test_the_number_of_fixture_problems_announced_is_the_number_listed(tmp_path):
    """One run announced "5 problems" and listed 2 (PyYAML's message spans four lines), and a
    record's missing required fields came one per start."""
    fixtures = tmp_path / "fixtures"
    fixtures.mkdir()
    data = yaml.safe_load((TEST_FIXTURES / "test-orders.yaml").read_text())
    del data["orders"][0]["order"]["MarketplaceId"], data["orders"][0]["order"]["FulfillmentChannel"]
    (fixtures / "broken.yaml").write_text(yaml.safe_dump(data))
    (fixtures / "unparsable.yaml").write_text("orders:\n  - order: {AmazonOrderId: 1\n    items: [\n")
    command = [sys.executable, "-m", "spapi_mock", "serve", "--port", str(free_port()), "--fixtures", str(fixtures)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    heading, *listed = result.stderr.strip().splitlines()
    assert heading == "spapi-mock: fixtures refused, 3 problems:", result.stderr
    assert len(listed) == 3 and all(line.startswith(f"  {fixtures}/") for line in listed), result.stderr
    assert "order #1" in listed[0] and "order.MarketplaceId is required" in listed[0], listed
    assert "order #1" in listed[1] and "order.FulfillmentChannel is required" in listed[1], listed
    assert "unparsable.yaml: cannot be parsed: line 3, column" in listed[2], listed


def test_a_second_process_on_a_served_store_exits_2_and_the_servers_writes_stand(tmp_path):
    """Before: a second server on the same --db started, and the CLI's --db on a file a server
    owned exited 0 while the server's next write erased the CLI's change."""
    db = tmp_path / "state.json"
    with live_server("--fixtures", str(TEST_FIXTURES), "--db", str(db), tmp_dir=tmp_path) as server:
        pid = server.process.pid
        second = subprocess.run(
            [sys.executable, "-m", "spapi_mock", "serve", "--port", "0", "--db", str(db)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 2 and f"{db}: the store is in use by another spapi-mock process (pid {pid})" in second.stderr
        cli = subprocess.run(
            [sys.executable, "-m", "spapi_mock", "clock", "advance", "1h", "--db", str(db)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert cli.returncode == 2 and f"(pid {pid})" in cli.stderr, cli.stderr
        assert "Traceback" not in second.stderr + cli.stderr
        placed = requests.post(f"{server.base_url}/_mock/orders", json={"items": [{"SellerSKU": "KETTLE-1"}]}, timeout=30)
        assert placed.status_code == 201
    with live_server("--db", str(db), tmp_dir=tmp_path) as server:
        order_id = placed.json()["order"]["AmazonOrderId"]
        assert requests.get(f"{server.base_url}/orders/v0/orders/{order_id}", headers=TOKEN, timeout=30).status_code == 200


def test_console_script_and_module_entry_point_agree():
    script = Path(sys.executable).with_name("spapi-mock")
    by_script = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=30)
    by_module = subprocess.run([sys.executable, "-m", "spapi_mock", "--version"], capture_output=True, text=True, timeout=30)
    assert by_script.returncode == by_module.returncode == 0
    assert by_script.stdout == by_module.stdout and by_script.stdout.startswith("spapi-mock ")


def test_every_address_the_banner_gives_answers(tmp_path):
    """The banner is the first thing a new user follows: none of its addresses may be a 404."""
    with live_server("--fixtures", str(TEST_FIXTURES), tmp_dir=tmp_path) as server:
        addresses = re.findall(r"http://[^\s)]+", server.output().split("\n\n")[0])
        assert len(addresses) >= 10, server.output()
        for address in addresses:
            response = requests.get(address, headers=TOKEN, timeout=5)
            if address.endswith("/auth/o2/token"):
                # The token endpoint takes POST only, and says so.
                assert (response.status_code, response.headers["Allow"]) == (405, "POST"), address
            elif address.endswith(("/orders/v0/orders", "/orders/2026-01-01/orders", "/feeds", "/reports")):
                assert response.status_code == 400 and "errors" in response.json(), address  # needs its filters
            elif address.endswith("/restrictedDataToken"):
                assert response.status_code == 405, address
            else:
                assert response.status_code == 200, (address, response.status_code, response.text[:200])
        index = requests.get(f"{server.base_url}/_mock/", timeout=5).json()
        assert {"docs", "dashboard", "health"} <= set(index) and "GET /_mock/health" in index["operations"]
        health = requests.get(f"{server.base_url}/_mock/health", timeout=5).json()
        assert health["status"] == "ok" and health["orders"] == 10 and health["store"] == "memory"
        # Without its trailing slash the control plane's address is redirected, not refused.
        bare = requests.get(f"{server.base_url}/_mock", timeout=5, allow_redirects=False)
        assert bare.status_code == 308 and bare.headers["Location"].endswith("/_mock/")


def test_a_method_a_path_does_not_take_is_refused_with_the_methods_it_does(tmp_path):
    with live_server("--fixtures", str(TEST_FIXTURES), tmp_dir=tmp_path) as server:
        refused = requests.delete(f"{server.base_url}/orders/v0/orders/{ORDER}", headers=TOKEN, timeout=5)
        assert refused.status_code == 405 and refused.headers["Allow"] == "GET, HEAD"
        assert refused.json()["errors"][0]["code"] == "MethodNotAllowed"
        assert requests.put(f"{server.base_url}/_mock/clock", timeout=5).headers["Allow"] == "GET, HEAD"


def serve_refusal(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "spapi_mock", "serve", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_every_serve_option_is_checked_before_anything_starts(tmp_path):
    """--port 99999 used to be accepted, announced in the banner, and served elsewhere."""
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    for args, complaint in (
        (("--port", "99999"), "'99999' is not a port"),
        (("--port", "-1"), "'-1' is not a port"),
        (("--journal-size", "0"), "'0' is not a whole number of at least 1"),
        (("--throttle-factor", "5000"), "at most 1000"),
        (("--fixtures", str(tmp_path / "missing")), "no such directory"),
        (("--fixtures", str(a_file)), "not a directory"),
        (("--scenarios", str(tmp_path / "missing")), "no such directory"),
        (("--db", str(tmp_path)), "is a directory"),
        (("--db", str(tmp_path / "no" / "state.json")), "does not exist"),
    ):
        result = serve_refusal(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert complaint in result.stderr and "Traceback" not in result.stderr, (args, result.stderr)
    by_env = serve_refusal(env={"SPAPI_MOCK_PORT": "99999"})
    assert by_env.returncode == 2 and "SPAPI_MOCK_PORT='99999'" in by_env.stderr


def test_a_port_in_use_or_an_unknown_host_is_said_at_once(tmp_path):
    with live_server("--fixtures", str(TEST_FIXTURES), tmp_dir=tmp_path) as server:
        taken = serve_refusal("--fixtures", str(TEST_FIXTURES), "--port", str(server.port))
        assert taken.returncode == 2 and f"cannot listen on 127.0.0.1:{server.port}" in taken.stderr, taken.stderr
        assert "Traceback" not in taken.stderr and "orders" not in taken.stdout  # nothing was loaded or announced
    unknown = serve_refusal("--host", "no-such-host.invalid", "--port", str(free_port()))
    assert unknown.returncode == 2 and "cannot listen on no-such-host.invalid" in unknown.stderr


def test_port_0_serves_on_a_free_port_and_the_banner_says_which(tmp_path):
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "spapi_mock", "serve", "--port", "0", "--fixtures", str(TEST_FIXTURES)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        deadline = time.monotonic() + 60
        while not (found := re.search(r"http://127\.0\.0\.1:(\d+)/_mock/dashboard", log.read_text())):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        port = int(found.group(1))
        assert port != 0
        assert requests.get(f"http://127.0.0.1:{port}/_mock/health", timeout=10).json()["status"] == "ok"
    finally:
        process.terminate()
        process.wait(10)


HEAVY = ("connexion", "flask", "uvicorn", "starlette", "tinydb", "jsonschema", "fastjsonschema", "yaml", "faker")


def modules_loaded_by(*args: str) -> set[str]:
    """The heavy packages ``spapi-mock ARGS`` imports (run in a fresh interpreter)."""
    probe = (
        "import sys\n"
        "from spapi_mock.cli import main\n"
        "try:\n"
        f"    main({list(args)!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted(name for name in {HEAVY!r} if name in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300)
    return set(json.loads(result.stdout.strip().splitlines()[-1].replace("'", '"')))


def test_the_quick_commands_load_nothing_they_do_not_use(tmp_path):
    """Each command took about a second, --help included, because the command line imported the
    server, the store and the schema validators whatever it was asked; what it imports is the
    measure here, not the time."""
    assert modules_loaded_by("--help") == set()
    assert modules_loaded_by("fault", "add", "--help") == set()
    # A command for a running server needs only the standard library's HTTP client.
    with live_server("--fixtures", str(TEST_FIXTURES), tmp_dir=tmp_path) as server:
        assert modules_loaded_by("clock", "--url", server.base_url) == set()
        assert modules_loaded_by("fault", "list", "--url", server.base_url) == set()


def spapi_mock_command(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "spapi_mock", *args], capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})}
    )


def test_the_help_names_every_api_and_says_what_each_command_is_for():
    """`feed` and `report` were listed with no line of their own, under a description of an
    Orders API mock."""
    result = spapi_mock_command("--help")
    assert result.returncode == 0, result.stderr
    description = " ".join(result.stdout.split("positional arguments:")[0].split())
    assert "Orders" in description and "Feeds" in description and "Reports" in description, description
    listing = result.stdout.split("positional arguments:")[1].split("options:")[0]
    commands = re.findall(r"^ {4}(\S+)(.*)$", listing, re.M)
    assert {"serve", "feed", "report", "journal", "clock"} <= {name for name, _ in commands}, listing
    assert [name for name, help_line in commands if not help_line.strip()] == [], listing


def test_an_unknown_option_is_refused_with_its_own_commands_usage():
    """`serve --prot` printed the usage of spapi-mock itself, which does not show serve's options."""
    for args, usage, unknown in (
        (("serve", "--prot"), "usage: spapi-mock serve ", "--prot"),
        (("fault", "add", "--stauts", "503"), "usage: spapi-mock fault add ", "--stauts 503"),
        (("clock", "advance", "1m", "--frozen"), "usage: spapi-mock clock ", "--frozen"),
    ):
        result = spapi_mock_command(*args)
        assert result.returncode == 2 and result.stderr.startswith(usage), (args, result.stderr)
        assert f"error: unrecognized arguments: {unknown}" in result.stderr, result.stderr


def test_a_reader_that_stops_reading_ends_the_command_quietly(tmp_path):
    """`spapi-mock journal | head -5` ended in a BrokenPipeError traceback."""
    with live_server("--fixtures", str(TEST_FIXTURES), tmp_dir=tmp_path) as server:
        for _ in range(3):
            requests.get(f"{server.base_url}/orders/v0/orders/{ORDER}", headers=TOKEN, timeout=5)
        # `true` stops reading at once, before the command has printed anything.
        command = f'{sys.executable} -m spapi_mock journal --url {server.base_url} | true; echo "exit ${{PIPESTATUS[0]}}"'
        piped = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60)
    assert piped.stderr == "", piped.stderr
    assert piped.stdout.strip() in ("exit 0", "exit 141"), piped.stdout
