"""Query plans that matter at 200,000 cards and a million answers."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from studyapp.services.library import Library
from studyapp.store.queries import TOUCHED_NOTES_SQL


def test_todays_touched_notes_start_from_todays_answers(library: Library, deck_dir: Path) -> None:
    """Not from every card: walking the cards and probing the log for each took 0.3 s at
    200,000 cards (benchmarks/history.py), on every overview and every session start."""
    assert library.sync([deck_dir]).ok
    raw = library.engine.raw_connection()
    try:
        plan = raw.driver_connection.execute(  # type: ignore[union-attr]
            "EXPLAIN QUERY PLAN " + TOUCHED_NOTES_SQL, {"day_start": 0}
        ).fetchall()
    finally:
        raw.close()
    assert "ix_review_time" in plan[0][3]


def test_deck_counts_leave_out_suspended_and_buried_cards_as_a_plain_count_does(
    library: Library, deck_dir: Path
) -> None:
    """count_cards counts new cards in an index and subtracts the hidden ones: it must
    agree with filtering every card row."""
    from sqlalchemy import text

    from studyapp.store.queries import count_cards

    assert library.sync([deck_dir]).ok
    now = 1_800_000_000
    with library.engine.begin() as conn:
        ids = [r[0] for r in conn.execute(text("SELECT id FROM card ORDER BY id"))]
        assert len(ids) >= 6
        conn.execute(text("UPDATE card SET suspended = 1 WHERE id = :i"), {"i": ids[0]})
        bury = text("UPDATE card SET buried_until = :t WHERE id = :i")
        conn.execute(bury, {"t": now + 60, "i": ids[1]})
        conn.execute(bury, {"t": now - 60, "i": ids[2]})  # no longer buried
        conn.execute(
            text("UPDATE card SET suspended = 1, buried_until = :t WHERE id = :i"),
            {"t": now + 60, "i": ids[3]},
        )
        conn.execute(
            text("UPDATE card SET queue = 2, due = :d WHERE id = :i"), {"d": now - 5, "i": ids[4]}
        )
        counted = count_cards(conn, day_end=now + 3600, now=now)
        plain = {
            deck: (new, due)
            for deck, new, due in conn.execute(
                text(
                    "SELECT deck_id, SUM(queue = 0), SUM(queue != 0 AND due < :end) FROM card "
                    "WHERE retired = 0 AND suspended = 0 AND buried_until <= :now "
                    "GROUP BY deck_id"
                ),
                {"now": now, "end": now + 3600},
            )
        }
    assert {d: (c.new, c.learning + c.review) for d, c in counted.items()} == {
        d: v for d, v in plain.items() if v != (0, 0)
    }
    assert sum(c.new for c in counted.values()) == len(ids) - 4  # 3 hidden, 1 studied


def test_new_cards_per_deck_are_counted_by_seeks_in_the_queue_index(
    library: Library, deck_dir: Path
) -> None:
    """count_cards finds each deck holding a new card by a seek in ix_card_queue_deck and
    counts that deck's range there (21.7 -> 14.7 ms at 200,000 notes): no scan, no sort."""
    from studyapp.store.queries import _NEW_PER_DECK_SQL

    assert library.sync([deck_dir]).ok
    raw = library.engine.raw_connection()
    try:
        plan = raw.driver_connection.execute(  # type: ignore[union-attr]
            "EXPLAIN QUERY PLAN " + _NEW_PER_DECK_SQL
        ).fetchall()
    finally:
        raw.close()
    steps = [row[3] for row in plan]
    searches = [s for s in steps if s.startswith("SEARCH card")]
    assert len(searches) == 3 and all("COVERING INDEX ix_card_queue_deck" in s for s in searches)
    assert not any(s.startswith("SCAN card") or "TEMP B-TREE" in s for s in steps), steps


