"""The review tally (store/stats.py) stays in step with the review log: through real
answers and undo, and, when its triggers are gone, by a rebuild."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from studyapp.core.model import Rating
from studyapp.services.library import Library
from studyapp.services.study import StudySession
from studyapp.store import stats as store
from tests.conftest import T0, Clock


def tally(library: Library) -> list[tuple[int, ...]]:
    with library.engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                text(
                    "SELECT quarter, kind, queue, failed, ivl, answers, ms FROM review_tally "
                    "ORDER BY 1, 2, 3, 4, 5"
                )
            )
        ]


def counted_from_log(library: Library) -> list[tuple[int, ...]]:
    """What the tally should hold, counted from the log by the same classification."""
    with library.engine.connect() as conn:
        decks = store.Scope(tuple(d.id for d in store.decks(conn)))
        rows = store.answers_by_day(conn, decks, day_start_ms=0, use_tally=False)
    return by_kind([(r.day, r.kind, r.queue, int(r.failed), r.ivl, r.answers, r.ms) for r in rows])


def by_kind(rows: list[tuple[int, ...]]) -> list[tuple[int, ...]]:
    merged: dict[tuple[int, ...], list[int]] = {}
    for _quarter, kind, queue, failed, ivl, answers, ms in rows:
        if kind == 2:  # manual changes: tallied (so the counts match), never read
            continue
        entry = merged.setdefault((kind, queue, failed, ivl), [0, 0])
        entry[0] += answers
        entry[1] += ms
    return sorted((*key, *values) for key, values in merged.items())


def answer_on_two_days(library: Library, session: StudySession, clock: Clock, days: int) -> None:
    """Five learning answers at the clock's time, then ``days`` later an hour of Hard
    answers two minutes apart (review answers of a few days' interval)."""
    start = clock.now
    for rating in (Rating.GOOD, Rating.AGAIN, Rating.EASY, Rating.GOOD, Rating.GOOD):
        assert session.next_card() is not None
        session.answer(rating, duration_ms=4_000)
    clock.now = start + timedelta(days=days)
    session.apply_settings(library.settings)
    while session.next_card() is not None and clock.now < start + timedelta(days=days, hours=1):
        session.answer(Rating.HARD, duration_ms=2_500)
        clock.now += timedelta(minutes=2)


def test_answers_and_undo_keep_the_tally_in_step(library: Library, deck_dir: Path) -> None:
    assert library.sync([deck_dir]).ok
    assert store.ensure_tally(library.engine)
    clock = Clock(T0)
    session = library.session(clock=clock)
    answer_on_two_days(library, session, clock, days=3)
    with library.engine.connect() as conn:
        assert store.tally_in_step(conn)
    assert by_kind(tally(library)) == counted_from_log(library)
    session.undo()
    session.undo()
    with library.engine.connect() as conn:
        assert store.tally_in_step(conn)
    assert by_kind(tally(library)) == counted_from_log(library)
    assert all(row[5] > 0 for row in tally(library))  # emptied rows are removed
    session.close()


def test_a_store_without_the_triggers_is_counted_again(library: Library, deck_dir: Path) -> None:
    assert library.sync([deck_dir]).ok
    assert store.ensure_tally(library.engine)
    session = library.session(clock=Clock(T0))
    session.next_card()
    session.answer(Rating.GOOD)
    with library.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER review_tally_insert_v3"))
    session.next_card()
    session.answer(Rating.AGAIN)  # not counted: no trigger
    session.close()
    with library.engine.connect() as conn:
        assert not store.tally_in_step(conn)
    assert store.ensure_tally(library.engine)
    with library.engine.connect() as conn:
        assert store.tally_in_step(conn)
        assert conn.execute(text("SELECT sum(answers) FROM review_tally")).scalar_one() == 2
    assert by_kind(tally(library)) == counted_from_log(library)


def test_a_store_made_before_the_tally_gets_it(library: Library, deck_dir: Path) -> None:
    assert library.sync([deck_dir]).ok
    session = library.session(clock=Clock(T0))
    session.next_card()
    session.answer(Rating.GOOD)
    session.close()
    with library.engine.begin() as conn:
        conn.execute(text("DROP TABLE review_tally"))
    assert store.ensure_tally(library.engine)
    assert by_kind(tally(library)) == counted_from_log(library) != []


def test_a_new_store_counts_from_its_first_answer(library: Library, deck_dir: Path) -> None:
    """Opening a store installs the triggers: no rebuild is ever needed for a new one."""
    assert library.sync([deck_dir]).ok
    session = library.session(clock=Clock(T0))
    session.next_card()
    session.answer(Rating.AGAIN, duration_ms=3_000)
    session.close()
    with library.engine.connect() as conn:
        assert store.tally_in_step(conn)
    assert tally(library) == [(int(T0.timestamp() * 1000) // 900_000, 0, 0, 1, 0, 1, 3_000)]


def test_a_store_with_the_first_tally_is_counted_again_with_kinds(
    library: Library, deck_dir: Path
) -> None:
    """The first tally had no kind of answer: its triggers are replaced and the log
    counted again, so cram answers and manual changes land in their own rows."""
    assert library.sync([deck_dir]).ok
    session = library.session(clock=Clock(T0))
    session.next_card()
    session.answer(Rating.GOOD)
    session.close()
    with library.engine.begin() as conn:
        for name in ("insert", "delete", "update"):
            conn.execute(text(f"DROP TRIGGER review_tally_{name}_v3"))
            conn.execute(
                text(
                    f"CREATE TRIGGER review_tally_{name} AFTER INSERT ON review BEGIN SELECT 1; END"
                )
            )
        conn.execute(text("UPDATE review SET kind = 1"))  # as if a cram answer
    assert store.ensure_tally(library.engine)
    with library.engine.connect() as conn:
        names = (
            conn.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
            )
            .scalars()
            .all()
        )
        assert [n for n in names if n.startswith("review_tally")] == [
            "review_tally_delete_v3",
            "review_tally_insert_v3",
            "review_tally_update_v3",
        ]
    assert [row[1] for row in tally(library)] == [1]


def test_an_upgrade_that_rebuilds_a_table_keeps_the_triggers(tmp_path: Path) -> None:
    """The store's upgrade rebuilds a table whose constraints change (here review_tally,
    which gained a key column): triggers naming it are set aside and made again."""
    import sqlite3

    from studyapp.store.schema import upgrade

    Library(tmp_path).close()  # a new store with the tally's triggers
    path = tmp_path / "studyapp.sqlite3"
    db = sqlite3.connect(path)
    db.execute("DROP TABLE review_tally")  # the tally as the first version made it
    db.execute(
        "CREATE TABLE review_tally (quarter INTEGER NOT NULL, queue INTEGER NOT NULL, "
        "failed BOOLEAN NOT NULL, ivl INTEGER NOT NULL, answers INTEGER NOT NULL DEFAULT 0, "
        "ms INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (quarter, queue, failed, ivl))"
    )
    db.execute("INSERT INTO review_tally VALUES (1, 2, 0, 1, 5, 100)")
    db.commit()
    before = db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
    db.execute("BEGIN")
    upgrade(db, new=False)
    db.commit()
    after = db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
    assert sorted(after) == sorted(before) and len(after) == 3
    assert db.execute("SELECT * FROM review_tally").fetchall() == [(1, 0, 2, 0, 1, 5, 100)]
    db.close()


def test_a_tally_with_a_rowid_is_rebuilt_without_one(library: Library, deck_dir: Path) -> None:
    """A store made when the tally was a rowid table (its key's automatic index beside it)
    gets the WITHOUT ROWID table on its next open: the same rows and triggers, one b-tree."""
    import sqlite3

    from studyapp.store.schema import upgrade

    assert library.sync([deck_dir]).ok
    session = library.session(clock=Clock(T0))
    for rating in (Rating.GOOD, Rating.AGAIN):
        session.next_card()
        session.answer(rating)
    session.close()
    counted = tally(library)
    path = library.store_path
    library.close()
    db = sqlite3.connect(path)
    triggers = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    db.execute("BEGIN")
    for name, _sql in triggers:
        db.execute(f"DROP TRIGGER {name}")
    db.execute("ALTER TABLE review_tally RENAME TO old_tally")
    db.execute(
        "CREATE TABLE review_tally (quarter INTEGER NOT NULL, kind INTEGER DEFAULT 0 NOT NULL, "
        "queue INTEGER NOT NULL, failed BOOLEAN NOT NULL, ivl INTEGER NOT NULL, "
        "answers INTEGER DEFAULT 0 NOT NULL, ms INTEGER DEFAULT 0 NOT NULL, "
        "PRIMARY KEY (quarter, kind, queue, failed, ivl))"
    )
    db.execute("INSERT INTO review_tally SELECT * FROM old_tally")
    db.execute("DROP TABLE old_tally")
    for _name, sql in triggers:
        db.execute(sql)
    db.commit()
    assert db.execute("PRAGMA table_list(review_tally)").fetchone()[4] == 0  # (wr: a rowid)
    db.execute("BEGIN")
    upgrade(db, new=False)
    db.commit()
    assert db.execute("PRAGMA table_list(review_tally)").fetchone()[4] == 1
    assert not db.execute("PRAGMA index_list(review_tally)").fetchall()[1:]  # one b-tree
    assert db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall() == (
        triggers
    )
    assert (
        db.execute(
            "SELECT quarter, kind, queue, failed, ivl, answers, ms FROM review_tally "
            "ORDER BY 1, 2, 3, 4, 5"
        ).fetchall()
        == counted
    )
    db.close()
