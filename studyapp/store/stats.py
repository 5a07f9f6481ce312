"""The statistics' SQL: answers counted by quarter-hour, cards by due day and memory state.

The review log grows by every answer: two years of heavy study make a million rows, and a
scan of it with the groupings the statistics need takes a second or more. So the log is
also kept counted in ``review_tally``: one row per quarter-hour of answering and kind of
answer (the queue the card was in, Again or not, the interval it had: none, young or
mature), kept by triggers on ``review`` so every writer (answers, undo, anything later)
keeps it right. A study day starts at a local rollover hour, and every time zone's offset
is a multiple of 15 minutes, so quarter-hours add up to exact local days and hours.

The statistics of all decks read the tally (tens of thousands of rows); those of a family
or a deck read the log of that scope's cards the same way (same columns, same grouping), so
both give the same figures (a test holds them to it). :func:`ensure_tally` rebuilds the
tally and its triggers whenever they are missing or disagree with the log, for example
after a table rebuild dropped the triggers.
The tally's definition and :func:`ensure_tally` live in :mod:`studyapp.store.tally`
(opening a store needs them, not the queries here); they are re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from studyapp.store import queues
from studyapp.store.plain import Db, driver_of
from studyapp.store.tally import (
    _PAD_DAYS,
    DAY,
    DAY_MS,
    IVL_MATURE,
    IVL_NONE,
    IVL_YOUNG,
    MANUAL,
    MATURE_DAYS,
    QUARTER_MS,
    _interval_days,
    _ivl_class,
    ensure_tally,
    rebuild_tally,
    tally_in_step,
    tally_ready,
)

if TYPE_CHECKING:
    from typing import TypeAlias

    from sqlalchemy import Connection

    Conn: TypeAlias = Db | Connection

# No SQLAlchemy imported here: ``studyapp stats --json`` reads the statistics on plain
# read-only ``sqlite3`` connections (:func:`studyapp.store.plain.read_only_store`), which
# saves importing SQLAlchemy and opening its engine (0.12-0.19 s of CPU). Every function
# takes such a connection or a SQLAlchemy one (the window's, the tests'): see
# :func:`~studyapp.store.plain.driver_of`.

_NEW, _REVIEW, _LEARNING, _STUDIED = (
    queues.NEW,
    queues.REVIEW,
    queues.LEARNING,
    queues.LEARNING_OR_REVIEW,
)
"""Queue values in SQL text (see :mod:`studyapp.store.queues`)."""

__all__ = [
    "SORT_CACHE_KIB",
    "CardCount",
    "ModuleInfo",
    "deferrals_by_day",
    "leeches",
    "modules",
    "most_deferred",
    "CardText",
    "DayAnswers",
    "DeckCounts",
    "DeckInfo",
    "DueDay",
    "HourAnswers",
    "IVL_MATURE",
    "IVL_NONE",
    "IVL_YOUNG",
    "CriticalCard",
    "LearnedCard",
    "MATURE_DAYS",
    "Scope",
    "answer_totals",
    "answers_by_day",
    "answers_by_hour",
    "answers_since",
    "ModuleCard",
    "ModuleCounts",
    "card_counts",
    "card_counts_by_module",
    "card_texts",
    "cards_studied_since",
    "decks",
    "due_by_day",
    "ensure_tally",
    "critical_cards",
    "learned_cards",
    "memory_states",
    "module_cards",
    "new_cards_by_deck",
    "new_cards_in_order",
    "new_cards_queue",
    "suspended_new_by_deck",
    "rebuild_tally",
    "sorts_in_memory",
    "tally_in_step",
    "tally_ready",
]


SORT_CACHE_KIB = 8192
"""The page cache (KiB) of a plain read-only connection the statistics read on
(:func:`sorts_in_memory`)."""


def sorts_in_memory(db: Db) -> None:
    """Give the plain connection ``db`` a page cache big enough for the statistics' GROUP BY
    sorts to stay in memory: SQLite's sorter spills to temporary files once it holds more
    than the cache's size, and with the default 2 MB the answers by day (195,511 tally rows
    at a million answers), by hour and the started cards' counts were each sorted in runs
    written to a file and merged back (7.7 MB written per ``studyapp stats --json``).

    At 200,000 cards, ``stats --json`` on the vouched store, whole process (callgrind,
    PYTHONHASHSEED=0): 4,557.1 -> 4,349.6 M instructions; blocks written 15,048 -> 64-96;
    peak RSS 50-52 -> 63 MB (16 MB: 4,356.9 M, 67-73 MB). Only the statistics' own plain
    connections (``stats``, ``report``) take it; the screen reads through the engine."""
    db.execute(f"PRAGMA cache_size=-{SORT_CACHE_KIB}")


_RAW_ANSWERS = (
    f"SELECT r.reviewed_at / {QUARTER_MS} AS quarter, r.kind AS kind, r.queue_before AS queue, "
    f"r.rating = 1 AS failed, {_ivl_class('r.before', 'r.queue_before')} AS ivl, "
    "1 AS answers, r.duration_ms AS ms FROM card c JOIN review r ON r.card_id = c.id "
    f"WHERE r.kind != {MANUAL} AND {{cards}}"
)
"""The same rows as the tally's, counted from the log of the scope's cards (``c``)."""
_TALLY_ANSWERS = (
    f"SELECT quarter, kind, queue, failed, ivl, answers, ms FROM review_tally "
    f"WHERE kind != {MANUAL}"
)


@dataclass(frozen=True, slots=True)
class Scope:
    """The cards a statistic covers: every card, or the cards of some decks, and of one
    course module.

    ``deck_ids`` None and ``module`` None mean every card (and every answer ever given, from
    the tally); otherwise only the cards of those decks (a tuple, possibly empty) and of
    that module, and their answers.
    """

    deck_ids: tuple[str, ...] | None = None
    module: int | None = None

    @property
    def everything(self) -> bool:
        return self.deck_ids is None and self.module is None

    def studied_cards(self, alias: str = "c") -> str:
        """The card table for reading every studied card of the scope: without a deck
        filter, a plain scan of the table (13 MB at 200,000 cards) reads the 74,000 started
        ones in half the time that looking each up from the (retired, queue) index takes."""
        return f"card {alias} NOT INDEXED" if self.deck_ids is None else f"card {alias}"

    def card_filter(self, alias: str = "c") -> tuple[str, dict[str, Any]]:
        """A WHERE fragment on the card table as ``alias`` (always true for everything) and
        its parameters."""
        prefix = f"{alias}." if alias else ""
        parts: list[str] = []
        params: dict[str, Any] = {}
        if self.deck_ids is not None:
            names = {f"scope{i}": deck for i, deck in enumerate(self.deck_ids)}
            if not names:
                return "0", {}
            parts.append(f"{prefix}deck_id IN ({', '.join(':' + n for n in names)})")
            params |= names
        if self.module is not None:
            parts.append(f"{prefix}note_id IN (SELECT id FROM note WHERE module = :scope_module)")
            params["scope_module"] = self.module
        return (" AND ".join(parts) or "1"), params


# -- answers -----------------------------------------------------------------------------
class DayAnswers(NamedTuple):
    """Answers of one study day of one kind: ``day`` counts from today (0) backwards;
    ``kind`` is review.kind (0 a scheduled answer, 1 a cram answer)."""

    day: int
    queue: int
    failed: bool
    ivl: int
    answers: int
    ms: int
    kind: int = 0


class HourAnswers(NamedTuple):
    hour: int
    """Local hour of the day, 0-23."""
    answers: int
    failed: int


def _answers_source(scope: Scope, use_tally: bool) -> tuple[str, dict[str, Any]]:
    """The rows answers are counted from: the tally for everything, else the log of the
    scope's cards. (The tally is WITHOUT ROWID, so a range of quarters reads its key's
    b-tree alone: the year of answers by hour 16.8-16.9 ms of CPU at a million answers,
    as a whole scan; with the rowid table, each row was looked up from the key's index.)"""
    if scope.everything and use_tally:
        return _TALLY_ANSWERS, {}
    where, params = scope.card_filter()
    return _RAW_ANSWERS.format(cards=where), params


