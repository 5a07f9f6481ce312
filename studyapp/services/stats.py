"""Statistics of a trainee's study: today, the streak, the calendar, the forecast, true
retention, FSRS memory, answers by hour, coverage; headless, for the screen, the report and
``studyapp stats``.

Definitions follow Anki's statistics (``rslib/src/stats/graphs/``) where Anki has one:

- A **study day** is 24 hours from the local rollover hour; day 0 is today.
- **True retention** is the pass rate (anything but Again) of answers given to cards with
  an interval of a day or more (review cards, and cards in learning on steps of a day or
  more), split by that interval: young under 21 days, mature from 21. Periods: today,
  yesterday, the last 7, 30 and 365 days, and all time.
- The **forecast** counts cards that are not new by the day they fall due, learning cards
  included; cards already overdue are counted apart.
- **Memory** histograms: stability (days), difficulty (1-10, shown as 0-100% as Anki does)
  and retrievability now, of every card with a memory state.

Every figure is computed from the store through :mod:`studyapp.store.stats`, so it can be
tested with a fake clock and a hand-made review log.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from studyapp.core.scheduling import Scheduler
from studyapp.core.studyday import require_utc, study_day, utc_now
from studyapp.services.families import family_order, family_title
from studyapp.services.overview import Overview, read_overview
from studyapp.services.render import CitationIndex, plain, render_card
from studyapp.services.settings import Settings, read_settings
from studyapp.services.text import difficulty_share
from studyapp.store import stats as store
from studyapp.store.errors import storage_errors
from studyapp.store.plain import Db, read_only_store
from studyapp.store.queries import sources as stored_sources
from studyapp.store.stats import IVL_NONE, IVL_YOUNG, Scope

if TYPE_CHECKING:
    from studyapp.services.figures import (
        AnswerStats,
        CardLine,
        Coverage,
        DeckCoverage,
        Hours,
        Memory,
        ModuleCoverage,
        Steering,
    )
    from studyapp.store.database import Engine

__all__ = [
    "Forecast",
    "StatsFilter",
    "StatsScope",
    "Statistics",
    "Today",
    "UnknownFilter",
]

CALENDAR_DAYS = 365
FORECAST_DAYS = 365
FORECAST_WINDOWS = (30, 90, 365)


class UnknownFilter(ValueError):
    """A family or deck that no active deck has; the message names what exists."""


@dataclass(frozen=True, slots=True)
class StatsFilter:
    """Which cards the statistics cover: everything, one family or one deck, and of
    those the cards of one course module (``module:`` in the deck files)."""

    family: str | None = None
    deck: str | None = None
    module: int | None = None


@dataclass(frozen=True, slots=True)
class StatsScope:
    """A resolved filter: its title for screens, and the decks it covers."""

    title: str
    scope: Scope
    deck_titles: dict[str, str]
    deck_families: dict[str, str]

    @property
    def everything(self) -> bool:
        return self.scope.everything


# -- panels ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Today:
    """Today's study (from the start of the study day)."""

    cards: int
    answers: int
    seconds: float
    again: int
    learning: int
    review: int
    relearning: int

    @property
    def again_rate(self) -> float | None:
        return self.again / self.answers if self.answers else None


# The later jobs' figures (answers by day, hours, memory, coverage, steering) are
# dataclasses of studyapp/services/figures.py, imported by the methods and summaries below
# that make them, on the job's worker thread: Ctrl+T's first charts (issue 19, budget 150
# ms) need only Today and Forecast. Creating the other 15 frozen dataclasses here was a
# third of the imports Ctrl+T makes on the GUI thread: 182.8 -> 123.5 M instructions
# (callgrind, PYTHONHASHSEED=0, the imports of services.stats + gui.statistics).


