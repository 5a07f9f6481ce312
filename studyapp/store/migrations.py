"""Named data migrations: transformations of existing rows, each run once per store.

How and when to add one is in :mod:`studyapp.store.tables`'s docstring. A migration gets the
store's DB-API connection inside the upgrade's transaction, after the schema has been brought
up to the table classes (so it may use every column they define), and must not commit.

This module stays light: opening a store imports it to learn the names registered here.
Import what a migration needs inside its function.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable

from studyapp.store import queues

__all__ = ["DATA_MIGRATIONS", "DataMigration", "data_migration", "record_migrations"]

DataMigration = Callable[[sqlite3.Connection], None]

DATA_MIGRATIONS: dict[str, DataMigration] = {}
"""Every registered migration by name, in the order they run (the order of registration)."""


def data_migration(name: str) -> Callable[[DataMigration], DataMigration]:
    """Register the decorated function as the data migration ``name`` (never reuse a name:
    a store that ran a migration of that name will not run another)."""

    def register(function: DataMigration) -> DataMigration:
        if name in DATA_MIGRATIONS:
            raise ValueError(f"a data migration named {name!r} is already registered")
        DATA_MIGRATIONS[name] = function
        return function

    return register


def record_migrations(db: sqlite3.Connection, names: Iterable[str]) -> None:
    """Record the data migrations ``names`` as run on the store on ``db`` (now)."""
    now = int(time.time())
    db.executemany(
        "INSERT INTO data_migration (name, applied_at) VALUES (?, ?)",
        [(name, now) for name in names],
    )


@data_migration("2026-11-default-preset-keeps-the-retention")
def _default_preset_from_settings(db: sqlite3.Connection) -> None:
    """The desired retention was one setting; it is now the Default deck preset's (issue 12).

    A store that had set it keeps it, in the Default preset, which every deck starts on.
    """
    import json

    from studyapp.core.scheduling import RETENTION_RANGE

    row = db.execute("SELECT value FROM setting WHERE key = 'desired_retention'").fetchone()
    if row is None:
        return
    try:
        retention = float(json.loads(row[0]))
    except (TypeError, ValueError):
        retention = None
    low, high = RETENTION_RANGE
    if retention is not None and low <= retention <= high:
        db.execute(
            "INSERT INTO preset (id, name, desired_retention) VALUES (1, 'Default', ?) "
            "ON CONFLICT(id) DO UPDATE SET desired_retention = excluded.desired_retention",
            (retention,),
        )
    db.execute("DELETE FROM setting WHERE key = 'desired_retention'")


@data_migration("2026-11-memory-from-history-in-study-days")
def _memory_from_history(db: sqlite3.Connection) -> None:
    """Memory states were computed with elapsed time in 24-hour periods (issue 12): replay
    every card's review log with study days, as Anki counts them, with the store's FSRS
    parameters and rollover hour. Review cards also get their interval in days, which an
    older store did not keep (from their last review to their due date). The log itself is
    not touched; this runs inside the upgrade's one transaction."""
    import json

    from studyapp.core.scheduling import DEFAULT_PARAMETERS, check_parameters
    from studyapp.core.studyday import study_day, utc_now
    from studyapp.store.memory import recompute_memory

    stored = dict(
        db.execute(
            "SELECT key, value FROM setting WHERE key IN ('rollover_hour', 'fsrs_parameters')"
        ).fetchall()
    )
    try:
        rollover = int(json.loads(stored.get("rollover_hour", "4")))
        if not 0 <= rollover <= 23:
            rollover = 4
    except (TypeError, ValueError):
        rollover = 4
    try:
        parameters = check_parameters(json.loads(stored.get("fsrs_parameters", "[]")))
    except (TypeError, ValueError):
        parameters = DEFAULT_PARAMETERS
    # Study days from the last review's to the due date's (old dues were the last review's
    # moment N days later; newer ones the start of the due study day: both give N).
    now = utc_now()
    offset = now.astimezone().utcoffset()
    shift = (int(offset.total_seconds()) if offset else 0) - rollover * 3600
    db.execute(
        "UPDATE card SET interval = MAX(1, (due + :s) / 86400 - (last_review + :s) / 86400)"
        f" WHERE queue = {queues.REVIEW} AND last_review IS NOT NULL AND interval = 0",
        {"s": shift},
    )
    db.execute(
        "UPDATE card SET interval = MAX(1, CAST(ROUND(COALESCE(stability, 1)) AS INTEGER))"
        f" WHERE queue = {queues.RELEARNING} AND interval = 0"
    )
    next_day_at = int(study_day(now, rollover_hour=rollover).end.timestamp())
    recompute_memory(db, parameters=parameters, next_day_at=next_day_at)


@data_migration("2026-11-note-changed-at")
def _stamp_changed_at(db: sqlite3.Connection) -> None:
    """Notes synced before ``note.changed_at`` existed: stamped with the time of the upgrade,
    once, so every later export gives them the same time (and a change, a later one)."""
    db.execute(
        "UPDATE note SET changed_at = CAST(strftime('%s', 'now') AS INTEGER) WHERE changed_at = 0"
    )


@data_migration("2026-11-drop-redundant-review-card-index")
def _drop_redundant_review_index(db: sqlite3.Connection) -> None:
    """``ix_review_card_id`` (review.card_id alone) duplicated the leading column of
    ``ix_review_card_log``, which serves every lookup by card: every answer wrote both.
    Dropping it changes no row; an older StudyApp that opens the store makes it again."""
    db.execute("DROP INDEX IF EXISTS ix_review_card_id")