def answers_by_day(
    conn: Conn,
    scope: Scope,
    *,
    day_start_ms: int,
    since_day: int | None = None,
    use_tally: bool = True,
) -> list[DayAnswers]:
    """Answers grouped by study day (24-hour days ending at today's ``day_start_ms`` + one
    day, as Anki counts them) and kind, all time or from ``since_day`` (negative) on."""
    source, params = _answers_source(scope, use_tally)
    since = "" if since_day is None else "WHERE quarter >= :since_q"
    # Grouped by one integer that packs (day, queue, failed, ivl, kind), each field in its
    # own bits (below), instead of by the five columns: SQLite sorts every row to group
    # them, and one integer key sorts faster than five. At a million answers (195,696
    # tally rows) 181 -> 109 ms of CPU, the same groups.
    sql = (
        f"SELECT ((quarter * {QUARTER_MS} - :origin + :pad) / {DAY_MS} - {_PAD_DAYS}) "
        f"* {1 << _PACKED_BITS} + {_packed_answer_kind()} AS key, sum(answers), sum(ms) "
        f"FROM ({source}) {since} GROUP BY key"
    )
    params |= {"origin": day_start_ms, "pad": _PAD_DAYS * DAY_MS}
    if since_day is not None:
        params["since_q"] = (day_start_ms + since_day * DAY_MS) // QUARTER_MS
    result = []
    for key, n, ms in driver_of(conn).execute(sql, params):
        day, rest = divmod(int(key), 1 << _PACKED_BITS)  # floor division: days before 0 too
        queue, failed, ivl, kind = _unpack_answer_kind(rest)
        result.append(DayAnswers(day, queue, failed, ivl, int(n), int(ms or 0), kind))
    return result


