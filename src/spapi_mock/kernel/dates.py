"""ISO 8601 parsing and the one wire format for timestamps.

Amazon writes timestamps as ``2024-01-15T08:23:11Z``. The store keeps that exact form, so
stored dates compare correctly as plain strings (the indexes rely on it).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_RELATIVE = re.compile(r"^now\s*(?:([+-])\s*((?:\d+\s*[dhms]\s*)+))?$", re.IGNORECASE)
_PART = re.compile(r"(\d+)\s*([dhms])", re.IGNORECASE)
_UNITS = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def to_wire(at: datetime) -> str:
    """Amazon's timestamp form: UTC, whole seconds, ``Z``."""
    # A 100k-order load formats a million: a UTC time's fields printed directly take half as
    # long as isoformat of a converted copy (strftime and format specifiers as long or longer).
    if at.tzinfo is UTC:
        return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (at.year, at.month, at.day, at.hour, at.minute, at.second)  # noqa: UP031
    return at.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


# The dates parse_iso hands back: a year inside the ends of Python's calendar (years 1 to 9999),
# so that no window the mock reckons from a date it was given (a report's 30 days, 90 days of
# retention, a year of cancellation rate) runs off the calendar and raises OverflowError, the 500
# that year 1 and year 9999 with an offset gave. Every date from a client (query, body, feed
# message, fixture, control plane) comes through parse_iso: this is its one check.
EARLIEST_DATE = datetime(2, 1, 1, tzinfo=UTC)
LATEST_DATE = datetime(9998, 12, 31, 23, 59, 59, tzinfo=UTC)


class DateOutOfRange(ValueError):
    """A well-formed date outside EARLIEST_DATE to LATEST_DATE: callers may word it apart from
    a malformed one."""

    def __init__(self, text: str) -> None:
        super().__init__(f"'{text}' is outside the dates spapi-mock takes, {to_wire(EARLIEST_DATE)} to {to_wire(LATEST_DATE)}")


def parse_iso(text: str) -> datetime:
    """Parse an ISO 8601 date or date-time; a value without an offset is taken as UTC.

    Raises ValueError with a readable message, also for a date outside EARLIEST_DATE to
    LATEST_DATE.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("an empty value is not an ISO 8601 date")
    value = text.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise ValueError(f"'{text}' is not an ISO 8601 date, e.g. 2024-01-15T08:23:11Z") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError:  # year 1 east of UTC, or year 9999 west of it
        parsed = None
    if parsed is None or not EARLIEST_DATE <= parsed <= LATEST_DATE:
        raise DateOutOfRange(text)
    return parsed


def parse_fixture_date(text: str, now: datetime) -> datetime:
    """A fixture date: absolute ISO 8601, or relative to the clock: ``now``, ``now-3d4h``."""
    match = _RELATIVE.match(text.strip()) if isinstance(text, str) else None
    if not match:
        return parse_iso(text)
    sign, parts = match.groups()
    try:
        # One timedelta of seconds, not one per part: a 100k-order set resolves a million dates.
        delta = timedelta(seconds=sum(int(amount) * _SECONDS[unit.lower()] for amount, unit in _PART.findall(parts or "")))
        at = now - delta if sign == "-" else now + delta
    except OverflowError:  # now+99999999999d: past any date, the 500 parse_iso's check prevents
        at = None
    if at is None or not EARLIEST_DATE <= at <= LATEST_DATE:
        raise DateOutOfRange(text)
    return at


def is_relative(text: str) -> bool:
    """Whether ``parse_fixture_date`` reads ``text`` relative to the clock (``now-3d``)."""
    return isinstance(text, str) and _RELATIVE.match(text.strip()) is not None


def normalize(text: str) -> str:
    """Any ISO 8601 value in Amazon's wire form."""
    return to_wire(parse_iso(text))


_ISO_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$", re.IGNORECASE)


# Where the mock clock may stand: every date the server computes from it (ship-by and delivery
# dates, 21- and 30-day windows, token and page-token expiry, a year of cancellation-rate
# window) must still be a valid datetime, or every later request fails. Python's dates end at
# 9999; a clock past it by minutes broke the server for good.
EARLIEST_MOCK_TIME = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_MOCK_TIME = datetime(2999, 12, 31, 23, 59, 59, tzinfo=UTC)


def check_mock_time(at: datetime) -> None:
    """ValueError unless the mock clock may stand at ``at``."""
    if not EARLIEST_MOCK_TIME <= at <= LATEST_MOCK_TIME:
        raise ValueError(
            f"{to_wire(at)} is outside the mock clock's range, {to_wire(EARLIEST_MOCK_TIME)} to {to_wire(LATEST_MOCK_TIME)}"
        )


def parse_duration(text: str) -> timedelta:
    """A duration: ``31m``, ``7d``, ``1d2h30m``, or ISO 8601 ``PT31M`` / ``P7D``.

    Raises ValueError with a readable message.
    """
    value = text.strip() if isinstance(text, str) else ""
    compact = value.replace(" ", "")
    if compact and re.fullmatch(r"(?:\d+[dhms])+", compact, re.IGNORECASE):
        try:
            delta = timedelta()
            for amount, unit in _PART.findall(compact):
                delta += timedelta(**{_UNITS[unit.lower()]: int(amount)})
            return delta
        except OverflowError:
            raise ValueError(f"'{text}' is longer than any duration the clock can move") from None
    match = _ISO_DURATION.match(compact)
    if compact and compact.upper() not in ("P", "PT") and match:
        days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
        try:
            return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
        except OverflowError:
            raise ValueError(f"'{text}' is longer than any duration the clock can move") from None
    raise ValueError(f"'{text}' is not a duration, e.g. 31m, 7d, 1d2h or PT31M")