_PERIODS = (
    ("today", "Today", 0, 0),
    ("yesterday", "Yesterday", -1, -1),
    ("week", "Last 7 days", -6, 0),
    ("month", "Last 30 days", -29, 0),
    ("year", "Last 365 days", -364, 0),
    ("all_time", "All time", None, 0),
)


@dataclass(frozen=True, slots=True)
class Forecast:
    """Cards falling due on each of the next days (day 0 is today), learning included."""

    learning: tuple[int, ...]
    review: tuple[int, ...]
    overdue: int

    def due(self, day: int) -> int:
        return self.learning[day] + self.review[day]

    def total(self, days: int) -> int:
        return sum(self.learning[:days]) + sum(self.review[:days])

    def average(self, days: int) -> float:
        return self.total(days) / days if days else 0.0


STABILITY_BINS = (
    (1, "under 1 d"),
    (2, "1 d"),
    (4, "2-3 d"),
    (7, "4-6 d"),
    (14, "1-2 wk"),
    (30, "2-4 wk"),
    (60, "1-2 mo"),
    (120, "2-4 mo"),
    (240, "4-8 mo"),
    (365, "8-12 mo"),
    (730, "1-2 y"),
    (float("inf"), "2 y+"),
)


# -- the service -------------------------------------------------------------------------
@dataclass
class Statistics:
    """Statistics over one store, at the time ``clock`` gives, in the local zone ``tz``
    (None: the system's), with the study day rolling over at the settings' hour."""

    store: Engine | Path
    """The store's engine, or the path of a store read on plain read-only ``sqlite3``
    connections, each block on its own (:func:`~studyapp.store.plain.read_only_store`), so
    ``studyapp stats --json`` imports no SQLAlchemy (0.12-0.19 s of CPU). The caller of
    the latter has checked that the store is up to date (:func:`plain_statistics`)."""
    settings: Settings
    clock: Callable[[], datetime] = utc_now
    tz: tzinfo | None = None
    _tally: bool | None = field(default=None, repr=False)

    @property
    def engine(self) -> Engine:
        """The store's engine (not on plain connections)."""
        if isinstance(self.store, Path):
            raise TypeError(f"{self.store} is read on plain connections, without an engine")
        return self.store

    @property
    def store_path(self) -> Path:
        """The study store counted (named in its storage errors)."""
        if isinstance(self.store, Path):
            return self.store
        return Path(self.store.url.database or "")

    @contextmanager
    def connect(self) -> Iterator[Db]:
        """A plain connection to the store for the block: one of the engine's pooled
        connections, or without an engine a new read-only one (each thread its own)."""
        if not isinstance(self.store, Path):
            from studyapp.store.database import pooled_connection

            # (A pooled connection's driver errors are not the engine's: mapped here.)
            with storage_errors(self.store_path), pooled_connection(self.store) as db:
                yield db
            return
        with storage_errors(self.store_path), read_only_store(self.store_path) as plain:
            if plain is None:  # (made or upgraded since the caller looked: not by a read)
                raise RuntimeError(f"{self.store_path} is not up to date for a plain read")
            store.sorts_in_memory(plain)
            yield plain

    # -- time ------------------------------------------------------------------------------
    def now(self) -> datetime:
        return require_utc(self.clock())

    def day_start(self, now: datetime | None = None) -> datetime:
        moment = now or self.now()
        return study_day(moment, rollover_hour=self.settings.rollover_hour, tz=self.tz).start

    def local_date(self, day_start: datetime) -> date:
        """The calendar date a study day is named by (the date its start falls on)."""
        return day_start.astimezone(self.tz).date()

    def scheduler(self) -> Scheduler:
        return Scheduler(self.settings.scheduler_config())

    # -- scope -----------------------------------------------------------------------------
    def resolve(self, wanted: StatsFilter | None = None) -> StatsScope:
        """The decks (and course module) a filter covers.

        Raises:
            UnknownFilter: no active deck has that family or id, or no card that module.
        """
        wanted = wanted or StatsFilter()
        with self.connect() as conn:
            decks = store.decks(conn)
            modules = store.modules(conn) if wanted.module is not None else []
        titles = {d.id: d.title for d in decks}
        families = {d.id: d.family for d in decks}
        title = "All decks"
        deck_ids: tuple[str, ...] | None = None
        if wanted.deck is not None:
            if wanted.deck not in titles:
                raise UnknownFilter(
                    f"no deck {wanted.deck!r}; decks: {', '.join(sorted(titles)) or 'none'}"
                )
            title, deck_ids = titles[wanted.deck], (wanted.deck,)
        elif wanted.family is not None:
            deck_ids = tuple(d.id for d in decks if d.family == wanted.family)
            if not deck_ids:
                known = sorted(set(families.values()), key=family_order)
                raise UnknownFilter(
                    f"no family {wanted.family!r}; families: {', '.join(known) or 'none'}"
                )
            title = family_title(wanted.family)
        if wanted.module is not None:
            found = {m.number: m.title for m in modules}
            if wanted.module not in found:
                names = ", ".join(str(n) for n in found) or "none"
                raise UnknownFilter(f"no card is in module {wanted.module}; modules: {names}")
            module = f"Module {wanted.module}: {found[wanted.module]}"
            if found[wanted.module] == f"Module {wanted.module}":
                module = found[wanted.module]
            title = module if deck_ids is None else f"{title}, {module}"
        return StatsScope(title, Scope(deck_ids, wanted.module), titles, families)

    def modules(self) -> list[tuple[int, str]]:
        """(number, title) of the course modules cards name, for the filter menu."""
        with self.connect() as conn:
            return [(m.number, m.title) for m in store.modules(conn)]

    def families(self) -> list[tuple[str, str, list[tuple[str, str]]]]:
        """(family id, title, [(deck id, deck title), ...]) for the filter menus."""
        with self.connect() as conn:
            decks = store.decks(conn)
        grouped: dict[str, list[tuple[str, str]]] = {}
        for d in decks:
            grouped.setdefault(d.family, []).append((d.id, d.title))
        return [(f, family_title(f), grouped[f]) for f in sorted(grouped, key=family_order)]

    def ensure_ready(self) -> None:
        """Check (and if need be rebuild) the tally now, before panels are computed side
        by side on several threads."""
        self._use_tally()

    def _use_tally(self) -> bool:
        if self._tally is None:
            if isinstance(self.store, Path):
                with self.connect() as db:
                    self._tally = store.tally_ready(db)
            else:
                self._tally = store.ensure_tally(self.engine)
        return self._tally

    # -- answers ---------------------------------------------------------------------------
    def answers(self, scope: StatsScope) -> AnswerStats:
        """Today, the streak, the calendar, time spent and true retention."""
        now = self.now()
        start = self.day_start(now)
        start_ms = int(start.timestamp() * 1000)
        with self.connect() as conn:
            rows = store.answers_by_day(
                conn, scope.scope, day_start_ms=start_ms, use_tally=self._use_tally()
            )
            cards_today = store.cards_studied_since(conn, scope.scope, since_ms=start_ms)
        return summarize_answers(rows, cards_today, self.local_date(start))

    def today(self, scope: StatsScope) -> Today:
        """Today's study alone, from today's answers (a few rows, by index): what the
        statistics screen shows first."""
        start_ms = int(self.day_start().timestamp() * 1000)
        with self.connect() as conn:
            rows = store.answers_since(conn, scope.scope, since_ms=start_ms)
            cards = store.cards_studied_since(conn, scope.scope, since_ms=start_ms)
        return summarize_today(rows, cards)

    def answer_totals(self, scope: StatsScope) -> tuple[int, int]:
        """All answers ever given in the scope, and the milliseconds they took."""
        with self.connect() as conn:
            return store.answer_totals(conn, scope.scope, use_tally=self._use_tally())

    def hours(self, scope: StatsScope, days: int = 365) -> Hours:
        from studyapp.services.figures import Hours

        now = self.now()
        start = self.day_start(now)
        offset = now.astimezone(self.tz).utcoffset() or timedelta(0)
        since = int((start - timedelta(days=days - 1)).timestamp() * 1000)
        with self.connect() as conn:
            rows = store.answers_by_hour(
                conn,
                scope.scope,
                offset_ms=int(offset.total_seconds() * 1000),
                since_ms=since,
                use_tally=self._use_tally(),
            )
        answers = [0] * 24
        failed = [0] * 24
        for row in rows:
            answers[row.hour] += row.answers
            failed[row.hour] += row.failed
        return Hours(days, tuple(answers), tuple(failed))

    # -- cards -----------------------------------------------------------------------------
    def forecast(self, scope: StatsScope, days: int = FORECAST_DAYS) -> Forecast:
        now = self.now()
        start = int(self.day_start(now).timestamp())
        with self.connect() as conn:
            rows = store.due_by_day(
                conn, scope.scope, day_start=start, days=days, now=int(now.timestamp())
            )
        learning = [0] * days
        review = [0] * days
        overdue = 0
        for row in rows:
            if row.day < 0:
                overdue += row.cards
            elif row.learning:
                learning[row.day] += row.cards
            else:
                review[row.day] += row.cards
        return Forecast(tuple(learning), tuple(review), overdue)

    def coverage(self, scope: StatsScope) -> Coverage:
        from studyapp.services.figures import Coverage, DeckCoverage, FamilyCoverage

        with self.connect() as conn:
            counts = {c.deck_id: c for c in store.card_counts(conn, scope.scope)}
        wanted = scope.scope.deck_ids
        by_family: dict[str, list[DeckCoverage]] = {}
        for deck_id, title in sorted(scope.deck_titles.items(), key=lambda kv: kv[1]):
            if wanted is not None and deck_id not in wanted:
                continue
            c = counts.get(deck_id)
            if c is None and scope.scope.module is not None:
                continue  # a deck without cards in the module
            family = scope.deck_families[deck_id]
            by_family.setdefault(family, []).append(
                DeckCoverage(
                    deck_id,
                    title,
                    family,
                    c.new if c else 0,
                    c.learning if c else 0,
                    c.young if c else 0,
                    c.mature if c else 0,
                    c.suspended if c else 0,
                )
            )
        return Coverage(
            tuple(
                FamilyCoverage(f, family_title(f), tuple(by_family[f]))
                for f in sorted(by_family, key=family_order)
            )
        )

    def module_coverage(self, scope: StatsScope) -> tuple[ModuleCoverage, ...]:
        """Coverage per course module, in module order (cards in no module last); empty
        when the course defines no modules."""
        from studyapp.services.figures import ModuleCoverage

        with self.connect() as conn:
            known = {m.number: m.title for m in store.modules(conn)}
            if not known:
                return ()
            counts = {c.module: c for c in store.card_counts_by_module(conn, scope.scope)}
        result = []
        numbers: list[int | None] = [
            *sorted({*known, *(m for m in counts if m is not None)}),
            *([None] if None in counts else []),
        ]
        for number in numbers:
            c = counts.get(number) or store.ModuleCounts(number, 0, 0, 0, 0, 0)
            if number is None:
                title = "In no module"
            else:
                name = known.get(number, f"Module {number}")
                title = name if name == f"Module {number}" else f"Module {number}: {name}"
            result.append(
                ModuleCoverage(
                    "" if c.module is None else str(c.module),
                    title,
                    "",
                    c.new,
                    c.learning,
                    c.young,
                    c.mature,
                    c.suspended,
                    number=c.module,
                )
            )
        return tuple(result)

    def steering(self, scope: StatsScope, days: int = 30, listed: int = 8) -> Steering:
        """Leeches, and the cards put off with "Not now" in the last ``days`` days."""
        from studyapp.services.figures import CardLine, Steering

        start = self.day_start()
        start_ms = int(start.timestamp() * 1000)
        with self.connect() as conn:
            total, suspended, leech_rows = store.leeches(conn, scope.scope, limit=listed)
            per_day = dict(
                store.deferrals_by_day(
                    conn, scope.scope, day_start_ms=start_ms, since_day=-(days - 1)
                )
            )
            since = start_ms - (days - 1) * 86_400_000
            deferred_rows = store.most_deferred(conn, scope.scope, since_ms=since, limit=listed)
            texts = store.card_texts(conn, [r.card_id for r in (*leech_rows, *deferred_rows)])
            citations = CitationIndex(stored_sources(conn))

        def lines(rows: list[store.CardCount]) -> tuple[CardLine, ...]:
            return tuple(
                CardLine(
                    r.card_id,
                    card_question(texts.get(r.card_id), citations),
                    scope.deck_titles.get(texts[r.card_id].deck_id, "")
                    if r.card_id in texts
                    else "",
                    r.times,
                    r.suspended,
                )
                for r in rows
            )

        today = self.local_date(start)
        return Steering(
            leech_threshold=self.settings.leech_threshold,
            leeches=total,
            leeches_suspended=suspended,
            leech_cards=lines(leech_rows),
            first_day=today - timedelta(days=days - 1),
            deferrals=tuple(per_day.get(d, 0) for d in range(-(days - 1), 1)),
            most_deferred=lines(deferred_rows),
        )

    def memory(
        self, scope: StatsScope, *, sort: Callable[[Iterable[float]], list[float]] = sorted
    ) -> Memory:
        """Stability, difficulty and current retrievability of every card with a memory.
        ``sort`` sorts each column (:func:`sorted_in_runs` beside a GUI thread)."""
        with self.connect() as conn:
            rows = list(store.memory_states(conn, scope.scope))
        recalls = self.scheduler().retrievability_many(
            ((stability, last_review) for stability, _d, last_review in rows), self.now()
        )
        return summarize_memory(rows, recalls, sort=sort)


