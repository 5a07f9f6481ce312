"""The store on a plain ``sqlite3`` connection, without SQLAlchemy: the start-up's first read.

The window's first frame shows the real overview (the settings and today's counts). Reading
them needs nothing SQLAlchemy, pydantic or SQLModel give, and importing SQLAlchemy alone
costs 0.12-0.17 s of CPU, a quarter of start-up: so the first frame is read through this
module, with the store's own SQL (:mod:`studyapp.store.queries`, :mod:`studyapp.store.presets`),
and the engine (:func:`studyapp.store.database.open_engine`) is opened after the frame.

The checks an open makes before anything is read are the engine's own (this module holds
them, :mod:`studyapp.store.database` uses them): a store written by a newer StudyApp is
refused with its sentence, and every storage failure (damaged, locked, read-only, missing
folder) raises its :class:`~studyapp.core.errors.StorageError`. Nothing is written here: a
store that must first be created or brought up to date is left to the engine's open.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studyapp.core.errors import KnownError
from studyapp.store.errors import storage_errors

if TYPE_CHECKING:
    from typing import TypeAlias

    from sqlalchemy import Connection

__all__ = [
    "DB_FILENAME",
    "Db",
    "driver_of",
    "run",
    "run_many",
    "SCHEMA_VERSION",
    "definition_digest",
    "read_only_store",
    "refuse_newer",
    "stored_digest",
    "up_to_date",
    "user_version",
]

DB_FILENAME = "studyapp.sqlite3"
SCHEMA_VERSION = 3
"""The store format's version, in SQLite's ``user_version``: a store with a higher one was
written by a newer StudyApp and is refused. Bump it only for a change an older StudyApp
could not use the store after (see :mod:`studyapp.store.tables` for what does not need it).

2: every default in the DDL, the ``data_migration`` and ``store_meta`` tables.
3: a review's ``before`` snapshot is written as a JSON array (:mod:`studyapp.store.review_before`),
which an older StudyApp's undo and tally cannot read."""

Db = sqlite3.Connection
"""A plain DB-API connection to the store: the handle the study path, search and the
start-up's first read pass to their store functions (see :mod:`studyapp.store.queries`)."""

if TYPE_CHECKING:
    Handle: TypeAlias = Db | Connection
    """A connection store functions that take either run on: a plain ``sqlite3`` one, or a
    pooled SQLAlchemy one (its statements then go through SQLAlchemy, which keeps its
    transaction's state)."""


def run(conn: Handle, sql: str, values: Sequence[Any] | Mapping[str, Any] = ()) -> Any:
    """Execute SQLite's own ``sql`` (``?`` or ``:name`` parameters) on either handle; a
    cursor (its ``fetchone``/``fetchall``, iterated) either way."""
    if isinstance(conn, sqlite3.Connection):
        return conn.execute(sql, values)
    return conn.exec_driver_sql(sql, values or None)


def run_many(conn: Handle, sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """``executemany`` of ``sql`` over ``rows`` on either handle (none: nothing run)."""
    if not rows:
        return
    if isinstance(conn, sqlite3.Connection):
        conn.executemany(sql, rows)
    else:
        conn.exec_driver_sql(sql, list(rows))


def driver_of(conn: Handle) -> Db:
    """The plain ``sqlite3`` connection under ``conn`` (itself, or a SQLAlchemy connection's
    driver connection)."""
    if isinstance(conn, sqlite3.Connection):
        return conn
    db = conn.connection.driver_connection
    assert isinstance(db, sqlite3.Connection)
    return db


DEFINITION_KEY = "definition"
"""``store_meta`` row: the :func:`definition_digest` the store was last brought up to."""


def definition_digest() -> str | None:
    """A digest of the schema definition (the table classes' source) and of the registered
    data migrations' names: a store that recorded this digest needs no upgrade.

    Hashing the source instead of the DDL keeps the table classes (and SQLModel) out of an
    ordinary start-up; a change to tables.py that alters no DDL (a comment) costs one
    upgrade check, 0.1 s, once. None if the source cannot be read: every open then checks.
    """
    from studyapp.store.migrations import DATA_MIGRATIONS

    try:
        source = Path(__file__).with_name("tables.py").read_bytes()
    except OSError:
        return None
    digest = hashlib.sha256(source)
    for name in DATA_MIGRATIONS:
        digest.update(b"\0" + name.encode())
    return f"{SCHEMA_VERSION}:{digest.hexdigest()}"


def user_version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def refuse_newer(version: int) -> None:
    if version > SCHEMA_VERSION:
        raise KnownError(
            f"this database was written by a newer StudyApp (schema {version}); this "
            f"version understands schema {SCHEMA_VERSION} or older. Update StudyApp."
        )


def stored_digest(db: sqlite3.Connection) -> str | None:
    try:
        row = db.execute("SELECT value FROM store_meta WHERE key = ?", (DEFINITION_KEY,)).fetchone()
    except sqlite3.OperationalError:  # no such table: an older store
        return None
    return None if row is None else str(row[0])


def up_to_date(db: sqlite3.Connection, digest: str | None) -> bool:
    """The store on ``db`` needs no upgrade (refusing one written by a newer StudyApp)."""
    version = user_version(db)
    refuse_newer(version)
    return version == SCHEMA_VERSION and digest is not None and stored_digest(db) == digest


@contextmanager
def read_only_store(path: Path) -> Iterator[Db | None]:
    """A connection to the store at ``path`` that refuses writes (``PRAGMA query_only``),
    closed after the block; None when there is no store yet or it must first be brought up
    to date (the engine's open creates or upgrades it). Storage failures in the block raise
    their :class:`~studyapp.core.errors.StorageError`.

    Raises:
        KnownError: a store written by a newer StudyApp, or a storage failure.
    """
    if not path.is_file():
        yield None
        return
    with storage_errors(path):
        # mode=rw: never creates a file; the store is in WAL mode, so this read blocks no
        # writer (and waits up to 5 s for a checkpoint, as the engine's connections do).
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True)
    try:
        with storage_errors(path):
            db.execute("PRAGMA query_only=ON")
            db.execute("PRAGMA busy_timeout=5000")
            ready = up_to_date(db, definition_digest())
            if not ready:
                yield None
                return
            db.execute("BEGIN")  # one snapshot for everything the block reads
            yield db
    finally:
        db.close()
