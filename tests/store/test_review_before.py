"""A review's ``before`` snapshot (studyapp/store/review_before.py): written as a compact JSON
array since schema 3, read in either form (the object older rows keep) by Python, by the
statistics' SQL and by the tally's triggers, alike."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from studyapp.core.model import Rating
from studyapp.services.library import Library
from studyapp.store import review_before
from studyapp.store import stats as store
from studyapp.store.plain import SCHEMA_VERSION
from studyapp.store.queries import StoredProgress
from tests.conftest import T0, Clock
from tests.store.test_stats_tally import answer_on_two_days, by_kind, counted_from_log, tally

ROW = (2, None, 10.971056938171387, 2.1043312549591064, 1734264985, 1733178028, 2, 0, 9)


def as_object(row: tuple[object, ...], *, interval: bool = True) -> str:
    """The snapshot as schema 2 wrote it (the oldest ones without the interval)."""
    names = review_before.STATE_COLUMNS if interval else review_before.STATE_COLUMNS[:-1]
    return json.dumps(dict(zip(names, row, strict=False)))


def test_the_array_is_in_the_stored_progress_order_and_reads_back_exactly() -> None:
    assert review_before.STATE_COLUMNS == StoredProgress._fields
    written = review_before.encode(ROW)
    assert written == "[2,null,10.971056938171387,2.1043312549591064,1734264985,1733178028,2,0,9]"
    assert len(written) < len(as_object(ROW)) / 2
    assert tuple(review_before.decode(written).values()) == ROW


def test_an_old_object_reads_as_the_same_columns() -> None:
    assert review_before.decode(as_object(ROW)) == dict(
        zip(review_before.STATE_COLUMNS, ROW, strict=True)
    )
    assert review_before.decode(as_object(ROW, interval=False))["interval"] == 0


@pytest.mark.parametrize("column", review_before.STATE_COLUMNS)
def test_sql_reads_each_column_of_either_form(column: str) -> None:
    db = sqlite3.connect(":memory:")
    sql = f"SELECT {review_before.sql_field('?', column)}"
    expected = ROW[review_before.STATE_COLUMNS.index(column)]
    for snapshot in (review_before.encode(ROW), as_object(ROW)):
        assert db.execute(sql.replace("?", "?1"), (snapshot,)).fetchone() == (expected,)
    old = db.execute(sql.replace("?", "?1"), (as_object(ROW, interval=False),)).fetchone()
    assert old == ((None,) if column == "interval" else (expected,))


def _study(library: Library, deck_dir: Path) -> Clock:
    """Answers on two days: learning answers, then review answers of a few days' interval."""
    assert library.sync([deck_dir]).ok
    clock = Clock(T0)
    session = library.session(clock=clock)
    answer_on_two_days(library, session, clock, days=30)
    session.close()
    return clock


def test_answers_log_arrays_and_a_log_of_both_forms_is_counted_alike(
    library: Library, deck_dir: Path
) -> None:
    _study(library, deck_dir)
    with library.engine.connect() as conn:
        snapshots = [str(s) for s in conn.execute(text("SELECT before FROM review")).scalars()]
    assert snapshots and all(s.startswith("[") for s in snapshots)
    counted, tallied = counted_from_log(library), tally(library)
    assert {row[3] for row in counted} >= {0, 1}  # answers with no interval and young ones
    # Every other row as an older StudyApp wrote it: the same figures from the log, and
    # the same tally when it is counted again (the triggers' SQL is the same as the log's).
    with library.engine.begin() as conn:
        rows = conn.execute(text("SELECT id, before FROM review WHERE id % 2 = 0")).all()
        for review_id, before in rows:
            old = as_object(tuple(review_before.decode(before).values()))
            conn.execute(
                text("UPDATE review SET before = :b WHERE id = :i"), {"b": old, "i": review_id}
            )
    assert counted_from_log(library) == counted
    assert tally(library) == tallied
    with library.engine.begin() as conn:
        store.rebuild_tally(conn.connection.driver_connection)  # type: ignore[arg-type]
    assert tally(library) == tallied
    assert by_kind(tallied) == counted


def test_undo_puts_back_the_state_of_either_form(library: Library, deck_dir: Path) -> None:
    clock = _study(library, deck_dir)
    session = library.session(clock=clock)
    card = session.next_card()
    assert card is not None
    with library.engine.connect() as conn:
        stored = conn.execute(
            text(f"SELECT {', '.join(review_before.STATE_COLUMNS)} FROM card WHERE id = :i"),
            {"i": card.card_id},
        ).one()
    for old_form in (False, True):
        session.answer(Rating.AGAIN)
        if old_form:
            with library.engine.begin() as conn:
                conn.execute(
                    text("UPDATE review SET before = :b WHERE id = (SELECT max(id) FROM review)"),
                    {"b": as_object(tuple(stored))},
                )
        session.undo()
        with library.engine.connect() as conn:
            again = conn.execute(
                text(f"SELECT {', '.join(review_before.STATE_COLUMNS)} FROM card WHERE id = :i"),
                {"i": card.card_id},
            ).one()
        assert tuple(again) == tuple(stored)
        assert session.next_card() is not None
    session.close()


def test_a_schema_2_store_is_upgraded_and_its_tally_counted_again(
    tmp_path: Path, deck_dir: Path
) -> None:
    with Library(tmp_path / "store") as library:
        _study(library, deck_dir)
        expected = tally(library)
    path = tmp_path / "store" / "studyapp.sqlite3"
    db = sqlite3.connect(path)
    for name in ("insert", "delete", "update"):  # version 2's triggers, as it left them
        db.execute(f"DROP TRIGGER review_tally_{name}_v3")
        db.execute(
            f"CREATE TRIGGER review_tally_{name}_v2 AFTER INSERT ON review BEGIN SELECT 1; END"
        )
    db.execute("UPDATE review_tally SET answers = answers + 1")  # (so a recount shows)
    db.execute("DELETE FROM store_meta")
    db.execute("PRAGMA user_version=2")
    db.commit()
    db.close()
    with Library(tmp_path / "store") as library:
        with library.engine.connect() as conn:
            assert conn.execute(text("PRAGMA user_version")).scalar_one() == SCHEMA_VERSION == 3
            triggers = conn.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
            ).scalars()
            assert [t for t in triggers if t.startswith("review_tally")] == [
                "review_tally_delete_v3",
                "review_tally_insert_v3",
                "review_tally_update_v3",
            ]
        assert tally(library) == expected
