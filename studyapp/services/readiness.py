"""Readiness for a date: how much of each family, deck (and, later, module) a trainee is
predicted to recall on it if they keep to their schedule, the cards most at risk, and what
it takes to have introduced everything by then.

The model (docs/readiness.md says it for trainees and supervisors):

- **Keeping to the schedule** means answering every card on the day it falls due (overdue
  cards today) and introducing new cards at the daily limit, in the order the study queue
  introduces them; no daily review limit, no days off.
- A **learned card** not due before the date keeps its memory: its recall on the date is
  FSRS's retrievability then (:meth:`Scheduler.recall_between`). A learned card due before
  the date is reviewed on its due day: with the probability of recalling it then it passes
  (Good) and FSRS gives it a new stability and interval; if that interval reaches past the
  date, its recall on the date follows from that new memory; if it fails, or the next
  interval ends before the date, the card goes on being reviewed on schedule, and its
  recall on the date is the average recall over an interval kept on schedule (the
  retrievability averaged from the review to the next due day: about 0.95 at a desired
  retention of 0.90).
- A **new card** counts as not known unless the schedule introduces it before the date;
  the recall of introduced cards and the reviews they cost come from FSRS's own
  simulator (``fsrs_rs_python.simulate``, with its default rating shares), run on at most
  5,000 cards and scaled.
- **What it takes**: the new cards a day that introduce every new card before the date,
  and the reviews a day expected at that pace (learned cards' reviews plus the
  simulator's).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from studyapp.core.scheduling import Scheduler
from studyapp.services.families import family_order, family_title
from studyapp.services.render import CitationIndex
from studyapp.services.stats import Statistics, StatsScope, card_question
from studyapp.store import stats as store
from studyapp.store.library import sources as stored_sources

__all__ = [
    "MIN_DAYS",
    "AtRisk",
    "GroupReadiness",
    "Plan",
    "Readiness",
    "on_schedule_recall",
    "parse_exam_date",
    "readiness",
]

MIN_DAYS = 7
"""Fewer days than this before the date are too few for a forecast worth a number."""
SIMULATED_CARDS = 5_000
"""The simulator runs on at most this many new cards; its figures are scaled to the rest."""
AT_RISK = 10
DAY = 86_400


def parse_exam_date(text: str) -> date:
    """A ``YYYY-MM-DD`` date.

    Raises:
        ValueError: with a message for the user.
    """
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"the exam date must look like 2026-06-30 (YYYY-MM-DD), not {text!r}"
        ) from None


@dataclass(frozen=True, slots=True)
class GroupReadiness:
    """One family or deck on the date."""

    id: str
    title: str
    kind: str
    """``family`` or ``deck``."""
    family: str
    cards: int
    learned: int
    """Cards with a memory state today."""
    recall_now: float
    """Expected number of its cards recalled today (new ones count 0)."""
    recall_on_date: float
    """... on the date, keeping to the schedule at the current new-card limit."""
    recall_if_finished: float
    """... on the date, introducing every new card before it (see :class:`Plan`)."""
    introduced_by_date: int
    """New cards the current limit introduces before the date."""

    @property
    def new(self) -> int:
        return self.cards - self.learned

    @property
    def share_now(self) -> float | None:
        return self.recall_now / self.cards if self.cards else None

    @property
    def share_on_date(self) -> float | None:
        return self.recall_on_date / self.cards if self.cards else None

    @property
    def share_if_finished(self) -> float | None:
        return self.recall_if_finished / self.cards if self.cards else None


@dataclass(frozen=True, slots=True)
class AtRisk:
    """A learned card with a low expected recall on the date."""

    card_id: int
    question: str
    """Plain text, one line."""
    deck: str
    recall: float
    due: date


@dataclass(frozen=True, slots=True)
class Plan:
    """A pace of new cards and what it costs until the date."""

    new_per_day: int
    introduced: int
    finishes_on: date | None
    """The day the last new card is introduced, or None if some are left on the date."""
    reviews_per_day: float
    """Expected review answers a day before the date, learned and new cards together."""
    peak_reviews: float
    minutes_per_day: float | None
    """At the trainee's own average time per answer (None with no history)."""


