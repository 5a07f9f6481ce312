"""Every persisted table, in one module: the one definition of the store's schema.

A new store is created from these classes, and opening an older one brings it up to them
(:mod:`studyapp.store.schema`); a test compares a fresh store's live schema with them. Every
write is plain SQL, so every column a write may leave out has its default in the DDL (a
**server default**, :func:`default`), not only in Python.

Times are stored as integers: ``due`` and ``last_review`` in whole seconds since the Unix
epoch (UTC), review times in milliseconds. Integers compare and index faster than text
datetimes and cannot be written in a local zone by mistake.

How to add a column
    Add a field to its table class with a server default: ``flag: int = default(0)``
    (a nullable column, ``x: int | None = None``, defaults to NULL by itself). That is all:
    opening a store made before the change adds the column (``ALTER TABLE ADD COLUMN``,
    every existing row getting the default) in the same transaction as anything else the
    store lacks. New tables and indexes are created the same way. Add a test of the feature
    that uses the column; ``tests/store/test_store_schema.py`` checks the default is in the DDL.
    Never rename or drop a column or a table: an older store would keep the old one, and the
    upgrade refuses to drop data. A change SQLite cannot make in place (a column's type or
    default, a constraint) rebuilds the table with its rows, so it costs a copy once.

How to add a data migration (transform existing rows, e.g. recompute a derived column)
    Register a function in :mod:`studyapp.store.migrations` with a new, never reused name::

        @data_migration("2026-04-recompute-memory")
        def _recompute_memory(db: sqlite3.Connection) -> None:
            ...

    It runs once per store, after the schema is brought up to these classes, inside the
    same transaction (an exception rolls the whole upgrade back and the store is left as it
    was); its name is then recorded in the ``data_migration`` table. A new store records
    every registered name without running them: there is no old data to transform.

``SCHEMA_VERSION`` (:mod:`studyapp.store.database`, kept in SQLite's ``user_version``) only
needs a bump for a change an older StudyApp could not live with: it refuses a store whose
version is higher than its own. An added column with a default is not such a change.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Index, TextClause, UniqueConstraint
from sqlalchemy import text as sql_text
from sqlmodel import Field, SQLModel

from studyapp.core.model import Queue

__all__ = [
    "AppliedMigration",
    "BibSource",
    "CardRow",
    "CourseModuleRow",
    "Deferral",
    "DeckFolder",
    "DeckRow",
    "MediaRow",
    "NoteRow",
    "PresetRow",
    "ReviewRow",
    "ReviewTally",
    "Setting",
    "StoreMeta",
    "UserNote",
    "default",
]


def default(value: str | int | float | bool, **kwargs: Any) -> Any:
    """A field whose default is also the column's ``DEFAULT`` in the DDL (a server default),
    so a plain-SQL insert that leaves the column out, and an ``ALTER TABLE ADD COLUMN`` on an
    older store, get the same value a Python default would give."""
    return Field(default=value, sa_column_kwargs={"server_default": _literal(value)}, **kwargs)


def _literal(value: str | int | float | bool) -> str | TextClause:
    if isinstance(value, str):
        return value  # SQLAlchemy quotes it
    return sql_text(str(int(value) if isinstance(value, bool) else value))


class DeckRow(SQLModel, table=True):
    """A deck as last synced from its file."""

    __tablename__ = "deck"

    id: str = Field(primary_key=True)
    title: str
    family: str = Field(index=True)
    description: str = default("")
    path: str = Field(description="The file the deck was last synced from.")
    digest: str = Field(description="SHA-256 of the file's bytes at the last sync.")
    active: bool = default(True)
    course: str = default("")
    """The id of the course (``course.yaml``) of the deck's folder; '' without one."""
    preset_id: int = default(1)
    """The deck's options (:class:`PresetRow`); 1 is the Default preset."""


