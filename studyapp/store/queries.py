"""The queries behind studying: next card, due counts, answer and undo.

They take an open SQLAlchemy ``Connection`` so a service decides the transaction. Plain SQL
(through SQLAlchemy Core) keeps the answer path to two statements and one commit; the ORM's
identity map and change tracking buy nothing on these paths.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, text

from studyapp.core.model import CardId, MemoryState, Queue

__all__ = [
    "CardCounts",
    "DueQuery",
    "apply_answer",
    "count_cards",
    "count_due_capped",
    "total_cards",
    "done_today",
    "load_state",
    "next_card_id",
    "undo_answer",
]

_STATE_COLUMNS = (
    "queue",
    "step",
    "stability",
    "difficulty",
    "due",
    "last_review",
    "reps",
    "lapses",
)


def to_epoch(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def from_epoch(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def state_from_row(row: Any) -> MemoryState:
    """A :class:`MemoryState` from a row with the scheduling columns."""
    return MemoryState(
        queue=Queue(row.queue),
        step=row.step,
        stability=row.stability,
        difficulty=row.difficulty,
        due=from_epoch(row.due) if row.queue != Queue.NEW else None,
        last_review=from_epoch(row.last_review),
        reps=row.reps,
        lapses=row.lapses,
    )


def _state_values(state: MemoryState) -> dict[str, Any]:
    return {
        "queue": int(state.queue),
        "step": state.step,
        "stability": state.stability,
        "difficulty": state.difficulty,
        "due": to_epoch(state.due) or 0,
        "last_review": to_epoch(state.last_review),
        "reps": state.reps,
        "lapses": state.lapses,
    }


@dataclass(frozen=True, slots=True)
class DueQuery:
    """What "due" means right now, for one scope of decks.

    Attributes:
        now: current time, epoch seconds.
        day_start_ms: start of the study day, epoch milliseconds (for the review log).
        day_end: end of the study day, epoch seconds: review cards due before it are due today.
        learn_ahead: seconds a learning card may be shown early when nothing else is due.
        deck_ids: the decks to study; None for all.
        new_left: new cards still allowed today.
        reviews_left: reviews still allowed today.
    """

    now: int
    day_start_ms: int
    day_end: int
    learn_ahead: int = 20 * 60
    deck_ids: tuple[str, ...] | None = None
    new_left: int = 20
    reviews_left: int = 200


def _scope(query: DueQuery) -> tuple[str, dict[str, Any]]:
    if query.deck_ids is None:
        return "", {}
    return " AND c.deck_id IN :decks", {"decks": list(query.deck_ids)}


_TOUCHED_TODAY = (
    "c.note_id NOT IN (SELECT c2.note_id FROM review r JOIN card c2 ON c2.id = r.card_id "
    "WHERE r.reviewed_at >= :day_start)"
)


def _one(conn: Connection, sql: str, params: dict[str, Any], expanding: bool) -> int | None:
    statement = text(sql)
    if expanding:
        statement = statement.bindparams(bindparam("decks", expanding=True))
    row = conn.execute(statement, params).first()
    return None if row is None else int(row[0])


def next_card_id(conn: Connection, query: DueQuery) -> CardId | None:
    """The next card to show: due learning cards, then due reviews, then new cards.

    Siblings (other cards of a note answered this study day) wait for tomorrow, except in
    (re)learning. When nothing else is left, a learning card due within ``learn_ahead`` is
    shown early, as Anki does.
    """
    scope, params = _scope(query)
    params |= {"now": query.now, "day_end": query.day_end, "day_start": query.day_start_ms}
    expanding = query.deck_ids is not None
    learning = (
        "SELECT c.id FROM card c WHERE c.retired = 0 AND c.queue IN (1, 3) AND c.due <= :now"
        f"{scope} ORDER BY c.due, c.id LIMIT 1"
    )
    found = _one(conn, learning, params, expanding)
    if found is None and query.reviews_left > 0:
        found = _one(
            conn,
            "SELECT c.id FROM card c WHERE c.retired = 0 AND c.queue = 2 AND c.due < :day_end"
            f"{scope} AND {_TOUCHED_TODAY} ORDER BY c.due, c.id LIMIT 1",
            params,
            expanding,
        )
    if found is None and query.new_left > 0:
        found = _one(
            conn,
            f"SELECT c.id FROM card c WHERE c.retired = 0 AND c.queue = 0{scope} "
            f"AND {_TOUCHED_TODAY} ORDER BY c.new_order, c.id LIMIT 1",
            params,
            expanding,
        )
    if found is None:
        params["ahead"] = query.now + query.learn_ahead
        found = _one(
            conn,
            "SELECT c.id FROM card c WHERE c.retired = 0 AND c.queue IN (1, 3) AND c.due <= :ahead"
            f"{scope} ORDER BY c.due, c.id LIMIT 1",
            params,
            expanding,
        )
    return None if found is None else CardId(found)


@dataclass(frozen=True, slots=True)
class CardCounts:
    """Cards of one deck by where they stand today (before daily limits)."""

    new: int = 0
    learning: int = 0
    review: int = 0
    total: int = 0

    def __add__(self, other: CardCounts) -> CardCounts:
        return CardCounts(
            self.new + other.new,
            self.learning + other.learning,
            self.review + other.review,
            self.total + other.total,
        )


def count_cards(conn: Connection, *, day_end: int) -> dict[str, CardCounts]:
    """Per deck id: new cards, and learning and review cards due today.

    Both queries are answered from indexes: due cards by a range on (retired, queue, due),
    new cards by the covering (retired, queue, deck_id) index. ``total`` is left at 0; see
    :func:`total_cards`.
    """
    parts: dict[str, dict[str, int]] = {}
    due_rows = conn.execute(
        text(
            "SELECT deck_id, queue, COUNT(*) FROM card WHERE retired = 0 AND queue IN (1, 2, 3) "
            "AND due < :day_end GROUP BY deck_id, queue"
        ),
        {"day_end": day_end},
    )
    for deck_id, queue, count in due_rows:
        entry = parts.setdefault(deck_id, {"new": 0, "learning": 0, "review": 0})
        entry["review" if queue == Queue.REVIEW else "learning"] += count
    new_rows = conn.execute(
        text("SELECT deck_id, COUNT(*) FROM card WHERE retired = 0 AND queue = 0 GROUP BY deck_id")
    )
    for deck_id, count in new_rows:
        parts.setdefault(deck_id, {"new": 0, "learning": 0, "review": 0})["new"] = count
    return {deck: CardCounts(**values) for deck, values in parts.items()}


def total_cards(conn: Connection) -> dict[str, int]:
    """Active cards per deck id (a full count, for statistics rather than every answer)."""
    rows = conn.execute(
        text("SELECT deck_id, COUNT(*) FROM card WHERE retired = 0 GROUP BY deck_id")
    )
    return {str(deck_id): int(count) for deck_id, count in rows}


def count_due_capped(conn: Connection, query: DueQuery) -> CardCounts:
    """New, learning and review cards left today in ``query``'s scope, within its limits.

    Each count stops at its daily limit, so the cost follows the limits, not the
    collection's size; the review screen calls this after every answer.
    """
    scope, params = _scope(query)
    params |= {"day_end": query.day_end, "new_left": query.new_left, "rev_left": query.reviews_left}
    sql = (
        "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM card c WHERE c.retired = 0 AND c.queue = 0"
        f"{scope} LIMIT :new_left)), "
        "(SELECT COUNT(*) FROM card c WHERE c.retired = 0 AND c.queue IN (1, 3) "
        f"AND c.due < :day_end{scope}), "
        "(SELECT COUNT(*) FROM (SELECT 1 FROM card c WHERE c.retired = 0 AND c.queue = 2 "
        f"AND c.due < :day_end{scope} LIMIT :rev_left))"
    )
    statement = text(sql)
    if query.deck_ids is not None:
        statement = statement.bindparams(bindparam("decks", expanding=True))
    new, learning, review = conn.execute(statement, params).one()
    return CardCounts(new=int(new), learning=int(learning), review=int(review))


def done_today(conn: Connection, *, day_start_ms: int) -> tuple[int, int]:
    """(new cards introduced, reviews answered) in the current study day, all decks."""
    row = conn.execute(
        text(
            "SELECT SUM(CASE WHEN queue_before = 0 THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN queue_before = 2 THEN 1 ELSE 0 END)"
            " FROM review WHERE reviewed_at >= :start"
        ),
        {"start": day_start_ms},
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


def load_state(conn: Connection, card_id: int) -> MemoryState:
    row = conn.execute(
        text(f"SELECT {', '.join(_STATE_COLUMNS)} FROM card WHERE id = :id"), {"id": card_id}
    ).one()
    return state_from_row(row)


def apply_answer(
    conn: Connection,
    *,
    card_id: int,
    before: MemoryState,
    after: MemoryState,
    rating: int,
    reviewed_at_ms: int,
    duration_ms: int,
) -> int:
    """Store the new state and append the review; returns the review's id."""
    values = _state_values(after)
    conn.execute(
        text(
            "UPDATE card SET queue = :queue, step = :step, stability = :stability, "
            "difficulty = :difficulty, due = :due, last_review = :last_review, reps = :reps, "
            "lapses = :lapses WHERE id = :id"
        ),
        {**values, "id": card_id},
    )
    result = conn.execute(
        text(
            "INSERT INTO review (card_id, reviewed_at, rating, duration_ms, queue_before, "
            "queue_after, stability_after, difficulty_after, due_after, before) VALUES "
            "(:card_id, :at, :rating, :duration, :qb, :qa, :s, :d, :due, :before)"
        ),
        {
            "card_id": card_id,
            "at": reviewed_at_ms,
            "rating": rating,
            "duration": duration_ms,
            "qb": int(before.queue),
            "qa": int(after.queue),
            "s": after.stability,
            "d": after.difficulty,
            "due": values["due"],
            "before": json.dumps(_state_values(before)),
        },
    )
    return int(result.lastrowid or 0)


