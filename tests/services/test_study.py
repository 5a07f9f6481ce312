"""Review sessions: queue order, limits, siblings, answers committed, exact undo."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.pool import QueuePool

from studyapp.core.model import CardId, Queue, Rating
from studyapp.services.library import Library
from studyapp.services.study import StudyScope, describe_memory
from tests.conftest import Clock
from tests.freshpython import fresh_python


def card_row(library: Library, card_id: int) -> tuple[object, ...]:
    with library.engine.connect() as conn:
        return tuple(conn.execute(text("SELECT * FROM card WHERE id = :i"), {"i": card_id}).one())


def count(library: Library, sql: str) -> int:
    with library.engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def sync_bundled_without_limits(library: Library) -> None:
    """Sync the bundled course with the daily limits lifted (settings and the deck preset),
    so one session can learn every card."""
    from studyapp.store.presets import DEFAULT_PRESET_ID

    plan = library.sync([Path(__file__).resolve().parents[2] / "decks"])
    assert plan.ok, plan.problems[:3]
    library.update_settings(library.settings.with_changes(new_per_day=999, reviews_per_day=999))
    options = library.deck_options()
    default = options.presets[DEFAULT_PRESET_ID]
    options.update(default._replace(new_per_day=999, reviews_per_day=999))
    library.save_deck_options(options)


def learn_every_card(library: Library, clock: Clock) -> int:
    """Answer every card shown Easy in one session (each new card on to the review queue);
    how many were answered."""
    session = library.session(clock=clock)
    learned = 0
    while session.next_card() is not None:
        session.answer(Rating.EASY, duration_ms=900)
        learned += 1
    session.close()
    return learned


def test_new_cards_come_in_file_order_and_siblings_wait(
    library: Library, deck_dir: Path, clock: Clock
) -> None:
    library.sync([deck_dir])
    session = library.session(StudyScope(("sample-mechanisms",)), clock=clock)
    shown = []
    while (card := session.next_card()) is not None:
        shown.append((card.note_id, card.key))
        session.answer(Rating.EASY)
    # one card per note today: the reverse of s-bdnf and c2 of s-mapp1 wait for tomorrow
    assert shown == [("s-5ht2a", "fwd"), ("s-bdnf", "fwd"), ("s-mapp1", "c1"), ("s-nmda", "fwd")]
    clock.now += timedelta(days=1)
    tomorrow = library.session(StudyScope(("sample-mechanisms",)), clock=clock)
    keys: list[tuple[str, str]] = []
    while (card := tomorrow.next_card()) is not None:
        keys.append((card.note_id, card.key))
        tomorrow.answer(Rating.EASY)
    # the two waiting siblings, in file order (yesterday's Easy cards are not due for days)
    assert keys == [("s-bdnf", "rev"), ("s-mapp1", "c2")]


def test_learning_cards_come_before_new_ones(
    library: Library, deck_dir: Path, clock: Clock
) -> None:
    library.sync([deck_dir])
    session = library.session(clock=clock)
    first = session.next_card()
    assert first is not None
    session.answer(Rating.AGAIN)  # due again in 1 minute
    clock.now += timedelta(minutes=2)
    again = session.next_card()
    assert again is not None and again.card_id == first.card_id
    assert again.state.queue is Queue.LEARNING


def test_reviews_come_before_new_cards(library: Library, deck_dir: Path, clock: Clock) -> None:
    library.sync([deck_dir])
    session = library.session(clock=clock)
    first = session.next_card()
    assert first is not None
    session.answer(Rating.EASY)  # straight to review, due in days
    clock.now += timedelta(days=30)
    later = library.session(clock=clock)
    card = later.next_card()
    assert card is not None and card.card_id == first.card_id
    assert card.state.queue is Queue.REVIEW


def test_daily_new_limit(library: Library, deck_dir: Path, clock: Clock) -> None:
    library.sync([deck_dir])
    library.update_settings(library.settings.with_changes(new_per_day=2))
    session = library.session(clock=clock)
    assert session.counts().new == 2
    answered = 0
    while session.next_card() is not None:
        session.answer(Rating.EASY)
        answered += 1
    assert answered == 2
    assert library.session(clock=clock).counts().new == 0


def test_answer_is_committed_with_its_log_row(
    library: Library, deck_dir: Path, clock: Clock
) -> None:
    library.sync([deck_dir])
    session = library.session(clock=clock)
    card = session.next_card()
    assert card is not None
    session.answer(Rating.HARD, duration_ms=4321)
    # a second, independent connection sees it: it is committed
    with library.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT card_id, rating, duration_ms, queue_before, queue_after, reviewed_at "
                "FROM review"
            )
        ).one()
    assert tuple(row) == (card.card_id, 2, 4321, 0, 1, int(clock.now.timestamp() * 1000))


def test_answer_time_is_measured_from_showing_the_card(
    library: Library, deck_dir: Path, clock: Clock
) -> None:
    library.sync([deck_dir])
    ticks = iter([100.0, 107.25])
    session = library.session(clock=clock, monotonic=lambda: next(ticks))
    session.next_card()
    session.answer(Rating.GOOD)
    assert count(library, "SELECT duration_ms FROM review") == 7250


def test_undo_restores_the_exact_prior_row_and_removes_the_log(
    library: Library, deck_dir: Path, clock: Clock
) -> None:
    library.sync([deck_dir])
    session = library.session(clock=clock)
    first = session.next_card()
    assert first is not None
    before_first = card_row(library, first.card_id)
    session.answer(Rating.GOOD)
    clock.now += timedelta(minutes=15)
    again = session.next_card()
    assert again is not None and again.card_id == first.card_id
    middle = card_row(library, first.card_id)
    session.answer(Rating.GOOD)
    assert card_row(library, first.card_id) != middle

    restored = session.undo()
    assert restored is not None and restored.card_id == first.card_id
    assert card_row(library, first.card_id) == middle
    assert count(library, "SELECT count(*) FROM review") == 1
    assert session.current == restored

    session.undo()
    assert card_row(library, first.card_id) == before_first
    assert count(library, "SELECT count(*) FROM review") == 0
    assert session.undo() is None and not session.can_undo
    assert session.summary.studied == 0


def test_fsrs_state_survives_a_restart_of_the_process(tmp_path: Path, deck_dir: Path) -> None:
    store = tmp_path / "store"
    script = f"""
