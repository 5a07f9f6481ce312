"""Statistics against hand-computed cases: a known review log gives known true-retention
counts, streak and calendar; known due dates a known forecast; known memory states known
histograms and retrievability. The clock is fixed (T0 = 2026-03-02 12:00 UTC, so today's
study day started at 04:00 UTC)."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from studyapp.services.library import Library
from studyapp.services.stats import Statistics, StatsFilter, UnknownFilter, summarize_answers
from studyapp.store import stats as store
from tests.conftest import T0
from tests.freshpython import fresh_python
from tests.statslog import Log, at

START = T0.replace(hour=4)  # today's study day


@pytest.fixture
def synced(library: Library, deck_dir: Path) -> Library:
    assert library.sync([deck_dir]).ok
    return library


@pytest.fixture
def log(synced: Library) -> Iterator[Log]:
    writer = Log(synced)
    yield writer
    writer.close()


@pytest.fixture
def stats(synced: Library) -> Statistics:
    return Statistics(synced.engine, synced.settings, clock=lambda: T0, tz=ZoneInfo("UTC"))


def write_retention_log(log: Log) -> None:
    card = log.cards()[0]
    # Today (day 0): young 5-day reviews pass, pass, fail; a mature 30-day review passes;
    # two first answers of a new card and a relearning step of 10 minutes don't count; a
    # learning step of one day counts, as young.
    for rating in (3, 4, 1):
        log.answer(card, at(T0, hours=-1), rating=rating, interval_days=5)
    log.answer(card, at(T0, hours=-2), rating=3, interval_days=30)
    log.answer(card, at(T0, hours=-3), rating=3, queue=0, interval_days=None)
    log.answer(card, at(T0, hours=-3), rating=1, queue=0, interval_days=None)
    log.answer(card, at(T0, hours=-4), rating=1, queue=3, interval_days=10 / 1440)
    log.answer(card, at(T0, hours=-5), rating=2, queue=1, interval_days=1)
    # Yesterday: a mature card fails, a young one passes (Hard is a pass).
    log.answer(card, at(T0, days=-1), rating=1, interval_days=21)
    log.answer(card, at(T0, days=-1), rating=2, interval_days=20)
    # 10, 100 and 400 days ago.
    log.answer(card, at(T0, days=-10), rating=3, interval_days=40)
    log.answer(card, at(T0, days=-10), rating=4, interval_days=90)
    log.answer(card, at(T0, days=-100), rating=1, interval_days=3)
    log.answer(card, at(T0, days=-400), rating=3, interval_days=200)


def test_true_retention_counts_as_anki_defines_them(log: Log, stats: Statistics) -> None:
    write_retention_log(log)
    retention = stats.answers(stats.resolve()).retention
    counts = {
        p.key: (p.young_passed, p.young_failed, p.mature_passed, p.mature_failed)
        for p in retention.periods
    }
    assert counts == {
        "today": (3, 1, 1, 0),
        "yesterday": (1, 0, 0, 1),
        "week": (4, 1, 1, 1),
        "month": (4, 1, 3, 1),
        "year": (4, 2, 3, 1),
        "all_time": (4, 2, 4, 1),
    }
    month = retention.period("month")
    assert month.young == pytest.approx(4 / 5)
    assert month.mature == pytest.approx(3 / 4)
    assert month.total == pytest.approx(7 / 9)
    assert retention.period("yesterday").young == 1.0


def test_today_streak_and_calendar(log: Log, stats: Statistics) -> None:
    write_retention_log(log)
    answers = stats.answers(stats.resolve())
    today = answers.today
    assert (today.answers, today.cards, today.again) == (8, 1, 3)
    assert today.seconds == pytest.approx(8 * 6.0)
    assert today.again_rate == pytest.approx(3 / 8)
    assert (today.learning, today.review, today.relearning) == (3, 4, 1)
    assert stats.today(stats.resolve()) == today  # the quick path the screen shows first
    # Days studied: 0, -1, -10, -100, -400: a streak of two days.
    assert answers.streak.current == 2
    assert answers.streak.longest == 2
    assert answers.streak.studied_today
    assert answers.streak.days_last_year == 4
    calendar = answers.calendar
    assert calendar.first_day == date(2026, 3, 2) - timedelta(days=364)
    assert len(calendar.counts) == 365
    assert calendar.counts[-1] == 8 and calendar.counts[-2] == 2 and calendar.counts[-11] == 2
    assert calendar.counts[-101] == 1 and calendar.total == 13
    assert answers.total_answers == 14
    assert answers.time.seconds_per_answer == pytest.approx(6.0)


def test_an_answer_before_the_rollover_belongs_to_the_previous_day(
    log: Log, stats: Statistics
) -> None:
    card = log.cards()[0]
    log.answer(card, START - timedelta(minutes=5))
    log.answer(card, START + timedelta(minutes=5))
    counts = stats.answers(stats.resolve()).calendar.counts
    assert counts[-1] == 1 and counts[-2] == 1


def test_the_streak_survives_until_today_ends() -> None:
    rows = [store.DayAnswers(d, 2, False, 1, 1, 1000) for d in (-1, -2, -3, -5, -6)]
    answers = summarize_answers(rows, 0, date(2026, 3, 2))
    assert (answers.streak.current, answers.streak.longest) == (3, 3)
    assert not answers.streak.studied_today
    empty = summarize_answers([], 0, date(2026, 3, 2))
    assert (empty.streak.current, empty.streak.longest, empty.calendar.total) == (0, 0, 0)
    assert empty.retention.is_empty and empty.today.again_rate is None


def test_days_follow_a_half_hour_time_zone(synced: Library, log: Log) -> None:
    """India is UTC+05:30: the 04:00 rollover is at 22:30 UTC; quarter-hours add up."""
    kolkata = ZoneInfo("Asia/Kolkata")
    stats = Statistics(synced.engine, synced.settings, clock=lambda: T0, tz=kolkata)
    rollover = stats.day_start()
    assert (rollover.hour, rollover.minute) == (22, 30)
    card = log.cards()[0]
    log.answer(card, rollover - timedelta(minutes=10))
    log.answer(card, rollover + timedelta(minutes=10))
    log.answer(card, rollover + timedelta(minutes=20))
    counts = stats.answers(stats.resolve()).calendar.counts
    assert counts[-1] == 2 and counts[-2] == 1
    hours = stats.hours(stats.resolve())
    # 22:20, 22:40 and 22:50 UTC are 03:50, 04:10 and 04:20 in Kolkata.
    assert hours.answers[3] == 1 and hours.answers[4] == 2 and hours.total == 3


def test_answers_by_hour_and_pass_rate(log: Log, stats: Statistics) -> None:
    card = log.cards()[0]
    for rating in (3, 1, 3, 3):
        log.answer(card, T0.replace(hour=9), rating=rating)
    log.answer(card, at(T0.replace(hour=20), days=-3), rating=1)
    log.answer(card, at(T0.replace(hour=20), days=-400))  # older than the chart's year
    hours = stats.hours(stats.resolve())
    assert hours.answers[9] == 4 and hours.failed[9] == 1
    assert hours.pass_rate(9) == pytest.approx(0.75)
    assert hours.answers[20] == 1 and hours.pass_rate(20) == 0
    assert hours.pass_rate(3) is None and hours.total == 5


def test_forecast_from_known_due_dates(log: Log, stats: Statistics) -> None:
    a, b, c, d, e, f = log.cards()[:6]
    log.state(a, due=at(T0, hours=6), last_review=at(T0, days=-5))  # today
    log.state(b, due=at(T0, days=5), last_review=at(T0, days=-5))  # day 5
    log.state(c, queue=1, due=at(T0, hours=0.2), last_review=T0)  # learning, today
    log.state(d, due=at(T0, days=-3), last_review=at(T0, days=-13))  # overdue
    log.state(e, due=at(T0, days=400), last_review=T0)  # beyond the year
    log.state(f, due=at(START, days=1, hours=-0.01), last_review=T0)  # before tomorrow
    forecast = stats.forecast(stats.resolve())
    assert forecast.overdue == 1
    assert (forecast.review[0], forecast.learning[0], forecast.review[5]) == (2, 1, 1)
    assert forecast.total(30) == forecast.total(365) == 4
    assert forecast.average(30) == pytest.approx(4 / 30)


def test_memory_histograms_and_retrievability(log: Log, stats: Statistics) -> None:
    a, b, c = log.cards()[:3]
    # A card is recalled with 90% probability when as many days have passed as its
    # stability (FSRS's definition of stability); right after a review, with 100%.
    # 9 days into a stability of 10 (or 90 into 100): (1 + F * 0.9)^-w20, by hand.
    log.state(a, stability=10, difficulty=1, due=at(T0, days=1), last_review=at(T0, days=-9))
    log.state(b, stability=100, difficulty=10, due=at(T0, days=9), last_review=at(T0, days=-90))
    log.state(c, stability=0.5, difficulty=5.5, due=at(T0, days=1), last_review=T0)
    decay = -0.1542
    nine_tenths = (1 + (0.9 ** (1 / decay) - 1) * 0.9) ** decay
    assert nine_tenths == pytest.approx(0.9071, abs=1e-4)
    memory = stats.memory(stats.resolve())
    assert memory.cards == 3
    assert memory.retrievability.counts[18] == 2  # 90-95%
    assert memory.retrievability.counts[19] == 1  # 95-100%
    assert memory.average_retrievability == pytest.approx((2 * nine_tenths + 1.0) / 3)
    labels = dict(zip(memory.stability.labels, memory.stability.counts, strict=True))
    assert labels["under 1 d"] == 1 and labels["1-2 wk"] == 1 and labels["2-4 mo"] == 1
    assert memory.difficulty.counts == (1, 0, 0, 0, 0, 1, 0, 0, 0, 1)
    assert memory.median_stability == 10
    assert memory.median_difficulty == pytest.approx(0.5)


def test_the_curve_between_known_points(stats: Statistics) -> None:
    """R = (1 + F t / S)^-w20 with F = 0.9^(1 / -w20) - 1, by hand with FSRS-6's w20."""
    scheduler = stats.scheduler()
    decay = -0.1542
    factor = 0.9 ** (1 / decay) - 1
    assert scheduler.recall_after(5.0, 20) == pytest.approx((1 + factor * 4) ** decay)
    # 0.9^(1/-0.1542) = e^0.6833 = 1.9805: F = 0.9805; 4.922^-0.1542 = e^-0.2458 = 0.7821
    assert scheduler.recall_after(5.0, 20) == pytest.approx(0.7821, abs=1e-4)


