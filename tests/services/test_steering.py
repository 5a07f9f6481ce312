"""Steering a review, headless: suspend, bury, flags, "Not now", sensitive cards' content
notes and leeches, every one undoable; the queues and counts leave suspended and buried
cards out."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from studyapp.core.model import Queue, Rating
from studyapp.core.studyday import study_day
from studyapp.services.library import Library
from studyapp.services.review import ReviewController, ReviewState
from studyapp.services.study import GENERIC_CONTENT_NOTE, CardView, StudyScope, is_leech
from studyapp.store.database import Db
from studyapp.store.queries import DueQuery, count_due_capped, next_card_id
from tests.conftest import T0, Clock

MECHANISMS = StudyScope(("sample-mechanisms",))

HEAVY = """\
format_version: 1
deck:
  id: heavy
  title: Heavy material
  family: safety
cards:
  - id: h-plain
    front: A plain question?
    back: A plain answer.
    source: zhou2024
  - id: h-noted
    front: What did the participant describe?
    back: An assault during a session.
    source: zhou2024
    sensitive: true
    content_note: A participant describes sexual assault by a therapist.
  - id: h-generic
    front: What is the risk after a session?
    back: Suicidal thoughts can return.
    source: zhou2024
    sensitive: true
"""


def state_of(review: ReviewController) -> ReviewState:
    """The state now (mypy would keep an earlier narrowing of ``review.state``)."""
    return review.state


def shown(review: ReviewController) -> CardView:
    """The card on screen now (and there must be one)."""
    card = review.card
    assert card is not None
    return card


def card_row(library: Library, card_id: int) -> dict[str, object]:
    with library.engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM card WHERE id = :i"), {"i": card_id}).one()
        return dict(row._mapping)


def scalar(library: Library, sql: str, **params: object) -> object:
    with library.engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


@pytest.fixture
def synced(library: Library, deck_dir: Path) -> Library:
    assert library.sync([deck_dir]).ok
    return library


@pytest.fixture
def heavy(library: Library, tmp_path: Path) -> Library:
    folder = tmp_path / "heavy"
    folder.mkdir()
    (folder / "heavy.yaml").write_text(HEAVY, encoding="utf-8")
    plan = library.sync([folder])
    assert plan.ok, plan.problems
    return library


# -- suspend, bury, flags ------------------------------------------------------------------
def test_suspend_takes_the_card_out_of_every_queue_and_undo_brings_it_back(
    synced: Library, clock: Clock
) -> None:
    session = synced.session(MECHANISMS, clock=clock)
    card = session.next_card()
    assert card is not None and card.note_id == "s-5ht2a"
    before = session.counts()
    overview = synced.overview(T0).due_today.new
    assert session.suspend_current() is True
    assert session.current is None
    assert card_row(synced, card.card_id)["suspended"] == 1
    assert session.counts().new == before.new - 1
    assert synced.overview(T0).due_today.new == overview - 1
    nxt = session.next_card()
    assert nxt is not None and nxt.note_id != "s-5ht2a"
    assert session.undo_label == "suspend"
    back = session.undo()
    assert back is not None and back.card_id == card.card_id and not back.suspended
    assert card_row(synced, card.card_id)["suspended"] == 0
    assert session.counts() == before
    assert scalar(synced, "SELECT count(*) FROM review") == 0


def test_bury_hides_the_card_until_the_next_study_day(synced: Library, clock: Clock) -> None:
    session = synced.session(MECHANISMS, clock=clock)
    card = session.next_card()
    assert card is not None
    assert session.bury_current() is True
    until = card_row(synced, card.card_id)["buried_until"]
    assert until == int(session.day().end.timestamp())
    assert session.next_card() is not None
    assert session.current is not None and session.current.card_id != card.card_id
    clock.now = T0 + timedelta(days=1)
    tomorrow = synced.session(MECHANISMS, clock=clock)
    first = tomorrow.next_card()
    assert first is not None and first.card_id == card.card_id  # back the next day


def test_flags_toggle_and_undo_and_keep_the_card_on_screen(synced: Library, clock: Clock) -> None:
    session = synced.session(MECHANISMS, clock=clock)
    card = session.next_card()
    assert card is not None
    assert session.toggle_flag(1) is True
    assert session.current is not None and session.current.flag == 1
    assert card_row(synced, card.card_id)["flag"] == 1
    assert session.toggle_flag(3) is True
    assert card_row(synced, card.card_id)["flag"] == 3
    assert session.toggle_flag(3) is True  # the same flag again takes it off
    assert card_row(synced, card.card_id)["flag"] == 0
    assert session.toggle_flag(9) is False
    session.undo()
    assert card_row(synced, card.card_id)["flag"] == 3
    session.undo()
    assert card_row(synced, card.card_id)["flag"] == 1
    back = session.undo()
    assert back is not None and back.flag == 0 and card_row(synced, card.card_id)["flag"] == 0


def test_queries_leave_suspended_and_buried_cards_out(synced: Library, clock: Clock) -> None:
    now = int(T0.timestamp())
    with synced.engine.begin() as conn:
        # every sample card due today as a review card; one suspended, one buried
        conn.execute(
            text(
                "UPDATE card SET queue = 2, stability = 3, difficulty = 5, due = :due, "
                "last_review = :last, reps = 1"
            ),
            {"due": now - 60, "last": now - 3 * 86400},
        )
        ids = [r[0] for r in conn.execute(text("SELECT id FROM card ORDER BY id"))]
        conn.execute(text("UPDATE card SET suspended = 1 WHERE id = :i"), {"i": ids[0]})
        conn.execute(
            text("UPDATE card SET buried_until = :u WHERE id = :i"), {"u": now + 3600, "i": ids[1]}
        )
        conn.execute(
            text("UPDATE card SET buried_until = :u WHERE id = :i"), {"u": now - 3600, "i": ids[2]}
        )
    db = synced.engine.raw_connection()
    sqlite_db: Db = db.driver_connection  # type: ignore[assignment]
    try:
        query = DueQuery(now=now, day_start_ms=now * 1000, day_end=now + 3600, reviews_left=99)
        counts = count_due_capped(sqlite_db, query)
        assert counts.review == len(ids) - 2  # the one buried until earlier today is back
        first = next_card_id(sqlite_db, query)
        assert first == ids[2]
    finally:
        db.close()
    overview = synced.overview(T0)
    assert overview.due_today.review == len(ids) - 2
    assert sum(d.counts.review for f in overview.families for d in f.decks) == len(ids) - 2


# -- Not now ---------------------------------------------------------------------------------
def test_not_now_defers_without_a_review_a_lapse_or_a_memory_change(
    synced: Library, clock: Clock
) -> None:
    session = synced.session(MECHANISMS, clock=clock)
    card = session.next_card()
    assert card is not None
    before = card_row(synced, card.card_id)
    assert session.not_now() is True
    after = card_row(synced, card.card_id)
    assert after["buried_until"] == int(session.day().end.timestamp())
    assert {k: v for k, v in after.items() if k != "buried_until"} == {
        k: v for k, v in before.items() if k != "buried_until"
    }
    assert scalar(synced, "SELECT count(*) FROM review") == 0
    assert scalar(synced, "SELECT count(*) FROM deferral WHERE card_id = :c", c=card.card_id) == 1
    assert scalar(synced, "SELECT at_ms FROM deferral") == int(T0.timestamp() * 1000)
    assert session.summary.deferred == 1 and session.summary.studied == 0
    session.undo()
    assert card_row(synced, card.card_id) == before
    assert scalar(synced, "SELECT count(*) FROM deferral") == 0
    assert session.summary.deferred == 0


def test_a_sensitive_card_shows_its_content_note_first_with_not_now(
    heavy: Library, clock: Clock
) -> None:
    review = ReviewController(heavy.session(clock=clock))
    assert review.card is not None and review.card.note_id == "h-plain"
    assert state_of(review) is ReviewState.QUESTION
    review.reveal()
    review.grade(Rating.GOOD)
    card = shown(review)
    assert card.note_id == "h-noted" and card.sensitive
    assert state_of(review) is ReviewState.CONTENT_NOTE
    assert card.content_warning == "A participant describes sexual assault by a therapist."
    assert review.grade(Rating.GOOD) is False  # no grade before the card is even shown
    assert review.previews() == {}
    assert review.not_now() is True
    assert review.notice is not None and review.notice.startswith("Not now")
    generic = shown(review)
    assert generic.note_id == "h-generic"
    assert state_of(review) is ReviewState.CONTENT_NOTE
    assert generic.content_warning == GENERIC_CONTENT_NOTE
    assert review.reveal() is True and state_of(review) is ReviewState.QUESTION
    assert review.reveal() is True and state_of(review) is ReviewState.ANSWER
    assert review.undo() is True  # "Not now" of the first sensitive card, taken back
    assert shown(review).note_id == "h-noted"
    assert state_of(review) is ReviewState.CONTENT_NOTE  # its note again, first
    assert scalar(heavy, "SELECT count(*) FROM deferral") == 0


def test_content_note_fields_reach_the_note_row(heavy: Library) -> None:
    with heavy.engine.connect() as conn:
        rows: dict[str, str] = dict(
            conn.execute(
                text("SELECT id, sensitive || '|' || coalesce(content_note, '') FROM note")
            ).all()
        )
    assert rows == {
        "h-plain": "0|",
        "h-noted": "1|A participant describes sexual assault by a therapist.",
        "h-generic": "1|",
    }


# -- leeches ---------------------------------------------------------------------------------
def lapse_until(session_library: Library, clock: Clock, note: str, lapses: int) -> list[str]:
    """Answer the ``note`` card until it has lapsed ``lapses`` times; the notices seen."""
    notices: list[str] = []
    for _ in range(200):
        review = ReviewController(session_library.session(MECHANISMS, clock=clock))
        while review.card is not None and review.card.note_id != note:
            review.bury()
        if review.card is None:
            review.session.close()
            clock.now += timedelta(days=1)
            continue
        card = review.card
        rating = Rating.AGAIN if card.state.queue is Queue.REVIEW else Rating.EASY
        review.reveal()
        review.grade(rating)
        if review.notice:
            notices.append(review.notice)
        review.session.close()
        with session_library.engine.begin() as conn:  # unbury the others
            conn.execute(text("UPDATE card SET buried_until = 0"))
        if card_row(session_library, card.card_id)["lapses"] == lapses:
            return notices
        clock.now += timedelta(days=1)
    raise AssertionError("never lapsed enough")


def test_a_card_lapsing_threshold_times_is_tagged_a_leech_and_the_review_says_so(
    synced: Library, clock: Clock
) -> None:
    synced.update_settings(synced.settings.with_changes(leech_threshold=2))
    notices = lapse_until(synced, clock, "s-nmda", 2)
    card_id = scalar(synced, "SELECT id FROM card WHERE note_id = 's-nmda'")
    row = card_row(synced, int(str(card_id)))
    assert row["leech"] == 1 and row["suspended"] == 0
    assert len(notices) == 1 and notices[0].startswith(
        "Leech: you have forgotten the card you just answered "
        "(“Which receptor does ketamine block?”) 2 times."
    )
    assert synced.card_search(clock=clock).search("is:leech") == [card_id]


def test_leech_suspend_setting_suspends_it_and_undo_takes_it_all_back(
    synced: Library, clock: Clock
) -> None:
    synced.update_settings(synced.settings.with_changes(leech_threshold=2, leech_suspend=True))
    now = int(T0.timestamp())
    with synced.engine.begin() as conn:  # a review card due now that has lapsed once
        conn.execute(
            text(
                "UPDATE card SET queue = 2, stability = 4, difficulty = 6, due = :due, "
                "last_review = :last, reps = 4, lapses = 1 WHERE note_id = 's-nmda'"
            ),
            {"due": now - 60, "last": now - 5 * 86400},
        )
    session = synced.session(MECHANISMS, clock=clock)
    card = session.next_card()
    assert card is not None and card.note_id == "s-nmda"
    before = card_row(synced, card.card_id)
    session.answer(Rating.AGAIN)
    assert session.leech_notice is not None and session.leech_notice.suspended
    assert "suspended" in session.leech_notice.message
    after = card_row(synced, card.card_id)
    assert after["leech"] == 1 and after["suspended"] == 1 and after["lapses"] == 2
    session.undo()
    assert card_row(synced, card.card_id) == before
    assert session.leech_notice is None


@pytest.mark.parametrize(
    ("threshold", "lapses", "leech"),
    [(8, 7, False), (8, 8, True), (8, 9, False), (8, 12, True), (8, 16, True), (0, 8, False)],
)
def test_leech_rule_is_ankis(threshold: int, lapses: int, leech: bool) -> None:
    assert is_leech(lapses, threshold) is leech


# -- the undo history ------------------------------------------------------------------------
def test_answers_stay_undoable_after_the_session_ends(synced: Library, clock: Clock) -> None:
    first = synced.session(MECHANISMS, clock=clock)
    card = first.next_card()
    assert card is not None
    before = card_row(synced, card.card_id)
    first.answer(Rating.GOOD)
    first.finish()
    first.close()
    later = synced.session(MECHANISMS, clock=clock)  # the next session (or the window)
    assert later.undo_label == "answer"
    back = later.undo()
    assert back is not None and back.card_id == card.card_id
    assert card_row(synced, card.card_id) == before
    assert scalar(synced, "SELECT count(*) FROM review") == 0
    assert synced.undo() is None  # nothing left


def test_undo_history_interleaves_answers_and_actions(synced: Library, clock: Clock) -> None:
    session = synced.session(MECHANISMS, clock=clock)
    a = session.next_card()
    assert a is not None
    session.answer(Rating.GOOD)
    b = session.next_card()
    assert b is not None
    session.suspend_current()
    c = session.next_card()
    assert c is not None
    session.toggle_flag(2)
    labels = [s.label for s in synced.undo_log.steps()]
    assert labels == ["answer", "suspend", "flag"]
    assert session.undo() is not None and card_row(synced, c.card_id)["flag"] == 0
    undone = session.undo()
    assert undone is not None and undone.card_id == b.card_id
    undone = session.undo()
    assert undone is not None and undone.card_id == a.card_id
    assert session.summary.studied == 0
    assert session.undo() is None


def test_cram_and_manual_rows_do_not_count_as_todays_answers(synced: Library, clock: Clock) -> None:
    session = synced.session(MECHANISMS, clock=clock)
    card = session.next_card()
    assert card is not None
    with synced.engine.begin() as conn:
        for kind in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO review (card_id, reviewed_at, rating, duration_ms, queue_before, "
                    "queue_after, due_after, before, kind) VALUES (:c, :at, 3, 1000, 0, 1, 0, "
                    "'{}', :k)"
                ),
                {"c": card.card_id, "at": int(T0.timestamp() * 1000), "k": kind},
            )
    fresh = synced.session(MECHANISMS, clock=clock)
    first = fresh.next_card()
    assert first is not None and first.card_id == card.card_id  # its note is not "touched"
    assert fresh.counts().new == session.counts().new


def test_the_summary_counts_retention_and_what_is_due_tomorrow(
    synced: Library, clock: Clock
) -> None:
    now = int(T0.timestamp())
    with synced.engine.begin() as conn:  # three review cards due now; one due in 30 hours
        conn.execute(
            text(
                "UPDATE card SET queue = 2, stability = 5, difficulty = 5, due = :due, "
                "last_review = :last, reps = 2, interval = 5 WHERE note_id IN "
                "('s-5ht2a', 's-nmda', 's-pat')"
            ),
            {"due": now - 60, "last": now - 5 * 86400},
        )
        conn.execute(
            text(
                "UPDATE card SET queue = 2, stability = 5, difficulty = 5, due = :due, "
                "last_review = :last, reps = 2, interval = 5 WHERE note_id = 's-bdnf' "
                "AND key = 'fwd'"
            ),
            {"due": now + 30 * 3600, "last": now - 86400},
        )
        conn.execute(
            text(
                "UPDATE card SET queue = 2, stability = 5, difficulty = 5, due = :due, "
                "last_review = :last, reps = 2, interval = 5 WHERE note_id = 's-mapp1' "
                "AND key = 'c1'"
            ),
            {"due": now + 3 * 86400, "last": now - 86400},
        )
    session = synced.session(clock=clock)
    for rating in (Rating.GOOD, Rating.AGAIN, Rating.GOOD):
        card = session.next_card()
        assert card is not None and card.state.queue is Queue.REVIEW
        session.answer(rating)
    new = session.next_card()
    assert new is not None and new.state.queue is Queue.NEW
    session.answer(Rating.GOOD)  # a new card: not counted in retention
    summary = session.finish()
    assert (summary.reviewed, summary.recalled) == (3, 2)
    assert summary.retention == pytest.approx(2 / 3)
    # due by the end of tomorrow's study day: whatever the answers left due by then, and the
    # card due in 30 hours; not the card due in three days
    tomorrow_end = int(study_day(T0 + timedelta(days=1)).end.timestamp())
    expected = scalar(
        synced,
        "SELECT count(*) FROM card WHERE queue != 0 AND due < :end",
        end=tomorrow_end,
    )
    assert summary.due_tomorrow == expected
    soon = scalar(synced, "SELECT due FROM card WHERE note_id = 's-bdnf' AND key = 'fwd'")
    later = scalar(synced, "SELECT due FROM card WHERE note_id = 's-mapp1' AND key = 'c1'")
    assert isinstance(soon, int) and isinstance(later, int)
    assert soon < tomorrow_end <= later
    session.undo()
    session.undo()
    assert (session.summary.reviewed, session.summary.recalled) == (2, 1)
