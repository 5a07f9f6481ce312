"""The overview: every active deck grouped by family (or course module) with today's
counts, read in one snapshot of the store.

:func:`read_overview` takes a plain ``sqlite3`` connection and imports no SQLAlchemy:
:meth:`Library.overview <studyapp.services.library.Library.overview>` calls it on one of the
engine's connections, and the start-up's first frame on a plain one opened before SQLAlchemy
is imported (:mod:`studyapp.store.plain`), so the first frame shows the same counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, tzinfo
from enum import Enum
from pathlib import Path

import msgspec
from msgspec.structs import replace

from studyapp.core.errors import KnownError
from studyapp.core.studyday import study_day, utc_now
from studyapp.services.families import deck_title_in_family, family_order, family_title
from studyapp.services.settings import Settings, read_settings
from studyapp.services.text import describe_day, describe_next_due
from studyapp.services.today import due_query, read_today
from studyapp.store import queries
from studyapp.store.lock import StoreLock
from studyapp.store.plain import DB_FILENAME, Db, read_only_store
from studyapp.store.queries import CardCounts, CourseModuleInfo, DeckInfo

__all__ = [
    "CardCounts",
    "DeckSummary",
    "FamilySummary",
    "FirstFrame",
    "ModuleSummary",
    "Overview",
    "ScopeChoice",
    "ScopeKind",
    "describe_nothing_due",
    "read_first_frame",
    "read_overview",
]


class DeckSummary(msgspec.Struct, frozen=True):
    """One deck in the overview: its cards by where they stand (before daily limits), and
    what it gives today within its own daily limits (its preset's; the all-decks limits
    apply to the totals, :attr:`Overview.due_today`)."""

    id: str
    title: str
    family: str
    description: str
    counts: CardCounts
    today: CardCounts = CardCounts()

    @property
    def title_in_family(self) -> str:
        """The title as listed under its family's row: without the family's name
        (:func:`~studyapp.services.families.deck_title_in_family`)."""
        return deck_title_in_family(self.title, self.family)


class FamilySummary(msgspec.Struct, frozen=True):
    id: str
    title: str
    decks: tuple[DeckSummary, ...]
    counts: CardCounts
    today: CardCounts = CardCounts()
    """The sum of its decks' :attr:`DeckSummary.today`."""


class ModuleSummary(msgspec.Struct, frozen=True):
    """One course module in the overview grouped by module: the decks with cards in it,
    each with the counts of those cards only (:attr:`DeckSummary.counts` and ``today``)."""

    number: int
    """0 for the cards that name no module."""
    title: str
    decks: tuple[DeckSummary, ...]
    counts: CardCounts
    today: CardCounts
    waiting: str = ""
    """When its new cards come, while they wait ('' once released): 'from 1 Apr 2026' (its
    release date), or 'not reached yet' (after the module the trainee says they are in)."""

    @property
    def deck_titles(self) -> tuple[str, ...]:
        """Its decks' titles as listed under it: when every deck is of one family, without
        the family's name (:func:`~studyapp.services.families.deck_title_in_family`), which
        tells none of them apart and cut the titles at 800 px ('Mechanisms: receptors,
        transmitters and h…' three times under 'How it might work'); decks of several
        families keep it, since it is then what tells them apart."""
        if len({d.family for d in self.decks}) != 1:
            return tuple(d.title for d in self.decks)
        return tuple(d.title_in_family for d in self.decks)


class Overview(msgspec.Struct, frozen=True):
    """All active decks grouped by family, and today's totals within the daily limits."""

    families: tuple[FamilySummary, ...]
    due_today: CardCounts
    next_due: datetime | None
    reviews_total: int
    modules: tuple[ModuleSummary, ...] = ()
    """The decks grouped by course module, when the settings ask for it."""
    has_modules: bool = False
    """The decks' course defines modules (so the overview can group by them)."""
    new_held: str = ""
    """Why today gives no new card although some wait: ``settings`` (new cards per day is
    0 in the settings), ``deck options`` (0 in the options of every deck with new cards),
    ``today`` (today's new cards are done); '' when new cards come today, or none wait."""

    @property
    def is_empty(self) -> bool:
        return not self.families


class ScopeKind(Enum):
    ALL = "all"
    FAMILY = "family"
    DECK = "deck"
    MODULE = "module"


