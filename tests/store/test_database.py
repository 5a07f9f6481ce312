"""The SQLite store: pragmas, schema version, refusing newer databases."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from studyapp.core.errors import KnownError, StoreCorrupt
from studyapp.store.database import SCHEMA_VERSION, open_engine, rollback_journal


def test_new_database_is_wal_with_foreign_keys_and_a_version(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "s.sqlite3")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA user_version")).scalar() == SCHEMA_VERSION
        indexes = {
            r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type='index'"))
        }
    assert {
        "ix_card_queue_due",
        "ix_card_deck_queue_due",
        "ix_card_new_order",
        "ix_review_time",
    } <= indexes
    engine.dispose()


def test_reopening_keeps_the_data(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    engine = open_engine(path)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO setting (key, value) VALUES ('k', '1')"))
    engine.dispose()
    engine = open_engine(path)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM setting")).scalar() == "1"
    engine.dispose()


def test_newer_database_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    open_engine(path).dispose()
    with sqlite3.connect(path) as raw:
        raw.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(KnownError, match="newer StudyApp"):
        open_engine(path)


def test_a_file_that_is_not_a_database_is_a_known_error(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreCorrupt, match=r"s\.sqlite3 is damaged \(file is not a database\)"):
        open_engine(path)


def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    engine = open_engine(tmp_path / "s.sqlite3")
    with pytest.raises(Exception, match="FOREIGN KEY"), engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO review (card_id, reviewed_at, rating, duration_ms, "
                "queue_before, queue_after, due_after, before) VALUES (999, 0, 3, 0, 0, 1, 0, '{}')"
            )
        )
    engine.dispose()


def pragmas(conn: object) -> tuple[object, object]:
    return (
        conn.exec_driver_sql("PRAGMA journal_mode").scalar(),  # type: ignore[attr-defined]
        conn.exec_driver_sql("PRAGMA synchronous").scalar(),  # type: ignore[attr-defined]
    )


def test_a_bulk_load_writes_with_a_rollback_journal_then_wal_again(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    engine = open_engine(path)
    with engine.connect() as conn:
        with rollback_journal(conn) as switched:
            assert switched and pragmas(conn) == ("delete", 3)  # EXTRA: folder synced too
            conn.execute(text("INSERT INTO setting (key, value) VALUES ('k', '1')"))
            assert (tmp_path / "s.sqlite3-journal").exists()
            assert not (tmp_path / "s.sqlite3-wal").exists()
            conn.commit()
        assert pragmas(conn) == ("wal", 2)  # FULL
    engine.dispose()
    with sqlite3.connect(path) as other:
        assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert other.execute("SELECT value FROM setting").fetchall() == [("1",)]
    other.close()


def test_with_another_connection_open_a_bulk_load_stays_in_wal(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    engine = open_engine(path)
    other = sqlite3.connect(path)
    other.execute("SELECT count(*) FROM setting").fetchall()
    with engine.connect() as conn:
        with rollback_journal(conn) as switched:
            assert not switched and pragmas(conn) == ("wal", 2)
            conn.execute(text("INSERT INTO setting (key, value) VALUES ('k', '1')"))
            conn.commit()
        assert pragmas(conn) == ("wal", 2)
    assert other.execute("SELECT value FROM setting").fetchall() == [("1",)]
    other.close()
    engine.dispose()


# -- the checkpoint a bulk write leaves for later -------------------------------------------
def _write_blob(engine: object, megabytes: int) -> None:
    from sqlalchemy import Engine

    assert isinstance(engine, Engine)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bulk (b BLOB)"))
        conn.execute(text(f"INSERT INTO bulk VALUES (randomblob({megabytes * 1024 * 1024}))"))


def test_commits_with_checkpoints_deferred_stay_in_the_wal_until_the_checkpoint(
    tmp_path: Path,
) -> None:
    """A commit in the block is durable in the WAL (a copy of the files, as a crash leaves
    them, reads it) but not yet in the database file; checkpoint() copies it there; commits
    after the block checkpoint again by themselves."""
    from studyapp.store.database import checkpoint, checkpoints_deferred

    path = tmp_path / "s.sqlite3"
    engine = open_engine(path)
    size = path.stat().st_size
    with checkpoints_deferred(engine):
        _write_blob(engine, 8)  # 2,000+ pages: over the automatic checkpoint's 1,000
    assert path.stat().st_size == size  # nothing copied into the database file
    wal = path.with_name(path.name + "-wal")
    assert wal.stat().st_size > 8 * 1024 * 1024
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    for name in (path.name, wal.name):
        (crashed / name).write_bytes((tmp_path / name).read_bytes())
    copy = sqlite3.connect(crashed / path.name)
    assert copy.execute("SELECT length(b) FROM bulk").fetchone() == (8 * 1024 * 1024,)
    copy.close()
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 1000
    checkpoint(engine)
    grown = path.stat().st_size
    assert grown > size + 8 * 1024 * 1024
    _write_blob(engine, 8)  # outside the block: its own commit checkpoints
    assert path.stat().st_size > grown + 8 * 1024 * 1024
    engine.dispose()


def test_without_the_block_a_bulk_commit_checkpoints_itself(tmp_path: Path) -> None:
    """The control: the same write outside the block is in the database file at once."""
    path = tmp_path / "s.sqlite3"
    engine = open_engine(path)
    size = path.stat().st_size
    _write_blob(engine, 8)
    assert path.stat().st_size > size + 8 * 1024 * 1024
    engine.dispose()


def test_a_connection_checked_in_after_the_block_gets_its_checkpoint_back(
    tmp_path: Path,
) -> None:
    from studyapp.store.database import checkpoints_deferred

    engine = open_engine(tmp_path / "s.sqlite3")
    with checkpoints_deferred(engine):
        held = engine.connect()  # another thread's, say: given back after the block
        assert held.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 0
        dbapi = held.connection.dbapi_connection
        assert dbapi is not None
    held.close()
    assert dbapi.execute("PRAGMA wal_autocheckpoint").fetchone() == (1000,)
    engine.dispose()


def test_a_bulk_load_with_a_rollback_journal_inside_the_block(tmp_path: Path) -> None:
    """A first import in the block (File > Add deck folder into a store with no note yet:
    sync takes the rollback journal, whose way back to WAL invalidates its connection)
    commits and leaves the store in WAL. The invalidated connection is checked in as None:
    giving its automatic checkpoint back raised AttributeError after the commit."""
    from studyapp.store.database import checkpoints_deferred

    path = tmp_path / "s.sqlite3"
    engine = open_engine(path)
    with checkpoints_deferred(engine):
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 0
            with rollback_journal(conn) as switched:
                assert switched and pragmas(conn) == ("delete", 3)
                conn.execute(text("INSERT INTO setting (key, value) VALUES ('k', '1')"))
                conn.commit()
            assert pragmas(conn) == ("wal", 2)
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 0
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 1000
    engine.dispose()
    with sqlite3.connect(path) as other:
        assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert other.execute("SELECT value FROM setting").fetchall() == [("1",)]
    other.close()


def test_blocks_begin_and_end_while_another_thread_checks_connections_out(
    tmp_path: Path,
) -> None:
    """The pool's listeners are never added or removed under another thread's check-out
    (SQLAlchemy's dispatch iterates a deque: that raised "deque mutated during iteration"
    within these 3,000 blocks in 3 runs of 3 when each block added and removed its own)."""
    import sys
    import threading

    from studyapp.store.database import checkpoints_deferred

    engine = open_engine(tmp_path / "s.sqlite3")
    errors: list[BaseException] = []
    stop = threading.Event()

    def churn() -> None:
        while not stop.is_set():
            try:
                with engine.connect() as conn:
                    conn.execute(text("SELECT 1")).scalar()
            except BaseException as exc:  # reported below
                errors.append(exc)
                return

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    other = threading.Thread(target=churn)
    other.start()
    try:
        for _ in range(3000):
            with checkpoints_deferred(engine), engine.connect() as conn:
                assert conn.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 0
    finally:
        stop.set()
        other.join()
        sys.setswitchinterval(interval)
    assert errors == []
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 1000
    engine.dispose()
