"""The Finances API's reads, with Amazon's parameter rules: financial event groups and events
(v0) and transactions (2024-06-19), per seller, from the financial event records.

What each shows (``domain/finances``): nothing before it is posted; v0 only released events
("Deferred events don't appear ... until they are released"); listTransactions deferred ones
too. The dates every operation takes follow one rule set (``Window``): more than two minutes
before the request, a Before after its After, bounds more than 180 days apart answer nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from spapi_mock.domain import finances
from spapi_mock.domain.exceptions import RuleViolation
from spapi_mock.domain.marketplaces import require_known
from spapi_mock.finances import views
from spapi_mock.kernel.dates import normalize, to_wire
from spapi_mock.marketplace.backend import Backend
from spapi_mock.marketplace.paging import Page, Pager
from spapi_mock.store.indexes import FinancialEventIndex

EVENTS = FinancialEventIndex.table
# Amazon: every date "must be more than two minutes before the time of the request" (its
# financial data lags), and PostedBefore defaults to two minutes before it.
LAG = timedelta(minutes=2)
# "If PostedAfter and PostedBefore are more than 180 days apart, the response is empty."
MAX_SPAN = timedelta(days=180)
# What Amazon answers listFinancialEvents without PostedAfter (word for word, as developers report
# it: amzn/selling-partner-api-models#223).
NO_START = "Must specify a valid value of atleast one of : 1)AmazonOrderId, 2)FinancialEventGroupId and 3)PostedAfter"
# What Amazon's sandbox answers listTransactions without postedAfter (its model's 400 case).
NO_START_DATE = "Start date cannot be null"
ORDER_ID, GROUP_ID = "ORDER_ID", "FINANCIAL_EVENT_GROUP_ID"
# "FINANCIAL_EVENT_GROUP_ID and ORDER_ID are the only relatedIdentifier with filtering capabilities."
FILTERING_IDENTIFIERS = (ORDER_ID, GROUP_ID)
SETTLEMENT_ID = "SETTLEMENT_ID"
# listSummary without a period: the last 30 days (the mock's choice; Amazon's model gives none).
SUMMARY_DAYS = timedelta(days=30)
TRANSACTION_STATUSES = (finances.DEFERRED, finances.RELEASED, finances.DEFERRED_RELEASED)


class Window(NamedTuple):
    """Dates from ``since`` (inclusive; None: no lower bound) to ``until`` (exclusive), or none
    at all (``empty``: Amazon answers bounds more than 180 days apart with nothing)."""

    since: str | None
    until: str | None
    empty: bool = False

    def holds(self, stamp: str) -> bool:
        return not self.empty and (self.since is None or self.since <= stamp) and (self.until is None or stamp < self.until)

    @classmethod
    def parse(
        cls, after_name: str, after: str | None, before_name: str, before: str | None, now: datetime, before_needs_after: bool
    ) -> Window:
        """Amazon's rules for a pair of date parameters, each refusal naming the parameter."""
        if before_needs_after and before is not None and after is None:
            raise RuleViolation(f"Invalid {before_name}: it can only be given with {after_name}.")
        latest = to_wire(now - LAG)
        since = _date(after_name, after) if after is not None else None
        until = _date(before_name, before) if before is not None else None
        for name, value in ((after_name, since), (before_name, until)):
            if value is not None and value > latest:
                raise RuleViolation(
                    f"Invalid {name}: it must be more than two minutes before the time of the request ({latest})."
                )
        if until is None:
            return cls(since, latest)
        if since is not None and until <= since:
            raise RuleViolation(f"Invalid {before_name}: it must be later than {after_name}.")
        apart = since is not None and _parse(until) - _parse(since) > MAX_SPAN
        return cls(since, until, apart)


