"""Readiness for a date: how much of each family, deck (and, later, module) a trainee is
predicted to recall on it if they keep to their schedule, the cards most at risk, and what
it takes to have introduced everything by then.

The model (docs/readiness.md says it for trainees and supervisors):

- **Keeping to the schedule** means answering every card on the day it falls due (overdue
  cards today) and introducing new cards at the daily limits (all decks together, and each
  deck's own, its preset's), in the order the study queue introduces them; no daily review
  limit, no days off.
- **Each card at its own desired retention**, as the study queue schedules it: the critical
  retention for safety-critical cards, else its deck preset's (the Default preset's is the
  settings' ``desired_retention``).
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
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from studyapp.core.scheduling import Scheduler
from studyapp.services.examdate import latest_exam_date, parse_exam_date
from studyapp.services.families import deck_title_in_family, family_order, family_title
from studyapp.services.render import CitationIndex
from studyapp.services.stats import Statistics, StatsScope, card_question
from studyapp.store import stats as store
from studyapp.store.plain import Db
from studyapp.store.presets import DEFAULT_PRESET_ID, deck_presets, presets
from studyapp.store.queries import CourseModuleInfo, course_modules
from studyapp.store.queries import sources as stored_sources

__all__ = [
    "MIN_DAYS",
    "AtRisk",
    "GroupReadiness",
    "Plan",
    "Readiness",
    "latest_exam_date",
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


@dataclass(frozen=True, slots=True)
class GroupReadiness:
    """One family or deck on the date."""

    id: str
    title: str
    kind: str
    """``total``, ``family``, ``deck`` or ``module`` (a course module: its cards across
    decks)."""
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

    @property
    def title_in_family(self) -> str:
        """The title as listed under its family: a deck's without the family's name
        (:func:`~studyapp.services.families.deck_title_in_family`), any other's as it is."""
        if self.kind != "deck":
            return self.title
        return deck_title_in_family(self.title, self.family)


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
    """The Default preset's (decks may have their own)."""
    critical_retention: float = 0.95
    retentions: tuple[float, ...] = ()
    """Every desired retention the cards of the store are scheduled at, lowest first."""
    on_schedule_recall: float = 0.0
    """At the Default preset's desired retention."""
    new_card_recall: float | None = None
    """Expected recall on the date of a new card introduced on the way (simulated)."""
    details: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def total(self) -> GroupReadiness | None:
        return next((g for g in self.groups if g.kind == "total"), None)


def on_schedule_recall(scheduler: Scheduler, desired_retention: float | None = None) -> float:
    """The average recall over one interval kept on schedule: retrievability averaged from
    a review until the card falls due again (when it reaches ``desired_retention``, the
    scheduler's when None).

    The forgetting curve scales with stability, so the average is the same for every card
    of one desired retention; it is taken on a long interval so whole days do not matter.
    """
    stability = 1000.0
    target = (
        scheduler.config.desired_retention if desired_retention is None else (desired_retention)
    )
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
    introduced: dict[float, int] = field(default_factory=dict)
    """New cards the current limits introduce before the date, by desired retention."""
    new: dict[float, int] = field(default_factory=dict)
    """Every new card the queue can introduce (not suspended), by desired retention."""

    @property
    def new_ordered(self) -> int:
        return sum(self.introduced.values())


@dataclass(frozen=True)
class CardSchedules:
    """What each card is scheduled at: its desired retention (the critical one for
    safety-critical cards, else its deck preset's) and its deck's daily new-card limit."""

    default: float
    critical: float
    critical_ids: frozenset[int]
    deck_retention: Mapping[str, float]
    deck_new_limit: Mapping[str, int]
    default_new_limit: int

    def retention(self, card_id: int, deck_id: str) -> float:
        if card_id in self.critical_ids:
            return self.critical
        return self.deck_retention.get(deck_id, self.default)

    def new_limit(self, deck_id: str) -> int:
        return self.deck_new_limit.get(deck_id, self.default_new_limit)


