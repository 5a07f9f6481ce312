"""Memory states from the review log, and rescheduling review cards (issue 12).

Both run in the caller's write transaction on a DB-API connection: the named data migration
(:mod:`studyapp.store.migrations`) and the services that change FSRS parameters or a desired
retention. The review log is only read, except for one manual-change row (kind 2) per
rescheduled card, as DECISIONS 4 has it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, NamedTuple

from studyapp.core.model import Queue
from studyapp.core.replay import (
    BREAK,
    LEARNING_OFFSET,
    RESET,
    LogRow,
    TrainingSet,
    memory_from_logs,
    training_set,
)
from studyapp.core.scheduling import reschedule_interval
from studyapp.store import queues, review_before
from studyapp.store.database import raw_connection
from studyapp.store.errors import storage_errors
from studyapp.store.queries import write_transaction

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = [
    "RescheduleCard",
    "count_review_cards",
    "logs",
    "training_from_logs",
    "read_training_set",
    "reschedule_review_cards",
    "store_parameters",
    "recompute_memory",
    "reschedule",
    "review_cards",
]

_EVENT = (
    f"CASE WHEN kind = 2 THEN (CASE WHEN queue_after = {queues.NEW} THEN {RESET} ELSE {BREAK} END) "
    f"WHEN rating NOT BETWEEN 1 AND 4 THEN {BREAK} "
    f"WHEN queue_before IN ({queues.NEW}, {Queue.LEARNING:d}) THEN rating + {LEARNING_OFFSET} "
    "ELSE rating END"
)
""":func:`studyapp.core.replay.log_event` in SQL (a test holds them together)."""

_LOG = (
    f"SELECT card_id, MAX(0, :next_day_at - reviewed_at / 1000) / 86400, {_EVENT}{{time}} "
    "FROM review WHERE kind != 1 ORDER BY card_id, reviewed_at"
)
"""Read through the covering index ix_review_card_log, in its order: no table row, no sort.
SQLite classifies each entry; cram answers (kind 1) are left out.