class Finances:
    def __init__(self, backend: Backend, pager: Pager) -> None:
        self.backend = backend
        self.pager = pager

    # -- v0 ------------------------------------------------------------------------------------

    def event_groups(self, seller_id: str, params: Mapping[str, Any]) -> Page:
        """listFinancialEventGroups: the seller's groups by start (then currency)."""
        query = _given(params, "FinancialEventGroupStartedAfter", "FinancialEventGroupStartedBefore")

        def fetch(query: dict, context: dict | None, after: list | None, size: int) -> tuple[list, Any, dict]:
            context = context or self._window_context(
                query,
                "FinancialEventGroupStartedAfter",
                "FinancialEventGroupStartedBefore",
                before_needs_after=False,
                open_end=True,
            )
            window = Window(**context)
            store = self.backend.reading()
            now = to_wire(self.backend.now())
            groups = [group for group in store.index(EVENTS).groups(seller_id) if window.holds(group[2])]
            page, cursor = _after(groups, after, size, lambda group: [group[2], group[1], group[0]])
            wire = [views.financial_event_group(*group, store.index(EVENTS).in_group(seller_id, group[0]), now) for group in page]
            return wire, cursor, context

        return self._page("listFinancialEventGroups", seller_id, query, fetch, params)

    def events(self, seller_id: str, params: Mapping[str, Any]) -> Page:
        """listFinancialEvents: the seller's released events posted in the window, by posting."""
        if params.get("NextToken") is None and params.get("PostedAfter") is None:
            raise RuleViolation(NO_START)
        query = _given(params, "PostedAfter", "PostedBefore")

        def fetch(query: dict, context: dict | None, after: list | None, size: int) -> tuple[list, Any, dict]:
            context = context or self._window_context(query, "PostedAfter", "PostedBefore")
            window = Window(**context)
            found = [] if window.empty else self.backend.reading().index(EVENTS).posted(seller_id, window.since, window.until)
            return _events_page([record for record in found if finances.is_released(record)], after, size, context)

        return self._page("listFinancialEvents", seller_id, query, fetch, params)

    def events_by_order(self, seller_id: str, order_id: str, params: Mapping[str, Any]) -> Page:
        """listFinancialEventsByOrderId: the order's released events; none for an order the seller
        does not have, as Amazon answers an order without events."""
        query = {"orderId": order_id}

        def fetch(query: dict, context: dict | None, after: list | None, size: int) -> tuple[list, Any, dict]:
            found = self.backend.reading().index(EVENTS).of_order(seller_id, query["orderId"])
            released = sorted((record for record in found if finances.is_released(record)), key=_by_posting)
            return _events_page(released, after, size, {})

        return self._page("listFinancialEventsByOrderId", seller_id, query, fetch, params)

    def events_by_group(self, seller_id: str, group_id: str, params: Mapping[str, Any]) -> Page:
        """listFinancialEventsByGroupId: the group's released events, optionally posted in a window."""
        query = {"eventGroupId": group_id, **_given(params, "PostedAfter", "PostedBefore")}

        def fetch(query: dict, context: dict | None, after: list | None, size: int) -> tuple[list, Any, dict]:
            context = context or self._window_context(query, "PostedAfter", "PostedBefore")
            window = Window(**context)
            found = self.backend.reading().index(EVENTS).in_group(seller_id, query["eventGroupId"])
            posted = sorted((record for record in found if window.holds(record["postedAt"])), key=_by_posting)
            return _events_page(posted, after, size, context)

        return self._page("listFinancialEventsByGroupId", seller_id, query, fetch, params)

    # -- 2024-06-19 ----------------------------------------------------------------------------

    def transactions(self, seller_id: str, params: Mapping[str, Any]) -> Page:
        """listTransactions: the seller's posted transactions by posting time, deferred ones too."""
        query = _given(
            params,
            "postedAfter",
            "postedBefore",
            "marketplaceId",
            "transactionStatus",
            "relatedIdentifierName",
            "relatedIdentifierValue",
        )
        if params.get("nextToken") is None:
            _check_transaction_filters(query)

        def fetch(query: dict, context: dict | None, after: list | None, size: int) -> tuple[list, Any, dict]:
            context = context or self._window_context(query, "postedAfter", "postedBefore", before_needs_after=False)
            window = Window(**context)
            index = self.backend.reading().index(EVENTS)
            name, value = query.get("relatedIdentifierName"), query.get("relatedIdentifierValue")
            if window.empty:
                found = []
            elif name == ORDER_ID:
                found = index.of_order(seller_id, value)
            elif name == GROUP_ID:
                found = index.in_group(seller_id, value)
            else:
                found = index.posted(seller_id, window.since, window.until)
            shown = sorted(
                (
                    record
                    for record in found
                    if record["status"] in finances.VISIBLE
                    and window.holds(record["postedAt"])
                    and query.get("marketplaceId", record["marketplaceId"]) == record["marketplaceId"]
                    and query.get("transactionStatus", record["status"]) == record["status"]
                ),
                key=_by_posting,
            )
            page, cursor = _after(shown, after, size, lambda record: list(_by_posting(record)))
            return [views.transaction(record, finances.is_released(record)) for record in page], cursor, context

        return self._page("listTransactions", seller_id, query, fetch, params, token_param="nextToken")

    def balances(self, seller_id: str, params: Mapping[str, Any]) -> list[dict]:
        """listBalances: per marketplace, money released in open settlement periods (AVAILABLE)
        and money held (DEFERRED), now or at the end of ``asOfDate``."""
        _no_pages(params)
        balance_type = params.get("balanceType")
        if balance_type is not None and balance_type not in views.BALANCE_TYPES:
            raise RuleViolation(f"Invalid balanceType: {balance_type} is not one of {', '.join(views.BALANCE_TYPES)}.")
        marketplaces = _marketplaces(params)
        now = self.backend.now()
        as_of = params.get("asOfDate")
        if as_of is not None:
            day = _day("asOfDate", as_of)
            if day > now.date():
                raise RuleViolation(f"Invalid asOfDate: {as_of} is after today ({now.date().isoformat()}).")
            at = datetime.combine(day, datetime.min.time(), tzinfo=now.tzinfo) + timedelta(days=1)
        else:
            at = now
        if not _standard_account(params):
            return []
        stamp = to_wire(at)
        # The balance is "the ending balance" of the day: its last second.
        day_end = to_wire(at - timedelta(seconds=1)) if as_of is not None else None
        posted = self.backend.reading().index(EVENTS).posted(seller_id, None, stamp)
        by_marketplace: dict[str, list[tuple[dict, str]]] = {}
        for record in posted:
            if marketplaces is None or record["marketplaceId"] in marketplaces:
                by_marketplace.setdefault(record["marketplaceId"], []).append((record, finances.status_at(record, at)))
        return [
            views.balance(seller_id, marketplace_id, found, stamp, balance_type, day_end)
            for marketplace_id, found in sorted(by_marketplace.items())
        ]

    def summaries(self, seller_id: str, params: Mapping[str, Any]) -> list[dict]:
        """listSummary: per marketplace, the net proceeds of one settlement or of the money posted
        over whole days."""
        _no_pages(params)
        marketplaces = _marketplaces(params)
        name, value = params.get("relatedIdentifierName"), params.get("relatedIdentifierValue")
        if (name is None) != (value is None):
            missing = "relatedIdentifierValue" if value is None else "relatedIdentifierName"
            raise RuleViolation(f"Invalid {missing}: relatedIdentifierName and relatedIdentifierValue must be given together.")
        if name is not None and name != SETTLEMENT_ID:
            raise RuleViolation(f"Invalid relatedIdentifierName: {name}; the only one is {SETTLEMENT_ID}.")
        index = self.backend.reading().index(EVENTS)
        today = self.backend.now().date()
        if name is not None:
            found = index.in_group(seller_id, value)
            start = found[0]["groupStart"] if found else None
            end = found[0]["groupEnd"] if found else None
        else:
            first = _day("periodStart", params["periodStart"]) if params.get("periodStart") else today - SUMMARY_DAYS
            last = _day("periodEnd", params["periodEnd"]) if params.get("periodEnd") else today
            if last < first:
                raise RuleViolation("Invalid periodEnd: it must not be before periodStart.")
            start, end = f"{first.isoformat()}T00:00:00Z", f"{(last + timedelta(days=1)).isoformat()}T00:00:00Z"
            found = index.posted(seller_id, start, end)
        if not _standard_account(params):
            return []
        by_marketplace: dict[str, list[dict]] = {}
        for record in found:
            if marketplaces is None or record["marketplaceId"] in marketplaces:
                by_marketplace.setdefault(record["marketplaceId"], []).append(record)
        return [
            views.summary(seller_id, marketplace_id, records, start, end, value)
            for marketplace_id, records in sorted(by_marketplace.items())
        ]

    # -- shared --------------------------------------------------------------------------------

    def _window_context(
        self, query: Mapping, after: str, before: str, *, before_needs_after: bool = True, open_end: bool = False
    ) -> dict:
        """The window of the first page, kept for the pages after it. v0's PostedBefore needs
        PostedAfter ("If you include PostedBefore, you must also specify PostedAfter"); groups are
        listed up to now when FinancialEventGroupStartedBefore is not given (``open_end``)."""
        window = Window.parse(after, query.get(after), before, query.get(before), self.backend.now(), before_needs_after)
        if open_end and query.get(before) is None:
            window = window._replace(until=None)
        return window._asdict()

    def _page(
        self,
        operation: str,
        seller_id: str,
        query: dict,
        fetch: Callable,
        params: Mapping[str, Any],
        token_param: str = "NextToken",
    ) -> Page:
        return self.pager.page(
            operation,
            seller_id,
            query,
            fetch,
            token=params.get(token_param),
            size=params.get("MaxResultsPerPage"),
            now=self.backend.now(),
        )


