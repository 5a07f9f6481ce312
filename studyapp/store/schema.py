"""The schema of :mod:`studyapp.store.tables` as SQLite DDL, the live schema of a store, and
the upgrade that brings an older store up to the definition.

Only a new or older store needs this module (it imports the table classes, and with them
SQLModel: ~0.1 s); :mod:`studyapp.store.database` imports it when a store is not up to date.
"""

from __future__ import annotations

import studyapp.core.sqlmodelload  # first: SQLModel whole, one thread at a time

# isort: split
import re
import sqlite3
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.schema import CreateColumn, CreateIndex, CreateTable
from sqlmodel import SQLModel

import studyapp.store.tables  # noqa: F401  (registers the tables in the metadata)
from studyapp.store.migrations import DATA_MIGRATIONS, record_migrations

__all__ = [
    "ColumnShape",
    "Definition",
    "IndexShape",
    "Schema",
    "TableShape",
    "definition",
    "read_schema",
    "upgrade",
]


class ColumnShape(NamedTuple):
    """A column as ``PRAGMA table_info`` describes it."""

    name: str
    type: str
    notnull: bool
    default: str | None
    """The DEFAULT clause's SQL text (``''``, ``0``), or None."""
    pk: int
    """1-based position in the primary key, 0 if not part of it."""


class ForeignKeyShape(NamedTuple):
    column: str
    table: str
    to: str
    on_update: str
    on_delete: str


@dataclass(frozen=True, slots=True)
class TableShape:
    """A table's columns (in order) and constraints, as SQLite reports them."""

    columns: tuple[ColumnShape, ...]
    foreign_keys: tuple[ForeignKeyShape, ...]
    unique: tuple[tuple[str, ...], ...]
    """The column lists of its UNIQUE constraints, sorted."""
    rowid: bool = True
    """False for a WITHOUT ROWID table (a change of it rebuilds the table)."""


class IndexShape(NamedTuple):
    """A named index (one made by CREATE INDEX, not a constraint's automatic index)."""

    table: str
    unique: bool
    columns: tuple[str, ...]
    where: str | None = None
    """A partial index's condition (its SQL text, spaces normalised)."""


@dataclass(frozen=True, slots=True)
class Schema:
    """A store's tables and named indexes, in a form that compares equal when SQLite would
    treat two schemas the same (the DDL's spacing and quoting aside)."""

    tables: dict[str, TableShape]
    indexes: dict[str, IndexShape]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _names(db: sqlite3.Connection, kind: str) -> list[str]:
    return [
        name
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name",
            (kind,),
        )
    ]


def _index_columns(db: sqlite3.Connection, index: str) -> tuple[str, ...]:
    rows = db.execute(f"PRAGMA index_info({_quote(index)})").fetchall()
    return tuple(name for _seqno, _cid, name in sorted(rows))


_WHERE = re.compile(r"\bWHERE\b(.*)$", re.IGNORECASE | re.DOTALL)


