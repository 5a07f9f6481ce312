"""The queries behind studying: next card, due counts, answer and undo.

They take an open connection so a service decides the transaction. The study path (next
card, counts, answer, undo) runs on the DB-API ``sqlite3`` connection under the engine:
plain SQL with sqlite3's statement cache costs ~20 µs a statement, where SQLAlchemy's
per-statement machinery costs ~70 µs more, most of an answer's budget. Everything else
(statistics, overview, sync) goes through SQLAlchemy Core.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Container, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import msgspec

from studyapp.core.model import CardId, MemoryState, Queue
from studyapp.store import queues, review_before
from studyapp.store.plain import run
from studyapp.store.rows import NOTE_COLUMNS, SOURCES_SQL, NoteValues, SourceRow

if TYPE_CHECKING:
    from sqlalchemy import Connection

# This module imports no SQLAlchemy: the start-up's first frame reads the overview through
# it on a plain ``sqlite3`` connection before SQLAlchemy (0.12-0.17 s) is imported.

__all__ = [
    "CardCounts",
    "DeckInfo",
    "active_decks",
    "review_count",
    "setting_rows",
    "CourseModuleInfo",
    "DueQuery",
    "apply_answer",
    "count_cards",
    "count_cards_by_module",
    "count_due_capped",
    "due_capped_from_counts",
    "course_modules",
    "total_cards",
    "done_today",
    "held_modules",
    "load_state",
    "next_card_id",
    "upcoming_reviews",
    "touched_notes",
    "undo_answer",
    "write_transaction",
]

_NEW, _REVIEW, _LEARNING = queues.NEW, queues.REVIEW, queues.LEARNING
_QUEUE_LEARNING, _QUEUE_RELEARNING = f"{Queue.LEARNING:d}", queues.RELEARNING
"""Queue values in SQL text (see :mod:`studyapp.store.queues`)."""


class StoredProgress(NamedTuple):
    """A card's scheduling columns, as stored (what :class:`MemoryState` is made from)."""

    queue: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: int
    """Seconds since the epoch, UTC; 0 for a new card."""
    last_review: int | None
    reps: int
    lapses: int
    interval: int
    """Days of the last interval given (Anki's rules read it); 0 until a review gives one."""


_STATE_COLUMNS = StoredProgress._fields