def _check_transaction_filters(query: Mapping[str, str]) -> None:
    name, value = query.get("relatedIdentifierName"), query.get("relatedIdentifierValue")
    if (name is None) != (value is None):
        missing = "relatedIdentifierValue" if value is None else "relatedIdentifierName"
        raise RuleViolation(f"Invalid {missing}: relatedIdentifierName and relatedIdentifierValue must be given together.")
    if name is not None and name not in FILTERING_IDENTIFIERS:
        raise RuleViolation(
            f"Invalid relatedIdentifierName: {name}; only {' and '.join(FILTERING_IDENTIFIERS)} filter transactions."
        )
    if name is None and query.get("postedAfter") is None:
        raise RuleViolation(NO_START_DATE)
    status = query.get("transactionStatus")
    if status is not None and status not in TRANSACTION_STATUSES:
        raise RuleViolation(f"Invalid transactionStatus: {status} is not one of {', '.join(TRANSACTION_STATUSES)}.")
    if query.get("marketplaceId") is not None:
        require_known([query["marketplaceId"]], "marketplaceId")


def _no_pages(params: Mapping[str, Any]) -> None:
    if params.get("nextToken") is not None:
        raise RuleViolation("Invalid nextToken: it was not issued by this service for this request.")


def _marketplaces(params: Mapping[str, Any]) -> set[str] | None:
    given = params.get("marketplaceIds")
    if not given:
        return None
    require_known(given, "marketplaceIds")
    return set(given)


