"""The SQL of steering: suspend, bury, flag, "Not now", leeches, forget and set due date.

Every function works on many cards at once (a browser selection of 10,000 cards is one
statement, the ids passed as one JSON array) and runs in the caller's transaction. The ones
that change a card return what it was before, so a service can put it back (undo).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import NamedTuple

import orjson

from studyapp.core.model import Queue
from studyapp.store import review_before

__all__ = [
    "CRAM",
    "MANUAL",
    "ManualChange",
    "SteeringState",
    "add_deferral",
    "forget",
    "mark_leech",
    "remove_deferral",
    "restore_steering",
    "set_buried",
    "set_due",
    "set_flag",
    "set_suspended",
    "steering_states",
    "undo_manual_changes",
]

CRAM = 1
"""``review.kind`` of a cram answer: logged, but it changes no card."""
MANUAL = 2
"""``review.kind`` of a manual change (forget, set due date): never an answer."""

_IDS = "(SELECT value FROM json_each(?))"


def _ids(card_ids: Sequence[int]) -> bytes:
    return orjson.dumps(list(card_ids))


class SteeringState(NamedTuple):
    """A card's steering columns, as they were before a change."""

    card_id: int
    suspended: int
    buried_until: int
    flag: int
    leech: int


def steering_states(db: sqlite3.Connection, card_ids: Sequence[int]) -> list[SteeringState]:
    """The steering columns of ``card_ids`` (unknown ids are left out, repeats read once)."""
    # A join on the id list, not "id IN (SELECT value FROM json_each(?))": the IN list first
    # copies every id into a temporary index, then looks each card up from it. Measured with
    # callgrind (the statement alone, 10,000 review cards of benchmarks/steering.py's
    # 200,000-card store, as the browser's bulk suspend reads them for its undo): 119 -> 92 M
    # instructions (-23%). The ids are made unique first, as the IN list made them.
    rows = db.execute(
        "SELECT card.id, suspended, buried_until, flag, leech FROM json_each(?) AS j "
        "JOIN card ON card.id = j.value",
        (_ids(list(dict.fromkeys(card_ids))),),
    )
    return list(map(SteeringState._make, rows))


def restore_steering(db: sqlite3.Connection, states: Sequence[SteeringState]) -> None:
    """Put the steering columns back as ``states`` says (in one statement)."""
    if not states:
        return
    db.execute(
        "UPDATE card SET suspended = j.value ->> 1, buried_until = j.value ->> 2, "
        "flag = j.value ->> 3, leech = j.value ->> 4 FROM json_each(?) AS j "
        "WHERE card.id = j.value ->> 0",
        (orjson.dumps([list(s) for s in states]),),
    )


def set_suspended(db: sqlite3.Connection, card_ids: Sequence[int], suspended: bool) -> int:
    """Suspend (or unsuspend) the cards; returns how many changed."""
    cursor = db.execute(
        f"UPDATE card SET suspended = ? WHERE id IN {_IDS} AND suspended != ?",
        (int(suspended), _ids(card_ids), int(suspended)),
    )
    return cursor.rowcount


def set_buried(db: sqlite3.Connection, card_ids: Sequence[int], until: int) -> int:
    """Keep the cards out of every study queue until ``until`` (epoch seconds)."""
    cursor = db.execute(
        f"UPDATE card SET buried_until = ? WHERE id IN {_IDS} AND buried_until != ?",
        (until, _ids(card_ids), until),
    )
    return cursor.rowcount


def set_flag(db: sqlite3.Connection, card_ids: Sequence[int], flag: int) -> int:
    """Give the cards flag ``flag`` (0 removes it)."""
    cursor = db.execute(
        f"UPDATE card SET flag = ? WHERE id IN {_IDS} AND flag != ?", (flag, _ids(card_ids), flag)
    )
    return cursor.rowcount


def mark_leech(db: sqlite3.Connection, card_id: int, *, suspend: bool) -> None:
    """Mark the card a leech (and suspend it, if ``suspend``)."""
    db.execute(
        "UPDATE card SET leech = 1, suspended = CASE WHEN ? THEN 1 ELSE suspended END WHERE id = ?",
        (int(suspend), card_id),
    )


def add_deferral(db: sqlite3.Connection, card_id: int, at_ms: int) -> int:
    """Record that the card was put off ("Not now"); returns the deferral's id."""
    cursor = db.execute("INSERT INTO deferral (card_id, at_ms) VALUES (?, ?)", (card_id, at_ms))
    return int(cursor.lastrowid or 0)


def remove_deferral(db: sqlite3.Connection, deferral_id: int) -> None:
    db.execute("DELETE FROM deferral WHERE id = ?", (deferral_id,))