def to_epoch(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def from_epoch(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def state_from_row(row: Mapping[str, Any]) -> MemoryState:
    """A :class:`MemoryState` from a row (by column name) with the scheduling columns."""
    return MemoryState(
        queue=Queue(row["queue"]),
        step=row["step"],
        stability=row["stability"],
        difficulty=row["difficulty"],
        due=from_epoch(row["due"]) if row["queue"] != Queue.NEW else None,
        last_review=from_epoch(row["last_review"]),
        reps=row["reps"],
        lapses=row["lapses"],
        interval=row["interval"],
    )


_QUEUES = {int(queue): queue for queue in Queue}
_NEW_QUEUE = Queue.NEW
_NEW_INT = int(Queue.NEW)
_from_timestamp = datetime.fromtimestamp


def state_from_values(values: Sequence[Any]) -> MemoryState:
    """A :class:`MemoryState` from the scheduling columns in :class:`StoredProgress` order
    (the study path's rows: by position, no dict built per row).

    Twice an answer (the card shown, the state its answer starts from): the queue looked up
    in a dict (``Queue(n)`` goes through the enum machinery; an unknown value still raises
    its ValueError); with the state, the four outcomes, the card view and the due query made
    without a frozen dataclass's per-field setattr, the cycle 1.332M -> 1.247M instructions an
    answer (callgrind, 10k benchmark store). They are msgspec Structs now, whose constructor
    is C (an 8-field one ~3x faster than that shortcut, :mod:`studyapp.core.model`)."""
    queue, step, stability, difficulty, due, last_review, reps, lapses, interval = values
    kind = _QUEUES.get(queue)
    if kind is None:
        kind = Queue(queue)
    return MemoryState(
        kind,
        step,
        stability,
        difficulty,
        None if kind is _NEW_QUEUE or due is None else _from_timestamp(due, UTC),
        None if last_review is None else _from_timestamp(last_review, UTC),
        reps,
        lapses,
        interval,
    )


def _state_row(state: MemoryState) -> tuple[Any, ...]:
    """The scheduling columns of ``state`` as stored, in :class:`StoredProgress` order (a new
    card's missing due is 0)."""
    due = state.due
    last_review = state.last_review
    return (
        int(state.queue),
        state.step,
        state.stability,
        state.difficulty,
        0 if due is None else int(due.timestamp()),
        None if last_review is None else int(last_review.timestamp()),
        state.reps,
        state.lapses,
        state.interval,
    )


_snapshot = review_before.encode
"""The review's ``before`` of a :func:`_state_row` (:mod:`studyapp.store.review_before`)."""


class DueQuery(msgspec.Struct, frozen=True):
    """What "due" means right now, for one scope of decks.

    Attributes:
        now: current time, epoch seconds.
        day_start_ms: start of the study day, epoch milliseconds (for the review log).
        day_end: end of the study day, epoch seconds: review cards due before it are due today.
        learn_ahead: seconds a learning card may be shown early when nothing else is due.
        deck_ids: the decks to study; None for all.
        new_left: new cards still allowed today, all decks together.
        reviews_left: reviews still allowed today, all decks together.
        deck_new_left: new cards each deck of the scope still allows today (its preset's
            limit less what it introduced); None: no per-deck limits.
        deck_reviews_left: the same for reviews.
    """

    now: int
    day_start_ms: int
    day_end: int
    learn_ahead: int = 20 * 60
    deck_ids: tuple[str, ...] | None = None
    new_left: int = 20
    reviews_left: int = 200
    deck_new_left: Mapping[str, int] | None = None
    deck_reviews_left: Mapping[str, int] | None = None
    held_modules: tuple[int, ...] = ()
    """Course modules not released yet: their new cards are not introduced."""
    module: int | None = None
    """Only the cards of this course module (a module's Study button); None: any."""


def _in_decks(deck_ids: Sequence[str] | None, prefix: str = "d") -> tuple[str, dict[str, Any]]:
    if deck_ids is None:
        return "", {}
    names = [f"{prefix}{i}" for i in range(len(deck_ids))]
    placeholders = ", ".join(f":{n}" for n in names)
    return f" AND c.deck_id IN ({placeholders})", dict(zip(names, deck_ids, strict=True))


_STUDYABLE = "c.retired = 0 AND c.suspended = 0 AND c.buried_until <= :now"
"""A card any study queue may show: not retired, not suspended, not buried (``:now``)."""


def _released(held_modules: Sequence[int]) -> str:
    """SQL (`` AND ...``, or nothing) leaving out the cards of the modules not released yet:
    the notes of those modules, found by ``ix_note_module``. Nothing when all are released,
    so the usual queue pays nothing."""
    if not held_modules:
        return ""
    numbers = ", ".join(str(int(n)) for n in held_modules)
    return f" AND c.note_id NOT IN (SELECT id FROM note WHERE module IN ({numbers}))"


class CourseModuleInfo(NamedTuple):
    """A course module as synced: its number, title and release date (YYYY-MM-DD or None)."""

    number: int
    title: str
    release: str | None


def _rows(
    db: sqlite3.Connection | Connection,
    sql: str,
    values: tuple[Any, ...] | Mapping[str, Any] = (),
) -> list[Any]:
    """The rows of ``sql`` (``?`` or ``:name`` parameters) on a plain ``sqlite3``
    connection (a session's, the start-up's) or a pooled SQLAlchemy one."""
    if isinstance(db, sqlite3.Connection):
        return db.execute(sql, values).fetchall()
    return list(db.exec_driver_sql(sql, values))


class DeckInfo(NamedTuple):
    """An active deck as the overview and exports name it."""

    id: str
    title: str
    family: str
    description: str


def active_decks(db: sqlite3.Connection | Connection) -> list[DeckInfo]:
    """The active decks, by id."""
    rows = _rows(db, "SELECT id, title, family, description FROM deck WHERE active = 1 ORDER BY id")
    return [DeckInfo._make(r) for r in rows]


def review_count(db: sqlite3.Connection | Connection) -> int:
    """Every answer ever logged."""
    return int(_rows(db, "SELECT count(*) FROM review")[0][0])


def setting_rows(db: sqlite3.Connection | Connection) -> dict[str, str]:
    """Every setting row: key -> JSON text."""
    return {str(k): str(v) for k, v in _rows(db, "SELECT key, value FROM setting")}


def course_modules(db: sqlite3.Connection | Connection) -> list[CourseModuleInfo]:
    """Every course module by number (a number several courses use: its first title, and
    its latest release, or none if one of them has none)."""
    rows = _rows(
        db,
        "SELECT number, min(title), CASE WHEN count(release) = count(*) THEN max(release) END "
        "FROM course_module GROUP BY number ORDER BY number",
    )
    return [CourseModuleInfo(int(n), str(t), r) for n, t, r in rows]


def held_modules(
    db: sqlite3.Connection | Connection, *, today: str, current: int
) -> tuple[int, ...]:
    """The course modules whose new cards wait: those after ``current`` (the module the
    trainee says they are in), or with ``current`` 0 those whose release date (YYYY-MM-DD)
    is after ``today``. A number several courses use waits only while it waits in each."""
    if current > 0:
        sql = "SELECT DISTINCT number FROM course_module WHERE number > ? ORDER BY number"
        value: tuple[Any, ...] = (current,)
    else:
        sql = (
            "SELECT number FROM course_module GROUP BY number "
            "HAVING min(coalesce(release, '')) > ? ORDER BY number"
        )
        value = (today,)
    return tuple(int(n) for (n,) in _rows(db, sql, value))


def _in_module(module: int | None) -> str:
    """SQL (`` AND ...``, or nothing) keeping the cards (``c``) of course module ``module``
    (0: of no module; None: of any)."""
    if module is None:
        return ""
    if module == 0:  # the cards of no module
        return " AND c.note_id IN (SELECT id FROM note WHERE module IS NULL)"
    return f" AND c.note_id IN (SELECT id FROM note WHERE module = {int(module)})"


def _scope(query: DueQuery) -> tuple[str, dict[str, Any]]:
    decks, params = _in_decks(query.deck_ids)
    return decks + _in_module(query.module), params


def _open_decks(query: DueQuery, left: Mapping[str, int] | None) -> tuple[str, ...] | None:
    """The decks of the scope whose own limit still allows a card today (None: every deck
    may give one, no restriction needed)."""
    if left is None:
        return query.deck_ids
    if query.deck_ids is None and min(left.values(), default=1) > 0:
        return None  # every deck open (the loop below would say so, deck by deck)
    scope = query.deck_ids if query.deck_ids is not None else tuple(left)
    open_ = tuple(d for d in scope if left.get(d, 1) > 0)
    if query.deck_ids is None and len(open_) == len(left):
        return None
    return open_


# CROSS JOIN keeps today's answers (by the reviewed_at index) the outer loop: with a plain
# JOIN, SQLite walks every card to avoid sorting for DISTINCT and probes the log for each
# (0.3 s at 200,000 cards and a million answers).
TOUCHED_NOTES_SQL = (
    "SELECT DISTINCT c.note_id FROM review r CROSS JOIN card c ON c.id = r.card_id "
    "WHERE r.reviewed_at >= :day_start AND r.kind = 0"
)


def touched_notes(db: sqlite3.Connection, *, day_start_ms: int) -> set[str]:
    """Notes with a card answered since ``day_start_ms``: their siblings wait for tomorrow."""
    rows = db.execute(TOUCHED_NOTES_SQL, {"day_start": day_start_ms})
    return {note_id for (note_id,) in rows}


def _first_untouched(rows: Iterable[Sequence[Any]], touched: Container[str]) -> CardId | None:
    """The first of ``rows`` (card id, note id, ...) whose note is not in ``touched``."""
    # The cursor steps through the index lazily, so skipping a sibling costs one row.
    for row in rows:
        if row[1] not in touched:
            return CardId(row[0])
    return None


def _first_review(
    db: sqlite3.Connection,
    sql: str,
    params: dict[str, Any],
    touched: Container[str],
    walk: tuple[str, str, str] | None = None,
) -> tuple[CardId | None, CardDetails | None] | None:
    """The card :func:`next_card_id` shows when reviews are due: the first due (re)learning
    card if there is one, else the first due review of an untouched note (``(None, None)``:
    only siblings due), each as ``(card id, shown row)``; the row (:func:`_shown_row`) only
    for a review, and only when ``sql`` selects the shown columns after its first three
    (:func:`_review_sql`). None when no review is due: the learning card is then not known.

    One statement for both: each review row carries the first due (re)learning card as an
    uncorrelated scalar subquery (computed once, with the first row; the same
    :func:`_learning_sql` ranges of ``ix_card_queue_due``), instead of the learning query
    run on its own before every card. A statement costs ~43k instructions before its work
    (cursor, statement cache, bind, step, columns) and, outside a transaction, takes and
    drops the WAL read lock (two fcntl calls): the cycle 1.125M -> 1.116M instructions an
    answer at 10k cards, 1.132M -> 1.123M at 50k (callgrind, benchmark stores), fcntl
    calls 12.1 -> 10.1 an answer (strace). ``(SELECT id FROM (...))``: SQLite's plan is a
    co-routine of the two merged learning ranges, run once (test_queries pins it).
    """
    rows = db.execute(sql, params)
    first = rows.fetchone()
    if first is None:
        return None
    if first[2] is not None:  # a (re)learning card is due: it comes first
        return CardId(first[2]), None
    if first[1] not in touched:
        return CardId(first[0]), _shown_row(first[0], first, 3) if len(first) > 3 else None
    if walk is not None:
        # The first due review is a sibling waiting for tomorrow: the reviews are walked by
        # the query of the ids alone (``walk``: its scope, decks and module), as before the
        # shown row rode along, so each sibling skipped (they stay due all day, ahead of the
        # rest) costs an id, not a row of ~40 columns; the card found is read by shown_card.
        rows = db.execute(_review_sql(*walk, ""), params)
    return _first_untouched(rows, touched), None


@functools.lru_cache(maxsize=32)
def _review_sql(scope: str, decks: str, module: str, shown: str) -> str:
    """The review query of :func:`_next_card` (with ``shown``: the shown card's columns and
    joins after its first three columns).

    Kept with :func:`_learning_sql` by their arguments (pure functions of them: the same
    text, never other text), so a card's query is not built again from ~1.5k characters and
    sqlite3's statement cache finds it by a string whose hash is already known: 2.9k
    instructions a card (callgrind)."""
    joins = f", {shown} FROM card c {_SHOWN_JOINS}" if shown else " FROM card c"
    return (
        f"SELECT c.id, c.note_id, (SELECT id FROM ({_learning_sql(scope)})){joins} "
        f"WHERE {_STUDYABLE} AND c.queue = {_REVIEW} AND c.due < :day_end{decks}"
        f"{module} ORDER BY c.due, c.id"
    )


@functools.lru_cache(maxsize=32)
def _learning_sql(scope: str) -> str:
    """The first (re)learning card due by ``:limit`` in ``scope``, by due time then id.

    One index range per queue, merged (``UNION ALL`` ordered by the columns both arms are
    read in): ``queue IN (1, 3) ... ORDER BY due, id`` read both ranges of
    ``ix_card_queue_due`` and made SQLite build an ephemeral table for the IN list and a
    temporary B-tree to sort them, for one row. 74.8k -> 22.2k instructions a query
    (callgrind, 10k benchmark store with no card learning), the cycle 1.384M -> 1.332M; the same row
    (the queues are disjoint, ``(due, id)`` is unique)."""
    arm = f" FROM card c WHERE {_STUDYABLE} AND c.due <= :limit{scope} AND c.queue = "
    return (
        f"SELECT c.id, c.due{arm}{_QUEUE_LEARNING} UNION ALL "
        f"SELECT c.id, c.due{arm}{_QUEUE_RELEARNING} ORDER BY 2, 1 LIMIT 1"
    )


def next_card_id(
    db: sqlite3.Connection, query: DueQuery, touched: Container[str] = frozenset()
) -> CardId | None:
    """The next card to show: due learning cards, then due reviews, then new cards.

    Siblings (cards of a note in ``touched``, see :func:`touched_notes`) wait for tomorrow,
    except in (re)learning. When nothing else is left, a learning card due within
    ``learn_ahead`` is shown early, as Anki does.
    """
    return _next_card(db, query, touched, "")[0]


def next_shown_card(
    db: sqlite3.Connection, query: DueQuery, touched: Container[str] = frozenset()
) -> tuple[CardId | None, CardDetails | None]:
    """:func:`next_card_id`, with the card's :func:`shown_card` row when the query that
    found it could carry it (a due review): ``(card id, row or None)``.

    The review query joins the columns a shown card reads to each review it walks (one
    seek each in note, deck, preset and the trainee's notes; the cards still walked in due
    order by an index range, no sort), so the card found comes with the row
    :func:`shown_card` would read, from the same statement's snapshot: one read statement
    a card fewer. With :func:`_review_sql` kept, the cycle 1.115M -> 1.107M instructions an
    answer at 10k cards, 1.123M -> 1.107M at 50k (callgrind, benchmark stores), fcntl
    calls 10.1 -> 8.1 an answer (strace: the statement's WAL read lock).
    """
    return _next_card(db, query, touched, _SHOWN_COLUMNS)


@functools.lru_cache(maxsize=32)
def _upcoming_sql(decks: str, module: str) -> str:
    """The reviews of :func:`upcoming_reviews` (kept as :func:`_review_sql` is)."""
    return (
        f"SELECT c.id, c.note_id, c.reps FROM card c WHERE {_STUDYABLE} AND c.queue = {_REVIEW} "
        f"AND c.due < :day_end{decks}{module} ORDER BY c.due, c.id LIMIT :upcoming"
    )


def upcoming_reviews(
    db: sqlite3.Connection, query: DueQuery, touched: Container[str], limit: int
) -> list[tuple[CardId, int]]:
    """The due reviews :func:`next_card_id` would show next, first to last, as far as
    ``limit`` reviews (fewer: siblings of ``touched`` notes are left out): ``(card id,
    repetitions)`` each, what seeds their fuzz. The same walk as its review query (the
    cards in due order by an index range of ``ix_card_queue_due``, the scope's open decks,
    the module), and the ids alone: a study session draws their fuzz ahead, together
    (:meth:`studyapp.core.scheduling.Scheduler.prime_fuzz`)."""
    review_decks = _open_decks(query, query.deck_reviews_left)
    limit = min(limit, query.reviews_left)
    if limit <= 0 or review_decks == ():
        return []
    decks, params = _in_decks(review_decks, "r")
    rows = db.execute(
        _upcoming_sql(decks, _in_module(query.module)),
        params | {"now": query.now, "day_end": query.day_end, "upcoming": limit},
    )
    return [(CardId(card_id), reps) for card_id, note_id, reps in rows if note_id not in touched]


def _next_card(
    db: sqlite3.Connection, query: DueQuery, touched: Container[str], shown: str
) -> tuple[CardId | None, CardDetails | None]:
    scope, params = _scope(query)
    params |= {"now": query.now, "day_end": query.day_end, "limit": query.now}
    learning = _learning_sql(scope)
    review_decks = _open_decks(query, query.deck_reviews_left)
    found: CardId | None = None
    reviewed = None
    if query.reviews_left > 0 and review_decks != ():
        decks, deck_params = _in_decks(review_decks, "r")
        module = _in_module(query.module)
        reviewed = _first_review(
            db,
            _review_sql(scope, decks, module, shown),
            params | deck_params,
            touched,
            (scope, decks, module) if shown else None,
        )
    if reviewed is None:  # no review due (or none allowed): the learning query alone
        row = db.execute(learning, params).fetchone()
        found = None if row is None else CardId(row[0])
    elif reviewed[1] is not None:
        return reviewed
    else:
        found = reviewed[0]
    new_decks = _open_decks(query, query.deck_new_left)
    if found is None and query.new_left > 0 and new_decks != ():
        decks, deck_params = _in_decks(new_decks, "n")
        found = _first_untouched(
            db.execute(
                f"SELECT c.id, c.note_id FROM card c WHERE {_STUDYABLE} AND c.queue = {_NEW}"
                f"{decks}{_released(query.held_modules)}{_in_module(query.module)} "
                "ORDER BY c.new_order, c.id",
                params | deck_params,
            ),
            touched,
        )
    if found is None:
        row = db.execute(learning, params | {"limit": query.now + query.learn_ahead}).fetchone()
        found = None if row is None else CardId(row[0])
    return found, None


class CardCounts(msgspec.Struct, frozen=True):
    """Cards of one deck by where they stand today (before daily limits)."""

    new: int = 0
    learning: int = 0
    review: int = 0
    total: int = 0

    def __add__(self, other: CardCounts) -> CardCounts:
        return CardCounts(
            self.new + other.new,
            self.learning + other.learning,
            self.review + other.review,
            self.total + other.total,
        )


_NEW_PER_DECK_SQL = (
    "WITH RECURSIVE d(id) AS ("
    f"SELECT min(deck_id) FROM card WHERE retired = 0 AND queue = {_NEW} UNION ALL "
    "SELECT (SELECT min(deck_id) FROM card "
    f"WHERE retired = 0 AND queue = {_NEW} AND deck_id > d.id) FROM d WHERE d.id IS NOT NULL) "
    "SELECT id, (SELECT COUNT(*) FROM card "
    f"WHERE retired = 0 AND queue = {_NEW} AND deck_id = d.id) FROM d WHERE id IS NOT NULL"
)
"""Cards in the new queue per deck, retired ones left out (count_cards takes the suspended,
buried and held-back ones off after), in the (retired, queue, deck_id) index: each deck
holding a new card found by one seek past the last (a skip-scan), then its entries counted
by a COUNT(*) over that one range. The same rows as "SELECT deck_id, COUNT(*) ... GROUP BY
deck_id" over the same index, whose grouping read and compared each of the 250,000
entries' deck id: at 200,000 notes (210 decks) 21.7 -> 14.7 ms of CPU (medians of 9 fresh
connections), before the overview's first paint and the start-up's first card (issue 19);
the overview's read and model in that start-up 26.6 -> 20.2 ms (benchmarks/startup_probe.py,
medians of 7 interleaved, load 6.5-7.6)."""


def count_cards(
    conn: sqlite3.Connection | Connection, *, day_end: int, now: int, held: Sequence[int] = ()
) -> dict[str, CardCounts]:
    """Per deck id: new cards, and learning and review cards due today.

    Every query is answered from an index; at 200,000 cards and a million answers the
    three take about 40 ms where filtering each card row took 92 ms (the overview is built
    before the window's first paint):

    - due cards by a range on ``ix_card_queue_due`` (retired, queue, due), named because
      SQLite otherwise walks a deck-ordered index for the GROUP BY and reads every learning
      and review card (39 -> 12 ms);
    - new cards counted in the covering (retired, queue, deck_id) index, less the
      suspended and the buried ones, found through their partial indexes (the covering
      index has neither column: checking them read all 126,000 new cards' rows, 75 ->
      26 ms).

    New cards of the course modules in ``held`` (not released yet) are not counted.

    ``total`` is left at 0; see :func:`total_cards`.
    """
    parts: dict[str, dict[str, int]] = {}
    due_rows = _rows(
        conn,
        (
            "SELECT deck_id, queue, COUNT(*) FROM card c INDEXED BY ix_card_queue_due "
            f"WHERE {_STUDYABLE} AND queue IN ({_LEARNING}, {_REVIEW}) "
            "AND due < :day_end GROUP BY deck_id, queue"
        ),
        {"day_end": day_end, "now": now},
    )
    for deck_id, queue, count in due_rows:
        entry = parts.setdefault(deck_id, {"new": 0, "learning": 0, "review": 0})
        entry["review" if queue == Queue.REVIEW else "learning"] += count
    new_rows = _rows(conn, _NEW_PER_DECK_SQL)
    for deck_id, count in new_rows:
        parts.setdefault(deck_id, {"new": 0, "learning": 0, "review": 0})["new"] = count
    # Named: for the GROUP BY SQLite prefers walking a deck-ordered index over all cards.
    # "buried_until > 0" is the partial index's own condition, so it may be used.
    hidden_rows = _rows(
        conn,
        (
            "SELECT deck_id, COUNT(*) FROM card INDEXED BY ix_card_suspended "
            f"WHERE suspended = 1 AND retired = 0 AND queue = {_NEW} GROUP BY deck_id "
            "UNION ALL "
            "SELECT deck_id, COUNT(*) FROM card INDEXED BY ix_card_buried WHERE buried_until > 0 "
            "AND buried_until > :now AND suspended = 0 AND retired = 0 "
            f"AND queue = {_NEW} GROUP BY deck_id"
        ),
        {"now": now},
    )
    for deck_id, count in hidden_rows:
        parts[deck_id]["new"] -= count
    if held:
        numbers = ", ".join(str(int(n)) for n in held)
        waiting = _rows(
            conn,
            (
                "SELECT c.deck_id, COUNT(*) FROM note n JOIN card c ON c.note_id = n.id "
                f"WHERE n.module IN ({numbers}) AND {_STUDYABLE} AND c.queue = {_NEW} "
                "GROUP BY c.deck_id"
            ),
            {"now": now},
        )
        for deck_id, count in waiting:
            parts[deck_id]["new"] -= count
    return {deck: CardCounts(**values) for deck, values in parts.items()}


def count_cards_by_module(
    conn: sqlite3.Connection | Connection, *, day_end: int, now: int, held: Sequence[int] = ()
) -> dict[tuple[str, int | None], CardCounts]:
    """Per (deck id, course module): new cards, and learning and review cards due today, as
    :func:`count_cards` counts them (new cards of a module in ``held`` not at all). For the
    overview grouped by module only: it reads every studyable card's note."""
    rows = _rows(
        conn,
        (
            f"SELECT c.deck_id, n.module, SUM(c.queue = {_NEW}), "
            f"SUM(c.queue IN ({_LEARNING}) AND c.due < :day_end), "
            f"SUM(c.queue = {_REVIEW} AND c.due < :day_end) "
            "FROM card c JOIN note n ON n.id = c.note_id "
            f"WHERE {_STUDYABLE} GROUP BY c.deck_id, n.module"
        ),
        {"day_end": day_end, "now": now},
    )
    waiting = set(held)
    found: dict[tuple[str, int | None], CardCounts] = {}
    for deck_id, module, new, learning, review in rows:
        counts = CardCounts(0 if module in waiting else int(new), int(learning), int(review))
        found[(str(deck_id), None if module is None else int(module))] = counts
    return found


def total_cards(conn: sqlite3.Connection | Connection) -> dict[str, int]:
    """Active cards per deck id (a full count, for statistics rather than every answer).

    The unary + keeps SQLite off the (retired, queue, deck_id) index, whose rows of
    retired = 0 are in queue order and must be sorted to group them by deck: it reads the
    (deck_id, retired, queue, due) index instead, already in deck order. At 200,000 cards
    43 -> 14 ms of CPU (EXPLAIN QUERY PLAN: SCAN card USING COVERING INDEX
    ix_card_deck_queue_due, no temporary b-tree)."""
    rows = _rows(conn, "SELECT deck_id, COUNT(*) FROM card WHERE +retired = 0 GROUP BY deck_id")
    return {str(deck_id): int(count) for deck_id, count in rows}


def count_due_capped(db: sqlite3.Connection, query: DueQuery) -> CardCounts:
    """New, learning and review cards left today in ``query``'s scope, within its limits.

    Each count stops at its daily limit (each deck's own, then all decks' together), so the
    cost follows the limits, not the collection's size; the review screen calls this after
    every answer, the overview and a session's first card once.

    The counts are read in one snapshot (a read transaction of their own unless the caller
    holds one), as the single statement they were.
    """
    scope, params = _scope(query)
    params |= {"now": query.now, "day_end": query.day_end}
    learning = (
        f"SELECT COUNT(*) FROM card c WHERE {_STUDYABLE} AND c.queue IN ({_LEARNING}) "
        f"AND c.due < :day_end{scope}"
    )
    own = not db.in_transaction
    if own:
        db.execute("BEGIN")
    try:
        new = _capped_count(
            db,
            query,
            query.deck_new_left,
            query.new_left,
            f"c.queue = {_NEW}{_released(query.held_modules)}",
            params,
        )
        (learning_count,) = db.execute(learning, params).fetchone()
        review = _capped_count(
            db,
            query,
            query.deck_reviews_left,
            query.reviews_left,
            f"c.queue = {_REVIEW} AND c.due < :day_end",
            params,
        )
    finally:
        if own:
            db.rollback()  # (a read: nothing to keep)
    return CardCounts(
        new=min(new, query.new_left),
        learning=int(learning_count),
        review=min(review, query.reviews_left),
    )


def due_capped_from_counts(counts: Mapping[str, CardCounts], query: DueQuery) -> CardCounts:
    """:func:`count_due_capped` over every deck (``query.deck_ids`` and ``query.module``
    None), from :func:`count_cards`'s per-deck counts made for the same moment (``now``,
    ``day_end``) and held modules, instead of counting again.

    The same sets, so the same answer (a test pins it against the query): count_cards'
    new cards are the studyable new cards of released modules, its learning and review
    cards the studyable ones due before ``day_end``, per deck; the capped query counts each
    deck of ``query.deck_new_left`` / ``deck_reviews_left`` up to what that deck still allows
    (at most the all-decks allowance), sums, and stops at the all-decks allowance; learning
    cards uncapped over every deck. The overview has both counts: deriving this one saves
    counting again before the window's first frame (count_due_capped: 3.6 ms of CPU at
    50,000 notes with the benchmark's lifted limits).
    """
    if query.deck_ids is not None or query.module is not None:
        raise ValueError("due_capped_from_counts covers every deck and every module")

    def capped(per_deck: Mapping[str, int] | None, total: int, field: str) -> int:
        found: int = 0
        if per_deck is None:
            found = sum(int(getattr(c, field)) for c in counts.values())
        else:
            for deck_id, left in per_deck.items():
                allowed = min(left, total)
                if allowed > 0 and deck_id in counts:
                    found += min(int(getattr(counts[deck_id], field)), allowed)
        return min(found, total)

    return CardCounts(
        new=capped(query.deck_new_left, query.new_left, "new"),
        learning=sum(c.learning for c in counts.values()),
        review=capped(query.deck_reviews_left, query.reviews_left, "review"),
    )


def _capped_count(
    db: sqlite3.Connection,
    query: DueQuery,
    per_deck: Mapping[str, int] | None,
    total: int,
    where: str,
    params: dict[str, Any],
) -> int:
    """The cards matching ``where``, counted up to ``total`` and, with ``per_deck``, up to
    each deck's own allowance.

    Deck by deck, each count's LIMIT is the deck's allowance or what ``total`` leaves,
    whichever is smaller, and the walk stops once ``total`` is reached: the sum is
    min(total, sum of each deck's capped count), as when every deck was counted to its own
    allowance in one statement, but the rows read follow ``total``, not the number of decks
    times their allowances. With the daily limits lifted (9999) at 200,000 cards in 200
    decks, that statement read every new card (~250,000 index rows); now 9,999 rows. At
    200,000 notes (250,015 cards, 1,000 due), CPU of a session's ``counts()`` 49 -> 3.4 ms
    and of ``Library.overview`` 74 -> 26 ms (medians of 15 and 5 calls, three interleaved
    processes each, load 2.8; issue 19's start-up to the first card calls both once).
    """
    if total <= 0:
        return 0
    if per_deck is None:
        scope, _ = _scope(query)
        sql = (
            f"SELECT COUNT(*) FROM (SELECT 1 FROM card c WHERE {_STUDYABLE} AND {where}"
            f"{scope} LIMIT :cap)"
        )
        return int(db.execute(sql, params | {"cap": total}).fetchone()[0])
    sql = (
        f"SELECT COUNT(*) FROM (SELECT 1 FROM card c WHERE c.deck_id = :deck "
        f"AND {_STUDYABLE} AND {where}{_in_module(query.module)} LIMIT :cap)"
    )
    decks = query.deck_ids if query.deck_ids is not None else tuple(per_deck)
    counted = 0
    for deck_id in decks:
        if counted >= total:
            break
        cap = min(per_deck.get(deck_id, total), total - counted)
        if cap <= 0:
            continue
        (found,) = db.execute(sql, params | {"deck": deck_id, "cap": cap}).fetchone()
        counted += int(found)
    return counted


def done_today(db: sqlite3.Connection, *, day_start_ms: int) -> dict[str, tuple[int, int]]:
    """Per deck: (new cards introduced, reviews answered) in the current study day.

    Scheduled answers only (kind 0): cram answers and manual changes use no allowance.
    """
    rows = db.execute(
        f"SELECT c.deck_id, SUM(CASE WHEN r.queue_before = {_NEW} THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN r.queue_before = {_REVIEW} THEN 1 ELSE 0 END)"
        " FROM review r CROSS JOIN card c ON c.id = r.card_id"
        " WHERE r.reviewed_at >= :start AND r.kind = 0 GROUP BY c.deck_id",
        {"start": day_start_ms},
    )
    return {str(deck): (int(new or 0), int(reviews or 0)) for deck, new, reviews in rows}


_LOAD_STATE = f"SELECT {', '.join(_STATE_COLUMNS)} FROM card WHERE id = ?"


def load_state(db: sqlite3.Connection, card_id: int) -> MemoryState:
    row = db.execute(_LOAD_STATE, (card_id,)).fetchone()
    if row is None:
        raise LookupError(f"no card {card_id}")
    return state_from_values(row)


_UPDATE_STATE = (
    "UPDATE card SET " + ", ".join(f"{c} = :{c}" for c in _STATE_COLUMNS) + " WHERE id = :id"
)
_UPDATE_STATE_AT = (
    "UPDATE card SET " + ", ".join(f"{c} = ?" for c in _STATE_COLUMNS) + " WHERE id = ?"
)
_KEPT_QUEUE = _STATE_COLUMNS[1:]
_UPDATE_STATE_IN_QUEUE = (
    "UPDATE card SET " + ", ".join(f"{c} = ?" for c in _KEPT_QUEUE) + " WHERE id = ? AND queue = ?"
)
"""The state of a card that stays in its queue. SQLite rewrites the entries of every index
holding a column named in SET, changed or not: naming ``queue`` rewrote the entries of
``ix_card_new_order`` and ``ix_card_queue_deck`` on every review kept in review, two more
pages into the WAL for each answer (8.96 -> 6.95 frames per UPDATE measured on the 10k
store; ~14 -> ~12 frames an answer, each written and fsynced). ``AND queue = ?`` makes it
change nothing if the card is not in that queue after all (then the full UPDATE runs)."""
_INSERT_REVIEW = (
    "INSERT INTO review (card_id, reviewed_at, rating, duration_ms, queue_before, "
    "queue_after, stability_after, difficulty_after, due_after, before, kind) VALUES "
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def apply_answer(
    db: sqlite3.Connection,
    *,
    card_id: int,
    before: MemoryState,
    after: MemoryState,
    rating: int,
    reviewed_at_ms: int,
    duration_ms: int,
    kind: int = 0,
) -> int:
    """Store the new state and append the review; returns the review's id.

    ``kind`` 0 is a scheduled answer; 1 a cram answer, which is logged (with the state it
    would have given) but changes no card. The caller owns the transaction (see
    :func:`write_transaction`).
    """
    # Positional parameters and constant SQL (sqlite3's statement cache hits), no dicts
    # built per answer for named ones: 23.0 -> 21.6 µs for the two statements (hot loop,
    # busy machine); with load_state's read by position, ~55k fewer instructions an answer.
    values = _state_row(after)
    due = values[4]
    if kind == 0:
        kept = (
            after.queue == before.queue
            and db.execute(_UPDATE_STATE_IN_QUEUE, (*values[1:], card_id, values[0])).rowcount
        )
        if not kept:
            db.execute(_UPDATE_STATE_AT, (*values, card_id))
    return _log_review(
        db,
        card_id=card_id,
        before=before,
        after=after,
        rating=rating,
        reviewed_at_ms=reviewed_at_ms,
        duration_ms=duration_ms,
        due=due,
        kind=kind,
    )


def _log_review(
    db: sqlite3.Connection,
    *,
    card_id: int,
    before: MemoryState,
    after: MemoryState,
    rating: int,
    reviewed_at_ms: int,
    duration_ms: int,
    due: int,
    kind: int,
    before_row: tuple[Any, ...] | None = None,
) -> int:
    """Append the review of an answer (``due``: the new state's stored due; ``before_row``:
    ``before``'s columns as :func:`_state_row` gives them, if the caller has them); its id."""
    cursor = db.execute(
        _INSERT_REVIEW,
        (
            card_id,
            reviewed_at_ms,
            rating,
            duration_ms,
            int(before.queue),
            int(after.queue),
            after.stability,
            after.difficulty,
            due,
            _snapshot(_state_row(before) if before_row is None else before_row),
            kind,
        ),
    )
    return int(cursor.lastrowid or 0)


_STILL_STORED = " AND ".join(f"{c} IS ?" for c in _STATE_COLUMNS)
_UPDATE_STATE_IF_UNCHANGED = f"{_UPDATE_STATE_AT} AND {_STILL_STORED}"
_UPDATE_STATE_IN_QUEUE_IF_UNCHANGED = (
    "UPDATE card SET "
    + ", ".join(f"{c} = ?" for c in _KEPT_QUEUE)
    + f" WHERE id = ? AND {_STILL_STORED}"
)
"""The new state, written only if the card's scheduling columns still hold what was read
when it was shown (``queue`` left out of SET when the answer keeps it, as in
:data:`_UPDATE_STATE_IN_QUEUE`; ``IS`` so that NULL matches NULL)."""


def apply_answer_if_unchanged(
    db: sqlite3.Connection,
    *,
    card_id: int,
    stored: Sequence[Any],
    before: MemoryState,
    after: MemoryState,
    rating: int,
    reviewed_at_ms: int,
    duration_ms: int,
) -> int | None:
    """:func:`apply_answer` (a scheduled answer) for a card shown from its row: ``stored`` are
    the scheduling columns as they were read then (:attr:`CardDetails.stored`) and ``before``
    the state made from them (:attr:`CardDetails.state`).

    The UPDATE's WHERE checks, inside the caller's write transaction, that the card still
    holds exactly ``stored``: then ``before`` is the very state :func:`load_state` would read
    now, and the answer is stored and logged as :func:`apply_answer` stores and logs it;
    returns the review's id. Otherwise (the card changed since it was shown) nothing is
    written and None is returned: the caller reads the state afresh (:func:`load_state`) and
    answers from it. The check replaces the re-read of an unchanged card, one statement an
    answer (load_state ~43k instructions; the cycle 1.189M -> 1.160M instructions an answer,
    callgrind, 10k benchmark store).
    """
    values = _state_row(after)
    if after.queue == before.queue:
        cursor = db.execute(_UPDATE_STATE_IN_QUEUE_IF_UNCHANGED, (*values[1:], card_id, *stored))
    else:
        cursor = db.execute(_UPDATE_STATE_IF_UNCHANGED, (*values, card_id, *stored))
    if not cursor.rowcount:
        return None
    return _log_review(
        db,
        card_id=card_id,
        before=before,
        after=after,
        rating=rating,
        reviewed_at_ms=reviewed_at_ms,
        duration_ms=duration_ms,
        due=values[4],
        kind=0,
        before_row=_stored_as_state_row(stored),
    )


def _stored_as_state_row(stored: Sequence[Any]) -> tuple[Any, ...] | None:
    """``stored`` itself when it is what :func:`_state_row` gives back for the state made
    from it (:func:`state_from_values`): a card out of the new queue (a new card's due is
    dropped) with whole-second integer times and an integer queue, as every stored state
    has; None otherwise (the caller converts the state).

    The review's snapshot is then written from the columns the answer's UPDATE just found,
    instead of converting the state's two datetimes back (an aware datetime's timestamp()
    is ~2.5k instructions): the same text (tested). The cycle 1.102M -> 1.095M
    instructions an answer (callgrind, 10k benchmark store)."""
    queue, due, last_review = stored[0], stored[4], stored[5]
    if (
        type(queue) is int
        and queue != _NEW_INT
        and type(due) is int
        and (last_review is None or type(last_review) is int)
    ):
        return tuple(stored)
    return None


def undo_answer(db: sqlite3.Connection, review_id: int) -> int | None:
    """Restore the card to its state before review ``review_id`` and delete that review.

    Returns the card id, or None if the review no longer exists.
    """
    row = db.execute(
        "SELECT card_id, before, kind FROM review WHERE id = ?", (review_id,)
    ).fetchone()
    if row is None:
        return None
    card_id, before, kind = row
    if kind == 0:
        # (Snapshots written before the interval column existed restore it as 0.)
        db.execute(_UPDATE_STATE, {**review_before.decode(before), "id": card_id})
    db.execute("DELETE FROM review WHERE id = ?", (review_id,))
    return int(card_id)


class write_transaction:
    """One write transaction, committed before the block's caller goes on.

    ``BEGIN IMMEDIATE`` takes the write lock first, so the state read inside the block is
    the state the answer is computed from, even if a deck sync runs in the background.
    An exception in the block (any, as ``BaseException``) rolls it back and goes on.
    (A class, not a generator-based context manager: half the Python per transaction, one
    per answer.)
    """

    __slots__ = ("_db",)

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> sqlite3.Connection:
        self._db.execute("BEGIN IMMEDIATE")
        return self._db

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: object
    ) -> Literal[False]:
        if kind is None:
            self._db.commit()
        else:
            self._db.rollback()
        return False


class LoggedReview(NamedTuple):
    """One row of the review log, as the card details screen shows it."""

    reviewed_at: int
    """Milliseconds since the epoch, UTC."""
    rating: int
    duration_ms: int
    queue_before: int
    queue_after: int
    stability_after: float | None
    difficulty_after: float | None
    due_after: int
    """Seconds since the epoch, UTC."""
    kind: int
    """0 a scheduled answer, 1 a cram answer, 2 a manual change."""


def history(db: sqlite3.Connection, card_id: int) -> list[LoggedReview]:
    """The card's reviews, oldest first (on a session's own connection)."""
    rows = db.execute(
        f"SELECT {', '.join(LoggedReview._fields)} FROM review WHERE card_id = ? "
        "ORDER BY reviewed_at, id",
        (card_id,),
    )
    return [LoggedReview._make(r) for r in rows]


class ShownNote(NamedTuple):
    """The columns of a note row that a shown card reads (:class:`NoteValues` less its
    position, revision, digest, own retirement, line, image file and change time, which only
    syncing and the browser read), by the same names."""

    id: str
    deck_id: str
    kind: str
    front: str
    back: str
    text: str
    extra: str
    correction: str
    tags: str
    sources: str
    cites: str
    as_of: int | None
    retired_reason: str | None
    replaced_by: str | None
    critical: bool
    sensitive: bool
    content_note: str | None
    module: int | None
    image_alt: str | None
    image_side: str | None
    image_hash: str | None


class CardDetails(NamedTuple):
    """A card with its note, its deck and the trainee's own note: what the review screen
    shows (texts as stored, not yet rendered)."""

    card_id: int
    key: str
    note: NoteValues | ShownNote
    """The whole note row (:func:`card_details`), or the columns a card view shows
    (:func:`shown_card`)."""
    deck_title: str
    family: str
    user_note: str | None
    retired: int
    """The card's own retirement (a dropped cloze deletion retires one card of a note)."""
    suspended: int
    buried_until: int
    flag: int
    leech: int
    preset_retention: float
    """The desired retention of the card's deck preset."""
    state: MemoryState
    stored: tuple[Any, ...]
    """The scheduling columns as read, in :class:`StoredProgress` order (``state`` is made
    from them): what :func:`apply_answer_if_unchanged` checks the card still holds."""


_CARD_DETAILS = (
    f"SELECT c.id, c.key, {', '.join('n.' + c for c in NOTE_COLUMNS)}, d.title, d.family, "
    "u.text, c.retired, c.suspended, c.buried_until, c.flag, c.leech, "
    "COALESCE(p.desired_retention, p1.desired_retention, 0.9), "
    f"{', '.join('c.' + c for c in _STATE_COLUMNS)} "
    "FROM card c JOIN note n ON n.id = c.note_id JOIN deck d ON d.id = c.deck_id "
    "LEFT JOIN preset p ON p.id = d.preset_id LEFT JOIN preset p1 ON p1.id = 1 "
    "LEFT JOIN user_note u ON u.note_id = n.id WHERE c.id = ?"
)
_NOTE_END = 2 + len(NOTE_COLUMNS)
_STATE_START = len(CardDetails._fields) - 3 + len(NOTE_COLUMNS)


def card_details(db: sqlite3.Connection, card_id: int) -> CardDetails:
    """Everything the review screen shows about card ``card_id``.

    Raises:
        LookupError: there is no such card.
    """
    row = db.execute(_CARD_DETAILS, (card_id,)).fetchone()
    if row is None:
        raise LookupError(f"no card {card_id}")
    note = NoteValues._make(row[2:_NOTE_END])
    stored = row[_STATE_START:]
    state = state_from_values(stored)
    return CardDetails._make((row[0], row[1], note, *row[_NOTE_END:_STATE_START], state, stored))


_SHOWN_COLUMNS = (
    f"c.key, {', '.join('n.' + c for c in ShownNote._fields)}, d.title, "
    + _CARD_DETAILS.split(", d.title, ", 1)[1].split(" FROM card c ", 1)[0]
)
_SHOWN_JOINS = _CARD_DETAILS.split(" FROM card c ", 1)[1].removesuffix(" WHERE c.id = ?")
_SHOWN_CARD = f"SELECT {_SHOWN_COLUMNS} FROM card c {_SHOWN_JOINS} WHERE c.id = ?"
"""card_details's query from the deck's title on, after the card's key and the shown note."""
_SHOWN_END = 1 + len(ShownNote._fields)
_SHOWN_STATE = _SHOWN_END + _STATE_START - _NOTE_END


def shown_card(db: sqlite3.Connection, card_id: int) -> CardDetails:
    """:func:`card_details` with the note's :class:`ShownNote` columns only, for the study
    path (a card shown, once a card): the same values where the two overlap.

    Every column read is a few sqlite3 calls (each taking the connection's mutex and
    releasing the GIL) and a Python object: without the seven note columns no card view
    reads and the card id the caller knows, the cycle 1.160M -> 1.145M instructions an
    answer (callgrind, 100 answers, 10k benchmark store).

    Raises:
        LookupError: there is no such card.
    """
    row = db.execute(_SHOWN_CARD, (card_id,)).fetchone()
    if row is None:
        raise LookupError(f"no card {card_id}")
    return _shown_row(card_id, row, 0)


def _shown_row(card_id: int, row: Sequence[Any], at: int) -> CardDetails:
    """The :class:`CardDetails` of ``_SHOWN_COLUMNS`` read from ``row[at:]``."""
    note = ShownNote._make(row[at + 1 : at + _SHOWN_END])
    stored = row[at + _SHOWN_STATE :]
    state = state_from_values(stored)
    return CardDetails._make(
        (card_id, row[at], note, *row[at + _SHOWN_END : at + _SHOWN_STATE], state, stored)
    )


class Media(NamedTuple):
    """An image kept in the store."""

    kind: str
    width: int
    height: int
    data: bytes


def media(db: sqlite3.Connection, digest: str) -> Media | None:
    """The image whose bytes hash to ``digest``, if the store holds it."""
    row = db.execute("SELECT kind, width, height, data FROM media WHERE hash = ?", (digest,))
    found = row.fetchone()
    return Media(found[0], found[1], found[2], bytes(found[3])) if found else None


def sources(db: sqlite3.Connection) -> dict[str, SourceRow]:
    """Every bibliography entry by id (on a session's own connection)."""
    return {r[0]: SourceRow._make(r) for r in db.execute(SOURCES_SQL)}


def count_due_before(
    db: sqlite3.Connection,
    *,
    before: int,
    deck_ids: Sequence[str] | None,
    module: int | None = None,
) -> int:
    """Cards that are not new, retired or suspended and fall due before ``before`` (epoch
    seconds), in ``deck_ids`` (all decks when None) and ``module`` (any when None):
    answered from the queue index."""
    sql = (
        "SELECT count(*) FROM card c WHERE retired = 0 "
        f"AND queue IN ({_LEARNING}, {_REVIEW}) AND due < ? AND suspended = 0"
    )
    params: list[object] = [before]
    if deck_ids is not None:
        sql += f" AND deck_id IN ({', '.join('?' * len(deck_ids))})"
        params.extend(deck_ids)
    sql += _in_module(module)
    return int(db.execute(sql, params).fetchone()[0])


def next_due(
    db: sqlite3.Connection,
    *,
    now: int,
    deck_ids: Sequence[str] | None,
    module: int | None = None,
) -> int | None:
    """The earliest due time after ``now`` of a card that is not new (in ``deck_ids`` and
    ``module``).

    Walks ``ix_card_due`` from ``now`` and stops at the first card that qualifies (new
    cards are due at 0, so few are skipped); the unary + keeps SQLite from filtering the
    (retired, queue) index and sorting instead: 87 -> 1 ms at 200,000 cards."""
    sql = (
        "SELECT due FROM card c WHERE +retired = 0 AND +suspended = 0 "
        f"AND +queue != {_NEW} AND due > ?"
    )
    params: list[object] = [now]
    if deck_ids is not None:
        sql += f" AND +deck_id IN ({', '.join('?' * len(deck_ids))})"
        params.extend(deck_ids)
    sql += _in_module(module)
    row = db.execute(sql + " ORDER BY due LIMIT 1", params).fetchone()
    return None if row is None else int(row[0])


SYNC_GENERATION_KEY = "sync.generation"
"""Setting row counting the syncs that changed the store: a plan remembers the count it was
made at, and applying it when the count has moved on is refused (a stale plan)."""


def sync_generation(conn: sqlite3.Connection | Connection) -> int:
    row = run(conn, "SELECT value FROM setting WHERE key = ?", (SYNC_GENERATION_KEY,)).fetchone()
    return int(row[0]) if row is not None and row[0] is not None else 0


def bump_sync_generation(conn: sqlite3.Connection | Connection, generation: int) -> None:
    run(
        conn,
        "INSERT OR REPLACE INTO setting (key, value) VALUES (?, ?)",
        (SYNC_GENERATION_KEY, str(generation + 1)),
    )
