"""Issue 12's data migration: every card's memory state replayed from its review log in study
days, in the store's upgrade transaction, the log untouched."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from studyapp.core.model import Rating
from studyapp.services.library import Library
from studyapp.store.database import DB_FILENAME
from tests.conftest import Clock

MIGRATION = "2026-11-memory-from-history-in-study-days"


def study(library: Library, clock: Clock) -> None:
    """A week of study at awkward hours: evenings, and nights past midnight that still
    belong to the evening's study day (less than 24 h between some answers)."""
    pattern = [Rating.GOOD, Rating.AGAIN, Rating.GOOD, Rating.EASY, Rating.HARD]
    for day, hour in enumerate((21, 9, 23, 14, 2, 19, 8)):
        clock.now = clock.now.replace(hour=hour) + timedelta(days=1)
        session = library.session(clock=clock)
        index = day
        while (card := session.next_card()) is not None and session.summary.studied < 40:
            session.answer(pattern[index % len(pattern)])
            index += 1
            if card.state.queue.name in ("LEARNING", "RELEARNING"):
                clock.now += timedelta(minutes=11)
        session.close()


def rows(db: sqlite3.Connection, sql: str) -> list[tuple[object, ...]]:
    return db.execute(sql).fetchall()


def intervals_of(db: sqlite3.Connection) -> dict[int, int]:
    return {int(i): int(n) for i, n in db.execute("SELECT id, interval FROM card WHERE queue = 2")}


def memory(db: sqlite3.Connection) -> dict[int, tuple[float, float]]:
    query = "SELECT id, stability, difficulty FROM card WHERE queue != 0"
    return {int(i): (float(s), float(d)) for i, s, d in db.execute(query)}


def test_the_migration_replays_every_log_in_study_days(
    library: Library, deck_dir: Path, clock: Clock
) -> None:
    assert library.sync([deck_dir]).ok
    study(library, clock)
    path = library.data_dir / DB_FILENAME
    library.close()
    with sqlite3.connect(path) as db:
        expected = memory(db)
        intervals = intervals_of(db)
        log = rows(db, "SELECT * FROM review ORDER BY id")
        assert len(expected) >= 5 and len(log) >= 15 and intervals
        # An older store: memory computed with 24-hour periods, no intervals kept, and the
        # migration not yet run.
        db.execute(
            "UPDATE card SET stability = stability * 0.4, difficulty = 9.5, interval = 0 "
            "WHERE queue != 0"
        )
        db.execute("DELETE FROM data_migration WHERE name = ?", (MIGRATION,))
        db.execute("DELETE FROM store_meta")
    db.close()

    Library(library.data_dir).close()  # opening it runs the migration

    with sqlite3.connect(path) as db:
        recomputed = memory(db)
        assert rows(db, "SELECT * FROM review ORDER BY id") == log  # history untouched
        applied = db.execute(
            "SELECT COUNT(*) FROM data_migration WHERE name = ?", (MIGRATION,)
        ).fetchone()
        new_intervals = intervals_of(db)
    assert applied == (1,)
    assert recomputed.keys() == expected.keys()
    for card_id, (stability, difficulty) in expected.items():
        got_s, got_d = recomputed[card_id]
        # The same memory the answers computed step by step (to the rounding Anki stores).
        assert abs(got_s - stability) <= 1e-3 * stability, card_id
        assert abs(got_d - difficulty) <= 1e-3 * difficulty, card_id
    # Review cards get back the interval from their last review to their due date.
    assert new_intervals == intervals


def test_every_log_is_read_from_its_index_alone(library: Library) -> None:
    """The replay's read (a recompute, the optimizer) walks ix_review_card_log in its own
    order: no table row (they carry the JSON snapshot), no sort (benchmarks/scheduling.py)."""
    from studyapp.store.memory import _LOG

    with sqlite3.connect(library.data_dir / DB_FILENAME) as db:
        for times in ("", ", reviewed_at"):
            sql = "EXPLAIN QUERY PLAN " + _LOG.format(time=times)
            plan = " | ".join(str(row[-1]) for row in db.execute(sql, {"next_day_at": 0}))
            assert "COVERING INDEX ix_review_card_log" in plan, plan
            assert "TEMP B-TREE" not in plan, plan
    db.close()


def test_sqlite_reads_each_log_entry_as_the_scheduler_does(library: Library) -> None:
    """The log's SQL classifies every kind of entry as core.scheduling.log_event does."""
    from itertools import product

    from studyapp.core.scheduling import log_event
    from studyapp.store.memory import logs

    entries = list(product(range(5), range(4), range(4), range(3)))
    with sqlite3.connect(library.data_dir / DB_FILENAME) as db:
        db.execute("PRAGMA foreign_keys = OFF")
        db.executemany(
            "INSERT INTO review (card_id, reviewed_at, rating, duration_ms, queue_before, "
            "queue_after, before, kind) VALUES (1, ?, ?, 0, ?, ?, '{}', ?)",
            [(index * 1000, *entry) for index, entry in enumerate(entries)],
        )
        rows = logs(db, next_day_at=len(entries) + 86_400, times=True)
        db.rollback()
    db.close()
    expected = [
        (1, (len(entries) + 86_400 - index) // 86_400, event, index * 1000)
        for index, entry in enumerate(entries)
        if (event := log_event(*entry)) is not None
    ]
    assert rows == expected
    assert {row[2] for row in rows} == {-2, -1, 1, 2, 3, 4, 5, 6, 7, 8}
