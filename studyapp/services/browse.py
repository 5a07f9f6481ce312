"""The card browser, headless: searches, a card's full details, and actions on a selection.

Every action works on any number of selected cards in one transaction, and goes on the
library's undo history (Ctrl+Z in the browser, or anywhere else, takes it back). Forget and
set due date are manual changes: each card gets a review row of kind 2 that records the
change with the state before (DECISIONS 4), so history is kept and the change is undoable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from studyapp.core.model import CardId, Queue
from studyapp.core.scheduling import Scheduler
from studyapp.core.studyday import study_day, utc_now
from studyapp.services.render import CitationIndex
from studyapp.services.search import CardSearch, SearchItem, SearchResults
from studyapp.services.study import (
    FLAG_NAMES,
    CardView,
    HistoryEntry,
    build_card_view,
    describe_memory,
    history_entries,
    shown_image,
)
from studyapp.services.text import describe_day, describe_moment, describe_stability
from studyapp.services.undo import UndoStep
from studyapp.store import browse as stored
from studyapp.store import queries, steering
from studyapp.store.database import Db, pooled_connection
from studyapp.store.queries import write_transaction
from studyapp.store.rows import SourceRow
from studyapp.store.steering import SteeringState

if TYPE_CHECKING:
    from studyapp.services.library import Library

__all__ = ["ActionResult", "CardBrowser", "CardInfo", "Link"]


@dataclass(frozen=True, slots=True)
class Link:
    """Another card the info panel points to, by its question (never by an id)."""

    card_id: CardId
    question: str


@dataclass(frozen=True, slots=True)
class CardInfo:
    """Everything the browser's info panel shows about one card."""

    card: CardView
    retrievability: float | None
    memory: tuple[str, ...]
    """The memory state in plain words (stability, difficulty, retrievability, due)."""
    states: tuple[str, ...]
    """Steering states in words: ``Suspended``, ``Red flag``, ``Leech``, ..."""
    history: tuple[HistoryEntry, ...]
    successor: Link | None
    """The card that replaced this retired one."""
    predecessors: tuple[Link, ...]
    """Retired cards this one replaced."""
    inherited: tuple[HistoryEntry, ...]
    """The reviews of a predecessor whose progress this card took over (it has none of its
    own for them)."""
    module: str = ""
    """The card's course module, 'Module 3: What the trials show' ('' without one)."""
    history_text: str = ""
    """The reviews in words, a line each (the inherited ones first), dates as the card
    details dialog writes them."""


@dataclass(frozen=True, slots=True)
class ActionResult:
    """What an action did: ``changed`` cards (``skipped`` left alone, with why)."""

    label: str
    changed: int
    skipped: int = 0
    why_skipped: str = ""

    @property
    def message(self) -> str:
        cards = f"{self.changed} card{'s' if self.changed != 1 else ''}"
        text = f"{self.label.capitalize()}: {cards} · Ctrl+Z undoes"
        if self.skipped:
            text += f" · {self.skipped} left alone ({self.why_skipped})"
        return text


