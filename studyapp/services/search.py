"""Searching cards: the query language (:mod:`studyapp.core.search`) run against a store.

One service for the browser, the CLI's ``studyapp search`` and cram sessions, so all three
give the same cards for the same query. docs/search.md describes the language.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache

from studyapp.core.model import Queue
from studyapp.core.scheduling import Scheduler
from studyapp.core.search import Node, SearchError, parse
from studyapp.core.studyday import study_day, utc_now
from studyapp.services.families import deck_title_in_family
from studyapp.services.render import CitationIndex, render_question
from studyapp.services.settings import Settings
from studyapp.store import queries
from studyapp.store import search as store_search
from studyapp.store.database import Db, Engine, pooled_connection
from studyapp.store.rows import SourceRow
from studyapp.store.search import SORTS, BrowserRow, DocumentSource, SearchContext

__all__ = [
    "SORTS",
    "CardSearch",
    "SearchError",
    "SearchItem",
    "SearchResults",
    "card_document",
    "deck_places",
    "plain_text",
]

_INLINE_TAG = re.compile(r"</?(?:b|i|em|strong|u|sub|sup|code|small|span)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_CLOZE = re.compile(r"\{\{c\d+::(.*?)(?:::(.*?))?\}\}", re.DOTALL)
_SPACE = re.compile(r"\s+")


def plain_text(rich: str) -> str:
    """Card rich text as plain text for the index: tags out, entities decoded.

    Inline tags go without a trace (``5-HT<sub>2A</sub>`` is the word ``5-HT2A``), others
    (``<br>``, ``<li>``) leave a space.

    A regular expression rather than the sanitiser: the index is built for every card at
    once (5x faster), and deck text only ever holds the few inline tags the format allows.
    """
    if not rich:
        return ""
    text = _TAG.sub(" ", _INLINE_TAG.sub("", rich)) if "<" in rich else rich
    if "&" in text:
        text = html.unescape(text)
    return text


def card_document(source: DocumentSource) -> store_search.Document:
    """The card's full-text row: question, answer, explanation and the trainee's note."""
    if source.kind == "cloze":
        question = plain_text(_CLOZE.sub(lambda m: f"{m[1]} {m[2] or ''}", source.text))
        answer = ""
    elif source.key == "rev":
        question, answer = plain_text(source.back), plain_text(source.front)
    else:
        question, answer = plain_text(source.front), plain_text(source.back)
    parts = (plain_text(source.extra), plain_text(source.correction))
    explanation = " ".join(p for p in parts if p)
    return question, answer, explanation, source.user_note


@dataclass(frozen=True, slots=True)
class SearchItem:
    """One card as a list of search results shows it: plain text, plain values."""

    card_id: int
    note_id: str
    question: str
    deck: str
    queue: Queue
    due: datetime | None
    """None for a new card."""
    interval_days: float | None
    retrievability: float | None
    stability: float | None
    difficulty: float | None
    reviews: int
    lapses: int
    last_answered: datetime | None
    retired: bool
    suspended: bool
    buried: bool
    flag: int
    leech: bool
    deck_label: str = ""
    """What tells the deck apart in a narrow column: its title without its family's name
    ('MDMA-assisted therapy' of 'Evidence: MDMA-assisted therapy'), as the overview lists it
    under the family (:func:`~studyapp.services.families.deck_title_in_family`); the whole
    title when it does not begin with it. The Deck column sorts by it (:func:`deck_places`)."""

    def as_json(self) -> dict[str, object]:
        """The item as JSON-ready values (times in ISO 8601, UTC)."""
        return {
            "card_id": self.card_id,
            "note_id": self.note_id,
            "question": self.question,
            "deck": self.deck,
            "state": self.state,
            "due": self.due.isoformat() if self.due else None,
            "interval_days": None if self.interval_days is None else round(self.interval_days, 2),
            "retrievability": None
            if self.retrievability is None
            else round(self.retrievability, 4),
            "stability": self.stability,
            "difficulty": self.difficulty,
            "reviews": self.reviews,
            "lapses": self.lapses,
            "last_answered": self.last_answered.isoformat() if self.last_answered else None,
            "suspended": self.suspended,
            "buried": self.buried,
            "retired": self.retired,
            "flag": self.flag,
            "leech": self.leech,
        }

    @property
    def state(self) -> str:
        """The card's state in a word or two, e.g. ``suspended`` or ``review``."""
        if self.retired:
            return "retired"
        if self.suspended:
            return "suspended"
        if self.buried:
            return "buried"
        return {
            Queue.NEW: "new",
            Queue.LEARNING: "learning",
            Queue.REVIEW: "review",
            Queue.RELEARNING: "relearning",
        }[self.queue]


