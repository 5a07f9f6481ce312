"""One undo history per library, as Anki keeps one per collection.

Answers, suspending, burying, flagging, "Not now", and the browser's bulk actions each push
an :class:`UndoStep` that knows how to put the store back as it was. Ctrl+Z anywhere takes
back the newest step, whichever screen made it, so an answer can still be undone from the
summary or the deck list after a session ends.
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from studyapp.core.model import CardId
from studyapp.store.database import Db
from studyapp.store.queries import write_transaction

__all__ = ["UndoLog", "UndoStep"]


class UndoStep(msgspec.Struct, frozen=True):
    """One change that can be taken back.

    Attributes:
        label: what it was, for "Undo <label>" (e.g. ``answer``, ``suspend``).
        card_ids: the cards it changed.
        revert: puts the store back; runs inside a write transaction on the given
            connection, and must not commit.
        after: bookkeeping once the revert is committed (a session's counts), or None.
        show_again: whether the review screen shows the card again after the undo (an
            answer, a suspend in review), rather than staying on its current card.
    """

    label: str
    card_ids: tuple[CardId, ...]
    revert: Callable[[Db], None]
    after: Callable[[], None] | None = None
    show_again: bool = False
    owner: object | None = None
    """The object that made the step (a study session), for its own bookkeeping. Compared
    with the rest (it was left out of a dataclass's ``==``; no code compares steps)."""


class UndoLog:
    """The newest steps last, at most ``limit`` of them (the oldest are forgotten)."""

    def __init__(self, limit: int = 100) -> None:
        self._steps: list[UndoStep] = []
        self._limit = limit

    def push(self, step: UndoStep) -> None:
        self._steps.append(step)
        if len(self._steps) > self._limit:
            del self._steps[0]

    @property
    def can_undo(self) -> bool:
        return bool(self._steps)

    def peek(self) -> UndoStep | None:
        """The step Ctrl+Z would take back, without taking it."""
        return self._steps[-1] if self._steps else None

    def steps(self) -> tuple[UndoStep, ...]:
        return tuple(self._steps)

    def undo(self, db: Db) -> UndoStep | None:
        """Take back the newest step on ``db`` (one write transaction); None if none.

        If the revert fails, the step stays in the log and the error propagates.
        """
        if not self._steps:
            return None
        step = self._steps[-1]
        with write_transaction(db):
            step.revert(db)
        self._steps.pop()
        if step.after is not None:
            step.after()
        return step

    def clear(self) -> None:
        self._steps.clear()
