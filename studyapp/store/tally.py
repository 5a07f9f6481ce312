"""The statistics' tally of answers: its triggers, and making it agree with the log.

The review log is also kept counted in ``review_tally`` (see :mod:`studyapp.store.stats`,
which reads it): one row per quarter-hour of answering and kind of answer, kept by triggers
on ``review``. This module holds the tally's definition and :func:`ensure_tally`, which
opening a store calls; the statistics' queries stay in :mod:`studyapp.store.stats`.

Its own module so that opening the library does not import the statistics' queries (a
dataclass and a dozen NamedTuples): importing the services the review's start-up imports
1,284.9 -> 1,270.0 M instructions (callgrind, twice each, within 0.001%), ~2.5 ms of CPU
(store.stats' import after the rest of them: 2.2-2.5 ms, 5 runs; issue 19).
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from studyapp.core.sqlalchemyload import load_sqlalchemy
from studyapp.store.plain import Db, driver_of
from studyapp.store.review_before import sql_field

if TYPE_CHECKING:
    from typing import TypeAlias

    from sqlalchemy import Connection, Engine

    Conn: TypeAlias = Db | Connection

__all__ = [
    "DAY",
    "DAY_MS",
    "IVL_MATURE",
    "IVL_NONE",
    "IVL_YOUNG",
    "MANUAL",
    "MATURE_DAYS",
    "QUARTER_MS",
    "ensure_tally",
    "rebuild_tally",
    "tally_in_step",
    "tally_kept",
    "ensure_kept",
    "tally_ready",
]

QUARTER_MS = 900_000
DAY_MS = 86_400_000
DAY = 86_400
MATURE_DAYS = 21
"""A review card is mature from an interval of 21 days, as in Anki."""
IVL_NONE, IVL_YOUNG, IVL_MATURE = 0, 1, 2
"""The interval a card had when answered: under a day in (re)learning (or new), young, mature."""
_PAD_DAYS = 100_000
"""Added before an integer division so a day before the origin rounds down, not to zero."""


def _interval_days(due: str, last: str) -> str:
    """SQL for an interval in whole days, rounded: a day-long interval that ends at a
    rollover hour may be a few hours shorter or longer than 24 hours."""
    return f"(({due}) - ({last}) + {DAY // 2}) / {DAY}"


def _ivl_class(before: str, queue: str) -> str:
    """SQL for the interval class of an answer, from the card's state before it (``before``
    is the JSON snapshot the review row keeps, of either form: see
    :mod:`studyapp.store.review_before`), as Anki's true retention and its young / mature
    split read a review's "last interval": a review card's interval (its stored
    ``interval`` in days, Anki's ivl; for answers logged before it was stored, due minus
    last review, rounded), or a learning step of a day or more; mature from 21 days."""
    due = sql_field(before, "due")
    last = sql_field(before, "last_review")
    stored = f"nullif({sql_field(before, 'interval')}, 0)"
    days = _interval_days(due, last)
    review_days = f"coalesce({stored}, {days})"
    return (
        f"(CASE WHEN {last} IS NULL THEN {IVL_NONE} "
        f"WHEN {queue} = 2 THEN "
        f"(CASE WHEN {review_days} >= {MATURE_DAYS} THEN {IVL_MATURE} ELSE {IVL_YOUNG} END) "
        f"WHEN {days} >= 1 THEN "
        f"(CASE WHEN {days} >= {MATURE_DAYS} THEN {IVL_MATURE} ELSE {IVL_YOUNG} END) "
        f"ELSE {IVL_NONE} END)"
    )


def _tally_values(row: str) -> str:
    return (
        f"{row}.reviewed_at / {QUARTER_MS}, {row}.kind, {row}.queue_before, {row}.rating = 1, "
        f"{_ivl_class(f'{row}.before', f'{row}.queue_before')}"
    )


_KEY = "(quarter, kind, queue, failed, ivl)"
MANUAL = 2
"""review.kind of a manual change (forget, set due date): never an answer."""


_TRIGGERS = {
    "review_tally_insert_v3": f"""