def card_schedules(stats: Statistics, conn: Db) -> CardSchedules:
    """Each card's desired retention and each deck's new-card limit, as the study queue
    applies them (decks on the Default preset use the settings' desired retention, which
    is the Default preset's)."""
    settings = stats.settings
    known = {p.id: p for p in presets(conn)}
    default = known[DEFAULT_PRESET_ID]
    retention: dict[str, float] = {}
    new_limit: dict[str, int] = {}
    for deck in deck_presets(conn):
        preset = known.get(deck.preset_id, default)
        retention[deck.deck_id] = (
            settings.desired_retention
            if preset.id == DEFAULT_PRESET_ID
            else preset.desired_retention
        )
        new_limit[deck.deck_id] = preset.new_per_day
    critical = frozenset(c.id for c in store.critical_cards(conn))
    return CardSchedules(
        default=settings.desired_retention,
        critical=settings.critical_retention,
        critical_ids=critical,
        deck_retention=retention,
        deck_new_limit=new_limit,
        default_new_limit=default.new_per_day,
    )


NEVER = 1 << 30
"""A day no projection reaches: the first day of a card whose module stays held."""


def introduce(
    queue: Iterator[tuple[int, str]],
    days: int,
    limit: int,
    deck_limit: Callable[[str], int],
    available_from: Callable[[int], int] | None = None,
) -> list[list[tuple[int, str]]]:
    """The new cards the study queue introduces on each of ``days`` days: in the queue's
    order, at most ``limit`` a day in all and ``deck_limit(deck)`` a day from each deck,
    and a card not before the day ``available_from(card)`` (its course module's release;
    0 when none). A card that may not go today waits for a later day, and later cards go
    first. ``queue`` yields (card id, deck) in the queue's order and is read only as far as
    needed."""
    upcoming = next(queue, None)
    position = 0
    # Cards that wait, by lane (deck, first day): (position, card id) in the queue's order.
    waiting: dict[tuple[str, int], deque[tuple[int, int]]] = {}
    heads: list[tuple[int, str, int]] = []  # (position of a lane's first card, deck, day)
    out: list[list[tuple[int, str]]] = []
    for day in range(days):
        used: dict[str, int] = {}
        aside: list[tuple[int, str, int]] = []  # heads of lanes that cannot go today
        taken: list[tuple[int, str]] = []
        while len(taken) < limit:
            if heads and (upcoming is None or heads[0][0] < position):
                head = heapq.heappop(heads)
                _pos, deck, first = head
                if first > day or used.get(deck, 0) >= deck_limit(deck):
                    aside.append(head)
                    continue
                cards = waiting[deck, first]
                card_id = cards.popleft()[1]
                if cards:
                    heapq.heappush(heads, (cards[0][0], deck, first))
                else:
                    del waiting[deck, first]
            elif upcoming is not None:
                card_id, deck = upcoming
                here = position
                upcoming = next(queue, None)
                position += 1
                first = 0 if available_from is None else available_from(card_id)
                if first > day or used.get(deck, 0) >= deck_limit(deck):
                    if first >= NEVER:
                        continue  # held for good: it never arrives
                    lane = waiting.get((deck, first))
                    if lane is not None:
                        lane.append((here, card_id))
                    else:
                        waiting[deck, first] = deque([(here, card_id)])
                        aside.append((here, deck, first))
                    continue
            else:
                break
            used[deck] = used.get(deck, 0) + 1
            taken.append((card_id, deck))
        for head in aside:
            heapq.heappush(heads, head)
        out.append(taken)
    return out


def module_release_days(
    modules: Iterable[CourseModuleInfo], today: date, current_module: int
) -> dict[int, int]:
    """The first day (from today, 0) each course module's new cards may be introduced, as
    the study queue holds them: with a current module set, the modules after it never
    (:data:`NEVER`: the setting is the trainee's to change); else a module from its release
    date on. Modules free now are left out."""
    held: dict[int, int] = {}
    for module in modules:
        if current_module > 0:
            if module.number > current_module:
                held[module.number] = NEVER
        elif module.release:
            try:
                release = date.fromisoformat(module.release)
            except ValueError:
                continue
            if release > today:
                held[module.number] = (release - today).days
    return held