@dataclass(frozen=True, slots=True)
class Readiness:
    """The forecast for a date, or why there is none (``message`` set, no numbers)."""

    exam_date: date
    today: date
    days: int
    status: str
    """``ok``; ``past``, ``today`` or ``too_close`` (a message, no numbers); ``empty``."""
    message: str
    groups: tuple[GroupReadiness, ...] = ()
    at_risk: tuple[AtRisk, ...] = ()
    current: Plan | None = None
    """At the trainee's daily limit of new cards."""
    finish: Plan | None = None
    """At the pace that introduces every new card before the date."""
    desired_retention: float = 0.9
    on_schedule_recall: float = 0.0
    new_card_recall: float | None = None
    """Expected recall on the date of a new card introduced on the way (simulated)."""
    details: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def total(self) -> GroupReadiness | None:
        return next((g for g in self.groups if g.kind == "total"), None)


def on_schedule_recall(scheduler: Scheduler) -> float:
    """The average recall over one interval kept on schedule: retrievability averaged from
    a review until the card falls due again (when it reaches the desired retention).

    The forgetting curve scales with stability, so the average is the same for every card;
    it is taken on a long interval so whole days do not matter.
    """
    stability = 1000.0
    target = scheduler.config.desired_retention
    low, high = 0.0, stability * 100
    for _ in range(60):  # the day the curve reaches the desired retention
        mid = (low + high) / 2
        if scheduler.recall_after(stability, mid) > target:
            low = mid
        else:
            high = mid
    steps = 400
    return sum(scheduler.recall_after(stability, low * (i + 0.5) / steps) for i in range(steps)) / (
        steps
    )


@dataclass
class _Tally:
    cards: int = 0
    learned: int = 0
    now: float = 0.0
    on_date: float = 0.0
    new_ordered: int = 0


def readiness(stats: Statistics, scope: StatsScope, exam_date: date) -> Readiness:
    """The forecast for ``exam_date`` over the families and decks of ``scope``."""
    now = stats.now()
    start = stats.day_start(now)
    today = stats.local_date(start)
    days = (exam_date - today).days
    retention = stats.settings.desired_retention
    base = {"exam_date": exam_date, "today": today, "days": days, "desired_retention": retention}
    when = f"{exam_date:%A} {exam_date.day} {exam_date:%B %Y}"
    if days < 0:
        return Readiness(
            status="past",
            message=f"{when} has passed. Set the date of your next exam to see how ready "
            "you will be.",
            **base,  # type: ignore[arg-type]
        )
    if days == 0:
        return Readiness(
            status="today",
            message="Your exam is today: no forecast now. Good luck!",
            **base,  # type: ignore[arg-type]
        )
    if days < MIN_DAYS:
        return Readiness(
            status="too_close",
            message=f"Your exam is in {days} day{'s' if days != 1 else ''}: too close for a "
            "forecast to mean much. Keep to your reviews; a forecast needs at least "
            f"{MIN_DAYS} days.",
            **base,  # type: ignore[arg-type]
        )
    scheduler = stats.scheduler()
    exam_start = _day_start_of(stats, exam_date, start, days)
    moment = int(exam_start.timestamp())
    now_s = int(now.timestamp())
    today_s = int(start.timestamp())
    average = on_schedule_recall(scheduler)
    wanted = scope.scope.deck_ids
    tallies: dict[str, _Tally] = {}
    learned_reviews = [0.0] * days
    # The AT_RISK lowest expected recalls (ties: the more difficult card first), kept in a
    # heap whose smallest item is the least at risk of them.
    risk: list[tuple[float, float, int, int]] = []

    recall_now = scheduler.recall_at(now_s)
    recall_then = scheduler.recall_at(moment)
    with stats.engine.connect() as conn:
        for row in store.learned_cards(conn, store.Scope()):
            card_id, deck_id, _queue, stability, difficulty, due, last_review, suspended = row
            tally = tallies.get(deck_id)
            if tally is None:
                tally = tallies[deck_id] = _Tally()
            tally.cards += 1
            tally.learned += 1
            tally.now += recall_now(stability, last_review)
            if due >= moment or suspended:  # no review before the date: its memory as it is
                recall = recall_then(stability, last_review)
            else:
                recall = _recall_on_date(
                    scheduler,
                    store.LearnedCard._make(row),
                    moment,
                    now_s,
                    today_s,
                    average,
                    learned_reviews,
                )
            tally.on_date += recall
            if wanted is None or deck_id in wanted:
                item = (-round(recall, 3), difficulty, card_id, due)
                if len(risk) < AT_RISK:
                    heapq.heappush(risk, item)
                elif item > risk[0]:
                    heapq.heapreplace(risk, item)
        ids = [card_id for _r, _d, card_id, _due in risk]
        texts = store.card_texts(conn, ids)
        citations = CitationIndex(stored_sources(conn))
        # New cards in the order the queue introduces them: the first limit * days are
        # started by the date.
        limit = stats.settings.new_per_day
        total_new = 0
        for deck_id, (count, early) in store.new_cards_by_deck(conn, first=limit * days).items():
            tally = tallies.get(deck_id)
            if tally is None:
                tally = tallies[deck_id] = _Tally()
            tally.cards += count
            tally.new_ordered += early
            total_new += count
    introduced_now = min(total_new, limit * days)
    current_sim = _simulate(scheduler, introduced_now, limit, days)
    needed = math.ceil(total_new / days) if total_new else 0
    finish_sim = current_sim if needed <= limit else _simulate(scheduler, total_new, needed, days)
    new_recall_now = _per_card(current_sim)
    new_recall_finish = _per_card(finish_sim)
    per_answer = _seconds_per_answer(stats, scope)

    groups = _groups(scope, tallies, new_recall_now, new_recall_finish)
    if not groups or groups[0].cards == 0:
        return Readiness(
            status="empty",
            message="No cards match this filter, so there is nothing to forecast.",
            **base,  # type: ignore[arg-type]
        )
    at_risk = tuple(
        _at_risk(texts.get(card_id), card_id, -neg, due, scope, stats, citations)
        for neg, _d, card_id, due in sorted(risk, reverse=True)
    )
    return Readiness(
        status="ok",
        message=_summary(groups[0], when),
        groups=tuple(groups),
        at_risk=at_risk,
        current=_plan(limit, current_sim, learned_reviews, today, per_answer, total_new),
        finish=_plan(
            max(needed, limit),
            finish_sim,
            learned_reviews,
            today,
            per_answer,
            total_new,
        ),
        on_schedule_recall=average,
        new_card_recall=new_recall_finish,
        details={"learned_reviews": sum(learned_reviews)},
        **base,  # type: ignore[arg-type]
    )


