"""Everything one running mock holds, created once by the application factory."""

from __future__ import annotations

from dataclasses import dataclass, field

from .access_tokens import AccessTokens
from .backend import Backend
from .clock import Clock
from .config import Config
from .faults import FaultRules
from .journal import Journal
from .paging import PageTokens
from .sandbox import SandboxCases
from .store import OrderStore
from .throttling import Throttle


@dataclass
class Services:
    config: Config
    clock: Clock
    store: OrderStore
    page_tokens: PageTokens
    sandbox: SandboxCases
    access_tokens: AccessTokens
    backend: Backend
    throttle: Throttle
    faults: FaultRules
    journal: Journal
    # (API base path, operationId) → the operation's name in throttling, faults and the journal.
    operation_names: dict[tuple[str, str], str] = field(default_factory=dict)