_FIELD_BITS = 8
"""Bits of each small field packed into an answer's group key: queue (0-3), failed (0/1),
interval class (0-2) and review kind (0-2) each take far fewer than 256 values."""
_PACKED_BITS = 4 * _FIELD_BITS


def _packed_answer_kind() -> str:
    """SQL packing (queue, failed, ivl, kind) of an answers row into one non-negative
    integer below ``1 << _PACKED_BITS`` (:func:`_unpack_answer_kind` undoes it)."""
    b = _FIELD_BITS
    return f"(queue << {3 * b}) + (failed << {2 * b}) + (ivl << {b}) + kind"


def _unpack_answer_kind(packed: int) -> tuple[int, bool, int, int]:
    mask = (1 << _FIELD_BITS) - 1
    b = _FIELD_BITS
    return packed >> 3 * b & mask, bool(packed >> 2 * b & mask), packed >> b & mask, packed & mask


def answers_by_hour(
    conn: Conn, scope: Scope, *, offset_ms: int, since_ms: int, use_tally: bool = True
) -> list[HourAnswers]:
    """Scheduled answers (not cram, as Anki's hourly breakdown) by local hour of the day
    (``offset_ms``: local time minus UTC) since a time."""
    source, params = _answers_source(scope, use_tally)
    sql = (
        f"SELECT ((quarter * {QUARTER_MS} + :offset + :pad) / 3600000) % 24 AS hour, "
        f"sum(answers), sum(CASE WHEN failed THEN answers ELSE 0 END) FROM ({source}) "
        "WHERE quarter >= :since_q AND kind = 0 GROUP BY 1"
    )
    params |= {
        "offset": offset_ms,
        "pad": _PAD_DAYS * DAY_MS,
        "since_q": since_ms // QUARTER_MS,
    }
    return [HourAnswers(int(h), int(n), int(f)) for h, n, f in driver_of(conn).execute(sql, params)]


def answer_totals(conn: Conn, scope: Scope, *, use_tally: bool = True) -> tuple[int, int]:
    """(answers, milliseconds) of every answer in the scope (scheduled and cram)."""
    source, params = _answers_source(scope, use_tally)
    answers, ms = (
        driver_of(conn)
        .execute(f"SELECT coalesce(sum(answers), 0), coalesce(sum(ms), 0) FROM ({source})", params)
        .fetchone()
    )
    return int(answers), int(ms)


