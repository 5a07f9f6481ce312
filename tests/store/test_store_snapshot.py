"""A new store's DDL snapshot (studyapp/store/new_store.sql): equal to what the table classes
emit, used only while it matches the definition, and a new store made from it is the one the
table classes make."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from studyapp.store import snapshot
from studyapp.store.database import definition_digest, open_engine
from studyapp.store.schema import definition, read_schema
from tests.freshpython import fresh_python

REGENERATE = "the snapshot is stale: run `python -m studyapp.store.snapshot` and commit it"


def test_the_snapshot_is_the_ddl_the_table_classes_emit() -> None:
    read = snapshot.read_snapshot()
    assert read is not None, REGENERATE
    digest, statements = read
    wanted = definition()
    assert digest == definition_digest(), REGENERATE
    assert statements == [
        *wanted.tables.values(),
        *(sql for _table, sql in wanted.indexes.values()),
    ], REGENERATE
    assert snapshot.SNAPSHOT_FILE.read_text(encoding="utf-8") == snapshot.snapshot_text()


def _master(path: Path) -> list[tuple[str, str, str, str]]:
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()
    db.close()
    return rows


def _made(path: Path) -> tuple[list[tuple[str, str, str, str]], list[str], list[object]]:
    open_engine(path).dispose()
    with sqlite3.connect(path) as db:
        names = [n for (n,) in db.execute("SELECT name FROM data_migration ORDER BY rowid")]
        meta = db.execute("SELECT key, value FROM store_meta").fetchall()
        version = db.execute("PRAGMA user_version").fetchone()
    db.close()
    return _master(path), names, [meta, version]


def test_a_store_from_the_snapshot_is_the_store_the_table_classes_make(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    used: list[bool] = []
    create = snapshot.create_new_store

    def spy(db: sqlite3.Connection, digest: str | None) -> bool:
        used.append(create(db, digest))
        return used[-1]

    monkeypatch.setattr(snapshot, "create_new_store", spy)
    from_snapshot = _made(tmp_path / "snapshot.sqlite3")
    assert used == [True]

    monkeypatch.setattr(snapshot, "create_new_store", lambda db, digest: False)
    from_classes = _made(tmp_path / "classes.sqlite3")
    # The same tables, indexes and their SQL text, the same migrations, digest and version.
    assert from_snapshot == from_classes
    with sqlite3.connect(tmp_path / "snapshot.sqlite3") as db:
        assert read_schema(db) == definition().schema
    db.close()


def test_a_snapshot_of_another_definition_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = tmp_path / "new_store.sql"
    text = snapshot.SNAPSHOT_FILE.read_text(encoding="utf-8")
    # An older definition: one index fewer, and another digest.
    stale.write_text(
        text.replace(definition_digest() or "", "2:older").replace(
            "CREATE INDEX ix_card_due ON card (due);", ""
        ),
        encoding="utf-8",
    )
    monkeypatch.setattr(snapshot, "SNAPSHOT_FILE", stale)
    with sqlite3.connect(":memory:") as db:
        assert not snapshot.create_new_store(db, definition_digest())
        assert db.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)
    db.close()
    path = tmp_path / "s.sqlite3"
    open_engine(path).dispose()
    with sqlite3.connect(path) as db:
        assert read_schema(db) == definition().schema  # made from the table classes
    db.close()


@pytest.mark.parametrize("content", [None, "CREATE TABLE x (id INTEGER);\n", "-- definition: d\n"])
def test_a_missing_or_broken_snapshot_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | None
) -> None:
    path = tmp_path / "new_store.sql"
    if content is not None:
        path.write_text(content + "CREATE TABLE unfinished (", encoding="utf-8")
    monkeypatch.setattr(snapshot, "SNAPSHOT_FILE", path)
    assert snapshot.read_snapshot() is None
    with sqlite3.connect(":memory:") as db:
        assert not snapshot.create_new_store(db, definition_digest())
    db.close()


def test_creating_a_new_store_loads_no_table_classes(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    probe = (
        "import sys; from studyapp.store.database import open_engine; "
        f"open_engine({str(path)!r}).dispose(); "
        "print(sorted(m for m in sys.modules if m.startswith(('sqlmodel', 'sqlalchemy.orm', "
        "'studyapp.store'))))"
    )
    out = fresh_python("-c", probe, check=True).stdout
    assert "studyapp.store.snapshot" in out  # the store was made, from the snapshot
    assert "sqlmodel" not in out and "sqlalchemy.orm" not in out
    assert "studyapp.store.tables" not in out and "studyapp.store.schema" not in out
    with sqlite3.connect(path) as db:
        assert read_schema(db) == definition().schema
    db.close()
