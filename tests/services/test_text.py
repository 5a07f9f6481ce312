"""The plain-language phrases of the screens: durations and when the next review is."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from studyapp.services.study import SessionSummary
from studyapp.services.text import (
    describe_answer_days,
    describe_day,
    describe_duration,
    describe_moment,
    describe_next_due,
    describe_stability,
    describe_stability_short,
    sentence,
    summary_rows,
)

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "0 s"),  # a clock step backwards never shows a negative time
        (0, "0 s"),
        (0.4, "0 s"),
        (0.6, "1 s"),
        (45, "45 s"),
        (59.4, "59 s"),
        (59.6, "1 min"),  # rounded to whole seconds first
        (60, "1 min"),
        (89, "1 min"),
        (90, "2 min"),
        (3569, "59 min"),
        (3570, "1 h"),  # 59.5 min rounds to 60: an hour, not "60 min"
        (3600, "1 h"),
        (3900, "1 h 5 min"),
        (7200, "2 h"),
        (7260, "2 h 1 min"),
        (26 * 3600, "26 h"),  # no days: a session summary never spans one
    ],
)
def test_describe_duration(seconds: float, text: str) -> None:
    assert describe_duration(seconds) == text


def test_nothing_scheduled_says_so_and_invites_nothing_it_cannot_tell() -> None:
    """'Start with new cards.' was said when no new card came (a limit of 0, today's done):
    what the deck list says of new cards is services.overview.describe_nothing_due's."""
    assert describe_next_due(None, NOW) == "no reviews scheduled yet."


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=-30), "next review in under a minute."),  # already due
        (timedelta(0), "next review in under a minute."),
        (timedelta(seconds=60), "next review in under a minute."),
        (timedelta(seconds=61), "next review in 1 min."),
        (timedelta(minutes=10), "next review in 10 min."),
        (timedelta(minutes=59, seconds=29), "next review in 59 min."),
        (timedelta(hours=1), "next review in 1 h."),
        (timedelta(hours=3, minutes=20), "next review in 3 h."),
        (timedelta(hours=35, minutes=59), "next review in 36 h."),
        (timedelta(hours=36), "next review in 2 days."),  # 1.5 days rounds to 2
        (timedelta(days=3, hours=11), "next review in 3 days."),
        (timedelta(days=40), "next review in 40 days."),
    ],
)
def test_describe_next_due(delta: timedelta, text: str) -> None:
    assert describe_next_due(NOW + delta, NOW) == text


def test_next_due_compares_aware_times_across_zones() -> None:
    later = (NOW + timedelta(hours=5)).astimezone(datetime.now().astimezone().tzinfo)
    assert describe_next_due(later, NOW) == "next review in 5 h."


def test_sentence_capitalises_only_the_first_letter() -> None:
    assert sentence("no reviews scheduled yet. Start with new cards.") == (
        "No reviews scheduled yet. Start with new cards."
    )
    assert sentence("") == ""


def test_summary_rows_of_a_session_and_of_a_cram_session() -> None:
    summary = SessionSummary(studied=5, again=1, seconds=75, reviewed=4, recalled=3)
    summary.due_tomorrow = 12
    summary.deferred = 1
    rows = dict(summary_rows(summary, NOW))
    assert rows["Retention"] == "75%: 3 of 4 reviews recalled"
    assert rows["Due tomorrow"] == "12 cards"
    assert rows["What is next"] == "No reviews scheduled yet."
    assert rows["Set aside"] == "1 card put off with Not now"
    assert rows["Forgotten (Again)"] == "1 of 5 (20%)"
    fresh = dict(summary_rows(SessionSummary(), NOW))
    assert fresh["Retention"] == "No reviews of learned cards in this session"
    assert "Due tomorrow" not in fresh and fresh["Forgotten (Again)"] == "—"
    left = dict(summary_rows(SessionSummary(studied=2, left_today=1), NOW))
    assert left["What is next"] == "1 card still to study today."  # left early (Esc)
    cram = dict(summary_rows(SessionSummary(studied=2, cram=True), NOW))
    assert set(cram) == {"Cards studied", "Time spent", "Forgotten (Again)", "Schedule"}
    assert cram["Schedule"].startswith("This was a cram session")


@pytest.mark.parametrize(
    ("days", "text", "short"),
    [
        (0.001, "under an hour", "<1 h"),  # FSRS's floor; "0.0 days" before
        (0.03, "under an hour", "<1 h"),
        (1 / 24, "1 hour", "1 h"),
        (0.212, "5 hours", "5 h"),  # a new card answered Again
        (0.97, "23 hours", "23 h"),
        (0.98, "1 day", "1.0 d"),  # 23.5 h and more is a day, not "24 hours"
        (1.0, "1 day", "1.0 d"),
        (2.34, "2.3 days", "2.3 d"),
        (9.96, "10 days", "10.0 d"),
        (18.4, "18 days", "18 d"),
        (45.0, "1.5 months", "45 d"),
        (320.0, "10.5 months", "10.5 mo"),
        (511.0, "1.4 years", "16.8 mo"),
        (800.0, "2.2 years", "2.2 y"),
    ],
)
def test_stability_in_the_unit_that_suits_it(days: float, text: str, short: str) -> None:
    assert describe_stability(days) == text
    assert describe_stability_short(days) == short


def test_a_date_a_trainee_reads_is_day_month_year_without_a_leading_zero() -> None:
    assert describe_day(date(2026, 4, 1)) == "1 Apr 2026"
    assert describe_day(date(2026, 4, 1), weekday=True) == "Wed 1 Apr 2026"
    assert describe_day(date(2026, 4, 1), weekday=True, year=False) == "Wed 1 Apr"
    eastern = timezone(timedelta(hours=-5))
    assert describe_moment(datetime(2026, 4, 2, 3, 5, tzinfo=UTC), eastern) == "1 Apr 2026, 22:05"
    assert describe_moment(datetime(2026, 4, 2, 3, 5, tzinfo=UTC), UTC, weekday=True) == (
        "Thu 2 Apr 2026, 03:05"
    )


@pytest.mark.parametrize(
    ("answers", "days", "busiest", "text"),
    [
        (1, 1, 1, "1 answer on 1 day; busiest day 1"),
        (2, 1, 2, "2 answers on 1 day; busiest day 2"),
        (3_460, 31, 1_200, "3,460 answers on 31 days; busiest day 1,200"),
    ],
)
def test_the_calendar_line_counts_in_words(
    answers: int, days: int, busiest: int, text: str
) -> None:
    """After a first answer the statistics' calendar said "1 answers on 1 days"."""
    assert describe_answer_days(answers, days, busiest) == text