def summarize_memory(
    rows: list[tuple[float, float, int]],
    recalls: Iterable[float],
    *,
    sort: Callable[[Iterable[float]], list[float]] = sorted,
) -> Memory:
    """Histograms and averages of (stability, difficulty, last review) rows and their
    retrievability now. Each column is sorted once by ``sort`` (``sorted``, or
    :func:`sorted_in_runs`: the same lists); bins are counted by bisection."""
    from studyapp.services.figures import Histogram, Memory

    r_sorted = sort(recalls)
    stabilities = sort(row[0] for row in rows)
    difficulties = sort(row[1] for row in rows)
    n = len(rows)
    s_counts = _bin_counts(stabilities, [upper for upper, _ in STABILITY_BINS[:-1]])
    # Difficulty 1-10 shown as 0-100%: tenths of the range; retrievability in 5% steps.
    d_counts = _bin_counts(difficulties, [1 + 0.9 * i for i in range(1, 10)])
    r_counts = _bin_counts(r_sorted, [i / 20 for i in range(1, 20)])
    return Memory(
        cards=n,
        stability=Histogram(tuple(label for _, label in STABILITY_BINS), s_counts),
        difficulty=Histogram(tuple(f"{10 * i}-{10 * i + 10}%" for i in range(10)), d_counts),
        retrievability=Histogram(tuple(f"{5 * i}-{5 * i + 5}%" for i in range(20)), r_counts),
        median_stability=sorted_median(stabilities) if n else None,
        median_difficulty=difficulty_share(sorted_median(difficulties)) if n else None,
        average_retrievability=sum(r_sorted) / n if n else None,
    )


