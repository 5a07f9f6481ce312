"""The study day: it rolls over at a fixed local hour (4:00 by default), as in Anki."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

__all__ = ["DEFAULT_ROLLOVER_HOUR", "StudyDay", "require_utc", "study_day", "utc_now"]

DEFAULT_ROLLOVER_HOUR = 4


def utc_now() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


def require_utc(moment: datetime) -> datetime:
    """Return ``moment`` if it is timezone-aware, converted to UTC.

    Raises:
        ValueError: ``moment`` is naive.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware (UTC)")
    return moment.astimezone(UTC)


class StudyDay:
    """One study day: ``start <= t < end`` in UTC, bounded by local rollover hours."""

    __slots__ = ("end", "start")

    def __init__(self, start: datetime, end: datetime) -> None:
        self.start = start
        self.end = end

    def __repr__(self) -> str:
        return f"StudyDay({self.start.isoformat()} .. {self.end.isoformat()})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StudyDay) and (self.start, self.end) == (other.start, other.end)

    def __hash__(self) -> int:
        return hash((self.start, self.end))


def study_day(
    now: datetime, *, rollover_hour: int = DEFAULT_ROLLOVER_HOUR, tz: tzinfo | None = None
) -> StudyDay:
    """The study day that contains ``now``.

    Args:
        now: an aware datetime.
        rollover_hour: local hour (0-23) at which a new study day begins.
        tz: the local time zone; the system's when None.
    """
    if not 0 <= rollover_hour <= 23:
        raise ValueError("rollover_hour must be between 0 and 23")
    local = require_utc(now).astimezone(tz)
    zone = local.tzinfo if tz is None else tz
    day = local.date()
    if local.hour < rollover_hour:
        day -= timedelta(days=1)
    start_local = datetime(day.year, day.month, day.day, rollover_hour, tzinfo=zone)
    next_day = day + timedelta(days=1)
    end_local = datetime(next_day.year, next_day.month, next_day.day, rollover_hour, tzinfo=zone)
    if tz is None:
        # The system zone from astimezone() is a fixed offset; re-resolve each boundary so a
        # daylight-saving change between them is honoured.
        start_local = start_local.replace(tzinfo=None).astimezone()
        end_local = end_local.replace(tzinfo=None).astimezone()
    return StudyDay(start_local.astimezone(UTC), end_local.astimezone(UTC))