FIRST_PAGE = 200
"""Ids in a search's first page (:meth:`CardSearch.results`): a full-height browser shows
about 40 rows."""
PAGE = 2000
"""Ids fetched at a time as a list of results is scrolled past the first page."""


class SearchResults:
    """A search's cards as a list of results pages through them: how many, and their ids
    in order, fetched a page at a time as rows further down are asked for.

    Pages are read at the moment of the search (``is:due``, retrievability) and each starts
    after the previous page's last card's place in the order (keyset paging). A store
    changed meanwhile may make the cards fetched later differ from the count: once the
    last page is in, :attr:`count` is the cards fetched.
    """

    def __init__(
        self,
        search: CardSearch,
        node: Node,
        sort: str,
        descending: bool,
        now: datetime,
        count: int,
        ids: list[int],
        after: store_search.SortKey | None,
    ) -> None:
        self._search = search
        self._node = node
        self.sort = sort
        self.descending = descending
        self._now = now
        self.count = count if after is not None else len(ids)
        self._ids = ids
        self._after = after

    @property
    def loaded(self) -> list[int]:
        """The ids fetched so far, in order (do not change the list)."""
        return self._ids

    @property
    def complete(self) -> bool:
        return self._after is None

    def ensure(self, rows: int) -> None:
        """Fetch pages until the first ``rows`` ids are in (or every id is)."""
        while self._after is not None and len(self._ids) < rows:
            self._fetch(max(PAGE, rows - len(self._ids)))

    def all_ids(self) -> list[int]:
        """Every id, in order (fetching the rest at once)."""
        if self._after is not None:
            self._fetch(None)
        return self._ids

    def position(self, card_id: int) -> int | None:
        """The row of card ``card_id`` (None if the search did not find it)."""
        try:
            return self._ids.index(card_id)
        except ValueError:
            pass
        if self._after is None:
            return None
        row = self._search._rank(self._node, self._now, card_id, self.sort, self.descending)
        if row is None:
            return None
        self.ensure(row + 1)
        if row < len(self._ids) and self._ids[row] == card_id:
            return row
        # The store changed since the search: wherever the card is now, if anywhere.
        return self._ids.index(card_id) if card_id in self._ids else None

    def reverse(self) -> None:
        """The same cards the other way round (every id fetched first)."""
        self.all_ids().reverse()
        self.descending = not self.descending

    def _fetch(self, limit: int | None) -> None:
        assert self._after is not None
        ids, self._after = self._search._page(
            self._node,
            self._now,
            sort=self.sort,
            descending=self.descending,
            limit=limit,
            after=self._after,
            matches=self.count,
        )
        self._ids.extend(ids)
        if self._after is None:
            self.count = len(self._ids)


def _checked(query: str, sort: str) -> Node:
    """``query``'s tree, once ``sort`` is known to be a column of :data:`SORTS`.

    Raises:
        SearchError: the query is malformed (the message names the column).
        ValueError: ``sort`` is not a column of :data:`SORTS`.
    """
    if sort not in SORTS:
        raise ValueError(f"cannot sort by {sort!r}; choose one of {', '.join(SORTS)}")
    return parse(query)


def deck_places(decks: Iterable[tuple[str, str, str]]) -> dict[str, int]:
    """Each deck's place (by id, from 0) in the Deck column's order, for the decks' ids,
    titles and families: by the label the column shows (:attr:`SearchItem.deck_label`), case
    aside, then by title and id, so the column sorts as it reads. The store sorts the cards
    by these places (:attr:`~studyapp.store.search.SearchContext.deck_places`)."""
    ranked = sorted(decks, key=lambda d: (deck_title_in_family(d[1], d[2]).casefold(), d[1], d[0]))
    return {deck_id: place for place, (deck_id, _title, _family) in enumerate(ranked)}


