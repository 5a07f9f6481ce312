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
    from studyapp.store.memory import _LOG, _TIMES

    with sqlite3.connect(library.data_dir / DB_FILENAME) as db:
        for times in ("", _TIMES):
            sql = "EXPLAIN QUERY PLAN " + _LOG.format(time=times)
            plan = " | ".join(str(row[-1]) for row in db.execute(sql, {"next_day_at": 0}))
            assert "COVERING INDEX ix_review_card_log" in plan, plan
            assert "TEMP B-TREE" not in plan, plan
    db.close()


def test_sqlite_reads_each_log_entry_as_the_scheduler_does(library: Library) -> None:
    """The log's SQL classifies every kind of entry as core.replay.log_event does."""
    from itertools import product

    from studyapp.core.replay import log_event
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


def test_the_replay_reads_its_rows_straight_from_the_cursor(library: Library) -> None:
    """The optimizer and the recompute replay the rows as the cursor gives them (no list of
    every row first), the optimizer with float times: the same items, cards, order and
    memory states as from a list of the rows with integer times (the path before), on
    random logs with learning runs, cram, manual changes and resets."""
    import random

    from studyapp.core.replay import memory_from_logs, training_set
    from studyapp.core.scheduling import DEFAULT_PARAMETERS
    from studyapp.store.memory import _log_rows, logs, training_from_logs

    rng = random.Random(5)
    entries = []
    for card in range(1, 300):
        at = 1_700_000_000_000 + rng.randint(0, 10**9)
        for _ in range(rng.randint(1, 14)):
            kind = rng.choices([0, 1, 2], weights=[85, 8, 7])[0]
            before = rng.choice([0, 1, 1, 2, 2, 2, 3])
            after = 0 if kind == 2 and rng.random() < 0.5 else rng.choice([1, 2, 3])
            rating = 0 if kind == 2 else rng.choices([0, 1, 2, 3, 4], [2, 20, 20, 40, 18])[0]
            entries.append((card, at, rating, before, after, kind))
            at += rng.choice([0, 60_000, 86_400_000, 3 * 86_400_000, 10 * 86_400_000])
    next_day_at = 1_700_000_000 + 400 * 86_400
    with sqlite3.connect(library.data_dir / DB_FILENAME) as db:
        db.execute("PRAGMA foreign_keys = OFF")
        db.executemany(
            "INSERT INTO review (card_id, reviewed_at, rating, duration_ms, queue_before, "
            "queue_after, before, kind) VALUES (?, ?, ?, 0, ?, ?, '{}', ?)",
            entries,
        )
        listed = logs(db, next_day_at=next_day_at, times=True)
        streamed = training_from_logs(db, next_day_at=next_day_at)
        replayed = memory_from_logs(
            _log_rows(db, next_day_at=next_day_at, times=False), DEFAULT_PARAMETERS
        )
        expected = memory_from_logs(logs(db, next_day_at=next_day_at), DEFAULT_PARAMETERS)
        db.rollback()
    db.close()
    assert all(isinstance(row[3], float) for row in listed)
    from_list = training_set([(*row[:3], int(row[3])) for row in listed])
    assert len(streamed) > 200
    assert [repr(item) for item in streamed.items] == [repr(item) for item in from_list.items]
    assert (streamed.card_ids, streamed.reviews) == (from_list.card_ids, from_list.reviews)
    assert replayed == expected and len(replayed) > 150