def sorted_median(ordered: list[float]) -> float:
    """``statistics.median`` of an already sorted, non-empty list (the same value: the
    middle one, or the mean of the two middle ones), without sorting it again or importing
    :mod:`statistics` (which imports fractions and decimal): ``stats --json``, the report
    and the screen's first Ctrl+T import this module. Importing the statistics' services
    (progress, stats, readiness) 550.8 M -> 538.4 M instructions (callgrind, -2.2%)."""
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


SORT_RUN = 8192
"""Values sorted by one call in :func:`sorted_in_runs`."""


def sorted_in_runs(values: Iterable[float]) -> list[float]:
    """``sorted(values)``, the same list, made so that no single call holds the GIL long.

    The statistics screen computes the memory panel on a worker thread while the GUI thread
    runs; ``list.sort`` is one C call that keeps the GIL until it returns, and sorting a
    column of 74,007 cards (200,000-card history) took 13-40 ms each, three columns in a
    row: the GUI thread waited for them (in one probe at load 0.5, the screen's longest
    stall: 47 ms of 46-62 ms; benchmarks/stats.py's screen worker). Sorted in runs of SORT_RUN
    values (the interpreter can hand the GIL over between runs), then the runs merged by
    one more sort, which finds them already in order (timsort's natural runs: a few
    linear merges, 2-12 ms at 74,007): the longest hold falls to ~a third of the whole
    sort's. The memory job alone on a worker thread with a 1 ms
    ticker beside it (15 runs each, alternately, nice -15, load 3.2): longest gap median
    15.3 ms (13.4-31.9) -> 10.2 ms (6.8-21.2). The sort is stable, so the list is the one
    ``sorted`` gives, element for element (tested). Its price: ~2.4 ms more CPU a column
    (two columns built and sorted, 15 interleaved runs, load 2.4: 21.0 -> 25.8 ms), so only
    the statistics screen sorts in runs; ``stats --json`` and the report keep ``sorted``."""
    column = list(values)
    if len(column) <= SORT_RUN:
        column.sort()
        return column
    merged: list[float] = []
    for start in range(0, len(column), SORT_RUN):
        merged += sorted(column[start : start + SORT_RUN])
    merged.sort()
    return merged