import sys
from datetime import datetime, UTC, timedelta
from studyapp.core.model import Rating
from studyapp.services.library import Library
lib = Library({str(store)!r})
lib.update_settings(lib.settings.with_changes(fuzz=False))
lib.sync([{str(deck_dir)!r}])
t = datetime(2026, 3, 2, 12, tzinfo=UTC)
s = lib.session(clock=lambda: t)
card = s.next_card()
s.answer(Rating.EASY)
print(card.card_id)
"""
    out = fresh_python("-c", script, check=True)
    card_id = int(out.stdout.strip())
    library = Library(store)
    try:
        session = library.session()
        view = session.card_view(CardId(card_id))
        assert view.state.queue is Queue.REVIEW
        assert view.state.stability is not None and view.state.stability > 1
        assert view.state.reps == 1 and view.state.last_review is not None
        # and the scheduler resumes from it
        assert session.preview(view)[Rating.GOOD].state.reps == 2
    finally:
        library.close()


def test_interval_labels_come_from_the_scheduler(
    library: Library, deck_dir: Path, clock: Clock
) -> None:
    library.sync([deck_dir])
    session = library.session(clock=clock)
    card = session.next_card()
    assert card is not None
    labels = {r: p.label for r, p in session.preview().items()}
    # Anki's labels: steps under the 20-minute learn-ahead limit read "<10m".
    assert labels == {
        Rating.AGAIN: "<1m",
        Rating.HARD: "<6m",
        Rating.GOOD: "<10m",
        Rating.EASY: "8d",
    }


def test_study_day_rollover_releases_siblings_and_resets_limits(
    library: Library, deck_dir: Path, clock: Clock
) -> None:
    library.sync([deck_dir])
    library.update_settings(library.settings.with_changes(new_per_day=1))
    session = library.session(clock=clock)
    assert session.next_card() is not None
    session.answer(Rating.EASY)
    assert session.next_card() is None
    # The rollover is at 4:00 local time; a day later there is a new allowance.
    clock.now += timedelta(days=1)
    assert library.session(clock=clock).next_card() is not None


def test_the_same_session_rolls_over_at_the_study_day(
    library: Library, deck_dir: Path, clock: Clock
) -> None:
    library.update_settings(library.settings.with_changes(new_per_day=1))
    library.sync([deck_dir])
    session = library.session(clock=clock)
    assert session.next_card() is not None
    session.answer(Rating.EASY)
    assert session.next_card() is None and session.counts().new == 0
    clock.now += timedelta(days=1)  # the session is still open past 4:00
    assert session.counts().new == 1
    assert session.next_card() is not None


def test_undo_gives_back_the_new_card_allowance_and_releases_siblings(
    library: Library, deck_dir: Path, clock: Clock
) -> None:
    library.sync([deck_dir])
    library.update_settings(library.settings.with_changes(new_per_day=1))
    session = library.session(StudyScope(("sample-mechanisms",)), clock=clock)
    first = session.next_card()
    assert first is not None
    session.answer(Rating.EASY)
    assert session.next_card() is None and session.counts().new == 0
    session.undo()
    assert session.counts().new == 1
    again = session.next_card()
    assert again is not None and again.card_id == first.card_id

    library.update_settings(library.settings.with_changes(new_per_day=20))
    session = library.session(StudyScope(("sample-mechanisms",)), clock=clock)
    shown = []
    while (card := session.next_card()) is not None and card.note_id != "s-bdnf":
        session.answer(Rating.EASY)
    assert card is not None
    session.answer(Rating.EASY)  # s-bdnf fwd: its reverse now waits for tomorrow
    while (card := session.next_card()) is not None:
        shown.append((card.note_id, card.key))
        session.answer(Rating.EASY)
    assert ("s-bdnf", "rev") not in shown
    for _ in shown:
        session.undo()
    session.undo()  # take back s-bdnf fwd: the reverse may come today after all
    keys = []
    while (card := session.next_card()) is not None:
        keys.append((card.note_id, card.key))
        session.answer(Rating.EASY)
    assert keys[0] == ("s-bdnf", "fwd") and ("s-bdnf", "rev") not in keys[1:]


def test_a_closed_session_returns_its_connection(library: Library, clock: Clock) -> None:
    pool = library.engine.pool
    assert isinstance(pool, QueuePool)
    before = pool.checkedout()
    sessions = [library.session(clock=clock) for _ in range(3)]
    assert pool.checkedout() == before + 3
    for session in sessions:
        session.close()
    assert pool.checkedout() == before
    library.session(clock=clock)  # dropped: the garbage collector returns it
    assert pool.checkedout() == before


def test_counts_and_card_view_carry_sources(library: Library, deck_dir: Path, clock: Clock) -> None:
    library.sync([deck_dir])
    session = library.session(StudyScope(("sample-mechanisms",)), clock=clock)
    counts = session.counts()
    assert (counts.new, counts.learning, counts.review) == (6, 0, 0)
    while (card := session.next_card()) is not None and card.note_id != "s-mapp1":
        session.answer(Rating.EASY)
    assert card is not None
    assert card.source_line == "Source: Zhou 2024, Health Science Journal"
    assert card.study_line == "Study: Mitchell 2021, Nature Medicine · as of 2025"
    assert '<span class="cloze">[...]</span>' in card.question


def test_summary_and_memory_description(library: Library, deck_dir: Path, clock: Clock) -> None:
    library.sync([deck_dir])
    session = library.session(clock=clock)
    session.next_card()
    session.answer(Rating.AGAIN, duration_ms=2000)
    session.next_card()
    session.answer(Rating.EASY, duration_ms=3000)
    summary = session.finish()
    assert summary.studied == 2 and summary.again_rate == 0.5 and summary.seconds == 5.0
    assert summary.next_due is not None
    last_card = count(library, "SELECT card_id FROM review ORDER BY id DESC LIMIT 1")
    card = session.card_view(CardId(last_card))
    lines = describe_memory(card.state, session.retrievability(card))
    assert any(line.startswith("Stability") for line in lines)
    assert len(session.history(card.card_id)) == 1


def test_the_label_on_each_button_is_the_outcome_with_fuzz_on(
    library: Library, deck_dir: Path, clock: Clock
) -> None:
    """Fuzz is drawn once per card and repetition: what a button says is what it does."""
    from studyapp.core.scheduling import answer_button_label
    from studyapp.core.studyday import study_day

    library.update_settings(library.settings.with_changes(fuzz=True))
    library.sync([deck_dir])
    session = library.session(clock=clock)
    checked = 0
    for _round in range(6):  # new, learning, then review cards days and weeks apart
        card = session.next_card()
        while card is not None:
            preview = session.preview()
            for rating in Rating:
                after = session.answer(rating)
                assert after == preview[rating].state
                assert after.due is not None
                if after.queue is Queue.REVIEW:
                    today = study_day(clock.now).start
                    days = round((after.due - today).total_seconds() / 86_400)
                    assert preview[rating].label == answer_button_label(days * 86_400)
                else:
                    seconds = int((after.due - clock.now).total_seconds())
                    assert preview[rating].label == answer_button_label(seconds)
                checked += 1
                session.undo()
                session.next_card()
            session.answer(Rating.GOOD if _round % 2 else Rating.EASY)
            card = session.next_card()
        clock.now += timedelta(days=9)
        session = library.session(clock=clock)
    assert checked > 40


def test_the_allowances_kept_by_answering_are_those_read_afresh(
    library: Library, deck_dir: Path, clock: Clock
) -> None:
    # A session counts each answer into its per-deck allowances instead of summing them
    # again before every card: after answers (new cards, then reviews a month on) they must
    # equal what a new session reads from the store, and a caller cannot change them.
    library.sync([deck_dir])
    library.update_settings(library.settings.with_changes(new_per_day=50, reviews_per_day=50))
    session = library.session(clock=clock)
    fresh_new = session.allowances()[0]
    for _ in range(5):
        assert session.next_card() is not None
        session.answer(Rating.EASY)
    kept = session.allowances()
    assert kept == library.session(clock=clock).allowances()
    assert sum(kept[0].values()) == sum(fresh_new.values()) - 5
    clock.now += timedelta(days=30)
    later = library.session(clock=clock)
    before = later.allowances()[1]
    reviews = 0
    while reviews < 3 and (card := later.next_card()) is not None:
        reviews += card.state.queue is Queue.REVIEW
        later.answer(Rating.GOOD)
    assert reviews == 3
    kept = later.allowances()
    assert kept == library.session(clock=clock).allowances()
    assert sum(kept[1].values()) == sum(before.values()) - 3
    kept[0].clear()
    kept[1].clear()
    assert later.allowances() == library.session(clock=clock).allowances()


def test_a_grade_given_as_a_number_answers_as_its_rating(
    library: Library, deck_dir: Path, clock: Clock
) -> None:
    # answer() takes a Rating or its number (the enum is only called for a number): the
    # same state and review either way; a number that is no grade is refused, changing nothing.
    library.sync([deck_dir])
    session = library.session(clock=clock)
    card = session.next_card()
    assert card is not None
    by_rating = session.answer(Rating.GOOD)
    session.undo()
    assert session.current is not None and session.current.card_id == card.card_id
    by_number = session.answer(3)  # type: ignore[arg-type]
    assert by_number == by_rating
    assert count(library, "SELECT count(*) FROM review WHERE rating = 3") == 1
    session.next_card()
    reviews = count(library, "SELECT count(*) FROM review")
    with pytest.raises(ValueError):
        session.answer(7)  # type: ignore[arg-type]
    assert count(library, "SELECT count(*) FROM review") == reviews


def _store_rows(library: Library) -> tuple[list[tuple[object, ...]], ...]:
    with library.engine.connect() as conn:
        return tuple(
            [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2, 3"))]
            for table in ("card", "review", "review_tally")
        )


def _studied(tmp_path: Path, deck_dir: Path, name: str, *, reread: bool) -> tuple[object, ...]:
    """Three days of study with fuzz on (every grade, learning and reviews), each answer
    either checked against the row the card was shown from (the study path) or, with
    ``reread``, computed from the state read again in its transaction; the rows left."""
    library = Library(tmp_path / name)
    try:
        library.sync([deck_dir])
        clock = Clock()
        grades = [Rating.GOOD, Rating.AGAIN, Rating.EASY, Rating.HARD]
        answered = 0
        for _day in range(3):
            session = library.session(clock=clock)
            for _ in range(40):
                if session.next_card() is None:
                    clock.now += timedelta(minutes=11)
                    if session.next_card() is None:
                        break
                if reread:
                    session._loaded = None  # as for a card view not made from its row
                session.answer(grades[answered % 4], duration_ms=1000 + answered)
                answered += 1
                clock.now += timedelta(seconds=50)
            session.close()
            clock.now += timedelta(days=2)
        assert answered > 20
        return _store_rows(library)
    finally:
        library.close()


def test_an_answer_checked_against_the_shown_row_stores_what_a_reread_stores(
    tmp_path: Path, deck_dir: Path
) -> None:
    # StudySession.answer skips re-reading a card that still holds what it was shown with
    # (queries.apply_answer_if_unchanged): both ways must leave the very same store.
    assert _studied(tmp_path, deck_dir, "checked", reread=False) == _studied(
        tmp_path, deck_dir, "reread", reread=True
    )


def test_a_card_changed_after_it_was_shown_is_answered_from_its_stored_state(
    tmp_path: Path, deck_dir: Path, clock: Clock
) -> None:
    # Another connection changes the card between showing and answering: the answer must
    # start from the stored state (as if it had been read afresh), not from the shown one.
    rows = []
    for changed_after_showing in (True, False):
        library = Library(tmp_path / f"store-{changed_after_showing}")
        library.sync([deck_dir])
        peek = library.session(clock=Clock(clock.now))
        card_id = peek.next_card()  # the card the session will show
        assert card_id is not None
        peek.close()
        session = library.session(clock=Clock(clock.now))

        def change(library: Library = library, card: int = card_id.card_id) -> None:
            with library.engine.begin() as conn:
                conn.execute(
                    text(
                        "UPDATE card SET queue = 2, stability = 12.5, difficulty = 4.25, "
                        "due = :due, last_review = :last, reps = 3, interval = 12 WHERE id = :i"
                    ),
                    {"due": int(clock.now.timestamp()) - 60, "last": 1, "i": card},
                )

        if not changed_after_showing:
            change()
        card = session.next_card()
        assert card is not None and card.card_id == card_id.card_id
        assert (card.state.queue is Queue.NEW) is changed_after_showing
        if changed_after_showing:
            change()
        after = session.answer(Rating.GOOD, duration_ms=2000)
        assert after.reps == 4 and after.stability != 12.5
        session.close()
        rows.append(_store_rows(library))
        library.close()
    assert rows[0] == rows[1]


def test_a_shown_card_reads_what_the_full_card_details_read(
    tmp_path: Path, deck_dir: Path, clock: Clock
) -> None:
    # The study path reads a card with queries.shown_card (the note columns a view reads),
    # the browser with queries.card_details (the whole note row): every value both read must
    # be the same, and so must the view built from either, on every bundled card (images,
    # clozes, critical and sensitive cards, content notes, modules) and cards whose own
    # columns and trainee's notes were changed.
    from studyapp.services.study import build_card_view, shown_image
    from studyapp.store import queries

    library = Library(tmp_path / "store")
    try:
        plan = library.sync([Path(__file__).resolve().parents[2] / "decks", deck_dir])
        assert plan.ok, plan.problems[:3]
        session = library.session(clock=clock)
        session.next_card()
        session.answer(Rating.AGAIN)
        with library.engine.begin() as conn:
            conn.execute(text("UPDATE card SET suspended = 1, flag = 3 WHERE id % 7 = 0"))
            conn.execute(text("UPDATE card SET retired = 1, leech = 1 WHERE id % 11 = 0"))
            conn.execute(text("UPDATE card SET buried_until = 99 WHERE id % 13 = 0"))
            conn.execute(
                text(
                    "INSERT INTO user_note (note_id, text, updated_at) "
                    "SELECT id, 'mine: ' || id, 0 FROM note WHERE rowid % 5 = 0"
                )
            )
        db = session._db
        sources = session._bibliography()
        ids = [card_id for (card_id,) in db.execute("SELECT id FROM card ORDER BY id")]
        assert len(ids) > 300
        seen = set()
        for card_id in ids:
            shown = queries.shown_card(db, card_id)
            full = queries.card_details(db, card_id)
            assert shown[:2] + shown[3:] == full[:2] + full[3:]  # all but the note
            for name in queries.ShownNote._fields:
                assert getattr(shown.note, name) == getattr(full.note, name), (card_id, name)
            views = [
                build_card_view(
                    row,
                    sources,
                    session._index,
                    critical_retention=0.97,
                    image=shown_image(db, row),
                )
                for row in (shown, full)
            ]
            assert views[0] == views[1]
            note = full.note
            seen |= {
                name
                for name in ("image_hash", "content_note", "module", "as_of", "replaced_by")
                if getattr(note, name) is not None
            }
            seen |= {name for name in ("critical", "sensitive") if getattr(note, name)}
            seen |= {"user_note"} if full.user_note else set()
            seen |= {"learning"} if full.state.queue is Queue.LEARNING else set()
        assert seen >= {"image_hash", "content_note", "module", "as_of", "critical"}
        assert seen >= {"sensitive", "user_note", "learning"}
        with pytest.raises(LookupError):
            queries.shown_card(db, max(ids) + 1)
        # The row the review query carries for the card it finds is the row shown_card
        # reads: each card in turn made the first due review (then put back).
        query = queries.DueQuery(now=10, day_start_ms=0, day_end=100)
        for card_id in ids:
            db.execute("SAVEPOINT one")
            db.execute(
                "UPDATE card SET queue = 2, due = 1, retired = 0, suspended = 0, "
                "buried_until = 0 WHERE id = ?",
                (card_id,),
            )
            found, row = queries.next_shown_card(db, query)
            assert found == card_id and row == queries.shown_card(db, card_id), card_id
            db.execute("ROLLBACK TO one")
            db.execute("RELEASE one")
        session.close()
    finally:
        library.close()


def _reviews_studied(
    tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch, *, prime: bool
) -> tuple[tuple[object, ...], int, int]:
    """The bundled course learned Easy on day one, then six days of mostly reviews (every
    grade, fuzz on), with the session's fuzz drawn ahead (``prime``) or, without, one draw
    an answer; the rows left, and the single draws and the batches drawn of those six
    days."""
    from studyapp.core import scheduling

    draws = {"single": 0, "batches": 0}
    single, together = scheduling.fuzz_factor, scheduling.fuzz_factors

    def counted_single(seed: int) -> float:
        draws["single"] += 1
        return single(seed)

    def counted_together(seeds: list[int]) -> list[float]:
        draws["batches"] += 1
        return together(seeds)

    monkeypatch.setattr(scheduling, "fuzz_factor", counted_single)
    monkeypatch.setattr(scheduling, "fuzz_factors", counted_together)
    if not prime:
        monkeypatch.setattr(scheduling.Scheduler, "prime_fuzz", lambda self, cards: None)
    library = Library(tmp_path / name)
    try:
        sync_bundled_without_limits(library)
        assert library.settings.scheduler_config().fuzz
        clock = Clock()
        learn_every_card(library, clock)
        draws.update(single=0, batches=0)  # the reviews' draws from here on
        grades = [Rating.GOOD] * 5 + [Rating.AGAIN, Rating.HARD, Rating.EASY]
        answered = 0
        for _day in range(6):
            clock.now += timedelta(days=3)
            session = library.session(clock=clock)
            for _ in range(60):
                if session.next_card() is None:
                    break
                session.answer(grades[answered % len(grades)], duration_ms=1000 + answered)
                answered += 1
                clock.now += timedelta(seconds=40)
            session.close()
        assert answered > 200
        return _store_rows(library), draws["single"], draws["batches"]
    finally:
        library.close()


def test_reviews_with_their_fuzz_drawn_ahead_store_what_one_draw_each_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # StudySession.next_card draws the fuzz of the due reviews ahead, together
    # (Scheduler.prime_fuzz): the store left must be the one of a draw an answer, and the
    # reviews must have taken their factors from the batches (single draws are left for the
    # cards answered Again, in relearning, and for a few batches of fewer than four).
    primed, single_primed, batches = _reviews_studied(tmp_path, "ahead", monkeypatch, prime=True)
    alone, single_alone, none = _reviews_studied(tmp_path, "alone", monkeypatch, prime=False)
    assert primed == alone
    assert none == 0
    assert 6 <= batches <= 20, batches
    assert single_primed < single_alone / 3, (single_primed, single_alone)


def _draw_events(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Record the session's reads of the next reviews (their limit), batches drawn (their
    size) and single draws (their seed), in order."""
    from studyapp.core import scheduling
    from studyapp.store import queries

    events: list[tuple[str, int]] = []
    upcoming, together, single = (
        queries.upcoming_reviews,
        scheduling.fuzz_factors,
        scheduling.fuzz_factor,
    )

    def counted_upcoming(*args: object) -> list[tuple[CardId, int]]:
        events.append(("read", int(args[-1])))  # type: ignore[call-overload]
        return upcoming(*args)  # type: ignore[arg-type]

    def counted_together(seeds: list[int]) -> list[float]:
        events.append(("batch", len(seeds)))
        return together(seeds)

    def counted_single(seed: int) -> float:
        events.append(("single", seed))
        return single(seed)

    monkeypatch.setattr(queries, "upcoming_reviews", counted_upcoming)
    monkeypatch.setattr(scheduling, "fuzz_factors", counted_together)
    monkeypatch.setattr(scheduling, "fuzz_factor", counted_single)
    return events


