"""The schema: a new store is exactly the table classes; an older one is brought up to them
in one transaction (added tables, columns and indexes, named data migrations)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlmodel import SQLModel

import studyapp.store.tables  # noqa: F401  (registers the tables in the metadata)
from studyapp.store import migrations
from studyapp.store.database import SCHEMA_VERSION, definition_digest, open_engine
from studyapp.store.schema import Schema, definition, read_schema
from tests.freshpython import fresh_python

V1_STORE = Path(__file__).parent / "data" / "store_v1.sql"
TABLES = ("deck", "note", "card", "review", "setting", "source", "deck_folder", "user_note")
"""The tables of a version-1 store."""


def make_store(path: Path) -> Path:
    open_engine(path).dispose()
    return path


def make_v1_store(path: Path) -> Path:
    with sqlite3.connect(path) as db:
        db.executescript(V1_STORE.read_text())
    db.close()
    return path


def schema_of(path: Path) -> Schema:
    with sqlite3.connect(path) as db:
        return read_schema(db)


MIGRATED = {"card": {"stability", "difficulty"}}
"""Columns a named data migration rewrites: issue 12's replays every card's review log
(tests/store/test_memory_migration.py checks the values)."""


def rows_of(
    path: Path,
    tables: tuple[str, ...] = TABLES,
    *,
    like: Path | None = None,
    skip: dict[str, set[str]] | None = None,
) -> dict[str, list[tuple[object, ...]]]:
    """Every row of ``tables``; with ``like``, only the columns the store at ``like`` has
    (an upgrade adds columns, and keeps the old ones' values); without the ``skip`` ones."""
    with sqlite3.connect(like or path) as db:
        columns = {
            t: [
                r[1]
                for r in db.execute(f"PRAGMA table_info({t})")
                if r[1] not in (skip or {}).get(t, set())
            ]
            for t in tables
        }
    with sqlite3.connect(path) as db:
        return {
            t: db.execute(f"SELECT {', '.join(columns[t])} FROM {t} ORDER BY rowid").fetchall()
            for t in tables
        }


def dump(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        return [*db.iterdump(), str(db.execute("PRAGMA user_version").fetchone())]


def sql_literal(value: object) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(int(value) if isinstance(value, bool) else value)


@pytest.fixture
def migration_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, object]]:
    """The data migration registry, restored after the test."""
    registry = dict(migrations.DATA_MIGRATIONS)
    monkeypatch.setattr(migrations, "DATA_MIGRATIONS", registry)
    import studyapp.store.schema as schema

    monkeypatch.setattr(schema, "DATA_MIGRATIONS", registry)
    yield registry  # type: ignore[misc]


def test_a_new_store_is_exactly_the_table_classes(tmp_path: Path) -> None:
    live = schema_of(make_store(tmp_path / "s.sqlite3"))
    dialect = sqlite_dialect.dialect()
    classes = SQLModel.metadata.tables
    assert set(live.tables) == set(classes)
    for name, table in classes.items():
        shape = live.tables[name]
        assert [c.name for c in shape.columns] == [c.name for c in table.columns]
        pk = [c.name for c in table.primary_key.columns]
        for got, column in zip(shape.columns, table.columns, strict=True):
            assert got.type == column.type.compile(dialect), (name, column.name)
            assert got.notnull == (not column.nullable), (name, column.name)
            assert got.pk == (pk.index(column.name) + 1 if column.name in pk else 0)
            python_default = None if column.default is None else column.default.arg  # type: ignore[attr-defined]
            if python_default is None:
                # Only a nullable column may go without a DEFAULT: SQLite's is NULL.
                assert got.default is None
                assert not got.notnull or column.name in pk or got.name in _REQUIRED[name]
            else:
                # The DDL says what the Python default says: plain-SQL writes may omit it.
                assert got.default == sql_literal(python_default), (name, column.name)
        assert {(k.column, k.table, k.to) for k in shape.foreign_keys} == {
            (k.parent.name, k.column.table.name, k.column.name) for k in table.foreign_keys
        }
    named = {n: (i.table, i.unique, i.columns, i.where) for n, i in live.indexes.items()}
    assert named == {
        str(index.name): (
            name,
            bool(index.unique),
            tuple(c.name for c in index.columns),
            _condition(index),
        )
        for name, table in classes.items()
        for index in table.indexes
    }
    assert live == definition().schema


