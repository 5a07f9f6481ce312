"""Value types shared by every layer: ids, queues, ratings and a card's memory state."""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum
from typing import NewType

import msgspec

from studyapp.core.cloze import cloze_keys

__all__ = [
    "FLAG_NAMES",
    "CardId",
    "MemoryState",
    "NoteId",
    "Queue",
    "Rating",
    "card_keys",
]

CardId = NewType("CardId", int)
"""Row id of one studyable card (one direction of a note, or one cloze deletion)."""

NoteId = NewType("NoteId", str)
"""The author-owned stable id of a card entry in a deck file."""

FLAG_NAMES = {1: "red", 2: "orange", 3: "green", 4: "blue"}
"""The four flags, numbered as Anki numbers them (0 is no flag)."""


class Queue(IntEnum):
    """Where a card stands, as Anki's card types: NEW means never answered."""

    NEW = 0
    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3


class Rating(IntEnum):
    """The four grades, as in Anki and FSRS."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4

    @property
    def label(self) -> str:
        return self.name.capitalize()


class MemoryState(msgspec.Struct, frozen=True):
    """Everything the scheduler needs to resume a card, plus counters.

    ``due`` and ``last_review`` are aware UTC datetimes; a NEW card has no stability,
    difficulty, step or last review. ``step`` is the position in the (re)learning steps;
    ``interval`` the scheduled interval in days of a review card (kept through relearning,
    0 while learning), as Anki's ``ivl``: fuzz must not shrink the next one below it.
    """

    queue: Queue = Queue.NEW
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = None
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0
    interval: int = 0


def card_keys(kind: str, text: str = "") -> list[str]:
    """The keys of the cards a note of ``kind`` makes (see docs/deck-format.md): a cloze
    note's are the deletion keys of its ``text``."""
    if kind == "basic":
        return ["fwd"]
    if kind == "reversed":
        return ["fwd", "rev"]
    if kind == "cloze":
        return cloze_keys(text)
    raise ValueError(f"unknown card type {kind!r}")