class ScopeChoice(msgspec.Struct, frozen=True):
    """What the trainee chose to study: everything, one family or one deck (by id).

    The overview hands this to the window, which asks :meth:`Library.scope` for the
    :class:`StudyScope` (deck ids and a title) when the session starts.
    """

    kind: ScopeKind = ScopeKind.ALL
    id: str = ""
    module: int | None = None
    """A course module: the module's cards (kind MODULE), or a deck's cards in it (DECK)."""

    @classmethod
    def everything(cls) -> ScopeChoice:
        return cls(ScopeKind.ALL)

    @classmethod
    def of_module(cls, number: int, deck_id: str = "") -> ScopeChoice:
        """The cards of module ``number`` (0: those in no module), or of one deck in it."""
        if deck_id:
            return cls(ScopeKind.DECK, deck_id, number)
        return cls(ScopeKind.MODULE, "", number)

    @classmethod
    def family(cls, family_id: str) -> ScopeChoice:
        return cls(ScopeKind.FAMILY, family_id)

    @classmethod
    def deck(cls, deck_id: str) -> ScopeChoice:
        return cls(ScopeKind.DECK, deck_id)


def read_overview(
    db: Db,
    settings: Settings,
    now: datetime | None = None,
    *,
    totals: bool = False,
    tz: tzinfo | None = None,
) -> Overview:
    """Decks by family with counts, for the main screen and ``studyapp stats``.

    Today's counts are a session's over every deck (:mod:`studyapp.services.today`): the
    all-decks daily limits apply to the totals, each deck's preset to its row.

    Args:
        db: a connection to the store (read in one snapshot if the caller opened one).
        settings: the trainee's settings (rollover hour, limits, grouping).
        now: the current time (tests pass a fixed one).
        totals: also count every active card per deck (a full count; ``stats`` wants it,
            the main screen does not).
        tz: the local time zone for the rollover (the system's when None).
    """
    moment = now if now is not None else utc_now()
    day = study_day(moment, rollover_hour=settings.rollover_hour, tz=tz)
    by_module: dict[tuple[str, int | None], CardCounts] = {}
    today_date = day.start.astimezone(tz).date().isoformat()
    held = queries.held_modules(db, today=today_date, current=settings.current_module)
    counts = queries.count_cards(
        db, day_end=int(day.end.timestamp()), now=int(moment.timestamp()), held=held
    )
    course = queries.course_modules(db)
    grouped = bool(course) and settings.overview_by_module
    if grouped:
        by_module = queries.count_cards_by_module(
            db, day_end=int(day.end.timestamp()), now=int(moment.timestamp()), held=held
        )
    if totals:
        for deck_id, total in queries.total_cards(db).items():
            counts[deck_id] = replace(counts.get(deck_id, CardCounts()), total=total)
    decks = queries.active_decks(db)
    reviews = queries.review_count(db)
    # What a session over every deck starting now gives (StudySession.counts, next_due and
    # allowances), on the same connection.
    today = read_today(
        db,
        day_start_ms=int(day.start.timestamp() * 1000),
        deck_ids=None,
        local_date=today_date,
        current_module=settings.current_module,
    )
    query = due_query(settings, today, now=moment, day=day, deck_ids=None, module=None)
    # From the per-deck counts just read, not a second count (the same sets: see
    # due_capped_from_counts; count_due_capped was 3.6 ms at 50,000 notes).
    due_today = queries.due_capped_from_counts(counts, query)
    due_at = queries.next_due(db, now=query.now, deck_ids=None, module=None)
    next_due = None if due_at is None else datetime.fromtimestamp(due_at, UTC)
    new_left, reviews_left = today.left(0), today.left(1)
    by_family: dict[str, list[DeckSummary]] = {}
    for d in decks:
        c = counts.get(d.id, CardCounts())
        # Within the deck's own daily limits (its preset's), as Anki's deck list.
        deck_today = replace(
            c,
            new=min(c.new, new_left.get(d.id, c.new), due_today.new),
            review=min(c.review, reviews_left.get(d.id, c.review), due_today.review),
        )
        by_family.setdefault(d.family, []).append(
            DeckSummary(d.id, d.title, d.family, d.description, c, deck_today)
        )
    families = []
    for family in sorted(by_family, key=family_order):
        members = tuple(by_family[family])
        family_counts = family_today = CardCounts()
        for deck in members:
            family_counts = family_counts + deck.counts
            family_today = family_today + deck.today
        families.append(
            FamilySummary(
                family,
                family_title(family),
                members,
                family_counts,
                _within(family_today, due_today),
            )
        )
    modules = (
        _module_groups(
            course,
            by_module,
            decks,
            held,
            new_left,
            reviews_left,
            settings.current_module,
            due_today,
        )
        if grouped
        else ()
    )
    waiting = [d.id for d in decks if counts.get(d.id, CardCounts()).new]
    new_held = ""
    if waiting and not due_today.new:
        if settings.new_per_day == 0:
            new_held = "settings"
        elif all(
            (preset := today.presets.get(deck)) is not None and preset.new_per_day == 0
            for deck in waiting
        ):
            new_held = "deck options"
        else:
            new_held = "today"
    return Overview(tuple(families), due_today, next_due, reviews, modules, bool(course), new_held)