def _condition(index: Any) -> str | None:
    where = index.dialect_options["sqlite"].get("where")
    return None if where is None else " ".join(str(where).split())


_REQUIRED = {
    "deck": {"id", "title", "family", "path", "digest"},
    "note": {"id", "deck_id", "kind", "position"},
    "card": {"id", "note_id", "deck_id", "key"},
    "review": {
        "id",
        "card_id",
        "reviewed_at",
        "rating",
        "duration_ms",
        "queue_before",
        "queue_after",
        "before",
    },
    "setting": {"key", "value"},
    "source": {"id", "kind", "authors", "title"},
    "deck_folder": {"path"},
    "user_note": {"note_id", "text", "updated_at"},
    "data_migration": {"name", "applied_at"},
    "store_meta": {"key", "value"},
    "preset": {"id", "name"},
    "deferral": {"card_id", "at_ms"},
    "course_module": {"course", "number", "title"},
    "media": {"hash", "kind", "width", "height", "data"},
}
"""The columns every write must give (no default): the rest may be left out."""


def test_a_new_store_records_its_version_digest_and_every_migration(
    tmp_path: Path, migration_registry: dict[str, object]
) -> None:
    ran: list[str] = []
    migration_registry["test-never-runs-on-a-new-store"] = lambda db: ran.append("ran")
    path = make_store(tmp_path / "s.sqlite3")
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        assert db.execute("SELECT key, value FROM store_meta").fetchall() == [
            ("definition", definition_digest())
        ]
        names = [n for (n,) in db.execute("SELECT name FROM data_migration ORDER BY rowid")]
    assert names == list(migration_registry)
    assert ran == []


def test_a_version_1_store_becomes_exactly_a_new_store_with_every_row(tmp_path: Path) -> None:
    old = make_v1_store(tmp_path / "v1.sqlite3")
    before = rows_of(old, skip=MIGRATED)
    assert sum(map(len, before.values())) > 60 and all(before.values())
    new = make_store(tmp_path / "new.sqlite3")
    assert schema_of(old) != schema_of(new)
    original = make_v1_store(tmp_path / "original.sqlite3")

    open_engine(old).dispose()

    assert schema_of(old) == schema_of(new)
    assert rows_of(old, like=original, skip=MIGRATED) == before
    with sqlite3.connect(old) as db, sqlite3.connect(new) as fresh:
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        for table in ("store_meta", "data_migration"):
            query = f"SELECT * FROM {table} ORDER BY 1"
            assert [r[0] for r in db.execute(query)] == [r[0] for r in fresh.execute(query)]
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        # The defaults an upgraded store now has are the ones plain-SQL writes rely on.
        db.execute("INSERT INTO card (note_id, deck_id, key) SELECT id, deck_id, 'x' FROM note")
        assert db.execute(
            "SELECT DISTINCT queue, due, reps, lapses, retired FROM card WHERE key = 'x'"
        ).fetchall() == [(0, 0, 0, 0, 0)]


def test_notes_of_an_upgraded_store_are_stamped_once_with_the_upgrade_time(
    tmp_path: Path,
) -> None:
    """``note.changed_at`` (what an Anki export stamps a note with) for notes synced before
    it existed: the upgrade's time, for every note, and the same at the next opening."""
    old = make_v1_store(tmp_path / "v1.sqlite3")
    before = int(time.time())
    open_engine(old).dispose()
    with sqlite3.connect(old) as db:
        stamps = {r[0] for r in db.execute("SELECT changed_at FROM note")}
    assert len(stamps) == 1 and before <= stamps.pop() <= int(time.time())
    with sqlite3.connect(old) as db:
        db.execute("UPDATE note SET changed_at = 5 WHERE rowid = 1")
    open_engine(old).dispose()  # the migration does not run twice
    with sqlite3.connect(old) as db:
        assert db.execute("SELECT changed_at FROM note WHERE rowid = 1").fetchone() == (5,)