def answers_since(conn: Conn, scope: Scope, *, since_ms: int) -> list[DayAnswers]:
    """Answers since ``since_ms`` (today's: a few rows, by the reviewed_at index) by kind,
    all as day 0."""
    where, params = scope.card_filter("c")
    sql = (
        "SELECT r.queue_before, r.rating = 1, "
        f"{_ivl_class('r.before', 'r.queue_before')}, count(*), sum(r.duration_ms), r.kind "
        "FROM review r CROSS JOIN card c ON c.id = r.card_id "
        f"WHERE r.reviewed_at >= :since AND r.kind != {MANUAL} AND {where} GROUP BY 1, 2, 3, 6"
    )
    return [
        DayAnswers(0, int(q), bool(f), int(i), int(n), int(ms or 0), int(k))
        for q, f, i, n, ms, k in driver_of(conn).execute(sql, params | {"since": since_ms})
    ]


def cards_studied_since(conn: Conn, scope: Scope, *, since_ms: int) -> int:
    """Distinct cards answered since ``since_ms`` (today's answers: a few rows, by index)."""
    where, params = scope.card_filter("c")
    sql = (
        "SELECT count(DISTINCT r.card_id) FROM review r CROSS JOIN card c ON c.id = r.card_id "
        f"WHERE r.reviewed_at >= :since AND r.kind != {MANUAL} AND {where}"
    )
    return int(driver_of(conn).execute(sql, params | {"since": since_ms}).fetchone()[0])


# -- cards -------------------------------------------------------------------------------
class DueDay(NamedTuple):
    day: int
    """Days from today (0); -1 for every overdue card."""
    learning: bool
    cards: int


def due_by_day(conn: Conn, scope: Scope, *, day_start: int, days: int, now: int) -> list[DueDay]:
    """Cards that are not new, by the study day they fall due, until ``days`` days ahead,
    and every overdue card counted together as day -1; as Anki's forecast, suspended cards
    are left out, and so are cards buried (until a later day) that are due today or
    overdue.

    Counted from the (retired, queue, due) index alone, then the few suspended and buried
    cards (their partial indexes) taken off: reading every due card's row to check its
    steering columns took 85 ms at 200,000 cards, the index 15.

    Every card's forecast (the statistics' first paint) counts each day, and the overdue,
    by its own range of the index, the days' bounds from a recursive series, and not by
    one ``GROUP BY`` of the due day: SQLite cannot know that the day follows the index's
    order, and sorted all ~63,000 due cards to group them (issue 19: half of Ctrl+T to
    the first charts at 200,000 cards; the statement alone 218.8 -> 36.7 M instructions,
    callgrind). A scope's cards are grouped as before: its ~400-1,200 due cards sort in
    less time than 730 ranges (each a seek per deck) take to count (1 deck 0.8 against
    7.6 ms, 3 decks 1.9 against 15.6).
    """
    where, params = scope.card_filter()
    params |= {
        "first": -(2**63),
        "origin": day_start,
        "days": days,
        "pad": _PAD_DAYS * DAY,
        "end": day_start + days * DAY,
        "now": now,
        "tomorrow": day_start + DAY,
    }
    counts: dict[tuple[int, bool], int] = {}
    if scope.everything:
        in_day = "c.retired = 0 AND c.due >= d.low AND c.due < d.high"
        ranges = (
            "WITH RECURSIVE d(n, low, high) AS (SELECT -1, :first, :origin UNION ALL "
            f"SELECT n + 1, high, high + {DAY} FROM d WHERE n + 1 < :days) "
            f"SELECT n, (SELECT count(*) FROM card c WHERE c.queue IN ({_LEARNING}) AND "
            f"{in_day}), (SELECT count(*) FROM card c WHERE c.queue = {_REVIEW} AND {in_day}) "
            "FROM d"
        )
        for d, learning, review in driver_of(conn).execute(ranges, params):
            counts[(int(d), True)] = int(learning)
            counts[(int(d), False)] = int(review)
    else:
        grouped = (
            f"SELECT (c.due - :origin + :pad) / {DAY} - {_PAD_DAYS}, c.queue != {_REVIEW}, "
            f"count(*) FROM card c WHERE c.retired = 0 AND c.queue IN ({_STUDIED}) "
            f"AND c.due < :end AND {where} GROUP BY 1, 2"
        )
        for d, learn, n in driver_of(conn).execute(grouped, params):
            key = (max(int(d), -1), bool(learn))
            counts[key] = counts.get(key, 0) + int(n)
    # The suspended, and the buried ones due before tomorrow (and not suspended), each by
    # its partial index: the unary + keeps SQLite off the (retired, queue, due) one.
    steering = (
        f"SELECT (c.due - :origin + :pad) / {DAY} - {_PAD_DAYS}, c.queue != {_REVIEW}, count(*) "
    )
    left_out = (
        f"{steering} FROM card c WHERE c.suspended = 1 AND +c.retired = 0 "
        f"AND +c.queue IN ({_STUDIED}) AND +c.due < :end AND {where} GROUP BY 1, 2",
        f"{steering} FROM card c WHERE c.buried_until > 0 AND c.buried_until > :now "
        "AND +c.suspended = 0 "
        f"AND +c.retired = 0 AND +c.queue IN ({_STUDIED}) AND +c.due < :tomorrow AND {where} "
        "GROUP BY 1, 2",
    )
    for sql in left_out:
        for d, learn, n in driver_of(conn).execute(sql, params):
            key = (max(int(d), -1), bool(learn))
            counts[key] = counts.get(key, 0) - int(n)
    return [DueDay(d, learn, n) for (d, learn), n in sorted(counts.items()) if n > 0]


