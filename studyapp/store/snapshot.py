"""A new store's DDL without the table classes: a checked-in snapshot of what they emit.

Creating a store from :mod:`studyapp.store.tables` needs SQLModel, SQLAlchemy's ORM and
the sixteen table classes built: 0.12-0.15 s of CPU in the process (measured on the quiet
machine, issue 19), on every first import (``studyapp sync`` into a new store). This module
creates it from ``new_store.sql`` instead, the same statements
:func:`studyapp.store.schema.definition` compiles, written by
``python -m studyapp.store.snapshot`` next to this file.

The snapshot cannot drift: its first line records the :func:`definition_digest` of the
definition it was generated from (the table classes' source and the data migrations'
names), and it is used only while that digest is the running code's. Any other digest
(tables.py edited, a migration registered) creates the store the reference way
(:func:`studyapp.store.schema.upgrade`), and ``tests/store/test_store_snapshot.py`` fails
until the snapshot is generated again, and checks it against the compiled DDL.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from studyapp.store.migrations import DATA_MIGRATIONS, record_migrations

__all__ = ["SNAPSHOT_FILE", "create_new_store", "read_snapshot", "snapshot_text"]

SNAPSHOT_FILE = Path(__file__).with_name("new_store.sql")
_DIGEST_PREFIX = "-- definition: "
_HEADER = (
    "-- A new store's DDL: generated from studyapp/store/tables.py by\n"
    "-- `python -m studyapp.store.snapshot`; do not edit (see studyapp/store/snapshot.py).\n"
)


def read_snapshot() -> tuple[str, list[str]] | None:
    """(the definition digest it was made from, its statements in order), or None if there
    is no readable snapshot."""
    try:
        text = SNAPSHOT_FILE.read_text(encoding="utf-8")
    except OSError:
        return None
    digest: str | None = None
    statements: list[str] = []
    pending = ""
    for line in text.splitlines(keepends=True):
        if not pending and line.startswith("--"):
            if line.startswith(_DIGEST_PREFIX):
                digest = line[len(_DIGEST_PREFIX) :].strip()
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip().removesuffix(";").rstrip())
            pending = ""
    if digest is None or pending.strip():
        return None
    return digest, statements


def create_new_store(db: sqlite3.Connection, digest: str | None) -> bool:
    """Create the tables and indexes of a new store on ``db`` from the snapshot and record
    every data migration as run (as :func:`studyapp.store.schema.upgrade` does for a new
    store), if the snapshot was made from the definition ``digest``; else do nothing.
    Returns whether it did. Call inside the transaction that creates the store."""
    snapshot = read_snapshot()
    if digest is None or snapshot is None or snapshot[0] != digest:
        return False
    for sql in snapshot[1]:
        db.execute(sql)
    record_migrations(db, DATA_MIGRATIONS)
    return True


def snapshot_text() -> str:
    """The snapshot of the running definition (imports the table classes)."""
    from studyapp.store.database import definition_digest
    from studyapp.store.schema import definition

    wanted = definition()
    statements = [*wanted.tables.values(), *(sql for _table, sql in wanted.indexes.values())]
    body = "".join(f"{sql};\n\n" for sql in statements)
    return f"{_HEADER}{_DIGEST_PREFIX}{definition_digest()}\n\n{body}".rstrip("\n") + "\n"


if __name__ == "__main__":
    SNAPSHOT_FILE.write_text(snapshot_text(), encoding="utf-8")
    print(f"wrote {SNAPSHOT_FILE}")
