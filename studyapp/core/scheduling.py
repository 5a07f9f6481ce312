"""FSRS scheduling as a pure function over :class:`MemoryState` (the only ``fsrs`` importer)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import fsrs

from studyapp.core.model import MemoryState, Queue, Rating
from studyapp.core.studyday import require_utc

__all__ = ["SchedulerConfig", "Scheduler", "format_interval"]

_FSRS_STATE = {
    Queue.LEARNING: fsrs.State.Learning,
    Queue.REVIEW: fsrs.State.Review,
    Queue.RELEARNING: fsrs.State.Relearning,
}


@dataclass(frozen=True)
class SchedulerConfig:
    """User-facing scheduling settings.

    Attributes:
        desired_retention: the probability of recall FSRS aims for at each review.
        learning_steps: minutes between the first answers of a new card.
        relearning_steps: minutes between answers after a lapse.
        maximum_interval: the longest interval in days.
        fuzz: spread review dates a little so cards learned together do not stay together.
        parameters: FSRS weights; the published defaults unless fitted to the user's reviews.
    """

    desired_retention: float = 0.90
    learning_steps: tuple[float, ...] = (1.0, 10.0)
    relearning_steps: tuple[float, ...] = (10.0,)
    maximum_interval: int = 36500
    fuzz: bool = True
    parameters: tuple[float, ...] = field(
        default_factory=lambda: tuple(fsrs.Scheduler().parameters)
    )

    def __post_init__(self) -> None:
        if not 0.7 <= self.desired_retention <= 0.99:
            raise ValueError("desired retention must be between 0.70 and 0.99")
        if any(step <= 0 for step in (*self.learning_steps, *self.relearning_steps)):
            raise ValueError("learning and relearning steps must be positive minutes")


class Scheduler:
    """Computes the next memory state of a card for a rating. Never touches storage."""

    def __init__(self, config: SchedulerConfig | None = None) -> None:
        self.config = config or SchedulerConfig()
        c = self.config
        self._fsrs = fsrs.Scheduler(
            parameters=c.parameters,
            desired_retention=c.desired_retention,
            learning_steps=tuple(timedelta(minutes=m) for m in c.learning_steps),
            relearning_steps=tuple(timedelta(minutes=m) for m in c.relearning_steps),
            maximum_interval=c.maximum_interval,
            enable_fuzzing=c.fuzz,
        )

    @staticmethod
    def _to_fsrs(state: MemoryState, now: datetime) -> fsrs.Card:
        # card_id is passed explicitly: fsrs.Card() without one sleeps 1 ms to make a unique id.
        if state.queue is Queue.NEW:
            return fsrs.Card(card_id=1, state=fsrs.State.Learning, step=0, due=now)
        return fsrs.Card(
            card_id=1,
            state=_FSRS_STATE[state.queue],
            step=state.step,
            stability=state.stability,
            difficulty=state.difficulty,
            due=state.due or now,
            last_review=state.last_review,
        )

    def review(self, state: MemoryState, rating: Rating, now: datetime) -> MemoryState:
        """The state after answering ``rating`` at ``now`` (an aware datetime)."""
        now = require_utc(now)
        card, _log = self._fsrs.review_card(
            self._to_fsrs(state, now), fsrs.Rating(int(rating)), review_datetime=now
        )
        lapsed = state.queue is Queue.REVIEW and rating is Rating.AGAIN
        return MemoryState(
            queue=Queue(int(card.state)),
            step=card.step,
            stability=card.stability,
            difficulty=card.difficulty,
            due=card.due.astimezone(UTC),
            last_review=now,
            reps=state.reps + 1,
            lapses=state.lapses + (1 if lapsed else 0),
        )

    def preview(self, state: MemoryState, now: datetime) -> dict[Rating, MemoryState]:
        """The state each rating would give, for the interval labels on the grade buttons."""
        return {rating: self.review(state, rating, now) for rating in Rating}

    def retrievability(self, state: MemoryState, now: datetime) -> float | None:
        """Estimated probability of recalling the card at ``now``; None for a new card."""
        if state.queue is Queue.NEW or state.stability is None:
            return None
        return float(self._fsrs.get_card_retrievability(self._to_fsrs(state, now), now))


def format_interval(delta: timedelta) -> str:
    """A short, Anki-style interval: ``<1m``, ``10m``, ``3h``, ``4d``, ``2.5mo``, ``1.2y``."""
    seconds = delta.total_seconds()
    if seconds < 60:
        return "<1m"
    minutes = seconds / 60
    if minutes < 60:
        return f"{round(minutes)}m"
    hours = minutes / 60
    if hours < 24:
        return f"{round(hours)}h"
    days = hours / 24
    if days < 30:
        return f"{round(days)}d"
    months = days / 30.4375
    if months < 12:
        return f"{months:.1f}".rstrip("0").rstrip(".") + "mo"
    years = days / 365.25
    return f"{years:.1f}".rstrip("0").rstrip(".") + "y"