def test_coverage_by_family_and_deck(log: Log, stats: Statistics) -> None:
    deck = log.cards("sample-mechanisms")
    log.state(deck[0], due=at(T0, days=3), last_review=at(T0, days=-2))  # young
    log.state(deck[1], due=at(T0, days=20), last_review=at(T0, days=-10))  # mature: 30 d
    log.state(deck[2], queue=3, due=at(T0, hours=1), last_review=T0)
    coverage = stats.coverage(stats.resolve())
    assert [f.id for f in coverage.families] == ["mechanisms", "terms"]
    mechanisms = coverage.families[0]
    assert (mechanisms.new, mechanisms.learning, mechanisms.young, mechanisms.mature) == (
        3,
        1,
        1,
        1,
    )
    assert mechanisms.started_share == pytest.approx(3 / 6)
    assert coverage.total == 8 and coverage.started == 3


def test_filters_resolve_to_decks_and_name_what_exists(stats: Statistics) -> None:
    assert stats.resolve(StatsFilter(family="terms")).scope.deck_ids == ("sample-terms",)
    assert stats.resolve(StatsFilter(family="terms")).title == "Terms"
    deck = stats.resolve(StatsFilter(deck="sample-mechanisms"))
    assert deck.title == "Sample mechanisms"
    with pytest.raises(UnknownFilter, match="no family 'nope'; families: mechanisms, terms"):
        stats.resolve(StatsFilter(family="nope"))
    with pytest.raises(UnknownFilter, match="no deck 'nope'"):
        stats.resolve(StatsFilter(deck="nope"))
    assert [f for f, _t, _d in stats.families()] == ["mechanisms", "terms"]