def test_the_next_due_card_is_found_by_walking_the_due_index(library: Library) -> None:
    """87 ms -> 1 ms at 200,000 cards: the planner must not filter another index first."""
    from studyapp.store.queries import next_due

    raw = library.engine.raw_connection()
    try:
        db = raw.driver_connection
        sql = (
            "EXPLAIN QUERY PLAN SELECT due FROM card WHERE +retired = 0 AND +suspended = 0 "
            "AND +queue != 0 AND due > ? ORDER BY due LIMIT 1"
        )
        plan = db.execute(sql, (0,)).fetchall()  # type: ignore[union-attr]
        assert "ix_card_due" in plan[0][3]
        assert next_due(db, now=0, deck_ids=None) is None  # type: ignore[arg-type]
    finally:
        raw.close()


def plans_of_statements(
    library: Library, run: Callable[[Connection], object]
) -> list[tuple[str, list[str]]]:
    """Each statement ``run`` executes on a connection of ``library``, with the steps of
    its query plan (EXPLAIN QUERY PLAN's detail column)."""
    statements: list[str] = []
    with library.engine.connect() as conn:
        db = conn.connection.driver_connection
        assert isinstance(db, sqlite3.Connection)
        db.set_trace_callback(statements.append)
        try:
            run(conn)
        finally:
            db.set_trace_callback(None)
        return [
            (sql, [row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql)]) for sql in statements
        ]


def test_critical_and_module_cards_are_read_from_the_notes_outward(
    library: Library, deck_dir: Path
) -> None:
    """The notes drive these joins (the partial index of critical notes; every note with a
    module): SQLite chose to walk every card and look up its note (0.5 s for the critical
    cards at 200,000 cards), or to search the card index once per note (minutes)."""
    from studyapp.store import stats as store

    assert library.sync([deck_dir]).ok
    traced = plans_of_statements(
        library,
        lambda conn: (
            store.critical_cards(conn),
            list(store.module_cards(conn)),
            store.card_counts_by_module(conn, store.Scope()),
        ),
    )
    plans = {sql: plan for sql, plan in traced if "FROM note n CROSS JOIN card c" in sql}
    assert len(plans) == 3, traced
    for sql, plan in plans.items():
        assert plan[0].startswith(("SCAN n", "SEARCH n USING INDEX ix_note_critical")), (sql, plan)
        assert "sqlite_autoindex_card_1" in plan[1], (sql, plan)


def test_a_sync_counts_the_live_notes_of_unchanged_decks_from_the_index(
    library: Library, deck_dir: Path
) -> None:
    """A re-sync that changed nothing counts the live notes of every deck it skipped: read
    from the note rows, that was 55 of its ~110 ms of CPU at 200,000 notes."""
    from studyapp.store.sync import LIVE_NOTES_SQL

    assert library.sync([deck_dir]).ok
    raw = library.engine.raw_connection()
    try:
        plan = raw.driver_connection.execute(  # type: ignore[union-attr]
            "EXPLAIN QUERY PLAN " + LIVE_NOTES_SQL.replace(":ids", "(?, ?)"), ("a", "b")
        ).fetchall()
    finally:
        raw.close()
    assert "COVERING INDEX ix_note_deck_id" in plan[0][3]


def test_every_note_of_the_synced_decks_is_counted_by_seeks_and_a_page_count(
    library: Library, deck_dir: Path
) -> None:
    """The start-up's re-sync counts the unchanged notes as every note less the retired ones
    (count_live_notes): the decks the notes name and their retired entries are found by
    seeks in ix_note_deck_id, never by stepping through each deck's entries."""
    from studyapp.store.sync import RETIRED_BY_DECK_SQL

    assert library.sync([deck_dir]).ok
    raw = library.engine.raw_connection()
    try:
        db = raw.driver_connection
        plan = db.execute("EXPLAIN QUERY PLAN " + RETIRED_BY_DECK_SQL).fetchall()  # type: ignore[union-attr]
    finally:
        raw.close()
    steps = [row[3] for row in plan]
    assert not any(step.startswith("SCAN note") for step in steps), steps
    searches = [s for s in steps if s.startswith("SEARCH note")]
    assert len(searches) == 4 and all("COVERING INDEX ix_note_deck_id" in s for s in searches)
    assert sum("(deck_id=? AND retired>?)" in s for s in searches) == 1, steps
    assert sum("(deck_id=? AND retired<?)" in s for s in searches) == 1, steps