@pytest.mark.parametrize("ahead", [None, 48])
def test_a_session_draws_the_next_reviews_fuzz_at_once_a_batch_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ahead: int | None
) -> None:
    # StudySession.next_card draws the fuzz of the next due reviews together and at once,
    # on the card shown, whenever that review was not drawn ahead: _FUZZ_AHEAD (256) at a
    # time, so the 180 reviews here come from the first card's one batch; with a batch
    # smaller than the queue (48), the first review shown past each batch reads and draws
    # the next. Never a slice an answer, and no review draws its own factor (each one shown
    # was drawn in a batch); each answer stores the outcome its button showed.
    from studyapp.services import study

    if ahead is not None:
        monkeypatch.setattr(study, "_FUZZ_AHEAD", ahead)
    size = study._FUZZ_AHEAD
    assert ahead is not None or size == 256
    library = Library(tmp_path / "ahead")
    try:
        sync_bundled_without_limits(library)
        clock = Clock()
        learn_every_card(library, clock)
        events = _draw_events(monkeypatch)
        clock.now += timedelta(days=400)
        session = library.session(clock=clock)
        answered = 0
        while answered < 180 and (card := session.next_card()) is not None:
            assert card.state.queue is Queue.REVIEW
            shown = session.preview()[Rating.GOOD].state
            drawn = len(events)
            assert session.answer(Rating.GOOD, duration_ms=900) == shown
            assert len(events) == drawn  # nothing drawn by an answer
            answered += 1
        assert answered == 180
        reads = [limit for kind, limit in events if kind == "read"]
        batches = [n for kind, n in events if kind == "batch"]
        assert [kind for kind, _ in events] == ["read", "batch"] * len(reads), events
        assert set(reads) == {size}, reads
        assert all(4 <= n <= size for n in batches), batches
        if ahead is None:
            assert len(reads) == 1 and batches[0] >= 180, batches
        else:
            assert len(reads) >= 180 // size + 1 and sum(batches) >= 180, batches
    finally:
        library.close()


