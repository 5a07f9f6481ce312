"""The rows of a sync that reads deck files: what it writes (decks, images, modules, new
cards, moved cards, inherited progress) and the stored notes and cards it plans against.

A sync that finds every deck file unchanged (every start-up's) reads none of them and
makes none of these rows, so it imports neither this module nor what builds and plans them
(:mod:`studyapp.services.deckrows`, :mod:`studyapp.services.syncplan`): making these eight
``NamedTuple`` classes and those modules cost the start-up to the first card 8.0 M
instructions (callgrind of ``studyapp --screenshot --screen review`` on the bundled decks,
PYTHONHASHSEED=0, interleaved with the code before, 3 runs each: 2,029.38-2,029.54 ->
2,021.35-2,021.57 M, -0.4%; issue 19). :mod:`studyapp.store.sync` imports it where it reads
or writes such rows.
"""

from __future__ import annotations

from typing import NamedTuple

from studyapp.store.queries import StoredProgress

__all__ = [
    "CardMove",
    "DeckValues",
    "Inheritance",
    "MediaValues",
    "ModuleValues",
    "NewCard",
    "StoredCard",
    "StoredNote",
]


class MediaValues(NamedTuple):
    """An image to keep in the store (inserted once per content: its hash is its key)."""

    hash: str
    kind: str
    width: int
    height: int
    data: bytes


class NewCard(NamedTuple):
    """A card to create; every other column takes its default (a new card)."""

    note_id: str
    deck_id: str
    key: str
    new_order: int


class DeckValues(NamedTuple):
    """The deck row of a deck file (stored as active)."""

    id: str
    title: str
    family: str
    description: str
    path: str
    digest: str


class ModuleValues(NamedTuple):
    """A module of a course file, as ``course_module`` keeps it."""

    course: str
    number: int
    title: str
    release: str | None
    """YYYY-MM-DD, or None: released."""


class StoredNote(NamedTuple):
    """What planning compares a stored note with."""

    id: str
    deck_id: str
    digest: str
    revision: int
    retired: bool
    position: int
    line: int
    changed_at: int


class StoredCard(NamedTuple):
    id: int
    note_id: str
    key: str
    queue: int
    retired: bool
    reps: int


class CardMove(NamedTuple):
    """Every card of ``note_id`` now belongs to ``deck_id``."""

    note_id: str
    deck_id: str


class Inheritance(NamedTuple):
    """The still-new card ``key`` of ``note_id`` takes over a retired card's progress."""

    note_id: str
    key: str
    progress: StoredProgress
