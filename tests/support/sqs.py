"""A live SQS (and EventBridge) server for the notification tests: moto's standalone server, on
a free port of this machine, stopped and started again on the same port to make an outage. Its
queues and messages live in this process's moto backends, so they outlast a restart of the
server, as a real queue outlasts a network outage."""

from __future__ import annotations

import json
import logging
from typing import Any

from support.live_server import free_port
from support.tools import tool_missing

REGION = "us-east-1"
# moto's default account: every queue made without credentials of another account is its.
ACCOUNT = "123456789012"
CREDENTIALS = {"aws_access_key_id": "consumer", "aws_secret_access_key": "consumer"}


class MotoServer:
    def __init__(self) -> None:
        try:
            from moto.server import ThreadedMotoServer
        except ImportError:
            tool_missing("moto's server is not installed (pip install 'moto[server]', in the test extra)")
        self._make = ThreadedMotoServer
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = None
        # Its request log would drown the test's output.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

    def start(self) -> MotoServer:
        self._server = self._make(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def client(self, service: str) -> Any:
        import boto3

        return boto3.client(service, endpoint_url=self.url, region_name=REGION, **CREDENTIALS)


class Consumer:
    """Seller software reading its queue with its ordinary SQS client."""

    def __init__(self, moto: MotoServer, name: str) -> None:
        self.sqs = moto.client("sqs")
        self.url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        self.arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"

    def receive(self, count: int, timeout: float = 30.0) -> list[dict]:
        """Read (and delete) messages until ``count`` arrived or ``timeout`` passed; each body
        parsed as JSON."""
        import time

        bodies: list[dict] = []
        deadline = time.monotonic() + timeout
        while len(bodies) < count and time.monotonic() < deadline:
            answer = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            for message in answer.get("Messages", []):
                bodies.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return bodies
