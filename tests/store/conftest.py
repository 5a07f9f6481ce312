"""Stores built row by row for the store's own tests, through its own writes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from studyapp.store.database import open_engine
from studyapp.store.rows import NoteValues
from studyapp.store.sync import Changes, write_changes
from studyapp.store.syncrows import DeckValues, NewCard

NOW = 1_772_452_800  # 2026-03-02 12:00 UTC


def note_row(note_id: str, deck_id: str, position: int, **fields: Any) -> NoteValues:
    """A basic card entry's note row; ``fields`` replace any column."""
    values = NoteValues(
        note_id, deck_id, "basic", position, f"Q {note_id}", f"A {note_id}", "", "", "",
        "tag", "zhou2024", "", None, 1, f"digest-{note_id}", False, None, None, position + 7,
    )  # fmt: skip
    return values._replace(**fields)


@pytest.fixture
def two_decks(tmp_path: Path) -> Iterator[Engine]:
    """Two decks: d1 with notes a (cards fwd, rev) and b (fwd); d2 with note c (fwd)."""
    engine = open_engine(tmp_path / "two-decks.sqlite3")
    changes = Changes(
        decks=[
            DeckValues("d1", "Deck one", "mechanisms", "", "/c/d1.yaml", "x"),
            DeckValues("d2", "Deck two", "evidence", "", "/c/d2.yaml", "y"),
        ],
        notes_inserted=[note_row("a", "d1", 0), note_row("b", "d1", 1), note_row("c", "d2", 0)],
        cards_inserted=[
            NewCard("a", "d1", "fwd", 0),
            NewCard("a", "d1", "rev", 1),
            NewCard("b", "d1", "fwd", 1000),
            NewCard("c", "d2", "fwd", 0),
        ],
    )
    with engine.begin() as conn:
        write_changes(conn, changes, now=NOW)
    yield engine
    engine.dispose()