def test_a_review_the_drawn_batch_did_not_foresee_draws_only_the_factors_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A review shown that was not drawn ahead while factors drawn ahead are still unused
    # (here: the first read misses one card of the walk, as a read made before a change
    # would) reads the next reviews again and draws only the factors missing: those drawn
    # and not used yet are kept. The outcomes stay those the buttons showed.
    from studyapp.services import study
    from studyapp.store import queries

    monkeypatch.setattr(study, "_FUZZ_AHEAD", 40)
    library = Library(tmp_path / "unforeseen")
    try:
        sync_bundled_without_limits(library)
        clock = Clock()
        learn_every_card(library, clock)
        clock.now += timedelta(days=400)
        real = queries.upcoming_reviews
        reads = 0

        def first_read_misses_the_tenth(*args: object) -> list[tuple[CardId, int]]:
            nonlocal reads
            found = real(*args)  # type: ignore[arg-type]
            reads += 1
            return found[:9] + found[10:] if reads == 1 else found

        monkeypatch.setattr(queries, "upcoming_reviews", first_read_misses_the_tenth)
        events = _draw_events(monkeypatch)
        session = library.session(clock=clock)
        primed: list[int] = []
        for _ in range(30):
            card = session.next_card()
            assert card is not None and card.state.queue is Queue.REVIEW
            primed.append(len(session._scheduler._primed))
            shown = session.preview()[Rating.GOOD].state
            assert session.answer(Rating.GOOD, duration_ms=900) == shown
        # the first read: 39 of the next 40 (the tenth missed); the tenth card shown reads
        # 40 again: the 30 drawn and unused are kept, 10 drawn (it and the 9 beyond)
        assert events[:2] == [("read", 40), ("batch", 39)], events[:4]
        assert events[2:] == [("read", 40), ("batch", 10)], events
        assert primed[9] == 40 and primed[10] == 39
    finally:
        library.close()


