"""Every persisted table, in one module (SQLModel's recommended code structure).

Times are stored as integers: ``due`` and ``last_review`` in whole seconds since the Unix
epoch (UTC), review times in milliseconds. Integers compare and index faster than text
datetimes and cannot be written in a local zone by mistake.
"""

from __future__ import annotations

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

__all__ = [
    "BibSource",
    "CardRow",
    "DeckFolder",
    "DeckRow",
    "NoteRow",
    "ReviewRow",
    "Setting",
    "UserNote",
]


class DeckRow(SQLModel, table=True):
    """A deck as last synced from its file."""

    __tablename__ = "deck"

    id: str = Field(primary_key=True)
    title: str
    family: str = Field(index=True)
    description: str = ""
    path: str = Field(description="The file the deck was last synced from.")
    digest: str = Field(description="SHA-256 of the file's bytes at the last sync.")
    active: bool = True


class NoteRow(SQLModel, table=True):
    """One card entry of a deck file, keyed by its author-owned id."""

    __tablename__ = "note"

    id: str = Field(primary_key=True)
    deck_id: str = Field(foreign_key="deck.id", index=True)
    kind: str
    position: int
    front: str = ""
    back: str = ""
    text: str = ""
    extra: str = ""
    correction: str = ""
    tags: str = ""
    sources: str = ""
    cites: str = ""
    as_of: int | None = None
    revision: int = 1
    digest: str = ""
    retired: bool = False
    retired_reason: str | None = None
    replaced_by: str | None = None
    line: int = 0


class CardRow(SQLModel, table=True):
    """One studyable card with exactly the FSRS state needed to resume it."""

    __tablename__ = "card"
    __table_args__ = (
        UniqueConstraint("note_id", "key"),
        Index("ix_card_queue_due", "retired", "queue", "due"),
        Index("ix_card_deck_queue_due", "deck_id", "retired", "queue", "due"),
        Index("ix_card_new_order", "retired", "queue", "new_order"),
        # Covers per-deck counts of new cards without touching the table.
        Index("ix_card_queue_deck", "retired", "queue", "deck_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    note_id: str = Field(foreign_key="note.id")
    deck_id: str = Field(foreign_key="deck.id")
    key: str
    new_order: int = 0
    queue: int = 0
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: int = 0
    last_review: int | None = None
    reps: int = 0
    lapses: int = 0
    retired: bool = False


class ReviewRow(SQLModel, table=True):
    """Append-only review log: one row per answer, with the card's state before and after."""

    __tablename__ = "review"
    __table_args__ = (Index("ix_review_time", "reviewed_at"),)

    id: int | None = Field(default=None, primary_key=True)
    card_id: int = Field(foreign_key="card.id", index=True)
    reviewed_at: int = Field(description="Milliseconds since the epoch, UTC.")
    rating: int
    duration_ms: int
    queue_before: int
    queue_after: int
    stability_after: float | None = None
    difficulty_after: float | None = None
    due_after: int = 0
    before: str = Field(description="JSON snapshot of the card's scheduling columns before.")


class Setting(SQLModel, table=True):
    """A user setting, stored as JSON."""

    __tablename__ = "setting"

    key: str = Field(primary_key=True)
    value: str


class BibSource(SQLModel, table=True):
    """A bibliography entry, so a card's source line can be shown without reading files."""

    __tablename__ = "source"

    id: str = Field(primary_key=True)
    kind: str
    authors: str
    year: int | None = None
    title: str
    venue: str | None = None
    doi: str | None = None
    url: str | None = None
    retracted: str | None = None


class DeckFolder(SQLModel, table=True):
    """A folder of decks the user added; re-synced on start."""

    __tablename__ = "deck_folder"

    path: str = Field(primary_key=True)


class UserNote(SQLModel, table=True):
    """A trainee's own note on a card; deck updates never touch it."""

    __tablename__ = "user_note"

    note_id: str = Field(primary_key=True)
    text: str
    updated_at: int