class CardBrowser:
    """The browser's service over a library (one per browser window).

    Args:
        library: the library (its engine, settings and undo history).
        clock: the current time (tests pass a fixed one).
        tz: the local time zone (the system's when None).
    """

    def __init__(
        self,
        library: Library,
        *,
        clock: Callable[[], datetime] = utc_now,
        tz: tzinfo | None = None,
    ) -> None:
        self._library = library
        self._clock = clock
        self._tz = tz
        self.search = CardSearch(library.engine, library.settings, clock=clock, tz=tz)
        self._scheduler = Scheduler(library.settings.scheduler_config(), tz=tz)

    @property
    def store_path(self) -> Path:
        """The study store browsed (named in its storage errors)."""
        return self._library.store_path

    @contextmanager
    def _db(self) -> Iterator[Db]:
        with pooled_connection(self._library.engine) as db:
            yield db

    # -- searching -------------------------------------------------------------------------
    def find(self, query: str, *, sort: str = "due", descending: bool = False) -> list[int]:
        """The cards ``query`` matches, in order (raises ``SearchError`` if malformed)."""
        return self.search.search(query, sort=sort, descending=descending)

    def results(self, query: str, *, sort: str = "due", descending: bool = False) -> SearchResults:
        """How many cards ``query`` matches and the first of them, in order; the rest as
        they are asked for (raises ``SearchError`` if malformed)."""
        return self.search.results(query, sort=sort, descending=descending)

    def items(self, card_ids: Sequence[int]) -> list[SearchItem]:
        return self.search.items(card_ids)

    # -- a card's details --------------------------------------------------------------------
    def _bibliography(self, db: Db) -> tuple[dict[str, SourceRow], CitationIndex]:
        # The search's: read each time, labels rebuilt only when the rows changed (a
        # sync while the browser is open shows its new citations; this kept the first
        # ones read for the window's life).
        return self.search.citations(db)

    def info(self, card_id: int) -> CardInfo:
        """The card's rendered question and answer, source and citations, its memory state
        and review history, its successor or predecessors, and the trainee's note.

        Raises:
            LookupError: there is no such card.
        """
        now = self._clock()
        with self._db() as db:
            sources, index = self._bibliography(db)
            row = queries.card_details(db, card_id)
            card = build_card_view(
                row,
                sources,
                index,
                critical_retention=self._library.settings.critical_retention,
                image=shown_image(db, row),
            )
            history = history_entries(queries.history(db, card_id))
            before = stored.predecessors(db, card.note_id)
            linked = stored.first_cards(
                db, [*before, *([card.replaced_by] if card.replaced_by else [])]
            )
            module = ""
            if card.module is not None:
                titles = {m.number: m.title for m in queries.course_modules(db)}
                module = f"Module {card.module}"
                if card.module in titles:
                    module += f": {titles[card.module]}"
            inherited: list[HistoryEntry] = []
            if before and card.state.reps > sum(1 for h in history if h.kind == 0):
                # Progress taken over from a predecessor: show its reviews too.
                for note in before:
                    if note in linked:
                        inherited += history_entries(queries.history(db, linked[note]))
        questions = {i.card_id: i.question for i in self.search.items(list(linked.values()))}
        successor = None
        if card.replaced_by and card.replaced_by in linked:
            target = linked[card.replaced_by]
            successor = Link(CardId(target), questions.get(target, ""))
        predecessors = tuple(
            Link(CardId(linked[n]), questions.get(linked[n], "")) for n in before if n in linked
        )
        recall = self._scheduler.retrievability(card.state, now)
        return CardInfo(
            card=card,
            retrievability=recall,
            memory=tuple(describe_memory(card.state, recall, tz=self._tz)),
            states=tuple(self._states(card, now)),
            history=tuple(history),
            successor=successor,
            predecessors=predecessors,
            inherited=tuple(sorted(inherited, key=lambda h: h.reviewed_at)),
            module=module,
            history_text=_history_text(history, inherited, self._tz),
        )

    @staticmethod
    def _states(card: CardView, now: datetime) -> list[str]:
        states = []
        if card.retired:
            states.append("Retired")
        if card.suspended:
            states.append("Suspended")
        if card.buried_until > int(now.timestamp()):
            states.append("Buried until tomorrow")
        if card.flag:
            states.append(f"{FLAG_NAMES[card.flag].capitalize()} flag")
        if card.leech:
            states.append("Leech")
        if card.critical:
            states.append("Safety-critical")
        if card.sensitive:
            states.append("Sensitive material")
        return states

    def set_note(self, card_id: int, text: str) -> None:
        """Save the trainee's own note on the card's note (blank deletes it)."""
        with self._db() as db:
            note_id = queries.card_details(db, card_id).note.id
        self._library.set_user_note(note_id, text)

    # -- actions on a selection ----------------------------------------------------------------
    def _steer(
        self, label: str, card_ids: Sequence[int], change: Callable[[Db, list[int]], int]
    ) -> ActionResult:
        ids = list(dict.fromkeys(card_ids))
        with self._db() as db, write_transaction(db):
            before = steering.steering_states(db, ids)
            changed = change(db, ids)
        kept: list[SteeringState] = before

        def revert(db: Db) -> None:
            steering.restore_steering(db, kept)

        self._library.undo_log.push(UndoStep(label, tuple(CardId(i) for i in ids), revert))
        return ActionResult(label, changed)

    def suspend(self, card_ids: Sequence[int]) -> ActionResult:
        return self._steer(
            "suspend", card_ids, lambda db, ids: steering.set_suspended(db, ids, True)
        )

    def unsuspend(self, card_ids: Sequence[int]) -> ActionResult:
        return self._steer(
            "unsuspend", card_ids, lambda db, ids: steering.set_suspended(db, ids, False)
        )

    def bury(self, card_ids: Sequence[int]) -> ActionResult:
        """Out of the study queues until the current study day ends."""
        until = int(self._day_end())
        return self._steer("bury", card_ids, lambda db, ids: steering.set_buried(db, ids, until))

    def unbury(self, card_ids: Sequence[int]) -> ActionResult:
        return self._steer("unbury", card_ids, lambda db, ids: steering.set_buried(db, ids, 0))

    def flag(self, card_ids: Sequence[int], flag: int) -> ActionResult:
        """Give the cards flag 1-4, or 0 to take flags off."""
        if flag not in (0, *FLAG_NAMES):
            raise ValueError(f"no flag {flag}: use 0 (none) to 4")
        label = "remove flag" if flag == 0 else f"{FLAG_NAMES[flag]} flag"
        return self._steer(label, card_ids, lambda db, ids: steering.set_flag(db, ids, flag))

    def _manual(
        self, label: str, card_ids: Sequence[int], why: str, change: Callable[[Db], object]
    ) -> ActionResult:
        with self._db() as db, write_transaction(db):
            result = change(db)
        assert isinstance(result, steering.ManualChange)
        rows = result.review_ids

        def revert(db: Db) -> None:
            steering.undo_manual_changes(db, rows)

        self._library.undo_log.push(UndoStep(label, tuple(CardId(i) for i in card_ids), revert))
        return ActionResult(label, len(rows), result.skipped, why)

    def forget(self, card_ids: Sequence[int]) -> ActionResult:
        """Send the cards back to new (history and counts kept); the GUI confirms first."""
        at_ms = int(self._clock().timestamp() * 1000)
        ids = list(dict.fromkeys(card_ids))
        return self._manual(
            "forget",
            ids,
            "already new",
            lambda db: steering.forget(db, ids, at_ms=at_ms),
        )

    def set_due(self, card_ids: Sequence[int], days: int) -> ActionResult:
        """Make the cards due ``days`` study days from today (0: today), keeping their memory
        state, as Anki's "Set due date". New cards are left alone: nothing to move."""
        if not 0 <= days <= 36500:
            raise ValueError("the due date must be 0 (today) to 36500 days from today")
        now = self._clock()
        today = study_day(now, rollover_hour=self._library.settings.rollover_hour, tz=self._tz)
        target = (
            today
            if days == 0
            else study_day(
                today.start + timedelta(days=days, hours=12),
                rollover_hour=self._library.settings.rollover_hour,
                tz=self._tz,
            )
        )
        due = int(target.start.timestamp())
        at_ms = int(now.timestamp() * 1000)
        ids = list(dict.fromkeys(card_ids))
        return self._manual(
            "set due date",
            ids,
            "new cards have no schedule yet",
            lambda db: steering.set_due(db, ids, due=due, at_ms=at_ms),
        )

    def _day_end(self) -> float:
        day = study_day(
            self._clock(), rollover_hour=self._library.settings.rollover_hour, tz=self._tz
        )
        return day.end.timestamp()

    # -- undo ------------------------------------------------------------------------------
    @property
    def undo_label(self) -> str | None:
        step = self._library.undo_log.peek()
        return None if step is None else step.label

    def undo(self) -> UndoStep | None:
        """Take back the newest step of the library's undo history (any screen's)."""
        return self._library.undo()


