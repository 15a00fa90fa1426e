"""Everything one running mock holds: built from its configuration in one place
(``build_services``), then started and stopped in one place (``Services.start``/``stop``).

Constructors only keep what they are given: the backend loads no fixtures, the Feeds and
Reports services wire no runner into the backend, nothing starts a thread. ``start`` does all
of that, in the order it must happen: the job runners are known before the backend first
settles (which may start a feed or a schedule's report), and work left unfinished by a restart
is resumed after it. A test can build a second Feeds or Reports over a running backend without
replacing anything the server's runners do."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from spapi_mock.config import Config
from spapi_mock.feeds.service import Feeds
from spapi_mock.kernel import resources
from spapi_mock.kernel.clock import Clock
from spapi_mock.marketplace.backend import Backend
from spapi_mock.marketplace.paging import Pager, PageTokens
from spapi_mock.notifications.delivery import Senders
from spapi_mock.notifications.outbox import Outbox
from spapi_mock.notifications.service import Notifications
from spapi_mock.reports.service import Reports
from spapi_mock.store.database import Store
from spapi_mock.store.indexes import FeedIndex, ReportIndex
from spapi_mock.traffic.access_tokens import AccessTokens
from spapi_mock.traffic.faults import FaultRules
from spapi_mock.traffic.journal import Journal
from spapi_mock.traffic.sandbox import SandboxCases
from spapi_mock.traffic.specs import usage_plans
from spapi_mock.traffic.throttling import Throttle


class ServerState(Protocol):
    """A part of a running server that holds state of its own beside the store."""

    def reset(self, seller_id: str | None = None) -> None:
        """Forget what belongs to one seller, or (None) go back to how the server started."""


@dataclass
class Services:
    config: Config
    clock: Clock
    store: Store
    pager: Pager
    sandbox: SandboxCases
    access_tokens: AccessTokens
    backend: Backend
    feeds: Feeds
    reports: Reports
    notifications: Notifications
    throttle: Throttle
    faults: FaultRules
    journal: Journal
    # Records what the changes notify in their own store write, and delivers it after commit.
    outbox: Outbox
    # (API base path, operationId) → the operation's name in throttling, faults and the journal.
    operation_names: dict[tuple[str, str], str] = field(default_factory=dict)

    def start(self) -> Services:
        self.backend.start({FeedIndex.table: self.feeds.submit, ReportIndex.table: self.reports.submit}, self.outbox)
        self.feeds.start()
        self.reports.start()
        # Delivers what a restart left pending, then whatever each commit records.
        self.outbox.start()
        return self

    def stop(self) -> None:
        """Release the store file (and its lock); the runners' threads are daemons that end when
        idle."""
        self.outbox.stop()
        self.store.close()

    @property
    def states(self) -> tuple[ServerState, ...]:
        """Everything a reset puts back besides the store: one hook each, so a new part of the
        server cannot be forgotten by a reset."""
        return (self.journal, self.faults, self.throttle, self.access_tokens)

    def reset(self, seller_id: str | None = None) -> int:
        """The whole server as it started, or one seller's orders (back to its seed) and
        traffic; how many orders were loaded."""
        orders = self.backend.reset(seller_id)
        self.forget(seller_id)
        return orders

    def forget(self, seller_id: str | None = None) -> None:
        """Every part's state of one seller (or of everyone), the store's aside."""
        for state in self.states:
            state.reset(seller_id)


def build_services(config: Config, clock: Clock) -> Services:
    store = Store(str(config.db_path) if config.db_path else None)
    backend = Backend(store, clock, config.policy, config.fixtures_dir, config.default_seller_id, config.report_timing)
    return Services(
        config=config,
        clock=clock,
        store=store,
        pager=Pager(PageTokens(config.page_token_secret)),
        sandbox=SandboxCases.from_files(resources.sandbox_case_files()),
        access_tokens=AccessTokens(
            config.access_token_ttl, config.default_seller_id, backend.seller_for_refresh_token, config.strict_auth
        ),
        backend=backend,
        feeds=Feeds(backend, config.feed_timing),
        reports=Reports(backend, config.report_timing),
        notifications=Notifications(backend),
        throttle=Throttle(usage_plans(), config.throttling, config.throttle_factor),
        faults=FaultRules(),
        journal=Journal(config.journal_size),
        outbox=Outbox(store, clock, Senders(config.sqs_endpoint_url, config.eventbridge_endpoint_url)),
    )