class NoteRow(SQLModel, table=True):
    """One card entry of a deck file, keyed by its author-owned id."""

    __tablename__ = "note"
    __table_args__ = (
        # A card's predecessors, for the browser: only retired notes name a successor, so
        # the partial index holds a handful of rows and costs a deck import nothing.
        Index(
            "ix_note_replaced_by", "replaced_by", sqlite_where=sql_text("replaced_by IS NOT NULL")
        ),
        # The few safety-critical notes, for projections that need each card's own desired
        # retention (readiness) without reading every note.
        Index("ix_note_critical", "critical", sqlite_where=sql_text("critical = 1")),
        # The notes of modules not released yet, whose new cards wait (issue 15's pacing).
        Index("ix_note_module", "module"),
        # A deck's notes; with ``retired`` in it, a sync counts the live notes of the decks
        # it left unchanged from the index alone: 55 -> 8 ms of CPU at 200,000 notes (the
        # larger part of a re-sync that changed nothing, budget 100 ms).
        Index("ix_note_deck_id", "deck_id", "retired"),
    )

    id: str = Field(primary_key=True)
    deck_id: str = Field(foreign_key="deck.id")
    kind: str
    position: int
    front: str = default("")
    back: str = default("")
    text: str = default("")
    extra: str = default("")
    correction: str = default("")
    tags: str = default("")
    sources: str = default("")
    cites: str = default("")
    as_of: int | None = None
    revision: int = default(1)
    digest: str = default("")
    retired: bool = default(False)
    retired_reason: str | None = None
    replaced_by: str | None = None
    line: int = default(0)
    critical: int = default(0)
    """1: a safety-critical fact (issue 12), scheduled at the critical desired retention."""
    sensitive: int = default(0)
    """1: emotionally heavy material; the content note is shown before the question."""
    content_note: str | None = None
    module: int | None = None
    """The course module (the card's own ``module:`` or its deck's); None without one."""
    image_file: str | None = None
    """The card's ``image.file`` as written (exports name the image by it)."""
    image_alt: str | None = None
    image_side: str | None = None
    """question or answer."""
    image_hash: str | None = None
    """SHA-256 of the image's bytes: its row in ``media``."""
    changed_at: int = default(0)
    """Seconds since the epoch (UTC) of the sync that last changed what the note shows or
    is (its texts, tags, sources, image, revision, retirement): an Anki export stamps the
    note with it, so an unchanged note never looks newer to Anki."""


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
        # The browser's default order: every card by due time, no sort.
        Index("ix_card_due", "due"),
        # Searches for the rare steering states (is:suspended, flag:1, ...): partial indexes
        # hold only the cards in that state, so they cost nothing for the others.
        Index("ix_card_suspended", "suspended", sqlite_where=sql_text("suspended = 1")),
        Index("ix_card_buried", "buried_until", sqlite_where=sql_text("buried_until > 0")),
        Index("ix_card_flag", "flag", sqlite_where=sql_text("flag > 0")),
        Index("ix_card_leech", "leech", sqlite_where=sql_text("leech = 1")),
    )

    id: int | None = Field(default=None, primary_key=True)
    note_id: str = Field(foreign_key="note.id")
    deck_id: str = Field(foreign_key="deck.id")
    key: str
    new_order: int = default(0)
    queue: int = default(int(Queue.NEW))
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: int = default(0)
    last_review: int | None = None
    reps: int = default(0)
    lapses: int = default(0)
    interval: int = default(
        0, description="Scheduled interval in days (Anki's ivl): the floor fuzz keeps to."
    )
    retired: bool = default(False)
    suspended: int = default(0)
    buried_until: int = default(0)
    """Epoch seconds: out of every study queue while now < buried_until."""
    flag: int = default(0)
    """0 none, 1 red, 2 orange, 3 green, 4 blue (as Anki)."""
    leech: int = default(0)


