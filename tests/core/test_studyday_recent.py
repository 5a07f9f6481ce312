"""study_day keeps the last days it computed: it must give what computing afresh gives."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from studyapp.core import studyday
from studyapp.core.studyday import study_day, study_day_start


def _moments(rng: random.Random) -> list[datetime]:
    # Around daylight-saving changes (spring and autumn, both hemispheres) and at random.
    edges = [
        datetime(2026, 3, 8, tzinfo=UTC),
        datetime(2026, 3, 29, tzinfo=UTC),
        datetime(2026, 4, 5, tzinfo=UTC),
        datetime(2026, 9, 6, tzinfo=UTC),
        datetime(2026, 10, 25, tzinfo=UTC),
        datetime(2026, 11, 1, tzinfo=UTC),
    ]
    moments = [e + timedelta(minutes=m) for e in edges for m in range(-36 * 60, 36 * 60, 17)]
    moments += [
        datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(3 * 10**7))
        for _ in range(2000)
    ]
    rng.shuffle(moments)
    return moments


@pytest.mark.parametrize(
    "tz",
    [
        UTC,
        timezone(timedelta(hours=-3, minutes=-30)),
        ZoneInfo("Europe/Berlin"),
        ZoneInfo("America/New_York"),
        ZoneInfo("America/Santiago"),  # changes at midnight
        ZoneInfo("Australia/Lord_Howe"),  # half-hour change
    ],
    ids=str,
)
@pytest.mark.parametrize("hour", [0, 1, 2, 4, 23])
def test_a_remembered_day_is_the_day_computed_afresh(tz: object, hour: int) -> None:
    rng = random.Random(hour)
    for moment in _moments(rng):
        fresh = studyday._compute_study_day(moment, hour, tz)  # type: ignore[arg-type]
        given = study_day(moment, rollover_hour=hour, tz=tz)  # type: ignore[arg-type]
        assert given == fresh
        assert fresh.start <= moment < fresh.end
        # the bounds in epoch numbers, as the study path reads them
        assert given.start_ms == int(fresh.start.timestamp() * 1000)
        assert given.end_s == int(fresh.end.timestamp())
        # study_day_start asks for a day ahead too: both kept, neither mixed up.
        ahead = study_day_start(moment, 3, rollover_hour=hour, tz=tz)  # type: ignore[arg-type]
        assert (
            ahead
            == studyday._compute_study_day(
                fresh.start + timedelta(days=3, hours=12),
                hour,
                tz,  # type: ignore[arg-type]
            ).start
        )


@pytest.mark.parametrize(
    "tz",
    [UTC, ZoneInfo("Europe/Berlin"), ZoneInfo("America/Santiago"), ZoneInfo("Australia/Lord_Howe")],
    ids=str,
)
@pytest.mark.parametrize("hour", [0, 2, 4, 23])
def test_a_kept_day_ahead_is_the_day_computed_afresh(tz: object, hour: int) -> None:
    # Every day ahead up to three years, asked twice (computed, then kept), from moments
    # around the daylight-saving changes: the start of the study day that holds its noon.
    rng = random.Random(100 + hour)
    for moment in _moments(rng)[:40]:
        today = studyday._compute_study_day(moment, hour, tz)  # type: ignore[arg-type]
        for days in [*range(1, 1100, 7), *range(1, 1100, 7), 36500]:
            fresh = studyday._compute_study_day(
                today.start + timedelta(days=days, hours=12),
                hour,
                tz,  # type: ignore[arg-type]
            )
            assert study_day_start(moment, days, rollover_hour=hour, tz=tz) == fresh.start  # type: ignore[arg-type]


def test_a_day_ahead_follows_a_changed_system_zone(system_zone: None) -> None:
    moment = datetime(2026, 6, 1, 12, tzinfo=UTC)
    os.environ["TZ"] = "UTC"
    time.tzset()
    assert study_day_start(moment, 10) == datetime(2026, 6, 11, 4, tzinfo=UTC)
    os.environ["TZ"] = "Asia/Tokyo"
    time.tzset()
    # 21:00 in Tokyo on June 1: ten days ahead starts June 11, 4:00 Tokyo time
    assert study_day_start(moment, 10) == datetime(2026, 6, 10, 19, tzinfo=UTC)


@pytest.fixture
def system_zone() -> Iterator[None]:
    before = os.environ.get("TZ")
    yield
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


def test_a_changed_system_zone_is_not_served_the_old_zones_day(system_zone: None) -> None:
    moment = datetime(2026, 6, 1, 1, 30, tzinfo=UTC)
    os.environ["TZ"] = "UTC"
    time.tzset()
    in_utc = study_day(moment)  # 01:30 UTC: before the 4:00 rollover, May 31's day
    assert in_utc.start == datetime(2026, 5, 31, 4, tzinfo=UTC)
    os.environ["TZ"] = "Asia/Tokyo"
    time.tzset()
    in_tokyo = study_day(moment)  # 10:30 in Tokyo: June 1's day, from 4:00 Tokyo time
    assert in_tokyo.start == datetime(2026, 5, 31, 19, tzinfo=UTC)
    assert in_tokyo == studyday._compute_study_day(moment, 4, None)


def test_a_naive_moment_is_still_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        study_day(datetime(2026, 6, 1, 12))


def test_the_day_given_last_is_checked_first_only_for_what_it_was_given_for() -> None:
    # The first check (the day given last, for a UTC moment) answers only for that day's
    # hour and zone: a bad hour, a naive moment, another zone or an aware non-UTC moment on
    # the same day still take the whole way.
    moment = datetime(2026, 6, 1, 12, tzinfo=UTC)
    day = study_day(moment, rollover_hour=4, tz=UTC)
    assert study_day(moment + timedelta(hours=1), rollover_hour=4, tz=UTC) is day
    with pytest.raises(ValueError, match="rollover_hour"):
        study_day(moment, rollover_hour=24, tz=UTC)
    with pytest.raises(ValueError, match="timezone-aware"):
        study_day(datetime(2026, 6, 1, 13), rollover_hour=4, tz=UTC)
    berlin = ZoneInfo("Europe/Berlin")
    assert study_day(moment, rollover_hour=4, tz=berlin) == studyday._compute_study_day(
        moment, 4, berlin
    )
    local = moment.astimezone(timezone(timedelta(hours=5)))
    assert study_day(local, rollover_hour=4, tz=UTC) == day


def test_the_last_day_given_is_given_again_only_for_its_hour_and_zones(system_zone: None) -> None:
    # study_day first checks the day it returned last (studyday._LAST), for the same rollover
    # hour, the same zone object and the same time.tzname object (a new one at every tzset()).
    # Asked in turn for two hours and four zones through a daylight-saving change, each answer
    # asked twice in a row (the second from that check) is the day computed afresh.
    os.environ["TZ"] = "Europe/Berlin"
    time.tzset()
    zones = [None, UTC, ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")]
    start = datetime(2026, 3, 28, tzinfo=UTC)
    for minutes in range(0, 3 * 24 * 60, 7):
        moment = start + timedelta(minutes=minutes)
        # Consecutive asks that differ in the hour only, then in the zone only.
        asks = [(tz, hour) for tz in zones for hour in (4, 0)]
        asks += [(tz, hour) for hour in (4, 0) for tz in zones]
        for tz, hour in asks:
            fresh = studyday._compute_study_day(moment, hour, tz)
            first = study_day(moment, rollover_hour=hour, tz=tz)
            again = study_day(moment, rollover_hour=hour, tz=tz)
            assert first == fresh and again is first, (moment, hour, tz)
    # The same system zone set again: a new tzname object, the same days.
    moment = start + timedelta(hours=30)
    day = study_day(moment)
    time.tzset()
    assert study_day(moment) == day == studyday._compute_study_day(moment, 4, None)
