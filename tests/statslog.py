"""Hand-made review logs and card states for the statistics tests.

The statistics read what the app writes: review rows with the card's state before the
answer as JSON, and cards' scheduling columns. These helpers write exactly those, with
every time given relative to the test clock, so each expected figure can be worked out by
hand.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta

from studyapp.services.library import Library

__all__ = ["Log", "at"]

DAY = 86_400


def at(base: datetime, days: float = 0, hours: float = 0) -> datetime:
    return base + timedelta(days=days, hours=hours)


class Log:
    """Writes reviews and card states into a library's store."""

    def __init__(self, library: Library) -> None:
        self.library = library
        raw = library.engine.raw_connection()
        self._raw = raw
        db = raw.driver_connection
        assert isinstance(db, sqlite3.Connection)
        self.db = db

    def close(self) -> None:
        self._raw.close()

    def cards(self, deck: str | None = None) -> list[int]:
        sql = "SELECT id FROM card WHERE retired = 0"
        params: tuple[str, ...] = ()
        if deck is not None:
            sql += " AND deck_id = ?"
            params = (deck,)
        return [r[0] for r in self.db.execute(sql + " ORDER BY new_order, id", params)]

    def answer(
        self,
        card_id: int,
        when: datetime,
        *,
        rating: int = 3,
        queue: int = 2,
        interval_days: float | None = 10,
        duration_ms: int = 6_000,
        kind: int = 0,
    ) -> None:
        """One answer at ``when`` to a card that was in ``queue`` with an interval (its due
        minus its last review) of ``interval_days`` (None: a new card, no last review)."""
        moment = int(when.timestamp())
        before: dict[str, object]
        if interval_days is None or queue == 0:
            before = {"queue": 0, "due": 0, "last_review": None}
        else:
            last = moment - int(interval_days * DAY)
            before = {
                "queue": queue,
                "due": last + int(interval_days * DAY),
                "last_review": last,
                "stability": 5.0,
                "difficulty": 5.0,
            }
        self.db.execute(
            "INSERT INTO review (card_id, reviewed_at, rating, duration_ms, queue_before, "
            "queue_after, stability_after, difficulty_after, due_after, before, kind) "
            "VALUES (?, ?, ?, ?, ?, 2, 5.0, 5.0, ?, ?, ?)",
            (
                card_id,
                moment * 1000,
                rating,
                duration_ms,
                queue,
                moment + DAY,
                json.dumps(before),
                kind,
            ),
        )
        self.db.commit()

    def state(
        self,
        card_id: int,
        *,
        queue: int = 2,
        stability: float | None = 10.0,
        difficulty: float | None = 5.0,
        due: datetime,
        last_review: datetime | None,
        suspended: bool = False,
        buried_until: datetime | None = None,
        leech: bool = False,
        lapses: int = 0,
        interval: int = 0,
    ) -> None:
        self.db.execute(
            "UPDATE card SET queue = ?, stability = ?, difficulty = ?, due = ?, "
            "last_review = ?, reps = 1, suspended = ?, buried_until = ?, leech = ?, "
            "lapses = ?, interval = ? WHERE id = ?",
            (
                queue,
                stability,
                difficulty,
                int(due.timestamp()),
                None if last_review is None else int(last_review.timestamp()),
                int(suspended),
                0 if buried_until is None else int(buried_until.timestamp()),
                int(leech),
                lapses,
                interval,
                card_id,
            ),
        )
        self.db.commit()

    def defer(self, card_id: int, when: datetime) -> None:
        """A "Not now" at ``when``."""
        self.db.execute(
            "INSERT INTO deferral (card_id, at_ms) VALUES (?, ?)",
            (card_id, int(when.timestamp() * 1000)),
        )
        self.db.commit()