def _history_line(entry: HistoryEntry, tz: tzinfo | None) -> str:
    """``1 Apr 2026, 09:05  Good · stability 2.3 days, difficulty 5.1 · due 3 Apr 2026``."""
    memory = ""
    if entry.stability is not None:
        memory = f" · stability {describe_stability(entry.stability)}"
        if entry.difficulty is not None:
            memory += f", difficulty {entry.difficulty:.1f}"
    due = ""
    if entry.queue_after is not Queue.NEW:
        due = f" · due {describe_day(entry.due.astimezone(tz).date())}"
    return f"{describe_moment(entry.reviewed_at, tz)}  {entry.label}{memory}{due}"


def _history_text(
    history: Sequence[HistoryEntry], inherited: Sequence[HistoryEntry], tz: tzinfo | None
) -> str:
    """The card's reviews newest first, as Anki's card info lists them, then those of the
    card it replaced (older still), newest first too."""
    parts: list[str] = []
    if history:
        parts.append("History (newest first):")
        parts += [_history_line(h, tz) for h in reversed(history)]
    if inherited:
        parts.append("Progress taken over from the card it replaced, whose reviews were:")
        parts += [
            _history_line(h, tz)
            for h in sorted(inherited, key=lambda h: h.reviewed_at, reverse=True)
        ]
    if not history and not inherited:
        parts.append("No reviews yet.")
    return "\n".join(parts)