def test_a_filter_counts_only_its_cards_and_their_answers(log: Log, stats: Statistics) -> None:
    mech = log.cards("sample-mechanisms")[0]
    term = log.cards("sample-terms")[0]
    log.answer(mech, at(T0, hours=-1), rating=1)
    log.answer(term, at(T0, hours=-1))
    log.answer(term, at(T0, days=-2))
    terms = stats.resolve(StatsFilter(family="terms"))
    answers = stats.answers(terms)
    assert answers.today.answers == 1 and answers.today.again == 0
    assert answers.calendar.total == 2
    everything = stats.answers(stats.resolve())
    assert everything.today.answers == 2 and everything.today.again == 1


def test_the_tally_and_the_log_give_the_same_figures(log: Log, stats: Statistics) -> None:
    write_retention_log(log)
    for card in log.cards()[1:4]:
        log.answer(card, at(T0, days=-3, hours=1), rating=1, interval_days=25)
    assert store.ensure_tally(stats.engine)
    start_ms = int(START.timestamp() * 1000)
    with stats.engine.connect() as conn:
        all_decks = store.Scope(tuple(d.id for d in store.decks(conn)))
        tallied = store.answers_by_day(conn, store.Scope(), day_start_ms=start_ms)
        raw = store.answers_by_day(conn, all_decks, day_start_ms=start_ms, use_tally=False)
        assert sorted(tallied) == sorted(raw) and len(raw) > 5
        hours_t = store.answers_by_hour(conn, store.Scope(), offset_ms=0, since_ms=0)
        hours_r = store.answers_by_hour(conn, all_decks, offset_ms=0, since_ms=0, use_tally=False)
        assert sorted(hours_t) == sorted(hours_r)