def _standard_account(params: Mapping[str, Any]) -> bool:
    return params.get("accountType") in (None, views.STANDARD_ORDERS)


def _day(name: str, value: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise RuleViolation(f"Invalid {name}: '{value}' is not an ISO 8601 date, e.g. 2025-01-12.") from None


def _given(params: Mapping[str, Any], *names: str) -> dict:
    return {name: params[name] for name in names if params.get(name) is not None}


def _date(name: str, value: str) -> str:
    try:
        return normalize(value)
    except ValueError as exc:
        raise RuleViolation(f"Invalid {name}: {exc}.") from None


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _by_posting(record: Mapping) -> tuple[str, str]:
    return record["postedAt"], record["eventId"]


def _after(items: list, cursor: list | None, size: int, key: Callable[[Any], list]) -> tuple[list, list | None]:
    """One page of ``items`` (sorted by ``key``) after the cursor, and the next page's cursor."""
    rest = [item for item in items if cursor is None or key(item) > list(cursor)]
    page = rest[:size]
    return page, (key(page[-1]) if len(rest) > size else None)


def _events_page(records: list[dict], after: list | None, size: int, context: dict) -> tuple[list, Any, dict]:
    page, cursor = _after(records, after, size, lambda record: list(_by_posting(record)))
    return page, cursor, context
