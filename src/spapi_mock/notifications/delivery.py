"""Sending a notification to its destination with the AWS SDK: an SQS queue or an EventBridge
event bus, each at the endpoint the server was given (``--sqs-endpoint-url``,
``--eventbridge-endpoint-url``: LocalStack, ElasticMQ, moto's server, anything that speaks the
protocol). A destination whose kind has no endpoint configured is the built-in inbox's alone.

What a consumer receives is what Amazon sends:

* SQS: the message body is the notification itself, as its payload schema spells it (Amazon's
  "Set up notifications (Amazon SQS workflow)": the consumer reads the queue and parses the
  body as the notification; there is no envelope around it). The queue comes from the
  destination's ARN, ``arn:aws:sqs:REGION:ACCOUNT:NAME``: GetQueueUrl with the name and the
  owner's account, in the ARN's region.
* EventBridge: one event whose ``source`` is the destination's partner event source name
  (``aws.partner/sellingpartnerapi.amazon.com/{AWS account}/{application}``, Amazon's use case
  guide), ``detail-type`` the notification type and ``detail`` the notification, so the rule
  Amazon's guide writes (source prefix ``aws.partner/sellingpartnerapi.amazon.com``,
  detail-type the type) matches it. An emulator has no partner event sources, so the event goes
  on the endpoint's default bus in the destination's region.

Each call is one attempt with short timeouts and botocore's own retries off: the outbox's worker
decides when to try again (back-off, in order per subscription), never the SDK, so a dead
endpoint costs the worker a second, not minutes. Credentials are the environment's when it has
some (``AWS_ACCESS_KEY_ID``, ``AWS_PROFILE``), dummy ones otherwise: the emulators accept any.
boto3 is imported on first use, so a server that sends nothing never pays for it.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from typing import Any

INBOX, SQS, EVENTBRIDGE = "inbox", "sqs", "eventBridge"
# One attempt's limits: a live endpoint answers in milliseconds; a dead one must not hold the
# worker long (its back-off decides the next attempt).
CONNECT_TIMEOUT_SECONDS = 1.0
READ_TIMEOUT_SECONDS = 5.0
# What the emulators accept when the environment names no credentials.
DUMMY_CREDENTIALS = {"aws_access_key_id": "spapi-mock", "aws_secret_access_key": "spapi-mock"}


class DeliveryFailed(Exception):
    """One attempt to send failed; the message says why (shown in the control plane)."""


@dataclass(frozen=True)
class QueueArn:
    region: str
    account: str
    name: str

    @classmethod
    def parse(cls, arn: str) -> QueueArn:
        parts = arn.split(":")
        if len(parts) != 6 or parts[:3] != ["arn", "aws", "sqs"] or not all(parts[3:]):
            raise DeliveryFailed(f"{arn} is not an SQS queue ARN (arn:aws:sqs:REGION:ACCOUNT:NAME).")
        return cls(parts[3], parts[4], parts[5])


class Senders:
    """Sends one notification to its destination; thread-safe, though one worker uses it."""

    def __init__(self, sqs_endpoint_url: str | None = None, eventbridge_endpoint_url: str | None = None) -> None:
        self.endpoints = {SQS: sqs_endpoint_url, EVENTBRIDGE: eventbridge_endpoint_url}
        self._clients: dict[tuple[str, str], Any] = {}
        self._queue_urls: dict[str, str] = {}
        self._lock = threading.Lock()

    def channel(self, destination: dict | None) -> str:
        """Where a notification for this destination goes: its kind when that kind has an
        endpoint configured, else the built-in inbox."""
        resource = (destination or {}).get("resource") or {}
        for kind in (SQS, EVENTBRIDGE):
            if kind in resource and self.endpoints[kind]:
                return kind
        return INBOX

    def send(self, destination: dict, body: dict) -> dict:
        """Send the notification; what the service answered (a message or event id)."""
        kind = self.channel(destination)
        try:
            if kind == SQS:
                return self._send_sqs(destination["resource"]["sqs"]["arn"], body)
            if kind == EVENTBRIDGE:
                return self._put_event(destination["resource"]["eventBridge"], body)
        except DeliveryFailed:
            raise
        except Exception as exc:  # the SDK's every failure (connection refused, timeouts, errors)
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}") from exc
        return {}

    def _send_sqs(self, arn: str, body: dict) -> dict:
        queue = QueueArn.parse(arn)
        client = self._client("sqs", queue.region)
        url = self._queue_urls.get(arn)
        if url is None:
            url = client.get_queue_url(QueueName=queue.name, QueueOwnerAWSAccountId=queue.account)["QueueUrl"]
        try:
            sent = client.send_message(QueueUrl=url, MessageBody=json.dumps(body))
        except Exception:
            # The queue may have been deleted and made again (a restarted emulator): ask again.
            self._queue_urls.pop(arn, None)
            raise
        self._queue_urls[arn] = url
        return {"messageId": sent["MessageId"]}

    def _put_event(self, bridge: dict, body: dict) -> dict:
        client = self._client("events", bridge["region"])
        kind = body.get("NotificationType") or body.get("notificationType")
        answer = client.put_events(Entries=[{"Source": bridge["name"], "DetailType": kind, "Detail": json.dumps(body)}])
        entry = answer["Entries"][0]
        if answer.get("FailedEntryCount") or "EventId" not in entry:
            raise DeliveryFailed(f"PutEvents refused the event: {entry.get('ErrorCode')}: {entry.get('ErrorMessage')}")
        return {"eventId": entry["EventId"]}

    def _client(self, service: str, region: str) -> Any:
        with self._lock:
            client = self._clients.get((service, region))
            if client is None:
                import boto3
                from botocore.config import Config

                config = Config(
                    connect_timeout=CONNECT_TIMEOUT_SECONDS,
                    read_timeout=READ_TIMEOUT_SECONDS,
                    retries={"max_attempts": 1, "mode": "standard"},
                )
                endpoint = self.endpoints[SQS if service == "sqs" else EVENTBRIDGE]
                credentials = {} if _environment_has_credentials() else DUMMY_CREDENTIALS
                client = boto3.session.Session().client(
                    service, region_name=region, endpoint_url=endpoint, config=config, **credentials
                )
                self._clients[(service, region)] = client
            return client


def _environment_has_credentials() -> bool:
    return bool(os.environ.get("AWS_ACCESS_KEY_ID") or os.environ.get("AWS_PROFILE"))