class DeckCounts(NamedTuple):
    deck_id: str
    new: int
    learning: int
    young: int
    mature: int
    suspended: int = 0

    @property
    def total(self) -> int:
        return self.new + self.learning + self.young + self.mature + self.suspended


def card_counts(conn: Conn, scope: Scope) -> list[DeckCounts]:
    """Active cards per deck, as Anki's card counts: new, (re)learning, young and mature
    review cards (an interval of 21 days or more: the stored interval, else due minus the
    last review), and suspended ones apart."""
    db = driver_of(conn)
    own = not db.in_transaction
    if own:  # one snapshot: the new cards' count below is corrected by a later statement
        db.execute("BEGIN")
    try:
        return _card_counts(db, scope)
    finally:
        if own:
            db.rollback()  # (a read: nothing to keep)


def _card_counts(db: Db, scope: Scope) -> list[DeckCounts]:
    where, params = scope.card_filter()
    parts: dict[str, list[int]] = {}
    # Every new card from the covering (retired, queue, deck_id) index alone, suspended or
    # not; the suspended ones are taken off below (their partial index). Asking for
    # "suspended = 0" here read each of the 126,000 new cards' rows: at 200,000 cards
    # 234.2 -> 118.3 M instructions (callgrind, the statement alone; issue 19).
    new_rows = db.execute(
        f"SELECT c.deck_id, count(*) FROM card c WHERE c.retired = 0 AND c.queue = {_NEW} "
        f"AND {where} GROUP BY c.deck_id",
        params,
    )
    for deck_id, count in new_rows:
        parts.setdefault(str(deck_id), [0, 0, 0, 0, 0])[0] = int(count)
    days = f"coalesce(nullif(c.interval, 0), {_interval_days('c.due', 'c.last_review')})"
    # Cards that are not new, by the index's queue range; then suspended new cards, by
    # their partial index (an OR of the two would scan every card).
    learned_rows = db.execute(
        f"SELECT c.deck_id, CASE WHEN c.suspended THEN 4 WHEN c.queue != {_REVIEW} THEN 1 "
        f"WHEN {days} >= {MATURE_DAYS} THEN 3 ELSE 2 END, count(*) "
        f"FROM {scope.studied_cards()} "
        f"WHERE c.retired = 0 AND c.queue IN ({_STUDIED}) AND {where} GROUP BY 1, 2",
        params,
    )
    for deck_id, column, count in learned_rows:
        parts.setdefault(str(deck_id), [0, 0, 0, 0, 0])[int(column)] += int(count)
    suspended_new = db.execute(
        f"SELECT c.deck_id, count(*) FROM card c WHERE c.suspended = 1 AND +c.queue = {_NEW} "
        f"AND +c.retired = 0 AND {where} GROUP BY 1",
        params,
    )
    for deck_id, count in suspended_new:
        counted = parts.setdefault(str(deck_id), [0, 0, 0, 0, 0])
        counted[0] -= int(count)  # (counted among the new above)
        counted[4] += int(count)
    return [DeckCounts(deck_id, *values) for deck_id, values in parts.items()]


