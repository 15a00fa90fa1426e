"""Orders requests while the SQS server the notifications go to is down, and what arrives after.

    python bench/notification_outage.py                  # 10 s before, 10 s down, then the catch-up
    python bench/notification_outage.py --seconds 3      # a quick look

Starts moto's standalone server (``python -m moto.server``) and ``spapi-mock serve
--sqs-endpoint-url`` at it (built-in fixtures), makes a queue, a destination for it and the
default seller's ORDER_CHANGE subscription, then runs three phases:

1. before: one client asks getOrder as fast as it can (one connection, one request at a time)
   while another places an order and cancels it every 100 ms (two notifications each);
2. outage: the SQS server is killed; the same load goes on, the notifications pile up pending
   and the worker retries with back-off;
3. after: the SQS server is started again (empty, as a restarted emulator is: the queue is made
   again), and a boto3 consumer reads until every recorded notification has arrived.

It prints getOrder's p50, p99 and slowest answer per phase, the notifications recorded and
received, duplicates (the same NotificationId twice: at least once allows it) and any received
under an id the mock never recorded, and how long the catch-up took. It never fails on a figure.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import boto3
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import REPO, Server, free_port, serve_argv  # noqa: E402  (bench/ is not a package)

from spapi_mock.control.client import HttpControl  # noqa: E402

TOKEN = {"x-amz-access-token": "Atza|bench"}
QUEUE = "bench-orders"
ARN = f"arn:aws:sqs:us-east-1:123456789012:{QUEUE}"


class Moto:
    """moto's server in a process of its own, killed and started again on the same port."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "moto.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "ab") as log:
            argv = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)]
            self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.url}/moto-api/", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"moto's server did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def sqs(self):
        return boto3.client(
            "sqs", endpoint_url=self.url, region_name="us-east-1", aws_access_key_id="b", aws_secret_access_key="b"
        )


class Load:
    """getOrder timed in one thread, orders placed and cancelled in another, until stopped."""

    def __init__(self, base_url: str, order_id: str) -> None:
        self.base_url = base_url
        self.order_id = order_id
        self.control = HttpControl(base_url)
        self.latencies: list[float] = []
        self.changes = 0
        self._stop = threading.Event()

    def run(self, seconds: float) -> list[float]:
        self.latencies = []
        self._stop.clear()
        threads = [threading.Thread(target=self._reads), threading.Thread(target=self._changes)]
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        self._stop.set()
        for thread in threads:
            thread.join()
        return self.latencies

    def _reads(self) -> None:
        session = requests.Session()
        url = f"{self.base_url}/orders/v0/orders/{self.order_id}"
        while not self._stop.is_set():
            started = time.perf_counter()
            answer = session.get(url, headers=TOKEN, timeout=30)
            self.latencies.append(time.perf_counter() - started)
            assert answer.status_code == 200, answer.text

    def _changes(self) -> None:
        while not self._stop.is_set():
            order = self.control.create_order({"order": {"OrderStatus": "Unshipped"}})["order"]
            self.control.apply(order["AmazonOrderId"], "seller_cancel", reason="NoInventory")
            self.changes += 1
            self._stop.wait(0.1)


def figures(latencies: list[float]) -> str:
    ms = sorted(x * 1000 for x in latencies)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    return f"{len(ms):6d} requests  p50 {statistics.median(ms):6.2f} ms  p99 {p99:6.2f} ms  max {ms[-1]:7.2f} ms"


def subscribe(base_url: str) -> None:
    body = {"name": "bench", "resourceSpecification": {"sqs": {"arn": ARN}}}
    destination = requests.post(f"{base_url}/notifications/v1/destinations", json=body, headers=TOKEN, timeout=30)
    destination.raise_for_status()
    body = {"payloadVersion": "1.0", "destinationId": destination.json()["payload"]["destinationId"]}
    url = f"{base_url}/notifications/v1/subscriptions/ORDER_CHANGE"
    requests.post(url, json=body, headers=TOKEN, timeout=30).raise_for_status()


def drain(sqs, url: str, received: list[str], until: float) -> None:
    while time.monotonic() < until:
        answer = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        messages = answer.get("Messages", [])
        for message in messages:
            received.append(json.loads(message["Body"])["NotificationMetadata"]["NotificationId"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        if not messages:
            return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the before and outage phases")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="spapi-notification-outage-"))
    moto = Moto(workdir)
    moto.start()
    sqs = moto.sqs()
    queue_url = sqs.create_queue(QueueName=QUEUE)["QueueUrl"]
    server = Server("spapi-mock", serve_argv(["--sqs-endpoint-url", moto.url]), workdir, None)
    server.start()
    try:
        server.wait_ready("/_mock/health", 300)
        base_url = f"http://127.0.0.1:{server.port}"
        control = HttpControl(base_url)
        subscribe(base_url)
        order_id = control.create_order({"order": {"OrderStatus": "Unshipped"}})["order"]["AmazonOrderId"]
        load = Load(base_url, order_id)
        received: list[str] = []

        before = load.run(args.seconds)
        drain(sqs, queue_url, received, time.monotonic() + 10)
        moto.stop()
        outage = load.run(args.seconds)
        waiting = control.notifications()["undelivered"]
        attempts = max((entry.get("attempts") or 0 for entry in waiting), default=0)
        moto.start()
        restarted = time.monotonic()
        sqs = moto.sqs()
        queue_url = sqs.create_queue(QueueName=QUEUE)["QueueUrl"]
        recorded = None
        while time.monotonic() < restarted + 120:
            drain(sqs, queue_url, received, time.monotonic() + 5)
            answer = control.notifications()
            if not answer["undelivered"]:
                recorded = [entry["notificationId"] for entry in answer["notifications"]]
                drain(sqs, queue_url, received, time.monotonic() + 3)
                break
        caught_up = time.monotonic() - restarted

        print(f"getOrder before the outage : {figures(before)}")
        print(f"getOrder during the outage : {figures(outage)}")
        print(f"orders placed and cancelled: {load.changes} (two ORDER_CHANGE each)")
        print(f"pending when SQS came back : {len(waiting)} (the head tried {attempts} times)")
        if recorded is None:
            print("not every notification was delivered within 120 s of the restart")
            recorded = [entry["notificationId"] for entry in control.notifications()["notifications"]]
        print(f"recorded by the mock       : {len(recorded)}")
        print(f"received by the consumer   : {len(received)} ({len(set(received))} distinct NotificationIds)")
        print(f"missing                    : {len(set(recorded) - set(received))}")
        print(f"duplicates (same id)       : {len(received) - len(set(received))}")
        print(f"under an unrecorded id     : {len(set(received) - set(recorded))}")
        print(f"caught up after restart in : {caught_up:.1f} s")
    finally:
        server.stop()
        moto.stop()


if __name__ == "__main__":
    main()
