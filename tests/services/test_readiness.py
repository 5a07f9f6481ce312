"""Readiness for an exam date: known memory states give a known readiness.

The clock is T0 = 2026-03-02 12:00 UTC and the exam is on 2026-04-01 (30 days ahead), so
the forecast is for 2026-04-01 04:00 UTC, the start of that study day. FSRS-6's default
w20 = 0.1542 gives the curve R(t) = (1 + F t / S)^-0.1542 with F = 0.9805 (R = 0.9 at
t = S); expected values are worked out with it by hand, and, where a review comes before
the date, with FSRS's reference engine (fsrs-rs-python) as the oracle.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import fsrs_rs_python as fsrs_rs
import pytest
from sqlalchemy import text

from studyapp.services.library import Library
from studyapp.services.progress import collect, progress_json, progress_lines
from studyapp.services.readiness import (
    MIN_DAYS,
    NEVER,
    introduce,
    on_schedule_recall,
    parse_exam_date,
    readiness,
)
from studyapp.services.stats import Statistics, StatsFilter
from studyapp.store import stats as store
from tests.conftest import T0
from tests.statslog import Log, at

EXAM = date(2026, 4, 1)
EXAM_START = T0.replace(month=4, day=1, hour=4)
DECAY = -0.1542
FACTOR = 0.9 ** (1 / DECAY) - 1


def curve(stability: float, days: int) -> float:
    return (1 + FACTOR * days / stability) ** DECAY


@pytest.fixture
def synced(library: Library, deck_dir: Path) -> Library:
    assert library.sync([deck_dir]).ok
    return library


@pytest.fixture
def log(synced: Library) -> Iterator[Log]:
    writer = Log(synced)
    yield writer
    writer.close()


def statistics(library: Library, **settings: object) -> Statistics:
    return Statistics(
        library.engine,
        library.settings.with_changes(**settings),
        clock=lambda: T0,
        tz=ZoneInfo("UTC"),
    )


def two_learned_cards(log: Log) -> tuple[int, int]:
    """X is not due before the exam; Y is due two days from now."""
    x, y = log.cards("sample-mechanisms")[:2]
    log.state(x, stability=100, difficulty=5, due=at(T0, days=90), last_review=at(T0, days=-10))
    log.state(y, stability=20, difficulty=5, due=at(T0, days=2), last_review=at(T0, days=-20))
    return x, y


def expected_y(average: float, retention: float = 0.9) -> tuple[float, int]:
    """Y's expected recall on the date and its reviews before it, through FSRS itself, for
    Y scheduled at ``retention``."""
    passed = curve(20, 22)  # reviewed on its due day, 22 days after the last review
    model = fsrs_rs.FSRS(fsrs_rs.DEFAULT_PARAMETERS)
    stability, difficulty, days_left, reviews = 20.0, 5.0, 28, 1  # day 2 -> the date's day 30
    state = model.next_states(fsrs_rs.MemoryState(stability, difficulty), retention, 22).good
    while True:
        interval = max(1, round(state.interval))
        if interval >= days_left:
            # Study days, as FSRS counts them: from the review's day to the date's day.
            return passed * curve(state.memory.stability, days_left) + (
                1 - passed
            ) * average, reviews
        days_left -= interval
        reviews += 1
        state = model.next_states(state.memory, retention, interval).good


def kept_on_schedule(retention: float) -> float:
    """The average recall over an interval kept on schedule at ``retention``, in closed
    form: the interval ends where (1 + F t / S)^-w = retention, so F t / S = c with
    c = retention^(-1/w) - 1, and the mean of the curve over it is
    ((1 + c)^(1 - w) - 1) / (c (1 - w)) (w = 0.1542)."""
    w = -DECAY
    c = retention ** (-1 / w) - 1
    return ((1 + c) ** (1 - w) - 1) / (c * (1 - w))


def test_known_memory_states_give_a_known_readiness(synced: Library, log: Log) -> None:
    x, y = two_learned_cards(log)
    stats = statistics(synced, new_per_day=0)
    result = readiness(stats, stats.resolve(), EXAM)
    assert result.ok and result.days == 30
    # X: last reviewed 2026-02-20 12:00; 40 study days to the study day of 2026-04-01
    # (rollover 04:00, as Anki counts days for FSRS).
    # 1 + 0.9805 * 0.40 = 1.3921; ln = 0.3308; * -0.1542 = -0.05102; e^ = 0.9503.
    x_on_date = curve(100, 40)
    assert x_on_date == pytest.approx(0.9503, abs=1e-4)
    # Average recall over an interval kept on schedule, in closed form for the power
    # curve: ((1 + c)^(1 - w) - 1) / (c (1 - w)) with c = F at 90%: 0.9434.
    assert result.on_schedule_recall == pytest.approx(0.9434, abs=2e-4)
    y_on_date, y_reviews = expected_y(result.on_schedule_recall)
    total = result.total
    assert total is not None and total.cards == 8 and total.learned == 2
    assert total.recall_on_date == pytest.approx(x_on_date + y_on_date, abs=1e-4)
    assert total.share_on_date == pytest.approx((x_on_date + y_on_date) / 8, abs=1e-5)
    assert total.recall_now == pytest.approx(curve(100, 10) + curve(20, 20), abs=1e-4)
    assert total.introduced_by_date == 0
    families = {g.id: g for g in result.groups if g.kind == "family"}
    assert families["mechanisms"].share_on_date == pytest.approx((x_on_date + y_on_date) / 6)
    assert families["terms"].share_on_date == 0
    # The card most at risk is Y (the lower expected recall), then X.
    assert [a.card_id for a in result.at_risk] == sorted((x, y), key=lambda c: c != y)
    assert result.at_risk[0].recall == pytest.approx(y_on_date, abs=1e-3)
    assert result.details["learned_reviews"] == y_reviews


def test_what_it_takes_to_finish_introducing(synced: Library, log: Log) -> None:
    two_learned_cards(log)
    stats = statistics(synced, new_per_day=0)
    result = readiness(stats, stats.resolve(), EXAM)
    finish = result.finish
    assert finish is not None and result.current is not None
    # Six new cards, 30 days: one a day finishes on day 5 (2026-03-07).
    assert finish.new_per_day == 1 and finish.introduced == 6
    assert finish.finishes_on == date(2026, 3, 7)
    assert result.current.introduced == 0 and result.current.finishes_on is None
    outlook = stats.scheduler().simulate_new_cards(6, 1, 30)
    assert outlook.introduced == 6
    assert result.new_card_recall == pytest.approx(outlook.recalled_at_end / 6)
    assert result.new_card_recall is not None
    assert 0.85 < result.new_card_recall < 1.0
    total = result.total
    assert total is not None
    assert total.recall_if_finished == pytest.approx(total.recall_on_date + outlook.recalled_at_end)
    assert finish.reviews_per_day == pytest.approx(
        (result.details["learned_reviews"] + sum(outlook.reviews_per_day)) / 30
    )


def test_at_the_daily_limit_new_cards_arrive_in_the_queue_order(
    synced: Library, deck_dir: Path
) -> None:
    cards = "\n".join(
        f"  - {{id: p-{i:02d}, front: 'Question {i}?', back: 'Answer {i}.', source: consensus_nd}}"
        for i in range(30)
    )
    (deck_dir / "process.yaml").write_text(
        "format_version: 1\ndeck: {id: p-deck, title: Process, family: process}\ncards:\n"
        + cards
        + "\n"
    )
    assert synced.sync([deck_dir]).ok
    stats = statistics(synced, new_per_day=2)
    exam = date(2026, 3, 12)  # 10 days: 20 of the 38 new cards
    result = readiness(stats, stats.resolve(), exam)
    with synced.engine.connect() as conn:
        order = list(store.new_cards_in_order(conn))
    assert len(order) == 38
    first = order[:20]
    decks = {g.id: g for g in result.groups if g.kind == "deck"}
    for deck_id, group in decks.items():
        assert group.introduced_by_date == first.count(deck_id)
    assert result.current is not None and result.current.introduced == 20
    assert result.finish is not None and result.finish.new_per_day == 4  # ceil(38 / 10)
    total = result.total
    assert total is not None and total.share_on_date is not None
    assert 0.4 < total.share_on_date < 20 / 38  # 20 of 38 introduced, a few forgotten


@pytest.mark.parametrize(
    ("exam", "status", "words"),
    [
        (date(2026, 3, 1), "past", "has passed"),
        (date(2026, 3, 2), "today", "today"),
        (date(2026, 3, 5), "too_close", "in 3 days"),
    ],
)
def test_a_past_or_too_close_date_gets_a_message_not_a_number(
    synced: Library, exam: date, status: str, words: str
) -> None:
    stats = statistics(synced)
    result = readiness(stats, stats.resolve(), exam)
    assert result.status == status and words in result.message
    assert not result.ok and result.groups == () and result.current is None
    data = progress_json(collect(stats, stats.resolve(), exam))["readiness"]
    assert data == {
        "exam_date": exam.isoformat(),
        "days": (exam - date(2026, 3, 2)).days,
        "status": status,
        "message": result.message,
    }


def test_a_week_ahead_is_enough_for_a_forecast(synced: Library) -> None:
    stats = statistics(synced)
    result = readiness(stats, stats.resolve(), date(2026, 3, 2) + timedelta(days=MIN_DAYS))
    assert result.ok


def test_a_scope_without_cards_is_said_so(synced: Library) -> None:
    with synced.engine.begin() as conn:
        conn.execute(text("UPDATE card SET retired = 1 WHERE deck_id = 'sample-terms'"))
    stats = statistics(synced)
    result = readiness(stats, stats.resolve(StatsFilter(family="terms")), EXAM)
    assert result.status == "empty" and "No cards" in result.message


def test_a_family_filter_shows_its_decks_and_at_risk_cards_only(synced: Library, log: Log) -> None:
    two_learned_cards(log)
    stats = statistics(synced)
    result = readiness(stats, stats.resolve(StatsFilter(family="terms")), EXAM)
    assert [(g.kind, g.title) for g in result.groups] == [
        ("total", "Terms"),
        ("family", "Terms"),
        ("deck", "Sample terms"),
    ]
    assert result.at_risk == ()


@pytest.mark.parametrize("bad", ["2026-13-01", "next week", "01/04/2026", ""])
def test_exam_dates_must_be_iso_dates(bad: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_exam_date(bad)
    assert parse_exam_date(" 2026-04-01 ") == EXAM


def test_the_on_schedule_average_follows_the_desired_retention(synced: Library) -> None:
    lower = on_schedule_recall(statistics(synced, desired_retention=0.8).scheduler())
    higher = on_schedule_recall(statistics(synced, desired_retention=0.95).scheduler())
    assert 0.8 < lower < 0.9 < higher < 1.0


def test_a_suspended_card_is_not_reviewed_before_the_date(synced: Library, log: Log) -> None:
    """Suspended, Y is never shown: its memory decays untouched until the date."""
    _x, y = two_learned_cards(log)
    log.state(
        y,
        stability=20,
        difficulty=5,
        due=at(T0, days=2),
        last_review=at(T0, days=-20),
        suspended=True,
    )
    stats = statistics(synced, new_per_day=0)
    result = readiness(stats, stats.resolve(), EXAM)
    # From its review 20 days ago (12:00) to the date's study day: 50 study days.
    assert result.at_risk[0].card_id == y
    assert result.at_risk[0].recall == pytest.approx(curve(20, 50), abs=1e-3)
    assert result.details["learned_reviews"] == 0


# -- each card at its own schedule (issue 12: deck presets, critical cards) -----------------
def use_preset(log: Log, deck: str, *, retention: float = 0.9, new_per_day: int = 20) -> None:
    """Put ``deck`` on a preset of its own."""
    log.db.execute(
        "INSERT INTO preset (name, desired_retention, new_per_day, reviews_per_day) "
        "VALUES (?, ?, ?, 200)",
        (f"for {deck}", retention, new_per_day),
    )
    log.db.execute("UPDATE deck SET preset_id = (SELECT max(id) FROM preset) WHERE id = ?", (deck,))
    log.db.commit()


def make_critical(log: Log, card_id: int) -> None:
    log.db.execute(
        "UPDATE note SET critical = 1 WHERE id = (SELECT note_id FROM card WHERE id = ?)",
        (card_id,),
    )
    log.db.commit()


def test_the_closed_form_of_the_on_schedule_average() -> None:
    # 0.90: c = e^(0.105361 / 0.1542) - 1 = 0.98035; (1.98035^0.8458 - 1) / (c 0.8458)
    #       = 0.78231 / 0.82918 = 0.9435.
    # 0.95: c = e^(0.051293 / 0.1542) - 1 = 0.39465; (1.39465^0.8458 - 1) / (c 0.8458)
    #       = 0.32492 / 0.33379 = 0.9734.
    assert kept_on_schedule(0.9) == pytest.approx(0.9435, abs=1e-4)
    assert kept_on_schedule(0.95) == pytest.approx(0.9734, abs=1e-4)


@pytest.mark.parametrize("retention", [0.95, 0.97])
def test_a_critical_card_is_projected_at_the_critical_retention(
    synced: Library, log: Log, retention: float
) -> None:
    x, y = two_learned_cards(log)
    make_critical(log, y)
    stats = statistics(synced, new_per_day=0, critical_retention=retention)
    result = readiness(stats, stats.resolve(), EXAM)
    average = kept_on_schedule(retention)
    y_on_date, y_reviews = expected_y(average, retention)
    plain_y, plain_reviews = expected_y(kept_on_schedule(0.9))
    assert y_on_date != pytest.approx(plain_y, abs=1e-3)  # the case tells them apart
    total = result.total
    assert total is not None
    assert total.recall_on_date == pytest.approx(curve(100, 40) + y_on_date, abs=2e-4)
    assert result.details["learned_reviews"] == y_reviews
    assert y_reviews > plain_reviews  # a higher retention: shorter intervals, more reviews
    risk = {a.card_id: a.recall for a in result.at_risk}
    assert risk[y] == pytest.approx(y_on_date, abs=1e-3)
    assert result.retentions == (0.9, retention)
    assert result.on_schedule_recall == pytest.approx(kept_on_schedule(0.9), abs=2e-4)


def test_a_deck_presets_retention_is_its_cards_schedule(synced: Library, log: Log) -> None:
    x, y = two_learned_cards(log)
    use_preset(log, "sample-mechanisms", retention=0.8)
    stats = statistics(synced, new_per_day=0)
    result = readiness(stats, stats.resolve(), EXAM)
    y_on_date, y_reviews = expected_y(kept_on_schedule(0.8), 0.8)
    total = result.total
    assert total is not None
    # X is not due before the date: its recall is its curve whatever the retention.
    assert total.recall_on_date == pytest.approx(curve(100, 40) + y_on_date, abs=2e-4)
    assert result.details["learned_reviews"] == y_reviews
    assert result.retentions == (0.8, 0.9)
    # The reviews a day: Y's reviews before the date over the 30 days (no new cards).
    assert result.current is not None
    assert result.current.reviews_per_day == pytest.approx(y_reviews / 30)


def test_the_queue_introduces_within_each_decks_own_limit() -> None:
    # By hand: A's own limit is 1 a day, 3 a day in all. Day 0 takes A1, skips A2 and A3
    # (A is full), takes B1 and B2. Day 1: A2 (the earliest waiting), then C1; nothing else
    # may go (A is full again). Day 2: A3. Day 3: A4. Day 4: nothing left.
    queue = [(1, "A"), (2, "A"), (3, "A"), (4, "B"), (5, "A"), (6, "B"), (7, "C")]
    days = introduce(iter(queue), 5, 3, lambda deck: 1 if deck == "A" else 20)
    assert [[card for card, _deck in day] for day in days] == [[1, 4, 6], [2, 7], [3], [5], []]
    # A deck with a limit of 0 never introduces; the rest go on at the overall limit.
    days = introduce(iter(queue), 3, 2, lambda deck: 0 if deck == "B" else 20)
    assert [[card for card, _deck in day] for day in days] == [[1, 2], [3, 5], [7]]


def test_the_queue_is_read_only_as_far_as_needed() -> None:
    read: list[int] = []

    def queue() -> Iterator[tuple[int, str]]:
        for card in range(1, 1_000_000):
            read.append(card)
            yield card, "A"

    days = introduce(queue(), 10, 20, lambda deck: 20)
    assert sum(len(day) for day in days) == 200 and len(read) <= 201


def test_a_decks_new_card_limit_holds_back_its_new_cards(synced: Library, log: Log) -> None:
    two_learned_cards(log)  # 4 new mechanisms cards, 2 new terms cards
    use_preset(log, "sample-terms", new_per_day=0)
    stats = statistics(synced, new_per_day=3)
    result = readiness(stats, stats.resolve(), EXAM)
    decks = {g.id: g for g in result.groups if g.kind == "deck"}
    assert decks["sample-mechanisms"].introduced_by_date == 4
    assert decks["sample-terms"].introduced_by_date == 0
    assert result.current is not None and result.finish is not None
    assert result.current.introduced == 4 and result.current.finishes_on is None
    # Finishing means raising the terms deck's limit: 6 cards in 30 days, one a day.
    assert result.finish.introduced == 6 and result.finish.new_per_day == 1
    assert result.finish.finishes_on == date(2026, 3, 7)


def test_a_critical_new_card_is_simulated_at_the_critical_retention(
    synced: Library, log: Log
) -> None:
    two_learned_cards(log)
    (critical,) = log.cards("sample-mechanisms")[-1:]  # s-nmda: a note with one card
    make_critical(log, critical)
    with synced.engine.connect() as conn:
        order = [card for card, _deck in store.new_cards_queue(conn)]
    assert len(order) == 6
    k = order.index(critical)  # introduced on day k at one a day
    others = [day for day in range(6) if day != k]
    first, last = others[0], others[-1]
    assert math.ceil(5 / (last - first + 1)) == 1
    stats = statistics(synced, new_per_day=1)
    result = readiness(stats, stats.resolve(), EXAM)
    scheduler = stats.scheduler()
    # The other five arrive one a day on the other days of 0-5: simulated at 0.90 at
    # ceil(5 / (last - first + 1)) = 1 a day from their first day; the critical card alone
    # from day k, at 0.95, over the days left.
    plain = scheduler.simulate_new_cards(5, 1, 30 - first, desired_retention=0.9)
    alone = scheduler.simulate_new_cards(1, 1, 30 - k, desired_retention=0.95)
    assert alone.recalled_at_end != pytest.approx(
        scheduler.simulate_new_cards(1, 1, 30 - k, desired_retention=0.9).recalled_at_end
    )
    total = result.total
    assert total is not None and result.current is not None
    learned = curve(100, 40) + expected_y(kept_on_schedule(0.9))[0]
    assert total.recall_on_date == pytest.approx(
        learned + plain.recalled_at_end + alone.recalled_at_end, abs=2e-4
    )
    assert result.current.introduced == 6
    assert result.current.finishes_on == date(2026, 3, 7)
    reviews = [0.0] * 30
    for offset, outlook in ((first, plain), (k, alone)):
        for day, n in enumerate(outlook.reviews_per_day):
            reviews[offset + day] += n
    y_reviews = result.details["learned_reviews"]
    assert result.current.reviews_per_day == pytest.approx((y_reviews + sum(reviews)) / 30)


def with_modules(log: Log, x: int, y: int) -> None:
    """X's note in module 1, Y's note (Y and its new reverse card) in module 2."""
    for card, module in ((x, 1), (y, 2)):
        log.db.execute(
            "UPDATE note SET module = ? WHERE id = (SELECT note_id FROM card WHERE id = ?)",
            (module, card),
        )
    log.db.execute(
        "INSERT INTO course_module (course, number, title) VALUES "
        "('c', 1, 'Foundations'), ('c', 2, 'Module 2'), ('c', 3, 'Later')"
    )
    log.db.commit()


def test_readiness_per_course_module(synced: Library, log: Log) -> None:
    x, y = two_learned_cards(log)
    with_modules(log, x, y)
    stats = statistics(synced, new_per_day=0)
    result = readiness(stats, stats.resolve(), EXAM)
    modules = {g.id: g for g in result.groups if g.kind == "module"}
    x_on_date = curve(100, 40)
    y_on_date, _ = expected_y(kept_on_schedule(0.9))
    assert [g.title for g in modules.values()] == [
        "Module 1: Foundations",
        "Module 2",
        "Module 3: Later",
    ]
    assert modules["1"].cards == 1 and modules["1"].recall_on_date == pytest.approx(
        x_on_date, abs=2e-4
    )
    # Y and its reverse, not started (no new cards a day): half of Y's recall.
    assert modules["2"].cards == 2 and modules["2"].learned == 1
    assert modules["2"].share_on_date == pytest.approx(y_on_date / 2, abs=2e-4)
    assert modules["3"].cards == 0 and modules["3"].share_on_date is None
    # The decks and the total are as without modules.
    total = result.total
    assert total is not None and total.cards == 8
    assert total.recall_on_date == pytest.approx(x_on_date + y_on_date, abs=2e-4)
    text = "\n".join(progress_lines(collect(stats, stats.resolve(), EXAM)))
    assert "Module 1: Foundations" in text


def test_a_module_filter_forecasts_that_modules_cards_only(synced: Library, log: Log) -> None:
    x, y = two_learned_cards(log)
    with_modules(log, x, y)
    stats = statistics(synced, new_per_day=0)
    result = readiness(stats, stats.resolve(StatsFilter(module=2)), EXAM)
    y_on_date, _ = expected_y(kept_on_schedule(0.9))
    assert [(g.kind, g.title, g.cards) for g in result.groups] == [
        ("total", "Module 2", 2),
        ("family", "Mechanisms", 2),
        ("deck", "Sample mechanisms", 2),
        ("module", "Module 2", 2),
    ]
    total = result.total
    assert total is not None
    assert total.recall_on_date == pytest.approx(y_on_date, abs=2e-4)
    assert [a.card_id for a in result.at_risk] == [y]  # X is in module 1


def test_the_queue_holds_a_modules_cards_until_it_is_released() -> None:
    # Card 2 waits for its module's release on day 2; card 3's module is held for good.
    # Day 0: 1, then 4 (2 and 3 may not go). Day 1: nothing may go. Day 2: 2.
    queue = [(1, "A"), (2, "A"), (3, "B"), (4, "A")]
    first_day = {2: 2, 3: NEVER}
    days = introduce(iter(queue), 3, 2, lambda deck: 20, lambda card: first_day.get(card, 0))
    assert [[card for card, _deck in day] for day in days] == [[1, 4], [], [2]]


def test_a_module_not_yet_released_is_introduced_from_its_release_day(
    synced: Library, log: Log
) -> None:
    x, y = two_learned_cards(log)  # 4 new mechanisms cards, 2 new terms cards
    log.db.execute("UPDATE note SET module = 1 WHERE deck_id = 'sample-mechanisms'")
    log.db.execute("UPDATE note SET module = 2 WHERE deck_id = 'sample-terms'")
    log.db.execute(
        "INSERT INTO course_module (course, number, title, release) VALUES "
        "('c', 1, 'First', NULL), ('c', 2, 'Second', '2026-03-12')"
    )
    log.db.commit()
    stats = statistics(synced, new_per_day=10)
    result = readiness(stats, stats.resolve(), EXAM)
    decks = {g.id: g for g in result.groups if g.kind == "deck"}
    assert decks["sample-mechanisms"].introduced_by_date == 4
    assert decks["sample-terms"].introduced_by_date == 2  # on day 10, 12 March
    assert result.current is not None and result.current.finishes_on == date(2026, 3, 12)
    # All six at 0.90, from day 0 to day 10: ceil(6 / 11) = 1 a day over the 30 days.
    outlook = stats.scheduler().simulate_new_cards(6, 1, 30, desired_retention=0.9)
    total = result.total
    assert total is not None
    learned = curve(100, 40) + expected_y(kept_on_schedule(0.9))[0]
    assert total.recall_on_date == pytest.approx(learned + outlook.recalled_at_end, abs=2e-4)
    # With the trainee in module 1, module 2 waits for them to move on: not by the date.
    held = statistics(synced, new_per_day=10, current_module=1)
    result = readiness(held, held.resolve(), EXAM)
    decks = {g.id: g for g in result.groups if g.kind == "deck"}
    assert decks["sample-terms"].introduced_by_date == 0
    assert result.current is not None and result.current.introduced == 4
    assert result.current.finishes_on is None