class ModuleCounts(NamedTuple):
    module: int | None
    """None: cards in no module."""
    new: int
    learning: int
    young: int
    mature: int
    suspended: int


def card_counts_by_module(conn: Conn, scope: Scope) -> list[ModuleCounts]:
    """Active cards per course module (their note's), counted as :func:`card_counts` does.
    Reads every card's note, so it is asked only when the course has modules."""
    where, params = scope.card_filter()
    days = f"coalesce(nullif(c.interval, 0), {_interval_days('c.due', 'c.last_review')})"
    # Every note and its cards (the notes outside: SQLite otherwise looked each card's note
    # up, 0.55 s of CPU at 200,000 cards against 0.3 s), unless decks narrow it.
    # (The unary + keeps SQLite from searching the (retired, ...) index once per note.)
    join, retired = (
        ("note n CROSS JOIN card c ON c.note_id = n.id", "+c.retired")
        if scope.deck_ids is None
        else ("card c JOIN note n ON n.id = c.note_id", "c.retired")
    )
    rows = driver_of(conn).execute(
        f"SELECT n.module, CASE WHEN c.suspended THEN 4 WHEN c.queue = {_NEW} THEN 0 "
        f"WHEN c.queue != {_REVIEW} THEN 1 WHEN {days} >= {MATURE_DAYS} THEN 3 ELSE 2 END, "
        f"count(*) FROM {join} WHERE {retired} = 0 AND {where} GROUP BY 1, 2",
        params,
    )
    parts: dict[int | None, list[int]] = {}
    for module, column, count in rows:
        key = None if module is None else int(module)
        parts.setdefault(key, [0, 0, 0, 0, 0])[int(column)] += int(count)
    return [
        ModuleCounts(module, *values)
        for module, values in sorted(parts.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))
    ]


def memory_states(conn: Conn, scope: Scope) -> list[tuple[float, float, int]]:
    """(stability, difficulty, last review) of every card with a memory state."""
    where, params = scope.card_filter()
    return (
        driver_of(conn)
        .execute(
            "SELECT c.stability, c.difficulty, c.last_review "
            f"FROM {scope.studied_cards()} WHERE c.retired = 0 "
            f"AND c.queue IN ({_STUDIED}) AND c.stability IS NOT NULL "
            "AND c.last_review IS NOT NULL "
            f"AND {where}",
            params,
        )
        .fetchall()
    )


class LearnedCard(NamedTuple):
    id: int
    deck_id: str
    queue: int
    stability: float
    difficulty: float
    due: int
    last_review: int
    suspended: int = 0


def learned_cards(
    conn: Conn, scope: Scope
) -> Iterator[tuple[int, str, int, float, float, int, int, int]]:
    """Every card with a memory state, streamed as plain tuples in :class:`LearnedCard`'s
    order (a projection reads 200,000 of them; a named tuple each cost a tenth of it)."""
    where, params = scope.card_filter()
    yield from driver_of(conn).execute(
        "SELECT c.id, c.deck_id, c.queue, c.stability, c.difficulty, c.due, c.last_review, "
        f"c.suspended FROM {scope.studied_cards()} WHERE c.retired = 0 "
        f"AND c.queue IN ({_STUDIED}) "
        f"AND c.stability IS NOT NULL AND c.last_review IS NOT NULL AND {where}",
        params,
    )


