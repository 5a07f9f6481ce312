"""What today allows: the cards studied so far this study day, each deck's daily limits
left, and the :class:`~studyapp.store.queries.DueQuery` a scope's cards are counted and
picked by.

A study session keeps one :class:`Today` for its day; the overview reads one for every deck
(:mod:`studyapp.services.overview`). Both go through these functions, so the overview's
counts are the ones a session starting now would give. This module imports no SQLAlchemy:
the start-up's first frame reads it on a plain ``sqlite3`` connection.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import msgspec

from studyapp.core.studyday import StudyDay
from studyapp.services.settings import Settings
from studyapp.store import queries
from studyapp.store.plain import Db
from studyapp.store.presets import Preset, presets_of_decks
from studyapp.store.queries import DueQuery

__all__ = ["Today", "due_query", "read_today"]


class Today(msgspec.Struct):
    """What is known about the current study day for a scope of decks (a study session
    keeps one for its day, see :class:`~studyapp.services.study.StudySession`)."""

    day_start_ms: int
    done: dict[str, list[int]]
    """Per deck: [new cards introduced, reviews answered] today."""
    touched: set[str]
    presets: dict[str, Preset]
    """The preset of each deck in the scope (their daily limits)."""
    held_modules: tuple[int, ...] = ()
    """Course modules not released today: their new cards wait."""
    totals: list[int] = []
    """[new cards, reviews] answered today, all decks together."""
    lefts: list[dict[str, int]] = []
    """[new cards, reviews] each deck of the scope still allows today (see :meth:`left`)."""
    # totals and lefts are made from the fields above (__post_init__): values given for them
    # are replaced (a dataclass's init=False fields, which a Struct has no form for).

    # The totals and allowances are kept up to date by count() rather than summed over
    # every deck before each card (two dicts of 50 decks at 50,000 notes, 200 at 200,000):
    # with one clock read and the remembered study day, the due query 18.8 -> 4.1 µs at
    # 10 decks (hot loop, busy machine); at 200 decks it is most of the 200k cycle's gain.
    def __post_init__(self) -> None:
        self.totals = [sum(counts[i] for counts in self.done.values()) for i in (0, 1)]
        self.lefts = [self._allowances(0), self._allowances(1)]

    def _limit(self, preset: Preset, index: int) -> int:
        return preset.new_per_day if index == 0 else preset.reviews_per_day

    def _allowances(self, index: int) -> dict[str, int]:
        return {
            deck: max(0, self._limit(preset, index) - self.done.get(deck, [0, 0])[index])
            for deck, preset in self.presets.items()
        }

    def total(self, index: int) -> int:
        return self.totals[index]

    def left(self, index: int) -> dict[str, int]:
        """Per deck of the scope: what its own limit still allows today (a fresh dict: a
        count replaces it, never changes one handed out)."""
        return self.lefts[index]

    def count(self, deck: str, index: int) -> None:
        """One more new card (``index`` 0) or review (1) answered today in ``deck``."""
        counts = self.done.setdefault(deck, [0, 0])
        counts[index] += 1
        self.totals[index] += 1
        preset = self.presets.get(deck)
        if preset is not None:
            left = dict(self.lefts[index])
            left[deck] = max(0, self._limit(preset, index) - counts[index])
            self.lefts[index] = left


def read_today(
    db: Db,
    *,
    day_start_ms: int,
    deck_ids: Sequence[str] | None,
    local_date: str,
    current_module: int,
) -> Today:
    """The study day starting at ``day_start_ms`` for the decks ``deck_ids`` (None: all);
    ``local_date`` (YYYY-MM-DD, where the trainee is) decides which modules are released."""
    done = {
        deck: list(counts)
        for deck, counts in queries.done_today(db, day_start_ms=day_start_ms).items()
    }
    touched = queries.touched_notes(db, day_start_ms=day_start_ms)
    decks = presets_of_decks(db, deck_ids)
    held = queries.held_modules(db, today=local_date, current=current_module)
    return Today(day_start_ms, done, touched, decks, held)


def due_query(
    settings: Settings,
    today: Today,
    *,
    now: datetime,
    day: StudyDay,
    deck_ids: tuple[str, ...] | None,
    module: int | None,
) -> DueQuery:
    """What is due at ``now`` in the scope (``deck_ids``, ``module``), within the daily
    limits (all decks' from ``settings``, each deck's from its preset) less ``today``'s."""
    return DueQuery(
        now=int(now.timestamp()),
        day_start_ms=today.day_start_ms,
        day_end=day.end_s,
        deck_ids=deck_ids,
        new_left=max(0, settings.new_per_day - today.total(0)),
        reviews_left=max(0, settings.reviews_per_day - today.total(1)),
        deck_new_left=today.left(0),
        deck_reviews_left=today.left(1),
        held_modules=today.held_modules,
        module=module,
    )
