"""Configuration of one mock server, passed to the application factory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from spapi_mock.domain.jobs import ProcessingTiming
from spapi_mock.domain.policy import Policy
from spapi_mock.domain.sellers import DEFAULT_SELLER_ID
from spapi_mock.kernel import resources


@dataclass(frozen=True)
class Config:
    host: str = "127.0.0.1"
    port: int = 8080
    # Directory of fixture files the store starts from; None means the built-in set.
    fixtures_dir: Path | None = None
    # The store file that keeps state across restarts; None keeps everything in memory.
    db_path: Path | None = None
    default_seller_id: str = DEFAULT_SELLER_ID
    # Amazon pages getOrderItems; a long business order needs NextToken.
    order_items_page_size: int = 100
    # How far behind the clock getOrders' index runs (Amazon: two minutes).
    get_orders_lag: timedelta = timedelta(minutes=2)
    access_token_ttl: timedelta = timedelta(hours=1)
    # Only tokens the mock issued, expiring on the mock clock; personal data needs an RDT.
    strict_auth: bool = False
    # Usage-plan throttling: off, amazon, or scaled (Amazon's plans times throttle_factor).
    throttling: str = "off"
    throttle_factor: float = 1.0
    # How many requests the journal keeps (the oldest go first).
    journal_size: int = 10_000
    # Host names the mock answers to besides loopback's and Amazon's ("*": any); see request_guard.
    allowed_hosts: tuple[str, ...] = ()
    # When set, every control-plane call but the health check must show it (request_guard).
    control_token: str | None = None
    # The largest request body accepted (413 beyond it): Amazon's biggest Orders request, a
    # shipment confirmation with its items, is a few KB; a megabyte is room for any real one.
    max_body_bytes: int = 1024 * 1024
    # Validating every response against the spec costs about a third of throughput: on in
    # tests, off when serving.
    validate_responses: bool = False
    # Every SP-API operation is answered by the path compiled from our specs (http/compiled.py);
    # off, Connexion answers them all: only to hold the two equal in tests.
    fast_reads: bool = True
    swagger_ui: bool = True
    # Amazon's policy numbers (self-cancel window, auto-cancel delay, cancellation rate).
    policy: Policy = Policy()
    # A directory of the user's own scenario files, found before the built-in ones.
    scenarios_dir: Path | None = None
    # Signs NextTokens; random per server unless given (tokens then survive restarts).
    page_token_secret: bytes | None = None
    # The base of the presigned feed-document URLs; None: where each request reached the mock.
    public_url: str | None = None
    # How long a feed waits in the queue, and the least its processing takes (mock clock).
    feed_timing: ProcessingTiming = ProcessingTiming()
    # The same for reports (and the reports schedules create).
    report_timing: ProcessingTiming = ProcessingTiming()
    # Where notifications for SQS and EventBridge destinations are sent with the AWS SDK
    # (LocalStack, ElasticMQ, moto's server...); None: to the built-in inbox only.
    sqs_endpoint_url: str | None = None
    eventbridge_endpoint_url: str | None = None

    def fixtures(self) -> Path:
        return Path(self.fixtures_dir) if self.fixtures_dir else resources.default_fixtures_dir()