def test_an_upgraded_store_opens_like_a_new_one_afterwards(tmp_path: Path) -> None:
    old = make_v1_store(tmp_path / "v1.sqlite3")
    open_engine(old).dispose()
    once = dump(old)
    open_engine(old).dispose()
    assert dump(old) == once


def test_a_column_added_to_the_definition_is_added_in_place_with_its_default(
    tmp_path: Path,
) -> None:
    # A store made before the last column of note existed and before user_note and
    # ix_review_time: the older store a new column or table meets.
    last = list(definition().columns["note"])[-1]
    path = make_v1_store(tmp_path / "v1.sqlite3")
    open_engine(path).dispose()
    with sqlite3.connect(path) as db:
        db.execute("DROP INDEX ix_review_time")
        db.execute("DROP TABLE user_note")
        db.execute(f"ALTER TABLE note DROP COLUMN {last}")
        db.execute("UPDATE store_meta SET value = 'an older definition'")
    db.close()
    notes = rows_of(path, ("note",))["note"]

    open_engine(path).dispose()

    assert schema_of(path) == schema_of(make_store(tmp_path / "new.sqlite3"))
    with sqlite3.connect(path) as db:
        (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE name = 'note'").fetchone()
        # ALTER TABLE ADD COLUMN's text (on the line of the column before it), not a rebuilt
        # table's: added in place.
        *_, before, added = definition().columns["note"].values()
        assert f"{before}, {added}, " in sql
        default = db.execute(f"SELECT DISTINCT {last} FROM note").fetchall()
    assert len(default) == 1
    assert rows_of(path, ("note",))["note"] == [(*row, default[0][0]) for row in notes]


def test_a_registered_data_migration_runs_once_after_the_schema(
    tmp_path: Path, migration_registry: dict[str, object]
) -> None:
    path = make_v1_store(tmp_path / "v1.sqlite3")
    calls: list[int] = []

    def mark_decks(db: sqlite3.Connection) -> None:
        calls.append(1)
        # The schema is already the definition's: the new tables exist.
        db.execute("INSERT INTO store_meta (key, value) VALUES ('marked', 'yes')")
        db.execute("UPDATE deck SET description = description || ' (migrated)'")

    migration_registry["test-mark-decks"] = mark_decks
    open_engine(path).dispose()
    open_engine(path).dispose()

    assert calls == [1]
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT description FROM deck ORDER BY id").fetchall() == [
            ("A small deck for the tests. (migrated)",),
            (" (migrated)",),
        ]
        assert ("test-mark-decks",) in db.execute("SELECT name FROM data_migration").fetchall()


def test_a_migration_registered_later_runs_on_an_up_to_date_store(
    tmp_path: Path, migration_registry: dict[str, object]
) -> None:
    path = make_store(tmp_path / "s.sqlite3")
    calls: list[str] = []
    migration_registry["test-later"] = lambda db: calls.append("later")
    open_engine(path).dispose()
    open_engine(path).dispose()
    assert calls == ["later"]


def test_a_failing_data_migration_leaves_the_store_untouched(
    tmp_path: Path, migration_registry: dict[str, object]
) -> None:
    path = make_v1_store(tmp_path / "v1.sqlite3")
    before = dump(path)

    def half_done(db: sqlite3.Connection) -> None:
        db.execute("DELETE FROM review")
        raise ValueError("this migration fails half way")

    migration_registry["test-fails"] = half_done
    with pytest.raises(ValueError, match="half way"):
        open_engine(path)
    assert dump(path) == before

    del migration_registry["test-fails"]
    open_engine(path).dispose()
    again = make_v1_store(tmp_path / "again.sqlite3")
    assert rows_of(path, like=again)["review"] == rows_of(again)["review"]


def test_a_store_with_tables_but_no_version_is_refused(tmp_path: Path) -> None:
    from studyapp.core.errors import KnownError

    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE card (id INTEGER PRIMARY KEY, front TEXT)")
    db.close()
    with pytest.raises(KnownError, match="was not made by StudyApp"):
        open_engine(path)
    assert schema_of(path).tables.keys() == {"card"}


