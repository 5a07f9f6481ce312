"""The typed rows of the store's tables that several store modules read or write, each
defined once (its fields are the table's columns, in the table's order)."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["NOTE_COLUMNS", "SOURCES_SQL", "STORED_AS_WRITTEN", "NoteValues", "SourceRow"]


class NoteValues(NamedTuple):
    """The note row of one card entry of a deck file: every ``note`` column, in the table's
    order (a test checks it against :class:`studyapp.store.tables.NoteRow`).

    The fields after ``line`` are deck-format fields stored as written: a card entry's
    value of the field of the same name, or the default here when it has none
    (:func:`studyapp.services.deckrows.note_row` copies them by name and adds them to the
    note's digest when set). So adding a scalar card field to the store takes its column in
    ``NoteRow`` (with a server default) and its field here, with the same default.
    """

    id: str
    deck_id: str
    kind: str
    position: int
    front: str
    back: str
    text: str
    extra: str
    correction: str
    tags: str
    sources: str
    cites: str
    as_of: int | None
    revision: int
    digest: str
    retired: bool
    retired_reason: str | None
    replaced_by: str | None
    line: int
    # Deck-format fields stored as written (see above).
    critical: bool = False
    sensitive: bool = False
    content_note: str | None = None
    module: int | None = None
    # The card's image (``image: {file, alt, side}``) and its content's digest, set by
    # studyapp.services.deckrows.note_row (a card entry has no fields of these names).
    image_file: str | None = None
    image_alt: str | None = None
    image_side: str | None = None
    image_hash: str | None = None
    changed_at: int | None = None
    """None: the time the row is written (a new note); a negative number -t: the time it is
    written, but at least t (a changed note: always later than its last change, even within
    the same second); else that time, kept (a note only moved within its file)."""


NOTE_COLUMNS = NoteValues._fields
STORED_AS_WRITTEN = tuple(NoteValues._field_defaults.items())
"""(name, default) of the note row's deck-format fields stored as written, in column order."""


class SourceRow(NamedTuple):
    """A bibliography entry as synced into the store."""

    id: str
    kind: str
    authors: str
    year: int | None
    title: str
    venue: str | None
    doi: str | None
    url: str | None
    retracted: str | None


SOURCES_SQL = f"SELECT {', '.join(SourceRow._fields)} FROM source"
"""Every bibliography row, in :class:`SourceRow`'s column order."""
