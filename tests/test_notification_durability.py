"""A notification recorded with its change survives a kill -9 before delivery, on a real
``spapi-mock serve --db FILE``.

The change and its notification land in one write of the store file (the outbox), so a server
killed after that write and before its worker delivered the notification delivers it after the
restart, with the NotificationId it was recorded with (Amazon: a consumer recognises a repeat by
it). To stop the server exactly there, a hook loaded into it (``sitecustomize`` on PYTHONPATH)
holds delivery while a file exists: the change is answered and on disk, the notification pending.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path

import requests

from spapi_mock.store.database import read_tables

from support import TEST_FIXTURES
from support.live_server import live_server

TOKEN = {"x-amz-access-token": "Atza|durability"}

HOLD_HOOK = """
import os

_HOLD = os.environ.get("SPAPI_MOCK_TEST_HOLD_DELIVERY")
if _HOLD:
    from spapi_mock.notifications import outbox as _outbox

    _deliver = _outbox.Outbox.deliver_pending

    def deliver_pending(self):
        return 0 if os.path.exists(_HOLD) else _deliver(self)

    _outbox.Outbox.deliver_pending = deliver_pending
"""


def _subscribe(base: str) -> str:
    grantless = requests.post(
        f"{base}/auth/o2/token",
        data={
            "grant_type": "client_credentials",
            "scope": "sellingpartnerapi::notifications",
            "client_id": "a",
            "client_secret": "b",
        },
        timeout=20,
    ).json()["access_token"]
    arn = f"arn:aws:sqs:us-east-1:000000000000:orders-{uuid.uuid4().hex[:8]}"
    destination = requests.post(
        f"{base}/notifications/v1/destinations",
        json={"name": "orders", "resourceSpecification": {"sqs": {"arn": arn}}},
        headers={"x-amz-access-token": grantless},
        timeout=20,
    )
    assert destination.status_code == 200, destination.text
    body = {"payloadVersion": "1.0", "destinationId": destination.json()["payload"]["destinationId"]}
    created = requests.post(f"{base}/notifications/v1/subscriptions/ORDER_CHANGE", json=body, headers=TOKEN, timeout=20)
    assert created.status_code == 200, created.text
    return created.json()["payload"]["subscriptionId"]


def _pending_in_file(db: Path) -> list[dict]:
    return [doc for doc in read_tables(str(db)).get("notifications", {}).values() if doc["status"] == "pending"]


def test_a_kill_between_commit_and_delivery_delivers_after_restart_with_the_same_id(tmp_path):
    db = tmp_path / "state.json"
    hook_dir = tmp_path / "hold-hook"
    hook_dir.mkdir()
    (hook_dir / "sitecustomize.py").write_text(HOLD_HOOK, encoding="utf-8")
    hold = tmp_path / "hold"
    hold.write_text("held", encoding="utf-8")
    path = os.pathsep.join(filter(None, [str(hook_dir), os.environ.get("PYTHONPATH")]))
    env = {"PYTHONPATH": path, "SPAPI_MOCK_TEST_HOLD_DELIVERY": str(hold)}
    args = ("--db", str(db), "--fixtures", str(TEST_FIXTURES))
    with live_server(*args, tmp_dir=tmp_path, env=env) as server:
        base = server.base_url
        subscription_id = _subscribe(base)
        placed = requests.post(
            f"{base}/_mock/orders", json={"order": {"OrderStatus": "Unshipped"}, "items": [{"QuantityOrdered": 1}]}, timeout=20
        )
        order_id = placed.json()["order"]["AmazonOrderId"]
        cancelled = requests.post(
            f"{base}/_mock/orders/{order_id}/actions", json={"action": "seller_cancel", "reason": "NoInventory"}, timeout=20
        )
        assert cancelled.status_code == 200, cancelled.text
        inbox = requests.get(f"{base}/_mock/notifications", timeout=20).json()
        # Recorded with the changes (the new order, its cancellation), not delivered.
        assert (inbox["count"], inbox["pending"]) == (0, 2)
        recorded = sorted(_pending_in_file(db), key=lambda doc: doc["sequence"])
        assert [doc["subscriptionId"] for doc in recorded] == [subscription_id] * 2
        server.process.send_signal(signal.SIGKILL)
        assert server.process.wait(timeout=30) == -signal.SIGKILL
    hold.unlink()
    with live_server(*args, tmp_dir=tmp_path, env=env) as server:
        base = server.base_url
        arrived = requests.get(
            f"{base}/_mock/notifications/wait", params={"notificationType": "ORDER_CHANGE", "timeout": 20}, timeout=40
        )
        assert arrived.status_code == 200, arrived.text
        inbox = requests.get(f"{base}/_mock/notifications", timeout=20).json()
        for _ in range(200):  # one write delivers both; the wait may have answered just before it
            if inbox["count"] == 2:
                break
            time.sleep(0.05)
            inbox = requests.get(f"{base}/_mock/notifications", timeout=20).json()
        assert (inbox["count"], inbox["pending"]) == (2, 0)
        delivered = [entry["body"] for entry in inbox["notifications"]]
        # The ids fixed when the change committed: a consumer sees each once, by its id.
        assert [n["NotificationMetadata"]["NotificationId"] for n in delivered] == [doc["notificationId"] for doc in recorded]
        changes = [n["Payload"]["OrderChangeNotification"] for n in delivered]
        assert [(c["AmazonOrderId"], c["Summary"]["OrderStatus"]) for c in changes] == [
            (order_id, "Unshipped"),
            (order_id, "Canceled"),
        ]
    assert _pending_in_file(db) == []