class ReviewRow(SQLModel, table=True):
    """Append-only review log: one row per answer, with the card's state before and after."""

    __tablename__ = "review"
    __table_args__ = (
        Index("ix_review_time", "reviewed_at"),
        # Every card's log in order, for FSRS (memory states replayed, the optimizer's
        # items), read from the index alone: half the time of reading the rows, which carry
        # the JSON snapshot (issue 12, benchmarks/scheduling.py).
        Index(
            "ix_review_card_log",
            "card_id",
            "reviewed_at",
            "rating",
            "queue_before",
            "queue_after",
            "kind",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    # No index of its own: ix_review_card_log starts with card_id and serves every lookup by
    # card (and the foreign key's). A second one cost ~8% of the WAL pages an answer writes
    # (pwrite count, 10k store); stores that have it drop it (migrations.py).
    card_id: int = Field(foreign_key="card.id")
    reviewed_at: int = Field(description="Milliseconds since the epoch, UTC.")
    rating: int
    duration_ms: int
    queue_before: int
    queue_after: int
    stability_after: float | None = None
    difficulty_after: float | None = None
    due_after: int = default(0)
    before: str = Field(
        description="JSON snapshot of the card's scheduling columns before (an array since "
        "schema 3, an object before: studyapp/store/review_before.py)."
    )
    kind: int = default(0)
    """0 a scheduled answer, 1 a cram answer, 2 a manual change (forget, set due date)."""


class ReviewTally(SQLModel, table=True):
    """The review log counted by quarter-hour and kind of answer, kept by triggers on
    ``review`` (see :mod:`studyapp.store.stats`): what the statistics read instead of a
    million rows."""

    __tablename__ = "review_tally"
    # WITHOUT ROWID: the rows live in their key's b-tree, in (quarter, ...) order, instead of
    # a rowid table plus that key's automatic index (what the statistics read, and what the
    # quick check reads whole). At 200,045 cards / 1,004,563 answers: 8.3 -> 3.5 MB;
    # answers by day 71-76 -> 60-64 ms, answers by hour 25.5-26.5 -> 17-18 ms of CPU (each
    # query alone, best of 5, two rounds); `stats --json` after an answer 0.715 -> 0.689 s
    # of CPU (9 interleaved pairs). An answer: 856.7k -> 859.2k instructions (callgrind),
    # within the 4k two stores prepared alike by the same code differ by.
    __table_args__ = {"sqlite_with_rowid": False}

    quarter: int = Field(primary_key=True, description="reviewed_at // 900,000 (15 minutes).")
    kind: int = default(
        0, primary_key=True, description="review.kind: 0 scheduled, 1 cram, 2 manual."
    )
    queue: int = Field(primary_key=True, description="The card's queue before the answer.")
    failed: bool = Field(primary_key=True, description="Answered Again.")
    ivl: int = Field(primary_key=True, description="0 under a day, 1 young, 2 mature.")
    answers: int = default(0)
    ms: int = default(0, description="Time spent on these answers, milliseconds.")


class PresetRow(SQLModel, table=True):
    """Deck options several decks can share, as Anki's presets: the desired retention of the
    decks' cards (safety-critical cards have their own, a setting) and each deck's daily
    limits. Preset 1 is the Default one: every deck starts on it, and until it is first
    edited it has no row (its values are then these defaults, see store/presets.py)."""

    __tablename__ = "preset"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    desired_retention: float = default(0.9)
    new_per_day: int = default(20)
    reviews_per_day: int = default(200)


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


class AppliedMigration(SQLModel, table=True):
    """A named data migration that has run on this store (see the module docstring)."""

    __tablename__ = "data_migration"

    name: str = Field(primary_key=True)
    applied_at: int = Field(description="Seconds since the epoch, UTC.")


class StoreMeta(SQLModel, table=True):
    """Facts about the store itself, e.g. the digest of the schema definition it was last
    brought up to (so opening an up-to-date store compares one value and does nothing)."""

    __tablename__ = "store_meta"

    key: str = Field(primary_key=True)
    value: str


class Deferral(SQLModel, table=True):
    """A card put off with "Not now": never a review, never a lapse (for statistics)."""

    __tablename__ = "deferral"

    id: int | None = Field(default=None, primary_key=True)
    card_id: int = Field(foreign_key="card.id", index=True)
    at_ms: int = Field(description="Milliseconds since the epoch, UTC.")


class MediaRow(SQLModel, table=True):
    """An image a card shows, copied into the store by sync (keyed by its content), so the
    app and its exports keep it when the course folder moves or is gone."""

    __tablename__ = "media"

    hash: str = Field(primary_key=True, description="SHA-256 of the bytes.")
    kind: str = Field(description="png, jpeg or svg.")
    width: int
    height: int
    data: bytes


class CourseModuleRow(SQLModel, table=True):
    """A module of a course (``course.yaml``), as last synced."""

    __tablename__ = "course_module"

    course: str = Field(primary_key=True)
    number: int = Field(primary_key=True)
    title: str
    release: str | None = None
    """YYYY-MM-DD: new cards of the module are introduced from this day on."""
