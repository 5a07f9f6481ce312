"""The engine: one SQLite file in WAL mode, foreign keys on, schema version in user_version."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DatabaseError, OperationalError

from studyapp.core.errors import KnownError

__all__ = ["DB_FILENAME", "SCHEMA_VERSION", "open_engine", "rollback_journal"]

DB_FILENAME = "studyapp.sqlite3"
SCHEMA_VERSION = 1
"""Bump with a migration in ``_MIGRATIONS`` whenever the tables change."""

_MIGRATIONS: dict[int, Any] = {}
"""from-version -> callable(connection) that upgrades to from-version + 1."""


def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers never block the writer; with synchronous=NORMAL a committed transaction
    # survives a crash of the app (the WAL is in the OS's hands); only a power cut can lose
    # the last commits. FULL would also survive power loss at a higher cost per answer.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def open_engine(path: Path | str, *, create: bool = True) -> Engine:
    """Open (and create or upgrade) the database at ``path``.

    Raises:
        KnownError: the file is not a StudyApp database, was written by a newer version,
            or cannot be opened.
    """
    path = Path(path)
    if not create and not path.exists():
        raise KnownError(f"no StudyApp database at {path}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise KnownError(f"cannot create the data folder {path.parent}: {exc.strerror}") from exc
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _on_connect)
    try:
        _prepare(engine)
    except (OperationalError, DatabaseError) as exc:
        engine.dispose()
        raise KnownError(f"cannot open the database {path}: {exc.orig}") from exc
    except KnownError:
        engine.dispose()
        raise
    return engine


def _prepare(engine: Engine) -> None:
    with engine.begin() as conn:
        version = conn.execute(text("PRAGMA user_version")).scalar_one()
        if version > SCHEMA_VERSION:
            raise KnownError(
                f"this database was written by a newer StudyApp (schema {version}); this "
                f"version understands schema {SCHEMA_VERSION} or older. Update StudyApp."
            )
        has_tables = conn.execute(
            text("SELECT count(*) FROM sqlite_master WHERE type='table' AND name='card'")
        ).scalar_one()
        if version == 0 and not has_tables:
            # Only a new store needs the table classes (and SQLModel, ~0.1 s to import):
            # opening an existing one at start-up does not load them.
            from sqlmodel import SQLModel

            import studyapp.store.tables  # noqa: F401  (registers the tables in the metadata)

            SQLModel.metadata.create_all(conn)
            conn.execute(text(f"PRAGMA user_version={SCHEMA_VERSION}"))
            return
        while version < SCHEMA_VERSION:
            _MIGRATIONS[version](conn)
            version += 1
            conn.execute(text(f"PRAGMA user_version={version}"))


@contextmanager
def rollback_journal(conn: Connection) -> Iterator[bool]:
    """Write with a rollback journal instead of the WAL for the block (a bulk load into an
    empty store), and go back to WAL after it. Yields whether the switch was made.

    In WAL mode every page of a bulk load is written twice: into the WAL, then again when
    the commit's checkpoint copies it into the database (0.08 s of a 50,000-card import).
    With a rollback journal it is written once, and the journal of a store with no cards
    yet holds next to nothing. Commits stay atomic; synchronous=FULL for the block means even
    a power cut cannot corrupt the store (in WAL, NORMAL already guarantees that).

    Leaving WAL needs the only connection to the file: with another one open (another
    process, another thread's session) the switch fails and the block runs in WAL as usual.
    The block must start and end outside a transaction.
    """
    try:
        switched = conn.exec_driver_sql("PRAGMA journal_mode=DELETE").scalar() == "delete"
    except OperationalError:
        switched = False
    if switched:
        conn.exec_driver_sql("PRAGMA synchronous=FULL").close()
    try:
        yield switched
    finally:
        if switched:
            # Back to WAL through a new connection (set up by _on_connect): switching this
            # one back leaves SQLite's header update pending, and the next checkpoint on it
            # fails with "database table is locked" (seen in the tests).
            conn.invalidate()
            conn.exec_driver_sql("SELECT 1").scalar()
