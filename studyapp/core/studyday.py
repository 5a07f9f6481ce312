"""The study day: it rolls over at a fixed local hour (4:00 by default), as in Anki."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, tzinfo

__all__ = [
    "DEFAULT_ROLLOVER_HOUR",
    "StudyDay",
    "days_elapsed",
    "require_utc",
    "study_day",
    "study_day_start",
    "utc_now",
]

DEFAULT_ROLLOVER_HOUR = 4


def utc_now() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


def require_utc(moment: datetime) -> datetime:
    """Return ``moment`` if it is timezone-aware, converted to UTC.

    Raises:
        ValueError: ``moment`` is naive.
    """
    # Already UTC (every moment the study path passes, ~3 an answer): as it is, which is
    # what astimezone(UTC) returns for it, without utcoffset() and astimezone's argument
    # parsing: the cycle 1.095M -> 1.087M instructions an answer (callgrind, 10k store).
    if moment.tzinfo is UTC:
        return moment
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware (UTC)")
    return moment.astimezone(UTC)


class StudyDay:
    """One study day: ``start <= t < end`` in UTC, bounded by local rollover hours."""

    __slots__ = ("_ahead", "end", "end_s", "start", "start_ms")

    def __init__(self, start: datetime, end: datetime) -> None:
        self.start = start
        self.end = end
        # The study path asks for these before every card (the due query's day end, the
        # day's start in the review log's milliseconds): an aware datetime's timestamp()
        # is ~2.5k instructions (timedelta arithmetic on Python ints), so a day converts
        # its bounds once. Both cards' asks: the cycle 1.107M -> 1.101M instructions an
        # answer (callgrind, 10k benchmark store).
        self.start_ms = int(start.timestamp() * 1000)
        """``start`` in milliseconds since the epoch."""
        self.end_s = int(end.timestamp())
        """``end`` in seconds since the epoch."""
        self._ahead: dict[int, datetime] | None = None
        """The starts of later study days, by days ahead (see :func:`study_day_start`)."""

    def __repr__(self) -> str:
        return f"StudyDay({self.start.isoformat()} .. {self.end.isoformat()})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StudyDay) and (self.start, self.end) == (other.start, other.end)

    def __hash__(self) -> int:
        return hash((self.start, self.end))


_RECENT: dict[tuple[object, ...], tuple[StudyDay, ...]] = {}
"""The last few study days computed, per rollover hour and zone (see :func:`study_day`)."""
_RECENT_DAYS = 4
_LAST: list[tuple[int, tzinfo | None, object, StudyDay]] = [
    (-1, None, None, StudyDay.__new__(StudyDay))
]
"""The day study_day returned last, with its rollover hour, zone and the ``time.tzname`` object
tzset() left (a new one at every tzset(): a changed system zone never matches). Checked before
the zone key is built and looked up: an answer asks for today 4-5 times, each ask 7k -> ~3k
instructions; the cycle 1.124M -> 1.114M instructions an answer (callgrind, 100 answers, 10k
benchmark store)."""
_AHEAD_DAYS = 4096
"""At most this many later days' starts kept on one day (intervals of up to ~11 years)."""


def _zone_key(rollover_hour: int, tz: tzinfo | None) -> tuple[object, ...]:
    if tz is not None:
        return (rollover_hour, tz)
    # The system's zone: what time.tzset() last read, so a changed TZ is a new key.
    return (rollover_hour, None, time.timezone, time.altzone, time.daylight, time.tzname)


def study_day(
    now: datetime, *, rollover_hour: int = DEFAULT_ROLLOVER_HOUR, tz: tzinfo | None = None
) -> StudyDay:
    """The study day that contains ``now``.

    Study days partition time, so a day already computed for the same rollover hour and
    zone that contains ``now`` is the answer: the last few used are kept and checked first
    (two comparisons instead of ~6 µs of zone arithmetic; an answer asks for today 4-5 times).

    Args:
        now: an aware datetime.
        rollover_hour: local hour (0-23) at which a new study day begins.
        tz: the local time zone; the system's when None.
    """
    last = _LAST[0]
    # The day given last, for a UTC moment (every moment the study path passes) and the same
    # rollover hour (a valid one: only those are kept), zone and tzset: asked first, before
    # the checks a kept day has passed already: ~1.9k instructions fewer an ask, 4 asks an
    # answer; the cycle 1.084M -> 1.077M instructions an answer (callgrind, 10k store).
    if now.tzinfo is UTC and last[0] == rollover_hour and last[1] is tz:
        day = last[3]
        if last[2] is time.tzname and day.start <= now < day.end:
            return day
    if not 0 <= rollover_hour <= 23:
        raise ValueError("rollover_hour must be between 0 and 23")
    if now.tzinfo is None or now.utcoffset() is None:
        require_utc(now)  # raises: naive
    key = _zone_key(rollover_hour, tz)
    recent = _RECENT.get(key, ())
    for index, day in enumerate(recent):
        if day.start <= now < day.end:
            if index:  # the most recently used first: today stays while due dates come and go
                _RECENT[key] = (day, *recent[:index], *recent[index + 1 :])
            _LAST[0] = (rollover_hour, tz, time.tzname, day)
            return day
    day = _compute_study_day(now, rollover_hour, tz)
    _RECENT[key] = (day, *recent[: _RECENT_DAYS - 1])
    _LAST[0] = (rollover_hour, tz, time.tzname, day)
    return day


def _compute_study_day(now: datetime, rollover_hour: int, tz: tzinfo | None) -> StudyDay:
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


def study_day_start(
    now: datetime,
    days_ahead: int = 0,
    *,
    rollover_hour: int = DEFAULT_ROLLOVER_HOUR,
    tz: tzinfo | None = None,
) -> datetime:
    """The start (UTC) of the study day ``days_ahead`` days after the one containing ``now``.

    A review card due in N days is due from this moment on (Anki's day-numbered due dates).
    """
    today = study_day(now, rollover_hour=rollover_hour, tz=tz)
    if days_ahead == 0:
        return today.start
    # Kept on the day it counts from: study_day hands out a day only for the rollover hour
    # and zone it was computed for, so the day N ahead of it is always the same moment. Each
    # answer asks for its due day (an interval ahead); computing it is ~10 µs of zone
    # arithmetic, a kept one ~0.3 µs. The cycle 1.456M -> 1.384M instructions an answer
    # (callgrind, 10k benchmark store).
    ahead = today._ahead
    if ahead is None:
        ahead = today._ahead = {}
    start = ahead.get(days_ahead)
    if start is None:
        # Noon of the target day, then its study day: a daylight-saving hour cannot move it.
        midday = today.start + timedelta(days=days_ahead, hours=12)
        start = study_day(midday, rollover_hour=rollover_hour, tz=tz).start
        if len(ahead) < _AHEAD_DAYS:
            ahead[days_ahead] = start
    return start


def days_elapsed(
    since: datetime,
    now: datetime,
    *,
    rollover_hour: int = DEFAULT_ROLLOVER_HOUR,
    tz: tzinfo | None = None,
) -> int:
    """Study days between ``since`` and ``now``, as Anki counts them for FSRS.

    Anki takes the next rollover after ``now`` and counts whole 24-hour periods back from it
    to ``since``: ``(next_day_at - since) // 86400``. So a card reviewed at 16:13 and again
    the next day at 14:27 has 1 day elapsed (one rollover crossed), although less than 24
    hours passed; two answers on the same study day have 0.
    """
    next_day_at = study_day(now, rollover_hour=rollover_hour, tz=tz).end
    return max(0, int((next_day_at - require_utc(since)).total_seconds())) // 86_400
