"""The review state machine: question shown, answer revealed, graded, undone, finished.

Toolkit-neutral, as Mnemosyne splits ``SM2_controller`` from its ``ReviewWidget``: the review
screen forwards the trainee's intents (reveal, grade, undo, leave) to a
:class:`ReviewController` and draws what it says (:attr:`~ReviewController.state`,
:attr:`~ReviewController.card`, :meth:`~ReviewController.previews`). The rules, such as
"no grade before the answer is shown", live here and are tested without Qt.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import assert_never

from studyapp.core.model import Rating
from studyapp.services.study import (
    FLAG_NAMES,
    AnswerPreview,
    CardView,
    SessionSummary,
    StudySession,
)

__all__ = ["ReviewController", "ReviewState"]


class ReviewState(Enum):
    """Where a review stands."""

    CONTENT_NOTE = "content note"
    """A sensitive card's content note is shown before its question, with "Not now" beside
    it; showing the card (as revealing does) moves on to its question."""
    QUESTION = "question"
    """A card's question is shown; revealing is the only way on to grading."""
    ANSWER = "answer"
    """The card's answer is shown; a grade commits the review and shows the next card."""
    FINISHED = "finished"
    """No card is left today in the scope, or the trainee left."""


class ReviewController:
    """Drives one :class:`StudySession` through the review states.

    Each intent returns True when it changed what should be shown, False when the state
    does not allow it (a grade while the question is shown, a reveal twice); it never
    raises for a key pressed at the wrong moment. Every answer is committed by the session
    before :meth:`grade` returns.

    To add an intent (suspend, bury, "Not now", a flag): a method that matches on
    :attr:`state` (ending in ``assert_never``), calls the session, and then either stays
    (return True to redraw) or moves on with :meth:`_show_next`.

    Args:
        session: the session to study; the controller shows its first card at once.
    """

    def __init__(self, session: StudySession) -> None:
        self.session = session
        self._state = ReviewState.FINISHED
        self._card: CardView | None = None
        self._summary: SessionSummary | None = None
        self._notice: str | None = None
        self._show_next()

    # -- what to show ----------------------------------------------------------------------
    @property
    def state(self) -> ReviewState:
        return self._state

    @property
    def card(self) -> CardView | None:
        """The card being shown; None once finished."""
        return self._card

    @property
    def revealed(self) -> bool:
        return self._state is ReviewState.ANSWER

    @property
    def notice(self) -> str | None:
        """A line about what the last intent did ("Suspended", a leech), or None."""
        return self._notice

    @property
    def summary(self) -> SessionSummary:
        """What the session did (with the next due time once finished)."""
        return self._summary or self.session.summary

    @property
    def can_undo(self) -> bool:
        return self.session.can_undo

    def previews(self) -> dict[Rating, AnswerPreview]:
        """The interval each grade would give, once the answer is shown; else nothing."""
        match self._state:
            case ReviewState.ANSWER:
                assert self._card is not None
                return self.session.preview(self._card)
            case ReviewState.CONTENT_NOTE | ReviewState.QUESTION | ReviewState.FINISHED:
                return {}
            case _:
                assert_never(self._state)

    def refresh(self) -> bool:
        """Re-read the shown card (after the trainee edited their note, say)."""
        if self._card is None:
            return False
        self._card = self.session.card_view(self._card.card_id)
        return True

    # -- intents ---------------------------------------------------------------------------
    def reveal(self) -> bool:
        """Show the answer of the card whose question is shown (or, past a content note,
        the card's question)."""
        match self._state:
            case ReviewState.CONTENT_NOTE:
                self._state, self._notice = ReviewState.QUESTION, None
                return True
            case ReviewState.QUESTION:
                self._state, self._notice = ReviewState.ANSWER, None
                return True
            case ReviewState.ANSWER | ReviewState.FINISHED:
                return False
            case _:
                assert_never(self._state)

    def grade(self, rating: Rating) -> bool:
        """Commit ``rating`` for the shown card and show the next; only after the reveal."""
        match self._state:
            case ReviewState.ANSWER:
                self.session.answer(rating)
                leech = self.session.leech_notice
                self._show_next()
                self._notice = None if leech is None else leech.message
                return True
            case ReviewState.CONTENT_NOTE | ReviewState.QUESTION | ReviewState.FINISHED:
                return False
            case _:
                assert_never(self._state)

    def undo(self) -> bool:
        """Take back the session's last answer: that card's question is shown again.

        Allowed in every state; the card that was on screen goes back to the queue unanswered.
        """
        match self._state:
            case (
                ReviewState.CONTENT_NOTE
                | ReviewState.QUESTION
                | ReviewState.ANSWER
                | ReviewState.FINISHED
            ):
                label = self.session.undo_label
                if label is None:
                    return False
                card = self.session.undo()
                if card is None:
                    return False
                self._summary = None
                self._present(card)
                self._notice = f"Undone: {label}"  # (as the other lines there: no full stop)
                return True
            case _:
                assert_never(self._state)

    def leave(self) -> SessionSummary:
        """Stop here (the shown card stays unanswered); the session's summary."""
        match self._state:
            case (
                ReviewState.CONTENT_NOTE
                | ReviewState.QUESTION
                | ReviewState.ANSWER
                | ReviewState.FINISHED
            ):
                early = self._state is not ReviewState.FINISHED
                self._finish()
                assert self._summary is not None
                if early and not self._summary.cram:
                    # The card on screen and the rest of today's are still to study: the
                    # summary must not read "complete, next review in 10 min".
                    self._summary.left_today = self.session.remaining()
                return self._summary
            case _:
                assert_never(self._state)

    def suspend(self) -> bool:
        """Suspend the shown card (``@``) and show the next."""
        return self._set_aside(self.session.suspend_current, "Suspended")

    def bury(self) -> bool:
        """Bury the shown card until tomorrow (``-``) and show the next."""
        return self._set_aside(self.session.bury_current, "Buried until tomorrow")

    def not_now(self) -> bool:
        """Put the shown card off to a later day (``L``): no review, no lapse."""
        return self._set_aside(self.session.not_now, "Not now: it comes back on a later day")

    def toggle_flag(self, flag: int) -> bool:
        """Flag the shown card (Ctrl+1..4), or unflag it; the card stays on screen."""
        match self._state:
            case ReviewState.CONTENT_NOTE | ReviewState.QUESTION | ReviewState.ANSWER:
                if not self.session.toggle_flag(flag):
                    return False
                self._card = self.session.current
                assert self._card is not None
                name = FLAG_NAMES[flag]
                self._notice = (
                    f"Flagged {name}"
                    if self._card.flag == flag
                    else f"{name.capitalize()} flag removed"
                ) + " · Ctrl+Z undoes"
                return True
            case ReviewState.FINISHED:
                return False
            case _:
                assert_never(self._state)

    def _set_aside(self, action: Callable[[], bool], done: str) -> bool:
        match self._state:
            case ReviewState.CONTENT_NOTE | ReviewState.QUESTION | ReviewState.ANSWER:
                if not action():
                    return False
                self._show_next()
                self._notice = f"{done} · Ctrl+Z undoes"
                return True
            case ReviewState.FINISHED:
                return False
            case _:
                assert_never(self._state)

    # -- transitions -----------------------------------------------------------------------
    def _present(self, card: CardView) -> None:
        """Show ``card`` from its start: its content note first if it is sensitive."""
        self._card = card
        self._state = ReviewState.CONTENT_NOTE if card.sensitive else ReviewState.QUESTION

    def _show_next(self) -> None:
        self._notice = None
        card = self.session.next_card()
        if card is None:
            self._finish()
        else:
            self._present(card)

    def _finish(self) -> None:
        self._card = None
        self._state = ReviewState.FINISHED
        self._summary = self.session.finish()
        self._summary.left_today = 0  # (an earlier Esc, undone since, set it; leave() sets it)