def test_deck_totals_and_answers_by_hour_read_without_a_sort_or_a_lookup_per_row(
    library: Library, deck_dir: Path
) -> None:
    """The statistics' per-deck totals read the (deck_id, ...) index in deck order (43 ms
    with a sort at 200,000 cards, 14 without); answers by hour read the year's range of the
    tally's key, which holds the rows (WITHOUT ROWID), not a lookup per row from an index
    of it (113 ms at a million answers); the most put-off cards start from the "Not now"
    log, not every card."""
    from studyapp.store import queries
    from studyapp.store import stats as store

    assert library.sync([deck_dir]).ok
    totals, hours, deferred = (
        plan
        for _sql, plan in plans_of_statements(
            library,
            lambda conn: (
                queries.total_cards(conn),
                store.answers_by_hour(conn, store.Scope(), offset_ms=0, since_ms=0),
                store.most_deferred(conn, store.Scope(), since_ms=0, limit=8),
            ),
        )
    )
    assert totals == ["SCAN card USING COVERING INDEX ix_card_deck_queue_due"], totals
    assert hours[0] == "SEARCH review_tally USING PRIMARY KEY (quarter>?)", hours
    assert deferred[:2] == ["SCAN d", "SEARCH c USING INTEGER PRIMARY KEY (rowid=?)"], deferred


def test_steering_states_join_the_id_list_and_read_what_an_in_list_reads(
    library: Library, deck_dir: Path
) -> None:
    """A bulk action's undo state comes from a join on the id list, not from an IN list
    (which copies the ids into a temporary index first: 23% more instructions for 10,000
    cards); the same states, unknown ids left out and repeats read once."""
    from studyapp.store.steering import SteeringState, steering_states

    assert library.sync([deck_dir]).ok
    raw = library.engine.raw_connection()
    try:
        db = raw.driver_connection
        assert isinstance(db, sqlite3.Connection)
        ids = [r[0] for r in db.execute("SELECT id FROM card ORDER BY id")]
        assert len(ids) >= 4
        with db:
            db.execute("UPDATE card SET suspended = 1, flag = 2 WHERE id = ?", (ids[0],))
            db.execute(
                "UPDATE card SET buried_until = 1800000000, leech = 1 WHERE id = ?", (ids[2],)
            )
        asked = [ids[2], 10**9, ids[0], ids[2], *ids[3:]]
        states = steering_states(db, asked)
        old = db.execute(
            "SELECT id, suspended, buried_until, flag, leech FROM card "
            "WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps(asked),),
        ).fetchall()
        assert sorted(states) == sorted(SteeringState._make(r) for r in old)
        assert len(states) == len(ids) - 1
        assert SteeringState(ids[0], 1, 0, 2, 0) in states
        assert SteeringState(ids[2], 0, 1800000000, 0, 1) in states
        recording = _Recording(db)
        steering_states(recording, ids)  # type: ignore[arg-type]
        plans = [
            row[3]
            for sql in recording.statements
            for row in db.execute("EXPLAIN QUERY PLAN " + sql, (json.dumps(ids),))
        ]
        assert not any("LIST SUBQUERY" in p for p in plans), plans
    finally:
        raw.close()


class _Recording:
    """A connection that records the statements run through it."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.statements: list[str] = []

    def execute(self, sql: str, parameters: Any = ()) -> sqlite3.Cursor:
        self.statements.append(sql)
        return self.db.execute(sql, parameters)