def _index_condition(db: sqlite3.Connection, index: str) -> str | None:
    (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", (index,)).fetchone()
    match = _WHERE.search(sql or "")
    return " ".join(match[1].split()) if match else None


def read_table(db: sqlite3.Connection, table: str) -> TableShape:
    """The live shape of ``table``."""
    columns = tuple(
        ColumnShape(name, type_, bool(notnull), default, pk)
        for _cid, name, type_, notnull, default, pk in db.execute(
            f"PRAGMA table_info({_quote(table)})"
        )
    )
    foreign_keys = tuple(
        sorted(
            ForeignKeyShape(from_, to_table, to, on_update, on_delete)
            for _id, _seq, to_table, from_, to, on_update, on_delete, _match in db.execute(
                f"PRAGMA foreign_key_list({_quote(table)})"
            )
        )
    )
    unique = tuple(
        sorted(
            _index_columns(db, name)
            for _seq, name, _unique, origin, _partial in db.execute(
                f"PRAGMA index_list({_quote(table)})"
            )
            if origin == "u"
        )
    )
    listed = db.execute(f"PRAGMA table_list({_quote(table)})").fetchone()
    rowid = listed is None or not listed[4]  # (its "wr" column: WITHOUT ROWID)
    return TableShape(columns, foreign_keys, unique, rowid)


def read_schema(db: sqlite3.Connection) -> Schema:
    """The live schema of the store on ``db``."""
    tables = {name: read_table(db, name) for name in _names(db, "table")}
    indexes: dict[str, IndexShape] = {}
    for table in tables:
        for _seq, name, unique, origin, partial in db.execute(
            f"PRAGMA index_list({_quote(table)})"
        ):
            if origin == "c":
                where = _index_condition(db, name) if partial else None
                indexes[name] = IndexShape(table, bool(unique), _index_columns(db, name), where)
    return Schema(tables, dict(sorted(indexes.items())))


@dataclass(frozen=True, slots=True)
class Definition:
    """The DDL of the table classes, and the schema it makes."""

    tables: dict[str, str]
    """CREATE TABLE statement by table name, referenced tables first."""
    indexes: dict[str, tuple[str, str]]
    """(table, CREATE INDEX statement) by index name."""
    columns: dict[str, dict[str, str]]
    """Each column's definition as ALTER TABLE ADD COLUMN takes it, by table and column."""
    schema: Schema
    """What a new store made from this DDL looks like (read from one in memory)."""


@cache
def definition() -> Definition:
    """The schema the table classes define, compiled for SQLite."""
    dialect = sqlite_dialect.dialect()
    tables: dict[str, str] = {}
    indexes: dict[str, tuple[str, str]] = {}
    columns: dict[str, dict[str, str]] = {}
    for table in SQLModel.metadata.sorted_tables:
        tables[table.name] = str(CreateTable(table).compile(dialect=dialect)).strip()
        columns[table.name] = {
            column.name: str(CreateColumn(column).compile(dialect=dialect)).strip()
            for column in table.columns
        }
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            sql = str(CreateIndex(index).compile(dialect=dialect)).strip()
            indexes[str(index.name)] = (table.name, sql)
    memory = sqlite3.connect(":memory:")
    try:
        for sql in [*tables.values(), *(sql for _table, sql in indexes.values())]:
            memory.execute(sql)
        schema = read_schema(memory)
    finally:
        memory.close()
    return Definition(tables, indexes, columns, schema)


def upgrade(db: sqlite3.Connection, *, new: bool) -> None:
    """Bring the store on ``db`` up to the definition, then run the data migrations it has
    not run (a ``new`` store, made here, records them all as run: it has no old data).

    Call inside a transaction with foreign keys off (a table rebuild drops and renames
    tables others refer to); the caller commits. Raises RuntimeError if the definition lacks
    a column the store has (a column is never dropped) or if rows break a foreign key after
    a rebuild; any error leaves the transaction to be rolled back.
    """
    wanted = definition()
    if new:
        for sql in [*wanted.tables.values(), *(sql for _table, sql in wanted.indexes.values())]:
            db.execute(sql)
        record_migrations(db, DATA_MIGRATIONS)
        return
    rebuilt = False
    for table, create in wanted.tables.items():
        target = wanted.schema.tables[table]
        live = read_table(db, table)
        if not live.columns:  # no such table
            db.execute(create)
            continue
        known = _restricted(live, target)
        if known == target:
            continue
        width = len(known.columns)
        added = target.columns[width:]
        if known.columns == target.columns[:width] and not any(c.pk for c in added):
            for column in added:
                db.execute(
                    f"ALTER TABLE {_quote(table)} ADD COLUMN {wanted.columns[table][column.name]}"
                )
            if _restricted(read_table(db, table), target) == target:
                continue
        _rebuild(db, table, create, live, target)
        rebuilt = True
    live_indexes = read_schema(db).indexes
    for name, (_table, create) in wanted.indexes.items():
        have = live_indexes.get(name)
        if have == wanted.schema.indexes[name]:
            continue
        if have is not None:
            db.execute(f"DROP INDEX {_quote(name)}")
        db.execute(create)
    if rebuilt:
        broken = db.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"the upgrade would break foreign keys: {broken[:5]}")
    applied = {name for (name,) in db.execute("SELECT name FROM data_migration")}
    pending = {n: m for n, m in DATA_MIGRATIONS.items() if n not in applied}
    for migration in pending.values():
        migration(db)
    record_migrations(db, pending)


def _restricted(live: TableShape, target: TableShape) -> TableShape:
    """``live`` without the columns ``target`` lacks: columns a newer StudyApp added (with
    defaults, so this one's writes still work) are left alone."""
    names = {c.name for c in target.columns}
    return TableShape(
        tuple(c for c in live.columns if c.name in names),
        tuple(k for k in live.foreign_keys if k.column in names),
        tuple(u for u in live.unique if names.issuperset(u)),
        live.rowid,
    )


def _rebuild(
    db: sqlite3.Connection, table: str, create: str, live: TableShape, target: TableShape
) -> None:
    """Make ``table`` anew from ``create`` and copy its rows over (SQLite's way to change a
    column's default or a constraint: https://sqlite.org/lang_altertable.html#otheralter)."""
    keep = [c.name for c in live.columns]
    missing = sorted(set(keep) - {c.name for c in target.columns})
    if missing:
        raise RuntimeError(
            f"the definition of table {table} lacks its column(s) {', '.join(missing)}; "
            "the upgrade never drops a column"
        )
    prefix = f"CREATE TABLE {table} ("
    if not create.startswith(prefix):
        raise RuntimeError(f"unexpected DDL for table {table}: {create[:60]}")
    temporary = f"_new_{table}"
    # Triggers on this table, or on another that names it (the statistics' tally is kept
    # by triggers on review), are set aside and made again as they were once the table is
    # back: dropping the table would lose the first, and the second would stop the rename
    # ("no such table" while SQLite re-reads the schema).
    word = re.compile(rf"\b{re.escape(table)}\b")
    others = [
        (name, sql)
        for name, on, sql in db.execute(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"
        ).fetchall()
        if sql and (on == table or word.search(sql))
    ]
    for name, _sql in others:
        db.execute(f"DROP TRIGGER {_quote(name)}")
    db.execute(f"CREATE TABLE {_quote(temporary)} (" + create[len(prefix) :])
    names = ", ".join(map(_quote, keep))
    db.execute(f"INSERT INTO {_quote(temporary)} ({names}) SELECT {names} FROM {_quote(table)}")
    db.execute(f"DROP TABLE {_quote(table)}")
    db.execute(f"ALTER TABLE {_quote(temporary)} RENAME TO {_quote(table)}")
    for _name, sql in others:
        db.execute(sql)