def _day_start_of(stats: Statistics, day: date, today_start: datetime, days: int) -> datetime:
    """The start of the study day named ``day`` (DST-safe: found from the local date)."""
    guess = today_start + timedelta(days=days, hours=12)
    return stats.day_start(guess)


def _recall_on_date(
    scheduler: Scheduler,
    card: store.LearnedCard,
    moment: int,
    now: int,
    today: int,
    average: float,
    reviews: list[float],
) -> float:
    """Expected recall at ``moment`` of a learned card due before it, adding its expected
    reviews until then to ``reviews`` (by day from today)."""
    at = max(card.due, now)
    passed = scheduler.recall_between(card.stability, card.last_review, at)
    stability, difficulty, last = card.stability, card.difficulty, card.last_review
    recall_pass = average
    for _step in range(64):  # the pass path: Good on each due day until one passes the date
        day = max(0, (at - today) // DAY)
        if day < len(reviews):
            reviews[day] += 1
        stability, difficulty, interval = scheduler.after_good(
            stability, difficulty, scheduler.days_between(last, at)
        )
        last, at = at, at + interval * DAY
        if at >= moment:
            recall_pass = scheduler.recall_between(stability, last, moment)
            break
    return passed * recall_pass + (1 - passed) * average


def _simulate(scheduler: Scheduler, count: int, per_day: int, days: int) -> _Simulated:
    """The simulator's outlook for ``count`` new cards at ``per_day`` a day, on a sample of
    at most SIMULATED_CARDS cards introduced evenly over the same days, scaled up."""
    if count <= 0 or per_day <= 0:
        return _Simulated(0, 0.0, [0.0] * days, 1.0)
    span = math.ceil(count / per_day)
    if count <= SIMULATED_CARDS:
        outlook = scheduler.simulate_new_cards(count, per_day, days)
        scale = 1.0
    else:
        rate = max(1, round(per_day * SIMULATED_CARDS / count))
        sample = min(rate * span, count)
        outlook = scheduler.simulate_new_cards(sample, rate, days)
        scale = count / outlook.introduced if outlook.introduced else 1.0
    return _Simulated(
        count, outlook.recalled_at_end * scale, [n * scale for n in outlook.reviews_per_day], scale
    )


@dataclass(frozen=True, slots=True)
class _Simulated:
    introduced: int
    recalled: float
    reviews_per_day: list[float]
    scale: float


def _per_card(sim: _Simulated) -> float | None:
    return sim.recalled / sim.introduced if sim.introduced else None


def _seconds_per_answer(stats: Statistics, scope: StatsScope) -> float | None:
    answers, ms = stats.answer_totals(scope)
    return ms / 1000 / answers if answers else None


def _groups(
    scope: StatsScope,
    tallies: dict[str, _Tally],
    new_recall_now: float | None,
    new_recall_finish: float | None,
) -> list[GroupReadiness]:
    wanted = scope.scope.deck_ids
    decks: list[GroupReadiness] = []
    for deck_id, title in scope.deck_titles.items():
        if wanted is not None and deck_id not in wanted:
            continue
        t = tallies.get(deck_id, _Tally())
        new = t.cards - t.learned
        decks.append(
            GroupReadiness(
                id=deck_id,
                title=title,
                kind="deck",
                family=scope.deck_families[deck_id],
                cards=t.cards,
                learned=t.learned,
                recall_now=t.now,
                recall_on_date=t.on_date + t.new_ordered * (new_recall_now or 0.0),
                recall_if_finished=t.on_date + new * (new_recall_finish or 0.0),
                introduced_by_date=t.new_ordered,
            )
        )
    families: dict[str, list[GroupReadiness]] = {}
    for deck in decks:
        families.setdefault(deck.family, []).append(deck)
    result = [_sum("total", scope.title, "", decks)]
    for family in sorted(families, key=family_order):
        members = sorted(families[family], key=lambda d: d.title)
        result.append(_sum("family", family_title(family), family, members, id_=family))
        result.extend(members)
    return result


def _sum(
    kind: str, title: str, family: str, members: Iterable[GroupReadiness], id_: str = ""
) -> GroupReadiness:
    items = list(members)
    return GroupReadiness(
        id=id_,
        title=title,
        kind=kind,
        family=family,
        cards=sum(g.cards for g in items),
        learned=sum(g.learned for g in items),
        recall_now=sum(g.recall_now for g in items),
        recall_on_date=sum(g.recall_on_date for g in items),
        recall_if_finished=sum(g.recall_if_finished for g in items),
        introduced_by_date=sum(g.introduced_by_date for g in items),
    )


def _plan(
    per_day: int,
    sim: _Simulated,
    learned_reviews: list[float],
    today: date,
    per_answer: float | None,
    total_new: int,
) -> Plan:
    days = len(learned_reviews)
    daily = [a + b for a, b in zip(learned_reviews, sim.reviews_per_day, strict=False)]
    mean = sum(daily) / days if days else 0.0
    finishes = (
        today + timedelta(days=math.ceil(total_new / per_day) - 1)
        if per_day and sim.introduced >= total_new and total_new
        else (today if total_new == 0 else None)
    )
    minutes = None
    if per_answer is not None:
        # New cards take their learning answers too: about three each (steps 1 m, 10 m).
        minutes = (mean + 3 * min(per_day, sim.introduced / days if days else 0)) * (
            per_answer / 60
        )
    return Plan(
        new_per_day=per_day,
        introduced=sim.introduced,
        finishes_on=finishes,
        reviews_per_day=mean,
        peak_reviews=max(daily, default=0.0),
        minutes_per_day=minutes,
    )


def _summary(total: GroupReadiness, when: str) -> str:
    share = total.share_on_date or 0.0
    return (
        f"On {when}, keeping to your schedule, you are predicted to recall "
        f"{share:.0%} of these cards."
    )


def _at_risk(
    text: store.CardText | None,
    card_id: int,
    recall: float,
    due: int,
    scope: StatsScope,
    stats: Statistics,
    citations: CitationIndex,
) -> AtRisk:
    deck = "" if text is None else scope.deck_titles.get(text.deck_id, "")
    due_day = stats.local_date(stats.day_start(datetime.fromtimestamp(due, UTC)))
    return AtRisk(card_id, card_question(text, citations), deck, recall, due_day)
