"""Cram sessions: study the cards of any search without touching their schedule.

As Mnemosyne's cram scheduler, a cram session goes through a set of cards once, in a shuffled
order; a card answered Again comes back a few cards later, Hard a little later, Good or Easy
is done. No memory state, due date or count changes: each answer is logged as a cram answer
(``review.kind`` 1, DECISIONS 4), so statistics can show it apart and the optimizer, true
retention and the daily limits never see it. Suspend, bury, flags and "Not now" work as in a
scheduled review, and every answer can be undone.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime, tzinfo

from studyapp.core.model import CardId, MemoryState, Rating
from studyapp.core.search import parse
from studyapp.core.studyday import utc_now
from studyapp.services.search import CardSearch
from studyapp.services.settings import Settings
from studyapp.services.study import (
    AnswerPreview,
    CardView,
    SessionSummary,
    StudyScope,
    StudySession,
)
from studyapp.services.undo import UndoLog, UndoStep
from studyapp.store import queries
from studyapp.store.database import Db, Engine
from studyapp.store.queries import CardCounts
from studyapp.store.steering import CRAM

__all__ = ["AGAIN_GAP", "HARD_GAP", "CramSession", "cram_query"]

AGAIN_GAP = 3
"""Cards shown before a card answered Again comes back."""
HARD_GAP = 8
"""Cards shown before a card answered Hard comes back."""

_LABELS = {
    Rating.AGAIN: "again soon",
    Rating.HARD: "again later",
    Rating.GOOD: "done",
    Rating.EASY: "done",
}


def cram_query(query: str) -> str:
    """The search a cram session draws from: ``query``'s cards, less retired and suspended
    ones (buried cards are crammed: burying only keeps them out of the day's queues).

    Raises:
        SearchError: ``query`` is malformed (its own columns, not the wrapper's).
    """
    parse(query)
    exclude = "-is:retired -is:suspended"
    return f"({query}) {exclude}" if query.strip() else exclude


class CramSession(StudySession):
    """A :class:`StudySession` over the cards of a search, changing no schedule.

    Args:
        engine: the store.
        settings: the trainee's settings (the rollover hour; no limit applies to cramming).
        query: the search (docs/search.md) whose cards to cram.
        clock, monotonic, tz, undo_log: as for :class:`StudySession`.
        seed: the shuffle's seed (tests pass one; by default a fresh order each time).
    """

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        query: str,
        *,
        clock: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        tz: tzinfo | None = None,
        undo_log: UndoLog | None = None,
        seed: int | None = None,
    ) -> None:
        label = f"Cram: {query.strip()}" if query.strip() else "Cram: every card"
        super().__init__(
            engine,
            settings,
            StudyScope(None, label),
            clock=clock,
            monotonic=monotonic,
            tz=tz,
            undo_log=undo_log,
        )
        self.query = query
        search = CardSearch(engine, settings, clock=clock, tz=tz)
        ids = search.search(cram_query(query))
        random.Random(seed).shuffle(ids)
        self._queue: list[CardId] = [CardId(i) for i in ids]
        self.total = len(ids)
        self.summary.cram = True

    # -- the queue -------------------------------------------------------------------------
    def next_card(self) -> CardView | None:
        """The next card of the cram queue; None when every card is done."""
        self._current = None
        while self._queue and self._current is None:
            card_id = self._queue.pop(0)
            try:
                view = self._load_view(card_id)
            except LookupError:
                continue
            if view.suspended or view.retired:
                continue  # suspended (say, from the browser) since the cram started
            self._current = view
        self._shown_at = self._monotonic()
        return self._current

    def counts(self) -> CardCounts:
        """Cards still to go through (all counted as reviews: cramming has no new cards)."""
        return CardCounts(review=len(self._queue) + (self._current is not None))

    def preview(self, card: CardView | None = None) -> dict[Rating, AnswerPreview]:
        """What each grade does in a cram session; the card's state stays as it is."""
        card = card or self._current
        if card is None:
            return {}
        return {rating: AnswerPreview(rating, card.state, _LABELS[rating]) for rating in Rating}

    def answer(self, rating: Rating, *, duration_ms: int | None = None) -> MemoryState:
        """Log a cram answer (kind 1: no state, due date or count changes) and requeue the
        card if it was not known; returns the card's unchanged state."""
        card = self._answered_card()
        rating = Rating(rating)
        duration_ms = self._answer_time(duration_ms)
        now = self.now()
        with queries.write_transaction(self._db) as db:
            state = queries.load_state(db, card.card_id)
            review_id = queries.apply_answer(
                db,
                card_id=card.card_id,
                before=state,
                after=state,
                rating=int(rating),
                reviewed_at_ms=int(now.timestamp() * 1000),
                duration_ms=duration_ms,
                kind=CRAM,
            )
        gap = {Rating.AGAIN: AGAIN_GAP, Rating.HARD: HARD_GAP}.get(rating)
        if gap is not None:
            self._queue.insert(min(gap, len(self._queue)), card.card_id)
        requeued = gap is not None

        def revert(db: Db) -> None:
            queries.undo_answer(db, review_id)

        def after() -> None:
            if requeued and card.card_id in self._queue:
                self._queue.remove(card.card_id)
            self.summary.studied -= 1
            self.summary.seconds -= duration_ms / 1000
            self.summary.ratings[int(rating)] -= 1
            if rating is Rating.AGAIN:
                self.summary.again -= 1

        self.undo_log.push(
            UndoStep("cram answer", (card.card_id,), revert, after=after, show_again=True)
        )
        self.leech_notice = None
        self.summary.studied += 1
        self.summary.seconds += duration_ms / 1000
        self.summary.ratings[int(rating)] += 1
        if rating is Rating.AGAIN:
            self.summary.again += 1
        self._current = None
        return state

    def undo(self) -> CardView | None:
        """As a study session's undo; the card on screen then goes back to the front of the
        queue, after the card the undo brings back."""
        shown = self._current
        step = self.undo_log.peek()
        card = super().undo()
        if (
            step is not None
            and step.show_again
            and shown is not None
            and card is not None
            and shown.card_id != card.card_id
        ):
            self._queue.insert(0, shown.card_id)
        return card

    def finish(self) -> SessionSummary:
        """The summary of the cram session (no due dates: none changed)."""
        self.summary.next_due = None
        self.summary.due_tomorrow = None
        return self.summary