def test_a_review_shown_and_answered_names_no_enum_member_through_its_class(
    tmp_path: Path, deck_dir: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The study path (StudySession.next_card and answer, Scheduler.next_states and its
    # rules) names Queue and Rating members through module globals (_REVIEW, _AGAIN, ...):
    # in CPython 3.11 each `Queue.REVIEW` goes through EnumType.__getattr__'s lookup hook
    # (~76 ns against ~8 ns for a global, 24 lookups an answer). Counted by a
    # __getattribute__ on the enum metaclass, for every queue a card can be shown in.
    import enum

    library = Library(tmp_path / "enum")
    try:
        library.sync([deck_dir])
        members = set(Queue.__members__) | set(Rating.__members__)
        looked_up: list[tuple[str, str]] = []
        plain_lookup = type.__getattribute__

        def counting(cls: type, name: str) -> object:
            if name in members:
                frame = sys._getframe(1)
                caller = f"{frame.f_code.co_filename}:{frame.f_lineno}"
                if "studyapp" in caller:
                    looked_up.append((name, caller))
            return plain_lookup(cls, name)

        again, good = Rating.AGAIN, Rating.GOOD
        monkeypatch.setattr(enum.EnumType, "__getattribute__", counting, raising=False)
        queues = set()
        session = library.session(clock=clock)
        for day in range(4):
            for grade in (again, good, good, good, again, good) * 3:
                card = session.next_card()
                if card is None:
                    break
                queues.add(card.state.queue)
                session.answer(grade, duration_ms=900)
                clock.now += timedelta(minutes=15)
            session.close()
            clock.now += timedelta(days=3 + day)
            session = library.session(clock=clock)
        session.close()
        monkeypatch.undo()
        assert len(queues) == 4, queues
        assert looked_up == []
    finally:
        library.close()


def test_a_short_queue_of_reviews_reads_the_next_ones_once_a_draw(
    tmp_path: Path, deck_dir: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With every due review drawn ahead already (a short queue), the session must not read
    # the next reviews again before each card: once for the first draw, once more at most.
    from studyapp.store import queries

    library = Library(tmp_path / "short")
    try:
        library.sync([deck_dir])
        learned = learn_every_card(library, clock)
        reads: list[int] = []
        upcoming = queries.upcoming_reviews

        def counted(*args: object, **kwargs: object) -> list[tuple[CardId, int]]:
            found = upcoming(*args, **kwargs)  # type: ignore[arg-type]
            reads.append(len(found))
            return found

        monkeypatch.setattr(queries, "upcoming_reviews", counted)
        clock.now += timedelta(days=60)
        session = library.session(clock=clock)
        answered = 0
        while (card := session.next_card()) is not None:
            assert card.state.queue is Queue.REVIEW
            session.answer(Rating.GOOD, duration_ms=900)
            answered += 1
        assert answered >= 5 and learned >= answered
        assert 1 <= len(reads) <= 2, reads
    finally:
        library.close()


def test_card_details_words_a_small_stability_and_write_every_date_alike() -> None:
    """A stability under a day reads in hours ("0.0 days" said nothing), and the memory
    lines and the history table write dates the same way ('1 Apr 2026, 09:05')."""
    from datetime import UTC, datetime

    from studyapp.core.model import MemoryState
    from studyapp.services.study import HistoryEntry, history_row

    due = datetime(2026, 4, 1, 9, 5, tzinfo=UTC)
    state = MemoryState(Queue.LEARNING, 0, 0.02, 7.2, due, due, reps=3, lapses=1)
    lines = describe_memory(state, 0.93, tz=UTC)
    assert lines[0].startswith("Stability under an hour: ")
    assert lines[3].startswith("Next due 1 Apr 2026, 09:05: a learning step.")
    entry = HistoryEntry(due, Rating.AGAIN, 2500, Queue.REVIEW, Queue.LEARNING, 0.02, 7.2, due)
    when = "1 Apr 2026, 09:05"
    assert history_row(entry, tz=UTC) == (when, "Again", "2.5 s", when)
    forgotten = HistoryEntry(due, None, 0, Queue.REVIEW, Queue.NEW, None, None, due, kind=2)
    assert history_row(forgotten, tz=UTC)[1:] == ("Forgotten", "", "")  # no time, no due
    assert lines[-1] == "Reviewed 3 times; forgotten once after learning."
    never = describe_memory(MemoryState(Queue.REVIEW, None, 3.0, 5.0, due, due, reps=1), 0.9)
    assert never[-1] == "Reviewed once; never forgotten after learning."  # not "0 times"


def test_card_details_say_a_learning_due_is_a_step_not_the_stability() -> None:
    """'Stability 2.3 days' beside 'Next due' ten minutes later read as a contradiction: a
    card in its (re)learning steps comes back when its deck's steps say, not after its
    stability. The due line says so; a graduated card's says nothing more."""
    from datetime import UTC, datetime

    from studyapp.core.model import MemoryState

    due = datetime(2026, 4, 1, 9, 5, tzinfo=UTC)
    learning = describe_memory(
        MemoryState(Queue.LEARNING, 0, 2.3, 5.0, due, due, reps=1), 1.0, tz=UTC
    )
    assert learning[0].startswith("Stability 2.3 days: ")
    assert learning[3] == (
        "Next due 1 Apr 2026, 09:05: a learning step. Until the card graduates, its "
        "deck's learning steps set when it comes back, not its stability."
    )
    relearning = describe_memory(
        MemoryState(Queue.RELEARNING, 0, 0.5, 7.0, due, due, reps=5, lapses=1), 0.9, tz=UTC
    )
    assert relearning[3] == (
        "Next due 1 Apr 2026, 09:05: a relearning step, after it was forgotten. Until it "
        "graduates again, its deck's relearning steps set when it comes back, not its "
        "stability."
    )
    review = describe_memory(MemoryState(Queue.REVIEW, 0, 2.3, 5.0, due, due, reps=2), 0.9, tz=UTC)
    assert review[3] == "Next due 1 Apr 2026, 09:05."


def test_card_details_give_difficulty_as_the_memory_tab_does() -> None:
    """The card details said 'Difficulty 2.1 of 10' while Statistics > Memory beside them
    gives difficulty as a share ('Median 70%'), as Anki does in both: the details now say
    12%, FSRS's 1-10 scale read as 0-100%, the same mapping as the Memory tab's median."""
    from datetime import UTC, datetime

    from studyapp.core.model import MemoryState
    from studyapp.services.stats import sorted_median
    from studyapp.services.text import difficulty_share

    due = datetime(2026, 4, 1, 9, 5, tzinfo=UTC)
    lines = describe_memory(MemoryState(Queue.REVIEW, 0, 30.0, 2.08, due, due, reps=4), 0.9)
    assert lines[1] == (
        "Difficulty 12%: how hard this card is for you, from 0% (easiest) to 100% (hardest)."
    )
    hardest = describe_memory(MemoryState(Queue.REVIEW, 0, 30.0, 10.0, due, due, reps=4), 0.9)
    assert hardest[1].startswith("Difficulty 100%: ")
    assert difficulty_share(sorted_median([1.0, 5.5, 10.0])) == 0.5