def _epoch(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


class CardSearch:
    """Runs searches on a store for one trainee's settings.

    Each call borrows a connection from the engine's pool for its duration, so searches may
    run on a worker thread while the GUI thread fetches rows.

    Args:
        engine: the store.
        settings: the rollover hour (study days) and the scheduler (retrievability).
        clock: the current time (tests pass a fixed one).
        tz: the local time zone (the system's when None).
    """

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utc_now,
        tz: tzinfo | None = None,
    ) -> None:
        self._engine = engine
        self._settings = settings
        self._scheduler = Scheduler(settings.scheduler_config(), tz=tz)
        self._clock = clock
        self._tz = tz
        self._citations: tuple[dict[str, SourceRow], CitationIndex] | None = None

    # -- plumbing --------------------------------------------------------------------------
    @contextmanager
    def _connection(self) -> Iterator[Db]:
        with pooled_connection(self._engine) as db:
            yield db

    def _context(self, now: datetime, db: Db) -> SearchContext:
        rollover, tz = self._settings.rollover_hour, self._tz
        today = study_day(now, rollover_hour=rollover, tz=tz)

        @lru_cache(maxsize=16)
        def day_starts(days: int) -> int:
            if days == 0:
                return int(today.start.timestamp())
            inside = today.start + timedelta(days=days, hours=12)
            return int(study_day(inside, rollover_hour=rollover, tz=tz).start.timestamp())

        return SearchContext(
            now=int(now.timestamp()),
            day_starts=day_starts,
            deck_places=lambda: deck_places(store_search.deck_titles(db)),
        )

    def _retrievability(
        self, now: datetime
    ) -> Callable[[float, float | None, int | None, int], float | None]:
        """The scheduler's retrievability of a card at ``now``, from its stored columns."""
        recall_between = self._scheduler.recall_between
        moment = int(now.timestamp())

        def retrievability(
            stability: float, _difficulty: float | None, last_review: int | None, _due: int
        ) -> float | None:
            if last_review is None or stability <= 0:
                return None
            return recall_between(stability, last_review, moment)

        return retrievability

    @contextmanager
    def _prepared(self, db: Db, now: datetime) -> Iterator[SearchContext]:
        """``db`` ready to search at ``now`` with a current full-text index: the store's
        (a writer brings it up to date first), or for a reader that finds it missing or
        stale, a private current copy for the block (a reader never writes the store)."""
        store_search.register_functions(db, self._retrievability(now))
        with store_search.current_index(db, card_document):
            yield self._context(now, db)

    # -- the service -----------------------------------------------------------------------
    def update_index(self) -> int:
        """Bring the full-text index up to date (made if missing); returns the number of
        cards indexed. A writer's search does this itself when needed."""
        with self._connection() as db:
            if store_search.index_is_current(db):
                return 0
            return store_search.update_index(db, card_document)

    def keep_index_current(self) -> int:
        """After a write: bring the index up to date if the store has one (see
        :func:`studyapp.store.search.keep_current`), so a reader finds it current."""
        with self._connection() as db:
            return store_search.keep_current(db, card_document)

    @staticmethod
    def parse(query: str) -> Node:
        """The query's tree. Raises :class:`SearchError` (with a column) if malformed."""
        return parse(query)

    def search(self, query: str, *, sort: str = "due", descending: bool = False) -> list[int]:
        """The ids of the cards ``query`` matches, in ``sort`` order (see :data:`SORTS`).

        Raises:
            SearchError: the query is malformed (the message names the column).
            ValueError: ``sort`` is not a column of :data:`SORTS`.
        """
        node = _checked(query, sort)
        now = self._clock()
        with self._connection() as db, self._prepared(db, now) as context:
            return store_search.search_ids(db, node, context, sort=sort, descending=descending)

    def results(
        self,
        query: str,
        *,
        sort: str = "due",
        descending: bool = False,
        first: int | None = None,
    ) -> SearchResults:
        """How many cards ``query`` matches and the first ``first`` (:data:`FIRST_PAGE`
        when None) of them in ``sort`` order: what a list of results shows first; it
        fetches the rest as it is scrolled (:class:`SearchResults`). The same cards in the
        same order as :meth:`search`.

        Raises:
            SearchError: the query is malformed (the message names the column).
            ValueError: ``sort`` is not a column of :data:`SORTS`.
        """
        node = _checked(query, sort)
        now = self._clock()
        with self._connection() as db, self._prepared(db, now) as context:
            if not store_search.pages_well(node):
                ids = store_search.search_ids(db, node, context, sort=sort, descending=descending)
                return SearchResults(self, node, sort, descending, now, len(ids), ids, None)
            count = store_search.count_ids(db, node, context)
            ids, after = store_search.page_ids(
                db,
                node,
                context,
                sort=sort,
                descending=descending,
                limit=FIRST_PAGE if first is None else first,
                matches=count,
            )
        return SearchResults(self, node, sort, descending, now, count, ids, after)

    def _page(
        self,
        node: Node,
        now: datetime,
        *,
        sort: str,
        descending: bool,
        limit: int | None,
        after: store_search.SortKey,
        matches: int,
    ) -> tuple[list[int], store_search.SortKey | None]:
        with self._connection() as db, self._prepared(db, now) as context:
            return store_search.page_ids(
                db,
                node,
                context,
                sort=sort,
                descending=descending,
                limit=limit,
                after=after,
                matches=matches,
            )

    def _rank(
        self, node: Node, now: datetime, card_id: int, sort: str, descending: bool
    ) -> int | None:
        with self._connection() as db, self._prepared(db, now) as context:
            return store_search.rank_of(
                db, node, context, card_id, sort=sort, descending=descending
            )

    def count(self, query: str) -> int:
        """How many cards ``query`` matches."""
        node = parse(query)
        now = self._clock()
        with self._connection() as db, self._prepared(db, now) as context:
            return store_search.count_ids(db, node, context)

    def citations(self, db: Db) -> tuple[dict[str, SourceRow], CitationIndex]:
        """The bibliography as stored now, by id, and its citation labels.

        The labels are built again only when the stored rows differ from the ones they
        were built from: the rows are read on every call and compared whole, so a sync that
        changed a source shows at once and nothing stale is ever served. Reading and
        comparing the rows costs about a third of building the labels (bundled 64 sources:
        0.23 ms against 0.62 ms here), and every block of rows the browser fetches needed
        them (a third of a 64-row block under cProfile).
        """
        sources = queries.sources(db)
        cached = self._citations
        if cached is None or cached[0] != sources:
            cached = self._citations = (sources, CitationIndex(sources))
        return cached

    def items(self, card_ids: Sequence[int]) -> list[SearchItem]:
        """The cards ``card_ids`` as result rows, in the order given (unknown ids skipped)."""
        if not card_ids:
            return []  # (a card's details ask for its links' rows, mostly none)
        now = self._clock()
        with self._connection() as db:
            rows = store_search.browser_rows(db, card_ids)
            _sources, citations = self.citations(db)
        r_at = self._retrievability(now)
        epoch_now = int(now.timestamp())
        return [self._item(rows[i], r_at, epoch_now, citations) for i in card_ids if i in rows]

    @staticmethod
    def _item(
        row: BrowserRow,
        r_at: Callable[[float, float | None, int | None, int], float | None],
        now: int,
        citations: CitationIndex,
    ) -> SearchItem:
        queue = Queue(row.queue)
        rendered = render_question(
            kind=row.kind,
            key=row.key,
            front=row.front,
            back=row.back,
            text=row.text,
            citations=citations,
        )
        question = _SPACE.sub(" ", plain_text(rendered)).strip()
        interval = None
        if queue in (Queue.REVIEW, Queue.RELEARNING):
            interval = float(row.interval)
        recall = None
        if queue is not Queue.NEW and row.stability is not None:
            recall = r_at(row.stability, row.difficulty, row.last_review, row.due)
        return SearchItem(
            card_id=row.card_id,
            note_id=row.note_id,
            question=question,
            deck=row.deck_title,
            queue=queue,
            due=None if queue is Queue.NEW else _epoch(row.due),
            interval_days=interval,
            retrievability=recall,
            stability=row.stability,
            difficulty=row.difficulty,
            reviews=row.reps,
            lapses=row.lapses,
            last_answered=_epoch(row.last_review),
            retired=bool(row.retired),
            suspended=bool(row.suspended),
            buried=row.buried_until > now,
            flag=row.flag,
            leech=bool(row.leech),
            deck_label=deck_title_in_family(row.deck_title, row.deck_family),
        )