def new_cards_by_deck(conn: Conn, *, first: int) -> dict[str, tuple[int, int]]:
    """Per deck: (its new cards, how many of them are among the ``first`` the study queue
    introduces), counted in SQL from the (retired, queue, new_order) index. Suspended new
    cards count, but the queue never introduces them."""
    counts: dict[str, list[int]] = {}
    for deck_id, count in driver_of(conn).execute(
        f"SELECT deck_id, count(*) FROM card WHERE retired = 0 AND queue = {_NEW} GROUP BY 1"
    ):
        counts[str(deck_id)] = [int(count), 0]
    if first > 0:
        rows = driver_of(conn).execute(
            "SELECT deck_id, count(*) FROM (SELECT deck_id FROM card WHERE retired = 0 "
            f"AND queue = {_NEW} AND suspended = 0 ORDER BY new_order, id LIMIT :first) "
            "GROUP BY 1",
            {"first": first},
        )
        for deck_id, count in rows:
            counts.setdefault(str(deck_id), [0, 0])[1] = int(count)
    return {deck: (total, early) for deck, (total, early) in counts.items()}


def new_cards_queue(conn: Conn) -> Iterator[tuple[int, str]]:
    """(id, deck) of every new card the study queue will introduce, in its order, streamed
    (a projection usually needs only the first few thousand)."""
    cursor = driver_of(conn).execute(
        f"SELECT id, deck_id FROM card WHERE retired = 0 AND queue = {_NEW} AND suspended = 0 "
        "ORDER BY new_order, id"
    )
    yield from cursor


class CriticalCard(NamedTuple):
    id: int
    deck_id: str
    queue: int
    suspended: int


def critical_cards(conn: Conn) -> list[CriticalCard]:
    """The active cards of safety-critical notes (a handful: read from the notes' partial
    index), which are scheduled at the critical desired retention. CROSS JOIN keeps the
    notes outside: SQLite otherwise walked every card and looked up its note (0.5 s at
    200,000 cards, against 1 ms)."""
    rows = driver_of(conn).execute(
        "SELECT c.id, c.deck_id, c.queue, c.suspended FROM note n CROSS JOIN card c "
        "ON c.note_id = n.id WHERE n.critical = 1 AND +c.retired = 0"
    )
    return [CriticalCard(int(i), str(d), int(q), int(s)) for i, d, q, s in rows]


class ModuleCard(NamedTuple):
    id: int
    deck_id: str
    module: int
    queue: int
    suspended: int


def module_cards(conn: Conn) -> Iterator[tuple[int, str, int, int, int]]:
    """The active cards in a course module (their note's), streamed as plain tuples in
    :class:`ModuleCard`'s order. Every note is read (0.26 s of CPU at 160,000 notes), so
    this is asked only when the course has modules."""
    yield from driver_of(conn).execute(
        "SELECT c.id, c.deck_id, n.module, c.queue, c.suspended FROM note n CROSS JOIN card c "
        "ON c.note_id = n.id WHERE n.module IS NOT NULL AND +c.retired = 0"
    )


def suspended_new_by_deck(conn: Conn) -> dict[str, int]:
    """Suspended new cards per deck (by the suspended cards' partial index)."""
    rows = driver_of(conn).execute(
        f"SELECT deck_id, count(*) FROM card WHERE suspended = 1 AND +queue = {_NEW} "
        "AND +retired = 0 GROUP BY 1"
    )
    return {str(d): int(n) for d, n in rows}


def new_cards_in_order(conn: Conn) -> Iterator[str]:
    """The deck of every new card the study queue will introduce, in its order."""
    cursor = driver_of(conn).execute(
        f"SELECT deck_id FROM card WHERE retired = 0 AND queue = {_NEW} AND suspended = 0 "
        "ORDER BY new_order, id"
    )
    for (deck_id,) in cursor:
        yield deck_id


class DeckInfo(NamedTuple):
    id: str
    title: str
    family: str


def decks(conn: Conn) -> list[DeckInfo]:
    """Active decks, by title."""
    rows = driver_of(conn).execute(
        "SELECT id, title, family FROM deck WHERE active = 1 ORDER BY title, id"
    )
    return [DeckInfo(str(i), str(t), str(f)) for i, t, f in rows]


class ModuleInfo(NamedTuple):
    number: int
    title: str


def modules(conn: Conn) -> list[ModuleInfo]:
    """The course's modules (course.yaml, as synced), by number. A deck or card can only
    name a module its course defines (the validator checks it), so this small table is
    the list; reading the notes for it took 35 ms at 160,000 notes, on every opening of
    the statistics screen."""
    rows = driver_of(conn).execute(
        "SELECT number, min(title) FROM course_module GROUP BY number ORDER BY number"
    )
    return [ModuleInfo(int(n), str(t) if t else f"Module {n}") for n, t in rows]