# The 0 stays on the line of what it counts when the sentence wraps (at 800 px it broke
# between "is" and "0"), as the deck list's subtitle keeps its numbers.
_HELD = {
    "settings": ", and new cards per day is\u00a00: raise it in Tools → Settings… (Study) to "
    "start new cards.",
    "deck options": ", and the decks' options allow 0\u00a0new cards a day: raise it in Tools → "
    "Deck options… to start new cards.",
    "today": ", and today's new cards are done: more come tomorrow.",
}


def describe_nothing_due(overview: Overview, now: datetime) -> str:
    """What the deck list says when nothing is due today: when the next review is or, with
    none scheduled, why no new card comes and how to change it (it said 'Start with new
    cards.' when new cards per day was 0)."""
    if overview.next_due is not None:
        return "Nothing due — " + describe_next_due(overview.next_due, now)
    return "Nothing due — no reviews scheduled yet" + _HELD.get(overview.new_held, ".")


class FirstFrame(msgspec.Struct, frozen=True):
    """What the window's first frame shows, read before the library is opened."""

    settings: Settings
    overview: Overview
    lock: StoreLock
    """The data folder's lock, held since before the read: the library takes it over
    (``Library(..., lock=...)``), so no other StudyApp can change the store in between."""


def read_first_frame(data_dir: Path, now: datetime | None = None) -> FirstFrame | None:
    """The settings and overview of the store in ``data_dir``, read on a plain connection
    under the folder's lock, without SQLAlchemy: the window's first frame (issue 19).

    None when this read cannot answer, with the lock released: there is no store yet, it
    must be brought up to date, or opening it fails (in use by another StudyApp, damaged,
    written by a newer StudyApp, unreadable). The library's own open then creates,
    upgrades or says why, in the same words as without this read. Nothing is written.
    """
    lock = StoreLock(data_dir)
    try:
        lock.acquire()
        with read_only_store(Path(data_dir) / DB_FILENAME) as db:
            if db is None:
                lock.release()
                return None
            settings = read_settings(db)
            overview = read_overview(db, settings, now)
    except KnownError:
        lock.release()
        return None
    except BaseException:
        lock.release()
        raise
    return FirstFrame(settings, overview, lock)


def _within(counts: CardCounts, limit: CardCounts) -> CardCounts:
    """A group's counts today within the all-decks daily limits (``limit``: what the whole
    collection gives today), as Anki caps a parent deck's: a family of three decks with 20
    new cards each shows 20 when 20 new cards a day is the limit."""
    return replace(counts, new=min(counts.new, limit.new), review=min(counts.review, limit.review))


def _day_text(iso: str) -> str:
    """'1 Apr 2026' for '2026-04-01'."""
    return describe_day(date.fromisoformat(iso))


def _module_groups(
    course: Sequence[CourseModuleInfo],
    counts: dict[tuple[str, int | None], CardCounts],
    decks: Sequence[DeckInfo],
    held: Sequence[int],
    new_left: dict[str, int],
    reviews_left: dict[str, int],
    current: int,
    limit: CardCounts,
) -> tuple[ModuleSummary, ...]:
    """The overview's groups by course module: each module (and, last, the cards of none)
    with the decks that have cards in it, today's counts within each deck's own limits."""
    titles = [(m.number, f"Module {m.number}: {m.title}", m.release) for m in course]
    if any(module is None for _deck, module in counts):
        titles.append((0, "In no module", None))
    groups = []
    for number, title, release in titles:
        members = []
        for d in sorted(decks, key=lambda d: family_order(d.family)):
            c = counts.get((d.id, number or None))
            if c is None:
                continue
            today = _within(
                replace(
                    c,
                    new=min(c.new, new_left.get(d.id, c.new)),
                    review=min(c.review, reviews_left.get(d.id, c.review)),
                ),
                limit,
            )
            members.append(DeckSummary(d.id, d.title, d.family, d.description, c, today))
        total = total_today = CardCounts()
        for deck in members:
            total, total_today = total + deck.counts, total_today + deck.today
        total_today = _within(total_today, limit)
        waiting = ""
        if number in held:
            waiting = f"from {_day_text(release)}" if release and not current else "not reached yet"
        groups.append(ModuleSummary(number, title, tuple(members), total, total_today, waiting))
    return tuple(groups)
