"""The browser's lookups beyond a search: a card's successor and predecessors."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

__all__ = ["first_cards", "predecessors"]


def first_cards(db: sqlite3.Connection, note_ids: Sequence[str]) -> dict[str, int]:
    """The first card (lowest id) of each note in ``note_ids`` that has one."""
    if not note_ids:
        return {}
    marks = ", ".join("?" * len(note_ids))
    rows = db.execute(
        f"SELECT note_id, min(id) FROM card WHERE note_id IN ({marks}) GROUP BY note_id",
        list(note_ids),
    )
    return {str(note): int(card) for note, card in rows}


def predecessors(db: sqlite3.Connection, note_id: str) -> list[str]:
    """The retired notes that name ``note_id`` as their successor (``replaced_by``)."""
    rows = db.execute(
        "SELECT id FROM note WHERE replaced_by = ? AND retired = 1 ORDER BY id", (note_id,)
    )
    return [str(r[0]) for r in rows]