The days are Anki's (``days_elapsed`` in rslib/src/scheduler/fsrs/params.rs): whole blocks of
86,400 s back from the next rollover, seconds truncated as Anki truncates its revlog id, so
no calendar or DST arithmetic per entry. Most of the read's cost is per row in the sqlite3
module (its GIL release around each step, the library's mutex around each column, a tuple
and its numbers: ~0.4 us a row; SQLite's own work is 16-18 ms of the 50-60 ms). Measured in
round 5 and not paying: the three small columns packed into one integer (the fetch 52 -> 43
ms, the unpacking gives most of it back: -4..-6 ms in all), one row per card or one row in
all with group_concat (36-49 ms in SQLite before any parsing; parsing integers from text
38 ms more), the deltas from window functions (LAG or MIN ... FILTER OVER: 118-134 ms), the
log read in time order (SQLite's sort: 79-84 ms; through ix_review_time: 129-133 ms)."""


_TIMES = ", CAST(reviewed_at AS REAL)"
"""The optimizer's extra column: each entry's time in epoch milliseconds, as a float (exact
below 2**53). Its items are sorted by it, and Python sorts floats several times faster than
integers this large; a float from SQLite costs no more than an integer."""


def _log_rows(db: sqlite3.Connection, *, next_day_at: int, times: bool) -> sqlite3.Cursor:
    sql = _LOG.format(time=_TIMES if times else "")
    return db.execute(sql, {"next_day_at": next_day_at})


def logs(db: sqlite3.Connection, *, next_day_at: int, times: bool = False) -> list[LogRow]:
    """Every card's review log as FSRS reads it (:data:`LogRow`), card by card, oldest entry
    first, each with its study days before ``next_day_at`` (as Anki counts them) and, with
    ``times``, its time (the optimizer orders its items by it)."""
    return _log_rows(db, next_day_at=next_day_at, times=times).fetchall()


def recompute_memory(
    db: sqlite3.Connection, *, parameters: Sequence[float], next_day_at: int
) -> int:
    """Replace every card's stability and difficulty by FSRS's replay of its review log with
    ``parameters``, days counted back from ``next_day_at`` (the next rollover, epoch seconds),
    as Anki does when its parameters change. Cards without a complete log (no learning
    answers since their last reset) keep their state. The log is not written. Returns the
    number of cards updated."""
    states = memory_from_logs(_log_rows(db, next_day_at=next_day_at, times=False), parameters)
    states.sort()  # in the table's order: each update near the one before
    db.executemany(
        f"UPDATE card SET stability = ?, difficulty = ? WHERE id = ? AND queue != {queues.NEW}",
        [(s, d, card_id) for card_id, s, d in states],
    )
    return len(states)


def training_from_logs(db: sqlite3.Connection, *, next_day_at: int) -> TrainingSet:
    """The optimizer's input from the review log (scheduled answers only). The rows go from
    the cursor straight into the replay: no list of every row to build and then free (on
    the benchmark's 99,992 rows, 4-6 ms of CPU less)."""
    return training_set(_log_rows(db, next_day_at=next_day_at, times=True))


class RescheduleCard(NamedTuple):
    """A review card whose due date follows its desired retention."""

    id: int
    stability: float
    difficulty: float | None
    reps: int
    lapses: int
    last_review: int
    due: int
    interval: int
    previous: int
    """The interval before its last review (fuzz does not go below it)."""
    desired_retention: float


def review_cards(
    db: sqlite3.Connection,
    *,
    deck_ids: Sequence[str] | None,
    critical: bool | None,
    critical_retention: float,
) -> list[RescheduleCard]:
    """Review cards (not retired, not suspended) with a memory state: of ``deck_ids`` (all
    when None), only critical or only other ones when ``critical`` says so; each with the
    desired retention it is scheduled at."""
    sql = (
        "SELECT c.id, c.stability, c.difficulty, c.reps, c.lapses, c.last_review, c.due, "
        "c.interval, "
        "(SELECT r.before FROM review r WHERE r.card_id = c.id AND r.kind = 0 "
        "ORDER BY r.reviewed_at DESC, r.id DESC LIMIT 1), n.critical, "
        "COALESCE(p.desired_retention, p1.desired_retention, 0.9) "
        "FROM card c JOIN note n ON n.id = c.note_id JOIN deck d ON d.id = c.deck_id "
        "LEFT JOIN preset p ON p.id = d.preset_id LEFT JOIN preset p1 ON p1.id = 1 "
        "WHERE c.queue = ? AND c.retired = 0 AND c.suspended = 0 "
        "AND c.stability IS NOT NULL AND c.last_review IS NOT NULL"
    )
    params: list[object] = [int(Queue.REVIEW)]
    if deck_ids is not None:
        sql += f" AND c.deck_id IN ({', '.join('?' * len(deck_ids))})"
        params.extend(deck_ids)
    if critical is not None:
        sql += " AND n.critical = ?"
        params.append(int(critical))
    out = []
    for row in db.execute(sql, params):
        before, is_critical, retention = row[8:]
        previous = 0
        if before:
            try:
                previous = int(review_before.decode(before)["interval"] or 0)
            except (TypeError, ValueError):
                previous = 0
        out.append(
            RescheduleCard._make(
                (*row[:8], previous, critical_retention if is_critical else retention)
            )
        )
    return out


def reschedule(
    db: sqlite3.Connection,
    cards: Sequence[RescheduleCard],
    *,
    parameters: Sequence[float],
    due_of: Callable[[int, int], int],
    now_ms: int,
    fuzz: bool = True,
    maximum_interval: int = 36500,
) -> int:
    """Give each card the interval its memory has at its desired retention, counted from
    its last review, and log the change (a kind-2 review row with the state before).
    ``due_of(last_review, interval)`` gives the due moment (epoch seconds) of an interval
    counted in study days from the study day of ``last_review``. Returns the cards whose due
    date moved."""
    moved = 0
    updates = []
    rows = []
    for card in cards:
        interval = reschedule_interval(
            card.stability,
            card.desired_retention,
            card.previous,
            card_id=card.id,
            reps=card.reps,
            parameters=parameters,
            fuzz=fuzz,
            maximum_interval=maximum_interval,
        )
        due = due_of(card.last_review, interval)
        if due == card.due and interval == card.interval:
            continue
        moved += 1
        updates.append((due, interval, card.id))
        before = {
            "queue": int(Queue.REVIEW),
            "step": None,
            "stability": card.stability,
            "difficulty": card.difficulty,
            "due": card.due,
            "last_review": card.last_review,
            "reps": card.reps,
            "lapses": card.lapses,
            "interval": card.interval,
        }
        rows.append(
            (card.id, now_ms, int(Queue.REVIEW), int(Queue.REVIEW), card.stability, due, before)
        )
    db.executemany("UPDATE card SET due = ?, interval = ? WHERE id = ?", updates)
    db.executemany(
        "INSERT INTO review (card_id, reviewed_at, rating, duration_ms, queue_before, "
        "queue_after, stability_after, due_after, before, kind) VALUES (?, ?, 0, 0, ?, ?, ?, ?, "
        "?, 2)",
        [(*r[:6], json.dumps(r[6])) for r in rows],
    )
    return moved


# -- engine-level operations (each its own connection and transaction) ---------------------------
@contextmanager
def _connection(engine: Engine, *, write: bool) -> Iterator[sqlite3.Connection]:
    db, give_back = raw_connection(engine)
    try:
        with storage_errors(engine.url.database):
            if write:
                with write_transaction(db):
                    yield db
            else:
                yield db
    finally:
        give_back()


def read_training_set(engine: Engine, *, next_day_at: int) -> TrainingSet:
    """The optimizer's input (:func:`training_from_logs`) on a connection of its own."""
    with _connection(engine, write=False) as db:
        return training_from_logs(db, next_day_at=next_day_at)


def store_parameters(
    engine: Engine,
    parameters: Sequence[float],
    *,
    replay_with: Sequence[float],
    next_day_at: int,
) -> int:
    """Store the FSRS parameters setting (``parameters``; empty for the defaults) and replay
    every card's memory with ``replay_with``, in one transaction. Returns the cards replayed."""
    with _connection(engine, write=True) as db:
        db.execute(
            "INSERT INTO setting (key, value) VALUES ('fsrs_parameters', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (json.dumps(list(parameters)),),
        )
        return recompute_memory(db, parameters=replay_with, next_day_at=next_day_at)


def count_review_cards(
    engine: Engine,
    *,
    deck_ids: Sequence[str] | None,
    critical: bool | None,
    critical_retention: float,
) -> int:
    with _connection(engine, write=False) as db:
        return len(
            review_cards(
                db, deck_ids=deck_ids, critical=critical, critical_retention=critical_retention
            )
        )


def reschedule_review_cards(
    engine: Engine,
    *,
    deck_ids: Sequence[str] | None,
    critical: bool | None,
    critical_retention: float,
    parameters: Sequence[float],
    due_of: Callable[[int, int], int],
    now_ms: int,
    fuzz: bool = True,
) -> int:
    """:func:`reschedule` the :func:`review_cards` of ``deck_ids``, in one transaction."""
    with _connection(engine, write=True) as db:
        cards = review_cards(
            db, deck_ids=deck_ids, critical=critical, critical_retention=critical_retention
        )
        return reschedule(db, cards, parameters=parameters, due_of=due_of, now_ms=now_ms, fuzz=fuzz)