def undo_answer(conn: Connection, review_id: int) -> int | None:
    """Restore the card to its state before review ``review_id`` and delete that review.

    Returns the card id, or None if the review no longer exists.
    """
    row = conn.execute(
        text("SELECT card_id, before FROM review WHERE id = :id"), {"id": review_id}
    ).first()
    if row is None:
        return None
    values = json.loads(row.before)
    conn.execute(
        text(
            "UPDATE card SET queue = :queue, step = :step, stability = :stability, "
            "difficulty = :difficulty, due = :due, last_review = :last_review, reps = :reps, "
            "lapses = :lapses WHERE id = :id"
        ),
        {**values, "id": row.card_id},
    )
    conn.execute(text("DELETE FROM review WHERE id = :id"), {"id": review_id})
    return int(row.card_id)


def history(conn: Connection, card_id: int) -> Sequence[Any]:
    """The card's reviews, oldest first."""
    return conn.execute(
        text(
            "SELECT reviewed_at, rating, duration_ms, queue_before, queue_after, "
            "stability_after, difficulty_after, due_after FROM review WHERE card_id = :id "
            "ORDER BY reviewed_at, id"
        ),
        {"id": card_id},
    ).all()


def deck_ids_of_families(conn: Connection, families: Iterable[str]) -> tuple[str, ...]:
    statement = text("SELECT id FROM deck WHERE active = 1 AND family IN :f ORDER BY id")
    statement = statement.bindparams(bindparam("f", expanding=True))
    return tuple(r[0] for r in conn.execute(statement, {"f": list(families)}))
