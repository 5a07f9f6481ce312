"""The statistics' figures computed after the first paint (answers by day, hours, memory,
coverage, steering): the dataclasses :class:`~studyapp.services.stats.Statistics`'s later
jobs return, apart from :mod:`studyapp.services.stats` so that Ctrl+T's first charts
(today's figures and the forecast, which need only ``Today`` and ``Forecast``) do not
create them on the GUI thread: the job that computes them imports this module on its
worker thread (issue 19: 15 frozen dataclasses; the figure is in
``studyapp/services/stats.py``, beside ``Today``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from studyapp.services.families import deck_title_in_family

if TYPE_CHECKING:
    from studyapp.services.stats import Today

__all__ = [
    "AnswerStats",
    "Calendar",
    "CardLine",
    "Coverage",
    "DeckCoverage",
    "FamilyCoverage",
    "Histogram",
    "Hours",
    "Memory",
    "ModuleCoverage",
    "RetentionPeriod",
    "Steering",
    "Streak",
    "TimeSpent",
    "TrueRetention",
]


@dataclass(frozen=True, slots=True)
class Streak:
    """Consecutive study days with at least one answer, ending today (or yesterday, while
    today is still open), the longest such run, and the days studied in the last year."""

    current: int
    longest: int
    studied_today: bool
    days_last_year: int


@dataclass(frozen=True, slots=True)
class Calendar:
    """Answers per study day for the last ``len(counts)`` days, the last being today."""

    first_day: date
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def active_days(self) -> int:
        return sum(1 for n in self.counts if n)

    @property
    def busiest(self) -> int:
        return max(self.counts, default=0)


@dataclass(frozen=True, slots=True)
class TimeSpent:
    """Minutes spent answering per study day for the last ``len(minutes)`` days."""

    first_day: date
    minutes: tuple[float, ...]
    total_minutes: float
    """All time."""
    seconds_per_answer: float | None


@dataclass(frozen=True, slots=True)
class RetentionPeriod:
    """Anki's true-retention counts for one period."""

    key: str
    label: str
    young_passed: int = 0
    young_failed: int = 0
    mature_passed: int = 0
    mature_failed: int = 0

    @property
    def young(self) -> float | None:
        total = self.young_passed + self.young_failed
        return self.young_passed / total if total else None

    @property
    def mature(self) -> float | None:
        total = self.mature_passed + self.mature_failed
        return self.mature_passed / total if total else None

    @property
    def passed(self) -> int:
        return self.young_passed + self.mature_passed

    @property
    def failed(self) -> int:
        return self.young_failed + self.mature_failed

    @property
    def total(self) -> float | None:
        count = self.passed + self.failed
        return self.passed / count if count else None

    def to_json(self) -> dict[str, Any]:
        return {
            "young_passed": self.young_passed,
            "young_failed": self.young_failed,
            "mature_passed": self.mature_passed,
            "mature_failed": self.mature_failed,
            "young": self.young,
            "mature": self.mature,
            "total": self.total,
        }


@dataclass(frozen=True, slots=True)
class TrueRetention:
    periods: tuple[RetentionPeriod, ...]

    def period(self, key: str) -> RetentionPeriod:
        return next(p for p in self.periods if p.key == key)

    @property
    def is_empty(self) -> bool:
        return self.period("all_time").total is None


@dataclass(frozen=True, slots=True)
class Hours:
    """Answers by local hour of the day over the last ``days`` days (Anki's hourly
    breakdown): ``answers[h]`` and how many of them were Again."""

    days: int
    answers: tuple[int, ...]
    failed: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.answers)

    def pass_rate(self, hour: int) -> float | None:
        n = self.answers[hour]
        return (n - self.failed[hour]) / n if n else None


@dataclass(frozen=True, slots=True)
class Histogram:
    """Counts in labelled bins."""

    labels: tuple[str, ...]
    counts: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Memory:
    """FSRS memory of every card with a memory state."""

    cards: int
    stability: Histogram
    difficulty: Histogram
    """Difficulty 1-10 as 0-100% in tenths (Anki shows it so)."""
    retrievability: Histogram
    """Retrievability now, in 5% bins."""
    median_stability: float | None
    median_difficulty: float | None
    """As a share, 0-1."""
    average_retrievability: float | None


@dataclass(frozen=True, slots=True)
class DeckCoverage:
    id: str
    title: str
    family: str
    new: int
    learning: int
    young: int
    mature: int
    suspended: int = 0

    @property
    def total(self) -> int:
        return self.new + self.learning + self.young + self.mature + self.suspended

    @property
    def started(self) -> int:
        return self.total - self.new

    @property
    def started_share(self) -> float | None:
        return self.started / self.total if self.total else None

    @property
    def mature_share(self) -> float | None:
        return self.mature / self.total if self.total else None

    @property
    def title_in_family(self) -> str:
        """The title as listed under its family: without the family's name
        (:func:`~studyapp.services.families.deck_title_in_family`)."""
        return deck_title_in_family(self.title, self.family)


@dataclass(frozen=True, slots=True)
class ModuleCoverage(DeckCoverage):
    """A course module's cards (``id`` is its number as text; "" for cards in none)."""

    number: int | None = None


@dataclass(frozen=True, slots=True)
class FamilyCoverage:
    id: str
    title: str
    decks: tuple[DeckCoverage, ...]

    def _sum(self, name: str) -> int:
        return sum(getattr(d, name) for d in self.decks)

    @property
    def new(self) -> int:
        return self._sum("new")

    @property
    def learning(self) -> int:
        return self._sum("learning")

    @property
    def young(self) -> int:
        return self._sum("young")

    @property
    def mature(self) -> int:
        return self._sum("mature")

    @property
    def suspended(self) -> int:
        return self._sum("suspended")

    @property
    def total(self) -> int:
        return self._sum("total")

    @property
    def started(self) -> int:
        return self._sum("started")

    @property
    def started_share(self) -> float | None:
        return self.started / self.total if self.total else None

    @property
    def mature_share(self) -> float | None:
        return self.mature / self.total if self.total else None


@dataclass(frozen=True, slots=True)
class Coverage:
    """How much of the material is started, by family and deck."""

    families: tuple[FamilyCoverage, ...]

    @property
    def total(self) -> int:
        return sum(f.total for f in self.families)

    @property
    def started(self) -> int:
        return sum(f.started for f in self.families)

    @property
    def is_empty(self) -> bool:
        return self.total == 0


@dataclass(frozen=True, slots=True)
class CardLine:
    """A card in a list (leeches, the most put off): its question on one line."""

    card_id: int
    question: str
    deck: str
    times: int
    """Lapses for a leech, times put off for a deferred card."""
    suspended: bool


@dataclass(frozen=True, slots=True)
class Steering:
    """Leeches and "Not now" (issue 15's steering), for the cards of a scope."""

    leech_threshold: int
    leeches: int
    leeches_suspended: int
    leech_cards: tuple[CardLine, ...]
    """The leeches with the most lapses."""
    first_day: date
    deferrals: tuple[int, ...]
    """"Not now" per study day, the last ``len(deferrals)`` days (the last is today)."""
    most_deferred: tuple[CardLine, ...]
    """The cards put off most often in those days."""

    @property
    def deferred(self) -> int:
        return sum(self.deferrals)


@dataclass(frozen=True, slots=True)
class AnswerStats:
    """Everything computed from the answers by day: one read of the log (or its tally)."""

    today: Today
    streak: Streak
    calendar: Calendar
    time: TimeSpent
    retention: TrueRetention
    total_answers: int