def test_cram_answers_are_study_but_not_retention_and_manual_changes_nothing(
    log: Log, stats: Statistics
) -> None:
    card = log.cards()[0]
    log.answer(card, at(T0, hours=-1), rating=1, interval_days=30)  # scheduled, mature fail
    log.answer(card, at(T0, hours=-1), rating=3, interval_days=30, kind=1)  # cram
    log.answer(card, at(T0, hours=-1), rating=0, interval_days=30, kind=2)  # manual change
    answers = stats.answers(stats.resolve())
    assert (answers.today.answers, answers.today.again) == (2, 1)
    assert answers.calendar.counts[-1] == 2 and answers.total_answers == 2
    assert answers.retention.period("today").mature_failed == 1
    assert answers.retention.period("today").mature_passed == 0
    assert stats.today(stats.resolve()) == answers.today
    assert stats.hours(stats.resolve()).total == 1  # scheduled answers only, as Anki's
    assert stats.answer_totals(stats.resolve()) == (2, 12_000)


def test_suspended_and_buried_cards_leave_the_forecast_and_count_apart(
    log: Log, stats: Statistics
) -> None:
    a, b, c, d = log.cards("sample-mechanisms")[:4]
    log.state(a, due=at(T0, days=2), last_review=at(T0, days=-3))
    log.state(b, due=at(T0, days=2), last_review=at(T0, days=-3), suspended=True)
    log.state(c, due=at(T0, hours=2), last_review=at(T0, days=-3), buried_until=at(T0, days=1))
    # Interval 25 days stored (Anki's ivl): mature, whatever due minus last review says.
    log.state(d, due=at(T0, days=5), last_review=at(T0, days=-5), interval=25)
    forecast = stats.forecast(stats.resolve())
    assert forecast.total(30) == 2 and forecast.due(0) == 0 and forecast.overdue == 0
    mech = stats.coverage(stats.resolve()).families[0]
    assert (mech.new, mech.learning, mech.young, mech.mature, mech.suspended) == (2, 0, 2, 1, 1)
    assert mech.total == 6 and mech.started == 4