CREATE TRIGGER IF NOT EXISTS review_tally_insert_v3 AFTER INSERT ON review BEGIN
  INSERT INTO review_tally {_KEY[:-1]}, answers, ms)
  VALUES ({_tally_values("NEW")}, 1, NEW.duration_ms)
  ON CONFLICT {_KEY} DO UPDATE SET answers = answers + 1, ms = ms + excluded.ms;
END""",
    "review_tally_delete_v3": f"""
CREATE TRIGGER IF NOT EXISTS review_tally_delete_v3 AFTER DELETE ON review BEGIN
  UPDATE review_tally SET answers = answers - 1, ms = ms - OLD.duration_ms
  WHERE {_KEY} = ({_tally_values("OLD")});
  DELETE FROM review_tally WHERE answers <= 0 AND {_KEY} = ({_tally_values("OLD")});
END""",
    "review_tally_update_v3": f"""
CREATE TRIGGER IF NOT EXISTS review_tally_update_v3
AFTER UPDATE OF reviewed_at, queue_before, rating, duration_ms, before, kind ON review BEGIN
  UPDATE review_tally SET answers = answers - 1, ms = ms - OLD.duration_ms
  WHERE {_KEY} = ({_tally_values("OLD")});
  DELETE FROM review_tally WHERE answers <= 0 AND {_KEY} = ({_tally_values("OLD")});
  INSERT INTO review_tally {_KEY[:-1]}, answers, ms)
  VALUES ({_tally_values("NEW")}, 1, NEW.duration_ms)
  ON CONFLICT {_KEY} DO UPDATE SET answers = answers + 1, ms = ms + excluded.ms;