def _bin_counts(ordered: list[float], uppers: list[float]) -> tuple[int, ...]:
    """How many values of the sorted list fall below each upper bound (exclusive) and
    above the previous one; the last bin takes the rest."""
    edges = [0, *(bisect_left(ordered, upper) for upper in uppers), len(ordered)]
    return tuple(b - a for a, b in zip(edges, edges[1:], strict=False))


# -- pure summaries (tested on hand-made rows) ---------------------------------------------
def summarize_answers(
    rows: list[store.DayAnswers], cards_today: int, today: date, *, days: int = CALENDAR_DAYS
) -> AnswerStats:
    """Today, streak, calendar, time spent and true retention from answers by day."""
    from studyapp.services.figures import (
        AnswerStats,
        Calendar,
        RetentionPeriod,
        Streak,
        TimeSpent,
        TrueRetention,
    )

    per_day: dict[int, int] = {}
    ms_per_day: dict[int, int] = {}
    total_answers = 0
    total_ms = 0
    periods = {key: [0, 0, 0, 0] for key, *_ in _PERIODS}
    today_rows = []
    for row in rows:
        per_day[row.day] = per_day.get(row.day, 0) + row.answers
        ms_per_day[row.day] = ms_per_day.get(row.day, 0) + row.ms
        total_answers += row.answers
        total_ms += row.ms
        if row.day == 0:
            today_rows.append(row)
        if row.ivl == IVL_NONE or row.kind != 0:  # true retention: scheduled answers only
            continue
        cell = (0 if row.ivl == IVL_YOUNG else 2) + (1 if row.failed else 0)
        for key, _label, since, until in _PERIODS:
            if (since is None or row.day >= since) and row.day <= until:
                periods[key][cell] += row.answers
    today_stats = summarize_today(today_rows, cards_today)
    studied = {d for d, n in per_day.items() if n > 0}
    current = 0
    day = 0 if 0 in studied else -1
    while day in studied:
        current += 1
        day -= 1
    longest = run = 0
    previous: int | None = None
    for d in sorted(studied):
        run = run + 1 if previous is not None and d == previous + 1 else 1
        longest = max(longest, run)
        previous = d
    first = today - timedelta(days=days - 1)
    counts = tuple(per_day.get(d, 0) for d in range(-(days - 1), 1))
    minutes = tuple(ms_per_day.get(d, 0) / 60_000 for d in range(-(days - 1), 1))
    return AnswerStats(
        today=today_stats,
        streak=Streak(
            current=current,
            longest=longest,
            studied_today=0 in studied,
            days_last_year=sum(1 for d in studied if d > -365),
        ),
        calendar=Calendar(first, counts),
        time=TimeSpent(
            first,
            minutes,
            total_ms / 60_000,
            total_ms / 1000 / total_answers if total_answers else None,
        ),
        retention=TrueRetention(
            tuple(
                RetentionPeriod(key, label, *periods[key]) for key, label, _first, _last in _PERIODS
            )
        ),
        total_answers=total_answers,
    )