class ManualChange(NamedTuple):
    """What a forget or set-due-date did: the review rows (kind 2) that record it."""

    review_ids: tuple[int, ...]
    skipped: int
    """Cards left alone (set due date skips new cards: they have no schedule to move)."""


_STATE = review_before.STATE_COLUMNS
"""The scheduling columns a manual change's snapshot keeps (an answer's ``before``)."""


def _log_manual(
    db: sqlite3.Connection, card_ids: Sequence[int], at_ms: int, where: str, after: str
) -> tuple[int, ...]:
    """Insert one kind-2 review row per card in ``card_ids`` matching ``where``, with the
    card's state before as its snapshot; ``after`` is the SQL of (queue_after,
    stability_after, difficulty_after, due_after). The snapshot is written by Python's JSON
    rules, as an answer's is (:func:`~studyapp.store.review_before.encode`): SQLite's keeps 15
    digits of a float, not enough to restore it exactly.
    """
    rows = db.execute(
        f"SELECT id, {', '.join(_STATE)}, {after} FROM card WHERE id IN {_IDS}{where} ORDER BY id",
        (_ids(card_ids),),
    ).fetchall()
    width = len(_STATE)
    first = db.execute("SELECT coalesce(max(id), 0) FROM review").fetchone()[0]
    db.executemany(
        "INSERT INTO review (card_id, reviewed_at, rating, duration_ms, queue_before, "
        "queue_after, stability_after, difficulty_after, due_after, before, kind) "
        f"VALUES (?, ?, 0, 0, ?, ?, ?, ?, ?, ?, {MANUAL})",
        [
            (
                row[0],
                at_ms,
                row[1],
                *row[1 + width :],
                review_before.encode(row[1 : 1 + width]),
            )
            for row in rows
        ],
    )
    return tuple(
        r[0] for r in db.execute("SELECT id FROM review WHERE id > ? ORDER BY id", (first,))
    )


def forget(db: sqlite3.Connection, card_ids: Sequence[int], *, at_ms: int) -> ManualChange:
    """Send the cards back to new: no memory state, no due date; their review history and
    counts are kept, and a kind-2 review row records the change (with the state before)."""
    review_ids = _log_manual(
        db, card_ids, at_ms, f" AND queue != {int(Queue.NEW)}", f"{int(Queue.NEW)}, NULL, NULL, 0"
    )
    db.execute(
        f"UPDATE card SET queue = {int(Queue.NEW)}, step = NULL, stability = NULL, "
        "difficulty = NULL, due = 0, last_review = NULL, interval = 0 WHERE id IN "
        "(SELECT card_id FROM review WHERE id IN (SELECT value FROM json_each(?)))",
        (_ids(review_ids),),
    )
    return ManualChange(review_ids, len(set(card_ids)) - len(review_ids))


def set_due(
    db: sqlite3.Connection, card_ids: Sequence[int], *, due: int, at_ms: int
) -> ManualChange:
    """Make the cards due at ``due`` (epoch seconds), keeping their memory state; cards in
    learning become review cards, as Anki's "Set due date" does. New cards are skipped."""
    review_ids = _log_manual(
        db,
        card_ids,
        at_ms,
        f" AND queue != {int(Queue.NEW)} AND stability IS NOT NULL",
        f"{int(Queue.REVIEW)}, stability, difficulty, {int(due)}",
    )
    db.execute(
        f"UPDATE card SET queue = {int(Queue.REVIEW)}, step = NULL, due = ? WHERE id IN "
        "(SELECT card_id FROM review WHERE id IN (SELECT value FROM json_each(?)))",
        (due, _ids(review_ids)),
    )
    return ManualChange(review_ids, len(set(card_ids)) - len(review_ids))


def undo_manual_changes(db: sqlite3.Connection, review_ids: Sequence[int]) -> None:
    """Put the cards of these kind-2 rows back as they were and delete the rows."""
    rows = db.execute(
        f"SELECT card_id, before FROM review WHERE id IN {_IDS} AND kind = {MANUAL} "
        "ORDER BY id DESC",
        (_ids(review_ids),),
    ).fetchall()
    db.executemany(
        "UPDATE card SET queue = :queue, step = :step, stability = :stability, "
        "difficulty = :difficulty, due = :due, last_review = :last_review, reps = :reps, "
        "lapses = :lapses, interval = :interval WHERE id = :id",
        [{**review_before.decode(before), "id": card_id} for card_id, before in rows],
    )
    db.execute(f"DELETE FROM review WHERE id IN {_IDS}", (_ids(review_ids),))