def test_leeches_and_not_now(log: Log, stats: Statistics) -> None:
    a, b, c = log.cards("sample-mechanisms")[:3]
    log.state(a, due=at(T0, days=1), last_review=T0, leech=True, lapses=9)
    log.state(b, due=at(T0, days=1), last_review=T0, leech=True, lapses=12, suspended=True)
    for days in (0, 0, -1, -40):
        log.defer(c, at(T0, days=days))
    log.defer(a, at(T0, days=-2))
    steering = stats.steering(stats.resolve())
    assert (steering.leeches, steering.leeches_suspended) == (2, 1)
    assert [(x.card_id, x.times, x.suspended) for x in steering.leech_cards] == [
        (b, 12, True),
        (a, 9, False),
    ]
    assert steering.leech_cards[0].deck == "Sample mechanisms"
    assert steering.deferrals[-1] == 2 and steering.deferrals[-2] == 1
    assert steering.deferred == 4  # the one 40 days ago is outside the 30 days
    assert [(x.card_id, x.times) for x in steering.most_deferred] == [(c, 3), (a, 1)]
    terms = stats.steering(stats.resolve(StatsFilter(family="terms")))
    assert (terms.leeches, terms.deferred) == (0, 0)


def test_a_module_filter(synced: Library, log: Log, stats: Statistics) -> None:
    with synced.engine.begin() as conn:
        from sqlalchemy import text

        conn.execute(text("UPDATE note SET module = 2 WHERE deck_id = 'sample-terms'"))
        conn.execute(text("UPDATE note SET module = 1 WHERE deck_id = 'sample-mechanisms'"))
        conn.execute(
            text(
                "INSERT INTO course_module (course, number, title) VALUES "
                "('c', 1, 'Foundations'), ('c', 2, 'Terms and words')"
            )
        )
    log.answer(log.cards("sample-terms")[0], at(T0, hours=-1))
    log.answer(log.cards("sample-mechanisms")[0], at(T0, hours=-1))
    assert stats.modules() == [(1, "Foundations"), (2, "Terms and words")]
    two = stats.resolve(StatsFilter(module=2))
    assert two.title == "Module 2: Terms and words"
    assert stats.answers(two).today.answers == 1
    assert stats.coverage(two).total == 2
    assert [f.id for f in stats.coverage(two).families] == ["terms"]
    both = stats.resolve(StatsFilter(family="mechanisms", module=2))
    assert both.title == "Mechanisms, Module 2: Terms and words"
    assert stats.coverage(both).total == 0
    with pytest.raises(UnknownFilter, match="no card is in module 7; modules: 1, 2"):
        stats.resolve(StatsFilter(module=7))


def test_a_long_question_is_cut_at_a_word_not_inside_a_cloze() -> None:
    from studyapp.services.render import CitationIndex
    from studyapp.services.stats import card_question

    text = store.CardText(
        1,
        "d",
        "basic",
        "front",
        "A 2018 pilot trial (Danforth et al.) tested MDMA-assisted therapy for social "
        "anxiety in [...] adults",
        "b",
        "",
    )
    # 89 characters end inside the cloze's "[...]" ("... anxiety in ["): cut at the word
    # before it.
    assert card_question(text, CitationIndex(), width=90) == (
        "A 2018 pilot trial (Danforth et al.) tested MDMA-assisted therapy for social anxiety in…"
    )
    # 79 characters end inside "anxiety": cut after "social".
    cut = card_question(text, CitationIndex(), width=80)
    assert cut.endswith("therapy for social…") and len(cut) <= 80
    short = text._replace(front="What is set?")
    assert card_question(short, CitationIndex(), width=80) == "What is set?"


