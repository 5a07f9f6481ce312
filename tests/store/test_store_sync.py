"""What a sync reads from the store and writes to it (studyapp.store.sync), row by row."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from studyapp.core.model import Queue
from studyapp.store import sync as stored
from studyapp.store.database import open_engine
from studyapp.store.queries import StoredProgress
from studyapp.store.rows import NoteValues, SourceRow
from studyapp.store.sync import (
    Changes,
    FileStat,
    ImageStat,
    Signature,
    StreamedImport,
    write_changes,
)
from studyapp.store.syncrows import CardMove, DeckValues, Inheritance, NewCard, StoredNote
from tests.store.conftest import NOW, note_row

DECKS = [
    DeckValues("d1", "Deck one", "mechanisms", "", "/c/d1.yaml", "x"),
    DeckValues("d2", "Deck two", "evidence", "", "/c/d2.yaml", "y"),
]


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = open_engine(tmp_path / "s.sqlite3")
    yield engine
    engine.dispose()


def write(engine: Engine, changes: Changes) -> None:
    with engine.begin() as conn:
        write_changes(conn, changes, now=NOW)


def rows(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


@pytest.fixture
def filled(two_decks: Engine) -> Engine:
    return two_decks


# -- reads ---------------------------------------------------------------------------------
def test_an_empty_store_has_no_notes_and_a_filled_one_does(engine: Engine) -> None:
    with engine.connect() as conn:
        assert not stored.has_notes(conn)
        assert stored.stored_decks(conn) == {}
        assert stored.stored_file_stats(conn) == {}
        assert stored.stored_bibliography_digest(conn) is None
    write(engine, Changes(decks=DECKS[:1], notes_inserted=[note_row("a", "d1", 0)]))
    with engine.connect() as conn:
        assert stored.has_notes(conn)
        assert stored.stored_decks(conn) == {"d1": stored.StoredDeck("d1", "/c/d1.yaml", "x", True)}


def test_stored_notes_of_a_deck_include_those_named_elsewhere(filled: Engine) -> None:
    with filled.connect() as conn:
        assert set(stored.stored_notes(conn, "d1", ["c"])) == {"a", "b", "c"}
        # a deck file with no card left still finds the deck's notes
        notes = stored.stored_notes(conn, "d1", [])
        assert notes["a"] == StoredNote("a", "d1", "digest-a", 1, False, 0, 7, NOW)
        assert set(notes) == {"a", "b"}
        cards = stored.stored_cards(conn, ["a", "c"])
        found = [(c.note_id, c.key, c.queue, c.retired) for v in cards.values() for c in v]
        assert sorted(found) == [
            ("a", "fwd", 0, False),
            ("a", "rev", 0, False),
            ("c", "fwd", 0, False),
        ]
        assert stored.count_live_notes(conn, {"d1", "d2"}) == 3
        assert stored.count_live_notes(conn, set()) == 0
        assert stored.live_note_ids_of_deck(conn, "d1") == ["a", "b"]
        assert len(stored.live_card_ids_of_deck(conn, "d1")) == 3
        assert stored.card_queues(conn, "a") == [("fwd", Queue.NEW), ("rev", Queue.NEW)]


def test_only_live_notes_of_active_decks_can_clash(filled: Engine) -> None:
    write(filled, Changes(notes_retired=["b"], decks_deactivated=["d2"]))
    with filled.connect() as conn:
        assert stored.clashing_notes(conn, ["a", "b", "c", "zz"]) == [("a", "d1", "/c/d1.yaml")]
        assert stored.stored_decks(conn)["d2"] == stored.StoredDeck("d2", "/c/d2.yaml", "", False)


def test_progress_is_read_only_from_answered_cards(filled: Engine) -> None:
    with filled.begin() as conn:
        conn.execute(
            text(
                "UPDATE card SET queue = 2, stability = 4.0, difficulty = 5.5, due = 99, "
                "last_review = 9, reps = 3, lapses = 1, interval = 4 "
                "WHERE note_id = 'a' AND key = 'fwd'"
            )
        )
    with filled.connect() as conn:
        assert stored.progress_of(conn, "a") == {
            "fwd": StoredProgress(2, None, 4.0, 5.5, 99, 9, 3, 1, 4)
        }
        assert stored.progress_of(conn, "b") == {}


def test_file_stats_are_read_back_as_written_and_in_the_format_older_stores_hold(
    engine: Engine,
) -> None:
    stats = {
        "/c/d1.yaml": FileStat(Signature(770, 1_795_944_532_959_045_090, 5308926), "ab"),
        "/c/d2.yaml": FileStat(None, "cd", (ImageStat("/c/images/arc.svg", 120, 17, 9),)),
    }
    with engine.begin() as conn:
        stored.write_file_stats(conn, stats)
    with engine.connect() as conn:
        assert stored.stored_file_stats(conn) == stats
    # The JSON is the one version 1 stores hold (tests/store/data/store_v1.sql), so a store
    # written before the stats were typed keeps skipping its unchanged files.
    assert rows(engine, f"SELECT value FROM setting WHERE key = '{stored.FILE_STATS_KEY}'") == [
        (
            '{"/c/d1.yaml":[770,1795944532959045090,5308926,"ab"],'
            '"/c/d2.yaml":[null,null,null,"cd",[["/c/images/arc.svg",120,17,9]]]}',
        )
    ]


@pytest.mark.parametrize(
    "entry",
    [
        "[1, 2]",
        "[1, 2, 3, 4]",
        '[1, null, 3, "ab"]',
        '[1, 2, 3, "ab", [["/i.png", 1, 2]]]',
        '[1, 2, 3, "ab", "images"]',
        '{"size": 1}',
    ],
)
def test_a_file_stat_that_cannot_be_read_is_left_out_so_its_file_is_read_again(
    engine: Engine, entry: str
) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO setting (key, value) VALUES (:k, :v)"),
            {
                "k": stored.FILE_STATS_KEY,
                "v": f'{{"/bad.yaml": {entry}, "/good.yaml": [1,2,3,"x"]}}',
            },
        )
    with engine.connect() as conn:
        assert stored.stored_file_stats(conn) == {"/good.yaml": FileStat(Signature(1, 2, 3), "x")}


# -- writes --------------------------------------------------------------------------------
def test_a_new_card_takes_every_other_column_from_the_defaults(filled: Engine) -> None:
    assert (
        rows(
            filled,
            "SELECT queue, step, stability, difficulty, due, last_review, reps, lapses, retired, "
            "suspended, buried_until, flag, leech, interval FROM card WHERE note_id = 'a'",
        )
        == [(0, None, None, None, 0, None, 0, 0, 0, 0, 0, 0, 0, 0)] * 2
    )


def test_notes_are_updated_retired_and_their_cards_moved(filled: Engine) -> None:
    ids = dict(rows(filled, "SELECT key || note_id, id FROM card"))
    write(
        filled,
        Changes(
            notes_updated=[note_row("a", "d2", 3, front="Reworded", revision=2)],
            notes_retired=["b"],
            card_moves=[CardMove("a", "d2")],
            cards_retired=[ids["reva"]],
            cards_relearned=[ids["fwda"]],
        ),
    )
    assert rows(filled, "SELECT deck_id, position, front, revision FROM note WHERE id = 'a'") == [
        ("d2", 3, "Reworded", 2)
    ]
    assert rows(filled, "SELECT retired, retired_reason FROM note WHERE id = 'b'") == [(1, None)]
    cards_of_a = "SELECT key, deck_id, retired, queue, step, due FROM card WHERE note_id = 'a'"
    assert rows(filled, cards_of_a) == [
        ("fwd", "d2", 0, int(Queue.RELEARNING), 0, NOW),
        ("rev", "d2", 1, 0, None, 0),
    ]
    write(filled, Changes(cards_restored=[ids["reva"]]))
    assert rows(filled, "SELECT retired FROM card WHERE id = " + str(ids["reva"])) == [(0,)]


def test_progress_is_inherited_only_by_cards_still_new(filled: Engine) -> None:
    progress = StoredProgress(2, None, 4.0, 5.5, 99, 9, 3, 1, 4)
    with filled.begin() as conn:
        conn.execute(
            text("UPDATE card SET queue = 1, reps = 1 WHERE note_id = 'a' AND key = 'rev'")
        )
    write(
        filled,
        Changes(
            inheritances=[Inheritance("a", "fwd", progress), Inheritance("a", "rev", progress)]
        ),
    )
    assert rows(
        filled,
        "SELECT key, queue, step, stability, difficulty, due, last_review, reps, lapses, "
        "interval FROM card WHERE note_id = 'a' ORDER BY key",
    ) == [("fwd", *progress), ("rev", 1, None, None, None, 0, None, 1, 0, 0)]


def test_decks_are_upserted_deactivated_and_sources_replaced_by_a_sync_of_every_folder(
    filled: Engine,
) -> None:
    rowids = rows(filled, "SELECT rowid, id FROM deck ORDER BY rowid")
    source = SourceRow("s1", "seed", "Doe J", 2020, "T", None, None, None, None)
    write(
        filled,
        Changes(
            decks=[DECKS[0]._replace(title="Renamed")],
            decks_deactivated=["d2"],
            sources=[source],
            bibliography_digest="bib",
        ),
    )
    assert rows(filled, "SELECT rowid, id FROM deck ORDER BY rowid") == rowids
    assert rows(filled, "SELECT id, title, active, digest FROM deck ORDER BY id") == [
        ("d1", "Renamed", 1, "x"),
        ("d2", "Deck two", 0, ""),
    ]
    assert rows(filled, "SELECT * FROM source") == [tuple(source)]
    # A sync of some folders adds its sources and keeps the others' (another folder's own
    # sources.yaml); one of every folder replaces them all.
    other = source._replace(id="s2", title="Other")
    write(filled, Changes(sources=[other]))
    assert rows(filled, "SELECT id FROM source ORDER BY id") == [("s1",), ("s2",)]
    write(filled, Changes(sources=[other._replace(title="Renamed")]))
    assert rows(filled, "SELECT id, title FROM source ORDER BY id") == [
        ("s1", "T"),
        ("s2", "Renamed"),
    ]
    write(filled, Changes(sources=[], every_folder=True))
    assert rows(filled, "SELECT * FROM source") == []
    with filled.connect() as conn:
        assert stored.stored_bibliography_digest(conn) == "bib"


def test_nothing_to_write_is_false_and_any_change_is_true() -> None:
    assert not Changes()
    assert Changes(bibliography_digest="x")
    assert Changes(sources=[])
    assert Changes(cards_retired=[1])


def test_a_streamed_import_writes_what_planned_changes_write(
    engine: Engine, tmp_path: Path
) -> None:
    notes = [note_row("a", "d1", 0, back="before\x00after"), note_row("b", "d1", 1, critical=True)]
    cards = [NewCard("a", "d1", "fwd", 0), NewCard("b", "d1", "fwd", 1000)]
    with engine.begin() as conn, StreamedImport(conn, now=NOW) as writer:
        writer.write_deck(DECKS[0], notes, cards)
    planned = open_engine(tmp_path / "planned.sqlite3")
    try:
        write(planned, Changes(decks=DECKS[:1], notes_inserted=notes, cards_inserted=cards))
        for table in ("deck", "note", "card"):
            query = f"SELECT * FROM {table} ORDER BY rowid"
            assert rows(engine, query) == rows(planned, query), table
    finally:
        planned.dispose()
    assert rows(engine, "SELECT back, critical FROM note ORDER BY id") == [
        ("before\x00after", 0),
        ("A b", 1),
    ]


def _varied_notes() -> list[tuple[Any, ...]]:
    """New note rows with each column a streamed import may leave to the defaults set and
    unset, alone and together, in runs and alternating (as plain tuples, as FirstImportRows
    gives them, and one as NoteValues)."""
    variants: list[dict[str, Any]] = [
        {},
        {"as_of": 2021},
        {"retired": True},
        {"retired": True, "retired_reason": "superseded"},
        {"replaced_by": "n0"},
        {"critical": True},
        {"sensitive": True},
        {"content_note": "grief"},
        {"module": 3},
        {"module": 0},
        {"critical": 0},
        {"image_file": "a.png", "image_alt": "alt", "image_side": "back", "image_hash": "h"},
        {"changed_at": None},
        {"as_of": 2020, "retired": True, "retired_reason": "r", "replaced_by": "n1"},
    ]
    order = [*range(len(variants)), 0, 0, 1, 1, 0, 2, 0, 13, 12, 12, 0]
    notes = [
        tuple(note_row(f"n{i}", "d1", i, changed_at=NOW - 5)._replace(**variants[v]))
        for i, v in enumerate(order)
    ]
    notes[-1] = NoteValues._make(notes[-1])
    return notes


@pytest.mark.parametrize("defaults_as_expected", [True, False])
def test_new_notes_left_to_the_defaults_are_stored_alike(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, defaults_as_expected: bool
) -> None:
    """A streamed import leaves a new note's unset columns to the DDL's defaults
    (store.sync.note_runs): the same rows, values, types and rowids as every column bound.
    In a store whose note table has other defaults, every column is bound, short rows made
    whole (store.sync.whole_note)."""
    monkeypatch.setattr(stored, "note_defaults_as_expected", lambda _db: defaults_as_expected)
    notes = _varied_notes()
    given = list(notes)
    for i in (1, 14, 16, 17):  # plain rows given short, as a first import's rows are
        full = NoteValues._make(notes[i])
        columns = stored.SHORT_NOTE_ROWS[16 if full.as_of is None else 17]
        given[i] = tuple(getattr(full, c) for c in columns)
    runs = stored.note_runs(given, NOW)
    assert len(runs) > 5 and sum(len(rows) for _, rows in runs) == len(notes)
    assert len(runs[0][0]) < len(NoteValues._fields)  # a plain row leaves columns out
    assert {columns for columns, _ in runs} >= set(stored.SHORT_NOTE_ROWS.values())
    with engine.begin() as conn, StreamedImport(conn, now=NOW) as writer:
        writer.write_deck(DECKS[0], given, [])
    every = open_engine(tmp_path / "every-column.sqlite3")
    try:
        with every.begin() as conn:
            write_changes(
                conn, Changes(decks=DECKS[:1], notes_inserted=[note_row("x", "d1", 0)]), now=NOW
            )
            conn.exec_driver_sql("DELETE FROM note")
            conn.exec_driver_sql(
                f"INSERT INTO note ({', '.join(NoteValues._fields)}) "
                f"VALUES ({', '.join('?' * len(NoteValues._fields))})",
                [(*n[:-1], NOW if n[-1] is None else n[-1]) for n in notes],
            )
        types = ", ".join(f"typeof({c})" for c in NoteValues._fields)
        for query in ("SELECT rowid, * FROM note ORDER BY rowid", f"SELECT {types} FROM note"):
            assert rows(engine, query) == rows(every, query)
    finally:
        every.dispose()
    assert rows(engine, "SELECT critical, sensitive, module, changed_at FROM note")[:13] == [
        (0, 0, None, NOW - 5), (0, 0, None, NOW - 5), (0, 0, None, NOW - 5),
        (0, 0, None, NOW - 5), (0, 0, None, NOW - 5), (1, 0, None, NOW - 5),
        (0, 1, None, NOW - 5), (0, 0, None, NOW - 5), (0, 0, 3, NOW - 5),
        (0, 0, 0, NOW - 5), (0, 0, None, NOW - 5), (0, 0, None, NOW - 5),
        (0, 0, None, NOW),
    ]  # fmt: skip


def test_a_note_table_with_other_defaults_gets_every_column(engine: Engine) -> None:
    """Columns are left out only where the store's own note table (PRAGMA table_info) gives
    the value they are left out for; else every column is bound, as before."""
    import sqlite3

    db = sqlite3.connect(engine.url.database or "")
    assert stored.note_defaults_as_expected(db)
    for column, definition in (
        ("critical", "critical INTEGER DEFAULT 1 NOT NULL"),
        ("as_of", "as_of INTEGER DEFAULT 2020"),
        ("module", "module INTEGER NOT NULL"),
    ):
        other = sqlite3.connect(":memory:")
        ddl = db.execute("SELECT sql FROM sqlite_master WHERE name = 'note'").fetchone()[0]
        line = next(x for x in ddl.splitlines() if x.strip().startswith(f"{column} "))
        other.execute(ddl.replace(line.strip().rstrip(","), definition))
        assert not stored.note_defaults_as_expected(other), column
        other.close()
    other = sqlite3.connect(":memory:")
    assert not stored.note_defaults_as_expected(other)  # no note table at all
    db.close()


SCHEMA_SQL = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
INDEXES_SQL = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'card'"
KEPT_CARD_INDEXES = [
    "sqlite_autoindex_card_1",
    "ix_card_buried",
    "ix_card_flag",
    "ix_card_leech",
    "ix_card_suspended",
]
"""The card indexes a first import keeps in place: the UNIQUE constraint's, and the partial
ones (each row tested as it is inserted: cheaper than a scan of the table to build each
after, issue 19)."""


def test_a_first_import_sets_its_indexes_aside_and_makes_them_again(engine: Engine) -> None:
    """An empty store's note and card indexes are built after the rows (defer_indexes):
    the same indexes from the same SQL, the same rows found through them."""
    schema = rows(engine, SCHEMA_SQL)
    notes = [note_row("a", "d1", 0), note_row("b", "d1", 1)]
    cards = [NewCard("a", "d1", "fwd", 0), NewCard("b", "d1", "fwd", 1000)]
    with engine.begin() as conn:
        writer = StreamedImport(conn, now=NOW, defer_indexes=True)
        during = [r[0] for r in conn.exec_driver_sql(INDEXES_SQL)]
        writer.write_deck(DECKS[0], notes, cards)
        writer.close()
    assert during == KEPT_CARD_INDEXES
    assert rows(engine, SCHEMA_SQL) == schema
    assert rows(engine, "PRAGMA integrity_check") == [("ok",)]
    query = "SELECT note_id FROM card INDEXED BY ix_card_new_order WHERE retired = 0 AND queue = 0"
    assert rows(engine, query + " ORDER BY new_order") == [("a",), ("b",)]


def test_a_partial_index_kept_in_place_holds_the_rows_it_should(engine: Engine) -> None:
    """A first import keeps the partial indexes in place (issue 19): the rows that match
    them are in them, found through them as through the tables, and the store is whole."""
    notes = [
        note_row("a", "d1", 0),
        note_row("b", "d1", 1, critical=1),
        note_row("c", "d1", 2, retired=True, retired_reason="Gone.", replaced_by="a"),
    ]
    cards = [NewCard("a", "d1", "fwd", 0), NewCard("b", "d1", "fwd", 1000)]
    with engine.begin() as conn:
        with StreamedImport(conn, now=NOW, defer_indexes=True) as writer:
            writer.write_deck(DECKS[0], notes, cards)
    assert rows(engine, "PRAGMA integrity_check") == [("ok",)]
    for index, where, expected in (
        ("ix_note_critical", "critical = 1", [("b",)]),
        ("ix_note_replaced_by", "replaced_by IS NOT NULL", [("c",)]),
    ):
        sql = f"SELECT id FROM note INDEXED BY {index} WHERE {where}"
        assert rows(engine, sql) == expected == rows(engine, f"SELECT id FROM note WHERE {where}")
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE card SET suspended = 1, flag = 2 WHERE note_id = 'b'")
    for index, where in (("ix_card_suspended", "suspended = 1"), ("ix_card_flag", "flag > 0")):
        sql = f"SELECT note_id FROM card INDEXED BY {index} WHERE {where}"
        assert rows(engine, sql) == [("b",)]
    assert rows(engine, "PRAGMA integrity_check") == [("ok",)]


def test_indexes_set_aside_come_back_when_the_import_is_rolled_back(engine: Engine) -> None:
    schema = rows(engine, SCHEMA_SQL)
    with engine.connect() as conn:
        conn.begin()
        with StreamedImport(conn, now=NOW, defer_indexes=True) as writer:
            writer.write_deck(DECKS[0], [note_row("a", "d1", 0)], [])
            assert [r[0] for r in conn.exec_driver_sql(INDEXES_SQL)] == KEPT_CARD_INDEXES
        conn.rollback()
    assert rows(engine, SCHEMA_SQL) == schema
    assert rows(engine, "SELECT count(*) FROM note") == [(0,)]
    # Dropped in the import's transaction even before its first row (DDL begins none).
    with engine.connect() as conn:
        conn.begin()
        StreamedImport(conn, now=NOW, defer_indexes=True)._writer.close()
        conn.rollback()
    assert rows(engine, SCHEMA_SQL) == schema


def test_a_store_with_notes_keeps_its_indexes_while_importing(filled: Engine) -> None:
    before = rows(filled, INDEXES_SQL)
    with filled.begin() as conn:
        writer = StreamedImport(conn, now=NOW, defer_indexes=True)
        assert [tuple(r) for r in conn.exec_driver_sql(INDEXES_SQL)] == before
        writer.close()
    assert rows(filled, INDEXES_SQL) == before


def test_stamping_sets_the_time_of_a_new_or_changed_note_and_keeps_a_moved_ones() -> None:
    new, changed, moved = (
        note_row("n1", "d1", 0, changed_at=None),
        note_row("n2", "d1", 1, changed_at=-(NOW + 50)),
        note_row("n3", "d1", 2, changed_at=NOW - 99),
    )
    stamped = stored.stamped([new, changed, moved], NOW)
    assert [n.changed_at for n in stamped] == [NOW, NOW + 50, NOW - 99]
    assert stored.stamped([changed], NOW + 60)[0].changed_at == NOW + 60
    assert [n._replace(changed_at=None) for n in stamped] == [
        n._replace(changed_at=None) for n in (new, changed, moved)
    ]
    assert all(type(n) is type(new) for n in stamped)


def _live_notes_stepped(conn: Any, deck_ids: set[str]) -> int:
    """The old count: every live entry of the decks stepped through."""
    return sum(
        conn.execute(
            text("SELECT count(*) FROM note WHERE retired = 0 AND deck_id = :d"), {"d": d}
        ).scalar_one()
        for d in deck_ids
    )


def test_live_notes_counted_from_the_whole_table_are_those_stepped_through(
    engine: Engine,
) -> None:
    """count_live_notes takes every note less the retired ones when the decks asked for
    hold every note (the start-up's re-sync), and steps through the decks' live entries
    otherwise: the same number either way, over random stores and deck sets (decks without
    notes, decks unknown to the store, every deck, none)."""
    import random

    rng = random.Random(19)
    decks = [
        DeckValues(f"d{i}", f"Deck {i}", "mechanisms", "", f"/c/d{i}.yaml", "x") for i in range(6)
    ]
    notes = [
        note_row(f"n{i}", f"d{rng.randrange(5)}", i, retired=rng.random() < 0.3) for i in range(300)
    ]  # d5 holds none
    write(engine, Changes(decks=decks, notes_inserted=notes))
    names = [d.id for d in decks] + ["unknown"]
    with engine.connect() as conn:
        holding = {n.deck_id for n in notes}
        cases = [set(), set(names), holding, holding - {"d0"}, {"d5"}, {"unknown"}]
        cases += [set(rng.sample(names, rng.randrange(1, len(names)))) for _ in range(40)]
        for deck_ids in cases:
            expected = _live_notes_stepped(conn, deck_ids)
            assert stored.count_live_notes(conn, deck_ids) == expected, deck_ids
        assert stored.count_live_notes(conn, set(names)) == sum(1 for n in notes if not n.retired)


def test_live_notes_of_every_deck_are_counted_without_stepping_through_them(
    filled: Engine,
) -> None:
    """With every note's deck asked for, no statement steps through the live entries
    (LIVE_NOTES_SQL); with a deck left out, that statement counts them."""
    from sqlalchemy import event

    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(filled, "before_cursor_execute", record)
    try:
        with filled.connect() as conn:
            assert stored.count_live_notes(conn, {"d1", "d2"}) == 3
            assert not any("retired = 0" in sql for sql in seen), seen
            seen.clear()
            assert stored.count_live_notes(conn, {"d1"}) == 2
            assert any("retired = 0" in sql for sql in seen), seen
    finally:
        event.remove(filled, "before_cursor_execute", record)


def test_a_small_store_sets_its_indexes_aside_and_makes_them_again(filled: Engine) -> None:
    """A store holding at most ``small_store`` rows in each table (the bundled decks only)
    builds its indexes after the rows too: the same indexes from the same SQL, over the
    stored rows and the new ones; a rollback brings them back; a larger store keeps them."""
    schema = rows(filled, SCHEMA_SQL)
    stored_rows = rows(filled, "SELECT count(*) FROM card")[0][0]
    with filled.connect() as conn:
        conn.begin()
        with StreamedImport(conn, now=NOW, defer_indexes=True, small_store=stored_rows - 1):
            kept = [r[0] for r in conn.exec_driver_sql(INDEXES_SQL)]
            assert len(kept) > len(KEPT_CARD_INDEXES)  # more rows than allowed: all kept
        conn.rollback()
        conn.begin()
        with StreamedImport(conn, now=NOW, defer_indexes=True, small_store=100) as writer:
            assert [r[0] for r in conn.exec_driver_sql(INDEXES_SQL)] == KEPT_CARD_INDEXES
            writer.write_deck(DECKS[0], [note_row("zz", "d1", 99)], [NewCard("zz", "d1", "fwd", 9)])
        conn.rollback()
    assert rows(filled, SCHEMA_SQL) == schema
    with filled.begin() as conn:
        with StreamedImport(conn, now=NOW, defer_indexes=True, small_store=100) as writer:
            writer.write_deck(DECKS[0], [note_row("zz", "d1", 99)], [NewCard("zz", "d1", "fwd", 9)])
    assert rows(filled, SCHEMA_SQL) == schema
    assert rows(filled, "PRAGMA integrity_check") == [("ok",)]
    query = "SELECT note_id FROM card INDEXED BY ix_card_new_order WHERE retired = 0 AND queue = 0"
    assert ("zz",) in rows(filled, query + " ORDER BY new_order")


def _temp_files_open() -> list[str]:
    """SQLite's temporary files this process holds open (it unlinks each as it opens it)."""
    fds = Path("/proc/self/fd")
    targets = []
    for fd in fds.iterdir():
        try:
            targets.append(os.readlink(fd))
        except OSError:  # (closed meanwhile: the directory's own descriptor)
            continue
    return [t for t in targets if "etilqs_" in t]


def test_a_streamed_import_keeps_its_statement_journals_in_memory(engine: Engine) -> None:
    """Each multi-row INSERT journals the stored pages it changes; one whose journal outgrew
    64 KiB put every later statement's in a temporary file (the GUI's add of 200,000 notes:
    416 MB). Here each of 32 new ids goes into another leaf of the id's index of 10,000
    stored notes, so the first INSERT changes 32 stored pages: still no temporary file, and
    temp_store is as before once the import is over (so the indexes' sorts spill as ever)."""
    stored_notes = [note_row(f"k{i:05d}", "d1", i) for i in range(10_000)]
    with engine.begin() as conn, StreamedImport(conn, now=NOW) as writer:
        writer.write_deck(DECKS[0], stored_notes, [])
    new = [note_row(f"k{i:05d}x", "d2", i) for i in range(0, 10_000, 300)]
    assert len(new) >= 32
    with engine.begin() as conn:
        before = conn.exec_driver_sql("PRAGMA temp_store").scalar()
        with StreamedImport(conn, now=NOW, defer_indexes=True) as writer:
            writer.write_deck(DECKS[1], new, [])
            opened = _temp_files_open()
        after = conn.exec_driver_sql("PRAGMA temp_store").scalar()
    assert opened == []
    assert after == before == 0
    assert rows(engine, "SELECT count(*) FROM note") == [(10_000 + len(new),)]
    assert rows(engine, "PRAGMA integrity_check") == [("ok",)]


def test_a_connection_holding_temporary_tables_keeps_them_through_an_import(
    engine: Engine,
) -> None:
    """temp_store is left alone on a connection whose temporary database is open: changing it
    would close that database and drop what it holds."""
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TEMP TABLE kept (x)")
        conn.exec_driver_sql("INSERT INTO kept VALUES (1)")
        conn.commit()
        with conn.begin(), StreamedImport(conn, now=NOW) as writer:
            writer.write_deck(DECKS[0], [note_row("a", "d1", 0)], [])
        assert conn.exec_driver_sql("SELECT x FROM kept").all() == [(1,)]
        assert conn.exec_driver_sql("PRAGMA temp_store").scalar() == 0
    assert rows(engine, "SELECT id FROM note") == [("a",)]