def test_opening_an_up_to_date_store_loads_no_table_classes(tmp_path: Path) -> None:
    path = make_store(tmp_path / "s.sqlite3")
    probe = (
        "import sys; from studyapp.store.database import open_engine; "
        f"open_engine({str(path)!r}).dispose(); "
        "print(sorted(m for m in sys.modules if m.startswith(('sqlmodel', 'studyapp.store'))))"
    )
    out = fresh_python("-c", probe, check=True).stdout
    assert "sqlmodel" not in out and "studyapp.store.tables" not in out
    assert "studyapp.store.schema" not in out and "studyapp.store.database" in out


def test_columns_a_newer_studyapp_added_are_kept(tmp_path: Path) -> None:
    path = make_store(tmp_path / "s.sqlite3")
    with sqlite3.connect(path) as db:
        db.execute("ALTER TABLE card ADD COLUMN colour INTEGER NOT NULL DEFAULT 3")
        db.execute("UPDATE store_meta SET value = 'a newer definition'")
    db.close()
    open_engine(path).dispose()
    with sqlite3.connect(path) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(card)")]
        assert columns[-1] == "colour"
        assert db.execute("SELECT value FROM store_meta").fetchone() == (definition_digest(),)


def test_the_rows_a_sync_writes_name_the_tables_columns() -> None:
    from studyapp.store.queries import StoredProgress
    from studyapp.store.rows import NoteValues
    from studyapp.store.syncrows import DeckValues, NewCard

    tables = SQLModel.metadata.tables
    # The note row is every column of the note table, in its order.
    assert NoteValues._fields == tuple(c.name for c in tables["note"].columns)
    assert {c.name for c in tables["card"].columns} >= set(StoredProgress._fields)
    # What a new deck or card leaves out is filled in by the DDL's defaults.
    for table, written in (("deck", DeckValues._fields), ("card", NewCard._fields)):
        columns = tables[table].columns
        assert set(written) <= set(columns.keys())
        left_out = [c for c in columns if c.name not in written and not c.primary_key]
        assert left_out and all(c.server_default is not None or c.nullable for c in left_out)


def test_an_index_that_differs_from_the_definition_is_made_again(tmp_path: Path) -> None:
    path = make_store(tmp_path / "s.sqlite3")
    partial = next(n for n, i in definition().schema.indexes.items() if i.where)
    shape = definition().schema.indexes[partial]
    table, columns = shape.table, shape.columns
    with sqlite3.connect(path) as db:
        db.execute(f"DROP INDEX {partial}")
        db.execute(f"CREATE INDEX {partial} ON {table} ({', '.join(columns)}) WHERE 0")
        db.execute("DROP INDEX ix_card_queue_due")
        db.execute("CREATE INDEX ix_card_queue_due ON card (due)")
        db.execute("UPDATE store_meta SET value = 'an older definition'")
    db.close()
    assert schema_of(path) != definition().schema
    open_engine(path).dispose()
    assert schema_of(path) == definition().schema


def test_an_upgraded_store_drops_the_review_index_the_card_log_index_covers(
    tmp_path: Path,
) -> None:
    """``ix_review_card_id`` duplicated ``ix_review_card_log``'s leading column (every answer
    wrote both): an upgraded store loses it, and a card's history is still read by index."""
    from studyapp.store.queries import LoggedReview

    path = make_v1_store(tmp_path / "v1.sqlite3")
    indexes = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'review'"
    with sqlite3.connect(path) as db:
        assert "ix_review_card_id" in {r[0] for r in db.execute(indexes)}
    db.close()
    open_engine(path).dispose()
    new = make_store(tmp_path / "new.sqlite3")
    for store in (path, new):
        with sqlite3.connect(store) as db:
            assert "ix_review_card_id" not in {r[0] for r in db.execute(indexes)}
            history = (
                f"SELECT {', '.join(LoggedReview._fields)} FROM review WHERE card_id = ? "
                "ORDER BY reviewed_at, id"
            )
            plan = db.execute("EXPLAIN QUERY PLAN " + history, (1,)).fetchall()
        db.close()
        assert "ix_review_card_log" in plan[0][3]