def card_question(text: store.CardText | None, citations: CitationIndex, width: int = 90) -> str:
    """A card's question as plain text on one line (citations as they read on screen), cut
    to ``width`` characters."""
    if text is None:
        return "(card not found)"
    rendered = render_card(
        kind=text.kind,
        key=text.key,
        front=text.front,
        back=text.back,
        text=text.text,
        extra="",
        correction="",
        citations=citations,
    )
    question = " ".join(plain(rendered.question).split())
    if len(question) <= width:
        return question
    cut = question[: width - 1]
    space = cut.rfind(" ", width // 2)
    if space > 0:  # at a word's end, not inside a word or a cloze's [...]
        cut = cut[:space]
    return cut.rstrip(" ,;:([") + "…"


def summarize_today(rows: Iterable[store.DayAnswers], cards: int) -> Today:
    """Today's figures from today's answers by kind."""
    answers = failed = ms = 0
    kinds = {"learning": 0, "review": 0, "relearning": 0}
    for row in rows:
        answers += row.answers
        ms += row.ms
        failed += row.answers if row.failed else 0
        kind = "review" if row.queue == 2 else "relearning" if row.queue == 3 else "learning"
        kinds[kind] += row.answers
    return Today(cards=cards, answers=answers, seconds=ms / 1000, again=failed, **kinds)


@contextmanager
def plain_statistics(
    store: Path,
) -> Iterator[tuple[Statistics, Callable[[bool], Overview]] | None]:
    """The statistics of the store at ``store`` read without SQLAlchemy, each block on its
    own plain read-only connection (:func:`~studyapp.store.plain.read_only_store`), with
    the settings and a function reading the overview (with each deck's card total or not)
    on the connection held for the block: ``studyapp stats --json``'s read. None when
    there is no store yet or it must first be brought up to date (the library's open then
    creates, upgrades or says why, as before). A store written by a newer StudyApp or a
    storage failure raises its one sentence (:class:`~studyapp.core.errors.KnownError`),
    as the library's open does.

    Without SQLAlchemy's import and engine, ``stats --json`` as the first read after an
    answer at 200,000 cards / 1M answers took 1.41 s of CPU against 1.61 s (medians of 6,
    interleaved A/B at load ~1), vouched 0.77 against 0.96 s, and ``report`` 1.98 against
    2.23 s; the statistics themselves are the same SQL on the same driver
    (tests/test_cli_stats_plain.py compares the JSON of both paths).
    """
    with storage_errors(store), read_only_store(store) as db:
        if db is None:
            yield None
            return
        settings = read_settings(db)
        statistics = Statistics(store, settings)
        yield statistics, lambda totals: read_overview(db, settings, totals=totals)