# -- steering: leeches and "Not now" -----------------------------------------------------
_NOT_RETIRED = "+c.retired = 0"
"""The unary + keeps SQLite on the partial leech index (1.5 ms at 200,000 cards) instead of
the (retired, queue, due) one, which it prefers for retired = 0 and scans whole (85 ms)."""


class CardCount(NamedTuple):
    card_id: int
    times: int
    """Lapses of a leech, or times a card was put off."""
    suspended: bool


def leeches(conn: Conn, scope: Scope, *, limit: int) -> tuple[int, int, list[CardCount]]:
    """(leeches, of them suspended, the ``limit`` with the most lapses) in the scope."""
    where, params = scope.card_filter()
    total, suspended = (
        driver_of(conn)
        .execute(
            "SELECT count(*), coalesce(sum(c.suspended), 0) FROM card c "
            f"WHERE c.leech = 1 AND {_NOT_RETIRED} AND {where}",
            params,
        )
        .fetchone()
    )
    rows = driver_of(conn).execute(
        "SELECT c.id, c.lapses, c.suspended FROM card c "
        f"WHERE c.leech = 1 AND {_NOT_RETIRED} AND {where} "
        "ORDER BY c.lapses DESC, c.id LIMIT :limit",
        params | {"limit": limit},
    )
    return (
        int(total),
        int(suspended),
        [CardCount(int(i), int(n), bool(s)) for i, n, s in rows],
    )


def deferrals_by_day(
    conn: Conn, scope: Scope, *, day_start_ms: int, since_day: int
) -> list[tuple[int, int]]:
    """("Not now" by study day from today (0) back to ``since_day``: (day, deferrals))."""
    where, params = scope.card_filter()
    sql = (
        f"SELECT (d.at_ms - :origin + :pad) / {DAY_MS} - {_PAD_DAYS}, count(*) "
        "FROM deferral d JOIN card c ON c.id = d.card_id "
        f"WHERE d.at_ms >= :since AND {where} GROUP BY 1"
    )
    params |= {
        "origin": day_start_ms,
        "pad": _PAD_DAYS * DAY_MS,
        "since": day_start_ms + since_day * DAY_MS,
    }
    return [(int(d), int(n)) for d, n in driver_of(conn).execute(sql, params)]


def most_deferred(conn: Conn, scope: Scope, *, since_ms: int, limit: int) -> list[CardCount]:
    """The cards put off with "Not now" most often since ``since_ms``.

    From the "Not now" log outward (CROSS JOIN): grouping by the card's id, SQLite chose to
    walk all 200,000 cards in id order and probe the log for each, 22 ms of CPU against
    1.5 ms for the 2,231 log rows of the benchmark's two years and their cards."""
    where, params = scope.card_filter()
    rows = driver_of(conn).execute(
        "SELECT c.id, count(*), c.suspended FROM deferral d CROSS JOIN card c "
        "ON c.id = d.card_id "
        f"WHERE d.at_ms >= :since AND {where} GROUP BY c.id ORDER BY 2 DESC, c.id "
        "LIMIT :limit",
        params | {"since": since_ms, "limit": limit},
    )
    return [CardCount(int(i), int(n), bool(s)) for i, n, s in rows]


class CardText(NamedTuple):
    id: int
    deck_id: str
    kind: str
    key: str
    front: str
    back: str
    text: str


def card_texts(conn: Conn, ids: Sequence[int]) -> dict[int, CardText]:
    """What a card shows (its note's fields), for lists of cards such as the most at risk."""
    if not ids:
        return {}
    params = {f"id{i}": card_id for i, card_id in enumerate(ids)}
    sql = (
        "SELECT c.id, c.deck_id, n.kind, c.key, n.front, n.back, n.text FROM card c "
        f"JOIN note n ON n.id = c.note_id WHERE c.id IN ({', '.join(':' + k for k in params)})"
    )
    return {
        int(row[0]): CardText(int(row[0]), *map(str, row[1:]))
        for row in driver_of(conn).execute(sql, params)
    }