END""",
}
"""Every review row is counted, manual changes too (kind 2, left out by every query), so
the tally's total is the log's row count: a check that costs one index count."""
_OLD_TRIGGERS = (
    "review_tally_insert",
    "review_tally_delete",
    "review_tally_update",
    "review_tally_insert_v2",
    "review_tally_delete_v2",
    "review_tally_update_v2",
)
"""Versions 1 (before review.kind) and 2 (before the snapshot's array form, whose answers
version 2 would count as without an interval): dropped, and the tally counted again, when
found."""


# -- the tally ---------------------------------------------------------------------------
# (Every statement here is SQLite's own SQL, run directly on the plain ``sqlite3``
# connection under either handle: :func:`~studyapp.store.plain.driver_of`.)


def _triggers_present(conn: Conn) -> bool:
    found = (
        driver_of(conn)
        .execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN "
            f"({', '.join(repr(name) for name in _TRIGGERS)})"
        )
        .fetchone()[0]
    )
    return bool(found == len(_TRIGGERS))


def tally_in_step(conn: Conn) -> bool:
    """Whether the tally's triggers exist and its count agrees with the log's."""
    if not _triggers_present(conn):
        return False
    answers, tallied = (
        driver_of(conn)
        .execute(
            "SELECT (SELECT count(*) FROM review), "
            "(SELECT coalesce(sum(answers), 0) FROM review_tally)"
        )
        .fetchone()
    )
    return bool(answers == tallied)


def rebuild_tally(db: sqlite3.Connection) -> None:
    """(Re)create the triggers and count the whole log again, in the caller's transaction
    (begun here if the driver has none open yet)."""
    if not db.in_transaction:
        # The sqlite3 module begins a transaction by itself only before DML, never before
        # DDL (nor does SQLAlchemy's engine.begin() over it): each CREATE TRIGGER was a
        # transaction of its own, and a rollback of the rebuild left the triggers made.
        # In WAL with synchronous=FULL that was three more commits, each with its fsync, on
        # every new store: a first import's fdatasync calls 26 -> 23 (strace, 1,000 notes);
        # ensure_kept on a new store, 21+21 interleaved (load 8): wall median 32.2 -> 11.9
        # ms, CPU 3.8 -> 2.2 ms.
        db.execute("BEGIN")
    for name in (*_OLD_TRIGGERS, *_TRIGGERS):
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
    for ddl in _TRIGGERS.values():
        db.execute(ddl)
    db.execute("DELETE FROM review_tally")
    db.execute(
        f"INSERT INTO review_tally {_KEY[:-1]}, answers, ms) "
        "SELECT quarter, kind, queue, failed, ivl, count(*), sum(ms) FROM ("
        f"SELECT r.reviewed_at / {QUARTER_MS} AS quarter, r.kind AS kind, "
        "r.queue_before AS queue, r.rating = 1 AS failed, "
        f"{_ivl_class('r.before', 'r.queue_before')} AS ivl, r.duration_ms AS ms "
        "FROM review r) GROUP BY quarter, kind, queue, failed, ivl"
    )


def ensure_tally(engine: Engine, *, count: bool = True) -> bool:
    """Make the tally agree with the log if it does not (a write, once). Returns whether the
    tally can be read; False if it was out of step and could not be rebuilt (a read-only or
    locked store), in which case the caller reads the log itself.

    Opening a store calls this with ``count=False``: only the triggers' presence is checked
    (a lookup in sqlite_master), so a new store gets them before its first answer and a
    store whose review table was rebuilt gets them back. The statistics also compare the
    counts (20 ms at a million answers).
    """
    with engine.connect() as conn:
        ready = tally_ready(conn) if count else tally_kept(conn)
    if ready:
        return True
    load_sqlalchemy()
    from sqlalchemy.exc import OperationalError

    try:
        with engine.begin() as conn:
            if not _has_table(conn, "review_tally"):
                _create_tally_table(conn)
            if not tally_in_step(conn):
                rebuild_tally(driver_of(conn))
    except (OperationalError, sqlite3.OperationalError):
        return False
    return True


def tally_kept(conn: Conn) -> bool:
    """Whether the tally's table and triggers exist: the check :func:`ensure_tally` with
    ``count=False`` makes first."""
    return _has_table(conn, "review_tally") and _triggers_present(conn)


def ensure_kept(db: Db) -> bool:
    """:func:`ensure_tally` with ``count=False`` on the plain connection ``db`` (a library
    opened without its engine): the same checks, and the same rebuild in one transaction
    when the table is there but a trigger is not (a new store). False when the table itself
    is missing (a store made before it): only the table classes make it, so the caller
    then goes through :func:`ensure_tally`."""
    if not _has_table(db, "review_tally"):
        return False
    if _triggers_present(db):
        return True
    try:
        if not tally_in_step(db):
            rebuild_tally(db)
        db.commit()
    except sqlite3.OperationalError:  # as ensure_tally: a locked store is left as it is
        db.rollback()
    return True


def tally_ready(conn: Conn) -> bool:
    """Whether the tally can be read as it is (it exists and agrees with the log): the
    check :func:`ensure_tally` makes first, for a read-only connection, which cannot
    rebuild it (the caller then reads the log itself, as on a read-only store)."""
    return _has_table(conn, "review_tally") and tally_in_step(conn)


def _has_table(conn: Conn, name: str) -> bool:
    found = (
        driver_of(conn)
        .execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = :n",
            {"n": name},
        )
        .fetchone()[0]
    )
    return bool(found)


def _create_tally_table(conn: Connection) -> None:
    # A store made before the table existed: create it from its one definition.
    import studyapp.core.sqlmodelload  # first: SQLModel whole, one thread at a time

    # isort: split
    from sqlmodel import SQLModel

    import studyapp.store.tables  # noqa: F401  (registers the tables in the metadata)

    SQLModel.metadata.tables["review_tally"].create(conn, checkfirst=True)
