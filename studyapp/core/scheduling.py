"""FSRS scheduling as a pure function over :class:`MemoryState` (the only FSRS importer:
``fsrs`` and ``fsrs_rs_python``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import fsrs
import fsrs_rs_python as fsrs_rs

from studyapp.core.model import MemoryState, Queue, Rating
from studyapp.core.studyday import require_utc

__all__ = ["NewCardsOutlook", "SchedulerConfig", "Scheduler", "format_interval"]

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
        self._decay = -c.parameters[20]
        self._factor = 0.9 ** (1 / self._decay) - 1
        self._rs = fsrs_rs.FSRS(list(c.parameters))

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
        if state.queue is Queue.NEW or state.stability is None or state.last_review is None:
            return None
        return self.recall_between(
            state.stability, int(state.last_review.timestamp()), int(require_utc(now).timestamp())
        )

    def retrievability_many(
        self, cards: Iterable[tuple[float, int]], now: datetime
    ) -> Iterator[float]:
        """:meth:`retrievability` at ``now`` of many cards at once, each given as (stability,
        last review in epoch seconds): the same curve and day count, for statistics over a
        whole collection without a :class:`MemoryState` per card."""
        moment = int(require_utc(now).timestamp())
        # recall_after and days_between inlined (a test holds them equal): this runs once
        # per card of a collection, and three calls a card were most of the time.
        factor, decay = self._factor, self._decay
        for stability, last_review in cards:
            days = max(0, (moment - last_review) // 86_400)
            yield (1 + factor * days / stability) ** decay

    def recall_between(self, stability: float, last_review: int, moment: int) -> float:
        """Retrievability at ``moment`` of a card last reviewed at ``last_review`` (both epoch
        seconds), counting the days between them as FSRS does (:meth:`days_between`)."""
        return self.recall_after(stability, self.days_between(last_review, moment))

    @staticmethod
    def days_between(last_review: int, moment: int) -> int:
        """The days FSRS counts from a review to a moment (epoch seconds): as py-fsrs counts
        them, whole 24-hour periods."""
        return max(0, (moment - last_review) // 86_400)

    def recall_after(self, stability: float, days: float) -> float:
        """FSRS's forgetting curve: the probability of recall ``days`` after the last review
        of a card of this ``stability``. Every retrievability above comes from here."""
        return float((1 + self._factor * max(0.0, days) / stability) ** self._decay)

    # -- projection (statistics, readiness) -----------------------------------------------
    def after_good(
        self, stability: float, difficulty: float, elapsed_days: int
    ) -> tuple[float, float, int]:
        """A review card answered Good ``elapsed_days`` after its last review: its new
        stability and difficulty and the interval in days it is given (no fuzz), by FSRS's
        reference engine (``fsrs-rs``, Anki's). For projections over many cards."""
        states = self._rs.next_states(
            fsrs_rs.MemoryState(stability, difficulty),
            self.config.desired_retention,
            max(0, int(elapsed_days)),
        )
        good = states.good
        interval = min(self.config.maximum_interval, max(1, round(good.interval)))
        return good.memory.stability, good.memory.difficulty, interval

    def simulate_new_cards(
        self, count: int, per_day: int, days: int, *, seed: int = 42
    ) -> NewCardsOutlook:
        """FSRS's own simulator (``fsrs_rs_python.simulate``): ``count`` new cards introduced
        ``per_day`` a day from today (day 0) and then reviewed whenever due, for ``days``
        days. Learning and review answers are drawn with the simulator's default rating
        shares (fitted on Anki users' logs); no daily review limit, no time limit.
        """
        count = min(count, per_day * days)
        if count <= 0:
            return NewCardsOutlook(0, 0.0, (0.0,) * days, (0.0,) * days)
        config = fsrs_rs.default_simulator_config()
        config.deck_size = count
        config.learn_span = days + 1
        config.learn_limit = per_day
        config.max_cost_perday = 1e12
        config.max_ivl = float(self.config.maximum_interval)
        config.learning_step_count = len(self.config.learning_steps)
        config.relearning_step_count = len(self.config.relearning_steps)
        result = fsrs_rs.simulate(
            list(self.config.parameters), self.config.desired_retention, config, seed
        )
        introduced = int(result.introduced_cnt_per_day[days])
        recalled = float(result.memorized_cnt_per_day[days])
        return NewCardsOutlook(
            introduced=introduced,
            recalled_at_end=recalled,
            reviews_per_day=tuple(float(n) for n in result.review_cnt_per_day[:days]),
            learned_per_day=tuple(float(n) for n in result.learn_cnt_per_day[:days]),
        )


@dataclass(frozen=True, slots=True)
class NewCardsOutlook:
    """What :meth:`Scheduler.simulate_new_cards` expects on the last day and before it.

    Attributes:
        introduced: cards introduced by the last day (day ``days``, not counted).
        recalled_at_end: expected number of them recalled on the last day.
        reviews_per_day: expected review answers on each day before the last.
        learned_per_day: cards introduced on each day before the last.
    """

    introduced: int
    recalled_at_end: float
    reviews_per_day: tuple[float, ...]
    learned_per_day: tuple[float, ...]


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