def readiness(stats: Statistics, scope: StatsScope, exam_date: date) -> Readiness:
    """The forecast for ``exam_date`` over the families and decks of ``scope``."""
    now = stats.now()
    start = stats.day_start(now)
    today = stats.local_date(start)
    days = (exam_date - today).days
    retention = stats.settings.desired_retention
    # What every answer says, forecast or not; each return adds its status and message.
    base = Readiness(exam_date, today, days, "", "", desired_retention=retention)
    when = f"{exam_date:%A} {exam_date.day} {exam_date:%B %Y}"
    if days < 0:
        return replace(
            base,
            status="past",
            message=f"{when} has passed. Set the date of your next exam to see how ready "
            "you will be.",
        )
    if days == 0:
        return replace(
            base,
            status="today",
            message="Your exam is today: no forecast now. Good luck!",
        )
    if days < MIN_DAYS:
        return replace(
            base,
            status="too_close",
            message=f"Your exam is in {days} day{'s' if days != 1 else ''}: too close for a "
            "forecast to mean much. Keep to your reviews; a forecast needs at least "
            f"{MIN_DAYS} days.",
        )
    scheduler = stats.scheduler()
    exam_start = _day_start_of(stats, exam_date, start, days)
    moment = int(exam_start.timestamp())
    now_s = int(now.timestamp())
    today_s = int(start.timestamp())
    averages: dict[float, float] = {}

    def average_at(desired: float) -> float:
        found = averages.get(desired)
        if found is None:
            found = averages[desired] = on_schedule_recall(scheduler, desired)
        return found

    wanted = scope.scope.deck_ids
    wanted_module = scope.scope.module
    # Tallies by (deck, course module or None): decks, families and modules are sums of them.
    tallies: dict[tuple[str, int | None], _Tally] = {}
    learned_reviews = [0.0] * days
    # The AT_RISK lowest expected recalls (ties: the more difficult card first), kept in a
    # heap whose smallest item is the least at risk of them.
    risk: list[tuple[float, float, int, int]] = []

    recall_now = scheduler.recall_at(now_s)
    recall_then = scheduler.recall_at(moment)
    limit = stats.settings.new_per_day
    with stats.connect() as conn:
        schedules = card_schedules(stats, conn)
        course = course_modules(conn)
        module_titles = {m.number: m.title for m in course}
        release_day = module_release_days(course, today, stats.settings.current_module)
        # Which module each card is in (a read of every note: only when the course has
        # modules), and per (deck, module) its new cards: all, suspended, critical.
        card_module: dict[int, int] = {}
        module_new: dict[tuple[str, int], list[int]] = {}
        if module_titles:
            for card_id, deck_id, number, queue, suspended in store.module_cards(conn):
                card_module[card_id] = number
                if queue == 0:
                    counts = module_new.setdefault((deck_id, number), [0, 0, 0])
                    counts[0] += 1
                    if suspended:
                        counts[1] += 1
                    elif card_id in schedules.critical_ids:
                        counts[2] += 1
        for row in store.learned_cards(conn, store.Scope()):
            card_id, deck_id, _queue, stability, difficulty, due, last_review, suspended = row
            module = card_module.get(card_id)
            tally = tallies.get((deck_id, module))
            if tally is None:
                tally = tallies[deck_id, module] = _Tally()
            tally.cards += 1
            tally.learned += 1
            tally.now += recall_now(stability, last_review)
            if due >= moment or suspended:  # no review before the date: its memory as it is
                recall = recall_then(stability, last_review)
            else:
                desired = schedules.retention(card_id, deck_id)
                recall = _recall_on_date(
                    scheduler,
                    store.LearnedCard._make(row),
                    moment,
                    now_s,
                    today_s,
                    average_at(desired),
                    learned_reviews,
                    desired,
                )
            tally.on_date += recall
            if (wanted is None or deck_id in wanted) and (
                wanted_module is None or module == wanted_module
            ):
                item = (-round(recall, 3), difficulty, card_id, due)
                if len(risk) < AT_RISK:
                    heapq.heappush(risk, item)
                elif item > risk[0]:
                    heapq.heapreplace(risk, item)
        ids = [card_id for _r, _d, card_id, _due in risk]
        texts = store.card_texts(conn, ids)
        citations = CitationIndex(stored_sources(conn))
        # New cards: the days the limits introduce them on, in the queue's order.
        arrivals = introduce(
            store.new_cards_queue(conn),
            days,
            limit,
            schedules.new_limit,
            (lambda card: release_day.get(card_module.get(card, -1), 0)) if release_day else None,
        )
        totals = store.new_cards_by_deck(conn, first=0)
        suspended_new = store.suspended_new_by_deck(conn)
        critical_new: dict[str, int] = {}
        for critical_card in store.critical_cards(conn):
            if critical_card.queue == 0 and not critical_card.suspended:
                deck_id = critical_card.deck_id
                critical_new[deck_id] = critical_new.get(deck_id, 0) + 1
    # New cards per (deck, module): the modules' from module_new, the rest of each deck's
    # in no module.
    parts: dict[tuple[str, int | None], list[int]] = {}
    for deck_id, (count, _) in totals.items():
        parts[deck_id, None] = [
            count,
            suspended_new.get(deck_id, 0),
            critical_new.get(deck_id, 0),
        ]
    for (deck_id, module), counts in module_new.items():
        parts[deck_id, module] = counts
        rest = parts.get((deck_id, None))
        if rest is not None:
            for i in range(3):
                rest[i] -= counts[i]
    for key, (count, suspended_count, critical) in parts.items():
        tally = tallies.get(key)
        if tally is None:
            tally = tallies[key] = _Tally()
        tally.cards += count
        others = count - suspended_count - critical
        for desired, n in (
            (schedules.critical, critical),
            (schedules.retention(0, key[0]), others),
        ):
            if n > 0:
                tally.new[desired] = tally.new.get(desired, 0) + n
    spans: dict[float, list[int]] = {}  # desired retention -> [count, first day, last day]
    for day, cards in enumerate(arrivals):
        for card_id, deck_id in cards:
            desired = schedules.retention(card_id, deck_id)
            tally = tallies[deck_id, card_module.get(card_id)]
            tally.introduced[desired] = tally.introduced.get(desired, 0) + 1
            span = spans.setdefault(desired, [0, day, day])
            span[0] += 1
            span[2] = day
    total_new = sum(sum(t.new.values()) for t in tallies.values())
    introduced_now = sum(span[0] for span in spans.values())
    current_sim = _combine(
        days,
        {
            desired: _simulate(
                scheduler,
                count,
                math.ceil(count / (last - first + 1)),
                days,
                desired,
                first_day=first,
            )
            for desired, (count, first, last) in spans.items()
        },
    )
    needed = math.ceil(total_new / days) if total_new else 0
    if introduced_now >= total_new:
        finish_sim, finish_pace = current_sim, limit
    else:
        by_retention: dict[float, int] = {}
        for tally in tallies.values():
            for desired, n in tally.new.items():
                by_retention[desired] = by_retention.get(desired, 0) + n
        finish_sim = _combine(
            days,
            {
                desired: _simulate(
                    scheduler, n, max(1, round(needed * n / total_new)), days, desired
                )
                for desired, n in by_retention.items()
            },
        )
        finish_pace = needed
    per_answer = _seconds_per_answer(stats, scope)

    groups = _groups(scope, tallies, module_titles, current_sim.per_card, finish_sim.per_card)
    if not groups or groups[0].cards == 0:
        return replace(
            base,
            status="empty",
            message="No cards match this filter, so there is nothing to forecast.",
        )
    at_risk = tuple(
        _at_risk(texts.get(card_id), card_id, -neg, due, scope, stats, citations)
        for neg, _d, card_id, due in sorted(risk, reverse=True)
    )
    finished_on = None
    if introduced_now >= total_new:
        last_day = max((span[2] for span in spans.values()), default=0)
        finished_on = today + timedelta(days=last_day)
    used = {schedules.default, *schedules.deck_retention.values()}
    if schedules.critical_ids:
        used.add(schedules.critical)
    return replace(
        base,
        status="ok",
        message=_summary(groups[0], when),
        groups=tuple(groups),
        at_risk=at_risk,
        current=_plan(limit, current_sim, learned_reviews, per_answer, finished_on),
        finish=_plan(
            finish_pace,
            finish_sim,
            learned_reviews,
            per_answer,
            finished_on
            if finish_sim is current_sim
            else today + timedelta(days=math.ceil(total_new / needed) - 1),
        ),
        on_schedule_recall=average_at(schedules.default),
        new_card_recall=_per_card(finish_sim),
        critical_retention=schedules.critical,
        retentions=tuple(sorted(used)),
        details={"learned_reviews": sum(learned_reviews)},
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
    desired_retention: float,
) -> float:
    """Expected recall at ``moment`` of a learned card due before it, scheduled at
    ``desired_retention`` (``average``: the recall kept on schedule at it), adding its
    expected reviews until then to ``reviews`` (by day from today)."""
    at = max(card.due, now)
    passed = scheduler.recall_between(card.stability, card.last_review, at)
    stability, difficulty, last = card.stability, card.difficulty, card.last_review
    recall_pass = average
    for _step in range(64):  # the pass path: Good on each due day until one passes the date
        day = max(0, (at - today) // DAY)
        if day < len(reviews):
            reviews[day] += 1
        stability, difficulty, interval = scheduler.after_good(
            stability, difficulty, scheduler.days_between(last, at), desired_retention
        )
        last, at = at, at + interval * DAY
        if at >= moment:
            recall_pass = scheduler.recall_between(stability, last, moment)
            break
    return passed * recall_pass + (1 - passed) * average


def _simulate(
    scheduler: Scheduler,
    count: int,
    per_day: int,
    days: int,
    desired_retention: float,
    *,
    first_day: int = 0,
) -> _Simulated:
    """The simulator's outlook for ``count`` new cards scheduled at ``desired_retention``,
    introduced ``per_day`` a day from day ``first_day`` on, on a sample of at most
    SIMULATED_CARDS cards introduced evenly over the same days, scaled up. Its reviews are
    counted on the days from today."""
    if count <= 0 or per_day <= 0 or first_day >= days:
        return _Simulated(0, 0.0, [0.0] * days, 1.0)
    span = math.ceil(count / per_day)
    left = days - first_day
    if count <= SIMULATED_CARDS:
        outlook = scheduler.simulate_new_cards(
            count, per_day, left, desired_retention=desired_retention
        )
        scale = 1.0
    else:
        rate = max(1, round(per_day * SIMULATED_CARDS / count))
        sample = min(rate * span, count)
        outlook = scheduler.simulate_new_cards(
            sample, rate, left, desired_retention=desired_retention
        )
        scale = count / outlook.introduced if outlook.introduced else 1.0
    reviews = [0.0] * first_day + [n * scale for n in outlook.reviews_per_day]
    return _Simulated(
        round(outlook.introduced * scale), outlook.recalled_at_end * scale, reviews, scale
    )


@dataclass(frozen=True, slots=True)
class _Simulated:
    introduced: int
    recalled: float
    reviews_per_day: list[float]
    scale: float
    per_card: Mapping[float, float] = field(default_factory=dict)
    """Expected recall on the date of one introduced card, by desired retention."""


def _combine(days: int, parts: Mapping[float, _Simulated]) -> _Simulated:
    """The outlooks of the new cards of each desired retention, together."""
    reviews = [0.0] * days
    for part in parts.values():
        for day, n in enumerate(part.reviews_per_day[:days]):
            reviews[day] += n
    return _Simulated(
        sum(p.introduced for p in parts.values()),
        sum(p.recalled for p in parts.values()),
        reviews,
        1.0,
        {desired: p.recalled / p.introduced for desired, p in parts.items() if p.introduced},
    )


def _per_card(sim: _Simulated) -> float | None:
    return sim.recalled / sim.introduced if sim.introduced else None


def _seconds_per_answer(stats: Statistics, scope: StatsScope) -> float | None:
    answers, ms = stats.answer_totals(scope)
    return ms / 1000 / answers if answers else None


def _new_recall(counts: Mapping[float, int], per_card: Mapping[float, float]) -> float:
    return sum(n * per_card.get(desired, 0.0) for desired, n in counts.items())


def _group(
    kind: str,
    id_: str,
    title: str,
    family: str,
    tallies: Iterable[_Tally],
    new_recall_now: Mapping[float, float],
    new_recall_finish: Mapping[float, float],
) -> GroupReadiness:
    items = list(tallies)
    return GroupReadiness(
        id=id_,
        title=title,
        kind=kind,
        family=family,
        cards=sum(t.cards for t in items),
        learned=sum(t.learned for t in items),
        recall_now=sum(t.now for t in items),
        recall_on_date=sum(t.on_date + _new_recall(t.introduced, new_recall_now) for t in items),
        recall_if_finished=sum(t.on_date + _new_recall(t.new, new_recall_finish) for t in items),
        introduced_by_date=sum(t.new_ordered for t in items),
    )


def module_title(number: int, title: str) -> str:
    return title if title == f"Module {number}" else f"Module {number}: {title}"


def _groups(
    scope: StatsScope,
    tallies: Mapping[tuple[str, int | None], _Tally],
    module_titles: Mapping[int, str],
    new_recall_now: Mapping[float, float],
    new_recall_finish: Mapping[float, float],
) -> list[GroupReadiness]:
    """The total, each family followed by its decks, then each course module, over the
    cards of ``scope`` (its decks, and its module when it names one)."""
    wanted = scope.scope.deck_ids
    wanted_module = scope.scope.module
    by_deck: dict[str, list[_Tally]] = {}
    by_module: dict[int, list[_Tally]] = {}
    for (deck_id, module), tally in tallies.items():
        if wanted is not None and deck_id not in wanted:
            continue
        if wanted_module is not None and module != wanted_module:
            continue
        by_deck.setdefault(deck_id, []).append(tally)
        if module is not None:
            by_module.setdefault(module, []).append(tally)
    decks: list[GroupReadiness] = []
    for deck_id, title in scope.deck_titles.items():
        if wanted is not None and deck_id not in wanted:
            continue
        if wanted_module is not None and deck_id not in by_deck:
            continue  # no card of this deck is in the module
        decks.append(
            _group(
                "deck",
                deck_id,
                title,
                scope.deck_families[deck_id],
                by_deck.get(deck_id, []),
                new_recall_now,
                new_recall_finish,
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
    for number in sorted(module_titles):
        if wanted_module is not None and number != wanted_module:
            continue
        result.append(
            _group(
                "module",
                str(number),
                module_title(number, module_titles[number]),
                "",
                by_module.get(number, []),
                new_recall_now,
                new_recall_finish,
            )
        )
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
    per_answer: float | None,
    finishes_on: date | None,
) -> Plan:
    days = len(learned_reviews)
    daily = [a + b for a, b in zip(learned_reviews, sim.reviews_per_day, strict=False)]
    mean = sum(daily) / days if days else 0.0
    minutes = None
    if per_answer is not None:
        # New cards take their learning answers too: about three each (steps 1 m, 10 m).
        minutes = (mean + 3 * min(per_day, sim.introduced / days if days else 0)) * (
            per_answer / 60
        )
    return Plan(
        new_per_day=per_day,
        introduced=sim.introduced,
        finishes_on=finishes_on,
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