@pytest.mark.parametrize("size", [0, 1, 7, 8, 9, 16, 17, 100, 1000])
def test_sorted_in_runs_is_sorted_element_for_element(
    monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    """The memory panel's columns are sorted in runs (so no one call holds the GIL while the
    statistics screen's GUI thread waits): the list must be ``sorted``'s, whatever the runs'
    length, with ties, negatives, -0.0 and 0.0, and from a generator."""
    import random

    from studyapp.services import stats as stats_module

    monkeypatch.setattr(stats_module, "SORT_RUN", 8)
    draw = random.Random(size)
    values = [
        draw.choice([0.0, -0.0, 1.5, -2.25, draw.uniform(-1e6, 1e6), draw.random()])
        for _ in range(size)
    ]
    runs = stats_module.sorted_in_runs(v for v in values)
    expected = sorted(values)
    assert runs == expected
    # Element for element, the same objects in the same order (stable, as sorted()).
    assert [math.copysign(1, v) for v in runs] == [math.copysign(1, v) for v in expected]


def test_memory_summary_is_the_same_with_columns_longer_than_a_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """summarize_memory on columns sorted in many runs gives the very figures (medians,
    bins and the average summed in sorted order) of one whole sort."""
    import random

    from studyapp.services import stats as stats_module
    from studyapp.services.stats import summarize_memory

    draw = random.Random(19)
    rows = [(draw.lognormvariate(2, 1.5), draw.uniform(1, 10), 0) for _ in range(2001)]
    recalls = [draw.random() for _ in rows]
    whole = summarize_memory(rows, recalls)
    monkeypatch.setattr(stats_module, "SORT_RUN", 64)
    in_runs = summarize_memory(rows, iter(recalls), sort=stats_module.sorted_in_runs)
    assert in_runs == whole
    assert whole.average_retrievability == sum(sorted(recalls)) / len(recalls)


@pytest.mark.parametrize("size", [1, 2, 3, 4, 7, 10, 1001, 74_006])
def test_the_memory_medians_are_statistics_median(size: int) -> None:
    """The memory panel's medians are taken of its sorted columns without the statistics
    module: the same value as ``statistics.median`` (odd and even lengths, ties, -0.0)."""
    import random
    import statistics

    from studyapp.services.stats import sorted_median, summarize_memory

    draw = random.Random(size)
    values = sorted(
        draw.choice([0.0, -0.0, 1.5, -2.25, draw.uniform(-1e6, 1e6), draw.random()])
        for _ in range(size)
    )
    assert sorted_median(values) == statistics.median(values)
    rows = [(draw.uniform(0.1, 3650.0), draw.uniform(1.0, 10.0), 0) for _ in range(size)]
    memory = summarize_memory(rows, iter([0.5] * size))
    assert memory.median_stability == statistics.median(row[0] for row in rows)
    assert memory.median_difficulty == (statistics.median(row[1] for row in rows) - 1) / 9


def test_reading_the_statistics_imports_no_statistics_module() -> None:
    """``stats --json``, the report and the screen's first Ctrl+T import
    studyapp.services.stats: its medians need neither the statistics module nor the
    fractions module it imports. (decimal, which statistics imports too, now comes with
    msgspec, whose Structs are the start-up path's records: 3.6M instructions to import,
    against ~5M saved per dataclass; see tests/core/test_start_records.py.)"""

    code = (
        "import sys, studyapp.services.stats, studyapp.services.progress\n"
        "print(sorted(m for m in ('statistics', 'fractions') if m in sys.modules))"
    )
    done = fresh_python("-c", code, timeout=120, check=True)
    assert done.stdout.strip() == "[]"


def _counted_by_hand(
    cards: list[tuple[str, int, int, int, int, int | None, int, str]], decks: set[str] | None
) -> dict[str, tuple[int, int, int, int, int]]:
    """card_counts' definition, card by card: (new, learning, young, mature, suspended) of
    the active cards of ``decks`` (None: all) from (deck, queue, suspended, retired,
    interval, last review, due, note) rows."""
    counted: dict[str, list[int]] = {}
    for deck, queue, suspended, retired, interval, last, due, _note in cards:
        if retired or (decks is not None and deck not in decks):
            continue
        if suspended:
            column = 4
        elif queue == 0:
            column = 0
        elif queue != 2:
            column = 1
        else:
            if interval:
                days: int | None = interval
            elif last is None:
                days = None
            else:  # SQLite's integer division truncates toward zero
                span = due - last + 43_200
                days = abs(span) // 86_400 * (1 if span >= 0 else -1)
            column = 3 if days is not None and days >= 21 else 2
        counted.setdefault(deck, [0, 0, 0, 0, 0])[column] += 1
    return {deck: (n, lrn, y, m, s) for deck, (n, lrn, y, m, s) in counted.items()}


def draw_card_states(store: Path, seed: int) -> None:
    """Every card of the store at ``store`` given a state drawn at random: new, learning,
    relearning or review with intervals either side of 21 days (or none stored), some
    suspended, some retired, a few without a last review."""
    import random

    draw = random.Random(seed)
    db = sqlite3.connect(store)
    ids = [row[0] for row in db.execute("SELECT id FROM card ORDER BY id")]
    assert len(ids) > 200
    for card_id in ids:
        queue = draw.choice([0, 0, 0, 1, 2, 2, 2, 3])
        last = None
        if queue != 0 and draw.random() >= 0.05:
            last = 1_700_000_000 - draw.randrange(400) * 86_400
        due = (last or 1_700_000_000) + draw.randrange(-2, 60) * 86_400 + draw.randrange(86_400)
        db.execute(
            "UPDATE card SET queue = ?, suspended = ?, retired = ?, interval = ?, "
            "last_review = ?, due = ? WHERE id = ?",
            (
                queue,
                int(draw.random() < 0.15),
                int(draw.random() < 0.1),
                draw.choice([0, 0, 1, 5, 20, 21, 40]) if queue == 2 else 0,
                last,
                due,
                card_id,
            ),
        )
    db.commit()
    db.close()


def scopes_to_check(
    db: sqlite3.Connection, cards: list[Any]
) -> tuple[dict[str, str], str, str, int]:
    """Each active deck's family, and the scopes a test checks besides everything: the first
    family, the second deck, and a module some card (its row's last column) belongs to."""
    families = dict(db.execute("SELECT id, family FROM deck WHERE active = 1").fetchall())
    module = next(m for *_, m in cards if m is not None)
    return families, sorted(set(families.values()))[0], sorted(families)[1], module


@pytest.mark.parametrize("seed", [3, 17])
def test_card_counts_are_each_cards_state_counted(tmp_path: Path, seed: int) -> None:
    """Coverage's counts per deck on a generated store (the bundled course, every card's
    state drawn at random: new, learning, review of every interval, suspended, retired,
    without a last review) equal its definition applied card by card, for every deck, a
    family, one deck and a course module. Pins the counts that read every new card from
    the covering index and take the suspended ones off (issue 19)."""

    with Library(tmp_path / "data") as library:
        assert library.sync().ok
        path = library.store_path
    draw_card_states(path, seed)
    db = sqlite3.connect(path)
    cards = db.execute(
        "SELECT c.deck_id, c.queue, c.suspended, c.retired, c.interval, c.last_review, c.due, "
        "n.module FROM card c JOIN note n ON n.id = c.note_id"
    ).fetchall()
    families, family, one_deck, module = scopes_to_check(db, cards)
    db.close()
    with Library(tmp_path / "data") as library:
        stats = Statistics(library.engine, library.settings)
        scopes = {
            None: stats.resolve(),
            frozenset(d for d, f in families.items() if f == family): stats.resolve(
                StatsFilter(family=family)
            ),
            frozenset([one_deck]): stats.resolve(StatsFilter(deck=one_deck)),
        }
        with stats.connect() as conn:
            for decks, scope in scopes.items():
                counted = {c.deck_id: _columns(c) for c in store.card_counts(conn, scope.scope)}
                expected = _counted_by_hand(cards, None if decks is None else set(decks))
                assert counted == expected
            in_module = stats.resolve(StatsFilter(module=module))
            counted = {c.deck_id: _columns(c) for c in store.card_counts(conn, in_module.scope)}
            assert counted == _counted_by_hand([c for c in cards if c[7] == module], None)
            assert sum(sum(c) for c in counted.values()) > 0


@pytest.mark.parametrize("seed", [5, 23])
def test_the_forecast_counts_each_cards_due_day(tmp_path: Path, seed: int) -> None:
    """The forecast on a generated store (every card's state drawn at random, some buried
    until tomorrow or later, some whose burial has passed) equals its definition applied
    card by card: not new, not retired, not suspended, not buried past now when due
    before tomorrow; by study day for a year, every earlier one overdue. For every deck
    (each day counted by its own index range, issue 19), a family, one deck and a course
    module (grouped by day)."""
    import random
    from datetime import UTC, datetime

    now = 1_700_000_000 - 200 * 86_400 + 5_000
    clock = datetime.fromtimestamp(now, UTC)
    with Library(tmp_path / "data") as library:
        assert library.sync().ok
        path = library.store_path
        start = int(
            Statistics(library.engine, library.settings, clock=lambda: clock)
            .day_start()
            .timestamp()
        )
    draw_card_states(path, seed)
    draw = random.Random(seed)
    db = sqlite3.connect(path)
    for (card_id,) in db.execute("SELECT id FROM card ORDER BY id").fetchall():
        if draw.random() < 0.1:
            until = now + draw.choice([-86_400, -60, 3_600, 86_400, 3 * 86_400])
            db.execute("UPDATE card SET buried_until = ? WHERE id = ?", (until, card_id))
        if draw.random() < 0.2:  # on a study day's first or last second, or the year's
            day = draw.choice([-1, 0, 1, 2, 364, 365])
            due = start + day * 86_400 - draw.choice([0, 1])
            db.execute("UPDATE card SET due = ? WHERE id = ?", (due, card_id))
    db.commit()
    cards = db.execute(
        "SELECT c.deck_id, c.queue, c.suspended, c.retired, c.due, c.buried_until, n.module "
        "FROM card c JOIN note n ON n.id = c.note_id"
    ).fetchall()
    families, family, one_deck, module = scopes_to_check(db, cards)
    db.close()
    with Library(tmp_path / "data") as library:
        stats = Statistics(library.engine, library.settings, clock=lambda: clock)

        def by_hand(kept: list[tuple]) -> tuple[list[int], list[int], int]:
            learning, review, overdue = [0] * 365, [0] * 365, 0
            for _deck, queue, suspended, retired, due, buried, _module in kept:
                if queue == 0 or retired or suspended:
                    continue
                if buried and buried > now and due < start + 86_400:
                    continue
                day = (due - start) // 86_400
                if day < 0:
                    overdue += 1
                elif day < 365:
                    (review if queue == 2 else learning)[day] += 1
            return learning, review, overdue

        scopes = (
            (stats.resolve(), cards),
            (
                stats.resolve(StatsFilter(family=family)),
                [c for c in cards if families.get(c[0]) == family],
            ),
            (stats.resolve(StatsFilter(deck=one_deck)), [c for c in cards if c[0] == one_deck]),
            (stats.resolve(StatsFilter(module=module)), [c for c in cards if c[6] == module]),
        )
        for scope, kept in scopes:
            forecast = stats.forecast(scope)
            learning, review, overdue = by_hand(kept)
            assert (list(forecast.learning), list(forecast.review), forecast.overdue) == (
                learning,
                review,
                overdue,
            )
        everything = stats.forecast(stats.resolve())
        assert everything.overdue > 0 and everything.total(365) > 0
        assert sum(everything.learning) > 0


def _columns(c: store.DeckCounts) -> tuple[int, int, int, int, int]:
    return (c.new, c.learning, c.young, c.mature, c.suspended)
